/* headless.c: -p runs: no terminal, text, json or stream-json output. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "agentos.h"
#include "mcp-oauth.h"
#include "session.h"
#include "snapshot.h"
#include "utf8.h"
#include "workspace.h"
#include "banned.h"

/* Dollars to 12 significant digits: 0.054, not 0.053999999999999999. */
#define HEADLESS_REAL	JSON_REAL_PRECISION(12)

struct headless {
	enum output_format	 fmt;
	struct agent		*agent;
	struct buf		 last_text;	/* last assistant text */
	enum stop_reason	 stop;
	char			*error;
	int			 done;
	int			 tapped;	/* stream-json from the log */
	json_t			*denied;	/* ids the policy refused */
	json_t			*denials;	/* permission_denials */
};

static void	headless_text(void *, const char *, size_t);
static void	headless_assistant_done(void *, const struct message *,
		    const struct usage *);
static void	headless_approval(void *, struct tool_call *, const char *);
static void	headless_notice(void *, const char *);
static void	headless_stream_reset(void *);
static void	headless_event(void *, enum event_type, json_t *);
static void	headless_tap(void *, const char *, const struct event *);
static void	headless_turn_done(void *, enum stop_reason, const char *);
static void	headless_print(FILE *, const char *, const char *);
static void	headless_tool_finished(void *, struct tool_call *);

static const struct agent_ui headless_ui = {
	.text_delta = headless_text,
	.assistant_done = headless_assistant_done,
	.approval = headless_approval,
	.notice = headless_notice,
	.stream_reset = headless_stream_reset,
	.event = headless_event,
	.turn_done = headless_turn_done,
	.tool_finished = headless_tool_finished,
};

/*
 * A call the permission policy refused (its approval event said deny):
 * Claude Code's permission_denials entry, {tool_name, tool_use_id,
 * tool_input}; text mode says so on stderr, since the model may not.
 */
static void
headless_denial(struct headless *h, struct tool_call *tc)
{
	const char	*why = tc->result.buf;
	char		*summary;
	size_t		 i;
	json_t		*v;
	int		 found = 0;

	json_array_foreach(h->denied, i, v) {
		if (strcmp(json_string_value(v), tc->id) == 0)
			found = 1;
	}
	if (!found)
		return;
	json_array_append_new(h->denials, json_pack("{s:s,s:s,s:O}",
	    "tool_name", tc->name, "tool_use_id", tc->id, "tool_input",
	    tc->input));
	if (h->fmt != OUTPUT_TEXT)
		return;
	summary = tool_call_summary(tc);
	if (strncmp(why, "Not run: ", 9) == 0)
		why += 9;
	fprintf(stderr, "agentos: refused: %s\n", summary);
	headless_print(stderr, "agentos:   ", why);
	free(summary);
}

/* A command the sandbox may have refused: the user hears it too. */
static void
headless_tool_finished(void *arg, struct tool_call *tc)
{
	struct headless	*h = arg;

	headless_denial(h, tc);
	if (h->fmt == OUTPUT_TEXT && tc->sandbox_why != NULL)
		fprintf(stderr, "agentos: %s: %s\n",
		    tc->effects.command != NULL ? tc->effects.command :
		    tc->name, tc->sandbox_why);
}

static void
headless_text(void *arg, const char *text, size_t len)
{
}

/*
 * Print prefix, s without terminal control sequences, and a newline: text
 * from the model or a tool could otherwise retitle, clear or reprogram the
 * user's terminal.
 */
static void
headless_print(FILE *f, const char *prefix, const char *s)
{
	size_t	len = strlen(s), n;
	char	*out;

	out = xmalloc(3 * len + 1);
	n = utf8_strip_controls(s, len, out);
	fputs(prefix, f);
	fwrite(out, 1, n, f);
	fputc('\n', f);
	free(out);
}

/* Keep the text of the newest assistant message that has any. */
static void
headless_assistant_done(void *arg, const struct message *m,
    const struct usage *u)
{
	struct headless	*h = arg;
	char		*text = message_text(m);

	if (*text != '\0') {
		buf_reset(&h->last_text);
		buf_adds(&h->last_text, text);
	}
	free(text);
}

/* Never called headless (the agent refuses instead); refuse to be safe. */
static void
headless_approval(void *arg, struct tool_call *tc, const char *preview)
{
	struct headless	*h = arg;

	agent_decide(h->agent, tc, APPROVE_REJECT, "headless run");
}

static void
headless_notice(void *arg, const char *text)
{
	struct headless	*h = arg;

	if (h->fmt == OUTPUT_TEXT)
		headless_print(stderr, "agentos: ", text);
}

static void
headless_stream_reset(void *arg)
{
}

/*
 * stream-json without a session log (it could not be opened): one event a
 * line, {type, ...data}.
 */
static void
headless_event(void *arg, enum event_type type, json_t *data)
{
	struct headless	*h = arg;
	json_t		*o;
	const char	*id, *decision;

	if (type == EV_APPROVAL && json_unpack(data, "{s:s,s:s}", "id", &id,
	    "decision", &decision) == 0 && strcmp(decision, "deny") == 0)
		json_array_append_new(h->denied, json_string(id));
	if (h->fmt != OUTPUT_STREAM_JSON || h->tapped)
		return;
	o = json_pack("{s:s}", "type", event_name(type));
	json_object_update(o, data);
	/* The request body repeats the conversation: the hash stands in. */
	json_object_del(o, "body");
	json_dumpf(o, stdout, JSON_COMPACT | HEADLESS_REAL);
	fputc('\n', stdout);
	fflush(stdout);
	json_decref(o);
}

/*
 * stream-json with a session log: each event exactly as committed to the
 * log, {session, seq, time_ms, type, data} (agentos(1), SESSION LOG).
 */
static void
headless_tap(void *arg, const char *session, const struct event *ev)
{
	json_t	*o = event_json(session, ev);

	json_dumpf(o, stdout, JSON_COMPACT | HEADLESS_REAL);
	fputc('\n', stdout);
	fflush(stdout);
	json_decref(o);
}

static void
headless_turn_done(void *arg, enum stop_reason stop, const char *error)
{
	struct headless	*h = arg;

	h->stop = stop;
	if (error != NULL)
		h->error = xstrdup(error);
	h->done = 1;
	loop_exit();
}

/* A cost as JSON: null when some of it is unknown. */
static json_t *
headless_cost(const struct budget_sum *s)
{
	if (s->unknown > 0)
		return (json_null());
	return (json_real(s->cost_usd));
}

/*
 * Claude Code's -p --output-format json members, so scripts can switch:
 * total_cost_usd, num_turns (model calls), duration_ms, duration_api_ms,
 * usage {input_tokens, output_tokens, cache_read_input_tokens,
 * cache_creation_input_tokens} and modelUsage {MODEL: {inputTokens,
 * outputTokens, cacheReadInputTokens, cacheCreationInputTokens, costUSD}}.
 */
static void
headless_cost_members(struct headless *h, json_t *o)
{
	struct budget			*b = agent_budget(h->agent);
	const struct budget_sum		*t = budget_total(b);
	const struct budget_row		*r;
	const char *const		*errs;
	json_t				*mu = json_object(), *u, *arr;
	size_t				 n, i;
	enum budget_limit		 l;

	json_object_set_new(o, "total_cost_usd", headless_cost(t));
	json_object_set_new(o, "num_turns", json_integer(t->requests));
	json_object_set_new(o, "duration_api_ms", json_integer(
	    (json_int_t)t->api_ms));
	u = json_object_get(o, "usage");
	json_object_set_new(u, "cache_read_input_tokens",
	    json_integer(t->cache_read_tokens));
	json_object_set_new(u, "cache_creation_input_tokens",
	    json_integer(t->cache_write_tokens));
	r = budget_models(b, &n);
	for (i = 0; i < n; i++) {
		json_object_set_new(mu, r[i].model, json_pack(
		    "{s:I,s:I,s:I,s:I,s:o}",
		    "inputTokens", (json_int_t)r[i].sum.input_tokens,
		    "outputTokens", (json_int_t)r[i].sum.output_tokens,
		    "cacheReadInputTokens",
		    (json_int_t)r[i].sum.cache_read_tokens,
		    "cacheCreationInputTokens",
		    (json_int_t)r[i].sum.cache_write_tokens,
		    "costUSD", headless_cost(&r[i].sum)));
	}
	json_object_set_new(o, "modelUsage", mu);
	if ((l = agent_budget_stopped(h->agent)) != BUDGET_OK) {
		json_object_set_new(o, "subtype",
		    json_string(budget_subtype(l)));
		if (l == BUDGET_STUCK) {
			errs = budget_errors(b, &n);
			arr = json_array();
			for (i = 0; i < n; i++)
				json_array_append_new(arr,
				    json_string(errs[i]));
			json_object_set_new(o, "errors", arr);
		}
	}
}

/* The final result object of json and stream-json output. */
static json_t *
headless_result(struct headless *h, const char *root)
{
	const struct agent_stats	*st = agent_stats(h->agent);
	const char *const		*ids;
	json_t				*snaps = json_array(), *o;
	size_t				 n, i;

	ids = workspace_snapshot_ids(agent_workspace(h->agent), &n);
	for (i = 0; i < n; i++)
		json_array_append_new(snaps, json_string(ids[i]));
	o = json_pack("{s:s,s:s,s:b,s:s,s:s,s:s,s:i,s:i,s:I,"
	    "s:{s:I,s:I,s:I,s:I},s:o}",
	    "type", "result",
	    "subtype", h->error != NULL ? "error" : "success",
	    "is_error", h->error != NULL,
	    "result", h->last_text.buf,
	    "stop_reason", h->error != NULL ? "error" :
	    stop_reason_name(h->stop),
	    "session_id", agent_session_id(h->agent),
	    "turns", st->turns,
	    "num_requests", st->requests,
	    "duration_ms", (json_int_t)(loop_now_ms() - st->started_ms),
	    "usage",
	    "input_tokens", (json_int_t)st->usage.input_tokens,
	    "output_tokens", (json_int_t)st->usage.output_tokens,
	    "cache_read_tokens", (json_int_t)st->usage.cache_read_tokens,
	    "cache_write_tokens", (json_int_t)st->usage.cache_write_tokens,
	    "snapshots", snaps);
	if (h->error != NULL)
		json_object_set_new(o, "error", json_string(h->error));
	json_object_set(o, "permission_denials", h->denials);
	json_object_set_new(o, "root", json_string(root));
	headless_cost_members(h, o);
	return (o);
}

int
headless_run(const char *root, const char *cwd, struct config *cfg,
    const char *prompt, enum output_format fmt)
{
	struct headless	 h;
	const char *const *ids, *const *errs;
	char		*cause = NULL;
	json_t		*o;
	struct snapshot_store *snaps;
	size_t		 n, i;
	int		 rc = 1, count;

	memset(&h, 0, sizeof h);
	h.fmt = fmt;
	mcp_oauth_print = 1;	/* no TUI: a login URL goes to stderr */
	buf_init(&h.last_text, 0);
	if (!config_provider_configured(cfg)) {
		fprintf(stderr, "agentos: %s\n", config_provider_help());
		return (1);
	}
	h.agent = agent_create(root, cwd, cfg, 1, &headless_ui, &h, &cause);
	if (h.agent == NULL) {
		fprintf(stderr, "agentos: %s\n", cause);
		free(cause);
		return (1);
	}
	h.denied = json_array();
	h.denials = json_array();
	if (fmt == OUTPUT_STREAM_JSON && agent_session(h.agent) != NULL) {
		session_set_tap(agent_session(h.agent), headless_tap, &h);
		h.tapped = 1;
	}
	if (agent_submit(h.agent, prompt, &cause) != 0) {
		fprintf(stderr, "agentos: %s\n", cause);
		free(cause);
		goto out;
	}
	if (!h.done)
		loop_run();

	switch (fmt) {
	case OUTPUT_TEXT:
		if (h.last_text.len != 0)
			headless_print(stdout, "", h.last_text.buf);
		if (h.error != NULL)
			headless_print(stderr, "agentos: ", h.error);
		if (agent_budget_stopped(h.agent) == BUDGET_STUCK) {
			errs = budget_errors(agent_budget(h.agent), &n);
			for (i = 0; i < n; i++)
				headless_print(stderr, "agentos: tool error: ",
				    errs[i]);
		}
		ids = workspace_snapshot_ids(agent_workspace(h.agent), &n);
		/* The session's count, as agentos sessions says it. */
		snaps = workspace_snapshots(agent_workspace(h.agent));
		count = snaps != NULL ? snapshot_count(snaps, NULL) : (int)n;
		if (n > 0)
			fprintf(stderr, "agentos: %d snapshot%s in session "
			    "%s; undo the changes with: agentos rewind %s "
			    "--session %s\n", count, count == 1 ? "" : "s",
			    agent_session_id(h.agent), ids[0],
			    agent_session_id(h.agent));
		break;
	case OUTPUT_JSON:
	case OUTPUT_STREAM_JSON:
		o = headless_result(&h, root);
		json_dumpf(o, stdout, (fmt == OUTPUT_JSON ? JSON_INDENT(2) :
		    JSON_COMPACT) | HEADLESS_REAL);
		fputc('\n', stdout);
		json_decref(o);
		break;
	}
	fflush(stdout);
	rc = h.error != NULL ? 1 : 0;
	if (agent_budget_stopped(h.agent) != BUDGET_OK)
		rc = HEADLESS_EXIT_LIMIT;
out:
	agent_free(h.agent);
	buf_release(&h.last_text);
	free(h.error);
	json_decref(h.denied);
	json_decref(h.denials);
	return (rc);
}
