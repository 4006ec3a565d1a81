#!/bin/sh
# MCP over HTTP against the real @modelcontextprotocol/server-everything
# (pinned): its Streamable HTTP transport (initialize, tools/list, echo,
# progress notifications inside a call's SSE stream, DELETE at close) and
# its 2024-11-05 SSE transport found by the fallback.  The client is
# tests/unit/test-mcp-http's test_everything.  The package is installed
# once into the build tree; without node and npm, or without the npm
# registry, the test skips saying so.
# test-timeout: 400
. "$(dirname "$0")/lib.sh"
EVERYTHING_VERSION=2026.8.31
command -v node >/dev/null 2>&1 || skip "node not installed"
command -v npm >/dev/null 2>&1 || skip "npm not installed"
dir="$top_builddir/tests/npm-everything"
pkg="$dir/node_modules/@modelcontextprotocol/server-everything"
have=$(python3 -c 'import json, sys
print(json.load(open(sys.argv[1]))["version"])' "$pkg/package.json" 2>/dev/null)
if [ "$have" != "$EVERYTHING_VERSION" ]; then
	mkdir -p "$dir" || hard "mkdir $dir"
	npm install --prefix "$dir" --no-save --no-audit --no-fund \
	    --loglevel=error \
	    "@modelcontextprotocol/server-everything@$EVERYTHING_VERSION" \
	    > "$T_TMP/npm.log" 2>&1 ||
	    { cat "$T_TMP/npm.log" >&2; skip "npm install failed (no registry?)"; }
fi
[ -f "$pkg/dist/index.js" ] || hard "no $pkg/dist/index.js"
MCP_EVERYTHING="$dir" TEST_FILTER=test_everything \
    "$top_builddir/tests/unit/test-mcp-http" > "$T_TMP/out.txt" 2>&1 ||
    { cat "$T_TMP/out.txt" >&2; fail "test_everything"; }
grep -q '\[       OK \] test_everything' "$T_TMP/out.txt" ||
    { cat "$T_TMP/out.txt" >&2; fail "test_everything did not run"; }
exit 0
