/*
 * snapshot-private.h: the snapshot store's insides, shared by snapshot.c
 * (the store: open, close, locking, take, done, resolve, the commit of a
 * snapshot), snapshot-scan.c (the worktree scan and the watcher-driven
 * update of the private index), snapshot-restore.c (restore, rewind, the
 * restore journal, pending and recover) and snapshot-list.c (list,
 * sessions, diff, gc, stat).  Nothing else includes it: the interface is
 * snapshot.h.
 */
#ifndef SNAPSHOT_PRIVATE_H
#define SNAPSHOT_PRIVATE_H

#include <sys/types.h>

#include <stddef.h>
#include <stdint.h>

#include <git2.h>

#include "snapshot.h"

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
#define SNAP_JOURNAL		"restore-journal"

struct snap_skip {
	char		*path;
	int		 dir;
	uint64_t	 size;		/* bytes (at least, for folders) */
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

/* snapshot.c */

/*
 * Set *cause (allocated, the caller's to free) from libgit2's last error,
 * prefixed by the printf-style fmt.  Always returns -1.
 */
int	 snap_gerr(char **, const char *, ...)
	    __attribute__((format(printf, 2, 3)));

/*
 * Whether s is usable as a session id (it becomes ref and file names):
 * 1 to 128 bytes of [A-Za-z0-9._-], not starting with '.', no "..", no
 * ".lock".  Returns 1 or 0.
 */
int	 snap_valid_session(const char *);

/*
 * Take the repository-wide lock (flock on .git/agentos/lock) for one
 * operation, blocking until it is free; 0, or -1 with *cause set.
 * snap_unlock() releases it.
 */
int	 snap_lock(struct snapshot_store *, char **);
void	 snap_unlock(struct snapshot_store *);

/*
 * Write len bytes of data to path atomically (a temporary file in the same
 * folder renamed over path); 0, or -1 with *cause set.
 */
int	 snap_write_file(const char *, const char *, size_t, char **);

/*
 * Read a small text file whole (up to about 1 MiB; allocated, the
 * caller's); NULL if it cannot be opened.
 */
char	*snap_read_small(const char *);

/*
 * Commit tree as the next snapshot of the session: the first line of
 * action (or "snapshot"), trailers for tool (NULL: "manual"), turn, time,
 * sequence and the skipped paths; the session ref is moved with a
 * compare-and-swap against st->tip.  Updates tip and seq; 0, or -1 with
 * *cause set.
 */
int	 snap_commit(struct snapshot_store *, const git_oid *,
	    const char *, const char *, int, char **);

/*
 * The value of the trailer "agentos-<key>: value" in a commit message,
 * allocated (the caller's); NULL if there is none.
 */
char	*snap_trailer(const char *, const char *);

/*
 * Resolve a list id or revision (as snapshot_resolve() does) to its commit
 * and that commit's tree; 0, or -1 with *cause set.
 */
int	 snap_tree_of(struct snapshot_store *, const char *,
	    git_oid *, git_oid *, char **);

/*
 * Save st->settled to .git/agentos/settled-<session> for the hand-edit
 * checks of later processes; 0, or -1 (logged, not reported).
 */
int	 snap_save_settled(struct snapshot_store *);

/* snapshot-scan.c */

/* qsort(3) comparison of two char * (strcmp order). */
int	 snap_cmp(const void *, const void *);

/* Whether path is a skipped path or lies in a skipped folder: 1 or 0. */
int	 snap_skipped_at(struct snapshot_store *, const char *);

/* Forget the skipped paths (before a full scan finds them again). */
void	 snap_skip_clear(struct snapshot_store *);

/*
 * Bring the private index up to date with the worktree (the watcher's
 * changed paths, or a full stat scan when there is no watcher or it
 * overflowed) plus the npaths paths the agent names (copied: kept as
 * pending until they exist), and write its tree to *tree.  0, or -1 with
 * *cause set (the next update scans again).
 */
int	 snap_update(struct snapshot_store *, const char *const *,
	    size_t, git_oid *, char **);

#endif /* SNAPSHOT_PRIVATE_H */
