/*
 * view-approval.c: the approval panel: what a tool call would do (an edit's
 * unified diff with line numbers, a command) and the answer: y approve once,
 * a approve always: a choice of the rules that would allow it (this exact
 * command, its subcommand prefix; this file, its folder; the tool), saved
 * for the session and, with u, in the user's config too; n reject with a
 * note for the model, Esc reject without a note.
 */
#include <stdlib.h>
#include <string.h>

#include <curses.h>

#include "agentos.h"
#include "ui.h"
#include "policy.h"
#include "mcp.h"
#include "banned.h"

struct approval_view {
	struct tool_call	*tc;		/* borrowed until answered */
	char			*tool;		/* its name */
	int			 flags;		/* EFFECT_* of the call */
	char			*preview;
	char			**choices;	/* "always": rule sets */
	size_t			 nchoices;
	int			 choosing;	/* "a" pressed: pick one */
	int			 save;		/* and save it to the user's
						   config */
	struct slines		 lines;
	int			 width;		/* lines rendered for */
	int			 scroll;
	int			 page;
	struct editor		*note;		/* non-NULL: typing a note */
};

static void	approval_free(struct view *);
static int	approval_key(struct view *, const struct key_event *);
static void	approval_draw(struct view *, int, int, int);
static int	approval_height(struct view *, int, int);
static int	approval_key_choice(struct view *, const struct key_event *);

const struct view_ops view_approval_ops = {
	.name = "approval",
	.fullscreen = 0,
	.free = approval_free,
	.key = approval_key,
	.draw = approval_draw,
	.height = approval_height,
};

struct view *
view_approval_create(struct ui *ui, struct tool_call *tc, const char *preview)
{
	struct view		*v = xcalloc(1, sizeof *v);
	struct approval_view	*d = xcalloc(1, sizeof *d);
	struct mcp_tool		*mt;

	d->tc = tc;
	d->tool = xstrdup(tc->name != NULL ? tc->name : "?");
	d->flags = tc->effects.flags;
	d->preview = xstrdup(preview != NULL ? preview : "");
	/* --- mcp: what the server claims about its tool, marked so */
	if ((mt = mcp_tool_of(tc->tool)) != NULL && mt->claims != NULL) {
		free(d->preview);
		d->preview = xasprintf("%s\n%s", mt->claims,
		    preview != NULL ? preview : "");
	}
	/* --- end mcp */
	if (ui->agent != NULL)
		d->nchoices = perm_always_choices(agent_perm(ui->agent),
		    tc->name, &tc->effects, &d->choices);
	slines_init(&d->lines);
	v->ops = &view_approval_ops;
	v->ui = ui;
	v->data = d;
	return (v);
}

static void
approval_free(struct view *v)
{
	struct approval_view	*d = v->data;
	size_t			 i;

	free(d->tool);
	free(d->preview);
	for (i = 0; i < d->nchoices; i++)
		free(d->choices[i]);
	free(d->choices);
	slines_release(&d->lines);
	editor_free(d->note);
	free(d);
	free(v);
}

/* Render the preview for width. */
static void
approval_render(struct approval_view *d, int width)
{
	if (d->width == width)
		return;
	slines_release(&d->lines);
	if (d->flags & EFFECT_MODE)	/* exit_plan_mode: the plan */
		render_md(&d->lines, d->preview, strlen(d->preview), width,
		    EL_TEXT);
	else if (d->flags & EFFECT_EXEC) /* the preview says "$ command" */
		render_plain(&d->lines, d->preview, strlen(d->preview), width,
		    EL_CODE, SA_BOLD, NULL, 0);
	else if (d->flags & EFFECT_EDIT)
		render_diff(&d->lines, d->preview, strlen(d->preview), width);
	else
		render_plain(&d->lines, d->preview, strlen(d->preview), width,
		    EL_TEXT, 0, NULL, 0);
	d->width = width;
}

static int
approval_height(struct view *v, int rows, int cols)
{
	struct approval_view	*d = v->data;
	int			 want, max = rows * 2 / 3;

	approval_render(d, cols);
	want = (int)d->lines.nr + 2;
	if (max < 6)
		max = 6;
	return (want < max ? want : max);
}

/* Answer: the view removes itself first, as the answer may bring more. */
static int
approval_answer(struct view *v, enum approval ans, const char *note)
{
	struct approval_view	*d = v->data;
	struct ui		*ui = v->ui;
	struct tool_call	*tc = d->tc;
	char			*copy = note != NULL ? xstrdup(note) : NULL;
	enum perm_mode		 m;

	if ((d->flags & EFFECT_MODE) && ans != APPROVE_REJECT &&
	    ui->agent != NULL) {
		/*
		 * A plan approved: leave plan mode before the call runs, so
		 * its result names the mode; "always" means accept edits.
		 */
		m = ans == APPROVE_ALWAYS ? PERM_ACCEPT_EDITS : PERM_ASK;
		agent_set_mode(ui->agent, m);
		ui->cfg->perm_mode = m;
		ans = APPROVE_ONCE;
	}
	ui_remove(ui, v);
	if (ui->agent != NULL)
		agent_decide(ui->agent, tc, ans, copy);
	free(copy);
	ui_redraw(ui);
	return (VIEW_HANDLED | VIEW_REDRAW);
}

/* Keys while typing the note for a rejection (the note mode). */
static int
approval_key_note(struct view *v, const struct key_event *ev)
{
	struct approval_view	*d = v->data;
	char			*note, enc[4], *s;
	size_t			 i;

	if (ev->key == KEYC_PASTE) {
		/* One line: newlines become spaces. */
		s = xstrndup(ev->paste, ev->paste_len);
		for (i = 0; s[i] != '\0'; i++) {
			if (s[i] == '\n' || s[i] == '\r')
				s[i] = ' ';
		}
		editor_insert(d->note, s, strlen(s));
		free(s);
		return (VIEW_HANDLED | VIEW_REDRAW);
	}
	switch (ui_key_action(v->ui, KEYM_NOTE, ev->key)) {
	case KA_ED_SEND:
		note = editor_text(d->note);
		approval_answer(v, APPROVE_REJECT, note);
		free(note);
		return (VIEW_HANDLED);
	case KA_NOTE_BACK:
		editor_free(d->note);
		d->note = NULL;
		break;
	case KA_ED_BACKSPACE:
		editor_backspace(d->note);
		break;
	case KA_ED_DELETE:
		editor_delete(d->note);
		break;
	case KA_ED_LEFT:
		editor_left(d->note);
		break;
	case KA_ED_RIGHT:
		editor_right(d->note);
		break;
	case KA_ED_HOME:
		editor_home(d->note);
		break;
	case KA_ED_END:
		editor_end(d->note);
		break;
	case KA_ED_KILL_START:
		editor_kill_start(d->note);
		break;
	case KA_ED_KILL_WORD:
		editor_kill_word(d->note);
		break;
	default:
		/* Typed text. */
		if ((ev->key & KEYC_MASK_MOD) == 0 && ev->key >= 0x20 &&
		    ev->key < 0x110000 && ev->key != 0x7f)
			editor_insert(d->note, enc,
			    utf8_encode(ev->key, enc));
		else
			return (0);
		break;
	}
	return (VIEW_HANDLED | VIEW_REDRAW);
}

/*
 * Keys while choosing what "always" saves: a digit picks a choice, u
 * toggles saving it to the user's config as well, Esc goes back.
 */
static int
approval_key_choice(struct view *v, const struct key_event *ev)
{
	struct approval_view	*d = v->data;
	struct ui		*ui = v->ui;
	char			*path, *cause = NULL, *choice;
	int			 rc;

	if (ev->key == KEYC_ESCAPE) {
		d->choosing = 0;
		return (VIEW_HANDLED | VIEW_REDRAW);
	}
	if (ev->key == 'u' || ev->key == 'U') {
		d->save = !d->save;
		return (VIEW_HANDLED | VIEW_REDRAW);
	}
	if (ev->key < '1' || ev->key > '9' ||
	    (size_t)(ev->key - '1') >= d->nchoices)
		return (VIEW_HANDLED);
	choice = xstrdup(d->choices[ev->key - '1']);
	if (d->save) {
		if ((path = config_user_path()) == NULL)
			view_transcript_notice(ui, TE_ERROR, "always: no "
			    "user config file (HOME is not set)");
		else if (policy_save_user_rules(path, choice, &cause) != 0) {
			view_transcript_notice(ui, TE_ERROR, "always: %s",
			    cause);
			free(cause);
		} else
			view_transcript_notice(ui, TE_NOTICE, "Saved to %s "
			    "(permissions.allow)", path);
		free(path);
	}
	rc = approval_answer(v, APPROVE_ALWAYS, choice);
	free(choice);
	return (rc);
}

static int
approval_key(struct view *v, const struct key_event *ev)
{
	struct approval_view	*d = v->data;
	int			 page = d->page > 1 ? d->page - 1 : 1;

	if (d->note != NULL)
		return (approval_key_note(v, ev));
	if (d->choosing)
		return (approval_key_choice(v, ev));
	switch (ui_key_action(v->ui, KEYM_APPROVAL, ev->key)) {
	case KA_AP_YES:
		return (approval_answer(v, APPROVE_ONCE, NULL));
	case KA_AP_ALWAYS:
		/* A plan: "a" approves it and switches to accept-edits. */
		if (d->flags & EFFECT_MODE)
			return (approval_answer(v, APPROVE_ALWAYS, NULL));
		if (d->nchoices == 0)
			return (VIEW_HANDLED);
		d->choosing = 1;
		break;
	case KA_AP_NOTE:
		d->note = editor_create();
		break;
	case KA_AP_REJECT:
		return (approval_answer(v, APPROVE_REJECT, NULL));
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

/*
 * Add sep, the key bound to action in the approval mode (from the key
 * table and the configuration) and what to b; nothing when it is unbound.
 */
static void
approval_hint(struct view *v, struct buf *b, enum key_action action,
    const char *sep, const char *what)
{
	char	*key = ui_key_hint(v->ui, KEYM_APPROVAL, action);

	if (strcmp(key, "none") != 0)
		buf_addf(b, "%s%s%s", sep, key, what);
	free(key);
}

static void
approval_draw(struct view *v, int y, int rows, int cols)
{
	struct approval_view	*d = v->data;
	struct buf		 b = BUF_INIT;
	struct editor_layout	 l;
	const char		*what, *cs;
	char			*send, *back;
	int			 i, body, x, max;

	approval_render(d, cols);
	what = (d->flags & EFFECT_MODE) ? "Approve this plan?" :
	    (d->flags & EFFECT_EXEC) ? "Run this command?" :
	    (d->flags & EFFECT_EDIT) ? "Make this edit?" : "Allow this call?";
	mvhline(y, 0, ' ', cols);
	x = ui_draw_text(y, 0, cols, "\xe2\x94\x80\xe2\x94\x80 ", EL_BORDER,
	    0);
	x += ui_draw_text(y, x, cols - x, what, EL_HEADING, SA_BOLD);
	x += ui_draw_text(y, x, cols - x, " ", EL_TEXT, 0);
	x += ui_draw_text(y, x, cols - x, d->tool, EL_TOOL, SA_BOLD);
	x += ui_draw_text(y, x, cols - x, " ", EL_TEXT, 0);
	attrset(theme_attr(EL_BORDER, 0));
	for (; x < cols; x++)
		mvaddstr(y, x, "\xe2\x94\x80");
	attrset(A_NORMAL);

	body = rows - 2;
	d->page = body;
	max = (int)d->lines.nr - body;
	if (d->scroll > max)
		d->scroll = max;
	if (d->scroll < 0)
		d->scroll = 0;
	for (i = 0; i < body && d->scroll + i < (int)d->lines.nr; i++)
		ui_draw_sline(y + 1 + i, 0, cols, &d->lines.v[d->scroll + i],
		    0);
	if (max > 0) {
		char	*up = ui_key_hint(v->ui, KEYM_APPROVAL, KA_LINE_UP);
		char	*down = ui_key_hint(v->ui, KEYM_APPROVAL,
			    KA_LINE_DOWN);
		char	*pu = ui_key_hint(v->ui, KEYM_APPROVAL, KA_PAGE_UP);
		char	*pd = ui_key_hint(v->ui, KEYM_APPROVAL, KA_PAGE_DOWN);
		char	*more = xasprintf(" %d-%d of %zu, %s%s %s %s ",
			    d->scroll + 1, d->scroll + body, d->lines.nr, up,
			    down, pu, pd);
		int	 w = utf8_strwidth(more, strlen(more));

		ui_draw_text(y + rows - 2, cols > w ? cols - w : 0, cols, more,
		    EL_STATUS_MODE, 0);
		free(more);
		free(up);
		free(down);
		free(pu);
		free(pd);
	}

	if (d->note != NULL) {
		send = ui_key_hint(v->ui, KEYM_NOTE, KA_ED_SEND);
		back = ui_key_hint(v->ui, KEYM_NOTE, KA_NOTE_BACK);
		buf_addf(&b, "Note for the model (%s sends, %s back): ", send,
		    back);
		free(send);
		free(back);
		x = ui_draw_text(y + rows - 1, 0, cols, b.buf, EL_NOTICE,
		    SA_BOLD);
		buf_release(&b);
		memset(&l, 0, sizeof l);
		editor_layout(d->note, 1 << 20, &l);
		{
			/* One line, scrolled so the caret shows. */
			const char	*s = editor_buffer(d->note, NULL);
			int		 room = cols - x - 1, skip = 0;

			if (l.cursor_col > room)
				skip = l.cursor_col - room;
			{
				struct sline	sl;
				uint32_t	wc;
				size_t		off = 0, n, len = strlen(s);
				int		c = 0;

				while (off < len && c < skip) {
					n = utf8_decode(s + off, len - off,
					    &wc);
					c += utf8_width(wc);
					off += n;
				}
				memset(&sl, 0, sizeof sl);
				buf_init(&sl.text, 0);
				sline_add(&sl, s + off, len - off, EL_PROMPT,
				    0);
				ui_draw_sline(y + rows - 1, x, room + 1, &sl,
				    0);
				buf_release(&sl.text);
				free(sl.spans);
				ui_cursor(v->ui, y + rows - 1,
				    x + l.cursor_col - c);
			}
		}
		editor_layout_release(&l);
		return;
	}
	if (d->flags & EFFECT_MODE) {
		approval_hint(v, &b, KA_AP_YES, "", " yes, ask before edits");
		approval_hint(v, &b, KA_AP_ALWAYS, b.len > 0 ? "   " : "",
		    " yes, accept edits");
		approval_hint(v, &b, KA_AP_NOTE, "   ",
		    " no, keep planning (with a reason)");
		approval_hint(v, &b, KA_AP_REJECT, "   ", " no");
		ui_draw_text(y + rows - 1, 0, cols, b.buf, EL_NOTICE, SA_BOLD);
		buf_release(&b);
		return;
	}
	if (d->choosing) {
		buf_adds(&b, "Always allow:");
		for (i = 0; i < (int)d->nchoices; i++) {
			buf_addf(&b, "   %d ", i + 1);
			for (cs = d->choices[i]; *cs != '\0'; cs++) {
				if (*cs == '\n')
					buf_adds(&b, " + ");
				else
					buf_addch(&b, *cs);
			}
		}
		buf_addf(&b, "   u %s   Esc back", d->save ? "[x] saved to "
		    "user config too" : "[ ] this session only");
		ui_draw_text(y + rows - 1, 0, cols, b.buf, EL_NOTICE, SA_BOLD);
		buf_release(&b);
		return;
	}
	approval_hint(v, &b, KA_AP_YES, "", " yes");
	if (d->nchoices > 0) {
		approval_hint(v, &b, KA_AP_ALWAYS, b.len > 0 ? "   " : "",
		    " always");
		buf_adds(&b, " (");
		for (cs = d->choices[0]; *cs != '\0'; cs++) {
			if (*cs == '\n')
				buf_adds(&b, " + ");
			else
				buf_addch(&b, *cs);
		}
		buf_addf(&b, "%s)", d->nchoices > 1 ? ", ..." : "");
	}
	approval_hint(v, &b, KA_AP_NOTE, "   ", " no, with a note");
	approval_hint(v, &b, KA_AP_REJECT, "   ", " no");
	ui_draw_text(y + rows - 1, 0, cols, b.buf, EL_NOTICE, SA_BOLD);
	buf_release(&b);
}

/*
 * A question with one-key answers in the same panel: yes/no (a rewind over
 * hand edits), or a choice (what a restore puts back).
 */
struct confirm_view {
	char		*title;
	char		*question;
	char		*keys;		/* the answers, lower case */
	char		*hint;
	struct slines	 lines;
	int		 width;
	void		(*answer)(struct ui *, int, void *);
	void		(*yes)(struct ui *, void *);
	void		(*release)(void *);
	void		*arg;
};

static void	confirm_free(struct view *);
static int	confirm_key(struct view *, const struct key_event *);
static void	confirm_draw(struct view *, int, int, int);
static int	confirm_height(struct view *, int, int);

const struct view_ops view_confirm_ops = {
	.name = "confirm",
	.fullscreen = 0,
	.free = confirm_free,
	.key = confirm_key,
	.draw = confirm_draw,
	.height = confirm_height,
};

struct view *
view_choice_create(struct ui *ui, const char *title, const char *question,
    const char *keys, const char *hint,
    void (*answer)(struct ui *, int, void *), void (*release)(void *),
    void *arg)
{
	struct view		*v = xcalloc(1, sizeof *v);
	struct confirm_view	*d = xcalloc(1, sizeof *d);

	d->title = xstrdup(title);
	d->question = xstrdup(question);
	d->keys = xstrdup(keys);
	d->hint = xstrdup(hint);
	slines_init(&d->lines);
	d->answer = answer;
	d->release = release;
	d->arg = arg;
	v->ops = &view_confirm_ops;
	v->ui = ui;
	v->data = d;
	return (v);
}

struct view *
view_confirm_create(struct ui *ui, const char *question,
    void (*yes)(struct ui *, void *), void (*release)(void *), void *arg)
{
	struct view		*v;
	struct confirm_view	*d;

	v = view_choice_create(ui, "Are you sure? ", question, "y",
	    "y yes   n or Esc no", NULL, release, arg);
	d = v->data;
	d->yes = yes;
	return (v);
}

static void
confirm_free(struct view *v)
{
	struct confirm_view	*d = v->data;

	if (d->release != NULL)
		d->release(d->arg);
	free(d->title);
	free(d->question);
	free(d->keys);
	free(d->hint);
	slines_release(&d->lines);
	free(d);
	free(v);
}

static void
confirm_render(struct confirm_view *d, int width)
{
	if (d->width == width)
		return;
	slines_release(&d->lines);
	render_plain(&d->lines, d->question, strlen(d->question), width,
	    EL_TEXT, 0, NULL, 0);
	d->width = width;
}

static int
confirm_height(struct view *v, int rows, int cols)
{
	struct confirm_view	*d = v->data;

	confirm_render(d, cols);
	return ((int)d->lines.nr + 2);
}

static int
confirm_key(struct view *v, const struct key_event *ev)
{
	struct confirm_view	*d = v->data;
	struct ui		*ui = v->ui;
	void			(*yes)(struct ui *, void *) = d->yes;
	void			(*answer)(struct ui *, int, void *) = d->answer;
	void			*arg = d->arg;
	key_code		 k = ev->key;

	if (k >= 'A' && k <= 'Z')
		k += 'a' - 'A';
	if (k == KEYC_ESCAPE || (k == 'n' && strchr(d->keys, 'n') == NULL))
		return (VIEW_HANDLED | VIEW_CLOSE);
	if (k == 0 || k >= 0x80 || strchr(d->keys, (int)k) == NULL)
		return (0);
	/* The callback owns arg now; the view goes first. */
	d->release = NULL;
	ui_remove(ui, v);
	if (yes != NULL)
		yes(ui, arg);
	else
		answer(ui, (int)k, arg);
	return (VIEW_HANDLED | VIEW_REDRAW);
}

static void
confirm_draw(struct view *v, int y, int rows, int cols)
{
	struct confirm_view	*d = v->data;
	int			 i, x;

	confirm_render(d, cols);
	x = ui_draw_text(y, 0, cols, "\xe2\x94\x80\xe2\x94\x80 ", EL_BORDER,
	    0);
	x += ui_draw_text(y, x, cols - x, d->title, EL_HEADING, SA_BOLD);
	attrset(theme_attr(EL_BORDER, 0));
	for (; x < cols; x++)
		mvaddstr(y, x, "\xe2\x94\x80");
	attrset(A_NORMAL);
	for (i = 0; i < rows - 2 && i < (int)d->lines.nr; i++)
		ui_draw_sline(y + 1 + i, 0, cols, &d->lines.v[i], 0);
	ui_draw_text(y + rows - 1, 0, cols, d->hint, EL_NOTICE, SA_BOLD);
}

/*
 * The call of approval panel v, or NULL when v is another view or the
 * panel is typing a note (then it stays as it is).
 */
struct tool_call *
view_approval_call(struct view *v)
{
	struct approval_view	*d = v->data;

	if (v->ops != &view_approval_ops || d->note != NULL)
		return (NULL);
	return (d->tc);
}

/* Approve the call of approval panel v once, as y does; v is freed. */
void
view_approval_accept(struct view *v)
{
	approval_answer(v, APPROVE_ONCE, NULL);
}
