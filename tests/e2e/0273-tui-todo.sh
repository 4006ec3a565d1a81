#!/bin/sh
# TUI: the todo_write tool.  The model sends its list twice; no approval
# is asked (it changes nothing); the list shows above the prompt with the
# item in progress, the status bar counts "todo 1/3", the session log has
# todo events, /todo hides it, and a resume shows the last list again.
. "$(dirname "$0")/lib.sh"
make_repo
cat > "$T_TMP/script.json" <<'JSON'
[
 {"tool_calls": [{"name": "todo_write", "input": {"todos": [
   {"content": "Read the code", "status": "in_progress", "activeForm": "Reading the code"},
   {"content": "Write the fix", "status": "pending", "activeForm": "Writing the fix"},
   {"content": "Run the tests", "status": "pending"}]}}]},
 {"tool_calls": [{"name": "todo_write", "input": {"todos": [
   {"content": "Read the code", "status": "completed"},
   {"content": "Write the fix", "status": "in_progress", "activeForm": "Writing the fix"},
   {"content": "Run the tests", "status": "pending"}]}}]},
 {"tool_calls": [{"name": "todo_write", "input": {"todos": [
   {"content": "A", "status": "in_progress"},
   {"content": "B", "status": "in_progress"}]}}]},
 {"text": "Planned."}
]
JSON
start_provider --script "$T_TMP/script.json"
start_agentos --base-url "http://127.0.0.1:$T_PORT"
wait_for '/help for keys'
send_keys -l 'plan the work'
send_keys Enter
wait_for 'Planned\.'
screen | grep -q 'Make this\|Run this\|Allow' && fail "todo_write asked for approval"
wait_for 'Todo 1/3'
wait_for '▶ Writing the fix'
wait_for '✔ Read the code'
wait_for '☐ Run the tests'
wait_for 'todo 1/3'
# The invalid third list (two in progress) was refused and changed nothing.
python3 - "$T_PROVIDER_LOG" <<'PY' || fail "the refusal of two in_progress"
import json, sys
reqs = [json.loads(l) for l in open(sys.argv[1])]
assert len(reqs) == 4, len(reqs)
assert any(t["name"] == "todo_write" for t in reqs[0]["tools"]), "not offered"
last = reqs[3]["messages"][-1]["content"]
r = [b for b in last if b.get("type") == "tool_result"][0]
assert r.get("is_error") is True, r
assert "more than one todo is in_progress" in json.dumps(r), r
PY
screen | grep -q '▶ A' && fail "the refused list was shown"

send_keys '/todo' Enter
wait_for 'The todo list is hidden'
wait_gone 'Todo 1/3' "/todo did not hide the list"
screen | grep -q 'todo 1/3' || fail "the status bar lost the count"

"$AGENTOS" export --format jsonl > "$T_TMP/events.jsonl" 2>&1 || fail "export"
[ "$(grep -c '"type": *"todo"' "$T_TMP/events.jsonl")" -eq 2 ] ||
    fail "not two todo events: $(grep -c todo "$T_TMP/events.jsonl")"

# A resume shows the last list again.
send_keys C-d
wait_for 'AGENTOS-EXITED'
restart_agentos --base-url "http://127.0.0.1:$T_PORT" -c
wait_for 'Resumed session'
wait_for 'Todo 1/3'
wait_for '▶ Writing the fix'
wait_for 'todo 1/3'
exit 0
