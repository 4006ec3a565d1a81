#!/bin/sh
# TUI, Tab on a server prompt's slash command: "/mcp__" completes the
# prompts' names; on a server declaring the completions capability an
# argument completes by completion/complete (ref/prompt, the argument and
# what is typed, the earlier arguments as context.arguments), several
# candidates listed; on a server without it Tab names the prompt's
# declared arguments, the one being typed bracketed.  The completed line
# runs the prompt.
. "$(dirname "$0")/lib.sh"
make_repo
fake="$top_srcdir/tests/fake-mcp-server.py"
mkdir -p "$XDG_CONFIG_HOME/agentos"
cat > "$XDG_CONFIG_HOME/agentos/config.json" <<J
{"mcp": {"servers": {
 "fake": {"command": "python3", "args": ["$fake"],
  "env": {"FAKE_MCP_LOG": "$T_TMP/mcp.jsonl", "FAKE_MCP_COMPLETIONS": "1"}},
 "plain": {"command": "python3", "args": ["$fake"],
  "env": {"FAKE_MCP_LOG": "$T_TMP/plain.jsonl"}}}}}
J
cat > "$T_TMP/script.json" <<'J'
[
 {"expect": {"contains": "Say hello to Grace in gracious style."}, "text": "Hello, Grace."}
]
J
start_provider --script "$T_TMP/script.json"
start_agentos --base-url "http://127.0.0.1:$T_PORT"
wait_for '/help'
# The servers start in the background: ask until both list the prompt.
_end=$(( $(date +%s) + T_WAIT ))
until screen | grep -q '/mcp__plain__greet (prompt)' &&
    screen | grep -q '/mcp__fake__greet (prompt)'; do
	[ "$(date +%s)" -le "$_end" ] || fail "no prompts listed"
	send_keys '/mcp' Enter
	sleep 1
done
send_keys C-u '/mcp__' Tab
wait_for '/mcp__fake__greet  /mcp__plain__greet'
send_keys 'f' Tab
wait_for '> /mcp__fake__greet *$'
# Two candidates: listed, the line keeps what they share.
send_keys 'A' Tab
wait_for '^• Ada  Alan$'
wait_for '> /mcp__fake__greet A$'
send_keys BSpace 'G' Tab
wait_for '> /mcp__fake__greet Grace *$'
# style completes by who (context.arguments): Grace's are gracious, grand.
send_keys 'gr' Tab
wait_for '^• gracious  grand$'
# The line takes what they share.
wait_for '> /mcp__fake__greet Grace gra$'
send_keys 'c' Tab
wait_for '> /mcp__fake__greet Grace gracious$'
# Without the capability: the declared arguments, the current bracketed.
send_keys C-u '/mcp__plain__greet ' Tab
wait_for 'arguments: \[who\*\] style'
send_keys 'Bob ' Tab
wait_for 'arguments: who\* \[style\]'
send_keys C-u '/mcp__fake__greet Grace grac' Tab
wait_for '> /mcp__fake__greet Grace gracious$'
send_keys Enter
wait_for 'Hello, Grace\.'
python3 - "$T_TMP/mcp.jsonl" "$T_TMP/plain.jsonl" <<'P' || fail "completion/complete params"
import json, sys
msgs = [json.loads(l) for l in open(sys.argv[1])]
c = [m["params"] for m in msgs if m.get("method") == "completion/complete"]
assert c[0] == {"ref": {"type": "ref/prompt", "name": "greet"},
                "argument": {"name": "who", "value": "A"}}, c
style = [p for p in c if p["argument"]["name"] == "style"]
assert style and style[0]["context"] == {"arguments": {"who": "Grace"}}, c
plain = [json.loads(l) for l in open(sys.argv[2])]
assert not [m for m in plain if m.get("method") == "completion/complete"]
P
exit 0
