#!/bin/sh
# TUI: /compact summarizes by hand, with the user's instructions in the
# summary request; the transcript shows one line "compacted: N -> M
# tokens" that C-o expands to the summary; the next request sends the
# summary and the user's task verbatim instead of the old tool results.
. "$(dirname "$0")/lib.sh"
make_repo
mkdir -p src
for f in conv.c budget.c editor.c; do
	cp "$top_srcdir/src/$f" "src/$f" || hard "copy $f"
done
cat > "$T_TMP/script.json" <<'J'
[{"tool_calls": [{"name": "read_file", "input": {"path": "src/conv.c"}}]},
 {"tool_calls": [{"name": "read_file", "input": {"path": "src/budget.c"}}]},
 {"tool_calls": [{"name": "read_file", "input": {"path": "src/editor.c"}}]},
 {"text": "Read them all."},
 {"text": "AFTER-COMPACT."}]
J
start_provider --script "$T_TMP/script.json"
start_agentos --provider anthropic -m claude-sonnet-4-5 \
    --base-url "http://127.0.0.1:$T_PORT"
wait_for '/help'
send_keys 'TASK-t11: read the sources' Enter
wait_for 'Read them all\.'
send_keys '/compact keep-the-API-names' Enter
wait_for 'compacted: [0-9]+ -> [0-9]+ tokens'
send_keys C-o
wait_for '## Goal'
wait_for 'FAKE-SUMMARY-1'
send_keys 'and now?' Enter
wait_for 'AFTER-COMPACT\.'
send_keys '/context' Enter
wait_for 'Estimate: [0-9.]+ bytes a token \([0-9]+ samples? from the usage'
wait_for 'The conversation begins with a summary'
python3 - "$T_PROVIDER_LOG" <<'P' || fail "requests"
import json, sys
reqs = [json.loads(l) for l in open(sys.argv[1], encoding="utf-8")]
assert len(reqs) == 6, len(reqs)
s = json.dumps(reqs[4]["messages"][-1])
assert "agentos-compaction-request" in s and "keep-the-API-names" in s, s
last = json.dumps(reqs[5])
assert "FAKE-SUMMARY-1" in last and "TASK-t11: read the sources" in last
assert "and now?" in last
# The reads were summarized: fewer messages.
assert len(reqs[5]["messages"]) < len(reqs[3]["messages"]), \
    (len(reqs[5]["messages"]), len(reqs[3]["messages"]))
P
exit 0
