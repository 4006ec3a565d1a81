#!/bin/sh
# TUI: a conversation rewind (timeline, c) puts the prompt it rewound back
# in the input, to edit and send again; sent, it goes to the fork once.
. "$(dirname "$0")/lib.sh"
make_repo
cat > "$T_TMP/script.json" <<'JSON'
[
 {"text": "First answer."},
 {"tool_calls": [{"name": "edit_file", "input": {"path": "hello.txt",
   "old_string": "world", "new_string": "there"}}]},
 {"text": "Edited."},
 {"text": "Again, better.", "expect": {"contains": ["first prompt",
   "second prompt, edited"]}}
]
JSON
start_provider --script "$T_TMP/script.json"
start_agentos --base-url "http://127.0.0.1:$T_PORT" \
    --permission-mode accept-edits
wait_for '/help for keys'
send_keys 'first prompt' Enter
wait_for 'First answer\.'
send_keys 'second prompt' Enter
wait_for 'Edited\.'
send_keys M-s
wait_for 'Snapshots, oldest first'
send_keys Enter
wait_for 'Restore: f files only, c conversation only, b both'
send_keys c
wait_for 'Rewound the conversation to before prompt 2'
wait_for 'Prompt 2 is back in the input'
wait_for '^> second prompt$'
send_keys ', edited' Enter
wait_for 'Again, better\.'
python3 - "$T_PROVIDER_LOG" <<'PY' || fail "what the fork was sent"
import json, sys
reqs = [json.loads(l) for l in open(sys.argv[1])]
body = json.dumps(reqs[-1])
assert body.count("second prompt") == 1, body
PY
exit 0
