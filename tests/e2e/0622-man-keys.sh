#!/bin/sh
# The man page's KEY BINDINGS lists every row of the key table, by name,
# with its default keys (".It Ic NAME Pq KEYS"), as "agentos config --keys"
# lists the keys.NAME options.
. "$(dirname "$0")/lib.sh"
man="$top_srcdir/man/agentos.1"
[ -r "$man" ] || hard "no $man"
"$AGENTOS" config --keys > "$T_TMP/keys" 2>&1 || fail "config --keys"
sed -n '/^\.Sh KEY BINDINGS/,/^\.Sh /p' "$man" > "$T_TMP/section"
[ -s "$T_TMP/section" ] || fail "no KEY BINDINGS section"
n=0
missing=""
while IFS='	' read -r key type def help; do
	case $key in keys.*) ;; *) continue ;; esac
	n=$((n + 1))
	name=${key#keys.}
	# The defaults as mdoc writes them: "Left C-b" is "Left , C-b".
	want=$(printf '%s\n' "$def" | sed 's/\\/\\e/g; s/ / , /g')
	grep -Fxq ".It Ic $name Pq $want" "$T_TMP/section" ||
	    missing="$missing $name($def)"
done < "$T_TMP/keys"
[ "$n" -gt 40 ] || fail "too few key table rows: $n"
[ -z "$missing" ] || fail "not in KEY BINDINGS of man/agentos.1:$missing"
exit 0
