#!/bin/sh
# TUI: the status bar counts the snapshot a rewind takes of the present
# state; /clear starts a new conversation in a new session and clears the
# screen, saying which session /resume goes back to.
. "$(dirname "$0")/lib.sh"
make_repo
cat > "$T_TMP/script.json" <<'JSON'
[
 {"tool_calls": [{"name": "edit_file", "input": {"path": "hello.txt",
   "old_string": "world", "new_string": "there"}}]},
 {"text": "Edited it."},
 {"text": "A fresh answer.", "expect": {"contains": "fresh question",
   "not_contains": ["edit the greeting", "Edited it"]}}
]
JSON
start_provider --script "$T_TMP/script.json"
start_agentos --base-url "http://127.0.0.1:$T_PORT" \
    --permission-mode accept-edits
wait_for '/help for keys'
send_keys 'edit the greeting' Enter
wait_for 'Edited it\.'
wait_for '│ 1 snapshot '
send_keys M-z
wait_for 'Restored the files to before the last agent change'
wait_for '│ 2 snapshots'
[ "$(cat hello.txt)" = "$(printf 'hello\nworld')" ] || fail "rewind"

send_keys '/clear' Enter
wait_for 'Cleared: a new conversation starts \(session [0-9-]+[0-9a-f]+\)\. The previous one, [0-9-]+[0-9a-f]+, can'
wait_for 'resumed with /resume\.'
wait_gone 'edit the greeting' "the screen was not cleared"
wait_for '│ 0 snapshots'
send_keys 'fresh question' Enter
wait_for 'A fresh answer\.'
# The old conversation is still there to resume.
"$AGENTOS" sessions 2>&1 | grep -q 'edit the greeting' ||
    fail "the old session is gone: $("$AGENTOS" sessions 2>&1)"
exit 0
