#!/bin/sh
# TUI: /help at 40 columns wraps its rows instead of cutting table cells
# with "…"; the row of /mode and its arguments stays whole (its "|" are not
# table cell separators) and every key and command is on the screen whole.
# (50 rows: the end of the help holds the rows from /mode to /mcp.)
. "$(dirname "$0")/lib.sh"
make_repo
T_SESSION=main
tmux -L "$T_SOCK" -f /dev/null new-session -d -s main -x 40 -y 50 \
    -c "$PWD" "$(t_pane_cmd)" || hard "tmux"
wait_for '/help'
send_keys '/help' Enter
wait_for 'agentos keys'
wait_for 'show or hide the full result of'
screen | grep -q '…' && fail "/help cuts text with …"
screen | grep -q '|---' && fail "/help shows a raw table"
send_keys G
wait_for 'Start a message with // to send a'
screen | grep -q '…' && fail "/help cuts text with …"
# Up from the end to the /mode row, wherever commands added above or below
# it leave it.
i=0
while ! screen | grep -Eq '/mode \[ask\|accept-edits\|plan\|bypass\]' &&
    [ $i -lt 60 ]; do
	send_keys Up
	sleep 0.1
	i=$((i + 1))
done
send_keys Up Up
wait_for '/mode \[ask\|accept-edits\|plan\|bypass\]'
# The help of /mode follows it whole, wrapped onto the next line.
screen | tr -d '\n' | grep -Eq 'show or set the permission mode +\(also +the mode key\)' ||
    fail "the /mode row is not wrapped whole"
exit 0
