#!/bin/sh
# No orphan: agentos killed with SIGKILL while a server tool call runs
# leaves no MCP server process behind (the death guard kills the group),
# nor a child the server started.
. "$(dirname "$0")/lib.sh"
make_repo
mkdir -p "$XDG_CONFIG_HOME/agentos"
# The server starts a grandchild (sleep) that must die with it.
cat > "$T_TMP/srv.sh" <<S
#!/bin/sh
sleep 3600 &
echo \$! >> "$T_TMP/pids"
exec python3 "$top_srcdir/tests/fake-mcp-server.py"
S
chmod +x "$T_TMP/srv.sh"
cat > "$XDG_CONFIG_HOME/agentos/config.json" <<J
{"mcp": {"servers": {"fake": {"command": "$T_TMP/srv.sh",
 "env": {"FAKE_MCP_LOG": "$T_TMP/mcp.jsonl", "FAKE_MCP_PIDFILE": "$T_TMP/pids"}}}}}
J
cat > "$T_TMP/script.json" <<'J'
[{"tool_calls": [{"name": "mcp__fake__slow", "input": {"ms": 600000}}]}]
J
start_provider --script "$T_TMP/script.json"
"$AGENTOS" -p "be slow" --provider anthropic \
    --base-url "http://127.0.0.1:$T_PORT" --permission-mode bypass \
    > "$T_TMP/out" 2> "$T_TMP/err" &
apid=$!
_end=$(( $(date +%s) + T_WAIT ))
until grep -q '"tools/call"' "$T_TMP/mcp.jsonl" 2>/dev/null; do
	[ "$(date +%s)" -le "$_end" ] || { kill -9 $apid; cat "$T_TMP/err"; fail "no tools/call"; }
	sleep 0.1
done
[ "$(wc -l < "$T_TMP/pids")" -eq 2 ] || { kill -9 $apid; fail "pids: $(cat "$T_TMP/pids")"; }
kill -9 $apid
wait $apid 2>/dev/null
_end=$(( $(date +%s) + T_WAIT ))
for pid in $(cat "$T_TMP/pids"); do
	while kill -0 "$pid" 2>/dev/null; do
		[ "$(date +%s)" -le "$_end" ] || fail "process $pid outlived agentos (SIGKILL)"
		sleep 0.1
	done
done
exit 0
