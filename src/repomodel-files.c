/* repomodel-files.c: the files git would track, minus .agentosignore. */
#include <sys/types.h>

#include <fnmatch.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <git2.h>

#include "agentos.h"
#include "repomodel-private.h"
#include "banned.h"

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
static int	 path_cmp(const void *, const void *);

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
path_cmp(const void *a, const void *b)
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
rm_files_list(const char *root, char ***paths, size_t *n, char **cause)
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
		qsort(v, *n, sizeof *v, path_cmp);
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
