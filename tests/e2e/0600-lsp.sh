#!/bin/sh
# agentos lsp status lists the servers; agentos lsp diagnostics reports a
# type error from clangd, and no server process is left after it exits.
. "$(dirname "$0")/lib.sh"
make_repo
"$AGENTOS" lsp status > "$T_TMP/status" 2>&1 || fail "lsp status failed"
grep -Eq '^  clangd +(found|not found)' "$T_TMP/status" || fail "no clangd row"
grep -q '^Running (started by agentos):' "$T_TMP/status" || fail "no running"
command -v clangd >/dev/null 2>&1 || skip "clangd not installed"

printf -- '-std=c11\n' > compile_flags.txt
printf 'int add(int a, int b);\nint main(void) { return add(1); }\n' > a.c
"$AGENTOS" lsp diagnostics a.c > "$T_TMP/diag" 2>&1 &
pid=$!
wait $pid
rc=$?
cat "$T_TMP/diag"
[ $rc -eq 1 ] || fail "lsp diagnostics exited $rc, want 1"
grep -q '^a\.c:2:.*error: Too few arguments' "$T_TMP/diag" ||
    fail "no type error reported"

# The process table: nothing carries this agentos's AGENTOS_LSP tag.
left=
for _ in $(seq $((T_WAIT * 10))); do
	left=$(grep -l "AGENTOS_LSP=$pid:" /proc/[0-9]*/environ 2>/dev/null)
	[ -z "$left" ] && break
	sleep 0.1
done
[ -z "$left" ] || fail "server processes left: $left"

printf 'int main(void) { return 0; }\n' > a.c
"$AGENTOS" lsp diagnostics a.c > "$T_TMP/diag" 2>&1 ||
    fail "a clean file should exit 0: $(cat "$T_TMP/diag")"
exit 0
