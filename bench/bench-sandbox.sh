#!/bin/sh
# bench-sandbox.sh: time added by the sandbox to `true` and `make -q`, per
# mechanism: hyperfine when installed, else a loop of N runs (default 200)
# timed with date +%s%N.  Run from a built tree: bench/bench-sandbox.sh [N]
set -u
top=$(cd "$(dirname "$0")/.." && pwd)
AGENTOS=${AGENTOS:-$top/agentos}
n=${1:-200}
work=$(mktemp -d /var/tmp/bench-sandbox.XXXXXX)
trap 'rm -rf "$work"' EXIT
cd "$work" && git init -q . && printf 'all:\n\t@true\n' > Makefile
# The bwrap argv agentos uses, taken from `agentos sandbox status`.
prefix=$("$AGENTOS" sandbox status | sed -n 's/^argv: //p')
[ -n "$prefix" ] || { echo "bench-sandbox: bwrap is not usable here" >&2; exit 77; }

loop() {	# loop N CMD...: mean ms per run
	s=$(date +%s%N); i=0
	while [ $i -lt "$n" ]; do "$@" >/dev/null 2>&1; i=$((i + 1)); done
	e=$(date +%s%N)
	echo "scale=2; ($e - $s) / $n / 1000000" | bc
}
for cmd in true "make -q"; do
	# shellcheck disable=SC2086
	base=$(loop $cmd)
	# shellcheck disable=SC2086
	bw=$(loop $prefix $cmd)
	echo "$cmd: unsandboxed $base ms, bwrap $bw ms, added $(echo "$bw - $base" | bc) ms (mean of $n)"
done
# Landlock + seccomp has no argv prefix: compare `agentos sandbox run`
# under it with the same run under profile off (agentos's own start-up
# cancels out; what is left is the rule set, the filter and the guard).
if AGENTOS_SANDBOX_MECHANISM=landlock "$AGENTOS" sandbox status >/dev/null 2>&1
then
	for cmd in true "make -q"; do
		# shellcheck disable=SC2086
		off=$(loop "$AGENTOS" sandbox run -p off -- $cmd)
		# shellcheck disable=SC2086
		ll=$(AGENTOS_SANDBOX_MECHANISM=landlock loop "$AGENTOS" sandbox run -- $cmd)
		echo "$cmd: agentos sandbox run -p off $off ms, landlock $ll ms, added $(echo "$ll - $off" | bc) ms (mean of $n)"
	done
else
	echo "landlock: not available here, skipped"
fi
if command -v codex >/dev/null 2>&1; then
	echo "codex: $(loop codex sandbox linux true) ms (codex sandbox linux true)"
else
	echo "codex: not installed, skipped"
fi
