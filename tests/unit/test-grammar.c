/* test-grammar.c: the tags queries on small fixtures, one per language. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "agentos.h"
#include "repomodel.h"

/*
 * Each fixture tests/data/repomodel/NAME has NAME.tags: "def KIND NAME
 * LINE END" lines list every definition (in order, exactly), "import X"
 * lines every import, "ref KIND NAME LINE" lines references that must be
 * found.  The grammar is detected from the file name or #! line, as the
 * model does.
 */
static char	*read_all(const char *, size_t *);
static void	 check_fixture(const char *, const char *);
static char	*tags_dump(const struct tags *);

static char *
read_all(const char *path, size_t *len)
{
	FILE		*f = fopen(path, "rb");
	struct buf	 b = BUF_INIT;
	char		 chunk[4096];
	size_t		 n;

	if (f == NULL)
		fail_msg("%s: cannot open", path);
	while ((n = fread(chunk, 1, sizeof chunk, f)) > 0)
		buf_add(&b, chunk, n);
	fclose(f);
	return (buf_detach(&b, len));
}

static void
check_fixture(const char *name, const char *lang)
{
	const char		*dir = getenv("top_srcdir");
	char			*path, *text, *exp, *line, *save, *cause = NULL;
	const struct grammar	*g;
	struct grammar_parser	*gp;
	struct tags		 t;
	struct buf		 got = BUF_INIT, want = BUF_INIT;
	size_t			 len, elen, i;
	char			 kind[32], nm[256];
	unsigned int		 l, e;
	int			 found;

	if (dir == NULL)
		dir = ".";
	path = xasprintf("%s/tests/data/repomodel/%s", dir, name);
	text = read_all(path, &len);
	free(path);
	path = xasprintf("%s/tests/data/repomodel/%s.tags", dir, name);
	exp = read_all(path, &elen);
	free(path);

	g = grammar_detect(name, text, len);
	assert_non_null(g);
	assert_string_equal(grammar_name(g), lang);
	gp = grammar_parser_create(5000);
	tags_init(&t);
	if (grammar_tags(gp, g, text, len, NULL, NULL, &t, &cause) != 0)
		fail_msg("%s: %s", name, cause);

	for (i = 0; i < t.ndefs; i++) {
		buf_addf(&got, "def %s %s %u %u\n", def_kind_name(t.defs[i].kind),
		    TAGS_STR(&t, t.defs[i].name), t.defs[i].line,
		    t.defs[i].end_line);
	}
	for (i = 0; i < t.nimports; i++)
		buf_addf(&got, "import %s\n", TAGS_STR(&t, t.imports[i]));

	for (line = strtok_r(exp, "\n", &save); line != NULL;
	    line = strtok_r(NULL, "\n", &save)) {
		if (strncmp(line, "def ", 4) == 0 ||
		    strncmp(line, "import ", 7) == 0) {
			buf_addf(&want, "%s\n", line);
			continue;
		}
		if (sscanf(line, "ref %31s %255s %u", kind, nm, &l) != 3)
			continue;
		found = 0;
		for (i = 0; i < t.nrefs; i++) {
			if (t.refs[i].line == l &&
			    strcmp(ref_kind_name(t.refs[i].kind), kind) == 0 &&
			    strcmp(TAGS_STR(&t, t.refs[i].name), nm) == 0)
				found = 1;
		}
		if (!found)
			fail_msg("%s: no reference %s %s at line %u", name,
			    kind, nm, l);
	}
	/* Definitions come in line order, imports in file order. */
	if (strcmp(got.buf, want.buf) != 0) {
		(void)e;
		fail_msg("%s: tags differ\n--- want\n%s--- got\n%s", name,
		    want.buf, got.buf);
	}
	buf_release(&got);
	buf_release(&want);
	tags_release(&t);
	grammar_parser_free(gp);
	free(text);
	free(exp);
}

static void test_c(void **s) { check_fixture("macros.c", "c"); }
static void test_cpp(void **s) { check_fixture("shapes.cpp", "cpp"); }
static void test_python(void **s) { check_fixture("inventory.py", "python"); }
static void test_js(void **s) { check_fixture("widget.js", "javascript"); }
static void test_ts(void **s) { check_fixture("service.ts", "typescript"); }
static void test_tsx(void **s) { check_fixture("view.tsx", "tsx"); }
static void test_go(void **s) { check_fixture("server.go", "go"); }
static void test_rust(void **s) { check_fixture("lib.rs", "rust"); }
static void test_java(void **s) { check_fixture("Account.java", "java"); }
static void test_bash(void **s) { check_fixture("deploy.sh", "bash"); }
static void test_shebang(void **s) { check_fixture("deploy-noext", "bash"); }

static void
test_all_queries_compile(void **state)
{
	const struct grammar	*g;
	char			*cause = NULL;
	size_t			 i;

	for (i = 0; (g = grammar_at(i)) != NULL; i++) {
		if (grammar_load(g, &cause) != 0)
			fail_msg("%s", cause);
	}
	assert_int_equal(i, 10);
}

static void
test_detect(void **state)
{
	assert_string_equal(grammar_name(grammar_detect("a/b.H", NULL, 0)),
	    "c");
	assert_string_equal(grammar_name(grammar_detect("x.hpp", NULL, 0)),
	    "cpp");
	assert_string_equal(grammar_name(grammar_detect("tool",
	    "#!/usr/bin/env -S python3.11 -u\n", 31)), "python");
	assert_string_equal(grammar_name(grammar_detect("run",
	    "#! /bin/sh\n", 11)), "bash");
	assert_string_equal(grammar_name(grammar_detect("x.tsx", NULL, 0)),
	    "tsx");
	assert_null(grammar_detect("README", "hello\n", 6));
	assert_null(grammar_detect("x.png", NULL, 0));
	assert_null(grammar_detect(".c", NULL, 0));
	assert_null(grammar_detect("x", "#!", 2));
}

/* Garbage parses (with errors) and never crashes. */
static void
test_garbage(void **state)
{
	static const char	*inputs[] = {
		"", "\n", "{{{{{{{{", "int f(", "#define X(",
		"}}}} int main(void) { return 0; }",
		"\xff\xfe\x00\x01 binary", "struct { int a; } x = { .a = 1 ",
	};
	const struct grammar	*g;
	struct grammar_parser	*gp = grammar_parser_create(1000);
	struct tags		 t;
	char			*cause = NULL;
	size_t			 i, k;

	for (k = 0; (g = grammar_at(k)) != NULL; k++) {
		for (i = 0; i < sizeof inputs / sizeof inputs[0]; i++) {
			tags_init(&t);
			if (grammar_tags(gp, g, inputs[i], strlen(inputs[i]),
			    NULL, NULL, &t, &cause) != 0)
				fail_msg("%s: %s", grammar_name(g), cause);
			tags_release(&t);
		}
	}
	/* The macro-broken function head still counts. */
	g = grammar_find("c");
	tags_init(&t);
	assert_int_equal(grammar_tags(gp, g, inputs[5], strlen(inputs[5]),
	    NULL, NULL, &t, &cause), 0);
	assert_true(t.errors);
	assert_int_equal(t.ndefs, 1);
	assert_string_equal(TAGS_STR(&t, t.defs[0].name), "main");
	tags_release(&t);
	grammar_parser_free(gp);
}

/* An incremental parse gives the same tags as a fresh one. */
/* Everything tags hold, as text. */
static char *
tags_dump(const struct tags *t)
{
	struct buf	b = BUF_INIT;
	size_t		i;

	buf_addf(&b, "errors %d\n", t->errors);
	for (i = 0; i < t->ndefs; i++)
		buf_addf(&b, "def %s %s %u-%u %x %s\n",
		    def_kind_name(t->defs[i].kind), TAGS_STR(t, t->defs[i].name),
		    t->defs[i].line, t->defs[i].end_line, t->defs[i].flags,
		    TAGS_STR(t, t->defs[i].sig));
	for (i = 0; i < t->nrefs; i++)
		buf_addf(&b, "ref %s %s %u\n", ref_kind_name(t->refs[i].kind),
		    TAGS_STR(t, t->refs[i].name), t->refs[i].line);
	for (i = 0; i < t->nimports; i++)
		buf_addf(&b, "import %s\n", TAGS_STR(t, t->imports[i]));
	for (i = 0; i < t->nuses; i++)
		buf_addf(&b, "use %s %u\n", TAGS_STR(t, t->uses[i].name),
		    t->uses[i].count);
	return (buf_detach(&b, NULL));
}

/*
 * Random edits of every fixture, each parsed incrementally with the query
 * re-run over the changed part only, give the tags of the query run over
 * the whole tree.  (An incremental parse of broken code may differ from a
 * fresh parse: tree-sitter's error recovery depends on the old tree.  So
 * the reference is a second chain of incremental parses, without found.)
 */
static void
test_incremental(void **state)
{
	static const char *fixtures[] = { "macros.c", "shapes.cpp",
	    "inventory.py", "widget.js", "service.ts", "view.tsx",
	    "server.go", "lib.rs", "Account.java", "deploy.sh" };
	static const char *snippets[] = { "\n", "}", "{", "int x;\n",
	    "static int helper_fn(int a) { return a; }\n",
	    "def extra(a):\n    return a\n", "/* ", " */", "#ifdef X\n",
	    "#endif\n", "class K {\n", "fn f() {}\n", "x = 1\n", "\"",
	    "struct s { int a; };\n", "  ", "import os\n", "(", ")" };
	const char		*dir = getenv("top_srcdir");
	const struct grammar	*g;
	struct grammar_parser	*gp = grammar_parser_create(5000);
	struct grammar_found	*found = NULL;
	struct TSTree		*tree = NULL, *tree2 = NULL;
	struct tags		 a, b;
	struct buf		 cur = BUF_INIT, next = BUF_INIT;
	char			*path, *text, *cause = NULL, *x, *y;
	size_t			 len, at, cut, f, round;
	unsigned int		 seed = 4242;

	if (dir == NULL)
		dir = ".";
	for (f = 0; f < sizeof fixtures / sizeof fixtures[0]; f++) {
		path = xasprintf("%s/tests/data/repomodel/%s", dir,
		    fixtures[f]);
		text = read_all(path, &len);
		free(path);
		g = grammar_detect(fixtures[f], text, len);
		assert_non_null(g);
		buf_reset(&cur);
		buf_add(&cur, text, len);
		free(text);
		tags_init(&a);
		assert_int_equal(grammar_tags(gp, g, cur.buf, cur.len, &tree,
		    &found, &a, &cause), 0);
		tags_release(&a);
		tags_init(&a);
		assert_int_equal(grammar_tags(gp, g, cur.buf, cur.len, &tree2,
		    NULL, &a, &cause), 0);
		tags_release(&a);
		for (round = 0; round < 80; round++) {
			/* Insert a snippet, or cut a few bytes. */
			at = cur.len > 0 ? rand_r(&seed) % cur.len : 0;
			buf_reset(&next);
			buf_add(&next, cur.buf, at);
			if (rand_r(&seed) % 3 == 0) {
				cut = rand_r(&seed) % 40;
				if (cut > cur.len - at)
					cut = cur.len - at;
			} else {
				cut = 0;
				buf_adds(&next, snippets[rand_r(&seed) %
				    (sizeof snippets / sizeof snippets[0])]);
			}
			buf_add(&next, cur.buf + at + cut, cur.len - at - cut);
			/* Now and then the tree is not at hand. */
			if (round % 11 == 10) {
				grammar_tree_free(tree);
				grammar_tree_free(tree2);
				tree = tree2 = NULL;
			} else {
				grammar_tree_edit(tree, found, cur.buf, cur.len,
				    next.buf, next.len);
				grammar_tree_edit(tree2, NULL, cur.buf,
				    cur.len, next.buf, next.len);
			}
			tags_init(&a);
			tags_init(&b);
			if (grammar_tags(gp, g, next.buf, next.len, &tree,
			    &found, &a, &cause) != 0 ||
			    grammar_tags(gp, g, next.buf, next.len, &tree2,
			    NULL, &b, &cause) != 0)
				fail_msg("%s: %s", fixtures[f], cause);
			x = tags_dump(&a);
			y = tags_dump(&b);
			if (strcmp(x, y) != 0) {
				char	*p = x, *q = y;

				/* From the first line that differs. */
				while (*p != '\0' && *p == *q) {
					p++;
					q++;
				}
				while (p > x && p[-1] != '\n') {
					p--;
					q--;
				}
				fail_msg("%s round %zu: incremental:\n%.300s\n"
				    "full:\n%.300s", fixtures[f], round, p, q);
			}
			free(x);
			free(y);
			tags_release(&a);
			tags_release(&b);
			buf_reset(&cur);
			buf_add(&cur, next.buf, next.len);
		}
		grammar_tree_free(tree);
		grammar_tree_free(tree2);
		tree = tree2 = NULL;
		grammar_found_free(found);
		found = NULL;
	}
	buf_release(&cur);
	buf_release(&next);
	grammar_parser_free(gp);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_all_queries_compile),
		cmocka_unit_test(test_detect),
		cmocka_unit_test(test_c),
		cmocka_unit_test(test_cpp),
		cmocka_unit_test(test_python),
		cmocka_unit_test(test_js),
		cmocka_unit_test(test_ts),
		cmocka_unit_test(test_tsx),
		cmocka_unit_test(test_go),
		cmocka_unit_test(test_rust),
		cmocka_unit_test(test_java),
		cmocka_unit_test(test_bash),
		cmocka_unit_test(test_shebang),
		cmocka_unit_test(test_garbage),
		cmocka_unit_test(test_incremental),
	};

	return (cmocka_run_group_tests(tests, NULL, NULL));
}
