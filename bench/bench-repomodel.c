/*
 * bench-repomodel.c: measure the repository model on a worktree, with
 * universal-ctags on the same tree side by side.
 *
 * usage: bench-repomodel DIR [FILE]
 *
 * DIR is the top of a git worktree (its .git/agentos/repomodel.db is
 * deleted first); FILE (relative) is the file edited for the one-file
 * update (default: the largest C file with definitions).  Prints one line
 * per measure: wall ms, CPU ms and peak RSS where it applies.
 */
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/time.h>
#include <sys/wait.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "agentos.h"
#include "repomodel.h"

static double	 now_ms(void);
static double	 cpu_ms(const struct rusage *);
static int	 dcmp(const void *, const void *);
static double	 median(double *, size_t);
static void	 update(struct repomodel *, const char *, const char *,
		    const char *);

static double
now_ms(void)
{
	struct timespec	ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (ts.tv_sec * 1e3 + ts.tv_nsec / 1e6);
}

static double
cpu_ms(const struct rusage *ru)
{
	return (ru->ru_utime.tv_sec * 1e3 + ru->ru_utime.tv_usec / 1e3 +
	    ru->ru_stime.tv_sec * 1e3 + ru->ru_stime.tv_usec / 1e3);
}

static int
dcmp(const void *a, const void *b)
{
	double	x = *(const double *)a, y = *(const double *)b;

	return (x < y ? -1 : x > y);
}

static double
median(double *v, size_t n)
{
	qsort(v, n, sizeof *v, dcmp);
	return (v[n / 2]);
}

/* Run fn in a child; report its wall time, CPU time and peak RSS. */
static void
child(const char *what, void (*fn)(const char *), const char *dir)
{
	struct rusage	ru;
	double		t0 = now_ms();
	pid_t		pid;
	int		status;

	fflush(stdout);
	if ((pid = fork()) == 0) {
		fn(dir);
		_exit(0);
	}
	wait4(pid, &status, 0, &ru);
	printf("%-28s %9.0f ms wall %9.0f ms cpu %7.1f MiB peak RSS%s\n",
	    what, now_ms() - t0, cpu_ms(&ru), ru.ru_maxrss / 1024.0,
	    WIFEXITED(status) && WEXITSTATUS(status) == 0 ? "" : " (failed)");
}

static void
cold_build(const char *dir)
{
	struct repomodel	*rm;
	struct repomodel_stats	 st;
	char			*cause = NULL;

	if ((rm = repomodel_open(dir, NULL, &cause)) == NULL ||
	    repomodel_build(rm, &st, &cause) != 0) {
		fprintf(stderr, "%s\n", cause);
		_exit(1);
	}
	printf("  %zu files, %zu parsed, %zu definitions, %zu references, "
	    "%zu edges, %zu commits\n", st.files, st.parsed, st.defs, st.refs,
	    st.edges, st.commits);
	repomodel_close(rm);
}

static void
run_ctags(const char *dir)
{
	if (chdir(dir) != 0)
		_exit(1);
	execlp("ctags", "ctags", "-R", "-f", "/tmp/bench-repomodel.tags", ".",
	    (char *)NULL);
	_exit(127);
}

/* Append a function to file 21 times, timing file_changed; restore it. */
static void
update(struct repomodel *rm, const char *dir, const char *file,
    const char *what)
{
	char	*path, *orig, *cause = NULL, line[128], *map;
	double	 t[21], tm[21], t0;
	FILE	*f;
	long	 len;
	int	 k;

	path = xasprintf("%s/%s", dir, file);
	if ((f = fopen(path, "rb")) == NULL)
		exit(1);
	fseek(f, 0, SEEK_END);
	len = ftell(f);
	rewind(f);
	orig = xmalloc(len + 1);
	if (fread(orig, 1, len, f) != (size_t)len)
		exit(1);
	fclose(f);
	for (k = 0; k < 21; k++) {
		if ((f = fopen(path, "wb")) == NULL)
			exit(1);
		fwrite(orig, 1, len, f);
		xsnprintf(line, sizeof line, "int bench_fn_%d(void) { return "
		    "%d; }\n", k, k);
		fputs(line, f);
		fclose(f);
		t0 = now_ms();
		if (repomodel_file_changed(rm, file, &cause) != 0) {
			fprintf(stderr, "%s\n", cause);
			exit(1);
		}
		t[k] = now_ms() - t0;
		/* The next turn's map: the graph is rebuilt. */
		t0 = now_ms();
		map = repomodel_map(rm, 2048, NULL, 0);
		tm[k] = now_ms() - t0;
		free(map);
	}
	printf("%-28s %9.1f ms (median of 20 incremental; first %0.1f ms; "
	    "%s, %ld bytes)\n", what, median(t + 1, 20), t[0], file, len);
	printf("%-28s %9.1f ms (median of 20: graph rebuilt, re-rank, "
	    "render)\n", "  then the map", median(tm + 1, 20));
	if ((f = fopen(path, "wb")) != NULL) {
		fwrite(orig, 1, len, f);
		fclose(f);
	}
	repomodel_file_changed(rm, file, &cause);
	free(orig);
	free(path);
}

int
main(int argc, char **argv)
{
	struct repomodel	*rm;
	struct repomodel_stats	 st;
	struct repomodel_hit	*hits;
	char			*cause = NULL, *path, *map;
	double			 t[40], t0;
	size_t			 n, i;
	int			 k;

	if (argc < 2) {
		fprintf(stderr, "usage: bench-repomodel DIR [FILE]\n");
		return (2);
	}
	path = xasprintf("%s/.git/agentos/repomodel.db", argv[1]);
	unlink(path);
	free(path);
	path = xasprintf("%s/.git/agentos/repomodel.db-wal", argv[1]);
	unlink(path);
	free(path);

	child("ctags -R", run_ctags, argv[1]);
	child("cold build (2 threads)", cold_build, argv[1]);

	/* Warm start: open the stored model and refresh it. */
	for (k = 0; k < 5; k++) {
		t0 = now_ms();
		if ((rm = repomodel_open(argv[1], NULL, &cause)) == NULL ||
		    repomodel_build(rm, &st, &cause) != 0) {
			fprintf(stderr, "%s\n", cause);
			return (1);
		}
		t[k] = now_ms() - t0;
		if (k < 4)
			repomodel_close(rm);
	}
	printf("%-28s %9.1f ms (median of 5; %zu parsed, %zu unchanged)\n",
	    "warm start", median(t, 5), st.parsed, st.reused);

	/* Re-rank and render per turn. */
	for (k = 0; k < 20; k++) {
		t0 = now_ms();
		repomodel_note_mentions(rm, "why does the config parser fail "
		    "on an empty file? see read_config and main");
		map = repomodel_map(rm, 2048, NULL, 0);
		t[k] = now_ms() - t0;
		free(map);
	}
	printf("%-28s %9.1f ms (median of 20)\n", "re-rank + map (2k tokens)",
	    median(t, 20));

	/* One-file update: a C file of median size, and the largest. */
	if (argc > 2)
		update(rm, argv[1], argv[2], "one-file update");
	else {
		struct stat	 sb;
		char		**files = NULL;
		off_t		*sizes = NULL;
		size_t		 nf = 0, af = 0, j;

		n = repomodel_symbols(rm, NULL, 0, &hits);
		for (i = 0; i < n; i++) {
			size_t	l = strlen(hits[i].path);

			if (l < 3 || strcmp(hits[i].path + l - 2, ".c") != 0 ||
			    (nf > 0 && strcmp(files[nf - 1], hits[i].path) ==
			    0))
				continue;
			path = xasprintf("%s/%s", argv[1], hits[i].path);
			if (stat(path, &sb) == 0) {
				ALLOC_GROW(files, nf + 1, af);
				sizes = xreallocarray(sizes, af, sizeof *sizes);
				files[nf] = xstrdup(hits[i].path);
				sizes[nf++] = sb.st_size;
			}
			free(path);
		}
		repomodel_hits_free(hits, n);
		if (nf == 0) {
			printf("no C file to edit\n");
			goto out;
		}
		/* Sort by size (insertion: a few thousand at most). */
		for (i = 1; i < nf; i++) {
			for (j = i; j > 0 && sizes[j - 1] > sizes[j]; j--) {
				off_t	 ts = sizes[j];
				char	*tf = files[j];

				sizes[j] = sizes[j - 1];
				files[j] = files[j - 1];
				sizes[j - 1] = ts;
				files[j - 1] = tf;
			}
		}
		update(rm, argv[1], files[nf / 2], "one-file update (median)");
		update(rm, argv[1], files[nf - 1], "one-file update (largest)");
		for (i = 0; i < nf; i++)
			free(files[i]);
		free(files);
		free(sizes);
	}
out:
	repomodel_close(rm);
	return (0);
}
