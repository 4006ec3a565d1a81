#!/bin/sh
# The escape suite through `agentos sandbox run` (bubblewrap): writes outside
# the worktree (absolute, through a symlink, through /proc/self/cwd/..),
# into .git, reads of ~/.ssh, the network, a setsid daemon, secrets in the
# environment.  Each must fail and change nothing outside the profile;
# real work (git status, cc, make, /tmp) must still work.
. "$(dirname "$0")/lib.sh"
command -v bwrap >/dev/null 2>&1 || skip "bwrap is not installed"
bwrap --ro-bind / / true >/dev/null 2>&1 || skip "bwrap cannot run here"
make_repo
# Outside target not under /tmp (inside, /tmp is the private tmp directory).
out="$top_builddir/tests/e2e/0800-outside.$$"
mkdir -p "$out" || hard "mkdir $out"
trap 'rm -rf "$out"' EXIT
mkdir -p "$HOME/.ssh" && echo PRIVATEKEY > "$HOME/.ssh/id_rsa"
ln -s "$out" "$T_REPO/link"
run() { "$AGENTOS" sandbox run -- sh -c "$1" >"$T_TMP/o" 2>&1; }

run "echo x > '$out/abs'" && fail "absolute write outside succeeded"
run "echo x > link/sym" && fail "write through a symlink succeeded"
# The repository's parent is under /tmp, which inside is the private tmp
# directory: the write may succeed there, but must not reach the real one.
run "echo x > /proc/self/cwd/../proc"
run "echo x > .git/hooks/pre-commit" && fail "write into .git/hooks"
run "echo x >> .git/config" && fail "write into .git/config"
run "cat '$HOME/.ssh/id_rsa'" && grep -q PRIVATEKEY "$T_TMP/o" &&
    fail "read ~/.ssh/id_rsa"
if command -v python3 >/dev/null 2>&1; then
	python3 -c 'import socket,sys
s=socket.socket(); s.bind(("127.0.0.1",0)); s.listen(1)
print(s.getsockname()[1])' >/dev/null
	run "python3 -c 'import socket; socket.create_connection((\"1.1.1.1\", 80), 2)'" &&
	    fail "TCP connect out succeeded"
fi
ls "$out" | grep -q . && fail "files appeared outside: $(ls "$out")"
[ -e "$T_TMP/proc" ] && fail "/proc/self/cwd/.. escape wrote $T_TMP/proc"
[ -e .git/hooks/pre-commit ] && fail ".git/hooks/pre-commit exists"

# A setsid daemon dies with the command.
run "setsid sh -c 'sleep 300; echo late > $T_REPO/late' & echo started" ||
    fail "daemon command failed: $(cat "$T_TMP/o")"
pgrep -f "sleep 300; echo late" >/dev/null && fail "setsid daemon survived"

# Secrets are not in the environment.
ANTHROPIC_API_KEY=sk-ant-secret FOO_TOKEN=tok run env || fail "env"
grep -q 'ANTHROPIC_API_KEY\|FOO_TOKEN' "$T_TMP/o" && fail "secret in env"

# Real work still works.
run "echo y > new.txt && git status --short && git diff && git log --oneline" ||
    fail "git in the sandbox: $(cat "$T_TMP/o")"
[ "$(cat new.txt)" = y ] || fail "write in the worktree"
run "echo t > /tmp/t && cat /tmp/t" || fail "/tmp in the sandbox"
if command -v cc >/dev/null 2>&1 && command -v make >/dev/null 2>&1; then
	printf 'int main(void){return 0;}\n' > m.c
	printf 'm: m.c\n\tcc -o m m.c\n' > Makefile
	run "make && ./m" || fail "make/cc in the sandbox: $(cat "$T_TMP/o")"
fi
# read-only: no write in the worktree either.
"$AGENTOS" sandbox run -p read-only -- sh -c 'echo z > ro.txt' \
    >/dev/null 2>&1 && fail "read-only profile allowed a write"
[ -e ro.txt ] && fail "ro.txt exists"
exit 0
