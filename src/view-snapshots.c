/*
 * view-snapshots.c: the timeline of this session's snapshots (Esc Esc on an
 * empty prompt): Up and Down move, Enter restores the selected point (the
 * files, the conversation, or both), d shows the diff between it and the
 * worktree now in a pager.  The pager is here too: a full-screen view of
 * text, diff or markdown.
 *
 * A snapshot is the worktree just before its action, so each row shows
 * what that action changed: the diff from the snapshot to the next one, or
 * to the worktree now for the last.
 */
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <curses.h>

#include "agentos.h"
#include "banned.h"

struct timeline_view {
	struct snapshot_info	*list;
	size_t			 n;
	size_t			 sel;
	int			 top;
	char			*error;
};

struct pager_view {
	char		*title;
	char		*text;
	enum pager_kind	 kind;
	struct slines	 lines;
	int		 width;
	int		 scroll;
	int		 page;
};

static void	timeline_free(struct view *);
static void	timeline_counts(struct snapshot_store *,
		    struct timeline_view *);
static int	timeline_key(struct view *, const struct key_event *);
static void	timeline_draw(struct view *, int, int, int);
static void	pager_free(struct view *);
static int	pager_key(struct view *, const struct key_event *);
static void	pager_draw(struct view *, int, int, int);

const struct view_ops view_snapshots_ops = {
	.name = "snapshots",
	.fullscreen = 1,
	.free = timeline_free,
	.key = timeline_key,
	.draw = timeline_draw,
};

static const struct view_ops view_pager_ops = {
	.name = "pager",
	.fullscreen = 1,
	.free = pager_free,
	.key = pager_key,
	.draw = pager_draw,
};

/* Read the snapshot list again. */
static void
timeline_load(struct ui *ui, struct timeline_view *d)
{
	struct snapshot_store	*st;
	size_t			 i;

	for (i = 0; i < d->n; i++)
		snapshot_info_release(&d->list[i]);
	free(d->list);
	d->list = NULL;
	d->n = 0;
	free(d->error);
	d->error = NULL;
	if (ui->agent == NULL || (st = agent_snapshots(ui->agent)) == NULL) {
		d->error = xstrdup("No snapshot store: agentos cannot take "
		    "snapshots in this repository.");
		return;
	}
	if (snapshot_list(st, &d->list, &d->n, &d->error) != 0)
		return;
	d->sel = d->n > 0 ? d->n - 1 : 0;
	timeline_counts(st, d);
}

/*
 * What each row's action changed: snapshot i to snapshot i + 1, the last
 * to the worktree now.  A few tree diffs, once when the view opens.
 */
static void
timeline_counts(struct snapshot_store *st, struct timeline_view *d)
{
	struct snapshot_info	*si;
	char			*cause = NULL;
	size_t			 i;

	for (i = 0; i < d->n; i++) {
		si = &d->list[i];
		si->files = si->added = si->removed = 0;
		if (snapshot_diff_ext(st, si->commit, i + 1 < d->n ?
		    d->list[i + 1].commit : NULL, NULL, &si->files,
		    &si->added, &si->removed, &cause) != 0) {
			log_debug("timeline diff %s: %s", si->id, cause);
			free(cause);
			cause = NULL;
			si->files = -1;
		}
	}
}

struct view *
view_snapshots_create(struct ui *ui)
{
	struct view		*v = xcalloc(1, sizeof *v);
	struct timeline_view	*d = xcalloc(1, sizeof *d);

	v->ops = &view_snapshots_ops;
	v->ui = ui;
	v->data = d;
	timeline_load(ui, d);
	return (v);
}

static void
timeline_free(struct view *v)
{
	struct timeline_view	*d = v->data;
	size_t			 i;

	for (i = 0; i < d->n; i++)
		snapshot_info_release(&d->list[i]);
	free(d->list);
	free(d->error);
	free(d);
	free(v);
}

/* What Enter on a snapshot restores, carried through the question. */
struct timeline_choice {
	char	*id;
	int	 turn;
};

static void
timeline_choice_free(void *arg)
{
	struct timeline_choice	*c = arg;

	if (c == NULL)
		return;
	free(c->id);
	free(c);
}

/* The answer: f files, c conversation, b both. */
static void
timeline_choice_answer(struct ui *ui, int key, void *arg)
{
	struct timeline_choice	*c = arg;
	int			 what = UI_RESTORE_FILES;

	if (key == 'c')
		what = UI_RESTORE_CONV;
	else if (key == 'b')
		what = UI_RESTORE_FILES | UI_RESTORE_CONV;
	ui_restore(ui, c->id, c->turn, what);
	timeline_choice_free(c);
}

/*
 * Ask what to restore from snapshot id: the files (as they were before its
 * action), the conversation (as it was before the prompt the snapshot
 * belongs to, going on in a forked session), or both.
 */
static void
timeline_restore(struct ui *ui, const char *id, const char *action, int turn)
{
	struct timeline_choice	*c = xcalloc(1, sizeof *c);
	char			*q;

	c->id = xstrdup(id);
	c->turn = turn;
	if (turn <= 0) {
		/* A restore's own snapshot belongs to no prompt. */
		q = xasprintf("Snapshot %s (%s) was taken by a restore, not "
		    "during a prompt: only the files can be put back as they "
		    "were.", id, action);
		ui_push(ui, view_choice_create(ui, "Restore ", q, "f",
		    "f files   Esc cancel", timeline_choice_answer,
		    timeline_choice_free, c));
	} else {
		q = xasprintf("Snapshot %s, before %s, during prompt %d.\n"
		    "f  files only: put the files back as they were before "
		    "this action\n"
		    "c  conversation only: go on from before prompt %d in a "
		    "new session (this one stays as it is)\n"
		    "b  both", id, action, turn, turn);
		ui_push(ui, view_choice_create(ui, "Restore ", q, "fcb",
		    "Restore: f files only, c conversation only, b both   "
		    "Esc cancel", timeline_choice_answer, timeline_choice_free,
		    c));
	}
	free(q);
}

static int
timeline_key(struct view *v, const struct key_event *ev)
{
	struct timeline_view	*d = v->data;
	struct ui		*ui = v->ui;
	const struct snapshot_info *si = d->n > 0 ? &d->list[d->sel] : NULL;

	switch (ev->key) {
	case KEYC_ESCAPE:
	case 'q':
		return (VIEW_HANDLED | VIEW_CLOSE);
	case KEYC_UP:
	case 'k':
		if (d->sel > 0)
			d->sel--;
		break;
	case KEYC_DOWN:
	case 'j':
		if (d->sel + 1 < d->n)
			d->sel++;
		break;
	case KEYC_HOME:
		d->sel = 0;
		break;
	case KEYC_END:
		d->sel = d->n > 0 ? d->n - 1 : 0;
		break;
	case '\r':
		if (si == NULL)
			break;
		/* Close first: the question goes over the transcript. */
		{
			char	*id = xstrdup(si->id);
			char	*action = xstrdup(si->action != NULL ?
				    si->action : "");
			int	 turn = si->turn;

			ui_remove(ui, v);
			timeline_restore(ui, id, action, turn);
			free(id);
			free(action);
		}
		return (VIEW_HANDLED | VIEW_REDRAW);
	case 'd':
		if (si != NULL)
			view_pager_diff(ui, si->id);
		break;
	case 'r':
		timeline_load(ui, d);
		ui_snapshots_changed(ui);
		break;
	default:
		return (0);
	}
	return (VIEW_HANDLED | VIEW_REDRAW);
}

static void
timeline_draw(struct view *v, int y, int rows, int cols)
{
	struct timeline_view	*d = v->data;
	struct buf		 b = BUF_INIT;
	struct tm		 tm;
	time_t			 t;
	char			 when[32];
	size_t			 i;
	int			 body = rows - 3, row;

	ui_draw_text(y, 0, cols, "Snapshots of this session, oldest first: "
	    "each is the worktree just before its action, with what that "
	    "action changed", EL_HEADING, SA_BOLD);
	ui_draw_text(y + rows - 1, 0, cols, "\xe2\x86\x91\xe2\x86\x93 move   "
	    "Enter restore this point (files, conversation or both)   "
	    "d diff to now   r reload   Esc close", EL_NOTICE, SA_BOLD);
	if (d->error != NULL || d->n == 0) {
		ui_draw_text(y + 2, 2, cols - 2, d->error != NULL ? d->error :
		    "No snapshots yet: agentos takes one before each change "
		    "the agent makes.", d->error != NULL ? EL_ERROR :
		    EL_NOTICE, 0);
		return;
	}
	if (body < 1)
		return;
	if ((int)d->sel < d->top)
		d->top = d->sel;
	if ((int)d->sel >= d->top + body)
		d->top = d->sel - body + 1;
	for (i = d->top, row = 0; i < d->n && row < body; i++, row++) {
		const struct snapshot_info *si = &d->list[i];

		t = si->time;
		localtime_r(&t, &tm);
		strftime(when, sizeof when, "%H:%M:%S", &tm);
		buf_reset(&b);
		buf_addf(&b, " %-6s %s  ", si->id, when);
		if (si->turn > 0)
			buf_addf(&b, "prompt %-3d ", si->turn);
		else
			buf_adds(&b, "           ");
		buf_addf(&b, "%-10s %s", si->tool != NULL ? si->tool : "",
		    si->action != NULL ? si->action : "");
		if (si->files > 0)
			buf_addf(&b, "  %d file%s +%d -%d", si->files,
			    si->files == 1 ? "" : "s", si->added, si->removed);
		else if (si->files == 0)
			buf_adds(&b, "  no change");
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

struct view *
view_pager_create(struct ui *ui, const char *title, const char *text,
    enum pager_kind kind)
{
	struct view		*v = xcalloc(1, sizeof *v);
	struct pager_view	*d = xcalloc(1, sizeof *d);

	d->title = xstrdup(title);
	d->text = xstrdup(text);
	d->kind = kind;
	slines_init(&d->lines);
	v->ops = &view_pager_ops;
	v->ui = ui;
	v->data = d;
	return (v);
}

void
view_pager_diff(struct ui *ui, const char *id)
{
	struct snapshot_store	*st;
	struct buf		 out = BUF_INIT;
	char			*cause = NULL, *title;

	if (ui->agent == NULL || (st = agent_snapshots(ui->agent)) == NULL) {
		view_transcript_notice(ui, TE_ERROR, "no snapshot store");
		return;
	}
	if (snapshot_diff(st, id, &out, &cause) != 0) {
		view_transcript_notice(ui, TE_ERROR, "diff %s: %s", id, cause);
		free(cause);
		buf_release(&out);
		return;
	}
	if (out.len == 0)
		buf_adds(&out, "(no difference: the worktree is as it was at "
		    "this snapshot)\n");
	title = xasprintf("Changes from snapshot %s to the worktree now", id);
	ui_push(ui, view_pager_create(ui, title, out.buf, PAGER_DIFF));
	free(title);
	buf_release(&out);
}

static void
pager_free(struct view *v)
{
	struct pager_view	*d = v->data;

	free(d->title);
	free(d->text);
	slines_release(&d->lines);
	free(d);
	free(v);
}

static int
pager_key(struct view *v, const struct key_event *ev)
{
	struct pager_view	*d = v->data;
	int			 page = d->page > 1 ? d->page - 1 : 1;

	switch (ev->key) {
	case KEYC_ESCAPE:
	case 'q':
		return (VIEW_HANDLED | VIEW_CLOSE);
	case KEYC_UP:
	case 'k':
		d->scroll--;
		break;
	case KEYC_DOWN:
	case 'j':
	case '\r':
		d->scroll++;
		break;
	case KEYC_PPAGE:
	case 'b':
		d->scroll -= page;
		break;
	case KEYC_NPAGE:
	case ' ':
		d->scroll += page;
		break;
	case KEYC_HOME:
	case 'g':
		d->scroll = 0;
		break;
	case KEYC_END:
	case 'G':
		d->scroll = (int)d->lines.nr;
		break;
	case KEYC_MOUSE:
		if (ev->mouse_b == 64)
			d->scroll -= 3;
		else if (ev->mouse_b == 65)
			d->scroll += 3;
		break;
	default:
		return (0);
	}
	return (VIEW_HANDLED | VIEW_REDRAW);
}

static void
pager_draw(struct view *v, int y, int rows, int cols)
{
	struct pager_view	*d = v->data;
	int			 body = rows - 2, max, i;
	char			*pos;

	if (d->width != cols) {
		slines_release(&d->lines);
		if (d->kind == PAGER_DIFF)
			render_diff(&d->lines, d->text, strlen(d->text), cols);
		else if (d->kind == PAGER_MARKDOWN)
			render_md(&d->lines, d->text, strlen(d->text), cols,
			    EL_TEXT);
		else
			render_plain(&d->lines, d->text, strlen(d->text), cols,
			    EL_TEXT, 0, NULL, 0);
		d->width = cols;
	}
	d->page = body;
	max = (int)d->lines.nr - body;
	if (d->scroll > max)
		d->scroll = max;
	if (d->scroll < 0)
		d->scroll = 0;
	ui_draw_text(y, 0, cols, d->title, EL_HEADING, SA_BOLD);
	for (i = 0; i < body && d->scroll + i < (int)d->lines.nr; i++)
		ui_draw_sline(y + 1 + i, 0, cols, &d->lines.v[d->scroll + i],
		    0);
	pos = xasprintf("lines %d-%d of %zu   \xe2\x86\x91\xe2\x86\x93 PgUp "
	    "PgDn Home End   q or Esc close", d->lines.nr == 0 ? 0 :
	    d->scroll + 1, d->scroll + i, d->lines.nr);
	ui_draw_text(y + rows - 1, 0, cols, pos, EL_NOTICE, SA_BOLD);
	free(pos);
}
