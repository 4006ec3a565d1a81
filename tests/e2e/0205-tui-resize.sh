#!/bin/sh
# TUI: a resize re-wraps the transcript and the prompt without garbling:
# after shrinking the window, the screen equals a fresh redraw (C-l), no line
# is wider than the window, and text typed after the resize lands whole.
. "$(dirname "$0")/lib.sh"
make_repo
cat > "$T_TMP/script.json" <<'JSON'
[
 {"text": "A paragraph long enough to be wrapped differently at eighty and at forty columns, with **bold** and `code` and 日本語の文字 in it.\n\n- one item\n- two items"}
]
JSON
start_provider --script "$T_TMP/script.json"
start_agentos --base-url "http://127.0.0.1:$T_PORT"
wait_for '/help'
send_keys 'hello' Enter
wait_for 'two items'
tmux -L "$T_SOCK" resize-window -t main -x 40 -y 20
wait_for '^A paragraph long enough to be wrapped$'
before=$(wait_stable)
# Keys are read in order: once the x typed after C-l shows, and is erased
# again, the redraw has been done.
send_keys C-l x
wait_for '^> x'
send_keys BSpace
wait_gone '^> x' "BSpace did not erase the x"
after=$(wait_stable)
[ "$before" = "$after" ] || fail "the resized screen differs from a redraw"
echo "$after" | grep -q '^A paragraph long enough to be wrapped$' ||
    fail "the reply was not wrapped again at 40 columns"
echo "$after" | grep -q 'two items' || fail "the transcript is gone"
send_keys 'typed after resize'
wait_for '> typed after resize'
tmux -L "$T_SOCK" resize-window -t main -x 120 -y 40
wait_for 'wrapped differently at eighty and at forty columns'
exit 0
