#!/bin/sh
# TUI: n rejects an edit with a one-line note, which reaches the model in the
# tool result of the next request; the file is unchanged.
. "$(dirname "$0")/lib.sh"
make_repo
cat > "$T_TMP/script.json" <<'JSON'
[
 {"tool_calls": [{"name": "edit_file", "input": {"path": "hello.txt",
   "old_string": "world", "new_string": "planet"}}]},
 {"text": "Understood, leaving it.", "expect":
   {"contains": "use a comment instead"}}
]
JSON
start_provider --script "$T_TMP/script.json"
start_agentos --base-url "http://127.0.0.1:$T_PORT"
wait_for '/help'
send_keys 'rename world' Enter
wait_for 'Make this edit\?'
send_keys n
wait_for 'Note for the model'
send_keys 'use a comment instead' Enter
wait_for 'Understood, leaving it'
[ "$(cat hello.txt)" = "$(printf 'hello\nworld')" ] ||
    fail "hello.txt changed after a rejection"
grep -q 'use a comment instead' "$T_PROVIDER_LOG" ||
    fail "the note did not reach the model"
exit 0
