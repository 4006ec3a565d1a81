/*
 * sse.h: an incremental parser for Server-Sent Events (text/event-stream).
 *
 * Follows the WHATWG HTML standard, section 9.2.6 "Interpreting an event
 * stream" (html.spec.whatwg.org/multipage/server-sent-events.html):
 * lines end in LF, CRLF or CR; a line starting with ':' is a comment; a
 * field is "name: value" with one space after the colon removed, or a bare
 * "name" with an empty value; repeated data lines are joined with LF; a
 * blank line dispatches the event unless no data line was seen; an
 * "id" containing NUL is ignored and the last id persists across events;
 * "retry" with only ASCII digits sets the reconnection time (kept for the
 * caller: sse_parser_retry()); unknown fields are ignored; a leading UTF-8
 * BOM is skipped.
 *
 * Bytes may be fed in chunks split anywhere (mid-line, mid-UTF-8).  The
 * parser is bounded: a line or an event's data longer than the cap given
 * at creation is an error, never a crash or unbounded growth.
 *
 * Standalone: depends on buf.h and xmalloc.h only.
 */
#ifndef SSE_H
#define SSE_H

#include <stddef.h>

#define SSE_DEFAULT_MAX	(16 * 1024 * 1024)	/* bytes */

/*
 * One event.  All strings are borrowed for the duration of the callback
 * and NUL-terminated.  event is "message" when the event had no "event:"
 * line; data is datalen bytes (may contain NUL bytes); id is the last
 * event id seen ("" if none).
 */
struct sse_event {
	const char	*event;
	const char	*data;
	size_t		 datalen;
	const char	*id;
};

/*
 * The event callback: return 0 to go on, or -1 with an allocated *cause to
 * stop; sse_parser_feed() then returns -1 with that cause.
 */
typedef int (*sse_event_cb)(void *arg, const struct sse_event *ev,
    char **cause);

struct sse_parser;

/*
 * Create a parser calling cb(arg, ...) for each event.  max caps the
 * length of one line and of one event's data in bytes (0: SSE_DEFAULT_MAX).
 * Free with sse_parser_free().
 */
struct sse_parser *sse_parser_create(size_t max, sse_event_cb cb, void *arg);
void	 sse_parser_free(struct sse_parser *p);

/*
 * Feed len bytes of the stream.  Returns 0, or -1 with an allocated cause
 * when a cap was exceeded or the callback stopped; after -1 the parser
 * refuses further input (every later call fails the same way).
 */
int	 sse_parser_feed(struct sse_parser *p, const char *data, size_t len,
	    char **cause);

/*
 * The stream ended: an unterminated last line is taken as a line, and a
 * pending event without its closing blank line is dispatched (the WHATWG
 * rules would drop it; real servers and fixtures omit the final blank
 * line, so agentos delivers it).  Returns as sse_parser_feed().
 */
int	 sse_parser_finish(struct sse_parser *p, char **cause);

/*
 * The stream's reconnection time in ms from its last valid "retry" field,
 * or -1 if none came (WHATWG 9.2.6: the caller waits that long before
 * reconnecting).
 */
long	 sse_parser_retry(const struct sse_parser *p);
/*
 * The last event id ("" if none), updated even by events that had no data
 * and were not dispatched: what a reconnection sends as Last-Event-ID.
 * Borrowed until the next feed.
 */
const char *sse_parser_last_id(const struct sse_parser *p);

/* Number of events dispatched so far. */
size_t	 sse_parser_count(const struct sse_parser *p);

#endif
