/*
 * hook.h: user commands run at points of a session (Claude Code's hooks).
 *
 * The "hooks" option (options.c) holds Claude Code's configuration, as
 * documented at https://code.claude.com/docs/en/hooks (Hooks reference:
 * PreToolUse, PostToolUse, UserPromptSubmit, Stop, SessionStart,
 * PreCompact, Notification):
 *
 *	"hooks": {"PreToolUse": [{"matcher": "Bash|Edit", "hooks": [
 *	    {"type": "command", "command": "...", "timeout": 60}]}]}
 *
 * The user's and a trusted project's lists are merged (each matcher group
 * remembers its file in a "source" member, options.c).  A hook command
 * runs through proc.c (never popen or system) under /bin/sh -c in the
 * project root, with the scrubbed environment of the model's commands
 * (sandbox_environ) plus AGENTOS_PROJECT_DIR (and CLAUDE_PROJECT_DIR, for
 * scripts written for Claude Code); its stdin is the event's JSON
 * (session_id, transcript_path, cwd, hook_event_name and the event's own
 * members), its stdout and stderr are captured up to HOOK_OUTPUT_MAX bytes
 * each, and it is killed after its "timeout" (seconds, default 60).
 *
 * Exit 0: go on; stdout, when it is a JSON object, may decide (PreToolUse
 * hookSpecificOutput.permissionDecision allow, deny or ask with
 * permissionDecisionReason; "decision": "block" with "reason"; "continue":
 * false with "stopReason"; hookSpecificOutput.additionalContext), else its
 * text is context for UserPromptSubmit and SessionStart.  Exit 2: block,
 * with stderr as the reason.  Any other exit, a failure to start or a
 * time-out: a non-blocking error shown to the user.
 */
#ifndef HOOK_H
#define HOOK_H

#include <jansson.h>

#include "buf.h"

enum hook_event {
	HOOK_PRE_TOOL_USE,
	HOOK_POST_TOOL_USE,
	HOOK_USER_PROMPT_SUBMIT,
	HOOK_STOP,
	HOOK_SESSION_START,
	HOOK_PRE_COMPACT,
	HOOK_NOTIFICATION,
	HOOK__COUNT
};

#define HOOK_TIMEOUT_S		60		/* a hook's default limit */
#define HOOK_OUTPUT_MAX		(64 * 1024)	/* stdout, stderr kept */

/* The event's Claude Code name ("PreToolUse"); static. */
const char	*hook_event_name(enum hook_event ev);

/* What the hooks of one event said, together. */
enum hook_perm {
	HOOK_PERM_NONE,			/* no decision: as without hooks */
	HOOK_PERM_ALLOW,		/* PreToolUse: no need to ask */
	HOOK_PERM_ASK,			/* PreToolUse: ask the user */
	HOOK_PERM_DENY,			/* PreToolUse: do not run */
};
struct hook_result {
	int		 ran;		/* hooks that ran */
	int		 block;		/* exit 2, "decision": "block",
					   "continue": false */
	enum hook_perm	 perm;		/* the strongest: deny > ask > allow */
	struct buf	 reason;	/* why blocked or decided */
	struct buf	 context;	/* to add for the model */
	struct buf	 errors;	/* non-blocking failures, for the user */
	int		 cancelled;	/* hook_run_cancel() */
	/* One object per hook run, for the session log (EV_HOOK data). */
	json_t		*records;
};

/*
 * Whether the event has any hook in hooks (the option's value, may be
 * NULL) whose matcher matches match (a tool name, a trigger; NULL: the
 * event has no matcher and every group applies).  A matcher is a PCRE2
 * pattern matched against the whole of match; "", "*" or none matches
 * all; a tool also matches by its Claude Code name (bash as Bash,
 * edit_file as Edit...).  A bad pattern matches nothing.
 */
int		 hook_any(const json_t *hooks, enum hook_event ev,
		     const char *match);

/* What to run. */
struct hook_spec {
	const json_t		*hooks;		/* the option; borrowed */
	const char		*root;		/* cwd, AGENTOS_PROJECT_DIR */
	const char *const	*keep_env;	/* kept by the scrub, or NULL */
	enum hook_event		 event;
	const char		*match;		/* as hook_any() */
	const char		*session_id;	/* may be NULL */
	const char		*transcript_path; /* the session db, or NULL */
	/* The event's own members (tool_name, prompt...); borrowed. */
	const json_t		*input;
	/*
	 * Called (may be NULL) with the event's name and the command as
	 * each hook starts, and with NULLs once before done: for the status
	 * bar.  running_arg is kept.
	 */
	void			(*running)(void *arg, const char *event,
				    const char *command);
	void			*running_arg;
};

struct hook_run;
/*
 * Called once, from the loop, when every matching hook has run (or the
 * run was cancelled); r is freed after the callback returns.
 */
typedef void (*hook_done_cb)(const struct hook_result *r, void *arg);

/*
 * Run the hooks of spec->event that match, one after the other (a block
 * or deny stops the rest), and call done with what they said.  Nothing in
 * spec is kept.  NULL when no hook matches: done is never called and the
 * caller goes on at once.  done is never called from inside hook_run().
 */
struct hook_run	*hook_run(const struct hook_spec *spec, hook_done_cb done,
		     void *arg);
/*
 * Stop: the running hook is killed, none more runs, and done is called
 * (from the loop) with cancelled set.
 */
void		 hook_run_cancel(struct hook_run *run);
/* Let go of run: a running hook is killed; done is not called.  NULL ok. */
void		 hook_run_free(struct hook_run *run);

/*
 * The configured hooks as text for /hooks: one line per command with its
 * event, matcher and source file.  Caller frees.
 */
char		*hook_list_text(const json_t *hooks);

#endif /* HOOK_H */
