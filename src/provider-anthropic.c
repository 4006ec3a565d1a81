/*
 * provider-anthropic.c: the Anthropic Messages API, streamed
 * (docs.anthropic.com/en/api/messages, .../messages-streaming; field notes
 * in shared/wire/PROTOCOLS.md section 1).
 */
#include <stdlib.h>
#include <string.h>

#include "agentos.h"
#include "context.h"
#include "sse.h"
#include "banned.h"

#define ANTHROPIC_VERSION	"2023-06-01"
#define ANTHROPIC_MAX_TOKENS	8192
#define ANTHROPIC_MIN_BUDGET	1024	/* the API's minimum budget_tokens */

/* A content block while it streams. */
struct anthropic_block {
	long			 index;
	int			 skip;		/* a type we do not keep */
	enum block_type		 type;
	struct buf		 text;		/* text, thinking, data */
	struct buf		 sig;		/* thinking signature */
	struct buf		 json;		/* tool_use partial_json */
	char			*id;
	char			*name;
};

struct anthropic_dec {
	struct response		*resp;
	struct stream_cb	 cb;
	void			*arg;
	struct anthropic_block	*open;		/* started, not stopped */
	size_t			 nopen, aopen;
	int			 lost;		/* a delta had no block */
};

static int	anthropic_build(const struct config *,
		    const struct model_request *, struct provider_http *,
		    char **);
static void	*anthropic_decoder_create(struct response *,
		    const struct stream_cb *, void *);
static int	anthropic_decoder_event(void *, const struct sse_event *,
		    char **);
static void	anthropic_decoder_end(void *);
static void	anthropic_decoder_free(void *);
static int	anthropic_parse_error(const char *, size_t, char **, char **);
static json_t	*anthropic_message(const struct message *);
static void	anthropic_usage(struct response *, json_t *);
static struct anthropic_block *anthropic_find(struct anthropic_dec *, long);
static void	anthropic_close(struct anthropic_dec *, size_t, int);

const struct provider_entry provider_anthropic = {
	.name = "anthropic",
	.default_model = "claude-sonnet-4-5",
	.default_base_url = "https://api.anthropic.com",
	.key_env = "ANTHROPIC_API_KEY",
	.base_url_env = "ANTHROPIC_BASE_URL",
	.build = anthropic_build,
	.decoder_create = anthropic_decoder_create,
	.decoder_event = anthropic_decoder_event,
	.decoder_end = anthropic_decoder_end,
	.decoder_free = anthropic_decoder_free,
	.parse_error = anthropic_parse_error,
};

/* The ephemeral cache breakpoint marker. */
static json_t *
anthropic_cache_control(void)
{
	return (json_pack("{s:s}", "type", "ephemeral"));
}

/* Whether block b may carry cache_control (not thinking, not empty text). */
static int
anthropic_cacheable(json_t *b)
{
	const char	*type = conv_json_str(b, "type");

	if (type == NULL || strcmp(type, "thinking") == 0 ||
	    strcmp(type, "redacted_thinking") == 0)
		return (0);
	if (strcmp(type, "text") == 0 && (conv_json_str(b, "text") == NULL ||
	    *conv_json_str(b, "text") == '\0'))
		return (0);
	return (1);
}

/* One message in the API's shape; NULL if it has no content to send. */
static json_t *
anthropic_message(const struct message *m)
{
	json_t			*content = json_array(), *jb;
	const struct block	*b;
	size_t			 i;
	int			 pass;

	/*
	 * Two passes: tool_result blocks must come first in a user message
	 * (the API checks they immediately follow the tool_use turn).
	 */
	for (pass = 0; pass < 2; pass++) {
		for (i = 0; i < m->nr; i++) {
			b = &m->blocks[i];
			if ((b->type == BLOCK_TOOL_RESULT) != (pass == 0))
				continue;
			jb = NULL;
			switch (b->type) {
			case BLOCK_TEXT:
				if (b->text == NULL || *b->text == '\0')
					break;	/* the API refuses empty text */
				jb = json_pack("{s:s,s:s}", "type", "text",
				    "text", b->text);
				break;
			case BLOCK_THINKING:
				/* Unchanged, signature included. */
				if (b->signature == NULL ||
				    *b->signature == '\0')
					break;
				jb = json_pack("{s:s,s:s,s:s}", "type",
				    "thinking", "thinking", b->text ? b->text :
				    "", "signature", b->signature);
				break;
			case BLOCK_REDACTED_THINKING:
				jb = json_pack("{s:s,s:s}", "type",
				    "redacted_thinking", "data", b->text ?
				    b->text : "");
				break;
			case BLOCK_TOOL_USE:
				jb = json_pack("{s:s,s:s,s:s,s:O}", "type",
				    "tool_use", "id", b->id ? b->id : "",
				    "name", b->name ? b->name : "",
				    "input", b->input != NULL ? b->input :
				    json_object());
				break;
			case BLOCK_TOOL_RESULT:
				jb = json_pack("{s:s,s:s,s:s}", "type",
				    "tool_result", "tool_use_id", b->id ?
				    b->id : "", "content", b->text ?
				    b->text : "");
				if (b->is_error)
					json_object_set_new(jb, "is_error",
					    json_true());
				break;
			case BLOCK_REASONING:
				break;	/* OpenAI's; Anthropic has no use */
			}
			if (jb != NULL)
				json_array_append_new(content, jb);
		}
	}
	if (json_array_size(content) == 0) {
		json_decref(content);
		return (NULL);
	}
	return (json_pack("{s:s,s:o}", "role", m->role == ROLE_USER ? "user" :
	    "assistant", "content", content));
}

/* A breakpoint marker; with long_ttl the 1 hour TTL. */
static json_t *
anthropic_cache_ttl(int long_ttl)
{
	if (long_ttl)
		return (json_pack("{s:s,s:s}", "type", "ephemeral", "ttl",
		    "1h"));
	return (anthropic_cache_control());
}

/* Mark the last cacheable block of API message jm; 0 if none could be. */
static int
anthropic_mark(json_t *jm, int long_ttl)
{
	json_t	*content = json_object_get(jm, "content"), *b;
	size_t	 i;

	for (i = json_array_size(content); i > 0; i--) {
		b = json_array_get(content, i - 1);
		if (anthropic_cacheable(b)) {
			json_object_set_new(b, "cache_control",
			    anthropic_cache_ttl(long_ttl));
			return (1);
		}
	}
	return (0);
}

/*
 * System, tools and messages of body with the breakpoints req->cache
 * plans: the first after the tools and the stable part of the system
 * prompt (on the last tool when there is no system prompt), then one on
 * each planned message.  At most 4.
 */
static void
anthropic_body_cached(json_t *body, const struct model_request *req)
{
	const struct context_cache	*cp = req->cache;
	json_t				*sys, *tools, *t, *msgs, *jm;
	size_t				 i, k = 0, split;
	int				 marks = 0;

	tools = json_array();
	if (req->tools != NULL) {
		json_array_foreach(req->tools, i, t) {
			json_array_append_new(tools, json_pack(
			    "{s:O?,s:O?,s:O?}", "name",
			    json_object_get(t, "name"), "description",
			    json_object_get(t, "description"), "input_schema",
			    json_object_get(t, "input_schema")));
		}
	}
	if (req->system != NULL && *req->system != '\0') {
		split = cp->system_split;
		if (split == 0 || split >= strlen(req->system))
			split = strlen(req->system);
		sys = json_array();
		json_array_append_new(sys, json_pack("{s:s,s:s%,s:o}", "type",
		    "text", "text", req->system, split, "cache_control",
		    anthropic_cache_ttl(cp->long_ttl)));
		marks++;
		if (req->system[split] != '\0')
			json_array_append_new(sys, json_pack("{s:s,s:s}",
			    "type", "text", "text", req->system + split));
		json_object_set_new(body, "system", sys);
	} else if (json_array_size(tools) > 0) {
		json_object_set_new(json_array_get(tools,
		    json_array_size(tools) - 1), "cache_control",
		    anthropic_cache_ttl(cp->long_ttl));
		marks++;
	}
	if (json_array_size(tools) > 0)
		json_object_set_new(body, "tools", tools);
	else
		json_decref(tools);
	msgs = json_array();
	for (i = 0; req->conv != NULL && i < req->conv->nr; i++) {
		if ((jm = anthropic_message(&req->conv->msgs[i])) == NULL)
			continue;
		json_array_append_new(msgs, jm);
		while (k < cp->nmsgs && cp->msgs[k] < i)
			k++;
		/* The 1 hour entries must come first: these are 5 min. */
		if (k < cp->nmsgs && cp->msgs[k] == i && marks < 4)
			marks += anthropic_mark(jm, 0);
	}
	json_object_set_new(body, "messages", msgs);
}

json_t *
provider_anthropic_body(const struct config *cfg,
    const struct model_request *req)
{
	json_t		*body, *msgs, *tools, *t, *jm, *last;
	const char	*model;
	size_t		 i;
	int		 max_tokens, budget;

	model = req->model != NULL ? req->model : cfg->model != NULL ?
	    cfg->model : provider_anthropic.default_model;
	max_tokens = req->max_tokens > 0 ? req->max_tokens :
	    cfg->max_tokens > 0 ? cfg->max_tokens : ANTHROPIC_MAX_TOKENS;
	budget = req->thinking_budget;
	if (budget > 0 && budget < ANTHROPIC_MIN_BUDGET)
		budget = ANTHROPIC_MIN_BUDGET;
	/* budget_tokens must be below max_tokens: the answer needs room. */
	if (budget > 0 && max_tokens <= budget)
		max_tokens = budget + max_tokens;
	body = json_pack("{s:s,s:i}", "model", model, "max_tokens",
	    max_tokens);

	if (req->cache != NULL) {
		/* The context manager's breakpoints (context-cache.c). */
		anthropic_body_cached(body, req);
		goto out;
	}
	/*
	 * Prompt caching: breakpoints on the system block, the last tool and
	 * the last block of the last message (3 of the 4 allowed), so each
	 * turn reads the previous turn's prefix from the cache.
	 */
	if (req->system != NULL && *req->system != '\0')
		json_object_set_new(body, "system", json_pack("[{s:s,s:s,s:o}]",
		    "type", "text", "text", req->system, "cache_control",
		    anthropic_cache_control()));
	if (req->tools != NULL && json_array_size(req->tools) != 0) {
		tools = json_array();
		json_array_foreach(req->tools, i, t) {
			json_array_append_new(tools, json_pack(
			    "{s:O?,s:O?,s:O?}", "name",
			    json_object_get(t, "name"), "description",
			    json_object_get(t, "description"), "input_schema",
			    json_object_get(t, "input_schema")));
		}
		json_object_set_new(json_array_get(tools,
		    json_array_size(tools) - 1), "cache_control",
		    anthropic_cache_control());
		json_object_set_new(body, "tools", tools);
	}
	msgs = json_array();
	for (i = 0; req->conv != NULL && i < req->conv->nr; i++) {
		jm = anthropic_message(&req->conv->msgs[i]);
		if (jm != NULL)
			json_array_append_new(msgs, jm);
	}
	if (json_array_size(msgs) != 0) {
		jm = json_object_get(json_array_get(msgs,
		    json_array_size(msgs) - 1), "content");
		last = json_array_get(jm, json_array_size(jm) - 1);
		if (last != NULL && anthropic_cacheable(last))
			json_object_set_new(last, "cache_control",
			    anthropic_cache_control());
	}
	json_object_set_new(body, "messages", msgs);
out:
	json_object_set_new(body, "stream", json_true());
	if (budget > 0)
		json_object_set_new(body, "thinking", json_pack("{s:s,s:i}",
		    "type", "enabled", "budget_tokens", budget));
	return (body);
}

/* Build POST {base}/v1/messages. */
static int
anthropic_build(const struct config *cfg, const struct model_request *req,
    struct provider_http *ph, char **cause)
{
	json_t		*body;
	const char	*base;
	size_t		 n;

	memset(ph, 0, sizeof *ph);
	base = cfg->base_url != NULL && *cfg->base_url != '\0' ?
	    cfg->base_url : provider_anthropic.default_base_url;
	n = strlen(base);
	while (n > 0 && base[n - 1] == '/')
		n--;
	/* Tolerate a base URL given with /v1 as OpenAI's is. */
	if (n >= 3 && strncmp(base + n - 3, "/v1", 3) == 0)
		n -= 3;
	ph->url = xasprintf("%.*s/v1/messages", (int)n, base);
	ph->headers = xcalloc(4, sizeof *ph->headers);
	if (cfg->api_key != NULL && *cfg->api_key != '\0')
		ph->headers[ph->nheaders++] = xasprintf("x-api-key: %s",
		    cfg->api_key);
	ph->headers[ph->nheaders++] = xstrdup("anthropic-version: "
	    ANTHROPIC_VERSION);
	ph->headers[ph->nheaders++] = xstrdup("content-type: "
	    "application/json");
	ph->headers[ph->nheaders++] = xstrdup("accept: text/event-stream");
	body = provider_anthropic_body(cfg, req);
	ph->body = json_dumps(body, JSON_COMPACT);
	json_decref(body);
	if (ph->body == NULL) {
		provider_http_release(ph);
		*cause = xstrdup("cannot encode the request (invalid UTF-8?)");
		return (-1);
	}
	ph->len = strlen(ph->body);
	return (0);
}

static int
anthropic_parse_error(const char *body, size_t len, char **type,
    char **message)
{
	json_t		*j, *e;
	const char	*t, *m;
	int		 rc = -1;

	if ((j = json_loadb(body, len, 0, NULL)) == NULL)
		return (-1);
	e = json_object_get(j, "error");
	if (json_is_object(e)) {
		t = conv_json_str(e, "type");
		m = conv_json_str(e, "message");
		if (t != NULL || m != NULL) {
			*type = xstrdup(t != NULL ? t : "error");
			*message = xstrdup(m != NULL ? m : "");
			rc = 0;
		}
	}
	json_decref(j);
	return (rc);
}

static void *
anthropic_decoder_create(struct response *resp, const struct stream_cb *cb,
    void *arg)
{
	struct anthropic_dec	*d = xcalloc(1, sizeof *d);

	d->resp = resp;
	d->cb = *cb;
	d->arg = arg;
	return (d);
}

static void
anthropic_decoder_free(void *arg)
{
	struct anthropic_dec	*d = arg;

	if (d == NULL)
		return;
	while (d->nopen > 0)
		anthropic_close(d, d->nopen - 1, 0);
	free(d->open);
	free(d);
}

static void
anthropic_decoder_end(void *arg)
{
	struct anthropic_dec	*d = arg;

	/* Blocks never stopped are dropped: no half tool calls. */
	while (d->nopen > 0)
		anthropic_close(d, d->nopen - 1, 0);
	if (!d->resp->complete)
		message_release(&d->resp->msg);
}

/* The open block with index, or NULL. */
static struct anthropic_block *
anthropic_find(struct anthropic_dec *d, long index)
{
	size_t	i;

	for (i = 0; i < d->nopen; i++) {
		if (d->open[i].index == index)
			return (&d->open[i]);
	}
	return (NULL);
}

/* Close open block i: add it to the response if keep, and free it. */
static void
anthropic_close(struct anthropic_dec *d, size_t i, int keep)
{
	struct anthropic_block	*ab = &d->open[i];
	struct block		 b;
	json_t			*input;
	size_t			 k;

	if (keep && !ab->skip) {
		memset(&b, 0, sizeof b);
		b.type = ab->type;
		switch (ab->type) {
		case BLOCK_TEXT:
			message_add_text(&d->resp->msg, ab->text.buf);
			break;
		case BLOCK_THINKING:
			b.text = ab->text.buf;
			b.signature = ab->sig.buf;
			message_add_copy(&d->resp->msg, &b);
			break;
		case BLOCK_REDACTED_THINKING:
			b.text = ab->text.buf;
			message_add_copy(&d->resp->msg, &b);
			break;
		case BLOCK_TOOL_USE:
			/* "" means {}; see provider_anthropic in agentos.h. */
			for (k = 0; k < ab->json.len && strchr(" \t\r\n",
			    ab->json.buf[k]) != NULL; k++)
				;
			if (k == ab->json.len)
				input = json_object();
			else {
				input = conv_json_loadb(ab->json.buf,
				    ab->json.len);
				if (!json_is_object(input)) {
					json_decref(input);
					input = json_pack("{s:s%}",
					    PROVIDER_INVALID_JSON,
					    ab->json.buf, ab->json.len);
					if (input == NULL)
						input = json_pack("{s:s}",
						    PROVIDER_INVALID_JSON,
						    "(not UTF-8)");
				}
			}
			message_add_tool_use(&d->resp->msg, ab->id, ab->name,
			    input);
			json_decref(input);
			break;
		case BLOCK_TOOL_RESULT:
		case BLOCK_REASONING:
			break;
		}
	}
	buf_release(&ab->text);
	buf_release(&ab->sig);
	buf_release(&ab->json);
	free(ab->id);
	free(ab->name);
	memmove(&d->open[i], &d->open[i + 1],
	    (d->nopen - i - 1) * sizeof *d->open);
	d->nopen--;
}

/* Take the usage counts present in u (cumulative: last value wins). */
static void
anthropic_usage(struct response *r, json_t *u)
{
	json_t	*v;

	if (!json_is_object(u))
		return;
	if (json_is_integer(v = json_object_get(u, "input_tokens")))
		r->usage.input_tokens = json_integer_value(v);
	if (json_is_integer(v = json_object_get(u, "output_tokens")))
		r->usage.output_tokens = json_integer_value(v);
	if (json_is_integer(v = json_object_get(u, "cache_read_input_tokens")))
		r->usage.cache_read_tokens = json_integer_value(v);
	if (json_is_integer(v = json_object_get(u,
	    "cache_creation_input_tokens")))
		r->usage.cache_write_tokens = json_integer_value(v);
	/* The TTL split of the writes, priced apart (1 h costs more). */
	if (json_is_integer(v = json_object_get(json_object_get(u,
	    "cache_creation"), "ephemeral_1h_input_tokens")))
		r->usage.cache_write_1h_tokens = json_integer_value(v);
}

/* Replace *dst by a copy of s (if s is not NULL). */
static void
anthropic_set(char **dst, const char *s)
{
	if (s == NULL)
		return;
	free(*dst);
	*dst = xstrdup(s);
}

static int
anthropic_decoder_event(void *arg, const struct sse_event *ev, char **cause)
{
	struct anthropic_dec	*d = arg;
	struct response		*r = d->resp;
	struct anthropic_block	*ab;
	json_t			*j, *o, *e;
	const char		*type, *s, *v;
	long			 index;
	int			 rc = -1;

	if ((j = conv_json_loadb(ev->data, ev->datalen)) == NULL ||
	    !json_is_object(j)) {
		json_decref(j);
		/* Keep-alives and unknown events may carry anything. */
		if (strncmp(ev->event, "message_", 8) == 0 ||
		    strncmp(ev->event, "content_block_", 14) == 0 ||
		    strcmp(ev->event, "error") == 0) {
			*cause = xasprintf("%s event with invalid JSON",
			    ev->event);
			return (-1);
		}
		return (0);
	}
	if ((type = conv_json_str(j, "type")) == NULL)
		type = ev->event;
	index = json_integer_value(json_object_get(j, "index"));

	if (strcmp(type, "message_start") == 0) {
		o = json_object_get(j, "message");
		anthropic_set(&r->id, conv_json_str(o, "id"));
		anthropic_set(&r->model, conv_json_str(o, "model"));
		anthropic_usage(r, json_object_get(o, "usage"));
	} else if (strcmp(type, "content_block_start") == 0) {
		if (anthropic_find(d, index) != NULL) {
			*cause = xasprintf("content block %ld started twice",
			    index);
			goto out;
		}
		o = json_object_get(j, "content_block");
		s = conv_json_str(o, "type");
		ALLOC_GROW(d->open, d->nopen + 1, d->aopen);
		ab = &d->open[d->nopen++];
		memset(ab, 0, sizeof *ab);
		ab->index = index;
		buf_init(&ab->text, 0);
		buf_init(&ab->sig, 0);
		buf_init(&ab->json, 0);
		if (s != NULL && strcmp(s, "text") == 0) {
			ab->type = BLOCK_TEXT;
			if ((s = conv_json_str(o, "text")) != NULL &&
			    *s != '\0') {
				buf_adds(&ab->text, s);
				if (d->cb.text_delta != NULL)
					d->cb.text_delta(d->arg, s, strlen(s));
			}
		} else if (s != NULL && strcmp(s, "thinking") == 0) {
			ab->type = BLOCK_THINKING;
			if ((s = conv_json_str(o, "thinking")) != NULL)
				buf_adds(&ab->text, s);
			if ((s = conv_json_str(o, "signature")) != NULL)
				buf_adds(&ab->sig, s);
		} else if (s != NULL && strcmp(s, "redacted_thinking") == 0) {
			ab->type = BLOCK_REDACTED_THINKING;
			if ((s = conv_json_str(o, "data")) != NULL)
				buf_adds(&ab->text, s);
		} else if (s != NULL && strcmp(s, "tool_use") == 0) {
			ab->type = BLOCK_TOOL_USE;
			if (conv_json_str(o, "id") == NULL ||
			    conv_json_str(o, "name") == NULL) {
				*cause = xstrdup("tool_use without id or name");
				goto out;
			}
			ab->id = xstrdup(conv_json_str(o, "id"));
			ab->name = xstrdup(conv_json_str(o, "name"));
			if (d->cb.tool_use_start != NULL)
				d->cb.tool_use_start(d->arg, ab->id, ab->name);
		} else
			ab->skip = 1;	/* server tools, future types */
	} else if (strcmp(type, "content_block_delta") == 0) {
		if ((ab = anthropic_find(d, index)) == NULL) {
			/*
			 * Content was lost; fail at the end, not here, so an
			 * error event that follows can still say why.
			 */
			d->lost = 1;
			goto done;
		}
		o = json_object_get(j, "delta");
		s = conv_json_str(o, "type");
		if (ab->skip || s == NULL)
			;
		else if (strcmp(s, "text_delta") == 0 &&
		    (e = json_object_get(o, "text")) != NULL) {
			buf_add(&ab->text, json_string_value(e),
			    json_string_length(e));
			if (d->cb.text_delta != NULL &&
			    json_string_length(e) != 0)
				d->cb.text_delta(d->arg, json_string_value(e),
				    json_string_length(e));
		} else if (strcmp(s, "thinking_delta") == 0 &&
		    (e = json_object_get(o, "thinking")) != NULL) {
			buf_add(&ab->text, json_string_value(e),
			    json_string_length(e));
			if (d->cb.thinking_delta != NULL &&
			    json_string_length(e) != 0)
				d->cb.thinking_delta(d->arg,
				    json_string_value(e),
				    json_string_length(e));
		} else if (strcmp(s, "signature_delta") == 0) {
			if ((v = conv_json_str(o, "signature")) != NULL)
				buf_adds(&ab->sig, v);
		} else if (strcmp(s, "input_json_delta") == 0) {
			if ((v = conv_json_str(o, "partial_json")) != NULL) {
				buf_adds(&ab->json, v);
				if (d->cb.tool_use_delta != NULL)
					d->cb.tool_use_delta(d->arg, ab->id,
					    ab->name, ab->json.buf,
					    ab->json.len);
			}
		}
		/* citations_delta and unknown deltas are ignored. */
	} else if (strcmp(type, "content_block_stop") == 0) {
		if ((ab = anthropic_find(d, index)) == NULL) {
			*cause = xasprintf("stop for unknown content block "
			    "%ld", index);
			goto out;
		}
		anthropic_close(d, ab - d->open, 1);
	} else if (strcmp(type, "message_delta") == 0) {
		o = json_object_get(j, "delta");
		if ((s = conv_json_str(o, "stop_reason")) != NULL) {
			anthropic_set(&r->stop_raw, s);
			r->stop = stop_reason_from_name(s);
		}
		anthropic_usage(r, json_object_get(j, "usage"));
	} else if (strcmp(type, "message_stop") == 0) {
		if (d->nopen != 0 || d->lost) {
			*cause = xstrdup(d->lost ? "deltas for unknown content "
			    "blocks" : "message_stop with open content blocks");
			goto out;
		}
		r->complete = 1;
	} else if (strcmp(type, "error") == 0) {
		e = json_object_get(j, "error");
		anthropic_set(&r->error_type, conv_json_str(e, "type") != NULL ?
		    conv_json_str(e, "type") : "error");
		anthropic_set(&r->error_message,
		    conv_json_str(e, "message") != NULL ?
		    conv_json_str(e, "message") : "error in stream");
		r->complete = 0;
		*cause = xasprintf("%s: %s", r->error_type, r->error_message);
		goto out;
	}
	/* ping and unknown events are ignored. */
done:
	rc = 0;
out:
	json_decref(j);
	return (rc);
}
