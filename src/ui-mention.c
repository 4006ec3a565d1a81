/*
 * ui-mention.c: the popup list above the status bar, for three things.
 * - @path mentions: typing '@' and a few characters lists the repository's
 *   files and folders that match (complete.c: fuzzy, best first,
 *   COMPLETE_MAX shown); Tab or Enter inserts the selected one.  On
 *   submit each @path of a listed file is attached (complete_attach()).
 * - Slash commands: as soon as the prompt starts with '/', the commands
 *   whose name starts with what follows, each with its one-line help; Tab
 *   inserts the selected one, Enter runs it.
 * - History search (C-r): the sent messages that contain what is typed,
 *   newest first; Enter puts the selected one in the prompt.
 * Up and Down select, Esc closes the list.
 */
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "agentos.h"
#include "ui.h"
#include "complete.h"
#include "cmd-custom.h"
#include "options.h"
#include "repo.h"
#include "repomodel.h"
#include "workspace.h"
#include "banned.h"

enum ui_mention_kind {
	MENTION_FILE,
	MENTION_SLASH,
	MENTION_HISTORY,
};

struct ui_mention {
	enum ui_mention_kind	  kind;
	char			**cands;	/* files and folders, read
						   once per popup */
	size_t			  ncands;
	struct complete_index	 *index;	/* over cands: per key */
	char			**syms;		/* "PATH#NAME" definitions */
	size_t			  nsyms;
	char			**matches;
	char			**helps;	/* slash: the help of each */
	size_t			  nmatches;
	size_t			  sel;
	size_t			  start;	/* offset of the '@' */
	char			 *query;
	struct buf		  search;	/* history: what is typed */
	int			  closed;	/* Esc: shut until another
						   mention */
	int			  moved;	/* Up or Down selected */
};

static void	ui_mention_matches_free(struct ui_mention *);
static void	ui_mention_slash(struct ui *, struct ui_mention *,
		    const char *);
static void	ui_mention_history(struct ui *, struct ui_mention *);

/* The repository model, when it is there and not building; or NULL. */
static struct repomodel *
ui_mention_model(struct ui *ui)
{
	struct repomodel	*rm;

	if (ui->agent == NULL ||
	    (rm = workspace_repomodel(agent_workspace(ui->agent))) == NULL ||
	    repomodel_busy(rm, NULL, NULL))
		return (NULL);
	return (rm);
}

/* The definitions the model knows, as "PATH#NAME", once per popup. */
static void
ui_mention_symbols(struct ui *ui, struct ui_mention *m)
{
	struct repomodel	*rm = ui_mention_model(ui);
	struct repomodel_hit	*hits = NULL;
	size_t			 n, i, a = 0;

	if (rm == NULL)
		return;
	n = repomodel_symbols(rm, NULL, 0, &hits);
	for (i = 0; i < n; i++) {
		if (hits[i].name == NULL || *hits[i].name == '\0' ||
		    strchr(hits[i].name, ' ') != NULL)
			continue;
		ALLOC_GROW(m->syms, m->nsyms + 1, a);
		m->syms[m->nsyms++] = xasprintf("%s#%s", hits[i].path,
		    hits[i].name);
	}
	repomodel_hits_free(hits, n);
}

/* Files and folders first, then up to 3 symbols (a query of 2 or more). */
static void
ui_mention_files(struct ui_mention *m, const char *query)
{
	char	**files, **syms = NULL;
	size_t	  nf, ns = 0, i, keep;

	if (m->index == NULL)
		m->index = complete_index_create(m->cands, m->ncands);
	complete_index_match(m->index, query, COMPLETE_MAX, &files, &nf);
	if (strlen(query) >= 2)
		complete_match_symbols(m->syms, m->nsyms, query, 3, &syms,
		    &ns);
	keep = nf;
	if (keep + ns > COMPLETE_MAX)
		keep = COMPLETE_MAX - ns;
	m->matches = xcalloc(keep + ns + 1, sizeof *m->matches);
	for (i = 0; i < nf; i++) {
		if (i < keep)
			m->matches[m->nmatches++] = files[i];
		else
			free(files[i]);
	}
	for (i = 0; i < ns; i++)
		m->matches[m->nmatches++] = syms[i];
	free(files);
	free(syms);
}

/* The repository the agent works in, or NULL. */
static struct repo *
ui_mention_repo(struct ui *ui)
{
	struct workspace	*ws;

	if (ui->agent == NULL || (ws = agent_workspace(ui->agent)) == NULL ||
	    workspace_tool_ctx(ws) == NULL)
		return (NULL);
	return (workspace_tool_ctx(ws)->repo);
}

static void
ui_mention_matches_free(struct ui_mention *m)
{
	complete_free(m->matches, m->nmatches);
	complete_free(m->helps, m->helps != NULL ? m->nmatches : 0);
	m->matches = NULL;
	m->helps = NULL;
	m->nmatches = 0;
}

void
ui_mention_release(struct ui *ui)
{
	struct ui_mention	*m = ui->mention;

	if (m == NULL)
		return;
	ui_mention_matches_free(m);
	complete_index_free(m->index);
	complete_free(m->cands, m->ncands);
	complete_free(m->syms, m->nsyms);
	free(m->query);
	buf_release(&m->search);
	free(m);
	ui->mention = NULL;
}

/* Add a match (and its help) to m. */
static void
ui_mention_add(struct ui_mention *m, size_t *alloc, const char *s,
    const char *help)
{
	if (m->nmatches == *alloc) {
		*alloc = *alloc == 0 ? 8 : *alloc * 2;
		m->matches = xreallocarray(m->matches, *alloc,
		    sizeof *m->matches);
		m->helps = xreallocarray(m->helps, *alloc, sizeof *m->helps);
	}
	m->matches[m->nmatches] = xstrdup(s);
	m->helps[m->nmatches] = xstrdup(help != NULL ? help : "");
	m->nmatches++;
}

/* The commands whose name starts with prefix, built-in ones first. */
static void
ui_mention_slash(struct ui *ui, struct ui_mention *m, const char *prefix)
{
	const struct slash_entry	*e;
	const struct cmd_custom		*c;
	struct buf			 b = BUF_INIT, h = BUF_INIT;
	size_t				 i, n = strlen(prefix), alloc = 0;

	ui_mention_matches_free(m);
	for (e = slash_table; e->name != NULL; e++) {
		if (strncmp(e->name, prefix, n) != 0)
			continue;
		buf_reset(&b);
		buf_addf(&b, "/%s%s%s", e->name, *e->args != '\0' ? " " : "",
		    e->args);
		ui_mention_add(m, &alloc, b.buf, e->help);
	}
	for (i = 0; i < cmd_custom_count(); i++) {
		c = cmd_custom_get(i);
		if (strncmp(c->name, prefix, n) != 0)
			continue;
		buf_reset(&b);
		buf_addf(&b, "/%s%s%s", c->name, c->argument_hint != NULL ?
		    " " : "", c->argument_hint != NULL ? c->argument_hint : "");
		buf_reset(&h);
		buf_addf(&h, "%s (%s)", c->description, c->project ?
		    "project" : "user");
		ui_mention_add(m, &alloc, b.buf, h.buf);
	}
	buf_release(&b);
	buf_release(&h);
	if (m->sel >= m->nmatches)
		m->sel = 0;
}

/* The history entries that contain the search, newest first. */
static void
ui_mention_history(struct ui *ui, struct ui_mention *m)
{
	const char	*s, *q = m->search.buf;
	size_t		 i, n = editor_history_count(ui->editor), alloc = 0;
	size_t		 qn = m->search.len, k;

	ui_mention_matches_free(m);
	for (i = n; i > 0 && m->nmatches < COMPLETE_MAX; i--) {
		s = editor_history_get(ui->editor, i - 1);
		for (k = 0; s[k] != '\0'; k++)
			if (strncasecmp(s + k, q, qn) == 0)
				break;
		if (qn > 0 && s[k] == '\0')
			continue;
		ui_mention_add(m, &alloc, s, NULL);
	}
	if (m->sel >= m->nmatches)
		m->sel = 0;
}

void
ui_mention_search(struct ui *ui)
{
	struct ui_mention	*m;

	ui_mention_release(ui);
	if (editor_history_count(ui->editor) == 0) {
		view_transcript_notice(ui, TE_NOTICE, "No history to search "
		    "yet.");
		return;
	}
	m = ui->mention = xcalloc(1, sizeof *m);
	m->kind = MENTION_HISTORY;
	buf_init(&m->search, 0);
	/* What is in the prompt starts the search. */
	buf_adds(&m->search, editor_buffer(ui->editor, NULL));
	ui_mention_history(ui, m);
	ui_redraw(ui);
}

void
ui_mention_update(struct ui *ui)
{
	struct ui_mention	*m = ui->mention;
	struct repo		*rp;
	const char		*buf = editor_buffer(ui->editor, NULL);
	char			*word, **files = NULL, *cause = NULL;
	size_t			 start, n = 0;

	if (m != NULL && m->kind == MENTION_HISTORY)
		return;
	word = complete_word_at(buf, editor_caret(ui->editor), &start);
	if (word == NULL && buf[0] == '/' && buf[1] != '/' &&
	    strcspn(buf, " \t\n") == strlen(buf)) {
		/* A command name being typed. */
		if (m != NULL && m->kind != MENTION_SLASH) {
			ui_mention_release(ui);
			m = NULL;
		}
		if (m == NULL) {
			slash_custom_scan(ui);
			m = ui->mention = xcalloc(1, sizeof *m);
			m->kind = MENTION_SLASH;
		}
		if (m->query == NULL || strcmp(m->query, buf + 1) != 0) {
			free(m->query);
			m->query = xstrdup(buf + 1);
			ui_mention_slash(ui, m, buf + 1);
			ui_redraw(ui);
		}
		return;
	}
	if (word == NULL || (m != NULL && (m->kind != MENTION_FILE ||
	    m->start != start))) {
		ui_mention_release(ui);
		m = NULL;
	}
	if (word == NULL)
		return;
	if (m == NULL) {
		if ((rp = ui_mention_repo(ui)) == NULL ||
		    repo_list(rp, REPO_LIST_ALL, &files, &n, &cause) != 0) {
			free(cause);
			free(word);
			return;
		}
		m = ui->mention = xcalloc(1, sizeof *m);
		m->kind = MENTION_FILE;
		m->start = start;
		complete_candidates(files, n, &m->cands, &m->ncands);
		repo_list_free(files, n);
		ui_mention_symbols(ui, m);
	}
	if (m->query != NULL && strcmp(m->query, word) == 0) {
		free(word);
		return;
	}
	free(m->query);
	m->query = word;
	ui_mention_matches_free(m);
	ui_mention_files(m, word);
	m->sel = 0;
	ui_redraw(ui);
}

/* Keys of the history search: typed text and Backspace edit the query. */
static int
ui_mention_key_search(struct ui *ui, struct ui_mention *m,
    const struct key_event *ev, enum key_action a)
{
	char	 enc[4], *s;
	key_code k = ev->key;

	switch (a) {
	case KA_ED_SEND:
	case KA_ED_COMPLETE:
		if (m->nmatches > 0) {
			s = xstrdup(m->matches[m->sel]);
			editor_set(ui->editor, s);
			free(s);
		}
		ui_mention_release(ui);
		return (1);
	case KA_ED_BACKSPACE:
		if (m->search.len > 0) {
			while (m->search.len > 0 && ((unsigned char)
			    m->search.buf[m->search.len - 1] & 0xc0) == 0x80)
				m->search.len--;
			if (m->search.len > 0)
				m->search.len--;
			m->search.buf[m->search.len] = '\0';
		}
		break;
	case KA_ED_SEARCH:
		/* Again: the next older match. */
		if (m->nmatches > 0)
			m->sel = (m->sel + 1) % m->nmatches;
		return (1);
	default:
		if ((k & KEYC_MASK_MOD) == 0 && k >= 0x20 && k < 0x110000 &&
		    k != 0x7f) {
			buf_add(&m->search, enc, utf8_encode(k, enc));
			break;
		}
		return (0);
	}
	ui_mention_history(ui, m);
	return (1);
}

int
ui_mention_key(struct ui *ui, const struct key_event *ev)
{
	struct ui_mention	*m = ui->mention;
	enum key_action		 a;
	const char		*path;
	char			*ins;
	size_t			 len;

	if (m == NULL || m->closed)
		return (0);
	a = ui_key_action(ui, KEYM_EDITOR, ev->key);
	switch (a) {
	case KA_ED_UP:
		if (m->nmatches > 0)
			m->sel = m->sel == 0 ? m->nmatches - 1 : m->sel - 1;
		m->moved = 1;
		break;
	case KA_ED_DOWN:
		if (m->nmatches > 0)
			m->sel = (m->sel + 1) % m->nmatches;
		m->moved = 1;
		break;
	case KA_ED_STOP:
	case KA_ED_INTERRUPT:
		if (m->kind == MENTION_HISTORY)
			ui_mention_release(ui);
		else
			m->closed = 1;
		break;
	default:
		if (m->kind == MENTION_HISTORY) {
			if (!ui_mention_key_search(ui, m, ev, a))
				return (0);
			break;
		}
		if (m->nmatches == 0 ||
		    (a != KA_ED_COMPLETE && a != KA_ED_SEND))
			return (0);
		path = m->matches[m->sel];
		/*
		 * Tab on several commands, none selected: complete what they
		 * share, as without the list (slash_complete()).
		 */
		if (m->kind == MENTION_SLASH && a == KA_ED_COMPLETE &&
		    m->nmatches > 1 && !m->moved)
			return (0);
		if (m->kind == MENTION_SLASH) {
			/* "/name ARGS": the name; Enter then runs it. */
			len = strcspn(path, " ");
			ins = xasprintf("%.*s%s", (int)len, path, a ==
			    KA_ED_COMPLETE ? " " : "");
			editor_set(ui->editor, ins);
			free(ins);
			ui_mention_release(ui);
			if (a == KA_ED_SEND)
				return (0);
			break;
		}
		len = strlen(path);
		/* A folder stays open to go on into it. */
		ins = xasprintf("@%s%s", path, path[len - 1] == '/' ? "" :
		    " ");
		editor_replace(ui->editor, m->start, editor_caret(ui->editor),
		    ins);
		free(ins);
		ui_mention_release(ui);
		ui_mention_update(ui);
		break;
	}
	ui_redraw(ui);
	return (1);
}

int
ui_mention_height(struct ui *ui)
{
	struct ui_mention	*m = ui->mention;

	if (m == NULL || m->closed)
		return (0);
	if (m->kind == MENTION_HISTORY)
		return (1 + (int)m->nmatches);
	if (m->kind == MENTION_SLASH && m->nmatches == 0)
		return (0);
	return (m->nmatches == 0 ? 1 : (int)m->nmatches);
}

void
ui_mention_draw(struct ui *ui, int y, int rows, int cols)
{
	struct ui_mention	*m = ui->mention;
	struct buf		 b = BUF_INIT;
	size_t			 i;
	int			 row = 0, x, w, pad;

	if (m == NULL || rows <= 0)
		return;
	if (m->kind == MENTION_HISTORY) {
		buf_addf(&b, "  history search: %s", m->search.buf);
		ui_draw_text(y + row++, 0, cols, b.buf, EL_HEADING, SA_BOLD);
		ui_cursor(ui, y, utf8_strwidth(b.buf, b.len));
	} else if (m->nmatches == 0) {
		ui_draw_text(y, 0, cols, "  no file matches", EL_NOTICE,
		    SA_DIM);
		return;
	}
	/* The names in a column as wide as the widest (up to 40). */
	for (w = 0, i = 0; m->kind == MENTION_SLASH && i < m->nmatches; i++)
		if ((int)strlen(m->matches[i]) > w)
			w = (int)strlen(m->matches[i]);
	if (w > 40)
		w = 40;
	for (i = 0; i < m->nmatches && row < rows; i++, row++) {
		buf_reset(&b);
		buf_addf(&b, "  %s%s", m->kind == MENTION_FILE ? "@" : "",
		    m->matches[i]);
		/* One row: a history entry's first line. */
		b.buf[strcspn(b.buf, "\n")] = '\0';
		b.len = strlen(b.buf);
		pad = m->kind == MENTION_SLASH ? w + 4 : 60;
		while ((int)b.len < cols && (int)b.len < pad)
			buf_addch(&b, ' ');
		x = ui_draw_text(y + row, 0, cols, b.buf, EL_PROMPT,
		    i == m->sel ? SA_REVERSE : 0);
		if (m->kind == MENTION_SLASH && x < cols)
			ui_draw_text(y + row, x, cols - x, m->helps[i],
			    EL_NOTICE, SA_DIM);
	}
	buf_release(&b);
}

char *
ui_mention_attach(struct ui *ui, const char *text)
{
	struct buf	 out = BUF_INIT, notes = BUF_INIT;
	char		*line, *nl;

	if (strchr(text, '@') != NULL)
		complete_attach(ui_mention_repo(ui), ui_mention_model(ui),
		    ui->root, text, &out, &notes);
	line = notes.buf;
	/* One notice a line: what was attached, named or left out. */
	while (*line != '\0') {
		if ((nl = strchr(line, '\n')) != NULL)
			*nl = '\0';
		if (*line != '\0')
			view_transcript_notice(ui, TE_NOTICE, "%s", line);
		if (nl == NULL)
			break;
		line = nl + 1;
	}
	buf_release(&notes);
	if (out.len == 0) {
		buf_release(&out);
		return (xstrdup(text));
	}
	return (buf_detach(&out, NULL));
}
