/*
 * lsp-private.h: the language server client's insides, shared by lsp.c
 * (the manager: servers per (root, server), requests for tools, status,
 * shutdown), lsp-server.c (one server: process, pipes, the lsp_req
 * lifecycle, messages from the server, initialize, restarts) and
 * lsp-sync.c (document sync, published and pulled diagnostics, the waits
 * after an edit).  Nothing else includes it; the interface is lsp.h.
 *
 * Protocol: LSP 3.17 (microsoft.github.io/language-server-protocol/
 * specifications/lsp/3.17/specification/).
 */
#ifndef LSP_PRIVATE_H
#define LSP_PRIVATE_H

#include <sys/types.h>
#include <sys/queue.h>

#include <event2/event.h>

#include "agentos.h"
#include "lsp.h"
#include "jsonrpc.h"
#include "proc.h"

#define LSP_STDERR_TAIL		2048	/* bytes of stderr kept */


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
	/* sandbox.keep_env (borrowed from the config, NULL-terminated or
	   NULL): what the servers' environment scrub keeps. */
	const char *const	*keep_env;

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

/* lsp.c: the manager. */

/* Tell the UI something changed (the callback runs at most every 100 ms). */
void	lsp_changed(struct lsp_manager *m);

/*
 * The server for path (absolute), started if needed when start is set;
 * the server belongs to m.  NULL with *cause (the caller frees it) when no
 * server is configured and found for path, or it is broken.
 */
struct lsp_server *lsp_server_get(struct lsp_manager *m, const char *path,
	    int start, char **cause);

/* Call m's shutdown callback once nothing runs any more. */
void	lsp_shutdown_check(struct lsp_manager *m);

/* lsp-server.c: one server. */

/*
 * Start the server process for s (under proc.c's guard) and send
 * initialize.  0, or -1 with *cause (the caller frees it).
 */
int	lsp_server_spawn(struct lsp_server *s, char **cause);

/*
 * The server misbehaved or died (printf-style reason): stop reading at
 * once and finish the failure from the loop, so callers up the stack never
 * see s torn down.  Pending requests fail; s restarts with backoff
 * (500 ms doubling, at most opts.max_restarts in a row) or goes broken.
 */
void	lsp_server_fail(struct lsp_server *s, const char *fmt, ...)
	    __attribute__((format(printf, 2, 3)));

/*
 * Close s's pipes and events and hand its guard to m's reaper (closing the
 * guard pipe makes the guard TERM and then KILL the group).  s stays.
 */
void	lsp_server_teardown(struct lsp_server *s);

/*
 * Read what the server wrote on stderr (its pipe is non-blocking), keeping
 * the last LSP_STDERR_TAIL - 1 bytes in s->errtail.
 */
void	lsp_server_drain_err(struct lsp_server *s);

/*
 * The server is initialized (spec: "initialized"): open the recorded
 * documents, send the queued requests and start the pending pulls.
 */
void	lsp_server_ready(struct lsp_server *s);

/* Send the notification method to s; params (may be NULL) is stolen. */
void	lsp_notify(struct lsp_server *s, const char *method, json_t *params);

/*
 * A new request on s, queued on s->reqs until lsp_req_send(); params (NULL:
 * {}) is stolen.  It fails with "timed out" after timeout_ms (0: never).
 * The caller sets fn (and cb, arg, priv); s owns the request.
 */
struct lsp_req *lsp_req_new(struct lsp_server *s, const char *method,
	    json_t *params, unsigned int timeout_ms);

/* Send r now (the server is ready, or r is initialize). */
void	lsp_req_send(struct lsp_req *r);

/*
 * Unlink r, run its fn once with result or error (both borrowed) and free
 * it.
 */
void	lsp_req_finish(struct lsp_req *r, json_t *result, const char *error);

/* The fn of requests made for lsp.h's callers: calls r->cb. */
void	lsp_req_user_fn(struct lsp_req *r, json_t *result,
	    const char *error);

/* Free a request already unlinked from its server. */
void	lsp_req_free(struct lsp_req *r);

/* lsp-sync.c: documents and diagnostics. */

/*
 * Make the server's view of path (absolute) equal text (len bytes, copied):
 * didOpen, or didChange (full, or one incremental range), then didSave
 * when save is set.  Before the server is ready the text is only recorded;
 * lsp_server_ready() opens it.  The document belongs to s.
 */
struct lsp_doc *lsp_doc_sync(struct lsp_server *s, const char *path,
	    const char *text, size_t len, int save);

/* Send didOpen for d. */
void	lsp_doc_open(struct lsp_server *s, struct lsp_doc *d);

/* Free a document already unlinked from its server. */
void	lsp_doc_free(struct lsp_doc *d);

/*
 * Store the diagnostics list (borrowed) of uri, published (push set) or
 * pulled, at the document version (-1: none given), and wake the waits on
 * uri (spec: "textDocument/publishDiagnostics").
 */
void	lsp_handle_diagnostics(struct lsp_server *s, const char *uri,
	    json_t *list, int version, int push);

/* Empty a file's stored diagnostics (fd stays linked). */
void	lsp_filediag_clear(struct lsp_filediag *fd);

/* Pull the diagnostics of w's file (spec: "textDocument/diagnostic"). */
void	lsp_wait_pull(struct lsp_wait *w);

/* Timer callback (arg: a struct lsp_wait): the wait's deadline passed. */
void	lsp_wait_deadline(void *arg);

/* Format w's result, call its done callback, unlink and free w. */
void	lsp_wait_finish(struct lsp_wait *w);

#endif /* LSP_PRIVATE_H */
