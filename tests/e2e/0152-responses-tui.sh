#!/bin/sh
# TUI over the OpenAI Responses API (--provider openai-responses): the
# reasoning summary streams like thinking, an edit asks for approval and y
# applies it, the answer is rendered; the next request carries the
# reasoning item and the function_call_output of the approved edit;
# /context shows the gpt-5 window and the cache hits (cached_tokens).
. "$(dirname "$0")/lib.sh"
make_repo
cat > "$T_TMP/script.json" <<'JSON'
[
 {"thinking": "PONDER-SUMMARY the greeting needs a change.",
  "tool_calls": [{"name": "edit_file", "input": {"path": "hello.txt",
   "old_string": "world", "new_string": "agent world"}}]},
 {"text": "Done: **hello.txt** now greets the agent.",
  "usage": {"input_tokens": 500, "cache_read_input_tokens": 1500, "output_tokens": 10},
  "expect":
   {"contains": ["function_call_output", "fake-enc-0"]}}
]
JSON
start_provider --script "$T_TMP/script.json"
start_agentos --provider openai-responses -m gpt-5-test \
    --base-url "http://127.0.0.1:$T_PORT/v1"
wait_for '/help'
send_keys 'change world in hello.txt' Enter
wait_for 'PONDER-SUMMARY'
wait_for 'Make this edit\?'
wait_for '^ +2 +\+agent world'
[ "$(cat hello.txt)" = "$(printf 'hello\nworld')" ] ||
    fail "the file changed before the approval"
send_keys y
wait_for 'Done: hello.txt now greets the agent'
[ "$(cat hello.txt)" = "$(printf 'hello\nagent world')" ] ||
    fail "hello.txt was not edited: $(cat hello.txt)"
# /context: the gpt-5 window, and the cached_tokens as cache hits.
send_keys '/context' Enter
wait_for 'of 400000 tokens'
wait_for 'Cache hits: [1-9][0-9.]*% of [0-9]+ input tokens'
wait_for 'cached 1.5k'
python3 - "$T_PROVIDER_LOG" <<'P' || fail "requests"
import json, sys
reqs = [json.loads(l) for l in open(sys.argv[1])]
assert len(reqs) == 2, len(reqs)
inp = reqs[1]["input"]
types = [i.get("type") for i in inp]
assert types.count("reasoning") == 1, types
fo = [i for i in inp if i.get("type") == "function_call_output"]
fc = [i for i in inp if i.get("type") == "function_call"]
assert fc[0]["name"] == "edit_file" and fo[0]["call_id"] == fc[0]["call_id"]
P
exit 0
