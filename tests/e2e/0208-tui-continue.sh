#!/bin/sh
# TUI: agentos -c shows the resumed conversation before the prompt (the
# prompt, the assistant's markdown rendered, the tool call on one line with
# its result collapsed), and the next prompt goes on from it.
. "$(dirname "$0")/lib.sh"
make_repo
cat > "$T_TMP/script.json" <<'JSON'
[
 {"tool_calls": [{"name": "bash", "input":
   {"command": "printf 'out-1\\nout-2\\nout-3\\n'"}}]},
 {"text": "The files are **fine** and `hello.txt` says hello."},
 {"text": "Second answer.", "expect":
   {"contains": ["first question", "out-1", "follow-up question"]}}
]
JSON
start_provider --script "$T_TMP/script.json"
"$AGENTOS" --base-url "http://127.0.0.1:$T_PORT" --permission-mode bypass \
    -p 'first question' > "$T_TMP/p.out" 2>&1 || fail "headless run: $(cat "$T_TMP/p.out")"
start_agentos --base-url "http://127.0.0.1:$T_PORT" -c
wait_for 'Resumed session [0-9]{8}-[0-9]{6}-[0-9a-f]+: 1 prompt\.'
wait_for '^> first question'
# The tool call is one line, its result collapsed to the first line.
wait_for "⏺ bash printf 'out-1"
wait_for '⎿ out-1  \(\+[0-9]+ lines\)'
screen | grep -Eq '(│|^ *)out-2' && fail "the tool result is not collapsed"
# Markdown rendered: no asterisks or backticks left.
wait_for 'The files are fine and hello.txt says hello\.'
send_keys 'follow-up question' Enter
wait_for 'Second answer\.'
exit 0
