/*
 * view-elicit.c: the panel of an MCP server's elicitation (Client /
 * Elicitation, 2025-11-25).  Form mode: one row per field of the
 * requested schema, its default filled in, required ones marked "*";
 * Tab and the arrows move, typing edits a text field, Space or Left and
 * Right change a boolean or an enum; Enter accepts (every field checked
 * first: an error names the field and the panel stays), C-d declines,
 * Esc cancels.  URL mode: the message and the URL, which agentos never
 * opens itself: y says the user will open it (accept), n declines, Esc
 * cancels.  Everything shown is the server's text, marked as such.
 */
#include <stdlib.h>
#include <string.h>

#include <curses.h>

#include "agentos.h"
#include "ui.h"
#include "mcp.h"
#include "utf8.h"
#include "banned.h"

#define ELICIT_KEY_DECLINE	4	/* C-d */

struct elicit_field {
	char			*name;		/* the property */
	char			*label;		/* its title, or name */
	json_t			*prop;		/* borrowed from the schema */
	int			 type;		/* MCP_FIELD_* */
	int			 required;
	struct buf		 text;		/* what the value is now */
	size_t			 choice;	/* enum: index */
	size_t			 nchoices;
	struct slines		 desc;		/* its description, wrapped */
};

struct elicit_view {
	struct mcp_elicit	*e;		/* owned until answered */
	struct elicit_field	*f;
	size_t			 nf;
	size_t			 cur;
	char			*error;
	struct slines		 msg;		/* the message, wrapped */
	int			 width;		/* of msg and desc */
};

static void	elicit_free(struct view *);
static int	elicit_key(struct view *, const struct key_event *);
static void	elicit_draw(struct view *, int, int, int);
static int	elicit_height(struct view *, int, int);

const struct view_ops view_elicit_ops = {
	.name = "elicitation",
	.fullscreen = 0,
	.free = elicit_free,
	.key = elicit_key,
	.draw = elicit_draw,
	.height = elicit_height,
};

/* The i'th choice of enum property prop (borrowed), or NULL. */
static const char *
elicit_choice(json_t *prop, size_t i)
{
	json_t	*e;

	if ((e = json_object_get(prop, "enum")) != NULL)
		return (json_string_value(json_array_get(e, i)));
	e = json_object_get(json_array_get(json_object_get(prop, "oneOf"), i),
	    "const");
	return (json_string_value(e));
}

static size_t
elicit_nchoices(json_t *prop)
{
	json_t	*e;

	if ((e = json_object_get(prop, "enum")) != NULL)
		return (json_array_size(e));
	return (json_array_size(json_object_get(prop, "oneOf")));
}

/* Set enum field f to its current choice. */
static void
elicit_set_choice(struct elicit_field *f)
{
	const char	*c = elicit_choice(f->prop, f->choice);

	buf_reset(&f->text);
	buf_adds(&f->text, c != NULL ? c : "");
}

struct view *
view_elicit_create(struct ui *ui, struct mcp_elicit *e)
{
	struct view		*v = xcalloc(1, sizeof *v);
	struct elicit_view	*d = xcalloc(1, sizeof *d);
	struct elicit_field	*f;
	json_t			*schema, *props, *p, *req, *r;
	const char		*k, *title, *c;
	char			*def;
	size_t			 i;

	d->e = e;
	schema = mcp_elicit_schema(e);
	props = json_object_get(schema, "properties");
	req = json_object_get(schema, "required");
	if (props != NULL)
		d->f = xcalloc(json_object_size(props) + 1, sizeof *d->f);
	json_object_foreach(props, k, p) {
		f = &d->f[d->nf++];
		f->name = xstrdup(k);
		title = conv_json_str(p, "title");
		f->label = xstrndup(title != NULL ? title : k, 60);
		f->prop = p;
		f->type = mcp_field_type(p);
		json_array_foreach(req, i, r) {
			if (json_is_string(r) &&
			    strcmp(json_string_value(r), k) == 0)
				f->required = 1;
		}
		buf_init(&f->text, 4096);
		slines_init(&f->desc);
		def = mcp_elicit_default_text(p);
		if (f->type == MCP_FIELD_ENUM) {
			f->nchoices = elicit_nchoices(p);
			for (i = 0; i < f->nchoices; i++) {
				c = elicit_choice(p, i);
				if (c != NULL && strcmp(c, def) == 0)
					f->choice = i;
			}
			elicit_set_choice(f);
		} else if (f->type == MCP_FIELD_BOOLEAN)
			buf_adds(&f->text, *def != '\0' ? def : "no");
		else
			buf_adds(&f->text, def);
		free(def);
	}
	slines_init(&d->msg);
	d->width = -1;
	v->ops = &view_elicit_ops;
	v->ui = ui;
	v->data = d;
	return (v);
}

static void
elicit_free(struct view *v)
{
	struct elicit_view	*d = v->data;
	size_t			 i;

	/* Closed without an answer (the session ends): cancel. */
	if (d->e != NULL)
		mcp_elicit_answer(d->e, MCP_ELICIT_CANCEL, NULL);
	for (i = 0; i < d->nf; i++) {
		free(d->f[i].name);
		free(d->f[i].label);
		buf_release(&d->f[i].text);
		slines_release(&d->f[i].desc);
	}
	slines_release(&d->msg);
	free(d->f);
	free(d->error);
	free(d);
	free(v);
}

/*
 * Wrap the message and the fields' descriptions (the schema's
 * "description", Client / Elicitation "Requested Schema") to cols.
 */
static void
elicit_layout(struct elicit_view *d, int cols)
{
	struct elicit_field	*f;
	const char		*msg, *desc;
	size_t			 i;

	if (d->width == cols || d->e == NULL)
		return;
	d->width = cols;
	slines_release(&d->msg);
	msg = mcp_elicit_message(d->e);
	if (msg == NULL)
		msg = "";
	render_plain(&d->msg, msg, strlen(msg), cols > 4 ? cols : 4, EL_TEXT,
	    0, "  ", EL_TEXT);
	for (i = 0; i < d->nf; i++) {
		f = &d->f[i];
		slines_release(&f->desc);
		desc = conv_json_str(f->prop, "description");
		if (desc != NULL && *desc != '\0')
			render_plain(&f->desc, desc, strlen(desc), cols > 6 ?
			    cols : 6, EL_NOTICE, SA_DIM, "    ", EL_NOTICE);
	}
}

/* Rows of the fields with (1) or without (0) their descriptions. */
static int
elicit_field_rows(struct elicit_view *d, int descs)
{
	size_t	i;
	int	n = 0;

	if (mcp_elicit_url(d->e) != NULL)
		return (1);
	for (i = 0; i < d->nf; i++)
		n += 1 + (descs ? (int)d->f[i].desc.nr : 0);
	return (n);
}

static int
elicit_height(struct view *v, int rows, int cols)
{
	struct elicit_view	*d = v->data;
	int			 want;

	elicit_layout(d, cols);
	/* Heading, message, fields, error, disconnected, hint. */
	want = 4 + (int)d->msg.nr + elicit_field_rows(d, 1);
	return (want < rows - 2 ? want : rows - 2);
}

/* Answer and close; e is the server's again. */
static int
elicit_answer(struct view *v, enum mcp_elicit_action a, json_t *content)
{
	struct elicit_view	*d = v->data;
	const char		*what;

	what = a == MCP_ELICIT_ACCEPT ? "accepted" : a == MCP_ELICIT_DECLINE ?
	    "declined" : "cancelled";
	view_transcript_notice(v->ui, TE_NOTICE, "MCP server %s's request "
	    "for input: %s", mcp_elicit_server(d->e), what);
	mcp_elicit_answer(d->e, a, content);
	d->e = NULL;
	return (VIEW_HANDLED | VIEW_REDRAW | VIEW_CLOSE);
}

/* Enter: check every field; accept with them, or say what is wrong. */
static int
elicit_accept(struct view *v)
{
	struct elicit_view	*d = v->data;
	struct elicit_field	*f;
	json_t			*content, *val = NULL;
	char			*why = NULL;
	size_t			 i;

	if (mcp_elicit_url(d->e) != NULL)
		return (elicit_answer(v, MCP_ELICIT_ACCEPT, NULL));
	content = json_object();
	for (i = 0; i < d->nf; i++) {
		f = &d->f[i];
		if (f->text.len == 0 && f->type != MCP_FIELD_ENUM &&
		    f->type != MCP_FIELD_BOOLEAN) {
			if (!f->required)
				continue;
			why = xstrdup("required");
		} else
			val = mcp_elicit_value(f->prop, f->text.buf != NULL ?
			    f->text.buf : "", &why);
		if (why != NULL) {
			free(d->error);
			d->error = xasprintf("%s: %s", f->label, why);
			free(why);
			d->cur = i;
			json_decref(content);
			return (VIEW_HANDLED | VIEW_REDRAW);
		}
		json_object_set_new(content, f->name, val);
	}
	return (elicit_answer(v, MCP_ELICIT_ACCEPT, content));
}

/* Text typed or pasted into the current field. */
static void
elicit_type(struct elicit_view *d, const char *s, size_t len)
{
	struct elicit_field	*f;
	size_t			 i;

	if (d->nf == 0)
		return;
	f = &d->f[d->cur];
	if (f->type == MCP_FIELD_ENUM || f->type == MCP_FIELD_BOOLEAN)
		return;
	for (i = 0; i < len && f->text.len < 4096; i++) {
		if ((unsigned char)s[i] >= 0x20 && s[i] != 0x7f)
			buf_addch(&f->text, s[i]);
	}
}

static int
elicit_key(struct view *v, const struct key_event *ev)
{
	struct elicit_view	*d = v->data;
	struct elicit_field	*f = d->nf > 0 ? &d->f[d->cur] : NULL;
	key_code		 k = ev->key;
	char			 u[8];
	size_t			 n;

	free(d->error);
	d->error = NULL;
	if (k == KEYC_ESCAPE)
		return (elicit_answer(v, MCP_ELICIT_CANCEL, NULL));
	if (k == ELICIT_KEY_DECLINE || k == ('d' | KEYC_CTRL))
		return (elicit_answer(v, MCP_ELICIT_DECLINE, NULL));
	if (mcp_elicit_url(d->e) != NULL) {
		if (k == 'y' || k == '\r')
			return (elicit_answer(v, MCP_ELICIT_ACCEPT, NULL));
		if (k == 'n')
			return (elicit_answer(v, MCP_ELICIT_DECLINE, NULL));
		return (VIEW_HANDLED);
	}
	if (k == '\r' || k == '\n')
		return (elicit_accept(v));
	if (f == NULL)
		return (VIEW_HANDLED);
	if (k == '\t' || k == KEYC_DOWN) {
		d->cur = (d->cur + 1) % d->nf;
		return (VIEW_HANDLED | VIEW_REDRAW);
	}
	if (k == KEYC_BTAB || k == KEYC_UP) {
		d->cur = (d->cur + d->nf - 1) % d->nf;
		return (VIEW_HANDLED | VIEW_REDRAW);
	}
	if (f->type == MCP_FIELD_BOOLEAN && (k == ' ' || k == KEYC_LEFT ||
	    k == KEYC_RIGHT || k == 'y' || k == 'n')) {
		n = k == 'y' || (k != 'n' && strcmp(f->text.buf != NULL ?
		    f->text.buf : "", "yes") != 0);
		buf_reset(&f->text);
		buf_adds(&f->text, n ? "yes" : "no");
		return (VIEW_HANDLED | VIEW_REDRAW);
	}
	if (f->type == MCP_FIELD_ENUM && f->nchoices > 0 && (k == ' ' ||
	    k == KEYC_RIGHT || k == KEYC_LEFT)) {
		f->choice = (f->choice + (k == KEYC_LEFT ? f->nchoices - 1 :
		    1)) % f->nchoices;
		elicit_set_choice(f);
		return (VIEW_HANDLED | VIEW_REDRAW);
	}
	if (k == 127 || k == 8) {
		if (f->type != MCP_FIELD_ENUM && f->type !=
		    MCP_FIELD_BOOLEAN && f->text.len > 0) {
			buf_setlen(&f->text, utf8_prev(f->text.buf,
			    f->text.len));
		}
		return (VIEW_HANDLED | VIEW_REDRAW);
	}
	if (k == KEYC_PASTE) {
		elicit_type(d, ev->paste, ev->paste_len);
		return (VIEW_HANDLED | VIEW_REDRAW);
	}
	if ((k & KEYC_MASK_MOD) == 0 && k >= 0x20 && k < KEYC_BASE &&
	    k != 0x7f) {
		n = utf8_encode(k, u);
		elicit_type(d, u, n);
		return (VIEW_HANDLED | VIEW_REDRAW);
	}
	return (VIEW_HANDLED);
}

static void
elicit_draw(struct view *v, int y, int rows, int cols)
{
	struct elicit_view	*d = v->data;
	struct elicit_field	*f;
	struct buf		 b = BUF_INIT;
	const char		*hint;
	size_t			 i, j;
	int			 x, row = 0, cx = -1, cy = -1, descs, room;

	for (row = 0; row < rows; row++)
		mvhline(y + row, 0, ' ', cols);
	row = 0;
	buf_addf(&b, "\xe2\x94\x80\xe2\x94\x80 MCP server %s asks for input "
	    "(its words, not agentos's) ", mcp_elicit_server(d->e));
	x = ui_draw_text(y + row, 0, cols, b.buf, EL_HEADING, SA_BOLD);
	attrset(theme_attr(EL_BORDER, 0));
	for (; x < cols; x++)
		mvaddstr(y + row, x, "\xe2\x94\x80");
	attrset(A_NORMAL);
	row++;
	/*
	 * The whole message, wrapped; when the panel is too short, the
	 * fields keep their rows (the current one's description first)
	 * and the message is cut with a mark.
	 */
	elicit_layout(d, cols);
	descs = 4 + (int)d->msg.nr + elicit_field_rows(d, 1) <= rows;
	room = rows - 3 - elicit_field_rows(d, descs) -
	    (descs || d->nf == 0 ? 0 : (int)d->f[d->cur].desc.nr);
	if (room < 1)
		room = 1;
	for (i = 0; i < d->msg.nr && row < rows - 1; i++) {
		if ((int)i == room - 1 && d->msg.nr > (size_t)room) {
			ui_draw_text(y + row++, 0, cols, "  \xe2\x80\xa6 (the "
			    "message goes on: a taller terminal shows it)",
			    EL_NOTICE, SA_DIM);
			break;
		}
		ui_draw_sline(y + row++, 0, cols, &d->msg.v[i], 0);
	}
	if (mcp_elicit_url(d->e) != NULL) {
		buf_reset(&b);
		buf_addf(&b, "  URL: %s", mcp_elicit_url(d->e));
		if (row < rows)
			ui_draw_text(y + row++, 0, cols, b.buf, EL_LINK, 0);
		hint = "  agentos does not open it: y you open it yourself "
		    "(accept) \xc2\xb7 n decline \xc2\xb7 Esc cancel";
	} else {
		for (i = 0; i < d->nf && row < rows - 2; i++) {
			f = &d->f[i];
			buf_reset(&b);
			buf_addf(&b, "%s %s%s: ", i == d->cur ? ">" : " ",
			    f->label, f->required ? "*" : "");
			x = ui_draw_text(y + row, 0, cols, b.buf, EL_TEXT,
			    i == d->cur ? SA_BOLD : 0);
			buf_reset(&b);
			if (f->type == MCP_FIELD_ENUM)
				buf_addf(&b, "< %s >", f->text.buf != NULL ?
				    f->text.buf : "");
			else if (f->type == MCP_FIELD_BOOLEAN)
				buf_addf(&b, "[%s]", f->text.buf != NULL ?
				    f->text.buf : "no");
			else
				buf_adds(&b, f->text.buf != NULL ?
				    f->text.buf : "");
			x += ui_draw_text(y + row, x, cols - x, b.buf,
			    EL_USER, 0);
			if (i == d->cur) {
				cy = y + row;
				cx = x;
			}
			buf_reset(&b);
			buf_addf(&b, "  (%s)", f->type == MCP_FIELD_STRING ?
			    "text" : f->type == MCP_FIELD_NUMBER ? "number" :
			    f->type == MCP_FIELD_INTEGER ? "integer" :
			    f->type == MCP_FIELD_BOOLEAN ?
			    "Space toggles" : "Space: next choice");
			ui_draw_text(y + row, x, cols - x, b.buf, EL_NOTICE,
			    SA_DIM);
			row++;
			if (!descs && i != d->cur)
				continue;
			for (j = 0; j < f->desc.nr && row < rows - 2; j++)
				ui_draw_sline(y + row++, 0, cols,
				    &f->desc.v[j], 0);
		}
		hint = "  Enter accept \xc2\xb7 Tab next field \xc2\xb7 "
		    "C-d decline \xc2\xb7 Esc cancel \xc2\xb7 * required";
	}
	if (!mcp_elicit_live(d->e) && row < rows) {
		ui_draw_text(y + row++, 0, cols, "  (the server has "
		    "disconnected: the answer goes nowhere)", EL_ERROR, 0);
	}
	if (d->error != NULL && row < rows) {
		buf_reset(&b);
		buf_addf(&b, "  %s", d->error);
		ui_draw_text(y + row++, 0, cols, b.buf, EL_ERROR, SA_BOLD);
	}
	if (row < rows)
		ui_draw_text(y + rows - 1, 0, cols, hint, EL_NOTICE, SA_DIM);
	if (cy >= 0)
		ui_cursor(v->ui, cy, cx);
	buf_release(&b);
}
