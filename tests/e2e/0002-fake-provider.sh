#!/bin/sh
# tests/fake-provider.py answers both wire formats as scripted: streams
# that parse, tool input split in fragments, HTTP errors, mid-stream errors,
# cuts, hangs, replays, expectations and the request log (no agentos).
. "$(dirname "$0")/lib.sh"
command -v python3 >/dev/null 2>&1 || skip "no python3"
# Case 6 replays a recorded stream from $WIRE_DIR (../shared/wire, beside
# the source tree).  Without that folder it replays nothing and is skipped;
# the other cases still run, and the test ends with 77 if they pass.
replay='{"replay": "anthropic-tooluse-2.sse", "chunk": "random"}'
if [ -d "$WIRE_DIR" ]; then
	export WIRE_REPLAY=1
else
	replay='{"text": "no capture to replay"}'
	export WIRE_REPLAY=
fi
cat > "$T_TMP/script.json" <<EOF
[
 {"thinking": "hmm", "text": "Hello, world! This is long enough to split.",
  "tool_calls": [{"name": "edit_file", "input": {"path": "a.c", "n": [1, 2]}}]},
 {"text": "hi", "tool_calls": [{"name": "glob", "input": {"pattern": "*.c"}},
  {"name": "grep", "input": {}}], "chunk": "bytewise"},
 {"status": 429, "headers": {"retry-after-ms": "10"}},
 {"error_midstream": "overloaded_error", "text": "abc"},
 {"text": "cut me short please", "truncate_after_bytes": 100},
 $replay,
 {"expect": {"contains": "needle"}, "text": "found"},
 {"expect": {"contains": "needle"}, "text": "found"},
 {"hang": true, "text": "stall"}
]
EOF
start_provider --script "$T_TMP/script.json"
python3 - "$T_PORT" "$T_PROVIDER_LOG" <<'EOF' || fail "self-test"
import http.client, json, os, socket, sys
port, log = int(sys.argv[1]), sys.argv[2]

def post(path, body, timeout=10):
    c = http.client.HTTPConnection("127.0.0.1", port, timeout=timeout)
    c.request("POST", path, json.dumps(body),
              {"content-type": "application/json"})
    r = c.getresponse()
    try:
        data = r.read()
        cut = False
    except http.client.IncompleteRead as e:
        data, cut = e.partial, True
    return r.status, dict((k.lower(), v) for k, v in r.getheaders()), \
        data.decode(), cut

def events(text):
    out = []
    for block in text.replace("\r\n", "\n").split("\n\n"):
        ev, data = "message", []
        for line in block.split("\n"):
            if line.startswith("event:"):
                ev = line[6:].strip()
            elif line.startswith("data:"):
                data.append(line[5:].lstrip(" "))
        if data:
            out.append((ev, "\n".join(data)))
    return out

def check(cond, what):
    if not cond:
        print("FAIL:", what, file=sys.stderr)
        sys.exit(1)

# 1. Anthropic: thinking, text, tool_use with fragmented input.
st, h, body, _ = post("/v1/messages", {"model": "m1", "needle": 0})
check(st == 200 and h["content-type"].startswith("text/event-stream"), "1 status")
ev = events(body)
names = [e for e, _ in ev]
check(names[0] == "message_start" and names[-1] == "message_stop", "1 order")
check(json.loads(ev[0][1])["message"]["model"] == "m1", "1 model")
text = "".join(json.loads(d)["delta"].get("text", "") for e, d in ev
               if e == "content_block_delta")
check(text == "Hello, world! This is long enough to split.", "1 text")
frags = [json.loads(d)["delta"]["partial_json"] for e, d in ev
         if e == "content_block_delta" and "partial_json" in d]
check(len(frags) > 2 and json.loads("".join(frags)) == {"path": "a.c", "n": [1, 2]},
      "1 tool input")
check(any("signature_delta" in d for _, d in ev), "1 signature")
md = [json.loads(d) for e, d in ev if e == "message_delta"][0]
check(md["delta"]["stop_reason"] == "tool_use", "1 stop")

# 2. OpenAI: two calls by index, finish_reason, usage, [DONE].
st, h, body, _ = post("/v1/chat/completions", {"model": "m2"})
ev = events(body)
check(ev[-1][1] == "[DONE]", "2 done")
calls = {}
for _, d in ev[:-1]:
    j = json.loads(d)
    for ch in j["choices"]:
        for tc in ch["delta"].get("tool_calls", []):
            c = calls.setdefault(tc["index"], {"args": ""})
            c.update({k: tc[k] for k in ("id",) if k in tc})
            fn = tc.get("function", {})
            if "name" in fn:
                c["name"] = fn["name"]
            c["args"] += fn.get("arguments", "")
check([calls[0]["name"], calls[1]["name"]] == ["glob", "grep"], "2 names")
check(json.loads(calls[0]["args"]) == {"pattern": "*.c"}, "2 args")
fin = [ch["finish_reason"] for _, d in ev[:-1] for ch in json.loads(d)["choices"]
       if ch["finish_reason"]]
check(fin == ["tool_calls"], "2 finish")
check("usage" in json.loads(ev[-2][1]) and json.loads(ev[-2][1])["choices"] == [],
      "2 usage")

# 3. HTTP error with headers and an Anthropic-shaped body.
st, h, body, _ = post("/v1/messages", {})
check(st == 429 and h.get("retry-after-ms") == "10", "3 status")
check(json.loads(body)["error"]["type"] == "rate_limit_error", "3 body")

# 4. Mid-stream error, OpenAI style.
st, h, body, _ = post("/v1/chat/completions", {})
ev = events(body)
check(json.loads(ev[-1][1])["error"]["type"] == "overloaded_error", "4 error")
check(not any(d == "[DONE]" for _, d in ev), "4 no done")

# 5. Truncation: fewer bytes, chunked body left unterminated.
st, h, body, cut = post("/v1/messages", {})
check(cut and len(body.encode()) <= 100, "5 cut")

# 6. Replay a capture unchanged (when the captures are there).
st, h, body, _ = post("/v1/messages", {})
if os.environ["WIRE_REPLAY"]:
    with open(os.environ["WIRE_DIR"] + "/anthropic-tooluse-2.sse") as f:
        check(body == f.read(), "6 replay")

# 7, 8. Expectations: met, then not met (400 naming it).
st, h, body, _ = post("/v1/messages", {"x": "needle"})
check(st == 200, "7 expect ok")
st, h, body, _ = post("/v1/chat/completions", {"x": "hay"})
check(st == 400 and "needle" in json.loads(body)["error"]["message"], "8 expect")

# 9. Hang: the stream starts, then stalls until we go away.
try:
    post("/v1/messages", {}, timeout=1)
    check(False, "9 hang")
except (socket.timeout, TimeoutError):
    pass

# 10. Exhausted.
st, h, body, _ = post("/v1/chat/completions", {})
text = "".join(ch["delta"].get("content") or "" for _, d in events(body)[:-1]
               for ch in json.loads(d)["choices"])
check(text == "(script exhausted)", "10 exhausted")

# The log: one JSON body per request.
lines = open(log).read().splitlines()
check(len(lines) == 10, "log lines %d" % len(lines))
check(json.loads(lines[0]) == {"model": "m1", "needle": 0}, "log body")
EOF
python3 "$top_srcdir/tests/fake-provider.py" -h | grep -q -- '--script' ||
    fail "-h"
[ -n "$WIRE_REPLAY" ] || skip "case 6 (replay a recorded stream) needs" \
    "$WIRE_DIR, which is absent; the other cases passed"
exit 0
