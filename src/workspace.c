/* workspace.c: one worktree's session log, snapshots, model and servers. */
#include <malloc.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "agentos.h"
#include "lsp.h"
#include "mcp.h"
#include "mcp-http.h"
#include "repomodel.h"
#include "session.h"
#include "snapshot.h"
#include "repo.h"
#include "options.h"
#include "sandbox.h"
#include "workspace.h"
#include "banned.h"

struct workspace {
	char			*root;
	struct config		*cfg;
	int			 flags;		/* WORKSPACE_* */
	const struct workspace_cb *cb;
	void			*arg;

	struct session		*session;	/* NULL: unrecorded */
	char			*session_id;

	struct snapshot_store	*snaps;
	char			*snaps_error;	/* why snaps is NULL, or
						   refuses */
	int			 snaps_confirm;	/* refused until confirmed */
	char			**snap_ids;	/* taken in this process */
	size_t			 nsnap, asnap;

	struct repo		*repo;		/* NULL: not a repository */
	struct tool_ctx		 ctx;		/* repo, repomodel, lsp */
	int			 lsp_useful;
	int			 lsp_shutdown;
};

static const struct workspace_cb workspace_quiet_cb;

static char	*workspace_new_session_id(void);
static void	 workspace_open_session(struct workspace *, char **);
static void	 workspace_open_snapshots(struct workspace *, int);
static void	 workspace_close_snapshots(struct workspace *);
static void	 workspace_forget_snapshots(struct workspace *);
static void	 workspace_open_sandbox(struct workspace *, int);
static void	 workspace_open_model(struct workspace *);
static void	 workspace_model_progress(void *, size_t, size_t);
static void	 workspace_model_done(void *, const struct repomodel_stats *,
		    const char *);
static int	 workspace_find_lsp_use(struct workspace *);
static int	 workspace_lsp_probe(const char *, void *);
static void	 workspace_lsp_shutdown_done(void *);

/* A sortable, unique session id: 20261122-221459-<6 hex>. */
static char *
workspace_new_session_id(void)
{
	time_t		now = time(NULL);
	struct tm	tm;
	char		ts[32];
	unsigned int	r;

	gmtime_r(&now, &tm);
	strftime(ts, sizeof ts, "%Y%m%d-%H%M%S", &tm);
	r = (unsigned int)(loop_now_ms() ^ (uint64_t)getpid() << 12 ^
	    (uint64_t)random());
	return (xasprintf("%s-%06x", ts, r & 0xffffff));
}

struct workspace *
workspace_open(const char *root, struct config *cfg, int flags,
    const struct workspace_cb *cb, void *arg, char **cause)
{
	struct workspace	*ws = xcalloc(1, sizeof *ws);
	char			*why = NULL;

	ws->root = xstrdup(root);
	ws->cfg = cfg;
	ws->flags = flags;
	ws->cb = cb != NULL ? cb : &workspace_quiet_cb;
	ws->arg = arg;
	ws->ctx.root = ws->root;
	ws->ctx.cfg = cfg;
	if (repo_open(&ws->repo, root, &why) != 0) {
		log_debug("repository: %s", why);
		free(why);
		why = NULL;
	}
	ws->ctx.repo = ws->repo;

	workspace_open_session(ws, &why);
	if (ws->session == NULL && cfg->resume != NULL) {
		*cause = why;
		workspace_close(ws);
		return (NULL);
	}
	free(why);

	/*
	 * Without a snapshot store every mutating tool is refused (fail
	 * closed), but reading and talking still work.
	 */
	workspace_open_snapshots(ws, 0);
	workspace_open_sandbox(ws, cfg->opts != NULL ?
	    cfg->opts->sandbox.profile : SANDBOX_WORKSPACE_WRITE);
	if ((flags & WORKSPACE_NO_LSP) == 0) {
		ws->ctx.lsp = lsp_manager_create(root, cfg);
		ws->lsp_useful = workspace_find_lsp_use(ws);
	}
	if ((flags & WORKSPACE_NO_MCP) == 0)
		ws->ctx.mcp = mcp_manager_create(root, cfg);
	if ((flags & WORKSPACE_NO_MODEL) == 0)
		workspace_open_model(ws);
	return (ws);
}

/*
 * Open the session log: cfg->resume's session, or a new one.  Without a
 * log the workspace is unrecorded under a fresh id; *why says why.
 */
static void
workspace_open_session(struct workspace *ws, char **why)
{
	ws->session = workspace_session_open(ws, ws->cfg->resume, why);
	ws->ctx.session = ws->session;
	if (ws->session == NULL) {
		log_debug("session log unavailable: %s", *why);
		ws->session_id = workspace_new_session_id();
		return;
	}
	ws->session_id = xstrdup(session_id(ws->session));
}

struct session *
workspace_session_open(struct workspace *ws, const char *id, char **cause)
{
	struct session	*s;
	char		*why = NULL;

	if ((s = session_open(ws->root, id, cause)) == NULL)
		return (NULL);
	if (session_configure(s, ws->cfg, &why) != 0) {
		log_debug("session log: %s", why);
		free(why);
	}
	return (s);
}

void
workspace_silence(struct workspace *ws)
{
	ws->cb = &workspace_quiet_cb;
	if (ws->ctx.lsp != NULL)
		lsp_set_change_cb(ws->ctx.lsp, NULL, NULL);
}

void
workspace_close(struct workspace *ws)
{
	if (ws == NULL)
		return;
	workspace_silence(ws);
	workspace_close_snapshots(ws);	/* unhooks the model first */
	if (ws->ctx.repomodel != NULL)
		repomodel_close(ws->ctx.repomodel);
	if (ws->ctx.lsp != NULL) {
		/* Shut the servers down properly: no process outlives us. */
		ws->lsp_shutdown = 0;
		lsp_manager_shutdown(ws->ctx.lsp, workspace_lsp_shutdown_done,
		    ws);
		while (!ws->lsp_shutdown && loop_run() == 0)
			;
		lsp_manager_free(ws->ctx.lsp);
	}
	/* MCP servers: their groups are killed (mcp_manager_free). */
	mcp_manager_free(ws->ctx.mcp);
	ws->ctx.mcp = NULL;
	/* The DELETEs that end HTTP servers' sessions, 1 s at most. */
	mcp_http_drain(1000);
	workspace_forget_snapshots(ws);
	free(ws->snap_ids);
	session_close(ws->session);
	sandbox_free(ws->ctx.sandbox);
	repo_free(ws->repo);
	free(ws->snaps_error);
	free(ws->session_id);
	free(ws->root);
	free(ws);
}

static void
workspace_lsp_shutdown_done(void *arg)
{
	struct workspace	*ws = arg;

	ws->lsp_shutdown = 1;
	loop_exit();
}

/*
 * The session's sandbox for the bash tool, under profile (enum
 * sandbox_profile) and the sandbox.* options.  When it cannot be made (the
 * private tmp directory) or nothing can enforce it, the user is told; the
 * toolrun sandbox stage then asks before every command.
 */
/*
 * Fill sc and gitdirs (3 slots, NULL-terminated) for a sandbox of this
 * workspace under profile and the sandbox.* options; the strings are
 * borrowed from ws and its options.
 */
static void
workspace_sandbox_config(struct workspace *ws, int profile,
    struct sandbox_config *sc, const char **gitdirs)
{
	const struct options	*o = ws->cfg->opts;
	size_t			 n = 0;

	memset(sc, 0, sizeof *sc);
	sc->profile = (enum sandbox_profile)profile;
	sc->mechanism = "auto";
	sc->session = ws->session_id;
	if (o != NULL) {
		sc->mechanism =
		    sandbox_mechanism_names[o->sandbox.mechanism];
		sc->network = o->sandbox.network;
		sc->writable_roots =
		    (const char *const *)o->sandbox.writable_roots.v;
		sc->keep_env = (const char *const *)o->sandbox.keep_env.v;
	}
	gitdirs[0] = gitdirs[1] = gitdirs[2] = NULL;
	if (ws->repo != NULL) {
		if (repo_git_dir(ws->repo) != NULL)
			gitdirs[n++] = repo_git_dir(ws->repo);
		if (repo_common_dir(ws->repo) != NULL)
			gitdirs[n++] = repo_common_dir(ws->repo);
	}
}

/*
 * The session's sandbox for the bash tool, under profile (enum
 * sandbox_profile) and the sandbox.* options.  When it cannot be made (the
 * private tmp directory) or nothing can enforce it, the user is told; the
 * toolrun sandbox stage then asks before every command.
 */
static void
workspace_open_sandbox(struct workspace *ws, int profile)
{
	struct sandbox_config	 sc;
	const char		*gitdirs[3];
	char			*cause = NULL, *text;

	workspace_sandbox_config(ws, profile, &sc, gitdirs);
	ws->ctx.sandbox = sandbox_create(&sc, ws->root, gitdirs, &cause);
	if (ws->ctx.sandbox == NULL) {
		log_debug("sandbox: %s", cause);
		text = xasprintf("no sandbox can be enforced here (%s): every "
		    "command needs approval", cause);
		free(cause);
	} else if (profile != SANDBOX_OFF &&
	    !sandbox_enforced(ws->ctx.sandbox))
		text = xstrdup("no sandbox can be enforced here (bubblewrap "
		    "is missing or refused and Landlock is not offered, or "
		    "sandbox.mechanism is none): commands run unsandboxed, "
		    "and every command needs approval");
	else
		return;
	if (ws->cb->notice != NULL)
		ws->cb->notice(ws->arg, text);
	free(text);
}

struct sandbox *
workspace_sandbox_with_network(struct workspace *ws, char **cause)
{
	struct sandbox_config	 sc;
	const char		*gitdirs[3];
	struct sandbox		*sb;

	if (ws->ctx.sandbox == NULL || !sandbox_enforced(ws->ctx.sandbox)) {
		*cause = xstrdup("no sandbox is enforced");
		return (NULL);
	}
	workspace_sandbox_config(ws, sandbox_profile(ws->ctx.sandbox), &sc,
	    gitdirs);
	sc.tmpdir = sandbox_tmpdir(ws->ctx.sandbox);
	sc.network = 1;
	if ((sb = sandbox_create(&sc, ws->root, gitdirs, cause)) == NULL)
		return (NULL);
	if (!sandbox_enforced(sb)) {
		sandbox_free(sb);
		*cause = xstrdup("the sandbox cannot be enforced");
		return (NULL);
	}
	return (sb);
}

int
workspace_set_sandbox(struct workspace *ws, int profile)
{
	sandbox_free(ws->ctx.sandbox);
	ws->ctx.sandbox = NULL;
	workspace_open_sandbox(ws, profile);
	return (ws->ctx.sandbox != NULL &&
	    (profile == SANDBOX_OFF || sandbox_enforced(ws->ctx.sandbox)) ?
	    0 : -1);
}

struct sandbox *
workspace_sandbox(struct workspace *ws)
{
	return (ws->ctx.sandbox);
}

int
workspace_sandboxed(struct workspace *ws)
{
	if (ws->ctx.sandbox == NULL)
		return (0);
	if (sandbox_profile(ws->ctx.sandbox) == SANDBOX_OFF)
		return (1);
	return (sandbox_enforced(ws->ctx.sandbox));
}

const char *
workspace_root(struct workspace *ws)
{
	return (ws->root);
}

struct config *
workspace_config(struct workspace *ws)
{
	return (ws->cfg);
}

struct tool_ctx *
workspace_tool_ctx(struct workspace *ws)
{
	return (&ws->ctx);
}

struct session *
workspace_session(struct workspace *ws)
{
	return (ws->session);
}

const char *
workspace_session_id(struct workspace *ws)
{
	return (ws->session_id);
}

void
workspace_set_session(struct workspace *ws, struct session *s)
{
	session_close(ws->session);
	ws->session = s;
	ws->ctx.session = s;
	free(ws->session_id);
	ws->session_id = s != NULL ? xstrdup(session_id(s)) :
	    workspace_new_session_id();
	/* The new session's snapshots go under its own id. */
	workspace_open_snapshots(ws, 0);
	workspace_forget_snapshots(ws);
}

/* Close the snapshot store, unhooking the model from its watcher. */
static void
workspace_close_snapshots(struct workspace *ws)
{
	struct watch	*w;

	if (ws->snaps == NULL)
		return;
	if (ws->ctx.repomodel != NULL &&
	    (w = snapshot_watch(ws->snaps)) != NULL)
		watch_unsubscribe(w, repomodel_watch_changed,
		    ws->ctx.repomodel);
	snapshot_close(ws->snaps);
	ws->snaps = NULL;
}

/* Forget the snapshot ids taken in this process. */
static void
workspace_forget_snapshots(struct workspace *ws)
{
	size_t	i;

	for (i = 0; i < ws->nsnap; i++)
		free(ws->snap_ids[i]);
	ws->nsnap = 0;
}

/*
 * (Re)open the snapshot store of the session.  A store refused only for
 * want of confirmation (a home directory, a huge tree) is remembered, so
 * the front end can ask and call workspace_confirm_snapshots().
 */
static void
workspace_open_snapshots(struct workspace *ws, int confirmed)
{
	struct snapshot_options	 opts;
	struct snapshot_store	*probe;
	struct watch		*w;
	char			*why = NULL, *desc = NULL, *why2 = NULL;

	workspace_close_snapshots(ws);
	free(ws->snaps_error);
	ws->snaps_error = NULL;
	ws->snaps_confirm = 0;

	snapshot_options_init(&opts, ws->cfg);
	if (confirmed)
		opts.flags |= SNAPSHOT_CONFIRMED;
	ws->snaps = snapshot_open_opts(ws->root, ws->session_id, &opts, &why);
	if (ws->snaps == NULL) {
		ws->snaps_error = why;
		log_debug("snapshots unavailable: %s", why);
		if (!confirmed) {
			/* Would a confirmation do?  Only then ask for one. */
			opts.flags |= SNAPSHOT_CONFIRMED;
			probe = snapshot_open_opts(ws->root, ws->session_id,
			    &opts, &why2);
			if (probe != NULL) {
				snapshot_close(probe);
				ws->snaps_confirm = 1;
			}
			free(why2);
		}
		return;
	}
	if (snapshot_pending(ws->snaps, &desc)) {
		/*
		 * A killed rewind left the worktree between two states; the
		 * engine refuses snapshots until the user decides.
		 */
		ws->snaps_error = xasprintf("an interrupted rewind must be "
		    "finished or rolled back first (%s): run 'agentos rewind "
		    "--continue' or 'agentos rewind --abort'", desc != NULL ?
		    desc : "restore journal present");
		free(desc);
	}
	if (ws->ctx.repomodel != NULL &&
	    (w = snapshot_watch(ws->snaps)) != NULL)
		watch_subscribe(w, repomodel_watch_changed, ws->ctx.repomodel);
}

struct snapshot_store *
workspace_snapshots(struct workspace *ws)
{
	return (ws->snaps);
}

const char *
workspace_snapshots_error(struct workspace *ws)
{
	return (ws->snaps_error);
}

const char *
workspace_snapshots_unconfirmed(struct workspace *ws)
{
	return (ws->snaps_confirm ? ws->snaps_error : NULL);
}

int
workspace_confirm_snapshots(struct workspace *ws, char **cause)
{
	workspace_open_snapshots(ws, 1);
	if (ws->snaps == NULL) {
		*cause = xstrdup(ws->snaps_error);
		return (-1);
	}
	return (0);
}

int
workspace_snapshot(struct workspace *ws, const char *action,
    const char *tool, int turn, const char *const *paths, size_t npaths,
    char **id, char **commit, char **cause)
{
	char	*why = NULL;

	*id = *commit = NULL;
	if (ws->snaps == NULL) {
		*cause = xstrdup(ws->snaps_error != NULL ? ws->snaps_error :
		    "no snapshot store");
		return (-1);
	}
	if (snapshot_take(ws->snaps, action, tool, turn, paths, npaths, id,
	    cause) != 0)
		return (-1);
	ALLOC_GROW(ws->snap_ids, ws->nsnap + 1, ws->asnap);
	ws->snap_ids[ws->nsnap++] = xstrdup(*id);
	/* The commit id stays valid whatever happens to the numbering. */
	*commit = snapshot_resolve(ws->snaps, NULL, *id, &why);
	free(why);
	return (0);
}

void
workspace_snapshot_done(struct workspace *ws)
{
	char	*cause = NULL;

	if (ws->snaps != NULL && snapshot_done(ws->snaps, &cause) != 0) {
		log_debug("snapshot_done: %s", cause);
		free(cause);
	}
}

const char *const *
workspace_snapshot_ids(struct workspace *ws, size_t *n)
{
	*n = ws->nsnap;
	return ((const char *const *)ws->snap_ids);
}

struct repomodel *
workspace_repomodel(struct workspace *ws)
{
	return (ws->ctx.repomodel);
}

struct mcp_manager *
workspace_mcp(struct workspace *ws)
{
	return (ws->ctx.mcp);
}

struct lsp_manager *
workspace_lsp(struct workspace *ws)
{
	return (ws->ctx.lsp);
}

int
workspace_lsp_useful(struct workspace *ws)
{
	return (ws->lsp_useful);
}

/*
 * Open the repository model and build it off the loop.  Without it the
 * agent still works: the lookup tools say the model is unavailable.
 */
static void
workspace_open_model(struct workspace *ws)
{
	struct repomodel_config	 rc;
	struct watch		*w;
	char			*cause = NULL;

	repomodel_config_default(&rc);
	if (ws->cfg->map_tokens > 0)
		rc.map_tokens = ws->cfg->map_tokens;
	ws->ctx.repomodel = repomodel_open(ws->root, &rc, &cause);
	if (ws->ctx.repomodel == NULL) {
		log_debug("repository model unavailable: %s", cause);
		free(cause);
		return;
	}
	if (ws->snaps != NULL && (w = snapshot_watch(ws->snaps)) != NULL)
		watch_subscribe(w, repomodel_watch_changed, ws->ctx.repomodel);
	if (ws->flags & WORKSPACE_HEADLESS) {
		/* One run, one prompt: build now so the map is in it. */
		if (repomodel_build(ws->ctx.repomodel, NULL, &cause) != 0) {
			log_debug("repository model: %s", cause);
			free(cause);
		}
		malloc_trim(0);
		return;
	}
	if (repomodel_build_async(ws->ctx.repomodel, workspace_model_progress,
	    workspace_model_done, ws, &cause) != 0) {
		log_debug("repository model: %s", cause);
		free(cause);
	}
}

static void
workspace_model_progress(void *arg, size_t done, size_t total)
{
	struct workspace	*ws = arg;

	if (ws->cb->progress != NULL)
		ws->cb->progress(ws->arg, "indexing", done, total);
}

static void
workspace_model_done(void *arg, const struct repomodel_stats *st,
    const char *error)
{
	struct workspace	*ws = arg;
	char			*text;

	if (ws->cb->progress != NULL)
		ws->cb->progress(ws->arg, "indexing", 0, 0);
	if (error != NULL) {
		text = xasprintf("The repository model could not be built: %s",
		    error);
		if (ws->cb->notice != NULL)
			ws->cb->notice(ws->arg, text);
		free(text);
		return;
	}
	/*
	 * The parser threads' malloc arenas hold freed parse trees: give the
	 * pages back, so an idle agentos stays small.
	 */
	malloc_trim(0);
	if (ws->cb->model_ready != NULL)
		ws->cb->model_ready(ws->arg);
}

/* What workspace_find_lsp_use() has seen of the index so far. */
struct workspace_lsp_probe {
	struct workspace	*ws;
	char			*seen[64];	/* extensions tried */
	size_t			 nseen;
	int			 useful;
};

/* One index path: try a server for its extension, once per extension. */
static int
workspace_lsp_probe(const char *path, void *arg)
{
	struct workspace_lsp_probe	*pr = arg;
	const char			*dot;
	char				*probe;
	size_t				 i;

	if ((dot = strrchr(path, '.')) == NULL || strchr(dot, '/') != NULL)
		return (0);
	for (i = 0; i < pr->nseen; i++) {
		if (strcmp(pr->seen[i], dot) == 0)
			return (0);
	}
	pr->seen[pr->nseen++] = xstrdup(dot);
	probe = xasprintf("%s/%s", pr->ws->root, path);
	pr->useful = lsp_server_for(pr->ws->ctx.lsp, probe) != NULL;
	free(probe);
	return (pr->useful || pr->nseen == 64);
}

/*
 * Whether a language server on PATH handles any file git tracks here.
 * Reads the index's paths, not the files: a few ms on 100,000 files.
 */
static int
workspace_find_lsp_use(struct workspace *ws)
{
	struct workspace_lsp_probe	 pr;
	char				*cause = NULL;
	size_t				 i;

	if (ws->ctx.lsp == NULL || ws->repo == NULL)
		return (0);
	memset(&pr, 0, sizeof pr);
	pr.ws = ws;
	if (repo_index_foreach(ws->repo, workspace_lsp_probe, &pr,
	    &cause) != 0) {
		log_debug("lsp: %s", cause);
		free(cause);
	}
	for (i = 0; i < pr.nseen; i++)
		free(pr.seen[i]);
	return (pr.useful);
}
