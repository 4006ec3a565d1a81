/*
 * test-context-compact.c: summaries (context-compact.c): when one is due,
 * the instruction (structured, no tools, anchored), where the kept tail
 * begins, the summary request (the conversation unchanged with the
 * instruction last; the oldest messages left out to fit, roles still
 * alternating), and the compacted conversation (the summary, the user's
 * messages within the budget, the pinned failing call, the tail; a second
 * compaction keeps the user's messages of the first).
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
	.window = 0, .clear_at = 80, .keep_results = 2, .autoclear = 1,
	.compact_at = 90, .reserve_compact = 8192, .user_budget = 20000,
};

/*
 * A conversation: the task, then n rounds of a read_file call with a result
 * of size bytes; round err fails (is_error); a user prompt after round
 * prompt_at (-1: none).
 */
static void
make_conv(struct conv *c, int n, size_t size, int err, int prompt_at)
{
	struct message	*m;
	char		 id[32], path[32], *text;
	int		 i;

	conv_init(c);
	message_add_text(conv_add(c, ROLE_USER), "TASK: the task");
	text = xmalloc(size + 1);
	for (i = 0; i < n; i++) {
		snprintf(id, sizeof id, "toolu_%d", i);
		snprintf(path, sizeof path, "src/f%d.c", i);
		m = conv_add(c, ROLE_ASSISTANT);
		message_add_tool_use(m, id, "read_file",
		    json_pack("{s:s}", "path", path));
		json_decref(m->blocks[0].input);	/* ours */
		memset(text, 'a' + i % 26, size);
		text[size] = '\0';
		message_add_tool_result(conv_add(c, ROLE_USER), id, text,
		    i == err);
		if (i == prompt_at) {
			message_add_text(conv_add(c, ROLE_ASSISTANT), "ok");
			message_add_text(conv_add(c, ROLE_USER),
			    "PROMPT-2: and then?");
		}
	}
	free(text);
}

/* Whether roles alternate and every tool result follows its use. */
static void
assert_well_formed(const struct conv *c)
{
	const struct block	*b;
	const struct message	*prev;
	size_t			 i, j, k;
	int			 found;

	assert_true(c->nr > 0);
	assert_int_equal(c->msgs[0].role, ROLE_USER);
	for (i = 1; i < c->nr; i++) {
		assert_int_not_equal(c->msgs[i].role, c->msgs[i - 1].role);
		prev = &c->msgs[i - 1];
		for (j = 0; j < c->msgs[i].nr; j++) {
			b = &c->msgs[i].blocks[j];
			if (b->type != BLOCK_TOOL_RESULT)
				continue;
			found = 0;
			for (k = 0; k < prev->nr; k++)
				found |= prev->blocks[k].type ==
				    BLOCK_TOOL_USE && strcmp(prev->blocks[k].id,
				    b->id) == 0;
			assert_true(found);
		}
	}
}

/* Whether some text block of c begins with s (or holds it, with any). */
static int
has_text(const struct conv *c, const char *s, int any)
{
	size_t	i, j;
	char	*t;

	for (i = 0; i < c->nr; i++) {
		for (j = 0; j < c->msgs[i].nr; j++) {
			t = c->msgs[i].blocks[j].text;
			if (t == NULL)
				continue;
			if (any ? strstr(t, s) != NULL :
			    strncmp(t, s, strlen(s)) == 0)
				return (1);
		}
	}
	return (0);
}

static void
test_due(void **state)
{
	/* 90% of 100000, or less than the reserve (8192) left. */
	assert_false(context_compact_due(&opts, 100000, 90000));
	assert_true(context_compact_due(&opts, 100000, 91809));
	assert_true(context_compact_due(&opts, 100000, 90001));
	assert_false(context_compact_due(&opts, 0, 90001));
	/* The reserve is at most a quarter of the window. */
	assert_int_equal(context_reserve(&opts, 20000), 5000);
	assert_int_equal(context_reserve(&opts, 200000), 8192);
	assert_true(context_compact_due(&opts, 20000, 15001));
	assert_false(context_compact_due(&opts, 20000, 15000));
	assert_int_equal(context_user_budget(&opts, 32000), 3200);
	assert_int_equal(context_user_budget(&opts, 1000000), 20000);
}

static void
test_instruction(void **state)
{
	char	*s;

	s = context_compact_instruction(NULL, 0);
	assert_non_null(strstr(s, CONTEXT_COMPACT_MARK));
	assert_non_null(strstr(s, "Do not call any tool"));
	assert_non_null(strstr(s, "## Goal"));
	assert_non_null(strstr(s, "## Next step"));
	assert_null(strstr(s, "update that summary"));
	free(s);
	s = context_compact_instruction("keep the API names", 1);
	assert_non_null(strstr(s, "update that summary"));
	assert_non_null(strstr(s, "keep the API names"));
	free(s);
}

static void
test_tail(void **state)
{
	struct conv	c;

	make_conv(&c, 5, 3000, -1, -1);
	/* 11 messages; ends with tool results: the last round is 9-10. */
	assert_int_equal(context_compact_tail(&c, 1, 100000), 9);
	assert_int_equal(context_compact_tail(&c, 3, 100000), 5);
	/* Within the budget: two rounds are 2000 tokens, three 3000. */
	assert_int_equal(context_compact_tail(&c, 3, 2500), 7);
	/* The last round always, whatever the budget. */
	assert_int_equal(context_compact_tail(&c, 3, 0), 9);
	conv_release(&c);
	/* Ending with a prompt: the tail may begin at it. */
	make_conv(&c, 2, 300, -1, 1);
	assert_int_equal(c.nr, 7);
	assert_int_equal(context_compact_tail(&c, 1, 100000), 6);
	conv_release(&c);
	/* Too short to replace anything. */
	conv_init(&c);
	message_add_text(conv_add(&c, ROLE_USER), "hi");
	assert_int_equal(context_compact_tail(&c, 1, 100000), 0);
	conv_release(&c);
}

static void
test_request(void **state)
{
	struct conv	c, r;
	size_t		i, j, left;

	make_conv(&c, 5, 3000, -1, -1);
	conv_init(&r);
	left = context_compact_request(&c, 0, "INSTR", &r);
	assert_int_equal(left, 0);
	/* The same messages, the instruction added to the last. */
	assert_int_equal(r.nr, c.nr);
	for (i = 0; i < c.nr; i++) {
		assert_int_equal(r.msgs[i].role, c.msgs[i].role);
		for (j = 0; j < c.msgs[i].nr; j++)
			assert_string_equal(r.msgs[i].blocks[j].text ?
			    r.msgs[i].blocks[j].text : "",
			    c.msgs[i].blocks[j].text ?
			    c.msgs[i].blocks[j].text : "");
	}
	assert_int_equal(r.msgs[r.nr - 1].nr, 2);
	assert_string_equal(r.msgs[r.nr - 1].blocks[1].text, "INSTR");
	assert_well_formed(&r);
	conv_release(&r);

	/* Leaving out the oldest: to a message of the model. */
	conv_init(&r);
	left = context_compact_request(&c, 3, "INSTR", &r);
	assert_int_equal(left, 4);
	assert_int_equal(r.nr, c.nr - 4);
	assert_string_equal(r.msgs[0].blocks[0].text, "TASK: the task");
	assert_well_formed(&r);
	conv_release(&r);
	/* About 2000 tokens: two messages of results. */
	assert_int_equal(context_compact_drop_for(&c, 1000), 2);
	conv_release(&c);
}

static void
test_build(void **state)
{
	struct conv	 c, out, out2;
	size_t		 kept, lost, tail;

	/* Round 1 fails: pinned; a second prompt after round 2. */
	make_conv(&c, 6, 3000, 1, 2);
	tail = context_compact_tail(&c, 1, 100000);
	conv_init(&out);
	kept = context_compact_build(&c, "SUMMARY-1", "hello.txt (snapshot "
	    "abc)", 1000, tail, &out, &lost);
	assert_int_equal(kept, 2);
	assert_int_equal(lost, 0);
	assert_well_formed(&out);
	assert_true(has_text(&out, CONTEXT_SUMMARY_PREFIX "\nSUMMARY-1", 0));
	assert_true(has_text(&out, CONTEXT_USER_PREFIX "\nTASK: the task", 0));
	assert_true(has_text(&out, "PROMPT-2", 1));
	assert_true(has_text(&out, "hello.txt (snapshot abc)", 1));
	assert_true(has_text(&out, "1 failing tool call is still open", 1));
	/* The pinned call and its result, then the last round. */
	assert_int_equal(out.nr, 5);
	assert_string_equal(out.msgs[1].blocks[0].id, "toolu_1");
	assert_true(out.msgs[2].blocks[0].is_error);
	assert_string_equal(out.msgs[3].blocks[0].id, "toolu_5");
	assert_true(context_conv_bytes(&out) < context_conv_bytes(&c));
	assert_true(context_has_summary(&out));
	assert_false(context_has_summary(&c));

	/*
	 * Anchored: the second compaction finds the user's messages in the
	 * first one's message; the summary of the first is not one of them.
	 * A budget of 0 keeps the task only.
	 */
	conv_init(&out2);
	kept = context_compact_build(&out, "SUMMARY-2", NULL, 0,
	    context_compact_tail(&out, 1, 100000), &out2, &lost);
	assert_int_equal(kept, 1);
	assert_int_equal(lost, 1);
	assert_true(has_text(&out2, CONTEXT_USER_PREFIX "\nTASK: the task",
	    0));
	assert_false(has_text(&out2, "SUMMARY-1", 1));
	assert_false(has_text(&out2, "PROMPT-2", 1));
	assert_true(has_text(&out2, "1 earlier message of the user is "
	    "summarized", 1));
	/* Still failing: still pinned. */
	assert_true(has_text(&out2, "1 failing tool call is still open", 1));
	assert_well_formed(&out2);
	conv_release(&out2);
	conv_release(&out);
	conv_release(&c);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_due),
		cmocka_unit_test(test_instruction),
		cmocka_unit_test(test_tail),
		cmocka_unit_test(test_request),
		cmocka_unit_test(test_build),
	};

	return (cmocka_run_group_tests(tests, NULL, NULL));
}
