#!/bin/sh
# mcp-conformance-auth.sh: agentos as the client command of the official
# MCP conformance suite's auth/* scenarios (tests/e2e/1030).  The suite
# appends the scenario server's URL; a throwaway HOME configures it as the
# http server "conf" (with the suite's client credentials, when it gives
# them, as "oauth"; a private key goes to a 0600 file), and "agentos mcp call --oauth-auto conf test-tool"
# authorizes, following the authorization URL itself (tests only), and
# calls the scenario's tool.  Needs AGENTOS.  Exit: agentos's.
set -u
for a; do url=$a; done
: "${url:?no URL}" "${AGENTOS:?}"
tmp=$(mktemp -d "${TMPDIR:-/tmp}/agentos-conformance.XXXXXX") || exit 99
trap 'rm -rf "$tmp"' EXIT
export HOME="$tmp/home" XDG_CONFIG_HOME="$tmp/home/.config" \
    XDG_STATE_HOME="$tmp/home/.local/state"
mkdir -p "$XDG_CONFIG_HOME/agentos" "$tmp/repo"
python3 - "$url" "$XDG_CONFIG_HOME/agentos/config.json" <<'P' || exit 99
import json, os, sys
url, path = sys.argv[1], sys.argv[2]
srv = {"type": "http", "url": url}
ctx = json.loads(os.environ.get("MCP_CONFORMANCE_CONTEXT") or "{}")
if ctx.get("client_id"):
    srv["oauth"] = {"client_id": ctx["client_id"]}
    if ctx.get("client_secret"):
        srv["oauth"]["client_secret"] = ctx["client_secret"]
    if ctx.get("private_key_pem"):
        key = os.path.join(os.path.dirname(path), "client-key.pem")
        with open(key, "w") as f:
            f.write(ctx["private_key_pem"])
        os.chmod(key, 0o600)
        srv["oauth"]["private_key_file"] = key
cfg = {"mcp": {"servers": {"conf": srv},
               "oauth_client_metadata_url":
                   "https://conformance-test.local/client-metadata.json"}}
json.dump(cfg, open(path, "w"))
P
cd "$tmp/repo" && git init -q . || exit 99
"$AGENTOS" mcp call --oauth-auto conf test-tool '{}'
