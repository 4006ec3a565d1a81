/* tool-bash.c: the bash tool: one shell command as a job. */
#include <sys/wait.h>

#include <signal.h>
#include <stdlib.h>
#include <string.h>

#include "agentos.h"
#include "options.h"
#include "proc.h"
#include "sandbox.h"
#include "banned.h"

extern char **environ;

#define TOOL_BASH_TIMEOUT	120000	/* ms */
#define TOOL_BASH_TIMEOUT_MAX	600000	/* ms */
/* Room kept below TOOL_OUTPUT_MAX for the status line (bytes). */
#define TOOL_BASH_STATUS	256

struct tool_bash {
	struct tool_call	*tc;
	struct job		*job;
	struct tool_cap		 cap;
	unsigned int		 timeout_ms;
};

static unsigned int tool_bash_timeout(json_t *);
static int	tool_bash_preview(struct tool_ctx *, json_t *, struct buf *,
		    char **);
static struct job *tool_bash_start(struct tool_call *, const char *,
		    const struct job_cb *, void *, char **);
static int	tool_bash_run(struct tool_call *);
static void	tool_bash_cancel(struct tool_call *);
static void	tool_bash_output(void *, const char *, size_t);
static void	tool_bash_exited(void *, int, int);
static void	tool_bash_effects(json_t *, struct tool_effects *);

const struct tool_entry tool_bash = {
	.name = "bash",
	.description = "Run a shell command (/bin/sh -c) in the repository "
	    "root; stdout and stderr merged, stdin empty. Timeout default "
	    "120000 ms, max 600000; background processes are killed when "
	    "it ends. Use for builds, tests, git; use the file tools to "
	    "read, search and edit.",
	.schema = "{\"type\":\"object\",\"properties\":{"
	    "\"command\":{\"type\":\"string\"},"
	    "\"timeout_ms\":{\"type\":\"integer\"}},"
	    "\"required\":[\"command\"]}",
	.flags = TOOL_EXEC,
	.effects = tool_bash_effects,
	.preview = tool_bash_preview,
	.run = tool_bash_run,
	.cancel = tool_bash_cancel,
};

/*
 * A shell command can do anything the user can: change any file, reach the
 * network.
 */
static void
tool_bash_effects(json_t *input, struct tool_effects *fx)
{
	const char	*command = conv_json_str(input, "command");

	fx->flags = EFFECT_MUTATES | EFFECT_EXEC | EFFECT_NETWORK;
	fx->command = xstrdup(command != NULL ? command : "");
}

/* The timeout asked for, defaulted and bounded (ms). */
static unsigned int
tool_bash_timeout(json_t *input)
{
	json_int_t	t;

	t = json_integer_value(json_object_get(input, "timeout_ms"));
	if (t <= 0)
		return (TOOL_BASH_TIMEOUT);
	if (t > TOOL_BASH_TIMEOUT_MAX)
		return (TOOL_BASH_TIMEOUT_MAX);
	return ((unsigned int)t);
}

/* The preview is the command itself. */
static int
tool_bash_preview(struct tool_ctx *ctx, json_t *input, struct buf *preview,
    char **cause)
{
	const char	*command;

	command = json_string_value(json_object_get(input, "command"));
	if (command == NULL || *command == '\0') {
		*cause = xstrdup("bash needs a command");
		return (-1);
	}
	buf_addf(preview, "$ %s\n", command);
	if (json_object_get(input, "timeout_ms") != NULL)
		buf_addf(preview, "(timeout %u ms)\n",
		    tool_bash_timeout(input));
	return (0);
}

/* The provider key variables, whatever they are named. */
static const char *const tool_bash_drop_env[] = {
	"ANTHROPIC_API_KEY", "OPENAI_API_KEY", NULL
};

/*
 * Start "/bin/sh -c command" in the root, wrapped by the workspace's
 * sandbox (sandbox_argv), with the scrubbed environment (sandbox_environ:
 * in every profile, off included, and without a sandbox).
 */
static struct job *
tool_bash_start(struct tool_call *tc, const char *command,
    const struct job_cb *cb, void *arg, char **cause)
{
	const struct sandbox	*sb = tc->ctx->sandbox;
	const char		*sh[] = { "/bin/sh", "-c", command, NULL };
	const char *const	*keep = NULL;
	char			**argv, **envp;
	struct sandbox_child	*child;
	struct job_confine	 jc;
	struct job		*j;

	if (tc->ctx->cfg != NULL && tc->ctx->cfg->opts != NULL)
		keep = (const char *const *)
		    tc->ctx->cfg->opts->sandbox.keep_env.v;
	/* Landlock's rule set and the seccomp filter (both mechanisms):
	 * built now, applied in the child. */
	child = sandbox_child_prepare(sb, cause);
	if (child == NULL && *cause != NULL)
		return (NULL);
	memset(&jc, 0, sizeof jc);
	if (child != NULL) {
		jc.flags = sandbox_child_guard(child) ? PROC_GUARD | PROC_REAP :
		    0;
		jc.setup = sandbox_child_apply;
		jc.setup_arg = child;
		jc.setup_fd = sandbox_child_fd(child);
	}
	envp = sandbox_env(sb, (const char *const *)environ, keep,
	    tool_bash_drop_env);
	argv = sandbox_argv(sb, sh);	/* a copy when not enforced */
	j = job_startc((const char *const *)argv, (const char *const *)envp,
	    tc->ctx->root, tool_bash_timeout(tc->input), &jc, cb, arg, cause);
	sandbox_child_free(child);
	sandbox_argv_free(argv);
	sandbox_argv_free(envp);
	return (j);
}

/* Start the job; the call finishes from tool_bash_exited(). */
static int
tool_bash_run(struct tool_call *tc)
{
	static const struct job_cb	 cb = {
		.output = tool_bash_output,
		.exited = tool_bash_exited,
	};
	struct tool_bash		*b;
	const char			*command;
	char				*cause = NULL;

	command = json_string_value(json_object_get(tc->input, "command"));
	if (*command == '\0') {
		tool_result_setf(tc, 1, "bash needs a command");
		return (0);
	}
	b = xcalloc(1, sizeof *b);
	b->tc = tc;
	b->timeout_ms = tool_bash_timeout(tc->input);
	tool_cap_init(&b->cap, TOOL_OUTPUT_MAX - TOOL_BASH_STATUS);
	b->cap.limit = TOOL_OUTPUT_MAX;	/* with the status line */
	tc->priv = b;
	b->job = tool_bash_start(tc, command, &cb, b, &cause);
	if (b->job == NULL) {
		tool_result_setf(tc, 1, "cannot run the command: %s", cause);
		free(cause);
		tool_cap_release(&b->cap);
		free(b);
		tc->priv = NULL;
		return (0);
	}
	return (1);
}

/* Kill the command's group; the call finishes at once. */
static void
tool_bash_cancel(struct tool_call *tc)
{
	struct tool_bash	*b = tc->priv;

	if (b != NULL)
		job_kill(b->job);	/* calls tool_bash_exited() */
}

/* Output as it arrives: keep head and tail, show it live. */
static void
tool_bash_output(void *arg, const char *data, size_t len)
{
	struct tool_bash	*b = arg;
	struct tool_call	*tc = b->tc;

	tool_cap_add(&b->cap, data, len);
	if (tc->output != NULL)
		tc->output(tc, data, len, tc->output_arg);
}

/* The command ended: output, then how it ended. */
static void
tool_bash_exited(void *arg, int status, int timed_out)
{
	struct tool_bash	*b = arg;
	struct tool_call	*tc = b->tc;
	struct buf		 out = BUF_INIT, raw = BUF_INIT;
	const char		*name;
	char			*why;
	uint64_t		 omitted;
	size_t			 plain;
	int			 is_error = 1;

	tool_cap_finish(&b->cap, &raw, &omitted);
	/* The model gets what a terminal would show, not escapes. */
	tool_term_plain(&out, raw.buf, raw.len);
	if (out.len == 0)
		buf_adds(&out, "(no output)\n");
	else if (out.buf[out.len - 1] != '\n')
		buf_addch(&out, '\n');
	plain = out.len;
	if (tc->cancelled)
		buf_adds(&out, "cancelled by the user; process group killed");
	else if (timed_out)
		buf_addf(&out, "timed out after %u ms; process group killed",
		    b->timeout_ms);
	else if (WIFEXITED(status)) {
		tc->exit_status = WEXITSTATUS(status);
		buf_addf(&out, "exit status %d", tc->exit_status);
		is_error = tc->exit_status != 0;
	} else if (WIFSIGNALED(status)) {
		tc->exit_status = 128 + WTERMSIG(status);
		name = sigabbrev_np(WTERMSIG(status));
		buf_addf(&out, "killed by signal %d%s%s", WTERMSIG(status),
		    name != NULL ? " SIG" : "", name != NULL ? name : "");
	} else
		buf_addf(&out, "ended with wait status %d", status);
	if (is_error && !tc->cancelled && !timed_out &&
	    (why = sandbox_explain(tc->ctx->sandbox, status,
	    out.buf)) != NULL) {
		buf_addf(&out, "\n%s", why);
		free(tc->sandbox_why);
		tc->sandbox_why = why;	/* headless tells the user too */
	}
	tool_result_set(tc, out.buf, out.len, is_error);
	if (omitted != 0)
		tc->result.truncated = 1;
	/*
	 * The transcript draws the output as the terminal had it (colours,
	 * CR overwrites: render_term()), then the same ending as the result.
	 */
	if (memchr(raw.buf, 0x1b, raw.len) != NULL ||
	    memchr(raw.buf, '\r', raw.len) != NULL) {
		buf_reset(&tc->display);
		buf_add(&tc->display, raw.buf, raw.len);
		if (raw.len > 0 && raw.buf[raw.len - 1] != '\n')
			buf_addch(&tc->display, '\n');
		buf_add(&tc->display, out.buf + plain, out.len - plain);
	}
	buf_release(&raw);
	buf_release(&out);
	tool_cap_release(&b->cap);
	free(b);
	tc->priv = NULL;
	tool_call_finish(tc);
}
