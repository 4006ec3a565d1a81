/* agent.c: the turn state machine: model call, tool calls, approvals. */
#include <ctype.h>
#include <stdlib.h>
#include <string.h>

#include "agentos.h"
#include "budget.h"
#include "context.h"
#include "hook.h"
#include "trace.h"
#include "options.h"
#include "mcp.h"
#include "repomodel.h"
#include "session.h"
#include "snapshot.h"
#include "toolrun.h"
#include "ui.h"
#include "workspace.h"
#include "policy.h"
#include "image.h"
#include "banned.h"

/*
 * A turn: the user's message goes to the model; while the model answers
 * with tool uses, each call goes through the tool-call pipeline
 * (toolrun.c: validated, checked against the policy, asked for when
 * needed, snapshotted when it may change the worktree, run), and the
 * results go back to the model in one user message.  Calls are handled one
 * at a time, in the order the model gave them, so approvals read like a
 * conversation and a cancel leaves a well-formed conversation behind: every
 * tool use gets a result, run or not.  What the agent works in (the session
 * log, snapshots, the repository model, language servers) is its
 * workspace (workspace.c).
 */
enum agent_state {
	AGENT_IDLE,
	AGENT_MODEL,			/* a model call is in flight */
	AGENT_TOOLS,			/* tool calls wait or run */
	AGENT_SHELL,			/* a !command of the user runs */
	AGENT_HOOK,			/* UserPromptSubmit or Stop hooks run */
};

/* Continuations Stop hooks may ask for in one user turn (a loop guard). */
#define AGENT_STOP_HOOK_MAX	8

/* Bytes of a streaming answer kept for agent_interrupted(). */
#define AGENT_PARTIAL_MAX	(1024 * 1024)

struct agent {
	struct tracer		*trace;		/* spans of the session, or NULL */
	char			*root;
	char			*cwd;
	struct config		*cfg;
	int			 headless;
	const struct agent_ui	*ui;
	void			*arg;

	struct workspace	*ws;
	struct toolrun		*toolrun;
	struct conv		 conv;
	char			*system;
	json_t			*tools;
	struct perm		*perm;
	int			 resumed;
	int			 resume_interrupted;
	int			 log_warned;
	int64_t			*user_seqs;	/* seq of each prompt */
	size_t			 nuser_seqs, auser_seqs;

	enum agent_state	 state;
	struct model_call	*mc;
	agent_call_start_fn	 call_start;
	agent_call_cancel_fn	 call_cancel;
	agent_call_body_fn	 call_body;
	uint64_t		 call_started_ms;
	struct buf		 partial;	/* text of the answer arriving */

	/* The tool calls of the last assistant message. */
	struct tool_call	**calls;
	size_t			 ncalls, acalls;
	size_t			 next;		/* first not finished */
	struct loop_timer	*step;
	int			 cancelling;

	struct agent_stats	 stats;

	/*
	 * The limits of the run (budget.c): the limit that stopped this
	 * turn (sticky until the next prompt) and why, and the one the user
	 * is asked about, before a model call (ask_tc NULL) or a tool call.
	 */
	struct budget		*budget;
	enum budget_limit	 stopped;
	char			*stop_why;
	enum budget_limit	 asking;
	char			*ask_why;
	struct tool_call	*ask_tc;
	int			 unpriced_told;	/* said once: no price */

	/*
	 * MCP (mcp.h): the mode and server generation the offered tools
	 * were built for; the first request waits for starting servers.
	 */
	enum perm_mode		 tools_mode;
	unsigned int		 mcp_gen;
	int			 mcp_waited;
	int			 mcp_waiting;
	char			*mcp_prompt;	/* to read @SERVER:URI of */

	/*
	 * The context manager (context-clear.c): the last reported usage
	 * (input, cache and output tokens) and the conversation's bytes then,
	 * and whether this request already had its one overflow retry.
	 */
	int64_t			 ctx_tokens;
	size_t			 ctx_bytes;
	int			 overflow_retried;
	int64_t			 ctx_limit;	/* the provider's, when it
						   named a smaller one */
	int64_t			 ctx_est;	/* of the last request */
	int64_t			 ctx_window;

	/*
	 * Summaries (context-compact.c): a summary request is in flight,
	 * its failed attempts, the oldest messages it leaves out, where the
	 * kept tail begins, why (auto, overflow, manual) and the user's
	 * instructions; compact_skip: the next request goes out without one
	 * (it was just made, or failed).
	 */
	int			 compacting;
	int			 compact_tries;
	size_t			 compact_drop;
	size_t			 compact_tail;
	char			*compact_trigger;
	char			*compact_extra;
	int64_t			 compact_before;
	int			 compact_skip;
	int			 compact_off;	/* auto summaries failed this
						   turn: no more of them */
	struct loop_timer	*compact_timer;	/* the request after it */

	/*
	 * The window a local server named (context-window.c), asked once at
	 * start; the first request waits for the answer (a short timeout).
	 */
	struct context_probe	*probe;
	int64_t			 ctx_server;
	int			 probe_waiting;

	/*
	 * The estimator's bytes per token (context-calib.c), and the bytes
	 * and estimate of the request in flight.
	 */
	struct context_calib	 calib;
	size_t			 req_bytes;
	int64_t			 req_est;

	/*
	 * Files put back by rewinds since the last prompt, told to the
	 * model at the start of the next user message (not in the system
	 * prompt, which stays cache-stable); NULL when none.
	 */
	char			*rewind_note;
	char			*rewind_snap;	/* the last one's target */

	/*
	 * Hooks (hook.h): the UserPromptSubmit, Stop or PreCompact run the
	 * agent waits for (AGENT_HOOK) and the prompt it holds; the
	 * SessionStart run, which only the first prompt waits for; context
	 * of SessionStart and PreCompact, added to the next user message;
	 * Stop continuations this turn (-1: the turn's end is final).
	 */
	struct hook_run		*hook;
	char			*hook_prompt;
	char			*submit_shown;	/* the prompt as shown, or
						   NULL (agent_submit_shown) */
	enum stop_reason	 hook_stop;
	struct hook_run		*hook_bg[1];
	char			*hook_note;
	int			 stop_hooks;
	int			 hook_wait_start; /* hook_prompt waits for
						   SessionStart */

	/*
	 * The user's !commands (agent_shell()): the one running, and what
	 * they gave, told to the model with the next user message.
	 */
	struct tool_call	*shell_tc;
	int			 nshell;
	char			*shell_note;
};

static void	agent_event(struct agent *, enum event_type, json_t *);
static void	agent_cache_plan(struct agent *, const struct conv *,
		    struct context_cache *);
static void	agent_cache_log(struct agent *, const struct usage *);
static int64_t	agent_window(struct agent *);
static size_t	agent_request_bytes(struct agent *, const struct conv *);
static void	agent_calib_load(struct agent *);
static void	agent_probe_start(struct agent *);
static void	agent_probe_done(void *, int64_t, const char *);
static void	agent_request(struct agent *);
static int	agent_context_clear(struct agent *, const char *, int, int);
static int	agent_overflow(struct agent *, const char *, int64_t,
		    int64_t);
static int	agent_compact_start(struct agent *, const char *,
		    const char *);
static void	agent_compact_send(struct agent *);
static void	agent_precompact_done(const struct hook_result *, void *);
static int	agent_submit_hooks(struct agent *, const char *);
static void	agent_submit_go(struct agent *, const char *, const char *);
static int	agent_stop_hooks(struct agent *, enum stop_reason);
static void	agent_hook_bg(struct agent *, int, enum hook_event,
		    const char *, json_t *);
static void	agent_compact_fail(struct agent *, const char *, int);
static void	agent_compact_cb_text(void *, const char *, size_t);
static void	agent_compact_resume(void *);
static void	agent_compact_cb_done(void *, struct response *,
		    const char *);
static void	agent_end_turn(struct agent *, enum stop_reason,
		    const char *);
static void	agent_schedule_step(struct agent *);
static void	agent_step(void *);
static void	agent_tools_finish(struct agent *);
static void	agent_clear_calls(struct agent *);
static void	agent_load_session(struct agent *, struct session_state *,
		    int);
static void	agent_take_user_seqs(struct agent *, struct session_state *);
static void	agent_rewind_note_add(struct agent *, const char *);
static int	agent_adopt(struct agent *, struct session *, int, char **,
		    char **);
static void	agent_offer_tools(struct agent *, enum perm_mode);
static void	agent_mcp_ready(void *);
static void	agent_mcp_event(void *, json_t *);
static void	agent_mcp_attached(void *, const char *);
static int	agent_budget_gate(struct agent *, struct tool_call *);
static void	agent_shell_done(struct tool_call *, void *);
static void	agent_shell_output(struct tool_call *, const char *, size_t,
		    void *);
static void	agent_shell_free(void *);
static void	agent_budget_event(struct agent *, const char *,
		    enum budget_limit, const char *, const char *);
static enum toolrun_rc agent_tr_budget(void *, struct tool_call *);
static void	agent_tr_budget_cancel(void *, struct tool_call *);

static void	agent_cb_text(void *, const char *, size_t);
static void	agent_cb_thinking(void *, const char *, size_t);
static void	agent_cb_tool_use_start(void *, const char *, const char *);
static void	agent_cb_tool_use_delta(void *, const char *, const char *,
		    const char *, size_t);
static void	agent_cb_retry(void *, int, long, const char *);
static char	*agent_stop_key(struct agent *);
static int	 agent_interrupted(struct agent *);
static char	*agent_busy_cause(struct agent *, const char *);
static void	agent_cb_done(void *, struct response *, const char *);
static void	agent_cap_tool_args(struct agent *, struct message *);

static void	agent_ws_progress(void *, const char *, size_t, size_t);
static void	agent_ws_notice(void *, const char *);
static void	agent_ws_model_ready(void *);
static void	agent_tr_event(void *, enum event_type, json_t *);
static void	agent_tr_finished(void *, struct tool_call *);

static void	agent_quiet_text(void *, const char *, size_t);
static void	agent_quiet_message(void *, const struct message *,
		    const struct usage *);
static void	agent_quiet_approval(void *, struct tool_call *,
		    const char *);
static void	agent_quiet_notice(void *, const char *);
static void	agent_quiet_turn_done(void *, enum stop_reason,
		    const char *);

/* What a freed agent tells: nothing (its front end may be gone). */
static const struct agent_ui agent_quiet_ui = {
	.text_delta = agent_quiet_text,
	.assistant_done = agent_quiet_message,
	.approval = agent_quiet_approval,
	.notice = agent_quiet_notice,
	.turn_done = agent_quiet_turn_done,
};

static const struct model_call_cb agent_call_cb = {
	.stream = {
		.text_delta = agent_cb_text,
		.thinking_delta = agent_cb_thinking,
		.tool_use_start = agent_cb_tool_use_start,
		.tool_use_delta = agent_cb_tool_use_delta,
	},
	.retry = agent_cb_retry,
	.done = agent_cb_done,
};

/* A summary request: nothing streams to the front end. */
static const struct model_call_cb agent_compact_cb = {
	.stream = {
		.text_delta = agent_compact_cb_text,
	},
	.retry = agent_cb_retry,
	.done = agent_compact_cb_done,
};

static const struct workspace_cb agent_ws_cb = {
	.progress = agent_ws_progress,
	.notice = agent_ws_notice,
	.model_ready = agent_ws_model_ready,
};

static const struct toolrun_cb agent_tr_cb = {
	.event = agent_tr_event,
	.finished = agent_tr_finished,
	.budget = agent_tr_budget,
	.budget_cancel = agent_tr_budget_cancel,
};

struct agent *
agent_create(const char *root, const char *cwd, struct config *cfg,
    int headless, const struct agent_ui *ui, void *arg, char **cause)
{
	struct agent		*a = xcalloc(1, sizeof *a);
	struct session_state	 st;
	char			*line;
	const char *const	*probs;
	size_t			 nprob, i;
	json_t			*prices;
	char			*why = NULL;

	a->root = xstrdup(root);
	a->cwd = xstrdup(cwd);
	a->cfg = cfg;
	a->headless = headless;
	buf_init(&a->partial, 0);
	a->ui = ui;
	a->arg = arg;
	conv_init(&a->conv);
	context_calib_init(&a->calib);
	a->perm = perm_create(cfg->perm_mode);
	perm_set_root(a->perm, root);
	perm_load_config(a->perm, cfg);
	a->call_start = model_call_start;
	a->call_cancel = model_call_cancel;
	a->call_body = model_call_body;
	a->stats.started_ms = loop_now_ms();
	if ((prices = budget_prices_load(NULL, &why)) == NULL) {
		log_debug("prices: %s", why);
		free(why);
	}
	a->budget = budget_create(&options_get(cfg)->budget, prices,
	    a->stats.started_ms);
	json_decref(prices);
	a->ws = workspace_open(root, cfg, headless ? WORKSPACE_HEADLESS : 0,
	    &agent_ws_cb, a, cause);
	if (a->ws == NULL) {
		agent_free(a);
		return (NULL);
	}
	if (cfg->resume != NULL && workspace_session(a->ws) != NULL) {
		if (session_load(workspace_session(a->ws), &a->conv, &st,
		    cause) != 0) {
			agent_free(a);
			return (NULL);
		}
		agent_load_session(a, &st, 1);
		log_debug("resumed session %s: %zu messages, %d turns, "
		    "interrupted %d, %d tool calls reported as interrupted",
		    agent_session_id(a), a->conv.nr, st.turns, st.interrupted,
		    st.interrupted_tools);
		session_state_release(&st);
	}
	a->toolrun = toolrun_create(a->ws, a->perm, headless, &agent_tr_cb, a);
	toolrun_set_ui(a->toolrun, ui, arg);
	agent_offer_tools(a, cfg->perm_mode);
	/* MCP: its events go to the log, failures to the user too. */
	if (workspace_mcp(a->ws) != NULL)
		mcp_set_event_cb(workspace_mcp(a->ws), agent_mcp_event, a);
	/* MCP: bad entries and servers not started, said once. */
	nprob = mcp_problems(workspace_mcp(a->ws), &probs);
	for (i = 0; i < nprob; i++)
		a->ui->notice(a->arg, probs[i]);
	if ((line = mcp_untrusted_line(workspace_mcp(a->ws))) != NULL) {
		a->ui->notice(a->arg, line);
		free(line);
	}
	a->system = context_system(root, cwd, workspace_repomodel(a->ws), cfg);
	agent_probe_start(a);
	agent_calib_load(a);
	if (trace_global_config() != NULL)
		a->trace = tracer_create(trace_global_config(),
		    agent_session_id(a), (int64_t)loop_wall_ms(), NULL, NULL);
	agent_hook_bg(a, 0, HOOK_SESSION_START, cfg->resume != NULL ?
	    "resume" : "startup", json_pack("{s:s}", "source",
	    cfg->resume != NULL ? "resume" : "startup"));
	return (a);
}

/* The tool definitions the model gets in mode. */
static void
agent_offer_tools(struct agent *a, enum perm_mode mode)
{
	struct mcp_manager	*mcp = workspace_mcp(a->ws);
	const struct options	*o;
	int64_t			 window;
	int			 deferred;

	json_decref(a->tools);
	a->tools = tool_definitions_omit(mode, workspace_lsp_useful(a->ws) ?
	    0 : TOOL_LSP);
	a->tools_mode = mode;
	/* Server tools are never read-only: none in plan mode. */
	if (mcp != NULL) {
		a->mcp_gen = mcp_generation(mcp);
		/*
		 * Definitions past their share of the window (about 4
		 * bytes a token): one search tool instead, and the tools
		 * it found.
		 */
		o = options_get(a->cfg);
		window = context_window(&o->context, a->cfg->model);
		deferred = (int64_t)mcp_tool_definitions_size(mcp) / 4 >
		    window * o->mcp.tool_search_percent / 100;
		if (mode != PERM_PLAN)
			mcp_tool_definitions(mcp, a->tools, deferred);
	}
}

/* An MCP server's event (data borrowed): logged; a failure is told. */
static void
agent_mcp_event(void *arg, json_t *data)
{
	struct agent	*a = arg;
	const char	*what = conv_json_str(data, "what");
	char		*text;

	if (what != NULL && strcmp(what, "failed") == 0) {
		text = xasprintf("MCP server %s failed: %s",
		    conv_json_str(data, "server"), conv_json_str(data,
		    "reason"));
		a->ui->notice(a->arg, text);
		free(text);
	}
	agent_event(a, EV_MCP, event_pack(EV_MCP, "O", data));
}

/* The MCP servers the first request waited for are up (or late). */
static void
agent_mcp_ready(void *arg)
{
	struct agent	*a = arg;

	a->mcp_waiting = 0;
	agent_request(a);
}

/* Take what a loaded session says of itself (st keeps its rest). */
static void
agent_load_session(struct agent *a, struct session_state *st, int resumed)
{
	agent_take_user_seqs(a, st);
	a->stats.turns = st->turns;
	a->stats.requests = st->requests;
	a->stats.usage = st->usage;
	a->resumed = resumed;
	a->resume_interrupted = st->interrupted;
	budget_resume(a->budget, st->cost_usd, st->cost_unknown);
	free(a->rewind_note);
	a->rewind_note = st->rewind_note;
	st->rewind_note = NULL;
}

/* Keep the seqs of the prompts of a loaded session (st keeps none). */
static void
agent_take_user_seqs(struct agent *a, struct session_state *st)
{
	free(a->user_seqs);
	a->user_seqs = st->user_seqs;
	a->nuser_seqs = st->nuser_seqs;
	a->auser_seqs = st->auser_seqs;
	st->user_seqs = NULL;
	st->nuser_seqs = st->auser_seqs = 0;
}

static void
agent_quiet_text(void *arg, const char *text, size_t len)
{
}

static void
agent_quiet_message(void *arg, const struct message *m, const struct usage *u)
{
}

static void
agent_quiet_approval(void *arg, struct tool_call *tc, const char *preview)
{
}

static void
agent_quiet_notice(void *arg, const char *text)
{
}

static void
agent_quiet_turn_done(void *arg, enum stop_reason stop, const char *error)
{
}

void
agent_free(struct agent *a)
{
	if (a == NULL)
		return;
	a->ui = &agent_quiet_ui;
	if (a->toolrun != NULL)
		toolrun_set_ui(a->toolrun, &agent_quiet_ui, NULL);
	if (a->ws != NULL)
		workspace_silence(a->ws);
	if (a->ws != NULL && workspace_mcp(a->ws) != NULL)
		mcp_set_event_cb(workspace_mcp(a->ws), NULL, NULL);
	if (a->shell_tc != NULL) {
		/* No callback of a freed agent: the command is killed. */
		tool_call_free(a->shell_tc);
		a->shell_tc = NULL;
		a->state = AGENT_IDLE;
	}
	agent_cancel(a);
	hook_run_free(a->hook);
	hook_run_free(a->hook_bg[0]);
	free(a->hook_prompt);
	free(a->submit_shown);
	free(a->hook_note);
	loop_timer_cancel(a->step);
	loop_timer_cancel(a->compact_timer);
	tracer_free(a->trace, (int64_t)loop_wall_ms());
	agent_clear_calls(a);
	free(a->calls);
	toolrun_free(a->toolrun);
	workspace_close(a->ws);
	free(a->user_seqs);
	budget_free(a->budget);
	free(a->stop_why);
	free(a->ask_why);
	free(a->rewind_note);
	free(a->rewind_snap);
	free(a->shell_note);
	free(a->mcp_prompt);
	free(a->compact_trigger);
	free(a->compact_extra);
	context_probe_free(a->probe);
	perm_free(a->perm);
	json_decref(a->tools);
	conv_release(&a->conv);
	free(a->system);
	free(a->root);
	free(a->cwd);
	buf_release(&a->partial);
	free(a);
}

/* Record an event (stolen reference) and show it to the front end. */
static void
agent_event(struct agent *a, enum event_type type, json_t *data)
{
	struct session	*s = workspace_session(a->ws);
	char		*text;
	int64_t		 seq = -1;

	/* Write-ahead: committed before the front end sees it. */
	if (s != NULL)
		seq = session_append(s, type, data);
	if (seq > 0 && type == EV_USER) {
		ALLOC_GROW(a->user_seqs, a->nuser_seqs + 1, a->auser_seqs);
		a->user_seqs[a->nuser_seqs++] = seq;
	}
	if (s != NULL && seq < 0 && !a->log_warned) {
		a->log_warned = 1;
		text = xasprintf("The session log failed (%s); the session goes "
		    "on unrecorded.", session_failed(s));
		a->ui->notice(a->arg, text);
		free(text);
	}
	tracer_event(a->trace, type, data, (int64_t)loop_wall_ms());
	if (a->ui->event != NULL)
		a->ui->event(a->arg, type, data);
	json_decref(data);
}

int
agent_submit(struct agent *a, const char *text, char **cause)
{
	return (agent_submit_shown(a, text, NULL, cause));
}

int
agent_submit_shown(struct agent *a, const char *text, const char *shown,
    char **cause)
{
	if (a->state != AGENT_IDLE) {
		*cause = agent_busy_cause(a,
		    "wait for the turn to end or press");
		return (-1);
	}
	/* Logged with the user event (agent_submit_go()). */
	free(a->submit_shown);
	a->submit_shown = shown != NULL ? xstrdup(shown) : NULL;
	a->stop_hooks = 0;
	if (a->hook_bg[0] != NULL) {
		/* SessionStart's context goes with the first prompt. */
		a->hook_prompt = xstrdup(text);
		a->hook_wait_start = 1;
		a->state = AGENT_HOOK;
		return (0);
	}
	if (agent_submit_hooks(a, text))
		return (0);
	agent_submit_go(a, text, NULL);
	return (0);
}

/* The run and the spec of hooks of ev about match (input borrowed). */
static struct hook_run *
agent_hook_start(struct agent *a, enum hook_event ev, const char *match,
    const json_t *input, hook_done_cb done)
{
	const struct options	*o = options_get(a->cfg);
	struct hook_spec	 spec;
	struct hook_run		*run;
	char			*db, *cause = NULL;

	if (!hook_any(o->hooks, ev, match))
		return (NULL);
	db = session_db_path(a->root, &cause);
	free(cause);
	memset(&spec, 0, sizeof spec);
	spec.hooks = o->hooks;
	spec.root = a->root;
	spec.keep_env = (const char *const *)o->sandbox.keep_env.v;
	spec.event = ev;
	spec.match = match;
	spec.session_id = agent_session_id(a);
	spec.transcript_path = db;
	spec.input = input;
	spec.running = a->ui->hook;
	spec.running_arg = a->arg;
	run = hook_run(&spec, done, a);
	free(db);
	return (run);
}

/* Log each hook that ran; show the user what failed. */
static void
agent_hook_log(struct agent *a, const struct hook_result *r)
{
	json_t	*rec;
	size_t	 i;

	json_array_foreach(r->records, i, rec)
		agent_event(a, EV_HOOK, json_deep_copy(rec));
	if (r->errors.len > 0)
		a->ui->notice(a->arg, r->errors.buf);
}

/* A SessionStart or PreCompact run is over: its context waits. */
static void
agent_hook_bg_over(struct agent *a, int slot, const struct hook_result *r)
{
	static const char *names[] = { "SessionStart" };
	char		*note;

	a->hook_bg[slot] = NULL;
	agent_hook_log(a, r);
	if (r->context.len == 0 || r->cancelled)
		return;
	note = xasprintf("%s%s%s hook context:\n%s", a->hook_note != NULL ?
	    a->hook_note : "", a->hook_note != NULL ? "\n\n" : "",
	    names[slot], r->context.buf);
	free(a->hook_note);
	a->hook_note = note;
}

static void
agent_hook_bg0_done(const struct hook_result *r, void *arg)
{
	struct agent	*a = arg;
	char		*text;

	agent_hook_bg_over(a, 0, r);
	if (!a->hook_wait_start)
		return;
	/* The first prompt waited for it: on to UserPromptSubmit. */
	a->hook_wait_start = 0;
	text = a->hook_prompt;
	a->hook_prompt = NULL;
	if (r->cancelled)
		agent_end_turn(a, STOP_NONE, "cancelled by the user");
	else {
		a->state = AGENT_IDLE;
		if (!agent_submit_hooks(a, text))
			agent_submit_go(a, text, NULL);
	}
	free(text);
}

/* Start hooks the first prompt waits for (slot 0: SessionStart). */
static void
agent_hook_bg(struct agent *a, int slot, enum hook_event ev,
    const char *match, json_t *input)
{
	if (a->hook_bg[slot] == NULL)
		a->hook_bg[slot] = agent_hook_start(a, ev, match, input,
		    agent_hook_bg0_done);
	json_decref(input);
}

/* The UserPromptSubmit hooks are over: block the prompt, or send it. */
static void
agent_submit_done(const struct hook_result *r, void *arg)
{
	struct agent	*a = arg;
	char		*text = a->hook_prompt, *why;

	a->hook = NULL;
	a->hook_prompt = NULL;
	agent_hook_log(a, r);
	if (r->cancelled) {
		free(text);
		agent_end_turn(a, STOP_NONE, "cancelled by the user");
		return;
	}
	if (r->block) {
		why = xasprintf("The prompt was blocked by a UserPromptSubmit "
		    "hook: %s", r->reason.len > 0 ? r->reason.buf :
		    "(no reason given)");
		free(text);
		agent_end_turn(a, STOP_NONE, why);
		free(why);
		return;
	}
	a->state = AGENT_IDLE;
	agent_submit_go(a, text, r->context.len > 0 ? r->context.buf : NULL);
	free(text);
}

/* Run the UserPromptSubmit hooks for text; 1 when they run. */
static int
agent_submit_hooks(struct agent *a, const char *text)
{
	json_t	*in = json_pack("{s:s}", "prompt", text);

	a->hook = agent_hook_start(a, HOOK_USER_PROMPT_SUBMIT, NULL, in,
	    agent_submit_done);
	json_decref(in);
	if (a->hook == NULL)
		return (0);
	a->hook_prompt = xstrdup(text);
	a->state = AGENT_HOOK;
	return (1);
}

/* The Stop hooks are over: go on with their reason, or end the turn. */
static void
agent_stop_done(const struct hook_result *r, void *arg)
{
	struct agent	*a = arg;
	struct message	*m;
	char		*note;

	a->hook = NULL;
	agent_hook_log(a, r);
	if (r->cancelled || !r->block) {
		a->stop_hooks = -1;	/* this end is final */
		agent_end_turn(a, a->hook_stop, NULL);
		return;
	}
	a->stop_hooks++;
	note = xasprintf("A Stop hook asks you to go on: %s",
	    r->reason.len > 0 ? r->reason.buf : "(no reason given)");
	a->ui->notice(a->arg, note);
	m = conv_add(&a->conv, ROLE_USER);
	message_add_text(m, note);
	agent_event(a, EV_USER, event_pack(EV_USER, "{s:s}", "text", note));
	free(note);
	a->state = AGENT_MODEL;
	agent_request(a);
}

/*
 * The model ended its turn: run the Stop hooks (stop_hook_active once one
 * made it go on); 1 when they run and agent_stop_done() ends the turn.
 */
static int
agent_stop_hooks(struct agent *a, enum stop_reason stop)
{
	json_t	*in;

	if (a->stop_hooks < 0 || a->stop_hooks >= AGENT_STOP_HOOK_MAX) {
		if (a->stop_hooks >= AGENT_STOP_HOOK_MAX)
			a->ui->notice(a->arg, "Stop hooks asked to go on "
			    "too many times; the turn ends.");
		return (0);
	}
	in = json_pack("{s:b}", "stop_hook_active", a->stop_hooks > 0);
	a->hook = agent_hook_start(a, HOOK_STOP, NULL, in, agent_stop_done);
	json_decref(in);
	if (a->hook == NULL)
		return (0);
	a->hook_stop = stop;
	a->state = AGENT_HOOK;
	return (1);
}

/* Send the user's text (the hooks let it through, adding context). */
static void
agent_submit_go(struct agent *a, const char *text, const char *context)
{
	struct message	*m;
	struct block	*tb;
	struct buf	 notes;
	json_t		*images = NULL;
	const char	*shown = a->submit_shown;
	char		*note, *imgtext = NULL, *line, *nl;

	/*
	 * After a cancelled request the last message is the user's: add to
	 * it, so roles keep alternating as the APIs require.
	 */
	if (a->conv.nr > 0 && a->conv.msgs[a->conv.nr - 1].role == ROLE_USER)
		m = &a->conv.msgs[a->conv.nr - 1];
	else
		m = conv_add(&a->conv, ROLE_USER);
	if (a->shell_note != NULL) {
		/* Logged as the user event's note, so a resume has it. */
		if (a->rewind_note == NULL)
			a->rewind_note = a->shell_note;
		else {
			note = xasprintf("%s\n\n%s", a->rewind_note,
			    a->shell_note);
			free(a->rewind_note);
			free(a->shell_note);
			a->rewind_note = note;
		}
		a->shell_note = NULL;
	}
	if (a->hook_note != NULL) {
		/* SessionStart and PreCompact context: one note more. */
		if (a->rewind_note == NULL)
			a->rewind_note = a->hook_note;
		else {
			note = xasprintf("%s\n\n%s", a->rewind_note,
			    a->hook_note);
			free(a->rewind_note);
			free(a->hook_note);
			a->rewind_note = note;
		}
		a->hook_note = NULL;
	}
	if (a->rewind_note != NULL)
		message_add_text(m, a->rewind_note);
	/* Image paths in the text become image blocks before it. */
	buf_init(&notes, 0);
	image_attach(a->root, a->cwd, text, m, &imgtext, &images, &notes);
	if (imgtext != NULL)
		text = imgtext;
	for (line = notes.buf; *line != '\0'; line = nl + 1) {
		if ((nl = strchr(line, '\n')) == NULL)
			break;
		*nl = '\0';
		a->ui->notice(a->arg, line);
	}
	buf_release(&notes);
	if (shown != NULL && strcmp(shown, text) == 0)
		shown = NULL;
	tb = message_add_text(m, text);
	if (shown != NULL)
		tb->label = xstrdup(shown);
	if (context != NULL) {
		note = xasprintf("UserPromptSubmit hook context:\n%s",
		    context);
		message_add_text(m, note);
		free(note);
	}
	a->stats.turns++;
	a->stopped = BUDGET_OK;
	a->overflow_retried = 0;
	a->compact_off = 0;
	/*
	 * The map is re-ranked toward what this message mentions, once per
	 * user turn: the requests of the turn's tool loop keep one system
	 * prompt, so the provider's prompt cache holds across them.
	 */
	if (workspace_repomodel(a->ws) != NULL) {
		repomodel_note_mentions(workspace_repomodel(a->ws), text);
		free(a->system);
		a->system = context_system(a->root, a->cwd,
		    workspace_repomodel(a->ws), a->cfg);
	}
	agent_event(a, EV_USER, event_pack(EV_USER, "{s:s,s:s*,s:o*,s:s*}",
	    "text", text, "note", a->rewind_note, "images", images, "shown",
	    shown));
	free(a->rewind_note);
	a->rewind_note = NULL;
	/* @SERVER:URI words: read once the servers are up (agent_request). */
	free(a->mcp_prompt);
	a->mcp_prompt = strchr(text, '@') != NULL ? xstrdup(text) : NULL;
	free(imgtext);
	free(a->submit_shown);
	a->submit_shown = NULL;
	agent_request(a);
}

/* The resources a prompt named were read: they join it, then the request. */
static void
agent_mcp_attached(void *arg, const char *text)
{
	struct agent	*a = arg;

	a->mcp_waiting = 0;
	if (a->conv.nr > 0 && a->conv.msgs[a->conv.nr - 1].role ==
	    ROLE_USER && *text != '\0') {
		message_add_text(&a->conv.msgs[a->conv.nr - 1], text);
		/* Logged: a resume or fork sends these bytes, not a reread. */
		agent_event(a, EV_ATTACHMENT, event_pack(EV_ATTACHMENT,
		    "{s:s,s:s}", "text", text, "source", "mcp"));
	}
	agent_request(a);
}

/*
 * The window to manage: context.window when set, else what the server
 * named, else the model table's; the provider's, when an overflow named a
 * smaller one.
 */
static int64_t
agent_window(struct agent *a)
{
	const struct context_options *o = &options_get(a->cfg)->context;
	int64_t	window;

	if (o->window <= 0 && a->ctx_server > 0)
		window = a->ctx_server;
	else
		window = context_window(o, a->cfg->model);
	if (a->ctx_limit > 0 && a->ctx_limit < window)
		window = a->ctx_limit;
	return (window);
}

/*
 * Ask a local OpenAI-compatible server for its window, when nothing else
 * names it: context.window 0 and a model the table does not know.
 */
static void
agent_probe_start(struct agent *a)
{
	const char	*base = a->cfg->base_url;

	if (options_get(a->cfg)->context.window > 0 ||
	    context_model_known(a->cfg->model) || a->cfg->provider == NULL ||
	    (strcmp(a->cfg->provider, "openai") != 0 &&
	    strcmp(a->cfg->provider, "openai-responses") != 0) ||
	    base == NULL || *base == '\0' ||
	    strncmp(base, "https://api.openai.com", 22) == 0)
		return;
	a->probe = context_probe_start(base, a->cfg->model, a->cfg->api_key,
	    CONTEXT_PROBE_MS, agent_probe_done, a);
}

/* The server answered (or not): go on with a request that waited. */
static void
agent_probe_done(void *arg, int64_t window, const char *source)
{
	struct agent	*a = arg;

	context_probe_free(a->probe);
	a->probe = NULL;
	if (window > 0) {
		a->ctx_server = window;
		log_debug("context: the server's window is %lld tokens (%s)",
		    (long long)window, source);
	} else
		log_debug("context: the server named no window");
	if (a->probe_waiting) {
		a->probe_waiting = 0;
		a->state = AGENT_IDLE;
		agent_request(a);
	}
}

/*
 * The prompt cache breakpoints of a request of c (context-cache.c): the
 * 1 hour TTL once the session has made context.cache_long_after requests.
 */
static void
agent_cache_plan(struct agent *a, const struct conv *c,
    struct context_cache *cp)
{
	int	after = options_get(a->cfg)->context.cache_long_after;

	context_cache_plan(a->system, c, after > 0 &&
	    a->stats.requests >= after, cp);
}

/* Log the cache hit ratio of a response and of the run so far. */
static void
agent_cache_log(struct agent *a, const struct usage *u)
{
	const struct usage	*t = &a->stats.usage;
	int64_t			 in, all;

	in = u->input_tokens + u->cache_read_tokens + u->cache_write_tokens;
	all = t->input_tokens + t->cache_read_tokens + t->cache_write_tokens;
	if (in <= 0 || all <= 0)
		return;
	log_debug("cache: %lld of %lld input tokens read (%.1f%%), the run "
	    "%.1f%% of %lld", (long long)u->cache_read_tokens, (long long)in,
	    100.0 * (double)u->cache_read_tokens / (double)in,
	    100.0 * (double)t->cache_read_tokens / (double)all,
	    (long long)all);
}

/*
 * The content bytes of a request of c: system prompt, tool definitions and
 * conversation (what the calibration compares with the reported tokens).
 */
static size_t
agent_request_bytes(struct agent *a, const struct conv *c)
{
	size_t	n = context_conv_bytes(c);

	if (a->system != NULL)
		n += strlen(a->system);
	if (a->tools != NULL)
		n += json_dumpb(a->tools, NULL, 0, JSON_COMPACT);
	return (n);
}

/* Start calibrated: the ratio the session's log last learned. */
static void
agent_calib_load(struct agent *a)
{
	double	bpt;

	context_calib_init(&a->calib);
	bpt = context_calib_from_log(workspace_session(a->ws), a->cfg->model);
	if (bpt > 0) {
		context_calib_set(&a->calib, bpt);
		log_debug("context: %.2f bytes a token, from the log", bpt);
	}
}

/* Start the model call for the conversation as it stands. */
static void
agent_request(struct agent *a)
{
	struct model_request	 req;
	struct context_cache	 cache;
	const char		*body;
	char			*cause = NULL, *hash, *prompt;
	json_t			*ev;

	/*
	 * Servers start in the background: the first request waits for
	 * those still starting (at most mcp.start_timeout); later ones take
	 * the tools of the servers that are ready then.
	 */
	if (!a->mcp_waited) {
		a->mcp_waited = 1;
		if (config_provider_configured(a->cfg) &&
		    mcp_wait(workspace_mcp(a->ws), agent_mcp_ready, a)) {
			a->state = AGENT_MODEL;
			a->mcp_waiting = 1;
			return;
		}
	}
	if ((prompt = a->mcp_prompt) != NULL) {
		a->mcp_prompt = NULL;
		if (mcp_resources_fetch(workspace_mcp(a->ws), prompt,
		    agent_mcp_attached, a)) {
			free(prompt);
			a->state = AGENT_MODEL;
			a->mcp_waiting = 1;
			return;
		}
		free(prompt);
	}
	if (workspace_mcp(a->ws) != NULL &&
	    mcp_generation(workspace_mcp(a->ws)) != a->mcp_gen)
		agent_offer_tools(a, a->tools_mode);

	memset(&req, 0, sizeof req);
	req.model = a->cfg->model;
	req.system = a->system;
	req.conv = &a->conv;
	req.tools = a->tools;
	req.max_tokens = a->cfg->max_tokens;
	req.thinking_budget = a->cfg->thinking_budget;

	if (!config_provider_configured(a->cfg)) {
		agent_end_turn(a, STOP_NONE, config_provider_help());
		return;
	}
	if (a->probe != NULL) {
		/* The server's window first: agent_probe_done() goes on. */
		a->probe_waiting = 1;
		a->state = AGENT_MODEL;
		return;
	}
	if (agent_budget_gate(a, NULL) != 0)
		return;
	agent_context_clear(a, "auto", 0, 0);
	/* Clearing was not enough: a summary first, then this request. */
	if (!a->compact_skip && !a->compact_off &&
	    options_get(a->cfg)->context.autoclear &&
	    context_compact_due(&options_get(a->cfg)->context, a->ctx_window,
	    a->ctx_est) && agent_compact_start(a, "auto", NULL) == 0)
		return;
	a->compact_skip = 0;
	agent_cache_plan(a, &a->conv, &cache);
	req.cache = &cache;
	a->req_bytes = agent_request_bytes(a, &a->conv);
	a->req_est = a->ctx_est;
	a->state = AGENT_MODEL;
	a->call_started_ms = loop_now_ms();
	buf_reset(&a->partial);
	a->mc = a->call_start(a->cfg, &req, &agent_call_cb, a, &cause);
	if (a->mc == NULL) {
		a->state = AGENT_IDLE;
		agent_end_turn(a, STOP_NONE, cause);
		free(cause);
		return;
	}
	a->stats.requests++;
	body = a->call_body(a->mc);
	if (body == NULL)
		body = "";
	hash = hash_sha256_hex(body, strlen(body));
	ev = event_pack(EV_REQUEST, "{s:s,s:s,s:i,s:s,s:s}", "provider",
	    a->cfg->provider, "model", a->cfg->model, "max_tokens",
	    a->cfg->max_tokens, "body_sha256", hash, "body", body);
	free(hash);
	agent_event(a, EV_REQUEST, ev);
}

/*
 * Clear old tool results when the next request's estimate passes the
 * threshold (with force: whatever the estimate, down to the target), and
 * log a compaction event saying what was cleared (with messages: the whole
 * conversation too, for when the log holds a response the conversation
 * dropped).  force < 0: only update the estimate.  Returns how many
 * results were cleared.
 */
static int
agent_context_clear(struct agent *a, const char *trigger, int force,
    int messages)
{
	const struct context_options *o = &options_get(a->cfg)->context;
	int64_t		 window, before, after, target;
	size_t		 fixed, n, i;
	char		*s, *text;
	json_t		*cleared, *ev, *msgs;

	window = agent_window(a);
	fixed = a->system != NULL ? strlen(a->system) : 0;
	if (a->ctx_tokens <= 0 && a->tools != NULL &&
	    (s = json_dumps(a->tools, JSON_COMPACT)) != NULL) {
		fixed += strlen(s);
		free(s);
	}
	before = context_estimate_bpt(a->ctx_tokens, a->ctx_bytes, fixed,
	    context_conv_bytes(&a->conv), a->calib.bpt);
	a->ctx_est = before;
	a->ctx_window = window;
	if (force < 0)
		return (0);	/* the estimate only */
	if (!force && (!o->autoclear || !context_over(o, window, before)))
		return (0);
	target = context_target(o, window);
	if (force && before - target <= 0)
		target = before / 2;
	cleared = json_array();
	context_clear(&a->conv, o->keep_results, before - target, cleared);
	if ((n = json_array_size(cleared)) == 0) {
		json_decref(cleared);
		log_debug("context: %lld tokens of %lld, nothing to clear",
		    (long long)before, (long long)window);
		return (0);
	}
	after = context_estimate_bpt(a->ctx_tokens, a->ctx_bytes, fixed,
	    context_conv_bytes(&a->conv), a->calib.bpt);
	a->ctx_est = after;
	context_calib_break(&a->calib);
	ev = event_pack(EV_COMPACTION, "{s:s,s:I,s:I,s:o}", "trigger",
	    trigger, "tokens_before", (json_int_t)before, "tokens_after",
	    (json_int_t)after, "cleared", cleared);
	if (messages) {
		msgs = json_array();
		for (i = 0; i < a->conv.nr; i++)
			json_array_append_new(msgs,
			    conv_message_to_json(&a->conv.msgs[i]));
		json_object_set_new(ev, "messages", msgs);
	}
	agent_event(a, EV_COMPACTION, ev);
	text = xasprintf("Context: cleared %zu old tool result%s (about %lld "
	    "to %lld tokens of %lld); the recall id in each stub names it in "
	    "the session log.", n, n == 1 ? "" : "s", (long long)before,
	    (long long)after, (long long)window);
	a->ui->notice(a->arg, text);
	free(text);
	return ((int)n);
}

int
agent_context_percent(struct agent *a, int *warn)
{
	const struct context_options *o = &options_get(a->cfg)->context;
	int	pct;

	*warn = 0;
	if (a->ctx_window <= 0 || a->ctx_est <= 0)
		return (-1);
	pct = (int)(a->ctx_est * 100 / a->ctx_window);
	*warn = pct >= o->clear_at - 10;
	return (pct);
}

char *
agent_context_report(struct agent *a)
{
	const struct context_options *o;
	const struct usage	*u = &a->stats.usage;
	struct context_fill	 f;
	struct buf		 b = BUF_INIT;
	int64_t			 window, est;
	char			*text;

	window = agent_window(a);
	context_fill(a->system, a->tools, &a->conv, &f);
	if (a->ctx_tokens > 0)
		est = context_estimate_bpt(a->ctx_tokens, a->ctx_bytes, 0,
		    context_conv_bytes(&a->conv), a->calib.bpt);
	else
		est = f.system + f.tools + f.messages + f.results;
	text = context_fill_text(&f, est, window, u->input_tokens,
	    u->cache_read_tokens, u->cache_write_tokens);
	buf_adds(&b, text);
	free(text);
	/* Where the window comes from, and the estimator's ratio. */
	o = &options_get(a->cfg)->context;
	if (a->ctx_limit > 0 && a->ctx_limit == window)
		buf_adds(&b, "\nWindow: as the provider's last overflow error "
		    "named it");
	else if (o->window > 0)
		buf_adds(&b, "\nWindow: context.window");
	else if (a->ctx_server > 0)
		buf_adds(&b, "\nWindow: as the server named it");
	else
		buf_addf(&b, "\nWindow: the model table's for %s",
		    a->cfg->model != NULL ? a->cfg->model : "the model");
	buf_addf(&b, "\nEstimate: %.2f bytes a token (%d sample%s from the "
	    "usage reports)", a->calib.bpt, a->calib.samples,
	    a->calib.samples == 1 ? "" : "s");
	if (context_has_summary(&a->conv))
		buf_adds(&b, "\nThe conversation begins with a summary (C-o on "
		    "its \"compacted\" line shows it; /compact makes another)");
	return (buf_detach(&b, NULL));
}

/*
 * The request did not fit the window (the provider said so with error,
 * naming tokens of limit when known): clear once and retry once, never in
 * a loop.  1 if the request was sent again; 0 if the turn must end.
 */
static int
agent_overflow(struct agent *a, const char *error, int64_t tokens,
    int64_t limit)
{
	const struct context_options *o = &options_get(a->cfg)->context;
	int64_t	 window;
	int	 n;

	if (a->overflow_retried)
		return (0);
	a->overflow_retried = 1;
	window = agent_window(a);
	if (tokens > 0) {
		a->ctx_tokens = tokens;
		a->ctx_bytes = context_conv_bytes(&a->conv);
	} else if (a->ctx_tokens <= 0 || a->ctx_tokens < window) {
		/* Past the window, whatever the estimate said. */
		a->ctx_tokens = window + 1;
		a->ctx_bytes = context_conv_bytes(&a->conv);
	}
	/* The provider's window wins over the configured one from now on. */
	if (limit > 0 && limit < window)
		a->ctx_limit = limit;
	n = agent_context_clear(a, "overflow", 1, error == NULL);
	if (n == 0 || context_compact_due(o, a->ctx_window, a->ctx_est)) {
		/* Clearing is not enough: one summary, then the retry. */
		if (agent_compact_start(a, "overflow", NULL) != 0) {
			if (n == 0)
				return (0);
		} else {
			agent_event(a, EV_RETRY, event_pack(EV_RETRY,
			    "{s:i,s:I,s:s}", "attempt", 1, "delay_ms",
			    (json_int_t)0, "reason", error != NULL ? error :
			    "model_context_window_exceeded"));
			if (a->ui->stream_reset != NULL)
				a->ui->stream_reset(a->arg);
			return (1);
		}
	}
	agent_event(a, EV_RETRY, event_pack(EV_RETRY, "{s:i,s:I,s:s}",
	    "attempt", 1, "delay_ms", (json_int_t)0, "reason",
	    error != NULL ? error : "model_context_window_exceeded"));
	if (a->ui->stream_reset != NULL)
		a->ui->stream_reset(a->arg);
	agent_request(a);
	return (1);
}

/*
 * Summarize the conversation (context-compact.c) for trigger (auto,
 * overflow, manual) with the user's extra instructions (may be NULL), then
 * go on: the pending request for auto and overflow, the end of the "turn"
 * for manual.  0 if the summary request is on its way; -1 if there is
 * nothing to summarize.
 */
static int
agent_compact_start(struct agent *a, const char *trigger, const char *extra)
{
	const struct context_options *o = &options_get(a->cfg)->context;
	int64_t	 window = a->ctx_window, need;
	size_t	 tail;
	char	*instr;
	json_t	*in;

	if (window <= 0)
		window = agent_window(a);
	/* By hand, the user asks for room: only the last round stays. */
	tail = context_compact_tail(&a->conv, strcmp(trigger, "manual") == 0 ?
	    1 : o->keep_results > 0 ? o->keep_results : 1, window / 4);
	if (tail == 0) {
		log_debug("context: nothing to summarize (%zu messages)",
		    a->conv.nr);
		return (-1);
	}
	free(a->compact_trigger);
	a->compact_trigger = xstrdup(trigger);
	free(a->compact_extra);
	a->compact_extra = extra != NULL && *extra != '\0' ? xstrdup(extra) :
	    NULL;
	a->compact_tail = tail;
	a->compact_tries = 0;
	a->compact_before = a->ctx_est;
	/*
	 * The request keeps room for the summary (half the reserve: the
	 * other half was the margin of the trigger): past it, the oldest
	 * messages are left out of the request from the start, which costs
	 * its cache hit.
	 */
	instr = context_compact_instruction(a->compact_extra,
	    context_has_summary(&a->conv));
	need = a->ctx_est + (int64_t)(strlen(instr) /
	    CONTEXT_BYTES_PER_TOKEN) + context_reserve(o, window) / 2 - window;
	free(instr);
	a->compact_drop = need > 0 ? context_compact_drop_for(&a->conv, need) :
	    0;
	a->ui->notice(a->arg, strcmp(trigger, "manual") == 0 ? "Context: "
	    "summarizing the conversation..." : "Context: summarizing the "
	    "conversation, as clearing old tool results is not enough...");
	/* PreCompact hooks first: waited for, they cannot block it. */
	in = json_pack("{s:s,s:s}", "trigger", strcmp(trigger, "manual") == 0 ?
	    "manual" : "auto", "custom_instructions", extra != NULL ? extra :
	    "");
	a->hook = agent_hook_start(a, HOOK_PRE_COMPACT, json_string_value(
	    json_object_get(in, "trigger")), in, agent_precompact_done);
	json_decref(in);
	if (a->hook != NULL) {
		a->state = AGENT_HOOK;
		return (0);
	}
	agent_compact_send(a);
	return (0);
}

/* The PreCompact hooks are over: the summary request goes out. */
static void
agent_precompact_done(const struct hook_result *r, void *arg)
{
	struct agent	*a = arg;
	char		*note;

	a->hook = NULL;
	agent_hook_log(a, r);
	if (r->cancelled) {
		a->compact_skip = 0;
		agent_end_turn(a, STOP_NONE, "cancelled by the user");
		return;
	}
	if (r->context.len > 0) {
		note = xasprintf("%s%sPreCompact hook context:\n%s",
		    a->hook_note != NULL ? a->hook_note : "",
		    a->hook_note != NULL ? "\n\n" : "", r->context.buf);
		free(a->hook_note);
		a->hook_note = note;
	}
	agent_compact_send(a);
}

/* Send the summary request as it stands (a->compact_drop left out). */
static void
agent_compact_send(struct agent *a)
{
	struct model_request	 req;
	struct context_cache	 cache;
	struct conv		 rc;
	char			*instr, *cause = NULL;

	conv_init(&rc);
	instr = context_compact_instruction(a->compact_extra,
	    context_has_summary(&a->conv));
	a->compact_drop = context_compact_request(&a->conv, a->compact_drop,
	    instr, &rc);
	free(instr);
	memset(&req, 0, sizeof req);
	req.model = a->cfg->model;
	req.system = a->system;
	req.conv = &rc;
	req.tools = a->tools;
	req.max_tokens = a->cfg->max_tokens;
	req.thinking_budget = a->cfg->thinking_budget;
	req.no_tool_calls = 1;
	agent_cache_plan(a, &rc, &cache);
	req.cache = &cache;
	a->state = AGENT_MODEL;
	a->compacting = 1;
	a->call_started_ms = loop_now_ms();
	a->mc = a->call_start(a->cfg, &req, &agent_compact_cb, a, &cause);
	conv_release(&rc);
	if (a->mc == NULL) {
		a->compacting = 0;
		a->compact_tries = CONTEXT_COMPACT_TRIES - 1;
		agent_compact_fail(a, cause, 0);
		free(cause);
		return;
	}
	a->stats.requests++;
}

/*
 * A summary attempt failed (why; overflow: the request did not fit): try
 * again, the oldest messages left out when it did not fit, up to
 * CONTEXT_COMPACT_TRIES; then stop the turn with the session intact.
 */
static void
agent_compact_fail(struct agent *a, const char *why, int overflow)
{
	size_t	 left = a->compact_tail > 1 ? a->compact_tail - 1 : 0;
	char	*text;

	a->compacting = 0;
	a->compact_tries++;
	log_debug("context: summary attempt %d failed: %s", a->compact_tries,
	    why);
	if (a->compact_tries < CONTEXT_COMPACT_TRIES) {
		if (overflow)
			a->compact_drop += left / 3 > 0 ? left / 3 : 1;
		text = xasprintf("Context: the summary failed (%s); trying "
		    "again%s.", why, overflow ? " with the oldest messages "
		    "left out" : "");
		a->ui->notice(a->arg, text);
		free(text);
		agent_compact_send(a);
		return;
	}
	if (strcmp(a->compact_trigger, "auto") == 0) {
		/*
		 * Before the window is full: the request may still fit, so it
		 * goes out (an overflow then gets its one summary and retry,
		 * and ends the turn if that fails too).
		 */
		text = xasprintf("Context: the conversation could not be "
		    "summarized (%d attempts; the last: %s); going on without "
		    "a summary.", a->compact_tries, why);
		a->ui->notice(a->arg, text);
		free(text);
		a->compact_skip = 1;
		a->compact_off = 1;	/* not again this turn */
		a->compact_timer = loop_timer_add(0, agent_compact_resume, a);
		return;
	}
	text = xasprintf("the conversation could not be summarized (%d "
	    "attempts; the last: %s); the session is intact: /compact tries "
	    "again, /clear starts a new conversation", a->compact_tries, why);
	a->compact_skip = 0;
	agent_end_turn(a, STOP_NONE, text);
	free(text);
}

static void
agent_compact_cb_text(void *arg, const char *text, size_t len)
{
	/* The summary is shown once it is whole. */
}

/* The summary request ended: replace the conversation by its summary. */
static void
agent_compact_cb_done(void *arg, struct response *resp, const char *error)
{
	struct agent	*a = arg;
	struct conv	 nc;
	struct usage	 u;
	char		*summary, *files, *why, *line;
	const char	*model;
	json_t		*ev, *msgs;
	size_t		 i, kept, lost, replaced;
	int64_t		 before, after, old;
	double		 cost = 0;

	a->mc = NULL;
	a->compacting = 0;
	if (error != NULL) {
		agent_compact_fail(a, error, context_is_overflow(error));
		return;
	}
	u = resp->usage;
	a->stats.usage.input_tokens += u.input_tokens;
	a->stats.usage.output_tokens += u.output_tokens;
	a->stats.usage.cache_read_tokens += u.cache_read_tokens;
	a->stats.usage.cache_write_tokens += u.cache_write_tokens;
	model = resp->model != NULL && *resp->model != '\0' ? resp->model :
	    a->cfg->model;
	budget_add_response(a->budget, a->stats.turns, model, &u,
	    loop_now_ms() - a->call_started_ms, &cost);

	if (resp->stop == STOP_CONTEXT_WINDOW) {
		agent_compact_fail(a, "model_context_window_exceeded", 1);
		return;
	}
	summary = message_text(&resp->msg);
	old = (int64_t)(context_conv_bytes(&a->conv) / CONTEXT_BYTES_PER_TOKEN);
	if (summary == NULL || *summary == '\0') {
		free(summary);
		agent_compact_fail(a, "the model's answer had no text", 0);
		return;
	}
	conv_init(&nc);
	files = context_files_changed(workspace_session(a->ws));
	kept = context_compact_build(&a->conv, summary, files,
	    context_user_budget(&options_get(a->cfg)->context,
	    a->ctx_window), a->compact_tail, &nc, &lost);
	free(files);
	if ((int64_t)(context_conv_bytes(&nc) / CONTEXT_BYTES_PER_TOKEN) >=
	    old) {
		why = xasprintf("the summary (%zu bytes) is no smaller than "
		    "what it replaces", strlen(summary));
		conv_release(&nc);
		free(summary);
		agent_compact_fail(a, why, 0);
		free(why);
		return;
	}
	replaced = a->compact_tail;
	conv_release(&a->conv);
	a->conv = nc;
	context_calib_break(&a->calib);
	/* A new conversation: estimated from its bytes until a response. */
	before = a->compact_before;
	a->ctx_tokens = 0;
	a->ctx_bytes = 0;
	agent_context_clear(a, "auto", -1, 0);
	after = a->ctx_est;
	msgs = json_array();
	for (i = 0; i < a->conv.nr; i++)
		json_array_append_new(msgs,
		    conv_message_to_json(&a->conv.msgs[i]));
	ev = event_pack(EV_COMPACTION, "{s:s,s:I,s:I,s:s,s:I,s:I,s:I,s:o}",
	    "trigger", a->compact_trigger, "tokens_before",
	    (json_int_t)before, "tokens_after", (json_int_t)after, "summary",
	    summary, "replaced", (json_int_t)replaced, "user_kept",
	    (json_int_t)kept, "left_out", (json_int_t)a->compact_drop,
	    "messages", msgs);
	agent_event(a, EV_COMPACTION, ev);
	line = xasprintf("compacted: %lld -> %lld tokens (%zu messages "
	    "summarized, %zu of the user's kept verbatim%s)", (long long)before,
	    (long long)after, replaced, kept, lost > 0 ? ", older ones in "
	    "the summary" : "");
	if (a->ui->compacted != NULL)
		a->ui->compacted(a->arg, line, summary);
	else
		a->ui->notice(a->arg, line);
	free(line);
	free(summary);
	if (strcmp(a->compact_trigger, "manual") == 0) {
		agent_end_turn(a, STOP_END_TURN, NULL);
		return;
	}
	/*
	 * The pending request, from the loop: not from inside the model
	 * call's callback (a stand-in model, as replay's, reuses its state).
	 */
	a->compact_skip = 1;
	a->compact_timer = loop_timer_add(0, agent_compact_resume, a);
}

/* After a summary: send the request it made room for. */
static void
agent_compact_resume(void *arg)
{
	struct agent	*a = arg;

	a->compact_timer = NULL;
	a->state = AGENT_IDLE;
	agent_request(a);
}

int
agent_compact(struct agent *a, const char *extra, char **cause)
{
	if (a->state != AGENT_IDLE) {
		*cause = xstrdup("busy: wait for the turn to end or press Esc");
		return (-1);
	}
	if (!config_provider_configured(a->cfg)) {
		*cause = xstrdup(config_provider_help());
		return (-1);
	}
	agent_context_clear(a, "auto", -1, 0);
	if (agent_compact_start(a, "manual", extra) != 0) {
		*cause = xstrdup("nothing to compact yet: the conversation is "
		    "too short");
		return (-1);
	}
	return (0);
}

/* End the turn: back to idle and tell the front end. */
static void
agent_end_turn(struct agent *a, enum stop_reason stop, const char *error)
{
	json_t	*ev;

	a->state = AGENT_IDLE;
	a->cancelling = 0;
	ev = event_pack(EV_TURN_END, "{s:s}", "stop_reason", error != NULL ?
	    "error" : stop_reason_name(stop));
	if (error != NULL) {
		agent_event(a, EV_ERROR, event_pack(EV_ERROR, "{s:s}",
		    "message", error));
		json_object_set_new(ev, "error", json_string(error));
	}
	agent_event(a, EV_TURN_END, ev);
	a->ui->turn_done(a->arg, stop, error);
}

static void
agent_cb_text(void *arg, const char *text, size_t len)
{
	struct agent	*a = arg;

	/* Kept, for an answer stopped half way (agent_interrupted()). */
	if (a->partial.len < AGENT_PARTIAL_MAX)
		buf_add(&a->partial, text, len);
	a->ui->text_delta(a->arg, text, len);
}

static void
agent_cb_thinking(void *arg, const char *text, size_t len)
{
	struct agent	*a = arg;

	if (a->ui->thinking_delta != NULL)
		a->ui->thinking_delta(a->arg, text, len);
}

static void
agent_cb_tool_use_start(void *arg, const char *id, const char *name)
{
	/* Shown when the complete call arrives; nothing to do yet. */
}

/* A call's input streams: the front end may show how far it is. */
static void
agent_cb_tool_use_delta(void *arg, const char *id, const char *name,
    const char *json, size_t len)
{
	struct agent	*a = arg;

	if (a->ui->tool_args != NULL)
		a->ui->tool_args(a->arg, id, name, json, len);
}

/*
 * The key that stops a turn, for messages (caller frees): the key table's
 * in the TUI, Ctrl-C (a signal, no binding) headless.
 */
static char *
agent_stop_key(struct agent *a)
{
	if (a->headless)
		return (xstrdup("Ctrl-C"));
	return (key_hint(&options_get(a->cfg)->ui, KEYM_EDITOR, KA_ED_STOP));
}

/* "busy: WHAT KEY ...": a turn runs (caller frees). */
static char *
agent_busy_cause(struct agent *a, const char *what)
{
	char	*key, *s;

	key = agent_stop_key(a);
	if (strcmp(what, "press") == 0)
		s = xasprintf("busy: press %s to stop the turn first", key);
	else
		s = xasprintf("busy: %s %s", what, key);
	free(key);
	return (s);
}

static void
agent_cb_retry(void *arg, int attempt, long delay_ms, const char *reason)
{
	struct agent	*a = arg;
	char		*text, *key;

	buf_reset(&a->partial);
	if (a->ui->stream_reset != NULL)
		a->ui->stream_reset(a->arg);
	/* "overloaded (529), retrying in 4 s, attempt 3; Esc to stop" */
	key = agent_stop_key(a);
	if (delay_ms < 10000)
		text = xasprintf("%s, retrying in %.1f s, attempt %d; %s to "
		    "stop", reason, delay_ms / 1000.0, attempt + 1, key);
	else
		text = xasprintf("%s, retrying in %ld s, attempt %d; %s to "
		    "stop", reason, (delay_ms + 500) / 1000, attempt + 1, key);
	free(key);
	a->ui->notice(a->arg, text);
	free(text);
	agent_event(a, EV_RETRY, event_pack(EV_RETRY, "{s:i,s:I,s:s}",
	    "attempt", attempt, "delay_ms", (json_int_t)delay_ms, "reason",
	    reason));
}

/*
 * Replace the arguments of each tool call in m larger than the cap by a
 * stub, before they are logged or kept: otherwise a 50 MB write would be
 * stored and sent again with every later request.  The validate stage of
 * toolrun refuses the stubbed call with the sizes.
 */
static void
agent_cap_tool_args(struct agent *a, struct message *m)
{
	struct block	*b;
	uint64_t	 cap = a->cfg->tool_args_max_bytes;
	size_t		 i, n;

	if (cap == 0)
		return;
	for (i = 0; i < m->nr; i++) {
		b = &m->blocks[i];
		if (b->type != BLOCK_TOOL_USE || b->input == NULL)
			continue;
		n = json_dumpb(b->input, NULL, 0, JSON_COMPACT);
		if (n <= cap)
			continue;
		log_debug("tool call %s %s: %zu bytes of arguments, cap %llu",
		    b->id != NULL ? b->id : "?", b->name != NULL ? b->name :
		    "?", n, (unsigned long long)cap);
		json_decref(b->input);
		b->input = json_pack("{s:I,s:I}", TOOL_ARGS_OVERSIZED,
		    (json_int_t)n, TOOL_ARGS_CAP, (json_int_t)cap);
	}
}

/* The model call ended: keep the response, then run its tool calls. */
static void
agent_cb_done(void *arg, struct response *resp, const char *error)
{
	struct agent	*a = arg;
	struct message	*m;
	struct block	*b;
	struct tool_call *tc;
	const char	*model;
	char		*text;
	json_t		*ev;
	size_t		 i, kept;
	int64_t		 out;
	uint64_t	 ms;
	double		 cost = 0;
	int		 known;

	a->mc = NULL;
	if (error != NULL) {
		if (context_is_overflow(error)) {
			if (agent_overflow(a, error,
			    context_overflow_tokens(error),
			    context_overflow_limit(error)))
				return;
			if (a->ui->stream_reset != NULL)
				a->ui->stream_reset(a->arg);
			text = xasprintf("the conversation does not fit the "
			    "model's context window, even with old tool "
			    "results cleared (%s); the session goes on: ask "
			    "for less, or start a new session with /clear",
			    error);
			agent_end_turn(a, STOP_NONE, text);
			free(text);
			return;
		}
		if (a->ui->stream_reset != NULL)
			a->ui->stream_reset(a->arg);
		agent_end_turn(a, STOP_NONE, error);
		return;
	}
	a->stats.usage.input_tokens += resp->usage.input_tokens;
	a->stats.usage.output_tokens += resp->usage.output_tokens;
	a->stats.usage.cache_read_tokens += resp->usage.cache_read_tokens;
	a->stats.usage.cache_write_tokens += resp->usage.cache_write_tokens;
	agent_cache_log(a, &resp->usage);

	agent_cap_tool_args(a, &resp->msg);
	ms = loop_now_ms() - a->call_started_ms;
	model = resp->model != NULL && *resp->model != '\0' ? resp->model :
	    a->cfg->model;
	known = budget_add_response(a->budget, a->stats.turns, model,
	    &resp->usage, ms, &cost);
	if (!known && options_get(a->cfg)->budget.max_usd > 0 &&
	    !a->unpriced_told) {
		a->unpriced_told = 1;
		text = xasprintf("Budget: %s has no price (see the prices "
		    "option): its cost is unknown and not held to the cost "
		    "limit.", model != NULL ? model : "the model");
		a->ui->notice(a->arg, text);
		free(text);
	}
	context_calib_add(&a->calib, resp->usage.input_tokens +
	    resp->usage.cache_read_tokens + resp->usage.cache_write_tokens,
	    a->req_bytes);
	ev = event_pack(EV_RESPONSE, "{s:o,s:s,s:{s:I,s:I,s:I,s:I},s:I,s:I,"
	    "s:s,s:o,s:I,s:f}",
	    "message", conv_message_to_json(&resp->msg),
	    "stop_reason", stop_reason_name(resp->stop),
	    "usage",
	    "input_tokens", (json_int_t)resp->usage.input_tokens,
	    "output_tokens", (json_int_t)resp->usage.output_tokens,
	    "cache_read_tokens", (json_int_t)resp->usage.cache_read_tokens,
	    "cache_write_tokens", (json_int_t)resp->usage.cache_write_tokens,
	    "first_token_ms", (json_int_t)resp->first_token_ms,
	    "total_ms", (json_int_t)ms,
	    "model", model != NULL ? model : "",
	    "cost_usd", known ? json_real(cost) : json_null(),
	    "estimate", (json_int_t)a->req_est,
	    "bytes_per_token", a->calib.bpt);
	agent_event(a, EV_RESPONSE, ev);

	/*
	 * The model ran out of window while it answered: drop the cut
	 * answer, clear, and ask again (once; the compaction event then
	 * carries the conversation, as the log holds the dropped answer).
	 */
	if (resp->stop == STOP_CONTEXT_WINDOW &&
	    agent_overflow(a, NULL, resp->usage.input_tokens +
	    resp->usage.cache_read_tokens + resp->usage.cache_write_tokens, 0))
		return;
	a->overflow_retried = 0;

	/* An empty answer is kept out: the APIs refuse empty messages. */
	if (resp->msg.nr == 0) {
		a->ui->assistant_done(a->arg, &resp->msg, &resp->usage);
		agent_end_turn(a, resp->stop, NULL);
		return;
	}
	m = conv_add(&a->conv, ROLE_ASSISTANT);
	message_move_blocks(m, &resp->msg);
	/* The reported usage is the ground truth of the next estimate. */
	if (resp->usage.input_tokens + resp->usage.cache_read_tokens > 0) {
		/*
		 * The answer counts as what is kept of it: no more tokens
		 * than its bytes (oversized tool arguments were replaced by
		 * a stub, and are not sent again).
		 */
		out = resp->usage.output_tokens;
		kept = context_conv_bytes(&(struct conv){ .msgs = m, .nr = 1,
		    .alloc = 1 });
		if (out > (int64_t)kept)
			out = (int64_t)kept;
		a->ctx_tokens = resp->usage.input_tokens +
		    resp->usage.cache_read_tokens +
		    resp->usage.cache_write_tokens + out;
		a->ctx_bytes = context_conv_bytes(&a->conv);
	}
	a->ui->assistant_done(a->arg, m, &resp->usage);

	agent_clear_calls(a);
	for (i = 0; i < m->nr; i++) {
		b = &m->blocks[i];
		if (b->type != BLOCK_TOOL_USE)
			continue;
		tc = tool_call_create(b->id, b->name, b->input,
		    workspace_tool_ctx(a->ws));
		ALLOC_GROW(a->calls, a->ncalls + 1, a->acalls);
		a->calls[a->ncalls++] = tc;
		agent_event(a, EV_TOOL_CALL, event_pack(EV_TOOL_CALL,
		    "{s:s,s:s,s:O}", "id", b->id, "name", b->name, "input",
		    b->input));
	}
	if (a->ncalls > 0) {
		a->state = AGENT_TOOLS;
		a->next = 0;
		agent_schedule_step(a);
		return;
	}
	if (resp->stop == STOP_PAUSE_TURN) {
		/* The server paused a long turn: send it back to go on. */
		agent_request(a);
		return;
	}
	if (resp->stop == STOP_MAX_TOKENS)
		a->ui->notice(a->arg, "The response stopped at max_tokens; "
		    "say \"continue\" to get the rest.");
	if (agent_stop_hooks(a, resp->stop))
		return;
	agent_end_turn(a, resp->stop, NULL);
}

/* Free the tool calls of the last assistant message. */
static void
agent_clear_calls(struct agent *a)
{
	size_t	i;

	for (i = 0; i < a->ncalls; i++)
		tool_call_free(a->calls[i]);
	a->ncalls = a->next = 0;
}

/* Handle the next tool call from the loop (never from inside a callback). */
static void
agent_schedule_step(struct agent *a)
{
	if (a->step == NULL)
		a->step = loop_timer_add(0, agent_step, a);
}

static void
agent_step(void *arg)
{
	struct agent	*a = arg;
	struct tool_call *tc;

	a->step = NULL;
	if (a->state != AGENT_TOOLS || toolrun_busy(a->toolrun))
		return;
	if (a->cancelling) {
		for (; a->next < a->ncalls; a->next++) {
			tc = a->calls[a->next];
			tool_result_setf(tc, 1, "Not run: the user cancelled "
			    "the turn before this call started.");
			tc->cancelled = 1;
			agent_event(a, EV_TOOL_RESULT, event_pack(
			    EV_TOOL_RESULT, "{s:s,s:s,s:b}", "id", tc->id,
			    "content", tc->result.buf, "is_error", 1));
		}
	}
	if (a->next == a->ncalls) {
		agent_tools_finish(a);
		return;
	}
	toolrun_start(a->toolrun, a->calls[a->next], a->stats.turns);
}

void
agent_decide(struct agent *a, struct tool_call *tc, enum approval ans,
    const char *note)
{
	toolrun_decide(a->toolrun, tc, ans, note);
}

void
agent_rerun(struct agent *a, struct tool_call *tc, enum rerun how)
{
	toolrun_rerun(a->toolrun, tc, how);
}

/* An event of the pipeline: recorded as the agent's own. */
static void
agent_tr_event(void *arg, enum event_type type, json_t *data)
{
	agent_event(arg, type, data);
}

/* A call is over, its result recorded: go on with the next. */
static void
agent_tr_finished(void *arg, struct tool_call *tc)
{
	struct agent	*a = arg;

	if (!tc->cancelled)
		budget_add_tool(a->budget, tc->name, tc->input, tc->is_error,
		    tc->result.buf);
	if (!tc->is_error && strcmp(tc->name, "todo_write") == 0)
		agent_event(a, EV_TODO, event_pack(EV_TODO, "{s:s,s:O}", "id",
		    tc->id, "todos", json_object_get(tc->input, "todos")));
	a->next++;
	agent_schedule_step(a);
}

/* Record a budget decision. */
static void
agent_budget_event(struct agent *a, const char *decision, enum budget_limit l,
    const char *why, const char *by)
{
	const char *const	*errs;
	json_t			*ev, *arr;
	double			 used, max;
	size_t			 n, i;

	ev = event_pack(EV_BUDGET, "{s:s,s:s,s:s,s:s}", "decision", decision,
	    "limit", budget_limit_name(l), "reason", why, "by", by);
	if (l == BUDGET_STUCK) {
		errs = budget_errors(a->budget, &n);
		arr = json_array();
		for (i = 0; i < n; i++)
			json_array_append_new(arr, json_string(errs[i]));
		json_object_set_new(ev, "errors", arr);
	} else {
		budget_figures(a->budget, l, loop_now_ms(), &used, &max);
		json_object_set_new(ev, "used", json_real(used));
		json_object_set_new(ev, "max", json_real(max));
	}
	agent_event(a, EV_BUDGET, ev);
}

/*
 * The limits, before a model call (tc NULL) or before tc runs: warn once
 * at 80%; at 100% stop (headless) or ask the user (the TUI).  0: go on;
 * 1: stopped (the turn ended, or tc's result says why); 2: the user is
 * asked (agent_budget_answer() goes on).
 */
static int
agent_budget_gate(struct agent *a, struct tool_call *tc)
{
	enum budget_limit	 l;
	uint64_t		 now = loop_now_ms();
	char			*why = NULL, *text;

	while ((l = budget_warning(a->budget, now, &why)) != BUDGET_OK) {
		agent_budget_event(a, "warn", l, why, "limit");
		text = xasprintf("Budget: %s.", why);
		a->ui->notice(a->arg, text);
		free(text);
		free(why);
		why = NULL;
	}
	if (a->stopped == BUDGET_OK) {
		l = budget_check(a->budget, now, tc == NULL, &why);
		if (l == BUDGET_OK)
			return (0);
		if (!a->headless && a->ui->budget_ask != NULL) {
			agent_budget_event(a, "ask", l, why, "limit");
			a->asking = l;
			free(a->ask_why);
			a->ask_why = why;
			a->ask_tc = tc;
			if (tc == NULL)
				a->state = AGENT_MODEL;
			text = xasprintf("The run %s. Go on? (y raises the "
			    "limit for this session)", why);
			a->ui->budget_ask(a->arg, text);
			free(text);
			return (2);
		}
		agent_budget_event(a, "stop", l, why, "limit");
		a->stopped = l;
		free(a->stop_why);
		a->stop_why = why;
	}
	if (tc != NULL) {
		tool_result_setf(tc, 1, "Not run: the run %s; the turn stops.",
		    a->stop_why);
		return (1);
	}
	text = xasprintf("stopped: the run %s", a->stop_why);
	agent_end_turn(a, STOP_NONE, text);
	free(text);
	return (1);
}

/* The budget stage of the tool pipeline: the limits before a tool runs. */
static enum toolrun_rc
agent_tr_budget(void *arg, struct tool_call *tc)
{
	switch (agent_budget_gate(arg, tc)) {
	case 0:
		return (TOOLRUN_GO);
	case 1:
		return (TOOLRUN_DENY);
	}
	return (TOOLRUN_WAIT);
}

/* The turn is cancelled while the user is asked about tc. */
static void
agent_tr_budget_cancel(void *arg, struct tool_call *tc)
{
	struct agent	*a = arg;

	if (a->asking == BUDGET_OK || a->ask_tc != tc)
		return;
	a->asking = BUDGET_OK;
	a->ask_tc = NULL;
	tool_result_setf(tc, 1, "Not run: the user cancelled the turn.");
	toolrun_resume(a->toolrun, TOOLRUN_DENY);
}

void
agent_budget_answer(struct agent *a, int go_on)
{
	enum budget_limit	 l = a->asking;
	struct tool_call	*tc = a->ask_tc;

	if (l == BUDGET_OK)
		return;
	a->asking = BUDGET_OK;
	a->ask_tc = NULL;
	agent_budget_event(a, go_on ? "continue" : "stop", l, a->ask_why,
	    "user");
	if (go_on)
		budget_raise(a->budget, l, loop_now_ms());
	else {
		a->stopped = l;
		free(a->stop_why);
		a->stop_why = a->ask_why;
		a->ask_why = NULL;
	}
	if (tc != NULL) {
		if (!go_on)
			tool_result_setf(tc, 1, "Not run: the user stopped the "
			    "turn at its limit (%s).", budget_limit_name(l));
		toolrun_resume(a->toolrun, go_on ? TOOLRUN_GO : TOOLRUN_DENY);
		return;
	}
	agent_request(a);
}

struct budget *
agent_budget(struct agent *a)
{
	return (a->budget);
}

enum budget_limit
agent_budget_stopped(struct agent *a)
{
	return (a->stopped);
}

static void
agent_ws_progress(void *arg, const char *what, size_t done, size_t total)
{
	struct agent	*a = arg;

	if (a->ui->progress != NULL)
		a->ui->progress(a->arg, what, done, total);
}

static void
agent_ws_notice(void *arg, const char *text)
{
	struct agent	*a = arg;

	a->ui->notice(a->arg, text);
}

/* The repository model is built: between turns the map joins the prompt. */
static void
agent_ws_model_ready(void *arg)
{
	struct agent	*a = arg;

	if (a->state == AGENT_IDLE) {
		free(a->system);
		a->system = context_system(a->root, a->cwd,
		    workspace_repomodel(a->ws), a->cfg);
	}
}

/* Every call has its result: send them to the model, or stop if cancelled. */
static void
agent_tools_finish(struct agent *a)
{
	struct message	*m;
	struct tool_call *tc;
	size_t		 i;

	m = conv_add(&a->conv, ROLE_USER);
	for (i = 0; i < a->ncalls; i++) {
		tc = a->calls[i];
		message_add_tool_result(m, tc->id, tc->result.buf,
		    tc->is_error);
	}
	agent_clear_calls(a);
	if (a->cancelling) {
		agent_end_turn(a, STOP_NONE, "cancelled by the user");
		return;
	}
	agent_request(a);
}

void
agent_cancel(struct agent *a)
{
	switch (a->state) {
	case AGENT_IDLE:
		break;
	case AGENT_MODEL:
		if (a->mcp_waiting) {
			mcp_wait_cancel(workspace_mcp(a->ws));
			mcp_resources_cancel(workspace_mcp(a->ws));
			a->mcp_waiting = 0;
		}
		if (a->mc != NULL)
			a->call_cancel(a->mc);
		a->mc = NULL;
		a->compacting = 0;
		a->compact_skip = 0;
		a->probe_waiting = 0;
		loop_timer_cancel(a->compact_timer);
		a->compact_timer = NULL;
		a->asking = BUDGET_OK;
		if (!agent_interrupted(a) && a->ui->stream_reset != NULL)
			a->ui->stream_reset(a->arg);
		agent_end_turn(a, STOP_NONE, "cancelled by the user");
		break;
	case AGENT_SHELL:
		if (a->shell_tc != NULL)
			tool_call_cancel(a->shell_tc);
		break;
	case AGENT_HOOK:
		hook_run_cancel(a->hook != NULL ? a->hook : a->hook_bg[0]);
		break;
	case AGENT_TOOLS:
		if (a->cancelling)
			break;
		a->cancelling = 1;
		if (toolrun_busy(a->toolrun))
			toolrun_cancel(a->toolrun);
		else
			agent_schedule_step(a);
		break;
	}
}

/*
 * Stopped while the answer streamed: what arrived of its text stays in the
 * conversation as the assistant's message (logged as a response with
 * stop_reason "interrupted", so a resume has it), and the screen marks it.
 * 1 when there was text to keep.
 */
static int
agent_interrupted(struct agent *a)
{
	struct message	*m;
	struct usage	 u;
	size_t		 i;
	json_t		*ev;

	for (i = 0; i < a->partial.len; i++) {
		if (!isspace((unsigned char)a->partial.buf[i]))
			break;
	}
	/* Empty or blank text: the APIs refuse it; nothing to keep. */
	if (i == a->partial.len || a->state != AGENT_MODEL)
		return (0);
	m = conv_add(&a->conv, ROLE_ASSISTANT);
	message_add_text(m, a->partial.buf);
	ev = event_pack(EV_RESPONSE, "{s:o,s:s,s:{s:I,s:I,s:I,s:I},s:I,s:I}",
	    "message", conv_message_to_json(m),
	    "stop_reason", "interrupted",
	    "usage", "input_tokens", (json_int_t)0, "output_tokens",
	    (json_int_t)0, "cache_read_tokens", (json_int_t)0,
	    "cache_write_tokens", (json_int_t)0,
	    "first_token_ms", (json_int_t)0,
	    "total_ms", (json_int_t)(loop_now_ms() - a->call_started_ms));
	agent_event(a, EV_RESPONSE, ev);
	buf_reset(&a->partial);
	a->ui->text_delta(a->arg, "\n\n[interrupted]", 15);
	memset(&u, 0, sizeof u);
	a->ui->assistant_done(a->arg, m, &u);
	return (1);
}

int
agent_busy(struct agent *a)
{
	return (a->state != AGENT_IDLE);
}

char *
agent_rewind_note_text(const char *id, const struct snapshot_plan *plan)
{
	struct buf	 b;
	size_t		 i;

	buf_init(&b, 8192);
	if (id != NULL)
		buf_addf(&b, "[Note: the user restored the files to snapshot "
		    "%s.", id);
	else
		buf_addf(&b, "[Note: the user undid the last change to the "
		    "files (restored snapshot %.12s).", plan->target != NULL ?
		    plan->target : "?");
	if (plan->nwrite == 0 && plan->nremove == 0)
		buf_adds(&b, " No file changed.");
	if (plan->nwrite > 0) {
		buf_adds(&b, " Written back to their content then:");
		for (i = 0; i < plan->nwrite; i++)
			buf_addf(&b, "%s %s", i == 0 ? "" : ",",
			    plan->write[i]);
		buf_adds(&b, ".");
	}
	if (plan->nremove > 0) {
		buf_adds(&b, " Removed (they did not exist then):");
		for (i = 0; i < plan->nremove; i++)
			buf_addf(&b, "%s %s", i == 0 ? "" : ",",
			    plan->remove[i]);
		buf_adds(&b, ".");
	}
	buf_adds(&b, " Edits and writes you made after that snapshot are gone"
	    " from these files: read them again before changing them.]");
	return (buf_detach(&b, NULL));
}

/*
 * Add to the pending note what a restore put back, and return the part
 * this restore added (for its event).  The model saw the files as they
 * were before; the note tells it they changed under it.
 */
static char *
agent_rewind_note(struct agent *a, const char *id,
    const struct snapshot_plan *plan)
{
	char	*note;

	note = agent_rewind_note_text(id, plan);
	agent_rewind_note_add(a, note);
	return (note);
}

/* Append note (borrowed) to the note the next prompt carries. */
static void
agent_rewind_note_add(struct agent *a, const char *note)
{
	char	*all;

	if (a->rewind_note == NULL)
		a->rewind_note = xstrdup(note);
	else {
		all = xasprintf("%s\n%s", a->rewind_note, note);
		free(a->rewind_note);
		a->rewind_note = all;
	}
}

int
agent_rewind(struct agent *a, const char *id, int flags, char **msg,
    char **cause)
{
	struct snapshot_store	*st;
	struct snapshot_plan	 plan;
	char			*note;
	int			 rc;

	*msg = NULL;
	if (a->state != AGENT_IDLE) {
		*cause = agent_busy_cause(a, "press");
		return (-1);
	}
	if ((st = workspace_snapshots(a->ws)) == NULL) {
		*cause = xstrdup(workspace_snapshots_error(a->ws));
		return (-1);
	}
	memset(&plan, 0, sizeof plan);
	if (id != NULL)
		rc = snapshot_restore_ext(st, id, flags, &plan, cause);
	else
		rc = snapshot_rewind_last(st, flags, &plan, cause);
	if (rc == 0) {
		*msg = xasprintf("Restored %s: %zu file%s written, %zu "
		    "removed.%s%s%s", id != NULL ? id : "the files to before "
		    "the last agent change", plan.nwrite, plan.nwrite == 1 ?
		    "" : "s", plan.nremove, plan.before != NULL ?
		    " Undo with: agentos rewind " : "", plan.before != NULL ?
		    plan.before : "", plan.before != NULL ? "" : "");
		note = agent_rewind_note(a, id, &plan);
		free(a->rewind_snap);
		a->rewind_snap = xstrdup(plan.target != NULL ? plan.target :
		    "");
		agent_event(a, EV_REWIND, event_pack(EV_REWIND,
		    "{s:s,s:s?,s:s}", "snapshot", plan.target != NULL ?
		    plan.target : "", "before", plan.before, "note", note));
		free(note);
	}
	snapshot_plan_release(&plan);
	return (rc);
}

int
agent_rewind_last(struct agent *a, char **msg, char **cause)
{
	return (agent_rewind(a, NULL, 0, msg, cause));
}

int
agent_rewind_to(struct agent *a, const char *id, char **cause)
{
	char	*msg = NULL;
	int	 rc;

	rc = agent_rewind(a, id, 0, &msg, cause);
	free(msg);
	return (rc);
}

struct perm *
agent_perm(struct agent *a)
{
	return (a->perm);
}

void
agent_set_mode(struct agent *a, enum perm_mode mode)
{
	perm_set_mode(a->perm, mode);
	agent_offer_tools(a, mode);
}

struct workspace *
agent_workspace(struct agent *a)
{
	return (a->ws);
}

const struct agent_stats *
agent_stats(struct agent *a)
{
	return (&a->stats);
}

const struct conv *
agent_conv(struct agent *a)
{
	return (&a->conv);
}

const char *
agent_session_id(struct agent *a)
{
	return (workspace_session_id(a->ws));
}

struct session *
agent_session(struct agent *a)
{
	return (workspace_session(a->ws));
}

int
agent_resumed(struct agent *a, int *interrupted)
{
	if (interrupted != NULL)
		*interrupted = a->resume_interrupted;
	return (a->resumed);
}

int
agent_continue(struct agent *a, char **cause)
{
	if (a->state != AGENT_IDLE) {
		*cause = agent_busy_cause(a,
		    "wait for the turn to end or press");
		return (-1);
	}
	if (a->conv.nr == 0 || a->conv.msgs[a->conv.nr - 1].role != ROLE_USER) {
		*cause = xstrdup("nothing to continue: the model has answered");
		return (-1);
	}
	a->resume_interrupted = 0;
	a->stopped = BUDGET_OK;
	agent_request(a);
	return (0);
}

/*
 * Go on in session f (taken; NULL: unrecorded, under a fresh id): load its
 * conversation (when load is set), then drop the old session and reopen the
 * snapshot store under the new id.  Nothing changes on failure.  last_snap
 * (may be NULL) gets the id of the newest snapshot its log records (the
 * caller frees; NULL when none).
 */
static int
agent_adopt(struct agent *a, struct session *f, int load, char **last_snap,
    char **cause)
{
	struct session_state	 st;
	struct conv		 conv;

	conv_init(&conv);
	memset(&st, 0, sizeof st);
	if (f != NULL && load && session_load(f, &conv, &st, cause) != 0) {
		session_state_release(&st);
		conv_release(&conv);
		session_close(f);
		return (-1);
	}
	conv_release(&a->conv);
	a->conv = conv;
	/* Another conversation: estimate from its bytes until a response. */
	a->ctx_tokens = 0;
	a->ctx_bytes = 0;
	a->ctx_est = 0;
	a->overflow_retried = 0;
	agent_load_session(a, &st, load);
	if (last_snap != NULL)
		*last_snap = st.nsnapshots > 0 ?
		    xstrdup(st.snapshots[st.nsnapshots - 1]) : NULL;
	session_state_release(&st);
	a->log_warned = 0;
	/* The new session's snapshots go under its own id. */
	workspace_set_session(a->ws, f);
	agent_calib_load(a);
	return (0);
}

char *
agent_prompt_text(struct agent *a, int turn)
{
	struct session_iter	*it;
	const struct event	*ev;
	const char		*text;
	char			*cause = NULL, *s = NULL;
	int64_t			 seq;

	if (workspace_session(a->ws) == NULL || turn < 1 ||
	    (size_t)turn > a->nuser_seqs)
		return (NULL);
	seq = a->user_seqs[turn - 1];
	if ((it = session_iter_open(workspace_session(a->ws), seq - 1, 0,
	    &cause)) == NULL) {
		log_debug("prompt %d: %s", turn, cause);
		free(cause);
		return (NULL);
	}
	if (session_iter_next(it, &ev, &cause) == 1 && ev->seq == seq &&
	    ev->type == EV_USER && ev->invalid == NULL &&
	    (text = json_string_value(json_object_get(ev->data, "text"))) !=
	    NULL)
		s = xstrdup(text);
	free(cause);
	session_iter_close(it);
	return (s);
}

int
agent_fork(struct agent *a, int turn, char **cause)
{
	struct session		*f;
	struct snapshot_store	*ss;
	char			*pending, *parent, *last = NULL, *why = NULL;

	if (a->state != AGENT_IDLE) {
		*cause = agent_busy_cause(a, "press");
		return (-1);
	}
	if (workspace_session(a->ws) == NULL) {
		*cause = xstrdup("this session is not recorded: nothing to "
		    "fork from");
		return (-1);
	}
	if (turn < 0 || (size_t)turn > a->nuser_seqs) {
		*cause = xasprintf("no turn %d in this session (it has %zu)",
		    turn, a->nuser_seqs);
		return (-1);
	}
	f = session_fork(workspace_session(a->ws), turn == 0 ? -1 :
	    a->user_seqs[turn - 1] - 1, cause);
	if (f == NULL)
		return (-1);
	/*
	 * A rewind not yet told goes with the fork: the files are as it
	 * left them.  (The fork's copied events may hold an earlier one.)
	 */
	pending = a->rewind_note;
	a->rewind_note = NULL;
	parent = xstrdup(agent_session_id(a));
	if (agent_adopt(a, f, 1, &last, cause) != 0) {
		a->rewind_note = pending;
		free(parent);
		return (-1);
	}
	/*
	 * The fork's snapshots start with those its conversation was made
	 * with: all of the parent's (turn 0), or up to the last one its
	 * copied log records.  Its count, ids and rewinds go on from there.
	 */
	if ((ss = workspace_snapshots(a->ws)) != NULL &&
	    (turn == 0 || last != NULL) &&
	    snapshot_fork(ss, parent, turn == 0 ? NULL : last, &why) != 0) {
		log_debug("fork: snapshots: %s", why);
		free(why);
	}
	free(last);
	free(parent);
	if (pending != NULL && a->rewind_note != NULL &&
	    strcmp(a->rewind_note, pending) == 0) {
		/* The fork copied the rewind events: it has the note. */
		free(pending);
		pending = NULL;
	}
	if (pending != NULL) {
		agent_rewind_note_add(a, pending);
		agent_event(a, EV_REWIND, event_pack(EV_REWIND, "{s:s,s:s}",
		    "snapshot", a->rewind_snap != NULL ? a->rewind_snap : "",
		    "note", pending));
		free(pending);
	}
	/* A fork is a new session, not a resumed one. */
	a->resumed = 0;
	a->resume_interrupted = 0;
	log_debug("forked session %s at turn %d", agent_session_id(a), turn);
	return (0);
}

int
agent_switch(struct agent *a, const char *id, char **cause)
{
	struct session	*s;
	char		*why = NULL;

	if (a->state != AGENT_IDLE) {
		*cause = agent_busy_cause(a, "press");
		return (-1);
	}
	if ((s = workspace_session_open(a->ws, id, &why)) == NULL) {
		if (id != NULL) {
			*cause = why;
			return (-1);
		}
		log_debug("session log unavailable: %s", why);
		free(why);
	}
	if (s != NULL && workspace_session(a->ws) != NULL &&
	    strcmp(session_id(s), agent_session_id(a)) == 0) {
		session_close(s);
		*cause = xasprintf("already in session %s",
		    agent_session_id(a));
		return (-1);
	}
	if (agent_adopt(a, s, id != NULL, NULL, cause) != 0)
		return (-1);
	log_debug("switched to %s session %s", id != NULL ? "resumed" : "new",
	    agent_session_id(a));
	return (0);
}

void
agent_set_model_hooks(struct agent *a, agent_call_start_fn start,
    agent_call_cancel_fn cancel, agent_call_body_fn body)
{
	/* Stand-in models (replay, tests): no request leaves, no probe. */
	if (start != NULL) {
		context_probe_free(a->probe);
		a->probe = NULL;
	}
	a->call_start = start != NULL ? start : model_call_start;
	a->call_cancel = cancel != NULL ? cancel : model_call_cancel;
	a->call_body = body != NULL ? body : model_call_body;
}

/*
 * The user's !command: the bash tool's own run path (tool_call_start(),
 * so the same sandbox, environment and output cap), after a snapshot when
 * it may change files, as for the agent's commands.  It is not a tool call
 * of the conversation: its command and result join the next user message
 * as a note (Claude Code's "!" sends nothing alone either).
 */
int
agent_shell(struct agent *a, const char *command, char **cause)
{
	struct tool_call	*tc;
	struct tool_effects	*fx;
	json_t			*input;
	char			*id, *sid = NULL, *commit = NULL, *summary;

	if (a->state != AGENT_IDLE) {
		*cause = xstrdup("a turn is running: run the command when it "
		    "ends, or press Esc to stop it");
		return (-1);
	}
	input = json_pack("{s:s}", "command", command);
	id = xasprintf("user-shell-%d", ++a->nshell);
	tc = tool_call_create(id, "bash", input, workspace_tool_ctx(a->ws));
	free(id);
	json_decref(input);
	if (tc->tool == NULL || tool_call_check(tc, cause) != 0) {
		if (*cause == NULL)
			*cause = xstrdup("the bash tool is not there");
		tool_call_free(tc);
		return (-1);
	}
	fx = &tc->effects;
	if (tool_effects_mutates(fx)) {
		if (workspace_snapshots(a->ws) == NULL) {
			*cause = xasprintf("not run: agentos cannot take "
			    "snapshots here (%s)",
			    workspace_snapshots_error(a->ws));
			tool_call_free(tc);
			return (-1);
		}
		summary = xasprintf("user: %s", command);
		if (workspace_snapshot(a->ws, summary, "bash",
		    a->stats.turns, (const char *const *)fx->writes,
		    fx->nwrites, &sid, &commit, cause) != 0) {
			free(summary);
			tool_call_free(tc);
			return (-1);
		}
		tc->snapshot_id = sid;
		agent_event(a, EV_SNAPSHOT, event_pack(EV_SNAPSHOT,
		    "{s:s,s:s?,s:s,s:s}", "id", sid, "commit", commit,
		    "action", summary, "tool_use_id", tc->id));
		if (a->ui->snapshot != NULL)
			a->ui->snapshot(a->arg, sid, summary);
		free(commit);
		free(summary);
	}
	a->state = AGENT_SHELL;
	a->shell_tc = tc;
	tc->done = agent_shell_done;
	tc->done_arg = a;
	tc->output = agent_shell_output;
	tc->output_arg = a;
	if (a->ui->tool_started != NULL)
		a->ui->tool_started(a->arg, tc);
	tool_call_start(tc);
	return (0);
}

/* Output of the user's command as it arrives: for the screen. */
static void
agent_shell_output(struct tool_call *tc, const char *data, size_t len,
    void *arg)
{
	struct agent	*a = arg;

	if (a->ui->tool_output != NULL)
		a->ui->tool_output(a->arg, tc, data, len);
}

/* A finished !command is freed from the loop, not inside its callback. */
static void
agent_shell_free(void *arg)
{
	tool_call_free(arg);
}

/* The user's command finished: keep what it gave for the next message. */
static void
agent_shell_done(struct tool_call *tc, void *arg)
{
	struct agent	*a = arg;
	const char	*cmd;
	char		*note, *all;

	cmd = json_string_value(json_object_get(tc->input, "command"));
	if (tc->snapshot_id != NULL)
		workspace_snapshot_done(a->ws);
	note = agent_shell_note_text(cmd, tc->cancelled, tc->result.buf);
	if (a->shell_note == NULL)
		a->shell_note = note;
	else {
		all = xasprintf("%s\n\n%s", a->shell_note, note);
		free(a->shell_note);
		free(note);
		a->shell_note = all;
	}
	agent_event(a, EV_USER_SHELL, event_pack(EV_USER_SHELL,
	    "{s:s,s:i,s:s,s:b,s:s?}", "command", cmd != NULL ? cmd : "",
	    "exit_status", tc->exit_status, "output", tc->result.buf,
	    "cancelled", tc->cancelled, "snapshot", tc->snapshot_id));
	a->shell_tc = NULL;
	a->state = AGENT_IDLE;
	if (a->ui->tool_finished != NULL)
		a->ui->tool_finished(a->arg, tc);
	loop_timer_add(0, agent_shell_free, tc);
	a->ui->turn_done(a->arg, STOP_NONE, NULL);
}

/*
 * A file the user writes through agentos (/init's AGENTS.md): snapshotted
 * first like the agent's writes, so a rewind undoes it too.
 */
int
agent_user_write(struct agent *a, const char *path, const char *text,
    char **cause)
{
	const char	*paths[1];
	char		*abs = NULL, *rel = NULL, *id, *sid = NULL;
	char		*commit = NULL, *summary;
	int		 rc = -1;

	if (a->state != AGENT_IDLE) {
		*cause = xstrdup("a turn is running: wait for it to end, or "
		    "press Esc to stop it");
		return (-1);
	}
	if (path_resolve_write(a->root, path, &abs, &rel, cause) != 0)
		return (-1);
	if (workspace_snapshots(a->ws) == NULL) {
		*cause = xasprintf("agentos cannot take snapshots here (%s), "
		    "and it writes nothing it could not undo",
		    workspace_snapshots_error(a->ws));
		goto out;
	}
	paths[0] = rel;
	id = xasprintf("user-write-%d", ++a->nshell);
	summary = xasprintf("user: write %s", rel);
	if (workspace_snapshot(a->ws, summary, "write_file", a->stats.turns,
	    paths, 1, &sid, &commit, cause) != 0) {
		free(summary);
		free(id);
		goto out;
	}
	agent_event(a, EV_SNAPSHOT, event_pack(EV_SNAPSHOT,
	    "{s:s,s:s?,s:s,s:s}", "id", sid, "commit", commit, "action",
	    summary, "tool_use_id", id));
	if (a->ui->snapshot != NULL)
		a->ui->snapshot(a->arg, sid, summary);
	rc = tool_write_atomic(abs, text, strlen(text), cause);
	workspace_snapshot_done(a->ws);
	free(summary);
	free(id);
	free(sid);
	free(commit);
out:
	free(abs);
	free(rel);
	return (rc);
}

char *
agent_shell_note_text(const char *command, int cancelled, const char *output)
{
	return (xasprintf("The user ran this command in the shell (not the "
	    "agent; it is done, do not run it again):\n$ %s\n%s%s",
	    command != NULL ? command : "", cancelled ?
	    "(stopped by the user)\n" : "", output != NULL ? output : ""));
}
