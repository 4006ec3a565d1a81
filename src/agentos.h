/*
 * agentos.h: the application header.  Prototypes are grouped under
 * / * file.c * / markers in the order of the subsystems, so this file reads
 * as the table of contents of agentos.  Standalone helpers (buf, xmalloc,
 * log, sse, utf8) have their own headers and never include this one.
 *
 * Conventions (see CONVENTIONS.md): a char * result is the caller's to free,
 * a const char * is borrowed; recoverable failures return -1 and, when the
 * function takes char **cause, an allocated message the caller shows to the
 * user and frees.  Sizes are bytes, durations ms, counts tokens where named.
 */
#ifndef AGENTOS_H
#define AGENTOS_H

#include <sys/types.h>
#include <stddef.h>
#include <stdint.h>

#include <jansson.h>

#include "buf.h"
#include "event.h"
#include "log.h"
#include "xmalloc.h"

#define AGENTOS_NAME	"agentos"

struct event_base;
struct agent;
struct session;
struct snapshot_store;
struct repomodel;
struct lsp_manager;
struct tool_call;
struct tool_entry;
struct workspace;

/* ------------------------------------------------------------------------ */
/* loop.c: the one libevent loop everything runs in */

/* The process-wide event base; created by loop_init(). */
extern struct event_base *loop_base;
/* Create the event base (once, at start-up). */
void	 loop_init(void);
/* Run until loop_exit(); returns 0, or -1 on a libevent failure. */
int	 loop_run(void);
/* Make loop_run() return after the current callbacks. */
void	 loop_exit(void);
/* Free the event base (at exit, after every event is freed). */
void	 loop_free(void);
/*
 * Call cb(arg) once from the loop after ms milliseconds (0: on the next
 * iteration).  The returned timer is freed by loop_timer_cancel() or
 * automatically after it fired; never both.
 */
struct loop_timer;
struct loop_timer *loop_timer_add(unsigned int ms, void (*cb)(void *),
	    void *arg);
void	 loop_timer_cancel(struct loop_timer *t);
/* Monotonic clock in ms, and wall clock in ms since the epoch. */
uint64_t loop_now_ms(void);
uint64_t loop_wall_ms(void);

/* ------------------------------------------------------------------------ */
/* hash.c: digests */

/* SHA-256 of len bytes of data as 64 lower-case hex digits; caller frees. */
char	*hash_sha256_hex(const void *data, size_t len);

/* ------------------------------------------------------------------------ */
/* conv.c: the conversation: messages made of content blocks */

/*
 * Content blocks follow the Anthropic Messages model (the richer of the two
 * wire formats); provider-openai.c maps them to Chat Completions messages.
 */
enum block_type {
	BLOCK_TEXT,
	BLOCK_THINKING,			/* kept and sent back unchanged */
	BLOCK_REDACTED_THINKING,
	BLOCK_TOOL_USE,
	BLOCK_TOOL_RESULT,
};

struct block {
	enum block_type	 type;
	char		*text;		/* TEXT: text; THINKING: thinking;
					   REDACTED_THINKING: data;
					   TOOL_RESULT: the result content */
	char		*signature;	/* THINKING: signature */
	char		*id;		/* TOOL_USE: call id; TOOL_RESULT: the
					   id of the tool use it answers */
	char		*name;		/* TOOL_USE: tool name */
	json_t		*input;		/* TOOL_USE: arguments (an object; one
					   reference owned by the block) */
	int		 is_error;	/* TOOL_RESULT */
};

enum role {
	ROLE_USER,
	ROLE_ASSISTANT,
};

struct message {
	enum role	 role;
	struct block	*blocks;
	size_t		 nr, alloc;
};

struct conv {
	struct message	*msgs;
	size_t		 nr, alloc;
};

/* Why the model stopped (provider stop_reason / finish_reason, mapped). */
enum stop_reason {
	STOP_NONE,			/* not stopped (stream cut short) */
	STOP_END_TURN,			/* end_turn, stop */
	STOP_MAX_TOKENS,		/* max_tokens, length */
	STOP_STOP_SEQUENCE,
	STOP_TOOL_USE,			/* tool_use, tool_calls */
	STOP_PAUSE_TURN,
	STOP_REFUSAL,			/* refusal, content_filter */
	STOP_CONTEXT_WINDOW,		/* model_context_window_exceeded */
	STOP_OTHER,
};

/* Token usage of one model response (tokens). */
struct usage {
	int64_t	input_tokens;		/* uncached input */
	int64_t	output_tokens;
	int64_t	cache_read_tokens;
	int64_t	cache_write_tokens;
};

void	 conv_init(struct conv *c);
void	 conv_release(struct conv *c);
/* Append an empty message of role; the pointer is valid until the next add. */
struct message *conv_add(struct conv *c, enum role role);
/* Remove messages from index n on. */
void	 conv_truncate(struct conv *c, size_t n);
void	 message_init(struct message *m, enum role role);
void	 message_release(struct message *m);
/* Append a block; strings are copied, input gets a new reference. */
struct block *message_add_text(struct message *m, const char *text);
struct block *message_add_tool_use(struct message *m, const char *id,
	    const char *name, json_t *input);
struct block *message_add_tool_result(struct message *m, const char *id,
	    const char *content, int is_error);
/* Append a deep copy of block b. */
struct block *message_add_copy(struct message *m, const struct block *b);
void	 block_release(struct block *b);
/* Move all of src's blocks to the end of dst; src is left empty. */
void	 message_move_blocks(struct message *dst, struct message *src);
/* All TEXT blocks of m joined by newlines; the caller frees. */
char	*message_text(const struct message *m);
const char *stop_reason_name(enum stop_reason r);
enum stop_reason stop_reason_from_name(const char *name);
/* The string member key of object o, or NULL (borrowed). */
const char *conv_json_str(json_t *o, const char *key);
/* Serialise to and from the neutral JSON form used by the session log. */
json_t	*conv_message_to_json(const struct message *m);
int	 conv_message_from_json(json_t *j, struct message *m, char **cause);

/* ------------------------------------------------------------------------ */
/* config.c: options from defaults, config files, environment and flags */

enum perm_mode {
	PERM_ASK,			/* default: ask for each edit and
					   command */
	PERM_ACCEPT_EDITS,		/* edits allowed, commands asked */
	PERM_PLAN,			/* read-only tools only */
	PERM_BYPASS,			/* everything allowed */
};
#define PERM_MODE_COUNT 4

enum output_format {
	OUTPUT_TEXT,
	OUTPUT_JSON,
	OUTPUT_STREAM_JSON,
};

struct config {
	char		*provider;	/* "anthropic" or "openai" */
	char		*model;
	char		*base_url;	/* as the SDK expects it */
	char		*api_key;
	int		 max_tokens;	/* per response (tokens) */
	int		 thinking_budget; /* tokens; 0: off */
	enum perm_mode	 perm_mode;
	int		 max_retries;
	char		*theme;
	int		 map_tokens;	/* repository map budget (tokens) */
	int		 verbose;
	/*
	 * The engines' typed options, where every value came from, and the
	 * problems found (options.h); NULL until config_load(), and then
	 * the engines use the defaults.
	 */
	struct options	*opts;
	/*
	 * The session to resume (-c: "", the most recent; -r ID: that id
	 * or a prefix); NULL: a new session.  Borrowed: the caller keeps
	 * the string alive and config_release() does not free it.
	 */
	const char	*resume;
};

/*
 * Load the configuration for the repository at root (may be NULL): the
 * defaults of options_table (options.c), then
 * $XDG_CONFIG_HOME/agentos/config.json, then root/.agentos/config.json, then
 * the environment (AGENTOS_PROVIDER, AGENTOS_MODEL; the provider's key and
 * URL variables in config_finish()).  Flags are applied by the caller
 * afterwards with config_set().  A malformed file is an error naming the
 * file and line; unknown keys and bad values are kept as problems for
 * options_report() (options.h).
 */
int	 config_load(struct config *cfg, const char *root, char **cause);
/*
 * The defaults, then the JSON object text as if it were the project's
 * file named "config" (for tests).  Release with config_release().
 */
int	 config_load_string(struct config *cfg, const char *json,
	    char **cause);
/*
 * Set option name (a dotted key of options_table) to value, from the
 * command line; 0 or -1 with cause.
 */
int	 config_set(struct config *cfg, const char *name, const char *value,
	    char **cause);
/*
 * Fill what depends on the provider: its key and URL variables
 * (ANTHROPIC_API_KEY, ANTHROPIC_BASE_URL, OPENAI_API_KEY, OPENAI_BASE_URL)
 * over the files but not over flags, and the default model.
 */
void	 config_finish(struct config *cfg);
void	 config_release(struct config *cfg);
/* Nonzero when a key or a base URL is set (a request can be tried). */
int	 config_provider_configured(const struct config *cfg);
/* What to tell a user who has not configured a provider (static text). */
const char *config_provider_help(void);
const char *perm_mode_name(enum perm_mode m);
int	 perm_mode_from_name(const char *name, enum perm_mode *m);

/* ------------------------------------------------------------------------ */
/* http.c: HTTP requests on libcurl's multi interface inside the loop */

struct http_req;

/* One header of a response: the name is lower-cased. */
struct http_header {
	char	*name;
	char	*value;
};

struct http_response_info {
	long			 status;	/* 0 when no response */
	int			 curl_code;	/* CURLcode; 0 on success */
	const char		*error;		/* curl's message, or NULL */
	const struct http_header *headers;
	size_t			 nheaders;
};

struct http_cb {
	/* Headers complete (status known); may be NULL. */
	void	(*headers)(void *arg, const struct http_response_info *);
	/* Body bytes as they arrive; return -1 to abort the transfer. */
	int	(*data)(void *arg, const char *data, size_t len);
	/* The transfer ended (never after http_cancel()). */
	void	(*done)(void *arg, const struct http_response_info *);
};

/*
 * POST body (len bytes, copied) to url with the given "Name: value" headers.
 * Callbacks run from the loop.  Returns NULL with cause if the request could
 * not be started.  The request frees itself after done.
 */
struct http_req *http_post(const char *url, const char *const *headers,
	    size_t nheaders, const char *body, size_t len,
	    const struct http_cb *cb, void *arg, char **cause);
/* Abort a request at once; no callback runs after this. */
void	 http_cancel(struct http_req *req);
/* Look a header up by lower-case name; NULL if absent. */
const char *http_header_get(const struct http_response_info *info,
	    const char *name);
/*
 * Process-wide set-up and tear-down (once each, in main).  libcurl itself
 * is initialised lazily by the first request, so runs that never reach a
 * provider never load TLS state.
 */
void	 http_global_init(void);
void	 http_global_free(void);

/* ------------------------------------------------------------------------ */
/* provider.c: provider table, model calls with retries */

struct sse_event;

/* Parameters of one model request. */
struct model_request {
	const char		*model;
	const char		*system;	/* system prompt */
	const struct conv	*conv;
	json_t			*tools;		/* array of {name, description,
						   input_schema}; borrowed */
	int			 max_tokens;
	int			 thinking_budget; /* 0: off */
};

/* A request as it goes on the wire. */
struct provider_http {
	char	*url;
	char	**headers;		/* "Name: value" */
	size_t	 nheaders;
	char	*body;			/* JSON */
	size_t	 len;
};
void	 provider_http_release(struct provider_http *ph);

/* A model response as it is decoded. */
struct response {
	struct message	 msg;		/* completed blocks only */
	enum stop_reason stop;
	char		*stop_raw;	/* the provider's own word */
	struct usage	 usage;
	char		*id;
	char		*model;
	int		 complete;	/* the stream ended properly */
	char		*error_type;	/* a mid-stream error */
	char		*error_message;
	uint64_t	 first_token_ms; /* latency to first delta */
};
void	 response_init(struct response *r);
void	 response_release(struct response *r);

/* What a decoder reports while a response streams. */
struct stream_cb {
	void	(*text_delta)(void *arg, const char *text, size_t len);
	void	(*thinking_delta)(void *arg, const char *text, size_t len);
	/* A tool use began streaming (its input is not known yet). */
	void	(*tool_use_start)(void *arg, const char *id, const char *name);
};

struct provider_entry {
	const char	*name;			/* "anthropic", "openai" */
	const char	*default_model;
	const char	*default_base_url;
	const char	*key_env;		/* "ANTHROPIC_API_KEY" */
	const char	*base_url_env;		/* "ANTHROPIC_BASE_URL" */
	/* Build the HTTP request; 0 or -1 with cause. */
	int	(*build)(const struct config *, const struct model_request *,
		    struct provider_http *, char **cause);
	/* Decoder state for one response, reporting to cb. */
	void	*(*decoder_create)(struct response *, const struct stream_cb *,
		    void *arg);
	/* Feed one SSE event; -1 with cause on a protocol error. */
	int	(*decoder_event)(void *dec, const struct sse_event *ev,
		    char **cause);
	/* The stream ended: finish or discard partial blocks. */
	void	(*decoder_end)(void *dec);
	void	(*decoder_free)(void *dec);
	/*
	 * Parse an HTTP error body into type and message (both allocated, the
	 * caller frees); returns -1 if the body is not the provider's shape.
	 */
	int	(*parse_error)(const char *body, size_t len, char **type,
		    char **message);
};

/*
 * Tool-use input that is not a JSON object (a model or stream fault) is not
 * dropped: the call is kept with input {"__invalid_json": "<raw text>"}, so
 * the agent can answer the model with an error result naming the problem.
 * An empty input ("") means {}.
 */
#define PROVIDER_INVALID_JSON	"__invalid_json"

extern const struct provider_entry *provider_table[];
/* Look a provider up by name; NULL if unknown. */
const struct provider_entry *provider_find(const char *name);

/*
 * The retry decision for a failed attempt (SDK policy, see PROTOCOLS.md):
 * returns the delay in ms before the next attempt, or -1 not to retry.
 * status is 0 for a connection error; headers may be NULL; attempt counts
 * from 0; error_type is the parsed error type or NULL.
 */
long	 provider_retry_delay(long status, const struct http_response_info *,
	    const char *error_type, int attempt, int max_retries);

struct model_call;
struct model_call_cb {
	struct stream_cb stream;
	/* A retry is scheduled after delay_ms; reason is for the user. */
	void	(*retry)(void *arg, int attempt, long delay_ms,
		    const char *reason);
	/*
	 * The call ended.  On success resp is complete and error NULL; on
	 * failure error says why (the provider's message when it gave one)
	 * and resp holds nothing the caller may add to the conversation.
	 * resp is borrowed for the duration of the callback.
	 */
	void	(*done)(void *arg, struct response *resp, const char *error);
};

/*
 * Start a streaming model call with retries.  req and cfg are read before
 * this returns (the body is built at once).  NULL with cause if the
 * request cannot be built.  The call frees itself after done.
 */
struct model_call *model_call_start(const struct config *cfg,
	    const struct model_request *req, const struct model_call_cb *cb,
	    void *arg, char **cause);
/* Cancel at once; done is not called. */
void	 model_call_cancel(struct model_call *mc);
/* The request body of the call (for the session log); borrowed. */
const char *model_call_body(struct model_call *mc);

/* provider-anthropic.c: Anthropic Messages API (docs.anthropic.com/en/api) */
extern const struct provider_entry provider_anthropic;
/* Request body for req as JSON (exposed for tests); the caller frees. */
json_t	*provider_anthropic_body(const struct config *,
	    const struct model_request *);

/* provider-openai.c: OpenAI Chat Completions and compatible servers */
extern const struct provider_entry provider_openai;
json_t	*provider_openai_body(const struct config *,
	    const struct model_request *);

/* ------------------------------------------------------------------------ */
/* path.c: paths confined to the repository */

/*
 * Resolve path (relative to root, or absolute) to a path inside root,
 * following symlinks of existing components; a path outside root, or one a
 * symlink leads out of, is refused.  *out is the canonical absolute path
 * and *rel the path relative to root (both allocated).  The final component
 * may not exist (for writes).  0 or -1 with cause.
 */
int	 path_resolve(const char *root, const char *path, char **out,
	    char **rel, char **cause);
/*
 * As path_resolve(), for a file a tool is about to write: also refuses the
 * repository root itself and anything inside a .git directory (the
 * repository's own or a submodule's), so no tool can rewrite git internals
 * (hooks, config, refs).  Reading them is allowed.
 */
int	 path_resolve_write(const char *root, const char *path, char **out,
	    char **rel, char **cause);

/* ------------------------------------------------------------------------ */
/* tool.c: the tool table and tool calls */

#define TOOL_READONLY	0x1	/* never changes the worktree */
#define TOOL_EDIT	0x2	/* edits files: approval shows a diff */
#define TOOL_EXEC	0x4	/* runs a command: approval shows it */
#define TOOL_LSP	0x8	/* needs a language server: offered only
				   where one serves the repository */

/* Caps on what a tool result gives the model (bytes). */
#define TOOL_OUTPUT_MAX		(30 * 1024)
#define TOOL_READ_MAX_LINES	2000
#define TOOL_LINE_MAX		2000

/* What tools may use; owned by the agent. */
struct repo;
struct tool_ctx {
	const char		*root;		/* repository root, absolute */
	struct repomodel	*repomodel;	/* may be NULL */
	struct lsp_manager	*lsp;		/* may be NULL */
	const struct config	*cfg;
	struct repo		*repo;		/* the workspace's (repo.h);
						   NULL: tools open one */
};

/*
 * What one tool call does to the world, as its tool declares it from the
 * call's input.  The stages a call goes through (policy, approval,
 * snapshot, language servers) and the UI reason on effects only, never on
 * a tool's input fields or on which tool it is.  A tool that declares
 * nothing (an MCP tool) has EFFECT_UNKNOWN: it is treated as mutating and
 * networked.
 */
#define EFFECT_MUTATES	0x01	/* may change the worktree: snapshot first */
#define EFFECT_EDIT	0x02	/* changes the files in writes in a way a
				   preview diff shows */
#define EFFECT_EXEC	0x04	/* runs command (a shell command line) */
#define EFFECT_NETWORK	0x08	/* may reach the network */
#define EFFECT_LSP	0x10	/* talks to a language server, which it may
				   start */
#define EFFECT_UNKNOWN	0x20	/* not declared: MUTATES | NETWORK are set
				   too */

struct tool_effects {
	int		 flags;		/* EFFECT_* */
	char		**reads;	/* files whose contents it reads, as the
					   model named them (relative or
					   absolute) */
	size_t		 nreads, areads;
	char		**scopes;	/* files or folders it searches */
	size_t		 nscopes, ascopes;
	char		**writes;	/* files it writes (at least these) */
	size_t		 nwrites, awrites;
	char		*command;	/* EFFECT_EXEC: the command line */
};
void	 tool_effects_init(struct tool_effects *fx);
void	 tool_effects_release(struct tool_effects *fx);
/* Add a copy of path to fx's reads, scopes or writes; NULL is ignored. */
void	 tool_effects_read(struct tool_effects *fx, const char *path);
void	 tool_effects_scope(struct tool_effects *fx, const char *path);
void	 tool_effects_write(struct tool_effects *fx, const char *path);
/*
 * Fill fx (released or fresh) with what a call of te with input (borrowed)
 * would do: te's own declaration, completed (EDIT implies MUTATES, UNKNOWN
 * implies MUTATES and NETWORK); te NULL (no such tool) or a tool without a
 * declaration that is not TOOL_READONLY: EFFECT_UNKNOWN.
 */
void	 tool_effects_declare(const struct tool_entry *te, json_t *input,
	    struct tool_effects *fx);
/* Nonzero when fx may change anything (the worktree or the world). */
int	 tool_effects_mutates(const struct tool_effects *fx);

struct tool_entry {
	const char	*name;
	const char	*description;	/* for the model: short and exact */
	const char	*schema;	/* JSON Schema of the input (text) */
	int		 flags;		/* TOOL_* */
	/*
	 * Declare what a call with input (borrowed; an object, possibly
	 * missing fields: it is validated later) would do into fx
	 * (initialised by the caller, flags 0).  NULL: a TOOL_READONLY tool
	 * has no effects, any other EFFECT_UNKNOWN.
	 */
	void	(*effects)(json_t *input, struct tool_effects *fx);
	/*
	 * For tools that need approval: describe what the call would do
	 * (a unified diff for edits, the command for bash) into preview.
	 * Returns -1 with cause when the call cannot succeed (no match,
	 * bad path): the cause becomes the error result without asking.
	 * May be NULL.
	 */
	int	(*preview)(struct tool_ctx *, json_t *input, struct buf *preview,
		    char **cause);
	/*
	 * Run the call.  Returns 0 when the result is final (in tc->result,
	 * tc->is_error), or 1 when it will finish later from the loop by
	 * calling tool_call_finish(tc).
	 */
	int	(*run)(struct tool_call *tc);
	/* Stop a pending call at once; it then finishes as cancelled. */
	void	(*cancel)(struct tool_call *tc);
};

struct tool_call {
	const struct tool_entry	*tool;		/* NULL: unknown tool */
	char			*id;
	char			*name;
	json_t			*input;		/* one reference owned */
	struct tool_ctx		*ctx;
	struct tool_effects	 effects;	/* declared at creation */
	struct buf		 result;	/* for the model */
	int			 is_error;
	int			 cancelled;
	/* For the session log and the UI. */
	int			 exit_status;	/* bash: -1 if none */
	uint64_t		 started_ms, duration_ms;
	char			*snapshot_id;	/* taken before it ran */
	char			**paths;	/* files it wrote (relative) */
	size_t			 npaths, apaths;
	void			*priv;		/* the tool's own state */
	/* Set by the caller: called by tool_call_finish(). */
	void			(*done)(struct tool_call *tc, void *arg);
	void			*done_arg;
	/*
	 * Optional, set by the caller: output of a running command as it
	 * arrives (raw bytes, for display only; bash calls it).
	 */
	void			(*output)(struct tool_call *tc, const char *data,
				    size_t len, void *arg);
	void			*output_arg;
	int			 pending;	/* started, not finished */
};

extern const struct tool_entry *tool_table[];
/* Look a tool up by name; NULL if unknown. */
const struct tool_entry *tool_find(const char *name);
/*
 * The tool definitions for the model, as a JSON array of {name, description,
 * input_schema}; mode PERM_PLAN leaves out tools that are not read-only.
 * The caller owns the reference.
 */
json_t	*tool_definitions(enum perm_mode mode);
/* As tool_definitions(), leaving out tools with any of the flags omit. */
json_t	*tool_definitions_omit(enum perm_mode mode, int omit);
/*
 * A call of tool name with input (a new reference is taken; NULL: {}); its
 * effects are declared at once (tool_effects() of the tool, or
 * EFFECT_UNKNOWN for a tool that is not found).  ctx is borrowed.
 */
struct tool_call *tool_call_create(const char *id, const char *name,
	    json_t *input, struct tool_ctx *ctx);
/*
 * Check input against te's schema, minimally: an object, the required
 * fields present, the known fields of their declared type.  0, or -1 with
 * cause saying what is wrong (for the model).
 */
int	 tool_validate(const struct tool_entry *te, json_t *input,
	    char **cause);
/*
 * Whether tc can run at all: its tool exists (else the cause names the
 * tools there are) and its input fits the schema.  0, or -1 with cause.
 */
int	 tool_call_check(const struct tool_call *tc, char **cause);
void	 tool_call_free(struct tool_call *tc);
/*
 * Start tc (sets started_ms); calls tc->done when finished.  An unknown
 * tool or an input that does not fit the tool's schema (a required field
 * missing, a field of the wrong type) finishes at once with an error result.
 * A synchronous tool calls done before tool_call_start() returns; an
 * asynchronous one (bash, grep) calls it later from the loop.
 */
void	 tool_call_start(struct tool_call *tc);
/*
 * Finish a call: from its tool when it is pending (sets duration_ms), or
 * from the caller for a call it decided not to run, after setting its
 * result.  Clears pending and calls done, once per call: calling it twice
 * calls done twice.
 */
void	 tool_call_finish(struct tool_call *tc);
/*
 * Cancel a running call: it finishes at once (done is called before this
 * returns) with a cancelled result.  A call that is not running is only
 * marked cancelled, with a result saying it did not run; done is not called.
 */
void	 tool_call_cancel(struct tool_call *tc);
/* Record that tc wrote path (relative to root). */
void	 tool_call_add_path(struct tool_call *tc, const char *rel);
/* A one-line summary of a call for the transcript; the caller frees. */
char	*tool_call_summary(const struct tool_call *tc);
/*
 * Set the result to text, capped at TOOL_OUTPUT_MAX keeping head and tail
 * and stating the cap when hit (result.truncated is then set).  Invalid
 * UTF-8 and NUL bytes become U+FFFD.
 */
void	 tool_result_set(struct tool_call *tc, const char *text, size_t len,
	    int is_error);
void	 tool_result_setf(struct tool_call *tc, int is_error,
	    const char *fmt, ...) __attribute__((format(printf, 3, 4)));
/*
 * Replace invalid UTF-8 sequences and NUL bytes in data (len bytes) by
 * U+FFFD, appending the result to out, so it is valid in JSON.
 */
void	 tool_utf8_sanitize(struct buf *out, const char *data, size_t len);

/*
 * A head+tail collector for output of unknown size: keeps the first and the
 * last bytes in memory (together at most max bytes, marker included) and
 * counts what falls between, so a command that prints forever never grows
 * memory.  tool_cap_finish() writes head, a marker stating exactly what was
 * cut ("[... 12345 bytes (321 lines) omitted; output capped at 30720 bytes
 * ...]", lines counted as newline characters), and tail; cuts fall on line
 * ends where one is near.
 */
struct tool_cap {
	size_t		 max;		/* bytes, marker included */
	struct buf	 head;
	char		*ring;		/* the last ringsize bytes */
	size_t		 ringsize, ringlen, ringpos;
	uint64_t	 total;		/* bytes added */
	uint64_t	 dropped, dropped_lines; /* fell out of the ring */
};
void	 tool_cap_init(struct tool_cap *cap, size_t max);
void	 tool_cap_add(struct tool_cap *cap, const char *data, size_t len);
/* Append the collected text to out; *omitted gets the bytes cut (or 0). */
void	 tool_cap_finish(struct tool_cap *cap, struct buf *out,
	    uint64_t *omitted);
void	 tool_cap_release(struct tool_cap *cap);

/* tool-read.c, tool-write.c, tool-edit.c, tool-glob.c, tool-grep.c,
   tool-bash.c: one tool each */
extern const struct tool_entry tool_read_file;
extern const struct tool_entry tool_write_file;
extern const struct tool_entry tool_edit_file;
extern const struct tool_entry tool_glob;
extern const struct tool_entry tool_grep;
extern const struct tool_entry tool_bash;

/*
 * Exact-match replacement used by edit_file (exposed for tests): replace
 * old_s by new_s in text.  Without replace_all, old_s must occur exactly
 * once.  Returns the new text (caller frees), or NULL with cause naming the
 * count of matches found.
 */
char	*tool_edit_apply(const char *text, size_t len, const char *old_s,
	    const char *new_s, int replace_all, size_t *newlen, char **cause);

/*
 * Write len bytes of data to path atomically: a temporary file in the same
 * directory, fsync, rename over path, fsync of the directory.  Missing
 * parent directories are created; the mode of an existing file is kept (a
 * new file gets 0666 less the umask).  0 or -1 with cause.
 */
int	 tool_write_atomic(const char *path, const char *data, size_t len,
	    char **cause);
/*
 * Read the whole regular file path into out, refusing files over max bytes
 * (0: no cap).  Sets *exists to 0 when the file does not exist (that is
 * not an error).  0 or -1 with cause.
 */
int	 tool_read_whole(const char *path, size_t max, struct buf *out,
	    int *exists, char **cause);

/*
 * The files glob and grep search: repo_list's regular files (see repo.h for
 * the policy: tracked, untracked not ignored by .gitignore, less
 * .agentosignore; symlinks and special files left out), paths relative to
 * the root, sorted.  tool_files_list opens the repository at root for the
 * call; tool_files uses ctx->repo, or opens one when it is NULL.  Free with
 * tool_files_free.  0 or -1 with cause (not a git repository).
 */
int	 tool_files_list(const char *root, char ***files, size_t *n,
	    char **cause);
int	 tool_files(struct tool_ctx *ctx, char ***files, size_t *n,
	    char **cause);
void	 tool_files_free(char **files, size_t n);
/*
 * Match path (relative, '/'-separated) against a glob pattern: fnmatch(3)
 * with FNM_PATHNAME per component, a "**" component matching zero or more
 * components, and {a,b} alternatives.  Nonzero on a match.
 */
int	 tool_glob_match(const char *pattern, const char *path);

/* ------------------------------------------------------------------------ */
/* job.c: child processes in their own process group */

struct job;
struct job_cb {
	/* Output bytes (stdout and stderr merged) as they arrive. */
	void	(*output)(void *arg, const char *data, size_t len);
	/* The job ended: status as from waitpid, or -1 when it was killed
	   for its timeout or cancelled. */
	void	(*exited)(void *arg, int status, int timed_out);
};
/*
 * Run "/bin/sh -c command" in cwd, in a new session and process group, with
 * stdin from /dev/null, PAGER and GIT_PAGER set to cat, and SIGKILL as its
 * parent-death signal.  timeout_ms 0 means none; on timeout the whole group
 * gets SIGTERM, then SIGKILL after JOB_KILL_GRACE_MS.  The job ends when the
 * shell has exited and its output pipe is closed, or JOB_DRAIN_MS after the
 * shell exited if background processes keep the pipe open; processes left
 * in the group are then killed.  Callbacks run from the loop; the loop is
 * never blocked.  NULL with cause if it cannot start.
 */
#define JOB_KILL_GRACE_MS	2000
#define JOB_DRAIN_MS		200
struct job *job_start(const char *command, const char *cwd,
	    unsigned int timeout_ms, const struct job_cb *cb, void *arg,
	    char **cause);
/*
 * Kill the job's process group with SIGKILL.  exited is called once, with
 * status -1 and timed_out 0, before job_kill() returns (unless it was
 * called already); no callback runs after.  The job reaps its child and
 * frees itself later.
 */
void	 job_kill(struct job *j);
/*
 * At exit: kill every job's process group that is still running (its
 * exited callback is not called), reap them all and free what is left.
 */
void	 job_shutdown(void);

/* ------------------------------------------------------------------------ */
/* diff.c: unified diffs computed by libgit2 */

/*
 * Append to out the unified diff (3 lines of context, with @@ hunk headers)
 * between old and new contents of path; old NULL means a new file, new
 * NULL a deletion.  The header is git's ("diff --git a/P b/P", "--- a/P",
 * "+++ b/P", /dev/null for a missing side) without the index line.  Binary
 * contents (a NUL byte, as git decides) give one "Binary files a/P and b/P
 * differ" line; identical contents append nothing.  The number of lines
 * added and removed goes in *added and *removed (either may be NULL).
 * 0, or -1 with cause when libgit2 fails.
 */
int	 diff_buffers(const char *path, const char *old, size_t oldlen,
	    const char *new, size_t newlen, struct buf *out, int *added,
	    int *removed, char **cause);

/* ------------------------------------------------------------------------ */
/* perm.c: the approval policy */

enum perm_decision {
	PERM_ALLOW,
	PERM_DENY,			/* not allowed in this mode */
	PERM_ASK_USER,
};

enum approval {
	APPROVE_ONCE,			/* y */
	APPROVE_ALWAYS,			/* a: this tool, or this command
					   prefix, for the session */
	APPROVE_REJECT,			/* n: with a note for the model */
};

struct perm;
struct perm *perm_create(enum perm_mode mode);
void	 perm_free(struct perm *p);
enum perm_mode perm_get_mode(struct perm *p);
void	 perm_set_mode(struct perm *p, enum perm_mode mode);
/* The next mode in Shift-Tab order. */
enum perm_mode perm_next_mode(enum perm_mode mode);
/*
 * Decide whether a call of tool name with effects fx (both borrowed) may
 * run without asking: calls that change nothing always may; the mode
 * decides the rest, then the answers remembered by perm_allow_always().
 * With PERM_DENY, *why (when why is not NULL) says why, for the model.
 */
enum perm_decision perm_check(struct perm *p, const char *name,
	    const struct tool_effects *fx, char **why);
/*
 * Remember an APPROVE_ALWAYS answer: for a command (EFFECT_EXEC) its
 * prefix, or the exact command when it is compound; else the tool name.
 */
void	 perm_allow_always(struct perm *p, const char *name,
	    const struct tool_effects *fx);
/* The command prefix "a" approves for a bash command; caller frees. */
char	*perm_command_prefix(const char *command);
/*
 * Nonzero when "a" approves only this exact bash command, not a prefix: a
 * compound command (; && | ` $( redirections, assignments), which
 * perm_command_prefix() does not generalise.
 */
int	 perm_command_exact(const char *command);

/* ------------------------------------------------------------------------ */
/* snapshot.h, session.h, repomodel.h, lsp.h: the engines, each in its own
   header */


/* ------------------------------------------------------------------------ */
/* context-system.c: the system prompt (the context manager's first part) */

/*
 * The system prompt for the repository at root: how to work, the project
 * instructions (AGENTS.md, or CLAUDE.md where there is none, from root down
 * to cwd), and the repository map when rm is not NULL.  Caller frees.
 */
char	*context_system(const char *root, const char *cwd,
	    struct repomodel *rm, const struct config *cfg);

/* ------------------------------------------------------------------------ */
/* agent.c: the turn state machine */

/* What the agent tells its front end (the TUI or headless output). */
struct agent_ui {
	/* Streaming text and thinking of the assistant. */
	void	(*text_delta)(void *arg, const char *text, size_t len);
	void	(*thinking_delta)(void *arg, const char *text, size_t len);
	/* An assistant message is complete. */
	void	(*assistant_done)(void *arg, const struct message *m,
		    const struct usage *u);
	/*
	 * A tool call waits for the user: preview is the diff or command.
	 * The front end answers later with agent_decide().
	 */
	void	(*approval)(void *arg, struct tool_call *tc,
		    const char *preview);
	void	(*tool_started)(void *arg, struct tool_call *tc);
	/* Output of a running command as it arrives (for display only). */
	void	(*tool_output)(void *arg, struct tool_call *tc,
		    const char *data, size_t len);
	void	(*tool_finished)(void *arg, struct tool_call *tc);
	/* A snapshot was taken before a mutating action. */
	void	(*snapshot)(void *arg, const char *id, const char *action);
	/* Informational line: retries, cancellations, restores. */
	void	(*notice)(void *arg, const char *text);
	/*
	 * Background work (what: "indexing") has done of total items; total
	 * 0 means it finished.  May be NULL.
	 */
	void	(*progress)(void *arg, const char *what, size_t done,
		    size_t total);
	/*
	 * The streamed text and thinking since the last assistant_done are
	 * void (the attempt failed and is retried): the front end drops them.
	 */
	void	(*stream_reset)(void *arg);
	/*
	 * Every event as the session log records it (type and JSON payload,
	 * borrowed; see event.h and agentos(1), EVENT SCHEMA): stream-json
	 * output prints them.  May be NULL.
	 */
	void	(*event)(void *arg, enum event_type type, json_t *data);
	/* The turn ended: the model stopped, or error says why not. */
	void	(*turn_done)(void *arg, enum stop_reason stop,
		    const char *error);
};

struct agent_stats {
	int		turns;		/* user turns */
	int		requests;	/* model requests */
	struct usage	usage;		/* summed over responses */
	uint64_t	started_ms;
};

/*
 * Create the agent for the repository at root with cfg (borrowed; must
 * outlive the agent).  headless: approval is never asked, anything that
 * would ask is refused with a clear tool result.  NULL with cause when the
 * repository cannot be opened.
 */
struct agent *agent_create(const char *root, const char *cwd,
	    struct config *cfg, int headless, const struct agent_ui *ui,
	    void *arg, char **cause);
void	 agent_free(struct agent *a);
/* Submit a user message; starts a turn.  -1 with cause when busy. */
int	 agent_submit(struct agent *a, const char *text, char **cause);
/* Answer an approval; note (may be NULL) goes to the model on reject. */
void	 agent_decide(struct agent *a, struct tool_call *tc,
	    enum approval ans, const char *note);
/* Cancel the in-flight request or running tools at once. */
void	 agent_cancel(struct agent *a);
/* Nonzero while a turn runs. */
int	 agent_busy(struct agent *a);
/*
 * Restore the files to snapshot id (an id from the list or a commit id), or
 * with id NULL to the snapshot before the last agent change (again: one
 * further back).  A snapshot of the present state is taken first, so the
 * restore itself can be undone.  Without SNAPSHOT_RESTORE_FORCE in flags it
 * refuses (-1, cause names them) when files it would overwrite were changed
 * by hand since the agent's last action: ask the user, then force.  *msg
 * says what was done (caller frees).
 */
int	 agent_rewind(struct agent *a, const char *id, int flags, char **msg,
	    char **cause);
/* agent_rewind(a, NULL, 0, msg, cause). */
int	 agent_rewind_last(struct agent *a, char **msg, char **cause);
/* agent_rewind(a, id, 0, ...) without the message. */
int	 agent_rewind_to(struct agent *a, const char *id, char **cause);
struct perm *agent_perm(struct agent *a);
/*
 * The workspace the agent works in (workspace.h): its session log,
 * snapshot store, repository model and language servers; borrowed.
 */
struct workspace *agent_workspace(struct agent *a);
const struct agent_stats *agent_stats(struct agent *a);
const struct conv *agent_conv(struct agent *a);
/* The id of the session (workspace_session_id()); borrowed. */
const char *agent_session_id(struct agent *a);
/*
 * The session log the agent records into (NULL when it could not be
 * opened; the agent then runs unrecorded and says so once).  With
 * cfg->resume set, agent_create() reopens that session and rebuilds the
 * conversation with session_load(); agent_resumed() then says whether the
 * last turn was cut short (the model must be called again: agent_continue()
 * or the next agent_submit(), whose text joins the pending user message).
 */
struct session *agent_session(struct agent *a);
int	 agent_resumed(struct agent *a, int *interrupted);
/* Call the model again for a conversation that ends on a user message
   (a resumed, interrupted turn).  -1 with cause when busy or nothing to do. */
int	 agent_continue(struct agent *a, char **cause);
/*
 * Go on in a new session forked from this one (/fork, or rewinding the
 * conversation): with turn 0 the whole conversation is kept, with turn
 * k > 0 the conversation before the k-th prompt (so that prompt and all
 * after it are left out).  The original session stays as it was; files
 * are not touched (rewind them with the snapshots); the snapshots taken
 * before the fork stay in the parent session.  -1 with cause when busy,
 * unrecorded or turn is out of range.
 */
int	 agent_fork(struct agent *a, int turn, char **cause);
/*
 * Go on in another session (/resume, /clear): with id NULL a new, empty
 * one; else session id (or a unique prefix of one; "" the most recent),
 * whose conversation is rebuilt as for cfg->resume, so agent_resumed()
 * then says whether its last turn was cut short.  The snapshot store is
 * reopened under the new id; files are not touched; the permission mode
 * and the approvals given stay.  -1 with cause when busy, or when the
 * session cannot be opened or is this one (the agent goes on as it was).
 */
int	 agent_switch(struct agent *a, const char *id, char **cause);
/* Change the permission mode (also re-offers the tools for plan mode). */
void	 agent_set_mode(struct agent *a, enum perm_mode mode);
/*
 * Replace how the agent starts, cancels and logs model calls (same
 * contract as model_call_start, model_call_cancel and model_call_body):
 * deterministic replay and tests serve recorded responses this way.  NULL
 * restores the defaults.
 */
typedef struct model_call *(*agent_call_start_fn)(const struct config *,
	    const struct model_request *, const struct model_call_cb *,
	    void *, char **);
typedef void (*agent_call_cancel_fn)(struct model_call *);
typedef const char *(*agent_call_body_fn)(struct model_call *);
void	 agent_set_model_hooks(struct agent *a, agent_call_start_fn start,
	    agent_call_cancel_fn cancel, agent_call_body_fn body);

/* ------------------------------------------------------------------------ */
/* headless.c: -p runs with text, json or stream-json output */

/*
 * Run prompt to completion with no terminal, printing in format fmt to
 * stdout (see agentos(1), HEADLESS OUTPUT); returns the exit status: 0
 * when the model ended its turn, 1 on failure.
 */
int	 headless_run(const char *root, const char *cwd, struct config *cfg,
	    const char *prompt, enum output_format fmt);

/* ------------------------------------------------------------------------ */
/* ui.c, view-*.c, prompt.c, status.c, theme.c, render-md.c: the TUI */

/*
 * Run the interactive TUI until the user quits; returns the exit status.
 * Owns the terminal while it runs (curses on stdout, input read from fd 0
 * on the loop); on return the terminal is restored and one line on stderr
 * names the session's snapshots and how to rewind them.  With cfg->resume
 * set the resumed conversation is shown first (an interrupted turn goes
 * on); with UI_PICK_SESSION in flags (-r without an id) a session picker
 * comes first, whose Esc starts a new session.
 */
#define UI_PICK_SESSION	0x1
int	 ui_run(const char *root, const char *cwd, struct config *cfg,
	    int flags);
/*
 * End curses at once if it owns the terminal (safe to call any time, also
 * from the fatal path): after it, stdout and stderr may be written.
 */
void	 ui_suspend_for_fatal(void);

/* utf8.c (utf8.h): UTF-8 for the views */
#include "utf8.h"

/* render-md.c: styled lines, and markdown rendered into them (md4c) */

/* Theme elements: a line's spans name one each (see themes/ *.theme). */
enum elem {
	EL_TEXT, EL_USER, EL_ASSISTANT, EL_THINKING, EL_TOOL, EL_TOOL_ERROR,
	EL_DIFF_ADD, EL_DIFF_DEL, EL_DIFF_HUNK, EL_DIFF_META, EL_STATUS,
	EL_STATUS_MODE, EL_NOTICE, EL_ERROR, EL_CODE, EL_HEADING, EL_PROMPT,
	EL_SELECTION, EL_LINE_NUMBER, EL_LINK, EL_QUOTE, EL_BORDER,
	EL_COUNT
};

/* Attributes added to an element's own (span attr bits). */
#define SA_BOLD		0x01
#define SA_ITALIC	0x02
#define SA_UNDERLINE	0x04
#define SA_DIM		0x08
#define SA_REVERSE	0x10

/* A run of bytes of a line drawn as one element with extra attributes. */
struct span {
	uint32_t	off, len;	/* bytes into the line's text */
	uint8_t		elem;		/* enum elem */
	uint8_t		attr;		/* SA_* */
};

/*
 * One screen line: UTF-8 text with no control characters (tabs expanded),
 * covered by spans in order, width columns wide.
 */
struct sline {
	struct buf	 text;
	struct span	*spans;
	size_t		 nspans, aspans;
	int		 width;		/* columns */
};

struct slines {
	struct sline	*v;
	size_t		 nr, alloc;
};

void	 slines_init(struct slines *sl);
void	 slines_release(struct slines *sl);
/* Append an empty line; the pointer is valid until the next add. */
struct sline *slines_add(struct slines *sl);
/*
 * Append len bytes of s to line l drawn as elem with attr (control
 * characters become U+2400 pictures, tabs spaces to the next multiple of 8).
 */
void	 sline_add(struct sline *l, const char *s, size_t len, int elem,
	    int attr);
/*
 * Wrap plain text (len bytes) into lines at most width columns wide,
 * breaking at spaces where possible (anywhere in a word longer than a
 * line, and after wide characters), one or more lines per '\n'-separated
 * line, each starting with prefix (may be NULL) drawn as prefix_elem.
 */
void	 render_plain(struct slines *out, const char *s, size_t len, int width,
	    int elem, int attr, const char *prefix, int prefix_elem);
/*
 * Render markdown (CommonMark with GitHub tables and strikethrough) into
 * lines at most width (at least 2) columns wide, but for prefixes of deep
 * nesting at tiny widths: headings, emphasis, inline code, code blocks,
 * block quotes, nested lists, rules, links and tables.  base_elem colours
 * plain text.  Incomplete markdown (a reply still streaming)
 * renders as far as it goes.
 */
void	 render_md(struct slines *out, const char *md, size_t len, int width,
	    int base_elem);
/*
 * Render a unified diff (len bytes) with old/new line numbers in a gutter,
 * additions and deletions coloured; long lines wrap at width.
 */
void	 render_diff(struct slines *out, const char *diff, size_t len,
	    int width);

/* prompt.c: the input editor (a model without curses, for tests) */

struct prompt;
/* A wrapped row of the editor: bytes [off, off + len) of the text. */
struct prompt_row {
	size_t	off, len;
};
struct prompt_layout {
	struct prompt_row	*rows;
	size_t			 nrows, arows;
	size_t			 cursor_row;	/* row of the caret */
	int			 cursor_col;	/* column of the caret */
};

struct prompt *prompt_create(void);
void	 prompt_free(struct prompt *p);
/* The raw text being edited (placeholders unexpanded); borrowed. */
const char *prompt_buffer(struct prompt *p, size_t *len);
/* The caret as a byte offset into prompt_buffer(). */
size_t	 prompt_caret(struct prompt *p);
int	 prompt_empty(struct prompt *p);
/* Replace the text (caret at the end) and forget pastes. */
void	 prompt_set(struct prompt *p, const char *text);
void	 prompt_clear(struct prompt *p);
/* Insert len bytes of UTF-8 at the caret (invalid bytes become U+FFFD). */
void	 prompt_insert(struct prompt *p, const char *s, size_t len);
/*
 * Insert a bracketed paste: short pastes go in as typed; pastes of more
 * than PROMPT_PASTE_LINES lines or PROMPT_PASTE_BYTES bytes show as a
 * placeholder "[pasted N lines]" that prompt_text() expands.
 */
#define PROMPT_PASTE_LINES	5
#define PROMPT_PASTE_BYTES	1000
void	 prompt_paste(struct prompt *p, const char *s, size_t len);
/*
 * The text to send: the buffer with paste placeholders expanded (a
 * placeholder the user edited is sent as typed).  Caller frees.
 */
char	*prompt_text(struct prompt *p);
/* Editing at the caret; each returns 0, or -1 when nothing changed. */
int	 prompt_backspace(struct prompt *p);
int	 prompt_delete(struct prompt *p);
int	 prompt_left(struct prompt *p);
int	 prompt_right(struct prompt *p);
int	 prompt_word_left(struct prompt *p);
int	 prompt_word_right(struct prompt *p);
int	 prompt_home(struct prompt *p);		/* start of the line */
int	 prompt_end(struct prompt *p);		/* end of the line */
int	 prompt_kill_line(struct prompt *p);	/* C-k: to end of line */
int	 prompt_kill_start(struct prompt *p);	/* C-u: to start of line */
int	 prompt_kill_word(struct prompt *p);	/* C-w: word before caret */
/*
 * Move up or down one row of the layout at width columns, keeping the
 * column; -1 on the first (last) row, where the caller goes to history.
 */
int	 prompt_up(struct prompt *p, int width);
int	 prompt_down(struct prompt *p, int width);
/*
 * Wrap the text at width columns into l (rows of whole characters; a '\n'
 * ends a row) and find the caret's row and column.
 */
void	 prompt_layout(struct prompt *p, int width, struct prompt_layout *l);
void	 prompt_layout_release(struct prompt_layout *l);
/* History: add a sent text (copied); browse with prev/next (-1: none). */
void	 prompt_history_add(struct prompt *p, const char *text);
/*
 * The history file: one entry a line, a newline written as \n and a
 * backslash as \\.  prompt_history_load() adds the entries of path (a
 * missing file is empty) to the history, the newest PROMPT_HISTORY_MAX;
 * prompt_history_save() appends text to path (created mode 0600, its
 * directory too), and rewrites it with the history in memory once it holds
 * more than twice PROMPT_HISTORY_MAX entries (so add text to the history
 * first).  Each 0 or -1 with cause.
 */
#define PROMPT_HISTORY_MAX	1000
int	 prompt_history_load(struct prompt *p, const char *path,
	    char **cause);
int	 prompt_history_save(struct prompt *p, const char *path,
	    const char *text, char **cause);
/* Escape text as one line of the history file; caller frees. */
char	*prompt_history_escape(const char *text);
/* The entry of one line of the history file (len bytes); caller frees. */
char	*prompt_history_unescape(const char *line, size_t len);
int	 prompt_history_prev(struct prompt *p);
int	 prompt_history_next(struct prompt *p);

/* key.c: terminal input bytes to keys, key names, and the key table */

/*
 * A key is a Unicode code point (control keys as their C0 code: C-a is 1,
 * Enter 13, C-j 10, Tab 9, Backspace 127) or a KEYC_* value, or'd with
 * modifier bits.
 */
typedef uint32_t key_code;
#define KEYC_META	0x01000000u
#define KEYC_CTRL	0x02000000u
#define KEYC_SHIFT	0x04000000u
#define KEYC_MASK_MOD	0x0f000000u
#define KEYC_MASK_KEY	0x00ffffffu
enum {
	KEYC_BASE = 0x00200000,
	KEYC_UP, KEYC_DOWN, KEYC_LEFT, KEYC_RIGHT, KEYC_HOME, KEYC_END,
	KEYC_IC, KEYC_DC, KEYC_PPAGE, KEYC_NPAGE, KEYC_BTAB,
	KEYC_F1, KEYC_F2, KEYC_F3, KEYC_F4, KEYC_F5, KEYC_F6, KEYC_F7,
	KEYC_F8, KEYC_F9, KEYC_F10, KEYC_F11, KEYC_F12,
	KEYC_PASTE,		/* a bracketed paste (text in the event) */
	KEYC_MOUSE,		/* an SGR mouse report */
	KEYC_FOCUS_IN, KEYC_FOCUS_OUT,
	KEYC_UNKNOWN,		/* a sequence not understood: ignored */
};
#define KEYC_ESCAPE	0x1b

struct key_event {
	key_code	 key;
	/* KEYC_PASTE: the pasted bytes (borrowed until the next feed). */
	const char	*paste;
	size_t		 paste_len;
	/* KEYC_MOUSE: SGR button code (64/65 wheel), 0-based cell, press. */
	int		 mouse_b, mouse_x, mouse_y, mouse_press;
};

struct key_parser;
struct key_parser *key_parser_create(void);
void	 key_parser_free(struct key_parser *kp);
/*
 * Feed len input bytes; cb is called once per complete key, in order.
 * A lone ESC or an incomplete sequence stays pending: the caller calls
 * key_parser_flush() when no more bytes came within a short delay (ESC
 * alone is then the Escape key).  Returns nonzero while bytes are pending.
 */
int	 key_parser_feed(struct key_parser *kp, const char *data, size_t len,
	    void (*cb)(void *, const struct key_event *), void *arg);
void	 key_parser_flush(struct key_parser *kp,
	    void (*cb)(void *, const struct key_event *), void *arg);
/*
 * Parse a key name as in the config file: "M-z", "C-r", "S-Tab", "Enter",
 * "Escape", "PageUp", "F1", "a".  KEYC_UNKNOWN when not a key.
 */
key_code key_from_string(const char *s);
/* The name of key, as key_from_string() reads it; caller frees. */
char	*key_to_string(key_code key);

/*
 * Where a binding applies, like tmux's key tables: the main screen looks in
 * KEYM_GLOBAL, KEYM_MAIN, then KEYM_EDITOR; a view in its own mode, then
 * KEYM_GLOBAL.
 */
enum key_mode {
	KEYM_GLOBAL,		/* whatever view is on top */
	KEYM_MAIN,		/* the transcript of the main screen */
	KEYM_EDITOR,		/* the input editor of the main screen */
	KEYM_APPROVAL,		/* the approval panel */
	KEYM_NOTE,		/* the approval panel's rejection note */
	KEYM_TIMELINE,		/* the snapshot timeline */
	KEYM_PAGER,		/* a pager (diff, /help) */
	KEYM_PICKER,		/* the session picker */
	KEYM_COUNT
};
/* What a binding does; one action may be bound in several modes. */
enum key_action {
	KA_NONE,
	/* global */
	KA_MODE_NEXT, KA_MOUSE, KA_REDRAW, KA_CANCEL,
	/* main */
	KA_REWIND, KA_TOGGLE_TOOL, KA_TOOL_PREV, KA_TOOL_NEXT, KA_TIMELINE,
	KA_SCROLL_UP, KA_SCROLL_DOWN, KA_SCROLL_TOP, KA_SCROLL_BOTTOM,
	/* editors (the input editor, the approval note) */
	KA_ED_SEND, KA_ED_NEWLINE, KA_ED_INTERRUPT, KA_ED_QUIT, KA_ED_STOP,
	KA_ED_SUSPEND, KA_ED_COMPLETE, KA_ED_BACKSPACE, KA_ED_DELETE,
	KA_ED_LEFT, KA_ED_RIGHT, KA_ED_WORD_LEFT, KA_ED_WORD_RIGHT,
	KA_ED_HOME, KA_ED_END, KA_ED_KILL_LINE, KA_ED_KILL_START,
	KA_ED_KILL_WORD, KA_ED_UP, KA_ED_DOWN,
	/* approval */
	KA_AP_YES, KA_AP_ALWAYS, KA_AP_NOTE, KA_AP_REJECT, KA_NOTE_BACK,
	/* lists and pagers */
	KA_LINE_UP, KA_LINE_DOWN, KA_PAGE_UP, KA_PAGE_DOWN, KA_TOP, KA_BOTTOM,
	KA_CLOSE, KA_SELECT, KA_DIFF, KA_RELOAD,
};
/* The most keys one binding holds (its defaults or "keys.NAME"). */
#define KEY_BIND_MAX	4
struct key_entry {
	enum key_mode	 mode;
	const char	*name;		/* config "keys.NAME", unique */
	const char	*key;		/* default keys, space separated */
	enum key_action	 action;
	const char	*help;		/* one line: /help, the man page */
};
/* Every binding, grouped by mode, ending with a NULL name. */
extern const struct key_entry key_table[];
/* The name of mode ("editor", "pager", ...); borrowed. */
const char *key_mode_name(enum key_mode mode);
/*
 * Parse s, key names separated by spaces ("Left C-b"), into keys (room for
 * KEY_BIND_MAX).  Returns how many, 0 for "none" or an empty string, or -1
 * when a name is not a key or there are more than KEY_BIND_MAX.
 */
int	 key_parse_list(const char *s, key_code *keys);
/*
 * The names of the n keys (KEYC_UNKNOWN ones skipped), space separated as
 * key_parse_list() reads them, or "none"; caller frees.
 */
char	*key_list_string(const key_code *keys, size_t n);
/*
 * The action bound to key in mode by ui's bindings (the "keys.*" options,
 * indexed as key_table; options.h), or by key_table's defaults when ui is
 * NULL.  KA_NONE when key is bound to nothing there.
 */
struct ui_options;
enum key_action key_lookup(const struct ui_options *ui, enum key_mode mode,
	    key_code key);
/*
 * The key bound first to action in mode, named for a hint ("Esc", "PgUp",
 * arrows for Up and Down), or "none" when unbound; caller frees.
 */
char	*key_hint(const struct ui_options *ui, enum key_mode mode,
	    enum key_action action);
/* The name of key for a hint, as key_hint() spells it; caller frees. */
char	*key_hint_name(key_code key);

/*
 * ui.c: the screen manager.  The screen is the transcript, the status bar
 * and the input editor, with views stacked over them (approval, snapshot
 * timeline, pager).  Views are vtables: a key handler returns VIEW_* flags
 * and the manager decides when to draw; all drawing happens from the loop,
 * coalesced into one frame (wnoutrefresh + doupdate).
 */
#define VIEW_HANDLED	0x1	/* the key was used */
#define VIEW_REDRAW	0x2	/* the screen must be drawn again */
#define VIEW_CLOSE	0x4	/* pop this view */

struct ui;
struct view;
struct view_ops {
	const char	*name;
	int		 fullscreen;	/* covers the transcript and prompt */
	void		(*free)(struct view *);
	int		(*key)(struct view *, const struct key_event *);
	/* Draw rows x cols at row y; a caret via ui_cursor(). */
	void		(*draw)(struct view *, int y, int rows, int cols);
	/* Rows wanted at the bottom of the screen (not fullscreen). */
	int		(*height)(struct view *, int rows, int cols);
};
struct view {
	const struct view_ops	*ops;
	struct ui		*ui;
	void			*data;
};

enum tentry_type {
	TE_USER, TE_ASSISTANT, TE_THINKING, TE_TOOL, TE_NOTICE, TE_ERROR,
};
enum tentry_state {
	TS_NONE, TS_RUNNING, TS_OK, TS_ERROR,
};

/* One entry of the transcript, and its lines at the last width. */
struct tentry {
	enum tentry_type	 type;
	struct buf		 text;		/* message, markdown, summary */
	struct buf		 output;	/* tool: output, then result */
	enum tentry_state	 state;
	char			*tool_id;	/* tool: the call id */
	int			 exit_status;	/* tool: -1 if none */
	uint64_t		 duration_ms;
	int			 expanded;
	int			 provisional;	/* streamed, may be reset */
	struct slines		 lines;
	int			 lines_width;	/* 0: render again */
	int			 diag_errors;	/* edits: what the language */
	int			 diag_warnings;	/* server reports now */
};

struct ui {
	const char		*root, *cwd;
	struct config		*cfg;
	struct agent		*agent;		/* NULL if it failed */
	struct prompt		*prompt;
	struct key_parser	*kp;
	struct view		**views;
	size_t			 nviews, aviews;

	struct tentry		**entries;
	size_t			 nentries, aentries;
	struct tentry		*streaming;	/* assistant text arriving */
	struct tentry		*thinking;
	int			 scroll;	/* lines above the bottom */
	int			 page;		/* transcript rows drawn */
	long			 selected;	/* tool entry index; -1 last */

	int			 rows, cols;
	int			 mouse;		/* mouse reporting on */
	int			 quit;
	int			 ctrl_c;	/* C-c once on an empty prompt */
	key_code		 last_key;
	int			 cursor_y, cursor_x, cursor_on;
	char			*branch;
	unsigned int		 spin;
	size_t			 nsnapshots;	/* in this session */
	int			 started;	/* curses is up */
	char			*resume_id;	/* picked at start-up:
						   cfg->resume points here */
	char			*history;	/* prompt history file */
	char			*progress;	/* background work, or NULL */
};

/* Schedule a redraw (coalesced; at most one frame per ~16 ms). */
void	 ui_redraw(struct ui *ui);
/* Put the terminal cursor at (y, x) in this frame. */
void	 ui_cursor(struct ui *ui, int y, int x);
/* Draw line l at (y, x) clipped to width columns, or'ing in extra. */
void	 ui_draw_sline(int y, int x, int width, const struct sline *l,
	    unsigned int extra);
/* Draw s (UTF-8) at (y, x) clipped to width in elem; returns columns. */
int	 ui_draw_text(int y, int x, int width, const char *s, int elem,
	    int sa);
/* Push a view (the ui takes it) or pop and free the top one. */
void	 ui_push(struct ui *ui, struct view *v);
void	 ui_pop(struct ui *ui);
/* Remove view v from the stack wherever it is, and free it. */
void	 ui_remove(struct ui *ui, struct view *v);
/* Free every view with these ops (e.g. approvals when a turn ends). */
void	 ui_close_views(struct ui *ui, const struct view_ops *ops);
/* Quit after this iteration. */
void	 ui_quit(struct ui *ui);
/* Submit text as from the prompt: a slash command or a user message. */
void	 ui_submit(struct ui *ui, const char *text);
/*
 * Rewind the files to snapshot id, or with id NULL to before the agent's
 * last change (Alt-z), saying what happened in the transcript; when files
 * changed by hand would be overwritten, ask first and force on yes.
 */
void	 ui_rewind(struct ui *ui, const char *id);
void	 ui_rewind_last(struct ui *ui);
/*
 * Restore from snapshot id of the timeline: with UI_RESTORE_FILES the files
 * (as ui_rewind()), with UI_RESTORE_CONV the conversation to before prompt
 * turn (ui_fork()), files first; the transcript then shows the fork.
 */
#define UI_RESTORE_FILES	0x1
#define UI_RESTORE_CONV		0x2
void	 ui_restore(struct ui *ui, const char *id, int turn, int what);
/*
 * Go on in a session forked from this one (agent_fork()): turn 0 keeps the
 * whole conversation (/fork) and the transcript; turn k > 0 goes back to
 * before the k-th prompt and shows that conversation.  A notice names the
 * new session and its parent, which stays as it was.
 */
void	 ui_fork(struct ui *ui, int turn);
/* Switch to session id (/resume) and show its conversation. */
void	 ui_resume(struct ui *ui, const char *id);
/* Start a new, empty conversation (/clear) and clear the screen. */
void	 ui_clear(struct ui *ui);
/* Count this session's snapshots again (for the status bar). */
void	 ui_snapshots_changed(struct ui *ui);
/* Cycle the permission mode (Shift-Tab). */
void	 ui_mode_next(struct ui *ui);
/*
 * The key bound to action in mode by the configuration, named for a hint
 * (key_hint()); caller frees.
 */
char	*ui_key_hint(struct ui *ui, enum key_mode mode, enum key_action action);
/*
 * One item of a hint line: the keys of action (and of action2 unless
 * KA_NONE, joined: "\xe2\x86\x91\xe2\x86\x93", "k/j") and what they do.
 */
struct ui_hint {
	enum key_action	 action, action2;
	const char	*label;
};
/*
 * Append the hints (ending with a KA_NONE action) to b as "KEYS label",
 * three spaces apart, with the keys the configuration binds in mode; an
 * item whose keys are all unbound is left out.
 */
void	 ui_key_hints(struct ui *ui, enum key_mode mode,
	    const struct ui_hint *hints, struct buf *b);
/* The action bound to key in mode by the configuration (key_lookup()). */
enum key_action ui_key_action(struct ui *ui, enum key_mode mode,
	    key_code key);

/* view-transcript.c: the transcript entries and their drawing */

/* Append an entry of type with text (may be NULL); owned by ui. */
struct tentry *view_transcript_add(struct ui *ui, enum tentry_type type,
	    const char *text);
/* Add a formatted notice or error line. */
void	 view_transcript_notice(struct ui *ui, enum tentry_type type,
	    const char *fmt, ...) __attribute__((format(printf, 3, 4)));
/* Remove provisional entries (a retried attempt's streamed text). */
void	 view_transcript_reset_stream(struct ui *ui);
/* Remove every entry (the screen only; the conversation stays). */
void	 view_transcript_clear(struct ui *ui);
/*
 * Append entries for the conversation conv (borrowed, read now): user
 * prompts, the assistant's text as markdown, thinking collapsed, tool calls
 * one line each with their results collapsed (a resume, a fork).
 */
void	 view_transcript_load(struct ui *ui, const struct conv *conv);
/* The tool entry of call id, or NULL. */
struct tentry *view_transcript_find_tool(struct ui *ui, const char *id);
/* Render entry e for width (cached) and return its lines. */
const struct slines *view_transcript_lines(struct ui *ui, struct tentry *e,
	    int width);
/* Mark every entry for rendering again (width or theme change). */
void	 view_transcript_invalidate(struct ui *ui);
/* Draw the transcript in rows x cols at row y, honouring ui->scroll. */
void	 view_transcript_draw(struct ui *ui, int y, int rows, int cols);
/* Scroll by n lines (positive: back in time); clamps. */
void	 view_transcript_scroll(struct ui *ui, int n);
/* Select the previous or next tool entry (dir -1 or 1), or toggle it. */
void	 view_transcript_select_tool(struct ui *ui, int dir);
void	 view_transcript_toggle_tool(struct ui *ui);
void	 tentry_free(struct tentry *e);

/* view-approval.c: approve, always approve or reject a tool call */

/* Ask about tc (borrowed until answered) showing preview (copied). */
struct view *view_approval_create(struct ui *ui, struct tool_call *tc,
	    const char *preview);
extern const struct view_ops view_approval_ops;
/*
 * Ask a yes/no question (copied) in the same panel: y calls yes(ui, arg),
 * which then owns arg; n or Esc closes and calls release(arg) (may be NULL).
 */
struct view *view_confirm_create(struct ui *ui, const char *question,
	    void (*yes)(struct ui *, void *), void (*release)(void *),
	    void *arg);
extern const struct view_ops view_confirm_ops;

/*
 * Ask a question with one-key answers in the same panel: a key in keys
 * (lower case, e.g. "fcb") calls answer(ui, key, arg), which then owns
 * arg; Esc closes and calls release(arg) (may be NULL).  title heads the
 * panel, hint names the keys on its last line; both are copied.
 */
struct view *view_choice_create(struct ui *ui, const char *title,
	    const char *question, const char *keys, const char *hint,
	    void (*answer)(struct ui *, int, void *), void (*release)(void *),
	    void *arg);

/* view-sessions.c: the session picker (agentos -r, /resume) */

/*
 * List the repository's sessions (session_list()), most recent first: id,
 * start time, prompts, tokens, snapshots and the first prompt.  Enter
 * calls done(ui, id), Esc done(ui, NULL) (id borrowed for the call; the
 * view is gone by then).  startup labels Esc "new session".  NULL with
 * cause when there is no session to pick or the log cannot be read.
 */
struct view *view_sessions_create(struct ui *ui, int startup,
	    void (*done)(struct ui *, const char *), char **cause);
extern const struct view_ops view_sessions_ops;

/* view-snapshots.c: the snapshot timeline, and the pager for diffs */

struct view *view_snapshots_create(struct ui *ui);
extern const struct view_ops view_snapshots_ops;
/* How the pager renders its text. */
enum pager_kind {
	PAGER_PLAIN,
	PAGER_DIFF,			/* unified diff, line numbers */
	PAGER_MARKDOWN,
};
/* A scrolling full-screen view of text (copied) under a title. */
struct view *view_pager_create(struct ui *ui, const char *title,
	    const char *text, enum pager_kind kind);
/* A pager of the unified diff between snapshot id and the worktree. */
void	 view_pager_diff(struct ui *ui, const char *id);

/* status.c: the status bar */

/* Draw the status bar at row y, cols wide. */
void	 status_draw(struct ui *ui, int y, int cols);
/* Read the current branch name again (libgit2) into ui->branch. */
void	 status_update_branch(struct ui *ui);
/* Append a token count to b as 950, 12.3k or 1.2M. */
void	 status_tokens(struct buf *b, int64_t n);

/* cmd-slash.c: slash commands typed at the prompt */

struct slash_entry {
	const char	*name;		/* without the slash */
	const char	*args;		/* usage of the arguments */
	const char	*help;
	/* Run with args (after the name, trimmed; "" if none). */
	void		(*exec)(struct ui *ui, const char *args);
};
extern const struct slash_entry slash_table[];
/*
 * Run line ("/name args") if it names a slash command; 0 if it did, -1 if
 * there is no such command (the caller says so).
 */
int	 cmd_slash_run(struct ui *ui, const char *line);
/* Complete a unique command name prefix in line; caller frees, or NULL. */
char	*cmd_slash_complete(const char *line);

/* theme.c: colours and attributes of the elements */

/* Element names as in theme files ("diff-add"); NULL when out of range. */
const char *theme_elem_name(int elem);
/*
 * Load theme name (a file path when it contains '/', else NAME.theme in
 * $AGENTOS_THEME_DIR, AGENTOS_DATADIR/themes, or the themes/ directory of
 * the source tree next to the binary), falling back to built-in colours.
 * Must be called after curses started.  0, or -1 with cause (the built-in
 * colours are then in use).
 */
int	 theme_load(const char *name, char **cause);
/*
 * Parse theme text into fg, bg (-1: default) and attr (A_* curses bits)
 * per element; unknown elements are errors naming the line.  For tests.
 */
int	 theme_parse(const char *text, short *fg, short *bg,
	    unsigned int *attr, char **cause);
/* The curses attribute (pair and attributes) of elem plus SA_* bits. */
unsigned int theme_attr(int elem, int sa);

/* ------------------------------------------------------------------------ */
/* cli.c: command-line subcommands (agentos snapshots, agentos map, ...) */

struct cli_entry {
	const char	*name;
	const char	*usage;
	/* argv[0] is the subcommand name; returns the exit status. */
	int		(*exec)(int argc, char **argv, const char *root,
			    struct config *cfg);
};
extern const struct cli_entry cli_table[];
/* Find a subcommand; NULL if name is none. */
const struct cli_entry *cli_find(const char *name);

/* ------------------------------------------------------------------------ */
/* agentos.c: main */

/*
 * The repository root containing dir (the top of the worktree), allocated;
 * NULL with cause if dir is not inside a git worktree.
 */
char	*agentos_repo_root(const char *dir, char **cause);

#endif
