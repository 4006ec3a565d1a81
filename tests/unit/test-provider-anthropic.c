/* test-provider-anthropic.c: Anthropic request bodies and stream decoding. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "wire.h"

static const struct provider_entry *P = &provider_anthropic;

static void
test_wire_tooluse_1(void **state)
{
	char	*d = wire_decode_all(P, "anthropic-tooluse-1.sse");

	assert_contains(d, "complete=1 stop=tool_use raw=tool_use "
	    "id=msg_01V2noLbAb2NgKnjaNw6Cn3w model=claude-haiku-4-5-20251001");
	assert_contains(d, "usage in=542 out=62 cache_read=0 cache_write=0\n");
	assert_contains(d, "tool_use toolu_01LtHJmixrs9NcWQkK8hu8hj "
	    "pelican_name_generator {}\ntool_use "
	    "toolu_01N8a4jWyf116qKTMqKKmjyt pelican_name_generator {}\n");
	assert_contains(d, "starts=[toolu_01LtHJmixrs9NcWQkK8hu8hj "
	    "pelican_name_generator;toolu_01N8a4jWyf116qKTMqKKmjyt "
	    "pelican_name_generator;]");
	assert_not_contains(d, "failed");
	free(d);
}

static void
test_wire_text_1(void **state)
{
	char	*d = wire_decode_all(P, "anthropic-text-1.sse");

	assert_contains(d, "complete=1 stop=end_turn raw=end_turn");
	assert_contains(d, "usage in=678 out=82 cache_read=0 cache_write=0\n");
	assert_contains(d, "text [Here are two great names for your pet "
	    "pelican:\n\n1. **Charles**");
	assert_contains(d, "feathered friend! \xf0\x9f\xa6\x85]\n");
	assert_contains(d, "deltas stream=[Here are two");
	assert_not_contains(d, "tool_use");
	free(d);
}

static void
test_wire_thinking(void **state)
{
	char	*d = wire_decode_all(P, "anthropic-thinking-tooluse-1.sse");

	assert_contains(d, "complete=1 stop=tool_use");
	assert_contains(d, "usage in=598 out=92 ");
	/* The thinking block comes first, with its signature. */
	assert_contains(d, "\nthinking [The user wants me to:\n1. Use the "
	    "fixed_version tool\n2.");
	assert_contains(d, "] sig=[EoQDCm0IDhgCKkCDzGs2kL2PgnDCZU");
	assert_contains(d, "]\ntool_use toolu_01825dXWLSoJwCst1qTsiWdb "
	    "fixed_version {}\n");
	assert_contains(d, "stream-thinking=[The user wants me to:\n1. Use");
	free(d);
}

static void
test_wire_tooluse_2(void **state)
{
	char	*d = wire_decode_all(P, "anthropic-tooluse-2.sse");

	/* No final blank line: still complete. */
	assert_contains(d, "complete=1 stop=tool_use");
	assert_contains(d, "usage in=377 out=65 ");
	assert_contains(d, "text [I'll check the current weather in Paris for "
	    "you.]\ntool_use toolu_01NRLabsLyVHZPKxbKvkfSMn get_weather "
	    "{\"location\":\"Paris\"}\n");
	free(d);
}

static void
test_wire_error_fragment(void **state)
{
	char	*d = wire_decode_all(P, "anthropic-error-fragment-1.sse");

	assert_contains(d, "complete=0 ");
	assert_contains(d, "error api_error: Internal server error\n");
	assert_contains(d, "failed: api_error: Internal server error");
	assert_not_contains(d, "text [");
	assert_not_contains(d, "tool_use ");
	free(d);
}

/* A stream cut at any byte never yields a partial response. */
static void
test_truncated_everywhere(void **state)
{
	static const char *files[] = {
		"anthropic-tooluse-2.sse", "anthropic-thinking-tooluse-1.sse",
		NULL
	};
	char	*data, *d, *stop;
	size_t	 len, cut, i;

	for (i = 0; files[i] != NULL; i++) {
		data = wire_read(files[i], &len);
		stop = strstr(data, "event: message_stop");
		assert_non_null(stop);
		for (cut = 0; cut < len; cut++) {
			d = wire_decode(P, data, cut, WIRE_WHOLE, 0);
			if (cut < (size_t)(stop - data) + 30) {
				assert_contains(d, "complete=0 ");
				assert_not_contains(d, "\ntext [");
				assert_not_contains(d, "\ntool_use ");
				assert_not_contains(d, "\nthinking [");
			}
			free(d);
		}
		free(data);
	}
}

static const char synth_head[] =
"event: message_start\n"
"data: {\"type\":\"message_start\",\"message\":{\"id\":\"msg_1\",\"model\":"
"\"m\",\"usage\":{\"input_tokens\":10,\"cache_creation_input_tokens\":20,"
"\"cache_read_input_tokens\":30,\"output_tokens\":1}}}\n\n";

/* Decode synth_head + body whole and bytewise; return the dump. */
static char *
synth(const char *body)
{
	char	*s, *a, *b;

	s = xasprintf("%s%s", synth_head, body);
	a = wire_decode(P, s, strlen(s), WIRE_WHOLE, 0);
	b = wire_decode(P, s, strlen(s), WIRE_BYTES, 0);
	assert_string_equal(a, b);
	free(b);
	free(s);
	return (a);
}

static void
test_cache_usage_and_unknown_events(void **state)
{
	char	*d;

	d = synth(
	    ": comment\n\n"
	    "event: ping\ndata: {\"type\": \"ping\"}\n\n"
	    "event: brand_new_event\ndata: {\"type\":\"brand_new_event\"}\n\n"
	    "event: keepalive\ndata: not json\n\n"
	    "event: content_block_start\ndata: {\"type\":\"content_block_start\","
	    "\"index\":0,\"content_block\":{\"type\":\"text\",\"text\":\"\"}}\n\n"
	    "event: content_block_delta\ndata: {\"type\":\"content_block_delta\","
	    "\"index\":0,\"delta\":{\"type\":\"text_delta\",\"text\":\"hi\"}}\n\n"
	    "event: content_block_delta\ndata: {\"type\":\"content_block_delta\","
	    "\"index\":0,\"delta\":{\"type\":\"citations_delta\"}}\n\n"
	    "event: content_block_stop\ndata: {\"type\":\"content_block_stop\","
	    "\"index\":0}\n\n"
	    "event: content_block_start\ndata: {\"type\":\"content_block_start\","
	    "\"index\":1,\"content_block\":{\"type\":\"server_tool_use\"}}\n\n"
	    "event: content_block_stop\ndata: {\"type\":\"content_block_stop\","
	    "\"index\":1}\n\n"
	    "event: content_block_start\ndata: {\"type\":\"content_block_start\","
	    "\"index\":2,\"content_block\":{\"type\":\"redacted_thinking\","
	    "\"data\":\"xyz\"}}\n\n"
	    "event: content_block_stop\ndata: {\"type\":\"content_block_stop\","
	    "\"index\":2}\n\n"
	    "event: message_delta\ndata: {\"type\":\"message_delta\",\"delta\":"
	    "{\"stop_reason\":\"max_tokens\"},\"usage\":{\"output_tokens\":5}}\n\n"
	    "event: message_delta\ndata: {\"type\":\"message_delta\",\"delta\":"
	    "{},\"usage\":{\"output_tokens\":7,\"cache_read_input_tokens\":31}}"
	    "\n\n"
	    "event: message_stop\ndata: {\"type\":\"message_stop\"   }\n\n");
	assert_contains(d, "complete=1 stop=max_tokens raw=max_tokens id=msg_1 "
	    "model=m\nusage in=10 out=7 cache_read=31 cache_write=20\n"
	    "text [hi]\nredacted [xyz]\ndeltas");
	assert_not_contains(d, "failed");
	free(d);
}

static void
test_nul_and_lone_surrogate(void **state)
{
	char	*d;

	(void)state;
	/* jansson refuses both; they decode as U+FFFD, the turn goes on. */
	d = synth(
	    "event: content_block_start\ndata: {\"type\":\"content_block_start\","
	    "\"index\":0,\"content_block\":{\"type\":\"text\",\"text\":\"\"}}\n\n"
	    "event: content_block_delta\ndata: {\"type\":\"content_block_delta\","
	    "\"index\":0,\"delta\":{\"type\":\"text_delta\",\"text\":"
	    "\"a\\u0000b\"}}\n\n"
	    "event: content_block_delta\ndata: {\"type\":\"content_block_delta\","
	    "\"index\":0,\"delta\":{\"type\":\"text_delta\",\"text\":"
	    "\"c\\ud800d\"}}\n\n"
	    "event: content_block_stop\ndata: {\"type\":\"content_block_stop\","
	    "\"index\":0}\n\n"
	    "event: message_delta\ndata: {\"type\":\"message_delta\",\"delta\":"
	    "{\"stop_reason\":\"end_turn\"},\"usage\":{\"output_tokens\":5}}\n\n"
	    "event: message_stop\ndata: {\"type\":\"message_stop\"}\n\n");
	assert_contains(d, "complete=1 stop=end_turn");
	assert_contains(d, "text [a\xef\xbf\xbd" "bc\xef\xbf\xbd" "d]\n");
	assert_not_contains(d, "failed");
	free(d);
}

static void
test_invalid_tool_json(void **state)
{
	char	*d;

	d = synth(
	    "event: content_block_start\ndata: {\"type\":\"content_block_start\","
	    "\"index\":0,\"content_block\":{\"type\":\"tool_use\",\"id\":\"t1\","
	    "\"name\":\"edit_file\",\"input\":{}}}\n\n"
	    "event: content_block_delta\ndata: {\"type\":\"content_block_delta\","
	    "\"index\":0,\"delta\":{\"type\":\"input_json_delta\","
	    "\"partial_json\":\"{\\\"path\\\": \\\"a.c\"}}\n\n"
	    "event: content_block_stop\ndata: {\"type\":\"content_block_stop\","
	    "\"index\":0}\n\n"
	    "event: content_block_start\ndata: {\"type\":\"content_block_start\","
	    "\"index\":1,\"content_block\":{\"type\":\"tool_use\",\"id\":\"t2\","
	    "\"name\":\"glob\",\"input\":{}}}\n\n"
	    "event: content_block_delta\ndata: {\"type\":\"content_block_delta\","
	    "\"index\":1,\"delta\":{\"type\":\"input_json_delta\","
	    "\"partial_json\":\"[1]\"}}\n\n"
	    "event: content_block_stop\ndata: {\"type\":\"content_block_stop\","
	    "\"index\":1}\n\n"
	    "event: message_delta\ndata: {\"type\":\"message_delta\",\"delta\":"
	    "{\"stop_reason\":\"tool_use\"},\"usage\":{\"output_tokens\":5}}\n\n"
	    "event: message_stop\ndata: {\"type\":\"message_stop\"}\n\n");
	assert_contains(d, "complete=1 stop=tool_use");
	assert_contains(d, "tool_use t1 edit_file {\"__invalid_json\":"
	    "\"{\\\"path\\\": \\\"a.c\"}\n");
	assert_contains(d, "tool_use t2 glob {\"__invalid_json\":\"[1]\"}\n");
	free(d);
}

static void
test_protocol_errors(void **state)
{
	char	*d;

	/* A block stopped that never started: rejected. */
	d = synth("event: content_block_stop\ndata: {\"type\":"
	    "\"content_block_stop\",\"index\":3}\n\n"
	    "event: message_stop\ndata: {\"type\":\"message_stop\"}\n\n");
	assert_contains(d, "complete=0");
	assert_contains(d, "failed: stop for unknown content block 3");
	free(d);
	/* Broken JSON in a content event. */
	d = synth("event: content_block_start\ndata: {\"type\":\n\n");
	assert_contains(d, "failed: content_block_start event with invalid");
	free(d);
	/* message_stop with a block still open. */
	d = synth(
	    "event: content_block_start\ndata: {\"type\":\"content_block_start\","
	    "\"index\":0,\"content_block\":{\"type\":\"tool_use\",\"id\":\"t1\","
	    "\"name\":\"x\",\"input\":{}}}\n\n"
	    "event: message_stop\ndata: {\"type\":\"message_stop\"}\n\n");
	assert_contains(d, "complete=0");
	assert_not_contains(d, "tool_use t1");
	free(d);
	/* Deltas missing their value (found by fuzz-provider-anthropic). */
	d = synth(
	    "event: content_block_start\ndata: {\"type\":\"content_block_start\","
	    "\"index\":0,\"content_block\":{\"type\":\"thinking\"}}\n\n"
	    "event: content_block_delta\ndata: {\"type\":\"content_block_delta\","
	    "\"index\":0,\"delta\":{\"type\":\"signature_delta\"}}\n\n"
	    "event: content_block_delta\ndata: {\"type\":\"content_block_delta\","
	    "\"index\":0,\"delta\":{\"type\":\"thinking_delta\","
	    "\"thinking\":7}}\n\n"
	    "event: content_block_stop\ndata: {\"type\":\"content_block_stop\","
	    "\"index\":0}\n\n"
	    "event: message_stop\ndata: {\"type\":\"message_stop\"}\n\n");
	assert_contains(d, "complete=1");
	assert_contains(d, "thinking [] sig=[]");
	free(d);
}

static void
test_parse_error(void **state)
{
	const char	*body = "{\"type\":\"error\",\"error\":{\"details\":null,"
	    "\"type\":\"rate_limit_error\",\"message\":\"This request would "
	    "exceed your organization's rate limit\"},\"request_id\":\"req_1\"}";
	char		*type, *message;

	assert_int_equal(P->parse_error(body, strlen(body), &type, &message),
	    0);
	assert_string_equal(type, "rate_limit_error");
	assert_string_equal(message, "This request would exceed your "
	    "organization's rate limit");
	free(type);
	free(message);
	assert_int_equal(P->parse_error("<html>", 6, &type, &message), -1);
	assert_int_equal(P->parse_error("{}", 2, &type, &message), -1);
}

/* The conversation of anthropic-text-1.request.json. */
static void
pelican_conv(struct conv *c)
{
	struct message	*m;
	json_t		*empty = json_object();

	conv_init(c);
	m = conv_add(c, ROLE_USER);
	message_add_text(m, "Two names for a pet pelican");
	m = conv_add(c, ROLE_ASSISTANT);
	message_add_text(m, " ");
	message_add_tool_use(m, "toolu_01LtHJmixrs9NcWQkK8hu8hj",
	    "pelican_name_generator", empty);
	message_add_tool_use(m, "toolu_01N8a4jWyf116qKTMqKKmjyt",
	    "pelican_name_generator", empty);
	m = conv_add(c, ROLE_USER);
	message_add_tool_result(m, "toolu_01LtHJmixrs9NcWQkK8hu8hj",
	    "Charles", 0);
	message_add_tool_result(m, "toolu_01N8a4jWyf116qKTMqKKmjyt",
	    "Sammy", 0);
	json_decref(empty);
}

static void
test_body_matches_recorded(void **state)
{
	struct config		 cfg;
	struct model_request	 req;
	struct conv		 c;
	json_t			*rec, *body, *tools, *last, *msgs;
	char			*data;
	size_t			 len;

	memset(&cfg, 0, sizeof cfg);
	memset(&req, 0, sizeof req);
	pelican_conv(&c);
	data = wire_read("anthropic-text-1.request.json", &len);
	rec = json_loadb(data, len, 0, NULL);
	assert_non_null(rec);
	req.model = "claude-haiku-4-5-20251001";
	req.max_tokens = 8192;
	req.conv = &c;
	req.tools = json_object_get(rec, "tools");
	body = provider_anthropic_body(&cfg, &req);

	assert_true(json_equal(json_object_get(body, "model"),
	    json_object_get(rec, "model")));
	assert_true(json_equal(json_object_get(body, "max_tokens"),
	    json_object_get(rec, "max_tokens")));
	assert_true(json_is_true(json_object_get(body, "stream")));
	assert_null(json_object_get(body, "thinking"));
	assert_null(json_object_get(body, "system"));

	/* The last message's last block carries the cache breakpoint. */
	msgs = json_object_get(body, "messages");
	last = json_array_get(json_object_get(json_array_get(msgs, 2),
	    "content"), 1);
	assert_string_equal(json_string_value(json_object_get(json_object_get(
	    last, "cache_control"), "type")), "ephemeral");
	json_object_del(last, "cache_control");
	assert_true(json_equal(msgs, json_object_get(rec, "messages")));

	/* Tools: as recorded plus the breakpoint on the last one. */
	tools = json_deep_copy(json_object_get(body, "tools"));
	last = json_array_get(tools, json_array_size(tools) - 1);
	assert_non_null(json_object_get(last, "cache_control"));
	json_object_del(last, "cache_control");
	assert_true(json_equal(tools, json_object_get(rec, "tools")));

	json_decref(tools);
	json_decref(body);
	json_decref(rec);
	free(data);
	conv_release(&c);
}

static void
test_body_thinking_and_order(void **state)
{
	struct config		 cfg;
	struct model_request	 req;
	struct conv		 c;
	struct message		*m;
	struct block		 tb;
	json_t			*body, *content, *sys, *input;
	char			*s;

	memset(&cfg, 0, sizeof cfg);
	memset(&req, 0, sizeof req);
	conv_init(&c);
	m = conv_add(&c, ROLE_USER);
	message_add_text(m, "Use the tool");
	m = conv_add(&c, ROLE_ASSISTANT);
	memset(&tb, 0, sizeof tb);
	tb.type = BLOCK_THINKING;
	tb.text = "I should call it.";
	tb.signature = "SIG==";
	message_add_copy(m, &tb);
	tb.signature = NULL;		/* unsigned thinking is not sent */
	message_add_copy(m, &tb);
	message_add_text(m, "");	/* empty text is not sent */
	input = json_pack("{s:s}", "path", "a.c");
	message_add_tool_use(m, "toolu_1", "read_file", input);
	json_decref(input);
	m = conv_add(&c, ROLE_USER);
	message_add_text(m, "and also this");
	message_add_tool_result(m, "toolu_1", "no such file", 1);

	req.model = "m";
	req.system = "You are agentos.";
	req.conv = &c;
	req.thinking_budget = 2000;
	req.max_tokens = 1000;
	body = provider_anthropic_body(&cfg, &req);

	/* budget below max_tokens. */
	assert_int_equal(json_integer_value(json_object_get(body,
	    "max_tokens")), 3000);
	assert_int_equal(json_integer_value(json_object_get(json_object_get(
	    body, "thinking"), "budget_tokens")), 2000);
	sys = json_object_get(body, "system");
	s = json_dumps(sys, JSON_COMPACT | JSON_SORT_KEYS);
	assert_string_equal(s, "[{\"cache_control\":{\"type\":\"ephemeral\"},"
	    "\"text\":\"You are agentos.\",\"type\":\"text\"}]");
	free(s);
	content = json_object_get(json_array_get(json_object_get(body,
	    "messages"), 1), "content");
	s = json_dumps(content, JSON_COMPACT | JSON_SORT_KEYS);
	assert_string_equal(s, "[{\"signature\":\"SIG==\",\"thinking\":"
	    "\"I should call it.\",\"type\":\"thinking\"},{\"id\":\"toolu_1\","
	    "\"input\":{\"path\":\"a.c\"},\"name\":\"read_file\",\"type\":"
	    "\"tool_use\"}]");
	free(s);
	/* tool_result first, is_error kept, breakpoint on the last block. */
	content = json_object_get(json_array_get(json_object_get(body,
	    "messages"), 2), "content");
	s = json_dumps(content, JSON_COMPACT | JSON_SORT_KEYS);
	assert_string_equal(s, "[{\"content\":\"no such file\",\"is_error\":"
	    "true,\"tool_use_id\":\"toolu_1\",\"type\":\"tool_result\"},"
	    "{\"cache_control\":{\"type\":\"ephemeral\"},\"text\":"
	    "\"and also this\",\"type\":\"text\"}]");
	free(s);
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
	assert_string_equal(ph.url, "https://api.anthropic.com/v1/messages");
	assert_int_equal(ph.nheaders, 3);	/* no key: no x-api-key */
	assert_string_equal(ph.headers[0], "anthropic-version: 2023-06-01");
	assert_string_equal(ph.headers[1], "content-type: application/json");
	assert_non_null(strstr(ph.body, "\"stream\":true"));
	assert_int_equal(ph.len, strlen(ph.body));
	provider_http_release(&ph);

	cfg.base_url = "http://127.0.0.1:8080/";
	cfg.api_key = "sk-test";
	assert_int_equal(P->build(&cfg, &req, &ph, &cause), 0);
	assert_string_equal(ph.url, "http://127.0.0.1:8080/v1/messages");
	assert_string_equal(ph.headers[0], "x-api-key: sk-test");
	provider_http_release(&ph);

	cfg.base_url = "http://h/v1";
	assert_int_equal(P->build(&cfg, &req, &ph, &cause), 0);
	assert_string_equal(ph.url, "http://h/v1/messages");
	provider_http_release(&ph);
	conv_release(&c);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_wire_tooluse_1),
		cmocka_unit_test(test_wire_text_1),
		cmocka_unit_test(test_wire_thinking),
		cmocka_unit_test(test_wire_tooluse_2),
		cmocka_unit_test(test_wire_error_fragment),
		cmocka_unit_test(test_truncated_everywhere),
		cmocka_unit_test(test_cache_usage_and_unknown_events),
		cmocka_unit_test(test_nul_and_lone_surrogate),
		cmocka_unit_test(test_invalid_tool_json),
		cmocka_unit_test(test_protocol_errors),
		cmocka_unit_test(test_parse_error),
		cmocka_unit_test(test_body_matches_recorded),
		cmocka_unit_test(test_body_thinking_and_order),
		cmocka_unit_test(test_build_http),
	};

	return (wire_status(cmocka_run_group_tests(tests, NULL, NULL)));
}
