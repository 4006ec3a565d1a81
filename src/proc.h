/*
 * proc.h: child processes inside the loop.
 *
 * Every child agentos starts (bash jobs, language servers, and next MCP
 * stdio servers and sandboxed commands) goes through proc_spawn().  A
 * child runs in a new session (so its pid is its process group id and a
 * kill reaches everything it spawned), with SIGKILL as its parent-death
 * signal, and with the signal dispositions and mask reset.  One SIGCHLD
 * event reaps our children, by pid only (never waitpid(-1): a library's
 * own children are safe), and calls each proc's exit callback from the
 * loop.  Killing is TERM to the group, then KILL after a grace period run
 * by a loop timer.  Nothing here polls or sleeps.
 *
 * A wrapper such as a sandbox is simply a longer argv: the wrapper is the
 * process proc.c starts, waits for and kills.
 */
#ifndef PROC_H
#define PROC_H

#include <sys/types.h>

/* What a child's descriptor 0, 1 or 2 is connected to. */
enum proc_stdio {
	PROC_NULL = 0,		/* /dev/null */
	PROC_PIPE,		/* a pipe; our end from proc_fd() */
	PROC_MERGE,		/* stderr only: the same as stdout */
	PROC_INHERIT		/* ours (only outside curses!) */
};

#define PROC_SHELL	0x1	/* argv[0] is a command for /bin/sh -c */
/*
 * Run the child under a guard process: agentos forks the guard (the
 * session leader), which forks the command.  The guard holds a pipe whose
 * other end only agentos holds; when agentos exits or is killed, even by
 * SIGKILL, or when proc_kill() closes it, the guard sends SIGTERM to the
 * group, waits up to the spec's grace_ms for the command, and SIGKILLs
 * the group.  So grandchildren die with agentos too, which PDEATHSIG
 * alone does not give.  The pid proc.c waits for is the guard's; its exit
 * status is the command's (128 + signal when it was killed).
 */
#define PROC_GUARD	0x2

/*
 * With PROC_GUARD: the guard is a child subreaper (PR_SET_CHILD_SUBREAPER),
 * so processes the command orphans, setsid daemons and double forks
 * included, become its children; when the command ends, or is killed,
 * the guard SIGKILLs every process below it (listed in
 * /proc/self/task/PID/children, again until none is left) and reaps them
 * before it exits.  For a sandbox without a pid namespace (Landlock).
 * proc_signal(SIGKILL) then asks the guard to do it (a byte on the guard
 * pipe) instead of killing the guard.
 */
#define PROC_REAP	0x4

#define PROC_GRACE_MS	1000	/* default TERM -> KILL grace */

struct proc_spec {
	/*
	 * The command: argv[0] is looked up in PATH (before fork) unless it
	 * holds a '/'.  With PROC_SHELL, argv[0] is a shell command and
	 * argv[1...] are ignored.  NULL-terminated; borrowed.
	 */
	const char *const	*argv;
	const char		*cwd;		/* NULL: ours */
	/*
	 * "NAME=value" strings added to our environment, replacing a
	 * variable of the same name; NULL-terminated, or NULL.  Borrowed.
	 */
	const char *const	*env;
	/*
	 * The environment env is laid over: "NAME=value" strings,
	 * NULL-terminated, borrowed (a scrubbed one from sandbox_environ());
	 * NULL: ours (environ).
	 */
	const char *const	*base_env;
	enum proc_stdio		 in, out, err;
	int			 flags;		/* PROC_* */
	unsigned int		 grace_ms;	/* PROC_GUARD: 0 = default */
	/*
	 * NULL, or called in the command's process after fork and after
	 * its descriptors are set, just before exec (async-signal-safe code
	 * only: build what it needs before proc_spawn()), with setup_arg and
	 * the number setup_fd has in the child (kept open until then; -1:
	 * none).  Nonzero: the child writes why on its stderr and exits 126
	 * without running the command (a sandbox that cannot be applied).
	 */
	int			(*setup)(void *arg, int fd);
	void			*setup_arg;
	int			 setup_fd;	/* with setup only */
};

struct proc;
/*
 * Called once, from the loop, when the child has been reaped; status is as
 * from waitpid(2).  p stays valid (its pipes too) until proc_free().
 */
typedef void (*proc_exit_cb)(struct proc *p, int status, void *arg);

/*
 * Start a child as described by spec (borrowed; nothing is kept).  cb
 * (may be NULL) is called with arg when it has been reaped.  Needs
 * loop_base.  The child sees exec failure as exit status 127 with a line
 * on its stderr.  NULL with cause (allocated) if pipes or fork fail.
 */
struct proc	*proc_spawn(const struct proc_spec *spec, proc_exit_cb cb,
		     void *arg, char **cause);
/*
 * Our end of the child's descriptor n (0, 1 or 2) when it is PROC_PIPE
 * (non-blocking, close-on-exec), else -1.  proc_fd() lends it: it is
 * closed by proc_free(); proc_take_fd() gives it to the caller, who must
 * close it.
 */
int		 proc_fd(struct proc *p, int n);
int		 proc_take_fd(struct proc *p, int n);
/* The child's pid, which is also its process group id. */
pid_t		 proc_pid(struct proc *p);
/* Nonzero once the child has been reaped; *status as from waitpid. */
int		 proc_exited(struct proc *p, int *status);
/*
 * Send sig to the child's process group (to the child alone in the
 * instant before it has made its group).  Harmless after the exit.
 */
void		 proc_signal(struct proc *p, int sig);
/*
 * Stop the child: SIGTERM to its group now (and for PROC_GUARD, close the
 * guard pipe), SIGKILL to the group grace_ms later unless it has been
 * reaped by then; grace_ms 0 sends SIGKILL at once.  The exit callback
 * still runs when it is reaped.
 */
void		 proc_kill(struct proc *p, unsigned int grace_ms);
/*
 * The owner lets go of p: its pipes are closed and no callback runs any
 * more.  A child still running is not killed (call proc_kill() first);
 * it is reaped when it exits, and any pending SIGKILL still fires.
 * NULL is allowed.
 */
void		 proc_free(struct proc *p);
/*
 * Stop n children synchronously, for exit paths that cannot run the loop:
 * SIGTERM to each group, a wait of at most grace_ms for them to exit
 * (poll(2) on pidfds: no sleeping), SIGKILL to each group, a blocking reap
 * of what is left, and p is freed (do not proc_free() it).  No exit
 * callback runs.
 */
void		 proc_stop_sync(struct proc **v, size_t n,
		     unsigned int grace_ms);
/*
 * At exit: SIGKILL every child proc.c knows (also freed ones not yet
 * reaped), reap them all and free everything; no callback runs.
 */
void		 proc_shutdown(void);
/*
 * SIGKILL every child of the calling process and reap it, again until
 * none is left (with PR_SET_CHILD_SUBREAPER set, orphaned descendants
 * are children too); async-signal-safe.  Without /proc it reaps what has
 * exited and returns.  For `agentos sandbox run` and the reaping guard.
 */
void		 proc_kill_children(void);
/* How many children are not yet reaped (for tests). */
size_t		 proc_count(void);

#endif /* PROC_H */
