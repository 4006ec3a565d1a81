#!/bin/sh
# mcp-conformance-client.sh: agentos itself as the client command of the
# official MCP conformance suite (tests/e2e/1022).  The suite appends the
# scenario server's URL and sets MCP_CONFORMANCE_SCENARIO.  A throwaway
# HOME configures that URL as the http server "conf"; tests/fake-provider.py
# plays a model that calls the scenario's tool (tools_call: add_numbers
# 2 + 3; sse-retry: test_reconnection; elicitation-sep1034-client-defaults:
# test_client_elicitation_defaults; others: none); agentos -p runs in a
# throwaway repository.  Needs top_srcdir and AGENTOS.  Exit: agentos's.
set -u
for a; do url=$a; done
: "${url:?no URL}" "${top_srcdir:?}" "${AGENTOS:?}"
tmp=$(mktemp -d "${TMPDIR:-/tmp}/agentos-conformance.XXXXXX") || exit 99
pid=
trap '[ -n "$pid" ] && kill "$pid" 2>/dev/null; rm -rf "$tmp"' EXIT
export HOME="$tmp/home" XDG_CONFIG_HOME="$tmp/home/.config" \
    XDG_STATE_HOME="$tmp/home/.local/state"
unset ANTHROPIC_API_KEY ANTHROPIC_BASE_URL OPENAI_API_KEY OPENAI_BASE_URL \
    AGENTOS_PROVIDER AGENTOS_MODEL
mkdir -p "$XDG_CONFIG_HOME/agentos" "$tmp/repo"
# mcp.elicitation "defaults": a headless run accepts a form with its
# defaults (elicitation-sep1034-client-defaults); declining is the default.
printf '{"mcp": {"elicitation": "defaults", "servers": {"conf": {"type": "http", "url": "%s"}}}}\n' \
    "$url" > "$XDG_CONFIG_HOME/agentos/config.json"
case "${MCP_CONFORMANCE_SCENARIO:-}" in
tools_call)
	call='{"name": "mcp__conf__add_numbers", "input": {"a": 2, "b": 3}}' ;;
sse-retry)
	call='{"name": "mcp__conf__test_reconnection", "input": {}}' ;;
elicitation-sep1034-client-defaults)
	call='{"name": "mcp__conf__test_client_elicitation_defaults", "input": {}}' ;;
*)	call= ;;
esac
if [ -n "$call" ]; then
	printf '[{"tool_calls": [%s]}, {"text": "Done."}]\n' "$call"
else
	printf '[{"text": "Done."}]\n'
fi > "$tmp/script.json"
python3 "$top_srcdir/tests/fake-provider.py" --port-file "$tmp/port" \
    --log "$tmp/requests.jsonl" --script "$tmp/script.json" \
    > "$tmp/provider.out" 2>&1 &
pid=$!
i=0
while [ ! -s "$tmp/port" ] && [ $i -lt 600 ]; do sleep 0.05; i=$((i + 1)); done
[ -s "$tmp/port" ] || { cat "$tmp/provider.out" >&2; exit 99; }
cd "$tmp/repo" && git init -q . || exit 99
"$AGENTOS" -p "conformance scenario ${MCP_CONFORMANCE_SCENARIO:-}" \
    --provider anthropic --base-url "http://127.0.0.1:$(cat "$tmp/port")" \
    --permission-mode bypass
