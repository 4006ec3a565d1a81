#!/bin/sh
# OpenTelemetry: a session of 1,000 tool calls (4 answers of 250 calls)
# is exported with no span lost while the collector is up: 1,000
# execute_tool spans with distinct call ids, 5 chat spans, 1 turn, 1 root,
# over several batches; nothing reported dropped.
. "$(dirname "$0")/lib.sh"
make_repo
python3 - > "$T_TMP/script.json" <<'P'
import json
turns = [{"text": "Batch %d." % b,
          "tool_calls": [{"name": "read_file", "input": {"path": "hello.txt"},
                          "id": "toolu_%d_%d" % (b, k)} for k in range(250)]}
         for b in range(4)]
turns.append({"text": "Read them all."})
print(json.dumps(turns))
P
start_provider --script "$T_TMP/script.json"
start_collector ok "$T_TMP/spans.jsonl"

OTEL_EXPORTER_OTLP_ENDPOINT="http://127.0.0.1:$C_PORT/" \
"$AGENTOS" -v -p "read hello.txt 1000 times" --provider anthropic -m test-model \
    --base-url "http://127.0.0.1:$T_PORT" --output-format json \
    > "$T_TMP/out.json" 2> "$T_TMP/err.txt" ||
    { cat "$T_TMP/err.txt"; fail "exit status"; }
grep -q dropped "$T_TMP/err.txt" && { cat "$T_TMP/err.txt"; fail "spans dropped"; }
python3 - "$T_TMP/spans.jsonl" "$T_TMP/out.json" <<'P' || fail "1,000 tool spans"
import json, sys
spans = [json.loads(l) for l in open(sys.argv[1])]
o = json.load(open(sys.argv[2]))
assert o["result"] == "Read them all.", o
tools = [s for s in spans if s["attributes"].get("gen_ai.operation.name") == "execute_tool"]
ids = {s["attributes"]["gen_ai.tool.call.id"] for s in tools}
assert len(tools) == 1000 and len(ids) == 1000, (len(tools), len(ids))
chats = [s for s in spans if s["attributes"].get("gen_ai.operation.name") == "chat"]
assert len(chats) == 5, len(chats)
assert len(spans) == 1007, len(spans)
turn = [s for s in spans if s["name"] == "agentos turn 1"][0]
assert all(s["parentSpanId"] == turn["spanId"] for s in tools + chats)
assert all(s["status"]["code"] != 2 for s in tools), [s for s in tools if s["status"]["code"] == 2][:1]
P
grep -q "trace: 1007 spans sent, 0 dropped" .git/agentos/debug.log ||
    fail "debug log: $(grep 'trace:' .git/agentos/debug.log)"
exit 0
