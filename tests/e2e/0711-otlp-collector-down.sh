#!/bin/sh
# OpenTelemetry, a collector that answers 503, hangs, or is absent: the
# headless run ends normally (exit 0, its answer printed) in bounded time,
# the session log is whole, and the dropped spans are reported on stderr.
. "$(dirname "$0")/lib.sh"
make_repo
cat > "$T_TMP/script.json" <<'J'
[
 {"text": "Look.", "tool_calls": [{"name": "read_file", "input": {"path": "hello.txt"}}]},
 {"text": "All done."}
]
J
for mode in 503 hang absent; do
	if [ "$mode" = absent ]; then
		# A port nobody listens on.
		C_PORT=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
	else
		start_collector "$mode" "$T_TMP/spans-$mode.jsonl"
	fi
	rm -f "$T_TMP/port"
	start_provider --script "$T_TMP/script.json"
	t0=$(date +%s)
	OTEL_EXPORTER_OTLP_TRACES_ENDPOINT="http://127.0.0.1:$C_PORT/v1/traces" \
	"$AGENTOS" -p "read hello.txt" --provider anthropic -m test-model \
	    --base-url "http://127.0.0.1:$T_PORT" --output-format json \
	    > "$T_TMP/out.json" 2> "$T_TMP/err.txt" ||
	    { cat "$T_TMP/err.txt"; fail "exit status ($mode)"; }
	t1=$(date +%s)
	# The exit flush waits 2 s at most; generous for a loaded machine.
	[ $((t1 - t0)) -le 20 ] || fail "$mode: the run took $((t1 - t0)) s"
	grep -q "trace: .* dropped" "$T_TMP/err.txt" ||
	    { cat "$T_TMP/err.txt"; fail "$mode: no dropped notice"; }
	python3 - "$T_TMP/out.json" <<'P' || fail "$mode: result"
import json, sys
o = json.load(open(sys.argv[1]))
assert o["subtype"] == "success" and o["result"] == "All done.", o
P
	sid=$(python3 -c 'import json,sys; print(json.load(open(sys.argv[1]))["session_id"])' "$T_TMP/out.json")
	"$AGENTOS" export "$sid" --format jsonl > "$T_TMP/events.jsonl" ||
	    fail "$mode: export"
	grep -q '"type":"turn_end"' "$T_TMP/events.jsonl" ||
	    grep -q '"type": "turn_end"' "$T_TMP/events.jsonl" ||
	    fail "$mode: session log not whole"
	grep -q '"tool_result"' "$T_TMP/events.jsonl" || fail "$mode: no tool_result"
done
[ -s "$T_TMP/spans-503.jsonl.503" ] || fail "the 503 collector saw no request"
exit 0
