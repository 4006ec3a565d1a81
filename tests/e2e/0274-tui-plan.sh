#!/bin/sh
# TUI: plan mode ends with a plan the user approves.  exit_plan_mode is
# offered in plan mode only; its approval shows the plan as markdown; n
# with a reason keeps plan mode and sends the reason back; a approves and
# switches to accept-edits, so the edit that follows applies unasked.
. "$(dirname "$0")/lib.sh"
make_repo
cat > "$T_TMP/script.json" <<'JSON'
[
 {"tool_calls": [{"name": "exit_plan_mode", "input": {"plan": "# The plan\n\n1. **Change** world to there in hello.txt\n2. Done"}}]},
 {"tool_calls": [{"name": "exit_plan_mode", "input": {"plan": "# Plan two\n\n1. Change world to there\n2. Add a test step"}}]},
 {"tool_calls": [{"name": "edit_file", "input": {"path": "hello.txt", "old_string": "world", "new_string": "there"}}]},
 {"text": "All done."}
]
JSON
start_provider --script "$T_TMP/script.json"
start_agentos --base-url "http://127.0.0.1:$T_PORT" --permission-mode plan
wait_for '/help for keys'
send_keys -l 'make a plan'
send_keys Enter
wait_for 'Approve this plan\?'
wait_for 'Change world to there in hello\.txt'
screen | grep -q '\*\*Change' && fail "the plan is not rendered as markdown"
wait_for 'yes, accept edits'
send_keys n
wait_for 'Note for the model'
send_keys -l 'add a test step'
send_keys Enter
wait_for 'Plan two'
wait_for 'Approve this plan\?'
screen | grep -q ' plan ' || fail "the mode left plan after a no"
send_keys a
wait_for 'All done\.'
wait_for ' accept-edits '
screen | grep -q 'Make this edit' && fail "the edit asked in accept-edits"
[ "$(sed -n 2p hello.txt)" = there ] || fail "the edit was not applied"
python3 - "$T_PROVIDER_LOG" <<'PY' || fail "requests"
import json, sys
reqs = [json.loads(l) for l in open(sys.argv[1])]
assert len(reqs) == 4, len(reqs)
names = lambda r: [t["name"] for t in r["tools"]]
assert "exit_plan_mode" in names(reqs[0]) and "edit_file" not in names(reqs[0]), names(reqs[0])
def result(r):
    c = r["messages"][-1]["content"]
    return [b for b in c if b.get("type") == "tool_result"][0]
r = result(reqs[1])
assert r.get("is_error") is True, r
s = json.dumps(r)
assert "add a test step" in s and "stays plan" in s, s
r = result(reqs[2])
assert not r.get("is_error"), r
assert "accept-edits" in json.dumps(r), r
assert "edit_file" in names(reqs[2]) and "exit_plan_mode" not in names(reqs[2]), names(reqs[2])
PY
exit 0
