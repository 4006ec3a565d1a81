/* agentos.c: main: options, subcommands, and the TUI or headless run. */
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <git2.h>

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
	int	ch;

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
	 * Minimal subcommand dispatch (repomodel branch, until the lead's
	 * lands): agentos COMMAND [args] runs cmd_table's entry at the
	 * repository root found from the current directory.
	 */
	if (optind < argc && cmd_find(argv[optind]) != NULL) {
		const struct cmd_entry	*c = cmd_find(argv[optind]);
		git_buf			 gb = { NULL, 0, 0 };
		git_repository		*repo = NULL;
		char			*root;
		size_t			 len;
		int			 rc;

		if (getenv("AGENTOS_LOG") != NULL)
			log_open(getenv("AGENTOS_LOG"));
		git_libgit2_init();
		if (git_repository_discover(&gb, ".", 0, NULL) != 0 ||
		    git_repository_open(&repo, gb.ptr) != 0 ||
		    git_repository_workdir(repo) == NULL) {
			fprintf(stderr, "agentos: not in a git worktree\n");
			return (1);
		}
		root = xstrdup(git_repository_workdir(repo));
		len = strlen(root);
		if (len > 1 && root[len - 1] == '/')
			root[len - 1] = '\0';
		git_repository_free(repo);
		git_buf_dispose(&gb);
		rc = c->exec(argc - optind, argv + optind, root, NULL);
		free(root);
		git_libgit2_shutdown();
		return (rc);
	}
	usage(stderr);
	return (2);
}
