/* event.c: the table of session event kinds: names, fields, pack, check. */
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>

#include "event.h"
#include "xmalloc.h"
#include "banned.h"

#define F(n, t)		{ .name = n, .type = t, .flags = 0 }
#define FOPT(n, t)	{ .name = n, .type = t, .flags = EVF_OPTIONAL }
#define FEND		{ .name = NULL }

static const struct event_field ev_user[] = {
	F("text", EVF_STRING),
	FOPT("note", EVF_STRING),	/* sent before text: files rewound */
	/* [{sha256, media_type, name, width, height, bytes}]: image.h */
	FOPT("images", EVF_ARRAY),
	/* What the transcript showed (paste placeholders), when not text. */
	FOPT("shown", EVF_STRING),
	FEND
};
static const struct event_field ev_request[] = {
	F("provider", EVF_STRING),
	F("model", EVF_STRING),
	F("max_tokens", EVF_INTEGER),
	F("body_sha256", EVF_STRING),
	/* Left out of stream-json, and of the log without log_bodies. */
	FOPT("body", EVF_STRING),
	FEND
};
static const struct event_field ev_response[] = {
	F("message", EVF_OBJECT),	/* conv_message_to_json() */
	F("stop_reason", EVF_STRING),
	F("usage", EVF_OBJECT),		/* {input,output,cache_read,
					    cache_write}_tokens */
	F("first_token_ms", EVF_INTEGER),
	F("total_ms", EVF_INTEGER),
	/* The model that answered, and what it cost (budget.c); null:
	   no price for the model. */
	FOPT("model", EVF_STRING),
	{ .name = "cost_usd", .type = EVF_NUMBER,
	  .flags = EVF_OPTIONAL|EVF_NULLABLE },
	/* The context manager (context-calib.c): its estimate of the
	   request's tokens, and the bytes per token learned so far. */
	FOPT("estimate", EVF_INTEGER),
	FOPT("bytes_per_token", EVF_NUMBER),
	FEND
};
static const struct event_field ev_tool_call[] = {
	F("id", EVF_STRING),
	F("name", EVF_STRING),
	F("input", EVF_ANY),
	FEND
};
static const struct event_field ev_approval[] = {
	F("id", EVF_STRING),
	F("decision", EVF_STRING),
	F("by", EVF_STRING),
	FOPT("note", EVF_STRING),
	FOPT("rule", EVF_STRING),	/* "allow Bash(git status)" */
	FOPT("rule_from", EVF_STRING),	/* the rule's file, or "session" */
	FOPT("path", EVF_STRING),	/* a protected path asked about */
	FEND
};
static const struct event_field ev_snapshot[] = {
	F("id", EVF_STRING),
	{ .name = "commit", .type = EVF_STRING, .flags = EVF_NULLABLE },
	F("action", EVF_STRING),
	F("tool_use_id", EVF_STRING),
	FEND
};
static const struct event_field ev_tool_start[] = {
	F("id", EVF_STRING), FEND
};
static const struct event_field ev_tool_result[] = {
	F("id", EVF_STRING),
	F("content", EVF_STRING),
	F("is_error", EVF_BOOLEAN),
	/* A call never started (a cancelled turn) has only the above. */
	FOPT("exit_status", EVF_INTEGER),
	FOPT("duration_ms", EVF_INTEGER),
	FOPT("bytes", EVF_INTEGER),
	FOPT("truncated", EVF_BOOLEAN),
	FEND
};
static const struct event_field ev_error[] = {
	F("message", EVF_STRING), FEND
};
static const struct event_field ev_retry[] = {
	F("attempt", EVF_INTEGER),
	F("delay_ms", EVF_INTEGER),
	F("reason", EVF_STRING),
	FEND
};
static const struct event_field ev_compaction[] = {
	/* With messages, they replace the conversation on resume. */
	FOPT("messages", EVF_ARRAY),
	/* Clearing (context-clear.c): auto or overflow. */
	FOPT("trigger", EVF_STRING),
	FOPT("tokens_before", EVF_INTEGER),
	FOPT("tokens_after", EVF_INTEGER),
	/* [{"id": TOOL_USE_ID, "stub": TEXT}]: results replaced on resume. */
	FOPT("cleared", EVF_ARRAY),
	/*
	 * A summary (context-compact.c): its text, the messages it replaced,
	 * the user's messages kept verbatim, the oldest messages left out of
	 * the summary request; "messages" is the conversation after it.
	 */
	FOPT("summary", EVF_STRING),
	FOPT("replaced", EVF_INTEGER),
	FOPT("user_kept", EVF_INTEGER),
	FOPT("left_out", EVF_INTEGER),
	FEND
};
static const struct event_field ev_rewind[] = {
	F("snapshot", EVF_STRING),
	{ .name = "before", .type = EVF_STRING,
	  .flags = EVF_OPTIONAL|EVF_NULLABLE },
	FOPT("note", EVF_STRING),	/* told to the model next prompt */
	FEND
};
static const struct event_field ev_turn_end[] = {
	F("stop_reason", EVF_STRING),
	FOPT("error", EVF_STRING),
	FEND
};
static const struct event_field ev_budget[] = {
	/* warn, ask, stop, continue */
	F("decision", EVF_STRING),
	/* max_turns, max_budget_usd, max_duration, stuck */
	F("limit", EVF_STRING),
	F("reason", EVF_STRING),
	/* The figures: calls, USD, ms (none for stuck). */
	FOPT("used", EVF_NUMBER),
	FOPT("max", EVF_NUMBER),
	/* Who decided: "limit" or "user". */
	F("by", EVF_STRING),
	FOPT("errors", EVF_ARRAY),	/* stuck: the last tool errors */
	FEND
};
static const struct event_field ev_mcp[] = {
	F("server", EVF_STRING),
	/* ready, failed, log, elicitation */
	F("what", EVF_STRING),
	FOPT("reason", EVF_STRING),	/* failed */
	FOPT("tools", EVF_INTEGER),	/* ready */
	FOPT("level", EVF_STRING),	/* log: the server's level */
	FOPT("logger", EVF_STRING),
	FOPT("message", EVF_STRING),	/* log: its data as text;
					   elicitation: the server's */
	FOPT("mode", EVF_STRING),	/* elicitation: form or url */
	FOPT("action", EVF_STRING),	/* elicitation: the answer */
	FEND
};
static const struct event_field ev_user_shell[] = {
	F("command", EVF_STRING),
	F("exit_status", EVF_INTEGER),	/* -1: none (stopped, not run) */
	F("output", EVF_STRING),	/* the bash tool's result */
	F("cancelled", EVF_BOOLEAN),
	FOPT("snapshot", EVF_STRING),	/* taken before it ran */
	FEND
};
static const struct event_field ev_hook[] = {
	F("hook_event", EVF_STRING),	/* PreToolUse, Stop, ... */
	F("command", EVF_STRING),
	F("exit_status", EVF_INTEGER),	/* -1: killed, not started */
	F("duration_ms", EVF_INTEGER),
	/* ok, block, deny, ask, allow, stop, error, timeout, cancelled */
	F("decision", EVF_STRING),
	FOPT("matcher", EVF_STRING),
	FOPT("source", EVF_STRING),	/* the config file */
	FOPT("tool_use_id", EVF_STRING),
	FEND
};
static const struct event_field ev_todo[] = {
	F("id", EVF_STRING),		/* the todo_write call */
	F("todos", EVF_ARRAY),		/* {content, status, activeForm?} */
	FEND
};
static const struct event_field ev_attachment[] = {
	/* The text added to the user message before it, as sent. */
	F("text", EVF_STRING),
	F("source", EVF_STRING),	/* "mcp": resources/read */
	FEND
};
static const struct event_field ev_none[] = {
	FEND
};

const struct event_kind event_table[EV__COUNT] = {
	[EV_UNKNOWN] = { .name = "", .fields = ev_none },
	/* Whole: the rewind note of a user event is not among the members. */
	[EV_USER] = { .name = "user", .fields = ev_user,
	    .flags = EVK_LOAD|EVK_LOAD_WHOLE },
	[EV_REQUEST] = { .name = "request", .fields = ev_request },
	[EV_RESPONSE] = { .name = "response", .fields = ev_response,
	    .flags = EVK_LOAD|EVK_LOAD_WHOLE },
	[EV_TOOL_CALL] = { .name = "tool_call", .fields = ev_tool_call },
	[EV_APPROVAL] = { .name = "approval", .fields = ev_approval },
	[EV_SNAPSHOT] = { .name = "snapshot", .fields = ev_snapshot,
	    .flags = EVK_LOAD },
	[EV_TOOL_START] = { .name = "tool_start", .fields = ev_tool_start,
	    .flags = EVK_LOAD },
	[EV_TOOL_RESULT] = { .name = "tool_result", .fields = ev_tool_result,
	    .flags = EVK_LOAD },
	[EV_ERROR] = { .name = "error", .fields = ev_error },
	[EV_RETRY] = { .name = "retry", .fields = ev_retry },
	[EV_COMPACTION] = { .name = "compaction", .fields = ev_compaction,
	    .flags = EVK_LOAD|EVK_LOAD_WHOLE },
	[EV_REWIND] = { .name = "rewind", .fields = ev_rewind,
	    .flags = EVK_LOAD|EVK_LOAD_WHOLE },
	[EV_TURN_END] = { .name = "turn_end", .fields = ev_turn_end,
	    .flags = EVK_LOAD },
	[EV_BUDGET] = { .name = "budget", .fields = ev_budget },
	[EV_MCP] = { .name = "mcp", .fields = ev_mcp },
	/* Loaded: its note waits for the next user message. */
	[EV_USER_SHELL] = { .name = "user_shell", .fields = ev_user_shell,
	    .flags = EVK_LOAD|EVK_LOAD_WHOLE },
	[EV_TODO] = { .name = "todo", .fields = ev_todo },
	[EV_HOOK] = { .name = "hook", .fields = ev_hook },
	/* Loaded: a resume sends what the model saw, not a new read. */
	[EV_ATTACHMENT] = { .name = "attachment", .fields = ev_attachment,
	    .flags = EVK_LOAD|EVK_LOAD_WHOLE },
};

static int	event_field_ok(const struct event_field *, const json_t *);

const char *
event_name(enum event_type type)
{
	if ((int)type < 0 || type >= EV__COUNT)
		return ("");
	return (event_table[type].name);
}

enum event_type
event_type_from_name(const char *name)
{
	int	i;

	if (name == NULL || *name == '\0')
		return (EV_UNKNOWN);
	for (i = 1; i < EV__COUNT; i++) {
		if (strcmp(event_table[i].name, name) == 0)
			return ((enum event_type)i);
	}
	return (EV_UNKNOWN);
}

/* Whether v (present) has the type field f asks for. */
static int
event_field_ok(const struct event_field *f, const json_t *v)
{
	if (json_is_null(v) && f->type != EVF_ANY)
		return ((f->flags & EVF_NULLABLE) != 0);
	switch (f->type) {
	case EVF_STRING:
		return (json_is_string(v));
	case EVF_INTEGER:
		return (json_is_integer(v));
	case EVF_BOOLEAN:
		return (json_is_boolean(v));
	case EVF_OBJECT:
		return (json_is_object(v));
	case EVF_ARRAY:
		return (json_is_array(v));
	case EVF_ANY:
		return (1);
	case EVF_NUMBER:
		return (json_is_number(v));
	}
	return (0);
}

int
event_check(enum event_type type, const json_t *data, int strict,
    char **cause)
{
	const struct event_kind		*k;
	const struct event_field	*f;
	const char			*key;
	json_t				*v;

	if ((int)type < 0 || type >= EV__COUNT) {
		*cause = xasprintf("event type %d is out of range", (int)type);
		return (-1);
	}
	k = &event_table[type];
	if (!json_is_object(data)) {
		*cause = xasprintf("%s event: data is not an object",
		    type == EV_UNKNOWN ? "unknown" : k->name);
		return (-1);
	}
	if (type == EV_UNKNOWN)
		return (0);
	for (f = k->fields; f->name != NULL; f++) {
		v = json_object_get(data, f->name);
		if (v == NULL) {
			if (f->flags & EVF_OPTIONAL)
				continue;
			*cause = xasprintf("%s event: no member %s", k->name,
			    f->name);
			return (-1);
		}
		if (!event_field_ok(f, v)) {
			*cause = xasprintf("%s event: member %s has the wrong "
			    "type", k->name, f->name);
			return (-1);
		}
	}
	if (!strict)
		return (0);
	json_object_foreach((json_t *)data, key, v) {
		for (f = k->fields; f->name != NULL; f++) {
			if (strcmp(f->name, key) == 0)
				break;
		}
		if (f->name == NULL) {
			*cause = xasprintf("%s event: member %s is not in its "
			    "row of event_table", k->name, key);
			return (-1);
		}
	}
	return (0);
}

json_t *
event_pack(enum event_type type, const char *fmt, ...)
{
	json_error_t	 jerr;
	json_t		*data;
	va_list		 ap;
	char		*cause;

	va_start(ap, fmt);
	data = json_vpack_ex(&jerr, 0, fmt, ap);
	va_end(ap);
	if (data == NULL)
		fatalx("%s event: %s", event_name(type), jerr.text);
	if (event_check(type, data, 1, &cause) != 0)
		fatalx("%s", cause);
	return (data);
}

void
event_init(struct event *ev, const char *name, int64_t seq, int64_t time_ms,
    json_t *data, const char *why)
{
	char	*cause;

	memset(ev, 0, sizeof *ev);
	ev->name = xstrdup(name != NULL ? name : "");
	ev->type = event_type_from_name(ev->name);
	ev->seq = seq;
	ev->time_ms = time_ms;
	if (data == NULL) {
		ev->data = json_pack("{s:s}", "unreadable",
		    why != NULL ? why : "unreadable JSON");
		ev->invalid = xasprintf("%s event: unreadable data: %s",
		    *ev->name != '\0' ? ev->name : "unnamed",
		    why != NULL ? why : "unreadable JSON");
		return;
	}
	ev->data = data;
	if (event_check(ev->type, data, 0, &cause) != 0)
		ev->invalid = cause;
}

void
event_copy(struct event *dst, const struct event *ev)
{
	dst->type = ev->type;
	dst->name = xstrdup(ev->name != NULL ? ev->name :
	    event_name(ev->type));
	dst->seq = ev->seq;
	dst->time_ms = ev->time_ms;
	dst->data = json_incref(ev->data);
	dst->invalid = ev->invalid != NULL ? xstrdup(ev->invalid) : NULL;
}

void
event_release(struct event *ev)
{
	free(ev->name);
	free(ev->invalid);
	json_decref(ev->data);
	memset(ev, 0, sizeof *ev);
}

json_t *
event_json(const char *session, const struct event *ev)
{
	const char	*name = ev->name;

	if (name == NULL || (*name == '\0' && ev->type != EV_UNKNOWN))
		name = event_name(ev->type);
	return (json_pack("{s:s,s:I,s:I,s:s,s:O}", "session", session,
	    "seq", (json_int_t)ev->seq, "time_ms", (json_int_t)ev->time_ms,
	    "type", name, "data", ev->data));
}
