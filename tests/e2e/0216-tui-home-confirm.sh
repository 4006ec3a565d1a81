#!/bin/sh
# TUI: in a home directory agentos asks before snapshotting it; after a
# yes, edits are snapshotted; in a headless run nothing asks, so edits are
# refused (fail closed) and the file stays as it was.
. "$(dirname "$0")/lib.sh"
make_repo
cat > "$T_TMP/script.json" <<'JSON'
[
 {"tool_calls": [{"name": "edit_file", "input": {"path": "hello.txt",
   "old_string": "world", "new_string": "home"}}]},
 {"text": "Edited."},
 {"tool_calls": [{"name": "edit_file", "input": {"path": "hello.txt",
   "old_string": "hello", "new_string": "bye"}}]},
 {"text": "Could not.", "expect": {"contains": "snapshot"}}
]
JSON
start_provider --script "$T_TMP/script.json"
export HOME="$T_REPO"
start_agentos --base-url "http://127.0.0.1:$T_PORT" --permission-mode accept-edits
wait_for 'whole home directory'
wait_for 'anyway\?'
send_keys y
wait_for 'Snapshots are on'
send_keys 'edit hello.txt' Enter
wait_for 'Edited\.'
wait_for '1 snapshot'
[ "$(cat hello.txt)" = "$(printf 'hello\nhome')" ] || fail "not edited"
send_keys C-d
wait_for 'AGENTOS-EXITED 0'
"$AGENTOS" -p "edit again" --base-url "http://127.0.0.1:$T_PORT" \
    --permission-mode accept-edits > "$T_TMP/out.txt" 2>&1 ||
    fail "headless run failed"
grep -q "Could not." "$T_TMP/out.txt" || fail "no answer"
[ "$(cat hello.txt)" = "$(printf 'hello\nhome')" ] ||
    fail "headless edited a home directory without snapshots"
exit 0
