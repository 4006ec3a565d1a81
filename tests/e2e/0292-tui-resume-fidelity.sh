#!/bin/sh
# TUI: a resumed session shows what the live one showed: an answer cut by
# Esc keeps its [interrupted] mark, and a folded paste shows as its
# placeholder, not as 500 lines (the model still gets them all).
. "$(dirname "$0")/lib.sh"
make_repo
cat > "$T_TMP/script.json" <<'JSON'
[
 {"text": "The answer starts like this, and then it goes on and on.",
  "hang": true, "hang_after_events": 5},
 {"text": "PASTE-SEEN"},
 {"text": "RESUMED-OK", "expect": {"contains": "line 250"}}
]
JSON
start_provider --script "$T_TMP/script.json"
start_agentos --base-url "http://127.0.0.1:$T_PORT"
wait_for '/help for keys'
send_keys 'tell me' Enter
wait_for 'The answer starts like this, and'
send_keys Escape
wait_for '^\[interrupted\]'
i=1; : > "$T_TMP/paste"
while [ $i -le 500 ]; do printf 'line %d\n' $i >> "$T_TMP/paste"; i=$((i+1)); done
tmux -L "$T_SOCK" load-buffer -b p "$T_TMP/paste" || hard "load-buffer"
send_keys -l 'look: '
tmux -L "$T_SOCK" paste-buffer -p -b p -t main
wait_for '\[pasted 500 lines\]'
send_keys Enter
wait_for 'PASTE-SEEN'
live=$(screen)
send_keys C-d
wait_for 'AGENTOS-EXITED'

id=$("$AGENTOS" sessions | awk 'NR == 2 { print $1 }')
[ -n "$id" ] || fail "no session id"
restart_agentos --base-url "http://127.0.0.1:$T_PORT" -r "$id"
wait_for "Resumed session $id"
wait_for '^> tell me'
wait_for 'The answer starts like this, and *$'
wait_for '^\[interrupted\]'
wait_for '^> look: \[pasted 500 lines\]'
screen | grep -q 'line 250' && fail "the paste is shown whole on resume"
screen | grep -q 'PASTE-SEEN' || fail "the answer after the paste is missing"
# The conversation the model gets still has the whole paste.
send_keys 'and now' Enter
wait_for 'RESUMED-OK'
python3 - "$T_PROVIDER_LOG" <<'PY' || fail "the resumed request"
import json, sys
req = json.loads(open(sys.argv[1]).readlines()[-1])
t = json.dumps(req["messages"])
assert "line 499" in t and "[pasted 500 lines]" not in t, t[:300]
assert "[interrupted]" not in t
PY
exit 0
