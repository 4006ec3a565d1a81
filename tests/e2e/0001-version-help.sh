#!/bin/sh
# --version and --help print and exit 0; an unknown option exits 2.
. "$(dirname "$0")/lib.sh"
"$AGENTOS" --version | grep -Eq '^agentos [0-9]+\.[0-9]+' || fail "--version"
"$AGENTOS" --help | grep -q -- '--permission-mode' || fail "--help"
"$AGENTOS" --no-such-option >/dev/null 2>&1
[ $? -eq 2 ] || fail "unknown option should exit 2"
exit 0
