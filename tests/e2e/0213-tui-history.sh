#!/bin/sh
# TUI: the prompt history outlives agentos: sent messages (a multi-line one
# too) are kept in .git/agentos/history, one escaped line each, and Up
# brings them back in the next run.
. "$(dirname "$0")/lib.sh"
make_repo
echo '[]' > "$T_TMP/script.json"
start_provider --script "$T_TMP/script.json"
start_agentos --base-url "http://127.0.0.1:$T_PORT"
wait_for '/help for keys'
send_keys 'remembered line one' Enter
wait_for 'script exhausted'
send_keys 'multi' M-Enter 'line \ back' Enter
send_keys C-d
wait_for 'AGENTOS-EXITED 0'
h=.git/agentos/history
[ -f "$h" ] || fail "no history file"
[ "$(sed -n 1p "$h")" = 'remembered line one' ] || fail "line 1: $(cat "$h")"
[ "$(sed -n 2p "$h")" = 'multi\nline \\ back' ] || fail "line 2: $(cat "$h")"
[ "$(wc -l < "$h")" -eq 2 ] || fail "not 2 lines: $(cat "$h")"

restart_agentos --base-url "http://127.0.0.1:$T_PORT"
wait_for '/help for keys'
send_keys Up
wait_for '^  line \\ back'
wait_for '^> multi'
send_keys Up
# From the first row of the two, Up goes further back.
send_keys Up
wait_for '^> remembered line one'
exit 0
