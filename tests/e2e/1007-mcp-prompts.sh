#!/bin/sh
# A server's prompts are slash commands: /mcp lists /mcp__fake__greet,
# "/mcp__fake__greet Ada warm and kind" gets the prompt (the last argument
# takes the rest of the line) and sends its text as the user's message;
# a missing required argument is an error, and nothing is sent.
. "$(dirname "$0")/lib.sh"
make_repo
mkdir -p "$XDG_CONFIG_HOME/agentos"
cat > "$XDG_CONFIG_HOME/agentos/config.json" <<J
{"mcp": {"servers": {"fake": {"command": "python3",
 "args": ["$top_srcdir/tests/fake-mcp-server.py"],
 "env": {"FAKE_MCP_LOG": "$T_TMP/mcp.jsonl"}}}}}
J
cat > "$T_TMP/script.json" <<'J'
[
 {"expect": {"contains": "Say hello to Ada in warm and kind style."}, "text": "Hello, Ada."}
]
J
start_provider --script "$T_TMP/script.json"
start_agentos --base-url "http://127.0.0.1:$T_PORT"
wait_for '/help'
# The server starts in the background: ask again until it is ready.
_end=$(( $(date +%s) + T_WAIT ))
until screen | grep -q '/mcp__fake__greet (prompt)'; do
	[ "$(date +%s)" -le "$_end" ] || fail "no prompt listed"
	send_keys '/mcp' Enter
	sleep 1
done
send_keys '/mcp__fake__greet' Enter
wait_for 'needs the argument who'
send_keys '/mcp__fake__greet Ada warm and kind' Enter
wait_for 'Hello, Ada\.'
python3 - "$T_TMP/mcp.jsonl" <<'P' || fail "prompts/get params"
import json, sys
msgs = [json.loads(l) for l in open(sys.argv[1])]
g = [m for m in msgs if m.get("method") == "prompts/get"]
assert len(g) == 1, g
assert g[0]["params"] == {"name": "greet", "arguments": {"who": "Ada", "style": "warm and kind"}}, g
P
exit 0
