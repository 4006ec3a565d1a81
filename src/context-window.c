/* context-window.c: ask a local OpenAI-compatible server for its context window. */
#include <stdlib.h>
#include <string.h>

#include "agentos.h"
#include "context.h"
#include "banned.h"

/* The most bytes of an answer read. */
#define CONTEXT_PROBE_BODY_MAX	(1024 * 1024)
/* A window outside these bounds is not believed. */
#define CONTEXT_WINDOW_MIN	512
#define CONTEXT_WINDOW_MAX	100000000

static const char *const context_server_names[] = {
	[CONTEXT_SERVER_VLLM] = "vLLM /v1/models",
	[CONTEXT_SERVER_LLAMACPP] = "llama.cpp /props",
	[CONTEXT_SERVER_OLLAMA] = "Ollama /api/show",
};

/* One of the probe's requests. */
struct context_probe_one {
	struct context_probe	*p;
	enum context_server	 kind;
	struct http_req		*req;
	struct buf		 body;
	long			 status;
};

struct context_probe {
	struct context_probe_one one[CONTEXT_SERVER_COUNT];
	int			 pending;
	context_probe_cb	 cb;
	void			*arg;
	char			*model;
	int			 told;
};

static int	context_probe_data(void *, const char *, size_t);
static void	context_probe_headers(void *,
		    const struct http_response_info *);
static void	context_probe_done(void *, const struct http_response_info *);

static const struct http_cb context_probe_http_cb = {
	.headers = context_probe_headers,
	.data = context_probe_data,
	.done = context_probe_done,
};

const char *
context_server_name(enum context_server kind)
{
	if ((size_t)kind >= CONTEXT_SERVER_COUNT)
		return ("?");
	return (context_server_names[kind]);
}

/* n when it is a believable window, else 0. */
static int64_t
context_sane(json_t *v)
{
	json_int_t	n;

	if (json_is_integer(v))
		n = json_integer_value(v);
	else if (json_is_real(v))
		n = (json_int_t)json_real_value(v);
	else
		return (0);
	if (n < CONTEXT_WINDOW_MIN || n > CONTEXT_WINDOW_MAX)
		return (0);
	return ((int64_t)n);
}

/* Ollama's num_ctx in its "parameters" text ("num_ctx 32768\n..."), or 0. */
static int64_t
context_ollama_num_ctx(const char *params)
{
	const char	*p = params;
	char		*end;
	long long	 n;

	while (p != NULL && (p = strstr(p, "num_ctx")) != NULL) {
		if (p == params || p[-1] == '\n' || p[-1] == ' ') {
			p += strlen("num_ctx");
			while (*p == ' ' || *p == '\t')
				p++;
			n = strtoll(p, &end, 10);
			if (end != p && n >= CONTEXT_WINDOW_MIN &&
			    n <= CONTEXT_WINDOW_MAX)
				return ((int64_t)n);
		} else
			p += strlen("num_ctx");
	}
	return (0);
}

int64_t
context_window_parse(enum context_server kind, const char *body, size_t len,
    const char *model)
{
	json_t		*j, *v, *e, *info;
	const char	*key, *id;
	size_t		 i, klen;
	int64_t		 n = 0, first = 0;

	if (body == NULL || (j = json_loadb(body, len, 0, NULL)) == NULL)
		return (0);
	switch (kind) {
	case CONTEXT_SERVER_VLLM:
		/* {"data": [{"id": MODEL, "max_model_len": N}, ...]} */
		json_array_foreach(json_object_get(j, "data"), i, e) {
			v = json_object_get(e, "max_model_len");
			id = json_string_value(json_object_get(e, "id"));
			if (first == 0)
				first = context_sane(v);
			if (model != NULL && id != NULL &&
			    strcmp(id, model) == 0) {
				n = context_sane(v);
				break;
			}
		}
		if (n == 0)
			n = first;
		break;
	case CONTEXT_SERVER_LLAMACPP:
		/* {"default_generation_settings": {"n_ctx": N}} or n_ctx. */
		n = context_sane(json_object_get(json_object_get(j,
		    "default_generation_settings"), "n_ctx"));
		if (n == 0)
			n = context_sane(json_object_get(j, "n_ctx"));
		break;
	case CONTEXT_SERVER_OLLAMA:
		/*
		 * What the server runs with (num_ctx in "parameters") wins
		 * over what the model was trained for (model_info
		 * "<arch>.context_length").
		 */
		n = context_ollama_num_ctx(json_string_value(
		    json_object_get(j, "parameters")));
		if (n != 0)
			break;
		info = json_object_get(j, "model_info");
		json_object_foreach(info, key, v) {
			klen = strlen(key);
			if (klen >= 15 && strcmp(key + klen - 15,
			    ".context_length") == 0 &&
			    (n = context_sane(v)) != 0)
				break;
		}
		break;
	default:
		break;
	}
	json_decref(j);
	return (n);
}

/* The server's root: base without trailing slashes and "/v1"; caller frees. */
static char *
context_root(const char *base)
{
	size_t	n = strlen(base);

	while (n > 0 && base[n - 1] == '/')
		n--;
	if (n >= 3 && strncmp(base + n - 3, "/v1", 3) == 0)
		n -= 3;
	return (xstrndup(base, n));
}

struct context_probe *
context_probe_start(const char *base_url, const char *model,
    const char *api_key, long timeout_ms, context_probe_cb cb, void *arg)
{
	struct context_probe	*p;
	struct context_probe_one *o;
	const char		*hdr[3];
	char			*root, *url, *auth = NULL, *body, *cause = NULL;
	json_t			*j;
	size_t			 nh = 0;
	int			 k;

	if (base_url == NULL || *base_url == '\0')
		return (NULL);
	p = xcalloc(1, sizeof *p);
	p->cb = cb;
	p->arg = arg;
	p->model = model != NULL ? xstrdup(model) : NULL;
	root = context_root(base_url);
	if (api_key != NULL && *api_key != '\0') {
		auth = xasprintf("Authorization: Bearer %s", api_key);
		hdr[nh++] = auth;
	}
	hdr[nh++] = "Accept: application/json";
	for (k = 0; k < CONTEXT_SERVER_COUNT; k++) {
		o = &p->one[k];
		o->p = p;
		o->kind = k;
		buf_init(&o->body, CONTEXT_PROBE_BODY_MAX);
		switch (k) {
		case CONTEXT_SERVER_VLLM:
			url = xasprintf("%s/v1/models", root);
			o->req = http_get(url, hdr, nh, timeout_ms,
			    &context_probe_http_cb, o, &cause);
			break;
		case CONTEXT_SERVER_LLAMACPP:
			url = xasprintf("%s/props", root);
			o->req = http_get(url, hdr, nh, timeout_ms,
			    &context_probe_http_cb, o, &cause);
			break;
		default:
			url = xasprintf("%s/api/show", root);
			hdr[nh] = "Content-Type: application/json";
			j = json_pack("{s:s}", "model", model != NULL ?
			    model : "");
			body = json_dumps(j, JSON_COMPACT);
			json_decref(j);
			o->req = NULL;
			if (body != NULL) {
				o->req = http_post(url, hdr, nh + 1, body,
				    strlen(body), &context_probe_http_cb, o,
				    &cause);
				free(body);
			}
			break;
		}
		free(url);
		if (o->req == NULL) {
			log_debug("context: probe %s: %s",
			    context_server_name(k), cause != NULL ? cause :
			    "cannot encode");
			free(cause);
			cause = NULL;
		} else
			p->pending++;
	}
	free(auth);
	free(root);
	if (p->pending == 0) {
		context_probe_free(p);
		return (NULL);
	}
	return (p);
}

static void
context_probe_headers(void *arg, const struct http_response_info *info)
{
	struct context_probe_one	*o = arg;

	o->status = info->status;
}

static int
context_probe_data(void *arg, const char *data, size_t len)
{
	struct context_probe_one	*o = arg;

	if (o->status != 200)
		return (0);	/* not read: the answer is of no use */
	return (buf_add(&o->body, data, len) == 0 ? 0 : -1);
}

/* One request ended: the first window found is told, else 0 at the end. */
static void
context_probe_done(void *arg, const struct http_response_info *info)
{
	struct context_probe_one	*o = arg;
	struct context_probe		*p = o->p;
	int64_t				 n = 0;
	int				 k;

	o->req = NULL;		/* it frees itself */
	p->pending--;
	if (p->told)
		return;
	if (info->status == 200 && info->curl_code == 0)
		n = context_window_parse(o->kind, o->body.buf, o->body.len,
		    p->model);
	log_debug("context: probe %s: status %ld, window %lld",
	    context_server_name(o->kind), info->status, (long long)n);
	if (n == 0 && p->pending > 0)
		return;
	p->told = 1;
	for (k = 0; k < CONTEXT_SERVER_COUNT; k++) {
		if (p->one[k].req != NULL) {
			http_cancel(p->one[k].req);
			p->one[k].req = NULL;
			p->pending--;
		}
	}
	/* The last thing done: cb may free p. */
	p->cb(p->arg, n, n > 0 ? context_server_name(o->kind) : NULL);
}

void
context_probe_free(struct context_probe *p)
{
	int	k;

	if (p == NULL)
		return;
	for (k = 0; k < CONTEXT_SERVER_COUNT; k++) {
		if (p->one[k].req != NULL)
			http_cancel(p->one[k].req);
		buf_release(&p->one[k].body);
	}
	free(p->model);
	free(p);
}
