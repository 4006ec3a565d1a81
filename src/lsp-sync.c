/*
 * lsp-sync.c: keeping a server's view of the files agentos reads and
 * edits (spec: "Text Document Synchronization": didOpen, didChange,
 * didSave, didClose), the diagnostics it publishes or we pull
 * ("textDocument/publishDiagnostics", "textDocument/diagnostic"), and the
 * waits for them after an edit.
 *
 * Protocol: LSP 3.17 (microsoft.github.io/language-server-protocol/
 * specifications/lsp/3.17/specification/).
 */
#include <sys/types.h>
#include <sys/queue.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "lsp-private.h"
#include "banned.h"

#define LSP_MAX_DOCS		64
#define LSP_MAX_DIAG_FILES	2000
#define LSP_MAX_DIAG_STORED	200

static struct lsp_doc *lsp_doc_find(struct lsp_server *, const char *);
static void	lsp_doc_close(struct lsp_server *, struct lsp_doc *);
static struct lsp_filediag *lsp_filediag_find(struct lsp_server *,
		    const char *);
static void	lsp_wait_pull_done(struct lsp_req *, json_t *,
		    const char *);
static void	lsp_wait_settle(void *);
static void	lsp_wait_free(struct lsp_wait *);
static void	lsp_wait_fire_now(void *);
static const char *lsp_severity_name(int);

/* Severity names as compilers print them. */
static const char *
lsp_severity_name(int sev)
{
	switch (sev) {
	case 1:
		return ("error");
	case 2:
		return ("warning");
	case 3:
		return ("info");
	default:
		return ("hint");
	}
}

/* ------------------------------------------------------------------------ */
/* Diagnostics the server publishes (spec: "publishDiagnostics") */

/* Find the stored diagnostics of uri. */
static struct lsp_filediag *
lsp_filediag_find(struct lsp_server *s, const char *uri)
{
	struct lsp_filediag	*fd;

	TAILQ_FOREACH(fd, &s->diags, entry) {
		if (strcmp(fd->uri, uri) == 0)
			return (fd);
	}
	return (NULL);
}

/* Empty a file's diagnostics. */
void
lsp_filediag_clear(struct lsp_filediag *fd)
{
	size_t	i;

	for (i = 0; i < fd->nr; i++)
		free(fd->v[i].message);
	fd->nr = 0;
	fd->errors = fd->warnings = 0;
}

/*
 * Store the diagnostics of uri (published, or pulled when push is 0) and
 * wake the waits on it.
 */
void
lsp_handle_diagnostics(struct lsp_server *s, const char *uri, json_t *list,
    int version, int push)
{
	struct lsp_filediag	*fd;
	struct lsp_wait		*w;
	struct lsp_diag		*d;
	json_t			*e, *start;
	const char		*msg;
	size_t			 i;
	struct lsp_doc		*doc;

	if ((fd = lsp_filediag_find(s, uri)) == NULL) {
		if (s->ndiags >= LSP_MAX_DIAG_FILES &&
		    (doc = lsp_doc_find(s, uri)) == NULL)
			return;		/* a flood for files we never opened */
		fd = xcalloc(1, sizeof *fd);
		fd->uri = xstrdup(uri);
		TAILQ_INSERT_TAIL(&s->diags, fd, entry);
		s->ndiags++;
	}
	lsp_filediag_clear(fd);
	json_array_foreach(list, i, e) {
		start = json_object_get(json_object_get(e, "range"), "start");
		msg = json_string_value(json_object_get(e, "message"));
		if (msg == NULL)
			continue;
		d = NULL;
		if (fd->nr < LSP_MAX_DIAG_STORED) {
			ALLOC_GROW(fd->v, fd->nr + 1, fd->alloc);
			d = &fd->v[fd->nr++];
			d->severity = 1;
			if (json_is_integer(json_object_get(e, "severity")))
				d->severity = (int)json_integer_value(
				    json_object_get(e, "severity"));
			d->line = (unsigned int)json_integer_value(
			    json_object_get(start, "line"));
			d->ch = (unsigned int)json_integer_value(
			    json_object_get(start, "character"));
			d->message = xstrdup(msg);
		}
		if (d == NULL || d->severity == 1)
			fd->errors++;
		else if (d->severity == 2)
			fd->warnings++;
	}
	TAILQ_FOREACH(w, &s->m->waits, entry) {
		if (w->s != s || strcmp(w->uri, uri) != 0)
			continue;
		if (push && version >= 0 && version < w->version)
			continue;	/* for an older text */
		if (!push || w->pull == NULL) {
			w->got = 1;
			if (w->settle != NULL)
				loop_timer_cancel(w->settle);
			w->settle = loop_timer_add(push ?
			    s->m->opts.diagnostics_settle_ms : 0,
			    lsp_wait_settle, w);
		}
	}
	lsp_changed(s->m);
}

/* ------------------------------------------------------------------------ */
/* Documents (spec: "Text Document Synchronization") */

/* The open document of uri, or NULL. */
static struct lsp_doc *
lsp_doc_find(struct lsp_server *s, const char *uri)
{
	struct lsp_doc	*d;

	TAILQ_FOREACH(d, &s->docs, entry) {
		if (strcmp(d->uri, uri) == 0)
			return (d);
	}
	return (NULL);
}

/* Send didOpen for d. */
void
lsp_doc_open(struct lsp_server *s, struct lsp_doc *d)
{
	lsp_notify(s, "textDocument/didOpen", json_pack(
	    "{s:{s:s,s:s,s:i,s:s%}}", "textDocument", "uri", d->uri,
	    "languageId", lsp_language_id(d->path), "version", d->version,
	    "text", d->text, d->len));
	d->sent = 1;
}

/* Send didClose for d and forget it. */
static void
lsp_doc_close(struct lsp_server *s, struct lsp_doc *d)
{
	if (d->sent && s->state != LSP_STARTING)
		lsp_notify(s, "textDocument/didClose", json_pack(
		    "{s:{s:s}}", "textDocument", "uri", d->uri));
	TAILQ_REMOVE(&s->docs, d, entry);
	s->ndocs--;
	lsp_doc_free(d);
}

/* Free a document. */
void
lsp_doc_free(struct lsp_doc *d)
{
	free(d->uri);
	free(d->path);
	free(d->text);
	free(d);
}

/*
 * Make the server's view of path equal text (len bytes): didOpen, or
 * didChange (full, or one incremental range from the common prefix and
 * suffix), then didSave when save is set.  Before the server is ready the
 * text is only recorded; lsp_server_ready() opens it.
 */
struct lsp_doc *
lsp_doc_sync(struct lsp_server *s, const char *path, const char *text,
    size_t len, int save)
{
	struct lsp_doc	*d, *old;
	char		*uri = lsp_uri_from_path(path);
	size_t		 pre, suf, i, sl, sc, el, ec, ls, le;
	json_t		*change;
	int		 live = s->state == LSP_READY ||
			    s->state == LSP_INDEXING;

	d = lsp_doc_find(s, uri);
	if (d == NULL) {
		/* Bound the open set: close the least recently used. */
		while (s->ndocs >= LSP_MAX_DOCS) {
			old = NULL;
			TAILQ_FOREACH(d, &s->docs, entry) {
				if (old == NULL || d->used_ms < old->used_ms)
					old = d;
			}
			lsp_doc_close(s, old);
		}
		d = xcalloc(1, sizeof *d);
		d->uri = uri;
		d->path = xstrdup(path);
		d->version = 1;
		d->text = xmalloc(len + 1);
		memcpy(d->text, text, len);
		d->text[len] = '\0';
		d->len = len;
		TAILQ_INSERT_TAIL(&s->docs, d, entry);
		s->ndocs++;
		d->used_ms = loop_now_ms();
		if (live)
			lsp_doc_open(s, d);
		goto saved;
	}
	free(uri);
	d->used_ms = loop_now_ms();
	if (d->len == len && memcmp(d->text, text, len) == 0)
		goto saved;
	d->version++;
	if (live && d->sent && s->sync_kind != 0) {
		if (s->sync_kind == 2) {
			/* One range: [pre, d->len - suf) becomes the rest. */
			for (pre = 0; pre < len && pre < d->len &&
			    text[pre] == d->text[pre]; pre++)
				;
			/* Never split a UTF-8 sequence. */
			while (pre > 0 && (d->text[pre] & 0xc0) == 0x80)
				pre--;
			for (suf = 0; suf < len - pre && suf < d->len - pre &&
			    text[len - 1 - suf] == d->text[d->len - 1 - suf];
			    suf++)
				;
			while (suf > 0 && (d->text[d->len - suf] & 0xc0) ==
			    0x80)
				suf--;
			sl = el = 0;
			ls = le = 0;
			for (i = 0; i < pre; i++) {
				if (d->text[i] == '\n') {
					sl++;
					ls = i + 1;
				}
			}
			el = sl;
			le = ls;
			for (i = pre; i < d->len - suf; i++) {
				if (d->text[i] == '\n') {
					el++;
					le = i + 1;
				}
			}
			sc = lsp_col_to_server(d->text + ls, d->len - ls,
			    pre - ls, s->utf8);
			ec = lsp_col_to_server(d->text + le, d->len - le,
			    d->len - suf - le, s->utf8);
			change = json_pack("{s:{s:{s:I,s:I},s:{s:I,s:I}},"
			    "s:s%}", "range", "start", "line",
			    (json_int_t)sl, "character", (json_int_t)sc,
			    "end", "line", (json_int_t)el, "character",
			    (json_int_t)ec,
			    "text", text + pre, len - suf - pre);
		} else
			change = json_pack("{s:s%}", "text", text, len);
		lsp_notify(s, "textDocument/didChange", json_pack(
		    "{s:{s:s,s:i},s:[o]}", "textDocument", "uri", d->uri,
		    "version", d->version, "contentChanges", change));
	}
	free(d->text);
	d->text = xmalloc(len + 1);
	memcpy(d->text, text, len);
	d->text[len] = '\0';
	d->len = len;
saved:
	if (save && live && d->sent) {
		if (s->save_text)
			lsp_notify(s, "textDocument/didSave", json_pack(
			    "{s:{s:s},s:s%}", "textDocument", "uri", d->uri,
			    "text", d->text, d->len));
		else
			lsp_notify(s, "textDocument/didSave", json_pack(
			    "{s:{s:s}}", "textDocument", "uri", d->uri));
	}
	return (d);
}

void
lsp_file_read(struct lsp_manager *m, const char *abs_path,
    const char *content, size_t len)
{
	struct lsp_server	*s;
	char			*cause = NULL;

	if ((s = lsp_server_get(m, abs_path, 1, &cause)) == NULL) {
		free(cause);
		return;
	}
	lsp_doc_sync(s, abs_path, content, len, 0);
}

/* ------------------------------------------------------------------------ */
/* Diagnostics after an edit */

struct lsp_wait *
lsp_after_edit(struct lsp_manager *m, const char *abs_path,
    const char *content, size_t len,
    void (*done)(void *, const char *), void *arg)
{
	struct lsp_wait		*w = xcalloc(1, sizeof *w);
	struct lsp_server	*s;
	struct lsp_filediag	*fd;
	struct lsp_doc		*d;
	char			*cause = NULL;
	size_t			 i, rootlen = strlen(m->root);

	w->m = m;
	w->done = done;
	w->arg = arg;
	w->uri = lsp_uri_from_path(abs_path);
	if (strncmp(abs_path, m->root, rootlen) == 0 &&
	    abs_path[rootlen] == '/')
		w->rel = xstrdup(abs_path + rootlen + 1);
	else
		w->rel = xstrdup(abs_path);
	TAILQ_INSERT_TAIL(&m->waits, w, entry);

	s = lsp_server_get(m, abs_path, 1, &cause);
	if (s == NULL) {
		/* Tell the agent once that a server it had is broken. */
		if (cause != NULL && strstr(cause, " is broken for ") != NULL) {
			TAILQ_FOREACH(s, &m->servers, entry) {
				if (s->state == LSP_BROKEN && !s->told_broken &&
				    strstr(cause, s->conf->name) == cause) {
					s->told_broken = 1;
					w->notice = xasprintf("LSP: %s; no "
					    "diagnostics from it for the rest "
					    "of the session.\n", cause);
				}
			}
		}
		free(cause);
		w->deadline = loop_timer_add(0, lsp_wait_fire_now, w);
		return (w);
	}
	w->s = s;
	if ((fd = lsp_filediag_find(s, w->uri)) != NULL) {
		w->had_prev = fd->errors + fd->warnings > 0;
		w->known_prev = 1;
		for (i = 0; i < fd->nr; i++) {
			if (fd->v[i].severity > 2)
				continue;
			w->prev = xreallocarray(w->prev, w->nprev + 1,
			    sizeof *w->prev);
			w->prev[w->nprev++] = xasprintf("%d\t%s",
			    fd->v[i].severity, fd->v[i].message);
		}
	}
	d = lsp_doc_sync(s, abs_path, content, len, 1);
	w->version = d->version;
	w->deadline = loop_timer_add(m->opts.diagnostics_timeout_ms,
	    lsp_wait_deadline, w);
	if (s->pull_diags && (s->state == LSP_READY ||
	    s->state == LSP_INDEXING))
		lsp_wait_pull(w);
	return (w);
}

/* Pull diagnostics (spec: "textDocument/diagnostic", 3.17). */
void
lsp_wait_pull(struct lsp_wait *w)
{
	struct lsp_req	*r;

	r = lsp_req_new(w->s, "textDocument/diagnostic", json_pack(
	    "{s:{s:s}}", "textDocument", "uri", w->uri),
	    w->m->opts.diagnostics_timeout_ms);
	r->fn = lsp_wait_pull_done;
	r->priv = w;
	w->pull = r;
	lsp_req_send(r);
}

/* A pull answer: "full" replaces the file's diagnostics. */
static void
lsp_wait_pull_done(struct lsp_req *r, json_t *result, const char *error)
{
	struct lsp_wait	*w = r->priv;
	const char	*kind;

	w->pull = NULL;
	if (error != NULL || result == NULL)
		return;		/* the push path or the deadline decides */
	kind = json_string_value(json_object_get(result, "kind"));
	if (kind != NULL && strcmp(kind, "full") == 0)
		lsp_handle_diagnostics(w->s, w->uri,
		    json_object_get(result, "items"), -1, 0);
	else {
		w->got = 1;	/* "unchanged": what we have is current */
		if (w->settle != NULL)
			loop_timer_cancel(w->settle);
		w->settle = loop_timer_add(0, lsp_wait_settle, w);
	}
}

/* A wait with nothing to wait for. */
static void
lsp_wait_fire_now(void *arg)
{
	struct lsp_wait	*w = arg;

	w->deadline = NULL;
	lsp_wait_finish(w);
}

/* The overall deadline passed. */
void
lsp_wait_deadline(void *arg)
{
	struct lsp_wait	*w = arg;

	w->deadline = NULL;
	lsp_wait_finish(w);
}

/* Diagnostics were quiet for the settle time. */
static void
lsp_wait_settle(void *arg)
{
	struct lsp_wait	*w = arg;

	w->settle = NULL;
	lsp_wait_finish(w);
}

/* Format the result, call done, free w. */
void
lsp_wait_finish(struct lsp_wait *w)
{
	struct lsp_manager	*m = w->m;
	struct lsp_server	*s = w->s;
	struct lsp_filediag	*fd = NULL;
	struct lsp_doc		*d = NULL;
	struct buf		 b = BUF_INIT;
	const char		*line, *nl;
	struct lsp_diag		*dg;
	size_t			 i, j, col, shown = 0, omitted = 0;
	unsigned int		 ln;
	char			*key;
	int			 isnew;

	if (w->notice != NULL)
		buf_adds(&b, w->notice);
	if (s != NULL && w->got)
		fd = lsp_filediag_find(s, w->uri);
	if (s != NULL)
		d = lsp_doc_find(s, w->uri);
	if (fd != NULL && fd->errors + fd->warnings > 0) {
		buf_addf(&b, "LSP diagnostics (%s) for %s: %d error%s, %d "
		    "warning%s\n", s->conf->name, w->rel, fd->errors,
		    fd->errors == 1 ? "" : "s", fd->warnings,
		    fd->warnings == 1 ? "" : "s");
		/* Errors first, then warnings. */
		for (j = 1; j <= 2; j++) {
			for (i = 0; i < fd->nr; i++) {
				dg = &fd->v[i];
				if ((size_t)dg->severity != j)
					continue;
				if (shown >= (size_t)m->opts.max_diagnostics) {
					omitted++;
					continue;
				}
				col = dg->ch;
				if (d != NULL) {
					line = d->text;
					for (ln = 0; ln < dg->line && line !=
					    NULL; ln++) {
						nl = strchr(line, '\n');
						line = nl != NULL ? nl + 1 :
						    NULL;
					}
					if (line != NULL)
						col = lsp_col_from_server(line,
						    d->len - (line - d->text),
						    dg->ch, s->utf8);
				}
				key = xasprintf("%d\t%s", dg->severity,
				    dg->message);
				isnew = w->known_prev;
				for (ln = 0; ln < w->nprev; ln++) {
					if (strcmp(w->prev[ln], key) == 0)
						isnew = 0;
				}
				free(key);
				buf_addf(&b, "%s:%u:%zu: %s: ", w->rel,
				    dg->line + 1, col + 1,
				    lsp_severity_name(dg->severity));
				for (line = dg->message; *line != '\0';
				    line++)
					buf_addch(&b, *line == '\n' ? ' ' :
					    *line);
				buf_adds(&b, isnew ? " (new)\n" : "\n");
				shown++;
			}
		}
		if (omitted > 0)
			buf_addf(&b, "(%zu more not shown)\n", omitted);
	} else if (fd != NULL && w->had_prev)
		buf_addf(&b, "LSP (%s): no errors or warnings in %s now.\n",
		    s->conf->name, w->rel);
	else if (s != NULL && !w->got && (s->state == LSP_STARTING ||
	    s->state == LSP_RESTARTING || s->state == LSP_INDEXING)) {
		buf_addf(&b, "LSP: %s is %s; no diagnostics for %s within "
		    "%u ms.\n", s->conf->name, lsp_state_name(s->state),
		    w->rel, m->opts.diagnostics_timeout_ms);
	} else if (s != NULL && s->state == LSP_BROKEN && !s->told_broken) {
		s->told_broken = 1;
		buf_addf(&b, "LSP: %s is broken for %s (%s); no diagnostics "
		    "from it for the rest of the session.\n", s->conf->name,
		    s->root, s->error != NULL ? s->error : "failed");
	}
	TAILQ_REMOVE(&m->waits, w, entry);
	if (w->done != NULL)
		w->done(w->arg, b.len > 0 ? b.buf : NULL);
	buf_release(&b);
	lsp_wait_free(w);
}

/* Free a wait (already unlinked). */
static void
lsp_wait_free(struct lsp_wait *w)
{
	size_t	i;

	if (w->deadline != NULL)
		loop_timer_cancel(w->deadline);
	if (w->settle != NULL)
		loop_timer_cancel(w->settle);
	if (w->pull != NULL) {
		w->pull->fn = NULL;
		w->pull->priv = NULL;
	}
	for (i = 0; i < w->nprev; i++)
		free(w->prev[i]);
	free(w->prev);
	free(w->notice);
	free(w->uri);
	free(w->rel);
	free(w);
}

void
lsp_wait_cancel(struct lsp_wait *w)
{
	if (w == NULL)
		return;
	TAILQ_REMOVE(&w->m->waits, w, entry);
	lsp_wait_free(w);
}

int
lsp_diagnostic_counts(struct lsp_manager *m, const char *abs_path,
    int *errors, int *warnings)
{
	struct lsp_server	*s;
	struct lsp_filediag	*fd;
	char			*uri = lsp_uri_from_path(abs_path);
	int			 found = 0;

	*errors = *warnings = 0;
	TAILQ_FOREACH(s, &m->servers, entry) {
		if ((fd = lsp_filediag_find(s, uri)) != NULL) {
			*errors += fd->errors;
			*warnings += fd->warnings;
			found = 1;
		}
	}
	free(uri);
	return (found ? 0 : -1);
}
