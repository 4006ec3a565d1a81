/*
 * context.h: the context manager's clearing of old tool results (issue 11).
 *
 * Before every request the agent estimates the tokens the request will
 * take: the provider's last reported usage is the ground truth, and only
 * the bytes added (or removed) since are estimated, at
 * CONTEXT_BYTES_PER_TOKEN.  When the estimate passes context.clear_at
 * percent of the window, the oldest tool results (never the newest
 * context.keep_results, never a failing call's output, which stays pinned
 * until the same call succeeds) are replaced by a one-line stub
 *
 *	[cleared: read_file src/foo.c, 412 lines, recall toolu_01]
 *
 * in one batch, down to three quarters of the threshold, so the prompt
 * cache is broken rarely.  The full text stays in the session log; the
 * agent logs a compaction event naming what was cleared, and session_load()
 * replays it, so a resumed session sends what the model saw.
 *
 * Include after agentos.h.
 */
#ifndef CONTEXT_H
#define CONTEXT_H

#include <stddef.h>
#include <stdint.h>

#include <jansson.h>

struct conv;

/* "context.*": the options of clearing. */
struct context_options {
	int	window;		/* tokens; 0: from the model table */
	int	clear_at;	/* percent of the window that starts a clear */
	int	keep_results;	/* the newest tool results never cleared */
	int	autoclear;	/* context.auto: clear before requests */
	int	compact_at;	/* percent of the window that summarizes */
	int	reserve_compact; /* tokens kept free for a summary request */
	int	user_budget;	/* tokens of user messages kept verbatim */
	int	cache_long_after; /* requests after which the 1 hour TTL;
				   0: never */
};

/*
 * Bytes per token of the estimate: bytes / 4 undercounts source code by
 * 7-25% for Claude (issue 11), so 3 errs on the side of clearing early.
 */
#define CONTEXT_BYTES_PER_TOKEN	3

/* What a stub begins with; a result that begins so is never cleared again. */
#define CONTEXT_STUB_PREFIX	"[cleared: "

/*
 * The context window of model in tokens, from a small table: claude-*
 * 200000, gpt-4.1* 1047576, gpt-4o* 128000, gpt-5* 400000, anything
 * else (NULL too) 128000.  Static data, no errors.
 */
int64_t	 context_window_for(const char *model);

/*
 * The window to manage: o->window when set (> 0), else the model table's
 * for model.
 */
int64_t	 context_window(const struct context_options *o, const char *model);

/*
 * The bytes of a conversation's content as it goes to the model: texts,
 * thinking, tool inputs (as compact JSON) and tool results.  Framing is
 * not counted: the reported usage covers it.
 */
size_t	 context_conv_bytes(const struct conv *c);

/*
 * The estimated tokens of the next request.  With base_tokens > 0 (the
 * last reported usage, input with cache reads and writes plus output,
 * taken when the conversation had base_bytes of content): base_tokens plus
 * the bytes added since, or minus those cleared, at
 * CONTEXT_BYTES_PER_TOKEN.  Without usage: (fixed_bytes, the system prompt
 * and tool definitions, plus conv_bytes) at CONTEXT_BYTES_PER_TOKEN.
 * Never below 0.
 */
int64_t	 context_estimate(int64_t base_tokens, size_t base_bytes,
	    size_t fixed_bytes, size_t conv_bytes);

/*
 * Whether a clear is due: est past clear_at percent of window (a window of
 * 0 or less never clears).
 */
int	 context_over(const struct context_options *o, int64_t window,
	    int64_t est);

/*
 * The token target of a clear: three quarters of the threshold.
 */
int64_t	 context_target(const struct context_options *o, int64_t window);

/*
 * Clear the oldest tool results of c until at least need_tokens (at
 * CONTEXT_BYTES_PER_TOKEN) are freed or nothing more may go: the newest
 * keep results, stubs, and results with is_error set stay (pinned) until
 * the same tool with the same input succeeds later in c.  Each
 * cleared result's text becomes its stub (see the top of this file; the
 * tool name and its main argument come from the tool use of the same id).
 * For each, {"id": ID, "stub": STUB} is appended to cleared (may be NULL).
 * Returns the bytes freed (the old texts minus the stubs); 0 if nothing
 * could be cleared.
 */
size_t	 context_clear(struct conv *c, int keep, int64_t need_tokens,
	    json_t *cleared);

/*
 * The stub for a result of text from tool name with input (may be NULL),
 * of tool use id; the caller frees.
 */
char	*context_stub(const char *name, json_t *input, const char *text,
	    const char *id);

/*
 * The main argument of a tool input (borrowed): the first string of path,
 * file_path, command, pattern, query, id; NULL if none.
 */
const char *context_main_arg(json_t *input);

/*
 * Replay a compaction event's "cleared" array on c: each listed tool
 * result gets its stub.  Unknown ids and malformed entries are skipped
 * (the log is not trusted).  Returns how many were applied.
 */
size_t	 context_replay(struct conv *c, json_t *cleared);

/*
 * Whether a provider error says the prompt did not fit the window:
 * Anthropic's "prompt is too long", OpenAI's context_length_exceeded,
 * llama.cpp's exceed_context_size_error.  error may be NULL.
 */
int	 context_is_overflow(const char *error);

/*
 * The prompt's token count an overflow error names (Anthropic "prompt is
 * too long: N tokens > M maximum", OpenAI "resulted in N tokens"), or 0.
 */
int64_t	 context_overflow_tokens(const char *error);
/*
 * The window an overflow error names (Anthropic "> M maximum", OpenAI
 * "maximum context length is M tokens"), or 0.
 */
int64_t	 context_overflow_limit(const char *error);

/* What fills the window, by category, in estimated tokens. */
struct context_fill {
	int64_t	system;		/* the system prompt (with map, AGENTS.md) */
	int64_t	tools;		/* the tool definitions */
	int64_t	messages;	/* texts, thinking and tool uses */
	int64_t	results;	/* tool results, stubs included */
	size_t	nresults;
	size_t	ncleared;	/* results that are stubs now */
};

/*
 * Measure system (may be NULL), tools (a JSON array, may be NULL) and the
 * conversation c into f, at CONTEXT_BYTES_PER_TOKEN.
 */
void	 context_fill(const char *system, json_t *tools, const struct conv *c,
	    struct context_fill *f);

/*
 * The /context text: f by category with est (the estimate of the next
 * request, which the reported usage corrects) against window, the free
 * room, and the cache hit ratio (cache reads over all input tokens, from
 * the summed usage; "none yet" before a response).  The caller frees.
 */
char	*context_fill_text(const struct context_fill *f, int64_t est,
	    int64_t window, int64_t input, int64_t cache_read,
	    int64_t cache_write);

/*
 * Whether the failing tool result b (in message at of c) is still pinned:
 * is_error set and the same tool with the same input has not succeeded
 * later in c.
 */
int	 context_pinned(const struct conv *c, size_t at, const struct block *b);

/* ------------------------------------------------------------------------ */
/*
 * context-compact.c: summaries, when clearing is not enough (issue 11).
 *
 * The summary request is the conversation as it stands (the same system
 * prompt, tools and history, so the provider's prompt cache holds) with
 * the instruction of context_compact_instruction() appended as the last
 * user message.  The compacted conversation that replaces it is, in one
 * first user message: the summary (CONTEXT_SUMMARY_PREFIX), the user's
 * messages verbatim within context.user_budget (the first, the task,
 * always; older ones past the budget are left to the summary), and the
 * pinned state (the files changed this session with their snapshot ids);
 * then each still failing tool call with its output (pinned, as a tool use
 * and its result), then the newest rounds unchanged.  A second compaction
 * finds the first summary in the history and updates it (anchored).
 */

/* What the summary and the kept messages of a compaction begin with. */
#define CONTEXT_SUMMARY_PREFIX	"[Summary of the conversation so far, " \
	"written at a compaction]"
#define CONTEXT_USER_PREFIX	"[An earlier message of the user, verbatim]"
#define CONTEXT_PINNED_PREFIX	"[Pinned state]"
/* In every summary instruction: how a server (the fake one) knows it. */
#define CONTEXT_COMPACT_MARK	"agentos-compaction-request"
/* Consecutive failed summary requests that stop a compaction. */
#define CONTEXT_COMPACT_TRIES	3

/*
 * Whether a summary is due: est past context.compact_at percent of window,
 * or est plus the reserve (context_reserve()) past the window.
 */
int	 context_compact_due(const struct context_options *o, int64_t window,
	    int64_t est);

/* The tokens a summary request keeps free: reserve_compact, at most a
   quarter of window. */
int64_t	 context_reserve(const struct context_options *o, int64_t window);

/* The tokens of user messages a summary keeps verbatim: user_budget, at
   most a tenth of window. */
int64_t	 context_user_budget(const struct context_options *o, int64_t window);

/*
 * How many of c's messages after the first to leave out of a summary
 * request so that about need tokens (at CONTEXT_BYTES_PER_TOKEN) are
 * freed.
 */
size_t	 context_compact_drop_for(const struct conv *c, int64_t need);

/*
 * The summary instruction (the caller frees): structured headings, no
 * tool calls, the update of the previous summary when anchored is set,
 * and the user's own instructions (extra, may be NULL or empty).
 */
char	*context_compact_instruction(const char *extra, int anchored);

/* Whether c holds the summary of an earlier compaction. */
int	 context_has_summary(const struct conv *c);

/*
 * Where the kept tail of c begins: an index > 0 whose message is the
 * model's, or a user message without tool results, so the tail is a whole
 * conversation suffix.  At least the last round (the last message, and
 * the model's message before it when the last holds tool results); more
 * of the newest rounds, up to rounds of them, while the tail stays within
 * budget tokens (at CONTEXT_BYTES_PER_TOKEN).  0 when nothing could be
 * replaced (c too short).
 */
size_t	 context_compact_tail(const struct conv *c, int rounds,
	    int64_t budget);

/*
 * The summary request's conversation in out (initialised by the caller):
 * c without its oldest messages after the first (about drop of them, to
 * the next message of the model, so roles still alternate and every tool
 * result follows its use), with instruction appended as the last user
 * message.  Returns the messages left out.
 */
size_t	 context_compact_request(const struct conv *c, size_t drop,
	    const char *instruction, struct conv *out);

/*
 * The compacted conversation in out (initialised by the caller), from c,
 * summary (the model's text), files (the pinned state's text, may be
 * NULL), the user-message budget in tokens and tail (from
 * context_compact_tail()).  Returns the user messages kept verbatim; *lost
 * (may be NULL) gets those left to the summary.
 */
size_t	 context_compact_build(const struct conv *c, const char *summary,
	    const char *files, int64_t user_budget, size_t tail,
	    struct conv *out, size_t *lost);

/* ------------------------------------------------------------------------ */
/*
 * context-cache.c: the prompt cache breakpoints of a request (issue 11).
 * The context manager, not the provider encoder, chooses them; Anthropic
 * allows 4: the tools with the stable part of the system prompt (the base
 * prompt and the instruction files, AGENTS.md; the repository map after
 * them is re-ranked every user turn, so it goes in a block of its own
 * after the breakpoint), with the 1 hour TTL in a long session; the
 * latest compaction summary; the previous request's newest message; the
 * newest message.  Everything before a breakpoint is byte-stable from one
 * request to the next: changes of state go into the next user message.
 */
#define CONTEXT_CACHE_MSGS	3

struct context_cache {
	size_t	system_split;	/* bytes of the system prompt before the
				   map; 0: one block */
	int	long_ttl;	/* the 1 hour TTL on the first breakpoint */
	size_t	msgs[CONTEXT_CACHE_MSGS]; /* message indices, ascending:
				   each gets one on its last block */
	size_t	nmsgs;
};

/*
 * Plan the breakpoints of a request of system (may be NULL) and c (may be
 * NULL) into cp; long_ttl asks for the 1 hour TTL.
 */
void	 context_cache_plan(const char *system, const struct conv *c,
	    int long_ttl, struct context_cache *cp);

/* ------------------------------------------------------------------------ */
/*
 * context-window.c: the context window of a local OpenAI-compatible server,
 * asked once at start when context.window is 0 and the model is not in the
 * table (context_model_known()): vLLM's GET /v1/models (data[].max_model_len
 * of the model, else the first), llama.cpp's GET /props
 * (default_generation_settings.n_ctx, or n_ctx), Ollama's POST /api/show
 * (num_ctx in "parameters", what the server runs with, else model_info
 * "<arch>.context_length").  The three go out at once, in the loop, with a
 * short timeout; the first window found wins.
 */
enum context_server {
	CONTEXT_SERVER_VLLM,
	CONTEXT_SERVER_LLAMACPP,
	CONTEXT_SERVER_OLLAMA,
};
#define CONTEXT_SERVER_COUNT	3
/* How long the probe waits for an answer, in milliseconds. */
#define CONTEXT_PROBE_MS	2000

/* Whether model is in the table of context_window_for(). */
int	 context_model_known(const char *model);

/* "vLLM /v1/models", ...: where a window came from (static). */
const char *context_server_name(enum context_server kind);

/*
 * The window in an answer (body, len bytes: untrusted JSON) of a server of
 * kind; model (may be NULL) picks vLLM's entry.  0 when there is none or it
 * is not believable (under 512 or over 100000000 tokens).
 */
int64_t	 context_window_parse(enum context_server kind, const char *body,
	    size_t len, const char *model);

/*
 * Told once: the window found (0: none, source NULL) and where it came
 * from (static).  The callback may free the probe.
 */
typedef void (*context_probe_cb)(void *arg, int64_t window,
	    const char *source);
struct context_probe;
/*
 * Ask the server at base_url (the OpenAI base URL, with or without /v1)
 * for the window of model, with api_key (may be NULL) as a bearer token,
 * each request bounded by timeout_ms.  NULL when nothing could be sent
 * (cb is then never called).
 */
struct context_probe *context_probe_start(const char *base_url,
	    const char *model, const char *api_key, long timeout_ms,
	    context_probe_cb cb, void *arg);
/* Cancel what is pending and free p; no callback after this. */
void	 context_probe_free(struct context_probe *p);

/* ------------------------------------------------------------------------ */
/*
 * context-calib.c: the estimator's bytes per token, learned per provider
 * and model from consecutive usage reports: when the prompt grew by dt
 * tokens (input, cache reads and writes, as reported) while the
 * conversation's content grew by db bytes, db / dt is a sample; the ratio
 * is their token-weighted mean, starting from CONTEXT_BYTES_PER_TOKEN, with
 * a bounded memory so it follows the content.  Every response event logs
 * the ratio ("bytes_per_token") and the estimate of its request
 * ("estimate"), so a resumed session starts calibrated and the error can
 * be measured from the log.
 */
struct context_calib {
	double	bpt;		/* bytes per token now */
	double	weight;		/* tokens behind it */
	int	samples;
	int64_t	prev_tokens;	/* the last report, and the content */
	size_t	prev_bytes;	/* bytes of its request */
	int	have_prev;
};

/* Start at CONTEXT_BYTES_PER_TOKEN. */
void	 context_calib_init(struct context_calib *k);
/* Start at bpt (a ratio from the log); ignored if not believable. */
void	 context_calib_set(struct context_calib *k, double bpt);
/*
 * A response reported tokens of prompt for a request whose content was
 * bytes: learn from the growth since the last report.  1 if a sample was
 * taken.
 */
int	 context_calib_add(struct context_calib *k, int64_t tokens,
	    size_t bytes);
/* The content shrank (a clearing, a summary): no sample across it. */
void	 context_calib_break(struct context_calib *k);
/* context_estimate() at bpt bytes per token. */
int64_t	 context_estimate_bpt(int64_t base_tokens, size_t base_bytes,
	    size_t fixed_bytes, size_t conv_bytes, double bpt);
struct session;
/* The last ratio logged for model in session s, or 0. */
double	 context_calib_from_log(struct session *s, const char *model);

struct session;
/*
 * The files the agent changed in session s, each with the snapshot taken
 * before its last change ("src/a.c (snapshot 3f2a...)"), one per line, from
 * the session log's tool_call and snapshot events; NULL when none or the
 * log is unreadable.  The caller frees.
 */
char	*context_files_changed(struct session *s);

struct agent;
/*
 * Summarize the conversation now (/compact), with the user's extra
 * instructions (may be NULL).  0, or -1 with cause (busy, nothing to
 * compact); the result is told through the agent's notices and turn_done.
 */
int	 agent_compact(struct agent *a, const char *extra, char **cause);

/*
 * The /context text for the agent's next request (agent.c); the caller
 * frees.
 */
char	*agent_context_report(struct agent *a);
/*
 * How full the window was at the agent's last request, in percent (-1
 * before the first); *warn is set within 10 points of context.clear_at,
 * before a clearing.
 */
int	 agent_context_percent(struct agent *a, int *warn);

#endif
