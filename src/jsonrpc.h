/*
 * jsonrpc.h: a JSON-RPC 2.0 endpoint over a pair of descriptors, in the
 * loop (spec: https://www.jsonrpc.org/specification).
 *
 * Outgoing requests get integer ids and wait in a pending table, each with
 * its own timeout (a loop timer); responses are dispatched by id in any
 * order; incoming requests and notifications go to handlers.  Input
 * messages and queued output are bounded.  When the peer dies (end of
 * file, a write error, broken framing, a full output queue) every pending
 * request fails once and the closed handler runs once.
 *
 * The framing is a parameter: jsonrpc_framing_lsp (Content-Length headers,
 * LSP 3.17 "Base Protocol") or jsonrpc_framing_ndjson (one message per
 * line, as MCP's stdio transport: modelcontextprotocol.io, Basic /
 * Transports / stdio: "messages are delimited by newlines, and MUST NOT
 * contain embedded newlines").
 */
#ifndef JSONRPC_H
#define JSONRPC_H

#include <stddef.h>
#include <stdint.h>

#include <jansson.h>

struct buf;

/* Error codes (spec section 5.1), and ours in the implementation range. */
#define JSONRPC_PARSE_ERROR	 (-32700)
#define JSONRPC_INVALID_REQUEST	 (-32600)
#define JSONRPC_METHOD_NOT_FOUND (-32601)
#define JSONRPC_INVALID_PARAMS	 (-32602)
#define JSONRPC_INTERNAL_ERROR	 (-32603)
#define JSONRPC_E_TIMEOUT	 (-32090)	/* no answer in time */
#define JSONRPC_E_CLOSED	 (-32091)	/* the peer died */
/*
 * A transport with sessions (MCP Streamable HTTP) lost its session: the
 * server answered 404 to a request carrying the session id (MCP
 * 2025-11-25, Basic / Transports / Streamable HTTP / Session Management,
 * item 4).  The endpoint stays open; the caller sends initialize again
 * (without the old session) and retries.
 */
#define JSONRPC_E_SESSION	 (-32092)

/* Results of a framing's next(): as LSP_FRAME_* in lsp-framing.c. */
#define JSONRPC_FRAME_MORE	0	/* need more bytes */
#define JSONRPC_FRAME_MESSAGE	1	/* *msg, *len: one body */
#define JSONRPC_FRAME_SKIPPED	2	/* an oversized message dropped */
#define JSONRPC_FRAME_ERROR	(-1)	/* the stream cannot go on */

/* A framing: how message bodies are cut from and put into a byte stream. */
struct jsonrpc_framing {
	const char	*name;
	/* A parser state for bodies of at most max_message bytes. */
	void		*(*create)(size_t max_message);
	void		 (*free)(void *state);
	/* Bytes as they arrive, in any split. */
	void		 (*feed)(void *state, const char *data, size_t len);
	/*
	 * The next body: JSONRPC_FRAME_MESSAGE with *msg borrowed until
	 * the next call; SKIPPED and ERROR set *cause (allocated).
	 */
	int		 (*next)(void *state, const char **msg, size_t *len,
			     char **cause);
	/* Append one framed body (no newline inside for ndjson) to out. */
	void		 (*encode)(struct buf *out, const char *body,
			     size_t len);
};
extern const struct jsonrpc_framing jsonrpc_framing_lsp;
extern const struct jsonrpc_framing jsonrpc_framing_ndjson;

struct jsonrpc;
struct jsonrpc_call;

/*
 * A message-level transport, for peers that exchange whole bodies rather
 * than a byte stream (MCP Streamable HTTP: one JSON-RPC message per POST,
 * answers as JSON bodies or SSE events).  The endpoint's core (ids, the
 * pending table, timeouts, cancellation, closed) is the same as over
 * descriptors; only the bytes go elsewhere.
 */
struct jsonrpc_transport {
	const char	*name;
	/*
	 * Send one message body (len bytes of compact JSON, borrowed: copy
	 * it).  0, or -1 with an allocated *cause: the endpoint then dies
	 * with that reason.  Must not call jsonrpc_input() or
	 * jsonrpc_transport_closed() before it returns (defer to the loop).
	 * The transport bounds what it holds in flight (opts->max_queued).
	 */
	int		 (*send)(void *targ, const char *body, size_t len,
			     char **cause);
	/*
	 * jsonrpc_free() ran: stop every transfer and no longer call into
	 * rpc.  May run inside the transport's own callbacks (from a
	 * handler), so the transport defers freeing its memory to the loop.
	 * May be NULL.
	 */
	void		 (*free)(void *targ);
};

struct jsonrpc_handlers {
	/*
	 * A request from the peer; answer it (now or later) with
	 * jsonrpc_reply() on id (borrowed: json_incref to keep it).  NULL:
	 * every request is answered "method not found".
	 */
	void	(*request)(struct jsonrpc *rpc, const char *method,
		    json_t *id, json_t *params, void *arg);
	/* A notification from the peer; params borrowed, may be NULL. */
	void	(*notification)(struct jsonrpc *rpc, const char *method,
		    json_t *params, void *arg);
	/*
	 * A request we sent was abandoned (jsonrpc_call_cancel() or its
	 * timeout) after it was written: tell the peer, e.g. LSP's
	 * $/cancelRequest or MCP's notifications/cancelled.  May be NULL.
	 */
	void	(*cancelled)(struct jsonrpc *rpc, json_int_t id, void *arg);
	/* The peer died (why borrowed); after the pending calls failed. */
	void	(*closed)(struct jsonrpc *rpc, const char *why, void *arg);
};

/* What the endpoint itself spends (ns of CPU-side work, counts). */
struct jsonrpc_stats {
	uint64_t	send_ns, sends;
	uint64_t	recv_ns, recv_max_ns, reads, messages;
};

struct jsonrpc_options {
	size_t		max_message;	/* bytes of one incoming body */
	size_t		max_queued;	/* bytes of output not yet written */
	struct jsonrpc_stats *stats;	/* added to; may be NULL */
};

/*
 * An endpoint reading in_fd and writing out_fd (they may be the same);
 * both are made non-blocking and are closed by jsonrpc_free().  framing,
 * handlers and opts are borrowed and must outlive rpc; arg is passed to
 * every handler.  Needs loop_base.
 */
struct jsonrpc	*jsonrpc_create(int in_fd, int out_fd,
		     const struct jsonrpc_framing *framing,
		     const struct jsonrpc_options *opts,
		     const struct jsonrpc_handlers *handlers, void *arg);
/*
 * An endpoint over transport t (borrowed, must outlive rpc) with targ its
 * state (passed to t's functions; freed by t->free).  opts, handlers, arg
 * as jsonrpc_create().  Needs loop_base only for timeouts.
 */
struct jsonrpc	*jsonrpc_create_transport(const struct jsonrpc_transport *t,
		     void *targ, const struct jsonrpc_options *opts,
		     const struct jsonrpc_handlers *handlers, void *arg);
/*
 * The transport received one body (len bytes, borrowed): a message or a
 * batch (an array of messages).  Bodies over opts->max_message and bad
 * JSON are dropped (logged).  Handlers run before it returns and may free
 * rpc: check a flag of your own, not rpc, afterwards.
 */
void		 jsonrpc_input(struct jsonrpc *rpc, const char *body,
		     size_t len);
/*
 * The transport cannot go on (why borrowed): every pending call fails
 * with JSONRPC_E_CLOSED, then the closed handler runs, once.
 */
void		 jsonrpc_transport_closed(struct jsonrpc *rpc, const char *why);
/* The targ given to jsonrpc_create_transport(); NULL over descriptors. */
void		*jsonrpc_transport_arg(struct jsonrpc *rpc);
/*
 * Close the descriptors (or call the transport's free) and forget pending
 * calls without calling them; freed from the loop, so it is safe inside
 * any callback of rpc.
 */
void		 jsonrpc_free(struct jsonrpc *rpc);

/*
 * Called once per call: result (borrowed) on success, else error, an
 * error object (borrowed) with "code" and "message": the peer's, or
 * JSONRPC_E_TIMEOUT, or JSONRPC_E_CLOSED.
 */
typedef void (*jsonrpc_cb)(void *arg, json_t *result, json_t *error);
/*
 * Send a request; params (stolen, may be NULL) is an object or array.
 * timeout_ms 0 means none.  NULL when rpc is closed (cb is not called).
 * The call is valid until cb runs or jsonrpc_call_cancel().
 */
struct jsonrpc_call *jsonrpc_call(struct jsonrpc *rpc, const char *method,
		     json_t *params, unsigned int timeout_ms, jsonrpc_cb cb,
		     void *arg);
/* The call's id (1, 2, ...). */
json_int_t	 jsonrpc_call_id(struct jsonrpc_call *call);
/* Abandon a call: cb is not called; the cancelled handler is.  NULL ok. */
void		 jsonrpc_call_cancel(struct jsonrpc_call *call);
/* Send a notification; params stolen.  0, or -1 when rpc is closed. */
int		 jsonrpc_notify(struct jsonrpc *rpc, const char *method,
		     json_t *params);
/*
 * Answer request id (borrowed) with result (stolen; NULL is null) or,
 * when error_code is not 0, an error with message.  0, or -1 if closed.
 */
int		 jsonrpc_reply(struct jsonrpc *rpc, json_t *id, json_t *result,
		     int error_code, const char *message);
/*
 * Close the output once what is queued is written (LSP's exit, then
 * end-of-file on the server's stdin); nothing more can be sent.  Only
 * when in_fd and out_fd differ.
 */
void		 jsonrpc_close_output(struct jsonrpc *rpc);
/*
 * For a caller that must wait synchronously without re-entering the loop:
 * the input and output descriptors (-1 once closed), the bytes queued for
 * output, and one read (as when input is readable) or one flush.
 */
int		 jsonrpc_fd(struct jsonrpc *rpc, int output);
size_t		 jsonrpc_queued(struct jsonrpc *rpc);
void		 jsonrpc_read(struct jsonrpc *rpc);
void		 jsonrpc_write(struct jsonrpc *rpc);
/* Requests sent and not yet answered. */
size_t		 jsonrpc_pending(struct jsonrpc *rpc);
/* Nonzero once the peer died (or jsonrpc_free() ran). */
int		 jsonrpc_closed(struct jsonrpc *rpc);

#endif /* JSONRPC_H */
