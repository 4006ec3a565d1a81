/* agentos.c: main: options, subcommands, and the TUI or headless run. */
#include <sys/stat.h>

#include <errno.h>
#include <getopt.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <git2.h>

#include "agentos.h"
#include "ui.h"
#include "options.h"
#include "trace.h"
#include "trust.h"
#include "banned.h"

static void	usage(FILE *);
static int	agentos_is_session_id(const char *);
static char	*read_stdin(void);

/* Nonzero if s looks like a session id or a prefix of one (20261122-...). */
static int
agentos_is_session_id(const char *s)
{
	if (*s < '0' || *s > '9')
		return (0);
	return (s[strspn(s, "0123456789abcdef-")] == '\0');
}

/* Print the usage summary. */
static void
usage(FILE *f)
{
	fprintf(f,
"usage: agentos [options]\n"
"       agentos -p PROMPT [--output-format text|json|stream-json]\n"
"       agentos COMMAND [args]\n"
"\n"
"options:\n"
"  -p, --print PROMPT          run headless to completion and print the result\n"
"                              (PROMPT - reads it from standard input)\n"
"      --output-format FMT     text (default), json or stream-json with -p\n"
"  -c, --continue              continue the most recent session of this worktree\n"
"  -r, --resume [ID]           resume session ID, or pick one (without ID)\n"
"      --provider NAME         anthropic or openai (OpenAI-compatible servers)\n"
"  -m, --model NAME            model name\n"
"      --base-url URL          provider base URL (Anthropic without /v1,\n"
"                              OpenAI-compatible with /v1)\n"
"      --permission-mode MODE  ask (default), accept-edits, plan, bypass\n"
"      --max-tokens N          output tokens per response\n"
"      --sandbox PROFILE       off, read-only, workspace-write (default)\n"
"      --trust-project         let this repository's own files grant capabilities\n"
"      --theme NAME            dark (default) or light\n"
"      --max-turns N           stop after N model calls\n"
"      --max-budget-usd X      stop when the run has cost X US dollars\n"
"      --max-duration TIME     stop after TIME (90s, 30m, 2h)\n"
"  -C DIR                      run as if started in DIR\n"
"  -v, --verbose               debug log to $AGENTOS_LOG or .git/agentos/debug.log\n"
"  -V, --version               print the version and exit\n"
"  -h, --help                  print this help and exit\n"
"\n"
"commands:\n");
	{
		const struct cli_entry	*c;

		for (c = cli_table; c->name != NULL; c++)
			fprintf(f, "  agentos %s\n", c->usage);
	}
	fprintf(f, "\nSee agentos(1) for key bindings, slash commands, tools "
	    "and files.\n");
}

/* The whole of standard input (for -p -); caller frees. */
static char *
read_stdin(void)
{
	struct buf	b = BUF_INIT;
	char		chunk[8192];
	size_t		n;

	while ((n = fread(chunk, 1, sizeof chunk, stdin)) > 0)
		buf_add(&b, chunk, n);
	buf_rtrim(&b);
	return (buf_detach(&b, NULL));
}

int
main(int argc, char **argv)
{
	enum {
		OPT_OUTPUT_FORMAT = 256,
		OPT_PROVIDER,
		OPT_BASE_URL,
		OPT_PERMISSION_MODE,
		OPT_MAX_TOKENS,
		OPT_THEME,
		OPT_MAX_TURNS,
		OPT_MAX_BUDGET_USD,
		OPT_MAX_DURATION,
		OPT_SANDBOX,
		OPT_TRUST_PROJECT,
	};
	static const struct option longopts[] = {
		{ "print", required_argument, NULL, 'p' },
		{ "continue", no_argument, NULL, 'c' },
		{ "resume", no_argument, NULL, 'r' },
		{ "output-format", required_argument, NULL, OPT_OUTPUT_FORMAT },
		{ "provider", required_argument, NULL, OPT_PROVIDER },
		{ "model", required_argument, NULL, 'm' },
		{ "base-url", required_argument, NULL, OPT_BASE_URL },
		{ "permission-mode", required_argument, NULL,
		  OPT_PERMISSION_MODE },
		{ "max-tokens", required_argument, NULL, OPT_MAX_TOKENS },
		{ "theme", required_argument, NULL, OPT_THEME },
		{ "max-turns", required_argument, NULL, OPT_MAX_TURNS },
		{ "max-budget-usd", required_argument, NULL,
		  OPT_MAX_BUDGET_USD },
		{ "max-duration", required_argument, NULL, OPT_MAX_DURATION },
		{ "sandbox", required_argument, NULL, OPT_SANDBOX },
		{ "trust-project", no_argument, NULL, OPT_TRUST_PROJECT },
		{ "verbose", no_argument, NULL, 'v' },
		{ "version", no_argument, NULL, 'V' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 }
	};
	struct {
		const char	*name;
		const char	*value;
	} sets[16];
	const struct cli_entry	*cmd;
	struct config		 cfg;
	struct trace_config	 tcfg;
	struct trust_files	 tfiles;
	size_t			 tsent, tdropped;
	enum output_format	 fmt = OUTPUT_TEXT;
	enum perm_mode		 pm;
	char			 cwd[4096], *root = NULL, *cause = NULL;
	char			*prompt = NULL, *logpath, *held;
	const char		*dir = NULL, *e;
	size_t			 nsets = 0, i;
	int			 ch, rc = 1, verbose = 0, resume_pick = 0;
	int			 trust_project = 0;
	const char		*resume = NULL;

	while ((ch = getopt_long(argc, argv, "+p:m:C:vVhcr", longopts,
	    NULL)) != -1) {
		switch (ch) {
		case 'c':
			resume = "";
			break;
		case 'r':
			/* An optional, separate ID: a session id's shape. */
			resume = "";
			if (optind < argc && agentos_is_session_id(argv[optind]))
				resume = argv[optind++];
			else
				resume_pick = 1;
			break;
		case 'p':
			free(prompt);
			prompt = strcmp(optarg, "-") == 0 ? read_stdin() :
			    xstrdup(optarg);
			break;
		case OPT_OUTPUT_FORMAT:
			if (strcmp(optarg, "text") == 0)
				fmt = OUTPUT_TEXT;
			else if (strcmp(optarg, "json") == 0)
				fmt = OUTPUT_JSON;
			else if (strcmp(optarg, "stream-json") == 0)
				fmt = OUTPUT_STREAM_JSON;
			else {
				fprintf(stderr, "agentos: --output-format: "
				    "'%s' is not text, json or stream-json\n",
				    optarg);
				return (2);
			}
			break;
		case OPT_PROVIDER:
			sets[nsets].name = "provider";
			sets[nsets++].value = optarg;
			break;
		case 'm':
			sets[nsets].name = "model";
			sets[nsets++].value = optarg;
			break;
		case OPT_BASE_URL:
			sets[nsets].name = "base_url";
			sets[nsets++].value = optarg;
			break;
		case OPT_PERMISSION_MODE:
			if (perm_mode_from_name(optarg, &pm) != 0) {
				/* A usage error, as --output-format's. */
				fprintf(stderr, "agentos: --permission-mode: "
				    "'%s' is not ask, accept-edits, plan or "
				    "bypass\n", optarg);
				free(prompt);
				return (2);
			}
			sets[nsets].name = "permission_mode";
			sets[nsets++].value = optarg;
			break;
		case OPT_MAX_TOKENS:
			sets[nsets].name = "max_tokens";
			sets[nsets++].value = optarg;
			break;
		case OPT_THEME:
			sets[nsets].name = "theme";
			sets[nsets++].value = optarg;
			break;
		case OPT_MAX_TURNS:
			sets[nsets].name = "budget.max_turns";
			sets[nsets++].value = optarg;
			break;
		case OPT_MAX_BUDGET_USD:
			sets[nsets].name = "budget.max_usd";
			sets[nsets++].value = optarg;
			break;
		case OPT_MAX_DURATION:
			sets[nsets].name = "budget.max_duration";
			sets[nsets++].value = optarg;
			break;
		case OPT_SANDBOX:
			sets[nsets].name = "sandbox.profile";
			sets[nsets++].value = optarg;
			break;
		case OPT_TRUST_PROJECT:
			trust_project = 1;
			break;
		case 'C':
			dir = optarg;
			break;
		case 'v':
			verbose = 1;
			break;
		case 'V':
			printf("%s %s\n", AGENTOS_NAME, PACKAGE_VERSION);
			return (0);
		case 'h':
			usage(stdout);
			return (0);
		default:
			usage(stderr);
			return (2);
		}
		if (nsets == sizeof sets / sizeof *sets) {
			fprintf(stderr, "agentos: too many options\n");
			return (2);
		}
	}
	argc -= optind;
	argv += optind;
	cmd = argc > 0 ? cli_find(argv[0]) : NULL;
	if (argc > 0 && cmd == NULL && resume_pick) {
		fprintf(stderr, "agentos: -r %s: not a session id ('agentos "
		    "sessions' lists them; -r alone picks one)\n", argv[0]);
		free(prompt);
		return (2);
	}
	if (prompt != NULL && prompt[strspn(prompt, " \t\r\n")] == '\0') {
		fprintf(stderr, "agentos: -p: the prompt is empty\n");
		free(prompt);
		return (2);
	}
	if (argc > 0 && cmd == NULL) {
		fprintf(stderr, "agentos: unknown command '%s' (for a "
		    "headless prompt use -p)\n", argv[0]);
		usage(stderr);
		return (2);
	}

	signal(SIGPIPE, SIG_IGN);
	if (dir != NULL && chdir(dir) != 0) {
		fprintf(stderr, "agentos: -C %s: %s\n", dir, strerror(errno));
		return (1);
	}
	if (getcwd(cwd, sizeof cwd) == NULL) {
		perror("agentos: getcwd");
		return (1);
	}
	git_libgit2_init();
	if ((root = agentos_repo_root(cwd, &cause)) == NULL)
		goto fail;
	if (config_load(&cfg, root, &cause) != 0)
		goto fail;
	/* Folder trust: the project's granting keys wait for it (trust.h). */
	trust_start(&cfg, root, trust_project, &tfiles);
	if (prompt != NULL && !cfg.project_trusted &&
	    trust_wanted(&cfg, &tfiles)) {
		/* Headless never asks. */
		held = trust_keys(&cfg, &tfiles);
		fprintf(stderr, "agentos: project settings not applied "
		    "(untrusted): %s; run agentos in the TUI to trust, or pass "
		    "--trust-project\n", held);
		free(held);
	}
	trust_files_release(&tfiles);
	for (i = 0; i < nsets; i++) {
		if (config_set(&cfg, sets[i].name, sets[i].value, &cause) != 0)
			goto fail_cfg;
	}
	if (provider_find(cfg.provider) == NULL) {
		cause = xasprintf("unknown provider '%s' (anthropic, "
		    "openai or openai-responses; OpenAI-compatible servers "
		    "use openai)", cfg.provider);
		goto fail_cfg;
	}
	config_finish(&cfg);
	if (resume_pick && cmd == NULL && prompt != NULL) {
		cause = xstrdup("-r needs a session id with -p ('agentos "
		    "sessions' lists them; -c continues the most recent)");
		goto fail_cfg;
	}
	/* -r without an id: the TUI asks which session (a picker). */
	cfg.resume = resume_pick && cmd == NULL ? NULL : resume;
	/* Unknown keys and bad values, once; the TUI shows them itself. */
	if (cmd != NULL || prompt != NULL || !isatty(STDIN_FILENO) ||
	    !isatty(STDOUT_FILENO))
		options_report(&cfg, stderr);

	if (verbose || (e = getenv("AGENTOS_LOG")) != NULL) {
		if ((e = getenv("AGENTOS_LOG")) != NULL && *e != '\0')
			logpath = xstrdup(e);
		else {
			logpath = xasprintf("%s/.git/agentos", root);
			if (path_private_dir(logpath, &cause) != 0)
				free(cause);	/* log_open says it */
			free(logpath);
			logpath = xasprintf("%s/.git/agentos/debug.log", root);
		}
		if (log_open(logpath) != 0)
			fprintf(stderr, "agentos: cannot open log %s\n",
			    logpath);
		free(logpath);
		cfg.verbose = 1;
	}
	log_debug("agentos %s in %s (root %s), provider %s, model %s",
	    PACKAGE_VERSION, cwd, root, cfg.provider, cfg.model);

	loop_init();
	http_global_init();
	/* OpenTelemetry export of the session's spans (trace.h). */
	config_trace_use(&cfg);
	trace_config_env(&tcfg, NULL, config_trace_getenv);
	if (cmd == NULL && tcfg.enabled)
		trace_export_start(&tcfg);
	if (cmd != NULL)
		rc = cmd->exec(argc, argv, root, &cfg);
	else if (prompt != NULL)
		rc = headless_run(root, cwd, &cfg, prompt, fmt);
	else if (!isatty(STDIN_FILENO) || !isatty(STDOUT_FILENO)) {
		fprintf(stderr, "agentos: not a terminal; use -p PROMPT to "
		    "run headless\n");
		rc = 1;
	} else
		rc = ui_run(root, cwd, &cfg, resume_pick ?
		    UI_PICK_SESSION : 0);
	if (trace_export_active()) {
		trace_export_stop(2000, &tsent, &tdropped);
		if (tdropped > 0)
			fprintf(stderr, "agentos: trace: %zu span%s sent, %zu "
			    "dropped (collector %s)\n", tsent,
			    tsent == 1 ? "" : "s", tdropped, tcfg.traces_url);
	}
	trace_config_release(&tcfg);
	http_global_free();
	job_shutdown();
	loop_free();
	config_release(&cfg);
	free(root);
	free(prompt);
	log_close();
	return (rc);

fail_cfg:
	config_release(&cfg);
fail:
	fprintf(stderr, "agentos: %s\n", cause);
	free(cause);
	free(root);
	free(prompt);
	return (1);
}
