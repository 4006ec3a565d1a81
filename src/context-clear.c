/* context-clear.c: estimate a request's tokens, clear old tool results. */
#include <stdlib.h>
#include <string.h>

#include "agentos.h"
#include "context.h"
#include "banned.h"

/* Model name prefixes and their windows, most exact first. */
static const struct {
	const char	*prefix;
	int64_t		 window;
} context_models[] = {
	{ "claude-", 200000 },
	{ "gpt-4.1", 1047576 },
	{ "gpt-4o", 128000 },
	/*
	 * platform.openai.com/docs/models/gpt-5: 400,000 context, 128,000
	 * max output tokens (gpt-5, -mini, -nano and gpt-5-codex alike).
	 */
	{ "gpt-5", 400000 },
};
#define CONTEXT_DEFAULT_WINDOW	128000

/* The longest argument shown in a stub. */
#define CONTEXT_STUB_ARG_MAX	80

int64_t
context_window_for(const char *model)
{
	size_t	i;

	if (model == NULL)
		return (CONTEXT_DEFAULT_WINDOW);
	for (i = 0; i < sizeof context_models / sizeof *context_models; i++) {
		if (strncmp(model, context_models[i].prefix,
		    strlen(context_models[i].prefix)) == 0)
			return (context_models[i].window);
	}
	return (CONTEXT_DEFAULT_WINDOW);
}

int
context_model_known(const char *model)
{
	size_t	i;

	if (model == NULL)
		return (0);
	for (i = 0; i < sizeof context_models / sizeof *context_models; i++) {
		if (strncmp(model, context_models[i].prefix,
		    strlen(context_models[i].prefix)) == 0)
			return (1);
	}
	return (0);
}

int64_t
context_window(const struct context_options *o, const char *model)
{
	if (o != NULL && o->window > 0)
		return (o->window);
	return (context_window_for(model));
}

size_t
context_conv_bytes(const struct conv *c)
{
	const struct block	*b;
	char			*s;
	size_t			 i, j, n = 0;

	for (i = 0; i < c->nr; i++) {
		for (j = 0; j < c->msgs[i].nr; j++) {
			b = &c->msgs[i].blocks[j];
			if (b->text != NULL)
				n += strlen(b->text);
			if (b->type == BLOCK_TOOL_USE && b->input != NULL &&
			    (s = json_dumps(b->input, JSON_COMPACT)) != NULL) {
				n += strlen(s);
				free(s);
			}
		}
	}
	return (n);
}

int64_t
context_estimate(int64_t base_tokens, size_t base_bytes, size_t fixed_bytes,
    size_t conv_bytes)
{
	int64_t	est;

	if (base_tokens <= 0)
		return ((int64_t)((fixed_bytes + conv_bytes) /
		    CONTEXT_BYTES_PER_TOKEN));
	if (conv_bytes >= base_bytes)
		est = base_tokens + (int64_t)((conv_bytes - base_bytes) /
		    CONTEXT_BYTES_PER_TOKEN);
	else
		est = base_tokens - (int64_t)((base_bytes - conv_bytes) /
		    CONTEXT_BYTES_PER_TOKEN);
	return (est < 0 ? 0 : est);
}

int
context_over(const struct context_options *o, int64_t window, int64_t est)
{
	if (window <= 0)
		return (0);
	return (est * 100 > window * (int64_t)o->clear_at);
}

int64_t
context_target(const struct context_options *o, int64_t window)
{
	return (window * (int64_t)o->clear_at / 100 * 3 / 4);
}

/* The tool use of id in c, or NULL. */
static const struct block *
context_find_use(const struct conv *c, const char *id)
{
	const struct block	*b;
	size_t			 i, j;

	for (i = c->nr; i > 0; i--) {
		if (c->msgs[i - 1].role != ROLE_ASSISTANT)
			continue;
		for (j = 0; j < c->msgs[i - 1].nr; j++) {
			b = &c->msgs[i - 1].blocks[j];
			if (b->type == BLOCK_TOOL_USE && b->id != NULL &&
			    strcmp(b->id, id) == 0)
				return (b);
		}
	}
	return (NULL);
}

const char *
context_main_arg(json_t *input)
{
	static const char *keys[] = {
		"path", "file_path", "command", "pattern", "query", "id", NULL
	};
	const char	*s;
	size_t		 i;

	if (!json_is_object(input))
		return (NULL);
	for (i = 0; keys[i] != NULL; i++) {
		if ((s = json_string_value(json_object_get(input, keys[i])))
		    != NULL)
			return (s);
	}
	return (NULL);
}

char *
context_stub(const char *name, json_t *input, const char *text,
    const char *id)
{
	struct buf	 b = BUF_INIT;
	const char	*arg = context_main_arg(input), *p;
	size_t		 lines = 0, i, n;

	if (text != NULL && *text != '\0') {
		lines = 1;
		for (p = text; *p != '\0'; p++) {
			if (*p == '\n' && p[1] != '\0')
				lines++;
		}
	}
	buf_adds(&b, CONTEXT_STUB_PREFIX);
	buf_adds(&b, name != NULL ? name : "tool");
	if (arg != NULL && *arg != '\0') {
		buf_addch(&b, ' ');
		/* One line, control characters as spaces, bounded. */
		n = strlen(arg);
		for (i = 0; i < n && i < CONTEXT_STUB_ARG_MAX; i++)
			buf_addch(&b, (unsigned char)arg[i] < 0x20 ? ' ' :
			    arg[i]);
		if (n > CONTEXT_STUB_ARG_MAX)
			buf_adds(&b, "...");
	}
	buf_addf(&b, ", %zu line%s, recall %s]", lines, lines == 1 ? "" : "s",
	    id != NULL ? id : "?");
	return (buf_detach(&b, NULL));
}

/* The result of tool use id in c after message from, or NULL. */
static const struct block *
context_find_result(const struct conv *c, size_t from, const char *id)
{
	const struct block	*b;
	size_t			 i, j;

	for (i = from; i < c->nr; i++) {
		for (j = 0; j < c->msgs[i].nr; j++) {
			b = &c->msgs[i].blocks[j];
			if (b->type == BLOCK_TOOL_RESULT && b->id != NULL &&
			    strcmp(b->id, id) == 0)
				return (b);
		}
	}
	return (NULL);
}

/*
 * Whether the failing call of result b (in message at) was later made
 * again, the same tool with the same input, and succeeded: its error is
 * then no longer pinned.
 */
static int
context_resolved(const struct conv *c, size_t at, const struct block *b)
{
	const struct block	*use = context_find_use(c, b->id), *u, *r;
	size_t			 i, j;

	if (use == NULL || use->name == NULL)
		return (0);
	for (i = at + 1; i < c->nr; i++) {
		for (j = 0; j < c->msgs[i].nr; j++) {
			u = &c->msgs[i].blocks[j];
			if (u->type != BLOCK_TOOL_USE || u->id == NULL ||
			    u->name == NULL || strcmp(u->name, use->name) != 0)
				continue;
			if (!json_equal(u->input, use->input))
				continue;
			r = context_find_result(c, i + 1, u->id);
			if (r != NULL && !r->is_error)
				return (1);
		}
	}
	return (0);
}

int
context_pinned(const struct conv *c, size_t at, const struct block *b)
{
	if (b->type != BLOCK_TOOL_RESULT || !b->is_error || b->id == NULL)
		return (0);
	return (!context_resolved(c, at, b));
}

/* Whether result block b (in message at) may be cleared. */
static int
context_clearable(const struct conv *c, size_t at, const struct block *b)
{
	if (b->type != BLOCK_TOOL_RESULT || b->text == NULL || b->id == NULL)
		return (0);
	/* Pinned: a failing call's output, until the same call succeeds. */
	if (b->is_error && !context_resolved(c, at, b))
		return (0);
	if (strncmp(b->text, CONTEXT_STUB_PREFIX,
	    strlen(CONTEXT_STUB_PREFIX)) == 0)
		return (0);
	return (1);
}

size_t
context_clear(struct conv *c, int keep, int64_t need_tokens, json_t *cleared)
{
	const struct block	*use;
	struct block		*b;
	size_t			 i, j, total = 0, seen = 0, freed = 0, len;
	size_t			 slen;
	char			*stub;

	/* Count the results, to know which are the newest keep. */
	for (i = 0; i < c->nr; i++) {
		for (j = 0; j < c->msgs[i].nr; j++) {
			if (c->msgs[i].blocks[j].type == BLOCK_TOOL_RESULT)
				total++;
		}
	}
	if (keep < 0)
		keep = 0;
	for (i = 0; i < c->nr; i++) {
		for (j = 0; j < c->msgs[i].nr; j++) {
			b = &c->msgs[i].blocks[j];
			if (b->type != BLOCK_TOOL_RESULT)
				continue;
			if (total - seen++ <= (size_t)keep)
				return (freed);
			if ((int64_t)(freed / CONTEXT_BYTES_PER_TOKEN) >=
			    need_tokens)
				return (freed);
			if (!context_clearable(c, i, b))
				continue;
			use = context_find_use(c, b->id);
			stub = context_stub(use != NULL ? use->name : NULL,
			    use != NULL ? use->input : NULL, b->text, b->id);
			len = strlen(b->text);
			slen = strlen(stub);
			if (slen >= len) {
				free(stub);	/* nothing to gain */
				continue;
			}
			freed += len - slen;
			if (cleared != NULL)
				json_array_append_new(cleared, json_pack(
				    "{s:s,s:s}", "id", b->id, "stub", stub));
			free(b->text);
			b->text = stub;
		}
	}
	return (freed);
}

size_t
context_replay(struct conv *c, json_t *cleared)
{
	struct block	*b;
	const char	*id, *stub;
	json_t		*e;
	size_t		 k, i, j, n = 0;

	if (!json_is_array(cleared))
		return (0);
	json_array_foreach(cleared, k, e) {
		id = json_string_value(json_object_get(e, "id"));
		stub = json_string_value(json_object_get(e, "stub"));
		if (id == NULL || stub == NULL)
			continue;
		for (i = 0; i < c->nr; i++) {
			for (j = 0; j < c->msgs[i].nr; j++) {
				b = &c->msgs[i].blocks[j];
				if (b->type != BLOCK_TOOL_RESULT ||
				    b->id == NULL || strcmp(b->id, id) != 0)
					continue;
				free(b->text);
				b->text = xstrdup(stub);
				n++;
			}
		}
	}
	return (n);
}

int
context_is_overflow(const char *error)
{
	static const char *words[] = {
		"prompt is too long", "context_length_exceeded",
		"exceed_context_size_error", "model_context_window_exceeded",
		NULL
	};
	size_t	i;

	if (error == NULL)
		return (0);
	for (i = 0; words[i] != NULL; i++) {
		if (strstr(error, words[i]) != NULL)
			return (1);
	}
	return (0);
}

/* The number right after the first occurrence of after in s, or 0. */
static int64_t
context_number_after(const char *s, const char *after)
{
	const char	*p;
	char		*end;
	long long	 n;

	if ((p = strstr(s, after)) == NULL)
		return (0);
	p += strlen(after);
	if (*p < '0' || *p > '9')
		return (0);
	n = strtoll(p, &end, 10);
	if (n <= 0 || n > INT64_MAX / 2)
		return (0);
	return (n);
}

int64_t
context_overflow_tokens(const char *error)
{
	int64_t	n;

	if (error == NULL)
		return (0);
	if ((n = context_number_after(error, "prompt is too long: ")) > 0)
		return (n);
	return (context_number_after(error, "resulted in "));
}

int64_t
context_overflow_limit(const char *error)
{
	int64_t	n;

	if (error == NULL)
		return (0);
	if ((n = context_number_after(error, " tokens > ")) > 0)
		return (n);
	return (context_number_after(error, "maximum context length is "));
}

void
context_fill(const char *system, json_t *tools, const struct conv *c,
    struct context_fill *f)
{
	const struct block	*b;
	size_t			 i, j, msg = 0, res = 0;
	char			*s;

	memset(f, 0, sizeof *f);
	if (system != NULL)
		f->system = strlen(system) / CONTEXT_BYTES_PER_TOKEN;
	if (tools != NULL && (s = json_dumps(tools, JSON_COMPACT)) != NULL) {
		f->tools = strlen(s) / CONTEXT_BYTES_PER_TOKEN;
		free(s);
	}
	for (i = 0; i < c->nr; i++) {
		for (j = 0; j < c->msgs[i].nr; j++) {
			b = &c->msgs[i].blocks[j];
			if (b->type != BLOCK_TOOL_RESULT)
				continue;
			f->nresults++;
			if (b->text != NULL) {
				res += strlen(b->text);
				if (strncmp(b->text, CONTEXT_STUB_PREFIX,
				    strlen(CONTEXT_STUB_PREFIX)) == 0)
					f->ncleared++;
			}
		}
	}
	msg = context_conv_bytes(c) - res;
	f->messages = msg / CONTEXT_BYTES_PER_TOKEN;
	f->results = res / CONTEXT_BYTES_PER_TOKEN;
}

char *
context_fill_text(const struct context_fill *f, int64_t est, int64_t window,
    int64_t input, int64_t cache_read, int64_t cache_write)
{
	struct buf	b = BUF_INIT;
	int64_t		sum = f->system + f->tools + f->messages + f->results;
	int64_t		all = input + cache_read + cache_write;

	buf_addf(&b, "Context window: about %lld of %lld tokens (%lld%%)",
	    (long long)est, (long long)window,
	    (long long)(window > 0 ? est * 100 / window : 0));
	buf_addf(&b, "\n  %-13s %lld", "system", (long long)f->system);
	buf_addf(&b, "\n  %-13s %lld", "tools", (long long)f->tools);
	buf_addf(&b, "\n  %-13s %lld", "messages", (long long)f->messages);
	buf_addf(&b, "\n  %-13s %lld (%zu, %zu cleared)", "tool results",
	    (long long)f->results, f->nresults, f->ncleared);
	buf_addf(&b, "\n  %-13s %lld", "free",
	    (long long)(window > est ? window - est : 0));
	if (sum != est)
		buf_addf(&b, "\n(categories at %d bytes a token: %lld; the "
		    "total follows the provider's last count)",
		    CONTEXT_BYTES_PER_TOKEN, (long long)sum);
	if (all > 0)
		buf_addf(&b, "\nCache hits: %.1f%% of %lld input tokens",
		    100.0 * (double)cache_read / (double)all, (long long)all);
	else
		buf_adds(&b, "\nCache hits: none yet");
	return (buf_detach(&b, NULL));
}
