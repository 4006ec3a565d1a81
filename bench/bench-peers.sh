#!/bin/sh
# bench-peers.sh: measure agentos's peers (Claude Code, Codex CLI) and agentos
# itself on this machine, offline, and print a Markdown table.
#
# usage: bench/bench-peers.sh            (from the top of the source tree)
#
# Environment:
#   RUNS=10              first-screen runs per tool (median and min reported)
#   IDLE=3               seconds after the loaded screen before RSS is read
#   BENCH_WORK=/tmp/agentos-bench-peers   scratch dir (repo, homes, logs)
#   PEERS_PREFIX=$BENCH_WORK/npm          where npm installs the peers
#   CLAUDE_PKG=@anthropic-ai/claude-code@latest
#   CODEX_PKG=@openai/codex@latest
#   REPO_PKG=eslint@9.39.5                npm package used as the test repo
#   AGENTOS=./agentos    agentos binary; skipped when not executable
#   AGENTOS_READY        regex for agentos's input line (default below)
#   AGENTOS_LOADED       regex for agentos's loaded screen (default: READY)
#
# Nothing is downloaded except from the npm registry (the peers and the
# test repository's package); the peers talk only to bench/peer-fake.py on
# 127.0.0.1.  Method: see bench/RESULTS-peers.md and bench/startup.py.
set -eu

here=$(cd "$(dirname "$0")" && pwd)
RUNS=${RUNS:-10}
IDLE=${IDLE:-3}
WORK=${BENCH_WORK:-/tmp/agentos-bench-peers}
PEERS=${PEERS_PREFIX:-$WORK/npm}
CLAUDE_PKG=${CLAUDE_PKG:-@anthropic-ai/claude-code@latest}
CODEX_PKG=${CODEX_PKG:-@openai/codex@latest}
REPO_PKG=${REPO_PKG:-eslint@9.39.5}
AGENTOS=${AGENTOS:-./agentos}
AGENTOS_READY=${AGENTOS_READY:-'^[>❯›]\s'}
AGENTOS_LOADED=${AGENTOS_LOADED:-$AGENTOS_READY}
TASK="read hello.txt and tell me what it says"
SYSPATH=/usr/local/bin:/usr/bin:/bin

log() { printf '%s\n' "bench-peers: $*" >&2; }

mkdir -p "$WORK" "$PEERS"
case $AGENTOS in /*) ;; *) AGENTOS=$(pwd)/$AGENTOS ;; esac
[ -x "$AGENTOS" ] || AGENTOS=

# --- the peers, from the npm registry, under $PEERS (never in the tree)
if [ ! -x "$PEERS/node_modules/.bin/claude" ] ||
    [ ! -x "$PEERS/node_modules/.bin/codex" ] || [ -n "${REINSTALL:-}" ]; then
	log "npm install $CLAUDE_PKG $CODEX_PKG"
	npm install --prefix "$PEERS" --no-audit --no-fund --loglevel=error \
	    "$CLAUDE_PKG" "$CODEX_PKG" >&2
fi
BIN=$PEERS/node_modules/.bin
CODEX_NATIVE=$(ls "$PEERS"/node_modules/@openai/codex-linux-*/vendor/*/bin/codex \
    2>/dev/null | head -n 1)

# --- the test repository: a real project's source, git init + one commit
REPO=$WORK/repo
if [ ! -d "$REPO/.git" ]; then
	log "test repository from npm package $REPO_PKG"
	rm -rf "$REPO" "$WORK/pack"
	mkdir -p "$REPO" "$WORK/pack"
	(cd "$WORK/pack" && npm pack --silent "$REPO_PKG" >/dev/null)
	tar xzf "$WORK"/pack/*.tgz -C "$REPO" --strip-components=1
	echo "hello from the benchmark" >"$REPO/hello.txt"
	(cd "$REPO" && git init -q && git add -A &&
	    git -c user.name=bench -c user.email=bench@localhost \
	    commit -qm "import $REPO_PKG")
fi
REPO_FILES=$(cd "$REPO" && git ls-files | wc -l)
REPO_KIB=$(cd "$REPO" && git ls-files -z | xargs -0 cat | wc -c)
REPO_KIB=$((REPO_KIB / 1024))

# --- the fake provider
FAKE=$WORK/fake
rm -rf "$FAKE"
mkdir -p "$FAKE"
python3 "$here/peer-fake.py" "$FAKE/port" "$FAKE/log" "$FAKE/bodies" \
    hello.txt &
fakepid=$!
CXHOME=$WORK/home-codex
cleanup() {
	kill "$fakepid" 2>/dev/null || true
	tmux -L benchX kill-server 2>/dev/null || true
	python3 "$here/startup.py" --name x --ready x --kill-only \
	    --also "$CXHOME/.codex/packages/" 2>/dev/null || true
}
trap cleanup EXIT INT TERM
i=0
while [ ! -s "$FAKE/port" ]; do
	i=$((i + 1))
	[ $i -lt 200 ] || { log "fake provider did not start"; exit 1; }
	sleep 0.05
done
PORT=$(cat "$FAKE/port")
BASE=http://127.0.0.1:$PORT

# --- homes: skip onboarding, trust the repo, no login, no telemetry
CCHOME=$WORK/home-claude
rm -rf "$CCHOME" "$CXHOME"
mkdir -p "$CCHOME" "$CXHOME/.codex"
CCVER=$("$BIN/claude" --version 2>/dev/null | awk '{print $1}')
cat >"$CCHOME/.claude.json" <<EOF
{
  "hasCompletedOnboarding": true,
  "lastOnboardingVersion": "$CCVER",
  "theme": "dark",
  "customApiKeyResponses": { "approved": ["dummy"], "rejected": [] },
  "projects": {
    "$REPO": { "hasTrustDialogAccepted": true,
               "hasCompletedProjectOnboarding": true }
  }
}
EOF
# The [tui.model_availability_nux] and [notice.model_migrations] tables are
# what Codex writes itself after its "new model available" screen is
# answered; seeding them keeps that screen away.
cat >"$CXHOME/.codex/config.toml" <<EOF
model = "gpt-5.5"
model_provider = "bench"

[model_providers.bench]
name = "bench"
base_url = "$BASE/v1"
wire_api = "responses"
env_key = "BENCH_KEY"

[projects."$REPO"]
trust_level = "trusted"

[tui.model_availability_nux]
"gpt-6.1-sol" = 1

[notice.model_migrations]
"gpt-5.5" = "gpt-6-sol"
EOF
AGHOME=$WORK/home-agentos
rm -rf "$AGHOME"
mkdir -p "$AGHOME"

CC_ENV="PATH=$BIN:$SYSPATH HOME=$CCHOME TERM=xterm-256color LANG=C.UTF-8
ANTHROPIC_BASE_URL=$BASE ANTHROPIC_API_KEY=dummy DISABLE_TELEMETRY=1
CLAUDE_CODE_DISABLE_NONESSENTIAL_TRAFFIC=1"
CX_ENV="PATH=$BIN:$SYSPATH HOME=$CXHOME TERM=xterm-256color LANG=C.UTF-8
BENCH_KEY=dummy"
AG_ENV="PATH=$SYSPATH HOME=$AGHOME TERM=xterm-256color LANG=C.UTF-8
ANTHROPIC_BASE_URL=$BASE ANTHROPIC_API_KEY=dummy AGENTOS_PROVIDER=anthropic"

envargs() {
	for e in $1; do printf -- '--env\n%s\n' "$e"; done
}

# startup NAME TAG RUNS WARMUPS ENV READY LOADED [startup.py opts] -- CMD...
# writes $WORK/out/NAME.TAG.json
startup() {
	name=$1 tag=$2 runs=$3 warm=$4 envs=$5 ready=$6 loaded=$7
	shift 7
	ea=$(envargs "$envs")
	oldifs=$IFS
	IFS='
'
	# shellcheck disable=SC2086
	set -- $ea "$@"
	IFS=$oldifs
	python3 "$here/startup.py" --name "$name" --runs "$runs" \
	    --warmups "$warm" --idle "$IDLE" --outdir "$WORK/out" \
	    --cwd "$REPO" --clean-env --ready "$ready" --loaded "$loaded" \
	    "$@" >"$WORK/out/$name.$tag.json" ||
	    echo '{}' >"$WORK/out/$name.$tag.json"
}
rm -rf "$WORK/out"
mkdir -p "$WORK/out"

# Claude Code: the input box is the line "❯ " under a rule; the banner with
# model and directory is drawn in the same frame.
CCREADY='─{20,}\n❯\s'
# Codex: "› " input line (not a "› 1." menu) and the "? for shortcuts"
# footer; loaded when the header shows the directory instead of "loading".
# Codex's TUI talks to an app-server daemon it starts (and leaves running)
# from $HOME/.codex/packages: cold = daemon stopped before each run, warm =
# the daemon of the previous run left running.
CXREADY='^›\s(?!\d+\.)'
CXLOADED='^\s+>_ OpenAI Codex.*\n\s+/'
CXALSO=$CXHOME/.codex/packages/

# one round: every tool once (tag, runs, warm-ups); rounds interleave the
# tools so that load from other users of the machine hits them alike.
round() {
	startup claude "$1" "$2" "$3" "$CC_ENV" "$CCREADY" "$CCREADY" \
	    -- "$BIN/claude"
	startup codex-cold "$1" "$2" "$3" "$CX_ENV" "$CXREADY" "$CXLOADED" \
	    --ready 'for shortcuts' --cold --also "$CXALSO" \
	    --settle-file "$CXALSO/app-server-daemon/current" -- "$BIN/codex"
	startup codex-warm "$1" "$2" "$3" "$CX_ENV" "$CXREADY" "$CXLOADED" \
	    --ready 'for shortcuts' --also "$CXALSO" -- "$BIN/codex"
	if [ -n "$CODEX_NATIVE" ]; then
		startup codex-native-cold "$1" "$2" "$3" "$CX_ENV" "$CXREADY" \
		    "$CXLOADED" --ready 'for shortcuts' --cold \
		    --also "$CXALSO" -- "$CODEX_NATIVE"
	fi
	python3 "$here/startup.py" --name x --ready x --kill-only \
	    --also "$CXALSO"
	if [ -n "$AGENTOS" ]; then
		startup agentos "$1" "$2" "$3" "$AG_ENV" "$AGENTOS_READY" \
		    "$AGENTOS_LOADED" -- "$AGENTOS"
	fi
}
LOAD0=$(cut -d' ' -f1-3 /proc/loadavg)
log "first screen: warm-up (first-run installs, caches)"
round w0 0 2
r=1
while [ $r -le "$RUNS" ]; do
	log "first screen: round $r/$RUNS"
	round "round-$r" 1 0
	r=$((r + 1))
done
LOAD1=$(cut -d' ' -f1-3 /proc/loadavg)

# --- --version lower bound (hyperfine, no shell)
HF=$WORK/out/hyperfine.json
if command -v hyperfine >/dev/null 2>&1; then
	log "hyperfine --version"
	set -- "$BIN/claude --version" "$BIN/codex --version"
	[ -z "$CODEX_NATIVE" ] || set -- "$@" "$CODEX_NATIVE --version"
	[ -z "$AGENTOS" ] || set -- "$@" "$AGENTOS --version"
	(cd "$REPO" && env -i PATH="$BIN:$SYSPATH" HOME="$CXHOME" \
	    TERM=xterm-256color hyperfine -N --warmup 3 --runs 30 \
	    --style none --export-json "$HF" "$@" >/dev/null 2>&1) ||
	    echo '{"results":[]}' >"$HF"
else
	echo '{"results":[]}' >"$HF"
fi

# --- first model request, headless, same task
request() {
	name=$1 envs=$2
	shift 2
	log "first request: $name"
	: >"$FAKE/log"
	rm -rf "$FAKE/bodies"
	mkdir -p "$FAKE/bodies"
	# shellcheck disable=SC2086
	(cd "$REPO" && env -i $envs timeout 120 "$@" \
	    >"$WORK/out/$name.req.out" 2>&1 </dev/null) || true
	python3 "$here/peer-fake.py" --summary "$FAKE/log" "$FAKE/bodies" \
	    >"$WORK/out/$name.req.json"
	cp -r "$FAKE/bodies" "$WORK/out/$name.bodies"
}
request claude "$CC_ENV" "$BIN/claude" -p "$TASK"
request codex "$CX_ENV" "$BIN/codex" exec "$TASK"
python3 "$here/startup.py" --name x --ready x --kill-only \
    --also "$CXHOME/.codex/packages/"
if [ -n "$AGENTOS" ]; then
	request agentos "$AG_ENV" "$AGENTOS" -p "$TASK"
fi

# --- versions and the table
{
	echo "claude	$("$BIN/claude" --version 2>/dev/null | head -n 1)"
	echo "codex	$("$BIN/codex" --version 2>/dev/null | head -n 1)"
	[ -z "$AGENTOS" ] ||
	    echo "agentos	$("$AGENTOS" --version 2>/dev/null | head -n 1)"
} >"$WORK/out/versions.tsv"

python3 - "$WORK/out" "$REPO_PKG" "$REPO_FILES" "$REPO_KIB" "$RUNS" \
    "$IDLE" "$LOAD0" "$LOAD1" "$BIN/claude" "$BIN/codex" "$CODEX_NATIVE" \
    "$AGENTOS" <<'EOF'
import glob, json, os, platform, statistics, subprocess, sys, time
out, repo_pkg, nfiles, kib, runs, idle, load0, load1 = sys.argv[1:9]
cc_bin, cx_bin, native, ag_bin = sys.argv[9:13]

def load(name):
    try:
        with open(os.path.join(out, name)) as f:
            return json.load(f)
    except (OSError, ValueError):
        return {}


def merged(name):
    """The measured rounds NAME.round-*.json of one tool, as one result."""
    m = {"first_screen_ms": [], "loaded_ms": [], "rss_kib": [],
         "pss_kib": [], "failures": 0, "procs": [], "runs": 0}
    for p in sorted(glob.glob(os.path.join(out, name + ".round-*.json"))):
        d = load(os.path.basename(p))
        m["runs"] += d.get("runs", 1)
        m["failures"] += d.get("failures", 1) if d else 1
        for k in ("first_screen_ms", "loaded_ms", "rss_kib", "pss_kib"):
            m[k] += d.get(k, [])
        m["procs"] = d.get("procs") or m["procs"]
    for k, mk in (("first_screen_ms", "ms"), ("loaded_ms", "loaded_ms"),
                  ("rss_kib", "rss_kib"), ("pss_kib", "pss_kib")):
        v = m[k]
        m["median_" + mk] = statistics.median(v) if v else None
        m["min_" + mk] = min(v) if v else None
    return m

versions = {}
with open(os.path.join(out, "versions.tsv")) as f:
    for line in f:
        k, _, v = line.rstrip("\n").partition("\t")
        versions[k] = v
hf = {}
for r in load("hyperfine.json").get("results", []):
    hf[r["command"]] = r
cpu = "?"
with open("/proc/cpuinfo") as f:
    for line in f:
        if line.startswith("model name"):
            cpu = line.split(":", 1)[1].strip()
            break
with open("/proc/meminfo") as f:
    mem = int(f.readline().split()[1]) / 1024 / 1024
node = subprocess.run(["node", "--version"], capture_output=True,
                      text=True).stdout.strip()

def ms(v):
    return "—" if v is None else "%.0f" % v

def hfcell(path):
    r = hf.get("%s --version" % path)
    if not r:
        return "—"
    return "%.1f ± %.1f" % (r["mean"] * 1000, r["stddev"] * 1000)

rows = [
    ("Claude Code", "claude", "claude", cc_bin, "claude",
     "`claude` (native binary from npm)"),
    ("Codex CLI, daemon cold", "codex", "codex-cold", cx_bin, "codex",
     "`codex` (npm launcher: node → native)"),
    ("Codex CLI, daemon warm", "codex", "codex-warm", cx_bin, None,
     "same, app-server daemon left running"),
]
if native:
    rows.append(("Codex CLI native, daemon cold", "codex",
                 "codex-native-cold", native, None,
                 "vendor binary run directly"))
if ag_bin:
    rows.append(("agentos", "agentos", "agentos", ag_bin, "agentos",
                 "`$AGENTOS`"))

print("# Peer benchmark: first screen, idle memory, first request\n")
print("- date: %s; load average (1/5/15 min) %s at the start of the "
      "first-screen runs, %s at their end (the machine is shared)"
      % (time.strftime("%Y-%m-%d %H:%M %Z"), load0, load1))
print("- machine: %s, nproc %d, %s, RAM %.1f GiB, Linux %s, node %s"
      % (platform.node() or "?", os.cpu_count(), cpu, mem,
         platform.release(), node))
print("- test repository: npm package `%s` unpacked, `hello.txt` added, "
      "`git init` + one commit (%s files, %s KiB)" % (repo_pkg, nfiles, kib))
print("- first screen: tmux 120x40, exec released from a FIFO, "
      "`capture-pane` polled every 5 ms through one tmux control-mode "
      "client until the tool's input box regex matches; 2 warm-up runs per "
      "tool, then %s rounds that run each tool once in turn; *loaded* = "
      "model and directory shown too" % runs)
print("- idle RSS: VmRSS summed over the process tree (+ detached daemon), "
      "%s s after the loaded screen; PSS from smaps_rollup" % idle)
print("- `--version`: hyperfine -N, 3 warm-ups, 30 runs, mean ± σ")
print("- first request: headless (`claude -p`, `codex exec`, `agentos -p`) "
      "\"read hello.txt and tell me what it says\" against "
      "bench/peer-fake.py on 127.0.0.1; bytes of the HTTP body of the first "
      "model request\n")
print("| tool | version | first screen median / min (ms) | loaded median "
      "(ms) | idle RSS (MiB) | idle PSS (MiB) | `--version` (ms) | "
      "first request (bytes) |")
print("|---|---|---|---|---|---|---|---|")
for label, vkey, sname, hfkey, rkey, how in rows:
    s = merged(sname)
    req = load(rkey + ".req.json") if rkey else {}
    fs = "%s / %s" % (ms(s.get("median_ms")), ms(s.get("min_ms")))
    if s.get("failures"):
        fs += " (%d/%s failed)" % (s["failures"], runs)
    rss = s.get("median_rss_kib")
    pss = s.get("median_pss_kib")
    rb = req.get("bytes")
    print("| %s | %s | %s | %s | %s | %s | %s | %s |" % (
        label, versions.get(vkey, "?"), fs, ms(s.get("median_loaded_ms")),
        "%.0f" % (rss / 1024) if rss else "—",
        "%.0f" % (pss / 1024) if pss else "—",
        hfcell(hfkey), "—" if rb is None else "{:,}".format(rb)))
print()
print("First request split (bytes of compact JSON): ")
for key, label in (("claude", "Claude Code"), ("codex", "Codex CLI"),
                   ("agentos", "agentos")):
    req = load(key + ".req.json")
    if not req.get("bytes"):
        continue
    sp = req.get("split", {})
    print("- %s: `%s`, model `%s`, tools %s B (%d: %s), system %s B, "
          "messages/input %s B, other %s B; %d request(s) in all" % (
              label, req.get("path"), req.get("model"), sp.get("tools", 0),
              len(req.get("tools", [])), ", ".join(req.get("tools", [])),
              sp.get("system", 0), sp.get("messages", 0),
              sp.get("other", 0), req.get("requests", 0)))
print()
for label, vkey, sname, hfkey, rkey, how in rows:
    s = merged(sname)
    if not s["failures"]:
        continue
    try:
        with open(os.path.join(out, sname + ".fail.txt")) as f:
            why = " / ".join(l.strip() for l in f if l.strip())[:200]
    except OSError:
        why = "?"
    print("First screen not reached by %s in %d of %d runs; last screen: "
          "`%s`\n" % (label, s["failures"], s["runs"], why))
print("Processes counted for idle RSS (last run):")
for sname in [r[2] for r in rows]:
    s = merged(sname)
    for p in s.get("procs", []):
        print("- %s: %s" % (sname, p))
EOF
