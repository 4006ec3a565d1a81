#!/bin/sh
# agentos index, map and symbols on a small repository: what is indexed,
# persisted, skipped, and re-read after a change.
. "$(dirname "$0")/lib.sh"
make_repo
mkdir -p src
cat > src/util.c <<'C'
#include "util.h"

int
util_add(int a, int b)
{
	return a + b;
}
C
cat > src/util.h <<'C'
int util_add(int, int);
C
cat > src/main.c <<'C'
#include "util.h"

int
main(void)
{
	return util_add(1, 2);
}
C
printf 'def helper():\n    return 1\n' > tool.py
printf 'bin\000ary\n' > data.c
git add -A && git commit -qm code || hard "commit"

out=$("$AGENTOS" index --stat) || fail "index failed"
echo "$out" | grep -q '^6 files: 6 parsed' || fail "cold index: $out"
echo "$out" | grep -q 'not indexed (binary): data.c' || fail "binary: $out"
[ -f .git/agentos/repomodel.db ] || fail "no store"

out=$("$AGENTOS" index) || fail "index failed"
echo "$out" | grep -q '0 parsed, 6 unchanged' || fail "warm index: $out"

out=$("$AGENTOS" symbols src/util.c)
echo "$out" | grep -Eq '^function +util_add src/util.c:3 int util_add\(int a, int b\)$' ||
    fail "symbols: $out"
"$AGENTOS" symbols --json | python3 -c '
import json, sys
tags = [json.loads(l) for l in sys.stdin]
names = {(t["kind"], t["name"], t["path"]) for t in tags}
assert ("function", "helper", "tool.py") in names, names
assert ("prototype", "util_add", "src/util.h") in names, names
assert all(set(t) == {"kind", "name", "path", "line", "end_line",
    "signature"} for t in tags)
' || fail "symbols --json"

out=$("$AGENTOS" map --budget 200)
echo "$out" | grep -q '^src/util.c:$' || fail "map: $out"
echo "$out" | grep -q 'not indexed: 1 binary' || fail "map skips: $out"
out=$("$AGENTOS" map --focus helper)
[ "$(echo "$out" | head -1)" = "tool.py:" ] || fail "focus: $out"

printf 'def helper():\n    return 2\n\n\ndef other():\n    pass\n' > tool.py
out=$("$AGENTOS" index) || fail "index failed"
echo "$out" | grep -q '1 parsed, 5 unchanged' || fail "one change: $out"
"$AGENTOS" symbols tool.py | grep -q 'other' || fail "new definition"

"$AGENTOS" map --budget nope >/dev/null 2>&1
[ $? -eq 2 ] || fail "bad budget should exit 2"
cd / && "$AGENTOS" index >/dev/null 2>&1 && fail "index outside a repo"
exit 0
