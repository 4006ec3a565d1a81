#!/bin/sh
# OpenTelemetry, headless: a run with a tool call sends the span tree to
# the OTLP receiver in both encodings (http/protobuf, the default, and
# http/json): one session root (invoke_agent), a turn under it, chat and
# execute_tool spans under the turn, the GenAI attributes, timing inside
# the session's span; headers from OTEL_EXPORTER_OTLP_HEADERS reach the
# collector; TRACEPARENT makes the session a child of the caller's span;
# the metrics (token usage by type, cost, model-call duration histogram)
# reach /v1/metrics in the same encoding; OTEL_SDK_DISABLED=true sends
# nothing.
. "$(dirname "$0")/lib.sh"
make_repo
cat > "$T_TMP/script.json" <<'J'
[
 {"text": "Look.", "tool_calls": [{"name": "read_file", "input": {"path": "hello.txt"}, "id": "toolu_r1"}],
  "usage": {"input_tokens": 1000, "output_tokens": 200, "cache_read_input_tokens": 50}},
 {"text": "Done.", "usage": {"input_tokens": 100, "output_tokens": 50}}
]
J
start_collector ok "$T_TMP/spans.jsonl"

run() {	# protocol label
	rm -f "$T_TMP/port"
	start_provider --script "$T_TMP/script.json"
	before=$(python3 -c 'import time; print(time.time_ns())')
	OTEL_EXPORTER_OTLP_ENDPOINT="http://127.0.0.1:$C_PORT" \
	OTEL_EXPORTER_OTLP_PROTOCOL="$1" \
	OTEL_EXPORTER_OTLP_HEADERS="x-team=agents,authorization=Bearer%20s3cret" \
	OTEL_SERVICE_NAME="ci-agent" OTEL_RESOURCE_ATTRIBUTES="deployment.environment=ci" \
	TRACEPARENT="${TP:-}" \
	"$AGENTOS" -v -p "read hello.txt" --provider anthropic -m claude-sonnet-4-5 \
	    --base-url "http://127.0.0.1:$T_PORT" --output-format json \
	    > "$T_TMP/out-$2.json" 2> "$T_TMP/err-$2.txt" ||
	    { cat "$T_TMP/err-$2.txt"; fail "exit status $2"; }
	after=$(python3 -c 'import time; print(time.time_ns())')
	grep -q s3cret .git/agentos/debug.log && fail "a header's secret is in the log"
	python3 - "$T_TMP/spans.jsonl" "$T_TMP/out-$2.json" "$2" "$before" "$after" "${TP:-}" <<'P' || fail "span tree $2"
import json, sys
spans = [json.loads(l) for l in open(sys.argv[1])]
sid = json.load(open(sys.argv[2]))["session_id"]
enc, before, after, tp = sys.argv[3], int(sys.argv[4]), int(sys.argv[5]), sys.argv[6]
roots = [s for s in spans if s["attributes"].get("agentos.session.id") == sid
         and s["attributes"].get("gen_ai.operation.name") == "invoke_agent"]
assert len(roots) == 1, roots
root = roots[0]
tid = root["traceId"]
mine = [s for s in spans if s["traceId"] == tid]
assert all(s["encoding"] == enc for s in mine), enc
if tp:
    assert tid == tp.split("-")[1] and root["parentSpanId"] == tp.split("-")[2], root
else:
    assert root["parentSpanId"] == "", root
assert before <= root["start"] <= root["end"] <= after, (before, root, after)
assert root["resource"]["service.name"] == "ci-agent", root["resource"]
assert root["resource"]["deployment.environment"] == "ci", root["resource"]
assert root["headers"]["x-team"] == "agents", root["headers"]
assert root["headers"]["authorization"] == "Bearer s3cret", root["headers"]
turns = [s for s in mine if s["parentSpanId"] == root["spanId"]]
assert len(turns) == 1 and turns[0]["attributes"]["agentos.turn"] == 1, turns
turn = turns[0]
kids = [s for s in mine if s["parentSpanId"] == turn["spanId"]]
chats = [s for s in kids if s["attributes"].get("gen_ai.operation.name") == "chat"]
tools = [s for s in kids if s["attributes"].get("gen_ai.operation.name") == "execute_tool"]
assert len(chats) == 2 and len(tools) == 1 and len(mine) == 5, [s["name"] for s in mine]
c = sorted(chats, key=lambda s: s["start"])
a = c[0]["attributes"]
assert a["gen_ai.provider.name"] == "anthropic", a
assert a["gen_ai.request.model"] == "claude-sonnet-4-5", a
assert a["gen_ai.response.model"] == "claude-sonnet-4-5", a
assert a["gen_ai.usage.input_tokens"] == 1000 and a["gen_ai.usage.output_tokens"] == 200, a
assert a["agentos.usage.cache_read_tokens"] == 50, a
assert a["gen_ai.response.finish_reasons"] == ["tool_use"], a
assert a["agentos.cost_usd"] > 0, a
assert c[1]["attributes"]["gen_ai.response.finish_reasons"] == ["end_turn"], c[1]
assert c[0]["kind"] == 3, c[0]
t = tools[0]["attributes"]
assert t["gen_ai.tool.name"] == "read_file" and t["gen_ai.tool.call.id"] == "toolu_r1", t
assert "agentos.approval.decision" in t, t
assert "gen_ai.tool.call.arguments" not in t and "gen_ai.tool.call.result" not in t, t
assert tools[0]["status"]["code"] != 2, tools[0]
for s in mine:
    assert s["start"] <= s["end"], s
    assert root["start"] <= s["start"] and s["end"] <= root["end"], (s, root)
assert c[0]["end"] <= tools[0]["start"] <= tools[0]["end"] <= c[1]["start"], (c, tools)
# The metrics of the run: the last post to /v1/metrics.
m = [json.loads(l) for l in open(sys.argv[1] + ".metrics")][-1]
assert ("json" in m["encoding"]) == (enc == "json"), m["encoding"]
m = m["metrics"]
tok = {p["attributes"]["gen_ai.token.type"]: p["value"] for p in m["gen_ai.client.token.usage"]["points"]}
assert tok == {"input": 1100, "output": 250, "cache_read": 50, "cache_write": 0}, tok
p = m["gen_ai.client.token.usage"]["points"][0]["attributes"]
assert p["gen_ai.provider.name"] == "anthropic" and p["gen_ai.request.model"] == "claude-sonnet-4-5", p
assert abs(m["agentos.cost.usd"]["points"][0]["value"] - a["agentos.cost_usd"] - c[1]["attributes"]["agentos.cost_usd"]) < 1e-9, m
h = m["gen_ai.client.operation.duration"]["points"][0]
assert h["count"] == 2 and sum(h["buckets"]) == 2 and len(h["buckets"]) == 15 and h["sum"] >= 0, h
P
}
run http/protobuf protobuf
run http/json json
TP=00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01 run http/protobuf protobuf

# Disabled: nothing is sent.
n=$(wc -l < "$T_TMP/spans.jsonl")
rm -f "$T_TMP/port"
start_provider --script "$T_TMP/script.json"
OTEL_SDK_DISABLED=true OTEL_EXPORTER_OTLP_ENDPOINT="http://127.0.0.1:$C_PORT" \
"$AGENTOS" -p "read hello.txt" --provider anthropic -m claude-sonnet-4-5 \
    --base-url "http://127.0.0.1:$T_PORT" > /dev/null 2>&1 || fail "disabled run"
sleep 1
[ "$(wc -l < "$T_TMP/spans.jsonl")" = "$n" ] || fail "OTEL_SDK_DISABLED sent spans"
exit 0
