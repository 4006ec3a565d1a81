#!/bin/sh
# A rewind killed (SIGKILL) half-way leaves a journal: the next start
# reports it, snapshots are refused, and --continue or --abort leaves the
# worktree wholly restored or wholly as before.
. "$(dirname "$0")/lib.sh"
make_repo
for i in 0 1 2 3 4 5 6 7 8 9; do echo one > f$i; done
"$AGENTOS" snapshot -m one >/dev/null || fail "snapshot one"
state_one=$(cat f*)
for i in 0 1 2 3 4 5 6 7 8 9; do echo two > f$i; done
"$AGENTOS" snapshot -m two >/dev/null || fail "snapshot two"
state_two=$(cat f*)

for how in continue abort; do
	AGENTOS_TEST_CRASH_RESTORE=4 "$AGENTOS" rewind 1 --yes >/dev/null 2>&1
	[ -f .git/agentos/restore-journal ] || fail "no journal ($how)"
	[ "$(cat f*)" != "$state_one" ] && [ "$(cat f*)" != "$state_two" ] ||
	    fail "the crash hook did not cut the restore short"
	"$AGENTOS" snapshots 2>&1 | grep -q 'interrupted rewind' ||
	    fail "not reported"
	"$AGENTOS" snapshot 2>&1 | grep -q 'interrupted rewind' ||
	    fail "snapshot not refused"
	"$AGENTOS" rewind --$how >/dev/null || fail "rewind --$how"
	[ ! -f .git/agentos/restore-journal ] || fail "journal left"
	ls -a | grep -q agentos-tmp && fail "temporary files left"
	if [ $how = continue ]; then
		[ "$(cat f*)" = "$state_one" ] || fail "not finished"
		"$AGENTOS" rewind 2 --yes >/dev/null || fail "back to two"
	else
		[ "$(cat f*)" = "$state_two" ] || fail "not rolled back"
	fi
done
exit 0
