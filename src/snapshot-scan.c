/* snapshot-scan.c: bring the private index up to date with the worktree. */
#include <sys/types.h>
#include <sys/stat.h>

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <git2.h>

#include "agentos.h"
#include "snapshot.h"
#include "snapshot-private.h"
#include "banned.h"

#define SNAP_BUFFER_MAX		(64 * 1024 * 1024)	/* hash in memory */

/* Paths touched while the index is brought up to date. */
struct snap_touched {
	char		**v;
	size_t		 nr, alloc;
};

static void	 snap_touch(struct snap_touched *, const char *);
static void	 snap_touched_release(struct snap_touched *);
static void	 snap_skip_add(struct snapshot_store *, const char *, int,
		    uint64_t);
static void	 snap_skip_forget(struct snapshot_store *, const char *);
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
static int	 snap_make_tree(struct snapshot_store *,
		    struct snap_touched *, git_oid *, char **);

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
int
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
int
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

void
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
int
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
