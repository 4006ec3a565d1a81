#!/bin/sh
# Headless text output drops terminal control sequences from the model's
# text: an OSC retitle, a CSI clear and a C1 CSI never reach stdout, the
# words around them do.
. "$(dirname "$0")/lib.sh"
make_repo
cat > "$T_TMP/script.json" <<'J'
[{"text": "\u001b]0;pwned\u0007\u001b[2J hi\u009b31m there\r"}]
J
start_provider --script "$T_TMP/script.json"
ANTHROPIC_API_KEY=k "$AGENTOS" -p hi --provider anthropic \
    --base-url "http://127.0.0.1:$T_PORT" > "$T_TMP/out" 2> "$T_TMP/err"
rc=$?
cat "$T_TMP/err" >&2
[ $rc -eq 0 ] || fail "exit $rc"
grep -q 'hi there' "$T_TMP/out" || fail "no text: $(od -c "$T_TMP/out")"
if LC_ALL=C grep -q "$(printf '[\033\007\r]')" "$T_TMP/out"; then
	fail "control bytes on stdout: $(od -c "$T_TMP/out")"
fi
LC_ALL=C grep -q "$(printf '\302\233')" "$T_TMP/out" && fail "C1 CSI on stdout"
[ "$(cat "$T_TMP/out")" = " hi there" ] ||
    fail "got $(od -c "$T_TMP/out")"
exit 0
