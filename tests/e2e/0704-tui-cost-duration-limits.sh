#!/bin/sh
# TUI: the cost and time limits ask at 100% with their figures, as the
# turn limit does (0702): y goes on with the limit raised, n stops the
# turn with no further model call; the status bar shows the cost limit.
. "$(dirname "$0")/lib.sh"
make_repo
# claude-sonnet-4-5 at $15 per million out: 2,000 tokens out are $0.03.
python3 - > "$T_TMP/script.json" <<'P'
import json
u = {"input_tokens": 10, "output_tokens": 2000}
t = [{"tool_calls": [{"name": "bash", "input": {"command": "echo c-%d" % i}}],
      "usage": u} for i in range(2)]
t.append({"text": "Cost done.", "usage": {"output_tokens": 1}})
t.append({"tool_calls": [{"name": "bash", "input": {"command": "sleep 4"}}]})
t.append({"text": "never-after-n"})
print(json.dumps(t))
P
start_provider --script "$T_TMP/script.json"
start_agentos --provider anthropic -m claude-sonnet-4-5 --permission-mode bypass \
    --base-url "http://127.0.0.1:$T_PORT" --max-budget-usd 0.05
wait_for '/help'
send_keys 'spend' Enter
wait_for 'Limit reached'
wait_for 'reached the cost limit: \$0\.060[0-9] of \$0\.05 \(max_budget_usd\)'
n=$(wc -l < "$T_PROVIDER_LOG")
[ "$n" = 2 ] || fail "a call past the cost limit before the answer: $n"
send_keys y
wait_gone 'Limit reached' "the cost panel stays"
wait_for 'Cost done\.'
wait_for '\$0\.0[0-9]{3}/\$0\.11 '
# The time limit: the command outlives 3 s; the next call asks first.
restart_agentos --provider anthropic -m claude-sonnet-4-5 \
    --permission-mode bypass --base-url "http://127.0.0.1:$T_PORT" \
    --max-duration 3s
wait_for '/help'
send_keys 'wait' Enter
wait_for 'reached the time limit: [0-9.]+s of 3\.0s \(max_duration\)'
send_keys n
wait_for 'stopped: the run reached the time limit'
sleep 1
screen | grep -q 'never-after-n' && fail "a model call after n"
exit 0
