#!/bin/sh
# The official MCP conformance suite's client scenario
# elicitation-sep1034-client-defaults with agentos itself as the client
# (tests/mcp-conformance-client.sh: a headless run with mcp.elicitation
# "defaults" whose scripted model calls test_client_elicitation_defaults):
# the server's elicitation/create over Streamable HTTP is accepted with
# the schema's defaults, each of the right type (string, integer,
# number, enum, boolean: five checks).  @modelcontextprotocol/conformance
# 0.1.10 with @modelcontextprotocol/sdk 1.25.2, installed once into the
# build tree as in 1022.  Without node, npm or the registry it skips.
# test-timeout: 300
. "$(dirname "$0")/lib.sh"
dir="$top_builddir/tests/npm-conformance"
bin="$dir/node_modules/.bin/conformance"
npm_install "$dir" @modelcontextprotocol/conformance@0.1.10 \
    @modelcontextprotocol/sdk@1.25.2
[ -x "$bin" ] || hard "no $bin"
export top_srcdir AGENTOS
sc=elicitation-sep1034-client-defaults
"$bin" client --command "$top_srcdir/tests/mcp-conformance-client.sh" \
    --scenario "$sc" -o "$T_TMP/out" > "$T_TMP/$sc.txt" 2>&1
checks=$(find "$T_TMP/out" -name checks.json | head -1)
[ -n "$checks" ] || { cat "$T_TMP/$sc.txt" >&2; fail "$sc: no checks"; }
python3 - "$checks" <<'P' || { cat "$T_TMP/$sc.txt" >&2; fail "$sc"; }
import json, sys
checks = json.load(open(sys.argv[1]))
graded = [c for c in checks if c["status"] != "INFO"]
for c in graded:
    assert c["status"] == "SUCCESS", (c["id"], c["status"],
                                      c.get("errorMessage"))
ids = [c["id"] for c in graded]
for t in ("string", "integer", "number", "enum", "boolean"):
    w = "client-elicitation-sep1034-%s-default" % t
    assert w in ids, (w, ids)
print("ok:", ", ".join(ids))
P
exit 0
