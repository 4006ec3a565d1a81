#!/bin/sh
# TUI: Tab on an ambiguous slash prefix shows the candidates and completes
# what they share; Tab on a unique one completes the command.
. "$(dirname "$0")/lib.sh"
make_repo
echo '[]' > "$T_TMP/script.json"
start_provider --script "$T_TMP/script.json"
start_agentos --base-url "http://127.0.0.1:$T_PORT"
wait_for '/help for keys'
send_keys -l '/mo'
send_keys Tab
# /mode and /model share "mode" (/mcp shares only "m").
wait_for '/mode  /model'
wait_for '^> /mode *$'
send_keys BSpace BSpace BSpace BSpace BSpace
send_keys -l '/'
send_keys Tab
wait_for '/help  /clear  /mode  /model  /rewind'
send_keys -l 're'
send_keys Tab
wait_for '/rewind  /resume'
send_keys -l 'w'
send_keys Tab
wait_for '^> /rewind *$'
exit 0
