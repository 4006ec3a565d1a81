#!/bin/sh
# Headless retries: two 529 answers (one with no Retry-After, so a drawn
# full-jitter wait of at most 1 s, one with "retry-after: 1") are waited out
# and the run succeeds, saying on stderr what it is doing; retry_seconds 0
# fails at once and says so; a server wait longer than retry_seconds gives
# up and says why; a 401 is not retried and names where the key came from
# (the environment variable, then the config file; OpenAI's variable too).
. "$(dirname "$0")/lib.sh"
make_repo
cat > "$T_TMP/script.json" <<'J'
[
 {"status": 529},
 {"status": 529, "headers": {"retry-after": "1"}},
 {"text": "recovered after the overload"},
 {"status": 529, "headers": {"retry-after": "0"}},
 {"text": "must not be reached by the retry_seconds 0 run"},
 {"status": 429, "headers": {"retry-after": "5"}},
 {"text": "must not be reached by the retry_seconds 1 run"},
 {"status": 401, "error_type": "authentication_error",
  "error_message": "invalid x-api-key"},
 {"status": 401, "error_type": "authentication_error",
  "error_message": "invalid x-api-key"},
 {"status": 401, "error_type": "invalid_request_error",
  "error_message": "Incorrect API key provided"},
 {"text": "a 401 was retried"},
 {"status": 503}, {"status": 503}, {"status": 503}, {"status": 503},
 {"status": 503}, {"status": 503}, {"status": 503}, {"status": 503},
 {"status": 503}, {"status": 503}, {"status": 503},
 {"text": "outlasted retry_seconds 1"}
]
J
start_provider --script "$T_TMP/script.json"
url="http://127.0.0.1:$T_PORT"
requests() { wc -l < "$T_PROVIDER_LOG" | tr -d ' '; }
cfgdir="$XDG_CONFIG_HOME/agentos"
mkdir -p "$cfgdir"

# 1. 529, 529, then the answer.
ANTHROPIC_API_KEY=sk-test "$AGENTOS" -p "hi" --base-url "$url" \
    > "$T_TMP/out1" 2> "$T_TMP/err1" ||
    { cat "$T_TMP/err1" >&2; fail "run 1 did not recover from 529"; }
cat "$T_TMP/err1" >&2
grep -q "recovered after the overload" "$T_TMP/out1" || fail "no answer"
grep -Eq "overloaded \(529\), retrying in [01]\.[0-9] s, attempt 2; Ctrl-C to stop" \
    "$T_TMP/err1" || fail "no first retry line"
grep -q "overloaded (529), retrying in 1.0 s, attempt 3; Ctrl-C to stop" \
    "$T_TMP/err1" || fail "no second retry line with the server's wait"
[ "$(requests)" -eq 3 ] || fail "expected 3 requests, got $(requests)"

# 2. retry_seconds 0: no retry, and it says so.
printf '{"retry_seconds": 0}\n' > "$cfgdir/config.json"
ANTHROPIC_API_KEY=sk-test "$AGENTOS" -p "hi" --base-url "$url" \
    > "$T_TMP/out2" 2> "$T_TMP/err2"
rc=$?
cat "$T_TMP/err2" >&2
[ $rc -eq 1 ] || fail "retry_seconds 0: exit $rc, not 1"
grep -q "retrying" "$T_TMP/err2" && fail "retry_seconds 0 retried"
grep -q "(HTTP 529, not retried: retry_seconds is 0)" "$T_TMP/err2" ||
    fail "retry_seconds 0: no clear message"
[ "$(requests)" -eq 4 ] || fail "retry_seconds 0 made $(requests) requests"
# (the next turn is the answer the run must not have reached)
ANTHROPIC_API_KEY=sk-test "$AGENTOS" -p "skip" --base-url "$url" \
    > /dev/null 2>&1 || fail "could not step the script"

# 3. A server wait over what retry_seconds leaves gives up at once.
printf '{"retry_seconds": 1}\n' > "$cfgdir/config.json"
ANTHROPIC_API_KEY=sk-test "$AGENTOS" -p "hi" --base-url "$url" \
    > "$T_TMP/out3" 2> "$T_TMP/err3"
rc=$?
cat "$T_TMP/err3" >&2
[ $rc -eq 1 ] || fail "server wait over budget: exit $rc, not 1"
grep -q "the server asks to wait 5 s, more than retry_seconds (1) leaves" \
    "$T_TMP/err3" || fail "no message for a server wait over the budget"
[ "$(requests)" -eq 6 ] || fail "over budget made extra requests"
ANTHROPIC_API_KEY=sk-test "$AGENTOS" -p "skip" --base-url "$url" \
    > /dev/null 2>&1 || fail "could not step the script"

# 4. 401 with the key from the environment: not retried, names the variable.
rm -f "$cfgdir/config.json"
ANTHROPIC_API_KEY=sk-test "$AGENTOS" -p "hi" --base-url "$url" \
    > "$T_TMP/out4" 2> "$T_TMP/err4"
rc=$?
cat "$T_TMP/err4" >&2
[ $rc -eq 1 ] || fail "401: exit $rc, not 1"
grep -q "retrying" "$T_TMP/err4" && fail "401 was retried"
grep -q 'invalid x-api-key (HTTP 401); check the API key in \$ANTHROPIC_API_KEY' \
    "$T_TMP/err4" || fail "401 does not name ANTHROPIC_API_KEY"
[ "$(requests)" -eq 8 ] || fail "401 made extra requests"

# 5. 401 with the key from the user's config file: names the file.
printf '{"api_key": "sk-from-file"}\n' > "$cfgdir/config.json"
"$AGENTOS" -p "hi" --base-url "$url" > "$T_TMP/out5" 2> "$T_TMP/err5"
rc=$?
cat "$T_TMP/err5" >&2
[ $rc -eq 1 ] || fail "401 (file key): exit $rc, not 1"
grep -q "check api_key in $cfgdir/config.json" "$T_TMP/err5" ||
    fail "401 does not name the config file"
[ "$(requests)" -eq 9 ] || fail "401 (file key) made extra requests"

# 6. The OpenAI side names its own variable.
rm -f "$cfgdir/config.json"
OPENAI_API_KEY=sk-test "$AGENTOS" -p "hi" --provider openai -m gpt-4.1 \
    --base-url "$url/v1" > "$T_TMP/out6" 2> "$T_TMP/err6"
rc=$?
cat "$T_TMP/err6" >&2
[ $rc -eq 1 ] || fail "OpenAI 401: exit $rc, not 1"
grep -q 'check the API key in \$OPENAI_API_KEY' "$T_TMP/err6" ||
    fail "OpenAI 401 does not name OPENAI_API_KEY"
[ "$(requests)" -eq 10 ] || fail "OpenAI 401 was retried"
# (step past the answer the 401s must not have reached)
ANTHROPIC_API_KEY=sk-test "$AGENTOS" -p "skip" --base-url "$url" \
    > /dev/null 2>&1 || fail "could not step the script"

# 7. Drawn waits stop when their total reaches retry_seconds, and say so.
printf '{"retry_seconds": 1, "max_retries": 100}\n' > "$cfgdir/config.json"
ANTHROPIC_API_KEY=sk-test "$AGENTOS" -p "hi" --base-url "$url" \
    > "$T_TMP/out7" 2> "$T_TMP/err7"
rc=$?
cat "$T_TMP/err7" >&2
[ $rc -eq 1 ] || fail "retry_seconds 1: exit $rc, not 1"
grep -Eq "\(HTTP 503, gave up after [0-9]+ attempts in [01] s of retry_seconds 1\)" \
    "$T_TMP/err7" || fail "no give-up message naming retry_seconds"
grep -q "outlasted" "$T_TMP/out7" && fail "waited longer than retry_seconds"
exit 0
