/*
 * test-secret.c: known secrets: .env lines (export, quotes, comments,
 * short values), secret-looking environment names, the provider key, and
 * their redaction (every occurrence, longest value first).
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <cmocka.h>

#include <openssl/evp.h>

#include "agentos.h"
#include "secret.h"

/* The value named name, or NULL. */
static const char *
value_of(const struct secrets *s, const char *name)
{
	size_t	i;

	for (i = 0; i < s->n; i++) {
		if (strcmp(s->v[i].name, name) == 0)
			return (s->v[i].value);
	}
	return (NULL);
}

static void
test_collect(void **state)
{
	struct secrets	 s;
	struct config	 cfg;
	char		 dir[] = "/tmp/agentos-secret-XXXXXX", *path;
	FILE		*f;

	(void)state;
	assert_non_null(mkdtemp(dir));
	path = xasprintf("%s/.env.local", dir);
	assert_non_null(f = fopen(path, "w"));
	fputs("# comment\nA_PASS='quoted value 1'\nexport B_KEY=plain-value-2"
	    " # note\nSHORT=abc\nNOEQUALS\n=nameless-value\nC = spaced-value-3"
	    "\r\nE\033[2J=escaped-name-6\n", f);
	fclose(f);
	memset(&cfg, 0, sizeof cfg);
	cfg.provider = "anthropic";
	cfg.api_key = "sk-provider-key-4";
	setenv("SOME_TOKEN", "env-token-value-5", 1);
	setenv("PLAIN_E2E", "not-a-secret-value", 1);
	secrets_collect(&s, &cfg, dir);
	assert_string_equal(value_of(&s, "ANTHROPIC_API_KEY"),
	    "sk-provider-key-4");
	assert_string_equal(value_of(&s, "SOME_TOKEN"), "env-token-value-5");
	assert_null(value_of(&s, "PLAIN_E2E"));
	assert_string_equal(value_of(&s, ".env.local A_PASS"),
	    "quoted value 1");
	assert_string_equal(value_of(&s, ".env.local B_KEY"), "plain-value-2");
	assert_string_equal(value_of(&s, ".env.local C"), "spaced-value-3");
	assert_null(value_of(&s, ".env.local SHORT"));
	/* A name with controls is not copied into results. */
	assert_string_equal(value_of(&s, ".env.local value"),
	    "escaped-name-6");
	secrets_release(&s);
	unsetenv("SOME_TOKEN");
	unsetenv("PLAIN_E2E");
	unlink(path);
	free(path);
	rmdir(dir);
}

static void
test_redact(void **state)
{
	struct secrets	 s;
	struct buf	 b;

	(void)state;
	memset(&s, 0, sizeof s);
	secrets_add(&s, "SHORT", "abc");
	secrets_add(&s, "INNER", "secret-12");
	secrets_add(&s, "OUTER", "xx-secret-12-yy");
	/* secrets_collect sorts; by hand, longest first. */
	{
		struct secret	t = s.v[0];

		s.v[0] = s.v[1];
		s.v[1] = t;
	}
	assert_int_equal(s.n, 2);
	/* A capped result that was cut keeps saying so. */
	buf_init(&b, 41);
	buf_adds(&b, "a secret-12 b xx-secret-12-yy c secret-12!");
	assert_true(b.truncated);
	assert_int_equal(secrets_redact(&s, &b), 3);
	assert_null(strstr(b.buf, "secret-12 "));
	assert_non_null(strstr(b.buf, "[redacted OUTER]"));
	assert_non_null(strstr(b.buf, "a [redacted INNER] b"));
	assert_true(b.truncated);
	buf_release(&b);
	buf_init(&b, 0);
	buf_adds(&b, "nothing here");
	assert_int_equal(secrets_redact(&s, &b), 0);
	assert_string_equal(b.buf, "nothing here");
	buf_release(&b);
	secrets_release(&s);
}

/* b64 of len bytes p, in the URL-safe alphabet when url; freed by caller. */
static char *
b64(const unsigned char *p, size_t len, int url)
{
	char	*out = xmalloc((len + 2) / 3 * 4 + 1), *c;

	EVP_EncodeBlock((unsigned char *)out, p, (int)len);
	for (c = out; url && *c != '\0'; c++) {
		if (*c == '+')
			*c = '-';
		else if (*c == '/')
			*c = '_';
	}
	return (out);
}

static void
test_redact_encoded(void **state)
{
	/* Bytes chosen so that base64 uses + and / (0xfb 0xff). */
	static const char	 key[] = "sk-\xfb\xff?key/with+odd=bytes 1";
	unsigned char		 in[128];
	struct secrets		 s;
	struct buf		 b;
	char			*enc, *want;
	size_t			 klen = strlen(key), pre, post, url;

	(void)state;
	memset(&s, 0, sizeof s);
	secrets_add(&s, "API_KEY", key);
	/* The key at every offset mod 3 of an encoded stream, with 0-2
	 * bytes after it, in both alphabets. */
	for (url = 0; url < 2; url++) {
		for (pre = 0; pre < 3; pre++) {
			for (post = 0; post < 3; post++) {
				memcpy(in, "Authorization: ", pre);
				memcpy(in + pre, key, klen);
				memcpy(in + pre + klen, "\n\n\n", post);
				enc = b64(in, pre + klen + post, url);
				buf_init(&b, 0);
				buf_addf(&b, "token=%s end", enc);
				assert_true(secrets_redact(&s, &b) >= 1);
				want = xasprintf("[redacted API_KEY, %s]",
				    url ? "base64url" : "base64");
				if (strstr(b.buf, want) == NULL)
					fail_msg("pre %zu post %zu url %zu: %s",
					    pre, post, url, b.buf);
				/* Only the characters shared with the neighbours stay: up to
				 * 3 before, 4 after (with the padding). */
				assert_true(b.len <= strlen(want) + 10 + 7);
				free(want);
				buf_release(&b);
				free(enc);
			}
		}
	}
	/* Hex in either case, percent-encoding in either case. */
	buf_init(&b, 0);
	buf_adds(&b, "a 736b2dfbff3f6b65792f776974682b6f64643d62797465732031 "
	    "b 736B2DFBFF3F6B65792F776974682B6F64643D62797465732031 c "
	    "q=sk-%FB%FF%3Fkey%2Fwith%2Bodd%3Dbytes%201&r=1 "
	    "q=sk-%fb%ff%3fkey%2fwith%2bodd%3dbytes%201 d");
	assert_int_equal(secrets_redact(&s, &b), 4);
	assert_string_equal(b.buf, "a [redacted API_KEY, hex] "
	    "b [redacted API_KEY, hex] c "
	    "q=[redacted API_KEY, percent-encoded]&r=1 "
	    "q=[redacted API_KEY, percent-encoded] d");
	buf_release(&b);
	/* A value of unreserved characters only has no percent form, and
	 * nearby text that merely looks alike is left alone. */
	secrets_release(&s);
	memset(&s, 0, sizeof s);
	secrets_add(&s, "TOKEN", "plain-token-value");
	/* Its base64 has no + or /: both alphabets give the same 3. */
	assert_int_equal(s.nforms, 1 + 3 + 2);
	buf_init(&b, 0);
	buf_adds(&b, "cGxhaW4tdG9rZW5tdmFsdWU= plain-token-valuX "
	    "706c61696e2d746f6b656e2d76616c75");
	assert_int_equal(secrets_redact(&s, &b), 0);
	buf_release(&b);
	secrets_release(&s);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_collect),
		cmocka_unit_test(test_redact),
		cmocka_unit_test(test_redact_encoded),
	};

	unsetenv("ANTHROPIC_API_KEY");
	unsetenv("OPENAI_API_KEY");
	return (cmocka_run_group_tests(tests, NULL, NULL));
}
