#!/bin/sh
# AGENTS.md (or CLAUDE.md where a directory has none) from the repository
# root down to the working directory goes into the system prompt.
. "$(dirname "$0")/lib.sh"
make_repo
echo "ROOT-AGENTS: use tabs" > AGENTS.md
echo "ROOT-CLAUDE: never seen, AGENTS.md wins" > CLAUDE.md
mkdir -p lib/sub other
echo "LIB-CLAUDE: lib notes" > lib/CLAUDE.md
echo "SUB-AGENTS: sub notes" > lib/sub/AGENTS.md
echo "OTHER-AGENTS: not on the path" > other/AGENTS.md
git add -A && git commit -qm notes
start_provider
"$AGENTOS" -C lib/sub -p "hi" --base-url "http://127.0.0.1:$T_PORT" \
    > /dev/null 2> "$T_TMP/err.txt" || { cat "$T_TMP/err.txt"; fail "run"; }
python3 - "$T_PROVIDER_LOG" <<'P' || fail "system prompt"
import json, sys
r = json.loads(open(sys.argv[1]).readline())
sys_text = "".join(b["text"] for b in r["system"]) if isinstance(r["system"], list) else r["system"]
for want in ("ROOT-AGENTS", "LIB-CLAUDE", "SUB-AGENTS"):
    assert want in sys_text, want
for unwanted in ("ROOT-CLAUDE", "OTHER-AGENTS"):
    assert unwanted not in sys_text, unwanted
# Nearer files come later.
assert sys_text.index("ROOT-AGENTS") < sys_text.index("LIB-CLAUDE") < sys_text.index("SUB-AGENTS")
P
exit 0
