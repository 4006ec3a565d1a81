#!/bin/sh
# TUI: Alt-z after hand edits undoes the agent's last change, not the hand
# edits.  The agent edits hello.txt, writes b.txt and runs two commands
# that change nothing; the user then edits b.txt and creates c.txt by
# hand.  Alt-z goes back to before the write (the last change), passing
# over the no-op commands, not to before the last command (which would
# only take the hand edits back); since the worktree then loses the hand
# edits (b.txt's line, c.txt, which did not exist then) it names them and
# asks first: n keeps everything, y rewinds.  Alt-z again undoes the edit,
# with no question.  The model is told which files went back.
. "$(dirname "$0")/lib.sh"
make_repo
cat > "$T_TMP/script.json" <<'JSON'
[
 {"tool_calls": [{"name": "edit_file", "input": {"path": "hello.txt",
   "old_string": "world", "new_string": "there"}}]},
 {"tool_calls": [{"name": "write_file", "input": {"path": "b.txt",
   "content": "agent line\n"}}]},
 {"tool_calls": [{"name": "bash", "input": {"command": "true"}}]},
 {"tool_calls": [{"name": "bash", "input": {"command": "git status --short"}}]},
 {"text": "All done."}
]
JSON
start_provider --script "$T_TMP/script.json"
start_agentos --base-url "http://127.0.0.1:$T_PORT" \
    --permission-mode bypass --sandbox off
wait_for '/help for keys'
send_keys 'change things' Enter
wait_for 'All done\.'
wait_for '│ 4 snapshots'
echo 'my own line' >> b.txt
echo 'mine' > c.txt

send_keys M-z
wait_for 'Are you sure\?'
wait_for 'these hand edits would be lost'
wait_for 'lost \(2 files changed since the agent.s last change\): b\.txt c\.txt'
wait_for 'y to rewind anyway'
send_keys n
wait_gone 'Are you sure' "the question stayed up"
[ "$(cat b.txt)" = "$(printf 'agent line\nmy own line')" ] ||
    fail "n changed b.txt: $(cat b.txt)"
[ "$(cat c.txt)" = mine ] || fail "n changed c.txt"

send_keys M-z
wait_for 'Are you sure\?'
send_keys y
wait_for 'Restored the files to before the last agent change: 0 files written, 2 removed'
[ -e b.txt ] && fail "b.txt (the agent's write) is still there: $(cat b.txt)"
[ "$(cat hello.txt)" = "$(printf 'hello\nthere')" ] ||
    fail "the rewind went past the write: $(cat hello.txt)"

# Again: the edit, with no hand edit in its way.
send_keys M-z
wait_for 'Restored the files to before the last agent change: 1 file written'
[ "$(cat hello.txt)" = "$(printf 'hello\nworld')" ] ||
    fail "the second Alt-z did not undo the edit: $(cat hello.txt)"
screen | grep -q 'Are you sure' && fail "asked with no hand edit in the way"
exit 0
