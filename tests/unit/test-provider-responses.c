/* test-provider-responses.c: OpenAI Responses bodies and stream decoding. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "wire.h"

static const struct provider_entry *P = &provider_openai_responses;

/* The recorded tool-call turn (gpt-5.5, PROTOCOLS.md section 3). */
static void
test_wire_toolcall(void **state)
{
	char	*d = wire_decode_all(P, "openai-responses-toolcall-1.sse");

	assert_contains(d, "complete=1 stop=tool_use raw=tool_calls "
	    "id=resp_00d64fa806f333310169fab1be69d081a08f8285661855594c "
	    "model=gpt-5.5-2026-04-23\n");
	assert_contains(d, "usage in=58 out=23 cache_read=0 cache_write=0\n");
	assert_contains(d, "tool_use call_sVidsfFJ6zlzRpelrPkTPlpd multiply "
	    "{\"a\":1231,\"b\":2331}\n");
	assert_contains(d, "starts=[call_sVidsfFJ6zlzRpelrPkTPlpd multiply;]");
	assert_not_contains(d, "text [");
	assert_not_contains(d, "failed");
	free(d);
}

/* The recorded follow-up: a message item streamed as output_text. */
static void
test_wire_text(void **state)
{
	char	*d = wire_decode_all(P, "openai-responses-text-1.sse");

	assert_contains(d, "complete=1 stop=end_turn raw=completed ");
	assert_contains(d, "usage in=94 out=18 cache_read=0 cache_write=0\n");
	assert_contains(d, "text [1231 × 2331 = **2,869,461**]\n");
	assert_contains(d, "deltas stream=[1231 × 2331 = **2,869,461**]");
	assert_not_contains(d, "tool_use");
	free(d);
}

/* Decode a Responses stream given as a list of data payloads. */
static char *
synth(const char *const *payloads)
{
	struct buf	 b = BUF_INIT;
	char		*x, *y;
	size_t		 i;

	for (i = 0; payloads[i] != NULL; i++)
		buf_addf(&b, "event: x\ndata: %s\n\n", payloads[i]);
	x = wire_decode(P, b.buf, b.len, WIRE_WHOLE, 0);
	y = wire_decode(P, b.buf, b.len, WIRE_RANDOM, 7);
	if (strstr(x, "call_agentos_") == NULL)
		assert_string_equal(x, y);
	free(y);
	buf_release(&b);
	return (x);
}

#define COMPLETED(usage) "{\"type\":\"response.completed\",\"response\":" \
	"{\"id\":\"resp_1\",\"model\":\"gpt-5\",\"usage\":" usage "}}"

/* A reasoning item is kept whole, its summary streamed as thinking. */
static void
test_reasoning_cached_usage(void **state)
{
	static const char *p[] = {
		"{\"type\":\"response.created\",\"response\":{\"id\":"
		    "\"resp_1\",\"model\":\"gpt-5\"}}",
		"{\"type\":\"response.output_item.added\",\"output_index\":0,"
		    "\"item\":{\"id\":\"rs_1\",\"type\":\"reasoning\","
		    "\"summary\":[]}}",
		"{\"type\":\"response.reasoning_summary_text.delta\","
		    "\"item_id\":\"rs_1\",\"output_index\":0,\"delta\":"
		    "\"Think\"}",
		"{\"type\":\"response.reasoning_summary_text.delta\","
		    "\"item_id\":\"rs_1\",\"output_index\":0,\"delta\":"
		    "\"ing.\"}",
		"{\"type\":\"response.output_item.done\",\"output_index\":0,"
		    "\"item\":{\"id\":\"rs_1\",\"type\":\"reasoning\","
		    "\"summary\":[{\"type\":\"summary_text\",\"text\":"
		    "\"Thinking.\"}],\"encrypted_content\":\"gAAAAB\"}}",
		"{\"type\":\"response.output_item.added\",\"output_index\":1,"
		    "\"item\":{\"id\":\"msg_1\",\"type\":\"message\"}}",
		"{\"type\":\"response.output_text.delta\",\"item_id\":"
		    "\"msg_1\",\"output_index\":1,\"delta\":\"Hi\"}",
		"{\"type\":\"response.output_item.done\",\"output_index\":1,"
		    "\"item\":{\"id\":\"msg_1\",\"type\":\"message\","
		    "\"content\":[{\"type\":\"output_text\",\"text\":\"Hi\"}]}}",
		COMPLETED("{\"input_tokens\":2000,\"input_tokens_details\":"
		    "{\"cached_tokens\":1536},\"output_tokens\":50,"
		    "\"output_tokens_details\":{\"reasoning_tokens\":40}}"),
		NULL
	};
	char	*d = synth(p);

	assert_contains(d, "complete=1 stop=end_turn ");
	assert_contains(d, "usage in=464 out=50 cache_read=1536 "
	    "cache_write=0\n");
	assert_contains(d, "reasoning [Thinking.] {\"encrypted_content\":"
	    "\"gAAAAB\",\"id\":\"rs_1\",\"summary\":[{\"text\":\"Thinking.\","
	    "\"type\":\"summary_text\"}],\"type\":\"reasoning\"}\n"
	    "text [Hi]\n");
	assert_contains(d, "stream-thinking=[Thinking.]");
	free(d);
}

/* Stop reasons: incomplete, refusal, and a stream cut short. */
static void
test_incomplete_refusal_cut(void **state)
{
	static const char *inc[] = {
		"{\"type\":\"response.output_item.added\",\"output_index\":0,"
		    "\"item\":{\"id\":\"msg_1\",\"type\":\"message\"}}",
		"{\"type\":\"response.output_text.delta\",\"item_id\":"
		    "\"msg_1\",\"delta\":\"Part\"}",
		"{\"type\":\"response.output_item.done\",\"output_index\":0,"
		    "\"item\":{\"id\":\"msg_1\",\"type\":\"message\"}}",
		"{\"type\":\"response.incomplete\",\"response\":{\"id\":\"r\","
		    "\"incomplete_details\":{\"reason\":\"max_output_tokens\"},"
		    "\"usage\":{\"input_tokens\":5,\"output_tokens\":9}}}",
		NULL
	};
	static const char *filt[] = {
		"{\"type\":\"response.incomplete\",\"response\":{\"id\":\"r\","
		    "\"incomplete_details\":{\"reason\":\"content_filter\"}}}",
		NULL
	};
	static const char *refusal[] = {
		"{\"type\":\"response.output_item.added\",\"output_index\":0,"
		    "\"item\":{\"id\":\"msg_1\",\"type\":\"message\"}}",
		"{\"type\":\"response.refusal.delta\",\"item_id\":\"msg_1\","
		    "\"delta\":\"I can't.\"}",
		"{\"type\":\"response.output_item.done\",\"output_index\":0,"
		    "\"item\":{\"id\":\"msg_1\",\"type\":\"message\"}}",
		COMPLETED("{\"input_tokens\":1,\"output_tokens\":1}"),
		NULL
	};
	static const char *cut[] = {
		"{\"type\":\"response.output_item.added\",\"output_index\":0,"
		    "\"item\":{\"id\":\"fc_1\",\"type\":\"function_call\","
		    "\"call_id\":\"call_1\",\"name\":\"bash\"}}",
		"{\"type\":\"response.function_call_arguments.delta\","
		    "\"item_id\":\"fc_1\",\"delta\":\"{\\\"comm\"}",
		NULL
	};
	char	*d;

	d = synth(inc);
	assert_contains(d, "complete=1 stop=max_tokens raw=max_output_tokens");
	assert_contains(d, "usage in=5 out=9 ");
	assert_contains(d, "text [Part]\n");
	free(d);
	d = synth(filt);
	assert_contains(d, "complete=1 stop=refusal raw=content_filter");
	free(d);
	d = synth(refusal);
	assert_contains(d, "complete=1 stop=refusal raw=refusal");
	assert_contains(d, "text [I can't.]\n");
	free(d);
	d = synth(cut);
	assert_contains(d, "complete=0 stop=none");
	assert_contains(d, "starts=[call_1 bash;]");
	assert_not_contains(d, "tool_use");
	free(d);
}

/* error and response.failed end the stream with the code as the type. */
static void
test_errors(void **state)
{
	static const char *failed[] = {
		"{\"type\":\"response.created\",\"response\":{\"id\":\"r\"}}",
		"{\"type\":\"response.failed\",\"response\":{\"id\":\"r\","
		    "\"error\":{\"code\":\"rate_limit_exceeded\",\"message\":"
		    "\"Rate limit reached\"}}}",
		NULL
	};
	static const char *error[] = {
		"{\"type\":\"error\",\"code\":\"server_error\",\"message\":"
		    "\"boom\",\"param\":null}",
		NULL
	};
	char	*d, *type = NULL, *message = NULL;
	static const char body[] = "{\"error\":{\"message\":\"Your input "
	    "exceeds the context window of this model.\",\"type\":"
	    "\"invalid_request_error\",\"param\":\"input\",\"code\":"
	    "\"context_length_exceeded\"}}";

	d = synth(failed);
	assert_contains(d, "error rate_limit_exceeded: Rate limit reached\n");
	assert_contains(d, "failed: rate_limit_exceeded: Rate limit reached");
	assert_contains(d, "complete=0");
	free(d);
	d = synth(error);
	assert_contains(d, "error server_error: boom\n");
	free(d);
	assert_int_equal(P->parse_error(body, sizeof body - 1, &type,
	    &message), 0);
	assert_string_equal(type, "context_length_exceeded");
	free(type);
	free(message);
}

/* Whether every key of rec is in ours with a value of the same JSON type. */
static void
assert_same_shape(json_t *ours, json_t *rec, const char *where)
{
	const char	*k;
	json_t		*v;

	json_object_foreach(rec, k, v) {
		if (json_object_get(ours, k) == NULL ||
		    json_typeof(json_object_get(ours, k)) != json_typeof(v)) {
			if ((json_is_true(v) || json_is_false(v)) &&
			    json_is_boolean(json_object_get(ours, k)))
				continue;
			fprintf(stderr, "%s: key %s missing or of another "
			    "type\n", where, k);
			fail();
		}
	}
}

/*
 * Encode the recorded two-turn conversation and compare it with the
 * recorded requests: the same keys, items and shapes (not ids).
 */
static void
test_body_matches_requests(void **state)
{
	struct config		 cfg;
	struct model_request	 req;
	struct conv		 c;
	struct message		*m;
	struct block		*b;
	json_t			*rec, *body, *input, *ri, *oi, *tools;
	char			*data;
	size_t			 len, i;

	memset(&cfg, 0, sizeof cfg);
	memset(&req, 0, sizeof req);
	data = wire_read("openai-responses-text-1.request.json", &len);
	rec = json_loadb(data, len, 0, NULL);
	free(data);
	assert_non_null(rec);

	conv_init(&c);
	message_add_text(conv_add(&c, ROLE_USER),
	    "What is 1231 * 2331? Use the multiply tool.");
	tools = json_object_get(json_array_get(json_object_get(rec, "tools"),
	    0), "parameters");
	req.tools = json_array();
	json_array_append_new(req.tools, json_pack("{s:s,s:s,s:O}", "name",
	    "multiply", "description", "Multiply two numbers.",
	    "input_schema", tools));
	req.model = "gpt-5.5";
	req.conv = &c;

	/* Turn one: the first recorded request. */
	data = wire_read("openai-responses-toolcall-1.request.json", &len);
	ri = json_loadb(data, len, 0, NULL);
	free(data);
	body = provider_openai_responses_body(&cfg, &req);
	assert_same_shape(body, ri, "turn 1");
	assert_true(json_equal(json_object_get(body, "input"),
	    json_object_get(ri, "input")));
	assert_true(json_equal(json_object_get(body, "tools"),
	    json_object_get(ri, "tools")));
	assert_true(json_equal(json_object_get(body, "include"),
	    json_object_get(ri, "include")));
	assert_true(json_is_false(json_object_get(body, "store")));
	/* A reasoning model with the default max_tokens: no cap sent. */
	assert_null(json_object_get(body, "max_output_tokens"));
	assert_true(json_is_true(json_object_get(body, "stream")));
	json_decref(ri);
	json_decref(body);

	/* Turn two: a reasoning item, the call and its output. */
	m = conv_add(&c, ROLE_ASSISTANT);
	b = message_add_text(m, "Multiplying.");
	b->type = BLOCK_REASONING;
	b->input = json_pack("{s:s,s:s,s:[],s:s}", "id", "rs_1", "type",
	    "reasoning", "summary", "encrypted_content", "gAAAAB");
	input = json_pack("{s:i,s:i}", "a", 1231, "b", 2331);
	message_add_tool_use(m, "call_sVidsfFJ6zlzRpelrPkTPlpd", "multiply",
	    input);
	json_decref(input);
	message_add_tool_result(conv_add(&c, ROLE_USER),
	    "call_sVidsfFJ6zlzRpelrPkTPlpd", "2869461", 0);
	req.system = "Be brief.";
	body = provider_openai_responses_body(&cfg, &req);
	assert_same_shape(body, rec, "turn 2");
	assert_string_equal(json_string_value(json_object_get(body,
	    "instructions")), "Be brief.");
	input = json_object_get(body, "input");
	ri = json_object_get(rec, "input");
	/* Ours has the reasoning item before the call; the rest matches. */
	assert_int_equal(json_array_size(input), json_array_size(ri) + 1);
	assert_string_equal(conv_json_str(json_array_get(input, 1), "type"),
	    "reasoning");
	assert_string_equal(conv_json_str(json_array_get(input, 1),
	    "encrypted_content"), "gAAAAB");
	/* The item as it came, but for its id (store is false). */
	assert_null(json_object_get(json_array_get(input, 1), "id"));
	assert_non_null(json_object_get(c.msgs[1].blocks[0].input, "id"));
	for (i = 0; i < json_array_size(ri); i++) {
		oi = json_array_get(input, i == 0 ? 0 : i + 1);
		assert_same_shape(oi, json_array_get(ri, i), "input item");
		assert_int_equal(json_object_size(oi),
		    json_object_size(json_array_get(ri, i)));
	}
	assert_string_equal(conv_json_str(json_array_get(input, 2),
	    "arguments"), "{\"a\":1231,\"b\":2331}");
	assert_true(json_equal(json_array_get(input, 3), json_array_get(ri,
	    2)));
	json_decref(body);

	/* Not a reasoning model: max_tokens is the cap, no reasoning. */
	req.model = "gpt-4.1";
	body = provider_openai_responses_body(&cfg, &req);
	assert_int_equal(json_integer_value(json_object_get(body,
	    "max_output_tokens")), 8192);
	assert_null(json_object_get(body, "reasoning"));
	json_decref(body);

	/* The session log form keeps the reasoning item. */
	{
		struct message	 back;
		json_t		*j = conv_message_to_json(&c.msgs[1]);
		char		*cause = NULL;

		assert_int_equal(conv_message_from_json(j, &back, &cause), 0);
		assert_int_equal(back.blocks[0].type, BLOCK_REASONING);
		assert_string_equal(back.blocks[0].text, "Multiplying.");
		assert_true(json_equal(back.blocks[0].input,
		    c.msgs[1].blocks[0].input));
		message_release(&back);
		json_decref(j);
	}
	json_decref(req.tools);
	json_decref(rec);
	conv_release(&c);
}

/* POST {base}/responses with the key; Anthropic and Chat skip reasoning. */
static void
test_build_http(void **state)
{
	struct config		 cfg;
	struct model_request	 req;
	struct provider_http	 ph;
	struct conv		 c;
	struct block		*b;
	json_t			*body;
	char			*cause = NULL, *s;

	memset(&cfg, 0, sizeof cfg);
	memset(&req, 0, sizeof req);
	conv_init(&c);
	message_add_text(conv_add(&c, ROLE_USER), "hi");
	b = message_add_text(conv_add(&c, ROLE_ASSISTANT), "");
	b->type = BLOCK_REASONING;
	b->input = json_pack("{s:s,s:s,s:s}", "id", "rs_2", "type",
	    "reasoning", "encrypted_content", "E");
	/* Without encrypted_content it carries nothing: left out. */
	b = message_add_text(&c.msgs[1], "");
	b->type = BLOCK_REASONING;
	b->input = json_pack("{s:s,s:s}", "id", "rs_3", "type", "reasoning");
	message_add_text(&c.msgs[1], "hello");
	req.conv = &c;
	cfg.api_key = "k";
	cfg.base_url = "http://127.0.0.1:1/v1/";
	assert_int_equal(P->build(&cfg, &req, &ph, &cause), 0);
	assert_string_equal(ph.url, "http://127.0.0.1:1/v1/responses");
	assert_string_equal(ph.headers[0], "Authorization: Bearer k");
	assert_non_null(strstr(ph.body, "\"model\":\"gpt-5\""));
	assert_non_null(strstr(ph.body, "{\"type\":\"reasoning\","
	    "\"encrypted_content\":\"E\"}"));
	assert_null(strstr(ph.body, "rs_"));
	provider_http_release(&ph);
	body = provider_openai_body(&cfg, &req);
	s = json_dumps(body, JSON_COMPACT);
	assert_null(strstr(s, "reasoning"));
	free(s);
	json_decref(body);
	body = provider_anthropic_body(&cfg, &req);
	s = json_dumps(body, JSON_COMPACT);
	assert_null(strstr(s, "reasoning"));
	free(s);
	json_decref(body);
	assert_ptr_equal(provider_find("openai-responses"), P);
	conv_release(&c);
}

/* Events of the wrong shape are survived; nothing half-made is kept. */
static void
test_hostile_events(void **state)
{
	static const char *p[] = {
		"[1,2]", "\"response.completed\"", "{\"type\":7}",
		"{\"type\":\"response.output_item.added\",\"item\":5}",
		"{\"type\":\"response.output_item.added\",\"item\":{}}",
		"{\"type\":\"response.output_text.delta\",\"delta\":3}",
		"{\"type\":\"response.output_text.delta\",\"item_id\":"
		    "\"nosuch\",\"delta\":\"orphan \"}",
		"{\"type\":\"response.function_call_arguments.delta\","
		    "\"output_index\":99,\"delta\":\"{\"}",
		"{\"type\":\"response.function_call_arguments.done\","
		    "\"output_index\":0,\"arguments\":[]}",
		"{\"type\":\"response.output_item.done\",\"output_index\":"
		    "0,\"item\":{\"type\":\"function_call\",\"name\":"
		    "\"bash\",\"arguments\":\"not json\"}}",
		"{\"type\":\"response.output_item.done\",\"item\":"
		    "{\"type\":\"reasoning\",\"summary\":7}}",
		"{\"type\":\"response.reasoning_summary_text.delta\","
		    "\"delta\":\"loose thought\"}",
		"{\"type\":\"response.output_item.done\",\"item\":"
		    "{\"id\":\"rs_oss\",\"type\":\"reasoning\",\"content\":"
		    "[{\"type\":\"reasoning_text\",\"text\":\"raw\"}]}}",
		"{\"type\":\"response.completed\",\"response\":{\"usage\":"
		    "{\"input_tokens\":5,\"input_tokens_details\":"
		    "{\"cached_tokens\":50},\"output_tokens\":\"x\"},"
		    "\"output\":[3,{\"id\":\"msg_9\",\"type\":\"message\","
		    "\"content\":[{\"type\":\"output_text\",\"text\":"
		    "\"from output\"}]}]}}",
		NULL
	};
	char	*d = synth(p);

	assert_contains(d, "complete=1 stop=tool_use ");
	/* cached over input is junk: not taken */
	assert_contains(d, "usage in=5 out=0 cache_read=0 ");
	assert_contains(d, "tool_use call_agentos_");
	assert_contains(d, " bash {\"__invalid_json\":\"not json\"}\n");
	assert_contains(d, "text [from output]\n");
	assert_contains(d, "stream-thinking=[loose thought]");
	assert_contains(d, "reasoning [raw] ");
	free(d);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_wire_toolcall),
		cmocka_unit_test(test_wire_text),
		cmocka_unit_test(test_reasoning_cached_usage),
		cmocka_unit_test(test_incomplete_refusal_cut),
		cmocka_unit_test(test_errors),
		cmocka_unit_test(test_body_matches_requests),
		cmocka_unit_test(test_build_http),
		cmocka_unit_test(test_hostile_events),
	};

	return (wire_status(cmocka_run_group_tests(tests, NULL, NULL)));
}
