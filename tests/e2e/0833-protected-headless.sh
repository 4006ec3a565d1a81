#!/bin/sh
# Protected paths, headless: in accept-edits a write to
# .agentos/config.json is refused with a result naming the path (nobody can
# approve it), and so are .GIT/config (case is folded, whatever this file
# system does), ./.git/../.agentos/x (normalised) and a symlink into .git;
# a command writing there through a redirection is refused too, with an
# allow rule for it; bypass writes them.
. "$(dirname "$0")/lib.sh"
make_repo
ln -s .git innocent
mkdir -p "$XDG_CONFIG_HOME/agentos"
echo '{"permissions": {"allow": ["Bash(echo:*)"]}}' \
    > "$XDG_CONFIG_HOME/agentos/config.json"
# write PATH [agentos options]: one write_file call, result in $T_TMP/result
write() {
	_p=$1
	shift
	python3 -c 'import json, sys
print(json.dumps([{"tool_calls": [{"name": "write_file",
    "input": {"path": sys.argv[1], "content": "x = 1\n"}}]},
    {"text": "done"}]))' "$_p" > "$T_TMP/w.json" || hard "script"
	rm -f "$T_TMP/port" "$T_TMP/requests.jsonl"
	start_provider --script "$T_TMP/w.json"
	"$AGENTOS" -p "write it" --provider openai -m test-model \
	    --base-url "http://127.0.0.1:$T_PORT/v1" "$@" \
	    > "$T_TMP/out" 2> "$T_TMP/err" ||
	    { cat "$T_TMP/err" >&2; fail "agentos exit status"; }
	python3 -c 'import json, sys
reqs = [json.loads(l) for l in open(sys.argv[1])]
sys.stdout.write(reqs[-1]["messages"][-1]["content"])' "$T_PROVIDER_LOG" \
	    > "$T_TMP/result" || fail "no tool result"
}
for p in .agentos/config.json .GIT/config ./.git/../.agentos/x \
    innocent/config AGENTS.md .mcp.json; do
	write "$p" --permission-mode accept-edits
	grep -q "protected path" "$T_TMP/result" ||
	    fail "$p: not refused: $(cat "$T_TMP/result")"
done
grep -q "writes \.mcp\.json" "$T_TMP/result" ||
    fail "the path is not named: $(cat "$T_TMP/result")"
[ ! -e .agentos ] && [ ! -e .GIT ] && [ ! -e AGENTS.md ] ||
    fail "a protected path was written"
grep -q "x = 1" .git/config && fail ".git/config written through a symlink"
agent_bash "echo pwned > .agentos/config.json" --permission-mode ask \
    --sandbox off
grep -q "protected path" "$T_TMP/result" ||
    fail "redirection: $(cat "$T_TMP/result")"
[ ! -e .agentos ] || fail "a redirection wrote .agentos"
write .agentos/config.json --permission-mode bypass
[ -f .agentos/config.json ] || fail "bypass did not write"
exit 0
