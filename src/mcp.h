/*
 * mcp.h: the Model Context Protocol client (issue 13).
 *
 * Spec: modelcontextprotocol.io, revision 2025-11-25 ("Specification").
 * Sections cited below: Basic / Lifecycle (initialize, version
 * negotiation, notifications/initialized), Basic / Transports (stdio:
 * newline-delimited JSON-RPC on the child's stdin and stdout, stderr for
 * logs), Basic / Utilities / Ping, Cancellation (notifications/cancelled
 * {requestId, reason}) and Progress (_meta.progressToken,
 * notifications/progress), Server / Tools (tools/list with nextCursor
 * pagination, notifications/tools/list_changed, tools/call, content
 * types, structuredContent, isError), Client / Roots (roots/list).
 *
 * Configuration is Claude Code's: .mcp.json at the repository root holds
 * {"mcpServers": {NAME: {"command", "args", "env"} | {"type": "http" |
 * "sse", "url", "headers"}}}, with ${VAR} and ${VAR:-default} expanded in
 * command, args, env, url and headers; the option mcp.servers (options.c)
 * holds the same object.  Servers from the repository (.mcp.json, the
 * project's .agentos/config.json) start only when cfg->project_trusted is
 * 1; until then they are listed as "not trusted".
 *
 * A manager holds the servers of one workspace.  Each runs a state
 * machine: starting (spawned, initialize sent), ready (tools listed),
 * failed (with a reason), disabled (for the session), not trusted.  stdio
 * servers run through proc.c under the death guard, so they die with
 * agentos however it ends.  Everything a server sends is data: names are
 * mangled, sizes bounded, nothing it says reaches the system prompt.
 */
#ifndef MCP_H
#define MCP_H

#include <stddef.h>

#include <jansson.h>

struct buf;
struct config;
struct jsonrpc;
struct jsonrpc_handlers;
struct mcp_manager;
struct mcp_oauth_conf;
struct mcp_server;
struct tool_entry;

/* options.c: mcp.log_level's names, "default" first (Server /
   Utilities / Logging, RFC 5424 severities). */
extern const char *const mcp_log_levels[];

/* The protocol version we ask for and those we accept in answer. */
#define MCP_PROTOCOL_VERSION	"2025-11-25"

/* Longest tool name the providers take (bytes). */
#define MCP_NAME_MAX		64

enum mcp_state {
	MCP_STARTING,
	MCP_READY,
	MCP_FAILED,
	MCP_DISABLED,
	MCP_UNTRUSTED,
};

/* One configured server, as read from a file. */
struct mcp_server_conf {
	char		*name;
	char		*where;		/* the file it came from */
	int		 project;	/* from the repository: needs trust */
	int		 http;		/* "type": "http" or "sse" */
	char		*type;		/* "stdio", "http", "sse" */
	char		*command;	/* stdio */
	char		**args;		/* NULL-terminated */
	size_t		 nargs;
	char		**env;		/* "NAME=value", NULL-terminated */
	size_t		 nenv;
	char		*url;		/* http */
	char		**headers;	/* "Name: value", NULL-terminated */
	size_t		 nheaders;
	struct mcp_oauth_conf *oauth;	/* http: "oauth", or NULL */
	char		*error;		/* set: the entry is unusable (why) */
};

struct mcp_conf {
	struct mcp_server_conf	*v;
	size_t			 n, alloc;
	char			**problems;	/* "FILE: server NAME: why" */
	size_t			 nproblems, aproblems;
};

void	 mcp_conf_init(struct mcp_conf *c);
void	 mcp_conf_release(struct mcp_conf *c);
/*
 * Add the servers of the object servers (borrowed; the value of
 * "mcpServers" or of mcp.servers) read from file where.  A server of a
 * name already there replaces it.  Bad entries become problems naming
 * where and the server, and are left out (a bad ${VAR} keeps the entry
 * with error set, so it is listed as failed); never fatal.
 */
void	 mcp_conf_add(struct mcp_conf *c, json_t *servers, const char *where,
	    int project);
/*
 * The servers for the repository at root (may be NULL) under cfg: the
 * mcp.servers of the user's config.json, of root/.agentos/config.json
 * (project), as set otherwise (a flag: the user's), then root/.mcp.json
 * (project).  A file that cannot be parsed is a problem.
 */
void	 mcp_conf_load(struct mcp_conf *c, const struct config *cfg,
	    const char *root);
/*
 * ${VAR} and ${VAR:-default} in s expanded from the environment (Claude
 * Code's .mcp.json expansion); "$" not followed by "{" stays.  NULL with
 * cause when VAR is unset and has no default, or a "${" is not closed.
 * The caller frees.
 */
char	*mcp_expand(const char *s, char **cause);
/*
 * The name the model sees: "mcp__SERVER__TOOL", characters outside
 * [A-Za-z0-9_-] replaced by '_', cut to MCP_NAME_MAX bytes.  Caller frees.
 */
char	*mcp_tool_name(const char *server, const char *tool);
/*
 * The text of a tools/call result (Server / Tools, "Tool Result"): text
 * content joined by newlines; image and audio as "[image/png, N bytes]";
 * resource as its text (or a line naming its blob) with its uri;
 * resource_link as its uri and name; structuredContent as JSON when there
 * is no text.  *is_error from isError.  Appends to out.
 */
void	 mcp_result_text(json_t *result, struct buf *out, int *is_error);

/*
 * A manager for the workspace at root (copied) under cfg (borrowed,
 * outlives it): reads the configuration and starts every server that may
 * start, in the background.  Needs loop_base.
 */
struct mcp_manager *mcp_manager_create(const char *root,
	    const struct config *cfg);
/* Stop every server (their groups are killed) and free everything. */
void	 mcp_manager_free(struct mcp_manager *m);
/*
 * Called (from the loop) when a server changes state or its tools change;
 * NULL to stop.
 */
void	 mcp_set_change_cb(struct mcp_manager *m, void (*cb)(void *),
	    void *arg);
/*
 * Called (from the loop) with what the session log should keep of the
 * servers: data (borrowed) is an "mcp" event's data (event.h:
 * {server, what: ready|failed|log, reason, tools, level, logger,
 * message}).  NULL to stop.
 */
void	 mcp_set_event_cb(struct mcp_manager *m,
	    void (*cb)(void *, json_t *), void *arg);
/* A number that changes whenever the set of offered tools changes. */
unsigned int mcp_generation(struct mcp_manager *m);
/*
 * Append the definitions of the tools of ready servers to defs (an
 * array of {name, description, input_schema}); description and schema are
 * the server's, unchanged.  deferred: only the tools a search loaded,
 * and the definition of mcp_tool_search first (when any tool is ready).
 */
void	 mcp_tool_definitions(struct mcp_manager *m, json_t *defs,
	    int deferred);
/* Bytes of the JSON of all those definitions (not deferred). */
size_t	 mcp_tool_definitions_size(struct mcp_manager *m);
/*
 * mcp_tool_search: the tools of ready servers that match the words of
 * query (case-insensitive, in the name or description; best first, at
 * most max), with their full definitions, appended to out; each one is
 * loaded: offered from the next request on.  An empty query lists every
 * tool's name and the start of its description, loading none.  Returns
 * how many matched.
 */
size_t	 mcp_tool_search(struct mcp_manager *m, const char *query,
	    size_t max, struct buf *out);
/* The one search tool (tool-mcp.c), looked up by mcp_tool_find(). */
extern const struct tool_entry tool_mcp_search;
/* The tool entry of model name "mcp__S__T"; NULL if none.  Borrowed:
   valid until mcp_manager_free(). */
const struct tool_entry *mcp_tool_find(struct mcp_manager *m,
	    const char *name);
/*
 * Before the first request: when servers are still starting, call cb(arg)
 * from the loop once none is (or after the start timeout, ms) and return
 * 1; 0 when there is nothing to wait for (cb is not called).
 * mcp_wait_cancel() forgets the callback.
 */
int	 mcp_wait(struct mcp_manager *m, void (*cb)(void *), void *arg);
void	 mcp_wait_cancel(struct mcp_manager *m);
/* The configuration's problems ("FILE: MCP server NAME: why"), borrowed. */
size_t	 mcp_problems(struct mcp_manager *m, const char *const **v);
/* How many servers are configured; with state st (-1: any). */
size_t	 mcp_count(struct mcp_manager *m, int st);
/*
 * A line for the user about servers of the repository that were not
 * started because the folder is not trusted, or NULL.  Caller frees.
 */
char	*mcp_untrusted_line(struct mcp_manager *m);
/*
 * The state of every server, its reason, its tools and the tail of its
 * stderr, for /mcp; appended to out.
 */
void	 mcp_status(struct mcp_manager *m, struct buf *out);
/*
 * Reconnect (stop and start again) or disable (stop, for the session)
 * server name.  0, or -1 with cause (no such server, not trusted).
 */
int	 mcp_reconnect(struct mcp_manager *m, const char *name, char **cause);
int	 mcp_disable(struct mcp_manager *m, const char *name, char **cause);
/*
 * OAuth (mcp-oauth.h), on the user's request.  login: open the waiting
 * flow's authorization URL in the browser, or forget the stored tokens
 * and reconnect, opening the new flow's URL once known.  logout (login
 * 0): forget the tokens and client registration and stop the server for
 * the session.  0, or -1 with cause (no such server, not HTTP, the token
 * file, xdg-open).
 */
int	 mcp_login(struct mcp_manager *m, const char *name, int login,
	    char **cause);
const char *mcp_state_name(enum mcp_state st);

/*
 * The one place a Streamable HTTP server is connected: 0 with *rpc (an
 * endpoint speaking to url), or -1 with cause.  Until mcp-http.c is
 * merged it fails with "Streamable HTTP transport not available".
 */
int	 mcp_connect_http(const struct mcp_server_conf *conf,
	    const struct jsonrpc_handlers *handlers, void *arg,
	    struct jsonrpc **rpc, char **cause);

/*
 * Prompts (Server / Prompts): those of ready servers are slash commands
 * "/mcp__SERVER__PROMPT args" (the names mangled as tools').  Get prompt
 * name with the words of args given to its arguments in order (the last
 * argument takes the rest of the line): cb(arg, text, NULL) later from
 * the loop with the text of its messages joined, or cb(arg, NULL, why).
 * 0, or -1 with cause at once (no such prompt, server not ready); cb is
 * then not called.  A prompt's text is the server's: the user sees what
 * is sent.
 */
int	 mcp_prompt_get(struct mcp_manager *m, const char *name,
	    const char *args, void (*cb)(void *, const char *, const char *),
	    void *arg, char **cause);

/*
 * Tab on a prompt's slash command (Server / Utilities / Completion,
 * 2025-06-18 and 2025-11-25).  "/mcp__PREFIX" completes the names of the
 * ready servers' prompts: 0 with *done the line completed (NULL when
 * that adds nothing) and *note the candidates when several match.
 * "/mcp__SERVER__PROMPT words": the argument being typed is found as
 * mcp_prompt_get() splits the line.  When the server declares the
 * "completions" capability, completion/complete is sent (ref/prompt, the
 * argument's name and the value typed so far, the earlier arguments as
 * context.arguments from 2025-06-18 on) and 1 returned: cb(arg, line,
 * done, note) follows once from the loop (line as given, done and note
 * as above, all borrowed), unless mcp_prompt_complete_cancel(), another
 * completion or the server stopping drops it first.  Otherwise 0 with
 * *note naming the prompt's declared arguments ("who* style", the one
 * being typed bracketed, with its description).  *done and *note are
 * allocated or NULL.  -1 when line is not such a command (nothing set).
 */
int	 mcp_prompt_complete(struct mcp_manager *m, const char *line,
	    void (*cb)(void *, const char *, const char *, const char *),
	    void *arg, char **done, char **note);
/* Forget the completion in flight, if any (its cb is not called). */
void	 mcp_prompt_complete_cancel(struct mcp_manager *m);

/*
 * Resources (Server / Resources, resources/read): the "@SERVER:URI"
 * words of a prompt (at most MCP_MAX_REFS; SERVER a ready server) are
 * read, and cb(arg, text) is called from the loop once all answered (or
 * after mcp.call_timeout) with "[resource @SERVER:URI]" and the contents
 * of each (text as it is, at most TOOL_OUTPUT_MAX bytes each; binary
 * contents as a line naming type and size), or an error line; text is
 * borrowed.  Returns 1 when something is being read, 0 when prompt names
 * no resource (cb is not called).  One read at a time;
 * mcp_resources_cancel() forgets the callback.
 */
#define MCP_MAX_REFS	10
int	 mcp_resources_fetch(struct mcp_manager *m, const char *prompt,
	    void (*cb)(void *, const char *), void *arg);
void	 mcp_resources_cancel(struct mcp_manager *m);

/*
 * Elicitation (Client / Elicitation, 2025-11-25): a server's
 * elicitation/create asks the user for input, in form mode (message and
 * a flat requestedSchema of string, number, integer, boolean and enum
 * properties) or URL mode (message and a url the user opens himself;
 * agentos never opens it).  With a callback set (the TUI), cb(arg, e) is
 * called from the loop and the callee owns e until it calls
 * mcp_elicit_answer() exactly once.  Without one (headless) the answer
 * follows mcp.elicitation: "decline" (the default) declines, "defaults"
 * accepts a form whose every required field has a default, with the
 * defaults (the conformance scenario elicitation-sep1034-client-
 * defaults), and declines otherwise.  Every answer is an "mcp" event
 * {server, what: "elicitation", mode, message, action}.
 */
struct mcp_elicit;
enum mcp_elicit_action {
	MCP_ELICIT_ACCEPT,
	MCP_ELICIT_DECLINE,
	MCP_ELICIT_CANCEL,
};
void	 mcp_set_elicit_cb(struct mcp_manager *m,
	    void (*cb)(void *, struct mcp_elicit *), void *arg);
/* The asking server's name, its message, the URL (NULL: form mode) and
   the requestedSchema (NULL in URL mode); all borrowed from e. */
const char *mcp_elicit_server(struct mcp_elicit *e);
const char *mcp_elicit_message(struct mcp_elicit *e);
const char *mcp_elicit_url(struct mcp_elicit *e);
json_t	*mcp_elicit_schema(struct mcp_elicit *e);
/* Whether the server that asked is still connected. */
int	 mcp_elicit_live(struct mcp_elicit *e);
/*
 * Answer e and free it: action, with content (stolen, may be NULL; sent
 * only with accept in form mode: an object of the field values).
 */
void	 mcp_elicit_answer(struct mcp_elicit *e,
	    enum mcp_elicit_action action, json_t *content);

/* mcp-elicit.c: the schema of a form (pure, no I/O) */
enum mcp_field_type {
	MCP_FIELD_STRING,
	MCP_FIELD_NUMBER,
	MCP_FIELD_INTEGER,
	MCP_FIELD_BOOLEAN,
	MCP_FIELD_ENUM,
};
/*
 * The type of property prop (borrowed, a requestedSchema property): enum
 * when it has "enum" (or "oneOf" of {const}) of strings.  -1 when it is
 * none of those (nested objects, arrays).
 */
int	 mcp_field_type(json_t *prop);
/*
 * Check a requestedSchema (borrowed): an object with "properties" whose
 * every value has a type mcp_field_type() knows; "required" names
 * properties.  0, or -1 with cause (the caller declines the request).
 */
int	 mcp_elicit_check(json_t *schema, char **cause);
/*
 * The value of text (what the user typed) for property prop, validated
 * against its type, enum, minLength/maxLength, minimum/maximum and the
 * string formats email, uri, date and date-time (a light check): a new
 * reference, or NULL with cause ("not an integer", "at least 3").
 * Booleans take y, yes, true, 1 and n, no, false, 0.
 */
json_t	*mcp_elicit_value(json_t *prop, const char *text, char **cause);
/*
 * The content of a form answered with its defaults only: an object of
 * each property's "default" (checked as mcp_elicit_value() does); NULL
 * with cause when a required property has none or a default is invalid.
 */
json_t	*mcp_elicit_defaults(json_t *schema, char **cause);
/*
 * A property's default as the text a user would type ("" when none);
 * caller frees.
 */
char	*mcp_elicit_default_text(json_t *prop);

/*
 * cli-mcp.c: "agentos mcp list | get NAME | add NAME ... | remove NAME";
 * argv[0] is "mcp".  Returns the exit status.
 */
int	 cli_mcp_exec(int argc, char **argv, const char *root,
	    struct config *cfg);

/* tool-mcp.c: the entry of a server tool */

/*
 * What a call to a server tool needs: the endpoint and the timeout.
 * tool-mcp.c asks mcp.c through these.
 */
struct mcp_tool {
	const struct tool_entry	*te;		/* the entry the model calls */
	struct mcp_server	*srv;		/* borrowed */
	char			*tool;		/* the server's own name */
	int			 readonly;	/* annotations.readOnlyHint
						   (shown, not trusted) */
	int			 loaded;	/* a search offered it */
	char			*claims;	/* its annotations (title and
						   hints) as one line for the
						   approval panel, or NULL */
};
/*
 * The tool for t (borrowed, a tools/list element) of server srv
 * (borrowed, outlives it), offered as model name name (copied): the
 * server's description and inputSchema unchanged; effects unknown
 * (mutating and networked) whatever its annotations say.  NULL when t is
 * unusable (no name, a schema that is not an object).
 */
struct mcp_tool *tool_mcp_create(struct mcp_server *srv, const char *name,
	    json_t *t);
void	 tool_mcp_free(struct mcp_tool *mt);
/*
 * notifications/progress from srv (params borrowed; Basic / Utilities /
 * Progress): a line "[progress 3/10] message" on the output of the call
 * whose progressToken (the tool call id) it names; ignored otherwise.
 */
void	 tool_mcp_progress(struct mcp_server *srv, json_t *params);
/*
 * srv's connection is about to be freed (stopped, disabled, failed):
 * each call in flight on it finishes from the loop with an error saying
 * why (copied).
 */
void	 tool_mcp_server_gone(struct mcp_server *srv, const char *why);
/* The mcp_tool of te when it is a server tool, else NULL. */
struct mcp_tool *mcp_tool_of(const struct tool_entry *te);
/* The endpoint of a ready server, or NULL with *why (borrowed). */
struct jsonrpc *mcp_server_rpc(struct mcp_server *s, const char **why);
/* The server's name (borrowed) and its per-call timeout (ms). */
const char *mcp_server_name(struct mcp_server *s);
unsigned int mcp_call_timeout(struct mcp_server *s);
/*
 * Tell s's notifications/cancelled handler the reason for the next
 * cancellation of call id (a timeout, the user).
 */
void	 mcp_server_cancel_reason(struct mcp_server *s, const char *reason);

/*
 * The authorization URL (borrowed) of server name while its OAuth login
 * waits for the user's browser (mcp-oauth.h), or NULL.
 */
const char *mcp_login_url(struct mcp_manager *m, const char *name);

#endif /* MCP_H */
