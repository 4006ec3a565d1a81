/*
 * event.h: the kinds of session events, one table row each.
 *
 * Every step of a turn is a typed event: the agent and the tool pipeline
 * make one with event_pack(), the session log stores it (session.c), and
 * the readers (session_load, stream-json, export, trace, replay) get it back
 * as a struct event through one iterator (session_iter_*, in agentos.h)
 * and switch on its type.  The stored and streamed form is the JSON object
 * of agentos(1), SESSION LOG, Event schema:
 *
 *	{"session": ID, "seq": N, "time_ms": MS, "type": NAME, "data": {...}}
 *
 * NAME and the member names of data are a public interface (scripts parse
 * stream-json); tests/data/stream-json.golden pins them.
 *
 * To add an event kind: add its enum value before EV__COUNT and its row to
 * event_table[] in event.c (name, fields, flags), and document it in
 * agentos(1).  Readers that do not know a kind pass it through untouched;
 * a kind read from a newer database that this table lacks is EV_UNKNOWN
 * with the stored name kept.
 *
 * Standalone: this header does not include agentos.h.
 */
#ifndef EVENT_H
#define EVENT_H

#include <stdint.h>

#include <jansson.h>

enum event_type {
	EV_UNKNOWN = 0,		/* a name this table does not know */
	EV_USER,		/* a user message */
	EV_REQUEST,		/* a model request was sent */
	EV_RESPONSE,		/* the model's complete answer */
	EV_TOOL_CALL,		/* a tool use of the answer */
	EV_APPROVAL,		/* how a tool call was allowed or refused */
	EV_SNAPSHOT,		/* a snapshot before a change */
	EV_TOOL_START,		/* a tool call started to run */
	EV_TOOL_RESULT,		/* what a tool call gave back */
	EV_ERROR,		/* a turn failed */
	EV_RETRY,		/* a model request is retried */
	EV_COMPACTION,		/* the conversation was compacted */
	EV_REWIND,		/* files were rewound to a snapshot */
	EV_TURN_END,		/* a turn ended */
	EV_BUDGET,		/* a limit warned, stopped, asked, went on */
	EV_MCP,			/* an MCP server: ready, failed, a log */
	EV_USER_SHELL,		/* the user's !command ran */
	EV_TODO,		/* the model's todo list changed */
	EV_HOOK,		/* a hook command ran (hook.h) */
	EV_ATTACHMENT,		/* what @SERVER:URI words attached */
	EV__COUNT
};

/* The JSON type of a member of an event's data. */
enum event_ftype {
	EVF_STRING,
	EVF_INTEGER,
	EVF_BOOLEAN,
	EVF_OBJECT,
	EVF_ARRAY,
	EVF_ANY,		/* any JSON value */
	EVF_NUMBER		/* an integer or a real */
};

/* event_field.flags */
#define EVF_OPTIONAL	0x1	/* may be absent */
#define EVF_NULLABLE	0x2	/* may be JSON null */

/* One member of an event's data. */
struct event_field {
	const char		*name;
	enum event_ftype	 type;
	int			 flags;
};

/* event_kind.flags */
#define EVK_LOAD	0x1	/* session_load() needs it to resume */
#define EVK_LOAD_WHOLE	0x2	/* ... and all of its data, not a few members */

/* A row of event_table[]. */
struct event_kind {
	const char			*name;	/* stored, streamed name */
	const struct event_field	*fields; /* ends with a NULL name */
	int				 flags;	/* EVK_* */
};

/* Indexed by enum event_type; event_table[EV_UNKNOWN].name is "". */
extern const struct event_kind event_table[EV__COUNT];

/*
 * One event as read back or as just written.  Whoever made it owns it
 * (event_release() frees name, invalid and the data reference); events a
 * callback or an iterator hands out are borrowed for that call or until
 * the next step.
 */
struct event {
	enum event_type	 type;
	char		*name;		/* as stored: for EV_UNKNOWN the only
					   clue to what it is */
	int64_t		 seq;		/* > 0 in its session; -1 unlogged */
	int64_t		 time_ms;	/* wall clock, ms since the epoch */
	json_t		*data;		/* one reference owned */
	/*
	 * NULL, or why data does not fit its row (a member missing or of the
	 * wrong type, unreadable JSON): readers show or skip such an event,
	 * they never trust its members.  Always NULL for EV_UNKNOWN.
	 */
	char		*invalid;
};

/* The stored name of type ("" for EV_UNKNOWN or out of range); static. */
const char	*event_name(enum event_type type);
/* The type whose stored name is name; EV_UNKNOWN when none (or NULL). */
enum event_type	 event_type_from_name(const char *name);

/*
 * Check data against the row of type: every required member present with
 * its type, optional ones of their type when present.  With strict, a
 * member the row does not list is an error too (writers are strict;
 * readers are not, so a newer agentos may add members).  EV_UNKNOWN
 * accepts any object.  0, or -1 with cause naming the event and member.
 */
int		 event_check(enum event_type type, const json_t *data,
		    int strict, char **cause);

/*
 * Make the data of an event of type, as json_pack(fmt, ...) would, and
 * check it strictly against the row: a mismatch is a bug of the caller
 * and aborts with fatalx() naming the member.  Returns a new reference.
 * Example: event_pack(EV_USER, "{s:s}", "text", text).
 */
json_t		*event_pack(enum event_type type, const char *fmt, ...);

/*
 * Fill ev from a stored row: name (copied; NULL is taken as ""), seq,
 * time_ms and data (the reference is taken).  type comes from the name;
 * ev->invalid is set when data does not fit the row (readers' check: not
 * strict).  data NULL stands for unreadable JSON, whose reason is why
 * (may be NULL); ev->data is then {"unreadable": why}.
 */
void		 event_init(struct event *ev, const char *name, int64_t seq,
		    int64_t time_ms, json_t *data, const char *why);
/* Copy ev into dst (a new reference to the same data). */
void		 event_copy(struct event *dst, const struct event *ev);
/* Free what ev owns and clear it. */
void		 event_release(struct event *ev);

/*
 * The JSONL / stream-json form of ev in session (see the top of this
 * file); a new reference.  The stored name is used, so unknown kinds pass
 * through as they were.
 */
json_t		*event_json(const char *session, const struct event *ev);

#endif
