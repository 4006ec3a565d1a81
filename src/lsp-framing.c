/*
 * lsp-framing.c: the LSP base protocol framing (Content-Length headers).
 *
 * https://microsoft.github.io/language-server-protocol/specifications/lsp/
 * 3.17/specification/#baseProtocol: a message is a header part of
 * "Name: value\r\n" fields ended by an empty "\r\n" line, then exactly
 * Content-Length bytes of JSON.  The parser is incremental (bytes may come
 * one at a time) and bounded: a header block is at most LSP_HEADER_MAX
 * bytes and a body at most the limit given at init; a larger body is
 * skipped without being buffered.
 */
#include <ctype.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "agentos.h"
#include "lsp.h"
#include "banned.h"

#define LSP_HEADER_MAX	8192

static int	lsp_framing_header(struct lsp_framing *, const char *, size_t,
		    char **);

void
lsp_framing_init(struct lsp_framing *f, size_t max_message)
{
	memset(f, 0, sizeof *f);
	buf_init(&f->in, 0);
	f->max = max_message;
	f->need = -1;
}

void
lsp_framing_release(struct lsp_framing *f)
{
	buf_release(&f->in);
	f->pos = 0;
	f->need = -1;
	f->skip = 0;
}

int
lsp_framing_feed(struct lsp_framing *f, const char *data, size_t len)
{
	size_t	n;

	/* Drop what an oversized message still owes us without keeping it. */
	if (f->skip > 0) {
		n = len < f->skip ? len : f->skip;
		f->skip -= n;
		data += n;
		len -= n;
	}
	if (len == 0)
		return (0);
	/* Compact the consumed head before growing. */
	if (f->pos > 0) {
		buf_remove_head(&f->in, f->pos);
		f->pos = 0;
	}
	buf_add(&f->in, data, len);
	return (0);
}

/* Parse a complete header block of len bytes at hdr; sets f->need. */
static int
lsp_framing_header(struct lsp_framing *f, const char *hdr, size_t len,
    char **cause)
{
	const char	*line = hdr, *end = hdr + len, *nl, *colon, *v;
	char		*ep;
	long long	 cl = -1;
	char		 num[32];
	size_t		 ll, vl;

	while (line < end) {
		nl = memchr(line, '\n', end - line);
		if (nl == NULL)
			nl = end;
		ll = nl - line;
		if (ll > 0 && line[ll - 1] == '\r')
			ll--;
		if (ll == 0)
			break;
		colon = memchr(line, ':', ll);
		if (colon == NULL) {
			*cause = xasprintf("bad header line (no colon)");
			return (-1);
		}
		if ((size_t)(colon - line) == 14 &&
		    strncasecmp(line, "Content-Length", 14) == 0) {
			v = colon + 1;
			vl = ll - (v - line);
			while (vl > 0 && (*v == ' ' || *v == '\t')) {
				v++;
				vl--;
			}
			while (vl > 0 && (v[vl - 1] == ' ' || v[vl - 1] == '\t'))
				vl--;
			if (vl == 0 || vl >= sizeof num ||
			    !isdigit((unsigned char)*v)) {
				*cause = xasprintf("bad Content-Length");
				return (-1);
			}
			memcpy(num, v, vl);
			num[vl] = '\0';
			errno = 0;
			cl = strtoll(num, &ep, 10);
			if (errno != 0 || *ep != '\0' || cl < 0) {
				*cause = xasprintf("bad Content-Length");
				return (-1);
			}
		}
		line = nl + 1;
	}
	if (cl < 0) {
		*cause = xasprintf("header without Content-Length");
		return (-1);
	}
	f->need = cl;
	return (0);
}

int
lsp_framing_next(struct lsp_framing *f, const char **msg, size_t *len,
    char **cause)
{
	const char	*p, *e, *hend;
	size_t		 avail, hlen, total;

	*cause = NULL;
	for (;;) {
		p = f->in.buf + f->pos;
		avail = f->in.len - f->pos;
		if (f->need < 0) {
			/* Skip blank lines some servers put between messages. */
			while (avail > 0 && (*p == '\r' || *p == '\n')) {
				p++;
				avail--;
				f->pos++;
			}
			if (avail == 0)
				return (LSP_FRAME_MORE);
			hend = NULL;
			for (e = p; e < p + avail; e++) {
				if (*e != '\n')
					continue;
				if (e + 1 < p + avail && e[1] == '\n') {
					hend = e + 2;
					break;
				}
				if (e + 2 < p + avail && e[1] == '\r' &&
				    e[2] == '\n') {
					hend = e + 3;
					break;
				}
			}
			if (hend == NULL) {
				if (avail > LSP_HEADER_MAX) {
					*cause = xasprintf("header longer than "
					    "%d bytes", LSP_HEADER_MAX);
					return (LSP_FRAME_ERROR);
				}
				return (LSP_FRAME_MORE);
			}
			hlen = hend - p;
			if (hlen > LSP_HEADER_MAX) {
				*cause = xasprintf("header longer than %d "
				    "bytes", LSP_HEADER_MAX);
				return (LSP_FRAME_ERROR);
			}
			if (lsp_framing_header(f, p, hlen, cause) != 0)
				return (LSP_FRAME_ERROR);
			f->pos += hlen;
			if (f->max != 0 && (size_t)f->need > f->max) {
				/* Too large: skip it, buffered or not. */
				avail = f->in.len - f->pos;
				total = (size_t)f->need;
				*cause = xasprintf("message of %zu bytes "
				    "skipped (limit %zu)", total, f->max);
				if (avail >= total)
					f->pos += total;
				else {
					f->pos += avail;
					f->skip = total - avail;
				}
				f->need = -1;
				return (LSP_FRAME_SKIPPED);
			}
			continue;
		}
		if (avail < (size_t)f->need)
			return (LSP_FRAME_MORE);
		*msg = p;
		*len = (size_t)f->need;
		f->pos += (size_t)f->need;
		f->need = -1;
		return (LSP_FRAME_MESSAGE);
	}
}

void
lsp_framing_encode(struct buf *out, const char *body, size_t len)
{
	buf_addf(out, "Content-Length: %zu\r\n\r\n", len);
	buf_add(out, body, len);
}
