#!/bin/sh
# Under Landlock a session builds its rule set once and uses it again while
# the directories the build walked are unchanged (the debug log says
# "built" or "reused" per command); when a tool outside the sandbox makes a
# new directory at the top of the worktree, the next command gets a new
# rule set and can write in it (a stale one would refuse).
. "$(dirname "$0")/lib.sh"
AGENTOS_SANDBOX_MECHANISM=landlock
export AGENTOS_SANDBOX_MECHANISM
make_repo
"$AGENTOS" sandbox status > "$T_TMP/status" 2>&1 ||
    skip "Landlock cannot run here: $(cat "$T_TMP/status")"
mkdir sub
sleep 0.2
python3 -c 'import json
calls = [{"tool_calls": [{"name": "bash", "input": {"command": c}}]}
         for c in ["sleep 0.1"] + ["echo %d > sub/f%d; sleep 0.1" % (i, i)
                                   for i in range(8)]]
calls.append({"tool_calls": [{"name": "write_file",
    "input": {"path": "newdir/made-by-write", "content": "x\n"}}]})
calls.append({"tool_calls": [{"name": "bash",
    "input": {"command": "echo in-new > newdir/by-bash && echo wrote"}}]})
calls.append({"text": "done"})
print(json.dumps(calls))' > "$T_TMP/script.json" || hard "script"
start_provider --script "$T_TMP/script.json"
AGENTOS_LOG="$T_TMP/debug.log" "$AGENTOS" -p "go" --provider openai \
    -m test-model --base-url "http://127.0.0.1:$T_PORT/v1" \
    --permission-mode bypass > "$T_TMP/out" 2> "$T_TMP/err" ||
    { cat "$T_TMP/err" "$T_TMP/out" >&2; fail "agentos exit status"; }
[ "$(cat sub/f7 2>/dev/null)" = 7 ] || fail "the commands did not run"
[ -f newdir/made-by-write ] || fail "write_file did not make newdir"
[ "$(cat newdir/by-bash 2>/dev/null)" = in-new ] ||
    fail "a stale rule set refused newdir: $(tail -c 600 "$T_PROVIDER_LOG")"
grep -o 'landlock rule set [a-z]*' "$T_TMP/debug.log" > "$T_TMP/sets"
[ "$(wc -l < "$T_TMP/sets")" -eq 10 ] ||
    fail "not one rule set line per command: $(cat "$T_TMP/sets")"
head -1 "$T_TMP/sets" | grep -q built || fail "the first was not built"
grep -q reused "$T_TMP/sets" ||
    fail "no command reused the rule set: $(cat "$T_TMP/sets")"
tail -1 "$T_TMP/sets" | grep -q built ||
    fail "the rule set was not rebuilt after newdir appeared"
exit 0
