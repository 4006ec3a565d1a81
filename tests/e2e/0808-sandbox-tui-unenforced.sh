#!/bin/sh
# TUI where bubblewrap is refused: the status bar says UNSANDBOXED, a
# notice says why, and in accept-edits a command is asked about with the
# reason "no sandbox can be enforced here" instead of running.
. "$(dirname "$0")/lib.sh"
make_repo
refuse_bwrap
cat > "$T_TMP/script.json" <<'JSON'
[
 {"tool_calls": [{"name": "bash", "input": {"command": "echo ran > ran.txt"}}]},
 {"text": "Refused, fine."}
]
JSON
start_provider --script "$T_TMP/script.json"
start_agentos --base-url "http://127.0.0.1:$T_PORT" \
    --permission-mode accept-edits
wait_for '/help'
wait_for 'UNSANDBOXED'
wait_for 'no sandbox can be enforced here'
send_keys 'run it' Enter
wait_for 'Run this command\?'
wait_for 'no sandbox can be enforced here: it would run unsandboxed'
[ -e ran.txt ] && fail "the command ran before the approval"
send_keys n
wait_for 'Note for the model'
send_keys Enter
wait_for 'Refused, fine\.'
[ -e ran.txt ] && fail "the command ran although refused"
exit 0
