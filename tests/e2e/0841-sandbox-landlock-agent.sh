#!/bin/sh
# The agent's bash tool under the Landlock mechanism (forced with
# AGENTOS_SANDBOX_MECHANISM): a write into .git/config fails with the
# sandbox explained, a setsid double-forked daemon dies with the command
# (the reaping guard: no pid namespace here), and a write in a
# subdirectory of the worktree works.
. "$(dirname "$0")/lib.sh"
AGENTOS_SANDBOX_MECHANISM=landlock
export AGENTOS_SANDBOX_MECHANISM
make_repo
"$AGENTOS" sandbox status > "$T_TMP/status" 2>&1 ||
    skip "Landlock cannot run here: $(cat "$T_TMP/status")"
mkdir sub
tag="sleep 300.0841$$"
agent_bash "(setsid $tag >/dev/null 2>&1 &); sleep 1; echo x >> .git/config; echo ok > sub/w; echo started"
grep -q started "$T_TMP/result" ||
    fail "the command did not run: $(cat "$T_TMP/result")"
sleep 1
if pgrep -f "$tag" >/dev/null; then
	pkill -f "$tag"
	fail "the setsid daemon outlived the command"
fi
grep -q "^x" .git/config && fail "wrote into .git/config"
[ "$(cat sub/w 2>/dev/null)" = ok ] || fail "no write in the worktree"
exit 0
