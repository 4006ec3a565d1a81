/* snapshot.c: worktree snapshots as commits under refs/agentos/. */
#include <sys/types.h>
#include <sys/file.h>
#include <sys/stat.h>

#include <ctype.h>
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <git2.h>
#include <git2/sys/commit.h>
#include <git2/sys/repository.h>

#include "agentos.h"
#include "session.h"
#include "snapshot.h"
#include "options.h"
#include "banned.h"

/*
 * How it works.
 *
 * The store keeps its own git index (.git/agentos/index-<session>), first a
 * copy of the user's index so its stat cache is reused.  A snapshot brings
 * that index up to date with the worktree and makes a commit of it:
 *
 * - With the inotify watcher running, only the paths it reports (plus the
 *   paths the agent says it will write) are looked at: O(changes).  The new
 *   tree is made from the previous one with git_tree_create_updated(), so
 *   only the trees on the changed paths are written.
 * - Otherwise (first snapshot, watcher overflowed or off), a stat scan:
 *   git_diff_index_to_workdir() against our index (stat cache, racy-git
 *   checks), and the entries it reports are hashed.
 *
 * Blobs are the exact bytes of the files (no filters), so a restore writes
 * back exactly what was there.  Untracked files over max_file_size and
 * untracked folders over max_dir_files or max_dir_size are skipped and
 * listed in the commit message; a restore never removes or overwrites them.
 *
 * A restore diffs the target tree against a snapshot of the present (taken
 * first, so the restore can be undone) and writes or removes only the paths
 * that differ, each through a temporary file renamed over the old one.  A
 * journal (.git/agentos/restore-journal) names the two commits while the
 * files change, so a killed restore can be finished or rolled back.
 */

#define SNAP_REF_PREFIX		"refs/agentos/sessions/"
#define SNAP_MANUAL		"manual"
#define SNAP_JOURNAL		"restore-journal"
#define SNAP_TMP_PREFIX		".agentos-tmp-"
#define SNAP_BUFFER_MAX		(64 * 1024 * 1024)	/* hash in memory */
#define SNAP_SKIPPED_LISTED	50	/* in the commit message */

struct snap_skip {
	char		*path;
	int		 dir;
	uint64_t	 size;		/* bytes (at least, for folders) */
};

/* Paths touched while the index is brought up to date. */
struct snap_touched {
	char		**v;
	size_t		 nr, alloc;
};

/*
 * A change between two trees, from snap_tree_diff(): old and new are files,
 * symlinks or submodules, never trees; one of them may be NULL (added or
 * removed).  Nonzero stops the walk.
 */
typedef int	(*snap_diff_cb)(const char *, const git_tree_entry *,
		    const git_tree_entry *, void *);

/* What snap_plan_cb() and snap_hand_cb() collect. */
struct snap_plan_arg {
	struct snapshot_plan	*p;
	char			**changed;	/* snap_hand_cb(): all paths */
	size_t			 nchanged;
};

struct snapshot_store {
	git_repository		*repo;
	git_odb			*odb;
	git_index		*index;
	char			*root;		/* no trailing slash */
	char			*dir;		/* .git/agentos */
	char			*session;
	char			*ref;
	char			*index_path;
	struct snapshot_options	 opts;
	int			 session_fd;	/* flock held while open */
	int			 lock_fd;	/* repository lock file */
	struct watch		*watch;

	int			 gitlinks;	/* the index may hold submodules
						   (never more than at open) */
	int			 synced;	/* index matched the worktree
						   at the last drain */
	git_oid			 index_tree;	/* tree of the index */
	int			 index_tree_valid;
	int			 index_dirty;	/* unsaved to index_path */

	git_oid			 tip;		/* newest snapshot */
	int			 have_tip;
	int			 seq;		/* its sequence number */
	git_oid			 settled;	/* tree after the agent's
						   last action */
	int			 have_settled;

	char			**pending;	/* agent paths to pick up */
	size_t			 npending, apending;
	struct snap_skip	*skipped;
	size_t			 nskipped, askipped;
	char			**skipped_names; /* for snapshot_skipped() */

	char			*sig_name;
	char			*sig_email;
	int			 journal;	/* an interrupted restore */
	git_oid			 rewound_to;	/* by snapshot_rewind_last() */
	git_oid			 rewound_tip;	/* the tip it left */
	int			 have_rewound;
	mode_t			 umask;
};

static int	 snap_gerr(char **, const char *, ...)
		    __attribute__((format(printf, 2, 3)));
static int	 snap_valid_session(const char *);
static int	 snap_lock(struct snapshot_store *, char **);
static void	 snap_unlock(struct snapshot_store *);
static int	 snap_copy_file(const char *, const char *, char **);
static int	 snap_write_file(const char *, const char *, size_t, char **);
static char	*snap_read_small(const char *);
static int	 snap_seed_ok(struct snapshot_store *);
static int	 snap_has_attributes(git_index *);
static int	 snap_open_index(struct snapshot_store *, char **);
static int	 snap_skip_dir(const char *, void *);
static void	 snap_touch(struct snap_touched *, const char *);
static void	 snap_touched_release(struct snap_touched *);
static int	 snap_cmp(const void *, const void *);
static void	 snap_skip_add(struct snapshot_store *, const char *, int,
		    uint64_t);
static void	 snap_skip_forget(struct snapshot_store *, const char *);
static int	 snap_skipped_at(struct snapshot_store *, const char *);
static void	 snap_skip_clear(struct snapshot_store *);
static int	 snap_hash(struct snapshot_store *, const char *,
		    const struct stat *, git_oid *, char **);
static int	 snap_add_file(struct snapshot_store *, const char *,
		    const struct stat *, struct snap_touched *, char **);
static void	 snap_remove(struct snapshot_store *, const char *,
		    struct snap_touched *);
static void	 snap_remove_below(struct snapshot_store *, const char *,
		    struct snap_touched *);
static int	 snap_under_gitlink(struct snapshot_store *, const char *);
static int	 snap_symlink_parent(struct snapshot_store *, const char *);
static int	 snap_measure(const char *, uint64_t, uint64_t, uint64_t *,
		    uint64_t *);
static int	 snap_untracked_dir(struct snapshot_store *, const char *,
		    struct snap_touched *, char **);
static int	 snap_scan(struct snapshot_store *, const char *, int,
		    struct snap_touched *, char **);
static int	 snap_update_path(struct snapshot_store *, const char *, int,
		    struct snap_touched *, char **);
static int	 snap_update(struct snapshot_store *, const char *const *,
		    size_t, git_oid *, char **);
static int	 snap_make_tree(struct snapshot_store *,
		    struct snap_touched *, git_oid *, char **);
static int	 snap_signature(struct snapshot_store *, git_signature **);
static int	 snap_commit(struct snapshot_store *, const git_oid *,
		    const char *, const char *, int, char **);
static char	*snap_trailer(const char *, const char *);
static int	 snap_tree_of(struct snapshot_store *, const char *,
		    git_oid *, git_oid *, char **);
static int	 snap_save_settled(struct snapshot_store *);
static void	 snap_plan_add(char ***, size_t *, const char *);
static char	*snap_tmp_name(const char *);
static int	 snap_mkdirs(struct snapshot_store *, const char *, char **);
static int	 snap_write_entry(struct snapshot_store *, const char *,
		    const git_oid *, uint32_t, char **);
static int	 snap_rmdir_empty(const char *);
static void	 snap_remove_file(struct snapshot_store *, const char *);
static int	 snap_in_sorted(char **, size_t, const char *);
static int	 snap_dir_clears(struct snapshot_store *, const char *,
		    char **, size_t);
static int	 snap_tree_each(struct snapshot_store *, const git_oid *,
		    struct buf *, int, snap_diff_cb, void *, char **);
static int	 snap_tree_diff(struct snapshot_store *, const git_oid *,
		    const git_oid *, struct buf *, snap_diff_cb, void *,
		    char **);
static int	 snap_plan_cb(const char *, const git_tree_entry *,
		    const git_tree_entry *, void *);
static int	 snap_hand_cb(const char *, const git_tree_entry *,
		    const git_tree_entry *, void *);
static void	 snap_plan_verify(struct snapshot_store *, git_tree *,
		    git_tree *, struct snapshot_plan *);
static int	 snap_restore_commit(struct snapshot_store *,
		    const git_oid *, int, int, struct snapshot_plan *,
		    char **);
static int	 snap_journal_read(struct snapshot_store *, git_oid *,
		    git_oid *);
static int	 snap_info_fill(struct snapshot_store *, git_commit *,
		    const char *, struct snapshot_info *);
static int	 snap_list_ref(struct snapshot_store *, const char *,
		    struct snapshot_info **, size_t *, char **);

/* Set *cause from libgit2's last error, prefixed by fmt; returns -1. */
static int
snap_gerr(char **cause, const char *fmt, ...)
{
	const git_error	*e = git_error_last();
	va_list		 ap;
	char		*what;

	va_start(ap, fmt);
	what = xvasprintf(fmt, ap);
	va_end(ap);
	*cause = xasprintf("%s: %s", what, e != NULL && e->message != NULL ?
	    e->message : "unknown libgit2 error");
	free(what);
	return (-1);
}

/* Session ids become ref and file names: keep them plain. */
static int
snap_valid_session(const char *s)
{
	const char	*p;

	if (*s == '\0' || *s == '.' || strlen(s) > 128)
		return (0);
	for (p = s; *p != '\0'; p++) {
		if (!isalnum((unsigned char)*p) && *p != '-' && *p != '_' &&
		    *p != '.')
			return (0);
	}
	return (strstr(s, "..") == NULL && strstr(s, ".lock") == NULL);
}

/* Take the repository-wide lock for one operation (blocking). */
static int
snap_lock(struct snapshot_store *st, char **cause)
{
	while (flock(st->lock_fd, LOCK_EX) == -1) {
		if (errno != EINTR) {
			*cause = xasprintf("lock %s/lock: %s", st->dir,
			    strerror(errno));
			return (-1);
		}
	}
	return (0);
}

static void
snap_unlock(struct snapshot_store *st)
{
	flock(st->lock_fd, LOCK_UN);
}

/* Copy file from to to (through a temporary and a rename). */
static int
snap_copy_file(const char *from, const char *to, char **cause)
{
	struct buf	 b = BUF_INIT;
	char		 tmp[65536];
	ssize_t		 n;
	int		 fd, rc;

	if ((fd = open(from, O_RDONLY | O_CLOEXEC)) == -1) {
		*cause = xasprintf("%s: %s", from, strerror(errno));
		return (-1);
	}
	while ((n = read(fd, tmp, sizeof tmp)) != 0) {
		if (n == -1) {
			if (errno == EINTR)
				continue;
			*cause = xasprintf("%s: %s", from, strerror(errno));
			close(fd);
			buf_release(&b);
			return (-1);
		}
		buf_add(&b, tmp, n);
	}
	close(fd);
	rc = snap_write_file(to, b.buf, b.len, cause);
	buf_release(&b);
	return (rc);
}

/* Write data to path atomically (temporary file, rename). */
static int
snap_write_file(const char *path, const char *data, size_t len, char **cause)
{
	char	*tmp = xasprintf("%s.tmp%ld", path, (long)getpid());
	size_t	 off = 0;
	ssize_t	 n;
	int	 fd;

	fd = open(tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
	if (fd == -1)
		goto fail;
	while (off < len) {
		n = write(fd, data + off, len - off);
		if (n == -1 && errno == EINTR)
			continue;
		if (n <= 0) {
			close(fd);
			goto fail;
		}
		off += n;
	}
	if (close(fd) != 0 || rename(tmp, path) != 0)
		goto fail;
	free(tmp);
	return (0);
fail:
	*cause = xasprintf("%s: %s", path, strerror(errno));
	unlink(tmp);
	free(tmp);
	return (-1);
}

/* Read a small text file whole; NULL if absent. */
static char *
snap_read_small(const char *path)
{
	struct buf	 b = BUF_INIT;
	char		 tmp[4096];
	ssize_t		 n;
	int		 fd;

	if ((fd = open(path, O_RDONLY | O_CLOEXEC)) == -1)
		return (NULL);
	while ((n = read(fd, tmp, sizeof tmp)) > 0 && b.len < 1048576)
		buf_add(&b, tmp, n);
	close(fd);
	return (buf_detach(&b, NULL));
}

/*
 * Whether the user's index can seed ours: its object ids are of filtered
 * content (core.autocrlf, .gitattributes text/eol/filter/ident), and ours
 * are of the exact bytes, so with any attributes in play start empty.  This
 * checks the configuration; snap_has_attributes() the entries.
 */
static int
snap_seed_ok(struct snapshot_store *st)
{
	git_config	*cfg = NULL;
	git_buf		 gb = { 0 };
	char		*path;
	int		 v = 0, ok = 1;
	struct stat	 sb;

	if (git_repository_config_snapshot(&cfg, st->repo) == 0) {
		/* true or input: line endings are converted. */
		if (git_config_get_bool(&v, cfg, "core.autocrlf") != 0)
			v = git_config_get_string_buf(&gb, cfg,
			    "core.autocrlf") == 0;
		if (v)
			ok = 0;
		git_buf_dispose(&gb);
		git_config_free(cfg);
	}
	git_error_clear();
	path = xasprintf("%sinfo/attributes", git_repository_path(st->repo));
	if (stat(path, &sb) == 0)
		ok = 0;
	free(path);
	return (ok);
}

/* Whether index holds a .gitattributes file anywhere. */
static int
snap_has_attributes(git_index *idx)
{
	const git_index_entry	*e;
	size_t			 i, n, len;

	n = git_index_entrycount(idx);
	for (i = 0; i < n; i++) {
		e = git_index_get_byindex(idx, i);
		len = strlen(e->path);
		if (len >= 14 &&
		    strcmp(e->path + len - 14, ".gitattributes") == 0 &&
		    (len == 14 || e->path[len - 15] == '/'))
			return (1);
	}
	return (0);
}

/*
 * Open our index, seeding it from the user's when we have none.  The copy
 * is parsed once: a seed with .gitattributes in it is emptied instead.
 */
static int
snap_open_index(struct snapshot_store *st, char **cause)
{
	struct stat	 sb;
	char		*user;
	size_t		 i, n;
	int		 seeded = 0;

	if (stat(st->index_path, &sb) != 0) {
		user = xasprintf("%sindex", git_repository_path(st->repo));
		if (stat(user, &sb) == 0 && snap_seed_ok(st)) {
			if (snap_copy_file(user, st->index_path, cause) != 0) {
				free(user);
				return (-1);
			}
			seeded = 1;
		}
		free(user);
	}
	if (git_index_open(&st->index, st->index_path) != 0) {
		git_error_clear();
		/* Unreadable (a split index, a newer format): start empty. */
		log_debug("snapshot: %s unreadable, starting empty",
		    st->index_path);
		unlink(st->index_path);
		seeded = 0;
		if (git_index_open(&st->index, st->index_path) != 0)
			return (snap_gerr(cause, "open %s", st->index_path));
	}
	if (seeded && snap_has_attributes(st->index)) {
		log_debug("snapshot: .gitattributes in the index: start empty");
		if (git_index_clear(st->index) != 0)
			return (snap_gerr(cause, "clear %s", st->index_path));
		unlink(st->index_path);
		seeded = 0;
		st->index_dirty = 1;
	}
	n = git_index_entrycount(st->index);
	for (i = 0; i < n && !st->gitlinks; i++) {
		if (git_index_get_byindex(st->index, i)->mode ==
		    GIT_FILEMODE_COMMIT)
			st->gitlinks = 1;
	}
	/* A merge in progress: conflicts cannot go in a tree. */
	if (git_index_has_conflicts(st->index)) {
		git_index_conflict_cleanup(st->index);
		st->index_dirty = 1;
	}
	log_debug("snapshot: index %s: %zu entries%s", st->index_path,
	    git_index_entrycount(st->index), seeded ? " (seeded)" : "");
	return (0);
}

/* Watcher filter: skip ignored directories that hold nothing tracked. */
static int
snap_skip_dir(const char *rel, void *arg)
{
	struct snapshot_store	*st = arg;
	char			*prefix;
	size_t			 pos;
	int			 ignored = 0, tracked;

	prefix = xasprintf("%s/", rel);
	tracked = git_index_find_prefix(&pos, st->index, prefix) == 0;
	free(prefix);
	if (tracked)
		return (0);
	if (git_ignore_path_is_ignored(&ignored, st->repo, rel) != 0) {
		git_error_clear();
		return (0);
	}
	return (ignored);
}

void
snapshot_options_init(struct snapshot_options *opts, const struct config *cfg)
{
	/* The "snapshots.*" rows of options_table (options.c). */
	*opts = options_get(cfg)->snapshots;
}

struct snapshot_store *
snapshot_open(const char *root, const char *session_id, char **cause)
{
	struct snapshot_options	opts;

	snapshot_options_init(&opts, NULL);
	return (snapshot_open_opts(root, session_id, &opts, cause));
}

struct snapshot_store *
snapshot_open_opts(const char *root, const char *session_id,
    const struct snapshot_options *opts, char **cause)
{
	struct snapshot_store	*st;
	const char		*wd, *home;
	char			*path, *s, *msg, rroot[PATH_MAX], rhome[PATH_MAX];
	git_signature		*sig = NULL;
	git_commit		*c = NULL;
	size_t			 len;
	int			 flags;

	if (!snap_valid_session(session_id)) {
		*cause = xasprintf("bad session id: %s", session_id);
		return (NULL);
	}
	git_libgit2_init();
	/*
	 * Trees are built from blobs just written or read from the index;
	 * checking each entry's object again costs a lookup per entry.
	 */
	git_libgit2_opts(GIT_OPT_ENABLE_STRICT_OBJECT_CREATION, 0);
	st = xcalloc(1, sizeof *st);
	st->session_fd = st->lock_fd = -1;
	st->umask = umask(022);
	umask(st->umask);
	st->opts = *opts;
	st->session = xstrdup(session_id);
	st->ref = xasprintf(SNAP_REF_PREFIX "%s", session_id);

	if (git_repository_open_ext(&st->repo, root, 0, NULL) != 0) {
		snap_gerr(cause, "open repository %s", root);
		goto fail;
	}
	if ((wd = git_repository_workdir(st->repo)) == NULL) {
		*cause = xasprintf("%s: a bare repository has no worktree",
		    root);
		goto fail;
	}
	st->root = xstrdup(wd);
	len = strlen(st->root);
	while (len > 1 && st->root[len - 1] == '/')
		st->root[--len] = '\0';

	/* Refuse a home directory (or /) unless confirmed. */
	if (!(opts->flags & SNAPSHOT_CONFIRMED) &&
	    realpath(st->root, rroot) != NULL) {
		home = getenv("HOME");
		if (strcmp(rroot, "/") == 0 || (home != NULL &&
		    realpath(home, rhome) != NULL &&
		    strcmp(rroot, rhome) == 0)) {
			*cause = xasprintf("refusing to snapshot %s: it is a "
			    "whole home directory (confirm to go on)", rroot);
			goto fail;
		}
	}

	if (git_repository_odb(&st->odb, st->repo) != 0) {
		snap_gerr(cause, "object database");
		goto fail;
	}
	st->dir = xasprintf("%sagentos", git_repository_path(st->repo));
	if (mkdir(st->dir, 0777) != 0 && errno != EEXIST) {
		*cause = xasprintf("mkdir %s: %s", st->dir, strerror(errno));
		goto fail;
	}
	path = xasprintf("%s/lock", st->dir);
	st->lock_fd = open(path, O_RDWR | O_CREAT | O_CLOEXEC, 0644);
	free(path);
	path = xasprintf("%s/session-%s.lock", st->dir, session_id);
	st->session_fd = open(path, O_RDWR | O_CREAT | O_CLOEXEC, 0644);
	free(path);
	if (st->lock_fd == -1 || st->session_fd == -1) {
		*cause = xasprintf("%s: %s", st->dir, strerror(errno));
		goto fail;
	}
	flags = LOCK_EX;
	if (strcmp(session_id, SNAP_MANUAL) != 0)
		flags |= LOCK_NB;
	while (flock(st->session_fd, flags) == -1) {
		if (errno == EINTR)
			continue;
		*cause = xasprintf("session %s is in use by another agentos",
		    session_id);
		goto fail;
	}
	/*
	 * We hold the session: lock files of our own ref and index can only
	 * be left by a process that was killed.
	 */
	path = xasprintf("%s%s.lock", git_repository_commondir(st->repo),
	    st->ref);
	unlink(path);
	free(path);
	st->index_path = xasprintf("%s/index-%s", st->dir, session_id);
	path = xasprintf("%s.lock", st->index_path);
	unlink(path);
	free(path);

	if (snap_open_index(st, cause) != 0)
		goto fail;
	if (!(opts->flags & SNAPSHOT_CONFIRMED) &&
	    git_index_entrycount(st->index) > opts->max_tree_files) {
		*cause = xasprintf("refusing to snapshot %zu files (more than "
		    "snapshots.max_tree_files, %llu) without confirmation",
		    git_index_entrycount(st->index),
		    (unsigned long long)opts->max_tree_files);
		goto fail;
	}

	if (git_reference_name_to_id(&st->tip, st->repo, st->ref) == 0) {
		st->have_tip = 1;
		if (git_commit_lookup(&c, st->repo, &st->tip) != 0) {
			snap_gerr(cause, "%s", st->ref);
			goto fail;
		}
		if ((s = snap_trailer(git_commit_message(c), "seq")) != NULL)
			st->seq = atoi(s);
		free(s);
		git_commit_free(c);
	} else
		git_error_clear();

	path = xasprintf("%s/settled-%s", st->dir, session_id);
	if ((msg = snap_read_small(path)) != NULL) {
		if (git_oid_fromstrn(&st->settled, msg, GIT_OID_HEXSZ) == 0)
			st->have_settled = 1;
		git_error_clear();
		free(msg);
	}
	free(path);

	path = xasprintf("%s/" SNAP_JOURNAL, st->dir);
	st->journal = access(path, F_OK) == 0;
	free(path);

	if (git_signature_default(&sig, st->repo) == 0) {
		st->sig_name = xstrdup(sig->name);
		st->sig_email = xstrdup(sig->email);
		git_signature_free(sig);
	} else {
		git_error_clear();
		st->sig_name = xstrdup("agentos");
		st->sig_email = xstrdup("agentos@localhost");
	}

	if (opts->flags & SNAPSHOT_WATCH) {
		st->watch = watch_start(st->root, snap_skip_dir, st, &msg);
		if (st->watch == NULL) {
			log_debug("snapshot: no watcher: %s", msg);
			free(msg);
		}
	}
	return (st);

fail:
	snapshot_close(st);
	return (NULL);
}

void
snapshot_close(struct snapshot_store *st)
{
	size_t	i;

	if (st == NULL)
		return;
	watch_stop(st->watch);
	if (st->index != NULL) {
		if (st->index_dirty && git_index_write(st->index) != 0) {
			log_debug("snapshot: write %s failed", st->index_path);
			git_error_clear();
		}
		git_index_free(st->index);
	}
	git_odb_free(st->odb);
	git_repository_free(st->repo);
	if (st->session_fd != -1)
		close(st->session_fd);
	if (st->lock_fd != -1)
		close(st->lock_fd);
	for (i = 0; i < st->npending; i++)
		free(st->pending[i]);
	free(st->pending);
	snap_skip_clear(st);
	free(st->skipped);
	free(st->skipped_names);
	free(st->root);
	free(st->dir);
	free(st->session);
	free(st->ref);
	free(st->index_path);
	free(st->sig_name);
	free(st->sig_email);
	free(st);
	git_libgit2_shutdown();
}

/* Record a touched path. */
static void
snap_touch(struct snap_touched *t, const char *path)
{
	ALLOC_GROW(t->v, t->nr + 1, t->alloc);
	t->v[t->nr++] = xstrdup(path);
}

static void
snap_touched_release(struct snap_touched *t)
{
	size_t	i;

	for (i = 0; i < t->nr; i++)
		free(t->v[i]);
	free(t->v);
	memset(t, 0, sizeof *t);
}

/* qsort comparison of strings. */
static int
snap_cmp(const void *a, const void *b)
{
	return (strcmp(*(char *const *)a, *(char *const *)b));
}

/* Remember that path (a file or folder) was skipped as too large. */
static void
snap_skip_add(struct snapshot_store *st, const char *path, int dir,
    uint64_t size)
{
	snap_skip_forget(st, path);
	ALLOC_GROW(st->skipped, st->nskipped + 1, st->askipped);
	st->skipped[st->nskipped].path = xstrdup(path);
	st->skipped[st->nskipped].dir = dir;
	st->skipped[st->nskipped].size = size;
	st->nskipped++;
	log_debug("snapshot: skipped %s%s (%llu bytes)", path, dir ? "/" : "",
	    (unsigned long long)size);
}

/* Forget skipped entries at or below path. */
static void
snap_skip_forget(struct snapshot_store *st, const char *path)
{
	size_t	i, len = strlen(path);

	for (i = 0; i < st->nskipped; /* nothing */) {
		const char	*p = st->skipped[i].path;

		if (strncmp(p, path, len) == 0 &&
		    (p[len] == '\0' || p[len] == '/')) {
			free(st->skipped[i].path);
			st->skipped[i] = st->skipped[--st->nskipped];
		} else
			i++;
	}
}

/* Whether path is a skipped path or lies in a skipped folder. */
static int
snap_skipped_at(struct snapshot_store *st, const char *path)
{
	size_t	i, len;

	for (i = 0; i < st->nskipped; i++) {
		len = strlen(st->skipped[i].path);
		if (strncmp(path, st->skipped[i].path, len) == 0 &&
		    (path[len] == '\0' || path[len] == '/'))
			return (1);
	}
	return (0);
}

static void
snap_skip_clear(struct snapshot_store *st)
{
	size_t	i;

	for (i = 0; i < st->nskipped; i++)
		free(st->skipped[i].path);
	st->nskipped = 0;
}

/* Hash the file or symlink rel (exact bytes) into the object database. */
static int
snap_hash(struct snapshot_store *st, const char *rel, const struct stat *sb,
    git_oid *oid, char **cause)
{
	char		*abs = xasprintf("%s/%s", st->root, rel), *data = NULL;
	char		 tmp[65536];
	git_odb_stream	*stream = NULL;
	ssize_t		 n;
	size_t		 off = 0;
	int		 fd = -1, rc = -1;

	if (S_ISLNK(sb->st_mode)) {
		data = xmalloc(PATH_MAX + 1);
		if ((n = readlink(abs, data, PATH_MAX)) == -1) {
			*cause = xasprintf("readlink %s: %s", rel,
			    strerror(errno));
			goto out;
		}
		if (git_odb_write(oid, st->odb, data, n, GIT_OBJECT_BLOB) != 0) {
			snap_gerr(cause, "write %s", rel);
			goto out;
		}
		rc = 0;
		goto out;
	}
	if ((fd = open(abs, O_RDONLY | O_NOFOLLOW | O_CLOEXEC)) == -1) {
		*cause = xasprintf("open %s: %s", rel, strerror(errno));
		goto out;
	}
	if ((uint64_t)sb->st_size <= SNAP_BUFFER_MAX) {
		data = xmalloc((size_t)sb->st_size + 1);
		while (off < (size_t)sb->st_size) {
			n = read(fd, data + off, (size_t)sb->st_size - off);
			if (n == -1 && errno == EINTR)
				continue;
			if (n == -1) {
				*cause = xasprintf("read %s: %s", rel,
				    strerror(errno));
				goto out;
			}
			if (n == 0)
				break;	/* shrank meanwhile: what is there */
			off += n;
		}
		if (git_odb_write(oid, st->odb, data, off, GIT_OBJECT_BLOB)
		    != 0) {
			snap_gerr(cause, "write %s", rel);
			goto out;
		}
		rc = 0;
		goto out;
	}
	if (git_odb_open_wstream(&stream, st->odb, (git_object_size_t)
	    sb->st_size, GIT_OBJECT_BLOB) != 0) {
		snap_gerr(cause, "write %s", rel);
		goto out;
	}
	while ((n = read(fd, tmp, sizeof tmp)) != 0) {
		if (n == -1 && errno == EINTR)
			continue;
		if (n == -1) {
			*cause = xasprintf("read %s: %s", rel, strerror(errno));
			goto out;
		}
		if (git_odb_stream_write(stream, tmp, n) != 0) {
			snap_gerr(cause, "write %s", rel);
			goto out;
		}
	}
	if (git_odb_stream_finalize_write(oid, stream) != 0) {
		snap_gerr(cause, "write %s (changed while read?)", rel);
		goto out;
	}
	rc = 0;
out:
	if (stream != NULL)
		git_odb_stream_free(stream);
	if (fd != -1)
		close(fd);
	free(data);
	free(abs);
	return (rc);
}

/* Hash the file rel and put it in the index (unless it is unchanged). */
static int
snap_add_file(struct snapshot_store *st, const char *rel,
    const struct stat *sb, struct snap_touched *t, char **cause)
{
	const git_index_entry	*old;
	git_index_entry		 e;
	uint32_t		 mode;

	if (S_ISLNK(sb->st_mode))
		mode = GIT_FILEMODE_LINK;
	else if (sb->st_mode & S_IXUSR)
		mode = GIT_FILEMODE_BLOB_EXECUTABLE;
	else
		mode = GIT_FILEMODE_BLOB;

	old = git_index_get_bypath(st->index, rel, 0);
	if (old != NULL && old->mode == mode &&
	    old->file_size == (uint32_t)sb->st_size &&
	    old->mtime.seconds == (int32_t)sb->st_mtim.tv_sec &&
	    old->mtime.nanoseconds == (uint32_t)sb->st_mtim.tv_nsec &&
	    old->ctime.seconds == (int32_t)sb->st_ctim.tv_sec &&
	    old->ctime.nanoseconds == (uint32_t)sb->st_ctim.tv_nsec &&
	    old->ino == (uint32_t)sb->st_ino &&
	    (int64_t)sb->st_mtim.tv_sec + 2 < (int64_t)time(NULL))
		return (0);	/* same stat, not racy: same content */

	memset(&e, 0, sizeof e);
	if (snap_hash(st, rel, sb, &e.id, cause) != 0)
		return (-1);
	e.ctime.seconds = (int32_t)sb->st_ctim.tv_sec;
	e.ctime.nanoseconds = (uint32_t)sb->st_ctim.tv_nsec;
	e.mtime.seconds = (int32_t)sb->st_mtim.tv_sec;
	e.mtime.nanoseconds = (uint32_t)sb->st_mtim.tv_nsec;
	e.dev = (uint32_t)sb->st_dev;
	e.ino = (uint32_t)sb->st_ino;
	e.mode = mode;
	e.uid = sb->st_uid;
	e.gid = sb->st_gid;
	e.file_size = (uint32_t)sb->st_size;
	e.path = rel;
	if (git_index_add(st->index, &e) != 0) {
		const git_error	*ge = git_error_last();

		if (ge != NULL && ge->klass == GIT_ERROR_INDEX) {
			/* A name git cannot hold (".git" inside, ...). */
			log_debug("snapshot: cannot add %s: %s", rel,
			    ge->message);
			git_error_clear();
			snap_skip_add(st, rel, 0, (uint64_t)sb->st_size);
			return (0);
		}
		return (snap_gerr(cause, "add %s", rel));
	}
	st->index_dirty = 1;
	snap_touch(t, rel);
	return (0);
}

/* Remove rel, and everything below it, from the index. */
static void
snap_remove(struct snapshot_store *st, const char *rel,
    struct snap_touched *t)
{
	if (git_index_get_bypath(st->index, rel, 0) != NULL) {
		git_index_remove(st->index, rel, 0);
		snap_touch(t, rel);
		st->index_dirty = 1;
	}
	snap_remove_below(st, rel, t);
	snap_skip_forget(st, rel);
}

/* Remove everything below rel (not rel itself) from the index. */
static void
snap_remove_below(struct snapshot_store *st, const char *rel,
    struct snap_touched *t)
{
	const git_index_entry	*e;
	char			*prefix;
	size_t			 pos, plen;

	prefix = xasprintf("%s/", rel);
	plen = strlen(prefix);
	if (git_index_find_prefix(&pos, st->index, prefix) == 0) {
		while ((e = git_index_get_byindex(st->index, pos)) != NULL &&
		    strncmp(e->path, prefix, plen) == 0) {
			snap_touch(t, e->path);
			pos++;
		}
		git_index_remove_directory(st->index, rel, 0);
		st->index_dirty = 1;
	}
	git_error_clear();
	free(prefix);
}

/* Whether a parent of rel is a submodule (gitlink) in the index. */
static int
snap_under_gitlink(struct snapshot_store *st, const char *rel)
{
	const git_index_entry	*e;
	char			*p, *s;
	int			 found = 0;

	if (!st->gitlinks)
		return (0);
	p = xstrdup(rel);
	while (!found && (s = strrchr(p, '/')) != NULL) {
		*s = '\0';
		e = git_index_get_bypath(st->index, p, 0);
		if (e != NULL)
			found = e->mode == GIT_FILEMODE_COMMIT;
	}
	free(p);
	return (found);
}

/* Whether a parent component of rel is not a real directory. */
static int
snap_symlink_parent(struct snapshot_store *st, const char *rel)
{
	struct stat	 sb;
	char		*abs;
	const char	*s;
	int		 bad = 0;

	for (s = strchr(rel, '/'); !bad && s != NULL; s = strchr(s + 1, '/')) {
		abs = xasprintf("%s/%.*s", st->root, (int)(s - rel), rel);
		if (lstat(abs, &sb) == 0 && !S_ISDIR(sb.st_mode))
			bad = 1;
		free(abs);
	}
	return (bad);
}

/*
 * Count files and bytes below abs, stopping once past max_files or
 * max_size.  Returns 1 when over a limit or a nested repository is found.
 */
static int
snap_measure(const char *abs, uint64_t max_files, uint64_t max_size,
    uint64_t *files, uint64_t *size)
{
	DIR		*d;
	struct dirent	*de;
	struct stat	 sb;
	char		*child;
	int		 over = 0;

	if ((d = opendir(abs)) == NULL)
		return (0);
	while (!over && (de = readdir(d)) != NULL) {
		if (strcmp(de->d_name, ".") == 0 ||
		    strcmp(de->d_name, "..") == 0)
			continue;
		if (strcmp(de->d_name, ".git") == 0) {
			over = 1;	/* a repository of its own */
			break;
		}
		child = xasprintf("%s/%s", abs, de->d_name);
		if (lstat(child, &sb) == 0) {
			if (S_ISDIR(sb.st_mode))
				over = snap_measure(child, max_files,
				    max_size, files, size);
			else {
				(*files)++;
				*size += (uint64_t)sb.st_size;
			}
		}
		free(child);
		if (*files > max_files || *size > max_size)
			over = 1;
	}
	closedir(d);
	return (over);
}

/* An untracked folder: skip it when too large, else add what is in it. */
static int
snap_untracked_dir(struct snapshot_store *st, const char *rel,
    struct snap_touched *t, char **cause)
{
	char		*abs, *dir;
	uint64_t	 files = 0, size = 0;
	size_t		 len;
	int		 rc;

	dir = xstrdup(rel);
	len = strlen(dir);
	while (len > 0 && dir[len - 1] == '/')
		dir[--len] = '\0';
	abs = xasprintf("%s/%s", st->root, dir);
	if (snap_measure(abs, st->opts.max_dir_files, st->opts.max_dir_size,
	    &files, &size)) {
		snap_skip_add(st, dir, 1, size);
		rc = 0;
	} else
		rc = snap_scan(st, dir, 1, t, cause);
	free(abs);
	free(dir);
	return (rc);
}

/*
 * Compare the index with the worktree (all of it, or below prefix) and
 * bring the index up to date.  recurse: list files inside untracked
 * folders (else they come as one "dir/" entry, measured first).
 */
static int
snap_scan(struct snapshot_store *st, const char *prefix, int recurse,
    struct snap_touched *t, char **cause)
{
	git_diff_options	 o;
	git_diff		*diff = NULL;
	const git_diff_delta	*d;
	struct stat		 sb;
	char			*abs, *ps[1];
	const char		*path;
	size_t			 i, n, len;
	int			 rc = -1;

	git_diff_options_init(&o, GIT_DIFF_OPTIONS_VERSION);
	o.flags = GIT_DIFF_INCLUDE_UNTRACKED | GIT_DIFF_INCLUDE_TYPECHANGE |
	    GIT_DIFF_SKIP_BINARY_CHECK | GIT_DIFF_IGNORE_SUBMODULES;
	if (recurse)
		o.flags |= GIT_DIFF_RECURSE_UNTRACKED_DIRS;
	if (prefix != NULL) {
		ps[0] = (char *)prefix;
		o.pathspec.strings = ps;
		o.pathspec.count = 1;
		o.flags |= GIT_DIFF_DISABLE_PATHSPEC_MATCH;
	} else
		o.flags |= GIT_DIFF_UPDATE_INDEX;
	o.ignore_submodules = GIT_SUBMODULE_IGNORE_ALL;
	if (git_diff_index_to_workdir(&diff, st->repo, st->index, &o) != 0)
		return (snap_gerr(cause, "scan %s", prefix ? prefix : "worktree"));
	n = git_diff_num_deltas(diff);
	for (i = 0; i < n; i++) {
		d = git_diff_get_delta(diff, i);
		path = d->new_file.path != NULL ? d->new_file.path :
		    d->old_file.path;
		switch (d->status) {
		case GIT_DELTA_DELETED:
			snap_remove(st, path, t);
			break;
		case GIT_DELTA_MODIFIED:
		case GIT_DELTA_TYPECHANGE:
		case GIT_DELTA_UNTRACKED:
			len = strlen(path);
			if (len > 0 && path[len - 1] == '/') {
				if (snap_untracked_dir(st, path, t, cause) != 0)
					goto out;
				break;
			}
			if (d->new_file.mode == GIT_FILEMODE_COMMIT ||
			    d->old_file.mode == GIT_FILEMODE_COMMIT)
				break;	/* submodules stay as they are */
			abs = xasprintf("%s/%s", st->root, path);
			if (lstat(abs, &sb) != 0) {
				free(abs);
				snap_remove(st, path, t);
				break;
			}
			free(abs);
			if (!S_ISREG(sb.st_mode) && !S_ISLNK(sb.st_mode)) {
				snap_remove(st, path, t);
				break;
			}
			if (d->status == GIT_DELTA_UNTRACKED &&
			    S_ISREG(sb.st_mode) &&
			    (uint64_t)sb.st_size > st->opts.max_file_size) {
				snap_skip_add(st, path, 0,
				    (uint64_t)sb.st_size);
				break;
			}
			if (snap_add_file(st, path, &sb, t, cause) != 0)
				goto out;
			break;
		default:
			break;
		}
	}
	rc = 0;
out:
	git_diff_free(diff);
	return (rc);
}

/*
 * Bring the index up to date for one path the watcher or the agent named.
 * force: add it even when ignored (the agent writes it).
 */
static int
snap_update_path(struct snapshot_store *st, const char *rel, int force,
    struct snap_touched *t, char **cause)
{
	const git_index_entry	*e;
	struct stat		 sb;
	char			*abs, *prefix;
	size_t			 pos;
	int			 ignored = 0, tracked;

	if (*rel == '\0' || strcmp(rel, ".git") == 0 ||
	    strncmp(rel, ".git/", 5) == 0 || snap_under_gitlink(st, rel))
		return (0);
	abs = xasprintf("%s/%s", st->root, rel);
	if (lstat(abs, &sb) != 0) {
		free(abs);
		if (errno != ENOENT && errno != ENOTDIR && errno != ELOOP &&
		    errno != ENAMETOOLONG) {
			*cause = xasprintf("%s: %s", rel, strerror(errno));
			return (-1);
		}
		snap_remove(st, rel, t);
		return (0);
	}
	free(abs);
	if (snap_symlink_parent(st, rel)) {
		/* Reached through a symlink: git holds the link only. */
		snap_remove(st, rel, t);
		return (0);
	}
	e = git_index_get_bypath(st->index, rel, 0);
	if (S_ISDIR(sb.st_mode)) {
		if (e != NULL && e->mode == GIT_FILEMODE_COMMIT)
			return (0);
		if (e != NULL) {
			git_index_remove(st->index, rel, 0);
			snap_touch(t, rel);
			st->index_dirty = 1;
		}
		prefix = xasprintf("%s/", rel);
		tracked = git_index_find_prefix(&pos, st->index, prefix) == 0;
		git_error_clear();
		if (!tracked && !force) {
			if (git_ignore_path_is_ignored(&ignored, st->repo,
			    prefix) != 0)
				git_error_clear();
			if (ignored) {
				free(prefix);
				return (0);
			}
			snap_skip_forget(st, rel);
			free(prefix);
			return (snap_untracked_dir(st, rel, t, cause));
		}
		free(prefix);
		return (snap_scan(st, rel, 0, t, cause));
	}
	if (!S_ISREG(sb.st_mode) && !S_ISLNK(sb.st_mode)) {
		snap_remove(st, rel, t);
		return (0);
	}
	/*
	 * A file where the index has a folder: the folder's files are gone,
	 * even those the watcher never saw (made in a folder that was
	 * replaced before its watch was added).
	 */
	snap_remove_below(st, rel, t);
	if (e == NULL && !force) {
		/* Inside a skipped folder, or ignored: not ours. */
		if (snap_skipped_at(st, rel)) {
			size_t	i;
			int	dirskip = 0;

			for (i = 0; i < st->nskipped; i++) {
				if (st->skipped[i].dir &&
				    strncmp(rel, st->skipped[i].path,
				    strlen(st->skipped[i].path)) == 0)
					dirskip = 1;
			}
			if (dirskip)
				return (0);
		}
		if (git_ignore_path_is_ignored(&ignored, st->repo, rel) != 0)
			return (snap_gerr(cause, "ignore rules for %s", rel));
		if (ignored)
			return (0);
		if (S_ISREG(sb.st_mode) &&
		    (uint64_t)sb.st_size > st->opts.max_file_size) {
			snap_skip_add(st, rel, 0, (uint64_t)sb.st_size);
			return (0);
		}
	}
	snap_skip_forget(st, rel);
	return (snap_add_file(st, rel, &sb, t, cause));
}

/*
 * Make the tree of the index.  With a known tree for the index before the
 * touched paths changed, only the trees on those paths are rewritten;
 * otherwise (or when a file became a folder or back) the whole index is
 * written.
 */
static int
snap_make_tree(struct snapshot_store *st, struct snap_touched *t,
    git_oid *tree, char **cause)
{
	git_tree		*base = NULL;
	git_tree_entry		*be;
	const git_index_entry	*e;
	git_tree_update		*u = NULL;
	size_t			 i, j, nu = 0, len;
	int			 rc = -1, full = !st->index_tree_valid;

	if (!full && t->nr == 0) {
		git_oid_cpy(tree, &st->index_tree);
		return (0);
	}
	if (!full) {
		qsort(t->v, t->nr, sizeof *t->v, snap_cmp);
		for (i = j = 0; i < t->nr; i++) {
			if (j > 0 && strcmp(t->v[j - 1], t->v[i]) == 0)
				free(t->v[i]);
			else
				t->v[j++] = t->v[i];
		}
		t->nr = j;
		/* "a" then "a/b": a file and a folder swapped places. */
		for (i = 0; i + 1 < t->nr; i++) {
			len = strlen(t->v[i]);
			if (strncmp(t->v[i], t->v[i + 1], len) == 0 &&
			    t->v[i + 1][len] == '/')
				full = 1;
		}
	}
	if (!full) {
		if (git_tree_lookup(&base, st->repo, &st->index_tree) != 0) {
			snap_gerr(cause, "tree");
			goto out;
		}
		u = xcalloc(t->nr, sizeof *u);
		for (i = 0; i < t->nr; i++) {
			e = git_index_get_bypath(st->index, t->v[i], 0);
			be = NULL;
			if (git_tree_entry_bypath(&be, base, t->v[i]) != 0)
				git_error_clear();
			if (e != NULL) {
				if (be != NULL &&
				    git_tree_entry_filemode(be) == e->mode &&
				    git_oid_equal(git_tree_entry_id(be),
				    &e->id)) {
					git_tree_entry_free(be);
					continue;
				}
				u[nu].action = GIT_TREE_UPDATE_UPSERT;
				git_oid_cpy(&u[nu].id, &e->id);
				u[nu].filemode = e->mode;
				u[nu].path = t->v[i];
				nu++;
			} else if (be != NULL &&
			    git_tree_entry_type(be) != GIT_OBJECT_TREE) {
				u[nu].action = GIT_TREE_UPDATE_REMOVE;
				u[nu].path = t->v[i];
				nu++;
			} else if (be != NULL)
				full = 1;	/* a folder left whole */
			git_tree_entry_free(be);
		}
		if (!full) {
			if (nu == 0)
				git_oid_cpy(tree, &st->index_tree);
			else if (git_tree_create_updated(tree, st->repo, base,
			    nu, u) != 0) {
				log_debug("snapshot: tree update failed: %s",
				    git_error_last() ? git_error_last()->message
				    : "?");
				git_error_clear();
				full = 1;
			}
		}
	}
	if (full && git_index_write_tree_to(tree, st->index, st->repo) != 0) {
		snap_gerr(cause, "write tree");
		goto out;
	}
	if (getenv("AGENTOS_SNAPSHOT_VERIFY") != NULL && !full) {
		git_oid	check;

		if (git_index_write_tree_to(&check, st->index, st->repo) != 0 ||
		    !git_oid_equal(&check, tree))
			fatalx("snapshot: incremental tree differs from index");
	}
	git_oid_cpy(&st->index_tree, tree);
	st->index_tree_valid = 1;
	rc = 0;
out:
	free(u);
	git_tree_free(base);
	return (rc);
}

/*
 * Bring the index up to date with the worktree (watcher or scan) plus the
 * agent's paths, and make its tree.
 */
static int
snap_update(struct snapshot_store *st, const char *const *paths,
    size_t npaths, git_oid *tree, char **cause)
{
	struct snap_touched	 t = { 0 };
	char			**changed = NULL;
	size_t			 nchanged = 0, i, j;
	int			 rc = -1, full;

	/* Drain first: what changes during a scan is seen next time. */
	full = st->watch == NULL ||
	    watch_drain_changed(st->watch, &changed, &nchanged) != 0;
	if (!st->synced)
		full = 1;
	if (full) {
		log_debug("snapshot: full scan");
		snap_skip_clear(st);
		if (snap_scan(st, NULL, 0, &t, cause) != 0)
			goto out;
		st->synced = st->watch != NULL;
	} else {
		for (i = 0; i < nchanged; i++) {
			if (snap_update_path(st, changed[i], 0, &t, cause) != 0)
				goto out;
		}
	}
	/* Agent paths, now and those named before that did not exist. */
	for (i = 0; i < npaths; i++) {
		ALLOC_GROW(st->pending, st->npending + 1, st->apending);
		st->pending[st->npending++] = xstrdup(paths[i]);
	}
	for (i = j = 0; i < st->npending; i++) {
		if (snap_update_path(st, st->pending[i], 1, &t, cause) != 0)
			goto out;
		if (git_index_get_bypath(st->index, st->pending[i], 0) == NULL)
			st->pending[j++] = st->pending[i];
		else
			free(st->pending[i]);
	}
	st->npending = j;
	rc = snap_make_tree(st, &t, tree, cause);
out:
	if (rc != 0)
		st->synced = 0;	/* start over with a scan */
	watch_free_paths(changed, nchanged);
	snap_touched_release(&t);
	return (rc);
}

/* The committer: the user's identity if configured, else agentos. */
static int
snap_signature(struct snapshot_store *st, git_signature **sig)
{
	time_t		now = time(NULL);
	struct tm	tm;
	int		off;

	localtime_r(&now, &tm);
	off = (int)(tm.tm_gmtoff / 60);
	return (git_signature_new(sig, st->sig_name, st->sig_email, now, off));
}

/* A trailer value "agentos-<key>: value" of message; NULL if none. */
static char *
snap_trailer(const char *message, const char *key)
{
	const char	*p, *end;
	char		*want = xasprintf("agentos-%s: ", key);
	size_t		 wlen = strlen(want);
	char		*v = NULL;

	for (p = message; p != NULL && *p != '\0'; p = end) {
		end = strchr(p, '\n');
		if (strncmp(p, want, wlen) == 0) {
			v = end != NULL ? xstrndup(p + wlen, end - p - wlen) :
			    xstrdup(p + wlen);
			break;
		}
		if (end != NULL)
			end++;
	}
	free(want);
	return (v);
}

/* Commit tree as the next snapshot of the session. */
static int
snap_commit(struct snapshot_store *st, const git_oid *tree,
    const char *action, const char *tool, int turn, char **cause)
{
	git_signature	*sig = NULL;
	git_reference	*ref = NULL;
	const git_oid	*parents[1];
	git_oid		 oid;
	struct buf	 msg = BUF_INIT;
	char		 when[32];
	time_t		 now = time(NULL);
	struct tm	 tm;
	const char	*p;
	size_t		 i;
	int		 rc = -1;

	for (p = action != NULL && *action != '\0' ? action : "snapshot";
	    *p != '\0' && *p != '\n'; p++)
		buf_addch(&msg, *p == '\r' ? ' ' : *p);
	gmtime_r(&now, &tm);
	strftime(when, sizeof when, "%Y-%m-%dT%H:%M:%SZ", &tm);
	buf_addf(&msg, "\n\nagentos-tool: %s\nagentos-turn: %d\n"
	    "agentos-time: %s\nagentos-seq: %d\n",
	    tool != NULL ? tool : "manual", turn, when, st->seq + 1);
	for (i = 0; i < st->nskipped && i < SNAP_SKIPPED_LISTED; i++) {
		buf_addf(&msg, "agentos-skipped: %s%s (%llu bytes)\n",
		    st->skipped[i].path, st->skipped[i].dir ? "/" : "",
		    (unsigned long long)st->skipped[i].size);
	}
	if (st->nskipped > 0)
		buf_addf(&msg, "agentos-skipped-count: %zu\n", st->nskipped);

	if (snap_signature(st, &sig) != 0) {
		snap_gerr(cause, "signature");
		goto out;
	}
	/*
	 * The tree was just made by snap_update() and the parent checked
	 * when the store was opened: no need to read them back.
	 */
	parents[0] = &st->tip;
	if (git_commit_create_from_ids(&oid, st->repo, NULL, sig, sig, NULL,
	    msg.buf, tree, st->have_tip ? 1 : 0, parents) != 0) {
		snap_gerr(cause, "commit");
		goto out;
	}
	/* Tests only: die between the objects and the ref update. */
	if (getenv("AGENTOS_TEST_CRASH_SNAPSHOT") != NULL)
		raise(SIGKILL);
	/* Compare-and-swap: fail if someone else moved the session ref. */
	if (git_reference_create_matching(&ref, st->repo, st->ref, &oid,
	    st->have_tip, st->have_tip ? &st->tip : NULL, "agentos snapshot")
	    != 0) {
		snap_gerr(cause, "update %s", st->ref);
		goto out;
	}
	git_oid_cpy(&st->tip, &oid);
	st->have_tip = 1;
	st->seq++;
	rc = 0;
out:
	git_reference_free(ref);
	git_signature_free(sig);
	buf_release(&msg);
	return (rc);
}

/* Save the settled tree (for hand-edit checks by later processes). */
static int
snap_save_settled(struct snapshot_store *st)
{
	char	 hex[GIT_OID_HEXSZ + 2], *path, *cause = NULL;
	int	 rc;

	git_oid_tostr(hex, sizeof hex - 1, &st->settled);
	hex[GIT_OID_HEXSZ] = '\n';
	hex[GIT_OID_HEXSZ + 1] = '\0';
	path = xasprintf("%s/settled-%s", st->dir, st->session);
	rc = snap_write_file(path, hex, GIT_OID_HEXSZ + 1, &cause);
	if (rc != 0) {
		log_debug("snapshot: %s", cause);
		free(cause);
	}
	free(path);
	return (rc);
}

int
snapshot_take(struct snapshot_store *st, const char *action,
    const char *tool, int turn, const char *const *paths, size_t npaths,
    char **id, char **cause)
{
	git_oid	tree;
	int	rc = -1;

	if (st->journal) {
		*cause = xstrdup("an interrupted rewind is pending: finish it "
		    "with 'agentos rewind --continue' or roll it back with "
		    "'agentos rewind --abort'");
		return (-1);
	}
	if (snap_lock(st, cause) != 0)
		return (-1);
	if (snap_update(st, paths, npaths, &tree, cause) != 0)
		goto out;
	if (!st->have_settled || !git_oid_equal(&st->settled, &tree)) {
		git_oid_cpy(&st->settled, &tree);
		st->have_settled = 1;
		snap_save_settled(st);
	}
	if (snap_commit(st, &tree, action, tool, turn, cause) != 0)
		goto out;
	*id = xasprintf("%d", st->seq);
	rc = 0;
out:
	snap_unlock(st);
	if (rc != 0) {
		char	*c = *cause;

		*cause = xasprintf("snapshot failed: %s", c);
		free(c);
	}
	return (rc);
}

int
snapshot_done(struct snapshot_store *st, char **cause)
{
	git_oid	tree;
	int	rc;

	if (snap_lock(st, cause) != 0)
		return (-1);
	rc = snap_update(st, NULL, 0, &tree, cause);
	if (rc == 0) {
		git_oid_cpy(&st->settled, &tree);
		st->have_settled = 1;
		snap_save_settled(st);
	}
	snap_unlock(st);
	return (rc);
}

/* Resolve a list id or revision to a commit and its tree. */
static int
snap_tree_of(struct snapshot_store *st, const char *id, git_oid *commit,
    git_oid *tree, char **cause)
{
	char		*hex;
	git_commit	*c;

	if ((hex = snapshot_resolve(st, NULL, id, cause)) == NULL)
		return (-1);
	if (git_oid_fromstr(commit, hex) != 0 ||
	    git_commit_lookup(&c, st->repo, commit) != 0) {
		free(hex);
		return (snap_gerr(cause, "snapshot %s", id));
	}
	free(hex);
	git_oid_cpy(tree, git_commit_tree_id(c));
	git_commit_free(c);
	return (0);
}

char *
snapshot_resolve(struct snapshot_store *st, const char *session,
    const char *id, char **cause)
{
	git_object	*obj = NULL;
	git_commit	*c = NULL, *next;
	git_oid		 oid;
	char		*ref, *s, hex[GIT_OID_HEXSZ + 1];
	const char	*p;
	int		 want, seq;

	for (p = id; *p != '\0' && isdigit((unsigned char)*p); p++)
		/* nothing */;
	if (*id != '\0' && *p == '\0' && strlen(id) < 7) {
		want = atoi(id);
		ref = xasprintf(SNAP_REF_PREFIX "%s",
		    session != NULL ? session : st->session);
		if (git_reference_name_to_id(&oid, st->repo, ref) != 0 ||
		    git_commit_lookup(&c, st->repo, &oid) != 0) {
			git_error_clear();
			*cause = xasprintf("no snapshot %s in session %s", id,
			    session != NULL ? session : st->session);
			free(ref);
			return (NULL);
		}
		free(ref);
		for (;;) {
			s = snap_trailer(git_commit_message(c), "seq");
			seq = s != NULL ? atoi(s) : -1;
			free(s);
			if (seq == want) {
				git_oid_tostr(hex, sizeof hex, git_commit_id(c));
				git_commit_free(c);
				return (xstrdup(hex));
			}
			if (seq < want || git_commit_parentcount(c) == 0 ||
			    git_commit_parent(&next, c, 0) != 0)
				break;
			git_commit_free(c);
			c = next;
		}
		git_commit_free(c);
		git_error_clear();
		*cause = xasprintf("no snapshot %s in session %s", id,
		    session != NULL ? session : st->session);
		return (NULL);
	}
	if (git_revparse_single(&obj, st->repo, id) != 0) {
		snap_gerr(cause, "no snapshot or commit %s", id);
		return (NULL);
	}
	if (git_object_peel((git_object **)&c, obj, GIT_OBJECT_COMMIT) != 0) {
		git_object_free(obj);
		snap_gerr(cause, "%s is not a commit", id);
		return (NULL);
	}
	git_oid_tostr(hex, sizeof hex, git_commit_id(c));
	git_commit_free(c);
	git_object_free(obj);
	return (xstrdup(hex));
}

/* Append a copy of path to a list. */
static void
snap_plan_add(char ***v, size_t *n, const char *path)
{
	*v = xreallocarray(*v, *n + 1, sizeof **v);
	(*v)[(*n)++] = xstrdup(path);
}

void
snapshot_plan_release(struct snapshot_plan *plan)
{
	size_t	i;

	if (plan == NULL)
		return;
	for (i = 0; i < plan->nwrite; i++)
		free(plan->write[i]);
	for (i = 0; i < plan->nremove; i++)
		free(plan->remove[i]);
	for (i = 0; i < plan->nhand; i++)
		free(plan->hand[i]);
	for (i = 0; i < plan->nblocked; i++)
		free(plan->blocked[i]);
	free(plan->write);
	free(plan->remove);
	free(plan->hand);
	free(plan->blocked);
	free(plan->target);
	free(plan->before);
	memset(plan, 0, sizeof *plan);
}

/*
 * The temporary name a restore writes rel through: fixed per path, in the
 * same folder (so rename is atomic), so recovery can find leftovers.
 */
static char *
snap_tmp_name(const char *rel)
{
	git_oid		 h;
	char		 hex[GIT_OID_HEXSZ + 1];
	const char	*slash = strrchr(rel, '/');

	git_odb_hash(&h, rel, strlen(rel), GIT_OBJECT_BLOB);
	git_oid_tostr(hex, 17, &h);
	if (slash == NULL)
		return (xasprintf(SNAP_TMP_PREFIX "%s", hex));
	return (xasprintf("%.*s/" SNAP_TMP_PREFIX "%s", (int)(slash - rel),
	    rel, hex));
}

/* Create the parent folders of rel. */
static int
snap_mkdirs(struct snapshot_store *st, const char *rel, char **cause)
{
	struct stat	 sb;
	const char	*s;
	char		*abs;

	for (s = strchr(rel, '/'); s != NULL; s = strchr(s + 1, '/')) {
		abs = xasprintf("%s/%.*s", st->root, (int)(s - rel), rel);
		if (mkdir(abs, 0777) != 0 && errno != EEXIST) {
			*cause = xasprintf("mkdir %s: %s", abs,
			    strerror(errno));
			free(abs);
			return (-1);
		}
		if (lstat(abs, &sb) != 0 || !S_ISDIR(sb.st_mode)) {
			*cause = xasprintf("%s is in the way of a folder", abs);
			free(abs);
			return (-1);
		}
		free(abs);
	}
	return (0);
}

/* Write blob oid to rel (temporary file, rename) and update the index. */
static int
snap_write_entry(struct snapshot_store *st, const char *rel,
    const git_oid *oid, uint32_t mode, char **cause)
{
	git_blob	*blob = NULL;
	git_index_entry	 e;
	struct stat	 sb;
	char		*abs, *tmprel, *tmp, *target = NULL;
	const char	*data;
	size_t		 len, off = 0;
	ssize_t		 n;
	mode_t		 perm = mode == GIT_FILEMODE_BLOB_EXECUTABLE ? 0777 : 0666;
	int		 fd, rc = -1;

	abs = xasprintf("%s/%s", st->root, rel);
	tmprel = snap_tmp_name(rel);
	tmp = xasprintf("%s/%s", st->root, tmprel);
	if (snap_mkdirs(st, rel, cause) != 0)
		goto out;
	if (git_blob_lookup(&blob, st->repo, oid) != 0) {
		snap_gerr(cause, "blob of %s", rel);
		goto out;
	}
	data = git_blob_rawcontent(blob);
	len = (size_t)git_blob_rawsize(blob);
	unlink(tmp);
	if (mode == GIT_FILEMODE_LINK) {
		target = xstrndup(data, len);
		if (symlink(target, tmp) != 0) {
			*cause = xasprintf("symlink %s: %s", rel,
			    strerror(errno));
			goto out;
		}
	} else {
		/* Keep the permissions of the file being replaced. */
		if (lstat(abs, &sb) == 0 && S_ISREG(sb.st_mode)) {
			perm = sb.st_mode & 0666;
			if (mode == GIT_FILEMODE_BLOB_EXECUTABLE)
				perm |= (perm & 0444) >> 2;
		} else
			perm &= ~st->umask;
		fd = open(tmp, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW |
		    O_CLOEXEC, perm);
		if (fd == -1) {
			*cause = xasprintf("create %s: %s", rel,
			    strerror(errno));
			goto out;
		}
		if (fchmod(fd, perm) != 0)
			log_debug("snapshot: fchmod %s failed", rel);
		while (off < len) {
			n = write(fd, data + off, len - off);
			if (n == -1 && errno == EINTR)
				continue;
			if (n <= 0) {
				*cause = xasprintf("write %s: %s", rel,
				    strerror(errno));
				close(fd);
				unlink(tmp);
				goto out;
			}
			off += n;
		}
		if (close(fd) != 0) {
			*cause = xasprintf("write %s: %s", rel,
			    strerror(errno));
			unlink(tmp);
			goto out;
		}
	}
	/*
	 * An emptied folder where the file goes (its files were removed
	 * first; folders git does not hold may be left in it, empty).
	 */
	if (lstat(abs, &sb) == 0 && S_ISDIR(sb.st_mode) &&
	    snap_rmdir_empty(abs) != 0) {
		*cause = xasprintf("%s: a folder is in the way: %s", rel,
		    strerror(errno));
		unlink(tmp);
		goto out;
	}
	if (rename(tmp, abs) != 0) {
		*cause = xasprintf("rename to %s: %s", rel, strerror(errno));
		unlink(tmp);
		goto out;
	}
	if (lstat(abs, &sb) != 0) {
		*cause = xasprintf("%s: %s", rel, strerror(errno));
		goto out;
	}
	memset(&e, 0, sizeof e);
	git_oid_cpy(&e.id, oid);
	e.ctime.seconds = (int32_t)sb.st_ctim.tv_sec;
	e.ctime.nanoseconds = (uint32_t)sb.st_ctim.tv_nsec;
	e.mtime.seconds = (int32_t)sb.st_mtim.tv_sec;
	e.mtime.nanoseconds = (uint32_t)sb.st_mtim.tv_nsec;
	e.dev = (uint32_t)sb.st_dev;
	e.ino = (uint32_t)sb.st_ino;
	e.mode = mode;
	e.uid = sb.st_uid;
	e.gid = sb.st_gid;
	e.file_size = (uint32_t)sb.st_size;
	e.path = rel;
	if (git_index_add(st->index, &e) != 0) {
		snap_gerr(cause, "index %s", rel);
		goto out;
	}
	st->index_dirty = 1;
	rc = 0;
out:
	git_blob_free(blob);
	free(target);
	free(tmp);
	free(tmprel);
	free(abs);
	return (rc);
}

/*
 * Remove folder abs and the folders in it, all of which must be empty of
 * anything else; -1 with errno (ENOTEMPTY when a file is left) otherwise.
 */
static int
snap_rmdir_empty(const char *abs)
{
	DIR		*d;
	struct dirent	*de;
	struct stat	 sb;
	char		*child;
	int		 rc = 0, saved;

	if (rmdir(abs) == 0)
		return (0);
	if (errno != ENOTEMPTY && errno != EEXIST)
		return (-1);
	if ((d = opendir(abs)) == NULL)
		return (-1);
	while (rc == 0 && (de = readdir(d)) != NULL) {
		if (strcmp(de->d_name, ".") == 0 ||
		    strcmp(de->d_name, "..") == 0)
			continue;
		child = xasprintf("%s/%s", abs, de->d_name);
		if (lstat(child, &sb) == 0 && S_ISDIR(sb.st_mode))
			rc = snap_rmdir_empty(child);
		else {
			errno = ENOTEMPTY;
			rc = -1;
		}
		free(child);
	}
	saved = errno;
	closedir(d);
	errno = saved;
	if (rc != 0)
		return (-1);
	return (rmdir(abs));
}

/* Remove file rel and the folders it leaves empty; update the index. */
static void
snap_remove_file(struct snapshot_store *st, const char *rel)
{
	struct stat	 sb;
	char		*abs = xasprintf("%s/%s", st->root, rel), *s;

	if (lstat(abs, &sb) == 0 && !S_ISDIR(sb.st_mode) && unlink(abs) != 0)
		log_debug("snapshot: unlink %s: %s", rel, strerror(errno));
	if (git_index_get_bypath(st->index, rel, 0) != NULL) {
		git_index_remove(st->index, rel, 0);
		st->index_dirty = 1;
	}
	git_error_clear();
	while ((s = strrchr(abs, '/')) != NULL &&
	    (size_t)(s - abs) > strlen(st->root)) {
		*s = '\0';
		if (rmdir(abs) != 0)
			break;
	}
	free(abs);
}

/* Whether path is in the sorted list v. */
static int
snap_in_sorted(char **v, size_t n, const char *path)
{
	return (n > 0 && bsearch(&path, v, n, sizeof *v, snap_cmp) != NULL);
}

/*
 * Whether folder rel (where a file must go) holds nothing but paths that
 * will be removed.
 */
static int
snap_dir_clears(struct snapshot_store *st, const char *rel, char **remove,
    size_t nremove)
{
	DIR		*d;
	struct dirent	*de;
	struct stat	 sb;
	char		*abs = xasprintf("%s/%s", st->root, rel), *child, *cabs;
	int		 ok = 1;

	if ((d = opendir(abs)) == NULL) {
		free(abs);
		return (1);
	}
	while (ok && (de = readdir(d)) != NULL) {
		if (strcmp(de->d_name, ".") == 0 ||
		    strcmp(de->d_name, "..") == 0)
			continue;
		child = xasprintf("%s/%s", rel, de->d_name);
		cabs = xasprintf("%s/%s", abs, de->d_name);
		if (lstat(cabs, &sb) == 0 && S_ISDIR(sb.st_mode))
			ok = snap_dir_clears(st, child, remove, nremove);
		else
			ok = snap_in_sorted(remove, nremove, child);
		free(cabs);
		free(child);
	}
	closedir(d);
	free(abs);
	return (ok);
}

/* Read the journal: the target and the before commits. */
static int
snap_journal_read(struct snapshot_store *st, git_oid *target,
    git_oid *before)
{
	char	*path = xasprintf("%s/" SNAP_JOURNAL, st->dir), *s, *t, *b;
	int	 rc = -1;

	s = snap_read_small(path);
	free(path);
	if (s == NULL)
		return (-1);
	t = strstr(s, "\ntarget ");
	b = strstr(s, "\nbefore ");
	if (t != NULL && b != NULL &&
	    git_oid_fromstrn(target, t + 8, GIT_OID_HEXSZ) == 0 &&
	    git_oid_fromstrn(before, b + 8, GIT_OID_HEXSZ) == 0)
		rc = 0;
	git_error_clear();
	free(s);
	return (rc);
}

/*
 * Call cb for every file, symlink and submodule below tree tree_id (path
 * names it, with a trailing slash or empty), as removed (old) or added.
 */
static int
snap_tree_each(struct snapshot_store *st, const git_oid *tree_id,
    struct buf *path, int removed, snap_diff_cb cb, void *arg, char **cause)
{
	git_tree		*t;
	const git_tree_entry	*e;
	size_t			 i, n, len = path->len;
	int			 rc = 0;

	if (git_tree_lookup(&t, st->repo, tree_id) != 0)
		return (snap_gerr(cause, "tree %s", path->buf));
	n = git_tree_entrycount(t);
	for (i = 0; rc == 0 && i < n; i++) {
		e = git_tree_entry_byindex(t, i);
		buf_setlen(path, len);
		buf_adds(path, git_tree_entry_name(e));
		if (git_tree_entry_type(e) == GIT_OBJECT_TREE) {
			buf_addch(path, '/');
			rc = snap_tree_each(st, git_tree_entry_id(e), path,
			    removed, cb, arg, cause);
		} else if (cb(path->buf, removed ? e : NULL, removed ? NULL : e,
		    arg) != 0) {
			*cause = xasprintf("stopped at %s", path->buf);
			rc = -1;
		}
	}
	buf_setlen(path, len);
	git_tree_free(t);
	return (rc);
}

/*
 * Call cb for every path that differs from tree a to tree b (below path, as
 * in snap_tree_each()).  Subtrees with the same id are not read, so this
 * costs O(changes x depth) where git_diff_tree_to_tree() reads both trees
 * whole.  Both trees are walked together in git's tree order, where a
 * folder sorts as its name with a slash: a file that became a folder (or
 * back) is the file removed and the folder's files added (or the reverse),
 * as git's diff without rename detection reports them.  A submodule is
 * reported like a file.
 */
static int
snap_tree_diff(struct snapshot_store *st, const git_oid *a, const git_oid *b,
    struct buf *path, snap_diff_cb cb, void *arg, char **cause)
{
	git_tree		*ta = NULL, *tb = NULL;
	const git_tree_entry	*ea, *eb;
	size_t			 i = 0, j = 0, na, nb, len = path->len;
	int			 rc = -1, cmp;

	if (git_oid_equal(a, b))
		return (0);
	if (git_tree_lookup(&ta, st->repo, a) != 0 ||
	    git_tree_lookup(&tb, st->repo, b) != 0) {
		snap_gerr(cause, "tree %s", path->buf);
		goto out;
	}
	na = git_tree_entrycount(ta);
	nb = git_tree_entrycount(tb);
	while (i < na || j < nb) {
		ea = i < na ? git_tree_entry_byindex(ta, i) : NULL;
		eb = j < nb ? git_tree_entry_byindex(tb, j) : NULL;
		if (ea == NULL)
			cmp = 1;
		else if (eb == NULL)
			cmp = -1;
		else
			cmp = git_tree_entry_cmp(ea, eb);
		if (cmp < 0) {
			eb = NULL;	/* only in a */
			i++;
		} else if (cmp > 0) {
			ea = NULL;	/* only in b */
			j++;
		} else {
			i++;
			j++;
			if (git_oid_equal(git_tree_entry_id(ea),
			    git_tree_entry_id(eb)) &&
			    git_tree_entry_filemode(ea) ==
			    git_tree_entry_filemode(eb))
				continue;
		}
		buf_setlen(path, len);
		buf_adds(path, git_tree_entry_name(ea != NULL ? ea : eb));
		if (ea != NULL && eb != NULL &&
		    git_tree_entry_type(ea) == GIT_OBJECT_TREE) {
			/* Equal order: both are folders. */
			buf_addch(path, '/');
			if (snap_tree_diff(st, git_tree_entry_id(ea),
			    git_tree_entry_id(eb), path, cb, arg, cause) != 0)
				goto out;
		} else if (ea != NULL &&
		    git_tree_entry_type(ea) == GIT_OBJECT_TREE) {
			buf_addch(path, '/');
			if (snap_tree_each(st, git_tree_entry_id(ea), path, 1,
			    cb, arg, cause) != 0)
				goto out;
		} else if (eb != NULL &&
		    git_tree_entry_type(eb) == GIT_OBJECT_TREE) {
			buf_addch(path, '/');
			if (snap_tree_each(st, git_tree_entry_id(eb), path, 0,
			    cb, arg, cause) != 0)
				goto out;
		} else if (cb(path->buf, ea, eb, arg) != 0) {
			*cause = xasprintf("stopped at %s", path->buf);
			goto out;
		}
	}
	rc = 0;
out:
	buf_setlen(path, len);
	git_tree_free(ta);
	git_tree_free(tb);
	return (rc);
}

/*
 * snap_tree_diff() callback for a restore from the present (old) to the
 * target (new): what to write and what to remove.  Submodules are not
 * ours: a path that is one on either side is left alone.
 */
static int
snap_plan_cb(const char *path, const git_tree_entry *old,
    const git_tree_entry *new, void *arg)
{
	struct snap_plan_arg	*a = arg;

	if ((old != NULL &&
	    git_tree_entry_filemode(old) == GIT_FILEMODE_COMMIT) ||
	    (new != NULL &&
	    git_tree_entry_filemode(new) == GIT_FILEMODE_COMMIT))
		return (0);
	if (new != NULL)
		snap_plan_add(&a->p->write, &a->p->nwrite, path);
	else
		snap_plan_add(&a->p->remove, &a->p->nremove, path);
	return (0);
}

/* snap_tree_diff() callback: collect every path that differs. */
static int
snap_hand_cb(const char *path, const git_tree_entry *old,
    const git_tree_entry *new, void *arg)
{
	struct snap_plan_arg	*a = arg;

	snap_plan_add(&a->changed, &a->nchanged, path);
	return (0);
}

/*
 * AGENTOS_SNAPSHOT_VERIFY: check the plan (write and remove, sorted, before
 * anything is left out) against git_diff_tree_to_tree() of the same trees.
 */
static void
snap_plan_verify(struct snapshot_store *st, git_tree *from, git_tree *to,
    struct snapshot_plan *p)
{
	git_diff		*diff = NULL;
	git_diff_options	 o;
	const git_diff_delta	*d;
	struct snapshot_plan	 want;
	size_t			 i;

	memset(&want, 0, sizeof want);
	git_diff_options_init(&o, GIT_DIFF_OPTIONS_VERSION);
	o.flags = GIT_DIFF_INCLUDE_TYPECHANGE;
	if (git_diff_tree_to_tree(&diff, st->repo, from, to, &o) != 0)
		fatalx("snapshot: verify: diff failed");
	for (i = 0; i < git_diff_num_deltas(diff); i++) {
		d = git_diff_get_delta(diff, i);
		switch (d->status) {
		case GIT_DELTA_DELETED:
			if (d->old_file.mode != GIT_FILEMODE_COMMIT)
				snap_plan_add(&want.remove, &want.nremove,
				    d->old_file.path);
			break;
		case GIT_DELTA_ADDED:
		case GIT_DELTA_MODIFIED:
		case GIT_DELTA_TYPECHANGE:
			if (d->new_file.mode == GIT_FILEMODE_COMMIT ||
			    d->old_file.mode == GIT_FILEMODE_COMMIT)
				break;
			snap_plan_add(&want.write, &want.nwrite,
			    d->new_file.path);
			break;
		default:
			break;
		}
	}
	git_diff_free(diff);
	if (want.nwrite > 0)
		qsort(want.write, want.nwrite, sizeof *want.write, snap_cmp);
	if (want.nremove > 0)
		qsort(want.remove, want.nremove, sizeof *want.remove,
		    snap_cmp);
	if (want.nwrite != p->nwrite || want.nremove != p->nremove)
		fatalx("snapshot: verify: plan has %zu/%zu, diff %zu/%zu",
		    p->nwrite, p->nremove, want.nwrite, want.nremove);
	for (i = 0; i < p->nwrite; i++) {
		if (strcmp(want.write[i], p->write[i]) != 0)
			fatalx("snapshot: verify: write %s, diff %s",
			    p->write[i], want.write[i]);
	}
	for (i = 0; i < p->nremove; i++) {
		if (strcmp(want.remove[i], p->remove[i]) != 0)
			fatalx("snapshot: verify: remove %s, diff %s",
			    p->remove[i], want.remove[i]);
	}
	snapshot_plan_release(&want);
}

/*
 * Restore the worktree to commit target.  recovering: called to finish or
 * roll back an interrupted restore (no hand-edit check; temporary files of
 * the interrupted one are removed first).
 */
static int
snap_restore_commit(struct snapshot_store *st, const git_oid *target,
    int flags, int recovering, struct snapshot_plan *plan, char **cause)
{
	git_commit		*tc = NULL;
	git_tree		*ttree = NULL, *ptree = NULL;
	git_tree_entry		*te;
	git_oid			 pre, settled;
	struct snapshot_plan	 local, *p = plan != NULL ? plan : &local;
	struct snap_plan_arg	 a = { 0 };
	struct buf		 msg = BUF_INIT, walk = BUF_INIT;
	char			 hex[GIT_OID_HEXSZ + 1], bhex[GIT_OID_HEXSZ + 1];
	char			*path, *tmp, *abs;
	const char		*rel;
	size_t			 i, j;
	int			 rc = -1, locked = 0, journal = 0;
	struct stat		 sb;
	const char		*crash;

	memset(p, 0, sizeof *p);
	git_oid_tostr(hex, sizeof hex, target);
	p->target = xstrdup(hex);
	if (st->journal && !recovering) {
		*cause = xstrdup("an interrupted rewind is pending: finish it "
		    "with 'agentos rewind --continue' or roll it back with "
		    "'agentos rewind --abort'");
		goto out;
	}
	if (git_commit_lookup(&tc, st->repo, target) != 0 ||
	    git_commit_tree(&ttree, tc) != 0) {
		snap_gerr(cause, "snapshot %s", hex);
		goto out;
	}
	if (snap_lock(st, cause) != 0)
		goto out;
	locked = 1;

	/* The present state, as the snapshot that makes this undoable. */
	if (snap_update(st, NULL, 0, &pre, cause) != 0)
		goto out;
	if (git_tree_lookup(&ptree, st->repo, &pre) != 0) {
		snap_gerr(cause, "tree");
		goto out;
	}
	a.p = p;
	if (snap_tree_diff(st, &pre, git_tree_id(ttree), &walk, snap_plan_cb,
	    &a, cause) != 0)
		goto out;
	if (p->nwrite > 0)
		qsort(p->write, p->nwrite, sizeof *p->write, snap_cmp);
	if (p->nremove > 0)
		qsort(p->remove, p->nremove, sizeof *p->remove, snap_cmp);
	if (getenv("AGENTOS_SNAPSHOT_VERIFY") != NULL)
		snap_plan_verify(st, ptree, ttree, p);

	/* Writes that would destroy what no snapshot holds are left out. */
	for (i = j = 0; i < p->nwrite; i++) {
		int	 blocked = snap_skipped_at(st, p->write[i]);
		char	*s;

		rel = p->write[i];
		for (s = strchr(rel, '/'); !blocked && s != NULL;
		    s = strchr(s + 1, '/')) {
			char	*pre_ = xstrndup(rel, s - rel);

			abs = xasprintf("%s/%s", st->root, pre_);
			if (lstat(abs, &sb) == 0 && !S_ISDIR(sb.st_mode) &&
			    !snap_in_sorted(p->remove, p->nremove, pre_))
				blocked = 1;
			free(abs);
			free(pre_);
		}
		abs = xasprintf("%s/%s", st->root, rel);
		if (!blocked && lstat(abs, &sb) == 0 && S_ISDIR(sb.st_mode) &&
		    !snap_dir_clears(st, rel, p->remove, p->nremove))
			blocked = 1;
		free(abs);
		if (blocked) {
			snap_plan_add(&p->blocked, &p->nblocked, rel);
			free(p->write[i]);
		} else
			p->write[j++] = p->write[i];
	}
	p->nwrite = j;

	/* Files changed by hand since the agent's last action. */
	if (!recovering && (st->have_settled || st->have_tip)) {
		if (st->have_settled)
			git_oid_cpy(&settled, &st->settled);
		else {
			git_commit	*c;

			if (git_commit_lookup(&c, st->repo, &st->tip) != 0) {
				snap_gerr(cause, "snapshot");
				goto out;
			}
			git_oid_cpy(&settled, git_commit_tree_id(c));
			git_commit_free(c);
		}
		if (snap_tree_diff(st, &settled, &pre, &walk, snap_hand_cb,
		    &a, cause) != 0)
			goto out;
		for (i = 0; i < a.nchanged; i++) {
			rel = a.changed[i];
			if (snap_in_sorted(p->remove, p->nremove, rel) ||
			    snap_in_sorted(p->write, p->nwrite, rel))
				snap_plan_add(&p->hand, &p->nhand, rel);
		}
	}
	if (p->nhand > 0 && !(flags & SNAPSHOT_RESTORE_FORCE)) {
		p->need_confirm = 1;
		buf_addf(&msg, "%zu file%s changed by hand since the agent's "
		    "last change would be overwritten:", p->nhand,
		    p->nhand == 1 ? "" : "s");
		for (i = 0; i < p->nhand && i < 10; i++)
			buf_addf(&msg, " %s", p->hand[i]);
		if (p->nhand > 10)
			buf_addf(&msg, " (and %zu more)", p->nhand - 10);
		buf_adds(&msg, "; confirm to overwrite them");
		*cause = buf_detach(&msg, NULL);
		goto out;
	}
	if (flags & SNAPSHOT_RESTORE_DRY_RUN) {
		rc = 0;
		goto out;
	}

	/* Commit the present state, then write the journal. */
	buf_reset(&msg);
	buf_addf(&msg, "%s %.12s", recovering ? "recover: rewind to" :
	    "rewind to", hex);
	if (snap_commit(st, &pre, msg.buf, "rewind", 0, cause) != 0)
		goto out;
	p->before = xasprintf("%d", st->seq);
	git_oid_tostr(bhex, sizeof bhex, &st->tip);
	buf_reset(&msg);
	buf_addf(&msg, "agentos-restore 1\ntarget %s\nbefore %s\nsession %s\n",
	    hex, bhex, st->session);
	path = xasprintf("%s/" SNAP_JOURNAL, st->dir);
	rc = snap_write_file(path, msg.buf, msg.len, cause);
	free(path);
	if (rc != 0)
		goto out;
	rc = -1;
	journal = 1;

	if (recovering) {
		/* Leftover temporary files of the interrupted restore. */
		for (i = 0; i < p->nwrite; i++) {
			tmp = snap_tmp_name(p->write[i]);
			abs = xasprintf("%s/%s", st->root, tmp);
			unlink(abs);
			free(abs);
			free(tmp);
		}
	}
	crash = getenv("AGENTOS_TEST_CRASH_RESTORE");
	for (i = 0; i < p->nremove; i++)
		snap_remove_file(st, p->remove[i]);
	for (i = 0; i < p->nwrite; i++) {
		/* Tests only: die like a SIGKILL after i files written. */
		if (crash != NULL && (size_t)atoi(crash) == i)
			raise(SIGKILL);
		if (git_tree_entry_bypath(&te, ttree, p->write[i]) != 0) {
			snap_gerr(cause, "%s", p->write[i]);
			goto out;
		}
		rc = snap_write_entry(st, p->write[i], git_tree_entry_id(te),
		    git_tree_entry_filemode(te), cause);
		git_tree_entry_free(te);
		if (rc != 0)
			goto out;
		rc = -1;
	}
	/* The index now holds the target tree (unless some were blocked). */
	if (p->nblocked == 0) {
		git_oid_cpy(&st->index_tree, git_tree_id(ttree));
		st->index_tree_valid = 1;
	} else
		st->index_tree_valid = 0;
	git_oid_cpy(&st->settled, git_tree_id(ttree));
	st->have_settled = 1;
	snap_save_settled(st);
	path = xasprintf("%s/" SNAP_JOURNAL, st->dir);
	if (unlink(path) != 0 && errno != ENOENT) {
		*cause = xasprintf("remove %s: %s", path, strerror(errno));
		free(path);
		goto out;
	}
	free(path);
	journal = 0;
	st->journal = 0;
	rc = 0;
out:
	if (journal)
		st->journal = 1;	/* left for recovery */
	if (locked)
		snap_unlock(st);
	if (p == &local)
		snapshot_plan_release(&local);
	buf_release(&msg);
	buf_release(&walk);
	for (i = 0; i < a.nchanged; i++)
		free(a.changed[i]);
	free(a.changed);
	git_tree_free(ptree);
	git_tree_free(ttree);
	git_commit_free(tc);
	return (rc);
}

int
snapshot_restore(struct snapshot_store *st, const char *id, char **cause)
{
	return (snapshot_restore_ext(st, id, 0, NULL, cause));
}

int
snapshot_restore_ext(struct snapshot_store *st, const char *id, int flags,
    struct snapshot_plan *plan, char **cause)
{
	git_oid	commit, tree;

	if (plan != NULL)
		memset(plan, 0, sizeof *plan);
	if (snap_tree_of(st, id, &commit, &tree, cause) != 0)
		return (-1);
	return (snap_restore_commit(st, &commit, flags, 0, plan, cause));
}

int
snapshot_rewind_last(struct snapshot_store *st, int flags,
    struct snapshot_plan *plan, char **cause)
{
	git_commit	*c = NULL, *next;
	git_oid		 now, target;
	char		*tool;
	int		 found = 0;

	if (plan != NULL)
		memset(plan, 0, sizeof *plan);
	if (!st->have_tip) {
		*cause = xstrdup("no snapshot to rewind to");
		return (-1);
	}
	if (snap_lock(st, cause) != 0)
		return (-1);
	if (snap_update(st, NULL, 0, &now, cause) != 0) {
		snap_unlock(st);
		return (-1);
	}
	snap_unlock(st);
	/* Pressed again: go on from before the last one. */
	if (st->have_rewound && git_oid_equal(&st->tip, &st->rewound_tip)) {
		if (git_commit_lookup(&next, st->repo, &st->rewound_to) != 0)
			return (snap_gerr(cause, "snapshot"));
		if (git_commit_parentcount(next) == 0 ||
		    git_commit_parent(&c, next, 0) != 0) {
			git_commit_free(next);
			git_error_clear();
			*cause = xstrdup("nothing to rewind: this is the "
			    "first snapshot");
			return (-1);
		}
		git_commit_free(next);
	} else if (git_commit_lookup(&c, st->repo, &st->tip) != 0)
		return (snap_gerr(cause, "snapshot"));
	for (;;) {
		tool = snap_trailer(git_commit_message(c), "tool");
		if ((tool == NULL || strcmp(tool, "rewind") != 0) &&
		    !git_oid_equal(git_commit_tree_id(c), &now)) {
			git_oid_cpy(&target, git_commit_id(c));
			found = 1;
		}
		free(tool);
		if (found || git_commit_parentcount(c) == 0 ||
		    git_commit_parent(&next, c, 0) != 0)
			break;
		git_commit_free(c);
		c = next;
	}
	git_commit_free(c);
	git_error_clear();
	if (!found) {
		*cause = xstrdup("nothing to rewind: no earlier snapshot "
		    "differs from the worktree");
		return (-1);
	}
	if (snap_restore_commit(st, &target, flags, 0, plan, cause) != 0)
		return (-1);
	if (!(flags & SNAPSHOT_RESTORE_DRY_RUN)) {
		git_oid_cpy(&st->rewound_to, &target);
		git_oid_cpy(&st->rewound_tip, &st->tip);
		st->have_rewound = 1;
	}
	return (0);
}

int
snapshot_pending(struct snapshot_store *st, char **desc)
{
	git_oid	target, before;
	char	th[13], bh[13];

	if (!st->journal)
		return (0);
	if (desc != NULL) {
		if (snap_journal_read(st, &target, &before) == 0) {
			git_oid_tostr(th, sizeof th, &target);
			git_oid_tostr(bh, sizeof bh, &before);
			*desc = xasprintf("an interrupted rewind to %s (from "
			    "%s) is pending", th, bh);
		} else
			*desc = xstrdup("an interrupted rewind is pending "
			    "(unreadable journal)");
	}
	return (1);
}

int
snapshot_recover(struct snapshot_store *st, int finish, char **cause)
{
	git_oid	target, before;
	char	*path;

	if (!st->journal) {
		*cause = xstrdup("no interrupted rewind");
		return (-1);
	}
	if (snap_journal_read(st, &target, &before) != 0) {
		path = xasprintf("%s/" SNAP_JOURNAL, st->dir);
		*cause = xasprintf("%s is unreadable; remove it by hand", path);
		free(path);
		return (-1);
	}
	/* Force a scan: the index may not know the half-done state. */
	st->synced = 0;
	return (snap_restore_commit(st, finish ? &target : &before,
	    SNAPSHOT_RESTORE_FORCE, 1, NULL, cause));
}

void
snapshot_info_release(struct snapshot_info *si)
{
	free(si->id);
	free(si->commit);
	free(si->action);
	free(si->tool);
	free(si->session);
	memset(si, 0, sizeof *si);
}

/* Fill si from commit c of session. */
static int
snap_info_fill(struct snapshot_store *st, git_commit *c, const char *session,
    struct snapshot_info *si)
{
	git_commit	*parent = NULL;
	git_tree	*a = NULL, *b = NULL;
	git_diff	*diff = NULL;
	git_diff_stats	*stats = NULL;
	const char	*msg = git_commit_message(c), *nl;
	char		 hex[GIT_OID_HEXSZ + 1], *s;

	memset(si, 0, sizeof *si);
	git_oid_tostr(hex, sizeof hex, git_commit_id(c));
	si->commit = xstrdup(hex);
	si->session = xstrdup(session);
	nl = strchr(msg, '\n');
	si->action = nl != NULL ? xstrndup(msg, nl - msg) : xstrdup(msg);
	si->tool = snap_trailer(msg, "tool");
	if (si->tool == NULL)
		si->tool = xstrdup("");
	s = snap_trailer(msg, "turn");
	si->turn = s != NULL ? atoi(s) : 0;
	free(s);
	s = snap_trailer(msg, "seq");
	si->id = s != NULL ? s : xstrdup(hex);
	s = snap_trailer(msg, "skipped-count");
	si->skipped = s != NULL ? atoi(s) : 0;
	free(s);
	si->time = (int64_t)git_commit_time(c);
	if (git_commit_parentcount(c) > 0 &&
	    git_commit_parent(&parent, c, 0) == 0 &&
	    git_commit_tree(&a, parent) == 0 && git_commit_tree(&b, c) == 0 &&
	    git_diff_tree_to_tree(&diff, st->repo, a, b, NULL) == 0 &&
	    git_diff_get_stats(&stats, diff) == 0) {
		si->files = (int)git_diff_stats_files_changed(stats);
		si->added = (int)git_diff_stats_insertions(stats);
		si->removed = (int)git_diff_stats_deletions(stats);
	}
	git_error_clear();
	git_diff_stats_free(stats);
	git_diff_free(diff);
	git_tree_free(a);
	git_tree_free(b);
	git_commit_free(parent);
	return (0);
}

/* The chain of session, oldest first. */
static int
snap_list_ref(struct snapshot_store *st, const char *session,
    struct snapshot_info **list, size_t *n, char **cause)
{
	git_commit		*c = NULL, *next;
	git_oid			 oid;
	struct snapshot_info	*v = NULL, tmp;
	size_t			 nr = 0, alloc = 0, i;
	char			*ref = xasprintf(SNAP_REF_PREFIX "%s", session);

	*list = NULL;
	*n = 0;
	if (git_reference_name_to_id(&oid, st->repo, ref) != 0) {
		git_error_clear();
		free(ref);
		return (0);
	}
	free(ref);
	if (git_commit_lookup(&c, st->repo, &oid) != 0)
		return (snap_gerr(cause, "session %s", session));
	for (;;) {
		ALLOC_GROW(v, nr + 1, alloc);
		snap_info_fill(st, c, session, &v[nr++]);
		if (git_commit_parentcount(c) == 0 ||
		    git_commit_parent(&next, c, 0) != 0)
			break;
		git_commit_free(c);
		c = next;
	}
	git_commit_free(c);
	git_error_clear();
	for (i = 0; i < nr / 2; i++) {
		tmp = v[i];
		v[i] = v[nr - 1 - i];
		v[nr - 1 - i] = tmp;
	}
	*list = v;
	*n = nr;
	return (0);
}

int
snapshot_list(struct snapshot_store *st, struct snapshot_info **list,
    size_t *n, char **cause)
{
	return (snap_list_ref(st, st->session, list, n, cause));
}

int
snapshot_list_session(struct snapshot_store *st, const char *session,
    struct snapshot_info **list, size_t *n, char **cause)
{
	if (!snap_valid_session(session)) {
		*cause = xasprintf("bad session id: %s", session);
		return (-1);
	}
	return (snap_list_ref(st, session, list, n, cause));
}

int
snapshot_diff(struct snapshot_store *st, const char *id, struct buf *out,
    char **cause)
{
	return (snapshot_diff_ext(st, id, NULL, out, NULL, NULL, NULL, cause));
}

int
snapshot_diff_ext(struct snapshot_store *st, const char *a, const char *b,
    struct buf *out, int *files, int *added, int *removed, char **cause)
{
	git_oid		 ca, ta, cb, tb;
	git_tree	*x = NULL, *y = NULL;
	git_diff	*diff = NULL;
	git_diff_stats	*stats = NULL;
	git_buf		 gb = { 0 };
	int		 rc = -1;

	if (snap_tree_of(st, a, &ca, &ta, cause) != 0)
		return (-1);
	if (b != NULL) {
		if (snap_tree_of(st, b, &cb, &tb, cause) != 0)
			return (-1);
	} else {
		if (snap_lock(st, cause) != 0)
			return (-1);
		rc = snap_update(st, NULL, 0, &tb, cause);
		snap_unlock(st);
		if (rc != 0)
			return (-1);
		rc = -1;
	}
	if (git_tree_lookup(&x, st->repo, &ta) != 0 ||
	    git_tree_lookup(&y, st->repo, &tb) != 0 ||
	    git_diff_tree_to_tree(&diff, st->repo, x, y, NULL) != 0 ||
	    git_diff_get_stats(&stats, diff) != 0) {
		snap_gerr(cause, "diff");
		goto out;
	}
	if (files != NULL)
		*files = (int)git_diff_stats_files_changed(stats);
	if (added != NULL)
		*added = (int)git_diff_stats_insertions(stats);
	if (removed != NULL)
		*removed = (int)git_diff_stats_deletions(stats);
	if (out != NULL) {
		if (git_diff_to_buf(&gb, diff, GIT_DIFF_FORMAT_PATCH) != 0) {
			snap_gerr(cause, "diff");
			goto out;
		}
		buf_add(out, gb.ptr, gb.size);
	}
	rc = 0;
out:
	git_buf_dispose(&gb);
	git_diff_stats_free(stats);
	git_diff_free(diff);
	git_tree_free(x);
	git_tree_free(y);
	return (rc);
}

struct snap_sessions_arg {
	struct snapshot_store	*st;
	struct snapshot_session	*v;
	size_t			 nr, alloc;
};

/* git_reference_foreach_glob callback: one session. */
static int
snap_sessions_cb(const char *name, void *arg)
{
	struct snap_sessions_arg	*a = arg;
	struct snapshot_session		*s;
	git_commit			*c;
	git_oid				 oid;
	char				 hex[GIT_OID_HEXSZ + 1], *seq;

	if (git_reference_name_to_id(&oid, a->st->repo, name) != 0 ||
	    git_commit_lookup(&c, a->st->repo, &oid) != 0) {
		git_error_clear();
		return (0);
	}
	ALLOC_GROW(a->v, a->nr + 1, a->alloc);
	s = &a->v[a->nr++];
	s->name = xstrdup(name + strlen(SNAP_REF_PREFIX));
	git_oid_tostr(hex, sizeof hex, &oid);
	s->commit = xstrdup(hex);
	s->time = (int64_t)git_commit_time(c);
	seq = snap_trailer(git_commit_message(c), "seq");
	s->count = seq != NULL ? atoi(seq) : 1;
	free(seq);
	git_commit_free(c);
	return (0);
}

/* Newest first. */
static int
snap_session_cmp(const void *a, const void *b)
{
	const struct snapshot_session	*x = a, *y = b;

	if (x->time != y->time)
		return (x->time < y->time ? 1 : -1);
	return (strcmp(x->name, y->name));
}

int
snapshot_sessions(struct snapshot_store *st, struct snapshot_session **list,
    size_t *n, char **cause)
{
	struct snap_sessions_arg	a = { .st = st };
	int				error;

	error = git_reference_foreach_glob(st->repo, SNAP_REF_PREFIX "*",
	    snap_sessions_cb, &a);
	if (error != 0 && error != GIT_ENOTFOUND) {
		snapshot_sessions_free(a.v, a.nr);
		return (snap_gerr(cause, "sessions"));
	}
	git_error_clear();
	if (a.nr > 0)
		qsort(a.v, a.nr, sizeof *a.v, snap_session_cmp);
	*list = a.v;
	*n = a.nr;
	return (0);
}

void
snapshot_sessions_free(struct snapshot_session *list, size_t n)
{
	size_t	i;

	for (i = 0; i < n; i++) {
		free(list[i].name);
		free(list[i].commit);
	}
	free(list);
}

int
snapshot_gc(struct snapshot_store *st, struct buf *report, char **cause)
{
	struct snapshot_session	*v;
	git_reference		*ref;
	size_t			 n, i, kept = 0, pruned = 0;
	int64_t			 cutoff;
	char			*name, *path;

	if (snapshot_sessions(st, &v, &n, cause) != 0)
		return (-1);
	cutoff = (int64_t)time(NULL) - (int64_t)st->opts.keep_days * 86400;
	for (i = 0; i < n; i++) {
		if (strcmp(v[i].name, st->session) == 0 ||
		    (int)kept < st->opts.keep_sessions || v[i].time >= cutoff) {
			kept++;
			continue;
		}
		name = xasprintf(SNAP_REF_PREFIX "%s", v[i].name);
		if (git_reference_lookup(&ref, st->repo, name) == 0) {
			if (git_reference_delete(ref) != 0) {
				git_reference_free(ref);
				snap_gerr(cause, "delete %s", name);
				free(name);
				snapshot_sessions_free(v, n);
				return (-1);
			}
			git_reference_free(ref);
		}
		git_error_clear();
		free(name);
		path = xasprintf("%s/index-%s", st->dir, v[i].name);
		unlink(path);
		free(path);
		path = xasprintf("%s/settled-%s", st->dir, v[i].name);
		unlink(path);
		free(path);
		path = xasprintf("%s/session-%s.lock", st->dir, v[i].name);
		unlink(path);
		free(path);
		buf_addf(report, "pruned session %s (%d snapshots)\n",
		    v[i].name, v[i].count);
		pruned++;
	}
	buf_addf(report, "%zu session%s kept, %zu pruned (keep_sessions %d, "
	    "keep_days %d); git gc frees their objects\n", kept,
	    kept == 1 ? "" : "s", pruned, st->opts.keep_sessions,
	    st->opts.keep_days);
	snapshot_sessions_free(v, n);
	return (0);
}

/* A set of object ids (open addressing). */
struct snap_oidset {
	git_oid		*v;
	unsigned char	*used;
	size_t		 nr, size;
};

/* Insert oid; 1 if new, 0 if present. */
static int
snap_oidset_add(struct snap_oidset *s, const git_oid *oid)
{
	size_t	i, j, old;

	if (s->nr * 2 >= s->size) {
		struct snap_oidset	n = { 0 };

		n.size = s->size == 0 ? 1024 : s->size * 2;
		n.v = xcalloc(n.size, sizeof *n.v);
		n.used = xcalloc(n.size, 1);
		for (old = 0; old < s->size; old++) {
			if (s->used[old])
				snap_oidset_add(&n, &s->v[old]);
		}
		free(s->v);
		free(s->used);
		*s = n;
	}
	memcpy(&i, oid->id, sizeof i);
	for (j = i % s->size; s->used[j]; j = (j + 1) % s->size) {
		if (git_oid_equal(&s->v[j], oid))
			return (0);
	}
	git_oid_cpy(&s->v[j], oid);
	s->used[j] = 1;
	s->nr++;
	return (1);
}

static int
snap_oidset_has(struct snap_oidset *s, const git_oid *oid)
{
	size_t	i, j;

	if (s->size == 0)
		return (0);
	memcpy(&i, oid->id, sizeof i);
	for (j = i % s->size; s->used[j]; j = (j + 1) % s->size) {
		if (git_oid_equal(&s->v[j], oid))
			return (1);
	}
	return (0);
}

/* Add a tree and everything in it to set (unless already there). */
static void
snap_walk_tree(git_repository *repo, const git_oid *oid,
    struct snap_oidset *set)
{
	git_tree		*t;
	const git_tree_entry	*e;
	size_t			 i, n;

	if (!snap_oidset_add(set, oid) ||
	    git_tree_lookup(&t, repo, oid) != 0) {
		git_error_clear();
		return;
	}
	n = git_tree_entrycount(t);
	for (i = 0; i < n; i++) {
		e = git_tree_entry_byindex(t, i);
		if (git_tree_entry_type(e) == GIT_OBJECT_TREE)
			snap_walk_tree(repo, git_tree_entry_id(e), set);
		else if (git_tree_entry_type(e) == GIT_OBJECT_BLOB)
			snap_oidset_add(set, git_tree_entry_id(e));
	}
	git_tree_free(t);
}

struct snap_stat_arg {
	struct snapshot_store	*st;
	struct snap_oidset	*user;
};

/* Every ref outside refs/agentos/: its tip's tree is the user's. */
static int
snap_stat_user_cb(const char *name, void *arg)
{
	struct snap_stat_arg	*a = arg;
	git_object		*obj;
	git_commit		*c;

	if (strncmp(name, "refs/agentos/", 13) == 0)
		return (0);
	if (git_revparse_single(&obj, a->st->repo, name) != 0) {
		git_error_clear();
		return (0);
	}
	if (git_object_peel((git_object **)&c, obj, GIT_OBJECT_COMMIT) == 0) {
		snap_walk_tree(a->st->repo, git_commit_tree_id(c), a->user);
		git_commit_free(c);
	}
	git_error_clear();
	git_object_free(obj);
	return (0);
}

int
snapshot_stat(struct snapshot_store *st, struct buf *out, char **cause)
{
	struct snapshot_session	*v;
	struct snap_oidset	 user = { 0 }, ours = { 0 };
	struct snap_stat_arg	 a = { st, &user };
	git_commit		*c, *next;
	git_oid			 oid;
	git_object_t		 type;
	size_t			 n, i, j, objects = 0, len, commits = 0;
	uint64_t		 raw = 0, loose = 0, index = 0;
	char			 hex[GIT_OID_HEXSZ + 1], *path;
	struct stat		 sb;
	DIR			*d;
	struct dirent		*de;

	if (snapshot_sessions(st, &v, &n, cause) != 0)
		return (-1);
	git_reference_foreach_name(st->repo, snap_stat_user_cb, &a);
	git_error_clear();
	for (i = 0; i < n; i++) {
		if (git_oid_fromstr(&oid, v[i].commit) != 0 ||
		    git_commit_lookup(&c, st->repo, &oid) != 0)
			continue;
		for (;;) {
			commits++;
			snap_oidset_add(&ours, git_commit_id(c));
			snap_walk_tree(st->repo, git_commit_tree_id(c), &ours);
			if (git_commit_parentcount(c) == 0 ||
			    git_commit_parent(&next, c, 0) != 0)
				break;
			git_commit_free(c);
			c = next;
		}
		git_commit_free(c);
	}
	git_error_clear();
	for (j = 0; j < ours.size; j++) {
		if (!ours.used[j] || snap_oidset_has(&user, &ours.v[j]))
			continue;
		objects++;
		if (git_odb_read_header(&len, &type, st->odb, &ours.v[j]) == 0)
			raw += len;
		git_oid_tostr(hex, sizeof hex, &ours.v[j]);
		path = xasprintf("%sobjects/%.2s/%s",
		    git_repository_commondir(st->repo), hex, hex + 2);
		if (stat(path, &sb) == 0)
			loose += (uint64_t)sb.st_size;
		free(path);
	}
	git_error_clear();
	if ((d = opendir(st->dir)) != NULL) {
		while ((de = readdir(d)) != NULL) {
			if (strncmp(de->d_name, "index-", 6) != 0)
				continue;
			path = xasprintf("%s/%s", st->dir, de->d_name);
			if (stat(path, &sb) == 0)
				index += (uint64_t)sb.st_size;
			free(path);
		}
		closedir(d);
	}
	buf_addf(out, "sessions: %zu\nsnapshots: %zu\n", n, commits);
	buf_addf(out, "objects only in snapshots: %zu (%llu bytes "
	    "uncompressed, %llu bytes in loose files)\n", objects,
	    (unsigned long long)raw, (unsigned long long)loose);
	buf_addf(out, "private indexes (%s/index-*): %llu bytes\n", st->dir,
	    (unsigned long long)index);
	free(user.v);
	free(user.used);
	free(ours.v);
	free(ours.used);
	snapshot_sessions_free(v, n);
	return (0);
}

const char *const *
snapshot_skipped(struct snapshot_store *st, size_t *n)
{
	size_t	i;

	st->skipped_names = xreallocarray(st->skipped_names,
	    st->nskipped + 1, sizeof *st->skipped_names);
	for (i = 0; i < st->nskipped; i++)
		st->skipped_names[i] = st->skipped[i].path;
	st->skipped_names[i] = NULL;
	*n = st->nskipped;
	return ((const char *const *)st->skipped_names);
}

struct watch *
snapshot_watch(struct snapshot_store *st)
{
	return (st->watch);
}
