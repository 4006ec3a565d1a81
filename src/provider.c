/*
 * provider.c: the provider table and streaming model calls with retries.
 *
 * One model call is: build the request once, POST it, and on HTTP 200 feed
 * the SSE body to the provider's decoder; on a failed attempt (an HTTP
 * error, a cut connection, an error event inside the stream, or a stream
 * that ends without its proper end) decide with provider_retryable() and
 * the schedule of retry_wait() (retry.h) within the retry_seconds budget
 * whether to try again with the same body after a delay (a loop timer, so
 * model_call_cancel() ends the wait), discarding all partial output.
 */
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>
#include <unistd.h>

#include "agentos.h"
#include "options.h"
#include "retry.h"
#include "sse.h"
#include "banned.h"

#define PROVIDER_ERROR_BODY_MAX	(64 * 1024)	/* bytes kept of an error */
#define PROVIDER_RETRY_AFTER_MAX 86400000L	/* ms; longer is junk */

const struct provider_entry *provider_table[] = {
	&provider_anthropic,
	&provider_openai,
	&provider_openai_responses,
	NULL
};

struct model_call {
	const struct provider_entry	*p;
	struct provider_http		 ph;
	struct model_call_cb		 cb;
	void				*arg;
	int				 max_retries;
	int				 attempt;	/* from 0 */
	long				 budget_ms;	/* retry_seconds */
	long				 waited_ms;	/* in retry waits */
	struct retry_jitter		 jitter;
	char				*key_hint;	/* where the key is
							   from */

	struct http_req			*req;
	struct loop_timer		*timer;
	struct sse_parser		*sse;
	void				*dec;
	struct response			 resp;
	long				 status;
	struct buf			 errbody;
	char				*stream_error;	/* why the stream
							   failed */
	uint64_t			 started_ms;	/* this attempt */
	int				 first_token;

	int				 depth;		/* in our callbacks */
	int				 dead;		/* cancelled or done */
};

static void	model_call_attempt(struct model_call *);
static void	model_call_retry_fire(void *);
static void	model_call_headers(void *, const struct http_response_info *);
static int	model_call_data(void *, const char *, size_t);
static void	model_call_http_done(void *,
		    const struct http_response_info *);
static int	model_call_event(void *, const struct sse_event *, char **);
static void	model_call_fail(struct model_call *,
		    const struct http_response_info *);
static void	model_call_reset_attempt(struct model_call *);
static void	model_call_free(struct model_call *);
static int	model_call_leave(struct model_call *);
static void	model_call_text(void *, const char *, size_t);
static void	model_call_thinking(void *, const char *, size_t);
static void	model_call_tool_start(void *, const char *, const char *);
static void	model_call_tool_delta(void *, const char *, const char *,
		    const char *, size_t);
static int	provider_error_retryable(const char *);
static int	provider_auth_error(long, const char *);
static const char *provider_status_word(long);
static char	*provider_key_hint(const struct config *,
		    const struct provider_entry *);

const struct provider_entry *
provider_find(const char *name)
{
	size_t	i;

	if (name == NULL)
		return (NULL);
	for (i = 0; provider_table[i] != NULL; i++) {
		if (strcmp(provider_table[i]->name, name) == 0)
			return (provider_table[i]);
	}
	return (NULL);
}

void
provider_http_release(struct provider_http *ph)
{
	size_t	i;

	free(ph->url);
	for (i = 0; i < ph->nheaders; i++)
		free(ph->headers[i]);
	free(ph->headers);
	free(ph->body);
	memset(ph, 0, sizeof *ph);
}

void
response_init(struct response *r)
{
	memset(r, 0, sizeof *r);
	message_init(&r->msg, ROLE_ASSISTANT);
	r->stop = STOP_NONE;
}

void
response_release(struct response *r)
{
	message_release(&r->msg);
	free(r->stop_raw);
	free(r->id);
	free(r->model);
	free(r->error_type);
	free(r->error_message);
	response_init(r);
}

/*
 * Error types that say the request itself is wrong (or money is gone), so
 * repeating it cannot help, wherever they appear (HTTP body or stream).
 */
static int
provider_error_retryable(const char *type)
{
	static const char *never[] = {
		"insufficient_quota", "invalid_request_error",
		"authentication_error", "permission_error", "billing_error",
		"not_found_error", "request_too_large",
		"context_length_exceeded", "exceed_context_size_error",
		"invalid_api_key", "BadRequestError", NULL
	};
	size_t	i;

	if (type == NULL)
		return (1);
	for (i = 0; never[i] != NULL; i++) {
		if (strcmp(type, never[i]) == 0)
			return (0);
	}
	return (1);
}

long
provider_server_delay(const struct http_response_info *info)
{
	const char	*s;
	char		*end;
	double		 d;
	struct tm	 tm;
	time_t		 t;

	if (info == NULL)
		return (-1);
	if ((s = http_header_get(info, "retry-after-ms")) != NULL) {
		d = strtod(s, &end);
		if (end != s && d >= 0 && d <= PROVIDER_RETRY_AFTER_MAX)
			return (lround(d));
	}
	if ((s = http_header_get(info, "retry-after")) == NULL)
		return (-1);
	d = strtod(s, &end);
	if (end != s && (*end == '\0' || *end == ' ')) {
		d *= 1000;
		if (d >= 0 && d <= PROVIDER_RETRY_AFTER_MAX)
			return (lround(d));
		return (-1);
	}
	/* RFC 9110 section 5.6.7: IMF-fixdate. */
	memset(&tm, 0, sizeof tm);
	end = strptime(s, "%a, %d %b %Y %H:%M:%S GMT", &tm);
	if (end == NULL)
		return (-1);
	t = timegm(&tm);
	d = difftime(t, time(NULL)) * 1000;
	if (d > 0 && d <= PROVIDER_RETRY_AFTER_MAX)
		return ((long)d);
	return (-1);
}

/* A rejected key: 401, or 403 with an authentication error type. */
static int
provider_auth_error(long status, const char *type)
{
	if (status == 401)
		return (1);
	if (status != 403 || type == NULL)
		return (0);
	return (strcmp(type, "authentication_error") == 0 ||
	    strcmp(type, "permission_error") == 0 ||
	    strcmp(type, "invalid_api_key") == 0);
}

int
provider_retryable(long status, const struct http_response_info *info,
    const char *error_type)
{
	const char	*s;

	if (error_type != NULL && strcmp(error_type, "insufficient_quota") == 0)
		return (0);
	if (provider_auth_error(status, error_type))
		return (0);
	s = info != NULL ? http_header_get(info, "x-should-retry") : NULL;
	if (s != NULL && strcasecmp(s, "true") == 0)
		return (1);
	if (s != NULL && strcasecmp(s, "false") == 0)
		return (0);
	return (status == 0 || status == 408 || status == 409 ||
	    status == 429 || status >= 500);
}

/* A word for a retried HTTP status, for the user; NULL if none. */
static const char *
provider_status_word(long status)
{
	static const struct {
		long		 status;
		const char	*word;
	} words[] = {
		{ 408, "timed out" }, { 409, "conflict" },
		{ 429, "rate limited" }, { 500, "server error" },
		{ 502, "bad gateway" }, { 503, "unavailable" },
		{ 504, "gateway timeout" }, { 529, "overloaded" },
	};
	size_t	i;

	for (i = 0; i < sizeof words / sizeof *words; i++) {
		if (words[i].status == status)
			return (words[i].word);
	}
	return (status >= 500 ? "server error" : NULL);
}

/* Where cfg's key came from, for a rejected key: "$ANTHROPIC_API_KEY". */
static char *
provider_key_hint(const struct config *cfg, const struct provider_entry *p)
{
	const struct option_source	*src;

	src = options_source(cfg, "api_key");
	if (cfg->api_key == NULL || *cfg->api_key == '\0')
		return (xasprintf("no API key is set: set $%s or api_key in "
		    "the config file", p->key_env));
	if (src == NULL || src->origin == OPTION_DEFAULT)
		return (xstrdup("check the API key"));
	switch (src->origin) {
	case OPTION_ENV:
		return (xasprintf("check the API key in $%s", src->where !=
		    NULL ? src->where : p->key_env));
	case OPTION_USER:
	case OPTION_PROJECT:
		return (xasprintf("check api_key in %s", src->where != NULL ?
		    src->where : "the config file"));
	case OPTION_FLAG:
		return (xstrdup("check the API key given on the command line"));
	default:
		return (xstrdup("check the API key"));
	}
}

struct model_call *
model_call_start(const struct config *cfg, const struct model_request *req,
    const struct model_call_cb *cb, void *arg, char **cause)
{
	const struct provider_entry	*p;
	struct model_call		*mc;
	static uint64_t			 calls;

	if ((p = provider_find(cfg->provider)) == NULL) {
		*cause = xasprintf("unknown provider: %s", cfg->provider ?
		    cfg->provider : "(none)");
		return (NULL);
	}
	mc = xcalloc(1, sizeof *mc);
	mc->p = p;
	mc->cb = *cb;
	mc->arg = arg;
	mc->max_retries = cfg->max_retries < 0 ? 0 : cfg->max_retries;
	mc->budget_ms = cfg->retry_seconds < 0 ? 0 :
	    (long)cfg->retry_seconds * 1000;
	retry_jitter_seed(&mc->jitter, loop_wall_ms() ^
	    ((uint64_t)getpid() << 32) ^ (++calls * 0x2545f4914f6cdd1dULL));
	mc->key_hint = provider_key_hint(cfg, p);
	response_init(&mc->resp);
	buf_init(&mc->errbody, PROVIDER_ERROR_BODY_MAX);
	if (p->build(cfg, req, &mc->ph, cause) != 0) {
		model_call_free(mc);
		return (NULL);
	}
	/* Start from the loop, so no callback runs before we return. */
	mc->timer = loop_timer_add(0, model_call_retry_fire, mc);
	return (mc);
}

void
model_call_cancel(struct model_call *mc)
{
	if (mc == NULL || mc->dead)
		return;
	mc->dead = 1;
	if (mc->req != NULL)
		http_cancel(mc->req);
	mc->req = NULL;
	if (mc->timer != NULL)
		loop_timer_cancel(mc->timer);
	mc->timer = NULL;
	if (mc->depth == 0)
		model_call_free(mc);
	/* Else freed when the callback that got us here returns. */
}

const char *
model_call_body(struct model_call *mc)
{
	return (mc->ph.body);
}

/* Free everything of mc. */
static void
model_call_free(struct model_call *mc)
{
	model_call_reset_attempt(mc);
	response_release(&mc->resp);
	provider_http_release(&mc->ph);
	buf_release(&mc->errbody);
	free(mc->key_hint);
	free(mc);
}

/* Leave one of our callbacks; returns -1 if mc was freed. */
static int
model_call_leave(struct model_call *mc)
{
	if (--mc->depth == 0 && mc->dead) {
		model_call_free(mc);
		return (-1);
	}
	return (0);
}

/* Drop the state of the current attempt (parser, decoder, output). */
static void
model_call_reset_attempt(struct model_call *mc)
{
	if (mc->dec != NULL)
		mc->p->decoder_free(mc->dec);
	mc->dec = NULL;
	sse_parser_free(mc->sse);
	mc->sse = NULL;
	free(mc->stream_error);
	mc->stream_error = NULL;
	response_release(&mc->resp);
	buf_reset(&mc->errbody);
	mc->status = 0;
	mc->first_token = 0;
}

/* Timer: run the next attempt. */
static void
model_call_retry_fire(void *arg)
{
	struct model_call	*mc = arg;

	mc->timer = NULL;
	mc->depth++;
	model_call_attempt(mc);
	model_call_leave(mc);
}

/* Start one attempt: POST the body. */
static void
model_call_attempt(struct model_call *mc)
{
	static const struct http_cb	 hcb = {
		model_call_headers, model_call_data, model_call_http_done
	};
	static const struct stream_cb	 scb = {
		model_call_text, model_call_thinking, model_call_tool_start,
		model_call_tool_delta
	};
	char				*cause = NULL, *error;

	model_call_reset_attempt(mc);
	mc->started_ms = loop_now_ms();
	mc->dec = mc->p->decoder_create(&mc->resp, &scb, mc);
	mc->sse = sse_parser_create(0, model_call_event, mc);
	log_debug("model call: POST %s (%zu bytes, attempt %d)", mc->ph.url,
	    mc->ph.len, mc->attempt + 1);
	mc->req = http_post(mc->ph.url, (const char *const *)mc->ph.headers,
	    mc->ph.nheaders, mc->ph.body, mc->ph.len, &hcb, mc, &cause);
	if (mc->req == NULL) {
		error = xasprintf("cannot start request: %s", cause);
		free(cause);
		mc->dead = 1;
		mc->cb.done(mc->arg, &mc->resp, error);
		free(error);
	}
}

/* Response headers: note the status. */
static void
model_call_headers(void *arg, const struct http_response_info *info)
{
	struct model_call	*mc = arg;

	mc->status = info->status;
	log_debug("model call: HTTP %ld", info->status);
}

/* Body bytes: the SSE stream on 200, else the error body. */
static int
model_call_data(void *arg, const char *data, size_t len)
{
	struct model_call	*mc = arg;
	char			*cause = NULL;
	int			 rc = 0;

	if (mc->status != 200) {
		buf_add(&mc->errbody, data, len);	/* capped */
		return (0);
	}
	mc->depth++;
	if (sse_parser_feed(mc->sse, data, len, &cause) != 0) {
		if (mc->stream_error == NULL)
			mc->stream_error = cause;
		else
			free(cause);
		rc = -1;
	}
	if (model_call_leave(mc) != 0 || mc->dead)
		return (-1);
	return (rc);
}

/* One SSE event: to the decoder. */
static int
model_call_event(void *arg, const struct sse_event *ev, char **cause)
{
	struct model_call	*mc = arg;

	if (mc->dead)
		return (-1);
	if (mc->p->decoder_event(mc->dec, ev, cause) != 0)
		return (-1);
	if (mc->dead) {
		*cause = xstrdup("cancelled");
		return (-1);
	}
	return (0);
}

/* Note the first streamed output of the attempt. */
static void
model_call_first(struct model_call *mc)
{
	if (mc->first_token)
		return;
	mc->first_token = 1;
	mc->resp.first_token_ms = loop_now_ms() - mc->started_ms;
}

static void
model_call_text(void *arg, const char *text, size_t len)
{
	struct model_call	*mc = arg;

	model_call_first(mc);
	if (!mc->dead && mc->cb.stream.text_delta != NULL)
		mc->cb.stream.text_delta(mc->arg, text, len);
}

static void
model_call_thinking(void *arg, const char *text, size_t len)
{
	struct model_call	*mc = arg;

	model_call_first(mc);
	if (!mc->dead && mc->cb.stream.thinking_delta != NULL)
		mc->cb.stream.thinking_delta(mc->arg, text, len);
}

static void
model_call_tool_start(void *arg, const char *id, const char *name)
{
	struct model_call	*mc = arg;

	model_call_first(mc);
	if (!mc->dead && mc->cb.stream.tool_use_start != NULL)
		mc->cb.stream.tool_use_start(mc->arg, id, name);
}

static void
model_call_tool_delta(void *arg, const char *id, const char *name,
    const char *json, size_t len)
{
	struct model_call	*mc = arg;

	if (!mc->dead && mc->cb.stream.tool_use_delta != NULL)
		mc->cb.stream.tool_use_delta(mc->arg, id, name, json, len);
}

/* The transfer ended: success, or a failed attempt. */
static void
model_call_http_done(void *arg, const struct http_response_info *info)
{
	struct model_call	*mc = arg;
	char			*cause = NULL;

	mc->req = NULL;
	if (mc->dead)
		return;
	mc->depth++;
	if (info->status == 200 && mc->stream_error == NULL) {
		/* A clean end delivers a last event without blank line. */
		if (info->curl_code == 0 &&
		    sse_parser_finish(mc->sse, &cause) != 0) {
			/*
			 * A last event cut short by a dropped connection is
			 * a stream that ended early, not a bad one.
			 */
			if (!mc->resp.complete)
				free(cause);
			else
				mc->stream_error = cause;
			cause = NULL;
		}
		if (!mc->dead)
			mc->p->decoder_end(mc->dec);
	}
	if (mc->dead)
		goto out;
	if (info->status == 200 && info->curl_code == 0 &&
	    mc->stream_error == NULL && mc->resp.complete &&
	    mc->resp.error_type == NULL) {
		log_debug("model call: done, %zu blocks, stop %s",
		    mc->resp.msg.nr, stop_reason_name(mc->resp.stop));
		mc->dead = 1;
		mc->cb.done(mc->arg, &mc->resp, NULL);
		goto out;
	}
	model_call_fail(mc, info);
out:
	model_call_leave(mc);
}

/* A failed attempt: retry after a delay, or give up. */
static void
model_call_fail(struct model_call *mc, const struct http_response_info *info)
{
	struct buf	 why = BUF_INIT, what = BUF_INIT;
	const char	*word;
	char		*type = NULL, *message = NULL, *error;
	long		 delay = -1, server = -1, status = info->status;
	int		 retry, http, auth = 0;

	if (status != 200 && status != 0 && info->curl_code == 0) {
		/* An HTTP error: the body says why. */
		if (mc->p->parse_error(mc->errbody.buf, mc->errbody.len, &type,
		    &message) == 0)
			buf_addf(&why, "%s: %s", type, message);
		else {
			buf_add(&why, mc->errbody.buf, mc->errbody.len > 300 ?
			    300 : mc->errbody.len);
			buf_rtrim(&why);
			if (why.len == 0)
				buf_adds(&why, "no error message");
		}
		retry = provider_retryable(status, info, type);
		server = provider_server_delay(info);
		auth = provider_auth_error(status, type);
	} else {
		if (mc->resp.error_type != NULL) {
			/* An error event inside the stream. */
			type = xstrdup(mc->resp.error_type);
			buf_addf(&why, "%s: %s", type,
			    mc->resp.error_message != NULL ?
			    mc->resp.error_message : "error in stream");
			retry = provider_error_retryable(type);
		} else if (info->curl_code != 0 && mc->stream_error == NULL) {
			buf_addf(&why, "connection failed: %s", info->error ?
			    info->error : "unknown error");
			retry = 1;
		} else if (mc->stream_error != NULL) {
			buf_addf(&why, "bad stream: %s", mc->stream_error);
			retry = 1;
		} else {
			buf_adds(&why, "stream ended before the response was "
			    "complete");
			retry = 1;
		}
		/* Stream failures count as connection errors. */
		if (retry)
			retry = provider_retryable(0, NULL, type);
	}
	if (retry && mc->attempt < mc->max_retries)
		delay = retry_wait(mc->attempt, mc->waited_ms, mc->budget_ms,
		    server, &mc->jitter);
	http = status != 0 && status != 200;

	if (delay >= 0) {
		/* "overloaded (529)" or the reason; the details if any. */
		if (http && (word = provider_status_word(status)) != NULL) {
			buf_addf(&what, "%s (%ld)", word, status);
			if (message != NULL && strcasecmp(message, word) != 0)
				buf_addf(&what, ": %s", message);
		} else
			buf_add(&what, why.buf, why.len);
		if (http)
			buf_addf(&why, " (HTTP %ld)", status);
		log_debug("model call: %s; retry in %ld ms", why.buf, delay);
		mc->attempt++;
		mc->waited_ms += delay;
		/* Drop the partial response before telling the UI. */
		model_call_reset_attempt(mc);
		if (mc->cb.retry != NULL)
			mc->cb.retry(mc->arg, mc->attempt, delay, what.buf);
		if (!mc->dead)
			mc->timer = loop_timer_add(delay, model_call_retry_fire,
			    mc);
		goto out;
	}

	/* " (HTTP 429, gave up after 3 attempts in 41 s)" */
	if (retry && mc->budget_ms <= 0 && mc->attempt == 0)
		buf_adds(&what, "not retried: retry_seconds is 0");
	else if (retry && mc->attempt < mc->max_retries &&
	    server > mc->budget_ms - mc->waited_ms)
		buf_addf(&what, "the server asks to wait %.0f s, more than "
		    "retry_seconds (%ld) leaves", server / 1000.0,
		    mc->budget_ms / 1000);
	else if (mc->attempt > 0) {
		buf_addf(&what, "gave up after %d attempts in %.0f s",
		    mc->attempt + 1, mc->waited_ms / 1000.0);
		/* The time budget, not the count, ended it. */
		if (retry && mc->attempt < mc->max_retries)
			buf_addf(&what, " of retry_seconds %ld",
			    mc->budget_ms / 1000);
	}
	if (http)
		buf_addf(&why, " (HTTP %ld%s%s)", status, what.len > 0 ?
		    ", " : "", what.len > 0 ? what.buf : "");
	else if (what.len > 0)
		buf_addf(&why, " (%s)", what.buf);
	if (auth)
		buf_addf(&why, "; %s", mc->key_hint);

	error = buf_detach(&why, NULL);
	log_debug("model call: failed: %s", error);
	mc->dead = 1;
	/* Never hand out half a response. */
	message_release(&mc->resp.msg);
	mc->resp.complete = 0;
	mc->cb.done(mc->arg, &mc->resp, error);
	free(error);
out:
	buf_release(&why);
	buf_release(&what);
	free(type);
	free(message);
}
