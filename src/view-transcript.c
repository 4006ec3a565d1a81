/*
 * view-transcript.c: the transcript: user messages, the assistant's
 * markdown as it streams, thinking, tool calls one line each (expandable),
 * notices and errors, with its own scrollback.
 *
 * Each entry keeps its rendered lines for the last width, so a frame only
 * renders what changed (the entry being streamed) and a resize renders
 * everything once.
 */
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>

#include <curses.h>

#include "agentos.h"
#include "ui.h"
#include "banned.h"

#define TOOL_TAIL_LINES		5	/* output shown while running */
#define THINKING_LINES		3	/* thinking shown collapsed */
#define TOOL_ERROR_LINES	6	/* a failed call's result, collapsed */

static int	transcript_total;	/* lines at the last draw */

static void	tentry_render(struct ui *, struct tentry *, int, int);
static int	tentry_gap(struct ui *, size_t);

struct tentry *
view_transcript_add(struct ui *ui, enum tentry_type type, const char *text)
{
	struct tentry	*e = xcalloc(1, sizeof *e);

	e->type = type;
	buf_init(&e->text, 0);
	buf_init(&e->output, 0);
	buf_init(&e->diff, TENTRY_DIFF_MAX);
	e->exit_status = -1;
	slines_init(&e->lines);
	if (text != NULL)
		buf_adds(&e->text, text);
	ALLOC_GROW(ui->entries, ui->nentries + 1, ui->aentries);
	ui->entries[ui->nentries++] = e;
	ui_redraw(ui);
	return (e);
}

void
view_transcript_notice(struct ui *ui, enum tentry_type type,
    const char *fmt, ...)
{
	va_list	 ap;
	char	*s;

	va_start(ap, fmt);
	s = xvasprintf(fmt, ap);
	va_end(ap);
	view_transcript_add(ui, type, s);
	free(s);
}

void
tentry_free(struct tentry *e)
{
	buf_release(&e->text);
	buf_release(&e->output);
	buf_release(&e->diff);
	slines_release(&e->lines);
	free(e->tool_id);
	free(e);
}

void
view_transcript_reset_stream(struct ui *ui)
{
	size_t	i = 0;

	while (i < ui->nentries) {
		struct tentry *e = ui->entries[i];

		if (e->provisional && (e->type == TE_ASSISTANT ||
		    e->type == TE_THINKING)) {
			tentry_free(e);
			memmove(ui->entries + i, ui->entries + i + 1,
			    (ui->nentries - i - 1) * sizeof *ui->entries);
			ui->nentries--;
		} else
			i++;
	}
	ui_redraw(ui);
}

void
view_transcript_prompt(struct ui *ui, const char *text, const char *shown)
{
	struct tentry	*e;

	e = view_transcript_add(ui, TE_USER, shown);
	/* A paste shows folded; the entry keeps it whole to expand. */
	if (strcmp(text, shown) != 0)
		buf_adds(&e->output, text);
}

void
view_transcript_remove(struct ui *ui, struct tentry *e)
{
	size_t	i;

	for (i = 0; i < ui->nentries; i++) {
		if (ui->entries[i] != e)
			continue;
		tentry_free(e);
		memmove(ui->entries + i, ui->entries + i + 1,
		    (ui->nentries - i - 1) * sizeof *ui->entries);
		ui->nentries--;
		ui_redraw(ui);
		return;
	}
}

void
view_transcript_clear(struct ui *ui)
{
	size_t	i;

	for (i = 0; i < ui->nentries; i++)
		tentry_free(ui->entries[i]);
	ui->nentries = 0;
	ui->streaming = ui->thinking = NULL;
	ui->scroll = 0;
	ui->selected = -1;
	ui_redraw(ui);
}

void
view_transcript_load(struct ui *ui, const struct conv *conv)
{
	const struct message	*m;
	const struct block	*b;
	struct tool_call	 tc;
	struct tentry		*e;
	struct buf		 text = BUF_INIT;
	char			*summary;
	size_t			 i, j;

	for (i = 0; i < conv->nr; i++) {
		m = &conv->msgs[i];
		buf_reset(&text);
		for (j = 0; j < m->nr; j++) {
			b = &m->blocks[j];
			switch (b->type) {
			case BLOCK_TEXT:
				if (b->text == NULL || *b->text == '\0')
					break;
				if (m->role == ROLE_USER) {
					/* One entry per prompt, as typed. */
					if (text.len != 0)
						buf_addch(&text, '\n');
					buf_adds(&text, b->text);
				} else
					view_transcript_add(ui, TE_ASSISTANT,
					    b->text);
				break;
			case BLOCK_THINKING:
				if (b->text != NULL && *b->text != '\0')
					view_transcript_add(ui, TE_THINKING,
					    b->text);
				break;
			case BLOCK_REDACTED_THINKING:
				break;
			case BLOCK_REASONING:
				/* Its summary, as the stream showed it. */
				if (b->text != NULL && *b->text != '\0')
					view_transcript_add(ui, TE_THINKING,
					    b->text);
				break;
			case BLOCK_TOOL_USE:
				memset(&tc, 0, sizeof tc);
				tc.tool = tool_find(b->name);
				tc.name = b->name;
				tc.id = b->id;
				tc.input = b->input;
				summary = tool_call_summary(&tc);
				e = view_transcript_add(ui, TE_TOOL, summary);
				free(summary);
				e->tool_id = xstrdup(b->id != NULL ? b->id :
				    "");
				break;
			case BLOCK_TOOL_RESULT:
				if (b->id == NULL || (e =
				    view_transcript_find_tool(ui, b->id)) ==
				    NULL)
					break;
				e->state = b->is_error ? TS_ERROR : TS_OK;
				buf_reset(&e->output);
				if (b->text != NULL)
					buf_adds(&e->output, b->text);
				break;
			}
		}
		if (text.len != 0)
			view_transcript_add(ui, TE_USER, text.buf);
	}
	buf_release(&text);
	ui->scroll = 0;
	ui_redraw(ui);
}

struct tentry *
view_transcript_find_tool(struct ui *ui, const char *id)
{
	size_t	i;

	for (i = ui->nentries; i > 0; i--) {
		struct tentry *e = ui->entries[i - 1];

		if (e->type == TE_TOOL && e->tool_id != NULL &&
		    strcmp(e->tool_id, id) == 0)
			return (e);
	}
	return (NULL);
}

void
view_transcript_invalidate(struct ui *ui)
{
	size_t	i;

	for (i = 0; i < ui->nentries; i++)
		ui->entries[i]->lines_width = 0;
}

/* Can e be selected and expanded: a tool call, a prompt with a paste? */
static int
transcript_selectable(const struct tentry *e)
{
	return (e->type == TE_TOOL || (e->type == TE_USER &&
	    e->output.len > 0));
}

/* The index of the selected tool entry, or -1 if there is none. */
static long
transcript_selected(struct ui *ui)
{
	size_t	i;

	if (ui->selected >= 0 && (size_t)ui->selected < ui->nentries &&
	    transcript_selectable(ui->entries[ui->selected]))
		return (ui->selected);
	for (i = ui->nentries; i > 0; i--) {
		if (transcript_selectable(ui->entries[i - 1]))
			return (i - 1);
	}
	return (-1);
}

/*
 * Whether a tool result holds tool_cap's marker of cut output; the bytes
 * and lines there were in all in *bytes and *lines.
 */
static int
view_transcript_cut(const char *s, unsigned long long *bytes,
    unsigned long long *lines)
{
	const char	*m;

	if ((m = strstr(s, " omitted; output capped at ")) == NULL ||
	    (m = strstr(m, " bytes; ")) == NULL)
		return (0);
	return (sscanf(m + 8, "%llu bytes (%llu lines) in all", bytes,
	    lines) == 2);
}

/* The diff an edit applied, behind the bar (expanded entries). */
static void
tentry_render_diff(struct tentry *e, int width)
{
	struct slines	 d;
	struct sline	*l;
	size_t		 i, k;

	slines_init(&d);
	render_diff(&d, e->diff.buf, e->diff.len, width - 4);
	for (i = 0; i < d.nr; i++) {
		l = slines_add(&e->lines);
		sline_add(l, "  \xe2\x94\x82 ", 6, EL_BORDER, 0);
		for (k = 0; k < d.v[i].nspans; k++) {
			const struct span *sp = &d.v[i].spans[k];

			sline_add(l, d.v[i].text.buf + sp->off, sp->len,
			    sp->elem, sp->attr);
		}
	}
	if (e->diff.truncated) {
		l = slines_add(&e->lines);
		sline_add(l, "  \xe2\x94\x82 ", 6, EL_BORDER, 0);
		sline_add(l, "[diff cut]", 10, EL_NOTICE, 0);
	}
	slines_release(&d);
}

/* Render the lines of a tool call entry. */
static void
tentry_render_tool(struct ui *ui, struct tentry *e, int width, int selected)
{
	static const char	*spin[] = { "\xe2\xa0\x8b", "\xe2\xa0\x99",
				    "\xe2\xa0\xb9", "\xe2\xa0\xb8",
				    "\xe2\xa0\xbc", "\xe2\xa0\xb4",
				    "\xe2\xa0\xa6", "\xe2\xa0\xa7" };
	struct sline		*l;
	struct slines		 out;
	unsigned long long	 allb, alll;
	const char		*mark, *s, *nl;
	char			 tail[64];
	size_t			 i, from, nlines;
	int			 elem = EL_TOOL;

	switch (e->state) {
	case TS_RUNNING:
		mark = spin[ui->spin % 8];
		break;
	case TS_ERROR:
		mark = "\xe2\x9c\x97";	/* ✗ */
		elem = EL_TOOL_ERROR;
		break;
	default:
		mark = "\xe2\x8f\xba";	/* ⏺ */
		break;
	}
	l = slines_add(&e->lines);
	sline_add(l, mark, strlen(mark), selected ? EL_SELECTION : elem, 0);
	sline_add(l, " ", 1, EL_TEXT, 0);
	tail[0] = '\0';
	if (e->state == TS_OK || e->state == TS_ERROR) {
		if (e->exit_status > 0)
			xsnprintf(tail, sizeof tail, "  exit %d",
			    e->exit_status);
		if (e->duration_ms >= 1000) {
			size_t	n = strlen(tail);

			xsnprintf(tail + n, sizeof tail - n, "  %.1fs",
			    e->duration_ms / 1000.0);
		}
	}
	{
		/* The summary, cut to leave room for the tail. */
		struct slines	tmp;

		slines_init(&tmp);
		render_plain(&tmp, e->text.buf, strcspn(e->text.buf, "\n"),
		    width - 2 - utf8_strwidth(tail, strlen(tail)), elem,
		    SA_BOLD, NULL, 0);
		if (tmp.nr > 0)
			sline_add(l, tmp.v[0].text.buf, tmp.v[0].text.len,
			    elem, SA_BOLD);
		slines_release(&tmp);
	}
	sline_add(l, tail, strlen(tail), EL_NOTICE, 0);
	if (e->diag_errors > 0 || e->diag_warnings > 0) {
		/* What the language server says of the edited file now. */
		xsnprintf(tail, sizeof tail, "  %d error%s, %d warning%s",
		    e->diag_errors, e->diag_errors == 1 ? "" : "s",
		    e->diag_warnings, e->diag_warnings == 1 ? "" : "s");
		sline_add(l, tail, strlen(tail), e->diag_errors > 0 ?
		    EL_TOOL_ERROR : EL_NOTICE, SA_BOLD);
	}

	if (e->output.len == 0 && (!e->expanded || e->diff.len == 0))
		return;
	slines_init(&out);
	if (e->expanded || e->state == TS_RUNNING) {
		/* Every line of the output behind a bar. */
		(e->term ? render_term : render_plain)(&out, e->output.buf,
		    e->output.len, width - 4, e->state == TS_ERROR ?
		    EL_TOOL_ERROR : EL_TEXT, 0, NULL, 0);
		from = 0;
		if (!e->expanded && out.nr > TOOL_TAIL_LINES)
			from = out.nr - TOOL_TAIL_LINES;
		for (i = from; i < out.nr; i++) {
			size_t	k;

			l = slines_add(&e->lines);
			sline_add(l, "  \xe2\x94\x82 ", 6, EL_BORDER, 0);
			for (k = 0; k < out.v[i].nspans; k++) {
				const struct span *sp = &out.v[i].spans[k];

				sline_add_fg(l, out.v[i].text.buf + sp->off,
				    sp->len, sp->elem, sp->attr, sp->fg);
			}
		}
		slines_release(&out);
		if (e->expanded && e->state == TS_OK && e->diff.len > 0)
			tentry_render_diff(e, width);
		return;
	}
	/* Collapsed: the first line of the result and how much more. */
	s = e->output.buf;
	nlines = 0;
	for (nl = s; (nl = strchr(nl, '\n')) != NULL; nl++)
		nlines++;
	if (e->output.len > 0 && e->output.buf[e->output.len - 1] != '\n')
		nlines++;
	{
		struct buf	 line = BUF_INIT;
		char		*key, *show;

		/* The expand key as the key table has it. */
		key = ui_key_hint(ui, KEYM_MAIN, KA_TOGGLE_TOOL);
		show = selected ? xasprintf(", %s to show", key) : xstrdup("");
		buf_add(&line, s, strcspn(s, "\n"));
		if (view_transcript_cut(s, &allb, &alll))
			buf_addf(&line, "  (%llu lines, %llu bytes in all; cut "
			    "to its head and tail%s)", alll, allb, show);
		else if (nlines > 1)
			buf_addf(&line, "  (+%zu lines%s)", nlines - 1, show);
		else if (e->diff.len > 0 && e->state == TS_OK && selected)
			buf_addf(&line, "  (%s to show the diff)", key);
		free(show);
		free(key);
		if (e->state == TS_ERROR) {
			/* Errors show whole (wrapped), up to a few lines. */
			buf_reset(&line);
			buf_add(&line, s, e->output.len);
		}
		(e->term ? render_term : render_plain)(&out, line.buf,
		    line.len, width, e->state == TS_ERROR ? EL_TOOL_ERROR :
		    EL_NOTICE, 0, "  \xe2\x8e\xbf ", EL_BORDER);
		buf_release(&line);
	}
	for (i = 0; i < out.nr && i < (e->state == TS_ERROR ?
	    TOOL_ERROR_LINES : 1); i++) {
		l = slines_add(&e->lines);
		*l = out.v[i];
		memset(&out.v[i], 0, sizeof out.v[i]);
		buf_init(&out.v[i].text, 0);
	}
	slines_release(&out);
}

/* Render entry e at width into its cached lines. */
static void
tentry_render(struct ui *ui, struct tentry *e, int width, int selected)
{
	struct slines	tmp;
	size_t		i;

	slines_release(&e->lines);
	switch (e->type) {
	case TE_USER:
		/* A paste is folded to its placeholder; expanded, whole. */
		if (e->expanded && e->output.len > 0)
			render_plain(&e->lines, e->output.buf, e->output.len,
			    width, EL_USER, 0, "> ", selected ? EL_SELECTION :
			    EL_USER);
		else
			render_plain(&e->lines, e->text.buf, e->text.len,
			    width, EL_USER, 0, "> ", selected ? EL_SELECTION :
			    EL_USER);
		if (selected && e->output.len > 0) {
			char	*key, *s;

			key = ui_key_hint(ui, KEYM_MAIN, KA_TOGGLE_TOOL);
			s = xasprintf("  (%s to %s the pasted text)", key,
			    e->expanded ? "fold" : "show");
			render_plain(&e->lines, s, strlen(s), width, EL_NOTICE,
			    0, NULL, 0);
			free(s);
			free(key);
		}
		break;
	case TE_ASSISTANT:
		render_md(&e->lines, e->text.buf, e->text.len, width,
		    EL_ASSISTANT);
		break;
	case TE_THINKING:
		slines_init(&tmp);
		render_plain(&tmp, e->text.buf, e->text.len, width,
		    EL_THINKING, SA_ITALIC, "\xe2\x9c\xbb ", EL_THINKING);
		for (i = 0; i < tmp.nr; i++) {
			if (!e->provisional && i == THINKING_LINES &&
			    tmp.nr > THINKING_LINES + 1) {
				char	*more = xasprintf("  \xe2\x80\xa6 %zu "
				    "more lines of thinking",
				    tmp.nr - THINKING_LINES);

				render_plain(&e->lines, more, strlen(more),
				    width, EL_THINKING, SA_DIM, NULL, 0);
				free(more);
				break;
			}
			if (e->provisional && tmp.nr > THINKING_LINES &&
			    i < tmp.nr - THINKING_LINES)
				continue;
			*slines_add(&e->lines) = tmp.v[i];
			memset(&tmp.v[i], 0, sizeof tmp.v[i]);
			buf_init(&tmp.v[i].text, 0);
		}
		slines_release(&tmp);
		break;
	case TE_TOOL:
		tentry_render_tool(ui, e, width, selected);
		break;
	case TE_NOTICE:
		render_plain(&e->lines, e->text.buf, e->text.len, width,
		    EL_NOTICE, 0, "\xe2\x80\xa2 ", EL_NOTICE);
		break;
	case TE_ERROR:
		render_plain(&e->lines, e->text.buf, e->text.len, width,
		    EL_ERROR, 0, "\xe2\x9c\x97 ", EL_ERROR);
		break;
	}
	e->lines_width = width;
}

const struct slines *
view_transcript_lines(struct ui *ui, struct tentry *e, int width)
{
	long	sel = transcript_selected(ui);
	int	selected = sel >= 0 && ui->entries[sel] == e &&
		    ui->selected >= 0;

	if (e->lines_width != width || e->state == TS_RUNNING)
		tentry_render(ui, e, width, selected);
	return (&e->lines);
}

/* Blank lines before entry i: none between consecutive tool calls. */
static int
tentry_gap(struct ui *ui, size_t i)
{
	if (i == 0)
		return (0);
	if (ui->entries[i]->type == TE_TOOL &&
	    ui->entries[i - 1]->type == TE_TOOL)
		return (0);
	return (1);
}

void
view_transcript_draw(struct ui *ui, int y, int rows, int cols)
{
	const struct slines	*sl;
	size_t			 i, j;
	int			 total = 0, top, line, row, gap;
	int			 width = cols - 1;

	if (rows <= 0)
		return;
	for (i = 0; i < ui->nentries; i++) {
		sl = view_transcript_lines(ui, ui->entries[i], width);
		total += tentry_gap(ui, i) + (int)sl->nr;
	}
	/* Keep the view still while scrolled back and output arrives. */
	if (ui->scroll > 0 && total > transcript_total)
		ui->scroll += total - transcript_total;
	transcript_total = total;
	ui->page = rows;
	if (ui->scroll > total - rows)
		ui->scroll = total - rows > 0 ? total - rows : 0;

	/* Bottom-aligned: the last line sits on the last row. */
	top = total - ui->scroll - rows;
	line = 0;
	for (i = 0; i < ui->nentries; i++) {
		sl = &ui->entries[i]->lines;
		gap = tentry_gap(ui, i);
		line += gap;
		if (line + (int)sl->nr <= top) {
			line += sl->nr;
			continue;
		}
		for (j = 0; j < sl->nr; j++, line++) {
			row = line - top;
			if (row < 0)
				continue;
			if (row >= rows)
				break;
			ui_draw_sline(y + row, 0, width, &sl->v[j], 0);
		}
		if (line - top >= rows)
			break;
	}
	if (ui->scroll > 0) {
		char	*dn = ui_key_hint(ui, KEYM_MAIN, KA_SCROLL_DOWN);
		char	*end = ui_key_hint(ui, KEYM_MAIN, KA_SCROLL_BOTTOM);
		char	*s = xasprintf(" \xe2\x86\x93 %d more lines: %s, "
		    "%s to follow ", ui->scroll, dn, end);
		int	 w = utf8_strwidth(s, strlen(s));

		free(dn);
		free(end);
		ui_draw_text(y + rows - 1, cols - w > 0 ? cols - w : 0, cols, s,
		    EL_STATUS_MODE, 0);
		free(s);
	}
}

void
view_transcript_scroll(struct ui *ui, int n)
{
	long	s = (long)ui->scroll + n;

	if (s > transcript_total - ui->page)
		s = transcript_total - ui->page;
	if (s < 0)
		s = 0;
	ui->scroll = s;
	ui_redraw(ui);
}

void
view_transcript_select_tool(struct ui *ui, int dir)
{
	long	i, cur = transcript_selected(ui);

	if (cur < 0)
		return;
	if (ui->selected < 0) {
		/* The first press selects the last call. */
		ui->selected = cur;
	} else {
		for (i = cur + dir; i >= 0 && (size_t)i < ui->nentries;
		    i += dir) {
			if (transcript_selectable(ui->entries[i])) {
				ui->entries[cur]->lines_width = 0;
				ui->selected = i;
				break;
			}
		}
	}
	ui->entries[ui->selected]->lines_width = 0;
	ui_redraw(ui);
}

void
view_transcript_toggle_tool(struct ui *ui)
{
	long	cur = transcript_selected(ui);

	if (cur < 0)
		return;
	ui->entries[cur]->expanded = !ui->entries[cur]->expanded;
	ui->entries[cur]->lines_width = 0;
	ui_redraw(ui);
}
