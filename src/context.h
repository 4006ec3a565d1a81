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
 * 200000, gpt-4.1* 1047576, gpt-4o* 128000, anything else (NULL too)
 * 128000.  Static data, no errors.
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

struct agent;
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
