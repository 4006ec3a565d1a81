/*
 * wire.h: helpers for the provider unit tests: read the recorded streams
 * in $WIRE_DIR, and decode a stream through the SSE parser and a provider
 * decoder fed whole, byte by byte or in seeded random splits, into a
 * canonical text dump that tests compare.  Included by test-sse.c,
 * test-provider-*.c, test-model-call.c and the fuzz targets (each uses part
 * of it).  A program that reads the streams ends main with
 * return (wire_status(cmocka_run_group_tests(...))).
 */
#ifndef WIRE_H
#define WIRE_H

#include <sys/stat.h>

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "agentos.h"
#include "sse.h"

enum wire_split { WIRE_WHOLE, WIRE_BYTES, WIRE_RANDOM };

/*
 * The recorded streams live beside the source tree, in ../shared/wire (the
 * Makefile passes it as $WIRE_DIR), not in the repository.  A clone with
 * nothing beside it has no such folder: the cases that need it are skipped
 * with the reason on stderr, the others still run, and the program exits 77
 * (automake's SKIP) when all that ran passed; see wire_status().  A folder
 * that exists but lacks a file is a failure, not a skip.
 */
static int	wire_skipped;	/* cases skipped for want of the folder */

#ifdef cmocka_unit_test
#define WIRE_SKIP() skip()
#else
#define WIRE_SKIP() abort()
#endif

/* The folder of recorded streams: $WIRE_DIR or ../shared/wire. */
static __attribute__((unused)) const char *
wire_dir(void)
{
	const char	*dir = getenv("WIRE_DIR");

	return (dir != NULL && *dir != '\0' ? dir : "../shared/wire");
}

/* Skip the running test case if the folder of recorded streams is absent. */
static __attribute__((unused)) void
wire_require(const char *name)
{
	struct stat	 sb;

	if (stat(wire_dir(), &sb) == 0)
		return;
	fprintf(stderr, "SKIP: %s needs the recorded provider streams in %s, "
	    "which is absent (%s); put a copy of the shared folder beside "
	    "the source tree or set WIRE_DIR\n", name, wire_dir(),
	    strerror(errno));
	wire_skipped++;
	WIRE_SKIP();
}

/*
 * What main returns, given the number of failed cases: that number if any
 * failed; 77 if some were skipped by wire_require() (saying so); else 0.
 */
static __attribute__((unused)) int
wire_status(int failed)
{
	if (failed != 0 || wire_skipped == 0)
		return (failed);
	fprintf(stderr, "SKIP: %d case%s skipped: no recorded provider streams "
	    "in %s; the other cases passed\n", wire_skipped,
	    wire_skipped == 1 ? "" : "s", wire_dir());
	return (77);
}

/*
 * Read wire_dir()/name.  Skips the test case (see wire_require) when the
 * folder is absent; aborts the test if the folder is there but the file
 * cannot be read.
 */
static __attribute__((unused)) char *
wire_read(const char *name, size_t *len)
{
	struct buf	 b = BUF_INIT;
	char		*path, chunk[8192];
	FILE		*f;
	size_t		 n;

	wire_require(name);
	path = xasprintf("%s/%s", wire_dir(), name);
	if ((f = fopen(path, "rb")) == NULL) {
		fprintf(stderr, "cannot open %s: %s\n", path,
		    strerror(errno));
		abort();
	}
	while ((n = fread(chunk, 1, sizeof chunk, f)) > 0)
		buf_add(&b, chunk, n);
	fclose(f);
	free(path);
	return (buf_detach(&b, len));
}

/* Feed data to fn in the chunks split asks for (seeded for RANDOM). */
static __attribute__((unused)) int
wire_feed(const char *data, size_t len, enum wire_split split,
    unsigned int seed, int (*fn)(void *, const char *, size_t), void *arg)
{
	size_t	off = 0, n;

	srand(seed);
	while (off < len) {
		switch (split) {
		case WIRE_WHOLE:
			n = len;
			break;
		case WIRE_BYTES:
			n = 1;
			break;
		default:
			n = 1 + rand() % 64;
			break;
		}
		if (n > len - off)
			n = len - off;
		if (fn(arg, data + off, n) != 0)
			return (-1);
		off += n;
	}
	return (0);
}

/* What a decode run saw. */
struct wire_run {
	const struct provider_entry	*p;
	void				*dec;
	struct sse_parser		*sse;
	struct response			 resp;
	struct buf			 text;		/* text deltas */
	struct buf			 thinking;	/* thinking deltas */
	struct buf			 starts;	/* tool_use_start */
	char				*error;		/* first failure */
};

static void
wire_text(void *arg, const char *s, size_t len)
{
	buf_add(&((struct wire_run *)arg)->text, s, len);
}

static void
wire_thinking(void *arg, const char *s, size_t len)
{
	buf_add(&((struct wire_run *)arg)->thinking, s, len);
}

static void
wire_tool_start(void *arg, const char *id, const char *name)
{
	buf_addf(&((struct wire_run *)arg)->starts, "%s %s;", id, name);
}

static int
wire_event(void *arg, const struct sse_event *ev, char **cause)
{
	struct wire_run	*w = arg;

	return (w->p->decoder_event(w->dec, ev, cause));
}

static int
wire_sse_feed(void *arg, const char *data, size_t len)
{
	struct wire_run	*w = arg;
	char		*cause = NULL;

	if (sse_parser_feed(w->sse, data, len, &cause) != 0) {
		if (w->error == NULL)
			w->error = cause;
		else
			free(cause);
		return (-1);
	}
	return (0);
}

/* Append a canonical dump of the response to out. */
static __attribute__((unused)) void
wire_dump(const struct response *r, struct buf *out)
{
	const struct block	*b;
	char			*s;
	size_t			 i;

	buf_addf(out, "complete=%d stop=%s raw=%s id=%s model=%s\n",
	    r->complete, stop_reason_name(r->stop),
	    r->stop_raw ? r->stop_raw : "-", r->id ? r->id : "-",
	    r->model ? r->model : "-");
	buf_addf(out, "usage in=%lld out=%lld cache_read=%lld "
	    "cache_write=%lld\n", (long long)r->usage.input_tokens,
	    (long long)r->usage.output_tokens,
	    (long long)r->usage.cache_read_tokens,
	    (long long)r->usage.cache_write_tokens);
	if (r->error_type != NULL)
		buf_addf(out, "error %s: %s\n", r->error_type,
		    r->error_message ? r->error_message : "");
	for (i = 0; i < r->msg.nr; i++) {
		b = &r->msg.blocks[i];
		switch (b->type) {
		case BLOCK_TEXT:
			buf_addf(out, "text [%s]\n", b->text);
			break;
		case BLOCK_THINKING:
			buf_addf(out, "thinking [%s] sig=[%s]\n", b->text,
			    b->signature ? b->signature : "");
			break;
		case BLOCK_REDACTED_THINKING:
			buf_addf(out, "redacted [%s]\n", b->text);
			break;
		case BLOCK_TOOL_USE:
			s = json_dumps(b->input, JSON_COMPACT |
			    JSON_SORT_KEYS);
			buf_addf(out, "tool_use %s %s %s\n", b->id, b->name, s);
			free(s);
			break;
		case BLOCK_TOOL_RESULT:
			buf_addf(out, "tool_result %s\n", b->id);
			break;
		case BLOCK_REASONING:
			s = json_dumps(b->input, JSON_COMPACT |
			    JSON_SORT_KEYS);
			buf_addf(out, "reasoning [%s] %s\n", b->text, s);
			free(s);
			break;
		}
	}
}

/*
 * Decode data with provider p in the given split; return the dump of the
 * response, the deltas and any error (caller frees).
 */
static __attribute__((unused)) char *
wire_decode(const struct provider_entry *p, const char *data, size_t len,
    enum wire_split split, unsigned int seed)
{
	static const struct stream_cb	 cb = {
		wire_text, wire_thinking, wire_tool_start, NULL
	};
	struct wire_run			 w;
	struct buf			 out = BUF_INIT;
	char				*cause = NULL;

	memset(&w, 0, sizeof w);
	w.p = p;
	response_init(&w.resp);
	buf_init(&w.text, 0);
	buf_init(&w.thinking, 0);
	buf_init(&w.starts, 0);
	w.dec = p->decoder_create(&w.resp, &cb, &w);
	w.sse = sse_parser_create(0, wire_event, &w);
	if (wire_feed(data, len, split, seed, wire_sse_feed, &w) == 0 &&
	    sse_parser_finish(w.sse, &cause) != 0)
		w.error = cause;
	p->decoder_end(w.dec);
	wire_dump(&w.resp, &out);
	buf_addf(&out, "deltas stream=[%s]\nstream-thinking=[%s]\nstarts=[%s]\n",
	    w.text.buf, w.thinking.buf, w.starts.buf);
	if (w.error != NULL)
		buf_addf(&out, "failed: %s\n", w.error);
	free(w.error);
	p->decoder_free(w.dec);
	sse_parser_free(w.sse);
	response_release(&w.resp);
	buf_release(&w.text);
	buf_release(&w.thinking);
	buf_release(&w.starts);
	return (buf_detach(&out, NULL));
}

/*
 * Decode name whole, byte by byte and with several random splits; all
 * must agree.  Returns the dump (caller frees).
 */
static __attribute__((unused)) char *
wire_decode_all(const struct provider_entry *p, const char *name)
{
	char		*data, *whole, *other;
	size_t		 len;
	unsigned int	 seed;

	data = wire_read(name, &len);
	whole = wire_decode(p, data, len, WIRE_WHOLE, 0);
	other = wire_decode(p, data, len, WIRE_BYTES, 0);
	if (strcmp(whole, other) != 0) {
		fprintf(stderr, "%s: bytewise differs:\n%s\n---\n%s\n", name,
		    whole, other);
		abort();
	}
	free(other);
	for (seed = 1; seed <= 8; seed++) {
		other = wire_decode(p, data, len, WIRE_RANDOM, seed);
		if (strcmp(whole, other) != 0) {
			fprintf(stderr, "%s: split %u differs:\n%s\n---\n%s\n",
			    name, seed, whole, other);
			abort();
		}
		free(other);
	}
	free(data);
	return (whole);
}

/* Whether haystack contains needle. */
#define assert_contains(h, n) do {					\
	if (strstr((h), (n)) == NULL) {					\
		fprintf(stderr, "expected [%s] in:\n%s\n", (n), (h));	\
		fail();							\
	}								\
} while (0)
#define assert_not_contains(h, n) do {					\
	if (strstr((h), (n)) != NULL) {					\
		fprintf(stderr, "unexpected [%s] in:\n%s\n", (n), (h));	\
		fail();							\
	}								\
} while (0)

#endif
