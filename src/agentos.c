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
	char			 cwd[4096], *root, *cause = NULL;
	int			 ch, rc;

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
	argc -= optind;
	argv += optind;
	if (getcwd(cwd, sizeof cwd) == NULL) {
		perror("agentos: getcwd");
		return (1);
	}
	if (argc > 0 && (cmd = cmd_find(argv[0])) != NULL) {
		if ((root = agentos_repo_root(cwd, &cause)) == NULL) {
			fprintf(stderr, "agentos: %s\n", cause);
			free(cause);
			return (1);
		}
		rc = cmd->exec(argc, argv, root, NULL);
		free(root);
		return (rc);
	}
	usage(stderr);
	return (2);
}
