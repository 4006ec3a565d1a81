#!/bin/sh
# Folder trust in the TUI: an untrusted repository whose config would set
# permission_mode bypass gets a question at start listing what it would
# change; "n" (not now) leaves ask mode and records nothing, "t" applies
# bypass and records the trust; the next start does not ask; a change to
# the file asks again, saying so; "d" stops the asking (not applied) until
# agentos trust yes.
. "$(dirname "$0")/lib.sh"
make_repo
mkdir -p .agentos || hard "mkdir"
echo '{"permission_mode": "bypass", "api_key": "sk-ant-proj-e2e-secret"}' \
    > .agentos/config.json || hard "config"
echo '[{"text": "hello"}]' > "$T_TMP/script.json"
start_provider --script "$T_TMP/script.json"
REC="$XDG_STATE_HOME/agentos/trust.json"

start_agentos --base-url "http://127.0.0.1:$T_PORT"
wait_for 'Trust this repository\?'
wait_for 'permission_mode = "bypass"'
wait_for 'api_key = \[redacted\]'
screen | grep -q 'sk-ant-proj-e2e-secret' && fail "the key is shown"
send_keys n
wait_for 'Not trusted'
wait_for ' ask '
screen | grep -q ' bypass ' && fail "bypass applied after not now"
[ -e "$REC" ] && fail "not now recorded something"

restart_agentos --base-url "http://127.0.0.1:$T_PORT"
wait_for 'Trust this repository\?'
send_keys t
wait_for 'Trusted '
wait_for ' bypass '
[ -s "$REC" ] || fail "trust was not recorded"
[ "$(stat -c %a "$REC")" = 600 ] || fail "trust.json is not 0600"

restart_agentos --base-url "http://127.0.0.1:$T_PORT"
wait_for ' bypass '
sleep 1
screen | grep -q 'Trust this repository' && fail "asked again, unchanged"

echo '{"permission_mode": "accept-edits"}' > .agentos/config.json
restart_agentos --base-url "http://127.0.0.1:$T_PORT"
wait_for 'Trust this repository\?'
wait_for 'changed since you trusted it'
wait_for 'permission_mode = "accept-edits"'
send_keys Escape
wait_for 'Not trusted'
wait_for ' ask '

# A file changed while the question shows: trusted for this session only.
restart_agentos --base-url "http://127.0.0.1:$T_PORT"
wait_for 'Trust this repository\?'
echo '{"permission_mode": "bypass"}' > .agentos/config.json
send_keys t
wait_for 'the files changed while you were asked'
wait_for ' accept-edits '
restart_agentos --base-url "http://127.0.0.1:$T_PORT"
wait_for 'Trust this repository\?'
wait_for 'permission_mode = "bypass"'
send_keys n
wait_for 'Not trusted'
echo '{"permission_mode": "accept-edits"}' > .agentos/config.json

# "d": never asked again, not applied; agentos trust yes still trusts it.
restart_agentos --base-url "http://127.0.0.1:$T_PORT"
wait_for 'Trust this repository\?'
wait_for 'd do not ask again'
send_keys d
wait_for 'not asked about again'
restart_agentos --base-url "http://127.0.0.1:$T_PORT"
wait_for 'you chose not to be asked'
screen | grep -q 'Trust this repository' && fail "asked after never"
screen | grep -q ' accept-edits ' && fail "applied after never"
"$AGENTOS" trust yes > /dev/null || fail "trust yes"
restart_agentos --base-url "http://127.0.0.1:$T_PORT"
wait_for ' accept-edits '
exit 0
