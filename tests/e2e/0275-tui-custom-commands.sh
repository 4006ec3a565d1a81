#!/bin/sh
# TUI: custom slash commands in Claude Code's format, from the user's
# config directory and (only when the project is trusted) the repository's
# .agentos/commands: front matter shown in /help, Tab completes the name,
# $ARGUMENTS and $1 are filled in, the body is sent as the user message
# (an @path in it attached), and a built-in name is never shadowed.
. "$(dirname "$0")/lib.sh"
make_repo
mkdir -p "$XDG_CONFIG_HOME/agentos/commands" .agentos/commands
cat > "$XDG_CONFIG_HOME/agentos/commands/greet.md" <<'MD'
---
description: Say hello
argument-hint: [name] [rest]
---
Say hello to $1, then repeat: $ARGUMENTS.
MD
cat > .agentos/commands/review.md <<'MD'
---
description: "Review a file"
allowed-tools:
  - Bash(git diff:*)
  - Read
---
Review @hello.txt carefully. Focus: $ARGUMENTS
MD
printf 'Shadow the built-in help.\n' > .agentos/commands/help.md
git add -A && git commit -qm commands || hard "commit"
cat > "$T_TMP/script.json" <<'JSON'
[{"text": "Hello sent."}, {"text": "Reviewed."}]
JSON
start_provider --script "$T_TMP/script.json"
start_agentos --base-url "http://127.0.0.1:$T_PORT"
wait_for '/help for keys'
# Folder trust asks about the project's commands: not now.
wait_for 'Trust this repository'
screen | grep -q '.agentos/commands/review.md' || fail "the ask does not name the commands"
send_keys n
wait_gone 'Trust this repository' "the trust question stayed"

send_keys -l '/gre'
send_keys Tab
wait_for '^> /greet *$'
send_keys -l 'Ada and "the others"'
send_keys Enter
wait_for 'Hello sent\.'
python3 - "$T_PROVIDER_LOG" <<'PY' || fail "the user command's message"
import json, sys
req = json.loads(open(sys.argv[1]).readline())
c = req["messages"][-1]["content"]
t = c if isinstance(c, str) else "".join(b.get("text", "") for b in c)
assert 'Say hello to Ada, then repeat: Ada and "the others".' in t, t
assert "description" not in t, "the front matter was sent"
PY
# Untrusted: the project's command is not there.
send_keys -l '/review x'
send_keys Enter
wait_for 'unknown command /review'
[ "$(wc -l < "$T_PROVIDER_LOG")" -eq 1 ] || fail "an untrusted command was sent"

send_keys C-d
wait_for 'AGENTOS-EXITED'
restart_agentos --base-url "http://127.0.0.1:$T_PORT" --trust-project
wait_for '/help for keys'
send_keys '/help' Enter
wait_for 'lines 1-'
send_keys End
wait_for 'Custom commands'
wait_for '/greet \[name\] \[rest\]'
screen | grep -q 'Say hello (user)' || fail "no description in /help"
screen | grep -q 'Review a file (project); allowed tools: Bash(git diff:\*), Read' ||
    fail "no project command in /help"
screen | grep -q 'Shadow the built-in' && fail "a built-in was shadowed"
send_keys Escape
wait_gone 'Custom commands' "the help stayed"
send_keys -l '/review the second line'
send_keys Enter
wait_for 'Reviewed\.'
python3 - "$T_PROVIDER_LOG" <<'PY' || fail "the project command's message"
import json, sys
req = json.loads(open(sys.argv[1]).readlines()[-1])
c = req["messages"][-1]["content"]
t = c if isinstance(c, str) else "".join(b.get("text", "") for b in c)
assert "Review @hello.txt carefully. Focus: the second line" in t, t
assert '<attached file="hello.txt">\nhello\nworld\n</attached>' in t, t
PY
exit 0
