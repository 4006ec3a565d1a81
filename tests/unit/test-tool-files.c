/* test-tool-files.c: read_file, write_file, edit_file. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <sys/resource.h>
#include <dirent.h>
#include <cmocka.h>

#include "agentos.h"
#include "test-tools.h"

static char		*root;
static struct tool_ctx	 ctx;

static int
setup(void **state)
{
	char	*d = tt_tmpdir();

	root = realpath(d, NULL);
	free(d);
	ctx.root = root;
	return (0);
}

static int
teardown(void **state)
{
	tt_rmtree(root);
	free(root);
	return (0);
}

/* Run a synchronous tool call with input built by json_pack. */
static struct tool_call *
run(const char *tool, json_t *input)
{
	struct tool_call	*tc;

	assert_non_null(input);
	tc = tool_call_create("id", tool, input, &ctx);
	json_decref(input);
	tool_call_start(tc);
	assert_int_equal(tc->pending, 0);
	return (tc);
}

/* Run and expect is_error as given, with what in the result. */
static void
expect(const char *tool, json_t *input, int is_error, const char *what)
{
	struct tool_call	*tc = run(tool, input);

	if (tc->is_error != is_error)
		fail_msg("%s: is_error %d: %s", tool, tc->is_error,
		    tc->result.buf);
	assert_result_has(tc, what);
	tool_call_free(tc);
}

/* ---- tool_edit_apply */

/* Apply and expect the new text. */
static void
apply_ok(const char *text, const char *o, const char *n, int all,
    const char *want)
{
	char	*cause = NULL, *r;
	size_t	 len;

	r = tool_edit_apply(text, strlen(text), o, n, all, &len, &cause);
	if (r == NULL)
		fail_msg("%s", cause);
	assert_string_equal(r, want);
	assert_int_equal(len, strlen(want));
	free(r);
}

/* Apply and expect a refusal with what in the cause. */
static void
apply_fails(const char *text, const char *o, const char *n, int all,
    const char *what)
{
	char	*cause = NULL, *r;
	size_t	 len;

	r = tool_edit_apply(text, strlen(text), o, n, all, &len, &cause);
	if (r != NULL)
		fail_msg("applied: %s", r);
	if (strstr(cause, what) == NULL)
		fail_msg("cause \"%s\" lacks \"%s\"", cause, what);
	free(cause);
}

static void
test_edit_apply(void **state)
{
	apply_ok("a\nb\nc\n", "b", "B", 0, "a\nB\nc\n");
	apply_ok("a\nb\nc\n", "a\nb\n", "", 0, "c\n");
	apply_fails("a\nb\nc\n", "x", "y", 0, "old_string not found");
	apply_fails("x x x", "x", "y", 0, "old_string occurs 3 times; add "
	    "context to make it unique or set replace_all");
	apply_ok("x x x", "x", "yy", 1, "yy yy yy");
	apply_ok("aaaa", "aa", "b", 1, "bb");	/* non-overlapping */
	apply_fails("abc", "b", "b", 0, "the same");
	apply_fails("abc", "", "x", 0, "old_string is empty");
	/* CRLF files: the model's LF-only text matches, CRLF is kept. */
	apply_ok("one\r\ntwo\r\nthree\r\n", "one\ntwo\n", "1\n2\n", 0,
	    "1\r\n2\r\nthree\r\n");
	apply_ok("one\r\ntwo\r\n", "two", "2\nand more", 0,
	    "one\r\n2\r\nand more\r\n");
	apply_ok("one\r\ntwo\r\n", "one\r\n", "1\r\n", 0, "1\r\ntwo\r\n");
	/* An LF file keeps LF. */
	apply_ok("one\ntwo\n", "one\n", "1\n", 0, "1\ntwo\n");
}

/* ---- read_file */

static void
test_read_basic(void **state)
{
	struct tool_call	*tc;

	tt_write(root, "r.txt", "alpha\nbeta\r\ngamma", 17);
	tc = run("read_file", json_pack("{s:s}", "path", "r.txt"));
	if (tc->is_error)
		fail_msg("error: %s", tc->result.buf);
	assert_string_equal(tc->result.buf,
	    "     1\talpha\n     2\tbeta\n     3\tgamma\n");
	tool_call_free(tc);

	tc = run("read_file", json_pack("{s:s, s:i, s:i}", "path", "r.txt",
	    "offset", 2, "limit", 1));
	assert_string_equal(tc->result.buf, "     2\tbeta\n"
	    "[r.txt has 3 lines; showing 2-2; use offset to read more]\n");
	tool_call_free(tc);

	expect("read_file", json_pack("{s:s, s:i}", "path", "r.txt",
	    "offset", 9), 1, "offset 9 is past the end of r.txt, which has "
	    "3 lines");
	tt_write(root, "empty", "", 0);
	expect("read_file", json_pack("{s:s}", "path", "empty"), 0,
	    "empty is empty");
	expect("read_file", json_pack("{s:s}", "path", "nope"), 1,
	    "nope: No such file");
	expect("read_file", json_pack("{s:s}", "path", "."), 1,
	    "is a directory; use glob");
	expect("read_file", json_pack("{s:s}", "path", "../etc/passwd"), 1,
	    "outside the repository");
}

static void
test_read_paging(void **state)
{
	struct buf		 b = BUF_INIT;
	struct tool_call	*tc;
	size_t			 i;

	for (i = 1; i <= 2500; i++)
		buf_addf(&b, "%zu\n", i);
	tt_write(root, "long.txt", b.buf, b.len);
	buf_release(&b);
	tc = run("read_file", json_pack("{s:s}", "path", "long.txt"));
	assert_result_has(tc, "  2000\t2000\n[long.txt has 2500 lines; "
	    "showing 1-2000; use offset to read more]");
	assert_null(strstr(tc->result.buf, "2001\t"));
	tool_call_free(tc);
	tc = run("read_file", json_pack("{s:s, s:i}", "path", "long.txt",
	    "offset", 2001));
	assert_true(strncmp(tc->result.buf, "  2001\t2001\n", 12) == 0);
	assert_result_has(tc, "  2500\t2500\n[long.txt has 2500 lines; "
	    "showing 2001-2500]");
	tool_call_free(tc);
}

static void
test_read_long_lines(void **state)
{
	struct buf		 b = BUF_INIT;
	struct tool_call	*tc;
	size_t			 i;

	/* A 5000-byte line, then 100 lines of 1000 bytes: over the cap. */
	for (i = 0; i < 5000; i++)
		buf_addch(&b, 'x');
	buf_addch(&b, '\n');
	for (i = 0; i < 100 * 1000; i++)
		buf_addch(&b, i % 1000 == 999 ? '\n' : 'y');
	tt_write(root, "wide.txt", b.buf, b.len);
	buf_release(&b);
	tc = run("read_file", json_pack("{s:s}", "path", "wide.txt"));
	if (tc->is_error)
		fail_msg("error: %s", tc->result.buf);
	assert_result_has(tc, " [... line cut: 3000 more bytes]\n");
	assert_result_has(tc, "[wide.txt has 101 lines; showing 1-");
	assert_result_has(tc, "(output capped at 30720 bytes); use offset=");
	assert_true(tc->result.len <= TOOL_OUTPUT_MAX);
	tool_call_free(tc);
}

static void
test_read_binary_and_bad_utf8(void **state)
{
	struct buf		 b = BUF_INIT;
	struct tool_call	*tc;
	size_t			 i;

	tt_write(root, "bin", "ab\0cd", 5);
	expect("read_file", json_pack("{s:s}", "path", "bin"), 1,
	    "bin is a binary file (5 bytes)");
	for (i = 0; i < 1000; i++)
		buf_addch(&b, 0x80 + i % 64);
	tt_write(root, "noise", b.buf, b.len);
	buf_release(&b);
	expect("read_file", json_pack("{s:s}", "path", "noise"), 1,
	    "binary file");

	/* Latin-1 text: a few bad bytes, replaced, still readable. */
	tt_write(root, "latin1", "caf\xe9 au lait\nna\xefve\n", 19);
	tc = run("read_file", json_pack("{s:s}", "path", "latin1"));
	if (tc->is_error)
		fail_msg("error: %s", tc->result.buf);
	assert_string_equal(tc->result.buf, "     1\tcaf\xef\xbf\xbd au lait\n"
	    "     2\tna\xef\xbf\xbdve\n");
	tool_call_free(tc);
}

static void
test_read_50mb(void **state)
{
	struct rusage		 ru;
	struct tool_call	*tc;
	char			*p = xasprintf("%s/big.txt", root);
	FILE			*f = fopen(p, "w");
	long			 before;
	size_t			 i;

	assert_non_null(f);
	/* 2,000,000 lines of 25 bytes: 50,000,000 bytes. */
	for (i = 1; i <= 2000000; i++)
		fprintf(f, "line %08zu of the file\n", i);
	assert_int_equal(fclose(f), 0);
	free(p);
	getrusage(RUSAGE_SELF, &ru);
	before = ru.ru_maxrss;

	tc = run("read_file", json_pack("{s:s, s:i, s:i}", "path", "big.txt",
	    "offset", 1500000, "limit", 3));
	assert_string_equal(tc->result.buf,
	    "1500000\tline 01500000 of the file\n"
	    "1500001\tline 01500001 of the file\n"
	    "1500002\tline 01500002 of the file\n"
	    "[big.txt has 2000000 lines; showing 1500000-1500002; use offset "
	    "to read more]\n");
	tool_call_free(tc);
	tc = run("read_file", json_pack("{s:s}", "path", "big.txt"));
	assert_result_has(tc, "[big.txt has 2000000 lines; showing 1-");
	tool_call_free(tc);
	/* Paged, not slurped: the peak grew by far less than the file. */
	getrusage(RUSAGE_SELF, &ru);
	if (ru.ru_maxrss - before > 8 * 1024)
		fail_msg("max RSS grew by %ld KiB", ru.ru_maxrss - before);
}

/* ---- write_file */

static void
test_write(void **state)
{
	struct tool_call	*tc;
	struct stat		 sb;
	struct buf		 preview = BUF_INIT;
	char			*s, *cause = NULL, *p;
	json_t			*in;
	DIR			*d;
	struct dirent		*de;

	in = json_pack("{s:s, s:s}", "path", "new/dir/w.txt", "content",
	    "one\ntwo\n");
	assert_int_equal(tool_write_file.preview(&ctx, in, &preview, &cause),
	    0);
	assert_non_null(strstr(preview.buf, "--- /dev/null\n"));
	assert_non_null(strstr(preview.buf, "+++ b/new/dir/w.txt\n"));
	assert_non_null(strstr(preview.buf, "+one\n+two\n"));
	buf_release(&preview);
	tc = run("write_file", in);
	if (tc->is_error)
		fail_msg("error: %s", tc->result.buf);
	assert_string_equal(tc->result.buf, "Created new/dir/w.txt: 8 bytes, "
	    "2 lines");
	assert_int_equal(tc->npaths, 1);
	assert_string_equal(tc->paths[0], "new/dir/w.txt");
	tool_call_free(tc);
	s = tt_read(root, "new/dir/w.txt", NULL);
	assert_string_equal(s, "one\ntwo\n");
	free(s);

	/* The mode of an existing file is kept. */
	p = xasprintf("%s/new/dir/w.txt", root);
	assert_int_equal(chmod(p, 0750), 0);
	tc = run("write_file", json_pack("{s:s, s:s}", "path",
	    "new/dir/w.txt", "content", "one\nTWO\nthree\n"));
	assert_string_equal(tc->result.buf, "Wrote new/dir/w.txt: 14 bytes "
	    "(+2 -1 lines)");
	tool_call_free(tc);
	assert_int_equal(stat(p, &sb), 0);
	assert_int_equal(sb.st_mode & 07777, 0750);
	free(p);

	/* No temporary file is left behind. */
	p = xasprintf("%s/new/dir", root);
	d = opendir(p);
	assert_non_null(d);
	while ((de = readdir(d)) != NULL)
		assert_null(strstr(de->d_name, "agentos-"));
	closedir(d);
	free(p);

	expect("write_file", json_pack("{s:s, s:s}", "path", ".git/hooks/x",
	    "content", "x"), 1, "inside .git");
	expect("write_file", json_pack("{s:s, s:s}", "path", "../x",
	    "content", "x"), 1, "outside the repository");
	expect("write_file", json_pack("{s:s, s:s}", "path", "new",
	    "content", "x"), 1, "is a directory");
}

/* Writing through a symlink inside the root replaces the target file. */
static void
test_write_symlink(void **state)
{
	char	*l = xasprintf("%s/alias", root), *s;

	tt_write(root, "target", "old\n", 4);
	assert_int_equal(symlink("target", l), 0);
	expect("write_file", json_pack("{s:s, s:s}", "path", "alias",
	    "content", "new\n"), 0, "Wrote target");
	s = tt_read(root, "target", NULL);
	assert_string_equal(s, "new\n");
	free(s);
	free(l);
}

/* ---- edit_file */

static void
test_edit(void **state)
{
	struct buf	 preview = BUF_INIT;
	char		*s, *cause = NULL, *p;
	json_t		*in;
	struct stat	 sb;

	tt_write(root, "e.c", "int a;\nint b;\nint b;\n", 21);
	p = xasprintf("%s/e.c", root);
	assert_int_equal(chmod(p, 0600), 0);
	in = json_pack("{s:s, s:s, s:s}", "path", "e.c", "old_string",
	    "int a;\n", "new_string", "int a1;\nint a2;\n");
	assert_int_equal(tool_edit_file.preview(&ctx, in, &preview, &cause),
	    0);
	assert_non_null(strstr(preview.buf, "--- a/e.c\n+++ b/e.c\n"));
	assert_non_null(strstr(preview.buf, "-int a;\n+int a1;\n+int a2;\n"));
	buf_release(&preview);
	expect("edit_file", in, 0, "Edited e.c: 1 replacement (+2 -1 lines)");
	s = tt_read(root, "e.c", NULL);
	assert_string_equal(s, "int a1;\nint a2;\nint b;\nint b;\n");
	free(s);
	assert_int_equal(stat(p, &sb), 0);
	assert_int_equal(sb.st_mode & 07777, 0600);
	free(p);

	expect("edit_file", json_pack("{s:s, s:s, s:s}", "path", "e.c",
	    "old_string", "int b;", "new_string", "int c;"), 1,
	    "old_string occurs 2 times in e.c; add context to make it unique "
	    "or set replace_all");
	expect("edit_file", json_pack("{s:s, s:s, s:s, s:b}", "path", "e.c",
	    "old_string", "int b;", "new_string", "int c;", "replace_all", 1),
	    0, "Edited e.c: 2 replacements (+2 -2 lines)");
	expect("edit_file", json_pack("{s:s, s:s, s:s}", "path", "e.c",
	    "old_string", "nothing", "new_string", "x"), 1,
	    "old_string not found in e.c");
	expect("edit_file", json_pack("{s:s, s:s, s:s}", "path", "e.c",
	    "old_string", "", "new_string", "x"), 1,
	    "old_string is empty but e.c exists");
	expect("edit_file", json_pack("{s:s, s:s, s:s}", "path", "e.c",
	    "old_string", "int c;", "new_string", "int c;"), 1, "the same");
	expect("edit_file", json_pack("{s:s, s:s, s:s}", "path", "gone.c",
	    "old_string", "x", "new_string", "y"), 1, "gone.c does not exist");
	/* Empty old_string creates a new file. */
	expect("edit_file", json_pack("{s:s, s:s, s:s}", "path", "sub/n.c",
	    "old_string", "", "new_string", "x\n"), 0, "Created sub/n.c");
	s = tt_read(root, "sub/n.c", NULL);
	assert_string_equal(s, "x\n");
	free(s);
}

static void
test_edit_crlf(void **state)
{
	char	*s;

	tt_write(root, "dos.txt", "one\r\ntwo\r\nthree\r\n", 17);
	expect("edit_file", json_pack("{s:s, s:s, s:s}", "path", "dos.txt",
	    "old_string", "two\nthree", "new_string", "2\n3"), 0,
	    "Edited dos.txt: 1 replacement (+2 -2 lines)");
	s = tt_read(root, "dos.txt", NULL);
	assert_string_equal(s, "one\r\n2\r\n3\r\n");
	free(s);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_edit_apply),
		cmocka_unit_test(test_read_basic),
		cmocka_unit_test(test_read_paging),
		cmocka_unit_test(test_read_long_lines),
		cmocka_unit_test(test_read_binary_and_bad_utf8),
		cmocka_unit_test(test_read_50mb),
		cmocka_unit_test(test_write),
		cmocka_unit_test(test_write_symlink),
		cmocka_unit_test(test_edit),
		cmocka_unit_test(test_edit_crlf),
	};

	loop_init();
	return (cmocka_run_group_tests(tests, setup, teardown));
}
