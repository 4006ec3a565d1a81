# lib.sh: helpers for end-to-end tests: the real binary under tmux against
# tests/fake-provider.py in a throwaway git repository.  Source it first.
# Exit codes: 0 pass, 77 skip, 99 hard error, anything else fail.
set -u
: "${top_srcdir:=$(cd "$(dirname "$0")/../.." && pwd)}"
: "${top_builddir:=$top_srcdir}"
: "${AGENTOS:=$top_builddir/agentos}"
: "${WIRE_DIR:=$top_srcdir/../shared/wire}"
export AGENTOS WIRE_DIR

T_TMP=$(mktemp -d "${TMPDIR:-/tmp}/agentos-e2e.XXXXXX")
# The tmux socket: the one tests/run-test names, so that it can kill the
# server if this script could not.
T_SOCK=${AGENTOS_TEST_TMUX:-agentos-t$$}
T_PIDS=""
export HOME="$T_TMP/home" XDG_CONFIG_HOME="$T_TMP/home/.config"
# Folder trust's record (trust.json) stays in the test's HOME too.
export XDG_STATE_HOME="$T_TMP/home/.local/state"
mkdir -p "$HOME"
unset ANTHROPIC_API_KEY ANTHROPIC_BASE_URL OPENAI_API_KEY OPENAI_BASE_URL \
    AGENTOS_PROVIDER AGENTOS_MODEL

# Kill everything this test started.
t_cleanup() {
	tmux -L "$T_SOCK" kill-server 2>/dev/null
	for p in $T_PIDS; do kill "$p" 2>/dev/null; done
	# Only what was killed: another child may be one that ignores SIGTERM.
	for p in $T_PIDS; do wait "$p" 2>/dev/null; done
	[ -n "${T_KEEP:-}" ] || rm -rf "$T_TMP"
}
trap t_cleanup EXIT
# Killed (tests/run-test's time limit sends SIGTERM): show where it stood,
# then clean up through the EXIT trap.
t_killed() {
	echo "FAIL: killed by SIG$1 (the time limit?)" >&2
	[ -n "${T_SESSION:-}" ] && screen >&2
	exit 1
}
trap 't_killed TERM' TERM
trap 't_killed INT' INT
trap 't_killed HUP' HUP

fail() { echo "FAIL: $*" >&2; [ -n "${T_SESSION:-}" ] && screen >&2; exit 1; }
skip() { echo "SKIP: $*" >&2; exit 77; }
hard() { echo "ERROR: $*" >&2; exit 99; }

# Make a throwaway git repository in $T_TMP/repo with one commit; cd there.
make_repo() {
	T_REPO="$T_TMP/repo"
	mkdir -p "$T_REPO" && cd "$T_REPO" || hard "mkdir"
	git init -q -b main . && git config user.email t@example.com &&
	    git config user.name Test || hard "git init"
	printf 'hello\nworld\n' > hello.txt
	git add -A && git commit -qm initial || hard "git commit"
}

# How long (s) wait_for and the other waits give the screen or a file by
# default: generous, since the machine may be busy with other builds; a
# test that passes waits only as long as it must.  AGENTOS_TEST_WAIT sets it.
T_WAIT=${AGENTOS_TEST_WAIT:-30}

# Start the fake provider with a script (see tests/fake-provider.py -h);
# sets T_PORT and T_PROVIDER_LOG (one JSON request body per line).
start_provider() {
	T_PROVIDER_LOG="$T_TMP/requests.jsonl"
	python3 "$top_srcdir/tests/fake-provider.py" --port-file \
	    "$T_TMP/port" --log "$T_PROVIDER_LOG" "$@" \
	    > "$T_TMP/provider.out" 2>&1 &
	T_PIDS="$T_PIDS $!"
	_end=$(( $(date +%s) + T_WAIT ))
	while [ ! -s "$T_TMP/port" ] && [ "$(date +%s)" -le "$_end" ]; do
		sleep 0.05
	done
	T_PORT=$(cat "$T_TMP/port" 2>/dev/null) ||
	    hard "provider did not start: $(cat "$T_TMP/provider.out")"
}

# The command a tmux pane runs: agentos with the arguments, then its exit
# status, and the pane stays (until cleanup kills the server) so that the
# status can be read.
t_pane_cmd() { echo "$AGENTOS $*; echo AGENTOS-EXITED \$?; sleep 3600"; }

# Start agentos in tmux (120x40) with the given arguments.
start_agentos() {
	T_SESSION=main
	tmux -L "$T_SOCK" -f /dev/null new-session -d -s main -x 120 -y 40 \
	    -c "$PWD" "$(t_pane_cmd "$@")" || hard "tmux"
}

# Run agentos again in the same pane (the old one, if alive, is killed).
restart_agentos() {
	tmux -L "$T_SOCK" respawn-pane -k -t main -c "$PWD" \
	    "$(t_pane_cmd "$@")" || hard "respawn"
}

# The visible screen.
screen() { tmux -L "$T_SOCK" capture-pane -p -t main; }

# Wait (default $T_WAIT s) until the screen matches an extended regex.
wait_for() {
	_re=$1; _t=${2:-$T_WAIT}
	_end=$(( $(date +%s) + _t ))
	while [ "$(date +%s)" -le "$_end" ]; do
		screen | grep -Eq -- "$_re" && return 0
		sleep 0.1
	done
	fail "timed out waiting for /$_re/"
}

# Wait (default $T_WAIT s) until the screen no longer matches an extended
# regex; fail with the message if it still does.  For what an action must
# take off the screen: a redraw can reach tmux in pieces, so the first
# capture after another line appeared may still hold old rows.
wait_gone() {
	_re=$1; _msg=$2; _t=${3:-$T_WAIT}
	_end=$(( $(date +%s) + _t ))
	while [ "$(date +%s)" -le "$_end" ]; do
		screen | grep -Eq -- "$_re" || return 0
		sleep 0.1
	done
	fail "$_msg (still on the screen after $_t s: /$_re/)"
}

# Wait (default $T_WAIT s) until the screen stops changing: two captures
# 0.5 s apart that are equal.  Prints that screen.
wait_stable() {
	_t=${1:-$T_WAIT}
	_end=$(( $(date +%s) + _t ))
	_prev=$(screen)
	while [ "$(date +%s)" -le "$_end" ]; do
		sleep 0.5
		_cur=$(screen)
		if [ "$_cur" = "$_prev" ]; then
			printf '%s\n' "$_cur"
			return 0
		fi
		_prev=$_cur
	done
	fail "the screen kept changing for $_t s"
}

# Start the OTLP test receiver (tests/otlp-collector.py) writing the spans
# it gets to file $2, answering as mode $1 (ok, 503, hang); sets C_PORT.
start_collector() {
	rm -f "$T_TMP/cport"
	python3 "$top_srcdir/tests/otlp-collector.py" --mode "$1" \
	    --port-file "$T_TMP/cport" --out "$2" > "$T_TMP/collector.out" 2>&1 &
	T_PIDS="$T_PIDS $!"
	_end=$(( $(date +%s) + T_WAIT ))
	while [ ! -s "$T_TMP/cport" ] && [ "$(date +%s)" -le "$_end" ]; do
		sleep 0.05
	done
	C_PORT=$(cat "$T_TMP/cport" 2>/dev/null) || hard "collector did not start"
}

send_keys() { tmux -L "$T_SOCK" send-keys -t main "$@"; }

# The sandbox tests (0801-0805): skip unless bubblewrap runs here.
need_bwrap() {
	command -v bwrap >/dev/null 2>&1 || skip "bwrap is not installed"
	bwrap --ro-bind / / true >/dev/null 2>&1 || skip "bwrap cannot run here"
}

# Have the agent run shell command $1 as one bash tool call, headless in
# permission mode bypass (more agentos options may follow); the result the
# model got is left in $T_TMP/result, agentos's stderr in $T_TMP/err.
agent_bash() {
	_cmd=$1
	shift
	python3 -c 'import json, sys
print(json.dumps([{"tool_calls": [{"name": "bash",
    "input": {"command": sys.argv[1]}}]}, {"text": "done"}]))' "$_cmd" \
	    > "$T_TMP/bash-script.json" || hard "script"
	rm -f "$T_TMP/port" "$T_TMP/requests.jsonl"
	start_provider --script "$T_TMP/bash-script.json"
	"$AGENTOS" -p "run it" --provider openai -m test-model \
	    --base-url "http://127.0.0.1:$T_PORT/v1" \
	    --permission-mode bypass "$@" > "$T_TMP/out" 2> "$T_TMP/err" ||
	    { cat "$T_TMP/err" "$T_TMP/out" >&2; fail "agentos exit status"; }
	python3 -c 'import json, sys
reqs = [json.loads(l) for l in open(sys.argv[1])]
m = reqs[-1]["messages"][-1]
assert m["role"] == "tool", m
sys.stdout.write(m["content"])' "$T_PROVIDER_LOG" > "$T_TMP/result" ||
	    fail "no tool result in the last request"
}

# refuse_bwrap: put a bwrap first on PATH that refuses to run, as on a
# machine whose kernel forbids user namespaces, so nothing is enforced.
refuse_bwrap() {
	mkdir -p "$T_TMP/bin"
	printf '#!/bin/sh\necho "bwrap: refused" >&2\nexit 1\n' \
	    > "$T_TMP/bin/bwrap"
	chmod +x "$T_TMP/bin/bwrap"
	PATH="$T_TMP/bin:$PATH"
	export PATH
	# And no Landlock either (it would be the fallback).
	AGENTOS_SANDBOX_MECHANISM=none
	export AGENTOS_SANDBOX_MECHANISM
}

# real_sources N PROMPTS: copy N real sources of 3-9 KB from src/ (by
# name, whatever the tree holds now) into the throwaway repo's src/, commit
# them, set $files to their names and write "$T_TMP/script.json": PROMPTS
# turns each reading N/PROMPTS of them with read_file and answering
# "ANSWER-k." (k from 0).  Used by the context manager's tests (issue 11).
real_sources() {
	_n=$1 _prompts=$2
	mkdir -p src
	files=$(cd "$top_srcdir/src" && ls *.c *.h | while read -r f; do
		_sz=$(wc -c < "$f")
		[ "$_sz" -ge 3000 ] && [ "$_sz" -le 9000 ] && echo "$f"
	done | head -"$_n" | tr '\n' ' ')
	[ "$(echo $files | wc -w)" -eq "$_n" ] ||
	    hard "not $_n sources of 3-9 KB"
	for f in $files; do
		cp "$top_srcdir/src/$f" "src/$f" || hard "copy $f"
	done
	git add -A && git commit -qm sources || hard "git commit"
	python3 - "$files" "$_prompts" > "$T_TMP/script.json" <<'P' ||
import json, sys
files = sys.argv[1].split()
k_n = int(sys.argv[2])
per = len(files) // k_n
turns = []
for k in range(k_n):
    for f in files[k * per:(k + 1) * per]:
        turns.append({"text": "Reading %s." % f, "tool_calls": [
            {"name": "read_file", "input": {"path": "src/" + f}}]})
    turns.append({"text": "ANSWER-%d." % k})
print(json.dumps(turns))
P
	    hard "read_file script"
}

# npm_install DIR NAME@VERSION...: install npm packages once into DIR (in
# the build tree), under a lock, since tests that run side by side share
# DIR; nothing when the first package is there at its version.  Skips the
# test without node, npm or the registry.
npm_install() {
	_ni_dir=$1
	shift
	command -v node >/dev/null 2>&1 || skip "node not installed"
	command -v npm >/dev/null 2>&1 || skip "npm not installed"
	mkdir -p "$_ni_dir" || hard "mkdir $_ni_dir"
	_ni_name=${1%@*}
	_ni_version=${1##*@}
	(
		flock 9 || exit 1
		_ni_have=$(python3 -c 'import json, sys
print(json.load(open(sys.argv[1]))["version"])' \
		    "$_ni_dir/node_modules/$_ni_name/package.json" 2>/dev/null)
		[ "$_ni_have" = "$_ni_version" ] && exit 0
		npm install --prefix "$_ni_dir" --no-save --no-audit \
		    --no-fund --loglevel=error "$@" > "$T_TMP/npm.log" 2>&1
	) 9> "$_ni_dir/.lock" ||
	    { cat "$T_TMP/npm.log" >&2 2>/dev/null
	      skip "npm install failed (no registry?)"; }
}
