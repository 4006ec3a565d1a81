#!/bin/sh
# Permission rules for MCP tools, headless in the ask mode: a whole server
# (mcp__fake) allowed runs its tools without asking, a deny rule for one
# tool (mcp__fake__fail) refuses it naming the rule, and a server with no
# rule is refused as needing approval.
. "$(dirname "$0")/lib.sh"
make_repo
mkdir -p "$XDG_CONFIG_HOME/agentos"
cat > "$XDG_CONFIG_HOME/agentos/config.json" <<J
{"mcp": {"servers": {
  "fake": {"command": "python3", "args": ["$top_srcdir/tests/fake-mcp-server.py"]},
  "other": {"command": "python3", "args": ["$top_srcdir/tests/fake-mcp-server.py"]}}},
 "permissions": {"allow": ["mcp__fake"], "deny": ["mcp__fake__fail"]}}
J
cat > "$T_TMP/script.json" <<'J'
[
 {"tool_calls": [{"name": "mcp__fake__echo", "input": {"text": "hi there"}}]},
 {"expect": {"contains": "echo: hi there"},
  "tool_calls": [{"name": "mcp__fake__fail", "input": {}}]},
 {"expect": {"contains": "permission rule \\\"mcp__fake__fail\\\""},
  "tool_calls": [{"name": "mcp__other__echo", "input": {"text": "x"}}]},
 {"expect": {"contains": "needs the user's approval"}, "text": "Done."}
]
J
start_provider --script "$T_TMP/script.json"
"$AGENTOS" -p "use the servers" --provider anthropic \
    --base-url "http://127.0.0.1:$T_PORT" --permission-mode ask \
    --output-format json > "$T_TMP/out.json" 2> "$T_TMP/err.txt" ||
    { cat "$T_TMP/err.txt" "$T_TMP/out.json"; fail "exit status $?"; }
python3 - "$T_TMP/out.json" "$T_PROVIDER_LOG" <<'P' ||
import json, sys
o = json.load(open(sys.argv[1]))
assert o["result"] == "Done.", o
reqs = [json.loads(l) for l in open(sys.argv[2])]
assert len(reqs) == 4, len(reqs)
P
    { cat "$T_TMP/err.txt" "$T_TMP/out.json"; fail "requests"; }
exit 0
