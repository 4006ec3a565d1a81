/* sse.c: incremental Server-Sent Events parser (WHATWG rules). */
#include <stdlib.h>
#include <string.h>

#include "buf.h"
#include "sse.h"
#include "xmalloc.h"
#include "banned.h"

struct sse_parser {
	sse_event_cb	 cb;
	void		*arg;
	size_t		 max;
	struct buf	 line;		/* the current, unterminated line */
	struct buf	 data;		/* data lines of the pending event */
	struct buf	 event;		/* event type of the pending event */
	struct buf	 id;		/* last event id */
	int		 have_data;	/* a data field was seen */
	int		 after_cr;	/* last byte was CR: skip one LF */
	int		 started;	/* past a possible BOM */
	long		 retry;		/* reconnection time, ms; -1: none */
	size_t		 count;
	char		*error;		/* sticky failure */
};

static int	sse_line(struct sse_parser *, const char *, size_t, char **);
static int	sse_dispatch(struct sse_parser *, char **);
static int	sse_fail(struct sse_parser *, char **, const char *);

struct sse_parser *
sse_parser_create(size_t max, sse_event_cb cb, void *arg)
{
	struct sse_parser	*p = xcalloc(1, sizeof *p);

	p->cb = cb;
	p->arg = arg;
	p->max = max != 0 ? max : SSE_DEFAULT_MAX;
	buf_init(&p->line, 0);
	buf_init(&p->data, 0);
	buf_init(&p->event, 0);
	buf_init(&p->id, 0);
	p->retry = -1;
	return (p);
}

void
sse_parser_free(struct sse_parser *p)
{
	if (p == NULL)
		return;
	buf_release(&p->line);
	buf_release(&p->data);
	buf_release(&p->event);
	buf_release(&p->id);
	free(p->error);
	free(p);
}

long
sse_parser_retry(const struct sse_parser *p)
{
	return (p->retry);
}

const char *
sse_parser_last_id(const struct sse_parser *p)
{
	return (p->id.buf);
}

size_t
sse_parser_count(const struct sse_parser *p)
{
	return (p->count);
}

/* Record a sticky error and return it as cause. */
static int
sse_fail(struct sse_parser *p, char **cause, const char *why)
{
	if (p->error == NULL)
		p->error = xstrdup(why);
	if (cause != NULL)
		*cause = xstrdup(p->error);
	return (-1);
}

int
sse_parser_feed(struct sse_parser *p, const char *data, size_t len,
    char **cause)
{
	const char	*end = data + len, *q;
	size_t		 n;

	if (p->error != NULL)
		return (sse_fail(p, cause, p->error));
	while (data < end) {
		if (!p->started) {
			/* Skip a UTF-8 BOM, which may itself be split. */
			static const char bom[] = "\xef\xbb\xbf";
			size_t	have = p->line.len;

			if ((unsigned char)*data == (unsigned char)bom[have]) {
				buf_addch(&p->line, *data++);
				if (p->line.len == 3) {
					buf_reset(&p->line);
					p->started = 1;
				}
				continue;
			}
			p->started = 1;	/* partial BOM bytes stay data */
		}
		if (p->after_cr) {
			p->after_cr = 0;
			if (*data == '\n') {
				data++;
				continue;
			}
		}
		/* Find the end of the line in this chunk. */
		for (q = data; q < end && *q != '\n' && *q != '\r'; q++)
			;
		n = q - data;
		if (p->line.len + n > p->max)
			return (sse_fail(p, cause, "SSE line too long"));
		if (q == end) {
			buf_add(&p->line, data, n);
			break;
		}
		if (*q == '\r')
			p->after_cr = 1;
		if (p->line.len == 0) {
			if (sse_line(p, data, n, cause) != 0)
				return (-1);
		} else {
			buf_add(&p->line, data, n);
			if (sse_line(p, p->line.buf, p->line.len, cause) != 0)
				return (-1);
			buf_reset(&p->line);
		}
		data = q + 1;
	}
	return (0);
}

int
sse_parser_finish(struct sse_parser *p, char **cause)
{
	if (p->error != NULL)
		return (sse_fail(p, cause, p->error));
	if (p->line.len != 0 && p->started) {
		if (sse_line(p, p->line.buf, p->line.len, cause) != 0)
			return (-1);
		buf_reset(&p->line);
	}
	p->after_cr = 0;
	return (sse_dispatch(p, cause));
}

/* Process one complete line (without its terminator). */
static int
sse_line(struct sse_parser *p, const char *line, size_t len, char **cause)
{
	const char	*colon, *value;
	size_t		 nlen, vlen, i;
	long		 ms;

	if (len == 0)
		return (sse_dispatch(p, cause));
	if (line[0] == ':')
		return (0);		/* comment (keep-alive) */
	colon = memchr(line, ':', len);
	if (colon == NULL) {
		nlen = len;
		value = line + len;
		vlen = 0;
	} else {
		nlen = colon - line;
		value = colon + 1;
		vlen = len - nlen - 1;
		if (vlen > 0 && *value == ' ') {
			value++;
			vlen--;
		}
	}
	if (nlen == 4 && memcmp(line, "data", 4) == 0) {
		if (p->data.len + vlen + 1 > p->max)
			return (sse_fail(p, cause, "SSE event too large"));
		buf_add(&p->data, value, vlen);
		buf_addch(&p->data, '\n');
		p->have_data = 1;
	} else if (nlen == 5 && memcmp(line, "event", 5) == 0) {
		buf_reset(&p->event);
		buf_add(&p->event, value, vlen);
	} else if (nlen == 2 && memcmp(line, "id", 2) == 0) {
		if (memchr(value, '\0', vlen) == NULL) {
			buf_reset(&p->id);
			buf_add(&p->id, value, vlen);
		}
	} else if (nlen == 5 && memcmp(line, "retry", 5) == 0) {
		/* Only ASCII digits set the reconnection time. */
		ms = 0;
		for (i = 0; i < vlen; i++) {
			if (value[i] < '0' || value[i] > '9')
				break;
			ms = ms * 10 + (value[i] - '0');
		}
		if (vlen > 0 && vlen < 10 && i == vlen)
			p->retry = ms;
	}
	/* Unknown fields are ignored. */
	return (0);
}

/* Dispatch the pending event, if it has data, and reset for the next. */
static int
sse_dispatch(struct sse_parser *p, char **cause)
{
	struct sse_event	 ev;
	char			*why = NULL;
	int			 rc = 0;

	if (!p->have_data) {
		buf_reset(&p->event);
		return (0);
	}
	buf_setlen(&p->data, p->data.len - 1);	/* the last LF */
	ev.event = p->event.len != 0 ? p->event.buf : "message";
	ev.data = p->data.buf;
	ev.datalen = p->data.len;
	ev.id = p->id.buf;
	p->count++;
	if (p->cb(p->arg, &ev, &why) != 0) {
		rc = sse_fail(p, cause, why != NULL ? why :
		    "SSE event handler failed");
		free(why);
	}
	buf_reset(&p->data);
	buf_reset(&p->event);
	p->have_data = 0;
	return (rc);
}
