#!/bin/sh
# The worktree is writable, its .git is not: a hook planted by the model
# (a command that runs later outside any sandbox) fails, and so does a
# write into .git/config; a write in the worktree works.
. "$(dirname "$0")/lib.sh"
need_bwrap
make_repo
agent_bash "printf '#!/bin/sh\necho pwned\n' > .git/hooks/pre-commit"
[ -e .git/hooks/pre-commit ] && fail "a hook was written into .git/hooks"
grep -q "exit status [1-9]" "$T_TMP/result" ||
    fail "no failing exit status: $(cat "$T_TMP/result")"
grep -q "sandbox" "$T_TMP/result" ||
    fail "the result does not mention the sandbox: $(cat "$T_TMP/result")"
cp .git/config "$T_TMP/config.before"
agent_bash "echo '[alias] x = !sh' >> .git/config"
cmp -s .git/config "$T_TMP/config.before" || fail ".git/config changed"
agent_bash "echo ok > inside.txt"
[ "$(cat inside.txt 2>/dev/null)" = ok ] || fail "write in the worktree"
exit 0
