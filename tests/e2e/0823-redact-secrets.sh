#!/bin/sh
# Known secret values never reach the model: the provider key agentos
# holds (in a file the model reads, in command output) and the values of
# the repository's .env files come back as "[redacted NAME]" in the tool
# results the provider is sent, also base64-encoded (an Authorization:
# Basic header, the value at an odd offset) and hex-encoded; short values
# (< 8 bytes) stay.
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
# The encodings, by a script that reads the values from .env (the model
# never names them).
cat > enc.sh <<'E'
v() { sed -n "s/^\(export \)*$1=\"*\([^\" ]*\).*/\2/p" .env; }
case $1 in
basic) printf 'Authorization: Basic %s\n' "$(printf 'u:%s' "$(v DB_PASSWORD)" |
    base64 -w0)" ;;
hex) printf %s "$(v API_TOKEN)" | od -An -tx1 | tr -d ' \n' ;;
esac
E
cat > "$T_TMP/script.json" <<'J'
[{"tool_calls": [
   {"name": "bash", "input": {"command": "cat keyfile.txt .env"}},
   {"name": "read_file", "input": {"path": "keyfile.txt"}},
   {"name": "read_file", "input": {"path": ".env"}},
   {"name": "bash", "input": {"command": "sh enc.sh basic"}},
   {"name": "bash", "input": {"command": "sh enc.sh hex"}}]},
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
assert len(tools) == 5, tools
text = "\n".join(tools)
import base64
b64 = base64.b64encode(b"u:hunter2-e2e-long-value").decode()
assert b64[3:-3] not in json.dumps(reqs), "the base64 form was sent"
assert "746f6b2d6532652d30313233343536373839" not in json.dumps(reqs)
assert "Authorization: Basic " in tools[3], tools[3]
assert "[redacted .env DB_PASSWORD, base64]" in tools[3], tools[3]
assert tools[4].startswith("[redacted .env API_TOKEN, hex]\n"), repr(tools[4])
assert text.count("[redacted OPENAI_API_KEY]") >= 2, text
assert "[redacted .env DB_PASSWORD]" in text, text
assert "[redacted .env API_TOKEN]" in text, text
assert "SHORT=abc" in text, text
P
# The session log holds what the model was sent, redacted too.
grep -rq -- "$KEY" .git/agentos 2>/dev/null && fail "the key is in the log"
exit 0
