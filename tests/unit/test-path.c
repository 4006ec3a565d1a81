/* test-path.c: paths confined to the repository. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include "agentos.h"
#include "test-tools.h"

static char	*root;		/* canonical */
static char	*outside;

static int
setup(void **state)
{
	char	*d = tt_tmpdir(), *p;

	root = realpath(d, NULL);
	free(d);
	outside = tt_tmpdir();
	p = xasprintf("%s/src", root);
	mkdir(p, 0777);
	free(p);
	tt_write(root, "src/a.c", "a\n", 2);
	tt_write(outside, "secret", "s\n", 2);
	p = xasprintf("%s/.git", root);
	mkdir(p, 0777);
	free(p);
	return (0);
}

static int
teardown(void **state)
{
	tt_rmtree(root);
	tt_rmtree(outside);
	free(root);
	free(outside);
	return (0);
}

/* Resolve and expect success with the given relative path. */
static void
ok(const char *path, const char *want_rel)
{
	char	*out, *rel, *cause = NULL, *want;

	if (path_resolve(root, path, &out, &rel, &cause) != 0)
		fail_msg("%s: %s", path, cause);
	assert_string_equal(rel, want_rel);
	if (strcmp(want_rel, ".") == 0)
		want = xstrdup(root);
	else
		want = xasprintf("%s/%s", root, want_rel);
	assert_string_equal(out, want);
	free(want);
	free(out);
	free(rel);
}

/* Resolve and expect a refusal whose cause contains what. */
static void
refused(const char *path, const char *what)
{
	char	*out = NULL, *rel = NULL, *cause = NULL;

	if (path_resolve(root, path, &out, &rel, &cause) == 0)
		fail_msg("%s resolved to %s", path, out);
	assert_null(out);
	assert_non_null(cause);
	if (strstr(cause, what) == NULL)
		fail_msg("%s: cause \"%s\" lacks \"%s\"", path, cause, what);
	free(cause);
}

static void
test_relative(void **state)
{
	ok("src/a.c", "src/a.c");
	ok("./src//a.c", "src/a.c");
	ok("src/../src/a.c", "src/a.c");
	ok(".", ".");
	ok("src/", "src");
}

static void
test_dotdot(void **state)
{
	char	*want;

	refused("..", "is outside the repository");
	refused("../x", "path ../x is outside the repository");
	refused("src/../../x", "outside");
	refused("src/new/../../../x", "outside");
	/* The cause names the path and the root as given. */
	want = xasprintf("path ../x is outside the repository %s", root);
	refused("../x", want);
	free(want);
}

static void
test_absolute(void **state)
{
	char	*p;

	p = xasprintf("%s/src/a.c", root);
	ok(p, "src/a.c");
	free(p);
	refused("/etc/passwd", "outside");
	p = xasprintf("%s/secret", outside);
	refused(p, "outside");
	free(p);
	/* A sibling whose name starts like root is not inside it. */
	p = xasprintf("%sx/y", root);
	refused(p, "outside");
	free(p);
}

static void
test_nonexistent(void **state)
{
	ok("new.c", "new.c");
	ok("a/b/c/new.c", "a/b/c/new.c");
	ok("a/b/../new.c", "a/new.c");
	refused("src/a.c/x", "not a directory");
}

static void
test_symlinks(void **state)
{
	char	*l, *t;

	/* A symlink to a directory outside. */
	l = xasprintf("%s/out", root);
	assert_int_equal(symlink(outside, l), 0);
	free(l);
	refused("out/secret", "outside");
	refused("out", "outside");
	refused("out/new-file", "outside");

	/* A symlink to a file outside. */
	l = xasprintf("%s/sec", root);
	t = xasprintf("%s/secret", outside);
	assert_int_equal(symlink(t, l), 0);
	free(t);
	free(l);
	refused("sec", "outside");

	/* A dangling symlink pointing outside: writing it would escape. */
	l = xasprintf("%s/dangle", root);
	t = xasprintf("%s/does-not-exist", outside);
	assert_int_equal(symlink(t, l), 0);
	free(t);
	free(l);
	refused("dangle", "outside");

	/* A relative dangling symlink climbing out. */
	l = xasprintf("%s/src/up", root);
	assert_int_equal(symlink("../../nowhere/x", l), 0);
	free(l);
	refused("src/up", "outside");

	/* Symlinks that stay inside resolve to their target. */
	l = xasprintf("%s/link.c", root);
	assert_int_equal(symlink("src/a.c", l), 0);
	free(l);
	ok("link.c", "src/a.c");
	l = xasprintf("%s/future", root);
	assert_int_equal(symlink("src/later.c", l), 0);
	free(l);
	ok("future", "src/later.c");

	/* A loop. */
	l = xasprintf("%s/loop1", root);
	assert_int_equal(symlink("loop2", l), 0);
	free(l);
	l = xasprintf("%s/loop2", root);
	assert_int_equal(symlink("loop1", l), 0);
	free(l);
	refused("loop1", "symbolic links");
}

static void
test_root_via_symlink(void **state)
{
	char	*lroot = xasprintf("%s/root-link", outside);
	char	*out, *rel, *cause = NULL;

	assert_int_equal(symlink(root, lroot), 0);
	assert_int_equal(path_resolve(lroot, "src/a.c", &out, &rel, &cause),
	    0);
	assert_string_equal(rel, "src/a.c");
	free(out);
	free(rel);
	free(lroot);
}

static void
test_write_refusals(void **state)
{
	char	*out = NULL, *rel = NULL, *cause = NULL;

	assert_int_equal(path_resolve_write(root, ".git/config", &out, &rel,
	    &cause), -1);
	assert_non_null(strstr(cause, "inside .git"));
	free(cause);
	assert_int_equal(path_resolve_write(root, "sub/.git/hooks/x", &out,
	    &rel, &cause), -1);
	free(cause);
	assert_int_equal(path_resolve_write(root, ".", &out, &rel, &cause),
	    -1);
	assert_non_null(strstr(cause, "repository root"));
	free(cause);
	assert_int_equal(path_resolve_write(root, "../x", &out, &rel,
	    &cause), -1);
	free(cause);
	/* .gitignore and .github are fine. */
	assert_int_equal(path_resolve_write(root, ".gitignore", &out, &rel,
	    &cause), 0);
	free(out);
	free(rel);
	assert_int_equal(path_resolve_write(root, ".github/x.yml", &out,
	    &rel, &cause), 0);
	free(out);
	free(rel);
	/* Reading .git is allowed. */
	ok(".git/config", ".git/config");
}

static void
test_empty(void **state)
{
	refused("", "empty path");
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_relative),
		cmocka_unit_test(test_dotdot),
		cmocka_unit_test(test_absolute),
		cmocka_unit_test(test_nonexistent),
		cmocka_unit_test(test_symlinks),
		cmocka_unit_test(test_root_via_symlink),
		cmocka_unit_test(test_write_refusals),
		cmocka_unit_test(test_empty),
	};

	return (cmocka_run_group_tests(tests, setup, teardown));
}
