#!/bin/sh
# Limits, headless: --max-turns, --max-budget-usd, --max-duration and the
# budget.* options each stop the run before the next model call or tool
# run with their subtype and exit status 3, saying why with the figures;
# a stuck loop (the model keeps asking for the same failing command)
# stops with error_stuck and the last errors; every decision is a budget
# event in the session log.
. "$(dirname "$0")/lib.sh"
make_repo
# The same failing command, forever.
python3 - > "$T_TMP/loop.json" <<'P'
import json
print(json.dumps([{"tool_calls": [{"name": "bash", "input": {"command": "ls no-such-file"}}],
                   "usage": {"input_tokens": 1000, "output_tokens": 1000}}] * 30))
P
start_provider --script "$T_TMP/loop.json"
URL="http://127.0.0.1:$T_PORT"
nreq() { wc -l < "$T_PROVIDER_LOG" | tr -d ' '; }
run() {
	_out=$1; shift
	rc=0
	"$AGENTOS" -p "loop" --provider anthropic -m claude-sonnet-4-5 \
	    --base-url "$URL" --permission-mode bypass --output-format json \
	    "$@" > "$T_TMP/$_out" 2> "$T_TMP/err.txt" || rc=$?
}
check() {	# file subtype [error-text]
	python3 - "$T_TMP/$1" "$2" "${3:-}" <<'P' || { cat "$T_TMP/$1"; fail "result $1"; }
import json, sys
o = json.load(open(sys.argv[1]))
assert o["subtype"] == sys.argv[2], o["subtype"]
assert o["is_error"] is True, o
assert sys.argv[3] in o["error"], o["error"]
P
}

# Turns: two model calls, then the third is not made.
run turns.json --max-turns 2
[ "$rc" = 3 ] || fail "max-turns exit status $rc"
check turns.json error_max_turns "2 of 2 model calls"
[ "$(nreq)" = 2 ] || fail "max-turns: $(nreq) requests"

# Money: each call costs $0.018 at Sonnet 4.5 prices ($3 in, $15 out);
# at $0.04 the second call passes 80% (a warning), the third the limit,
# so the fourth is not made.
: > "$T_PROVIDER_LOG"
run usd.json --max-budget-usd 0.04
[ "$rc" = 3 ] || fail "max-budget-usd exit status $rc"
check usd.json error_max_budget_usd "of \$0.04"
[ "$(nreq)" = 3 ] || fail "max-budget-usd: $(nreq) requests"
python3 - "$T_TMP/usd.json" <<'P' || fail "cost at the stop"
import json, sys
o = json.load(open(sys.argv[1]))
assert abs(o["total_cost_usd"] - 0.054) < 1e-9, o["total_cost_usd"]
P

# Time: a command that sleeps past the limit; the next call is not made.
cat > "$T_TMP/slow.json" <<'J'
[{"tool_calls": [{"name": "bash", "input": {"command": "sleep 2"}}]},
 {"text": "never"}]
J
rm -f "$T_TMP/port"
start_provider --script "$T_TMP/slow.json"
"$AGENTOS" -p "slow" --provider anthropic -m claude-sonnet-4-5 \
    --base-url "http://127.0.0.1:$T_PORT" --permission-mode bypass \
    --output-format json --max-duration 1s > "$T_TMP/slow-out.json" \
    2> "$T_TMP/err.txt" && fail "max-duration: exit 0"
check slow-out.json error_max_duration "max_duration"

# The same from the configuration file.
mkdir -p .agentos
echo '{"budget": {"max_turns": 1}}' > .agentos/config.json
: > "$T_PROVIDER_LOG"
run cfg.json
[ "$rc" = 3 ] || fail "budget.max_turns exit status $rc"
check cfg.json error_max_turns "1 of 1"
rm .agentos/config.json

# Stuck: the same failing command three times (the default) stops it.
: > "$T_PROVIDER_LOG"
run stuck.json
[ "$rc" = 3 ] || fail "stuck exit status $rc"
check stuck.json error_stuck "same failing call 3 times"
[ "$(nreq)" = 3 ] || fail "stuck: $(nreq) requests"
python3 - "$T_TMP/stuck.json" <<'P' || fail "stuck errors"
import json, sys
o = json.load(open(sys.argv[1]))
assert len(o["errors"]) == 3, o["errors"]
assert all("no-such-file" in e for e in o["errors"]), o["errors"]
P
# Five errors in a row of different commands, by the option.
python3 - > "$T_TMP/vary.json" <<'P'
import json
print(json.dumps([{"tool_calls": [{"name": "bash", "input": {"command": "ls no-such-%d" % i}}]}
                  for i in range(20)]))
P
"$AGENTOS" -p "vary" --provider anthropic -m claude-sonnet-4-5 \
    --base-url "$URL" --permission-mode bypass > "$T_TMP/vary.txt" \
    2> "$T_TMP/vary.err" && fail "vary: exit 0"
# Text output: the reason and the last errors on stderr.
grep -q "stuck" "$T_TMP/vary.err" || { cat "$T_TMP/vary.err"; fail "vary: no reason"; }
grep -q "tool error: bash" "$T_TMP/vary.err" || fail "vary: no errors"

# Four failing calls in one answer: the fourth is not run (the budget
# stage of the tool pipeline), and the run stops before the next call.
cat > "$T_TMP/four.json" <<'J'
[{"tool_calls": [{"name": "bash", "input": {"command": "ls nope"}},
                 {"name": "bash", "input": {"command": "ls nope"}},
                 {"name": "bash", "input": {"command": "ls nope"}},
                 {"name": "bash", "input": {"command": "ls nope"}}]},
 {"text": "never"}]
J
rm -f "$T_TMP/port"
start_provider --script "$T_TMP/four.json"
rc=0
"$AGENTOS" -p "four" --provider anthropic -m claude-sonnet-4-5 \
    --base-url "http://127.0.0.1:$T_PORT" --permission-mode bypass \
    --output-format stream-json > "$T_TMP/four.jsonl" 2> "$T_TMP/err.txt" ||
    rc=$?
[ "$rc" = 3 ] || fail "four: exit status $rc"
python3 - "$T_TMP/four.jsonl" <<'P' || fail "four: the fourth call ran"
import json, sys
ev = [json.loads(l) for l in open(sys.argv[1])]
assert sum(1 for e in ev if e.get("type") == "request") == 1, ev
res = [e["data"] for e in ev if e.get("type") == "tool_result"]
assert len(res) == 4, res
assert "exit_status" not in res[3] or res[3]["exit_status"] == -1, res[3]
assert res[3]["content"].startswith("Not run: the run is stuck"), res[3]
assert ev[-1]["type"] == "result" and ev[-1]["subtype"] == "error_stuck", ev[-1]
P

# Each stop is a budget event with its figures.
sid=$(python3 -c 'import json,sys; print(json.load(open(sys.argv[1]))["session_id"])' "$T_TMP/usd.json")
"$AGENTOS" export "$sid" --format jsonl > "$T_TMP/events.jsonl" ||
    fail "export"
python3 - "$T_TMP/events.jsonl" <<'P' || fail "budget events"
import json, sys
ev = [json.loads(l)["data"] for l in open(sys.argv[1]) if json.loads(l)["type"] == "budget"]
assert [e["decision"] for e in ev] == ["warn", "stop"], ev
assert ev[1]["limit"] == "max_budget_usd" and ev[1]["by"] == "limit", ev
assert ev[1]["max"] == 0.04 and abs(ev[1]["used"] - 0.054) < 1e-9, ev
assert ev[0]["limit"] == "max_budget_usd" and abs(ev[0]["used"] - 0.036) < 1e-9, ev
P
exit 0
