/*
 * sandbox.c: confine the commands the model runs (bubblewrap mechanism;
 * Landlock + seccomp in sandbox-landlock.c).
 */
#include <sys/file.h>
#include <sys/stat.h>
#include <sys/types.h>
#include <sys/wait.h>

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <ftw.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>
#include <unistd.h>

#include "buf.h"
#include "xmalloc.h"
#include "sandbox.h"
#include "sandbox-private.h"
#include "banned.h"

struct sandbox {
	enum sandbox_profile	 profile;
	enum sandbox_mechanism	 mech;
	int			 network;
	char			*root;
	char			*tmpdir;
	int			 own_tmpdir;	/* made here: freed with sb */
	int			 lock_fd;	/* flock on tmpdir.lock, or -1 */
	char			*home;
	char			**prefix;	/* bwrap ... -- */
	size_t			 nprefix, aprefix;
	/* Landlock: what the rule set is built from each time. */
	char			**ll_deny;	/* absolute; NULL-terminated */
	char			**ll_writable;
	char			**ll_gitdirs;
	struct sandbox_bpf	 bpf;
};

struct sandbox_child {
	int				 fd;	/* the Landlock rule set; -1:
						   bwrap (no rule set) */
	const struct sandbox_bpf	*bpf;
	int				 guard;	/* no pid namespace */
};

static const struct {
	const char		*name;
	enum sandbox_profile	 profile;
} sandbox_profiles[] = {
	{ "off", SANDBOX_OFF },
	{ "read-only", SANDBOX_READ_ONLY },
	{ "workspace-write", SANDBOX_WORKSPACE_WRITE },
};

/* Under $HOME: directories hidden behind an empty tmpfs, files behind
 * /dev/null. */
static const char *sandbox_deny_dirs[] = {
	".ssh", ".aws", ".gnupg", ".config/agentos", ".local/share/keyrings",
	".config/gcloud", ".azure", ".kube", ".password-store",
};
static const char *sandbox_deny_files[] = {
	".netrc", ".docker/config.json", ".git-credentials", ".pgpass",
	".npmrc", ".pypirc",
};

/* Substrings of variable names dropped from a command's environment. */
static const char *sandbox_secret_words[] = {
	"KEY", "SECRET", "TOKEN", "PASSWORD", "PASSWD", "CREDENTIAL",
};

static const char *sandbox_denial_words[] = {
	"Permission denied", "Read-only file system", "Network is unreachable",
	"Operation not permitted", "EACCES", "EROFS",
	"Temporary failure in name resolution", "Could not resolve host",
};

static void	sandbox_add(struct sandbox *, const char *);
static void	sandbox_add3(struct sandbox *, const char *, const char *,
		    const char *);
static int	sandbox_mkdirs(const char *, char **);
static void	sandbox_build(struct sandbox *, const struct sandbox_config *,
		    const char *const *);
static void	sandbox_ll_lists(struct sandbox *,
		    const struct sandbox_config *, const char *const *);

int
sandbox_profile_parse(const char *name, enum sandbox_profile *p)
{
	size_t	i;

	for (i = 0; i < sizeof sandbox_profiles / sizeof *sandbox_profiles;
	    i++) {
		if (strcmp(name, sandbox_profiles[i].name) == 0) {
			*p = sandbox_profiles[i].profile;
			return (0);
		}
	}
	return (-1);
}

const char *
sandbox_profile_name(enum sandbox_profile p)
{
	size_t	i;

	for (i = 0; i < sizeof sandbox_profiles / sizeof *sandbox_profiles;
	    i++) {
		if (sandbox_profiles[i].profile == p)
			return (sandbox_profiles[i].name);
	}
	return ("?");
}

/* Probe bwrap once: run `bwrap --ro-bind / / true` with no output. */
int
sandbox_bwrap_works(void)
{
	static int	cached = -1;
	pid_t		pid;
	int		status, fd;

	if (cached != -1)
		return (cached);
	cached = 0;
	pid = fork();
	if (pid == -1)
		return (cached);
	if (pid == 0) {
		fd = open("/dev/null", O_RDWR);
		if (fd != -1) {
			dup2(fd, 0);
			dup2(fd, 1);
			dup2(fd, 2);
		}
		execlp("bwrap", "bwrap", "--ro-bind", "/", "/", "true",
		    (char *)NULL);
		_exit(127);
	}
	while (waitpid(pid, &status, 0) == -1) {
		if (errno != EINTR)
			return (cached);
	}
	if (WIFEXITED(status) && WEXITSTATUS(status) == 0)
		cached = 1;
	return (cached);
}

/* Append one word to the bwrap prefix. */
static void
sandbox_add(struct sandbox *sb, const char *s)
{
	ALLOC_GROW(sb->prefix, sb->nprefix + 1, sb->aprefix);
	sb->prefix[sb->nprefix++] = xstrdup(s);
}

static void
sandbox_add3(struct sandbox *sb, const char *a, const char *b, const char *c)
{
	sandbox_add(sb, a);
	sandbox_add(sb, b);
	if (c != NULL)
		sandbox_add(sb, c);
}

/* mkdir -p path with mode 0700 for what it makes. */
static int
sandbox_mkdirs(const char *path, char **cause)
{
	char	*copy, *p;
	int	 rc = -1;

	copy = xstrdup(path);
	for (p = copy + 1; *p != '\0'; p++) {
		if (*p != '/')
			continue;
		*p = '\0';
		if (mkdir(copy, 0700) == -1 && errno != EEXIST)
			goto fail;
		*p = '/';
	}
	if (mkdir(copy, 0700) == -1 && errno != EEXIST)
		goto fail;
	rc = 0;
	goto out;
fail:
	*cause = xasprintf("%s: %s", copy, strerror(errno));
out:
	free(copy);
	return (rc);
}

/* Is path an existing directory (1), other file (2) or absent (0)? */
static int
sandbox_kind(const char *path)
{
	struct stat	st;

	if (lstat(path, &st) == -1)
		return (0);
	if (S_ISLNK(st.st_mode)) {
		if (stat(path, &st) == -1)
			return (0);
	}
	return (S_ISDIR(st.st_mode) ? 1 : 2);
}

/* Hide path: tmpfs over a directory, /dev/null over a file. */
static void
sandbox_hide(struct sandbox *sb, const char *path)
{
	switch (sandbox_kind(path)) {
	case 1:
		sandbox_add3(sb, "--tmpfs", path, NULL);
		break;
	case 2:
		sandbox_add3(sb, "--ro-bind", "/dev/null", path);
		break;
	}
}

/* Build the bwrap prefix for sb. */
static void
sandbox_build(struct sandbox *sb, const struct sandbox_config *cfg,
    const char *const *gitdirs)
{
	static const char	*protect[] = { ".git", ".agentos", ".mcp.json" };
	const char *const	*s;
	char			*path;
	DIR			*d;
	struct dirent		*de;
	size_t			 i;

	sandbox_add(sb, "bwrap");
	sandbox_add3(sb, "--ro-bind", "/", "/");
	sandbox_add3(sb, "--dev", "/dev", NULL);
	sandbox_add3(sb, "--proc", "/proc", NULL);
	sandbox_add3(sb, "--bind", sb->tmpdir, "/tmp");
	if (sb->profile == SANDBOX_WORKSPACE_WRITE) {
		sandbox_add3(sb, "--bind", sb->root, sb->root);
		for (s = cfg->writable_roots; s != NULL && *s != NULL; s++) {
			if (**s == '/' && sandbox_kind(*s) != 0)
				sandbox_add3(sb, "--bind", *s, *s);
		}
		for (i = 0; i < sizeof protect / sizeof *protect; i++) {
			path = xasprintf("%s/%s", sb->root, protect[i]);
			if (sandbox_kind(path) != 0)
				sandbox_add3(sb, "--ro-bind", path, path);
			free(path);
		}
		for (s = gitdirs; s != NULL && *s != NULL; s++) {
			if (**s == '/' && sandbox_kind(*s) != 0)
				sandbox_add3(sb, "--ro-bind", *s, *s);
		}
	} else {
		/* Read-only: still visible when it lies under /tmp. */
		sandbox_add3(sb, "--ro-bind", sb->root, sb->root);
	}
	for (i = 0; i < sizeof sandbox_deny_dirs / sizeof *sandbox_deny_dirs;
	    i++) {
		path = xasprintf("%s/%s", sb->home, sandbox_deny_dirs[i]);
		sandbox_hide(sb, path);
		free(path);
	}
	for (i = 0; i < sizeof sandbox_deny_files / sizeof *sandbox_deny_files;
	    i++) {
		path = xasprintf("%s/%s", sb->home, sandbox_deny_files[i]);
		sandbox_hide(sb, path);
		free(path);
	}
	for (s = cfg->deny_read; s != NULL && *s != NULL; s++) {
		if (**s == '/')
			sandbox_hide(sb, *s);
		else if (**s != '\0') {
			path = xasprintf("%s/%s", sb->home, *s);
			sandbox_hide(sb, path);
			free(path);
		}
	}
	/* .env files at the worktree's top level are masked. */
	if ((d = opendir(sb->root)) != NULL) {
		while ((de = readdir(d)) != NULL) {
			if (strncmp(de->d_name, ".env", 4) != 0)
				continue;
			path = xasprintf("%s/%s", sb->root, de->d_name);
			if (sandbox_kind(path) == 2)
				sandbox_add3(sb, "--ro-bind", "/dev/null",
				    path);
			free(path);
		}
		closedir(d);
	}
	if (!sb->network)
		sandbox_add(sb, "--unshare-net");
	sandbox_add(sb, "--unshare-pid");
	sandbox_add(sb, "--die-with-parent");
	sandbox_add(sb, "--new-session");
	sandbox_add3(sb, "--chdir", sb->root, NULL);
	sandbox_add(sb, "--");
}

/* Append a copy of s to the NULL-terminated vector *v (n entries). */
static void
sandbox_vadd(char ***v, size_t *n, const char *s)
{
	*v = xreallocarray(*v, *n + 2, sizeof **v);
	(*v)[(*n)++] = xstrdup(s);
	(*v)[*n] = NULL;
}

/* The Landlock mechanism's lists: deny paths, writable roots, gitdirs. */
static void
sandbox_ll_lists(struct sandbox *sb, const struct sandbox_config *cfg,
    const char *const *gitdirs)
{
	const char *const	*s;
	char			*path;
	size_t			 i, nd = 0, nw = 0, ng = 0;

	for (i = 0; i < sizeof sandbox_deny_dirs / sizeof *sandbox_deny_dirs;
	    i++) {
		path = xasprintf("%s/%s", sb->home, sandbox_deny_dirs[i]);
		sandbox_vadd(&sb->ll_deny, &nd, path);
		free(path);
	}
	for (i = 0; i < sizeof sandbox_deny_files / sizeof *sandbox_deny_files;
	    i++) {
		path = xasprintf("%s/%s", sb->home, sandbox_deny_files[i]);
		sandbox_vadd(&sb->ll_deny, &nd, path);
		free(path);
	}
	for (s = cfg->deny_read; s != NULL && *s != NULL; s++) {
		if (**s == '/')
			sandbox_vadd(&sb->ll_deny, &nd, *s);
		else if (**s != '\0') {
			path = xasprintf("%s/%s", sb->home, *s);
			sandbox_vadd(&sb->ll_deny, &nd, path);
			free(path);
		}
	}
	for (s = cfg->writable_roots; s != NULL && *s != NULL; s++) {
		if (**s == '/')
			sandbox_vadd(&sb->ll_writable, &nw, *s);
	}
	for (s = gitdirs; s != NULL && *s != NULL; s++) {
		if (**s == '/')
			sandbox_vadd(&sb->ll_gitdirs, &ng, *s);
	}
}

struct sandbox_child *
sandbox_child_prepare(const struct sandbox *sb, char **cause)
{
	struct sandbox_ll_input	 in;
	struct sandbox_child	*c;
	int			 fd;

	*cause = NULL;
	if (!sandbox_enforced(sb))
		return (NULL);
	/*
	 * bwrap: the same seccomp filter, installed before bwrap is exec'd
	 * (bwrap's own calls, user namespaces and mounts, pass it; what it
	 * starts inherits it).  This rather than bwrap --seccomp FD, whose
	 * descriptor would have to reach bwrap with its read offset at 0
	 * for each command.
	 */
	if (sb->mech == SANDBOX_MECH_BWRAP) {
		if (sb->bpf.filter == NULL)
			return (NULL);
		c = xcalloc(1, sizeof *c);
		c->fd = -1;
		c->bpf = &sb->bpf;
		return (c);
	}
	if (sb->mech != SANDBOX_MECH_LANDLOCK)
		return (NULL);
	memset(&in, 0, sizeof in);
	in.root = sb->root;
	in.writable = sb->profile == SANDBOX_WORKSPACE_WRITE;
	in.network = sb->network;
	in.tmpdir = sb->tmpdir;
	in.writable_roots = (const char *const *)sb->ll_writable;
	in.gitdirs = (const char *const *)sb->ll_gitdirs;
	in.deny = (const char *const *)sb->ll_deny;
	if ((fd = sandbox_ll_ruleset(&in, cause)) == -1)
		return (NULL);
	c = xcalloc(1, sizeof *c);
	c->fd = fd;
	c->bpf = &sb->bpf;
	c->guard = 1;
	return (c);
}

int
sandbox_child_fd(const struct sandbox_child *c)
{
	return (c->fd);
}

int
sandbox_child_guard(const struct sandbox_child *c)
{
	return (c != NULL && c->guard);
}

int
sandbox_child_apply(void *arg, int fd)
{
	struct sandbox_child	*c = arg;

	return (sandbox_ll_apply(fd, c->bpf));
}

void
sandbox_child_free(struct sandbox_child *c)
{
	if (c == NULL)
		return;
	if (c->fd != -1)
		close(c->fd);
	free(c);
}

enum sandbox_mechanism
sandbox_mechanism(const struct sandbox *sb)
{
	return (sandbox_enforced(sb) ? sb->mech : SANDBOX_MECH_NONE);
}

const char *
sandbox_mechanism_name(enum sandbox_mechanism m)
{
	switch (m) {
	case SANDBOX_MECH_BWRAP:
		return ("bubblewrap");
	case SANDBOX_MECH_LANDLOCK:
		return ("landlock+seccomp");
	default:
		return ("none");
	}
}

char **
sandbox_env(const struct sandbox *sb, const char *const *envp,
    const char *const *keep, const char *const *extra_drop)
{
	char	**v;
	size_t	  n, i;

	v = sandbox_environ(envp, keep, extra_drop);
	if (sandbox_mechanism(sb) != SANDBOX_MECH_LANDLOCK)
		return (v);
	for (n = 0; v[n] != NULL; n++) {
		if (strncmp(v[n], "TMPDIR=", 7) == 0) {
			free(v[n]);
			for (i = n; v[i] != NULL; i++)
				v[i] = v[i + 1];
			n--;
		}
	}
	v = xreallocarray(v, n + 2, sizeof *v);
	v[n] = xasprintf("TMPDIR=%s", sb->tmpdir);
	v[n + 1] = NULL;
	return (v);
}

/*
 * nftw(3) callback: remove one entry (depth first, never following a
 * symlink, not crossing a mount); what cannot be removed stays (0700).
 */
static int
sandbox_rm_one(const char *path, const struct stat *st, int flag,
    struct FTW *ftw)
{
	if (flag == FTW_DP || flag == FTW_D)
		(void)rmdir(path);
	else
		(void)unlink(path);
	return (0);
}

/*
 * A private tmp directory D belongs to a live session while that session
 * holds flock(2) on "D.lock" (the kernel drops it however the process ends,
 * SIGKILL included).  sandbox_lock() takes it for sb->tmpdir; the inode
 * check closes the race with a sweeper that unlinks the file between our
 * open and our flock.  Returns the descriptor, or -1 when another live
 * process holds it or the file cannot be made.
 */
static int
sandbox_lock(const char *dir)
{
	struct stat	 a, b;
	char		*path = xasprintf("%s.lock", dir);
	int		 fd, tries;

	for (tries = 0; tries < 4; tries++) {
		fd = open(path, O_RDWR|O_CREAT|O_CLOEXEC|O_NOFOLLOW, 0600);
		if (fd == -1)
			break;
		if (flock(fd, LOCK_EX|LOCK_NB) == -1) {
			close(fd);
			fd = -1;
			break;
		}
		if (fstat(fd, &a) == 0 && stat(path, &b) == 0 &&
		    a.st_dev == b.st_dev && a.st_ino == b.st_ino) {
			free(path);
			return (fd);
		}
		close(fd);	/* unlinked under us: take the new one */
	}
	free(path);
	return (-1);
}

/*
 * Remove the private tmp directories of sessions that are gone: in the
 * parent of dir, every directory whose name starts with prefix, has a
 * ".lock" beside it that nobody holds, or (made before these locks) none
 * and was not modified for an hour.  Never dir itself, never a live
 * session's: the lock is taken before anything is removed.
 */
static void
sandbox_sweep(const char *dir, const char *prefix)
{
	char		*parent, *slash, *path, *lock;
	DIR		*d;
	struct dirent	*de;
	struct stat	 st;
	size_t		 np = strlen(prefix), nl;
	int		 fd;

	parent = xstrdup(dir);
	if ((slash = strrchr(parent, '/')) == NULL || slash == parent) {
		free(parent);
		return;
	}
	*slash = '\0';
	if ((d = opendir(parent)) == NULL) {
		free(parent);
		return;
	}
	while ((de = readdir(d)) != NULL) {
		if (de->d_name[0] == '.' || strncmp(de->d_name, prefix, np) != 0)
			continue;
		nl = strlen(de->d_name);
		if (nl > 5 && strcmp(de->d_name + nl - 5, ".lock") == 0)
			continue;
		path = xasprintf("%s/%s", parent, de->d_name);
		if (strcmp(path, dir) == 0 || lstat(path, &st) == -1 ||
		    !S_ISDIR(st.st_mode) || st.st_uid != getuid()) {
			free(path);
			continue;
		}
		lock = xasprintf("%s.lock", path);
		if (access(lock, F_OK) == 0) {
			if ((fd = sandbox_lock(path)) != -1) {
				(void)nftw(path, sandbox_rm_one, 16,
				    FTW_DEPTH | FTW_PHYS | FTW_MOUNT);
				(void)unlink(lock);
				close(fd);
			}
		} else if (st.st_mtime + 3600 < time(NULL))
			(void)nftw(path, sandbox_rm_one, 16,
			    FTW_DEPTH | FTW_PHYS | FTW_MOUNT);
		free(lock);
		free(path);
	}
	closedir(d);
	free(parent);
}

struct sandbox *
sandbox_create(const struct sandbox_config *cfg, const char *root,
    const char *const *gitdirs, char **cause)
{
	struct sandbox	*sb;
	const char	*mech, *home, *xdg, *env, *prefix;
	char		*tmp;

	if (root == NULL || *root != '/') {
		*cause = xstrdup("sandbox: the worktree root is not absolute");
		return (NULL);
	}
	sb = xcalloc(1, sizeof *sb);
	sb->lock_fd = -1;
	sb->profile = cfg->profile;
	sb->network = cfg->network;
	sb->root = xstrdup(root);
	home = cfg->home != NULL ? cfg->home : getenv("HOME");
	sb->home = xstrdup(home != NULL && *home == '/' ? home : "/root");
	if (sb->profile == SANDBOX_OFF)
		return (sb);

	mech = cfg->mechanism != NULL ? cfg->mechanism : "auto";
	if ((env = getenv("AGENTOS_SANDBOX_MECHANISM")) != NULL && *env != '\0')
		mech = env;
	if (strcmp(mech, "auto") == 0) {
		if (sandbox_bwrap_works())
			sb->mech = SANDBOX_MECH_BWRAP;
		else if (sandbox_landlock_abi() > 0 && sandbox_seccomp_works())
			sb->mech = SANDBOX_MECH_LANDLOCK;
	} else if (strcmp(mech, "bwrap") == 0) {
		if (!sandbox_bwrap_works()) {
			*cause = xstrdup("sandbox.mechanism is bwrap, but "
			    "bwrap is not on PATH or cannot run here");
			goto fail;
		}
		sb->mech = SANDBOX_MECH_BWRAP;
	} else if (strcmp(mech, "landlock") == 0) {
		if (sandbox_landlock_abi() <= 0 || !sandbox_seccomp_works()) {
			*cause = xstrdup("sandbox.mechanism is landlock, but "
			    "this kernel offers no Landlock or seccomp");
			goto fail;
		}
		sb->mech = SANDBOX_MECH_LANDLOCK;
	} else if (strcmp(mech, "none") != 0) {
		*cause = xasprintf("sandbox.mechanism: unknown value %s",
		    mech);
		goto fail;
	}

	sb->own_tmpdir = cfg->tmpdir == NULL;
	if (cfg->tmpdir != NULL)
		sb->tmpdir = xstrdup(cfg->tmpdir);
	else {
		if ((xdg = getenv("XDG_RUNTIME_DIR")) != NULL && *xdg == '/') {
			prefix = "agentos-tmp-";
			sb->tmpdir = xasprintf("%s/%s%s", xdg, prefix,
			    cfg->session != NULL ? cfg->session : "0");
		} else {
			prefix = "";
			sb->tmpdir = xasprintf("/tmp/agentos-%lu/%s",
			    (unsigned long)getuid(),
			    cfg->session != NULL ? cfg->session : "0");
		}
		if (sandbox_mkdirs(sb->tmpdir, cause) != 0)
			goto fail;
		/* Held by another live agentos on the same session id (a
		 * second resume): take a directory of our own. */
		if ((sb->lock_fd = sandbox_lock(sb->tmpdir)) == -1) {
			tmp = xasprintf("%s-%ld", sb->tmpdir, (long)getpid());
			free(sb->tmpdir);
			sb->tmpdir = tmp;
			sb->lock_fd = sandbox_lock(sb->tmpdir);
		}
		sandbox_sweep(sb->tmpdir, prefix);
	}
	if (sandbox_mkdirs(sb->tmpdir, cause) != 0)
		goto fail;
	if (chmod(sb->tmpdir, 0700) == -1) {
		*cause = xasprintf("%s: %s", sb->tmpdir, strerror(errno));
		goto fail;
	}
	if (sb->mech == SANDBOX_MECH_BWRAP) {
		sandbox_build(sb, cfg, gitdirs);
		/* Without a filter bwrap still confines files and the
		 * network; sandbox_status() says which. */
		if (sandbox_seccomp_works() &&
		    sandbox_seccomp_build(sb->network, &sb->bpf, &tmp) != 0)
			free(tmp);
	} else if (sb->mech == SANDBOX_MECH_LANDLOCK) {
		sandbox_ll_lists(sb, cfg, gitdirs);
		if (sandbox_seccomp_build(sb->network, &sb->bpf, cause) != 0)
			goto fail;
	}
	return (sb);
fail:
	sandbox_free(sb);
	return (NULL);
}

void
sandbox_free(struct sandbox *sb)
{
	size_t	 i;
	char	*tmp;

	if (sb == NULL)
		return;
	for (i = 0; i < sb->nprefix; i++)
		free(sb->prefix[i]);
	free(sb->prefix);
	sandbox_argv_free(sb->ll_deny);
	sandbox_argv_free(sb->ll_writable);
	sandbox_argv_free(sb->ll_gitdirs);
	free(sb->bpf.filter);
	/* The private /tmp goes with the session (not a given one). */
	if (sb->own_tmpdir && sb->tmpdir != NULL) {
		(void)nftw(sb->tmpdir, sandbox_rm_one, 16,
		    FTW_DEPTH | FTW_PHYS | FTW_MOUNT);
		if (sb->lock_fd != -1) {
			tmp = xasprintf("%s.lock", sb->tmpdir);
			(void)unlink(tmp);
			free(tmp);
		}
	}
	if (sb->lock_fd != -1)
		close(sb->lock_fd);
	free(sb->root);
	free(sb->tmpdir);
	free(sb->home);
	free(sb);
}

int
sandbox_enforced(const struct sandbox *sb)
{
	return (sb != NULL && sb->profile != SANDBOX_OFF &&
	    sb->mech != SANDBOX_MECH_NONE);
}

enum sandbox_profile
sandbox_profile(const struct sandbox *sb)
{
	return (sb->profile);
}

const char *
sandbox_tmpdir(const struct sandbox *sb)
{
	return (sb->tmpdir);
}

char **
sandbox_argv(const struct sandbox *sb, const char *const *argv)
{
	char	**v;
	size_t	  n = 0, i, j = 0, np;

	while (argv[n] != NULL)
		n++;
	np = sandbox_enforced(sb) ? sb->nprefix : 0;
	v = xcalloc(np + n + 1, sizeof *v);
	for (i = 0; i < np; i++)
		v[j++] = xstrdup(sb->prefix[i]);
	for (i = 0; i < n; i++)
		v[j++] = xstrdup(argv[i]);
	v[j] = NULL;
	return (v);
}

void
sandbox_argv_free(char **v)
{
	size_t	i;

	if (v == NULL)
		return;
	for (i = 0; v[i] != NULL; i++)
		free(v[i]);
	free(v);
}

/* Is name (len bytes) listed in list? */
static int
sandbox_listed(const char *name, size_t len, const char *const *list)
{
	for (; list != NULL && *list != NULL; list++) {
		if (strlen(*list) == len && strncmp(*list, name, len) == 0)
			return (1);
	}
	return (0);
}

/* Does name (len bytes) contain a secret word, case-insensitively? */
static int
sandbox_secret_name(const char *name, size_t len)
{
	size_t	i, j, wl;

	for (i = 0; i < sizeof sandbox_secret_words /
	    sizeof *sandbox_secret_words; i++) {
		wl = strlen(sandbox_secret_words[i]);
		for (j = 0; j + wl <= len; j++) {
			if (strncasecmp(name + j, sandbox_secret_words[i],
			    wl) == 0)
				return (1);
		}
	}
	return (0);
}

char **
sandbox_environ(const char *const *envp, const char *const *keep,
    const char *const *extra_drop)
{
	char		**v = NULL;
	size_t		  n = 0, a = 0, len;
	const char	 *eq;

	for (; envp != NULL && *envp != NULL; envp++) {
		eq = strchr(*envp, '=');
		len = eq != NULL ? (size_t)(eq - *envp) : strlen(*envp);
		if (!sandbox_listed(*envp, len, keep) &&
		    (sandbox_secret_name(*envp, len) ||
		    sandbox_listed(*envp, len, extra_drop)))
			continue;
		ALLOC_GROW(v, n + 2, a);
		v[n++] = xstrdup(*envp);
	}
	ALLOC_GROW(v, n + 1, a);
	v[n] = NULL;
	return (v);
}

char *
sandbox_explain(const struct sandbox *sb, int status, const char *err)
{
	size_t	i;

	if (!sandbox_enforced(sb) || status == 0 || err == NULL)
		return (NULL);
	for (i = 0; i < sizeof sandbox_denial_words /
	    sizeof *sandbox_denial_words; i++) {
		if (strstr(err, sandbox_denial_words[i]) != NULL)
			break;
	}
	if (i == sizeof sandbox_denial_words / sizeof *sandbox_denial_words)
		return (NULL);
	return (xasprintf("This command ran in the %s sandbox (%s): writes "
	    "outside the worktree and to .git, reads of credentials%s are "
	    "refused, so \"%s\" may be the sandbox. Ask the user to run it "
	    "outside the sandbox if it must.",
	    sandbox_profile_name(sb->profile),
	    sb->mech == SANDBOX_MECH_LANDLOCK ? "landlock+seccomp; new files "
	    "cannot be made directly in the worktree's top directory, only in "
	    "its subdirectories, and the private tmp directory is $TMPDIR, "
	    "not /tmp" : "bubblewrap",
	    sb->network ? "" : " and the network", sandbox_denial_words[i]));
}

char *
sandbox_status(const struct sandbox *sb)
{
	struct buf	b = BUF_INIT;
	size_t		i;

	buf_addf(&b, "profile: %s\n", sandbox_profile_name(sb->profile));
	buf_addf(&b, "bwrap: %s\n", sandbox_bwrap_works() ? "works" :
	    "missing or refused");
	if (sandbox_landlock_abi() > 0)
		buf_addf(&b, "landlock: ABI %d%s%s%s\n", sandbox_landlock_abi(),
		    sandbox_landlock_abi() >= 4 ? ", TCP rules" : "",
		    sandbox_landlock_abi() >= 5 ? ", device ioctls" : "",
		    sandbox_landlock_abi() >= 6 ? ", signal and abstract "
		    "socket scoping" : "");
	else
		buf_addf(&b, "landlock: not offered by this kernel\n");
	buf_addf(&b, "seccomp: %s\n", sandbox_seccomp_works() ? "works" :
	    "not available");
	if (sb->profile == SANDBOX_OFF)
		buf_addf(&b, "enforced: no (profile off)\n");
	else if (!sandbox_enforced(sb))
		buf_addf(&b, "enforced: NO - unsandboxed, every command "
		    "needs approval\n");
	else {
		buf_addf(&b, "enforced: yes (%s)\n",
		    sandbox_mechanism_name(sb->mech));
		buf_addf(&b, "network: %s\n", sb->network ? "allowed" :
		    "off");
		buf_addf(&b, "tmp: %s\n", sb->tmpdir);
		buf_addf(&b, "seccomp filter: %s\n", sb->bpf.filter != NULL ?
		    "on (io_uring, ptrace, process_vm_*, keyrings, bpf, "
		    "perf_event_open, userfaultfd, kexec, modules, personality "
		    "flags, TIOCSTI refused; sockets but Unix and netlink too "
		    "when the network is off)" : "off (cannot be installed "
		    "here)");
		if (sb->mech == SANDBOX_MECH_BWRAP) {
			buf_addf(&b, "argv:");
			for (i = 0; i < sb->nprefix; i++)
				buf_addf(&b, " %s", sb->prefix[i]);
			buf_addf(&b, "\n");
		} else {
			buf_addf(&b, "kill: every process of a command dies "
			    "at its end (a reaping guard)\n");
			buf_addf(&b, "note: new entries cannot be made "
			    "directly in the worktree's top directory; TMPDIR "
			    "is the private tmp directory\n");
		}
	}
	return (buf_detach(&b, NULL));
}
