#!/usr/bin/env python3
"""fake-mcp-server.py: a scriptable MCP server over stdio for agentos tests.

Speaks newline-delimited JSON-RPC 2.0 on stdin/stdout (MCP 2025-11-25,
Basic / Transports / stdio).  Standard library only.

Options (flags, or the environment variables in brackets):
  --log FILE       [FAKE_MCP_LOG] append every message received, one JSON
                   per line, so tests can check initialize params,
                   notifications/initialized and notifications/cancelled
  --version V      [FAKE_MCP_VERSION] protocolVersion to answer
                   (default: the one the client asked for)
  --pages N        [FAKE_MCP_PAGES] split tools/list into N pages
                   (nextCursor), default 1
  --crash-on-start [FAKE_MCP_CRASH=1] write a line to stderr and exit 3
                   before reading anything
  --die-on-call    [FAKE_MCP_DIE=1] exit 4 when the tool "die" is called
                   (always: the tool "die" exits)
  --list-changed   after the first tools/call, add the tool "extra" and
                   send notifications/tools/list_changed
  --hang-init      never answer initialize
  [FAKE_MCP_PIDFILE] append the server's pid to this file at start
  [FAKE_MCP_TOOLS=N] offer echo and N-1 generated tools instead (benches)
  [FAKE_MCP_GARBAGE=1] before every answer write lines that are not JSON,
                   not JSON-RPC, or answer no request
  [FAKE_MCP_COMPLETIONS=1] declare the completions capability and answer
                   completion/complete for greet's arguments (who: Ada,
                   Alan, Grace; style: by who, from context.arguments)
  [FAKE_MCP_STUBBORN=1] ignore SIGTERM and SIGHUP, and stay when stdin
                   closes: only SIGKILL ends it

Resources: fake://notes ("the notes say 42"); any other: -32002.
Prompts: greet {who (required), style}: "Say hello to WHO in STYLE style."

Tools:
  echo {text}        text content "echo: TEXT"
  fail {}            isError true, text "it failed on purpose"
  slow {ms}          answers after ms (default 60000) unless cancelled;
                     sends notifications/progress every 200 ms (10 at most)
  write {path, text} writes text to path (relative to the cwd)
  image {}           an image content (3 bytes of PNG), and a resource_link
  structured {}      only structuredContent {"answer": 42}
  big {bytes}        a text of that many bytes
  die {}             the server exits 4 mid-call
With FAKE_MCP_BAD=1 also:
  badrpc {}          answers the call with a JSON-RPC response that has
                     neither result nor error
  badresult {}       answers the call with a result that is not an object
  roots {}           asks the client roots/list, answers with its result
With FAKE_MCP_ELICIT=1 also (Client / Elicitation):
  ask {}             asks elicitation/create (form: name, age, color,
                     subscribe), answers "elicited: RESULT-JSON"
  askurl {}          asks elicitation/create in URL mode, the same
  askmore {}         a form whose message has three lines (one long) and
                     whose fields (owner, window) have descriptions
"""

import argparse
import json
import os
import signal
import sys
import threading
import time

TOOLS = [
    {"name": "echo", "description": "Echo the text back.",
     "inputSchema": {"type": "object", "properties": {
         "text": {"type": "string"}}, "required": ["text"]}},
    {"name": "fail", "description": "Always fails.",
     "inputSchema": {"type": "object"}},
    {"name": "slow", "description": "Takes a long time.",
     "inputSchema": {"type": "object", "properties": {
         "ms": {"type": "integer"}}}},
    {"name": "write", "description": "Write a file in the cwd.",
     "inputSchema": {"type": "object", "properties": {
         "path": {"type": "string"}, "text": {"type": "string"}},
         "required": ["path", "text"]}},
    {"name": "image", "description": "An image.",
     "annotations": {"readOnlyHint": True, "title": "Show an image",
                     "openWorldHint": False},
     "inputSchema": {"type": "object"}},
    {"name": "structured", "description": "Structured only.",
     "inputSchema": {"type": "object"}},
    {"name": "big", "description": "A big text.",
     "inputSchema": {"type": "object", "properties": {
         "bytes": {"type": "integer"}}}},
    {"name": "die", "description": "The server dies.",
     "inputSchema": {"type": "object"}},
    {"name": "roots", "description": "Ask for the roots.",
     "inputSchema": {"type": "object"}},
]

ASK_SCHEMA = {"type": "object", "properties": {
    "name": {"type": "string", "title": "Your name", "default": "Ada",
             "minLength": 2},
    "age": {"type": "integer", "title": "Age", "minimum": 0,
            "maximum": 150},
    "color": {"type": "string", "enum": ["red", "green", "blue"],
              "default": "green"},
    "subscribe": {"type": "boolean", "default": True}},
    "required": ["name", "age"]}

# A form whose message has several lines (one longer than a terminal row)
# and whose fields have descriptions: the panel shows all of them.
MORE_MESSAGE = ("Before the deploy goes on, some details.\n"
                "The release train leaves at noon and every team that "
                "ships in it confirms the owner of the change, the "
                "window and whether the pager is on. WRAPPED-END\n"
                "LAST-LINE of the message.")
MORE_SCHEMA = {"type": "object", "properties": {
    "owner": {"type": "string", "title": "Owner",
              "description": "Who answers the pager for this change."},
    "window": {"type": "integer", "title": "Window",
               "description": "Minutes the change may take, at most; the "
                              "train waits no longer than that. "
                              "DESC-WRAPPED-END"}},
    "required": ["owner"]}

if os.environ.get("FAKE_MCP_BAD") == "1":
    TOOLS += [
        {"name": "badrpc", "description": "Answers with a bad response.",
         "inputSchema": {"type": "object"}},
        {"name": "badresult", "description": "Answers with a bad result.",
         "inputSchema": {"type": "object"}}]

if os.environ.get("FAKE_MCP_ELICIT") == "1":
    TOOLS += [
        {"name": "askmore", "description": "Ask a form with descriptions.",
         "inputSchema": {"type": "object"}},
        {"name": "ask", "description": "Ask the user a form.",
         "inputSchema": {"type": "object"}},
        {"name": "askurl", "description": "Send the user to a URL.",
         "inputSchema": {"type": "object"}}]

# FAKE_MCP_TOOLS=N: only N generated tools of a realistic size (a
# description of about 200 bytes, a schema of three fields), for benches.
if os.environ.get("FAKE_MCP_TOOLS"):
    TOOLS = [{"name": "echo", "description": "Echo the text back.",
              "inputSchema": {"type": "object", "properties": {
                  "text": {"type": "string"}}, "required": ["text"]}}]
    for i in range(int(os.environ["FAKE_MCP_TOOLS"]) - 1):
        TOOLS.append({
            "name": "get_item_%d" % i,
            "description": ("Fetch item %d of the tracker with its title, "
                            "state, labels, assignees and the first page "
                            "of comments. Use it when the user names an "
                            "item by number; the result is JSON." % i),
            "inputSchema": {"type": "object", "properties": {
                "owner": {"type": "string", "description": "the owner"},
                "repo": {"type": "string", "description": "the repository"},
                "number": {"type": "integer", "description": "the item"}},
                "required": ["owner", "repo", "number"]}})

lock = threading.Lock()
cancelled = set()
pending_roots = {}


def send(msg):
    with lock:
        sys.stdout.write(json.dumps(msg) + "\n")
        sys.stdout.flush()


def log(args, msg):
    if args.log:
        with open(args.log, "a", encoding="utf-8") as f:
            f.write(json.dumps(msg) + "\n")


GARBAGE = os.environ.get("FAKE_MCP_GARBAGE") == "1"


def result(rid, res):
    if GARBAGE:
        # Not JSON, not JSON-RPC, an answer to nothing, a bad id type.
        with lock:
            sys.stdout.write("this is not JSON\n{\"foo\": 1}\n[1, 2]\n")
            sys.stdout.write(json.dumps({"jsonrpc": "2.0", "id": 99999,
                                         "result": {}}) + "\n")
            sys.stdout.write(json.dumps({"jsonrpc": "2.0", "id": [1],
                                         "result": {}}) + "\n")
            sys.stdout.write(json.dumps({"jsonrpc": "2.0",
                                         "method": 7}) + "\n")
            sys.stdout.flush()
    send({"jsonrpc": "2.0", "id": rid, "result": res})


COMPLETIONS = os.environ.get("FAKE_MCP_COMPLETIONS") == "1"
WHO = ["Ada", "Alan", "Grace"]


def complete(params):
    """Values for greet's arguments (Server / Utilities / Completion):
    who from WHO, style by who (context.arguments, 2025-06-18)."""
    ref = params.get("ref") or {}
    arg = params.get("argument") or {}
    if ref.get("type") != "ref/prompt" or ref.get("name") != "greet":
        return {"values": []}
    if arg.get("name") == "who":
        vals = WHO
    else:
        who = ((params.get("context") or {}).get("arguments") or {}).get(
            "who")
        vals = ["gracious", "grand"] if who == "Grace" else \
            ["formal", "friendly", "warm"]
    vals = [v for v in vals if v.startswith(arg.get("value", ""))]
    return {"values": vals, "total": len(vals), "hasMore": False}


def text(t, err=False):
    r = {"content": [{"type": "text", "text": t}]}
    if err:
        r["isError"] = True
    return r


def slow(rid, ms, token):
    end = time.time() + ms / 1000.0
    n = 0
    while time.time() < end:
        if rid in cancelled:
            return
        time.sleep(0.02)
        n += 1
        if token is not None and n % 10 == 0 and n <= 100:
            send({"jsonrpc": "2.0", "method": "notifications/progress",
                  "params": {"progressToken": token, "progress": n // 10,
                             "total": 10, "message": "step %d" % (n // 10)}})
    result(rid, text("slow done"))


def call(args, rid, params, state):
    name = params.get("name")
    a = params.get("arguments") or {}
    if name == "echo":
        result(rid, text("echo: " + str(a.get("text", ""))))
    elif name == "fail":
        result(rid, text("it failed on purpose", True))
    elif name == "slow":
        token = (params.get("_meta") or {}).get("progressToken")
        threading.Thread(target=slow, args=(rid, a.get("ms", 60000), token),
                         daemon=True).start()
    elif name == "write":
        with open(a["path"], "w", encoding="utf-8") as f:
            f.write(a["text"])
        result(rid, text("wrote " + a["path"]))
    elif name == "image":
        result(rid, {"content": [
            {"type": "image", "data": "iVBO", "mimeType": "image/png"},
            {"type": "resource_link", "uri": "file:///x.txt",
             "name": "x.txt"}]})
    elif name == "structured":
        result(rid, {"content": [], "structuredContent": {"answer": 42}})
    elif name == "big":
        result(rid, text("x" * int(a.get("bytes", 1000))))
    elif name == "badrpc":
        send({"jsonrpc": "2.0", "id": rid})
    elif name == "badresult":
        send({"jsonrpc": "2.0", "id": rid, "result": "not an object"})
    elif name == "die":
        sys.stderr.write("fake-mcp: dying on purpose\n")
        sys.stderr.flush()
        os._exit(4)
    elif name == "roots":
        qid = "roots-%d" % rid if isinstance(rid, int) else "roots-x"
        pending_roots[qid] = rid
        send({"jsonrpc": "2.0", "id": qid, "method": "roots/list"})
    elif name in ("ask", "askurl", "askmore"):
        qid = "ask-%s" % rid
        pending_roots[qid] = rid
        if name == "ask":
            p = {"mode": "form", "message": "Tell me about you.",
                 "requestedSchema": ASK_SCHEMA}
        elif name == "askmore":
            p = {"mode": "form", "message": MORE_MESSAGE,
                 "requestedSchema": MORE_SCHEMA}
        else:
            p = {"mode": "url", "message": "Sign in at the page.",
                 "url": "https://example.com/signin?x=1",
                 "elicitationId": "el-1"}
        send({"jsonrpc": "2.0", "id": qid, "method": "elicitation/create",
              "params": p})
    elif name == "extra":
        result(rid, text("extra tool"))
    else:
        send({"jsonrpc": "2.0", "id": rid, "error": {
            "code": -32602, "message": "unknown tool " + str(name)}})
        return
    if args.list_changed and not state.get("changed"):
        state["changed"] = True
        TOOLS.append({"name": "extra", "description": "Added later.",
                      "inputSchema": {"type": "object"}})
        send({"jsonrpc": "2.0",
              "method": "notifications/tools/list_changed"})


def main():
    p = argparse.ArgumentParser()
    p.add_argument("--log", default=os.environ.get("FAKE_MCP_LOG"))
    p.add_argument("--version", default=os.environ.get("FAKE_MCP_VERSION"))
    p.add_argument("--pages", type=int,
                   default=int(os.environ.get("FAKE_MCP_PAGES", "1")))
    p.add_argument("--crash-on-start", action="store_true",
                   default=os.environ.get("FAKE_MCP_CRASH") == "1")
    p.add_argument("--list-changed", action="store_true")
    p.add_argument("--hang-init", action="store_true")
    args = p.parse_args()
    if args.crash_on_start:
        sys.stderr.write("fake-mcp: crashing on start\n")
        sys.stderr.flush()
        sys.exit(3)
    if os.environ.get("FAKE_MCP_PIDFILE"):
        with open(os.environ["FAKE_MCP_PIDFILE"], "a") as f:
            f.write("%d\n" % os.getpid())
    stubborn = os.environ.get("FAKE_MCP_STUBBORN") == "1"
    if stubborn:
        signal.signal(signal.SIGTERM, signal.SIG_IGN)
        signal.signal(signal.SIGHUP, signal.SIG_IGN)
        signal.signal(signal.SIGPIPE, signal.SIG_IGN)
    sys.stderr.write("fake-mcp: started\n")
    sys.stderr.flush()
    state = {}
    for line in stdin_lines(stubborn):
        line = line.strip()
        if not line:
            continue
        try:
            msg = json.loads(line)
        except ValueError:
            continue
        log(args, msg)
        method = msg.get("method")
        rid = msg.get("id")
        params = msg.get("params") or {}
        if method is None:
            # A response: to our roots/list.
            if rid in pending_roots:
                orig = pending_roots.pop(rid)
                if str(rid).startswith("ask-"):
                    result(orig, text("elicited: " + json.dumps(
                        msg.get("result") or msg.get("error"),
                        sort_keys=True)))
                else:
                    result(orig, text(json.dumps(msg.get("result"))))
            continue
        if method == "initialize":
            if args.hang_init:
                continue
            result(rid, {
                "protocolVersion": args.version or
                params.get("protocolVersion"),
                "capabilities": dict({"tools": {"listChanged": True},
                                      "prompts": {}, "resources": {},
                                      "logging": {}},
                                     **({"completions": {}} if COMPLETIONS
                                        else {})),
                "serverInfo": {"name": "fake-mcp", "version": "1.0"},
                "instructions": "Always call echo twice."})
        elif method == "tools/list":
            n = max(1, args.pages)
            per = (len(TOOLS) + n - 1) // n
            page = int(params.get("cursor", "0"))
            res = {"tools": TOOLS[page * per:(page + 1) * per]}
            if page + 1 < n:
                res["nextCursor"] = str(page + 1)
            result(rid, res)
        elif method == "resources/list":
            # Two pages: notes, then more.
            if params.get("cursor") == "2":
                result(rid, {"resources": [{"uri": "fake://more",
                                            "name": "more"}]})
            else:
                result(rid, {"resources": [{"uri": "fake://notes",
                                            "name": "notes"}],
                             "nextCursor": "2"})
        elif method == "resources/templates/list":
            result(rid, {"resourceTemplates": [
                {"uriTemplate": "fake://notes/{day}", "name": "by day"}]})
        elif method == "resources/read":
            uri = params.get("uri", "")
            if uri == "fake://notes":
                result(rid, {"contents": [{"uri": uri, "mimeType": "text/plain",
                                           "text": "the notes say 42"}]})
            else:
                send({"jsonrpc": "2.0", "id": rid, "error": {
                    "code": -32002, "message": "Resource not found"}})
        elif method == "prompts/list":
            result(rid, {"prompts": [{
                "name": "greet", "description": "Greet someone.",
                "arguments": [{"name": "who", "required": True},
                              {"name": "style"}]}]})
        elif method == "completion/complete" and COMPLETIONS:
            result(rid, {"completion": complete(params)})
        elif method == "prompts/get":
            a = params.get("arguments") or {}
            result(rid, {"messages": [{"role": "user", "content": {
                "type": "text", "text": "Say hello to %s in %s style." % (
                    a.get("who"), a.get("style", "plain"))}}]})
        elif method == "tools/call":
            call(args, rid, params, state)
        elif method == "ping":
            result(rid, {})
        elif method == "logging/setLevel":
            result(rid, {})
        elif method == "notifications/initialized":
            # Utilities / Ping: the client must answer; the answer is
            # logged like every message.
            send({"jsonrpc": "2.0", "id": "ping-1", "method": "ping"})
            send({"jsonrpc": "2.0", "method": "notifications/message",
                  "params": {"level": "info", "logger": "fake",
                             "data": "hello from fake"}})
        elif method == "notifications/cancelled":
            cancelled.add(params.get("requestId"))
        elif rid is not None and not method.startswith("notifications/"):
            send({"jsonrpc": "2.0", "id": rid, "error": {
                "code": -32601, "message": "no such method"}})


def stdin_lines(stubborn):
    """The lines of stdin; stubborn, stay on when it closes."""
    for line in sys.stdin:
        yield line
    while stubborn:
        time.sleep(1)


if __name__ == "__main__":
    main()
