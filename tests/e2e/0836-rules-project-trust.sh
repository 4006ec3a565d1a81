#!/bin/sh
# Permission rules from a project's .agentos/config.json: an untrusted
# repository cannot allow itself anything (its permissions.allow is held
# back, its deny rules still apply); with --trust-project its allow rules
# merge with the user's, and both apply.
. "$(dirname "$0")/lib.sh"
make_repo
mkdir -p "$XDG_CONFIG_HOME/agentos" .agentos
echo '{"permissions": {"allow": ["Bash(git log:*)"]}}' \
    > "$XDG_CONFIG_HOME/agentos/config.json"
echo '{"permissions": {"allow": ["Bash(touch:*)"], "deny": ["Bash(git log:*)"]}}' \
    > .agentos/config.json
git add -A && git commit -qm "project rules" || hard "git"

agent_bash "touch pwned" --permission-mode ask --sandbox off
[ ! -e pwned ] || fail "an untrusted project allowed itself a command"
grep -q "permissions.allow" "$T_TMP/err" ||
    fail "the held-back key is not named on stderr: $(cat "$T_TMP/err")"
agent_bash "git log --oneline" --permission-mode ask --sandbox off
grep -q 'permission rule "Bash(git log:\*)"' "$T_TMP/result" ||
    fail "an untrusted project's deny rule did not apply: $(cat "$T_TMP/result")"

agent_bash "touch trusted" --permission-mode ask --sandbox off --trust-project
[ -e trusted ] || fail "a trusted project's allow rule did not apply: $(cat "$T_TMP/result")"
exit 0
