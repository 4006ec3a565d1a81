/*
 * sandbox.h: confine the commands the model runs (issue 12).
 *
 * A struct sandbox holds one profile (off, read-only, workspace-write) for
 * one worktree and the mechanism that enforces it.  This first part
 * implements the bubblewrap mechanism: sandbox_argv() wraps a command argv
 * in a bwrap(1) invocation that
 *   - binds / read-only, gives a fresh /dev and /proc;
 *   - binds ROOT writable (workspace-write only), then re-binds ROOT/.git,
 *     each git directory given, ROOT/.agentos and ROOT/.mcp.json
 *     read-only over it;
 *   - binds a private per-session directory (mode 0700) at /tmp;
 *   - mounts an empty tmpfs over the deny-read directories (~/.ssh, ~/.aws,
 *     ~/.gnupg, ~/.config/agentos, ...) and /dev/null over deny-read files
 *     (~/.netrc, ...) and over ROOT's top-level .env* files;
 *   - unshares the network namespace (only a loopback device, which is
 *     down: no route anywhere), the pid namespace (every process the
 *     command starts dies with it, setsid daemons included) and starts a
 *     new session (no TIOCSTI into our terminal); --die-with-parent.
 * The second mechanism, Landlock + seccomp (sandbox-landlock.c), is used
 * where bwrap is missing or refused: the command is confined in its own
 * process between fork and exec (sandbox_child_prepare() before fork,
 * sandbox_child_apply() in the child, through proc.c's setup hook) and
 * runs under a reaping guard (PROC_GUARD | PROC_REAP) since there is no
 * pid namespace.  Its private tmp directory is TMPDIR (sandbox_env()),
 * not /tmp.  With neither, sandbox_enforced() is 0 and callers must ask
 * before every command (never run unconfined while claiming a sandbox).
 * See bwrap(1) for the options used, landlock(7) and seccomp(2).
 *
 * AGENTOS_SANDBOX_MECHANISM (auto, bwrap, landlock, none), when set,
 * overrides cfg->mechanism: tests force "none" to see the unenforced path.
 *
 * Standalone: depends on buf and xmalloc only, so unit tests link it alone.
 */
#ifndef SANDBOX_H
#define SANDBOX_H

#include <stddef.h>

enum sandbox_profile {
	SANDBOX_OFF,
	SANDBOX_READ_ONLY,
	SANDBOX_WORKSPACE_WRITE,
};

enum sandbox_mechanism {
	SANDBOX_MECH_NONE,
	SANDBOX_MECH_BWRAP,
	SANDBOX_MECH_LANDLOCK,
};

struct sandbox_config {
	enum sandbox_profile	 profile;
	int			 network;	/* nonzero: keep the network */
	const char		*mechanism;	/* "auto", "bwrap", "landlock" */
	const char *const	*writable_roots;/* NULL-terminated or NULL */
	const char *const	*deny_read;	/* appended to the defaults */
	const char *const	*keep_env;	/* names kept by the scrub */
	const char		*home;		/* NULL: $HOME */
	const char		*tmpdir;	/* private /tmp; NULL: made */
	const char		*session;	/* session id for the tmp dir */
};

struct sandbox;

/*
 * Parse a profile name ("off", "read-only", "workspace-write") into *p.
 * Returns 0, or -1 for an unknown name.
 */
int		 sandbox_profile_parse(const char *name,
		     enum sandbox_profile *p);
/* The name of profile p (static string). */
const char	*sandbox_profile_name(enum sandbox_profile p);

/*
 * Nonzero when bwrap is on PATH and `bwrap --ro-bind / / true` exits 0.
 * Probed once per process and cached (a fork and exec the first time).
 */
int		 sandbox_bwrap_works(void);

/*
 * The Landlock ABI version this kernel offers (landlock_create_ruleset
 * with LANDLOCK_CREATE_RULESET_VERSION), 0 when none.  Cached.
 */
int		 sandbox_landlock_abi(void);
/* Nonzero when a seccomp filter can be installed here.  Cached. */
int		 sandbox_seccomp_works(void);

/*
 * Create a sandbox for worktree root (absolute) with extra git directories
 * gitdirs (NULL-terminated or NULL: a worktree's real gitdir and common
 * dir) under cfg.  Strings are copied.  Creates the private tmp directory
 * (cfg->tmpdir, else $XDG_RUNTIME_DIR/agentos-tmp-SESSION or
 * /tmp/agentos-UID/SESSION, mode 0700), held by flock(2) on SESSION.lock
 * beside it for sb's lifetime (SESSION-PID when another live process holds
 * that one), and removes the directories there of sessions that are gone
 * (their lock free; lockless ones after an hour untouched), so SIGKILLed
 * sessions leave nothing for long.  Returns NULL with *cause set when
 * the profile names a mechanism that cannot run here or the tmp directory
 * cannot be made.  With no mechanism available under "auto" the sandbox is
 * created unenforced (sandbox_enforced() 0).
 */
struct sandbox	*sandbox_create(const struct sandbox_config *cfg,
		     const char *root, const char *const *gitdirs,
		     char **cause);
/* Free sb; the private tmp directory it made (not cfg->tmpdir) is removed
 * with what is in it, symlinks not followed. */
void		 sandbox_free(struct sandbox *sb);

/* The mechanism enforcing sb, and its name ("none", "bubblewrap",
 * "landlock+seccomp"; static). */
enum sandbox_mechanism sandbox_mechanism(const struct sandbox *sb);
const char	*sandbox_mechanism_name(enum sandbox_mechanism m);

/* Nonzero when commands run confined (a profile other than off and a
 * working mechanism). */
int		 sandbox_enforced(const struct sandbox *sb);
enum sandbox_profile sandbox_profile(const struct sandbox *sb);
/* The private tmp directory (borrowed), or NULL for profile off. */
const char	*sandbox_tmpdir(const struct sandbox *sb);

/*
 * Wrap argv (NULL-terminated, borrowed) for running under sb.  Returns a
 * new NULL-terminated vector the caller frees with sandbox_argv_free();
 * when the sandbox is not enforced it is a plain copy of argv.
 */
char		**sandbox_argv(const struct sandbox *sb,
		     const char *const *argv);
void		 sandbox_argv_free(char **v);

/*
 * What a child needs to confine itself: under Landlock the rule set's
 * descriptor and the seccomp program, under bwrap the seccomp program
 * (installed before bwrap is exec'd; descriptor -1).  Made before fork by
 * sandbox_child_prepare(), which returns NULL with *cause NULL when sb
 * needs nothing in the child (unenforced, off, bwrap where seccomp cannot
 * be installed) and NULL with *cause
 * set (allocated) when the rule set cannot be built: then do not run.
 * The rule set is built afresh each time, from the directories as they
 * are now.  Free with sandbox_child_free() after fork (in the parent).
 */
struct sandbox_child;
struct sandbox_child *sandbox_child_prepare(const struct sandbox *sb,
		     char **cause);
/* The descriptor the child needs kept open (for proc_spec.setup_fd). */
int		 sandbox_child_fd(const struct sandbox_child *c);
/*
 * Nonzero when the command needs proc.c's reaping guard (PROC_GUARD |
 * PROC_REAP): Landlock has no pid namespace, so processes the command
 * leaves (setsid, double forks) must be killed by us; bwrap's die with
 * its pid namespace.  0 for NULL.
 */
int		 sandbox_child_guard(const struct sandbox_child *c);
/*
 * In the child between fork and exec, async-signal-safe: no_new_privs,
 * landlock_restrict_self(fd) (fd: where sandbox_child_fd() is now), the
 * seccomp filter.  arg is the struct sandbox_child.  0, or -1 with errno:
 * the child must then exit without running the command.
 */
int		 sandbox_child_apply(void *arg, int fd);
void		 sandbox_child_free(struct sandbox_child *c);

/*
 * sandbox_environ() for a command under sb: with the Landlock mechanism
 * TMPDIR is also set to the private tmp directory.  Free with
 * sandbox_argv_free().
 */
char		**sandbox_env(const struct sandbox *sb, const char *const *envp,
		     const char *const *keep, const char *const *extra_drop);

/*
 * The environment for a command: envp (NULL-terminated, borrowed) less
 * every variable whose name contains KEY, SECRET, TOKEN, PASSWORD,
 * PASSWD or CREDENTIAL (case-insensitive), less the names in extra_drop
 * (provider key variables), unless keep lists the name.  keep and
 * extra_drop are NULL-terminated or NULL.  Returns a new vector of new
 * strings; free with sandbox_argv_free().
 */
char		**sandbox_environ(const char *const *envp,
		     const char *const *keep, const char *const *extra_drop);

/*
 * When a command that ran under sb exited with status (nonzero) and
 * stderr text err, a sentence saying the failure may be the sandbox and
 * how to lift it; NULL when nothing suggests so.  Caller frees.
 */
char		*sandbox_explain(const struct sandbox *sb, int status,
		     const char *err);

/* Text for `agentos sandbox status` and /sandbox: profile, mechanism,
 * what is enforced, the bwrap argv prefix.  Caller frees. */
char		*sandbox_status(const struct sandbox *sb);

#endif
