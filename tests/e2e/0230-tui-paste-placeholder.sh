#!/bin/sh
# TUI: a large bracketed paste is one unit in the prompt.  The caret skips
# its placeholder, Backspace removes it whole (and says so), what is sent is
# the pasted text with CR line ends made LF, and the transcript shows the
# placeholder rather than 500 echoed lines.
. "$(dirname "$0")/lib.sh"
make_repo
echo '[{"text": "one"}, {"text": "two"}]' > "$T_TMP/script.json"
start_provider --script "$T_TMP/script.json"
start_agentos --base-url "http://127.0.0.1:$T_PORT"
wait_for '/help for keys'

# 500 lines with CR line ends, as tmux and xterm paste them.
i=1; : > "$T_TMP/paste"
while [ $i -le 500 ]; do printf 'line %d\r' $i >> "$T_TMP/paste"; i=$((i+1)); done
tmux -L "$T_SOCK" load-buffer -b p "$T_TMP/paste" || hard "load-buffer"

send_keys -l 'before '
tmux -L "$T_SOCK" paste-buffer -p -b p -t main
wait_for '\[pasted 500 lines\]'
send_keys -l ' after'
# Left x7 walks over " after" and then over the whole placeholder.
send_keys Left Left Left Left Left Left Left
send_keys -l 'X'
wait_for 'before X\[pasted 500 lines\] after'
send_keys Enter
wait_for 'one'
python3 - "$T_PROVIDER_LOG" <<'PY' || fail "first request"
import json, sys
req = json.loads(open(sys.argv[1]).readline())
m = req["messages"][-1]["content"]
t = m if isinstance(m, str) else "".join(b.get("text", "") for b in m)
exp = "before X" + "".join("line %d\n" % i for i in range(1, 501)) + " after"
assert "\r" not in t, "CR sent"
assert exp in t, t[:200]
PY
# The transcript echoes the placeholder, not the 500 lines.
screen | grep -q 'line 250' && fail "the paste was echoed whole"
screen | grep -q 'before X\[pasted 500 lines\] after' ||
    fail "no placeholder in the transcript"

# Backspace right after the placeholder removes it whole and says so.
send_keys -l 'again '
tmux -L "$T_SOCK" paste-buffer -p -b p -t main
wait_for '> again \[pasted 500 lines\]'
send_keys BSpace
wait_for 'Removed a pasted text'
wait_for '^> again *$'
send_keys -l 'end'
send_keys Enter
wait_for 'two'
python3 - "$T_PROVIDER_LOG" <<'PY' || fail "second request"
import json, sys
req = json.loads(open(sys.argv[1]).readlines()[-1])
m = req["messages"][-1]["content"]
t = m if isinstance(m, str) else "".join(b.get("text", "") for b in m)
assert "again end" in t, t[:200]
assert "line 3" not in t and "pasted" not in t, "the removed paste was sent"
PY
exit 0
