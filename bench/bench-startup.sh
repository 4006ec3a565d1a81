#!/bin/sh
# bench-startup.sh: agentos's time to the first interactive screen and its
# idle RSS in a mid-size repository (made here if none is given: a copy of
# /usr/include, about 5,000 files, committed).  No provider is needed: the
# screen comes up and says how to configure one.
#
# usage: bench/bench-startup.sh [AGENTOS] [REPO] [RUNS]
set -eu
here=$(cd "$(dirname "$0")" && pwd)
agentos=${1:-$here/../agentos}
repo=${2:-}
runs=${3:-20}
tmp=
if [ -z "$repo" ]; then
	tmp=$(mktemp -d "${TMPDIR:-/tmp}/agentos-bench.XXXXXX")
	trap 'rm -rf "$tmp"' EXIT
	repo=$tmp/repo
	mkdir -p "$repo"
	cp -R /usr/include/. "$repo/" 2>/dev/null || true
	(cd "$repo" && git init -q -b main . &&
	    git -c user.email=b@example.com -c user.name=bench add -A &&
	    git -c user.email=b@example.com -c user.name=bench \
	    commit -qm bench) >/dev/null
fi
files=$(cd "$repo" && git ls-files | wc -l)
echo "repository: $repo ($files files)"
HOME=${tmp:-$HOME} XDG_CONFIG_HOME=${tmp:-$HOME}/.config \
    python3 "$here/bench-startup.py" "$agentos" "$repo" "$runs"
