#!/bin/sh
# Cost, headless: the json result's total_cost_usd, usage and modelUsage
# (Claude Code's names) are the sums of the usage the fake provider sent,
# priced from data/prices.json (cache reads, 5 minute and 1 hour writes
# each at their price); each response event carries its cost_usd; a model
# without a price has a null cost, never a guess; the prices option
# prices it.
. "$(dirname "$0")/lib.sh"
make_repo
cat > "$T_TMP/script.json" <<'J'
[
 {"text": "Look.", "tool_calls": [{"name": "read_file", "input": {"path": "hello.txt"}}],
  "usage": {"input_tokens": 1000, "output_tokens": 200, "cache_read_input_tokens": 5000,
            "cache_creation_input_tokens": 3000,
            "cache_creation": {"ephemeral_5m_input_tokens": 2000, "ephemeral_1h_input_tokens": 1000}}},
 {"text": "Done.", "usage": {"input_tokens": 100, "output_tokens": 50, "cache_read_input_tokens": 8000}},
 {"text": "Again.", "usage": {"input_tokens": 10, "output_tokens": 20}},
 {"text": "Free.", "usage": {"input_tokens": 10, "output_tokens": 20}}
]
J
start_provider --script "$T_TMP/script.json"
"$AGENTOS" -p "read hello.txt" --provider anthropic -m claude-sonnet-4-5 \
    --base-url "http://127.0.0.1:$T_PORT" --output-format json \
    > "$T_TMP/out.json" 2> "$T_TMP/err.txt" ||
    { cat "$T_TMP/err.txt" "$T_TMP/out.json"; fail "exit status"; }
python3 - "$T_TMP/out.json" <<'P' || fail "json cost and usage"
import json, sys
o = json.load(open(sys.argv[1]))
# Sonnet 4.5: $3 in, $15 out, $0.30 cache read, $3.75 5m, $6 1h writes.
want = (1100 * 3 + 250 * 15 + 13000 * 0.30 + 2000 * 3.75 + 1000 * 6) / 1e6
assert o["subtype"] == "success" and o["is_error"] is False, o
assert abs(o["total_cost_usd"] - want) < 1e-9, (o["total_cost_usd"], want)
u = o["usage"]
assert u["input_tokens"] == 1100 and u["output_tokens"] == 250, u
assert u["cache_read_input_tokens"] == 13000, u
assert u["cache_creation_input_tokens"] == 3000, u
# The existing names stay.
assert u["cache_read_tokens"] == 13000 and u["cache_write_tokens"] == 3000, u
assert o["num_turns"] == 2 and o["num_requests"] == 2, o
assert 0 <= o["duration_api_ms"] <= o["duration_ms"], o
m = o["modelUsage"]["claude-sonnet-4-5"]
assert m["inputTokens"] == 1100 and m["outputTokens"] == 250, m
assert m["cacheReadInputTokens"] == 13000 and m["cacheCreationInputTokens"] == 3000, m
assert abs(m["costUSD"] - want) < 1e-9, m
print(o["session_id"])
P
sid=$(python3 -c 'import json,sys; print(json.load(open(sys.argv[1]))["session_id"])' "$T_TMP/out.json")
# Each response event has its own cost; they sum to the total.
"$AGENTOS" export "$sid" --format jsonl > "$T_TMP/events.jsonl" 2> "$T_TMP/err.txt" ||
    { cat "$T_TMP/err.txt"; fail "export"; }
python3 - "$T_TMP/events.jsonl" <<'P' || fail "response events"
import json, sys
ev = [json.loads(l) for l in open(sys.argv[1])]
r = [e["data"] for e in ev if e["type"] == "response"]
assert len(r) == 2, r
first = (1000 * 3 + 200 * 15 + 5000 * 0.3 + 2000 * 3.75 + 1000 * 6) / 1e6
assert abs(r[0]["cost_usd"] - first) < 1e-9, r[0]
assert r[0]["model"] == "claude-sonnet-4-5", r[0]
assert abs(r[1]["cost_usd"] - (100 * 3 + 50 * 15 + 8000 * 0.3) / 1e6) < 1e-9
P

# A model without a price: cost unknown (null), tokens still counted.
"$AGENTOS" -p "again" --provider anthropic -m test-model \
    --base-url "http://127.0.0.1:$T_PORT" --output-format json \
    > "$T_TMP/out2.json" 2> "$T_TMP/err.txt" ||
    { cat "$T_TMP/err.txt" "$T_TMP/out2.json"; fail "exit status 2"; }
python3 - "$T_TMP/out2.json" <<'P' || fail "unknown model"
import json, sys
o = json.load(open(sys.argv[1]))
assert o["total_cost_usd"] is None, o
assert o["modelUsage"]["test-model"]["costUSD"] is None, o
assert o["modelUsage"]["test-model"]["outputTokens"] == 20, o
P

# The prices option prices it (a local model at 0 would be free).
mkdir -p .agentos
echo '{"prices": {"test-model": {"input": 2, "output": 4}}}' > .agentos/config.json
# A project's prices grant (they stretch budget.max_usd): held until the
# folder is trusted.
"$AGENTOS" -p "free" --provider anthropic -m test-model --trust-project \
    --base-url "http://127.0.0.1:$T_PORT" --output-format json \
    > "$T_TMP/out3.json" 2> "$T_TMP/err.txt" ||
    { cat "$T_TMP/err.txt" "$T_TMP/out3.json"; fail "exit status 3"; }
python3 - "$T_TMP/out3.json" <<'P' || fail "override"
import json, sys
o = json.load(open(sys.argv[1]))
assert abs(o["total_cost_usd"] - (10 * 2 + 20 * 4) / 1e6) < 1e-12, o
P
exit 0
