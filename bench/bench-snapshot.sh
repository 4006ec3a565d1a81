#!/bin/sh
# bench-snapshot.sh: the snapshot engine next to the plain-git way on git's
# own source tree and on a generated tree of about 100,000 files.
#
# usage: bench/bench-snapshot.sh [WORKDIR]   (after 'make bench')
#
# git's tree comes from Debian's source package (apt-get source --download-
# only git; needs deb-src), or GIT_TARBALL=path/to/git_*.orig.tar.xz.  The
# plain-git way is what other agents do: a copy of the index in
# GIT_INDEX_FILE, git add -A, git write-tree, git commit-tree.
set -eu
here=$(cd "$(dirname "$0")" && pwd)
bench=${BENCH:-$here/bench-snapshot}
work=${1:-${TMPDIR:-/tmp}/agentos-bench}
rounds=${ROUNDS:-20}
mkdir -p "$work"

ms() { date +%s%N; }

# plain_git REPO: median ms of the plain-git snapshot, 10 files changed and
# nothing changed.
plain_git() {
	(
	cd "$1"
	files=$(git ls-files | head -2000)
	n=$(echo "$files" | wc -l)
	t10=""; t0=""
	i=0
	while [ $i -lt "$rounds" ]; do
		for k in 1 2 3 4 5 6 7 8 9 10; do
			f=$(echo "$files" | sed -n "$(( (i * 131 + k * 97) % n + 1 ))p")
			echo "plain $i $k" >> "$f"
		done
		for what in ten none; do
			s=$(ms)
			cp .git/index .git/bench-index
			GIT_INDEX_FILE=.git/bench-index git add -A
			tree=$(GIT_INDEX_FILE=.git/bench-index git write-tree)
			c=$(echo plain | git commit-tree "$tree")
			git update-ref refs/bench/plain "$c"
			e=$(( ($(ms) - s) / 1000 ))
			if [ $what = ten ]; then t10="$t10 $e"; else t0="$t0 $e"; fi
		done
		i=$((i + 1))
	done
	med() { echo "$@" | tr ' ' '\n' | grep . | sort -n |
	    awk '{v[NR]=$1} END {printf "%.2f", v[int(NR/2)+1]/1000}'; }
	echo "plain-git snapshot, 10 files changed: $(med $t10) ms (median of $rounds)"
	echo "plain-git snapshot, nothing changed:  $(med $t0) ms"
	git update-ref -d refs/bench/plain
	rm -f .git/bench-index
	)
}

setup_git_tree() {
	d="$work/git-src"
	[ -d "$d/.git" ] && return 0
	tarball=${GIT_TARBALL:-}
	if [ -z "$tarball" ]; then
		(cd "$work" && apt-get source --download-only git >/dev/null 2>&1) ||
		    { echo "no git source (deb-src)"; return 1; }
		tarball=$(ls "$work"/git_*.orig.tar.* | head -1)
	fi
	mkdir -p "$d" && tar -xf "$tarball" -C "$d" --strip-components=1
	(cd "$d" && git init -q . && git add -A &&
	    git -c user.name=b -c user.email=b@b commit -qm import && git gc -q)
}

setup_big_tree() {
	d="$work/gen-100k"
	[ -d "$d/.git" ] && return 0
	mkdir -p "$d"
	# 100 folders x 10 subfolders x 100 files = 100,000 files.
	python3 - "$d" <<'PY'
import os, sys, random
root = sys.argv[1]
random.seed(1)
for a in range(100):
    for b in range(10):
        d = os.path.join(root, "m%02d" % a, "s%d" % b)
        os.makedirs(d)
        for c in range(100):
            with open(os.path.join(d, "f%03d.c" % c), "w") as f:
                f.write("/* %d %d %d */\n" % (a, b, c) +
                        "int v%d_%d_%d = %d;\n" % (a, b, c, random.randint(0, 1 << 30)) * 20)
PY
	(cd "$d" && git init -q . && git add -A &&
	    git -c user.name=b -c user.email=b@b commit -qm import && git gc -q)
}

echo "# $(date -u +%Y-%m-%dT%H:%MZ) $(uname -srm), $(nproc) cpus, $(git --version)"
for setup in setup_git_tree setup_big_tree; do
	$setup || continue
	case $setup in
	setup_git_tree) repo="$work/git-src";;
	*) repo="$work/gen-100k";;
	esac
	echo "## $(basename "$repo")"
	git -C "$repo" status >/dev/null	# a fresh stat cache for both
	"$bench" "$repo" "$rounds"
	plain_git "$repo"
	git -C "$repo" checkout -q -- . && git -C "$repo" clean -qfd
	for r in $(git -C "$repo" for-each-ref --format='%(refname)' refs/agentos/); do
		git -C "$repo" update-ref -d "$r"
	done
	rm -rf "$repo/.git/agentos"
done
