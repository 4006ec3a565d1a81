/* snapshot-restore.c: restore and rewind, with the restore journal. */
#include <sys/types.h>
#include <sys/stat.h>

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <git2.h>

#include "agentos.h"
#include "snapshot.h"
#include "snapshot-private.h"
#include "banned.h"

#define SNAP_TMP_PREFIX		".agentos-tmp-"

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
		buf_addf(&msg, "these hand edits would be lost (%zu file%s "
		    "changed since the agent's last change):", p->nhand,
		    p->nhand == 1 ? "" : "s");
		for (i = 0; i < p->nhand && i < 10; i++)
			buf_addf(&msg, " %s", p->hand[i]);
		if (p->nhand > 10)
			buf_addf(&msg, " (and %zu more)", p->nhand - 10);
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
	git_oid		 now, target, after;
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
	/*
	 * The target is the snapshot before the agent's last action that
	 * changed something: its tree differs from the state after it (the
	 * next snapshot's tree; for the newest, the state the agent left,
	 * st->settled).  A command that changed nothing is passed over, and
	 * hand edits made since are not taken for the agent's change: the
	 * restore asks before it overwrites them.
	 */
	if (st->have_rewound && git_oid_equal(&st->tip, &st->rewound_tip)) {
		/* Pressed again: go on from before the last one. */
		if (git_commit_lookup(&next, st->repo, &st->rewound_to) != 0)
			return (snap_gerr(cause, "snapshot"));
		git_oid_cpy(&after, git_commit_tree_id(next));
		if (git_commit_parentcount(next) == 0 ||
		    git_commit_parent(&c, next, 0) != 0) {
			git_commit_free(next);
			git_error_clear();
			*cause = xstrdup("nothing to rewind: this is the "
			    "first snapshot");
			return (-1);
		}
		git_commit_free(next);
	} else {
		if (git_commit_lookup(&c, st->repo, &st->tip) != 0)
			return (snap_gerr(cause, "snapshot"));
		git_oid_cpy(&after, st->have_settled ? &st->settled : &now);
	}
	for (;;) {
		tool = snap_trailer(git_commit_message(c), "tool");
		if ((tool == NULL || strcmp(tool, "rewind") != 0) &&
		    !git_oid_equal(git_commit_tree_id(c), &after) &&
		    !git_oid_equal(git_commit_tree_id(c), &now)) {
			git_oid_cpy(&target, git_commit_id(c));
			found = 1;
		}
		free(tool);
		git_oid_cpy(&after, git_commit_tree_id(c));
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
