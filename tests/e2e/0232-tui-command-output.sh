#!/bin/sh
# TUI: command output as a terminal shows it.  Colour escapes and CR
# progress lines reach neither the model nor the screen raw (a CR overwrites
# the line), and output cut to the byte cap says how much there was in all,
# on the screen and to the model, with the cap the man page states.
. "$(dirname "$0")/lib.sh"
make_repo
cat > "$T_TMP/script.json" <<'J'
[
 {"tool_calls": [{"name": "bash", "input": {"command": "printf '\\033[31mred\\033[0m text\\n10%%\\r50%%\\r100%% done\\n'"}}]},
 {"tool_calls": [{"name": "bash", "input": {"command": "seq 1 200000"}}]},
 {"text": "all done"}
]
J
start_provider --script "$T_TMP/script.json"
start_agentos --base-url "http://127.0.0.1:$T_PORT" --permission-mode bypass
wait_for '/help for keys'
send_keys -l 'run them'
send_keys Enter
wait_for 'all done'
wait_for '200000 lines, 1288895 bytes in all; cut'
screen | grep -q '␛' && fail "raw escapes on the screen"
python3 - "$T_PROVIDER_LOG" "$top_srcdir/man/agentos.1" <<'PY' || fail "requests"
import json, re, sys
reqs = [json.loads(l) for l in open(sys.argv[1])]
def result(req):
    for b in req["messages"][-1]["content"]:
        if b.get("type") == "tool_result":
            c = b["content"]
            return c if isinstance(c, str) else "".join(x.get("text", "") for x in c)
r1 = result(reqs[1])
assert "\x1b" not in r1 and "\r" not in r1, repr(r1)
assert "red text\n100% done\n" in r1, repr(r1)
r2 = result(reqs[2])
cap = int(re.search(r"capped at (\d+) bytes", open(sys.argv[2]).read()).group(1))
assert "output capped at %d bytes; 1288895 bytes (200000 lines) in all" % cap in r2, r2[-400:]
assert len(r2.encode()) <= cap, len(r2.encode())
PY
exit 0
