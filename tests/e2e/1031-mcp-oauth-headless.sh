#!/bin/sh
# OAuth against tests/fake-oauth.py (an MCP server and its authorization
# server): "agentos mcp list" meets the 401, discovers the metadata,
# registers, prints the authorization URL and waits; the test plays the
# browser (GETs the URL, which redirects to agentos's loopback listener);
# the server is then ready, the tokens are in the 0600 token file and
# never in the debug log.  "agentos mcp call" uses the stored token.  With
# a token that expires at once the next call refreshes it without a new
# authorization; inside a headless session a token that expires between
# two calls is refreshed on the server's 401 and the call sent again.  A forged state on the redirect and a refused PKCE
# verifier fail closed with a clear message and store no token, and a
# token endpoint over plain http to another host is refused before any
# authorization.  "agentos
# mcp logout" forgets the server.
. "$(dirname "$0")/lib.sh"
make_repo
mkdir -p "$XDG_CONFIG_HOME/agentos"
tokfile="$XDG_STATE_HOME/agentos/mcp-oauth.json"
unset AGENTOS_MCP_OAUTH_AUTO

# start_fake NAME [ARG...]: a fake-oauth.py; its port in $T_TMP/NAME.port.
start_fake() {
	_n=$1
	shift
	python3 "$top_srcdir/tests/fake-oauth.py" \
	    --port-file "$T_TMP/$_n.port" --log "$T_TMP/$_n.jsonl" "$@" \
	    > "$T_TMP/$_n.out" 2>&1 &
	T_PIDS="$T_PIDS $!"
	_end=$(( $(date +%s) + T_WAIT ))
	while [ ! -s "$T_TMP/$_n.port" ] && [ "$(date +%s)" -le "$_end" ]; do
		sleep 0.05
	done
	[ -s "$T_TMP/$_n.port" ] ||
	    hard "fake-oauth.py did not start: $(cat "$T_TMP/$_n.out")"
}
start_fake main
start_fake short --expires 1
start_fake state --bad-state
start_fake pkce --bad-pkce
start_fake plain --plain-http-token
url() { echo "http://127.0.0.1:$(cat "$T_TMP/$1.port")/mcp"; }
cat > "$XDG_CONFIG_HOME/agentos/config.json" <<J
{"mcp": {"start_timeout": 60000, "servers": {
 "srv": {"type": "http", "url": "$(url main)"}}}}
J

# 1. Log in: the URL on stderr, the test as the browser.
AGENTOS_LOG="$T_TMP/debug.log" "$AGENTOS" mcp list > "$T_TMP/list" \
    2> "$T_TMP/list.err" &
lpid=$!
T_PIDS="$T_PIDS $lpid"
_end=$(( $(date +%s) + T_WAIT ))
while ! grep -q 'needs login: open ' "$T_TMP/list.err" &&
    [ "$(date +%s)" -le "$_end" ]; do
	sleep 0.1
done
login=$(sed -n 's/^agentos: server srv needs login: open //p' "$T_TMP/list.err")
[ -n "$login" ] || { cat "$T_TMP/list.err"; fail "no login URL printed"; }
case $login in
"http://127.0.0.1:$(cat "$T_TMP/main.port")/authorize?"*) ;;
*)	fail "login URL: $login" ;;
esac
python3 - "$login" > "$T_TMP/browser" 2>&1 <<'P' ||
import sys, urllib.request
print(urllib.request.urlopen(sys.argv[1], timeout=30).read().decode())
P
    { cat "$T_TMP/browser"; fail "the browser's redirect failed"; }
grep -q 'agentos is authorized' "$T_TMP/browser" ||
    fail "listener page: $(cat "$T_TMP/browser")"
wait "$lpid" || fail "mcp list: exit status $?"
cat "$T_TMP/list"
grep -q '^srv: ready, 1 tool' "$T_TMP/list" || fail "not ready after login"
[ -f "$tokfile" ] || fail "no token file"
[ "$(stat -c %a "$tokfile")" = 600 ] || fail "token file mode $(stat -c %a "$tokfile")"
[ "$(stat -c %a "$(dirname "$tokfile")")" = 700 ] || fail "state dir mode"
python3 - "$T_TMP/main.jsonl" "$tokfile" "$T_TMP/debug.log" "$(url main)" <<'P' ||
import json, sys
log = [json.loads(l) for l in open(sys.argv[1])]
paths = [e["path"] for e in log]
for p in ("/.well-known/oauth-protected-resource/mcp",
          "/.well-known/oauth-authorization-server", "/register",
          "/authorize", "/token"):
    assert p in paths, (p, paths)
auth = [e for e in log if e["path"] == "/authorize"][0]["query"]
assert auth["code_challenge_method"] == "S256", auth
assert auth["resource"] == sys.argv[4], auth
assert auth["scope"] == "mcp", auth
tok = json.load(open(sys.argv[2]))["servers"][sys.argv[4]]["token"]
secret = tok["access_token"]
assert secret.startswith("at-1-"), tok
dbg = open(sys.argv[3]).read()
assert secret not in dbg and tok["refresh_token"] not in dbg, "token logged"
P
    fail "login flow"

# 2. The stored token is used: no new authorization.
"$AGENTOS" mcp call srv whoami > "$T_TMP/call1" 2>&1 ||
    { cat "$T_TMP/call1"; fail "call with the stored token"; }
grep -q 'token 1' "$T_TMP/call1" || fail "call1: $(cat "$T_TMP/call1")"
[ "$(grep -c '"/authorize"' "$T_TMP/main.jsonl")" = 1 ] ||
    fail "authorized again"

# 3. Expiry: the second call refreshes (tests follow the URL themselves).
export AGENTOS_MCP_OAUTH_AUTO=1
cat > "$XDG_CONFIG_HOME/agentos/config.json" <<J
{"mcp": {"servers": {
 "srv": {"type": "http", "url": "$(url main)"},
 "short": {"type": "http", "url": "$(url short)"},
 "state": {"type": "http", "url": "$(url state)"},
 "pkce": {"type": "http", "url": "$(url pkce)"},
 "plain": {"type": "http", "url": "$(url plain)"}}}}
J
"$AGENTOS" mcp call short whoami > "$T_TMP/s1" 2>&1 ||
    { cat "$T_TMP/s1"; fail "short: first call"; }
grep -q 'token 1' "$T_TMP/s1" || fail "s1: $(cat "$T_TMP/s1")"
sleep 2
"$AGENTOS" mcp call short whoami > "$T_TMP/s2" 2>&1 ||
    { cat "$T_TMP/s2"; fail "short: call after expiry"; }
grep -q 'token 2' "$T_TMP/s2" || fail "s2: $(cat "$T_TMP/s2")"
python3 - "$T_TMP/short.jsonl" <<'P' || fail "no refresh"
import json, sys
log = [json.loads(l) for l in open(sys.argv[1])]
grants = [e["form"]["grant_type"] for e in log if e["path"] == "/token"]
assert grants == ["authorization_code", "refresh_token"], grants
assert len([e for e in log if e["path"] == "/authorize"]) == 1
P

# 3b. Expiry inside a session: the token the session got is refused
# (401) before the second call, which is sent again after a refresh.
python3 "$top_srcdir/tests/fake-oauth.py" --port-file "$T_TMP/live.port" \
    --log "$T_TMP/live.jsonl" --expires 3 > "$T_TMP/live.out" 2>&1 &
T_PIDS="$T_PIDS $!"
_end=$(( $(date +%s) + T_WAIT ))
while [ ! -s "$T_TMP/live.port" ] && [ "$(date +%s)" -le "$_end" ]; do
	sleep 0.05
done
cp "$XDG_CONFIG_HOME/agentos/config.json" "$T_TMP/config.step3"
cat > "$XDG_CONFIG_HOME/agentos/config.json" <<J
{"mcp": {"servers": {"live": {"type": "http", "url": "$(url live)"}}}}
J
cat > "$T_TMP/script.json" <<'J'
[
 {"tool_calls": [{"name": "mcp__live__whoami", "input": {}}]},
 {"expect": {"contains": "token 1"}, "delay_ms": 4000,
  "tool_calls": [{"name": "mcp__live__whoami", "input": {}}]},
 {"expect": {"contains": "token 2"}, "text": "Done."}
]
J
start_provider --script "$T_TMP/script.json"
AGENTOS_LOG="$T_TMP/debug2.log" "$AGENTOS" -p "who am I, twice" \
    --provider anthropic --base-url "http://127.0.0.1:$T_PORT" \
    --permission-mode bypass --output-format json \
    > "$T_TMP/live.json" 2> "$T_TMP/live.err" ||
    { cat "$T_TMP/live.err" "$T_TMP/live.json"; fail "live: exit status"; }
python3 - "$T_TMP/live.json" "$T_TMP/live.jsonl" <<'P' || fail "in-session refresh"
import json, sys
o = json.load(open(sys.argv[1]))
assert o["result"] == "Done.", o
log = [json.loads(l) for l in open(sys.argv[2])]
grants = [e["form"]["grant_type"] for e in log if e["path"] == "/token"]
assert grants == ["authorization_code", "refresh_token"], grants
calls = [e for e in log if e.get("rpc") == "tools/call"]
assert [c["valid"] for c in calls] == [True, False, True], calls
P
cp "$T_TMP/config.step3" "$XDG_CONFIG_HOME/agentos/config.json"

# 4. Fail closed: a forged state, a refused verifier.
"$AGENTOS" mcp list > "$T_TMP/bad" 2>&1
cat "$T_TMP/bad"
grep -q "^state: failed (server state: OAuth: the redirect's state does not match" \
    "$T_TMP/bad" || fail "forged state not refused"
grep -q '^pkce: failed (server pkce: OAuth: the token request failed: HTTP 400, invalid_grant: PKCE verification failed' \
    "$T_TMP/bad" || fail "refused PKCE not reported"
grep -q '^plain: failed (server plain: OAuth: an authorization server endpoint is neither https nor on this machine: refused' \
    "$T_TMP/bad" || fail "plain http token endpoint not refused"
grep -q '"/authorize"' "$T_TMP/plain.jsonl" && fail "plain: authorized anyway"
python3 - "$tokfile" "$(url state)" "$(url pkce)" <<'P' || fail "token stored"
import json, sys
s = json.load(open(sys.argv[1]))["servers"]
for u in sys.argv[2:]:
    assert "token" not in s.get(u, {}), u
P

# 5. Logout.
"$AGENTOS" mcp logout srv > "$T_TMP/out" 2>&1 || fail "logout"
grep -q '^srv: logged out' "$T_TMP/out" || fail "logout: $(cat "$T_TMP/out")"
python3 - "$tokfile" "$(url main)" <<'P' || fail "still stored"
import json, sys
assert sys.argv[2] not in json.load(open(sys.argv[1]))["servers"]
P
exit 0
