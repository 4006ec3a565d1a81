/*
 * bench-mention.c: what '@' completion costs per key.
 *
 * A query is typed a key at a time over the candidates of a file list
 * (complete_candidates(): files and their folders) and each key's
 * matching is timed, as the popup does it: complete_match() (a scan and a
 * sort of everything, what ui-mention.c did) against complete_index_match()
 * (lowercase precomputed, a character-mask prefilter, narrowing from the
 * previous key's matches, the best 8 kept while scanning).  Lists: 100,000
 * synthetic paths, and the files under DIR when given (a kernel tree:
 * /usr/src/linux-source-* once unpacked).
 *
 * Usage: bench-mention [DIR]
 */
#include <sys/stat.h>

#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "agentos.h"
#include "complete.h"

#define BENCH_RUNS	5

static const char *bench_queries[] = { "srcdrvnetfile", "mention",
    "kernel/sched", "xyz", "readme", NULL };

/* Microseconds on the monotonic clock. */
static double
bench_now_us(void)
{
	struct timespec	ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (ts.tv_sec * 1e6 + ts.tv_nsec / 1e3);
}

/* 100,000 paths shaped like a large repository's. */
static char **
bench_synthetic(size_t n)
{
	static const char *top[] = { "src", "drivers", "lib", "tests", "docs",
	    "tools", "kernel", "net", "fs", "include" };
	static const char *mid[] = { "net", "gpu", "usb", "core", "util",
	    "sched", "mm", "ui", "io", "crypto", "sound", "block" };
	static const char *ext[] = { ".c", ".h", ".py", ".md", ".rs", ".S" };
	char		**v = xcalloc(n, sizeof *v);
	unsigned int	  seed = 1;
	size_t		  i;

	for (i = 0; i < n; i++) {
		unsigned int	r[7];
		size_t		k;

		for (k = 0; k < 7; k++)
			r[k] = (seed = seed * 1103515245 + 12345) >> 8;
		v[i] = xasprintf("%s/%s%u/%s_%u/file_%s%u%s", top[r[0] % 10],
		    mid[r[1] % 12], r[2] % 40, mid[r[3] % 12], r[4] % 30,
		    mid[r[5] % 12], r[6] % 1000, ext[(r[6] >> 10) % 6]);
	}
	return (v);
}

/* The files under dir (relative paths), recursively. */
static void
bench_walk(const char *dir, const char *rel, char ***v, size_t *n,
    size_t *a)
{
	struct dirent	*d;
	struct stat	 sb;
	DIR		*dp;
	char		*path, *r;

	if ((dp = opendir(dir)) == NULL)
		return;
	while ((d = readdir(dp)) != NULL) {
		if (d->d_name[0] == '.')
			continue;
		path = xasprintf("%s/%s", dir, d->d_name);
		r = *rel == '\0' ? xstrdup(d->d_name) : xasprintf("%s/%s", rel,
		    d->d_name);
		if (lstat(path, &sb) == 0 && S_ISDIR(sb.st_mode))
			bench_walk(path, r, v, n, a);
		else if (lstat(path, &sb) == 0 && S_ISREG(sb.st_mode)) {
			ALLOC_GROW(*v, *n + 1, *a);
			(*v)[(*n)++] = r;
			r = NULL;
		}
		free(r);
		free(path);
	}
	closedir(dp);
}

/* Type each query a key at a time; mean and worst ms per key. */
static void
bench_list(const char *name, char **files, size_t nfiles)
{
	struct complete_index	*ix;
	char			**cands, **out, q[64];
	size_t			  ncands, nout, i, k, len, keys;
	double			  t, old_sum, new_sum, old_max, new_max;
	double			  build, first_sum = 0, first_max = 0;
	size_t			  firsts = 0;
	int			  run;

	complete_candidates(files, nfiles, &cands, &ncands);
	printf("%s: %zu files, %zu candidates (files and folders)\n", name,
	    nfiles, ncands);
	old_sum = new_sum = old_max = new_max = build = 0;
	keys = 0;
	for (run = 0; run < BENCH_RUNS; run++) {
		t = bench_now_us();
		ix = complete_index_create(cands, ncands);
		build += bench_now_us() - t;
		for (i = 0; bench_queries[i] != NULL; i++) {
			len = strlen(bench_queries[i]);
			for (k = 1; k <= len; k++) {
				memcpy(q, bench_queries[i], k);
				q[k] = '\0';
				t = bench_now_us();
				complete_match(cands, ncands, q, COMPLETE_MAX,
				    &out, &nout);
				t = bench_now_us() - t;
				complete_free(out, nout);
				old_sum += t;
				if (t > old_max)
					old_max = t;
				t = bench_now_us();
				complete_index_match(ix, q, COMPLETE_MAX, &out,
				    &nout);
				t = bench_now_us() - t;
				complete_free(out, nout);
				new_sum += t;
				if (t > new_max)
					new_max = t;
				if (k == 1) {
					/* A new query: a scan of all. */
					first_sum += t;
					firsts++;
					if (t > first_max)
						first_max = t;
				}
				keys++;
			}
		}
		complete_index_free(ix);
	}
	printf("  complete_match (scan and sort):  %7.2f ms per key, worst "
	    "%7.2f ms\n", old_sum / keys / 1e3, old_max / 1e3);
	printf("  complete_index_match:            %7.2f ms per key, worst "
	    "%7.2f ms (index built in %.1f ms, once per popup)\n",
	    new_sum / keys / 1e3, new_max / 1e3, build / BENCH_RUNS / 1e3);
	printf("    of which the first key of a query (a scan of all): %.2f "
	    "ms, worst %.2f ms; the later keys (narrowed): %.2f ms\n",
	    first_sum / firsts / 1e3, first_max / 1e3,
	    (new_sum - first_sum) / (keys - firsts) / 1e3);
	complete_free(cands, ncands);
}

int
main(int argc, char **argv)
{
	char	**files = NULL;
	size_t	  n = 100000, a = 0;

	files = bench_synthetic(n);
	bench_list("synthetic", files, n);
	complete_free(files, n);
	if (argc > 1) {
		files = NULL;
		n = 0;
		bench_walk(argv[1], "", &files, &n, &a);
		bench_list(argv[1], files, n);
		complete_free(files, n);
	}
	return (0);
}
