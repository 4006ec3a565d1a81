/* job.c: child processes in their own process group, inside the loop. */
#include <sys/prctl.h>
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
#include "banned.h"

/* Bytes read per read(2), and reads per callback (fairness). */
#define JOB_READ_SIZE	65536
#define JOB_READS	4

extern char **environ;

struct job {
	pid_t			 pid;		/* also the process group */
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
static struct event		*job_sigchld;
static struct event_base	*job_sigchld_base;

static char	**job_env(void);
static void	  job_child(const char *, const char *, int, char **, pid_t);
static void	  job_read(evutil_socket_t, short, void *);
static void	  job_close(struct job *);
static void	  job_check(struct job *);
static void	  job_stop(struct job *);
static void	  job_end(struct job *);
static void	  job_release(struct job *);
static void	  job_free_cb(void *);
static void	  job_sigchld_cb(evutil_socket_t, short, void *);
static void	  job_timeout_cb(void *);
static void	  job_grace_cb(void *);
static void	  job_drain_cb(void *);

/*
 * The child's environment, built before fork (setenv is not safe between
 * fork and exec): ours with PAGER and GIT_PAGER set to cat, so commands
 * never wait in a pager.
 */
static char **
job_env(void)
{
	char	**env;
	size_t	  n = 0, i, j = 0;

	while (environ[n] != NULL)
		n++;
	env = xcalloc(n + 3, sizeof *env);
	for (i = 0; i < n; i++) {
		if (strncmp(environ[i], "PAGER=", 6) == 0 ||
		    strncmp(environ[i], "GIT_PAGER=", 10) == 0)
			continue;
		env[j++] = environ[i];
	}
	env[j++] = (char *)"PAGER=cat";
	env[j++] = (char *)"GIT_PAGER=cat";
	env[j] = NULL;
	return (env);
}

/* In the child: only async-signal-safe calls until exec. */
static void
job_child(const char *command, const char *cwd, int out, char **env,
    pid_t parent)
{
	static const char	 msg[] = "agentos: cannot start /bin/sh\n";
	static const char	 cdmsg[] = "agentos: cannot chdir\n";
	struct sigaction	 sa;
	sigset_t		 set;
	char			*argv[4];
	int			 fd, sig;

	setsid();
	/* Die with agentos (and catch agentos having died already). */
	prctl(PR_SET_PDEATHSIG, SIGKILL);
	if (getppid() != parent)
		_exit(127);
	memset(&sa, 0, sizeof sa);
	sa.sa_handler = SIG_DFL;
	for (sig = 1; sig < NSIG; sig++)
		sigaction(sig, &sa, NULL);
	sigemptyset(&set);
	sigprocmask(SIG_SETMASK, &set, NULL);

	if ((fd = open("/dev/null", O_RDONLY)) != -1 && fd != 0) {
		dup2(fd, 0);
		close(fd);
	}
	dup2(out, 1);
	dup2(out, 2);
	if (out > 2)
		close(out);
	closefrom(3);
	if (chdir(cwd) != 0) {
		if (write(2, cdmsg, sizeof cdmsg - 1) < 0)
			_exit(127);
		_exit(127);
	}
	argv[0] = (char *)"sh";
	argv[1] = (char *)"-c";
	argv[2] = (char *)command;
	argv[3] = NULL;
	execve("/bin/sh", argv, env);
	if (write(2, msg, sizeof msg - 1) < 0)
		_exit(127);
	_exit(127);
}

struct job *
job_start(const char *command, const char *cwd, unsigned int timeout_ms,
    const struct job_cb *cb, void *arg, char **cause)
{
	struct job	*j;
	char		**env;
	pid_t		 parent = getpid(), pid;
	int		 p[2];

	if (job_sigchld == NULL || job_sigchld_base != loop_base) {
		/* A new loop (tests make several): the old event is its. */
		job_sigchld = evsignal_new(loop_base, SIGCHLD, job_sigchld_cb,
		    NULL);
		if (job_sigchld == NULL)
			fatalx("evsignal_new failed");
		job_sigchld_base = loop_base;
	}
	/* Listen before the child can exit. */
	if (!evsignal_pending(job_sigchld, NULL))
		evsignal_add(job_sigchld, NULL);

	if (pipe2(p, O_CLOEXEC) != 0) {
		*cause = xasprintf("pipe: %s", strerror(errno));
		return (NULL);
	}
	env = job_env();
	pid = fork();
	if (pid == -1) {
		*cause = xasprintf("fork: %s", strerror(errno));
		close(p[0]);
		close(p[1]);
		free(env);
		return (NULL);
	}
	if (pid == 0) {
		close(p[0]);
		job_child(command, cwd, p[1], env, parent);
	}
	free(env);
	close(p[1]);
	/* Both sides, so a kill right now reaches the group. */
	setpgid(pid, pid);

	j = xcalloc(1, sizeof *j);
	j->pid = pid;
	j->fd = p[0];
	j->cb = *cb;
	j->arg = arg;
	evutil_make_socket_nonblocking(j->fd);
	j->ev = event_new(loop_base, j->fd, EV_READ|EV_PERSIST, job_read, j);
	if (j->ev == NULL)
		fatalx("event_new failed");
	event_add(j->ev, NULL);
	if (timeout_ms != 0)
		j->timeout = loop_timer_add(timeout_ms, job_timeout_cb, j);
	TAILQ_INSERT_TAIL(&job_list, j, entry);
	log_debug("job %ld started: %s", (long)pid, command);
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
	kill(-j->pid, SIGKILL);
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
	if (TAILQ_EMPTY(&job_list) && job_sigchld != NULL)
		evsignal_del(job_sigchld);
	loop_timer_add(0, job_free_cb, j);
}

void
job_shutdown(void)
{
	struct job	*j;
	int		 status;

	while ((j = TAILQ_FIRST(&job_list)) != NULL) {
		if (!j->notified)
			job_stop(j);
		else
			kill(-j->pid, SIGKILL);
		/* Killed: the wait is short, and leaves no zombie. */
		if (!j->reaped)
			while (waitpid(j->pid, &status, 0) == -1 &&
			    errno == EINTR)
				;
		TAILQ_REMOVE(&job_list, j, entry);
		free(j);
	}
	if (job_sigchld != NULL)
		event_free(job_sigchld);
	job_sigchld = NULL;
}

/* Free a released job. */
static void
job_free_cb(void *arg)
{
	free(arg);
}

/* SIGCHLD (from the loop): reap our children, and only ours. */
static void
job_sigchld_cb(evutil_socket_t sig, short what, void *arg)
{
	struct job	*j, *next;
	int		 status;

	for (j = TAILQ_FIRST(&job_list); j != NULL; j = next) {
		next = TAILQ_NEXT(j, entry);
		if (j->reaped)
			continue;
		if (waitpid(j->pid, &status, WNOHANG) != j->pid)
			continue;
		j->reaped = 1;
		j->status = status;
		job_check(j);
	}
}

/* The timeout: SIGTERM to the group now, SIGKILL after the grace. */
static void
job_timeout_cb(void *arg)
{
	struct job	*j = arg;

	j->timeout = NULL;
	j->timed_out = 1;
	kill(-j->pid, SIGTERM);
	j->grace = loop_timer_add(JOB_KILL_GRACE_MS, job_grace_cb, j);
}

/* The grace after SIGTERM is over. */
static void
job_grace_cb(void *arg)
{
	struct job	*j = arg;

	j->grace = NULL;
	kill(-j->pid, SIGKILL);
}

/* The shell exited but the pipe stayed open: take what is there, end. */
static void
job_drain_cb(void *arg)
{
	struct job	*j = arg;

	j->drain = NULL;
	kill(-j->pid, SIGKILL);
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
	/* Reaped later by job_sigchld_cb, then freed. */
	if (j->reaped)
		job_release(j);
}
