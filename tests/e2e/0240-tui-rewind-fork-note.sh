#!/bin/sh
# TUI: a rewind not yet told to the model goes with /fork: the fork's next
# request carries the note (once), also after quitting and resuming it.
. "$(dirname "$0")/lib.sh"
make_repo
cat > "$T_TMP/script.json" <<'JSON'
[
 {"tool_calls": [{"name": "edit_file", "input": {"path": "hello.txt",
   "old_string": "world", "new_string": "there"}}]},
 {"text": "Edited it."},
 {"text": "Told in the fork."}
]
JSON
start_provider --script "$T_TMP/script.json"
start_agentos --base-url "http://127.0.0.1:$T_PORT" \
    --permission-mode accept-edits
wait_for '/help for keys'
send_keys 'edit the greeting' Enter
wait_for 'Edited it\.'
send_keys M-z
wait_for 'Restored the files to before the last agent change'
send_keys '/fork' Enter
wait_for 'Forked: the conversation goes on in new session'
send_keys C-d
wait_for 'AGENTOS-EXITED'
restart_agentos --base-url "http://127.0.0.1:$T_PORT" -c \
    --permission-mode accept-edits
wait_for 'Resumed session'
send_keys 'in the fork' Enter
wait_for 'Told in the fork\.'
python3 - "$T_PROVIDER_LOG" <<'PY' || fail "the fork did not carry the rewind note"
import json, sys
reqs = [json.loads(l) for l in open(sys.argv[1])]
m = [m for m in reqs[-1]["messages"] if m["role"] == "user"][-1]
c = m["content"]
t = c if isinstance(c, str) else "\n".join(b.get("text", "") for b in c
    if b.get("type") == "text")
assert "in the fork" in t, t
assert "hello.txt" in t and "undid the last change" in t, t
assert t.count("undid the last change") == 1, "told twice: " + t
PY
exit 0
