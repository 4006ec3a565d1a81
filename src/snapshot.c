/* snapshot.c: the snapshot store: open, close, lock, take, resolve. */
#include <sys/types.h>
#include <sys/file.h>
#include <sys/stat.h>

#include <ctype.h>
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
#include "snapshot-private.h"
#include "banned.h"

#define SNAP_MANUAL		"manual"
#define SNAP_SKIPPED_LISTED	50	/* in the commit message */

static int	 snap_copy_file(const char *, const char *, char **);
static int	 snap_seed_ok(struct snapshot_store *);
static int	 snap_has_attributes(git_index *);
static int	 snap_open_index(struct snapshot_store *, char **);
static int	 snap_skip_dir(const char *, void *);
static int	 snap_signature(struct snapshot_store *, git_signature **);

/* Set *cause from libgit2's last error, prefixed by fmt; returns -1. */
int
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
int
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
int
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

void
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
int
snap_write_file(const char *path, const char *data, size_t len, char **cause)
{
	char	*tmp = xasprintf("%s.tmp%ld", path, (long)getpid());
	size_t	 off = 0;
	ssize_t	 n;
	int	 fd;

	/* Only under .git/agentos, which is private (path_private_dir). */
	fd = open(tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
	if (fd == -1)
		goto fail;
	if (fchmod(fd, 0600) != 0) {
		close(fd);
		goto fail;
	}
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
char *
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
	if (path_private_dir(st->dir, cause) != 0)
		goto fail;
	path = xasprintf("%s/lock", st->dir);
	st->lock_fd = open(path, O_RDWR | O_CREAT | O_CLOEXEC, 0600);
	free(path);
	path = xasprintf("%s/session-%s.lock", st->dir, session_id);
	st->session_fd = open(path, O_RDWR | O_CREAT | O_CLOEXEC, 0600);
	free(path);
	/* Lock files an older agentos made 0644: private now. */
	if (st->lock_fd != -1)
		(void)fchmod(st->lock_fd, 0600);
	if (st->session_fd != -1)
		(void)fchmod(st->session_fd, 0600);
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
		/* libgit2 makes it 0666 less the umask on every write. */
		(void)chmod(st->index_path, 0600);
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
char *
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
int
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
int
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
int
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
