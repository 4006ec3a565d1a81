/* buf.c: growable, optionally capped byte buffers. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "buf.h"
#include "xmalloc.h"
#include "banned.h"

char buf_slopbuf[1];

void
buf_init(struct buf *b, size_t max)
{
	b->buf = buf_slopbuf;
	b->len = b->alloc = 0;
	b->max = max;
	b->truncated = 0;
}

void
buf_release(struct buf *b)
{
	if (b->alloc != 0)
		free(b->buf);
	buf_init(b, b->max);
}

void
buf_reset(struct buf *b)
{
	buf_setlen(b, 0);
	b->truncated = 0;
}

void
buf_grow(struct buf *b, size_t extra)
{
	int	new_buf = b->alloc == 0;

	if (b->len + extra + 1 < b->len)
		fatalx("buf_grow: size overflow");
	if (new_buf)
		b->buf = NULL;
	ALLOC_GROW(b->buf, b->len + extra + 1, b->alloc);
	if (new_buf)
		b->buf[0] = '\0';
}

int
buf_add(struct buf *b, const void *data, size_t len)
{
	int	rc = 0;

	if (b->max != 0 && b->len + len > b->max) {
		len = b->max > b->len ? b->max - b->len : 0;
		b->truncated = 1;
		rc = -1;
	}
	if (len == 0)
		return (rc);
	buf_grow(b, len);
	memcpy(b->buf + b->len, data, len);
	b->len += len;
	b->buf[b->len] = '\0';
	return (rc);
}

int
buf_adds(struct buf *b, const char *s)
{
	return (buf_add(b, s, strlen(s)));
}

int
buf_addch(struct buf *b, int c)
{
	char	ch = c;

	return (buf_add(b, &ch, 1));
}

int
buf_vaddf(struct buf *b, const char *fmt, va_list ap)
{
	va_list	 cp;
	char	 small[256];
	char	*big;
	int	 n, rc;

	va_copy(cp, ap);
	n = vsnprintf(small, sizeof small, fmt, cp);
	va_end(cp);
	if (n < 0)
		return (-1);
	if ((size_t)n < sizeof small)
		return (buf_add(b, small, n));
	big = xvasprintf(fmt, ap);
	rc = buf_add(b, big, n);
	free(big);
	return (rc);
}

int
buf_addf(struct buf *b, const char *fmt, ...)
{
	va_list	ap;
	int	rc;

	va_start(ap, fmt);
	rc = buf_vaddf(b, fmt, ap);
	va_end(ap);
	return (rc);
}

void
buf_setlen(struct buf *b, size_t n)
{
	if (n > b->len)
		fatalx("buf_setlen: %zu beyond length %zu", n, b->len);
	b->len = n;
	if (b->alloc != 0)
		b->buf[n] = '\0';
}

void
buf_remove_head(struct buf *b, size_t n)
{
	if (n > b->len)
		fatalx("buf_remove_head: %zu beyond length %zu", n, b->len);
	if (n == 0)
		return;
	memmove(b->buf, b->buf + n, b->len - n);
	buf_setlen(b, b->len - n);
}

char *
buf_detach(struct buf *b, size_t *len)
{
	char	*p;

	if (b->alloc == 0)
		buf_grow(b, 0);
	p = b->buf;
	if (len != NULL)
		*len = b->len;
	buf_init(b, b->max);
	return (p);
}

void
buf_rtrim(struct buf *b)
{
	size_t	n = b->len;

	while (n > 0 && strchr(" \t\r\n", b->buf[n - 1]) != NULL)
		n--;
	buf_setlen(b, n);
}

void
buf_tail_add(char *tail, size_t max, size_t *len, const void *data, size_t n)
{
	const char	*d = data;
	size_t		 keep;

	if (n >= max) {
		memcpy(tail, d + n - max, max);
		*len = max;
		return;
	}
	if (*len + n > max) {
		keep = max - n;
		memmove(tail, tail + *len - keep, keep);
		*len = keep;
	}
	memcpy(tail + *len, d, n);
	*len += n;
}
