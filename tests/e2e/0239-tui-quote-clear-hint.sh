#!/bin/sh
# TUI: a block quote in an answer starts with its text, not with a bar on
# an empty line; and after /clear, M-z (the new conversation has no change
# of its own) says that /resume reaches the previous session's changes.
. "$(dirname "$0")/lib.sh"
make_repo
cat > "$T_TMP/script.json" <<'JSON'
[
 {"tool_calls": [{"name": "edit_file", "input": {"path": "hello.txt",
   "old_string": "world", "new_string": "there"}}]},
 {"text": "As the docs say:\n\n> quoted wisdom\n\nThat is all."}
]
JSON
start_provider --script "$T_TMP/script.json"
start_agentos --base-url "http://127.0.0.1:$T_PORT" \
    --permission-mode accept-edits
wait_for '/help for keys'
send_keys 'edit the greeting' Enter
wait_for 'That is all\.'
wait_for '^│ quoted wisdom'
screen | grep -B1 '^│ quoted wisdom' | head -1 | grep -q '^│ *$' &&
    fail "the block quote starts with an empty line"

send_keys '/clear' Enter
wait_for 'Cleared: a new conversation'
old=$(screen | tr -d '\n' | sed -n 's/.*The previous one, \([0-9a-f-]*\),.*/\1/p')
[ -n "$old" ] || fail "no previous session id on the screen"
send_keys M-z
wait_for 'rewind: '
screen | tr -d '\n' | grep -Eq "reached with /resume +$old, +then +M-z" ||
    fail "no hint that /resume $old reaches the previous changes"
grep -q there hello.txt || fail "M-z changed the files after /clear"
exit 0
