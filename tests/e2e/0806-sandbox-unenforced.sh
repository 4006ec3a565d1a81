#!/bin/sh
# Where bubblewrap is refused, nothing is enforced: agentos says so at
# start, a command headless in accept-edits is refused with "no sandbox
# can be enforced here" (not run), and bypass runs it; --sandbox off runs
# nothing unexpected (a plain ask, as without sandbox).
. "$(dirname "$0")/lib.sh"
make_repo
refuse_bwrap
cat > "$T_TMP/script.json" <<'J'
[
 {"tool_calls": [{"name": "bash", "input": {"command": "echo ran > ran.txt"}}]},
 {"text": "done"}
]
J
start_provider --script "$T_TMP/script.json"
"$AGENTOS" -p "run it" --provider openai -m test-model \
    --base-url "http://127.0.0.1:$T_PORT/v1" --permission-mode accept-edits \
    > "$T_TMP/out" 2> "$T_TMP/err" || fail "exit status: $(cat "$T_TMP/err")"
[ -e ran.txt ] && fail "the command ran unsandboxed without approval"
grep -q "no sandbox can be enforced here" "$T_TMP/err" ||
    fail "no notice at start: $(cat "$T_TMP/err")"
grep -q "no sandbox can be enforced here" "$T_PROVIDER_LOG" ||
    fail "the model was not told why"
agent_bash "echo ran > ran.txt"
[ "$(cat ran.txt 2>/dev/null)" = ran ] || fail "bypass did not run it"
exit 0
