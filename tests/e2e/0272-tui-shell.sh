#!/bin/sh
# TUI: !command at the start of a prompt runs the command in the shell,
# through the bash tool's sandbox and after a snapshot, without asking;
# its output shows in the transcript, nothing is sent alone, and the next
# message tells the model what the user ran and what it printed (also
# after a quit and a resume).
. "$(dirname "$0")/lib.sh"
make_repo
echo '[{"text": "I see what you ran."}, {"text": "After the resume."}]' > "$T_TMP/script.json"
start_provider --script "$T_TMP/script.json"
start_agentos --base-url "http://127.0.0.1:$T_PORT"
wait_for '/help for keys'

send_keys -l '!echo made-by-user > out.txt; cat hello.txt; exit 3'
send_keys Enter
wait_for 'go to the model with your next message'
wait_for '│ world'
[ "$(cat out.txt 2>/dev/null)" = made-by-user ] || fail "the command did not run in the worktree"
wait_for '1 snapshot'
sleep 1
[ -s "$T_PROVIDER_LOG" ] && fail "the command was sent to the model alone"

send_keys -l 'what did I do?'
send_keys Enter
wait_for 'I see what you ran\.'
python3 - "$T_PROVIDER_LOG" <<'PY' || fail "the next message lacks the command"
import json, sys
req = json.loads(open(sys.argv[1]).readline())
c = req["messages"][-1]["content"]
t = c if isinstance(c, str) else "".join(b.get("text", "") for b in c)
assert "The user ran this command" in t, t
assert "$ echo made-by-user > out.txt; cat hello.txt; exit 3" in t, t
assert "world" in t, t
assert "3" in t, t
assert t.rstrip().endswith("what did I do?"), t
# Not a tool call of the conversation.
assert "user-shell" not in json.dumps(req["messages"]), "a tool call was sent"
PY

# Quit before the next message: a resume still tells the model.
send_keys -l '!echo second-command-output'
send_keys Enter
wait_for '│ second-command-output'
send_keys C-d
wait_for 'AGENTOS-EXITED'
restart_agentos --base-url "http://127.0.0.1:$T_PORT" -c
wait_for 'Resumed session'
send_keys -l 'and now?'
send_keys Enter
wait_for 'After the resume\.'
python3 - "$T_PROVIDER_LOG" <<'PY' || fail "the resumed note"
import json, sys
req = json.loads(open(sys.argv[1]).readlines()[-1])
c = req["messages"][-1]["content"]
t = c if isinstance(c, str) else "".join(b.get("text", "") for b in c)
assert "$ echo second-command-output" in t, t
assert t.rstrip().endswith("and now?"), t
# The first command's note went with the first message only.
assert "made-by-user" not in t, t
PY

# The same sandbox as the agent's commands: read-only refuses the write.
if command -v bwrap >/dev/null 2>&1 && bwrap --ro-bind / / true >/dev/null 2>&1
then
	send_keys '/sandbox read-only' Enter
	wait_for 'Sandbox changed:'
	send_keys -l '!echo x > ro.txt'
	send_keys Enter
	wait_for '✗ bash echo x > ro.txt'
	sleep 1
	[ -e ro.txt ] && fail "read-only sandbox: the user's command wrote"
fi
exit 0
