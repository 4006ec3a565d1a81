#!/bin/sh
# agentos snapshot / snapshots / diff / rewind / gc on a throwaway repository:
# exact restore (bytes, exec bit, symlinks, deletions), hand edits need
# --yes, and the user's index, HEAD, refs and stash are never touched.
. "$(dirname "$0")/lib.sh"
make_repo
printf '*.log\n' > .gitignore && git add .gitignore && git commit -qm ign
echo stash-me >> hello.txt && git stash -q || hard "stash"
git status >/dev/null
user_state() {
	{ sha1sum .git/index; cat .git/HEAD; git for-each-ref |
	    grep -v refs/agentos/; git stash list; } | sha1sum
}
before=$(user_state)

"$AGENTOS" snapshot -m "first" | grep -q '^snapshot manual:1 ' ||
    fail "snapshot 1"
echo one > new.txt; printf '#!/bin/sh\n' > run.sh; chmod +x run.sh
ln -s hello.txt link; echo ignored > x.log
"$AGENTOS" snapshot -m "second" >/dev/null || fail "snapshot 2"
rm hello.txt; mkdir -p sub && echo deep > sub/deep.txt; chmod -x run.sh
"$AGENTOS" snapshot -m "third" >/dev/null || fail "snapshot 3"

out=$("$AGENTOS" snapshots) || fail "snapshots"
echo "$out" | grep -q 'session manual: 3 snapshots' || fail "list: $out"
echo "$out" | grep -Eq '^ +2 +[0-9a-f]{8} .* second$' || fail "row: $out"
"$AGENTOS" snapshots --stat | grep -q '^snapshots: 3' || fail "--stat"

"$AGENTOS" diff 2 3 2>/dev/null | grep -q '^+deep' || fail "diff"

"$AGENTOS" rewind 2 >/dev/null || fail "rewind 2"
[ "$(cat hello.txt)" = "$(printf 'hello\nworld')" ] || fail "hello.txt back"
[ -x run.sh ] || fail "exec bit back"
[ "$(readlink link)" = hello.txt ] || fail "symlink"
[ ! -e sub ] || fail "sub/ should be gone"
[ "$(cat x.log)" = ignored ] || fail "ignored file touched"

# A hand edit since the last snapshot needs --yes.
echo "by hand" > new.txt
"$AGENTOS" rewind 1 > out.txt 2>&1 && fail "rewind over a hand edit"
grep -q 'new.txt' out.txt || fail "hand edit not listed: $(cat out.txt)"
[ "$(cat new.txt)" = "by hand" ] || fail "hand edit overwritten"
"$AGENTOS" rewind 1 --yes >/dev/null || fail "rewind --yes"
rm -f out.txt
[ ! -e new.txt ] && [ ! -e run.sh ] && [ ! -e link ] || fail "rewind 1"
# The state before the rewind is a snapshot: redo.
"$AGENTOS" rewind 5 --session manual --yes >/dev/null || fail "redo"
[ "$(cat new.txt)" = "by hand" ] || fail "redo content"

[ "$before" = "$(user_state)" ] || fail "user's index/HEAD/refs/stash changed"
"$AGENTOS" gc | grep -q 'kept' || fail "gc"
git stash list | grep -q . || fail "stash lost"
exit 0
