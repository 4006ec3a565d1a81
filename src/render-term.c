/*
 * render-term.c: command output drawn as a terminal shows it: SGR colours
 * and attributes, a carriage return overwriting the line, backspace; other
 * escape sequences and control characters are dropped.
 */
#include <stdlib.h>
#include <string.h>

#include "agentos.h"
#include "ui.h"
#include "utf8.h"
#include "banned.h"

/* One character on the terminal line being built. */
struct term_cell {
	char		b[4];
	uint8_t		n;		/* bytes */
	uint8_t		w;		/* columns, 1 or 2 */
	uint8_t		attr;		/* SA_* */
	uint16_t	fg;		/* 0, or 1 + a colour (0-255) */
};

/* The line, the cursor and the pen (carried from line to line). */
struct term {
	struct term_cell	*v;
	size_t			 n, alloc, cur;
	int			 attr;
	int			 fg;
};

static void	term_sgr(struct term *, const char *, size_t);
static void	term_put(struct term *, const char *, size_t, int);
static void	term_flush(struct term *, struct slines *, int, int, int,
		    const char *, int);

/* An SGR's parameters (the bytes between "ESC [" and "m"). */
static void
term_sgr(struct term *t, const char *p, size_t len)
{
	int	 v[32], nv = 0, i, c;
	size_t	 k;

	/* The numbers, ';' or ':' apart; an empty one is 0. */
	v[0] = 0;
	nv = 1;
	for (k = 0; k < len; k++) {
		if (p[k] == ';' || p[k] == ':') {
			if (nv == (int)(sizeof v / sizeof v[0]))
				break;
			v[nv++] = 0;
		} else if (p[k] >= '0' && p[k] <= '9') {
			if (v[nv - 1] < 100000)
				v[nv - 1] = v[nv - 1] * 10 + (p[k] - '0');
		} else
			return;		/* private or odd: not ours */
	}
	for (i = 0; i < nv; i++) {
		c = v[i];
		if (c == 0) {
			t->attr = 0;
			t->fg = 0;
		} else if (c == 1)
			t->attr |= SA_BOLD;
		else if (c == 2)
			t->attr |= SA_DIM;
		else if (c == 3)
			t->attr |= SA_ITALIC;
		else if (c == 4)
			t->attr |= SA_UNDERLINE;
		else if (c == 7)
			t->attr |= SA_REVERSE;
		else if (c == 22)
			t->attr &= ~(SA_BOLD | SA_DIM);
		else if (c == 23)
			t->attr &= ~SA_ITALIC;
		else if (c == 24)
			t->attr &= ~SA_UNDERLINE;
		else if (c == 27)
			t->attr &= ~SA_REVERSE;
		else if (c >= 30 && c <= 37)
			t->fg = 1 + (c - 30);
		else if (c == 39)
			t->fg = 0;
		else if (c >= 90 && c <= 97)
			t->fg = 1 + 8 + (c - 90);
		else if (c == 38 || c == 48) {
			/* 5;N (256 colours) or 2;R;G;B (to the cube). */
			if (i + 2 < nv && v[i + 1] == 5) {
				if (c == 38 && v[i + 2] <= 255)
					t->fg = 1 + v[i + 2];
				i += 2;
			} else if (i + 4 < nv && v[i + 1] == 2) {
				if (c == 38)
					t->fg = 1 + 16 +
					    36 * ((v[i + 2] & 255) * 6 / 256) +
					    6 * ((v[i + 3] & 255) * 6 / 256) +
					    (v[i + 4] & 255) * 6 / 256;
				i += 4;
			} else
				i = nv;
		}
		/* Backgrounds (40-49, 100-107) and the rest: ignored. */
	}
}

/* Put one character (n bytes, w columns) at the cursor. */
static void
term_put(struct term *t, const char *s, size_t n, int w)
{
	struct term_cell	*c;

	if (t->cur >= t->n) {
		ALLOC_GROW(t->v, t->n + 1, t->alloc);
		t->cur = t->n++;
	}
	c = &t->v[t->cur++];
	memcpy(c->b, s, n);
	c->n = n;
	c->w = w;
	c->attr = t->attr;
	c->fg = t->fg;
}

/* The line as screen lines, cut every width columns, as a terminal wraps. */
static void
term_flush(struct term *t, struct slines *out, int width, int elem,
    int attr, const char *prefix, int prefix_elem)
{
	struct sline	*l = NULL;
	size_t		 i, k;
	int		 pw = 0, col = 0;

	if (prefix != NULL)
		pw = utf8_strwidth(prefix, strlen(prefix));
	if (width - pw < 1)
		width = pw + 1;
	for (i = 0; i == 0 || i < t->n; i++) {
		if (l == NULL || (i < t->n && col + t->v[i].w > width - pw)) {
			/* The prefix on the first line, its width after. */
			l = slines_add(out);
			if (prefix != NULL && out->nr == 1)
				sline_add(l, prefix, strlen(prefix),
				    prefix_elem, 0);
			for (k = 0; out->nr > 1 && (int)k < pw; k++)
				sline_add(l, " ", 1, prefix_elem, 0);
			col = 0;
		}
		if (i >= t->n)
			break;
		if (t->v[i].w > width - pw) {
			/* A wide character on a one-column line. */
			sline_add_fg(l, "?", 1, elem, attr | t->v[i].attr,
			    t->v[i].fg);
			col++;
			continue;
		}
		sline_add_fg(l, t->v[i].b, t->v[i].n, elem,
		    attr | t->v[i].attr, t->v[i].fg);
		col += t->v[i].w;
	}
	t->n = t->cur = 0;
}

void
render_term(struct slines *out, const char *s, size_t len, int width,
    int elem, int attr, const char *prefix, int prefix_elem)
{
	struct term	 t;
	uint32_t	 wc;
	size_t		 i = 0, n, p;
	int		 w;

	memset(&t, 0, sizeof t);
	while (len > 0 && s[len - 1] == '\n')
		len--;
	while (i < len) {
		unsigned char	c = s[i];

		if (c == 0x1b) {
			i++;
			if (i < len && s[i] == '[') {
				/* CSI: parameters, then a final byte. */
				p = ++i;
				while (i < len && ((unsigned char)s[i] < 0x40 ||
				    (unsigned char)s[i] > 0x7e))
					i++;
				if (i < len && s[i] == 'm')
					term_sgr(&t, s + p, i - p);
				else if (i < len && s[i] == 'K' &&
				    (i == p || s[p] == '0'))
					t.n = t.cur;	/* erase to the end */
				i++;
			} else if (i < len && (s[i] == ']' || s[i] == 'P' ||
			    s[i] == '_' || s[i] == '^')) {
				/* OSC, DCS, APC, PM: to BEL or ST. */
				while (++i < len && s[i] != '\a' &&
				    s[i] != 0x1b)
					;
				i += i < len && s[i] == 0x1b ? 2 : 1;
			} else if (i < len && s[i] >= 0x20 && s[i] <= 0x2f) {
				/* nF (charset choice): its bytes, a final. */
				while (i < len && s[i] >= 0x20 && s[i] <= 0x2f)
					i++;
				i++;
			} else
				i++;
			continue;
		}
		if (c == '\r') {
			if (i + 1 < len && s[i + 1] == '\n') {
				i++;
				continue;
			}
			t.cur = 0;
			i++;
			continue;
		}
		if (c == '\n') {
			term_flush(&t, out, width, elem, attr, prefix,
			    prefix_elem);
			i++;
			continue;
		}
		if (c == '\b') {
			if (t.cur > 0)
				t.cur--;
			i++;
			continue;
		}
		if (c == '\t') {
			do
				term_put(&t, " ", 1, 1);
			while (t.cur % 8 != 0);
			i++;
			continue;
		}
		if (c < 0x20 || c == 0x7f) {
			i++;
			continue;
		}
		n = utf8_decode(s + i, len - i, &wc);
		if (n == 0)
			n = 1;
		if (wc >= 0x80 && wc < 0xa0) {
			i += n;
			continue;	/* C1 controls */
		}
		w = utf8_width(wc);
		if (w <= 0) {
			/* A combining mark: onto the character before. */
			if (t.cur > 0 && t.v[t.cur - 1].n + n <= 4) {
				memcpy(t.v[t.cur - 1].b + t.v[t.cur - 1].n,
				    s + i, n);
				t.v[t.cur - 1].n += n;
			}
			i += n;
			continue;
		}
		if (n > 4) {
			i += n;
			continue;
		}
		term_put(&t, s + i, n, w > 2 ? 2 : w);
		i += n;
	}
	if (t.n > 0)
		term_flush(&t, out, width, elem, attr, prefix, prefix_elem);
	free(t.v);
}
