#!/usr/bin/env python3
"""fake-oauth.py: an MCP server behind OAuth, and its authorization server,
in one process (stdlib only), for tests/e2e/1031.

/mcp speaks just enough Streamable HTTP (JSON bodies): initialize,
notifications, tools/list (one tool, "whoami"), tools/call (whoami answers
"token N" with the number of the access token used).  Without a valid
token it answers 401 with WWW-Authenticate: Bearer resource_metadata=...
/.well-known/oauth-protected-resource/mcp and
/.well-known/oauth-authorization-server are the metadata; /register is
dynamic client registration; /authorize redirects at once (consent) to the
redirect_uri with a code and the state; /token checks the code, the
client, the redirect_uri, the resource and the PKCE S256 verifier, and
issues access tokens that expire after --expires seconds with a refresh
token; grant_type=refresh_token gives a new access token.

--plain-http-token: the metadata names a token endpoint over plain http on
another host.  --bad-state: /authorize sends a forged state.  --bad-pkce: /token refuses
every verifier (invalid_grant), as if the client sent a wrong one.
--log FILE: one JSON line per request (path, method, form fields but
secrets replaced by their length).
"""
import argparse
import base64
import hashlib
import json
import secrets
import sys
import time
import urllib.parse
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

ap = argparse.ArgumentParser()
ap.add_argument("--port-file", required=True)
ap.add_argument("--log")
ap.add_argument("--expires", type=int, default=3600)
ap.add_argument("--bad-state", action="store_true")
ap.add_argument("--bad-pkce", action="store_true")
ap.add_argument("--plain-http-token", action="store_true")
args = ap.parse_args()

clients = {}    # client_id -> redirect_uris
codes = {}      # code -> dict(client_id, redirect_uri, challenge, resource)
tokens = {}     # access token -> (number, expiry)
refresh = {}    # refresh token -> client_id
ntokens = [0]


def log(entry):
    if args.log:
        with open(args.log, "a") as f:
            f.write(json.dumps(entry) + "\n")


class H(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"

    def log_message(self, *a):
        pass

    def base(self):
        return "http://127.0.0.1:%d" % self.server.server_address[1]

    def send(self, status, body, ctype="application/json", extra=()):
        data = body if isinstance(body, bytes) else json.dumps(body).encode()
        self.send_response(status)
        self.send_header("Content-Type", ctype)
        self.send_header("Content-Length", str(len(data)))
        for k, v in extra:
            self.send_header(k, v)
        self.end_headers()
        self.wfile.write(data)

    def body(self):
        n = int(self.headers.get("Content-Length") or 0)
        return self.rfile.read(n) if n else b""

    def do_GET(self):
        u = urllib.parse.urlsplit(self.path)
        q = dict(urllib.parse.parse_qsl(u.query))
        log({"method": "GET", "path": u.path,
             "query": {k: (v if k not in ("code_challenge",) else len(v))
                       for k, v in q.items()}})
        if u.path == "/.well-known/oauth-protected-resource/mcp":
            return self.send(200, {"resource": self.base() + "/mcp",
                                   "authorization_servers": [self.base()],
                                   "scopes_supported": ["mcp"]})
        if u.path == "/.well-known/oauth-authorization-server":
            b = self.base()
            return self.send(200, {
                "issuer": b, "authorization_endpoint": b + "/authorize",
                "token_endpoint": ("http://192.0.2.1/token"
                                   if args.plain_http_token
                                   else b + "/token"),
                "registration_endpoint": b + "/register",
                "response_types_supported": ["code"],
                "grant_types_supported": ["authorization_code",
                                          "refresh_token"],
                "code_challenge_methods_supported": ["S256"],
                "token_endpoint_auth_methods_supported": ["none"]})
        if u.path == "/authorize":
            cid = q.get("client_id")
            ru = q.get("redirect_uri")
            if (cid not in clients or ru not in clients[cid] or
                    q.get("code_challenge_method") != "S256" or
                    q.get("resource") != self.base() + "/mcp" or
                    not q.get("state")):
                return self.send(400, {"error": "invalid_request"})
            code = secrets.token_urlsafe(16)
            codes[code] = {"client_id": cid, "redirect_uri": ru,
                           "challenge": q.get("code_challenge"),
                           "resource": q.get("resource")}
            state = "forged-state" if args.bad_state else q["state"]
            loc = ru + "?" + urllib.parse.urlencode(
                {"code": code, "state": state})
            return self.send(302, b"", "text/plain", [("Location", loc)])
        return self.send(404, {"error": "not_found"})

    def do_POST(self):
        u = urllib.parse.urlsplit(self.path)
        raw = self.body()
        if u.path == "/register":
            req = json.loads(raw or b"{}")
            log({"method": "POST", "path": u.path, "body": req})
            cid = "client-%d" % (len(clients) + 1)
            clients[cid] = req.get("redirect_uris") or []
            return self.send(201, {"client_id": cid,
                                   "redirect_uris": clients[cid],
                                   "token_endpoint_auth_method": "none"})
        if u.path == "/token":
            f = dict(urllib.parse.parse_qsl(raw.decode()))
            log({"method": "POST", "path": u.path,
                 "form": {k: (v if k in ("grant_type", "client_id",
                                         "resource", "redirect_uri")
                              else len(v)) for k, v in f.items()}})
            if f.get("resource") != self.base() + "/mcp":
                return self.send(400, {"error": "invalid_target"})
            if f.get("grant_type") == "authorization_code":
                c = codes.pop(f.get("code", ""), None)
                if c is None or c["client_id"] != f.get("client_id") or \
                        c["redirect_uri"] != f.get("redirect_uri"):
                    return self.send(400, {"error": "invalid_grant"})
                v = f.get("code_verifier", "")
                s = base64.urlsafe_b64encode(
                    hashlib.sha256(v.encode()).digest()).rstrip(b"=")
                if args.bad_pkce or s.decode() != c["challenge"]:
                    return self.send(400, {
                        "error": "invalid_grant",
                        "error_description": "PKCE verification failed"})
            elif f.get("grant_type") == "refresh_token":
                if refresh.pop(f.get("refresh_token", ""), None) != \
                        f.get("client_id"):
                    return self.send(400, {"error": "invalid_grant"})
            else:
                return self.send(400, {"error": "unsupported_grant_type"})
            ntokens[0] += 1
            tok = "at-%d-%s" % (ntokens[0], secrets.token_urlsafe(12))
            rt = "rt-" + secrets.token_urlsafe(12)
            tokens[tok] = (ntokens[0], time.time() + args.expires)
            refresh[rt] = f.get("client_id")
            return self.send(200, {"access_token": tok, "token_type":
                                   "Bearer", "expires_in": args.expires,
                                   "refresh_token": rt, "scope": "mcp"})
        if u.path == "/mcp":
            return self.mcp(raw)
        return self.send(404, {"error": "not_found"})

    def mcp(self, raw):
        auth = self.headers.get("Authorization") or ""
        tok = auth[7:] if auth.startswith("Bearer ") else None
        msg = json.loads(raw or b"{}")
        ok = tok in tokens and tokens[tok][1] > time.time()
        log({"method": "POST", "path": "/mcp", "rpc": msg.get("method"),
             "token": (tokens[tok][0] if tok in tokens else None),
             "valid": ok})
        if not ok:
            return self.send(401, {"error": "invalid_token"}, extra=[(
                "WWW-Authenticate", 'Bearer error="invalid_token", '
                'resource_metadata="%s/.well-known/oauth-protected-'
                'resource/mcp"' % self.base())])
        m, mid = msg.get("method"), msg.get("id")
        if mid is None:
            return self.send(202, b"", "text/plain")
        if m == "initialize":
            res = {"protocolVersion": "2025-11-25", "capabilities":
                   {"tools": {}}, "serverInfo": {"name": "fake-oauth",
                                                 "version": "1"}}
        elif m == "tools/list":
            res = {"tools": [{"name": "whoami", "description":
                              "which token", "inputSchema":
                              {"type": "object"}}]}
        elif m == "tools/call":
            res = {"content": [{"type": "text", "text": "token %d" %
                                tokens[tok][0]}]}
        else:
            return self.send(200, {"jsonrpc": "2.0", "id": mid, "error":
                                   {"code": -32601, "message": m}})
        return self.send(200, {"jsonrpc": "2.0", "id": mid, "result": res})

    def do_DELETE(self):
        self.send(405, {"error": "no sessions"})


srv = ThreadingHTTPServer(("127.0.0.1", 0), H)
with open(args.port_file + ".tmp", "w") as f:
    f.write(str(srv.server_address[1]))
import os
os.rename(args.port_file + ".tmp", args.port_file)
try:
    srv.serve_forever()
except KeyboardInterrupt:
    sys.exit(0)
