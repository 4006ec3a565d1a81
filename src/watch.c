/* watch.c: a recursive inotify(7) watcher of a worktree. */
#include <sys/types.h>
#include <sys/inotify.h>
#include <sys/stat.h>

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <event2/event.h>

#include "agentos.h"
#include "snapshot.h"
#include "banned.h"

/*
 * inotify watches directories, not trees: every directory gets its own
 * watch (wd), and the map dirs[wd] gives its path relative to the root ("" is
 * the root).  A directory created or moved in gets watches for itself and
 * everything below it, and every entry found there is reported as changed,
 * since files can appear in it before its watch exists.  A directory moved
 * away loses its watches (the moved-to side, if inside the tree, gets new
 * ones).  When the kernel queue overflowed (IN_Q_OVERFLOW), a watch could not
 * be added (ENOSPC: fs.inotify.max_user_watches) or the root itself went, the
 * set of changes is no longer complete: the watcher says "rescan needed"
 * until the next drain.
 */

#define WATCH_MASK (IN_CREATE | IN_DELETE | IN_MODIFY | IN_ATTRIB | \
	IN_CLOSE_WRITE | IN_MOVED_FROM | IN_MOVED_TO | IN_DELETE_SELF | \
	IN_MOVE_SELF | IN_DONT_FOLLOW | IN_ONLYDIR | IN_EXCL_UNLINK)

/* Past this many distinct changed paths, ask for a rescan instead. */
#define WATCH_MAX_CHANGED	65536

struct watch_sub {
	void		(*cb)(void *, const char *);
	void		*arg;
};

struct watch {
	int		 fd;
	char		*root;
	struct event	*ev;
	int		 (*skip)(const char *, void *);
	void		*skip_arg;

	char		**dirs;		/* indexed by wd; NULL when unused */
	size_t		 ndirs;		/* allocated slots */
	size_t		 nwatched;

	char		**changed;
	size_t		 nchanged, achanged;
	int		 rescan;	/* the change set is incomplete */
	int		 broken;	/* watches are missing for good */

	struct watch_sub *subs;
	size_t		 nsubs, asubs;
};

static char	*watch_join(const char *, const char *);
static void	 watch_mark(struct watch *, const char *);
static int	 watch_add_tree(struct watch *, const char *, int);
static void	 watch_forget(struct watch *, const char *);
static void	 watch_read(struct watch *);
static void	 watch_callback(evutil_socket_t, short, void *);
static int	 watch_cmp(const void *, const void *);

/* Join a relative directory and a name ("" is the root). */
static char *
watch_join(const char *dir, const char *name)
{
	if (*dir == '\0')
		return (xstrdup(name));
	return (xasprintf("%s/%s", dir, name));
}

/* Record rel as changed and tell the subscribers. */
static void
watch_mark(struct watch *w, const char *rel)
{
	size_t	i;

	for (i = 0; i < w->nsubs; i++)
		w->subs[i].cb(w->subs[i].arg, rel);
	if (w->rescan)
		return;
	if (w->nchanged >= WATCH_MAX_CHANGED) {
		log_debug("watch: %zu changes pending, rescan", w->nchanged);
		w->rescan = 1;
		return;
	}
	ALLOC_GROW(w->changed, w->nchanged + 1, w->achanged);
	w->changed[w->nchanged++] = xstrdup(rel);
}

/*
 * Watch directory rel and every directory below it (but not .git or what the
 * skip callback refuses).  With mark, report every entry found as changed.
 * Returns -1 when a watch could not be added for lack of watches.
 */
static int
watch_add_tree(struct watch *w, const char *rel, int mark)
{
	char		*abs, *child;
	DIR		*d;
	struct dirent	*de;
	struct stat	 sb;
	int		 wd, isdir, rc = 0;

	if (*rel != '\0' && w->skip != NULL && w->skip(rel, w->skip_arg))
		return (0);
	abs = *rel == '\0' ? xstrdup(w->root) :
	    xasprintf("%s/%s", w->root, rel);
	wd = inotify_add_watch(w->fd, abs, WATCH_MASK);
	if (wd == -1) {
		/* Gone already, or not a directory: nothing to watch. */
		if (errno == ENOSPC || errno == ENOMEM) {
			log_debug("watch: inotify_add_watch %s: %s", abs,
			    strerror(errno));
			rc = -1;
		}
		free(abs);
		return (rc);
	}
	if ((size_t)wd >= w->ndirs) {
		size_t	n = w->ndirs, want = (size_t)wd + 1;

		if (want < n * 2)
			want = n * 2;
		w->dirs = xreallocarray(w->dirs, want, sizeof *w->dirs);
		memset(w->dirs + n, 0, (want - n) * sizeof *w->dirs);
		w->ndirs = want;
	}
	if (w->dirs[wd] == NULL)
		w->nwatched++;
	free(w->dirs[wd]);
	w->dirs[wd] = xstrdup(rel);

	if ((d = opendir(abs)) == NULL) {
		free(abs);
		return (0);
	}
	while ((de = readdir(d)) != NULL) {
		if (strcmp(de->d_name, ".") == 0 ||
		    strcmp(de->d_name, "..") == 0)
			continue;
		if (*rel == '\0' && strcmp(de->d_name, ".git") == 0)
			continue;
		child = watch_join(rel, de->d_name);
		if (de->d_type == DT_UNKNOWN) {
			char	*cabs = xasprintf("%s/%s", abs, de->d_name);

			isdir = lstat(cabs, &sb) == 0 && S_ISDIR(sb.st_mode);
			free(cabs);
		} else
			isdir = de->d_type == DT_DIR;
		if (mark)
			watch_mark(w, child);
		if (isdir && watch_add_tree(w, child, mark) != 0)
			rc = -1;
		free(child);
	}
	closedir(d);
	free(abs);
	return (rc);
}

/* Drop the watches of directory rel and everything below it. */
static void
watch_forget(struct watch *w, const char *rel)
{
	size_t	i, len = strlen(rel);

	for (i = 0; i < w->ndirs; i++) {
		if (w->dirs[i] == NULL)
			continue;
		if (strncmp(w->dirs[i], rel, len) != 0 ||
		    (w->dirs[i][len] != '\0' && w->dirs[i][len] != '/'))
			continue;
		inotify_rm_watch(w->fd, (int)i);
		free(w->dirs[i]);
		w->dirs[i] = NULL;
		w->nwatched--;
	}
}

/* Read every queued event now (the fd is non-blocking). */
static void
watch_read(struct watch *w)
{
	char				 buf[65536]
	    __attribute__((aligned(__alignof__(struct inotify_event))));
	const struct inotify_event	*ev;
	ssize_t				 n;
	char				*p, *rel;
	const char			*dir;

	for (;;) {
		n = read(w->fd, buf, sizeof buf);
		if (n == -1 && errno == EINTR)
			continue;
		if (n <= 0)
			break;
		for (p = buf; p < buf + n;
		    p += sizeof *ev + ev->len) {
			ev = (const struct inotify_event *)p;
			if (ev->mask & IN_Q_OVERFLOW) {
				log_debug("watch: queue overflow, rescan");
				w->rescan = 1;
				continue;
			}
			if (ev->wd < 0 || (size_t)ev->wd >= w->ndirs ||
			    (dir = w->dirs[ev->wd]) == NULL)
				continue;
			if (ev->mask & IN_IGNORED) {
				free(w->dirs[ev->wd]);
				w->dirs[ev->wd] = NULL;
				w->nwatched--;
				continue;
			}
			if (ev->mask & (IN_DELETE_SELF | IN_MOVE_SELF)) {
				if (*dir == '\0') {
					log_debug("watch: root went away");
					w->rescan = w->broken = 1;
				}
				continue;
			}
			if (ev->len == 0)
				continue;
			if (*dir == '\0' && strcmp(ev->name, ".git") == 0)
				continue;
			rel = watch_join(dir, ev->name);
			watch_mark(w, rel);
			if (ev->mask & IN_ISDIR) {
				if (ev->mask & IN_MOVED_FROM)
					watch_forget(w, rel);
				if (ev->mask & (IN_CREATE | IN_MOVED_TO) &&
				    watch_add_tree(w, rel, 1) != 0)
					w->rescan = w->broken = 1;
			}
			free(rel);
		}
	}
}

/* The inotify fd is readable (from the loop). */
static void
watch_callback(evutil_socket_t fd, short what, void *arg)
{
	watch_read(arg);
}

struct watch *
watch_start(const char *root, int (*skip)(const char *, void *),
    void *skip_arg, char **cause)
{
	struct watch	*w;

	w = xcalloc(1, sizeof *w);
	w->root = xstrdup(root);
	w->skip = skip;
	w->skip_arg = skip_arg;
	if ((w->fd = inotify_init1(IN_NONBLOCK | IN_CLOEXEC)) == -1) {
		*cause = xasprintf("inotify_init1: %s", strerror(errno));
		free(w->root);
		free(w);
		return (NULL);
	}
	if (watch_add_tree(w, "", 0) != 0) {
		*cause = xasprintf("not enough inotify watches for %s "
		    "(fs.inotify.max_user_watches)", root);
		watch_stop(w);
		return (NULL);
	}
	if (loop_base != NULL) {
		w->ev = event_new(loop_base, w->fd, EV_READ | EV_PERSIST,
		    watch_callback, w);
		if (w->ev == NULL || event_add(w->ev, NULL) != 0) {
			*cause = xstrdup("event_add failed for inotify");
			watch_stop(w);
			return (NULL);
		}
	}
	log_debug("watch: %s: %zu directories", root, w->nwatched);
	return (w);
}

void
watch_stop(struct watch *w)
{
	size_t	i;

	if (w == NULL)
		return;
	if (w->ev != NULL)
		event_free(w->ev);
	close(w->fd);
	for (i = 0; i < w->ndirs; i++)
		free(w->dirs[i]);
	free(w->dirs);
	for (i = 0; i < w->nchanged; i++)
		free(w->changed[i]);
	free(w->changed);
	free(w->subs);
	free(w->root);
	free(w);
}

/* qsort comparison of strings. */
static int
watch_cmp(const void *a, const void *b)
{
	return (strcmp(*(char *const *)a, *(char *const *)b));
}

int
watch_drain_changed(struct watch *w, char ***paths, size_t *n)
{
	size_t	i, j;
	int	rescan;

	watch_read(w);
	rescan = w->rescan;
	if (rescan) {
		for (i = 0; i < w->nchanged; i++)
			free(w->changed[i]);
		w->nchanged = 0;
		*paths = NULL;
		*n = 0;
		w->rescan = w->broken;
		return (1);
	}
	if (w->nchanged > 1)
		qsort(w->changed, w->nchanged, sizeof *w->changed, watch_cmp);
	for (i = j = 0; i < w->nchanged; i++) {
		if (j > 0 && strcmp(w->changed[j - 1], w->changed[i]) == 0)
			free(w->changed[i]);
		else
			w->changed[j++] = w->changed[i];
	}
	*paths = w->changed;
	*n = j;
	w->changed = NULL;
	w->nchanged = w->achanged = 0;
	return (0);
}

void
watch_free_paths(char **paths, size_t n)
{
	size_t	i;

	for (i = 0; i < n; i++)
		free(paths[i]);
	free(paths);
}

void
watch_subscribe(struct watch *w, void (*cb)(void *, const char *), void *arg)
{
	ALLOC_GROW(w->subs, w->nsubs + 1, w->asubs);
	w->subs[w->nsubs].cb = cb;
	w->subs[w->nsubs].arg = arg;
	w->nsubs++;
}

void
watch_unsubscribe(struct watch *w, void (*cb)(void *, const char *),
    void *arg)
{
	size_t	i;

	for (i = 0; i < w->nsubs; i++) {
		if (w->subs[i].cb == cb && w->subs[i].arg == arg) {
			memmove(w->subs + i, w->subs + i + 1,
			    (w->nsubs - i - 1) * sizeof *w->subs);
			w->nsubs--;
			return;
		}
	}
}

size_t
watch_directories(struct watch *w)
{
	return (w->nwatched);
}

int
watch_broken(struct watch *w)
{
	return (w->broken);
}
