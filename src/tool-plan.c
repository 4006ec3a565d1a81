/*
 * tool-plan.c: exit_plan_mode, offered in plan mode only (TOOL_PLAN): the
 * model presents its plan (markdown) and asks to leave plan mode.  The call
 * is always asked about (EFFECT_MODE); the approval panel shows the plan,
 * and the user's yes switches the mode (to ask, or accept-edits) before the
 * call runs, so its result tells the model the mode it now works in.  A no
 * keeps plan mode, the user's reason going back as the result.
 */
#include <stdlib.h>
#include <string.h>

#include "agentos.h"
#include "banned.h"

static void	tool_plan_effects(json_t *, struct tool_effects *);
static int	tool_plan_preview(struct tool_ctx *, json_t *, struct buf *,
		    char **);
static int	tool_plan_run(struct tool_call *);

const struct tool_entry tool_exit_plan_mode = {
	.name = "exit_plan_mode",
	.description = "In plan mode, when the plan is ready: present it to "
	    "the user for approval (plan: markdown, concise, the steps you "
	    "will take and the files you will change). If they approve, plan "
	    "mode ends and you carry the plan out; if not, their reason comes "
	    "back and you stay in plan mode. Only for planning an "
	    "implementation, not for research or questions.",
	.schema = "{\"type\":\"object\",\"properties\":{"
	    "\"plan\":{\"type\":\"string\"}},\"required\":[\"plan\"]}",
	.flags = TOOL_READONLY | TOOL_PLAN,
	.effects = tool_plan_effects,
	.preview = tool_plan_preview,
	.run = tool_plan_run,
};

/* Changes no file: only the mode, which the user decides. */
static void
tool_plan_effects(json_t *input, struct tool_effects *fx)
{
	fx->flags |= EFFECT_MODE;
}

/* The plan itself, for the approval panel (shown as markdown). */
static int
tool_plan_preview(struct tool_ctx *ctx, json_t *input, struct buf *preview,
    char **cause)
{
	const char	*plan = conv_json_str(input, "plan");

	if (ctx != NULL && ctx->cfg != NULL &&
	    ctx->cfg->perm_mode != PERM_PLAN) {
		*cause = xstrdup("Not in plan mode: there is no plan mode to "
		    "leave; go on with the task.");
		return (-1);
	}
	if (plan == NULL || *plan == '\0') {
		*cause = xstrdup("exit_plan_mode needs the plan to present.");
		return (-1);
	}
	buf_adds(preview, plan);
	return (0);
}

static int
tool_plan_run(struct tool_call *tc)
{
	enum perm_mode	mode = PERM_ASK;

	if (tc->ctx != NULL && tc->ctx->cfg != NULL)
		mode = tc->ctx->cfg->perm_mode;
	tool_result_setf(tc, 0, "The user approved the plan. Plan mode is "
	    "over: the permission mode is now %s (%s). Carry the plan out "
	    "now, step by step.", perm_mode_name(mode), mode ==
	    PERM_ACCEPT_EDITS ? "edits are applied without asking, commands "
	    "are asked about" : "edits and commands are asked about");
	return (0);
}
