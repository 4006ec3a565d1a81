#!/bin/sh
# TUI: /context shows what fills the window by category, how many tool
# results are cleared to stubs, the room left and the cache hit ratio
# from the reported usage; a clearing is a notice in the transcript.
. "$(dirname "$0")/lib.sh"
make_repo
mkdir -p src .agentos
for f in agent.c session.c repomodel.c options.c; do
	cp "$top_srcdir/src/$f" "src/$f" || hard "copy $f"
done
echo '{"context": {"window": 30000, "keep_results": 1}}' > .agentos/config.json
cat > "$T_TMP/script.json" <<'J'
[{"tool_calls": [{"name": "read_file", "input": {"path": "src/agent.c"}}],
  "usage": {"input_tokens": 1000, "output_tokens": 10, "cache_read_input_tokens": 3000}},
 {"tool_calls": [{"name": "read_file", "input": {"path": "src/session.c"}}],
  "usage": {"input_tokens": 9000, "output_tokens": 10, "cache_read_input_tokens": 3000}},
 {"tool_calls": [{"name": "read_file", "input": {"path": "src/repomodel.c"}}],
  "usage": {"input_tokens": 18000, "output_tokens": 10, "cache_read_input_tokens": 3000}},
 {"text": "Read them all."}]
J
start_provider --script "$T_TMP/script.json"
start_agentos --provider anthropic -m claude-sonnet-4-5 \
    --base-url "http://127.0.0.1:$T_PORT"
wait_for '/help'
send_keys '/context' Enter
wait_for 'Context window: about [0-9]+ of 30000 tokens'
wait_for 'Cache hits: none yet'
send_keys 'read the sources' Enter
wait_for 'Context: cleared [0-9]+ old tool result'
wait_for 'Read them all\.'
# The status bar: the window's fill at the last request.
wait_for ' ctx [0-9]+%'
send_keys '/context' Enter
wait_for 'tool results +[0-9]+ \(3, [12] cleared\)'
wait_for 'free +[0-9]+'
# The ratio of cache reads (3000 a response) over all input tokens.
wait_for 'Cache hits: [0-9.]+% of [0-9]+ input tokens'
exit 0
