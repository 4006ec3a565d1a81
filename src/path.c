/* path.c: paths confined to the repository. */
#include <sys/stat.h>

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "agentos.h"
#include "banned.h"

/* Symlinks followed in one resolution before giving up (as the kernel). */
#define PATH_MAX_LINKS	40

struct path_parts {
	char	**v;
	size_t	  nr, alloc;
};

static void	path_parts_push_front(struct path_parts *, const char *);
static void	path_parts_release(struct path_parts *);
static void	path_pop(struct buf *);
static int	path_inside(const char *, const char *);

/*
 * Put the components of s in front of the queue, keeping their order; the
 * queue is kept reversed (next component last) so this is a push.
 */
static void
path_parts_push_front(struct path_parts *pp, const char *s)
{
	const char	*end = s + strlen(s), *p, *start;

	/* Walk backwards so the first component ends up last. */
	p = end;
	while (p > s) {
		while (p > s && p[-1] == '/')
			p--;
		if (p == s)
			break;
		start = p;
		while (start > s && start[-1] != '/')
			start--;
		ALLOC_GROW(pp->v, pp->nr + 1, pp->alloc);
		pp->v[pp->nr++] = xstrndup(start, p - start);
		p = start;
	}
}

/* Free the queue. */
static void
path_parts_release(struct path_parts *pp)
{
	while (pp->nr > 0)
		free(pp->v[--pp->nr]);
	free(pp->v);
	pp->v = NULL;
	pp->alloc = 0;
}

/* Remove the last component of the absolute path in b ("/" stays). */
static void
path_pop(struct buf *b)
{
	char	*slash;

	slash = strrchr(b->buf, '/');
	if (slash == NULL || slash == b->buf)
		buf_setlen(b, 1);
	else
		buf_setlen(b, slash - b->buf);
}

/* Is the canonical path p root itself or below it? */
static int
path_inside(const char *root, const char *p)
{
	size_t	len = strlen(root);

	if (strcmp(root, "/") == 0)
		return (1);
	return (strncmp(p, root, len) == 0 &&
	    (p[len] == '\0' || p[len] == '/'));
}

/*
 * Resolve component by component: "." is skipped, ".." pops, an existing
 * component is canonicalised with realpath(3) (which follows any chain of
 * symlinks), and a symlink realpath cannot resolve (dangling, or pointing
 * to something missing) is read with readlink(2) and its target put back
 * in the queue, so a dangling link that points outside the root is caught
 * like any other.  Components that do not exist are taken as they are.
 */
int
path_resolve(const char *root, const char *path, char **out, char **rel,
    char **cause)
{
	struct path_parts	 pp = { NULL, 0, 0 };
	struct buf		 cur = BUF_INIT, cand = BUF_INIT;
	char			*realroot = NULL, *r, target[PATH_MAX];
	struct stat		 sb;
	ssize_t			 n;
	int			 links = 0, rc = -1;
	size_t			 rootlen;

	*out = NULL;
	if (rel != NULL)
		*rel = NULL;
	if (path == NULL || *path == '\0') {
		*cause = xstrdup("empty path");
		goto out;
	}
	if (strlen(path) >= PATH_MAX) {
		*cause = xasprintf("path is longer than %d bytes", PATH_MAX);
		goto out;
	}
	if ((realroot = realpath(root, NULL)) == NULL) {
		*cause = xasprintf("repository %s: %s", root, strerror(errno));
		goto out;
	}

	path_parts_push_front(&pp, path);
	if (*path == '/')
		buf_adds(&cur, "/");
	else
		buf_adds(&cur, realroot);

	while (pp.nr > 0) {
		char	*c = pp.v[--pp.nr];

		if (strcmp(c, ".") == 0) {
			free(c);
			continue;
		}
		if (strcmp(c, "..") == 0) {
			free(c);
			path_pop(&cur);
			continue;
		}
		buf_reset(&cand);
		buf_addf(&cand, "%s%s%s", cur.buf,
		    cur.len > 0 && cur.buf[cur.len - 1] == '/' ? "" : "/", c);
		free(c);
		if (lstat(cand.buf, &sb) != 0) {
			if (errno != ENOENT && errno != ENOTDIR) {
				*cause = xasprintf("%s: %s", path,
				    strerror(errno));
				goto out;
			}
			/* Missing: taken as it is. */
			buf_reset(&cur);
			buf_add(&cur, cand.buf, cand.len);
			continue;
		}
		if ((r = realpath(cand.buf, NULL)) != NULL) {
			buf_reset(&cur);
			buf_adds(&cur, r);
			free(r);
			if (pp.nr > 0 && stat(cur.buf, &sb) == 0 &&
			    !S_ISDIR(sb.st_mode)) {
				*cause = xasprintf("path %s: %s is not a "
				    "directory", path, cur.buf);
				goto out;
			}
			continue;
		}
		if (!S_ISLNK(sb.st_mode)) {
			*cause = xasprintf("%s: %s", path, strerror(errno));
			goto out;
		}
		/* A symlink realpath cannot follow: read it ourselves. */
		if (++links > PATH_MAX_LINKS) {
			*cause = xasprintf("path %s: too many levels of "
			    "symbolic links", path);
			goto out;
		}
		n = readlink(cand.buf, target, sizeof target - 1);
		if (n < 0) {
			*cause = xasprintf("%s: %s", path, strerror(errno));
			goto out;
		}
		target[n] = '\0';
		if (target[0] == '/') {
			buf_reset(&cur);
			buf_adds(&cur, "/");
		}
		path_parts_push_front(&pp, target);
	}

	if (!path_inside(realroot, cur.buf)) {
		*cause = xasprintf("path %s is outside the repository %s",
		    path, root);
		goto out;
	}
	rootlen = strlen(realroot);
	if (rel != NULL) {
		if (cur.len == rootlen)
			*rel = xstrdup(".");
		else if (strcmp(realroot, "/") == 0)
			*rel = xstrdup(cur.buf + 1);
		else
			*rel = xstrdup(cur.buf + rootlen + 1);
	}
	*out = buf_detach(&cur, NULL);
	rc = 0;
out:
	path_parts_release(&pp);
	buf_release(&cur);
	buf_release(&cand);
	free(realroot);
	return (rc);
}

int
path_resolve_write(const char *root, const char *path, char **out,
    char **rel, char **cause)
{
	char		*o, *r;
	const char	*p;
	size_t		 len;

	if (path_resolve(root, path, &o, &r, cause) != 0)
		return (-1);
	if (strcmp(r, ".") == 0) {
		*cause = xasprintf("path %s is the repository root, not a "
		    "file", path);
		goto fail;
	}
	for (p = r; *p != '\0'; p += len + (p[len] == '/')) {
		len = strcspn(p, "/");
		if (len == 4 && strncmp(p, ".git", 4) == 0) {
			*cause = xasprintf("path %s is inside .git; tools do "
			    "not write git internals", path);
			goto fail;
		}
	}
	*out = o;
	if (rel != NULL)
		*rel = r;
	else
		free(r);
	return (0);
fail:
	free(o);
	free(r);
	*out = NULL;
	if (rel != NULL)
		*rel = NULL;
	return (-1);
}

int
path_private_dir(const char *dir, char **cause)
{
	struct stat	 sb;
	struct dirent	*de;
	DIR		*d;

	if (mkdir(dir, 0700) != 0 && errno != EEXIST) {
		*cause = xasprintf("mkdir %s: %s", dir, strerror(errno));
		return (-1);
	}
	if (lstat(dir, &sb) != 0) {
		*cause = xasprintf("%s: %s", dir, strerror(errno));
		return (-1);
	}
	if (!S_ISDIR(sb.st_mode)) {
		*cause = xasprintf("%s: not a directory", dir);
		return (-1);
	}
	if ((sb.st_mode & 07777) == 0700)
		return (0);
	if (chmod(dir, 0700) != 0) {
		*cause = xasprintf("chmod %s: %s", dir, strerror(errno));
		return (-1);
	}
	/* What an older agentos left in it readable: private too. */
	if ((d = opendir(dir)) == NULL)
		return (0);
	while ((de = readdir(d)) != NULL) {
		if (fstatat(dirfd(d), de->d_name, &sb,
		    AT_SYMLINK_NOFOLLOW) == 0 && S_ISREG(sb.st_mode) &&
		    (sb.st_mode & 077) != 0)
			(void)fchmodat(dirfd(d), de->d_name,
			    sb.st_mode & 0700, 0);
	}
	closedir(d);
	return (0);
}

/* Open (creating) path 0600, refusing symlinks and non-regular files. */
static int
path_private_one(const char *path, int create, char **cause)
{
	struct stat	sb;
	int		fd, flags;

	flags = O_RDWR | O_NOFOLLOW | O_NONBLOCK | O_CLOEXEC;
	if (create)
		flags |= O_CREAT;
	if ((fd = open(path, flags, 0600)) == -1) {
		if (!create && errno == ENOENT)
			return (0);
		*cause = xasprintf("%s: %s", path, strerror(errno));
		return (-1);
	}
	if (fstat(fd, &sb) != 0 || !S_ISREG(sb.st_mode)) {
		*cause = xasprintf("%s: not a regular file", path);
		close(fd);
		return (-1);
	}
	if ((sb.st_mode & 07777) != 0600 && fchmod(fd, 0600) != 0) {
		*cause = xasprintf("chmod %s: %s", path, strerror(errno));
		close(fd);
		return (-1);
	}
	close(fd);
	return (0);
}

int
path_private_file(const char *path, int wal, char **cause)
{
	static const char *const	 ext[] = { "-wal", "-shm" };
	char				*p;
	size_t				 i;
	int				 rc;

	if (path_private_one(path, 1, cause) != 0)
		return (-1);
	for (i = 0; wal && i < sizeof ext / sizeof ext[0]; i++) {
		p = xasprintf("%s%s", path, ext[i]);
		rc = path_private_one(p, 0, cause);
		free(p);
		if (rc != 0)
			return (-1);
	}
	return (0);
}

char *
path_state_file(const char *name)
{
	const char	*xdg, *home;

	if ((xdg = getenv("XDG_STATE_HOME")) != NULL && *xdg == '/')
		return (xasprintf("%s/agentos/%s", xdg, name));
	if ((home = getenv("HOME")) != NULL && *home != '\0')
		return (xasprintf("%s/.local/state/agentos/%s", home, name));
	return (NULL);
}

int
path_save_json_private(const char *path, json_t *j, char **cause)
{
	char	*dir, *p, *tmp = NULL;
	int	 rc = -1;

	dir = xstrdup(path);
	if ((p = strrchr(dir, '/')) != NULL)
		*p = '\0';
	for (p = dir + 1; (p = strchr(p, '/')) != NULL; p++) {
		*p = '\0';
		if (mkdir(dir, 0700) != 0 && errno != EEXIST) {
			*cause = xasprintf("mkdir %s: %s", dir,
			    strerror(errno));
			goto out;
		}
		*p = '/';
	}
	if (path_private_dir(dir, cause) != 0)
		goto out;
	tmp = xasprintf("%s.%ld.tmp", path, (long)getpid());
	(void)unlink(tmp);
	if (path_private_file(tmp, 0, cause) != 0)
		goto out;
	if (json_dump_file(j, tmp, JSON_INDENT(2) | JSON_SORT_KEYS) != 0) {
		*cause = xasprintf("cannot write %s", tmp);
		(void)unlink(tmp);
		goto out;
	}
	if (rename(tmp, path) != 0) {
		*cause = xasprintf("rename %s: %s", path, strerror(errno));
		(void)unlink(tmp);
		goto out;
	}
	rc = 0;
out:
	free(tmp);
	free(dir);
	return (rc);
}
