/*
 * ui-mention.c: the @path popup of the prompt.  Typing '@' and a few
 * characters lists the repository's files and folders that match
 * (complete.c: fuzzy, best first, COMPLETE_MAX shown) above the status
 * bar; Tab or Enter inserts the selected one, Up and Down select, Esc
 * closes the list.  On submit each @path of a listed file is attached to
 * the message (complete_attach()).
 */
#include <stdlib.h>
#include <string.h>

#include "agentos.h"
#include "ui.h"
#include "complete.h"
#include "options.h"
#include "repo.h"
#include "workspace.h"
#include "banned.h"

struct ui_mention {
	char	**cands;	/* files and folders, read once per popup */
	size_t	  ncands;
	char	**matches;
	size_t	  nmatches;
	size_t	  sel;
	size_t	  start;	/* offset of the '@' */
	char	 *query;
	int	  closed;	/* Esc: shut until another mention */
};

static void	ui_mention_matches_free(struct ui_mention *);

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
	m->matches = NULL;
	m->nmatches = 0;
}

void
ui_mention_release(struct ui *ui)
{
	struct ui_mention	*m = ui->mention;

	if (m == NULL)
		return;
	ui_mention_matches_free(m);
	complete_free(m->cands, m->ncands);
	free(m->query);
	free(m);
	ui->mention = NULL;
}

void
ui_mention_update(struct ui *ui)
{
	struct ui_mention	*m = ui->mention;
	struct repo		*rp;
	const char		*buf = editor_buffer(ui->editor, NULL);
	char			*word, **files = NULL, *cause = NULL;
	size_t			 start, n = 0;

	word = complete_word_at(buf, editor_caret(ui->editor), &start);
	if (word == NULL || (m != NULL && m->start != start)) {
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
		m->start = start;
		complete_candidates(files, n, &m->cands, &m->ncands);
		repo_list_free(files, n);
	}
	if (m->query != NULL && strcmp(m->query, word) == 0) {
		free(word);
		return;
	}
	free(m->query);
	m->query = word;
	ui_mention_matches_free(m);
	complete_match(m->cands, m->ncands, word, COMPLETE_MAX, &m->matches,
	    &m->nmatches);
	m->sel = 0;
	ui_redraw(ui);
}

int
ui_mention_key(struct ui *ui, const struct key_event *ev)
{
	struct ui_mention	*m = ui->mention;
	const char		*path;
	char			*ins;
	size_t			 len;

	if (m == NULL || m->closed || m->nmatches == 0)
		return (0);
	switch (ui_key_action(ui, KEYM_EDITOR, ev->key)) {
	case KA_ED_COMPLETE:
	case KA_ED_SEND:
		path = m->matches[m->sel];
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
	case KA_ED_UP:
		m->sel = m->sel == 0 ? m->nmatches - 1 : m->sel - 1;
		break;
	case KA_ED_DOWN:
		m->sel = (m->sel + 1) % m->nmatches;
		break;
	case KA_ED_STOP:
	case KA_ED_INTERRUPT:
		m->closed = 1;
		break;
	default:
		return (0);
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
	return (m->nmatches == 0 ? 1 : (int)m->nmatches);
}

void
ui_mention_draw(struct ui *ui, int y, int rows, int cols)
{
	struct ui_mention	*m = ui->mention;
	struct buf		 b = BUF_INIT;
	size_t			 i;

	if (m == NULL || rows <= 0)
		return;
	if (m->nmatches == 0) {
		ui_draw_text(y, 0, cols, "  no file matches", EL_NOTICE,
		    SA_DIM);
		return;
	}
	for (i = 0; i < m->nmatches && (int)i < rows; i++) {
		buf_reset(&b);
		buf_addf(&b, "  @%s", m->matches[i]);
		while ((int)b.len < cols && b.len < 60)
			buf_addch(&b, ' ');
		ui_draw_text(y + i, 0, cols, b.buf, EL_PROMPT, i == m->sel ?
		    SA_REVERSE : 0);
	}
	buf_release(&b);
}

char *
ui_mention_attach(struct ui *ui, const char *text)
{
	struct buf	 out = BUF_INIT, notes = BUF_INIT;
	char		*line, *nl;

	if (strchr(text, '@') != NULL)
		complete_attach(ui_mention_repo(ui), ui->root, text, &out,
		    &notes);
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
