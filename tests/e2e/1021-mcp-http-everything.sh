#!/bin/sh
# MCP over HTTP against the real @modelcontextprotocol/server-everything
# (pinned): its Streamable HTTP transport (initialize, tools/list, echo,
# progress notifications inside a call's SSE stream, DELETE at close) and
# its 2024-11-05 SSE transport found by the fallback.  The client is
# tests/unit/test-mcp-http's test_everything; then agentos itself, headless,
# where the model calls mcp__everything__echo and gets the server's text.
# The package is installed
# once into the build tree; without node and npm, or without the npm
# registry, the test skips saying so.
# test-timeout: 400
. "$(dirname "$0")/lib.sh"
EVERYTHING_VERSION=2026.8.31
dir="$top_builddir/tests/npm-everything"
pkg="$dir/node_modules/@modelcontextprotocol/server-everything"
npm_install "$dir" "@modelcontextprotocol/server-everything@$EVERYTHING_VERSION"
[ -f "$pkg/dist/index.js" ] || hard "no $pkg/dist/index.js"
MCP_EVERYTHING="$dir" TEST_FILTER=test_everything \
    "$top_builddir/tests/unit/test-mcp-http" > "$T_TMP/out.txt" 2>&1 ||
    { cat "$T_TMP/out.txt" >&2; fail "test_everything"; }
grep -q '\[       OK \] test_everything' "$T_TMP/out.txt" ||
    { cat "$T_TMP/out.txt" >&2; fail "test_everything did not run"; }
# agentos itself: the model calls the real server's echo.
port=$(python3 -c 'import socket
s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
PORT=$port node "$pkg/dist/index.js" streamableHttp > "$T_TMP/node.out" 2>&1 &
T_PIDS="$T_PIDS $!"
_end=$(( $(date +%s) + T_WAIT ))
until python3 -c 'import socket, sys
socket.create_connection(("127.0.0.1", int(sys.argv[1])), 1)' "$port" \
    2>/dev/null; do
	[ "$(date +%s)" -le "$_end" ] ||
	    hard "server-everything did not start: $(cat "$T_TMP/node.out")"
	sleep 0.1
done
make_repo
mkdir -p "$XDG_CONFIG_HOME/agentos"
cat > "$XDG_CONFIG_HOME/agentos/config.json" <<J
{"mcp": {"servers": {"everything": {"type": "http",
 "url": "http://127.0.0.1:$port/mcp"}}}}
J
cat > "$T_TMP/script.json" <<'J'
[
 {"tool_calls": [{"name": "mcp__everything__echo",
   "input": {"message": "hello from agentos"}}]},
 {"expect": {"contains": "Echo: hello from agentos"}, "text": "Done."}
]
J
start_provider --script "$T_TMP/script.json"
"$AGENTOS" -p "use everything" --provider anthropic \
    --base-url "http://127.0.0.1:$T_PORT" --permission-mode bypass \
    --output-format json > "$T_TMP/out.json" 2> "$T_TMP/err.txt" ||
    { cat "$T_TMP/err.txt" "$T_TMP/out.json"; fail "exit status $?"; }
python3 - "$T_TMP/out.json" "$T_PROVIDER_LOG" <<'P' ||
import json, sys
o = json.load(open(sys.argv[1]))
assert o["result"] == "Done.", o
reqs = [json.loads(l) for l in open(sys.argv[2])]
names = [t["name"] for t in reqs[0]["tools"]]
assert "mcp__everything__echo" in names, names
assert "mcp__everything__get-sum" in names, names
res = reqs[1]["messages"][-1]["content"][0]
assert "Echo: hello from agentos" in json.dumps(res), res
P
    { cat "$T_TMP/err.txt"; fail "agentos with server-everything"; }
exit 0
