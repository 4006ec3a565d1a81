#!/bin/sh
# TUI: Enter on a snapshot of the timeline asks what to restore.  c rewinds
# the conversation only: it goes on from before the snapshot's prompt in a
# new session, the files stay; b restores the files and the conversation.
# Each timeline row shows what its own action changed; a fork holds the
# snapshots of the prompts it kept (its bar counts them), and its timeline
# lists its parent's later ones too, whose files can be restored.
. "$(dirname "$0")/lib.sh"
make_repo
cat > "$T_TMP/script.json" <<'JSON'
[
 {"tool_calls": [{"name": "write_file", "input": {"path": "a.txt",
   "content": "one\n"}}]},
 {"text": "Wrote a."},
 {"tool_calls": [{"name": "edit_file", "input": {"path": "hello.txt",
   "old_string": "hello", "new_string": "HELLO"}}]},
 {"text": "Edited hello."},
 {"tool_calls": [{"name": "edit_file", "input": {"path": "hello.txt",
   "old_string": "world", "new_string": "WORLD"}}],
  "expect": {"contains": ["first change", "another second"],
   "not_contains": "second change"}},
 {"text": "Edited world."},
 {"text": "Third answer.", "expect": {"contains": ["first change",
   "third try"], "not_contains": ["second change", "another second"]}}
]
JSON
start_provider --script "$T_TMP/script.json"
start_agentos --base-url "http://127.0.0.1:$T_PORT" \
    --permission-mode accept-edits
wait_for '/help for keys'
send_keys 'first change' Enter
wait_for 'Wrote a\.'
send_keys 'second change' Enter
wait_for 'Edited hello\.'
[ "$(cat hello.txt)" = "$(printf 'HELLO\nworld')" ] || fail "hello.txt"

# Each row: what its own action changed (a.txt created; hello.txt edited).
send_keys M-s
wait_for 'Snapshots, oldest first'
wait_for '^ 1 .* prompt 1 +write_file +write_file a.txt +1 file \+1 -0'
wait_for '^ 2 .* prompt 2 +edit_file +edit_file hello.txt +1 file \+1 -1'
send_keys Enter
wait_for 'Restore: f files only, c conversation only, b both'
wait_for 'during prompt 2'
send_keys c
wait_for 'Rewound the conversation to before prompt 2: it goes on in new session'
wait_for '^> first change'
# The rewound prompt is back in the input: clear it to type another.
wait_for 'Prompt 2 is back in the input'
wait_for '^> second change$'
send_keys C-u
wait_gone 'second change' "prompt 2 is still in the transcript"
[ "$(cat hello.txt)" = "$(printf 'HELLO\nworld')" ] ||
    fail "c changed the files: $(cat hello.txt)"
[ -f a.txt ] || fail "c removed a.txt"
# The fork keeps prompt 1's snapshot (a.txt's write), not prompt 2's.
wait_for '│ 1 snapshot '

# The fork lists its parent's snapshots; their files can be restored.
send_keys M-s
wait_for '^ 2 .* prompt 2 +edit_file +edit_file hello.txt .*\(parent session [0-9-]+[0-9a-f]+\)'
send_keys Enter
wait_for 'Snapshot 2 of the parent session [0-9-]+[0-9a-f]+, before edit_file hello.txt: only its'
send_keys f
wait_for 'Restored [0-9a-f]{40}: 1 file written'
[ "$(cat hello.txt)" = "$(printf 'hello\nworld')" ] ||
    fail "f on the parent's snapshot: $(cat hello.txt)"
wait_for '│ 2 snapshots'

send_keys 'another second' Enter
wait_for 'Edited world\.'
[ "$(cat hello.txt)" = "$(printf 'hello\nWORLD')" ] || fail "hello.txt 2"
wait_for '│ 3 snapshots'
send_keys M-s
wait_for '^ 3 .* prompt 2 +edit_file +edit_file hello.txt +1 file \+1 -1$'
send_keys Enter
wait_for 'Restore: f files only'
send_keys b
wait_for 'Rewound the conversation to before prompt 2'
wait_for 'Restored 3: 1 file written'
[ "$(cat hello.txt)" = "$(printf 'hello\nworld')" ] ||
    fail "b did not restore the files: $(cat hello.txt)"
wait_for 'Prompt 2 is back in the input'
# The input (the last line) has it back; the transcript must not.
screen | sed '$d' | grep -q 'another second' &&
    fail "prompt 2 is still there after b"
send_keys C-u
send_keys 'third try' Enter
wait_for 'Third answer\.'
# The originals stay: three sessions now.
n=$("$AGENTOS" sessions 2>/dev/null | grep -c 'first change')
[ "$n" -eq 3 ] || fail "expected 3 sessions, got $n: $("$AGENTOS" sessions 2>&1)"
exit 0
