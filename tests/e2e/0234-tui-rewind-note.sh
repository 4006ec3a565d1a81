#!/bin/sh
# TUI: after Alt-z (or /rewind) the next request tells the model which files
# went back to which snapshot, in the next user message (the system prompt
# stays as it was, for the prompt cache); the note is sent once, and a
# rewind just before quitting, or one by "agentos rewind" between two runs,
# is still told after -c resumes the session.
. "$(dirname "$0")/lib.sh"
make_repo
cat > "$T_TMP/script.json" <<'JSON'
[
 {"tool_calls": [{"name": "edit_file", "input": {"path": "hello.txt",
   "old_string": "world", "new_string": "there"}}]},
 {"text": "Edited hello.txt for you."},
 {"text": "Noted the rewind."},
 {"text": "Nothing new."},
 {"tool_calls": [{"name": "write_file", "input": {"path": "new.txt",
   "content": "brand new\n"}}]},
 {"text": "Wrote new.txt."},
 {"text": "Resumed and told."},
 {"text": "Told of the command-line rewind."}
]
JSON
start_provider --script "$T_TMP/script.json"
start_agentos --base-url "http://127.0.0.1:$T_PORT" \
    --permission-mode accept-edits
wait_for '/help'
send_keys 'change hello' Enter
wait_for 'Edited hello.txt for you'
grep -q there hello.txt || fail "hello.txt was not edited"
send_keys M-z
wait_for 'Restored the files to before the last agent change: 1 file written'
grep -q world hello.txt || fail "hello.txt was not rewound"
send_keys 'go on' Enter
wait_for 'Noted the rewind'
send_keys 'and again' Enter
wait_for 'Nothing new'

# Request 3 carries the note in its last user message, request 4 does not.
python3 - "$T_PROVIDER_LOG" <<'PY' || fail "the rewind note was not sent as it should be"
import json, sys
reqs = [json.loads(l) for l in open(sys.argv[1])]
def last_user(r):
    m = [m for m in r["messages"] if m["role"] == "user"][-1]
    c = m["content"]
    if isinstance(c, str):
        return c
    return "\n".join(b.get("text", "") for b in c if b.get("type") == "text")
def system(r):
    return json.dumps(r.get("system", ""))
u3, u4 = last_user(reqs[2]), last_user(reqs[3])
assert "go on" in u3, u3
assert "restored" in u3 and "hello.txt" in u3, u3
assert "snapshot" in u3, u3
assert "restored" not in u4, "note sent twice: " + u4
assert "Note: the user" not in system(reqs[2]), "note in the system prompt"
PY

# A rewind, then quit before any prompt: -c resumes and the note is told.
send_keys 'write new' Enter
wait_for 'Wrote new.txt'
[ -f new.txt ] || fail "new.txt was not written"
send_keys '/rewind 2' Enter
wait_for 'Restored 2'
[ -f new.txt ] && fail "new.txt is still there after /rewind 2"
send_keys C-d
wait_for 'AGENTOS-EXITED'
restart_agentos --base-url "http://127.0.0.1:$T_PORT" -c \
    --permission-mode accept-edits
wait_for 'Resumed session'
send_keys 'after resume' Enter
wait_for 'Resumed and told'
python3 - "$T_PROVIDER_LOG" <<'PY' || fail "the note was lost on resume"
import json, sys
reqs = [json.loads(l) for l in open(sys.argv[1])]
m = [m for m in reqs[-1]["messages"] if m["role"] == "user"][-1]
c = m["content"]
t = c if isinstance(c, str) else "\n".join(b.get("text", "") for b in c
    if b.get("type") == "text")
assert "after resume" in t, json.dumps(reqs[-1]["messages"])[-1500:]
assert "snapshot 2" in t and "new.txt" in t and "Removed" in t, t
PY

# agentos rewind from the shell, between two runs: told on the next -c.
sid=$(screen | sed -n 's/.*Resumed session \([0-9a-f-]*\):.*/\1/p' | head -1)
[ -n "$sid" ] || fail "no session id on the screen"
send_keys C-d
wait_for 'AGENTOS-EXITED'
grep -q there hello.txt || fail "/rewind 2 did not put back hello.txt"
"$AGENTOS" rewind 1 --yes --session "$sid" > "$T_TMP/rw.out" 2>&1 ||
    fail "agentos rewind: $(cat "$T_TMP/rw.out")"
grep -q world hello.txt || fail "agentos rewind 1 did not write hello.txt"
restart_agentos --base-url "http://127.0.0.1:$T_PORT" -c \
    --permission-mode accept-edits
wait_for 'Resumed session'
send_keys 'after the shell rewind' Enter
wait_for 'Told of the command-line rewind'
python3 - "$T_PROVIDER_LOG" <<'PY' || fail "the command-line rewind was not told"
import json, sys
reqs = [json.loads(l) for l in open(sys.argv[1])]
m = [m for m in reqs[-1]["messages"] if m["role"] == "user"][-1]
c = m["content"]
t = c if isinstance(c, str) else "\n".join(b.get("text", "") for b in c
    if b.get("type") == "text")
assert "after the shell rewind" in t, t
assert "snapshot 1" in t and "hello.txt" in t and "Written back" in t, t
assert "Removed" not in t, "an old note was sent again: " + t
PY
exit 0
