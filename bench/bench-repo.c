/*
 * bench-repo.c: the file lister (repo.c) on the repository at argv[1]: as
 * glob and grep call it (tool_files_list: a handle opened per call), with a
 * handle opened per call, and on a handle kept open as the workspace keeps
 * it.  Prints the median of 5 runs of each, in ms.  To compare with an
 * older agentos, build this program in a checkout of that version.
 */
#include <sys/types.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <git2.h>

#include "agentos.h"
#include "repo.h"
#include "banned.h"

#define RUNS	5

static double
now_ms(void)
{
	struct timespec	ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (ts.tv_sec * 1e3 + ts.tv_nsec / 1e6);
}

static int
dbl_cmp(const void *a, const void *b)
{
	double	x = *(const double *)a, y = *(const double *)b;

	return (x < y ? -1 : x > y);
}

/* Time RUNS calls of one lister; print the median and the count. */
static void
bench(const char *name, const char *root, struct repo *kept, int which)
{
	struct repo	*rp;
	double		 t[RUNS], start;
	char		**v, *cause = NULL;
	size_t		 n = 0;
	int		 i, rc = 0;

	for (i = 0; i < RUNS; i++) {
		start = now_ms();
		switch (which) {
		case 0:
			rc = tool_files_list(root, &v, &n, &cause);
			break;
		case 2:
		case 3:
			if ((rc = repo_open(&rp, root, &cause)) != 0)
				break;
			rc = repo_list(rp, which == 2 ? REPO_LIST_REGULAR :
			    REPO_LIST_ALL, &v, &n, &cause);
			repo_free(rp);
			break;
		case 4:
			rc = repo_list(kept, REPO_LIST_REGULAR, &v, &n, &cause);
			break;
		}
		if (rc != 0)
			fatalx("%s: %s", name, cause);
		t[i] = now_ms() - start;
		repo_list_free(v, n);
	}
	qsort(t, RUNS, sizeof *t, dbl_cmp);
	printf("%-40s %8.1f ms  (%zu files)\n", name, t[RUNS / 2], n);
}

int
main(int argc, char **argv)
{
	struct repo	*kept;
	char		*cause = NULL;

	if (argc != 2) {
		fprintf(stderr, "usage: bench-repo REPOSITORY\n");
		return (2);
	}
	git_libgit2_init();
	if (repo_open(&kept, argv[1], &cause) != 0)
		fatalx("%s", cause);
	bench("tool_files_list (glob, grep)", argv[1], NULL, 0);
	bench("repo_open + repo_list regular", argv[1], NULL, 2);
	bench("repo_open + repo_list all", argv[1], NULL, 3);
	bench("repo_list on a kept handle", argv[1], kept, 4);
	repo_free(kept);
	return (0);
}
