/* test-render-term.c: command output as a terminal shows it. */
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

/* Render s at width and return the lines joined by '\n'. */
static char *
term(const char *s, int width, struct slines *sl)
{
	struct buf	b = BUF_INIT;
	size_t		i;

	slines_init(sl);
	render_term(sl, s, strlen(s), width, EL_TEXT, 0, NULL, 0);
	for (i = 0; i < sl->nr; i++) {
		const struct sline *l = &sl->v[i];

		if (i > 0)
			buf_addch(&b, '\n');
		buf_add(&b, l->text.buf, l->text.len);
		/* Every line fits and has no control character. */
		assert_true(l->width <= width);
		assert_null(memchr(l->text.buf, 0x1b, l->text.len));
		assert_null(memchr(l->text.buf, '\r', l->text.len));
	}
	return (buf_detach(&b, NULL));
}

/* The colour (span fg) and attributes at byte off of line l. */
static void
style_at(const struct sline *l, size_t off, int *fg, int *attr)
{
	size_t	i;

	*fg = -1;
	*attr = -1;
	for (i = 0; i < l->nspans; i++) {
		if (off >= l->spans[i].off &&
		    off < l->spans[i].off + l->spans[i].len) {
			*fg = l->spans[i].fg;
			*attr = l->spans[i].attr;
			return;
		}
	}
}

static void
test_sgr_colours(void **state)
{
	struct slines	 sl;
	char		*s;
	int		 fg, attr;

	(void)state;
	s = term("\x1b[31mred\x1b[0m plain \x1b[1;92mbold green\x1b[m "
	    "\x1b[38;5;208morange\x1b[39m \x1b[38;2;0;0;255mblue", 80, &sl);
	assert_string_equal(s, "red plain bold green orange blue");
	style_at(&sl.v[0], 0, &fg, &attr);		/* red */
	assert_int_equal(fg, 1 + 1);
	assert_int_equal(attr, 0);
	style_at(&sl.v[0], 4, &fg, &attr);		/* plain */
	assert_int_equal(fg, 0);
	style_at(&sl.v[0], 10, &fg, &attr);		/* bold green */
	assert_int_equal(fg, 1 + 10);
	assert_int_equal(attr, SA_BOLD);
	style_at(&sl.v[0], 21, &fg, &attr);		/* orange */
	assert_int_equal(fg, 1 + 208);
	assert_int_equal(attr, 0);
	style_at(&sl.v[0], 28, &fg, &attr);		/* blue: the cube */
	assert_int_equal(fg, 1 + 16 + 5);
	free(s);
	slines_release(&sl);

	/* The pen goes on over lines; a reset ends it. */
	s = term("\x1b[4;33mone\ntwo\x1b[0m\nthree", 80, &sl);
	assert_string_equal(s, "one\ntwo\nthree");
	style_at(&sl.v[1], 0, &fg, &attr);
	assert_int_equal(fg, 1 + 3);
	assert_int_equal(attr, SA_UNDERLINE);
	style_at(&sl.v[2], 0, &fg, &attr);
	assert_int_equal(fg, 0);
	assert_int_equal(attr, 0);
	free(s);
	slines_release(&sl);
}

static void
test_cr_and_escapes(void **state)
{
	struct slines	 sl;
	char		*s;

	(void)state;
	/* A progress bar ends as its last state; CR LF is a newline. */
	s = term("10%\r50%\r100% done\r\nnext\r\n", 80, &sl);
	assert_string_equal(s, "100% done\nnext");
	free(s);
	slines_release(&sl);
	/* What a CR did not overwrite stays; CSI K erases it. */
	s = term("abcdef\rXY\nabcdef\rXY\x1b[K", 80, &sl);
	assert_string_equal(s, "XYcdef\nXY");
	free(s);
	slines_release(&sl);
	/* Other escapes and controls go, never shown as pictures. */
	s = term("\x1b]0;title\x07" "a\x1b[2Jb\x1b(Bc\x1b[?25ld\x01\x7f\be!",
	    80, &sl);
	assert_string_equal(s, "abce!");
	free(s);
	slines_release(&sl);
	/* Cut off mid-sequence, odd parameters: no harm. */
	s = term("x\x1b[38;5", 80, &sl);
	assert_string_equal(s, "x");
	free(s);
	slines_release(&sl);
	s = term("\x1b[38;5;999mq\x1b[;;;;;;;;;;;;;;;;;;;;;;;;;;;;;;;;;;;;1m", 80,
	    &sl);
	assert_string_equal(s, "q");
	free(s);
	slines_release(&sl);
	s = term("\x1b", 80, &sl);
	assert_string_equal(s, "");
	free(s);
	slines_release(&sl);
}

static void
test_wrap(void **state)
{
	struct slines	 sl;
	char		*s;

	(void)state;
	/* Cut every width columns, as a terminal wraps; a tab to 8. */
	s = term("\x1b[32m0123456789\x1b[0m\ta", 4, &sl);
	assert_string_equal(s, "0123\n4567\n89  \n    \na");
	free(s);
	slines_release(&sl);
	/* Wide characters do not straddle a cut. */
	s = term("a\xe4\xb8\xad\xe6\x96\x87", 4, &sl);
	assert_string_equal(s, "a\xe4\xb8\xad\n\xe6\x96\x87");
	free(s);
	slines_release(&sl);
	/* The prefix on the first line, its width of spaces after. */
	slines_init(&sl);
	render_term(&sl, "abcdef", 6, 6, EL_TEXT, 0, "> ", EL_BORDER);
	assert_int_equal(sl.nr, 2);
	assert_memory_equal(sl.v[0].text.buf, "> abcd", 6);
	assert_memory_equal(sl.v[1].text.buf, "  ef", 4);
	slines_release(&sl);
}

/* Any bytes: lines that fit, no escape or control left, no crash. */
static void
test_garbage(void **state)
{
	static const char	 pick[] = "\x1b[]();?0123456789m\r\n\b\tK\a"
				    "\\x\xc3\xa9\xe4\xb8\xad\xff\x80\x9b";
	struct slines		 sl;
	char			 s[200], *t;
	size_t			 i, k, n;
	unsigned int		 seed = 12345;

	(void)state;
	for (k = 0; k < 2000; k++) {
		n = 1 + (k % (sizeof s - 1));
		for (i = 0; i < n; i++) {
			seed = seed * 1103515245 + 12345;
			s[i] = pick[(seed >> 16) % (sizeof pick - 1)];
		}
		s[n] = '\0';
		t = term(s, 1 + (int)(k % 13), &sl);
		free(t);
		slines_release(&sl);
	}
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_sgr_colours),
		cmocka_unit_test(test_cr_and_escapes),
		cmocka_unit_test(test_wrap),
		cmocka_unit_test(test_garbage),
	};

	if (setlocale(LC_CTYPE, "C.UTF-8") == NULL)
		return (77);
	return (cmocka_run_group_tests(tests, NULL, NULL));
}
