/* test-provider-openai.c: Chat Completions bodies and stream decoding. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "wire.h"

static const struct provider_entry *P = &provider_openai;

static void
test_wire_text(void **state)
{
	char	*d = wire_decode_all(P, "openai-chat-text-1.sse");

	assert_contains(d, "complete=1 stop=end_turn raw=stop "
	    "id=chatcmpl-ABfw031mOJeYCSHe4yI2ZjOA6kMJL model=gpt-4o-2024-08-06");
	assert_contains(d, "usage in=14 out=30 cache_read=0 cache_write=0\n");
	assert_contains(d, "text [I'm unable to provide real-time weather "
	    "updates. To get the current weather in San Francisco, I recommend "
	    "checking a reliable weather website or a weather app.]\n");
	assert_contains(d, "deltas stream=[I'm unable");
	free(d);
}

static void
test_wire_toolcalls(void **state)
{
	char	*d = wire_decode_all(P, "openai-chat-toolcalls-1.sse");

	assert_contains(d, "complete=1 stop=tool_use raw=tool_calls");
	assert_contains(d, "usage in=149 out=60 ");
	assert_contains(d, "tool_use call_JMW1whyEaYG438VE1OIflxA2 "
	    "GetWeatherArgs {\"city\":\"Edinburgh\",\"country\":\"GB\","
	    "\"units\":\"c\"}\ntool_use call_DNYTawLBoN8fj3KN6qU9N1Ou "
	    "get_stock_price {\"exchange\":\"NASDAQ\",\"ticker\":\"AAPL\"}\n");
	assert_contains(d, "starts=[call_JMW1whyEaYG438VE1OIflxA2 "
	    "GetWeatherArgs;call_DNYTawLBoN8fj3KN6qU9N1Ou get_stock_price;]");
	assert_not_contains(d, "text [");
	free(d);
}

static void
test_wire_toolcall_2(void **state)
{
	char	*d = wire_decode_all(P, "openai-chat-toolcall-2.sse");

	assert_contains(d, "complete=1 stop=tool_use raw=tool_calls");
	assert_contains(d, "usage in=54 out=20 cache_read=0 ");
	assert_contains(d, "tool_use call_1EYWDzueHEp8OsB8jJSEp7WB multiply "
	    "{\"a\":1231,\"b\":2331}\n");
	free(d);
}

/* Decode an OpenAI stream given as a list of data payloads. */
static char *
synth(const char *const *payloads)
{
	struct buf	 b = BUF_INIT;
	char		*x, *y;
	size_t		 i;

	for (i = 0; payloads[i] != NULL; i++)
		buf_addf(&b, "data: %s\n\n", payloads[i]);
	x = wire_decode(P, b.buf, b.len, WIRE_WHOLE, 0);
	y = wire_decode(P, b.buf, b.len, WIRE_RANDOM, 7);
	if (strstr(x, "call_agentos_") == NULL)	/* ids differ per run */
		assert_string_equal(x, y);
	free(y);
	buf_release(&b);
	return (x);
}

static void
test_cached_usage_and_keepalives(void **state)
{
	const char *const s[] = {
		"",
		":ping",
		"{\"id\":\"c1\",\"model\":\"m\",\"choices\":[{\"index\":0,"
		    "\"delta\":{\"role\":\"assistant\",\"content\":\"Hel\"}}]}",
		"{\"choices\":[{\"index\":0,\"delta\":{\"content\":\"lo\","
		    "\"reasoning_content\":\"hmm\"},\"finish_reason\":null}]}",
		"{\"choices\":[{\"index\":0,\"delta\":{\"reasoning\":\"ok\"}}]}",
		"{\"choices\":[{\"index\":0,\"delta\":{},\"finish_reason\":"
		    "\"length\"}]}",
		"{\"choices\":[],\"usage\":{\"prompt_tokens\":2000,"
		    "\"completion_tokens\":9,\"prompt_tokens_details\":"
		    "{\"cached_tokens\":1536}}}",
		"[DONE]",
		NULL
	};
	char	*d = synth(s);

	assert_contains(d, "complete=1 stop=max_tokens raw=length id=c1 "
	    "model=m\nusage in=464 out=9 cache_read=1536 cache_write=0\n"
	    "text [Hello]\ndeltas stream=[Hello]\nstream-thinking=[hmmok]\n");
	assert_not_contains(d, "thinking [hmmok] sig");
	free(d);
}

static void
test_nul_and_lone_surrogate(void **state)
{
	/* jansson refuses both; they decode as U+FFFD, the turn goes on. */
	const char *const s[] = {
		"{\"id\":\"c1\",\"model\":\"m\",\"choices\":[{\"index\":0,"
		    "\"delta\":{\"role\":\"assistant\",\"content\":"
		    "\"a\\u0000b\"}}]}",
		"{\"choices\":[{\"index\":0,\"delta\":{\"content\":"
		    "\"c\\ud800d\"},\"finish_reason\":\"stop\"}]}",
		"[DONE]",
		NULL
	};
	char	*d = synth(s);

	(void)state;
	assert_contains(d, "complete=1 stop=end_turn");
	assert_contains(d, "text [a\xef\xbf\xbd" "bc\xef\xbf\xbd" "d]\n");
	free(d);
}

static void
test_ollama_whole_calls(void **state)
{
	/* Whole call per delta, no finish_reason, arguments null. */
	const char *const s[] = {
		"{\"id\":\"chatcmpl-1\",\"choices\":[{\"index\":0,\"delta\":"
		    "{\"role\":\"assistant\",\"content\":\"\",\"tool_calls\":"
		    "[{\"id\":\"call_a\",\"index\":0,\"type\":\"function\","
		    "\"function\":{\"name\":\"read_file\",\"arguments\":"
		    "\"{\\\"path\\\":\\\"x\\\"}\"}}]}}]}",
		"{\"choices\":[{\"index\":0,\"delta\":{\"role\":\"assistant\","
		    "\"content\":\"\",\"tool_calls\":[{\"id\":\"call_b\","
		    "\"index\":1,\"function\":{\"name\":\"glob\",\"arguments\":"
		    "null}}]}}]}",
		"[DONE]",
		NULL
	};
	char	*d = synth(s);

	assert_contains(d, "complete=1 stop=tool_use raw=- ");
	assert_contains(d, "tool_use call_a read_file {\"path\":\"x\"}\n"
	    "tool_use call_b glob {}\n");
	assert_not_contains(d, "text [");
	free(d);
}

static void
test_sglang_same_index(void **state)
{
	/* Two calls on index 0 told apart by their ids; vLLM empty ids. */
	const char *const s[] = {
		"{\"choices\":[{\"index\":0,\"delta\":{\"tool_calls\":[{"
		    "\"index\":0,\"id\":\"0\",\"function\":{\"name\":\"a\","
		    "\"arguments\":\"{\\\"x\\\":\"}}]}}]}",
		"{\"choices\":[{\"index\":0,\"delta\":{\"tool_calls\":[{"
		    "\"index\":0,\"id\":\"\",\"type\":\"\",\"function\":"
		    "{\"arguments\":\"1}\"}}]}}]}",
		"{\"choices\":[{\"index\":0,\"delta\":{\"tool_calls\":[{"
		    "\"index\":0,\"id\":\"1\",\"function\":{\"name\":\"b\","
		    "\"arguments\":\"{}\"}}]}}]}",
		"{\"choices\":[{\"index\":0,\"delta\":{},\"finish_reason\":"
		    "\"tool_calls\"}]}",
		NULL
	};
	char	*d = synth(s);

	/* finish_reason without [DONE] is a proper end. */
	assert_contains(d, "complete=1 stop=tool_use");
	assert_contains(d, "tool_use 0 a {\"x\":1}\ntool_use 1 b {}\n");
	free(d);
}

static void
test_missing_ids_and_bad_args(void **state)
{
	const char *const s[] = {
		"{\"choices\":[{\"index\":0,\"delta\":{\"tool_calls\":[{"
		    "\"index\":0,\"function\":{\"name\":\"a\",\"arguments\":"
		    "\"{oops\"}},{\"index\":1,\"function\":{\"name\":\"b\"}}]}}]}",
		"{\"choices\":[{\"index\":0,\"delta\":{},\"finish_reason\":"
		    "\"stop\"}]}",
		"[DONE]",
		NULL
	};
	char	*d = synth(s), *p, *q, *id1, *id2;

	/* A tool turn that says "stop" is still a tool turn. */
	assert_contains(d, "complete=1 stop=tool_use raw=stop");
	assert_contains(d, " a {\"__invalid_json\":\"{oops\"}\n");
	assert_contains(d, " b {}\n");
	/* Synthesised ids, distinct. */
	p = strstr(d, "tool_use call_agentos_");
	assert_non_null(p);
	q = strstr(p + 1, "tool_use call_agentos_");
	assert_non_null(q);
	id1 = xstrndup(p + 9, strcspn(p + 9, " "));
	id2 = xstrndup(q + 9, strcspn(q + 9, " "));
	assert_string_not_equal(id1, id2);
	free(id1);
	free(id2);
	free(d);
}

static void
test_refusal_as_text(void **state)
{
	const char *const s[] = {
		"{\"choices\":[{\"index\":0,\"delta\":{\"role\":\"assistant\","
		    "\"content\":null,\"refusal\":\"I can't\"}}]}",
		"{\"choices\":[{\"index\":0,\"delta\":{},\"finish_reason\":"
		    "\"content_filter\"}]}",
		"[DONE]",
		NULL
	};
	char	*d = synth(s);

	assert_contains(d, "stop=refusal raw=content_filter");
	assert_contains(d, "text [I can't]\n");
	free(d);
}

static void
test_midstream_error(void **state)
{
	const char *const s[] = {
		"{\"choices\":[{\"index\":0,\"delta\":{\"tool_calls\":[{"
		    "\"index\":0,\"id\":\"c\",\"function\":{\"name\":\"a\","
		    "\"arguments\":\"{\"}}]}}]}",
		"{\"error\":{\"message\":\"The server had an error\","
		    "\"type\":\"server_error\",\"param\":null,\"code\":null}}",
		"[DONE]",
		NULL
	};
	char	*d = synth(s);

	assert_contains(d, "complete=0");
	assert_contains(d, "error server_error: The server had an error\n");
	assert_contains(d, "failed: server_error: The server had an error");
	assert_not_contains(d, "tool_use c");
	free(d);
}

static void
test_truncated_everywhere(void **state)
{
	char	*data, *d, *fin;
	size_t	 len, cut;

	data = wire_read("openai-chat-toolcalls-1.sse", &len);
	fin = strstr(data, "\"finish_reason\":\"tool_calls\"");
	assert_non_null(fin);
	for (cut = 0; cut < (size_t)(fin - data); cut++) {
		d = wire_decode(P, data, cut, WIRE_WHOLE, 0);
		assert_contains(d, "complete=0 ");
		assert_not_contains(d, "\ntool_use ");
		assert_not_contains(d, "\ntext [");
		free(d);
	}
	free(data);
}

static void
test_parse_error(void **state)
{
	static const struct {
		const char	*body;
		const char	*type;
		const char	*message;
	} t[] = {
		{ "{\"error\":{\"message\":\"Rate limit reached\",\"type\":"
		  "\"tokens\",\"param\":null,\"code\":\"rate_limit_exceeded\"}}",
		  "rate_limit_exceeded", "Rate limit reached" },
		{ "{\"error\":{\"message\":\"You exceeded your current quota\","
		  "\"type\":\"insufficient_quota\",\"param\":null,\"code\":"
		  "\"insufficient_quota\"}}", "insufficient_quota",
		  "You exceeded your current quota" },
		{ "{\"error\":{\"code\":400,\"message\":\"too long\",\"type\":"
		  "\"exceed_context_size_error\"}}",
		  "exceed_context_size_error", "too long" },
		{ "{\"object\":\"error\",\"message\":\"bad\",\"type\":"
		  "\"BadRequestError\",\"param\":null,\"code\":400}",
		  "BadRequestError", "bad" },
		{ "{\"error\":\"model not found\"}", "error",
		  "model not found" },
	};
	char	*type, *message;
	size_t	 i;

	for (i = 0; i < sizeof t / sizeof *t; i++) {
		assert_int_equal(P->parse_error(t[i].body, strlen(t[i].body),
		    &type, &message), 0);
		assert_string_equal(type, t[i].type);
		assert_string_equal(message, t[i].message);
		free(type);
		free(message);
	}
	assert_int_equal(P->parse_error("Bad Gateway", 11, &type, &message),
	    -1);
}

static void
test_body_matches_next_request(void **state)
{
	struct config		 cfg;
	struct model_request	 req;
	struct conv		 c;
	struct message		*m;
	json_t			*rec, *body, *input, *msgs, *rm;
	char			*data, *s;
	size_t			 len;

	memset(&cfg, 0, sizeof cfg);
	memset(&req, 0, sizeof req);
	data = wire_read("openai-chat-toolcall-2.next-request.json", &len);
	rec = json_loadb(data, len, 0, NULL);
	assert_non_null(rec);

	conv_init(&c);
	message_add_text(conv_add(&c, ROLE_USER), "What is 1231 * 2331?");
	m = conv_add(&c, ROLE_ASSISTANT);
	input = json_pack("{s:i,s:i}", "a", 1231, "b", 2331);
	message_add_tool_use(m, "call_1EYWDzueHEp8OsB8jJSEp7WB", "multiply",
	    input);
	json_decref(input);
	message_add_tool_result(conv_add(&c, ROLE_USER),
	    "call_1EYWDzueHEp8OsB8jJSEp7WB", "2869461", 0);

	cfg.base_url = "http://localhost:11434/v1";
	req.model = "gpt-4o-mini";
	req.conv = &c;
	req.tools = json_array();
	json_array_append_new(req.tools, json_pack("{s:s,s:s,s:O}", "name",
	    "multiply", "description", "Multiply two numbers.",
	    "input_schema", json_object_get(json_object_get(json_array_get(
	    json_object_get(rec, "tools"), 0), "function"), "parameters")));
	body = provider_openai_body(&cfg, &req);

	assert_true(json_equal(json_object_get(body, "tools"),
	    json_object_get(rec, "tools")));
	assert_true(json_equal(json_object_get(body, "stream_options"),
	    json_object_get(rec, "stream_options")));
	assert_true(json_is_true(json_object_get(body, "stream")));
	assert_int_equal(json_integer_value(json_object_get(body,
	    "max_tokens")), 8192);
	assert_null(json_object_get(body, "max_completion_tokens"));

	/*
	 * The recorder (llm) sent an empty assistant message before the
	 * tool call; agentos sends one assistant message with content null.
	 */
	msgs = json_object_get(body, "messages");
	assert_int_equal(json_array_size(msgs), 3);
	assert_true(json_equal(json_array_get(msgs, 0),
	    json_array_get(json_object_get(rec, "messages"), 0)));
	rm = json_deep_copy(json_array_get(json_object_get(rec, "messages"),
	    2));
	json_object_set_new(json_object_get(json_array_get(json_object_get(rm,
	    "tool_calls"), 0), "function"), "arguments",
	    json_string("{\"a\":1231,\"b\":2331}"));
	json_object_set_new(rm, "content", json_null());
	assert_true(json_equal(json_array_get(msgs, 1), rm));
	assert_true(json_equal(json_array_get(msgs, 2),
	    json_array_get(json_object_get(rec, "messages"), 3)));
	s = json_dumps(msgs, JSON_COMPACT);
	assert_non_null(strstr(s, "{\"role\":\"tool\",\"tool_call_id\":"
	    "\"call_1EYWDzueHEp8OsB8jJSEp7WB\",\"content\":\"2869461\"}"));
	free(s);

	json_decref(rm);
	json_decref(req.tools);
	json_decref(body);
	json_decref(rec);
	free(data);
	conv_release(&c);
}

static void
test_body_system_thinking_errors(void **state)
{
	struct config		 cfg;
	struct model_request	 req;
	struct conv		 c;
	struct message		*m;
	struct block		 tb;
	json_t			*body;
	char			*s;

	memset(&cfg, 0, sizeof cfg);
	memset(&req, 0, sizeof req);
	conv_init(&c);
	message_add_text(conv_add(&c, ROLE_USER), "go");
	m = conv_add(&c, ROLE_ASSISTANT);
	memset(&tb, 0, sizeof tb);
	tb.type = BLOCK_THINKING;
	tb.text = "secret";
	tb.signature = "S";
	message_add_copy(m, &tb);
	message_add_text(m, "Let me look.");
	message_add_tool_use(m, "c1", "bash", NULL);
	m = conv_add(&c, ROLE_USER);
	message_add_text(m, "hurry");
	message_add_tool_result(m, "c1", "exit 1", 1);
	req.system = "sys";
	req.conv = &c;
	req.model = "o";
	body = provider_openai_body(&cfg, &req);
	s = json_dumps(json_object_get(body, "messages"), JSON_COMPACT |
	    JSON_SORT_KEYS);
	assert_string_equal(s, "[{\"content\":\"sys\",\"role\":\"system\"},"
	    "{\"content\":\"go\",\"role\":\"user\"},"
	    "{\"content\":\"Let me look.\",\"role\":\"assistant\","
	    "\"tool_calls\":[{\"function\":{\"arguments\":\"{}\",\"name\":"
	    "\"bash\"},\"id\":\"c1\",\"type\":\"function\"}]},"
	    "{\"content\":\"Error: exit 1\",\"role\":\"tool\","
	    "\"tool_call_id\":\"c1\"},"
	    "{\"content\":\"hurry\",\"role\":\"user\"}]");
	free(s);
	/* OpenAI itself gets max_completion_tokens. */
	assert_non_null(json_object_get(body, "max_completion_tokens"));
	assert_null(json_object_get(body, "max_tokens"));
	assert_null(json_object_get(body, "tools"));
	json_decref(body);
	conv_release(&c);
}

static void
test_build_http(void **state)
{
	struct config		 cfg;
	struct model_request	 req;
	struct provider_http	 ph;
	struct conv		 c;
	char			*cause = NULL;

	memset(&cfg, 0, sizeof cfg);
	memset(&req, 0, sizeof req);
	conv_init(&c);
	message_add_text(conv_add(&c, ROLE_USER), "hi");
	req.conv = &c;
	assert_int_equal(P->build(&cfg, &req, &ph, &cause), 0);
	assert_string_equal(ph.url,
	    "https://api.openai.com/v1/chat/completions");
	assert_int_equal(ph.nheaders, 2);
	provider_http_release(&ph);
	cfg.api_key = "k";
	cfg.base_url = "http://127.0.0.1:1/v1/";
	assert_int_equal(P->build(&cfg, &req, &ph, &cause), 0);
	assert_string_equal(ph.url, "http://127.0.0.1:1/v1/chat/completions");
	assert_string_equal(ph.headers[0], "Authorization: Bearer k");
	provider_http_release(&ph);
	conv_release(&c);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_wire_text),
		cmocka_unit_test(test_wire_toolcalls),
		cmocka_unit_test(test_wire_toolcall_2),
		cmocka_unit_test(test_cached_usage_and_keepalives),
		cmocka_unit_test(test_nul_and_lone_surrogate),
		cmocka_unit_test(test_ollama_whole_calls),
		cmocka_unit_test(test_sglang_same_index),
		cmocka_unit_test(test_missing_ids_and_bad_args),
		cmocka_unit_test(test_refusal_as_text),
		cmocka_unit_test(test_midstream_error),
		cmocka_unit_test(test_truncated_everywhere),
		cmocka_unit_test(test_parse_error),
		cmocka_unit_test(test_body_matches_next_request),
		cmocka_unit_test(test_body_system_thinking_errors),
		cmocka_unit_test(test_build_http),
	};

	return (wire_status(cmocka_run_group_tests(tests, NULL, NULL)));
}
