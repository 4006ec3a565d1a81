#!/bin/sh
# TUI: a 529 whose server wait is long shows "overloaded (529), retrying in
# 30 s, attempt 2; Esc to stop" in the transcript; Esc stops the wait and the
# turn at once (no second request), and the next prompt works.
. "$(dirname "$0")/lib.sh"
make_repo
cat > "$T_TMP/script.json" <<'JSON'
[
 {"status": 529, "headers": {"retry-after": "30"}},
 {"text": "Answer after the stopped retry."}
]
JSON
start_provider --script "$T_TMP/script.json"
ANTHROPIC_API_KEY=sk-test
export ANTHROPIC_API_KEY
start_agentos --base-url "http://127.0.0.1:$T_PORT"
wait_for '/help'
send_keys 'first' Enter
wait_for 'overloaded \(529\), retrying in 30 s, attempt 2; Esc to stop'
send_keys Escape
wait_for 'Stopped\.'
wait_gone 'working' "still busy after Esc"
n=$(wc -l < "$T_PROVIDER_LOG" | tr -d ' ')
[ "$n" -eq 1 ] || fail "the retry was sent after Esc ($n requests)"
send_keys 'second' Enter
wait_for 'Answer after the stopped retry\.'
exit 0
