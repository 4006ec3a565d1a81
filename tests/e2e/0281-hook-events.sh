#!/bin/sh
# Hook events other than PreToolUse, headless: PostToolUse (exit 2: its
# stderr goes to the model with the result), UserPromptSubmit (stdout is
# context; exit 2 blocks the prompt, which is never sent, with the reason
# on stderr), Stop (exit 2 makes the agent go on with the reason as a user
# note; stop_hook_active guards the loop), SessionStart (stdout is
# context for the first prompt) and PreCompact (told the trigger).  Each
# run is a "hook" event in the session log.
. "$(dirname "$0")/lib.sh"
make_repo
mkdir -p "$XDG_CONFIG_HOME/agentos" "$T_TMP/hooks"
export HOOK_DIR="$T_TMP/hooks"
conf() {
	printf '{"sandbox": {"keep_env": ["HOOK_DIR"]}, "hooks": {"%s": [{%s"hooks": [{"type": "command", "command": "%s"}]}]}}\n' \
	    "$1" "$2" "$3" > "$XDG_CONFIG_HOME/agentos/config.json"
}
# Run agentos -p "$1" against script file $2; out, err, requests kept.
run_p() {
	_p=$1 _s=$2
	shift 2
	rm -f "$T_TMP/port" "$T_TMP/requests.jsonl"
	start_provider --script "$_s"
	"$AGENTOS" -p "$_p" --provider openai -m test-model \
	    --base-url "http://127.0.0.1:$T_PORT/v1" \
	    --permission-mode bypass "$@" > "$T_TMP/out" 2> "$T_TMP/err"
	T_RC=$?
}
cat > "$T_TMP/text.json" <<'JSON'
[{"text": "first answer"}, {"text": "second answer"}]
JSON

# PostToolUse.
conf PostToolUse '"matcher": "bash", ' \
    'cat > $HOOK_DIR/post.json; echo post-hook-says-lint-failed >&2; exit 2'
agent_bash "echo ran-it"
grep -q "ran-it" "$T_TMP/result" || fail "post: the result is gone"
grep -q "PostToolUse hook: post-hook-says-lint-failed" "$T_TMP/result" ||
    fail "post: the model did not get the hook's stderr: $(cat "$T_TMP/result")"
python3 - "$T_TMP/hooks/post.json" <<'PY' || fail "post stdin"
import json, sys
j = json.load(open(sys.argv[1]))
assert j["hook_event_name"] == "PostToolUse", j
assert "ran-it" in j["tool_response"]["content"], j
PY

# UserPromptSubmit: context, then a block.
conf UserPromptSubmit '' \
    'grep -q forbidden && { echo no forbidden words please >&2; exit 2; }; echo prompt-hook-context'
run_p "hello there" "$T_TMP/text.json"
[ "$T_RC" = 0 ] || fail "prompt: exit $T_RC: $(cat "$T_TMP/err")"
grep -q "prompt-hook-context" "$T_TMP/requests.jsonl" ||
    fail "prompt: the context was not sent"
run_p "a forbidden thing" "$T_TMP/text.json"
[ "$T_RC" != 0 ] || fail "prompt: a blocked prompt exited 0"
grep -q "no forbidden words please" "$T_TMP/err" ||
    fail "prompt: the user was not told: $(cat "$T_TMP/err")"
[ ! -s "$T_TMP/requests.jsonl" ] || fail "prompt: a blocked prompt was sent"

# Stop: go on once, then stop_hook_active lets it end.
cat > "$T_TMP/hooks/stop.sh" <<'SH'
#!/bin/sh
in=$(cat)
echo "$in" >> "$HOOK_DIR/stop.log"
case $in in
*'"stop_hook_active":true'*) exit 0 ;;
esac
echo "please also run the tests" >&2
exit 2
SH
chmod +x "$T_TMP/hooks/stop.sh"
conf Stop '' "$T_TMP/hooks/stop.sh"
run_p "do it" "$T_TMP/text.json"
[ "$T_RC" = 0 ] || fail "stop: exit $T_RC: $(cat "$T_TMP/err")"
grep -q "second answer" "$T_TMP/out" || fail "stop: the agent did not go on: $(cat "$T_TMP/out")"
python3 - "$T_PROVIDER_LOG" <<'PY' || fail "stop: the second request"
import json, sys
reqs = [json.loads(l) for l in open(sys.argv[1])]
assert len(reqs) == 2, len(reqs)
last = json.dumps(reqs[1]["messages"][-1])
assert "please also run the tests" in last, last
PY
[ "$(wc -l < "$T_TMP/hooks/stop.log")" -eq 2 ] || fail "stop: not run twice"

# SessionStart, with a PreCompact hook that is not due here.
cat > "$XDG_CONFIG_HOME/agentos/config.json" <<'JSON'
{"hooks": {"SessionStart": [{"matcher": "startup", "hooks": [
  {"type": "command", "command": "sleep 1; echo session-start-context"}]}],
 "PreCompact": [{"hooks": [{"type": "command", "command": "exit 0"}]}]}}
JSON
run_p "hello" "$T_TMP/text.json"
[ "$T_RC" = 0 ] || fail "start: exit $T_RC: $(cat "$T_TMP/err")"
grep -q "session-start-context" "$T_TMP/requests.jsonl" ||
    fail "start: the context was not sent"

db=.git/agentos/sessions.db
python3 - "$db" <<'PY' || fail "the session log lacks hook events"
import json, sqlite3, sys
db = sqlite3.connect(sys.argv[1])
ev = [json.loads(d) for (d,) in db.execute(
    "SELECT data FROM events WHERE type = 'hook'")]
names = {e["hook_event"] for e in ev}
for n in ("PostToolUse", "UserPromptSubmit", "Stop", "SessionStart"):
    assert n in names, (n, names)
PY
# The trace and the Markdown export of that last session show the hook.
"$AGENTOS" trace > "$T_TMP/trace.txt" 2>&1 || fail "trace: $(cat "$T_TMP/trace.txt")"
grep -q "hook SessionStart sleep 1; echo session-start-context: ok (exit 0" \
    "$T_TMP/trace.txt" || fail "trace: $(cat "$T_TMP/trace.txt")"
"$AGENTOS" export --format markdown > "$T_TMP/export.md" 2>&1 ||
    fail "export: $(cat "$T_TMP/export.md")"
grep -q '> Hook SessionStart `sleep 1; echo session-start-context`: ok' \
    "$T_TMP/export.md" || fail "export: $(cat "$T_TMP/export.md")"
# PreCompact, automatic: big reads in a small window.
mkdir -p big
for f in toolrun.c agent.c options.c policy.c ui.c; do
	cp "$top_srcdir/src/$f" big/ || hard "copy $f"
done
python3 > "$T_TMP/reads.json" <<'P'
import json
turns = [{"text": "Reading.", "tool_calls": [{"name": "read_file",
          "input": {"path": "big/" + f}}]}
         for f in ("toolrun.c", "agent.c", "options.c", "policy.c", "ui.c")]
turns.append({"text": "read them all"})
print(json.dumps(turns))
P
cat > "$XDG_CONFIG_HOME/agentos/config.json" <<JSON
{"context": {"window": 24000, "keep_results": 20},
 "hooks": {"PreCompact": [{"matcher": "auto", "hooks": [
  {"type": "command", "command": "cat > $HOOK_DIR/compact.json"}]}]}}
JSON
rm -f "$T_TMP/port" "$T_TMP/requests.jsonl"
start_provider --script "$T_TMP/reads.json" --context-window 24000
"$AGENTOS" -p "read the big files" --provider openai -m test-model \
    --base-url "http://127.0.0.1:$T_PORT/v1" --permission-mode bypass \
    > "$T_TMP/out" 2> "$T_TMP/err" ||
    fail "compact: exit: $(cat "$T_TMP/err")"
_end=$(( $(date +%s) + T_WAIT ))
while [ ! -s "$T_TMP/hooks/compact.json" ] && [ "$(date +%s)" -le "$_end" ]; do
	sleep 0.1
done
python3 - "$T_TMP/hooks/compact.json" <<'PY' || fail "PreCompact stdin"
import json, sys
j = json.load(open(sys.argv[1]))
assert j["hook_event_name"] == "PreCompact", j
assert j["trigger"] == "auto", j
PY

python3 - .git/agentos/sessions.db <<'PY' || fail "no PreCompact hook event"
import json, sqlite3, sys
db = sqlite3.connect(sys.argv[1])
ev = [json.loads(d) for (d,) in db.execute(
    "SELECT data FROM events WHERE type = 'hook'")]
assert any(e["hook_event"] == "PreCompact" for e in ev), ev
PY
exit 0
