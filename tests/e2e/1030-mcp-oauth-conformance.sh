#!/bin/sh
# The official MCP conformance suite's auth/* client scenarios
# (@modelcontextprotocol/conformance 0.1.10, @modelcontextprotocol/sdk
# 1.25.2 pinned beside it, installed once into the build tree as 1022
# does) with agentos as the client: tests/mcp-conformance-auth.sh runs
# "agentos mcp call --oauth-auto" against each scenario's server, and the
# suite's authorization server redirects at once.  Every scenario that
# "conformance list" names under auth/ must pass with no failure and no
# warning; the list is read from the suite, so a scenario the suite adds
# is run too.  Prints one line per scenario.  Without node, npm or the
# registry the test skips saying so.
# test-timeout: 600
. "$(dirname "$0")/lib.sh"
dir="$top_builddir/tests/npm-conformance"
bin="$dir/node_modules/.bin/conformance"
npm_install "$dir" @modelcontextprotocol/conformance@0.1.10 \
    @modelcontextprotocol/sdk@1.25.2
[ -x "$bin" ] || hard "no $bin"
export AGENTOS
"$bin" list > "$T_TMP/list" 2>&1 || { cat "$T_TMP/list" >&2; hard "list"; }
scenarios=$(sed -n 's/^ *- \(auth\/[A-Za-z0-9_-]*\)$/\1/p' "$T_TMP/list")
[ -n "$scenarios" ] || { cat "$T_TMP/list" >&2; hard "no auth scenarios"; }
bad=0
n=0
for sc in $scenarios; do
	n=$((n + 1))
	out="$T_TMP/out-${sc#auth/}"
	"$bin" client --command "$top_srcdir/tests/mcp-conformance-auth.sh" \
	    --scenario "$sc" -o "$out" > "$T_TMP/${sc#auth/}.txt" 2>&1
	checks=$(find "$out" -name checks.json | head -1)
	if [ -z "$checks" ]; then
		echo "$sc: FAIL (no checks)"
		cat "$T_TMP/${sc#auth/}.txt" >&2
		bad=$((bad + 1))
		continue
	fi
	python3 - "$sc" "$checks" <<'P' || { bad=$((bad + 1)); cat "$T_TMP/${sc#auth/}.txt" >&2; }
import json, sys
sc, checks = sys.argv[1], json.load(open(sys.argv[2]))
graded = [c for c in checks if c["status"] != "INFO"]
bad = [c for c in graded if c["status"] != "SUCCESS"]
if not graded or bad:
    print("%s: FAIL %s" % (sc, "; ".join("%s %s: %s" % (c["id"], c["status"],
          c.get("errorMessage") or c.get("description")) for c in bad)
          or "no graded checks"))
    sys.exit(1)
print("%s: pass (%d checks)" % (sc, len(graded)))
P
done
echo "auth scenarios: $((n - bad)) of $n pass"
[ "$bad" -eq 0 ] || fail "$bad auth scenario(s) failed"
exit 0
