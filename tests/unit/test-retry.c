/*
 * test-retry.c: the retry policy: provider_retryable(), the server's wait
 * and the backoff schedule of retry_wait() with a seeded jitter source.
 */
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
#include "retry.h"

#define H(n, v)	{ (char *)(n), (char *)(v) }
#define NOHDR	{ { NULL, NULL } }

/* provider_retryable(): which failures are worth repeating. */
struct retryable_case {
	const char		*what;
	long			 status;
	struct http_header	 hdr[3];	/* ends at name NULL */
	const char		*error_type;
	int			 retry;
};

static const struct retryable_case retryable_cases[] = {
	{ "429", 429, NOHDR, "rate_limit_error", 1 },
	{ "408", 408, NOHDR, NULL, 1 },
	{ "409", 409, NOHDR, NULL, 1 },
	{ "500", 500, NOHDR, "api_error", 1 },
	{ "502", 502, NOHDR, NULL, 1 },
	{ "503", 503, NOHDR, NULL, 1 },
	{ "504", 504, NOHDR, "timeout_error", 1 },
	{ "529", 529, NOHDR, "overloaded_error", 1 },
	{ "connection", 0, NOHDR, NULL, 1 },
	{ "400", 400, NOHDR, "invalid_request_error", 0 },
	{ "401", 401, NOHDR, "authentication_error", 0 },
	{ "401 should-retry", 401, { H("x-should-retry", "true") }, NULL, 0 },
	{ "403", 403, NOHDR, "permission_error", 0 },
	{ "404", 404, NOHDR, NULL, 0 },
	{ "413", 413, NOHDR, NULL, 0 },
	{ "should-retry true", 400, { H("x-should-retry", "true") }, NULL, 1 },
	{ "should-retry false", 529, { H("x-should-retry", "false") }, NULL,
	  0 },
	{ "quota", 429, NOHDR, "insufficient_quota", 0 },
	{ "quota beats should-retry", 429, { H("x-should-retry", "true") },
	  "insufficient_quota", 0 },
};

/* provider_server_delay(): the wait the server asks for. */
struct server_case {
	const char		*what;
	struct http_header	 hdr[3];
	long			 ms;
};

static const struct server_case server_cases[] = {
	{ "none", NOHDR, -1 },
	{ "retry-after-ms wins", { H("retry-after-ms", "1500"),
	  H("retry-after", "9") }, 1500 },
	{ "seconds", { H("retry-after", "3") }, 3000 },
	{ "fraction", { H("retry-after", "1.146") }, 1146 },
	{ "zero", { H("retry-after", "0") }, 0 },
	{ "long", { H("retry-after", "120") }, 120000 },
	{ "junk", { H("retry-after", "soon") }, -1 },
	{ "negative", { H("retry-after", "-3") }, -1 },
	{ "over a day", { H("retry-after-ms", "900000000") }, -1 },
};

static void
info_set(struct http_response_info *info, long status,
    const struct http_header *hdr)
{
	size_t	n;

	for (n = 0; n < 3 && hdr[n].name != NULL; n++)
		;
	memset(info, 0, sizeof *info);
	info->status = status;
	info->headers = hdr;
	info->nheaders = n;
}

static void
test_retryable(void **state)
{
	const struct retryable_case	*c;
	struct http_response_info	 info;
	size_t				 i;

	for (i = 0; i < sizeof retryable_cases / sizeof *retryable_cases;
	    i++) {
		c = &retryable_cases[i];
		info_set(&info, c->status, c->hdr);
		if (provider_retryable(c->status, &info, c->error_type) !=
		    c->retry) {
			fprintf(stderr, "%s: expected %d\n", c->what,
			    c->retry);
			fail();
		}
	}
	assert_int_equal(provider_retryable(0, NULL, NULL), 1);
	assert_int_equal(provider_retryable(400, NULL, NULL), 0);
}

static void
test_server_delay(void **state)
{
	const struct server_case	*c;
	struct http_response_info	 info;
	size_t				 i;
	long				 d;

	for (i = 0; i < sizeof server_cases / sizeof *server_cases; i++) {
		c = &server_cases[i];
		info_set(&info, 429, c->hdr);
		if ((d = provider_server_delay(&info)) != c->ms) {
			fprintf(stderr, "%s: %ld, expected %ld\n", c->what, d,
			    c->ms);
			fail();
		}
	}
	assert_int_equal(provider_server_delay(NULL), -1);
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
	d = provider_server_delay(&info);
	assert_true(d >= 8000 && d <= 10000);

	/* A date in the past is no wait the server asks for. */
	t = time(NULL) - 100;
	gmtime_r(&t, &tm);
	strftime(date, sizeof date, "%a, %d %b %Y %H:%M:%S GMT", &tm);
	assert_int_equal(provider_server_delay(&info), -1);
}

/* The same seed gives the same schedule; another seed another one. */
static void
test_jitter_seeded(void **state)
{
	struct retry_jitter	a, b, c;
	int			i, same = 0;

	retry_jitter_seed(&a, 42);
	retry_jitter_seed(&b, 42);
	retry_jitter_seed(&c, 43);
	for (i = 0; i < 100; i++) {
		assert_int_equal(retry_wait(i % 8, 0, 600000, -1, &a),
		    retry_wait(i % 8, 0, 600000, -1, &b));
		if (retry_jitter_next(&a) == retry_jitter_next(&c))
			same++;
		(void)retry_jitter_next(&b);
	}
	assert_int_equal(same, 0);
}

/*
 * Full jitter: the n-th wait is in [0, min(20 s, 1 s * 2^n)], the waits
 * grow (their mean over many seeds doubles until the cap) and none is over
 * the cap.
 */
static void
test_waits_grow(void **state)
{
	struct retry_jitter	j;
	double			mean[8], sum;
	long			ceiling, w;
	int			n, seed;

	for (n = 0; n < 8; n++) {
		ceiling = 1000L << n;
		if (ceiling > RETRY_CAP_MS)
			ceiling = RETRY_CAP_MS;
		sum = 0;
		for (seed = 0; seed < 2000; seed++) {
			retry_jitter_seed(&j, (uint64_t)seed * 7919 + n);
			w = retry_wait(n, 0, 3600000, -1, &j);
			assert_true(w >= 0 && w <= ceiling);
			assert_true(w <= RETRY_CAP_MS);
			sum += w;
		}
		mean[n] = sum / 2000;
		/* The mean of uniform [0, c] is c / 2; allow 10%. */
		assert_true(mean[n] > ceiling / 2.0 * 0.9);
		assert_true(mean[n] < ceiling / 2.0 * 1.1);
		if (n > 0 && ceiling < RETRY_CAP_MS)
			assert_true(mean[n] > mean[n - 1] * 1.6);
	}
	/* A huge attempt number does not overflow past the cap. */
	retry_jitter_seed(&j, 1);
	for (n = 0; n < 100; n++) {
		w = retry_wait(1000000, 0, 3600000, -1, &j);
		assert_true(w >= 0 && w <= RETRY_CAP_MS);
	}
}

/* Whole schedules: the total never exceeds the budget, then gives up. */
static void
test_total_within_budget(void **state)
{
	struct retry_jitter	j;
	long			budget, waited, w;
	int			seed, attempt;

	for (seed = 0; seed < 500; seed++) {
		retry_jitter_seed(&j, (uint64_t)seed);
		budget = 60000;
		waited = 0;
		for (attempt = 0; attempt < 1000; attempt++) {
			w = retry_wait(attempt, waited, budget, -1, &j);
			if (w < 0)
				break;
			waited += w;
			assert_true(waited <= budget);
		}
		assert_true(attempt < 1000);	/* it gives up */
		assert_true(waited <= budget);
		/* Once the budget is spent, no more waits. */
		assert_int_equal(retry_wait(attempt, budget, budget, -1, &j),
		    -1);
	}
	/* A drawn wait is cut to what is left. */
	retry_jitter_seed(&j, 5);
	for (seed = 0; seed < 100; seed++) {
		w = retry_wait(10, 59900, 60000, -1, &j);
		assert_true(w >= 0 && w <= 100);
	}
	/* A budget of 0 (retry_seconds 0) never retries. */
	assert_int_equal(retry_wait(0, 0, 0, -1, &j), -1);
	assert_int_equal(retry_wait(0, 0, 0, 0, &j), -1);
}

/* Retry-After wins over the drawn wait, if it fits in the budget. */
static void
test_server_wins(void **state)
{
	struct retry_jitter	j;

	retry_jitter_seed(&j, 9);
	assert_int_equal(retry_wait(0, 0, 60000, 5000, &j), 5000);
	/* Over the cap of drawn waits is fine: the server knows. */
	assert_int_equal(retry_wait(0, 0, 60000, 30000, &j), 30000);
	assert_int_equal(retry_wait(3, 0, 60000, 0, &j), 0);
	assert_int_equal(retry_wait(1, 50000, 60000, 10000, &j), 10000);
	/* More than what is left: give up rather than retry too soon. */
	assert_int_equal(retry_wait(1, 50001, 60000, 10000, &j), -1);
	assert_int_equal(retry_wait(0, 0, 60000, 120000, &j), -1);
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
		cmocka_unit_test(test_retryable),
		cmocka_unit_test(test_server_delay),
		cmocka_unit_test(test_http_date),
		cmocka_unit_test(test_jitter_seeded),
		cmocka_unit_test(test_waits_grow),
		cmocka_unit_test(test_total_within_budget),
		cmocka_unit_test(test_server_wins),
		cmocka_unit_test(test_provider_table),
	};

	return (cmocka_run_group_tests(tests, NULL, NULL));
}
