/*
 * test-budget.c: prices and cost: the arithmetic against the usage of the
 * recorded provider streams (../shared/wire, skipped when absent) and of
 * hand-made usage with cache reads and 5 minute / 1 hour writes; the
 * shipped table (every row has its prices, date and source); lookup of
 * dated model names; unknown models; overrides from the configuration;
 * the limits (turns, cost, time, stuck), the 80% warning and raising.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "agentos.h"
#include "ui.h"
#include "options.h"
#include "wire.h"

#define EPS	1e-12

static json_t	*table;

/* The shipped table, from the source tree. */
static int
setup(void **state)
{
	const char	*top = getenv("top_srcdir");
	char		*path, *cause = NULL;

	path = xasprintf("%s/data/prices.json", top != NULL ? top : ".");
	table = budget_prices_load(path, &cause);
	if (table == NULL)
		fprintf(stderr, "%s\n", cause);
	free(path);
	return (table == NULL ? -1 : 0);
}

static int
teardown(void **state)
{
	json_decref(table);
	return (0);
}

/* Decode a recorded stream whole and take its usage and model. */
static void
wire_usage(const struct provider_entry *p, const char *name,
    struct usage *u, char **model)
{
	static const struct stream_cb	 cb = {
		wire_text, wire_thinking, wire_tool_start, NULL
	};
	struct wire_run			 w;
	char				*data, *cause = NULL;
	size_t				 len;

	data = wire_read(name, &len);
	memset(&w, 0, sizeof w);
	w.p = p;
	response_init(&w.resp);
	buf_init(&w.text, 0);
	buf_init(&w.thinking, 0);
	buf_init(&w.starts, 0);
	w.dec = p->decoder_create(&w.resp, &cb, &w);
	w.sse = sse_parser_create(0, wire_event, &w);
	assert_int_equal(wire_feed(data, len, WIRE_WHOLE, 0, wire_sse_feed,
	    &w), 0);
	assert_int_equal(sse_parser_finish(w.sse, &cause), 0);
	p->decoder_end(w.dec);
	*u = w.resp.usage;
	*model = xstrdup(w.resp.model);
	p->decoder_free(w.dec);
	sse_parser_free(w.sse);
	response_release(&w.resp);
	buf_release(&w.text);
	buf_release(&w.thinking);
	buf_release(&w.starts);
	free(data);
}

/* The cost of a recorded stream, at the shipped prices. */
static double
wire_cost(const struct provider_entry *p, const char *name, struct usage *u)
{
	struct budget_price	 pr;
	char			*model;

	wire_usage(p, name, u, &model);
	assert_int_equal(budget_price_find(NULL, table, model, &pr), 0);
	free(model);
	return (budget_cost(&pr, u));
}

static void
test_wire_anthropic(void **state)
{
	struct usage	u;
	double		c;

	wire_require("test_wire_anthropic");
	/* claude-haiku-4-5-20251001: $1 in, $5 out; the split is 0/0. */
	c = wire_cost(&provider_anthropic, "anthropic-tooluse-1.sse", &u);
	assert_int_equal(u.input_tokens, 542);
	assert_int_equal(u.output_tokens, 62);
	assert_int_equal(u.cache_write_1h_tokens, 0);
	assert_true(c > (542 * 1.0 + 62 * 5.0) / 1e6 - EPS &&
	    c < (542 * 1.0 + 62 * 5.0) / 1e6 + EPS);
	c = wire_cost(&provider_anthropic, "anthropic-text-1.sse", &u);
	assert_true(c > (678 + 82 * 5.0) / 1e6 - EPS &&
	    c < (678 + 82 * 5.0) / 1e6 + EPS);
	/* claude-sonnet-4-20250514: $3 in, $15 out. */
	c = wire_cost(&provider_anthropic, "anthropic-tooluse-2.sse", &u);
	assert_int_equal(u.input_tokens, 377);
	assert_int_equal(u.output_tokens, 65);
	assert_true(c > (377 * 3.0 + 65 * 15.0) / 1e6 - EPS &&
	    c < (377 * 3.0 + 65 * 15.0) / 1e6 + EPS);
}

static void
test_wire_openai(void **state)
{
	struct usage	u;
	double		c;

	wire_require("test_wire_openai");
	/* gpt-4o-mini-2024-07-18: $0.15 in, $0.60 out, nothing cached. */
	c = wire_cost(&provider_openai, "openai-chat-toolcall-2.sse", &u);
	assert_int_equal(u.input_tokens, 54);
	assert_int_equal(u.cache_read_tokens, 0);
	assert_int_equal(u.output_tokens, 20);
	assert_true(c > (54 * 0.15 + 20 * 0.60) / 1e6 - EPS &&
	    c < (54 * 0.15 + 20 * 0.60) / 1e6 + EPS);
	/* gpt-4o-2024-08-06, not gpt-4o-mini: $2.50 in, $10 out. */
	c = wire_cost(&provider_openai, "openai-chat-text-1.sse", &u);
	assert_true(c > (14 * 2.5 + 30 * 10.0) / 1e6 - EPS &&
	    c < (14 * 2.5 + 30 * 10.0) / 1e6 + EPS);
}

/* Every row has its five prices, a date and a source URL. */
static void
test_table_rows(void **state)
{
	const char	*key;
	json_t		*r;
	const char	*f[] = { "input", "output", "cache_write_5m",
			    "cache_write_1h", "cache_read" };
	size_t		 i, n = 0;

	json_object_foreach(table, key, r) {
		for (i = 0; i < 5; i++)
			assert_true(json_is_number(json_object_get(r, f[i])));
		assert_non_null(strstr(json_string_value(json_object_get(r,
		    "source")), "https://"));
		assert_int_equal(strlen(json_string_value(json_object_get(r,
		    "date"))), 10);
		n++;
	}
	assert_true(n >= 10);
	/* The providers' default models are priced. */
	assert_non_null(json_object_get(table, "claude-sonnet-4-5"));
	assert_non_null(json_object_get(table, "gpt-4.1"));
}

/* Cache reads and writes at their own prices, 1 h writes apart. */
static void
test_cache_arithmetic(void **state)
{
	struct budget_price	p;
	struct usage		u = { .input_tokens = 1000,
				    .output_tokens = 200,
				    .cache_read_tokens = 5000,
				    .cache_write_tokens = 3000,
				    .cache_write_1h_tokens = 1000 };
	double			c, want;

	assert_int_equal(budget_price_find(NULL, table,
	    "claude-sonnet-4-5-20250929", &p), 0);
	c = budget_cost(&p, &u);
	want = (1000 * 3.0 + 200 * 15.0 + 5000 * 0.30 + 2000 * 3.75 +
	    1000 * 6.0) / 1e6;
	assert_true(c > want - EPS && c < want + EPS);
	/* More 1 h writes than writes are capped (a provider fault). */
	u.cache_write_1h_tokens = 9000;
	c = budget_cost(&p, &u);
	want = (1000 * 3.0 + 200 * 15.0 + 5000 * 0.30 + 3000 * 6.0) / 1e6;
	assert_true(c > want - EPS && c < want + EPS);
}

/* Dated names find their row; near names do not borrow another's. */
static void
test_lookup(void **state)
{
	struct budget_price	p;

	assert_int_equal(budget_price_find(NULL, table,
	    "claude-opus-4-5-20251101", &p), 0);
	assert_true(p.input == 5 && p.output == 25);
	assert_int_equal(budget_price_find(NULL, table,
	    "claude-opus-4-20250514", &p), 0);
	assert_true(p.input == 15);
	assert_int_equal(budget_price_find(NULL, table,
	    "gpt-4o-mini-2024-07-18", &p), 0);
	assert_true(p.input == 0.15);
	/* gpt-5.5 is not gpt-5; test-model is nothing. */
	assert_int_equal(budget_price_find(NULL, table, "gpt-5.5", &p), -1);
	assert_int_equal(budget_price_find(NULL, table, "test-model", &p),
	    -1);
	assert_int_equal(budget_price_find(NULL, table, "", &p), -1);
	assert_int_equal(budget_price_find(NULL, NULL, "gpt-4o", &p), -1);
}

/* The prices option: a row over the table, a number, missing caches. */
static void
test_overrides(void **state)
{
	struct config		 cfg;
	struct budget_price	 p;
	const json_t		*o;
	char			*cause = NULL;

	assert_int_equal(config_load_string(&cfg, "{\"prices\": {"
	    "\"local-llama\": 0, \"gpt-4o\": {\"input\": 1, \"output\": 2},"
	    "\"my-gw\": {\"input\": 2, \"output\": 4, \"cache_read\": 0.2}},"
	    "\"budget\": {\"max_usd\": 0.5, \"max_duration\": \"30m\","
	    "\"max_turns\": 7}}", &cause), 0);
	o = options_get(&cfg)->budget.prices;
	assert_true(json_is_object(o));
	assert_int_equal(budget_price_find(o, table, "local-llama-3", &p), 0);
	assert_true(p.input == 0 && p.output == 0 && p.cache_read == 0);
	assert_int_equal(budget_price_find(o, table, "gpt-4o-2024-08-06",
	    &p), 0);
	assert_true(p.input == 1 && p.output == 2 && p.cache_read == 1 &&
	    p.cache_write_1h == 1);
	assert_int_equal(budget_price_find(o, table, "my-gw", &p), 0);
	assert_true(p.cache_read == 0.2 && p.cache_write_5m == 2);
	/* The table still prices what the override does not name. */
	assert_int_equal(budget_price_find(o, table, "gpt-4.1", &p), 0);
	assert_true(p.input == 2);
	assert_true(options_get(&cfg)->budget.max_usd == 0.5);
	assert_int_equal(options_get(&cfg)->budget.max_duration_ms,
	    30 * 60 * 1000);
	assert_int_equal(options_get(&cfg)->budget.max_turns, 7);
	config_release(&cfg);

	/* A bad value is a problem, and changes nothing. */
	assert_int_equal(config_load_string(&cfg, "{\"budget.max_usd\": "
	    "\"lots\"}", &cause), 0);
	assert_true(options_get(&cfg)->budget.max_usd == 0);
	config_release(&cfg);
}

/* Sums per turn, model and session; unknown models stay unknown. */
static void
test_sums_unknown(void **state)
{
	struct budget			*b;
	const struct budget_row		*r;
	struct buf			 t = BUF_INIT;
	struct usage			 u = { .input_tokens = 1000000 };
	double				 c = -1;
	size_t				 n;

	b = budget_create(NULL, table, 0);
	assert_int_equal(budget_add_response(b, 1, "test-model", &u, 5, &c),
	    0);
	assert_true(c == -1);
	budget_cost_text(&t, budget_total(b));
	assert_string_equal(t.buf, "cost unknown");
	buf_reset(&t);
	assert_int_equal(budget_add_response(b, 2, "gpt-4.1", &u, 7, &c), 1);
	assert_true(c == 2.0);
	assert_int_equal(budget_add_response(b, 2, "gpt-4.1", &u, 1, &c), 1);
	budget_cost_text(&t, budget_total(b));
	assert_string_equal(t.buf, "$4.00+?");
	assert_int_equal(budget_total(b)->requests, 3);
	assert_int_equal(budget_total(b)->unknown, 1);
	assert_int_equal(budget_total(b)->api_ms, 13);
	r = budget_models(b, &n);
	assert_int_equal(n, 2);
	assert_string_equal(r[1].model, "gpt-4.1");
	assert_int_equal(r[1].sum.requests, 2);
	r = budget_turns(b, &n);
	assert_int_equal(n, 2);
	assert_int_equal(r[1].turn, 2);
	assert_true(r[1].sum.cost_usd == 4.0);
	buf_release(&t);
	budget_free(b);
}

/*
 * A session opened in the run (/clear, /resume, /fork) starts its own
 * sums and rows; its earlier cost comes from its log (which holds what
 * this run spent on it), so nothing is counted twice; the run's total,
 * which the limits charge, goes on.
 */
static void
test_session_switch(void **state)
{
	struct budget_options	 o = { .max_usd = 1.0 };
	struct budget		*b;
	struct usage		 u = { .output_tokens = 25000 };	/* $0.2 */
	size_t			 n;
	int			 unknown;

	b = budget_create(&o, table, 0);
	budget_add_response(b, 1, "gpt-4.1", &u, 1, NULL);
	budget_add_response(b, 1, "gpt-4.1", &u, 1, NULL);
	assert_true(budget_session(b)->cost_usd == budget_total(b)->cost_usd);
	/* /resume of the same session: its log says $0.40 so far. */
	budget_resume(b, 0.4, 0);
	assert_int_equal(budget_session(b)->requests, 0);
	assert_true(budget_session(b)->cost_usd + budget_earlier(b, &unknown)
	    == 0.4);
	budget_models(b, &n);
	assert_int_equal(n, 0);
	budget_turns(b, &n);
	assert_int_equal(n, 0);
	budget_add_response(b, 3, "gpt-4.1", &u, 1, NULL);
	assert_int_equal(budget_session(b)->requests, 1);
	assert_int_equal(budget_total(b)->requests, 3);
	budget_turns(b, &n);
	assert_int_equal(n, 1);
	/* The limit charges the run: $0.60 of $1 so far, $1 after two more. */
	budget_add_response(b, 3, "gpt-4.1", &u, 1, NULL);
	assert_int_equal(budget_check(b, 0, 0, NULL), BUDGET_OK);
	budget_add_response(b, 3, "gpt-4.1", &u, 1, NULL);
	assert_int_equal(budget_check(b, 0, 0, NULL), BUDGET_USD);
	budget_free(b);
}

/* Each limit: 80% warns once, 100% stops, raising goes on. */
static void
test_limits(void **state)
{
	struct budget_options	 o = { .max_turns = 5, .max_usd = 1.0,
				    .max_duration_ms = 1000 };
	struct budget		*b;
	struct usage		 u = { .output_tokens = 25000 };	/* $0.2
								   at gpt-4.1 */
	char			*why = NULL;
	int			 i;

	b = budget_create(&o, table, 100);
	assert_int_equal(budget_check(b, 100, 1, NULL), BUDGET_OK);
	for (i = 0; i < 4; i++)
		budget_add_response(b, 1, "gpt-4.1", &u, 1, NULL);
	/* 4 of 5 calls, $0.80 of $1: both at 80%, told once each. */
	assert_int_equal(budget_warning(b, 100, &why), BUDGET_TURNS);
	free(why);
	assert_int_equal(budget_warning(b, 100, &why), BUDGET_USD);
	assert_non_null(strstr(why, "80% of the cost limit"));
	free(why);
	assert_int_equal(budget_warning(b, 100, NULL), BUDGET_OK);
	assert_int_equal(budget_check(b, 100, 1, NULL), BUDGET_OK);
	budget_add_response(b, 1, "gpt-4.1", &u, 1, NULL);
	/* Turns count before a model call only. */
	assert_int_equal(budget_check(b, 100, 1, &why), BUDGET_TURNS);
	assert_non_null(strstr(why, "5 of 5 model calls"));
	free(why);
	assert_int_equal(budget_check(b, 100, 0, &why), BUDGET_USD);
	assert_non_null(strstr(why, "max_budget_usd"));
	free(why);
	budget_raise(b, BUDGET_TURNS, 100);
	budget_raise(b, BUDGET_USD, 100);
	assert_int_equal(budget_check(b, 100, 1, NULL), BUDGET_OK);
	/* Time: 900 ms of 1 s warns, 1.1 s stops. */
	assert_int_equal(budget_warning(b, 1000, NULL), BUDGET_DURATION);
	assert_int_equal(budget_check(b, 1200, 1, NULL), BUDGET_DURATION);
	budget_raise(b, BUDGET_DURATION, 1200);
	assert_int_equal(budget_check(b, 1300, 1, NULL), BUDGET_OK);
	assert_string_equal(budget_subtype(BUDGET_DURATION),
	    "error_max_duration");
	budget_free(b);
}

/* Errors in a row and the same failing call repeated. */
static void
test_stuck(void **state)
{
	struct budget_options	 o = { .max_consecutive_errors = 4,
				    .max_repeated_failures = 3 };
	struct budget		*b;
	json_t			*in1 = json_pack("{s:s}", "command", "false");
	json_t			*in2 = json_pack("{s:s}", "command", "no");
	const char *const	*e;
	char			*why = NULL;
	size_t			 n;

	b = budget_create(&o, NULL, 0);
	budget_add_tool(b, "bash", in1, 1, "exit status 1");
	budget_add_tool(b, "bash", in1, 1, "exit status 1");
	budget_add_tool(b, "bash", in1, 0, "ok");	/* a success resets */
	budget_add_tool(b, "bash", in1, 1, "exit status 1");
	budget_add_tool(b, "bash", in2, 1, "not found");
	budget_add_tool(b, "bash", in1, 1, "exit status 1");
	assert_int_equal(budget_check(b, 0, 1, NULL), BUDGET_OK);
	budget_add_tool(b, "bash", in2, 1, "not found");
	/* Four errors in a row, none repeated three times. */
	assert_int_equal(budget_check(b, 0, 0, &why), BUDGET_STUCK);
	assert_non_null(strstr(why, "4 tool errors in a row"));
	free(why);
	budget_raise(b, BUDGET_STUCK, 0);
	assert_int_equal(budget_check(b, 0, 0, NULL), BUDGET_OK);
	budget_add_tool(b, "bash", in2, 1, "not found");
	budget_add_tool(b, "bash", in2, 1, "not found");
	budget_add_tool(b, "bash", in2, 1, "not found");
	assert_int_equal(budget_check(b, 0, 0, &why), BUDGET_STUCK);
	assert_non_null(strstr(why, "same failing call 3 times"));
	free(why);
	e = budget_errors(b, &n);
	assert_int_equal(n, 5);
	assert_string_equal(e[4], "bash: not found");
	json_decref(in1);
	json_decref(in2);
	budget_free(b);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_wire_anthropic),
		cmocka_unit_test(test_wire_openai),
		cmocka_unit_test(test_table_rows),
		cmocka_unit_test(test_cache_arithmetic),
		cmocka_unit_test(test_lookup),
		cmocka_unit_test(test_overrides),
		cmocka_unit_test(test_sums_unknown),
		cmocka_unit_test(test_session_switch),
		cmocka_unit_test(test_limits),
		cmocka_unit_test(test_stuck),
	};

	return (wire_status(cmocka_run_group_tests(tests, setup, teardown)));
}
