/*
 * render-md.c: styled screen lines, and what fills them: markdown (parsed by
 * md4c), plain text and unified diffs, wrapped to a width in columns.
 *
 * Everything here is independent of curses so it can be tested alone: a
 * line is UTF-8 text plus spans naming theme elements, and the views draw
 * them.  Wrapping works on cells (one character, its width and style) so
 * wide characters and combining marks are measured once.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <md4c.h>

#include "agentos.h"
#include "ui.h"
#include "banned.h"

/* One character on its way to a line. */
struct cell {
	char	 b[15];		/* UTF-8, with any combining marks */
	uint8_t	 n;		/* bytes used in b */
	uint8_t	 w;		/* columns */
	uint8_t	 elem, attr;
	uint8_t	 brk;		/* a line may break after this cell */
	uint8_t	 space;		/* a space (dropped at a break) */
};

/* A line being filled, broken at the width as cells arrive. */
struct wrap {
	struct slines	*out;
	int		 width;
	int		 nobreak;	/* break anywhere (code), not at words */
	struct cell	*c;
	size_t		 nr, alloc;
	int		 col;
	size_t		 nprefix;	/* prefix cells at the line start */
	struct cell	*cont;		/* prefix of continuation lines */
	size_t		 ncont, acont;
	int		 wrapped;	/* the line began by wrapping */
	int		 open;
};

#define MDR_MAXDEPTH	32

/* A container that prefixes its lines: a block quote or a list item. */
struct mdr_container {
	int	quote;
	char	bullet[16];
	int	pending;	/* bullet not yet drawn */
};

struct mdr_list {
	int		ordered;
	unsigned int	n;
	int		tight;
};

/* A table cell being collected (tables are laid out at the end). */
struct mdr_tcell {
	struct cell	*c;
	size_t		 n;
	int		 w;
};

struct mdr {
	struct slines		*out;
	size_t			 first;		/* out->nr at the start */
	int			 width;
	int			 base;
	struct wrap		 w;
	struct mdr_container	 cont[MDR_MAXDEPTH];
	int			 ncont;
	struct mdr_list		 lists[MDR_MAXDEPTH];
	int			 nlists;
	int			 blank;		/* a blank line before next */
	int			 in_code;
	int			 heading;	/* level; 0 none */
	int			 em, strong, code, del, link, img;
	char			*href;

	/* Tables. */
	int			 in_table;
	int			 in_cell;
	struct mdr_tcell	*cells;		/* row-major */
	size_t			 ncells, acells;
	int			 ncols, row_cols, nrows;
	MD_ALIGN		 align[64];
	struct cell		*cc;		/* the cell being filled */
	size_t			 ccn, cca;
};

static void	 sline_put_fg(struct sline *, const char *, size_t, int, int,
		     int, int);
static void	 sline_put(struct sline *, const char *, size_t, int, int,
		     int);
static void	 cell_set(struct cell *, uint32_t, int, int);
static void	 wrap_init(struct wrap *, struct slines *, int);
static void	 wrap_release(struct wrap *);
static void	 wrap_begin(struct wrap *, const struct cell *, size_t,
		     const struct cell *, size_t);
static void	 wrap_emit(struct wrap *, size_t);
static void	 wrap_push(struct wrap *, const struct cell *);
static void	 wrap_text(struct wrap *, const char *, size_t, int, int);
static void	 wrap_newline(struct wrap *);
static void	 wrap_end(struct wrap *, int);
static void	 cells_text(struct cell **, size_t *, size_t *, const char *,
		     size_t, int, int);
static int	 mdr_enter_block(MD_BLOCKTYPE, void *, void *);
static int	 mdr_leave_block(MD_BLOCKTYPE, void *, void *);
static int	 mdr_enter_span(MD_SPANTYPE, void *, void *);
static int	 mdr_leave_span(MD_SPANTYPE, void *, void *);
static int	 mdr_text(MD_TEXTTYPE, const MD_CHAR *, MD_SIZE, void *);
static void	 mdr_para_start(struct mdr *);
static void	 mdr_para_end(struct mdr *);
static void	 mdr_blank(struct mdr *);
static void	 mdr_prefix(struct mdr *, struct cell **, size_t *, int);
static void	 mdr_table_end(struct mdr *);
static size_t	 mdr_entity(const char *, size_t, char *);

void
slines_init(struct slines *sl)
{
	sl->v = NULL;
	sl->nr = sl->alloc = 0;
}

void
slines_release(struct slines *sl)
{
	size_t	i;

	for (i = 0; i < sl->nr; i++) {
		buf_release(&sl->v[i].text);
		free(sl->v[i].spans);
	}
	free(sl->v);
	slines_init(sl);
}

struct sline *
slines_add(struct slines *sl)
{
	struct sline	*l;

	ALLOC_GROW(sl->v, sl->nr + 1, sl->alloc);
	l = &sl->v[sl->nr++];
	buf_init(&l->text, 0);
	l->spans = NULL;
	l->nspans = l->aspans = 0;
	l->width = 0;
	return (l);
}

/* Append bytes already known to be printable, w columns wide. */
static void
sline_put(struct sline *l, const char *s, size_t len, int w, int elem,
    int attr)
{
	sline_put_fg(l, s, len, w, elem, attr, 0);
}

/* As sline_put() with a terminal colour (span fg: 0, or 1 + colour). */
static void
sline_put_fg(struct sline *l, const char *s, size_t len, int w, int elem,
    int attr, int fg)
{
	struct span	*sp;

	if (len == 0)
		return;
	sp = l->nspans > 0 ? &l->spans[l->nspans - 1] : NULL;
	if (sp != NULL && sp->elem == elem && sp->attr == attr &&
	    sp->fg == fg && sp->off + sp->len == l->text.len)
		sp->len += len;
	else {
		ALLOC_GROW(l->spans, l->nspans + 1, l->aspans);
		sp = &l->spans[l->nspans++];
		sp->off = l->text.len;
		sp->len = len;
		sp->elem = elem;
		sp->attr = attr;
		sp->fg = fg;
	}
	buf_add(&l->text, s, len);
	l->width += w;
}

void
sline_add_fg(struct sline *l, const char *s, size_t len, int elem, int attr,
    int fg)
{
	struct cell	c;
	uint32_t	wc;
	size_t		n;

	if (fg < 0 || fg > 256)
		fg = 0;
	while (len > 0) {
		n = utf8_decode(s, len, &wc);
		s += n;
		len -= n;
		cell_set(&c, wc, elem, attr);
		sline_put_fg(l, c.b, c.n, c.w, elem, attr, fg);
	}
}

void
sline_add(struct sline *l, const char *s, size_t len, int elem, int attr)
{
	struct cell	c;
	uint32_t	wc;
	size_t		n;

	while (len > 0) {
		n = utf8_decode(s, len, &wc);
		s += n;
		len -= n;
		if (wc == '\t') {
			do
				sline_put(l, " ", 1, 1, elem, attr);
			while (l->width % 8 != 0);
			continue;
		}
		cell_set(&c, wc, elem, attr);
		sline_put(l, c.b, c.n, c.w, elem, attr);
	}
}

/* Fill c with character wc, control characters made visible. */
static void
cell_set(struct cell *c, uint32_t wc, int elem, int attr)
{
	if (wc < 0x20)
		wc = 0x2400 + wc;	/* control pictures */
	else if (wc == 0x7f)
		wc = 0x2421;
	else if (wc >= 0x80 && wc < 0xa0)
		wc = 0xfffd;
	c->n = utf8_encode(wc, c->b);
	c->w = utf8_width(wc);
	c->elem = elem;
	c->attr = attr;
	c->space = wc == ' ';
	c->brk = c->space || c->w == 2;
}

static void
wrap_init(struct wrap *w, struct slines *out, int width)
{
	memset(w, 0, sizeof *w);
	w->out = out;
	w->width = width < 1 ? 1 : width;
}

static void
wrap_release(struct wrap *w)
{
	free(w->c);
	free(w->cont);
}

/* Start a line with prefix cells, and set the continuation prefix. */
static void
wrap_begin(struct wrap *w, const struct cell *first, size_t nfirst,
    const struct cell *cont, size_t ncont)
{
	size_t	i;

	w->nr = 0;
	w->col = 0;
	for (i = 0; i < nfirst; i++)
		wrap_push(w, &first[i]);
	w->nprefix = w->nr;
	ALLOC_GROW(w->cont, ncont, w->acont);
	if (ncont > 0)
		memcpy(w->cont, cont, ncont * sizeof *cont);
	w->ncont = ncont;
	w->wrapped = 0;
	w->open = 1;
}

/* Emit the first n cells as a line (trailing spaces dropped). */
static void
wrap_emit(struct wrap *w, size_t n)
{
	struct sline	*l = slines_add(w->out);
	size_t		 i, end = n;

	while (end > w->nprefix && w->c[end - 1].space)
		end--;
	for (i = 0; i < end; i++) {
		sline_put(l, w->c[i].b, w->c[i].n, w->c[i].w, w->c[i].elem,
		    w->c[i].attr);
	}
}

/* Append a cell without wrapping. */
static void
wrap_push(struct wrap *w, const struct cell *c)
{
	ALLOC_GROW(w->c, w->nr + 1, w->alloc);
	w->c[w->nr++] = *c;
	w->col += c->w;
}

/* Start a continuation line holding the cells from index from on. */
static void
wrap_continue(struct wrap *w, size_t from)
{
	struct cell	*rest = NULL;
	size_t		 nrest = w->nr - from, i;

	if (nrest > 0) {
		rest = xreallocarray(NULL, nrest, sizeof *rest);
		memcpy(rest, w->c + from, nrest * sizeof *rest);
	}
	w->nr = 0;
	w->col = 0;
	for (i = 0; i < w->ncont; i++)
		wrap_push(w, &w->cont[i]);
	w->nprefix = w->nr;
	for (i = 0; i < nrest; i++) {
		if (w->nr == w->nprefix && rest[i].space)
			continue;
		wrap_push(w, &rest[i]);
	}
	free(rest);
	w->wrapped = 1;
}

/* Add one cell, breaking the line first when it does not fit. */
static void
wrap_add(struct wrap *w, const struct cell *c)
{
	size_t	i, b;

	if (c->w == 0 && c->n > 0) {
		/* A combining mark joins the character before it. */
		if (w->nr > w->nprefix) {
			struct cell *p = &w->c[w->nr - 1];

			if (p->n + c->n <= sizeof p->b) {
				memcpy(p->b + p->n, c->b, c->n);
				p->n += c->n;
			}
		}
		return;
	}
	if (w->col + c->w <= w->width || w->nr == w->nprefix) {
		if (c->space && w->wrapped && w->nr == w->nprefix)
			return;
		wrap_push(w, c);
		return;
	}
	if (c->space) {
		wrap_emit(w, w->nr);
		wrap_continue(w, w->nr);
		return;
	}
	b = 0;
	if (!w->nobreak) {
		for (i = w->nr; i > w->nprefix; i--) {
			if (w->c[i - 1].brk) {
				b = i;
				break;
			}
		}
	}
	if (b == 0)
		b = w->nr;
	wrap_emit(w, b);
	wrap_continue(w, b);
	if (w->col + c->w > w->width && w->nr > w->nprefix) {
		wrap_emit(w, w->nr);
		wrap_continue(w, w->nr);
	}
	wrap_push(w, c);
}

/* Add text in a style; '\n' starts a new line. */
static void
wrap_text(struct wrap *w, const char *s, size_t len, int elem, int attr)
{
	struct cell	c;
	uint32_t	wc;
	size_t		n;
	int		i;

	while (len > 0) {
		n = utf8_decode(s, len, &wc);
		s += n;
		len -= n;
		if (wc == '\n') {
			wrap_newline(w);
			continue;
		}
		if (wc == '\r')
			continue;
		if (wc == '\t') {
			cell_set(&c, ' ', elem, attr);
			i = 8 - (w->col - (int)w->nprefix) % 8;
			while (i-- > 0)
				wrap_add(w, &c);
			continue;
		}
		cell_set(&c, wc, elem, attr);
		if (w->nobreak)
			c.brk = 0;
		wrap_add(w, &c);
	}
}

/* End the line (even if empty) and start a continuation line. */
static void
wrap_newline(struct wrap *w)
{
	wrap_emit(w, w->nr);
	wrap_continue(w, w->nr);
	w->wrapped = 0;
}

/* End the last line: emitted if it has text, or always with force. */
static void
wrap_end(struct wrap *w, int force)
{
	if (w->open && (force || w->nr > w->nprefix))
		wrap_emit(w, w->nr);
	w->open = 0;
	w->nr = 0;
	w->col = 0;
}

/* Append text to a cell vector without wrapping. */
static void
cells_text(struct cell **v, size_t *n, size_t *alloc, const char *s,
    size_t len, int elem, int attr)
{
	struct cell	c;
	uint32_t	wc;
	size_t		k;

	while (len > 0) {
		k = utf8_decode(s, len, &wc);
		s += k;
		len -= k;
		if (wc == '\n' || wc == '\t')
			wc = ' ';
		cell_set(&c, wc, elem, attr);
		if (c.w == 0) {
			if (*n > 0 && (*v)[*n - 1].n + c.n <=
			    sizeof (*v)[0].b) {
				memcpy((*v)[*n - 1].b + (*v)[*n - 1].n, c.b,
				    c.n);
				(*v)[*n - 1].n += c.n;
			}
			continue;
		}
		ALLOC_GROW(*v, *n + 1, *alloc);
		(*v)[(*n)++] = c;
	}
}

void
render_plain(struct slines *out, const char *s, size_t len, int width,
    int elem, int attr, const char *prefix, int prefix_elem)
{
	struct wrap	 w;
	struct cell	*pc = NULL;
	size_t		 npc = 0, apc = 0, i;

	wrap_init(&w, out, width);
	if (prefix != NULL)
		cells_text(&pc, &npc, &apc, prefix, strlen(prefix),
		    prefix_elem, 0);
	wrap_begin(&w, pc, npc, pc, npc);
	/* Continuation lines are indented by the prefix's width. */
	for (i = 0; i < w.ncont; i++) {
		w.cont[i].b[0] = ' ';
		w.cont[i].n = 1;
		w.cont[i].w = 1;
	}
	if (w.ncont > 0) {
		size_t	total = 0;

		for (i = 0; i < npc; i++)
			total += pc[i].w;
		ALLOC_GROW(w.cont, total, w.acont);
		for (i = w.ncont; i < total; i++)
			w.cont[i] = w.cont[0];
		w.ncont = total;
	}
	while (len > 0 && s[len - 1] == '\n')
		len--;
	wrap_text(&w, s, len, elem, attr);
	wrap_end(&w, 1);
	wrap_release(&w);
	free(pc);
}

/* The style of inline text at this point of the document. */
static void
mdr_style(struct mdr *r, int *elem, int *attr)
{
	int	a = 0, e = r->base;

	if (r->heading) {
		e = EL_HEADING;
		a |= SA_BOLD;
		if (r->heading == 1)
			a |= SA_UNDERLINE;
	}
	if (r->em)
		a |= SA_ITALIC;
	if (r->strong)
		a |= SA_BOLD;
	if (r->del)
		a |= SA_DIM;
	if (r->link || r->img) {
		e = EL_LINK;
		a |= SA_UNDERLINE;
	}
	if (r->code || r->in_code)
		e = EL_CODE;
	*elem = e;
	*attr = a;
}

/*
 * The prefix of the next line from the containers: quote bars, and list
 * bullets (on an item's first line; spaces of the same width after).
 */
static void
mdr_prefix(struct mdr *r, struct cell **v, size_t *n, int first)
{
	size_t	alloc = 0;
	int	i, j, bw;

	*v = NULL;
	*n = 0;
	for (i = 0; i < r->ncont; i++) {
		struct mdr_container *c = &r->cont[i];

		if (c->quote) {
			cells_text(v, n, &alloc, "\xe2\x94\x82 ", 4, EL_QUOTE,
			    0);
			continue;
		}
		if (first && c->pending) {
			cells_text(v, n, &alloc, c->bullet,
			    strlen(c->bullet), EL_LINK, 0);
			continue;
		}
		bw = utf8_strwidth(c->bullet, strlen(c->bullet));
		for (j = 0; j < bw; j++)
			cells_text(v, n, &alloc, " ", 1, r->base, 0);
	}
}

/* Emit the blank line a previous block asked for. */
static void
mdr_blank(struct mdr *r)
{
	struct cell	*pc;
	size_t		 npc, i;

	if (r->blank && r->out->nr > r->first) {
		struct sline *l = slines_add(r->out);

		mdr_prefix(r, &pc, &npc, 0);
		for (i = 0; i < npc; i++) {
			if (pc[i].elem == EL_QUOTE)
				sline_put(l, pc[i].b, pc[i].n, pc[i].w,
				    pc[i].elem, pc[i].attr);
		}
		free(pc);
		/* Drop trailing space after the last bar. */
		buf_rtrim(&l->text);
		if (l->nspans > 0) {
			struct span *sp = &l->spans[l->nspans - 1];

			if (sp->off + sp->len > l->text.len)
				sp->len = l->text.len - sp->off;
		}
		l->width = utf8_strwidth(l->text.buf, l->text.len);
	}
	r->blank = 0;
}

/* Open a paragraph-like run of wrapped text if none is open. */
static void
mdr_para_start(struct mdr *r)
{
	struct cell	*first, *cont;
	size_t		 nfirst, ncont;
	int		 i;

	if (r->w.open)
		return;
	mdr_blank(r);
	mdr_prefix(r, &first, &nfirst, 1);
	mdr_prefix(r, &cont, &ncont, 0);
	if (r->in_code) {
		struct cell	sp;

		cell_set(&sp, ' ', r->base, 0);
		first = xreallocarray(first, nfirst + 2, sizeof *first);
		for (i = 0; i < 2; i++)
			first[nfirst++] = sp;
		ncont = nfirst;
		free(cont);
		cont = xreallocarray(NULL, ncont, sizeof *cont);
		memcpy(cont, first, ncont * sizeof *cont);
	}
	r->w.nobreak = r->in_code;
	wrap_begin(&r->w, first, nfirst, cont, ncont);
	for (i = 0; i < r->ncont; i++)
		r->cont[i].pending = 0;
	free(first);
	free(cont);
}

/* Close the open paragraph, if any. */
static void
mdr_para_end(struct mdr *r)
{
	if (!r->w.open)
		return;
	wrap_end(&r->w, 0);
	if (r->nlists > 0 && r->lists[r->nlists - 1].tight)
		r->blank = 0;
	else
		r->blank = 1;
}

static int
mdr_enter_block(MD_BLOCKTYPE type, void *detail, void *arg)
{
	struct mdr		*r = arg;
	struct mdr_container	*c;
	struct mdr_list		*l;
	static const char	*bullets[] = {
		"\xe2\x80\xa2 ", "\xe2\x97\xa6 ", "\xe2\x96\xaa "
	};

	if (type != MD_BLOCK_TD && type != MD_BLOCK_TH &&
	    type != MD_BLOCK_TR && type != MD_BLOCK_THEAD &&
	    type != MD_BLOCK_TBODY)
		mdr_para_end(r);
	switch (type) {
	case MD_BLOCK_QUOTE:
		/*
		 * The blank line before the quote is outside it: with the
		 * container pushed first it would be a bar on an empty line.
		 */
		mdr_blank(r);
		if (r->ncont < MDR_MAXDEPTH) {
			c = &r->cont[r->ncont++];
			memset(c, 0, sizeof *c);
			c->quote = 1;
		}
		break;
	case MD_BLOCK_UL:
	case MD_BLOCK_OL:
		if (r->nlists < MDR_MAXDEPTH) {
			l = &r->lists[r->nlists++];
			l->ordered = type == MD_BLOCK_OL;
			if (l->ordered) {
				MD_BLOCK_OL_DETAIL *d = detail;

				l->n = d->start;
				l->tight = d->is_tight;
			} else {
				MD_BLOCK_UL_DETAIL *d = detail;

				l->n = 0;
				l->tight = d->is_tight;
			}
		}
		break;
	case MD_BLOCK_LI:
		if (r->ncont < MDR_MAXDEPTH && r->nlists > 0) {
			MD_BLOCK_LI_DETAIL *d = detail;

			l = &r->lists[r->nlists - 1];
			c = &r->cont[r->ncont++];
			memset(c, 0, sizeof *c);
			if (l->ordered)
				xsnprintf(c->bullet, sizeof c->bullet,
				    "%u. ", l->n++);
			else {
				xsnprintf(c->bullet, sizeof c->bullet, "%s",
				    bullets[(r->nlists - 1) % 3]);
			}
			if (d->is_task) {
				size_t	bl = strlen(c->bullet);

				xsnprintf(c->bullet + bl,
				    sizeof c->bullet - bl, "%s",
				    d->task_mark == ' ' ? "\xe2\x98\x90 " :
				    "\xe2\x98\x91 ");
			}
			c->pending = 1;
		}
		break;
	case MD_BLOCK_HR:
		mdr_blank(r);
		{
			struct sline	*sl = slines_add(r->out);
			int		 i;

			for (i = 0; i < r->width; i++)
				sline_put(sl, "\xe2\x94\x80", 3, 1, EL_BORDER,
				    0);
		}
		r->blank = 1;
		break;
	case MD_BLOCK_H:
		r->heading = ((MD_BLOCK_H_DETAIL *)detail)->level;
		break;
	case MD_BLOCK_CODE:
		r->in_code = 1;
		break;
	case MD_BLOCK_TABLE:
		r->in_table = 1;
		r->ncells = 0;
		r->ncols = 0;
		r->nrows = 0;
		break;
	case MD_BLOCK_TR:
		r->row_cols = 0;
		break;
	case MD_BLOCK_TH:
	case MD_BLOCK_TD:
		r->in_cell = 1;
		r->ccn = 0;
		if (r->row_cols < 64) {
			r->align[r->row_cols] =
			    ((MD_BLOCK_TD_DETAIL *)detail)->align;
		}
		r->strong = type == MD_BLOCK_TH;
		break;
	default:
		break;
	}
	return (0);
}

static int
mdr_leave_block(MD_BLOCKTYPE type, void *detail, void *arg)
{
	struct mdr		*r = arg;
	struct mdr_tcell	*tc;

	switch (type) {
	case MD_BLOCK_P:
		mdr_para_end(r);
		break;
	case MD_BLOCK_H:
		mdr_para_end(r);
		r->heading = 0;
		r->blank = 1;
		break;
	case MD_BLOCK_CODE:
		if (r->w.open)
			wrap_end(&r->w, 0);
		r->in_code = 0;
		r->blank = 1;
		break;
	case MD_BLOCK_QUOTE:
		mdr_para_end(r);
		if (r->ncont > 0)
			r->ncont--;
		r->blank = 1;
		break;
	case MD_BLOCK_LI:
		mdr_para_end(r);
		if (r->ncont > 0)
			r->ncont--;
		if (r->nlists > 0 && r->lists[r->nlists - 1].tight)
			r->blank = 0;
		break;
	case MD_BLOCK_UL:
	case MD_BLOCK_OL:
		if (r->nlists > 0)
			r->nlists--;
		r->blank = 1;
		if (r->nlists > 0 && r->lists[r->nlists - 1].tight)
			r->blank = 0;
		break;
	case MD_BLOCK_TH:
	case MD_BLOCK_TD:
		ALLOC_GROW(r->cells, r->ncells + 1, r->acells);
		tc = &r->cells[r->ncells++];
		tc->c = r->cc;
		tc->n = r->ccn;
		tc->w = 0;
		{
			size_t	i;

			for (i = 0; i < r->ccn; i++)
				tc->w += r->cc[i].w;
		}
		r->cc = NULL;
		r->ccn = r->cca = 0;
		r->in_cell = 0;
		r->strong = 0;
		r->row_cols++;
		break;
	case MD_BLOCK_TR:
		if (r->nrows == 0)
			r->ncols = r->row_cols;
		/* Pad or cut rows to the header's column count. */
		while (r->row_cols < r->ncols) {
			ALLOC_GROW(r->cells, r->ncells + 1, r->acells);
			tc = &r->cells[r->ncells++];
			memset(tc, 0, sizeof *tc);
			r->row_cols++;
		}
		while (r->row_cols > r->ncols) {
			free(r->cells[--r->ncells].c);
			r->row_cols--;
		}
		r->nrows++;
		break;
	case MD_BLOCK_TABLE:
		mdr_table_end(r);
		r->in_table = 0;
		r->blank = 1;
		break;
	default:
		break;
	}
	return (0);
}

/* Lay a collected table out: columns fitted to the width, cells cut. */
static void
mdr_table_end(struct mdr *r)
{
	struct cell	*pc, ell, sp;
	size_t		 npc, i;
	int		*cw, total, avail, row, col, k, pad, left, used;

	if (r->ncols == 0 || r->nrows == 0)
		goto out;
	mdr_blank(r);
	mdr_prefix(r, &pc, &npc, 0);
	used = 0;
	for (i = 0; i < npc; i++)
		used += pc[i].w;
	cw = xcalloc(r->ncols, sizeof *cw);
	for (row = 0; row < r->nrows; row++) {
		for (col = 0; col < r->ncols; col++) {
			k = r->cells[row * r->ncols + col].w;
			if (k > cw[col])
				cw[col] = k;
		}
	}
	avail = r->width - used - 3 * (r->ncols - 1);
	for (;;) {
		total = 0;
		k = 0;
		for (col = 0; col < r->ncols; col++) {
			total += cw[col];
			if (cw[col] > cw[k])
				k = col;
		}
		if (total <= avail || cw[k] <= 3)
			break;
		cw[k]--;
	}
	cell_set(&ell, 0x2026, r->base, 0);
	cell_set(&sp, ' ', r->base, 0);
	for (row = 0; row < r->nrows; row++) {
		struct sline *l = slines_add(r->out);

		for (i = 0; i < npc; i++)
			sline_put(l, pc[i].b, pc[i].n, pc[i].w, pc[i].elem,
			    pc[i].attr);
		for (col = 0; col < r->ncols; col++) {
			struct mdr_tcell *tc = &r->cells[row * r->ncols +
			    col];
			int	 fit = tc->w <= cw[col], w = 0;
			MD_ALIGN a = col < 64 ? r->align[col] : 0;

			if (col > 0)
				sline_put(l, " \xe2\x94\x82 ", 5, 3,
				    EL_BORDER, 0);
			pad = fit ? cw[col] - tc->w : 0;
			left = a == MD_ALIGN_RIGHT ? pad :
			    a == MD_ALIGN_CENTER ? pad / 2 : 0;
			for (k = 0; k < left; k++)
				sline_put(l, " ", 1, 1, r->base, 0);
			for (i = 0; i < tc->n; i++) {
				if (!fit && w + tc->c[i].w > cw[col] - 1)
					break;
				sline_put(l, tc->c[i].b, tc->c[i].n,
				    tc->c[i].w, tc->c[i].elem,
				    tc->c[i].attr);
				w += tc->c[i].w;
			}
			if (!fit) {
				sline_put(l, ell.b, ell.n, ell.w, ell.elem, 0);
				w += ell.w;
			}
			if (col != r->ncols - 1) {
				for (k = left + w; k < cw[col]; k++)
					sline_put(l, " ", 1, 1, r->base, 0);
			}
		}
		if (row == 0) {
			/* The rule under the header row. */
			l = slines_add(r->out);
			for (i = 0; i < npc; i++)
				sline_put(l, pc[i].b, pc[i].n, pc[i].w,
				    pc[i].elem, pc[i].attr);
			for (col = 0; col < r->ncols; col++) {
				if (col > 0)
					sline_put(l, "\xe2\x94\x80\xe2\x94\xbc"
					    "\xe2\x94\x80", 9, 3, EL_BORDER,
					    0);
				for (k = 0; k < cw[col]; k++)
					sline_put(l, "\xe2\x94\x80", 3, 1,
					    EL_BORDER, 0);
			}
		}
	}
	free(cw);
	free(pc);
out:
	for (i = 0; i < r->ncells; i++)
		free(r->cells[i].c);
	r->ncells = 0;
}

static int
mdr_enter_span(MD_SPANTYPE type, void *detail, void *arg)
{
	struct mdr	*r = arg;

	switch (type) {
	case MD_SPAN_EM:
		r->em++;
		break;
	case MD_SPAN_STRONG:
		r->strong++;
		break;
	case MD_SPAN_CODE:
		r->code++;
		break;
	case MD_SPAN_DEL:
		r->del++;
		break;
	case MD_SPAN_A:
		r->link++;
		if (r->link == 1) {
			MD_SPAN_A_DETAIL *d = detail;

			free(r->href);
			r->href = xstrndup(d->href.text, d->href.size);
		}
		break;
	case MD_SPAN_IMG:
		r->img++;
		break;
	default:
		break;
	}
	return (0);
}

static int
mdr_leave_span(MD_SPANTYPE type, void *detail, void *arg)
{
	struct mdr	*r = arg;

	switch (type) {
	case MD_SPAN_EM:
		r->em--;
		break;
	case MD_SPAN_STRONG:
		r->strong--;
		break;
	case MD_SPAN_CODE:
		r->code--;
		break;
	case MD_SPAN_DEL:
		r->del--;
		break;
	case MD_SPAN_A:
		r->link--;
		/* Show where a link goes unless its text says it. */
		if (r->link == 0 && r->href != NULL && *r->href != '\0' &&
		    !r->in_cell && r->w.open) {
			size_t	i, n = 0;
			char	tail[256];

			for (i = r->w.nprefix; i < r->w.nr &&
			    n + r->w.c[i].n < sizeof tail; i++) {
				memcpy(tail + n, r->w.c[i].b, r->w.c[i].n);
				n += r->w.c[i].n;
			}
			tail[n] = '\0';
			if (strstr(tail, r->href) == NULL) {
				wrap_text(&r->w, " (", 2, EL_NOTICE, 0);
				wrap_text(&r->w, r->href, strlen(r->href),
				    EL_NOTICE, 0);
				wrap_text(&r->w, ")", 1, EL_NOTICE, 0);
			}
		}
		break;
	case MD_SPAN_IMG:
		r->img--;
		break;
	default:
		break;
	}
	return (0);
}

/* Decode an entity such as "&amp;" or "&#233;" into out (UTF-8). */
static size_t
mdr_entity(const char *s, size_t len, char *out)
{
	static const struct {
		const char	*name;
		uint32_t	 wc;
	} names[] = {
		{ "&amp;", '&' }, { "&lt;", '<' }, { "&gt;", '>' },
		{ "&quot;", '"' }, { "&apos;", '\'' }, { "&nbsp;", 0xa0 },
		{ "&copy;", 0xa9 }, { "&mdash;", 0x2014 },
		{ "&ndash;", 0x2013 }, { "&hellip;", 0x2026 },
	};
	unsigned long	wc;
	size_t		i;
	char		tmp[16], *end;

	if (len >= 4 && len < sizeof tmp && s[1] == '#') {
		memcpy(tmp, s, len);
		tmp[len] = '\0';
		if (tmp[2] == 'x' || tmp[2] == 'X')
			wc = strtoul(tmp + 3, &end, 16);
		else
			wc = strtoul(tmp + 2, &end, 10);
		if (*end == ';' && wc > 0 && wc <= 0x10ffff)
			return (utf8_encode(wc, out));
	}
	for (i = 0; i < sizeof names / sizeof names[0]; i++) {
		if (strlen(names[i].name) == len &&
		    memcmp(names[i].name, s, len) == 0)
			return (utf8_encode(names[i].wc, out));
	}
	return (0);
}

static int
mdr_text(MD_TEXTTYPE type, const MD_CHAR *text, MD_SIZE size, void *arg)
{
	struct mdr	*r = arg;
	char		 ent[4];
	size_t		 n;
	int		 elem, attr;

	mdr_style(r, &elem, &attr);
	if (type == MD_TEXT_ENTITY) {
		if ((n = mdr_entity(text, size, ent)) != 0) {
			text = ent;
			size = n;
		}
	} else if (type == MD_TEXT_NULLCHAR) {
		text = "\xef\xbf\xbd";
		size = 3;
	} else if (type == MD_TEXT_SOFTBR) {
		text = " ";
		size = 1;
	}
	if (r->in_cell) {
		cells_text(&r->cc, &r->ccn, &r->cca, text, size, elem, attr);
		return (0);
	}
	if (r->in_table)
		return (0);
	if (type == MD_TEXT_BR) {
		mdr_para_start(r);
		wrap_newline(&r->w);
		return (0);
	}
	mdr_para_start(r);
	wrap_text(&r->w, text, size, elem, attr);
	return (0);
}

void
render_md(struct slines *out, const char *md, size_t len, int width,
    int base_elem)
{
	struct mdr	r;
	MD_PARSER	p;
	size_t		i;

	memset(&r, 0, sizeof r);
	r.out = out;
	r.first = out->nr;
	r.width = width < 2 ? 2 : width;
	r.base = base_elem;
	wrap_init(&r.w, out, r.width);

	memset(&p, 0, sizeof p);
	p.abi_version = 0;
	p.flags = MD_FLAG_TABLES | MD_FLAG_STRIKETHROUGH |
	    MD_FLAG_TASKLISTS | MD_FLAG_PERMISSIVEAUTOLINKS |
	    MD_FLAG_NOHTMLBLOCKS;
	p.enter_block = mdr_enter_block;
	p.leave_block = mdr_leave_block;
	p.enter_span = mdr_enter_span;
	p.leave_span = mdr_leave_span;
	p.text = mdr_text;
	if (md_parse(md, len, &p, &r) != 0) {
		/* md4c failed (out of memory): show the text as it is. */
		wrap_end(&r.w, 0);
		render_plain(out, md, len, width, base_elem, 0, NULL, 0);
	}
	if (r.w.open)
		wrap_end(&r.w, 0);
	wrap_release(&r.w);
	for (i = 0; i < r.ncells; i++)
		free(r.cells[i].c);
	free(r.cells);
	free(r.cc);
	free(r.href);
}

/* Parse "@@ -a,b +c,d @@" into the first old and new line numbers. */
static int
diff_hunk(const char *s, size_t len, long *old, long *new, long *end)
{
	char	tmp[128], *p;
	long	ol, oc = 1, nl, nc = 1;

	if (len >= sizeof tmp)
		len = sizeof tmp - 1;
	memcpy(tmp, s, len);
	tmp[len] = '\0';
	if (strncmp(tmp, "@@ -", 4) != 0)
		return (-1);
	ol = strtol(tmp + 4, &p, 10);
	if (*p == ',')
		oc = strtol(p + 1, &p, 10);
	if (*p != ' ' || p[1] != '+')
		return (-1);
	nl = strtol(p + 2, &p, 10);
	if (*p == ',')
		nc = strtol(p + 1, &p, 10);
	*old = ol;
	*new = nl;
	*end = ol + oc > nl + nc ? ol + oc : nl + nc;
	return (0);
}

void
render_diff(struct slines *out, const char *diff, size_t len, int width)
{
	struct wrap	 w;
	struct cell	*pc = NULL, *bc = NULL;
	size_t		 npc = 0, apc = 0, nbc = 0, abc = 0, ll;
	const char	*s, *e, *nl;
	long		 old = 0, new = 0, end, maxl = 999;
	int		 digits, elem, in_hunk = 0;
	char		 gut[64];

	/* The gutter is as wide as the largest line number. */
	for (s = diff, e = diff + len; s < e; s = nl + 1) {
		if ((nl = memchr(s, '\n', e - s)) == NULL)
			nl = e;
		if (diff_hunk(s, nl - s, &old, &new, &end) == 0 && end > maxl)
			maxl = end;
	}
	digits = 1;
	for (end = maxl; end >= 10; end /= 10)
		digits++;

	wrap_init(&w, out, width);
	w.nobreak = 1;
	for (s = diff, e = diff + len; s < e; s = nl + 1) {
		if ((nl = memchr(s, '\n', e - s)) == NULL)
			nl = e;
		ll = nl - s;
		elem = EL_TEXT;
		if (ll >= 2 && s[0] == '@' && s[1] == '@') {
			if (diff_hunk(s, ll, &old, &new, &end) == 0)
				in_hunk = 1;
			elem = EL_DIFF_HUNK;
			xsnprintf(gut, sizeof gut, "%*s %*s  ", digits, "",
			    digits, "");
		} else if (!in_hunk || (ll >= 4 &&
		    (strncmp(s, "diff", 4) == 0 || strncmp(s, "--- ", 4) == 0 ||
		    strncmp(s, "+++ ", 4) == 0 || strncmp(s, "inde", 4) == 0))) {
			in_hunk = strncmp(s, "+++ ", 4) == 0 ? 0 : in_hunk;
			if (ll >= 4 && strncmp(s, "diff", 4) == 0)
				in_hunk = 0;
			elem = EL_DIFF_META;
			xsnprintf(gut, sizeof gut, "%*s %*s  ", digits, "",
			    digits, "");
		} else if (ll > 0 && s[0] == '+') {
			elem = EL_DIFF_ADD;
			xsnprintf(gut, sizeof gut, "%*s %*ld  ", digits, "",
			    digits, new++);
		} else if (ll > 0 && s[0] == '-') {
			elem = EL_DIFF_DEL;
			xsnprintf(gut, sizeof gut, "%*ld %*s  ", digits, old++,
			    digits, "");
		} else if (ll > 0 && s[0] == '\\') {
			elem = EL_NOTICE;
			xsnprintf(gut, sizeof gut, "%*s %*s  ", digits, "",
			    digits, "");
		} else {
			xsnprintf(gut, sizeof gut, "%*ld %*ld  ", digits, old++,
			    digits, new++);
		}
		if (nl == e && ll == 0)
			break;
		npc = 0;
		cells_text(&pc, &npc, &apc, gut, strlen(gut), EL_LINE_NUMBER,
		    0);
		if (nbc == 0) {
			memset(gut, ' ', 2 * digits + 3);
			cells_text(&bc, &nbc, &abc, gut, 2 * digits + 3,
			    EL_LINE_NUMBER, 0);
		}
		wrap_begin(&w, pc, npc, bc, nbc);
		wrap_text(&w, s, ll, elem, 0);
		wrap_end(&w, 1);
		if (nl == e)
			break;
	}
	wrap_release(&w);
	free(pc);
	free(bc);
}
