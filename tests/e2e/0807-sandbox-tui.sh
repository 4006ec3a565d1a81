#!/bin/sh
# TUI: the status bar names the sandbox profile; /sandbox shows its status
# and changes the profile for the session, and a command then runs under
# the new one (read-only: a write in the worktree fails).
. "$(dirname "$0")/lib.sh"
need_bwrap
make_repo
cat > "$T_TMP/script.json" <<'JSON'
[
 {"tool_calls": [{"name": "bash", "input": {"command": "echo x > ro.txt"}}]},
 {"text": "Tried it."}
]
JSON
start_provider --script "$T_TMP/script.json"
start_agentos --base-url "http://127.0.0.1:$T_PORT" --permission-mode bypass
wait_for '/help'
sleep 1
screen | grep -q ' workspace-write ' &&
    fail "the bar shows the default profile, which needs no room"
send_keys '/sandbox' Enter
wait_for 'enforced: yes \(bubblewrap\)'
send_keys '/sandbox read-only' Enter
wait_for 'Sandbox changed:'
wait_for 'profile: read-only'
wait_for ' read-only '
send_keys '/sandbox nonsense' Enter
wait_for 'unknown sandbox profile'
send_keys 'write a file' Enter
wait_for 'Tried it\.'
[ -e ro.txt ] && fail "read-only profile: the write in the worktree worked"
send_keys '/sandbox off' Enter
wait_for ' sandbox off '
exit 0
