#!/bin/sh
# Servers that misbehave, the cases 1003 leaves out: a server that exits
# at start and one whose command does not exist are named with their exit
# status and stderr; one that hangs in initialize is named with
# mcp.start_timeout; a server answering a call with a response that has no
# result, or a result that is not an object, gives an error result saying
# so (not "no content"); a server that never answers a cancelled call and
# ignores SIGTERM, SIGHUP and the end of its stdin is still gone once
# agentos ends, as is the hanging one; the session goes on throughout.
. "$(dirname "$0")/lib.sh"
make_repo
fake="$top_srcdir/tests/fake-mcp-server.py"
mkdir -p "$XDG_CONFIG_HOME/agentos"
cat > "$XDG_CONFIG_HOME/agentos/config.json" <<J
{"mcp.call_timeout": "4s", "mcp.start_timeout": "3s",
 "mcp": {"servers": {
  "fake": {"command": "python3", "args": ["$fake"],
   "env": {"FAKE_MCP_BAD": "1", "FAKE_MCP_STUBBORN": "1",
    "FAKE_MCP_LOG": "$T_TMP/mcp.jsonl", "FAKE_MCP_PIDFILE": "$T_TMP/pids"}},
  "crash": {"command": "python3", "args": ["$fake", "--crash-on-start"]},
  "nosuch": {"command": "$T_TMP/no-such-server"},
  "hang": {"command": "python3", "args": ["$fake", "--hang-init"],
   "env": {"FAKE_MCP_STUBBORN": "1", "FAKE_MCP_PIDFILE": "$T_TMP/pids"}}}}}
J
cat > "$T_TMP/script.json" <<'J'
[
 {"tool_calls": [{"name": "mcp__fake__badrpc", "input": {}}]},
 {"expect": {"contains": "invalid answer to the call of badrpc: no result"},
  "tool_calls": [{"name": "mcp__fake__badresult", "input": {}}]},
 {"expect": {"contains": "invalid answer to the call of badresult: a string"},
  "tool_calls": [{"name": "mcp__fake__slow", "input": {"ms": 600000}}]},
 {"expect": {"contains": "did not answer slow within 4000 ms"},
  "tool_calls": [{"name": "mcp__fake__echo", "input": {"text": "still here"}}]},
 {"expect": {"contains": "echo: still here"}, "text": "Survived."}
]
J
start_provider --script "$T_TMP/script.json"
"$AGENTOS" -p "misbehave" --provider anthropic \
    --base-url "http://127.0.0.1:$T_PORT" --permission-mode bypass \
    > "$T_TMP/out.txt" 2> "$T_TMP/err.txt" ||
    { cat "$T_TMP/err.txt" "$T_TMP/out.txt"; fail "exit status $?"; }
grep -q 'Survived\.' "$T_TMP/out.txt" || { cat "$T_TMP/out.txt"; fail "result"; }
grep -q 'MCP server crash failed: the server exited with status 3 (stderr: fake-mcp: crashing on start)' \
    "$T_TMP/err.txt" || { cat "$T_TMP/err.txt"; fail "crash message"; }
grep -q 'MCP server nosuch failed: .*status 127.*no-such-server' \
    "$T_TMP/err.txt" || { cat "$T_TMP/err.txt"; fail "nosuch message"; }
grep -q 'MCP server hang failed: no answer to initialize within 3000 ms (mcp.start_timeout)' \
    "$T_TMP/err.txt" || { cat "$T_TMP/err.txt"; fail "hang message"; }
# The call timed out was cancelled on the wire.
grep -q '"notifications/cancelled"' "$T_TMP/mcp.jsonl" || fail "no cancel sent"
[ "$(wc -l < "$T_TMP/pids")" -eq 2 ] || fail "not two servers started"
# Gone once agentos is (waited for: a killed process takes a moment to be
# reaped by init, and kill -0 finds a zombie).
end=$(( $(date +%s) + T_WAIT ))
for pid in $(cat "$T_TMP/pids"); do
	while kill -0 "$pid" 2>/dev/null && [ "$(date +%s)" -le "$end" ]; do
		sleep 0.1
	done
	kill -0 "$pid" 2>/dev/null && { kill -9 "$pid"; fail "server $pid outlived agentos"; }
done
exit 0
