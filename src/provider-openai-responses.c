/*
 * provider-openai-responses.c: the OpenAI Responses API, streamed, as GPT-5
 * and Codex models use it.  API reference:
 * platform.openai.com/docs/api-reference/responses/create and
 * .../responses-streaming; field notes in shared/wire/PROTOCOLS.md section
 * 3.  The key, base URL and error bodies are Chat Completions' (shared
 * with provider-openai.c).
 *
 * Requests are stateless (store false): the whole conversation goes as
 * input items every time, and reasoning items come back with their
 * encrypted_content so they can be sent again (verbatim but for the id)
 * in the next request; that is how a reasoning model keeps its reasoning across the
 * turns of a tool loop.  They are kept as BLOCK_REASONING blocks, so the
 * session log, resume and fork carry them too.
 */
#include <stdlib.h>
#include <string.h>

#include "agentos.h"
#include "options.h"
#include "sse.h"
#include "banned.h"

#define RESPONSES_MAX_TOKENS	8192

/* An output item while it streams. */
struct responses_item {
	long		 index;		/* output_index */
	char		*id;		/* item id: msg_, fc_, rs_ */
	char		*type;		/* message, function_call, reasoning */
	char		*call_id;
	char		*name;
	struct buf	 text;		/* output text, or arguments */
	struct buf	 summary;	/* reasoning summary text */
	int		 done;		/* output_item.done came */
};

struct responses_dec {
	struct response		*resp;
	struct stream_cb	 cb;
	void			*arg;
	struct responses_item	*items;
	size_t			 nitems, aitems;
	int			 ncalls;	/* function calls kept */
	int			 refused;	/* a refusal streamed */
	int			 ended;		/* completed or incomplete */
};

static int	responses_build(const struct config *,
		    const struct model_request *, struct provider_http *,
		    char **);
static void	*responses_decoder_create(struct response *,
		    const struct stream_cb *, void *);
static int	responses_decoder_event(void *, const struct sse_event *,
		    char **);
static void	responses_decoder_end(void *);
static void	responses_decoder_free(void *);

const struct provider_entry provider_openai_responses = {
	.name = "openai-responses",
	.default_model = "gpt-5",
	.default_base_url = "https://api.openai.com/v1",
	.key_env = "OPENAI_API_KEY",
	.base_url_env = "OPENAI_BASE_URL",
	.build = responses_build,
	.decoder_create = responses_decoder_create,
	.decoder_event = responses_decoder_event,
	.decoder_end = responses_decoder_end,
	.decoder_free = responses_decoder_free,
	.parse_error = provider_openai_parse_error,
};

/* Append text as one user or assistant message item, if any. */
static void
responses_flush_text(json_t *input, enum role role, struct buf *text)
{
	if (text->len == 0)
		return;
	json_array_append_new(input, json_pack("{s:s,s:s}", "role",
	    role == ROLE_USER ? "user" : "assistant", "content", text->buf));
	buf_reset(text);
}

/*
 * Send a reasoning item back: as it came, encrypted_content and all, but
 * without its id.  With store false the server keeps nothing, and an
 * item with an id is looked up by it and refused ("Item with id 'rs_...'
 * not found. Items are not persisted when `store` is set to false";
 * maximhq/bifrost#5410, NousResearch/hermes-agent#10217); one without
 * encrypted_content carries nothing and is left out.
 */
static void
responses_add_reasoning(json_t *input, const struct message *m,
    const struct block *b)
{
	json_t	*item;

	if (m->role != ROLE_ASSISTANT || !json_is_object(b->input) ||
	    conv_json_str(b->input, "encrypted_content") == NULL)
		return;
	item = json_deep_copy(b->input);
	json_object_del(item, "id");
	json_array_append_new(input, item);
}

/* Append the input items for one conversation message m. */
static void
responses_add_message(json_t *input, const struct message *m)
{
	const struct block	*b;
	struct buf		 text = BUF_INIT;
	char			*args, *output;
	size_t			 i;

	for (i = 0; i < m->nr; i++) {
		b = &m->blocks[i];
		if (b->type != BLOCK_TEXT)
			responses_flush_text(input, m->role, &text);
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
			json_array_append_new(input, json_pack(
			    "{s:s,s:s,s:s,s:s}", "type", "function_call",
			    "call_id", b->id ? b->id : "", "name", b->name ?
			    b->name : "", "arguments", args ? args : "{}"));
			free(args);
			break;
		case BLOCK_TOOL_RESULT:
			if (b->is_error)
				output = xasprintf("Error: %s", b->text ?
				    b->text : "");
			else
				output = xstrdup(b->text ? b->text : "");
			json_array_append_new(input, json_pack(
			    "{s:s,s:s,s:s}", "type", "function_call_output",
			    "call_id", b->id ? b->id : "", "output", output));
			free(output);
			break;
		case BLOCK_REASONING:
			responses_add_reasoning(input, m, b);
			break;
		case BLOCK_THINKING:
		case BLOCK_REDACTED_THINKING:
			break;	/* Anthropic's; no place for them here */
		}
	}
	responses_flush_text(input, m->role, &text);
	buf_release(&text);
}

/* Whether model is a reasoning model (gpt-5*, o1..o9*, codex*). */
static int
responses_reasoning_model(const char *model)
{
	if (strncmp(model, "gpt-5", 5) == 0 || strstr(model, "codex") != NULL)
		return (1);
	return (model[0] == 'o' && model[1] >= '1' && model[1] <= '9');
}

json_t *
provider_openai_responses_body(const struct config *cfg,
    const struct model_request *req)
{
	const struct option_source *src;
	json_t		*body, *input, *tools, *t, *reasoning;
	const char	*model;
	size_t		 i;
	int		 max_tokens;

	model = req->model != NULL ? req->model : cfg->model != NULL ?
	    cfg->model : provider_openai_responses.default_model;
	max_tokens = req->max_tokens > 0 ? req->max_tokens :
	    cfg->max_tokens > 0 ? cfg->max_tokens : RESPONSES_MAX_TOKENS;

	input = json_array();
	for (i = 0; req->conv != NULL && i < req->conv->nr; i++)
		responses_add_message(input, &req->conv->msgs[i]);
	body = json_pack("{s:s,s:o}", "model", model, "input", input);
	if (req->system != NULL && *req->system != '\0')
		json_object_set_new(body, "instructions",
		    json_string(req->system));
	if (req->tools != NULL && json_array_size(req->tools) != 0) {
		tools = json_array();
		json_array_foreach(req->tools, i, t) {
			json_array_append_new(tools, json_pack(
			    "{s:s,s:O?,s:O?,s:O?}", "type", "function",
			    "name", json_object_get(t, "name"),
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
	if (responses_reasoning_model(model)) {
		/* Summaries are what is shown like thinking. */
		reasoning = json_pack("{s:s}", "summary", "auto");
		if (req->thinking_budget > 0)
			json_object_set_new(reasoning, "effort", json_string(
			    req->thinking_budget <= 4096 ? "low" :
			    req->thinking_budget <= 16384 ? "medium" :
			    "high"));
		json_object_set_new(body, "reasoning", reasoning);
	}
	/*
	 * A reasoning model's output cap counts its reasoning tokens too:
	 * the default max_tokens (sized for answers) would cut it short, so
	 * it gets the model's own limit (gpt-5: 128,000) unless max_tokens
	 * was set.
	 */
	src = options_source(cfg, "max_tokens");
	if (!responses_reasoning_model(model) || (src != NULL &&
	    src->origin != OPTION_DEFAULT))
		json_object_set_new(body, "max_output_tokens",
		    json_integer(max_tokens));
	json_object_set_new(body, "stream", json_true());
	json_object_set_new(body, "store", json_false());
	json_object_set_new(body, "include",
	    json_pack("[s]", "reasoning.encrypted_content"));
	return (body);
}

/* Build POST {base}/responses. */
static int
responses_build(const struct config *cfg, const struct model_request *req,
    struct provider_http *ph, char **cause)
{
	json_t	*body;
	int	 rc;

	body = provider_openai_responses_body(cfg, req);
	rc = provider_openai_http(cfg, "responses", body, ph, cause);
	json_decref(body);
	return (rc);
}

static void *
responses_decoder_create(struct response *resp, const struct stream_cb *cb,
    void *arg)
{
	struct responses_dec	*d = xcalloc(1, sizeof *d);

	d->resp = resp;
	d->cb = *cb;
	d->arg = arg;
	return (d);
}

static void
responses_decoder_free(void *arg)
{
	struct responses_dec	*d = arg;
	struct responses_item	*it;
	size_t			 i;

	if (d == NULL)
		return;
	for (i = 0; i < d->nitems; i++) {
		it = &d->items[i];
		free(it->id);
		free(it->type);
		free(it->call_id);
		free(it->name);
		buf_release(&it->text);
		buf_release(&it->summary);
	}
	free(d->items);
	free(d);
}

/* The item an event names (by item_id, else output_index), or NULL. */
static struct responses_item *
responses_find(struct responses_dec *d, json_t *j)
{
	const char	*id = conv_json_str(j, "item_id");
	json_t		*oi = json_object_get(j, "output_index");
	size_t		 i;

	for (i = d->nitems; i > 0; i--) {
		if (id != NULL && d->items[i - 1].id != NULL &&
		    strcmp(d->items[i - 1].id, id) == 0)
			return (&d->items[i - 1]);
	}
	if (!json_is_integer(oi))
		return (NULL);
	for (i = d->nitems; i > 0; i--) {
		if (d->items[i - 1].index == json_integer_value(oi))
			return (&d->items[i - 1]);
	}
	return (NULL);
}

/* Copy str member key of o into *dst if not set yet. */
static void
responses_take(char **dst, json_t *o, const char *key)
{
	const char	*s = conv_json_str(o, key);

	if (*dst == NULL && s != NULL && *s != '\0')
		*dst = xstrdup(s);
}

/* A new item (output_item.added); its state. */
static struct responses_item *
responses_add_item(struct responses_dec *d, json_t *item, json_t *oi)
{
	struct responses_item	*it;

	ALLOC_GROW(d->items, d->nitems + 1, d->aitems);
	it = &d->items[d->nitems++];
	memset(it, 0, sizeof *it);
	it->index = json_is_integer(oi) ? json_integer_value(oi) :
	    (long)d->nitems - 1;
	buf_init(&it->text, 0);
	buf_init(&it->summary, 0);
	responses_take(&it->id, item, "id");
	responses_take(&it->type, item, "type");
	responses_take(&it->call_id, item, "call_id");
	responses_take(&it->name, item, "name");
	if (it->type != NULL && strcmp(it->type, "function_call") == 0 &&
	    it->name != NULL && d->cb.tool_use_start != NULL)
		d->cb.tool_use_start(d->arg, it->call_id != NULL ?
		    it->call_id : "", it->name);
	return (it);
}

/* The texts of a done item's parts of type (output_text, ...) joined. */
static void
responses_part_texts(json_t *parts, const char *type, const char *key,
    struct buf *out)
{
	json_t		*p;
	const char	*s;
	size_t		 i;

	json_array_foreach(parts, i, p) {
		if (type != NULL && (conv_json_str(p, "type") == NULL ||
		    strcmp(conv_json_str(p, "type"), type) != 0))
			continue;
		if ((s = conv_json_str(p, key)) != NULL)
			buf_adds(out, s);
	}
}

/* An item is done: turn it into a block of the response. */
static void
responses_item_done(struct responses_dec *d, struct responses_item *it,
    json_t *item)
{
	struct response	*r = d->resp;
	struct block	*b;
	struct buf	 text = BUF_INIT;
	json_t		*input;
	const char	*args;
	char		*id;

	if (it->done)
		return;
	it->done = 1;
	responses_take(&it->type, item, "type");
	responses_take(&it->call_id, item, "call_id");
	responses_take(&it->name, item, "name");
	if (it->type == NULL)
		goto out;
	if (strcmp(it->type, "message") == 0) {
		/* The deltas, or the item's own text if none came. */
		if (it->text.len != 0)
			buf_add(&text, it->text.buf, it->text.len);
		else {
			responses_part_texts(json_object_get(item, "content"),
			    "output_text", "text", &text);
			responses_part_texts(json_object_get(item, "content"),
			    "refusal", "refusal", &text);
		}
		if (text.len != 0)
			message_add_text(&r->msg, text.buf);
	} else if (strcmp(it->type, "function_call") == 0) {
		args = conv_json_str(item, "arguments");
		if (args != NULL && *args != '\0')
			input = provider_openai_tool_input(args,
			    strlen(args));
		else
			input = provider_openai_tool_input(it->text.buf,
			    it->text.len);
		id = it->call_id != NULL ? xstrdup(it->call_id) :
		    provider_openai_call_id();
		message_add_tool_use(&r->msg, id, it->name != NULL ?
		    it->name : "", input);
		free(id);
		json_decref(input);
		d->ncalls++;
	} else if (strcmp(it->type, "reasoning") == 0 &&
	    json_is_object(item)) {
		if (it->summary.len != 0)
			buf_add(&text, it->summary.buf, it->summary.len);
		else
			responses_part_texts(json_object_get(item, "summary"),
			    NULL, "text", &text);
		/* Open models (gpt-oss) send their reasoning as content. */
		if (text.len == 0)
			responses_part_texts(json_object_get(item, "content"),
			    "reasoning_text", "text", &text);
		b = message_add_text(&r->msg, text.buf);
		b->type = BLOCK_REASONING;
		b->input = json_deep_copy(item);
	}
out:
	buf_release(&text);
}

/* Note the usage, id and model of the response object resp. */
static void
responses_usage(struct responses_dec *d, json_t *resp)
{
	struct response	*r = d->resp;
	json_t		*u = json_object_get(resp, "usage");
	json_int_t	 in, cached;

	responses_take(&r->id, resp, "id");
	responses_take(&r->model, resp, "model");
	if (!json_is_object(u))
		return;
	in = json_integer_value(json_object_get(u, "input_tokens"));
	cached = json_integer_value(json_object_get(json_object_get(u,
	    "input_tokens_details"), "cached_tokens"));
	if (cached < 0 || cached > in)
		cached = 0;
	r->usage.input_tokens = in - cached;
	r->usage.cache_read_tokens = cached;
	r->usage.cache_write_tokens = 0;
	r->usage.output_tokens = json_integer_value(json_object_get(u,
	    "output_tokens"));
}

/* The items of a final response that did not stream as items. */
static void
responses_final_output(struct responses_dec *d, json_t *resp)
{
	struct responses_item	*it;
	json_t			*item;
	const char		*id;
	size_t			 i, k;

	json_array_foreach(json_object_get(resp, "output"), i, item) {
		if (!json_is_object(item))
			continue;
		id = conv_json_str(item, "id");
		it = NULL;
		for (k = 0; id != NULL && k < d->nitems; k++) {
			if (d->items[k].id != NULL &&
			    strcmp(d->items[k].id, id) == 0)
				it = &d->items[k];
		}
		if (it != NULL && it->done)
			continue;
		if (it == NULL)
			it = responses_add_item(d, item, NULL);
		responses_item_done(d, it, item);
	}
}

/* A mid-stream error (error, response.failed): note it; -1 with cause. */
static int
responses_error(struct responses_dec *d, json_t *e, char **cause)
{
	struct response	*r = d->resp;
	char		*type = NULL, *message = NULL;

	if (provider_openai_error_fields(e, &type, &message) != 0) {
		type = xstrdup("error");
		message = xstrdup("error in stream");
	}
	free(r->error_type);
	free(r->error_message);
	r->error_type = type;
	r->error_message = message;
	*cause = xasprintf("%s: %s", type, message);
	return (-1);
}

/* A delta of text for the user (output text, refusal). */
static void
responses_text(struct responses_dec *d, struct responses_item *it,
    json_t *v)
{
	if (!json_is_string(v) || json_string_length(v) == 0)
		return;
	if (it != NULL)
		buf_add(&it->text, json_string_value(v),
		    json_string_length(v));
	if (d->cb.text_delta != NULL)
		d->cb.text_delta(d->arg, json_string_value(v),
		    json_string_length(v));
}

static int
responses_decoder_event(void *arg, const struct sse_event *ev, char **cause)
{
	struct responses_dec	*d = arg;
	struct response		*r = d->resp;
	struct responses_item	*it;
	json_t			*j, *v, *item, *resp;
	const char		*type, *s;
	int			 rc = 0;

	/* Keep-alives and other non-JSON payloads are skipped. */
	if ((j = conv_json_loadb(ev->data, ev->datalen)) == NULL)
		return (0);
	if (!json_is_object(j)) {
		json_decref(j);
		return (0);
	}
	type = conv_json_str(j, "type");
	if (type == NULL)
		type = ev->event != NULL ? ev->event : "";
	it = responses_find(d, j);
	item = json_object_get(j, "item");
	resp = json_object_get(j, "response");

	if (strcmp(type, "response.created") == 0 ||
	    strcmp(type, "response.in_progress") == 0)
		responses_usage(d, resp);
	else if (strcmp(type, "response.output_item.added") == 0) {
		if (json_is_object(item))
			responses_add_item(d, item,
			    json_object_get(j, "output_index"));
	} else if (strcmp(type, "response.output_text.delta") == 0)
		responses_text(d, it, json_object_get(j, "delta"));
	else if (strcmp(type, "response.refusal.delta") == 0) {
		d->refused = 1;
		responses_text(d, it, json_object_get(j, "delta"));
	} else if (strcmp(type, "response.reasoning_summary_text.delta") ==
	    0 || strcmp(type, "response.reasoning_text.delta") == 0) {
		v = json_object_get(j, "delta");
		if (json_is_string(v) && json_string_length(v) != 0) {
			if (it != NULL && strstr(type, "summary") != NULL)
				buf_add(&it->summary, json_string_value(v),
				    json_string_length(v));
			if (d->cb.thinking_delta != NULL)
				d->cb.thinking_delta(d->arg,
				    json_string_value(v),
				    json_string_length(v));
		}
	} else if (strcmp(type, "response.reasoning_summary_part.done") ==
	    0) {
		/* Parts of a summary are paragraphs. */
		if (it != NULL && it->summary.len != 0)
			buf_adds(&it->summary, "\n\n");
	} else if (strcmp(type, "response.function_call_arguments.delta") ==
	    0) {
		v = json_object_get(j, "delta");
		if (it != NULL && json_is_string(v)) {
			buf_add(&it->text, json_string_value(v),
			    json_string_length(v));
			if (it->name != NULL && d->cb.tool_use_delta != NULL)
				d->cb.tool_use_delta(d->arg, it->call_id !=
				    NULL ? it->call_id : "", it->name,
				    it->text.buf, it->text.len);
		}
	} else if (strcmp(type, "response.function_call_arguments.done") ==
	    0) {
		if (it != NULL && (s = conv_json_str(j, "arguments")) !=
		    NULL) {
			buf_reset(&it->text);
			buf_adds(&it->text, s);
		}
	} else if (strcmp(type, "response.output_item.done") == 0) {
		if (json_is_object(item)) {
			if (it == NULL || (it->id != NULL &&
			    conv_json_str(item, "id") != NULL &&
			    strcmp(it->id, conv_json_str(item, "id")) != 0))
				it = responses_add_item(d, item,
				    json_object_get(j, "output_index"));
			responses_item_done(d, it, item);
		}
	} else if (strcmp(type, "response.completed") == 0) {
		responses_usage(d, resp);
		responses_final_output(d, resp);
		free(r->stop_raw);
		r->stop_raw = xstrdup(d->ncalls != 0 ? "tool_calls" :
		    d->refused ? "refusal" : "completed");
		r->stop = d->ncalls != 0 ? STOP_TOOL_USE : d->refused ?
		    STOP_REFUSAL : STOP_END_TURN;
		d->ended = 1;
	} else if (strcmp(type, "response.incomplete") == 0) {
		responses_usage(d, resp);
		s = conv_json_str(json_object_get(resp, "incomplete_details"),
		    "reason");
		free(r->stop_raw);
		r->stop_raw = xstrdup(s != NULL ? s : "incomplete");
		if (s != NULL && strcmp(s, "max_output_tokens") == 0)
			r->stop = STOP_MAX_TOKENS;
		else if (s != NULL && strcmp(s, "content_filter") == 0)
			r->stop = STOP_REFUSAL;
		else
			r->stop = STOP_OTHER;
		d->ended = 1;
	} else if (strcmp(type, "response.failed") == 0) {
		responses_usage(d, resp);
		v = json_object_get(resp, "error");
		if (json_is_object(v))
			rc = responses_error(d, v, cause);
		else {
			v = json_pack("{s:s}", "message",
			    "the response failed");
			rc = responses_error(d, v, cause);
			json_decref(v);
		}
	} else if (strcmp(type, "error") == 0) {
		v = json_object_get(j, "error");
		rc = responses_error(d, json_is_object(v) ? v : j, cause);
	}
	json_decref(j);
	return (rc);
}

static void
responses_decoder_end(void *arg)
{
	struct responses_dec	*d = arg;
	struct response		*r = d->resp;

	/* Without response.completed (or .incomplete) it was cut short. */
	if (!d->ended) {
		message_release(&r->msg);
		r->complete = 0;
		return;
	}
	r->complete = 1;
}
