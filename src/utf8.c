/* utf8.c: UTF-8 decoding, stepping and terminal display width (utf8.h). */
#include <stdint.h>
#include <wchar.h>

#include "utf8.h"
#include "banned.h"

size_t
utf8_decode(const char *s, size_t len, uint32_t *wc)
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
	*wc = UTF8_REPLACEMENT;
	return (1);
}

size_t
utf8_valid_len(const char *s, size_t len)
{
	uint32_t	wc;
	size_t		n;

	if (len == 0)
		return (0);
	n = utf8_decode(s, len, &wc);
	if (wc == UTF8_REPLACEMENT && n == 1 &&
	    (unsigned char)s[0] >= 0x80)
		return (0);
	return (n);
}

int
utf8_valid(const char *s, size_t len)
{
	size_t	n;

	while (len > 0) {
		if ((n = utf8_valid_len(s, len)) == 0)
			return (0);
		s += n;
		len -= n;
	}
	return (1);
}

size_t
utf8_next(const char *s, size_t len, size_t off)
{
	uint32_t	wc;

	if (off >= len)
		return (len);
	return (off + utf8_decode(s + off, len - off, &wc));
}

/* Back to a lead byte whose valid sequence ends exactly at off. */
size_t
utf8_prev(const char *s, size_t off)
{
	size_t	i;

	if (off == 0)
		return (0);
	for (i = 1; i <= 4 && i <= off; i++) {
		if (((unsigned char)s[off - i] & 0xc0) != 0x80) {
			if (utf8_valid_len(s + off - i, i) == i)
				return (off - i);
			break;
		}
	}
	return (off - 1);
}

size_t
utf8_encode(uint32_t wc, char *out)
{
	unsigned char	*u = (unsigned char *)out;

	if (wc > 0x10ffff || (wc >= 0xd800 && wc <= 0xdfff))
		wc = UTF8_REPLACEMENT;
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
utf8_width(uint32_t wc)
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
utf8_strwidth(const char *s, size_t len)
{
	uint32_t	wc;
	size_t		n;
	int		w = 0;

	while (len > 0) {
		n = utf8_decode(s, len, &wc);
		w += utf8_width(wc);
		s += n;
		len -= n;
	}
	return (w);
}
