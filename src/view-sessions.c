/*
 * view-sessions.c: the session picker of agentos -r and /resume: the
 * repository's recorded sessions, most recently active first, one a row
 * (id, start time, prompts, tokens, snapshots, first prompt).  Up and Down
 * move, Enter resumes the selected one, Esc starts a new session (at
 * start-up) or goes back.
 */
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <curses.h>

#include "agentos.h"
#include "ui.h"
#include "session.h"
#include "banned.h"

/* The columns: the header and a row. */
#define SESSIONS_HEAD_FMT	" %-22s %-16s %7s  %15s %5s  %s"
#define SESSIONS_ROW_FMT	" %-22s %-16s %7d  %7s/%-7s %5d  "

struct sessions_view {
	struct session_summary	*list;
	size_t			 n;
	size_t			 sel;
	int			 top;
	int			 startup;
	char			*current;	/* the running session's id */
	void			(*done)(struct ui *, const char *);
};

static void	sessions_free(struct view *);
static int	sessions_key(struct view *, const struct key_event *);
static void	sessions_draw(struct view *, int, int, int);
static void	sessions_row(struct buf *, const struct session_summary *,
		    int);

const struct view_ops view_sessions_ops = {
	.name = "sessions",
	.fullscreen = 1,
	.free = sessions_free,
	.key = sessions_key,
	.draw = sessions_draw,
};

struct view *
view_sessions_create(struct ui *ui, int startup,
    void (*done)(struct ui *, const char *), char **cause)
{
	struct view		*v;
	struct sessions_view	*d;
	struct session_summary	*list;
	size_t			 n, i;

	if (session_list(ui->root, &list, &n, cause) != 0)
		return (NULL);
	if (n == 0) {
		free(list);
		*cause = xstrdup("no session is recorded in this repository "
		    "yet");
		return (NULL);
	}
	v = xcalloc(1, sizeof *v);
	d = xcalloc(1, sizeof *d);
	d->list = list;
	d->n = n;
	d->startup = startup;
	d->done = done;
	if (ui->agent != NULL) {
		d->current = xstrdup(agent_session_id(ui->agent));
		/* Start on the most recent other session. */
		for (i = 0; i < n; i++) {
			if (strcmp(list[i].id, d->current) != 0) {
				d->sel = i;
				break;
			}
		}
	}
	v->ops = &view_sessions_ops;
	v->ui = ui;
	v->data = d;
	return (v);
}

static void
sessions_free(struct view *v)
{
	struct sessions_view	*d = v->data;
	size_t			 i;

	for (i = 0; i < d->n; i++)
		session_summary_release(&d->list[i]);
	free(d->list);
	free(d->current);
	free(d);
	free(v);
}

static int
sessions_key(struct view *v, const struct key_event *ev)
{
	struct sessions_view	*d = v->data;
	struct ui		*ui = v->ui;
	void			(*done)(struct ui *, const char *) = d->done;
	char			*id;

	switch (ui_key_action(ui, KEYM_PICKER, ev->key)) {
	case KA_CLOSE:
		ui_remove(ui, v);
		done(ui, NULL);
		return (VIEW_HANDLED | VIEW_REDRAW);
	case KA_SELECT:
		/* The view goes first: done may push another. */
		id = xstrdup(d->list[d->sel].id);
		ui_remove(ui, v);
		done(ui, id);
		free(id);
		return (VIEW_HANDLED | VIEW_REDRAW);
	case KA_LINE_UP:
		if (d->sel > 0)
			d->sel--;
		break;
	case KA_LINE_DOWN:
		if (d->sel + 1 < d->n)
			d->sel++;
		break;
	case KA_TOP:
		d->sel = 0;
		break;
	case KA_BOTTOM:
		d->sel = d->n - 1;
		break;
	case KA_PAGE_UP:
		d->sel = d->sel > 10 ? d->sel - 10 : 0;
		break;
	case KA_PAGE_DOWN:
		d->sel = d->sel + 10 < d->n ? d->sel + 10 : d->n - 1;
		break;
	default:
		return (0);
	}
	return (VIEW_HANDLED | VIEW_REDRAW);
}

/* One row: id, start, prompts, tokens, snapshots, the first prompt. */
static void
sessions_row(struct buf *b, const struct session_summary *ss, int current)
{
	struct buf	 in = BUF_INIT, out = BUF_INIT;
	struct tm	 tm;
	time_t		 t = ss->created_ms / 1000;
	char		 when[32];
	const char	*p = ss->first_prompt != NULL ? ss->first_prompt : "";
	size_t		 i;

	localtime_r(&t, &tm);
	strftime(when, sizeof when, "%Y-%m-%d %H:%M", &tm);
	status_tokens(&in, ss->input_tokens);
	status_tokens(&out, ss->output_tokens);
	buf_addf(b, SESSIONS_ROW_FMT, ss->id, when, ss->turns, in.buf,
	    out.buf, ss->snapshots);
	buf_release(&in);
	buf_release(&out);
	if (current && ss->parent != NULL)
		buf_adds(b, "(this session, a fork) ");
	else if (current)
		buf_adds(b, "(this session) ");
	else if (ss->parent != NULL)
		buf_addf(b, "(fork of %s) ", ss->parent);
	/* The first line of the first prompt. */
	for (i = 0; p[i] != '\0' && p[i] != '\n' && i < 200; i++)
		buf_addch(b, p[i] == '\t' || p[i] == '\r' ? ' ' : p[i]);
	if (ss->first_prompt == NULL)
		buf_adds(b, "(no prompt)");
}

/* The hint line's keys, from the key table. */
static const struct ui_hint sessions_hints[] = {
	{ KA_LINE_UP, KA_LINE_DOWN, "move" },
	{ KA_SELECT, KA_NONE, "resume" },
	{ KA_CLOSE, KA_NONE, "back" },
	{ KA_NONE, KA_NONE, NULL }
};
static const struct ui_hint sessions_hints_startup[] = {
	{ KA_LINE_UP, KA_LINE_DOWN, "move" },
	{ KA_SELECT, KA_NONE, "resume" },
	{ KA_CLOSE, KA_NONE, "new session" },
	{ KA_NONE, KA_NONE, NULL }
};

static void
sessions_draw(struct view *v, int y, int rows, int cols)
{
	struct sessions_view	*d = v->data;
	struct buf		 b = BUF_INIT;
	size_t			 i;
	int			 body = rows - 3, row, cur;

	ui_draw_text(y, 0, cols, d->startup ? "Resume a session (most "
	    "recently active first)" : "Switch to a session (most recently "
	    "active first); this one can be resumed again later",
	    EL_HEADING, SA_BOLD);
	ui_key_hints(v->ui, KEYM_PICKER, d->startup ? sessions_hints_startup :
	    sessions_hints, &b);
	ui_draw_text(y + rows - 1, 0, cols, b.buf, EL_NOTICE, SA_BOLD);
	buf_reset(&b);
	if (body < 1)
		return;
	buf_addf(&b, SESSIONS_HEAD_FMT, "session", "started", "prompts",
	    "tokens in/out", "snaps", "first prompt");
	ui_draw_text(y + 1, 0, cols, b.buf, EL_NOTICE, SA_DIM);
	if ((int)d->sel < d->top)
		d->top = d->sel;
	if ((int)d->sel >= d->top + body)
		d->top = d->sel - body + 1;
	for (i = d->top, row = 0; i < d->n && row < body; i++, row++) {
		cur = d->current != NULL &&
		    strcmp(d->list[i].id, d->current) == 0;
		buf_reset(&b);
		sessions_row(&b, &d->list[i], cur);
		if (i == d->sel) {
			attrset(theme_attr(EL_SELECTION, 0));
			mvhline(y + 2 + row, 0, ' ', cols);
			attrset(A_NORMAL);
		}
		ui_draw_text(y + 2 + row, 0, cols, b.buf,
		    i == d->sel ? EL_SELECTION : EL_TEXT, 0);
	}
	buf_release(&b);
}
