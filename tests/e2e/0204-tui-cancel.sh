#!/bin/sh
# TUI: Esc cancels a response that hangs mid-stream at once; the UI stays
# responsive and the next prompt works.
. "$(dirname "$0")/lib.sh"
make_repo
cat > "$T_TMP/script.json" <<'JSON'
[
 {"text": "Starting a long answer that never ends", "hang": true},
 {"text": "Second answer arrives."}
]
JSON
start_provider --script "$T_TMP/script.json"
start_agentos --base-url "http://127.0.0.1:$T_PORT"
wait_for '/help'
send_keys 'first' Enter
wait_for 'Esc to stop'
send_keys Escape
wait_for 'Stopped\.'
# The status bar no longer says it is working.
wait_gone 'working' "still busy after Esc"
send_keys 'second' Enter
wait_for 'Second answer arrives\.'
exit 0
