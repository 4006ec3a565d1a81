/* test-sandbox.c: profiles, the bwrap argv, the environment scrub, and
 * (where bwrap runs) that writes outside the worktree and into .git fail. */
#include <sys/stat.h>
#include <sys/wait.h>

#include <fcntl.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>

#include "buf.h"
#include "xmalloc.h"
#include "sandbox.h"

static char	root[] = "/var/tmp/test-sandbox-XXXXXX";
/* Not under /tmp: inside, /tmp is the private tmp directory. */
static char	outside[] = "/var/tmp/test-sandbox-out-XXXXXX";

static void
test_profiles(void **state)
{
	enum sandbox_profile	p;

	(void)state;
	assert_int_equal(sandbox_profile_parse("read-only", &p), 0);
	assert_int_equal(p, SANDBOX_READ_ONLY);
	assert_int_equal(sandbox_profile_parse("workspace-write", &p), 0);
	assert_int_equal(p, SANDBOX_WORKSPACE_WRITE);
	assert_int_equal(sandbox_profile_parse("off", &p), 0);
	assert_int_equal(p, SANDBOX_OFF);
	assert_int_equal(sandbox_profile_parse("rw", &p), -1);
	assert_string_equal(sandbox_profile_name(SANDBOX_READ_ONLY),
	    "read-only");
}

static void
test_environ(void **state)
{
	const char	*env[] = { "PATH=/bin", "ANTHROPIC_API_KEY=sk-x",
	    "FOO_TOKEN=t", "my_password=p", "HOME=/h", "KEEP_TOKEN=k",
	    "PROVIDER_X=y", NULL };
	const char	*keep[] = { "KEEP_TOKEN", NULL };
	const char	*drop[] = { "PROVIDER_X", NULL };
	char		**v;

	(void)state;
	v = sandbox_environ(env, keep, drop);
	assert_string_equal(v[0], "PATH=/bin");
	assert_string_equal(v[1], "HOME=/h");
	assert_string_equal(v[2], "KEEP_TOKEN=k");
	assert_null(v[3]);
	sandbox_argv_free(v);
}

/* Run sh -c script under sb; the exit status. */
static int
run(struct sandbox *sb, const char *script)
{
	const char	*argv[] = { "sh", "-c", script, NULL };
	char		**v;
	pid_t		 pid;
	int		 status;

	v = sandbox_argv(sb, argv);
	pid = fork();
	assert_true(pid != -1);
	if (pid == 0) {
		execvp(v[0], v);
		_exit(127);
	}
	assert_int_equal(waitpid(pid, &status, 0), pid);
	sandbox_argv_free(v);
	return (WIFEXITED(status) ? WEXITSTATUS(status) : 128);
}

static void
test_bwrap(void **state)
{
	struct sandbox_config	 cfg = { 0 };
	struct sandbox		*sb;
	char			*cause = NULL, *cmd, *s, tmp[128], home[128];
	struct stat		 st;

	(void)state;
	if (!sandbox_bwrap_works())
		skip();
	assert_non_null(mkdtemp(root));
	assert_non_null(mkdtemp(outside));
	cmd = xasprintf("mkdir -p %s/.git/hooks %s/home/.ssh && "
	    "echo secret >%s/home/.ssh/id_rsa && echo A=1 >%s/.env",
	    root, outside, outside, root);
	assert_int_equal(system(cmd), 0);
	free(cmd);
	snprintf(tmp, sizeof tmp, "%s/tmp", outside);
	snprintf(home, sizeof home, "%s/home", outside);

	cfg.profile = SANDBOX_WORKSPACE_WRITE;
	cfg.mechanism = "auto";
	cfg.tmpdir = tmp;
	cfg.home = home;
	sb = sandbox_create(&cfg, root, NULL, &cause);
	assert_non_null(sb);
	assert_true(sandbox_enforced(sb));
	assert_int_equal(stat(tmp, &st), 0);
	assert_int_equal(st.st_mode & 0777, 0700);

	cmd = xasprintf("echo x >%s/ok", root);
	assert_int_equal(run(sb, cmd), 0);
	free(cmd);
	cmd = xasprintf("echo x >%s/escaped", outside);
	assert_int_not_equal(run(sb, cmd), 0);
	free(cmd);
	cmd = xasprintf("echo x >%s/.git/hooks/pre-commit", root);
	assert_int_not_equal(run(sb, cmd), 0);
	free(cmd);
	cmd = xasprintf("cat %s/.ssh/id_rsa", home);
	assert_int_not_equal(run(sb, cmd), 0);
	free(cmd);
	cmd = xasprintf("grep -q A= %s/.env", root);
	assert_int_not_equal(run(sb, cmd), 0);
	free(cmd);
	assert_int_equal(run(sb, "echo x >/tmp/t && cat /tmp/t"), 0);
	cmd = xasprintf("test -f %s/t", tmp);
	assert_int_equal(system(cmd), 0);
	free(cmd);
	/* A daemon that outlives sh dies with the pid namespace. */
	assert_int_equal(run(sb, "setsid sh -c 'sleep 30' & sleep 0.2; "
	    "exit 0"), 0);
	cmd = xasprintf("test -e %s/escaped || test -e %s/.git/hooks/"
	    "pre-commit", outside, root);
	assert_int_not_equal(system(cmd), 0);
	free(cmd);

	s = sandbox_explain(sb, 1, "sh: 1: cannot create /x: Read-only "
	    "file system");
	assert_non_null(s);
	assert_non_null(strstr(s, "sandbox"));
	free(s);
	assert_null(sandbox_explain(sb, 1, "no such file"));
	s = sandbox_status(sb);
	assert_non_null(strstr(s, "--unshare-net"));
	free(s);
	sandbox_free(sb);

	cfg.profile = SANDBOX_READ_ONLY;
	sb = sandbox_create(&cfg, root, NULL, &cause);
	assert_non_null(sb);
	cmd = xasprintf("echo x >%s/ro", root);
	assert_int_not_equal(run(sb, cmd), 0);
	free(cmd);
	sandbox_free(sb);

	cmd = xasprintf("rm -rf %s %s", root, outside);
	assert_int_equal(system(cmd), 0);
	free(cmd);
}

static void
test_off(void **state)
{
	struct sandbox_config	 cfg = { 0 };
	struct sandbox		*sb;
	const char		*argv[] = { "true", NULL };
	char			*cause = NULL, **v;

	(void)state;
	cfg.profile = SANDBOX_OFF;
	sb = sandbox_create(&cfg, "/", NULL, &cause);
	assert_non_null(sb);
	assert_false(sandbox_enforced(sb));
	v = sandbox_argv(sb, argv);
	assert_string_equal(v[0], "true");
	assert_null(v[1]);
	sandbox_argv_free(v);
	sandbox_free(sb);
	cfg.profile = SANDBOX_READ_ONLY;
	cfg.mechanism = "bogus";
	assert_null(sandbox_create(&cfg, "/", NULL, &cause));
	assert_non_null(cause);
	free(cause);
}

/*
 * The mechanism none (unenforced, no child setup) and landlock: TMPDIR is
 * the private tmp directory, the child setup confines a forked child
 * (a write into root/.git fails, one into a subdirectory works).
 */
static void
test_landlock(void **state)
{
	struct sandbox_config	 cfg = { 0 };
	struct sandbox		*sb;
	struct sandbox_child	*c;
	const char		*envp[] = { "TMPDIR=/x", "PATH=/bin", NULL };
	char			 lldir[] = "/tmp/test-sandbox-ll.XXXXXX";
	char			*cause = NULL, **v, *cmd;
	size_t			 i;
	int			 found = 0, status;
	pid_t			 pid;

	(void)state;
	assert_non_null(mkdtemp(lldir));
	cmd = xasprintf("mkdir %s/.git %s/sub", lldir, lldir);
	assert_int_equal(system(cmd), 0);
	free(cmd);
	cfg.profile = SANDBOX_WORKSPACE_WRITE;
	cfg.mechanism = "none";
	sb = sandbox_create(&cfg, lldir, NULL, &cause);
	assert_non_null(sb);
	assert_false(sandbox_enforced(sb));
	assert_null(sandbox_child_prepare(sb, &cause));
	assert_null(cause);
	sandbox_free(sb);

	if (sandbox_landlock_abi() <= 0 || !sandbox_seccomp_works())
		goto out;
	cfg.mechanism = "landlock";
	cfg.session = "unit";
	sb = sandbox_create(&cfg, lldir, NULL, &cause);
	assert_non_null(sb);
	assert_int_equal(sandbox_mechanism(sb), SANDBOX_MECH_LANDLOCK);
	v = sandbox_env(sb, envp, NULL, NULL);
	for (i = 0; v[i] != NULL; i++) {
		if (strncmp(v[i], "TMPDIR=", 7) == 0) {
			assert_string_equal(v[i] + 7, sandbox_tmpdir(sb));
			found++;
		}
	}
	assert_int_equal(found, 1);
	sandbox_argv_free(v);
	c = sandbox_child_prepare(sb, &cause);
	assert_non_null(c);
	pid = fork();
	assert_true(pid != -1);
	if (pid == 0) {
		char	p1[256], p2[256];
		int	fd1, fd2;

		if (sandbox_child_apply(c, sandbox_child_fd(c)) != 0)
			_exit(2);
		xsnprintf(p1, sizeof p1, "%s/.git/config", lldir);
		xsnprintf(p2, sizeof p2, "%s/sub/f", lldir);
		fd1 = open(p1, O_WRONLY | O_CREAT, 0600);
		fd2 = open(p2, O_WRONLY | O_CREAT, 0600);
		_exit(fd1 == -1 && fd2 != -1 ? 0 : 3);
	}
	assert_int_equal(waitpid(pid, &status, 0), pid);
	assert_true(WIFEXITED(status));
	assert_int_equal(WEXITSTATUS(status), 0);
	sandbox_child_free(c);
	sandbox_free(sb);
out:
	cmd = xasprintf("rm -rf %s", lldir);
	assert_int_equal(system(cmd), 0);
	free(cmd);
}

int
main(void)
{
	const struct CMUnitTest	tests[] = {
		cmocka_unit_test(test_profiles),
		cmocka_unit_test(test_environ),
		cmocka_unit_test(test_off),
		cmocka_unit_test(test_bwrap),
		cmocka_unit_test(test_landlock),
	};

	return (cmocka_run_group_tests(tests, NULL, NULL));
}
