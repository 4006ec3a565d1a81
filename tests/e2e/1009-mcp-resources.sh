#!/bin/sh
# @SERVER:URI in a prompt: the resource is read (resources/read) once the
# server is up and its contents join the user's message; a resource the
# server does not have is an error line in its place; a word naming no
# server stays as it is.
. "$(dirname "$0")/lib.sh"
make_repo
mkdir -p "$XDG_CONFIG_HOME/agentos"
cat > "$XDG_CONFIG_HOME/agentos/config.json" <<J
{"mcp": {"servers": {"fake": {"command": "python3",
 "args": ["$top_srcdir/tests/fake-mcp-server.py"],
 "env": {"FAKE_MCP_LOG": "$T_TMP/mcp.jsonl"}}}}}
J
cat > "$T_TMP/script.json" <<'J'
[
 {"expect": {"contains": ["[resource @fake:fake://notes]\\nthe notes say 42",
   "[resource @fake:fake://missing]", "Resource not found", "mail@example.com"]},
  "text": "The notes say 42."}
]
J
start_provider --script "$T_TMP/script.json"
"$AGENTOS" -p "Summarise @fake:fake://notes, and @fake:fake://missing; ask mail@example.com" \
    --provider anthropic --base-url "http://127.0.0.1:$T_PORT" \
    --output-format json > "$T_TMP/out.json" 2> "$T_TMP/err.txt" ||
    { cat "$T_TMP/err.txt" "$T_TMP/out.json"; fail "exit status $?"; }
grep -q '"result": "The notes say 42."' "$T_TMP/out.json" ||
    { cat "$T_TMP/out.json"; fail "result"; }
[ "$(grep -c '"resources/read"' "$T_TMP/mcp.jsonl")" -eq 2 ] || fail "not two reads"
exit 0
