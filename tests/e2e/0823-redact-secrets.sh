#!/bin/sh
# Known secret values never reach the model: the provider key agentos
# holds (in a file the model reads, in command output) and the values of
# the repository's .env files come back as "[redacted NAME]" in the tool
# results the provider is sent; short values (< 8 bytes) stay.
. "$(dirname "$0")/lib.sh"
make_repo
KEY=sk-e2e-provider-secret-0123456789
export OPENAI_API_KEY=$KEY
printf 'the key is %s here\n' "$KEY" > keyfile.txt
cat > .env <<'E'
# a comment
DB_PASSWORD="hunter2-e2e-long-value"
export API_TOKEN=tok-e2e-0123456789 # trailing comment
SHORT=abc
E
cat > "$T_TMP/script.json" <<'J'
[{"tool_calls": [
   {"name": "bash", "input": {"command": "cat keyfile.txt .env"}},
   {"name": "read_file", "input": {"path": "keyfile.txt"}},
   {"name": "read_file", "input": {"path": ".env"}}]},
 {"text": "done"}]
J
start_provider --script "$T_TMP/script.json"
"$AGENTOS" -p "leak it" --provider openai -m test-model \
    --base-url "http://127.0.0.1:$T_PORT/v1" --permission-mode bypass \
    --sandbox off > "$T_TMP/out" 2> "$T_TMP/err" ||
    { cat "$T_TMP/err"; fail "agentos exit status"; }
[ "$(wc -l < "$T_PROVIDER_LOG")" -ge 2 ] || fail "no second request"
for s in "$KEY" hunter2-e2e-long-value tok-e2e-0123456789; do
	grep -q -- "$s" "$T_PROVIDER_LOG" && fail "the provider was sent $s"
done
python3 - "$T_PROVIDER_LOG" <<'P' || fail "the tool results"
import json, sys
reqs = [json.loads(l) for l in open(sys.argv[1])]
tools = [m["content"] for m in reqs[-1]["messages"] if m["role"] == "tool"]
assert len(tools) == 3, tools
text = "\n".join(tools)
assert text.count("[redacted OPENAI_API_KEY]") >= 2, text
assert "[redacted .env DB_PASSWORD]" in text, text
assert "[redacted .env API_TOKEN]" in text, text
assert "SHORT=abc" in text, text
P
# The session log holds what the model was sent, redacted too.
grep -rq -- "$KEY" .git/agentos 2>/dev/null && fail "the key is in the log"
exit 0
