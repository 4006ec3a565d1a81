/*
 * fuzz-render-md.c: libFuzzer target for the markdown renderer: any bytes
 * (invalid UTF-8, control characters, unclosed blocks) at any width render
 * without crashing into lines of valid UTF-8 with no control characters,
 * as struct sline promises.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "agentos.h"
#include "ui.h"

int	LLVMFuzzerTestOneInput(const uint8_t *, size_t);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t len)
{
	struct slines	 out;
	const char	*s;
	uint32_t	 wc;
	size_t		 i, n, left;

	if (len < 1)
		return (0);
	slines_init(&out);
	render_md(&out, (const char *)data + 1, len - 1, 1 + data[0] % 120, 0);
	for (i = 0; i < out.nr; i++) {
		s = out.v[i].text.buf;
		left = out.v[i].text.len;
		while (left > 0) {
			n = utf8_decode(s, left, &wc);
			if (wc < 0x20 || wc == 0x7f || n == 0)
				abort();
			/* U+FFFD from a bad byte, not a real one: invalid. */
			if (wc == 0xfffd && (n != 3 ||
			    memcmp(s, "\xef\xbf\xbd", 3) != 0))
				abort();
			s += n;
			left -= n;
		}
	}
	slines_release(&out);
	return (0);
}
