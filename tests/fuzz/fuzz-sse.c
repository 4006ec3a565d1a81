/*
 * fuzz-sse.c: libFuzzer target for the SSE parser: any bytes, in chunks
 * chosen by the first byte, must parse without crashing, and parsing in
 * chunks must give the same events as parsing whole.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "buf.h"
#include "sse.h"
#include "xmalloc.h"

int	LLVMFuzzerTestOneInput(const uint8_t *, size_t);

static int
fuzz_event(void *arg, const struct sse_event *ev, char **cause)
{
	struct buf	*b = arg;

	buf_addf(b, "%zu:%s:%s:", ev->datalen, ev->event, ev->id);
	buf_add(b, ev->data, ev->datalen);
	return (0);
}

/* Parse data in pieces of step bytes (0: whole); events into out. */
static int
fuzz_parse(const char *data, size_t len, size_t step, struct buf *out)
{
	struct sse_parser	*p = sse_parser_create(4096, fuzz_event, out);
	size_t			 off = 0, n;
	int			 rc = 0;

	while (off < len && rc == 0) {
		n = step == 0 || step > len - off ? len - off : step;
		rc = sse_parser_feed(p, data + off, n, NULL);
		off += n;
	}
	if (rc == 0)
		rc = sse_parser_finish(p, NULL);
	sse_parser_free(p);
	return (rc);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t len)
{
	struct buf	a = BUF_INIT, b = BUF_INIT;
	int		ra, rb;

	if (len < 1)
		return (0);
	ra = fuzz_parse((const char *)data + 1, len - 1, 0, &a);
	rb = fuzz_parse((const char *)data + 1, len - 1, 1 + data[0] % 16, &b);
	if (ra != rb || (ra == 0 && (a.len != b.len ||
	    memcmp(a.buf, b.buf, a.len) != 0)))
		abort();
	buf_release(&a);
	buf_release(&b);
	return (0);
}
