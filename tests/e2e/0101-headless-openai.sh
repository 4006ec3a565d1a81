#!/bin/sh
# Headless run against the OpenAI Chat Completions wire format, with
# stream-json output: a new file is written, a command runs, every line of
# output is a JSON event, and the last is the result.
. "$(dirname "$0")/lib.sh"
make_repo
cat > "$T_TMP/script.json" <<'J'
[
 {"tool_calls": [{"name": "write_file", "input": {"path": "src/new.txt", "content": "fresh\n"}}]},
 {"expect": {"contains": "src/new.txt"},
  "tool_calls": [{"name": "bash", "input": {"command": "wc -l < src/new.txt"}}]},
 {"expect": {"contains": "exit status 0"}, "text": "Wrote it; it has 1 line."}
]
J
start_provider --script "$T_TMP/script.json"
"$AGENTOS" -p "make src/new.txt" --provider openai -m test-model \
    --base-url "http://127.0.0.1:$T_PORT/v1" --permission-mode bypass \
    --output-format stream-json > "$T_TMP/out.jsonl" 2> "$T_TMP/err.txt" ||
    { cat "$T_TMP/err.txt" "$T_TMP/out.jsonl"; fail "exit status"; }
[ "$(cat src/new.txt)" = "fresh" ] || fail "file not written"
python3 - "$T_TMP/out.jsonl" "$T_PROVIDER_LOG" <<'P' || fail "stream-json or requests"
import json, sys
ev = [json.loads(l) for l in open(sys.argv[1])]
types = [e["type"] for e in ev]
for t in ("user", "request", "response", "tool_call", "snapshot", "tool_start", "tool_result", "turn_end"):
    assert t in types, (t, types)
assert ev[-1]["type"] == "result" and ev[-1]["result"] == "Wrote it; it has 1 line.", ev[-1]
assert len(ev[-1]["snapshots"]) == 2, ev[-1]
assert all("body" not in e for e in ev)
reqs = [json.loads(l) for l in open(sys.argv[2])]
assert reqs[0]["model"] == "test-model"
assert reqs[0]["stream_options"]["include_usage"] is True
msgs = reqs[2]["messages"]
assert msgs[0]["role"] == "system"
assert msgs[-1]["role"] == "tool" and "exit status 0" in msgs[-1]["content"], msgs[-1]
assert msgs[-2]["tool_calls"][0]["function"]["name"] == "bash"
P
exit 0
