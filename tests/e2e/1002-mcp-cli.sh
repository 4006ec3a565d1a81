#!/bin/sh
# agentos mcp add|get|list|remove: add writes the user's config.json (other
# keys kept) or .mcp.json; list connects and shows each server's state: a
# ready one with its tools, an http one failed (no transport yet), one that
# answers an old protocol version failed saying which, one that crashes at
# start failed with its stderr, a project one not trusted until
# --trust-project; mcp call runs one tool as the model would.
. "$(dirname "$0")/lib.sh"
make_repo
fake="$top_srcdir/tests/fake-mcp-server.py"
mkdir -p "$XDG_CONFIG_HOME/agentos"
echo '{"model": "kept-model"}' > "$XDG_CONFIG_HOME/agentos/config.json"
"$AGENTOS" mcp add fake -e FAKE_MCP_PAGES=2 -- python3 "$fake" > "$T_TMP/o" 2>&1 ||
    { cat "$T_TMP/o"; fail "add fake"; }
"$AGENTOS" mcp add web --transport http http://127.0.0.1:9/mcp > "$T_TMP/o" 2>&1 ||
    { cat "$T_TMP/o"; fail "add web"; }
"$AGENTOS" mcp add old -e FAKE_MCP_VERSION=2024-11-05 -- python3 "$fake" \
    > "$T_TMP/o" 2>&1 || { cat "$T_TMP/o"; fail "add old"; }
"$AGENTOS" mcp add crash --scope project -e FAKE_MCP_CRASH=1 -- python3 "$fake" \
    > "$T_TMP/o" 2>&1 || { cat "$T_TMP/o"; fail "add crash"; }
"$AGENTOS" mcp add bad -e NOEQUALS -- x > "$T_TMP/o" 2>&1 && fail "add -e without ="
python3 - "$XDG_CONFIG_HOME/agentos/config.json" .mcp.json <<'P' || fail "files"
import json, sys
u = json.load(open(sys.argv[1]))
assert u["model"] == "kept-model", u
s = u["mcp"]["servers"]
assert s["fake"]["command"] == "python3" and s["fake"]["env"] == {"FAKE_MCP_PAGES": "2"}, s
assert s["web"] == {"type": "http", "url": "http://127.0.0.1:9/mcp"}, s
p = json.load(open(sys.argv[2]))
assert list(p["mcpServers"]) == ["crash"], p
P
"$AGENTOS" mcp list > "$T_TMP/list" 2>&1 || { cat "$T_TMP/list"; fail "list"; }
cat "$T_TMP/list"
grep -q '^fake: ready, 9 tools, protocol 2025-11-25' "$T_TMP/list" || fail "fake not ready"
grep -q '^  - mcp__fake__echo$' "$T_TMP/list" || fail "no echo tool listed"
grep -q '^  - mcp__fake__image (says read-only)$' "$T_TMP/list" || fail "no image tool"
grep -q '^web: failed (Streamable HTTP transport not available)' "$T_TMP/list" ||
    fail "web"
grep -q '^old: failed (the server speaks protocol version 2024-11-05' "$T_TMP/list" ||
    fail "old version"
grep -q '^crash: not trusted' "$T_TMP/list" || fail "crash trusted"
grep -q 'instructions from the server (not given to the model): Always call echo' \
    "$T_TMP/list" || fail "instructions not shown"
"$AGENTOS" --trust-project mcp list > "$T_TMP/list2" 2>&1 || fail "list 2"
grep -q '^crash: failed (the server exited with status 3 (stderr: fake-mcp: crashing on start))' \
    "$T_TMP/list2" || { cat "$T_TMP/list2"; fail "crash"; }
"$AGENTOS" mcp get fake > "$T_TMP/get" 2>&1 || { cat "$T_TMP/get"; fail "get"; }
grep -q '^  env: FAKE_MCP_PAGES=\.\.\.$' "$T_TMP/get" || { cat "$T_TMP/get"; fail "get env"; }
"$AGENTOS" mcp get nosuch > /dev/null 2>&1 && fail "get nosuch"
# mcp call: the result the model would get, the exit status its isError.
out=$("$AGENTOS" mcp call fake echo '{"text": "from the cli"}' 2>&1) ||
    fail "call echo: $out"
[ "$out" = "echo: from the cli" ] || fail "call echo said: $out"
out=$("$AGENTOS" mcp call fake fail 2>&1) && fail "call fail exited 0"
[ "$out" = "it failed on purpose" ] || fail "call fail said: $out"
"$AGENTOS" mcp call fake nosuch > "$T_TMP/o" 2>&1 && fail "call nosuch"
grep -q 'no tool mcp__fake__nosuch' "$T_TMP/o" || { cat "$T_TMP/o"; fail "call nosuch message"; }
"$AGENTOS" mcp call fake echo '[1]' > /dev/null 2>&1; [ $? -eq 2 ] || fail "call with bad JSON"
"$AGENTOS" mcp remove fake > "$T_TMP/o" 2>&1 || { cat "$T_TMP/o"; fail "remove"; }
"$AGENTOS" mcp remove crash > "$T_TMP/o" 2>&1 || { cat "$T_TMP/o"; fail "remove crash"; }
"$AGENTOS" mcp remove fake > /dev/null 2>&1 && fail "removed twice"
python3 - "$XDG_CONFIG_HOME/agentos/config.json" .mcp.json <<'P' || fail "files after remove"
import json, sys
u = json.load(open(sys.argv[1]))
assert u["model"] == "kept-model" and "fake" not in u["mcp"]["servers"], u
assert "web" in u["mcp"]["servers"], u
assert json.load(open(sys.argv[2]))["mcpServers"] == {}
P
exit 0
