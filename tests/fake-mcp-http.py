#!/usr/bin/env python3
"""fake-mcp-http.py: an MCP server over Streamable HTTP for the tests.

Speaks the 2025-11-25 Streamable HTTP transport (POST one message, answer
JSON or an SSE stream, 202 for notifications and responses, Mcp-Session-Id,
the GET stream, DELETE, resumption with Last-Event-ID) or, with --legacy,
the 2024-11-05 HTTP+SSE transport.  Tools: echo (returns its "text").

Every request is logged as one JSON line to --log: method, path, the
headers (secret ones replaced by "<redacted>"), the body, and a time.
"""
import argparse
import json
import queue
import socket
import sys
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

SECRET = ("authorization", "cookie", "x-api-key", "proxy-authorization")
VERSIONS = ("2025-11-25", "2025-06-18", "2025-03-26")

state = {
    "sessions": set(),
    "nsession": 0,
    "expired": False,
    "waiters": {},          # server request id -> (Event, [answer])
    "dropped": {},          # stream id -> events left to replay
    "nstream": 0,
    "legacy": {},           # legacy session -> Queue
}
lock = threading.Lock()
log_lock = threading.Lock()
args = None


def log(entry):
    entry["t"] = time.time()
    with log_lock:
        with open(args.log, "a") as f:
            f.write(json.dumps(entry) + "\n")


def tool_result(params):
    name = params.get("name")
    a = params.get("arguments") or {}
    if name == "echo":
        return {"content": [{"type": "text", "text": str(a.get("text"))}]}
    if name == "big":
        return {"content": [{"type": "text", "text": "x" * args.big}]}
    return {"content": [{"type": "text", "text": "no such tool"}],
            "isError": True}


def answer(msg):
    """The response to one request of the client."""
    m = msg.get("method")
    p = msg.get("params") or {}
    if m == "initialize":
        v = p.get("protocolVersion")
        res = {"protocolVersion": v if v in VERSIONS else VERSIONS[1],
               "capabilities": {"tools": {"listChanged": True}},
               "serverInfo": {"name": "fake-mcp-http", "version": "1"}}
    elif m == "tools/list":
        res = {"tools": [{"name": "echo", "description": "Echo text.",
                          "inputSchema": {"type": "object", "properties":
                                          {"text": {"type": "string"}}}}]}
    elif m == "tools/call":
        res = tool_result(p)
    elif m == "ping":
        res = {}
    else:
        return {"jsonrpc": "2.0", "id": msg.get("id"),
                "error": {"code": -32601, "message": "no method " + str(m)}}
    return {"jsonrpc": "2.0", "id": msg.get("id"), "result": res}


class Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"

    def setup(self):
        super().setup()
        # Headers and body are separate writes: no Nagle delay between.
        self.request.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)

    def log_message(self, fmt, *a):
        pass

    def logged(self, body=None):
        h = {}
        for k, v in self.headers.items():
            k = k.lower()
            h[k] = "<redacted>" if k in SECRET else v
        e = {"method": self.command, "path": self.path, "headers": h}
        if args.expect_auth is not None:
            e["auth_ok"] = self.headers.get("Authorization") == \
                args.expect_auth
        if body is not None:
            e["body"] = body
        log(e)

    def plain(self, code, text="", headers=()):
        data = text.encode()
        self.send_response(code)
        for k, v in headers:
            self.send_header(k, v)
        self.send_header("Content-Type", "text/plain")
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)

    def json_reply(self, obj, headers=()):
        data = json.dumps(obj).encode()
        self.send_response(200)
        for k, v in headers:
            self.send_header(k, v)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)

    def sse_start(self, headers=()):
        self.send_response(200)
        for k, v in headers:
            self.send_header(k, v)
        self.send_header("Content-Type", "text/event-stream")
        self.send_header("Cache-Control", "no-cache")
        self.send_header("Connection", "close")
        self.end_headers()
        self.close_connection = True

    def sse(self, data, eid=None, event=None, retry=None):
        out = ""
        if eid is not None:
            out += "id: %s\n" % eid
        if retry is not None:
            out += "retry: %d\n" % retry
        if event is not None:
            out += "event: %s\n" % event
        out += "data: %s\n\n" % (data if isinstance(data, str)
                                 else json.dumps(data))
        self.wfile.write(out.encode())
        self.wfile.flush()

    def auth(self):
        if not args.auth:
            return False
        self.plain(401, "unauthorized", [(
            "WWW-Authenticate", 'Bearer resource_metadata="http://%s:%d/'
            '.well-known/oauth-protected-resource"' %
            self.server.server_address)])
        return True

    def read_body(self):
        n = int(self.headers.get("Content-Length") or 0)
        raw = self.rfile.read(n) if n else b""
        try:
            return json.loads(raw)
        except ValueError:
            return raw.decode(errors="replace")

    # --- Streamable HTTP -------------------------------------------------

    def check_session(self, msg):
        """None when fine, else the status to answer."""
        if args.no_session:
            return None
        if isinstance(msg, dict) and msg.get("method") == "initialize":
            return None
        sid = self.headers.get("Mcp-Session-Id")
        if sid is None:
            return 400
        with lock:
            if sid not in state["sessions"]:
                return 404
        return None

    def do_POST(self):
        msg = self.read_body()
        self.logged(msg)
        if self.auth():
            return
        if args.legacy:
            return self.legacy_post(msg)
        code = self.check_session(msg)
        if code is not None:
            return self.plain(code, "session %s" %
                              ("missing" if code == 400 else "not found"))
        if not isinstance(msg, dict):
            return self.plain(400, "bad body")
        if "method" not in msg or "id" not in msg:
            # A notification or a response: 202, no body.
            if "method" not in msg:
                with lock:
                    w = state["waiters"].get(msg.get("id"))
                if w is not None:
                    w[1].append(msg)
                    w[0].set()
            return self.plain(202)
        m = msg["method"]
        if m == "tools/call" and args.expire_always:
            return self.plain(404, "session expired")
        if m == "tools/call" and args.expire and not state["expired"]:
            # The session expires under the client.
            with lock:
                state["expired"] = True
                state["sessions"].discard(self.headers.get("Mcp-Session-Id"))
            return self.plain(404, "session expired")
        headers = []
        if m == "initialize" and not args.no_session:
            with lock:
                state["nsession"] += 1
                sid = "sess-%d" % state["nsession"]
                state["sessions"].add(sid)
            headers.append(("Mcp-Session-Id", sid))
        if m == "tools/call" and (msg.get("params") or {}).get("name") \
                == "garbage":
            data = b"this is not JSON {"
            self.send_response(200)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(data)))
            self.end_headers()
            self.wfile.write(data)
            return
        if args.mode == "json":
            return self.json_reply(answer(msg), headers)
        self.sse_start(headers)
        with lock:
            state["nstream"] += 1
            s = "s%d" % state["nstream"]
        if m == "tools/call" and (msg.get("params") or {}).get("name") \
                == "hang":
            # Never answers; logs when the client closes the stream.
            self.sse("", eid=s + "-1")
            try:
                for _ in range(200):
                    time.sleep(0.1)
                    self.wfile.write(b": still working\n\n")
                    self.wfile.flush()
            except OSError:
                log({"event": "stream closed by the client", "stream": s})
            return
        if m == "tools/call" and args.drop:
            # Prime for resumption, one event, then drop the stream.
            self.sse("", eid=s + "-1", retry=args.retry)
            self.sse({"jsonrpc": "2.0", "method": "notifications/message",
                      "params": {"level": "info", "data": "working"}},
                     eid=s + "-2")
            with lock:
                state["dropped"][s + "-2"] = [(s + "-3", answer(msg))]
            return
        if m == "tools/call" and args.server_request:
            rid = "srv-" + s
            ev = threading.Event()
            got = []
            with lock:
                state["waiters"][rid] = (ev, got)
            self.sse({"jsonrpc": "2.0", "id": rid, "method": "ping"},
                     eid=s + "-1")
            if not ev.wait(20) or "result" not in got[0]:
                return
        self.sse({"jsonrpc": "2.0", "method": "notifications/message",
                  "params": {"level": "info", "data": "hi"}}, eid=s + "-2")
        self.sse(answer(msg), eid=s + "-3")

    def do_GET(self):
        self.logged()
        if self.auth():
            return
        if args.legacy:
            return self.legacy_get()
        last = self.headers.get("Last-Event-ID")
        if args.no_get and last is None:
            return self.plain(405, "no GET stream", [("Allow", "POST")])
        code = self.check_session(None)
        if code is not None:
            return self.plain(code)
        if last is not None:
            with lock:
                left = state["dropped"].pop(last, None)
            if left is None:
                return self.plain(404, "no such stream")
            self.sse_start()
            for eid, m in left:
                self.sse(m, eid=eid)
            return
        # The stream of server-initiated messages: one note, then idle.
        self.sse_start()
        try:
            self.sse({"jsonrpc": "2.0", "method": "notifications/message",
                      "params": {"level": "info", "data": "listening"}},
                     eid="g-1")
            for _ in range(600):
                time.sleep(0.1)
                if _ % 10 == 9:
                    self.wfile.write(b": keep-alive\n\n")
                    self.wfile.flush()
        except OSError:
            pass

    def do_DELETE(self):
        self.logged()
        sid = self.headers.get("Mcp-Session-Id")
        with lock:
            known = sid in state["sessions"]
            state["sessions"].discard(sid)
        self.plain(200 if known else 404)

    # --- 2024-11-05 HTTP+SSE ---------------------------------------------

    def legacy_get(self):
        with lock:
            state["nsession"] += 1
            sid = "L%d" % state["nsession"]
            q = queue.Queue()
            state["legacy"][sid] = q
        self.sse_start()
        try:
            self.sse("/messages?sessionId=" + sid, event="endpoint")
            while True:
                try:
                    m = q.get(timeout=1)
                except queue.Empty:
                    self.wfile.write(b": keep-alive\n\n")
                    self.wfile.flush()
                    continue
                if m is None:
                    break
                self.sse(m, event="message")
        except OSError:
            pass

    def legacy_post(self, msg):
        if not self.path.startswith("/messages?sessionId="):
            return self.plain(405, "use the SSE endpoint")
        with lock:
            q = state["legacy"].get(self.path.split("=", 1)[1])
        if q is None:
            return self.plain(404)
        self.plain(202, "Accepted")
        if isinstance(msg, dict) and "method" in msg and "id" in msg:
            q.put(answer(msg))


class Server(ThreadingHTTPServer):
    daemon_threads = True

    def handle_error(self, request, client_address):
        # A client that closes a stream it no longer wants is normal.
        if isinstance(sys.exc_info()[1], (ConnectionError, BrokenPipeError)):
            return
        super().handle_error(request, client_address)


def main():
    global args
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--port-file", required=True)
    ap.add_argument("--log", required=True)
    ap.add_argument("--mode", choices=("json", "sse"), default="json")
    ap.add_argument("--drop", action="store_true",
                    help="tools/call streams drop after a priming event")
    ap.add_argument("--retry", type=int, default=300,
                    help="the retry field of a dropped stream (ms)")
    ap.add_argument("--server-request", action="store_true",
                    help="tools/call streams ask the client a ping first")
    ap.add_argument("--expire", action="store_true",
                    help="the first tools/call finds its session gone")
    ap.add_argument("--expire-always", action="store_true",
                    help="every tools/call finds its session gone")
    ap.add_argument("--no-get", action="store_true", help="405 on GET")
    ap.add_argument("--big", type=int, default=2 << 20,
                    help="bytes of text the big tool returns")
    ap.add_argument("--no-session", action="store_true")
    ap.add_argument("--legacy", action="store_true",
                    help="the 2024-11-05 HTTP+SSE transport")
    ap.add_argument("--auth", action="store_true",
                    help="401 with WWW-Authenticate to everything")
    ap.add_argument("--expect-auth",
                    help="log whether Authorization equals this")
    args = ap.parse_args()
    srv = Server(("127.0.0.1", 0), Handler)
    with open(args.port_file + ".tmp", "w") as f:
        f.write("%d\n" % srv.server_address[1])
    import os
    os.rename(args.port_file + ".tmp", args.port_file)
    try:
        srv.serve_forever()
    except KeyboardInterrupt:
        pass
    return 0


if __name__ == "__main__":
    sys.exit(main())
