/* test-complete.c: @path mentions: the word at the caret, fuzzy scores. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "agentos.h"
#include "complete.h"

static void
test_word_at(void **state)
{
	size_t	 start = 99;
	char	*w;

	w = complete_word_at("look at @src/a", 14, &start);
	assert_non_null(w);
	assert_string_equal(w, "src/a");
	assert_int_equal(start, 8);
	free(w);
	w = complete_word_at("@", 1, &start);
	assert_non_null(w);
	assert_string_equal(w, "");
	free(w);
	/* An e-mail address is not a mention, nor a word without '@'. */
	assert_null(complete_word_at("me@example.com", 14, &start));
	assert_null(complete_word_at("look at src", 11, &start));
	assert_null(complete_word_at("@a b", 4, &start));
}

static void
test_match(void **state)
{
	char	*files[] = { "README.md", "src/alpha.c", "src/beta.c",
		    "src/ui.c", "tests/build/ui-test.sh", "docs/guide.md" };
	char	**cands, **out;
	size_t	  nc, no, i;

	complete_candidates(files, 6, &cands, &nc);
	/* 6 files and the folders docs/ src/ tests/ tests/build/. */
	assert_int_equal(nc, 10);
	for (i = 1; i < nc; i++)
		assert_true(strcmp(cands[i - 1], cands[i]) < 0);
	complete_match(cands, nc, "ui", COMPLETE_MAX, &out, &no);
	assert_true(no >= 2);
	assert_string_equal(out[0], "src/ui.c");
	complete_free(out, no);
	complete_match(cands, nc, "sbt", COMPLETE_MAX, &out, &no);
	assert_true(no >= 1);
	assert_string_equal(out[0], "src/beta.c");
	complete_free(out, no);
	complete_match(cands, nc, "doc", COMPLETE_MAX, &out, &no);
	assert_true(no >= 1);
	assert_string_equal(out[0], "docs/");
	complete_free(out, no);
	complete_match(cands, nc, "zzz", COMPLETE_MAX, &out, &no);
	assert_int_equal(no, 0);
	complete_match(cands, nc, "", 3, &out, &no);
	assert_int_equal(no, 3);
	complete_free(out, no);
	assert_int_equal(complete_score("src/beta.c", "xyz"), -1);
	assert_true(complete_score("src/alpha.c", "alp") >
	    complete_score("src/a/l/p.c", "alp"));
	complete_free(cands, nc);
}

static void
test_symbols(void **state)
{
	char	*syms[] = { "src/a.c#ui_frame", "src/b.c#frame_count",
		    "src/c.c#unrelated" };
	char	**out;
	size_t	  no;

	complete_match_symbols(syms, 3, "frame", COMPLETE_MAX, &out, &no);
	assert_int_equal(no, 2);
	/* The name starting with the query first. */
	assert_string_equal(out[0], "src/b.c#frame_count");
	complete_free(out, no);
	complete_match_symbols(syms, 3, "", COMPLETE_MAX, &out, &no);
	assert_int_equal(no, 0);
}

/* Append s to the string in buf (256 bytes). */
static void
append(char *buf, const char *s)
{
	size_t	n = strlen(buf), m = strlen(s);

	if (n + m < 256)
		memcpy(buf + n, s, m + 1);
}

/* The index gives complete_match()'s answers, key by key and back. */
static void
test_index(void **state)
{
	static const char *words[] = { "src", "Lib", "ui", "mention",
	    "Test-Data", "x_y", "main", "complete", "README", "a.b" };
	static const char *queries[] = { "", "s", "sr", "src", "src/",
	    "src/u", "src/ui", "m", "ma", "mai", "main", "ma", "TD", "tdx",
	    "com", "compl", "READ", "read", "zzz", "a.", "a.b", "/" };
	char		**paths, **a, **b;
	size_t		  n = 400, na, nb, i, j, k;
	unsigned int	  seed = 7;
	struct complete_index *ix;

	(void)state;
	paths = calloc(n, sizeof *paths);
	for (i = 0; i < n; i++) {
		char	buf[256] = "";
		size_t	depth = 1 + (seed = seed * 1103515245 + 12345) % 4;

		for (k = 0; k < depth; k++) {
			seed = seed * 1103515245 + 12345;
			if (k > 0)
				append(buf, (seed >> 16) % 5 == 0 ? "-" : "/");
			append(buf, words[(seed >> 8) % 10]);
		}
		if (i % 7 == 0)
			append(buf, "/");
		paths[i] = strdup(buf);
	}
	ix = complete_index_create(paths, n);
	for (j = 0; j < sizeof queries / sizeof *queries; j++) {
		complete_match(paths, n, queries[j], 8, &a, &na);
		complete_index_match(ix, queries[j], 8, &b, &nb);
		assert_int_equal(na, nb);
		for (k = 0; k < na; k++)
			assert_string_equal(a[k], b[k]);
		complete_free(a, na);
		complete_free(b, nb);
	}
	complete_index_free(ix);
	for (i = 0; i < n; i++)
		free(paths[i]);
	free(paths);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_word_at),
		cmocka_unit_test(test_match),
		cmocka_unit_test(test_symbols),
		cmocka_unit_test(test_index),
	};

	return (cmocka_run_group_tests(tests, NULL, NULL));
}
