/*
 * bench-context.c: what the context manager costs and how well it counts.
 *
 * Replays a long synthetic session: tool results are pieces of real source
 * files (every *.c and *.h under DIR, default src), one read per request,
 * until the conversation passes 200,000 tokens.  The "true" token count of
 * each request comes from a stand-in tokenizer (bench_tokens(), after the
 * shape of BPE on code, plus framing per block and message), as no real
 * tokenizer is at hand offline: it counts this repository's C at about 2.7
 * bytes a token.  Reported for three estimators (3 and 4 bytes a token
 * fixed, and the calibrated one of context-calib.c):
 *
 *   error: |estimate - true| / true of every request after the third,
 *	p50 / p90 / max;
 *   build: the time agentos spends on a request at 200,000 tokens, p50 /
 *	p90 of 50 runs: the context manager's part (the byte count, the
 *	estimate, the thresholds, the cache breakpoint plan), and with the
 *	encoder's (the Anthropic body and its JSON, which any request pays).
 *
 * Usage: bench-context [DIR]
 */
#include <sys/types.h>

#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "agentos.h"
#include "context.h"

#define BENCH_PIECE	6000		/* bytes of a tool result at most */
#define BENCH_TOKENS	200000		/* where the session stops */
#define BENCH_RUNS	50

/* Microseconds on the monotonic clock. */
static double
bench_now_us(void)
{
	struct timespec	ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (ts.tv_sec * 1e6 + ts.tv_nsec / 1e3);
}

static int
bench_cmp(const void *a, const void *b)
{
	double	x = *(const double *)a, y = *(const double *)b;

	return (x < y ? -1 : x > y);
}

/* Whether c is a letter of a word token. */
static int
bench_alpha(int c)
{
	return ((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c == '_');
}

/*
 * The stand-in tokenizer's count of s, after the shape of BPE on code: a
 * word takes the space before it, and is a token per 6 letters; a line
 * break takes the indentation after it; digits go 3 to a token,
 * punctuation 2, UTF-8 2 bytes.
 */
static int64_t
bench_tokens(const char *s)
{
	const unsigned char	*p = (const unsigned char *)s;
	int64_t			 n = 0;
	size_t			 run;

	while (*p != '\0') {
		if (*p == ' ' && bench_alpha(p[1]))
			p++;	/* " word": one token with the word */
		if (bench_alpha(*p)) {
			for (run = 0; bench_alpha(*p); p++)
				run++;
			n += (int64_t)((run + 5) / 6);
		} else if (*p >= '0' && *p <= '9') {
			for (run = 0; *p >= '0' && *p <= '9'; p++)
				run++;
			n += (int64_t)((run + 2) / 3);
		} else if (*p == '\n') {
			p++;
			while (*p == ' ' || *p == '\t')
				p++;
			n++;
		} else if (*p == ' ' || *p == '\t') {
			while (*p == ' ' || *p == '\t')
				p++;
			n++;
		} else if (*p >= 0x80) {
			for (run = 0; *p >= 0x80; p++)
				run++;
			n += (int64_t)((run + 1) / 2);
		} else {
			for (run = 0; *p > ' ' && *p < 0x80 &&
			    !bench_alpha(*p) && (*p < '0' || *p > '9'); p++)
				run++;
			n += (int64_t)((run + 1) / 2);
		}
	}
	return (n);
}

/* The true tokens of a request: framing, system, tools, conversation. */
static int64_t
bench_truth(const char *system, const char *tools, const struct conv *c)
{
	const struct block	*b;
	int64_t			 n;
	size_t			 i, j;
	char			*s;

	n = bench_tokens(system) + bench_tokens(tools) + 10;
	for (i = 0; i < c->nr; i++) {
		n += 4;
		for (j = 0; j < c->msgs[i].nr; j++) {
			b = &c->msgs[i].blocks[j];
			n += 3;
			if (b->text != NULL)
				n += bench_tokens(b->text);
			if (b->input != NULL &&
			    (s = json_dumps(b->input, JSON_COMPACT)) != NULL) {
				n += bench_tokens(s) + (b->name != NULL ?
				    bench_tokens(b->name) : 0);
				free(s);
			}
		}
	}
	return (n);
}

/* Pieces of every source file under dir. */
static char **
bench_pieces(const char *dir, size_t *np)
{
	DIR		*d;
	struct dirent	*de;
	FILE		*f;
	char		**v = NULL, *path, buf[BENCH_PIECE + 1];
	size_t		 n = 0, a = 0, len, k;

	if ((d = opendir(dir)) == NULL) {
		perror(dir);
		exit(1);
	}
	while ((de = readdir(d)) != NULL) {
		len = strlen(de->d_name);
		if (len < 3 || (strcmp(de->d_name + len - 2, ".c") != 0 &&
		    strcmp(de->d_name + len - 2, ".h") != 0))
			continue;
		path = xasprintf("%s/%s", dir, de->d_name);
		if ((f = fopen(path, "r")) != NULL) {
			while ((k = fread(buf, 1, BENCH_PIECE, f)) > 0) {
				buf[k] = '\0';
				ALLOC_GROW(v, n + 1, a);
				v[n++] = xstrdup(buf);
			}
			fclose(f);
		}
		free(path);
	}
	closedir(d);
	*np = n;
	return (v);
}

/* The estimators compared. */
enum { EST_FIXED3, EST_FIXED4, EST_CALIB, EST_N };
static const char *const bench_names[EST_N] = {
	"3 bytes a token", "4 bytes a token", "calibrated"
};

static void
bench_report(const char *name, double *v, size_t n, double scale,
    const char *unit)
{
	qsort(v, n, sizeof *v, bench_cmp);
	printf("  %-18s p50 %7.2f%s  p90 %7.2f%s  max %7.2f%s  (%zu)\n", name,
	    v[n / 2] * scale, unit, v[n * 9 / 10] * scale, unit,
	    v[n - 1] * scale, unit, n);
}

int
main(int argc, char **argv)
{
	const char		*dir = argc > 1 ? argv[1] : "src";
	struct context_options	 o = { .window = 0, .clear_at = 80,
	    .keep_results = 3, .autoclear = 1, .compact_at = 90,
	    .reserve_compact = 8192, .user_budget = 20000 };
	struct context_calib	 calib;
	struct context_cache	 cp;
	struct model_request	 req;
	struct config		 cfg;
	struct conv		 c;
	struct message		*m;
	json_t			*tools, *body;
	char			**pieces, *tools_s, *s, id[32], *system;
	double			*err[EST_N], times[BENCH_RUNS], t0, bpt[EST_N];
	double			 mgr[BENCH_RUNS], enc[BENCH_RUNS];
	size_t			 npieces, nerr = 0, i, k, fixed, bytes;
	size_t			 base_bytes[EST_N];
	int64_t			 truth, base[EST_N], est, out;
	int			 e;

	pieces = bench_pieces(dir, &npieces);
	if (npieces == 0) {
		fprintf(stderr, "no *.c or *.h under %s\n", dir);
		return (1);
	}
	tools = tool_definitions_omit(PERM_ASK, 0);
	tools_s = json_dumps(tools, JSON_COMPACT);
	system = xasprintf("You are agentos, a coding agent working in a git "
	    "repository. Read before you edit; keep changes small; run the "
	    "tests.\n%s", pieces[0]);
	fixed = strlen(system) + strlen(tools_s);
	conv_init(&c);
	message_add_text(conv_add(&c, ROLE_USER), "Read the sources one by "
	    "one and say what each does.");
	context_calib_init(&calib);
	for (e = 0; e < EST_N; e++) {
		err[e] = xcalloc(4096, sizeof *err[e]);
		base[e] = 0;
		base_bytes[e] = 0;
	}
	bpt[EST_FIXED3] = 3;
	bpt[EST_FIXED4] = 4;

	/* The session: one read a request, up to 200,000 true tokens. */
	for (i = 0; nerr < 4096; i++) {
		bytes = context_conv_bytes(&c);
		truth = bench_truth(system, tools_s, &c);
		if (truth > BENCH_TOKENS)
			break;
		bpt[EST_CALIB] = calib.bpt;
		for (e = 0; e < EST_N; e++) {
			est = context_estimate_bpt(base[e], base_bytes[e],
			    fixed, bytes, bpt[e]);
			if (i >= 3)
				err[e][nerr] = (double)(est > truth ? est -
				    truth : truth - est) / (double)truth;
		}
		if (i >= 3)
			nerr++;
		context_calib_add(&calib, truth, bytes + fixed);
		/* The answer: a read of the next piece. */
		snprintf(id, sizeof id, "toolu_%zu", i);
		m = conv_add(&c, ROLE_ASSISTANT);
		s = xasprintf("Reading piece %zu.", i);
		message_add_text(m, s);
		free(s);
		message_add_tool_use(m, id, "read_file", json_pack("{s:s}",
		    "path", "src/piece.c"));
		json_decref(m->blocks[1].input);
		out = 40;
		for (e = 0; e < EST_N; e++) {
			base[e] = truth + out;
			base_bytes[e] = context_conv_bytes(&c);
		}
		message_add_tool_result(conv_add(&c, ROLE_USER), id,
		    pieces[(i + 1) % npieces], 0);
	}
	printf("bench-context: %zu requests, %zu source pieces from %s, up to "
	    "%lld true tokens; calibrated to %.2f bytes a token\n", i, npieces,
	    dir, (long long)bench_truth(system, tools_s, &c), calib.bpt);
	printf("estimate error after the third request:\n");
	for (e = 0; e < EST_N; e++)
		bench_report(bench_names[e], err[e], nerr, 100, "%");

	/* What a request costs to build at 200,000 tokens. */
	memset(&cfg, 0, sizeof cfg);
	for (k = 0; k < BENCH_RUNS; k++) {
		t0 = bench_now_us();
		bytes = context_conv_bytes(&c);
		est = context_estimate_bpt(base[EST_CALIB],
		    base_bytes[EST_CALIB], fixed, bytes, calib.bpt);
		(void)context_over(&o, 200000, est);
		(void)context_compact_due(&o, 200000, est);
		context_cache_plan(system, &c, 0, &cp);
		mgr[k] = (bench_now_us() - t0) / 1000.0;
		memset(&req, 0, sizeof req);
		req.model = "claude-sonnet-4-5";
		req.system = system;
		req.conv = &c;
		req.tools = tools;
		req.max_tokens = 8192;
		req.cache = &cp;
		body = provider_anthropic_body(&cfg, &req);
		enc[k] = (bench_now_us() - t0) / 1000.0;
		s = json_dumps(body, JSON_COMPACT);
		json_decref(body);
		times[k] = (bench_now_us() - t0) / 1000.0;
		if (k == 0)
			printf("request body at %lld tokens: %zu bytes\n",
			    (long long)bench_truth(system, tools_s, &c),
			    strlen(s));
		free(s);
	}
	printf("request build at 200,000 tokens:\n");
	bench_report("context manager", mgr, BENCH_RUNS, 1, " ms");
	bench_report("+ the body", enc, BENCH_RUNS, 1, " ms");
	bench_report("+ its JSON text", times, BENCH_RUNS, 1, " ms");

	for (e = 0; e < EST_N; e++)
		free(err[e]);
	for (k = 0; k < npieces; k++)
		free(pieces[k]);
	free(pieces);
	free(system);
	free(tools_s);
	json_decref(tools);
	conv_release(&c);
	return (0);
}
