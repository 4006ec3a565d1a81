#!/bin/sh
# Headless usage errors: an empty -p prompt is refused before any request,
# a bad --permission-mode and a bad --output-format exit alike (2, a usage
# error), and -r with something that is not a session id says so instead of
# calling it an unknown command.
. "$(dirname "$0")/lib.sh"
make_repo
echo '[]' > "$T_TMP/script.json"
start_provider --script "$T_TMP/script.json"
u="http://127.0.0.1:$T_PORT"

"$AGENTOS" -p '' --base-url "$u" 2> "$T_TMP/err"; rc=$?
[ $rc -eq 2 ] || fail "-p '': exit $rc"
grep -q 'prompt is empty' "$T_TMP/err" || fail "-p '': $(cat "$T_TMP/err")"
"$AGENTOS" -p '   ' --base-url "$u" 2> /dev/null; rc=$?
[ $rc -eq 2 ] || fail "-p blank: exit $rc"
[ ! -s "$T_PROVIDER_LOG" ] || fail "an empty prompt was sent"

"$AGENTOS" -p hi --permission-mode nosuch --base-url "$u" 2> "$T_TMP/err"
rc1=$?
"$AGENTOS" -p hi --output-format nosuch --base-url "$u" 2>> "$T_TMP/err"
rc2=$?
[ $rc1 -eq 2 ] && [ $rc2 -eq 2 ] || fail "exit $rc1 and $rc2, not 2 and 2"
grep -q 'permission-mode' "$T_TMP/err" || fail "no mode named: $(cat "$T_TMP/err")"

"$AGENTOS" -r nosuch > "$T_TMP/out" 2> "$T_TMP/err"; rc=$?
[ $rc -eq 2 ] || fail "-r nosuch: exit $rc"
grep -q 'unknown command' "$T_TMP/err" && fail "-r nosuch: unknown command"
grep -qi 'usage:' "$T_TMP/err" && fail "-r nosuch: usage printed"
grep -q 'not a session id' "$T_TMP/err" || fail "-r nosuch: $(cat "$T_TMP/err")"
exit 0
