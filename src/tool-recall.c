/*
 * tool-recall.c: the recall tool (issue 11): a tool result cleared from
 * the context window (context-clear.c left a stub naming its tool call id)
 * comes back exactly from the session log, or the session's tool results
 * are searched for a string.
 */
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "agentos.h"
#include "session.h"
#include "banned.h"

/* Most matches a query lists, and the bytes of each excerpt. */
#define RECALL_MATCHES_MAX	20
#define RECALL_EXCERPT_MAX	160

static int	tool_recall_run(struct tool_call *);

const struct tool_entry tool_recall = {
	.name = "recall",
	.description = "Bring back an earlier tool result that was cleared "
	    "from the context (its stub reads [cleared: ..., recall ID]): "
	    "{\"id\": ID} returns it exactly. {\"query\": TEXT} searches "
	    "this session's tool results for TEXT (case-insensitive) and "
	    "lists the ids with the matching line.",
	.schema = "{\"type\":\"object\",\"properties\":{"
	    "\"id\":{\"type\":\"string\"},"
	    "\"query\":{\"type\":\"string\"}}}",
	.flags = TOOL_READONLY,
	.run = tool_recall_run,
};

/* Case-insensitive strstr for a bounded needle. */
static const char *
recall_find(const char *hay, const char *needle)
{
	size_t	n = strlen(needle);

	if (n == 0)
		return (NULL);
	for (; *hay != '\0'; hay++) {
		if (strncasecmp(hay, needle, n) == 0)
			return (hay);
	}
	return (NULL);
}

/* Add the line of content around p (one line, bounded, tabs as spaces). */
static void
recall_excerpt(struct buf *b, const char *content, const char *p)
{
	const char	*s = p, *e = p;

	while (s > content && s[-1] != '\n' && p - s < RECALL_EXCERPT_MAX / 2)
		s--;
	while (*e != '\0' && *e != '\n' && (size_t)(e - s) < RECALL_EXCERPT_MAX)
		e++;
	for (; s < e; s++)
		buf_addch(b, (unsigned char)*s < 0x20 ? ' ' : *s);
}

static int
tool_recall_run(struct tool_call *tc)
{
	struct session		*s = tc->ctx != NULL ? tc->ctx->session : NULL;
	struct session_iter	*it;
	const struct event	*ev;
	const char		*id, *query, *eid, *content, *p;
	char			*cause = NULL;
	struct buf		 out = BUF_INIT;
	size_t			 nmatch = 0;
	int			 rc, found = 0;

	id = conv_json_str(tc->input, "id");
	query = conv_json_str(tc->input, "query");
	if ((id == NULL || *id == '\0') && (query == NULL || *query == '\0')) {
		tool_result_setf(tc, 1, "recall needs an id (from a "
		    "[cleared: ...] stub) or a query");
		return (0);
	}
	if (s == NULL) {
		tool_result_setf(tc, 1, "this session is not recorded: "
		    "nothing to recall");
		return (0);
	}
	if ((it = session_iter_open(s, 0, SESSION_ITER_LOAD, &cause)) ==
	    NULL) {
		tool_result_setf(tc, 1, "the session log: %s", cause);
		free(cause);
		return (0);
	}
	while ((rc = session_iter_next(it, &ev, &cause)) == 1) {
		if (ev->type != EV_TOOL_RESULT || ev->invalid != NULL)
			continue;
		eid = conv_json_str(ev->data, "id");
		content = conv_json_str(ev->data, "content");
		if (eid == NULL || content == NULL)
			continue;
		if (id != NULL && *id != '\0') {
			if (strcmp(eid, id) != 0)
				continue;
			buf_reset(&out);
			buf_adds(&out, content);
			found = 1;
			/* The first result of an id is the one cleared. */
			break;
		}
		if ((p = recall_find(content, query)) == NULL)
			continue;
		if (nmatch++ >= RECALL_MATCHES_MAX)
			continue;
		buf_addf(&out, "%s: ", eid);
		recall_excerpt(&out, content, p);
		buf_addch(&out, '\n');
	}
	session_iter_close(it);
	if (rc < 0) {
		tool_result_setf(tc, 1, "the session log: %s", cause);
		free(cause);
		buf_release(&out);
		return (0);
	}
	if (id != NULL && *id != '\0') {
		if (!found)
			tool_result_setf(tc, 1, "no tool result %s in this "
			    "session", id);
		else
			tool_result_set(tc, out.buf, out.len, 0);
	} else if (nmatch == 0)
		tool_result_setf(tc, 0, "no tool result of this session "
		    "contains %s", query);
	else {
		if (nmatch > RECALL_MATCHES_MAX)
			buf_addf(&out, "(%zu more matches not shown)\n",
			    nmatch - RECALL_MATCHES_MAX);
		buf_adds(&out, "Recall one with {\"id\": ID}.");
		tool_result_set(tc, out.buf, out.len, 0);
	}
	buf_release(&out);
	return (0);
}
