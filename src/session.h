/*
 * session.h: the write-ahead session log (session.c) and what keeps secrets out
 * of it (session-redact.c).  Event kinds are in event.h.
 */
#ifndef SESSION_H
#define SESSION_H

#include "agentos.h"

/* session.c: the write-ahead event log (SQLite under .git/agentos/) */

/*
 * One SQLite database per repository, <git common dir>/agentos/sessions.db,
 * in WAL mode with synchronous=NORMAL: a committed event survives a crash
 * of the process (kill -9) though not necessarily a power loss.  The schema
 * version is PRAGMA user_version; older databases are migrated on open.
 *
 * The kinds of events and their data are the rows of event_table[]
 * (event.h, event.c; agentos(1), SESSION LOG).
 */
#define SESSION_DB_DIR		"agentos"
#define SESSION_DB_NAME		"sessions.db"
#define SESSION_SCHEMA_VERSION	2

/* What session_load() found besides the conversation. */
struct session_state {
	int		  turns;		/* user messages */
	int		  requests;		/* model responses */
	struct usage	  usage;		/* summed over responses */
	double		  cost_usd;		/* summed over responses of
						   known cost (cost_usd) */
	int		  cost_unknown;		/* responses of unknown cost */
	char		**snapshots;		/* snapshot ids, oldest first */
	size_t		  nsnapshots, asnapshots;
	char		 *first_prompt;		/* NULL when none */
	/*
	 * The last turn was cut short: the conversation ends with a user
	 * message (text or tool results) and no turn_end followed, so the
	 * model must be called again.
	 */
	int		  interrupted;
	/* Tool calls reported to the model as interrupted (not re-run). */
	int		  interrupted_tools;
	int64_t		  last_seq;		/* 0 when empty */
	int64_t		 *user_seqs;		/* seq of each "user" event */
	size_t		  nuser_seqs, auser_seqs;
	/* Notes of rewinds after the last prompt, not yet sent; or NULL. */
	char		 *rewind_note;
};

/* A row of the session list. */
struct session_summary {
	char		*id;
	int64_t		 created_ms;		/* created (wall, ms); a fork:
						   when it was forked */
	int64_t		 updated_ms;		/* last event (or the fork,
						   when later) */
	char		*first_prompt;		/* NULL when none */
	char		*parent;		/* forked from; NULL if none */
	int64_t		 parent_seq;
	int64_t		 events;
	int		 turns;
	int64_t		 input_tokens;		/* incl. cache reads, writes */
	int64_t		 output_tokens;
	int		 snapshots;		/* snapshot_count() */
};

/*
 * Open a session of the repository whose worktree is root, creating the
 * database on first use.  id NULL: a new session (the id, such as
 * 20261122-221459-ab12, sorts by time; nothing is written before the first
 * event); id "": the most recent session of this worktree (linked
 * worktrees share the database); else that id or a unique prefix of one.
 * NULL with cause (no such session, ambiguous prefix, database
 * error).  Secrets in ANTHROPIC_API_KEY, OPENAI_API_KEY and
 * ANTHROPIC_AUTH_TOKEN are redacted from then on.
 */
struct session *session_open(const char *root, const char *id, char **cause);
/*
 * Apply cfg (borrowed, read now): its api_key is redacted, the "redact"
 * option's PCRE2 patterns are added, "session.log_bodies" false drops
 * request bodies.  0, or -1 with cause naming a bad pattern (the others
 * still apply).
 */
int	 session_configure(struct session *s, const struct config *cfg,
	    char **cause);
/*
 * A new session whose parent is (from, at_event): it starts with copies of
 * from's events with seq <= at_event (all of them when at_event < 0), under
 * the same seq numbers; from is untouched.  To rewind to before a user
 * message, fork at that message's seq - 1.  NULL with cause.
 */
struct session *session_fork(struct session *from, int64_t at_event,
	    char **cause);
const char *session_id(struct session *s);
/* The seq of the last event (0 when none). */
int64_t	 session_last_seq(struct session *s);
/*
 * Append and commit one event of type (not EV_UNKNOWN: that aborts) with
 * data (borrowed, normally from event_pack(); a redacted copy is written).
 * Returns the event's seq (> 0), or -1: the failure is logged and
 * session_failed() becomes nonzero, so the caller tells the user once.
 */
int64_t	 session_append(struct session *s, enum event_type type,
	    json_t *data);
/* Nonzero after an append failed (with the first failure's message). */
const char *session_failed(struct session *s);
/*
 * Call cb with each event after it is committed, as a reader would get it
 * back (no request body; ev and the session id borrowed for the call):
 * event_json(session, ev) is the stream-json output of -p.  cb NULL stops.
 */
void	 session_set_tap(struct session *s, void (*cb)(void *arg,
	    const char *session, const struct event *ev), void *arg);
/*
 * Rebuild the conversation for a resume into conv (initialised, empty):
 * "user" gives a user text message, "response" an assistant message,
 * "tool_result"s the tool_result blocks of one user message after it.  A
 * tool use without a result becomes an is_error result saying it was
 * interrupted and not re-run (with the snapshot to restore); a request
 * without a response adds nothing.  st (may be NULL) gets the rest;
 * release it with session_state_release().  0 or -1 with cause.
 */
int	 session_load(struct session *s, struct conv *conv,
	    struct session_state *st, char **cause);
void	 session_state_release(struct session_state *st);
/*
 * The one way to read a session's events: session_iter_open() walks those
 * with seq > after, oldest first; each session_iter_next() gives the next
 * one in *ev (borrowed until the next call or the close) and returns 1, or
 * 0 at the end, or -1 with cause on a database error.  Events whose data
 * does not fit their row have ev->invalid set; unknown kinds come as
 * EV_UNKNOWN with their stored name.  flags:
 *   SESSION_ITER_BODIES: request events get their body back (else none);
 *   SESSION_ITER_LOAD: only the kinds marked EVK_LOAD, and of those not
 *	EVK_LOAD_WHOLE only the members id, text, content, is_error and
 *	tool_use_id (unchecked): what session_load() needs, fast.
 * session_iter_open() returns NULL with cause on a database error; the
 * session must outlive the iterator.
 */
#define SESSION_ITER_BODIES	0x1
#define SESSION_ITER_LOAD	0x2
struct session_iter;
struct session_iter *session_iter_open(struct session *s, int64_t after,
	    int flags, char **cause);
int	 session_iter_next(struct session_iter *it, const struct event **ev,
	    char **cause);
void	 session_iter_close(struct session_iter *it);
/*
 * All events with seq > after, bodies included, into *evs (*n of them),
 * through the iterator; free with session_events_free().  0 or -1.
 */
int	 session_read(struct session *s, int64_t after, struct event **evs,
	    size_t *n, char **cause);
void	 session_events_free(struct event *evs, size_t n);
/* The parent of s and the event it forked at; NULL when none. */
const char *session_parent(struct session *s, int64_t *at_event);
/*
 * The sessions of the repository at root, most recently active first
 * (sessions without events are left out).  Release each with
 * session_summary_release() and free *list.  0 or -1 with cause.
 */
int	 session_list(const char *root, struct session_summary **list,
	    size_t *n, char **cause);
void	 session_summary_release(struct session_summary *ss);
void	 session_close(struct session *s);
/* The database path of the repository at root (caller frees); NULL+cause. */
char	*session_db_path(const char *root, char **cause);

/* session-redact.c: secrets kept out of the log (PCRE2, JIT) */
struct session_redact;
/*
 * A redactor with the built-in patterns: sk-ant-..., sk-..., AKIA...,
 * ghp_... (and gho_, ghu_, ghs_, ghr_), the token after "Bearer ", and the
 * value after x-api-key.  NULL never.
 */
struct session_redact *session_redact_create(void);
/* Take one more reference; session_redact_free() drops one. */
struct session_redact *session_redact_ref(struct session_redact *r);
void	 session_redact_free(struct session_redact *r);
/*
 * Add a PCRE2 pattern: its whole match (from \K on, if used) is replaced.
 * 0 or -1 with cause (the compile error and offset).
 */
int	 session_redact_add(struct session_redact *r, const char *pattern,
	    char **cause);
/* Add a literal secret (ignored when shorter than 8 bytes). */
void	 session_redact_add_literal(struct session_redact *r, const char *s);
/*
 * Redact s (len bytes): NULL when nothing matched, else the redacted text
 * (each secret replaced by "[REDACTED]"; caller frees, length in *outlen).
 */
char	*session_redact_string(struct session_redact *r, const char *s,
	    size_t len, size_t *outlen);
/*
 * Redact every string of j in place, and the whole value of members named
 * like credentials (api_key, authorization, x-api-key, ...).  Returns the
 * number of redactions.
 */
int	 session_redact_json(struct session_redact *r, json_t *j);

#endif
