#!/bin/sh
# TUI: while a long write's arguments stream, the transcript says which
# call, on which path, and how much has arrived (not only a spinner); the
# line goes when the call is complete (or stopped).
. "$(dirname "$0")/lib.sh"
make_repo
python3 - > "$T_TMP/script.json" <<'PY'
import json
content = "".join("line %05d of a long file\n" % i for i in range(1600))
call = {"name": "write_file", "input": {"path": "big.txt",
    "content": content}}
# message_start, ping, content_block_start, then 1500 pieces of 7 bytes.
print(json.dumps([
    {"tool_calls": [call], "hang": True, "hang_after_events": 1504},
    {"tool_calls": [call]},
    {"text": "Wrote it."}]))
PY
start_provider --script "$T_TMP/script.json"
start_agentos --base-url "http://127.0.0.1:$T_PORT" \
    --permission-mode accept-edits
wait_for '/help for keys'
send_keys 'write a big file' Enter
wait_for 'Receiving write_file big\.txt: 10\.[0-9] KB so far'
send_keys Escape
wait_for 'Stopped'
wait_gone 'Receiving write_file' "the line stayed after Esc"
send_keys 'again' Enter
wait_for 'Wrote it\.'
wait_for 'write_file big\.txt'
screen | grep -q 'Receiving write_file' && fail "the line stayed after the call"
[ "$(wc -l < big.txt)" -eq 1600 ] || fail "big.txt: $(wc -l < big.txt) lines"
exit 0
