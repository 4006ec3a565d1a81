/* test-retry.c: provider_retry_delay() against the SDK retry policy. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <cmocka.h>

#include "agentos.h"

#define H(n, v)	{ (char *)(n), (char *)(v) }
#define NOHDR	{ { NULL, NULL } }

struct retry_case {
	const char		*what;
	long			 status;
	struct http_header	 hdr[3];	/* ends at name NULL */
	const char		*error_type;
	int			 attempt, max;
	long			 lo, hi;	/* expected range; -1 -1: none */
};

static const struct retry_case cases[] = {
	{ "429 backoff 0", 429, NOHDR, "rate_limit_error", 0, 2, 375, 500 },
	{ "429 backoff 1", 429, NOHDR, NULL, 1, 2, 750, 1000 },
	{ "no retries left", 429, NOHDR, NULL, 2, 2, -1, -1 },
	{ "max 0", 500, NOHDR, NULL, 0, 0, -1, -1 },
	{ "backoff capped", 503, NOHDR, NULL, 6, 10, 6000, 8000 },
	{ "408", 408, NOHDR, NULL, 0, 2, 375, 500 },
	{ "409", 409, NOHDR, NULL, 0, 2, 375, 500 },
	{ "500", 500, NOHDR, "api_error", 0, 2, 375, 500 },
	{ "529", 529, NOHDR, "overloaded_error", 0, 2, 375, 500 },
	{ "connection", 0, NOHDR, NULL, 0, 2, 375, 500 },
	{ "400", 400, NOHDR, "invalid_request_error", 0, 2, -1, -1 },
	{ "401", 401, NOHDR, NULL, 0, 2, -1, -1 },
	{ "403", 403, NOHDR, NULL, 0, 2, -1, -1 },
	{ "404", 404, NOHDR, NULL, 0, 2, -1, -1 },
	{ "413", 413, NOHDR, NULL, 0, 2, -1, -1 },
	{ "should-retry true", 400, { H("x-should-retry", "true") }, NULL,
	  0, 2, 375, 500 },
	{ "should-retry false", 529, { H("x-should-retry", "false") }, NULL,
	  0, 2, -1, -1 },
	{ "quota", 429, NOHDR, "insufficient_quota", 0, 2, -1, -1 },
	{ "quota beats should-retry", 429,
	  { H("x-should-retry", "true") }, "insufficient_quota", 0, 2, -1, -1 },
	{ "retry-after-ms", 429, { H("retry-after-ms", "1500"),
	  H("retry-after", "9") }, NULL, 0, 2, 1500, 1500 },
	{ "retry-after seconds", 429, { H("retry-after", "3") }, NULL,
	  0, 2, 3000, 3000 },
	{ "retry-after fraction", 429, { H("retry-after", "1.146") }, NULL,
	  0, 2, 1146, 1146 },
	{ "retry-after too long", 429, { H("retry-after", "120") }, NULL,
	  1, 2, 750, 1000 },
	{ "retry-after zero", 429, { H("retry-after", "0") }, NULL,
	  0, 2, 375, 500 },
	{ "retry-after junk", 429, { H("retry-after", "soon") }, NULL,
	  0, 2, 375, 500 },
	{ "retry-after-ms too long", 503, { H("retry-after-ms", "600000") },
	  NULL, 0, 2, 375, 500 },
	{ "retry-after on 400 ignored", 400, { H("retry-after", "3") }, NULL,
	  0, 2, -1, -1 },
};

static void
test_table(void **state)
{
	const struct retry_case		*c;
	struct http_response_info	 info;
	size_t				 i, n;
	long				 d;
	int				 k;

	for (i = 0; i < sizeof cases / sizeof *cases; i++) {
		c = &cases[i];
		for (n = 0; n < 3 && c->hdr[n].name != NULL; n++)
			;
		memset(&info, 0, sizeof info);
		info.status = c->status;
		info.headers = c->hdr;
		info.nheaders = n;
		/* Jitter: try a few times, all must be in range. */
		for (k = 0; k < 20; k++) {
			d = provider_retry_delay(c->status, &info,
			    c->error_type, c->attempt, c->max);
			if (d < c->lo || d > c->hi) {
				fprintf(stderr, "%s: %ld not in [%ld, %ld]\n",
				    c->what, d, c->lo, c->hi);
				fail();
			}
		}
	}
}

static void
test_http_date(void **state)
{
	struct http_response_info	 info;
	struct http_header		 h[1];
	char				 date[64];
	time_t				 t = time(NULL) + 10;
	struct tm			 tm;
	long				 d;

	gmtime_r(&t, &tm);
	strftime(date, sizeof date, "%a, %d %b %Y %H:%M:%S GMT", &tm);
	h[0].name = (char *)"retry-after";
	h[0].value = date;
	memset(&info, 0, sizeof info);
	info.headers = h;
	info.nheaders = 1;
	d = provider_retry_delay(429, &info, NULL, 0, 2);
	assert_true(d >= 8000 && d <= 10000);

	/* A date in the past falls back to the backoff. */
	t = time(NULL) - 100;
	gmtime_r(&t, &tm);
	strftime(date, sizeof date, "%a, %d %b %Y %H:%M:%S GMT", &tm);
	d = provider_retry_delay(429, &info, NULL, 0, 2);
	assert_true(d >= 375 && d <= 500);
}

static void
test_no_info(void **state)
{
	assert_true(provider_retry_delay(0, NULL, NULL, 0, 2) >= 375);
	assert_int_equal(provider_retry_delay(400, NULL, NULL, 0, 2), -1);
}

static void
test_provider_table(void **state)
{
	assert_ptr_equal(provider_find("anthropic"), &provider_anthropic);
	assert_ptr_equal(provider_find("openai"), &provider_openai);
	assert_null(provider_find("gemini"));
	assert_null(provider_find(NULL));
	assert_string_equal(provider_anthropic.key_env, "ANTHROPIC_API_KEY");
	assert_string_equal(provider_openai.base_url_env, "OPENAI_BASE_URL");
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_table),
		cmocka_unit_test(test_http_date),
		cmocka_unit_test(test_no_info),
		cmocka_unit_test(test_provider_table),
	};

	return (cmocka_run_group_tests(tests, NULL, NULL));
}
