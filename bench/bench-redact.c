/*
 * bench-redact.c: what redacting known secrets costs per tool result.
 *
 * Eleven secrets (a provider key and ten .env-style values, as a real
 * repository has) are registered with secrets_add(), which precomputes
 * their encoded forms (base64 and base64url at three alignments, hex,
 * percent-encoding).  A result made of real source text (the files
 * under DIR, default src/, up to 1 MiB) is redacted over and over; the
 * throughput with every form is printed next to that with the plain
 * values only (what agentos did before the encoded forms).
 *
 * Usage: bench-redact [DIR]
 */
#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "agentos.h"
#include "secret.h"

#define BENCH_INPUT_MAX	(1024 * 1024)
#define BENCH_RUNS	20

/* Seconds on the monotonic clock. */
static double
bench_now(void)
{
	struct timespec	ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (ts.tv_sec + ts.tv_nsec / 1e9);
}

/* The regular files of dir, concatenated up to BENCH_INPUT_MAX bytes. */
static void
bench_input(const char *dir, struct buf *b)
{
	DIR		*d;
	struct dirent	*de;
	FILE		*f;
	char		*path, chunk[65536];
	size_t		 n;

	if ((d = opendir(dir)) == NULL) {
		perror(dir);
		exit(1);
	}
	while ((de = readdir(d)) != NULL && b->len < BENCH_INPUT_MAX) {
		if (de->d_name[0] == '.')
			continue;
		path = xasprintf("%s/%s", dir, de->d_name);
		if ((f = fopen(path, "r")) != NULL) {
			while ((n = fread(chunk, 1, sizeof chunk, f)) > 0 &&
			    b->len < BENCH_INPUT_MAX)
				buf_add(b, chunk, n);
			fclose(f);
		}
		free(path);
	}
	closedir(d);
}

/* MB/s redacting input with s, over BENCH_RUNS copies. */
static double
bench_run(const struct secrets *s, const struct buf *input, size_t *hits)
{
	struct buf	b;
	double		t0, t = 0;
	int		i;

	*hits = 0;
	for (i = 0; i < BENCH_RUNS; i++) {
		buf_init(&b, 0);
		buf_add(&b, input->buf, input->len);
		t0 = bench_now();
		*hits += secrets_redact(s, &b);
		t += bench_now() - t0;
		buf_release(&b);
	}
	return ((double)input->len * BENCH_RUNS / t / 1e6);
}

int
main(int argc, char **argv)
{
	struct secrets	 all, plain;
	struct buf	 input = BUF_INIT;
	char		 name[32], value[64];
	size_t		 i, hits;
	double		 mbs;

	bench_input(argc > 1 ? argv[1] : "src", &input);
	memset(&all, 0, sizeof all);
	memset(&plain, 0, sizeof plain);
	secrets_add(&all, "ANTHROPIC_API_KEY",
	    "sk-ant-api03-Zq7xW0bench0key0value0of0realistic0length0AA");
	for (i = 0; i < 10; i++) {
		snprintf(name, sizeof name, ".env VALUE_%zu", i);
		snprintf(value, sizeof value, "p4ss/w0rd+%zu-of-the-env", i);
		secrets_add(&all, name, value);
	}
	/* The plain values alone, as before the encoded forms. */
	for (i = 0; i < all.nforms; i++) {
		if (strchr(all.forms[i].label, ',') != NULL)
			continue;
		ALLOC_GROW(plain.forms, plain.nforms + 1, plain.aforms);
		plain.forms[plain.nforms++] = all.forms[i];
	}
	printf("input: %zu bytes of %s; %zu secrets, %zu forms\n", input.len,
	    argc > 1 ? argv[1] : "src", all.n, all.nforms);
	mbs = bench_run(&plain, &input, &hits);
	printf("plain values only: %.0f MB/s (%zu hits)\n", mbs, hits);
	mbs = bench_run(&all, &input, &hits);
	printf("every form:        %.0f MB/s (%zu hits); a 100 KiB result: "
	    "%.3f ms\n", mbs, hits, 100 * 1024 / (mbs * 1e6) * 1e3);
	free(plain.forms);
	secrets_release(&all);
	buf_release(&input);
	return (0);
}
