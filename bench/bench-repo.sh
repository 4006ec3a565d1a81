#!/bin/sh
# bench-repo.sh: the file lister on a 100,000-file repository (1,000
# directories of 100 files; 90,000 tracked, 10,000 untracked, an ignored
# build/ of 10,000 more and a .agentosignore rule).  Run after `make bench`.
set -eu
top=$(cd "$(dirname "$0")/.." && pwd)
bench="$top/bench/bench-repo"
[ -x "$bench" ] || { echo "run make bench first" >&2; exit 1; }
work=$(mktemp -d "${TMPDIR:-/tmp}/bench-repo.XXXXXX")
trap 'rm -rf "$work"' EXIT
big="$work/big"
mkdir -p "$big"
cd "$big"
git init -q .
awk 'BEGIN { for (d = 0; d < 1100; d++) {
	dir = d < 1000 ? sprintf("d%03d", d) : sprintf("build/b%03d", d);
	system("mkdir -p " dir);
	for (f = 0; f < 100; f++) {
		p = sprintf("%s/f%03d.c", dir, f);
		printf "int fn_%d_%d;\n", d, f > p;
		close(p) } } }'
printf 'build/\n' >.gitignore
printf 'd999/\n' >.agentosignore
git add -A -- . ':!d9*'
git -c gc.auto=0 -c user.email=b@example.com -c user.name=bench commit -qm big
echo "machine: $(nproc) cores, $(uname -sr), load $(cut -d' ' -f1-3 /proc/loadavg)"
"$bench" "$big"
