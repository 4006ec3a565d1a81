/*
 * fuzz-render-md.c: libFuzzer target for the markdown renderer: any bytes
 * (invalid UTF-8, control characters, unclosed blocks) at any width from 1
 * render without crashing, and no line is wider than asked.
 */
#include <stdint.h>
#include <stdlib.h>

#include "agentos.h"

int	LLVMFuzzerTestOneInput(const uint8_t *, size_t);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t len)
{
	struct slines	out;
	size_t		i;
	int		width;

	if (len < 1)
		return (0);
	width = 1 + data[0] % 120;
	slines_init(&out);
	render_md(&out, (const char *)data + 1, len - 1, width, 0);
	for (i = 0; i < out.nr; i++) {
		if (ui_utf8_strwidth(out.v[i].text.buf, out.v[i].text.len) >
		    width)
			abort();
	}
	slines_release(&out);
	return (0);
}
