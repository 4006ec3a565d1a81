/*
 * slash.c: the slash commands typed at the prompt (/help, /mode, ...),
 * one table row and one function each.
 */
#include <ctype.h>
#include <stdlib.h>
#include <string.h>

#include "agentos.h"
#include "ui.h"
#include "options.h"
#include "workspace.h"
#include "sandbox.h"
#include "todo.h"
#include "cmd-custom.h"
#include "cmd-init.h"
#include "repomodel.h"
#include "mcp.h"
#include "policy.h"
#include "hook.h"
#include "banned.h"

static void	slash_help(struct ui *, const char *);
static int	slash_run_custom(struct ui *, const char *, size_t);
static void	slash_clear(struct ui *, const char *);
static void	slash_mode(struct ui *, const char *);
static void	slash_model(struct ui *, const char *);
static void	slash_rewind(struct ui *, const char *);
static void	slash_snapshots(struct ui *, const char *);
static void	slash_diff(struct ui *, const char *);
static void	slash_quit(struct ui *, const char *);
/* --- session log: slash command prototypes (/resume, /fork) */
static void	slash_resume(struct ui *, const char *);
static void	slash_resume_done(struct ui *, const char *);
static void	slash_fork(struct ui *, const char *);
/* --- end session log: slash command prototypes */
/* --- budget: slash command prototypes (/cost) */
static void	slash_cost(struct ui *, const char *);
static void	slash_cost_sum(struct buf *, const struct budget_sum *);
/* --- end budget: slash command prototypes */
/* --- context: slash command prototypes (/context) */
static void	slash_context(struct ui *, const char *);
static void	slash_compact(struct ui *, const char *);
/* --- end context: slash command prototypes */
/* --- init: slash command prototypes (/init) */
static void	slash_init(struct ui *, const char *);
static void	slash_init_yes(struct ui *, void *);
/* --- end init: slash command prototypes */
/* --- todo: slash command prototypes (/todo) */
static void	slash_todo(struct ui *, const char *);
/* --- end todo: slash command prototypes */
/* --- sandbox: slash command prototypes (/sandbox) */
static void	slash_sandbox(struct ui *, const char *);
/* --- end sandbox: slash command prototypes */
/* --- permission rules: slash command prototypes (/permissions) */
static void	slash_permissions(struct ui *, const char *);
/* --- end permission rules: slash command prototypes */
/* --- mcp: slash command prototypes (/mcp) */
static void	slash_mcp(struct ui *, const char *);
static int	slash_mcp_prompt(struct ui *, const char *, size_t,
		    const char *);
/* --- end mcp: slash command prototypes */
/* --- hooks: slash command prototypes (/hooks) */
static void	slash_hooks(struct ui *, const char *);
/* --- end hooks: slash command prototypes */

const struct slash_entry slash_table[] = {
	{ .name = "help", .args = "", .exec = slash_help,
	  .help = "show the keys and commands" },
	{ .name = "clear", .args = "", .exec = slash_clear,
	  .help = "start a new conversation (a new session) and clear the "
	    "screen; /resume goes back" },
	{ .name = "mode", .args = "[ask|accept-edits|plan|bypass]",
	  .exec = slash_mode,
	  .help = "show or set the permission mode (also the mode key)" },
	{ .name = "model", .args = "[NAME]", .exec = slash_model,
	  .help = "show or set the model for the next requests" },
	{ .name = "rewind", .args = "[ID]", .exec = slash_rewind,
	  .help = "rewind the files to before the agent's last change, or "
	    "to snapshot ID (also the rewind key)" },
	{ .name = "snapshots", .args = "", .exec = slash_snapshots,
	  .help = "open the snapshot timeline (also the snapshots key)" },
	{ .name = "diff", .args = "[ID]", .exec = slash_diff,
	  .help = "show the changes since snapshot ID (default: the "
	    "session's first) in a pager" },
	{ .name = "quit", .args = "", .exec = slash_quit,
	  .help = "quit agentos (also editor-quit, or editor-interrupt "
	    "twice)" },
	{ .name = "exit", .args = "", .exec = slash_quit,
	  .help = "the same as /quit" },
	/* --- session log: slash commands (/resume, /fork) */
	{ .name = "resume", .args = "[ID]", .exec = slash_resume,
	  .help = "switch to another recorded session (a picker without "
	    "ID); this one can be resumed later" },
	{ .name = "fork", .args = "", .exec = slash_fork,
	  .help = "go on in a new session with this conversation; this one "
	    "stays as it is" },
	/* --- end session log: slash commands */
	/* --- budget: slash commands (/cost) */
	{ .name = "cost", .args = "", .exec = slash_cost,
	  .help = "show tokens, cache hits, cost and time per model and per "
	    "turn, and the limits of the run" },
	/* --- end budget: slash commands */
	/* --- init: slash commands (/init) */
	{ .name = "init", .args = "", .exec = slash_init,
	  .help = "draft an AGENTS.md from the repository (layout, build and "
	    "test commands, conventions) and write it once you approve the "
	    "diff" },
	/* --- end init: slash commands */
	/* --- todo: slash commands (/todo) */
	{ .name = "todo", .args = "", .exec = slash_todo,
	  .help = "hide or show the model's todo list above the prompt" },
	/* --- end todo: slash commands */
	/* --- context: slash commands (/context) */
	{ .name = "context", .args = "", .exec = slash_context,
	  .help = "show what fills the context window, by category, and the "
	    "cache hit ratio" },
	{ .name = "compact", .args = "[instructions]", .exec = slash_compact,
	  .help = "summarize the conversation now, to free the context "
	  "window (what to keep, optionally)" },
	/* --- end context: slash commands */
	/* --- sandbox: slash commands (/sandbox) */
	{ .name = "sandbox", .args = "[off|read-only|workspace-write]",
	  .exec = slash_sandbox,
	  .help = "show how commands are confined, or change the profile "
	    "for this session" },
	/* --- end sandbox: slash commands */
	/* --- permission rules: slash commands (/permissions) */
	{ .name = "permissions", .args = "[allow|ask|deny RULE | rm N]",
	  .exec = slash_permissions,
	  .help = "list the permission rules and where each came from, add "
	    "a session rule, or remove session rule N" },
	/* --- end permission rules: slash commands */
	/* --- mcp: slash commands (/mcp) */
	{ .name = "mcp", .args = "[reconnect|disable|login|logout NAME]",
	  .exec = slash_mcp, .help = "MCP servers; reconnect or disable "
	    "one" },
	/* --- end mcp: slash commands */
	/* --- hooks: slash commands (/hooks) */
	{ .name = "hooks", .args = "", .exec = slash_hooks,
	  .help = "list the hooks in effect and the file each came from" },
	/* --- end hooks: slash commands */
	{ .name = NULL }
};

/* The /help headings of the key table's modes. */
static const char *const slash_help_modes[KEYM_COUNT] = {
	[KEYM_GLOBAL] = "Everywhere",
	[KEYM_MAIN] = "Transcript",
	[KEYM_EDITOR] = "Input editor",
	[KEYM_APPROVAL] = "Approvals",
	[KEYM_NOTE] = "Rejection note",
	[KEYM_TIMELINE] = "Snapshot timeline",
	[KEYM_PAGER] = "Pager",
	[KEYM_PICKER] = "Session picker",
};

/*
 * The key table as bound now, one section per mode, then the commands: a
 * list, not a table, so that rows wrap at any width and a command's
 * arguments (with their |) stay whole.
 */
static void
slash_help(struct ui *ui, const char *args)
{
	const struct slash_entry	*e;
	const struct ui_options		*keys = &options_get(ui->cfg)->ui;
	struct buf			 b = BUF_INIT;
	char				*names;
	size_t				 i;
	int				 m;

	buf_adds(&b, "# agentos keys\n");
	for (m = 0; m < KEYM_COUNT; m++) {
		buf_addf(&b, "\n## %s\n\n", slash_help_modes[m]);
		for (i = 0; key_table[i].name != NULL; i++) {
			if (key_table[i].mode != (enum key_mode)m)
				continue;
			names = key_list_string(keys->keys[i], KEY_BIND_MAX);
			buf_addf(&b, "- `%s`: %s (%s)\n", names,
			    key_table[i].help, key_table[i].name);
			free(names);
		}
	}
	buf_adds(&b, "\nRebind by name in the config file: `\"keys\": "
	    "{\"rewind\": \"C-r\", \"editor-left\": \"Left C-b\"}` (several "
	    "keys separated by spaces, \"none\" unbinds).\n\n## Commands\n\n");
	for (e = slash_table; e->name != NULL; e++)
		buf_addf(&b, "- `/%s%s%s`: %s\n", e->name, *e->args != '\0' ?
		    " " : "", e->args, e->help);
	/* --- custom commands */
	slash_custom_scan(ui);
	if (cmd_custom_count() > 0)
		buf_adds(&b, "\n## Custom commands\n\n");
	for (i = 0; i < cmd_custom_count(); i++) {
		const struct cmd_custom	*c = cmd_custom_get(i);

		buf_addf(&b, "- `/%s%s%s`: %s (%s)", c->name,
		    c->argument_hint != NULL ? " " : "",
		    c->argument_hint != NULL ? c->argument_hint : "",
		    c->description, c->project ? "project" : "user");
		if (c->allowed_tools != NULL && *c->allowed_tools != '\0')
			buf_addf(&b, "; allowed tools: %s", c->allowed_tools);
		buf_adds(&b, "\n");
	}
	/* --- end custom commands */
	buf_adds(&b, "\nStart a message with // to send a leading slash.\n");
	ui_push(ui, view_pager_create(ui, "Help", b.buf, PAGER_MARKDOWN));
	buf_release(&b);
}

static void
slash_clear(struct ui *ui, const char *args)
{
	ui_clear(ui);
}

static void
slash_resume(struct ui *ui, const char *args)
{
	struct view	*v;
	char		*cause = NULL;

	if (ui->agent != NULL && agent_busy(ui->agent)) {
		cause = ui_key_hint(ui, KEYM_EDITOR, KA_ED_STOP);
		view_transcript_notice(ui, TE_ERROR, "resume: a turn is "
		    "running; %s stops it first", cause);
		free(cause);
		return;
	}
	if (*args != '\0') {
		ui_resume(ui, args);
		return;
	}
	if ((v = view_sessions_create(ui, 0, slash_resume_done,
	    &cause)) == NULL) {
		view_transcript_notice(ui, TE_ERROR, "resume: %s", cause);
		free(cause);
		return;
	}
	ui_push(ui, v);
}

/* The picker of /resume closed: Esc (NULL) changes nothing. */
static void
slash_resume_done(struct ui *ui, const char *id)
{
	if (id != NULL)
		ui_resume(ui, id);
}

static void
slash_fork(struct ui *ui, const char *args)
{
	ui_fork(ui, 0);
}

static void
slash_mode(struct ui *ui, const char *args)
{
	enum perm_mode	m;
	char		*key;

	if (*args == '\0') {
		m = ui->agent != NULL ? perm_get_mode(agent_perm(ui->agent)) :
		    ui->cfg->perm_mode;
		key = ui_key_hint(ui, KEYM_GLOBAL, KA_MODE_NEXT);
		view_transcript_notice(ui, TE_NOTICE, "Permission mode: %s "
		    "(ask, accept-edits, plan, bypass; %s cycles)",
		    perm_mode_name(m), key);
		free(key);
		return;
	}
	if (perm_mode_from_name(args, &m) != 0) {
		view_transcript_notice(ui, TE_ERROR, "unknown mode \"%s\": "
		    "ask, accept-edits, plan or bypass", args);
		return;
	}
	ui->cfg->perm_mode = m;
	if (ui->agent != NULL)
		agent_set_mode(ui->agent, m);
	view_transcript_notice(ui, TE_NOTICE, "Permission mode: %s",
	    perm_mode_name(m));
}

static void
slash_model(struct ui *ui, const char *args)
{
	char	*cause = NULL;

	if (*args == '\0') {
		view_transcript_notice(ui, TE_NOTICE, "Model: %s (provider "
		    "%s)", ui->cfg->model != NULL ? ui->cfg->model : "none",
		    ui->cfg->provider != NULL ? ui->cfg->provider : "none");
		return;
	}
	if (config_set(ui->cfg, "model", args, &cause) != 0) {
		view_transcript_notice(ui, TE_ERROR, "model: %s", cause);
		free(cause);
		return;
	}
	view_transcript_notice(ui, TE_NOTICE, "Model: %s (from the next "
	    "request)", ui->cfg->model);
}

static void
slash_rewind(struct ui *ui, const char *args)
{
	ui_rewind(ui, *args != '\0' ? args : NULL);
}

static void
slash_snapshots(struct ui *ui, const char *args)
{
	ui_push(ui, view_snapshots_create(ui));
}

static void
slash_diff(struct ui *ui, const char *args)
{
	const char *const	*ids;
	size_t			 n = 0;

	if (*args != '\0') {
		view_pager_diff(ui, args);
		return;
	}
	ids = ui->agent != NULL ?
	    workspace_snapshot_ids(agent_workspace(ui->agent), &n) : NULL;
	if (n == 0) {
		view_transcript_notice(ui, TE_NOTICE, "No snapshots in this "
		    "session yet: the agent has changed nothing.");
		return;
	}
	view_pager_diff(ui, ids[0]);
}

static void
slash_quit(struct ui *ui, const char *args)
{
	ui_quit(ui);
}

int
slash_run(struct ui *ui, const char *line)
{
	const struct slash_entry	*e;
	size_t				 n;
	char				*args;

	if (*line != '/')
		return (-1);
	line++;
	n = strcspn(line, " \t");
	for (e = slash_table; e->name != NULL; e++) {
		if (strlen(e->name) == n && strncmp(e->name, line, n) == 0)
			break;
	}
	/* --- mcp: a server's prompt, /mcp__SERVER__PROMPT args */
	if (e->name == NULL && strncmp(line, "mcp__", 5) == 0)
		return (slash_mcp_prompt(ui, line, n, line + n));
	/* --- end mcp */
	if (e->name == NULL)
		return (slash_run_custom(ui, line, n));
	line += n;
	while (isspace((unsigned char)*line))
		line++;
	args = xstrdup(line);
	n = strlen(args);
	while (n > 0 && isspace((unsigned char)args[n - 1]))
		args[--n] = '\0';
	e->exec(ui, args);
	free(args);
	return (0);
}

char *
slash_complete(const char *line, struct buf *candidates)
{
	const struct slash_entry	*e = slash_table;
	const char			*name, *found = NULL;
	size_t				 n, common = 0, k, nfound = 0, ci = 0;

	if (*line != '/' || strchr(line, ' ') != NULL)
		return (NULL);
	n = strlen(line + 1);
	/* The built-in commands, then the custom ones (cmd-custom.c). */
	for (;;) {
		if (e->name != NULL)
			name = (e++)->name;
		else if (ci < cmd_custom_count())
			name = cmd_custom_get(ci++)->name;
		else
			break;
		if (strncmp(name, line + 1, n) != 0)
			continue;
		if (found == NULL) {
			found = name;
			common = strlen(name);
		} else {
			/* The prefix every candidate shares. */
			for (k = 0; k < common && name[k] == found[k]; k++)
				;
			common = k;
		}
		if (candidates != NULL) {
			buf_adds(candidates, nfound > 0 ? "  /" : "/");
			buf_adds(candidates, name);
		}
		nfound++;
	}
	if (found == NULL)
		return (NULL);
	if (nfound == 1) {
		if (candidates != NULL)
			buf_reset(candidates);
		return (xasprintf("/%s ", found));
	}
	if (common > n)
		return (xasprintf("/%.*s", (int)common, found));
	return (NULL);
}

/* --- custom commands (cmd-custom.c) */

/* Whether name is a built-in command (custom ones never shadow them). */
static int
slash_is_builtin(const char *name)
{
	const struct slash_entry	*e;

	for (e = slash_table; e->name != NULL; e++)
		if (strcmp(e->name, name) == 0)
			return (1);
	return (0);
}

void
slash_custom_scan(struct ui *ui)
{
	cmd_custom_scan(ui->root, ui->cfg, slash_is_builtin);
}

/*
 * /NAME ARGS of a custom command: its body with the arguments in, sent as
 * the user message (files it mentions with @path attached); -1 when there
 * is no such command.
 */
static int
slash_run_custom(struct ui *ui, const char *line, size_t n)
{
	const struct cmd_custom	*c;
	char			*args, *text, *att, *shown;
	size_t			 len;

	slash_custom_scan(ui);
	if ((c = cmd_custom_find(line, n)) == NULL)
		return (-1);
	shown = xasprintf("/%s", line);
	line += n;
	while (isspace((unsigned char)*line))
		line++;
	args = xstrdup(line);
	len = strlen(args);
	while (len > 0 && isspace((unsigned char)args[len - 1]))
		args[--len] = '\0';
	text = cmd_custom_expand(c, args);
	att = ui_mention_attach(ui, text);
	ui_submit_message(ui, att, shown);
	free(att);
	free(text);
	free(args);
	free(shown);
	return (0);
}
/* --- end custom commands */

/* --- budget: /cost */

/* One line of figures: tokens in, out, cached, hit ratio, cost, time. */
static void
slash_cost_sum(struct buf *b, const struct budget_sum *s)
{
	int64_t	prompt = s->input_tokens + s->cache_read_tokens +
		    s->cache_write_tokens;

	buf_adds(b, "in ");
	status_tokens(b, prompt);
	buf_adds(b, "  out ");
	status_tokens(b, s->output_tokens);
	buf_adds(b, "  cached ");
	status_tokens(b, s->cache_read_tokens);
	buf_addf(b, "  hit %d%%  ", prompt > 0 ?
	    (int)(100 * s->cache_read_tokens / prompt) : 0);
	budget_cost_text(b, s);
	buf_addf(b, "  %.1fs  (%d call%s)", s->api_ms / 1000.0, s->requests,
	    s->requests == 1 ? "" : "s");
}

/* The cost of the session per model and per turn, and the limits. */
static void
slash_cost(struct ui *ui, const char *args)
{
	struct budget		*bu;
	const struct budget_row	*r;
	struct buf		 b = BUF_INIT;
	enum budget_limit	 l;
	double			 earlier, used, max;
	size_t			 n, i;
	int			 unknown;

	if (ui->agent == NULL) {
		view_transcript_notice(ui, TE_ERROR, "cost: no agent");
		return;
	}
	bu = agent_budget(ui->agent);
	buf_adds(&b, "Cost of this run: ");
	slash_cost_sum(&b, budget_total(bu));
	if (budget_session(bu)->requests != budget_total(bu)->requests) {
		/* /clear, /resume or /fork opened another session. */
		buf_adds(&b, "\nThis session in this run: ");
		slash_cost_sum(&b, budget_session(bu));
	}
	earlier = budget_earlier(bu, &unknown);
	if (earlier > 0 || unknown > 0)
		buf_addf(&b, "\nEarlier in this session: $%.4f%s", earlier,
		    unknown > 0 ? " (and some of unknown cost)" : "");
	r = budget_models(bu, &n);
	if (n > 0)
		buf_adds(&b, "\nBy model:");
	for (i = 0; i < n; i++) {
		buf_addf(&b, "\n  %s  ", r[i].model);
		slash_cost_sum(&b, &r[i].sum);
	}
	r = budget_turns(bu, &n);
	if (n > 0)
		buf_adds(&b, "\nBy turn:");
	for (i = 0; i < n; i++) {
		buf_addf(&b, "\n  turn %d  ", r[i].turn);
		slash_cost_sum(&b, &r[i].sum);
	}
	buf_adds(&b, "\nLimits:");
	for (l = BUDGET_TURNS; l <= BUDGET_DURATION; l++) {
		budget_figures(bu, l, loop_now_ms(), &used, &max);
		if (max <= 0)
			continue;
		if (l == BUDGET_USD)
			buf_addf(&b, " %s $%.4f of $%.2f;",
			    budget_limit_name(l), used, max);
		else if (l == BUDGET_DURATION)
			buf_addf(&b, " %s %.0fs of %.0fs;",
			    budget_limit_name(l), used / 1000, max / 1000);
		else
			buf_addf(&b, " %s %.0f of %.0f;", budget_limit_name(l),
			    used, max);
	}
	if (b.buf[b.len - 1] == ':')
		buf_adds(&b, " none");
	view_transcript_add(ui, TE_NOTICE, b.buf);
	buf_release(&b);
	ui_redraw(ui);
}
/* --- end budget: /cost */

/* --- context: /context */
static void
slash_context(struct ui *ui, const char *args)
{
	char	*text;

	if (ui->agent == NULL) {
		view_transcript_notice(ui, TE_ERROR, "context: no agent");
		return;
	}
	text = agent_context_report(ui->agent);
	view_transcript_add(ui, TE_NOTICE, text);
	free(text);
	ui_redraw(ui);
}

/* Summarize the conversation now, with the user's instructions if any. */
static void
slash_compact(struct ui *ui, const char *args)
{
	char	*cause = NULL;

	if (ui->agent == NULL) {
		view_transcript_notice(ui, TE_ERROR, "compact: no agent");
		return;
	}
	if (agent_compact(ui->agent, args, &cause) != 0) {
		view_transcript_notice(ui, TE_ERROR, "compact: %s", cause);
		free(cause);
		return;
	}
	ui_redraw(ui);
}
/* --- end context: /context */

/* --- sandbox: /sandbox */
/* Show the sandbox's status, or set the profile of the session's. */
static void
slash_sandbox(struct ui *ui, const char *args)
{
	struct workspace	*ws;
	enum sandbox_profile	 p;
	char			*text;

	if (ui->agent == NULL) {
		view_transcript_notice(ui, TE_ERROR, "no session yet");
		return;
	}
	ws = agent_workspace(ui->agent);
	if (*args != '\0') {
		if (sandbox_profile_parse(args, &p) != 0) {
			view_transcript_notice(ui, TE_ERROR, "unknown sandbox "
			    "profile \"%s\": off, read-only or "
			    "workspace-write", args);
			return;
		}
		/* The new profile also holds for a new session (/clear). */
		if (ui->cfg->opts != NULL)
			ui->cfg->opts->sandbox.profile = p;
		if (workspace_set_sandbox(ws, p) != 0) {
			view_transcript_notice(ui, TE_ERROR, "Sandbox %s: "
			    "not enforced here; every command needs "
			    "approval", sandbox_profile_name(p));
			return;
		}
	}
	if (workspace_sandbox(ws) == NULL) {
		view_transcript_notice(ui, TE_ERROR, "Sandbox: none (it "
		    "could not be made); every command needs approval");
		return;
	}
	text = sandbox_status(workspace_sandbox(ws));
	view_transcript_notice(ui, TE_NOTICE, "Sandbox%s:\n%s",
	    *args != '\0' ? " changed" : "", text);
	free(text);
}
/* --- end sandbox: /sandbox */

/* --- hooks: /hooks */
/* /hooks: the configured hooks, their files, and what trust holds back. */
static void
slash_hooks(struct ui *ui, const char *args)
{
	const json_t	*held = options_held(ui->cfg, NULL);
	char		*text;

	text = hook_list_text(options_get(ui->cfg)->hooks);
	view_transcript_notice(ui, TE_NOTICE, "Hooks:\n%s%s", text,
	    held != NULL && json_object_get(held, "hooks") != NULL ?
	    "The project's hooks are held until the folder is trusted." : "");
	free(text);
}
/* --- end hooks: /hooks */

/* /todo: hide or show the todo list (the status bar still counts it). */
static void
slash_todo(struct ui *ui, const char *args)
{
	if (ui->todo == NULL || ui->todo->n == 0) {
		view_transcript_notice(ui, TE_NOTICE, "The model has no todo "
		    "list in this conversation.");
		return;
	}
	ui->todo_hidden = !ui->todo_hidden;
	view_transcript_notice(ui, TE_NOTICE, "The todo list is %s.",
	    ui->todo_hidden ? "hidden (the status bar still counts it); /todo "
	    "shows it" : "shown above the prompt");
	ui_redraw(ui);
}

/* --- init: /init */

/*
 * /init: the draft (cmd-init.c) as a diff against the AGENTS.md there is,
 * shown in the transcript; yes writes it (after a snapshot).
 */
static void
slash_init(struct ui *ui, const char *args)
{
	struct workspace	*ws;
	struct tool_ctx		*ctx;
	struct tentry		*e;
	struct buf		 old = BUF_INIT, diff = BUF_INIT;
	char			*draft, *path, *cause = NULL, *q;
	int			 exists = 0, added = 0, removed = 0;

	if (ui->agent == NULL) {
		view_transcript_notice(ui, TE_ERROR, "init: no agent");
		return;
	}
	if (agent_busy(ui->agent)) {
		view_transcript_notice(ui, TE_ERROR, "init: a turn is running; "
		    "run /init when it ends");
		return;
	}
	ws = agent_workspace(ui->agent);
	ctx = workspace_tool_ctx(ws);
	draft = cmd_init_draft(ui->root, ctx != NULL ? ctx->repo : NULL,
	    workspace_repomodel(ws));
	path = xasprintf("%s/AGENTS.md", ui->root);
	if (tool_read_whole(path, 1024 * 1024, &old, &exists, &cause) != 0) {
		view_transcript_notice(ui, TE_ERROR, "init: %s", cause);
		goto out;
	}
	if (exists && strcmp(old.buf, draft) == 0) {
		view_transcript_notice(ui, TE_NOTICE, "AGENTS.md already says "
		    "what /init would write.");
		goto out;
	}
	if (diff_buffers("AGENTS.md", old.buf, old.len, draft, strlen(draft),
	    &diff, &added, &removed, &cause) != 0) {
		view_transcript_notice(ui, TE_ERROR, "init: %s", cause);
		goto out;
	}
	e = view_transcript_add(ui, TE_TOOL, exists ? "init: AGENTS.md "
	    "(replacing the one there)" : "init: AGENTS.md (new)");
	e->tool_id = xstrdup("user-init");
	e->state = TS_OK;
	e->exit_status = -1;
	e->expanded = 1;
	buf_add(&e->diff, diff.buf, diff.len);
	q = xasprintf("Write AGENTS.md (+%d -%d lines)? It is snapshotted "
	    "first, so a rewind undoes it; the model reads it from the next "
	    "message on.", added, removed);
	ui_push(ui, view_confirm_create(ui, q, slash_init_yes, free, draft));
	draft = NULL;
	free(q);
	ui->scroll = 0;
out:
	free(cause);
	free(draft);
	free(path);
	buf_release(&old);
	buf_release(&diff);
}

/* The user approved the draft (arg, taken). */
static void
slash_init_yes(struct ui *ui, void *arg)
{
	char	*cause = NULL;

	if (ui->agent == NULL ||
	    agent_user_write(ui->agent, "AGENTS.md", arg, &cause) != 0) {
		view_transcript_notice(ui, TE_ERROR, "init: %s", cause != NULL ?
		    cause : "no agent");
		free(cause);
	} else {
		view_transcript_notice(ui, TE_NOTICE, "Wrote AGENTS.md.");
		ui_snapshots_changed(ui);
	}
	free(arg);
	ui_redraw(ui);
}
/* --- end init */
/* --- mcp: /mcp */
/* Show the MCP servers, or reconnect or disable one. */
static void
slash_mcp(struct ui *ui, const char *args)
{
	struct mcp_manager	*m;
	struct buf		 b = BUF_INIT;
	char			*cause = NULL;
	int			 rc = 0;

	if (ui->agent == NULL) {
		view_transcript_notice(ui, TE_ERROR, "no session yet");
		return;
	}
	m = workspace_mcp(agent_workspace(ui->agent));
	if (strncmp(args, "reconnect ", 10) == 0)
		rc = mcp_reconnect(m, args + 10, &cause);
	else if (strncmp(args, "disable ", 8) == 0)
		rc = mcp_disable(m, args + 8, &cause);
	else if (strncmp(args, "login ", 6) == 0)
		rc = mcp_login(m, args + 6, 1, &cause);	/* OAuth */
	else if (strncmp(args, "logout ", 7) == 0)
		rc = mcp_login(m, args + 7, 0, &cause);
	else if (*args != '\0') {
		view_transcript_notice(ui, TE_ERROR, "usage: /mcp "
		    "[reconnect|disable|login|logout NAME]");
		return;
	}
	if (rc != 0) {
		view_transcript_notice(ui, TE_ERROR, "%s", cause);
		free(cause);
		return;
	}
	mcp_status(m, &b);
	buf_rtrim(&b);
	view_transcript_notice(ui, TE_NOTICE, "MCP servers:\n%s", b.buf);
	buf_release(&b);
}

/* What a prompt being fetched will be sent as. */
struct slash_mcp_req {
	struct ui	*ui;
	char		*shown;
};

/* The prompt's text arrived: send it as the user's message. */
static void
slash_mcp_prompt_done(void *arg, const char *text, const char *error)
{
	struct slash_mcp_req	*r = arg;

	/* A message, never a command: a server's text runs nothing. */
	if (text != NULL)
		ui_submit_message(r->ui, text, r->shown);
	else {
		view_transcript_notice(r->ui, TE_ERROR, "%s", error);
		ui_redraw(r->ui);
	}
	free(r->shown);
	free(r);
}

/* /mcp__SERVER__PROMPT args: get the prompt, then send it. */
static int
slash_mcp_prompt(struct ui *ui, const char *name, size_t n,
    const char *args)
{
	struct slash_mcp_req	*r;
	char			*cause = NULL, *cmd;

	if (ui->agent == NULL)
		return (-1);
	cmd = xstrndup(name, n);
	r = xcalloc(1, sizeof *r);
	r->ui = ui;
	r->shown = xasprintf("/%s%s", cmd, args);
	if (mcp_prompt_get(workspace_mcp(agent_workspace(ui->agent)), cmd,
	    args, slash_mcp_prompt_done, r, &cause) != 0) {
		view_transcript_notice(ui, TE_ERROR, "%s", cause);
		free(cause);
		free(r->shown);
		free(r);
	}
	free(cmd);
	return (0);
}
/* --- end mcp: /mcp */

/* --- permission rules: /permissions */
/*
 * /permissions: the rules, numbered, with their origin; "allow RULE",
 * "ask RULE", "deny RULE" add a session rule; "rm N" removes session rule
 * N (rules from files are edited in the files).
 */
static void
slash_permissions(struct ui *ui, const char *args)
{
	struct perm		*p;
	struct buf		 b = BUF_INIT;
	enum policy_kind	 kind;
	const char		*text, *origin, *rest;
	char			*word, *cause = NULL, *end;
	size_t			 i, len;
	unsigned long		 n;

	if (ui->agent == NULL) {
		view_transcript_notice(ui, TE_ERROR, "no session yet");
		return;
	}
	p = agent_perm(ui->agent);
	len = strcspn(args, " \t");
	word = xstrndup(args, len);
	rest = args + len;
	while (*rest == ' ' || *rest == '\t')
		rest++;
	if (strcmp(word, "rm") == 0) {
		n = strtoul(rest, &end, 10);
		if (*rest == '\0' || *end != '\0' || n == 0)
			view_transcript_notice(ui, TE_ERROR, "/permissions rm "
			    "N: the number of a rule in /permissions");
		else if (perm_remove_rule(p, n - 1, &cause) != 0) {
			view_transcript_notice(ui, TE_ERROR, "/permissions: "
			    "%s", cause);
			free(cause);
		} else
			view_transcript_notice(ui, TE_NOTICE, "Removed rule "
			    "%lu", n);
		goto out;
	}
	if (*word != '\0') {
		if (policy_kind_from_name(word, &kind) != 0 || *rest == '\0') {
			view_transcript_notice(ui, TE_ERROR, "/permissions "
			    "allow|ask|deny RULE, or rm N");
			goto out;
		}
		if (perm_add_rule(p, kind, rest, "session", 1, &cause) != 0) {
			view_transcript_notice(ui, TE_ERROR, "/permissions: "
			    "%s", cause);
			free(cause);
			goto out;
		}
		view_transcript_notice(ui, TE_NOTICE, "Added for this "
		    "session: %s %s", word, rest);
		goto out;
	}
	if (perm_rules(p) == 0) {
		view_transcript_notice(ui, TE_NOTICE, "Permission rules: none "
		    "(mode %s decides; add rules with /permissions allow RULE "
		    "or permissions.allow in the config)",
		    perm_mode_name(perm_get_mode(p)));
		goto out;
	}
	buf_addf(&b, "Permission rules (deny wins over ask, ask over allow; "
	    "then mode %s):", perm_mode_name(perm_get_mode(p)));
	for (i = 0; perm_rule_at(p, i, &kind, &text, &origin, NULL) == 0;
	    i++)
		buf_addf(&b, "\n%3zu  %-5s %s  (%s)", i + 1,
		    policy_kind_name(kind), text, origin);
	view_transcript_notice(ui, TE_NOTICE, "%s", b.buf);
	buf_release(&b);
out:
	free(word);
}
/* --- end permission rules: /permissions */
