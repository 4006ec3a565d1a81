#!/bin/sh
# The stream-json schema is a public interface (scripts parse it): a
# headless run with a read, an approved edit (with its snapshot) and a
# command refused headless, normalised, must match tests/data/
# stream-json.golden line for line.  Values that change from run to run
# or belong to other modules (ids of sessions, times, hashes, token
# counts, tool output) become placeholders of their JSON type; member
# names, event kinds, their order and the enumerated values stay.
# AGENTOS_UPDATE_GOLDEN=1 rewrites the golden file instead (review the
# diff: a renamed member breaks the scripts of users).
. "$(dirname "$0")/lib.sh"
GOLDEN="$top_srcdir/tests/data/stream-json.golden"
make_repo
cat > "$T_TMP/script.json" <<'J'
[
 {"text": "Let me look.", "tool_calls": [{"name": "read_file", "input": {"path": "hello.txt"}}]},
 {"expect": {"contains": "world"},
  "tool_calls": [{"name": "edit_file", "input": {"path": "hello.txt", "old_string": "world", "new_string": "there"}}]},
 {"expect": {"contains": "Edited hello.txt"},
  "tool_calls": [{"name": "bash", "input": {"command": "cat hello.txt"}}]},
 {"expect": {"contains": "headless"}, "text": "Done: hello.txt now says there."}
]
J
start_provider --script "$T_TMP/script.json"
"$AGENTOS" -p "change world to there in hello.txt" --provider anthropic \
    -m test-model --base-url "http://127.0.0.1:$T_PORT" \
    --permission-mode accept-edits --output-format stream-json \
    > "$T_TMP/out.jsonl" 2> "$T_TMP/err.txt" ||
    { cat "$T_TMP/err.txt" "$T_TMP/out.jsonl"; fail "exit status"; }
python3 - "$T_TMP/out.jsonl" > "$T_TMP/got.golden" <<'P' || fail "normalise"
import json, sys
# Members whose values vary, or are other modules' business: the value
# becomes a placeholder of its JSON type, the member stays.
VOLATILE = {
    "session", "session_id", "time_ms", "root", "duration_ms",
    "first_token_ms", "total_ms", "delay_ms", "body_sha256", "commit",
    "input_tokens", "output_tokens", "cache_read_tokens",
    "cache_write_tokens", "max_tokens", "bytes", "action",
    "duration_api_ms", "cache_read_input_tokens",
    "cache_creation_input_tokens", "inputTokens", "outputTokens",
    "cacheReadInputTokens", "cacheCreationInputTokens",
    "estimate", "bytes_per_token",
}
def placeholder(v):
    if isinstance(v, bool): return "<bool>"
    if isinstance(v, int): return "<int>"
    if isinstance(v, float): return "<number>"
    if isinstance(v, str): return "<string>"
    return v
def norm(o, kind=None):
    if isinstance(o, dict):
        r = {}
        for k, v in o.items():
            if k in VOLATILE or (kind == "tool_result" and k == "content"):
                r[k] = placeholder(v)
            else:
                r[k] = norm(v, kind)
        return r
    if isinstance(o, list):
        return [norm(v, kind) for v in o]
    return o
for line in open(sys.argv[1]):
    e = json.loads(line)
    print(json.dumps(norm(e, e.get("type")), sort_keys=True))
P
if [ -n "${AGENTOS_UPDATE_GOLDEN:-}" ]; then
	cp "$T_TMP/got.golden" "$GOLDEN" || hard "cannot write $GOLDEN"
	echo "rewrote $GOLDEN"
	exit 0
fi
[ -r "$GOLDEN" ] || hard "no $GOLDEN"
diff -u "$GOLDEN" "$T_TMP/got.golden" >&2 ||
    fail "stream-json differs from tests/data/stream-json.golden"
exit 0
