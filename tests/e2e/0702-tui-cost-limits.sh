#!/bin/sh
# TUI: costs and limits.  The status bar shows the session's cost; at 80%
# of --max-turns a notice warns; at 100% a panel asks with the figures:
# y goes on (the limit is raised for the session), n stops the turn.
# /cost lists the model and the turns; after a resume it shows what the
# session cost before.  A stuck loop (the same failing command) asks too.
. "$(dirname "$0")/lib.sh"
make_repo
python3 - > "$T_TMP/script.json" <<'P'
import json
t = [{"tool_calls": [{"name": "bash", "input": {"command": "echo ok-%d" % i}}]}
     for i in range(5)]
t.append({"text": "First done."})
t += [{"tool_calls": [{"name": "bash", "input": {"command": "echo more-%d" % i}}]}
      for i in range(4)]
t += [{"tool_calls": [{"name": "bash", "input": {"command": "ls no-such-file"}}]}] * 6
t.append({"tool_calls": [{"name": "bash", "input": {"command": "ls no-such-file"}}] * 4})
t.append({"text": "Recovered."})
t.append({"text": "never-either"})
print(json.dumps(t))
P
start_provider --script "$T_TMP/script.json"
ARGS="--provider anthropic -m claude-sonnet-4-5 --permission-mode bypass --base-url http://127.0.0.1:$T_PORT"
start_agentos $ARGS --max-turns 5
wait_for '/help'
send_keys 'count' Enter
wait_for 'Budget: 80% of the turn limit: 4 of 5 model calls'
wait_for 'Limit reached'
wait_for 'reached the turn limit: 5 of 5 model calls'
[ "$(wc -l < "$T_PROVIDER_LOG")" = 5 ] || fail "a 6th call before the answer"
send_keys y
wait_for 'First done\.'
wait_gone 'Limit reached' "the panel stays"
# The status bar: the session's cost next to the tokens.
wait_for '↓[0-9.k]+ \$0\.[0-9]{4}'
send_keys '/cost' Enter
wait_for 'Cost of this run: in [0-9.k]+  out [0-9.k]+  cached 0  hit 0%  \$0\.[0-9]{4}  [0-9.]+s  \(6 calls\)'
wait_for '^ *claude-sonnet-4-5  in '
wait_for '^ *turn 1  in .*\(6 calls\)'
wait_for 'Limits: max_turns 6 of 10;'

# The raised limit (10) is reached in the next turn: n stops it.
send_keys 'more' Enter
wait_for 'Budget: 80% of the turn limit: 8 of 10'
wait_for 'reached the turn limit: 10 of 10 model calls'
send_keys n
wait_for 'stopped: the run reached the turn limit'
wait_for '\$0\.[0-9]{4} !'
[ "$(wc -l < "$T_PROVIDER_LOG")" = 10 ] || fail "calls after n: $(wc -l < "$T_PROVIDER_LOG")"

# Resumed: the earlier cost shows; a stuck loop asks, y goes on, n stops.
restart_agentos $ARGS -c
wait_for '/help'
send_keys '/cost' Enter
wait_for 'Earlier in this session: \$0\.[0-9]{4}'
send_keys 'fail' Enter
wait_for 'is stuck: the same failing call 3 times in a row'
send_keys y
wait_gone 'Limit reached' "the stuck panel stays"
wait_for 'Limit reached'
send_keys n
wait_for 'stopped: the run is stuck'
[ "$(wc -l < "$T_PROVIDER_LOG")" = 16 ] || fail "stuck: $(wc -l < "$T_PROVIDER_LOG") calls"
"$AGENTOS" export --format jsonl > "$T_TMP/events.jsonl" || fail "export"
python3 - "$T_TMP/events.jsonl" <<'P' || fail "budget events"
import json, sys
ev = [json.loads(l)["data"] for l in open(sys.argv[1]) if json.loads(l)["type"] == "budget"]
got = [(e["decision"], e["limit"], e["by"]) for e in ev]
want = [("warn", "max_turns", "limit"), ("ask", "max_turns", "limit"),
        ("continue", "max_turns", "user"), ("warn", "max_turns", "limit"),
        ("ask", "max_turns", "limit"), ("stop", "max_turns", "user"),
        ("ask", "stuck", "limit"), ("continue", "stuck", "user"),
        ("ask", "stuck", "limit"), ("stop", "stuck", "user")]
assert got == want, got
assert len(ev[6]["errors"]) == 3, ev[6]
P
# A new run: four failing calls in one answer; the fourth is asked about
# in the tool pipeline's budget stage, before it runs; y runs it.
restart_agentos $ARGS
wait_for '/help'
send_keys 'four' Enter
wait_for 'Limit reached'
wait_for 'is stuck: the same failing call 3 times'
[ "$(wc -l < "$T_PROVIDER_LOG")" = 17 ] || fail "tool stage: calls"
send_keys y
wait_for 'Recovered\.'
"$AGENTOS" export --format jsonl > "$T_TMP/events2.jsonl" || fail "export 2"
python3 - "$T_TMP/events2.jsonl" <<'P' || fail "the fourth call ran"
import json, sys
ev = [json.loads(l) for l in open(sys.argv[1])]
res = [e["data"] for e in ev if e["type"] == "tool_result"]
assert len(res) == 4 and all(r.get("exit_status") == 2 for r in res), res
kinds = [e["type"] for e in ev]
# The ask comes between the third result and the fourth call's start.
i = kinds.index("budget")
assert kinds[i + 1] == "budget" and ev[i + 1]["data"]["decision"] == "continue"
assert kinds[:i].count("tool_result") == 3, kinds
assert kinds[i + 2:].count("tool_start") == 1, kinds
P
exit 0
