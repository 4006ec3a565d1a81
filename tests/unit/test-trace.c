/*
 * test-trace.c: OpenTelemetry spans (trace.c): the span tree a fixed event
 * sequence makes (parents, GenAI attributes, error status, contents off and
 * on), the protobuf bytes of a known span checked by hand against
 * trace.proto's field numbers, the OTLP JSON mapping, and the OTEL_*
 * variables (endpoints, headers, protocol, resource, disabled) and
 * TRACEPARENT.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "agentos.h"
#include "trace.h"

/* The spans a tracer ended, in order. */
static struct trace_span	sunk[32];
static size_t			nsunk;

static void
sink(void *arg, struct trace_span *sp)
{
	(void)arg;
	assert_true(nsunk < 32);
	sunk[nsunk++] = *sp;
	free(sp);
}

static void
sunk_release(void)
{
	size_t	i;

	for (i = 0; i < nsunk; i++)
		trace_span_release(&sunk[i]);
	nsunk = 0;
}

static const struct trace_attr *
attr(const struct trace_span *sp, const char *key)
{
	size_t	i;

	for (i = 0; i < sp->nattrs; i++) {
		if (strcmp(sp->attrs[i].key, key) == 0)
			return (&sp->attrs[i]);
	}
	return (NULL);
}

static const char *
sattr(const struct trace_span *sp, const char *key)
{
	const struct trace_attr	*a = attr(sp, key);

	return (a != NULL ? a->s : NULL);
}

static void
feed(struct tracer *tr, enum event_type t, const char *json, int64_t ms)
{
	json_t	*d = json_loads(json, 0, NULL);

	assert_non_null(d);
	tracer_event(tr, t, d, ms);
	json_decref(d);
}

static const char *
no_env(const char *name)
{
	(void)name;
	return (NULL);
}

static void
run_session(const struct trace_config *cfg)
{
	struct tracer	*tr;

	tr = tracer_create(cfg, "S1", 1000, sink, NULL);
	feed(tr, EV_USER, "{\"text\":\"secret prompt\"}", 1001);
	feed(tr, EV_REQUEST, "{\"provider\":\"anthropic\",\"model\":\"m1\","
	    "\"max_tokens\":100,\"body_sha256\":\"x\"}", 1002);
	feed(tr, EV_RESPONSE, "{\"message\":{},\"stop_reason\":\"tool_use\","
	    "\"usage\":{\"input_tokens\":7,\"output_tokens\":3,"
	    "\"cache_read_tokens\":2,\"cache_write_tokens\":1},"
	    "\"first_token_ms\":5,\"total_ms\":9,\"model\":\"m1-2025\","
	    "\"cost_usd\":0.25}", 1010);
	feed(tr, EV_TOOL_CALL, "{\"id\":\"t1\",\"name\":\"bash\","
	    "\"input\":{\"command\":\"false\"}}", 1011);
	feed(tr, EV_APPROVAL, "{\"id\":\"t1\",\"decision\":\"allow\","
	    "\"by\":\"policy\"}", 1012);
	feed(tr, EV_SNAPSHOT, "{\"id\":\"snap1\",\"action\":\"before\","
	    "\"tool_use_id\":\"t1\"}", 1013);
	feed(tr, EV_TOOL_RESULT, "{\"id\":\"t1\",\"content\":\"tool out\","
	    "\"is_error\":true,\"exit_status\":1}", 1020);
	feed(tr, EV_REQUEST, "{\"provider\":\"anthropic\",\"model\":\"m1\","
	    "\"max_tokens\":100,\"body_sha256\":\"x\"}", 1021);
	feed(tr, EV_ERROR, "{\"message\":\"overloaded\"}", 1030);
	feed(tr, EV_TURN_END, "{\"stop_reason\":\"error\"}", 1031);
	tracer_free(tr, 1040);
}

static void
test_span_tree(void **state)
{
	struct trace_config		 cfg;
	const struct trace_span		*chat1, *tool, *chat2, *turn, *root;
	const struct trace_attr		*a;

	(void)state;
	trace_config_env(&cfg, "http://x/v1/traces", no_env);
	run_session(&cfg);
	/* Ended in order: chat, tool, chat (failed), turn, root. */
	assert_int_equal(nsunk, 5);
	chat1 = &sunk[0];
	tool = &sunk[1];
	chat2 = &sunk[2];
	turn = &sunk[3];
	root = &sunk[4];
	assert_false(root->has_parent);
	assert_string_equal(sattr(root, "gen_ai.operation.name"),
	    "invoke_agent");
	assert_string_equal(sattr(root, "agentos.session.id"), "S1");
	assert_int_equal(root->start_ns, 1000 * 1000000ULL);
	assert_int_equal(root->end_ns, 1040 * 1000000ULL);
	assert_memory_equal(turn->parent_id, root->span_id, 8);
	assert_memory_equal(chat1->parent_id, turn->span_id, 8);
	assert_memory_equal(tool->parent_id, turn->span_id, 8);
	assert_memory_equal(chat2->parent_id, turn->span_id, 8);
	assert_memory_equal(chat1->trace_id, root->trace_id, 16);
	assert_int_equal(attr(turn, "agentos.turn")->i, 1);

	assert_string_equal(sattr(chat1, "gen_ai.operation.name"), "chat");
	assert_string_equal(sattr(chat1, "gen_ai.provider.name"), "anthropic");
	assert_string_equal(sattr(chat1, "gen_ai.request.model"), "m1");
	assert_string_equal(sattr(chat1, "gen_ai.response.model"), "m1-2025");
	assert_int_equal(attr(chat1, "gen_ai.usage.input_tokens")->i, 7);
	assert_int_equal(attr(chat1, "gen_ai.usage.output_tokens")->i, 3);
	assert_int_equal(attr(chat1, "agentos.usage.cache_read_tokens")->i,
	    2);
	assert_int_equal(attr(chat1, "agentos.usage.cache_write_tokens")->i,
	    1);
	a = attr(chat1, "gen_ai.response.finish_reasons");
	assert_int_equal(a->type, TA_STRARRAY);
	assert_string_equal(a->s, "tool_use");
	assert_true(attr(chat1, "agentos.cost_usd")->d == 0.25);
	assert_int_equal(chat1->status, 0);
	assert_int_equal(chat1->start_ns, 1002 * 1000000ULL);
	assert_int_equal(chat1->end_ns, 1010 * 1000000ULL);

	assert_string_equal(sattr(tool, "gen_ai.tool.name"), "bash");
	assert_string_equal(sattr(tool, "gen_ai.tool.call.id"), "t1");
	assert_string_equal(sattr(tool, "agentos.approval.decision"), "allow");
	assert_string_equal(sattr(tool, "agentos.snapshot.id"), "snap1");
	assert_int_equal(tool->status, 2);
	/* Contents are off by default. */
	assert_null(attr(tool, "gen_ai.tool.call.arguments"));
	assert_null(attr(tool, "gen_ai.tool.call.result"));
	assert_null(attr(turn, "agentos.prompt"));

	assert_int_equal(chat2->status, 2);
	assert_string_equal(chat2->status_msg, "overloaded");
	assert_int_equal(turn->status, 2);
	sunk_release();

	cfg.contents = 1;
	run_session(&cfg);
	assert_int_equal(nsunk, 5);
	assert_string_equal(sattr(&sunk[1], "gen_ai.tool.call.arguments"),
	    "{\"command\":\"false\"}");
	assert_string_equal(sattr(&sunk[1], "gen_ai.tool.call.result"),
	    "tool out");
	assert_string_equal(sattr(&sunk[3], "agentos.prompt"),
	    "secret prompt");
	sunk_release();
	trace_config_release(&cfg);
}

/* A span with known ids, times, one attribute and an error status. */
static void
known_span(struct trace_span *sp)
{
	int	i;

	memset(sp, 0, sizeof *sp);
	for (i = 0; i < 16; i++)
		sp->trace_id[i] = (uint8_t)(i + 1);
	for (i = 0; i < 8; i++)
		sp->span_id[i] = (uint8_t)(0xa0 + i);
	sp->name = xstrdup("s");
	sp->kind = 1;
	sp->start_ns = 1;
	sp->end_ns = 2;
	sp->status = 2;
	sp->status_msg = xstrdup("e");
	trace_span_str(sp, "k", "v");
}

static void
test_protobuf(void **state)
{
	/*
	 * By hand from trace.proto: Span trace_id (1, LEN), span_id (2,
	 * LEN), name (5, LEN), kind (6, VARINT), start (7, I64), end (8,
	 * I64), attributes (9, LEN: KeyValue key 1, value 2: AnyValue
	 * string_value 1), status (15, LEN: message 2, code 3).  The span is
	 * ScopeSpans.spans (2, LEN) of 68 bytes.
	 */
	static const uint8_t	 want[] = {
		0x12, 68,
		0x0a, 16, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15,
		16,
		0x12, 8, 0xa0, 0xa1, 0xa2, 0xa3, 0xa4, 0xa5, 0xa6, 0xa7,
		0x2a, 1, 's',
		0x30, 1,
		0x39, 1, 0, 0, 0, 0, 0, 0, 0,
		0x41, 2, 0, 0, 0, 0, 0, 0, 0,
		0x4a, 8, 0x0a, 1, 'k', 0x12, 3, 0x0a, 1, 'v',
		0x7a, 5, 0x12, 1, 'e', 0x18, 2
	};
	struct trace_config	 cfg;
	struct trace_span	 sp;
	struct buf		 b;

	(void)state;
	trace_config_env(&cfg, "http://x/v1/traces", no_env);
	known_span(&sp);
	buf_init(&b, 0);
	trace_encode_pb(&b, &cfg, &sp, 1);
	/* ExportTraceServiceRequest.resource_spans (1, LEN) first. */
	assert_int_equal((uint8_t)b.buf[0], 0x0a);
	/* The span is the last field of the request. */
	assert_true(b.len > sizeof want);
	assert_memory_equal(b.buf + b.len - sizeof want, want, sizeof want);
	/* The resource's service.name. */
	assert_non_null(memmem(b.buf, b.len, "\x0a\x0cservice.name", 14));
	buf_release(&b);
	trace_span_release(&sp);
	trace_config_release(&cfg);
}

static void
test_json(void **state)
{
	struct trace_config	 cfg;
	struct trace_span	 sp;
	struct buf		 b;
	json_t			*o, *s, *a;

	(void)state;
	trace_config_env(&cfg, "http://x/v1/traces", no_env);
	known_span(&sp);
	trace_span_int(&sp, "n", -5);
	buf_init(&b, 0);
	trace_encode_json(&b, &cfg, &sp, 1);
	o = json_loads(b.buf, 0, NULL);
	assert_non_null(o);
	s = json_array_get(json_object_get(json_array_get(json_object_get(
	    json_array_get(json_object_get(o, "resourceSpans"), 0),
	    "scopeSpans"), 0), "spans"), 0);
	assert_non_null(s);
	assert_string_equal(json_string_value(json_object_get(s, "traceId")),
	    "0102030405060708090a0b0c0d0e0f10");
	assert_string_equal(json_string_value(json_object_get(s, "spanId")),
	    "a0a1a2a3a4a5a6a7");
	assert_null(json_object_get(s, "parentSpanId"));
	assert_string_equal(json_string_value(json_object_get(s,
	    "startTimeUnixNano")), "1");
	assert_string_equal(json_string_value(json_object_get(s,
	    "endTimeUnixNano")), "2");
	a = json_object_get(s, "attributes");
	assert_string_equal(json_string_value(json_object_get(json_object_get(
	    json_array_get(a, 0), "value"), "stringValue")), "v");
	/* int64 as a string (the OTLP JSON mapping). */
	assert_string_equal(json_string_value(json_object_get(json_object_get(
	    json_array_get(a, 1), "value"), "intValue")), "-5");
	assert_int_equal(json_integer_value(json_object_get(json_object_get(s,
	    "status"), "code")), 2);
	json_decref(o);
	buf_release(&b);
	trace_span_release(&sp);
	trace_config_release(&cfg);
}

static const char *const *env_table;

static const char *
table_env(const char *name)
{
	size_t	i;

	for (i = 0; env_table[i] != NULL; i += 2) {
		if (strcmp(env_table[i], name) == 0)
			return (env_table[i + 1]);
	}
	return (NULL);
}

static void
test_env(void **state)
{
	static const char *const e1[] = {
		"OTEL_EXPORTER_OTLP_ENDPOINT", "http://c:4318/",
		"OTEL_EXPORTER_OTLP_HEADERS",
		    " x-a = 1 ,authorization=Bearer%20t%3Dk,bad,=x",
		"OTEL_EXPORTER_OTLP_PROTOCOL", "http/json",
		"OTEL_SERVICE_NAME", "svc",
		"OTEL_RESOURCE_ATTRIBUTES", "team=a%2Cb,env=ci",
		"TRACEPARENT",
		    "00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01",
		NULL
	};
	static const char *const e2[] = {
		"OTEL_EXPORTER_OTLP_ENDPOINT", "http://c:4318",
		"OTEL_EXPORTER_OTLP_TRACES_ENDPOINT", "http://t/custom",
		"OTEL_SDK_DISABLED", "TRUE",
		"TRACEPARENT", "00-00000000000000000000000000000000-"
		    "b7ad6b7169203331-01",
		NULL
	};
	struct trace_config	 cfg;
	uint8_t			 tid[16], sid[8];

	(void)state;
	env_table = e1;
	trace_config_env(&cfg, NULL, table_env);
	assert_true(cfg.enabled);
	assert_string_equal(cfg.traces_url, "http://c:4318/v1/traces");
	assert_true(cfg.json);
	assert_int_equal(cfg.nheaders, 2);
	assert_string_equal(cfg.headers[0], "x-a: 1");
	assert_string_equal(cfg.headers[1], "authorization: Bearer t=k");
	assert_string_equal(cfg.service_name, "svc");
	assert_string_equal(json_string_value(json_object_get(cfg.resource,
	    "team")), "a,b");
	assert_string_equal(json_string_value(json_object_get(cfg.resource,
	    "env")), "ci");
	assert_true(cfg.has_parent);
	assert_int_equal(cfg.parent_trace[0], 0x0a);
	assert_int_equal(cfg.parent_span[7], 0x31);
	trace_config_release(&cfg);

	env_table = e2;
	trace_config_env(&cfg, NULL, table_env);
	assert_false(cfg.enabled);
	assert_string_equal(cfg.traces_url, "http://t/custom");
	assert_false(cfg.json);
	assert_false(cfg.has_parent);		/* all-zero trace id */
	assert_string_equal(cfg.service_name, "agentos");
	trace_config_release(&cfg);

	/* A URL given overrides the variables. */
	trace_config_env(&cfg, "http://u/v1/traces", table_env);
	assert_string_equal(cfg.traces_url, "http://u/v1/traces");
	trace_config_release(&cfg);

	assert_int_equal(trace_parse_traceparent("00-0af7651916cd43dd8448eb21"
	    "1c80319c-b7ad6b7169203331-01", tid, sid), 0);
	assert_int_equal(trace_parse_traceparent("00-0af7651916cd43dd8448eb21"
	    "1c80319c-0000000000000000-01", tid, sid), -1);
	assert_int_equal(trace_parse_traceparent("00-0AF7651916CD43DD8448EB21"
	    "1C80319C-b7ad6b7169203331-01", tid, sid), -1);
	assert_int_equal(trace_parse_traceparent("00-0af7651916cd43dd8448eb21"
	    "1c80319c-b7ad6b7169203331", tid, sid), -1);
	assert_int_equal(trace_parse_traceparent("", tid, sid), -1);
	assert_int_equal(trace_parse_traceparent(NULL, tid, sid), -1);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_span_tree),
		cmocka_unit_test(test_protobuf),
		cmocka_unit_test(test_json),
		cmocka_unit_test(test_env),
	};

	return (cmocka_run_group_tests(tests, NULL, NULL));
}
