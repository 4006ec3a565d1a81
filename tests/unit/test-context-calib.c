/*
 * test-context-calib.c: the estimator's bytes per token (context-calib.c):
 * it starts at 3, learns from the growth between consecutive reports
 * (token-weighted), takes no sample across a shrink, small growths or
 * unbelievable ratios, and the estimate uses it.
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
#include "context.h"

static void
test_learn(void **state)
{
	struct context_calib	k;
	int			i;

	context_calib_init(&k);
	assert_true(k.bpt == 3.0);
	/* The first report only sets the base. */
	assert_false(context_calib_add(&k, 10000, 40000));
	/* A provider counting 4 bytes a token: the ratio goes to 4. */
	for (i = 1; i <= 20; i++)
		assert_true(context_calib_add(&k, 10000 + i * 2000,
		    40000 + (size_t)i * 8000));
	assert_true(k.bpt > 3.9 && k.bpt < 4.01);
	assert_int_equal(k.samples, 20);
	/* Then 2 bytes a token: it follows (bounded memory). */
	for (i = 1; i <= 40; i++)
		context_calib_add(&k, 60000 + i * 4000,
		    200000 + (size_t)i * 8000);
	assert_true(k.bpt < 2.2);
}

static void
test_refuse(void **state)
{
	struct context_calib	k;

	context_calib_init(&k);
	context_calib_add(&k, 10000, 40000);
	/* Too small a growth. */
	assert_false(context_calib_add(&k, 10050, 40100));
	/* Shrunk (a clearing): no sample, a new base. */
	assert_false(context_calib_add(&k, 5000, 20000));
	/* Unbelievable: 50 bytes a token. */
	assert_false(context_calib_add(&k, 6000, 70000));
	/* No sample across a break. */
	context_calib_break(&k);
	assert_false(context_calib_add(&k, 9000, 82000));
	assert_true(k.bpt == 3.0);
	context_calib_set(&k, 55.0);
	assert_true(k.bpt == 3.0);
	context_calib_set(&k, 3.5);
	assert_true(k.bpt == 3.5);
}

static void
test_estimate(void **state)
{
	/* Without usage: all bytes at the ratio. */
	assert_int_equal(context_estimate_bpt(0, 0, 1000, 3000, 4.0), 1000);
	/* From the report: plus or minus the bytes since. */
	assert_int_equal(context_estimate_bpt(5000, 8000, 0, 12000, 4.0),
	    6000);
	assert_int_equal(context_estimate_bpt(5000, 8000, 0, 4000, 4.0),
	    4000);
	/* A junk ratio falls back to 3; the old function is 3. */
	assert_int_equal(context_estimate_bpt(0, 0, 0, 3000, 0.0), 1000);
	assert_int_equal(context_estimate(5000, 8000, 0, 11000), 6000);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_learn),
		cmocka_unit_test(test_refuse),
		cmocka_unit_test(test_estimate),
	};

	return (cmocka_run_group_tests(tests, NULL, NULL));
}
