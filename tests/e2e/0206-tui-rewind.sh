#!/bin/sh
# TUI: Alt-z rewinds the files to the snapshot before the agent's last
# change, restoring the exact bytes (a file without a final newline, a
# created file removed), and says so.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/lib-tui.sh"
make_repo
printf 'no newline at end\t\r\n\001' > odd.txt
git add odd.txt && git commit -qm odd
cp odd.txt "$T_TMP/odd.orig"
cat > "$T_TMP/script.json" <<'JSON'
[
 {"tool_calls": [{"name": "write_file", "input": {"path": "odd.txt",
   "content": "replaced\n"}}]},
 {"tool_calls": [{"name": "write_file", "input": {"path": "new.txt",
   "content": "brand new\n"}}]},
 {"text": "Wrote both files."}
]
JSON
start_provider --script "$T_TMP/script.json"
start_agentos --base-url "http://127.0.0.1:$T_PORT" \
    --permission-mode accept-edits
wait_for '/help'
send_keys 'write them' Enter
wait_for 'Wrote both files'
[ -f new.txt ] || fail "new.txt was not written"
cmp -s odd.txt "$T_TMP/odd.orig" && fail "odd.txt was not written"
send_keys M-z
wait_for 'Rewound the files to snapshot'
[ -f new.txt ] && fail "new.txt is still there after the rewind"
send_keys M-z
wait_for 'Rewound the files to snapshot .*before'
cmp -s odd.txt "$T_TMP/odd.orig" || fail "odd.txt is not byte-identical"
exit 0
