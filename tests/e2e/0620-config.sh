#!/bin/sh
# Options: an unknown key and a bad value in the project's config.json are
# reported once, naming the file and the key, headless (stderr) and in the
# TUI (a notice); "agentos config" prints each setting with its source.
. "$(dirname "$0")/lib.sh"
make_repo
mkdir -p .agentos "$XDG_CONFIG_HOME/agentos"
proj="$T_REPO/.agentos/config.json"
user="$XDG_CONFIG_HOME/agentos/config.json"
cat > "$proj" <<'J'
{"colour": "blue", "max_tokens": "lots", "map_tokens": 99,
 "snapshots": {"keep_days": 3}, "keys": {"rewind": "C-r"}}
J
echo '{"model": "user-model", "max_tokens": 1000}' > "$user"

cat > "$T_TMP/script.json" <<'J'
[{"text": "Hello from the fake."}]
J
start_provider --script "$T_TMP/script.json"
"$AGENTOS" -p "hi" --base-url "http://127.0.0.1:$T_PORT" \
    > "$T_TMP/out.txt" 2> "$T_TMP/err.txt" ||
    { cat "$T_TMP/err.txt"; fail "headless exit status $?"; }
grep -q "Hello from the fake." "$T_TMP/out.txt" || fail "no answer"
[ "$(grep -c "$proj: colour: unknown key" "$T_TMP/err.txt")" -eq 1 ] ||
    { cat "$T_TMP/err.txt"; fail "unknown key not reported once"; }
[ "$(grep -c "$proj: max_tokens: 'lots' is not a number" \
    "$T_TMP/err.txt")" -eq 1 ] ||
    { cat "$T_TMP/err.txt"; fail "bad value not reported once"; }
# The bad value left the user's value in force.
python3 - "$T_PROVIDER_LOG" <<'P' || fail "request"
import json, sys
r = json.loads(open(sys.argv[1]).readline())
assert r["max_tokens"] == 1000, r["max_tokens"]
assert r["model"] == "user-model", r["model"]
P

ANTHROPIC_API_KEY=sk-ant-secret-e2e "$AGENTOS" config > "$T_TMP/config.txt" \
    2> "$T_TMP/config.err" || fail "agentos config failed"
grep -Eq "^map_tokens +99 +$proj\$" "$T_TMP/config.txt" ||
    { cat "$T_TMP/config.txt"; fail "map_tokens source"; }
grep -Eq "^max_tokens +1000 +$user\$" "$T_TMP/config.txt" ||
    fail "max_tokens source"
grep -Eq "^model +\"user-model\" +$user\$" "$T_TMP/config.txt" ||
    fail "model source"
grep -Eq "^max_retries +20 +default\$" "$T_TMP/config.txt" ||
    fail "default source"
grep -Eq "^snapshots.keep_days +3 +$proj\$" "$T_TMP/config.txt" ||
    fail "snapshots.keep_days"
grep -Eq "^keys.rewind +\"C-r\" +$proj\$" "$T_TMP/config.txt" ||
    fail "keys.rewind"
grep -Eq '^api_key +"\[REDACTED\]" +\$ANTHROPIC_API_KEY$' \
    "$T_TMP/config.txt" || fail "api_key not redacted with its source"
! grep -q "sk-ant-secret-e2e" "$T_TMP/config.txt" || fail "secret shown"
grep -q "colour: unknown key" "$T_TMP/config.err" ||
    fail "config did not report the unknown key"
[ "$("$AGENTOS" config map_tokens 2>/dev/null)" = 99 ] ||
    fail "config KEY"
"$AGENTOS" config no.such.key > /dev/null 2>&1
[ $? -eq 1 ] || fail "config of an unknown key should exit 1"

start_agentos
wait_for 'config: .*colour: unknown key'
wait_for "config: .*max_tokens: 'lots'"
[ "$(screen | grep -c 'colour: unknown key')" -eq 1 ] ||
    fail "TUI reported the unknown key more than once"
send_keys C-d
wait_for 'AGENTOS-EXITED 0'
exit 0
