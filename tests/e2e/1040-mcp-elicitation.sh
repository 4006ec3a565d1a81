#!/bin/sh
# MCP elicitation (Client / Elicitation, 2025-11-25): the initialize
# declares the elicitation capability (form and url); a server asking for
# input during a tool call gets a form in the TUI built from its schema
# (defaults filled in, required fields marked, values checked: an empty
# required field and a non-integer are refused with the field named), and
# the answer per spec: accept with the typed content, cancel on Esc,
# decline on C-d; URL mode shows the URL and opens nothing.  Headless, the
# same request is declined (mcp.elicitation "decline", the default) or,
# with mcp.elicitation "defaults", accepted with the schema's defaults
# when every required field has one (declined here: age has none).
. "$(dirname "$0")/lib.sh"
make_repo
mkdir -p "$XDG_CONFIG_HOME/agentos"
config() {
	cat > "$XDG_CONFIG_HOME/agentos/config.json" <<J
{"mcp": {"elicitation": "$1",
 "servers": {"fake": {"command": "python3",
 "args": ["$top_srcdir/tests/fake-mcp-server.py"],
 "env": {"FAKE_MCP_LOG": "$T_TMP/mcp.jsonl", "FAKE_MCP_ELICIT": "1"}}}}}
J
}
config decline
cat > "$T_TMP/script.json" <<'J'
[
 {"tool_calls": [{"name": "mcp__fake__ask", "input": {}}]},
 {"expect": {"contains": "elicited"}, "text": "Form answered."},
 {"tool_calls": [{"name": "mcp__fake__ask", "input": {}}]},
 {"expect": {"contains": "elicited"}, "text": "Second answered."},
 {"tool_calls": [{"name": "mcp__fake__askurl", "input": {}}]},
 {"expect": {"contains": "elicited"}, "text": "URL answered."},
 {"tool_calls": [{"name": "mcp__fake__ask", "input": {}}]},
 {"expect": {"contains": "elicited"}, "text": "Declined answered."}
]
J
start_provider --script "$T_TMP/script.json"
start_agentos --base-url "http://127.0.0.1:$T_PORT"
wait_for '/help'
send_keys 'ask me' Enter
wait_for 'Allow this call\?'
send_keys y
wait_for 'MCP server fake asks for input'
wait_for 'Tell me about you\.'
wait_for 'Your name\*: Ada'
wait_for 'Age\*: '
wait_for 'color: < green >'
wait_for 'subscribe: \[yes\]'
# Enter with the required age empty: refused, naming the field.
send_keys Enter
wait_for 'Age: required'
send_keys 'abc' Enter
wait_for 'Age: not an integer'
send_keys BSpace BSpace BSpace '42'
# Space cycles the enum (green -> blue) on the color row.
send_keys Tab
send_keys Space
wait_for 'color: < blue >'
send_keys Enter
wait_for 'Form answered\.'
send_keys 'again' Enter
wait_for 'Allow this call\?'
send_keys y
wait_for 'MCP server fake asks for input'
send_keys Escape
wait_for 'Second answered\.'
send_keys 'a url' Enter
wait_for 'Allow this call\?'
send_keys y
wait_for 'URL: https://example\.com/signin\?x=1'
wait_for 'agentos does not open it'
send_keys y
wait_for 'URL answered\.'
send_keys 'decline it' Enter
wait_for 'Allow this call\?'
send_keys y
wait_for 'MCP server fake asks for input'
send_keys C-d
wait_for 'Declined answered\.'
python3 - "$T_TMP/mcp.jsonl" <<'P' || fail "initialize or answers"
import json, sys
msgs = [json.loads(l) for l in open(sys.argv[1])]
init = [m for m in msgs if m.get("method") == "initialize"][0]
assert init["params"]["capabilities"]["elicitation"] == \
    {"form": {}, "url": {}}, init
ans = [m for m in msgs if str(m.get("id", "")).startswith("ask-")]
acts = [a["result"]["action"] for a in ans]
assert acts == ["accept", "cancel", "accept", "decline"], ans
assert ans[0]["result"]["content"] == {"name": "Ada", "age": 42,
    "color": "blue", "subscribe": True}, ans[0]
for a in ans[1:]:
    assert "content" not in a["result"], a
P
# Headless: declined by default, and with "defaults" too (age has none).
for mode in decline defaults; do
	rm -f "$T_TMP/mcp.jsonl" "$T_TMP/port"
	config $mode
	cat > "$T_TMP/script2.json" <<'J'
[{"tool_calls": [{"name": "mcp__fake__ask", "input": {}}]},
 {"expect": {"contains": "decline"}, "text": "Headless done."}]
J
	start_provider --script "$T_TMP/script2.json"
	"$AGENTOS" -p "ask" --provider anthropic --permission-mode bypass \
	    --base-url "http://127.0.0.1:$T_PORT" > "$T_TMP/out.txt" 2>&1 ||
	    { cat "$T_TMP/out.txt"; fail "headless $mode: exit status"; }
	grep -q 'Headless done\.' "$T_TMP/out.txt" ||
	    { cat "$T_TMP/out.txt"; fail "headless $mode"; }
	grep -q '"action": "decline"' "$T_TMP/mcp.jsonl" ||
	    fail "headless $mode did not decline"
done
exit 0
