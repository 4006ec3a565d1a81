#!/bin/sh
# TUI: while a PreToolUse hook runs the status bar says so (and the screen
# stays live); its deny shows as a notice and goes to the model; Esc
# cancels a hook that hangs; /hooks lists the hooks with their file; a
# PreCompact hook is told /compact's trigger and instructions; a
# Notification hook hears of the approval panel; Esc cancels a
# UserPromptSubmit hook and its prompt is not sent.
. "$(dirname "$0")/lib.sh"
make_repo
H="$T_TMP/hooks"
mkdir -p "$XDG_CONFIG_HOME/agentos" "$H"
cat > "$H/pre.sh" <<SH
#!/bin/sh
in=\$(cat)
case \$in in
*'rm -f'*)
	while [ ! -e "$H/go" ]; do sleep 0.1; done
	echo "no rm in this repo" >&2
	exit 2 ;;
*hang-here*)
	echo \$\$ > "$H/hanging.tmp" && mv "$H/hanging.tmp" "$H/hanging"
	exec sleep 3600 ;;
esac
exit 0
SH
chmod +x "$H/pre.sh"
cat > "$H/prompt.sh" <<SH
#!/bin/sh
in=\$(cat)
case \$in in
*hang-prompt*)
	echo \$\$ > "$H/prompt.tmp" && mv "$H/prompt.tmp" "$H/prompt.pid"
	exec sleep 3600 ;;
esac
exit 0
SH
chmod +x "$H/prompt.sh"
cat > "$XDG_CONFIG_HOME/agentos/config.json" <<JSON
{"hooks": {"PreToolUse": [{"matcher": "Bash",
  "hooks": [{"type": "command", "command": "$H/pre.sh"}]}],
 "PreCompact": [{"matcher": "manual",
  "hooks": [{"type": "command", "command": "cat > $H/compact.json"}]}],
 "UserPromptSubmit": [{"hooks": [{"type": "command",
  "command": "$H/prompt.sh"}]}],
 "Notification": [{"matcher": "permission_prompt",
  "hooks": [{"type": "command", "command": "cat > $H/notify.json"}]}]}}
JSON
cat > "$T_TMP/script.json" <<'JSON'
[
 {"tool_calls": [{"name": "bash", "input": {"command": "rm -f hello.txt"}}]},
 {"text": "Understood: no rm.", "expect":
   {"contains": "no rm in this repo"}},
 {"tool_calls": [{"name": "bash", "input": {"command": "echo hang-here"}}]},
 {"tool_calls": [{"name": "bash", "input": {"command": "echo asked-for"}}]},
 {"text": "done asking"}
]
JSON
start_provider --script "$T_TMP/script.json"
start_agentos --base-url "http://127.0.0.1:$T_PORT"
wait_for '/help'
send_keys 'clean up' Enter
wait_for 'hook PreToolUse: pre\.sh'
touch "$H/go"
wait_for 'hook denied bash: no rm in this repo'
wait_for 'Understood: no rm\.'
wait_gone 'hook PreToolUse' "the status bar still shows the hook"
[ -f hello.txt ] || fail "the hook did not stop rm"

send_keys 'now hang' Enter
wait_for 'hook PreToolUse: pre\.sh'
_end=$(( $(date +%s) + T_WAIT ))
while [ ! -e "$H/hanging" ] && [ "$(date +%s)" -le "$_end" ]; do sleep 0.1; done
send_keys Escape
wait_gone 'hook PreToolUse' "Esc did not stop the hook"
_pid=$(cat "$H/hanging")
_end=$(( $(date +%s) + T_WAIT ))
while kill -0 "$_pid" 2>/dev/null && [ "$(date +%s)" -le "$_end" ]; do
	sleep 0.1
done
kill -0 "$_pid" 2>/dev/null && fail "the hook's command still runs"
wait_for 'cancelled the turn while a PreToolUse hook'

# Notification: the approval panel is announced.
send_keys 'ask me' Enter
wait_for 'Run this command\?'
_end=$(( $(date +%s) + T_WAIT ))
while [ ! -s "$H/notify.json" ] && [ "$(date +%s)" -le "$_end" ]; do
	sleep 0.1
done
python3 - "$H/notify.json" <<'PY' || fail "Notification stdin"
import json, sys
j = json.load(open(sys.argv[1]))
assert j["hook_event_name"] == "Notification", j
assert j["notification_type"] == "permission_prompt", j
assert "permission to use bash" in j["message"], j
PY
send_keys y
wait_for 'done asking'

send_keys '/hooks' Enter
wait_for "PreToolUse \[Bash\]: $H/pre.sh \(timeout 60s\)"
wait_for "$XDG_CONFIG_HOME/agentos/config.json"

# PreCompact: told the trigger of /compact.
send_keys '/compact keep the hook notes' Enter
_end=$(( $(date +%s) + T_WAIT ))
while [ ! -s "$H/compact.json" ] && [ "$(date +%s)" -le "$_end" ]; do
	sleep 0.1
done
python3 - "$H/compact.json" <<'PY' || fail "PreCompact stdin"
import json, sys
j = json.load(open(sys.argv[1]))
assert j["hook_event_name"] == "PreCompact", j
assert j["trigger"] == "manual", j
assert j["custom_instructions"] == "keep the hook notes", j
PY
wait_for 'compacted|could not be summarized'

# Esc cancels a UserPromptSubmit hook; the prompt is not sent.
send_keys 'hang-prompt now' Enter
_end=$(( $(date +%s) + T_WAIT ))
while [ ! -s "$H/prompt.pid" ] && [ "$(date +%s)" -le "$_end" ]; do
	sleep 0.1
done
wait_for 'hook UserPromptSubmit: prompt\.sh'
send_keys Escape
_pid=$(cat "$H/prompt.pid")
_end=$(( $(date +%s) + T_WAIT ))
while kill -0 "$_pid" 2>/dev/null && [ "$(date +%s)" -le "$_end" ]; do
	sleep 0.1
done
kill -0 "$_pid" 2>/dev/null && fail "Esc did not stop the prompt hook"
wait_gone 'hook UserPromptSubmit' "the status bar still shows the prompt hook"
grep -q 'hang-prompt now' "$T_PROVIDER_LOG" && fail "the held prompt was sent"
exit 0
