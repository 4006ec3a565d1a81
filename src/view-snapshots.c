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
#include "ui.h"
#include "session.h"
#include "snapshot.h"
#include "workspace.h"
#include "banned.h"

#define TIMELINE_ANCESTORS	8	/* parent sessions listed, at most */

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
static void	timeline_ancestors(struct ui *, struct snapshot_store *,
		    struct timeline_view *);
static int	timeline_foreign(struct ui *, const struct snapshot_info *);
static int	timeline_has(struct timeline_view *, const char *);
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
	if (ui->agent == NULL ||
	    (st = workspace_snapshots(agent_workspace(ui->agent))) == NULL) {
		d->error = xstrdup("No snapshot store: agentos cannot take "
		    "snapshots in this repository.");
		return;
	}
	if (snapshot_list(st, &d->list, &d->n, &d->error) != 0)
		return;
	timeline_ancestors(ui, st, d);
	d->sel = d->n > 0 ? d->n - 1 : 0;
	timeline_counts(st, d);
}

/* Is commit one of the view's own snapshots? */
static int
timeline_has(struct timeline_view *d, const char *commit)
{
	size_t	i;

	for (i = 0; i < d->n; i++) {
		if (strcmp(d->list[i].commit, commit) == 0)
			return (1);
	}
	return (0);
}

/*
 * A forked session (/fork, a conversation rewind) starts its chain with
 * the parent's snapshots up to the fork (snapshot_fork()); the parents'
 * others (after the fork point, or all of them for a fork made before
 * that) come first, so their files can still be restored from here.
 */
static void
timeline_ancestors(struct ui *ui, struct snapshot_store *st,
    struct timeline_view *d)
{
	struct session		*s, *open = NULL;
	struct snapshot_info	*v, *all = NULL;
	const char		*parent;
	char			*ids[TIMELINE_ANCESTORS], *cause = NULL;
	size_t			 nids = 0, n, nall = 0, i, k;
	size_t			 ninherited = 0;
	int64_t			 at;

	if ((s = agent_session(ui->agent)) == NULL)
		return;
	parent = session_parent(s, &at);
	while (parent != NULL && nids < TIMELINE_ANCESTORS) {
		ids[nids++] = xstrdup(parent);
		if ((s = session_open(ui->root, ids[nids - 1], &cause)) ==
		    NULL) {
			log_debug("timeline: %s", cause);
			free(cause);
			break;
		}
		session_close(open);
		open = s;
		parent = session_parent(s, &at);
	}
	session_close(open);

	/* The farthest first: the timeline is oldest first. */
	for (k = nids; k > 0; k--) {
		if (snapshot_list_session(st, ids[k - 1], &v, &n,
		    &cause) != 0) {
			log_debug("timeline: %s", cause);
			free(cause);
			cause = NULL;
			continue;
		}
		all = xreallocarray(all, nall + n, sizeof *all);
		for (i = 0; i < n; i++) {
			/* A fork's chain holds what it inherited. */
			if (timeline_has(d, v[i].commit)) {
				snapshot_info_release(&v[i]);
				ninherited++;
			} else
				all[nall++] = v[i];
		}
		free(v);
	}
	for (k = 0; k < nids; k++)
		free(ids[k]);
	if (nall == 0) {
		free(all);
		return;
	}
	/*
	 * Oldest first: what the fork inherited (the start of its chain),
	 * then the ancestors' later snapshots, then the fork's own.
	 */
	if (ninherited > d->n)
		ninherited = d->n;
	all = xreallocarray(all, nall + d->n, sizeof *all);
	memmove(all + ninherited, all, nall * sizeof *all);
	for (i = 0; i < ninherited; i++)
		all[i] = d->list[i];
	for (i = ninherited; i < d->n; i++)
		all[nall + i] = d->list[i];
	free(d->list);
	d->list = all;
	d->n += nall;
}

/* Is si a snapshot of another session (an ancestor)? */
static int
timeline_foreign(struct ui *ui, const struct snapshot_info *si)
{
	return (ui->agent != NULL && si->session != NULL &&
	    strcmp(si->session, agent_session_id(ui->agent)) != 0);
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

	switch (ui_key_action(ui, KEYM_TIMELINE, ev->key)) {
	case KA_CLOSE:
		return (VIEW_HANDLED | VIEW_CLOSE);
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
		d->sel = d->n > 0 ? d->n - 1 : 0;
		break;
	case KA_SELECT:
		if (si == NULL)
			break;
		/* Close first: the question goes over the transcript. */
		if (timeline_foreign(ui, si)) {
			char	*q = xasprintf("Snapshot %s of the parent "
				    "session %s, before %s: only its files "
				    "can be restored here (/resume %s to "
				    "rewind that conversation).", si->id,
				    si->session, si->action != NULL ?
				    si->action : "", si->session);
			struct timeline_choice *c = xcalloc(1, sizeof *c);

			c->id = xstrdup(si->commit);
			ui_remove(ui, v);
			ui_push(ui, view_choice_create(ui, "Restore ", q, "f",
			    "f files   Esc cancel", timeline_choice_answer,
			    timeline_choice_free, c));
			free(q);
		} else {
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
	case KA_DIFF:
		/* A parent's sequence numbers are not this store's. */
		if (si != NULL)
			view_pager_diff(ui, timeline_foreign(ui, si) ?
			    si->commit : si->id);
		break;
	case KA_RELOAD:
		timeline_load(ui, d);
		ui_snapshots_changed(ui);
		break;
	default:
		return (0);
	}
	return (VIEW_HANDLED | VIEW_REDRAW);
}

/* The hint lines' keys, from the key table. */
static const struct ui_hint timeline_hints[] = {
	{ KA_LINE_UP, KA_LINE_DOWN, "move" },
	{ KA_SELECT, KA_NONE,
	  "restore this point (files, conversation or both)" },
	{ KA_DIFF, KA_NONE, "diff to now" },
	{ KA_RELOAD, KA_NONE, "reload" },
	{ KA_CLOSE, KA_NONE, "close" },
	{ KA_NONE, KA_NONE, NULL }
};
static const struct ui_hint pager_hints[] = {
	{ KA_LINE_UP, KA_LINE_DOWN, "" },
	{ KA_PAGE_UP, KA_PAGE_DOWN, "" },
	{ KA_TOP, KA_BOTTOM, "" },
	{ KA_CLOSE, KA_NONE, "close" },
	{ KA_NONE, KA_NONE, NULL }
};

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

	ui_draw_text(y, 0, cols, "Snapshots, oldest first: the worktree "
	    "just before each action, and what that action changed",
	    EL_HEADING, SA_BOLD);
	ui_key_hints(v->ui, KEYM_TIMELINE, timeline_hints, &b);
	ui_draw_text(y + rows - 1, 0, cols, b.buf, EL_NOTICE, SA_BOLD);
	buf_reset(&b);
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
		if (timeline_foreign(v->ui, si))
			buf_addf(&b, "  (parent session %s)", si->session);
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

	if (ui->agent == NULL ||
	    (st = workspace_snapshots(agent_workspace(ui->agent))) == NULL) {
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

	if (ev->key == KEYC_MOUSE) {
		if (ev->mouse_b == 64)
			d->scroll -= 3;
		else if (ev->mouse_b == 65)
			d->scroll += 3;
		return (VIEW_HANDLED | VIEW_REDRAW);
	}
	switch (ui_key_action(v->ui, KEYM_PAGER, ev->key)) {
	case KA_CLOSE:
		return (VIEW_HANDLED | VIEW_CLOSE);
	case KA_LINE_UP:
		d->scroll--;
		break;
	case KA_LINE_DOWN:
		d->scroll++;
		break;
	case KA_PAGE_UP:
		d->scroll -= page;
		break;
	case KA_PAGE_DOWN:
		d->scroll += page;
		break;
	case KA_TOP:
		d->scroll = 0;
		break;
	case KA_BOTTOM:
		d->scroll = (int)d->lines.nr;
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
	struct buf		 b = BUF_INIT;
	int			 body = rows - 2, max, i;

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
	buf_addf(&b, "lines %d-%d of %zu", d->lines.nr == 0 ? 0 :
	    d->scroll + 1, d->scroll + i, d->lines.nr);
	ui_key_hints(v->ui, KEYM_PAGER, pager_hints, &b);
	ui_draw_text(y + rows - 1, 0, cols, b.buf, EL_NOTICE, SA_BOLD);
	buf_release(&b);
}
