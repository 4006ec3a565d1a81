/* test-tool-bash.c: jobs and the bash tool. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <sys/prctl.h>
#include <sys/wait.h>

#include <errno.h>
#include <signal.h>

#include "agentos.h"
#include "test-tools.h"

static char		*root;
static struct tool_ctx	 ctx;
static int		 finished;
static size_t		 streamed;

static int
setup(void **state)
{
	char	*d = tt_tmpdir();

	root = realpath(d, NULL);
	free(d);
	ctx.root = root;
	/* Orphaned grandchildren come to us, so the tests can reap them. */
	prctl(PR_SET_CHILD_SUBREAPER, 1);
	return (0);
}

static int
teardown(void **state)
{
	tt_rmtree(root);
	free(root);
	return (0);
}

/* Stop the loop when the call is done. */
static void
stop_loop(struct tool_call *tc, void *arg)
{
	finished++;
	loop_exit();
}

/* Count streamed output. */
static void
on_output(struct tool_call *tc, const char *data, size_t len, void *arg)
{
	streamed += len;
}

/* Run bash with command (and timeout_ms when not 0) to completion. */
static struct tool_call *
bash(const char *command, int timeout_ms)
{
	struct tool_call	*tc;
	json_t			*in;

	if (timeout_ms != 0)
		in = json_pack("{s:s, s:i}", "command", command, "timeout_ms",
		    timeout_ms);
	else
		in = json_pack("{s:s}", "command", command);
	tc = tool_call_create("id", "bash", in, &ctx);
	json_decref(in);
	tc->done = stop_loop;
	tc->output = on_output;
	finished = 0;
	streamed = 0;
	tool_call_start(tc);
	if (!finished)
		loop_run();
	assert_int_equal(finished, 1);
	assert_int_equal(tc->pending, 0);
	return (tc);
}

/*
 * Wait (bounded) for pid, a descendant orphaned to us, to be gone: reaped
 * here after dying from a signal, or already reaped by its shell.
 */
static void
assert_gone(pid_t pid)
{
	int	status, i;
	pid_t	r;

	for (i = 0; i < 3000; i++) {
		r = waitpid(pid, &status, WNOHANG);
		if (r == pid) {
			assert_true(WIFSIGNALED(status));
			return;
		}
		if (r == -1 && errno == ECHILD && kill(pid, 0) == -1 &&
		    errno == ESRCH)
			return;
		usleep(10000);
	}
	kill(pid, SIGKILL);
	fail_msg("process %ld survived its job", (long)pid);
}

static void
test_exit_status(void **state)
{
	struct tool_call	*tc;

	tc = bash("echo hello; echo oops >&2; exit 3", 0);
	assert_string_equal(tc->result.buf, "hello\noops\nexit status 3");
	assert_int_equal(tc->exit_status, 3);
	assert_true(tc->is_error);
	assert_int_equal(streamed, 11);
	tool_call_free(tc);

	tc = bash("pwd", 0);
	assert_false(tc->is_error);
	assert_non_null(strstr(tc->result.buf, root));
	assert_non_null(strstr(tc->result.buf, "exit status 0"));
	tool_call_free(tc);

	tc = bash("true", 0);
	assert_string_equal(tc->result.buf, "(no output)\nexit status 0");
	tool_call_free(tc);

	tc = bash("printf 'no newline'", 0);
	assert_string_equal(tc->result.buf, "no newline\nexit status 0");
	tool_call_free(tc);

	tc = bash("kill -KILL $$", 0);
	assert_string_equal(tc->result.buf, "(no output)\nkilled by signal 9 "
	    "SIGKILL");
	assert_int_equal(tc->exit_status, 137);
	tool_call_free(tc);

	/* stdin is empty, pagers are cat. */
	tc = bash("cat; echo \"[$PAGER]\"", 0);
	assert_string_equal(tc->result.buf, "[cat]\nexit status 0");
	tool_call_free(tc);
}

static void
test_timeout_kills_group(void **state)
{
	struct tool_call	*tc;
	long			 gpid = 0;

	/* Limits long enough for bash to start on a busy machine. */
	tc = bash("sleep 1000 & echo $!; wait", 2000);
	assert_true(tc->is_error);
	assert_non_null(strstr(tc->result.buf, "timed out after 2000 ms; "
	    "process group killed"));
	assert_int_equal(sscanf(tc->result.buf, "%ld", &gpid), 1);
	assert_true(gpid > 1);
	tool_call_free(tc);
	assert_gone(gpid);
}

static void
test_trap_term_then_kill(void **state)
{
	struct tool_call	*tc;

	/* A shell that ignores SIGTERM dies of the SIGKILL after grace. */
	tc = bash("trap '' TERM; echo ready; while :; do sleep 0.05; done",
	    1000);
	assert_non_null(strstr(tc->result.buf, "ready\ntimed out after 1000 "
	    "ms"));
	tool_call_free(tc);
}

static void
test_background_holds_pipe(void **state)
{
	struct tool_call	*tc;
	long			 gpid = 0;

	/* The shell exits at once; its child keeps the pipe open. */
	tc = bash("sleep 1000 & echo $!", 0);
	assert_int_equal(sscanf(tc->result.buf, "%ld", &gpid), 1);
	assert_non_null(strstr(tc->result.buf, "exit status 0"));
	assert_false(tc->is_error);
	tool_call_free(tc);
	assert_gone(gpid);
}

static void
test_output_cap(void **state)
{
	struct tool_call	*tc;

	tc = bash("yes", 2000);
	assert_true(tc->result.len <= TOOL_OUTPUT_MAX);
	assert_true(strncmp(tc->result.buf, "y\ny\ny\n", 6) == 0);
	assert_non_null(strstr(tc->result.buf, "lines) omitted; output capped "
	    "at"));
	assert_non_null(strstr(tc->result.buf, "y\ny\ntimed out after 2000 ms"));
	assert_true(streamed > TOOL_OUTPUT_MAX);
	assert_true(tc->result.truncated);
	tool_call_free(tc);
}

/* Cancel from a timer while the command runs. */
static void
cancel_cb(void *arg)
{
	tool_call_cancel(arg);
}

static void
test_cancel(void **state)
{
	struct tool_call	*tc;
	json_t			*in;

	in = json_pack("{s:s}", "command", "echo started; sleep 1000");
	tc = tool_call_create("id", "bash", in, &ctx);
	json_decref(in);
	tc->done = stop_loop;
	finished = 0;
	tool_call_start(tc);
	assert_int_equal(tc->pending, 1);
	loop_timer_add(200, cancel_cb, tc);
	loop_run();
	assert_int_equal(finished, 1);
	assert_true(tc->cancelled);
	assert_true(tc->is_error);
	assert_non_null(strstr(tc->result.buf, "cancelled by the user; "
	    "process group killed"));
	tool_call_free(tc);

	/* Freeing a running call cancels it without calling done. */
	in = json_pack("{s:s}", "command", "sleep 1000");
	tc = tool_call_create("id", "bash", in, &ctx);
	json_decref(in);
	tc->done = stop_loop;
	finished = 0;
	tool_call_start(tc);
	tool_call_free(tc);
	assert_int_equal(finished, 0);
}

static int	job_status = -2, job_timed_out = -1;

/* Record how a job ended. */
static void
job_exited(void *arg, int status, int timed_out)
{
	job_status = status;
	job_timed_out = timed_out;
	loop_exit();
}

static void
test_job_direct(void **state)
{
	static const struct job_cb	 cb = { NULL, job_exited };
	struct job			*j;
	char				*cause = NULL;

	j = job_start("exit 7", root, 0, &cb, NULL, &cause);
	assert_non_null(j);
	loop_run();
	assert_true(WIFEXITED(job_status));
	assert_int_equal(WEXITSTATUS(job_status), 7);
	assert_int_equal(job_timed_out, 0);

	/* job_kill calls exited at once, and nothing after. */
	job_status = -2;
	j = job_start("sleep 1000", root, 0, &cb, NULL, &cause);
	job_kill(j);
	assert_int_equal(job_status, -1);
	assert_int_equal(job_timed_out, 0);

	/* A bad cwd: the shell cannot start there, said in the output. */
	j = job_start("true", "/nonexistent/dir", 0, &cb, NULL, &cause);
	assert_non_null(j);
	loop_run();
	assert_true(WIFEXITED(job_status));
	assert_int_equal(WEXITSTATUS(job_status), 127);
}

static void
test_preview(void **state)
{
	struct buf	 b = BUF_INIT;
	char		*cause = NULL;
	json_t		*in = json_pack("{s:s, s:i}", "command", "make check",
			    "timeout_ms", 9999999);

	assert_int_equal(tool_bash.preview(&ctx, in, &b, &cause), 0);
	assert_string_equal(b.buf, "$ make check\n(timeout 600000 ms)\n");
	buf_release(&b);
	json_decref(in);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_exit_status),
		cmocka_unit_test(test_timeout_kills_group),
		cmocka_unit_test(test_trap_term_then_kill),
		cmocka_unit_test(test_background_holds_pipe),
		cmocka_unit_test(test_output_cap),
		cmocka_unit_test(test_cancel),
		cmocka_unit_test(test_job_direct),
		cmocka_unit_test(test_preview),
	};

	loop_init();
	return (cmocka_run_group_tests(tests, setup, teardown));
}
