/*
 * test-lsp-clangd.c: the client against a real clangd on a small C project
 * with compile_flags.txt: an edit that introduces a type error yields the
 * diagnostic; definition and references give the right locations; rename
 * changes both files.  Then pyright on a Python fixture: from PATH, or
 * installed from npm into tests/.pyright when it can be (skipped when it
 * cannot).  Skips (77) when clangd is missing.
 *
 * The tools are exercised through their tool_entry with small stand-ins for
 * tool.c, path.c and diff.c, defined weak so the real ones win once linked.
 */
#include <sys/stat.h>

#include <limits.h>
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <signal.h>
#include <unistd.h>
#include <cmocka.h>

#include "agentos.h"
#include "lsp.h"

/* ------------------------------------------------------------------------ */
/* Stand-ins (weak) for what other subsystems provide */

__attribute__((weak)) void
tool_result_set(struct tool_call *tc, const char *text, size_t len,
    int is_error)
{
	buf_reset(&tc->result);
	buf_add(&tc->result, text, len);
	tc->is_error = is_error;
}

__attribute__((weak)) void
tool_result_setf(struct tool_call *tc, int is_error, const char *fmt, ...)
{
	va_list	ap;

	buf_reset(&tc->result);
	va_start(ap, fmt);
	buf_vaddf(&tc->result, fmt, ap);
	va_end(ap);
	tc->is_error = is_error;
}

__attribute__((weak)) void
tool_call_finish(struct tool_call *tc)
{
	if (tc->done != NULL)
		tc->done(tc, tc->done_arg);
}

__attribute__((weak)) void
tool_call_add_path(struct tool_call *tc, const char *rel)
{
	ALLOC_GROW(tc->paths, tc->npaths + 1, tc->apaths);
	tc->paths[tc->npaths++] = xstrdup(rel);
}

__attribute__((weak)) int
path_resolve(const char *root, const char *path, char **out, char **rel,
    char **cause)
{
	*out = path[0] == '/' ? xstrdup(path) : xasprintf("%s/%s", root,
	    path);
	*rel = xstrdup(*out + strlen(root) + 1);
	return (0);
}

__attribute__((weak)) int
diff_buffers(const char *path, const char *old, size_t oldlen,
    const char *new, size_t newlen, struct buf *out, int *added,
    int *removed, char **cause)
{
	buf_addf(out, "--- a/%s\n+++ b/%s\n", path, path);
	buf_add(out, new, newlen);
	*added = *removed = 0;
	return (0);
}

/* ------------------------------------------------------------------------ */

static const char b_h[] =
    "#ifndef B_H\n#define B_H\nint add_numbers(int a, int b);\n#endif\n";
static const char b_c[] =
    "#include \"b.h\"\n\nint\nadd_numbers(int a, int b)\n{\n"
    "\treturn a + b;\n}\n";
static const char a_c[] =
    "#include \"b.h\"\n\nint\nmain(void)\n{\n"
    "\tint r = add_numbers(1, 2);\n\treturn r;\n}\n";
/* The edit: too few arguments is an error in any C dialect. */
static const char a_c_bad[] =
    "#include \"b.h\"\n\nint\nmain(void)\n{\n"
    "\tint r = add_numbers(1);\n\treturn r;\n}\n";

struct fix {
	char			 root[PATH_MAX];
	struct config		 cfg;
	struct lsp_manager	*m;
	struct tool_ctx		 ctx;
};

static void
guard_fire(void *arg)
{
	*(int *)arg = 1;
	loop_exit();
}

/* Run the loop until *flag (a 60 s guard against hangs only). */
static void
run_until(int *flag)
{
	struct loop_timer	*t;
	int			 fired = 0;

	while (!*flag && !fired) {
		t = loop_timer_add(60000, guard_fire, &fired);
		loop_run();
		if (!fired)
			loop_timer_cancel(t);
	}
	assert_false(fired);
}

static char *
put(const char *root, const char *name, const char *text)
{
	char	*path = xasprintf("%s/%s", root, name);
	FILE	*f = fopen(path, "w");

	assert_non_null(f);
	fputs(text, f);
	fclose(f);
	return (path);
}

static char *
slurp(const char *path)
{
	FILE		*f = fopen(path, "r");
	struct buf	 b = BUF_INIT;
	char		 chunk[4096];
	size_t		 n;

	assert_non_null(f);
	while ((n = fread(chunk, 1, sizeof chunk, f)) > 0)
		buf_add(&b, chunk, n);
	fclose(f);
	return (buf_detach(&b, NULL));
}

static int
setup(void **state)
{
	struct fix	*fx = xcalloc(1, sizeof *fx);
	char		 tmp[PATH_MAX], *cause = NULL;

	loop_init();
	xsnprintf(tmp, sizeof tmp, "/tmp/agentos-clangd-XXXXXX");
	assert_non_null(mkdtemp(tmp));
	/* Canonical, as clangd reports it. */
	assert_non_null(realpath(tmp, fx->root));
	free(put(fx->root, "compile_flags.txt", "-std=c11\n-Wall\n"));
	free(put(fx->root, "b.h", b_h));
	free(put(fx->root, "b.c", b_c));
	free(put(fx->root, "a.c", a_c));
	assert_int_equal(config_load_string(&fx->cfg,
	    "{\"lsp\":{\"diagnostics_timeout_ms\":"
	    "30000,\"diagnostics_settle_ms\":200}}", &cause), 0);
	fx->m = lsp_manager_create(fx->root, &fx->cfg);
	fx->ctx.root = fx->root;
	fx->ctx.lsp = fx->m;
	fx->ctx.cfg = &fx->cfg;
	*state = fx;
	return (0);
}

static int
teardown(void **state)
{
	struct fix	*fx = *state;
	char		*cmd;

	lsp_manager_free(fx->m);
	config_release(&fx->cfg);
	cmd = xasprintf("rm -rf '%s'", fx->root);
	assert_int_equal(system(cmd), 0);
	free(cmd);
	free(fx);
	return (0);
}

struct diag_wait {
	int	 done;
	char	*text;
};

static void
diag_cb(void *arg, const char *text)
{
	struct diag_wait	*dw = arg;

	dw->done = 1;
	dw->text = text != NULL ? xstrdup(text) : NULL;
	loop_exit();
}

static void
test_edit_type_error(void **state)
{
	struct fix		*fx = *state;
	struct diag_wait	 dw = { 0, NULL };
	char			*path;
	int			 e, w;

	path = xasprintf("%s/a.c", fx->root);
	/* Clean first: nothing to report. */
	lsp_after_edit(fx->m, path, a_c, strlen(a_c), diag_cb, &dw);
	run_until(&dw.done);
	assert_null(dw.text);

	free(put(fx->root, "a.c", a_c_bad));
	memset(&dw, 0, sizeof dw);
	lsp_after_edit(fx->m, path, a_c_bad, strlen(a_c_bad), diag_cb, &dw);
	run_until(&dw.done);
	assert_non_null(dw.text);
	print_message("%s", dw.text);
	assert_non_null(strstr(dw.text, "a.c:6:"));
	assert_non_null(strstr(dw.text, "error: Too few arguments"));
	assert_int_equal(lsp_diagnostic_counts(fx->m, path, &e, &w), 0);
	assert_true(e >= 1);
	free(dw.text);

	/* Fixed again: the agent hears the errors are gone. */
	free(put(fx->root, "a.c", a_c));
	memset(&dw, 0, sizeof dw);
	lsp_after_edit(fx->m, path, a_c, strlen(a_c), diag_cb, &dw);
	run_until(&dw.done);
	assert_non_null(dw.text);
	assert_non_null(strstr(dw.text, "no errors or warnings"));
	free(dw.text);
	free(path);
}

/* Run a tool call to completion. */
struct tool_wait {
	int	done;
};

static void
tool_done(struct tool_call *tc, void *arg)
{
	((struct tool_wait *)arg)->done = 1;
	loop_exit();
}

static void
run_tool(struct fix *fx, const struct tool_entry *te, const char *json,
    struct tool_call *tc)
{
	struct tool_wait	tw = { 0 };
	json_error_t		jerr;

	memset(tc, 0, sizeof *tc);
	buf_init(&tc->result, 0);
	tc->tool = te;
	tc->ctx = &fx->ctx;
	tc->input = json_loads(json, 0, &jerr);
	assert_non_null(tc->input);
	tc->done = tool_done;
	tc->done_arg = &tw;
	if (te->run(tc) == 1)
		run_until(&tw.done);
	print_message("%s: %s", te->name, tc->result.buf);
}

static void
tool_release(struct tool_call *tc)
{
	size_t	i;

	json_decref(tc->input);
	buf_release(&tc->result);
	for (i = 0; i < tc->npaths; i++)
		free(tc->paths[i]);
	free(tc->paths);
}

static void
test_definition_references(void **state)
{
	struct fix		*fx = *state;
	struct tool_call	 tc;

	/* By symbol: the call in a.c leads to the declaration in b.h. */
	run_tool(fx, &tool_lsp_definition, "{\"path\":\"a.c\",\"line\":6,"
	    "\"symbol\":\"add_numbers\"}", &tc);
	assert_false(tc.is_error);
	assert_non_null(strstr(tc.result.buf, "b.h:3:5: int add_numbers"));
	tool_release(&tc);

	/* By position: in b.c, the definition is at its own line. */
	run_tool(fx, &tool_lsp_definition, "{\"path\":\"b.c\",\"line\":4,"
	    "\"column\":1}", &tc);
	assert_false(tc.is_error);
	assert_non_null(strstr(tc.result.buf, "b."));
	tool_release(&tc);

	/* References from the header: declaration, definition and call. */
	run_tool(fx, &tool_lsp_references, "{\"path\":\"b.h\",\"line\":3,"
	    "\"symbol\":\"add_numbers\"}", &tc);
	assert_false(tc.is_error);
	assert_non_null(strstr(tc.result.buf, "b.h:3:5:"));
	assert_non_null(strstr(tc.result.buf, "a.c:6:10:"));
	tool_release(&tc);

	run_tool(fx, &tool_lsp_hover, "{\"path\":\"a.c\",\"line\":6,"
	    "\"column\":10}", &tc);
	assert_false(tc.is_error);
	assert_non_null(strstr(tc.result.buf, "int add_numbers(int a, int b)"));
	tool_release(&tc);

	run_tool(fx, &tool_lsp_document_symbols, "{\"path\":\"b.c\"}", &tc);
	assert_false(tc.is_error);
	assert_non_null(strstr(tc.result.buf, "function add_numbers (line 4)"));
	tool_release(&tc);
}

static void
test_rename_two_files(void **state)
{
	struct fix		*fx = *state;
	struct tool_call	 tc;
	struct buf		 preview = BUF_INIT;
	json_t			*input;
	json_error_t		 jerr;
	char			*cause = NULL, *text, *path;

	/* clangd renames across the files it has open (no index with
	   compile_flags.txt); the agent has read them. */
	path = xasprintf("%s/b.c", fx->root);
	lsp_file_read(fx->m, path, b_c, strlen(b_c));
	free(path);
	path = xasprintf("%s/b.h", fx->root);
	lsp_file_read(fx->m, path, b_h, strlen(b_h));
	free(path);

	input = json_loads("{\"path\":\"a.c\",\"line\":6,\"symbol\":"
	    "\"add_numbers\",\"new_name\":\"sum\"}", 0, &jerr);
	if (tool_lsp_rename.preview(&fx->ctx, input, &preview, &cause) != 0)
		fail_msg("preview: %s", cause);
	assert_non_null(strstr(preview.buf, "+++ b/a.c"));
	assert_non_null(strstr(preview.buf, "+++ b/b.c"));
	assert_non_null(strstr(preview.buf, "+++ b/b.h"));
	buf_release(&preview);
	run_tool(fx, &tool_lsp_rename, "{\"path\":\"a.c\",\"line\":6,"
	    "\"symbol\":\"add_numbers\",\"new_name\":\"sum\"}", &tc);
	assert_false(tc.is_error);
	assert_int_equal(tc.npaths, 3);
	tool_release(&tc);
	json_decref(input);

	path = xasprintf("%s/a.c", fx->root);
	text = slurp(path);
	assert_non_null(strstr(text, "int r = sum(1, 2);"));
	free(text);
	free(path);
	path = xasprintf("%s/b.c", fx->root);
	text = slurp(path);
	assert_non_null(strstr(text, "\nsum(int a, int b)\n"));
	assert_null(strstr(text, "add_numbers"));
	free(text);
	free(path);
}

static void
test_workspace_symbols(void **state)
{
	struct fix		*fx = *state;
	struct tool_call	 tc;

	run_tool(fx, &tool_lsp_workspace_symbols, "{\"query\":\"add_num\"}",
	    &tc);
	assert_false(tc.is_error);
	assert_non_null(strstr(tc.result.buf, "add_numbers"));
	tool_release(&tc);
}

/* pyright, when installed: a type error in a Python file. */
static void
test_pyright(void **state)
{
	struct fix		 fx;
	struct diag_wait	 dw = { 0, NULL };
	char			*bin, *path, *cmd, *dir, tmp[PATH_MAX];
	char			*cause = NULL;
	static const char	 py[] = "def f(x: int) -> int:\n"
	    "    return x\n\nf(\"no\")\n";

	if ((bin = lsp_which("pyright-langserver")) == NULL) {
		/* Install it from npm once into the build tree, if we can. */
		dir = xasprintf("%s/tests/.pyright", getenv("top_builddir") !=
		    NULL ? getenv("top_builddir") : ".");
		bin = xasprintf("%s/node_modules/.bin/pyright-langserver",
		    dir);
		if (access(bin, X_OK) != 0) {
			cmd = xasprintf("command -v npm >/dev/null && timeout "
			    "300 npm install --no-audit --no-fund --silent "
			    "--prefix '%s' pyright >/dev/null 2>&1", dir);
			if (system(cmd) != 0 || access(bin, X_OK) != 0) {
				free(cmd);
				free(bin);
				free(dir);
				skip();
			}
			free(cmd);
		}
		cmd = xasprintf("%s/node_modules/.bin:%s", dir,
		    getenv("PATH") != NULL ? getenv("PATH") : "/usr/bin:/bin");
		setenv("PATH", cmd, 1);
		free(cmd);
		free(dir);
	}
	free(bin);
	memset(&fx, 0, sizeof fx);
	xsnprintf(tmp, sizeof tmp, "/tmp/agentos-pyright-XXXXXX");
	assert_non_null(mkdtemp(tmp));
	assert_non_null(realpath(tmp, fx.root));
	free(put(fx.root, "pyproject.toml", "[project]\nname = \"t\"\n"));
	path = put(fx.root, "t.py", py);
	assert_int_equal(config_load_string(&fx.cfg,
	    "{\"lsp\":{\"diagnostics_timeout_ms\":60000}}", &cause), 0);
	fx.m = lsp_manager_create(fx.root, &fx.cfg);
	lsp_after_edit(fx.m, path, py, strlen(py), diag_cb, &dw);
	run_until(&dw.done);
	assert_non_null(dw.text);
	print_message("%s", dw.text);
	assert_non_null(strstr(dw.text, "t.py:4:"));
	assert_non_null(strstr(dw.text, "error:"));
	free(dw.text);
	free(path);
	lsp_manager_free(fx.m);
	config_release(&fx.cfg);
	cmd = xasprintf("rm -rf '%s'", fx.root);
	assert_int_equal(system(cmd), 0);
	free(cmd);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_edit_type_error),
		cmocka_unit_test(test_definition_references),
		cmocka_unit_test(test_workspace_symbols),
		cmocka_unit_test(test_rename_two_files),
	};
	const struct CMUnitTest py[] = {
		cmocka_unit_test(test_pyright),
	};
	char	*bin;
	int	 rc;

	signal(SIGPIPE, SIG_IGN);
	if ((bin = lsp_which("clangd")) == NULL) {
		fprintf(stderr, "SKIP: clangd not found\n");
		return (77);
	}
	free(bin);
	rc = cmocka_run_group_tests_name("clangd", tests, setup, teardown);
	rc |= cmocka_run_group_tests_name("pyright", py, NULL, NULL);
	return (rc);
}
