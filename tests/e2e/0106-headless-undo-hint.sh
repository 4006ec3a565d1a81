#!/bin/sh
# Headless: the undo hint printed at the end names the session, so that it
# still undoes that run after a later run made its own snapshots; and
# --session takes an id prefix, as -r does.
. "$(dirname "$0")/lib.sh"
make_repo
cat > "$T_TMP/script.json" <<'J'
[
 {"tool_calls": [{"name": "edit_file", "input": {"path": "hello.txt", "old_string": "world", "new_string": "there"}}]},
 {"text": "first done"},
 {"tool_calls": [{"name": "write_file", "input": {"path": "other.txt", "content": "x\n"}}]},
 {"text": "second done"}
]
J
start_provider --script "$T_TMP/script.json"
run() {
	"$AGENTOS" -p "$1" --base-url "http://127.0.0.1:$T_PORT" \
	    --permission-mode accept-edits > "$T_TMP/out" 2> "$T_TMP/err" ||
	    { cat "$T_TMP/err"; fail "run $1"; }
}
run one
cat "$T_TMP/err" >&2
hint=$(sed -n 's/.*undo the changes with: //p' "$T_TMP/err")
case $hint in "agentos rewind "*" --session "*) ;;
*) fail "hint without the session: $(cat "$T_TMP/err")" ;; esac
sid=${hint##*--session }
sleep 1
run two
[ -f other.txt ] || fail "second run wrote nothing"
# The first run's hint, after the second run, goes back to before the
# first run (without the session it would name the second run's snapshot 1).
set -- $hint
shift
"$AGENTOS" "$@" --yes > "$T_TMP/rw" 2>&1 || { cat "$T_TMP/rw"; fail "rewind"; }
[ "$(cat hello.txt)" = "$(printf 'hello\nworld')" ] || fail "hello.txt not back"

# A prefix of the session id names it.
pre=$(printf '%s' "$sid" | cut -c1-17)
"$AGENTOS" snapshots --session "$pre" > "$T_TMP/list" 2>&1 ||
    { cat "$T_TMP/list"; fail "snapshots --session prefix"; }
grep -q "^session $sid:" "$T_TMP/list" || fail "prefix: $(cat "$T_TMP/list")"
# An ambiguous one is refused.
"$AGENTOS" snapshots --session 2 > "$T_TMP/list" 2>&1 &&
    fail "ambiguous prefix accepted"
grep -q ambiguous "$T_TMP/list" || fail "ambiguous: $(cat "$T_TMP/list")"
exit 0
