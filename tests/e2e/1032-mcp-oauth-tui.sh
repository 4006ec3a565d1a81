#!/bin/sh
# TUI: an HTTP server behind OAuth (tests/fake-oauth.py) waits for the
# user's login: /mcp shows it as "needs login" with the command to log in
# and the URL; /mcp login NAME opens the URL with xdg-open (a stand-in on
# PATH plays the browser: it GETs the URL, which redirects to agentos's
# loopback listener) and the server becomes ready with its tool.  /mcp
# logout NAME forgets the tokens and stops the server.
. "$(dirname "$0")/lib.sh"
make_repo
unset AGENTOS_MCP_OAUTH_AUTO
python3 "$top_srcdir/tests/fake-oauth.py" --port-file "$T_TMP/oport" \
    --log "$T_TMP/oauth.jsonl" > "$T_TMP/oauth.out" 2>&1 &
T_PIDS="$T_PIDS $!"
_end=$(( $(date +%s) + T_WAIT ))
while [ ! -s "$T_TMP/oport" ] && [ "$(date +%s)" -le "$_end" ]; do
	sleep 0.05
done
[ -s "$T_TMP/oport" ] || hard "fake-oauth.py: $(cat "$T_TMP/oauth.out")"
url="http://127.0.0.1:$(cat "$T_TMP/oport")/mcp"
mkdir -p "$XDG_CONFIG_HOME/agentos" "$T_TMP/bin"
cat > "$XDG_CONFIG_HOME/agentos/config.json" <<J
{"mcp": {"start_timeout": 120000, "servers": {
 "srv": {"type": "http", "url": "$url"}}}}
J
cat > "$T_TMP/bin/xdg-open" <<S
#!/bin/sh
echo "\$1" >> "$T_TMP/opened"
exec python3 -c 'import sys, urllib.request
urllib.request.urlopen(sys.argv[1], timeout=30).read()' "\$1" \
    >> "$T_TMP/browser.out" 2>&1
S
chmod +x "$T_TMP/bin/xdg-open"
export PATH="$T_TMP/bin:$PATH"
echo '[{"text": "ok"}]' > "$T_TMP/script.json"
start_provider --script "$T_TMP/script.json"
start_agentos --base-url "http://127.0.0.1:$T_PORT"
wait_for '/help'
# /mcp is a snapshot: ask again until the flow waits for the user.
_end=$(( $(date +%s) + T_WAIT ))
until screen | grep -q 'needs login (/mcp login srv'; do
	[ "$(date +%s)" -le "$_end" ] || fail "no \"needs login\" in /mcp"
	send_keys C-l '/mcp' Enter
	sleep 1
done
wait_for 'login: open'
wait_for '/authorize\?response_type=code'
[ -e "$T_TMP/opened" ] && fail "the browser opened before the user asked"
send_keys '/mcp login srv' Enter
_end=$(( $(date +%s) + T_WAIT ))
until [ -s "$T_TMP/opened" ]; do
	[ "$(date +%s)" -le "$_end" ] || fail "xdg-open not run"
	sleep 0.1
done
grep -q "^http://127\.0\.0\.1:$(cat "$T_TMP/oport")/authorize?" "$T_TMP/opened" ||
    fail "opened: $(cat "$T_TMP/opened")"
_end=$(( $(date +%s) + T_WAIT ))
until grep -q '"rpc": "tools/list", "token": 1, "valid": true' \
    "$T_TMP/oauth.jsonl" 2>/dev/null; do
	[ "$(date +%s)" -le "$_end" ] || fail "no tools/list with the token"
	sleep 0.1
done
send_keys C-l '/mcp' Enter
wait_for 'srv: ready, 1 tool'
wait_for 'mcp__srv__whoami'
send_keys '/mcp logout srv' Enter
send_keys '/mcp' Enter
wait_for 'srv: disabled'
python3 - "$XDG_STATE_HOME/agentos/mcp-oauth.json" "$url" <<'P' ||
import json, sys
assert sys.argv[2] not in json.load(open(sys.argv[1]))["servers"]
P
    fail "tokens kept after /mcp logout"
exit 0
