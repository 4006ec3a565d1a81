/*
 * status.c: the status bar: model, permission mode, tokens in and out (and
 * cached), the git branch (libgit2), snapshots, and whether a turn runs.
 */
#include <stdlib.h>
#include <string.h>

#include <curses.h>
#include <git2.h>

#include "agentos.h"
#include "ui.h"
#include "lsp.h"
#include "context.h"
#include "workspace.h"
#include "sandbox.h"
#include "banned.h"

static void	status_servers(struct ui *, struct buf *);
static void	status_cost(struct ui *, struct buf *);

void
status_tokens(struct buf *b, int64_t n)
{
	if (n < 1000)
		buf_addf(b, "%lld", (long long)n);
	else if (n < 1000000)
		buf_addf(b, "%.1fk", n / 1000.0);
	else
		buf_addf(b, "%.1fM", n / 1000000.0);
}

void
status_update_branch(struct ui *ui)
{
	static int	 inited;
	git_repository	*repo = NULL;
	git_reference	*head = NULL;
	const git_oid	*oid;
	char		 hex[8];

	if (!inited) {
		git_libgit2_init();
		inited = 1;
	}
	free(ui->branch);
	ui->branch = NULL;
	if (git_repository_open_ext(&repo, ui->root,
	    GIT_REPOSITORY_OPEN_NO_SEARCH, NULL) != 0)
		return;
	if (git_repository_head(&head, repo) == 0) {
		if (git_reference_is_branch(head))
			ui->branch = xstrdup(git_reference_shorthand(head));
		else if ((oid = git_reference_target(head)) != NULL) {
			git_oid_tostr(hex, sizeof hex, oid);
			ui->branch = xasprintf("(%s)", hex);
		}
		git_reference_free(head);
	} else {
		/* An unborn branch: HEAD names it but it has no commit. */
		if (git_reference_lookup(&head, repo, "HEAD") == 0) {
			const char *t = git_reference_symbolic_target(head);

			if (t != NULL && strncmp(t, "refs/heads/", 11) == 0)
				ui->branch = xstrdup(t + 11);
			git_reference_free(head);
		}
	}
	git_repository_free(repo);
}

/*
 * The session's cost next to the tokens: " $0.0123", with the run's cost
 * limit when there is one (" $0.80/$1.00"), and "!" once a limit is past
 * 80% (budget.h).
 */
static void
status_cost(struct ui *ui, struct buf *b)
{
	struct budget		*bu = agent_budget(ui->agent);
	struct budget_sum	 s = *budget_session(bu);
	enum budget_limit	 l;
	double			 earlier, used, max;
	int			 unknown, near = 0;

	earlier = budget_earlier(bu, &unknown);
	s.cost_usd += earlier;
	s.unknown += unknown;
	/* The session's earlier responses count too (-c, /resume, /fork). */
	s.requests += unknown + (earlier > 0);
	if (s.requests == 0)
		return;
	/* Narrow: "cost unknown" is spelled out by /cost. */
	if (s.unknown == s.requests)
		buf_adds(b, " $?");
	else {
		buf_adds(b, " ");
		budget_cost_text(b, &s);
	}
	budget_figures(bu, BUDGET_USD, loop_now_ms(), &used, &max);
	if (max > 0)
		buf_addf(b, "/$%.2f", max);
	for (l = BUDGET_TURNS; l <= BUDGET_DURATION; l++) {
		budget_figures(bu, l, loop_now_ms(), &used, &max);
		if (max > 0 && used >= 0.8 * max)
			near = 1;
	}
	if (near)
		buf_adds(b, " !");
}

/* Each language server: " | clangd ready", "pyright indexing 40%". */
static void
status_servers(struct ui *ui, struct buf *b)
{
	struct lsp_manager	*m;
	struct lsp_status	*list;
	size_t			 n, i;

	if (ui->agent == NULL ||
	    (m = workspace_lsp(agent_workspace(ui->agent))) == NULL)
		return;
	lsp_status_list(m, &list, &n);
	for (i = 0; i < n; i++) {
		buf_addf(b, " \xe2\x94\x82 %s %s", list[i].name,
		    list[i].progress != NULL ? list[i].progress :
		    lsp_state_name(list[i].state));
	}
	lsp_status_free(list, n);
}

void
status_draw(struct ui *ui, int y, int cols)
{
	static const char	*spin[] = { "\xe2\xa0\x8b", "\xe2\xa0\x99",
				    "\xe2\xa0\xb9", "\xe2\xa0\xb8",
				    "\xe2\xa0\xbc", "\xe2\xa0\xb4",
				    "\xe2\xa0\xa6", "\xe2\xa0\xa7" };
	const struct agent_stats *st = NULL;
	struct buf		 b = BUF_INIT;
	enum perm_mode		 mode = ui->cfg->perm_mode;
	int			 x = 0, busy = 0;
	size_t			 nsnap = ui->nsnapshots;
	char			*k1, *k2;
	int			 w;
	struct workspace	*ws;
	struct sandbox		*sb;

	if (ui->agent != NULL) {
		st = agent_stats(ui->agent);
		mode = perm_get_mode(agent_perm(ui->agent));
		busy = agent_busy(ui->agent);
	}
	attrset(theme_attr(EL_STATUS, 0));
	mvhline(y, 0, ' ', cols);
	attrset(A_NORMAL);

	buf_addf(&b, " %s ", ui->cfg->model != NULL ? ui->cfg->model :
	    "(no model)");
	x += ui_draw_text(y, x, cols - x, b.buf, EL_STATUS, SA_BOLD);

	buf_reset(&b);
	buf_addf(&b, " %s ", perm_mode_name(mode));
	x += ui_draw_text(y, x, cols - x, b.buf, EL_STATUS_MODE, 0);

	/* --- sandbox: the profile, and loudly when nothing is enforced */
	if (ui->agent != NULL) {
		ws = agent_workspace(ui->agent);
		sb = workspace_sandbox(ws);
		buf_reset(&b);
		if (!workspace_sandboxed(ws)) {
			buf_adds(&b, " UNSANDBOXED ");
			x += ui_draw_text(y, x, cols - x, b.buf, EL_ERROR,
			    SA_BOLD);
		} else if (sandbox_profile(sb) != SANDBOX_WORKSPACE_WRITE) {
			/* The default costs no room on a narrow bar. */
			buf_addf(&b, " %s%s ", sandbox_profile(sb) ==
			    SANDBOX_OFF ? "sandbox " : "",
			    sandbox_profile_name(sandbox_profile(sb)));
			x += ui_draw_text(y, x, cols - x, b.buf, EL_STATUS, 0);
		}
	}
	/* --- end sandbox */

	buf_reset(&b);
	if (st != NULL) {
		buf_adds(&b, " \xe2\x86\x91");
		status_tokens(&b, st->usage.input_tokens +
		    st->usage.cache_read_tokens +
		    st->usage.cache_write_tokens);
		buf_adds(&b, " \xe2\x86\x93");
		status_tokens(&b, st->usage.output_tokens);
		if (st->usage.cache_read_tokens > 0) {
			buf_adds(&b, " (cached ");
			status_tokens(&b, st->usage.cache_read_tokens);
			buf_adds(&b, ")");
		}
		status_cost(ui, &b);
	}
	/* --- context: the window's fill at the last request */
	if (st != NULL && ui->agent != NULL) {
		int	warn, pct = agent_context_percent(ui->agent, &warn);

		if (pct >= 0)
			buf_addf(&b, " ctx %d%%%s", pct, warn ? "!" : "");
	}
	/* --- end context */
	if (ui->branch != NULL)
		buf_addf(&b, " \xe2\x94\x82 \xe2\x8e\x87 %s", ui->branch);
	buf_addf(&b, " \xe2\x94\x82 %zu snapshot%s", nsnap,
	    nsnap == 1 ? "" : "s");
	/* --- todo: the model's list (view-todo.c) */
	view_todo_status(ui, &b);
	/* --- end todo */
	if (ui->mouse)
		buf_adds(&b, " \xe2\x94\x82 mouse");
	if (ui->progress != NULL)
		buf_addf(&b, " \xe2\x94\x82 %s", ui->progress);
	status_servers(ui, &b);
	{
		struct buf	stop = BUF_INIT;
		int		sw = 0;

		if (busy) {
			/* How to stop keeps its room on narrow screens. */
			k1 = ui_key_hint(ui, KEYM_EDITOR, KA_ED_STOP);
			/* A hook running (hook.h) says so instead. */
			buf_addf(&stop, " %s %s \xc2\xb7 %s to stop",
			    spin[ui->spin % 8], ui->hook_line != NULL ?
			    ui->hook_line : "working", k1);
			sw = utf8_strwidth(stop.buf, stop.len);
			if (sw > cols - x) {
				/* Narrow: the spinner and the key only. */
				buf_reset(&stop);
				buf_addf(&stop, " %s %s to stop",
				    spin[ui->spin % 8], k1);
				sw = utf8_strwidth(stop.buf, stop.len);
			}
			free(k1);
			if (sw > cols - x)
				sw = cols - x;
		}
		x += ui_draw_text(y, x, cols - x - sw, b.buf, EL_STATUS, 0);
		if (busy)
			x += ui_draw_text(y, x, cols - x, stop.buf,
			    EL_STATUS, SA_BOLD);
		buf_release(&stop);
	}

	buf_reset(&b);

	/* The keys as bound now (the key table and "keys.*"). */
	buf_reset(&b);
	if (!busy) {
		k1 = ui_key_hint(ui, KEYM_GLOBAL, KA_MODE_NEXT);
		k2 = ui_key_hint(ui, KEYM_MAIN, KA_REWIND);
		buf_addf(&b, "%s mode  %s undo  /help ", k1, k2);
		free(k1);
		free(k2);
	}
	w = utf8_strwidth(b.buf, b.len);
	if (cols - x > w + 1)
		ui_draw_text(y, cols - w, w, b.buf, EL_STATUS, SA_DIM);
	buf_release(&b);
}
