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

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_collect),
		cmocka_unit_test(test_redact),
	};

	unsetenv("ANTHROPIC_API_KEY");
	unsetenv("OPENAI_API_KEY");
	return (cmocka_run_group_tests(tests, NULL, NULL));
}
