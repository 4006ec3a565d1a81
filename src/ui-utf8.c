/* ui-utf8.c: UTF-8 decoding and terminal display width for the views. */
#include <stdint.h>
#include <wchar.h>

#include "agentos.h"
#include "banned.h"

size_t
ui_utf8_decode(const char *s, size_t len, uint32_t *wc)
{
	const unsigned char	*u = (const unsigned char *)s;
	uint32_t		 c, min;
	size_t			 n, i;

	if (len == 0) {
		*wc = 0;
		return (0);
	}
	c = u[0];
	if (c < 0x80) {
		*wc = c;
		return (1);
	}
	if (c >= 0xc2 && c <= 0xdf) {
		n = 2;
		c &= 0x1f;
		min = 0x80;
	} else if (c >= 0xe0 && c <= 0xef) {
		n = 3;
		c &= 0x0f;
		min = 0x800;
	} else if (c >= 0xf0 && c <= 0xf4) {
		n = 4;
		c &= 0x07;
		min = 0x10000;
	} else
		goto bad;
	if (len < n)
		goto bad;
	for (i = 1; i < n; i++) {
		if ((u[i] & 0xc0) != 0x80)
			goto bad;
		c = (c << 6) | (u[i] & 0x3f);
	}
	if (c < min || c > 0x10ffff || (c >= 0xd800 && c <= 0xdfff))
		goto bad;
	*wc = c;
	return (n);
bad:
	*wc = 0xfffd;
	return (1);
}

size_t
ui_utf8_encode(uint32_t wc, char *out)
{
	unsigned char	*u = (unsigned char *)out;

	if (wc > 0x10ffff || (wc >= 0xd800 && wc <= 0xdfff))
		wc = 0xfffd;
	if (wc < 0x80) {
		u[0] = wc;
		return (1);
	}
	if (wc < 0x800) {
		u[0] = 0xc0 | (wc >> 6);
		u[1] = 0x80 | (wc & 0x3f);
		return (2);
	}
	if (wc < 0x10000) {
		u[0] = 0xe0 | (wc >> 12);
		u[1] = 0x80 | ((wc >> 6) & 0x3f);
		u[2] = 0x80 | (wc & 0x3f);
		return (3);
	}
	u[0] = 0xf0 | (wc >> 18);
	u[1] = 0x80 | ((wc >> 12) & 0x3f);
	u[2] = 0x80 | ((wc >> 6) & 0x3f);
	u[3] = 0x80 | (wc & 0x3f);
	return (4);
}

int
ui_utf8_width(uint32_t wc)
{
	int	w;

	if (wc < 0x20 || (wc >= 0x7f && wc < 0xa0))
		return (1);
	w = wcwidth((wchar_t)wc);
	if (w < 0)
		return (1);
	return (w > 2 ? 2 : w);
}

int
ui_utf8_strwidth(const char *s, size_t len)
{
	uint32_t	wc;
	size_t		n;
	int		w = 0;

	while (len > 0) {
		n = ui_utf8_decode(s, len, &wc);
		w += ui_utf8_width(wc);
		s += n;
		len -= n;
	}
	return (w);
}
