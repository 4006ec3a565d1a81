/* repo.c: one repository handle per worktree, and the files git would track. */
#include <sys/stat.h>

#include <errno.h>
#include <fnmatch.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <git2.h>

#include "agentos.h"
#include "repo.h"
#include "banned.h"

/* Kinds of a listed entry (REPO_LIST_*), and a mark for dropping it. */
#define REPO_GONE	0x80

struct repo {
	git_repository	*git;
	char		*root;		/* no trailing slash */
	pthread_mutex_t	 lock;
};

/* One listed path while the list is built. */
struct repo_entry {
	char		*path;
	int		 kind;		/* REPO_LIST_REGULAR, _SYMLINK */
};

/* One .agentosignore pattern. */
struct repo_rule {
	char		*base;		/* directory of its file, "" or "a/b/" */
	size_t		 baselen;
	char		*pat;
	int		 negate;	/* !pattern */
	int		 anchored;	/* has a slash before the end */
	int		 dir;		/* ends with a slash */
};

struct repo_ignore {
	struct repo_rule *v;
	size_t		 nr, alloc;
};

static void	 repo_init_once(void);
static int	 repo_gerr(char **, const char *, const char *);
static int	 repo_index_read(struct repo *, git_index **, char **);
static const git_index_entry *repo_index_entry(git_index *, size_t,
		    const char **);
static int	 repo_entry_cmp(const void *, const void *);
static int	 repo_kind(const char *, const char *);
static int	 repo_ignore_one(const struct repo_rule *, const char *, int);
static int	 repo_ignore_depth_cmp(const void *, const void *);

static pthread_once_t	 repo_once = PTHREAD_ONCE_INIT;

/* Start libgit2 once for the process (kept until exit). */
static void
repo_init_once(void)
{
	git_libgit2_init();
}

/* Set cause from libgit2's last error; returns -1. */
static int
repo_gerr(char **cause, const char *what, const char *where)
{
	const git_error	*e = git_error_last();

	*cause = xasprintf("%s %s: %s", what, where, e != NULL &&
	    e->message != NULL ? e->message : "unknown error");
	return (-1);
}

int
repo_open(struct repo **rpp, const char *dir, char **cause)
{
	git_buf		 path = GIT_BUF_INIT_CONST(NULL, 0);
	git_repository	*git = NULL;
	struct repo	*rp;
	const char	*wd;
	size_t		 len;
	int		 rc = -1;

	*rpp = NULL;
	pthread_once(&repo_once, repo_init_once);
	if (git_repository_discover(&path, dir, 0, NULL) != 0) {
		*cause = xasprintf("%s is not inside a git repository "
		    "(agentos works in a git worktree: run 'git init' first)",
		    dir);
		goto out;
	}
	if (git_repository_open(&git, path.ptr) != 0) {
		repo_gerr(cause, "cannot open repository", path.ptr);
		goto out;
	}
	if ((wd = git_repository_workdir(git)) == NULL) {
		*cause = xasprintf("%s is a bare repository", path.ptr);
		goto out;
	}
	rp = xcalloc(1, sizeof *rp);
	rp->git = git;
	git = NULL;
	rp->root = xstrdup(wd);
	len = strlen(rp->root);
	if (len > 1 && rp->root[len - 1] == '/')
		rp->root[len - 1] = '\0';
	pthread_mutex_init(&rp->lock, NULL);
	*rpp = rp;
	rc = 0;
out:
	git_repository_free(git);
	git_buf_dispose(&path);
	return (rc);
}

void
repo_free(struct repo *rp)
{
	if (rp == NULL)
		return;
	git_repository_free(rp->git);
	pthread_mutex_destroy(&rp->lock);
	free(rp->root);
	free(rp);
}

const char *
repo_root(struct repo *rp)
{
	return (rp->root);
}

const char *
repo_git_dir(struct repo *rp)
{
	return (git_repository_path(rp->git));
}

const char *
repo_common_dir(struct repo *rp)
{
	return (git_repository_commondir(rp->git));
}

git_repository *
repo_git(struct repo *rp)
{
	return (rp->git);
}

void
repo_lock(struct repo *rp)
{
	pthread_mutex_lock(&rp->lock);
}

void
repo_unlock(struct repo *rp)
{
	pthread_mutex_unlock(&rp->lock);
}

/* qsort entries by path, then gone ones first (so a drop sees its twin). */
/* The index of rp as it is on disk now (rp locked); 0 or -1 with cause. */
static int
repo_index_read(struct repo *rp, git_index **idx, char **cause)
{
	if (git_repository_index(idx, rp->git) != 0 ||
	    git_index_read(*idx, 0) != 0)
		return (repo_gerr(cause, "cannot read the index of", rp->root));
	return (0);
}

/*
 * The i-th entry of idx if it names a listed path: not a submodule, and a
 * conflicted path only once (*last is the path returned before; borrowed
 * from idx).  NULL for an entry to pass over.
 */
static const git_index_entry *
repo_index_entry(git_index *idx, size_t i, const char **last)
{
	const git_index_entry	*ie = git_index_get_byindex(idx, i);

	if (ie == NULL || ie->mode == GIT_FILEMODE_COMMIT)
		return (NULL);
	if (*last != NULL && GIT_INDEX_ENTRY_STAGE(ie) > 0 &&
	    strcmp(*last, ie->path) == 0)
		return (NULL);
	*last = ie->path;
	return (ie);
}

static int
repo_entry_cmp(const void *a, const void *b)
{
	const struct repo_entry	*x = a, *y = b;
	int			 c;

	if ((c = strcmp(x->path, y->path)) != 0)
		return (c);
	return ((y->kind & REPO_GONE) - (x->kind & REPO_GONE));
}

/* What root/rel is now: REPO_LIST_REGULAR, _SYMLINK, or 0 (neither). */
static int
repo_kind(const char *root, const char *rel)
{
	struct stat	 sb;
	char		*full;
	int		 kind = 0;

	full = xasprintf("%s/%s", root, rel);
	if (lstat(full, &sb) == 0) {
		if (S_ISREG(sb.st_mode))
			kind = REPO_LIST_REGULAR;
		else if (S_ISLNK(sb.st_mode))
			kind = REPO_LIST_SYMLINK;
	}
	free(full);
	return (kind);
}

/*
 * The index gives the tracked paths and their kinds with no system call;
 * one git_status pass over the worktree (the walk git status does, with
 * .gitignore, .git/info/exclude and core.excludesFile applied by libgit2)
 * gives the untracked files and says which tracked ones are gone or changed
 * kind.  libgit2's worktree walk never follows symlinks and skips fifos,
 * sockets and devices, so only a kind change costs an lstat.
 */
int
repo_list(struct repo *rp, int flags, char ***paths, size_t *n,
    char **cause)
{
	git_status_options	 opts;
	git_index		*idx = NULL;
	git_status_list		*sl = NULL;
	const git_index_entry	*ie;
	const git_status_entry	*se;
	const git_diff_file	*df;
	struct repo_entry	*v = NULL, *e;
	struct repo_ignore	*ri = NULL;
	const char		*base, *last = NULL;
	char			**out = NULL, **dirs = NULL;
	size_t			 nr = 0, alloc = 0, nout = 0, i, j, count;
	size_t			 ndirs = 0, adirs = 0;
	int			 rc = -1, kind;

	*paths = NULL;
	*n = 0;
	repo_lock(rp);
	if (repo_index_read(rp, &idx, cause) != 0)
		goto out;
	count = git_index_entrycount(idx);
	v = xreallocarray(NULL, count + 16, sizeof *v);
	alloc = count + 16;
	for (i = 0; i < count; i++) {
		if ((ie = repo_index_entry(idx, i, &last)) == NULL)
			continue;
		v[nr].path = xstrdup(ie->path);
		v[nr].kind = ie->mode == GIT_FILEMODE_LINK ?
		    REPO_LIST_SYMLINK : REPO_LIST_REGULAR;
		nr++;
	}

	git_status_options_init(&opts, GIT_STATUS_OPTIONS_VERSION);
	opts.show = GIT_STATUS_SHOW_WORKDIR_ONLY;
	opts.flags = GIT_STATUS_OPT_INCLUDE_UNTRACKED |
	    GIT_STATUS_OPT_RECURSE_UNTRACKED_DIRS |
	    GIT_STATUS_OPT_EXCLUDE_SUBMODULES;
	if (git_status_list_new(&sl, rp->git, &opts) != 0) {
		repo_gerr(cause, "cannot list the files of", rp->root);
		goto out;
	}
	count = git_status_list_entrycount(sl);
	for (i = 0; i < count; i++) {
		se = git_status_byindex(sl, i);
		if (se == NULL || se->index_to_workdir == NULL)
			continue;
		df = &se->index_to_workdir->new_file;
		if (df->path == NULL)
			continue;
		if (se->status & GIT_STATUS_WT_NEW) {
			if (df->mode == GIT_FILEMODE_LINK)
				kind = REPO_LIST_SYMLINK;
			else if (df->mode == GIT_FILEMODE_BLOB ||
			    df->mode == GIT_FILEMODE_BLOB_EXECUTABLE)
				kind = REPO_LIST_REGULAR;
			else
				continue;
		} else if (se->status & GIT_STATUS_WT_DELETED)
			kind = REPO_GONE;
		else if (se->status & GIT_STATUS_WT_TYPECHANGE) {
			/* Drop the index's kind; add what is there now. */
			ALLOC_GROW(v, nr + 1, alloc);
			v[nr].path = xstrdup(df->path);
			v[nr++].kind = REPO_GONE;
			if ((kind = repo_kind(rp->root, df->path)) == 0)
				continue;
			ALLOC_GROW(v, nr + 1, alloc);
			v[nr].path = xstrdup(df->path);
			v[nr++].kind = kind | REPO_GONE << 1;
			continue;
		} else
			continue;
		ALLOC_GROW(v, nr + 1, alloc);
		v[nr].path = xstrdup(df->path);
		v[nr++].kind = kind;
	}

	/*
	 * Sort; of equal paths a gone mark comes first and drops the index's
	 * entry after it; a kind change's new entry (marked REPO_GONE << 1)
	 * survives its own drop.  Compact v in place.
	 */
	if (nr > 0)
		qsort(v, nr, sizeof *v, repo_entry_cmp);
	for (i = j = 0; i < nr; i++) {
		e = &v[i];
		if (e->kind & REPO_GONE) {
			while (i + 1 < nr && strcmp(v[i + 1].path,
			    e->path) == 0 && !(v[i + 1].kind & REPO_GONE << 1))
				free(v[++i].path);
			free(e->path);
			continue;
		}
		if (j > 0 && strcmp(v[j - 1].path, e->path) == 0) {
			free(e->path);
			continue;
		}
		v[j].path = e->path;
		v[j++].kind = e->kind & REPO_LIST_ALL;
	}
	nr = j;

	/* .agentosignore: the root's, then those listed, shallow first. */
	ri = repo_ignore_create();
	repo_ignore_load(ri, rp->root, "");
	for (i = 0; i < nr; i++) {
		base = strrchr(v[i].path, '/');
		if (base == NULL || strcmp(base, "/.agentosignore") != 0 ||
		    v[i].kind != REPO_LIST_REGULAR)
			continue;
		ALLOC_GROW(dirs, ndirs + 1, adirs);
		dirs[ndirs++] = xstrndup(v[i].path, base - v[i].path);
	}
	if (ndirs > 1)
		qsort(dirs, ndirs, sizeof *dirs, repo_ignore_depth_cmp);
	for (i = 0; i < ndirs; i++)
		repo_ignore_load(ri, rp->root, dirs[i]);

	out = xreallocarray(NULL, nr + 1, sizeof *out);
	for (i = 0; i < nr; i++) {
		if ((v[i].kind & flags) == 0 || (ri->nr > 0 &&
		    repo_ignore_match(ri, v[i].path, 0)))
			free(v[i].path);
		else
			out[nout++] = v[i].path;
	}
	nr = 0;
	*paths = out;
	*n = nout;
	out = NULL;
	rc = 0;
out:
	repo_unlock(rp);
	repo_ignore_free(ri);
	if (v != NULL) {
		for (i = 0; i < nr; i++)
			free(v[i].path);
		free(v);
	}
	repo_list_free(out, nout);
	for (i = 0; i < ndirs; i++)
		free(dirs[i]);
	free(dirs);
	git_status_list_free(sl);
	git_index_free(idx);
	return (rc);
}

void
repo_list_free(char **paths, size_t n)
{
	size_t	i;

	if (paths == NULL)
		return;
	for (i = 0; i < n; i++)
		free(paths[i]);
	free(paths);
}

/*
 * One path: its kind now, then the index (tracked: listed), then the ignore
 * rules libgit2 applies to untracked files; no parent may be a symlink (the
 * walk does not follow one) or, for an untracked path, a repository of its
 * own (git status does not descend into one); .agentosignore last.
 */
int
repo_listed(struct repo *rp, const char *rel, int *listed, char **cause)
{
	git_index		*idx = NULL;
	struct repo_ignore	*ri = NULL;
	struct stat		 sb;
	char			*dir, *full, *slash;
	int			 rc = -1, ignored = 0, tracked = 0, stage;

	*listed = 0;
	if (repo_kind(rp->root, rel) == 0)
		return (0);
	repo_lock(rp);
	if (repo_index_read(rp, &idx, cause) != 0)
		goto out;
	for (stage = 0; stage <= 3 && !tracked; stage++) {
		if (git_index_get_bypath(idx, rel, stage) != NULL)
			tracked = 1;
	}
	if (!tracked) {
		if (git_ignore_path_is_ignored(&ignored, rp->git, rel) != 0) {
			repo_gerr(cause, "cannot read the ignore rules for",
			    rel);
			goto out;
		}
		if (ignored) {
			rc = 0;
			goto out;
		}
	}
	/* Each parent a directory (no symlink), no repository of its own. */
	dir = xstrdup(rel);
	while ((slash = strrchr(dir, '/')) != NULL) {
		*slash = '\0';
		full = xasprintf("%s/%s", rp->root, dir);
		ignored = lstat(full, &sb) != 0 || !S_ISDIR(sb.st_mode);
		free(full);
		if (!ignored && !tracked) {
			full = xasprintf("%s/%s/.git", rp->root, dir);
			ignored = lstat(full, &sb) == 0;
			free(full);
		}
		if (ignored)
			break;
	}
	free(dir);
	if (ignored) {
		rc = 0;
		goto out;
	}
	ri = repo_ignore_create();
	repo_ignore_load(ri, rp->root, "");
	dir = xstrdup(rel);
	for (slash = dir; (slash = strchr(slash, '/')) != NULL; slash++) {
		*slash = '\0';
		repo_ignore_load(ri, rp->root, dir);
		*slash = '/';
	}
	free(dir);
	*listed = ri->nr == 0 || !repo_ignore_match(ri, rel, 0);
	rc = 0;
out:
	repo_unlock(rp);
	repo_ignore_free(ri);
	git_index_free(idx);
	return (rc);
}

int
repo_index_foreach(struct repo *rp, int (*cb)(const char *, void *),
    void *arg, char **cause)
{
	git_index		*idx = NULL;
	const git_index_entry	*ie;
	const char		*last = NULL;
	size_t			 i, count;
	int			 rc = -1;

	repo_lock(rp);
	if (repo_index_read(rp, &idx, cause) != 0)
		goto out;
	count = git_index_entrycount(idx);
	for (i = 0; i < count; i++) {
		if ((ie = repo_index_entry(idx, i, &last)) == NULL)
			continue;
		if (cb(ie->path, arg) != 0)
			break;
	}
	rc = 0;
out:
	repo_unlock(rp);
	git_index_free(idx);
	return (rc);
}

struct repo_ignore *
repo_ignore_create(void)
{
	return (xcalloc(1, sizeof (struct repo_ignore)));
}

void
repo_ignore_free(struct repo_ignore *ri)
{
	size_t	i;

	if (ri == NULL)
		return;
	for (i = 0; i < ri->nr; i++) {
		free(ri->v[i].base);
		free(ri->v[i].pat);
	}
	free(ri->v);
	free(ri);
}

size_t
repo_ignore_count(const struct repo_ignore *ri)
{
	return (ri->nr);
}

/* Read root/dir/.agentosignore (none if it is absent) into ri. */
void
repo_ignore_load(struct repo_ignore *ri, const char *root, const char *dir)
{
	struct repo_rule	*r;
	char			*path, *line = NULL, *p;
	size_t			 linecap = 0, len;
	ssize_t			 n;
	FILE			*f;

	if (*dir == '\0')
		path = xasprintf("%s/.agentosignore", root);
	else
		path = xasprintf("%s/%s/.agentosignore", root, dir);
	f = fopen(path, "re");
	free(path);
	if (f == NULL)
		return;
	while ((n = getline(&line, &linecap, f)) != -1) {
		len = n;
		while (len > 0 && (line[len - 1] == '\n' ||
		    line[len - 1] == '\r' || line[len - 1] == ' '))
			line[--len] = '\0';
		p = line;
		if (*p == '\0' || *p == '#')
			continue;
		ALLOC_GROW(ri->v, ri->nr + 1, ri->alloc);
		r = &ri->v[ri->nr++];
		memset(r, 0, sizeof *r);
		r->base = *dir == '\0' ? xstrdup("") : xasprintf("%s/", dir);
		r->baselen = strlen(r->base);
		if (*p == '!') {
			r->negate = 1;
			p++;
		}
		len = strlen(p);
		if (len > 0 && p[len - 1] == '/') {
			r->dir = 1;
			p[--len] = '\0';
		}
		if (strchr(p, '/') != NULL)
			r->anchored = 1;
		if (*p == '/')
			p++;
		r->pat = xstrdup(p);
	}
	free(line);
	fclose(f);
}

/*
 * Does rule r match path (relative to the rule's directory) or one of its
 * leading directories?  Without a slash a pattern matches one component at
 * any depth; with one it matches from the rule's directory.
 */
static int
repo_ignore_one(const struct repo_rule *r, const char *path, int isdir)
{
	char		 prefix[4096];
	const char	*p, *slash;
	size_t		 len;

	for (p = path;; p = slash + 1) {
		slash = strchr(p, '/');
		len = slash == NULL ? strlen(path) : (size_t)(slash - path);
		if (len >= sizeof prefix)
			return (0);
		if (r->dir && slash == NULL && !isdir)
			return (0);	/* a file is not a directory */
		memcpy(prefix, path, len);
		prefix[len] = '\0';
		if (r->anchored) {
			if (fnmatch(r->pat, prefix, FNM_PATHNAME) == 0)
				return (1);
		} else if (fnmatch(r->pat, prefix + (p - path), 0) == 0)
			return (1);
		if (slash == NULL)
			return (0);
	}
}

/* The last matching rule decides; rules of deeper files come later. */
int
repo_ignore_match(const struct repo_ignore *ri, const char *rel, int isdir)
{
	const struct repo_rule	*r;
	size_t			 i;
	int			 ignored = 0;

	for (i = 0; i < ri->nr; i++) {
		r = &ri->v[i];
		if (r->baselen != 0 && strncmp(rel, r->base, r->baselen) != 0)
			continue;
		if (r->negate != ignored)
			continue;	/* cannot change the answer */
		if (repo_ignore_one(r, rel + r->baselen, isdir))
			ignored = !r->negate;
	}
	return (ignored);
}

/* qsort directories shallow first, then by name. */
static int
repo_ignore_depth_cmp(const void *a, const void *b)
{
	const char	*x = *(char *const *)a, *y = *(char *const *)b;
	size_t		 dx = 0, dy = 0;
	const char	*p;

	for (p = x; *p != '\0'; p++)
		dx += *p == '/';
	for (p = y; *p != '\0'; p++)
		dy += *p == '/';
	if (dx != dy)
		return (dx < dy ? -1 : 1);
	return (strcmp(x, y));
}

char *
agentos_repo_root(const char *dir, char **cause)
{
	struct repo	*rp;
	char		*root;

	if (repo_open(&rp, dir, cause) != 0)
		return (NULL);
	root = xstrdup(rp->root);
	repo_free(rp);
	return (root);
}
