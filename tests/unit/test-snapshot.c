/*
 * test-snapshot.c: the snapshot engine against real git repositories.
 *
 * The property test makes random sequences of creates, writes, deletes,
 * chmods, symlinks, renames and file/folder swaps (through C calls and
 * through shell commands), snapshots after each, then restores random
 * snapshots and checks the worktree equals the snapshot byte for byte and
 * the user's index, HEAD, refs and stash are unchanged.  Set
 * SNAPSHOT_TEST_SEED to replay one seed.
 *
 * test-timeout: 1200 (s, for tests/run-test: the property test took over
 * 300 s with two suites and builds sharing two cores)
 */
#include <sys/stat.h>
#include <sys/wait.h>

#include <dirent.h>
#include <limits.h>
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
#include "snapshot.h"

static char	 t_repo[PATH_MAX];

static void	 t_sh(const char *, ...) __attribute__((format(printf, 1, 2)));
static void	 t_make_repo(void);
static void	 t_write(const char *, const char *);
static char	*t_read(const char *);
static void	 t_walk(const char *, const char *, struct buf *);
static char	*t_state(void);
static char	*t_user_state(void);

/* Run a shell command in the repository. */
static void
t_sh(const char *fmt, ...)
{
	va_list	 ap;
	char	*cmd, *full;

	va_start(ap, fmt);
	cmd = xvasprintf(fmt, ap);
	va_end(ap);
	full = xasprintf("cd '%s' && { %s ; } >/dev/null 2>&1", t_repo, cmd);
	if (system(full) == -1)
		fail_msg("system: %s", cmd);
	free(full);
	free(cmd);
}

/* A fresh repository with one commit, an ignored file and a stash. */
static void
t_make_repo(void)
{
	char	tmpl[] = "/tmp/agentos-snap.XXXXXX";

	if (mkdtemp(tmpl) == NULL)
		fail_msg("mkdtemp");
	xsnprintf(t_repo, sizeof t_repo, "%s", tmpl);
	t_sh("git init -q -b main . && git config user.email t@example.com"
	    " && git config user.name Test && printf 'hello\\nworld\\n' > "
	    "hello.txt && printf '*.log\\n' > .gitignore && mkdir -p src && "
	    "echo 'int x;' > src/x.c && git add -A && git commit -qm init && "
	    "echo stash >> hello.txt && git stash -q && echo keep > keep.log"
	    " && git status -s");
}

/* Write a file in the repository. */
static void
t_write(const char *rel, const char *data)
{
	char	*abs = xasprintf("%s/%s", t_repo, rel);
	FILE	*f;

	if ((f = fopen(abs, "w")) != NULL) {
		fputs(data, f);
		fclose(f);
	}
	free(abs);
}

/* Read a file of the repository; NULL if absent. */
static char *
t_read(const char *rel)
{
	char		*abs = xasprintf("%s/%s", t_repo, rel), tmp[4096];
	struct buf	 b = BUF_INIT;
	FILE		*f;
	size_t		 n;

	f = fopen(abs, "r");
	free(abs);
	if (f == NULL)
		return (NULL);
	while ((n = fread(tmp, 1, sizeof tmp, f)) > 0)
		buf_add(&b, tmp, n);
	fclose(f);
	return (buf_detach(&b, NULL));
}

/* Describe the worktree below rel (not .git, not *.log) into out. */
static void
t_walk(const char *abs, const char *rel, struct buf *out)
{
	struct dirent	**names;
	struct stat	  sb;
	char		 *cabs, *crel, link[PATH_MAX], *data;
	int		  n, i;
	ssize_t		  len;

	if ((n = scandir(abs, &names, NULL, alphasort)) < 0)
		return;
	for (i = 0; i < n; i++) {
		const char	*name = names[i]->d_name;
		size_t		 nl = strlen(name);

		if (strcmp(name, ".") == 0 || strcmp(name, "..") == 0 ||
		    (*rel == '\0' && strcmp(name, ".git") == 0) ||
		    (nl > 4 && strcmp(name + nl - 4, ".log") == 0)) {
			free(names[i]);
			continue;
		}
		cabs = xasprintf("%s/%s", abs, name);
		crel = *rel == '\0' ? xstrdup(name) :
		    xasprintf("%s/%s", rel, name);
		if (lstat(cabs, &sb) == 0) {
			if (S_ISDIR(sb.st_mode))
				t_walk(cabs, crel, out);
			else if (S_ISLNK(sb.st_mode)) {
				len = readlink(cabs, link, sizeof link - 1);
				link[len < 0 ? 0 : len] = '\0';
				buf_addf(out, "%s L %s\n", crel, link);
			} else {
				data = t_read(crel);
				buf_addf(out, "%s F%c %s\n", crel,
				    (sb.st_mode & S_IXUSR) ? 'x' : '-',
				    data != NULL ? data : "?");
				free(data);
			}
		}
		free(cabs);
		free(crel);
		free(names[i]);
	}
	free(names);
}

/* The whole worktree as text. */
static char *
t_state(void)
{
	struct buf	b = BUF_INIT;

	t_walk(t_repo, "", &b);
	return (buf_detach(&b, NULL));
}

/* The user's index, HEAD, refs (but refs/agentos/) and stash, as text. */
static char *
t_user_state(void)
{
	char		*path = xasprintf("%s/.git/index", t_repo), *idx, *out;
	char		*refs, *tmp = xasprintf("%s/.git/t-refs", t_repo);
	struct buf	 b = BUF_INIT;
	FILE		*f;
	char		 chunk[4096];
	size_t		 n;

	if ((f = fopen(path, "rb")) != NULL) {
		while ((n = fread(chunk, 1, sizeof chunk, f)) > 0)
			buf_add(&b, chunk, n);
		fclose(f);
	}
	idx = xasprintf("index %zu bytes, sum %lu", b.len, (unsigned long)
	    b.len * 31 + (b.len > 0 ? (unsigned char)b.buf[b.len / 2] : 0));
	{
		unsigned long	h = 5381;
		size_t		i;

		for (i = 0; i < b.len; i++)
			h = h * 33 + (unsigned char)b.buf[i];
		free(idx);
		idx = xasprintf("index %zu bytes, djb %lx", b.len, h);
	}
	buf_release(&b);
	t_sh("(cat .git/HEAD; git for-each-ref | grep -v refs/agentos/; "
	    "git stash list; git rev-parse HEAD) > .git/t-refs");
	refs = t_read(".git/t-refs");
	out = xasprintf("%s\n%s", idx, refs != NULL ? refs : "");
	free(idx);
	free(refs);
	free(path);
	free(tmp);
	return (out);
}

static const char *t_names[] = {
	"a", "b", "d/a", "d/b", "d/e/a", "e/c", "x y", "d/e/c"
};
#define T_NNAMES (sizeof t_names / sizeof t_names[0])

/* One random change to the worktree. */
static void
t_random_op(unsigned int *seed)
{
	const char	*p = t_names[rand_r(seed) % T_NNAMES];
	const char	*q = t_names[rand_r(seed) % T_NNAMES];
	char		*content, *abs;
	int		 op = rand_r(seed) % 9;

	content = xasprintf("%d line\n%d\n", rand_r(seed) % 1000,
	    rand_r(seed) % 3);
	switch (op) {
	case 0:		/* write through C */
		t_sh("mkdir -p \"$(dirname '%s')\"", p);
		t_write(p, content);
		break;
	case 1:		/* write through the shell */
		t_sh("mkdir -p \"$(dirname '%s')\" && printf '%%s' '%s' >> "
		    "'%s'", p, content, p);
		break;
	case 2:		/* delete (a file or a whole folder) */
		t_sh("rm -rf '%s'", rand_r(seed) % 3 == 0 ? "d" : p);
		break;
	case 3:		/* chmod */
		abs = xasprintf("%s/%s", t_repo, p);
		chmod(abs, rand_r(seed) % 2 ? 0755 : 0644);
		free(abs);
		break;
	case 4:		/* symlink */
		t_sh("mkdir -p \"$(dirname '%s')\" && rm -rf '%s' && "
		    "ln -s '%s' '%s'", p, p, q, p);
		break;
	case 5:		/* rename */
		t_sh("mkdir -p \"$(dirname '%s')\" && mv '%s' '%s'", q, p, q);
		break;
	case 6:		/* a file becomes a folder */
		t_sh("rm -rf '%s' && mkdir -p '%s' && echo in > '%s/in'", p, p,
		    p);
		break;
	case 7:		/* a folder becomes a file */
		t_sh("rm -rf d && echo now-a-file > d");
		break;
	default:	/* edit a tracked file */
		t_sh("echo %d >> hello.txt", rand_r(seed) % 100);
		break;
	}
	free(content);
}

/* Random histories, random restores, with and without the watcher. */
static void
t_property(int watch, unsigned int seed0)
{
	struct snapshot_options	 opts;
	struct snapshot_store	*st;
	struct snapshot_plan	 plan;
	char			*states[64], *ids[64], *cause = NULL;
	char			*user, *now, *keep;
	unsigned int		 seed = seed0;
	int			 i, k, nsnap = 0;

	t_make_repo();
	user = t_user_state();
	snapshot_options_init(&opts, NULL);
	opts.flags = watch ? SNAPSHOT_WATCH : 0;
	st = snapshot_open_opts(t_repo, "prop", &opts, &cause);
	if (st == NULL)
		fail_msg("open: %s", cause);
	if (watch)
		assert_non_null(snapshot_watch(st));
	for (i = 0; i < 30; i++) {
		if (i > 0) {
			t_random_op(&seed);
			if (rand_r(&seed) % 2)
				t_random_op(&seed);
		}
		if (snapshot_take(st, "step", "test", i, NULL, 0, &ids[nsnap],
		    &cause) != 0)
			fail_msg("seed %u step %d: %s", seed0, i, cause);
		states[nsnap++] = t_state();
	}
	for (k = 0; k < 12; k++) {
		i = rand_r(&seed) % nsnap;
		if (rand_r(&seed) % 3 == 0)
			t_random_op(&seed);
		if (snapshot_restore_ext(st, ids[i], SNAPSHOT_RESTORE_FORCE,
		    &plan, &cause) != 0)
			fail_msg("seed %u restore %s: %s", seed0, ids[i], cause);
		if (plan.nblocked != 0) {
			fail_msg("seed %u (watch %d): restore %d of %s: %zu "
			    "blocked, first %s; worktree:\n%s", seed0, watch, k,
			    ids[i], plan.nblocked, plan.blocked[0], t_state());
		}
		now = t_state();
		if (strcmp(now, states[i]) != 0) {
			fail_msg("seed %u (watch %d): restore of %s differs:\n"
			    "--- want\n%s--- got\n%s", seed0, watch, ids[i],
			    states[i], now);
		}
		free(now);
		/* Redo: the snapshot taken first brings the state back. */
		if (k % 4 == 3) {
			char	*before = t_state();
			char	*pre = xstrdup(plan.before);

			snapshot_plan_release(&plan);
			t_sh("echo redo-test > redo.txt");
			free(before);
			before = t_state();
			if (snapshot_restore_ext(st, ids[i],
			    SNAPSHOT_RESTORE_FORCE, &plan, &cause) != 0)
				fail_msg("restore: %s", cause);
			snapshot_plan_release(&plan);
			if (snapshot_restore_ext(st, pre == NULL ? "1" : pre,
			    SNAPSHOT_RESTORE_FORCE, &plan, &cause) != 0)
				fail_msg("redo: %s", cause);
			free(pre);
			free(before);
		}
		snapshot_plan_release(&plan);
	}
	keep = t_read("keep.log");
	assert_non_null(keep);
	assert_string_equal(keep, "keep\n");
	free(keep);
	now = t_user_state();
	assert_string_equal(now, user);
	free(now);
	free(user);
	snapshot_close(st);
	for (i = 0; i < nsnap; i++) {
		free(states[i]);
		free(ids[i]);
	}
	t_sh("rm -rf '%s'", t_repo);
}

static void
test_property_watch(void **state)
{
	const char	*s = getenv("SNAPSHOT_TEST_SEED");
	unsigned int	 seed;

	if (s != NULL) {
		t_property(1, (unsigned int)atoi(s));
		return;
	}
	for (seed = 1; seed <= 12; seed++)
		t_property(1, seed);
}

static void
test_property_scan(void **state)
{
	const char	*s = getenv("SNAPSHOT_TEST_SEED");
	unsigned int	 seed;

	if (s != NULL) {
		t_property(0, (unsigned int)atoi(s));
		return;
	}
	for (seed = 100; seed <= 111; seed++)
		t_property(0, seed);
}

/* Files changed by hand are not overwritten without confirmation. */
static void
test_hand_edit(void **state)
{
	struct snapshot_store	*st;
	struct snapshot_plan	 plan;
	char			*id1 = NULL, *id2 = NULL, *cause = NULL, *s;

	t_make_repo();
	if ((st = snapshot_open(t_repo, "hand", &cause)) == NULL)
		fail_msg("open: %s", cause);
	assert_int_equal(snapshot_take(st, "edit_file hello.txt", "edit_file",
	    1, NULL, 0, &id1, &cause), 0);
	t_write("hello.txt", "agent\n");		/* the agent's edit */
	assert_int_equal(snapshot_done(st, &cause), 0);
	/* Rewinding the agent's own change needs no confirmation. */
	assert_int_equal(snapshot_restore_ext(st, id1, SNAPSHOT_RESTORE_DRY_RUN,
	    &plan, &cause), 0);
	assert_int_equal(plan.nhand, 0);
	assert_int_equal(plan.nwrite, 1);
	snapshot_plan_release(&plan);

	t_write("hello.txt", "by hand\n");		/* the user's edit */
	assert_int_equal(snapshot_restore_ext(st, id1, 0, &plan, &cause), -1);
	assert_int_equal(plan.need_confirm, 1);
	assert_int_equal(plan.nhand, 1);
	assert_string_equal(plan.hand[0], "hello.txt");
	assert_non_null(strstr(cause, "hello.txt"));
	free(cause);
	cause = NULL;
	snapshot_plan_release(&plan);
	s = t_read("hello.txt");
	assert_string_equal(s, "by hand\n");		/* untouched */
	free(s);

	/* Confirmed: restored, and the hand edit is in the snapshot before. */
	assert_int_equal(snapshot_restore_ext(st, id1, SNAPSHOT_RESTORE_FORCE,
	    &plan, &cause), 0);
	s = t_read("hello.txt");
	assert_string_equal(s, "hello\nworld\n");
	free(s);
	id2 = xstrdup(plan.before);
	snapshot_plan_release(&plan);
	assert_int_equal(snapshot_restore_ext(st, id2, 0, &plan, &cause), 0);
	snapshot_plan_release(&plan);
	s = t_read("hello.txt");
	assert_string_equal(s, "by hand\n");
	free(s);
	free(id1);
	free(id2);
	snapshot_close(st);
	t_sh("rm -rf '%s'", t_repo);
}

/* Ignored files the agent writes are captured; others are never touched;
   large untracked files and folders are skipped and never removed. */
static void
test_ignored_and_large(void **state)
{
	struct snapshot_options	 opts;
	struct snapshot_store	*st;
	struct snapshot_plan	 plan;
	const char		*paths[] = { "gen/out.log" };
	const char *const	*skipped;
	char			*id1 = NULL, *id2 = NULL, *cause = NULL, *s;
	size_t			 n;

	t_make_repo();
	snapshot_options_init(&opts, NULL);
	opts.max_file_size = 1000;
	opts.max_dir_files = 50;
	st = snapshot_open_opts(t_repo, "big", &opts, &cause);
	if (st == NULL)
		fail_msg("open: %s", cause);
	t_sh("head -c 5000 /dev/zero > big.bin && mkdir vendor && "
	    "for i in $(seq 60); do echo $i > vendor/f$i; done");
	assert_int_equal(snapshot_take(st, "bash", "bash", 1, paths, 1, &id1,
	    &cause), 0);
	skipped = snapshot_skipped(st, &n);
	assert_int_equal(n, 2);
	assert_true((strcmp(skipped[0], "big.bin") == 0 &&
	    strcmp(skipped[1], "vendor") == 0) ||
	    (strcmp(skipped[1], "big.bin") == 0 &&
	    strcmp(skipped[0], "vendor") == 0));
	/* The agent writes an ignored file it named, and one it did not. */
	t_sh("mkdir -p gen && echo generated > gen/out.log && "
	    "echo other > other.log");
	assert_int_equal(snapshot_take(st, "bash", "bash", 2, NULL, 0, &id2,
	    &cause), 0);
	assert_int_equal(snapshot_restore_ext(st, id1, SNAPSHOT_RESTORE_FORCE,
	    &plan, &cause), 0);
	assert_int_equal(plan.nremove, 1);
	assert_string_equal(plan.remove[0], "gen/out.log");
	snapshot_plan_release(&plan);
	assert_null(t_read("gen/out.log"));
	s = t_read("other.log");
	assert_string_equal(s, "other\n");
	free(s);
	assert_int_equal(access("big.bin", F_OK) == 0 || 1, 1);
	s = xasprintf("%s/big.bin", t_repo);
	assert_int_equal(access(s, F_OK), 0);
	free(s);
	s = xasprintf("%s/vendor/f60", t_repo);
	assert_int_equal(access(s, F_OK), 0);
	free(s);
	/* And back: the agent's ignored file returns. */
	assert_int_equal(snapshot_restore_ext(st, id2, SNAPSHOT_RESTORE_FORCE,
	    &plan, &cause), 0);
	snapshot_plan_release(&plan);
	s = t_read("gen/out.log");
	assert_string_equal(s, "generated\n");
	free(s);
	free(id1);
	free(id2);
	snapshot_close(st);
	t_sh("rm -rf '%s'", t_repo);
}

/* A restore killed half-way is reported, blocks snapshots, and can be
   finished or rolled back. */
static void
t_killed(int finish)
{
	struct snapshot_store	*st;
	struct snapshot_plan	 plan;
	char			*id1 = NULL, *id2 = NULL, *cause = NULL;
	char			*s1, *s2, *now, *desc = NULL;
	pid_t			 pid;
	int			 status, i;

	t_make_repo();
	if ((st = snapshot_open(t_repo, "kill", &cause)) == NULL)
		fail_msg("open: %s", cause);
	for (i = 0; i < 10; i++) {
		s1 = xasprintf("f%d", i);
		t_write(s1, "one\n");
		free(s1);
	}
	assert_int_equal(snapshot_take(st, "one", "test", 1, NULL, 0, &id1,
	    &cause), 0);
	s1 = t_state();
	t_sh("for i in 0 1 2 3 4 5 6 7 8 9; do echo two > f$i; done; "
	    "rm hello.txt; echo new > new.txt");
	assert_int_equal(snapshot_take(st, "two", "test", 2, NULL, 0, &id2,
	    &cause), 0);
	s2 = t_state();
	snapshot_close(st);

	if ((pid = fork()) == 0) {
		setenv("AGENTOS_TEST_CRASH_RESTORE", "5", 1);
		st = snapshot_open(t_repo, "kill", &cause);
		snapshot_restore_ext(st, "1", SNAPSHOT_RESTORE_FORCE, &plan,
		    &cause);
		_exit(0);	/* not reached */
	}
	assert_int_equal(waitpid(pid, &status, 0), pid);
	assert_true(WIFSIGNALED(status) && WTERMSIG(status) == SIGKILL);
	now = t_state();
	assert_string_not_equal(now, s1);
	assert_string_not_equal(now, s2);
	free(now);

	if ((st = snapshot_open(t_repo, "kill", &cause)) == NULL)
		fail_msg("reopen: %s", cause);
	assert_int_equal(snapshot_pending(st, &desc), 1);
	assert_non_null(strstr(desc, "interrupted"));
	free(desc);
	assert_int_equal(snapshot_take(st, "x", "test", 3, NULL, 0, &id1,
	    &cause), -1);
	assert_non_null(strstr(cause, "interrupted"));
	free(cause);
	cause = NULL;
	if (snapshot_recover(st, finish, &cause) != 0)
		fail_msg("recover: %s", cause);
	assert_int_equal(snapshot_pending(st, NULL), 0);
	now = t_state();
	assert_string_equal(now, finish ? s1 : s2);
	free(now);
	free(id1);
	id1 = NULL;
	assert_int_equal(snapshot_take(st, "after", "test", 3, NULL, 0, &id1,
	    &cause), 0);
	snapshot_close(st);
	free(s1);
	free(s2);
	free(id1);
	free(id2);
	t_sh("rm -rf '%s'", t_repo);
}

static void
test_killed_restore_finish(void **state)
{
	t_killed(1);
}

static void
test_killed_restore_rollback(void **state)
{
	t_killed(0);
}

/* A snapshot killed before its ref moved leaves everything as it was. */
static void
test_killed_snapshot(void **state)
{
	struct snapshot_store	*st;
	struct snapshot_info	*v;
	char			*id = NULL, *cause = NULL, *before, *now;
	pid_t			 pid;
	int			 status;
	size_t			 n, i;

	t_make_repo();
	before = t_state();
	if ((pid = fork()) == 0) {
		setenv("AGENTOS_TEST_CRASH_SNAPSHOT", "1", 1);
		st = snapshot_open(t_repo, "ks", &cause);
		snapshot_take(st, "x", "test", 1, NULL, 0, &id, &cause);
		_exit(0);
	}
	assert_int_equal(waitpid(pid, &status, 0), pid);
	assert_true(WIFSIGNALED(status));
	now = t_state();
	assert_string_equal(now, before);
	free(now);
	if ((st = snapshot_open(t_repo, "ks", &cause)) == NULL)
		fail_msg("reopen: %s", cause);
	assert_int_equal(snapshot_pending(st, NULL), 0);
	assert_int_equal(snapshot_take(st, "y", "test", 1, NULL, 0, &id,
	    &cause), 0);
	assert_string_equal(id, "1");
	assert_int_equal(snapshot_list(st, &v, &n, &cause), 0);
	assert_int_equal(n, 1);
	assert_string_equal(v[0].action, "y");
	assert_string_equal(v[0].tool, "test");
	for (i = 0; i < n; i++)
		snapshot_info_release(&v[i]);
	free(v);
	free(id);
	free(before);
	snapshot_close(st);
	t_sh("rm -rf '%s'", t_repo);
}

/*
 * A folder a restore created is replaced by a file before the watcher saw
 * the folder: the watcher never reports the files the restore put in it,
 * and the snapshot must still not hold them (nor a file and a folder of the
 * same name).  Seed 15 of the property test found this.
 */
static void
test_folder_became_file_unseen(void **state)
{
	struct snapshot_options	 opts;
	struct snapshot_store	*st;
	struct snapshot_plan	 plan;
	char			*one, *two, *three, *cause = NULL, *want, *now;
	char			*tree;

	t_make_repo();
	snapshot_options_init(&opts, NULL);
	st = snapshot_open_opts(t_repo, "dfu", &opts, &cause);
	if (st == NULL)
		fail_msg("open: %s", cause);
	assert_non_null(snapshot_watch(st));
	t_sh("mkdir d && echo b > d/b");
	if (snapshot_take(st, "one", "test", 1, NULL, 0, &one, &cause) != 0)
		fail_msg("take: %s", cause);
	t_sh("rm -rf d");
	if (snapshot_take(st, "two", "test", 2, NULL, 0, &two, &cause) != 0)
		fail_msg("take: %s", cause);
	/* The restore makes d/ and d/b; nothing drains the watcher. */
	if (snapshot_restore_ext(st, one, SNAPSHOT_RESTORE_FORCE, &plan,
	    &cause) != 0)
		fail_msg("restore: %s", cause);
	snapshot_plan_release(&plan);
	t_sh("rm -rf d && echo now-a-file > d");
	want = t_state();
	if (snapshot_take(st, "three", "test", 3, NULL, 0, &three,
	    &cause) != 0)
		fail_msg("take: %s", cause);
	t_sh("git ls-tree -r --name-only refs/agentos/sessions/dfu > "
	    ".git/t-tree");
	tree = t_read(".git/t-tree");
	assert_non_null(tree);
	assert_null(strstr(tree, "d/b"));
	free(tree);
	/* And it restores exactly. */
	t_sh("rm -f d && mkdir d && echo other > d/b");
	if (snapshot_restore_ext(st, three, SNAPSHOT_RESTORE_FORCE, &plan,
	    &cause) != 0)
		fail_msg("restore: %s", cause);
	assert_int_equal(plan.nblocked, 0);
	snapshot_plan_release(&plan);
	now = t_state();
	assert_string_equal(now, want);
	free(now);
	free(want);
	free(one);
	free(two);
	free(three);
	snapshot_close(st);
	t_sh("rm -rf '%s'", t_repo);
}

/*
 * A restore puts a file where a folder is that holds, besides the files the
 * restore removes, only empty folders (git does not hold them).  Seeds 46
 * and 66 of the property test found this.
 */
static void
t_file_over_empty_folders(int watch)
{
	struct snapshot_options	 opts;
	struct snapshot_store	*st;
	struct snapshot_plan	 plan;
	char			*one, *two, *cause = NULL, *want, *now;

	t_make_repo();
	snapshot_options_init(&opts, NULL);
	opts.flags = watch ? SNAPSHOT_WATCH : 0;
	if ((st = snapshot_open_opts(t_repo, "foe", &opts, &cause)) == NULL)
		fail_msg("open: %s", cause);
	t_sh("echo a-file > d");
	want = t_state();
	if (snapshot_take(st, "one", "test", 1, NULL, 0, &one, &cause) != 0)
		fail_msg("take: %s", cause);
	t_sh("rm d && mkdir -p d/e/f d/g && echo x > d/x");
	if (snapshot_take(st, "two", "test", 2, NULL, 0, &two, &cause) != 0)
		fail_msg("take: %s", cause);
	if (snapshot_restore_ext(st, one, SNAPSHOT_RESTORE_FORCE, &plan,
	    &cause) != 0)
		fail_msg("restore (watch %d): %s", watch, cause);
	assert_int_equal(plan.nblocked, 0);
	snapshot_plan_release(&plan);
	now = t_state();
	assert_string_equal(now, want);
	free(now);
	free(want);
	/* A file in the folder that no snapshot holds still blocks. */
	free(two);
	t_sh("rm d && mkdir -p d/e && echo x > d/x");
	if (snapshot_take(st, "three", "test", 3, NULL, 0, &two, &cause) != 0)
		fail_msg("take: %s", cause);
	free(two);
	t_sh("echo y > d/e/y.log");
	if (snapshot_restore_ext(st, one, SNAPSHOT_RESTORE_FORCE, &plan,
	    &cause) != 0)
		fail_msg("restore (watch %d): %s", watch, cause);
	assert_int_equal(plan.nblocked, 1);
	snapshot_plan_release(&plan);
	now = t_read("d/e/y.log");
	assert_non_null(now);
	assert_string_equal(now, "y\n");
	free(now);
	free(one);
	snapshot_close(st);
	t_sh("rm -rf '%s'", t_repo);
}

static void
test_file_over_empty_folders(void **state)
{
	t_file_over_empty_folders(1);
	t_file_over_empty_folders(0);
}

/*
 * With .gitattributes in the user's index its object ids are of filtered
 * content: the store must not seed from it, so snapshots hold exact bytes.
 */
static void
test_attributes_exact_bytes(void **state)
{
	struct snapshot_options	 opts;
	struct snapshot_store	*st;
	struct snapshot_plan	 plan;
	char			*id, *cause = NULL, *now;
	int			 watch;

	for (watch = 0; watch < 2; watch++) {
		t_make_repo();
		t_sh("mkdir -p sub && printf '*.txt text\\n' > "
		    "sub/.gitattributes && printf 'a\\r\\nb\\r\\n' > "
		    "sub/crlf.txt && git add -A && git commit -qm attrs && "
		    "git status");
		snapshot_options_init(&opts, NULL);
		opts.flags = watch ? SNAPSHOT_WATCH : 0;
		st = snapshot_open_opts(t_repo, "attr", &opts, &cause);
		if (st == NULL)
			fail_msg("open: %s", cause);
		if (snapshot_take(st, "one", "test", 1, NULL, 0, &id,
		    &cause) != 0)
			fail_msg("take: %s", cause);
		t_write("sub/crlf.txt", "changed\n");
		if (snapshot_restore_ext(st, id, SNAPSHOT_RESTORE_FORCE, &plan,
		    &cause) != 0)
			fail_msg("restore: %s", cause);
		snapshot_plan_release(&plan);
		now = t_read("sub/crlf.txt");
		assert_non_null(now);
		assert_string_equal(now, "a\r\nb\r\n");
		free(now);
		free(id);
		snapshot_close(st);
		t_sh("rm -rf '%s'", t_repo);
	}
}

/* Files inside a submodule are the submodule's, never the snapshot's. */
static void
test_submodule_left_alone(void **state)
{
	struct snapshot_options	 opts;
	struct snapshot_store	*st;
	char			*id, *cause = NULL, *tree;
	int			 watch;

	for (watch = 0; watch < 2; watch++) {
		t_make_repo();
		t_sh("mkdir sub && cd sub && git init -q && echo s > s && "
		    "git add s && git -c user.name=a -c user.email=a@a "
		    "commit -qm s && cd .. && git add sub && "
		    "git commit -qm sub");
		snapshot_options_init(&opts, NULL);
		opts.flags = watch ? SNAPSHOT_WATCH : 0;
		st = snapshot_open_opts(t_repo, "sm", &opts, &cause);
		if (st == NULL)
			fail_msg("open: %s", cause);
		if (snapshot_take(st, "one", "test", 1, NULL, 0, &id,
		    &cause) != 0)
			fail_msg("take: %s", cause);
		free(id);
		t_write("sub/new.txt", "inside\n");
		t_write("top.txt", "outside\n");
		if (snapshot_take(st, "two", "test", 2, NULL, 0, &id,
		    &cause) != 0)
			fail_msg("take: %s", cause);
		free(id);
		t_sh("git ls-tree -r refs/agentos/sessions/sm > .git/t-tree");
		tree = t_read(".git/t-tree");
		assert_non_null(tree);
		assert_non_null(strstr(tree, "top.txt"));
		assert_non_null(strstr(tree, "160000 commit "));
		assert_null(strstr(tree, "sub/"));
		free(tree);
		snapshot_close(st);
		t_sh("rm -rf '%s'", t_repo);
	}
}

/* Rewind-last walks back through the agent's changes; list has counts. */
static void
test_rewind_last_and_list(void **state)
{
	struct snapshot_store	*st;
	struct snapshot_info	*v;
	struct snapshot_plan	 plan;
	struct buf		 diff = BUF_INIT;
	char			*id = NULL, *cause = NULL, *s;
	size_t			 n, i;

	t_make_repo();
	if ((st = snapshot_open(t_repo, "last", &cause)) == NULL)
		fail_msg("open: %s", cause);
	assert_int_equal(snapshot_take(st, "write_file a", "write_file", 1,
	    NULL, 0, &id, &cause), 0);
	free(id);
	t_write("a", "1\n2\n3\n");
	snapshot_done(st, &cause);
	assert_int_equal(snapshot_take(st, "edit_file a", "edit_file", 2,
	    NULL, 0, &id, &cause), 0);
	free(id);
	t_write("a", "1\nTWO\n3\n");
	snapshot_done(st, &cause);

	assert_int_equal(snapshot_list(st, &v, &n, &cause), 0);
	assert_int_equal(n, 2);
	assert_string_equal(v[0].id, "1");
	assert_string_equal(v[1].id, "2");
	assert_string_equal(v[1].action, "edit_file a");
	assert_int_equal(v[1].turn, 2);
	assert_int_equal(v[1].files, 1);
	assert_int_equal(v[1].added, 3);
	assert_int_equal(v[1].removed, 0);
	for (i = 0; i < n; i++)
		snapshot_info_release(&v[i]);
	free(v);

	assert_int_equal(snapshot_diff(st, "2", &diff, &cause), 0);
	assert_non_null(strstr(diff.buf, "-2\n+TWO\n"));
	buf_release(&diff);

	assert_int_equal(snapshot_rewind_last(st, 0, &plan, &cause), 0);
	snapshot_plan_release(&plan);
	s = t_read("a");
	assert_string_equal(s, "1\n2\n3\n");
	free(s);
	assert_int_equal(snapshot_rewind_last(st, 0, &plan, &cause), 0);
	snapshot_plan_release(&plan);
	assert_null(t_read("a"));
	assert_int_equal(snapshot_rewind_last(st, 0, &plan, &cause), -1);
	free(cause);
	snapshot_close(st);
	t_sh("rm -rf '%s'", t_repo);
}

/*
 * One count per session, a fork that starts from its parent's chain, each
 * row credited with its own action's change, and rewind-last passing over
 * a no-op command and asking before it takes a hand edit.
 */
static void
test_count_fork_rewind(void **state)
{
	struct snapshot_store	*st, *f;
	struct snapshot_info	*v;
	struct snapshot_plan	 plan;
	const char		*names[] = { "p", "f", "nosuch", "../bad" };
	int			 counts[4];
	char			*id = NULL, *cause = NULL, *s, *c2;
	size_t			 n, i;

	t_make_repo();
	if ((st = snapshot_open(t_repo, "p", &cause)) == NULL)
		fail_msg("open: %s", cause);
	assert_int_equal(snapshot_count(st, NULL), 0);
	assert_int_equal(snapshot_take(st, "write_file a", "write_file", 1,
	    NULL, 0, &id, &cause), 0);
	free(id);
	t_write("a", "1\n2\n3\n");
	snapshot_done(st, &cause);
	assert_int_equal(snapshot_take(st, "edit_file a", "edit_file", 1,
	    NULL, 0, &id, &cause), 0);
	free(id);
	t_write("a", "1\nTWO\n3\n");
	snapshot_done(st, &cause);
	assert_int_equal(snapshot_take(st, "bash true", "bash", 1, NULL, 0,
	    &id, &cause), 0);
	free(id);
	snapshot_done(st, &cause);
	assert_int_equal(snapshot_count(st, NULL), 3);
	assert_int_equal(snapshot_count(st, "p"), 3);

	/* Each row: what its own action changed, the last to now. */
	assert_int_equal(snapshot_list(st, &v, &n, &cause), 0);
	assert_int_equal(n, 3);
	snapshot_list_changes(st, v, n, 1);
	assert_int_equal(v[0].files, 1);
	assert_int_equal(v[0].added, 3);
	assert_int_equal(v[1].files, 1);
	assert_int_equal(v[1].added, 1);
	assert_int_equal(v[1].removed, 1);
	assert_int_equal(v[2].files, 0);
	c2 = xstrdup(v[1].commit);
	snapshot_list_changes(st, v, n, 0);
	assert_int_equal(v[2].files, -1);
	for (i = 0; i < n; i++)
		snapshot_info_release(&v[i]);
	free(v);

	/*
	 * A hand edit after the command that changed nothing: rewind-last
	 * targets the edit (not the command, which would only take the
	 * hand edit back), and asks.
	 */
	t_write("b", "by hand\n");
	assert_int_equal(snapshot_rewind_last(st, 0, &plan, &cause), -1);
	assert_true(plan.need_confirm);
	assert_string_equal(plan.target, c2);
	assert_int_equal(plan.nhand, 1);
	assert_string_equal(plan.hand[0], "b");
	assert_non_null(strstr(cause, "these hand edits would be lost"));
	free(cause);
	cause = NULL;
	snapshot_plan_release(&plan);
	assert_int_equal(snapshot_rewind_last(st, SNAPSHOT_RESTORE_FORCE,
	    &plan, &cause), 0);
	snapshot_plan_release(&plan);
	s = t_read("a");
	assert_string_equal(s, "1\n2\n3\n");
	free(s);
	/* Again: to before a was written. */
	assert_int_equal(snapshot_rewind_last(st, 0, &plan, &cause), 0);
	snapshot_plan_release(&plan);
	assert_null(t_read("a"));
	free(c2);

	/* A fork starts from snapshot 2 of p and goes on from there. */
	if ((f = snapshot_open(t_repo, "f", &cause)) == NULL)
		fail_msg("open f: %s", cause);
	assert_int_equal(snapshot_fork(f, "p", "2", &cause), 0);
	assert_int_equal(snapshot_count(f, NULL), 2);
	assert_int_equal(snapshot_take(f, "write_file c", "write_file", 1,
	    NULL, 0, &id, &cause), 0);
	assert_string_equal(id, "3");
	free(id);
	assert_int_equal(snapshot_count(f, NULL), 3);
	assert_int_equal(snapshot_fork(f, "p", NULL, &cause), -1);
	free(cause);
	cause = NULL;
	snapshot_counts(t_repo, names, counts, 4);
	assert_int_equal(counts[0], 5);		/* 3, and two rewinds */
	assert_int_equal(counts[1], 3);
	assert_int_equal(counts[2], 0);
	assert_int_equal(counts[3], 0);
	snapshot_close(f);
	snapshot_close(st);
	t_sh("rm -rf '%s'", t_repo);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_hand_edit),
		cmocka_unit_test(test_ignored_and_large),
		cmocka_unit_test(test_killed_restore_finish),
		cmocka_unit_test(test_killed_restore_rollback),
		cmocka_unit_test(test_killed_snapshot),
		cmocka_unit_test(test_rewind_last_and_list),
		cmocka_unit_test(test_count_fork_rewind),
		cmocka_unit_test(test_folder_became_file_unseen),
		cmocka_unit_test(test_file_over_empty_folders),
		cmocka_unit_test(test_attributes_exact_bytes),
		cmocka_unit_test(test_submodule_left_alone),
		cmocka_unit_test(test_property_watch),
		cmocka_unit_test(test_property_scan),
	};

	/* Check every incremental tree against a full write of the index. */
	setenv("AGENTOS_SNAPSHOT_VERIFY", "1", 1);
	setenv("GIT_CONFIG_NOSYSTEM", "1", 1);
	return (cmocka_run_group_tests(tests, NULL, NULL));
}
