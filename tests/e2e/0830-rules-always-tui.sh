#!/bin/sh
# Permission rules, TUI: "always" for git status saves the rule the panel
# names (Bash(git status)), so the next git status runs without asking,
# while the model's git push --force (and git status; rm) still asks;
# /permissions lists the session rule, and /permissions rm removes it.
. "$(dirname "$0")/lib.sh"
make_repo
cat > "$T_TMP/script.json" <<'JSON'
[
 {"tool_calls": [{"name": "bash", "input": {"command": "git status"}}]},
 {"tool_calls": [{"name": "bash", "input": {"command": "git status"}}]},
 {"tool_calls": [{"name": "bash", "input":
   {"command": "git push --force origin main"}}]},
 {"tool_calls": [{"name": "bash", "input":
   {"command": "git status; rm -f hello.txt"}}]},
 {"text": "All done here."}
]
JSON
start_provider --script "$T_TMP/script.json"
# The rules are the point here, not the sandbox.
start_agentos --base-url "http://127.0.0.1:$T_PORT" --sandbox off
wait_for '/help'
send_keys 'look around' Enter
wait_for 'Run this command\?'
wait_for 'a always \(Bash\(git status\), \.\.\.\)'
send_keys a
wait_for 'Always allow: +1 Bash\(git status\) +2 Bash\(git status:\*\)'
send_keys 1
# The second git status runs unasked; the push asks.
wait_for '^\$ git push --force origin main'
wait_for 'Run this command\?'
send_keys Escape
wait_for '^\$ git status; rm -f hello.txt'
wait_for 'Run this command\?'
# Only the command not yet allowed is offered.
wait_for 'a always \(Bash\(rm -f hello.txt\)\)'
send_keys Escape
wait_for 'All done here'
[ -f hello.txt ] || fail "hello.txt was removed"
send_keys '/permissions' Enter
wait_for '1 +allow +Bash\(git status\) +\(session\)'
send_keys '/permissions rm 1' Enter
wait_for 'Removed rule 1'
send_keys '/permissions' Enter
wait_for 'Permission rules: none'
send_keys '/permissions deny Bash(rm:*)' Enter
wait_for 'Added for this session: deny Bash\(rm:\*\)'
send_keys '/permissions allow Bash(' Enter
wait_for 'no closing parenthesis'
send_keys '/permissions' Enter
wait_for '1 +deny +Bash\(rm:\*\) +\(session\)'
exit 0
