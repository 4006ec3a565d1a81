#!/bin/sh
# TUI: a 500-line paste sent shows in the transcript as one folded
# "[pasted 500 lines]" line, not whole; selected (M-Up), C-o shows it all
# and folds it again.  The model gets the whole text.
. "$(dirname "$0")/lib.sh"
make_repo
echo '[{"text": "Got the lines."}]' > "$T_TMP/script.json"
start_provider --script "$T_TMP/script.json"
start_agentos --base-url "http://127.0.0.1:$T_PORT"
wait_for '/help for keys'
i=1; : > "$T_TMP/paste"
while [ $i -le 500 ]; do printf 'pasted line %d\n' $i >> "$T_TMP/paste"; i=$((i+1)); done
send_keys 'look: '
tmux -L "$T_SOCK" load-buffer -b p "$T_TMP/paste" || hard "load-buffer"
tmux -L "$T_SOCK" paste-buffer -p -b p -t main
wait_for '\[pasted 500 lines\]'
send_keys Enter
wait_for 'Got the lines\.'
wait_for '^> look: \[pasted 500 lines\]'
screen | grep -q 'pasted line 250' && fail "the paste was echoed whole"
send_keys M-Up
wait_for 'C-o to show the pasted text'
send_keys C-o
wait_for 'pasted line 49[0-9]'
wait_for 'C-o to fold the pasted text'
send_keys C-o
wait_gone 'pasted line 49[0-9]' "C-o did not fold the paste again"
wait_for '^> look: \[pasted 500 lines\]'
python3 - "$T_PROVIDER_LOG" <<'PY' || fail "the model did not get the paste whole"
import json, sys
reqs = [json.loads(l) for l in open(sys.argv[1])]
body = json.dumps(reqs[-1])
assert "pasted line 1\\n" in body and "pasted line 500" in body, body[:300]
PY
exit 0
