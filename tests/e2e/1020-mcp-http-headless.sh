#!/bin/sh
# MCP over Streamable HTTP, headless: a "type": "http" server from the
# user's config (its Authorization header from ${MCP_TOKEN}) is reached
# through mcp-http.c; its tools are offered as mcp__remote__*, the model
# calls mcp__remote__echo, the answer comes back in an SSE stream that
# first asks agentos a ping (answered by POST).  The server's log shows
# initialize without a session, the later requests with Mcp-Session-Id and
# MCP-Protocol-Version and the token, and the DELETE when agentos exits;
# the debug log never holds the token.  Then agentos mcp list with two
# more servers: one answering 401 to everything fails OAuth with a reason,
# one speaking only the 2024-11-05 HTTP+SSE transport works through the
# fallback.
. "$(dirname "$0")/lib.sh"
make_repo
python3 "$top_srcdir/tests/fake-mcp-http.py" --port-file "$T_TMP/mport" \
    --log "$T_TMP/mcp.jsonl" --mode sse --server-request \
    --expect-auth "Bearer tok-s3cret-42" > "$T_TMP/mcp.out" 2>&1 &
T_PIDS="$T_PIDS $!"
_end=$(( $(date +%s) + T_WAIT ))
while [ ! -s "$T_TMP/mport" ] && [ "$(date +%s)" -le "$_end" ]; do
	sleep 0.05
done
MPORT=$(cat "$T_TMP/mport" 2>/dev/null) ||
    hard "fake-mcp-http.py did not start: $(cat "$T_TMP/mcp.out")"
mkdir -p "$XDG_CONFIG_HOME/agentos"
cat > "$XDG_CONFIG_HOME/agentos/config.json" <<J
{"mcp": {"servers": {"remote": {"type": "http",
 "url": "http://127.0.0.1:$MPORT/mcp",
 "headers": {"Authorization": "Bearer \${MCP_TOKEN}"}}}}}
J
export MCP_TOKEN=tok-s3cret-42
cat > "$T_TMP/script.json" <<'J'
[
 {"tool_calls": [{"name": "mcp__remote__echo",
   "input": {"text": "hi over http"}}]},
 {"expect": {"contains": "hi over http"}, "text": "Done."}
]
J
start_provider --script "$T_TMP/script.json"
AGENTOS_LOG="$T_TMP/debug.log" "$AGENTOS" -p "use the remote server" \
    --provider anthropic --base-url "http://127.0.0.1:$T_PORT" \
    --permission-mode bypass --output-format json \
    > "$T_TMP/out.json" 2> "$T_TMP/err.txt" ||
    { cat "$T_TMP/err.txt" "$T_TMP/out.json"; fail "exit status $?"; }
python3 - "$T_TMP/out.json" "$T_PROVIDER_LOG" "$T_TMP/mcp.jsonl" <<'P' ||
import json, sys
o = json.load(open(sys.argv[1]))
assert o["result"] == "Done.", o
reqs = [json.loads(l) for l in open(sys.argv[2])]
names = [t["name"] for t in reqs[0]["tools"]]
assert "mcp__remote__echo" in names, names
res = reqs[1]["messages"][-1]["content"][0]
assert res["type"] == "tool_result" and "hi over http" in json.dumps(res), res
log = [json.loads(l) for l in open(sys.argv[3])]
posts = [e for e in log if e.get("method") == "POST"]
def rpc(e):
    b = e.get("body")
    return b.get("method") if isinstance(b, dict) else None
init = [e for e in posts if rpc(e) == "initialize"][0]
assert "mcp-session-id" not in init["headers"], init
assert init["headers"]["accept"] == "application/json, text/event-stream"
assert init["auth_ok"] is True, init
call = [e for e in posts if rpc(e) == "tools/call"][0]
assert call["headers"]["mcp-session-id"] == "sess-1", call
assert call["headers"]["mcp-protocol-version"] == "2025-11-25", call
assert call["headers"]["authorization"] == "<redacted>", call
assert call["auth_ok"] is True, call
pong = [e for e in posts if isinstance(e.get("body"), dict) and
        str(e["body"].get("id", "")).startswith("srv-")]
assert pong and "result" in pong[0]["body"], posts
dels = [e for e in log if e.get("method") == "DELETE"]
assert dels and dels[0]["headers"]["mcp-session-id"] == "sess-1", log
P
    { cat "$T_TMP/err.txt"; fail "requests or server log"; }
[ -s "$T_TMP/debug.log" ] || fail "no debug log"
grep -q "tok-s3cret-42" "$T_TMP/debug.log" && fail "the token is in the debug log"
# fake_http NAME ARGS...: another fake server; its port in $T_TMP/NAME.port.
fake_http() {
	_n=$1; shift
	python3 "$top_srcdir/tests/fake-mcp-http.py" --port-file \
	    "$T_TMP/$_n.port" --log "$T_TMP/$_n.jsonl" "$@" \
	    > "$T_TMP/$_n.out" 2>&1 &
	T_PIDS="$T_PIDS $!"
	_end=$(( $(date +%s) + T_WAIT ))
	while [ ! -s "$T_TMP/$_n.port" ] && [ "$(date +%s)" -le "$_end" ]; do
		sleep 0.05
	done
	[ -s "$T_TMP/$_n.port" ] || hard "fake $_n did not start"
}
fake_http locked --auth
fake_http old --legacy
cat > "$XDG_CONFIG_HOME/agentos/config.json" <<J
{"mcp": {"servers": {
 "locked": {"type": "http", "url": "http://127.0.0.1:$(cat "$T_TMP/locked.port")/mcp"},
 "old": {"type": "http", "url": "http://127.0.0.1:$(cat "$T_TMP/old.port")/mcp"}}}}
J
"$AGENTOS" mcp list > "$T_TMP/list" 2>&1 || { cat "$T_TMP/list"; fail "mcp list"; }
cat "$T_TMP/list"
grep -q '^locked: failed (server locked: OAuth: ' \
    "$T_TMP/list" || fail "401 not reported as an OAuth failure"
grep -q '^old: ready, 1 tool' "$T_TMP/list" || fail "legacy server not ready"
grep -q '^  - mcp__old__echo$' "$T_TMP/list" || fail "legacy tool not listed"
exit 0
