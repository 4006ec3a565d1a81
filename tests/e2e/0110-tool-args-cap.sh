#!/bin/sh
# A tool call whose arguments pass tool_args_max_bytes (1 MiB by default):
# a write of a 2 MB file is refused with a result naming the cap, the file
# is not written, and the arguments are not sent again: the next request
# stays small, and so does the session log.
. "$(dirname "$0")/lib.sh"
make_repo
python3 - "$T_TMP/script.json" <<'P'
import json, sys
big = "x" * (2 * 1024 * 1024)
json.dump([
    {"tool_calls": [{"name": "write_file",
                     "input": {"path": "big.txt", "content": big}}]},
    {"expect": {"contains": "tool_args_max_bytes"}, "text": "understood"},
    {"expect": {"not_contains": "xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx"},
     "text": "still small"},
], open(sys.argv[1], "w"))
P
start_provider --script "$T_TMP/script.json"
ANTHROPIC_API_KEY=k "$AGENTOS" -p "write it" --provider anthropic \
    --base-url "http://127.0.0.1:$T_PORT" --permission-mode bypass \
    --output-format json > "$T_TMP/out.json" 2> "$T_TMP/err" ||
    { cat "$T_TMP/err" "$T_TMP/out.json"; fail "run 1"; }
[ ! -e big.txt ] || fail "big.txt was written"
sid=$(python3 -c 'import json,sys; print(json.load(open(sys.argv[1]))["session_id"])' "$T_TMP/out.json")
# A later turn of the same session: the stub is what goes back.
ANTHROPIC_API_KEY=k "$AGENTOS" -p "again" --provider anthropic \
    --base-url "http://127.0.0.1:$T_PORT" --resume "$sid" \
    > "$T_TMP/out2" 2> "$T_TMP/err2" ||
    { cat "$T_TMP/err2"; fail "run 2"; }
grep -q 'still small' "$T_TMP/out2" || fail "run 2: $(cat "$T_TMP/out2")"
python3 - "$T_PROVIDER_LOG" <<'P' || fail "requests"
import json, sys
reqs = [l for l in open(sys.argv[1])]
assert len(reqs) == 3, len(reqs)
assert len(reqs[0]) < 100000, len(reqs[0])
for r in reqs[1:]:
    assert len(r) < 100000, len(r)
    assert "__oversized_arguments" in r
res = json.loads(reqs[1])["messages"][-1]["content"][0]
assert res["type"] == "tool_result" and res.get("is_error") is True, res
P
size=$(stat -c %s .git/agentos/sessions.db)
[ "$size" -lt 1000000 ] || fail "session log holds $size bytes"
exit 0
