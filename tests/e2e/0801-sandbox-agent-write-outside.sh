#!/bin/sh
# A bash call the model makes runs in the workspace-write sandbox: a write
# outside the worktree fails, nothing appears there, and the result the
# model gets says the sandbox may have refused it (sandbox_explain).
. "$(dirname "$0")/lib.sh"
need_bwrap
make_repo
# Not under /tmp: inside the sandbox /tmp is the session's private one.
# Not under /tmp: the sandbox gives commands a private /tmp, which would
# hide the directory whether or not the sandbox refused the write.
out="/var/tmp/agentos-0801-outside.$$"
mkdir -p "$out" || hard "mkdir $out"
trap 'rm -rf "$out"' EXIT
agent_bash "echo x > '$out/abs'"
[ -e "$out/abs" ] && fail "the write outside the worktree succeeded"
grep -q "exit status [1-9]" "$T_TMP/result" ||
    fail "no failing exit status: $(cat "$T_TMP/result")"
grep -q "sandbox" "$T_TMP/result" ||
    fail "the result does not mention the sandbox: $(cat "$T_TMP/result")"
grep -q "agentos: echo x.*sandbox" "$T_TMP/err" ||
    fail "the user was not told on stderr: $(cat "$T_TMP/err")"
# Unsandboxed on purpose, the same write works (the test can fail).
agent_bash "echo x > '$out/abs'" --sandbox off
[ -e "$out/abs" ] || fail "--sandbox off: the write did not happen"
exit 0
