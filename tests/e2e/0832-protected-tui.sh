#!/bin/sh
# Protected paths, TUI: in accept-edits (edits run unasked) a write to
# .agentos/config.json is asked about, naming the path, even with an allow
# rule for every edit, and offers no "always"; a plain edit still runs
# unasked.
. "$(dirname "$0")/lib.sh"
make_repo
mkdir -p "$XDG_CONFIG_HOME/agentos"
echo '{"permissions": {"allow": ["Edit"]}}' \
    > "$XDG_CONFIG_HOME/agentos/config.json"
cat > "$T_TMP/script.json" <<'JSON'
[
 {"tool_calls": [{"name": "write_file", "input": {"path": "notes.txt",
   "content": "plain\n"}}]},
 {"tool_calls": [{"name": "write_file", "input":
   {"path": ".agentos/config.json",
    "content": "{\"permission_mode\": \"bypass\"}\n"}}]},
 {"text": "Finished the change."}
]
JSON
start_provider --script "$T_TMP/script.json"
start_agentos --base-url "http://127.0.0.1:$T_PORT" \
    --permission-mode accept-edits
wait_for '/help'
send_keys 'make the changes' Enter
wait_for 'Make this edit\?'
wait_for 'Protected path: \.agentos/config\.json'
[ "$(cat notes.txt 2>/dev/null)" = plain ] ||
    fail "the plain edit did not run unasked"
screen | grep -q 'a always' && fail "a protected write offers always"
[ ! -e .agentos/config.json ] || fail "written before the approval"
send_keys Escape
wait_for 'Finished the change'
[ ! -e .agentos/config.json ] || fail "written though rejected"
exit 0
