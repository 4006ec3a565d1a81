/* test-repo.c: the repository handle and the one file lister (repo.c). */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <sys/stat.h>

#include <git2.h>

#include "agentos.h"
#include "repo.h"
#include "test-tools.h"

static char	*root, *outside;

/* mkdir root/rel. */
static void
mk(const char *rel)
{
	char	*p = xasprintf("%s/%s", root, rel);

	if (mkdir(p, 0777) != 0)
		fatalx("mkdir %s failed", p);
	free(p);
}

/* symlink target at root/rel. */
static void
ln(const char *target, const char *rel)
{
	char	*p = xasprintf("%s/%s", root, rel);

	if (symlink(target, p) != 0)
		fatalx("symlink %s failed", p);
	free(p);
}

/*
 * Tracked, untracked, ignored (.gitignore, .agentosignore at the root and
 * below), symlinks in and out, a fifo, a deleted tracked file, a tracked
 * file that became a symlink.
 */
static int
setup(void **state)
{
	static const char *add[] = { ".gitignore", ".agentosignore", "a.c",
	    "gone.c", "kind.c", "link-in", "vendor/v.c", "lib/x.c",
	    "lib/.agentosignore", "lib/gen/g.c", "lib/keep/k.c" };
	git_repository	*repo;
	git_index	*idx;
	char		*d = tt_tmpdir(), *p;
	size_t		 i;

	root = realpath(d, NULL);
	free(d);
	d = tt_tmpdir();
	outside = realpath(d, NULL);
	free(d);
	tt_write(outside, "secret.c", "int s;\n", 7);
	git_libgit2_init();
	if (git_repository_init(&repo, root, 0) != 0)
		fatalx("git init failed");
	mk("vendor");
	mk("lib");
	mk("lib/gen");
	mk("lib/keep");
	mk("build");
	mk("sub");
	tt_write(root, ".gitignore", "build/\n*.log\n", 13);
	tt_write(root, ".agentosignore", "# vendored\nvendor/\n*.min.js\n",
	    28);
	tt_write(root, "a.c", "a\n", 2);
	tt_write(root, "gone.c", "g\n", 2);
	tt_write(root, "kind.c", "k\n", 2);
	ln("a.c", "link-in");
	tt_write(root, "vendor/v.c", "v\n", 2);
	tt_write(root, "lib/x.c", "x\n", 2);
	/* Relative to lib/: gen/ below lib only, and re-include keep. */
	tt_write(root, "lib/.agentosignore", "/gen/\nkeep/\n!keep/\n", 19);
	tt_write(root, "lib/gen/g.c", "g\n", 2);
	tt_write(root, "lib/keep/k.c", "k\n", 2);
	tt_write(root, "new.c", "n\n", 2);		/* untracked */
	tt_write(root, "app.min.js", "m\n", 2);		/* .agentosignore */
	tt_write(root, "sub/gen.c", "s\n", 2);		/* not lib/gen */
	tt_write(root, "build/out.c", "o\n", 2);	/* .gitignore */
	tt_write(root, "debug.log", "l\n", 2);		/* .gitignore */
	p = xasprintf("%s/fifo", root);
	if (mkfifo(p, 0666) != 0)
		fatalx("mkfifo failed");
	free(p);
	ln(outside, "link-out");			/* untracked, a dir */
	if (git_repository_index(&idx, repo) != 0)
		fatalx("no index");
	for (i = 0; i < sizeof add / sizeof add[0]; i++) {
		if (git_index_add_bypath(idx, add[i]) != 0)
			fatalx("git add %s failed", add[i]);
	}
	if (git_index_write(idx) != 0)
		fatalx("git add failed");
	git_index_free(idx);
	git_repository_free(repo);

	/* After the add: one deleted, one turned into a symlink. */
	p = xasprintf("%s/gone.c", root);
	unlink(p);
	free(p);
	p = xasprintf("%s/kind.c", root);
	unlink(p);
	free(p);
	ln("a.c", "kind.c");
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

/* The listing with flags, one path a line. */
static char *
list(struct repo *rp, int flags)
{
	struct buf	  b = BUF_INIT;
	char		**v, *cause = NULL;
	size_t		  n, i;

	if (repo_list(rp, flags, &v, &n, &cause) != 0)
		fail_msg("repo_list: %s", cause);
	for (i = 0; i < n; i++)
		buf_addf(&b, "%s\n", v[i]);
	repo_list_free(v, n);
	return (buf_detach(&b, NULL));
}

static void
test_open(void **state)
{
	struct repo	*rp;
	char		*cause = NULL, *sub, *s;

	sub = xasprintf("%s/lib/gen", root);
	assert_int_equal(repo_open(&rp, sub, &cause), 0);
	free(sub);
	assert_string_equal(repo_root(rp), root);
	s = xasprintf("%s/.git/", root);
	assert_string_equal(repo_git_dir(rp), s);
	assert_string_equal(repo_common_dir(rp), s);
	free(s);
	assert_non_null(repo_git(rp));
	repo_free(rp);
	repo_free(NULL);

	assert_int_equal(repo_open(&rp, "/", &cause), -1);
	assert_null(rp);
	assert_non_null(strstr(cause, "not inside a git repository"));
	free(cause);
}

static void
test_list(void **state)
{
	struct repo	*rp;
	char		*cause = NULL, *s;

	assert_int_equal(repo_open(&rp, root, &cause), 0);
	s = list(rp, REPO_LIST_REGULAR);
	assert_string_equal(s, ".agentosignore\n.gitignore\na.c\n"
	    "lib/.agentosignore\nlib/keep/k.c\nlib/x.c\nnew.c\nsub/gen.c\n");
	free(s);
	s = list(rp, REPO_LIST_ALL);
	assert_string_equal(s, ".agentosignore\n.gitignore\na.c\nkind.c\n"
	    "lib/.agentosignore\nlib/keep/k.c\nlib/x.c\nlink-in\nlink-out\n"
	    "new.c\nsub/gen.c\n");
	free(s);
	s = list(rp, REPO_LIST_SYMLINK);
	assert_string_equal(s, "kind.c\nlink-in\nlink-out\n");
	free(s);
	/* Again on the same handle: the same answer. */
	s = list(rp, REPO_LIST_REGULAR);
	assert_non_null(strstr(s, "new.c\n"));
	free(s);
	repo_free(rp);
}

/* repo_listed agrees with repo_list, path by path. */
static void
test_listed(void **state)
{
	static const struct {
		const char	*path;
		int		 listed;
	} t[] = {
		{ "a.c", 1 }, { "new.c", 1 }, { "kind.c", 1 },
		{ "link-in", 1 }, { "link-out", 1 }, { "lib/x.c", 1 },
		{ "lib/keep/k.c", 1 }, { "sub/gen.c", 1 },
		{ "gone.c", 0 }, { "fifo", 0 }, { "vendor/v.c", 0 },
		{ "app.min.js", 0 }, { "build/out.c", 0 }, { "debug.log", 0 },
		{ "lib/gen/g.c", 0 }, { "nothing.c", 0 }, { "lib", 0 },
		{ "link-out/secret.c", 0 },
	};
	struct repo	*rp;
	char		*cause = NULL;
	size_t		 i;
	int		 listed;

	assert_int_equal(repo_open(&rp, root, &cause), 0);
	for (i = 0; i < sizeof t / sizeof t[0]; i++) {
		assert_int_equal(repo_listed(rp, t[i].path, &listed, &cause),
		    0);
		if (listed != t[i].listed)
			fail_msg("%s: listed %d", t[i].path, listed);
	}
	repo_free(rp);
}

static int
count_cb(const char *path, void *arg)
{
	size_t	*n = arg;

	(*n)++;
	return (strcmp(path, "lib/x.c") == 0);
}

static void
test_index_foreach(void **state)
{
	struct repo	*rp;
	char		*cause = NULL;
	size_t		 n = 0;

	assert_int_equal(repo_open(&rp, root, &cause), 0);
	assert_int_equal(repo_index_foreach(rp, count_cb, &n, &cause), 0);
	/* .agentosignore .gitignore a.c gone.c kind.c lib/.agentosignore
	   lib/gen/g.c lib/keep/k.c lib/x.c: stopped there. */
	assert_int_equal(n, 9);
	repo_free(rp);
}

/* Two handles (two worktrees of one process) list independently. */
static void
test_two(void **state)
{
	struct repo	*a, *b;
	git_repository	*g;
	char		*cause = NULL, *other, *s;

	other = tt_tmpdir();
	if (git_repository_init(&g, other, 0) != 0)
		fatalx("git init failed");
	git_repository_free(g);
	tt_write(other, "only.c", "o\n", 2);
	assert_int_equal(repo_open(&a, root, &cause), 0);
	assert_int_equal(repo_open(&b, other, &cause), 0);
	s = list(b, REPO_LIST_ALL);
	assert_string_equal(s, "only.c\n");
	free(s);
	s = list(a, REPO_LIST_ALL);
	assert_null(strstr(s, "only.c"));
	free(s);
	repo_free(a);
	repo_free(b);
	tt_rmtree(other);
	free(other);
}

static void
test_ignore(void **state)
{
	struct repo_ignore	*ri = repo_ignore_create();

	repo_ignore_load(ri, root, "");
	repo_ignore_load(ri, root, "lib");
	assert_int_equal(repo_ignore_count(ri), 5);
	assert_true(repo_ignore_match(ri, "vendor", 1));
	assert_false(repo_ignore_match(ri, "vendor", 0));
	assert_true(repo_ignore_match(ri, "vendor/a/b.c", 0));
	assert_true(repo_ignore_match(ri, "x/vendor/b.c", 0));
	assert_true(repo_ignore_match(ri, "x/y.min.js", 0));
	assert_true(repo_ignore_match(ri, "lib/gen/a.c", 0));
	assert_false(repo_ignore_match(ri, "lib/a/gen/a.c", 0));
	assert_false(repo_ignore_match(ri, "gen/a.c", 0));
	assert_false(repo_ignore_match(ri, "lib/keep/a.c", 0));
	assert_false(repo_ignore_match(ri, "lib/x.c", 0));
	repo_ignore_free(ri);
	repo_ignore_free(NULL);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_open),
		cmocka_unit_test(test_list),
		cmocka_unit_test(test_listed),
		cmocka_unit_test(test_index_foreach),
		cmocka_unit_test(test_two),
		cmocka_unit_test(test_ignore),
	};

	return (cmocka_run_group_tests(tests, setup, teardown));
}
