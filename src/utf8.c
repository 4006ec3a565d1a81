/* utf8.c: UTF-8 decoding, stepping and terminal display width (utf8.h). */
#include <stdint.h>
#include <string.h>
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

/* The value of the four hex digits at s, or -1. */
static long
utf8_hex4(const char *s)
{
	long	v = 0;
	int	i, c;

	for (i = 0; i < 4; i++) {
		c = (unsigned char)s[i];
		if (c >= '0' && c <= '9')
			c -= '0';
		else if (c >= 'a' && c <= 'f')
			c -= 'a' - 10;
		else if (c >= 'A' && c <= 'F')
			c -= 'A' - 10;
		else
			return (-1);
		v = v * 16 + c;
	}
	return (v);
}

size_t
utf8_json_repair(const char *s, size_t len, char *out, size_t *fixed)
{
	static const char	 fffd[] = "\\ufffd";
	size_t			 i = 0, o = 0, n, nfixed = 0;
	long			 v, w;

	while (i < len) {
		if (s[i] == '\\' && i + 1 < len && s[i + 1] == 'u' &&
		    i + 6 <= len && (v = utf8_hex4(s + i + 2)) != -1) {
			if (v >= 0xd800 && v <= 0xdbff && i + 12 <= len &&
			    s[i + 6] == '\\' && s[i + 7] == 'u' &&
			    (w = utf8_hex4(s + i + 8)) >= 0xdc00 &&
			    w <= 0xdfff) {
				memcpy(out + o, s + i, 12);
				o += 12;
				i += 12;
				continue;
			}
			if (v == 0 || (v >= 0xd800 && v <= 0xdfff)) {
				memcpy(out + o, fffd, 6);
				nfixed++;
			} else
				memcpy(out + o, s + i, 6);
			o += 6;
			i += 6;
			continue;
		}
		if (s[i] == '\\' && i + 1 < len) {
			out[o++] = s[i++];
			out[o++] = s[i++];
			continue;
		}
		if ((unsigned char)s[i] < 0x80) {
			out[o++] = s[i++];
			continue;
		}
		if ((n = utf8_valid_len(s + i, len - i)) == 0) {
			o += utf8_encode(UTF8_REPLACEMENT, out + o);
			nfixed++;
			i++;
			continue;
		}
		memcpy(out + o, s + i, n);
		o += n;
		i += n;
	}
	if (fixed != NULL)
		*fixed = nfixed;
	return (o);
}

/*
 * Skip a control string (OSC, DCS, SOS, PM, APC) from off: up to and past
 * BEL, ESC \ or the C1 ST (U+009C); to the end when unterminated.
 */
static size_t
utf8_skip_string(const char *s, size_t len, size_t off)
{
	uint32_t	wc;
	size_t		n;

	while (off < len) {
		n = utf8_decode(s + off, len - off, &wc);
		off += n;
		if (wc == 0x07 || wc == 0x9c)
			break;
		if (wc == 0x1b && off < len && s[off] == '\\') {
			off++;
			break;
		}
	}
	return (off);
}

/* Skip CSI parameters, intermediates and the final byte from off. */
static size_t
utf8_skip_csi(const char *s, size_t len, size_t off)
{
	unsigned char	c;

	while (off < len) {
		c = (unsigned char)s[off];
		if (c >= 0x20 && c <= 0x3f) {
			off++;
			continue;
		}
		if (c >= 0x40 && c <= 0x7e)
			off++;
		break;
	}
	return (off);
}

size_t
utf8_strip_controls(const char *s, size_t len, char *out)
{
	uint32_t	wc;
	size_t		i = 0, o = 0, n;
	unsigned char	c;

	while (i < len) {
		n = utf8_decode(s + i, len - i, &wc);
		i += n;
		if (wc == 0x1b) {
			if (i >= len)
				break;
			c = (unsigned char)s[i];
			if (c == '[') {
				i = utf8_skip_csi(s, len, i + 1);
				continue;
			}
			if (c == ']' || c == 'P' || c == 'X' || c == '^' ||
			    c == '_') {
				i = utf8_skip_string(s, len, i + 1);
				continue;
			}
			/* nF intermediates, then one final byte. */
			while (i < len && (unsigned char)s[i] >= 0x20 &&
			    (unsigned char)s[i] <= 0x2f)
				i++;
			if (i < len && (unsigned char)s[i] >= 0x30 &&
			    (unsigned char)s[i] <= 0x7e)
				i++;
			continue;
		}
		if (wc == 0x9b) {
			i = utf8_skip_csi(s, len, i);
			continue;
		}
		if (wc == 0x9d || wc == 0x90 || wc == 0x98 || wc == 0x9e ||
		    wc == 0x9f) {
			i = utf8_skip_string(s, len, i);
			continue;
		}
		if ((wc < 0x20 && wc != '\n' && wc != '\t') ||
		    (wc >= 0x7f && wc < 0xa0))
			continue;
		o += utf8_encode(wc, out + o);
	}
	return (o);
}
