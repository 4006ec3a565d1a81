#!/bin/sh
# .git/agentos is 0700 and what is in it 0600, whichever command makes it
# first and whatever the umask: a first -v headless run (debug log, session
# database), a first `agentos snapshot` (locks), and a directory an older
# agentos left 0755.
. "$(dirname "$0")/lib.sh"
make_repo
cat > "$T_TMP/script.json" <<'J'
[{"text": "ok"}]
J
start_provider --script "$T_TMP/script.json"
umask 000
ANTHROPIC_API_KEY=k "$AGENTOS" -v -p hi --provider anthropic \
    --base-url "http://127.0.0.1:$T_PORT" > "$T_TMP/out" 2> "$T_TMP/err" ||
    { cat "$T_TMP/err"; fail "run"; }
m() { stat -c %a "$1" 2>/dev/null || echo missing; }
[ "$(m .git/agentos)" = 700 ] || fail ".git/agentos is $(m .git/agentos)"
for f in .git/agentos/*; do
	[ "$(m "$f")" = 600 ] || fail "$f is $(m "$f")"
done
[ "$(m .git/agentos/sessions.db)" = 600 ] || fail "no private sessions.db"
[ "$(m .git/agentos/debug.log)" = 600 ] || fail "no private debug.log"

# A first snapshot in another repository, and an old 0755 directory.
T_TMP="$T_TMP/two" make_repo
"$AGENTOS" snapshot -m first > /dev/null 2>&1 || fail "snapshot"
[ "$(m .git/agentos)" = 700 ] ||
    fail "snapshot: .git/agentos is $(m .git/agentos)"
for f in .git/agentos/*; do
	[ "$(m "$f")" = 600 ] || fail "snapshot: $f is $(m "$f")"
done
chmod 755 .git/agentos
chmod 644 .git/agentos/*
"$AGENTOS" snapshot -m second > /dev/null 2>&1 || fail "snapshot 2"
[ "$(m .git/agentos)" = 700 ] || fail "old dir stays $(m .git/agentos)"
for f in .git/agentos/*; do
	[ "$(m "$f")" = 600 ] || fail "old: $f is $(m "$f")"
done
exit 0
