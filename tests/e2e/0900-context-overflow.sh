#!/bin/sh
# Context overflow (issue 11), headless, against the fake provider with a
# small context window (--context-window: past it the provider's real
# "prompt is too long" / context_length_exceeded error).
# 1. A model script reads many real source files of this repository (several
#    windows' worth) then answers: the run finishes, no request overflows,
#    the task is in every request verbatim, old results become stubs, the
#    log keeps every result whole with a compaction event naming the cleared
#    ones, a failing call's output stays pinned, and a resume sends the
#    same stubs (session_load replays it) and recall brings a cleared
#    result back exactly, or finds results by a text.  1b: the same run
#    through the OpenAI wire format.
# 2. An agent that thinks the window is larger gets "prompt is too long":
#    one clearing pass, one retry, the turn succeeds; both wire formats.
#    2b: the stop reason model_context_window_exceeded: the cut answer is
#    dropped, one clearing, one retry.
# 3. A request that cannot fit even after clearing: one retry at most, a
#    clear message, no loop.
. "$(dirname "$0")/lib.sh"
make_repo
mkdir -p src
files="agent.c session.c repomodel.c options.c trace.c ui.c render-md.c
    tool-lsp.c key.c snapshot.c lsp.c editor.c toolrun.c tool.c"
for f in $files; do
	cp "$top_srcdir/src/$f" "src/$f" || hard "copy $f"
done
git add -A && git commit -qm sources || hard "git commit"
TASK="TASK-7f3e: read the sources one by one, then say what they do."

# A script: one read_file per file, then an answer.
script() {
	python3 - "$@" <<'P'
import json, sys
files = sys.argv[1].split()
turns = [{"text": "Reading %s." % f, "tool_calls": [
    {"name": "read_file", "input": {"path": "src/" + f}}]} for f in files]
if len(files) > 8:
    # A failing call early on: its output stays pinned.
    turns.insert(1, {"text": "Missing.", "tool_calls": [
        {"name": "read_file", "input": {"path": "src/no-such-file.c"}}]})
turns.append({"text": "DONE-ANSWER: they are agentos."})
print(json.dumps(turns))
P
}
script "$files" > "$T_TMP/script.json"

# --- 1: clearing before requests keeps every request in the window.
mkdir -p .agentos
# Clearing alone (summaries are 0910's): no summary threshold.
echo '{"context": {"window": 30000, "keep_results": 2, "compact_at": 100, "reserve_compact": 0}}' > .agentos/config.json
start_provider --script "$T_TMP/script.json" --context-window 30000
"$AGENTOS" -p "$TASK" --provider anthropic -m test-model \
    --base-url "http://127.0.0.1:$T_PORT" --output-format json \
    > "$T_TMP/out.json" 2> "$T_TMP/err.txt" ||
    { cat "$T_TMP/err.txt" "$T_TMP/out.json"; fail "run 1 exit status"; }
sid=$(python3 -c 'import json,sys; print(json.load(open(sys.argv[1]))["session_id"])' "$T_TMP/out.json") ||
    fail "no session id"
grep -q "DONE-ANSWER" "$T_TMP/out.json" || fail "no final answer"
"$AGENTOS" export "$sid" --format jsonl > "$T_TMP/events.jsonl" \
    2> "$T_TMP/err.txt" || { cat "$T_TMP/err.txt"; fail "export"; }
python3 - "$T_PROVIDER_LOG" "$T_TMP/events.jsonl" "$TASK" "$files" <<'P' ||
import json, sys
reqs = [l for l in open(sys.argv[1], encoding="utf-8")]
ev = [json.loads(l) for l in open(sys.argv[2], encoding="utf-8")]
task, files = sys.argv[3], sys.argv[4].split()
# Overflowed requests are logged too: one request per turn means none.
assert len(reqs) == len(files) + 2, (len(reqs), len(files))
for r in reqs:
    assert json.dumps(task)[1:-1] in r or task in r, "task missing"
comp = [e["data"] for e in ev if e["type"] == "compaction"]
assert comp, "no compaction"
for c in comp:
    assert c["trigger"] == "auto", c
    assert c["tokens_after"] < c["tokens_before"], c
    assert c["cleared"], c
assert not [e for e in ev if e["type"] in ("retry", "error")], "overflowed"
results = {e["data"]["id"]: e["data"]["content"] for e in ev
           if e["type"] == "tool_result"}
cleared = {x["id"]: x["stub"] for c in comp for x in c["cleared"]}
assert len(cleared) >= len(files) // 2, len(cleared)
last = reqs[-1]
for i, s in cleared.items():
    assert s.startswith("[cleared: read_file src/") and i in s, s
    assert s in last, "stub not sent"
    # The log keeps the whole text (what recall brings back).
    assert len(results[i]) > 10000, i
# The failing call's output is never cleared, and is in every request
# after it.
err = [e["data"] for e in ev if e["type"] == "tool_result"
       and e["data"].get("is_error")]
assert len(err) == 1 and err[0]["id"] not in cleared, err
for r in reqs[2:]:
    assert json.dumps(err[0]["content"])[1:-1] in r, "pinned error lost"
print(len(comp), "compactions,", len(cleared), "results cleared")
P
    fail "run 1 requests and events"
"$AGENTOS" export "$sid" > "$T_TMP/export.md" 2> "$T_TMP/err.txt" ||
    { cat "$T_TMP/err.txt"; fail "export markdown"; }
grep -Eq '^> Context \(auto\): [0-9]+ old tool results cleared, about [0-9]+ to [0-9]+ tokens\.' \
    "$T_TMP/export.md" || fail "export: no clearing line"

# The resume sends what the model saw (the same stubs, not the texts),
# and recall brings a cleared result back exactly.
rid=$(python3 - "$T_TMP/events.jsonl" <<'P'
import json, sys
ev = [json.loads(l) for l in open(sys.argv[1], encoding="utf-8")]
print([x["id"] for e in ev if e["type"] == "compaction"
       for x in e["data"]["cleared"]][0])
P
) || fail "no cleared id"
cat > "$T_TMP/script-r.json" <<J
[{"text": "Recall.", "tool_calls": [{"name": "recall", "input": {"id": "$rid"}}]},
 {"text": "Search.", "tool_calls": [{"name": "recall", "input": {"query": "agent_context_clear"}}]},
 {"text": "RECALLED."}]
J
kill $T_PIDS 2>/dev/null
T_PIDS=
rm -f "$T_PROVIDER_LOG" "$T_TMP/port"
start_provider --script "$T_TMP/script-r.json" --context-window 30000
"$AGENTOS" -r "$sid" -p "and now?" --provider anthropic -m test-model \
    --base-url "http://127.0.0.1:$T_PORT" --output-format json \
    > "$T_TMP/out2.json" 2> "$T_TMP/err.txt" ||
    { cat "$T_TMP/err.txt" "$T_TMP/out2.json"; fail "resume exit status"; }
grep -q RECALLED "$T_TMP/out2.json" || fail "resume: no answer"
"$AGENTOS" export "$sid" --format jsonl > "$T_TMP/events2.jsonl" \
    2> "$T_TMP/err.txt" || { cat "$T_TMP/err.txt"; fail "export 2"; }
python3 - "$T_PROVIDER_LOG" "$T_TMP/events.jsonl" "$T_TMP/events2.jsonl" \
    "$rid" <<'P' || fail "resume and recall"
import json, sys
reqs = [l for l in open(sys.argv[1], encoding="utf-8")]
ev = [json.loads(l) for l in open(sys.argv[2], encoding="utf-8")]
ev2 = [json.loads(l) for l in open(sys.argv[3], encoding="utf-8")]
rid = sys.argv[4]
cleared = [x["stub"] for e in ev if e["type"] == "compaction"
           for x in e["data"]["cleared"]]
first = json.loads(reqs[0])
text = json.dumps(first)
for s in cleared:
    assert json.dumps(s)[1:-1] in text, ("stub not replayed", s)
orig = [e["data"]["content"] for e in ev if e["type"] == "tool_result"
        and e["data"]["id"] == rid][0]
assert len(orig) > 10000
assert json.dumps(orig)[1:-1] not in text, "a cleared text came back"
calls = [e["data"]["id"] for e in ev2 if e["type"] == "tool_call"
         and e["data"]["name"] == "recall"]
assert len(calls) == 2, calls
res = {e["data"]["id"]: e["data"] for e in ev2 if e["type"] == "tool_result"}
assert res[calls[0]]["content"] == orig, "recall is not exact"
assert not res[calls[0]].get("is_error"), res[calls[0]]
hits = res[calls[1]]["content"]
assert "agent_context_clear" in hits and "toolu_fake_" in hits, hits
P

# --- 1b: the same through the OpenAI wire format.
rm -f "$T_PROVIDER_LOG" "$T_TMP/port"
kill $T_PIDS 2>/dev/null
T_PIDS=
echo '{"context": {"window": 30000, "keep_results": 2, "compact_at": 100, "reserve_compact": 0}}' > .agentos/config.json
start_provider --script "$T_TMP/script.json" --context-window 30000
"$AGENTOS" -p "$TASK" --provider openai -m test-model \
    --base-url "http://127.0.0.1:$T_PORT/v1" --output-format json \
    > "$T_TMP/out1b.json" 2> "$T_TMP/err.txt" ||
    { cat "$T_TMP/err.txt" "$T_TMP/out1b.json"; fail "openai: exit status"; }
grep -q "DONE-ANSWER" "$T_TMP/out1b.json" || fail "openai: no final answer"
python3 - "$T_PROVIDER_LOG" "$TASK" "$files" <<'P' || fail "openai: requests"
import json, sys
reqs = [l for l in open(sys.argv[1], encoding="utf-8")]
assert len(reqs) == len(sys.argv[3].split()) + 2, len(reqs)
assert all(sys.argv[2] in r for r in reqs), "task missing"
assert "[cleared: read_file src/" in reqs[-1], "no stub"
P

# --- 2: the agent thinks the window is large; the provider says no.
overflow_once() {
	kind=$1 url=$2
	rm -f "$T_PROVIDER_LOG" "$T_TMP/port"
	kill $T_PIDS 2>/dev/null
	T_PIDS=
	script "agent.c session.c repomodel.c options.c" > "$T_TMP/script2.json"
	echo '{"context": {"keep_results": 1}}' > .agentos/config.json
	start_provider --script "$T_TMP/script2.json" --context-window 25000
	"$AGENTOS" -p "$TASK" --provider "$kind" -m test-model \
	    --base-url "http://127.0.0.1:$T_PORT$url" --output-format json \
	    > "$T_TMP/out3.json" 2> "$T_TMP/err.txt" ||
	    { cat "$T_TMP/err.txt" "$T_TMP/out3.json"; fail "$kind: exit status"; }
	grep -q "DONE-ANSWER" "$T_TMP/out3.json" || fail "$kind: no answer"
	sid=$(python3 -c 'import json,sys; print(json.load(open(sys.argv[1]))["session_id"])' "$T_TMP/out3.json")
	"$AGENTOS" export "$sid" --format jsonl > "$T_TMP/ev3.jsonl" ||
	    fail "$kind: export"
	python3 - "$T_TMP/ev3.jsonl" "$kind" <<'P' || fail "$kind: one retry"
import json, sys
ev = [json.loads(l) for l in open(sys.argv[1], encoding="utf-8")]
comp = [e["data"] for e in ev if e["type"] == "compaction"]
retry = [e["data"] for e in ev if e["type"] == "retry"]
# One overflow: one clearing, one retry; then the provider's window is
# known and later clearing is automatic, before requests.
over = [c for c in comp if c["trigger"] == "overflow"]
assert len(over) == 1 and len(retry) == 1, (retry, comp)
assert all(c["trigger"] in ("overflow", "auto") for c in comp), comp
want = "prompt is too long" if sys.argv[2] == "anthropic" else \
    "context_length_exceeded"
assert all(want in r["reason"] for r in retry), retry
assert not [e for e in ev if e["type"] == "error"], "turn failed"
P
}
overflow_once anthropic ""
overflow_once openai /v1

# --- 2b: the stop reason model_context_window_exceeded: the cut answer is
# dropped, old results cleared, the request retried once; a resume does
# not bring the cut answer back.
rm -f "$T_PROVIDER_LOG" "$T_TMP/port"
kill $T_PIDS 2>/dev/null
T_PIDS=
cat > "$T_TMP/script3.json" <<'J'
[{"text": "A.", "tool_calls": [{"name": "read_file", "input": {"path": "src/agent.c"}}]},
 {"text": "B.", "tool_calls": [{"name": "read_file", "input": {"path": "src/session.c"}}]},
 {"text": "CUT-ANSWER", "stop_reason": "model_context_window_exceeded"},
 {"text": "DONE-ANSWER"},
 {"text": "AGAIN-ANSWER"}]
J
start_provider --script "$T_TMP/script3.json"
"$AGENTOS" -p "$TASK" --provider anthropic -m test-model \
    --base-url "http://127.0.0.1:$T_PORT" --output-format json \
    > "$T_TMP/out5.json" 2> "$T_TMP/err.txt" ||
    { cat "$T_TMP/err.txt" "$T_TMP/out5.json"; fail "stop reason: exit"; }
grep -q "DONE-ANSWER" "$T_TMP/out5.json" || fail "stop reason: no answer"
sid=$(python3 -c 'import json,sys; print(json.load(open(sys.argv[1]))["session_id"])' "$T_TMP/out5.json")
"$AGENTOS" -r "$sid" -p "again" --provider anthropic -m test-model \
    --base-url "http://127.0.0.1:$T_PORT" --output-format json \
    > "$T_TMP/out6.json" 2> "$T_TMP/err.txt" ||
    { cat "$T_TMP/err.txt" "$T_TMP/out6.json"; fail "stop reason: resume"; }
"$AGENTOS" export "$sid" --format jsonl > "$T_TMP/ev5.jsonl" ||
    fail "stop reason: export"
python3 - "$T_PROVIDER_LOG" "$T_TMP/ev5.jsonl" <<'P' || fail "stop reason"
import json, sys
reqs = [l for l in open(sys.argv[1], encoding="utf-8")]
ev = [json.loads(l) for l in open(sys.argv[2], encoding="utf-8")]
assert len(reqs) == 5, len(reqs)
comp = [e["data"] for e in ev if e["type"] == "compaction"]
assert len(comp) == 1 and comp[0]["trigger"] == "overflow", comp
assert "messages" in comp[0], comp[0].keys()
retry = [e["data"] for e in ev if e["type"] == "retry"]
assert len(retry) == 1 and "model_context_window_exceeded" in \
    retry[0]["reason"], retry
for r in reqs[3:]:
    assert "CUT-ANSWER" not in r, "the cut answer was sent"
    assert "[cleared: read_file src/agent.c" in r, "no stub"
assert "DONE-ANSWER" in reqs[4], "resume lost the answer"
P

# --- 3: nothing fits: one retry at most, a clear message, no loop.
rm -f "$T_PROVIDER_LOG" "$T_TMP/port"
kill $T_PIDS 2>/dev/null
T_PIDS=
start_provider --script "$T_TMP/script.json" --context-window 50
"$AGENTOS" -p "$TASK" --provider anthropic -m test-model \
    --base-url "http://127.0.0.1:$T_PORT" --output-format json \
    > "$T_TMP/out4.json" 2> "$T_TMP/err.txt" && fail "run 3 succeeded"
n=$(wc -l < "$T_PROVIDER_LOG")
[ "$n" -le 2 ] || fail "run 3: $n requests (a loop)"
grep -q "does not fit the model's context window" "$T_TMP/out4.json" \
    "$T_TMP/err.txt" || { cat "$T_TMP/out4.json" "$T_TMP/err.txt";
    fail "run 3: no clear message"; }
exit 0
