/* mcp-http.c: MCP Streamable HTTP under jsonrpc (see mcp-http.h). */
#include <sys/queue.h>

#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <curl/curl.h>
#include <event2/event.h>
#include <jansson.h>

#include "agentos.h"
#include "jsonrpc.h"
#include "mcp-http.h"
#include "mcp-oauth.h"
#include "sse.h"
#include "banned.h"

#ifndef nitems
#define nitems(a)		(sizeof (a) / sizeof (a)[0])
#endif

#define MCP_HTTP_MAGIC		0x6d637068
/* Reconnection time of a stream that sent no "retry" field (ms). */
#define MCP_HTTP_RETRY_MS	1000
/* The longest wait a server's "retry" may ask for (ms). */
#define MCP_HTTP_RETRY_MAX_MS	60000
/* Reconnections of one stream in a row that bring no event. */
#define MCP_HTTP_MAX_RESUMES	5
/* A GET stream open this long without events was not a failure (ms). */
#define MCP_HTTP_QUIET_MS	10000
/* Transfers open at once (requests whose streams are still open). */
#define MCP_HTTP_MAX_XFERS	256
#define MCP_HTTP_MAX_SESSION	1024	/* bytes of a session id */
#define MCP_HTTP_MAX_ERRTEXT	200	/* bytes of an error body shown */
#define MCP_HTTP_REINIT_ID	"agentos-reinitialize"
/* Authorizations in a row that did not get a request through. */
#define MCP_HTTP_MAX_AUTHS	3

enum mcp_http_kind {
	MCP_HTTP_POST,		/* one message */
	MCP_HTTP_LISTEN,	/* the GET stream of server messages */
	MCP_HTTP_LEGACY,	/* the 2024-11-05 SSE stream */
};

struct mcp_http;

/* One HTTP exchange, kept across the reconnections of its stream. */
struct mcp_http_xfer {
	struct mcp_http		*h;
	enum mcp_http_kind	 kind;
	struct http_req		*req;
	struct loop_timer	*timer;		/* reconnection */
	char			*body;		/* POST */
	size_t			 len;
	json_t			*id;		/* a request's id, or NULL */
	int			 is_init;
	int			 is_reinit;
	int			 queued;	/* to start from the loop */
	int			 abandoned;	/* cancelled: close it */
	uint64_t		 since;		/* this connection, ms */
	int			 expired;	/* parked after a 404 */
	int			 had_session;	/* sent with Mcp-Session-Id */
	int			 tries;		/* sends after a re-init */
	int			 resumed;	/* now a GET with Last-Event-ID */
	int			 had_bearer;	/* sent with our token */
	unsigned int		 gen;		/* of that token */
	long			 status;
	int			 sse;
	int			 got_response;
	int			 too_big;
	struct buf		 in;		/* a JSON (or error) body */
	struct sse_parser	*p;
	char			*last_id;
	long			 retry;		/* ms, -1: none */
	int			 events;	/* since this connection */
	int			 fails;		/* connections with no event */
	TAILQ_ENTRY(mcp_http_xfer) entry;
};
TAILQ_HEAD(mcp_http_xfers, mcp_http_xfer);

struct mcp_http {
	unsigned int			 magic;
	char				*name;
	char				*url;		/* the MCP endpoint */
	char				*post_url;	/* legacy: "endpoint" */
	char				**headers;	/* secrets */
	size_t				 nheaders;
	char				*session;
	char				*version;
	char				*init_body;	/* for a re-init */
	struct jsonrpc			*rpc;
	const struct jsonrpc_options	*opts;
	size_t				 inflight;	/* bytes */
	size_t				 nxfers;
	int				 dead;		/* rpc freed */
	int				 legacy;
	int				 answered;	/* a POST got 2xx */
	int				 reiniting;
	int				 no_get;	/* GET answered 405 */
	int				 initialized;	/* client said so */
	int				 listening;	/* GET stream open */
	unsigned int			 reinits;
	long				 post_status;	/* before legacy */
	int				 oauth_on;	/* mcp_http_set_oauth() */
	struct mcp_oauth_conf		*oauth;
	struct mcp_oauth_flow		*flow;		/* authorizing */
	char				*bearer;	/* a secret */
	unsigned int			 auths;		/* in a row */
	unsigned int			 gen;		/* tokens got */
	void				(*login_cb)(void *, const char *);
	void				*login_arg;
	struct loop_timer		*kick;
	struct mcp_http_xfer		*listen;
	struct mcp_http_xfer		*legacy_x;
	struct mcp_http_xfers		 xfers;		/* on the wire */
	struct mcp_http_xfers		 parked;	/* waiting */
};

/* A DELETE of a closed session: nothing but its request. */
struct mcp_http_delete {
	struct http_req	*req;
};

static size_t	mcp_http_ndeletes;

static int	mcp_http_send(void *, const char *, size_t, char **);
static void	mcp_http_free(void *);
static void	mcp_http_free_cb(void *);
static int	mcp_http_start(struct mcp_http_xfer *, char **);
static void	mcp_http_headers_cb(void *, const struct http_response_info *);
static int	mcp_http_data_cb(void *, const char *, size_t);
static void	mcp_http_done_cb(void *, const struct http_response_info *);
static int	mcp_http_event_cb(void *, const struct sse_event *, char **);
static int	mcp_http_input(struct mcp_http *, const char *, size_t);
static void	mcp_http_fail(struct mcp_http_xfer *, int, const char *);
static void	mcp_http_xfer_free(struct mcp_http_xfer *);
static void	mcp_http_reinit(struct mcp_http *);
static void	mcp_http_reinit_done(struct mcp_http *, json_t *);
static void	mcp_http_unpark(struct mcp_http *);
static void	mcp_http_listen(struct mcp_http *);
static void	mcp_http_reconnect(struct mcp_http_xfer *);
static void	mcp_http_reconnect_cb(void *);
static void	mcp_http_legacy_start(struct mcp_http *);
static void	mcp_http_die(struct mcp_http *, const char *);
static void	mcp_http_queue(struct mcp_http_xfer *);
static void	mcp_http_kick_cb(void *);
static void	mcp_http_abandon(struct mcp_http *, json_t *);
static int	mcp_http_same_origin(const char *, const char *);
static void	mcp_http_oauth_url(void *, const char *);
static void	mcp_http_oauth_done(void *, const char *, const char *);
static int	mcp_http_oauth_challenge(struct mcp_http_xfer *,
		    const struct http_response_info *);

static const struct mcp_oauth_cb mcp_http_oauth_cb = {
	.url = mcp_http_oauth_url,
	.done = mcp_http_oauth_done,
};

static const struct jsonrpc_transport mcp_http_transport = {
	.name = "mcp-http",
	.send = mcp_http_send,
	.free = mcp_http_free,
};

static const struct http_cb mcp_http_cbs = {
	.headers = mcp_http_headers_cb,
	.data = mcp_http_data_cb,
	.done = mcp_http_done_cb,
};

/* The transport of rpc, or NULL when it is not ours. */
static struct mcp_http *
mcp_http_of(struct jsonrpc *rpc)
{
	struct mcp_http	*h;

	if (rpc == NULL || (h = jsonrpc_transport_arg(rpc)) == NULL ||
	    h->magic != MCP_HTTP_MAGIC)
		return (NULL);
	return (h);
}

/* Only visible ASCII, 1 to max bytes (session ids, versions). */
static int
mcp_http_visible(const char *s, size_t max)
{
	size_t	i;

	for (i = 0; s[i] != '\0'; i++) {
		if (s[i] < 0x21 || s[i] > 0x7e || i >= max)
			return (0);
	}
	return (i > 0);
}

/* Nonzero when a and b have the same scheme, host and port. */
static int
mcp_http_same_origin(const char *a, const char *b)
{
	static const CURLUPart	 parts[] = {
		CURLUPART_SCHEME, CURLUPART_HOST, CURLUPART_PORT
	};
	CURLU			*ua = curl_url(), *ub = curl_url();
	char			*pa, *pb;
	size_t			 i;
	int			 same = 1;

	if (ua == NULL || ub == NULL)
		fatalx("curl_url failed");
	if (curl_url_set(ua, CURLUPART_URL, a, 0) != CURLUE_OK ||
	    curl_url_set(ub, CURLUPART_URL, b, 0) != CURLUE_OK)
		same = 0;
	for (i = 0; same && i < nitems(parts); i++) {
		pa = pb = NULL;
		curl_url_get(ua, parts[i], &pa, CURLU_DEFAULT_PORT);
		curl_url_get(ub, parts[i], &pb, CURLU_DEFAULT_PORT);
		if (pa == NULL || pb == NULL || strcasecmp(pa, pb) != 0)
			same = 0;
		curl_free(pa);
		curl_free(pb);
	}
	curl_url_cleanup(ua);
	curl_url_cleanup(ub);
	return (same);
}

/* Parse url; 0 if it is an http or https URL with a host. */
static int
mcp_http_check_url(const char *url, char **cause)
{
	CURLU	*u = curl_url();
	char	*scheme = NULL, *host = NULL;
	int	 rc = -1;

	if (u == NULL)
		fatalx("curl_url failed");
	if (curl_url_set(u, CURLUPART_URL, url, 0) != CURLUE_OK ||
	    curl_url_get(u, CURLUPART_SCHEME, &scheme, 0) != CURLUE_OK ||
	    curl_url_get(u, CURLUPART_HOST, &host, 0) != CURLUE_OK) {
		*cause = xstrdup("not a valid URL");
		goto out;
	}
	if (strcasecmp(scheme, "http") != 0 &&
	    strcasecmp(scheme, "https") != 0) {
		*cause = xasprintf("URL scheme %s: only http and https",
		    scheme);
		goto out;
	}
	rc = 0;
out:
	curl_free(scheme);
	curl_free(host);
	curl_url_cleanup(u);
	return (rc);
}

int
mcp_http_open(const char *name, const char *url, const char *const *headers,
    size_t nheaders, const struct jsonrpc_options *opts,
    const struct jsonrpc_handlers *handlers, void *arg,
    struct jsonrpc **rpcp, char **cause)
{
	struct mcp_http	*h;
	char		*why = NULL;
	size_t		 i;

	*rpcp = NULL;
	if (mcp_http_check_url(url, &why) != 0) {
		*cause = xasprintf("server %s: %s", name, why);
		free(why);
		return (-1);
	}
	h = xcalloc(1, sizeof *h);
	h->magic = MCP_HTTP_MAGIC;
	h->name = xstrdup(name);
	h->url = xstrdup(url);
	h->headers = xcalloc(nheaders + 1, sizeof *h->headers);
	for (i = 0; i < nheaders; i++) {
		/* A header with a line break would be two. */
		if (strpbrk(headers[i], "\r\n") != NULL)
			continue;
		h->headers[h->nheaders++] = xstrdup(headers[i]);
	}
	h->opts = opts;
	TAILQ_INIT(&h->xfers);
	TAILQ_INIT(&h->parked);
	h->rpc = jsonrpc_create_transport(&mcp_http_transport, h, opts,
	    handlers, arg);
	*rpcp = h->rpc;
	log_debug("mcp-http: %s: %s", name, url);
	return (0);
}

/* The DELETE of a closed session ended. */
static void
mcp_http_delete_done(void *arg, const struct http_response_info *info)
{
	struct mcp_http_delete	*d = arg;

	log_debug("mcp-http: DELETE: HTTP %ld", info->status);
	mcp_http_ndeletes--;
	free(d);
}

/* Spec "Session Management" item 5: DELETE with the session id. */
static void
mcp_http_delete(struct mcp_http *h)
{
	static const struct http_cb	 cbs = { .done = mcp_http_delete_done };
	struct mcp_http_delete		*d;
	const char			**v;
	char				*sid, *ver = NULL, *cause = NULL;
	char				*bearer = NULL;
	size_t				 n = 0, i;

	if (h->session == NULL || h->legacy)
		return;
	v = xcalloc(h->nheaders + 3, sizeof *v);
	sid = xasprintf("Mcp-Session-Id: %s", h->session);
	v[n++] = sid;
	if (h->version != NULL) {
		ver = xasprintf("MCP-Protocol-Version: %s", h->version);
		v[n++] = ver;
	}
	for (i = 0; i < h->nheaders && n < h->nheaders + 2; i++)
		v[n++] = h->headers[i];
	if (h->bearer != NULL) {
		bearer = xasprintf("Authorization: Bearer %s", h->bearer);
		v[n++] = bearer;
	}
	d = xcalloc(1, sizeof *d);
	d->req = http_request("DELETE", h->url, v, n, NULL, 0, &cbs, d,
	    &cause);
	if (d->req == NULL) {
		log_debug("mcp-http: DELETE: %s", cause);
		free(cause);
		free(d);
		mcp_http_ndeletes--;
	}
	free(sid);
	free(ver);
	if (bearer != NULL) {
		explicit_bzero(bearer, strlen(bearer));
		free(bearer);
	}
	free(v);
}

size_t
mcp_http_closing(void)
{
	return (mcp_http_ndeletes);
}

/* The drain's time limit passed. */
static void
mcp_http_drain_cb(void *arg)
{
	int	*fired = arg;

	*fired = 1;
}

void
mcp_http_drain(unsigned int ms)
{
	struct loop_timer	*t;
	int			 fired = 0;

	if (mcp_http_ndeletes == 0 || loop_base == NULL)
		return;
	t = loop_timer_add(ms, mcp_http_drain_cb, &fired);
	while (!fired && mcp_http_ndeletes > 0)
		event_base_loop(loop_base, EVLOOP_ONCE);
	if (!fired)
		loop_timer_cancel(t);
}

void
mcp_http_close(struct jsonrpc *rpc)
{
	jsonrpc_free(rpc);
}

/* jsonrpc_free() ran: stop everything; free from the loop. */
static void
mcp_http_free(void *targ)
{
	struct mcp_http		*h = targ;
	struct mcp_http_xfer	*x;

	if (h->dead)
		return;
	h->dead = 1;
	mcp_oauth_cancel(h->flow);
	h->flow = NULL;
	loop_timer_cancel(h->kick);
	h->kick = NULL;
	TAILQ_FOREACH(x, &h->xfers, entry) {
		http_cancel(x->req);
		x->req = NULL;
		loop_timer_cancel(x->timer);
		x->timer = NULL;
	}
	/* Counted now, sent from the loop: this may run inside curl. */
	if (h->session != NULL && !h->legacy)
		mcp_http_ndeletes++;
	loop_timer_add(0, mcp_http_free_cb, h);
}

/* The deferred part of mcp_http_free(). */
static void
mcp_http_free_cb(void *arg)
{
	struct mcp_http		*h = arg;
	struct mcp_http_xfer	*x;
	size_t			 i;

	mcp_http_delete(h);
	while ((x = TAILQ_FIRST(&h->xfers)) != NULL)
		mcp_http_xfer_free(x);
	while ((x = TAILQ_FIRST(&h->parked)) != NULL)
		mcp_http_xfer_free(x);
	for (i = 0; i < h->nheaders; i++) {
		/* Secrets: cleared before the memory goes back. */
		explicit_bzero(h->headers[i], strlen(h->headers[i]));
		free(h->headers[i]);
	}
	free(h->headers);
	if (h->bearer != NULL)
		explicit_bzero(h->bearer, strlen(h->bearer));
	free(h->bearer);
	mcp_oauth_conf_free(h->oauth);
	free(h->name);
	free(h->url);
	free(h->post_url);
	free(h->session);
	free(h->version);
	free(h->init_body);
	free(h);
}

int
mcp_http_set_protocol_version(struct jsonrpc *rpc, const char *version)
{
	struct mcp_http	*h = mcp_http_of(rpc);

	if (h == NULL || version == NULL || !mcp_http_visible(version, 64))
		return (-1);
	free(h->version);
	h->version = xstrdup(version);
	return (0);
}

const char *
mcp_http_session(struct jsonrpc *rpc)
{
	struct mcp_http	*h = mcp_http_of(rpc);

	return (h != NULL ? h->session : NULL);
}

int
mcp_http_use_legacy(struct jsonrpc *rpc)
{
	struct mcp_http	*h = mcp_http_of(rpc);

	if (h == NULL || h->legacy || h->answered || h->nxfers > 0)
		return (-1);
	mcp_http_legacy_start(h);
	return (0);
}

int
mcp_http_listening(struct jsonrpc *rpc)
{
	struct mcp_http	*h = mcp_http_of(rpc);

	return (h != NULL && (h->listening || h->no_get || h->legacy));
}

int
mcp_http_legacy(struct jsonrpc *rpc)
{
	struct mcp_http	*h = mcp_http_of(rpc);

	return (h != NULL && h->legacy);
}

/* A new exchange on h's list of transfers (body copied, may be NULL). */
static struct mcp_http_xfer *
mcp_http_xfer_new(struct mcp_http *h, enum mcp_http_kind kind,
    const char *body, size_t len)
{
	struct mcp_http_xfer	*x = xcalloc(1, sizeof *x);

	x->h = h;
	x->kind = kind;
	if (body != NULL) {
		x->body = xmalloc(len + 1);
		memcpy(x->body, body, len);
		x->body[len] = '\0';
		x->len = len;
		h->inflight += len;
	}
	x->retry = -1;
	buf_init(&x->in, h->opts->max_message);
	TAILQ_INSERT_TAIL(&h->xfers, x, entry);
	h->nxfers++;
	return (x);
}

/* Move x between the wire and the waiting list. */
static void
mcp_http_park(struct mcp_http_xfer *x)
{
	struct mcp_http	*h = x->h;

	TAILQ_REMOVE(&h->xfers, x, entry);
	TAILQ_INSERT_TAIL(&h->parked, x, entry);
}

/* Unlink and free x (it has no request running). */
static void
mcp_http_xfer_free(struct mcp_http_xfer *x)
{
	struct mcp_http		*h = x->h;
	struct mcp_http_xfer	*y;

	TAILQ_FOREACH(y, &h->parked, entry) {
		if (y == x)
			break;
	}
	if (y != NULL)
		TAILQ_REMOVE(&h->parked, x, entry);
	else
		TAILQ_REMOVE(&h->xfers, x, entry);
	h->nxfers--;
	h->inflight -= x->len;
	if (h->listen == x)
		h->listen = NULL;
	if (h->legacy_x == x)
		h->legacy_x = NULL;
	http_cancel(x->req);
	loop_timer_cancel(x->timer);
	free(x->body);
	json_decref(x->id);
	buf_release(&x->in);
	sse_parser_free(x->p);
	free(x->last_id);
	free(x);
}

/* The transport cannot go on: close the endpoint (from the loop only). */
static void
mcp_http_die(struct mcp_http *h, const char *why)
{
	if (!h->dead)
		jsonrpc_transport_closed(h->rpc, why);
}

/* jsonrpc's send: one message, one POST (or waiting for one). */
static int
mcp_http_send(void *targ, const char *body, size_t len, char **cause)
{
	struct mcp_http		*h = targ;
	struct mcp_http_xfer	*x;
	json_t			*j, *id;
	const char		*method;

	if (h->opts->max_queued != 0 &&
	    h->inflight + len > h->opts->max_queued) {
		*cause = xasprintf("server %s: %zu bytes of messages "
		    "unanswered", h->name, h->inflight);
		return (-1);
	}
	if (h->nxfers >= MCP_HTTP_MAX_XFERS) {
		*cause = xasprintf("server %s: %zu requests open", h->name,
		    h->nxfers);
		return (-1);
	}
	x = mcp_http_xfer_new(h, MCP_HTTP_POST, body, len);
	/* Our own message: what kind it is decides the headers. */
	j = json_loadb(body, len, 0, NULL);
	method = json_string_value(json_object_get(j, "method"));
	id = json_object_get(j, "id");
	if (method != NULL && id != NULL && !json_is_null(id))
		x->id = json_incref(id);
	if (method != NULL && strcmp(method, "initialize") == 0) {
		/* A new session: none of the old one's headers. */
		x->is_init = 1;
		free(h->init_body);
		h->init_body = xstrdup(x->body);
		free(h->session);
		h->session = NULL;
		free(h->version);
		h->version = NULL;
		h->initialized = 0;
	}
	if (method != NULL && strcmp(method, "notifications/initialized") == 0)
		h->initialized = 1;
	if (method != NULL && strcmp(method, "notifications/cancelled") == 0)
		mcp_http_abandon(h, json_object_get(json_object_get(j,
		    "params"), "requestId"));
	json_decref(j);
	if (h->reiniting || h->flow != NULL ||
	    (h->legacy && h->post_url == NULL)) {
		mcp_http_park(x);
		return (0);
	}
	/*
	 * Started from the loop: send() runs inside handlers, which run
	 * inside curl's callbacks, where curl takes no new transfer.
	 */
	mcp_http_queue(x);
	return (0);
}

/*
 * The caller cancelled request id (its notifications/cancelled is on the
 * way): its stream is no longer wanted.  Closed from the loop, since this
 * may run inside that very stream's callbacks.
 */
static void
mcp_http_abandon(struct mcp_http *h, json_t *id)
{
	struct mcp_http_xfer	*x;

	if (id == NULL)
		return;
	TAILQ_FOREACH(x, &h->xfers, entry) {
		if (x->kind == MCP_HTTP_POST && x->id != NULL &&
		    json_equal(x->id, id)) {
			x->abandoned = 1;
			x->got_response = 1;	/* no error of ours either */
			if (h->kick == NULL)
				h->kick = loop_timer_add(0, mcp_http_kick_cb,
				    h);
		}
	}
}

/* Start x from the loop soon. */
static void
mcp_http_queue(struct mcp_http_xfer *x)
{
	struct mcp_http	*h = x->h;

	x->queued = 1;
	if (h->kick == NULL)
		h->kick = loop_timer_add(0, mcp_http_kick_cb, h);
}

/* Start the queued transfers, then the GET stream once initialized. */
static void
mcp_http_kick_cb(void *arg)
{
	struct mcp_http		*h = arg;
	struct mcp_http_xfer	*x;
	char			*cause, *msg;

	h->kick = NULL;
	while (!h->dead) {
		TAILQ_FOREACH(x, &h->xfers, entry) {
			if (x->abandoned)
				break;
		}
		if (x == NULL)
			break;
		log_debug("mcp-http: %s: stream closed", h->name);
		mcp_http_xfer_free(x);
	}
	while (!h->dead) {
		TAILQ_FOREACH(x, &h->xfers, entry) {
			if (x->queued)
				break;
		}
		if (x == NULL)
			break;
		x->queued = 0;
		cause = NULL;
		if (mcp_http_start(x, &cause) != 0) {
			msg = xasprintf("server %s: %s", h->name, cause);
			free(cause);
			mcp_http_fail(x, JSONRPC_E_CLOSED, msg);
			free(msg);
		}
	}
	/* "Listening for Messages from the Server", once initialized. */
	if (!h->dead && h->initialized)
		mcp_http_listen(h);
}

/* Start x's request: its POST, or the GET of its stream. */
static int
mcp_http_start(struct mcp_http_xfer *x, char **cause)
{
	struct mcp_http	*h = x->h;
	const char	*v[8 + 64], *url, *method;
	char		*sid = NULL, *ver = NULL, *last = NULL, *bearer = NULL;
	size_t		 n = 0, i;
	int		 get = x->kind != MCP_HTTP_POST || x->resumed;

	if (get) {
		v[n++] = "Accept: text/event-stream";
		method = "GET";
		url = h->url;
	} else {
		v[n++] = "Content-Type: application/json";
		v[n++] = "Accept: application/json, text/event-stream";
		method = "POST";
		url = h->legacy ? h->post_url : h->url;
	}
	x->had_session = 0;
	if (h->session != NULL && !x->is_init && !x->is_reinit &&
	    !h->legacy) {
		sid = xasprintf("Mcp-Session-Id: %s", h->session);
		v[n++] = sid;
		x->had_session = 1;
	}
	if (h->version != NULL && !x->is_init && !x->is_reinit) {
		ver = xasprintf("MCP-Protocol-Version: %s", h->version);
		v[n++] = ver;
	}
	if (get && x->last_id != NULL && *x->last_id != '\0') {
		last = xasprintf("Last-Event-ID: %s", x->last_id);
		v[n++] = last;
	}
	if (h->bearer != NULL) {
		/* MCP "Access Token Usage": on every request. */
		bearer = xasprintf("Authorization: Bearer %s", h->bearer);
		v[n++] = bearer;
	}
	x->had_bearer = h->bearer != NULL;
	x->gen = h->gen;
	for (i = 0; i < h->nheaders && n < nitems(v); i++)
		v[n++] = h->headers[i];
	/* A new response: forget the last one's state. */
	x->since = loop_now_ms();
	x->status = 0;
	x->sse = 0;
	x->events = 0;
	x->too_big = 0;
	buf_reset(&x->in);
	x->in.truncated = 0;
	sse_parser_free(x->p);
	x->p = NULL;
	log_debug("mcp-http: %s %s %s%s", h->name, method,
	    get ? "stream" : "message", last != NULL ? " (resumed)" : "");
	x->req = http_request(method, url, v, n, x->body, get ? 0 : x->len,
	    &mcp_http_cbs, x, cause);
	free(sid);
	free(ver);
	free(last);
	if (bearer != NULL) {
		explicit_bzero(bearer, strlen(bearer));
		free(bearer);
	}
	return (x->req != NULL ? 0 : -1);
}

/* Open the GET stream of server-initiated messages, once. */
static void
mcp_http_listen(struct mcp_http *h)
{
	struct mcp_http_xfer	*x;
	char			*cause = NULL;

	if (h->listen != NULL || h->no_get || h->legacy || h->dead ||
	    h->reiniting || h->flow != NULL)
		return;
	x = mcp_http_xfer_new(h, MCP_HTTP_LISTEN, NULL, 0);
	h->listen = x;
	if (mcp_http_start(x, &cause) != 0) {
		log_debug("mcp-http: %s: GET: %s", h->name, cause);
		free(cause);
		h->no_get = 1;
		mcp_http_xfer_free(x);
	}
}

/* Response headers: the status, the kind of body, the session id. */
static void
mcp_http_headers_cb(void *arg, const struct http_response_info *info)
{
	struct mcp_http_xfer	*x = arg;
	struct mcp_http		*h = x->h;
	const char		*ct, *sid;

	x->status = info->status;
	if (h->dead || x->status < 200 || x->status > 299)
		return;
	if (x->kind == MCP_HTTP_LISTEN)
		h->listening = 1;
	ct = http_header_get(info, "content-type");
	if (ct != NULL && strncasecmp(ct, "text/event-stream", 17) == 0) {
		x->sse = 1;
		x->p = sse_parser_create(h->opts->max_message,
		    mcp_http_event_cb, x);
	}
	/* "Session Management" item 1: the id comes with InitializeResult. */
	if ((x->is_init || x->is_reinit) &&
	    (sid = http_header_get(info, "mcp-session-id")) != NULL) {
		if (mcp_http_visible(sid, MCP_HTTP_MAX_SESSION)) {
			free(h->session);
			h->session = xstrdup(sid);
		} else
			log_debug("mcp-http: %s: bad session id ignored",
			    h->name);
	}
}

/* Body bytes: SSE events as they come, or a JSON body collected. */
static int
mcp_http_data_cb(void *arg, const char *data, size_t len)
{
	struct mcp_http_xfer	*x = arg;
	struct mcp_http		*h = x->h;
	char			*cause = NULL;
	int			 rc;

	if (h->dead)
		return (-1);
	if (x->sse) {
		rc = sse_parser_feed(x->p, data, len, &cause);
		if (h->dead)
			return (-1);
		if (rc != 0) {
			log_debug("mcp-http: %s: %s", h->name, cause);
			free(cause);
			x->too_big = 1;
			return (-1);
		}
		return (0);
	}
	if (buf_add(&x->in, data, len) != 0 || x->in.truncated) {
		x->too_big = 1;
		/* An error body is shown cut; a message must be whole. */
		return (x->status >= 200 && x->status <= 299 ? -1 : 0);
	}
	return (0);
}

/* One SSE event: a JSON-RPC message, or the legacy "endpoint". */
static int
mcp_http_event_cb(void *arg, const struct sse_event *ev, char **cause)
{
	struct mcp_http_xfer	*x = arg;
	struct mcp_http		*h = x->h;
	CURLU			*u;
	char			*url = NULL, *s;

	x->events++;
	x->fails = 0;
	free(x->last_id);
	x->last_id = xstrdup(ev->id);
	x->retry = sse_parser_retry(x->p);
	if (x->kind == MCP_HTTP_LEGACY && strcmp(ev->event, "endpoint") == 0) {
		/*
		 * 2024-11-05 "HTTP with SSE": the URI to POST to, resolved
		 * against the stream's URL; another origin is refused, since
		 * the user's headers (tokens) go with every POST.
		 */
		if (h->post_url != NULL)
			return (0);
		if ((u = curl_url()) == NULL)
			fatalx("curl_url failed");
		s = xstrndup(ev->data, ev->datalen);
		if (curl_url_set(u, CURLUPART_URL, h->url, 0) != CURLUE_OK ||
		    curl_url_set(u, CURLUPART_URL, s, 0) != CURLUE_OK ||
		    curl_url_get(u, CURLUPART_URL, &url, 0) != CURLUE_OK) {
			*cause = xasprintf("bad endpoint URL");
			free(s);
			curl_url_cleanup(u);
			return (-1);
		}
		free(s);
		curl_url_cleanup(u);
		if (!mcp_http_same_origin(h->url, url)) {
			*cause = xasprintf("endpoint on another origin "
			    "refused");
			curl_free(url);
			return (-1);
		}
		h->post_url = xstrdup(url);
		curl_free(url);
		log_debug("mcp-http: %s: legacy endpoint set", h->name);
		mcp_http_unpark(h);
		return (0);
	}
	if (strcmp(ev->event, "message") != 0 || ev->datalen == 0)
		return (0);	/* a priming event, or unknown */
	if (mcp_http_input(h, ev->data, ev->datalen) != 0) {
		*cause = xstrdup("closed");
		return (-1);
	}
	return (0);
}

/*
 * One message from the server, as a body or an SSE event: note which
 * exchange it answers (and the version initialize settled), then hand it
 * to jsonrpc.  -1 when the endpoint was freed meanwhile.
 */
static int
mcp_http_input(struct mcp_http *h, const char *data, size_t len)
{
	struct mcp_http_xfer	*x;
	json_t			*j, *id, *res, *m;
	const char		*v;
	size_t			 i;

	j = json_loadb(data, len, 0, NULL);
	if (json_is_array(j)) {
		/* A batch (2025-03-26): each response ends its exchange. */
		json_array_foreach(j, i, m) {
			if (!json_is_object(m) || json_object_get(m,
			    "method") != NULL ||
			    (id = json_object_get(m, "id")) == NULL)
				continue;
			TAILQ_FOREACH(x, &h->xfers, entry) {
				if (x->id != NULL && json_equal(x->id, id))
					x->got_response = 1;
			}
		}
	}
	if (json_is_object(j) && json_object_get(j, "method") == NULL &&
	    (id = json_object_get(j, "id")) != NULL) {
		if (json_is_string(id) && strncmp(json_string_value(id),
		    MCP_HTTP_REINIT_ID, strlen(MCP_HTTP_REINIT_ID)) == 0) {
			/* Ours: the answer to a re-initialize. */
			mcp_http_reinit_done(h, j);
			json_decref(j);
			return (h->dead ? -1 : 0);
		}
		TAILQ_FOREACH(x, &h->xfers, entry) {
			if (x->id == NULL || !json_equal(x->id, id))
				continue;
			x->got_response = 1;
			/*
			 * The response ends a stream ("Sending Messages to
			 * the Server" item 6): one the server keeps open (a
			 * resumed GET) is closed from the loop.
			 */
			if (x->sse && x->kind == MCP_HTTP_POST) {
				x->abandoned = 1;
				if (h->kick == NULL)
					h->kick = loop_timer_add(0,
					    mcp_http_kick_cb, h);
			}
			res = json_object_get(j, "result");
			v = json_string_value(json_object_get(res,
			    "protocolVersion"));
			if (x->is_init && v != NULL &&
			    mcp_http_visible(v, 64)) {
				free(h->version);
				h->version = xstrdup(v);
			}
		}
	}
	json_decref(j);
	jsonrpc_input(h->rpc, data, len);
	return (h->dead ? -1 : 0);
}

/*
 * x ends without its answer: a request gets an error response of ours
 * (code, msg) through jsonrpc, so its caller hears why.  x is freed.
 */
static void
mcp_http_fail(struct mcp_http_xfer *x, int code, const char *msg)
{
	struct mcp_http	*h = x->h;
	json_t		*j;
	char		*text = NULL;
	int		 reinit = x->is_reinit;

	log_debug("mcp-http: %s", msg);
	if (x->id != NULL && !x->got_response && !reinit) {
		j = json_pack("{s:s,s:O,s:{s:i,s:s}}", "jsonrpc", "2.0", "id",
		    x->id, "error", "code", code, "message", msg);
		text = json_dumps(j, JSON_COMPACT);
		json_decref(j);
	}
	mcp_http_xfer_free(x);
	if (reinit) {
		mcp_http_reinit_done(h, NULL);
		return;
	}
	if (text != NULL && !h->dead)
		jsonrpc_input(h->rpc, text, strlen(text));
	free(text);
}

/*
 * "Session Management" item 4: the session is gone; a new initialize
 * (the caller's, under an id of ours) without the old id, then the
 * requests that met the 404 go again.
 */
static void
mcp_http_reinit(struct mcp_http *h)
{
	struct mcp_http_xfer	*x;
	json_t			*j;
	char			*id, *text;

	if (h->reiniting || h->dead)
		return;
	log_debug("mcp-http: %s: session expired", h->name);
	free(h->session);
	h->session = NULL;
	if (h->listen != NULL)
		mcp_http_xfer_free(h->listen);
	j = h->init_body != NULL ? json_loads(h->init_body, 0, NULL) : NULL;
	if (j == NULL) {
		mcp_http_reinit_done(h, NULL);
		return;
	}
	id = xasprintf("%s-%u", MCP_HTTP_REINIT_ID, ++h->reinits);
	json_object_set_new(j, "id", json_string(id));
	text = json_dumps(j, JSON_COMPACT);
	json_decref(j);
	x = mcp_http_xfer_new(h, MCP_HTTP_POST, text, strlen(text));
	x->is_reinit = 1;
	x->id = json_string(id);
	h->reiniting = 1;
	mcp_http_queue(x);
	free(id);
	free(text);
}

/* The re-initialize answered (j), or failed (NULL). */
static void
mcp_http_reinit_done(struct mcp_http *h, json_t *j)
{
	static const char	 note[] =
	    "{\"jsonrpc\":\"2.0\",\"method\":\"notifications/initialized\"}";
	struct mcp_http_xfer	*x;
	json_t			*res = json_object_get(j, "result");
	const char		*v;
	char			*msg;

	h->reiniting = 0;
	TAILQ_FOREACH(x, &h->xfers, entry) {
		if (x->is_reinit)
			x->got_response = 1;
	}
	if (!json_is_object(res)) {
		msg = xasprintf("server %s: the session expired and a new "
		    "one could not be started", h->name);
		while (!h->dead && (x = TAILQ_FIRST(&h->parked)) != NULL)
			mcp_http_fail(x, JSONRPC_E_SESSION, msg);
		free(msg);
		return;
	}
	v = json_string_value(json_object_get(res, "protocolVersion"));
	if (v != NULL && mcp_http_visible(v, 64)) {
		free(h->version);
		h->version = xstrdup(v);
	}
	log_debug("mcp-http: %s: new session", h->name);
	mcp_http_queue(mcp_http_xfer_new(h, MCP_HTTP_POST, note,
	    strlen(note)));
	mcp_http_unpark(h);
}

/* Send what waited (for a session, or the legacy endpoint). */
static void
mcp_http_unpark(struct mcp_http *h)
{
	struct mcp_http_xfer	*x;
	char			*msg;

	while (!h->dead && (x = TAILQ_FIRST(&h->parked)) != NULL) {
		TAILQ_REMOVE(&h->parked, x, entry);
		TAILQ_INSERT_TAIL(&h->xfers, x, entry);
		if (x->expired) {
			x->expired = 0;
			x->resumed = 0;
			if (x->tries++ >= 1) {
				msg = xasprintf("server %s: the session "
				    "expired again", h->name);
				mcp_http_fail(x, JSONRPC_E_SESSION, msg);
				free(msg);
				continue;
			}
		}
		mcp_http_queue(x);
	}
}

/* 2024-11-05: open the SSE stream that names the POST endpoint. */
static void
mcp_http_legacy_start(struct mcp_http *h)
{
	struct mcp_http_xfer	*x;

	log_debug("mcp-http: %s: POST answered %ld: HTTP+SSE", h->name,
	    h->post_status);
	h->legacy = 1;
	x = mcp_http_xfer_new(h, MCP_HTTP_LEGACY, NULL, 0);
	h->legacy_x = x;
	mcp_http_queue(x);
}

/*
 * A stream ended: connect again after the server's reconnection time
 * ("Resumability and Redelivery"), with the last event id; a stream that
 * keeps ending with no event is given up.
 */
static void
mcp_http_reconnect(struct mcp_http_xfer *x)
{
	struct mcp_http	*h = x->h;
	long		 ms;
	char		*msg;

	if (x->p != NULL) {
		free(x->last_id);
		x->last_id = xstrdup(sse_parser_last_id(x->p));
		x->retry = sse_parser_retry(x->p);
	}
	/*
	 * A connection that brought nothing counts against the stream; a
	 * quiet GET stream that lasted a while (a stall limit, a proxy's
	 * idle timeout) does not.
	 */
	if (x->events == 0 && (x->kind != MCP_HTTP_LISTEN ||
	    loop_now_ms() - x->since < MCP_HTTP_QUIET_MS))
		x->fails++;
	if (x->fails >= MCP_HTTP_MAX_RESUMES ||
	    (x->kind == MCP_HTTP_POST && (x->last_id == NULL ||
	    *x->last_id == '\0'))) {
		if (x->kind == MCP_HTTP_POST) {
			msg = xasprintf("server %s: the stream ended without "
			    "a response", h->name);
			mcp_http_fail(x, JSONRPC_E_CLOSED, msg);
			free(msg);
		} else
			mcp_http_xfer_free(x);
		return;
	}
	if (x->kind == MCP_HTTP_POST)
		x->resumed = 1;
	ms = x->retry >= 0 ? x->retry : MCP_HTTP_RETRY_MS;
	if (ms > MCP_HTTP_RETRY_MAX_MS)
		ms = MCP_HTTP_RETRY_MAX_MS;
	log_debug("mcp-http: %s: reconnecting in %ld ms", h->name, ms);
	x->timer = loop_timer_add(ms, mcp_http_reconnect_cb, x);
}

/* The reconnection time passed. */
static void
mcp_http_reconnect_cb(void *arg)
{
	struct mcp_http_xfer	*x = arg;
	struct mcp_http		*h = x->h;

	x->timer = NULL;
	if (h->dead)
		return;
	if (h->reiniting && x->kind == MCP_HTTP_LISTEN) {
		mcp_http_xfer_free(x);
		return;
	}
	mcp_http_queue(x);
}

/* The start of an error body, printable, for a message. */
static char *
mcp_http_errtext(struct mcp_http_xfer *x)
{
	char	*s;
	size_t	 i, n;

	n = x->in.len < MCP_HTTP_MAX_ERRTEXT ? x->in.len :
	    MCP_HTTP_MAX_ERRTEXT;
	s = xstrndup(x->in.buf, n);
	for (i = 0; s[i] != '\0'; i++) {
		if (s[i] == '\n' || s[i] == '\r') {
			s[i] = '\0';
			break;
		}
		if ((unsigned char)s[i] < 0x20)
			s[i] = ' ';
	}
	return (s);
}

/* The scheme of a WWW-Authenticate value, for a message. */
static char *
mcp_http_auth_scheme(const char *www)
{
	size_t	n;

	if (www == NULL)
		return (xstrdup(""));
	n = strcspn(www, " ,\t");
	if (n > 32)
		n = 32;
	return (xstrndup(www, n));
}

int
mcp_http_set_oauth(struct jsonrpc *rpc, const struct mcp_oauth_conf *conf,
    void (*login_cb)(void *, const char *), void *arg)
{
	struct mcp_http	*h = mcp_http_of(rpc);
	size_t		 i;

	if (h == NULL)
		return (-1);
	/* The user's own Authorization header wins: no OAuth then. */
	for (i = 0; i < h->nheaders; i++) {
		if (strncasecmp(h->headers[i], "Authorization:", 14) == 0)
			return (0);
	}
	h->oauth_on = 1;
	mcp_oauth_conf_free(h->oauth);
	h->oauth = mcp_oauth_conf_copy(conf);
	h->login_cb = login_cb;
	h->login_arg = arg;
	if (h->bearer == NULL)
		h->bearer = mcp_oauth_token(h->url);
	return (0);
}

const char *
mcp_http_login_url(struct jsonrpc *rpc)
{
	struct mcp_http	*h = mcp_http_of(rpc);

	return (h != NULL ? mcp_oauth_flow_url(h->flow) : NULL);
}

/* The flow has a URL for the user's browser. */
static void
mcp_http_oauth_url(void *arg, const char *url)
{
	struct mcp_http	*h = arg;

	if (h->login_cb != NULL)
		h->login_cb(h->login_arg, url);
}

/* The flow ended: go on with the token, or fail what waited for it. */
static void
mcp_http_oauth_done(void *arg, const char *token, const char *error)
{
	struct mcp_http		*h = arg;
	struct mcp_http_xfer	*x;

	h->flow = NULL;
	if (h->dead)
		return;
	if (h->login_cb != NULL)
		h->login_cb(h->login_arg, NULL);
	if (token != NULL) {
		if (h->bearer != NULL)
			explicit_bzero(h->bearer, strlen(h->bearer));
		free(h->bearer);
		h->bearer = xstrdup(token);
		h->gen++;
		mcp_http_unpark(h);
		return;
	}
	if (!h->answered) {
		mcp_http_die(h, error);
		return;
	}
	while (!h->dead && (x = TAILQ_FIRST(&h->parked)) != NULL)
		mcp_http_fail(x, JSONRPC_E_CLOSED, error);
}

/*
 * A 401, or a 403 with error="insufficient_scope" (MCP "Scope Challenge
 * Handling"): park x and authorize (once for every request that meets
 * it), at most MCP_HTTP_MAX_AUTHS times in a row.  Nonzero when x was
 * taken care of.
 */
static int
mcp_http_oauth_challenge(struct mcp_http_xfer *x,
    const struct http_response_info *info)
{
	struct mcp_http	*h = x->h;
	const char	*www = http_header_get(info, "www-authenticate");
	char		*err, *msg;
	int		 scope;

	if (!h->oauth_on || (info->status != 401 && info->status != 403))
		return (0);
	err = mcp_oauth_www_param(www, "error");
	scope = err != NULL && strcmp(err, "insufficient_scope") == 0;
	free(err);
	if (info->status == 403 && !scope)
		return (0);
	if (x->kind == MCP_HTTP_LISTEN) {
		/* The GET stream opens again once authorized. */
		mcp_http_xfer_free(x);
		return (1);
	}
	if (h->flow == NULL && h->auths >= MCP_HTTP_MAX_AUTHS) {
		msg = xasprintf("server %s: HTTP %ld%s after %u "
		    "authorizations: giving up", h->name, info->status,
		    scope ? " (insufficient_scope)" : "", h->auths);
		if (!h->answered) {
			mcp_http_xfer_free(x);
			mcp_http_die(h, msg);
		} else
			mcp_http_fail(x, JSONRPC_INTERNAL_ERROR, msg);
		free(msg);
		return (1);
	}
	/* x goes again with the new token, not as a resumed stream. */
	x->resumed = 0;
	mcp_http_park(x);
	if (h->flow == NULL && x->gen == h->gen) {
		h->auths++;
		log_debug("mcp-http: %s: HTTP %ld: authorizing", h->name,
		    info->status);
		h->flow = mcp_oauth_start(h->name, h->url, info->status, www,
		    h->oauth, &mcp_http_oauth_cb, h);
	} else if (h->flow == NULL)
		mcp_http_unpark(h);
	return (1);
}

/* A transfer ended: what its status means for the exchange. */
static void
mcp_http_done_cb(void *arg, const struct http_response_info *info)
{
	struct mcp_http_xfer	*x = arg;
	struct mcp_http		*h = x->h;
	long			 status = info->status;
	char			*cause = NULL, *msg, *t;

	x->req = NULL;		/* http.c frees it after this */
	if (h->dead)
		return;
	if (x->sse && x->p != NULL && info->curl_code == 0) {
		if (sse_parser_finish(x->p, &cause) != 0) {
			log_debug("mcp-http: %s: %s", h->name, cause);
			free(cause);
		}
		if (h->dead)
			return;
	}
	log_debug("mcp-http: %s: HTTP %ld%s%s", h->name, status,
	    info->error != NULL ? ": " : "",
	    info->error != NULL ? info->error : "");

	if (mcp_http_oauth_challenge(x, info))
		return;
	if (status == 401) {
		t = mcp_http_auth_scheme(http_header_get(info,
		    "www-authenticate"));
		msg = xasprintf("server %s needs OAuth: HTTP 401%s%s",
		    h->name, *t != '\0' ? ", WWW-Authenticate: " : "", t);
		free(t);
		mcp_http_xfer_free(x);
		mcp_http_die(h, msg);
		free(msg);
		return;
	}
	if (status == 404 && x->had_session) {
		if (x->kind == MCP_HTTP_POST) {
			x->expired = 1;
			mcp_http_park(x);
		} else
			mcp_http_xfer_free(x);
		mcp_http_reinit(h);
		return;
	}
	if (x->kind == MCP_HTTP_POST && !x->resumed && x->is_init &&
	    !h->answered && !h->legacy && status >= 400 && status < 500) {
		/* "Backwards Compatibility": try the 2024-11-05 transport. */
		h->post_status = status;
		mcp_http_park(x);
		mcp_http_legacy_start(h);
		return;
	}
	if (x->kind == MCP_HTTP_LISTEN && status == 405) {
		log_debug("mcp-http: %s: no GET stream", h->name);
		h->no_get = 1;
		mcp_http_xfer_free(x);
		return;
	}
	if (status >= 200 && status <= 299) {
		if (x->kind == MCP_HTTP_POST && !x->resumed)
			h->answered = 1;
		if (x->kind == MCP_HTTP_POST && x->had_bearer && !x->is_init &&
		    x->id != NULL)
			h->auths = 0;	/* the token works */
		if (x->kind == MCP_HTTP_LEGACY) {
			msg = xasprintf("server %s: the SSE stream ended%s%s",
			    h->name, info->error != NULL ? ": " : "",
			    info->error != NULL ? info->error : "");
			mcp_http_xfer_free(x);
			mcp_http_die(h, msg);
			free(msg);
			return;
		}
		if (x->too_big && x->kind == MCP_HTTP_POST) {
			/* Not resumed: it would come again as large. */
			msg = xasprintf("server %s: a message over %zu bytes",
			    h->name, h->opts->max_message);
			mcp_http_fail(x, JSONRPC_INTERNAL_ERROR, msg);
			free(msg);
			return;
		}
		if (x->kind == MCP_HTTP_LISTEN) {
			mcp_http_reconnect(x);
			return;
		}
		if (x->sse) {
			if (x->id != NULL && !x->got_response && !h->legacy)
				mcp_http_reconnect(x);
			else
				mcp_http_xfer_free(x);
			return;
		}
		if (!h->legacy && x->in.len > 0 &&
		    mcp_http_input(h, x->in.buf, x->in.len) != 0)
			return;
		if (x->id != NULL && !x->got_response && !h->legacy) {
			msg = xasprintf("server %s: HTTP %ld without a "
			    "response%s%s", h->name, status,
			    info->error != NULL ? ": " : "",
			    info->error != NULL ? info->error : "");
			mcp_http_fail(x, JSONRPC_E_CLOSED, msg);
			free(msg);
			return;
		}
		mcp_http_xfer_free(x);
		return;
	}
	if (x->kind == MCP_HTTP_LISTEN) {
		/* No answer at all: the server may come back. */
		if (status == 0) {
			mcp_http_reconnect(x);
			return;
		}
		log_debug("mcp-http: %s: GET stream refused", h->name);
		h->no_get = 1;
		mcp_http_xfer_free(x);
		return;
	}
	if (status == 0)
		msg = xasprintf("server %s: %s: %s", h->name, h->url,
		    info->error != NULL ? info->error : "no response");
	else {
		t = mcp_http_errtext(x);
		if (x->kind == MCP_HTTP_LEGACY && h->post_status != 0)
			msg = xasprintf("server %s: POST answered HTTP %ld, "
			    "and GET (the 2024-11-05 transport) HTTP %ld%s%s",
			    h->name, h->post_status, status,
			    *t != '\0' ? ": " : "", t);
		else if (x->kind == MCP_HTTP_LEGACY)
			msg = xasprintf("server %s: the SSE stream (GET) "
			    "answered HTTP %ld%s%s", h->name, status,
			    *t != '\0' ? ": " : "", t);
		else
			msg = xasprintf("server %s: HTTP %ld%s%s", h->name,
			    status, *t != '\0' ? ": " : "", t);
		free(t);
	}
	if (x->kind == MCP_HTTP_LEGACY) {
		mcp_http_xfer_free(x);
		mcp_http_die(h, msg);
	} else
		mcp_http_fail(x, status == 0 ? JSONRPC_E_CLOSED :
		    JSONRPC_INTERNAL_ERROR, msg);
	free(msg);
}
