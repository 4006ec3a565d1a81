/* trace.c: spans from session events, OTLP/HTTP encodings and exporter. */

#include <sys/random.h>

#include <ctype.h>
#include <stdlib.h>
#include <string.h>

#include "agentos.h"
#include "trace.h"
#include "banned.h"

#define TRACE_QUEUE_MAX		4096	/* spans waiting; more are dropped */
#define TRACE_BATCH_MAX		512	/* spans per request */
#define TRACE_BATCH_MS		1000	/* send a partial batch after this */
#define TRACE_REQUEST_MS	10000	/* a request that takes longer fails */
#define TRACE_RETRIES		3	/* retries of a retryable failure */
#define TRACE_BACKOFF_MS	250	/* first retry delay, doubled */

/* An open tool call span, found by tool_use id. */
struct tracer_tool {
	char			*id;
	struct trace_span	 sp;
};

struct tracer {
	const struct trace_config *cfg;
	char			*session;
	void			(*sink)(void *, struct trace_span *);
	void			*arg;
	struct trace_span	 root;
	struct trace_span	 turn;
	int			 in_turn;
	int			 turns;
	struct trace_span	 chat;
	int			 in_chat;
	struct tracer_tool	*tools;
	size_t			 ntools, atools;
};

/*
 * The GenAI metrics of the process (cumulative).  Boundaries of
 * gen_ai.client.operation.duration: gen-ai-metrics.md, "Metric:
 * gen_ai.client.operation.duration".
 */
static const double trace_bounds[] = { 0.01, 0.02, 0.04, 0.08, 0.16, 0.32,
    0.64, 1.28, 2.56, 5.12, 10.24, 20.48, 40.96, 81.92 };
#define TRACE_NBOUNDS	(sizeof trace_bounds / sizeof trace_bounds[0])
static struct {
	int		 any;
	uint64_t	 start_ns, last_ns;
	int64_t		 tokens[4];	/* input, output, cache read, write */
	double		 cost;
	uint64_t	 count;
	double		 sum;
	uint64_t	 buckets[TRACE_NBOUNDS + 1];
	char		 provider[32], model[128];
} tm;
static const char *const trace_token_types[4] = { "input", "output",
    "cache_read", "cache_write" };

static void	 tracer_end(struct tracer *, struct trace_span *, int64_t);
static void	 tracer_start(struct tracer *, struct trace_span *,
		    const struct trace_span *, const char *, int64_t);
static struct tracer_tool *tracer_tool_find(struct tracer *, const char *);
static void	 tracer_tool_end(struct tracer *, struct tracer_tool *,
		    int64_t);
static void	 export_sink(struct trace_span *);
static void	 export_send(void);
static void	 export_timer(void *);

/* ------------------------------------------------------------------------ */
/* Configuration */

static const char *
trace_getenv(const char *name)
{
	return (getenv(name));
}

void
trace_url_decode(char *s)
{
	char	*r, *w, hex[3];

	for (r = w = s; *r != '\0'; r++) {
		if (r[0] == '%' && isxdigit((u_char)r[1]) &&
		    isxdigit((u_char)r[2])) {
			hex[0] = r[1];
			hex[1] = r[2];
			hex[2] = '\0';
			*w++ = (char)strtol(hex, NULL, 16);
			r += 2;
		} else
			*w++ = *r;
	}
	*w = '\0';
}

/* Trim spaces at both ends of s in place; returns s moved past them. */
static char *
trace_trim(char *s)
{
	size_t	n;

	while (*s == ' ' || *s == '\t')
		s++;
	n = strlen(s);
	while (n > 0 && (s[n - 1] == ' ' || s[n - 1] == '\t'))
		s[--n] = '\0';
	return (s);
}

/* Split "k=v,k=v" and call fn(cfg, key, value) with decoded values. */
static void
trace_kv_list(const char *list, struct trace_config *cfg,
    void (*fn)(struct trace_config *, const char *, const char *))
{
	char	*copy, *p, *item, *eq, *k, *v;

	if (list == NULL)
		return;
	copy = xstrdup(list);
	p = copy;
	while ((item = strsep(&p, ",")) != NULL) {
		if ((eq = strchr(item, '=')) == NULL)
			continue;
		*eq = '\0';
		k = trace_trim(item);
		v = trace_trim(eq + 1);
		trace_url_decode(k);
		trace_url_decode(v);
		if (*k == '\0' || strpbrk(k, "\r\n:") != NULL ||
		    strpbrk(v, "\r\n") != NULL)
			continue;
		fn(cfg, k, v);
	}
	free(copy);
}

static void
trace_add_header(struct trace_config *cfg, const char *k, const char *v)
{
	cfg->headers = xreallocarray(cfg->headers, cfg->nheaders + 1,
	    sizeof *cfg->headers);
	cfg->headers[cfg->nheaders++] = xasprintf("%s: %s", k, v);
}

static void
trace_add_resource(struct trace_config *cfg, const char *k, const char *v)
{
	json_object_set_new(cfg->resource, k, json_string(v));
}

static int
trace_hex(const char *s, uint8_t *out, size_t n)
{
	size_t		i;
	int		nonzero = 0;
	unsigned int	b;

	for (i = 0; i < n; i++) {
		if (!isxdigit((u_char)s[2 * i]) ||
		    !isxdigit((u_char)s[2 * i + 1]) ||
		    isupper((u_char)s[2 * i]) || isupper((u_char)s[2 * i + 1]))
			return (-1);
		if (sscanf(s + 2 * i, "%2x", &b) != 1)
			return (-1);
		out[i] = (uint8_t)b;
		if (b != 0)
			nonzero = 1;
	}
	return (nonzero ? 0 : -1);
}

int
trace_parse_traceparent(const char *s, uint8_t trace_id[16],
    uint8_t span_id[8])
{
	/* 00-<32 hex>-<16 hex>-<2 hex>: W3C Trace Context, section 3.2. */
	if (s == NULL || strlen(s) < 55 || strncmp(s, "00-", 3) != 0 ||
	    s[35] != '-' || s[52] != '-' || (s[55] != '\0' && s[55] != '-'))
		return (-1);
	if (strlen(s) != 55)
		return (-1);
	if (!isxdigit((u_char)s[53]) || !isxdigit((u_char)s[54]))
		return (-1);
	if (trace_hex(s + 3, trace_id, 16) != 0 ||
	    trace_hex(s + 36, span_id, 8) != 0)
		return (-1);
	return (0);
}

void
trace_config_env(struct trace_config *cfg, const char *url,
    const char *(*getenv_fn)(const char *))
{
	const char	*e, *base;
	size_t		 n;

	if (getenv_fn == NULL)
		getenv_fn = trace_getenv;
	memset(cfg, 0, sizeof *cfg);
	cfg->resource = json_object();
	if (url != NULL)
		cfg->traces_url = xstrdup(url);
	else if ((e = getenv_fn("OTEL_EXPORTER_OTLP_TRACES_ENDPOINT")) !=
	    NULL && *e != '\0')
		cfg->traces_url = xstrdup(e);
	else if ((base = getenv_fn("OTEL_EXPORTER_OTLP_ENDPOINT")) != NULL &&
	    *base != '\0') {
		n = strlen(base);
		cfg->traces_url = xasprintf("%.*s/v1/traces",
		    (int)(base[n - 1] == '/' ? n - 1 : n), base);
	}
	if (url == NULL && (e = getenv_fn(
	    "OTEL_EXPORTER_OTLP_METRICS_ENDPOINT")) != NULL && *e != '\0')
		cfg->metrics_url = xstrdup(e);
	else if (url == NULL && (base = getenv_fn(
	    "OTEL_EXPORTER_OTLP_ENDPOINT")) != NULL && *base != '\0') {
		n = strlen(base);
		cfg->metrics_url = xasprintf("%.*s/v1/metrics",
		    (int)(base[n - 1] == '/' ? n - 1 : n), base);
	}
	e = getenv_fn("OTEL_EXPORTER_OTLP_TRACES_PROTOCOL");
	if (e == NULL || *e == '\0')
		e = getenv_fn("OTEL_EXPORTER_OTLP_PROTOCOL");
	cfg->json = (e != NULL && strcmp(e, "http/json") == 0);
	trace_kv_list(getenv_fn("OTEL_EXPORTER_OTLP_HEADERS"), cfg,
	    trace_add_header);
	trace_kv_list(getenv_fn("OTEL_EXPORTER_OTLP_TRACES_HEADERS"), cfg,
	    trace_add_header);
	trace_kv_list(getenv_fn("OTEL_RESOURCE_ATTRIBUTES"), cfg,
	    trace_add_resource);
	e = getenv_fn("OTEL_SERVICE_NAME");
	cfg->service_name = xstrdup(e != NULL && *e != '\0' ? e : "agentos");
	e = getenv_fn("AGENTOS_TRACE_CONTENTS");
	cfg->contents = (e != NULL && strcmp(e, "1") == 0);
	e = getenv_fn("TRACEPARENT");
	if (e != NULL && trace_parse_traceparent(e, cfg->parent_trace,
	    cfg->parent_span) == 0)
		cfg->has_parent = 1;
	e = getenv_fn("OTEL_SDK_DISABLED");
	cfg->enabled = cfg->traces_url != NULL &&
	    (e == NULL || strcasecmp(e, "true") != 0);
	e = getenv_fn("OTEL_TRACES_EXPORTER");
	if (url == NULL && e != NULL && strcmp(e, "none") == 0)
		cfg->enabled = 0;
}

void
trace_config_release(struct trace_config *cfg)
{
	size_t	i;

	for (i = 0; i < cfg->nheaders; i++)
		free(cfg->headers[i]);
	free(cfg->headers);
	free(cfg->traces_url);
	free(cfg->metrics_url);
	free(cfg->service_name);
	json_decref(cfg->resource);
	memset(cfg, 0, sizeof *cfg);
}

/* ------------------------------------------------------------------------ */
/* Spans */

static struct trace_attr *
trace_span_attr(struct trace_span *sp, const char *key, enum trace_atype t)
{
	struct trace_attr	*a;

	ALLOC_GROW(sp->attrs, sp->nattrs + 1, sp->aattrs);
	a = &sp->attrs[sp->nattrs++];
	memset(a, 0, sizeof *a);
	a->key = xstrdup(key);
	a->type = t;
	return (a);
}

void
trace_span_str(struct trace_span *sp, const char *key, const char *v)
{
	if (v != NULL)
		trace_span_attr(sp, key, TA_STRING)->s = xstrdup(v);
}

/* A string array of one element (finish_reasons). */
static void
trace_span_strarray(struct trace_span *sp, const char *key, const char *v)
{
	if (v != NULL)
		trace_span_attr(sp, key, TA_STRARRAY)->s = xstrdup(v);
}

void
trace_span_int(struct trace_span *sp, const char *key, int64_t v)
{
	trace_span_attr(sp, key, TA_INT)->i = v;
}

void
trace_span_double(struct trace_span *sp, const char *key, double v)
{
	trace_span_attr(sp, key, TA_DOUBLE)->d = v;
}

static void
trace_span_bool(struct trace_span *sp, const char *key, int v)
{
	trace_span_attr(sp, key, TA_BOOL)->i = v != 0;
}

void
trace_span_release(struct trace_span *sp)
{
	size_t	i;

	for (i = 0; i < sp->nattrs; i++) {
		free(sp->attrs[i].key);
		free(sp->attrs[i].s);
	}
	free(sp->attrs);
	free(sp->name);
	free(sp->status_msg);
	memset(sp, 0, sizeof *sp);
}

/* Random bytes for ids (never all zero). */
static void
trace_random(uint8_t *p, size_t n)
{
	size_t	i;

	if (getrandom(p, n, 0) != (ssize_t)n) {
		for (i = 0; i < n; i++)
			p[i] = (uint8_t)random();
	}
	p[0] |= 1;
}

/* ------------------------------------------------------------------------ */
/* Tracer: events to spans */

struct tracer *
tracer_create(const struct trace_config *cfg, const char *session,
    int64_t start_ms, void (*sink)(void *, struct trace_span *), void *arg)
{
	struct tracer	*tr = xcalloc(1, sizeof *tr);

	tr->cfg = cfg;
	tr->session = xstrdup(session != NULL ? session : "");
	tr->sink = sink;
	tr->arg = arg;
	if (cfg->has_parent) {
		memcpy(tr->root.trace_id, cfg->parent_trace, 16);
		memcpy(tr->root.parent_id, cfg->parent_span, 8);
		tr->root.has_parent = 1;
	} else
		trace_random(tr->root.trace_id, 16);
	trace_random(tr->root.span_id, 8);
	tr->root.name = xstrdup("invoke_agent agentos");
	tr->root.kind = 1;
	tr->root.start_ns = (uint64_t)start_ms * 1000000;
	trace_span_str(&tr->root, "gen_ai.operation.name", "invoke_agent");
	trace_span_str(&tr->root, "gen_ai.agent.name", "agentos");
	trace_span_str(&tr->root, "agentos.session.id", tr->session);
	trace_span_str(&tr->root, "gen_ai.conversation.id", tr->session);
	return (tr);
}

/* Open sp as a child of parent. */
static void
tracer_start(struct tracer *tr, struct trace_span *sp,
    const struct trace_span *parent, const char *name, int64_t ms)
{
	memset(sp, 0, sizeof *sp);
	memcpy(sp->trace_id, tr->root.trace_id, 16);
	trace_random(sp->span_id, 8);
	memcpy(sp->parent_id, parent->span_id, 8);
	sp->has_parent = 1;
	sp->name = xstrdup(name);
	sp->kind = 1;
	sp->start_ns = (uint64_t)ms * 1000000;
}

/* End sp at ms and hand it over (sp is cleared). */
static void
tracer_end(struct tracer *tr, struct trace_span *sp, int64_t ms)
{
	struct trace_span	*copy;

	sp->end_ns = (uint64_t)ms * 1000000;
	if (sp->end_ns < sp->start_ns)
		sp->end_ns = sp->start_ns;
	copy = xmalloc(sizeof *copy);
	*copy = *sp;
	memset(sp, 0, sizeof *sp);
	if (tr->sink != NULL)
		tr->sink(tr->arg, copy);
	else
		export_sink(copy);
}

static struct tracer_tool *
tracer_tool_find(struct tracer *tr, const char *id)
{
	size_t	i;

	if (id == NULL)
		return (NULL);
	for (i = 0; i < tr->ntools; i++) {
		if (strcmp(tr->tools[i].id, id) == 0)
			return (&tr->tools[i]);
	}
	return (NULL);
}

static void
tracer_tool_end(struct tracer *tr, struct tracer_tool *t, int64_t ms)
{
	size_t	i = t - tr->tools;

	tracer_end(tr, &t->sp, ms);
	free(t->id);
	memmove(&tr->tools[i], &tr->tools[i + 1],
	    (tr->ntools - i - 1) * sizeof *tr->tools);
	tr->ntools--;
}

/* End the open model and tool calls and the turn, marking them failed. */
static void
tracer_close_turn(struct tracer *tr, int64_t ms, const char *why)
{
	while (tr->ntools > 0) {
		tr->tools[0].sp.status = 2;
		if (tr->tools[0].sp.status_msg == NULL)
			tr->tools[0].sp.status_msg = xstrdup(why);
		tracer_tool_end(tr, &tr->tools[0], ms);
	}
	if (tr->in_chat) {
		tr->chat.status = 2;
		if (tr->chat.status_msg == NULL)
			tr->chat.status_msg = xstrdup(why);
		tracer_end(tr, &tr->chat, ms);
		tr->in_chat = 0;
	}
	if (tr->in_turn) {
		tracer_end(tr, &tr->turn, ms);
		tr->in_turn = 0;
	}
}

static const char *
js(const json_t *o, const char *k)
{
	return (json_string_value(json_object_get(o, k)));
}

/* Count a model call's tokens, cost and duration. */
static void
trace_metrics_add(struct tracer *tr, const json_t *d, int64_t ms)
{
	const json_t	*u = json_object_get(d, "usage"), *c;
	static const char *const keys[4] = { "input_tokens", "output_tokens",
	    "cache_read_tokens", "cache_write_tokens" };
	const struct trace_attr *a;
	double		 secs;
	size_t		 i;

	if (!tm.any) {
		tm.any = 1;
		tm.start_ns = tr->chat.start_ns;
	}
	tm.last_ns = (uint64_t)ms * 1000000;
	for (i = 0; i < 4; i++)
		tm.tokens[i] += json_integer_value(json_object_get(u, keys[i]));
	c = json_object_get(d, "cost_usd");
	if (json_is_number(c))
		tm.cost += json_number_value(c);
	secs = tm.last_ns > tr->chat.start_ns ?
	    (double)(tm.last_ns - tr->chat.start_ns) / 1e9 : 0;
	tm.count++;
	tm.sum += secs;
	for (i = 0; i < TRACE_NBOUNDS && secs > trace_bounds[i]; i++)
		/* nothing */;
	tm.buckets[i]++;
	for (i = 0; i < tr->chat.nattrs; i++) {
		a = &tr->chat.attrs[i];
		if (strcmp(a->key, "gen_ai.provider.name") == 0)
			snprintf(tm.provider, sizeof tm.provider, "%s", a->s);
		else if (strcmp(a->key, "gen_ai.request.model") == 0)
			snprintf(tm.model, sizeof tm.model, "%s", a->s);
	}
}

static void
tracer_response(struct tracer *tr, const json_t *d, int64_t ms)
{
	const json_t	*u = json_object_get(d, "usage"), *c;
	const char	*model = js(d, "model");

	if (!tr->in_chat)
		return;
	if (tr->sink == NULL && tr->cfg->metrics_url != NULL)
		trace_metrics_add(tr, d, ms);
	if (model != NULL && *model != '\0')
		trace_span_str(&tr->chat, "gen_ai.response.model", model);
	trace_span_int(&tr->chat, "gen_ai.usage.input_tokens",
	    json_integer_value(json_object_get(u, "input_tokens")));
	trace_span_int(&tr->chat, "gen_ai.usage.output_tokens",
	    json_integer_value(json_object_get(u, "output_tokens")));
	trace_span_int(&tr->chat, "agentos.usage.cache_read_tokens",
	    json_integer_value(json_object_get(u, "cache_read_tokens")));
	trace_span_int(&tr->chat, "agentos.usage.cache_write_tokens",
	    json_integer_value(json_object_get(u, "cache_write_tokens")));
	trace_span_strarray(&tr->chat, "gen_ai.response.finish_reasons",
	    js(d, "stop_reason"));
	c = json_object_get(d, "cost_usd");
	if (json_is_number(c))
		trace_span_double(&tr->chat, "agentos.cost_usd",
		    json_number_value(c));
	c = json_object_get(d, "first_token_ms");
	if (json_is_integer(c))
		trace_span_int(&tr->chat, "agentos.first_token_ms",
		    json_integer_value(c));
}

void
tracer_event(struct tracer *tr, enum event_type type, const json_t *d,
    int64_t ms)
{
	struct tracer_tool	*t;
	const char		*s;
	char			*name, *text;

	if (tr == NULL)
		return;
	switch (type) {
	case EV_USER:
		tracer_close_turn(tr, ms, "interrupted");
		tr->turns++;
		name = xasprintf("agentos turn %d", tr->turns);
		tracer_start(tr, &tr->turn, &tr->root, name, ms);
		free(name);
		tr->in_turn = 1;
		trace_span_int(&tr->turn, "agentos.turn", tr->turns);
		trace_span_str(&tr->turn, "agentos.session.id", tr->session);
		if (tr->cfg->contents)
			trace_span_str(&tr->turn, "agentos.prompt",
			    js(d, "text"));
		break;
	case EV_REQUEST:
		if (tr->in_chat) {
			tr->chat.status = 2;
			tracer_end(tr, &tr->chat, ms);
		}
		name = xasprintf("chat %s", js(d, "model") != NULL ?
		    js(d, "model") : "");
		tracer_start(tr, &tr->chat, tr->in_turn ? &tr->turn :
		    &tr->root, name, ms);
		free(name);
		tr->chat.kind = 3;
		tr->in_chat = 1;
		trace_span_str(&tr->chat, "gen_ai.operation.name", "chat");
		/* The semantic conventions' name: both APIs are openai. */
		trace_span_str(&tr->chat, "gen_ai.provider.name",
		    js(d, "provider") != NULL && strcmp(js(d, "provider"),
		    "openai-responses") == 0 ? "openai" : js(d, "provider"));
		trace_span_str(&tr->chat, "gen_ai.request.model",
		    js(d, "model"));
		trace_span_int(&tr->chat, "gen_ai.request.max_tokens",
		    json_integer_value(json_object_get(d, "max_tokens")));
		break;
	case EV_RETRY:
		if (tr->in_chat) {
			tr->chat.status = 2;
			tr->chat.status_msg = xstrdup(js(d, "reason") != NULL ?
			    js(d, "reason") : "retried");
			tracer_end(tr, &tr->chat, ms);
			tr->in_chat = 0;
		}
		break;
	case EV_RESPONSE:
		tracer_response(tr, d, ms);
		if (tr->in_chat) {
			tracer_end(tr, &tr->chat, ms);
			tr->in_chat = 0;
		}
		break;
	case EV_TOOL_CALL:
		if ((s = js(d, "id")) == NULL)
			break;
		ALLOC_GROW(tr->tools, tr->ntools + 1, tr->atools);
		t = &tr->tools[tr->ntools++];
		t->id = xstrdup(s);
		name = xasprintf("execute_tool %s", js(d, "name") != NULL ?
		    js(d, "name") : "");
		tracer_start(tr, &t->sp, tr->in_turn ? &tr->turn : &tr->root,
		    name, ms);
		free(name);
		trace_span_str(&t->sp, "gen_ai.operation.name", "execute_tool");
		trace_span_str(&t->sp, "gen_ai.tool.name", js(d, "name"));
		trace_span_str(&t->sp, "gen_ai.tool.call.id", s);
		if (tr->cfg->contents) {
			text = json_dumps(json_object_get(d, "input"),
			    JSON_COMPACT | JSON_ENCODE_ANY);
			trace_span_str(&t->sp, "gen_ai.tool.call.arguments",
			    text);
			free(text);
		}
		break;
	case EV_APPROVAL:
		if ((t = tracer_tool_find(tr, js(d, "id"))) == NULL)
			break;
		/* A policy "ask" (a rule, a protected path): the answer
		   follows, with the attributes. */
		if (js(d, "decision") != NULL &&
		    strcmp(js(d, "decision"), "ask") == 0)
			break;
		trace_span_str(&t->sp, "agentos.approval.decision",
		    js(d, "decision"));
		trace_span_str(&t->sp, "agentos.approval.by", js(d, "by"));
		trace_span_str(&t->sp, "agentos.approval.rule", js(d, "rule"));
		break;
	case EV_SNAPSHOT:
		if ((t = tracer_tool_find(tr, js(d, "tool_use_id"))) == NULL)
			break;
		trace_span_str(&t->sp, "agentos.snapshot.id", js(d, "id"));
		break;
	case EV_TOOL_RESULT:
		if ((t = tracer_tool_find(tr, js(d, "id"))) == NULL)
			break;
		if (json_is_true(json_object_get(d, "is_error"))) {
			t->sp.status = 2;
			t->sp.status_msg = xstrdup("tool error");
			trace_span_str(&t->sp, "error.type", "tool_error");
		}
		if (json_is_integer(json_object_get(d, "exit_status")))
			trace_span_int(&t->sp, "agentos.tool.exit_status",
			    json_integer_value(json_object_get(d,
			    "exit_status")));
		if (json_is_boolean(json_object_get(d, "truncated")))
			trace_span_bool(&t->sp, "agentos.tool.truncated",
			    json_is_true(json_object_get(d, "truncated")));
		if (tr->cfg->contents)
			trace_span_str(&t->sp, "gen_ai.tool.call.result",
			    js(d, "content"));
		tracer_tool_end(tr, t, ms);
		break;
	case EV_ERROR:
		s = js(d, "message");
		if (tr->in_chat) {
			tr->chat.status = 2;
			tr->chat.status_msg = xstrdup(s != NULL ? s : "error");
			trace_span_str(&tr->chat, "error.type", "error");
		}
		if (tr->in_turn) {
			tr->turn.status = 2;
			tr->turn.status_msg = xstrdup(s != NULL ? s : "error");
		}
		break;
	case EV_TURN_END:
		s = js(d, "stop_reason");
		if (tr->in_turn) {
			trace_span_str(&tr->turn, "agentos.stop_reason", s);
			if (s != NULL && strcmp(s, "error") == 0)
				tr->turn.status = 2;
		}
		tracer_close_turn(tr, ms, s != NULL ? s : "ended");
		break;
	case EV_BUDGET:
		if (tr->in_turn)
			trace_span_str(&tr->turn, "agentos.budget.decision",
			    js(d, "decision"));
		break;
	default:
		break;
	}
}

void
tracer_free(struct tracer *tr, int64_t end_ms)
{
	if (tr == NULL)
		return;
	tracer_close_turn(tr, end_ms, "session ended");
	trace_span_int(&tr->root, "agentos.turns", tr->turns);
	tracer_end(tr, &tr->root, end_ms);
	free(tr->tools);
	free(tr->session);
	free(tr);
}

/* ------------------------------------------------------------------------ */
/* Protobuf encoding (https://protobuf.dev/programming-guides/encoding/) */

#define PB_VARINT	0
#define PB_I64		1
#define PB_LEN		2
#define PB_I32		5

static void
pb_varint(struct buf *b, uint64_t v)
{
	uint8_t	c[10];
	size_t	n = 0;

	do {
		c[n] = v & 0x7f;
		v >>= 7;
		if (v != 0)
			c[n] |= 0x80;
		n++;
	} while (v != 0);
	buf_add(b, c, n);
}

static void
pb_tag(struct buf *b, unsigned int field, unsigned int wt)
{
	pb_varint(b, ((uint64_t)field << 3) | wt);
}

static void
pb_bytes(struct buf *b, unsigned int field, const void *p, size_t n)
{
	pb_tag(b, field, PB_LEN);
	pb_varint(b, n);
	buf_add(b, p, n);
}

static void
pb_string(struct buf *b, unsigned int field, const char *s)
{
	pb_bytes(b, field, s, strlen(s));
}

static void
pb_fixed64(struct buf *b, unsigned int field, uint64_t v)
{
	uint8_t	c[8];
	int	i;

	pb_tag(b, field, PB_I64);
	for (i = 0; i < 8; i++)
		c[i] = (uint8_t)(v >> (8 * i));
	buf_add(b, c, 8);
}

/* Append sub as a length-delimited field and empty it. */
static void
pb_sub(struct buf *b, unsigned int field, struct buf *sub)
{
	pb_bytes(b, field, sub->buf, sub->len);
	buf_reset(sub);
}

/* common.proto KeyValue { key = 1; AnyValue value = 2 }. */
static void
pb_kv(struct buf *b, unsigned int field, const struct trace_attr *a)
{
	struct buf	kv, v, arr, one;
	union { double d; uint64_t u; } dv;
	uint8_t		c[8];
	int		i;

	buf_init(&kv, 0);
	buf_init(&v, 0);
	buf_init(&arr, 0);
	buf_init(&one, 0);
	pb_string(&kv, 1, a->key);
	/* AnyValue: string 1, bool 2, int 3, double 4, array 5. */
	switch (a->type) {
	case TA_STRING:
		pb_string(&v, 1, a->s);
		break;
	case TA_BOOL:
		pb_tag(&v, 2, PB_VARINT);
		pb_varint(&v, a->i != 0);
		break;
	case TA_INT:
		pb_tag(&v, 3, PB_VARINT);
		pb_varint(&v, (uint64_t)a->i);
		break;
	case TA_DOUBLE:
		dv.d = a->d;
		pb_tag(&v, 4, PB_I64);
		for (i = 0; i < 8; i++)
			c[i] = (uint8_t)(dv.u >> (8 * i));
		buf_add(&v, c, 8);
		break;
	case TA_STRARRAY:
		/* ArrayValue { repeated AnyValue values = 1 }. */
		pb_string(&one, 1, a->s);
		pb_sub(&arr, 1, &one);
		pb_sub(&v, 5, &arr);
		break;
	}
	pb_sub(&kv, 2, &v);
	pb_sub(b, field, &kv);
	buf_release(&kv);
	buf_release(&v);
	buf_release(&arr);
	buf_release(&one);
}

/* resource.proto Resource { repeated KeyValue attributes = 1 }. */
static void
trace_resource_attrs(const struct trace_config *cfg,
    void (*fn)(void *, const struct trace_attr *), void *arg)
{
	struct trace_attr	 a;
	const char		*k;
	json_t			*v;

	memset(&a, 0, sizeof a);
	a.type = TA_STRING;
	a.key = (char *)"service.name";
	a.s = cfg->service_name != NULL ? cfg->service_name :
	    (char *)"agentos";
	fn(arg, &a);
	a.key = (char *)"service.version";
	a.s = (char *)PACKAGE_VERSION;
	fn(arg, &a);
	json_object_foreach(cfg->resource, k, v) {
		if (strcmp(k, "service.name") == 0 &&
		    cfg->service_name != NULL)
			continue;
		a.key = (char *)k;
		a.s = (char *)json_string_value(v);
		fn(arg, &a);
	}
}

static void
pb_resource_attr(void *arg, const struct trace_attr *a)
{
	pb_kv(arg, 1, a);
}

/*
 * The head both exports share: the Resource (field 1 of ResourceSpans and
 * ResourceMetrics) into outer, the InstrumentationScope (field 1 of
 * ScopeSpans and ScopeMetrics) into inner (opentelemetry-proto
 * resource.proto, common.proto).
 */
static void
pb_resource_scope(const struct trace_config *cfg, struct buf *outer,
    struct buf *inner)
{
	struct buf	res, scope;

	buf_init(&res, 0);
	buf_init(&scope, 0);
	trace_resource_attrs(cfg, pb_resource_attr, &res);
	pb_sub(outer, 1, &res);
	pb_string(&scope, 1, "agentos");
	pb_string(&scope, 2, PACKAGE_VERSION);
	pb_sub(inner, 1, &scope);
	buf_release(&res);
	buf_release(&scope);
}

void
trace_encode_pb(struct buf *out, const struct trace_config *cfg,
    const struct trace_span *spans, size_t n)
{
	struct buf		 rs, ss, sp, st;
	const struct trace_span	*s;
	size_t			 i, j;

	buf_init(&rs, 0);
	buf_init(&ss, 0);
	buf_init(&sp, 0);
	buf_init(&st, 0);

	/* ResourceSpans { resource = 1; ScopeSpans = 2 { scope = 1; ... } } */
	pb_resource_scope(cfg, &rs, &ss);
	for (i = 0; i < n; i++) {
		s = &spans[i];
		/*
		 * Span: trace_id 1, span_id 2, parent_span_id 4, name 5,
		 * kind 6, start 7 and end 8 (fixed64), attributes 9,
		 * status 15 (Status { message = 2; code = 3 }).
		 */
		pb_bytes(&sp, 1, s->trace_id, 16);
		pb_bytes(&sp, 2, s->span_id, 8);
		if (s->has_parent)
			pb_bytes(&sp, 4, s->parent_id, 8);
		pb_string(&sp, 5, s->name);
		pb_tag(&sp, 6, PB_VARINT);
		pb_varint(&sp, (uint64_t)s->kind);
		pb_fixed64(&sp, 7, s->start_ns);
		pb_fixed64(&sp, 8, s->end_ns);
		for (j = 0; j < s->nattrs; j++)
			pb_kv(&sp, 9, &s->attrs[j]);
		if (s->status != 0) {
			if (s->status_msg != NULL)
				pb_string(&st, 2, s->status_msg);
			pb_tag(&st, 3, PB_VARINT);
			pb_varint(&st, (uint64_t)s->status);
			pb_sub(&sp, 15, &st);
		}
		pb_sub(&ss, 2, &sp);
	}
	pb_sub(&rs, 2, &ss);
	/* ExportTraceServiceRequest { ResourceSpans resource_spans = 1 }. */
	pb_sub(out, 1, &rs);
	buf_release(&rs);
	buf_release(&ss);
	buf_release(&sp);
	buf_release(&st);
}

/* ------------------------------------------------------------------------ */
/* JSON encoding (OTLP JSON mapping) */

static void
json_hex(char *out, const uint8_t *p, size_t n)
{
	static const char	 hex[] = "0123456789abcdef";
	size_t			 i;

	for (i = 0; i < n; i++) {
		out[2 * i] = hex[p[i] >> 4];
		out[2 * i + 1] = hex[p[i] & 0xf];
	}
	out[2 * n] = '\0';
}

static json_t *
json_kv(const struct trace_attr *a)
{
	json_t	*v = NULL;
	char	 num[32];

	switch (a->type) {
	case TA_STRING:
		v = json_pack("{s:s}", "stringValue", a->s);
		break;
	case TA_BOOL:
		v = json_pack("{s:b}", "boolValue", (int)a->i);
		break;
	case TA_INT:
		snprintf(num, sizeof num, "%lld", (long long)a->i);
		v = json_pack("{s:s}", "intValue", num);
		break;
	case TA_DOUBLE:
		v = json_pack("{s:f}", "doubleValue", a->d);
		break;
	case TA_STRARRAY:
		v = json_pack("{s:{s:[{s:s}]}}", "arrayValue", "values",
		    "stringValue", a->s);
		break;
	}
	return (json_pack("{s:s,s:o}", "key", a->key, "value", v));
}

static void
json_resource_attr(void *arg, const struct trace_attr *a)
{
	json_array_append_new(arg, json_kv(a));
}

void
trace_encode_json(struct buf *out, const struct trace_config *cfg,
    const struct trace_span *spans, size_t n)
{
	const struct trace_span	*s;
	json_t			*rattrs, *jspans, *o, *attrs, *top;
	char			 hex[33], num[32], *text;
	size_t			 i, j;

	rattrs = json_array();
	trace_resource_attrs(cfg, json_resource_attr, rattrs);
	jspans = json_array();
	for (i = 0; i < n; i++) {
		s = &spans[i];
		o = json_object();
		json_hex(hex, s->trace_id, 16);
		json_object_set_new(o, "traceId", json_string(hex));
		json_hex(hex, s->span_id, 8);
		json_object_set_new(o, "spanId", json_string(hex));
		if (s->has_parent) {
			json_hex(hex, s->parent_id, 8);
			json_object_set_new(o, "parentSpanId",
			    json_string(hex));
		}
		json_object_set_new(o, "name", json_string(s->name));
		json_object_set_new(o, "kind", json_integer(s->kind));
		snprintf(num, sizeof num, "%llu",
		    (unsigned long long)s->start_ns);
		json_object_set_new(o, "startTimeUnixNano", json_string(num));
		snprintf(num, sizeof num, "%llu",
		    (unsigned long long)s->end_ns);
		json_object_set_new(o, "endTimeUnixNano", json_string(num));
		attrs = json_array();
		for (j = 0; j < s->nattrs; j++)
			json_array_append_new(attrs, json_kv(&s->attrs[j]));
		json_object_set_new(o, "attributes", attrs);
		if (s->status != 0)
			json_object_set_new(o, "status", json_pack("{s:i,s:s}",
			    "code", s->status, "message", s->status_msg != NULL ?
			    s->status_msg : ""));
		json_array_append_new(jspans, o);
	}
	top = json_pack("{s:[{s:{s:o},s:[{s:{s:s,s:s},s:o}]}]}",
	    "resourceSpans", "resource", "attributes", rattrs,
	    "scopeSpans", "scope", "name", "agentos", "version",
	    PACKAGE_VERSION, "spans", jspans);
	text = json_dumps(top, JSON_COMPACT | JSON_REAL_PRECISION(17));
	buf_adds(out, text);
	free(text);
	json_decref(top);
}

/* ------------------------------------------------------------------------ */
/* Metrics encoding (opentelemetry/proto/metrics/v1/metrics.proto) */

/* The attributes of a data point: provider, model, and a token type. */
static size_t
trace_metric_attrs(struct trace_attr *a, const char *type)
{
	size_t	n = 0;

	memset(a, 0, 3 * sizeof *a);
	a[n].key = (char *)"gen_ai.provider.name";
	a[n++].s = tm.provider;
	a[n].key = (char *)"gen_ai.request.model";
	a[n++].s = tm.model;
	if (type != NULL) {
		a[n].key = (char *)"gen_ai.token.type";
		a[n++].s = (char *)type;
	}
	return (n);
}

static void
pb_double(struct buf *b, unsigned int field, double d)
{
	union { double d; uint64_t u; } v;

	v.d = d;
	pb_fixed64(b, field, v.u);	/* a double is I64 on the wire */
}

/* Metric { name 1, unit 3, sum 7 (Sum) } with the given data points. */
static void
pb_metric_sum(struct buf *ms, const char *name, const char *unit,
    struct buf *points)
{
	struct buf	m, sum;

	buf_init(&m, 0);
	buf_init(&sum, 0);
	pb_string(&m, 1, name);
	pb_string(&m, 3, unit);
	/* Sum { data_points 1; aggregation_temporality 2; is_monotonic 3 } */
	buf_add(&sum, points->buf, points->len);
	pb_tag(&sum, 2, PB_VARINT);
	pb_varint(&sum, 2);		/* CUMULATIVE */
	pb_tag(&sum, 3, PB_VARINT);
	pb_varint(&sum, 1);
	pb_sub(&m, 7, &sum);
	pb_sub(ms, 2, &m);
	buf_release(&m);
	buf_release(&sum);
}

/* NumberDataPoint { start 2, time 3, as_double 4, as_int 6, attrs 7 }. */
static void
pb_point(struct buf *points, const char *type, int64_t i, double d, int dbl)
{
	struct trace_attr	a[3];
	struct buf		p;
	size_t			n, k;

	buf_init(&p, 0);
	pb_fixed64(&p, 2, tm.start_ns);
	pb_fixed64(&p, 3, tm.last_ns);
	if (dbl)
		pb_double(&p, 4, d);
	else
		pb_fixed64(&p, 6, (uint64_t)i);	/* sfixed64 */
	n = trace_metric_attrs(a, type);
	for (k = 0; k < n; k++) {
		a[k].type = TA_STRING;
		pb_kv(&p, 7, &a[k]);
	}
	pb_sub(points, 1, &p);
	buf_release(&p);
}

static void
trace_metrics_pb(struct buf *out, const struct trace_config *cfg)
{
	struct buf		 rm, sm, pts, m, h, hp, packed;
	struct trace_attr	 a[3];
	size_t			 i, n;

	buf_init(&rm, 0);
	buf_init(&sm, 0);
	buf_init(&pts, 0);
	buf_init(&m, 0);
	buf_init(&h, 0);
	buf_init(&hp, 0);
	buf_init(&packed, 0);
	/* ResourceMetrics { resource = 1; ScopeMetrics = 2 { scope = 1 } } */
	pb_resource_scope(cfg, &rm, &sm);

	for (i = 0; i < 4; i++)
		pb_point(&pts, trace_token_types[i], tm.tokens[i], 0, 0);
	pb_metric_sum(&sm, "gen_ai.client.token.usage", "{token}", &pts);
	buf_reset(&pts);
	pb_point(&pts, NULL, 0, tm.cost, 1);
	pb_metric_sum(&sm, "agentos.cost.usd", "USD", &pts);

	/*
	 * HistogramDataPoint { start 2, time 3, count 4 (fixed64), sum 5
	 * (double), bucket_counts 6 (packed fixed64), explicit_bounds 7
	 * (packed double), attributes 9 }.
	 */
	pb_fixed64(&hp, 2, tm.start_ns);
	pb_fixed64(&hp, 3, tm.last_ns);
	pb_fixed64(&hp, 4, tm.count);
	pb_double(&hp, 5, tm.sum);
	for (i = 0; i <= TRACE_NBOUNDS; i++) {
		uint8_t	c[8];
		int	k;

		for (k = 0; k < 8; k++)
			c[k] = (uint8_t)(tm.buckets[i] >> (8 * k));
		buf_add(&packed, c, 8);
	}
	pb_sub(&hp, 6, &packed);
	for (i = 0; i < TRACE_NBOUNDS; i++) {
		union { double d; uint64_t u; } v;
		uint8_t	c[8];
		int	k;

		v.d = trace_bounds[i];
		for (k = 0; k < 8; k++)
			c[k] = (uint8_t)(v.u >> (8 * k));
		buf_add(&packed, c, 8);
	}
	pb_sub(&hp, 7, &packed);
	n = trace_metric_attrs(a, NULL);
	for (i = 0; i < n; i++) {
		a[i].type = TA_STRING;
		pb_kv(&hp, 9, &a[i]);
	}
	/* Histogram { data_points 1; aggregation_temporality 2 }. */
	pb_sub(&h, 1, &hp);
	pb_tag(&h, 2, PB_VARINT);
	pb_varint(&h, 2);
	pb_string(&m, 1, "gen_ai.client.operation.duration");
	pb_string(&m, 3, "s");
	pb_sub(&m, 9, &h);
	pb_sub(&sm, 2, &m);

	pb_sub(&rm, 2, &sm);
	pb_sub(out, 1, &rm);
	buf_release(&rm);
	buf_release(&sm);
	buf_release(&pts);
	buf_release(&m);
	buf_release(&h);
	buf_release(&hp);
	buf_release(&packed);
}

static json_t *
json_point_attrs(const char *type)
{
	struct trace_attr	a[3];
	json_t			*arr = json_array();
	size_t			n, i;

	n = trace_metric_attrs(a, type);
	for (i = 0; i < n; i++) {
		a[i].type = TA_STRING;
		json_array_append_new(arr, json_kv(&a[i]));
	}
	return (arr);
}

static void
trace_metrics_json(struct buf *out, const struct trace_config *cfg)
{
	json_t	*rattrs, *metrics, *pts, *b, *bounds, *top;
	char	 st[32], t[32], num[32], *text;
	size_t	 i;

	snprintf(st, sizeof st, "%llu", (unsigned long long)tm.start_ns);
	snprintf(t, sizeof t, "%llu", (unsigned long long)tm.last_ns);
	rattrs = json_array();
	trace_resource_attrs(cfg, json_resource_attr, rattrs);
	metrics = json_array();
	pts = json_array();
	for (i = 0; i < 4; i++) {
		snprintf(num, sizeof num, "%lld", (long long)tm.tokens[i]);
		json_array_append_new(pts, json_pack("{s:o,s:s,s:s,s:s}",
		    "attributes", json_point_attrs(trace_token_types[i]),
		    "startTimeUnixNano", st, "timeUnixNano", t, "asInt", num));
	}
	json_array_append_new(metrics, json_pack("{s:s,s:s,s:{s:o,s:i,s:b}}",
	    "name", "gen_ai.client.token.usage", "unit", "{token}", "sum",
	    "dataPoints", pts, "aggregationTemporality", 2, "isMonotonic", 1));
	json_array_append_new(metrics, json_pack("{s:s,s:s,s:{s:[{s:o,s:s,"
	    "s:s,s:f}],s:i,s:b}}", "name", "agentos.cost.usd", "unit", "USD",
	    "sum", "dataPoints", "attributes", json_point_attrs(NULL),
	    "startTimeUnixNano", st, "timeUnixNano", t, "asDouble", tm.cost,
	    "aggregationTemporality", 2, "isMonotonic", 1));
	b = json_array();
	for (i = 0; i <= TRACE_NBOUNDS; i++) {
		snprintf(num, sizeof num, "%llu",
		    (unsigned long long)tm.buckets[i]);
		json_array_append_new(b, json_string(num));
	}
	bounds = json_array();
	for (i = 0; i < TRACE_NBOUNDS; i++)
		json_array_append_new(bounds, json_real(trace_bounds[i]));
	snprintf(num, sizeof num, "%llu", (unsigned long long)tm.count);
	json_array_append_new(metrics, json_pack("{s:s,s:s,s:{s:[{s:o,s:s,"
	    "s:s,s:s,s:f,s:o,s:o}],s:i}}", "name",
	    "gen_ai.client.operation.duration", "unit", "s", "histogram",
	    "dataPoints", "attributes", json_point_attrs(NULL),
	    "startTimeUnixNano", st, "timeUnixNano", t, "count", num, "sum",
	    tm.sum, "bucketCounts", b, "explicitBounds", bounds,
	    "aggregationTemporality", 2));
	top = json_pack("{s:[{s:{s:o},s:[{s:{s:s,s:s},s:o}]}]}",
	    "resourceMetrics", "resource", "attributes", rattrs,
	    "scopeMetrics", "scope", "name", "agentos", "version",
	    PACKAGE_VERSION, "metrics", metrics);
	text = json_dumps(top, JSON_COMPACT | JSON_REAL_PRECISION(17));
	buf_adds(out, text);
	free(text);
	json_decref(top);
}

void
trace_metrics_encode(struct buf *out, const struct trace_config *cfg,
    int json)
{
	if (json)
		trace_metrics_json(out, cfg);
	else
		trace_metrics_pb(out, cfg);
}

/* ------------------------------------------------------------------------ */
/* Exporter */

struct export_batch {
	char			*body;
	size_t			 len;
	size_t			 nspans;
	int			 attempt;
};

static struct {
	const struct trace_config *cfg;
	int			 active;
	struct trace_span	*queue;		/* ring of ended spans */
	size_t			 nqueue;
	struct export_batch	*inflight;
	struct http_req		*req;
	long			 status;
	struct loop_timer	*timer;		/* batch or retry timer */
	struct loop_timer	*deadline;	/* request timeout */
	struct loop_timer	*stop_timer;	/* trace_export_stop() */
	int			 stopping;
	size_t			 sent, dropped;
	struct http_req		*mreq;		/* the metrics at stop */
} ex;

const struct trace_config *
trace_global_config(void)
{
	return (ex.active ? ex.cfg : NULL);
}

void
trace_export_start(const struct trace_config *cfg)
{
	memset(&ex, 0, sizeof ex);
	ex.cfg = cfg;
	ex.active = 1;
	ex.queue = xcalloc(TRACE_QUEUE_MAX, sizeof *ex.queue);
	log_debug("trace: exporting to %s (%s)", cfg->traces_url,
	    cfg->json ? "http/json" : "http/protobuf");
}

int
trace_export_active(void)
{
	return (ex.active);
}

static void
export_sink(struct trace_span *sp)
{
	if (!ex.active || ex.nqueue == TRACE_QUEUE_MAX) {
		if (ex.active)
			ex.dropped++;
		trace_span_release(sp);
		free(sp);
		return;
	}
	ex.queue[ex.nqueue++] = *sp;
	free(sp);
	if (ex.inflight != NULL)
		return;
	if (ex.nqueue >= TRACE_BATCH_MAX || ex.stopping)
		export_send();
	else if (ex.timer == NULL)
		ex.timer = loop_timer_add(TRACE_BATCH_MS, export_timer, NULL);
}

static void
export_batch_free(struct export_batch *b)
{
	if (b != NULL) {
		free(b->body);
		free(b);
	}
}

/* Is the exporter done (stop may return)? */
static void
export_check_stop(void)
{
	if (ex.stopping && ex.inflight == NULL && ex.nqueue == 0 &&
	    ex.mreq == NULL)
		loop_exit();
}

static void	export_post(void);

static void
export_result(int ok)
{
	struct export_batch	*b = ex.inflight;
	long			 st = ex.status;
	unsigned int		 delay;

	loop_timer_cancel(ex.deadline);
	ex.deadline = NULL;
	ex.req = NULL;
	if (ok) {
		ex.sent += b->nspans;
		export_batch_free(b);
		ex.inflight = NULL;
	} else if ((st == 429 || st == 502 || st == 503 || st == 504) &&
	    b->attempt < TRACE_RETRIES && !ex.stopping) {
		b->attempt++;
		delay = TRACE_BACKOFF_MS << (b->attempt - 1);
		log_debug("trace: collector answered %ld, retry in %u ms",
		    st, delay);
		if (ex.timer != NULL)
			loop_timer_cancel(ex.timer);
		ex.timer = loop_timer_add(delay, export_timer, NULL);
		return;
	} else {
		log_debug("trace: %zu spans dropped (status %ld)", b->nspans,
		    st);
		ex.dropped += b->nspans;
		export_batch_free(b);
		ex.inflight = NULL;
	}
	if (ex.nqueue > 0 && (ex.stopping || ex.nqueue >= TRACE_BATCH_MAX))
		export_send();
	else if (ex.nqueue > 0 && ex.timer == NULL)
		ex.timer = loop_timer_add(TRACE_BATCH_MS, export_timer, NULL);
	export_check_stop();
}

static void
export_headers_cb(void *arg, const struct http_response_info *info)
{
	(void)arg;
	ex.status = info->status;
}

static int
export_data_cb(void *arg, const char *data, size_t len)
{
	(void)arg;
	(void)data;
	(void)len;
	return (0);
}

static void
export_done_cb(void *arg, const struct http_response_info *info)
{
	(void)arg;
	ex.status = info->status;
	export_result(info->curl_code == 0 && info->status >= 200 &&
	    info->status < 300);
}

static void
export_deadline(void *arg)
{
	(void)arg;
	ex.deadline = NULL;
	log_debug("trace: collector did not answer in %d ms",
	    TRACE_REQUEST_MS);
	http_cancel(ex.req);
	ex.status = 0;
	export_result(0);
}

/* Post the in-flight batch. */
static void
export_post(void)
{
	static const struct http_cb	 cb = { export_headers_cb,
					    export_data_cb, export_done_cb };
	const char			**hdr;
	char				*cause = NULL;
	size_t				 i, n = 0;

	hdr = xcalloc(ex.cfg->nheaders + 1, sizeof *hdr);
	hdr[n++] = ex.cfg->json ? "Content-Type: application/json" :
	    "Content-Type: application/x-protobuf";
	for (i = 0; i < ex.cfg->nheaders; i++)
		hdr[n++] = ex.cfg->headers[i];
	ex.status = 0;
	ex.req = http_post(ex.cfg->traces_url, hdr, n, ex.inflight->body,
	    ex.inflight->len, &cb, NULL, &cause);
	free(hdr);
	if (ex.req == NULL) {
		log_debug("trace: cannot post: %s", cause);
		free(cause);
		ex.status = 0;
		ex.inflight->attempt = TRACE_RETRIES;
		export_result(0);
		return;
	}
	ex.deadline = loop_timer_add(ex.stopping ? 2000 : TRACE_REQUEST_MS,
	    export_deadline, NULL);
}

/* Encode up to a batch of the queue and send it. */
static void
export_send(void)
{
	struct export_batch	*b;
	struct buf		 body;
	size_t			 n, i;

	if (ex.inflight != NULL || ex.nqueue == 0)
		return;
	if (ex.timer != NULL) {
		loop_timer_cancel(ex.timer);
		ex.timer = NULL;
	}
	n = ex.nqueue < TRACE_BATCH_MAX ? ex.nqueue : TRACE_BATCH_MAX;
	buf_init(&body, 0);
	if (ex.cfg->json)
		trace_encode_json(&body, ex.cfg, ex.queue, n);
	else
		trace_encode_pb(&body, ex.cfg, ex.queue, n);
	for (i = 0; i < n; i++)
		trace_span_release(&ex.queue[i]);
	memmove(ex.queue, ex.queue + n, (ex.nqueue - n) * sizeof *ex.queue);
	ex.nqueue -= n;
	b = xcalloc(1, sizeof *b);
	b->nspans = n;
	b->body = buf_detach(&body, &b->len);
	ex.inflight = b;
	export_post();
}

static void
export_timer(void *arg)
{
	(void)arg;
	ex.timer = NULL;
	if (ex.inflight != NULL)
		export_post();		/* a retry */
	else
		export_send();
}

static void
export_metrics_done(void *arg, const struct http_response_info *info)
{
	(void)arg;
	ex.mreq = NULL;
	log_debug("trace: metrics sent (status %ld)", info->status);
	export_check_stop();
}

/* Post the metrics once, at stop. */
static void
export_metrics(void)
{
	static const struct http_cb	 cb = { NULL, export_data_cb,
					    export_metrics_done };
	const char			**hdr;
	char				*cause = NULL;
	struct buf			 body;
	size_t				 i, n = 0;

	if (ex.cfg->metrics_url == NULL || !tm.any)
		return;
	buf_init(&body, 0);
	trace_metrics_encode(&body, ex.cfg, ex.cfg->json);
	hdr = xcalloc(ex.cfg->nheaders + 1, sizeof *hdr);
	hdr[n++] = ex.cfg->json ? "Content-Type: application/json" :
	    "Content-Type: application/x-protobuf";
	for (i = 0; i < ex.cfg->nheaders; i++)
		hdr[n++] = ex.cfg->headers[i];
	ex.mreq = http_post(ex.cfg->metrics_url, hdr, n, body.buf, body.len,
	    &cb, NULL, &cause);
	if (ex.mreq == NULL) {
		log_debug("trace: cannot post metrics: %s", cause);
		free(cause);
	}
	free(hdr);
	buf_release(&body);
}

static void
export_stop_timer(void *arg)
{
	(void)arg;
	ex.stop_timer = NULL;
	loop_exit();
}

void
trace_export_stop(unsigned int wait_ms, size_t *sent, size_t *dropped)
{
	size_t	i;

	if (!ex.active) {
		if (sent != NULL)
			*sent = 0;
		if (dropped != NULL)
			*dropped = 0;
		return;
	}
	ex.stopping = 1;
	export_metrics();
	if (ex.inflight == NULL)
		export_send();
	else if (ex.req == NULL) {
		/* Waiting to retry: try once more now. */
		loop_timer_cancel(ex.timer);
		ex.timer = NULL;
		export_post();
	}
	if (ex.inflight != NULL || ex.nqueue > 0 || ex.mreq != NULL) {
		ex.stop_timer = loop_timer_add(wait_ms, export_stop_timer,
		    NULL);
		loop_run();
		loop_timer_cancel(ex.stop_timer);
		ex.stop_timer = NULL;
	}
	if (ex.req != NULL)
		http_cancel(ex.req);
	if (ex.mreq != NULL)
		http_cancel(ex.mreq);
	loop_timer_cancel(ex.deadline);
	loop_timer_cancel(ex.timer);
	if (ex.inflight != NULL) {
		ex.dropped += ex.inflight->nspans;
		export_batch_free(ex.inflight);
	}
	for (i = 0; i < ex.nqueue; i++)
		trace_span_release(&ex.queue[i]);
	ex.dropped += ex.nqueue;
	free(ex.queue);
	log_debug("trace: %zu spans sent, %zu dropped", ex.sent, ex.dropped);
	if (sent != NULL)
		*sent = ex.sent;
	if (dropped != NULL)
		*dropped = ex.dropped;
	memset(&ex, 0, sizeof ex);
}
