/* agentos.c: main: options, subcommands, and the TUI or headless run. */
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "agentos.h"
#include "banned.h"

static void usage(FILE *);

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
	char			*root, *cause = NULL;
	int			 ch;

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
	/*
	 * agentos COMMAND ...: minimal dispatch (snapshots engineer) until
	 * the lead's option handling lands.
	 */
	if (optind < argc && (cmd = cmd_find(argv[optind])) != NULL) {
		if ((root = agentos_repo_root(".", &cause)) == NULL) {
			fprintf(stderr, "agentos: %s\n", cause);
			free(cause);
			return (1);
		}
		memset(&cfg, 0, sizeof cfg);
		ch = cmd->exec(argc - optind, argv + optind, root, &cfg);
		free(root);
		return (ch);
	}
	usage(stderr);
	return (2);
}
