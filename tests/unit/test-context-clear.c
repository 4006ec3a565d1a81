/*
 * test-context-clear.c: the context manager's clearing (context-clear.c):
 * the model table, the estimate from reported usage plus the bytes since,
 * the threshold, which results a batch clears (oldest first, never the
 * newest N, never a pinned error, never a stub again), the stubs, the
 * replay of a compaction's cleared list, and the overflow errors of both
 * providers.
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
#include "context.h"

static const struct context_options opts = {
	.window = 0, .clear_at = 80, .keep_results = 2, .autoclear = 1
};

/* A conversation of n read_file calls, each result of size bytes. */
static void
make_conv(struct conv *c, int n, size_t size)
{
	struct message	*m;
	char		 id[32], path[32], *text;
	int		 i;

	conv_init(c);
	message_add_text(conv_add(c, ROLE_USER), "the task");
	text = xmalloc(size + 1);
	for (i = 0; i < n; i++) {
		snprintf(id, sizeof id, "toolu_%d", i);
		snprintf(path, sizeof path, "src/f%d.c", i);
		m = conv_add(c, ROLE_ASSISTANT);
		message_add_tool_use(m, id, "read_file",
		    json_pack("{s:s}", "path", path));
		json_decref(m->blocks[0].input);	/* ours */
		memset(text, 'a' + i % 26, size);
		text[size - 1] = '\n';
		text[size / 2] = '\n';
		text[size] = '\0';
		message_add_tool_result(conv_add(c, ROLE_USER), id, text, 0);
	}
	free(text);
}

/* The text of the result of tool use i. */
static const char *
result_text(struct conv *c, int i)
{
	return (c->msgs[2 + 2 * i].blocks[0].text);
}

static void
test_models(void **state)
{
	struct context_options	o = opts;

	assert_int_equal(context_window_for("claude-sonnet-4-5"), 200000);
	assert_int_equal(context_window_for("gpt-4.1-mini"), 1047576);
	assert_int_equal(context_window_for("gpt-4o"), 128000);
	assert_int_equal(context_window_for("gpt-5-codex"), 400000);
	assert_int_equal(context_window_for("llama"), 128000);
	assert_int_equal(context_window_for(NULL), 128000);
	assert_int_equal(context_window(&o, "claude-x"), 200000);
	o.window = 32000;
	assert_int_equal(context_window(&o, "claude-x"), 32000);
}

static void
test_estimate(void **state)
{
	/* Without usage: everything at 3 bytes a token. */
	assert_int_equal(context_estimate(0, 0, 3000, 6000), 3000);
	/* With usage: the ground truth plus what was added since. */
	assert_int_equal(context_estimate(10000, 6000, 3000, 9000), 11000);
	/* ... or minus what was cleared. */
	assert_int_equal(context_estimate(10000, 9000, 3000, 6000), 9000);
	assert_int_equal(context_estimate(10, 90000, 0, 0), 0);
}

static void
test_threshold(void **state)
{
	assert_false(context_over(&opts, 1000, 800));
	assert_true(context_over(&opts, 1000, 801));
	assert_false(context_over(&opts, 0, 1000000));
	assert_int_equal(context_target(&opts, 1000), 600);
}

static void
test_batch(void **state)
{
	struct conv	 c;
	json_t		*cleared = json_array();
	size_t		 freed;
	int		 i;

	make_conv(&c, 6, 3000);
	/* A need of one result's worth clears exactly the oldest. */
	freed = context_clear(&c, 2, 900, cleared);
	assert_true(freed > 2700 && freed < 3000);
	assert_int_equal(json_array_size(cleared), 1);
	assert_string_equal(json_string_value(json_object_get(
	    json_array_get(cleared, 0), "id")), "toolu_0");
	assert_string_equal(result_text(&c, 0),
	    "[cleared: read_file src/f0.c, 2 lines, recall toolu_0]");
	assert_int_equal(strlen(result_text(&c, 1)), 3000);

	/* A large need clears all but the newest 2, stubs not again. */
	freed = context_clear(&c, 2, 1000000, cleared);
	assert_int_equal(json_array_size(cleared), 4);
	for (i = 0; i < 4; i++)
		assert_true(strncmp(result_text(&c, i), CONTEXT_STUB_PREFIX,
		    strlen(CONTEXT_STUB_PREFIX)) == 0);
	assert_int_equal(strlen(result_text(&c, 4)), 3000);
	assert_int_equal(strlen(result_text(&c, 5)), 3000);
	/* Nothing left to clear. */
	assert_int_equal(context_clear(&c, 2, 1000000, NULL), 0);
	json_decref(cleared);
	conv_release(&c);
}

static void
test_pinned(void **state)
{
	struct conv	c;

	make_conv(&c, 4, 3000);
	c.msgs[2].blocks[0].is_error = 1;	/* a failing command */
	context_clear(&c, 1, 1000000, NULL);
	assert_int_equal(strlen(result_text(&c, 0)), 3000);
	assert_true(strncmp(result_text(&c, 1), CONTEXT_STUB_PREFIX,
	    strlen(CONTEXT_STUB_PREFIX)) == 0);
	assert_true(strncmp(result_text(&c, 2), CONTEXT_STUB_PREFIX,
	    strlen(CONTEXT_STUB_PREFIX)) == 0);
	assert_int_equal(strlen(result_text(&c, 3)), 3000);
	conv_release(&c);

	/* The same call succeeds later: the old error is no longer pinned. */
	make_conv(&c, 4, 3000);
	c.msgs[2].blocks[0].is_error = 1;
	json_object_set_new(c.msgs[5].blocks[0].input, "path",
	    json_string("src/f0.c"));
	context_clear(&c, 1, 1000000, NULL);
	assert_true(strncmp(result_text(&c, 0), CONTEXT_STUB_PREFIX,
	    strlen(CONTEXT_STUB_PREFIX)) == 0);
	conv_release(&c);

	/* ... but not when it failed again. */
	make_conv(&c, 4, 3000);
	c.msgs[2].blocks[0].is_error = 1;
	c.msgs[6].blocks[0].is_error = 1;
	json_object_set_new(c.msgs[5].blocks[0].input, "path",
	    json_string("src/f0.c"));
	context_clear(&c, 1, 1000000, NULL);
	assert_int_equal(strlen(result_text(&c, 0)), 3000);
	assert_int_equal(strlen(result_text(&c, 2)), 3000);
	conv_release(&c);
}

static void
test_stub(void **state)
{
	json_t	*in = json_pack("{s:s}", "command", "make\ncheck");
	char	*s;

	s = context_stub("bash", in, "one\ntwo\nthree\n", "call_1");
	assert_string_equal(s, "[cleared: bash make check, 3 lines, "
	    "recall call_1]");
	free(s);
	s = context_stub(NULL, NULL, "", NULL);
	assert_string_equal(s, "[cleared: tool, 0 lines, recall ?]");
	free(s);
	json_decref(in);
}

static void
test_replay(void **state)
{
	struct conv	 a, b;
	json_t		*cleared = json_array();
	int		 i;

	make_conv(&a, 5, 2000);
	make_conv(&b, 5, 2000);
	context_clear(&a, 2, 1000000, cleared);
	/* Junk in the log is skipped. */
	json_array_append_new(cleared, json_pack("{s:i}", "id", 3));
	json_array_append_new(cleared, json_pack("{s:s,s:s}", "id", "nope",
	    "stub", "x"));
	assert_int_equal(context_replay(&b, cleared), 3);
	for (i = 0; i < 5; i++)
		assert_string_equal(result_text(&a, i), result_text(&b, i));
	assert_int_equal(context_replay(&b, NULL), 0);
	json_decref(cleared);
	conv_release(&a);
	conv_release(&b);
}

static void
test_overflow_errors(void **state)
{
	const char	*ant = "invalid_request_error: prompt is too long: "
	    "213456 tokens > 200000 maximum (HTTP 400)";
	const char	*oai = "context_length_exceeded: This model's maximum "
	    "context length is 128000 tokens. However, your messages "
	    "resulted in 130001 tokens. (HTTP 400)";

	assert_true(context_is_overflow(ant));
	assert_true(context_is_overflow(oai));
	assert_true(context_is_overflow("exceed_context_size_error: x"));
	assert_false(context_is_overflow("overloaded_error: Overloaded"));
	assert_false(context_is_overflow(NULL));
	assert_int_equal(context_overflow_tokens(ant), 213456);
	assert_int_equal(context_overflow_limit(ant), 200000);
	assert_int_equal(context_overflow_tokens(oai), 130001);
	assert_int_equal(context_overflow_limit(oai), 128000);
	assert_int_equal(context_overflow_tokens("prompt is too long: x"), 0);
	assert_int_equal(context_overflow_limit(NULL), 0);
}

static void
test_fill(void **state)
{
	struct conv		 c;
	struct context_fill	 f;
	json_t			*tools = json_pack("[{s:s}]", "name", "x");
	char			*text;

	make_conv(&c, 3, 3000);
	context_clear(&c, 2, 1, NULL);
	context_fill("0123456789ab", tools, &c, &f);
	assert_int_equal(f.system, 4);
	assert_int_equal(f.tools, 4);		/* [{"name":"x"}] */
	assert_int_equal(f.nresults, 3);
	assert_int_equal(f.ncleared, 1);
	assert_int_equal(f.results, (6000 + strlen(result_text(&c, 0))) / 3);
	assert_true(f.messages > 0 && f.messages < 100);
	text = context_fill_text(&f, 5000, 10000, 100, 900, 0);
	assert_non_null(strstr(text, "about 5000 of 10000 tokens (50%)"));
	assert_non_null(strstr(text, "free          5000"));
	assert_non_null(strstr(text, "(3, 1 cleared)"));
	assert_non_null(strstr(text, "Cache hits: 90.0% of 1000"));
	free(text);
	text = context_fill_text(&f, 0, 0, 0, 0, 0);
	assert_non_null(strstr(text, "Cache hits: none yet"));
	free(text);
	json_decref(tools);
	conv_release(&c);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_models),
		cmocka_unit_test(test_estimate),
		cmocka_unit_test(test_threshold),
		cmocka_unit_test(test_batch),
		cmocka_unit_test(test_pinned),
		cmocka_unit_test(test_stub),
		cmocka_unit_test(test_replay),
		cmocka_unit_test(test_overflow_errors),
		cmocka_unit_test(test_fill),
	};

	return (cmocka_run_group_tests(tests, NULL, NULL));
}
