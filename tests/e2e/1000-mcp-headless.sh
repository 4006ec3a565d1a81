#!/bin/sh
# MCP over stdio, headless: a server from the user's config (mcp.servers)
# starts in the background, the first request waits for it and offers its
# tools as mcp__fake__* (both pages of tools/list), the model calls
# mcp__fake__echo and gets the server's text back; isError and
# structuredContent come through; the initialize the server received is
# the 2025-11-25 one, with roots, followed by notifications/initialized;
# the session log records the server ready and its log messages.
. "$(dirname "$0")/lib.sh"
make_repo
mkdir -p "$XDG_CONFIG_HOME/agentos"
cat > "$XDG_CONFIG_HOME/agentos/config.json" <<J
{"mcp": {"servers": {"fake": {"command": "python3",
 "args": ["$top_srcdir/tests/fake-mcp-server.py", "--pages", "2"],
 "env": {"FAKE_MCP_LOG": "\${MCPLOG}",
  "FAKE_MCP_PIDFILE": "\${MCPPIDS:-/nonexistent}"}}}}}
J
export MCPLOG="$T_TMP/mcp.jsonl" MCPPIDS="$T_TMP/mcp.pids"
cat > "$T_TMP/script.json" <<'J'
[
 {"tool_calls": [{"name": "mcp__fake__echo", "input": {"text": "hi there"}}]},
 {"expect": {"contains": "echo: hi there"},
  "tool_calls": [{"name": "mcp__fake__fail", "input": {}}]},
 {"expect": {"contains": "it failed on purpose"},
  "tool_calls": [{"name": "mcp__fake__structured", "input": {}}]},
 {"expect": {"contains": "{\\\"answer\\\":42}"},
  "tool_calls": [{"name": "mcp__fake__image", "input": {}}]},
 {"expect": {"contains": ["[image/png, 3 bytes]", "file:///x.txt"]},
  "text": "Done."}
]
J
start_provider --script "$T_TMP/script.json"
"$AGENTOS" -p "use the fake server" --provider anthropic \
    --base-url "http://127.0.0.1:$T_PORT" --permission-mode bypass \
    --output-format json > "$T_TMP/out.json" 2> "$T_TMP/err.txt" ||
    { cat "$T_TMP/err.txt" "$T_TMP/out.json"; fail "exit status $?"; }
python3 - "$T_TMP/out.json" "$T_PROVIDER_LOG" "$MCPLOG" <<'P' || { cat "$T_TMP/err.txt"; fail "requests or server log"; }
import json, sys
o = json.load(open(sys.argv[1]))
assert o["result"] == "Done.", o
reqs = [json.loads(l) for l in open(sys.argv[2])]
assert len(reqs) == 5, len(reqs)
names = [t["name"] for t in reqs[0]["tools"]]
for n in ("mcp__fake__echo", "mcp__fake__roots", "mcp__fake__slow"):
    assert n in names, (n, names)
echo = [t for t in reqs[0]["tools"] if t["name"] == "mcp__fake__echo"][0]
assert echo["description"] == "Echo the text back.", echo
assert echo["input_schema"]["required"] == ["text"], echo
res = reqs[1]["messages"][-1]["content"][0]
assert res["type"] == "tool_result" and "echo: hi there" in json.dumps(res), res
err = reqs[2]["messages"][-1]["content"][0]
assert err.get("is_error") is True, err
msgs = [json.loads(l) for l in open(sys.argv[3])]
init = msgs[0]
assert init["method"] == "initialize", init
assert init["params"]["protocolVersion"] == "2025-11-25", init
assert init["params"]["clientInfo"]["name"] == "agentos", init
assert "roots" in init["params"]["capabilities"], init
assert msgs[1]["method"] == "notifications/initialized", msgs[1]
lists = [m for m in msgs if m.get("method") == "tools/list"]
assert len(lists) == 2 and lists[1]["params"]["cursor"] == "1", lists
calls = [m for m in msgs if m.get("method") == "tools/call"]
assert calls[0]["params"]["name"] == "echo", calls[0]
assert calls[0]["params"]["arguments"] == {"text": "hi there"}, calls[0]
assert "progressToken" in calls[0]["params"]["_meta"], calls[0]
P
# The session log has the server's readiness and its log message.
sid=$(python3 -c 'import json,sys; print(json.load(open(sys.argv[1]))["session_id"])' "$T_TMP/out.json")
"$AGENTOS" export "$sid" --format jsonl > "$T_TMP/events.jsonl" 2>&1 ||
    { cat "$T_TMP/events.jsonl"; fail "export"; }
python3 - "$T_TMP/events.jsonl" <<'P' || fail "mcp events"
import json, sys
ev = [json.loads(l) for l in open(sys.argv[1]) if l.strip()]
mcp = [e["data"] for e in ev if e["type"] == "mcp"]
assert {"server": "fake", "what": "ready", "tools": 9} in mcp, mcp
logs = [d for d in mcp if d["what"] == "log"]
assert logs and logs[0]["message"] == "hello from fake", mcp
assert logs[0]["level"] == "info" and logs[0]["logger"] == "fake", logs
P
# No server process is left once agentos has exited.
[ -s "$MCPPIDS" ] || fail "no server pid"
for pid in $(cat "$MCPPIDS"); do
	kill -0 "$pid" 2>/dev/null && fail "the MCP server $pid outlived agentos"
done
exit 0
