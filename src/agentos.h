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

#include "budget.h"
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
struct mcp_manager;
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
	BLOCK_IMAGE,			/* a user's image (image.h) */
	BLOCK_REASONING,		/* an OpenAI Responses reasoning item,
					   sent back verbatim */
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
					   reference owned by the block);
					   REASONING: the whole item as the
					   provider sent it (text: its
					   summary, for display) */
	int		 is_error;	/* TOOL_RESULT */
	/*
	 * IMAGE: text is the bytes as base64 (NULL: not in the store), id
	 * the SHA-256 of the bytes, name the media type, label as shown
	 * ("foo.png"), width and height in pixels (0: unknown).
	 * TEXT: label, when set, is what the transcript shows instead of
	 * text (a prompt's paste placeholders, an answer's [interrupted]
	 * mark); never sent to the model.
	 */
	char		*label;
	int		 width, height;
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
	/* Of cache_write_tokens, those written with the 1 hour TTL
	   (Anthropic usage.cache_creation.ephemeral_1h_input_tokens). */
	int64_t	cache_write_1h_tokens;
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
/*
 * Append an image block: media type, SHA-256 hex, label, pixel size and
 * base64 text (NULL when the bytes are missing), all copied.
 */
struct block *message_add_image(struct message *m, const char *media_type,
	    const char *sha256, const char *label, int width, int height,
	    const char *base64);
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
/*
 * json_loadb(s, len, 0) that survives what models and gateways send and
 * jansson refuses: on failure, \u0000, unpaired surrogate escapes and
 * invalid UTF-8 are replaced by U+FFFD (utf8_json_repair) and the text is
 * parsed again.  Returns a new reference, or NULL when still invalid.
 */
json_t	*conv_json_loadb(const char *s, size_t len);
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
	int		 retry_seconds;	/* total wait budget (s); 0: none */
	char		*theme;
	int		 map_tokens;	/* repository map budget (tokens) */
	uint64_t	 tool_args_max_bytes; /* JSON of one tool call's
					   arguments; 0: no cap */
	/*
	 * "trace.*": OpenTelemetry export settings under the OTEL_*
	 * variables, which win (trace.h); from the user's config only.
	 */
	char		*trace_endpoint;
	char		*trace_protocol;
	char		*trace_headers;
	char		*trace_service_name;
	int		 trace_contents;
	int		 verbose;
	/*
	 * Folder trust (issue 12): 1 when the repository's own files
	 * (.agentos/, .mcp.json, instruction files) may grant capabilities:
	 * start project servers, set provider URLs, modes and sandboxes.
	 * Set by --trust-project (and by the trust record, trust.c); 0
	 * until then.
	 */
	int		 project_trusted;
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
/*
 * The value of OpenTelemetry variable name for trace_config_env(): the
 * environment first, then the trace.* row of the configuration given to
 * config_trace_use() (borrowed, kept), but never a value from the
 * project's config: a repository must not send the user's sessions
 * elsewhere.  Borrowed; NULL when unset.
 */
void	 config_trace_use(const struct config *cfg);
const char *config_trace_getenv(const char *name);
/* Nonzero when a key or a base URL is set (a request can be tried). */
int	 config_provider_configured(const struct config *cfg);
/*
 * What to tell a user who has not configured a provider, naming the user
 * config file config_user_path() gives (built once, owned by config.c).
 */
const char *config_provider_help(void);
/*
 * The user's config file: $XDG_CONFIG_HOME/agentos/config.json, else
 * ~/.config/agentos/config.json (XDG Base Directory specification); NULL
 * without HOME.  The caller frees it.
 */
char	*config_user_path(void);
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
/*
 * GET url, as http_post() otherwise; timeout_ms > 0 bounds the whole
 * transfer (curl's CURLOPT_TIMEOUT_MS), for short queries such as a local
 * server's context window (context-window.c).
 */
struct http_req *http_get(const char *url, const char *const *headers,
	    size_t nheaders, long timeout_ms, const struct http_cb *cb,
	    void *arg, char **cause);
/*
 * As http_post() with another method: "POST" (body sent), or "GET" or
 * "DELETE" (body and len ignored).
 */
struct http_req *http_request(const char *method, const char *url,
	    const char *const *headers, size_t nheaders, const char *body,
	    size_t len, const struct http_cb *cb, void *arg, char **cause);
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
struct context_cache;

/* Parameters of one model request. */
struct model_request {
	const char		*model;
	const char		*system;	/* system prompt */
	const struct conv	*conv;
	json_t			*tools;		/* array of {name, description,
						   input_schema}; borrowed */
	int			 max_tokens;
	int			 thinking_budget; /* 0: off */
	/*
	 * A summary request (context-compact.c): the model must answer with
	 * text.  OpenAI gets tool_choice "none"; Anthropic nothing, as a
	 * changed tool_choice invalidates its cached messages (the
	 * instruction says so instead).
	 */
	int			 no_tool_calls;
	/*
	 * The prompt cache breakpoints (context.h, context-cache.c); NULL:
	 * the encoder's own (system, last tool, last message).
	 */
	const struct context_cache *cache;
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
	/*
	 * More of its input arrived: json (len bytes, borrowed) is all of it
	 * so far, incomplete JSON.  May be NULL.
	 */
	void	(*tool_use_delta)(void *arg, const char *id, const char *name,
		    const char *json, size_t len);
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
/*
 * What the arguments of a tool call larger than tool_args_max_bytes are
 * replaced by, in the conversation and the session log, so they are not
 * sent again with every request: {"__oversized_arguments": BYTES,
 * "__cap": CAP}.  The validate stage refuses such a call.
 */
#define TOOL_ARGS_OVERSIZED	"__oversized_arguments"
#define TOOL_ARGS_CAP		"__cap"

extern const struct provider_entry *provider_table[];
/* Look a provider up by name; NULL if unknown. */
const struct provider_entry *provider_find(const char *name);

/*
 * Whether a failed attempt is worth repeating (SDK policy, see PROTOCOLS.md):
 * 1 for 408, 409, 429, 5xx (529 included) and connection errors (status 0),
 * unless x-should-retry says otherwise; never for a rejected key (401, or
 * 403 with an authentication type) or insufficient_quota.  info may be
 * NULL; error_type is the parsed error type or NULL.
 */
int	 provider_retryable(long status, const struct http_response_info *info,
	    const char *error_type);
/*
 * The wait the server asks for, in ms, from retry-after-ms or retry-after
 * (seconds or an HTTP-date, RFC 9110 section 10.2.3); -1 if absent, junk
 * or over a day.  info may be NULL.  The schedule itself is retry_wait()
 * in retry.h, with the budget of the retry_seconds option.
 */
long	 provider_server_delay(const struct http_response_info *info);

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
/*
 * Shared with provider-openai-responses.c.  provider_openai_http fills ph
 * with POST {base}/path (base: cfg's base_url or api.openai.com/v1, less
 * trailing slashes), the Bearer key of cfg and body (borrowed) as compact
 * JSON; 0, or -1 with cause when the body cannot be encoded.
 */
int	 provider_openai_http(const struct config *cfg, const char *path,
	    json_t *body, struct provider_http *ph, char **cause);
/*
 * An OpenAI error body {"error":{message,type,code}} (and the shapes of
 * the compatible servers, PROTOCOLS.md section 4) into type (the code when
 * there is one, "insufficient_quota") and message, both allocated; -1 if
 * the body is not one.  _error_fields does it for the error object e.
 */
int	 provider_openai_parse_error(const char *body, size_t len,
	    char **type, char **message);
int	 provider_openai_error_fields(json_t *e, char **type, char **message);
/*
 * Tool-call arguments (len bytes of a JSON text) as the input object: ""
 * is {}, anything not an object {PROVIDER_INVALID_JSON: text}.  A new
 * reference.
 */
json_t	*provider_openai_tool_input(const char *args, size_t len);
/* A call id unique in this process, for servers that send none; freed. */
char	*provider_openai_call_id(void);

/*
 * provider-openai-responses.c: the OpenAI Responses API, POST /responses
 * (platform.openai.com/docs/api-reference/responses; PROTOCOLS.md section
 * 3), stateless (store false) with reasoning items sent back verbatim.
 */
extern const struct provider_entry provider_openai_responses;
/* Request body for req as JSON (exposed for tests); the caller frees. */
json_t	*provider_openai_responses_body(const struct config *,
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
/*
 * Make dir (one level) a private directory: created 0700 if missing, and
 * chmod 0700 if it exists (whatever the umask or an older agentos did),
 * and then the regular files in it lose their group and other bits.
 * A symlink or a non-directory there is refused.  For .git/agentos, which
 * holds what the model read.  0 or -1 with cause.
 */
int	 path_private_dir(const char *dir, char **cause);
/*
 * Make the file at path private: created empty 0600 if missing (never
 * through a symlink), fchmod 0600 if it exists; a non-regular file is
 * refused.  SQLite gives a database's -wal and -shm files the mode of the
 * database, so calling this on the database before sqlite3_open_v2 makes
 * them 0600 too; existing -wal and -shm files are chmod 0600 as well when
 * wal is set.  0 or -1 with cause.
 */
int	 path_private_file(const char *path, int wal, char **cause);
/*
 * agentos's file name in the user's state directory:
 * $XDG_STATE_HOME/agentos/NAME, else ~/.local/state/agentos/NAME
 * (allocated), or NULL when neither variable is usable.  Not created.
 */
char	*path_state_file(const char *name);
/*
 * Write j (borrowed) to path as indented JSON, privately and atomically:
 * the missing parents made 0700 and the last one private
 * (path_private_dir()), a 0600 temporary file renamed over path, so a
 * reader sees the old or the new record, never half of one.  For the
 * state files (trust.json, mcp-oauth.json).  0, or -1 with cause.
 */
int	 path_save_json_private(const char *path, json_t *j, char **cause);

/* ------------------------------------------------------------------------ */
/* tool.c: the tool table and tool calls */

#define TOOL_READONLY	0x1	/* never changes the worktree */
#define TOOL_EDIT	0x2	/* edits files: approval shows a diff */
#define TOOL_EXEC	0x4	/* runs a command: approval shows it */
#define TOOL_LSP	0x8	/* needs a language server: offered only
				   where one serves the repository */
#define TOOL_PLAN	0x10	/* offered in plan mode only */

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
	struct session		*session;	/* the session log (recall);
						   NULL: unrecorded */
	struct sandbox		*sandbox;	/* confines bash (sandbox.h);
						   NULL: none, env scrubbed */
	struct mcp_manager	*mcp;		/* MCP servers (mcp.h); NULL:
						   none */
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
#define EFFECT_MODE	0x40	/* asks the user to leave plan mode
				   (exit_plan_mode): always asked, whatever
				   the mode and the rules */

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
	struct buf		 display;	/* for the transcript, when it
						   differs: the output as the
						   terminal had it (SGR, CR),
						   then the result's ending;
						   empty: show result */
	int			 is_error;
	int			 cancelled;
	/* For the session log and the UI. */
	int			 exit_status;	/* bash: -1 if none */
	char			*sandbox_why;	/* bash: why a failure may be
						   the sandbox (sandbox_explain),
						   or NULL; freed with tc */
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
 * cut and how much there was ("[... 12345 bytes (321 lines) omitted; output
 * capped at 30720 bytes; 43065 bytes (1000 lines) in all ...]", lines
 * counted as newline characters), and tail; cuts fall on line ends where
 * one is near.
 */
struct tool_cap {
	size_t		 max;		/* bytes, marker included */
	size_t		 limit;		/* the cap the marker names (bytes;
					   max unless the caller adds a
					   status line of its own) */
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
/*
 * Append len bytes of terminal output s to out as the text a terminal
 * would show: escape sequences (SGR colours, cursor moves, OSC titles)
 * dropped, CR LF made LF, a lone CR going back to the start of the line so
 * that what follows overwrites it, backspace moving back one character.
 */
void	 tool_term_plain(struct buf *out, const char *s, size_t len);

/* tool-read.c, tool-write.c, tool-edit.c, tool-glob.c, tool-grep.c,
   tool-bash.c: one tool each */
extern const struct tool_entry tool_read_file;
extern const struct tool_entry tool_write_file;
extern const struct tool_entry tool_edit_file;
extern const struct tool_entry tool_glob;
/* tool-recall.c: a cleared tool result back from the session log. */
extern const struct tool_entry tool_recall;

/*
 * tool-memory.c: the memory tool (Anthropic's memory tool commands over
 * /memories/project = ROOT/.agentos/memory and /memories/user =
 * $XDG_DATA_HOME/agentos/memory).
 */
extern const struct tool_entry tool_memory;
/* The user's memory folder, absolute (caller frees); NULL without HOME. */
char	*memory_user_dir(void);
/* The project's memory folder under root (caller frees). */
char	*memory_project_dir(const char *root);
/*
 * Map a /memories path to its file in *out (caller frees; "" for
 * /memories itself), refusing "..", ".", hidden or empty names and
 * symbolic links on the way.  root may be NULL (no project memory).  0 or
 * -1 with cause.
 */
int	 memory_resolve(const char *root, const char *path, char **out,
	    char **cause);
/*
 * The memory index for the system prompt: one line per memory file (its
 * /memories name and first line), "" when there are none.  Computed at the
 * first call and returned unchanged after (session start: the prompt stays
 * byte-stable, so the provider's cache holds).  Owned by tool-memory.c.
 */
const char *memory_index(const char *root);
/*
 * Append note (a "#" line of the prompt, without the "#") as "- note" to
 * the project's memory notes file, /memories/project/notes.md under root.
 * *saved gets that /memories name (caller frees).  0 or -1 with cause.
 */
int	 memory_note_add(const char *root, const char *note, char **saved,
	    char **cause);
/* tool-todo.c: the todo list the model keeps (todo.h). */
extern const struct tool_entry tool_todo_write;
/* tool-plan.c: the plan the user approves to leave plan mode. */
extern const struct tool_entry tool_exit_plan_mode;
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
 * As job_start(), but run argv (NULL-terminated, borrowed; argv[0] looked
 * up in PATH: a sandbox wrapper such as bwrap) with base_env (NULL-
 * terminated "NAME=value", borrowed: the whole environment, e.g. from
 * sandbox_environ(); NULL: ours) instead of "/bin/sh -c".  PAGER and
 * GIT_PAGER are still set to cat.
 */
struct job *job_startv(const char *const *argv, const char *const *base_env,
	    const char *cwd, unsigned int timeout_ms, const struct job_cb *cb,
	    void *arg, char **cause);
/*
 * How job_startc() confines its child: extra PROC_* flags (PROC_GUARD,
 * PROC_REAP: proc.h) and proc_spec's setup hook (setup NULL: none; see
 * proc.h for setup_fd).  For the Landlock sandbox (sandbox.h).
 */
struct job_confine {
	int	  flags;
	int	(*setup)(void *arg, int fd);
	void	 *setup_arg;
	int	  setup_fd;
};
/* As job_startv(), confined by jc (borrowed; NULL: as job_startv()). */
struct job *job_startc(const char *const *argv, const char *const *base_env,
	    const char *cwd, unsigned int timeout_ms,
	    const struct job_confine *jc, const struct job_cb *cb, void *arg,
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
/* policy.c: the approval policy (rules, protected paths: policy.h) */

enum perm_decision {
	PERM_ALLOW,
	PERM_DENY,			/* not allowed: by a rule or the mode */
	PERM_ASK_USER,
};

enum approval {
	APPROVE_ONCE,			/* y */
	APPROVE_ALWAYS,			/* a: save an allow rule for the
					   session (perm_always_choices) */
	APPROVE_REJECT,			/* n: with a note for the model */
};

/* The answer to "run it again outside the sandbox?" (never remembered). */
enum rerun {
	RERUN_NO,			/* keep the sandboxed result */
	RERUN_OUTSIDE,			/* once more, unsandboxed */
	RERUN_NETWORK,			/* once more, sandboxed with network */
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
 * run without asking, as perm_decide() (policy.h) does: deny rules, the
 * mode, ask rules, protected paths, allow rules.  With PERM_DENY, *why
 * (when why is not NULL) says why, for the model; the caller frees it.
 */
enum perm_decision perm_check(struct perm *p, const char *name,
	    const struct tool_effects *fx, char **why);
/*
 * Remember an APPROVE_ALWAYS answer: the narrowest of the "always"
 * choices (perm_always_choices(): this exact command, this file, this
 * tool) as a session allow rule; nothing for a command no rule can allow.
 */
void	 perm_allow_always(struct perm *p, const char *name,
	    const struct tool_effects *fx);

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
	/*
	 * A command failed and its result says the sandbox may have refused
	 * it (why, borrowed for the call): offer to run it once more outside
	 * the sandbox or with the network, and answer with agent_rerun().
	 * Not asked headless or in bypass mode.  NULL: never offered.
	 */
	void	(*rerun_ask)(void *arg, struct tool_call *tc, const char *why);
	void	(*tool_started)(void *arg, struct tool_call *tc);
	/*
	 * The input of tool call id (name) streams: json (len bytes,
	 * borrowed, incomplete) is what arrived so far.  May be NULL.
	 */
	void	(*tool_args)(void *arg, const char *id, const char *name,
		    const char *json, size_t len);
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
	/*
	 * A limit of the run is reached (budget.h): ask the user question
	 * (borrowed for the call, with the figures) and answer later with
	 * agent_budget_answer().  NULL (headless): the turn stops.
	 */
	void	(*budget_ask)(void *arg, const char *question);
	/*
	 * The conversation was summarized (context-compact.c): line is the
	 * one-line account ("compacted: N -> M tokens"), summary the model's
	 * summary (both borrowed), shown expandable.  NULL: line goes to
	 * notice.
	 */
	void	(*compacted)(void *arg, const char *line, const char *summary);
	/*
	 * A hook command (hook.h) of event started (both borrowed), or, with
	 * NULLs, the hooks are over: for the status bar.  May be NULL.
	 */
	void	(*hook)(void *arg, const char *event, const char *command);
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
/*
 * As agent_submit(), with what the transcript shows for text (paste
 * placeholders folded, mentions unexpanded; NULL: text itself): logged as
 * the user event's "shown", so a resume shows the prompt as it was shown.
 */
int	 agent_submit_shown(struct agent *a, const char *text,
	    const char *shown, char **cause);
/* Answer an approval; note (may be NULL) goes to the model on reject. */
void	 agent_decide(struct agent *a, struct tool_call *tc,
	    enum approval ans, const char *note);
/*
 * Answer a rerun_ask for tc: run it again as how says (one time only), or
 * keep its result (RERUN_NO).  Another call than the one asked about is
 * ignored.
 */
void	 agent_rerun(struct agent *a, struct tool_call *tc, enum rerun how);
/* Cancel the in-flight request or running tools at once. */
void	 agent_cancel(struct agent *a);
/* Nonzero while a turn runs. */
int	 agent_busy(struct agent *a);
/*
 * Run command, typed by the user after '!', through the bash tool's run
 * path (its sandbox and output cap) after a snapshot when it may change
 * files; no approval is asked (the user typed it).  The output goes to the
 * front end as a tool call's (tool_started, tool_output, tool_finished,
 * then turn_done), and its command and result are told to the model at the
 * start of the next user message (agent_submit()).  Busy until it ends;
 * agent_cancel() stops it.  -1 with cause when busy or it cannot run.
 */
int	 agent_shell(struct agent *a, const char *command, char **cause);
/*
 * The note a !command adds to the next user message (agent_shell(); also
 * rebuilt by session_load() for a resume before that message).  Caller
 * frees.
 */
char	*agent_shell_note_text(const char *command, int cancelled,
	    const char *output);
/*
 * Write text to path (inside the root; not .git) for the user (/init),
 * atomically and after a snapshot, so a rewind undoes it.  -1 with cause
 * when busy, outside, unsnapshotted or the write fails.
 */
int	 agent_user_write(struct agent *a, const char *path, const char *text,
	    char **cause);
/*
 * The note a restore to snapshot id (NULL: the last agent change undone)
 * that did plan adds to the next prompt, telling the model which files
 * went back (issue 10).  The caller frees it.
 */
struct snapshot_plan;
char	*agent_rewind_note_text(const char *id,
	    const struct snapshot_plan *plan);
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
 * are not touched (rewind them with the snapshots); the fork's snapshots
 * start with those its conversation was made with (snapshot_fork()).  -1
 * with cause when busy, unrecorded or turn is out of range.
 */
int	 agent_fork(struct agent *a, int turn, char **cause);
/*
 * The text of the k-th prompt (from 1) of the session, as the user sent
 * it (its user event's text), for a conversation rewind to put back in the
 * input; NULL when there is none.  Caller frees.
 */
char	*agent_prompt_text(struct agent *a, int turn);
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
/*
 * The run's costs and limits (budget.h); borrowed.  agent_budget_stopped()
 * is the limit that stopped the current or last turn (BUDGET_OK: none).
 */
struct budget *agent_budget(struct agent *a);
enum budget_limit agent_budget_stopped(struct agent *a);
/*
 * Answer the question of ui->budget_ask: go on (the limit is raised for
 * the session, budget_raise()) or stop the turn.  Ignored when nothing is
 * asked (a cancelled turn).
 */
void	 agent_budget_answer(struct agent *a, int go_on);
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
 * when the model ended its turn, 1 on failure, HEADLESS_EXIT_LIMIT when a
 * limit of the run stopped it (budget.h: turns, cost, time, stuck).
 */
#define HEADLESS_EXIT_LIMIT	3
int	 headless_run(const char *root, const char *cwd, struct config *cfg,
	    const char *prompt, enum output_format fmt);

/* ------------------------------------------------------------------------ */
/* ui.h: the terminal front end (ui.c, view-*.c, editor.c, key.c, ...) */

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
/* cli-trace.c: agentos trace --otlp (spans in trace.h) */

/*
 * Send the spans of the n stored events of session (all borrowed) to the
 * OTLP/HTTP traces endpoint url (used as is; NULL: the OTEL_* variables),
 * with their stored times, and wait for delivery (30 s at most).  Prints
 * what was sent; returns 0, 1 when spans were not delivered, 2 when no
 * endpoint is configured.
 */
int	 cli_trace_otlp(const char *url, const char *session,
	    const struct event *evs, size_t n);

/* ------------------------------------------------------------------------ */
/* agentos.c: main */

/*
 * The repository root containing dir (the top of the worktree), allocated;
 * NULL with cause if dir is not inside a git worktree.
 */
char	*agentos_repo_root(const char *dir, char **cause);

#endif
