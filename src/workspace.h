/*
 * workspace.h: one worktree's stores, opened and wired once.
 *
 * A workspace is what an agent works in: one worktree (its root), the
 * session log the conversation is recorded in, the snapshot store of that
 * session and its inotify watcher, the repository model (kept current by
 * the watcher) and the language servers.  The agent holds a workspace; the
 * front ends ask the workspace for its stores.  Several workspaces may live
 * in one process and one loop (a subagent in a git worktree has its own):
 * nothing here is global.
 */
#ifndef WORKSPACE_H
#define WORKSPACE_H

#include <stddef.h>

struct config;
struct lsp_manager;
struct repomodel;
struct session;
struct sandbox;
struct snapshot_store;
struct tool_ctx;
struct workspace;

/* What a workspace tells its owner (all from the loop; each may be NULL). */
struct workspace_cb {
	/*
	 * Background work (what: "indexing") has done of total items; total
	 * 0 means it finished.
	 */
	void	(*progress)(void *arg, const char *what, size_t done,
		    size_t total);
	/* Something the user should read (a failed build of the model). */
	void	(*notice)(void *arg, const char *text);
	/* The repository model was built: the map can join the prompt. */
	void	(*model_ready)(void *arg);
};

#define WORKSPACE_HEADLESS	0x1	/* build the model now, in the call
					   (one run, one prompt) */
#define WORKSPACE_NO_MODEL	0x2	/* no repository model */
#define WORKSPACE_NO_LSP	0x4	/* no language servers */
#define WORKSPACE_NO_MCP	0x8	/* no MCP servers */

/*
 * Open the workspace of the worktree at root (absolute, copied) with cfg
 * (borrowed; must outlive the workspace).  The session log is opened: with
 * cfg->resume that session (its conversation is the caller's to load), else
 * a new one; without a log (the database cannot be opened) the workspace is
 * unrecorded under a fresh id.  Then the snapshot store of the session, the
 * language server manager and the repository model (built off the loop, or
 * at once with WORKSPACE_HEADLESS).  Only a failed resume is an error: NULL
 * with cause.  Without a snapshot store the workspace still opens
 * (workspace_snapshots() is NULL and says why).  cb and arg are kept.
 */
struct workspace *workspace_open(const char *root, struct config *cfg,
	    int flags, const struct workspace_cb *cb, void *arg,
	    char **cause);
/*
 * Close everything: the model (after its build stops), the snapshot store,
 * the language servers (shut down properly, waiting in the loop for them),
 * the session log.  Nothing is reported to the owner any more.
 */
void	 workspace_close(struct workspace *ws);
/* Report nothing more to the owner (it is going away). */
void	 workspace_silence(struct workspace *ws);

/* The worktree root (absolute; borrowed). */
const char *workspace_root(struct workspace *ws);
/* The configuration (borrowed). */
struct config *workspace_config(struct workspace *ws);
/* What tools may use (root, model, language servers); borrowed. */
struct tool_ctx *workspace_tool_ctx(struct workspace *ws);
/*
 * The session's sandbox for the commands the model runs (sandbox.h),
 * borrowed; NULL when it could not be made (the private tmp directory).
 */
struct sandbox *workspace_sandbox(struct workspace *ws);
/*
 * Nonzero when commands run as the profile says: profile off, or a
 * profile some mechanism enforces.  Zero means the toolrun sandbox stage
 * asks before every command ("no sandbox can be enforced here").
 */
int	 workspace_sandboxed(struct workspace *ws);
/*
 * Replace the sandbox with one of profile (enum sandbox_profile), for
 * /sandbox.  0, or -1 when the new profile cannot be enforced (a notice
 * said why; commands then need approval).
 */
int	 workspace_set_sandbox(struct workspace *ws, int profile);
/*
 * A sandbox like the session's, with the network, sharing its private /tmp:
 * for one rerun the user approved (toolrun.h).  The caller frees it with
 * sandbox_free().  NULL with cause when no sandbox is enforced now.
 */
struct sandbox *workspace_sandbox_with_network(struct workspace *ws,
	    char **cause);

/* The session log (NULL: the session is unrecorded); borrowed. */
struct session *workspace_session(struct workspace *ws);
/* The session id (recorded or not); borrowed. */
const char *workspace_session_id(struct workspace *ws);
/*
 * Open session id of this worktree's log as session_open() does (NULL: a
 * new one; "": the most recent; else an id or a unique prefix) and apply
 * the configuration to it, without making it the workspace's session; the
 * caller owns it.  NULL with cause.
 */
struct session *workspace_session_open(struct workspace *ws, const char *id,
	    char **cause);
/*
 * Go on in session s (taken; NULL: unrecorded, under a fresh id): the old
 * log is closed, the snapshot store reopened under the new id, and the list
 * of snapshots taken in this process starts empty.
 */
void	 workspace_set_session(struct workspace *ws, struct session *s);

/*
 * The snapshot store of the session, or NULL when snapshots are off; then
 * workspace_snapshots_error() says why (borrowed).  A store that exists but
 * refuses snapshots (an interrupted restore) also has an error.
 */
struct snapshot_store *workspace_snapshots(struct workspace *ws);
const char *workspace_snapshots_error(struct workspace *ws);
/*
 * Why snapshots are off when only the user's confirmation would turn them
 * on (a home directory, a tree over snapshots.max_tree_files), else NULL;
 * borrowed.  workspace_confirm_snapshots() opens the store anyway: 0, or
 * -1 with cause.
 */
const char *workspace_snapshots_unconfirmed(struct workspace *ws);
int	 workspace_confirm_snapshots(struct workspace *ws, char **cause);
/*
 * Snapshot the worktree before a mutating action (snapshot_take(): action,
 * tool and turn go in the commit message; paths name files about to be
 * written) and remember it among this process's snapshots.  *id is the
 * snapshot id and *commit its commit id (hex, or NULL when it cannot be
 * looked up); the caller frees both.  -1 with cause: the action must not
 * go on (fail closed), also when snapshots are off.
 */
int	 workspace_snapshot(struct workspace *ws, const char *action,
	    const char *tool, int turn, const char *const *paths,
	    size_t npaths, char **id, char **commit, char **cause);
/*
 * The mutating action after the last workspace_snapshot() finished (see
 * snapshot_done()); failures are logged.
 */
void	 workspace_snapshot_done(struct workspace *ws);
/* Snapshot ids taken in this process for this session, oldest first. */
const char *const *workspace_snapshot_ids(struct workspace *ws, size_t *n);

/*
 * The MCP servers (mcp.h), started in the background at open; NULL with
 * WORKSPACE_NO_MCP.  Borrowed.
 */
struct mcp_manager *workspace_mcp(struct workspace *ws);

/* The repository model, or NULL when it could not be opened; borrowed. */
struct repomodel *workspace_repomodel(struct workspace *ws);
/* The language servers, or NULL when off; borrowed. */
struct lsp_manager *workspace_lsp(struct workspace *ws);
/*
 * Nonzero when a language server on PATH handles some file git tracks
 * here: only then are the lsp_* tools offered (their definitions cost
 * every request).
 */
int	 workspace_lsp_useful(struct workspace *ws);

#endif
