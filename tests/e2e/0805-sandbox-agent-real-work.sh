#!/bin/sh
# Real work still works inside the sandbox: git status, git diff, git log,
# cc, a write in the worktree and one in /tmp (the private one).
. "$(dirname "$0")/lib.sh"
need_bwrap
make_repo
echo changed >> hello.txt
agent_bash "git status --short && git diff --stat && git log --oneline"
grep -q "hello.txt" "$T_TMP/result" || fail "git status: $(cat "$T_TMP/result")"
grep -q "initial" "$T_TMP/result" || fail "git log: $(cat "$T_TMP/result")"
grep -q "exit status 0" "$T_TMP/result" || fail "git: $(cat "$T_TMP/result")"
if command -v cc >/dev/null 2>&1; then
	printf 'int main(void) { return 0; }\n' > t.c
	agent_bash "cc -o t t.c && ./t && echo built"
	grep -q built "$T_TMP/result" || fail "cc: $(cat "$T_TMP/result")"
	[ -x t ] || fail "cc output not in the worktree"
fi
agent_bash "echo tmpok > /tmp/e2e-0805-$$ && cat /tmp/e2e-0805-$$ && echo w > out.txt"
grep -q tmpok "$T_TMP/result" || fail "/tmp: $(cat "$T_TMP/result")"
[ -e /tmp/e2e-0805-$$ ] && { rm -f /tmp/e2e-0805-$$; fail "/tmp was not private"; }
[ "$(cat out.txt)" = w ] || fail "write in the worktree"
# The private /tmp went with the session.
for d in "/tmp/agentos-$(id -u)" "${XDG_RUNTIME_DIR:-/nonexistent}"; do
	[ -d "$d" ] || continue
	find "$d" -name "e2e-0805-$$" 2>/dev/null | grep -q . &&
	    fail "the private /tmp was left behind in $d"
done
exit 0
