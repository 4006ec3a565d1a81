/* test-theme.c: theme files: elements, colours, attributes, errors. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include <curses.h>

#include "agentos.h"
#include "ui.h"

static void
parse(const char *text, int want, const char *cause_has)
{
	short		 fg[EL_COUNT], bg[EL_COUNT];
	unsigned int	 attr[EL_COUNT];
	char		*cause = NULL;
	int		 rc;

	memset(fg, 0, sizeof fg);
	memset(bg, 0, sizeof bg);
	memset(attr, 0, sizeof attr);
	rc = theme_parse(text, fg, bg, attr, &cause);
	assert_int_equal(rc, want);
	if (cause_has != NULL) {
		assert_non_null(cause);
		assert_non_null(strstr(cause, cause_has));
	}
	free(cause);
}

static void
test_shipped_themes(void **state)
{
	const char	*names[] = { "dark", "light" };
	char		 path[4096], buf[8192];
	short		 fg[EL_COUNT], bg[EL_COUNT];
	unsigned int	 attr[EL_COUNT];
	const char	*top = getenv("top_srcdir");
	char		*cause = NULL;
	size_t		 i, n;
	FILE		*f;
	int		 e;

	for (i = 0; i < 2; i++) {
		snprintf(path, sizeof path, "%s/themes/%s.theme",
		    top != NULL ? top : ".", names[i]);
		if ((f = fopen(path, "r")) == NULL)
			skip();
		n = fread(buf, 1, sizeof buf - 1, f);
		buf[n] = '\0';
		fclose(f);
		for (e = 0; e < EL_COUNT; e++)
			fg[e] = bg[e] = -2;
		assert_int_equal(theme_parse(buf, fg, bg, attr, &cause), 0);
		/* Every element is set by the shipped themes. */
		for (e = 0; e < EL_COUNT; e++) {
			assert_true(fg[e] != -2);
			assert_non_null(theme_elem_name(e));
		}
	}
}

static void
test_values(void **state)
{
	short		 fg[EL_COUNT], bg[EL_COUNT];
	unsigned int	 attr[EL_COUNT];
	char		*cause = NULL;

	assert_int_equal(theme_parse("# comment\n\ndiff-add green 236 bold "
	    "underline  # trailing\nstatus default 255\n", fg, bg, attr,
	    &cause), 0);
	assert_int_equal(fg[EL_DIFF_ADD], COLOR_GREEN);
	assert_int_equal(bg[EL_DIFF_ADD], 236);
	assert_true(attr[EL_DIFF_ADD] & A_BOLD);
	assert_true(attr[EL_DIFF_ADD] & A_UNDERLINE);
	assert_int_equal(fg[EL_STATUS], -1);
	assert_int_equal(bg[EL_STATUS], 255);
}

static void
test_errors(void **state)
{
	parse("nosuch red default\n", -1, "line 1: unknown element");
	parse("text red\n", -1, "line 1");
	parse("text\tred 256\n", -1, "bad colour");
	parse("\ntext red default sparkly\n", -1, "line 2: unknown attribute");
	parse("", 0, NULL);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_shipped_themes),
		cmocka_unit_test(test_values),
		cmocka_unit_test(test_errors),
	};

	return (cmocka_run_group_tests(tests, NULL, NULL));
}
