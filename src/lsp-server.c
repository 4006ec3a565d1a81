/*
 * lsp-server.c: one language server: its process, its pipes, the
 * requests sent to it (queued until it is ready, timeouts, cancellation),
 * the messages it sends, initialize, failures and restarts with backoff.
 *
 * Protocol: LSP 3.17 (microsoft.github.io/language-server-protocol/
 * specifications/lsp/3.17/specification/), JSON-RPC 2.0 through jsonrpc.c
 * with the Content-Length framing of lsp-framing.c.
 *
 * Processes.  Each server runs under proc.c's guard (PROC_GUARD in proc.h):
 * the guard is the session leader, so its pid is the process group of the
 * server and everything it spawns; when agentos exits or is killed, even
 * with SIGKILL, the guard TERMs the group, waits a second for the server
 * and KILLs the group.  When the server exits on its own the guard TERMs
 * what is left and exits; proc.c reaps it (by pid, on SIGCHLD) and we
 * SIGKILL the group for stragglers.
 */
#include <sys/types.h>
#include <sys/queue.h>

#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "lsp-private.h"
#include "sandbox.h"
#include "banned.h"

extern char **environ;

/* The provider key variables, whatever they are named. */
static const char *const lsp_drop_env[] = {
	"ANTHROPIC_API_KEY", "OPENAI_API_KEY", NULL
};

#define LSP_MAX_PROGRESS	32
#define LSP_HEALTHY_MS		60000
#define LSP_GUARD_GRACE_MS	1000

static void	lsp_server_fail_fire(void *);
static void	lsp_server_restart(void *);
static void	lsp_server_err_cb(evutil_socket_t, short, void *);
static void	lsp_rpc_request(struct jsonrpc *, const char *, json_t *,
		    json_t *, void *);
static void	lsp_rpc_notification(struct jsonrpc *, const char *,
		    json_t *, void *);
static void	lsp_rpc_cancelled(struct jsonrpc *, json_int_t, void *);
static void	lsp_rpc_closed(struct jsonrpc *, const char *, void *);
static void	lsp_req_answer(void *, json_t *, json_t *);
static void	lsp_req_drop(struct lsp_req *, int);
static const struct jsonrpc_handlers lsp_rpc_handlers;
static void	lsp_reply(struct lsp_server *, json_t *, json_t *, json_t *);
static void	lsp_handle_request(struct lsp_server *, const char *,
		    json_t *, json_t *);
static void	lsp_handle_notification(struct lsp_server *, const char *,
		    json_t *);
static void	lsp_handle_progress(struct lsp_server *, json_t *);
static void	lsp_req_timeout(void *);
static void	lsp_initialize(struct lsp_server *);
static void	lsp_initialize_done(struct lsp_req *, json_t *,
		    const char *);
static void	lsp_proc_exited(struct proc *, int, void *);

/* ------------------------------------------------------------------------ */
/* Processes */

/* Start the server process for s and send initialize. */
int
lsp_server_spawn(struct lsp_server *s, char **cause)
{
	struct lsp_manager	*m = s->m;
	struct proc_spec	 spec;
	const char		*env[2];
	char			*tag, **base;

	/* AGENTOS_LSP marks the processes as ours (tests count them). */
	tag = xasprintf("AGENTOS_LSP=%ld:%s:%s", (long)getpid(),
	    s->conf->name, s->root);
	env[0] = tag;
	env[1] = NULL;
	/* The scrubbed environment of commands: no keys, no secrets. */
	base = sandbox_environ((const char *const *)environ, m->keep_env,
	    lsp_drop_env);
	memset(&spec, 0, sizeof spec);
	spec.argv = (const char *const *)s->conf->argv;
	spec.cwd = s->root;
	spec.env = env;
	spec.base_env = (const char *const *)base;
	spec.in = spec.out = spec.err = PROC_PIPE;
	spec.flags = PROC_GUARD;
	spec.grace_ms = LSP_GUARD_GRACE_MS;
	s->proc = proc_spawn(&spec, lsp_proc_exited, m, cause);
	free(tag);
	sandbox_argv_free(base);
	if (s->proc == NULL)
		return (-1);
	s->pid = proc_pid(s->proc);
	/* Ours to close: stdin is closed early on shutdown. */
	s->rpc = jsonrpc_create(proc_take_fd(s->proc, 1),
	    proc_take_fd(s->proc, 0), &jsonrpc_framing_lsp, &m->rpc_opts,
	    &lsp_rpc_handlers, s);
	s->err_fd = proc_take_fd(s->proc, 2);
	s->ev_err = event_new(loop_base, s->err_fd, EV_READ | EV_PERSIST,
	    lsp_server_err_cb, s);
	if (s->ev_err == NULL)
		fatalx("event_new failed");
	event_add(s->ev_err, NULL);
	s->errlen = 0;
	s->failing = 0;
	s->state = LSP_STARTING;
	free(s->progress);
	s->progress = NULL;
	json_object_clear(s->tokens);
	log_debug("lsp: started %s (guard %ld) in %s", s->conf->name,
	    (long)s->pid, s->root);
	lsp_initialize(s);
	lsp_changed(m);
	return (0);
}

/*
 * Close s's pipes and events and hand its guard to the reaper: closing the
 * guard pipe makes the guard TERM and then KILL the group.
 */
void
lsp_server_teardown(struct lsp_server *s)
{
	struct lsp_doc	*d;
	struct lsp_req	*r;

	s->gen++;
	/* Calls die with the endpoint; the requests stay ours. */
	TAILQ_FOREACH(r, &s->reqs, entry)
		r->call = NULL;
	jsonrpc_free(s->rpc);
	s->rpc = NULL;
	if (s->ev_err != NULL)
		event_free(s->ev_err);
	s->ev_err = NULL;
	if (s->err_fd != -1)
		close(s->err_fd);
	s->err_fd = -1;
	if (s->proc != NULL) {
		if (proc_exited(s->proc, NULL)) {
			/* Stragglers that ignored the guard's SIGTERM. */
			proc_signal(s->proc, SIGKILL);
			proc_free(s->proc);
		} else {
			/* TERM now (the guard too), KILL if it overstays. */
			proc_kill(s->proc, LSP_GUARD_GRACE_MS + 1000);
			ALLOC_GROW(s->m->dying, s->m->ndying + 1,
			    s->m->dying_alloc);
			s->m->dying[s->m->ndying++] = s->proc;
		}
	}
	s->proc = NULL;
	s->pid = 0;
	if (s->fail_timer != NULL)
		loop_timer_cancel(s->fail_timer);
	s->fail_timer = NULL;
	TAILQ_FOREACH(d, &s->docs, entry)
		d->sent = 0;
	json_object_clear(s->tokens);
	free(s->progress);
	s->progress = NULL;
}

/*
 * The server misbehaved or died: stop reading at once and finish the job
 * from the loop (so callers up the stack never see s torn down).
 */
void
lsp_server_fail(struct lsp_server *s, const char *fmt, ...)
{
	va_list	ap;

	if (s->failing)
		return;
	s->failing = 1;
	va_start(ap, fmt);
	free(s->fail_reason);
	s->fail_reason = xvasprintf(fmt, ap);
	va_end(ap);
	/* From now on messages from the server are ignored. */
	s->fail_timer = loop_timer_add(0, lsp_server_fail_fire, s);
}

/* Finish a failure: fail pending requests, restart with backoff or stop. */
static void
lsp_server_fail_fire(void *arg)
{
	struct lsp_server	*s = arg;
	struct lsp_manager	*m = s->m;
	struct lsp_req		*r;
	struct lsp_wait		*w;
	struct buf		 why = BUF_INIT;
	char			*nl, *last;
	unsigned int		 delay;

	s->fail_timer = NULL;
	lsp_server_drain_err(s);
	buf_adds(&why, s->fail_reason);
	if (s->errlen > 0) {
		/* The last line the server wrote on stderr says most. */
		s->errtail[s->errlen < sizeof s->errtail ? s->errlen :
		    sizeof s->errtail - 1] = '\0';
		while (s->errlen > 0 && (s->errtail[s->errlen - 1] == '\n' ||
		    s->errtail[s->errlen - 1] == '\r'))
			s->errtail[--s->errlen] = '\0';
		nl = strrchr(s->errtail, '\n');
		last = nl != NULL ? nl + 1 : s->errtail;
		if (*last != '\0')
			buf_addf(&why, " (stderr: %.200s)", last);
	}
	log_debug("lsp: %s in %s failed: %s", s->conf->name, s->root,
	    why.buf);
	lsp_server_teardown(s);
	if (s->ready_ms != 0 && loop_now_ms() - s->ready_ms > LSP_HEALTHY_MS)
		s->failures = 0;
	s->ready_ms = 0;
	s->failures++;
	free(s->error);
	s->error = buf_detach(&why, NULL);

	/* Requests already sent are lost; unsent ones wait for a restart. */
	if (s->failures > m->opts.max_restarts || m->shutting_down) {
		s->state = m->shutting_down ? LSP_STOPPED : LSP_BROKEN;
		while ((r = TAILQ_FIRST(&s->reqs)) != NULL)
			lsp_req_finish(r, NULL, s->error);
		TAILQ_FOREACH(w, &m->waits, entry) {
			if (w->s == s && w->deadline != NULL) {
				loop_timer_cancel(w->deadline);
				w->deadline = loop_timer_add(0,
				    lsp_wait_deadline, w);
			}
		}
	} else {
		for (;;) {
			TAILQ_FOREACH(r, &s->reqs, entry) {
				if (r->id != 0)
					break;
			}
			if (r == NULL)
				break;
			lsp_req_finish(r, NULL, s->error);
		}
		s->state = LSP_RESTARTING;
		delay = 500U << (s->failures - 1 > 6 ? 6 : s->failures - 1);
		s->restart_timer = loop_timer_add(delay, lsp_server_restart,
		    s);
	}
	lsp_changed(m);
	lsp_shutdown_check(m);
}

/* Restart a crashed server after its backoff. */
static void
lsp_server_restart(void *arg)
{
	struct lsp_server	*s = arg;
	struct lsp_req		*r;
	char			*cause = NULL;

	s->restart_timer = NULL;
	s->restarts++;
	if (lsp_server_spawn(s, &cause) != 0) {
		s->state = LSP_BROKEN;
		free(s->error);
		s->error = cause;
		while ((r = TAILQ_FIRST(&s->reqs)) != NULL)
			lsp_req_finish(r, NULL, s->error);
		lsp_changed(s->m);
	}
}

/*
 * A guard was reaped (proc.c, from the loop).  A torn-down one: kill the
 * stragglers of its group and let go.  A live one: its pipes tell us.
 */
static void
lsp_proc_exited(struct proc *p, int status, void *arg)
{
	struct lsp_manager	*m = arg;
	size_t			 i;

	for (i = 0; i < m->ndying; i++) {
		if (m->dying[i] == p)
			break;
	}
	if (i == m->ndying)
		return;
	memmove(m->dying + i, m->dying + i + 1,
	    (m->ndying - i - 1) * sizeof *m->dying);
	m->ndying--;
	proc_signal(p, SIGKILL);
	proc_free(p);
	lsp_shutdown_check(m);
}

/* ------------------------------------------------------------------------ */
/* Pipes */

static const struct jsonrpc_handlers lsp_rpc_handlers = {
	.request = lsp_rpc_request,
	.notification = lsp_rpc_notification,
	.cancelled = lsp_rpc_cancelled,
	.closed = lsp_rpc_closed,
};

/* The server died or broke the protocol (jsonrpc.c tells us once). */
static void
lsp_rpc_closed(struct jsonrpc *rpc, const char *why, void *arg)
{
	struct lsp_server	*s = arg;

	if (strcmp(why, "end of file") == 0)
		lsp_server_fail(s, "%s exited", s->conf->name);
	else if (strstr(why, strerror(EPIPE)) != NULL)
		lsp_server_fail(s, "%s exited (its input closed)",
		    s->conf->name);
	else
		lsp_server_fail(s, "%s", why);
}

/* A request we sent was abandoned: tell the server (spec: $/cancel). */
static void
lsp_rpc_cancelled(struct jsonrpc *rpc, json_int_t id, void *arg)
{
	struct lsp_server	*s = arg;

	if (!s->cancel_quiet && s->state != LSP_STARTING)
		lsp_notify(s, "$/cancelRequest", json_pack("{s:I}", "id",
		    id));
}

/* A request from the server. */
static void
lsp_rpc_request(struct jsonrpc *rpc, const char *method, json_t *id,
    json_t *params, void *arg)
{
	struct lsp_server	*s = arg;

	if (!s->failing)
		lsp_handle_request(s, method, id, params);
}

/* A notification from the server. */
static void
lsp_rpc_notification(struct jsonrpc *rpc, const char *method,
    json_t *params, void *arg)
{
	struct lsp_server	*s = arg;

	if (!s->failing)
		lsp_handle_notification(s, method, params);
}

/* Keep the tail of the server's stderr (for the failure message). */
void
lsp_server_drain_err(struct lsp_server *s)
{
	char	tmp[4096];
	ssize_t	n;

	if (s->err_fd == -1)
		return;
	for (;;) {
		n = read(s->err_fd, tmp, sizeof tmp);
		if (n <= 0) {
			if (n == 0 && s->ev_err != NULL)
				event_del(s->ev_err);
			return;
		}
		/* One byte is left for the NUL lsp_server_failed() adds. */
		buf_tail_add(s->errtail, sizeof s->errtail - 1, &s->errlen,
		    tmp, n);
	}
}

/* Server stderr readable. */
static void
lsp_server_err_cb(evutil_socket_t fd, short what, void *arg)
{
	lsp_server_drain_err(arg);
}

/* Send a notification; params is stolen. */
void
lsp_notify(struct lsp_server *s, const char *method, json_t *params)
{
	if (s->rpc == NULL || s->failing) {
		json_decref(params);
		return;
	}
	jsonrpc_notify(s->rpc, method, params);
}

/* Answer a server request; result and error are stolen. */
static void
lsp_reply(struct lsp_server *s, json_t *id, json_t *result, json_t *error)
{
	const char	*msg;

	if (s->rpc == NULL || s->failing) {
		json_decref(result);
		json_decref(error);
		return;
	}
	if (error != NULL) {
		msg = json_string_value(json_object_get(error, "message"));
		jsonrpc_reply(s->rpc, id, NULL, (int)json_integer_value(
		    json_object_get(error, "code")), msg);
		json_decref(error);
	} else
		jsonrpc_reply(s->rpc, id, result, 0, NULL);
}

/* ------------------------------------------------------------------------ */
/* Requests */

/* A new request on s with a timeout (ms); queued until sent. */
struct lsp_req *
lsp_req_new(struct lsp_server *s, const char *method, json_t *params,
    unsigned int timeout_ms)
{
	struct lsp_req	*r = xcalloc(1, sizeof *r);

	r->m = s->m;
	r->s = s;
	r->method = xstrdup(method);
	r->params = params != NULL ? params : json_object();
	TAILQ_INSERT_TAIL(&s->reqs, r, entry);
	if (timeout_ms != 0)
		r->timer = loop_timer_add(timeout_ms, lsp_req_timeout, r);
	return (r);
}

/* Send r now (the server is ready, or r is initialize). */
void
lsp_req_send(struct lsp_req *r)
{
	struct lsp_server	*s = r->s;

	/* Sent and lost when the server is failing: -1, never answered. */
	r->id = -1;
	if (s->rpc == NULL || s->failing)
		return;
	r->call = jsonrpc_call(s->rpc, r->method, json_incref(r->params), 0,
	    lsp_req_answer, r);
	if (r->call != NULL)
		r->id = jsonrpc_call_id(r->call);
}

/* The answer to r (jsonrpc.c); error is an error object. */
static void
lsp_req_answer(void *arg, json_t *result, json_t *error)
{
	struct lsp_req		*r = arg;
	struct lsp_server	*s = r->s;
	const char		*msg;
	char			*why;

	r->call = NULL;
	/* A dead server: lsp_server_fail_fire() finishes r. */
	if (s->failing || (error != NULL && json_integer_value(
	    json_object_get(error, "code")) == JSONRPC_E_CLOSED))
		return;
	if (error != NULL) {
		msg = json_string_value(json_object_get(error, "message"));
		why = xasprintf("%s: %s", s->conf->name,
		    msg != NULL ? msg : "error");
		lsp_req_finish(r, NULL, why);
		free(why);
		return;
	}
	lsp_req_finish(r, result, NULL);
}

/* Forget r's call; notify says whether to send $/cancelRequest. */
static void
lsp_req_drop(struct lsp_req *r, int notify)
{
	struct lsp_server	*s = r->s;

	if (r->call == NULL)
		return;
	s->cancel_quiet = !notify;
	jsonrpc_call_cancel(r->call);
	s->cancel_quiet = 0;
	r->call = NULL;
}

/* Free a request (already unlinked). */
void
lsp_req_free(struct lsp_req *r)
{
	if (r->timer != NULL)
		loop_timer_cancel(r->timer);
	lsp_req_drop(r, 0);
	free(r->method);
	json_decref(r->params);
	free(r);
}

/* Unlink r and run its completion once. */
void
lsp_req_finish(struct lsp_req *r, json_t *result, const char *error)
{
	TAILQ_REMOVE(&r->s->reqs, r, entry);
	if (r->timer != NULL) {
		loop_timer_cancel(r->timer);
		r->timer = NULL;
	}
	lsp_req_drop(r, 0);
	if (r->fn != NULL)
		r->fn(r, result, error);
	lsp_req_free(r);
}

/* A request timed out: cancel it at the server and fail it. */
static void
lsp_req_timeout(void *arg)
{
	struct lsp_req		*r = arg;
	struct lsp_server	*s = r->s;
	char			*why;

	r->timer = NULL;
	lsp_req_drop(r, 1);	/* $/cancelRequest unless starting */
	why = xasprintf("%s: %s timed out", s->conf->name, r->method);
	lsp_req_finish(r, NULL, why);
	free(why);
}

/* Completion for user requests. */
void
lsp_req_user_fn(struct lsp_req *r, json_t *result, const char *error)
{
	if (r->cb != NULL)
		r->cb(r->arg, error == NULL ? result : NULL, r->s->utf8,
		    error);
}

void
lsp_req_cancel(struct lsp_req *r)
{
	struct lsp_server	*s;

	if (r == NULL)
		return;
	s = r->s;
	TAILQ_REMOVE(&s->reqs, r, entry);
	lsp_req_drop(r, 1);
	lsp_req_free(r);
}

/* ------------------------------------------------------------------------ */
/* Messages from the server */

/* Answer a request from the server (spec: "Server initiated"). */
static void
lsp_handle_request(struct lsp_server *s, const char *method, json_t *id,
    json_t *params)
{
	json_t		*items, *item, *res, *v;
	const char	*section, *p, *dot;
	size_t		 i;
	char		*key;

	if (strcmp(method, "workspace/configuration") == 0) {
		/* One value per item, looked up in the server's settings. */
		res = json_array();
		items = json_object_get(params, "items");
		json_array_foreach(items, i, item) {
			section = json_string_value(json_object_get(item,
			    "section"));
			v = s->conf->settings;
			if (section != NULL && v != NULL) {
				for (p = section; v != NULL && *p != '\0';) {
					dot = strchr(p, '.');
					key = dot != NULL ?
					    xstrndup(p, dot - p) : xstrdup(p);
					v = json_object_get(v, key);
					free(key);
					p = dot != NULL ? dot + 1 : "";
				}
			}
			json_array_append(res, v != NULL ? v : json_null());
		}
		lsp_reply(s, id, res, NULL);
	} else if (strcmp(method, "window/workDoneProgress/create") == 0 ||
	    strcmp(method, "client/registerCapability") == 0 ||
	    strcmp(method, "client/unregisterCapability") == 0 ||
	    strcmp(method, "window/showMessageRequest") == 0 ||
	    strcmp(method, "workspace/diagnostic/refresh") == 0 ||
	    strcmp(method, "workspace/semanticTokens/refresh") == 0 ||
	    strcmp(method, "workspace/inlayHint/refresh") == 0 ||
	    strcmp(method, "workspace/codeLens/refresh") == 0)
		lsp_reply(s, id, json_null(), NULL);
	else if (strcmp(method, "workspace/workspaceFolders") == 0) {
		lsp_reply(s, id, json_pack("[{s:s,s:s}]", "uri", s->root_uri,
		    "name", s->root), NULL);
	} else if (strcmp(method, "workspace/applyEdit") == 0) {
		/* Edits go through approval and snapshots, never here. */
		lsp_reply(s, id, json_pack("{s:b,s:s}", "applied", 0,
		    "failureReason", "agentos applies edits only through "
		    "its approved tools"), NULL);
	} else {
		lsp_reply(s, id, NULL, json_pack("{s:i,s:s}", "code", -32601,
		    "message", "method not supported by agentos"));
	}
}

/* Handle a notification from the server. */
static void
lsp_handle_notification(struct lsp_server *s, const char *method,
    json_t *params)
{
	json_t		*v;
	const char	*uri, *msg;
	int		 version = -1;

	if (strcmp(method, "textDocument/publishDiagnostics") == 0) {
		uri = json_string_value(json_object_get(params, "uri"));
		if (uri == NULL)
			return;
		if (json_is_integer(v = json_object_get(params, "version")))
			version = (int)json_integer_value(v);
		lsp_handle_diagnostics(s, uri,
		    json_object_get(params, "diagnostics"), version, 1);
	} else if (strcmp(method, "$/progress") == 0)
		lsp_handle_progress(s, params);
	else if (strcmp(method, "window/logMessage") == 0 ||
	    strcmp(method, "window/showMessage") == 0) {
		msg = json_string_value(json_object_get(params, "message"));
		if (msg != NULL && log_enabled())
			log_debug("lsp: %s: %.500s", s->conf->name, msg);
	}
}

/* $/progress with a WorkDoneProgress value: indexing status. */
static void
lsp_handle_progress(struct lsp_server *s, json_t *params)
{
	json_t		*token = json_object_get(params, "token");
	json_t		*value = json_object_get(params, "value");
	json_t		*old;
	const char	*kind, *title, *message;
	char		*key, *text;
	json_int_t	 pct = -1;
	const char	*k;
	json_t		*t;

	if (json_is_string(token))
		key = xstrdup(json_string_value(token));
	else if (json_is_integer(token))
		key = xasprintf("%lld", (long long)json_integer_value(token));
	else
		return;
	kind = json_string_value(json_object_get(value, "kind"));
	if (kind == NULL) {
		free(key);
		return;
	}
	if (strcmp(kind, "end") == 0)
		json_object_del(s->tokens, key);
	else {
		old = json_object_get(s->tokens, key);
		title = json_string_value(json_object_get(value, "title"));
		if (title == NULL && old != NULL)
			title = json_string_value(json_object_get(old,
			    "title"));
		message = json_string_value(json_object_get(value,
		    "message"));
		if (json_is_integer(json_object_get(value, "percentage")))
			pct = json_integer_value(json_object_get(value,
			    "percentage"));
		if (old != NULL || json_object_size(s->tokens) <
		    LSP_MAX_PROGRESS) {
			json_object_set_new(s->tokens, key, json_pack(
			    "{s:s,s:s,s:I}", "title", title != NULL ? title :
			    "working", "message", message != NULL ? message :
			    "", "percentage", pct));
		}
	}
	free(key);

	free(s->progress);
	s->progress = NULL;
	json_object_foreach(s->tokens, k, t) {
		pct = json_integer_value(json_object_get(t, "percentage"));
		message = json_string_value(json_object_get(t, "message"));
		text = xasprintf("%s%s%.60s", json_string_value(
		    json_object_get(t, "title")), *message != '\0' ? " " : "",
		    message);
		if (pct >= 0)
			s->progress = xasprintf("%s %lld%%", text,
			    (long long)pct);
		else
			s->progress = xstrdup(text);
		free(text);
		break;
	}
	if (s->state == LSP_READY && s->progress != NULL)
		s->state = LSP_INDEXING;
	else if (s->state == LSP_INDEXING && s->progress == NULL)
		s->state = LSP_READY;
	lsp_changed(s->m);
}

/* ------------------------------------------------------------------------ */
/* Initialization (spec: "initialize", "initialized") */

/* Send initialize with what this client really does. */
static void
lsp_initialize(struct lsp_server *s)
{
	struct lsp_req	*r;
	json_t		*caps, *params;

	caps = json_pack("{s:{s:[s,s]},"
	    "s:{s:b,s:b,s:{s:b},s:b,s:{s:b},"
	    "s:{s:b}}}",
	    "general", "positionEncodings", "utf-8", "utf-16",
	    "workspace", "workspaceFolders", 1, "configuration", 1,
	    "symbol", "dynamicRegistration", 0, "applyEdit", 0,
	    "workspaceEdit", "documentChanges", 1,
	    "didChangeConfiguration", "dynamicRegistration", 0);
	json_object_set_new(caps, "textDocument", json_pack(
	    "{s:{s:b,s:b,s:b,s:b},"
	    "s:{s:b,s:b,s:b},"
	    "s:{s:b,s:b},"
	    "s:{s:b,s:b},"
	    "s:{s:b},"
	    "s:{s:b,s:[s,s]},"
	    "s:{s:b,s:b},"
	    "s:{s:b,s:b}}",
	    "synchronization", "dynamicRegistration", 0, "willSave", 0,
	    "willSaveWaitUntil", 0, "didSave", 1,
	    "publishDiagnostics", "relatedInformation", 0,
	    "versionSupport", 1, "codeDescriptionSupport", 0,
	    "diagnostic", "dynamicRegistration", 0,
	    "relatedDocumentSupport", 0,
	    "definition", "dynamicRegistration", 0, "linkSupport", 1,
	    "references", "dynamicRegistration", 0,
	    "hover", "dynamicRegistration", 0, "contentFormat", "plaintext",
	    "markdown",
	    "documentSymbol", "dynamicRegistration", 0,
	    "hierarchicalDocumentSymbolSupport", 1,
	    "rename", "dynamicRegistration", 0, "prepareSupport", 0));
	json_object_set_new(caps, "window", json_pack("{s:b,s:b}",
	    "workDoneProgress", 1, "showDocument", 0));
	/* clangd before 15 knows only its own extension. */
	json_object_set_new(caps, "offsetEncoding",
	    json_pack("[s,s]", "utf-8", "utf-16"));

	params = json_pack("{s:I,s:{s:s,s:s},s:s,s:s,s:o,s:[{s:s,s:s}],"
	    "s:s}",
	    "processId", (json_int_t)getpid(),
	    "clientInfo", "name", AGENTOS_NAME, "version", PACKAGE_VERSION,
	    "rootUri", s->root_uri, "rootPath", s->root,
	    "capabilities", caps,
	    "workspaceFolders", "uri", s->root_uri, "name", s->root,
	    "trace", "off");
	if (s->conf->init_options != NULL)
		json_object_set(params, "initializationOptions",
		    s->conf->init_options);
	r = lsp_req_new(s, "initialize", params, s->m->opts.init_timeout_ms);
	r->fn = lsp_initialize_done;
	/* Keep it first in the queue: it is the only one sent now. */
	TAILQ_REMOVE(&s->reqs, r, entry);
	TAILQ_INSERT_HEAD(&s->reqs, r, entry);
	lsp_req_send(r);
}

/* The initialize response: read the server's capabilities. */
static void
lsp_initialize_done(struct lsp_req *r, json_t *result, const char *error)
{
	struct lsp_server	*s = r->s;
	json_t			*caps, *sync, *v;
	const char		*enc;

	if (error != NULL) {
		lsp_server_fail(s, "initialize: %s", error);
		return;
	}
	caps = json_object_get(result, "capabilities");
	sync = json_object_get(caps, "textDocumentSync");
	s->sync_kind = 1;
	s->save_text = 0;
	if (json_is_integer(sync))
		s->sync_kind = (int)json_integer_value(sync);
	else if (json_is_object(sync)) {
		if (json_is_integer(v = json_object_get(sync, "change")))
			s->sync_kind = (int)json_integer_value(v);
		v = json_object_get(sync, "save");
		if (json_is_object(v) && json_is_true(json_object_get(v,
		    "includeText")))
			s->save_text = 1;
	}
	s->pull_diags = json_object_get(caps, "diagnosticProvider") != NULL &&
	    !json_is_false(json_object_get(caps, "diagnosticProvider"));
	enc = json_string_value(json_object_get(caps, "positionEncoding"));
	if (enc == NULL)
		enc = json_string_value(json_object_get(result,
		    "offsetEncoding"));
	s->utf8 = enc != NULL && strcmp(enc, "utf-8") == 0;
	lsp_notify(s, "initialized", json_object());
	if (s->conf->settings != NULL)
		lsp_notify(s, "workspace/didChangeConfiguration",
		    json_pack("{s:O}", "settings", s->conf->settings));
	lsp_server_ready(s);
}

/* The server is initialized: open documents, send queued requests. */
void
lsp_server_ready(struct lsp_server *s)
{
	struct lsp_doc	*d;
	struct lsp_req	*r;
	struct lsp_wait	*w;
	unsigned int	 gen = s->gen;

	s->state = json_object_size(s->tokens) > 0 ? LSP_INDEXING :
	    LSP_READY;
	s->ready_ms = loop_now_ms();
	log_debug("lsp: %s ready in %s (sync %d, pull %d, utf8 %d)",
	    s->conf->name, s->root, s->sync_kind, s->pull_diags, s->utf8);
	TAILQ_FOREACH(d, &s->docs, entry) {
		if (!d->sent)
			lsp_doc_open(s, d);
	}
	TAILQ_FOREACH(r, &s->reqs, entry) {
		if (r->id == 0)
			lsp_req_send(r);
		if (s->gen != gen || s->failing)
			return;
	}
	TAILQ_FOREACH(w, &s->m->waits, entry) {
		if (w->s == s && s->pull_diags && w->pull == NULL && !w->got)
			lsp_wait_pull(w);
	}
	lsp_changed(s->m);
}

