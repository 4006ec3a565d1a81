/* job.c: child processes in their own process group, inside the loop. */
#include <sys/queue.h>
#include <sys/wait.h>

#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <event2/event.h>

#include "agentos.h"
#include "proc.h"
#include "banned.h"

/* Bytes read per read(2), and reads per callback (fairness). */
#define JOB_READ_SIZE	65536
#define JOB_READS	4

struct job {
	struct proc		*proc;		/* its pid is the group */
	pid_t			 pid;
	int			 fd;		/* output pipe; -1: closed */
	struct event		*ev;
	struct loop_timer	*timeout, *grace, *drain;
	struct job_cb		 cb;
	void			*arg;
	int			 reaped, status;
	int			 timed_out;
	int			 notified;	/* exited was called */
	TAILQ_ENTRY(job)	 entry;
};

static TAILQ_HEAD(, job)	 job_list = TAILQ_HEAD_INITIALIZER(job_list);

static struct job *job_spawn(const char *const *, int, const char *const *,
		    const char *, unsigned int, const struct job_confine *,
		    const struct job_cb *, void *, char **);
static void	  job_read(evutil_socket_t, short, void *);
static void	  job_close(struct job *);
static void	  job_check(struct job *);
static void	  job_stop(struct job *);
static void	  job_end(struct job *);
static void	  job_release(struct job *);
static void	  job_free_cb(void *);
static void	  job_exit_cb(struct proc *, int, void *);
static void	  job_timeout_cb(void *);
static void	  job_grace_cb(void *);
static void	  job_drain_cb(void *);

/*
 * PAGER and GIT_PAGER are cat, so commands never wait in a pager; stdin
 * is /dev/null, stdout and stderr one pipe (proc.c does the rest).
 */
struct job *
job_start(const char *command, const char *cwd, unsigned int timeout_ms,
    const struct job_cb *cb, void *arg, char **cause)
{
	const char		*argv[2] = { command, NULL };

	return (job_spawn(argv, PROC_SHELL, NULL, cwd, timeout_ms, NULL, cb,
	    arg, cause));
}

struct job *
job_startv(const char *const *argv, const char *const *base_env,
    const char *cwd, unsigned int timeout_ms, const struct job_cb *cb,
    void *arg, char **cause)
{
	return (job_spawn(argv, 0, base_env, cwd, timeout_ms, NULL, cb, arg,
	    cause));
}

struct job *
job_startc(const char *const *argv, const char *const *base_env,
    const char *cwd, unsigned int timeout_ms, const struct job_confine *jc,
    const struct job_cb *cb, void *arg, char **cause)
{
	return (job_spawn(argv, jc != NULL ? jc->flags : 0, base_env, cwd,
	    timeout_ms, jc, cb, arg, cause));
}

/* Start argv (with flags PROC_*) as a job. */
static struct job *
job_spawn(const char *const *argv, int flags, const char *const *base_env,
    const char *cwd, unsigned int timeout_ms, const struct job_confine *jc,
    const struct job_cb *cb, void *arg, char **cause)
{
	static const char *const env[] = { "PAGER=cat", "GIT_PAGER=cat",
				     NULL };
	struct proc_spec	 spec;
	struct job		*j;

	memset(&spec, 0, sizeof spec);
	spec.argv = argv;
	spec.cwd = cwd;
	spec.env = env;
	spec.base_env = base_env;
	spec.in = PROC_NULL;
	spec.out = PROC_PIPE;
	spec.err = PROC_MERGE;
	spec.flags = flags;
	if (jc != NULL && jc->setup != NULL) {
		spec.setup = jc->setup;
		spec.setup_arg = jc->setup_arg;
		spec.setup_fd = jc->setup_fd;
	}

	j = xcalloc(1, sizeof *j);
	if ((j->proc = proc_spawn(&spec, job_exit_cb, j, cause)) == NULL) {
		free(j);
		return (NULL);
	}
	j->pid = proc_pid(j->proc);
	j->fd = proc_take_fd(j->proc, 1);
	j->cb = *cb;
	j->arg = arg;
	j->ev = event_new(loop_base, j->fd, EV_READ|EV_PERSIST, job_read, j);
	if (j->ev == NULL)
		fatalx("event_new failed");
	event_add(j->ev, NULL);
	if (timeout_ms != 0)
		j->timeout = loop_timer_add(timeout_ms, job_timeout_cb, j);
	TAILQ_INSERT_TAIL(&job_list, j, entry);
	log_debug("job %ld started: %s", (long)j->pid,
	    argv[0]);
	return (j);
}

/* Output is readable: pass it on; at end of file, see if the job ended. */
static void
job_read(evutil_socket_t fd, short what, void *arg)
{
	struct job	*j = arg;
	char		 data[JOB_READ_SIZE];
	ssize_t		 n;
	int		 i;

	for (i = 0; i < JOB_READS; i++) {
		n = read(j->fd, data, sizeof data);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK))
			return;
		if (n <= 0) {
			/* End of file (or an error: the same for us). */
			job_close(j);
			job_check(j);
			return;
		}
		if (j->cb.output != NULL)
			j->cb.output(j->arg, data, n);
		if (j->notified)
			return;		/* killed from the callback */
	}
}

/* Stop reading the pipe. */
static void
job_close(struct job *j)
{
	if (j->ev != NULL) {
		event_free(j->ev);
		j->ev = NULL;
	}
	if (j->fd != -1) {
		close(j->fd);
		j->fd = -1;
	}
}

/*
 * The job ends once the shell is reaped and the pipe is at end of file;
 * if background processes hold the pipe open, after a short drain.
 */
static void
job_check(struct job *j)
{
	if (j->notified) {
		if (j->reaped)
			job_release(j);
		return;
	}
	if (!j->reaped)
		return;
	if (j->fd == -1)
		job_end(j);
	else if (j->drain == NULL)
		j->drain = loop_timer_add(JOB_DRAIN_MS, job_drain_cb, j);
}

/*
 * Kill what is left of the group, close the output and stop the timers:
 * after this the owner hears nothing more but the one exited call.
 */
static void
job_stop(struct job *j)
{
	proc_kill(j->proc, 0);
	job_close(j);
	loop_timer_cancel(j->timeout);
	loop_timer_cancel(j->grace);
	loop_timer_cancel(j->drain);
	j->timeout = j->grace = j->drain = NULL;
	j->notified = 1;
}

/* Tell the owner and let go of everything. */
static void
job_end(struct job *j)
{
	/* Nothing of the group outlives the command. */
	job_stop(j);
	log_debug("job %ld ended: status %d%s", (long)j->pid, j->status,
	    j->timed_out ? ", timed out" : "");
	if (j->cb.exited != NULL)
		j->cb.exited(j->arg, j->timed_out ? -1 : j->status,
		    j->timed_out);
	job_release(j);
}

/* Unlink the job and free it from the loop, after current callbacks. */
static void
job_release(struct job *j)
{
	TAILQ_REMOVE(&job_list, j, entry);
	proc_free(j->proc);
	j->proc = NULL;
	loop_timer_add(0, job_free_cb, j);
}

void
job_shutdown(void)
{
	struct job	*j;

	while ((j = TAILQ_FIRST(&job_list)) != NULL) {
		if (!j->notified)
			job_stop(j);
		/* Killed: the wait is short, and leaves no zombie. */
		proc_stop_sync(&j->proc, 1, 0);
		TAILQ_REMOVE(&job_list, j, entry);
		free(j);
	}
	proc_shutdown();
}

/* Free a released job. */
static void
job_free_cb(void *arg)
{
	free(arg);
}

/* The shell was reaped (from the loop, by proc.c). */
static void
job_exit_cb(struct proc *p, int status, void *arg)
{
	struct job	*j = arg;

	j->reaped = 1;
	j->status = status;
	job_check(j);
}

/* The timeout: SIGTERM to the group now, SIGKILL after the grace. */
static void
job_timeout_cb(void *arg)
{
	struct job	*j = arg;

	j->timeout = NULL;
	j->timed_out = 1;
	proc_signal(j->proc, SIGTERM);
	j->grace = loop_timer_add(JOB_KILL_GRACE_MS, job_grace_cb, j);
}

/* The grace after SIGTERM is over. */
static void
job_grace_cb(void *arg)
{
	struct job	*j = arg;

	j->grace = NULL;
	proc_signal(j->proc, SIGKILL);
}

/* The shell exited but the pipe stayed open: take what is there, end. */
static void
job_drain_cb(void *arg)
{
	struct job	*j = arg;

	j->drain = NULL;
	proc_signal(j->proc, SIGKILL);
	if (j->ev != NULL)
		job_read(j->fd, EV_READ, j);
	if (!j->notified)
		job_end(j);
}

void
job_kill(struct job *j)
{
	if (j == NULL || j->notified)
		return;
	job_stop(j);
	if (j->cb.exited != NULL)
		j->cb.exited(j->arg, -1, 0);
	/* Reaped later by proc.c (job_exit_cb), then freed. */
	if (j->reaped)
		job_release(j);
}
