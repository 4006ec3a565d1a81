#!/bin/sh
# notifications/tools/list_changed re-lists: a tool the server adds after a
# call is offered in the next request and can be called; roots/list is
# answered with the repository root as a file:// URI; a server answering
# protocol 2025-06-18 is accepted; ping from the server is answered.
. "$(dirname "$0")/lib.sh"
make_repo
mkdir -p "$XDG_CONFIG_HOME/agentos"
cat > "$XDG_CONFIG_HOME/agentos/config.json" <<J
{"mcp": {"servers": {"fake": {"command": "python3",
 "args": ["$top_srcdir/tests/fake-mcp-server.py", "--list-changed"],
 "env": {"FAKE_MCP_LOG": "$T_TMP/mcp.jsonl", "FAKE_MCP_VERSION": "2025-06-18"}}}}}
J
cat > "$T_TMP/script.json" <<'J'
[
 {"expect": {"not_contains": "mcp__fake__extra"},
  "tool_calls": [{"name": "mcp__fake__echo", "input": {"text": "first"}}]},
 {"expect": {"contains": "echo: first"},
  "tool_calls": [{"name": "mcp__fake__roots", "input": {}}]},
 {"expect": {"contains": ["mcp__fake__extra", "file://"]},
  "tool_calls": [{"name": "mcp__fake__extra", "input": {}}]},
 {"expect": {"contains": "extra tool"}, "text": "Listed again."}
]
J
start_provider --script "$T_TMP/script.json"
"$AGENTOS" -p "list changes" --provider anthropic \
    --base-url "http://127.0.0.1:$T_PORT" --permission-mode bypass \
    --output-format json > "$T_TMP/out.json" 2> "$T_TMP/err.txt" ||
    { cat "$T_TMP/err.txt" "$T_TMP/out.json"; fail "exit status $?"; }
python3 - "$T_TMP/out.json" "$T_PROVIDER_LOG" "$T_REPO" <<'P' || fail "results"
import json, sys, urllib.parse
o = json.load(open(sys.argv[1]))
assert o["result"] == "Listed again.", o
reqs = [json.loads(l) for l in open(sys.argv[2])]
roots = json.loads(reqs[2]["messages"][-1]["content"][0]["content"])
uri = roots["roots"][0]["uri"]
assert uri.startswith("file:///"), uri
assert urllib.parse.unquote(uri[7:]) == sys.argv[3], (uri, sys.argv[3])
P
grep -c '"tools/list"' "$T_TMP/mcp.jsonl" | grep -qx 2 || fail "not listed twice"
python3 - "$T_TMP/mcp.jsonl" <<'P' || fail "ping not answered"
import json, sys
msgs = [json.loads(l) for l in open(sys.argv[1])]
assert [m for m in msgs if m.get("id") == "ping-1" and m.get("result") == {}], msgs
P
exit 0
