/*
 * test-lsp.c: LSP framing fed in every split, URI and column conversions,
 * and the client against tests/fake-lsp.py: id matching with interleaved
 * notifications, incremental sync, diagnostics after an edit, and servers
 * that never initialize, crash, flood or write garbage, with no process
 * left behind.
 */
#include <sys/types.h>
#include <sys/wait.h>

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <signal.h>
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
#include "lsp.h"

/* ------------------------------------------------------------------------ */
/* Framing */

static const char two_msgs[] =
    "Content-Length: 17\r\n\r\n{\"jsonrpc\":\"2.0\"}"
    "Content-Type: application/vscode-jsonrpc; charset=utf-8\r\n"
    "content-length:  2 \r\n\r\n[]";

/* Feed data in pieces of size step (0: all at once); collect bodies. */
static int
feed_split(const char *data, size_t len, size_t step, char bodies[][64],
    int max)
{
	struct lsp_framing	 f;
	const char		*msg;
	size_t			 mlen, off = 0, n;
	char			*cause;
	int			 got = 0, rc;

	lsp_framing_init(&f, 1024);
	while (off < len) {
		n = step == 0 ? len : step;
		if (n > len - off)
			n = len - off;
		lsp_framing_feed(&f, data + off, n);
		off += n;
		while ((rc = lsp_framing_next(&f, &msg, &mlen, &cause)) !=
		    LSP_FRAME_MORE) {
			assert_int_equal(rc, LSP_FRAME_MESSAGE);
			assert_true(got < max);
			assert_true(mlen < 64);
			memcpy(bodies[got], msg, mlen);
			bodies[got][mlen] = '\0';
			got++;
		}
	}
	lsp_framing_release(&f);
	return (got);
}

static void
test_framing_byte_by_byte(void **state)
{
	char	b[4][64];
	size_t	step;

	for (step = 0; step <= sizeof two_msgs; step++) {
		assert_int_equal(feed_split(two_msgs, sizeof two_msgs - 1,
		    step, b, 4), 2);
		assert_string_equal(b[0], "{\"jsonrpc\":\"2.0\"}");
		assert_string_equal(b[1], "[]");
	}
}

static void
test_framing_many_per_read(void **state)
{
	struct buf	in = BUF_INIT;
	char		b[40][64];
	int		i, n;

	for (i = 0; i < 30; i++) {
		char body[32];

		xsnprintf(body, sizeof body, "{\"n\":%d}", i);
		lsp_framing_encode(&in, body, strlen(body));
	}
	n = feed_split(in.buf, in.len, 0, b, 40);
	assert_int_equal(n, 30);
	assert_string_equal(b[0], "{\"n\":0}");
	assert_string_equal(b[29], "{\"n\":29}");
	/* Header split across reads at every position, 7 bytes at a time. */
	assert_int_equal(feed_split(in.buf, in.len, 7, b, 40), 30);
	assert_string_equal(b[17], "{\"n\":17}");
	buf_release(&in);
}

static void
test_framing_oversized_skipped(void **state)
{
	struct lsp_framing	 f;
	struct buf		 in = BUF_INIT;
	const char		*msg;
	size_t			 len, i;
	char			*cause = NULL, big[300];
	int			 rc, skipped = 0, got = 0;

	memset(big, 'x', sizeof big);
	big[0] = '"';
	big[sizeof big - 1] = '"';
	lsp_framing_encode(&in, big, sizeof big);
	lsp_framing_encode(&in, "1", 1);
	lsp_framing_init(&f, 100);
	/* Byte by byte: the big body is dropped, never buffered. */
	for (i = 0; i < in.len; i++) {
		lsp_framing_feed(&f, in.buf + i, 1);
		assert_true(f.in.len - f.pos <= 100 + 64);
		while ((rc = lsp_framing_next(&f, &msg, &len, &cause)) !=
		    LSP_FRAME_MORE) {
			if (rc == LSP_FRAME_SKIPPED) {
				assert_non_null(cause);
				free(cause);
				skipped++;
			} else {
				assert_int_equal(rc, LSP_FRAME_MESSAGE);
				assert_int_equal(len, 1);
				assert_memory_equal(msg, "1", 1);
				got++;
			}
		}
	}
	assert_int_equal(skipped, 1);
	assert_int_equal(got, 1);
	lsp_framing_release(&f);
	buf_release(&in);
}

static void
test_framing_garbage(void **state)
{
	static const char *bad[] = {
		"garbage\r\n\r\n{}",
		"Content-Length: x\r\n\r\n{}",
		"Content-Length: -3\r\n\r\n{}",
		"Content-Type: json\r\n\r\n{}",
	};
	struct lsp_framing	 f;
	const char		*msg;
	size_t			 len, i;
	char			*cause = NULL, *junk;

	for (i = 0; i < sizeof bad / sizeof bad[0]; i++) {
		lsp_framing_init(&f, 0);
		lsp_framing_feed(&f, bad[i], strlen(bad[i]));
		assert_int_equal(lsp_framing_next(&f, &msg, &len, &cause),
		    LSP_FRAME_ERROR);
		assert_non_null(cause);
		free(cause);
		lsp_framing_release(&f);
	}
	/* A header that never ends is cut off, not buffered forever. */
	junk = xmalloc(20000);
	memset(junk, 'a', 20000);
	lsp_framing_init(&f, 0);
	lsp_framing_feed(&f, junk, 20000);
	assert_int_equal(lsp_framing_next(&f, &msg, &len, &cause),
	    LSP_FRAME_ERROR);
	free(cause);
	lsp_framing_release(&f);
	free(junk);
}

/* ------------------------------------------------------------------------ */
/* Conversions */

static void
test_uri_and_columns(void **state)
{
	char		*u, *p;
	const char	*line = "a\xc3\xa9" "b\xf0\x9f\x98\x80" "c";

	u = lsp_uri_from_path("/tmp/a b/c%.c");
	assert_string_equal(u, "file:///tmp/a%20b/c%25.c");
	p = lsp_path_from_uri(u);
	assert_string_equal(p, "/tmp/a b/c%.c");
	free(u);
	free(p);
	assert_null(lsp_path_from_uri("http://x/y"));
	/* a=1 unit, e-acute=1, b=1, emoji=2 (surrogates), c */
	assert_int_equal(lsp_col_to_server(line, strlen(line), 3, 0), 2);
	assert_int_equal(lsp_col_to_server(line, strlen(line), 8, 0), 5);
	assert_int_equal(lsp_col_from_server(line, strlen(line), 5, 0), 8);
	assert_int_equal(lsp_col_from_server(line, strlen(line), 5, 1), 5);
	assert_string_equal(lsp_language_id("x/y.py"), "python");
	assert_string_equal(lsp_language_id("x.d/y"), "plaintext");
}

static void
test_conf_override(void **state)
{
	struct config		 cfg;
	struct lsp_server_conf	*list;
	struct lsp_options	 o;
	size_t			 n, i;
	char			*cause = NULL;
	int			 seen = 0;

	assert_int_equal(config_load_string(&cfg,
	    "{\"lsp\":{\"diagnostics_settle_ms\":50,"
	    "\"servers\":{\"clangd\":{\"command\":[\"clangd-15\"]},"
	    "\"zls\":{\"command\":[\"zls\"],\"extensions\":[\"zig\"]}}}}",
	    &cause), 0);
	assert_int_equal(lsp_conf_load(&cfg, &list, &n, &o, &cause), 0);
	assert_int_equal(o.diagnostics_settle_ms, 50);
	assert_int_equal(o.diagnostics_timeout_ms, 4000);
	for (i = 0; i < n; i++) {
		if (strcmp(list[i].name, "clangd") == 0) {
			assert_string_equal(list[i].argv[0], "clangd-15");
			assert_null(list[i].argv[1]);
			assert_true(list[i].nextensions > 2);
			seen++;
		}
		if (strcmp(list[i].name, "zls") == 0)
			seen++;
	}
	assert_int_equal(seen, 2);
	lsp_conf_release(list, n);
	config_release(&cfg);

	assert_int_equal(config_load_string(&cfg, "{\"lsp\":{\"servers\":"
	    "{\"x\":{\"command\":[\"x\"]}}}}", &cause), 0);
	assert_int_equal(lsp_conf_load(&cfg, &list, &n, &o, &cause), -1);
	assert_non_null(strstr(cause, "extensions"));
	free(cause);
	config_release(&cfg);
}

/* ------------------------------------------------------------------------ */
/* WorkspaceEdit application */

static void
test_edit_compute(void **state)
{
	char			 tmp[PATH_MAX], root[PATH_MAX], *p, *uri, *js;
	struct lsp_file_edit	*files;
	size_t			 n;
	json_t			*we;
	json_error_t		 jerr;
	char			*cause = NULL;
	FILE			*f;

	xsnprintf(tmp, sizeof tmp, "/tmp/agentos-edit-XXXXXX");
	assert_non_null(mkdtemp(tmp));
	assert_non_null(realpath(tmp, root));
	p = xasprintf("%s/x.c", root);
	f = fopen(p, "w");
	/* "\xf0\x9f\x98\x80" is two UTF-16 units. */
	fputs("int \xf0\x9f\x98\x80 = foo;\nfoo(foo);\n", f);
	fclose(f);
	uri = lsp_uri_from_path(p);
	js = xasprintf("{\"changes\":{\"%s\":["
	    "{\"range\":{\"start\":{\"line\":1,\"character\":4},"
	    "\"end\":{\"line\":1,\"character\":7}},\"newText\":\"bar\"},"
	    "{\"range\":{\"start\":{\"line\":0,\"character\":9},"
	    "\"end\":{\"line\":0,\"character\":12}},\"newText\":\"bar\"},"
	    "{\"range\":{\"start\":{\"line\":1,\"character\":0},"
	    "\"end\":{\"line\":1,\"character\":3}},\"newText\":\"bar\"}"
	    "]}}", uri);
	we = json_loads(js, 0, &jerr);
	assert_non_null(we);
	assert_int_equal(lsp_edit_compute(root, we, 0, &files, &n, &cause), 0);
	assert_int_equal(n, 1);
	assert_string_equal(files[0].new,
	    "int \xf0\x9f\x98\x80 = bar;\nbar(bar);\n");
	lsp_file_edits_free(files, n);
	json_decref(we);
	free(js);

	/* Overlapping edits are refused. */
	js = xasprintf("{\"documentChanges\":[{\"textDocument\":{\"uri\":"
	    "\"%s\",\"version\":1},\"edits\":["
	    "{\"range\":{\"start\":{\"line\":1,\"character\":0},"
	    "\"end\":{\"line\":1,\"character\":5}},\"newText\":\"a\"},"
	    "{\"range\":{\"start\":{\"line\":1,\"character\":2},"
	    "\"end\":{\"line\":1,\"character\":3}},\"newText\":\"b\"}"
	    "]}]}", uri);
	we = json_loads(js, 0, &jerr);
	assert_int_equal(lsp_edit_compute(root, we, 0, &files, &n, &cause),
	    -1);
	assert_non_null(strstr(cause, "overlapping"));
	free(cause);
	json_decref(we);
	free(js);

	/* Files outside the repository are refused. */
	we = json_loads("{\"changes\":{\"file:///etc/passwd\":[]}}", 0,
	    &jerr);
	assert_int_equal(lsp_edit_compute(root, we, 0, &files, &n, &cause),
	    -1);
	assert_non_null(strstr(cause, "outside the repository"));
	free(cause);
	json_decref(we);

	/* File operations are refused. */
	we = json_loads("{\"documentChanges\":[{\"kind\":\"delete\","
	    "\"uri\":\"file:///x\"}]}", 0, &jerr);
	assert_int_equal(lsp_edit_compute(root, we, 0, &files, &n, &cause),
	    -1);
	assert_non_null(strstr(cause, "delete"));
	free(cause);
	json_decref(we);

	unlink(p);
	rmdir(root);
	free(p);
	free(uri);
}

/* ------------------------------------------------------------------------ */
/* The client against the fake server */

struct fix {
	char			 root[PATH_MAX];
	struct config		 cfg;
	struct lsp_manager	*m;
};

static void
guard_fire(void *arg)
{
	int	*fired = arg;

	*fired = 1;
	loop_exit();
}

/* Run the loop until *flag is set (a 20 s guard against hangs only). */
static void
run_until(int *flag)
{
	struct loop_timer	*t;
	int			 fired = 0;

	while (!*flag && !fired) {
		t = loop_timer_add(20000, guard_fire, &fired);
		loop_run();
		if (!fired)
			loop_timer_cancel(t);
	}
	assert_false(fired);
}

/* Stop the loop at the next iteration. */
static void
stop_soon(void)
{
	loop_exit();
}

/* A timer that just stops the loop. */
static void
tick(void *arg)
{
	loop_exit();
}

static void
fix_open(struct fix *fx, const char *mode, const char *extra)
{
	const char	*srcdir = getenv("top_srcdir");
	char		*json, *cause = NULL;
	int		 noinit;

	if (srcdir == NULL)
		srcdir = ".";
	loop_init();
	xsnprintf(fx->root, sizeof fx->root, "/tmp/agentos-lsp-XXXXXX");
	assert_non_null(mkdtemp(fx->root));
	memset(&fx->cfg, 0, sizeof fx->cfg);
	/*
	 * Timeouts long enough for python3 on a busy machine, except where
	 * the test waits for one to expire (noinit).
	 */
	noinit = strcmp(mode, "noinit") == 0;
	json = xasprintf("{\"lsp\":{\"init_timeout_ms\":%d,"
	    "\"request_timeout_ms\":%d,\"diagnostics_timeout_ms\":%d,"
	    "\"diagnostics_settle_ms\":50,\"shutdown_grace_ms\":500,"
	    "\"max_restarts\":2,\"servers\":{\"fake\":{\"command\":"
	    "[\"python3\",\"%s/tests/fake-lsp.py\",\"--mode\",\"%s\"%s],"
	    "\"extensions\":[\"fake\"],\"settings\":{\"fake\":{\"a\":1}}}}}}",
	    noinit ? 1500 : 30000, noinit ? 5000 : 30000,
	    noinit ? 3000 : 30000, srcdir, mode, extra != NULL ? extra : "");
	assert_int_equal(config_load_string(&fx->cfg, json, &cause), 0);
	free(json);
	fx->m = lsp_manager_create(fx->root, &fx->cfg);
}

static void
fix_close(struct fix *fx)
{
	char	*cmd;

	lsp_manager_free(fx->m);
	config_release(&fx->cfg);
	cmd = xasprintf("rm -rf '%s'", fx->root);
	assert_int_equal(system(cmd), 0);
	free(cmd);
}

static char *
fix_file(struct fix *fx, const char *name, const char *text)
{
	char	*path = xasprintf("%s/%s", fx->root, name);
	FILE	*f = fopen(path, "w");

	assert_non_null(f);
	fputs(text, f);
	fclose(f);
	return (path);
}

struct reply {
	int	 done;
	json_t	*result;
	char	*error;
	int	*order;
	int	 n;
};

static int	reply_seq;

static void
reply_cb(void *arg, json_t *result, int utf8, const char *error)
{
	struct reply	*r = arg;

	r->done = 1;
	r->n = ++reply_seq;
	r->result = result != NULL ? json_incref(result) : NULL;
	r->error = error != NULL ? xstrdup(error) : NULL;
	stop_soon();
}

static void
reply_free(struct reply *r)
{
	json_decref(r->result);
	free(r->error);
	memset(r, 0, sizeof *r);
}

/*
 * Count processes whose AGENTOS_LSP names owner (not zombies) and, unless
 * also is NULL, whose environment has a string starting with also.
 */
static int
count_servers_env(pid_t owner, const char *also)
{
	DIR		*d = opendir("/proc");
	struct dirent	*de;
	char		 path[64], env[65536], stat[512], want[64];
	ssize_t		 n, i;
	int		 fd, count = 0, mine, has;
	char		*p;

	xsnprintf(want, sizeof want, "AGENTOS_LSP=%ld:", (long)owner);
	while ((de = readdir(d)) != NULL) {
		if (de->d_name[0] < '0' || de->d_name[0] > '9')
			continue;
		xsnprintf(path, sizeof path, "/proc/%s/stat", de->d_name);
		if ((fd = open(path, O_RDONLY)) == -1)
			continue;
		n = read(fd, stat, sizeof stat - 1);
		close(fd);
		if (n <= 0)
			continue;
		stat[n] = '\0';
		if ((p = strrchr(stat, ')')) != NULL && p[1] == ' ' &&
		    p[2] == 'Z')
			continue;
		xsnprintf(path, sizeof path, "/proc/%s/environ", de->d_name);
		if ((fd = open(path, O_RDONLY)) == -1)
			continue;
		n = read(fd, env, sizeof env - 1);
		close(fd);
		if (n <= 0)
			continue;
		env[n] = '\0';
		mine = 0;
		has = also == NULL;
		for (i = 0; i < n; i += strlen(env + i) + 1) {
			if (strncmp(env + i, want, strlen(want)) == 0)
				mine = 1;
			if (also != NULL &&
			    strncmp(env + i, also, strlen(also)) == 0)
				has = 1;
		}
		if (mine && has)
			count++;
	}
	closedir(d);
	return (count);
}

/* Count processes whose AGENTOS_LSP names owner (not zombies). */
static int
count_servers(pid_t owner)
{
	return (count_servers_env(owner, NULL));
}

/* Wait (30 s at most) until at least n server processes of owner run. */
static int
servers_at_least(pid_t owner, int n)
{
	int	i;

	for (i = 0; i < 600; i++) {
		if (count_servers(owner) >= n)
			return (1);
		usleep(50000);
	}
	return (0);
}

/* Wait (30 s at most) until the server processes of owner are gone. */
static int
servers_gone(pid_t owner)
{
	int	i;

	for (i = 0; i < 600; i++) {
		if (count_servers(owner) == 0)
			return (1);
		usleep(50000);
	}
	return (0);
}

static void
test_fake_id_matching(void **state)
{
	struct fix	 fx;
	struct reply	 r[3], fl;
	char		*path, *cause = NULL;
	json_t		*p;
	int		 i;

	memset(r, 0, sizeof r);
	memset(&fl, 0, sizeof fl);
	fix_open(&fx, "interleave", NULL);
	path = fix_file(&fx, "a.fake", "one\ntwo\n");
	for (i = 0; i < 3; i++) {
		p = json_pack("{s:i}", "n", i);
		assert_non_null(lsp_file_request(fx.m, path, "test/slow",
		    0, 0, p, reply_cb, &r[i], &cause));
		json_decref(p);
	}
	assert_non_null(lsp_file_request(fx.m, path, "test/flush", 0, 0,
	    NULL, reply_cb, &fl, &cause));
	run_until(&fl.done);
	for (i = 0; i < 3; i++) {
		run_until(&r[i].done);
		assert_null(r[i].error);
		assert_int_equal(json_integer_value(json_object_get(
		    json_object_get(r[i].result, "echo"), "n")), i);
	}
	/* Answered in reverse, each to its own request. */
	assert_true(r[2].n < r[1].n && r[1].n < r[0].n);
	assert_true(r[0].n < fl.n);
	assert_true(json_is_true(json_object_get(fl.result, "flushed")));
	for (i = 0; i < 3; i++)
		reply_free(&r[i]);
	reply_free(&fl);
	free(path);
	fix_close(&fx);
}

/*
 * A server gets the scrubbed environment of commands (sandbox_environ):
 * no provider key, no secret-looking name; the rest stays.
 */
static void
test_fake_env_scrubbed(void **state)
{
	struct fix	 fx;
	struct reply	 r;
	char		*path, *cause = NULL;

	memset(&r, 0, sizeof r);
	setenv("ANTHROPIC_API_KEY", "sk-ant-unit", 1);
	setenv("FOO_TOKEN", "tok-unit", 1);
	setenv("PLAIN_LSP_UNIT", "visible", 1);
	fix_open(&fx, "good", NULL);
	path = fix_file(&fx, "a.fake", "one\n");
	assert_non_null(lsp_file_request(fx.m, path, "textDocument/hover",
	    0, 0, NULL, reply_cb, &r, &cause));
	run_until(&r.done);
	assert_null(r.error);
	assert_int_equal(count_servers_env(getpid(), "PLAIN_LSP_UNIT="), 1);
	assert_int_equal(count_servers_env(getpid(), "FOO_TOKEN="), 0);
	assert_int_equal(count_servers_env(getpid(), "ANTHROPIC_API_KEY="),
	    0);
	reply_free(&r);
	free(path);
	fix_close(&fx);
	unsetenv("ANTHROPIC_API_KEY");
	unsetenv("FOO_TOKEN");
	unsetenv("PLAIN_LSP_UNIT");
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
	stop_soon();
}

static void
test_fake_edit_diagnostics(void **state)
{
	struct fix		 fx;
	struct diag_wait	 dw;
	struct reply		 r;
	char			*path, *cause = NULL;
	const char		*v1 = "int x;\nint y;\n";
	const char		*v2 = "int x;\nint y = ERROR;\nWARN\n";
	const char		*v3 = "int x;\nint y = 2;\nWARN\n";
	int			 e, w;

	fix_open(&fx, "good", NULL);
	path = fix_file(&fx, "a.fake", v1);
	assert_string_equal(lsp_server_for(fx.m, path), "fake");

	memset(&dw, 0, sizeof dw);
	lsp_after_edit(fx.m, path, v1, strlen(v1), diag_cb, &dw);
	run_until(&dw.done);
	assert_null(dw.text);		/* clean file: nothing to say */

	memset(&dw, 0, sizeof dw);
	lsp_after_edit(fx.m, path, v2, strlen(v2), diag_cb, &dw);
	run_until(&dw.done);
	assert_non_null(dw.text);
	assert_non_null(strstr(dw.text, "a.fake:2:9: error: fake error on "
	    "line 2 (new)"));
	assert_non_null(strstr(dw.text, "a.fake:3:1: warning: fake warning"));
	assert_non_null(strstr(dw.text, "1 error, 1 warning"));
	assert_int_equal(lsp_diagnostic_counts(fx.m, path, &e, &w), 0);
	assert_int_equal(e, 1);
	assert_int_equal(w, 1);
	free(dw.text);

	/* Incremental sync: the server's text equals ours. */
	memset(&dw, 0, sizeof dw);
	free(fix_file(&fx, "a.fake", v3));	/* the edit tool writes first */
	lsp_after_edit(fx.m, path, v3, strlen(v3), diag_cb, &dw);
	run_until(&dw.done);
	assert_non_null(dw.text);
	assert_null(strstr(dw.text, "error:"));
	assert_null(strstr(dw.text, "(new)"));
	free(dw.text);
	memset(&r, 0, sizeof r);
	assert_non_null(lsp_file_request(fx.m, path, "test/text", 0, 0, NULL,
	    reply_cb, &r, &cause));
	run_until(&r.done);
	assert_string_equal(json_string_value(r.result), v3);
	reply_free(&r);
	free(path);
	fix_close(&fx);
}

/* Pull diagnostics and full sync, with a server that never publishes. */
static void
test_fake_pull_diagnostics(void **state)
{
	struct fix		 fx;
	struct diag_wait	 dw;
	struct reply		 r;
	char			*path, *cause = NULL;
	const char		*v1 = "ok\n";
	const char		*v2 = "ok\nERROR here\n";

	fix_open(&fx, "pull", NULL);
	path = fix_file(&fx, "p.fake", v1);
	memset(&dw, 0, sizeof dw);
	lsp_after_edit(fx.m, path, v1, strlen(v1), diag_cb, &dw);
	run_until(&dw.done);
	assert_null(dw.text);
	free(fix_file(&fx, "p.fake", v2));
	memset(&dw, 0, sizeof dw);
	lsp_after_edit(fx.m, path, v2, strlen(v2), diag_cb, &dw);
	run_until(&dw.done);
	assert_non_null(dw.text);
	assert_non_null(strstr(dw.text, "p.fake:2:1: error: fake error on "
	    "line 2 (new)"));
	free(dw.text);
	memset(&r, 0, sizeof r);
	assert_non_null(lsp_file_request(fx.m, path, "test/text", 0, 0, NULL,
	    reply_cb, &r, &cause));
	run_until(&r.done);
	assert_string_equal(json_string_value(r.result), v2);
	reply_free(&r);
	free(path);
	fix_close(&fx);
}

/* The synchronous rename (for previews) drives a cold start itself. */
static void
test_fake_rename_sync_cold(void **state)
{
	struct fix	 fx;
	char		*path, *cause = NULL;
	json_t		*res;
	int		 utf8 = -1;

	fix_open(&fx, "good", NULL);
	path = fix_file(&fx, "r.fake", "abc def\n");
	res = lsp_rename_sync(fx.m, path, 1, 5, "xyz", 5000, &utf8, &cause);
	if (res == NULL)
		fail_msg("rename: %s", cause);
	assert_string_equal(json_string_value(json_object_get(res, "method")),
	    "textDocument/rename");
	assert_int_equal(json_integer_value(json_object_get(json_object_get(
	    json_object_get(res, "params"), "position"), "character")), 4);
	assert_string_equal(json_string_value(json_object_get(json_object_get(
	    res, "params"), "newName")), "xyz");
	assert_int_equal(utf8, 0);
	json_decref(res);
	free(path);
	fix_close(&fx);
}

/* Run the shutdown to completion. */
static void
shutdown_done(void *arg)
{
	*(int *)arg = 1;
	stop_soon();
}

static void
test_fake_graceful_shutdown(void **state)
{
	struct fix	 fx;
	struct reply	 r;
	char		*path, *cause = NULL;
	int		 done = 0;
	struct lsp_status *st;
	size_t		 n;

	fix_open(&fx, "good", ",\"--child\"");
	path = fix_file(&fx, "a.fake", "x\n");
	memset(&r, 0, sizeof r);
	assert_non_null(lsp_file_request(fx.m, path, "textDocument/hover", 1,
	    1, NULL, reply_cb, &r, &cause));
	run_until(&r.done);
	assert_null(r.error);
	lsp_status_list(fx.m, &st, &n);
	assert_int_equal(n, 1);
	assert_string_equal(st[0].name, "fake");
	assert_int_equal(st[0].state, LSP_READY);
	assert_true(st[0].pid > 0);
	lsp_status_free(st, n);
	/* The server and its grandchild (which ignores SIGTERM) run. */
	assert_true(servers_at_least(getpid(), 2));
	lsp_manager_shutdown(fx.m, shutdown_done, &done);
	run_until(&done);
	assert_true(servers_gone(getpid()));
	reply_free(&r);
	free(path);
	fix_close(&fx);
}

/* The fake never answers initialize: requests fail, it ends broken. */
static void
test_fake_noinit(void **state)
{
	struct fix		 fx;
	struct reply		 r;
	struct diag_wait	 dw;
	char			*path, *cause = NULL;
	struct lsp_status	*st;
	size_t			 n;

	fix_open(&fx, "noinit", NULL);
	path = fix_file(&fx, "a.fake", "x\n");
	memset(&r, 0, sizeof r);
	assert_non_null(lsp_file_request(fx.m, path, "textDocument/hover", 1,
	    1, NULL, reply_cb, &r, &cause));
	run_until(&r.done);
	assert_non_null(r.error);
	reply_free(&r);
	/* Each restart times out too; after max_restarts it is broken. */
	for (;;) {
		lsp_status_list(fx.m, &st, &n);
		assert_int_equal(n, 1);
		if (st[0].state == LSP_BROKEN) {
			assert_non_null(strstr(st[0].error, "initialize"));
			lsp_status_free(st, n);
			break;
		}
		lsp_status_free(st, n);
		memset(&dw, 0, sizeof dw);
		lsp_after_edit(fx.m, path, "y\n", 2, diag_cb, &dw);
		run_until(&dw.done);
		free(dw.text);
	}
	/* The agent is told once, and then goes on without it. */
	memset(&dw, 0, sizeof dw);
	lsp_after_edit(fx.m, path, "z\n", 2, diag_cb, &dw);
	run_until(&dw.done);
	assert_non_null(dw.text);
	assert_non_null(strstr(dw.text, "broken"));
	free(dw.text);
	memset(&dw, 0, sizeof dw);
	lsp_after_edit(fx.m, path, "w\n", 2, diag_cb, &dw);
	run_until(&dw.done);
	assert_null(dw.text);
	assert_null(lsp_file_request(fx.m, path, "textDocument/hover", 1, 1,
	    NULL, reply_cb, &r, &cause));
	assert_non_null(strstr(cause, "broken"));
	free(cause);
	assert_null(lsp_server_for(fx.m, path));
	assert_true(servers_gone(getpid()));
	free(path);
	fix_close(&fx);
}

/* Crash mid-request: the request fails, the server comes back. */
static void
test_fake_crash_restart(void **state)
{
	struct fix		 fx;
	struct reply		 r;
	char			*path, *cause = NULL;
	struct lsp_status	*st;
	size_t			 n;
	int			 restarted = 0, i;

	fix_open(&fx, "crash", NULL);
	path = fix_file(&fx, "a.fake", "x\n");
	for (i = 0; i < 2; i++) {
		memset(&r, 0, sizeof r);
		assert_non_null(lsp_file_request(fx.m, path,
		    "textDocument/hover", 1, 1, NULL, reply_cb, &r, &cause));
		run_until(&r.done);
		assert_non_null(r.error);
		if (strstr(r.error, "exited") == NULL)
			fail_msg("error: %s", r.error);
		reply_free(&r);
		lsp_status_list(fx.m, &st, &n);
		if (st[0].state == LSP_RESTARTING || st[0].restarts > 0)
			restarted = 1;
		lsp_status_free(st, n);
		/* Let the restart happen. */
		while (1) {
			lsp_status_list(fx.m, &st, &n);
			if (st[0].state != LSP_RESTARTING) {
				lsp_status_free(st, n);
				break;
			}
			lsp_status_free(st, n);
			r.done = 0;
			loop_timer_add(100, tick, NULL);
			loop_run();
		}
	}
	assert_true(restarted);
	free(path);
	fix_close(&fx);
	assert_true(servers_gone(getpid()));
}

/* A flood of notifications does not stop requests being answered. */
static void
test_fake_flood(void **state)
{
	struct fix	 fx;
	struct reply	 r;
	char		*path, *cause = NULL;
	int		 i;

	fix_open(&fx, "flood", NULL);
	path = fix_file(&fx, "a.fake", "x\n");
	for (i = 0; i < 20; i++) {
		memset(&r, 0, sizeof r);
		assert_non_null(lsp_file_request(fx.m, path,
		    "textDocument/hover", 1, 1, NULL, reply_cb, &r, &cause));
		run_until(&r.done);
		assert_null(r.error);
		assert_string_equal(json_string_value(json_object_get(
		    r.result, "method")), "textDocument/hover");
		reply_free(&r);
	}
	free(path);
	fix_close(&fx);
	assert_true(servers_gone(getpid()));
}

/* Garbage framing: the server is dropped and reported. */
static void
test_fake_garbage(void **state)
{
	struct fix		 fx;
	struct reply		 r;
	char			*path, *cause = NULL;
	struct lsp_status	*st;
	size_t			 n;

	fix_open(&fx, "garbage", NULL);
	path = fix_file(&fx, "a.fake", "x\n");
	memset(&r, 0, sizeof r);
	assert_non_null(lsp_file_request(fx.m, path, "textDocument/hover", 1,
	    1, NULL, reply_cb, &r, &cause));
	run_until(&r.done);
	assert_non_null(r.error);
	assert_non_null(strstr(r.error, "framing"));
	reply_free(&r);
	lsp_status_list(fx.m, &st, &n);
	assert_non_null(st[0].error);
	assert_non_null(strstr(st[0].error, "framing"));
	lsp_status_free(st, n);
	free(path);
	fix_close(&fx);
	assert_true(servers_gone(getpid()));
}

/*
 * agentos killed with SIGKILL: its guard ends the server and the
 * grandchild that ignores SIGTERM.  Also a server that ignores SIGTERM
 * and EOF when agentos exits normally.
 */
static void
run_child(int how)
{
	struct fix	 fx;
	struct reply	 r;
	char		*path, *cause = NULL;

	fix_open(&fx, "good", how == 0 ? ",\"--child\"" :
	    ",\"--child\",\"--ignore-term\"");
	path = fix_file(&fx, "a.fake", "x\n");
	memset(&r, 0, sizeof r);
	if (lsp_file_request(fx.m, path, "textDocument/hover", 1, 1, NULL,
	    reply_cb, &r, &cause) == NULL)
		_exit(2);
	run_until(&r.done);
	if (r.error != NULL || !servers_at_least(getpid(), 2))
		_exit(3);
	if (how == 0)
		kill(getpid(), SIGKILL);
	fix_close(&fx);
	_exit(0);
}

static void
test_no_orphans(void **state)
{
	pid_t	pid;
	int	status, how;

	for (how = 0; how < 2; how++) {
		pid = fork();
		assert_true(pid >= 0);
		if (pid == 0)
			run_child(how);
		assert_int_equal(waitpid(pid, &status, 0), pid);
		if (WIFEXITED(status) && WEXITSTATUS(status) != 0)
			print_error("child %d exited %d\n", how,
			    WEXITSTATUS(status));
		if (how == 0) {
			assert_true(WIFSIGNALED(status));
			assert_int_equal(WTERMSIG(status), SIGKILL);
		} else {
			assert_true(WIFEXITED(status));
			assert_int_equal(WEXITSTATUS(status), 0);
		}
		assert_true(servers_gone(pid));
	}
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_framing_byte_by_byte),
		cmocka_unit_test(test_framing_many_per_read),
		cmocka_unit_test(test_framing_oversized_skipped),
		cmocka_unit_test(test_framing_garbage),
		cmocka_unit_test(test_uri_and_columns),
		cmocka_unit_test(test_conf_override),
		cmocka_unit_test(test_edit_compute),
		cmocka_unit_test(test_fake_id_matching),
		cmocka_unit_test(test_fake_env_scrubbed),
		cmocka_unit_test(test_fake_edit_diagnostics),
		cmocka_unit_test(test_fake_pull_diagnostics),
		cmocka_unit_test(test_fake_rename_sync_cold),
		cmocka_unit_test(test_fake_graceful_shutdown),
		cmocka_unit_test(test_fake_noinit),
		cmocka_unit_test(test_fake_crash_restart),
		cmocka_unit_test(test_fake_flood),
		cmocka_unit_test(test_fake_garbage),
		cmocka_unit_test(test_no_orphans),
	};

	signal(SIGPIPE, SIG_IGN);
	if (getenv("TEST_FILTER") != NULL)
		cmocka_set_test_filter(getenv("TEST_FILTER"));
	return (cmocka_run_group_tests(tests, NULL, NULL));
}
