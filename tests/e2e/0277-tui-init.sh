#!/bin/sh
# TUI: /init drafts an AGENTS.md from the repository (layout, the build
# and test commands its build files name, conventions), shows it as a
# diff, and writes it only on yes, after a snapshot (Alt-z undoes it); the
# model gets it in the system prompt from the next message on.
. "$(dirname "$0")/lib.sh"
make_repo
mkdir -p src tests
printf 'int main(void) { return 0; }\n' > src/main.c
printf 'int util(void) { return 1; }\n' > src/util.c
printf '#!/bin/sh\nexit 0\n' > tests/run.sh
printf 'all:\n\tcc -o main src/*.c\n\ncheck: all\n\tsh tests/run.sh\n' > Makefile
printf 'root = true\n[*]\nindent_style = tab\n' > .editorconfig
printf '# Contributing\nBe nice.\n' > CONTRIBUTING.md
git add -A && git commit -qm files || hard "commit"
echo '[{"text": "Read the instructions."}]' > "$T_TMP/script.json"
start_provider --script "$T_TMP/script.json"
start_agentos --base-url "http://127.0.0.1:$T_PORT"
wait_for '/help for keys'

send_keys '/init' Enter
wait_for '\+## Build and test'
wait_for 'Write AGENTS\.md \(\+[0-9]+ -0 lines\)'
screen | grep -q '+## Build and test' || fail "the diff is not shown"
[ -e AGENTS.md ] && fail "written before yes"
send_keys n
sleep 1
[ -e AGENTS.md ] && fail "written after no"
send_keys '/init' Enter
wait_for 'Write AGENTS\.md'
send_keys y
wait_for 'Wrote AGENTS\.md'
grep -q 'Test: `make check` (from `Makefile`)' AGENTS.md || fail "no test command: $(cat AGENTS.md)"
grep -q '`src/`: 2 files, mostly C' AGENTS.md || fail "no layout: $(cat AGENTS.md)"
grep -q 'Indentation: tabs' AGENTS.md || fail "no indentation: $(cat AGENTS.md)"
grep -q 'Follow `CONTRIBUTING.md`' AGENTS.md || fail "no contributing: $(cat AGENTS.md)"
wait_for '1 snapshot'

send_keys -l 'hello'
send_keys Enter
wait_for 'Read the instructions\.'
python3 - "$T_PROVIDER_LOG" <<'PY' || fail "AGENTS.md not in the system prompt"
import json, sys
req = json.loads(open(sys.argv[1]).readline())
s = req.get("system")
s = s if isinstance(s, str) else json.dumps(s)
assert "make check" in s, s[:500]
PY
send_keys -l '/init'
send_keys Enter
wait_for 'already says what /init would write'
# Alt-z undoes the write.
send_keys M-z
sleep 1
screen | grep -q 'Overwrite them' && send_keys y
wait_for 'ewound|estored|back to'
[ -e AGENTS.md ] && fail "Alt-z left AGENTS.md"
exit 0
