#!/bin/sh
# agentos replay re-drives a recorded session without the network: the same
# tool results come back; after a file the session read is changed, replay
# names the first event whose result differs.
. "$(dirname "$0")/lib.sh"
[ -f "$top_srcdir/tests/fake-provider.py" ] || skip "no tests/fake-provider.py"
"$AGENTOS" replay 2>&1 | grep -q 'usage: agentos replay' ||
    skip "agentos has no replay command yet"
"$AGENTOS" --help 2>&1 | grep -Eq -- '(^| )-c[ ,]' ||
    skip "agentos has no -c (continue) yet"
make_repo
printf 'outside the repository\n' > "$T_TMP/data.txt"
# That file is read by a bash call: outside the sandbox, whose /tmp is the
# session's private one (this test is about replay, not the sandbox).
mkdir -p "$XDG_CONFIG_HOME/agentos" &&
    echo '{"sandbox": {"profile": "off"}}' \
    > "$XDG_CONFIG_HOME/agentos/config.json" || hard "config"

python3 - "$T_TMP/script.json" "$T_TMP/data.txt" <<'PY' || hard "script"
import json, sys
data = sys.argv[2]
def call(name, **inp):
    return {"tool_calls": [{"name": name, "input": inp}]}
turns = [
    call("read_file", path="hello.txt"),
    call("write_file", path="notes.txt", content="one\ntwo\n"),
    call("edit_file", path="notes.txt", old_string="two", new_string="2"),
    call("bash", command="cat notes.txt hello.txt; wc -l < notes.txt"),
    {"text": "First part done."},
    call("bash", command="cat " + data),
    call("glob", pattern="*.txt"),
    {"text": "All done."},
]
json.dump(turns, open(sys.argv[1], "w"))
PY
start_provider --script "$T_TMP/script.json"
export ANTHROPIC_API_KEY=sk-ant-test-0000000000000000
for prompt in 'Make the notes.' 'Read the data file.'; do
	"$AGENTOS" $([ "$prompt" = 'Make the notes.' ] || echo -c) \
	    --provider anthropic --base-url "http://127.0.0.1:$T_PORT" \
	    --permission-mode bypass -p "$prompt" >> "$T_TMP/run.out" 2>&1 ||
	    fail "run: $(tail -3 "$T_TMP/run.out")"
done
id=$("$AGENTOS" export --format jsonl | python3 -c '
import json, sys
print(json.loads(sys.stdin.readline())["session"])') ||
    skip "agentos -p does not log its session yet"
[ "$(cat notes.txt)" = "$(printf 'one\n2')" ] || fail "notes.txt"
kill $T_PIDS 2>/dev/null	# replay must not need the provider

"$AGENTOS" replay "$id" > "$T_TMP/replay1.out" 2>&1 ||
    fail "replay of an unchanged session: $(cat "$T_TMP/replay1.out")"
grep -q 'replay matched: 6 tool results identical' "$T_TMP/replay1.out" ||
    fail "replay summary: $(cat "$T_TMP/replay1.out")"
[ "$(cat notes.txt)" = "$(printf 'one\n2')" ] || fail "replay touched the worktree"

# The file read in the second turn changes: that result diverges.
printf 'changed\n' > "$T_TMP/data.txt"
seq=$("$AGENTOS" export "$id" --format jsonl | python3 -c '
import json, sys
ev = [json.loads(l) for l in sys.stdin]
bash = [e["data"]["id"] for e in ev if e["type"] == "tool_call"
        and "data.txt" in e["data"]["input"].get("command", "")]
print([e["seq"] for e in ev if e["type"] == "tool_result"
       and e["data"]["id"] == bash[0]][0])')
"$AGENTOS" replay "$id" > "$T_TMP/replay2.out" 2>&1 &&
    fail "replay after a change exited 0: $(cat "$T_TMP/replay2.out")"
grep -q "^divergence at event $seq: " "$T_TMP/replay2.out" ||
    fail "divergence at $seq: $(cat "$T_TMP/replay2.out")"
grep -q '^changed$' "$T_TMP/replay2.out" || fail "replayed text not shown"
exit 0
