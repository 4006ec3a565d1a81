/*
 * options.c: the options table, and the one place that reads the
 * configuration's JSON (files, environment and flags) into the typed
 * structs of the engines, remembering where each value came from.
 */
#include <sys/stat.h>

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "agentos.h"
#include "ui.h"
#include "lsp.h"
#include "session.h"
#include "snapshot.h"
#include "options.h"
#include "policy.h"
#include "banned.h"

#define CFG(f)	.base = OPTION_IN_CONFIG,				\
		.offset = offsetof(struct config, f),			\
		.size = sizeof(((struct config *)0)->f)
#define OPT(f)	.base = OPTION_IN_OPTIONS,				\
		.offset = offsetof(struct options, f),			\
		.size = sizeof(((struct options *)0)->f)
#define SRV(f)	.base = OPTION_IN_SERVER,				\
		.offset = offsetof(struct lsp_server_option, f),	\
		.size = sizeof(((struct lsp_server_option *)0)->f)

static const char * const perm_mode_names[] = {
	[PERM_ASK] = "ask",
	[PERM_ACCEPT_EDITS] = "accept-edits",
	[PERM_PLAN] = "plan",
	[PERM_BYPASS] = "bypass",
	NULL
};
/* Claude Code's spellings. */
static const char * const perm_mode_aliases[] = {
	"default", "ask",
	"acceptEdits", "accept-edits",
	"bypassPermissions", "bypass",
	NULL
};

/* As enum sandbox_profile (sandbox.h). */
static const char * const sandbox_profile_names[] = {
	"off",
	"read-only",
	"workspace-write",
	NULL
};

static int	options_check_regex(const char *, char **);

/*
 * Each subsystem has its block; a new setting is one row.  Blocks for
 * budget.*, policy.*, mcp.servers and telemetry.* go here when those
 * subsystems exist.
 */
const struct option_entry options_table[] = {
	/* --- core: provider, model, turn */
	{ .key = "provider", .type = OPTION_STRING, CFG(provider),
	  .def = "\"anthropic\"", .env = "AGENTOS_PROVIDER",
	  .help = "anthropic, openai (Chat Completions and compatible "
	  "servers) or openai-responses" },
	{ .key = "model", .type = OPTION_STRING, CFG(model),
	  .env = "AGENTOS_MODEL",
	  .help = "model name (default: the provider's)" },
	{ .key = "base_url", .type = OPTION_STRING, CFG(base_url),
	  .flags = OPTION_GRANTS,
	  .help = "provider base URL (also ANTHROPIC_BASE_URL, "
	  "OPENAI_BASE_URL)" },
	{ .key = "api_key", .type = OPTION_STRING, CFG(api_key),
	  .flags = OPTION_SECRET|OPTION_GRANTS,
	  .help = "API key (prefer ANTHROPIC_API_KEY, OPENAI_API_KEY)" },
	{ .key = "max_tokens", .type = OPTION_INT, CFG(max_tokens),
	  .def = "8192", .min = 1, .max = 1000000,
	  .help = "output tokens per response" },
	{ .key = "thinking_budget", .type = OPTION_INT, CFG(thinking_budget),
	  .def = "0", .min = 0, .max = 1000000,
	  .help = "extended thinking tokens (0: off)" },
	{ .key = "permission_mode", .type = OPTION_ENUM, CFG(perm_mode),
	  .def = "\"ask\"", .names = perm_mode_names,
	  .aliases = perm_mode_aliases, .flags = OPTION_GRANTS,
	  .help = "ask, accept-edits, plan or bypass" },
	{ .key = "max_retries", .type = OPTION_INT, CFG(max_retries),
	  .def = "20", .min = 0, .max = 100, .help = "retries per request" },
	{ .key = "retry_seconds", .type = OPTION_INT, CFG(retry_seconds),
	  .def = "60", .min = 0, .max = 3600,
	  .help = "total wait for retries of a request (0: no retry)" },
	{ .key = "map_tokens", .type = OPTION_INT, CFG(map_tokens),
	  .def = "2048", .min = 0, .max = 100000,
	  .help = "repository map budget (tokens)" },
	{ .key = "tool_args_max_bytes", .type = OPTION_SIZE,
	  CFG(tool_args_max_bytes), .def = "1048576", .min = 0,
	  .max = INT64_MAX,
	  .help = "JSON arguments of one tool call (0: no cap)" },
	/* --- end core */
	/* --- snapshots */
	{ .key = "snapshots.max_file_size", .type = OPTION_SIZE,
	  OPT(snapshots.max_file_size), .def = "52428800", .min = 0,
	  .max = INT64_MAX,
	  .help = "larger untracked files are left out (bytes)" },
	{ .key = "snapshots.max_dir_files", .type = OPTION_INT,
	  OPT(snapshots.max_dir_files), .def = "20000", .min = 0,
	  .max = INT64_MAX,
	  .help = "untracked folders with more files are left out" },
	{ .key = "snapshots.max_dir_size", .type = OPTION_SIZE,
	  OPT(snapshots.max_dir_size), .def = "209715200", .min = 0,
	  .max = INT64_MAX,
	  .help = "untracked folders with more bytes are left out" },
	{ .key = "snapshots.max_tree_files", .type = OPTION_INT,
	  OPT(snapshots.max_tree_files), .def = "1000000", .min = 0,
	  .max = INT64_MAX,
	  .help = "larger trees need a confirmation" },
	{ .key = "snapshots.keep_sessions", .type = OPTION_INT,
	  OPT(snapshots.keep_sessions), .def = "20", .min = 0,
	  .max = INT_MAX, .help = "gc keeps the newest N sessions" },
	{ .key = "snapshots.keep_days", .type = OPTION_INT,
	  OPT(snapshots.keep_days), .def = "14", .min = 0, .max = INT_MAX,
	  .help = "and any session younger than N days" },
	{ .key = "snapshots.watch", .type = OPTION_BOOL,
	  OPT(snapshots.flags), .mask = SNAPSHOT_WATCH, .def = "true",
	  .help = "follow changes with inotify (hash only what changed)" },
	/* --- end snapshots */
	/* --- session log */
	{ .key = "session.log_bodies", .type = OPTION_BOOL,
	  OPT(session.log_bodies), .def = "true",
	  .help = "keep the body of each model request in the log" },
	{ .key = "redact", .type = OPTION_STRINGS, OPT(session.redact),
	  .def = "[]", .check = options_check_regex,
	  .help = "PCRE2 patterns replaced by [REDACTED] in the log" },
	/* --- end session log */
	/* --- lsp */
	{ .key = "lsp.enabled", .type = OPTION_BOOL, OPT(lsp.enabled),
	  .def = "true",
	  .help = "use language servers (\"lsp\": false turns them off)" },
	{ .key = "lsp.diagnostics_timeout_ms", .type = OPTION_MS,
	  OPT(lsp.diagnostics_timeout_ms), .def = "4000", .min = 0,
	  .max = INT_MAX, .help = "longest wait for diagnostics after an "
	  "edit" },
	{ .key = "lsp.diagnostics_settle_ms", .type = OPTION_MS,
	  OPT(lsp.diagnostics_settle_ms), .def = "300", .min = 0,
	  .max = INT_MAX, .help = "quiet time before diagnostics are "
	  "reported" },
	{ .key = "lsp.request_timeout_ms", .type = OPTION_MS,
	  OPT(lsp.request_timeout_ms), .def = "10000", .min = 0,
	  .max = INT_MAX, .help = "definition, references, hover, symbols, "
	  "rename" },
	{ .key = "lsp.init_timeout_ms", .type = OPTION_MS,
	  OPT(lsp.init_timeout_ms), .def = "30000", .min = 0, .max = INT_MAX,
	  .help = "the initialize request" },
	{ .key = "lsp.shutdown_grace_ms", .type = OPTION_MS,
	  OPT(lsp.shutdown_grace_ms), .def = "1000", .min = 0,
	  .max = INT_MAX, .help = "wait before SIGTERM at exit" },
	{ .key = "lsp.max_diagnostics", .type = OPTION_INT,
	  OPT(lsp.max_diagnostics), .def = "20", .min = 0, .max = INT_MAX,
	  .help = "diagnostics per file in a tool result" },
	{ .key = "lsp.max_restarts", .type = OPTION_INT,
	  OPT(lsp.max_restarts), .def = "3", .min = 0, .max = INT_MAX,
	  .help = "failures in a row before a server is broken" },
	{ .key = "lsp.max_message_kib", .type = OPTION_INT,
	  OPT(lsp.max_message), .def = "16384", .min = 0, .max = INT_MAX,
	  .scale = 1024, .help = "larger messages are skipped (KiB)" },
	{ .key = "lsp.servers", .type = OPTION_SERVERS,
	  .flags = OPTION_GRANTS, .help = "server name to its fields (lsp.servers.*.FIELD)" },
	/* --- end lsp */
	/* --- sandbox */
	{ .key = "sandbox.profile", .type = OPTION_ENUM,
	  OPT(sandbox.profile), .def = "\"workspace-write\"",
	  .names = sandbox_profile_names, .flags = OPTION_GRANTS,
	  .help = "off, read-only or workspace-write (commands the model "
	  "runs)" },
	{ .key = "sandbox.network", .type = OPTION_BOOL,
	  OPT(sandbox.network), .def = "false", .flags = OPTION_GRANTS,
	  .help = "let sandboxed commands reach the network" },
	{ .key = "sandbox.writable_roots", .type = OPTION_STRINGS,
	  OPT(sandbox.writable_roots), .def = "[]", .flags = OPTION_GRANTS,
	  .help = "directories writable besides the worktree" },
	{ .key = "sandbox.keep_env", .type = OPTION_STRINGS,
	  OPT(sandbox.keep_env), .def = "[]", .flags = OPTION_GRANTS,
	  .help = "variables the environment scrub keeps" },
	/* --- end sandbox */
	/* --- permission rules (policy.h) */
	{ .key = "permissions.allow", .type = OPTION_STRINGS,
	  OPT(permissions.rules[0]), .def = "[]",
	  .check = policy_rule_check, .flags = OPTION_GRANTS|OPTION_MERGE,
	  .help = "rules of calls run without asking: Bash(git status), "
	    "Bash(npm run test:*), Edit(src/**), mcp__github__*" },
	{ .key = "permissions.ask", .type = OPTION_STRINGS,
	  OPT(permissions.rules[1]), .def = "[]",
	  .check = policy_rule_check, .flags = OPTION_MERGE,
	  .help = "rules of calls always asked about, over allow rules" },
	{ .key = "permissions.deny", .type = OPTION_STRINGS,
	  OPT(permissions.rules[2]), .def = "[]",
	  .check = policy_rule_check, .flags = OPTION_MERGE,
	  .help = "rules of calls refused in every mode, bypass too" },
	/* --- end permission rules */
	/* --- hooks (issue 10) */
	{ .key = "hooks", .type = OPTION_JSON, OPT(hooks),
	  .flags = OPTION_GRANTS|OPTION_MERGE, .help = "Claude Code's hooks: "
	  "EVENT to [{matcher, hooks: [{type: command, command, timeout}]}]; "
	  "the user's and a trusted project's are merged" },
	/* --- end hooks */
	/* --- mcp (issue 13) */
	{ .key = "mcp.servers", .type = OPTION_JSON, OPT(mcp.servers),
	  .flags = OPTION_GRANTS, .help = "MCP servers as .mcp.json's "
	  "mcpServers: NAME to {command, args, env} or {type, url, "
	  "headers}" },
	{ .key = "mcp.start_timeout", .type = OPTION_MS,
	  OPT(mcp.start_timeout_ms), .def = "30000", .min = 0,
	  .max = INT_MAX, .help = "a server's initialize and tools/list; "
	  "the first request waits at most this" },
	{ .key = "mcp.call_timeout", .type = OPTION_MS,
	  OPT(mcp.call_timeout_ms), .def = "120000", .min = 0,
	  .max = INT_MAX, .help = "one tools/call" },
	{ .key = "mcp.tool_search_percent", .type = OPTION_INT,
	  OPT(mcp.tool_search_percent), .def = "10", .min = 0, .max = 100,
	  .help = "past this share of the context window, server tools are "
	  "found through mcp_tool_search (100: never)" },
	{ .key = "mcp.oauth_client_metadata_url", .type = OPTION_STRING,
	  OPT(mcp.oauth_client_metadata_url), .flags = OPTION_GRANTS,
	  .help = "the https URL of agentos's OAuth Client ID Metadata "
	  "Document, the client id for servers that support it" },
	/* --- end mcp */
	/* --- ui */
	{ .key = "trace.endpoint", .type = OPTION_STRING,
	  CFG(trace_endpoint),
	  .help = "OTLP/HTTP base URL, /v1/traces appended (also "
	  "OTEL_EXPORTER_OTLP_ENDPOINT, which wins; user config only)" },
	{ .key = "trace.protocol", .type = OPTION_STRING,
	  CFG(trace_protocol),
	  .help = "http/protobuf or http/json (also "
	  "OTEL_EXPORTER_OTLP_PROTOCOL; user config only)" },
	{ .key = "trace.headers", .type = OPTION_STRING, CFG(trace_headers),
	  .flags = OPTION_SECRET,
	  .help = "request headers as k=v,k=v (also "
	  "OTEL_EXPORTER_OTLP_HEADERS; user config only)" },
	{ .key = "trace.service_name", .type = OPTION_STRING,
	  CFG(trace_service_name),
	  .help = "service.name of the spans (also OTEL_SERVICE_NAME; "
	  "user config only)" },
	{ .key = "trace.contents", .type = OPTION_BOOL, CFG(trace_contents),
	  .def = "false",
	  .help = "record prompts and tool contents in spans (also "
	  "AGENTOS_TRACE_CONTENTS=1; user config only)" },
	{ .key = "theme", .type = OPTION_STRING, CFG(theme),
	  .def = "\"dark\"", .help = "dark, light, or a theme file" },
	{ .key = "mouse", .type = OPTION_BOOL, OPT(ui.mouse),
	  .def = "false", .help = "mouse reporting on at start" },
	{ .key = "keys", .type = OPTION_KEYS,
	  .help = "key bindings by name (keys.NAME)" },
	/* --- end ui */
	/* --- budget: limits of a run and the prices of models */
	{ .key = "budget.max_turns", .type = OPTION_INT,
	  OPT(budget.max_turns), .def = "0", .min = 0, .max = INT_MAX,
	  .flags = OPTION_TIGHTEN,
	  .help = "model calls per run (0: no limit)" },
	{ .key = "budget.max_usd", .type = OPTION_NUMBER,
	  OPT(budget.max_usd), .def = "0", .min = 0, .max = 1000000,
	  .flags = OPTION_TIGHTEN,
	  .help = "cost per run in US dollars (0: no limit)" },
	{ .key = "budget.max_duration", .type = OPTION_MS,
	  OPT(budget.max_duration_ms), .def = "0", .min = 0,
	  .max = INT64_MAX, .flags = OPTION_TIGHTEN,
	  .help = "time per run, \"30m\" (0: no limit)" },
	{ .key = "budget.max_consecutive_errors", .type = OPTION_INT,
	  OPT(budget.max_consecutive_errors), .def = "8", .min = 0,
	  .max = INT_MAX, .flags = OPTION_TIGHTEN,
	  .help = "tool errors in a row that stop the turn "
	  "(0: never)" },
	{ .key = "budget.max_repeated_failures", .type = OPTION_INT,
	  OPT(budget.max_repeated_failures), .def = "3", .min = 0,
	  .max = INT_MAX, .flags = OPTION_TIGHTEN,
	  .help = "the same failing call in a row that "
	  "stops the turn (0: never)" },
	{ .key = "prices", .type = OPTION_JSON, OPT(budget.prices),
	  /* Lower prices would let a project stretch budget.max_usd. */
	  .flags = OPTION_GRANTS, .help = "model to prices per million tokens, over data/prices.json" },
	/* --- end budget */
	/* --- context: clearing old tool results (issue 11) */
	{ .key = "context.window", .type = OPTION_INT, OPT(context.window),
	  .def = "0", .min = 0, .max = 100000000,
	  .help = "context window in tokens (0: from the model)" },
	{ .key = "context.clear_at", .type = OPTION_INT,
	  OPT(context.clear_at), .def = "80", .min = 1, .max = 100,
	  .help = "percent of the window that clears old tool results" },
	{ .key = "context.keep_results", .type = OPTION_INT,
	  OPT(context.keep_results), .def = "3", .min = 0, .max = INT_MAX,
	  .help = "the newest tool results never cleared" },
	{ .key = "context.auto", .type = OPTION_BOOL, OPT(context.autoclear),
	  .def = "true", .help = "clear old tool results before requests" },
	/* --- compact: summaries (issue 11) */
	{ .key = "context.compact_at", .type = OPTION_INT,
	  OPT(context.compact_at), .def = "90", .min = 1, .max = 100,
	  .help = "percent of the window that summarizes the conversation "
	  "when clearing is not enough" },
	{ .key = "context.reserve_compact", .type = OPTION_INT,
	  OPT(context.reserve_compact), .def = "8192", .min = 0,
	  .max = 100000000, .help = "tokens kept free for the summary "
	  "request (at most a quarter of the window)" },
	{ .key = "context.user_budget", .type = OPTION_INT,
	  OPT(context.user_budget), .def = "20000", .min = 0,
	  .max = 100000000, .help = "tokens of the user's messages kept "
	  "verbatim by a summary (at most a tenth of the window)" },
	{ .key = "context.cache_long_after", .type = OPTION_INT,
	  OPT(context.cache_long_after), .def = "20", .min = 0,
	  .max = INT_MAX, .help = "model requests after which the tools "
	  "and system prompt are cached for 1 hour (0: never)" },
	/* --- end compact */
	/* --- end context */
	{ .key = NULL }
};

const struct option_entry options_server_fields[] = {
	{ .key = "command", .type = OPTION_STRINGS, SRV(command),
	  .flags = OPTION_GRANTS, .help = "the binary and its arguments" },
	{ .key = "extensions", .type = OPTION_STRINGS, SRV(extensions),
	  .help = "file extensions, without dots" },
	{ .key = "root_markers", .type = OPTION_STRINGS, SRV(root_markers),
	  .help = "files that mark a project root" },
	{ .key = "initialization_options", .type = OPTION_JSON,
	  SRV(initialization_options), .help = "sent in initialize" },
	{ .key = "settings", .type = OPTION_JSON, SRV(settings),
	  .help = "answered to workspace/configuration" },
	{ .key = "disabled", .type = OPTION_BOOL, SRV(disabled),
	  .help = "never start this server" },
	{ .key = NULL }
};
#undef CFG
#undef OPT
#undef SRV

/* Where a value is applied and where problems go. */
struct options_ctx {
	struct config		*cfg;
	struct options		*o;
	enum option_origin	 origin;
	const char		*where;		/* file or variable */
	int			 collect;	/* a file: each problem of a
						   part goes to the problems */
};

static const char *options_type_names[] = {
	[OPTION_STRING] = "string",
	[OPTION_INT] = "integer",
	[OPTION_SIZE] = "size",
	[OPTION_MS] = "duration",
	[OPTION_BOOL] = "boolean",
	[OPTION_ENUM] = "enum",
	[OPTION_STRINGS] = "strings",
	[OPTION_JSON] = "JSON",
	[OPTION_KEYS] = "key",
	[OPTION_SERVERS] = "object",
	[OPTION_NUMBER] = "number",
};

static void	options_problem(struct options *, const char *, ...)
		    __attribute__((format(printf, 2, 3)));
static void	options_part(const struct options_ctx *, struct buf *,
		    char *);
static void	options_src_set(struct option_source *,
		    const struct options_ctx *);
static void	options_src_release(struct option_source *);
static void	options_strv_free(struct option_strv *);
static int	options_merge(const struct options_ctx *,
		    struct option_strv *, struct option_strv *);
static void	options_server_release(struct lsp_server_option *);
static void	*options_field(const struct options_ctx *,
		    const struct option_entry *, void *);
static int	options_number(const struct option_entry *, const char *,
		    json_t *, long long *, char **);
static void	options_store_int(void *, size_t, long long);
static long long options_load_int(const void *, size_t, int);
static int	options_value(const struct options_ctx *,
		    const struct option_entry *, const char *, void *,
		    json_t *, char **);
static int	options_key_index(const char *);
static int	options_json_merge(const struct options_ctx *, const char *,
		    void *, json_t *, char **);
static int	options_bind(const struct options_ctx *, const char *,
		    json_t *, char **);
static struct lsp_server_option *options_server(const struct options_ctx *,
		    const char *, size_t *);
static int	options_server_apply(const struct options_ctx *,
		    const char *, const char *, json_t *, char **);
static int	options_apply(const struct options_ctx *, const char *,
		    json_t *, char **);
static int	options_hold(const struct options_ctx *, const char *,
		    json_t *);
static void	options_check_servers(struct options *, enum option_origin);
static int	options_loosens(const struct options_ctx *,
		    const struct option_entry *, const char *, json_t *);
static void	options_walk(const struct options_ctx *, const char *,
		    json_t *);
static int	options_is_group(const char *);
static char	*options_text(const struct option_entry *, const void *);

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
	size_t	i, j;

	for (i = 0; perm_mode_names[i] != NULL; i++) {
		if (strcmp(name, perm_mode_names[i]) == 0) {
			*m = i;
			return (0);
		}
	}
	for (i = 0; perm_mode_aliases[i] != NULL; i += 2) {
		if (strcmp(name, perm_mode_aliases[i]) != 0)
			continue;
		for (j = 0; perm_mode_names[j] != NULL; j++) {
			if (strcmp(perm_mode_aliases[i + 1],
			    perm_mode_names[j]) == 0) {
				*m = j;
				return (0);
			}
		}
	}
	return (-1);
}

/* A redaction pattern must compile (the session log drops bad ones). */
static int
options_check_regex(const char *s, char **why)
{
	struct session_redact	*r = session_redact_create();
	int			 rc;

	rc = session_redact_add(r, s, why);
	session_redact_free(r);
	return (rc);
}

/* Add a problem to o. */
static void
options_problem(struct options *o, const char *fmt, ...)
{
	va_list	ap;
	char	*s;

	va_start(ap, fmt);
	s = xvasprintf(fmt, ap);
	va_end(ap);
	ALLOC_GROW(o->problems, o->nproblems + 1, o->problems_alloc);
	o->problems[o->nproblems++] = s;
}

/*
 * A part of a value (a list element, a binding, a server field) is bad:
 * reading a file, it is one problem; else it joins the others in bad.
 */
static void
options_part(const struct options_ctx *ctx, struct buf *bad, char *why)
{
	if (ctx->collect)
		options_problem(ctx->o, "%s: %s", ctx->where, why);
	else
		buf_addf(bad, "%s%s", bad->len ? "; " : "", why);
	free(why);
}

/* Record that a value now comes from ctx. */
static void
options_src_set(struct option_source *src, const struct options_ctx *ctx)
{
	options_src_release(src);
	src->origin = ctx->origin;
	src->where = ctx->where != NULL ? xstrdup(ctx->where) : NULL;
}

static void
options_src_release(struct option_source *src)
{
	free(src->where);
	src->where = NULL;
	src->origin = OPTION_DEFAULT;
}

static void
options_strv_free(struct option_strv *sv)
{
	size_t	i;

	for (i = 0; i < sv->n; i++) {
		free(sv->v[i]);
		if (sv->from != NULL)
			free(sv->from[i]);
	}
	free(sv->v);
	free(sv->from);
	sv->v = NULL;
	sv->from = NULL;
	sv->n = 0;
}

/*
 * An OPTION_MERGE list: add the strings of sv (taken) that old does not
 * have to old, remembering where each came from.  0 when old is the
 * default (replaced as usual), else 1.
 */
static int
options_merge(const struct options_ctx *ctx, struct option_strv *old,
    struct option_strv *sv)
{
	struct option_source	 src;
	size_t			 i, j;
	int			 have;

	src.origin = ctx->origin;
	src.where = (char *)ctx->where;
	if (ctx->origin == OPTION_DEFAULT)
		return (0);
	if (old->from == NULL) {
		/* The default entries, or what a replace left. */
		old->from = xcalloc(old->n + 1, sizeof *old->from);
		for (i = 0; i < old->n; i++)
			old->from[i] = xstrdup("default");
	}
	old->v = xreallocarray(old->v, old->n + sv->n + 1, sizeof *old->v);
	old->from = xreallocarray(old->from, old->n + sv->n + 1,
	    sizeof *old->from);
	for (i = 0; i < sv->n; i++) {
		for (have = 0, j = 0; j < old->n && !have; j++)
			have = strcmp(old->v[j], sv->v[i]) == 0;
		if (have) {
			free(sv->v[i]);
			continue;
		}
		old->from[old->n] = options_source_text(&src);
		old->v[old->n++] = sv->v[i];
	}
	old->v[old->n] = NULL;
	old->from[old->n] = NULL;
	free(sv->v);
	sv->v = NULL;
	sv->n = 0;
	return (1);
}

static void
options_server_release(struct lsp_server_option *s)
{
	free(s->name);
	options_strv_free(&s->command);
	options_strv_free(&s->extensions);
	options_strv_free(&s->root_markers);
	json_decref(s->initialization_options);
	json_decref(s->settings);
	memset(s, 0, sizeof *s);
}

/* The address of e's field; server is the entry for OPTION_IN_SERVER. */
static void *
options_field(const struct options_ctx *ctx, const struct option_entry *e,
    void *server)
{
	switch (e->base) {
	case OPTION_IN_CONFIG:
		return ((char *)ctx->cfg + e->offset);
	case OPTION_IN_OPTIONS:
		return ((char *)ctx->o + e->offset);
	case OPTION_IN_SERVER:
		return ((char *)server + e->offset);
	}
	fatalx("bad option base");
}

/*
 * The number in v (an integer, or a string of one, with a unit suffix for
 * sizes and durations), checked against e's bounds.
 */
static int
options_number(const struct option_entry *e, const char *key, json_t *v,
    long long *out, char **why)
{
	const char	*s, *unit;
	char		*end, *text;
	long long	 n, mul = 1;

	if (json_is_integer(v))
		n = json_integer_value(v);
	else if (json_is_string(v)) {
		s = json_string_value(v);
		errno = 0;
		n = strtoll(s, &end, 10);
		if (errno != 0 || end == s)
			goto bad;
		unit = end;
		if (e->type == OPTION_SIZE) {
			if (strcmp(unit, "k") == 0 || strcmp(unit, "K") == 0)
				mul = 1024;
			else if (strcmp(unit, "M") == 0)
				mul = 1024 * 1024;
			else if (strcmp(unit, "G") == 0)
				mul = 1024 * 1024 * 1024;
			else if (*unit != '\0')
				goto bad;
		} else if (e->type == OPTION_MS) {
			if (strcmp(unit, "s") == 0)
				mul = 1000;
			else if (strcmp(unit, "m") == 0)
				mul = 60 * 1000;
			else if (strcmp(unit, "h") == 0)
				mul = 60 * 60 * 1000;
			else if (*unit != '\0' && strcmp(unit, "ms") != 0)
				goto bad;
		} else if (*unit != '\0')
			goto bad;
		if (n != 0 && (n > LLONG_MAX / mul || n < LLONG_MIN / mul))
			goto bad;
		n *= mul;
	} else
		goto bad;
	if (n < e->min || n > e->max)
		goto bad;
	*out = n;
	return (0);
bad:
	text = json_is_string(v) ? xstrdup(json_string_value(v)) :
	    json_dumps(v, JSON_ENCODE_ANY | JSON_COMPACT);
	*why = xasprintf("%s: '%s' is not %s from %lld to %lld%s", key,
	    text != NULL ? text : "?", e->type == OPTION_SIZE ? "a size" :
	    e->type == OPTION_MS ? "a duration" : "a number", e->min, e->max,
	    e->type == OPTION_SIZE ? " bytes" : e->type == OPTION_MS ? " ms" :
	    "");
	free(text);
	return (-1);
}

/* A number (or its text) within e's bounds into *out; -1 with why. */
static int
options_real(const struct option_entry *e, const char *key, json_t *v,
    double *out, char **why)
{
	const char	*s;
	char		*end, *text;
	double		 d;

	if (json_is_number(v))
		d = json_number_value(v);
	else if (json_is_string(v)) {
		s = json_string_value(v);
		errno = 0;
		d = strtod(s, &end);
		if (errno != 0 || end == s || *end != '\0')
			goto bad;
	} else
		goto bad;
	if (!(d >= (double)e->min && d <= (double)e->max))
		goto bad;
	*out = d;
	return (0);
bad:
	text = json_is_string(v) ? xstrdup(json_string_value(v)) :
	    json_dumps(v, JSON_ENCODE_ANY | JSON_COMPACT);
	*why = xasprintf("%s: '%s' is not a number from %lld to %lld", key,
	    text != NULL ? text : "?", e->min, e->max);
	free(text);
	return (-1);
}

/* Store n in an integer field of size bytes. */
static void
options_store_int(void *p, size_t size, long long n)
{
	int32_t	i32;
	int64_t	i64;

	if (size == sizeof i32) {
		i32 = (int32_t)n;
		memcpy(p, &i32, sizeof i32);
	} else if (size == sizeof i64) {
		i64 = (int64_t)n;
		memcpy(p, &i64, sizeof i64);
	} else
		fatalx("bad option field size %zu", size);
}

/* Read an integer field of size bytes (unsigned when is_unsigned). */
static long long
options_load_int(const void *p, size_t size, int is_unsigned)
{
	int32_t		i32;
	int64_t		i64;

	if (size == sizeof i32) {
		memcpy(&i32, p, sizeof i32);
		return (is_unsigned ? (long long)(uint32_t)i32 : i32);
	}
	memcpy(&i64, p, sizeof i64);
	return (i64);
}

/* Set the field at p (e's type) from v; -1 with why, p unchanged. */
static int
options_value(const struct options_ctx *ctx, const struct option_entry *e,
    const char *key, void *p, json_t *v, char **why)
{
	struct option_strv	 sv;
	struct buf		 bad = BUF_INIT;
	const char		*s;
	char			*w;
	long long		 n;
	size_t			 i, j;
	json_t			*x;
	int			 on;

	switch (e->type) {
	case OPTION_STRING:
		if (json_is_string(v))
			s = json_string_value(v);
		else if (json_is_null(v))
			s = NULL;
		else if (json_is_integer(v)) {
			free(*(char **)p);
			*(char **)p = xasprintf("%lld",
			    (long long)json_integer_value(v));
			break;
		} else {
			*why = xasprintf("%s: not a string", key);
			return (-1);
		}
		if (s != NULL && e->check != NULL && e->check(s, &w) != 0) {
			*why = xasprintf("%s: %s", key, w);
			free(w);
			return (-1);
		}
		free(*(char **)p);
		*(char **)p = s != NULL && *s != '\0' ? xstrdup(s) : NULL;
		break;
	case OPTION_INT:
	case OPTION_SIZE:
	case OPTION_MS:
		if (options_number(e, key, v, &n, why) != 0)
			return (-1);
		options_store_int(p, e->size, n * (e->scale != 0 ?
		    e->scale : 1));
		break;
	case OPTION_BOOL:
		if (!json_is_boolean(v)) {
			*why = xasprintf("%s: not true or false", key);
			return (-1);
		}
		on = json_is_true(v);
		if (e->mask != 0) {
			if (on)
				*(int *)p |= e->mask;
			else
				*(int *)p &= ~e->mask;
		} else
			*(int *)p = on;
		break;
	case OPTION_ENUM:
		s = json_string_value(v);
		for (i = 0; s != NULL && e->names[i] != NULL; i++) {
			if (strcmp(s, e->names[i]) == 0)
				break;
		}
		if (s != NULL && e->names[i] == NULL && e->aliases != NULL) {
			for (j = 0; e->aliases[j] != NULL; j += 2) {
				if (strcmp(s, e->aliases[j]) != 0)
					continue;
				for (i = 0; e->names[i] != NULL; i++) {
					if (strcmp(e->aliases[j + 1],
					    e->names[i]) == 0)
						break;
				}
				break;
			}
		}
		if (s == NULL || e->names[i] == NULL) {
			for (i = 0; e->names[i] != NULL; i++)
				buf_addf(&bad, "%s%s", i == 0 ? "" :
				    e->names[i + 1] == NULL ? " or " : ", ",
				    e->names[i]);
			*why = xasprintf("%s: %s%s%s is not %s", key,
			    s != NULL ? "'" : "", s != NULL ? s : "the value",
			    s != NULL ? "'" : "", bad.buf);
			buf_release(&bad);
			return (-1);
		}
		*(int *)p = (int)i;
		break;
	case OPTION_STRINGS:
		if (!json_is_array(v)) {
			*why = xasprintf("%s: not an array of strings", key);
			return (-1);
		}
		sv.v = xcalloc(json_array_size(v) + 1, sizeof *sv.v);
		sv.n = 0;
		json_array_foreach(v, i, x) {
			if (!json_is_string(x)) {
				options_part(ctx, &bad, xasprintf("%s[%zu]: "
				    "not a string", key, i));
				continue;
			}
			s = json_string_value(x);
			/* A pattern that fails is reported but kept. */
			if (e->check != NULL && e->check(s, &w) != 0) {
				options_part(ctx, &bad, xasprintf("%s[%zu]: "
				    "%s", key, i, w));
				free(w);
			}
			sv.v[sv.n++] = xstrdup(s);
		}
		if ((e->flags & OPTION_MERGE) && options_merge(ctx, p, &sv))
			;
		else {
			options_strv_free(p);
			*(struct option_strv *)p = sv;
		}
		if (bad.len != 0) {
			/* The good elements apply; the bad are reported. */
			*why = buf_detach(&bad, NULL);
			return (1);
		}
		buf_release(&bad);
		break;
	case OPTION_JSON:
		if (e->flags & OPTION_MERGE)
			return (options_json_merge(ctx, key, p, v, why));
		json_decref(*(json_t **)p);
		*(json_t **)p = json_incref(v);
		break;
	case OPTION_NUMBER:
		if (options_real(e, key, v, (double *)p, why) != 0)
			return (-1);
		break;
	case OPTION_KEYS:
	case OPTION_SERVERS:
		fatalx("%s: not a plain value", key);
	}
	return (0);
}

/*
 * An OPTION_MERGE JSON object of lists ("hooks": event name to matcher
 * groups): a later file's lists are added to the earlier ones, and each
 * group (an object) remembers the file it came from as "source".
 */
static int
options_json_merge(const struct options_ctx *ctx, const char *key, void *p,
    json_t *v, char **why)
{
	struct option_source	 src;
	json_t			**old = p, *list, *g, *c;
	const char		*k;
	char			*where;
	size_t			 i;

	if (json_is_null(v)) {
		json_decref(*old);
		*old = NULL;
		return (0);
	}
	if (!json_is_object(v)) {
		*why = xasprintf("%s: not an object", key);
		return (-1);
	}
	json_object_foreach(v, k, list) {
		if (!json_is_array(list)) {
			*why = xasprintf("%s.%s: not a list", key, k);
			return (-1);
		}
	}
	src.origin = ctx->origin;
	src.where = (char *)ctx->where;
	where = options_source_text(&src);
	if (*old == NULL || !json_is_object(*old)) {
		json_decref(*old);
		*old = json_object();
	}
	json_object_foreach(v, k, list) {
		if (json_object_get(*old, k) == NULL)
			json_object_set_new(*old, k, json_array());
		json_array_foreach(list, i, g) {
			c = json_deep_copy(g);
			if (json_is_object(c))
				json_object_set_new(c, "source",
				    json_string(where));
			json_array_append_new(json_object_get(*old, k), c);
		}
	}
	free(where);
	return (0);
}

/* The index in key_table of a binding's name, or -1. */
static int
options_key_index(const char *name)
{
	int	i;

	for (i = 0; key_table[i].name != NULL; i++) {
		if (strcmp(key_table[i].name, name) == 0)
			return (i);
	}
	return (-1);
}

/*
 * Bind keys.NAME to the keys named by v ("C-r", or several separated by
 * spaces).  "none" unbinds; a name that is not a key unbinds too, and is
 * reported.
 */
static int
options_bind(const struct options_ctx *ctx, const char *name, json_t *v,
    char **why)
{
	const char	*s;
	key_code	 k[KEY_BIND_MAX];
	int		 i, j, n;

	if ((i = options_key_index(name)) < 0) {
		*why = xasprintf("keys.%s: unknown key binding", name);
		return (-1);
	}
	s = json_string_value(v);
	n = s != NULL ? key_parse_list(s, k) : -1;
	for (j = 0; j < KEY_BIND_MAX; j++)
		ctx->o->ui.keys[i][j] = j < n ? k[j] : KEYC_UNKNOWN;
	options_src_set(&ctx->o->key_src[i], ctx);
	if (n < 0) {
		*why = xasprintf("keys.%s: %s%s%s is not a key (unbound)",
		    name, s != NULL ? "'" : "", s != NULL ? s : "the value",
		    s != NULL ? "'" : "");
		return (1);
	}
	return (0);
}

/* The "lsp.servers" entry called name, added if new; its index in *idx. */
static struct lsp_server_option *
options_server(const struct options_ctx *ctx, const char *name, size_t *idx)
{
	struct options			*o = ctx->o;
	struct lsp_server_option	*s;
	size_t				 i, old;

	for (i = 0; i < o->nlsp_servers; i++) {
		if (strcmp(o->lsp_servers[i].name, name) == 0) {
			*idx = i;
			return (&o->lsp_servers[i]);
		}
	}
	old = o->lsp_servers_alloc;
	ALLOC_GROW(o->lsp_servers, o->nlsp_servers + 1, o->lsp_servers_alloc);
	if (o->lsp_servers_alloc != old) {
		o->server_src = xreallocarray(o->server_src,
		    o->lsp_servers_alloc, sizeof *o->server_src);
	}
	*idx = o->nlsp_servers++;
	s = &o->lsp_servers[*idx];
	memset(s, 0, sizeof *s);
	memset(&o->server_src[*idx], 0, sizeof o->server_src[*idx]);
	s->name = xstrdup(name);
	s->disabled = -1;
	return (s);
}

/*
 * Apply to server name: field (NULL: v is the whole object of fields).
 * Returns 0, 1 (applied with problems in why) or -1 (nothing applied).
 */
static int
options_server_apply(const struct options_ctx *ctx, const char *name,
    const char *field, json_t *v, char **why)
{
	const struct option_entry	*e;
	struct lsp_server_option	*s;
	struct buf			 bad = BUF_INIT;
	const char			*f;
	char				*key, *w;
	size_t				 idx;
	json_t				*x;
	int				 rc = 0, r;

	if (field == NULL && !json_is_object(v)) {
		*why = xasprintf("lsp.servers.%s: not an object", name);
		return (-1);
	}
	s = options_server(ctx, name, &idx);
	options_src_set(&ctx->o->server_src[idx], ctx);
	json_object_foreach(v, f, x) {
		if (field != NULL)
			break;
		if ((r = options_server_apply(ctx, name, f, x, &w)) != 0)
			options_part(ctx, &bad, w);
	}
	if (field == NULL) {
		if (bad.len == 0) {
			buf_release(&bad);
			return (0);
		}
		*why = buf_detach(&bad, NULL);
		return (1);
	}
	key = xasprintf("lsp.servers.%s.%s", name, field);
	for (e = options_server_fields; e->key != NULL; e++) {
		if (strcmp(e->key, field) == 0)
			break;
	}
	if (e->key == NULL) {
		*why = xasprintf("%s: unknown key", key);
		rc = -1;
	} else
		rc = options_value(ctx, e, key, options_field(ctx, e, s), v,
		    why);
	free(key);
	return (rc);
}

/*
 * Apply v to the dotted key (a row, "keys.NAME" or "lsp.servers...").
 * 0 applied, 1 applied in part (why says what not), -1 not applied.
 */
static int
options_apply(const struct options_ctx *ctx, const char *key, json_t *v,
    char **why)
{
	const struct option_entry	*e;
	const char			*f, *rest;
	char				*name, *w;
	struct buf			 bad = BUF_INIT;
	json_t				*x;
	int				 rc;

	if ((e = options_find(key)) != NULL && e->type == OPTION_KEYS) {
		if (!json_is_object(v)) {
			*why = xasprintf("%s: not an object", key);
			return (-1);
		}
		json_object_foreach(v, f, x) {
			if (options_bind(ctx, f, x, &w) != 0)
				options_part(ctx, &bad, w);
		}
		goto out;
	}
	if (e != NULL && e->type == OPTION_SERVERS) {
		if (!json_is_object(v)) {
			*why = xasprintf("%s: not an object", key);
			return (-1);
		}
		json_object_foreach(v, f, x) {
			if (options_server_apply(ctx, f, NULL, x, &w) != 0)
				options_part(ctx, &bad, w);
		}
		goto out;
	}
	if (e != NULL) {
		rc = options_value(ctx, e, key, options_field(ctx, e, NULL), v,
		    why);
		if (rc >= 0)
			options_src_set(&ctx->o->src[e - options_table], ctx);
		return (rc);
	}
	if (strncmp(key, "keys.", 5) == 0)
		return (options_bind(ctx, key + 5, v, why));
	if (strncmp(key, "lsp.servers.", 12) == 0 && key[12] != '\0') {
		rest = key + 12;
		if ((f = strchr(rest, '.')) == NULL)
			return (options_server_apply(ctx, rest, NULL, v, why));
		name = xstrndup(rest, f - rest);
		rc = options_server_apply(ctx, name, f + 1, v, why);
		free(name);
		return (rc);
	}
	*why = xasprintf("%s: unknown key", key);
	return (-1);
out:
	if (bad.len == 0) {
		buf_release(&bad);
		return (0);
	}
	*why = buf_detach(&bad, NULL);
	return (1);
}

/* Nonzero if some row's key starts with prefix and a dot. */
static int
options_is_group(const char *prefix)
{
	const struct option_entry	*e;
	size_t				 len = strlen(prefix);

	for (e = options_table; e->key != NULL; e++) {
		if (strncmp(e->key, prefix, len) == 0 && e->key[len] == '.')
			return (1);
	}
	return (0);
}

/* Apply the members of obj under prefix (NULL: the top level). */
/*
 * Whether v for the limit e (OPTION_TIGHTEN, 0 meaning none) would raise
 * or remove the value in force.  A bad value does not: it is reported.
 */
static int
options_loosens(const struct options_ctx *ctx, const struct option_entry *e,
    const char *key, json_t *v)
{
	const void	*p = options_field(ctx, e, NULL);
	long long	 n, cur;
	double		 d, dcur;
	char		*why = NULL;

	if (e->type == OPTION_NUMBER) {
		if (options_real(e, key, v, &d, &why) != 0) {
			free(why);
			return (0);
		}
		memcpy(&dcur, p, sizeof dcur);
		return (dcur != 0 && (d == 0 || d > dcur));
	}
	if (options_number(e, key, v, &n, &why) != 0) {
		free(why);
		return (0);
	}
	n *= e->scale != 0 ? e->scale : 1;
	cur = options_load_int(p, e->size, 0);
	return (cur != 0 && (n == 0 || n > cur));
}

/*
 * Folder trust: hold key (a known one that grants a capability) of an
 * untrusted project's config instead of applying it.  Unknown keys go on
 * to be reported as such; a group ("lsp", "sandbox") is walked into.
 */
static int
options_hold(const struct options_ctx *ctx, const char *key, json_t *v)
{
	struct options			*o = ctx->o;
	const struct option_entry	*e;
	const char			*k;
	json_t				*x, *drop;
	char				*sub;
	size_t				 i;

	if (ctx->origin != OPTION_PROJECT || !o->hold_grants)
		return (0);
	e = options_find(key);
	if (e != NULL && e->type == OPTION_KEYS && json_is_object(v)) {
		/* {"keys": {...}}: hold the bindings that grant, one each. */
		drop = json_array();
		json_object_foreach(v, k, x) {
			sub = xasprintf("keys.%s", k);
			if (options_hold(ctx, sub, x))
				json_array_append_new(drop, json_string(k));
			free(sub);
		}
		for (i = 0; i < json_array_size(drop); i++)
			json_object_del(v, json_string_value(
			    json_array_get(drop, i)));
		json_decref(drop);
		return (0);
	}
	if (e == NULL && strncmp(key, "lsp.servers.", 12) != 0 &&
	    strncmp(key, "keys.", 5) != 0)
		return (0);
	if (e != NULL && (e->flags & OPTION_TIGHTEN)) {
		if (!options_loosens(ctx, e, key, v))
			return (0);
	} else if (!options_grants(key))
		return (0);
	if (o->held == NULL)
		o->held = json_object();
	json_object_set(o->held, key, v);
	if (o->held_where == NULL && ctx->where != NULL)
		o->held_where = xstrdup(ctx->where);
	return (1);
}

static void
options_walk(const struct options_ctx *ctx, const char *prefix, json_t *obj)
{
	const char	*k;
	char		*key, *en, *why;
	json_t		*v, *b;

	json_object_foreach(obj, k, v) {
		key = prefix != NULL ? xasprintf("%s.%s", prefix, k) :
		    xstrdup(k);
		if (options_hold(ctx, key, v)) {
			free(key);
			continue;
		}
		if (options_find(key) == NULL && options_is_group(key)) {
			en = xasprintf("%s.enabled", key);
			if (json_is_object(v))
				options_walk(ctx, key, v);
			else if (json_is_boolean(v) &&
			    options_find(en) != NULL) {
				/* "lsp": false is "lsp.enabled": false. */
				b = json_pack("{sO}", "enabled", v);
				options_walk(ctx, key, b);
				json_decref(b);
			} else
				options_problem(ctx->o, "%s: %s: not an object",
				    ctx->where, key);
			free(en);
		} else if (options_apply(ctx, key, v, &why) != 0) {
			options_problem(ctx->o, "%s: %s", ctx->where, why);
			free(why);
		}
		free(key);
	}
}

const struct option_entry *
options_find(const char *key)
{
	const struct option_entry	*e;

	for (e = options_table; e->key != NULL; e++) {
		if (strcmp(e->key, key) == 0)
			return (e);
	}
	return (NULL);
}

int
options_grants(const char *key)
{
	const struct option_entry	*e;
	const char			*name, *field;
	size_t				 i;

	if ((e = options_find(key)) != NULL)
		return ((e->flags & OPTION_GRANTS) != 0);
	if (strncmp(key, "keys.", 5) == 0 && key[5] != '\0') {
		/*
		 * The keys that answer an approval, and the one that cycles
		 * the permission mode: a project swapping "y" and "n" would
		 * approve what the user means to reject.
		 */
		for (i = 0; key_table[i].name != NULL; i++) {
			if (strcmp(key_table[i].name, key + 5) == 0 &&
			    (key_table[i].mode == KEYM_APPROVAL ||
			    key_table[i].action == KA_MODE_NEXT))
				return (1);
		}
		e = options_find("keys");
		return (e == NULL || (e->flags & OPTION_GRANTS) != 0);
	}
	if (strncmp(key, "lsp.servers.", 12) != 0)
		return (1);
	name = key + 12;
	if ((field = strchr(name, '.')) == NULL || field == name)
		return (1);
	field++;
	for (e = options_server_fields; e->key != NULL; e++) {
		if (strcmp(e->key, field) == 0)
			return ((e->flags & OPTION_GRANTS) != 0);
	}
	return (1);
}

struct options *
options_create(void)
{
	struct options		*o = xcalloc(1, sizeof *o);
	struct config		 scratch;
	struct options_ctx	 ctx;
	const struct option_entry *e;
	json_t			*v;
	json_error_t		 jerr;
	char			*why;
	int			 i, j;

	/* Fields that are not options. */
	o->lsp.max_queued = 16 * 1024 * 1024;
	o->src = xcalloc(sizeof options_table / sizeof *options_table,
	    sizeof *o->src);
	for (i = 0; key_table[i].name != NULL; i++) {
		if (i == OPTION_KEYS_MAX)
			fatalx("key_table: more than %d bindings",
			    OPTION_KEYS_MAX);
		for (j = 0; j < KEY_BIND_MAX; j++)
			o->ui.keys[i][j] = KEYC_UNKNOWN;
		if (key_parse_list(key_table[i].key, o->ui.keys[i]) < 0)
			fatalx("key_table: %s: bad keys", key_table[i].name);
	}

	memset(&scratch, 0, sizeof scratch);
	ctx.cfg = &scratch;
	ctx.o = o;
	ctx.origin = OPTION_DEFAULT;
	ctx.where = NULL;
	ctx.collect = 0;
	for (e = options_table; e->key != NULL; e++) {
		if (e->def == NULL || e->base != OPTION_IN_OPTIONS)
			continue;
		if ((v = json_loads(e->def, JSON_DECODE_ANY, &jerr)) == NULL)
			fatalx("bad default for %s", e->key);
		if (options_apply(&ctx, e->key, v, &why) != 0)
			fatalx("bad default: %s", why);
		json_decref(v);
	}
	return (o);
}

void
options_free(struct options *o)
{
	size_t	i;

	if (o == NULL)
		return;
	options_strv_free(&o->session.redact);
	options_strv_free(&o->sandbox.writable_roots);
	options_strv_free(&o->sandbox.keep_env);
	for (i = 0; i < 3; i++)
		options_strv_free(&o->permissions.rules[i]);
	json_decref(o->budget.prices);
	json_decref(o->mcp.servers);
	json_decref(o->hooks);
	for (i = 0; i < o->nlsp_servers; i++) {
		options_server_release(&o->lsp_servers[i]);
		options_src_release(&o->server_src[i]);
	}
	free(o->lsp_servers);
	free(o->server_src);
	for (i = 0; options_table[i].key != NULL; i++)
		options_src_release(&o->src[i]);
	free(o->src);
	for (i = 0; i < OPTION_KEYS_MAX; i++)
		options_src_release(&o->key_src[i]);
	/* Folder trust's held keys. */
	json_decref(o->held);
	free(o->held_where);
	for (i = 0; i < o->nproblems; i++)
		free(o->problems[i]);
	free(o->problems);
	free(o);
}

const struct options *
options_default(void)
{
	static struct options	*def;

	if (def == NULL)
		def = options_create();
	return (def);
}

const struct options *
options_get(const struct config *cfg)
{
	if (cfg == NULL || cfg->opts == NULL)
		return (options_default());
	return (cfg->opts);
}

/* Apply the defaults of the rows that live in struct config. */
void
options_config_defaults(struct config *cfg)
{
	const struct option_entry	*e;
	struct options_ctx		 ctx;
	json_t				*v;
	json_error_t			 jerr;
	char				*why;

	ctx.cfg = cfg;
	ctx.o = cfg->opts;
	ctx.origin = OPTION_DEFAULT;
	ctx.where = NULL;
	ctx.collect = 0;
	for (e = options_table; e->key != NULL; e++) {
		if (e->def == NULL || e->base != OPTION_IN_CONFIG)
			continue;
		if ((v = json_loads(e->def, JSON_DECODE_ANY, &jerr)) == NULL)
			fatalx("bad default for %s", e->key);
		if (options_apply(&ctx, e->key, v, &why) != 0)
			fatalx("bad default: %s", why);
		json_decref(v);
	}
}

/* Lay the options of object j (stolen), from where, over cfg's. */
static int
options_load_json(struct config *cfg, json_t *j, enum option_origin origin,
    const char *where, char **cause)
{
	struct options_ctx	 ctx;

	if (!json_is_object(j)) {
		*cause = xasprintf("%s: not a JSON object", where);
		json_decref(j);
		return (-1);
	}
	ctx.cfg = cfg;
	ctx.o = cfg->opts;
	ctx.origin = origin;
	ctx.where = where;
	ctx.collect = 1;
	options_walk(&ctx, NULL, j);
	json_decref(j);
	return (0);
}

int
options_load_file(struct config *cfg, const char *path,
    enum option_origin origin, char **cause)
{
	json_error_t		 err;
	json_t			*j;
	struct stat		 sb;
	int			 fd;

	/*
	 * A repository brings the project's file: a fifo or a device there
	 * must not hang or feed agentos's start.
	 */
	if ((fd = open(path, O_RDONLY|O_NONBLOCK|O_CLOEXEC|O_NOCTTY)) == -1) {
		if (errno == ENOENT)
			return (0);
		*cause = xasprintf("%s: %s", path, strerror(errno));
		return (-1);
	}
	if (fstat(fd, &sb) != 0 || !S_ISREG(sb.st_mode)) {
		close(fd);
		*cause = xasprintf("%s: not a regular file", path);
		return (-1);
	}
	j = json_loadfd(fd, 0, &err);
	close(fd);
	if (j == NULL) {
		*cause = xasprintf("%s:%d: %s", path, err.line, err.text);
		return (-1);
	}
	return (options_load_json(cfg, j, origin, path, cause));
}

int
options_load_string(struct config *cfg, const char *text, const char *where,
    char **cause)
{
	json_error_t		 err;
	json_t			*j;

	if ((j = json_loads(text, 0, &err)) == NULL) {
		*cause = xasprintf("%s:%d: %s", where, err.line, err.text);
		return (-1);
	}
	return (options_load_json(cfg, j, OPTION_PROJECT, where, cause));
}

void
options_load_env(struct config *cfg)
{
	const struct option_entry	*e;
	const char			*v;
	char				*why;

	for (e = options_table; e->key != NULL; e++) {
		if (e->env == NULL || (v = getenv(e->env)) == NULL ||
		    *v == '\0')
			continue;
		if (options_set(cfg, e->key, v, OPTION_ENV, e->env,
		    &why) != 0) {
			options_problem(cfg->opts, "%s: %s", e->env, why);
			free(why);
		}
	}
}

int
options_set(struct config *cfg, const char *key, const char *value,
    enum option_origin origin, const char *where, char **cause)
{
	const struct option_entry	*e = options_find(key);
	struct options_ctx		 ctx;
	json_error_t			 jerr;
	json_t				*v = NULL;
	int				 rc;

	if (e == NULL && options_is_group(key)) {
		*cause = xasprintf("%s: not a single option", key);
		return (-1);
	}
	if (e == NULL && strncmp(key, "keys.", 5) != 0 &&
	    strncmp(key, "lsp.servers.", 12) != 0) {
		*cause = xasprintf("unknown option: %s", key);
		return (-1);
	}
	/* Text is JSON where it parses, except where a name is wanted. */
	if (e == NULL ? strncmp(key, "keys.", 5) != 0 :
	    e->type != OPTION_STRING && e->type != OPTION_ENUM)
		v = json_loads(value, JSON_DECODE_ANY, &jerr);
	if (v == NULL)
		v = json_string(value);
	ctx.cfg = cfg;
	ctx.o = cfg->opts;
	ctx.origin = origin;
	ctx.where = where;
	ctx.collect = 0;
	rc = options_apply(&ctx, key, v, cause);
	json_decref(v);
	return (rc != 0 ? -1 : 0);
}

const json_t *
options_held(const struct config *cfg, const char **where)
{
	const struct options	*o = options_get(cfg);

	if (where != NULL)
		*where = o->held_where;
	if (o->held == NULL || json_object_size(o->held) == 0)
		return (NULL);
	return (o->held);
}

void
options_apply_held(struct config *cfg)
{
	struct options			*o = cfg->opts;
	struct options_ctx		 ctx;
	const struct option_entry	*e;
	const char			*k;
	json_t				*v;
	char				*why;

	if (o == NULL || o->held == NULL)
		return;
	ctx.cfg = cfg;
	ctx.o = o;
	ctx.origin = OPTION_PROJECT;
	ctx.where = o->held_where;
	ctx.collect = 1;
	o->hold_grants = 0;
	json_object_foreach(o->held, k, v) {
		e = options_find(k);
		if (e != NULL && e->type != OPTION_SERVERS &&
		    e->type != OPTION_KEYS &&
		    o->src[e - options_table].origin > OPTION_PROJECT)
			continue;
		if (options_apply(&ctx, k, v, &why) != 0) {
			options_problem(o, "%s: %s", ctx.where != NULL ?
			    ctx.where : "config", why);
			free(why);
		}
	}
	json_decref(o->held);
	o->held = NULL;
	options_check_servers(o, OPTION_PROJECT);
}

void
options_check(struct config *cfg)
{
	options_check_servers(cfg->opts, OPTION_DEFAULT);
}

/* A new "lsp.servers" entry (from origin, or any) needs its two fields. */
static void
options_check_servers(struct options *o, enum option_origin origin)
{
	const struct lsp_server_option	*s;
	size_t				 i;

	for (i = 0; i < o->nlsp_servers; i++) {
		s = &o->lsp_servers[i];
		if (origin != OPTION_DEFAULT &&
		    o->server_src[i].origin != origin)
			continue;
		if (lsp_conf_is_builtin(s->name) ||
		    (s->command.v != NULL && s->extensions.v != NULL))
			continue;
		options_problem(o, "%s: lsp.servers.%s: a new server needs "
		    "command and extensions", o->server_src[i].where != NULL ?
		    o->server_src[i].where : "config", s->name);
	}
}

const struct option_source *
options_source(const struct config *cfg, const char *key)
{
	const struct options		*o = options_get(cfg);
	const struct option_entry	*e;
	size_t				 i;
	int				 k;

	if ((e = options_find(key)) != NULL)
		return (&o->src[e - options_table]);
	if (strncmp(key, "keys.", 5) == 0 &&
	    (k = options_key_index(key + 5)) >= 0)
		return (&o->key_src[k]);
	if (strncmp(key, "lsp.servers.", 12) == 0) {
		for (i = 0; i < o->nlsp_servers; i++) {
			if (strcmp(o->lsp_servers[i].name, key + 12) == 0)
				return (&o->server_src[i]);
		}
	}
	return (NULL);
}

size_t
options_problems(const struct config *cfg, const char * const **v)
{
	const struct options	*o = options_get(cfg);

	*v = (const char * const *)o->problems;
	return (o->nproblems);
}

void
options_report(const struct config *cfg, FILE *f)
{
	const char * const	*v;
	size_t			 n, i;

	n = options_problems(cfg, &v);
	for (i = 0; i < n; i++)
		fprintf(f, "agentos: %s\n", v[i]);
}

/* The value of e at p as JSON text (a secret redacted); caller frees. */
static char *
options_text(const struct option_entry *e, const void *p)
{
	const struct option_strv	*sv;
	json_t				*j;
	char				*s;
	long long			 n;
	size_t				 i;
	int				 v;

	switch (e->type) {
	case OPTION_STRING:
		s = *(char * const *)p;
		if (s == NULL)
			return (xstrdup("null"));
		if (e->flags & OPTION_SECRET)
			return (xstrdup("\"[REDACTED]\""));
		j = json_string(s);
		break;
	case OPTION_INT:
	case OPTION_SIZE:
	case OPTION_MS:
		n = options_load_int(p, e->size, e->min >= 0);
		if (e->scale != 0)
			n /= e->scale;
		return (xasprintf("%lld", n));
	case OPTION_BOOL:
		v = *(const int *)p;
		if (e->mask != 0)
			v = (v & e->mask) != 0;
		if (v < 0)
			return (xstrdup("null"));
		return (xstrdup(v ? "true" : "false"));
	case OPTION_ENUM:
		j = json_string(e->names[*(const int *)p]);
		break;
	case OPTION_STRINGS:
		sv = p;
		if (sv->v == NULL)
			return (xstrdup("null"));
		j = json_array();
		for (i = 0; i < sv->n; i++)
			json_array_append_new(j, json_string(sv->v[i]));
		break;
	case OPTION_JSON:
		if (*(json_t * const *)p == NULL)
			return (xstrdup("null"));
		j = json_incref(*(json_t * const *)p);
		break;
	case OPTION_NUMBER:
		return (xasprintf("%g", *(const double *)p));
	default:
		return (xstrdup("null"));
	}
	s = json_dumps(j, JSON_ENCODE_ANY | JSON_COMPACT);
	json_decref(j);
	return (s);
}

void
options_foreach(const struct config *cfg,
    void (*cb)(void *, const char *, const char *,
    const struct option_source *), void *arg)
{
	const struct options		*o = options_get(cfg);
	const struct option_entry	*e, *f;
	const struct lsp_server_option	*s;
	struct options_ctx		 ctx;
	struct buf			 b = BUF_INIT;
	char				*key, *text, *kn;
	json_t				*j;
	size_t				 i;

	ctx.cfg = (struct config *)cfg;
	ctx.o = (struct options *)o;
	ctx.where = NULL;
	ctx.collect = 0;
	for (e = options_table; e->key != NULL; e++) {
		if (e->type == OPTION_KEYS) {
			for (i = 0; key_table[i].name != NULL; i++) {
				key = xasprintf("keys.%s", key_table[i].name);
				kn = key_list_string(o->ui.keys[i],
				    KEY_BIND_MAX);
				j = json_string(kn);
				text = json_dumps(j, JSON_ENCODE_ANY);
				json_decref(j);
				free(kn);
				cb(arg, key, text, &o->key_src[i]);
				free(text);
				free(key);
			}
			continue;
		}
		if (e->type == OPTION_SERVERS) {
			for (i = 0; i < o->nlsp_servers; i++) {
				s = &o->lsp_servers[i];
				buf_reset(&b);
				buf_adds(&b, "{");
				for (f = options_server_fields; f->key != NULL;
				    f++) {
					text = options_text(f,
					    (const char *)s + f->offset);
					if (strcmp(text, "null") != 0)
						buf_addf(&b, "%s\"%s\":%s",
						    b.len > 1 ? "," : "",
						    f->key, text);
					free(text);
				}
				buf_adds(&b, "}");
				key = xasprintf("lsp.servers.%s", s->name);
				cb(arg, key, b.buf, &o->server_src[i]);
				free(key);
			}
			continue;
		}
		if (cfg == NULL && e->base == OPTION_IN_CONFIG)
			continue;
		text = options_text(e, options_field(&ctx, e, NULL));
		cb(arg, e->key, text, &o->src[e - options_table]);
		free(text);
	}
	buf_release(&b);
}

void
options_foreach_key(void (*cb)(void *, const char *, const char *,
    const char *, const char *), void *arg)
{
	const struct option_entry	*e, *f;
	char				*key;
	size_t				 i;

	for (e = options_table; e->key != NULL; e++) {
		if (e->type == OPTION_KEYS) {
			for (i = 0; key_table[i].name != NULL; i++) {
				key = xasprintf("keys.%s", key_table[i].name);
				cb(arg, key, options_type_names[e->type],
				    key_table[i].key, key_table[i].help);
				free(key);
			}
			continue;
		}
		cb(arg, e->key, options_type_names[e->type], e->def, e->help);
		if (e->type != OPTION_SERVERS)
			continue;
		for (f = options_server_fields; f->key != NULL; f++) {
			key = xasprintf("%s.*.%s", e->key, f->key);
			cb(arg, key, options_type_names[f->type], NULL,
			    f->help);
			free(key);
		}
	}
}

char *
options_source_text(const struct option_source *src)
{
	switch (src->origin) {
	case OPTION_DEFAULT:
		return (xstrdup("default"));
	case OPTION_USER:
	case OPTION_PROJECT:
		return (xstrdup(src->where != NULL ? src->where : "file"));
	case OPTION_ENV:
		return (xasprintf("$%s", src->where != NULL ? src->where :
		    "?"));
	case OPTION_FLAG:
		return (xstrdup("command line"));
	}
	return (xstrdup("?"));
}
