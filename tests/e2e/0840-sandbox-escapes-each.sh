#!/bin/sh
# The escape suite through `agentos sandbox run`, under EACH mechanism this
# machine has (bwrap, landlock: AGENTOS_SANDBOX_MECHANISM picks it; one that
# cannot run is skipped with a reason): writes outside the worktree
# (absolute, through a symlink, through /proc/self/cwd), into .git/hooks,
# .git/config, .agentos/config.json, .mcp.json; reads of ~/.ssh (a fake
# HOME); TCP, UDP to a loopback listener; the seccomp filter under both
# (io_uring_setup, syscall 425 via ctypes; an AF_INET socket; ptrace); a
# setsid daemon; secrets in env.  Each must fail and change
# nothing; real work (git, cc, make, the private tmp) must still work.
. "$(dirname "$0")/lib.sh"
command -v python3 >/dev/null 2>&1 || skip "python3 is not installed"
make_repo
mkdir -p .agentos sub && echo '{}' > .agentos/config.json &&
    echo '{}' > .mcp.json || hard "setup"
git add -A && git commit -qm setup || hard "git commit"
out="$top_builddir/tests/e2e/0840-outside.$$"
mkdir -p "$out" || hard "mkdir $out"
# A TCP listener and a UDP socket on the same loopback port; what the UDP
# one receives goes to udp-got (inside bwrap's network namespace a send
# to 127.0.0.1 "succeeds" but reaches only that namespace).
python3 -c 'import socket,sys
t=socket.socket(); t.bind(("127.0.0.1",0)); t.listen(5)
p=t.getsockname()[1]
u=socket.socket(socket.AF_INET, socket.SOCK_DGRAM); u.bind(("127.0.0.1",p))
print(p); sys.stdout.flush()
while True:
	d=u.recv(100)
	open(sys.argv[1], "ab").write(d)' "$T_TMP/udp-got" > "$T_TMP/port" &
lpid=$!
trap 'rm -rf "$out"; kill $lpid 2>/dev/null' EXIT
i=0
while [ ! -s "$T_TMP/port" ] && [ $i -lt 100 ]; do sleep 0.1; i=$((i+1)); done
port=$(cat "$T_TMP/port")
[ -n "$port" ] || hard "no listener"
HOME="$T_TMP/home"
export HOME
mkdir -p "$HOME/.ssh" && echo PRIVATEKEY > "$HOME/.ssh/id_rsa"
ln -s "$out" "$T_REPO/link"
run() { "$AGENTOS" sandbox run -- sh -c "$1" >"$T_TMP/o" 2>&1; }
ran=0
for mech in bwrap landlock; do
	AGENTOS_SANDBOX_MECHANISM=$mech
	export AGENTOS_SANDBOX_MECHANISM
	if ! "$AGENTOS" sandbox status > "$T_TMP/status" 2>&1; then
		echo "0840: $mech skipped: $(cat "$T_TMP/status")" >&2
		continue
	fi
	grep -q "enforced: yes" "$T_TMP/status" ||
	    fail "$mech: not enforced: $(cat "$T_TMP/status")"
	ran=$((ran+1))
	run "echo x > '$out/abs'" && fail "$mech: absolute write outside"
	run "echo x > link/sym" && fail "$mech: write through a symlink"
	run "echo x > /proc/self/cwd/../proc.$mech"
	run "echo x > .git/hooks/pre-commit" && fail "$mech: .git/hooks"
	run "echo x >> .git/config" && fail "$mech: .git/config"
	run "echo x > .agentos/config.json" && fail "$mech: .agentos"
	run "echo x > .mcp.json" && fail "$mech: .mcp.json"
	run "cat '$HOME/.ssh/id_rsa'" && grep -q PRIVATEKEY "$T_TMP/o" &&
	    fail "$mech: read ~/.ssh/id_rsa"
	run "python3 -c 'import socket; socket.create_connection((\"127.0.0.1\", $port), 2)'" &&
	    fail "$mech: TCP connect to the loopback listener"
	run "python3 -c 'import socket; s=socket.socket(socket.AF_INET, socket.SOCK_DGRAM); s.sendto(b\"x\", (\"127.0.0.1\", $port))'"
	sleep 0.5
	[ -s "$T_TMP/udp-got" ] && fail "$mech: a UDP datagram reached the host"
	# The seccomp filter, under both mechanisms (bwrap gets it before
	# it is exec'd): io_uring, ptrace, a UDP socket at all.
	run "python3 -c 'import ctypes, sys; l=ctypes.CDLL(None, use_errno=True); sys.exit(0 if l.syscall(425, 8, ctypes.create_string_buffer(120)) >= 0 else 1)'" &&
	    fail "$mech: io_uring_setup succeeded"
	run "python3 -c 'import socket; socket.socket(socket.AF_INET, socket.SOCK_DGRAM)'" &&
	    fail "$mech: a UDP socket could be made"
	grep -q "Permission denied" "$T_TMP/o" ||
	    fail "$mech: the UDP socket was not refused by the filter: $(cat "$T_TMP/o")"
	run "python3 -c 'import ctypes, sys; l=ctypes.CDLL(None, use_errno=True); sys.exit(0 if l.ptrace(0, 0, 0, 0) == 0 else 1)'" &&
	    fail "$mech: ptrace(PTRACE_TRACEME) succeeded"
	ls "$out" | grep -q . && fail "$mech: files appeared outside"
	[ -e "$T_TMP/proc.$mech" ] && fail "$mech: /proc/self/cwd/.. escape"
	[ -e .git/hooks/pre-commit ] && fail "$mech: pre-commit exists"
	[ "$(cat .agentos/config.json)" = '{}' ] || fail "$mech: .agentos"
	[ "$(cat .mcp.json)" = '{}' ] || fail "$mech: .mcp.json changed"
	tag="sleep 300.0840$$$mech"
	run "(setsid $tag >/dev/null 2>&1 &); sleep 1; echo started" ||
	    fail "$mech: daemon command failed: $(cat "$T_TMP/o")"
	sleep 1
	if pgrep -f "$tag" >/dev/null; then
		pkill -f "$tag"
		fail "$mech: the setsid daemon outlived the command"
	fi
	ANTHROPIC_API_KEY=sk-ant-secret FOO_TOKEN=tok run env || fail "env"
	grep -q 'ANTHROPIC_API_KEY\|FOO_TOKEN' "$T_TMP/o" &&
	    fail "$mech: secret in env"
	# Real work (in a subdirectory: Landlock cannot let new entries be
	# made at the worktree's top without letting them into .git).
	run "echo y > sub/new.$mech && git status --short && git diff &&
	    git log --oneline" || fail "$mech: git: $(cat "$T_TMP/o")"
	[ "$(cat sub/new.$mech)" = y ] || fail "$mech: write in the worktree"
	run 'echo t > "${TMPDIR:-/tmp}/t" && cat "${TMPDIR:-/tmp}/t"' ||
	    fail "$mech: tmp: $(cat "$T_TMP/o")"
	if command -v cc >/dev/null 2>&1 && command -v make >/dev/null 2>&1
	then
		printf 'int main(void){return 0;}\n' > sub/m.c
		printf 'm: m.c\n\tcc -o m m.c\n' > sub/Makefile
		run "make -C sub && ./sub/m" ||
		    fail "$mech: make/cc: $(cat "$T_TMP/o")"
		rm -f sub/m
	fi
done
[ $ran -gt 0 ] || skip "neither bwrap nor Landlock can run here"
exit 0
