#!/bin/sh
# PreToolUse hooks, headless: a hook from the user's config that denies
# rm commands (exit 2, the reason on stderr) keeps the file, the model gets
# the reason as the tool result and the user sees it on stderr; the same
# hook lets other commands run and sees Claude Code's JSON on stdin.  A
# JSON "deny" answer works as exit 2 does; a JSON "allow" skips the ask
# mode's question (headless would refuse) but not a deny rule.  A hook
# that exits 1 is a non-blocking error shown to the user.  A project's
# hooks are held until the folder is trusted.  Each run is a "hook" event.
. "$(dirname "$0")/lib.sh"
make_repo
mkdir -p "$XDG_CONFIG_HOME/agentos" "$T_TMP/hooks"
cat > "$T_TMP/hooks/no-rm.sh" <<'SH'
#!/bin/sh
cat > "$HOOK_DIR/stdin.json"
if grep -q '"command":"rm ' "$HOOK_DIR/stdin.json"; then
	echo "rm is not allowed here; move files to trash/ instead" >&2
	exit 2
fi
exit 0
SH
chmod +x "$T_TMP/hooks/no-rm.sh"
export HOOK_DIR="$T_TMP/hooks"
cat > "$XDG_CONFIG_HOME/agentos/config.json" <<JSON
{"sandbox": {"keep_env": ["HOOK_DIR"]},
 "hooks": {"PreToolUse": [{"matcher": "Bash|Edit",
  "hooks": [{"type": "command", "command": "$T_TMP/hooks/no-rm.sh",
             "timeout": 30}]}]}}
JSON
agent_bash "rm -f hello.txt"
[ -f hello.txt ] || fail "the hook did not stop rm"
grep -q "rm is not allowed here; move files to trash/ instead" \
    "$T_TMP/result" || fail "the model did not get the reason: $(cat "$T_TMP/result")"
grep -q "PreToolUse hook denied" "$T_TMP/result" ||
    fail "the result does not say a hook denied it: $(cat "$T_TMP/result")"
grep -q "rm is not allowed here" "$T_TMP/err" ||
    fail "the user was not told: $(cat "$T_TMP/err")"
python3 - "$T_TMP/hooks/stdin.json" "$T_REPO" <<'PY' || fail "hook stdin"
import json, sys
j = json.load(open(sys.argv[1]))
assert j["hook_event_name"] == "PreToolUse", j
assert j["tool_name"] == "bash", j
assert j["tool_input"]["command"] == "rm -f hello.txt", j
assert j["cwd"] == sys.argv[2], j
assert j["session_id"] and j["transcript_path"] and j["tool_use_id"], j
PY

agent_bash "echo ok > made-by-bash"
[ -f made-by-bash ] || fail "the hook stopped a harmless command: $(cat "$T_TMP/result")"

# JSON deny, and the project dir in the environment.
cat > "$T_TMP/hooks/json.sh" <<'SH'
#!/bin/sh
cat > /dev/null
echo "$AGENTOS_PROJECT_DIR" > "$HOOK_DIR/dir"
printf '{"hookSpecificOutput":{"hookEventName":"PreToolUse","permissionDecision":"%s","permissionDecisionReason":"decided by json.sh"}}\n' "$HOOK_DECISION"
SH
chmod +x "$T_TMP/hooks/json.sh"
cat > "$XDG_CONFIG_HOME/agentos/config.json" <<JSON
{"sandbox": {"keep_env": ["HOOK_DIR", "HOOK_DECISION"]},
 "permissions": {"deny": ["Bash(touch denied-file)"]},
 "hooks": {"PreToolUse": [{"matcher": "*",
  "hooks": [{"type": "command", "command": "$T_TMP/hooks/json.sh"}]}]}}
JSON
HOOK_DECISION=deny agent_bash "touch json-denied"
[ ! -e json-denied ] || fail "a JSON deny let the command run"
grep -q "decided by json.sh" "$T_TMP/result" || fail "json deny: $(cat "$T_TMP/result")"
[ "$(cat "$T_TMP/hooks/dir")" = "$T_REPO" ] || fail "AGENTOS_PROJECT_DIR"
HOOK_DECISION=allow agent_bash "touch json-allowed" --permission-mode ask \
    --sandbox off
[ -e json-allowed ] || fail "a JSON allow did not skip the question: $(cat "$T_TMP/result")"
HOOK_DECISION=allow agent_bash "touch denied-file"
[ ! -e denied-file ] || fail "a hook's allow bypassed a deny rule"

# Exit 1: non-blocking, shown to the user.
cat > "$XDG_CONFIG_HOME/agentos/config.json" <<JSON
{"hooks": {"PreToolUse": [{"hooks": [{"type": "command",
  "command": "echo broken-hook-says-so >&2; exit 1"}]}]}}
JSON
agent_bash "touch after-broken"
[ -e after-broken ] || fail "a failing hook blocked the call"
grep -q "broken-hook-says-so" "$T_TMP/err" || fail "not shown: $(cat "$T_TMP/err")"

# A project's hooks are held until the folder is trusted.
rm -f "$XDG_CONFIG_HOME/agentos/config.json"
mkdir -p .agentos
cat > .agentos/config.json <<'JSON'
{"hooks": {"PreToolUse": [{"hooks": [{"type": "command",
  "command": "touch project-hook-ran; exit 2"}]}]}}
JSON
agent_bash "touch untrusted-run"
"$AGENTOS" trust status > "$T_TMP/status" 2>&1 || fail "trust status"
grep -q "hooks.PreToolUse = touch project-hook-ran; exit 2" "$T_TMP/status" ||
    fail "trust status does not show the held hook: $(cat "$T_TMP/status")"
[ ! -e project-hook-ran ] || fail "an untrusted project's hook ran"
[ -e untrusted-run ] || fail "the command did not run: $(cat "$T_TMP/result")"
agent_bash "touch trusted-run" --trust-project
[ -e project-hook-ran ] || fail "a trusted project's hook did not run"
[ ! -e trusted-run ] || fail "the trusted project's hook did not deny"

db=.git/agentos/sessions.db
python3 - "$db" <<'PY' || fail "the session log has no hook events"
import json, sqlite3, sys
db = sqlite3.connect(sys.argv[1])
ev = [json.loads(d) for (d,) in db.execute(
    "SELECT data FROM events WHERE type = 'hook'")]
assert any(e["decision"] == "block" and e["exit_status"] == 2 and
           e["hook_event"] == "PreToolUse" for e in ev), ev
assert any(e["decision"] == "error" and e["exit_status"] == 1 for e in ev), ev
assert all("duration_ms" in e for e in ev), ev
PY
exit 0
