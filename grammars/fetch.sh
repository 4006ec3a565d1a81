#!/bin/sh
# fetch.sh LOCK PACKAGE OUTDIR: fetch one grammar package pinned in LOCK
# from the npm registry (npm pack, into OUTDIR), check its sha512 against
# the lock and unpack it into OUTDIR/PACKAGE.  A tarball already in OUTDIR
# (copied there for an offline build) is checked the same way and used.
# Safe under make -j: each package has its own files; the unpack goes to a
# temporary directory renamed into place.
set -eu
lock=$1 pkg=$2 out=$3
line=$(awk -v p="$pkg" '$1 == p { print $2, $3 }' "$lock")
[ -n "$line" ] || { echo "fetch.sh: $pkg not in $lock" >&2; exit 1; }
ver=${line%% *} want=${line#* }
tgz="$out/$pkg-$ver.tgz"
mkdir -p "$out"
if [ ! -f "$tgz" ]; then
	tmp=$(mktemp -d "$out/.fetch-$pkg.XXXXXX")
	(cd "$tmp" && npm pack --silent "$pkg@$ver" >/dev/null) || {
		rm -rf "$tmp"
		echo "fetch.sh: npm pack $pkg@$ver failed" >&2
		exit 1
	}
	mv "$tmp/$pkg-$ver.tgz" "$tgz"
	rmdir "$tmp"
fi
have="sha512-$(python3 -c 'import base64, hashlib, sys
print(base64.b64encode(hashlib.sha512(open(sys.argv[1], "rb").read()).digest()).decode())' "$tgz")"
if [ "$have" != "$want" ]; then
	echo "fetch.sh: $tgz: integrity $have, lock says $want" >&2
	rm -f "$tgz"
	exit 1
fi
tmp=$(mktemp -d "$out/.unpack-$pkg.XXXXXX")
tar xzf "$tgz" -C "$tmp"
rm -rf "$out/$pkg"
mv "$tmp/package" "$out/$pkg"
rm -rf "$tmp"
