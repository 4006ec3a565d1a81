#!/bin/sh
# TUI: one count of a session's snapshots.  After an edit, a write and a
# command that changed nothing the status bar says 3; /fork keeps 3 (the
# fork holds the snapshots its conversation was made with) and goes on to
# 4; the exit line, agentos sessions and agentos snapshots say the same.
# agentos snapshots credits each change to the action that made it (the
# write's lines to the write, nothing to the command after it).  A fork
# starts when it is made: -c right after a conversation rewind continues
# the fork, not its older parent.
. "$(dirname "$0")/lib.sh"
make_repo
cat > "$T_TMP/script.json" <<'JSON'
[
 {"tool_calls": [{"name": "edit_file", "input": {"path": "hello.txt",
   "old_string": "world", "new_string": "there"}}]},
 {"tool_calls": [{"name": "write_file", "input": {"path": "b.txt",
   "content": "one\ntwo\nthree\n"}}]},
 {"tool_calls": [{"name": "bash", "input": {"command": "git status --short"}}]},
 {"text": "Done one."},
 {"tool_calls": [{"name": "edit_file", "input": {"path": "hello.txt",
   "old_string": "hello", "new_string": "HELLO"}}]},
 {"text": "Done two."}
]
JSON
start_provider --script "$T_TMP/script.json"
start_agentos --base-url "http://127.0.0.1:$T_PORT" \
    --permission-mode bypass --sandbox off
wait_for '/help for keys'
send_keys 'make changes' Enter
wait_for 'Done one\.'
wait_for '│ 3 snapshots'
send_keys '/fork' Enter
wait_for 'Forked: the conversation goes on in new session'
fork=$(screen | sed -n 's/.*goes on in new session \([0-9a-f-]*\).*/\1/p' |
    head -1)
[ -n "$fork" ] || fail "no fork id on the screen"
wait_for '│ 3 snapshots'
send_keys 'more changes' Enter
wait_for 'Done two\.'
wait_for '│ 4 snapshots'
[ "$(cat hello.txt)" = "$(printf 'HELLO\nthere')" ] || fail "hello.txt"
send_keys C-d
wait_for 'AGENTOS-EXITED'
wait_for "agentos: 4 snapshots in session $fork"

"$AGENTOS" sessions > "$T_TMP/sessions" 2>&1 || fail "agentos sessions"
cat "$T_TMP/sessions"
# Every session: the same count in agentos sessions as in its snapshots.
n=0
for id in $(awk 'NR > 1 { print $1 }' "$T_TMP/sessions"); do
	want=$(awk -v id="$id" '$1 == id { print $6 }' "$T_TMP/sessions")
	"$AGENTOS" snapshots --session "$id" > "$T_TMP/snaps" 2>&1 ||
	    fail "agentos snapshots --session $id"
	head -1 "$T_TMP/snaps" | grep -q "^session $id: $want snapshot" ||
	    fail "$id: sessions says $want, snapshots: $(head -1 "$T_TMP/snaps")"
	n=$((n + 1))
done
[ "$n" -eq 2 ] || fail "expected 2 sessions, got $n"
awk -v id="$fork" '$1 == id { print $6 }' "$T_TMP/sessions" | grep -qx 4 ||
    fail "the fork's count in agentos sessions"

"$AGENTOS" snapshots --session "$fork" > "$T_TMP/snaps" 2>&1 ||
    fail "agentos snapshots"
cat "$T_TMP/snaps"
grep -Eq '^ +1 .* 1 +\+1/-1  edit_file hello.txt' "$T_TMP/snaps" ||
    fail "snapshot 1 (the edit)"
grep -Eq '^ +2 .* 1 +\+3/-0  write_file b.txt' "$T_TMP/snaps" ||
    fail "the write's change is not credited to the write"
grep -Eq '^ +3 .* 0 +\+0/-0  bash ' "$T_TMP/snaps" ||
    fail "the command that changed nothing is credited with a change"
grep -Eq '^ +4 .* 1 +\+1/-1  edit_file hello.txt' "$T_TMP/snaps" ||
    fail "snapshot 4 (the fork's edit)"

# The /resume picker counts the same: the fork with 4 on top.
restart_agentos --base-url "http://127.0.0.1:$T_PORT" -r \
    --permission-mode bypass --sandbox off
wait_for 'Resume a session'
wait_for "^ $fork .* 2 +[0-9.k]+/[0-9]+ +4  \\(fork of"
wait_for ' 1 +[0-9.k]+/[0-9]+ +3  make changes$'
send_keys Enter
wait_for "Resumed session $fork"
wait_for '│ 4 snapshots'

# A conversation rewind makes a fork of the first prompt's state: quit at
# once, and -c continues that fork, whose count is its own (3).
send_keys M-s
wait_for 'Snapshots, oldest first'
wait_for '^ 4 .* prompt 2 '
send_keys Enter
wait_for 'Restore: f files only, c conversation only, b both'
send_keys c
wait_for 'Rewound the conversation to before prompt 2: it goes on in new session'
fork2=$(screen | sed -n 's/.*goes on in new session \([0-9a-f-]*\).*/\1/p' |
    head -1)
[ -n "$fork2" ] || fail "no id of the second fork"
wait_for '│ 3 snapshots'
# The rewound prompt is back in the input: clear it, then quit.
wait_for '^> more changes$'
send_keys C-u
send_keys C-d
wait_for 'AGENTOS-EXITED'
restart_agentos --base-url "http://127.0.0.1:$T_PORT" -c \
    --permission-mode bypass --sandbox off
wait_for 'Resumed session'
wait_for "Resumed session $fork2" 5
wait_for '│ 3 snapshots'
exit 0
