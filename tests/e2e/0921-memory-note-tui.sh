#!/bin/sh
# TUI: a prompt line starting with "#" saves a note to the project's
# memory (.agentos/memory/notes.md), says so, and sends nothing to the
# model; the next message is sent as usual.
. "$(dirname "$0")/lib.sh"
make_repo
echo '[{"text": "Hello back."}]' > "$T_TMP/script.json"
start_provider --script "$T_TMP/script.json"
start_agentos --provider anthropic -m claude-sonnet-4-5 \
    --base-url "http://127.0.0.1:$T_PORT"
wait_for '/help'
send_keys '# always run make check before committing' Enter
wait_for 'Saved to /memories/project/notes.md: always run make check'
grep -qx -- '- always run make check before committing' \
    .agentos/memory/notes.md || fail "notes.md: $(cat .agentos/memory/notes.md)"
[ ! -s "$T_PROVIDER_LOG" ] || fail "the note was sent to the model"
send_keys 'hello' Enter
wait_for 'Hello back\.'
grep -q 'always run make check' "$T_PROVIDER_LOG" &&
    fail "the note reached the model as a message"
exit 0
