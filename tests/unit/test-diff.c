/* test-diff.c: unified diffs from libgit2. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include "agentos.h"
#include "test-tools.h"

static void
test_modify(void **state)
{
	struct buf	 out = BUF_INIT;
	char		*cause = NULL;
	int		 added, removed;
	const char	*old = "1\n2\n3\n4\n5\n6\n7\n8\n9\n";
	const char	*new = "1\n2\n3\n4\nfive\n6\n7\n8\n9\n10\n";

	assert_int_equal(diff_buffers("src/n.txt", old, strlen(old), new,
	    strlen(new), &out, &added, &removed, &cause), 0);
	assert_string_equal(out.buf,
	    "diff --git a/src/n.txt b/src/n.txt\n"
	    "--- a/src/n.txt\n"
	    "+++ b/src/n.txt\n"
	    "@@ -2,8 +2,9 @@\n"
	    " 2\n 3\n 4\n-5\n+five\n 6\n 7\n 8\n 9\n+10\n");
	assert_int_equal(added, 2);
	assert_int_equal(removed, 1);
	buf_release(&out);
}

static void
test_new_and_deleted(void **state)
{
	struct buf	 out = BUF_INIT;
	char		*cause = NULL;
	int		 added, removed;

	assert_int_equal(diff_buffers("a.c", NULL, 0, "x\ny\n", 4, &out,
	    &added, &removed, &cause), 0);
	assert_non_null(strstr(out.buf, "--- /dev/null\n+++ b/a.c\n"
	    "@@ -0,0 +1,2 @@\n+x\n+y\n"));
	assert_int_equal(added, 2);
	assert_int_equal(removed, 0);
	buf_reset(&out);
	assert_int_equal(diff_buffers("a.c", "x\n", 2, NULL, 0, &out,
	    &added, &removed, &cause), 0);
	assert_non_null(strstr(out.buf, "--- a/a.c\n+++ /dev/null\n"));
	assert_int_equal(removed, 1);
	buf_release(&out);
}

static void
test_binary_and_same(void **state)
{
	struct buf	 out = BUF_INIT;
	char		*cause = NULL;
	int		 added = -1, removed = -1;

	assert_int_equal(diff_buffers("b.bin", "a\0b", 3, "a\0c", 3, &out,
	    &added, &removed, &cause), 0);
	assert_string_equal(out.buf, "Binary files a/b.bin and b/b.bin "
	    "differ\n");
	assert_int_equal(added, 0);
	assert_int_equal(removed, 0);
	buf_reset(&out);
	assert_int_equal(diff_buffers("s", "same\n", 5, "same\n", 5, &out,
	    &added, &removed, &cause), 0);
	assert_string_equal(out.buf, "");
	assert_int_equal(added + removed, 0);
	buf_release(&out);
}

static void
test_no_newline_at_end(void **state)
{
	struct buf	 out = BUF_INIT;
	char		*cause = NULL;
	int		 added, removed;

	assert_int_equal(diff_buffers("t", "a\nb", 3, "a\nb\n", 4, &out,
	    &added, &removed, &cause), 0);
	assert_non_null(strstr(out.buf, "-b\n\\ No newline at end of file\n"
	    "+b\n"));
	buf_release(&out);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_modify),
		cmocka_unit_test(test_new_and_deleted),
		cmocka_unit_test(test_binary_and_same),
		cmocka_unit_test(test_no_newline_at_end),
	};

	return (cmocka_run_group_tests(tests, NULL, NULL));
}
