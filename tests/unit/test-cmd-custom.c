/* test-cmd-custom.c: custom slash command files, and todo lists. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "agentos.h"
#include "cmd-custom.h"
#include "todo.h"

static void
test_parse(void **state)
{
	struct cmd_custom	 c;
	char			*cause = NULL, *t;

	assert_int_equal(cmd_custom_parse("fix", "---\ndescription: 'Fix "
	    "it'\nargument-hint: [issue]\nallowed-tools:\n  - Bash(git:*)\n"
	    "  - Read\nmodel: x\n---\nFix issue $1: $ARGUMENTS\n", &c,
	    &cause), 0);
	assert_string_equal(c.description, "Fix it");
	assert_string_equal(c.argument_hint, "[issue]");
	assert_string_equal(c.allowed_tools, "Bash(git:*), Read");
	assert_string_equal(c.body, "Fix issue $1: $ARGUMENTS\n");
	t = cmd_custom_expand(&c, "42 \"two words\"");
	assert_string_equal(t, "Fix issue 42: 42 \"two words\"\n");
	free(t);
	cmd_custom_release(&c);

	/* No front matter: the first line describes it; args appended. */
	assert_int_equal(cmd_custom_parse("x", "# Tidy up\nDo it.\n", &c,
	    &cause), 0);
	assert_string_equal(c.description, "Tidy up");
	assert_null(c.argument_hint);
	t = cmd_custom_expand(&c, "now");
	assert_string_equal(t, "# Tidy up\nDo it.\n\nARGUMENTS: now");
	free(t);
	t = cmd_custom_expand(&c, "");
	assert_string_equal(t, "# Tidy up\nDo it.\n");
	free(t);
	cmd_custom_release(&c);

	assert_int_equal(cmd_custom_parse("y", "---\ndescription: x\n", &c,
	    &cause), -1);
	assert_non_null(cause);
	free(cause);
}

static void
test_todo(void **state)
{
	struct todo_list	 l;
	json_t			*j;
	char			*cause = NULL;

	memset(&l, 0, sizeof l);
	j = json_loads("{\"todos\": [{\"content\": \"a\", \"status\": "
	    "\"completed\"}, {\"content\": \"b\", \"status\": \"in_progress\","
	    " \"activeForm\": \"doing b\"}, {\"content\": \"c\", \"status\": "
	    "\"pending\"}]}", 0, NULL);
	assert_int_equal(todo_parse(j, &l, &cause), 0);
	assert_int_equal(l.n, 3);
	assert_int_equal(todo_count(&l, TODO_COMPLETED), 1);
	assert_string_equal(l.v[1].active_form, "doing b");
	todo_list_release(&l);
	json_decref(j);

	j = json_loads("{\"todos\": [{\"content\": \"a\", \"status\": "
	    "\"in_progress\"}, {\"content\": \"b\", \"status\": "
	    "\"in_progress\"}]}", 0, NULL);
	assert_int_equal(todo_parse(j, &l, &cause), -1);
	assert_non_null(strstr(cause, "more than one"));
	free(cause);
	assert_int_equal(l.n, 0);
	json_decref(j);

	j = json_loads("{\"todos\": [{\"content\": \"a\", \"status\": "
	    "\"done\"}]}", 0, NULL);
	assert_int_equal(todo_parse(j, &l, &cause), -1);
	free(cause);
	json_decref(j);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_parse),
		cmocka_unit_test(test_todo),
	};

	return (cmocka_run_group_tests(tests, NULL, NULL));
}
