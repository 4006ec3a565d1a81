#!/bin/sh
# bench-repomodel.sh [SRCDIR]: measure the repository model on a fresh copy
# of a real repository, next to universal-ctags, then on a 100,000-file tree.
#
# SRCDIR is a source tree to copy (default: Debian's git source package,
# fetched with apt-get source, which needs a deb-src line; see README).  The
# copy becomes a git repository with one commit.  Run after `make bench`.
set -eu
top=$(cd "$(dirname "$0")/.." && pwd)
bench="$top/bench/bench-repomodel"
agentos="$top/agentos"
[ -x "$bench" ] || { echo "run make bench first" >&2; exit 1; }
work=$(mktemp -d "${TMPDIR:-/tmp}/bench-repomodel.XXXXXX")
trap 'rm -rf "$work"' EXIT

src=${1:-}
if [ -z "$src" ]; then
	(cd "$work" && apt-get source -qq --download-only git >/dev/null 2>&1) ||
	    { echo "apt-get source git failed: add a deb-src line" >&2; exit 1; }
	tar xf "$work"/git_*.orig.tar.* -C "$work"
	src=$(find "$work" -maxdepth 1 -type d -name 'git-*' | head -1)
fi
repo="$work/repo"
cp -r "$src" "$repo"
(cd "$repo" && rm -rf .git && git init -q . && git add -A &&
    git -c gc.auto=0 -c user.email=b@example.com -c user.name=bench \
    commit -qm import)
echo "tree: $src ($(cd "$repo" && git ls-files | wc -l) files)"
echo "machine: $(nproc) cores, $(uname -sr), load $(cut -d' ' -f1-3 /proc/loadavg)"
"$bench" "$repo"

# A 100,000-file tree: 1,000 directories of 100 small C files each.
big="$work/big"
mkdir -p "$big"
(cd "$big" && git init -q . &&
    awk 'BEGIN { for (d = 0; d < 1000; d++) { dir = sprintf("d%03d", d);
	system("mkdir " dir);
	for (f = 0; f < 100; f++) {
		p = sprintf("%s/f%03d.c", dir, f);
		printf "int fn_%d_%d(int x) { return x + %d; }\n", d, f, f > p;
		close(p) } } }' &&
    git add -A && git -c gc.auto=0 -c user.email=b@example.com -c user.name=bench \
    commit -qm big)
for run in cold warm; do
	/usr/bin/time -f "100k files, $run index: %e s wall, %U s user, %M KiB peak RSS" \
	    sh -c "cd '$big' && '$agentos' index"
done
