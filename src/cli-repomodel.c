/* cli-repomodel.c: agentos map, agentos symbols, agentos index. */
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "agentos.h"
#include "repomodel.h"
#include "banned.h"

static struct repomodel *cli_repomodel_open(const char *, struct config *,
		    struct repomodel_stats *);
static void	 cli_repomodel_stats(const struct repomodel_stats *);

/* Open and refresh the model of root; NULL after printing why. */
static struct repomodel *
cli_repomodel_open(const char *root, struct config *cfg,
    struct repomodel_stats *st)
{
	struct repomodel_config	 rc;
	struct repomodel	*rm;
	char			*cause = NULL;

	repomodel_config_default(&rc);
	if (cfg != NULL && cfg->map_tokens > 0)
		rc.map_tokens = cfg->map_tokens;
	if ((rm = repomodel_open(root, &rc, &cause)) == NULL) {
		fprintf(stderr, "agentos: %s\n", cause);
		free(cause);
		return (NULL);
	}
	if (repomodel_build(rm, st, &cause) != 0) {
		fprintf(stderr, "agentos: %s\n", cause);
		free(cause);
		repomodel_close(rm);
		return (NULL);
	}
	return (rm);
}

/* Print what a build did, in one line. */
static void
cli_repomodel_stats(const struct repomodel_stats *st)
{
	size_t	i, skipped = 0;

	for (i = SKIP_BINARY; i < SKIP_COUNT; i++)
		skipped += st->skipped[i];
	printf("%zu files: %zu parsed, %zu unchanged, %zu removed, "
	    "%zu not indexed; %zu definitions, %zu references, %zu imports, "
	    "%zu graph edges, %zu commits of history; %llu ms\n",
	    st->files, st->parsed, st->reused, st->removed, skipped, st->defs,
	    st->refs, st->imports, st->edges, st->commits,
	    (unsigned long long)st->ms);
}

int
cli_map_exec(int argc, char **argv, const char *root, struct config *cfg)
{
	static const struct option longopts[] = {
		{ "budget", required_argument, NULL, 'b' },
		{ "focus", required_argument, NULL, 'f' },
		{ NULL, 0, NULL, 0 }
	};
	struct repomodel	*rm;
	struct repomodel_stats	 st;
	const char		**focus = NULL;
	size_t			 nfocus = 0, afocus = 0;
	char			*map, *end;
	long			 budget = 0;
	int			 ch;

	optind = 1;
	while ((ch = getopt_long(argc, argv, "b:f:", longopts, NULL)) != -1) {
		switch (ch) {
		case 'b':
			budget = strtol(optarg, &end, 10);
			if (*end != '\0' || budget <= 0 || budget > 1000000) {
				fprintf(stderr, "agentos map: bad budget %s\n",
				    optarg);
				free(focus);
				return (2);
			}
			break;
		case 'f':
			ALLOC_GROW(focus, nfocus + 1, afocus);
			focus[nfocus++] = optarg;
			break;
		default:
			fprintf(stderr, "usage: agentos map [--budget N] "
			    "[--focus PATH|SYMBOL]...\n");
			free(focus);
			return (2);
		}
	}
	/* Remaining arguments are focus too. */
	for (; optind < argc; optind++) {
		ALLOC_GROW(focus, nfocus + 1, afocus);
		focus[nfocus++] = argv[optind];
	}
	if ((rm = cli_repomodel_open(root, cfg, &st)) == NULL) {
		free(focus);
		return (1);
	}
	map = repomodel_map(rm, (int)budget, focus, nfocus);
	fputs(map, stdout);
	free(map);
	free(focus);
	repomodel_close(rm);
	return (0);
}

int
cli_symbols_exec(int argc, char **argv, const char *root, struct config *cfg)
{
	static const struct option longopts[] = {
		{ "json", no_argument, NULL, 'j' },
		{ NULL, 0, NULL, 0 }
	};
	struct repomodel	*rm;
	struct repomodel_stats	 st;
	struct repomodel_hit	*hits;
	json_t			*o;
	char			*s;
	size_t			 n, i;
	int			 ch, json = 0;

	optind = 1;
	while ((ch = getopt_long(argc, argv, "j", longopts, NULL)) != -1) {
		switch (ch) {
		case 'j':
			json = 1;
			break;
		default:
			fprintf(stderr, "usage: agentos symbols [--json] "
			    "[PATH]...\n");
			return (2);
		}
	}
	if ((rm = cli_repomodel_open(root, cfg, &st)) == NULL)
		return (1);
	n = repomodel_symbols(rm, (const char *const *)argv + optind,
	    argc - optind, &hits);
	for (i = 0; i < n; i++) {
		if (!json) {
			printf("%-9s %s %s:%u %s\n",
			    def_kind_name(hits[i].kind), hits[i].name,
			    hits[i].path, hits[i].line, hits[i].sig);
			continue;
		}
		o = json_pack("{s:s, s:s, s:s, s:i, s:i, s:s}",
		    "kind", def_kind_name(hits[i].kind),
		    "name", hits[i].name, "path", hits[i].path,
		    "line", (int)hits[i].line, "end_line",
		    (int)hits[i].end_line, "signature", hits[i].sig);
		if (o == NULL)
			continue;	/* not UTF-8 */
		s = json_dumps(o, JSON_COMPACT);
		if (s != NULL)
			puts(s);
		free(s);
		json_decref(o);
	}
	repomodel_hits_free(hits, n);
	repomodel_close(rm);
	return (0);
}

int
cli_index_exec(int argc, char **argv, const char *root, struct config *cfg)
{
	static const struct option longopts[] = {
		{ "stat", no_argument, NULL, 's' },
		{ NULL, 0, NULL, 0 }
	};
	struct repomodel	*rm;
	struct repomodel_stats	 st;
	struct repomodel_hit	*hits;
	int			 ch, stat = 0;
	size_t			 i, n;

	optind = 1;
	while ((ch = getopt_long(argc, argv, "s", longopts, NULL)) != -1) {
		switch (ch) {
		case 's':
			stat = 1;
			break;
		default:
			fprintf(stderr, "usage: agentos index [--stat]\n");
			return (2);
		}
	}
	if ((rm = cli_repomodel_open(root, cfg, &st)) == NULL)
		return (1);
	cli_repomodel_stats(&st);
	if (stat) {
		for (i = 0; i < SKIP_COUNT; i++) {
			printf("%-10s %zu files\n", i == SKIP_NONE ?
			    "indexed" : i == SKIP_LANGUAGE ? "no-grammar" :
			    repomodel_skip_name(i), st.skipped[i]);
		}
		n = repomodel_skipped(rm, &hits);
		for (i = 0; i < n; i++)
			printf("not indexed (%s): %s\n", hits[i].name,
			    hits[i].path);
		repomodel_hits_free(hits, n);
	}
	repomodel_close(rm);
	return (0);
}
