#!/bin/sh
# TUI: at 40 columns the status bar keeps how to stop a running turn; the
# "Press C-c again to quit" notice goes away with the next key.
. "$(dirname "$0")/lib.sh"
make_repo
echo '[{"hang": true}]' > "$T_TMP/script.json"
start_provider --script "$T_TMP/script.json"
# Started at 40 columns (as start_agentos does, narrower).
T_SESSION=main
tmux -L "$T_SOCK" -f /dev/null new-session -d -s main -x 40 -y 20 \
    -c "$PWD" "$(t_pane_cmd --base-url "http://127.0.0.1:$T_PORT")" ||
    hard "tmux"
wait_for '/help'
send_keys -l 'wait for it'
send_keys Enter
wait_for 'ask .*(working · )?Esc to stop *$'
send_keys Escape
wait_gone '^ claude.*to stop' "the turn did not stop"

send_keys C-c
wait_for 'again to quit'
send_keys -l 'x'
wait_gone 'again to quit' "the C-c notice stayed"
wait_for '^> x'
exit 0
