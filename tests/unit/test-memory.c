/* test-memory.c: /memories paths map to the two folders, safely. */
#include <sys/stat.h>

#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <cmocka.h>

#include "agentos.h"

static char	root[] = "/tmp/test-memory-XXXXXX";

/* Resolve path, expecting success and want (NULL: any) or a refusal. */
static void
check(const char *path, const char *want, int ok)
{
	char	*out = NULL, *cause = NULL;
	int	 rc;

	rc = memory_resolve(root, path, &out, &cause);
	if (!ok) {
		assert_int_equal(rc, -1);
		assert_non_null(cause);
		free(cause);
		return;
	}
	assert_int_equal(rc, 0);
	if (want != NULL)
		assert_string_equal(out, want);
	free(out);
}

static void
test_resolve(void **state)
{
	char	*want, *link;

	want = xasprintf("%s/.agentos/memory/a/b.md", root);
	check("/memories/project/a/b.md", want, 1);
	free(want);
	want = xasprintf("%s/.agentos/memory/a/b.md", root);
	check("/memories/project//a/b.md/", want, 1);
	free(want);
	check("/memories", "", 1);
	check("/memories/user/x.md", "/tmp/test-memory-xdg/agentos/memory/x.md",
	    1);
	check("/memories/project/../x", NULL, 0);
	check("/memories/project/a/./x", NULL, 0);
	check("/memories/project/.env", NULL, 0);
	check("/memories/other/x", NULL, 0);
	check("/memoriesx/project/x", NULL, 0);
	check("memories/project/x", NULL, 0);
	check("/etc/passwd", NULL, 0);
	check("", NULL, 0);
	check(NULL, NULL, 0);
	/* A symbolic link on the way is refused. */
	link = xasprintf("%s/.agentos/memory/out", root);
	assert_int_equal(symlink("/etc", link), 0);
	check("/memories/project/out/passwd", NULL, 0);
	check("/memories/project/out", NULL, 0);
	unlink(link);
	free(link);
}

static void
test_note(void **state)
{
	char		*saved = NULL, *cause = NULL, *path;
	struct buf	 b = BUF_INIT;
	int		 exists;

	assert_int_equal(memory_note_add(root, "  first", &saved, &cause), 0);
	assert_string_equal(saved, "/memories/project/notes.md");
	free(saved);
	assert_int_equal(memory_note_add(root, "second", &saved, &cause), 0);
	free(saved);
	assert_int_equal(memory_note_add(root, "   ", &saved, &cause), -1);
	free(cause);
	path = xasprintf("%s/.agentos/memory/notes.md", root);
	assert_int_equal(tool_read_whole(path, 0, &b, &exists, &cause), 0);
	buf_addch(&b, '\0');
	assert_string_equal(b.buf, "- first\n- second\n");
	buf_release(&b);
	free(path);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_resolve),
		cmocka_unit_test(test_note),
	};
	char	*dir;
	int	 rc;

	if (mkdtemp(root) == NULL)
		return (99);
	setenv("XDG_DATA_HOME", "/tmp/test-memory-xdg", 1);
	dir = xasprintf("%s/.agentos", root);
	mkdir(dir, 0700);
	free(dir);
	dir = xasprintf("%s/.agentos/memory", root);
	mkdir(dir, 0700);
	free(dir);
	rc = cmocka_run_group_tests(tests, NULL, NULL);
	dir = xasprintf("rm -rf '%s'", root);
	if (system(dir) != 0)
		rc = 1;
	free(dir);
	return (rc);
}
