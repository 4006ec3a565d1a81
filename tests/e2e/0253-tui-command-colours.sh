#!/bin/sh
# TUI: command output with SGR colours and \r progress lines is drawn as a
# terminal shows it: the colours on the screen (tmux capture-pane -e), the
# progress bar as its last state, other escapes dropped (no control
# pictures), live while the command runs and after; the model is sent the
# plain text.
. "$(dirname "$0")/lib.sh"
make_repo
cat > "$T_TMP/colours.sh" <<'SH'
printf '\033[31mred words\033[0m then plain\n'
printf '\033[1;32mbold green\033[m \033[38;5;208morange\033[39m\n'
printf '\033]0;a title\007\033[2Kno title\033[?25l\n'
printf 'live \033[34mblue\033[0m\n'
sleep 2
for p in 10 50 100; do printf '\rprogress %s%%' $p; done
printf ' done\n'
SH
python3 -c 'import json, sys
print(json.dumps([{"tool_calls": [{"name": "bash",
    "input": {"command": "sh " + sys.argv[1]}}]}, {"text": "Ran it."}]))' \
    "$T_TMP/colours.sh" > "$T_TMP/script.json"
start_provider --script "$T_TMP/script.json"
start_agentos --base-url "http://127.0.0.1:$T_PORT" \
    --permission-mode bypass --sandbox off
wait_for '/help for keys'
send_keys 'show colours' Enter
# Live: already coloured, no escape shown.
wait_for 'live blue'
tmux -L "$T_SOCK" capture-pane -p -e -t main > "$T_TMP/live"
grep -q '␛' "$T_TMP/live" && fail "an escape is shown live: $(cat "$T_TMP/live")"
grep -q "$(printf '\033')\[[0-9;]*34m[^ ]*blue" "$T_TMP/live" ||
    grep -q "$(printf '\033')\[[0-9;]*34mblue" "$T_TMP/live" ||
    fail "blue is not blue live: $(cat -v "$T_TMP/live")"
wait_for 'Ran it\.'
# Expanded after the end: colours, the progress bar's last state only.
send_keys M-Up
sleep 0.3
send_keys C-o
wait_for '│ progress 100% done'
screen > "$T_TMP/plain"
tmux -L "$T_SOCK" capture-pane -p -e -t main > "$T_TMP/esc"
grep -q '␛' "$T_TMP/plain" && fail "an escape picture on the screen"
grep -q 'progress 10%' "$T_TMP/plain" && fail "an overwritten progress state shows"
grep -q '│ red words then plain' "$T_TMP/plain" || fail "the red line"
grep -q '│ no title' "$T_TMP/plain" || fail "the OSC title line"
grep -q 'a title' "$T_TMP/plain" && fail "the OSC title is shown"
e=$(printf '\033')
grep -q "${e}\[[0-9;]*31m[^│]*red words" "$T_TMP/esc" ||
    fail "red is not red: $(grep 'red words' "$T_TMP/esc" | cat -v)"
grep -q "${e}\[[0-9;]*1[;0-9]*m[^│]*bold green" "$T_TMP/esc" ||
    fail "bold green is not bold: $(grep 'bold green' "$T_TMP/esc" | cat -v)"
grep -q "red words${e}\[[0-9;]*m then plain" "$T_TMP/esc" ||
    fail "the reset did not end the red: $(grep "then plain" "$T_TMP/esc" | cat -v)"
# The model got plain text: no escape, no CR, the bar's last state.
python3 - "$T_PROVIDER_LOG" <<'PY' || fail "what the model was sent"
import json, sys
reqs = [json.loads(l) for l in open(sys.argv[1])]
res = None
for m in reqs[-1]["messages"]:
    c = m.get("content")
    if isinstance(c, list):
        for b in c:
            if b.get("type") == "tool_result":
                res = b["content"]
if isinstance(res, list):
    res = "".join(x.get("text", "") for x in res)
assert res is not None, reqs[-1]
assert "\x1b" not in res and "\r" not in res, repr(res)
assert "red words then plain\n" in res, repr(res)
assert "progress 100% done\n" in res and "progress 10%" not in res, repr(res)
assert "a title" not in res, repr(res)
PY
exit 0
