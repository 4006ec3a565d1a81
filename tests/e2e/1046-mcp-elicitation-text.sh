#!/bin/sh
# TUI, elicitation form: the server's whole message is shown, each of its
# lines wrapped to the terminal (not only the first line), and under each
# field its title and its description, wrapped too; the form still
# answers with what was typed.
. "$(dirname "$0")/lib.sh"
make_repo
mkdir -p "$XDG_CONFIG_HOME/agentos"
cat > "$XDG_CONFIG_HOME/agentos/config.json" <<J
{"mcp": {"servers": {"fake": {"command": "python3",
 "args": ["$top_srcdir/tests/fake-mcp-server.py"],
 "env": {"FAKE_MCP_LOG": "$T_TMP/mcp.jsonl", "FAKE_MCP_ELICIT": "1"}}}}}
J
cat > "$T_TMP/script.json" <<'J'
[
 {"tool_calls": [{"name": "mcp__fake__askmore", "input": {}}]},
 {"expect": {"contains": "\\\"owner\\\": \\\"Grace\\\""}, "text": "Form answered."}
]
J
start_provider --script "$T_TMP/script.json"
start_agentos --base-url "http://127.0.0.1:$T_PORT"
wait_for '/help'
send_keys 'ask more' Enter
wait_for 'Allow this call\?'
send_keys y
wait_for 'MCP server fake asks for input'
wait_for '^  Before the deploy goes on, some details\.'
wait_for '^  The release train leaves at noon'
# The long line wraps: its end is on a row of its own, indented.
wait_for '^  .*WRAPPED-END'
screen | grep -q 'The release train.*WRAPPED-END' &&
    fail "the long line was cut, not wrapped"
wait_for '^  LAST-LINE of the message\.'
wait_for 'Owner\*: '
wait_for '^    Who answers the pager for this change\.'
wait_for 'Window: '
wait_for '^    Minutes the change may take'
wait_for '^    .*DESC-WRAPPED-END'
send_keys 'Grace' Enter
wait_for 'Form answered\.'
exit 0
