/*
 * lsp.c: the language server manager.  It starts servers lazily per
 * (root, server) from the configuration (lsp-conf.c), sends the requests
 * the tools make (hover, definition, references, rename, symbols), reports
 * status and stops every server at exit.  One server's process and
 * protocol are in lsp-server.c, document sync and diagnostics in
 * lsp-sync.c; the structures they share in lsp-private.h.
 *
 * Protocol: LSP 3.17 (microsoft.github.io/language-server-protocol/
 * specifications/lsp/3.17/specification/), JSON-RPC 2.0 through jsonrpc.c
 * with the Content-Length framing of lsp-framing.c.
 */
#include <sys/types.h>
#include <sys/queue.h>
#include <sys/stat.h>

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "lsp-private.h"
#include "options.h"
#include "banned.h"

#define LSP_MAX_FILE		(8 * 1024 * 1024)

static void	lsp_change_fire(void *);
static int	lsp_read_file(const char *, char **, size_t *);
static void	lsp_shutdown_force(void *);
static void	lsp_shutdown_reply(struct lsp_req *, json_t *,
		    const char *);
static json_t	*lsp_position(struct lsp_doc *, int, int, int);

/* ------------------------------------------------------------------------ */
/* Names and small helpers */

const char *
lsp_state_name(enum lsp_state s)
{
	switch (s) {
	case LSP_STARTING:
		return ("starting");
	case LSP_READY:
		return ("ready");
	case LSP_INDEXING:
		return ("indexing");
	case LSP_RESTARTING:
		return ("restarting");
	case LSP_BROKEN:
		return ("broken");
	case LSP_STOPPED:
		return ("stopped");
	}
	return ("unknown");
}

/* Tell the UI something changed, at most every 100 ms. */
void
lsp_changed(struct lsp_manager *m)
{
	if (m->change_cb == NULL || m->change_timer != NULL)
		return;
	m->change_timer = loop_timer_add(100, lsp_change_fire, m);
}

/* Run the change callback. */
static void
lsp_change_fire(void *arg)
{
	struct lsp_manager	*m = arg;

	m->change_timer = NULL;
	if (m->change_cb != NULL)
		m->change_cb(m->change_arg);
}

void
lsp_manager_stats(struct lsp_manager *m, struct lsp_stats *st)
{
	st->send_ns = m->rpc_stats.send_ns;
	st->sends = m->rpc_stats.sends;
	st->recv_ns = m->rpc_stats.recv_ns;
	st->recv_max_ns = m->rpc_stats.recv_max_ns;
	st->reads = m->rpc_stats.reads;
	st->messages = m->rpc_stats.messages;
}

/* Read a whole regular file of at most LSP_MAX_FILE bytes. */
static int
lsp_read_file(const char *path, char **out, size_t *outlen)
{
	struct buf	 b = BUF_INIT;
	char		 tmp[65536];
	ssize_t		 n;
	int		 fd;

	if ((fd = open(path, O_RDONLY | O_CLOEXEC)) == -1)
		return (-1);
	for (;;) {
		n = read(fd, tmp, sizeof tmp);
		if (n == -1 && errno == EINTR)
			continue;
		if (n <= 0)
			break;
		buf_add(&b, tmp, n);
		if (b.len > LSP_MAX_FILE) {
			n = -1;
			break;
		}
	}
	close(fd);
	if (n < 0) {
		buf_release(&b);
		return (-1);
	}
	*out = buf_detach(&b, outlen);
	return (0);
}

/* ------------------------------------------------------------------------ */
/* The manager */

struct lsp_manager *
lsp_manager_create(const char *root, const struct config *cfg)
{
	struct lsp_manager	*m = xcalloc(1, sizeof *m);
	char			*cause = NULL;
	struct sigaction	 sa;

	/*
	 * A write to a server that just died must fail with EPIPE, not kill
	 * agentos: ignore SIGPIPE unless someone already handles it.
	 */
	if (sigaction(SIGPIPE, NULL, &sa) == 0 && sa.sa_handler == SIG_DFL)
		signal(SIGPIPE, SIG_IGN);

	m->root = xstrdup(root);
	if (cfg != NULL && cfg->opts != NULL)
		m->keep_env = (const char *const *)
		    cfg->opts->sandbox.keep_env.v;
	TAILQ_INIT(&m->servers);
	TAILQ_INIT(&m->waits);
	if (lsp_conf_load(cfg, &m->confs, &m->nconfs, &m->opts,
	    &cause) != 0) {
		/* A bad "lsp" key disables the client and says why. */
		m->conf_error = cause;
		m->opts.enabled = 0;
		log_debug("lsp: %s", cause);
	}
	m->rpc_opts.max_message = m->opts.max_message;
	m->rpc_opts.max_queued = m->opts.max_queued;
	m->rpc_opts.stats = &m->rpc_stats;
	m->found = xcalloc(m->nconfs + 1, sizeof *m->found);
	m->looked = xcalloc(m->nconfs + 1, sizeof *m->looked);
	return (m);
}

const struct lsp_options *
lsp_manager_options(struct lsp_manager *m)
{
	return (&m->opts);
}

void
lsp_set_change_cb(struct lsp_manager *m, void (*cb)(void *), void *arg)
{
	m->change_cb = cb;
	m->change_arg = arg;
}

/* The configuration that handles path, or NULL; sets *idx. */
static const struct lsp_server_conf *
lsp_conf_for(struct lsp_manager *m, const char *path, size_t *idx)
{
	const char	*dot, *slash;
	size_t		 i, j;

	if (!m->opts.enabled)
		return (NULL);
	dot = strrchr(path, '.');
	slash = strrchr(path, '/');
	if (dot == NULL || (slash != NULL && dot < slash))
		return (NULL);
	for (i = 0; i < m->nconfs; i++) {
		if (m->confs[i].disabled)
			continue;
		for (j = 0; j < m->confs[i].nextensions; j++) {
			if (strcasecmp(dot + 1, m->confs[i].extensions[j]) != 0)
				continue;
			if (!m->looked[i]) {
				m->found[i] = lsp_which(m->confs[i].argv[0]);
				m->looked[i] = 1;
			}
			if (m->found[i] == NULL)
				break;
			*idx = i;
			return (&m->confs[i]);
		}
	}
	return (NULL);
}

/* The root for path: the nearest directory with a marker, else m->root. */
static char *
lsp_find_root(struct lsp_manager *m, const struct lsp_server_conf *c,
    const char *path)
{
	char		*dir, *slash, *try;
	size_t		 i, rootlen = strlen(m->root);
	struct stat	 sb;
	int		 inside;

	inside = strncmp(path, m->root, rootlen) == 0 &&
	    (path[rootlen] == '/' || path[rootlen] == '\0');
	dir = xstrdup(path);
	for (;;) {
		if ((slash = strrchr(dir, '/')) == NULL)
			break;
		if (slash == dir)
			slash[1] = '\0';
		else
			*slash = '\0';
		for (i = 0; i < c->nmarkers; i++) {
			try = xasprintf("%s/%s", strcmp(dir, "/") == 0 ? "" :
			    dir, c->markers[i]);
			if (stat(try, &sb) == 0) {
				free(try);
				return (dir);
			}
			free(try);
		}
		if (strcmp(dir, "/") == 0 || (inside &&
		    strlen(dir) <= rootlen))
			break;
		if (!inside)
			break;
	}
	free(dir);
	return (xstrdup(m->root));
}

const char *
lsp_server_for(struct lsp_manager *m, const char *abs_path)
{
	const struct lsp_server_conf	*c;
	struct lsp_server		*s;
	size_t				 idx;
	char				*root;

	if ((c = lsp_conf_for(m, abs_path, &idx)) == NULL)
		return (NULL);
	root = lsp_find_root(m, c, abs_path);
	TAILQ_FOREACH(s, &m->servers, entry) {
		if (s->conf == c && strcmp(s->root, root) == 0 &&
		    s->state == LSP_BROKEN) {
			free(root);
			return (NULL);
		}
	}
	free(root);
	return (c->name);
}

/*
 * The server for path, started if needed (when start is set).  NULL with
 * cause when no server is configured and found, or it is broken.
 */
struct lsp_server *
lsp_server_get(struct lsp_manager *m, const char *path, int start,
    char **cause)
{
	const struct lsp_server_conf	*c;
	struct lsp_server		*s;
	size_t				 idx;
	char				*root;

	if (m->shutting_down) {
		*cause = xasprintf("language servers are shutting down");
		return (NULL);
	}
	if ((c = lsp_conf_for(m, path, &idx)) == NULL) {
		if (m->conf_error != NULL)
			*cause = xasprintf("language servers disabled: %s",
			    m->conf_error);
		else
			*cause = xasprintf("no language server for %s "
			    "(none configured for %s files, or its binary "
			    "is not on PATH)", path, lsp_language_id(path));
		return (NULL);
	}
	root = lsp_find_root(m, c, path);
	TAILQ_FOREACH(s, &m->servers, entry) {
		if (s->conf == c && strcmp(s->root, root) == 0)
			break;
	}
	if (s != NULL) {
		free(root);
		if (s->state == LSP_BROKEN) {
			*cause = xasprintf("%s is broken for %s: %s", c->name,
			    s->root, s->error != NULL ? s->error : "failed");
			return (NULL);
		}
		if (s->state == LSP_STOPPED && start) {
			s->failures = 0;
			if (lsp_server_spawn(s, cause) != 0)
				return (NULL);
		}
		return (s);
	}
	if (!start) {
		free(root);
		*cause = xasprintf("%s is not running", c->name);
		return (NULL);
	}
	s = xcalloc(1, sizeof *s);
	s->m = m;
	s->conf = c;
	s->root = root;
	s->root_uri = lsp_uri_from_path(root);
	s->err_fd = -1;
	s->state = LSP_STOPPED;
	s->tokens = json_object();
	TAILQ_INIT(&s->reqs);
	TAILQ_INIT(&s->docs);
	TAILQ_INIT(&s->diags);
	TAILQ_INSERT_TAIL(&m->servers, s, entry);
	if (lsp_server_spawn(s, cause) != 0) {
		/* Keep it, broken, so status shows why. */
		s->state = LSP_BROKEN;
		s->error = xstrdup(*cause);
		lsp_changed(m);
		return (NULL);
	}
	return (s);
}

/* ------------------------------------------------------------------------ */
/* Requests for tools */

/* A Position for 1-based line and byte column in d's text. */
static json_t *
lsp_position(struct lsp_doc *d, int line, int col, int utf8)
{
	const char	*p = d->text, *nl;
	int		 i;
	size_t		 llen;

	for (i = 1; i < line && p != NULL; i++) {
		nl = memchr(p, '\n', d->len - (p - d->text));
		p = nl != NULL ? nl + 1 : NULL;
	}
	if (p == NULL)
		return (json_pack("{s:i,s:i}", "line", line - 1, "character",
		    col > 0 ? col - 1 : 0));
	nl = memchr(p, '\n', d->len - (p - d->text));
	llen = nl != NULL ? (size_t)(nl - p) : d->len - (p - d->text);
	return (json_pack("{s:i,s:I}", "line", line - 1, "character",
	    (json_int_t)lsp_col_to_server(p, llen,
	    col > 0 ? (size_t)col - 1 : 0, utf8)));
}

struct lsp_req *
lsp_file_request(struct lsp_manager *m, const char *abs_path,
    const char *method, int line, int col, json_t *extra, lsp_req_cb cb,
    void *arg, char **cause)
{
	struct lsp_server	*s;
	struct lsp_doc		*d;
	struct lsp_req		*r;
	char			*text;
	size_t			 len;
	json_t			*params;

	if ((s = lsp_server_get(m, abs_path, 1, cause)) == NULL)
		return (NULL);
	if (lsp_read_file(abs_path, &text, &len) != 0) {
		*cause = xasprintf("%s: %s", abs_path, strerror(errno));
		return (NULL);
	}
	d = lsp_doc_sync(s, abs_path, text, len, 0);
	free(text);
	params = json_pack("{s:{s:s}}", "textDocument", "uri", d->uri);
	if (line > 0)
		json_object_set_new(params, "position",
		    lsp_position(d, line, col, s->utf8));
	if (extra != NULL)
		json_object_update(params, extra);
	r = lsp_req_new(s, method, params, m->opts.request_timeout_ms +
	    (s->state == LSP_STARTING ? m->opts.init_timeout_ms : 0));
	r->fn = lsp_req_user_fn;
	r->cb = cb;
	r->arg = arg;
	if (s->state == LSP_READY || s->state == LSP_INDEXING)
		lsp_req_send(r);
	return (r);
}

struct lsp_req *
lsp_workspace_request(struct lsp_manager *m, const char *method,
    json_t *params, lsp_req_cb cb, void *arg, char **cause)
{
	struct lsp_server	*s, *pick = NULL;
	struct lsp_req		*r;
	size_t			 i, j;
	char			*try;
	struct stat		 sb;

	TAILQ_FOREACH(s, &m->servers, entry) {
		if (s->state == LSP_READY || s->state == LSP_INDEXING) {
			pick = s;
			break;
		}
		if (pick == NULL && (s->state == LSP_STARTING ||
		    s->state == LSP_RESTARTING))
			pick = s;
	}
	if (pick == NULL && m->opts.enabled) {
		/* Start the first server whose marker is at the root. */
		for (i = 0; i < m->nconfs && pick == NULL; i++) {
			if (m->confs[i].disabled ||
			    m->confs[i].nextensions == 0)
				continue;
			for (j = 0; j < m->confs[i].nmarkers; j++) {
				try = xasprintf("%s/%s", m->root,
				    m->confs[i].markers[j]);
				if (stat(try, &sb) != 0) {
					free(try);
					continue;
				}
				free(try);
				try = xasprintf("%s/x.%s", m->root,
				    m->confs[i].extensions[0]);
				pick = lsp_server_get(m, try, 1, cause);
				free(try);
				if (pick == NULL) {
					free(*cause);
					*cause = NULL;
				}
				break;
			}
		}
	}
	if (pick == NULL) {
		*cause = xasprintf("no language server is running for this "
		    "repository (none configured, found or started yet)");
		return (NULL);
	}
	r = lsp_req_new(pick, method, json_incref(params),
	    m->opts.request_timeout_ms + (pick->state != LSP_READY ?
	    m->opts.init_timeout_ms : 0));
	r->fn = lsp_req_user_fn;
	r->cb = cb;
	r->arg = arg;
	if (pick->state == LSP_READY || pick->state == LSP_INDEXING)
		lsp_req_send(r);
	return (r);
}

/* Completion of the synchronous rename. */
struct lsp_sync {
	int	 done;
	json_t	*result;
	char	*error;
};

static void
lsp_sync_fn(struct lsp_req *r, json_t *result, const char *error)
{
	struct lsp_sync	*sy = r->priv;

	sy->done = 1;
	if (error != NULL)
		sy->error = xstrdup(error);
	else
		sy->result = json_incref(result);
}

json_t *
lsp_rename_sync(struct lsp_manager *m, const char *abs_path, int line,
    int col, const char *new_name, unsigned int timeout_ms, int *utf8,
    char **cause)
{
	struct lsp_server	*s;
	struct lsp_doc		*d;
	struct lsp_req		*r;
	struct lsp_sync		 sy = { 0, NULL, NULL };
	struct pollfd		 pfd[3];
	char			*text;
	size_t			 len;
	uint64_t		 end = loop_now_ms() + timeout_ms, now;
	int			 n;

	if ((s = lsp_server_get(m, abs_path, 1, cause)) == NULL)
		return (NULL);
	if (lsp_read_file(abs_path, &text, &len) != 0) {
		*cause = xasprintf("%s: %s", abs_path, strerror(errno));
		return (NULL);
	}
	d = lsp_doc_sync(s, abs_path, text, len, 0);
	free(text);
	r = lsp_req_new(s, "textDocument/rename", json_pack(
	    "{s:{s:s},s:o,s:s}", "textDocument", "uri", d->uri, "position",
	    lsp_position(d, line, col, s->utf8), "newName", new_name), 0);
	r->fn = lsp_sync_fn;
	r->priv = &sy;
	if (s->state == LSP_READY || s->state == LSP_INDEXING)
		lsp_req_send(r);

	/*
	 * Drive only this server's pipes (initialize included) until the
	 * answer comes; the loop is not re-entered.
	 */
	while (!sy.done && !s->failing && s->rpc != NULL &&
	    jsonrpc_fd(s->rpc, 0) != -1 && (now = loop_now_ms()) < end) {
		pfd[0].fd = jsonrpc_fd(s->rpc, 0);
		pfd[0].events = POLLIN;
		pfd[1].fd = s->err_fd;
		pfd[1].events = POLLIN;
		pfd[2].fd = jsonrpc_fd(s->rpc, 1);
		pfd[2].events = jsonrpc_queued(s->rpc) > 0 ? POLLOUT : 0;
		n = poll(pfd, pfd[2].fd != -1 ? 3 : 2, (int)(end - now));
		if (n == -1 && errno != EINTR)
			break;
		if (n <= 0)
			continue;
		if (pfd[1].revents != 0)
			lsp_server_drain_err(s);
		if (pfd[2].fd != -1 && (pfd[2].revents & (POLLOUT | POLLERR)))
			jsonrpc_write(s->rpc);
		if (pfd[0].revents != 0) {
			jsonrpc_read(s->rpc);
			if (s->failing)
				break;
		}
		if (!sy.done && r->id == 0 && (s->state == LSP_READY ||
		    s->state == LSP_INDEXING))
			lsp_req_send(r);
	}
	if (!sy.done) {
		/* r is still queued unless the failure path finished it. */
		lsp_req_cancel(r);
		*cause = xasprintf("%s: rename did not complete within %u ms%s",
		    s->conf->name, timeout_ms, s->failing ? " (server failed)" :
		    "");
		return (NULL);
	}
	if (sy.error != NULL) {
		*cause = sy.error;
		json_decref(sy.result);
		return (NULL);
	}
	if (sy.result == NULL || json_is_null(sy.result)) {
		json_decref(sy.result);
		*cause = xasprintf("%s: nothing to rename at %d:%d",
		    s->conf->name, line, col);
		return (NULL);
	}
	*utf8 = s->utf8;
	return (sy.result);
}

/* ------------------------------------------------------------------------ */
/* Status */

void
lsp_status_list(struct lsp_manager *m, struct lsp_status **list, size_t *n)
{
	struct lsp_server	*s;
	struct lsp_status	*v = NULL, *st;
	size_t			 nv = 0, alloc = 0;

	TAILQ_FOREACH(s, &m->servers, entry) {
		ALLOC_GROW(v, nv + 1, alloc);
		st = &v[nv++];
		memset(st, 0, sizeof *st);
		st->name = xstrdup(s->conf->name);
		st->root = xstrdup(s->root);
		st->state = s->state;
		if (s->progress != NULL)
			st->progress = xstrdup(s->progress);
		if (s->error != NULL && s->state != LSP_READY)
			st->error = xstrdup(s->error);
		st->pid = s->pid;
		st->restarts = s->restarts;
		st->open_files = (int)s->ndocs;
	}
	*list = v;
	*n = nv;
}

void
lsp_status_free(struct lsp_status *list, size_t n)
{
	size_t	i;

	for (i = 0; i < n; i++) {
		free(list[i].name);
		free(list[i].root);
		free(list[i].progress);
		free(list[i].error);
	}
	free(list);
}

/* ------------------------------------------------------------------------ */
/* Shutdown */

/* The shutdown answer (or its timeout): send exit, close stdin. */
static void
lsp_shutdown_reply(struct lsp_req *r, json_t *result, const char *error)
{
	struct lsp_server	*s = r->s;

	lsp_notify(s, "exit", NULL);
	if (s->rpc != NULL)
		jsonrpc_close_output(s->rpc);
}

void
lsp_manager_shutdown(struct lsp_manager *m, void (*done)(void *), void *arg)
{
	struct lsp_server	*s;
	struct lsp_req		*r;
	struct lsp_wait		*w;

	m->shutting_down = 1;
	m->shutdown_cb = done;
	m->shutdown_arg = arg;
	while ((w = TAILQ_FIRST(&m->waits)) != NULL) {
		if (w->deadline != NULL)
			loop_timer_cancel(w->deadline);
		w->deadline = NULL;
		lsp_wait_finish(w);
	}
	TAILQ_FOREACH(s, &m->servers, entry) {
		if (s->restart_timer != NULL) {
			loop_timer_cancel(s->restart_timer);
			s->restart_timer = NULL;
			s->state = LSP_STOPPED;
		}
		if (s->pid == 0 || s->failing)
			continue;
		while ((r = TAILQ_FIRST(&s->reqs)) != NULL)
			lsp_req_finish(r, NULL, "shutting down");
		if (s->state == LSP_STARTING) {
			lsp_server_fail(s, "stopped while starting");
			continue;
		}
		r = lsp_req_new(s, "shutdown", json_null(),
		    m->opts.shutdown_grace_ms / 2 + 1);
		r->fn = lsp_shutdown_reply;
		lsp_req_send(r);
	}
	/* After the grace period whatever runs is torn down. */
	m->shutdown_timer = loop_timer_add(m->opts.shutdown_grace_ms,
	    lsp_shutdown_force, m);
	lsp_shutdown_check(m);
}

/* Grace period over: tear down every server still running. */
static void
lsp_shutdown_force(void *arg)
{
	struct lsp_manager	*m = arg;
	struct lsp_server	*s;
	struct lsp_req		*r;

	m->shutdown_timer = NULL;
	TAILQ_FOREACH(s, &m->servers, entry) {
		if (s->pid == 0)
			continue;
		while ((r = TAILQ_FIRST(&s->reqs)) != NULL)
			lsp_req_finish(r, NULL, "shutting down");
		lsp_server_teardown(s);
		s->state = LSP_STOPPED;
	}
	lsp_shutdown_check(m);
}

/* Call the shutdown callback once nothing runs any more. */
void
lsp_shutdown_check(struct lsp_manager *m)
{
	struct lsp_server	*s;
	void			(*cb)(void *);

	if (!m->shutting_down || m->shutdown_cb == NULL)
		return;
	TAILQ_FOREACH(s, &m->servers, entry) {
		if (s->pid != 0)
			return;
	}
	if (m->ndying != 0)
		return;
	if (m->shutdown_timer != NULL) {
		loop_timer_cancel(m->shutdown_timer);
		m->shutdown_timer = NULL;
	}
	cb = m->shutdown_cb;
	m->shutdown_cb = NULL;
	cb(m->shutdown_arg);
}

void
lsp_manager_free(struct lsp_manager *m)
{
	struct lsp_server	*s;
	struct lsp_req		*r;
	struct lsp_wait		*w;
	struct lsp_doc		*d;
	struct lsp_filediag	*fd;
	size_t			 k;

	if (m == NULL)
		return;
	m->shutting_down = 1;
	m->shutdown_cb = NULL;
	while ((w = TAILQ_FIRST(&m->waits)) != NULL)
		lsp_wait_cancel(w);
	while ((s = TAILQ_FIRST(&m->servers)) != NULL) {
		TAILQ_REMOVE(&m->servers, s, entry);
		while ((r = TAILQ_FIRST(&s->reqs)) != NULL) {
			TAILQ_REMOVE(&s->reqs, r, entry);
			lsp_req_free(r);
		}
		lsp_server_teardown(s);
		if (s->restart_timer != NULL)
			loop_timer_cancel(s->restart_timer);
		while ((d = TAILQ_FIRST(&s->docs)) != NULL) {
			TAILQ_REMOVE(&s->docs, d, entry);
			lsp_doc_free(d);
		}
		while ((fd = TAILQ_FIRST(&s->diags)) != NULL) {
			TAILQ_REMOVE(&s->diags, fd, entry);
			lsp_filediag_clear(fd);
			free(fd->v);
			free(fd->uri);
			free(fd);
		}
		json_decref(s->tokens);
		free(s->progress);
		free(s->error);
		free(s->fail_reason);
		free(s->root);
		free(s->root_uri);
		free(s);
	}

	/* Up to 200 ms for the groups to go, then SIGKILL; always reap. */
	proc_stop_sync(m->dying, m->ndying, 200);
	free(m->dying);
	if (m->change_timer != NULL)
		loop_timer_cancel(m->change_timer);
	if (m->shutdown_timer != NULL)
		loop_timer_cancel(m->shutdown_timer);
	for (k = 0; k < m->nconfs; k++)
		free(m->found[k]);
	free(m->found);
	free(m->looked);
	lsp_conf_release(m->confs, m->nconfs);
	free(m->conf_error);
	free(m->root);
	free(m);
}

