/* test-repomodel.c: the model on a throwaway repository. */
#include <sys/stat.h>

#include <ctype.h>
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
#include "repomodel.h"

static char	 repo[256];

static void	 put(const char *, const char *);
static void	 put_in(const char *, const char *, const char *);
static const char *map_files(const char *, char **, size_t);
static void	 sh(const char *, ...) __attribute__((format(printf, 1, 2)));
static char	*dump(struct repomodel *, const char *const *, size_t);
static int	 setup(void **);
static int	 teardown(void **);

/* Write text to repo/path, making directories. */
static void
put(const char *path, const char *text)
{
	put_in(repo, path, text);
}

/* Write text to dir/path, making directories. */
static void
put_in(const char *dir, const char *path, const char *text)
{
	char	*full = xasprintf("%s/%s", dir, path), *p;
	FILE	*f;

	for (p = full + strlen(dir) + 1; (p = strchr(p, '/')) != NULL; p++) {
		*p = '\0';
		mkdir(full, 0755);
		*p = '/';
	}
	if ((f = fopen(full, "w")) == NULL)
		fail_msg("%s: cannot write", full);
	fputs(text, f);
	fclose(f);
	free(full);
}

static void
sh(const char *fmt, ...)
{
	va_list	 ap;
	char	*cmd, *full;

	va_start(ap, fmt);
	cmd = xvasprintf(fmt, ap);
	va_end(ap);
	full = xasprintf("cd '%s' && (%s) >/dev/null 2>&1", repo, cmd);
	if (system(full) != 0)
		fail_msg("command failed: %s", cmd);
	free(full);
	free(cmd);
}

/* Everything the model says about definitions and the given names. */
static char *
dump(struct repomodel *rm, const char *const *names, size_t n)
{
	struct repomodel_hit	*h;
	struct buf		 b = BUF_INIT;
	size_t			 nh, i, k;

	nh = repomodel_symbols(rm, NULL, 0, &h);
	for (i = 0; i < nh; i++)
		buf_addf(&b, "def %s %s %s:%u-%u %s\n",
		    def_kind_name(h[i].kind), h[i].name, h[i].path, h[i].line,
		    h[i].end_line, h[i].sig);
	repomodel_hits_free(h, nh);
	for (k = 0; k < n; k++) {
		nh = repomodel_find_references(rm, names[k], &h);
		for (i = 0; i < nh; i++)
			buf_addf(&b, "ref %s %s %s:%u %s\n",
			    ref_kind_name(h[i].kind), h[i].name, h[i].path,
			    h[i].line, h[i].sig != NULL ? h[i].sig : "-");
		repomodel_hits_free(h, nh);
	}
	return (buf_detach(&b, NULL));
}

/*
 * The files a map lists (its unindented "path:" lines), in order, into
 * files (at most max; borrowed from map, which is modified).  Returns the
 * map's first line for messages.
 */
static const char *
map_files(const char *map, char **files, size_t max)
{
	static char	 copy[65536];
	char		*line, *save;
	size_t		 n = 0;

	xsnprintf(copy, sizeof copy, "%s", map);
	for (line = strtok_r(copy, "\n", &save); line != NULL && n < max;
	    line = strtok_r(NULL, "\n", &save)) {
		if (line[0] != ' ' && line[0] != '(' &&
		    line[strlen(line) - 1] == ':') {
			line[strlen(line) - 1] = '\0';
			files[n++] = line;
		}
	}
	if (n < max)
		files[n] = NULL;
	return (map);
}

static int
setup(void **state)
{
	char	 tmpl[] = "/tmp/test-repomodel.XXXXXX";
	int	 i;
	char	 line[256];
	struct buf big = BUF_INIT;

	if (mkdtemp(tmpl) == NULL)
		return (-1);
	xsnprintf(repo, sizeof repo, "%s", tmpl);
	put("lib/util.h", "#ifndef UTIL_H\n#define UTIL_H\n"
	    "int util_sum(int, int);\nstruct point { int x, y; };\n#endif\n");
	put("lib/util.c", "#include \"util.h\"\n\nint\nutil_sum(int a, "
	    "int b)\n{\n\treturn a + b;\n}\n");
	put("main.c", "#include \"lib/util.h\"\n\nstatic struct point "
	    "origin;\n\nint\nmain(void)\n{\n\treturn util_sum(origin.x, "
	    "1);\n}\n");
	put("tools/report.py", "import os\n\n\nclass Report:\n    def "
	    "render(self):\n        return os.getcwd()\n\n\ndef "
	    "make_report():\n    return Report()\n");
	put(".gitignore", "ignored/\n*.tmp\n");
	put("ignored/skip.c", "int ignored_fn(void) { return 0; }\n");
	put("notes.tmp", "int tmp_fn(void);\n");
	put(".agentosignore", "# vendored code\nvendor/\n");
	put("vendor/dep.c", "int vendored_fn(void) { return 0; }\n");
	put("bin.c", "int x;\n");
	sh("printf 'int bin\\0ary;\\n' > bin.c");
	for (i = 0; i < 300; i++) {
		xsnprintf(line, sizeof line, "var a%d=%d;", i, i);
		buf_adds(&big, line);
	}
	buf_adds(&big, "\n");
	put("web/app.min.js", big.buf);
	buf_release(&big);
	sh("git init -q . && git config user.email t@example.com && "
	    "git config user.name T && git add -A && git commit -qm one");
	put("new.c", "int fresh_fn(void) { return util_sum(1, 2); }\n");
	sh("ln -s loop loop && ln -s lib libdir");
	return (0);
}

static int
teardown(void **state)
{
	sh("true");
	if (strncmp(repo, "/tmp/test-repomodel.", 20) == 0) {
		char *cmd = xasprintf("rm -rf '%s'", repo);

		if (system(cmd) != 0)
			return (-1);
		free(cmd);
	}
	return (0);
}

static struct repomodel *
open_model(int no_store)
{
	struct repomodel_config	 cfg;
	struct repomodel	*rm;
	char			*cause = NULL;

	repomodel_config_default(&cfg);
	cfg.no_store = no_store;
	cfg.max_line_len = 1000;
	if ((rm = repomodel_open(repo, &cfg, &cause)) == NULL)
		fail_msg("open: %s", cause);
	return (rm);
}

static void
test_build_and_lookups(void **state)
{
	struct repomodel	*rm = open_model(0);
	struct repomodel_stats	 st;
	struct repomodel_hit	*h;
	char			*cause = NULL, *map;
	const char		*dirs[] = { "lib" };
	size_t			 n, i;
	int			 saw_min = 0, saw_bin = 0, saw_loop = 0;

	if (repomodel_build(rm, &st, &cause) != 0)
		fail_msg("build: %s", cause);
	assert_int_equal(st.parsed + st.reused, st.files);
	assert_int_equal(st.skipped[SKIP_BINARY], 1);
	assert_int_equal(st.skipped[SKIP_MINIFIED], 1);
	assert_int_equal(st.commits, 1);

	/* Prototype in the header, definition in the source. */
	n = repomodel_find_definition(rm, "util_sum", &h);
	assert_int_equal(n, 2);
	assert_string_equal(h[0].path, "lib/util.c");
	assert_string_equal(def_kind_name(h[0].kind), "function");
	assert_int_equal(h[0].line, 3);
	assert_int_equal(h[0].end_line, 7);
	assert_string_equal(h[0].sig, "int util_sum(int a, int b)");
	assert_string_equal(h[1].path, "lib/util.h");
	assert_string_equal(def_kind_name(h[1].kind), "prototype");
	repomodel_hits_free(h, n);

	/* Untracked but not ignored: in; ignored, .agentosignore: out. */
	n = repomodel_find_definition(rm, "fresh_fn", &h);
	assert_int_equal(n, 1);
	repomodel_hits_free(h, n);
	assert_int_equal(repomodel_find_definition(rm, "ignored_fn", &h), 0);
	assert_int_equal(repomodel_find_definition(rm, "tmp_fn", &h), 0);
	assert_int_equal(repomodel_find_definition(rm, "vendored_fn", &h), 0);

	n = repomodel_find_references(rm, "util_sum", &h);
	assert_int_equal(n, 2);
	assert_string_equal(h[0].path, "main.c");
	assert_int_equal(h[0].line, 8);
	assert_string_equal(h[0].sig, "main");
	assert_string_equal(ref_kind_name(h[0].kind), "call");
	assert_string_equal(h[1].path, "new.c");
	repomodel_hits_free(h, n);

	assert_int_equal(repomodel_file_outline(rm, "tools/report.py", &h, &n,
	    &cause), 0);
	assert_int_equal(n, 3);
	assert_string_equal(h[1].name, "render");
	assert_string_equal(def_kind_name(h[1].kind), "method");
	repomodel_hits_free(h, n);
	assert_int_equal(repomodel_file_outline(rm, "nope.c", &h, &n,
	    &cause), -1);
	free(cause);
	cause = NULL;
	assert_int_equal(repomodel_file_outline(rm, "bin.c", &h, &n, &cause),
	    -1);
	assert_non_null(strstr(cause, "binary"));
	free(cause);
	cause = NULL;

	n = repomodel_symbols(rm, dirs, 1, &h);
	for (i = 0; i < n; i++)
		assert_int_equal(strncmp(h[i].path, "lib/", 4), 0);
	assert_true(n >= 4);
	repomodel_hits_free(h, n);

	n = repomodel_skipped(rm, &h);
	for (i = 0; i < n; i++) {
		if (strcmp(h[i].path, "web/app.min.js") == 0)
			saw_min = 1;
		if (strcmp(h[i].path, "bin.c") == 0)
			saw_bin = 1;
		if (strcmp(h[i].path, "loop") == 0)
			saw_loop = 1;
	}
	assert_true(saw_min && saw_bin && saw_loop);
	repomodel_hits_free(h, n);

	map = repomodel_map(rm, 0, NULL, 0);
	assert_non_null(strstr(map, "lib/util.c:\n"));
	assert_non_null(strstr(map, "int util_sum(int a, int b)"));
	assert_non_null(strstr(map, "1 binary"));
	free(map);
	/* A tiny budget holds less, never more than its bytes. */
	map = repomodel_map(rm, 16, NULL, 0);
	assert_true(strlen(map) <= 16 * 4 + 64);
	free(map);
	repomodel_close(rm);

	/* A restart re-reads nothing that did not change. */
	rm = open_model(0);
	if (repomodel_build(rm, &st, &cause) != 0)
		fail_msg("build: %s", cause);
	assert_int_equal(st.parsed, 0);
	assert_int_equal(st.reused, st.files);
	n = repomodel_find_definition(rm, "make_report", &h);
	assert_int_equal(n, 1);
	repomodel_hits_free(h, n);
	repomodel_close(rm);
}

static void
test_personalised_map(void **state)
{
	struct repomodel	*rm = open_model(1);
	char			*cause = NULL, *map, *a, *b;
	const char		*focus[] = { "tools/report.py" };

	if (repomodel_build(rm, NULL, &cause) != 0)
		fail_msg("build: %s", cause);
	/* Without focus, the C library (referenced by two files) leads. */
	map = repomodel_map(rm, 2048, NULL, 0);
	a = strstr(map, "lib/util.c:");
	b = strstr(map, "tools/report.py:");
	assert_non_null(a);
	assert_non_null(b);
	assert_true(a < b);
	free(map);
	/* Focus on the Python file puts it first. */
	map = repomodel_map(rm, 2048, focus, 1);
	assert_ptr_equal(strstr(map, "tools/report.py:"), map);
	free(map);
	/* So does mentioning its identifiers in the conversation. */
	repomodel_note_mentions(rm, "Why does make_report() fail?");
	map = repomodel_map(rm, 2048, NULL, 0);
	assert_ptr_equal(strstr(map, "tools/report.py:"), map);
	free(map);
	repomodel_close(rm);
}

/* Random edits applied with file_changed equal a fresh build. */
static void
test_incremental_equals_rebuild(void **state)
{
	static const char *names[] = { "util_sum", "origin", "helper_0",
	    "helper_1", "helper_2", "Report", "point" };
	static const char *files[] = { "main.c", "lib/util.c", "new.c",
	    "tools/report.py", "lib/extra.c" };
	struct repomodel	*rm = open_model(1), *fresh;
	char			*cause = NULL, *text, *full, *x, *y;
	FILE			*f;
	struct buf		 b = BUF_INIT;
	unsigned int		 seed = 12345, r;
	int			 round, k;

	if (repomodel_build(rm, NULL, &cause) != 0)
		fail_msg("build: %s", cause);
	for (round = 0; round < 60; round++) {
		const char *path = files[rand_r(&seed) % 5];

		full = xasprintf("%s/%s", repo, path);
		buf_reset(&b);
		if ((f = fopen(full, "r")) != NULL) {
			char chunk[4096];
			size_t n;

			while ((n = fread(chunk, 1, sizeof chunk, f)) > 0)
				buf_add(&b, chunk, n);
			fclose(f);
		}
		r = rand_r(&seed) % 6;
		if (r == 0 && b.len > 0) {
			/* Delete a line. */
			x = strchr(b.buf + rand_r(&seed) % b.len, '\n');
			if (x != NULL) {
				y = strchr(x + 1, '\n');
				if (y != NULL)
					memmove(x, y, b.buf + b.len - y + 1),
					b.len -= y - x;
			}
		} else if (r == 5 && strcmp(path, "main.c") != 0) {
			unlink(full);
			free(full);
			if (repomodel_file_changed(rm, path, &cause) != 0)
				fail_msg("changed: %s", cause);
			continue;
		} else {
			/* Insert a definition or a use at a line start. */
			char	 ins[128];
			size_t	 at = b.len > 0 ? rand_r(&seed) % b.len : 0;

			while (at > 0 && b.buf[at - 1] != '\n')
				at--;
			if (strstr(path, ".py") != NULL)
				xsnprintf(ins, sizeof ins, "def helper_%d():\n"
				    "    return Report()\n", r % 3);
			else
				xsnprintf(ins, sizeof ins, "int helper_%d(void)"
				    " { return util_sum(%d, origin.x); }\n",
				    r % 3, round);
			text = xmalloc(b.len + strlen(ins) + 1);
			memcpy(text, b.buf, at);
			memcpy(text + at, ins, strlen(ins));
			memcpy(text + at + strlen(ins), b.buf + at,
			    b.len - at + 1);
			buf_reset(&b);
			buf_adds(&b, text);
			free(text);
		}
		if ((f = fopen(full, "w")) == NULL)
			fail_msg("%s", full);
		fwrite(b.buf, 1, b.len, f);
		fclose(f);
		free(full);
		if (repomodel_file_changed(rm, path, &cause) != 0)
			fail_msg("changed: %s", cause);
		/* Now and then, twice in a row (the cached tree path). */
		if (round % 7 == 0 &&
		    repomodel_file_changed(rm, path, &cause) != 0)
			fail_msg("changed: %s", cause);
	}
	fresh = open_model(1);
	if (repomodel_build(fresh, NULL, &cause) != 0)
		fail_msg("build: %s", cause);
	x = dump(rm, names, sizeof names / sizeof names[0]);
	y = dump(fresh, names, sizeof names / sizeof names[0]);
	if (strcmp(x, y) != 0)
		fail_msg("incremental:\n%s\nfresh:\n%s", x, y);
	for (k = 0; k < 3; k++)
		assert_non_null(strstr(x, "def "));
	free(x);
	free(y);
	buf_release(&b);
	repomodel_close(rm);
	repomodel_close(fresh);
}

static int		 async_done;
static size_t		 async_files;

static void
on_done(void *arg, const struct repomodel_stats *st, const char *error)
{
	assert_null(error);
	async_done++;
	async_files = st->files;
	loop_exit();
}

static void
test_async_build(void **state)
{
	struct repomodel	*rm = open_model(1);
	struct repomodel_hit	*h;
	char			*cause = NULL, *full;
	size_t			 n;

	loop_init();
	if (repomodel_build_async(rm, NULL, on_done, NULL, &cause) != 0)
		fail_msg("async: %s", cause);
	/* A change noted meanwhile is done after the build. */
	put("late.c", "int late_fn(void) { return 1; }\n");
	assert_int_equal(repomodel_file_changed(rm, "late.c", &cause), 0);
	loop_run();
	assert_int_equal(async_done, 1);
	assert_true(async_files > 5);
	assert_int_equal(repomodel_busy(rm, NULL, NULL), 0);
	n = repomodel_find_definition(rm, "late_fn", &h);
	assert_int_equal(n, 1);
	repomodel_hits_free(h, n);
	full = xasprintf("%s/late.c", repo);
	unlink(full);
	free(full);
	repomodel_close(rm);
}

/* Closing while a build runs stops it without a crash or a hang. */
static void
test_close_while_building(void **state)
{
	struct repomodel	*rm = open_model(0);
	char			*cause = NULL;

	loop_init();
	if (repomodel_build_async(rm, NULL, on_done, NULL, &cause) != 0)
		fail_msg("async: %s", cause);
	assert_int_equal(repomodel_build_async(rm, NULL, on_done, NULL,
	    &cause), -1);
	free(cause);
	repomodel_close(rm);
	/* The stored model is usable afterwards. */
	rm = open_model(0);
	if (repomodel_build(rm, NULL, &cause) != 0)
		fail_msg("build: %s", cause);
	repomodel_close(rm);
}

/*
 * Closing during a build keeps what it parsed: the next build reuses those
 * files, parses the rest, and the model equals a full build's.
 */
static void
test_close_keeps_parsed(void **state)
{
	static const char *names[] = { "shared_fn", "fn_7_0", "fn_2999_2" };
	struct repomodel	*rm, *fresh;
	struct repomodel_stats	 st;
	char			 saved[sizeof repo], path[64], text[512];
	char			 tmpl[] = "/tmp/test-repomodel-big.XXXXXX";
	char			*cause = NULL, *x, *y, *cmd;
	size_t			 done = 0, total = 0, i;

	if (mkdtemp(tmpl) == NULL)
		fail_msg("mkdtemp");
	memcpy(saved, repo, sizeof repo);
	xsnprintf(repo, sizeof repo, "%s", tmpl);
	put("common.h", "int shared_fn(int);\n");
	for (i = 0; i < 3000; i++) {
		xsnprintf(path, sizeof path, "d%zu/f%zu.c", i % 30, i);
		xsnprintf(text, sizeof text, "#include \"../common.h\"\n"
		    "int fn_%zu_0(void) { return shared_fn(%zu); }\n"
		    "int fn_%zu_1(void) { return fn_%zu_0(); }\n"
		    "static int fn_%zu_2(int a) { return a + fn_%zu_1(); }\n",
		    i, i, i, i, i, i);
		put(path, text);
	}
	sh("git init -q .");

	rm = open_model(0);
	loop_init();
	if (repomodel_build_async(rm, NULL, on_done, NULL, &cause) != 0)
		fail_msg("async: %s", cause);
	/* Close once some files are done (the loop is not run). */
	while (repomodel_busy(rm, &done, &total) && done < 100)
		usleep(1000);
	repomodel_close(rm);

	rm = open_model(0);
	if (repomodel_build(rm, &st, &cause) != 0)
		fail_msg("build: %s", cause);
	assert_true(st.reused > 0);
	assert_int_equal(st.reused + st.parsed, 3001);
	fresh = open_model(1);
	if (repomodel_build(fresh, NULL, &cause) != 0)
		fail_msg("build: %s", cause);
	x = dump(rm, names, sizeof names / sizeof names[0]);
	y = dump(fresh, names, sizeof names / sizeof names[0]);
	assert_non_null(strstr(x, "def function fn_2999_2 "));
	if (strcmp(x, y) != 0)
		fail_msg("after an interrupted build:\n%.2000s\nfull:\n"
		    "%.2000s", x, y);
	free(x);
	free(y);
	repomodel_close(rm);
	repomodel_close(fresh);

	cmd = xasprintf("rm -rf '%s'", tmpl);
	if (system(cmd) != 0)
		fail_msg("%s", cmd);
	free(cmd);
	memcpy(repo, saved, sizeof repo);
}

static void
stop_loop(void *arg)
{
	loop_exit();
}

/* The watcher's notes are re-parsed from the loop; gone dirs drop files. */
static void
test_watch_changed(void **state)
{
	struct repomodel	*rm = open_model(1);
	struct repomodel_hit	*h;
	char			*cause = NULL;
	size_t			 n;

	loop_init();
	if (repomodel_build(rm, NULL, &cause) != 0)
		fail_msg("build: %s", cause);
	put("pkg/a.py", "def watched_a():\n    pass\n");
	put("pkg/b.py", "def watched_b():\n    pass\n");
	repomodel_watch_changed(rm, "pkg/a.py");
	repomodel_watch_changed(rm, "pkg/b.py");
	repomodel_watch_changed(rm, "pkg/a.py");
	/* Nothing happens before the loop runs. */
	assert_int_equal(repomodel_find_definition(rm, "watched_a", &h), 0);
	loop_timer_add(500, stop_loop, NULL);
	loop_run();
	n = repomodel_find_definition(rm, "watched_a", &h);
	assert_int_equal(n, 1);
	repomodel_hits_free(h, n);
	sh("rm -rf pkg");
	assert_int_equal(repomodel_file_changed(rm, "pkg", &cause), 0);
	assert_int_equal(repomodel_find_definition(rm, "watched_b", &h), 0);
	repomodel_close(rm);
}

static void
test_tools(void **state)
{
	struct repomodel	*rm = open_model(1);
	struct tool_ctx		 ctx;
	struct tool_call	*tc;
	json_t			*in;
	char			*cause = NULL;

	if (repomodel_build(rm, NULL, &cause) != 0)
		fail_msg("build: %s", cause);
	memset(&ctx, 0, sizeof ctx);
	ctx.root = repo;

	in = json_pack("{s:s}", "name", "util_sum");
	tc = tool_call_create("1", "find_definition", in, &ctx);
	assert_non_null(tc->tool);
	assert_true(tc->tool->flags & TOOL_READONLY);
	tc->tool->run(tc);
	assert_true(tc->is_error);
	assert_non_null(strstr(tc->result.buf, "not available"));
	tool_call_free(tc);

	ctx.repomodel = rm;
	tc = tool_call_create("2", "find_definition", in, &ctx);
	tc->tool->run(tc);
	assert_false(tc->is_error);
	assert_non_null(strstr(tc->result.buf, "lib/util.c:3-7: function "
	    "util_sum"));
	tool_call_free(tc);
	tc = tool_call_create("3", "find_references", in, &ctx);
	tc->tool->run(tc);
	assert_non_null(strstr(tc->result.buf, "main.c:8: (call in main) "
	    "return util_sum(origin.x, 1);"));
	tool_call_free(tc);
	json_decref(in);

	in = json_pack("{s:s}", "path", "lib/util.h");
	tc = tool_call_create("4", "file_outline", in, &ctx);
	tc->tool->run(tc);
	assert_non_null(strstr(tc->result.buf, "prototype util_sum"));
	tool_call_free(tc);
	json_decref(in);

	in = json_pack("{s:[s], s:i}", "focus", "tools", "budget_tokens",
	    200);
	tc = tool_call_create("5", "repo_map", in, &ctx);
	tc->tool->run(tc);
	assert_false(tc->is_error);
	assert_ptr_equal(strstr(tc->result.buf, "tools/report.py:"),
	    tc->result.buf);
	tool_call_free(tc);
	json_decref(in);
	in = json_pack("{s:i}", "budget_tokens", 5);
	tc = tool_call_create("6", "repo_map", in, &ctx);
	tc->tool->run(tc);
	assert_true(tc->is_error);
	tool_call_free(tc);
	json_decref(in);
	repomodel_close(rm);
}


/*
 * A central header's types and functions outrank a short name used
 * everywhere; shell variable assignments, locals and tests stay off the
 * top of the map (after Aider's repository map weighting).
 */
static void
test_map_ranking(void **state)
{
	struct repomodel_config	 cfg;
	struct repomodel	*rm;
	char			 tmpl[] = "/tmp/test-repomodel-rank.XXXXXX";
	char			*cause = NULL, *map, *files[8], *cmd, *path;
	char			*body;
	const char		*a, *b;
	struct buf		 text = BUF_INIT;
	int			 i, k;

	if (mkdtemp(tmpl) == NULL)
		fail_msg("mkdtemp");
	put_in(tmpl, "core/object.h", "#ifndef OBJECT_H\n"
	    "#define OBJECT_H\n"
	    "struct object_id {\n\tunsigned char hash[32];\n};\n"
	    "struct repository {\n\tconst char *gitdir;\n};\n"
	    "int repo_read_object(struct repository *repo,\n"
	    "    const struct object_id *oid, char **buf);\n"
	    "const char *object_id_to_hex(const struct object_id *oid);\n"
	    "#endif\n");
	put_in(tmpl, "core/object.c", "#include \"object.h\"\n\n"
	    "int\nrepo_read_object(struct repository *repo, "
	    "const struct object_id *oid, char **buf)\n{\n"
	    "\treturn repo->gitdir != 0 && oid->hash[0] && buf;\n}\n\n"
	    "const char *\nobject_id_to_hex(const struct object_id *oid)\n"
	    "{\n\treturn (const char *)oid->hash;\n}\n");
	/* A short name everyone calls, and file-local noise. */
	put_in(tmpl, "util/ch.c", "int\nch(int c)\n{\n\treturn c;\n}\n\n"
	    "static int err;\n\nstatic int\nnext(int n)\n{\n"
	    "\treturn n + err;\n}\n\nstruct entry {\n\tint n;\n};\n");
	for (i = 0; i < 8; i++) {
		buf_reset(&text);
		buf_addf(&text, "#include \"../core/object.h\"\n\n"
		    "static int\nnext(int n)\n{\n\treturn n + 1;\n}\n\n"
		    "int\ncmd_%d(struct repository *r, int cnt)\n{\n"
		    "\tstruct object_id oid;\n\tchar *buf;\n"
		    "\tint n = 0, err = 0, x = 0;\n\n", i);
		for (k = 0; k < 12; k++)
			buf_addf(&text, "\tn += ch(%d) + next(x) + err + "
			    "cnt;\n", k);
		buf_addf(&text, "\terr = repo_read_object(r, &oid, &buf);\n"
		    "\treturn n + (object_id_to_hex(&oid) != 0) + err;\n}\n");
		path = xasprintf("builtin/cmd%d.c", i);
		put_in(tmpl, path, text.buf);
		free(path);
	}
	/* Test scripts: a helper library and variable assignments. */
	put_in(tmpl, "t/test-lib.sh", "say () {\n\techo \"$@\"\n}\n"
	    "x=zzzz\nn=1000000\n");
	for (i = 0; i < 12; i++) {
		buf_reset(&text);
		buf_addf(&text, "#!/bin/sh\n. ./test-lib.sh\n"
		    "cnt=64\nn=1000000\nx=zzzz\n");
		for (k = 0; k < 10; k++)
			buf_addf(&text, "say \"$n $cnt $x %d\"\n", k);
		path = xasprintf("t/t%04d-case.sh", i);
		put_in(tmpl, path, text.buf);
		free(path);
	}
	cmd = xasprintf("cd '%s' && git init -q . && git add -A && "
	    "git -c user.email=t@example.com -c user.name=T commit -qm one "
	    ">/dev/null 2>&1", tmpl);
	assert_int_equal(system(cmd), 0);
	free(cmd);

	repomodel_config_default(&cfg);
	cfg.no_store = 1;
	if ((rm = repomodel_open(tmpl, &cfg, &cause)) == NULL ||
	    repomodel_build(rm, NULL, &cause) != 0)
		fail_msg("build: %s", cause);
	map = repomodel_map(rm, 100000, NULL, 0);
	body = xstrdup(map);
	map_files(map, files, 2);
	/* The core leads: the header and its implementation. */
	if (strncmp(files[0], "core/", 5) != 0 ||
	    strncmp(files[1], "core/", 5) != 0)
		fail_msg("the core does not lead:\n%s", body);
	a = strstr(body, "struct object_id");
	b = strstr(body, "int ch(int c)");
	assert_non_null(a);
	if (b != NULL && b < a)
		fail_msg("ch() before struct object_id:\n%s", body);
	/* Shell variable assignments are never map entries. */
	if (strstr(body, "n=1000000") != NULL ||
	    strstr(body, "cnt=64") != NULL || strstr(body, "x=zzzz") != NULL)
		fail_msg("shell assignments on the map:\n%s", body);
	/* Static noise and tests come after every core definition. */
	a = strstr(body, "object_id_to_hex");
	assert_non_null(a);
	if ((b = strstr(body, "static int err")) != NULL && b < a)
		fail_msg("a static variable before the core:\n%s", body);
	if ((b = strstr(body, "t/test-lib.sh:")) != NULL && b < a)
		fail_msg("a test helper before the core:\n%s", body);
	free(body);
	free(map);
	repomodel_close(rm);
	buf_release(&text);
	cmd = xasprintf("rm -rf '%s'", tmpl);
	assert_int_equal(system(cmd), 0);
	free(cmd);
}

/*
 * On git's own source (AGENTOS_TEST_GITREPO, default /tmp/corpus/gitrepo:
 * a git repository of git 2.39.5's source; skipped when absent), the top
 * of the map is git's core, and no test script.
 */
static void
test_map_git_tree(void **state)
{
	static const char *core[] = { "cache.h", "object.h", "object-file.c",
	    "repository.h", "refs.h", "strbuf.h", "run-command.h", "hash.h",
	    "object-store.h", "git-compat-util.h", "commit.h", "config.h",
	    "revision.h", "diff.h", NULL };
	struct repomodel_config	 cfg;
	struct repomodel	*rm;
	const char		*dir = getenv("AGENTOS_TEST_GITREPO");
	char			*cause = NULL, *map, *files[16], *probe, *body;
	char			*line, *save;
	size_t			 i, k, ncore = 0;
	struct stat		 sb;

	if (dir == NULL)
		dir = "/tmp/corpus/gitrepo";
	probe = xasprintf("%s/object-file.c", dir);
	if (stat(probe, &sb) != 0) {
		free(probe);
		skip();
	}
	free(probe);
	repomodel_config_default(&cfg);
	cfg.no_store = 1;
	cfg.history_commits = 0;
	if ((rm = repomodel_open(dir, &cfg, &cause)) == NULL ||
	    repomodel_build(rm, NULL, &cause) != 0)
		fail_msg("build: %s", cause);
	map = repomodel_map(rm, 2048, NULL, 0);
	body = xstrdup(map);
	map_files(map, files, 16);
	for (i = 0; i < 16 && files[i] != NULL; i++) {
		if (strncmp(files[i], "t/", 2) == 0)
			fail_msg("a test script near the top:\n%s", body);
		for (k = 0; core[k] != NULL; k++) {
			if (strcmp(files[i], core[k]) == 0)
				ncore++;
		}
	}
	if (ncore < 6)
		fail_msg("%zu core files in the top 16:\n%s", ncore, body);
	/* No shell variable assignment anywhere on the map. */
	for (line = strtok_r(body, "\n", &save); line != NULL;
	    line = strtok_r(NULL, "\n", &save)) {
		const char	*p = strchr(line, ':');

		if (line[0] != ' ' || p == NULL)
			continue;
		for (p += 2; *p == '_' || isalnum((unsigned char)*p); p++)
			/* nothing */;
		if (*p == '=')
			fail_msg("a shell assignment on the map: %s", line);
	}
	free(body);
	free(map);
	repomodel_close(rm);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_build_and_lookups),
		cmocka_unit_test(test_personalised_map),
		cmocka_unit_test(test_map_ranking),
		cmocka_unit_test(test_map_git_tree),
		cmocka_unit_test(test_tools),
		cmocka_unit_test(test_async_build),
		cmocka_unit_test(test_watch_changed),
		cmocka_unit_test(test_close_while_building),
		cmocka_unit_test(test_close_keeps_parsed),
		cmocka_unit_test(test_incremental_equals_rebuild),
	};

	return (cmocka_run_group_tests(tests, setup, teardown));
}
