/*
 * editor.c: the input editor: a UTF-8 text with a caret, wrapped rows for
 * display, history, and placeholders for large pastes.  It knows nothing of
 * curses; ui.c maps keys to these operations and draws the layout.
 *
 * The text is kept valid UTF-8 (insertion replaces invalid bytes), so the
 * caret always sits on a character boundary; combining marks move with the
 * character before them.
 */
#include <sys/stat.h>

#include <errno.h>
#include <fcntl.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "agentos.h"
#include "ui.h"
#include "banned.h"

struct editor_paste {
	char	*tag;		/* "[pasted 12 lines]" as shown */
	char	*text;		/* what it stands for */
	int	 word;		/* a word: spaces keep it apart */
};

struct editor {
	struct buf		 b;
	size_t			 caret;		/* byte offset */

	struct editor_paste	*pastes;
	size_t			 npastes, apastes;

	char			**hist;
	size_t			 nhist, ahist;
	size_t			 hpos;		/* nhist: not browsing */
	char			*saved;		/* text before browsing */
	size_t			 hfile;		/* entries in the file */
};

static size_t	editor_next(struct editor *, size_t);
static size_t	editor_prev(struct editor *, size_t);
static int	editor_isspace(struct editor *, size_t);
static void	editor_remove(struct editor *, size_t, size_t);
static void	editor_forget_pastes(struct editor *);
static int	editor_tag_span(struct editor *, size_t, int, size_t *,
		    size_t *);

struct editor *
editor_create(void)
{
	struct editor	*p = xcalloc(1, sizeof *p);

	buf_init(&p->b, 0);
	return (p);
}

void
editor_free(struct editor *p)
{
	size_t	i;

	if (p == NULL)
		return;
	buf_release(&p->b);
	editor_forget_pastes(p);
	free(p->pastes);
	for (i = 0; i < p->nhist; i++)
		free(p->hist[i]);
	free(p->hist);
	free(p->saved);
	free(p);
}

/* Drop the paste placeholders' contents. */
static void
editor_forget_pastes(struct editor *p)
{
	size_t	i;

	for (i = 0; i < p->npastes; i++) {
		free(p->pastes[i].tag);
		free(p->pastes[i].text);
	}
	p->npastes = 0;
}

const char *
editor_buffer(struct editor *p, size_t *len)
{
	if (len != NULL)
		*len = p->b.len;
	return (p->b.buf);
}

size_t
editor_caret(struct editor *p)
{
	return (p->caret);
}

int
editor_empty(struct editor *p)
{
	return (p->b.len == 0);
}

void
editor_set(struct editor *p, const char *text)
{
	buf_reset(&p->b);
	p->caret = 0;
	editor_forget_pastes(p);
	editor_insert(p, text, strlen(text));
}

void
editor_clear(struct editor *p)
{
	editor_set(p, "");
	p->hpos = p->nhist;
	free(p->saved);
	p->saved = NULL;
}

/*
 * Whether a paste placeholder covers off: with after set, one that starts at
 * or before off and ends after it (the caret moving right); otherwise one
 * that starts before off and ends at or after it (moving left).  Its span is
 * in *start and *end.  A placeholder is one unit for the caret.
 */
static int
editor_tag_span(struct editor *p, size_t off, int after, size_t *start,
    size_t *end)
{
	const char	*at;
	size_t		 i, s, e, n;

	for (i = 0; i < p->npastes; i++) {
		n = strlen(p->pastes[i].tag);
		if ((at = strstr(p->b.buf, p->pastes[i].tag)) == NULL)
			continue;
		s = at - p->b.buf;
		e = s + n;
		if ((after && s <= off && off < e) ||
		    (!after && s < off && off <= e)) {
			*start = s;
			*end = e;
			return (1);
		}
	}
	return (0);
}

/* The offset after the character at off (and its combining marks). */
static size_t
editor_next(struct editor *p, size_t off)
{
	uint32_t	wc;
	size_t		s, e;

	if (off >= p->b.len)
		return (p->b.len);
	if (editor_tag_span(p, off, 1, &s, &e))
		return (e);
	off += utf8_decode(p->b.buf + off, p->b.len - off, &wc);
	while (off < p->b.len) {
		size_t n = utf8_decode(p->b.buf + off, p->b.len - off, &wc);

		if (wc == '\n' || utf8_width(wc) != 0)
			break;
		off += n;
	}
	return (off);
}

/* The offset of the character before off (skipping combining marks). */
static size_t
editor_prev(struct editor *p, size_t off)
{
	uint32_t	wc;
	size_t		s, e;

	if (editor_tag_span(p, off, 0, &s, &e))
		return (s);
	while (off > 0) {
		off--;
		while (off > 0 && ((unsigned char)p->b.buf[off] & 0xc0) == 0x80)
			off--;
		utf8_decode(p->b.buf + off, p->b.len - off, &wc);
		if (wc == '\n' || utf8_width(wc) != 0)
			break;
	}
	return (off);
}

/* Whether the character at off is white space. */
static int
editor_isspace(struct editor *p, size_t off)
{
	char	c = p->b.buf[off];

	return (c == ' ' || c == '\t' || c == '\n');
}

/* Remove bytes [from, to) and put the caret at from. */
static void
editor_remove(struct editor *p, size_t from, size_t to)
{
	memmove(p->b.buf + from, p->b.buf + to, p->b.len - to);
	buf_setlen(&p->b, p->b.len - (to - from));
	p->caret = from;
}

void
editor_insert(struct editor *p, const char *s, size_t len)
{
	struct buf	ins = BUF_INIT;
	uint32_t	wc;
	size_t		n;
	char		enc[4];

	while (len > 0) {
		n = utf8_decode(s, len, &wc);
		s += n;
		len -= n;
		if (wc == '\r') {
			/* CR LF and lone CR both end a line. */
			if (len > 0 && *s == '\n')
				continue;
			wc = '\n';
		}
		if ((wc < 0x20 && wc != '\n' && wc != '\t') || wc == 0x7f)
			continue;
		buf_add(&ins, enc, utf8_encode(wc, enc));
	}
	if (ins.len > 0) {
		buf_grow(&p->b, ins.len);
		memmove(p->b.buf + p->caret + ins.len, p->b.buf + p->caret,
		    p->b.len - p->caret + 1);
		memcpy(p->b.buf + p->caret, ins.buf, ins.len);
		p->b.len += ins.len;
		p->caret += ins.len;
	}
	buf_release(&ins);
}

/* A copy of s with CR LF and lone CR made LF (what terminals paste). */
static char *
editor_normalise_eol(const char *s, size_t len)
{
	struct buf	out = BUF_INIT;
	size_t		i;

	for (i = 0; i < len; i++) {
		if (s[i] == '\r') {
			buf_addch(&out, '\n');
			if (i + 1 < len && s[i + 1] == '\n')
				i++;
		} else
			buf_addch(&out, s[i]);
	}
	return (buf_detach(&out, NULL));
}

void
editor_paste(struct editor *p, const char *s, size_t len)
{
	struct editor_paste	*pp;
	struct buf		 tag = BUF_INIT;
	size_t			 i, lines = 1, k;

	for (i = 0; i < len; i++) {
		if (s[i] == '\n' || (s[i] == '\r' &&
		    (i + 1 == len || s[i + 1] != '\n')))
			lines++;
	}
	if (len > 0 && (s[len - 1] == '\n' || s[len - 1] == '\r'))
		lines--;
	if (lines <= EDITOR_PASTE_LINES && len <= EDITOR_PASTE_BYTES) {
		editor_insert(p, s, len);
		return;
	}
	/* Number the tag when the same one is already in the text. */
	for (k = 1;; k++) {
		buf_reset(&tag);
		if (k == 1)
			buf_addf(&tag, "[pasted %zu lines]", lines);
		else
			buf_addf(&tag, "[pasted %zu lines #%zu]", lines, k);
		if (strstr(p->b.buf, tag.buf) == NULL)
			break;
	}
	ALLOC_GROW(p->pastes, p->npastes + 1, p->apastes);
	pp = &p->pastes[p->npastes++];
	pp->tag = xstrdup(tag.buf);
	pp->text = editor_normalise_eol(s, len);
	pp->word = 0;
	editor_insert(p, tag.buf, tag.len);
	buf_release(&tag);
}

void
editor_paste_tag(struct editor *p, const char *tag, const char *text)
{
	struct editor_paste	*pp;

	ALLOC_GROW(p->pastes, p->npastes + 1, p->apastes);
	pp = &p->pastes[p->npastes++];
	pp->tag = xstrdup(tag);
	pp->text = xstrdup(text);
	pp->word = 1;
	editor_insert(p, tag, strlen(tag));
}

char *
editor_text(struct editor *p)
{
	struct buf	 out = BUF_INIT, tmp = BUF_INIT;
	size_t		 i;
	char		*at;

	buf_add(&out, p->b.buf, p->b.len);
	for (i = 0; i < p->npastes; i++) {
		if ((at = strstr(out.buf, p->pastes[i].tag)) == NULL)
			continue;
		buf_reset(&tmp);
		buf_add(&tmp, out.buf, at - out.buf);
		/* An image's path stays a word of its own. */
		if (p->pastes[i].word && (at == out.buf ||
		    strchr(" \t\n", at[-1]) == NULL))
			buf_addch(&tmp, ' ');	/* first: not a /command */
		buf_adds(&tmp, p->pastes[i].text);
		if (p->pastes[i].word && strchr(" \t\n",
		    at[strlen(p->pastes[i].tag)]) == NULL)
			buf_addch(&tmp, ' ');
		buf_adds(&tmp, at + strlen(p->pastes[i].tag));
		buf_reset(&out);
		buf_add(&out, tmp.buf, tmp.len);
	}
	buf_release(&tmp);
	return (buf_detach(&out, NULL));
}

int
editor_backspace(struct editor *p)
{
	size_t	s, e;
	int	tag;

	if (p->caret == 0)
		return (-1);
	tag = editor_tag_span(p, p->caret, 0, &s, &e);
	editor_remove(p, editor_prev(p, p->caret), p->caret);
	return (tag ? 1 : 0);
}

int
editor_delete(struct editor *p)
{
	size_t	s, e;
	int	tag;

	if (p->caret >= p->b.len)
		return (-1);
	tag = editor_tag_span(p, p->caret, 1, &s, &e);
	editor_remove(p, p->caret, editor_next(p, p->caret));
	return (tag ? 1 : 0);
}

int
editor_left(struct editor *p)
{
	if (p->caret == 0)
		return (-1);
	p->caret = editor_prev(p, p->caret);
	return (0);
}

int
editor_right(struct editor *p)
{
	if (p->caret >= p->b.len)
		return (-1);
	p->caret = editor_next(p, p->caret);
	return (0);
}

int
editor_word_left(struct editor *p)
{
	size_t	off = p->caret;

	if (off == 0)
		return (-1);
	while (off > 0 && editor_isspace(p, editor_prev(p, off)))
		off = editor_prev(p, off);
	while (off > 0 && !editor_isspace(p, editor_prev(p, off)))
		off = editor_prev(p, off);
	p->caret = off;
	return (0);
}

int
editor_word_right(struct editor *p)
{
	size_t	off = p->caret;

	if (off >= p->b.len)
		return (-1);
	while (off < p->b.len && editor_isspace(p, off))
		off = editor_next(p, off);
	while (off < p->b.len && !editor_isspace(p, off))
		off = editor_next(p, off);
	p->caret = off;
	return (0);
}

int
editor_home(struct editor *p)
{
	size_t	off = p->caret;

	while (off > 0 && p->b.buf[off - 1] != '\n')
		off--;
	if (off == p->caret)
		return (-1);
	p->caret = off;
	return (0);
}

int
editor_end(struct editor *p)
{
	size_t	off = p->caret;

	while (off < p->b.len && p->b.buf[off] != '\n')
		off++;
	if (off == p->caret)
		return (-1);
	p->caret = off;
	return (0);
}

int
editor_kill_line(struct editor *p)
{
	size_t	end = p->caret;

	while (end < p->b.len && p->b.buf[end] != '\n')
		end++;
	if (end == p->caret) {
		/* At the end of a line: join the next one. */
		if (end >= p->b.len)
			return (-1);
		end++;
	}
	editor_remove(p, p->caret, end);
	return (0);
}

int
editor_kill_start(struct editor *p)
{
	size_t	start = p->caret;

	while (start > 0 && p->b.buf[start - 1] != '\n')
		start--;
	if (start == p->caret)
		return (-1);
	editor_remove(p, start, p->caret);
	return (0);
}

int
editor_kill_word(struct editor *p)
{
	size_t	end = p->caret;

	if (editor_word_left(p) != 0)
		return (-1);
	editor_remove(p, p->caret, end);
	return (0);
}

void
editor_layout(struct editor *p, int width, struct editor_layout *l)
{
	struct editor_row	*row;
	uint32_t		 wc;
	size_t			 off = 0, n;
	int			 col = 0, w, found = 0;

	if (width < 2)
		width = 2;
	l->nrows = 0;
	ALLOC_GROW(l->rows, 1, l->arows);
	row = &l->rows[l->nrows++];
	row->off = 0;
	row->len = 0;
	l->cursor_row = 0;
	l->cursor_col = 0;
	while (off < p->b.len) {
		n = utf8_decode(p->b.buf + off, p->b.len - off, &wc);
		w = wc == '\n' ? 0 : utf8_width(wc);
		if (col + w > width && w > 0) {
			ALLOC_GROW(l->rows, l->nrows + 1, l->arows);
			row = &l->rows[l->nrows++];
			row->off = off;
			row->len = 0;
			col = 0;
		}
		if (off == p->caret && !found) {
			l->cursor_row = l->nrows - 1;
			l->cursor_col = col;
			found = 1;
		}
		off += n;
		if (wc == '\n') {
			ALLOC_GROW(l->rows, l->nrows + 1, l->arows);
			row = &l->rows[l->nrows++];
			row->off = off;
			row->len = 0;
			col = 0;
			continue;
		}
		row->len = off - row->off;
		col += w;
	}
	if (!found) {
		/* The caret is at the end: past a full row, on a new one. */
		if (col >= width) {
			ALLOC_GROW(l->rows, l->nrows + 1, l->arows);
			row = &l->rows[l->nrows++];
			row->off = p->b.len;
			row->len = 0;
			col = 0;
		}
		l->cursor_row = l->nrows - 1;
		l->cursor_col = col;
	}
}

void
editor_layout_release(struct editor_layout *l)
{
	free(l->rows);
	memset(l, 0, sizeof *l);
}

/* Put the caret in row r at the column nearest col (not past it). */
static void
editor_goto(struct editor *p, const struct editor_row *r, int col)
{
	uint32_t	wc;
	size_t		off = r->off, end = r->off + r->len, n;
	int		c = 0, w;

	while (off < end) {
		n = utf8_decode(p->b.buf + off, end - off, &wc);
		w = utf8_width(wc);
		if (c + w > col)
			break;
		c += w;
		off = editor_next(p, off);
		(void)n;
	}
	p->caret = off;
}

int
editor_up(struct editor *p, int width)
{
	struct editor_layout	l;
	int			rc = -1;

	memset(&l, 0, sizeof l);
	editor_layout(p, width, &l);
	if (l.cursor_row > 0) {
		editor_goto(p, &l.rows[l.cursor_row - 1], l.cursor_col);
		rc = 0;
	}
	editor_layout_release(&l);
	return (rc);
}

int
editor_down(struct editor *p, int width)
{
	struct editor_layout	l;
	int			rc = -1;

	memset(&l, 0, sizeof l);
	editor_layout(p, width, &l);
	if (l.cursor_row + 1 < l.nrows) {
		editor_goto(p, &l.rows[l.cursor_row + 1], l.cursor_col);
		rc = 0;
	}
	editor_layout_release(&l);
	return (rc);
}

void
editor_history_add(struct editor *p, const char *text)
{
	if (*text == '\0')
		return;
	if (p->nhist > 0 && strcmp(p->hist[p->nhist - 1], text) == 0)
		goto out;
	if (p->nhist == EDITOR_HISTORY_MAX) {
		free(p->hist[0]);
		memmove(p->hist, p->hist + 1, (p->nhist - 1) * sizeof *p->hist);
		p->nhist--;
	}
	ALLOC_GROW(p->hist, p->nhist + 1, p->ahist);
	p->hist[p->nhist++] = xstrdup(text);
out:
	p->hpos = p->nhist;
	free(p->saved);
	p->saved = NULL;
}

int
editor_history_prev(struct editor *p)
{
	if (p->hpos == 0)
		return (-1);
	if (p->hpos == p->nhist) {
		free(p->saved);
		p->saved = xstrndup(p->b.buf, p->b.len);
	}
	p->hpos--;
	buf_reset(&p->b);
	p->caret = 0;
	editor_insert(p, p->hist[p->hpos], strlen(p->hist[p->hpos]));
	return (0);
}

int
editor_history_next(struct editor *p)
{
	const char	*s;

	if (p->hpos >= p->nhist)
		return (-1);
	p->hpos++;
	s = p->hpos == p->nhist ? p->saved : p->hist[p->hpos];
	buf_reset(&p->b);
	p->caret = 0;
	if (s != NULL)
		editor_insert(p, s, strlen(s));
	if (p->hpos == p->nhist) {
		free(p->saved);
		p->saved = NULL;
	}
	return (0);
}

char *
editor_history_escape(const char *text)
{
	struct buf	b = BUF_INIT;

	for (; *text != '\0'; text++) {
		if (*text == '\\')
			buf_adds(&b, "\\\\");
		else if (*text == '\n')
			buf_adds(&b, "\\n");
		else if (*text == '\r')
			buf_adds(&b, "\\r");
		else
			buf_addch(&b, *text);
	}
	return (buf_detach(&b, NULL));
}

char *
editor_history_unescape(const char *line, size_t len)
{
	struct buf	b = BUF_INIT;
	size_t		i;

	for (i = 0; i < len; i++) {
		if (line[i] != '\\' || i + 1 == len) {
			buf_addch(&b, line[i]);
			continue;
		}
		switch (line[++i]) {
		case 'n':
			buf_addch(&b, '\n');
			break;
		case 'r':
			buf_addch(&b, '\r');
			break;
		case '\\':
			buf_addch(&b, '\\');
			break;
		default:	/* not ours: keep as it is */
			buf_addch(&b, '\\');
			buf_addch(&b, line[i]);
			break;
		}
	}
	return (buf_detach(&b, NULL));
}

int
editor_history_load(struct editor *p, const char *path, char **cause)
{
	FILE	*f;
	char	*line = NULL, *text;
	size_t	 size = 0;
	ssize_t	 n;

	if ((f = fopen(path, "r")) == NULL) {
		if (errno == ENOENT)
			return (0);
		*cause = xasprintf("%s: %s", path, strerror(errno));
		return (-1);
	}
	while ((n = getline(&line, &size, f)) != -1) {
		if (n > 0 && line[n - 1] == '\n')
			n--;
		p->hfile++;
		if (n == 0)
			continue;
		text = editor_history_unescape(line, n);
		editor_history_add(p, text);
		free(text);
	}
	free(line);
	fclose(f);
	return (0);
}

/* Make the directory of path (one level), for a first save. */
static void
editor_history_mkdir(const char *path)
{
	char	*dir = xstrdup(path), *slash;

	if ((slash = strrchr(dir, '/')) != NULL && slash != dir) {
		*slash = '\0';
		mkdir(dir, 0755);
	}
	free(dir);
}

/* Write every entry of the history to path, through a temporary file. */
static int
editor_history_rewrite(struct editor *p, const char *path, char **cause)
{
	struct buf	 b = BUF_INIT;
	char		*tmp, *e;
	size_t		 i;
	int		 fd, rc = -1;

	for (i = 0; i < p->nhist; i++) {
		e = editor_history_escape(p->hist[i]);
		buf_addf(&b, "%s\n", e);
		free(e);
	}
	tmp = xasprintf("%s.tmp%ld", path, (long)getpid());
	if ((fd = open(tmp, O_WRONLY|O_CREAT|O_TRUNC, 0600)) == -1 ||
	    write(fd, b.buf, b.len) != (ssize_t)b.len) {
		*cause = xasprintf("%s: %s", tmp, strerror(errno));
		goto out;
	}
	if (close(fd) != 0 || rename(tmp, path) != 0) {
		fd = -1;
		*cause = xasprintf("%s: %s", path, strerror(errno));
		goto out;
	}
	fd = -1;
	p->hfile = p->nhist;
	rc = 0;
out:
	if (fd != -1)
		close(fd);
	if (rc != 0)
		unlink(tmp);
	free(tmp);
	buf_release(&b);
	return (rc);
}

int
editor_history_save(struct editor *p, const char *path, const char *text,
    char **cause)
{
	char	*line, *e;
	size_t	 len;
	ssize_t	 n;
	int	 fd, rc = -1;

	if (*text == '\0')
		return (0);
	if (p->hfile >= 2 * EDITOR_HISTORY_MAX)
		return (editor_history_rewrite(p, path, cause));
	editor_history_mkdir(path);
	e = editor_history_escape(text);
	line = xasprintf("%s\n", e);
	free(e);
	len = strlen(line);
	/* One write with O_APPEND: sessions running at once interleave
	   whole lines. */
	if ((fd = open(path, O_WRONLY|O_CREAT|O_APPEND, 0600)) == -1) {
		*cause = xasprintf("%s: %s", path, strerror(errno));
		goto out;
	}
	n = write(fd, line, len);
	if (n != (ssize_t)len) {
		*cause = xasprintf("%s: %s", path, n == -1 ? strerror(errno) :
		    "short write");
		close(fd);
		goto out;
	}
	if (close(fd) != 0) {
		*cause = xasprintf("%s: %s", path, strerror(errno));
		goto out;
	}
	p->hfile++;
	rc = 0;
out:
	free(line);
	return (rc);
}

void
editor_replace(struct editor *p, size_t from, size_t to, const char *text)
{
	if (from > to || to > p->b.len)
		return;
	editor_remove(p, from, to);
	editor_insert(p, text, strlen(text));
}

size_t
editor_history_count(struct editor *p)
{
	return (p->nhist);
}

const char *
editor_history_get(struct editor *p, size_t i)
{
	return (i < p->nhist ? p->hist[i] : "");
}
