/* agent.c: the turn state machine: model call, tool calls, approvals. */
#include <malloc.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <git2.h>

#include "agentos.h"
#include "banned.h"

/*
 * A turn: the user's message goes to the model; while the model answers
 * with tool uses, each call is checked against the permission policy, asked
 * for when needed, snapshotted when it may change the worktree, and run; the
 * results go back to the model in one user message.  Calls are handled one
 * at a time, in the order the model gave them, so approvals read like a
 * conversation and a cancel leaves a well-formed conversation behind: every
 * tool use gets a result, run or not.
 */
enum agent_state {
	AGENT_IDLE,
	AGENT_MODEL,			/* a model call is in flight */
	AGENT_TOOLS,			/* tool calls wait or run */
};

struct agent {
	char			*root;
	char			*cwd;
	struct config		*cfg;
	int			 headless;
	const struct agent_ui	*ui;
	void			*arg;

	struct conv		 conv;
	char			*system;
	json_t			*tools;
	struct perm		*perm;
	struct tool_ctx		 ctx;
	struct snapshot_store	*snaps;
	char			*snaps_error;	/* why snaps is NULL */
	char			*session_id;
	struct session		*session;	/* NULL: unrecorded */
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

	/* The tool calls of the last assistant message. */
	struct tool_call	**calls;
	size_t			 ncalls, acalls;
	size_t			 next;		/* first not finished */
	struct tool_call	*waiting;	/* for approval */
	struct tool_call	*running;
	struct lsp_wait		*lsp_wait;	/* diagnostics after an edit */
	struct tool_call	*lsp_call;
	const char		*lsp_server;	/* its name (borrowed) */
	struct loop_timer	*step;
	int			 cancelling;

	/* Snapshots taken before agent changes, oldest first. */
	char			**snap_ids;
	size_t			 nsnap, asnap;

	struct agent_stats	 stats;
	int			 lsp_shutdown;
	int			 lsp_useful;	/* a server serves some file */
	int			 snaps_confirm;	/* refused until confirmed */
};

static void	agent_event(struct agent *, enum event_type, json_t *);
static void	agent_request(struct agent *);
static void	agent_end_turn(struct agent *, enum stop_reason,
		    const char *);
static void	agent_schedule_step(struct agent *);
static void	agent_step(void *);
static void	agent_tool_begin(struct agent *, struct tool_call *);
static void	agent_tool_run(struct agent *, struct tool_call *);
static void	agent_tool_done(struct tool_call *, void *);
static void	agent_tool_complete(struct agent *, struct tool_call *);
static int	agent_tool_lsp(struct agent *, struct tool_call *);
static void	agent_tool_repomodel(struct agent *, struct tool_call *);
static void	agent_tool_diagnostics(void *, const char *);
static void	agent_lsp_shutdown_done(void *);
static void	agent_repomodel_progress(void *, size_t, size_t);
static void	agent_repomodel_done(void *, const struct repomodel_stats *,
		    const char *);
static void	agent_repomodel_open(struct agent *);
static int	agent_lsp_useful(struct agent *);
static void	agent_open_snapshots(struct agent *, int);
static void	agent_tool_output(struct tool_call *, const char *, size_t,
		    void *);
static void	agent_tools_finish(struct agent *);
static void	agent_clear_calls(struct agent *);
static char	*agent_new_session_id(void);
static int	agent_open_session(struct agent *, char **);
static void	agent_take_user_seqs(struct agent *, struct session_state *);
static int	agent_adopt(struct agent *, struct session *, int, char **);

static void	agent_cb_text(void *, const char *, size_t);
static void	agent_cb_thinking(void *, const char *, size_t);
static void	agent_cb_tool_use_start(void *, const char *, const char *);
static void	agent_cb_retry(void *, int, long, const char *);
static void	agent_cb_done(void *, struct response *, const char *);

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
	},
	.retry = agent_cb_retry,
	.done = agent_cb_done,
};

/* A sortable, unique session id: 20261122-221459-<6 hex>. */
static char *
agent_new_session_id(void)
{
	time_t		now = time(NULL);
	struct tm	tm;
	char		ts[32];
	unsigned int	r;

	gmtime_r(&now, &tm);
	strftime(ts, sizeof ts, "%Y%m%d-%H%M%S", &tm);
	r = (unsigned int)(loop_now_ms() ^ (uint64_t)getpid() << 12 ^
	    (uint64_t)random());
	return (xasprintf("%s-%06x", ts, r & 0xffffff));
}

/*
 * (Re)open the snapshot store of the session.  Without one every mutating
 * tool is refused (fail closed), but reading and talking still work.  A
 * store refused only for want of confirmation (a home directory, a huge
 * tree) is remembered, so the front end can ask and call
 * agent_confirm_snapshots().
 */
static void
agent_open_snapshots(struct agent *a, int confirmed)
{
	struct snapshot_options	 opts;
	struct snapshot_store	*probe;
	struct watch		*w;
	char			*why = NULL, *desc = NULL, *why2 = NULL;

	if (a->snaps != NULL) {
		if (a->ctx.repomodel != NULL &&
		    (w = snapshot_watch(a->snaps)) != NULL)
			watch_unsubscribe(w, repomodel_watch_changed,
			    a->ctx.repomodel);
		snapshot_close(a->snaps);
	}
	free(a->snaps_error);
	a->snaps_error = NULL;
	a->snaps_confirm = 0;

	snapshot_options_init(&opts, a->cfg);
	if (confirmed)
		opts.flags |= SNAPSHOT_CONFIRMED;
	a->snaps = snapshot_open_opts(a->root, a->session_id, &opts, &why);
	if (a->snaps == NULL) {
		a->snaps_error = why;
		log_debug("snapshots unavailable: %s", why);
		if (!confirmed) {
			/* Would a confirmation do?  Only then ask for one. */
			opts.flags |= SNAPSHOT_CONFIRMED;
			probe = snapshot_open_opts(a->root, a->session_id,
			    &opts, &why2);
			if (probe != NULL) {
				snapshot_close(probe);
				a->snaps_confirm = 1;
			}
			free(why2);
		}
		return;
	}
	if (snapshot_pending(a->snaps, &desc)) {
		/*
		 * A killed rewind left the worktree between two states; the
		 * engine refuses snapshots until the user decides.
		 */
		a->snaps_error = xasprintf("an interrupted rewind must be "
		    "finished or rolled back first (%s): run 'agentos rewind "
		    "--continue' or 'agentos rewind --abort'", desc != NULL ?
		    desc : "restore journal present");
		free(desc);
	}
	if (a->ctx.repomodel != NULL && (w = snapshot_watch(a->snaps)) != NULL)
		watch_subscribe(w, repomodel_watch_changed, a->ctx.repomodel);
}

const char *
agent_snapshots_unconfirmed(struct agent *a)
{
	return (a->snaps_confirm ? a->snaps_error : NULL);
}

int
agent_confirm_snapshots(struct agent *a, char **cause)
{
	agent_open_snapshots(a, 1);
	if (a->snaps == NULL) {
		*cause = xstrdup(a->snaps_error);
		return (-1);
	}
	return (0);
}

struct agent *
agent_create(const char *root, const char *cwd, struct config *cfg,
    int headless, const struct agent_ui *ui, void *arg, char **cause)
{
	struct agent		*a = xcalloc(1, sizeof *a);

	a->root = xstrdup(root);
	a->cwd = xstrdup(cwd);
	a->cfg = cfg;
	a->headless = headless;
	a->ui = ui;
	a->arg = arg;
	conv_init(&a->conv);
	a->perm = perm_create(cfg->perm_mode);
	a->call_start = model_call_start;
	a->call_cancel = model_call_cancel;
	a->call_body = model_call_body;
	a->ctx.root = a->root;
	a->ctx.cfg = cfg;
	a->stats.started_ms = loop_now_ms();
	if (agent_open_session(a, cause) != 0) {
		agent_free(a);
		return (NULL);
	}

	/*
	 * Without a snapshot store every mutating tool is refused (fail
	 * closed), but reading and talking still work.
	 */
	agent_open_snapshots(a, 0);
	a->ctx.lsp = lsp_manager_create(root, cfg);
	a->lsp_useful = agent_lsp_useful(a);
	a->tools = tool_definitions_omit(cfg->perm_mode, a->lsp_useful ? 0 :
	    TOOL_LSP);
	agent_repomodel_open(a);
	a->system = prompt_system(root, cwd, a->ctx.repomodel, cfg);
	return (a);
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

/*
 * Open the session log: a new session, or with cfg->resume the one to
 * resume, whose conversation is rebuilt.  Only a failed resume is an
 * error; without a log the agent runs unrecorded.
 */
static int
agent_open_session(struct agent *a, char **cause)
{
	struct session_state	 st;
	char			*why = NULL;

	a->session = session_open(a->root, a->cfg->resume, &why);
	if (a->session == NULL) {
		if (a->cfg->resume != NULL) {
			*cause = why;
			return (-1);
		}
		log_debug("session log unavailable: %s", why);
		free(why);
		a->session_id = agent_new_session_id();
		return (0);
	}
	if (session_configure(a->session, a->cfg, &why) != 0) {
		log_debug("session log: %s", why);
		free(why);
	}
	a->session_id = xstrdup(session_id(a->session));
	if (a->cfg->resume == NULL)
		return (0);
	if (session_load(a->session, &a->conv, &st, cause) != 0)
		return (-1);
	agent_take_user_seqs(a, &st);
	a->resumed = 1;
	a->resume_interrupted = st.interrupted;
	a->stats.turns = st.turns;
	a->stats.requests = st.requests;
	a->stats.usage = st.usage;
	log_debug("resumed session %s: %zu messages, %d turns, interrupted "
	    "%d, %d tool calls reported as interrupted", a->session_id,
	    a->conv.nr, st.turns, st.interrupted, st.interrupted_tools);
	session_state_release(&st);
	return (0);
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
	size_t	i;

	if (a == NULL)
		return;
	a->ui = &agent_quiet_ui;
	agent_cancel(a);
	loop_timer_cancel(a->step);
	agent_clear_calls(a);
	free(a->calls);
	if (a->ctx.repomodel != NULL) {
		if (a->snaps != NULL && snapshot_watch(a->snaps) != NULL)
			watch_unsubscribe(snapshot_watch(a->snaps),
			    repomodel_watch_changed, a->ctx.repomodel);
		repomodel_close(a->ctx.repomodel);
	}
	if (a->snaps != NULL)
		snapshot_close(a->snaps);
	if (a->ctx.lsp != NULL) {
		/*
		 * Shut the servers down properly: no process outlives us.  The
		 * front end may be gone: it hears nothing more.
		 */
		lsp_set_change_cb(a->ctx.lsp, NULL, NULL);
		a->lsp_shutdown = 0;
		lsp_manager_shutdown(a->ctx.lsp, agent_lsp_shutdown_done, a);
		while (!a->lsp_shutdown && loop_run() == 0)
			;
		lsp_manager_free(a->ctx.lsp);
	}
	for (i = 0; i < a->nsnap; i++)
		free(a->snap_ids[i]);
	free(a->snap_ids);
	session_close(a->session);
	free(a->user_seqs);
	perm_free(a->perm);
	json_decref(a->tools);
	conv_release(&a->conv);
	free(a->system);
	free(a->snaps_error);
	free(a->session_id);
	free(a->root);
	free(a->cwd);
	free(a);
}

/* Record an event (stolen reference) and show it to the front end. */
static void
agent_event(struct agent *a, enum event_type type, json_t *data)
{
	char	*text;
	int64_t	 seq = -1;

	/* Write-ahead: committed before the front end sees it. */
	if (a->session != NULL)
		seq = session_append(a->session, type, data);
	if (seq > 0 && type == EV_USER) {
		ALLOC_GROW(a->user_seqs, a->nuser_seqs + 1, a->auser_seqs);
		a->user_seqs[a->nuser_seqs++] = seq;
	}
	if (a->session != NULL && seq < 0 && !a->log_warned) {
		a->log_warned = 1;
		text = xasprintf("The session log failed (%s); the session goes "
		    "on unrecorded.", session_failed(a->session));
		a->ui->notice(a->arg, text);
		free(text);
	}
	if (a->ui->event != NULL)
		a->ui->event(a->arg, type, data);
	json_decref(data);
}

int
agent_submit(struct agent *a, const char *text, char **cause)
{
	struct message	*m;

	if (a->state != AGENT_IDLE) {
		*cause = xstrdup("busy: wait for the turn to end or press Esc");
		return (-1);
	}
	/*
	 * After a cancelled request the last message is the user's: add to
	 * it, so roles keep alternating as the APIs require.
	 */
	if (a->conv.nr > 0 && a->conv.msgs[a->conv.nr - 1].role == ROLE_USER)
		m = &a->conv.msgs[a->conv.nr - 1];
	else
		m = conv_add(&a->conv, ROLE_USER);
	message_add_text(m, text);
	a->stats.turns++;
	/*
	 * The map is re-ranked toward what this message mentions, once per
	 * user turn: the requests of the turn's tool loop keep one system
	 * prompt, so the provider's prompt cache holds across them.
	 */
	if (a->ctx.repomodel != NULL) {
		repomodel_note_mentions(a->ctx.repomodel, text);
		free(a->system);
		a->system = prompt_system(a->root, a->cwd, a->ctx.repomodel,
		    a->cfg);
	}
	agent_event(a, EV_USER, event_pack(EV_USER, "{s:s}", "text", text));
	agent_request(a);
	return (0);
}

/* Start the model call for the conversation as it stands. */
static void
agent_request(struct agent *a)
{
	struct model_request	 req;
	const char		*body;
	char			*cause = NULL, *hash;
	json_t			*ev;

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
	a->state = AGENT_MODEL;
	a->call_started_ms = loop_now_ms();
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

static void
agent_cb_retry(void *arg, int attempt, long delay_ms, const char *reason)
{
	struct agent	*a = arg;
	char		*text;

	if (a->ui->stream_reset != NULL)
		a->ui->stream_reset(a->arg);
	text = xasprintf("%s; retrying in %.1f s (attempt %d of %d)", reason,
	    delay_ms / 1000.0, attempt + 1, a->cfg->max_retries + 1);
	a->ui->notice(a->arg, text);
	free(text);
	agent_event(a, EV_RETRY, event_pack(EV_RETRY, "{s:i,s:I,s:s}",
	    "attempt", attempt, "delay_ms", (json_int_t)delay_ms, "reason",
	    reason));
}

/* The model call ended: keep the response, then run its tool calls. */
static void
agent_cb_done(void *arg, struct response *resp, const char *error)
{
	struct agent	*a = arg;
	struct message	*m;
	struct block	*b;
	struct tool_call *tc;
	json_t		*ev;
	size_t		 i;

	a->mc = NULL;
	if (error != NULL) {
		if (a->ui->stream_reset != NULL)
			a->ui->stream_reset(a->arg);
		agent_end_turn(a, STOP_NONE, error);
		return;
	}
	a->stats.usage.input_tokens += resp->usage.input_tokens;
	a->stats.usage.output_tokens += resp->usage.output_tokens;
	a->stats.usage.cache_read_tokens += resp->usage.cache_read_tokens;
	a->stats.usage.cache_write_tokens += resp->usage.cache_write_tokens;

	ev = event_pack(EV_RESPONSE, "{s:o,s:s,s:{s:I,s:I,s:I,s:I},s:I,s:I}",
	    "message", conv_message_to_json(&resp->msg),
	    "stop_reason", stop_reason_name(resp->stop),
	    "usage",
	    "input_tokens", (json_int_t)resp->usage.input_tokens,
	    "output_tokens", (json_int_t)resp->usage.output_tokens,
	    "cache_read_tokens", (json_int_t)resp->usage.cache_read_tokens,
	    "cache_write_tokens", (json_int_t)resp->usage.cache_write_tokens,
	    "first_token_ms", (json_int_t)resp->first_token_ms,
	    "total_ms", (json_int_t)(loop_now_ms() - a->call_started_ms));
	agent_event(a, EV_RESPONSE, ev);

	/* An empty answer is kept out: the APIs refuse empty messages. */
	if (resp->msg.nr == 0) {
		a->ui->assistant_done(a->arg, &resp->msg, &resp->usage);
		agent_end_turn(a, resp->stop, NULL);
		return;
	}
	m = conv_add(&a->conv, ROLE_ASSISTANT);
	message_move_blocks(m, &resp->msg);
	a->ui->assistant_done(a->arg, m, &resp->usage);

	agent_clear_calls(a);
	for (i = 0; i < m->nr; i++) {
		b = &m->blocks[i];
		if (b->type != BLOCK_TOOL_USE)
			continue;
		tc = tool_call_create(b->id, b->name, b->input, &a->ctx);
		tc->done = agent_tool_done;
		tc->done_arg = a;
		tc->output = agent_tool_output;
		tc->output_arg = a;
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
	a->waiting = a->running = NULL;
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
	if (a->state != AGENT_TOOLS || a->waiting != NULL ||
	    a->running != NULL || a->lsp_wait != NULL)
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
	agent_tool_begin(a, a->calls[a->next]);
}

/* Decide how to handle one call: run, refuse, or ask the user. */
static void
agent_tool_begin(struct agent *a, struct tool_call *tc)
{
	struct buf		 preview = BUF_INIT;
	enum perm_decision	 d;
	const char		*raw;
	char			*why = NULL, *by;

	raw = json_string_value(json_object_get(tc->input,
	    PROVIDER_INVALID_JSON));
	if (raw != NULL) {
		/* The model's arguments did not parse: say so, run nothing. */
		tool_result_setf(tc, 1, "Not run: the arguments of this %s call "
		    "are not a valid JSON object (%.200s%s). Send the call "
		    "again with valid JSON arguments.", tc->name, raw,
		    strlen(raw) > 200 ? "..." : "");
		tool_call_finish(tc);
		return;
	}
	if (tc->tool == NULL) {
		/* tool_call_start gives the error result naming the tools. */
		agent_tool_run(a, tc);
		return;
	}
	d = perm_check(a->perm, tc->tool, tc->input, &why);
	switch (d) {
	case PERM_ALLOW:
		by = xasprintf("mode:%s", perm_mode_name(
		    perm_get_mode(a->perm)));
		agent_event(a, EV_APPROVAL, event_pack(EV_APPROVAL,
		    "{s:s,s:s,s:s}", "id", tc->id, "decision", "allow", "by",
		    by));
		free(by);
		agent_tool_run(a, tc);
		break;
	case PERM_DENY:
		agent_event(a, EV_APPROVAL, event_pack(EV_APPROVAL,
		    "{s:s,s:s,s:s}", "id", tc->id, "decision", "deny", "by",
		    "rule"));
		tool_result_setf(tc, 1, "Not run: %s", why != NULL ? why :
		    "not allowed in this permission mode");
		tool_call_finish(tc);
		break;
	case PERM_ASK_USER:
		if (a->headless) {
			agent_event(a, EV_APPROVAL, event_pack(EV_APPROVAL,
			    "{s:s,s:s,s:s}", "id", tc->id, "decision", "deny",
			    "by", "headless"));
			tool_result_setf(tc, 1, "Not run: %s needs the user's "
			    "approval in permission mode %s, and agentos runs "
			    "headless (-p), where nobody can approve. Do the "
			    "task without it, or stop and say what you need; "
			    "the user can re-run with --permission-mode "
			    "accept-edits or bypass.", tc->tool->name,
			    perm_mode_name(perm_get_mode(a->perm)));
			tool_call_finish(tc);
			break;
		}
		if (tc->tool->preview != NULL &&
		    tc->tool->preview(&a->ctx, tc->input, &preview, &why) != 0) {
			/* It cannot succeed: no need to ask. */
			tool_result_setf(tc, 1, "%s", why);
			tool_call_finish(tc);
			break;
		}
		a->waiting = tc;
		a->ui->approval(a->arg, tc, preview.buf);
		break;
	}
	buf_release(&preview);
	free(why);
}

void
agent_decide(struct agent *a, struct tool_call *tc, enum approval ans,
    const char *note)
{
	static const char *names[] = {
		[APPROVE_ONCE] = "approve_once",
		[APPROVE_ALWAYS] = "approve_always",
		[APPROVE_REJECT] = "reject",
	};
	json_t	*ev;

	if (tc == NULL || tc != a->waiting)
		return;
	a->waiting = NULL;
	ev = event_pack(EV_APPROVAL, "{s:s,s:s,s:s}", "id", tc->id,
	    "decision", names[ans], "by", "user");
	if (note != NULL && *note != '\0')
		json_object_set_new(ev, "note", json_string(note));
	agent_event(a, EV_APPROVAL, ev);

	switch (ans) {
	case APPROVE_ALWAYS:
		perm_allow_always(a->perm, tc->tool, tc->input);
		/* FALLTHROUGH */
	case APPROVE_ONCE:
		agent_tool_run(a, tc);
		break;
	case APPROVE_REJECT:
		if (note != NULL && *note != '\0')
			tool_result_setf(tc, 1, "The user rejected this %s "
			    "call. Their note: %s", tc->name, note);
		else
			tool_result_setf(tc, 1, "The user rejected this %s "
			    "call. Ask what they want instead.", tc->name);
		tool_call_finish(tc);
		break;
	}
}

/* Snapshot if the call may change the worktree, then start it. */
static void
agent_tool_run(struct agent *a, struct tool_call *tc)
{
	const char	*paths[1], *p;
	char		*id = NULL, *cause = NULL, *summary, *commit;
	size_t		 npaths = 0;

	if (tc->tool != NULL && (tc->tool->flags & TOOL_READONLY) == 0) {
		summary = tool_call_summary(tc);
		if ((p = json_string_value(json_object_get(tc->input,
		    "path"))) != NULL)
			paths[npaths++] = p;
		if (a->snaps == NULL) {
			tool_result_setf(tc, 1, "Not run: agentos cannot take "
			    "snapshots here (%s), and it makes no change it "
			    "could not undo.", a->snaps_error);
			free(summary);
			tool_call_finish(tc);
			return;
		}
		if (snapshot_take(a->snaps, summary, tc->name,
		    a->stats.turns, paths, npaths, &id, &cause) != 0) {
			tool_result_setf(tc, 1, "Not run: the snapshot before "
			    "this change failed, so it could not be undone: %s",
			    cause);
			a->ui->notice(a->arg, tc->result.buf);
			free(cause);
			free(summary);
			tool_call_finish(tc);
			return;
		}
		ALLOC_GROW(a->snap_ids, a->nsnap + 1, a->asnap);
		a->snap_ids[a->nsnap++] = xstrdup(id);
		tc->snapshot_id = id;
		/* The commit id stays valid whatever happens to the numbering. */
		commit = snapshot_resolve(a->snaps, NULL, id, &cause);
		free(cause);
		cause = NULL;
		agent_event(a, EV_SNAPSHOT, event_pack(EV_SNAPSHOT,
		    "{s:s,s:s?,s:s,s:s}", "id", id, "commit", commit, "action",
		    summary, "tool_use_id", tc->id));
		free(commit);
		if (a->ui->snapshot != NULL)
			a->ui->snapshot(a->arg, id, summary);
		free(summary);
	}
	agent_event(a, EV_TOOL_START, event_pack(EV_TOOL_START, "{s:s}", "id",
	    tc->id));
	a->running = tc;
	if (a->ui->tool_started != NULL)
		a->ui->tool_started(a->arg, tc);
	tool_call_start(tc);
}

/* Output of a running command: for display only. */
static void
agent_tool_output(struct tool_call *tc, const char *data, size_t len,
    void *arg)
{
	struct agent	*a = arg;

	if (a->ui->tool_output != NULL)
		a->ui->tool_output(a->arg, tc, data, len);
}

/* A tool call finished (from its tool, perhaps synchronously). */
static void
agent_tool_done(struct tool_call *tc, void *arg)
{
	struct agent	*a = arg;
	char		*cause = NULL;

	if (a->running == tc)
		a->running = NULL;
	/*
	 * What the call changed is the agent's doing: only later changes
	 * count as the user's hand edits when a rewind would overwrite them.
	 */
	if (tc->snapshot_id != NULL && a->snaps != NULL &&
	    snapshot_done(a->snaps, &cause) != 0) {
		log_debug("snapshot_done: %s", cause);
		free(cause);
	}
	agent_tool_repomodel(a, tc);
	if (agent_tool_lsp(a, tc))
		return;		/* diagnostics first */
	agent_tool_complete(a, tc);
}

/*
 * Whether a language server on PATH handles any file git tracks here: only
 * then are the lsp_* tools offered (their definitions cost every request).
 * Reads the index's paths, not the files: a few ms on 100,000 files.
 */
static int
agent_lsp_useful(struct agent *a)
{
	git_repository		*repo = NULL;
	git_index		*index = NULL;
	const git_index_entry	*e;
	const char		*dot, *seen[64];
	char			*probe;
	size_t			 i, j, n, nseen = 0;
	int			 useful = 0;

	if (a->ctx.lsp == NULL || git_repository_open(&repo, a->root) != 0)
		return (0);
	if (git_repository_index(&index, repo) != 0)
		goto out;
	n = git_index_entrycount(index);
	for (i = 0; i < n && !useful && nseen < 64; i++) {
		e = git_index_get_byindex(index, i);
		if ((dot = strrchr(e->path, '.')) == NULL ||
		    strchr(dot, '/') != NULL)
			continue;
		for (j = 0; j < nseen; j++) {
			if (strcmp(seen[j], dot) == 0)
				break;
		}
		if (j < nseen)
			continue;
		seen[nseen++] = dot;
		probe = xasprintf("%s/%s", a->root, e->path);
		useful = lsp_server_for(a->ctx.lsp, probe) != NULL;
		free(probe);
	}
out:
	git_index_free(index);
	git_repository_free(repo);
	return (useful);
}

/* Re-parse what a call wrote, so the next lookup sees it. */
static void
agent_tool_repomodel(struct agent *a, struct tool_call *tc)
{
	char	*cause = NULL, *text;
	size_t	 i;

	if (a->ctx.repomodel == NULL)
		return;
	for (i = 0; i < tc->npaths; i++) {
		if (repomodel_file_changed(a->ctx.repomodel, tc->paths[i],
		    &cause) != 0) {
			log_debug("repomodel: %s: %s", tc->paths[i], cause);
			free(cause);
			cause = NULL;
		}
	}
	/*
	 * What the agent reads and searches for is what the conversation is
	 * about: personalise the next map toward it.  (Commands write without
	 * saying what; the watcher catches those.)
	 */
	if ((text = json_dumps(tc->input, JSON_COMPACT)) != NULL) {
		repomodel_note_mentions(a->ctx.repomodel, text);
		free(text);
	}
}

/*
 * Open the repository model and build it off the loop.  Without it the
 * agent still works: the lookup tools say the model is unavailable.
 */
static void
agent_repomodel_open(struct agent *a)
{
	struct repomodel_config	 rc;
	struct watch		*w;
	char			*cause = NULL;

	repomodel_config_default(&rc);
	if (a->cfg->map_tokens > 0)
		rc.map_tokens = a->cfg->map_tokens;
	a->ctx.repomodel = repomodel_open(a->root, &rc, &cause);
	if (a->ctx.repomodel == NULL) {
		log_debug("repository model unavailable: %s", cause);
		free(cause);
		return;
	}
	if (a->snaps != NULL && (w = snapshot_watch(a->snaps)) != NULL)
		watch_subscribe(w, repomodel_watch_changed, a->ctx.repomodel);
	if (a->headless) {
		/* One run, one prompt: build now so the map is in it. */
		if (repomodel_build(a->ctx.repomodel, NULL, &cause) != 0) {
			log_debug("repository model: %s", cause);
			free(cause);
		}
		malloc_trim(0);
		return;
	}
	if (repomodel_build_async(a->ctx.repomodel, agent_repomodel_progress,
	    agent_repomodel_done, a, &cause) != 0) {
		log_debug("repository model: %s", cause);
		free(cause);
	}
}

static void
agent_repomodel_progress(void *arg, size_t done, size_t total)
{
	struct agent	*a = arg;

	if (a->ui->progress != NULL)
		a->ui->progress(a->arg, "indexing", done, total);
}

static void
agent_repomodel_done(void *arg, const struct repomodel_stats *st,
    const char *error)
{
	struct agent	*a = arg;
	char		*text;

	if (a->ui->progress != NULL)
		a->ui->progress(a->arg, "indexing", 0, 0);
	if (error != NULL) {
		text = xasprintf("The repository model could not be built: %s",
		    error);
		a->ui->notice(a->arg, text);
		free(text);
		return;
	}
	/*
	 * The parser threads' malloc arenas hold freed parse trees: give the
	 * pages back, so an idle agentos stays small.
	 */
	malloc_trim(0);
	/* Between turns the map can join the prompt now. */
	if (a->state == AGENT_IDLE) {
		free(a->system);
		a->system = prompt_system(a->root, a->cwd, a->ctx.repomodel,
		    a->cfg);
	}
}

/*
 * Keep the language server in step with what the agent read or wrote; after
 * an edit wait (bounded) for the file's fresh diagnostics so the model sees
 * them in this result.  Returns 1 when it waits.
 */
static int
agent_tool_lsp(struct agent *a, struct tool_call *tc)
{
	struct buf	 content = BUF_INIT;
	const char	*p;
	char		*abs = NULL, *rel = NULL, *cause = NULL;
	int		 exists, waiting = 0;

	if (a->ctx.lsp == NULL || tc->tool == NULL || tc->is_error ||
	    tc->cancelled)
		return (0);
	if (tc->tool != &tool_read_file && (tc->tool->flags & TOOL_EDIT) == 0)
		return (0);
	if ((p = json_string_value(json_object_get(tc->input, "path"))) ==
	    NULL || path_resolve(a->root, p, &abs, &rel, &cause) != 0)
		goto out;
	if ((a->lsp_server = lsp_server_for(a->ctx.lsp, abs)) == NULL)
		goto out;
	if (tool_read_whole(abs, 16 * 1024 * 1024, &content, &exists,
	    &cause) != 0 || !exists)
		goto out;
	if (tc->tool == &tool_read_file)
		lsp_file_read(a->ctx.lsp, abs, content.buf, content.len);
	else {
		a->lsp_call = tc;
		a->lsp_wait = lsp_after_edit(a->ctx.lsp, abs, content.buf,
		    content.len, agent_tool_diagnostics, a);
		waiting = a->lsp_wait != NULL;
	}
out:
	free(cause);
	free(abs);
	free(rel);
	buf_release(&content);
	return (waiting);
}

/* Fresh diagnostics of an edited file: append them to the result. */
static void
agent_tool_diagnostics(void *arg, const char *text)
{
	struct agent	*a = arg;
	struct tool_call *tc = a->lsp_call;
	struct buf	 b = BUF_INIT;

	a->lsp_wait = NULL;
	a->lsp_call = NULL;
	if (text != NULL && *text != '\0') {
		buf_add(&b, tc->result.buf, tc->result.len);
		buf_addf(&b, "\n\nDiagnostics from %s after this edit:\n%s",
		    a->lsp_server, text);
		tool_result_set(tc, b.buf, b.len, tc->is_error);
		buf_release(&b);
	}
	agent_tool_complete(a, tc);
}

/* Record the result and go on with the next call. */
static void
agent_tool_complete(struct agent *a, struct tool_call *tc)
{
	json_t	*ev;

	ev = event_pack(EV_TOOL_RESULT, "{s:s,s:s,s:b,s:i,s:I,s:I,s:b}",
	    "id", tc->id, "content", tc->result.buf, "is_error", tc->is_error,
	    "exit_status", tc->exit_status,
	    "duration_ms", (json_int_t)tc->duration_ms,
	    "bytes", (json_int_t)tc->result.len,
	    "truncated", tc->result.truncated);
	agent_event(a, EV_TOOL_RESULT, ev);
	if (a->ui->tool_finished != NULL)
		a->ui->tool_finished(a->arg, tc);
	a->next++;
	agent_schedule_step(a);
}

static void
agent_lsp_shutdown_done(void *arg)
{
	struct agent	*a = arg;

	a->lsp_shutdown = 1;
	loop_exit();
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
	struct tool_call	*tc;

	switch (a->state) {
	case AGENT_IDLE:
		break;
	case AGENT_MODEL:
		if (a->mc != NULL)
			a->call_cancel(a->mc);
		a->mc = NULL;
		if (a->ui->stream_reset != NULL)
			a->ui->stream_reset(a->arg);
		agent_end_turn(a, STOP_NONE, "cancelled by the user");
		break;
	case AGENT_TOOLS:
		if (a->cancelling)
			break;
		a->cancelling = 1;
		if ((tc = a->waiting) != NULL) {
			a->waiting = NULL;
			tool_result_setf(tc, 1, "Not run: the user cancelled "
			    "the turn instead of answering the approval.");
			tool_call_finish(tc);
		} else if ((tc = a->running) != NULL)
			tool_call_cancel(tc);
		else if (a->lsp_wait != NULL) {
			tc = a->lsp_call;
			lsp_wait_cancel(a->lsp_wait);
			a->lsp_wait = NULL;
			a->lsp_call = NULL;
			agent_tool_complete(a, tc);
		} else
			agent_schedule_step(a);
		break;
	}
}

int
agent_busy(struct agent *a)
{
	return (a->state != AGENT_IDLE);
}

int
agent_rewind(struct agent *a, const char *id, int flags, char **msg,
    char **cause)
{
	struct snapshot_plan	 plan;
	int			 rc;

	*msg = NULL;
	if (a->state != AGENT_IDLE) {
		*cause = xstrdup("busy: press Esc to stop the turn first");
		return (-1);
	}
	if (a->snaps == NULL) {
		*cause = xstrdup(a->snaps_error);
		return (-1);
	}
	memset(&plan, 0, sizeof plan);
	if (id != NULL)
		rc = snapshot_restore_ext(a->snaps, id, flags, &plan, cause);
	else
		rc = snapshot_rewind_last(a->snaps, flags, &plan, cause);
	if (rc == 0) {
		*msg = xasprintf("Restored %s: %zu file%s written, %zu "
		    "removed.%s%s%s", id != NULL ? id : "the files to before "
		    "the last agent change", plan.nwrite, plan.nwrite == 1 ?
		    "" : "s", plan.nremove, plan.before != NULL ?
		    " Undo with: agentos rewind " : "", plan.before != NULL ?
		    plan.before : "", plan.before != NULL ? "" : "");
		agent_event(a, EV_REWIND, event_pack(EV_REWIND, "{s:s,s:s?}",
		    "snapshot", plan.target != NULL ? plan.target : "",
		    "before", plan.before));
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

struct lsp_manager *
agent_lsp(struct agent *a)
{
	return (a->ctx.lsp);
}

void
agent_set_mode(struct agent *a, enum perm_mode mode)
{
	perm_set_mode(a->perm, mode);
	json_decref(a->tools);
	a->tools = tool_definitions_omit(mode, a->lsp_useful ? 0 : TOOL_LSP);
}

struct snapshot_store *
agent_snapshots(struct agent *a)
{
	return (a->snaps);
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
	return (a->session_id);
}

const char *const *
agent_snapshot_ids(struct agent *a, size_t *n)
{
	*n = a->nsnap;
	return ((const char *const *)a->snap_ids);
}

struct session *
agent_session(struct agent *a)
{
	return (a->session);
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
		*cause = xstrdup("busy: wait for the turn to end or press Esc");
		return (-1);
	}
	if (a->conv.nr == 0 || a->conv.msgs[a->conv.nr - 1].role != ROLE_USER) {
		*cause = xstrdup("nothing to continue: the model has answered");
		return (-1);
	}
	a->resume_interrupted = 0;
	agent_request(a);
	return (0);
}

/*
 * Go on in session f (taken; NULL: unrecorded, under a fresh id): load its
 * conversation (when load is set), then drop the old session and reopen the
 * snapshot store under the new id.  Nothing changes on failure.
 */
static int
agent_adopt(struct agent *a, struct session *f, int load, char **cause)
{
	struct session_state	 st;
	struct conv		 conv;
	size_t			 i;

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
	agent_take_user_seqs(a, &st);
	a->stats.turns = st.turns;
	a->stats.requests = st.requests;
	a->stats.usage = st.usage;
	a->resumed = load;
	a->resume_interrupted = st.interrupted;
	session_state_release(&st);
	session_close(a->session);
	a->session = f;
	a->log_warned = 0;
	free(a->session_id);
	a->session_id = f != NULL ? xstrdup(session_id(f)) :
	    agent_new_session_id();

	/* The new session's snapshots go under its own id. */
	agent_open_snapshots(a, 0);
	for (i = 0; i < a->nsnap; i++)
		free(a->snap_ids[i]);
	a->nsnap = 0;
	return (0);
}

int
agent_fork(struct agent *a, int turn, char **cause)
{
	struct session		*f;

	if (a->state != AGENT_IDLE) {
		*cause = xstrdup("busy: press Esc to stop the turn first");
		return (-1);
	}
	if (a->session == NULL) {
		*cause = xstrdup("this session is not recorded: nothing to "
		    "fork from");
		return (-1);
	}
	if (turn < 0 || (size_t)turn > a->nuser_seqs) {
		*cause = xasprintf("no turn %d in this session (it has %zu)",
		    turn, a->nuser_seqs);
		return (-1);
	}
	f = session_fork(a->session, turn == 0 ? -1 :
	    a->user_seqs[turn - 1] - 1, cause);
	if (f == NULL)
		return (-1);
	if (agent_adopt(a, f, 1, cause) != 0)
		return (-1);
	/* A fork is a new session, not a resumed one. */
	a->resumed = 0;
	a->resume_interrupted = 0;
	log_debug("forked session %s at turn %d", a->session_id, turn);
	return (0);
}

int
agent_switch(struct agent *a, const char *id, char **cause)
{
	struct session	*s;
	char		*why = NULL;

	if (a->state != AGENT_IDLE) {
		*cause = xstrdup("busy: press Esc to stop the turn first");
		return (-1);
	}
	if ((s = session_open(a->root, id, &why)) == NULL) {
		if (id != NULL) {
			*cause = why;
			return (-1);
		}
		log_debug("session log unavailable: %s", why);
		free(why);
	} else if (session_configure(s, a->cfg, &why) != 0) {
		log_debug("session log: %s", why);
		free(why);
	}
	if (s != NULL && a->session != NULL &&
	    strcmp(session_id(s), a->session_id) == 0) {
		session_close(s);
		*cause = xasprintf("already in session %s", a->session_id);
		return (-1);
	}
	if (agent_adopt(a, s, id != NULL, cause) != 0)
		return (-1);
	log_debug("switched to %s session %s", id != NULL ? "resumed" : "new",
	    a->session_id);
	return (0);
}

void
agent_set_model_hooks(struct agent *a, agent_call_start_fn start,
    agent_call_cancel_fn cancel, agent_call_body_fn body)
{
	a->call_start = start != NULL ? start : model_call_start;
	a->call_cancel = cancel != NULL ? cancel : model_call_cancel;
	a->call_body = body != NULL ? body : model_call_body;
}
