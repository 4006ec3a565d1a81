#!/bin/sh
# tests/run-test, the wrapper make check runs every test under: a test that
# hangs is failed by its time limit (exit 1, "timed out after N s" in the
# log, never a skip), its cleanup trap runs, and nothing it started is left:
# no tmux server, no agentos (in tmux or in the foreground), no child that
# ignores SIGTERM.  Exit statuses of tests that end in time pass through.
# test-timeout: 600 (s: on a busy machine the hang may need the 180 s try)
. "$(dirname "$0")/lib.sh"
run_test="$top_srcdir/tests/run-test"
command -v timeout >/dev/null 2>&1 || hard "no timeout (coreutils)"

# Statuses pass through unchanged.
for want in 0 1 77 99; do
	AGENTOS_TEST_TIMEOUT=30 $SHELL "$run_test" sh -c "exit $want" \
	    > "$T_TMP/pass.out" 2>&1
	got=$?
	[ $got -eq $want ] || fail "exit $want came back as $got:" \
	    "$(cat "$T_TMP/pass.out")"
done

# A test that hangs with agentos in tmux, agentos in the foreground and a
# grandchild that ignores SIGTERM.  It reports how far it got in $OUT.
mkdir -p "$T_TMP/out"
cat > "$T_TMP/hang.sh" <<'EOF'
. "$top_srcdir/tests/e2e/lib.sh"
echo "$T_SOCK $AGENTOS_TEST_RUN $T_TMP" > "$OUT/ids"
make_repo
echo '[{"hang": true}, {"hang": true}]' > "$T_TMP/script.json"
start_provider --script "$T_TMP/script.json"
start_agentos --base-url "http://127.0.0.1:$T_PORT"
wait_for '/help'
send_keys 'hang please' Enter
wait_for 'Esc to stop'
sh -c "trap '' TERM; exec sleep 1000" &
while [ ! -s "$T_PROVIDER_LOG" ]; do sleep 0.1; done
touch "$OUT/ready"
"$AGENTOS" --base-url "http://127.0.0.1:$T_PORT" -p 'hang too'
echo "the foreground agentos returned" > "$OUT/returned"
EOF
# The limit must expire after the test got to its hang: on a busy machine
# that can take longer than 20 s, so try again with a longer limit.
for limit in 20 60 180; do
	rm -f "$T_TMP/out/"*
	OUT="$T_TMP/out" AGENTOS_TEST_TIMEOUT=$limit $SHELL "$run_test" \
	    $SHELL "$T_TMP/hang.sh" > "$T_TMP/hang.out" 2>&1
	rc=$?
	cat "$T_TMP/hang.out"
	[ -f "$T_TMP/out/ready" ] && break
	echo "the hanging test did not reach its hang within $limit s"
done
[ -f "$T_TMP/out/ready" ] ||
    fail "the hanging test did not reach its hang within $limit s"
[ ! -f "$T_TMP/out/returned" ] || fail "the foreground agentos did not hang"
[ $rc -eq 1 ] || fail "a timed-out test exited $rc, want 1 (FAIL)"
grep -q "timed out after $limit s" "$T_TMP/hang.out" ||
    fail "the log does not say it timed out"
grep -q 'killed by SIGTERM' "$T_TMP/hang.out" ||
    fail "the test's trap did not run"
read -r sock tag tmp < "$T_TMP/out/ids" || fail "no ids"
tmux -L "$sock" list-sessions >/dev/null 2>&1 &&
    fail "tmux server $sock is still running"
left=$(grep -lsxzF "AGENTOS_TEST_RUN=$tag" /proc/[0-9]*/environ)
[ -z "$left" ] || fail "left running: $left"
[ ! -d "$tmp" ] || fail "the test's directory $tmp was not removed"
exit 0
