/*
 * budget.h: what a session costs and the limits that stop it.
 *
 * Prices are data: data/prices.json (installed in the package data
 * directory, found in the source tree when run uninstalled), one row per
 * model with its input, output, cache write (5 minutes and 1 hour) and
 * cache read prices in USD per million tokens, each row with the date and
 * the page it was read from.  The "prices" option lays rows over it (a
 * gateway's prices, 0 for a local model).  A model without a row has no
 * cost: "cost unknown", never a made-up number.
 *
 * Cost of one response is computed from the usage the provider reported
 * (struct usage: uncached input, output, cache reads, cache writes of
 * which some at the 1 hour TTL, per Anthropic's usage.cache_creation split,
 * docs.anthropic.com/en/docs/build-with-claude/prompt-caching, "Tracking
 * cache performance"), and summed per user turn, per model and per session.
 *
 * Limits (budget.* options, --max-turns, --max-budget-usd,
 * --max-duration) are checked by the agent before every model call and by
 * the "budget" stage of the tool pipeline before every tool run.  Turns
 * count model calls of this run (Claude Code's agentic turns), money and
 * time count from the start of this run; a resumed session's earlier cost
 * is shown but not charged against the limit.  A run that keeps failing
 * (N tool errors in a row, or the same failing call M times) counts as a
 * limit too: "stuck".
 *
 * Standalone: this header does not include agentos.h (which includes it).
 */
#ifndef BUDGET_H
#define BUDGET_H

#include <stdint.h>

#include <jansson.h>

struct usage;

/* One model's prices, USD per million tokens. */
struct budget_price {
	double	input;			/* uncached input */
	double	output;
	double	cache_write_5m;		/* cache writes, 5 minute TTL */
	double	cache_write_1h;		/* cache writes, 1 hour TTL */
	double	cache_read;		/* cache hits and refreshes */
};

/* "budget.*" and "prices": the typed options. */
struct budget_options {
	int		 max_turns;		/* model calls; 0: none */
	double		 max_usd;		/* 0: none */
	int64_t		 max_duration_ms;	/* 0: none */
	int		 max_consecutive_errors; /* tool errors in a row;
						   0: none */
	int		 max_repeated_failures;	/* the same failing call;
						   0: none */
	json_t		*prices;		/* overrides keyed by model */
};

/* What a limit is about; BUDGET_OK is none. */
enum budget_limit {
	BUDGET_OK,
	BUDGET_TURNS,
	BUDGET_USD,
	BUDGET_DURATION,
	BUDGET_STUCK,
	BUDGET__COUNT
};

/* Sums of some responses. */
struct budget_sum {
	int64_t	 input_tokens;		/* uncached */
	int64_t	 output_tokens;
	int64_t	 cache_read_tokens;
	int64_t	 cache_write_tokens;
	int	 requests;
	int	 unknown;		/* requests of unknown cost */
	double	 cost_usd;		/* of the requests of known cost */
	uint64_t api_ms;		/* time in model calls */
};

/* A row of the per-model and per-turn tables. */
struct budget_row {
	char		*model;		/* per model: its name */
	int		 turn;		/* per turn: the user turn, from 1 */
	struct budget_sum sum;
};

struct budget;

/*
 * Read the price table at path (NULL: $AGENTOS_PRICES, then
 * AGENTOS_DATADIR/prices.json, then data/prices.json next to or above the
 * binary).  A new reference to its "models" object, or NULL with cause.
 */
json_t	*budget_prices_load(const char *path, char **cause);
/*
 * The prices of model in overrides (may be NULL) then table (may be
 * NULL): an exact key first, then the longest key that model starts with
 * followed by '-', '@' or ':' ("claude-haiku-4-5" prices
 * "claude-haiku-4-5-20251001").  A row is an object of the
 * struct budget_price members (a missing cache price is the input price),
 * or a number for every price (0: free).  0, or -1 when there is no row.
 */
int	 budget_price_find(const json_t *overrides, const json_t *table,
	    const char *model, struct budget_price *p);
/* The cost in USD of usage u at prices p. */
double	 budget_cost(const struct budget_price *p, const struct usage *u);

/*
 * A budget with limits o (copied; o NULL: none) and prices table (a
 * reference is taken; may be NULL: every model unknown but the
 * overrides).  now_ms (loop_now_ms()) starts the clock.
 */
struct budget *budget_create(const struct budget_options *o, json_t *table,
	    uint64_t now_ms);
void	 budget_free(struct budget *b);
/*
 * A session was opened (at start with -c/-r, or by /clear, /resume,
 * /fork): it cost cost_usd in its known responses before now, and has
 * unknown responses of unknown cost (shown, not charged).  The session's
 * sums and the per-model and per-turn rows start again; the run's total
 * (budget_total(), what the limits charge) goes on.
 */
void	 budget_resume(struct budget *b, double cost_usd, int unknown);
/*
 * Account a response of model in user turn turn with usage u, api_ms long.
 * Returns 1 and sets *cost when its cost is known, else 0.
 */
int	 budget_add_response(struct budget *b, int turn, const char *model,
	    const struct usage *u, uint64_t api_ms, double *cost);
/*
 * Account a tool result: name and input (borrowed, read now) say which
 * call it was; is_error and result (may be NULL) what came of it.
 */
void	 budget_add_tool(struct budget *b, const char *name,
	    const json_t *input, int is_error, const char *result);
/*
 * The first limit reached at now_ms (BUDGET_OK: none), with *why (when
 * not NULL; caller frees) saying so with the figures.  before_model: a
 * model call is next (max_turns counts calls made, so the next would pass
 * it).
 */
enum budget_limit budget_check(struct budget *b, uint64_t now_ms,
	    int before_model, char **why);
/*
 * A limit newly past 80% at now_ms, marked as told (each once), with *why
 * (caller frees); BUDGET_OK when none.
 */
enum budget_limit budget_warning(struct budget *b, uint64_t now_ms,
	    char **why);
/*
 * The user goes on past limit l: it is raised by its first value from
 * what is used now (stuck: the counts start again).
 */
void	 budget_raise(struct budget *b, enum budget_limit l, uint64_t now_ms);
/* The used and maximum figures of l at now_ms (max 0: no limit). */
void	 budget_figures(struct budget *b, enum budget_limit l, uint64_t now_ms,
	    double *used, double *max);
/* "max_turns", "max_budget_usd", "max_duration", "stuck". */
const char *budget_limit_name(enum budget_limit l);
/* The headless result subtype: "error_max_turns", ... "error_stuck". */
const char *budget_subtype(enum budget_limit l);

/*
 * This run's sums (every session it had), the sums of the session open
 * now since it was opened in this run, and that session's cost before
 * (budget_resume()).  The session's cost is budget_session() plus
 * budget_earlier().
 */
const struct budget_sum *budget_total(struct budget *b);
const struct budget_sum *budget_session(struct budget *b);
double	 budget_earlier(struct budget *b, int *unknown);
/*
 * The rows per model and per turn of the session open now, in first-seen
 * order (borrowed).
 */
const struct budget_row *budget_models(struct budget *b, size_t *n);
const struct budget_row *budget_turns(struct budget *b, size_t *n);
/* The last tool errors, oldest first (at most 5; borrowed). */
const char *const *budget_errors(struct budget *b, size_t *n);
/*
 * Append s's cost to out as "$0.0123" (4 decimals under a dollar, else
 * 2), "cost unknown" when nothing is known, "$0.0123+?" when some is not.
 */
struct buf;
void	 budget_cost_text(struct buf *out, const struct budget_sum *s);

#endif /* BUDGET_H */
