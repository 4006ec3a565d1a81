/* test-image.c: image sniffing by magic bytes, sizes, base64, the log form. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdlib.h>
#include <string.h>

#include "agentos.h"
#include "image.h"
#include "context.h"

/* A PNG header: signature and IHDR of 800x600. */
static const unsigned char png[] = {
	0x89, 'P', 'N', 'G', '\r', '\n', 0x1a, '\n',
	0, 0, 0, 13, 'I', 'H', 'D', 'R',
	0, 0, 0x03, 0x20, 0, 0, 0x02, 0x58, 8, 6, 0, 0, 0
};
/* A JPEG: SOI, an APP0 of 4 bytes, SOF0 of 640x480. */
static const unsigned char jpeg[] = {
	0xff, 0xd8, 0xff, 0xe0, 0, 4, 'J', 'F',
	0xff, 0xc0, 0, 11, 8, 0x01, 0xe0, 0x02, 0x80, 1, 1, 0x11, 0
};
static const unsigned char gif[] = "GIF89a\x0a\x00\x14\x00";

static void
test_sniff(void **state)
{
	int	w, h;

	(void)state;
	assert_string_equal(image_sniff(png, sizeof png), "image/png");
	assert_string_equal(image_sniff(jpeg, sizeof jpeg), "image/jpeg");
	assert_string_equal(image_sniff(gif, 10), "image/gif");
	assert_string_equal(image_sniff((const unsigned char *)
	    "RIFF\0\0\0\0WEBPVP8 ", 16), "image/webp");
	/* A name says nothing: text is text. */
	assert_null(image_sniff((const unsigned char *)"hello png", 9));
	assert_null(image_sniff(png, 4));
	assert_int_equal(image_dimensions("image/png", png, sizeof png, &w,
	    &h), 0);
	assert_int_equal(w, 800);
	assert_int_equal(h, 600);
	assert_int_equal(image_dimensions("image/jpeg", jpeg, sizeof jpeg,
	    &w, &h), 0);
	assert_int_equal(w, 640);
	assert_int_equal(h, 480);
	assert_int_equal(image_dimensions("image/gif", gif, 10, &w, &h), 0);
	assert_int_equal(w, 10);
	assert_int_equal(h, 20);
	/* Truncated headers are refused, never read past the end. */
	assert_int_equal(image_dimensions("image/png", png, 20, &w, &h), -1);
	assert_int_equal(image_dimensions("image/jpeg", jpeg, 12, &w, &h),
	    -1);
}

static void
test_bytes(void **state)
{
	struct image	 img;
	char		*cause = NULL, *s, *big;

	(void)state;
	memset(&img, 0, sizeof img);
	assert_int_equal(image_from_bytes(&img, "not an image", 12, "x.png",
	    &cause), -1);
	assert_non_null(strstr(cause, "not a PNG"));
	free(cause);
	big = calloc(1, IMAGE_MAX_BYTES + 1);
	memcpy(big, png, sizeof png);
	assert_int_equal(image_from_bytes(&img, big, IMAGE_MAX_BYTES + 1,
	    "big.png", &cause), -1);
	assert_non_null(strstr(cause, "not sent"));
	free(cause);
	free(big);
	assert_int_equal(image_from_bytes(&img, png, sizeof png, "a.png",
	    &cause), 0);
	assert_int_equal(img.width, 800);
	s = image_describe(&img);
	assert_string_equal(s, "a.png 1 KB 800x600");
	free(s);
	image_release(&img);
	s = image_base64((const unsigned char *)"foob", 4);
	assert_string_equal(s, "Zm9vYg==");
	free(s);
	/* Anthropic: width * height / 750. */
	assert_int_equal(image_tokens(1000, 1000), 1333);
	assert_int_equal(image_tokens(1, 1), 1);
}

static void
test_log_form(void **state)
{
	struct message	 m, back;
	json_t		*j;
	char		*cause = NULL;

	(void)state;
	message_init(&m, ROLE_USER);
	message_add_image(&m, "image/png", "ab", "a.png", 800, 600, "QUJD");
	message_add_text(&m, "look");
	j = conv_message_to_json(&m);
	/* The log names the bytes; it does not hold them. */
	assert_null(json_object_get(json_array_get(json_object_get(j,
	    "content"), 0), "data"));
	assert_int_equal(conv_message_from_json(j, &back, &cause), 0);
	assert_int_equal(back.nr, 2);
	assert_int_equal(back.blocks[0].type, BLOCK_IMAGE);
	assert_string_equal(back.blocks[0].label, "a.png");
	assert_int_equal(back.blocks[0].height, 600);
	assert_null(back.blocks[0].text);
	json_decref(j);
	message_release(&m);
	message_release(&back);
}

/* The context estimate counts pixels, not base64. */
static void
test_estimate(void **state)
{
	struct conv	 c;
	struct message	*m;

	(void)state;
	conv_init(&c);
	m = conv_add(&c, ROLE_USER);
	message_add_image(m, "image/png", "ab", "a.png", 1000, 1000,
	    "QUJDRA==QUJDRA==QUJDRA==");
	assert_int_equal(context_conv_bytes(&c),
	    1333 * CONTEXT_BYTES_PER_TOKEN);
	conv_release(&c);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_sniff),
		cmocka_unit_test(test_bytes),
		cmocka_unit_test(test_log_form),
		cmocka_unit_test(test_estimate),
	};

	return (cmocka_run_group_tests(tests, NULL, NULL));
}
