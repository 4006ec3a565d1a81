/*
 * http.c: HTTP POST requests on libcurl's multi socket interface, driven by
 * the libevent loop (curl's "multi_socket" API: CURLMOPT_SOCKETFUNCTION and
 * CURLMOPT_TIMERFUNCTION, see libcurl-multi(3) and
 * curl_multi_socket_action(3)).
 */
#include <ctype.h>
#include <stdlib.h>
#include <string.h>

#include <curl/curl.h>
#include <event2/event.h>

#include "agentos.h"
#include "banned.h"

/* A stream that moves less than 1 byte/s for this long fails (seconds). */
#define HTTP_STALL_SECONDS	300
#define HTTP_CONNECT_MS		30000

struct http_req {
	CURL			*easy;
	struct curl_slist	*slist;
	char			*body;
	size_t			 len;
	struct http_cb		 cb;
	void			*arg;

	struct http_header	*headers;
	size_t			 nheaders, aheaders;
	long			 status;
	int			 headers_sent;	/* cb.headers was called */
	int			 cancelled;
	int			 added;		/* in the multi handle */
	char			 errbuf[CURL_ERROR_SIZE];

	struct http_req		*next;		/* on http_dead */
};

/* The event of one socket curl asked us to watch. */
struct http_sock {
	struct event	*ev;
	curl_socket_t	 fd;
};

static CURLM		*http_multi;
static struct event	*http_timer;
static int		 http_in_curl;	/* inside curl_multi_socket_action */
static struct http_req	*http_dead;	/* cancelled, to remove and free */
static int		 http_reap_pending;
static long		 http_stall_seconds = HTTP_STALL_SECONDS;

static void	http_setup(void);
static int	http_socket_cb(CURL *, curl_socket_t, int, void *, void *);
static int	http_timer_cb(CURLM *, long, void *);
static void	http_event_cb(evutil_socket_t, short, void *);
static void	http_timeout_cb(evutil_socket_t, short, void *);
static void	http_action(curl_socket_t, int);
static void	http_check_info(void);
static size_t	http_write_cb(char *, size_t, size_t, void *);
static size_t	http_header_cb(char *, size_t, size_t, void *);
static struct http_req *http_start(const char *, const char *const *,
		    size_t, const char *, size_t, long, const struct http_cb *,
		    void *, char **);
static void	http_send_headers(struct http_req *);
static void	http_info(struct http_req *, struct http_response_info *,
		    CURLcode);
static void	http_free(struct http_req *);
static void	http_reap(void *);
static void	http_clear_headers(struct http_req *);

void
http_global_init(void)
{
	const char	*s;
	long		 n;

	/* For tests: AGENTOS_HTTP_STALL_SECONDS shortens the stall limit. */
	if ((s = getenv("AGENTOS_HTTP_STALL_SECONDS")) != NULL &&
	    (n = strtol(s, NULL, 10)) > 0)
		http_stall_seconds = n;
}

void
http_global_free(void)
{
	struct http_req	*req;

	while ((req = http_dead) != NULL) {
		http_dead = req->next;
		http_free(req);
	}
	if (http_timer != NULL)
		event_free(http_timer);
	http_timer = NULL;
	if (http_multi != NULL) {
		curl_multi_cleanup(http_multi);
		curl_global_cleanup();
	}
	http_multi = NULL;
}

/* Create the multi handle on first use (loop_base must exist). */
static void
http_setup(void)
{
	if (http_multi != NULL)
		return;
	/*
	 * libcurl (and the TLS library under it) starts with the first
	 * request, not with agentos: a session that never talks to a
	 * provider never pays for it, in time or in memory.
	 */
	if (curl_global_init(CURL_GLOBAL_DEFAULT) != CURLE_OK)
		fatalx("curl_global_init failed");
	if ((http_multi = curl_multi_init()) == NULL)
		fatalx("curl_multi_init failed");
	curl_multi_setopt(http_multi, CURLMOPT_SOCKETFUNCTION, http_socket_cb);
	curl_multi_setopt(http_multi, CURLMOPT_TIMERFUNCTION, http_timer_cb);
	http_timer = evtimer_new(loop_base, http_timeout_cb, NULL);
	if (http_timer == NULL)
		fatalx("evtimer_new failed");
}

struct http_req *
http_post(const char *url, const char *const *headers, size_t nheaders,
    const char *body, size_t len, const struct http_cb *cb, void *arg,
    char **cause)
{
	return (http_start(url, headers, nheaders, body, len, 0, cb, arg,
	    cause));
}

struct http_req *
http_get(const char *url, const char *const *headers, size_t nheaders,
    long timeout_ms, const struct http_cb *cb, void *arg, char **cause)
{
	return (http_start(url, headers, nheaders, NULL, 0, timeout_ms, cb,
	    arg, cause));
}

/*
 * Start a request: a POST of body (len bytes, copied), or a GET when body
 * is NULL; timeout_ms > 0 bounds the whole transfer.
 */
static struct http_req *
http_start(const char *url, const char *const *headers, size_t nheaders,
    const char *body, size_t len, long timeout_ms, const struct http_cb *cb,
    void *arg, char **cause)
{
	struct http_req	*req;
	CURL		*easy;
	CURLMcode	 mc;
	size_t		 i;

	http_setup();
	if ((easy = curl_easy_init()) == NULL) {
		*cause = xstrdup("curl_easy_init failed");
		return (NULL);
	}
	req = xcalloc(1, sizeof *req);
	req->easy = easy;
	req->cb = *cb;
	req->arg = arg;
	req->body = xmalloc(len + 1);
	if (len > 0)
		memcpy(req->body, body, len);
	req->body[len] = '\0';
	req->len = len;
	for (i = 0; i < nheaders; i++)
		req->slist = curl_slist_append(req->slist, headers[i]);
	/* No "Expect: 100-continue" round trip for large bodies. */
	req->slist = curl_slist_append(req->slist, "Expect:");
	if (req->slist == NULL)
		fatalx("curl_slist_append failed");

	curl_easy_setopt(easy, CURLOPT_URL, url);
	curl_easy_setopt(easy, CURLOPT_PRIVATE, req);
	curl_easy_setopt(easy, CURLOPT_HTTPHEADER, req->slist);
	if (body != NULL) {
		curl_easy_setopt(easy, CURLOPT_POST, 1L);
		curl_easy_setopt(easy, CURLOPT_POSTFIELDS, req->body);
		curl_easy_setopt(easy, CURLOPT_POSTFIELDSIZE_LARGE,
		    (curl_off_t)len);
	} else
		curl_easy_setopt(easy, CURLOPT_HTTPGET, 1L);
	if (timeout_ms > 0)
		curl_easy_setopt(easy, CURLOPT_TIMEOUT_MS, timeout_ms);
	curl_easy_setopt(easy, CURLOPT_WRITEFUNCTION, http_write_cb);
	curl_easy_setopt(easy, CURLOPT_WRITEDATA, req);
	curl_easy_setopt(easy, CURLOPT_HEADERFUNCTION, http_header_cb);
	curl_easy_setopt(easy, CURLOPT_HEADERDATA, req);
	curl_easy_setopt(easy, CURLOPT_ERRORBUFFER, req->errbuf);
	curl_easy_setopt(easy, CURLOPT_NOSIGNAL, 1L);
	curl_easy_setopt(easy, CURLOPT_ACCEPT_ENCODING, "");
	curl_easy_setopt(easy, CURLOPT_USERAGENT,
	    AGENTOS_NAME "/" PACKAGE_VERSION);
	curl_easy_setopt(easy, CURLOPT_CONNECTTIMEOUT_MS,
	    (long)HTTP_CONNECT_MS);
	/*
	 * No total timeout: a model may stream for many minutes.  A stream
	 * that stalls (under 1 byte/s for http_stall_seconds) fails; model
	 * servers send pings or keep-alive comments well within that.
	 */
	curl_easy_setopt(easy, CURLOPT_LOW_SPEED_LIMIT, 1L);
	curl_easy_setopt(easy, CURLOPT_LOW_SPEED_TIME, http_stall_seconds);
	curl_easy_setopt(easy, CURLOPT_TCP_KEEPALIVE, 1L);
	curl_easy_setopt(easy, CURLOPT_PROTOCOLS_STR, "http,https");

	if ((mc = curl_multi_add_handle(http_multi, easy)) != CURLM_OK) {
		*cause = xasprintf("curl_multi_add_handle: %s",
		    curl_multi_strerror(mc));
		http_free(req);
		return (NULL);
	}
	req->added = 1;
	return (req);
}

void
http_cancel(struct http_req *req)
{
	if (req == NULL || req->cancelled)
		return;
	req->cancelled = 1;
	if (http_in_curl) {
		/*
		 * curl forbids removing a handle from inside its callbacks:
		 * the write and header callbacks see cancelled and abort the
		 * transfer, and the handle is removed from the loop next.
		 */
		req->next = http_dead;
		http_dead = req;
		if (!http_reap_pending) {
			http_reap_pending = 1;
			loop_timer_add(0, http_reap, NULL);
		}
		return;
	}
	http_free(req);
}

/* Remove and free the requests cancelled inside curl's callbacks. */
static void
http_reap(void *arg)
{
	struct http_req	*req;

	http_reap_pending = 0;
	while ((req = http_dead) != NULL) {
		http_dead = req->next;
		http_free(req);
	}
}

/* Remove req from the multi handle and free it. */
static void
http_free(struct http_req *req)
{
	if (req->added)
		curl_multi_remove_handle(http_multi, req->easy);
	curl_easy_cleanup(req->easy);
	curl_slist_free_all(req->slist);
	http_clear_headers(req);
	free(req->headers);
	free(req->body);
	free(req);
}

const char *
http_header_get(const struct http_response_info *info, const char *name)
{
	size_t	i;

	if (info == NULL)
		return (NULL);
	for (i = 0; i < info->nheaders; i++) {
		if (strcmp(info->headers[i].name, name) == 0)
			return (info->headers[i].value);
	}
	return (NULL);
}

/* Forget the headers collected so far (a new response began). */
static void
http_clear_headers(struct http_req *req)
{
	size_t	i;

	for (i = 0; i < req->nheaders; i++) {
		free(req->headers[i].name);
		free(req->headers[i].value);
	}
	req->nheaders = 0;
}

/* Fill info from req (code is the transfer's result). */
static void
http_info(struct http_req *req, struct http_response_info *info,
    CURLcode code)
{
	long	status = 0;

	curl_easy_getinfo(req->easy, CURLINFO_RESPONSE_CODE, &status);
	if (status == 0)
		status = req->status;
	info->status = status;
	info->curl_code = code;
	info->error = NULL;
	if (code != CURLE_OK)
		info->error = req->errbuf[0] != '\0' ? req->errbuf :
		    curl_easy_strerror(code);
	info->headers = req->headers;
	info->nheaders = req->nheaders;
}

/* Tell the caller the headers are complete, once. */
static void
http_send_headers(struct http_req *req)
{
	struct http_response_info	info;

	if (req->headers_sent)
		return;
	req->headers_sent = 1;
	if (req->cb.headers == NULL)
		return;
	http_info(req, &info, CURLE_OK);
	info.status = req->status;
	req->cb.headers(req->arg, &info);
}

/* curl's header callback: the status line and one header per call. */
static size_t
http_header_cb(char *data, size_t size, size_t n, void *arg)
{
	struct http_req		*req = arg;
	struct http_header	*h;
	size_t			 len = size * n, i, nlen;
	const char		*colon, *v, *e;

	if (req->cancelled)
		return (0);
	if (len >= 5 && memcmp(data, "HTTP/", 5) == 0) {
		/* A status line: a new response (after 100, redirects). */
		http_clear_headers(req);
		req->headers_sent = 0;
		for (i = 5; i < len && data[i] != ' '; i++)
			;
		req->status = strtol(data + i, NULL, 10);
		return (len);
	}
	if (len <= 2 && (len == 0 || data[0] == '\r' || data[0] == '\n')) {
		if (req->status >= 200)
			http_send_headers(req);
		return (req->cancelled ? 0 : len);
	}
	if ((colon = memchr(data, ':', len)) == NULL)
		return (len);
	nlen = colon - data;
	v = colon + 1;
	e = data + len;
	while (v < e && (*v == ' ' || *v == '\t'))
		v++;
	while (e > v && isspace((unsigned char)e[-1]))
		e--;
	ALLOC_GROW(req->headers, req->nheaders + 1, req->aheaders);
	h = &req->headers[req->nheaders++];
	h->name = xstrndup(data, nlen);
	for (i = 0; i < nlen; i++)
		h->name[i] = tolower((unsigned char)h->name[i]);
	h->value = xstrndup(v, e - v);
	return (len);
}

/* curl's write callback: body bytes as they arrive. */
static size_t
http_write_cb(char *data, size_t size, size_t n, void *arg)
{
	struct http_req	*req = arg;
	size_t		 len = size * n;

	if (req->cancelled)
		return (0);
	http_send_headers(req);
	if (req->cancelled)
		return (0);
	if (req->cb.data != NULL && req->cb.data(req->arg, data, len) != 0)
		return (0);		/* aborts with CURLE_WRITE_ERROR */
	if (req->cancelled)
		return (0);
	return (len);
}

/* curl asks us to watch (or stop watching) socket fd. */
static int
http_socket_cb(CURL *easy, curl_socket_t fd, int what, void *userp,
    void *socketp)
{
	struct http_sock	*hs = socketp;
	short			 events = EV_PERSIST;

	if (what == CURL_POLL_REMOVE) {
		if (hs != NULL) {
			event_free(hs->ev);
			free(hs);
		}
		curl_multi_assign(http_multi, fd, NULL);
		return (0);
	}
	if (what & CURL_POLL_IN)
		events |= EV_READ;
	if (what & CURL_POLL_OUT)
		events |= EV_WRITE;
	if (hs == NULL) {
		hs = xcalloc(1, sizeof *hs);
		hs->fd = fd;
		curl_multi_assign(http_multi, fd, hs);
	} else
		event_free(hs->ev);
	hs->ev = event_new(loop_base, fd, events, http_event_cb, NULL);
	if (hs->ev == NULL)
		fatalx("event_new failed");
	event_add(hs->ev, NULL);
	return (0);
}

/* curl asks for a timeout in timeout_ms (-1: none). */
static int
http_timer_cb(CURLM *multi, long timeout_ms, void *userp)
{
	struct timeval	tv;

	if (timeout_ms < 0) {
		evtimer_del(http_timer);
		return (0);
	}
	tv.tv_sec = timeout_ms / 1000;
	tv.tv_usec = (timeout_ms % 1000) * 1000;
	evtimer_add(http_timer, &tv);
	return (0);
}

/* A watched socket is ready. */
static void
http_event_cb(evutil_socket_t fd, short what, void *arg)
{
	int	flags = 0;

	if (what & EV_READ)
		flags |= CURL_CSELECT_IN;
	if (what & EV_WRITE)
		flags |= CURL_CSELECT_OUT;
	http_action(fd, flags);
}

/* curl's timeout expired. */
static void
http_timeout_cb(evutil_socket_t fd, short what, void *arg)
{
	http_action(CURL_SOCKET_TIMEOUT, 0);
}

/* Let curl act on fd, then deliver finished transfers. */
static void
http_action(curl_socket_t fd, int flags)
{
	int	running;

	http_in_curl++;
	curl_multi_socket_action(http_multi, fd, flags, &running);
	http_in_curl--;
	http_check_info();
}

/* Deliver the transfers curl has finished. */
static void
http_check_info(void)
{
	struct http_response_info	 info;
	struct http_req			*req;
	CURLMsg				*msg;
	int				 left;
	char				*p;

	while ((msg = curl_multi_info_read(http_multi, &left)) != NULL) {
		if (msg->msg != CURLMSG_DONE)
			continue;
		curl_easy_getinfo(msg->easy_handle, CURLINFO_PRIVATE, &p);
		req = (struct http_req *)p;
		if (req->cancelled)
			continue;	/* freed by http_reap */
		curl_multi_remove_handle(http_multi, req->easy);
		req->added = 0;
		http_info(req, &info, msg->data.result);
		if (req->cb.done != NULL)
			req->cb.done(req->arg, &info);
		http_free(req);
	}
}
