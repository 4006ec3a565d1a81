/*
 * tool-lsp.c: semantic navigation and rename through language servers:
 * lsp_definition, lsp_references, lsp_hover, lsp_document_symbols,
 * lsp_workspace_symbols (read-only, asynchronous) and lsp_rename (an edit
 * across files, previewed as one unified diff).
 */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "agentos.h"
#include "lsp.h"
#include "repomodel.h"
#include "policy.h"
#include "banned.h"

#define TOOL_LSP_MAX_ITEMS	200

struct tool_lsp;

/* One diagnostics wait of a rename. */
struct tool_lsp_wait {
	struct tool_lsp		*tl;
	struct lsp_wait		*w;		/* NULL once finished */
};

/* A pending call's state. */
struct tool_lsp {
	struct tool_call	*tc;
	struct lsp_req		*req;
	struct tool_lsp_wait	*waits;		/* rename: diagnostics */
	size_t			 nwaits, waiting;
	struct buf		 diag;
	char			*abs;
	const char		*kind;		/* tool name */
};

/* The rename computed for the last preview, reused by run. */
static struct {
	json_t			*input;
	struct lsp_file_edit	*files;
	size_t			 n;
} tool_lsp_cache;

static int	tool_lsp_resolve(struct tool_call *, char **, char **,
		    int *, int *, char **);
static int	tool_lsp_position(const char *, json_t *, int *, int *,
		    char **);
static int	tool_lsp_start(struct tool_call *, const char *, json_t *,
		    lsp_req_cb);
static int	isalnum_c(int);
static void	tool_lsp_done(void *, json_t *, int, const char *);
static int	tool_lsp_run_pos(struct tool_call *);
static int	tool_lsp_run_symbols(struct tool_call *);
static int	tool_lsp_run_workspace(struct tool_call *);
static int	tool_lsp_run_rename(struct tool_call *);
static int	tool_lsp_preview_rename(struct tool_ctx *, json_t *,
		    struct buf *, char **);
static void	tool_lsp_cancel(struct tool_call *);
static void	tool_lsp_free(struct tool_lsp *);
static void	tool_lsp_fallback(struct tool_call *, const char *,
		    const char *);
static void	tool_lsp_location(struct buf *, const char *, json_t *,
		    int);
static void	tool_lsp_symbols(struct buf *, const char *, json_t *, int,
		    int, size_t *);
static void	tool_lsp_hover_text(struct buf *, json_t *);
static const char *tool_lsp_kind(json_int_t);
static char	*tool_lsp_line(const char *, unsigned int, size_t *);
static int	tool_lsp_protected(struct tool_call *, const char *);
static int	tool_lsp_apply(struct tool_call *, struct lsp_file_edit *,
		    size_t);
static void	tool_lsp_rename_done(void *, json_t *, int, const char *);
static void	tool_lsp_rename_diag(void *, const char *);

#define TOOL_LSP_POS_SCHEMA						\
	"{\"type\":\"object\",\"properties\":{"				\
	"\"path\":{\"type\":\"string\",\"description\":"		\
	"\"file, relative to the repository root\"},"			\
	"\"line\":{\"type\":\"integer\",\"description\":\"1-based\"},"	\
	"\"column\":{\"type\":\"integer\",\"description\":"		\
	"\"1-based, in bytes\"},"					\
	"\"symbol\":{\"type\":\"string\",\"description\":"		\
	"\"instead of column: the identifier to look up (its first "	\
	"occurrence on line, or in the file when line is absent)\"}},"	\
	"\"required\":[\"path\"]}"
static void	tool_lsp_effects(json_t *, struct tool_effects *);
static void	tool_lsp_rename_effects(json_t *, struct tool_effects *);

const struct tool_entry tool_lsp_definition = {
	.name = "lsp_definition",
	.description = "Go to the definition of the symbol at a position "
	    "(or named by symbol) using the language server; returns "
	    "path:line:column and the line.",
	.schema = TOOL_LSP_POS_SCHEMA,
	.flags = TOOL_READONLY | TOOL_LSP,
	.effects = tool_lsp_effects,
	.run = tool_lsp_run_pos,
	.cancel = tool_lsp_cancel,
};

const struct tool_entry tool_lsp_references = {
	.name = "lsp_references",
	.description = "List every reference to the symbol at a position "
	    "(or named by symbol), declaration included, using the language "
	    "server.",
	.schema = TOOL_LSP_POS_SCHEMA,
	.flags = TOOL_READONLY | TOOL_LSP,
	.effects = tool_lsp_effects,
	.run = tool_lsp_run_pos,
	.cancel = tool_lsp_cancel,
};

const struct tool_entry tool_lsp_hover = {
	.name = "lsp_hover",
	.description = "Show the type and documentation of the symbol at a "
	    "position (or named by symbol) from the language server.",
	.schema = TOOL_LSP_POS_SCHEMA,
	.flags = TOOL_READONLY | TOOL_LSP,
	.effects = tool_lsp_effects,
	.run = tool_lsp_run_pos,
	.cancel = tool_lsp_cancel,
};

const struct tool_entry tool_lsp_document_symbols = {
	.name = "lsp_document_symbols",
	.description = "List the symbols (functions, types, variables) "
	    "declared in a file, with their lines, from the language server.",
	.schema = "{\"type\":\"object\",\"properties\":{\"path\":{\"type\":"
	    "\"string\"}},\"required\":[\"path\"]}",
	.flags = TOOL_READONLY | TOOL_LSP,
	.effects = tool_lsp_effects,
	.run = tool_lsp_run_symbols,
	.cancel = tool_lsp_cancel,
};

const struct tool_entry tool_lsp_workspace_symbols = {
	.name = "lsp_workspace_symbols",
	.description = "Search the symbols of the whole project by name "
	    "(fuzzy) using a running language server.",
	.schema = "{\"type\":\"object\",\"properties\":{\"query\":{\"type\":"
	    "\"string\"}},\"required\":[\"query\"]}",
	.flags = TOOL_READONLY | TOOL_LSP,
	.effects = tool_lsp_effects,
	.run = tool_lsp_run_workspace,
	.cancel = tool_lsp_cancel,
};

const struct tool_entry tool_lsp_rename = {
	.name = "lsp_rename",
	.description = "Rename the symbol at a position (or named by "
	    "symbol) everywhere it is used, across files, using the language "
	    "server; one edit, approved from its diff.",
	.schema = "{\"type\":\"object\",\"properties\":{"
	    "\"path\":{\"type\":\"string\"},"
	    "\"line\":{\"type\":\"integer\",\"description\":\"1-based\"},"
	    "\"column\":{\"type\":\"integer\",\"description\":"
	    "\"1-based, in bytes\"},"
	    "\"symbol\":{\"type\":\"string\"},"
	    "\"new_name\":{\"type\":\"string\"}},"
	    "\"required\":[\"path\",\"new_name\"]}",
	.flags = TOOL_EDIT | TOOL_LSP,
	.effects = tool_lsp_rename_effects,
	.preview = tool_lsp_preview_rename,
	.run = tool_lsp_run_rename,
	.cancel = tool_lsp_cancel,
};

/* Asks the language server about the file it names (if any). */
static void
tool_lsp_effects(json_t *input, struct tool_effects *fx)
{
	fx->flags = EFFECT_LSP;
	tool_effects_read(fx, conv_json_str(input, "path"));
}

/*
 * Rewrites the file it names and whatever other files the server's edit
 * touches (known only from the preview).
 */
static void
tool_lsp_rename_effects(json_t *input, struct tool_effects *fx)
{
	fx->flags = EFFECT_MUTATES | EFFECT_EDIT | EFFECT_LSP;
	tool_effects_write(fx, conv_json_str(input, "path"));
}

/* Free a call's state. */
static void
tool_lsp_free(struct tool_lsp *tl)
{
	size_t	i;

	if (tl == NULL)
		return;
	for (i = 0; i < tl->nwaits; i++) {
		if (tl->waits[i].w != NULL)
			lsp_wait_cancel(tl->waits[i].w);
	}
	free(tl->waits);
	buf_release(&tl->diag);
	free(tl->abs);
	free(tl);
}

/* Stop a pending call: cancel its request or waits. */
static void
tool_lsp_cancel(struct tool_call *tc)
{
	struct tool_lsp	*tl = tc->priv;

	if (tl == NULL)
		return;
	if (tl->req != NULL)
		lsp_req_cancel(tl->req);
	tl->req = NULL;
	tool_lsp_free(tl);
	tc->priv = NULL;
}

/*
 * The identifier the call asks about: its symbol (or query), else the word
 * at its line and column.  NULL when there is none.  Caller frees.
 */
static char *
tool_lsp_symbol(struct tool_call *tc)
{
	const char	*s, *path;
	char		*abs = NULL, *rel = NULL, *cause = NULL, *l, *word = NULL;
	size_t		 len, b, e;
	json_int_t	 line, col;

	if ((s = json_string_value(json_object_get(tc->input, "symbol"))) !=
	    NULL && *s != '\0')
		return (xstrdup(s));
	if ((s = json_string_value(json_object_get(tc->input, "query"))) !=
	    NULL && *s != '\0')
		return (xstrdup(s));
	path = json_string_value(json_object_get(tc->input, "path"));
	line = json_integer_value(json_object_get(tc->input, "line"));
	col = json_integer_value(json_object_get(tc->input, "column"));
	if (path == NULL || line < 1 || col < 1 ||
	    path_resolve(tc->ctx->root, path, &abs, &rel, &cause) != 0)
		goto out;
	if ((l = tool_lsp_line(abs, line - 1, &len)) == NULL)
		goto out;
	b = e = (size_t)col - 1;
	if (b < len) {
		while (b > 0 && (l[b - 1] == '_' || isalnum_c(l[b - 1])))
			b--;
		while (e < len && (l[e] == '_' || isalnum_c(l[e])))
			e++;
		if (e > b)
			word = xstrndup(l + b, e - b);
	}
	free(l);
out:
	free(cause);
	free(abs);
	free(rel);
	return (word);
}

/*
 * No server answered: answer from the repository model where the question
 * has a by-name equivalent, and say so; otherwise say what to use instead.
 */
static void
tool_lsp_fallback(struct tool_call *tc, const char *what, const char *why)
{
	struct repomodel	*rm = tc->ctx->repomodel;
	struct repomodel_hit	*hits = NULL;
	struct buf		 b = BUF_INIT;
	const char		*name = tc->tool->name, *path;
	char			*sym = NULL, *cause = NULL;
	size_t			 n = 0, i;
	int			 ok = 0;

	if (rm == NULL || strcmp(name, "lsp_hover") == 0 ||
	    strcmp(name, "lsp_rename") == 0)
		goto plain;
	if (strcmp(name, "lsp_document_symbols") == 0) {
		path = json_string_value(json_object_get(tc->input, "path"));
		ok = path != NULL && repomodel_file_outline(rm, path, &hits,
		    &n, &cause) == 0;
		free(cause);
	} else if ((sym = tool_lsp_symbol(tc)) != NULL) {
		if (strcmp(name, "lsp_references") == 0)
			n = repomodel_find_references(rm, sym, &hits);
		else
			n = repomodel_find_definition(rm, sym, &hits);
		ok = 1;
	}
	if (!ok)
		goto plain;
	buf_addf(&b, "No language server answer for %s (%s). Answered from "
	    "agentos's repository model instead (tree-sitter, matched by "
	    "name, so same-named symbols elsewhere may appear):\n", what,
	    why);
	if (n == 0)
		buf_addf(&b, "no match%s%s\n", sym != NULL ? " for " : "",
		    sym != NULL ? sym : "");
	for (i = 0; i < n; i++)
		buf_addf(&b, "%s:%u: %s\n", hits[i].path, hits[i].line,
		    hits[i].sig != NULL ? hits[i].sig : hits[i].name);
	tool_result_set(tc, b.buf, b.len, 0);
	buf_release(&b);
	repomodel_hits_free(hits, n);
	free(sym);
	return;
plain:
	free(sym);
	tool_result_setf(tc, 1, "%s: %s.\nNo language server answer: use "
	    "grep (or find_definition where the repository model offers "
	    "it) instead.", what, why);
}

/* Read line (0-based) of path; *len set; NULL if none.  Caller frees. */
static char *
tool_lsp_line(const char *path, unsigned int line, size_t *len)
{
	FILE		*f;
	char		*l = NULL;
	size_t		 cap = 0;
	ssize_t		 n = -1;
	unsigned int	 i;

	if ((f = fopen(path, "r")) == NULL)
		return (NULL);
	for (i = 0; i <= line; i++) {
		if ((n = getline(&l, &cap, f)) == -1)
			break;
	}
	fclose(f);
	if (n == -1) {
		free(l);
		return (NULL);
	}
	while (n > 0 && (l[n - 1] == '\n' || l[n - 1] == '\r'))
		l[--n] = '\0';
	*len = n;
	return (l);
}

/*
 * Find the position to ask about: line and column given, or the first
 * whole-word occurrence of symbol (on line when given).
 */
static int
tool_lsp_position(const char *abs, json_t *input, int *line, int *col,
    char **cause)
{
	const char	*sym;
	FILE		*f;
	char		*l = NULL, *p;
	size_t		 cap = 0, sl;
	ssize_t		 n;
	int		 ln = 0, want;

	*line = (int)json_integer_value(json_object_get(input, "line"));
	*col = (int)json_integer_value(json_object_get(input, "column"));
	sym = json_string_value(json_object_get(input, "symbol"));
	if (sym == NULL || *sym == '\0') {
		if (*line < 1 || *col < 1) {
			*cause = xasprintf("give line and column (1-based), "
			    "or symbol");
			return (-1);
		}
		return (0);
	}
	want = *line;
	sl = strlen(sym);
	if ((f = fopen(abs, "r")) == NULL) {
		*cause = xasprintf("%s: %s", abs, strerror(errno));
		return (-1);
	}
	while ((n = getline(&l, &cap, f)) != -1) {
		ln++;
		if (want > 0 && ln != want)
			continue;
		for (p = l; (p = strstr(p, sym)) != NULL; p++) {
			if ((p > l && (p[-1] == '_' || isalnum_c(p[-1]))) ||
			    p[sl] == '_' || isalnum_c(p[sl]))
				continue;
			*line = ln;
			*col = (int)(p - l) + 1;
			free(l);
			fclose(f);
			return (0);
		}
		if (want > 0)
			break;
	}
	free(l);
	fclose(f);
	*cause = want > 0 ? xasprintf("%s not found on line %d", sym, want) :
	    xasprintf("%s not found in the file", sym);
	return (-1);
}

/* Resolve the path and position of a positional call. */
static int
tool_lsp_resolve(struct tool_call *tc, char **abs, char **rel, int *line,
    int *col, char **cause)
{
	const char	*path;

	path = json_string_value(json_object_get(tc->input, "path"));
	if (path == NULL) {
		*cause = xasprintf("path is required");
		return (-1);
	}
	if (path_resolve(tc->ctx->root, path, abs, rel, cause) != 0)
		return (-1);
	if (line == NULL)
		return (0);
	if (tool_lsp_position(*abs, tc->input, line, col, cause) != 0) {
		free(*abs);
		free(*rel);
		return (-1);
	}
	return (0);
}

/* Send a request for tc; 1 when pending, 0 when the result is final. */
static int
tool_lsp_start(struct tool_call *tc, const char *method, json_t *extra,
    lsp_req_cb cb)
{
	struct tool_lsp	*tl;
	char		*abs = NULL, *rel = NULL, *cause = NULL;
	int		 line = 0, col = 0;

	if (tool_lsp_resolve(tc, &abs, &rel, extra == NULL && strcmp(method,
	    "textDocument/documentSymbol") == 0 ? NULL : &line, &col,
	    &cause) != 0) {
		tool_result_setf(tc, 1, "%s", cause);
		free(cause);
		return (0);
	}
	if (tc->ctx->lsp == NULL) {
		tool_lsp_fallback(tc, rel, "language servers are off");
		goto out;
	}
	tl = xcalloc(1, sizeof *tl);
	tl->tc = tc;
	tl->kind = tc->tool->name;
	tl->abs = abs;
	abs = NULL;
	tc->priv = tl;
	tl->req = lsp_file_request(tc->ctx->lsp, tl->abs, method, line, col,
	    extra, cb, tc, &cause);
	if (tl->req == NULL) {
		tool_lsp_fallback(tc, rel, cause);
		free(cause);
		tool_lsp_free(tl);
		tc->priv = NULL;
		goto out;
	}
	free(rel);
	return (1);
out:
	free(abs);
	free(rel);
	return (0);
}

static int
tool_lsp_run_pos(struct tool_call *tc)
{
	const char	*name = tc->tool->name;
	json_t		*extra;
	int		 rc;

	if (strcmp(name, "lsp_definition") == 0)
		return (tool_lsp_start(tc, "textDocument/definition", NULL,
		    tool_lsp_done));
	if (strcmp(name, "lsp_hover") == 0)
		return (tool_lsp_start(tc, "textDocument/hover", NULL,
		    tool_lsp_done));
	extra = json_pack("{s:{s:b}}", "context", "includeDeclaration", 1);
	rc = tool_lsp_start(tc, "textDocument/references", extra,
	    tool_lsp_done);
	json_decref(extra);
	return (rc);
}

static int
tool_lsp_run_symbols(struct tool_call *tc)
{
	return (tool_lsp_start(tc, "textDocument/documentSymbol", NULL,
	    tool_lsp_done));
}

static int
tool_lsp_run_workspace(struct tool_call *tc)
{
	struct tool_lsp	*tl;
	const char	*q;
	json_t		*params;
	char		*cause = NULL;

	q = json_string_value(json_object_get(tc->input, "query"));
	if (q == NULL) {
		tool_result_setf(tc, 1, "query is required");
		return (0);
	}
	if (tc->ctx->lsp == NULL) {
		tool_lsp_fallback(tc, "workspace", "language servers are off");
		return (0);
	}
	tl = xcalloc(1, sizeof *tl);
	tl->tc = tc;
	tl->kind = tc->tool->name;
	tc->priv = tl;
	params = json_pack("{s:s}", "query", q);
	tl->req = lsp_workspace_request(tc->ctx->lsp, "workspace/symbol",
	    params, tool_lsp_done, tc, &cause);
	json_decref(params);
	if (tl->req == NULL) {
		tool_lsp_fallback(tc, "workspace", cause);
		free(cause);
		tool_lsp_free(tl);
		tc->priv = NULL;
		return (0);
	}
	return (1);
}

/* isalnum for identifiers, without locale surprises. */
static int
isalnum_c(int c)
{
	return ((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
	    (c >= '0' && c <= '9'));
}

/* Append "rel:line:col: text" for a Location or LocationLink. */
static void
tool_lsp_location(struct buf *b, const char *root, json_t *loc, int utf8)
{
	const char	*uri;
	json_t		*range;
	char		*path, *l;
	const char	*shown;
	size_t		 rootlen = strlen(root), len, col;
	unsigned int	 line, ch;

	uri = json_string_value(json_object_get(loc, "uri"));
	range = json_object_get(loc, "range");
	if (uri == NULL) {
		uri = json_string_value(json_object_get(loc, "targetUri"));
		range = json_object_get(loc, "targetSelectionRange");
	}
	if (uri == NULL || (path = lsp_path_from_uri(uri)) == NULL)
		return;
	line = (unsigned int)json_integer_value(json_object_get(
	    json_object_get(range, "start"), "line"));
	ch = (unsigned int)json_integer_value(json_object_get(
	    json_object_get(range, "start"), "character"));
	shown = path;
	if (strncmp(path, root, rootlen) == 0 && path[rootlen] == '/')
		shown = path + rootlen + 1;
	col = ch;
	if ((l = tool_lsp_line(path, line, &len)) != NULL) {
		col = lsp_col_from_server(l, len, ch, utf8);
		buf_addf(b, "%s:%u:%zu: %.200s\n", shown, line + 1, col + 1,
		    l + strspn(l, " \t"));
		free(l);
	} else
		buf_addf(b, "%s:%u:%zu\n", shown, line + 1, col + 1);
	free(path);
}

/* SymbolKind names (spec: "SymbolKind"). */
static const char *
tool_lsp_kind(json_int_t k)
{
	static const char *names[] = {
		"symbol", "file", "module", "namespace", "package", "class",
		"method", "property", "field", "constructor", "enum",
		"interface", "function", "variable", "constant", "string",
		"number", "boolean", "array", "object", "key", "null",
		"enum member", "struct", "event", "operator", "type parameter",
	};

	if (k < 1 || k > 26)
		return (names[0]);
	return (names[k]);
}

/* Append DocumentSymbol trees or SymbolInformation lists. */
static void
tool_lsp_symbols(struct buf *b, const char *root, json_t *list, int utf8,
    int depth, size_t *count)
{
	json_t		*s, *range, *loc;
	size_t		 i;
	const char	*name, *container;

	json_array_foreach(list, i, s) {
		if (*count >= TOOL_LSP_MAX_ITEMS) {
			(*count)++;
			continue;
		}
		(*count)++;
		name = json_string_value(json_object_get(s, "name"));
		if (name == NULL)
			continue;
		loc = json_object_get(s, "location");
		if (loc != NULL) {
			/* SymbolInformation or WorkspaceSymbol. */
			container = json_string_value(json_object_get(s,
			    "containerName"));
			buf_addf(b, "%s %s%s%s  ", tool_lsp_kind(
			    json_integer_value(json_object_get(s, "kind"))),
			    name, container != NULL && *container != '\0' ?
			    " in " : "", container != NULL ? container : "");
			if (json_object_get(loc, "range") != NULL)
				tool_lsp_location(b, root, loc, utf8);
			else
				buf_addf(b, "%s\n", json_string_value(
				    json_object_get(loc, "uri")));
			continue;
		}
		range = json_object_get(s, "selectionRange");
		if (range == NULL)
			range = json_object_get(s, "range");
		buf_addf(b, "%*s%s %s (line %lld)\n", depth * 2, "",
		    tool_lsp_kind(json_integer_value(json_object_get(s,
		    "kind"))), name, (long long)json_integer_value(
		    json_object_get(json_object_get(range, "start"),
		    "line")) + 1);
		if (json_is_array(json_object_get(s, "children")))
			tool_lsp_symbols(b, root, json_object_get(s,
			    "children"), utf8, depth + 1, count);
	}
}

/* Append the text of a Hover's contents. */
static void
tool_lsp_hover_text(struct buf *b, json_t *c)
{
	json_t	*e;
	size_t	 i;

	if (json_is_string(c))
		buf_addf(b, "%s\n", json_string_value(c));
	else if (json_is_array(c)) {
		json_array_foreach(c, i, e)
			tool_lsp_hover_text(b, e);
	} else if (json_is_object(c) && json_is_string(json_object_get(c,
	    "value")))
		buf_addf(b, "%s\n", json_string_value(json_object_get(c,
		    "value")));
}

/* A reply came: format it as the tool result and finish. */
static void
tool_lsp_done(void *arg, json_t *result, int utf8, const char *error)
{
	struct tool_call	*tc = arg;
	struct tool_lsp		*tl = tc->priv;
	struct buf		 b = BUF_INIT;
	const char		*name = tc->tool->name;
	json_t			*e;
	size_t			 i, count = 0;

	tl->req = NULL;
	if (error != NULL) {
		tool_lsp_fallback(tc, name, error);
		goto out;
	}
	if (strcmp(name, "lsp_hover") == 0) {
		tool_lsp_hover_text(&b, json_object_get(result, "contents"));
	} else if (strcmp(name, "lsp_document_symbols") == 0 ||
	    strcmp(name, "lsp_workspace_symbols") == 0) {
		tool_lsp_symbols(&b, tc->ctx->root, result, utf8, 0, &count);
		if (count > TOOL_LSP_MAX_ITEMS)
			buf_addf(&b, "(%zu more not shown)\n",
			    count - TOOL_LSP_MAX_ITEMS);
	} else if (json_is_array(result)) {
		json_array_foreach(result, i, e) {
			if (i < TOOL_LSP_MAX_ITEMS)
				tool_lsp_location(&b, tc->ctx->root, e, utf8);
		}
		if (json_array_size(result) > TOOL_LSP_MAX_ITEMS)
			buf_addf(&b, "(%zu more not shown)\n",
			    json_array_size(result) - TOOL_LSP_MAX_ITEMS);
	} else if (json_is_object(result))
		tool_lsp_location(&b, tc->ctx->root, result, utf8);
	if (b.len == 0)
		buf_addf(&b, "The language server found nothing.\n");
	tool_result_set(tc, b.buf, b.len, 0);
out:
	buf_release(&b);
	tool_lsp_free(tl);
	tc->priv = NULL;
	tool_call_finish(tc);
}

/* ------------------------------------------------------------------------ */
/* lsp_rename */

/* Drop the cached preview. */
static void
tool_lsp_cache_clear(void)
{
	json_decref(tool_lsp_cache.input);
	lsp_file_edits_free(tool_lsp_cache.files, tool_lsp_cache.n);
	memset(&tool_lsp_cache, 0, sizeof tool_lsp_cache);
}

/*
 * The preview: ask the server synchronously (bounded; approval needs the
 * diff now) and keep the edit for run.
 */
static int
tool_lsp_preview_rename(struct tool_ctx *ctx, json_t *input,
    struct buf *preview, char **cause)
{
	struct tool_call	 fake;
	const char		*nn;
	char			*abs = NULL, *rel = NULL;
	json_t			*wedit;
	struct lsp_file_edit	*files;
	size_t			 n, i, rootlen = strlen(ctx->root);
	int			 line, col, utf8 = 0, added, removed;
	int			 rc = -1;

	tool_lsp_cache_clear();
	nn = json_string_value(json_object_get(input, "new_name"));
	if (nn == NULL || *nn == '\0') {
		*cause = xasprintf("new_name is required");
		return (-1);
	}
	memset(&fake, 0, sizeof fake);
	fake.input = input;
	fake.ctx = ctx;
	if (tool_lsp_resolve(&fake, &abs, &rel, &line, &col, cause) != 0)
		return (-1);
	if (ctx->lsp == NULL) {
		*cause = xasprintf("%s: language servers are off; rename "
		    "with edit_file instead", rel);
		goto out;
	}
	wedit = lsp_rename_sync(ctx->lsp, abs, line, col, nn,
	    lsp_manager_options(ctx->lsp)->request_timeout_ms, &utf8, cause);
	if (wedit == NULL)
		goto out;
	rc = lsp_edit_compute(ctx->root, wedit, utf8, &files, &n, cause);
	json_decref(wedit);
	if (rc != 0)
		goto out;
	for (i = 0; i < n; i++) {
		const char *p = files[i].path;

		if (strncmp(p, ctx->root, rootlen) == 0 && p[rootlen] == '/')
			p += rootlen + 1;
		if (diff_buffers(p, files[i].old, files[i].oldlen,
		    files[i].new, files[i].newlen, preview, &added, &removed,
		    cause) != 0) {
			lsp_file_edits_free(files, n);
			rc = -1;
			goto out;
		}
	}
	tool_lsp_cache.input = json_deep_copy(input);
	tool_lsp_cache.files = files;
	tool_lsp_cache.n = n;
out:
	free(abs);
	free(rel);
	return (rc);
}

/* Write each file's new contents (via a temporary and rename). */
/*
 * Is path (absolute), written by the rename tc, a protected path other
 * than the ones tc declared?  Then tc's result says so.
 */
static int
tool_lsp_protected(struct tool_call *tc, const char *path)
{
	char	*root, *abs, *prot, *decl;
	size_t	 i;
	int	 hit = 0;

	if ((root = realpath(tc->ctx->root, NULL)) == NULL)
		root = xstrdup(tc->ctx->root);
	abs = policy_abspath(root, path);
	if ((prot = policy_protected(root, abs)) != NULL) {
		hit = 1;
		for (i = 0; i < tc->effects.nwrites && hit; i++) {
			decl = policy_abspath(root, tc->effects.writes[i]);
			if (strcmp(decl, abs) == 0)
				hit = 0;
			free(decl);
		}
		if (hit)
			tool_result_setf(tc, 1, "rename refused: the server's "
			    "edit also writes %s, a protected path (git "
			    "internals, agentos and MCP config, instruction "
			    "files, hooks) that was not approved by name; "
			    "nothing written. Rename the other files with "
			    "edit_file.", prot);
	}
	free(prot);
	free(abs);
	free(root);
	return (hit);
}

static int
tool_lsp_apply(struct tool_call *tc, struct lsp_file_edit *files, size_t n)
{
	struct tool_lsp	*tl;
	struct stat	 sb;
	char		*tmp, *cur;
	size_t		 i, len, rootlen = strlen(tc->ctx->root);
	int		 fd;
	FILE		*f;
	struct buf	 b = BUF_INIT;
	char		 chunk[65536];
	size_t		 r;

	/*
	 * The files the server's edit touches are known only now: one that
	 * is a protected path (policy.h) and not the file the call named,
	 * which the policy stage checked, was never approved by name.
	 */
	for (i = 0; i < n; i++) {
		if (tool_lsp_protected(tc, files[i].path))
			return (0);
	}
	/* Refuse if a file changed since the edit was computed. */
	for (i = 0; i < n; i++) {
		if ((f = fopen(files[i].path, "r")) == NULL) {
			tool_result_setf(tc, 1, "%s: %s", files[i].path,
			    strerror(errno));
			return (0);
		}
		buf_reset(&b);
		while ((r = fread(chunk, 1, sizeof chunk, f)) > 0)
			buf_add(&b, chunk, r);
		fclose(f);
		if (b.len != files[i].oldlen ||
		    memcmp(b.buf, files[i].old, b.len) != 0) {
			buf_release(&b);
			tool_result_setf(tc, 1, "%s changed since the rename "
			    "was previewed; nothing written", files[i].path);
			return (0);
		}
	}
	buf_release(&b);
	for (i = 0; i < n; i++) {
		tmp = xasprintf("%s.agentos-XXXXXX", files[i].path);
		if ((fd = mkstemp(tmp)) == -1 ||
		    write(fd, files[i].new, files[i].newlen) !=
		    (ssize_t)files[i].newlen) {
			tool_result_setf(tc, 1, "%s: %s (%zu of %zu files "
			    "written)", files[i].path, strerror(errno), i, n);
			if (fd != -1) {
				close(fd);
				unlink(tmp);
			}
			free(tmp);
			return (0);
		}
		if (stat(files[i].path, &sb) == 0)
			fchmod(fd, sb.st_mode & 07777);
		close(fd);
		if (rename(tmp, files[i].path) != 0) {
			tool_result_setf(tc, 1, "%s: %s", files[i].path,
			    strerror(errno));
			unlink(tmp);
			free(tmp);
			return (0);
		}
		free(tmp);
		cur = files[i].path;
		len = strlen(cur);
		if (len > rootlen && strncmp(cur, tc->ctx->root, rootlen) ==
		    0 && cur[rootlen] == '/')
			cur += rootlen + 1;
		tool_call_add_path(tc, cur);
	}

	/* The result, then fresh diagnostics of every file touched. */
	tool_result_setf(tc, 0, "Renamed to %s in %zu file%s:\n",
	    json_string_value(json_object_get(tc->input, "new_name")), n,
	    n == 1 ? "" : "s");
	for (i = 0; i < tc->npaths; i++)
		buf_addf(&tc->result, "  %s\n", tc->paths[i]);
	if (tc->ctx->lsp == NULL)
		return (0);
	tl = xcalloc(1, sizeof *tl);
	tl->tc = tc;
	tc->priv = tl;
	tl->waits = xcalloc(n, sizeof *tl->waits);
	tl->nwaits = tl->waiting = n;
	for (i = 0; i < n; i++)
		tl->waits[i].tl = tl;
	for (i = 0; i < n; i++) {
		tl->waits[i].w = lsp_after_edit(tc->ctx->lsp, files[i].path,
		    files[i].new, files[i].newlen, tool_lsp_rename_diag,
		    &tl->waits[i]);
	}
	return (1);
}

/* One file's diagnostics after the rename; finish after the last. */
static void
tool_lsp_rename_diag(void *arg, const char *text)
{
	struct tool_lsp_wait	*tw = arg;
	struct tool_lsp		*tl = tw->tl;
	struct tool_call	*tc = tl->tc;

	tw->w = NULL;
	if (text != NULL)
		buf_adds(&tl->diag, text);
	if (--tl->waiting > 0)
		return;
	if (tl->diag.len > 0)
		buf_add(&tc->result, tl->diag.buf, tl->diag.len);
	tool_lsp_free(tl);
	tc->priv = NULL;
	tool_call_finish(tc);
}

/* The asynchronous rename answer (no preview was taken). */
static void
tool_lsp_rename_done(void *arg, json_t *result, int utf8, const char *error)
{
	struct tool_call	*tc = arg;
	struct tool_lsp		*tl = tc->priv;
	struct lsp_file_edit	*files;
	size_t			 n;
	char			*cause = NULL;

	tl->req = NULL;
	tool_lsp_free(tl);
	tc->priv = NULL;
	if (error != NULL || result == NULL || json_is_null(result)) {
		tool_result_setf(tc, 1, "rename failed: %s", error != NULL ?
		    error : "the server found nothing to rename");
		tool_call_finish(tc);
		return;
	}
	if (lsp_edit_compute(tc->ctx->root, result, utf8, &files, &n,
	    &cause) != 0) {
		tool_result_setf(tc, 1, "rename failed: %s", cause);
		free(cause);
		tool_call_finish(tc);
		return;
	}
	if (tool_lsp_apply(tc, files, n) == 0)
		tool_call_finish(tc);
	lsp_file_edits_free(files, n);
}

static int
tool_lsp_run_rename(struct tool_call *tc)
{
	struct lsp_file_edit	*files;
	size_t			 n;
	json_t			*extra;
	int			 rc;

	if (tool_lsp_cache.input != NULL && json_equal(tool_lsp_cache.input,
	    tc->input)) {
		files = tool_lsp_cache.files;
		n = tool_lsp_cache.n;
		tool_lsp_cache.files = NULL;
		tool_lsp_cache.n = 0;
		tool_lsp_cache_clear();
		rc = tool_lsp_apply(tc, files, n);
		lsp_file_edits_free(files, n);
		return (rc);
	}
	/* No preview (a mode that does not ask): ask the server now. */
	if (!json_is_string(json_object_get(tc->input, "new_name"))) {
		tool_result_setf(tc, 1, "new_name is required");
		return (0);
	}
	extra = json_pack("{s:O}", "newName", json_object_get(tc->input,
	    "new_name"));
	rc = tool_lsp_start(tc, "textDocument/rename", extra,
	    tool_lsp_rename_done);
	json_decref(extra);
	return (rc);
}
