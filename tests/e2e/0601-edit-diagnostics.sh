#!/bin/sh
# An edit that breaks a C file: clangd's error reaches the model in the
# same turn, inside the edit's tool result; no clangd is left running.
. "$(dirname "$0")/lib.sh"
command -v clangd >/dev/null 2>&1 || skip "no clangd"
make_repo
cat > a.c <<'C'
int add(int a, int b) { return a + b; }
int main(void) { return add(1, 2); }
C
echo "-std=c11" > compile_flags.txt
git add -A && git commit -qm c
cat > "$T_TMP/script.json" <<'J'
[
 {"tool_calls": [{"name": "edit_file", "input": {"path": "a.c", "old_string": "add(1, 2)", "new_string": "add(1)"}}]},
 {"expect": {"contains": ["Diagnostics from clangd", "a.c:2:"]}, "text": "Oops, I broke it."}
]
J
start_provider --script "$T_TMP/script.json"
"$AGENTOS" -p "break it" --base-url "http://127.0.0.1:$T_PORT" \
    --permission-mode accept-edits > "$T_TMP/out.txt" 2> "$T_TMP/err.txt" ||
    { cat "$T_TMP/err.txt"; tail -1 "$T_PROVIDER_LOG"; fail "run failed"; }
grep -q "Oops, I broke it." "$T_TMP/out.txt" || fail "no answer"
python3 - "$T_PROVIDER_LOG" <<'P' || fail "diagnostic not in the tool result"
import json, sys
reqs = [json.loads(l) for l in open(sys.argv[1])]
res = reqs[1]["messages"][-1]["content"][0]
assert res["type"] == "tool_result", res
assert "Edited a.c" in res["content"] and "rror" in res["content"], res["content"]
print(res["content"])
P
# agentos has exited; its clangd may take a moment to follow.
ours() {
	for pid in $(pgrep clangd); do
		[ "$(readlink "/proc/$pid/cwd" 2>/dev/null)" = "$T_REPO" ] &&
		    echo "$pid"
	done
}
for _ in $(seq $((T_WAIT * 10))); do
	[ -z "$(ours)" ] && break
	sleep 0.1
done
[ -z "$(ours)" ] || fail "clangd $(ours) outlived agentos"
exit 0
