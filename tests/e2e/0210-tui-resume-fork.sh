#!/bin/sh
# TUI: /fork goes on in a new session with the same conversation (the
# transcript stays, a notice names the new session and its parent); /resume
# opens the picker (Esc goes back) and switches to the chosen session, whose
# conversation replaces the transcript and goes on.
. "$(dirname "$0")/lib.sh"
make_repo
cat > "$T_TMP/script.json" <<'JSON'
[
 {"text": "Alpha answer."},
 {"text": "Beta answer."},
 {"text": "After the fork.", "expect": {"contains": ["beta prompt",
   "after fork"], "not_contains": "alpha prompt"}},
 {"text": "Back in alpha.", "expect": {"contains": ["alpha prompt",
   "more alpha"], "not_contains": ["beta prompt", "after fork"]}}
]
JSON
start_provider --script "$T_TMP/script.json"
"$AGENTOS" --base-url "http://127.0.0.1:$T_PORT" -p 'alpha prompt' \
    > "$T_TMP/p.out" 2>&1 || fail "headless: $(cat "$T_TMP/p.out")"
sleep 1.1	# session ids sort by the second
start_agentos --base-url "http://127.0.0.1:$T_PORT"
wait_for '/help for keys'
send_keys 'beta prompt' Enter
wait_for 'Beta answer\.'
send_keys '/fork' Enter
wait_for 'Forked: the conversation goes on in new session [0-9-]+[0-9a-f]+; its parent [0-9-]+[0-9a-f]+ stays'
wait_for '^> beta prompt'
send_keys 'after fork' Enter
wait_for 'After the fork\.'

send_keys '/resume' Enter
wait_for 'Switch to a session'
wait_for 'Esc back'
wait_for '\(this session, a fork\) beta prompt'
wait_for ' 0  beta prompt'
send_keys Escape
wait_for '/help for help'
screen | grep -q 'Resumed' && fail "Esc switched sessions"
send_keys '/resume' Enter
wait_for 'Switch to a session'
send_keys End Enter
wait_for 'Resumed session [0-9-]+[0-9a-f]+: 1 prompt\.'
wait_for '^> alpha prompt'
wait_for 'Alpha answer\.'
wait_gone 'beta prompt' "the old transcript is still there"
send_keys 'more alpha' Enter
wait_for 'Back in alpha\.'
exit 0
