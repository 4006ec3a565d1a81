#!/bin/sh
# TUI: Alt-z rewinds the files to the snapshot before the agent's last
# change, restoring the exact bytes (a file without a final newline, a
# created file removed), and says so.
. "$(dirname "$0")/lib.sh"
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
wait_for 'Restored the files to before the last agent change: 0 files written, 1 removed'
[ -f new.txt ] && fail "new.txt is still there after the rewind"
send_keys M-z
wait_for 'Restored the files to before the last agent change: 1 file written'
cmp -s odd.txt "$T_TMP/odd.orig" || fail "odd.txt is not byte-identical"

# A hand edit the rewind would overwrite: asked first, kept on n.
gone() { wait_gone 'Are you sure' "the question stayed up"; }
send_keys '/rewind 3' Enter
wait_for 'Restored 3'
echo 'edited by hand' > odd.txt
send_keys M-z
wait_for 'Are you sure\?'
wait_for 'these hand edits would be lost .*odd\.txt'
send_keys n
gone
[ "$(cat odd.txt)" = 'edited by hand' ] || fail "n overwrote the hand edit"
send_keys M-z
wait_for 'Are you sure\?'
send_keys y
# The earlier notices say "Restored" too: wait for the file itself.
for _ in $(seq $((T_WAIT * 10))); do
	[ "$(cat odd.txt)" = 'edited by hand' ] || break
	sleep 0.1
done
[ "$(cat odd.txt)" = 'edited by hand' ] && fail "y did not overwrite"
gone
exit 0
