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
# In a session, as the agent runs commands: one headless run with K bash
# calls of `true` against the fake provider, per mechanism, against the
# same run with --sandbox off; (difference) / K is what the sandbox adds
# per command once the session has started (probes, the seccomp compile
# and the first Landlock rule set are paid once).
k=${BENCH_SESSION_CALLS:-40}
python3 -c 'import json, sys
k = int(sys.argv[1])
print(json.dumps([{"tool_calls": [{"name": "bash", "input": {"command": "true"}}]}
                  for _ in range(k)] + [{"text": "done"}]))' "$k" > "$work/script.json"
session() {	# session MECH ARGS...: wall ms of one headless run
	python3 "$top/tests/fake-provider.py" --port-file "$work/port" \
	    --script "$work/script.json" > /dev/null 2>&1 &
	fp=$!
	while [ ! -s "$work/port" ]; do sleep 0.02; done
	m=$1; shift
	s=$(date +%s%N)
	AGENTOS_SANDBOX_MECHANISM=$m "$AGENTOS" -p go --provider openai -m t \
	    --base-url "http://127.0.0.1:$(cat "$work/port")/v1" \
	    --permission-mode bypass "$@" > /dev/null 2>&1
	e=$(date +%s%N)
	kill $fp 2>/dev/null; wait $fp 2>/dev/null; rm -f "$work/port"
	echo $(( (e - s) / 1000000 ))
}
mechs=""
for m in bwrap landlock; do
	if AGENTOS_SANDBOX_MECHANISM=$m "$AGENTOS" sandbox status >/dev/null 2>&1
	then mechs="$mechs $m"
	else echo "session, $m: not available here"
	fi
done
: > "$work/off"
for m in $mechs; do : > "$work/$m"; done
# Interleaved, five rounds, medians: the machine's load drifts.
for r in 1 2 3 4 5; do
	session none --sandbox off >> "$work/off"
	for m in $mechs; do session $m >> "$work/$m"; done
done
off=$(sort -n "$work/off" | sed -n 3p)
for m in $mechs; do
	t=$(sort -n "$work/$m" | sed -n 3p)
	echo "session, $k x bash true (median of 5): off $off ms, $m $t ms, added $(echo "scale=2; ($t - $off) / $k" | bc) ms per command"
done
# Codex's sandbox, the same way from the command line: `codex sandbox --
# true` (codex-cli 0.171; older ones: `codex sandbox linux true`) next to
# `agentos sandbox run -- true`; both pay their program's start-up. CODEX
# names the binary (the native one under
# node_modules/@openai/codex-linux-*/vendor/*/bin/codex from
# `npm install @openai/codex`); its HOME must not be under /tmp.
codex=${CODEX:-$(command -v codex 2>/dev/null)}
if [ -n "$codex" ] && [ -x "$codex" ]; then
	chome=${CODEX_HOME_DIR:-$HOME}
	if HOME=$chome "$codex" sandbox -- true >/dev/null 2>&1; then
		csub="sandbox --"
	else
		csub="sandbox linux"
	fi
	echo "codex $("$codex" --version 2>/dev/null): $(HOME=$chome; export HOME; loop "$codex" $csub true) ms ($codex $csub true), agentos: $(loop "$AGENTOS" sandbox run -- true) ms (agentos sandbox run -- true), mean of $n"
else
	echo "codex: not installed, skipped (CODEX=path/to/codex)"
fi
