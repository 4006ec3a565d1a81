#!/bin/sh
# MCP tool annotations (Server / Tools, "Tool Annotations") are shown in
# the approval panel as claims of the server, never trusted: a tool whose
# server says readOnlyHint true is still asked about in ask mode, and a
# snapshot is still taken before it runs (the session log has it).
# mcp.log_level is sent as logging/setLevel to a server with logging, and
# /mcp shows the level and the count of its log messages, and the
# server's resources (resources/list, paginated) and resource templates.
. "$(dirname "$0")/lib.sh"
make_repo
mkdir -p "$XDG_CONFIG_HOME/agentos"
cat > "$XDG_CONFIG_HOME/agentos/config.json" <<J
{"mcp": {"log_level": "warning", "servers": {"fake": {"command": "python3",
 "args": ["$top_srcdir/tests/fake-mcp-server.py"],
 "env": {"FAKE_MCP_LOG": "$T_TMP/mcp.jsonl"}}}}}
J
cat > "$T_TMP/script.json" <<'J'
[
 {"tool_calls": [{"name": "mcp__fake__image", "input": {}}]},
 {"expect": {"contains": "image/png"}, "text": "Image shown."}
]
J
start_provider --script "$T_TMP/script.json"
start_agentos --base-url "http://127.0.0.1:$T_PORT"
wait_for '/help'
send_keys 'show it' Enter
wait_for 'Allow this call\?'
wait_for 'mcp__fake__image'
wait_for 'Annotations claimed by fake \(not trusted'
wait_for 'title "Show an image", readOnlyHint=true, openWorldHint=false'
grep -q '"tools/call"' "$T_TMP/mcp.jsonl" &&
    fail "the read-only claim ran the call without asking"
send_keys y
wait_for 'Image shown\.'
"$AGENTOS" export --format jsonl > "$T_TMP/session.jsonl" 2>"$T_TMP/err" ||
    { cat "$T_TMP/err"; fail "export"; }
python3 - "$T_TMP/session.jsonl" <<'P' || fail "no snapshot before the call"
import json, sys
kinds = []
for l in open(sys.argv[1]):
    try:
        kinds.append(json.dumps(json.loads(l)))
    except ValueError:
        pass
snap = [i for i, k in enumerate(kinds) if '"snapshot"' in k]
start = [i for i, k in enumerate(kinds) if '"tool_start"' in k or
         '"tool_result"' in k]
assert snap and start and snap[0] < start[-1], (snap, start)
P
python3 - "$T_TMP/mcp.jsonl" <<'P' || fail "logging/setLevel"
import json, sys
msgs = [json.loads(l) for l in open(sys.argv[1])]
sl = [m for m in msgs if m.get("method") == "logging/setLevel"]
assert sl and sl[0]["params"] == {"level": "warning"}, sl
P
send_keys '/mcp' Enter
wait_for 'logging: level warning \(mcp.log_level\), 1 message in the session'
# Resources (both pages) and resource templates are listed.
wait_for '- @fake:fake://notes notes \(resource\)'
wait_for '- @fake:fake://more more \(resource\)'
wait_for '- fake://notes/\{day\} by day \(resource template\)'
exit 0
