#!/bin/sh
# Crash safety: agentos -p runs a scripted multi-turn session (each model
# turn appends one numbered line to a file with bash) and is killed with
# SIGKILL at random points, then resumed with -c, many times.  Afterwards:
# no tool call ran twice or ran without being logged first, each logged
# result matches the file, the conversation the model last saw is
# well-formed, and the first snapshot restores the worktree.
# AGENTOS_KILLS sets the number of kills (default 12); the seed is printed.
# test-timeout: 600 (s, for tests/run-test: 112 s on a loaded machine)
. "$(dirname "$0")/lib.sh"
[ -f "$top_srcdir/tests/fake-provider.py" ] || skip "no tests/fake-provider.py"
"$AGENTOS" --help 2>&1 | grep -Eq -- '(^| )-c[ ,]' ||
    skip "agentos has no -c (continue) yet"
make_repo
kills=${AGENTOS_KILLS:-12}
seed=${AGENTOS_SEED:-$$}
echo "seed $seed, $kills kills"

python3 - "$T_TMP/script.json" <<'PY' || hard "script"
import json, sys
turns = [{"tool_calls": [{"name": "bash",
          "input": {"command": "echo line-%02d >> appended.txt; sleep 0.25" % i}}],
          "text": "Appending line %d." % i, "slow_ms": 15}
         for i in range(30)]
turns.append({"text": "All lines are appended."})
json.dump(turns, open(sys.argv[1], "w"))
PY
start_provider --script "$T_TMP/script.json"
export ANTHROPIC_API_KEY=sk-ant-test-0000000000000000
# Run agentos in place of the calling (sub)shell, so $! is agentos itself.
run() {
	exec "$AGENTOS" "$@" --provider anthropic \
	    --base-url "http://127.0.0.1:$T_PORT" --permission-mode bypass \
	    -p 'Append the lines, one bash call each.'
}

# Whether the session log holds an event: only then has -c something to
# continue.  Killing the first run before that (at 59 ms on a loaded
# machine) left nothing, and every -c after it said "no session to continue".
logged() {
	python3 - .git/agentos/sessions.db <<'PY'
import sqlite3, sys
try:
    db = sqlite3.connect("file:%s?mode=ro" % sys.argv[1], uri=True,
                         timeout=5)
    n = db.execute("SELECT count(*) FROM events").fetchone()[0]
except sqlite3.Error:
    n = 0
sys.exit(0 if n > 0 else 1)
PY
}

i=0
while [ $i -lt "$kills" ]; do
	delay=$(python3 -c "import random; random.seed($seed * 1000 + $i);
print('%.3f' % random.uniform(0.02, 0.6))")
	if [ $i -eq 0 ]; then
		run >> "$T_TMP/agentos.out" 2>&1 &
		pid=$!
		# The random delay counts from the first logged event.
		n=0
		until logged; do
			kill -0 "$pid" 2>/dev/null ||
			    fail "the first run ended before logging:" \
			    "$(tail -5 "$T_TMP/agentos.out")"
			n=$((n + 1))
			[ $n -le 600 ] || fail "no session logged in 60 s"
			sleep 0.1
		done
	else
		run -c >> "$T_TMP/agentos.out" 2>&1 &
		pid=$!
	fi
	sleep "$delay"
	kill -9 "$pid" 2>/dev/null
	wait "$pid" 2>/dev/null
	i=$((i + 1))
done
# The last run goes to the end of the script.
(run -c) >> "$T_TMP/agentos.out" 2>&1 || fail "final resume failed: $(tail -5 "$T_TMP/agentos.out")"
sleep 0.2

"$AGENTOS" export --format jsonl > "$T_TMP/events.jsonl" || fail "export"
python3 - "$T_TMP/events.jsonl" appended.txt "$T_PROVIDER_LOG" <<'PY' || fail "invariants (seed $seed)"
import json, os, re, sys
events = [json.loads(l) for l in open(sys.argv[1])]
lines = open(sys.argv[2]).read().split() if os.path.exists(sys.argv[2]) else []
seqs = [e["seq"] for e in events]
assert seqs == list(range(1, len(seqs) + 1)), "seq has gaps"
cmd = {}
for e in events:
    if e["type"] == "response":
        for b in e["data"]["message"]["content"]:
            if b["type"] == "tool_use":
                assert b["id"] not in cmd, "tool use %s twice" % b["id"]
                cmd[b["id"]] = re.search(r"line-\d+", b["input"]["command"]).group(0)
starts, results = {}, {}
for e in events:
    i = e["data"].get("id")
    if e["type"] == "tool_start":
        starts[i] = starts.get(i, 0) + 1
    if e["type"] == "tool_result":
        results[i] = results.get(i, 0) + 1
for i in cmd:
    n = lines.count(cmd[i])
    assert starts.get(i, 0) <= 1, "%s started %d times" % (i, starts[i])
    assert results.get(i, 0) <= 1, "%s has %d results" % (i, results[i])
    if results.get(i) and starts.get(i):
        assert n == 1, "%s (%s) logged as run, in the file %d times" % (i, cmd[i], n)
    elif starts.get(i):
        assert n <= 1, "%s (%s) interrupted, in the file %d times" % (i, cmd[i], n)
    else:
        assert n == 0, "%s (%s) never started, in the file %d times" % (i, cmd[i], n)
started = {cmd[i] for i in starts}
for l in lines:
    assert l in started, "%s was appended without a logged tool_start" % l
    assert lines.count(l) == 1, "%s appended %d times" % (l, lines.count(l))
assert len(results) >= 1, "no tool call completed"
# The last request the model got: alternating roles, every tool use answered.
reqs = [json.loads(l) for l in open(sys.argv[3])]
msgs = reqs[-1]["messages"]
for a, b in zip(msgs, msgs[1:]):
    assert a["role"] != b["role"], "two %s messages in a row" % a["role"]
for k, m in enumerate(msgs):
    if m["role"] != "assistant" or not isinstance(m["content"], list):
        continue
    uses = [b["id"] for b in m["content"] if b["type"] == "tool_use"]
    if not uses:
        continue
    nxt = msgs[k + 1]["content"] if k + 1 < len(msgs) else []
    got = [b["tool_use_id"] for b in nxt if isinstance(b, dict) and b.get("type") == "tool_result"]
    assert sorted(uses) == sorted(got), "tool uses %s answered by %s" % (uses, got)
print("%d tool uses, %d run, %d lines, %d requests" %
      (len(cmd), len(results), len(lines), len(reqs)))
PY

# The first snapshot (before the first append) restores the worktree.
set -- $(python3 -c '
import json, sys
for l in open(sys.argv[1]):
    e = json.loads(l)
    if e["type"] == "snapshot":
        print(e["session"], e["data"]["id"]); break' "$T_TMP/events.jsonl")
[ $# -eq 2 ] || fail "no snapshot logged"
"$AGENTOS" rewind "$2" --yes --session "$1" > "$T_TMP/rewind.out" 2>&1 ||
    fail "rewind $2 of session $1: $(cat "$T_TMP/rewind.out")"
[ ! -e appended.txt ] || fail "appended.txt survived the rewind"
[ "$(cat hello.txt)" = "$(printf 'hello\nworld')" ] || fail "hello.txt"
exit 0
