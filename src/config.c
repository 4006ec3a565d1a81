/* config.c: defaults < user config < project config < environment < flags. */
#include <errno.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "agentos.h"
#include "banned.h"

enum option_type {
	OPTION_STRING,
	OPTION_INT,
	OPTION_PERM_MODE,
};

struct option_entry {
	const char		*name;		/* key in config.json */
	enum option_type	 type;
	size_t			 offset;	/* in struct config */
	const char		*def;		/* default, as text */
	long			 min, max;	/* OPTION_INT bounds */
	const char		*help;
};

#define OFF(f) offsetof(struct config, f)
static const struct option_entry options_table[] = {
	{ .name = "provider", .type = OPTION_STRING, .offset = OFF(provider),
	  .def = "anthropic", .help = "anthropic or openai" },
	{ .name = "model", .type = OPTION_STRING, .offset = OFF(model),
	  .help = "model name (default: the provider's)" },
	{ .name = "base_url", .type = OPTION_STRING, .offset = OFF(base_url),
	  .help = "provider base URL" },
	{ .name = "api_key", .type = OPTION_STRING, .offset = OFF(api_key),
	  .help = "API key (prefer the environment)" },
	{ .name = "max_tokens", .type = OPTION_INT, .offset = OFF(max_tokens),
	  .def = "8192", .min = 1, .max = 1000000,
	  .help = "output tokens per response" },
	{ .name = "thinking_budget", .type = OPTION_INT,
	  .offset = OFF(thinking_budget), .def = "0", .min = 0,
	  .max = 1000000, .help = "extended thinking tokens (0: off)" },
	{ .name = "permission_mode", .type = OPTION_PERM_MODE,
	  .offset = OFF(perm_mode), .def = "ask",
	  .help = "ask, accept-edits, plan or bypass" },
	{ .name = "max_retries", .type = OPTION_INT, .offset = OFF(max_retries),
	  .def = "2", .min = 0, .max = 10, .help = "retries per request" },
	{ .name = "theme", .type = OPTION_STRING, .offset = OFF(theme),
	  .def = "dark", .help = "dark or light" },
	{ .name = "map_tokens", .type = OPTION_INT, .offset = OFF(map_tokens),
	  .def = "2048", .min = 0, .max = 100000,
	  .help = "repository map budget (tokens)" },
};
#undef OFF

static const char *perm_mode_names[] = {
	[PERM_ASK] = "ask",
	[PERM_ACCEPT_EDITS] = "accept-edits",
	[PERM_PLAN] = "plan",
	[PERM_BYPASS] = "bypass",
};

static const struct option_entry *config_find(const char *);
static int	config_apply(struct config *, const struct option_entry *,
		    const char *, char **);
static int	config_read_file(const char *, json_t *, char **);
static int	config_apply_json(struct config *, json_t *, const char *,
		    char **);

const char *
perm_mode_name(enum perm_mode m)
{
	if ((size_t)m >= PERM_MODE_COUNT)
		return ("ask");
	return (perm_mode_names[m]);
}

int
perm_mode_from_name(const char *name, enum perm_mode *m)
{
	size_t	i;

	for (i = 0; i < PERM_MODE_COUNT; i++) {
		if (strcmp(name, perm_mode_names[i]) == 0) {
			*m = i;
			return (0);
		}
	}
	/* Claude Code's spellings. */
	if (strcmp(name, "default") == 0)
		*m = PERM_ASK;
	else if (strcmp(name, "acceptEdits") == 0)
		*m = PERM_ACCEPT_EDITS;
	else if (strcmp(name, "bypassPermissions") == 0)
		*m = PERM_BYPASS;
	else
		return (-1);
	return (0);
}

/* Look an option up by its config-file name. */
static const struct option_entry *
config_find(const char *name)
{
	size_t	i;

	for (i = 0; i < sizeof options_table / sizeof *options_table; i++) {
		if (strcmp(options_table[i].name, name) == 0)
			return (&options_table[i]);
	}
	return (NULL);
}

/* Set one option from its text value, checking type and bounds. */
static int
config_apply(struct config *cfg, const struct option_entry *o,
    const char *value, char **cause)
{
	char	**sp, *end;
	long	  n;

	switch (o->type) {
	case OPTION_STRING:
		sp = (char **)((char *)cfg + o->offset);
		free(*sp);
		*sp = value != NULL && *value != '\0' ? xstrdup(value) : NULL;
		break;
	case OPTION_INT:
		errno = 0;
		n = strtol(value, &end, 10);
		if (errno != 0 || *end != '\0' || end == value ||
		    n < o->min || n > o->max) {
			*cause = xasprintf("%s: '%s' is not a number from "
			    "%ld to %ld", o->name, value, o->min, o->max);
			return (-1);
		}
		*(int *)((char *)cfg + o->offset) = n;
		break;
	case OPTION_PERM_MODE:
		if (perm_mode_from_name(value,
		    (enum perm_mode *)((char *)cfg + o->offset)) != 0) {
			*cause = xasprintf("%s: '%s' is not one of ask, "
			    "accept-edits, plan, bypass", o->name, value);
			return (-1);
		}
		break;
	}
	return (0);
}

int
config_set(struct config *cfg, const char *name, const char *value,
    char **cause)
{
	const struct option_entry	*o;

	if ((o = config_find(name)) == NULL) {
		*cause = xasprintf("unknown option: %s", name);
		return (-1);
	}
	if (config_apply(cfg, o, value, cause) != 0)
		return (-1);
	if (strcmp(name, "base_url") == 0)
		cfg->base_url_pinned = 1;
	if (strcmp(name, "api_key") == 0)
		cfg->api_key_pinned = 1;
	return (0);
}

/*
 * Merge the JSON object in file path into into (keys of the file win).  A
 * missing file is not an error; a malformed one names file and line.
 */
static int
config_read_file(const char *path, json_t *into, char **cause)
{
	json_error_t	 err;
	json_t		*j;

	if ((j = json_load_file(path, 0, &err)) == NULL) {
		if (err.line == -1 && access(path, F_OK) != 0)
			return (0);
		*cause = xasprintf("%s:%d: %s", path, err.line, err.text);
		return (-1);
	}
	if (!json_is_object(j)) {
		*cause = xasprintf("%s: not a JSON object", path);
		json_decref(j);
		return (-1);
	}
	json_object_update(into, j);
	json_decref(j);
	return (0);
}

/* Apply the known keys of the merged config object. */
static int
config_apply_json(struct config *cfg, json_t *obj, const char *where,
    char **cause)
{
	const struct option_entry	*o;
	const char			*key;
	json_t				*v;
	char				*text, *why = NULL;

	json_object_foreach(obj, key, v) {
		if ((o = config_find(key)) == NULL)
			continue;	/* a subsystem's own key */
		if (json_is_string(v))
			text = xstrdup(json_string_value(v));
		else if (json_is_integer(v))
			text = xasprintf("%lld",
			    (long long)json_integer_value(v));
		else if (json_is_null(v))
			text = xstrdup("");
		else {
			*cause = xasprintf("%s: %s: expected a string or a "
			    "number", where, key);
			return (-1);
		}
		if (config_apply(cfg, o, text, &why) != 0) {
			*cause = xasprintf("%s: %s", where, why);
			free(why);
			free(text);
			return (-1);
		}
		free(text);
	}
	return (0);
}

int
config_load(struct config *cfg, const char *root, char **cause)
{
	const char	*xdg, *home, *e;
	char		*user = NULL, *project = NULL;
	size_t		 i;
	int		 rc = -1;

	memset(cfg, 0, sizeof *cfg);
	for (i = 0; i < sizeof options_table / sizeof *options_table; i++) {
		if (options_table[i].def != NULL &&
		    config_apply(cfg, &options_table[i], options_table[i].def,
		    cause) != 0)
			fatalx("bad default for %s", options_table[i].name);
	}
	cfg->raw = json_object();

	if ((xdg = getenv("XDG_CONFIG_HOME")) != NULL && *xdg != '\0')
		user = xasprintf("%s/agentos/config.json", xdg);
	else if ((home = getenv("HOME")) != NULL)
		user = xasprintf("%s/.config/agentos/config.json", home);
	if (user != NULL && config_read_file(user, cfg->raw, cause) != 0)
		goto out;
	if (root != NULL) {
		project = xasprintf("%s/.agentos/config.json", root);
		if (config_read_file(project, cfg->raw, cause) != 0)
			goto out;
	}
	if (config_apply_json(cfg, cfg->raw, project != NULL ? project :
	    "config", cause) != 0)
		goto out;

	if ((e = getenv("AGENTOS_PROVIDER")) != NULL && *e != '\0' &&
	    config_set(cfg, "provider", e, cause) != 0)
		goto out;
	if ((e = getenv("AGENTOS_MODEL")) != NULL && *e != '\0' &&
	    config_set(cfg, "model", e, cause) != 0)
		goto out;
	rc = 0;
out:
	free(user);
	free(project);
	return (rc);
}

int
config_load_string(struct config *cfg, const char *json, char **cause)
{
	json_error_t	 err;
	size_t		 i;

	memset(cfg, 0, sizeof *cfg);
	for (i = 0; i < sizeof options_table / sizeof *options_table; i++) {
		if (options_table[i].def != NULL &&
		    config_apply(cfg, &options_table[i], options_table[i].def,
		    cause) != 0)
			fatalx("bad default for %s", options_table[i].name);
	}
	if ((cfg->raw = json_loads(json, 0, &err)) == NULL ||
	    !json_is_object(cfg->raw)) {
		*cause = xasprintf("config:%d: %s", err.line,
		    cfg->raw == NULL ? err.text : "not a JSON object");
		return (-1);
	}
	return (config_apply_json(cfg, cfg->raw, "config", cause));
}

void
config_finish(struct config *cfg)
{
	const struct provider_entry	*p;
	const char			*e;

	if ((p = provider_find(cfg->provider)) == NULL)
		return;
	/* The provider's environment variables beat the files, not flags. */
	if (!cfg->api_key_pinned && (e = getenv(p->key_env)) != NULL &&
	    *e != '\0') {
		free(cfg->api_key);
		cfg->api_key = xstrdup(e);
	}
	if (!cfg->base_url_pinned && (e = getenv(p->base_url_env)) != NULL &&
	    *e != '\0') {
		free(cfg->base_url);
		cfg->base_url = xstrdup(e);
	}
	if (cfg->model == NULL)
		cfg->model = xstrdup(p->default_model);
}

int
config_provider_configured(const struct config *cfg)
{
	return (cfg->api_key != NULL || cfg->base_url != NULL);
}

const char *
config_provider_help(void)
{
	return ("No provider is configured.  Set ANTHROPIC_API_KEY for "
	    "Anthropic, or OPENAI_API_KEY with --provider openai; for a local "
	    "OpenAI-compatible server give its URL, e.g. --provider openai "
	    "--base-url http://localhost:11434/v1 (Ollama).  Settings can "
	    "also go in ~/.config/agentos/config.json: {\"provider\": "
	    "\"openai\", \"base_url\": \"...\", \"model\": \"...\"}.  "
	    "See agentos(1), ENVIRONMENT.");
}

void
config_release(struct config *cfg)
{
	size_t	i;

	for (i = 0; i < sizeof options_table / sizeof *options_table; i++) {
		if (options_table[i].type == OPTION_STRING)
			free(*(char **)((char *)cfg + options_table[i].offset));
	}
	free(cfg->log_file);
	if (cfg->raw != NULL)
		json_decref(cfg->raw);
	memset(cfg, 0, sizeof *cfg);
}
