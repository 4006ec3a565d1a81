#!/bin/sh
# Headless: calls the permission mode refuses are reported, not only told
# to the model: text mode names each on stderr with the reason; json and
# stream-json carry Claude Code's permission_denials, [{tool_name,
# tool_use_id, tool_input}] (empty when nothing was refused).
. "$(dirname "$0")/lib.sh"
make_repo
cat > "$T_TMP/script.json" <<'JSON'
[
 {"tool_calls": [{"name": "edit_file", "id": "toolu_e1", "input": {
   "path": "hello.txt", "old_string": "world", "new_string": "there"}},
  {"name": "bash", "id": "toolu_b1", "input": {"command": "touch made.txt"}}]},
 {"text": "I could not."},
 {"tool_calls": [{"name": "edit_file", "id": "toolu_e2", "input": {
   "path": "hello.txt", "old_string": "world", "new_string": "there"}},
  {"name": "bash", "id": "toolu_b2", "input": {"command": "touch made.txt"}}]},
 {"text": "Still could not."},
 {"tool_calls": [{"name": "read_file", "id": "toolu_r1",
   "input": {"path": "hello.txt"}}]},
 {"text": "Read it."}
]
JSON
start_provider --script "$T_TMP/script.json"
run() {	# $1: output format; the rest: more options
	_f=$1
	shift
	"$AGENTOS" --base-url "http://127.0.0.1:$T_PORT" -p 'change it' \
	    --output-format "$_f" "$@" > "$T_TMP/out" 2> "$T_TMP/err" ||
	    fail "agentos exited $?: $(cat "$T_TMP/err")"
}
run text
cat "$T_TMP/err"
grep -q '^I could not\.$' "$T_TMP/out" || fail "the answer: $(cat "$T_TMP/out")"
grep -q '^agentos: refused: edit_file hello.txt' "$T_TMP/err" ||
    fail "the refused edit is not on stderr"
grep -q '^agentos: refused: bash touch made.txt' "$T_TMP/err" ||
    fail "the refused command is not on stderr"
grep -q 'permission mode ask' "$T_TMP/err" || fail "no reason on stderr"
[ -e made.txt ] && fail "the refused command ran"
[ "$(cat hello.txt)" = "$(printf 'hello\nworld')" ] || fail "the edit ran"

run json
python3 - "$T_TMP/out" <<'PY' || fail "json permission_denials: $(cat "$T_TMP/out")"
import json, sys
o = json.load(open(sys.argv[1]))
d = o["permission_denials"]
assert [x["tool_use_id"] for x in d] == ["toolu_e2", "toolu_b2"], d
assert d[0]["tool_name"] == "edit_file" and d[1]["tool_name"] == "bash", d
assert d[0]["tool_input"] == {"path": "hello.txt", "old_string": "world",
    "new_string": "there"}, d
assert d[1]["tool_input"] == {"command": "touch made.txt"}, d
PY
[ -s "$T_TMP/err" ] && grep -q 'refused' "$T_TMP/err" &&
    fail "json mode wrote the refusals to stderr too"

# Nothing refused: an empty array.
run stream-json
python3 - "$T_TMP/out" <<'PY' || fail "stream-json result: $(tail -1 "$T_TMP/out")"
import json, sys
r = [json.loads(l) for l in open(sys.argv[1])][-1]
assert r["type"] == "result", r
assert r["permission_denials"] == [], r
PY
exit 0
