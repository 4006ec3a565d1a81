#!/bin/sh
# @SERVER:URI attachments are kept in the session log (an "attachment"
# event): a session killed right after the request that carried a
# resource, then resumed, sends the same bytes again without reading the
# resource a second time; so does a /fork in the TUI.
. "$(dirname "$0")/lib.sh"
make_repo
mkdir -p "$XDG_CONFIG_HOME/agentos"
cat > "$XDG_CONFIG_HOME/agentos/config.json" <<J
{"mcp": {"servers": {"fake": {"command": "python3",
 "args": ["$top_srcdir/tests/fake-mcp-server.py"],
 "env": {"FAKE_MCP_LOG": "$T_TMP/mcp.jsonl"}}}}}
J
res='[resource @fake:fake://notes]\\nthe notes say 42'
cat > "$T_TMP/script.json" <<J
[
 {"expect": {"contains": "$res"}, "text": "Reading the notes", "hang": true},
 {"expect": {"contains": ["$res", "go on"]}, "text": "RESUMED-OK"},
 {"expect": {"contains": ["$res", "after the fork"]}, "text": "FORK-OK"}
]
J
start_provider --script "$T_TMP/script.json"
"$AGENTOS" -p "Summarise @fake:fake://notes" --provider anthropic \
    --base-url "http://127.0.0.1:$T_PORT" > "$T_TMP/out1" 2>&1 &
apid=$!
end=$(( $(date +%s) + T_WAIT ))
while [ ! -s "$T_PROVIDER_LOG" ] && [ "$(date +%s)" -le "$end" ]; do
	sleep 0.1
done
[ -s "$T_PROVIDER_LOG" ] || { kill -9 $apid; fail "no request"; }
kill -9 $apid
wait $apid 2>/dev/null
[ "$(grep -c '"resources/read"' "$T_TMP/mcp.jsonl")" -eq 1 ] ||
    fail "not one read"
id=$("$AGENTOS" sessions | awk 'NR == 2 { print $1 }')
[ -n "$id" ] || fail "no session id"

# Resumed headless: the resource goes again, from the log.
"$AGENTOS" -r "$id" -p "go on" --provider anthropic \
    --base-url "http://127.0.0.1:$T_PORT" > "$T_TMP/out2" 2> "$T_TMP/err2" ||
    { cat "$T_TMP/err2" "$T_TMP/out2"; fail "resume: exit status $?"; }
grep -q RESUMED-OK "$T_TMP/out2" || { cat "$T_TMP/out2"; fail "resume"; }
[ "$(grep -c '"resources/read"' "$T_TMP/mcp.jsonl")" -eq 1 ] ||
    fail "the resume read the resource again"

# Forked in the TUI: the fork's log has it too.
start_agentos --base-url "http://127.0.0.1:$T_PORT" -r "$id"
wait_for "Resumed session $id"
send_keys '/fork' Enter
wait_for 'Forked'
send_keys 'after the fork' Enter
wait_for 'FORK-OK'
python3 - "$T_PROVIDER_LOG" <<'P' || fail "the requests"
import json, sys
reqs = [json.loads(l) for l in open(sys.argv[1])]
assert len(reqs) == 3, len(reqs)
for r in reqs:
    t = json.dumps(r["messages"])
    assert t.count("the notes say 42") == 1, t[:400]
P
exit 0
