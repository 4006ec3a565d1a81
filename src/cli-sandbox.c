/* cli-sandbox.c: `agentos sandbox status` and `agentos sandbox run`. */
#include <sys/prctl.h>
#include <sys/types.h>
#include <sys/wait.h>

#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "agentos.h"
#include "options.h"
#include "proc.h"
#include "sandbox.h"
#include "banned.h"

extern char	**environ;

int	cli_sandbox_exec(int, char **, const char *, struct config *);

/* Provider key variables dropped from a command's environment. */
static const char *cli_sandbox_drop[] = {
	"ANTHROPIC_API_KEY", "OPENAI_API_KEY", NULL
};

/* Print the usage of `agentos sandbox`; exit status 2. */
static int
cli_sandbox_usage(void)
{
	fprintf(stderr, "usage: agentos sandbox status [-p PROFILE] | "
	    "sandbox run [-p PROFILE] [-n] -- COMMAND...\n");
	return (2);
}

/* agentos sandbox status|run: show or use the sandbox. */
int
cli_sandbox_exec(int argc, char **argv, const char *root, struct config *cfg)
{
	struct sandbox_config	 sc = { 0 };
	struct sandbox		*sb;
	char			*cause = NULL, *s, **v, **env, cwd[PATH_MAX];
	char			 session[64];
	const char *const	*keep = NULL;
	const char		*verb;
	struct sandbox_child	*child = NULL;
	int			 i, status, rc = 1;
	pid_t			 pid;

	if (argc < 2)
		return (cli_sandbox_usage());
	verb = argv[1];
	/* As the agent would: the sandbox.* options, then the flags. */
	sc.profile = SANDBOX_WORKSPACE_WRITE;
	sc.mechanism = "auto";
	if (cfg != NULL && cfg->opts != NULL) {
		sc.profile = (enum sandbox_profile)cfg->opts->sandbox.profile;
		sc.network = cfg->opts->sandbox.network;
		sc.mechanism =
		    sandbox_mechanism_names[cfg->opts->sandbox.mechanism];
		sc.writable_roots = (const char *const *)
		    cfg->opts->sandbox.writable_roots.v;
		keep = (const char *const *)cfg->opts->sandbox.keep_env.v;
	}
	/* A private /tmp of its own (removed at the end). */
	xsnprintf(session, sizeof session, "run-%ld", (long)getpid());
	sc.session = session;
	for (i = 2; i < argc; i++) {
		if (strcmp(argv[i], "--") == 0) {
			i++;
			break;
		}
		if (strcmp(argv[i], "-p") == 0 && i + 1 < argc) {
			if (sandbox_profile_parse(argv[++i], &sc.profile)
			    != 0) {
				fprintf(stderr, "agentos: sandbox: unknown "
				    "profile %s\n", argv[i]);
				return (2);
			}
		} else if (strcmp(argv[i], "-n") == 0)
			sc.network = 1;
		else
			return (cli_sandbox_usage());
	}
	if (root == NULL) {
		if (getcwd(cwd, sizeof cwd) == NULL) {
			perror("agentos: sandbox: getcwd");
			return (1);
		}
		root = cwd;
	}
	if (strcmp(verb, "status") == 0) {
		if (i < argc)
			return (cli_sandbox_usage());
	} else if (strcmp(verb, "run") != 0 || i >= argc)
		return (cli_sandbox_usage());

	sb = sandbox_create(&sc, root, NULL, &cause);
	if (sb == NULL) {
		fprintf(stderr, "agentos: sandbox: %s\n", cause);
		free(cause);
		return (1);
	}
	if (strcmp(verb, "status") == 0) {
		s = sandbox_status(sb);
		fputs(s, stdout);
		free(s);
		rc = 0;
		goto out;
	}
	if (sc.profile != SANDBOX_OFF && !sandbox_enforced(sb)) {
		fprintf(stderr, "agentos: sandbox: no sandbox can be "
		    "enforced here; refusing to run unconfined\n");
		goto out;
	}
	/* Landlock: the rule set now, applied in the child before exec. */
	child = sandbox_child_prepare(sb, &cause);
	if (child == NULL && cause != NULL) {
		fprintf(stderr, "agentos: sandbox: %s\n", cause);
		free(cause);
		goto out;
	}
	v = sandbox_argv(sb, (const char *const *)argv + i);
	env = sandbox_env(sb, (const char *const *)environ, keep,
	    cli_sandbox_drop);
	/* No pid namespace: orphans come to us and die with the command. */
	if (sandbox_child_guard(child))
		(void)prctl(PR_SET_CHILD_SUBREAPER, 1);
	fflush(stdout);
	pid = fork();
	if (pid == -1) {
		perror("agentos: sandbox: fork");
		goto free_v;
	}
	if (pid == 0) {
		if (setsid() == -1)
			(void)setpgid(0, 0);
		if (child != NULL &&
		    sandbox_child_apply(child, sandbox_child_fd(child)) != 0) {
			perror("agentos: sandbox: cannot confine the command");
			_exit(126);
		}
		if (chdir(root) == 0) {
			environ = env;
			execvp(v[0], v);
		}
		perror(v[0]);
		_exit(127);
	}
	while (waitpid(pid, &status, 0) == -1)
		;
	if (child != NULL)
		proc_kill_children();
	rc = WIFEXITED(status) ? WEXITSTATUS(status) :
	    128 + WTERMSIG(status);
free_v:
	sandbox_argv_free(env);
	sandbox_argv_free(v);
out:
	sandbox_child_free(child);
	sandbox_free(sb);
	return (rc);
}
