#!/bin/sh
# TUI: Esc while the answer streams keeps what arrived: on screen, marked
# [interrupted]; in the conversation, as the assistant's message (the next
# request has it, without the mark); in the session log, so -c has it too.
. "$(dirname "$0")/lib.sh"
make_repo
cat > "$T_TMP/script.json" <<'JSON'
[
 {"text": "The answer starts like this, and then it goes on and on.",
  "hang": true, "hang_after_events": 5},
 {"text": "Going on.", "expect": {"contains": "The answer starts like this, and"}},
 {"text": "Resumed fine.", "expect": {"contains": "The answer starts like this, and"}}
]
JSON
start_provider --script "$T_TMP/script.json"
start_agentos --base-url "http://127.0.0.1:$T_PORT"
wait_for '/help for keys'
send_keys 'tell me' Enter
wait_for 'The answer starts like this, and'
send_keys Escape
wait_for 'Stopped'
wait_for 'The answer starts like this, and *$'
wait_for '^\[interrupted\]'
send_keys 'go on' Enter
wait_for 'Going on\.'
python3 - "$T_PROVIDER_LOG" <<'PY' || fail "the conversation after Esc"
import json, sys
reqs = [json.loads(l) for l in open(sys.argv[1])]
msgs = reqs[-1]["messages"]
roles = [m["role"] for m in msgs]
assert roles == ["user", "assistant", "user"], roles
c = msgs[1]["content"]
t = c if isinstance(c, str) else "".join(b.get("text", "") for b in c)
assert t == "The answer starts like this, and", repr(t)
assert "interrupted" not in json.dumps(reqs[-1]["messages"]), msgs
PY
send_keys C-d
wait_for 'AGENTOS-EXITED'
restart_agentos --base-url "http://127.0.0.1:$T_PORT" -c
wait_for 'Resumed session'
wait_for 'The answer starts like this, and'
send_keys 'and now' Enter
wait_for 'Resumed fine\.'
exit 0
