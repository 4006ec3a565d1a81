#!/bin/sh
# TUI: S-Tab while an approval is on screen applies the new mode to it: a
# command stays asked about in accept-edits, an edit is approved at once
# (and says so); the mode stays for the calls after it.
. "$(dirname "$0")/lib.sh"
make_repo
cat > "$T_TMP/script.json" <<'JSON'
[
 {"tool_calls": [{"name": "edit_file", "input": {"path": "hello.txt",
   "old_string": "world", "new_string": "there"}}]},
 {"tool_calls": [{"name": "write_file", "input": {"path": "b.txt",
   "content": "b\n"}}]},
 {"tool_calls": [{"name": "bash", "input": {"command": "touch made.txt"}}]},
 {"text": "All three."}
]
JSON
start_provider --script "$T_TMP/script.json"
start_agentos --base-url "http://127.0.0.1:$T_PORT" --sandbox off
wait_for '/help for keys'
send_keys 'do it' Enter
wait_for 'Make this edit\? edit_file'
send_keys BTab
wait_for 'Mode accept-edits: the edit_file call on screen is approved'
wait_for ' accept-edits '
# The write after it needs no question; the command does.
wait_for 'Run this command|bash touch made.txt'
wait_for 'y yes'
[ "$(cat hello.txt)" = "$(printf 'hello\nthere')" ] || fail "the edit did not run"
[ "$(cat b.txt)" = b ] || fail "the write did not run"
[ -e made.txt ] && fail "the command ran without approval"
# plan mode does not approve the command; y does.
send_keys BTab
wait_for ' plan '
screen | grep -q 'call on screen is approved.*bash' &&
    fail "plan approved the command"
send_keys y
wait_for 'All three\.'
[ -e made.txt ] || fail "the command did not run after y"
exit 0
