#!/bin/sh
# TUI: every key hint comes from the key table.  With rewind, stop, mode
# and expand rebound, no default key name is left on the screen: banner,
# status bar (idle and busy), the approval panel, a selected tool line,
# /help, the notices (C-c, the rewind after /clear, a retry).
. "$(dirname "$0")/lib.sh"
make_repo
# The user's config: a project's key bindings wait for folder trust.
mkdir -p "$XDG_CONFIG_HOME/agentos"
cat > "$XDG_CONFIG_HOME/agentos/config.json" <<'J'
{"keys": {"rewind": "C-r", "editor-stop": "C-g", "mode": "M-p",
  "expand": "M-o"}}
J
cat > "$T_TMP/script.json" <<'JSON'
[
 {"tool_calls": [{"name": "edit_file", "input": {"path": "hello.txt",
   "old_string": "world", "new_string": "there"}}]},
 {"text": "Edited.", "slow_ms": 300},
 {"status": 529, "headers": {"retry-after": "30"}},
 {"text": "after the retry"}
]
JSON
start_provider --script "$T_TMP/script.json"
start_agentos --base-url "http://127.0.0.1:$T_PORT"
old='M-z|Alt-z|S-Tab|Shift-Tab|Esc to stop|C-o|Escape'
check() {	# $1: where
	screen > "$T_TMP/screen"
	if grep -En -- "$old" "$T_TMP/screen"; then
		fail "$1: a default key name is on the screen"
	fi
}
wait_for 'C-r undoes the agent'
wait_for 'C-r undo'
wait_for 'M-p mode'
check "banner and status bar"
send_keys 'edit it' Enter
wait_for 'Make this edit'
check "approval panel"
send_keys y
wait_for 'C-g to stop'
check "busy status bar"
wait_for 'Edited\.'
send_keys M-Up
wait_for 'M-o to show'
check "selected tool line"
send_keys M-Down
sleep 0.5
send_keys '/help' Enter
wait_for 'C-r'
check "/help"
send_keys q
wait_for 'for a new line, /help for help'
send_keys C-c
wait_for 'again to quit'
check "C-c notice"
send_keys '/clear' Enter
sleep 0.5
send_keys C-r
wait_for 'reached with /resume'
check "rewind after /clear"
send_keys 'retry please' Enter
wait_for 'retrying in'
check "retry notice"
send_keys C-g
wait_for 'Stopped'
exit 0
