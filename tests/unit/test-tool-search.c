/* test-tool-search.c: glob and grep over a git repository's files. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <fcntl.h>

#include <git2.h>

#include "agentos.h"
#include "test-tools.h"

static char		*root;
static struct tool_ctx	 ctx;

/* A repository: tracked, untracked and ignored files. */
static int
setup(void **state)
{
	git_repository	*repo;
	git_index	*idx;
	char		*d = tt_tmpdir(), *p;

	root = realpath(d, NULL);
	free(d);
	ctx.root = root;
	git_libgit2_init();
	if (git_repository_init(&repo, root, 0) != 0)
		fatalx("git init failed");
	p = xasprintf("%s/sub", root);
	mkdir(p, 0777);
	free(p);
	p = xasprintf("%s/build", root);
	mkdir(p, 0777);
	free(p);
	tt_write(root, ".gitignore", "build/\n*.log\n", 13);
	tt_write(root, "main.c", "int\nmain(void)\n{\n\treturn (0);\n}\n",
	    32);
	tt_write(root, "util.h", "int Main_helper(void);\n", 23);
	tt_write(root, "sub/deep.c", "/* main loop */\nvoid f(void);\n", 30);
	tt_write(root, "new.c", "int main_new;\n", 14);	/* untracked */
	tt_write(root, "build/out.c", "int main_built;\n", 16); /* ignored */
	tt_write(root, "debug.log", "main log\n", 9);		/* ignored */
	tt_write(root, "keep.log", "main kept\n", 10);		/* tracked */
	tt_write(root, "blob.bin", "main\0binary", 11);
	if (git_repository_index(&idx, repo) != 0 ||
	    git_index_add_bypath(idx, ".gitignore") != 0 ||
	    git_index_add_bypath(idx, "main.c") != 0 ||
	    git_index_add_bypath(idx, "util.h") != 0 ||
	    git_index_add_bypath(idx, "sub/deep.c") != 0 ||
	    git_index_add_bypath(idx, "keep.log") != 0 ||
	    git_index_add_bypath(idx, "blob.bin") != 0 ||
	    git_index_write(idx) != 0)
		fatalx("git add failed");
	git_index_free(idx);
	git_repository_free(repo);
	return (0);
}

static int
teardown(void **state)
{
	tt_rmtree(root);
	free(root);
	return (0);
}

static int	finished;

/* Stop the loop when the call is done. */
static void
stop_loop(struct tool_call *tc, void *arg)
{
	finished = 1;
	loop_exit();
}

/* Run a tool call to completion, through the loop if it is async. */
static struct tool_call *
run(const char *tool, json_t *input)
{
	struct tool_call	*tc;

	assert_non_null(input);
	tc = tool_call_create("id", tool, input, &ctx);
	json_decref(input);
	tc->done = stop_loop;
	finished = 0;
	tool_call_start(tc);
	if (!finished)
		loop_run();
	assert_int_equal(finished, 1);
	return (tc);
}

/* Run and expect exactly want as the result. */
static void
expect(const char *tool, json_t *input, int is_error, const char *want)
{
	struct tool_call	*tc = run(tool, input);

	if (tc->is_error != is_error)
		fail_msg("is_error %d: %s", tc->is_error, tc->result.buf);
	assert_string_equal(tc->result.buf, want);
	tool_call_free(tc);
}

static void
test_files_list(void **state)
{
	char	**files, *cause = NULL;
	size_t	  n, i;
	struct buf b = BUF_INIT;

	assert_int_equal(tool_files_list(root, &files, &n, &cause), 0);
	for (i = 0; i < n; i++)
		buf_addf(&b, "%s\n", files[i]);
	assert_string_equal(b.buf, ".gitignore\nblob.bin\nkeep.log\nmain.c\n"
	    "new.c\nsub/deep.c\nutil.h\n");
	tool_files_free(files, n);
	buf_release(&b);
	assert_int_equal(tool_files_list("/", &files, &n, &cause), -1);
	assert_non_null(cause);
	free(cause);
}

static void
test_glob_match(void **state)
{
	assert_true(tool_glob_match("*.c", "main.c"));
	assert_false(tool_glob_match("*.c", "sub/deep.c"));
	assert_true(tool_glob_match("**/*.c", "main.c"));
	assert_true(tool_glob_match("**/*.c", "sub/deep.c"));
	assert_true(tool_glob_match("**/*.c", "a/b/c/d.c"));
	assert_true(tool_glob_match("src/**", "src/a/b"));
	assert_false(tool_glob_match("src/**", "lib/a"));
	assert_true(tool_glob_match("a/**/b/*.h", "a/b/x.h"));
	assert_true(tool_glob_match("a/**/b/*.h", "a/x/y/b/x.h"));
	assert_false(tool_glob_match("a/**/b/*.h", "a/x/y/c/x.h"));
	assert_true(tool_glob_match("*.{c,h}", "util.h"));
	assert_true(tool_glob_match("**/*.{c,h}", "sub/deep.c"));
	assert_false(tool_glob_match("*.{c,h}", "x.o"));
	assert_true(tool_glob_match("{src,lib}/**/*.{c,h}", "lib/x/y.h"));
	assert_true(tool_glob_match("?ain.[ch]", "main.c"));
	assert_true(tool_glob_match("*", ".gitignore"));
}

static void
test_glob(void **state)
{
	struct tool_call	*tc;
	char			*p;
	struct timespec		 ts[2];

	/* Newest first: make sub/deep.c the newest, main.c the oldest. */
	ts[0].tv_sec = ts[1].tv_sec = 1000000000;
	ts[0].tv_nsec = ts[1].tv_nsec = 0;
	p = xasprintf("%s/main.c", root);
	utimensat(AT_FDCWD, p, ts, 0);
	free(p);
	ts[0].tv_sec = ts[1].tv_sec = 2000000000;
	p = xasprintf("%s/new.c", root);
	utimensat(AT_FDCWD, p, ts, 0);
	free(p);
	ts[0].tv_sec = ts[1].tv_sec = 2100000000;
	p = xasprintf("%s/sub/deep.c", root);
	utimensat(AT_FDCWD, p, ts, 0);
	free(p);

	expect("glob", json_pack("{s:s}", "pattern", "**/*.c"), 0,
	    "sub/deep.c\nnew.c\nmain.c\n");
	expect("glob", json_pack("{s:s}", "pattern", "*.log"), 0,
	    "keep.log\n");
	expect("glob", json_pack("{s:s, s:s}", "pattern", "*.c", "path",
	    "sub"), 0, "sub/deep.c\n");
	tc = run("glob", json_pack("{s:s}", "pattern", "*.py"));
	assert_false(tc->is_error);
	assert_result_has(tc, "No files match \"*.py\" (patterns match from "
	    "the directory; **/*.py matches at any depth)");
	tool_call_free(tc);
	tc = run("glob", json_pack("{s:s, s:s}", "pattern", "*", "path",
	    ".."));
	assert_true(tc->is_error);
	assert_result_has(tc, "outside the repository");
	tool_call_free(tc);
}

static void
test_glob_cap(void **state)
{
	struct tool_call	*tc;
	char			*p, name[64];
	int			 i;

	p = xasprintf("%s/many", root);
	mkdir(p, 0777);
	free(p);
	for (i = 0; i < 250; i++) {
		snprintf(name, sizeof name, "many/f%03d.txt", i);
		tt_write(root, name, "x\n", 2);
	}
	tc = run("glob", json_pack("{s:s}", "pattern", "many/*.txt"));
	assert_result_has(tc, "[showing the 200 newest of 250 matching files; "
	    "narrow the pattern or path]");
	tool_call_free(tc);
	p = xasprintf("%s/many", root);
	tt_rmtree(p);
	free(p);
}

static void
test_grep(void **state)
{
	struct tool_call	*tc;

	expect("grep", json_pack("{s:s}", "pattern", "main"), 0,
	    "keep.log:1:main kept\nmain.c:2:main(void)\nnew.c:1:int main_new;\n"
	    "sub/deep.c:1:/* main loop */\n");
	expect("grep", json_pack("{s:s, s:b}", "pattern", "^int main|helper",
	    "ignore_case", 1), 0, "new.c:1:int main_new;\n"
	    "util.h:1:int Main_helper(void);\n");
	expect("grep", json_pack("{s:s, s:s}", "pattern", "main", "glob",
	    "*.c"), 0, "main.c:2:main(void)\nnew.c:1:int main_new;\n"
	    "sub/deep.c:1:/* main loop */\n");
	expect("grep", json_pack("{s:s, s:s}", "pattern", "main", "path",
	    "sub"), 0, "sub/deep.c:1:/* main loop */\n");
	/* A file named explicitly is searched even if ignored. */
	expect("grep", json_pack("{s:s, s:s}", "pattern", "main", "path",
	    "debug.log"), 0, "debug.log:1:main log\n");
	expect("grep", json_pack("{s:s}", "pattern", "zzz_nothing"), 0,
	    "No matches for /zzz_nothing/ in 7 files\n"
	    "[skipped 1 binary files]");

	tc = run("grep", json_pack("{s:s}", "pattern", "foo(bar"));
	assert_true(tc->is_error);
	assert_result_has(tc, "invalid regex /foo(bar/: missing closing "
	    "parenthesis at offset 7");
	tool_call_free(tc);
}

static void
test_grep_cap(void **state)
{
	struct tool_call	*tc;
	struct buf		 b = BUF_INIT;
	char			*p;
	int			 i;

	for (i = 0; i < 2000; i++)
		buf_addf(&b, "needle %d\n", i);
	tt_write(root, "hay.txt", b.buf, b.len);
	buf_release(&b);
	tc = run("grep", json_pack("{s:s, s:s}", "pattern", "needle",
	    "glob", "hay.txt"));
	assert_result_has(tc, "hay.txt:500:needle 499\n[showing 500 of 2000 "
	    "matching lines in 1 files; narrow the pattern, path or glob]");
	assert_null(strstr(tc->result.buf, "needle 500\n"));
	tool_call_free(tc);
	p = xasprintf("%s/hay.txt", root);
	unlink(p);
	free(p);
}

/*
 * A pattern that backtracks without end hits PCRE2's match limit: an
 * error naming the file and line, not "No matches"; with a match
 * elsewhere, the matches and a note.
 */
static void
test_grep_match_limit(void **state)
{
	static const char	 evil[] =
	    "ok\naaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaab\n";
	struct tool_call	*tc;
	char			*p;

	tt_write(root, "evil.txt", evil, strlen(evil));
	tc = run("grep", json_pack("{s:s, s:s}", "pattern", "^(a+)+$",
	    "path", "evil.txt"));
	assert_true(tc->is_error);
	assert_result_has(tc, "grep /^(a+)+$/ failed: PCRE2 gave up on 1 file "
	    "(first evil.txt:2: match limit exceeded)");
	assert_null(strstr(tc->result.buf, "No matches"));
	tool_call_free(tc);
	tc = run("grep", json_pack("{s:s, s:s}", "pattern", "^ok$|^(a+)+$",
	    "path", "evil.txt"));
	assert_false(tc->is_error);
	assert_result_has(tc, "evil.txt:1:ok\n[PCRE2 gave up on 1 file (first "
	    "evil.txt:2: match limit exceeded); they may hold more matches]");
	tool_call_free(tc);
	p = xasprintf("%s/evil.txt", root);
	unlink(p);
	free(p);
}

/* Enough data that grep yields to the loop between slices; cancel it. */
static void
test_grep_async_cancel(void **state)
{
	struct tool_call	*tc;
	struct buf		 b = BUF_INIT;
	char			 name[64];
	int			 i;

	while (b.len < 1024 * 1024)
		buf_adds(&b, "some text that does not match at all\n");
	buf_adds(&b, "the final needle\n");
	for (i = 0; i < 6; i++) {
		snprintf(name, sizeof name, "big%d.txt", i);
		tt_write(root, name, b.buf, b.len);
	}
	buf_release(&b);
	/* Runs through the loop: 6 MiB is more than one slice. */
	tc = tool_call_create("id", "grep", json_pack("{s:s, s:s}",
	    "pattern", "needle$", "glob", "big*.txt"), &ctx);
	json_decref(tc->input);
	tc->done = stop_loop;
	finished = 0;
	tool_call_start(tc);
	assert_int_equal(finished, 0);
	assert_int_equal(tc->pending, 1);
	loop_run();
	assert_int_equal(finished, 1);
	assert_result_has(tc, "big5.txt:");
	tool_call_free(tc);

	tc = tool_call_create("id", "grep", json_pack("{s:s, s:s}",
	    "pattern", "needle$", "glob", "big*.txt"), &ctx);
	json_decref(tc->input);
	tc->done = stop_loop;
	finished = 0;
	tool_call_start(tc);
	assert_int_equal(tc->pending, 1);
	tool_call_cancel(tc);
	assert_int_equal(finished, 1);
	assert_int_equal(tc->pending, 0);
	assert_result_has(tc, "cancelled");
	tool_call_free(tc);
	for (i = 0; i < 6; i++) {
		char *p = xasprintf("%s/big%d.txt", root, i);
		unlink(p);
		free(p);
	}
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_files_list),
		cmocka_unit_test(test_glob_match),
		cmocka_unit_test(test_glob),
		cmocka_unit_test(test_glob_cap),
		cmocka_unit_test(test_grep),
		cmocka_unit_test(test_grep_cap),
		cmocka_unit_test(test_grep_match_limit),
		cmocka_unit_test(test_grep_async_cancel),
	};

	loop_init();
	return (cmocka_run_group_tests(tests, setup, teardown));
}
