#!/bin/sh
# TUI: a prompt brings an edit proposal shown as a diff with line numbers;
# y approves it and the file on disk changes; the reply is rendered.
. "$(dirname "$0")/lib.sh"
make_repo
cat > "$T_TMP/script.json" <<'JSON'
[
 {"tool_calls": [{"name": "edit_file", "input": {"path": "hello.txt",
   "old_string": "world", "new_string": "agent world"}}]},
 {"text": "Done: **hello.txt** now greets the agent.", "expect":
   {"contains": "tool_result"}}
]
JSON
start_provider --script "$T_TMP/script.json"
start_agentos --base-url "http://127.0.0.1:$T_PORT"
wait_for '/help'
send_keys 'change world in hello.txt' Enter
wait_for 'Make this edit\?'
# The unified diff, with old and new line numbers in the gutter.
wait_for '^ *2 +-world'
wait_for '^ +2 +\+agent world'
wait_for 'y yes +a always'
[ "$(cat hello.txt)" = "$(printf 'hello\nworld')" ] ||
    fail "the file changed before the approval"
send_keys y
wait_for 'Done: hello.txt now greets the agent'
[ "$(cat hello.txt)" = "$(printf 'hello\nagent world')" ] ||
    fail "hello.txt was not edited: $(cat hello.txt)"
# The tool call is one line in the transcript, and a snapshot was counted.
wait_for 'edit_file'
wait_for '1 snapshot'
exit 0
