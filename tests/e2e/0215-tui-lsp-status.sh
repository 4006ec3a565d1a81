#!/bin/sh
# TUI: an edit that breaks a C file shows clangd's error count on the edit's
# line, and the status bar shows the server's state.
. "$(dirname "$0")/lib.sh"
command -v clangd >/dev/null 2>&1 || skip "no clangd"
make_repo
cat > a.c <<'C'
int add(int a, int b) { return a + b; }
int main(void) { return add(1, 2); }
C
echo "-std=c11" > compile_flags.txt
git add -A && git commit -qm c
cat > "$T_TMP/script.json" <<'JSON'
[
 {"tool_calls": [{"name": "edit_file", "input": {"path": "a.c",
   "old_string": "add(1, 2)", "new_string": "add(1)"}}]},
 {"text": "Broken on purpose.", "expect": {"contains": "Diagnostics from clangd"}}
]
JSON
start_provider --script "$T_TMP/script.json"
start_agentos --base-url "http://127.0.0.1:$T_PORT" --permission-mode accept-edits
wait_for '/help'
send_keys 'break a.c' Enter
wait_for 'Broken on purpose' 90
wait_for 'edit_file a.c.*1 error, 0 warnings'
wait_for 'clangd (ready|indexing)'
exit 0
