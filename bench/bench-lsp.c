/*
 * bench-lsp.c: what language servers cost agentos.
 *
 *   bench-lsp clangd [N]     edit-to-diagnostics time with clangd on a small
 *                            C project (N edits, alternating a type error
 *                            and its fix), and the part agentos itself adds
 *   bench-lsp memory SCRIPT  agentos's resident memory with three fake
 *                            servers (SCRIPT is tests/fake-lsp.py) attached,
 *                            each with 50 open files, then while one floods
 *
 * The settle time is set to 0 for the latency run, so the figure is the
 * server's own time plus the client's; the settle time (300 ms by default)
 * is a deliberate wait added on top and is reported apart.
 */
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <signal.h>
#include <time.h>
#include <unistd.h>

#include "agentos.h"
#include "lsp.h"
#include "banned.h"

static int	bench_done;
static char	*bench_text;

static void
bench_cb(void *arg, const char *text)
{
	bench_done = 1;
	free(bench_text);
	bench_text = text != NULL ? xstrdup(text) : NULL;
	loop_exit();
}

static void
bench_tick(void *arg)
{
	loop_exit();
}

static void
bench_put(const char *path, const char *text)
{
	FILE	*f = fopen(path, "w");

	if (f == NULL)
		fatalx("%s", path);
	fputs(text, f);
	fclose(f);
}

static int
bench_cmp(const void *a, const void *b)
{
	uint64_t	x = *(const uint64_t *)a, y = *(const uint64_t *)b;

	return (x < y ? -1 : x > y);
}

/* Resident set size in KiB. */
static long
bench_rss(void)
{
	FILE	*f = fopen("/proc/self/status", "r");
	char	 line[256];
	long	 kb = -1;

	if (f == NULL)
		return (-1);
	while (fgets(line, sizeof line, f) != NULL) {
		if (strncmp(line, "VmRSS:", 6) == 0)
			kb = atol(line + 6);
	}
	fclose(f);
	return (kb);
}

static void
bench_wait(void)
{
	while (!bench_done)
		loop_run();
}

static int
bench_clangd(int n)
{
	char			 tmp[PATH_MAX], root[PATH_MAX], *path, *p;
	struct config		 cfg;
	struct lsp_manager	*m;
	struct lsp_stats	 s0, s1;
	char			*cause = NULL;
	uint64_t		*ms, t0;
	struct buf		 good = BUF_INIT, bad = BUF_INIT;
	int			 i, k, found = 0;

	xsnprintf(tmp, sizeof tmp, "/tmp/agentos-bench-XXXXXX");
	if (mkdtemp(tmp) == NULL || realpath(tmp, root) == NULL)
		fatalx("mkdtemp");
	p = xasprintf("%s/compile_flags.txt", root);
	bench_put(p, "-std=c11\n-Wall\n");
	free(p);
	p = xasprintf("%s/util.h", root);
	bench_put(p, "int util_add(int, int);\nint util_mul(int, int);\n");
	free(p);
	/* A few hundred lines, like a small module. */
	for (k = 0; k < 2; k++) {
		struct buf *b = k == 0 ? &good : &bad;

		buf_adds(b, "#include <stdio.h>\n#include <string.h>\n"
		    "#include \"util.h\"\n\n");
		for (i = 0; i < 60; i++)
			buf_addf(b, "static int\nf%d(int x)\n{\n\tint y = "
			    "util_add(x, %d);\n\treturn util_mul(y, 2);\n}\n\n",
			    i, i);
		buf_addf(b, "int\nmain(void)\n{\n\tprintf(\"%%d\\n\", "
		    "f1(%s));\n\treturn 0;\n}\n", k == 0 ? "1" : "1, 2");
	}
	path = xasprintf("%s/main.c", root);
	bench_put(path, good.buf);

	memset(&cfg, 0, sizeof cfg);
	if (config_load_string(&cfg, "{\"lsp\":{\"diagnostics_settle_ms\":0,"
	    "\"diagnostics_timeout_ms\":30000}}", &cause) != 0)
		fatalx("config: %s", cause);
	m = lsp_manager_create(root, &cfg);
	/* Warm up: start clangd and build the preamble. */
	t0 = loop_now_ms();
	bench_done = 0;
	lsp_after_edit(m, path, good.buf, good.len, bench_cb, NULL);
	bench_wait();
	printf("clangd start and first diagnostics: %llu ms\n",
	    (unsigned long long)(loop_now_ms() - t0));

	ms = xcalloc(n, sizeof *ms);
	lsp_manager_stats(m, &s0);
	for (i = 0; i < n; i++) {
		struct buf *b = i % 2 == 0 ? &bad : &good;
		struct timespec a, z;

		bench_put(path, b->buf);
		bench_done = 0;
		clock_gettime(CLOCK_MONOTONIC, &a);
		lsp_after_edit(m, path, b->buf, b->len, bench_cb, NULL);
		bench_wait();
		clock_gettime(CLOCK_MONOTONIC, &z);
		ms[i] = (uint64_t)(z.tv_sec - a.tv_sec) * 1000000 +
		    (z.tv_nsec - a.tv_nsec) / 1000;
		if (i % 2 == 0 && bench_text != NULL &&
		    strstr(bench_text, "main.c:") != NULL)
			found++;
	}
	lsp_manager_stats(m, &s1);
	qsort(ms, n, sizeof *ms, bench_cmp);
	printf("edit to diagnostics (%d edits, %zu-byte file, settle 0): "
	    "median %.1f ms, p90 %.1f ms, min %.1f ms, max %.1f ms\n", n,
	    good.len, ms[n / 2] / 1000.0, ms[n * 9 / 10] / 1000.0,
	    ms[0] / 1000.0, ms[n - 1] / 1000.0);
	printf("edits whose diagnostic was reported: %d of %d\n", found,
	    (n + 1) / 2);
	printf("agentos's own cost per edit: send %.3f ms (%llu messages), "
	    "receive %.3f ms (%llu reads, %llu messages, max read %.3f ms)\n",
	    (double)(s1.send_ns - s0.send_ns) / n / 1e6,
	    (unsigned long long)(s1.sends - s0.sends),
	    (double)(s1.recv_ns - s0.recv_ns) / n / 1e6,
	    (unsigned long long)(s1.reads - s0.reads),
	    (unsigned long long)(s1.messages - s0.messages),
	    (double)s1.recv_max_ns / 1e6);
	lsp_manager_free(m);
	config_release(&cfg);
	free(ms);
	free(path);
	buf_release(&good);
	buf_release(&bad);
	p = xasprintf("rm -rf '%s'", root);
	if (system(p) != 0)
		fprintf(stderr, "rm failed\n");
	free(p);
	return (0);
}

static int
bench_memory(const char *script)
{
	char			 tmp[PATH_MAX], root[PATH_MAX], *p, *json;
	struct config		 cfg;
	struct lsp_manager	*m;
	struct lsp_status	*st;
	char			*cause = NULL;
	struct buf		 text = BUF_INIT;
	long			 rss0, rss1, rss2;
	size_t			 nst;
	int			 i, k;

	xsnprintf(tmp, sizeof tmp, "/tmp/agentos-bench-XXXXXX");
	if (mkdtemp(tmp) == NULL || realpath(tmp, root) == NULL)
		fatalx("mkdtemp");
	json = xasprintf("{\"lsp\":{\"diagnostics_settle_ms\":0,\"servers\":{"
	    "\"f1\":{\"command\":[\"python3\",\"%s\"],\"extensions\":[\"f1\"]},"
	    "\"f2\":{\"command\":[\"python3\",\"%s\"],\"extensions\":[\"f2\"]},"
	    "\"f3\":{\"command\":[\"python3\",\"%s\",\"--mode\",\"flood\"],"
	    "\"extensions\":[\"f3\"]}}}}", script, script, script);
	memset(&cfg, 0, sizeof cfg);
	if (config_load_string(&cfg, json, &cause) != 0)
		fatalx("config: %s", cause);
	free(json);
	for (i = 0; i < 400; i++)
		buf_addf(&text, "line %d of a file with some text in it\n", i);
	rss0 = bench_rss();
	m = lsp_manager_create(root, &cfg);
	for (k = 1; k <= 3; k++) {
		for (i = 0; i < 50; i++) {
			p = xasprintf("%s/file%d.f%d", root, i, k);
			bench_put(p, text.buf);
			bench_done = 0;
			lsp_after_edit(m, p, text.buf, text.len, bench_cb,
			    NULL);
			bench_wait();
			free(p);
		}
	}
	rss1 = bench_rss();
	/* Let f3 flood for five seconds. */
	for (i = 0; i < 50; i++) {
		loop_timer_add(100, bench_tick, NULL);
		loop_run();
	}
	rss2 = bench_rss();
	lsp_status_list(m, &st, &nst);
	printf("three fake servers (python3 tests/fake-lsp.py), 50 open "
	    "files of %zu bytes each:\n", text.len);
	for (i = 0; i < (int)nst; i++)
		printf("  %s: %s, %d open files\n", st[i].name,
		    lsp_state_name(st[i].state), st[i].open_files);
	lsp_status_free(st, nst);
	printf("agentos RSS: %ld KiB before, %ld KiB with the servers "
	    "attached (+%ld KiB), %ld KiB after 5 s of flooding by one\n",
	    rss0, rss1, rss1 - rss0, rss2);
	lsp_manager_free(m);
	config_release(&cfg);
	buf_release(&text);
	p = xasprintf("rm -rf '%s'", root);
	if (system(p) != 0)
		fprintf(stderr, "rm failed\n");
	free(p);
	return (0);
}

int
main(int argc, char **argv)
{
	signal(SIGPIPE, SIG_IGN);
	loop_init();
	if (argc >= 2 && strcmp(argv[1], "clangd") == 0)
		return (bench_clangd(argc >= 3 ? atoi(argv[2]) : 20));
	if (argc >= 3 && strcmp(argv[1], "memory") == 0) {
		char abs[PATH_MAX];

		if (realpath(argv[2], abs) == NULL)
			fatalx("%s: not found", argv[2]);
		return (bench_memory(abs));
	}
	fprintf(stderr, "usage: bench-lsp clangd [N] | memory "
	    "tests/fake-lsp.py\n");
	return (2);
}
