#!/bin/sh
# TUI: on quit the conversation stays in the terminal: the transcript is
# printed to the normal screen (the TUI draws on the alternate one), so
# the terminal's scrollback and search still have it.
. "$(dirname "$0")/lib.sh"
make_repo
echo '[{"text": "This answer is **kept** after the quit."}]' > "$T_TMP/script.json"
start_provider --script "$T_TMP/script.json"
start_agentos --base-url "http://127.0.0.1:$T_PORT"
wait_for '/help for keys'
send_keys -l 'keep this question'
send_keys Enter
wait_for 'This answer is kept after the quit\.'
send_keys C-d
wait_for 'AGENTOS-EXITED 0'
screen | grep -q '^> keep this question' || fail "the prompt is not on the normal screen"
screen | grep -q 'This answer is kept after the quit\.' || fail "the answer is not on the normal screen"
screen | grep -q 'Enter to send' && fail "the prompt editor was printed"
exit 0
