/* jsonrpc.c: a JSON-RPC 2.0 endpoint in the loop (see jsonrpc.h). */
#include <sys/queue.h>

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <event2/event.h>

#include "agentos.h"
#include "lsp.h"
#include "jsonrpc.h"
#include "banned.h"

#define JSONRPC_READ_SIZE	65536

struct jsonrpc_call {
	struct jsonrpc		*rpc;
	json_int_t		 id;
	char			*method;
	struct loop_timer	*timer;
	jsonrpc_cb		 cb;
	void			*arg;
	TAILQ_ENTRY(jsonrpc_call) entry;
};

struct jsonrpc {
	const struct jsonrpc_transport	*t;		/* or descriptors */
	void				*targ;
	int				 in_fd, out_fd;
	struct event			*ev_read, *ev_write;
	const struct jsonrpc_framing	*framing;
	void				*fstate;
	const struct jsonrpc_options	*opts;
	const struct jsonrpc_handlers	*h;
	void				*arg;
	struct buf			 out;
	json_int_t			 next_id;
	TAILQ_HEAD(, jsonrpc_call)	 calls;
	size_t				 ncalls;
	int				 closed;
	int				 freed;
	int				 closing;	/* output */
};

/* Monotonic nanoseconds, for the stats. */
static uint64_t
jsonrpc_ns(void)
{
	struct timespec	ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ((uint64_t)ts.tv_sec * 1000000000 + ts.tv_nsec);
}

static void	jsonrpc_read_cb(evutil_socket_t, short, void *);
static void	jsonrpc_write_cb(evutil_socket_t, short, void *);
static void	jsonrpc_flush(struct jsonrpc *);
static int	jsonrpc_send(struct jsonrpc *, json_t *);
static void	jsonrpc_handle(struct jsonrpc *, json_t *);
static void	jsonrpc_message(struct jsonrpc *, const char *, size_t);
static void	jsonrpc_die(struct jsonrpc *, const char *);
static void	jsonrpc_finish(struct jsonrpc_call *, json_t *, json_t *);
static void	jsonrpc_call_free(struct jsonrpc_call *);
static void	jsonrpc_timeout_cb(void *);
static void	jsonrpc_free_cb(void *);

/* ------------------------------------------------------------------------ */
/* Framings */

/* LSP Content-Length: lsp-framing.c behind the vtable. */
static void *
jsonrpc_lsp_create(size_t max)
{
	struct lsp_framing	*f = xmalloc(sizeof *f);

	lsp_framing_init(f, max);
	return (f);
}

static void
jsonrpc_lsp_free(void *state)
{
	lsp_framing_release(state);
	free(state);
}

static void
jsonrpc_lsp_feed(void *state, const char *data, size_t len)
{
	lsp_framing_feed(state, data, len);
}

static int
jsonrpc_lsp_next(void *state, const char **msg, size_t *len, char **cause)
{
	return (lsp_framing_next(state, msg, len, cause));
}

const struct jsonrpc_framing jsonrpc_framing_lsp = {
	.name = "lsp",
	.create = jsonrpc_lsp_create,
	.free = jsonrpc_lsp_free,
	.feed = jsonrpc_lsp_feed,
	.next = jsonrpc_lsp_next,
	.encode = lsp_framing_encode,
};

/* Newline-delimited JSON: lines from pos; a too-long line is dropped. */
struct jsonrpc_nd {
	struct buf	 in;
	size_t		 pos;
	size_t		 max;
	int		 skipping;	/* dropping until the next newline */
	size_t		 skipped;
};

static void *
jsonrpc_nd_create(size_t max)
{
	struct jsonrpc_nd	*f = xcalloc(1, sizeof *f);

	buf_init(&f->in, 0);
	f->max = max;
	return (f);
}

static void
jsonrpc_nd_free(void *state)
{
	struct jsonrpc_nd	*f = state;

	buf_release(&f->in);
	free(f);
}

static void
jsonrpc_nd_feed(void *state, const char *data, size_t len)
{
	struct jsonrpc_nd	*f = state;

	/* Drop what was consumed before growing. */
	if (f->pos > 0) {
		buf_remove_head(&f->in, f->pos);
		f->pos = 0;
	}
	buf_add(&f->in, data, len);
}

static int
jsonrpc_nd_next(void *state, const char **msg, size_t *len, char **cause)
{
	struct jsonrpc_nd	*f = state;
	const char		*start, *nl;
	size_t			 n;

	for (;;) {
		start = f->in.buf + f->pos;
		n = f->in.len - f->pos;
		nl = memchr(start, '\n', n);
		if (f->skipping) {
			if (nl == NULL) {
				f->skipped += n;
				f->pos = f->in.len;
				return (JSONRPC_FRAME_MORE);
			}
			f->skipped += nl - start;
			f->pos += nl - start + 1;
			f->skipping = 0;
			*cause = xasprintf("message of %zu bytes skipped "
			    "(limit %zu)", f->skipped, f->max);
			return (JSONRPC_FRAME_SKIPPED);
		}
		if (nl == NULL) {
			if (f->max != 0 && n > f->max) {
				f->skipping = 1;
				f->skipped = n;
				f->pos = f->in.len;
			}
			return (JSONRPC_FRAME_MORE);
		}
		n = nl - start;
		f->pos += n + 1;
		if (n > 0 && start[n - 1] == '\r')
			n--;
		if (n == 0)
			continue;	/* blank lines are not messages */
		if (f->max != 0 && n > f->max) {
			*cause = xasprintf("message of %zu bytes skipped "
			    "(limit %zu)", n, f->max);
			return (JSONRPC_FRAME_SKIPPED);
		}
		*msg = start;
		*len = n;
		return (JSONRPC_FRAME_MESSAGE);
	}
}

static void
jsonrpc_nd_encode(struct buf *out, const char *body, size_t len)
{
	buf_add(out, body, len);
	buf_addch(out, '\n');
}

const struct jsonrpc_framing jsonrpc_framing_ndjson = {
	.name = "ndjson",
	.create = jsonrpc_nd_create,
	.free = jsonrpc_nd_free,
	.feed = jsonrpc_nd_feed,
	.next = jsonrpc_nd_next,
	.encode = jsonrpc_nd_encode,
};

/* ------------------------------------------------------------------------ */
/* The endpoint */

struct jsonrpc *
jsonrpc_create(int in_fd, int out_fd, const struct jsonrpc_framing *framing,
    const struct jsonrpc_options *opts, const struct jsonrpc_handlers *h,
    void *arg)
{
	struct jsonrpc	*rpc = xcalloc(1, sizeof *rpc);

	rpc->in_fd = in_fd;
	rpc->out_fd = out_fd;
	rpc->framing = framing;
	rpc->fstate = framing->create(opts->max_message);
	rpc->opts = opts;
	rpc->h = h;
	rpc->arg = arg;
	rpc->next_id = 1;
	buf_init(&rpc->out, 0);
	TAILQ_INIT(&rpc->calls);
	evutil_make_socket_nonblocking(in_fd);
	evutil_make_socket_nonblocking(out_fd);
	rpc->ev_read = event_new(loop_base, in_fd, EV_READ | EV_PERSIST,
	    jsonrpc_read_cb, rpc);
	rpc->ev_write = event_new(loop_base, out_fd, EV_WRITE | EV_PERSIST,
	    jsonrpc_write_cb, rpc);
	if (rpc->ev_read == NULL || rpc->ev_write == NULL)
		fatalx("event_new failed");
	event_add(rpc->ev_read, NULL);
	return (rpc);
}

struct jsonrpc *
jsonrpc_create_transport(const struct jsonrpc_transport *t, void *targ,
    const struct jsonrpc_options *opts, const struct jsonrpc_handlers *h,
    void *arg)
{
	struct jsonrpc	*rpc = xcalloc(1, sizeof *rpc);

	rpc->t = t;
	rpc->targ = targ;
	rpc->in_fd = rpc->out_fd = -1;
	rpc->opts = opts;
	rpc->h = h;
	rpc->arg = arg;
	rpc->next_id = 1;
	buf_init(&rpc->out, 0);
	TAILQ_INIT(&rpc->calls);
	return (rpc);
}

void
jsonrpc_input(struct jsonrpc *rpc, const char *body, size_t len)
{
	struct jsonrpc_stats	*st = rpc->opts->stats;
	uint64_t		 t0;

	if (rpc->closed)
		return;
	if (rpc->opts->max_message != 0 && len > rpc->opts->max_message) {
		log_debug("jsonrpc: message of %zu bytes skipped (limit %zu)",
		    len, rpc->opts->max_message);
		return;
	}
	t0 = jsonrpc_ns();
	if (st != NULL)
		st->reads++;
	jsonrpc_message(rpc, body, len);
	if (st != NULL && !rpc->freed) {
		t0 = jsonrpc_ns() - t0;
		st->recv_ns += t0;
		if (t0 > st->recv_max_ns)
			st->recv_max_ns = t0;
	}
}

void
jsonrpc_transport_closed(struct jsonrpc *rpc, const char *why)
{
	jsonrpc_die(rpc, why);
}

void *
jsonrpc_transport_arg(struct jsonrpc *rpc)
{
	return (rpc->targ);
}

/* Stop the events and close the descriptors. */
static void
jsonrpc_close_fds(struct jsonrpc *rpc)
{
	if (rpc->ev_read != NULL)
		event_free(rpc->ev_read);
	if (rpc->ev_write != NULL)
		event_free(rpc->ev_write);
	rpc->ev_read = rpc->ev_write = NULL;
	if (rpc->in_fd != -1)
		close(rpc->in_fd);
	if (rpc->out_fd != -1 && rpc->out_fd != rpc->in_fd)
		close(rpc->out_fd);
	rpc->in_fd = rpc->out_fd = -1;
}

void
jsonrpc_close_output(struct jsonrpc *rpc)
{
	if (rpc->t != NULL) {
		rpc->closing = 1;
		return;
	}
	if (rpc->closed || rpc->out_fd == rpc->in_fd)
		return;
	rpc->closing = 1;
	jsonrpc_flush(rpc);
}

int
jsonrpc_fd(struct jsonrpc *rpc, int output)
{
	return (output ? rpc->out_fd : rpc->in_fd);
}

size_t
jsonrpc_queued(struct jsonrpc *rpc)
{
	return (rpc->out.len);
}

void
jsonrpc_read(struct jsonrpc *rpc)
{
	if (!rpc->closed && rpc->in_fd != -1)
		jsonrpc_read_cb(rpc->in_fd, EV_READ, rpc);
}

void
jsonrpc_write(struct jsonrpc *rpc)
{
	jsonrpc_flush(rpc);
}

void
jsonrpc_free(struct jsonrpc *rpc)
{
	struct jsonrpc_call	*c;

	if (rpc == NULL || rpc->freed)
		return;
	rpc->freed = rpc->closed = 1;
	while ((c = TAILQ_FIRST(&rpc->calls)) != NULL) {
		TAILQ_REMOVE(&rpc->calls, c, entry);
		jsonrpc_call_free(c);
	}
	jsonrpc_close_fds(rpc);
	/* The transport stops now; it defers its own free as we do. */
	if (rpc->t != NULL && rpc->t->free != NULL)
		rpc->t->free(rpc->targ);
	loop_timer_add(0, jsonrpc_free_cb, rpc);
}

/* The deferred part of jsonrpc_free(). */
static void
jsonrpc_free_cb(void *arg)
{
	struct jsonrpc	*rpc = arg;

	if (rpc->framing != NULL)
		rpc->framing->free(rpc->fstate);
	buf_release(&rpc->out);
	free(rpc);
}

size_t
jsonrpc_pending(struct jsonrpc *rpc)
{
	return (rpc->ncalls);
}

int
jsonrpc_closed(struct jsonrpc *rpc)
{
	return (rpc->closed);
}

/*
 * The peer died: fail every pending call once, then say so once.  Runs
 * inside callbacks; rpc stays allocated (the owner frees it).
 */
static void
jsonrpc_die(struct jsonrpc *rpc, const char *why)
{
	struct jsonrpc_call	*c;
	json_t			*err;

	if (rpc->closed)
		return;
	rpc->closed = 1;
	log_debug("jsonrpc: closed: %s", why);
	jsonrpc_close_fds(rpc);
	err = json_pack("{s:i,s:s}", "code", JSONRPC_E_CLOSED, "message",
	    why);
	while (!rpc->freed && (c = TAILQ_FIRST(&rpc->calls)) != NULL)
		jsonrpc_finish(c, NULL, err);
	json_decref(err);
	if (!rpc->freed && rpc->h->closed != NULL)
		rpc->h->closed(rpc, why, rpc->arg);
}

/* Input is readable: frame, parse and dispatch what is complete. */
static void
jsonrpc_read_cb(evutil_socket_t fd, short what, void *arg)
{
	struct jsonrpc	*rpc = arg;
	char		 tmp[JSONRPC_READ_SIZE];
	const char	*msg;
	char		*cause, *why;
	size_t		 len;
	ssize_t		 n;
	int		 rc;
	uint64_t	 t0;
	struct jsonrpc_stats *st = rpc->opts->stats;

	n = read(rpc->in_fd, tmp, sizeof tmp);
	if (n == -1 && (errno == EAGAIN || errno == EINTR))
		return;
	if (n <= 0) {
		why = n == 0 ? xstrdup("end of file") :
		    xasprintf("read: %s", strerror(errno));
		jsonrpc_die(rpc, why);
		free(why);
		return;
	}
	t0 = jsonrpc_ns();
	if (st != NULL)
		st->reads++;
	rpc->framing->feed(rpc->fstate, tmp, n);
	while (!rpc->closed) {
		rc = rpc->framing->next(rpc->fstate, &msg, &len, &cause);
		if (rc == JSONRPC_FRAME_MORE)
			break;
		if (rc == JSONRPC_FRAME_ERROR) {
			why = xasprintf("bad framing: %s", cause);
			free(cause);
			jsonrpc_die(rpc, why);
			free(why);
			return;
		}
		if (rc == JSONRPC_FRAME_SKIPPED) {
			log_debug("jsonrpc: %s", cause);
			free(cause);
			continue;
		}
		jsonrpc_message(rpc, msg, len);
	}
	if (st != NULL && !rpc->freed) {
		t0 = jsonrpc_ns() - t0;
		st->recv_ns += t0;
		if (t0 > st->recv_max_ns)
			st->recv_max_ns = t0;
	}
}

/*
 * Parse one body and dispatch it: an object, or a batch (an array of
 * objects, spec section 6) whose members are dispatched in order.
 */
static void
jsonrpc_message(struct jsonrpc *rpc, const char *msg, size_t len)
{
	struct jsonrpc_stats	*st = rpc->opts->stats;
	json_t			*j, *m;
	json_error_t		 jerr;
	size_t			 i;

	j = json_loadb(msg, len, 0, &jerr);
	if (j != NULL && json_is_array(j)) {
		for (i = 0; i < json_array_size(j) && !rpc->closed; i++) {
			m = json_array_get(j, i);
			if (!json_is_object(m))
				continue;
			if (st != NULL)
				st->messages++;
			jsonrpc_handle(rpc, m);
		}
		json_decref(j);
		return;
	}
	if (j == NULL || !json_is_object(j)) {
		/* Spec 5.1: -32700 with a null id. */
		log_debug("jsonrpc: bad JSON: %s", j == NULL ? jerr.text :
		    "not an object");
		json_decref(j);
		return;
	}
	if (st != NULL)
		st->messages++;
	jsonrpc_handle(rpc, j);
	json_decref(j);
}

/* Output is writable. */
static void
jsonrpc_write_cb(evutil_socket_t fd, short what, void *arg)
{
	jsonrpc_flush(arg);
}

/* Write what is queued; wait for writability when it would block. */
static void
jsonrpc_flush(struct jsonrpc *rpc)
{
	ssize_t	 n;
	char	*why;

	while (!rpc->closed && rpc->out_fd != -1 && rpc->out.len > 0) {
		n = write(rpc->out_fd, rpc->out.buf, rpc->out.len);
		if (n == -1) {
			if (errno == EINTR)
				continue;
			if (errno == EAGAIN)
				break;
			why = xasprintf("write: %s", strerror(errno));
			jsonrpc_die(rpc, why);
			free(why);
			return;
		}
		buf_remove_head(&rpc->out, n);
	}
	if (rpc->closed || rpc->out_fd == -1)
		return;
	if (rpc->out.len > 0) {
		event_add(rpc->ev_write, NULL);
		return;
	}
	event_del(rpc->ev_write);
	if (rpc->closing) {
		event_free(rpc->ev_write);
		rpc->ev_write = NULL;
		close(rpc->out_fd);
		rpc->out_fd = -1;
	}
}

/* Queue one message (borrowed) and start writing; -1 when closed. */
static int
jsonrpc_send(struct jsonrpc *rpc, json_t *msg)
{
	char		*text, *why;
	size_t		 len;
	uint64_t	 t0 = jsonrpc_ns();

	if (rpc->closed || rpc->closing)
		return (-1);
	json_object_set_new(msg, "jsonrpc", json_string("2.0"));
	/* Compact output escapes newlines: safe for ndjson. */
	if ((text = json_dumps(msg, JSON_COMPACT)) == NULL)
		return (-1);
	len = strlen(text);
	if (rpc->t != NULL) {
		/* The transport bounds what it has in flight itself. */
		if (rpc->t->send(rpc->targ, text, len, &why) != 0) {
			free(text);
			jsonrpc_die(rpc, why);
			free(why);
			return (-1);
		}
		free(text);
		goto out;
	}
	if (rpc->opts->max_queued != 0 &&
	    rpc->out.len + len > rpc->opts->max_queued) {
		free(text);
		why = xasprintf("not reading its input (%zu bytes queued)",
		    rpc->out.len);
		jsonrpc_die(rpc, why);
		free(why);
		return (-1);
	}
	rpc->framing->encode(&rpc->out, text, len);
	free(text);
	jsonrpc_flush(rpc);
out:
	if (rpc->opts->stats != NULL) {
		rpc->opts->stats->send_ns += jsonrpc_ns() - t0;
		rpc->opts->stats->sends++;
	}
	return (0);
}

int
jsonrpc_notify(struct jsonrpc *rpc, const char *method, json_t *params)
{
	json_t	*msg = json_object();
	int	 rc;

	json_object_set_new(msg, "method", json_string(method));
	if (params != NULL)
		json_object_set_new(msg, "params", params);
	rc = jsonrpc_send(rpc, msg);
	json_decref(msg);
	return (rc);
}

int
jsonrpc_reply(struct jsonrpc *rpc, json_t *id, json_t *result,
    int error_code, const char *message)
{
	json_t	*msg = json_object();
	int	 rc;

	json_object_set(msg, "id", id);
	if (error_code != 0) {
		json_decref(result);
		json_object_set_new(msg, "error", json_pack("{s:i,s:s}",
		    "code", error_code, "message",
		    message != NULL ? message : "error"));
	} else
		json_object_set_new(msg, "result",
		    result != NULL ? result : json_null());
	rc = jsonrpc_send(rpc, msg);
	json_decref(msg);
	return (rc);
}

struct jsonrpc_call *
jsonrpc_call(struct jsonrpc *rpc, const char *method, json_t *params,
    unsigned int timeout_ms, jsonrpc_cb cb, void *arg)
{
	struct jsonrpc_call	*c;
	json_t			*msg;

	if (rpc->closed) {
		json_decref(params);
		return (NULL);
	}
	c = xcalloc(1, sizeof *c);
	c->rpc = rpc;
	c->id = rpc->next_id++;
	c->method = xstrdup(method);
	c->cb = cb;
	c->arg = arg;
	TAILQ_INSERT_TAIL(&rpc->calls, c, entry);
	rpc->ncalls++;
	if (timeout_ms != 0)
		c->timer = loop_timer_add(timeout_ms, jsonrpc_timeout_cb, c);
	msg = json_object();
	json_object_set_new(msg, "id", json_integer(c->id));
	json_object_set_new(msg, "method", json_string(method));
	if (params != NULL)
		json_object_set_new(msg, "params", params);
	/* A failed send already failed c through jsonrpc_die(). */
	jsonrpc_send(rpc, msg);
	json_decref(msg);
	if (rpc->closed)
		return (NULL);
	return (c);
}

json_int_t
jsonrpc_call_id(struct jsonrpc_call *c)
{
	return (c->id);
}

/* Free an unlinked call. */
static void
jsonrpc_call_free(struct jsonrpc_call *c)
{
	loop_timer_cancel(c->timer);
	free(c->method);
	free(c);
}

/* Unlink c and run its callback once. */
static void
jsonrpc_finish(struct jsonrpc_call *c, json_t *result, json_t *error)
{
	struct jsonrpc	*rpc = c->rpc;

	TAILQ_REMOVE(&rpc->calls, c, entry);
	rpc->ncalls--;
	if (c->cb != NULL)
		c->cb(c->arg, result, error);
	jsonrpc_call_free(c);
}

void
jsonrpc_call_cancel(struct jsonrpc_call *c)
{
	struct jsonrpc	*rpc;
	json_int_t	 id;

	if (c == NULL)
		return;
	rpc = c->rpc;
	id = c->id;
	TAILQ_REMOVE(&rpc->calls, c, entry);
	rpc->ncalls--;
	jsonrpc_call_free(c);
	if (!rpc->closed && rpc->h->cancelled != NULL)
		rpc->h->cancelled(rpc, id, rpc->arg);
}

/* A call's timeout: tell the peer, fail the call. */
static void
jsonrpc_timeout_cb(void *arg)
{
	struct jsonrpc_call	*c = arg;
	struct jsonrpc		*rpc = c->rpc;
	json_t			*err;
	json_int_t		 id = c->id;

	c->timer = NULL;
	err = json_pack("{s:i,s:s++}", "code", JSONRPC_E_TIMEOUT, "message",
	    c->method, " ", "timed out");
	jsonrpc_finish(c, NULL, err);
	json_decref(err);
	if (!rpc->closed && rpc->h->cancelled != NULL)
		rpc->h->cancelled(rpc, id, rpc->arg);
}

/* Dispatch one message: a response, a request or a notification. */
static void
jsonrpc_handle(struct jsonrpc *rpc, json_t *j)
{
	json_t			*id = json_object_get(j, "id");
	json_t			*method = json_object_get(j, "method");
	json_t			*err, *params = json_object_get(j, "params");
	struct jsonrpc_call	*c;

	if (json_is_string(method)) {
		if (id != NULL && !json_is_null(id)) {
			if (rpc->h->request != NULL)
				rpc->h->request(rpc, json_string_value(method),
				    id, params, rpc->arg);
			else
				jsonrpc_reply(rpc, id, NULL,
				    JSONRPC_METHOD_NOT_FOUND,
				    "method not found");
		} else if (rpc->h->notification != NULL)
			rpc->h->notification(rpc, json_string_value(method),
			    params, rpc->arg);
		return;
	}
	if (!json_is_integer(id))
		return;		/* we only send integer ids */
	TAILQ_FOREACH(c, &rpc->calls, entry) {
		if (c->id == json_integer_value(id))
			break;
	}
	if (c == NULL)
		return;		/* cancelled or timed out */
	if ((err = json_object_get(j, "error")) != NULL && !json_is_null(err)) {
		if (!json_is_object(err))
			err = json_pack("{s:i,s:s}", "code",
			    JSONRPC_INTERNAL_ERROR, "message", "error");
		else
			json_incref(err);
		jsonrpc_finish(c, NULL, err);
		json_decref(err);
		return;
	}
	jsonrpc_finish(c, json_object_get(j, "result") != NULL ?
	    json_object_get(j, "result") : json_null(), NULL);
}
