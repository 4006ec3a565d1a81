/*
 * bench-snapshot.c: time the snapshot engine on a repository.
 *
 * usage: bench-snapshot REPO [ROUNDS [watch|scan]]
 *
 * REPO must be a git worktree with at least 10 tracked files (it is
 * changed: files get lines appended and are restored).  Prints, with the
 * watcher and without it: the first snapshot (full scan), a snapshot with 10
 * changed files, a snapshot with nothing changed, a restore of 10 files
 * (including the snapshot a restore takes first), and the bytes the object
 * database grew by per 10-file snapshot.  Times are medians over ROUNDS
 * (default 20), in ms, with the minimum, and the median CPU time of the
 * process (what is left of the wall time is waiting: the disk, the
 * scheduler on a loaded machine).
 *
 * The timed operations run in their own functions, bench_ten(),
 * bench_none() and bench_restore(), so a profiler can count just them:
 *
 *	valgrind --tool=callgrind --toggle-collect=bench_ten \
 *	    bench/bench-snapshot REPO 5 watch
 */
#include <sys/stat.h>

#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <git2.h>

#include "agentos.h"
#include "snapshot.h"

static char	**files;
static size_t	  nfiles;

/* Monotonic ms. */
static double
now_ms(void)
{
	struct timespec	ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (ts.tv_sec * 1e3 + ts.tv_nsec / 1e6);
}

/* CPU time of the process (user and system), ms. */
static double
cpu_ms(void)
{
	struct timespec	ts;

	clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &ts);
	return (ts.tv_sec * 1e3 + ts.tv_nsec / 1e6);
}

static int
cmp_double(const void *a, const void *b)
{
	double	x = *(const double *)a, y = *(const double *)b;

	return (x < y ? -1 : x > y);
}

static double
median(double *v, int n)
{
	qsort(v, n, sizeof *v, cmp_double);
	return (v[n / 2]);
}

/* The smallest of v (sorted by median() first). */
static double
least(double *v, int n)
{
	qsort(v, n, sizeof *v, cmp_double);
	return (v[0]);
}

/* Bytes of loose objects under dir (recursive). */
static unsigned long long
du(const char *dir)
{
	DIR			*d;
	struct dirent		*de;
	struct stat		 sb;
	char			*p;
	unsigned long long	 n = 0;

	if ((d = opendir(dir)) == NULL)
		return (0);
	while ((de = readdir(d)) != NULL) {
		if (de->d_name[0] == '.')
			continue;
		p = xasprintf("%s/%s", dir, de->d_name);
		if (lstat(p, &sb) == 0) {
			if (S_ISDIR(sb.st_mode))
				n += du(p);
			else
				n += (unsigned long long)sb.st_size;
		}
		free(p);
	}
	closedir(d);
	return (n);
}

/* Append a line to 10 tracked files picked at random (the same each run). */
static void
touch10(const char *root, unsigned int *seed, unsigned long long *bytes)
{
	char	*p;
	FILE	*f;
	int	 i;

	for (i = 0; i < 10; i++) {
		p = xasprintf("%s/%s", root, files[rand_r(seed) % nfiles]);
		if ((f = fopen(p, "a")) != NULL) {
			/* The pid: new objects, not ones an earlier run
			   left (or that a gc packed). */
			fprintf(f, "bench %ld %d %d\n", (long)getpid(),
			    rand_r(seed), i);
			fclose(f);
		}
		if (bytes != NULL) {
			struct stat	sb;

			if (stat(p, &sb) == 0)
				*bytes += (unsigned long long)sb.st_size;
		}
		free(p);
	}
}

static void
die(const char *what, char *cause)
{
	fprintf(stderr, "bench-snapshot: %s: %s\n", what, cause);
	exit(1);
}

/* The timed snapshot with 10 files changed (a profiler's toggle). */
static __attribute__((noinline)) void
bench_ten(struct snapshot_store *st, int i)
{
	char	*id, *cause = NULL;

	if (snapshot_take(st, "ten", "bench", i, NULL, 0, &id, &cause) != 0)
		die("snapshot", cause);
	free(id);
}

/* The timed snapshot with nothing changed. */
static __attribute__((noinline)) void
bench_none(struct snapshot_store *st, int i)
{
	char	*id, *cause = NULL;

	if (snapshot_take(st, "none", "bench", i, NULL, 0, &id, &cause) != 0)
		die("snapshot", cause);
	free(id);
}

/* The timed restore of 10 files (with the snapshot it takes first). */
static __attribute__((noinline)) void
bench_restore(struct snapshot_store *st, const char *base)
{
	struct snapshot_plan	 plan;
	char			*cause = NULL;

	if (snapshot_restore_ext(st, base, SNAPSHOT_RESTORE_FORCE, &plan,
	    &cause) != 0)
		die("restore", cause);
	if (plan.nwrite == 0)
		die("restore", xstrdup("nothing restored"));
	snapshot_plan_release(&plan);
}

/* One configuration: watcher on or off. */
static void
run(const char *root, int watch, int rounds)
{
	struct snapshot_options	 opts;
	struct snapshot_store	*st;
	double			*t10, *t0, *tr, *c10, *cr, t, c;
	const char		*what = watch ? "watch" : "scan";
	char			*cause = NULL, *id, *objects, *base, sess[64];
	unsigned int		 seed = 42;
	unsigned long long	 before, grown = 0, blobs = 0;
	int			 i;

	t10 = xcalloc(rounds, sizeof *t10);
	t0 = xcalloc(rounds, sizeof *t0);
	tr = xcalloc(rounds, sizeof *tr);
	c10 = xcalloc(rounds, sizeof *c10);
	cr = xcalloc(rounds, sizeof *cr);
	objects = xasprintf("%s/.git/objects", root);
	snprintf(sess, sizeof sess, "bench-%s-%ld", what, (long)getpid());
	snapshot_options_init(&opts, NULL);
	opts.flags = (watch ? SNAPSHOT_WATCH : 0) | SNAPSHOT_CONFIRMED;

	t = now_ms();
	if ((st = snapshot_open_opts(root, sess, &opts, &cause)) == NULL)
		die("open", cause);
	printf("%-8s open (index copy%s): %.1f ms\n", what,
	    watch ? ", watches" : "", now_ms() - t);
	if (watch && snapshot_watch(st) == NULL)
		die("watch", xstrdup("watcher did not start"));
	t = now_ms();
	if (snapshot_take(st, "first", "bench", 0, NULL, 0, &id, &cause) != 0)
		die("first snapshot", cause);
	printf("%-8s first snapshot (full stat scan): %.1f ms\n", what,
	    now_ms() - t);
	free(id);

	for (i = 0; i < rounds; i++) {
		unsigned long long	 b = 0;

		touch10(root, &seed, &b);
		before = du(objects);
		t = now_ms();
		c = cpu_ms();
		bench_ten(st, i);
		t10[i] = now_ms() - t;
		c10[i] = cpu_ms() - c;
		grown += du(objects) - before;
		blobs += b;

		t = now_ms();
		bench_none(st, i);
		t0[i] = now_ms() - t;
	}
	for (i = 0; i < rounds; i++) {
		if (snapshot_take(st, "base", "bench", i, NULL, 0, &base,
		    &cause) != 0)
			die("snapshot", cause);
		touch10(root, &seed, NULL);
		if (snapshot_done(st, &cause) != 0)
			die("done", cause);
		t = now_ms();
		c = cpu_ms();
		bench_restore(st, base);
		tr[i] = now_ms() - t;
		cr[i] = cpu_ms() - c;
		free(base);
	}
	printf("%-8s snapshot, 10 files changed: %.2f ms (median of %d; "
	    "min %.2f)\n", what, median(t10, rounds), rounds,
	    least(t10, rounds));
	printf("%-8s snapshot, nothing changed:  %.2f ms (min %.2f)\n", what,
	    median(t0, rounds), least(t0, rounds));
	printf("%-8s restore of 10 files:        %.2f ms (min %.2f; with the "
	    "snapshot before it)\n", what, median(tr, rounds),
	    least(tr, rounds));
	printf("%-8s cpu time (user + system), median: 10 changed %.2f ms, "
	    "restore %.2f ms\n", what, median(c10, rounds), median(cr, rounds));
	printf("%-8s growth per 10-file snapshot: %llu bytes on disk (the "
	    "10 files hold %llu bytes uncompressed; loose objects, apparent "
	    "size)\n", what, grown / rounds, blobs / rounds);
	snapshot_close(st);
	free(objects);
	free(t10);
	free(t0);
	free(tr);
	free(c10);
	free(cr);
}

/* Collect tracked regular files (from the user's index). */
static void
load_files(const char *root)
{
	git_repository		*repo;
	git_index		*idx;
	const git_index_entry	*e;
	size_t			 i, n;

	git_libgit2_init();
	if (git_repository_open(&repo, root) != 0 ||
	    git_repository_index(&idx, repo) != 0)
		die("open", xstrdup(root));
	n = git_index_entrycount(idx);
	files = xcalloc(n, sizeof *files);
	for (i = 0; i < n; i++) {
		e = git_index_get_byindex(idx, i);
		if (e->mode == GIT_FILEMODE_BLOB)
			files[nfiles++] = xstrdup(e->path);
	}
	printf("repository %s: %zu tracked files\n", root, n);
	git_index_free(idx);
	git_repository_free(repo);
	git_libgit2_shutdown();
	if (nfiles < 10)
		die("repository", xstrdup("fewer than 10 tracked files"));
}

int
main(int argc, char **argv)
{
	int		 rounds = argc > 2 ? atoi(argv[2]) : 20;
	const char	*only = argc > 3 ? argv[3] : NULL;

	if (argc < 2 || rounds < 1 || (only != NULL &&
	    strcmp(only, "watch") != 0 && strcmp(only, "scan") != 0)) {
		fprintf(stderr, "usage: bench-snapshot REPO [ROUNDS "
		    "[watch|scan]]\n");
		return (2);
	}
	load_files(argv[1]);
	if (only == NULL || strcmp(only, "watch") == 0)
		run(argv[1], 1, rounds);
	if (only == NULL || strcmp(only, "scan") == 0)
		run(argv[1], 0, rounds);
	return (0);
}
