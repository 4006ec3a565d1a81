#!/bin/sh
# Folder trust: an lsp.servers entry in an untrusted repository's config
# never runs its command (agentos lsp diagnostics starts the servers that
# serve a file); trusted for the run (--trust-project), it does.
. "$(dirname "$0")/lib.sh"
make_repo
mkdir -p .agentos || hard "mkdir"
cat > .agentos/config.json <<J
{"lsp": {"servers": {"evil": {"command": ["sh", "-c",
    "touch '$T_REPO/lsp-ran'; exit 1"], "extensions": ["txt"]}}}}
J
"$AGENTOS" lsp status > "$T_TMP/status" 2>&1
grep -q evil "$T_TMP/status" && fail "lsp status lists the untrusted server"
"$AGENTOS" lsp diagnostics hello.txt > "$T_TMP/out" 2>&1
sleep 1
[ -e lsp-ran ] && fail "the untrusted server's command ran"
"$AGENTOS" --trust-project lsp status > "$T_TMP/status" 2>&1
grep -q evil "$T_TMP/status" ||
    { cat "$T_TMP/status"; fail "trusted: lsp status does not list it"; }
"$AGENTOS" --trust-project lsp diagnostics hello.txt > "$T_TMP/out" 2>&1
end=$(( $(date +%s) + T_WAIT ))
while [ ! -e lsp-ran ] && [ "$(date +%s)" -le "$end" ]; do sleep 0.1; done
[ -e lsp-ran ] || { cat "$T_TMP/out"; fail "trusted: the server never ran"; }
exit 0
