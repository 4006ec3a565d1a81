/* test-proc.c: child processes (proc.c). */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <sys/prctl.h>
#include <sys/wait.h>

#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "agentos.h"
#include "proc.h"

#define NPROCS	40

static int	exits, last_status;

/* Count exits; stop the loop when want have exited. */
static void
on_exit_cb(struct proc *p, int status, void *arg)
{
	int	*want = arg;

	exits++;
	last_status = status;
	if (want == NULL || exits >= *want)
		loop_exit();
}

/* A timer that stops the loop (a guard against hangs). */
static void
stop_cb(void *arg)
{
	int	*fired = arg;

	*fired = 1;
	loop_exit();
}

/* Run the loop until want exits, or ms pass; nonzero when they did. */
static int
run_for(int want, unsigned int ms)
{
	struct loop_timer	*t;
	int			 fired = 0;

	while (exits < want && !fired) {
		t = loop_timer_add(ms, stop_cb, &fired);
		loop_run();
		if (!fired)
			loop_timer_cancel(t);
	}
	return (exits >= want);
}

/* Is pid alive (and not a zombie)? */
static int
alive(pid_t pid)
{
	char	 path[64], buf[512], *p;
	FILE	*f;
	size_t	 n;

	snprintf(path, sizeof path, "/proc/%ld/stat", (long)pid);
	if ((f = fopen(path, "r")) == NULL)
		return (0);
	n = fread(buf, 1, sizeof buf - 1, f);
	fclose(f);
	buf[n] = '\0';
	p = strrchr(buf, ')');
	return (p != NULL && p[1] == ' ' && p[2] != 'Z' && p[2] != 'X');
}

/* Wait up to 5 s for pid to be gone. */
static int
gone(pid_t pid)
{
	int	i;

	for (i = 0; i < 100; i++) {
		if (!alive(pid))
			return (1);
		usleep(50000);
	}
	return (0);
}

/* Read a pid the child wrote to fd (a line). */
static pid_t
read_pid(int fd)
{
	char	buf[64];
	size_t	len = 0;
	ssize_t	n;
	int	i;

	for (i = 0; i < 500 && len < sizeof buf - 1; i++) {
		n = read(fd, buf + len, sizeof buf - 1 - len);
		if (n > 0) {
			len += n;
			if (memchr(buf, '\n', len) != NULL)
				break;
		} else if (n == 0)
			break;
		else
			usleep(10000);
	}
	buf[len] = '\0';
	return ((pid_t)atol(buf));
}

static struct proc *
spawn_sh(const char *cmd, enum proc_stdio out, int flags, int *want)
{
	const char		*argv[2] = { cmd, NULL };
	struct proc_spec	 spec;
	struct proc		*p;
	char			*cause = NULL;

	memset(&spec, 0, sizeof spec);
	spec.argv = argv;
	spec.out = out;
	spec.err = PROC_MERGE;
	spec.flags = PROC_SHELL | flags;
	p = proc_spawn(&spec, on_exit_cb, want, &cause);
	assert_non_null(p);
	return (p);
}

static void
test_exit_status(void **state)
{
	const char		*argv[] = { "false", NULL };
	const char		*env[] = { "PROC_T=42", NULL };
	struct proc_spec	 spec;
	struct proc		*p;
	char			*cause = NULL, buf[64];
	int			 want = 1, status;
	ssize_t			 n;

	exits = 0;
	p = spawn_sh("exit 7", PROC_NULL, 0, &want);
	assert_true(run_for(1, 5000));
	assert_true(proc_exited(p, &status));
	assert_true(WIFEXITED(status));
	assert_int_equal(WEXITSTATUS(status), 7);
	proc_free(p);

	/* argv through PATH. */
	exits = 0;
	memset(&spec, 0, sizeof spec);
	spec.argv = argv;
	p = proc_spawn(&spec, on_exit_cb, &want, &cause);
	assert_non_null(p);
	assert_true(run_for(1, 5000));
	assert_int_equal(WEXITSTATUS(last_status), 1);
	proc_free(p);

	/* Environment additions and cwd. */
	exits = 0;
	p = spawn_sh("echo $PROC_T; pwd", PROC_PIPE, 0, &want);
	proc_free(p);
	memset(&spec, 0, sizeof spec);
	argv[0] = "echo $PROC_T $(pwd)";
	spec.argv = argv;
	spec.env = env;
	spec.cwd = "/";
	spec.out = PROC_PIPE;
	spec.flags = PROC_SHELL;
	p = proc_spawn(&spec, on_exit_cb, &want, &cause);
	assert_true(run_for(1, 5000));
	n = read(proc_fd(p, 1), buf, sizeof buf - 1);
	assert_true(n > 0);
	buf[n] = '\0';
	assert_string_equal(buf, "42 /\n");
	proc_free(p);

	/* exec failure is status 127. */
	exits = 0;
	argv[0] = "/nonexistent/binary";
	memset(&spec, 0, sizeof spec);
	spec.argv = argv;
	p = proc_spawn(&spec, on_exit_cb, &want, &cause);
	assert_non_null(p);
	assert_true(run_for(1, 5000));
	assert_int_equal(WEXITSTATUS(last_status), 127);
	proc_free(p);
}

/* Killing a proc kills its whole group: a grandchild too. */
static void
test_group_kill(void **state)
{
	struct proc	*p;
	pid_t		 gc;
	int		 want = 1;

	exits = 0;
	p = spawn_sh("sleep 1000 & echo $!; wait", PROC_PIPE, 0, &want);
	gc = read_pid(proc_fd(p, 1));
	assert_true(gc > 0);
	assert_true(alive(gc));
	proc_kill(p, 0);
	assert_true(run_for(1, 5000));
	assert_true(WIFSIGNALED(last_status));
	assert_true(gone(gc));
	proc_free(p);
}

/* A child that ignores SIGTERM gets SIGKILL after the grace. */
static void
test_kill_grace(void **state)
{
	struct proc	*p;
	int		 want = 1;
	uint64_t	 t0;

	exits = 0;
	p = spawn_sh("trap '' TERM; echo ready; while :; do sleep 0.05; done",
	    PROC_PIPE, 0, &want);
	assert_true(read_pid(proc_fd(p, 1)) == 0);	/* "ready" */
	t0 = loop_now_ms();
	proc_kill(p, 300);
	assert_true(run_for(1, 5000));
	assert_true(loop_now_ms() - t0 >= 250);
	assert_true(WIFSIGNALED(last_status));
	assert_int_equal(WTERMSIG(last_status), SIGKILL);
	proc_free(p);
}

/*
 * PDEATHSIG: a process that spawned a proc is SIGKILLed; its child dies.
 * With PROC_GUARD, the command's own child (a grandchild) dies too.
 */
static void
test_parent_death(void **state)
{
	pid_t	pid, kid;
	int	fds[2], status, guard;
	char	line[32];

	for (guard = 0; guard < 2; guard++) {
		assert_int_equal(pipe(fds), 0);
		pid = fork();
		assert_true(pid >= 0);
		if (pid == 0) {
			const char		*argv[2];
			struct proc_spec	 spec;
			struct proc		*p;
			char			*cause = NULL;

			close(fds[0]);
			loop_init();
			memset(&spec, 0, sizeof spec);
			argv[0] = guard ? "sleep 1000 & echo $!; wait" :
			    "echo $$; exec sleep 1000";
			argv[1] = NULL;
			spec.argv = argv;
			spec.out = PROC_PIPE;
			spec.flags = PROC_SHELL | (guard ? PROC_GUARD : 0);
			if ((p = proc_spawn(&spec, NULL, NULL, &cause)) ==
			    NULL)
				_exit(2);
			kid = read_pid(proc_fd(p, 1));
			snprintf(line, sizeof line, "%ld\n", (long)kid);
			if (write(fds[1], line, strlen(line)) < 0)
				_exit(3);
			kill(getpid(), SIGKILL);
			_exit(4);
		}
		close(fds[1]);
		kid = read_pid(fds[0]);
		close(fds[0]);
		assert_int_equal(waitpid(pid, &status, 0), pid);
		assert_true(WIFSIGNALED(status));
		assert_true(kid > 0);
		assert_true(gone(kid));
	}
	/* Reap what was reparented to us (the guard within its grace). */
	while (waitpid(-1, &status, 0) > 0 || errno == EINTR)
		;
}

/* Many at once: every exit reported once, nothing left unreaped. */
static void
test_many(void **state)
{
	struct proc	*v[NPROCS];
	char		 cmd[64];
	int		 want = NPROCS, i, status;

	exits = 0;
	for (i = 0; i < NPROCS; i++) {
		snprintf(cmd, sizeof cmd, "sleep 0.0%d; exit %d", i % 10,
		    i % 5);
		v[i] = spawn_sh(cmd, PROC_NULL, 0, &want);
	}
	assert_true(run_for(NPROCS, 10000));
	assert_int_equal(exits, NPROCS);
	assert_int_equal(proc_count(), 0);
	for (i = 0; i < NPROCS; i++) {
		assert_true(proc_exited(v[i], &status));
		assert_int_equal(WEXITSTATUS(status), i % 5);
		proc_free(v[i]);
	}
	/* No zombie: none of our children is left to wait for. */
	assert_int_equal(waitpid(-1, &status, WNOHANG), -1);
	assert_int_equal(errno, ECHILD);
}

/* Freed while running, then stopped synchronously: no zombie. */
static void
test_stop_sync(void **state)
{
	struct proc	*v[3];
	pid_t		 pids[3];
	int		 i, status;
	uint64_t	 t0;

	for (i = 0; i < 3; i++)
		v[i] = spawn_sh(i == 2 ? "trap '' TERM; sleep 1000" :
		    "sleep 1000", PROC_NULL, 0, NULL);
	for (i = 0; i < 3; i++)
		pids[i] = proc_pid(v[i]);
	usleep(100000);
	t0 = loop_now_ms();
	proc_stop_sync(v, 3, 300);
	assert_true(loop_now_ms() - t0 < 3000);
	assert_int_equal(proc_count(), 0);
	/* Reaped: (grandchildren reparented to us are not ours to count) */
	for (i = 0; i < 3; i++)
		assert_int_equal(waitpid(pids[i], &status, WNOHANG), -1);
	while (waitpid(-1, &status, WNOHANG) > 0)
		;

	/* A freed, running proc is reaped by the loop. */
	exits = 0;
	v[0] = spawn_sh("sleep 0.1", PROC_NULL, 0, NULL);
	pids[0] = proc_pid(v[0]);
	proc_free(v[0]);
	for (i = 0; i < 50 && proc_count() != 0; i++) {
		struct loop_timer *t;
		int fired = 0;

		t = loop_timer_add(50, stop_cb, &fired);
		loop_run();
		if (!fired)
			loop_timer_cancel(t);
	}
	assert_int_equal(proc_count(), 0);
	assert_int_equal(exits, 0);	/* no callback after proc_free */
	proc_shutdown();
	assert_int_equal(waitpid(pids[0], &status, WNOHANG), -1);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_exit_status),
		cmocka_unit_test(test_group_kill),
		cmocka_unit_test(test_kill_grace),
		cmocka_unit_test(test_parent_death),
		cmocka_unit_test(test_many),
		cmocka_unit_test(test_stop_sync),
	};

	signal(SIGPIPE, SIG_IGN);
	loop_init();
	/* Orphaned grandchildren come to us, so the tests can reap them. */
	prctl(PR_SET_CHILD_SUBREAPER, 1);
	if (getenv("TEST_FILTER") != NULL)
		cmocka_set_test_filter(getenv("TEST_FILTER"));
	return (cmocka_run_group_tests(tests, NULL, NULL));
}
