/* cli-session.c: agentos sessions, export and trace: reading the log. */
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "agentos.h"
#include "session.h"
#include "banned.h"

int	cli_session_list(int, char **, const char *, struct config *);
int	cli_session_export(int, char **, const char *, struct config *);
int	cli_session_trace(int, char **, const char *, struct config *);

struct trace_span {
	char		*label;
	const char	*tool_id;	/* tool spans: the call id */
	int64_t		 start_ms;	/* wall clock */
	struct trace_span	*kids;
	size_t		 nkids, akids;
};

struct trace_turn {
	struct trace_span	 root;
	int		 n;
	int64_t		 start_ms, end_ms;
	int64_t		 in, out, cached;
	int64_t		 model_ms, tool_ms;
	char		*prompt;
	const char	*model;
	int64_t		 request_ms;	/* a request waits for a response */
};

static void	 session_time(int64_t, char *, size_t, int);
static void	 session_duration(int64_t, char *, size_t);
static char	*session_oneline(const char *, size_t);
static const char *jstr(json_t *, const char *, const char *);
static long long jint(json_t *, const char *);
static int	 session_open_arg(const char *, int, char **,
		     struct session **);
static void	 md_fence(FILE *, const char *, const char *);
static void	 md_message(FILE *, json_t *);
static void	 md_event(FILE *, const struct event *);
static struct trace_span *span_add(struct trace_span *, char *, int64_t);
static void	 span_relabel(struct trace_span *, char *);
static void	 span_print(struct trace_span *, const char *);
static struct trace_span *span_find_tool(struct trace_span *, const char *);
static void	 trace_turn_print(struct trace_turn *);
static void	 trace_event(struct trace_turn *, const struct event *);
static int	 export_jsonl(FILE *, struct session *, char **);
static int	 export_markdown(FILE *, struct session *, char **);

/* Wall time ms as local "YYYY-mm-dd HH:MM[:SS]". */
static void
session_time(int64_t ms, char *out, size_t len, int seconds)
{
	time_t		t = (time_t)(ms / 1000);
	struct tm	tm;

	localtime_r(&t, &tm);
	strftime(out, len, seconds ? "%Y-%m-%d %H:%M:%S" : "%Y-%m-%d %H:%M",
	    &tm);
}

/* A duration: "850 ms", "3.2 s", "4m05s". */
static void
session_duration(int64_t ms, char *out, size_t len)
{
	if (ms < 0)
		ms = 0;
	if (ms < 1000)
		xsnprintf(out, len, "%lld ms", (long long)ms);
	else if (ms < 60000)
		xsnprintf(out, len, "%.1f s", ms / 1000.0);
	else
		xsnprintf(out, len, "%lldm%02llds", (long long)(ms / 60000),
		    (long long)(ms / 1000 % 60));
}

/* The first line of s, at most max bytes (UTF-8 kept whole); caller frees. */
static char *
session_oneline(const char *s, size_t max)
{
	size_t	n = strcspn(s, "\r\n");

	if (n > max) {
		n = max;
		while (n > 0 && ((unsigned char)s[n] & 0xc0) == 0x80)
			n--;
		return (xasprintf("%.*s...", (int)n, s));
	}
	if (s[n] != '\0')
		return (xasprintf("%.*s ...", (int)n, s));
	return (xstrndup(s, n));
}

/* A string member of o, or def. */
static const char *
jstr(json_t *o, const char *key, const char *def)
{
	const char	*s = json_string_value(json_object_get(o, key));

	return (s != NULL ? s : def);
}

/* An integer member of o, or 0. */
static long long
jint(json_t *o, const char *key)
{
	return ((long long)json_integer_value(json_object_get(o, key)));
}

/*
 * Open the session named by argv[0], or the most recent one when argc is
 * 0.  Prints the error; returns 0 or -1.
 */
static int
session_open_arg(const char *root, int argc, char **argv,
    struct session **s)
{
	char	*cause;

	*s = session_open(root, argc > 0 ? argv[0] : "", &cause);
	if (*s == NULL) {
		fprintf(stderr, "agentos: %s\n", cause);
		free(cause);
		return (-1);
	}
	return (0);
}

int
cli_session_list(int argc, char **argv, const char *root,
    struct config *cfg)
{
	struct session_summary	*list;
	size_t			 n, i;
	char			*cause, *prompt, when[32];

	if (argc > 1) {
		fprintf(stderr, "usage: agentos sessions\n");
		return (2);
	}
	if (session_list(root, &list, &n, &cause) != 0) {
		fprintf(stderr, "agentos: %s\n", cause);
		free(cause);
		return (1);
	}
	if (n == 0) {
		printf("No sessions in this repository yet.\n");
		free(list);
		return (0);
	}
	printf("%-22s %-16s %5s %15s %5s  %s\n", "ID", "STARTED", "TURNS",
	    "TOKENS IN/OUT", "SNAPS", "FIRST PROMPT");
	for (i = 0; i < n; i++) {
		session_time(list[i].created_ms, when, sizeof when, 0);
		prompt = session_oneline(list[i].first_prompt != NULL ?
		    list[i].first_prompt : "", 60);
		printf("%-22s %-16s %5d %7lld/%-7lld %5d  %s", list[i].id,
		    when, list[i].turns, (long long)list[i].input_tokens,
		    (long long)list[i].output_tokens, list[i].snapshots,
		    prompt);
		if (list[i].parent != NULL)
			printf("  (fork of %s at event %lld)", list[i].parent,
			    (long long)list[i].parent_seq);
		putchar('\n');
		free(prompt);
		session_summary_release(&list[i]);
	}
	free(list);
	return (0);
}

/*
 * A fenced code block around text, with a fence longer than any run of
 * backticks inside (CommonMark 0.31, 4.5 Fenced code blocks).
 */
static void
md_fence(FILE *f, const char *info, const char *text)
{
	size_t	run = 0, longest = 0, len = strlen(text), i;

	for (i = 0; i < len; i++) {
		run = text[i] == '`' ? run + 1 : 0;
		if (run > longest)
			longest = run;
	}
	longest = longest < 3 ? 3 : longest + 1;
	for (i = 0; i < longest; i++)
		fputc('`', f);
	fprintf(f, "%s\n%s%s", info, text,
	    len > 0 && text[len - 1] != '\n' ? "\n" : "");
	for (i = 0; i < longest; i++)
		fputc('`', f);
	fputs("\n\n", f);
}

/* The blocks of an assistant message as Markdown. */
static void
md_message(FILE *f, json_t *msg)
{
	json_t		*b;
	const char	*type;
	char		*input;
	size_t		 i;

	json_array_foreach(json_object_get(msg, "content"), i, b) {
		type = jstr(b, "type", "");
		if (strcmp(type, "text") == 0)
			fprintf(f, "%s\n\n", jstr(b, "text", ""));
		else if (strcmp(type, "thinking") == 0) {
			fputs("<details><summary>Thinking</summary>\n\n", f);
			fprintf(f, "%s\n\n</details>\n\n",
			    jstr(b, "thinking", ""));
		} else if (strcmp(type, "tool_use") == 0) {
			fprintf(f, "**Tool call** `%s` (%s)\n\n",
			    jstr(b, "name", "?"), jstr(b, "id", "?"));
			input = json_dumps(json_object_get(b, "input"),
			    JSON_INDENT(2) | JSON_SORT_KEYS);
			md_fence(f, "json", input != NULL ? input : "{}");
			free(input);
		}
	}
}

/* One event as Markdown (tool calls are shown from the response). */
static void
md_event(FILE *f, const struct event *ev)
{
	json_t		*d = ev->data, *u;
	const char	*note, *p;
	char		 dur[32];

	if (ev->invalid != NULL)
		fprintf(f, "> Event %lld is malformed (%s).\n\n",
		    (long long)ev->seq, ev->invalid);
	switch (ev->type) {
	case EV_USER:
		fprintf(f, "## User\n\n%s\n\n", jstr(d, "text", ""));
		break;
	case EV_RESPONSE:
		u = json_object_get(d, "usage");
		session_duration(jint(d, "total_ms"), dur, sizeof dur);
		fprintf(f, "## Assistant\n\n");
		md_message(f, json_object_get(d, "message"));
		fprintf(f, "*%s, %s; tokens in %lld, out %lld, cache read "
		    "%lld, cache write %lld*\n\n", jstr(d, "stop_reason", "?"),
		    dur, jint(u, "input_tokens"), jint(u, "output_tokens"),
		    jint(u, "cache_read_tokens"),
		    jint(u, "cache_write_tokens"));
		break;
	case EV_APPROVAL:
		note = jstr(d, "note", NULL);
		fprintf(f, "Approval of %s: **%s** by %s%s%s\n\n",
		    jstr(d, "id", "?"), jstr(d, "decision", "?"),
		    jstr(d, "by", "?"), note != NULL ? ": " : "",
		    note != NULL ? note : "");
		break;
	case EV_SNAPSHOT:
		fprintf(f, "Snapshot **%s** before %s\n\n", jstr(d, "id", "?"),
		    jstr(d, "action", "a change"));
		break;
	case EV_TOOL_RESULT:
		session_duration(jint(d, "duration_ms"), dur, sizeof dur);
		fprintf(f, "**Result** of %s (%s", jstr(d, "id", "?"), dur);
		if (json_object_get(d, "exit_status") != NULL &&
		    jint(d, "exit_status") != -1)
			fprintf(f, ", exit %lld", jint(d, "exit_status"));
		if (json_is_true(json_object_get(d, "truncated")))
			fputs(", truncated", f);
		if (json_is_true(json_object_get(d, "is_error")))
			fputs(", error", f);
		fputs("):\n\n", f);
		if (*jstr(d, "content", "") == '\0')
			fputs("*(no output)*\n\n", f);
		else
			md_fence(f, "", jstr(d, "content", ""));
		break;
	case EV_ERROR:
		fprintf(f, "> **Error:** %s\n\n", jstr(d, "message", "?"));
		break;
	case EV_RETRY:
		session_duration(jint(d, "delay_ms"), dur, sizeof dur);
		fprintf(f, "> Retry %lld after %s: %s\n\n",
		    jint(d, "attempt") + 1, dur, jstr(d, "reason", "?"));
		break;
	case EV_COMPACTION:
		if (json_is_string(json_object_get(d, "summary"))) {
			fprintf(f, "> Context (%s): compacted, about %lld to "
			    "%lld tokens; the summary:\n>\n> ",
			    jstr(d, "trigger", "?"), jint(d, "tokens_before"),
			    jint(d, "tokens_after"));
			for (p = jstr(d, "summary", ""); *p != '\0'; p++) {
				fputc(*p, f);
				if (*p == '\n' && p[1] != '\0')
					fputs("> ", f);
			}
			fputs("\n\n", f);
		} else if (json_is_array(json_object_get(d, "cleared")))
			fprintf(f, "> Context (%s): %zu old tool results "
			    "cleared, about %lld to %lld tokens.\n\n",
			    jstr(d, "trigger", "?"), json_array_size(
			    json_object_get(d, "cleared")),
			    jint(d, "tokens_before"), jint(d, "tokens_after"));
		else
			fputs("> The conversation was compacted here.\n\n", f);
		break;
	case EV_REWIND:
		fprintf(f, "> Files rewound to snapshot %s.\n\n",
		    jstr(d, "snapshot", "?"));
		break;
	case EV_TURN_END:
		fputs("---\n\n", f);
		break;
	case EV_BUDGET:
		fprintf(f, "> Budget %s (%s, by %s): %s\n\n",
		    jstr(d, "decision", "?"), jstr(d, "limit", "?"),
		    jstr(d, "by", "?"), jstr(d, "reason", "?"));
		break;
	case EV_HOOK:
		fprintf(f, "> Hook %s `%s`: %s (exit status %lld, %lld ms).\n\n",
		    jstr(d, "hook_event", "?"), jstr(d, "command", "?"),
		    jstr(d, "decision", "?"), (long long)json_integer_value(
		    json_object_get(d, "exit_status")), (long long)
		    json_integer_value(json_object_get(d, "duration_ms")));
		break;
	default:
		/* Requests, tool calls (shown in the response), unknown. */
		break;
	}
}

/* Every event as one JSON line (agentos(1), Event schema), bodies in. */
static int
export_jsonl(FILE *f, struct session *s, char **cause)
{
	struct session_iter	*it;
	const struct event	*ev;
	json_t			*j;
	char			*line;
	int			 rc;

	it = session_iter_open(s, 0, SESSION_ITER_BODIES, cause);
	if (it == NULL)
		return (-1);
	while ((rc = session_iter_next(it, &ev, cause)) == 1) {
		j = event_json(session_id(s), ev);
		line = json_dumps(j, JSON_COMPACT);
		fprintf(f, "%s\n", line);
		free(line);
		json_decref(j);
	}
	session_iter_close(it);
	return (rc);
}

/* A summary, then every event as Markdown: two walks over the log. */
static int
export_markdown(FILE *f, struct session *s, char **cause)
{
	struct session_iter	*it;
	const struct event	*ev;
	struct session_state	 st;
	const char		*parent;
	char			 when[32];
	int64_t			 at, first_ms = -1;
	json_t			*u;
	int			 rc;

	memset(&st, 0, sizeof st);
	if ((it = session_iter_open(s, 0, 0, cause)) == NULL)
		return (-1);
	while ((rc = session_iter_next(it, &ev, cause)) == 1) {
		if (first_ms < 0)
			first_ms = ev->time_ms;
		u = json_object_get(ev->data, "usage");
		switch (ev->type) {
		case EV_USER:
			st.turns++;
			break;
		case EV_SNAPSHOT:
			st.nsnapshots++;
			break;
		case EV_RESPONSE:
			st.requests++;
			st.usage.input_tokens += jint(u, "input_tokens");
			st.usage.output_tokens += jint(u, "output_tokens");
			st.usage.cache_read_tokens += jint(u,
			    "cache_read_tokens");
			st.usage.cache_write_tokens += jint(u,
			    "cache_write_tokens");
			break;
		default:
			break;
		}
	}
	session_iter_close(it);
	if (rc != 0)
		return (-1);
	fprintf(f, "# Session %s\n\n", session_id(s));
	if (first_ms >= 0) {
		session_time(first_ms, when, sizeof when, 1);
		fprintf(f, "- Started: %s\n", when);
	}
	if ((parent = session_parent(s, &at)) != NULL)
		fprintf(f, "- Forked from: %s at event %lld\n", parent,
		    (long long)at);
	fprintf(f, "- Turns: %d, model responses: %d\n", st.turns,
	    st.requests);
	fprintf(f, "- Tokens: in %lld, out %lld, cache read %lld, "
	    "cache write %lld\n", (long long)st.usage.input_tokens,
	    (long long)st.usage.output_tokens,
	    (long long)st.usage.cache_read_tokens,
	    (long long)st.usage.cache_write_tokens);
	fprintf(f, "- Snapshots: %zu\n\n", st.nsnapshots);
	if ((it = session_iter_open(s, 0, 0, cause)) == NULL)
		return (-1);
	while ((rc = session_iter_next(it, &ev, cause)) == 1)
		md_event(f, ev);
	session_iter_close(it);
	return (rc);
}

int
cli_session_export(int argc, char **argv, const char *root,
    struct config *cfg)
{
	static const struct option longopts[] = {
		{ "format", required_argument, NULL, 'f' },
		{ "output", required_argument, NULL, 'o' },
		{ NULL, 0, NULL, 0 }
	};
	struct session		*s = NULL;
	const char		*format = "markdown", *out = NULL;
	char			*cause = NULL;
	FILE			*f = stdout;
	int			 ch, rc = 1, error;

	optind = 0;	/* glibc: a full re-initialisation */
	while ((ch = getopt_long(argc, argv, "f:o:", longopts, NULL)) != -1) {
		switch (ch) {
		case 'f':
			format = optarg;
			break;
		case 'o':
			out = optarg;
			break;
		default:
			goto usage;
		}
	}
	if ((strcmp(format, "markdown") != 0 && strcmp(format, "md") != 0 &&
	    strcmp(format, "jsonl") != 0) || argc - optind > 1)
		goto usage;
	if (session_open_arg(root, argc - optind, argv + optind, &s) != 0)
		return (1);
	if (out != NULL && (f = fopen(out, "w")) == NULL) {
		fprintf(stderr, "agentos: %s: %m\n", out);
		f = stdout;
		goto out;
	}
	if (strcmp(format, "jsonl") == 0)
		error = export_jsonl(f, s, &cause);
	else
		error = export_markdown(f, s, &cause);
	if (error != 0) {
		fprintf(stderr, "agentos: %s\n", cause);
		free(cause);
		goto out;
	}
	if (fflush(f) != 0 || ferror(f)) {
		fprintf(stderr, "agentos: write error\n");
		goto out;
	}
	rc = 0;
out:
	if (f != stdout)
		fclose(f);
	session_close(s);
	return (rc);
usage:
	fprintf(stderr, "usage: agentos export [ID] [--format markdown|jsonl]"
	    " [-o FILE]\n");
	return (2);
}

/* Add a child span with a label (taken). */
static struct trace_span *
span_add(struct trace_span *parent, char *label, int64_t start_ms)
{
	struct trace_span	*sp;

	ALLOC_GROW(parent->kids, parent->nkids + 1, parent->akids);
	sp = &parent->kids[parent->nkids++];
	memset(sp, 0, sizeof *sp);
	sp->label = label;
	sp->start_ms = start_ms;
	return (sp);
}

/* Replace sp's label (taking the new one). */
static void
span_relabel(struct trace_span *sp, char *label)
{
	free(sp->label);
	sp->label = label;
}

/* Print the children of sp as a tree under prefix, then free them. */
static void
span_print(struct trace_span *sp, const char *prefix)
{
	size_t	 i;
	char	*next;
	int	 last;

	for (i = 0; i < sp->nkids; i++) {
		last = i == sp->nkids - 1;
		/* U+2514, U+251C, U+2500, U+2502: box drawing. */
		printf("%s%s %s\n", prefix, last ? "\342\224\224\342\224\200" :
		    "\342\224\234\342\224\200", sp->kids[i].label);
		next = xasprintf("%s%s", prefix, last ? "   " :
		    "\342\224\202  ");
		span_print(&sp->kids[i], next);
		free(next);
		free(sp->kids[i].label);
	}
	free(sp->kids);
	sp->kids = NULL;
	sp->nkids = sp->akids = 0;
}

/* The latest tool span of call id in the turn, or NULL. */
static struct trace_span *
span_find_tool(struct trace_span *turn, const char *id)
{
	size_t	i;

	if (id == NULL)
		return (NULL);
	for (i = turn->nkids; i > 0; i--) {
		if (turn->kids[i - 1].tool_id != NULL &&
		    strcmp(turn->kids[i - 1].tool_id, id) == 0)
			return (&turn->kids[i - 1]);
	}
	return (NULL);
}

/* Print a turn and empty it. */
static void
trace_turn_print(struct trace_turn *t)
{
	char	dur[32], model[32], tools[32];

	if (t->request_ms != 0)
		span_add(&t->root, xstrdup("model: no response (agentos "
		    "stopped while it streamed; discarded)"), t->request_ms);
	if (t->n == 0 && t->root.nkids == 0)
		return;
	session_duration(t->end_ms - t->start_ms, dur, sizeof dur);
	session_duration(t->model_ms, model, sizeof model);
	session_duration(t->tool_ms, tools, sizeof tools);
	if (t->n > 0)
		printf("turn %d  %s  (model %s, tools %s)  tokens in %lld "
		    "(+%lld cached) out %lld  \"%s\"\n", t->n, dur, model,
		    tools, (long long)t->in, (long long)t->cached,
		    (long long)t->out, t->prompt != NULL ? t->prompt : "");
	else
		printf("before the first turn\n");
	span_print(&t->root, "");
	free(t->prompt);
	t->prompt = NULL;
	t->request_ms = 0;
}

/* Add one event to the turn's tree. */
static void
trace_event(struct trace_turn *t, const struct event *ev)
{
	json_t		*d = ev->data, *u;
	struct trace_span	*sp;
	const char	*s, *id = jstr(d, "id", NULL);
	char		 a[32], b[32], *label;
	int64_t		 ms;

	if (ev->time_ms > t->end_ms)
		t->end_ms = ev->time_ms;
	switch (ev->type) {
	case EV_REQUEST:
		t->request_ms = ev->time_ms;
		t->model = jstr(d, "model", NULL);
		break;
	case EV_RESPONSE:
		u = json_object_get(d, "usage");
		ms = jint(d, "total_ms");
		t->in += jint(u, "input_tokens") +
		    jint(u, "cache_write_tokens");
		t->cached += jint(u, "cache_read_tokens");
		t->out += jint(u, "output_tokens");
		t->model_ms += ms;
		session_duration(ms, a, sizeof a);
		session_duration(jint(d, "first_token_ms"), b, sizeof b);
		span_add(&t->root, xasprintf("model %s  %s (first token %s)  "
		    "in %lld (cache read %lld, write %lld) out %lld  -> %s",
		    t->model != NULL ? t->model : "", a, b,
		    jint(u, "input_tokens"), jint(u, "cache_read_tokens"),
		    jint(u, "cache_write_tokens"), jint(u, "output_tokens"),
		    jstr(d, "stop_reason", "?")), t->request_ms != 0 ?
		    t->request_ms : ev->time_ms);
		t->request_ms = 0;
		break;
	case EV_TOOL_CALL:
		sp = span_add(&t->root, xasprintf("tool %s %s  (no result: "
		    "interrupted)", jstr(d, "name", "?"), id != NULL ? id : ""),
		    ev->time_ms);
		sp->tool_id = id;
		break;
	case EV_APPROVAL:
		if ((sp = span_find_tool(&t->root, id)) == NULL)
			sp = &t->root;
		session_duration(ev->time_ms - sp->start_ms, a, sizeof a);
		s = jstr(d, "note", NULL);
		if (s == NULL && (s = jstr(d, "path", NULL)) == NULL)
			s = jstr(d, "rule", NULL);
		span_add(sp, xasprintf("approval %s by %s  after %s%s%s",
		    jstr(d, "decision", "?"), jstr(d, "by", "?"), a,
		    s != NULL ? ": " : "", s != NULL ? s : ""), ev->time_ms);
		break;
	case EV_SNAPSHOT:
		s = jstr(d, "tool_use_id", NULL);
		if ((sp = span_find_tool(&t->root, s)) == NULL)
			sp = &t->root;
		span_add(sp, xasprintf("snapshot %s", id != NULL ? id : "?"),
		    ev->time_ms);
		break;
	case EV_TOOL_START:
		if ((sp = span_find_tool(&t->root, id)) != NULL)
			span_add(sp, xstrdup("run: started, no result "
			    "(interrupted)"), ev->time_ms);
		break;
	case EV_TOOL_RESULT:
		if ((sp = span_find_tool(&t->root, id)) == NULL) {
			sp = span_add(&t->root, xasprintf("tool %s",
			    id != NULL ? id : "?"), ev->time_ms);
			sp->tool_id = id;
		}
		ms = jint(d, "duration_ms");
		t->tool_ms += ms;
		session_duration(ms, a, sizeof a);
		session_duration(ev->time_ms - sp->start_ms, b, sizeof b);
		/* The tool's line gets the total, its run line the run. */
		s = strstr(sp->label, "  (no result");
		span_relabel(sp, xasprintf("%.*s  %s", s != NULL ?
		    (int)(s - sp->label) : (int)strlen(sp->label), sp->label,
		    b));
		/* Only commands have an exit status (-1: none, as for
		   the file tools). */
		if (json_is_integer(json_object_get(d, "exit_status")) &&
		    jint(d, "exit_status") != -1)
			xsnprintf(b, sizeof b, "  exit %lld",
			    jint(d, "exit_status"));
		else
			b[0] = '\0';
		label = xasprintf("run %s%s  %lld bytes%s%s", a, b,
		    jint(d, "bytes"),
		    json_is_true(json_object_get(d, "truncated")) ?
		    "  truncated" : "",
		    json_is_true(json_object_get(d, "is_error")) ?
		    "  error" : "");
		if (sp->nkids > 0 && strncmp(sp->kids[sp->nkids - 1].label,
		    "run:", 4) == 0)
			span_relabel(&sp->kids[sp->nkids - 1], label);
		else
			span_add(sp, label, ev->time_ms);
		break;
	case EV_RETRY:
		session_duration(jint(d, "delay_ms"), a, sizeof a);
		span_add(&t->root, xasprintf("retry %lld after %s: %s",
		    jint(d, "attempt") + 1, a, jstr(d, "reason", "?")),
		    ev->time_ms);
		break;
	case EV_ERROR:
		span_add(&t->root, xasprintf("error: %s",
		    jstr(d, "message", "?")), ev->time_ms);
		break;
	case EV_COMPACTION:
		span_add(&t->root, xstrdup("compaction"), ev->time_ms);
		break;
	case EV_REWIND:
		span_add(&t->root, xasprintf("rewind to snapshot %s",
		    jstr(d, "snapshot", "?")), ev->time_ms);
		break;
	case EV_TURN_END:
		span_add(&t->root, xasprintf("end: %s",
		    jstr(d, "stop_reason", "?")), ev->time_ms);
		break;
	case EV_BUDGET:
		span_add(&t->root, xasprintf("budget %s by %s: %s",
		    jstr(d, "decision", "?"), jstr(d, "by", "?"),
		    jstr(d, "reason", "?")), ev->time_ms);
		break;
	case EV_HOOK:
		span_add(&t->root, xasprintf("hook %s %.60s: %s (exit %lld, "
		    "%lld ms)", jstr(d, "hook_event", "?"), jstr(d, "command",
		    "?"), jstr(d, "decision", "?"), (long long)
		    json_integer_value(json_object_get(d, "exit_status")),
		    (long long)json_integer_value(json_object_get(d,
		    "duration_ms"))), ev->time_ms);
		break;
	default:
		/* Users start turns (cli_session_trace); unknown: nothing. */
		break;
	}
}

int
cli_session_trace(int argc, char **argv, const char *root,
    struct config *cfg)
{
	struct session		*s;
	struct event		*evs = NULL;
	struct trace_turn	 t;
	size_t			 n = 0, i;
	char			*cause;
	const char		*otlp_url = NULL;
	int			 rc = 1, otlp = 0;

	/* --otlp [URL]: send the spans to a collector (cli-trace.c). */
	if (argc > 1 && strcmp(argv[1], "--otlp") == 0) {
		otlp = 1;
		argc--;
		argv++;
		if (argc > 1 && (strncmp(argv[1], "http://", 7) == 0 ||
		    strncmp(argv[1], "https://", 8) == 0)) {
			otlp_url = argv[1];
			argc--;
			argv++;
		}
	}
	if (argc > 2) {
		fprintf(stderr, "usage: agentos trace [--otlp [URL]] [ID]\n");
		return (2);
	}
	if (session_open_arg(root, argc - 1, argv + 1, &s) != 0)
		return (1);
	/* Spans borrow strings of the events: all of them stay in memory. */
	if (session_read(s, 0, &evs, &n, &cause) != 0) {
		fprintf(stderr, "agentos: %s\n", cause);
		free(cause);
		goto out;
	}
	if (otlp) {
		rc = cli_trace_otlp(otlp_url, session_id(s), evs, n);
		goto out;
	}
	printf("session %s: %zu events\n", session_id(s), n);
	memset(&t, 0, sizeof t);
	for (i = 0; i < n; i++) {
		if (evs[i].type == EV_USER) {
			trace_turn_print(&t);
			t.prompt = session_oneline(jstr(evs[i].data, "text",
			    ""), 50);
			t.n++;
			t.start_ms = t.end_ms = evs[i].time_ms;
			t.in = t.out = t.cached = t.model_ms = t.tool_ms = 0;
		}
		trace_event(&t, &evs[i]);
	}
	trace_turn_print(&t);
	rc = 0;
out:
	session_events_free(evs, n);
	session_close(s);
	return (rc);
}
