#!/bin/sh
# Headless refuses what would ask; provider errors end the run with the
# provider's message and a non-zero status; retries recover from a 529;
# a missing provider configuration says how to set one up.
. "$(dirname "$0")/lib.sh"
make_repo
cat > "$T_TMP/script.json" <<'J'
[
 {"status": 529, "headers": {"retry-after-ms": "10"}},
 {"tool_calls": [{"name": "bash", "input": {"command": "touch made-by-bash"}}]},
 {"expect": {"contains": "headless"}, "text": "I could not run it."},
 {"status": 401, "error_type": "authentication_error", "error_message": "invalid x-api-key"}
]
J
start_provider --script "$T_TMP/script.json"
url="http://127.0.0.1:$T_PORT"
"$AGENTOS" -p "touch a file" --base-url "$url" > "$T_TMP/out.txt" \
    2> "$T_TMP/err.txt" || { cat "$T_TMP/err.txt"; fail "run 1 failed"; }
[ ! -e made-by-bash ] || fail "headless ran a command that needed approval"
grep -q "I could not run it." "$T_TMP/out.txt" || fail "no answer"
grep -q "retrying" "$T_TMP/err.txt" || fail "retry not reported"

"$AGENTOS" -p "again" --base-url "$url" > "$T_TMP/out2.txt" 2> "$T_TMP/err2.txt"
[ $? -eq 1 ] || fail "provider error should exit 1"
grep -q "invalid x-api-key" "$T_TMP/err2.txt" || { cat "$T_TMP/err2.txt"; fail "provider message not shown"; }

"$AGENTOS" -p "hello" > "$T_TMP/out3.txt" 2> "$T_TMP/err3.txt"
[ $? -eq 1 ] || fail "no provider should exit 1"
grep -q "ANTHROPIC_API_KEY" "$T_TMP/err3.txt" || fail "no configuration help"
exit 0
