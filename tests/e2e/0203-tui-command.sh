#!/bin/sh
# TUI: a command proposal shows the command once ("$ cmd", not "$ $ cmd")
# and the rule "a" would save: none for a command with an expansion (no
# rule can allow it), this exact command for a simple one (policy.c);
# approved, it runs and its output shows when the call is expanded (C-o).
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
wait_for 'y yes +n no, with a note'
screen | grep -q 'a always' && fail "a command with an expansion offers a rule"
send_keys y
wait_for '^\$ cat hello.txt'
wait_for 'a always \(Bash\(cat hello.txt\)\)'
send_keys a
wait_for 'Always allow: +1 Bash\(cat hello.txt\) +u \[ \] this session only'
send_keys 1
wait_for 'The command printed the marker'
wait_for 'marker-42'
send_keys M-Up M-Up C-o
wait_for '│ world'
exit 0
