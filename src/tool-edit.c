/* tool-edit.c: the edit_file tool: exact string replacement. */
#include <stdlib.h>
#include <string.h>

#include "agentos.h"
#include "banned.h"

/* Largest file edit_file changes (bytes). */
#define TOOL_EDIT_MAX	(16 * 1024 * 1024)

struct tool_edit_plan {
	char		*full;		/* absolute path */
	char		*rel;		/* for messages and the diff */
	struct buf	 old;		/* the file now */
	int		 exists;
	char		*text;		/* the file after the edit */
	size_t		 len;
	size_t		 count;		/* replacements */
};

static char	*tool_edit_crlf(const char *);
static char	*tool_edit_do(const char *, size_t, const char *, const char *,
		    int, const char *, size_t *, size_t *, char **);
static int	 tool_edit_plan(struct tool_ctx *, json_t *,
		    struct tool_edit_plan *, char **);
static void	 tool_edit_plan_release(struct tool_edit_plan *);
static int	 tool_edit_preview(struct tool_ctx *, json_t *, struct buf *,
		    char **);
static int	 tool_edit_run(struct tool_call *);
static void	tool_edit_effects(json_t *, struct tool_effects *);

const struct tool_entry tool_edit_file = {
	.name = "edit_file",
	.description = "Replace old_string by new_string in a file. "
	    "old_string must match the file exactly (whitespace included, "
	    "no line-number prefixes) and once, unless replace_all. "
	    "Empty old_string creates a new file.",
	.schema = "{\"type\":\"object\",\"properties\":{"
	    "\"path\":{\"type\":\"string\"},"
	    "\"old_string\":{\"type\":\"string\"},"
	    "\"new_string\":{\"type\":\"string\"},"
	    "\"replace_all\":{\"type\":\"boolean\"}},"
	    "\"required\":[\"path\",\"old_string\",\"new_string\"]}",
	.flags = TOOL_EDIT,
	.effects = tool_edit_effects,
	.preview = tool_edit_preview,
	.run = tool_edit_run,
};

/* Rewrites the file it names, as its preview diff shows. */
static void
tool_edit_effects(json_t *input, struct tool_effects *fx)
{
	fx->flags = EFFECT_MUTATES | EFFECT_EDIT;
	tool_effects_write(fx, conv_json_str(input, "path"));
}

/* s with each "\n" turned into "\r\n"; the caller frees. */
static char *
tool_edit_crlf(const char *s)
{
	struct buf	b = BUF_INIT;

	for (; *s != '\0'; s++) {
		if (*s == '\n')
			buf_addch(&b, '\r');
		buf_addch(&b, *s);
	}
	return (buf_detach(&b, NULL));
}

/*
 * The replacement.  Models see files without carriage returns (read_file
 * shows CRLF lines without the CR), so in a file whose first line ends in
 * CRLF, an old_string without any CR is matched with its newlines as CRLF,
 * and new_string is written with CRLF newlines too.
 */
static char *
tool_edit_do(const char *text, size_t len, const char *old_s,
    const char *new_s, int replace_all, const char *where, size_t *newlen,
    size_t *countp, char **cause)
{
	struct buf	 out = BUF_INIT;
	const char	*p, *end = text + len, *hit, *nl;
	char		*o = NULL, *n = NULL;
	size_t		 olen, nlen, count = 0;
	char		*in = NULL;

	if (where != NULL)
		in = xasprintf(" in %s", where);
	else
		in = xstrdup("");
	if (*old_s == '\0') {
		*cause = xasprintf("old_string is empty; give the text to "
		    "replace");
		goto fail;
	}
	if (strcmp(old_s, new_s) == 0) {
		*cause = xstrdup("old_string and new_string are the same; "
		    "nothing to change");
		goto fail;
	}
	nl = memchr(text, '\n', len);
	if (nl != NULL && nl > text && nl[-1] == '\r' &&
	    strchr(old_s, '\r') == NULL) {
		o = tool_edit_crlf(old_s);
		n = tool_edit_crlf(new_s);
	} else {
		o = xstrdup(old_s);
		n = xstrdup(new_s);
	}
	olen = strlen(o);
	nlen = strlen(n);

	for (p = text; (hit = memmem(p, end - p, o, olen)) != NULL;
	    p = hit + olen)
		count++;
	if (count == 0) {
		*cause = xasprintf("old_string not found%s; read the file "
		    "and copy the text exactly", in);
		goto fail;
	}
	if (count > 1 && !replace_all) {
		*cause = xasprintf("old_string occurs %zu times%s; add "
		    "context to make it unique or set replace_all", count,
		    in);
		goto fail;
	}
	buf_grow(&out, len + count * nlen);
	for (p = text; (hit = memmem(p, end - p, o, olen)) != NULL;
	    p = hit + olen) {
		buf_add(&out, p, hit - p);
		buf_add(&out, n, nlen);
	}
	buf_add(&out, p, end - p);
	free(o);
	free(n);
	free(in);
	if (countp != NULL)
		*countp = count;
	return (buf_detach(&out, newlen));
fail:
	free(o);
	free(n);
	free(in);
	return (NULL);
}

char *
tool_edit_apply(const char *text, size_t len, const char *old_s,
    const char *new_s, int replace_all, size_t *newlen, char **cause)
{
	return (tool_edit_do(text, len, old_s, new_s, replace_all, NULL,
	    newlen, NULL, cause));
}

/* Work out the new contents of the file without writing anything. */
static int
tool_edit_plan(struct tool_ctx *ctx, json_t *input, struct tool_edit_plan *ep,
    char **cause)
{
	const char	*path, *old_s, *new_s;
	int		 all;

	memset(ep, 0, sizeof *ep);
	buf_init(&ep->old, 0);
	path = json_string_value(json_object_get(input, "path"));
	old_s = json_string_value(json_object_get(input, "old_string"));
	new_s = json_string_value(json_object_get(input, "new_string"));
	all = json_is_true(json_object_get(input, "replace_all"));
	if (path == NULL || old_s == NULL || new_s == NULL) {
		*cause = xstrdup("edit_file needs path, old_string and "
		    "new_string");
		return (-1);
	}
	if (path_resolve_write(ctx->root, path, &ep->full, &ep->rel,
	    cause) != 0)
		return (-1);
	if (tool_read_whole(ep->full, TOOL_EDIT_MAX, &ep->old, &ep->exists,
	    cause) != 0)
		return (-1);
	if (!ep->exists) {
		if (*old_s != '\0') {
			*cause = xasprintf("%s does not exist; use an empty "
			    "old_string or write_file to create it", ep->rel);
			return (-1);
		}
		ep->text = xstrdup(new_s);
		ep->len = strlen(new_s);
		ep->count = 1;
		return (0);
	}
	if (memchr(ep->old.buf, '\0', ep->old.len < 8192 ? ep->old.len :
	    8192) != NULL) {
		*cause = xasprintf("%s is a binary file", ep->rel);
		return (-1);
	}
	if (*old_s == '\0') {
		if (ep->old.len != 0) {
			*cause = xasprintf("old_string is empty but %s "
			    "exists and is not empty; give the text to "
			    "replace, or use write_file to replace the whole "
			    "file", ep->rel);
			return (-1);
		}
		ep->text = xstrdup(new_s);
		ep->len = strlen(new_s);
		ep->count = 1;
		return (0);
	}
	ep->text = tool_edit_do(ep->old.buf, ep->old.len, old_s, new_s, all,
	    ep->rel, &ep->len, &ep->count, cause);
	return (ep->text == NULL ? -1 : 0);
}

/* Free what tool_edit_plan() made. */
static void
tool_edit_plan_release(struct tool_edit_plan *ep)
{
	free(ep->full);
	free(ep->rel);
	buf_release(&ep->old);
	free(ep->text);
}

/* The preview: the unified diff the edit would make. */
static int
tool_edit_preview(struct tool_ctx *ctx, json_t *input, struct buf *preview,
    char **cause)
{
	struct tool_edit_plan	ep;
	int			rc = -1;

	if (tool_edit_plan(ctx, input, &ep, cause) == 0)
		rc = diff_buffers(ep.rel, ep.exists ? ep.old.buf : NULL,
		    ep.old.len, ep.text, ep.len, preview, NULL, NULL, cause);
	tool_edit_plan_release(&ep);
	return (rc);
}

/* Apply the edit with an atomic write. */
static int
tool_edit_run(struct tool_call *tc)
{
	struct tool_edit_plan	 ep;
	struct buf		 diff = BUF_INIT;
	char			*cause = NULL;
	int			 added = 0, removed = 0;

	if (tool_edit_plan(tc->ctx, tc->input, &ep, &cause) != 0)
		goto fail;
	if (diff_buffers(ep.rel, ep.exists ? ep.old.buf : NULL, ep.old.len,
	    ep.text, ep.len, &diff, &added, &removed, &cause) != 0)
		goto fail;
	if (tool_write_atomic(ep.full, ep.text, ep.len, &cause) != 0)
		goto fail;
	tool_call_add_path(tc, ep.rel);
	if (!ep.exists)
		tool_result_setf(tc, 0, "Created %s (+%d lines)", ep.rel,
		    added);
	else
		tool_result_setf(tc, 0, "Edited %s: %zu replacement%s "
		    "(+%d -%d lines)", ep.rel, ep.count,
		    ep.count == 1 ? "" : "s", added, removed);
	goto out;
fail:
	tool_result_set(tc, cause, strlen(cause), 1);
	free(cause);
out:
	buf_release(&diff);
	tool_edit_plan_release(&ep);
	return (0);
}
