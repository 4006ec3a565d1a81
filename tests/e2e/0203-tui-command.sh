#!/bin/sh
# TUI: a command proposal shows the command once ("$ cmd", not "$ $ cmd")
# and what "a" would allow: this exact command for a compound one, the
# prefix for a simple one; approved, it runs and its output shows when the
# call is expanded (C-o).
. "$(dirname "$0")/lib.sh"
make_repo
cat > "$T_TMP/script.json" <<'JSON'
[
 {"tool_calls": [{"name": "bash", "input":
   {"command": "echo marker-$((6*7)); cat hello.txt"}}]},
 {"tool_calls": [{"name": "bash", "input": {"command": "cat hello.txt"}}]},
 {"text": "The command printed the marker.", "expect":
   {"contains": "marker-42"}}
]
JSON
start_provider --script "$T_TMP/script.json"
start_agentos --base-url "http://127.0.0.1:$T_PORT"
wait_for '/help'
send_keys 'run something' Enter
wait_for 'Run this command\?'
wait_for '^\$ echo marker-\$\(\(6\*7\)\); cat hello.txt'
screen | grep -q '\$ \$' && fail 'the command shows as "$ $ ..."'
wait_for 'a always \(this exact command\)'
screen | grep -q 'commands starting' && fail "a compound command has no prefix"
send_keys y
wait_for '^\$ cat hello.txt'
wait_for 'a always \(commands starting "cat"\)'
send_keys y
wait_for 'The command printed the marker'
wait_for 'marker-42'
send_keys M-Up M-Up C-o
wait_for '│ world'
exit 0
