/*
 * snapshot.h: worktree snapshots in git refs (snapshot.c) and the inotify
 * watcher that keeps them cheap (watch.c).
 */
#ifndef SNAPSHOT_H
#define SNAPSHOT_H

#include "agentos.h"

/* snapshot.c: worktree snapshots as commits under refs/agentos/ */

/*
 * A snapshot is a commit of the whole worktree (tracked files, untracked
 * files that are not ignored, and ignored files the agent wrote) in the
 * user's object database, chained per session under
 * refs/agentos/sessions/<session-id>.  The user's index, HEAD, branches,
 * stash and config are never touched: agentos keeps its own index per
 * session in .git/agentos/index-<session-id>.  See agentos(1), SNAPSHOTS.
 */
struct snapshot_info {
	char		*id;		/* short id shown to the user: the
					   sequence number in its session */
	char		*commit;	/* full commit id (hex) */
	char		*action;	/* "write_file src/a.c", "rewind", ... */
	char		*tool;
	int		 turn;
	int64_t		 time;		/* seconds since the epoch */
	int		 files;		/* files changed vs. the previous one */
	int		 added, removed;/* lines */
	char		*session;	/* the session it belongs to */
	int		 skipped;	/* large untracked paths left out */
};
void	 snapshot_info_release(struct snapshot_info *si);

/* Limits and policy; snapshot_options_init() fills the defaults. */
struct snapshot_options {
	int		 flags;
#define SNAPSHOT_WATCH		0x1	/* run the inotify watcher */
#define SNAPSHOT_CONFIRMED	0x2	/* the user confirmed a home
					   directory or a tree over
					   max_tree_files */
	uint64_t	 max_file_size;	/* bytes: larger untracked files
					   are skipped (default 50 MiB) */
	uint64_t	 max_dir_files;	/* an untracked folder with more
					   files is skipped (default 20000) */
	uint64_t	 max_dir_size;	/* bytes: or more bytes (200 MiB) */
	uint64_t	 max_tree_files;/* refuse larger trees unless
					   confirmed (default 1000000) */
	int		 keep_sessions;	/* gc keeps the newest N (20) */
	int		 keep_days;	/* and any younger than N days (14) */
};
/*
 * Fill opts from the "snapshots.*" options of cfg (max_file_size,
 * max_dir_files, max_dir_size, max_tree_files, keep_sessions, keep_days,
 * watch), or their defaults when cfg is NULL.
 */
void	 snapshot_options_init(struct snapshot_options *opts,
	    const struct config *cfg);

/*
 * Open the snapshot store of the repository at root for session_id
 * (snapshots go under refs/agentos/sessions/<session_id>).  NULL with cause.
 * snapshot_open() uses the default options with the watcher on.  The
 * session is locked for the life of the store (flock(2), so a killed
 * process releases it); session "manual" waits for the lock, any other
 * session fails when another process holds it.
 */
struct snapshot_store *snapshot_open(const char *root, const char *session_id,
	    char **cause);
struct snapshot_store *snapshot_open_opts(const char *root,
	    const char *session_id, const struct snapshot_options *opts,
	    char **cause);
void	 snapshot_close(struct snapshot_store *st);
/*
 * Snapshot the worktree now.  action, tool and turn go in the commit
 * message.  paths (npaths, may be 0) name files the agent is about to
 * write, so ignored files it touches are captured too.  On success *id is
 * the snapshot id (caller frees).  -1 with cause: the caller must not go on
 * with the mutating action (fail closed).  With the watcher running this
 * hashes only the paths that changed since the last snapshot; without it
 * (or after a queue overflow) it is a stat scan using the index's cache.
 */
int	 snapshot_take(struct snapshot_store *st, const char *action,
	    const char *tool, int turn, const char *const *paths, size_t npaths,
	    char **id, char **cause);
/*
 * The mutating action that followed the last snapshot_take() finished: the
 * worktree as it is now is the agent's doing, so changes made after this
 * count as changed by hand when a restore would overwrite them.  Cheap with
 * the watcher (only changed paths), a stat scan without.  0 or -1.
 */
int	 snapshot_done(struct snapshot_store *st, char **cause);

/* What a restore does, or would do. */
struct snapshot_plan {
	char		*target;	/* commit restored to (hex) */
	char		*before;	/* id of the snapshot taken first */
	char		**write;	/* paths written (relative) */
	size_t		 nwrite;
	char		**remove;	/* paths removed */
	size_t		 nremove;
	char		**hand;		/* of those, changed by hand since
					   the agent's last action */
	size_t		 nhand;
	char		**blocked;	/* left alone: a skipped large file
					   or a folder in the way */
	size_t		 nblocked;
	int		 need_confirm;	/* refused: nhand > 0, not forced */
};
void	 snapshot_plan_release(struct snapshot_plan *plan);

#define SNAPSHOT_RESTORE_FORCE	0x1	/* overwrite hand edits */
#define SNAPSHOT_RESTORE_DRY_RUN 0x2	/* plan only: change nothing */
/*
 * Restore the worktree to snapshot id (an id from the list or a commit id),
 * after taking a snapshot of the present state (so the restore can be
 * undone).  Only paths that differ are written or removed.  0 or -1.
 * snapshot_restore() refuses (-1, cause lists them) when files the restore
 * would overwrite were changed by hand since the agent's last action.
 */
int	 snapshot_restore(struct snapshot_store *st, const char *id,
	    char **cause);
/*
 * As snapshot_restore() with SNAPSHOT_RESTORE_* flags; plan (may be NULL)
 * is filled with what was (or, with DRY_RUN or when need_confirm is set,
 * would be) done; the caller releases it.  Files are written to a temporary
 * name and renamed over (atomic per file); a journal in
 * .git/agentos/restore-journal makes an interrupted restore recoverable
 * with snapshot_recover().
 */
int	 snapshot_restore_ext(struct snapshot_store *st, const char *id,
	    int flags, struct snapshot_plan *plan, char **cause);
/*
 * Undo the last agent change: restore the newest snapshot that was not
 * taken by a restore and differs from the worktree now; calling it again
 * goes one further back.  Flags and plan as snapshot_restore_ext().  -1
 * with cause when there is nothing to rewind.
 */
int	 snapshot_rewind_last(struct snapshot_store *st, int flags,
	    struct snapshot_plan *plan, char **cause);
/* This session's snapshots, oldest first; release each and free *list. */
int	 snapshot_list(struct snapshot_store *st, struct snapshot_info **list,
	    size_t *n, char **cause);
/* As snapshot_list() for another session of the same repository. */
int	 snapshot_list_session(struct snapshot_store *st, const char *session,
	    struct snapshot_info **list, size_t *n, char **cause);
/*
 * The snapshots of a session, counted one way everywhere (the status bar,
 * the exit line, the /resume picker, agentos sessions and snapshots): the
 * commits of its chain refs/agentos/sessions/<session>, restores' own
 * snapshots included.  A fork's chain starts with its parent's snapshots
 * up to the fork (snapshot_fork()), so a fork counts what it inherited.
 * snapshot_count() counts session (NULL: the store's own) and returns 0
 * when it has none; snapshot_counts() fills counts[i] for each of the n
 * sessions of the repository at root (0 for any it cannot read).
 */
int	 snapshot_count(struct snapshot_store *st, const char *session);
void	 snapshot_counts(const char *root, const char *const *sessions,
	    int *counts, size_t n);
/*
 * Start the chain of the store's session (which must have no snapshot
 * yet) at snapshot id of session from (NULL: from's newest; none: nothing
 * done), so a fork holds the snapshots its conversation was made with:
 * its ids, rewinds and counts go on from there.  The parent's record of
 * the agent's last change comes along for the hand-edit checks.  0 or -1
 * with cause.
 */
int	 snapshot_fork(struct snapshot_store *st, const char *from,
	    const char *id, char **cause);
/*
 * Set files, added and removed of each of the n snapshots of v (oldest
 * first, one session) to what its action changed: snapshot i to snapshot
 * i + 1, and the last to the worktree now when last_to_worktree is set
 * (else its files is -1: unknown).  A diff that fails also gives -1.
 */
void	 snapshot_list_changes(struct snapshot_store *st,
	    struct snapshot_info *v, size_t n, int last_to_worktree);
/* Unified diff between snapshot id and the worktree now, into out. */
int	 snapshot_diff(struct snapshot_store *st, const char *id,
	    struct buf *out, char **cause);
/*
 * Unified diff from snapshot a to snapshot b (NULL: the worktree now),
 * with the counts of files, added and removed lines (each may be NULL).
 */
int	 snapshot_diff_ext(struct snapshot_store *st, const char *a,
	    const char *b, struct buf *out, int *files, int *added,
	    int *removed, char **cause);
/*
 * The full commit id (hex, caller frees) of snapshot id: a sequence number
 * in session (NULL: the store's own), or any commit id or revision.
 */
char	*snapshot_resolve(struct snapshot_store *st, const char *session,
	    const char *id, char **cause);
/*
 * Interrupted restores: snapshot_pending() is nonzero when a restore was
 * cut short (a killed agentos); *desc (may be NULL) says which.  Until it
 * is finished or rolled back, snapshot_take() refuses.  snapshot_recover()
 * finishes it (finish nonzero) or rolls it back; either way the worktree is
 * then wholly one of the two states.  0 or -1.
 */
int	 snapshot_pending(struct snapshot_store *st, char **desc);
int	 snapshot_recover(struct snapshot_store *st, int finish, char **cause);

/* A session's chain, for listing and gc. */
struct snapshot_session {
	char		*name;
	char		*commit;	/* newest snapshot (hex) */
	int64_t		 time;		/* of the newest snapshot */
	int		 count;		/* snapshots in the chain */
};
/* Every session of the store's repository, newest first; free with
   snapshot_sessions_free(). */
int	 snapshot_sessions(struct snapshot_store *st,
	    struct snapshot_session **list, size_t *n, char **cause);
void	 snapshot_sessions_free(struct snapshot_session *list, size_t n);
/*
 * Delete the refs (and private indexes) of sessions outside the retention
 * policy (keep_sessions newest, and all younger than keep_days), never the
 * store's own; describe what went into report.  The objects become
 * unreachable and go with the user's next git gc.  0 or -1.
 */
int	 snapshot_gc(struct snapshot_store *st, struct buf *report,
	    char **cause);
/* Disk use of snapshots (objects reachable only from refs/agentos/,
   private indexes) as text into out.  0 or -1. */
int	 snapshot_stat(struct snapshot_store *st, struct buf *out,
	    char **cause);
/* Paths skipped as too large in the last snapshot (borrowed). */
const char *const *snapshot_skipped(struct snapshot_store *st, size_t *n);
/* The watcher of the store, or NULL when it is not running. */
struct watch *snapshot_watch(struct snapshot_store *st);

/* ------------------------------------------------------------------------ */
/* watch.c: recursive inotify watcher of a worktree */

struct watch;
/*
 * Watch root (absolute) and every directory below it except .git and the
 * directories skip(rel, skip_arg) refuses (rel relative to root; skip may be
 * NULL).  Events are read from the libevent loop when loop_base is set, and
 * at each drain in any case.  NULL with cause (no inotify, or not enough
 * watches: fs.inotify.max_user_watches).
 */
struct watch *watch_start(const char *root,
	    int (*skip)(const char *rel, void *arg), void *skip_arg,
	    char **cause);
void	 watch_stop(struct watch *w);
/*
 * The set of paths (relative, sorted, distinct) that changed since the last
 * drain: created, written, removed, renamed, chmod-ed, including every
 * entry of a directory created or moved in.  Returns 0 with *paths (free
 * with watch_free_paths()), or 1 when the set is incomplete (the queue
 * overflowed, a watch could not be added): then *paths is empty and the
 * caller must rescan everything.
 */
int	 watch_drain_changed(struct watch *w, char ***paths, size_t *n);
void	 watch_free_paths(char **paths, size_t n);
/* Call cb(arg, rel) for each change as it is read (for other subsystems). */
void	 watch_subscribe(struct watch *w, void (*cb)(void *, const char *),
	    void *arg);
void	 watch_unsubscribe(struct watch *w, void (*cb)(void *, const char *),
	    void *arg);
/* Number of directories watched. */
size_t	 watch_directories(struct watch *w);
/* Nonzero when watches are missing for good (every drain says rescan). */
int	 watch_broken(struct watch *w);

#endif
