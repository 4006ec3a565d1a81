#!/bin/sh
# The environment of a command the model runs is scrubbed in every
# profile: no provider key, no secret-looking name; other variables stay,
# and sandbox.keep_env keeps a name.
. "$(dirname "$0")/lib.sh"
need_bwrap
make_repo
export ANTHROPIC_API_KEY=sk-ant-e2e-secret FOO_TOKEN=tok-e2e-secret
export BAR_SECRET=kept-e2e-secret PLAIN_E2E=visible
for p in workspace-write off; do
	agent_bash "env" --sandbox "$p"
	grep -q "PLAIN_E2E=visible" "$T_TMP/result" ||
	    fail "$p: the environment lost PLAIN_E2E: $(cat "$T_TMP/result")"
	grep -q "ANTHROPIC_API_KEY\|sk-ant-e2e-secret" "$T_TMP/result" &&
	    fail "$p: the provider key reached the command"
	grep -q "FOO_TOKEN\|tok-e2e-secret" "$T_TMP/result" &&
	    fail "$p: FOO_TOKEN reached the command"
	grep -q "BAR_SECRET" "$T_TMP/result" &&
	    fail "$p: BAR_SECRET reached the command"
done
# The user's config (HOME is the test's own, lib.sh).
mkdir -p "$XDG_CONFIG_HOME/agentos" || hard "mkdir"
echo '{"sandbox": {"keep_env": ["BAR_SECRET"]}}' \
    > "$XDG_CONFIG_HOME/agentos/config.json" || hard "config"
agent_bash "env"
grep -q "BAR_SECRET=kept-e2e-secret" "$T_TMP/result" ||
    fail "sandbox.keep_env did not keep BAR_SECRET"
grep -q "FOO_TOKEN" "$T_TMP/result" && fail "keep_env kept FOO_TOKEN too"
exit 0
