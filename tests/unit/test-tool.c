/* test-tool.c: tool calls, result capping, UTF-8, definitions, input. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <inttypes.h>
#include <cmocka.h>

#include "agentos.h"
#include "test-tools.h"

static int	done_calls;

/* Count done callbacks. */
static void
count_done(struct tool_call *tc, void *arg)
{
	done_calls++;
}

/* Is s (len bytes) valid UTF-8 without NULs?  Checked by sanitizing. */
static int
valid_utf8(const char *s, size_t len)
{
	struct buf	b = BUF_INIT;
	int		ok;

	tool_utf8_sanitize(&b, s, len);
	ok = b.len == len && memcmp(b.buf, s, len) == 0;
	buf_release(&b);
	return (ok);
}

/* Parse "[... B bytes (L lines) omitted" from s. */
static void
parse_marker(const char *s, uint64_t *bytes, uint64_t *lines)
{
	const char	*m = strstr(s, "[... ");

	assert_non_null(m);
	assert_int_equal(sscanf(m, "[... %" SCNu64 " bytes (%" SCNu64
	    " lines) omitted", bytes, lines), 2);
}

static void
test_cap_small_unchanged(void **state)
{
	struct tool_cap	cap;
	struct buf	out = BUF_INIT;
	uint64_t	omitted = 99;

	tool_cap_init(&cap, 1024);
	tool_cap_add(&cap, "hello\n", 6);
	tool_cap_add(&cap, "world\n", 6);
	tool_cap_finish(&cap, &out, &omitted);
	assert_string_equal(out.buf, "hello\nworld\n");
	assert_int_equal(omitted, 0);
	tool_cap_release(&cap);
	buf_release(&out);
}

/* Feed n numbered lines in pieces of step bytes; check exact counts. */
static void
cap_lines(size_t n, size_t step, size_t max)
{
	struct tool_cap	 cap;
	struct buf	 in = BUF_INIT, out = BUF_INIT;
	uint64_t	 omitted, bytes, lines, in_lines, out_lines;
	const char	*m, *tail;
	size_t		 i, headlen, taillen;

	for (i = 1; i <= n; i++)
		buf_addf(&in, "line %zu of the output\n", i);
	tool_cap_init(&cap, max);
	for (i = 0; i < in.len; i += step)
		tool_cap_add(&cap, in.buf + i, in.len - i < step ?
		    in.len - i : step);
	tool_cap_finish(&cap, &out, &omitted);
	assert_true(out.len <= max);
	parse_marker(out.buf, &bytes, &lines);
	assert_int_equal(bytes, omitted);
	m = strstr(out.buf, "[... ");
	headlen = m - out.buf;
	tail = strchr(m, '\n') + 1;
	taillen = out.len - (tail - out.buf);
	/* Head and tail are exactly the start and end of the input. */
	assert_memory_equal(out.buf, in.buf, headlen);
	assert_memory_equal(tail, in.buf + in.len - taillen, taillen);
	/* Cuts fall on line ends, so the numbers add up exactly. */
	assert_int_equal(headlen + bytes + taillen, in.len);
	in_lines = n;
	out_lines = 0;
	for (i = 0; i < headlen; i++)
		out_lines += out.buf[i] == '\n';
	for (i = 0; i < taillen; i++)
		out_lines += tail[i] == '\n';
	assert_int_equal(out_lines + lines, in_lines);
	assert_non_null(strstr(out.buf, "omitted; output capped at"));
	/* The marker also says how much there was in all. */
	{
		char	want[64];

		snprintf(want, sizeof want, "; %zu bytes (%zu lines) in all",
		    in.len, (size_t)in_lines);
		assert_non_null(strstr(out.buf, want));
	}
	tool_cap_release(&cap);
	buf_release(&in);
	buf_release(&out);
}

static void
test_cap_head_tail_exact(void **state)
{
	cap_lines(100000, 4096, TOOL_OUTPUT_MAX);
	cap_lines(100000, 1, 2048);
	cap_lines(5000, 100000000, TOOL_OUTPUT_MAX);
	cap_lines(3000, 7, TOOL_OUTPUT_MAX);
}

static void
test_cap_no_newlines(void **state)
{
	struct tool_cap	 cap;
	struct buf	 out = BUF_INIT;
	char		 chunk[1000];
	uint64_t	 omitted, bytes, lines;
	size_t		 i;

	memset(chunk, 'x', sizeof chunk);
	tool_cap_init(&cap, 4096);
	for (i = 0; i < 1000; i++)
		tool_cap_add(&cap, chunk, sizeof chunk);
	tool_cap_finish(&cap, &out, &omitted);
	assert_true(out.len <= 4096);
	parse_marker(out.buf, &bytes, &lines);
	assert_int_equal(lines, 0);
	/* Head, marker line, tail: the x's plus the marker's newlines. */
	assert_int_equal(out.len - (strchr(strstr(out.buf, "[... "), '\n') -
	    strstr(out.buf, "[... ") + 2) + bytes, 1000000);
	tool_cap_release(&cap);
	buf_release(&out);
}

static void
test_result_capped(void **state)
{
	struct tool_call	*tc = tool_call_create("id", "read_file", NULL,
				    NULL);
	struct buf		 big = BUF_INIT;
	uint64_t		 bytes, lines;
	size_t			 i;

	for (i = 0; i < 10000; i++)
		buf_addf(&big, "%zu\n", i);
	tool_result_set(tc, big.buf, big.len, 0);
	assert_true(tc->result.len <= TOOL_OUTPUT_MAX);
	assert_true(strncmp(tc->result.buf, "0\n1\n2\n", 6) == 0);
	assert_non_null(strstr(tc->result.buf, "9999\n"));
	parse_marker(tc->result.buf, &bytes, &lines);
	assert_true(bytes > 0 && lines > 0);
	assert_non_null(strstr(tc->result.buf, "output capped at 30720 bytes"));
	assert_true(tc->result.truncated);

	tool_result_set(tc, "short", 5, 1);
	assert_string_equal(tc->result.buf, "short");
	assert_false(tc->result.truncated);
	assert_int_equal(tc->is_error, 1);
	buf_release(&big);
	tool_call_free(tc);
}

static void
test_utf8(void **state)
{
	struct buf	b = BUF_INIT;
	struct tool_call *tc = tool_call_create("id", "x", NULL, NULL);
	static const char in[] = "ok \xc3\xa9 bad \xff\xfe over \xc0\xaf "
	    "sur \xed\xa0\x80 cut \xe2\x82";

	tool_utf8_sanitize(&b, in, sizeof in - 1);
	assert_true(valid_utf8(b.buf, b.len));
	assert_non_null(strstr(b.buf, "ok \xc3\xa9 bad \xef\xbf\xbd"
	    "\xef\xbf\xbd over"));
	buf_release(&b);

	/* NUL bytes become U+FFFD too (results are C strings). */
	tool_result_set(tc, "a\0b", 3, 0);
	assert_string_equal(tc->result.buf, "a\xef\xbf\xbd" "b");
	/* The cap never splits a character. */
	buf_init(&b, 0);
	while (b.len < 3 * TOOL_OUTPUT_MAX)
		buf_adds(&b, "\xe2\x82\xac");	/* no newlines at all */
	tool_result_set(tc, b.buf, b.len, 0);
	assert_true(valid_utf8(tc->result.buf, tc->result.len));
	assert_true(tc->result.len <= TOOL_OUTPUT_MAX);
	buf_release(&b);
	tool_call_free(tc);
}

static void
test_definitions(void **state)
{
	json_t	*defs, *d;
	char	*s;
	size_t	 i;
	int	 saw_bash = 0;

	defs = tool_definitions(PERM_ASK);
	/* Other subsystems add tools after these six. */
	assert_true(json_array_size(defs) >= 6);
	while (json_array_size(defs) > 6)
		json_array_remove(defs, 6);
	s = json_dumps(defs, JSON_COMPACT);
	/* The set stays small: it is sent with every request. */
	if (strlen(s) >= 4096)
		fail_msg("tool definitions are %zu bytes", strlen(s));
	print_message("tool definitions: %zu bytes\n", strlen(s));
	free(s);
	json_array_foreach(defs, i, d) {
		assert_non_null(json_string_value(json_object_get(d, "name")));
		assert_non_null(json_string_value(json_object_get(d,
		    "description")));
		assert_true(json_is_object(json_object_get(d,
		    "input_schema")));
		if (strcmp(json_string_value(json_object_get(d, "name")),
		    "bash") == 0)
			saw_bash = 1;
	}
	assert_true(saw_bash);
	json_decref(defs);

	defs = tool_definitions(PERM_PLAN);
	assert_true(json_array_size(defs) >= 3);
	json_array_foreach(defs, i, d) {
		const struct tool_entry *te = tool_find(json_string_value(
		    json_object_get(d, "name")));
		assert_non_null(te);
		assert_true(te->flags & TOOL_READONLY);
	}
	json_decref(defs);
}

static void
test_unknown_tool(void **state)
{
	struct tool_call	*tc = tool_call_create("id", "frobnicate", NULL,
				    NULL);

	tc->done = count_done;
	done_calls = 0;
	tool_call_start(tc);
	assert_int_equal(done_calls, 1);
	assert_true(tc->is_error);
	assert_result_has(tc, "unknown tool \"frobnicate\"");
	assert_result_has(tc, "read_file, edit_file, write_file, glob, grep, "
	    "bash");
	tool_call_free(tc);
}

/* Start read_file with input (JSON text); expect an error with what. */
static void
bad_input(const char *input, const char *what)
{
	struct tool_ctx		 ctx = { .root = "/nonexistent" };
	json_t			*j = json_loads(input, 0, NULL);
	struct tool_call	*tc;

	assert_non_null(j);
	tc = tool_call_create("id", "read_file", j, &ctx);
	json_decref(j);
	tc->done = count_done;
	done_calls = 0;
	tool_call_start(tc);
	assert_int_equal(done_calls, 1);
	assert_int_equal(tc->pending, 0);
	assert_true(tc->is_error);
	assert_result_has(tc, what);
	tool_call_free(tc);
}

static void
test_invalid_input(void **state)
{
	bad_input("{}", "invalid input for read_file: missing required field "
	    "\"path\"");
	bad_input("{\"path\": 3}", "field \"path\" must be a string, got "
	    "integer");
	bad_input("{\"path\": \"x\", \"offset\": \"10\"}", "field \"offset\" "
	    "must be an integer, got string");
	bad_input("[1, 2]", "expected a JSON object, got array");
	bad_input("{\"path\": null}", "got null");
}

static void
test_summary_and_paths(void **state)
{
	json_t			*j = json_pack("{s:s}", "command",
				    "make check\nand more");
	struct tool_call	*tc = tool_call_create("id", "bash", j, NULL);
	char			*s;

	json_decref(j);
	s = tool_call_summary(tc);
	assert_string_equal(s, "bash make check and more");
	free(s);
	tool_call_add_path(tc, "a.c");
	tool_call_add_path(tc, "b.c");
	tool_call_add_path(tc, "a.c");
	assert_int_equal(tc->npaths, 2);
	tool_call_free(tc);
}

static void
test_cancel_not_started(void **state)
{
	struct tool_call	*tc = tool_call_create("id", "bash", NULL,
				    NULL);

	tc->done = count_done;
	done_calls = 0;
	tool_call_cancel(tc);
	assert_int_equal(done_calls, 0);
	assert_true(tc->cancelled);
	assert_result_has(tc, "before it ran");
	tool_call_free(tc);
}

/* A call the agent decides not to run is finished by it: done runs. */
static void
test_finish_not_started(void **state)
{
	struct tool_call	*tc = tool_call_create("id", "bash", NULL,
				    NULL);

	tc->done = count_done;
	done_calls = 0;
	tool_result_setf(tc, 1, "Not run: %s", "denied");
	tool_call_finish(tc);
	assert_int_equal(done_calls, 1);
	assert_int_equal(tc->pending, 0);
	assert_int_equal(tc->duration_ms, 0);
	tool_call_free(tc);
}

/* Terminal output as a terminal shows it: no escapes, CR overwrites. */
static void
test_term_plain(void **state)
{
	static const struct {
		const char	*in, *out;
	} t[] = {
		{ "\033[31mred\033[0m plain\n", "red plain\n" },
		{ "10%\r50%\r100%\n", "100%\n" },
		{ "abcdef\rXY\n", "XYcdef\n" },
		{ "a\r\nb\r\n", "a\nb\n" },
		{ "\033]0;title\007text", "text" },
		{ "\033[1;32m\xc3\xa9t\xc3\xa9\033[K\r\xc3\xa0\n",
		  "\xc3\xa0t\xc3\xa9\n" },
		{ "ab\bc", "ac" },
		{ "cut \033[", "cut " },
	};
	struct buf	b;
	size_t		i;

	(void)state;
	for (i = 0; i < sizeof t / sizeof *t; i++) {
		buf_init(&b, 0);
		tool_term_plain(&b, t[i].in, strlen(t[i].in));
		buf_addch(&b, '\0');
		assert_string_equal(b.buf, t[i].out);
		buf_release(&b);
	}
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_cap_small_unchanged),
		cmocka_unit_test(test_term_plain),
		cmocka_unit_test(test_cap_head_tail_exact),
		cmocka_unit_test(test_cap_no_newlines),
		cmocka_unit_test(test_result_capped),
		cmocka_unit_test(test_utf8),
		cmocka_unit_test(test_definitions),
		cmocka_unit_test(test_unknown_tool),
		cmocka_unit_test(test_invalid_input),
		cmocka_unit_test(test_summary_and_paths),
		cmocka_unit_test(test_cancel_not_started),
		cmocka_unit_test(test_finish_not_started),
	};

	loop_init();
	return (cmocka_run_group_tests(tests, NULL, NULL));
}
