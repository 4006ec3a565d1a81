#!/bin/sh
# A repository's .mcp.json: its servers do not start in an untrusted folder
# (one stderr line says so, no tool is offered, no process runs), and start
# with --trust-project.  A bad entry beside it is a problem naming the file
# and the server, not a fatal error.
. "$(dirname "$0")/lib.sh"
make_repo
cat > .mcp.json <<J
{"mcpServers": {
 "fake": {"command": "python3", "args": ["$top_srcdir/tests/fake-mcp-server.py"],
  "env": {"FAKE_MCP_PIDFILE": "$T_TMP/pids"}},
 "broken": {"command": 42}}}
J
mkdir -p .agentos "$XDG_CONFIG_HOME/agentos"
cat > .agentos/config.json <<J
{"mcp": {"servers": {"proj": {"command": "python3",
 "args": ["$top_srcdir/tests/fake-mcp-server.py"],
 "env": {"FAKE_MCP_PIDFILE": "$T_TMP/pids"}}}}}
J
# The user's own server starts whatever the folder.
cat > "$XDG_CONFIG_HOME/agentos/config.json" <<J
{"mcp.servers": {"mine": {"command": "python3",
 "args": ["$top_srcdir/tests/fake-mcp-server.py"],
 "env": {"FAKE_MCP_PIDFILE": "$T_TMP/minepids"}}}}
J
git add .mcp.json .agentos && git commit -qm mcp
cat > "$T_TMP/script.json" <<'J'
[{"text": "one"}, {"text": "two"}]
J
start_provider --script "$T_TMP/script.json"
"$AGENTOS" -p "hello" --provider anthropic \
    --base-url "http://127.0.0.1:$T_PORT" > "$T_TMP/out1" 2> "$T_TMP/err1" ||
    { cat "$T_TMP/err1"; fail "untrusted run: exit status $?"; }
grep -q "proj, fake: project MCP servers not started: not trusted" "$T_TMP/err1" ||
    { cat "$T_TMP/err1"; fail "no not-trusted line"; }
[ "$(grep -c 'not trusted' "$T_TMP/err1")" -eq 1 ] ||
    { cat "$T_TMP/err1"; fail "more than one not-trusted line"; }
[ ! -s "$T_TMP/pids" ] || fail "an untrusted server was started"
[ -s "$T_TMP/minepids" ] || fail "the user's server did not start"
grep -q "mcp.json: MCP server broken: \"command\" must be" "$T_TMP/err1" ||
    { cat "$T_TMP/err1"; fail "no problem line for the bad entry"; }
"$AGENTOS" -p "hello" --provider anthropic --trust-project \
    --base-url "http://127.0.0.1:$T_PORT" > "$T_TMP/out2" 2> "$T_TMP/err2" ||
    { cat "$T_TMP/err2"; fail "trusted run: exit status $?"; }
grep -q 'not trusted' "$T_TMP/err2" && fail "trusted run says not trusted"
[ -s "$T_TMP/pids" ] || fail "the trusted server did not start"
python3 - "$T_PROVIDER_LOG" <<'P' || fail "tools offered"
import json, sys
reqs = [json.loads(l) for l in open(sys.argv[1])]
assert len(reqs) == 2, len(reqs)
n0 = [t["name"] for t in reqs[0]["tools"] if t["name"].startswith("mcp__")]
n1 = [t["name"] for t in reqs[1]["tools"] if t["name"].startswith("mcp__")]
assert [n for n in n0 if not n.startswith("mcp__mine__")] == [], n0
assert "mcp__mine__echo" in n0, n0
assert "mcp__fake__echo" in n1 and "mcp__proj__echo" in n1, n1
assert len(n1) == 27, n1
P
"$AGENTOS" mcp list > "$T_TMP/list" 2>&1 || { cat "$T_TMP/list"; fail "mcp list"; }
grep -q '^fake: not trusted' "$T_TMP/list" || { cat "$T_TMP/list"; fail "list: fake"; }
grep -q '^proj: not trusted' "$T_TMP/list" || { cat "$T_TMP/list"; fail "list: proj"; }
grep -q '^mine: ready' "$T_TMP/list" || { cat "$T_TMP/list"; fail "list: mine"; }
grep -q 'mcp.json: MCP server broken: "command" must be' "$T_TMP/list" ||
    { cat "$T_TMP/list"; fail "list: the bad entry"; }
exit 0
