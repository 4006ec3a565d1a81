/* test-utf8.c: UTF-8 decoding, stepping and width, linked alone (utf8.c). */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <locale.h>
#include <string.h>

#include "utf8.h"

/* Decode s (len bytes) once: the code point and the bytes used. */
static void
dec(const char *s, size_t len, uint32_t want, size_t wantn)
{
	uint32_t	wc;
	size_t		n = utf8_decode(s, len, &wc);

	if (wc != want || n != wantn)
		fail_msg("decode %02x...(%zu): U+%04X/%zu, want U+%04X/%zu",
		    (unsigned char)s[0], len, wc, n, want, wantn);
}

static void
test_decode(void **state)
{
	uint32_t	wc;

	assert_int_equal(utf8_decode("", 0, &wc), 0);
	dec("a", 1, 'a', 1);
	dec("\xc3\xa9", 2, 0xe9, 2);
	dec("\xe2\x82\xac", 3, 0x20ac, 3);
	dec("\xf0\x9f\x98\x80", 4, 0x1f600, 4);
	dec("\xf4\x8f\xbf\xbf", 4, 0x10ffff, 4);
	/* A stray continuation byte, bytes that never start a sequence. */
	dec("\x80", 1, UTF8_REPLACEMENT, 1);
	dec("\xbf" "a", 2, UTF8_REPLACEMENT, 1);
	dec("\xfe", 1, UTF8_REPLACEMENT, 1);
	dec("\xff", 1, UTF8_REPLACEMENT, 1);
	/* Overlongs. */
	dec("\xc0\xaf", 2, UTF8_REPLACEMENT, 1);
	dec("\xc1\xbf", 2, UTF8_REPLACEMENT, 1);
	dec("\xe0\x80\xaf", 3, UTF8_REPLACEMENT, 1);
	dec("\xf0\x80\x80\xaf", 4, UTF8_REPLACEMENT, 1);
	/* Surrogates, and past U+10FFFF. */
	dec("\xed\xa0\x80", 3, UTF8_REPLACEMENT, 1);
	dec("\xed\xbf\xbf", 3, UTF8_REPLACEMENT, 1);
	dec("\xf4\x90\x80\x80", 4, UTF8_REPLACEMENT, 1);
	dec("\xf5\x80\x80\x80", 4, UTF8_REPLACEMENT, 1);
	/* Truncated by the end of the input, or by a new lead byte. */
	dec("\xe2\x82", 2, UTF8_REPLACEMENT, 1);
	dec("\xf0\x9f\x98", 3, UTF8_REPLACEMENT, 1);
	dec("\xe2" "a", 2, UTF8_REPLACEMENT, 1);
}

static void
test_encode(void **state)
{
	static const uint32_t	 cps[] = { 0, 'z', 0x7f, 0x80, 0x7ff, 0x800,
	    0xfffd, 0xffff, 0x10000, 0x10ffff };
	char			 out[4];
	uint32_t		 wc;
	size_t			 i, n;

	for (i = 0; i < sizeof cps / sizeof cps[0]; i++) {
		n = utf8_encode(cps[i], out);
		assert_int_equal(utf8_decode(out, n, &wc), n);
		assert_int_equal(wc, cps[i]);
	}
	n = utf8_encode(0xd800, out);
	assert_int_equal(n, 3);
	assert_memory_equal(out, "\xef\xbf\xbd", 3);
	n = utf8_encode(0x110000, out);
	assert_memory_equal(out, "\xef\xbf\xbd", 3);
}

static void
test_valid(void **state)
{
	assert_true(utf8_valid("", 0));
	assert_true(utf8_valid("h\xc3\xa9llo \xe2\x82\xac", 11));
	assert_true(utf8_valid("\xef\xbf\xbd", 3));	/* U+FFFD itself */
	assert_false(utf8_valid("ab\x80", 3));
	assert_false(utf8_valid("\xc0\x80", 2));
	assert_false(utf8_valid("\xed\xa0\x80", 3));
	assert_false(utf8_valid("\xe2\x82", 2));
	assert_int_equal(utf8_valid_len("\xe2\x82\xac", 3), 3);
	assert_int_equal(utf8_valid_len("\xe2\x82\xac", 2), 0);
	assert_int_equal(utf8_valid_len("", 0), 0);
}

static void
test_step(void **state)
{
	const char	*s = "a\xc3\xa9\xe2\x82\xac\x80\xf0\x9f\x98\x80z";
	size_t		 len = strlen(s), off, n;
	size_t		 want[] = { 0, 1, 3, 6, 7, 11, 12 };

	for (off = 0, n = 0; off < len; off = utf8_next(s, len, off))
		assert_int_equal(off, want[n++]);
	assert_int_equal(n, 6);
	assert_int_equal(utf8_next(s, len, len), len);
	/* Backwards: the same stops. */
	for (off = len, n = 6; off > 0; ) {
		off = utf8_prev(s, off);
		assert_int_equal(off, want[--n]);
	}
	assert_int_equal(utf8_prev(s, 0), 0);
	/* A truncated sequence steps one byte at a time both ways. */
	assert_int_equal(utf8_next("\xe2\x82", 2, 0), 1);
	assert_int_equal(utf8_prev("\xe2\x82", 2), 1);
	assert_int_equal(utf8_prev("\x80\x80\x80\x80\x80", 5), 4);
}

static void
test_width(void **state)
{
	if (setlocale(LC_CTYPE, "C.UTF-8") == NULL &&
	    setlocale(LC_CTYPE, "en_US.UTF-8") == NULL)
		skip();
	assert_int_equal(utf8_width('a'), 1);
	assert_int_equal(utf8_width(0x4e2d), 2);	/* CJK */
	assert_int_equal(utf8_width(0x1f600), 2);	/* emoji */
	assert_int_equal(utf8_width(0x0301), 0);	/* combining acute */
	assert_int_equal(utf8_width(0x200b), 0);	/* zero width space */
	assert_int_equal(utf8_width(0x07), 1);		/* control: shown */
	assert_int_equal(utf8_width(0x9b), 1);
	assert_int_equal(utf8_strwidth("e\xcc\x81", 3), 1);
	assert_int_equal(utf8_strwidth("\xe4\xb8\xad\xe6\x96\x87x", 7), 5);
	assert_int_equal(utf8_strwidth("\xff\xfe", 2), 2);	/* 2 x U+FFFD */
	assert_int_equal(utf8_strwidth("", 0), 0);
}

/* Repair r of s into a new string, checking the count of fixes. */
static void
check_repair(const char *s, const char *want, size_t nfixed)
{
	char	out[256];
	size_t	n, fixed;

	n = utf8_json_repair(s, strlen(s), out, &fixed);
	out[n] = '\0';
	assert_string_equal(out, want);
	assert_int_equal(fixed, nfixed);
}

static void
test_json_repair(void **state)
{
	(void)state;
	check_repair("{\"a\":\"x\"}", "{\"a\":\"x\"}", 0);
	check_repair("\"a\\u0000b\"", "\"a\\ufffdb\"", 1);
	check_repair("\"\\ud800\"", "\"\\ufffd\"", 1);
	check_repair("\"\\uDBFFx\\uDC00\"", "\"\\ufffdx\\ufffd\"", 2);
	/* A valid pair, and an escaped backslash before "u0000". */
	check_repair("\"\\ud83d\\ude00\"", "\"\\ud83d\\ude00\"", 0);
	check_repair("\"\\\\u0000\"", "\"\\\\u0000\"", 0);
	check_repair("\"\\ud800\\u0041\"", "\"\\ufffd\\u0041\"", 1);
	check_repair("\"\xff\xc3\xa9\"", "\"\xef\xbf\xbd\xc3\xa9\"", 1);
	/* Cut short: copied as they are. */
	check_repair("\"\\u00", "\"\\u00", 0);
	check_repair("\\", "\\", 0);
}

/* Strip s, compare with want. */
static void
check_strip(const char *s, const char *want)
{
	char	out[256];
	size_t	n;

	n = utf8_strip_controls(s, strlen(s), out);
	out[n] = '\0';
	assert_string_equal(out, want);
}

static void
test_strip_controls(void **state)
{
	(void)state;
	check_strip("plain\ttext\n", "plain\ttext\n");
	check_strip("\x1b]0;pwned\x07\x1b[2J hi", " hi");
	check_strip("a\x1b[1;31mred\x1b[0m", "ared");
	check_strip("a\x1b]8;;http://x\x1b\\link\x1b]8;;\x1b\\b", "alinkb");
	check_strip("a\x1bPq#0\x1b\\b\x1b_apc\x07" "c", "abc");
	check_strip("a\x1b(" "Bb\x1b" "7c\x1b", "abc");
	check_strip("a\r\b\x07\x7f\x01" "b", "ab");
	/* C1 as characters: CSI, OSC; NEL dropped. */
	check_strip("a\xc2\x9b" "2Jb\xc2\x9d" "0;t\xc2\x9c" "c\xc2\x85", "abc");
	check_strip("\xff\xc3\xa9", "\xef\xbf\xbd\xc3\xa9");
	check_strip("\x1b]0;never ends", "");
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_decode),
		cmocka_unit_test(test_encode),
		cmocka_unit_test(test_valid),
		cmocka_unit_test(test_step),
		cmocka_unit_test(test_width),
		cmocka_unit_test(test_json_repair),
		cmocka_unit_test(test_strip_controls),
	};

	return (cmocka_run_group_tests(tests, NULL, NULL));
}
