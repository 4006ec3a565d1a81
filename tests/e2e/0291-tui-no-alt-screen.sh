#!/bin/sh
# TUI: --no-alt-screen draws inline: finished transcript entries go to the
# terminal's scrollback while agentos runs (tmux history has them), what
# was left follows at quit, and nothing is printed twice.  ui.alt_screen
# false in the config does the same.
. "$(dirname "$0")/lib.sh"
make_repo
cat > "$T_TMP/script.json" <<'J'
[{"text": "FIRST-ANSWER here"},
 {"tool_calls": [{"name": "bash", "input": {"command": "echo TOOL-OUT"}}]},
 {"text": "SECOND-ANSWER done"},
 {"text": "THIRD-ANSWER config"}]
J
start_provider --script "$T_TMP/script.json"
start_agentos --no-alt-screen --permission-mode bypass \
    --base-url "http://127.0.0.1:$T_PORT"
wait_for '/help for keys'
# The history (above the visible screen) only.
history() { tmux -L "$T_SOCK" capture-pane -p -S - -E -1 -t main; }
wait_hist() {
	_end=$(( $(date +%s) + T_WAIT ))
	while [ "$(date +%s)" -le "$_end" ]; do
		history | grep -Eq -- "$1" && return 0
		sleep 0.2
	done
	history >&2
	fail "not in the scrollback: /$1/"
}
send_keys -l 'first question'
send_keys Enter
wait_for 'FIRST-ANSWER here'
wait_hist '^> first question'
send_keys -l 'run the tool'
send_keys Enter
wait_for 'SECOND-ANSWER done'
# Still running: the first exchange and the tool call are in the history.
wait_hist '^FIRST-ANSWER here'
wait_hist '^> run the tool'
wait_hist 'bash echo TOOL-OUT'
screen | grep -q 'AGENTOS-EXITED' && fail "agentos is not running"
send_keys C-d
wait_for 'AGENTOS-EXITED 0'
all=$(tmux -L "$T_SOCK" capture-pane -p -S - -t main)
for want in '^> first question' '^FIRST-ANSWER here' '^> run the tool' \
    'bash echo TOOL-OUT' '^SECOND-ANSWER done'; do
	printf '%s\n' "$all" | grep -Eq -- "$want" ||
	    fail "not kept after quit: /$want/"
done
n=$(printf '%s\n' "$all" | grep -c '^FIRST-ANSWER here')
[ "$n" -eq 1 ] || fail "FIRST-ANSWER printed $n times"
n=$(printf '%s\n' "$all" | grep -c '^SECOND-ANSWER done')
[ "$n" -eq 1 ] || fail "SECOND-ANSWER printed $n times"

# The option does the same.
mkdir -p "$XDG_CONFIG_HOME/agentos"
echo '{"ui": {"alt_screen": false}}' > "$XDG_CONFIG_HOME/agentos/config.json"
tmux -L "$T_SOCK" clear-history -t main
restart_agentos --base-url "http://127.0.0.1:$T_PORT"
wait_for '/help for keys'
send_keys -l 'third question'
send_keys Enter
wait_for 'THIRD-ANSWER config'
wait_hist '^> third question'
send_keys C-d
wait_for 'AGENTOS-EXITED 0'
exit 0
