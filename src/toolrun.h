/*
 * toolrun.h: the life of one tool call as a table of stages.
 *
 * Every tool call the model makes goes through the rows of toolrun_stages[]
 * (toolrun.c), in order: record, model, validate, policy, sandbox (a
 * command is asked about when no sandbox can be enforced), mode (leaving
 * plan mode is always asked about), hook (PreToolUse hooks, hook.h;
 * PostToolUse in its end), approve,
 * budget, lsp, snapshot, exec.  Each stage's begin runs before the call
 * and says GO (on to the next stage), DENY (the call does not run: its
 * result says why) or WAIT (the stage goes on later from the loop with
 * toolrun_resume(): the user's approval, a running command).  Once the call ran, or was denied,
 * the end of every stage whose begin said GO runs, in reverse order, like
 * the layers of an onion: the snapshot stage tells the store the action is
 * over, the lsp stage waits for the edited file's diagnostics, the model
 * stage re-parses what the call wrote, and the record stage, first in the
 * table and so last to end, logs the result.  A new concern (a sandbox, a
 * budget, a trace span) is a new row, not a new branch in the agent.
 *
 * Stages reason on the call's declared effects (struct tool_effects), never
 * on a tool's input fields or on which tool it is.  One call goes through
 * the pipeline at a time.
 */
#ifndef TOOLRUN_H
#define TOOLRUN_H

#include <jansson.h>

#include "event.h"

struct agent_ui;
struct perm;
struct tool_call;
struct toolrun;
struct workspace;
enum approval;
enum rerun;

enum toolrun_rc {
	TOOLRUN_GO,
	TOOLRUN_DENY,			/* tc->result says why */
	TOOLRUN_WAIT,			/* toolrun_resume() follows */
};

struct toolrun_stage {
	const char	*name;
	/* Before the call runs; NULL: GO. */
	enum toolrun_rc	(*begin)(struct toolrun *, struct tool_call *);
	/*
	 * After the call ran or was denied, for stages whose begin said GO;
	 * returns GO or WAIT (DENY counts as GO: the call is over).  NULL:
	 * nothing to do.
	 */
	enum toolrun_rc	(*end)(struct toolrun *, struct tool_call *);
	/*
	 * The user cancelled the turn while this stage WAITs: stop waiting
	 * and call toolrun_resume(), now or soon.  NULL: the stage cannot be
	 * cancelled; the pipeline waits for it.
	 */
	void		(*cancel)(struct toolrun *, struct tool_call *);
};
extern const struct toolrun_stage toolrun_stages[];

/* What the pipeline tells its owner (the agent). */
struct toolrun_cb {
	/*
	 * Record an event of type with data (made by event_pack(); the
	 * reference is stolen).
	 */
	void	(*event)(void *arg, enum event_type type, json_t *data);
	/* The call is over, its result recorded; the pipeline is free. */
	void	(*finished)(void *arg, struct tool_call *tc);
	/*
	 * The budget stage: may tc run within the run's limits?  GO, DENY
	 * (tc->result says why) or WAIT (the user is asked; toolrun_resume()
	 * follows).  NULL: GO.
	 */
	enum toolrun_rc (*budget)(void *arg, struct tool_call *tc);
	/* The turn is cancelled while budget WAITs for tc: resume now. */
	void	(*budget_cancel)(void *arg, struct tool_call *tc);
};

/*
 * A pipeline for calls in workspace ws under policy perm (both borrowed,
 * outliving it).  headless: nobody can approve; what would ask is denied
 * with a result saying so.  cb and arg are kept.
 */
struct toolrun *toolrun_create(struct workspace *ws, struct perm *perm,
	    int headless, const struct toolrun_cb *cb, void *arg);
/* Free the pipeline; a call in it is cancelled first (finished is not
   called). */
void	 toolrun_free(struct toolrun *tr);
/* The front end that hears of calls (approval, output, snapshots);
   borrowed, may be changed at any time (to a silent one at exit). */
void	 toolrun_set_ui(struct toolrun *tr, const struct agent_ui *ui,
	    void *arg);
/*
 * Take tc (borrowed until finished) through the stages for user turn
 * turn.  cb->finished is called once when it is over: from inside this
 * call when no stage waits, else later from the loop.  The pipeline must
 * be free (toolrun_busy() zero).
 */
void	 toolrun_start(struct toolrun *tr, struct tool_call *tc, int turn);
/* Nonzero while a call is in the pipeline. */
int	 toolrun_busy(struct toolrun *tr);
/*
 * The user's answer to the approval asked for tc (the call waiting in the
 * approve stage; any other call is ignored).  note (may be NULL) goes to
 * the model with a rejection; with APPROVE_ALWAYS it is the choice of
 * perm_always_choices() to save as session rules (NULL: the narrowest).
 */
void	 toolrun_decide(struct toolrun *tr, struct tool_call *tc,
	    enum approval ans, const char *note);
/*
 * The user's answer to the rerun offered for tc (rerun_ask in struct
 * agent_ui: the sandbox may have refused the command), from the rerun
 * stage, which ends right after exec: RERUN_OUTSIDE runs it once more with
 * no sandbox, RERUN_NETWORK once more in the sandbox with the network; the
 * result then says it ran again and how.  RERUN_NO keeps the first
 * result.  Never remembered; any other call is ignored.
 */
void	 toolrun_rerun(struct toolrun *tr, struct tool_call *tc,
	    enum rerun how);
/*
 * Cancel the call in the pipeline: the waiting stage stops waiting (an
 * approval is answered "not run", a command is killed, a diagnostics wait
 * ends) and the call finishes as it would otherwise.
 */
void	 toolrun_cancel(struct toolrun *tr);
/*
 * For a stage that said WAIT: go on with rc (GO or DENY for a begin; GO
 * for an end).  May be called from inside the stage's own begin or end.
 */
void	 toolrun_resume(struct toolrun *tr, enum toolrun_rc rc);

#endif
