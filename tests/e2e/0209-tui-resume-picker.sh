#!/bin/sh
# TUI: agentos -r without an id opens a picker of the recorded sessions
# (most recent first, with the first prompt, prompts and snapshots); Enter
# resumes the selected one, Esc starts a new session.
. "$(dirname "$0")/lib.sh"
make_repo
cat > "$T_TMP/script.json" <<'JSON'
[
 {"text": "Answer to the older one."},
 {"text": "Answer to the newer one."},
 {"text": "Going on with the older one.", "expect":
   {"contains": ["older session prompt", "more for the older"],
    "not_contains": "newer session prompt"}},
 {"text": "Fresh start.", "expect":
   {"not_contains": ["older session prompt", "newer session prompt"]}}
]
JSON
start_provider --script "$T_TMP/script.json"
run() {
	"$AGENTOS" --base-url "http://127.0.0.1:$T_PORT" -p "$1" \
	    > "$T_TMP/p.out" 2>&1 || fail "headless: $(cat "$T_TMP/p.out")"
}
run 'older session prompt'
sleep 1.1	# the ids and times sort by the second
run 'newer session prompt'

start_agentos --base-url "http://127.0.0.1:$T_PORT" -r
wait_for 'Resume a session'
wait_for 'Esc new session'
wait_for ' 1 +[0-9.k]+/[0-9]+ +0  older session prompt'
wait_for 'newer session prompt'
# Most recent first: the newer one on top.
screen | grep -n 'session prompt' > "$T_TMP/rows"
head -1 "$T_TMP/rows" | grep -q 'newer session prompt' ||
    fail "the newer session is not first: $(cat "$T_TMP/rows")"
send_keys Down Enter
wait_for 'Resumed session .*: 1 prompt\.'
wait_for '^> older session prompt'
wait_for 'Answer to the older one\.'
wait_gone 'newer session prompt' "the other session shows"
send_keys 'more for the older' Enter
wait_for 'Going on with the older one\.'

# Esc in the picker: a new session.
restart_agentos --base-url "http://127.0.0.1:$T_PORT" -r
wait_for 'Resume a session'
send_keys Escape
wait_for '/help for keys'
screen | grep -q 'Resumed' && fail "Esc resumed a session"
send_keys 'a new one' Enter
wait_for 'Fresh start\.'
exit 0
