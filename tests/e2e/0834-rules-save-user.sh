#!/bin/sh
# Permission rules: "always" with u saves the chosen rule to
# permissions.allow of the user's config (keeping its other keys); the
# next agentos runs that command unasked, and /permissions names the file.
. "$(dirname "$0")/lib.sh"
make_repo
mkdir -p "$XDG_CONFIG_HOME/agentos"
cfg="$XDG_CONFIG_HOME/agentos/config.json"
echo '{"theme": "light"}' > "$cfg"
cat > "$T_TMP/script.json" <<'JSON'
[
 {"tool_calls": [{"name": "bash", "input": {"command": "git log --oneline"}}]},
 {"text": "First run over."},
 {"tool_calls": [{"name": "bash", "input":
   {"command": "git log --oneline -1"}}]},
 {"text": "Second run over."}
]
JSON
start_provider --script "$T_TMP/script.json"
start_agentos --base-url "http://127.0.0.1:$T_PORT" --sandbox off
wait_for '/help'
send_keys 'show the log' Enter
wait_for 'a always \(Bash\(git log --oneline\), \.\.\.\)'
send_keys a
wait_for '2 Bash\(git log:\*\)'
send_keys u
wait_for 'u \[x\] saved to user config too'
send_keys 2
wait_for 'First run over'
wait_for "Saved to .*config.json"
python3 - "$cfg" <<'PY' || fail "not saved: $(cat "$cfg")"
import json, sys
c = json.load(open(sys.argv[1]))
assert c["theme"] == "light", c
assert c["permissions"]["allow"] == ["Bash(git log:*)"], c
PY
restart_agentos --base-url "http://127.0.0.1:$T_PORT" --sandbox off
wait_for '/help'
send_keys 'again' Enter
wait_for 'Second run over'
screen | grep -q 'Run this command' && fail "the saved rule did not apply"
send_keys '/permissions' Enter
wait_for 'allow +Bash\(git log:\*\) +\(.*config\.json\)'
exit 0
