/*
 * options.h: the one table of configuration options and the typed structs
 * the engines read.  Include after agentos.h.
 *
 * Every setting has one row of options_table[]: a dotted key
 * ("snapshots.keep_days"), a type, bounds, a default and one line of help.
 * The configuration files ($XDG_CONFIG_HOME/agentos/config.json, then the
 * project's .agentos/config.json) hold one JSON object whose keys are these
 * dotted keys, nested ({"snapshots": {"keep_days": 3}}) or flat
 * ({"snapshots.keep_days": 3}).  options.c is the only file that reads the
 * configuration's JSON; the engines take the typed structs below.  Each
 * value remembers where it came from (default, a file, an environment
 * variable, the command line).  Unknown keys and bad values in the files
 * are collected as problems, reported once at start, and leave the value
 * as it was.
 */
#ifndef OPTIONS_H
#define OPTIONS_H

#include <stddef.h>
#include <stdio.h>

#include "budget.h"
#include "context.h"
#include "lsp.h"
#include "snapshot.h"
#include "ui.h"

/* A list of strings: v is NULL when the option was never given. */
struct option_strv {
	char		**v;		/* NULL-terminated */
	size_t		  n;
	char		**from;		/* OPTION_MERGE rows: where each of v
					   came from (a file, "command line");
					   else NULL */
};

/*
 * "permissions.*": the permission rules (policy.h), indexed as enum
 * policy_kind: allow, ask, deny.  The user's and a trusted project's
 * lists are merged.
 */
struct permissions_options {
	struct option_strv	rules[3];
};

/* "session.*" and "redact": what the session log keeps. */
struct session_options {
	int			log_bodies;	/* keep request bodies (1) */
	struct option_strv	redact;		/* PCRE2 patterns to redact */
};

/*
 * "sandbox.*": how the commands the model runs are confined (sandbox.h;
 * the profile is the index of enum sandbox_profile).
 */
struct sandbox_options {
	int			profile;	/* enum sandbox_profile */
	int			network;	/* keep the network (1) */
	struct option_strv	writable_roots;	/* writable, besides root */
	struct option_strv	keep_env;	/* kept by the env scrub */
};

/* "keys.*" and "mouse": the screen's key bindings, indexed as key_table. */
#define OPTION_KEYS_MAX	128
struct ui_options {
	int		mouse;			/* mouse reporting at start */
	/* A row's keys; KEYC_UNKNOWN fills the unused (all: unbound). */
	key_code	keys[OPTION_KEYS_MAX][KEY_BIND_MAX];
};

/*
 * One entry of "lsp.servers": only the fields given are set (a NULL list
 * or JSON value, disabled -1); lsp_conf_load() lays them over the built-in
 * server of that name, or adds a server.
 */
struct lsp_server_option {
	char			*name;
	struct option_strv	 command;
	struct option_strv	 extensions;
	struct option_strv	 root_markers;
	json_t			*initialization_options;
	json_t			*settings;
	int			 disabled;	/* -1 not given, 0, 1 */
};

/*
 * "mcp.*": the MCP client (mcp.h).  servers is the object of Claude
 * Code's "mcpServers" (NULL: none), read by mcp_conf_load().
 */
struct mcp_options {
	json_t			*servers;	/* "mcp.servers" */
	unsigned int		 start_timeout_ms; /* (30000) to ready */
	unsigned int		 call_timeout_ms; /* (120000) tools/call */
	int			 tool_search_percent; /* (10) of the window
					   the definitions may take */
	char			*oauth_client_metadata_url; /* CIMD, or NULL */
};

/* Where a value came from, lowest precedence first. */
enum option_origin {
	OPTION_DEFAULT,
	OPTION_USER,			/* the user's config.json */
	OPTION_PROJECT,			/* the project's .agentos/config.json */
	OPTION_ENV,			/* an environment variable */
	OPTION_FLAG,			/* the command line (or /model) */
};
struct option_source {
	enum option_origin	 origin;
	char			*where;		/* file path or variable name;
						   NULL for default and flags */
};

/*
 * The typed values of the engines' options and where each came from,
 * owned by struct config (cfg->opts).
 */
struct options {
	struct snapshot_options	 snapshots;	/* "snapshots.*" */
	struct session_options	 session;	/* "session.*", "redact" */
	struct lsp_options	 lsp;		/* "lsp.*" */
	struct lsp_server_option *lsp_servers;	/* "lsp.servers" */
	size_t			 nlsp_servers, lsp_servers_alloc;
	struct ui_options	 ui;		/* "keys.*", "mouse" */
	struct budget_options	 budget;	/* "budget.*", "prices" */
	struct context_options	 context;	/* "context.*" */
	struct sandbox_options	 sandbox;	/* "sandbox.*" */
	struct permissions_options permissions;	/* "permissions.*" */
	struct mcp_options	 mcp;		/* "mcp.*" */
	json_t			*hooks;		/* "hooks" (hook.h), or NULL */

	struct option_source	*src;		/* one per options_table row */
	struct option_source	 key_src[OPTION_KEYS_MAX];
	struct option_source	*server_src;	/* one per lsp_servers */
	char			**problems;	/* "FILE: KEY: why" */
	size_t			 nproblems, problems_alloc;
	/*
	 * Folder trust (trust.h): with hold_grants set, the granting keys
	 * of the project's config are kept in held (an object of dotted
	 * key to value) instead of applied, from held_where.
	 */
	int			 hold_grants;
	json_t			*held;
	char			*held_where;
};

enum option_type {
	OPTION_STRING,		/* char *; null unsets */
	OPTION_INT,		/* an integer field of any width, min..max,
				   stored times scale */
	OPTION_SIZE,		/* bytes; 1048576 or "1M" (k, M, G: 1024s) */
	OPTION_MS,		/* milliseconds; 300 or "300ms", "4s", "30m",
				   "2h" */
	OPTION_BOOL,		/* int 0 or 1, or the bit mask of an int */
	OPTION_ENUM,		/* int: the index of the name in names */
	OPTION_STRINGS,		/* struct option_strv: an array of strings */
	OPTION_JSON,		/* json_t *, any JSON value, kept as given */
	OPTION_KEYS,		/* "keys.NAME": a key per key_table name */
	OPTION_SERVERS,		/* "lsp.servers.NAME": an object of fields */
	OPTION_NUMBER,		/* double, min..max; 0.5 or "0.5" */
};

enum option_base {
	OPTION_IN_CONFIG,	/* offset in struct config */
	OPTION_IN_OPTIONS,	/* offset in struct options */
	OPTION_IN_SERVER,	/* offset in struct lsp_server_option */
};

struct option_entry {
	const char		*key;	/* dotted key */
	enum option_type	 type;
	enum option_base	 base;
	size_t			 offset;
	size_t			 size;	/* of the field (OPTION_INT ...) */
	const char		*def;	/* default as JSON text, or NULL */
	long long		 min;	/* OPTION_INT, SIZE, MS bounds */
	long long		 max;
	long long		 scale;	/* OPTION_INT: stored = value * scale
					   (0: 1) */
	int			 mask;	/* OPTION_BOOL: a bit of an int */
	const char * const	*names;	/* OPTION_ENUM, NULL-terminated */
	const char * const	*aliases; /* OPTION_ENUM: pairs of another
					   spelling and its name, NULL-ended */
	/* Check a string (or each string of a list); reported, kept. */
	int			(*check)(const char *, char **);
	const char		*env;	/* environment variable */
	int			 flags;
#define OPTION_TIGHTEN	0x8		/* a limit (0: none): an untrusted
					   project's config may lower it, not
					   raise or remove it (issue 12) */
#define OPTION_SECRET	0x1		/* shown redacted */
#define OPTION_GRANTS	0x2		/* grants a capability: where requests
					   and keys go, what runs, what is
					   approved; an untrusted project's
					   config must not set it (issue 12) */
#define OPTION_MERGE	0x4		/* OPTION_STRINGS (OPTION_JSON: an
					   object of lists): a later file adds
					   to the list instead of replacing
					   it */
	const char		*help;	/* one line */
};

/* The rows, ending with a NULL key. */
extern const struct option_entry options_table[];
/* The fields of an "lsp.servers" entry, ending with a NULL key. */
extern const struct option_entry options_server_fields[];

/* The row of a dotted key, or NULL. */
const struct option_entry *options_find(const char *key);
/*
 * Whether setting the dotted key grants a capability (its row, or for
 * "lsp.servers.NAME.FIELD" the server field's row, has OPTION_GRANTS):
 * folder trust keeps such keys of an untrusted project's config from
 * applying.  An unknown key is treated as granting (1).
 */
int	 options_grants(const char *key);

/* A new struct options holding the defaults of every row. */
struct options *options_create(void);
void	 options_free(struct options *o);
/*
 * The defaults (built once, never freed): what the engines use when they
 * are given no configuration.
 */
const struct options *options_default(void);
/* Set the rows that live in struct config (provider, ...) to defaults. */
void	 options_config_defaults(struct config *cfg);
/* cfg's options, or the defaults when cfg or cfg->opts is NULL. */
const struct options *options_get(const struct config *cfg);

/*
 * Read the JSON object in the file at path (origin OPTION_USER or
 * OPTION_PROJECT) into cfg.  A missing file is not an error.  Unknown keys
 * and bad values are added to the problems ("path: key: why") and change
 * nothing.  -1 with cause only when the file cannot be read or is not a
 * JSON object (naming the file and line).
 */
int	 options_load_file(struct config *cfg, const char *path,
	    enum option_origin origin, char **cause);
/*
 * Apply the JSON text of an object as if read from a file named where
 * (for tests and scripts); problems as options_load_file().  -1 with
 * cause when text is not a JSON object.
 */
int	 options_load_string(struct config *cfg, const char *text,
	    const char *where, char **cause);
/*
 * Apply the environment variables of the table (AGENTOS_PROVIDER, ...):
 * an empty variable is ignored, a bad value is a problem.
 */
void	 options_load_env(struct config *cfg);
/*
 * Set key to the text value with the given origin and where (an env
 * variable name, or NULL).  A text that parses as JSON of the right type
 * is used as such ("4096", "true", "[\"a\"]"); a string option takes the
 * text as it is.  0, or -1 with cause ("key: why"; "unknown option: key").
 */
int	 options_set(struct config *cfg, const char *key, const char *value,
	    enum option_origin origin, const char *where, char **cause);

/*
 * The granting keys of the project's config held back because the
 * repository is not trusted (folder trust, trust.h): an object of dotted
 * key ("permission_mode", "lsp.servers") to the value as given, borrowed;
 * NULL when nothing was held.  *where (may be NULL) is the file's path.
 */
const json_t *options_held(const struct config *cfg, const char **where);
/*
 * Apply the held keys (once the repository is trusted) with origin
 * OPTION_PROJECT, as if they had been read with the file: a key whose
 * value came from above the project (the environment, a flag) keeps it.
 * Bad values become problems.  Nothing is held afterwards.
 */
void	 options_apply_held(struct config *cfg);

/*
 * Checks across keys once everything is read: a new "lsp.servers" entry
 * needs command and extensions.  Adds problems.
 */
void	 options_check(struct config *cfg);
/* Where key's value came from (borrowed); NULL for an unknown key. */
const struct option_source *options_source(const struct config *cfg,
	    const char *key);
/* The problems found while loading, in order (borrowed). */
size_t	 options_problems(const struct config *cfg, const char * const **v);
/* Write every problem to f as "agentos: PROBLEM" lines. */
void	 options_report(const struct config *cfg, FILE *f);

/*
 * Call cb once per effective setting, in table order: key ("keys.rewind",
 * "lsp.servers.clangd" for entries of maps), the value as JSON text (a
 * secret redacted), and its source.  For "agentos config".
 */
void	 options_foreach(const struct config *cfg,
	    void (*cb)(void *, const char *key, const char *value,
	    const struct option_source *src), void *arg);
/*
 * Call cb once per documented key (as the man page lists them: "keys.NAME"
 * per key_table name, "lsp.servers.*.FIELD" per server field), with its
 * type name, default as text (may be NULL) and help.
 */
void	 options_foreach_key(void (*cb)(void *, const char *key,
	    const char *type, const char *def, const char *help), void *arg);
/* The word for a source: "default", a path, "$VAR" or "command line". */
char	*options_source_text(const struct option_source *src);

#endif /* OPTIONS_H */
