#!/bin/sh
# AGENTS.md and CLAUDE.md are read as read_file reads: a symlink out of the
# repository is not followed, a fifo does not hang the start, a symlink
# inside the repository is, and a big file is cut.
. "$(dirname "$0")/lib.sh"
make_repo
echo "OUTSIDE-SECRET" > "$T_TMP/secret.txt"
ln -s "$T_TMP/secret.txt" AGENTS.md
mkdir -p lib/sub docs
mkfifo lib/AGENTS.md
python3 -c 'print("INSIDE-LINK " + "y" * 100000 + " TAIL-MARK")' > docs/notes.md
ln -s ../../docs/notes.md lib/sub/AGENTS.md
start_provider
timeout 120 "$AGENTOS" -C lib/sub -p "hi" \
    --base-url "http://127.0.0.1:$T_PORT" > /dev/null 2> "$T_TMP/err.txt"
rc=$?
cat "$T_TMP/err.txt" >&2
[ $rc -ne 124 ] || fail "hung (on the fifo?)"
[ $rc -eq 0 ] || fail "exit $rc"
python3 - "$T_PROVIDER_LOG" <<'P' || fail "system prompt"
import json, sys
r = json.loads(open(sys.argv[1]).readline())
s = r["system"]
s = "".join(b["text"] for b in s) if isinstance(s, list) else s
assert "OUTSIDE-SECRET" not in s, "symlink out followed"
assert "INSIDE-LINK" in s, "symlink inside not followed"
assert "TAIL-MARK" not in s and "cut at" in s, "not capped"
P
exit 0
