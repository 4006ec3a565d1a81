#!/bin/sh
# TUI: in accept-edits (no approval panel showed the change) an applied edit
# and write show, once their tool line is expanded (C-o), the diff that was
# applied: -old and +new lines.  A failed edit shows no diff.
. "$(dirname "$0")/lib.sh"
make_repo
cat > "$T_TMP/script.json" <<'JSON'
[
 {"tool_calls": [{"name": "edit_file", "input": {"path": "hello.txt",
   "old_string": "world", "new_string": "there"}}]},
 {"tool_calls": [{"name": "write_file", "input": {"path": "new.txt",
   "content": "fresh line\n"}}]},
 {"tool_calls": [{"name": "edit_file", "input": {"path": "hello.txt",
   "old_string": "no such text", "new_string": "x"}}]},
 {"text": "All done."}
]
JSON
start_provider --script "$T_TMP/script.json"
start_agentos --base-url "http://127.0.0.1:$T_PORT" \
    --permission-mode accept-edits
wait_for '/help'
send_keys 'change things' Enter
wait_for 'All done\.'
grep -q there hello.txt || fail "hello.txt was not edited"
screen | grep -q -- '-world' && fail "the diff shows before expanding"
# Select the first tool call (the edit) and expand it.
send_keys M-Up M-Up M-Up
wait_for 'C-o to show the diff'
send_keys C-o
wait_for '│ +2 +-world'
wait_for '│ +2 +\+there'
# The write: its new line.
send_keys M-Down C-o
wait_for '│ +1 +\+fresh line'
# The failed edit: no diff lines.
send_keys M-Down C-o
screen | grep -q '+x$' && fail "a failed edit shows a diff"
exit 0
