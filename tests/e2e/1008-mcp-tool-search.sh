#!/bin/sh
# Many tools: when the server tools' definitions pass
# mcp.tool_search_percent of the context window, the model is offered
# mcp_tool_search instead of them; a search returns the best matches with
# their definitions and offers them from the next request on; a found tool
# is called as usual.  The first request is measured against the same run
# with every definition sent.
. "$(dirname "$0")/lib.sh"
make_repo
mkdir -p "$XDG_CONFIG_HOME/agentos"
cat > "$XDG_CONFIG_HOME/agentos/config.json" <<J
{"mcp.tool_search_percent": 1,
 "mcp": {"servers": {"big": {"command": "python3",
 "args": ["$top_srcdir/tests/fake-mcp-server.py"],
 "env": {"FAKE_MCP_TOOLS": "50", "FAKE_MCP_LOG": "$T_TMP/mcp.jsonl"}}}}}
J
cat > "$T_TMP/script.json" <<'J'
[
 {"expect": {"contains": "mcp_tool_search", "not_contains": "get_item_7"},
  "tool_calls": [{"name": "mcp_tool_search", "input": {"query": "get_item_7 tracker"}}]},
 {"expect": {"contains": ["mcp__big__get_item_7", "These tools can be called now"]},
  "tool_calls": [{"name": "mcp__big__get_item_7", "input": {"owner": "o", "repo": "r", "number": 7}}]},
 {"text": "Found it."},
 {"expect": {"contains": "mcp__big__get_item_48"}, "text": "All sent."}
]
J
start_provider --script "$T_TMP/script.json"
"$AGENTOS" -p "find item 7" --provider anthropic \
    --base-url "http://127.0.0.1:$T_PORT" --permission-mode bypass \
    --output-format json > "$T_TMP/out.json" 2> "$T_TMP/err.txt" ||
    { cat "$T_TMP/err.txt" "$T_TMP/out.json"; fail "exit status $?"; }
grep -q '"result": "Found it."' "$T_TMP/out.json" || { cat "$T_TMP/out.json"; fail "result"; }
grep -q '"name": "get_item_7"' "$T_TMP/mcp.jsonl" || fail "get_item_7 not called"
# The same with every definition sent (the default share is 10%).
sed 's/"mcp.tool_search_percent": 1,//' "$XDG_CONFIG_HOME/agentos/config.json" > "$T_TMP/c" &&
    mv "$T_TMP/c" "$XDG_CONFIG_HOME/agentos/config.json"
"$AGENTOS" -p "all" --provider anthropic --base-url "http://127.0.0.1:$T_PORT" \
    > /dev/null 2>&1 || fail "second run"
python3 - "$T_PROVIDER_LOG" <<'P' || fail "requests"
import json, sys
lines = open(sys.argv[1]).read().splitlines()
reqs = [json.loads(l) for l in lines]
n0 = [t["name"] for t in reqs[0]["tools"] if "mcp" in t["name"]]
assert n0 == ["mcp_tool_search"], n0
assert "50 tools" in reqs[0]["tools"][[t["name"] for t in reqs[0]["tools"]].index("mcp_tool_search")]["description"]
n2 = [t["name"] for t in reqs[2]["tools"] if t["name"].startswith("mcp__")]
assert "mcp__big__get_item_7" in n2 and len(n2) < 11, n2
n3 = [t["name"] for t in reqs[3]["tools"] if t["name"].startswith("mcp__")]
assert len(n3) == 50, len(n3)
print("first request: %d bytes with the search tool, %d with all 50 definitions"
      % (len(lines[0]), len(lines[3])))
assert len(lines[0]) * 2 < len(lines[3])
P
exit 0
