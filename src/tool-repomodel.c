/* tool-repomodel.c: find_definition, find_references, file_outline, repo_map. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "agentos.h"
#include "repomodel.h"
#include "banned.h"

/* At most this many hits are listed (the rest are counted). */
#define TOOL_RM_MAX_HITS	200

static int	 tool_rm_check(struct tool_call *, const char *, const char **);
static int	 tool_find_definition_run(struct tool_call *);
static int	 tool_find_references_run(struct tool_call *);
static int	 tool_file_outline_run(struct tool_call *);
static int	 tool_repo_map_run(struct tool_call *);
static char	*tool_rm_line(const char *, const char *, unsigned int,
		    char **, size_t *, char **);

/*
 * Check that the model is there and, when key is not NULL, that the input
 * has a non-empty string key (in *value).  On failure the result is set
 * and -1 returned.
 */
static int
tool_rm_check(struct tool_call *tc, const char *key, const char **value)
{
	json_t	*v;

	if (tc->ctx == NULL || tc->ctx->repomodel == NULL) {
		tool_result_setf(tc, 1, "the repository model is not "
		    "available in this session; use grep and glob instead");
		return (-1);
	}
	if (key == NULL)
		return (0);
	v = json_object_get(tc->input, key);
	if (!json_is_string(v) || *json_string_value(v) == '\0') {
		tool_result_setf(tc, 1, "%s: a non-empty string is required",
		    key);
		return (-1);
	}
	*value = json_string_value(v);
	return (0);
}

static int
tool_find_definition_run(struct tool_call *tc)
{
	struct repomodel_hit	*hits;
	struct buf		 out = BUF_INIT;
	const char		*name;
	size_t			 n, i;

	if (tool_rm_check(tc, "name", &name) != 0)
		return (0);
	n = repomodel_find_definition(tc->ctx->repomodel, name, &hits);
	if (n == 0) {
		tool_result_setf(tc, 0, "no definition of %s in the "
		    "repository model (it may be defined outside the "
		    "repository, or be a local)", name);
		return (0);
	}
	for (i = 0; i < n && i < TOOL_RM_MAX_HITS; i++) {
		buf_addf(&out, "%s:%u-%u: %s %s\n    %s\n", hits[i].path,
		    hits[i].line, hits[i].end_line,
		    def_kind_name(hits[i].kind), hits[i].name, hits[i].sig);
	}
	if (n > TOOL_RM_MAX_HITS)
		buf_addf(&out, "(%zu more not shown)\n", n - TOOL_RM_MAX_HITS);
	tool_result_set(tc, out.buf, out.len, 0);
	buf_release(&out);
	repomodel_hits_free(hits, n);
	return (0);
}

/*
 * Line number line of root/path, trimmed, with the file cached in *text
 * (of *cached path) between calls.  Caller frees the result.
 */
static char *
tool_rm_line(const char *root, const char *path, unsigned int line,
    char **text, size_t *len, char **cached)
{
	FILE		*f;
	char		*full, *p, *end;
	unsigned int	 l;
	struct buf	 b = BUF_INIT;

	if (*cached == NULL || strcmp(*cached, path) != 0) {
		free(*cached);
		free(*text);
		*cached = xstrdup(path);
		*text = NULL;
		*len = 0;
		full = xasprintf("%s/%s", root, path);
		if ((f = fopen(full, "rb")) != NULL) {
			b.max = 4 * 1024 * 1024;
			for (;;) {
				char	chunk[65536];
				size_t	r = fread(chunk, 1, sizeof chunk, f);

				if (r == 0 || buf_add(&b, chunk, r) != 0)
					break;
			}
			fclose(f);
			*text = buf_detach(&b, len);
		}
		free(full);
	}
	if (*text == NULL)
		return (xstrdup(""));
	p = *text;
	for (l = 1; l < line && p != NULL; l++) {
		p = memchr(p, '\n', *text + *len - p);
		if (p != NULL)
			p++;
	}
	if (p == NULL)
		return (xstrdup(""));
	while (*p == ' ' || *p == '\t')
		p++;
	end = memchr(p, '\n', *text + *len - p);
	if (end == NULL)
		end = *text + *len;
	if (end - p > 200)
		end = p + 200;
	return (xstrndup(p, end - p));
}

static int
tool_find_references_run(struct tool_call *tc)
{
	struct repomodel_hit	*hits;
	struct buf		 out = BUF_INIT;
	const char		*name;
	char			*text = NULL, *cached = NULL, *line;
	size_t			 n, i, len = 0;

	if (tool_rm_check(tc, "name", &name) != 0)
		return (0);
	n = repomodel_find_references(tc->ctx->repomodel, name, &hits);
	if (n == 0) {
		tool_result_setf(tc, 0, "no references to %s in the "
		    "repository model", name);
		return (0);
	}
	buf_addf(&out, "%zu references to %s:\n", n, name);
	for (i = 0; i < n && i < TOOL_RM_MAX_HITS; i++) {
		line = tool_rm_line(tc->ctx->root, hits[i].path,
		    hits[i].line, &text, &len, &cached);
		buf_addf(&out, "%s:%u: (%s%s%s) %s\n", hits[i].path,
		    hits[i].line, ref_kind_name(hits[i].kind),
		    hits[i].sig != NULL ? " in " : "",
		    hits[i].sig != NULL ? hits[i].sig : "", line);
		free(line);
	}
	if (n > TOOL_RM_MAX_HITS)
		buf_addf(&out, "(%zu more not shown)\n", n - TOOL_RM_MAX_HITS);
	tool_result_set(tc, out.buf, out.len, 0);
	free(text);
	free(cached);
	buf_release(&out);
	repomodel_hits_free(hits, n);
	return (0);
}

static int
tool_file_outline_run(struct tool_call *tc)
{
	struct repomodel_hit	*hits;
	struct buf		 out = BUF_INIT;
	const char		*path;
	char			*cause = NULL, *abs = NULL, *rel = NULL;
	size_t			 n, i;

	if (tool_rm_check(tc, "path", &path) != 0)
		return (0);
	/* Absolute paths inside the root are taken relative to it. */
	if (path[0] == '/' && tc->ctx->root != NULL &&
	    strncmp(path, tc->ctx->root, strlen(tc->ctx->root)) == 0 &&
	    path[strlen(tc->ctx->root)] == '/')
		path += strlen(tc->ctx->root) + 1;
	if (repomodel_file_outline(tc->ctx->repomodel, path, &hits, &n,
	    &cause) != 0) {
		tool_result_setf(tc, 1, "%s", cause);
		free(cause);
		return (0);
	}
	if (n == 0)
		buf_addf(&out, "%s: no definitions\n", path);
	for (i = 0; i < n; i++) {
		buf_addf(&out, "%u-%u %s %s: %s\n", hits[i].line,
		    hits[i].end_line, def_kind_name(hits[i].kind),
		    hits[i].name, hits[i].sig);
	}
	tool_result_set(tc, out.buf, out.len, 0);
	buf_release(&out);
	repomodel_hits_free(hits, n);
	free(abs);
	free(rel);
	return (0);
}

static int
tool_repo_map_run(struct tool_call *tc)
{
	json_t		*focus, *budget, *v;
	const char	**fv = NULL;
	size_t		 nf = 0, i;
	char		*map;
	int		 tokens = 0;

	if (tool_rm_check(tc, NULL, NULL) != 0)
		return (0);
	focus = json_object_get(tc->input, "focus");
	if (json_is_string(focus)) {
		fv = xcalloc(1, sizeof *fv);
		fv[nf++] = json_string_value(focus);
	} else if (json_is_array(focus)) {
		fv = xcalloc(json_array_size(focus) + 1, sizeof *fv);
		json_array_foreach(focus, i, v) {
			if (json_is_string(v))
				fv[nf++] = json_string_value(v);
		}
	} else if (focus != NULL && !json_is_null(focus)) {
		tool_result_setf(tc, 1, "focus: a string or an array of "
		    "strings (paths or identifiers) is required");
		return (0);
	}
	budget = json_object_get(tc->input, "budget_tokens");
	if (json_is_integer(budget)) {
		if (json_integer_value(budget) < 64 ||
		    json_integer_value(budget) > 32768) {
			free(fv);
			tool_result_setf(tc, 1, "budget_tokens: between 64 "
			    "and 32768");
			return (0);
		}
		tokens = json_integer_value(budget);
	}
	map = repomodel_map(tc->ctx->repomodel, tokens, fv, nf);
	if (*map == '\0')
		tool_result_setf(tc, 0, "the repository map is empty (no "
		    "indexed definitions yet)");
	else
		tool_result_set(tc, map, strlen(map), 0);
	free(map);
	free(fv);
	return (0);
}

const struct tool_entry tool_find_definition = {
	.name = "find_definition",
	.description = "Where a function, method, class, struct, type, "
	    "macro or top-level variable is defined: path:lines, kind, "
	    "signature.",
	.schema = "{\"type\":\"object\",\"properties\":{\"name\":{\"type\":"
	    "\"string\"}},\"required\":[\"name\"],"
	    "\"additionalProperties\":false}",
	.flags = TOOL_READONLY,
	.run = tool_find_definition_run,
};

const struct tool_entry tool_find_references = {
	.name = "find_references",
	.description = "Uses of an identifier: path:line, kind of use, "
	    "enclosing definition, the line.",
	.schema = "{\"type\":\"object\",\"properties\":{\"name\":{\"type\":"
	    "\"string\"}},"
	    "\"required\":[\"name\"],\"additionalProperties\":false}",
	.flags = TOOL_READONLY,
	.run = tool_find_references_run,
};

const struct tool_entry tool_file_outline = {
	.name = "file_outline",
	.description = "The definitions in a file with line spans and "
	    "signatures: its structure without reading it.",
	.schema = "{\"type\":\"object\",\"properties\":{\"path\":{\"type\":"
	    "\"string\",\"description\":\"relative to the root\"}},\"required\":[\"path\"],"
	    "\"additionalProperties\":false}",
	.flags = TOOL_READONLY,
	.run = tool_file_outline_run,
};

const struct tool_entry tool_repo_map = {
	.name = "repo_map",
	.description = "The most relevant files and their key definitions' "
	    "signatures, ranked by the reference graph, optionally focused.",
	.schema = "{\"type\":\"object\",\"properties\":{\"focus\":{"
	    "\"anyOf\":[{\"type\":\"string\"},{\"type\":\"array\",\"items\":"
	    "{\"type\":\"string\"}}],\"description\":\"paths, directories "
	    "or identifiers\"},\"budget_tokens\":{\"type\":"
	    "\"integer\",\"minimum\":64,\"maximum\":32768}},"
	    "\"additionalProperties\":false}",
	.flags = TOOL_READONLY,
	.run = tool_repo_map_run,
};
