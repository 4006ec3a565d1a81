/*
 * cli-config.c: "agentos config": every option with its effective value
 * and where it came from; "agentos config KEY" prints one value (or the
 * keys under a prefix); "agentos config --keys" lists the table.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "agentos.h"
#include "options.h"
#include "banned.h"

int	cli_config_exec(int, char **, const char *, struct config *);

struct cli_config {
	const char	*only;		/* a key or a prefix, or NULL */
	int		 found;
};

static void	cli_config_one(void *, const char *, const char *,
		    const struct option_source *);
static void	cli_config_key(void *, const char *, const char *,
		    const char *, const char *);
static void	cli_config_held(const struct config *);

/* Print one setting: key, value, source (or the value alone). */
static void
cli_config_one(void *arg, const char *key, const char *value,
    const struct option_source *src)
{
	struct cli_config	*cc = arg;
	size_t			 len;
	char			*s;

	if (cc->only != NULL) {
		len = strlen(cc->only);
		if (strcmp(key, cc->only) == 0) {
			printf("%s\n", value);
			cc->found = 1;
			return;
		}
		if (strncmp(key, cc->only, len) != 0 || key[len] != '.')
			return;
	}
	cc->found = 1;
	s = options_source_text(src);
	printf("%-30s %-24s %s\n", key, value, s);
	free(s);
}

/* Print one documented key: key, type, default, help (tab-separated). */
static void
cli_config_key(void *arg, const char *key, const char *type,
    const char *def, const char *help)
{
	(void)arg;
	printf("%s\t%s\t%s\t%s\n", key, type, def != NULL ? def : "-", help);
}

/*
 * The project's keys that folder trust holds back (options_held()), with
 * where they would come from: they do not apply until trusted.
 */
static void
cli_config_held(const struct config *cfg)
{
	const struct option_entry	*e;
	const json_t			*held;
	const char			*k, *where;
	json_t				*v;
	char				*text, *key, *p;

	if ((held = options_held(cfg, &where)) == NULL)
		return;
	json_object_foreach((json_t *)held, k, v) {
		e = options_find(k);
		if (e != NULL && (e->flags & OPTION_SECRET))
			text = xstrdup("\"[redacted]\"");
		else
			text = json_dumps(v, JSON_COMPACT | JSON_ENCODE_ANY);
		/* A key from the repository may hold anything. */
		key = xstrdup(k);
		for (p = key; *p != '\0'; p++) {
			if ((unsigned char)*p < 0x20 || *p == 0x7f)
				*p = '?';
		}
		printf("%-30s %-24s %s (not applied: the repository is not "
		    "trusted; agentos trust)\n", key, text != NULL ? text :
		    "?", where != NULL ? where : "project");
		free(key);
		free(text);
	}
}

int
cli_config_exec(int argc, char **argv, const char *root, struct config *cfg)
{
	struct cli_config	cc = { .only = NULL, .found = 0 };

	(void)root;
	if (argc == 2 && strcmp(argv[1], "--keys") == 0) {
		options_foreach_key(cli_config_key, NULL);
		return (0);
	}
	if (argc > 2 || (argc == 2 && argv[1][0] == '-')) {
		fprintf(stderr, "usage: agentos config [--keys | KEY]\n");
		return (2);
	}
	if (argc == 2)
		cc.only = argv[1];
	options_foreach(cfg, cli_config_one, &cc);
	if (cc.only == NULL)
		cli_config_held(cfg);
	if (cc.only != NULL && !cc.found) {
		fprintf(stderr, "agentos: config: unknown option: %s\n",
		    cc.only);
		return (1);
	}
	return (0);
}
