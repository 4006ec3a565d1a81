/*
 * provider-openai.c: OpenAI Chat Completions, streamed, and the servers
 * that copy it (Ollama, llama.cpp, vLLM, OpenRouter...).  API reference:
 * platform.openai.com/docs/api-reference/chat/create and .../chat-streaming;
 * field notes in shared/wire/PROTOCOLS.md sections 2 and 4.
 */
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "agentos.h"
#include "sse.h"
#include "banned.h"

#define OPENAI_MAX_TOKENS	8192

/* A tool call while it streams. */
struct openai_call {
	long		 index;
	char		*id;
	char		*name;
	struct buf	 args;
	int		 started;	/* tool_use_start was reported */
};

struct openai_dec {
	struct response		*resp;
	struct stream_cb	 cb;
	void			*arg;
	struct buf		 text;
	struct openai_call	*calls;
	size_t			 ncalls, acalls;
	int			 finished;	/* a finish_reason came */
	int			 done;		/* [DONE] came */
};

static int	openai_build(const struct config *,
		    const struct model_request *, struct provider_http *,
		    char **);
static void	*openai_decoder_create(struct response *,
		    const struct stream_cb *, void *);
static int	openai_decoder_event(void *, const struct sse_event *,
		    char **);
static void	openai_decoder_end(void *);
static void	openai_decoder_free(void *);
static void	openai_tool_delta(struct openai_dec *, json_t *, size_t);

const struct provider_entry provider_openai = {
	.name = "openai",
	.default_model = "gpt-4.1",
	.default_base_url = "https://api.openai.com/v1",
	.key_env = "OPENAI_API_KEY",
	.base_url_env = "OPENAI_BASE_URL",
	.build = openai_build,
	.decoder_create = openai_decoder_create,
	.decoder_event = openai_decoder_event,
	.decoder_end = openai_decoder_end,
	.decoder_free = openai_decoder_free,
	.parse_error = provider_openai_parse_error,
};

/* Append the messages for one conversation message m to msgs. */
static void
openai_add_message(json_t *msgs, const struct message *m)
{
	const struct block	*b;
	struct buf		 text = BUF_INIT;
	json_t			*calls = json_array(), *jm;
	char			*args, *content;
	size_t			 i;

	for (i = 0; i < m->nr; i++) {
		b = &m->blocks[i];
		switch (b->type) {
		case BLOCK_TEXT:
			if (b->text == NULL || *b->text == '\0')
				break;
			if (text.len != 0)
				buf_addch(&text, '\n');
			buf_adds(&text, b->text);
			break;
		case BLOCK_TOOL_USE:
			args = json_dumps(b->input != NULL ? b->input :
			    json_object(), JSON_COMPACT);
			json_array_append_new(calls, json_pack(
			    "{s:s,s:s,s:{s:s,s:s}}", "id", b->id ? b->id : "",
			    "type", "function", "function", "name", b->name ?
			    b->name : "", "arguments", args ? args : "{}"));
			free(args);
			break;
		case BLOCK_TOOL_RESULT:
			/* Tool messages must follow the assistant turn. */
			if (b->is_error)
				content = xasprintf("Error: %s", b->text ?
				    b->text : "");
			else
				content = xstrdup(b->text ? b->text : "");
			json_array_append_new(msgs, json_pack("{s:s,s:s,s:s}",
			    "role", "tool", "tool_call_id", b->id ? b->id : "",
			    "content", content));
			free(content);
			break;
		case BLOCK_THINKING:
		case BLOCK_REDACTED_THINKING:
		case BLOCK_REASONING:
			break;	/* Chat Completions has no place for them */
		}
	}
	if (m->role == ROLE_ASSISTANT) {
		jm = json_pack("{s:s}", "role", "assistant");
		if (text.len != 0 || json_array_size(calls) == 0)
			json_object_set_new(jm, "content",
			    json_string(text.buf));
		else
			json_object_set_new(jm, "content", json_null());
		if (json_array_size(calls) != 0)
			json_object_set(jm, "tool_calls", calls);
		json_array_append_new(msgs, jm);
	} else if (text.len != 0)
		json_array_append_new(msgs, json_pack("{s:s,s:s}", "role",
		    "user", "content", text.buf));
	json_decref(calls);
	buf_release(&text);
}

/* Whether base is OpenAI's own API (which wants max_completion_tokens). */
static int
openai_is_official(const char *base)
{
	return (strncmp(base, "https://api.openai.com", 22) == 0);
}

json_t *
provider_openai_body(const struct config *cfg,
    const struct model_request *req)
{
	json_t		*body, *msgs, *tools, *t;
	const char	*model, *base;
	size_t		 i;
	int		 max_tokens;

	model = req->model != NULL ? req->model : cfg->model != NULL ?
	    cfg->model : provider_openai.default_model;
	base = cfg->base_url != NULL && *cfg->base_url != '\0' ?
	    cfg->base_url : provider_openai.default_base_url;
	max_tokens = req->max_tokens > 0 ? req->max_tokens :
	    cfg->max_tokens > 0 ? cfg->max_tokens : OPENAI_MAX_TOKENS;

	msgs = json_array();
	if (req->system != NULL && *req->system != '\0')
		json_array_append_new(msgs, json_pack("{s:s,s:s}", "role",
		    "system", "content", req->system));
	for (i = 0; req->conv != NULL && i < req->conv->nr; i++)
		openai_add_message(msgs, &req->conv->msgs[i]);
	body = json_pack("{s:s,s:o}", "model", model, "messages", msgs);
	if (req->tools != NULL && json_array_size(req->tools) != 0) {
		tools = json_array();
		json_array_foreach(req->tools, i, t) {
			json_array_append_new(tools, json_pack(
			    "{s:s,s:{s:O?,s:O?,s:O?}}", "type", "function",
			    "function", "name", json_object_get(t, "name"),
			    "description", json_object_get(t, "description"),
			    "parameters", json_object_get(t,
			    "input_schema")));
		}
		json_object_set_new(body, "tools", tools);
		/* A summary request (context-compact.c): text only. */
		if (req->no_tool_calls)
			json_object_set_new(body, "tool_choice",
			    json_string("none"));
	}
	json_object_set_new(body, "stream", json_true());
	json_object_set_new(body, "stream_options",
	    json_pack("{s:b}", "include_usage", 1));
	/*
	 * OpenAI deprecated max_tokens and refuses it for reasoning models;
	 * Ollama, llama.cpp and older servers know only max_tokens.
	 */
	json_object_set_new(body, openai_is_official(base) ?
	    "max_completion_tokens" : "max_tokens", json_integer(max_tokens));
	return (body);
}

/* Build POST {base}/chat/completions. */
static int
openai_build(const struct config *cfg, const struct model_request *req,
    struct provider_http *ph, char **cause)
{
	json_t	*body;
	int	 rc;

	body = provider_openai_body(cfg, req);
	rc = provider_openai_http(cfg, "chat/completions", body, ph, cause);
	json_decref(body);
	return (rc);
}

int
provider_openai_http(const struct config *cfg, const char *path,
    json_t *body, struct provider_http *ph, char **cause)
{
	const char	*base;
	size_t		 n;

	memset(ph, 0, sizeof *ph);
	base = cfg->base_url != NULL && *cfg->base_url != '\0' ?
	    cfg->base_url : provider_openai.default_base_url;
	n = strlen(base);
	while (n > 0 && base[n - 1] == '/')
		n--;
	ph->url = xasprintf("%.*s/%s", (int)n, base, path);
	ph->headers = xcalloc(3, sizeof *ph->headers);
	if (cfg->api_key != NULL && *cfg->api_key != '\0')
		ph->headers[ph->nheaders++] = xasprintf("Authorization: "
		    "Bearer %s", cfg->api_key);
	ph->headers[ph->nheaders++] = xstrdup("content-type: "
	    "application/json");
	ph->headers[ph->nheaders++] = xstrdup("accept: text/event-stream");
	ph->body = json_dumps(body, JSON_COMPACT);
	if (ph->body == NULL) {
		provider_http_release(ph);
		*cause = xstrdup("cannot encode the request (invalid UTF-8?)");
		return (-1);
	}
	ph->len = strlen(ph->body);
	return (0);
}

/* Type and message of an error object (or a top-level vLLM error). */
int
provider_openai_error_fields(json_t *e, char **type, char **message)
{
	const char	*t, *m;

	if (json_is_string(e)) {
		*type = xstrdup("error");
		*message = xstrdup(json_string_value(e));
		return (0);
	}
	if (!json_is_object(e))
		return (-1);
	m = conv_json_str(e, "message");
	/* The code is the more exact word ("insufficient_quota"). */
	t = conv_json_str(e, "code");
	if (t == NULL || *t == '\0')
		t = conv_json_str(e, "type");
	if (m == NULL && t == NULL)
		return (-1);
	*type = xstrdup(t != NULL ? t : "error");
	*message = xstrdup(m != NULL ? m : "");
	return (0);
}

int
provider_openai_parse_error(const char *body, size_t len, char **type,
    char **message)
{
	json_t	*j, *e;
	int	 rc = -1;

	if ((j = json_loadb(body, len, 0, NULL)) == NULL)
		return (-1);
	/* A list of one error object (some gateways). */
	if (json_is_array(j))
		e = json_object_get(json_array_get(j, 0), "error");
	else
		e = json_object_get(j, "error");
	if (e != NULL)
		rc = provider_openai_error_fields(e, type, message);
	else if (json_is_string(json_object_get(j, "message"))) {
		/* Old vLLM: the error object at the top. */
		rc = provider_openai_error_fields(j, type, message);
	}
	json_decref(j);
	return (rc);
}

static void *
openai_decoder_create(struct response *resp, const struct stream_cb *cb,
    void *arg)
{
	struct openai_dec	*d = xcalloc(1, sizeof *d);

	d->resp = resp;
	d->cb = *cb;
	d->arg = arg;
	buf_init(&d->text, 0);
	return (d);
}

static void
openai_decoder_free(void *arg)
{
	struct openai_dec	*d = arg;
	size_t			 i;

	if (d == NULL)
		return;
	for (i = 0; i < d->ncalls; i++) {
		free(d->calls[i].id);
		free(d->calls[i].name);
		buf_release(&d->calls[i].args);
	}
	free(d->calls);
	buf_release(&d->text);
	free(d);
}

/* A call id unique in this process, for servers that send none. */
char *
provider_openai_call_id(void)
{
	static unsigned int	n;

	return (xasprintf("call_agentos_%lx_%u",
	    (unsigned long)(loop_wall_ms() ^ ((uint64_t)getpid() << 20)),
	    n++));
}

static void
openai_decoder_end(void *arg)
{
	struct openai_dec	*d = arg;
	struct response		*r = d->resp;
	struct openai_call	*c;
	json_t			*input;
	size_t			 i;
	char			*id;

	/* Without [DONE] or a finish_reason the stream was cut short. */
	if (!d->done && !d->finished) {
		message_release(&r->msg);
		r->complete = 0;
		return;
	}
	if (d->text.len != 0)
		message_add_text(&r->msg, d->text.buf);
	for (i = 0; i < d->ncalls; i++) {
		c = &d->calls[i];
		input = provider_openai_tool_input(c->args.buf, c->args.len);
		id = c->id != NULL && *c->id != '\0' ? xstrdup(c->id) :
		    provider_openai_call_id();
		message_add_tool_use(&r->msg, id, c->name ? c->name : "",
		    input);
		free(id);
		json_decref(input);
	}
	/* Some servers omit finish_reason on tool turns. */
	if (r->stop == STOP_NONE)
		r->stop = d->ncalls != 0 ? STOP_TOOL_USE : STOP_END_TURN;
	else if (r->stop == STOP_END_TURN && d->ncalls != 0)
		r->stop = STOP_TOOL_USE;
	r->complete = 1;
}

json_t *
provider_openai_tool_input(const char *args, size_t len)
{
	json_t	*input;
	size_t	 k;

	for (k = 0; k < len && strchr(" \t\r\n", args[k]) != NULL; k++)
		;
	if (k == len)
		return (json_object());
	input = conv_json_loadb(args, len);
	if (json_is_object(input))
		return (input);
	json_decref(input);
	input = json_pack("{s:s%}", PROVIDER_INVALID_JSON, args, len);
	if (input == NULL)
		input = json_pack("{s:s}", PROVIDER_INVALID_JSON,
		    "(not UTF-8)");
	return (input);
}

/* Report the call's start once its name is known. */
static void
openai_call_started(struct openai_dec *d, struct openai_call *c)
{
	if (c->started || c->name == NULL)
		return;
	c->started = 1;
	if (d->cb.tool_use_start != NULL)
		d->cb.tool_use_start(d->arg, c->id != NULL ? c->id : "",
		    c->name);
}

/* One entry of delta.tool_calls (pos is its place in the array). */
static void
openai_tool_delta(struct openai_dec *d, json_t *tc, size_t pos)
{
	struct openai_call	*c = NULL;
	json_t			*fn = json_object_get(tc, "function"), *a;
	const char		*id = conv_json_str(tc, "id"), *name;
	long			 index;
	size_t			 i;
	char			*s;

	index = json_is_integer(json_object_get(tc, "index")) ?
	    json_integer_value(json_object_get(tc, "index")) : (long)pos;
	/* The latest call with this index. */
	for (i = d->ncalls; i > 0; i--) {
		if (d->calls[i - 1].index == index) {
			c = &d->calls[i - 1];
			break;
		}
	}
	/* A different non-empty id on the same index is a new call. */
	if (c != NULL && id != NULL && *id != '\0' && c->id != NULL &&
	    strcmp(c->id, id) != 0)
		c = NULL;
	if (c == NULL) {
		ALLOC_GROW(d->calls, d->ncalls + 1, d->acalls);
		c = &d->calls[d->ncalls++];
		memset(c, 0, sizeof *c);
		c->index = index;
		buf_init(&c->args, 0);
	}
	if (id != NULL && *id != '\0' && c->id == NULL)
		c->id = xstrdup(id);
	if ((name = conv_json_str(fn, "name")) != NULL && *name != '\0' &&
	    c->name == NULL)
		c->name = xstrdup(name);
	a = json_object_get(fn, "arguments");
	if (json_is_string(a))
		buf_add(&c->args, json_string_value(a), json_string_length(a));
	else if (json_is_object(a)) {
		/* Some servers send the arguments as an object. */
		if ((s = json_dumps(a, JSON_COMPACT)) != NULL)
			buf_adds(&c->args, s);
		free(s);
	}
	openai_call_started(d, c);
	if (c->started && c->args.len > 0 && d->cb.tool_use_delta != NULL)
		d->cb.tool_use_delta(d->arg, c->id != NULL ? c->id : "",
		    c->name, c->args.buf, c->args.len);
}

static int
openai_decoder_event(void *arg, const struct sse_event *ev, char **cause)
{
	struct openai_dec	*d = arg;
	struct response		*r = d->resp;
	json_t			*j, *choice, *delta, *v, *u, *tc;
	const char		*s;
	size_t			 i, n;
	char			*type = NULL, *message = NULL;

	if (ev->datalen == 6 && memcmp(ev->data, "[DONE]", 6) == 0) {
		d->done = 1;
		return (0);
	}
	/* Keep-alives and other non-JSON payloads are skipped. */
	if ((j = conv_json_loadb(ev->data, ev->datalen)) == NULL)
		return (0);
	if (!json_is_object(j)) {
		json_decref(j);
		return (0);
	}
	if ((v = json_object_get(j, "error")) != NULL && !json_is_null(v)) {
		if (provider_openai_error_fields(v, &type, &message) != 0) {
			type = xstrdup("error");
			message = xstrdup("error in stream");
		}
		free(r->error_type);
		free(r->error_message);
		r->error_type = type;
		r->error_message = message;
		*cause = xasprintf("%s: %s", type, message);
		json_decref(j);
		return (-1);
	}
	if (r->id == NULL && (s = conv_json_str(j, "id")) != NULL)
		r->id = xstrdup(s);
	if (r->model == NULL && (s = conv_json_str(j, "model")) != NULL)
		r->model = xstrdup(s);

	choice = json_array_get(json_object_get(j, "choices"), 0);
	delta = json_object_get(choice, "delta");
	if (json_is_object(delta)) {
		if ((v = json_object_get(delta, "content")) != NULL &&
		    json_is_string(v) && json_string_length(v) != 0) {
			buf_add(&d->text, json_string_value(v),
			    json_string_length(v));
			if (d->cb.text_delta != NULL)
				d->cb.text_delta(d->arg, json_string_value(v),
				    json_string_length(v));
		}
		/* A refusal is shown and kept as text. */
		if ((v = json_object_get(delta, "refusal")) != NULL &&
		    json_is_string(v) && json_string_length(v) != 0) {
			buf_add(&d->text, json_string_value(v),
			    json_string_length(v));
			if (d->cb.text_delta != NULL)
				d->cb.text_delta(d->arg, json_string_value(v),
				    json_string_length(v));
		}
		/* Reasoning is shown but not kept. */
		if (((v = json_object_get(delta, "reasoning")) != NULL &&
		    json_is_string(v)) || ((v = json_object_get(delta,
		    "reasoning_content")) != NULL && json_is_string(v))) {
			if (d->cb.thinking_delta != NULL &&
			    json_string_length(v) != 0)
				d->cb.thinking_delta(d->arg,
				    json_string_value(v),
				    json_string_length(v));
		}
		tc = json_object_get(delta, "tool_calls");
		n = json_array_size(tc);
		for (i = 0; i < n; i++)
			openai_tool_delta(d, json_array_get(tc, i), i);
	}
	if ((s = conv_json_str(choice, "finish_reason")) != NULL &&
	    *s != '\0') {
		free(r->stop_raw);
		r->stop_raw = xstrdup(s);
		r->stop = stop_reason_from_name(s);
		d->finished = 1;
	}
	u = json_object_get(j, "usage");
	if (json_is_object(u)) {
		json_int_t	prompt, cached;

		prompt = json_integer_value(json_object_get(u,
		    "prompt_tokens"));
		cached = json_integer_value(json_object_get(json_object_get(u,
		    "prompt_tokens_details"), "cached_tokens"));
		r->usage.input_tokens = prompt - cached;
		r->usage.cache_read_tokens = cached;
		r->usage.cache_write_tokens = 0;
		r->usage.output_tokens = json_integer_value(json_object_get(u,
		    "completion_tokens"));
	}
	json_decref(j);
	return (0);
}
