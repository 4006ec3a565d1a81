#!/bin/sh
# The man page lists every key of the options table ("agentos config
# --keys"), each as an ".It Cm KEY" item.
. "$(dirname "$0")/lib.sh"
man="$top_srcdir/man/agentos.1"
[ -r "$man" ] || hard "no $man"
"$AGENTOS" config --keys > "$T_TMP/keys" 2>&1 || fail "config --keys"
[ "$(wc -l < "$T_TMP/keys")" -gt 40 ] || fail "too few keys"
missing=""
for k in $(cut -f1 "$T_TMP/keys"); do
	grep -Fxq ".It Cm $k" "$man" || grep -Fq ".It Cm $k " "$man" ||
	    missing="$missing $k"
done
[ -z "$missing" ] || fail "not in man/agentos.1:$missing"
exit 0
