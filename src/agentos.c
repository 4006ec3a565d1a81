/* agentos.c: main: options, subcommands, and the TUI or headless run. */
#include <getopt.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "agentos.h"
#include "banned.h"

static void usage(FILE *);
static char *agentos_cmd_root(void);

/*
 * Minimal subcommand dispatch (lsp engineer; the lead replaces it with the
 * real one): the root is the nearest directory up from the current one
 * holding .git, else the current directory; no configuration is loaded.
 */
static char *
agentos_cmd_root(void)
{
	char	 dir[PATH_MAX], *slash, *try;

	if (getcwd(dir, sizeof dir) == NULL)
		return (xstrdup("."));
	for (;;) {
		try = xasprintf("%s/.git", dir);
		if (access(try, F_OK) == 0) {
			free(try);
			return (xstrdup(dir));
		}
		free(try);
		if ((slash = strrchr(dir, '/')) == NULL || slash == dir)
			break;
		*slash = '\0';
	}
	if (getcwd(dir, sizeof dir) == NULL)
		return (xstrdup("."));
	return (xstrdup(dir));
}

/* Print the usage summary. */
static void
usage(FILE *f)
{
	fprintf(f,
"usage: agentos [options] [PROMPT]\n"
"       agentos -p PROMPT [--output-format text|json|stream-json]\n"
"       agentos COMMAND [args]   (snapshot, snapshots, diff, rewind, gc, ...)\n"
"\n"
"options:\n"
"  -p, --print PROMPT          run headless to completion and print the result\n"
"      --output-format FMT     text (default), json or stream-json with -p\n"
"      --provider NAME         anthropic or openai (OpenAI-compatible servers)\n"
"  -m, --model NAME            model name\n"
"      --base-url URL          provider base URL (Anthropic without /v1,\n"
"                              OpenAI-compatible with /v1)\n"
"      --permission-mode MODE  ask (default), accept-edits, plan, bypass\n"
"  -C DIR                      run as if started in DIR\n"
"  -v, --verbose               debug log to $AGENTOS_LOG or agentos.log\n"
"  -V, --version               print the version and exit\n"
"  -h, --help                  print this help and exit\n"
"\n"
"See agentos(1) for key bindings, slash commands, tools and files.\n");
}

int
main(int argc, char **argv)
{
	static const struct option longopts[] = {
		{ "print", required_argument, NULL, 'p' },
		{ "version", no_argument, NULL, 'V' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 }
	};
	const struct cmd_entry	*cmd;
	struct config		 cfg;
	char			*root;
	int			 ch, status;

	while ((ch = getopt_long(argc, argv, "+p:Vh", longopts, NULL)) != -1) {
		switch (ch) {
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
	}
	if (optind < argc && (cmd = cmd_find(argv[optind])) != NULL) {
		memset(&cfg, 0, sizeof cfg);
		root = agentos_cmd_root();
		status = cmd->exec(argc - optind, argv + optind, root, &cfg);
		free(root);
		return (status);
	}
	usage(stderr);
	return (2);
}
