#!/bin/sh
# The repository model's definitions against universal-ctags on real code
# that install-deps puts on every machine: libgit2's and libevent's example
# programs and agentos's own sources for C, and Python's standard library
# (json, email, http, logging, asyncio, unittest) for Python.  Function
# recall must be at least 98%.
. "$(dirname "$0")/lib.sh"
command -v ctags >/dev/null || skip "no ctags"
ctags --version 2>/dev/null | grep -q 'Universal Ctags' || skip "not universal-ctags"

c="$T_TMP/c"
mkdir -p "$c/agentos" "$c/libgit2" "$c/libevent"
cp "$top_srcdir"/src/*.[ch] "$c/agentos/" || hard "copy"
[ -d /usr/share/doc/libgit2-dev/examples ] &&
    cp /usr/share/doc/libgit2-dev/examples/*.[ch] "$c/libgit2/"
[ -d /usr/share/doc/libevent-dev/examples ] &&
    find /usr/share/doc/libevent-dev/examples -name '*.c' \
    -exec cp {} "$c/libevent/" \;
(cd "$c" && git init -q . && git add -A) || hard "git init"
python3 "$top_srcdir/tests/repomodel-ctags.py" c "$c" "$AGENTOS" 98 ||
    fail "C function recall below 98%"

py=$(python3 -c 'import sysconfig; print(sysconfig.get_paths()["stdlib"])')
[ -d "$py/json" ] || skip "no Python standard library"
p="$T_TMP/py"
mkdir -p "$p"
for m in json email http logging asyncio unittest; do
	cp -r "$py/$m" "$p/" 2>/dev/null
done
find "$p" -name __pycache__ -prune -exec rm -rf {} +
(cd "$p" && git init -q . && git add -A) || hard "git init"
python3 "$top_srcdir/tests/repomodel-ctags.py" python "$p" "$AGENTOS" 98 ||
    fail "Python function recall below 98%"
exit 0
