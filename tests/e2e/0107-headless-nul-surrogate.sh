#!/bin/sh
# Headless, on both wire formats: a stream whose text deltas carry \u0000
# and an unpaired surrogate \ud800 (jansson refuses both) is decoded with
# U+FFFD and the turn completes, instead of failing (Anthropic) or losing
# the delta (OpenAI).
. "$(dirname "$0")/lib.sh"
make_repo
mkdir -p "$T_TMP/wire"
cat > "$T_TMP/wire/a.sse" <<'S'
event: message_start
data: {"type":"message_start","message":{"id":"m1","model":"claude-sonnet-4-5","usage":{"input_tokens":1,"output_tokens":1}}}

event: content_block_start
data: {"type":"content_block_start","index":0,"content_block":{"type":"text","text":""}}

event: content_block_delta
data: {"type":"content_block_delta","index":0,"delta":{"type":"text_delta","text":"one\u0000two "}}

event: content_block_delta
data: {"type":"content_block_delta","index":0,"delta":{"type":"text_delta","text":"three\ud800four"}}

event: content_block_stop
data: {"type":"content_block_stop","index":0}

event: message_delta
data: {"type":"message_delta","delta":{"stop_reason":"end_turn"},"usage":{"output_tokens":5}}

event: message_stop
data: {"type":"message_stop"}

S
cat > "$T_TMP/wire/o.sse" <<'S'
data: {"id":"c1","model":"m","choices":[{"index":0,"delta":{"role":"assistant","content":"one\u0000two "}}]}

data: {"choices":[{"index":0,"delta":{"content":"three\ud800four"},"finish_reason":"stop"}]}

data: [DONE]

S
cat > "$T_TMP/script.json" <<'J'
[{"replay": "a.sse"}, {"replay": "o.sse"}]
J
start_provider --script "$T_TMP/script.json" --wire-dir "$T_TMP/wire"
want=$(printf 'one\357\277\275two three\357\277\275four')
ANTHROPIC_API_KEY=k "$AGENTOS" -p hi --provider anthropic \
    --base-url "http://127.0.0.1:$T_PORT" > "$T_TMP/out.a" 2> "$T_TMP/err.a"
rc=$?
cat "$T_TMP/err.a" >&2
[ $rc -eq 0 ] || fail "anthropic: exit $rc"
[ "$(cat "$T_TMP/out.a")" = "$want" ] ||
    fail "anthropic: got $(od -c "$T_TMP/out.a")"
OPENAI_API_KEY=k "$AGENTOS" -p hi --provider openai -m m \
    --base-url "http://127.0.0.1:$T_PORT/v1" > "$T_TMP/out.o" 2> "$T_TMP/err.o"
rc=$?
cat "$T_TMP/err.o" >&2
[ $rc -eq 0 ] || fail "openai: exit $rc"
[ "$(cat "$T_TMP/out.o")" = "$want" ] ||
    fail "openai: got $(od -c "$T_TMP/out.o")"
exit 0
