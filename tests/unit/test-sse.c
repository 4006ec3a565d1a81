/* test-sse.c: the SSE parser: WHATWG rules, splits, caps, wire captures. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "wire.h"

struct collect {
	struct buf	out;
	int		stop_at;	/* fail on this event (1-based) */
	int		n;
};

static int
collect_event(void *arg, const struct sse_event *ev, char **cause)
{
	struct collect	*c = arg;

	if (++c->n == c->stop_at) {
		*cause = xstrdup("stop requested");
		return (-1);
	}
	buf_addf(&c->out, "<%s|%s|", ev->event, ev->id);
	buf_add(&c->out, ev->data, ev->datalen);
	buf_adds(&c->out, ">");
	return (0);
}

static int
collect_feed(void *arg, const char *data, size_t len)
{
	return (sse_parser_feed(arg, data, len, NULL));
}

/* Parse s in the given split; return the events as text (caller frees). */
static char *
parse(const char *s, size_t len, enum wire_split split, unsigned int seed,
    int finish)
{
	struct collect		 c;
	struct sse_parser	*p;

	memset(&c, 0, sizeof c);
	buf_init(&c.out, 0);
	p = sse_parser_create(0, collect_event, &c);
	assert_int_equal(wire_feed(s, len, split, seed, collect_feed, p), 0);
	if (finish)
		assert_int_equal(sse_parser_finish(p, NULL), 0);
	sse_parser_free(p);
	return (buf_detach(&c.out, NULL));
}

/* Parse s every way; all must give expect. */
static void
check(const char *s, const char *expect)
{
	char		*got;
	unsigned int	 seed;

	got = parse(s, strlen(s), WIRE_WHOLE, 0, 1);
	assert_string_equal(got, expect);
	free(got);
	got = parse(s, strlen(s), WIRE_BYTES, 0, 1);
	assert_string_equal(got, expect);
	free(got);
	for (seed = 1; seed < 6; seed++) {
		got = parse(s, strlen(s), WIRE_RANDOM, seed, 1);
		assert_string_equal(got, expect);
		free(got);
	}
}

static void
test_basic(void **state)
{
	check("event: a\ndata: 1\n\ndata: 2\n\n",
	    "<a||1><message||2>");
}

static void
test_line_endings(void **state)
{
	check("event: a\r\ndata: 1\r\n\r\ndata: 2\r\rdata: 3\n\r\n",
	    "<a||1><message||2><message||3>");
	/* CR then LF split across chunks is one line end. */
	check("data: x\r\n\r\ndata: y\r\r", "<message||x><message||y>");
}

static void
test_fields(void **state)
{
	/* One space stripped, not two; no space is fine; bare name. */
	check("data:  two\n\n", "<message|| two>");
	check("data:none\n\n", "<message||none>");
	check("data\n\n", "<message||>");
	check("data:\n\n", "<message||>");
	/* Comments and unknown fields are ignored. */
	check(": keep-alive\n:\nretry: 10\nfoo: bar\ndata: x\n\n",
	    "<message||x>");
	/* Multi-line data joined with LF. */
	check("data: a\ndata:\ndata: b\n\n", "<message||a\n\nb>");
	/* Value may contain colons. */
	check("data: {\"a\":1}\n\n", "<message||{\"a\":1}>");
}

static void
test_no_data_no_event(void **state)
{
	/* An event without data is not dispatched, and its name is reset. */
	check("event: ping\n\ndata: x\n\n", "<message||x>");
	check("\n\n\n", "");
}

static void
test_id_persists(void **state)
{
	check("id: 7\ndata: a\n\ndata: b\n\nid\ndata: c\n\n",
	    "<message|7|a><message|7|b><message||c>");
}

static void
test_bom(void **state)
{
	check("\xef\xbb\xbf" "data: a\n\n", "<message||a>");
}

static void
test_finish(void **state)
{
	char	*got;

	/* The last event without a blank line comes on finish. */
	check("data: a\n\ndata: b\n", "<message||a><message||b>");
	check("data: a\n\ndata: b", "<message||a><message||b>");
	got = parse("data: a\n\ndata: b\n", 17, WIRE_WHOLE, 0, 0);
	assert_string_equal(got, "<message||a>");
	free(got);
}

static void
test_caps(void **state)
{
	struct collect		 c;
	struct sse_parser	*p;
	char			*cause = NULL, big[100];

	memset(&c, 0, sizeof c);
	buf_init(&c.out, 0);
	memset(big, 'x', sizeof big);

	/* A line longer than the cap, fed in pieces. */
	p = sse_parser_create(64, collect_event, &c);
	assert_int_equal(sse_parser_feed(p, "data: ", 6, NULL), 0);
	assert_int_equal(sse_parser_feed(p, big, 50, NULL), 0);
	assert_int_equal(sse_parser_feed(p, big, 50, &cause), -1);
	assert_non_null(strstr(cause, "too long"));
	free(cause);
	/* Sticky. */
	assert_int_equal(sse_parser_feed(p, "\n\n", 2, &cause), -1);
	free(cause);
	assert_int_equal(sse_parser_finish(p, &cause), -1);
	free(cause);
	sse_parser_free(p);

	/* An event whose data lines together pass the cap. */
	p = sse_parser_create(64, collect_event, &c);
	assert_int_equal(sse_parser_feed(p, "data: 0123456789012345678901234"
	    "\n", 32, NULL), 0);
	assert_int_equal(sse_parser_feed(p, "data: 0123456789012345678901234"
	    "\n", 32, NULL), 0);
	assert_int_equal(sse_parser_feed(p, "data: 0123456789012345678901234"
	    "\n", 32, &cause), -1);
	assert_non_null(strstr(cause, "too large"));
	free(cause);
	sse_parser_free(p);
	assert_string_equal(c.out.buf, "");
	buf_release(&c.out);
}

static void
test_callback_stops(void **state)
{
	struct collect		 c;
	struct sse_parser	*p;
	char			*cause = NULL;
	const char		*s = "data: 1\n\ndata: 2\n\ndata: 3\n\n";

	memset(&c, 0, sizeof c);
	buf_init(&c.out, 0);
	c.stop_at = 2;
	p = sse_parser_create(0, collect_event, &c);
	assert_int_equal(sse_parser_feed(p, s, strlen(s), &cause), -1);
	assert_string_equal(cause, "stop requested");
	free(cause);
	assert_string_equal(c.out.buf, "<message||1>");
	assert_int_equal(sse_parser_count(p), 2);
	sse_parser_free(p);
	buf_release(&c.out);
}

static void
test_nul_in_data(void **state)
{
	struct collect		 c;
	struct sse_parser	*p;

	memset(&c, 0, sizeof c);
	buf_init(&c.out, 0);
	p = sse_parser_create(0, collect_event, &c);
	assert_int_equal(sse_parser_feed(p, "data: a\0b\n\n", 11, NULL), 0);
	assert_int_equal(c.out.len, 14);
	assert_memory_equal(c.out.buf, "<message||a\0b>", 14);
	sse_parser_free(p);
	buf_release(&c.out);
}

/* Replace every LF in s by eol. */
static char *
with_eol(const char *s, size_t len, const char *eol)
{
	struct buf	b = BUF_INIT;
	size_t		i;

	for (i = 0; i < len; i++) {
		if (s[i] == '\n')
			buf_adds(&b, eol);
		else
			buf_addch(&b, s[i]);
	}
	return (buf_detach(&b, NULL));
}

static void
test_wire_files(void **state)
{
	static const char *files[] = {
		"anthropic-text-1.sse", "anthropic-tooluse-1.sse",
		"anthropic-tooluse-2.sse", "anthropic-thinking-tooluse-1.sse",
		"anthropic-error-fragment-1.sse", "openai-chat-text-1.sse",
		"openai-chat-toolcalls-1.sse", "openai-chat-toolcall-2.sse",
		"openai-responses-text-1.sse",
		"openai-responses-toolcall-1.sse", NULL
	};
	size_t		 i, len;
	char		*data, *whole, *got, *crlf, *cr;
	unsigned int	 seed;

	for (i = 0; files[i] != NULL; i++) {
		data = wire_read(files[i], &len);
		whole = parse(data, len, WIRE_WHOLE, 0, 1);
		assert_true(strlen(whole) > 20);
		got = parse(data, len, WIRE_BYTES, 0, 1);
		assert_string_equal(got, whole);
		free(got);
		for (seed = 1; seed <= 8; seed++) {
			got = parse(data, len, WIRE_RANDOM, seed, 1);
			assert_string_equal(got, whole);
			free(got);
		}
		crlf = with_eol(data, len, "\r\n");
		got = parse(crlf, strlen(crlf), WIRE_RANDOM, 3, 1);
		assert_string_equal(got, whole);
		free(got);
		cr = with_eol(data, len, "\r");
		got = parse(cr, strlen(cr), WIRE_BYTES, 0, 1);
		assert_string_equal(got, whole);
		free(got);
		free(crlf);
		free(cr);
		free(whole);
		free(data);
	}
}

static void
test_wire_counts(void **state)
{
	char	*data, *got;
	size_t	 len;

	/* anthropic-tooluse-2.sse ends without a blank line. */
	data = wire_read("anthropic-tooluse-2.sse", &len);
	got = parse(data, len, WIRE_WHOLE, 0, 0);
	assert_null(strstr(got, "<message_stop|"));
	free(got);
	got = parse(data, len, WIRE_WHOLE, 0, 1);
	assert_non_null(strstr(got, "<message_stop||{\"type\":"
	    "\"message_stop\"}>"));
	free(got);
	free(data);

	data = wire_read("openai-chat-toolcall-2.sse", &len);
	got = parse(data, len, WIRE_WHOLE, 0, 1);
	assert_non_null(strstr(got, "<message||[DONE]>"));
	free(got);
	free(data);
}

/* retry: digits only set the reconnection time; the last id persists. */
static void
test_retry_last_id(void **state)
{
	struct collect		 c;
	struct sse_parser	*p;
	const char		*s;

	memset(&c, 0, sizeof c);
	buf_init(&c.out, 0);
	p = sse_parser_create(0, collect_event, &c);
	assert_int_equal(sse_parser_retry(p), -1);
	assert_string_equal(sse_parser_last_id(p), "");
	s = "retry: 1x0\nretry:\nid: e1\n\n";
	assert_int_equal(sse_parser_feed(p, s, strlen(s), NULL), 0);
	assert_int_equal(sse_parser_retry(p), -1);
	/* An id without data is not dispatched but is kept. */
	assert_string_equal(sse_parser_last_id(p), "e1");
	assert_int_equal(c.n, 0);
	s = "retry: 250\nid: e2\ndata:\n\nretry: -5\n";
	assert_int_equal(sse_parser_feed(p, s, strlen(s), NULL), 0);
	assert_int_equal(sse_parser_retry(p), 250);
	assert_string_equal(sse_parser_last_id(p), "e2");
	assert_int_equal(c.n, 1);
	sse_parser_free(p);
	buf_release(&c.out);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_basic),
		cmocka_unit_test(test_line_endings),
		cmocka_unit_test(test_fields),
		cmocka_unit_test(test_no_data_no_event),
		cmocka_unit_test(test_retry_last_id),
		cmocka_unit_test(test_id_persists),
		cmocka_unit_test(test_bom),
		cmocka_unit_test(test_finish),
		cmocka_unit_test(test_caps),
		cmocka_unit_test(test_callback_stops),
		cmocka_unit_test(test_nul_in_data),
		cmocka_unit_test(test_wire_files),
		cmocka_unit_test(test_wire_counts),
	};

	return (wire_status(cmocka_run_group_tests(tests, NULL, NULL)));
}
