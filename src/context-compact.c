/* context-compact.c: summaries of the conversation when clearing is not enough. */
#include <stdlib.h>
#include <string.h>

#include "agentos.h"
#include "context.h"
#include "event.h"
#include "session.h"
#include "banned.h"

/* The most files the pinned state lists. */
#define CONTEXT_FILES_MAX	200

/* Whether s begins with prefix. */
static int
context_starts(const char *s, const char *prefix)
{
	return (s != NULL && strncmp(s, prefix, strlen(prefix)) == 0);
}

int64_t
context_reserve(const struct context_options *o, int64_t window)
{
	int64_t	r = o->reserve_compact;

	if (r < 0)
		r = 0;
	if (window > 0 && r > window / 4)
		r = window / 4;
	return (r);
}

int64_t
context_user_budget(const struct context_options *o, int64_t window)
{
	int64_t	b = o->user_budget;

	if (b < 0)
		b = 0;
	if (window > 0 && b > window / 10)
		b = window / 10;
	return (b);
}

int
context_compact_due(const struct context_options *o, int64_t window,
    int64_t est)
{
	if (window <= 0)
		return (0);
	if (est * 100 > window * (int64_t)o->compact_at)
		return (1);
	return (est + context_reserve(o, window) > window);
}

char *
context_compact_instruction(const char *extra, int anchored)
{
	struct buf	b = BUF_INIT;

	buf_adds(&b, "[" CONTEXT_COMPACT_MARK "] The conversation is about to "
	    "be compacted to fit the context window. Write a summary that "
	    "replaces everything above, except the user's messages (they are "
	    "kept verbatim), the pinned state (files changed, failing calls) "
	    "and the newest rounds. Do not call any tool: answer with text "
	    "only; this answer is not shown to the user as a reply.");
	if (anchored)
		buf_adds(&b, " The conversation begins with the summary of an "
		    "earlier compaction: update that summary (keep what still "
		    "holds, add what happened since, drop what is settled) "
		    "rather than summarizing it again.");
	buf_adds(&b, "\nUse these headings, in this order:\n"
	    "## Goal\n"
	    "## The user's instructions and constraints\n"
	    "## Decisions\n"
	    "## Files and their state\n"
	    "## Errors and fixes\n"
	    "## Dead ends\n"
	    "## What is left\n"
	    "## Next step\n"
	    "Be specific and brief: name files, functions, commands and error "
	    "messages exactly; results of earlier tool calls can be brought "
	    "back with the recall tool by their ids, so name the ids that "
	    "matter.");
	if (extra != NULL && *extra != '\0')
		buf_addf(&b, "\nThe user's instructions for this summary: %s",
		    extra);
	return (buf_detach(&b, NULL));
}

int
context_has_summary(const struct conv *c)
{
	size_t	i, j;

	for (i = 0; i < c->nr; i++) {
		if (c->msgs[i].role != ROLE_USER)
			continue;
		for (j = 0; j < c->msgs[i].nr; j++) {
			if (c->msgs[i].blocks[j].type == BLOCK_TEXT &&
			    context_starts(c->msgs[i].blocks[j].text,
			    CONTEXT_SUMMARY_PREFIX))
				return (1);
		}
	}
	return (0);
}

/* Whether m holds a tool result. */
static int
context_has_results(const struct message *m)
{
	size_t	i;

	for (i = 0; i < m->nr; i++) {
		if (m->blocks[i].type == BLOCK_TOOL_RESULT)
			return (1);
	}
	return (0);
}

/* Whether a conversation suffix may begin at message i of c. */
static int
context_boundary(const struct conv *c, size_t i)
{
	if (i == 0 || i >= c->nr)
		return (0);
	if (c->msgs[i].role == ROLE_ASSISTANT)
		return (1);
	return (!context_has_results(&c->msgs[i]));
}

/* The content bytes of messages [from, to) of c. */
static size_t
context_range_bytes(const struct conv *c, size_t from, size_t to)
{
	struct conv	view;

	if (from >= to)
		return (0);
	view.msgs = c->msgs + from;
	view.nr = view.alloc = to - from;
	return (context_conv_bytes(&view));
}

size_t
context_compact_tail(const struct conv *c, int rounds, int64_t budget)
{
	size_t	start, j, bytes, add;
	int	kept = 1;

	if (c->nr < 2)
		return (0);
	start = c->nr - 1;
	while (start > 0 && !context_boundary(c, start))
		start--;
	if (start == 0)
		return (0);
	bytes = context_range_bytes(c, start, c->nr);
	while (kept < rounds) {
		j = start - 1;
		while (j > 0 && !context_boundary(c, j))
			j--;
		if (j == 0)
			break;
		add = context_range_bytes(c, j, start);
		if ((int64_t)((bytes + add) / CONTEXT_BYTES_PER_TOKEN) > budget)
			break;
		start = j;
		bytes += add;
		kept++;
	}
	return (start);
}

/* Append copies of m's blocks to dst. */
static void
context_copy_blocks(struct message *dst, const struct message *m)
{
	size_t	i;

	for (i = 0; i < m->nr; i++)
		message_add_copy(dst, &m->blocks[i]);
}

size_t
context_compact_drop_for(const struct conv *c, int64_t need)
{
	size_t	k, bytes = 0;

	for (k = 1; k < c->nr; k++) {
		if ((int64_t)(bytes / CONTEXT_BYTES_PER_TOKEN) >= need)
			break;
		bytes += context_range_bytes(c, k, k + 1);
	}
	return (k - 1);
}

size_t
context_compact_request(const struct conv *c, size_t drop,
    const char *instruction, struct conv *out)
{
	struct message	*m;
	size_t		 k, i;
	char		*note;

	if (c->nr == 0) {
		m = conv_add(out, ROLE_USER);
		message_add_text(m, instruction);
		return (0);
	}
	m = conv_add(out, c->msgs[0].role);
	context_copy_blocks(m, &c->msgs[0]);
	k = 1;
	if (drop > 0) {
		k = 1 + drop;
		while (k < c->nr && c->msgs[k].role != ROLE_ASSISTANT)
			k++;
		if (k > c->nr)
			k = c->nr;
		if (c->msgs[0].role == ROLE_USER && k > 1) {
			note = xasprintf("[%zu earlier messages are left out of "
			    "this summary request: they did not fit]", k - 1);
			message_add_text(m, note);
			free(note);
		}
	}
	for (i = k; i < c->nr; i++) {
		m = conv_add(out, c->msgs[i].role);
		context_copy_blocks(m, &c->msgs[i]);
	}
	if (out->msgs[out->nr - 1].role == ROLE_USER)
		m = &out->msgs[out->nr - 1];
	else
		m = conv_add(out, ROLE_USER);
	message_add_text(m, instruction);
	return (k - 1);
}

/* The text a user text block carries, or NULL when it is agentos's own. */
static const char *
context_user_text(const char *text)
{
	if (text == NULL || *text == '\0')
		return (NULL);
	if (context_starts(text, CONTEXT_SUMMARY_PREFIX) ||
	    context_starts(text, CONTEXT_PINNED_PREFIX))
		return (NULL);
	if (context_starts(text, CONTEXT_USER_PREFIX)) {
		text += strlen(CONTEXT_USER_PREFIX);
		if (*text == '\n')
			text++;
	}
	return (text);
}

/* The tool use answered by result id, in message at - 1 of c, or NULL. */
static const struct block *
context_use_before(const struct conv *c, size_t at, const char *id)
{
	const struct message	*m;
	size_t			 j;

	if (at == 0 || id == NULL)
		return (NULL);
	m = &c->msgs[at - 1];
	for (j = 0; j < m->nr; j++) {
		if (m->blocks[j].type == BLOCK_TOOL_USE &&
		    m->blocks[j].id != NULL && strcmp(m->blocks[j].id, id) == 0)
			return (&m->blocks[j]);
	}
	return (NULL);
}

size_t
context_compact_build(const struct conv *c, const char *summary,
    const char *files, int64_t user_budget, size_t tail, struct conv *out,
    size_t *lost)
{
	const char		**texts = NULL, *t;
	const struct block	 *b, *use;
	const struct block	**uses = NULL, **results = NULL;
	struct message		 *m;
	struct buf		  pin = BUF_INIT;
	char			 *s;
	size_t			  ntexts = 0, atexts = 0, npins = 0, apins = 0;
	size_t			  aresults = 0, i, j, from, used, kept = 0;
	size_t			  budget;

	if (tail > c->nr)
		tail = c->nr;
	/* The user's messages of the replaced part, oldest first. */
	for (i = 0; i < tail; i++) {
		if (c->msgs[i].role != ROLE_USER)
			continue;
		for (j = 0; j < c->msgs[i].nr; j++) {
			b = &c->msgs[i].blocks[j];
			if (b->type == BLOCK_TEXT &&
			    (t = context_user_text(b->text)) != NULL) {
				ALLOC_GROW(texts, ntexts + 1, atexts);
				texts[ntexts++] = t;
			}
			if (b->type == BLOCK_TOOL_RESULT &&
			    context_pinned(c, i, b) &&
			    (use = context_use_before(c, i, b->id)) != NULL) {
				ALLOC_GROW(uses, npins + 1, apins);
				ALLOC_GROW(results, npins + 1, aresults);
				uses[npins] = use;
				results[npins++] = b;
			}
		}
	}
	/*
	 * The first (the task) always; then the newest that fit the budget,
	 * newest first; older ones are left to the summary.
	 */
	budget = user_budget > 0 ? (size_t)user_budget *
	    CONTEXT_BYTES_PER_TOKEN : 0;
	from = ntexts;
	used = ntexts > 0 ? strlen(texts[0]) : 0;
	while (from > 1 && used + strlen(texts[from - 1]) <= budget) {
		used += strlen(texts[from - 1]);
		from--;
	}

	m = conv_add(out, ROLE_USER);
	s = xasprintf("%s\n%s", CONTEXT_SUMMARY_PREFIX, summary != NULL ?
	    summary : "");
	message_add_text(m, s);
	free(s);
	for (i = 0; i < ntexts; i++) {
		if (i != 0 && i < from)
			continue;
		s = xasprintf("%s\n%s", CONTEXT_USER_PREFIX, texts[i]);
		message_add_text(m, s);
		free(s);
		kept++;
	}
	if (lost != NULL)
		*lost = ntexts - kept;
	if (ntexts > kept)
		buf_addf(&pin, "\n%zu earlier message%s of the user %s "
		    "summarized above, not kept verbatim.", ntexts - kept,
		    ntexts - kept == 1 ? "" : "s", ntexts - kept == 1 ? "is" :
		    "are");
	if (files != NULL && *files != '\0')
		buf_addf(&pin, "\nFiles changed this session (each with the "
		    "snapshot taken before its last change):\n%s", files);
	if (npins > 0)
		buf_addf(&pin, "\n%zu failing tool call%s %s still open: %s "
		    "output follows and stays until the same call succeeds.",
		    npins, npins == 1 ? "" : "s", npins == 1 ? "is" : "are",
		    npins == 1 ? "its" : "their");
	if (pin.len > 0) {
		s = xasprintf("%s%s", CONTEXT_PINNED_PREFIX, pin.buf);
		message_add_text(m, s);
		free(s);
	}
	buf_release(&pin);
	if (npins > 0) {
		m = conv_add(out, ROLE_ASSISTANT);
		for (i = 0; i < npins; i++)
			message_add_copy(m, uses[i]);
		m = conv_add(out, ROLE_USER);
		for (i = 0; i < npins; i++)
			message_add_copy(m, results[i]);
	}
	for (i = tail; i < c->nr; i++) {
		if (i == tail && c->msgs[i].role == ROLE_USER)
			m = &out->msgs[out->nr - 1];
		else
			m = conv_add(out, c->msgs[i].role);
		context_copy_blocks(m, &c->msgs[i]);
	}
	free(texts);
	free(uses);
	free(results);
	return (kept);
}

char *
context_files_changed(struct session *s)
{
	struct session_iter	*it;
	const struct event	*ev;
	struct buf		 b = BUF_INIT;
	json_t			*paths, *snaps, *v;
	const char		*id, *path, *key;
	char			*cause = NULL;
	int			 rc;

	if (s == NULL)
		return (NULL);
	if ((it = session_iter_open(s, 0, 0, &cause)) == NULL) {
		log_debug("context: files changed: %s", cause);
		free(cause);
		return (NULL);
	}
	paths = json_object();	/* tool use id -> main argument */
	snaps = json_object();	/* path -> last snapshot id, in order */
	while ((rc = session_iter_next(it, &ev, &cause)) == 1) {
		if (ev->invalid != NULL)
			continue;
		id = json_string_value(json_object_get(ev->data, "id"));
		if (ev->type == EV_TOOL_CALL && id != NULL &&
		    (path = context_main_arg(json_object_get(ev->data,
		    "input"))) != NULL)
			json_object_set_new(paths, id, json_string(path));
		if (ev->type != EV_SNAPSHOT || id == NULL)
			continue;
		key = json_string_value(json_object_get(ev->data,
		    "tool_use_id"));
		if (key == NULL || (path = json_string_value(json_object_get(
		    paths, key))) == NULL)
			continue;
		if (json_object_get(snaps, path) == NULL &&
		    json_object_size(snaps) >= CONTEXT_FILES_MAX)
			continue;
		json_object_set_new(snaps, path, json_string(id));
	}
	if (rc < 0) {
		log_debug("context: files changed: %s", cause);
		free(cause);
	}
	session_iter_close(it);
	json_object_foreach(snaps, key, v)
		buf_addf(&b, "%s%s (snapshot %s)", b.len > 0 ? "\n" : "", key,
		    json_string_value(v));
	json_decref(paths);
	json_decref(snaps);
	if (b.len == 0) {
		buf_release(&b);
		return (NULL);
	}
	return (buf_detach(&b, NULL));
}
