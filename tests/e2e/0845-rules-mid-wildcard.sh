#!/bin/sh
# Bash rules with a * in the middle, headless in the ask mode: an allow rule
# Bash(git * --dry-run) runs git commands that end in --dry-run whatever
# stands between, but not one with another word after it, nor a compound
# command hiding a second command behind it; a deny rule
# Bash(git * --force) refuses a forced push in bypass, through its path and
# a wrapper.  The session log names the rule of each decision.
. "$(dirname "$0")/lib.sh"
make_repo
mkdir -p "$XDG_CONFIG_HOME/agentos"
cat > "$XDG_CONFIG_HOME/agentos/config.json" <<'JSON'
{"permissions": {"allow": ["Bash(git * --dry-run)", "Bash(touch made-*)"],
  "deny": ["Bash(git * --force)"]}}
JSON
git init -q --bare "$T_TMP/remote.git"
git remote add origin "$T_TMP/remote.git"

agent_bash "git push origin HEAD --dry-run" --permission-mode ask \
    --sandbox off
grep -q "Not run" "$T_TMP/result" &&
    fail "an allowed command was refused: $(cat "$T_TMP/result")"
grep -q -e "new branch" -e "HEAD" "$T_TMP/result" ||
    fail "git push --dry-run did not run: $(cat "$T_TMP/result")"
git --git-dir="$T_TMP/remote.git" rev-parse -q --verify HEAD >/dev/null &&
    fail "the dry run pushed"

agent_bash "git push origin HEAD --dry-run --quiet" --permission-mode ask \
    --sandbox off
grep -q "Not run" "$T_TMP/result" ||
    fail "a word after the rule's last ran: $(cat "$T_TMP/result")"
agent_bash "touch made-1; git push origin HEAD; git log --dry-run" \
    --permission-mode ask --sandbox off
grep -q "Not run" "$T_TMP/result" ||
    fail "a compound command ran: $(cat "$T_TMP/result")"
[ ! -e made-1 ] || fail "the compound command's first part ran"
git --git-dir="$T_TMP/remote.git" rev-parse -q --verify HEAD >/dev/null &&
    fail "a push hidden in a compound command ran"
# Each part allowed by a rule: it runs.
agent_bash "touch made-2 && git status --dry-run" --permission-mode ask \
    --sandbox off
[ -e made-2 ] || fail "an allowed compound command did not run: $(cat "$T_TMP/result")"

agent_bash "timeout 9 /usr/bin/git push origin HEAD --force"
grep -q 'permission rule "Bash(git \* --force)"' "$T_TMP/result" ||
    fail "the deny rule did not refuse: $(cat "$T_TMP/result")"
git --git-dir="$T_TMP/remote.git" rev-parse -q --verify HEAD >/dev/null &&
    fail "a forced push ran"

python3 - .git/agentos/sessions.db <<'PY' || fail "the log does not name the rules"
import json, sqlite3, sys
db = sqlite3.connect(sys.argv[1])
ev = [json.loads(d) for (d,) in db.execute(
    "SELECT data FROM events WHERE type = 'approval'")]
rules = [(e["decision"], e.get("rule")) for e in ev]
assert ("allow", "allow Bash(git * --dry-run)") in rules, rules
assert ("deny", "deny Bash(git * --force)") in rules, rules
PY
exit 0
