#!/bin/sh
# Folder trust and a repository's .mcp.json in the TUI: the question names
# the server's command; "n" leaves it not started (/mcp: not trusted), "t"
# starts it in that session (/mcp: ready).
. "$(dirname "$0")/lib.sh"
make_repo
cat > .mcp.json <<J
{"mcpServers": {"fake": {"command": "python3",
 "args": ["$top_srcdir/tests/fake-mcp-server.py"],
 "env": {"FAKE_MCP_LOG": "$T_TMP/mcp.jsonl"}}}}
J
echo '[{"text": "hello"}]' > "$T_TMP/script.json"
start_provider --script "$T_TMP/script.json"

start_agentos --base-url "http://127.0.0.1:$T_PORT"
wait_for 'Trust this repository\?'
wait_for 'server fake: runs python3 .*fake-mcp-server.py'
send_keys n
wait_for 'Not trusted'
send_keys '/mcp' Enter
wait_for 'fake: not trusted'
[ -s "$T_TMP/mcp.jsonl" ] && fail "the untrusted server was started"

restart_agentos --base-url "http://127.0.0.1:$T_PORT"
wait_for 'Trust this repository\?'
send_keys t
wait_for 'Trusted '
# /mcp shows the state when typed: ask until the server is ready.
end=$(( $(date +%s) + T_WAIT ))
while [ "$(date +%s)" -le "$end" ]; do
	send_keys '/mcp' Enter
	sleep 1
	screen | grep -q 'fake: ready' && break
done
wait_for 'fake: ready' 1
[ -s "$T_TMP/mcp.jsonl" ] || fail "the trusted server did not start"
exit 0
