#!/bin/sh
# The prompt cache (issue 11), measured: a session of three prompts and 36
# tool calls reading real source files, against the fake provider's
# simulated prompt cache (--cache: Anthropic's breakpoints with the 20
# block lookback, OpenAI's automatic prefix cache), both wire formats.  The
# cache hit ratio (cache reads over all input tokens, from the usage the
# provider reported) is printed, and must reach 85%; every Anthropic
# request has at most 4 breakpoints, the first on the system prompt.
. "$(dirname "$0")/lib.sh"
make_repo
# 36 real sources, three prompts of 12 read_file calls.
real_sources 36 3

# session KIND URL: three prompts (a resume each), then the ratio.
session() {
	kind=$1 url=$2
	kill $T_PIDS 2>/dev/null
	T_PIDS=
	rm -f "$T_TMP/requests.jsonl" "$T_TMP/port"
	start_provider --script "$T_TMP/script.json" --cache
	resume=
	for k in 0 1 2; do
		"$AGENTOS" $resume -p "PROMPT-$k: read the next sources" \
		    --provider "$kind" -m claude-sonnet-4-5 \
		    --base-url "http://127.0.0.1:$T_PORT$url" \
		    --output-format json > "$T_TMP/out.json" \
		    2> "$T_TMP/err.txt" ||
		    { cat "$T_TMP/err.txt" "$T_TMP/out.json";
		    fail "$kind: prompt $k"; }
		grep -q "ANSWER-$k" "$T_TMP/out.json" ||
		    fail "$kind: no answer $k"
		sid=$(python3 -c 'import json,sys; print(json.load(open(sys.argv[1]))["session_id"])' "$T_TMP/out.json")
		resume="-r $sid"
	done
	"$AGENTOS" export "$sid" --format jsonl > "$T_TMP/events.jsonl" ||
	    fail "$kind: export"
	python3 - "$T_TMP/events.jsonl" "$T_PROVIDER_LOG" "$kind" <<'P' ||
import json, sys
ev = [json.loads(l) for l in open(sys.argv[1], encoding="utf-8")]
reqs = [json.loads(l) for l in open(sys.argv[2], encoding="utf-8")]
kind = sys.argv[3]
u = [e["data"]["usage"] for e in ev if e["type"] == "response"]
assert len(u) == 39, len(u)
read = sum(x["cache_read_tokens"] for x in u)
allin = sum(x["input_tokens"] + x["cache_read_tokens"] +
            x["cache_write_tokens"] for x in u)
ratio = read / allin
print("%s: cache hit ratio %.1f%% (%d of %d input tokens, %d requests)" %
      (kind, 100 * ratio, read, allin, len(u)))
assert ratio >= 0.85, ratio
if kind == "anthropic":
    for r in reqs:
        n = json.dumps(r).count('"cache_control"')
        assert 1 <= n <= 4, n
        assert "cache_control" in r["system"][0], r["system"][0].keys()
P
	    fail "$kind: cache hit ratio"
}
session anthropic ""
session openai /v1
exit 0
