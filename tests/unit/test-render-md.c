/* test-render-md.c: markdown, plain text and diffs into styled lines. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <locale.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "agentos.h"
#include "ui.h"

/* Render md at width and return the lines joined by '\n'. */
static char *
md(const char *text, int width, struct slines *sl)
{
	struct buf	b = BUF_INIT;
	size_t		i;

	slines_init(sl);
	render_md(sl, text, strlen(text), width, EL_ASSISTANT);
	for (i = 0; i < sl->nr; i++) {
		if (i > 0)
			buf_addch(&b, '\n');
		buf_add(&b, sl->v[i].text.buf, sl->v[i].text.len);
	}
	return (buf_detach(&b, NULL));
}

/* The element and attributes at byte off of line l. */
static void
style_at(const struct sline *l, size_t off, int *elem, int *attr)
{
	size_t	i;

	*elem = -1;
	*attr = -1;
	for (i = 0; i < l->nspans; i++) {
		if (off >= l->spans[i].off &&
		    off < l->spans[i].off + l->spans[i].len) {
			*elem = l->spans[i].elem;
			*attr = l->spans[i].attr;
			return;
		}
	}
}

/* Every line fits, spans cover the text in order, widths are right. */
static void
check_lines(const struct slines *sl, int width)
{
	size_t	i, j, off;

	for (i = 0; i < sl->nr; i++) {
		const struct sline *l = &sl->v[i];

		assert_true(l->width <= width);
		assert_int_equal(l->width,
		    utf8_strwidth(l->text.buf, l->text.len));
		off = 0;
		for (j = 0; j < l->nspans; j++) {
			assert_int_equal(l->spans[j].off, off);
			off += l->spans[j].len;
		}
		assert_int_equal(off, l->text.len);
	}
}

static void
test_heading_and_emphasis(void **state)
{
	struct slines	 sl;
	char		*s;
	int		 e, a;

	s = md("# Title\n\nSome *emph* and **bold** and `code`.\n", 80, &sl);
	assert_string_equal(s, "Title\n\nSome emph and bold and code.");
	check_lines(&sl, 80);
	style_at(&sl.v[0], 0, &e, &a);
	assert_int_equal(e, EL_HEADING);
	assert_true(a & SA_BOLD);
	style_at(&sl.v[2], 5, &e, &a);
	assert_int_equal(e, EL_ASSISTANT);
	assert_true(a & SA_ITALIC);
	style_at(&sl.v[2], 14, &e, &a);
	assert_true(a & SA_BOLD);
	style_at(&sl.v[2], 23, &e, &a);
	assert_int_equal(e, EL_CODE);
	style_at(&sl.v[2], 0, &e, &a);
	assert_int_equal(a, 0);
	free(s);
	slines_release(&sl);
}

static void
test_lists(void **state)
{
	struct slines	 sl;
	char		*s;

	s = md("- one\n- two\n  - nested\n\n1. first\n2. second\n", 80, &sl);
	assert_string_equal(s,
	    "\xe2\x80\xa2 one\n"
	    "\xe2\x80\xa2 two\n"
	    "  \xe2\x97\xa6 nested\n"
	    "\n"
	    "1. first\n"
	    "2. second");
	check_lines(&sl, 80);
	free(s);
	slines_release(&sl);
}

static void
test_code_block_kept_verbatim(void **state)
{
	struct slines	 sl;
	char		*s;
	int		 e, a;

	s = md("Text:\n\n```c\nint\tx;\n\nif (a)  b;\n```\nafter\n", 80, &sl);
	assert_string_equal(s,
	    "Text:\n\n  int     x;\n  \n  if (a)  b;\n\nafter");
	style_at(&sl.v[2], 2, &e, &a);
	assert_int_equal(e, EL_CODE);
	check_lines(&sl, 80);
	free(s);
	slines_release(&sl);
}

static void
test_wrap_words(void **state)
{
	struct slines	 sl;
	char		*s;
	size_t		 i;

	s = md("the quick brown fox jumps over the lazy dog again", 20, &sl);
	assert_string_equal(s,
	    "the quick brown fox\njumps over the lazy\ndog again");
	check_lines(&sl, 20);
	free(s);
	slines_release(&sl);

	/* A word longer than the line is cut, nothing is lost. */
	s = md("abcdefghijklmnopqrstuvwxyz", 10, &sl);
	assert_string_equal(s, "abcdefghij\nklmnopqrst\nuvwxyz");
	free(s);
	slines_release(&sl);

	/* Wrapped list items keep their indent. */
	s = md("- alpha beta gamma delta", 12, &sl);
	assert_string_equal(s, "\xe2\x80\xa2 alpha beta\n  gamma\n"
	    "  delta");
	for (i = 0; i < sl.nr; i++)
		assert_true(sl.v[i].width <= 12);
	free(s);
	slines_release(&sl);
}

static void
test_wide_chars(void **state)
{
	struct slines	 sl;
	char		*s;
	size_t		 i;

	/* Eight wide characters (16 columns) at width 7: 3 per line. */
	s = md("\xe6\x97\xa5\xe6\x9c\xac\xe8\xaa\x9e\xe3\x81\xae"
	    "\xe3\x83\x86\xe3\x82\xad\xe3\x82\xb9\xe3\x83\x88", 7, &sl);
	assert_int_equal(sl.nr, 3);
	for (i = 0; i < sl.nr; i++)
		assert_true(sl.v[i].width <= 7);
	assert_int_equal(sl.v[0].width, 6);
	assert_int_equal(sl.v[2].width, 4);
	check_lines(&sl, 7);
	free(s);
	slines_release(&sl);

	/* A combining mark stays with its letter and takes no column. */
	s = md("e\xcc\x81t\xc3\xa9", 80, &sl);
	assert_string_equal(s, "e\xcc\x81t\xc3\xa9");
	assert_int_equal(sl.v[0].width, 3);
	free(s);
	slines_release(&sl);
}

static void
test_table(void **state)
{
	struct slines	 sl;
	char		*s;

	s = md("| a | bb |\n|---|---:|\n| xyz | 1 |\n", 80, &sl);
	assert_string_equal(s,
	    "a   \xe2\x94\x82 bb\n"
	    "\xe2\x94\x80\xe2\x94\x80\xe2\x94\x80\xe2\x94\x80\xe2\x94\xbc"
	    "\xe2\x94\x80\xe2\x94\x80\xe2\x94\x80\n"
	    "xyz \xe2\x94\x82  1");
	check_lines(&sl, 80);
	free(s);
	slines_release(&sl);

	/* Too wide: cells are cut with an ellipsis to fit. */
	s = md("| aaaaaaaaaaaaaaaaaaaa | bbbbbbbbbbbbbbbbbbbb |\n|---|---|\n"
	    "| 1 | 2 |\n", 20, &sl);
	check_lines(&sl, 20);
	assert_non_null(strstr(s, "\xe2\x80\xa6"));
	free(s);
	slines_release(&sl);
}

/* A block quote after a paragraph: one blank line, then the bar and the
   text; not a bar on an empty line first (issue 10). */
static void
test_quote_after_para(void **state)
{
	struct slines	 sl;
	char		*s;

	s = md("before\n\n> quoted\n> more\n\nafter\n", 40, &sl);
	assert_string_equal(s, "before\n\n\xe2\x94\x82 quoted more\n\n"
	    "after");
	check_lines(&sl, 40);
	free(s);
	slines_release(&sl);
	s = md("- item\n\n  > in a list\n", 40, &sl);
	assert_null(strstr(s, "\xe2\x94\x82\n"));
	free(s);
	slines_release(&sl);
}

static void
test_quote_link_rule(void **state)
{
	struct slines	 sl;
	char		*s;

	s = md("> quoted\n\n---\n\nsee [docs](http://x.test/a)\n", 40, &sl);
	assert_string_equal(s, "\xe2\x94\x82 quoted\n\n"
	    "\xe2\x94\x80\xe2\x94\x80\xe2\x94\x80\xe2\x94\x80\xe2\x94\x80"
	    "\xe2\x94\x80\xe2\x94\x80\xe2\x94\x80\xe2\x94\x80\xe2\x94\x80"
	    "\xe2\x94\x80\xe2\x94\x80\xe2\x94\x80\xe2\x94\x80\xe2\x94\x80"
	    "\xe2\x94\x80\xe2\x94\x80\xe2\x94\x80\xe2\x94\x80\xe2\x94\x80"
	    "\xe2\x94\x80\xe2\x94\x80\xe2\x94\x80\xe2\x94\x80\xe2\x94\x80"
	    "\xe2\x94\x80\xe2\x94\x80\xe2\x94\x80\xe2\x94\x80\xe2\x94\x80"
	    "\xe2\x94\x80\xe2\x94\x80\xe2\x94\x80\xe2\x94\x80\xe2\x94\x80"
	    "\xe2\x94\x80\xe2\x94\x80\xe2\x94\x80\xe2\x94\x80\xe2\x94\x80"
	    "\n\nsee docs (http://x.test/a)");
	check_lines(&sl, 40);
	free(s);
	slines_release(&sl);
}

static void
test_incomplete_and_garbage(void **state)
{
	struct slines	 sl;
	char		*s;
	char		 junk[512];
	size_t		 i;

	/* A reply cut mid-stream: an open fence renders as code. */
	s = md("Here:\n```\nint a;\nint b", 80, &sl);
	assert_string_equal(s, "Here:\n\n  int a;\n  int b");
	free(s);
	slines_release(&sl);

	/* Control bytes and invalid UTF-8 never break the invariants. */
	for (i = 0; i < sizeof junk; i++)
		junk[i] = (char)(i * 37 + 11);
	junk[sizeof junk - 1] = '\0';
	s = md(junk, 17, &sl);
	check_lines(&sl, 17);
	free(s);
	slines_release(&sl);
}

static void
test_plain_and_diff(void **state)
{
	struct slines	sl;
	int		e, a;
	const char	*d =
	    "--- a/x.c\n+++ b/x.c\n@@ -9,3 +9,3 @@\n ctx\n-old\n+new\n ctx\n";

	slines_init(&sl);
	render_plain(&sl, "hello world\nsecond", 18, 8, EL_USER, 0, "> ",
	    EL_PROMPT);
	assert_int_equal(sl.nr, 3);
	assert_string_equal(sl.v[0].text.buf, "> hello");
	assert_string_equal(sl.v[1].text.buf, "  world");
	assert_string_equal(sl.v[2].text.buf, "  second");
	slines_release(&sl);

	render_diff(&sl, d, strlen(d), 40);
	assert_int_equal(sl.nr, 7);
	assert_string_equal(sl.v[3].text.buf, "  9   9   ctx");
	assert_string_equal(sl.v[4].text.buf, " 10      -old");
	assert_string_equal(sl.v[5].text.buf, "     10  +new");
	style_at(&sl.v[4], 10, &e, &a);
	assert_int_equal(e, EL_DIFF_DEL);
	style_at(&sl.v[5], 10, &e, &a);
	assert_int_equal(e, EL_DIFF_ADD);
	style_at(&sl.v[2], 10, &e, &a);
	assert_int_equal(e, EL_DIFF_HUNK);
	check_lines(&sl, 40);
	slines_release(&sl);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_heading_and_emphasis),
		cmocka_unit_test(test_lists),
		cmocka_unit_test(test_code_block_kept_verbatim),
		cmocka_unit_test(test_wrap_words),
		cmocka_unit_test(test_wide_chars),
		cmocka_unit_test(test_table),
		cmocka_unit_test(test_quote_link_rule),
		cmocka_unit_test(test_quote_after_para),
		cmocka_unit_test(test_incomplete_and_garbage),
		cmocka_unit_test(test_plain_and_diff),
	};

	if (setlocale(LC_CTYPE, "C.UTF-8") == NULL)
		return (77);
	return (cmocka_run_group_tests(tests, NULL, NULL));
}
