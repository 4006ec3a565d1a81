/*
 * proc.c: every child process agentos starts, inside the loop (see proc.h).
 *
 * One SIGCHLD event (libevent's evsignal) is added while children run; its
 * callback reaps each child we started by pid with WNOHANG (only when a
 * SIGCHLD came: this is not a polling loop) and then runs the exit
 * callbacks, one at a time, rescanning the list after each because a
 * callback may free or start procs.  Freed procs stay on the list until
 * they are reaped, so nothing we started is left a zombie.
 */
#include <sys/prctl.h>
#include <sys/queue.h>
#include <sys/signalfd.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/wait.h>

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <poll.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <event2/event.h>

#include "agentos.h"
#include "proc.h"
#include "banned.h"

extern char **environ;

struct proc {
	pid_t			 pid;		/* also the process group */
	int			 fd[3];		/* our pipe ends; -1: none */
	int			 guard_fd;	/* PROC_GUARD: write end */
	int			 reap;		/* PROC_REAP */
	proc_exit_cb		 cb;
	void			*arg;
	struct loop_timer	*kill_timer;
	int			 reaped;
	int			 status;
	int			 notified;	/* cb ran (or must not) */
	int			 freed;		/* the owner let go */
	int			 listed;	/* on proc_list */
	TAILQ_ENTRY(proc)	 entry;
};

static TAILQ_HEAD(, proc)	 proc_list = TAILQ_HEAD_INITIALIZER(proc_list);
static struct event		*proc_sigchld;
static struct event_base	*proc_sigchld_base;

static char	*proc_which(const char *);
static char	**proc_env(const char *const *, const char *const *);
static void	 proc_child_fds(const int *);
static void	 proc_child_reset(void);
static void	 proc_child_exec(const char *, char *const *, char **,
		     const char *) __attribute__((noreturn));
static void	 proc_child_setup(const struct proc_spec *, int,
		     const char *);
static void	 proc_guard_main(int, const char *, char *const *, char **,
		     const struct proc_spec *, int, unsigned int)
		     __attribute__((noreturn));
static void	 proc_say(const char *, const char *, const char *);
static void	 proc_listen(void);
static void	 proc_unlisten(void);
static void	 proc_sigchld_cb(evutil_socket_t, short, void *);
static void	 proc_kill_cb(void *);
static void	 proc_close_fds(struct proc *);
static void	 proc_unlink(struct proc *);
static void	 proc_free_cb(void *);

/* Write "agentos: what arg: why" to fd 2; async-signal-safe. */
static void
proc_say(const char *what, const char *arg, const char *why)
{
	const char	*parts[7];
	size_t		 i;

	parts[0] = "agentos: ";
	parts[1] = what;
	parts[2] = " ";
	parts[3] = arg;
	parts[4] = ": ";
	parts[5] = why;
	parts[6] = "\n";
	for (i = 0; i < 7; i++) {
		if (write(2, parts[i], strlen(parts[i])) < 0)
			return;
	}
}

/* argv[0] resolved in PATH (before fork: no malloc after it); allocated. */
static char *
proc_which(const char *name)
{
	const char	*path = getenv("PATH"), *p, *colon;
	char		*try;
	struct stat	 sb;
	size_t		 len;

	if (strchr(name, '/') != NULL)
		return (xstrdup(name));
	if (path == NULL)
		path = "/usr/local/bin:/usr/bin:/bin";
	for (p = path; *p != '\0'; p = *colon != '\0' ? colon + 1 : colon) {
		if ((colon = strchr(p, ':')) == NULL)
			colon = p + strlen(p);
		len = colon - p;
		try = xasprintf("%.*s/%s", (int)len, len == 0 ? "." : p, name);
		if (stat(try, &sb) == 0 && S_ISREG(sb.st_mode) &&
		    access(try, X_OK) == 0)
			return (try);
		free(try);
	}
	return (xstrdup(name));		/* execve fails; the child says so */
}

/*
 * base (NULL: our environment) with add's "NAME=value" strings replacing
 * or extending it; the strings are borrowed, the array is the caller's to
 * free.
 */
static char **
proc_env(const char *const *base, const char *const *add)
{
	char *const	 *from;
	char		**env;
	size_t		  n = 0, nadd = 0, i, k, j = 0, len;
	const char	 *eq;
	int		  skip;

	from = base != NULL ? (char *const *)base : environ;
	while (from[n] != NULL)
		n++;
	while (add != NULL && add[nadd] != NULL)
		nadd++;
	env = xcalloc(n + nadd + 1, sizeof *env);
	/* Additions first: readers of /proc/PID/environ see them soon. */
	for (k = 0; k < nadd; k++)
		env[j++] = (char *)add[k];
	for (i = 0; i < n; i++) {
		skip = 0;
		for (k = 0; k < nadd && !skip; k++) {
			if ((eq = strchr(add[k], '=')) == NULL)
				continue;
			len = eq - add[k] + 1;
			if (strncmp(from[i], add[k], len) == 0)
				skip = 1;
		}
		if (!skip)
			env[j++] = from[i];
	}
	env[j] = NULL;
	return (env);
}

/* In a child: fds[0..2] become 0, 1, 2 (-1: /dev/null). */
static void
proc_child_fds(const int *fds)
{
	int	i, fd, null = -1;

	for (i = 0; i < 3; i++) {
		fd = fds[i];
		if (fd == -1) {
			if (null == -1 &&
			    (null = open("/dev/null", O_RDWR)) == -1)
				_exit(126);
			fd = null;
		}
		if (fd == i)
			fcntl(fd, F_SETFD, 0);
		else if (dup2(fd, i) == -1)
			_exit(126);
	}
}

/* In a child: default signal dispositions, nothing blocked. */
static void
proc_child_reset(void)
{
	struct sigaction	sa;
	sigset_t		set;
	int			sig;

	memset(&sa, 0, sizeof sa);
	sa.sa_handler = SIG_DFL;
	for (sig = 1; sig < NSIG; sig++) {
		if (sig != SIGKILL && sig != SIGSTOP)
			sigaction(sig, &sa, NULL);
	}
	sigemptyset(&set);
	sigprocmask(SIG_SETMASK, &set, NULL);
}

/* In a child, after its descriptors are set: chdir and exec. */
static void
proc_child_exec(const char *path, char *const *argv, char **env,
    const char *cwd)
{
	if (cwd != NULL && chdir(cwd) != 0) {
		proc_say("cannot chdir to", cwd, strerror(errno));
		_exit(127);
	}
	execve(path, argv, env);
	proc_say("cannot start", path, strerror(errno));
	_exit(127);
}

/* In a child: run spec's setup hook (fd: where setup_fd is now). */
static void
proc_child_setup(const struct proc_spec *spec, int fd, const char *path)
{
	if (spec->setup == NULL)
		return;
	if (spec->setup(spec->setup_arg, fd) != 0) {
		proc_say("cannot confine", path, strerror(errno));
		_exit(126);
	}
}

/* Decimal digits of v into buf (at least 24 bytes); async-signal-safe. */
static char *
proc_itoa(char *buf, size_t size, unsigned long v)
{
	char	*p = buf + size - 1;

	*p = '\0';
	do {
		*--p = '0' + v % 10;
		v /= 10;
	} while (v != 0 && p > buf);
	return (p);
}

/*
 * The reaping guard (PROC_REAP): SIGKILL every child (orphans come to us
 * as the subreaper) and reap, until there is none.  Async-signal-safe.
 */
void
proc_kill_children(void)
{
	static const char	 pre[] = "/proc/self/task/", post[] = "/children";
	char			 path[96], num[24], buf[4096], *p, *s;
	size_t			 len;
	ssize_t			 n;
	pid_t			 pid;
	int			 fd, status;

	s = proc_itoa(num, sizeof num, (unsigned long)getpid());
	len = 0;
	memcpy(path, pre, sizeof pre - 1);
	len += sizeof pre - 1;
	memcpy(path + len, s, strlen(s));
	len += strlen(s);
	memcpy(path + len, post, sizeof post);
	for (;;) {
		if ((fd = open(path, O_RDONLY | O_CLOEXEC)) != -1) {
			n = read(fd, buf, sizeof buf - 1);
			close(fd);
			buf[n > 0 ? n : 0] = '\0';
			for (p = buf; *p != '\0';) {
				pid = 0;
				while (*p >= '0' && *p <= '9')
					pid = pid * 10 + (*p++ - '0');
				if (pid > 0)
					kill(pid, SIGKILL);
				while (*p != '\0' && (*p < '0' || *p > '9'))
					p++;
			}
		} else if (waitpid(-1, &status, WNOHANG) == 0)
			return;		/* no /proc: the group kill must do */
		if (waitpid(-1, &status, 0) == -1 && errno != EINTR)
			return;		/* ECHILD: none left */
	}
}

/*
 * The guard (PROC_GUARD in proc.h): runs in the forked child, the session
 * leader, with the command's 0, 1, 2 in place and the guard pipe on
 * guardfd; forks the command and waits for it or for end-of-file on the
 * guard pipe.  Never returns.
 */
static void
proc_guard_main(int guardfd, const char *path, char *const *argv,
    char **env, const struct proc_spec *spec, int setup_fd,
    unsigned int grace_ms)
{
	const char			*cwd = spec->cwd;
	int				 reap = spec->flags & PROC_REAP;
	struct pollfd			 pfd[2];
	struct signalfd_siginfo		 si;
	sigset_t			 set;
	pid_t				 child, me = getpid();
	int				 sfd, status, null;
	char				 c;
	uint64_t			 end, now;
	struct timespec			 ts;

	signal(SIGTERM, SIG_IGN);
	signal(SIGINT, SIG_IGN);
	signal(SIGHUP, SIG_IGN);
	signal(SIGPIPE, SIG_IGN);
	sigemptyset(&set);
	sigaddset(&set, SIGCHLD);
	sigprocmask(SIG_BLOCK, &set, NULL);
	if ((sfd = signalfd(-1, &set, SFD_CLOEXEC)) == -1)
		_exit(126);
	if (reap && prctl(PR_SET_CHILD_SUBREAPER, 1) != 0)
		_exit(126);

	child = fork();
	if (child == -1)
		_exit(126);
	if (child == 0) {
		/* The command: die with the guard. */
		prctl(PR_SET_PDEATHSIG, SIGKILL);
		if (getppid() != me)
			_exit(127);
		close(guardfd);
		close(sfd);
		proc_child_reset();
		proc_child_setup(spec, setup_fd, path);
		if (setup_fd != -1)
			close(setup_fd);
		proc_child_exec(path, argv, env, cwd);
	}
	if (setup_fd != -1)
		close(setup_fd);

	/* The guard holds none of the command's pipes. */
	if ((null = open("/dev/null", O_RDWR)) != -1) {
		dup2(null, 0);
		dup2(null, 1);
		dup2(null, 2);
		if (null > 2)
			close(null);
	}
	pfd[0].fd = guardfd;
	pfd[0].events = POLLIN;
	pfd[1].fd = sfd;
	pfd[1].events = POLLIN;
	for (;;) {
		if (poll(pfd, 2, -1) == -1) {
			if (errno == EINTR)
				continue;
			break;
		}
		if (pfd[1].revents & POLLIN) {
			if (read(sfd, &si, sizeof si) <= 0)
				continue;
			if (waitpid(child, &status, WNOHANG) == child) {
				/* The command ended: stragglers get TERM. */
				if (reap)
					proc_kill_children();
				kill(-me, SIGTERM);
				if (WIFEXITED(status))
					_exit(WEXITSTATUS(status));
				_exit(128 + WTERMSIG(status));
			}
		}
		if (pfd[0].revents & (POLLIN | POLLHUP | POLLERR)) {
			if (read(guardfd, &c, 1) > 0) {
				if (c != 'K' || !reap)
					continue;
				/* proc_signal(SIGKILL): everything, now. */
				proc_kill_children();
				kill(-me, SIGKILL);
				_exit(128 + SIGKILL);
			}
			break;		/* agentos closed it or died */
		}
	}

	/* TERM the group, wait for the command, then KILL all. */
	kill(-me, SIGTERM);
	clock_gettime(CLOCK_MONOTONIC, &ts);
	end = (uint64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000 + grace_ms;
	for (;;) {
		clock_gettime(CLOCK_MONOTONIC, &ts);
		now = (uint64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
		if (now >= end)
			break;
		pfd[1].revents = 0;
		if (poll(&pfd[1], 1, (int)(end - now)) > 0 &&
		    read(sfd, &si, sizeof si) > 0 &&
		    waitpid(child, &status, WNOHANG) == child)
			break;
	}
	if (reap)
		proc_kill_children();
	kill(-me, SIGKILL);
	_exit(125);
}

/* Make sure the SIGCHLD event of the current loop is added. */
static void
proc_listen(void)
{
	if (proc_sigchld == NULL || proc_sigchld_base != loop_base) {
		/* A new loop (tests make several): the old event was its. */
		proc_sigchld = evsignal_new(loop_base, SIGCHLD,
		    proc_sigchld_cb, NULL);
		if (proc_sigchld == NULL)
			fatalx("evsignal_new failed");
		proc_sigchld_base = loop_base;
	}
	if (!evsignal_pending(proc_sigchld, NULL))
		evsignal_add(proc_sigchld, NULL);
}

/* Nothing left to reap: let the loop end when it has nothing else. */
static void
proc_unlisten(void)
{
	struct proc	*p;

	TAILQ_FOREACH(p, &proc_list, entry) {
		if (!p->reaped)
			return;
	}
	if (proc_sigchld != NULL && proc_sigchld_base == loop_base)
		evsignal_del(proc_sigchld);
}

struct proc *
proc_spawn(const struct proc_spec *spec, proc_exit_cb cb, void *arg,
    char **cause)
{
	struct proc	 *p = NULL;
	enum proc_stdio	  mode[3] = { spec->in, spec->out, spec->err };
	int		  pipes[3][2] = { { -1, -1 }, { -1, -1 }, { -1, -1 } };
	int		  guard[2] = { -1, -1 }, child[3], i, sfd;
	char		 *path, **env;
	char		 *shargv[4];
	char *const	 *argv;
	pid_t		  parent = getpid(), pid;
	unsigned int	  grace = spec->grace_ms != 0 ? spec->grace_ms :
			      PROC_GRACE_MS;

	for (i = 0; i < 3; i++) {
		if (mode[i] == PROC_PIPE &&
		    pipe2(pipes[i], O_CLOEXEC) != 0) {
			*cause = xasprintf("pipe: %s", strerror(errno));
			goto fail;
		}
	}
	if ((spec->flags & PROC_GUARD) && pipe2(guard, O_CLOEXEC) != 0) {
		*cause = xasprintf("pipe: %s", strerror(errno));
		goto fail;
	}
	/* The child's ends: in reads, out and err write. */
	for (i = 0; i < 3; i++) {
		switch (mode[i]) {
		case PROC_PIPE:
			child[i] = pipes[i][i == 0 ? 0 : 1];
			break;
		case PROC_MERGE:
			child[i] = i == 2 ? child[1] : -1;
			break;
		case PROC_INHERIT:
			child[i] = i;
			break;
		default:
			child[i] = -1;
			break;
		}
	}
	if (spec->flags & PROC_SHELL) {
		shargv[0] = (char *)"sh";
		shargv[1] = (char *)"-c";
		shargv[2] = (char *)spec->argv[0];
		shargv[3] = NULL;
		argv = shargv;
		path = xstrdup("/bin/sh");
	} else {
		argv = (char *const *)spec->argv;
		path = proc_which(spec->argv[0]);
	}
	env = proc_env(spec->base_env, spec->env);

	/* Listen before the child can exit. */
	proc_listen();
	pid = fork();
	if (pid == -1) {
		*cause = xasprintf("fork: %s", strerror(errno));
		free(path);
		free(env);
		goto fail;
	}
	if (pid == 0) {
		/* A new session, so pid is the group; else a group. */
		if (setsid() == -1)
			setpgid(0, 0);
		if (spec->flags & PROC_GUARD) {
			proc_child_fds(child);
			if (guard[0] != 3 && dup2(guard[0], 3) == -1)
				_exit(126);
			fcntl(3, F_SETFD, FD_CLOEXEC);
			sfd = -1;
			if (spec->setup != NULL && spec->setup_fd != -1) {
				if (spec->setup_fd != 4 &&
				    dup2(spec->setup_fd, 4) == -1)
					_exit(126);
				fcntl(4, F_SETFD, FD_CLOEXEC);
				sfd = 4;
			}
			close_range(sfd == -1 ? 4 : 5, ~0U, 0);
			proc_guard_main(3, path, argv, env, spec, sfd, grace);
		}
		/* Die with agentos (and catch agentos having died already). */
		prctl(PR_SET_PDEATHSIG, SIGKILL);
		if (getppid() != parent)
			_exit(127);
		proc_child_reset();
		proc_child_fds(child);
		proc_child_setup(spec, spec->setup != NULL ? spec->setup_fd :
		    -1, path);
		close_range(3, ~0U, 0);
		proc_child_exec(path, argv, env, spec->cwd);
	}
	free(path);
	free(env);

	p = xcalloc(1, sizeof *p);
	p->pid = pid;
	p->cb = cb;
	p->arg = arg;
	p->guard_fd = guard[1];
	p->reap = (spec->flags & (PROC_GUARD | PROC_REAP)) ==
	    (PROC_GUARD | PROC_REAP);
	if (guard[0] != -1)
		close(guard[0]);
	for (i = 0; i < 3; i++) {
		p->fd[i] = -1;
		if (mode[i] != PROC_PIPE)
			continue;
		close(child[i]);
		p->fd[i] = pipes[i][i == 0 ? 1 : 0];
		evutil_make_socket_nonblocking(p->fd[i]);
	}
	TAILQ_INSERT_TAIL(&proc_list, p, entry);
	p->listed = 1;
	log_debug("proc %ld started: %s", (long)pid, spec->argv[0]);
	return (p);

fail:
	for (i = 0; i < 3; i++) {
		if (pipes[i][0] != -1) {
			close(pipes[i][0]);
			close(pipes[i][1]);
		}
	}
	if (guard[0] != -1) {
		close(guard[0]);
		close(guard[1]);
	}
	return (NULL);
}

int
proc_fd(struct proc *p, int n)
{
	return (p->fd[n]);
}

int
proc_take_fd(struct proc *p, int n)
{
	int	fd = p->fd[n];

	p->fd[n] = -1;
	return (fd);
}

pid_t
proc_pid(struct proc *p)
{
	return (p->pid);
}

int
proc_exited(struct proc *p, int *status)
{
	if (p->reaped && status != NULL)
		*status = p->status;
	return (p->reaped);
}

size_t
proc_count(void)
{
	struct proc	*p;
	size_t		 n = 0;

	TAILQ_FOREACH(p, &proc_list, entry) {
		if (!p->reaped)
			n++;
	}
	return (n);
}

void
proc_signal(struct proc *p, int sig)
{
	static const char	k = 'K';

	/* A reaping guard kills everything below it, itself last. */
	if (p->reap && sig == SIGKILL && !p->reaped) {
		if (p->guard_fd != -1) {
			if (write(p->guard_fd, &k, 1) != 1)
				log_debug("proc %ld: guard pipe: %s",
				    (long)p->pid, strerror(errno));
			close(p->guard_fd);
			p->guard_fd = -1;
		}
		return;
	}
	/* Before the child's setsid() the group does not exist yet. */
	if (kill(-p->pid, sig) == -1 && errno == ESRCH && !p->reaped)
		kill(p->pid, sig);
}

void
proc_kill(struct proc *p, unsigned int grace_ms)
{
	if (p->reap && grace_ms == 0) {
		loop_timer_cancel(p->kill_timer);
		p->kill_timer = NULL;
		proc_signal(p, SIGKILL);
		return;
	}
	if (p->guard_fd != -1) {
		close(p->guard_fd);
		p->guard_fd = -1;
	}
	if (grace_ms == 0) {
		loop_timer_cancel(p->kill_timer);
		p->kill_timer = NULL;
		proc_signal(p, SIGKILL);
		return;
	}
	proc_signal(p, SIGTERM);
	if (p->kill_timer == NULL && !p->reaped)
		p->kill_timer = loop_timer_add(grace_ms, proc_kill_cb, p);
}

/* The grace after SIGTERM is over. */
static void
proc_kill_cb(void *arg)
{
	struct proc	*p = arg;

	p->kill_timer = NULL;
	proc_signal(p, SIGKILL);
}

/* Close our ends of the pipes. */
static void
proc_close_fds(struct proc *p)
{
	int	i;

	for (i = 0; i < 3; i++) {
		if (p->fd[i] != -1)
			close(p->fd[i]);
		p->fd[i] = -1;
	}
	if (p->guard_fd != -1)
		close(p->guard_fd);
	p->guard_fd = -1;
}

/* Take p off the list and free it from the loop (after callbacks). */
static void
proc_unlink(struct proc *p)
{
	TAILQ_REMOVE(&proc_list, p, entry);
	p->listed = 0;
	loop_timer_cancel(p->kill_timer);
	p->kill_timer = NULL;
	proc_close_fds(p);
	loop_timer_add(0, proc_free_cb, p);
	proc_unlisten();
}

/* Free an unlinked proc. */
static void
proc_free_cb(void *arg)
{
	free(arg);
}

void
proc_free(struct proc *p)
{
	if (p == NULL)
		return;
	if (!p->listed) {
		/* Already reaped by proc_shutdown(). */
		proc_close_fds(p);
		free(p);
		return;
	}
	p->freed = 1;
	p->notified = 1;
	proc_close_fds(p);
	if (p->reaped)
		proc_unlink(p);
	/* Else proc_sigchld_cb() reaps and unlinks it. */
}

/* SIGCHLD (from the loop): reap our children, then tell their owners. */
static void
proc_sigchld_cb(evutil_socket_t sig, short what, void *arg)
{
	struct proc	*p, *next;
	int		 status;

	for (p = TAILQ_FIRST(&proc_list); p != NULL; p = next) {
		next = TAILQ_NEXT(p, entry);
		if (p->reaped)
			continue;
		if (waitpid(p->pid, &status, WNOHANG) != p->pid)
			continue;
		p->reaped = 1;
		p->status = status;
		loop_timer_cancel(p->kill_timer);
		p->kill_timer = NULL;
		if (p->freed)
			proc_unlink(p);
	}
	/* One callback at a time: each may free or start procs. */
	for (;;) {
		TAILQ_FOREACH(p, &proc_list, entry) {
			if (p->reaped && !p->notified)
				break;
		}
		if (p == NULL)
			break;
		p->notified = 1;
		log_debug("proc %ld exited: status %d", (long)p->pid,
		    p->status);
		if (p->cb != NULL)
			p->cb(p, p->status, p->arg);
	}
	proc_unlisten();
}

/* pidfd_open(2) (glibc has no wrapper before 2.36); -1 when unsupported. */
static int
proc_pidfd(pid_t pid)
{
#ifdef SYS_pidfd_open
	return ((int)syscall(SYS_pidfd_open, pid, 0));
#else
	errno = ENOSYS;
	return (-1);
#endif
}

void
proc_stop_sync(struct proc **v, size_t n, unsigned int grace_ms)
{
	struct pollfd	*pfd;
	size_t		 i, left = 0;
	uint64_t	 end, now;
	int		 status, rc;

	pfd = xcalloc(n + 1, sizeof *pfd);
	for (i = 0; i < n; i++) {
		pfd[i].fd = -1;
		if (v[i] == NULL || v[i]->reaped)
			continue;
		if (v[i]->guard_fd != -1) {
			close(v[i]->guard_fd);
			v[i]->guard_fd = -1;
		}
		proc_signal(v[i], grace_ms != 0 ? SIGTERM : SIGKILL);
		if (grace_ms != 0 && (pfd[i].fd = proc_pidfd(v[i]->pid)) != -1)
			pfd[i].events = POLLIN;
		left++;
	}
	/* A pidfd is readable when its process exits: no sleep loop. */
	end = loop_now_ms() + grace_ms;
	while (left > 0 && grace_ms != 0 && (now = loop_now_ms()) < end) {
		rc = poll(pfd, n, (int)(end - now));
		if (rc == -1 && errno == EINTR)
			continue;
		if (rc <= 0)
			break;
		for (i = 0; i < n; i++) {
			if (pfd[i].fd == -1 || pfd[i].revents == 0)
				continue;
			close(pfd[i].fd);
			pfd[i].fd = -1;
			left--;
		}
	}
	for (i = 0; i < n; i++) {
		if (pfd[i].fd != -1)
			close(pfd[i].fd);
		if (v[i] == NULL)
			continue;
		proc_signal(v[i], SIGKILL);
		if (!v[i]->reaped) {
			while (waitpid(v[i]->pid, &status, 0) == -1 &&
			    errno == EINTR)
				;
			v[i]->reaped = 1;
			v[i]->status = status;
		}
		/* The caller owns v[i] and no callback is due: free now. */
		if (v[i]->listed)
			TAILQ_REMOVE(&proc_list, v[i], entry);
		loop_timer_cancel(v[i]->kill_timer);
		proc_close_fds(v[i]);
		free(v[i]);
	}
	free(pfd);
	proc_unlisten();
}

void
proc_shutdown(void)
{
	struct proc	*p;
	int		 status;

	while ((p = TAILQ_FIRST(&proc_list)) != NULL) {
		TAILQ_REMOVE(&proc_list, p, entry);
		p->listed = 0;
		loop_timer_cancel(p->kill_timer);
		p->kill_timer = NULL;
		proc_close_fds(p);
		proc_signal(p, SIGKILL);
		if (!p->reaped)
			while (waitpid(p->pid, &status, 0) == -1 &&
			    errno == EINTR)
				;
		/* Owners still holding p must not use it after exit. */
		if (p->freed)
			free(p);
		else
			p->reaped = p->notified = 1;
	}
	if (proc_sigchld != NULL)
		event_free(proc_sigchld);
	proc_sigchld = NULL;
	proc_sigchld_base = NULL;
}
