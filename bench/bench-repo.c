/*
 * bench-repo.c: the file lister (repo.c) against the two listers it
 * replaced (glob/grep's tool_files_list and the repository model's
 * rm_files_list, kept here verbatim as they were before repo.c), on the
 * repository at argv[1].  Prints the median of 5 runs of each, in ms.
 */
#include <sys/stat.h>
#include <sys/types.h>

#include <fnmatch.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <git2.h>

#include "agentos.h"
#include "repo.h"
#include "banned.h"

#define RUNS	5

static int	old_cmp(const void *, const void *);
static int	old_tool_files_list(const char *, char ***, size_t *, char **);
static int	old_rm_files_list(const char *, char ***, size_t *, char **);

/* qsort by path. */
static int
old_cmp(const void *a, const void *b)
{
	return (strcmp(*(char *const *)a, *(char *const *)b));
}

/*
 * The tracked files come from the index (stage 0 entries and conflicted
 * paths once, no submodules), the untracked ones from git_status with
 * untracked directories recursed: libgit2 applies .gitignore, .git/info/
 * exclude and core.excludesFile there, exactly as git status does.
 */
int
old_tool_files_list(const char *root, char ***files, size_t *n, char **cause)
{
	git_status_options	 opts;
	git_repository		*repo = NULL;
	git_index		*idx = NULL;
	git_status_list		*sl = NULL;
	const git_index_entry	*ie;
	const git_status_entry	*se;
	const git_error		*e;
	struct buf		 full = BUF_INIT;
	struct stat		 sb;
	char			**v = NULL;
	size_t			 nr = 0, alloc = 0, i, j, count;
	int			 rc = -1;
	static int		 init;

	if (!init) {
		git_libgit2_init();	/* kept until exit */
		init = 1;
	}
	git_status_options_init(&opts, GIT_STATUS_OPTIONS_VERSION);
	*files = NULL;
	*n = 0;
	if (git_repository_open(&repo, root) != 0 ||
	    git_repository_index(&idx, repo) != 0 ||
	    git_index_read(idx, 0) != 0)
		goto fail;
	count = git_index_entrycount(idx);
	for (i = 0; i < count; i++) {
		ie = git_index_get_byindex(idx, i);
		if (ie->mode == GIT_FILEMODE_COMMIT)
			continue;
		ALLOC_GROW(v, nr + 1, alloc);
		v[nr++] = xstrdup(ie->path);
	}
	opts.show = GIT_STATUS_SHOW_WORKDIR_ONLY;
	opts.flags = GIT_STATUS_OPT_INCLUDE_UNTRACKED |
	    GIT_STATUS_OPT_RECURSE_UNTRACKED_DIRS |
	    GIT_STATUS_OPT_EXCLUDE_SUBMODULES;
	if (git_status_list_new(&sl, repo, &opts) != 0)
		goto fail;
	count = git_status_list_entrycount(sl);
	for (i = 0; i < count; i++) {
		se = git_status_byindex(sl, i);
		if ((se->status & GIT_STATUS_WT_NEW) == 0 ||
		    se->index_to_workdir == NULL)
			continue;
		ALLOC_GROW(v, nr + 1, alloc);
		v[nr++] = xstrdup(se->index_to_workdir->new_file.path);
	}

	/* Sort, drop duplicates and what is not a regular file now. */
	if (nr > 0)
		qsort(v, nr, sizeof *v, old_cmp);
	for (i = j = 0; i < nr; i++) {
		if (j > 0 && strcmp(v[j - 1], v[i]) == 0) {
			free(v[i]);
			continue;
		}
		buf_reset(&full);
		buf_addf(&full, "%s/%s", root, v[i]);
		if (lstat(full.buf, &sb) != 0 || !S_ISREG(sb.st_mode)) {
			free(v[i]);
			continue;
		}
		v[j++] = v[i];
	}
	*files = v;
	*n = j;
	v = NULL;
	rc = 0;
	goto out;
fail:
	e = git_error_last();
	*cause = xasprintf("cannot list the files of %s: %s", root,
	    e != NULL && e->message != NULL ? e->message : "not a git "
	    "repository");
out:
	repo_list_free(v, nr);
	buf_release(&full);
	git_status_list_free(sl);
	git_index_free(idx);
	git_repository_free(repo);
	return (rc);
}

/* One .agentosignore pattern (gitignore syntax, see agentos(1)). */
struct ignore_rule {
	char	*pat;
	int	 negate;		/* !pattern */
	int	 anchored;		/* has a slash before the end */
	int	 dir;			/* ends with a slash */
};

static void	 ignore_load(const char *, struct ignore_rule **, size_t *);
static int	 ignore_match(const struct ignore_rule *, size_t,
		    const char *);
static int	 old_cmp2(const void *, const void *);

/* Read root/.agentosignore into rules (none if it is absent). */
static void
ignore_load(const char *root, struct ignore_rule **rules, size_t *n)
{
	char		*path, *line = NULL, *p;
	size_t		 alloc = 0, linecap = 0, len;
	ssize_t		 r;
	FILE		*f;
	struct ignore_rule *ir;

	*rules = NULL;
	*n = 0;
	path = xasprintf("%s/.agentosignore", root);
	f = fopen(path, "r");
	free(path);
	if (f == NULL)
		return;
	while ((r = getline(&line, &linecap, f)) != -1) {
		len = r;
		while (len > 0 && (line[len - 1] == '\n' ||
		    line[len - 1] == '\r' || line[len - 1] == ' '))
			line[--len] = '\0';
		p = line;
		if (*p == '\0' || *p == '#')
			continue;
		ALLOC_GROW(*rules, *n + 1, alloc);
		ir = &(*rules)[(*n)++];
		memset(ir, 0, sizeof *ir);
		if (*p == '!') {
			ir->negate = 1;
			p++;
		}
		len = strlen(p);
		if (len > 0 && p[len - 1] == '/') {
			ir->dir = 1;
			p[--len] = '\0';
		}
		if (strchr(p, '/') != NULL)
			ir->anchored = 1;
		if (*p == '/')
			p++;
		ir->pat = xstrdup(p);
	}
	free(line);
	fclose(f);
}

/*
 * Does path match the rules?  A pattern without a slash matches any
 * component (a directory's match covers what is below it); one with a slash
 * matches from the root.  The last matching rule decides.
 */
static int
ignore_match(const struct ignore_rule *rules, size_t n, const char *path)
{
	const struct ignore_rule *ir;
	char			 prefix[4096];
	const char		*p, *slash;
	size_t			 i, len;
	int			 ignored = 0, m;

	for (i = 0; i < n; i++) {
		ir = &rules[i];
		m = 0;
		/* Try the path and each of its leading directories. */
		for (p = path;; p = slash + 1) {
			slash = strchr(p, '/');
			len = slash == NULL ? strlen(path) :
			    (size_t)(slash - path);
			if (len >= sizeof prefix)
				break;
			memcpy(prefix, path, len);
			prefix[len] = '\0';
			if (ir->dir && slash == NULL)
				break;	/* a file is not a directory */
			if (ir->anchored) {
				if (fnmatch(ir->pat, prefix, FNM_PATHNAME) == 0)
					m = 1;
			} else {
				if (fnmatch(ir->pat, prefix + (p - path), 0) ==
				    0)
					m = 1;
			}
			if (m || slash == NULL)
				break;
		}
		if (m)
			ignored = !ir->negate;
	}
	return (ignored);
}

static int
old_cmp2(const void *a, const void *b)
{
	return (strcmp(*(char *const *)a, *(char *const *)b));
}

/*
 * List the files git would track in the worktree at root: the index's
 * regular files and symlinks (not submodules), plus untracked files not
 * ignored (nested .gitignore, .git/info/exclude, core.excludesFile), minus
 * .agentosignore; sorted, each once.
 */
int
old_rm_files_list(const char *root, char ***paths, size_t *n, char **cause)
{
	git_repository		*repo = NULL;
	git_index		*index = NULL;
	git_status_list		*st = NULL;
	git_status_options	 opts;
	const git_index_entry	*e;
	const git_status_entry	*se;
	const git_error		*err;
	struct ignore_rule	*rules = NULL;
	size_t			 nrules = 0, i, count, alloc = 0, j;
	char			**v = NULL;
	const char		*p;
	int			 rc = -1;

	*paths = NULL;
	*n = 0;
	if (git_repository_open(&repo, root) != 0 ||
	    git_repository_index(&index, repo) != 0)
		goto gitfail;
	ignore_load(root, &rules, &nrules);

	count = git_index_entrycount(index);
	for (i = 0; i < count; i++) {
		e = git_index_get_byindex(index, i);
		if (e == NULL || e->mode == GIT_FILEMODE_COMMIT)
			continue;
		if (GIT_INDEX_ENTRY_STAGE(e) > 1)
			continue;	/* conflicts: one entry is enough */
		ALLOC_GROW(v, *n + 1, alloc);
		v[(*n)++] = xstrdup(e->path);
	}

	git_status_options_init(&opts, GIT_STATUS_OPTIONS_VERSION);
	opts.show = GIT_STATUS_SHOW_WORKDIR_ONLY;
	opts.flags = GIT_STATUS_OPT_INCLUDE_UNTRACKED |
	    GIT_STATUS_OPT_RECURSE_UNTRACKED_DIRS |
	    GIT_STATUS_OPT_EXCLUDE_SUBMODULES;
	if (git_status_list_new(&st, repo, &opts) != 0)
		goto gitfail;
	count = git_status_list_entrycount(st);
	for (i = 0; i < count; i++) {
		se = git_status_byindex(st, i);
		if (se == NULL || !(se->status & GIT_STATUS_WT_NEW) ||
		    se->index_to_workdir == NULL)
			continue;
		p = se->index_to_workdir->new_file.path;
		if (p == NULL)
			continue;
		ALLOC_GROW(v, *n + 1, alloc);
		v[(*n)++] = xstrdup(p);
	}

	if (*n > 0)
		qsort(v, *n, sizeof *v, old_cmp2);
	for (i = j = 0; i < *n; i++) {
		if ((j > 0 && strcmp(v[i], v[j - 1]) == 0) ||
		    (nrules > 0 && ignore_match(rules, nrules, v[i]))) {
			free(v[i]);
			continue;
		}
		v[j++] = v[i];
	}
	*n = j;
	*paths = v;
	v = NULL;
	rc = 0;
	goto out;

gitfail:
	err = git_error_last();
	*cause = xasprintf("%s: %s", root, err != NULL && err->message != NULL ?
	    err->message : "not a git repository");
out:
	if (v != NULL) {
		for (i = 0; i < *n; i++)
			free(v[i]);
		free(v);
		*n = 0;
	}
	for (i = 0; i < nrules; i++)
		free(rules[i].pat);
	free(rules);
	git_status_list_free(st);
	git_index_free(index);
	git_repository_free(repo);
	return (rc);
}

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
			rc = old_tool_files_list(root, &v, &n, &cause);
			break;
		case 1:
			rc = old_rm_files_list(root, &v, &n, &cause);
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
	bench("before: tool_files_list (glob, grep)", argv[1], NULL, 0);
	bench("before: rm_files_list (repository model)", argv[1], NULL, 1);
	bench("after: repo_open + repo_list regular", argv[1], NULL, 2);
	bench("after: repo_open + repo_list all", argv[1], NULL, 3);
	bench("after: repo_list on a kept handle", argv[1], kept, 4);
	repo_free(kept);
	return (0);
}
