#!/bin/sh
# TUI, ask mode: a memory tool write to /memories/project asks, naming
# .agentos/memory/decisions.md (not as a protected path), is written
# when approved, and Alt-z undoes it like any other change of the worktree.
. "$(dirname "$0")/lib.sh"
make_repo
export XDG_DATA_HOME="$T_TMP/home/.local/share"
cat > "$T_TMP/script.json" <<'JSON'
[
 {"tool_calls": [{"name": "memory", "input": {"command": "create",
   "path": "/memories/project/decisions.md",
   "file_text": "use tabs\n"}}]},
 {"text": "Noted it."}
]
JSON
start_provider --script "$T_TMP/script.json"
start_agentos --base-url "http://127.0.0.1:$T_PORT"
wait_for '/help for keys'
send_keys 'remember: tabs' Enter
wait_for 'Make this edit\?'
wait_for 'agentos/memory/decisions\.md'
screen | grep -q 'Protected path' && fail "memory asked as a protected path"
[ -e .agentos/memory/decisions.md ] && fail "written before the approval"
send_keys y
wait_for 'Noted it\.'
[ "$(cat .agentos/memory/decisions.md)" = "use tabs" ] ||
    fail "not written: $(cat .agentos/memory/decisions.md 2>&1)"
send_keys M-z
wait_for 'Restored the files to before the last agent change'
[ ! -e .agentos/memory/decisions.md ] || fail "Alt-z left the memory write"
exit 0
