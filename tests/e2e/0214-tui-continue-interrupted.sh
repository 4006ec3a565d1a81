#!/bin/sh
# TUI: agentos -c after a run was killed mid-turn shows the conversation,
# says the last turn was cut short, and calls the model again at once.
. "$(dirname "$0")/lib.sh"
make_repo
cat > "$T_TMP/script.json" <<'JSON'
[
 {"hang": true},
 {"text": "Continued answer.", "expect": {"contains": "killed question"}}
]
JSON
start_provider --script "$T_TMP/script.json"
"$AGENTOS" --base-url "http://127.0.0.1:$T_PORT" -p 'killed question' \
    > "$T_TMP/p.out" 2>&1 &
pid=$!
for _ in $(seq $((T_WAIT * 10))); do
	[ -s "$T_PROVIDER_LOG" ] && break
	sleep 0.1
done
[ -s "$T_PROVIDER_LOG" ] || fail "no request came"
kill -9 $pid
wait $pid 2>/dev/null
start_agentos --base-url "http://127.0.0.1:$T_PORT" -c
wait_for '^> killed question'
wait_for 'The last turn was cut short; continuing it'
wait_for 'Continued answer\.'
[ "$(wc -l < "$T_PROVIDER_LOG")" -eq 2 ] || fail "expected 2 requests"
exit 0
