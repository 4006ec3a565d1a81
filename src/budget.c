/* budget.c: prices, the cost of responses, and the limits of a run. */
#include <limits.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "agentos.h"
#include "budget.h"
#include "banned.h"

#ifndef AGENTOS_DATADIR
#define AGENTOS_DATADIR "/usr/local/share/agentos"
#endif

#define BUDGET_MAX_ERRORS	5	/* last errors kept */
#define BUDGET_ERROR_CHARS	300	/* of each */

struct budget {
	struct budget_options	 o;		/* limits as raised */
	struct budget_options	 first;		/* as given */
	json_t			*table;
	uint64_t		 started_ms;

	struct budget_sum	 total;		/* this run, all sessions */
	struct budget_sum	 session;	/* this run, this session */
	double			 earlier_usd;
	int			 earlier_unknown;
	struct budget_row	*models;
	size_t			 nmodels, amodels;
	struct budget_row	*turns;
	size_t			 nturns, aturns;

	/* Stuck runs. */
	int			 errors_in_row;
	char			*last_failure;	/* name and input, JSON */
	int			 repeats;	/* of last_failure in a row */
	char			*errors[BUDGET_MAX_ERRORS];
	size_t			 nerrors;
	int			 warned[BUDGET__COUNT];
};

static const char *budget_names[BUDGET__COUNT] = {
	[BUDGET_OK] = "",
	[BUDGET_TURNS] = "max_turns",
	[BUDGET_USD] = "max_budget_usd",
	[BUDGET_DURATION] = "max_duration",
	[BUDGET_STUCK] = "stuck",
};

static void	budget_sum_add(struct budget_sum *, const struct usage *,
		    int, double, uint64_t);
static struct budget_row *budget_row_model(struct budget *, const char *);
static struct budget_row *budget_row_turn(struct budget *, int);
static int	budget_price_row(const json_t *, struct budget_price *);
static const json_t *budget_price_lookup(const json_t *, const char *);

json_t *
budget_prices_load(const char *path, char **cause)
{
	json_error_t	 jerr;
	json_t		*j, *models;
	char		 exe[PATH_MAX], *dirs[4], *p = NULL, *slash;
	const char	*e;
	ssize_t		 n;
	size_t		 nd = 0, i;

	if (path == NULL && (e = getenv("AGENTOS_PRICES")) != NULL &&
	    *e != '\0')
		path = e;
	if (path == NULL) {
		dirs[nd++] = xstrdup(AGENTOS_DATADIR);
		if ((n = readlink("/proc/self/exe", exe, sizeof exe - 1)) > 0) {
			exe[n] = '\0';
			if ((slash = strrchr(exe, '/')) != NULL)
				*slash = '\0';
			dirs[nd++] = xasprintf("%s/data", exe);
			dirs[nd++] = xasprintf("%s/../data", exe);
			dirs[nd++] = xasprintf("%s/../../data", exe);
		}
		for (i = 0; i < nd; i++) {
			free(p);
			p = xasprintf("%s/prices.json", dirs[i]);
			if (access(p, R_OK) == 0)
				break;
		}
		for (i = 0; i < nd; i++)
			free(dirs[i]);
		path = p;
	}
	j = json_load_file(path, 0, &jerr);
	if (j == NULL) {
		*cause = xasprintf("%s: %s (line %d)", path, jerr.text,
		    jerr.line);
		free(p);
		return (NULL);
	}
	models = json_object_get(j, "models");
	if (!json_is_object(models)) {
		*cause = xasprintf("%s: no \"models\" object", path);
		json_decref(j);
		free(p);
		return (NULL);
	}
	json_incref(models);
	json_decref(j);
	free(p);
	return (models);
}

/* Fill p from a row: an object of prices or one number; -1 if neither. */
static int
budget_price_row(const json_t *r, struct budget_price *p)
{
	json_t	*v;

	if (json_is_number(r)) {
		p->input = p->output = p->cache_write_5m = p->cache_write_1h =
		    p->cache_read = json_number_value(r);
		return (0);
	}
	if (!json_is_object(r))
		return (-1);
	memset(p, 0, sizeof *p);
	if (json_is_number(v = json_object_get(r, "input")))
		p->input = json_number_value(v);
	else
		return (-1);
	if (json_is_number(v = json_object_get(r, "output")))
		p->output = json_number_value(v);
	else
		return (-1);
	p->cache_write_5m = p->cache_write_1h = p->cache_read = p->input;
	if (json_is_number(v = json_object_get(r, "cache_write_5m")))
		p->cache_write_5m = json_number_value(v);
	if (json_is_number(v = json_object_get(r, "cache_write_1h")))
		p->cache_write_1h = json_number_value(v);
	if (json_is_number(v = json_object_get(r, "cache_read")))
		p->cache_read = json_number_value(v);
	return (0);
}

/* The row of model in o: exact, else the longest prefix at a separator. */
static const json_t *
budget_price_lookup(const json_t *o, const char *model)
{
	const json_t	*best = NULL, *v;
	const char	*key;
	size_t		 len, bestlen = 0;

	if (!json_is_object(o))
		return (NULL);
	if ((v = json_object_get(o, model)) != NULL)
		return (v);
	json_object_foreach((json_t *)o, key, v) {
		len = strlen(key);
		if (len == 0 || len <= bestlen || strncmp(model, key, len) != 0)
			continue;
		if (model[len] != '-' && model[len] != '@' &&
		    model[len] != ':')
			continue;
		best = v;
		bestlen = len;
	}
	return (best);
}

int
budget_price_find(const json_t *overrides, const json_t *table,
    const char *model, struct budget_price *p)
{
	const json_t	*r;

	if (model == NULL || *model == '\0')
		return (-1);
	if ((r = budget_price_lookup(overrides, model)) != NULL &&
	    budget_price_row(r, p) == 0)
		return (0);
	if ((r = budget_price_lookup(table, model)) != NULL &&
	    budget_price_row(r, p) == 0)
		return (0);
	return (-1);
}

double
budget_cost(const struct budget_price *p, const struct usage *u)
{
	int64_t	w1h = u->cache_write_1h_tokens, w5m;

	if (w1h > u->cache_write_tokens)
		w1h = u->cache_write_tokens;
	w5m = u->cache_write_tokens - w1h;
	return ((u->input_tokens * p->input + u->output_tokens * p->output +
	    u->cache_read_tokens * p->cache_read + w5m * p->cache_write_5m +
	    w1h * p->cache_write_1h) / 1e6);
}

struct budget *
budget_create(const struct budget_options *o, json_t *table, uint64_t now_ms)
{
	struct budget	*b = xcalloc(1, sizeof *b);

	if (o != NULL)
		b->o = *o;
	if (b->o.prices != NULL)
		json_incref(b->o.prices);
	b->first = b->o;
	b->table = table != NULL ? json_incref(table) : NULL;
	b->started_ms = now_ms;
	return (b);
}

void
budget_free(struct budget *b)
{
	size_t	i;

	if (b == NULL)
		return;
	json_decref(b->o.prices);
	json_decref(b->table);
	for (i = 0; i < b->nmodels; i++)
		free(b->models[i].model);
	free(b->models);
	free(b->turns);
	free(b->last_failure);
	for (i = 0; i < b->nerrors; i++)
		free(b->errors[i]);
	free(b);
}

void
budget_resume(struct budget *b, double cost_usd, int unknown)
{
	size_t	i;

	/*
	 * A session opened in this run (/clear, /resume, /fork) carries its
	 * own cost in cost_usd, which includes whatever this run spent on it
	 * before: start its sums and rows again, so nothing counts twice.
	 * The run's total, which the limits charge, goes on.
	 */
	b->earlier_usd = cost_usd;
	b->earlier_unknown = unknown;
	memset(&b->session, 0, sizeof b->session);
	for (i = 0; i < b->nmodels; i++)
		free(b->models[i].model);
	b->nmodels = 0;
	b->nturns = 0;
}

/* Add one response to s. */
static void
budget_sum_add(struct budget_sum *s, const struct usage *u, int known,
    double cost, uint64_t api_ms)
{
	s->input_tokens += u->input_tokens;
	s->output_tokens += u->output_tokens;
	s->cache_read_tokens += u->cache_read_tokens;
	s->cache_write_tokens += u->cache_write_tokens;
	s->requests++;
	if (known)
		s->cost_usd += cost;
	else
		s->unknown++;
	s->api_ms += api_ms;
}

/* The row of model, added when new. */
static struct budget_row *
budget_row_model(struct budget *b, const char *model)
{
	struct budget_row	*r;
	size_t			 i;

	for (i = 0; i < b->nmodels; i++) {
		if (strcmp(b->models[i].model, model) == 0)
			return (&b->models[i]);
	}
	ALLOC_GROW(b->models, b->nmodels + 1, b->amodels);
	r = &b->models[b->nmodels++];
	memset(r, 0, sizeof *r);
	r->model = xstrdup(model);
	return (r);
}

/* The row of user turn turn, added when new. */
static struct budget_row *
budget_row_turn(struct budget *b, int turn)
{
	struct budget_row	*r;

	if (b->nturns > 0 && b->turns[b->nturns - 1].turn == turn)
		return (&b->turns[b->nturns - 1]);
	ALLOC_GROW(b->turns, b->nturns + 1, b->aturns);
	r = &b->turns[b->nturns++];
	memset(r, 0, sizeof *r);
	r->turn = turn;
	return (r);
}

int
budget_add_response(struct budget *b, int turn, const char *model,
    const struct usage *u, uint64_t api_ms, double *cost)
{
	struct budget_price	p;
	double			c = 0;
	int			known;

	if (model == NULL || *model == '\0')
		model = "unknown";
	known = budget_price_find(b->o.prices, b->table, model, &p) == 0;
	if (known)
		c = budget_cost(&p, u);
	budget_sum_add(&b->total, u, known, c, api_ms);
	budget_sum_add(&b->session, u, known, c, api_ms);
	budget_sum_add(&budget_row_model(b, model)->sum, u, known, c, api_ms);
	budget_sum_add(&budget_row_turn(b, turn)->sum, u, known, c, api_ms);
	if (known && cost != NULL)
		*cost = c;
	return (known);
}

void
budget_add_tool(struct budget *b, const char *name, const json_t *input,
    int is_error, const char *result)
{
	char	*sig, *in;
	size_t	 i;

	if (!is_error) {
		b->errors_in_row = 0;
		b->repeats = 0;
		free(b->last_failure);
		b->last_failure = NULL;
		return;
	}
	b->errors_in_row++;
	in = input != NULL ? json_dumps(input, JSON_COMPACT | JSON_SORT_KEYS |
	    JSON_ENCODE_ANY) : NULL;
	sig = xasprintf("%s %s", name != NULL ? name : "?",
	    in != NULL ? in : "{}");
	free(in);
	if (b->last_failure != NULL && strcmp(b->last_failure, sig) == 0) {
		b->repeats++;
		free(sig);
	} else {
		free(b->last_failure);
		b->last_failure = sig;
		b->repeats = 1;
	}
	if (b->nerrors == BUDGET_MAX_ERRORS) {
		free(b->errors[0]);
		for (i = 1; i < b->nerrors; i++)
			b->errors[i - 1] = b->errors[i];
		b->nerrors--;
	}
	b->errors[b->nerrors++] = xasprintf("%s: %.*s%s", name != NULL ?
	    name : "?", BUDGET_ERROR_CHARS, result != NULL ? result : "",
	    result != NULL && strlen(result) > BUDGET_ERROR_CHARS ? "..." : "");
}

void
budget_figures(struct budget *b, enum budget_limit l, uint64_t now_ms,
    double *used, double *max)
{
	*used = *max = 0;
	switch (l) {
	case BUDGET_TURNS:
		*used = b->total.requests;
		*max = b->o.max_turns;
		break;
	case BUDGET_USD:
		*used = b->total.cost_usd;
		*max = b->o.max_usd;
		break;
	case BUDGET_DURATION:
		*used = (double)(now_ms - b->started_ms);
		*max = (double)b->o.max_duration_ms;
		break;
	case BUDGET_STUCK:
	case BUDGET_OK:
	case BUDGET__COUNT:
		break;
	}
}

/* A duration in ms as "12m 3s", "45s". */
static char *
budget_duration_text(double ms)
{
	long long	s = (long long)(ms / 1000);

	if (s >= 3600)
		return (xasprintf("%lldh %02lldm", s / 3600, s / 60 % 60));
	if (s >= 60)
		return (xasprintf("%lldm %02llds", s / 60, s % 60));
	return (xasprintf("%.1fs", ms / 1000));
}

/* Why limit l is (nearly) reached, with the figures; caller frees. */
static char *
budget_why(struct budget *b, enum budget_limit l, uint64_t now_ms,
    const char *verb)
{
	double	 used, max;
	char	*u, *m, *s;

	budget_figures(b, l, now_ms, &used, &max);
	switch (l) {
	case BUDGET_TURNS:
		return (xasprintf("%s the turn limit: %.0f of %.0f model calls "
		    "(max_turns)", verb, used, max));
	case BUDGET_USD:
		return (xasprintf("%s the cost limit: $%.4f of $%.2f "
		    "(max_budget_usd)", verb, used, max));
	case BUDGET_DURATION:
		u = budget_duration_text(used);
		m = budget_duration_text(max);
		s = xasprintf("%s the time limit: %s of %s (max_duration)",
		    verb, u, m);
		free(u);
		free(m);
		return (s);
	case BUDGET_STUCK:
		if (b->o.max_repeated_failures > 0 &&
		    b->repeats >= b->o.max_repeated_failures)
			return (xasprintf("is stuck: the same failing call %d "
			    "times in a row (max_repeated_failures): %.200s",
			    b->repeats, b->last_failure));
		return (xasprintf("is stuck: %d tool errors in a row "
		    "(max_consecutive_errors)", b->errors_in_row));
	case BUDGET_OK:
	case BUDGET__COUNT:
		break;
	}
	return (xstrdup(""));
}

enum budget_limit
budget_check(struct budget *b, uint64_t now_ms, int before_model,
    char **why)
{
	enum budget_limit	l = BUDGET_OK;

	if (b->o.max_repeated_failures > 0 &&
	    b->repeats >= b->o.max_repeated_failures)
		l = BUDGET_STUCK;
	else if (b->o.max_consecutive_errors > 0 &&
	    b->errors_in_row >= b->o.max_consecutive_errors)
		l = BUDGET_STUCK;
	else if (before_model && b->o.max_turns > 0 &&
	    b->total.requests >= b->o.max_turns)
		l = BUDGET_TURNS;
	else if (b->o.max_usd > 0 && b->total.cost_usd >= b->o.max_usd)
		l = BUDGET_USD;
	else if (b->o.max_duration_ms > 0 &&
	    now_ms - b->started_ms >= (uint64_t)b->o.max_duration_ms)
		l = BUDGET_DURATION;
	if (l != BUDGET_OK && why != NULL)
		*why = budget_why(b, l, now_ms, "reached");
	return (l);
}

enum budget_limit
budget_warning(struct budget *b, uint64_t now_ms, char **why)
{
	enum budget_limit	l;
	double			used, max;

	for (l = BUDGET_TURNS; l <= BUDGET_DURATION; l++) {
		if (b->warned[l])
			continue;
		budget_figures(b, l, now_ms, &used, &max);
		if (max <= 0 || used < 0.8 * max || used >= max)
			continue;
		b->warned[l] = 1;
		if (why != NULL)
			*why = budget_why(b, l, now_ms, "80% of");
		return (l);
	}
	return (BUDGET_OK);
}

void
budget_raise(struct budget *b, enum budget_limit l, uint64_t now_ms)
{
	switch (l) {
	case BUDGET_TURNS:
		b->o.max_turns = b->total.requests + b->first.max_turns;
		break;
	case BUDGET_USD:
		b->o.max_usd = b->total.cost_usd + b->first.max_usd;
		break;
	case BUDGET_DURATION:
		b->o.max_duration_ms = (int64_t)(now_ms - b->started_ms) +
		    b->first.max_duration_ms;
		break;
	case BUDGET_STUCK:
		b->errors_in_row = 0;
		b->repeats = 0;
		break;
	case BUDGET_OK:
	case BUDGET__COUNT:
		return;
	}
	b->warned[l] = 0;
}

const char *
budget_limit_name(enum budget_limit l)
{
	if ((int)l < 0 || l >= BUDGET__COUNT)
		return ("");
	return (budget_names[l]);
}

const char *
budget_subtype(enum budget_limit l)
{
	switch (l) {
	case BUDGET_TURNS:
		return ("error_max_turns");
	case BUDGET_USD:
		return ("error_max_budget_usd");
	case BUDGET_DURATION:
		return ("error_max_duration");
	case BUDGET_STUCK:
		return ("error_stuck");
	default:
		return ("error");
	}
}

const struct budget_sum *
budget_total(struct budget *b)
{
	return (&b->total);
}

const struct budget_sum *
budget_session(struct budget *b)
{
	return (&b->session);
}

double
budget_earlier(struct budget *b, int *unknown)
{
	if (unknown != NULL)
		*unknown = b->earlier_unknown;
	return (b->earlier_usd);
}

const struct budget_row *
budget_models(struct budget *b, size_t *n)
{
	*n = b->nmodels;
	return (b->models);
}

const struct budget_row *
budget_turns(struct budget *b, size_t *n)
{
	*n = b->nturns;
	return (b->turns);
}

const char *const *
budget_errors(struct budget *b, size_t *n)
{
	*n = b->nerrors;
	return ((const char *const *)b->errors);
}

void
budget_cost_text(struct buf *out, const struct budget_sum *s)
{
	if (s->requests > 0 && s->unknown == s->requests) {
		buf_adds(out, "cost unknown");
		return;
	}
	if (s->cost_usd < 1)
		buf_addf(out, "$%.4f", s->cost_usd);
	else
		buf_addf(out, "$%.2f", s->cost_usd);
	if (s->unknown > 0)
		buf_adds(out, "+?");
}
