#!/bin/sh
# TUI: @path mentions.  Typing @ and a few characters lists matching files
# and folders of the repository (fuzzy, best first); Tab inserts the
# selected one.  On submit each mentioned file is attached after the text,
# a folder attaches a listing, binary and huge files are named only, and
# ignored files and paths outside the repository are not attached.  A
# symbol of the repository model completes to @path#name, which attaches
# the lines of that definition only.
. "$(dirname "$0")/lib.sh"
make_repo
mkdir -p src docs
printf 'int alpha(void) { return 42; }\n' > src/alpha.c
printf 'int beta;\n' > src/beta.c
printf 'int first_fn(void)\n{\n\treturn 1;\n}\n\nint second_fn(void)\n{\n\treturn 2;\n}\n' > src/multi.c
printf '# Guide\n' > docs/guide.md
printf 'a\000b' > bin.dat
python3 -c 'print("x" * 300000)' > big.txt
echo secret.txt > .gitignore
echo 'IGNORED-CONTENT' > secret.txt
echo 'OUTSIDE-CONTENT' > "$T_TMP/outside.txt"
git add -A && git commit -qm files || hard "commit"
echo '[{"text": "Read them."}, {"text": "Got the function."}]' > "$T_TMP/script.json"
start_provider --script "$T_TMP/script.json"
start_agentos --base-url "http://127.0.0.1:$T_PORT"
wait_for '/help for keys'

send_keys -l 'look at @alph'
wait_for '^  @src/alpha\.c'
screen | grep -q '@src/beta\.c' && fail "beta matches alph"
send_keys Tab
wait_for '^> look at @src/alpha\.c *$'
wait_gone '^  @src/alpha\.c' "the list stayed open after Tab"
# A fuzzy subsequence: "sbt" finds src/beta.c.
send_keys -l '@sbt'
wait_for '^  @src/beta\.c'
send_keys Escape
wait_gone '^  @src/beta\.c' "Esc did not close the list"
send_keys BSpace BSpace BSpace BSpace
send_keys -l '@doc'
wait_for '^  @docs/'
send_keys Enter
wait_for '^> look at @src/alpha\.c @docs/'
send_keys -l " @bin.dat @big.txt @secret.txt @../outside.txt please"
wait_for 'please'
send_keys Enter
wait_for 'Read them\.'
wait_for 'Attached src/alpha\.c'
screen | grep -q 'outside the repository' || fail "no note for the outside path"
python3 - "$T_PROVIDER_LOG" <<'PY' || fail "attachments"
import json, sys
req = json.loads(open(sys.argv[1]).readline())
c = req["messages"][-1]["content"]
t = c if isinstance(c, str) else "".join(b.get("text", "") for b in c)
assert t.startswith("look at @src/alpha.c @docs/ @bin.dat"), t[:200]
assert '<attached file="src/alpha.c">\nint alpha(void) { return 42; }\n</attached>' in t, t
assert '<attached folder="docs/">\nguide.md\n</attached>' in t, t
assert '<attached file="bin.dat" note="not attached: binary' in t, t
assert '<attached file="big.txt" note="not attached: 293.0 KB' in t, t
assert "x" * 1000 not in t, "the huge file was attached"
assert "IGNORED-CONTENT" not in t, "an ignored file was attached"
assert "OUTSIDE-CONTENT" not in t, "a file outside was attached"
PY

# A symbol: @secfn lists src/multi.c#second_fn (once the model is built).
i=0
while :; do
	send_keys -l 'see @second_f'
	sleep 0.5
	screen | grep -q '^  @src/multi\.c#second_fn' && break
	i=$((i+1)); [ $i -lt 40 ] || fail "no symbol in the list"
	send_keys C-u
	sleep 0.5
done
send_keys Tab
wait_for '^> see @src/multi\.c#second_fn *$'
send_keys Enter
wait_for 'Got the function\.'
wait_for 'Attached second_fn of src/multi\.c \(lines 6-9\)'
python3 - "$T_PROVIDER_LOG" <<'PY' || fail "symbol attachment"
import json, sys
req = json.loads(open(sys.argv[1]).readlines()[-1])
c = req["messages"][-1]["content"]
t = c if isinstance(c, str) else "".join(b.get("text", "") for b in c)
assert '<attached file="src/multi.c" symbol="second_fn" lines="6-9">\nint second_fn(void)\n{\n\treturn 2;\n}\n</attached>' in t, t
assert "first_fn" not in t, t
PY
exit 0
