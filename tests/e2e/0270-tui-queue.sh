#!/bin/sh
# TUI: messages typed while a turn runs are queued (shown as "queued"
# below the transcript) and sent, joined in order, as the next user message
# when the turn ends; Up on an empty prompt takes the last one back to
# edit; Esc on an empty prompt still stops the turn and the queue stays,
# sent by Enter on an empty prompt.
. "$(dirname "$0")/lib.sh"
make_repo
cat > "$T_TMP/script.json" <<'JSON'
[
 {"text": "First answer.", "delay_ms": 5000},
 {"text": "Second answer."},
 {"text": "Never ends", "hang": true},
 {"text": "Fourth answer."}
]
JSON
start_provider --script "$T_TMP/script.json"
start_agentos --base-url "http://127.0.0.1:$T_PORT"
wait_for '/help for keys'

send_keys -l 'first'
send_keys Enter
wait_for 'Esc to stop'
send_keys -l 'second one'
send_keys Enter
wait_for 'queued: second one'
send_keys -l 'third one'
send_keys Enter
wait_for 'queued: third one'
screen | grep -q 'First answer' && fail "the turn ended before the test typed"
# Up on the empty prompt takes the last one back.
send_keys Up
wait_for '^> third one'
wait_gone 'queued: third one' "Up left the message in the queue"
send_keys -l ' edited'
send_keys Enter
wait_for 'queued: third one edited'
wait_for 'Second answer\.'
wait_gone 'queued:' "the queue was not emptied"
python3 - "$T_PROVIDER_LOG" <<'PY' || fail "the queued messages were not sent"
import json, sys
reqs = [json.loads(l) for l in open(sys.argv[1])]
assert len(reqs) == 2, len(reqs)
m = reqs[1]["messages"][-1]
assert m["role"] == "user", m
c = m["content"]
t = c if isinstance(c, str) else "".join(b.get("text", "") for b in c)
assert "second one\n\nthird one edited" in t, repr(t)
PY

# Esc on an empty prompt stops the turn; the queue stays.
send_keys -l 'go on'
send_keys Enter
wait_for 'Never ends'
send_keys -l 'later please'
send_keys Enter
wait_for 'queued: later please'
send_keys Escape
wait_for 'Stopped\.'
wait_for '1 queued message waits'
screen | grep -q 'queued: later please' || fail "Esc dropped the queue"
sleep 1
[ "$(wc -l < "$T_PROVIDER_LOG")" -eq 3 ] || fail "the queue was sent after Esc"
send_keys Enter
wait_for 'Fourth answer\.'
python3 - "$T_PROVIDER_LOG" <<'PY' || fail "the kept queue was not sent"
import json, sys
reqs = [json.loads(l) for l in open(sys.argv[1])]
assert len(reqs) == 4, len(reqs)
c = reqs[3]["messages"][-1]["content"]
t = c if isinstance(c, str) else "".join(b.get("text", "") for b in c)
assert "later please" in t, repr(t)
PY
exit 0
