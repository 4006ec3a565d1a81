/*
 * fuzz-lsp-framing.c: libFuzzer target for LSP's Content-Length framing:
 * any bytes, fed whole and in pieces (size from the first byte), must give
 * the same messages and never crash.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "agentos.h"
#include "lsp.h"

int	LLVMFuzzerTestOneInput(const uint8_t *, size_t);

/* Frame data in pieces of step bytes (0: whole); messages into out. */
static int
fuzz_frame(const char *data, size_t len, size_t step, struct buf *out)
{
	struct lsp_framing	 f;
	const char		*msg;
	char			*cause = NULL;
	size_t			 off = 0, n, mlen;
	int			 rc = 0;

	lsp_framing_init(&f, 4096);
	while (off < len && rc != LSP_FRAME_ERROR) {
		n = step == 0 || step > len - off ? len - off : step;
		lsp_framing_feed(&f, data + off, n);
		off += n;
		while ((rc = lsp_framing_next(&f, &msg, &mlen, &cause)) !=
		    LSP_FRAME_MORE) {
			free(cause);
			cause = NULL;
			if (rc == LSP_FRAME_ERROR)
				break;
			buf_addf(out, "%d:%zu:", rc, rc == LSP_FRAME_MESSAGE ?
			    mlen : 0);
			if (rc == LSP_FRAME_MESSAGE)
				buf_add(out, msg, mlen);
		}
	}
	lsp_framing_release(&f);
	return (rc == LSP_FRAME_ERROR ? -1 : 0);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t len)
{
	struct buf	a = BUF_INIT, b = BUF_INIT;
	int		ra, rb;

	if (len < 1)
		return (0);
	ra = fuzz_frame((const char *)data + 1, len - 1, 0, &a);
	rb = fuzz_frame((const char *)data + 1, len - 1, 1 + data[0] % 16, &b);
	/* An error may come earlier when fed whole; what came before agrees. */
	if (ra == 0 && rb == 0 && (a.len != b.len ||
	    memcmp(a.buf, b.buf, a.len) != 0))
		abort();
	buf_release(&a);
	buf_release(&b);
	return (0);
}
