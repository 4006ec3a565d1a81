#!/bin/sh
# TUI, ask mode: a server tool call is asked about ("Allow this call?"),
# a snapshot is taken before it runs, so Alt-z removes the file the server
# wrote; /mcp shows the server ready with its tools; Esc cancels a slow
# call (its progress shown while it runs) and the server receives notifications/cancelled for it; /mcp
# disable takes the server's tools away (and ends a call in flight with an
# error), /mcp reconnect brings it back.
. "$(dirname "$0")/lib.sh"
make_repo
mkdir -p "$XDG_CONFIG_HOME/agentos"
cat > "$XDG_CONFIG_HOME/agentos/config.json" <<J
{"mcp": {"servers": {"fake": {"command": "python3",
 "args": ["$top_srcdir/tests/fake-mcp-server.py"],
 "env": {"FAKE_MCP_LOG": "$T_TMP/mcp.jsonl", "FAKE_MCP_PIDFILE": "$T_TMP/pids"}}}}}
J
cat > "$T_TMP/script.json" <<'J'
[
 {"tool_calls": [{"name": "mcp__fake__write", "input": {"path": "made.txt", "text": "from the server\n"}}]},
 {"expect": {"contains": "wrote made.txt"}, "text": "The server wrote it."},
 {"tool_calls": [{"name": "mcp__fake__slow", "input": {"ms": 60000}}]},
 {"expect": {"contains": "notifications/cancelled"}, "text": "After the cancel."},
 {"expect": {"not_contains": "mcp__fake__echo"}, "text": "No server tools now."},
 {"tool_calls": [{"name": "mcp__fake__slow", "input": {"ms": 60000}}]},
 {"expect": {"contains": "stopped during the call (disabled for this session)"}, "text": "Server gone."}
]
J
start_provider --script "$T_TMP/script.json"
start_agentos --base-url "http://127.0.0.1:$T_PORT"
wait_for '/help'
send_keys 'write a file' Enter
wait_for 'Allow this call\?'
wait_for 'mcp__fake__write'
[ -f made.txt ] && fail "the server wrote before the approval"
send_keys y
wait_for 'The server wrote it\.'
[ "$(cat made.txt)" = "from the server" ] || fail "made.txt not written"
send_keys M-z
wait_for 'Restored the files to before the last agent change'
[ -f made.txt ] && fail "Alt-z did not remove the file the server wrote"
send_keys '/mcp' Enter
wait_for 'fake: ready, 9 tools'
send_keys 'be slow' Enter
wait_for 'Allow this call\?'
send_keys y
wait_for 'Esc to stop'
# Progress notifications show on the tool's line.
wait_for '\[progress [0-9]+/10\] step [0-9]+'
send_keys Escape
_end=$(( $(date +%s) + T_WAIT ))
until grep -q 'notifications/cancelled' "$T_TMP/mcp.jsonl" 2>/dev/null; do
	[ "$(date +%s)" -le "$_end" ] || fail "no notifications/cancelled"
	sleep 0.1
done
python3 - "$T_TMP/mcp.jsonl" <<'P' || fail "cancelled params"
import json, sys
msgs = [json.loads(l) for l in open(sys.argv[1])]
slow = [m for m in msgs if m.get("method") == "tools/call" and m["params"]["name"] == "slow"][0]
c = [m for m in msgs if m.get("method") == "notifications/cancelled"][0]
assert c["params"]["requestId"] == slow["id"], (c, slow)
assert "user" in c["params"]["reason"], c
P
wait_gone 'Esc to stop' "still busy after Esc"
send_keys 'go on' Enter
wait_for 'After the cancel\.'
send_keys '/mcp disable fake' Enter
wait_for 'fake: disabled'
send_keys 'and now' Enter
wait_for 'No server tools now\.'
send_keys '/mcp reconnect fake' Enter
# A new process, initialized and listed again.
_end=$(( $(date +%s) + T_WAIT ))
until [ "$(grep -c '"tools/list"' "$T_TMP/mcp.jsonl")" -ge 2 ]; do
	[ "$(date +%s)" -le "$_end" ] || fail "not listed again after reconnect"
	sleep 0.2
done
[ "$(wc -l < "$T_TMP/pids")" -eq 2 ] || fail "reconnect did not start a new server"
kill -0 "$(head -1 "$T_TMP/pids")" 2>/dev/null && fail "the old server still runs"
send_keys '/mcp reconnect nosuch' Enter
wait_for 'no MCP server "nosuch"'
# Disabled during a call: the call ends with an error, the turn goes on.
send_keys 'slow again' Enter
wait_for 'Allow this call\?'
send_keys y
wait_for '\[progress [0-9]+/10\]'
send_keys '/mcp disable fake' Enter
wait_for 'Server gone\.'
exit 0
