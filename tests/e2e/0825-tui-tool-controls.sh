#!/bin/sh
# TUI: terminal controls in a command's output are applied the way a
# terminal would (a carriage return starts the line again, a backspace
# takes a character back) or dropped, never shown as control pictures
# (U+2400-U+2421).
. "$(dirname "$0")/lib.sh"
make_repo
python3 -c 'import json
print(json.dumps([{"tool_calls": [{"name": "bash", "input": {"command":
    "printf \"a\\001b\\177c\\033\\007d\\r\\nprogress 10%%\\rprogress 100%%\\nbaXk\\bc\\002\\n\"; exit 3"}}]},
    {"text": "all done"}]))' > "$T_TMP/script.json" || hard "script"
start_provider --script "$T_TMP/script.json"
start_agentos --base-url "http://127.0.0.1:$T_PORT" --permission-mode bypass \
    --sandbox off
wait_for '/help'
send_keys 'show it' Enter
wait_for 'all done'
wait_for 'progress 100%'
scr=$(screen)
printf '%s\n' "$scr" | grep -q 'abc' || fail "the controls were not dropped"
printf '%s\n' "$scr" | grep -q 'progress 10%progress' &&
    fail "the carriage return did not start the line again"
printf '%s\n' "$scr" | grep -q 'baXc' ||
    fail "the backspace did not take a character back"
printf '%s\n' "$scr" | grep -q "$(printf '\342\220')" &&
    fail "a control picture is shown"
[ -n "${SHOW:-}" ] && printf "%s\n" "$scr"
exit 0
