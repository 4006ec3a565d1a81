/*
 * lsp-edit.c: turn an LSP WorkspaceEdit into new file contents (spec 3.17:
 * "WorkspaceEdit", "TextDocumentEdit", "TextEdit").  Nothing is written
 * here: the rename tool previews the result as a diff and writes it after
 * approval.
 */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "agentos.h"
#include "lsp.h"
#include "banned.h"

struct lsp_span {
	size_t		 start, end;	/* byte offsets in the old text */
	const char	*text;
	size_t		 seq;		/* order given, for equal starts */
};

static int	lsp_edit_file(const char *, json_t *, int,
		    struct lsp_file_edit *, char **);
static int	lsp_edit_offset(const char *, size_t, json_t *, int,
		    size_t *);
static int	lsp_span_cmp(const void *, const void *);

/* Byte offset of an LSP Position in text; -1 if past the end. */
static int
lsp_edit_offset(const char *text, size_t len, json_t *pos, int utf8,
    size_t *off)
{
	json_int_t	 line, ch;
	size_t		 i = 0, end;
	const char	*nl;

	line = json_integer_value(json_object_get(pos, "line"));
	ch = json_integer_value(json_object_get(pos, "character"));
	if (!json_is_integer(json_object_get(pos, "line")) || line < 0 ||
	    ch < 0)
		return (-1);
	while (line > 0) {
		nl = memchr(text + i, '\n', len - i);
		if (nl == NULL) {
			/* One past the last line is the end of the text. */
			if (line == 1 && ch == 0) {
				*off = len;
				return (0);
			}
			return (-1);
		}
		i = nl - text + 1;
		line--;
	}
	nl = memchr(text + i, '\n', len - i);
	end = nl != NULL ? (size_t)(nl - text) : len;
	*off = i + lsp_col_from_server(text + i, end - i, (unsigned int)ch,
	    utf8);
	return (0);
}

/* Order spans by start, then as given. */
static int
lsp_span_cmp(const void *a, const void *b)
{
	const struct lsp_span	*x = a, *y = b;

	if (x->start != y->start)
		return (x->start < y->start ? -1 : 1);
	return (x->seq < y->seq ? -1 : (x->seq > y->seq));
}

/* Apply the TextEdit array edits to the file at path into fe. */
static int
lsp_edit_file(const char *path, json_t *edits, int utf8,
    struct lsp_file_edit *fe, char **cause)
{
	struct buf	 b = BUF_INIT, out = BUF_INIT;
	struct lsp_span	*v = NULL;
	size_t		 nv = 0, i, at;
	json_t		*e, *range;
	char		 tmp[65536];
	ssize_t		 n;
	int		 fd, rc = -1;

	if ((fd = open(path, O_RDONLY | O_CLOEXEC)) == -1) {
		*cause = xasprintf("%s: %s", path, strerror(errno));
		return (-1);
	}
	while ((n = read(fd, tmp, sizeof tmp)) > 0)
		buf_add(&b, tmp, n);
	close(fd);
	if (n < 0) {
		*cause = xasprintf("%s: %s", path, strerror(errno));
		goto out;
	}
	if (!json_is_array(edits)) {
		*cause = xasprintf("%s: edits are not an array", path);
		goto out;
	}
	v = xcalloc(json_array_size(edits) + 1, sizeof *v);
	json_array_foreach(edits, i, e) {
		range = json_object_get(e, "range");
		v[nv].text = json_string_value(json_object_get(e, "newText"));
		v[nv].seq = i;
		if (v[nv].text == NULL ||
		    lsp_edit_offset(b.buf, b.len, json_object_get(range,
		    "start"), utf8, &v[nv].start) != 0 ||
		    lsp_edit_offset(b.buf, b.len, json_object_get(range,
		    "end"), utf8, &v[nv].end) != 0 ||
		    v[nv].end < v[nv].start) {
			*cause = xasprintf("%s: an edit's range is not in the "
			    "file (changed since?)", path);
			goto out;
		}
		nv++;
	}
	if (nv > 1)
		qsort(v, nv, sizeof *v, lsp_span_cmp);
	at = 0;
	for (i = 0; i < nv; i++) {
		if (v[i].start < at) {
			*cause = xasprintf("%s: overlapping edits", path);
			goto out;
		}
		buf_add(&out, b.buf + at, v[i].start - at);
		buf_adds(&out, v[i].text);
		at = v[i].end;
	}
	buf_add(&out, b.buf + at, b.len - at);
	fe->path = xstrdup(path);
	fe->old = buf_detach(&b, &fe->oldlen);
	fe->new = buf_detach(&out, &fe->newlen);
	rc = 0;
out:
	free(v);
	buf_release(&b);
	buf_release(&out);
	return (rc);
}

int
lsp_edit_compute(const char *root, json_t *wedit, int utf8,
    struct lsp_file_edit **files, size_t *n, char **cause)
{
	struct lsp_file_edit	*v = NULL;
	size_t			 nv = 0, alloc = 0, i, j, rootlen;
	json_t			*dc, *changes, *e, *edits;
	const char		*uri, *kind;
	char			*path = NULL, real[PATH_MAX];
	char			 rroot[PATH_MAX];
	void			*iter;

	*files = NULL;
	*n = 0;
	if (realpath(root, rroot) == NULL) {
		*cause = xasprintf("%s: %s", root, strerror(errno));
		return (-1);
	}
	rootlen = strlen(rroot);
	dc = json_object_get(wedit, "documentChanges");
	changes = json_object_get(wedit, "changes");
	if (!json_is_array(dc) && !json_is_object(changes)) {
		*cause = xasprintf("the server's edit has no changes");
		return (-1);
	}
	i = 0;
	iter = json_is_array(dc) ? NULL : json_object_iter(changes);
	for (;;) {
		if (json_is_array(dc)) {
			if (i >= json_array_size(dc))
				break;
			e = json_array_get(dc, i++);
			kind = json_string_value(json_object_get(e, "kind"));
			if (kind != NULL) {
				*cause = xasprintf("the server's edit would %s "
				    "a file: not supported", kind);
				goto fail;
			}
			uri = json_string_value(json_object_get(
			    json_object_get(e, "textDocument"), "uri"));
			edits = json_object_get(e, "edits");
		} else {
			if (iter == NULL)
				break;
			uri = json_object_iter_key(iter);
			edits = json_object_iter_value(iter);
			iter = json_object_iter_next(changes, iter);
		}
		if (uri == NULL || (path = lsp_path_from_uri(uri)) == NULL) {
			*cause = xasprintf("the server's edit names a "
			    "non-file URI");
			goto fail;
		}
		if (realpath(path, real) == NULL) {
			*cause = xasprintf("%s: %s", path, strerror(errno));
			goto fail;
		}
		if (strncmp(real, rroot, rootlen) != 0 ||
		    (real[rootlen] != '/' && real[rootlen] != '\0')) {
			*cause = xasprintf("the server's edit touches %s, "
			    "outside the repository", real);
			goto fail;
		}
		for (j = 0; j < nv; j++) {
			if (strcmp(v[j].path, real) == 0) {
				*cause = xasprintf("the server's edit changes "
				    "%s twice", real);
				goto fail;
			}
		}
		ALLOC_GROW(v, nv + 1, alloc);
		memset(&v[nv], 0, sizeof v[nv]);
		if (lsp_edit_file(real, edits, utf8, &v[nv], cause) != 0)
			goto fail;
		nv++;
		free(path);
		path = NULL;
	}
	if (nv == 0) {
		*cause = xasprintf("the server's edit changes nothing");
		return (-1);
	}
	*files = v;
	*n = nv;
	return (0);
fail:
	free(path);
	lsp_file_edits_free(v, nv);
	return (-1);
}

void
lsp_file_edits_free(struct lsp_file_edit *files, size_t n)
{
	size_t	i;

	for (i = 0; i < n; i++) {
		free(files[i].path);
		free(files[i].old);
		free(files[i].new);
	}
	free(files);
}
