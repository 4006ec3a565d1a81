/*
 * sandbox-landlock.c: the Landlock + seccomp mechanism (see sandbox.h).
 *
 * Landlock only ever allows: a rule on a directory grants its rights to
 * everything beneath it, and no rule can take a right away below.  So the
 * rule set is built from the allowed roots rather than from "/": the tree
 * is walked from "/" into every directory that is a proper ancestor of a
 * path whose rights differ from its parent's (a "special": the worktree,
 * its .git, .agentos, .mcp.json and .env* files, the deny list, the
 * writable roots, the private tmp directory); every other entry of such a
 * directory gets one rule with the rights it inherits.  A directory walked
 * into gets only READ_DIR (from the rule on "/"), so nothing can be made
 * or removed directly in it: under Landlock, new entries at the top of the
 * worktree cannot be made by a command (in its subdirectories they can).
 * Symbolic links met in the walk get no rule: what they point to is
 * reached through its own path.
 *
 * The rule set is built before fork, in the parent (it restricts nothing
 * until landlock_restrict_self()); the seccomp program is compiled by
 * libseccomp once per sandbox.  Between fork and exec the child only makes
 * system calls (sandbox_child_apply()).
 *
 * Kernel interface: include/uapi/linux/landlock.h and
 * Documentation/userspace-api/landlock.rst of Linux 6.12 (ABI 6);
 * Debian 12's 6.1 headers stop at ABI 3, so newer constants are defined
 * here when missing.
 */
#include <sys/mman.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/types.h>

#include <linux/filter.h>
#include <linux/landlock.h>
#include <linux/seccomp.h>

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <seccomp.h>

#include "buf.h"
#include "xmalloc.h"
#include "sandbox.h"
#include "sandbox-private.h"
#include "banned.h"

/* include/uapi/linux/landlock.h (Linux 6.12): ABI 3 to 6. */
#ifndef LANDLOCK_ACCESS_FS_REFER
#define LANDLOCK_ACCESS_FS_REFER		(1ULL << 13)	/* ABI 2 */
#endif
#ifndef LANDLOCK_ACCESS_FS_TRUNCATE
#define LANDLOCK_ACCESS_FS_TRUNCATE		(1ULL << 14)	/* ABI 3 */
#endif
#ifndef LANDLOCK_ACCESS_FS_IOCTL_DEV
#define LANDLOCK_ACCESS_FS_IOCTL_DEV		(1ULL << 15)	/* ABI 5 */
#endif
#ifndef LANDLOCK_ACCESS_NET_BIND_TCP
#define LANDLOCK_ACCESS_NET_BIND_TCP		(1ULL << 0)	/* ABI 4 */
#define LANDLOCK_ACCESS_NET_CONNECT_TCP		(1ULL << 1)	/* ABI 4 */
#endif
#ifndef LANDLOCK_SCOPE_ABSTRACT_UNIX_SOCKET
#define LANDLOCK_SCOPE_ABSTRACT_UNIX_SOCKET	(1ULL << 0)	/* ABI 6 */
#define LANDLOCK_SCOPE_SIGNAL			(1ULL << 1)	/* ABI 6 */
#endif
#ifndef LANDLOCK_CREATE_RULESET_VERSION
#define LANDLOCK_CREATE_RULESET_VERSION		(1U << 0)
#endif
#ifndef __NR_landlock_create_ruleset
#define __NR_landlock_create_ruleset		444
#define __NR_landlock_add_rule			445
#define __NR_landlock_restrict_self		446
#endif

/* struct landlock_ruleset_attr as of ABI 6; its size tells the ABI used. */
struct sandbox_ll_attr {
	uint64_t	handled_access_fs;
	uint64_t	handled_access_net;	/* ABI 4 */
	uint64_t	scoped;			/* ABI 6 */
};

/* struct landlock_path_beneath_attr (packed in the uapi header). */
struct sandbox_ll_beneath {
	uint64_t	allowed_access;
	int32_t		parent_fd;
} __attribute__((packed));

#define LL_RULE_PATH_BENEATH	1

#define LL_READ_FILE	(LANDLOCK_ACCESS_FS_EXECUTE | \
			 LANDLOCK_ACCESS_FS_READ_FILE)
#define LL_READ		(LL_READ_FILE | LANDLOCK_ACCESS_FS_READ_DIR)
#define LL_WRITE_FILE	(LANDLOCK_ACCESS_FS_WRITE_FILE | \
			 LANDLOCK_ACCESS_FS_TRUNCATE)
#define LL_WRITE_DIR	(LANDLOCK_ACCESS_FS_REMOVE_DIR | \
			 LANDLOCK_ACCESS_FS_REMOVE_FILE | \
			 LANDLOCK_ACCESS_FS_MAKE_DIR | \
			 LANDLOCK_ACCESS_FS_MAKE_REG | \
			 LANDLOCK_ACCESS_FS_MAKE_SOCK | \
			 LANDLOCK_ACCESS_FS_MAKE_FIFO | \
			 LANDLOCK_ACCESS_FS_MAKE_SYM | \
			 LANDLOCK_ACCESS_FS_REFER)
#define LL_DEV		(LL_READ_FILE | LL_WRITE_FILE | \
			 LANDLOCK_ACCESS_FS_IOCTL_DEV)
/* Rights a rule on a file (not a directory) may hold. */
#define LL_FILE_RIGHTS	(LANDLOCK_ACCESS_FS_EXECUTE | \
			 LANDLOCK_ACCESS_FS_WRITE_FILE | \
			 LANDLOCK_ACCESS_FS_READ_FILE | \
			 LANDLOCK_ACCESS_FS_TRUNCATE | \
			 LANDLOCK_ACCESS_FS_IOCTL_DEV)

/* What a path gets. */
enum ll_mode {
	LL_DENY,
	LL_RO,
	LL_RW,
};

struct ll_special {
	char		*path;
	size_t		 len;
	enum ll_mode	 mode;
};

struct ll_build {
	int			 fd;		/* the rule set */
	uint64_t		 handled;	/* fs rights of this ABI */
	struct ll_special	*v;
	size_t			 n, a;
	int			 depth;
	struct sandbox_ll_dirs	*dirs;		/* or NULL */
	struct timespec		 now;		/* coarse, at the start */
};

/*
 * A directory mtime comes from the kernel's coarse clock (a tick, 1-10
 * ms): one modified within this long before the build may be modified
 * again without its mtime changing.
 */
#define LL_FRESH_NS	(50 * 1000 * 1000L)

/* Devices commands write to. */
static const char *sandbox_ll_devices[] = {
	"/dev/null", "/dev/zero", "/dev/full", "/dev/tty", "/dev/random",
	"/dev/urandom",
};

int
sandbox_landlock_abi(void)
{
	static int	cached = -1;
	long		rc;

	if (cached != -1)
		return (cached);
	rc = syscall(__NR_landlock_create_ruleset, NULL, 0,
	    LANDLOCK_CREATE_RULESET_VERSION);
	cached = rc > 0 ? (int)rc : 0;
	return (cached);
}

/* The filesystem rights ABI abi knows. */
static uint64_t
sandbox_ll_fs_rights(int abi)
{
	uint64_t	r = (LANDLOCK_ACCESS_FS_MAKE_SYM << 1) - 1;

	if (abi >= 2)
		r |= LANDLOCK_ACCESS_FS_REFER;
	if (abi >= 3)
		r |= LANDLOCK_ACCESS_FS_TRUNCATE;
	if (abi >= 5)
		r |= LANDLOCK_ACCESS_FS_IOCTL_DEV;
	return (r);
}

/* Add a special path (absolute, no trailing slash but for "/"). */
static void
sandbox_ll_special(struct ll_build *lb, const char *path, enum ll_mode mode)
{
	size_t	len;

	if (path == NULL || *path != '/')
		return;
	len = strlen(path);
	while (len > 1 && path[len - 1] == '/')
		len--;
	ALLOC_GROW(lb->v, lb->n + 1, lb->a);
	lb->v[lb->n].path = xstrndup(path, len);
	lb->v[lb->n].len = len;
	lb->v[lb->n].mode = mode;
	lb->n++;
}

/* One rule: rights on the file or directory at path (followed). */
static void
sandbox_ll_rule(struct ll_build *lb, const char *path, uint64_t rights)
{
	struct sandbox_ll_beneath	 pb;
	struct stat			 st;
	int				 fd;

	if ((fd = open(path, O_PATH | O_CLOEXEC)) == -1)
		return;
	if (fstat(fd, &st) == 0 && !S_ISDIR(st.st_mode))
		rights &= LL_FILE_RIGHTS;
	pb.allowed_access = rights & lb->handled;
	pb.parent_fd = fd;
	/* A file system Landlock refuses (an internal one): no rule. */
	if (pb.allowed_access != 0)
		(void)syscall(__NR_landlock_add_rule, lb->fd,
		    LL_RULE_PATH_BENEATH, &pb, 0);
	close(fd);
}

static uint64_t
sandbox_ll_mode_rights(enum ll_mode m)
{
	switch (m) {
	case LL_RO:
		return (LL_READ);
	case LL_RW:
		return (LL_READ | LL_WRITE_FILE | LL_WRITE_DIR);
	default:
		return (0);
	}
}

/* The special exactly at path, or NULL. */
static struct ll_special *
sandbox_ll_find(struct ll_build *lb, const char *path, size_t len)
{
	size_t	i;

	for (i = 0; i < lb->n; i++) {
		if (lb->v[i].len == len && memcmp(lb->v[i].path, path, len) ==
		    0)
			return (&lb->v[i]);
	}
	return (NULL);
}

/* Is path a proper ancestor of a special? */
static int
sandbox_ll_above(struct ll_build *lb, const char *path, size_t len)
{
	size_t	i;

	for (i = 0; i < lb->n; i++) {
		if (lb->v[i].len <= len ||
		    memcmp(lb->v[i].path, path, len) != 0)
			continue;
		if (len == 1 || lb->v[i].path[len] == '/')
			return (1);
	}
	return (0);
}

/* Note that the walk read directory path, which has status st. */
static void
sandbox_ll_dir_add(struct ll_build *lb, const char *path,
    const struct stat *st)
{
	struct sandbox_ll_dirs	*d = lb->dirs;
	long long		 age;

	ALLOC_GROW(d->v, d->n + 1, d->a);
	d->v[d->n].path = xstrdup(path);
	d->v[d->n].dev = st->st_dev;
	d->v[d->n].ino = st->st_ino;
	d->v[d->n].mtime = st->st_mtim;
	d->n++;
	age = (long long)(lb->now.tv_sec - st->st_mtim.tv_sec) * 1000000000LL +
	    (lb->now.tv_nsec - st->st_mtim.tv_nsec);
	if (age < LL_FRESH_NS)
		d->fresh = 1;
}

int
sandbox_ll_dirs_same(const struct sandbox_ll_dirs *dirs)
{
	struct stat	st;
	size_t		i;

	if (dirs->fresh || dirs->n == 0)
		return (0);
	for (i = 0; i < dirs->n; i++) {
		if (stat(dirs->v[i].path, &st) == -1 ||
		    st.st_dev != dirs->v[i].dev ||
		    st.st_ino != dirs->v[i].ino ||
		    st.st_mtim.tv_sec != dirs->v[i].mtime.tv_sec ||
		    st.st_mtim.tv_nsec != dirs->v[i].mtime.tv_nsec)
			return (0);
	}
	return (1);
}

void
sandbox_ll_dirs_release(struct sandbox_ll_dirs *dirs)
{
	size_t	i;

	for (i = 0; i < dirs->n; i++)
		free(dirs->v[i].path);
	free(dirs->v);
	memset(dirs, 0, sizeof *dirs);
}

/* Give every entry of dir its rights, walking into ancestors of specials. */
static void
sandbox_ll_walk(struct ll_build *lb, const char *dir, enum ll_mode inherit)
{
	struct ll_special	*s;
	struct dirent		*de;
	struct stat		 st;
	enum ll_mode		 m;
	DIR			*d;
	char			*path;
	size_t			 len;

	if (++lb->depth > 32 || (d = opendir(dir)) == NULL) {
		lb->depth--;
		return;
	}
	/* Before the entries are read: a change while reading shows. */
	if (lb->dirs != NULL && fstat(dirfd(d), &st) == 0)
		sandbox_ll_dir_add(lb, dir, &st);
	while ((de = readdir(d)) != NULL) {
		if (strcmp(de->d_name, ".") == 0 ||
		    strcmp(de->d_name, "..") == 0)
			continue;
		path = xasprintf("%s/%s", strcmp(dir, "/") == 0 ? "" : dir,
		    de->d_name);
		len = strlen(path);
		m = (s = sandbox_ll_find(lb, path, len)) != NULL ? s->mode :
		    inherit;
		if (m == LL_DENY || lstat(path, &st) == -1 ||
		    S_ISLNK(st.st_mode)) {
			free(path);
			continue;
		}
		if (S_ISDIR(st.st_mode) && sandbox_ll_above(lb, path, len))
			sandbox_ll_walk(lb, path, m);
		else
			sandbox_ll_rule(lb, path, sandbox_ll_mode_rights(m));
		free(path);
	}
	closedir(d);
	lb->depth--;
}

int
sandbox_ll_ruleset(const struct sandbox_ll_input *in,
    struct sandbox_ll_dirs *dirs, char **cause)
{
	struct sandbox_ll_attr	 attr;
	struct ll_build		 lb;
	struct dirent		*de;
	const char *const	*s;
	DIR			*d;
	char			*path;
	size_t			 size, i;
	int			 abi = sandbox_landlock_abi();

	if (abi <= 0) {
		*cause = xstrdup("Landlock is not available in this kernel");
		return (-1);
	}
	memset(&attr, 0, sizeof attr);
	memset(&lb, 0, sizeof lb);
	if ((lb.dirs = dirs) != NULL) {
		sandbox_ll_dirs_release(dirs);
		/* The clock file times come from (current_time()). */
		clock_gettime(CLOCK_REALTIME_COARSE, &lb.now);
	}
	lb.handled = attr.handled_access_fs = sandbox_ll_fs_rights(abi);
	size = sizeof attr.handled_access_fs;
	if (abi >= 4) {
		if (!in->network)
			attr.handled_access_net =
			    LANDLOCK_ACCESS_NET_BIND_TCP |
			    LANDLOCK_ACCESS_NET_CONNECT_TCP;
		size = offsetof(struct sandbox_ll_attr, scoped);
	}
	if (abi >= 6) {
		attr.scoped = LANDLOCK_SCOPE_SIGNAL;
		if (!in->network)
			attr.scoped |= LANDLOCK_SCOPE_ABSTRACT_UNIX_SOCKET;
		size = sizeof attr;
	}
	lb.fd = (int)syscall(__NR_landlock_create_ruleset, &attr, size, 0);
	if (lb.fd == -1) {
		*cause = xasprintf("landlock_create_ruleset: %s",
		    strerror(errno));
		return (-1);
	}

	/* The worktree and what differs inside it. */
	sandbox_ll_special(&lb, in->root, in->writable ? LL_RW : LL_RO);
	if (in->writable) {
		path = xasprintf("%s/.git", in->root);
		sandbox_ll_special(&lb, path, LL_RO);
		free(path);
		path = xasprintf("%s/.agentos", in->root);
		sandbox_ll_special(&lb, path, LL_RO);
		free(path);
		path = xasprintf("%s/.mcp.json", in->root);
		sandbox_ll_special(&lb, path, LL_RO);
		free(path);
		for (s = in->writable_roots; s != NULL && *s != NULL; s++)
			sandbox_ll_special(&lb, *s, LL_RW);
	}
	for (s = in->gitdirs; s != NULL && *s != NULL; s++)
		sandbox_ll_special(&lb, *s, LL_RO);
	if ((d = opendir(in->root)) != NULL) {
		while ((de = readdir(d)) != NULL) {
			if (strncmp(de->d_name, ".env", 4) != 0)
				continue;
			path = xasprintf("%s/%s", in->root, de->d_name);
			sandbox_ll_special(&lb, path, LL_DENY);
			free(path);
		}
		closedir(d);
	}
	for (s = in->deny; s != NULL && *s != NULL; s++)
		sandbox_ll_special(&lb, *s, LL_DENY);
	sandbox_ll_special(&lb, in->tmpdir, LL_RW);

	/* "/" lists (every directory does), the rest is walked. */
	sandbox_ll_rule(&lb, "/", LANDLOCK_ACCESS_FS_READ_DIR);
	sandbox_ll_walk(&lb, "/", LL_RO);
	for (i = 0; i < sizeof sandbox_ll_devices / sizeof *sandbox_ll_devices;
	    i++)
		sandbox_ll_rule(&lb, sandbox_ll_devices[i], LL_DEV);
	sandbox_ll_rule(&lb, "/dev/pts", LL_DEV | LANDLOCK_ACCESS_FS_READ_DIR);

	for (i = 0; i < lb.n; i++)
		free(lb.v[i].path);
	free(lb.v);
	return (lb.fd);
}

/*
 * The seccomp program: network sockets, io_uring, ptrace and friends,
 * personality changes, keyrings, TIOCSTI refused with EACCES (EPERM for
 * the rest); everything else allowed.  The program is copied out of
 * libseccomp (through a memfd) so the child only calls prctl(2).
 */
int
sandbox_seccomp_build(int network, struct sandbox_bpf *out, char **cause)
{
	static const int	 refused[] = {
		SCMP_SYS(io_uring_setup), SCMP_SYS(io_uring_enter),
		SCMP_SYS(io_uring_register), SCMP_SYS(ptrace),
		SCMP_SYS(process_vm_readv), SCMP_SYS(process_vm_writev),
		SCMP_SYS(add_key), SCMP_SYS(request_key), SCMP_SYS(keyctl),
		SCMP_SYS(bpf), SCMP_SYS(perf_event_open),
		SCMP_SYS(userfaultfd), SCMP_SYS(kexec_load),
		SCMP_SYS(init_module), SCMP_SYS(finit_module),
	};
	/* include/uapi/linux/personality.h */
	static const unsigned long flags[] = {
		0x0040000 /* ADDR_NO_RANDOMIZE */,
		0x0100000 /* MMAP_PAGE_ZERO */,
		0x0200000 /* ADDR_COMPAT_LAYOUT */,
		0x0400000 /* READ_IMPLIES_EXEC */,
		0x0800000 /* ADDR_LIMIT_32BIT */,
		0x8000000 /* ADDR_LIMIT_3GB */,
	};
	scmp_filter_ctx		 ctx;
	struct stat		 st;
	size_t			 i;
	ssize_t			 n;
	int			 fd = -1, rc = -1;

	memset(out, 0, sizeof *out);
	if ((ctx = seccomp_init(SCMP_ACT_ALLOW)) == NULL) {
		*cause = xstrdup("seccomp_init failed");
		return (-1);
	}
	for (i = 0; i < sizeof refused / sizeof *refused; i++) {
		if (seccomp_rule_add(ctx, SCMP_ACT_ERRNO(EPERM), refused[i],
		    0) != 0)
			goto fail;
	}
	/*
	 * No personality flags (ADDR_NO_RANDOMIZE, READ_IMPLIES_EXEC, ...):
	 * one comparison per rule (libseccomp), so each flag is matched
	 * with bit 31 clear, which lets the query 0xffffffff through.
	 */
	for (i = 0; i < sizeof flags / sizeof *flags; i++) {
		if (seccomp_rule_add(ctx, SCMP_ACT_ERRNO(EPERM),
		    SCMP_SYS(personality), 1, SCMP_A0(SCMP_CMP_MASKED_EQ,
		    0x80000000UL | flags[i], flags[i])) != 0)
			goto fail;
	}
	if (seccomp_rule_add(ctx, SCMP_ACT_ERRNO(EPERM),
	    SCMP_SYS(personality), 1, SCMP_A0(SCMP_CMP_GT, 0xffffffffUL)) != 0)
		goto fail;
	/* No typing into a terminal: TIOCSTI, TIOCLINUX. */
	if (seccomp_rule_add(ctx, SCMP_ACT_ERRNO(EPERM), SCMP_SYS(ioctl), 1,
	    SCMP_A1(SCMP_CMP_MASKED_EQ, 0xffffffff, 0x5412)) != 0 ||
	    seccomp_rule_add(ctx, SCMP_ACT_ERRNO(EPERM), SCMP_SYS(ioctl), 1,
	    SCMP_A1(SCMP_CMP_MASKED_EQ, 0xffffffff, 0x541c)) != 0)
		goto fail;
	if (!network) {
		/* Sockets: Unix and netlink only (no UDP, raw, packet). */
		for (i = 0; i < AF_NETLINK; i++) {
			if (i != AF_UNIX && seccomp_rule_add(ctx,
			    SCMP_ACT_ERRNO(EACCES), SCMP_SYS(socket), 1,
			    SCMP_A0(SCMP_CMP_EQ, i)) != 0)
				goto fail;
		}
		if (seccomp_rule_add(ctx, SCMP_ACT_ERRNO(EACCES),
		    SCMP_SYS(socket), 1,
		    SCMP_A0(SCMP_CMP_GT, AF_NETLINK)) != 0 ||
		    seccomp_rule_add(ctx, SCMP_ACT_ERRNO(EACCES),
		    SCMP_SYS(socketpair), 1,
		    SCMP_A0(SCMP_CMP_NE, AF_UNIX)) != 0)
			goto fail;
	}
	if ((fd = memfd_create("agentos-seccomp", MFD_CLOEXEC)) == -1 ||
	    seccomp_export_bpf(ctx, fd) != 0 || fstat(fd, &st) == -1 ||
	    st.st_size <= 0 || st.st_size % sizeof (struct sock_filter) != 0 ||
	    st.st_size / sizeof (struct sock_filter) > BPF_MAXINSNS)
		goto fail;
	out->filter = xmalloc(st.st_size);
	n = pread(fd, out->filter, st.st_size, 0);
	if (n != st.st_size) {
		free(out->filter);
		out->filter = NULL;
		goto fail;
	}
	out->len = st.st_size / sizeof (struct sock_filter);
	rc = 0;
	goto out;
fail:
	*cause = xstrdup("cannot build the seccomp filter");
out:
	if (fd != -1)
		close(fd);
	seccomp_release(ctx);
	return (rc);
}

int
sandbox_ll_apply(int ruleset_fd, const struct sandbox_bpf *bpf)
{
	struct sock_fprog	prog;

	if (prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) != 0)
		return (-1);
	if (ruleset_fd != -1 &&
	    syscall(__NR_landlock_restrict_self, ruleset_fd, 0) != 0)
		return (-1);
	if (bpf != NULL && bpf->filter != NULL) {
		prog.len = (unsigned short)bpf->len;
		prog.filter = bpf->filter;
		if (prctl(PR_SET_SECCOMP, SECCOMP_MODE_FILTER, &prog) != 0)
			return (-1);
	}
	return (0);
}

/* Does this kernel take a seccomp filter (and libseccomp build one)? */
int
sandbox_seccomp_works(void)
{
	static int	cached = -1;

	if (cached == -1)
		cached = prctl(PR_GET_SECCOMP, 0, 0, 0, 0) >= 0 &&
		    seccomp_api_get() >= 1;
	return (cached);
}
