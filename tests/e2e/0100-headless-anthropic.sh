#!/bin/sh
# Headless run against the Anthropic wire format: the model reads a file,
# edits it (accept-edits), and answers; the edit is on disk, the tool
# results reached the model, a snapshot was taken and rewinds the edit.
. "$(dirname "$0")/lib.sh"
make_repo
cat > "$T_TMP/script.json" <<'J'
[
 {"text": "Let me look.", "tool_calls": [{"name": "read_file", "input": {"path": "hello.txt"}}]},
 {"expect": {"contains": "world"},
  "tool_calls": [{"name": "edit_file", "input": {"path": "hello.txt", "old_string": "world", "new_string": "there"}}]},
 {"expect": {"contains": "Edited hello.txt"}, "text": "Done: hello.txt now says there."}
]
J
start_provider --script "$T_TMP/script.json"
"$AGENTOS" -p "change world to there in hello.txt" --provider anthropic \
    --base-url "http://127.0.0.1:$T_PORT" --permission-mode accept-edits \
    --output-format json > "$T_TMP/out.json" 2> "$T_TMP/err.txt" ||
    { cat "$T_TMP/err.txt" "$T_TMP/out.json"; fail "exit status $?"; }
[ "$(cat hello.txt)" = "$(printf 'hello\nthere')" ] || fail "file not edited"
python3 - "$T_TMP/out.json" "$T_PROVIDER_LOG" <<'P' || fail "json output or requests"
import json, sys
o = json.load(open(sys.argv[1]))
assert o["type"] == "result" and o["is_error"] is False, o
assert o["result"] == "Done: hello.txt now says there.", o["result"]
assert o["num_requests"] == 3 and o["turns"] == 1, o
assert len(o["snapshots"]) == 1, o["snapshots"]
assert o["usage"]["output_tokens"] > 0, o["usage"]
reqs = [json.loads(l) for l in open(sys.argv[2])]
assert len(reqs) == 3
first = json.dumps(reqs[0])
# The whole first request stays small (system prompt + tool definitions).
assert len(first) < 12000, len(first)
assert reqs[0]["stream"] is True and reqs[0]["messages"][0]["role"] == "user"
last = reqs[2]["messages"]
assert last[-1]["role"] == "user" and last[-1]["content"][0]["type"] == "tool_result"
assert last[-2]["role"] == "assistant" and last[-2]["content"][-1]["type"] == "tool_use"
print(o["session_id"], o["snapshots"][0])
P
sid=$(python3 -c 'import json,sys; print(json.load(open(sys.argv[1]))["session_id"])' "$T_TMP/out.json")
snap=$(python3 -c 'import json,sys; print(json.load(open(sys.argv[1]))["snapshots"][0])' "$T_TMP/out.json")
git for-each-ref refs/agentos | grep -q "refs/agentos/sessions/$sid" || fail "no ref for session $sid"
"$AGENTOS" rewind "$snap" --session "$sid" --yes > "$T_TMP/rewind.txt" 2>&1 ||
    { cat "$T_TMP/rewind.txt"; fail "rewind"; }
[ "$(cat hello.txt)" = "$(printf 'hello\nworld')" ] || fail "rewind did not restore"
[ -z "$(git status --porcelain)" ] || fail "worktree not clean after rewind"
exit 0
