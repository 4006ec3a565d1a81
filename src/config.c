/*
 * config.c: struct config's life: defaults < user config < project config
 * < environment < flags.  The values are read by options.c.
 */
#include <stddef.h>
#include <stdlib.h>
#include <string.h>

#include "agentos.h"
#include "options.h"
#include "banned.h"

static void	config_init(struct config *);

/* Zero cfg and give it the defaults of every option. */
static void
config_init(struct config *cfg)
{
	memset(cfg, 0, sizeof *cfg);
	cfg->opts = options_create();
	options_config_defaults(cfg);
}

int
config_set(struct config *cfg, const char *name, const char *value,
    char **cause)
{
	if (cfg->opts == NULL)
		cfg->opts = options_create();
	return (options_set(cfg, name, value, OPTION_FLAG, NULL, cause));
}

char *
config_user_path(void)
{
	const char	*xdg, *home;

	if ((xdg = getenv("XDG_CONFIG_HOME")) != NULL && *xdg != '\0')
		return (xasprintf("%s/agentos/config.json", xdg));
	if ((home = getenv("HOME")) != NULL)
		return (xasprintf("%s/.config/agentos/config.json", home));
	return (NULL);
}

int
config_load(struct config *cfg, const char *root, char **cause)
{
	char		*user = NULL, *project = NULL;
	int		 rc = -1;

	config_init(cfg);
	user = config_user_path();
	if (user != NULL &&
	    options_load_file(cfg, user, OPTION_USER, cause) != 0)
		goto out;
	if (root != NULL) {
		project = xasprintf("%s/.agentos/config.json", root);
		/* Folder trust: granting keys wait for trust (trust.h). */
		cfg->opts->hold_grants = 1;
		if (options_load_file(cfg, project, OPTION_PROJECT,
		    cause) != 0)
			goto out;
	}
	options_load_env(cfg);
	options_check(cfg);
	rc = 0;
out:
	free(user);
	free(project);
	return (rc);
}

int
config_load_string(struct config *cfg, const char *json, char **cause)
{
	config_init(cfg);
	if (options_load_string(cfg, json, "config", cause) != 0)
		return (-1);
	options_check(cfg);
	return (0);
}

void
config_finish(struct config *cfg)
{
	const struct provider_entry	*p;
	const struct option_source	*src;
	const char			*e;
	char				*why;

	if ((p = provider_find(cfg->provider)) == NULL)
		return;
	/* The provider's environment variables beat the files, not flags. */
	src = options_source(cfg, "api_key");
	if ((src == NULL || src->origin != OPTION_FLAG) &&
	    (e = getenv(p->key_env)) != NULL && *e != '\0' &&
	    options_set(cfg, "api_key", e, OPTION_ENV, p->key_env, &why) != 0)
		free(why);
	src = options_source(cfg, "base_url");
	if ((src == NULL || src->origin != OPTION_FLAG) &&
	    (e = getenv(p->base_url_env)) != NULL && *e != '\0' &&
	    options_set(cfg, "base_url", e, OPTION_ENV, p->base_url_env,
	    &why) != 0)
		free(why);
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
	static char	*help;
	const char	*s;
	char		*user;

	/* Built once: the environment does not change under a run. */
	if (help != NULL)
		return (help);
	user = config_user_path();
	if (user == NULL || (s = getenv("XDG_CONFIG_HOME")) == NULL ||
	    *s == '\0') {
		free(user);
		user = xstrdup("~/.config/agentos/config.json");
	}
	help = xasprintf("No provider is configured.  Set ANTHROPIC_API_KEY "
	    "for Anthropic, or OPENAI_API_KEY with --provider openai (or "
	    "openai-responses, the Responses API of GPT-5); for a "
	    "local OpenAI-compatible server give its URL, e.g. --provider "
	    "openai --base-url http://localhost:11434/v1 (Ollama).  Settings "
	    "can also go in %s: {\"provider\": \"openai\", \"base_url\": "
	    "\"...\", \"model\": \"...\"}.  See agentos(1), ENVIRONMENT.",
	    user);
	free(user);
	return (help);
}

void
config_release(struct config *cfg)
{
	const struct option_entry	*e;

	for (e = options_table; e->key != NULL; e++) {
		if (e->base == OPTION_IN_CONFIG && e->type == OPTION_STRING)
			free(*(char **)((char *)cfg + e->offset));
	}
	options_free(cfg->opts);
	memset(cfg, 0, sizeof *cfg);
}

static const struct config	*config_trace;

void
config_trace_use(const struct config *cfg)
{
	config_trace = cfg;
}

/* The trace.* rows behind the OpenTelemetry variables. */
static const struct {
	const char	*var;
	const char	*key;
} config_trace_vars[] = {
	{ "OTEL_EXPORTER_OTLP_ENDPOINT", "trace.endpoint" },
	{ "OTEL_EXPORTER_OTLP_PROTOCOL", "trace.protocol" },
	{ "OTEL_EXPORTER_OTLP_HEADERS", "trace.headers" },
	{ "OTEL_SERVICE_NAME", "trace.service_name" },
	{ "AGENTOS_TRACE_CONTENTS", "trace.contents" },
};

const char *
config_trace_getenv(const char *name)
{
	const struct option_entry	*e;
	const char			*v, *base;
	size_t				 i;

	if ((v = getenv(name)) != NULL || config_trace == NULL)
		return (v);
	base = (const char *)config_trace;
	for (i = 0; i < sizeof config_trace_vars /
	    sizeof config_trace_vars[0]; i++) {
		if (strcmp(config_trace_vars[i].var, name) != 0)
			continue;
		e = options_find(config_trace_vars[i].key);
		if (e == NULL || config_trace->opts == NULL ||
		    config_trace->opts->src[e - options_table].origin !=
		    OPTION_USER)
			return (NULL);
		if (e->type == OPTION_BOOL)
			return (*(const int *)(base + e->offset) ? "1" : NULL);
		return (*(char *const *)(base + e->offset));
	}
	return (NULL);
}
