/*
 * bench-sandbox-cmd.c: what the sandbox adds to each command of a session.
 *
 * A sandbox is created once, as a session does (probes, the seccomp
 * compile and the first Landlock rule set are paid then, and reported
 * apart), and /bin/true is then run N times the way the bash tool runs a
 * command: sandbox_child_prepare() (under Landlock: the rule set, used
 * again while the directories it walked are unchanged), fork, the child's
 * confinement (sandbox_child_apply()), exec through sandbox_argv() (bwrap's
 * prefix), wait.  The same loop with no sandbox is the baseline.  Not
 * counted: proc.c's reaping guard under Landlock (one more fork).
 *
 * Usage: bench-sandbox-cmd [N] (default 200), in a git worktree.
 */
#include <sys/wait.h>

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "agentos.h"
#include "sandbox.h"

/* Milliseconds on the monotonic clock. */
static double
bench_now_ms(void)
{
	struct timespec	ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (ts.tv_sec * 1e3 + ts.tv_nsec / 1e6);
}

static int
bench_cmp(const void *a, const void *b)
{
	double	x = *(const double *)a, y = *(const double *)b;

	return (x < y ? -1 : x > y);
}

/* Run /bin/true once under sb (NULL: plainly); its wall time in ms. */
static double
bench_one(const struct sandbox *sb)
{
	const char		*cmd[] = { "/bin/true", NULL };
	struct sandbox_child	*child = NULL;
	char			**argv, *cause = NULL;
	double			 t0 = bench_now_ms();
	pid_t			 pid;
	int			 status;

	if (sb != NULL) {
		child = sandbox_child_prepare(sb, &cause);
		if (child == NULL && cause != NULL) {
			fprintf(stderr, "bench-sandbox-cmd: %s\n", cause);
			exit(1);
		}
		argv = sandbox_argv(sb, cmd);
	} else
		argv = sandbox_argv(NULL, cmd);
	if ((pid = fork()) == 0) {
		if (child != NULL &&
		    sandbox_child_apply(child, sandbox_child_fd(child)) != 0)
			_exit(126);
		execvp(argv[0], argv);
		_exit(127);
	}
	while (waitpid(pid, &status, 0) == -1 && errno == EINTR)
		;
	if (!WIFEXITED(status) || WEXITSTATUS(status) != 0) {
		fprintf(stderr, "bench-sandbox-cmd: %s failed\n", argv[0]);
		exit(1);
	}
	sandbox_child_free(child);
	sandbox_argv_free(argv);
	return (bench_now_ms() - t0);
}

/*
 * N runs under sb, each right after a run without a sandbox (so that the
 * machine's load drifts alike for both); prints both medians and the
 * median of the pairs' differences.
 */
static void
bench_loop(const char *what, const struct sandbox *sb, int n)
{
	double	*t = xcalloc(n, sizeof *t), *u = xcalloc(n, sizeof *u);
	double	*d = xcalloc(n, sizeof *d);
	int	 i;

	for (i = 0; i < n; i++) {
		u[i] = bench_one(NULL);
		t[i] = bench_one(sb);
		d[i] = t[i] - u[i];
	}
	qsort(t, n, sizeof *t, bench_cmp);
	qsort(u, n, sizeof *u, bench_cmp);
	qsort(d, n, sizeof *d, bench_cmp);
	printf("%-9s median %6.2f ms (p90 %6.2f), unsandboxed %6.2f ms: "
	    "added %.2f ms per command (median of %d pairs)\n", what,
	    t[n / 2], t[n * 9 / 10], u[n / 2], d[n / 2], n);
	free(t);
	free(u);
	free(d);
}

int
main(int argc, char **argv)
{
	static const char	*mechs[] = { "bwrap", "landlock" };
	struct sandbox_config	 sc;
	struct sandbox		*sb;
	char			 root[4096], *cause = NULL, *status, *p;
	double			 t0;
	int			 n = argc > 1 ? atoi(argv[1]) : 200;
	size_t			 i;

	if (n < 1 || getcwd(root, sizeof root) == NULL)
		return (1);
	for (i = 0; i < 20; i++)	/* warm up */
		(void)bench_one(NULL);
	for (i = 0; i < sizeof mechs / sizeof *mechs; i++) {
		memset(&sc, 0, sizeof sc);
		sc.profile = SANDBOX_WORKSPACE_WRITE;
		sc.mechanism = mechs[i];
		sc.session = "bench-sandbox-cmd";
		t0 = bench_now_ms();
		if ((sb = sandbox_create(&sc, root, NULL, &cause)) == NULL) {
			printf("%s: not available (%s)\n", mechs[i], cause);
			free(cause);
			cause = NULL;
			continue;
		}
		printf("%s: sandbox made in %.2f ms (once per session)\n",
		    mechs[i], bench_now_ms() - t0);
		bench_loop(mechs[i], sb, n);
		status = sandbox_status(sb);
		if ((p = strstr(status, "landlock rule sets:")) != NULL)
			printf("%-9s %.*s\n", "", (int)strcspn(p, "\n"), p);
		free(status);
		sandbox_free(sb);
	}
	return (0);
}
