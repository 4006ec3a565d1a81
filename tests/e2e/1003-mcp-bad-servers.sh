#!/bin/sh
# Servers that misbehave, headless: a call past mcp.call_timeout is
# cancelled (the server receives notifications/cancelled with the id and a
# reason) and the model is told; a 10 MB result is capped with the cap
# stated; a server that dies mid-call gives an error result, later calls
# say it is not connected, and the session goes on; a server writing lines
# that are not JSON or not JSON-RPC still works; a server that hangs in
# initialize does not hold the first request past mcp.start_timeout.
. "$(dirname "$0")/lib.sh"
make_repo
fake="$top_srcdir/tests/fake-mcp-server.py"
mkdir -p "$XDG_CONFIG_HOME/agentos"
cat > "$XDG_CONFIG_HOME/agentos/config.json" <<J
{"mcp.call_timeout": "5s", "mcp.start_timeout": "8s",
 "mcp": {"servers": {
  "fake": {"command": "python3", "args": ["$fake"],
   "env": {"FAKE_MCP_LOG": "$T_TMP/mcp.jsonl", "FAKE_MCP_PIDFILE": "$T_TMP/pids"}},
  "noisy": {"command": "python3", "args": ["$fake"],
   "env": {"FAKE_MCP_GARBAGE": "1", "FAKE_MCP_PIDFILE": "$T_TMP/pids"}},
  "hang": {"command": "python3", "args": ["$fake", "--hang-init"],
   "env": {"FAKE_MCP_PIDFILE": "$T_TMP/pids"}}}}}
J
cat > "$T_TMP/script.json" <<'J'
[
 {"tool_calls": [{"name": "mcp__noisy__echo", "input": {"text": "through the noise"}}]},
 {"expect": {"contains": "echo: through the noise"},
  "tool_calls": [{"name": "mcp__fake__slow", "input": {"ms": 20000}}]},
 {"expect": {"contains": ["did not answer slow within 5000 ms", "mcp.call_timeout"]},
  "tool_calls": [{"name": "mcp__fake__big", "input": {"bytes": 10000000}}]},
 {"expect": {"contains": ["output capped at 30720 bytes", "10000000 bytes"]},
  "tool_calls": [{"name": "mcp__fake__die", "input": {}}]},
 {"expect": {"contains": "closed the connection during the call of die"},
  "tool_calls": [{"name": "mcp__fake__echo", "input": {"text": "x"}}]},
 {"expect": {"contains": "is not connected"},
  "text": "Survived."}
]
J
start_provider --script "$T_TMP/script.json"
t0=$(date +%s)
"$AGENTOS" -p "misbehave" --provider anthropic \
    --base-url "http://127.0.0.1:$T_PORT" --permission-mode bypass \
    --output-format json > "$T_TMP/out.json" 2> "$T_TMP/err.txt" ||
    { cat "$T_TMP/err.txt" "$T_TMP/out.json"; fail "exit status $?"; }
t1=$(date +%s)
python3 - "$T_TMP/out.json" "$T_PROVIDER_LOG" "$T_TMP/mcp.jsonl" <<'P' || { cat "$T_TMP/err.txt"; fail "results"; }
import json, sys
o = json.load(open(sys.argv[1]))
assert o["result"] == "Survived.", o
reqs = [json.loads(l) for l in open(sys.argv[2])]
assert len(reqs) == 6, len(reqs)
names = [t["name"] for t in reqs[0]["tools"]]
assert "mcp__fake__echo" in names, names
assert not [n for n in names if n.startswith("mcp__hang__")], names
msgs = [json.loads(l) for l in open(sys.argv[3])]
slow = [m for m in msgs if m.get("method") == "tools/call"][0]
canc = [m for m in msgs if m.get("method") == "notifications/cancelled"]
assert canc and canc[0]["params"]["requestId"] == slow["id"], (slow, canc)
assert canc[0]["params"]["reason"], canc
P
# The hanging server held the first request at most ~8 s (start timeout).
[ $((t1 - t0)) -lt 60 ] || fail "took $((t1 - t0)) s"
for pid in $(cat "$T_TMP/pids"); do
	kill -0 "$pid" 2>/dev/null && fail "server $pid outlived agentos"
done
exit 0
