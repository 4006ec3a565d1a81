#!/bin/sh
# agentos trace names an exit status only for commands: a file tool that
# succeeded has none (it said "exit -1"), a command shows its own.
. "$(dirname "$0")/lib.sh"
make_repo
cat > "$T_TMP/script.json" <<'JSON'
[
 {"tool_calls": [{"name": "edit_file", "input": {"path": "hello.txt",
   "old_string": "world", "new_string": "there"}}]},
 {"tool_calls": [{"name": "bash", "input": {"command": "exit 3"}}]},
 {"text": "Done."}
]
JSON
start_provider --script "$T_TMP/script.json"
"$AGENTOS" --base-url "http://127.0.0.1:$T_PORT" --permission-mode bypass \
    -p 'edit and run' > "$T_TMP/p.out" 2>&1 || fail "run: $(cat "$T_TMP/p.out")"
grep -q there hello.txt || fail "the edit was not applied"
"$AGENTOS" trace > "$T_TMP/trace.txt" 2>&1 || fail "trace: $(cat "$T_TMP/trace.txt")"
grep -q 'tool edit_file' "$T_TMP/trace.txt" || fail "no edit span: $(cat "$T_TMP/trace.txt")"
grep -q 'exit -1' "$T_TMP/trace.txt" && fail "trace says exit -1: $(cat "$T_TMP/trace.txt")"
grep -Eq 'run [0-9.]+ m?s  [0-9]+ bytes' "$T_TMP/trace.txt" ||
    fail "the edit's run line: $(cat "$T_TMP/trace.txt")"
grep -q 'exit 3' "$T_TMP/trace.txt" || fail "the command's exit 3 is missing: $(cat "$T_TMP/trace.txt")"
exit 0
