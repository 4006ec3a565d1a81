#!/bin/sh
# The first-start notice (no provider configured) names the user config file
# where agentos reads it: under $XDG_CONFIG_HOME when that is set (TUI and
# -p), else ~/.config.  And the man page's OpenAI default model is the one
# the binary sends.
. "$(dirname "$0")/lib.sh"
make_repo
export XDG_CONFIG_HOME="$T_TMP/xdg"
mkdir -p "$XDG_CONFIG_HOME"
start_agentos
wait_for 'No provider is configured'
screen | tr -d '\n' | grep -Fq "$T_TMP/xdg/agentos/config.json" ||
    fail "the TUI notice does not name \$XDG_CONFIG_HOME/agentos/config.json"
screen | grep -Fq '~/.config/agentos' && fail "the TUI notice names ~/.config"
"$AGENTOS" -p hello > "$T_TMP/p.out" 2> "$T_TMP/p.err" &&
    fail "-p without a provider succeeded"
grep -Fq "$T_TMP/xdg/agentos/config.json" "$T_TMP/p.err" ||
    fail "-p does not name the XDG config file: $(cat "$T_TMP/p.err")"
unset XDG_CONFIG_HOME
"$AGENTOS" -p hello > "$T_TMP/p.out" 2> "$T_TMP/p.err"
grep -Fq '~/.config/agentos/config.json' "$T_TMP/p.err" ||
    fail "without XDG_CONFIG_HOME the notice does not name ~/.config"

# The OpenAI default model: the man page says what the request carries.
man=$(sed -n 's/^The model name (default: .* \([^ ]*\) for openai,.*/\1/p' \
    "$top_srcdir/man/agentos.1" | sort -u)
[ -n "$man" ] || hard "no OpenAI default model in the man page"
[ "$(echo "$man" | wc -l)" -eq 1 ] || fail "the man page names two: $man"
echo '[{"text": "hi"}]' > "$T_TMP/script.json"
start_provider --script "$T_TMP/script.json"
"$AGENTOS" --provider openai --base-url "http://127.0.0.1:$T_PORT/v1" \
    -p hello > "$T_TMP/p.out" 2>&1 || fail "openai run: $(cat "$T_TMP/p.out")"
sent=$(python3 -c 'import json,sys; print(json.loads(open(sys.argv[1]).readline())["model"])' \
    "$T_PROVIDER_LOG")
[ "$sent" = "$man" ] || fail "the binary sends $sent, the man page says $man"
exit 0
