#!/bin/sh
# The context window of a local OpenAI-compatible server (issue 11): with
# context.window 0 and a model the table does not know, agentos asks the
# server once at start (vLLM GET /v1/models, llama.cpp GET /props, Ollama
# POST /api/show) and manages the 32000-token window it names: old tool
# results are cleared before requests, so the fake provider (which refuses
# requests past 32000 tokens) never answers context_length_exceeded.  A
# server that names no window leaves the model table's 128000: the same
# run then overflows once, which shows the window was not guessed.
. "$(dirname "$0")/lib.sh"
make_repo
mkdir -p src
files="agent.c session.c repomodel.c options.c trace.c ui.c"
for f in $files; do
	cp "$top_srcdir/src/$f" "src/$f" || hard "copy $f"
done
git add -A && git commit -qm sources || hard "git commit"
python3 - "$files" > "$T_TMP/script.json" <<'P'
import json, sys
turns = [{"text": "Reading %s." % f, "tool_calls": [
    {"name": "read_file", "input": {"path": "src/" + f}}]}
    for f in sys.argv[1].split()]
turns.append({"text": "DONE-ANSWER."})
print(json.dumps(turns))
P
mkdir -p .agentos
echo '{"context": {"keep_results": 1}}' > .agentos/config.json

# run KIND WINDOW: one run against a server of KIND naming WINDOW (0: none).
run() {
	kill $T_PIDS 2>/dev/null
	T_PIDS=
	rm -f "$T_TMP/requests.jsonl" "$T_TMP/port"
	start_provider --script "$T_TMP/script.json" --context-window 32000 \
	    --server-kind "$1" --server-window "$2"
	"$AGENTOS" -p "read the sources" --provider openai -m test-model \
	    --base-url "http://127.0.0.1:$T_PORT/v1" --output-format json \
	    > "$T_TMP/out.json" 2> "$T_TMP/err.txt" ||
	    { cat "$T_TMP/err.txt" "$T_TMP/out.json"; fail "$1: exit"; }
	grep -q "DONE-ANSWER" "$T_TMP/out.json" || fail "$1: no answer"
	sid=$(python3 -c 'import json,sys; print(json.load(open(sys.argv[1]))["session_id"])' "$T_TMP/out.json")
	"$AGENTOS" export "$sid" --format jsonl > "$T_TMP/events.jsonl" ||
	    fail "$1: export"
}

for kind in vllm llamacpp ollama; do
	run $kind 32000
	python3 - "$T_TMP/events.jsonl" $kind <<'P' || fail "$kind: the window"
import json, sys
ev = [json.loads(l) for l in open(sys.argv[1], encoding="utf-8")]
comp = [e["data"] for e in ev if e["type"] == "compaction"]
assert comp, "no clearing"
assert all(c["trigger"] == "auto" for c in comp), comp
assert not [e for e in ev if e["type"] in ("retry", "error")], "overflow"
# Cleared near the 32000-token window, not the table's 128000.
assert all(c["tokens_before"] < 32000 for c in comp), comp
print(sys.argv[2], len(comp), "compactions, all under 32000 tokens")
P
done

# No window named: the table's 128000 stands, and the provider's 32000
# is only learned from its overflow error.
run vllm 0
python3 - "$T_TMP/events.jsonl" <<'P' || fail "no window: not an overflow"
import json, sys
ev = [json.loads(l) for l in open(sys.argv[1], encoding="utf-8")]
retry = [e for e in ev if e["type"] == "retry"]
assert len(retry) == 1 and "context_length_exceeded" in \
    retry[0]["data"]["reason"], retry
P
exit 0
