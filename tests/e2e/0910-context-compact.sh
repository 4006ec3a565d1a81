#!/bin/sh
# Summaries (issue 11), headless, against the fake provider with a small
# context window, both wire formats.  Clearing cannot help (keep_results
# keeps every result), so the agent summarizes:
# 1. The run of many real source files finishes; no request overflows;
#    every summary request is cache-safe (the same system prompt, tools and
#    messages as the request before it, the instruction appended as the
#    last user message; OpenAI: tool_choice none); a second summary updates
#    the first (anchored); after each, every request holds the summary, the
#    user's task verbatim, the pinned failing output and the changed file
#    with its snapshot id; the compaction events carry the summary and the
#    conversation, a resume sends the compacted conversation, and a replay
#    reproduces every tool result.
# 2. A summary larger than what it replaces is rejected: three attempts,
#    then the requests go on without one until the provider's overflow
#    error, three more attempts, a clear message, the session intact (the
#    conversation unchanged).
# 3. The provider answers "prompt is too long" and clearing cannot help:
#    one summary (trigger overflow, the oldest messages left out of its
#    request so it fits), one retry, the turn succeeds.
# 4. SIGKILL in the middle, after summaries: the resume goes on from the
#    compacted conversation.
. "$(dirname "$0")/lib.sh"
make_repo
mkdir -p src
files="conv.c budget.c editor.c tool.c lsp.c toolrun.c snapshot.c key.c"
for f in $files; do
	cp "$top_srcdir/src/$f" "src/$f" || hard "copy $f"
done
git add -A && git commit -qm sources || hard "git commit"
TASK="TASK-c0mp: edit hello.txt, then read the sources one by one. CONSTRAINT-9q: never touch Makefile.am."

python3 - "$files" > "$T_TMP/script.json" <<'P'
import json, sys
files = sys.argv[1].split()
turns = [{"text": "Editing.", "tool_calls": [{"name": "edit_file", "input":
          {"path": "hello.txt", "old_string": "world",
           "new_string": "there"}}]},
         {"text": "Missing.", "tool_calls": [{"name": "read_file",
          "input": {"path": "src/no-such-file.c"}}]}]
turns += [{"text": "Reading %s." % f, "tool_calls": [
    {"name": "read_file", "input": {"path": "src/" + f}}]} for f in files]
turns.append({"text": "DONE-ANSWER: they are agentos."})
print(json.dumps(turns))
P

mkdir -p .agentos
echo '{"context": {"window": 24000, "keep_results": 20}}' > .agentos/config.json

# run KIND URL: the run, its checks; sets sid.
run() {
	kind=$1 url=$2
	git checkout -q hello.txt
	rm -f "$T_TMP/requests.jsonl" "$T_TMP/port"
	kill $T_PIDS 2>/dev/null
	T_PIDS=
	start_provider --script "$T_TMP/script.json" --context-window 24000
	"$AGENTOS" -p "$TASK" --provider "$kind" -m test-model \
	    --base-url "http://127.0.0.1:$T_PORT$url" --output-format json \
	    --permission-mode accept-edits \
	    > "$T_TMP/out.json" 2> "$T_TMP/err.txt" ||
	    { cat "$T_TMP/err.txt" "$T_TMP/out.json"; fail "$kind: exit"; }
	grep -q "DONE-ANSWER" "$T_TMP/out.json" || fail "$kind: no answer"
	sid=$(python3 -c 'import json,sys; print(json.load(open(sys.argv[1]))["session_id"])' "$T_TMP/out.json") ||
	    fail "$kind: no session id"
	"$AGENTOS" export "$sid" --format jsonl > "$T_TMP/events.jsonl" ||
	    fail "$kind: export"
	python3 - "$T_PROVIDER_LOG" "$T_TMP/events.jsonl" "$TASK" "$kind" \
	    <<'P' || fail "$kind: requests and events"
import json, sys
MARK = "agentos-compaction-request"
reqs = [json.loads(l) for l in open(sys.argv[1], encoding="utf-8")]
ev = [json.loads(l) for l in open(sys.argv[2], encoding="utf-8")]
task, kind = sys.argv[3], sys.argv[4]

def strip(x):
    """x without cache_control members (breakpoints move)."""
    if isinstance(x, dict):
        return {k: strip(v) for k, v in x.items() if k != "cache_control"}
    if isinstance(x, list):
        return [strip(v) for v in x]
    return x

def is_summary(r):
    return MARK in json.dumps(r["messages"][-1])

assert not [e for e in ev if e["type"] in ("retry", "error")], "overflow"
summ = [i for i, r in enumerate(reqs) if is_summary(r)]
assert len(summ) >= 2, ("summaries", len(summ))
turns = len(reqs) - len(summ)
# Every scripted turn, none refused for overflow.
assert turns == 11, (turns, [len(json.dumps(r)) for r in reqs])
comp = [e["data"] for e in ev if e["type"] == "compaction"
        and "summary" in e["data"]]
assert len(comp) == len(summ), (len(comp), len(summ))
safe = 0
for i, c in zip(summ, comp):
    s, p = reqs[i], reqs[i - 1]
    assert not is_summary(p)
    # Cache-safe: the prefix of the request before it, unchanged (unless
    # the oldest messages had to be left out to fit).
    assert strip(s.get("system")) == strip(p.get("system")), "system"
    assert strip(s["tools"]) == strip(p["tools"]), "tools"
    n = len(p["messages"]) - 1
    if c["left_out"] == 0:
        assert strip(s["messages"][:n]) == strip(p["messages"][:n]), i
        safe += 1
    else:
        assert len(s["messages"]) < len(p["messages"]) + 2, i
    if kind == "openai":
        assert s.get("tool_choice") == "none", s.get("tool_choice")
    else:
        assert "tool_choice" not in s
    last = json.dumps(s["messages"][-1])
    assert "## Goal" in last and "Do not call any tool" in last
# Anchored: the second summary request holds the first summary, and
# asks for its update.
assert "FAKE-SUMMARY-1" in json.dumps(reqs[summ[1]]), "not anchored"
assert "update that summary" in json.dumps(reqs[summ[1]]["messages"][-1])
assert safe >= 2, safe
assert "(updates FAKE-SUMMARY-1)" in comp[1]["summary"], comp[1]["summary"]
err = [e["data"]["content"] for e in ev if e["type"] == "tool_result"
       and e["data"].get("is_error")]
assert len(err) == 1, err
for c in comp:
    assert c["trigger"] == "auto", c["trigger"]
    assert c["tokens_after"] < c["tokens_before"], c
    assert c["replaced"] > 0 and c["messages"], c
    assert c["user_kept"] >= 1
# After the first summary: every request holds the summary, the task
# verbatim, the pinned error, the changed file with its snapshot.
snap = [e["data"]["id"] for e in ev if e["type"] == "snapshot"]
assert snap, "no snapshot"
for r in reqs[summ[0] + 1:]:
    if is_summary(r):
        continue
    body = json.dumps(r)
    assert "FAKE-SUMMARY-" in body, "no summary"
    assert json.dumps(task)[1:-1] in body, "task lost"
    assert json.dumps(err[0])[1:-1] in body, "pinned error lost"
    assert "hello.txt (snapshot %s)" % snap[0] in body, "files lost"
    assert "Do not call any tool" not in body, "instruction kept"
print(kind, len(summ), "summaries,", turns, "turns")
P
}

run anthropic ""
# A resume sends the compacted conversation (the summary, not what it
# replaced).
echo '[{"text": "RESUMED."}]' > "$T_TMP/script-r.json"
kill $T_PIDS 2>/dev/null
T_PIDS=
rm -f "$T_PROVIDER_LOG" "$T_TMP/port"
start_provider --script "$T_TMP/script-r.json"
"$AGENTOS" -r "$sid" -p "and now?" --provider anthropic -m test-model \
    --base-url "http://127.0.0.1:$T_PORT" --output-format json \
    > "$T_TMP/out-r.json" 2> "$T_TMP/err.txt" ||
    { cat "$T_TMP/err.txt" "$T_TMP/out-r.json"; fail "resume"; }
python3 - "$T_PROVIDER_LOG" "$T_TMP/events.jsonl" <<'P' || fail "resume request"
import json, sys
reqs = [json.loads(l) for l in open(sys.argv[1], encoding="utf-8")]
ev = [json.loads(l) for l in open(sys.argv[2], encoding="utf-8")]
assert len(reqs) == 1, len(reqs)
comp = [e["data"] for e in ev if e["type"] == "compaction"
        and "summary" in e["data"]][-1]
body = json.dumps(reqs[0])
assert comp["summary"].split("\n")[0] in body, "summary not resumed"
# The messages of the last compaction, then what came after it.
first = json.dumps(comp["messages"][0]["content"] if "content" in
                   comp["messages"][0] else comp["messages"][0])
assert "FAKE-SUMMARY-" in first
P
"$AGENTOS" export "$sid" > "$T_TMP/export.md" || fail "export markdown"
grep -Eq '^> Context \(auto\): compacted, about [0-9]+ to [0-9]+ tokens' \
    "$T_TMP/export.md" || fail "export: no compaction line"

# Replay reproduces the run: the summaries come from the compaction
# events, every tool result is the recorded one.
"$AGENTOS" replay "$sid" > "$T_TMP/replay.txt" 2>&1 ||
    { cat "$T_TMP/replay.txt"; fail "replay"; }
grep -q "replay matched: 10 tool results identical" "$T_TMP/replay.txt" ||
    { cat "$T_TMP/replay.txt"; fail "replay: not every result"; }

run openai /v1

# --- 2: a summary larger than what it replaces: rejected three times, the
# turn stops with a clear message, the session is intact.
git checkout -q hello.txt
kill $T_PIDS 2>/dev/null
T_PIDS=
rm -f "$T_PROVIDER_LOG" "$T_TMP/port"
start_provider --script "$T_TMP/script.json" --context-window 24000 \
    --summary-bytes 100000
"$AGENTOS" -p "$TASK" --provider anthropic -m test-model \
    --base-url "http://127.0.0.1:$T_PORT" --output-format json \
    --permission-mode accept-edits \
    > "$T_TMP/out2.json" 2> "$T_TMP/err.txt" && fail "run 2 succeeded"
grep -q "could not be summarized (3 attempts" "$T_TMP/out2.json" \
    "$T_TMP/err.txt" || { cat "$T_TMP/out2.json" "$T_TMP/err.txt";
    fail "run 2: no clear message"; }
n=$(grep -c agentos-compaction-request "$T_PROVIDER_LOG")
# Three before the window is full (then the requests go on without one),
# three after the provider's overflow error; then the turn stops.
[ "$n" -eq 6 ] || fail "run 2: $n summary requests (want 6)"
sid=$(python3 -c 'import json,sys; print(json.load(open(sys.argv[1]))["session_id"])' "$T_TMP/out2.json") ||
    fail "run 2: no session id"
"$AGENTOS" export "$sid" --format jsonl > "$T_TMP/events2.jsonl" ||
    fail "run 2: export"
python3 - "$T_TMP/events2.jsonl" <<'P' || fail "run 2: session not intact"
import json, sys
ev = [json.loads(l) for l in open(sys.argv[1], encoding="utf-8")]
assert not [e for e in ev if e["type"] == "compaction"
            and "summary" in e["data"]], "a rejected summary was used"
P
# --- 3: an overflow the estimate did not see coming (the agent thinks the
# window is 200000): one summary, one retry.
git checkout -q hello.txt
kill $T_PIDS 2>/dev/null
T_PIDS=
rm -f "$T_PROVIDER_LOG" "$T_TMP/port"
echo '{"context": {"keep_results": 20}}' > .agentos/config.json
start_provider --script "$T_TMP/script.json" --context-window 20000
"$AGENTOS" -p "$TASK" --provider anthropic -m claude-sonnet-4-5 \
    --base-url "http://127.0.0.1:$T_PORT" --output-format json \
    --permission-mode accept-edits \
    > "$T_TMP/out3.json" 2> "$T_TMP/err.txt" ||
    { cat "$T_TMP/err.txt" "$T_TMP/out3.json"; fail "run 3: exit"; }
grep -q "DONE-ANSWER" "$T_TMP/out3.json" || fail "run 3: no answer"
sid=$(python3 -c 'import json,sys; print(json.load(open(sys.argv[1]))["session_id"])' "$T_TMP/out3.json")
"$AGENTOS" export "$sid" --format jsonl > "$T_TMP/events3.jsonl" ||
    fail "run 3: export"
python3 - "$T_TMP/events3.jsonl" <<'P' || fail "run 3: one summary, one retry"
import json, sys
ev = [json.loads(l) for l in open(sys.argv[1], encoding="utf-8")]
comp = [e["data"] for e in ev if e["type"] == "compaction"]
summ = [c for c in comp if "summary" in c]
retry = [e["data"] for e in ev if e["type"] == "retry"]
assert summ and summ[0]["trigger"] == "overflow", comp
assert summ[0]["left_out"] > 0, summ[0]
assert len([c for c in comp if c["trigger"] == "overflow"]) == 1, comp
assert len(retry) == 1 and "prompt is too long" in retry[0]["reason"], retry
assert not [e for e in ev if e["type"] == "error"], "turn failed"
print(len(summ), "summaries")
P
# --- 4: SIGKILL in the middle, after summaries: the resume goes on from
# the compacted conversation (the summary, the task, the pinned state),
# not from what the summaries replaced.
git checkout -q hello.txt
kill $T_PIDS 2>/dev/null
T_PIDS=
rm -f "$T_PROVIDER_LOG" "$T_TMP/port"
echo '{"context": {"window": 24000, "keep_results": 20}}' > .agentos/config.json
python3 - "$T_TMP/script.json" > "$T_TMP/script-k.json" <<'P'
import json, sys
turns = json.load(open(sys.argv[1]))
turns.insert(8, {"text": "Thinking...", "hang": True})
print(json.dumps(turns))
P
start_provider --script "$T_TMP/script-k.json" --context-window 24000
"$AGENTOS" -p "$TASK" --provider anthropic -m test-model \
    --base-url "http://127.0.0.1:$T_PORT" --output-format json \
    --permission-mode accept-edits > "$T_TMP/out4.json" 2>&1 &
apid=$!
_end=$(( $(date +%s) + T_WAIT ))
# Until the hanging turn's request (the 9th of the script) is in.
while [ "$(grep -vc agentos-compaction-request "$T_PROVIDER_LOG" 2>/dev/null)" \
    != 9 ] && [ "$(date +%s)" -le "$_end" ]; do
	sleep 0.1
done
kill -9 $apid 2>/dev/null
wait $apid 2>/dev/null
n=$(grep -c agentos-compaction-request "$T_PROVIDER_LOG")
[ "$n" -ge 1 ] || fail "run 4: no summary before the kill"
# The newest session: the one killed.
sid=$("$AGENTOS" sessions 2>/dev/null | awk 'NR==2 {print $1}')
[ -n "$sid" ] || fail "run 4: no session to resume"
kill $T_PIDS 2>/dev/null
T_PIDS=
rm -f "$T_PROVIDER_LOG" "$T_TMP/port"
echo '[{"text": "RESUMED-AFTER-KILL."}]' > "$T_TMP/script-r2.json"
start_provider --script "$T_TMP/script-r2.json"
"$AGENTOS" -r "$sid" -p "go on" --provider anthropic -m test-model \
    --base-url "http://127.0.0.1:$T_PORT" --output-format json \
    > "$T_TMP/out5.json" 2> "$T_TMP/err.txt" ||
    { cat "$T_TMP/err.txt" "$T_TMP/out5.json"; fail "run 4: resume"; }
python3 - "$T_PROVIDER_LOG" "$TASK" <<'P' || fail "run 4: not the compacted state"
import json, sys
reqs = [json.loads(l) for l in open(sys.argv[1], encoding="utf-8")]
body = json.dumps(reqs[0])
assert "FAKE-SUMMARY-" in body, "no summary"
assert json.dumps(sys.argv[2])[1:-1] in body, "task lost"
assert "hello.txt (snapshot " in body, "files lost"
# What the first summary replaced (the first file read) is gone.
assert "toolu_fake_2_0" not in body, "replaced messages came back"
P
exit 0
