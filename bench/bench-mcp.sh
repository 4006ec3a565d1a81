#!/bin/sh
# bench-mcp.sh: what MCP servers cost agentos, with tests/fake-mcp-server.py
# (stdio):
#   - time to the first screen and idle RSS with 0 and with 5 servers
#     configured (bench-startup.py; servers connect in the background);
#   - bytes of the first request with one server of 5 and one of 50 tools;
#   - agentos's own protocol time per tools/call (encode + decode, from
#     jsonrpc's counters in the debug log) over 100 echo calls, and the
#     wall time per call as the session log records it.
# The numbers are for the report, never an assertion.
#
# usage: bench/bench-mcp.sh [AGENTOS] [RUNS]
set -eu
here=$(cd "$(dirname "$0")" && pwd)
top=$here/..
agentos=$(cd "$(dirname "${1:-$top/agentos}")" && pwd)/$(basename "${1:-$top/agentos}")
runs=${2:-10}
fake=$top/tests/fake-mcp-server.py
tmp=$(mktemp -d "${TMPDIR:-/tmp}/agentos-bench-mcp.XXXXXX")
trap 'kill $ppid 2>/dev/null; rm -rf "$tmp"' EXIT
ppid=
repo=$tmp/repo
mkdir -p "$repo" && cd "$repo"
git init -q -b main . && echo hi > a.txt && git add -A &&
    git -c user.email=b@example.com -c user.name=bench commit -qm b
export HOME=$tmp XDG_CONFIG_HOME=$tmp/.config
mkdir -p "$XDG_CONFIG_HOME/agentos"
conf=$XDG_CONFIG_HOME/agentos/config.json

# config N TOOLS: N servers of TOOLS tools each.
config() {
	python3 - "$1" "$2" "$fake" > "$conf" <<'P'
import json, sys
n, tools, fake = int(sys.argv[1]), sys.argv[2], sys.argv[3]
print(json.dumps({"mcp": {"servers": {"s%d" % i: {"command": "python3",
      "args": [fake], "env": {"FAKE_MCP_TOOLS": tools}} for i in range(n)}}}))
P
}

echo "== first screen and idle RSS"
for n in 0 5; do
	config $n 5
	echo "-- $n servers"
	python3 "$here/bench-startup.py" "$agentos" "$repo" "$runs" | tail -2
done

python3 "$top/tests/fake-provider.py" --port-file "$tmp/port" \
    --log "$tmp/req.jsonl" --script "$tmp/script.json" > /dev/null 2>&1 &
ppid=$!
# The script is read per request: write it before the first one.
python3 - "$tmp/script.json" <<'P'
import json, sys
turns = [{"text": "a"}, {"text": "b"}]
turns += [{"tool_calls": [{"name": "mcp__s0__echo", "input": {"text": "x" * 100}}]}
          for _ in range(100)]
turns.append({"text": "done"})
json.dump(turns, open(sys.argv[1], "w"))
P
while [ ! -s "$tmp/port" ]; do sleep 0.1; done
port=$(cat "$tmp/port")

echo "== bytes of the first request"
for t in 5 50; do
	config 1 $t
	: > "$tmp/req.jsonl"
	"$agentos" -p hi --base-url "http://127.0.0.1:$port" > /dev/null 2>&1
	python3 - "$tmp/req.jsonl" $t <<'P'
import json, sys
line = open(sys.argv[1]).readline()
r = json.loads(line)
mcp = [t for t in r["tools"] if t["name"].startswith("mcp__")]
print("%s MCP tools: request %d bytes, of which MCP tool definitions %d" % (
    sys.argv[2], len(line), len(json.dumps(mcp))))
P
done

echo "== 100 tools/call of echo"
config 1 5
AGENTOS_LOG=$tmp/debug.log "$agentos" -p go --base-url "http://127.0.0.1:$port" \
    --permission-mode bypass --output-format json > "$tmp/out.json" 2>/dev/null
grep 'mcp: stats:' "$tmp/debug.log" | sed 's/.*mcp: //'
sid=$(python3 -c 'import json,sys; print(json.load(open(sys.argv[1]))["session_id"])' "$tmp/out.json")
"$agentos" export "$sid" --format jsonl > "$tmp/ev.jsonl"
python3 - "$tmp/ev.jsonl" "$tmp/debug.log" <<'P'
import json, re, statistics, sys
ev = [json.loads(l) for l in open(sys.argv[1]) if l.strip()]
d = [e["data"].get("duration_ms") for e in ev if e["type"] == "tool_result"]
d = [x for x in d if x is not None]
if d:
    print("tool_result duration: median %.1f ms, max %.1f ms (n=%d; "
          "server in Python, its own time included)" % (
              statistics.median(d), max(d), len(d)))
m = re.search(r"(\d+) messages in, (\d+) out; (\d+) us encoding and (\d+) us",
              open(sys.argv[2]).read())
if m:
    inn, out, enc, dec = map(int, m.groups())
    print("agentos protocol time per message: %.1f us (encode %.1f, decode %.1f)"
          % ((enc + dec) / max(1, inn + out) , enc / max(1, out), dec / max(1, inn)))
P
