/* test-buf.c: buffer invariants and the cap. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "buf.h"

static void
test_empty_is_nul_terminated(void **state)
{
	struct buf	b = BUF_INIT;

	assert_non_null(b.buf);
	assert_int_equal(b.len, 0);
	assert_string_equal(b.buf, "");
	buf_release(&b);
}

static void
test_add_and_detach(void **state)
{
	struct buf	 b = BUF_INIT;
	char		*s;
	size_t		 len;

	buf_adds(&b, "hello");
	buf_addch(&b, ' ');
	buf_addf(&b, "%d %s", 42, "world");
	assert_string_equal(b.buf, "hello 42 world");
	s = buf_detach(&b, &len);
	assert_int_equal(len, 14);
	assert_string_equal(s, "hello 42 world");
	assert_int_equal(b.len, 0);
	assert_string_equal(b.buf, "");
	free(s);
}

static void
test_cap_truncates(void **state)
{
	struct buf	b;

	buf_init(&b, 8);
	assert_int_equal(buf_adds(&b, "12345"), 0);
	assert_int_equal(buf_adds(&b, "67890"), -1);
	assert_int_equal(b.len, 8);
	assert_true(b.truncated);
	assert_string_equal(b.buf, "12345678");
	assert_int_equal(buf_adds(&b, "x"), -1);
	assert_int_equal(b.len, 8);
	buf_release(&b);
}

static void
test_long_format(void **state)
{
	struct buf	b = BUF_INIT;
	char		big[1000];

	memset(big, 'a', sizeof big - 1);
	big[sizeof big - 1] = '\0';
	buf_addf(&b, "<%s>", big);
	assert_int_equal(b.len, 1001);
	assert_int_equal(b.buf[0], '<');
	assert_int_equal(b.buf[1000], '>');
	buf_remove_head(&b, 1);
	assert_int_equal(b.len, 1000);
	buf_release(&b);
}

/* The tail keeps the newest max bytes, whatever the sizes of the adds. */
static void
test_tail(void **state)
{
	char	tail[8];
	size_t	len = 0;

	buf_tail_add(tail, sizeof tail, &len, "abc", 3);
	assert_int_equal(len, 3);
	assert_memory_equal(tail, "abc", 3);
	buf_tail_add(tail, sizeof tail, &len, "defgh", 5);
	assert_int_equal(len, 8);
	assert_memory_equal(tail, "abcdefgh", 8);
	buf_tail_add(tail, sizeof tail, &len, "ij", 2);
	assert_int_equal(len, 8);
	assert_memory_equal(tail, "cdefghij", 8);
	buf_tail_add(tail, sizeof tail, &len, "0123456789", 10);
	assert_int_equal(len, 8);
	assert_memory_equal(tail, "23456789", 8);
	buf_tail_add(tail, sizeof tail, &len, "", 0);
	assert_int_equal(len, 8);
	assert_memory_equal(tail, "23456789", 8);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_empty_is_nul_terminated),
		cmocka_unit_test(test_add_and_detach),
		cmocka_unit_test(test_cap_truncates),
		cmocka_unit_test(test_long_format),
		cmocka_unit_test(test_tail),
	};

	return (cmocka_run_group_tests(tests, NULL, NULL));
}
