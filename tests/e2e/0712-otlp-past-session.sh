#!/bin/sh
# agentos trace --otlp URL SESSION: a session run without a collector is
# exported later from the log, with its stored times, and the command
# says what it sent; a collector that is down makes it fail (non-zero),
# naming what was not delivered.
. "$(dirname "$0")/lib.sh"
make_repo
cat > "$T_TMP/script.json" <<'J'
[
 {"text": "Look.", "tool_calls": [{"name": "read_file", "input": {"path": "hello.txt"}, "id": "toolu_p1"},
                                  {"name": "read_file", "input": {"path": "missing.txt"}, "id": "toolu_p2"}]},
 {"text": "Done."}
]
J
start_provider --script "$T_TMP/script.json"
env -u OTEL_EXPORTER_OTLP_ENDPOINT "$AGENTOS" -p "read hello.txt" \
    --provider openai -m gpt-test --base-url "http://127.0.0.1:$T_PORT" \
    --output-format json > "$T_TMP/out.json" 2> "$T_TMP/err.txt" ||
    { cat "$T_TMP/err.txt"; fail "run"; }
sid=$(python3 -c 'import json,sys; print(json.load(open(sys.argv[1]))["session_id"])' "$T_TMP/out.json")
"$AGENTOS" export "$sid" --format jsonl > "$T_TMP/events.jsonl" || fail "export"

start_collector ok "$T_TMP/spans.jsonl"

OTEL_EXPORTER_OTLP_PROTOCOL=http/json "$AGENTOS" trace --otlp \
    "http://127.0.0.1:$C_PORT/v1/traces" "$sid" > "$T_TMP/trace.out" 2>&1 ||
    { cat "$T_TMP/trace.out"; fail "trace --otlp"; }
grep -q "6 spans sent" "$T_TMP/trace.out" || { cat "$T_TMP/trace.out"; fail "report"; }
python3 - "$T_TMP/spans.jsonl" "$T_TMP/events.jsonl" "$sid" <<'P' || fail "spans of the past session"
import json, sys
spans = [json.loads(l) for l in open(sys.argv[1])]
ev = [json.loads(l) for l in open(sys.argv[2])]
sid = sys.argv[3]
assert len(spans) == 6, [s["name"] for s in spans]
assert all(s["encoding"] == "json" for s in spans)
root = [s for s in spans if s["parentSpanId"] == ""][0]
assert root["attributes"]["agentos.session.id"] == sid, root
t0, t1 = ev[0]["time_ms"] * 10**6, ev[-1]["time_ms"] * 10**6
assert root["start"] == t0 and root["end"] == t1, (root, t0, t1)
chats = [s for s in spans if s["attributes"].get("gen_ai.operation.name") == "chat"]
assert len(chats) == 2 and chats[0]["attributes"]["gen_ai.provider.name"] == "openai", chats
tools = {s["attributes"]["gen_ai.tool.call.id"]: s for s in spans
         if s["attributes"].get("gen_ai.operation.name") == "execute_tool"}
assert tools["toolu_p1"]["status"]["code"] != 2, tools
assert tools["toolu_p2"]["status"]["code"] == 2, tools   # the missing file: a tool error
byid = {s["spanId"]: s for s in spans}
for s in spans:
    assert s["traceId"] == root["traceId"]
    if s is not root:
        assert s["parentSpanId"] in byid, s
        assert t0 <= s["start"] <= s["end"] <= t1, s
P

# No collector: non-zero exit, what was not delivered said.
dead=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
if "$AGENTOS" trace --otlp "http://127.0.0.1:$dead/v1/traces" "$sid" > "$T_TMP/trace2.out" 2>&1; then
	fail "trace --otlp to nobody succeeded"
fi
grep -q "not delivered" "$T_TMP/trace2.out" || { cat "$T_TMP/trace2.out"; fail "failure report"; }
# No endpoint at all: a usage error.
if env -u OTEL_EXPORTER_OTLP_ENDPOINT -u OTEL_EXPORTER_OTLP_TRACES_ENDPOINT \
    "$AGENTOS" trace --otlp "$sid" > /dev/null 2>&1; then
	fail "trace --otlp without an endpoint succeeded"
fi
exit 0
