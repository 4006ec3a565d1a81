#!/bin/sh
# Headless tool loop (read_file, then edit_file) against the OpenAI
# Responses API (--provider openai-responses, POST /v1/responses): the
# second request echoes the function_call and its function_call_output,
# and carries the reasoning item of turn one back (verbatim with its
# encrypted_content, but without the id store false cannot resolve); cached tokens show as cache reads in the usage and the
# cost; a resumed session sends the reasoning item again.
. "$(dirname "$0")/lib.sh"
make_repo
cat > "$T_TMP/script.json" <<'J'
[
 {"thinking": "First look at the file.",
  "usage": {"input_tokens": 300, "cache_read_input_tokens": 1200, "output_tokens": 20},
  "tool_calls": [{"name": "read_file", "input": {"path": "hello.txt"}}]},
 {"expect": {"contains": ["fake-enc-0", "function_call_output", "world"]},
  "tool_calls": [{"name": "edit_file", "input": {"path": "hello.txt", "old_string": "world", "new_string": "there"}}]},
 {"expect": {"contains": "fake-enc-0"}, "text": "Changed world to there."}
]
J
start_provider --script "$T_TMP/script.json"
"$AGENTOS" -p "change world to there in hello.txt" --provider openai-responses \
    -m gpt-5-test --base-url "http://127.0.0.1:$T_PORT/v1" \
    --permission-mode bypass --output-format json \
    > "$T_TMP/out.json" 2> "$T_TMP/err.txt" ||
    { cat "$T_TMP/err.txt" "$T_TMP/out.json" "$T_TMP/provider.out"; fail "exit status"; }
[ "$(cat hello.txt)" = "$(printf 'hello\nthere')" ] || fail "file not edited"
python3 - "$T_TMP/out.json" "$T_PROVIDER_LOG" <<'P' || fail "result or requests"
import json, sys
res = json.load(open(sys.argv[1]))
assert res["result"] == "Changed world to there.", res
# cached_tokens of input_tokens_details are cache reads
assert res["usage"]["cache_read_tokens"] == 1200, res["usage"]
# priced as gpt-5 (data/prices.json): $1.25 in, $10 out, $0.125 cached
u = res["usage"]
want = (u["input_tokens"] * 1.25 + u["output_tokens"] * 10 +
        1200 * 0.125) / 1e6
assert abs(res["total_cost_usd"] - want) < 1e-6, (res["total_cost_usd"], want)
reqs = [json.loads(l) for l in open(sys.argv[2])]
assert len(reqs) == 3, len(reqs)
for r in reqs:
    assert r["model"] == "gpt-5-test" and r["stream"] is True, r
    assert r["store"] is False and r["include"] == ["reasoning.encrypted_content"], r
    assert "messages" not in r and r.get("instructions"), r
    # gpt-5*: reasoning summaries asked for, no cap at the default max_tokens
    assert r["reasoning"] == {"summary": "auto"}, r["reasoning"]
    assert "max_output_tokens" not in r, r
    assert all(t["type"] == "function" and "name" in t and "parameters" in t
               for t in r["tools"]), r["tools"]
inp = reqs[1]["input"]
assert inp[0]["role"] == "user" and "world" in inp[0]["content"], inp[0]
rs = [i for i in inp if i.get("type") == "reasoning"]
assert len(rs) == 1 and rs[0]["encrypted_content"] == "fake-enc-0", inp
# as it came but for its id: with store false an id is looked up and refused
assert "id" not in rs[0], rs
assert rs[0]["summary"][0]["text"] == "First look at the file.", rs
fc = [i for i in inp if i.get("type") == "function_call"]
assert len(fc) == 1 and fc[0]["name"] == "read_file", fc
assert json.loads(fc[0]["arguments"]) == {"path": "hello.txt"}, fc
fo = [i for i in inp if i.get("type") == "function_call_output"]
assert len(fo) == 1 and fo[0]["call_id"] == fc[0]["call_id"], fo
assert "world" in fo[0]["output"], fo
# reasoning, then the call, then its output
assert inp.index(rs[0]) < inp.index(fc[0]) < inp.index(fo[0]), inp
# turn three still carries turn one's reasoning, and both calls
inp = reqs[2]["input"]
assert [i.get("type") for i in inp].count("reasoning") == 1, inp
assert [i.get("type") for i in inp].count("function_call") == 2, inp
assert [i.get("type") for i in inp].count("function_call_output") == 2, inp
P
# A resumed session sends turn one's reasoning item again (from the log).
sid=$(python3 -c 'import json,sys; print(json.load(open(sys.argv[1]))["session_id"])' "$T_TMP/out.json") ||
    fail "no session id"
"$AGENTOS" -r "$sid" -p "and now?" --provider openai-responses \
    -m gpt-5-test --base-url "http://127.0.0.1:$T_PORT/v1" \
    --permission-mode bypass > "$T_TMP/out2.txt" 2> "$T_TMP/err.txt" ||
    { cat "$T_TMP/err.txt"; fail "resume exit status"; }
python3 - "$T_PROVIDER_LOG" <<'P' || fail "resumed request"
import json, sys
reqs = [json.loads(l) for l in open(sys.argv[1])]
assert len(reqs) == 4, len(reqs)
inp = reqs[3]["input"]
rs = [i for i in inp if i.get("type") == "reasoning"]
assert len(rs) == 1 and rs[0]["encrypted_content"] == "fake-enc-0", inp
assert [i.get("type") for i in inp].count("function_call_output") == 2, inp
assert inp[-1] == {"role": "user", "content": "and now?"}, inp[-1]
P
exit 0
