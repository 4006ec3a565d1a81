/* repo.h: one git repository handle per worktree, and its file lister. */
#ifndef REPO_H
#define REPO_H

#include <stddef.h>

#include <git2.h>

/*
 * A struct repo is one opened git_repository (libgit2) for one worktree:
 * the worktree root, the git directory and the common directory (they differ
 * in a linked worktree), and the one lister of the files git would track.
 * A workspace holds one; the lister may be called from any thread (calls on
 * one repo are serialised by a lock inside it).
 *
 * What the lister lists (the policy every consumer follows):
 * - tracked files: the index's stage-0 entries and each conflicted path
 *   once; submodules (gitlinks) are not listed;
 * - untracked files not ignored by .gitignore files, .git/info/exclude or
 *   core.excludesFile (libgit2 applies them exactly as git status does),
 *   untracked directories recursed;
 * - less what .agentosignore files exclude: gitignore syntax, one file in
 *   any directory, its patterns relative to that directory (a pattern
 *   without a slash matches a name at any depth below it, one with a slash
 *   matches from that directory, a trailing slash matches directories only,
 *   "!" re-includes; later lines and deeper files win); tracked files are
 *   excluded too;
 * - symlinks are entries of their own, as git tracks them: the link, never
 *   its target.  The lister never follows a symlink (nothing outside the
 *   root is ever listed through one, and a symlinked directory is one entry,
 *   not a tree); a caller that reads file contents asks for regular files
 *   only (REPO_LIST_REGULAR), and a reader must open with O_NOFOLLOW;
 * - non-regular files (directories, fifos, sockets, devices) are never
 *   listed, so no consumer blocks opening a fifo;
 * - a tracked file deleted from the worktree is not listed.
 * Paths are relative to the root, '/'-separated, sorted by strcmp(3), each
 * once.
 */
struct repo;

/* What repo_list lists. */
#define REPO_LIST_REGULAR	0x1	/* regular files */
#define REPO_LIST_SYMLINK	0x2	/* symlinks (never followed) */
#define REPO_LIST_ALL		(REPO_LIST_REGULAR | REPO_LIST_SYMLINK)

/*
 * Open the repository whose worktree contains dir (discovered upwards, as
 * git does).  *rp is the caller's, freed with repo_free.  0, or -1 with
 * cause: not inside a git repository, cannot open it, bare.
 */
int		 repo_open(struct repo **rp, const char *dir, char **cause);
/* Close the repository and free rp (NULL is allowed). */
void		 repo_free(struct repo *rp);

/* The worktree root, absolute, without a trailing slash; borrowed. */
const char	*repo_root(struct repo *rp);
/* The git directory (.git, or .git/worktrees/NAME), with a trailing slash. */
const char	*repo_git_dir(struct repo *rp);
/* The common directory (objects, refs): the main .git; trailing slash. */
const char	*repo_common_dir(struct repo *rp);
/*
 * The libgit2 handle, borrowed for the life of rp.  libgit2 objects are not
 * safe across threads: use it from one thread, or take the lister's lock
 * with repo_lock/repo_unlock around the use.
 */
git_repository	*repo_git(struct repo *rp);
/* Take and release the repo's lock (not recursive: repo_* take it too). */
void		 repo_lock(struct repo *rp);
void		 repo_unlock(struct repo *rp);

/*
 * List the files git would track (see the policy above), of the kinds in
 * flags (REPO_LIST_*).  *paths is an allocated array of *n allocated paths,
 * the caller's: free with repo_list_free.  Reads the index again when it
 * changed on disk.  0, or -1 with cause (the index or the worktree cannot
 * be read).
 */
int		 repo_list(struct repo *rp, int flags, char ***paths,
		    size_t *n, char **cause);
/* Free what repo_list returned (paths may be NULL). */
void		 repo_list_free(char **paths, size_t n);

/*
 * Would repo_list (with REPO_LIST_ALL) list rel (relative to the root)?
 * Looks at the one path only: its type (lstat), the index, the ignore
 * rules and .agentosignore; cheap enough per changed file.  Sets *listed.
 * 0, or -1 with cause.
 */
int		 repo_listed(struct repo *rp, const char *rel, int *listed,
		    char **cause);

/*
 * Call cb for every path in the index (stage 0 and each conflicted path
 * once, no submodules), in index order, without touching the worktree:
 * a few ms on 100,000 files.  cb returns nonzero to stop early.  path is
 * borrowed for the call only.  0, or -1 with cause (the index cannot be
 * read).  cb must not call repo_* on rp.
 */
int		 repo_index_foreach(struct repo *rp,
		    int (*cb)(const char *path, void *arg), void *arg,
		    char **cause);

/*
 * The .agentosignore matcher alone, for a scan of its own (snapshots):
 * rules read from the .agentosignore files of the directories named.
 * repo_ignore_load reads root/dir/.agentosignore (dir "" is the root) and
 * appends its rules to ri; repo_ignore_match says whether rel (relative to
 * the root) is excluded; isdir: rel is a directory.
 */
struct repo_ignore;
struct repo_ignore *repo_ignore_create(void);
void		 repo_ignore_free(struct repo_ignore *ri);
void		 repo_ignore_load(struct repo_ignore *ri, const char *root,
		    const char *dir);
size_t		 repo_ignore_count(const struct repo_ignore *ri);
int		 repo_ignore_match(const struct repo_ignore *ri,
		    const char *rel, int isdir);

#endif
