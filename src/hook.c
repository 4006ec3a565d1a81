/* hook.c: running Claude Code style hooks as child processes (hook.h). */
#include <sys/wait.h>

#include <errno.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <event2/event.h>

#define PCRE2_CODE_UNIT_WIDTH 8
#include <pcre2.h>

#include "agentos.h"
#include "hook.h"
#include "proc.h"
#include "sandbox.h"
#include "banned.h"

extern char **environ;

static const char *hook_event_names[HOOK__COUNT] = {
	[HOOK_PRE_TOOL_USE] = "PreToolUse",
	[HOOK_POST_TOOL_USE] = "PostToolUse",
	[HOOK_USER_PROMPT_SUBMIT] = "UserPromptSubmit",
	[HOOK_STOP] = "Stop",
	[HOOK_SESSION_START] = "SessionStart",
	[HOOK_PRE_COMPACT] = "PreCompact",
	[HOOK_NOTIFICATION] = "Notification",
};

/* Our tools under the names Claude Code's matchers use. */
static const struct {
	const char	*name;
	const char	*claude;
} hook_tool_aliases[] = {
	{ "bash", "Bash" },
	{ "edit_file", "Edit" },
	{ "write_file", "Write" },
	{ "read_file", "Read" },
	{ "glob", "Glob" },
	{ "grep", "Grep" },
	{ "todo_write", "TodoWrite" },
	{ "exit_plan_mode", "ExitPlanMode" },
	{ NULL, NULL }
};

/* One hook command to run. */
struct hook_cmd {
	char		*command;
	char		*matcher;
	char		*source;
	unsigned int	 timeout_ms;
};

struct hook_run {
	hook_done_cb		 done;
	void			*arg;
	void			(*running)(void *, const char *,
				    const char *);
	void			*running_arg;
	enum hook_event		 event;
	char			*root;
	char			**envp;		/* scrubbed base */
	char			*env_dir[3];	/* AGENTOS_, CLAUDE_PROJECT_DIR */
	char			*input;		/* the JSON for stdin */
	size_t			 input_len;

	struct hook_cmd		*cmds;
	size_t			 ncmds, next;

	/* The hook running. */
	struct proc		*proc;
	struct event		*ev_in, *ev_out, *ev_err;
	size_t			 written;
	struct buf		 out, err;
	struct loop_timer	*timer;		/* its time limit */
	struct loop_timer	*kick;		/* the next step, from the loop */
	uint64_t		 started;
	int			 timed_out;
	int			 cancelled;
	int			 finishing;

	struct hook_result	 r;
};

static void	hook_next(void *);
static void	hook_finish(struct hook_run *);
static void	hook_exit_cb(struct proc *, int, void *);
static void	hook_timeout_cb(void *);
static void	hook_write_cb(evutil_socket_t, short, void *);
static void	hook_read_cb(evutil_socket_t, short, void *);
static void	hook_child_release(struct hook_run *);

const char *
hook_event_name(enum hook_event ev)
{
	if ((int)ev < 0 || ev >= HOOK__COUNT)
		return ("");
	return (hook_event_names[ev]);
}

/* Whether pattern matches all of subject (a bad pattern: no). */
static int
hook_regex(const char *pattern, const char *subject)
{
	pcre2_code		*re;
	pcre2_match_data	*md;
	PCRE2_SIZE		 off;
	int			 err, rc;

	re = pcre2_compile((PCRE2_SPTR)pattern, PCRE2_ZERO_TERMINATED,
	    PCRE2_ANCHORED|PCRE2_ENDANCHORED|PCRE2_UTF, &err, &off, NULL);
	if (re == NULL)
		return (0);
	md = pcre2_match_data_create_from_pattern(re, NULL);
	rc = pcre2_match(re, (PCRE2_SPTR)subject, strlen(subject), 0, 0, md,
	    NULL);
	pcre2_match_data_free(md);
	pcre2_code_free(re);
	return (rc >= 0);
}

/* Whether a group's matcher applies to match. */
static int
hook_matches(const char *matcher, const char *match)
{
	size_t	i;

	if (match == NULL || matcher == NULL || *matcher == '\0' ||
	    strcmp(matcher, "*") == 0)
		return (1);
	if (hook_regex(matcher, match))
		return (1);
	for (i = 0; hook_tool_aliases[i].name != NULL; i++) {
		if (strcmp(hook_tool_aliases[i].name, match) == 0)
			return (hook_regex(matcher,
			    hook_tool_aliases[i].claude));
	}
	return (0);
}

/*
 * Call cb for each command hook of ev matching match; stops when cb
 * returns nonzero, and returns that.
 */
static int
hook_foreach(const json_t *hooks, enum hook_event ev, const char *match,
    int (*cb)(void *, const char *, const char *, const char *, json_t *),
    void *arg)
{
	json_t		*groups, *g, *list, *h;
	const char	*matcher, *source, *type;
	size_t		 i, j;
	int		 rc;

	if (!json_is_object(hooks))
		return (0);
	groups = json_object_get(hooks, hook_event_name(ev));
	if (!json_is_array(groups))
		return (0);
	json_array_foreach(groups, i, g) {
		if (!json_is_object(g))
			continue;
		matcher = json_string_value(json_object_get(g, "matcher"));
		source = json_string_value(json_object_get(g, "source"));
		if (!hook_matches(matcher, match))
			continue;
		list = json_object_get(g, "hooks");
		if (!json_is_array(list))
			continue;
		json_array_foreach(list, j, h) {
			if (!json_is_object(h))
				continue;
			type = json_string_value(json_object_get(h, "type"));
			if (type != NULL && strcmp(type, "command") != 0)
				continue;
			if (json_string_value(json_object_get(h,
			    "command")) == NULL)
				continue;
			if ((rc = cb(arg, matcher, source, json_string_value(
			    json_object_get(h, "command")), h)) != 0)
				return (rc);
		}
	}
	return (0);
}

/* hook_any's callback: one is enough. */
static int
hook_any_cb(void *arg, const char *matcher, const char *source,
    const char *command, json_t *h)
{
	return (1);
}

int
hook_any(const json_t *hooks, enum hook_event ev, const char *match)
{
	return (hook_foreach(hooks, ev, match, hook_any_cb, NULL));
}

/* hook_run's callback: add the command to the run. */
static int
hook_add_cb(void *arg, const char *matcher, const char *source,
    const char *command, json_t *h)
{
	struct hook_run	*run = arg;
	struct hook_cmd	*c;
	json_t		*t = json_object_get(h, "timeout");
	double		 s = HOOK_TIMEOUT_S;

	if (json_is_number(t) && json_number_value(t) > 0)
		s = json_number_value(t);
	if (s > 24 * 3600)
		s = 24 * 3600;
	run->cmds = xreallocarray(run->cmds, run->ncmds + 1,
	    sizeof *run->cmds);
	c = &run->cmds[run->ncmds++];
	c->command = xstrdup(command);
	c->matcher = matcher != NULL ? xstrdup(matcher) : NULL;
	c->source = source != NULL ? xstrdup(source) : NULL;
	c->timeout_ms = (unsigned int)(s * 1000);
	if (c->timeout_ms == 0)
		c->timeout_ms = 1;
	return (0);
}

struct hook_run *
hook_run(const struct hook_spec *spec, hook_done_cb done, void *arg)
{
	struct hook_run	*run;
	json_t		*in;

	if (!hook_any(spec->hooks, spec->event, spec->match))
		return (NULL);
	run = xcalloc(1, sizeof *run);
	run->done = done;
	run->arg = arg;
	run->running = spec->running;
	run->running_arg = spec->running_arg;
	run->event = spec->event;
	run->root = xstrdup(spec->root != NULL ? spec->root : ".");
	hook_foreach(spec->hooks, spec->event, spec->match, hook_add_cb, run);
	run->envp = sandbox_environ((const char *const *)environ,
	    spec->keep_env, NULL);
	run->env_dir[0] = xasprintf("AGENTOS_PROJECT_DIR=%s", run->root);
	run->env_dir[1] = xasprintf("CLAUDE_PROJECT_DIR=%s", run->root);

	in = json_is_object(spec->input) ? json_deep_copy(spec->input) :
	    json_object();
	json_object_set_new(in, "session_id", json_string(
	    spec->session_id != NULL ? spec->session_id : ""));
	json_object_set_new(in, "transcript_path", json_string(
	    spec->transcript_path != NULL ? spec->transcript_path : ""));
	json_object_set_new(in, "cwd", json_string(run->root));
	json_object_set_new(in, "hook_event_name",
	    json_string(hook_event_name(spec->event)));
	run->input = json_dumps(in, JSON_COMPACT);
	json_decref(in);
	if (run->input == NULL)
		run->input = xstrdup("{}");
	run->input_len = strlen(run->input);

	buf_init(&run->r.reason, HOOK_OUTPUT_MAX);
	buf_init(&run->r.context, HOOK_OUTPUT_MAX);
	buf_init(&run->r.errors, HOOK_OUTPUT_MAX);
	run->r.records = json_array();
	run->kick = loop_timer_add(0, hook_next, run);
	return (run);
}

/* Start the next hook, or finish. */
static void
hook_next(void *arg)
{
	struct hook_run		*run = arg;
	struct hook_cmd		*c;
	struct proc_spec	 ps;
	const char		*argv[2];
	char			*cause = NULL;

	run->kick = NULL;
	if (run->cancelled || run->next >= run->ncmds || run->r.block ||
	    run->r.perm == HOOK_PERM_DENY) {
		hook_finish(run);
		return;
	}
	c = &run->cmds[run->next++];
	argv[0] = c->command;
	argv[1] = NULL;
	memset(&ps, 0, sizeof ps);
	ps.argv = argv;
	ps.cwd = run->root;
	ps.env = (const char *const *)run->env_dir;
	ps.base_env = (const char *const *)run->envp;
	ps.in = ps.out = ps.err = PROC_PIPE;
	ps.flags = PROC_SHELL|PROC_GUARD;
	buf_init(&run->out, HOOK_OUTPUT_MAX);
	buf_init(&run->err, HOOK_OUTPUT_MAX);
	run->written = 0;
	run->timed_out = 0;
	run->started = loop_now_ms();
	run->proc = proc_spawn(&ps, hook_exit_cb, run, &cause);
	if (run->proc == NULL) {
		buf_addf(&run->r.errors, "%s hook %s: %s\n",
		    hook_event_name(run->event), c->command, cause);
		json_array_append_new(run->r.records, json_pack(
		    "{s:s,s:s,s:s?,s:i,s:I,s:s}", "hook_event",
		    hook_event_name(run->event), "command", c->command,
		    "source", c->source, "exit_status", -1, "duration_ms",
		    (json_int_t)0, "decision", "error"));
		free(cause);
		run->kick = loop_timer_add(0, hook_next, run);
		return;
	}
	run->ev_in = event_new(loop_base, proc_fd(run->proc, 0),
	    EV_WRITE|EV_PERSIST, hook_write_cb, run);
	run->ev_out = event_new(loop_base, proc_fd(run->proc, 1),
	    EV_READ|EV_PERSIST, hook_read_cb, run);
	run->ev_err = event_new(loop_base, proc_fd(run->proc, 2),
	    EV_READ|EV_PERSIST, hook_read_cb, run);
	event_add(run->ev_in, NULL);
	event_add(run->ev_out, NULL);
	event_add(run->ev_err, NULL);
	run->timer = loop_timer_add(c->timeout_ms, hook_timeout_cb, run);
	if (run->running != NULL)
		run->running(run->running_arg, hook_event_name(run->event),
		    c->command);
}

/* Feed the event's JSON to the hook's stdin, then close it. */
static void
hook_write_cb(evutil_socket_t fd, short what, void *arg)
{
	struct hook_run	*run = arg;
	ssize_t		 n;

	n = write(fd, run->input + run->written,
	    run->input_len - run->written);
	if (n < 0 && (errno == EAGAIN || errno == EINTR))
		return;
	if (n > 0)
		run->written += n;
	if (n < 0 || run->written >= run->input_len) {
		/* Done, or the hook does not read: EOF either way. */
		event_free(run->ev_in);
		run->ev_in = NULL;
		close(proc_take_fd(run->proc, 0));
	}
}

/* Read what there is from one of the hook's pipes; 0 at EOF. */
static int
hook_drain(struct hook_run *run, int n)
{
	char	 data[8192];
	ssize_t	 got;
	int	 fd = proc_fd(run->proc, n);

	if (fd == -1)
		return (0);
	for (;;) {
		got = read(fd, data, sizeof data);
		if (got > 0) {
			buf_add(n == 1 ? &run->out : &run->err, data, got);
			continue;
		}
		if (got < 0 && errno == EINTR)
			continue;
		return (got < 0 && errno == EAGAIN);
	}
}

static void
hook_read_cb(evutil_socket_t fd, short what, void *arg)
{
	struct hook_run	 *run = arg;
	int		  n = fd == proc_fd(run->proc, 1) ? 1 : 2;
	struct event	**ev = n == 1 ? &run->ev_out : &run->ev_err;

	if (!hook_drain(run, n) && *ev != NULL) {
		event_free(*ev);
		*ev = NULL;
	}
}

static void
hook_timeout_cb(void *arg)
{
	struct hook_run	*run = arg;

	run->timer = NULL;
	run->timed_out = 1;
	proc_kill(run->proc, PROC_GRACE_MS);
}

/* A JSON string member of o, or NULL. */
static const char *
hook_str(json_t *o, const char *key)
{
	return (json_string_value(json_object_get(o, key)));
}

/* Read a hook's JSON answer (exit 0); the decision it made, or NULL. */
static const char *
hook_json(struct hook_run *run, json_t *j)
{
	json_t		*hso = json_object_get(j, "hookSpecificOutput");
	const char	*d, *why, *ctx, *decision = NULL;

	if (json_is_false(json_object_get(j, "continue"))) {
		run->r.block = 1;
		why = hook_str(j, "stopReason");
		buf_adds(&run->r.reason, why != NULL ? why :
		    "a hook said not to continue");
		decision = "stop";
	}
	if ((d = hook_str(j, "decision")) != NULL) {
		why = hook_str(j, "reason");
		if (strcmp(d, "block") == 0) {
			run->r.block = 1;
			if (run->event == HOOK_PRE_TOOL_USE)
				run->r.perm = HOOK_PERM_DENY;
			buf_adds(&run->r.reason, why != NULL ? why :
			    "blocked by a hook");
			decision = "block";
		} else if (strcmp(d, "approve") == 0 &&
		    run->event == HOOK_PRE_TOOL_USE &&
		    run->r.perm == HOOK_PERM_NONE) {
			run->r.perm = HOOK_PERM_ALLOW;
			decision = "allow";
		}
	}
	if (!json_is_object(hso))
		return (decision);
	if (run->event == HOOK_PRE_TOOL_USE &&
	    (d = hook_str(hso, "permissionDecision")) != NULL) {
		why = hook_str(hso, "permissionDecisionReason");
		if (strcmp(d, "deny") == 0) {
			run->r.perm = HOOK_PERM_DENY;
			decision = "deny";
		} else if (strcmp(d, "ask") == 0) {
			if (run->r.perm != HOOK_PERM_DENY)
				run->r.perm = HOOK_PERM_ASK;
			decision = "ask";
		} else if (strcmp(d, "allow") == 0) {
			if (run->r.perm == HOOK_PERM_NONE)
				run->r.perm = HOOK_PERM_ALLOW;
			decision = "allow";
		}
		if (why != NULL && *why != '\0' && decision != NULL) {
			if (run->r.reason.len != 0)
				buf_addch(&run->r.reason, '\n');
			buf_adds(&run->r.reason, why);
		}
	}
	if ((ctx = hook_str(hso, "additionalContext")) != NULL &&
	    *ctx != '\0') {
		if (run->r.context.len != 0)
			buf_addch(&run->r.context, '\n');
		buf_adds(&run->r.context, ctx);
	}
	return (decision);
}

/* Whether the event takes a hook's plain stdout as context. */
static int
hook_takes_text(enum hook_event ev)
{
	return (ev == HOOK_USER_PROMPT_SUBMIT || ev == HOOK_SESSION_START);
}

/* The hook was reaped: read the rest, judge what it said. */
static void
hook_exit_cb(struct proc *p, int status, void *arg)
{
	struct hook_run	*run = arg;
	struct hook_cmd	*c = &run->cmds[run->next - 1];
	const char	*decision = "ok", *d;
	json_t		*j;
	int		 code = -1;
	uint64_t	 ms = loop_now_ms() - run->started;

	hook_drain(run, 1);
	hook_drain(run, 2);
	buf_rtrim(&run->out);
	buf_rtrim(&run->err);
	if (WIFEXITED(status))
		code = WEXITSTATUS(status);
	if (run->timed_out) {
		decision = "timeout";
		buf_addf(&run->r.errors, "%s hook %s: killed after its time "
		    "limit of %u s\n", hook_event_name(run->event),
		    c->command, c->timeout_ms / 1000);
	} else if (run->cancelled)
		decision = "cancelled";
	else if (code == 0) {
		j = NULL;
		if (run->out.len > 0 && run->out.buf[0] == '{')
			j = json_loads(run->out.buf, 0, NULL);
		if (json_is_object(j)) {
			if ((d = hook_json(run, j)) != NULL)
				decision = d;
		} else if (hook_takes_text(run->event) && run->out.len > 0) {
			if (run->r.context.len != 0)
				buf_addch(&run->r.context, '\n');
			buf_add(&run->r.context, run->out.buf, run->out.len);
		}
		json_decref(j);
	} else if (code == 2) {
		decision = "block";
		run->r.block = 1;
		if (run->event == HOOK_PRE_TOOL_USE)
			run->r.perm = HOOK_PERM_DENY;
		if (run->r.reason.len != 0)
			buf_addch(&run->r.reason, '\n');
		buf_adds(&run->r.reason, run->err.len > 0 ? run->err.buf :
		    "blocked by a hook (exit status 2, nothing on stderr)");
	} else {
		decision = "error";
		buf_addf(&run->r.errors, "%s hook %s: exit status %d%s%.500s\n",
		    hook_event_name(run->event), c->command, code,
		    run->err.len > 0 ? ": " : "", run->err.buf);
	}
	run->r.ran++;
	json_array_append_new(run->r.records, json_pack(
	    "{s:s,s:s,s:s?,s:s?,s:i,s:I,s:s}", "hook_event",
	    hook_event_name(run->event), "command", c->command, "matcher",
	    c->matcher, "source", c->source, "exit_status", code,
	    "duration_ms", (json_int_t)ms, "decision", decision));
	hook_child_release(run);
	run->kick = loop_timer_add(0, hook_next, run);
}

/* Let go of the running hook's process, pipes and timer. */
static void
hook_child_release(struct hook_run *run)
{
	if (run->ev_in != NULL)
		event_free(run->ev_in);
	if (run->ev_out != NULL)
		event_free(run->ev_out);
	if (run->ev_err != NULL)
		event_free(run->ev_err);
	run->ev_in = run->ev_out = run->ev_err = NULL;
	loop_timer_cancel(run->timer);
	run->timer = NULL;
	if (run->proc != NULL) {
		if (!proc_exited(run->proc, NULL))
			proc_kill(run->proc, 0);
		proc_free(run->proc);
		run->proc = NULL;
	}
	buf_release(&run->out);
	buf_release(&run->err);
}

/* Every hook ran: tell the owner, then free the run. */
static void
hook_finish(struct hook_run *run)
{
	buf_rtrim(&run->r.reason);
	buf_rtrim(&run->r.errors);
	run->r.cancelled = run->cancelled;
	run->finishing = 1;
	if (run->running != NULL && run->r.ran + run->cancelled > 0)
		run->running(run->running_arg, NULL, NULL);
	run->done(&run->r, run->arg);
	run->done = NULL;
	hook_run_free(run);
}

void
hook_run_cancel(struct hook_run *run)
{
	if (run == NULL || run->cancelled)
		return;
	run->cancelled = 1;
	if (run->proc != NULL)
		proc_kill(run->proc, 0);	/* hook_exit_cb goes on */
	else if (run->kick == NULL && !run->finishing)
		run->kick = loop_timer_add(0, hook_next, run);
}

void
hook_run_free(struct hook_run *run)
{
	size_t	i;

	if (run == NULL)
		return;
	if (run->done != NULL && run->finishing)
		return;		/* freed by hook_finish */
	hook_child_release(run);
	loop_timer_cancel(run->kick);
	for (i = 0; i < run->ncmds; i++) {
		free(run->cmds[i].command);
		free(run->cmds[i].matcher);
		free(run->cmds[i].source);
	}
	free(run->cmds);
	sandbox_argv_free(run->envp);
	free(run->env_dir[0]);
	free(run->env_dir[1]);
	free(run->root);
	free(run->input);
	buf_release(&run->r.reason);
	buf_release(&run->r.context);
	buf_release(&run->r.errors);
	json_decref(run->r.records);
	free(run);
}

/* hook_list_text's callback: one line. */
struct hook_list {
	struct buf	*b;
	enum hook_event	 ev;
};
static int
hook_list_cb(void *arg, const char *matcher, const char *source,
    const char *command, json_t *h)
{
	struct hook_list	*hl = arg;
	json_t			*t = json_object_get(h, "timeout");

	buf_addf(hl->b, "%s%s%s%s: %s (timeout %gs) from %s\n",
	    hook_event_name(hl->ev), matcher != NULL && *matcher != '\0' ?
	    " [" : "", matcher != NULL ? matcher : "",
	    matcher != NULL && *matcher != '\0' ? "]" : "", command,
	    json_is_number(t) ? json_number_value(t) : (double)HOOK_TIMEOUT_S,
	    source != NULL ? source : "config");
	return (0);
}

char *
hook_list_text(const json_t *hooks)
{
	struct buf		b = BUF_INIT;
	struct hook_list	hl;
	int			ev;
	const char		*k;
	json_t			*v;

	hl.b = &b;
	for (ev = 0; ev < HOOK__COUNT; ev++) {
		hl.ev = ev;
		hook_foreach(hooks, ev, NULL, hook_list_cb, &hl);
	}
	if (b.len == 0)
		buf_adds(&b, "No hooks configured (the \"hooks\" option; see "
		    "agentos(1), HOOKS).\n");
	if (json_is_object(hooks)) {
		/* A misspelt event would never run: say so. */
		json_object_foreach((json_t *)hooks, k, v) {
			for (ev = 0; ev < HOOK__COUNT; ev++) {
				if (strcmp(k, hook_event_names[ev]) == 0)
					break;
			}
			if (ev == HOOK__COUNT)
				buf_addf(&b, "Unknown event %s: never runs\n",
				    k);
		}
	}
	return (buf_detach(&b, NULL));
}
