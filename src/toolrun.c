/* toolrun.c: the stages of a tool call, and the pipeline that runs them. */
#include <stdlib.h>
#include <string.h>

#include "agentos.h"
#include "hook.h"
#include "lsp.h"
#include "options.h"
#include "repomodel.h"
#include "sandbox.h"
#include "secret.h"
#include "session.h"
#include "toolrun.h"
#include "workspace.h"
#include "policy.h"
#include "banned.h"

struct toolrun {
	struct workspace	*ws;
	struct perm		*perm;
	int			 headless;
	const struct toolrun_cb	*cb;
	void			*arg;
	const struct agent_ui	*ui;
	void			*ui_arg;

	/* The call in the pipeline, and where it is. */
	struct tool_call	*tc;
	int			 turn;
	size_t			 i;		/* the stage running */
	size_t			 begun;		/* stages 0..begun-1 said GO */
	int			 ending;	/* running the ends */
	int			 waiting;	/* stage i said WAIT */
	int			 depth;		/* inside a stage's function */
	int			 resumed;	/* resumed from inside it */
	enum toolrun_rc		 resume_rc;

	/* Stage state of the call. */
	int			 ask;		/* policy: the user decides */
	int			 unconfined;	/* sandbox: asked because
						   nothing is enforced */
	int			 approving;	/* approve: asked, waiting */
	char			*protect;	/* policy: the protected path
						   asked about, or NULL */
	char			*ask_why;	/* policy: why asked, or NULL */
	struct lsp_wait		*lsp_wait;	/* lsp: diagnostics */
	int			 rerun_asking;	/* rerun: offered, waiting */
	enum rerun		 rerun_how;	/* rerun: running again so */
	int			 rerunning;
	struct tool_ctx		 rerun_ctx;	/* rerun: the call's ctx with
						   another sandbox */
	struct tool_ctx		*rerun_saved;	/* the call's own ctx */
	struct sandbox		*rerun_sb;	/* with network, or NULL */
	const char		*lsp_server;	/* its name (borrowed) */
	int			 ask_rule;	/* policy: asked by a rule */
	struct hook_run		*hook;		/* hook: Pre/PostToolUse */
	struct hook_run		*notify;	/* Notification, not waited
						   for */
};

static void	toolrun_run(struct toolrun *);
static void	toolrun_advance(struct toolrun *, enum toolrun_rc);
static void	toolrun_over(struct toolrun *);
static void	toolrun_event(struct toolrun *, enum event_type, json_t *);
static void	toolrun_approval(struct toolrun *, struct tool_call *,
		    const char *, const char *);
static void	toolrun_exec_done(struct tool_call *, void *);
static void	toolrun_exec_output(struct tool_call *, const char *, size_t,
		    void *);
static void	toolrun_lsp_diagnostics(void *, const char *);

static enum toolrun_rc toolrun_record_end(struct toolrun *,
		    struct tool_call *);
static enum toolrun_rc toolrun_model_end(struct toolrun *, struct tool_call *);
static enum toolrun_rc toolrun_validate_begin(struct toolrun *,
		    struct tool_call *);
static enum toolrun_rc toolrun_policy_begin(struct toolrun *,
		    struct tool_call *);
static enum toolrun_rc toolrun_sandbox_begin(struct toolrun *,
		    struct tool_call *);
static enum toolrun_rc toolrun_mode_begin(struct toolrun *,
		    struct tool_call *);
static enum toolrun_rc toolrun_approve_begin(struct toolrun *,
		    struct tool_call *);
static void	toolrun_approve_cancel(struct toolrun *, struct tool_call *);
static enum toolrun_rc toolrun_hook_begin(struct toolrun *,
		    struct tool_call *);
static enum toolrun_rc toolrun_hook_end(struct toolrun *, struct tool_call *);
static void	toolrun_hook_cancel(struct toolrun *, struct tool_call *);
static enum toolrun_rc toolrun_budget_begin(struct toolrun *,
		    struct tool_call *);
static void	toolrun_budget_cancel(struct toolrun *, struct tool_call *);
static enum toolrun_rc toolrun_lsp_end(struct toolrun *, struct tool_call *);
static void	toolrun_lsp_cancel(struct toolrun *, struct tool_call *);
static enum toolrun_rc toolrun_snapshot_begin(struct toolrun *,
		    struct tool_call *);
static enum toolrun_rc toolrun_snapshot_end(struct toolrun *,
		    struct tool_call *);
static enum toolrun_rc toolrun_exec_begin(struct toolrun *,
		    struct tool_call *);
static void	toolrun_exec_cancel(struct toolrun *, struct tool_call *);
static enum toolrun_rc toolrun_rerun_end(struct toolrun *,
		    struct tool_call *);
static void	toolrun_rerun_cancel(struct toolrun *, struct tool_call *);
static void	toolrun_rerun_done(struct tool_call *, void *);

/*
 * The stages, outermost first: begins run top to bottom, ends bottom to
 * top.  record is first so that it ends last, once every other stage has
 * had its say about the result; model ends for every call, run or not, so
 * the map hears what each call was about.
 */
const struct toolrun_stage toolrun_stages[] = {
	{ .name = "record", .end = toolrun_record_end },
	{ .name = "model", .end = toolrun_model_end },
	{ .name = "validate", .begin = toolrun_validate_begin },
	{ .name = "policy", .begin = toolrun_policy_begin },
	{ .name = "sandbox", .begin = toolrun_sandbox_begin },
	{ .name = "mode", .begin = toolrun_mode_begin },
	{ .name = "hook", .begin = toolrun_hook_begin,
	  .end = toolrun_hook_end, .cancel = toolrun_hook_cancel },
	{ .name = "approve", .begin = toolrun_approve_begin,
	  .cancel = toolrun_approve_cancel },
	{ .name = "budget", .begin = toolrun_budget_begin,
	  .cancel = toolrun_budget_cancel },
	{ .name = "lsp", .end = toolrun_lsp_end, .cancel = toolrun_lsp_cancel },
	{ .name = "snapshot", .begin = toolrun_snapshot_begin,
	  .end = toolrun_snapshot_end },
	{ .name = "rerun", .end = toolrun_rerun_end,
	  .cancel = toolrun_rerun_cancel },
	{ .name = "exec", .begin = toolrun_exec_begin,
	  .cancel = toolrun_exec_cancel },
	{ .name = NULL }
};

/* Nothing to hear: for a pipeline without a front end. */
static const struct agent_ui toolrun_quiet_ui;

struct toolrun *
toolrun_create(struct workspace *ws, struct perm *perm, int headless,
    const struct toolrun_cb *cb, void *arg)
{
	struct toolrun	*tr = xcalloc(1, sizeof *tr);

	tr->ws = ws;
	tr->perm = perm;
	tr->headless = headless;
	tr->cb = cb;
	tr->arg = arg;
	tr->ui = &toolrun_quiet_ui;
	return (tr);
}

void
toolrun_free(struct toolrun *tr)
{
	if (tr == NULL)
		return;
	/* A rerun (toolrun_rerun): the call's own ctx back. */
	if (tr->rerunning && tr->tc != NULL) {
		tr->tc->ctx = tr->rerun_saved;
		if (tr->tc->done == toolrun_rerun_done)
			tr->tc->done = NULL;
	}
	sandbox_free(tr->rerun_sb);

	if (tr->lsp_wait != NULL)
		lsp_wait_cancel(tr->lsp_wait);
	hook_run_free(tr->hook);
	hook_run_free(tr->notify);
	if (tr->tc != NULL && tr->tc->done == toolrun_exec_done)
		tr->tc->done = NULL;
	free(tr->protect);
	free(tr->ask_why);
	free(tr);
}

void
toolrun_set_ui(struct toolrun *tr, const struct agent_ui *ui, void *arg)
{
	tr->ui = ui != NULL ? ui : &toolrun_quiet_ui;
	tr->ui_arg = arg;
}

int
toolrun_busy(struct toolrun *tr)
{
	return (tr->tc != NULL);
}

void
toolrun_start(struct toolrun *tr, struct tool_call *tc, int turn)
{
	if (tr->tc != NULL)
		fatalx("toolrun_start: %s while %s is in the pipeline",
		    tc->id, tr->tc->id);
	tr->tc = tc;
	tr->turn = turn;
	tr->i = tr->begun = 0;
	tr->ending = tr->waiting = tr->resumed = 0;
	tr->ask = tr->approving = tr->unconfined = tr->ask_rule = 0;
	free(tr->protect);
	free(tr->ask_why);
	tr->protect = tr->ask_why = NULL;
	toolrun_run(tr);
}

/* Run stages until one waits or the call is over. */
static void
toolrun_run(struct toolrun *tr)
{
	const struct toolrun_stage	*st;
	enum toolrun_rc			(*fn)(struct toolrun *,
					    struct tool_call *);
	enum toolrun_rc			 rc;

	for (;;) {
		if (!tr->ending && toolrun_stages[tr->i].name == NULL) {
			tr->ending = 1;
			tr->i = tr->begun;
		}
		if (tr->ending && tr->i == 0) {
			toolrun_over(tr);
			return;
		}
		st = &toolrun_stages[tr->ending ? tr->i - 1 : tr->i];
		fn = tr->ending ? st->end : st->begin;
		rc = TOOLRUN_GO;
		if (fn != NULL) {
			tr->resumed = 0;
			tr->depth++;
			rc = fn(tr, tr->tc);
			tr->depth--;
			if (rc == TOOLRUN_WAIT && tr->resumed)
				rc = tr->resume_rc;
		}
		if (rc == TOOLRUN_WAIT) {
			tr->waiting = 1;
			return;
		}
		toolrun_advance(tr, rc);
	}
}

/* Move past the current stage after it said rc. */
static void
toolrun_advance(struct toolrun *tr, enum toolrun_rc rc)
{
	if (tr->ending) {
		tr->i--;
		return;
	}
	if (rc == TOOLRUN_GO) {
		tr->begun = ++tr->i;
		return;
	}
	/* Denied: unwind the stages that began. */
	tr->ending = 1;
	tr->i = tr->begun;
}

void
toolrun_resume(struct toolrun *tr, enum toolrun_rc rc)
{
	if (tr->tc == NULL)
		return;
	if (tr->depth > 0 && !tr->waiting) {
		/* From inside the stage: its WAIT is taken as rc. */
		tr->resumed = 1;
		tr->resume_rc = rc;
		return;
	}
	if (!tr->waiting)
		return;
	tr->waiting = 0;
	toolrun_advance(tr, rc);
	toolrun_run(tr);
}

/* Every stage is done with the call: hand it back. */
static void
toolrun_over(struct toolrun *tr)
{
	struct tool_call	*tc = tr->tc;

	tr->tc = NULL;
	tr->cb->finished(tr->arg, tc);
}

void
toolrun_cancel(struct toolrun *tr)
{
	const struct toolrun_stage	*st;

	if (tr->tc == NULL || !tr->waiting)
		return;
	st = &toolrun_stages[tr->ending ? tr->i - 1 : tr->i];
	if (st->cancel != NULL)
		st->cancel(tr, tr->tc);
}

/* Record an event (stolen reference). */
static void
toolrun_event(struct toolrun *tr, enum event_type type, json_t *data)
{
	tr->cb->event(tr->arg, type, data);
}

/* Record who decided (by) what (decision) about tc. */
static void
toolrun_approval(struct toolrun *tr, struct tool_call *tc,
    const char *decision, const char *by)
{
	toolrun_event(tr, EV_APPROVAL, event_pack(EV_APPROVAL,
	    "{s:s,s:s,s:s}", "id", tc->id, "decision", decision, "by", by));
}

/*
 * record: the result, in the log and on the screen.  Known secret values
 * (the provider key, secret-looking variables, the repository's .env
 * values) are redacted first: the conversation takes the result from here.
 */
static enum toolrun_rc
toolrun_record_end(struct toolrun *tr, struct tool_call *tc)
{
	struct secrets	 sec;
	size_t		 n;

	secrets_collect(&sec, workspace_config(tr->ws), workspace_root(tr->ws));
	if ((n = secrets_redact(&sec, &tc->result)) > 0)
		log_debug("tool %s: %zu secret value%s redacted", tc->name, n,
		    n == 1 ? "" : "s");
	secrets_release(&sec);
	toolrun_event(tr, EV_TOOL_RESULT, event_pack(EV_TOOL_RESULT,
	    "{s:s,s:s,s:b,s:i,s:I,s:I,s:b}", "id", tc->id,
	    "content", tc->result.buf, "is_error", tc->is_error,
	    "exit_status", tc->exit_status,
	    "duration_ms", (json_int_t)tc->duration_ms,
	    "bytes", (json_int_t)tc->result.len,
	    "truncated", tc->result.truncated));
	if (tr->ui->tool_finished != NULL)
		tr->ui->tool_finished(tr->ui_arg, tc);
	return (TOOLRUN_GO);
}

/* model: re-parse what the call wrote, so the next lookup sees it. */
static enum toolrun_rc
toolrun_model_end(struct toolrun *tr, struct tool_call *tc)
{
	struct repomodel	*rm = workspace_repomodel(tr->ws);
	char			*cause = NULL, *text;
	size_t			 i;

	if (rm == NULL)
		return (TOOLRUN_GO);
	for (i = 0; i < tc->npaths; i++) {
		if (repomodel_file_changed(rm, tc->paths[i], &cause) != 0) {
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
		repomodel_note_mentions(rm, text);
		free(text);
	}
	return (TOOLRUN_GO);
}

/* validate: a call that cannot run is not asked about nor snapshotted. */
static enum toolrun_rc
toolrun_validate_begin(struct toolrun *tr, struct tool_call *tc)
{
	const char	*raw;
	char		*cause = NULL;

	raw = conv_json_str(tc->input, PROVIDER_INVALID_JSON);
	if (raw != NULL) {
		/* The model's arguments did not parse: say so, run nothing. */
		tool_result_setf(tc, 1, "Not run: the arguments of this %s call "
		    "are not a valid JSON object (%.200s%s). Send the call "
		    "again with valid JSON arguments.", tc->name, raw,
		    strlen(raw) > 200 ? "..." : "");
		return (TOOLRUN_DENY);
	}
	if (json_object_get(tc->input, TOOL_ARGS_OVERSIZED) != NULL) {
		/* agent_cap_tool_args dropped them; see tool_args_max_bytes. */
		tool_result_setf(tc, 1, "Not run: the arguments of this %s "
		    "call were %" JSON_INTEGER_FORMAT " bytes of JSON, over "
		    "the cap of %" JSON_INTEGER_FORMAT " bytes (the "
		    "tool_args_max_bytes option), and were dropped. Send big "
		    "content in smaller pieces: write a first part, then add "
		    "the rest with further edit_file calls.", tc->name,
		    json_integer_value(json_object_get(tc->input,
		    TOOL_ARGS_OVERSIZED)), json_integer_value(
		    json_object_get(tc->input, TOOL_ARGS_CAP)));
		return (TOOLRUN_DENY);
	}
	if (tool_call_check(tc, &cause) != 0) {
		tool_result_set(tc, cause, strlen(cause), 1);
		free(cause);
		return (TOOLRUN_DENY);
	}
	return (TOOLRUN_GO);
}

/* policy: allowed, denied, or up to the user, by mode and rules. */
static enum toolrun_rc
toolrun_policy_begin(struct toolrun *tr, struct tool_call *tc)
{
	struct perm_verdict	 v;
	json_t			*ev;
	char			*by = NULL;
	const char		*decision = "ask";
	enum toolrun_rc		 rc = TOOLRUN_GO;

	perm_decide(tr->perm, tc->name, &tc->effects, &v);
	switch (v.d) {
	case PERM_ALLOW:
		decision = "allow";
		break;
	case PERM_DENY:
		decision = "deny";
		tool_result_setf(tc, 1, "Not run: %s", v.why != NULL ? v.why :
		    "not allowed in this permission mode");
		rc = TOOLRUN_DENY;
		break;
	case PERM_ASK_USER:
		tr->ask = 1;
		tr->ask_rule = v.rule != NULL;
		free(tr->protect);
		tr->protect = v.protect != NULL ? xstrdup(v.protect) : NULL;
		free(tr->ask_why);
		tr->ask_why = v.why != NULL ? xstrdup(v.why) : NULL;
		break;
	}
	/*
	 * Every decision is logged with what made it: a rule (and its
	 * file), a protected path, or the mode.
	 */
	if (v.rule != NULL)
		by = xstrdup("rule");
	else if (v.protect != NULL)
		by = xstrdup("protected");
	else
		by = xasprintf("mode:%s", perm_mode_name(
		    perm_get_mode(tr->perm)));
	if (v.d == PERM_ASK_USER && v.rule == NULL && v.protect == NULL) {
		/* The mode asks: the approve stage logs the answer. */
		free(by);
		perm_verdict_release(&v);
		return (rc);
	}
	ev = event_pack(EV_APPROVAL, "{s:s,s:s,s:s}", "id", tc->id,
	    "decision", decision, "by", by);
	if (v.rule != NULL)
		json_object_set_new(ev, "rule", json_string(v.rule));
	if (v.origin != NULL)
		json_object_set_new(ev, "rule_from", json_string(v.origin));
	if (v.protect != NULL)
		json_object_set_new(ev, "path", json_string(v.protect));
	toolrun_event(tr, EV_APPROVAL, ev);
	free(by);
	perm_verdict_release(&v);
	return (rc);
}

/* Why a command is asked about when its sandbox cannot be enforced. */
#define TOOLRUN_UNCONFINED	"no sandbox can be enforced here"

/*
 * sandbox: a command (EFFECT_EXEC) whose profile nothing can enforce is
 * asked about in every mode but bypass, even when the policy allowed it:
 * never run unconfined while claiming a sandbox (issue 12).
 */
static enum toolrun_rc
toolrun_sandbox_begin(struct toolrun *tr, struct tool_call *tc)
{
	if ((tc->effects.flags & EFFECT_EXEC) == 0 ||
	    perm_get_mode(tr->perm) == PERM_BYPASS ||
	    workspace_sandboxed(tr->ws))
		return (TOOLRUN_GO);
	tr->ask = tr->unconfined = 1;
	return (TOOLRUN_GO);
}

/*
 * mode: a call that would change the permission mode (EFFECT_MODE: leaving
 * plan mode with exit_plan_mode) is the user's decision, whatever the mode
 * and the rules allowed (issue 10).
 */
static enum toolrun_rc
toolrun_mode_begin(struct toolrun *tr, struct tool_call *tc)
{
	if (tc->effects.flags & EFFECT_MODE)
		tr->ask = 1;
	return (TOOLRUN_GO);
}

/* The hooks of ev for tc: the common spec (input borrowed). */
static struct hook_run *
toolrun_hook_run(struct toolrun *tr, const char *match, enum hook_event ev,
    json_t *input, hook_done_cb done)
{
	const struct config	*cfg = workspace_config(tr->ws);
	const struct options	*o = options_get(cfg);
	struct hook_spec	 spec;
	struct hook_run		*run;
	char			*db, *cause = NULL;

	if (!hook_any(o->hooks, ev, match))
		return (NULL);
	db = session_db_path(workspace_root(tr->ws), &cause);
	free(cause);
	memset(&spec, 0, sizeof spec);
	spec.hooks = o->hooks;
	spec.root = workspace_root(tr->ws);
	spec.keep_env = (const char *const *)o->sandbox.keep_env.v;
	spec.event = ev;
	spec.match = match;
	spec.session_id = workspace_session_id(tr->ws);
	spec.transcript_path = db;
	spec.input = input;
	if (ev != HOOK_NOTIFICATION) {
		/* Not waited for: it would hide what the bar says. */
		spec.running = tr->ui->hook;
		spec.running_arg = tr->ui_arg;
	}
	run = hook_run(&spec, done, tr);
	free(db);
	return (run);
}

/* Log each hook that ran and show the user what failed. */
static void
toolrun_hook_log(struct toolrun *tr, struct tool_call *tc,
    const struct hook_result *r)
{
	json_t	*rec;
	size_t	 i;

	json_array_foreach(r->records, i, rec) {
		rec = json_deep_copy(rec);
		json_object_set_new(rec, "tool_use_id", json_string(tc->id));
		toolrun_event(tr, EV_HOOK, rec);
	}
	if (r->errors.len > 0 && tr->ui->notice != NULL)
		tr->ui->notice(tr->ui_arg, r->errors.buf);
}

/* PreToolUse is over: deny, ask, allow, or as the policy said. */
static void
toolrun_hook_pre_done(const struct hook_result *r, void *arg)
{
	struct toolrun		*tr = arg;
	struct tool_call	*tc = tr->tc;
	const char		*why;
	char			*line;

	tr->hook = NULL;
	toolrun_hook_log(tr, tc, r);
	why = r->reason.len > 0 ? r->reason.buf : NULL;
	if (r->cancelled) {
		tool_result_setf(tc, 1, "Not run: the user cancelled the turn "
		    "while a PreToolUse hook checked this call.");
		toolrun_resume(tr, TOOLRUN_DENY);
		return;
	}
	/* "continue": false blocks too. */
	switch (r->block ? HOOK_PERM_DENY : r->perm) {
	case HOOK_PERM_DENY:
		toolrun_approval(tr, tc, "deny", "hook");
		tool_result_setf(tc, 1, "Not run: a PreToolUse hook denied "
		    "this %s call: %s", tc->name, why != NULL ? why :
		    "(no reason given)");
		if (tr->ui->notice != NULL) {
			line = xasprintf("hook denied %s: %s", tc->name,
			    why != NULL ? why : "(no reason given)");
			tr->ui->notice(tr->ui_arg, line);
			free(line);
		}
		toolrun_resume(tr, TOOLRUN_DENY);
		return;
	case HOOK_PERM_ASK:
		tr->ask = 1;
		free(tr->ask_why);
		tr->ask_why = xasprintf("a PreToolUse hook asks%s%s",
		    why != NULL ? ": " : "", why != NULL ? why : "");
		break;
	case HOOK_PERM_ALLOW:
		/*
		 * Allow skips the mode's question, never a deny (the policy
		 * stage ran first), an ask rule, a protected path, an
		 * unconfined command or leaving plan mode.
		 */
		if (tr->ask && !tr->ask_rule && tr->protect == NULL &&
		    !tr->unconfined && (tc->effects.flags & EFFECT_MODE) == 0) {
			tr->ask = 0;
			toolrun_approval(tr, tc, "allow", "hook");
		}
		break;
	case HOOK_PERM_NONE:
		break;
	}
	toolrun_resume(tr, TOOLRUN_GO);
}

/*
 * hook: the PreToolUse hooks that match the tool decide before the user
 * is asked; they run on the loop (WAIT), never blocking it.
 */
static enum toolrun_rc
toolrun_hook_begin(struct toolrun *tr, struct tool_call *tc)
{
	json_t	*in;

	in = json_pack("{s:s,s:O,s:s}", "tool_name", tc->name, "tool_input",
	    tc->input != NULL ? tc->input : json_null(), "tool_use_id",
	    tc->id);
	tr->hook = toolrun_hook_run(tr, tc->name, HOOK_PRE_TOOL_USE, in,
	    toolrun_hook_pre_done);
	json_decref(in);
	return (tr->hook != NULL ? TOOLRUN_WAIT : TOOLRUN_GO);
}

/* PostToolUse is over: what a blocking hook said goes with the result. */
static void
toolrun_hook_post_done(const struct hook_result *r, void *arg)
{
	struct toolrun		*tr = arg;
	struct tool_call	*tc = tr->tc;

	tr->hook = NULL;
	toolrun_hook_log(tr, tc, r);
	if (!r->cancelled && r->block)
		buf_addf(&tc->result, "\n\nPostToolUse hook: %s",
		    r->reason.len > 0 ? r->reason.buf : "(no reason given)");
	if (!r->cancelled && r->context.len > 0)
		buf_addf(&tc->result, "\n\n%s", r->context.buf);
	toolrun_resume(tr, TOOLRUN_GO);
}

/* How many stages there are: every begin said GO when begun is this. */
static size_t
toolrun_nstages(void)
{
	size_t	n;

	for (n = 0; toolrun_stages[n].name != NULL; n++)
		/* nothing */;
	return (n);
}

/* hook: after a call that ran, its PostToolUse hooks. */
static enum toolrun_rc
toolrun_hook_end(struct toolrun *tr, struct tool_call *tc)
{
	json_t	*in;

	if (tr->begun != toolrun_nstages() || tc->cancelled)
		return (TOOLRUN_GO);
	in = json_pack("{s:s,s:O,s:s,s:{s:s,s:b,s:i}}", "tool_name", tc->name,
	    "tool_input", tc->input != NULL ? tc->input : json_null(),
	    "tool_use_id", tc->id, "tool_response", "content", tc->result.buf,
	    "is_error", tc->is_error, "exit_status", tc->exit_status);
	tr->hook = toolrun_hook_run(tr, tc->name, HOOK_POST_TOOL_USE, in,
	    toolrun_hook_post_done);
	json_decref(in);
	return (tr->hook != NULL ? TOOLRUN_WAIT : TOOLRUN_GO);
}

/* A Notification run is over: logged. */
static void
toolrun_notify_done(const struct hook_result *r, void *arg)
{
	struct toolrun	*tr = arg;
	json_t		*rec;
	size_t		 i;

	tr->notify = NULL;
	json_array_foreach(r->records, i, rec)
		toolrun_event(tr, EV_HOOK, json_deep_copy(rec));
	if (r->errors.len > 0 && tr->ui->notice != NULL)
		tr->ui->notice(tr->ui_arg, r->errors.buf);
}

/* The user is asked about tc: Notification hooks hear it. */
static void
toolrun_notify(struct toolrun *tr, struct tool_call *tc)
{
	json_t	*in;
	char	*msg;

	if (tr->notify != NULL)
		return;
	msg = xasprintf("agentos needs your permission to use %s", tc->name);
	in = json_pack("{s:s,s:s}", "message", msg, "notification_type",
	    "permission_prompt");
	tr->notify = toolrun_hook_run(tr, "permission_prompt",
	    HOOK_NOTIFICATION, in, toolrun_notify_done);
	json_decref(in);
	free(msg);
}

static void
toolrun_hook_cancel(struct toolrun *tr, struct tool_call *tc)
{
	if (tr->hook != NULL)
		hook_run_cancel(tr->hook);
	else
		toolrun_resume(tr, TOOLRUN_GO);
}

/* approve: ask the user, when the policy left it to them. */
static enum toolrun_rc
toolrun_approve_begin(struct toolrun *tr, struct tool_call *tc)
{
	struct buf	 preview = BUF_INIT;
	char		*why = NULL;
	enum toolrun_rc	 rc = TOOLRUN_DENY;

	if (!tr->ask)
		return (TOOLRUN_GO);
	if ((tr->headless || tr->ui->approval == NULL) && tr->unconfined) {
		toolrun_approval(tr, tc, "deny", "sandbox");
		tool_result_setf(tc, 1, "Not run: %s, so %s needs the user's "
		    "approval, and agentos runs headless (-p), where nobody "
		    "can approve. Do the task without it, or stop and say "
		    "what you need; the user can install bubblewrap, or re-run "
		    "with --sandbox off or --permission-mode bypass.",
		    TOOLRUN_UNCONFINED, tc->name);
		goto out;
	}
	if ((tr->headless || tr->ui->approval == NULL) &&
	    tr->protect != NULL) {
		toolrun_approval(tr, tc, "deny", "protected");
		tool_result_setf(tc, 1, "Not run: %s writes %s, a protected "
		    "path (git internals, agentos and MCP config, instruction "
		    "files, hooks), which needs the user's explicit approval "
		    "in every permission mode but bypass, and agentos runs "
		    "headless (-p), where nobody can approve. Do not write "
		    "there; say what change you need.", tc->name,
		    tr->protect);
		goto out;
	}
	if (tr->headless || tr->ui->approval == NULL) {
		toolrun_approval(tr, tc, "deny", "headless");
		tool_result_setf(tc, 1, "Not run: %s needs the user's approval "
		    "in permission mode %s%s%s%s, and agentos runs headless "
		    "(-p), where nobody can approve. Do the task without it, "
		    "or stop and say what you need; %s", tc->name,
		    perm_mode_name(perm_get_mode(tr->perm)),
		    tr->ask_why != NULL ? " (" : "",
		    tr->ask_why != NULL ? tr->ask_why : "",
		    tr->ask_why != NULL ? ")" : "",
		    perm_get_mode(tr->perm) == PERM_BYPASS ? "write the command "
		    "out so that every command it runs can be checked." :
		    "the user can re-run with --permission-mode accept-edits "
		    "or bypass, or add a permissions.allow rule.");
		goto out;
	}
	/* The reason first: the approval panel shows the preview. */
	if (tr->protect != NULL)
		buf_addf(&preview, "Protected path: %s (git internals, agentos "
		    "and MCP config, instruction files, hooks)\n",
		    tr->protect);
	else if (tr->ask_why != NULL)
		buf_addf(&preview, "Asked: %s\n", tr->ask_why);
	if (tr->unconfined)
		buf_adds(&preview, TOOLRUN_UNCONFINED ": it would run "
		    "unsandboxed\n");
	if (tc->tool->preview != NULL &&
	    tc->tool->preview(tc->ctx, tc->input, &preview, &why) != 0) {
		/* It cannot succeed: no need to ask. */
		tool_result_setf(tc, 1, "%s", why);
		goto out;
	}
	tr->approving = 1;
	toolrun_notify(tr, tc);
	tr->ui->approval(tr->ui_arg, tc, preview.buf);
	rc = TOOLRUN_WAIT;
out:
	buf_release(&preview);
	free(why);
	return (rc);
}

static void
toolrun_approve_cancel(struct toolrun *tr, struct tool_call *tc)
{
	tr->approving = 0;
	tool_result_setf(tc, 1, "Not run: the user cancelled the turn instead "
	    "of answering the approval.");
	toolrun_resume(tr, TOOLRUN_DENY);
}

void
toolrun_decide(struct toolrun *tr, struct tool_call *tc, enum approval ans,
    const char *note)
{
	static const char *names[] = {
		[APPROVE_ONCE] = "approve_once",
		[APPROVE_ALWAYS] = "approve_always",
		[APPROVE_REJECT] = "reject",
	};
	json_t	*ev;

	if (tc == NULL || tc != tr->tc || !tr->approving)
		return;
	tr->approving = 0;
	ev = event_pack(EV_APPROVAL, "{s:s,s:s,s:s}", "id", tc->id,
	    "decision", names[ans], "by", "user");
	if (note != NULL && *note != '\0')
		json_object_set_new(ev, ans == APPROVE_ALWAYS ? "rule" :
		    "note", json_string(note));
	if (tr->protect != NULL)
		json_object_set_new(ev, "path", json_string(tr->protect));
	toolrun_event(tr, EV_APPROVAL, ev);

	switch (ans) {
	case APPROVE_ALWAYS:
		/* The rule the user chose comes as the note. */
		if (note != NULL && *note != '\0')
			perm_allow_choice(tr->perm, note);
		else
			perm_allow_always(tr->perm, tc->name, &tc->effects);
		/* FALLTHROUGH */
	case APPROVE_ONCE:
		toolrun_resume(tr, TOOLRUN_GO);
		break;
	case APPROVE_REJECT:
		if (tc->effects.flags & EFFECT_MODE)
			tool_result_setf(tc, 1, "The user did not approve the "
			    "plan: the mode stays plan (read-only tools only). "
			    "%s%s", note != NULL && *note != '\0' ?
			    "Their reason: " : "Ask what they want changed.",
			    note != NULL ? note : "");
		else if (note != NULL && *note != '\0')
			tool_result_setf(tc, 1, "The user rejected this %s "
			    "call. Their note: %s", tc->name, note);
		else
			tool_result_setf(tc, 1, "The user rejected this %s "
			    "call. Ask what they want instead.", tc->name);
		toolrun_resume(tr, TOOLRUN_DENY);
		break;
	}
}

/*
 * lsp: keep the language server in step with what the call read or wrote;
 * after an edit wait (bounded) for the file's fresh diagnostics, so the
 * model sees them in this result.
 */
static enum toolrun_rc
toolrun_lsp_end(struct toolrun *tr, struct tool_call *tc)
{
	struct lsp_manager	*m = workspace_lsp(tr->ws);
	struct tool_effects	*fx = &tc->effects;
	struct buf		 content = BUF_INIT;
	const char		*p;
	char			*abs = NULL, *rel = NULL, *cause = NULL;
	int			 exists, edit;
	enum toolrun_rc		 rc = TOOLRUN_GO;

	if (m == NULL || tc->is_error || tc->cancelled)
		return (TOOLRUN_GO);
	/* An edit: its file's diagnostics.  A plain read: open it. */
	edit = (fx->flags & EFFECT_EDIT) != 0;
	if (edit && fx->nwrites > 0)
		p = fx->writes[0];
	else if (!edit && (fx->flags & (EFFECT_LSP | EFFECT_MUTATES)) == 0 &&
	    fx->nreads > 0)
		p = fx->reads[0];
	else
		return (TOOLRUN_GO);
	if (path_resolve(workspace_root(tr->ws), p, &abs, &rel, &cause) != 0)
		goto out;
	if ((tr->lsp_server = lsp_server_for(m, abs)) == NULL)
		goto out;
	if (tool_read_whole(abs, 16 * 1024 * 1024, &content, &exists,
	    &cause) != 0 || !exists)
		goto out;
	if (!edit)
		lsp_file_read(m, abs, content.buf, content.len);
	else {
		tr->lsp_wait = lsp_after_edit(m, abs, content.buf, content.len,
		    toolrun_lsp_diagnostics, tr);
		if (tr->lsp_wait != NULL)
			rc = TOOLRUN_WAIT;
	}
out:
	free(cause);
	free(abs);
	free(rel);
	buf_release(&content);
	return (rc);
}

/* Fresh diagnostics of an edited file: append them to the result. */
static void
toolrun_lsp_diagnostics(void *arg, const char *text)
{
	struct toolrun		*tr = arg;
	struct tool_call	*tc = tr->tc;
	struct buf		 b = BUF_INIT;

	tr->lsp_wait = NULL;
	if (text != NULL && *text != '\0') {
		buf_add(&b, tc->result.buf, tc->result.len);
		buf_addf(&b, "\n\nDiagnostics from %s after this edit:\n%s",
		    tr->lsp_server, text);
		tool_result_set(tc, b.buf, b.len, tc->is_error);
		buf_release(&b);
	}
	toolrun_resume(tr, TOOLRUN_GO);
}

static void
toolrun_lsp_cancel(struct toolrun *tr, struct tool_call *tc)
{
	if (tr->lsp_wait != NULL) {
		lsp_wait_cancel(tr->lsp_wait);
		tr->lsp_wait = NULL;
	}
	toolrun_resume(tr, TOOLRUN_GO);
}

/* snapshot: nothing changes that could not be undone (fail closed). */
static enum toolrun_rc
toolrun_snapshot_begin(struct toolrun *tr, struct tool_call *tc)
{
	struct tool_effects	*fx = &tc->effects;
	char			*id = NULL, *commit = NULL, *cause = NULL;
	char			*summary;

	if (!tool_effects_mutates(fx))
		return (TOOLRUN_GO);
	if (workspace_snapshots(tr->ws) == NULL) {
		tool_result_setf(tc, 1, "Not run: agentos cannot take "
		    "snapshots here (%s), and it makes no change it could not "
		    "undo.", workspace_snapshots_error(tr->ws));
		return (TOOLRUN_DENY);
	}
	summary = tool_call_summary(tc);
	if (workspace_snapshot(tr->ws, summary, tc->name, tr->turn,
	    (const char *const *)fx->writes, fx->nwrites, &id, &commit,
	    &cause) != 0) {
		tool_result_setf(tc, 1, "Not run: the snapshot before this "
		    "change failed, so it could not be undone: %s", cause);
		if (tr->ui->notice != NULL)
			tr->ui->notice(tr->ui_arg, tc->result.buf);
		free(cause);
		free(summary);
		return (TOOLRUN_DENY);
	}
	tc->snapshot_id = id;
	toolrun_event(tr, EV_SNAPSHOT, event_pack(EV_SNAPSHOT,
	    "{s:s,s:s?,s:s,s:s}", "id", id, "commit", commit, "action",
	    summary, "tool_use_id", tc->id));
	free(commit);
	if (tr->ui->snapshot != NULL)
		tr->ui->snapshot(tr->ui_arg, id, summary);
	free(summary);
	return (TOOLRUN_GO);
}

/*
 * What the call changed is the agent's doing: only later changes count as
 * the user's hand edits when a rewind would overwrite them.
 */
static enum toolrun_rc
toolrun_snapshot_end(struct toolrun *tr, struct tool_call *tc)
{
	if (tc->snapshot_id != NULL)
		workspace_snapshot_done(tr->ws);
	return (TOOLRUN_GO);
}

/* budget: the run's limits (the owner decides: budget.c, agent.c). */
static enum toolrun_rc
toolrun_budget_begin(struct toolrun *tr, struct tool_call *tc)
{
	if (tr->cb->budget == NULL)
		return (TOOLRUN_GO);
	return (tr->cb->budget(tr->arg, tc));
}

static void
toolrun_budget_cancel(struct toolrun *tr, struct tool_call *tc)
{
	if (tr->cb->budget_cancel != NULL)
		tr->cb->budget_cancel(tr->arg, tc);
}

/* exec: run the call; the pipeline waits for it to finish. */
static enum toolrun_rc
toolrun_exec_begin(struct toolrun *tr, struct tool_call *tc)
{
	toolrun_event(tr, EV_TOOL_START, event_pack(EV_TOOL_START, "{s:s}",
	    "id", tc->id));
	if (tr->ui->tool_started != NULL)
		tr->ui->tool_started(tr->ui_arg, tc);
	tc->done = toolrun_exec_done;
	tc->done_arg = tr;
	tc->output = toolrun_exec_output;
	tc->output_arg = tr;
	tool_call_start(tc);
	return (TOOLRUN_WAIT);
}

/* The call finished (from its tool, perhaps inside tool_call_start). */
static void
toolrun_exec_done(struct tool_call *tc, void *arg)
{
	toolrun_resume(arg, TOOLRUN_GO);
}

/* Output of a running command: for display only. */
static void
toolrun_exec_output(struct tool_call *tc, const char *data, size_t len,
    void *arg)
{
	struct toolrun	*tr = arg;

	if (tr->ui->tool_output != NULL)
		tr->ui->tool_output(tr->ui_arg, tc, data, len);
}

static void
toolrun_exec_cancel(struct toolrun *tr, struct tool_call *tc)
{
	tool_call_cancel(tc);
}

/*
 * rerun: a command that failed in a way the sandbox may explain
 * (tc->sandbox_why) is offered to the user to run once more, outside the
 * sandbox or with the network, as an approval (issue 12).  Never in
 * bypass (nothing is asked there) nor headless (the result and stderr
 * report it), and never remembered.
 */
static enum toolrun_rc
toolrun_rerun_end(struct toolrun *tr, struct tool_call *tc)
{
	if ((tc->effects.flags & EFFECT_EXEC) == 0 || tc->sandbox_why == NULL ||
	    tc->cancelled || tr->headless || tr->ui->rerun_ask == NULL ||
	    perm_get_mode(tr->perm) == PERM_BYPASS || tr->rerunning)
		return (TOOLRUN_GO);
	tr->rerun_asking = 1;
	tr->ui->rerun_ask(tr->ui_arg, tc, tc->sandbox_why);
	return (TOOLRUN_WAIT);
}

static void
toolrun_rerun_cancel(struct toolrun *tr, struct tool_call *tc)
{
	if (tr->rerunning) {
		tool_call_cancel(tc);
		return;
	}
	tr->rerun_asking = 0;
	toolrun_resume(tr, TOOLRUN_GO);
}

void
toolrun_rerun(struct toolrun *tr, struct tool_call *tc, enum rerun how)
{
	static const char *names[] = {
		[RERUN_NO] = "no_rerun",
		[RERUN_OUTSIDE] = "rerun_outside_sandbox",
		[RERUN_NETWORK] = "rerun_with_network",
	};
	struct sandbox	*sb = NULL;
	char		*cause = NULL;
	const char	*what;

	if (tc == NULL || tc != tr->tc || !tr->rerun_asking)
		return;
	tr->rerun_asking = 0;
	toolrun_approval(tr, tc, names[how], "user");
	if (how == RERUN_NO) {
		toolrun_resume(tr, TOOLRUN_GO);
		return;
	}
	if (how == RERUN_NETWORK &&
	    (sb = workspace_sandbox_with_network(tr->ws, &cause)) == NULL) {
		if (tr->ui->notice != NULL) {
			what = cause;
			cause = xasprintf("not run again: %s", what);
			tr->ui->notice(tr->ui_arg, cause);
		}
		free(cause);
		toolrun_resume(tr, TOOLRUN_GO);
		return;
	}
	tr->rerun_how = how;
	tr->rerunning = 1;
	tr->rerun_sb = sb;
	tr->rerun_saved = tc->ctx;
	tr->rerun_ctx = *tc->ctx;
	tr->rerun_ctx.sandbox = sb;	/* NULL: none (the scrub stays) */
	tc->ctx = &tr->rerun_ctx;
	free(tc->sandbox_why);
	tc->sandbox_why = NULL;
	tc->done = toolrun_rerun_done;
	tc->done_arg = tr;
	if (tr->ui->tool_started != NULL)
		tr->ui->tool_started(tr->ui_arg, tc);
	tool_call_start(tc);
}

/* The rerun finished: the call's own ctx back, the result says how. */
static void
toolrun_rerun_done(struct tool_call *tc, void *arg)
{
	struct toolrun	*tr = arg;
	struct buf	 b = BUF_INIT;
	const char	*how;

	tc->ctx = tr->rerun_saved;
	tr->rerunning = 0;
	sandbox_free(tr->rerun_sb);
	tr->rerun_sb = NULL;
	how = tr->rerun_how == RERUN_OUTSIDE ? "outside the sandbox" :
	    "in the sandbox with the network";
	buf_addf(&b, "[The sandbox may have refused the first run; the user "
	    "approved running it once more %s. This result is that run's.]\n",
	    how);
	buf_add(&b, tc->result.buf, tc->result.len);
	tool_result_set(tc, b.buf, b.len, tc->is_error);
	buf_release(&b);
	toolrun_resume(tr, TOOLRUN_GO);
}
