/*
 * lsp.c: language server clients over pipes, and the manager that starts
 * them lazily per (root, server), restarts them, and stops them.
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
#include <sys/stat.h>

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <event2/event.h>

#include "agentos.h"
#include "lsp.h"
#include "jsonrpc.h"
#include "proc.h"
#include "banned.h"

#define LSP_READ_SIZE		65536
#define LSP_STDERR_TAIL		2048
#define LSP_MAX_DOCS		64
#define LSP_MAX_DIAG_FILES	2000
#define LSP_MAX_DIAG_STORED	200
#define LSP_MAX_PROGRESS	32
#define LSP_MAX_FILE		(8 * 1024 * 1024)
#define LSP_HEALTHY_MS		60000
#define LSP_GUARD_GRACE_MS	1000


struct lsp_server;

/* A request sent (or queued until the server is ready). */
struct lsp_req {
	struct lsp_manager	*m;
	struct lsp_server	*s;
	long long		 id;		/* 0 until sent */
	struct jsonrpc_call	*call;		/* while the answer is due */
	char			*method;
	json_t			*params;
	struct loop_timer	*timer;
	/* Internal completion; result/error borrowed. */
	void			(*fn)(struct lsp_req *, json_t *result,
				    const char *error);
	lsp_req_cb		 cb;
	void			*arg;
	void			*priv;
	TAILQ_ENTRY(lsp_req)	 entry;
};
TAILQ_HEAD(lsp_reqs, lsp_req);

/* A document the server was told about. */
struct lsp_doc {
	char			*uri;
	char			*path;
	int			 version;
	char			*text;
	size_t			 len;
	int			 sent;		/* didOpen sent to this process */
	uint64_t		 used_ms;
	TAILQ_ENTRY(lsp_doc)	 entry;
};
TAILQ_HEAD(lsp_docs, lsp_doc);

struct lsp_diag {
	int		 severity;		/* 1 error ... 4 hint */
	unsigned int	 line, ch;		/* server units, 0-based */
	char		*message;
};

/* The diagnostics last published for one file. */
struct lsp_filediag {
	char			*uri;
	struct lsp_diag		*v;
	size_t			 nr, alloc;
	int			 errors, warnings;
	TAILQ_ENTRY(lsp_filediag) entry;
};
TAILQ_HEAD(lsp_filediags, lsp_filediag);

struct lsp_server {
	struct lsp_manager	*m;
	const struct lsp_server_conf *conf;
	char			*root;
	char			*root_uri;

	enum lsp_state		 state;
	char			*progress;
	char			*error;
	json_t			*tokens;	/* $/progress token -> text */
	int			 failures;	/* in a row */
	int			 restarts;
	int			 told_broken;
	uint64_t		 ready_ms;

	struct proc		*proc;		/* the guard; NULL: none */
	pid_t			 pid;		/* its pid; 0: none */
	struct jsonrpc		*rpc;		/* stdout in, stdin out */
	int			 err_fd;
	struct event		*ev_err;
	char			 errtail[LSP_STDERR_TAIL];
	size_t			 errlen;
	int			 cancel_quiet;	/* no $/cancelRequest */
	int			 failing;
	char			*fail_reason;
	struct loop_timer	*fail_timer;
	struct loop_timer	*restart_timer;
	unsigned int		 gen;

	struct lsp_reqs		 reqs;
	struct lsp_docs		 docs;
	size_t			 ndocs;
	struct lsp_filediags	 diags;
	size_t			 ndiags;

	int			 sync_kind;	/* 0 none, 1 full, 2 incr. */
	int			 save_text;
	int			 pull_diags;
	int			 utf8;

	TAILQ_ENTRY(lsp_server)	 entry;
};
TAILQ_HEAD(lsp_servers, lsp_server);

/* A wait for diagnostics after an edit. */
struct lsp_wait {
	struct lsp_manager	*m;
	struct lsp_server	*s;		/* NULL: answer at once */
	char			*uri;
	char			*rel;
	int			 version;
	int			 got;
	char			**prev;		/* "severity\tmessage" */
	size_t			 nprev;
	int			 had_prev;
	int			 known_prev;	/* diagnostics before */
	char			*notice;
	struct loop_timer	*deadline, *settle;
	struct lsp_req		*pull;
	void			(*done)(void *, const char *);
	void			*arg;
	TAILQ_ENTRY(lsp_wait)	 entry;
};
TAILQ_HEAD(lsp_waits, lsp_wait);

struct lsp_manager {
	char			*root;
	struct lsp_server_conf	*confs;
	size_t			 nconfs;
	char			**found;	/* per conf: path or NULL */
	int			*looked;
	struct lsp_options	 opts;
	char			*conf_error;

	struct lsp_servers	 servers;
	struct lsp_waits	 waits;
	struct proc		**dying;	/* torn down, not reaped */
	size_t			 ndying, dying_alloc;

	void			(*change_cb)(void *);
	void			*change_arg;
	struct loop_timer	*change_timer;

	void			(*shutdown_cb)(void *);
	void			*shutdown_arg;
	struct loop_timer	*shutdown_timer;
	int			 shutting_down;

	struct jsonrpc_options	 rpc_opts;
	struct jsonrpc_stats	 rpc_stats;
};

static void	lsp_changed(struct lsp_manager *);
static void	lsp_change_fire(void *);
static struct lsp_server *lsp_server_get(struct lsp_manager *, const char *,
		    int, char **);
static int	lsp_server_spawn(struct lsp_server *, char **);
static void	lsp_server_fail(struct lsp_server *, const char *, ...)
		    __attribute__((format(printf, 2, 3)));
static void	lsp_server_fail_fire(void *);
static void	lsp_server_teardown(struct lsp_server *);
static void	lsp_server_restart(void *);
static void	lsp_server_err_cb(evutil_socket_t, short, void *);
static void	lsp_server_drain_err(struct lsp_server *);
static void	lsp_rpc_request(struct jsonrpc *, const char *, json_t *,
		    json_t *, void *);
static void	lsp_rpc_notification(struct jsonrpc *, const char *,
		    json_t *, void *);
static void	lsp_rpc_cancelled(struct jsonrpc *, json_int_t, void *);
static void	lsp_rpc_closed(struct jsonrpc *, const char *, void *);
static void	lsp_req_answer(void *, json_t *, json_t *);
static void	lsp_req_drop(struct lsp_req *, int);
static const struct jsonrpc_handlers lsp_rpc_handlers;
static void	lsp_notify(struct lsp_server *, const char *, json_t *);
static void	lsp_reply(struct lsp_server *, json_t *, json_t *, json_t *);
static void	lsp_handle_request(struct lsp_server *, const char *,
		    json_t *, json_t *);
static void	lsp_handle_notification(struct lsp_server *, const char *,
		    json_t *);
static void	lsp_handle_progress(struct lsp_server *, json_t *);
static void	lsp_handle_diagnostics(struct lsp_server *, const char *,
		    json_t *, int, int);
static struct lsp_req *lsp_req_new(struct lsp_server *, const char *,
		    json_t *, unsigned int);
static void	lsp_req_send(struct lsp_req *);
static void	lsp_req_finish(struct lsp_req *, json_t *, const char *);
static void	lsp_req_timeout(void *);
static void	lsp_req_user_fn(struct lsp_req *, json_t *, const char *);
static void	lsp_req_free(struct lsp_req *);
static void	lsp_initialize(struct lsp_server *);
static void	lsp_initialize_done(struct lsp_req *, json_t *,
		    const char *);
static void	lsp_server_ready(struct lsp_server *);
static struct lsp_doc *lsp_doc_find(struct lsp_server *, const char *);
static struct lsp_doc *lsp_doc_sync(struct lsp_server *, const char *,
		    const char *, size_t, int);
static void	lsp_doc_open(struct lsp_server *, struct lsp_doc *);
static void	lsp_doc_close(struct lsp_server *, struct lsp_doc *);
static void	lsp_doc_free(struct lsp_doc *);
static int	lsp_read_file(const char *, char **, size_t *);
static struct lsp_filediag *lsp_filediag_find(struct lsp_server *,
		    const char *);
static void	lsp_filediag_clear(struct lsp_filediag *);
static void	lsp_wait_pull(struct lsp_wait *);
static void	lsp_wait_pull_done(struct lsp_req *, json_t *,
		    const char *);
static void	lsp_wait_deadline(void *);
static void	lsp_wait_settle(void *);
static void	lsp_wait_finish(struct lsp_wait *);
static void	lsp_wait_free(struct lsp_wait *);
static void	lsp_wait_fire_now(void *);
static void	lsp_proc_exited(struct proc *, int, void *);
static void	lsp_shutdown_check(struct lsp_manager *);
static void	lsp_shutdown_force(void *);
static void	lsp_shutdown_reply(struct lsp_req *, json_t *,
		    const char *);
static const char *lsp_severity_name(int);
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

/* Severity names as compilers print them. */
static const char *
lsp_severity_name(int sev)
{
	switch (sev) {
	case 1:
		return ("error");
	case 2:
		return ("warning");
	case 3:
		return ("info");
	default:
		return ("hint");
	}
}

/* Tell the UI something changed, at most every 100 ms. */
static void
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
static struct lsp_server *
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
/* Processes */

/* Start the server process for s and send initialize. */
static int
lsp_server_spawn(struct lsp_server *s, char **cause)
{
	struct lsp_manager	*m = s->m;
	struct proc_spec	 spec;
	const char		*env[2];
	char			*tag;

	/* AGENTOS_LSP marks the processes as ours (tests count them). */
	tag = xasprintf("AGENTOS_LSP=%ld:%s:%s", (long)getpid(),
	    s->conf->name, s->root);
	env[0] = tag;
	env[1] = NULL;
	memset(&spec, 0, sizeof spec);
	spec.argv = (const char *const *)s->conf->argv;
	spec.cwd = s->root;
	spec.env = env;
	spec.in = spec.out = spec.err = PROC_PIPE;
	spec.flags = PROC_GUARD;
	spec.grace_ms = LSP_GUARD_GRACE_MS;
	s->proc = proc_spawn(&spec, lsp_proc_exited, m, cause);
	free(tag);
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
static void
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
static void
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
static void
lsp_server_drain_err(struct lsp_server *s)
{
	char	tmp[4096];
	ssize_t	n;
	size_t	keep;

	if (s->err_fd == -1)
		return;
	for (;;) {
		n = read(s->err_fd, tmp, sizeof tmp);
		if (n <= 0) {
			if (n == 0 && s->ev_err != NULL)
				event_del(s->ev_err);
			return;
		}
		if ((size_t)n >= sizeof s->errtail) {
			memcpy(s->errtail, tmp + n - (sizeof s->errtail - 1),
			    sizeof s->errtail - 1);
			s->errlen = sizeof s->errtail - 1;
			continue;
		}
		if (s->errlen + n >= sizeof s->errtail) {
			keep = sizeof s->errtail - 1 - n;
			memmove(s->errtail, s->errtail + s->errlen - keep,
			    keep);
			s->errlen = keep;
		}
		memcpy(s->errtail + s->errlen, tmp, n);
		s->errlen += n;
	}
}

/* Server stderr readable. */
static void
lsp_server_err_cb(evutil_socket_t fd, short what, void *arg)
{
	lsp_server_drain_err(arg);
}

/* Send a notification; params is stolen. */
static void
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
static struct lsp_req *
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
static void
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
static void
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
static void
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
static void
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

/* Find the stored diagnostics of uri. */
static struct lsp_filediag *
lsp_filediag_find(struct lsp_server *s, const char *uri)
{
	struct lsp_filediag	*fd;

	TAILQ_FOREACH(fd, &s->diags, entry) {
		if (strcmp(fd->uri, uri) == 0)
			return (fd);
	}
	return (NULL);
}

/* Empty a file's diagnostics. */
static void
lsp_filediag_clear(struct lsp_filediag *fd)
{
	size_t	i;

	for (i = 0; i < fd->nr; i++)
		free(fd->v[i].message);
	fd->nr = 0;
	fd->errors = fd->warnings = 0;
}

/*
 * Store the diagnostics of uri (published, or pulled when push is 0) and
 * wake the waits on it.
 */
static void
lsp_handle_diagnostics(struct lsp_server *s, const char *uri, json_t *list,
    int version, int push)
{
	struct lsp_filediag	*fd;
	struct lsp_wait		*w;
	struct lsp_diag		*d;
	json_t			*e, *start;
	const char		*msg;
	size_t			 i;
	struct lsp_doc		*doc;

	if ((fd = lsp_filediag_find(s, uri)) == NULL) {
		if (s->ndiags >= LSP_MAX_DIAG_FILES &&
		    (doc = lsp_doc_find(s, uri)) == NULL)
			return;		/* a flood for files we never opened */
		fd = xcalloc(1, sizeof *fd);
		fd->uri = xstrdup(uri);
		TAILQ_INSERT_TAIL(&s->diags, fd, entry);
		s->ndiags++;
	}
	lsp_filediag_clear(fd);
	json_array_foreach(list, i, e) {
		start = json_object_get(json_object_get(e, "range"), "start");
		msg = json_string_value(json_object_get(e, "message"));
		if (msg == NULL)
			continue;
		d = NULL;
		if (fd->nr < LSP_MAX_DIAG_STORED) {
			ALLOC_GROW(fd->v, fd->nr + 1, fd->alloc);
			d = &fd->v[fd->nr++];
			d->severity = 1;
			if (json_is_integer(json_object_get(e, "severity")))
				d->severity = (int)json_integer_value(
				    json_object_get(e, "severity"));
			d->line = (unsigned int)json_integer_value(
			    json_object_get(start, "line"));
			d->ch = (unsigned int)json_integer_value(
			    json_object_get(start, "character"));
			d->message = xstrdup(msg);
		}
		if (d == NULL || d->severity == 1)
			fd->errors++;
		else if (d->severity == 2)
			fd->warnings++;
	}
	TAILQ_FOREACH(w, &s->m->waits, entry) {
		if (w->s != s || strcmp(w->uri, uri) != 0)
			continue;
		if (push && version >= 0 && version < w->version)
			continue;	/* for an older text */
		if (!push || w->pull == NULL) {
			w->got = 1;
			if (w->settle != NULL)
				loop_timer_cancel(w->settle);
			w->settle = loop_timer_add(push ?
			    s->m->opts.diagnostics_settle_ms : 0,
			    lsp_wait_settle, w);
		}
	}
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
static void
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

/* ------------------------------------------------------------------------ */
/* Documents (spec: "Text Document Synchronization") */

/* The open document of uri, or NULL. */
static struct lsp_doc *
lsp_doc_find(struct lsp_server *s, const char *uri)
{
	struct lsp_doc	*d;

	TAILQ_FOREACH(d, &s->docs, entry) {
		if (strcmp(d->uri, uri) == 0)
			return (d);
	}
	return (NULL);
}

/* Send didOpen for d. */
static void
lsp_doc_open(struct lsp_server *s, struct lsp_doc *d)
{
	lsp_notify(s, "textDocument/didOpen", json_pack(
	    "{s:{s:s,s:s,s:i,s:s%}}", "textDocument", "uri", d->uri,
	    "languageId", lsp_language_id(d->path), "version", d->version,
	    "text", d->text, d->len));
	d->sent = 1;
}

/* Send didClose for d and forget it. */
static void
lsp_doc_close(struct lsp_server *s, struct lsp_doc *d)
{
	if (d->sent && s->state != LSP_STARTING)
		lsp_notify(s, "textDocument/didClose", json_pack(
		    "{s:{s:s}}", "textDocument", "uri", d->uri));
	TAILQ_REMOVE(&s->docs, d, entry);
	s->ndocs--;
	lsp_doc_free(d);
}

/* Free a document. */
static void
lsp_doc_free(struct lsp_doc *d)
{
	free(d->uri);
	free(d->path);
	free(d->text);
	free(d);
}

/*
 * Make the server's view of path equal text (len bytes): didOpen, or
 * didChange (full, or one incremental range from the common prefix and
 * suffix), then didSave when save is set.  Before the server is ready the
 * text is only recorded; lsp_server_ready() opens it.
 */
static struct lsp_doc *
lsp_doc_sync(struct lsp_server *s, const char *path, const char *text,
    size_t len, int save)
{
	struct lsp_doc	*d, *old;
	char		*uri = lsp_uri_from_path(path);
	size_t		 pre, suf, i, sl, sc, el, ec, ls, le;
	json_t		*change;
	int		 live = s->state == LSP_READY ||
			    s->state == LSP_INDEXING;

	d = lsp_doc_find(s, uri);
	if (d == NULL) {
		/* Bound the open set: close the least recently used. */
		while (s->ndocs >= LSP_MAX_DOCS) {
			old = NULL;
			TAILQ_FOREACH(d, &s->docs, entry) {
				if (old == NULL || d->used_ms < old->used_ms)
					old = d;
			}
			lsp_doc_close(s, old);
		}
		d = xcalloc(1, sizeof *d);
		d->uri = uri;
		d->path = xstrdup(path);
		d->version = 1;
		d->text = xmalloc(len + 1);
		memcpy(d->text, text, len);
		d->text[len] = '\0';
		d->len = len;
		TAILQ_INSERT_TAIL(&s->docs, d, entry);
		s->ndocs++;
		d->used_ms = loop_now_ms();
		if (live)
			lsp_doc_open(s, d);
		goto saved;
	}
	free(uri);
	d->used_ms = loop_now_ms();
	if (d->len == len && memcmp(d->text, text, len) == 0)
		goto saved;
	d->version++;
	if (live && d->sent && s->sync_kind != 0) {
		if (s->sync_kind == 2) {
			/* One range: [pre, d->len - suf) becomes the rest. */
			for (pre = 0; pre < len && pre < d->len &&
			    text[pre] == d->text[pre]; pre++)
				;
			/* Never split a UTF-8 sequence. */
			while (pre > 0 && (d->text[pre] & 0xc0) == 0x80)
				pre--;
			for (suf = 0; suf < len - pre && suf < d->len - pre &&
			    text[len - 1 - suf] == d->text[d->len - 1 - suf];
			    suf++)
				;
			while (suf > 0 && (d->text[d->len - suf] & 0xc0) ==
			    0x80)
				suf--;
			sl = el = 0;
			ls = le = 0;
			for (i = 0; i < pre; i++) {
				if (d->text[i] == '\n') {
					sl++;
					ls = i + 1;
				}
			}
			el = sl;
			le = ls;
			for (i = pre; i < d->len - suf; i++) {
				if (d->text[i] == '\n') {
					el++;
					le = i + 1;
				}
			}
			sc = lsp_col_to_server(d->text + ls, d->len - ls,
			    pre - ls, s->utf8);
			ec = lsp_col_to_server(d->text + le, d->len - le,
			    d->len - suf - le, s->utf8);
			change = json_pack("{s:{s:{s:I,s:I},s:{s:I,s:I}},"
			    "s:s%}", "range", "start", "line",
			    (json_int_t)sl, "character", (json_int_t)sc,
			    "end", "line", (json_int_t)el, "character",
			    (json_int_t)ec,
			    "text", text + pre, len - suf - pre);
		} else
			change = json_pack("{s:s%}", "text", text, len);
		lsp_notify(s, "textDocument/didChange", json_pack(
		    "{s:{s:s,s:i},s:[o]}", "textDocument", "uri", d->uri,
		    "version", d->version, "contentChanges", change));
	}
	free(d->text);
	d->text = xmalloc(len + 1);
	memcpy(d->text, text, len);
	d->text[len] = '\0';
	d->len = len;
saved:
	if (save && live && d->sent) {
		if (s->save_text)
			lsp_notify(s, "textDocument/didSave", json_pack(
			    "{s:{s:s},s:s%}", "textDocument", "uri", d->uri,
			    "text", d->text, d->len));
		else
			lsp_notify(s, "textDocument/didSave", json_pack(
			    "{s:{s:s}}", "textDocument", "uri", d->uri));
	}
	return (d);
}

void
lsp_file_read(struct lsp_manager *m, const char *abs_path,
    const char *content, size_t len)
{
	struct lsp_server	*s;
	char			*cause = NULL;

	if ((s = lsp_server_get(m, abs_path, 1, &cause)) == NULL) {
		free(cause);
		return;
	}
	lsp_doc_sync(s, abs_path, content, len, 0);
}

/* ------------------------------------------------------------------------ */
/* Diagnostics after an edit */

struct lsp_wait *
lsp_after_edit(struct lsp_manager *m, const char *abs_path,
    const char *content, size_t len,
    void (*done)(void *, const char *), void *arg)
{
	struct lsp_wait		*w = xcalloc(1, sizeof *w);
	struct lsp_server	*s;
	struct lsp_filediag	*fd;
	struct lsp_doc		*d;
	char			*cause = NULL;
	size_t			 i, rootlen = strlen(m->root);

	w->m = m;
	w->done = done;
	w->arg = arg;
	w->uri = lsp_uri_from_path(abs_path);
	if (strncmp(abs_path, m->root, rootlen) == 0 &&
	    abs_path[rootlen] == '/')
		w->rel = xstrdup(abs_path + rootlen + 1);
	else
		w->rel = xstrdup(abs_path);
	TAILQ_INSERT_TAIL(&m->waits, w, entry);

	s = lsp_server_get(m, abs_path, 1, &cause);
	if (s == NULL) {
		/* Tell the agent once that a server it had is broken. */
		if (cause != NULL && strstr(cause, " is broken for ") != NULL) {
			TAILQ_FOREACH(s, &m->servers, entry) {
				if (s->state == LSP_BROKEN && !s->told_broken &&
				    strstr(cause, s->conf->name) == cause) {
					s->told_broken = 1;
					w->notice = xasprintf("LSP: %s; no "
					    "diagnostics from it for the rest "
					    "of the session.\n", cause);
				}
			}
		}
		free(cause);
		w->deadline = loop_timer_add(0, lsp_wait_fire_now, w);
		return (w);
	}
	w->s = s;
	if ((fd = lsp_filediag_find(s, w->uri)) != NULL) {
		w->had_prev = fd->errors + fd->warnings > 0;
		w->known_prev = 1;
		for (i = 0; i < fd->nr; i++) {
			if (fd->v[i].severity > 2)
				continue;
			w->prev = xreallocarray(w->prev, w->nprev + 1,
			    sizeof *w->prev);
			w->prev[w->nprev++] = xasprintf("%d\t%s",
			    fd->v[i].severity, fd->v[i].message);
		}
	}
	d = lsp_doc_sync(s, abs_path, content, len, 1);
	w->version = d->version;
	w->deadline = loop_timer_add(m->opts.diagnostics_timeout_ms,
	    lsp_wait_deadline, w);
	if (s->pull_diags && (s->state == LSP_READY ||
	    s->state == LSP_INDEXING))
		lsp_wait_pull(w);
	return (w);
}

/* Pull diagnostics (spec: "textDocument/diagnostic", 3.17). */
static void
lsp_wait_pull(struct lsp_wait *w)
{
	struct lsp_req	*r;

	r = lsp_req_new(w->s, "textDocument/diagnostic", json_pack(
	    "{s:{s:s}}", "textDocument", "uri", w->uri),
	    w->m->opts.diagnostics_timeout_ms);
	r->fn = lsp_wait_pull_done;
	r->priv = w;
	w->pull = r;
	lsp_req_send(r);
}

/* A pull answer: "full" replaces the file's diagnostics. */
static void
lsp_wait_pull_done(struct lsp_req *r, json_t *result, const char *error)
{
	struct lsp_wait	*w = r->priv;
	const char	*kind;

	w->pull = NULL;
	if (error != NULL || result == NULL)
		return;		/* the push path or the deadline decides */
	kind = json_string_value(json_object_get(result, "kind"));
	if (kind != NULL && strcmp(kind, "full") == 0)
		lsp_handle_diagnostics(w->s, w->uri,
		    json_object_get(result, "items"), -1, 0);
	else {
		w->got = 1;	/* "unchanged": what we have is current */
		if (w->settle != NULL)
			loop_timer_cancel(w->settle);
		w->settle = loop_timer_add(0, lsp_wait_settle, w);
	}
}

/* A wait with nothing to wait for. */
static void
lsp_wait_fire_now(void *arg)
{
	struct lsp_wait	*w = arg;

	w->deadline = NULL;
	lsp_wait_finish(w);
}

/* The overall deadline passed. */
static void
lsp_wait_deadline(void *arg)
{
	struct lsp_wait	*w = arg;

	w->deadline = NULL;
	lsp_wait_finish(w);
}

/* Diagnostics were quiet for the settle time. */
static void
lsp_wait_settle(void *arg)
{
	struct lsp_wait	*w = arg;

	w->settle = NULL;
	lsp_wait_finish(w);
}

/* Format the result, call done, free w. */
static void
lsp_wait_finish(struct lsp_wait *w)
{
	struct lsp_manager	*m = w->m;
	struct lsp_server	*s = w->s;
	struct lsp_filediag	*fd = NULL;
	struct lsp_doc		*d = NULL;
	struct buf		 b = BUF_INIT;
	const char		*line, *nl;
	struct lsp_diag		*dg;
	size_t			 i, j, col, shown = 0, omitted = 0;
	unsigned int		 ln;
	char			*key;
	int			 isnew;

	if (w->notice != NULL)
		buf_adds(&b, w->notice);
	if (s != NULL && w->got)
		fd = lsp_filediag_find(s, w->uri);
	if (s != NULL)
		d = lsp_doc_find(s, w->uri);
	if (fd != NULL && fd->errors + fd->warnings > 0) {
		buf_addf(&b, "LSP diagnostics (%s) for %s: %d error%s, %d "
		    "warning%s\n", s->conf->name, w->rel, fd->errors,
		    fd->errors == 1 ? "" : "s", fd->warnings,
		    fd->warnings == 1 ? "" : "s");
		/* Errors first, then warnings. */
		for (j = 1; j <= 2; j++) {
			for (i = 0; i < fd->nr; i++) {
				dg = &fd->v[i];
				if ((size_t)dg->severity != j)
					continue;
				if (shown >= (size_t)m->opts.max_diagnostics) {
					omitted++;
					continue;
				}
				col = dg->ch;
				if (d != NULL) {
					line = d->text;
					for (ln = 0; ln < dg->line && line !=
					    NULL; ln++) {
						nl = strchr(line, '\n');
						line = nl != NULL ? nl + 1 :
						    NULL;
					}
					if (line != NULL)
						col = lsp_col_from_server(line,
						    d->len - (line - d->text),
						    dg->ch, s->utf8);
				}
				key = xasprintf("%d\t%s", dg->severity,
				    dg->message);
				isnew = w->known_prev;
				for (ln = 0; ln < w->nprev; ln++) {
					if (strcmp(w->prev[ln], key) == 0)
						isnew = 0;
				}
				free(key);
				buf_addf(&b, "%s:%u:%zu: %s: ", w->rel,
				    dg->line + 1, col + 1,
				    lsp_severity_name(dg->severity));
				for (line = dg->message; *line != '\0';
				    line++)
					buf_addch(&b, *line == '\n' ? ' ' :
					    *line);
				buf_adds(&b, isnew ? " (new)\n" : "\n");
				shown++;
			}
		}
		if (omitted > 0)
			buf_addf(&b, "(%zu more not shown)\n", omitted);
	} else if (fd != NULL && w->had_prev)
		buf_addf(&b, "LSP (%s): no errors or warnings in %s now.\n",
		    s->conf->name, w->rel);
	else if (s != NULL && !w->got && (s->state == LSP_STARTING ||
	    s->state == LSP_RESTARTING || s->state == LSP_INDEXING)) {
		buf_addf(&b, "LSP: %s is %s; no diagnostics for %s within "
		    "%u ms.\n", s->conf->name, lsp_state_name(s->state),
		    w->rel, m->opts.diagnostics_timeout_ms);
	} else if (s != NULL && s->state == LSP_BROKEN && !s->told_broken) {
		s->told_broken = 1;
		buf_addf(&b, "LSP: %s is broken for %s (%s); no diagnostics "
		    "from it for the rest of the session.\n", s->conf->name,
		    s->root, s->error != NULL ? s->error : "failed");
	}
	TAILQ_REMOVE(&m->waits, w, entry);
	if (w->done != NULL)
		w->done(w->arg, b.len > 0 ? b.buf : NULL);
	buf_release(&b);
	lsp_wait_free(w);
}

/* Free a wait (already unlinked). */
static void
lsp_wait_free(struct lsp_wait *w)
{
	size_t	i;

	if (w->deadline != NULL)
		loop_timer_cancel(w->deadline);
	if (w->settle != NULL)
		loop_timer_cancel(w->settle);
	if (w->pull != NULL) {
		w->pull->fn = NULL;
		w->pull->priv = NULL;
	}
	for (i = 0; i < w->nprev; i++)
		free(w->prev[i]);
	free(w->prev);
	free(w->notice);
	free(w->uri);
	free(w->rel);
	free(w);
}

void
lsp_wait_cancel(struct lsp_wait *w)
{
	if (w == NULL)
		return;
	TAILQ_REMOVE(&w->m->waits, w, entry);
	lsp_wait_free(w);
}

int
lsp_diagnostic_counts(struct lsp_manager *m, const char *abs_path,
    int *errors, int *warnings)
{
	struct lsp_server	*s;
	struct lsp_filediag	*fd;
	char			*uri = lsp_uri_from_path(abs_path);
	int			 found = 0;

	*errors = *warnings = 0;
	TAILQ_FOREACH(s, &m->servers, entry) {
		if ((fd = lsp_filediag_find(s, uri)) != NULL) {
			*errors += fd->errors;
			*warnings += fd->warnings;
			found = 1;
		}
	}
	free(uri);
	return (found ? 0 : -1);
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
static void
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
