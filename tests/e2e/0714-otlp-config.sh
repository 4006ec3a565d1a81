#!/bin/sh
# OpenTelemetry from the configuration: trace.endpoint, trace.protocol,
# trace.headers and trace.service_name in the user's config.json export
# spans with no OTEL_* variable set; the same keys in a repository's
# .agentos/config.json are ignored (a cloned repository must not send the
# user's sessions elsewhere); OTEL_EXPORTER_OTLP_ENDPOINT wins over config.
. "$(dirname "$0")/lib.sh"
make_repo
cat > "$T_TMP/script.json" <<'J'
[{"text": "Done."}, {"text": "Done."}, {"text": "Done."}]
J
start_collector ok "$T_TMP/spans.jsonl"
start_provider --script "$T_TMP/script.json"
unset OTEL_EXPORTER_OTLP_ENDPOINT OTEL_EXPORTER_OTLP_TRACES_ENDPOINT
export XDG_CONFIG_HOME="$T_TMP/xdg"
mkdir -p "$XDG_CONFIG_HOME/agentos"
run() {
	"$AGENTOS" -p "hi $1" --provider anthropic -m test-model \
	    --base-url "http://127.0.0.1:$T_PORT" > "$T_TMP/out.txt" \
	    2> "$T_TMP/err.txt" || { cat "$T_TMP/err.txt"; fail "exit ($1)"; }
}

# The project asks for an endpoint: nothing is sent.
mkdir -p .agentos
printf '{"trace.endpoint": "http://127.0.0.1:%s"}\n' "$C_PORT" \
    > .agentos/config.json
run project
sleep 1
[ -s "$T_TMP/spans.jsonl" ] && fail "the project's trace.endpoint was used"
rm -r .agentos

# The user's config: spans arrive, JSON encoded, with its header and name.
cat > "$XDG_CONFIG_HOME/agentos/config.json" <<J
{"trace.endpoint": "http://127.0.0.1:$C_PORT", "trace.protocol": "http/json",
 "trace.headers": "x-team=blue", "trace.service_name": "ci-agent"}
J
run user
python3 - "$T_TMP/spans.jsonl" <<'P' || fail "spans from the user's config"
import json, sys
sp = [json.loads(l) for l in open(sys.argv[1])]
root = [s for s in sp if s["parentSpanId"] in ("", None)]
assert len(root) == 1, root
assert all(s["encoding"] == "json" for s in sp), sp
assert root[0]["resource"].get("service.name") == "ci-agent", root[0]
hdr = {k.lower(): v for k, v in root[0]["headers"].items()}
assert hdr.get("x-team") == "blue", hdr
P
# The variable wins: a dead endpoint in the environment, nothing more here.
n=$(wc -l < "$T_TMP/spans.jsonl")
OTEL_EXPORTER_OTLP_ENDPOINT="http://127.0.0.1:9" run env
sleep 1
[ "$(wc -l < "$T_TMP/spans.jsonl")" = "$n" ] || fail "config won over the variable"
exit 0
