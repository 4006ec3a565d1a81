#!/bin/sh
# Permission rules, headless: a deny rule in the user's config refuses
# rm -rf even in bypass (as Claude Code does), with a result naming the
# rule (also through wrappers, and a command named at run time is not let
# through); an allow rule runs git status in the ask mode, but not a compound
# command with a part no rule allows, nor a wrapper around another
# command; a bad rule is reported on stderr and is not fatal.  The session
# log names the rule of each decision.
. "$(dirname "$0")/lib.sh"
make_repo
mkdir -p "$XDG_CONFIG_HOME/agentos"
cat > "$XDG_CONFIG_HOME/agentos/config.json" <<'JSON'
{"permissions": {"deny": ["Bash(rm:*)"],
  "allow": ["Bash(git status:*)", "Bash(", "Bash(timeout 60 make)"]}}
JSON
agent_bash "rm -rf hello.txt"
[ -f hello.txt ] || fail "a deny rule did not hold in bypass"
grep -q 'permission rule "Bash(rm:\*)"' "$T_TMP/result" ||
    fail "the result does not name the rule: $(cat "$T_TMP/result")"
grep -q 'permissions.allow.*Bash(' "$T_TMP/err" ||
    fail "the bad rule is not reported: $(cat "$T_TMP/err")"
# Wrapped, the rm is found and refused too.
agent_bash "timeout 5 sh -c 'rm -rf hello.txt'"
[ -f hello.txt ] || fail "a wrapped rm ran"
grep -q 'Bash(rm:\*)' "$T_TMP/result" || fail "wrapped: $(cat "$T_TMP/result")"
# A command named at run time cannot be checked against the rule: asked,
# so refused headless, in bypass too.
agent_bash '$(echo rm) -rf hello.txt'
[ -f hello.txt ] || fail "a command named at run time escaped the deny rule"
grep -q 'cannot be checked' "$T_TMP/result" ||
    fail "unchecked: $(cat "$T_TMP/result")"

agent_bash "git status --short" --permission-mode ask --sandbox off
grep -q "Not run" "$T_TMP/result" &&
    fail "an allowed command was refused: $(cat "$T_TMP/result")"
agent_bash "git status; touch made-by-bash" --permission-mode ask \
    --sandbox off
grep -q "Not run" "$T_TMP/result" ||
    fail "a compound command ran: $(cat "$T_TMP/result")"
[ ! -e made-by-bash ] || fail "the compound command's second part ran"
agent_bash "timeout 60 touch made-by-bash" --permission-mode ask \
    --sandbox off
[ ! -e made-by-bash ] || fail "timeout 60 was trusted by name"

db=.git/agentos/sessions.db
[ -f "$db" ] || fail "no session log"
python3 - "$db" <<'PY' || fail "the session log does not name the rules"
import json, sqlite3, sys
db = sqlite3.connect(sys.argv[1])
ev = [json.loads(d) for (d,) in db.execute(
    "SELECT data FROM events WHERE type = 'approval'")]
rules = [(e["decision"], e.get("rule"), e.get("rule_from", "")) for e in ev]
assert ("deny", "deny Bash(rm:*)") in [r[:2] for r in rules], rules
assert any(r[:2] == ("allow", "allow Bash(git status:*)") and
           r[2].endswith("config.json") for r in rules), rules
PY
exit 0
