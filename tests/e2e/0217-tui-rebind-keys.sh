#!/bin/sh
# TUI: keys.NAME rebinds any row of the key table: an editor key (the old
# default stops working), a view key (the pager's close) and a main key;
# the hints on the screen name the new keys.
. "$(dirname "$0")/lib.sh"
make_repo
mkdir -p .agentos
cat > .agentos/config.json <<'J'
{"keys": {"editor-home": "C-x", "pager-close": "x", "rewind": "C-r"}}
J
echo '[]' > "$T_TMP/script.json"
start_provider --script "$T_TMP/script.json"
start_agentos --base-url "http://127.0.0.1:$T_PORT"
# The banner and the status bar name the rebound rewind key.
wait_for 'C-r undoes the agent'
wait_for 'C-r undo'
send_keys 'world' C-x 'hello '
wait_for '^> hello world'
# C-a is no longer the start of the line: nothing moves, X goes at the end.
send_keys C-a End 'X'
wait_for '^> hello worldX'
send_keys C-u
wait_for 'for a new line, /help for help'
send_keys '/help' Enter
wait_for 'x close'
# q closed the pager by default; now it is an ordinary key there.
send_keys q
sleep 0.5
screen | grep -Eq 'x close' || fail "q closed the pager"
send_keys x
wait_for 'for a new line, /help for help'
screen | grep -Eq 'x close' && fail "x did not close the pager"
exit 0
