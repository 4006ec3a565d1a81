/*
 * sandbox-private.h: between sandbox.c and sandbox-landlock.c (the
 * Landlock + seccomp mechanism).  Not for other modules.
 */
#ifndef SANDBOX_PRIVATE_H
#define SANDBOX_PRIVATE_H

#include <sys/types.h>

#include <stddef.h>
#include <time.h>

struct sock_filter;

/* A compiled seccomp program (struct sock_filter[len], allocated). */
struct sandbox_bpf {
	struct sock_filter	*filter;
	size_t			 len;
};

/* What the Landlock rule set is built from (all borrowed). */
struct sandbox_ll_input {
	const char		*root;		/* the worktree */
	int			 writable;	/* workspace-write */
	int			 network;	/* keep TCP and abstract Unix */
	const char		*tmpdir;	/* writable */
	const char *const	*writable_roots;/* NULL-terminated or NULL */
	const char *const	*gitdirs;	/* read-only */
	const char *const	*deny;		/* absolute, no read at all */
};

/* A directory the rule set's walk read: the rules depend on its entries. */
struct sandbox_ll_dir {
	char		*path;
	dev_t		 dev;
	ino_t		 ino;
	struct timespec	 mtime;
};
struct sandbox_ll_dirs {
	struct sandbox_ll_dir	*v;
	size_t			 n, a;
	int			 fresh;	/* one was modified too recently for
					   its mtime to tell a later change */
};

/*
 * Build the Landlock rule set for in (before fork: it restricts nothing
 * yet).  Returns its descriptor (close-on-exec), or -1 with *cause.  When
 * dirs is not NULL (zeroed or released), it gets the directories walked,
 * so that sandbox_ll_dirs_same() can tell whether the rule set still
 * describes the tree.
 */
int	sandbox_ll_ruleset(const struct sandbox_ll_input *in,
	    struct sandbox_ll_dirs *dirs, char **cause);
/*
 * Nonzero when every directory in dirs still has the device, inode and
 * modification time it had when the rule set was built (no entry made,
 * removed or renamed in it since), and none was too fresh to tell: then
 * the rule set can be used again.  About one stat(2) per directory.
 */
int	sandbox_ll_dirs_same(const struct sandbox_ll_dirs *dirs);
void	sandbox_ll_dirs_release(struct sandbox_ll_dirs *dirs);
/*
 * Compile the seccomp program (network sockets refused unless network)
 * into *out.  0, or -1 with *cause.
 */
int	sandbox_seccomp_build(int network, struct sandbox_bpf *out,
	    char **cause);
/*
 * In the child, between fork and exec (system calls only): no_new_privs,
 * landlock_restrict_self(ruleset_fd) unless it is -1, the seccomp program
 * unless bpf is NULL.  0, or -1 with errno.
 */
int	sandbox_ll_apply(int ruleset_fd, const struct sandbox_bpf *bpf);

#endif
