#!/bin/sh
# With no language server for a file, lsp_definition answers from the
# repository model and says so.
. "$(dirname "$0")/lib.sh"
command -v clangd >/dev/null 2>&1 || skip "no clangd (lsp tools are offered only where a server serves the repository)"
command -v pyright-langserver >/dev/null 2>&1 && skip "pyright is on PATH"
make_repo
printf 'int main(void) { return 0; }\n' > main.c
printf 'def parse_config(path):\n    return {}\n\nparse_config("x")\n' > tool.py
git add -A && git commit -qm code
cat > "$T_TMP/script.json" <<'J'
[
 {"expect": {"contains": "lsp_definition"},
  "tool_calls": [{"name": "lsp_definition", "input": {"path": "tool.py", "line": 4, "column": 3}}]},
 {"expect": {"contains": ["repository model", "tool.py:1"]}, "text": "Line 1."}
]
J
start_provider --script "$T_TMP/script.json"
"$AGENTOS" -p "where is parse_config?" --base-url "http://127.0.0.1:$T_PORT" \
    > "$T_TMP/out.txt" 2> "$T_TMP/err.txt" ||
    { cat "$T_TMP/err.txt"; tail -c 800 "$T_PROVIDER_LOG"; fail "run"; }
grep -q "Line 1." "$T_TMP/out.txt" || fail "answer"
exit 0
