#!/bin/sh
# TUI: the status bar shows the cost of the session open now.  /fork goes
# on in a copy whose log already holds what it cost, so the figure stays
# (it used to double); /clear opens an empty session, so no cost shows;
# /cost still has the run's total, which the limits charge.
. "$(dirname "$0")/lib.sh"
make_repo
cat > "$T_TMP/script.json" <<'J'
[{"text": "One.", "usage": {"input_tokens": 100000, "output_tokens": 20000}},
 {"text": "Two.", "usage": {"input_tokens": 100000, "output_tokens": 20000}}]
J
bar() { screen | grep ' ⎇ ' | tail -1; }
start_provider --script "$T_TMP/script.json"
# claude-sonnet-4-5: $3 in, $15 out per million: 0.3 + 0.3 = $0.6000.
start_agentos --provider anthropic -m claude-sonnet-4-5 \
    --base-url "http://127.0.0.1:$T_PORT"
wait_for '/help'
send_keys 'first' Enter
wait_for 'One\.'
wait_for '\$0\.6000'
send_keys '/fork' Enter
wait_for 'Forked: '
wait_stable >/dev/null
screen | grep -q '\$1\.20' && fail "the fork's cost is counted twice"
bar | grep -q '\$0\.6000' || fail "the fork lost its cost"
send_keys 'second' Enter
wait_for 'Two\.'
wait_for '\$1\.20'
send_keys '/clear' Enter
wait_stable >/dev/null
bar | grep -q '\$[0-9]' && fail "/clear kept the old cost"
send_keys '/cost' Enter
wait_for 'Cost of this run: .*\$1\.20 .*\(2 calls\)'
wait_for 'This session in this run: .*\(0 calls\)'
exit 0
