/* tool.c: the tool table and the life of a tool call. */
#include <inttypes.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>

#include "agentos.h"
#include "lsp.h"
#include "mcp.h"
#include "repomodel.h"
#include "banned.h"

/*
 * The tools offered to the model, in the order the model sees them.  Each
 * subsystem adds its rows in its own block.
 */
const struct tool_entry *tool_table[] = {
	/* --- tools: files, search, commands */
	&tool_read_file,
	&tool_edit_file,
	&tool_write_file,
	&tool_glob,
	&tool_grep,
	&tool_bash,
	/* --- end tools */
	/* --- context tools (issue 11) */
	&tool_recall,
	/* --- end context tools */
	/* --- memory (issue 11) */
	&tool_memory,
	/* --- end memory */
	/* --- repository model tools */
	&tool_find_definition,
	&tool_find_references,
	&tool_file_outline,
	&tool_repo_map,
	/* --- end repository model tools */
	/* --- todo list (issue 10) */
	&tool_todo_write,
	&tool_exit_plan_mode,
	/* --- end todo list */
	/* --- lsp tools */
	&tool_lsp_definition,
	&tool_lsp_references,
	&tool_lsp_hover,
	&tool_lsp_document_symbols,
	&tool_lsp_workspace_symbols,
	&tool_lsp_rename,
	/* --- end lsp tools */
	NULL
};

/* Room tool_cap keeps for its marker line (bytes). */
#define TOOL_CAP_MARKER	192

static json_t	*tool_schema(const struct tool_entry *);
static const char *tool_json_type(json_t *);
static size_t	 tool_utf8_len(const unsigned char *, size_t);
static uint64_t	 tool_count_lines(const char *, size_t);
static size_t	 tool_utf8_cut(const char *, size_t);

const struct tool_entry *
tool_find(const char *name)
{
	size_t	i;

	for (i = 0; tool_table[i] != NULL; i++) {
		if (strcmp(tool_table[i]->name, name) == 0)
			return (tool_table[i]);
	}
	return (NULL);
}

/* Parse a tool's schema; a malformed one is a bug in agentos. */
static json_t *
tool_schema(const struct tool_entry *te)
{
	json_error_t	 err;
	json_t		*j;

	j = json_loads(te->schema, 0, &err);
	if (j == NULL || !json_is_object(j))
		fatalx("tool %s: bad schema: %s", te->name, err.text);
	return (j);
}

json_t *
tool_definitions(enum perm_mode mode)
{
	return (tool_definitions_omit(mode, 0));
}

json_t *
tool_definitions_omit(enum perm_mode mode, int omit)
{
	json_t				*a = json_array(), *d;
	const struct tool_entry		*te;
	size_t				 i;

	for (i = 0; tool_table[i] != NULL; i++) {
		te = tool_table[i];
		if (mode == PERM_PLAN && (te->flags & TOOL_READONLY) == 0)
			continue;
		if (mode != PERM_PLAN && (te->flags & TOOL_PLAN) != 0)
			continue;
		if ((te->flags & omit) != 0)
			continue;
		d = json_pack("{s:s, s:s, s:o}", "name", te->name,
		    "description", te->description, "input_schema",
		    tool_schema(te));
		if (d == NULL)
			fatalx("tool %s: json_pack failed", te->name);
		json_array_append_new(a, d);
	}
	return (a);
}

/* The JSON Schema type name of value j. */
static const char *
tool_json_type(json_t *j)
{
	switch (json_typeof(j)) {
	case JSON_OBJECT:
		return ("object");
	case JSON_ARRAY:
		return ("array");
	case JSON_STRING:
		return ("string");
	case JSON_INTEGER:
		return ("integer");
	case JSON_REAL:
		return ("number");
	case JSON_TRUE:
	case JSON_FALSE:
		return ("boolean");
	case JSON_NULL:
		return ("null");
	}
	return ("unknown");
}

/*
 * Check input against the tool's schema.  Unknown fields are ignored
 * (models add them now and then; they do no harm).
 */
int
tool_validate(const struct tool_entry *te, json_t *input, char **cause)
{
	json_t		*schema = tool_schema(te), *props, *req, *v, *p;
	const char	*key, *want, *got;
	size_t		 i;
	int		 rc = -1;

	if (!json_is_object(input)) {
		*cause = xasprintf("invalid input for %s: expected a JSON "
		    "object, got %s", te->name,
		    input == NULL ? "nothing" : tool_json_type(input));
		goto out;
	}
	req = json_object_get(schema, "required");
	json_array_foreach(req, i, v) {
		key = json_string_value(v);
		if (key != NULL && json_object_get(input, key) == NULL) {
			*cause = xasprintf("invalid input for %s: missing "
			    "required field \"%s\"", te->name, key);
			goto out;
		}
	}
	props = json_object_get(schema, "properties");
	json_object_foreach(props, key, p) {
		if ((v = json_object_get(input, key)) == NULL)
			continue;
		want = json_string_value(json_object_get(p, "type"));
		if (want == NULL)
			continue;
		got = tool_json_type(v);
		if (strcmp(want, got) == 0)
			continue;
		if (strcmp(want, "number") == 0 && json_is_integer(v))
			continue;
		*cause = xasprintf("invalid input for %s: field \"%s\" must "
		    "be %s %s, got %s", te->name, key,
		    strcmp(want, "integer") == 0 ||
		    strcmp(want, "object") == 0 ||
		    strcmp(want, "array") == 0 ? "an" : "a", want, got);
		goto out;
	}
	rc = 0;
out:
	json_decref(schema);
	return (rc);
}

void
tool_effects_init(struct tool_effects *fx)
{
	memset(fx, 0, sizeof *fx);
}

/* Free a list of paths. */
static void
tool_effects_free_list(char **v, size_t n)
{
	size_t	i;

	for (i = 0; i < n; i++)
		free(v[i]);
	free(v);
}

void
tool_effects_release(struct tool_effects *fx)
{
	tool_effects_free_list(fx->reads, fx->nreads);
	tool_effects_free_list(fx->scopes, fx->nscopes);
	tool_effects_free_list(fx->writes, fx->nwrites);
	free(fx->command);
	tool_effects_init(fx);
}

/* Append a copy of path (NULL: nothing) to the list v of n (a allocated). */
static void
tool_effects_add(char ***v, size_t *n, size_t *a, const char *path)
{
	if (path == NULL)
		return;
	ALLOC_GROW(*v, *n + 1, *a);
	(*v)[(*n)++] = xstrdup(path);
}

void
tool_effects_read(struct tool_effects *fx, const char *path)
{
	tool_effects_add(&fx->reads, &fx->nreads, &fx->areads, path);
}

void
tool_effects_scope(struct tool_effects *fx, const char *path)
{
	tool_effects_add(&fx->scopes, &fx->nscopes, &fx->ascopes, path);
}

void
tool_effects_write(struct tool_effects *fx, const char *path)
{
	tool_effects_add(&fx->writes, &fx->nwrites, &fx->awrites, path);
}

int
tool_effects_mutates(const struct tool_effects *fx)
{
	return ((fx->flags & (EFFECT_MUTATES | EFFECT_EDIT | EFFECT_EXEC |
	    EFFECT_UNKNOWN)) != 0);
}

void
tool_effects_declare(const struct tool_entry *te, json_t *input,
    struct tool_effects *fx)
{
	tool_effects_init(fx);
	if (te != NULL && te->effects != NULL)
		te->effects(input, fx);
	else if (te == NULL || (te->flags & TOOL_READONLY) == 0)
		fx->flags = EFFECT_UNKNOWN;
	if (fx->flags & EFFECT_UNKNOWN)
		fx->flags |= EFFECT_MUTATES | EFFECT_NETWORK;
	if (fx->flags & EFFECT_EDIT)
		fx->flags |= EFFECT_MUTATES;
}

struct tool_call *
tool_call_create(const char *id, const char *name, json_t *input,
    struct tool_ctx *ctx)
{
	struct tool_call	*tc = xcalloc(1, sizeof *tc);

	tc->tool = tool_find(name);
	/* A server tool (mcp.h): looked up in the workspace's servers. */
	if (tc->tool == NULL && ctx != NULL && ctx->mcp != NULL)
		tc->tool = mcp_tool_find(ctx->mcp, name);
	tc->id = xstrdup(id != NULL ? id : "");
	tc->name = xstrdup(name);
	tc->input = input != NULL ? json_incref(input) : json_object();
	tc->ctx = ctx;
	tool_effects_declare(tc->tool, tc->input, &tc->effects);
	buf_init(&tc->result, 0);
	buf_init(&tc->display, 0);
	tc->exit_status = -1;
	return (tc);
}

void
tool_call_free(struct tool_call *tc)
{
	size_t	i;

	if (tc == NULL)
		return;
	if (tc->pending && tc->tool != NULL && tc->tool->cancel != NULL) {
		/* Never leave a callback pointing at freed memory. */
		tc->done = NULL;
		tc->tool->cancel(tc);
	}
	free(tc->id);
	free(tc->name);
	json_decref(tc->input);
	tool_effects_release(&tc->effects);
	buf_release(&tc->result);
	buf_release(&tc->display);
	free(tc->snapshot_id);
	free(tc->sandbox_why);
	for (i = 0; i < tc->npaths; i++)
		free(tc->paths[i]);
	free(tc->paths);
	free(tc);
}

int
tool_call_check(const struct tool_call *tc, char **cause)
{
	struct buf	 names = BUF_INIT;
	size_t		 i;

	if (tc->tool != NULL)
		return (tool_validate(tc->tool, tc->input, cause));
	for (i = 0; tool_table[i] != NULL; i++)
		buf_addf(&names, "%s%s", i == 0 ? "" : ", ",
		    tool_table[i]->name);
	*cause = xasprintf("unknown tool \"%s\"; available tools: %s",
	    tc->name, names.buf);
	buf_release(&names);
	return (-1);
}

void
tool_call_start(struct tool_call *tc)
{
	char	*cause = NULL;

	tc->started_ms = loop_now_ms();
	tc->pending = 1;
	if (tool_call_check(tc, &cause) != 0) {
		tool_result_set(tc, cause, strlen(cause), 1);
		free(cause);
		tool_call_finish(tc);
		return;
	}
	if (tc->tool->run(tc) == 0)
		tool_call_finish(tc);
}

void
tool_call_finish(struct tool_call *tc)
{
	tc->pending = 0;
	if (tc->started_ms != 0)
		tc->duration_ms = loop_now_ms() - tc->started_ms;
	if (tc->done != NULL)
		tc->done(tc, tc->done_arg);
}

void
tool_call_cancel(struct tool_call *tc)
{
	tc->cancelled = 1;
	if (!tc->pending) {
		if (tc->started_ms == 0)
			tool_result_setf(tc, 1, "Cancelled by the user before "
			    "it ran.");
		return;
	}
	if (tc->tool != NULL && tc->tool->cancel != NULL)
		tc->tool->cancel(tc);
	if (tc->pending) {
		/* The tool had nothing to stop: finish it here. */
		tool_result_setf(tc, 1, "Cancelled by the user.");
		tool_call_finish(tc);
	}
}

void
tool_call_add_path(struct tool_call *tc, const char *rel)
{
	size_t	i;

	for (i = 0; i < tc->npaths; i++) {
		if (strcmp(tc->paths[i], rel) == 0)
			return;
	}
	ALLOC_GROW(tc->paths, tc->npaths + 1, tc->apaths);
	tc->paths[tc->npaths++] = xstrdup(rel);
}

/*
 * "name argument": the argument is the first of the schema's required
 * fields that is a string (the path, the pattern, the command), on one
 * line and cut at 80 columns.
 */
char *
tool_call_summary(const struct tool_call *tc)
{
	struct buf	 b = BUF_INIT;
	json_t		*schema, *req, *v;
	const char	*s = NULL, *p;
	size_t		 i, n = 0;

	buf_adds(&b, tc->name);
	if (tc->tool != NULL) {
		schema = tool_schema(tc->tool);
		req = json_object_get(schema, "required");
		json_array_foreach(req, i, v) {
			s = json_string_value(json_object_get(tc->input,
			    json_string_value(v)));
			if (s != NULL)
				break;
		}
		if (s != NULL) {
			buf_addch(&b, ' ');
			for (p = s; *p != '\0' && n < 80; p++, n++)
				buf_addch(&b, *p == '\n' || *p == '\t' ? ' ' :
				    *p);
			if (*p != '\0')
				buf_adds(&b, "...");
		}
		json_decref(schema);
	}
	return (buf_detach(&b, NULL));
}

void
tool_result_set(struct tool_call *tc, const char *text, size_t len,
    int is_error)
{
	struct buf	clean = BUF_INIT;
	struct tool_cap	cap;

	tc->is_error = is_error;
	buf_reset(&tc->result);
	tool_utf8_sanitize(&clean, text, len);
	if (clean.len <= TOOL_OUTPUT_MAX) {
		buf_add(&tc->result, clean.buf, clean.len);
		buf_release(&clean);
		return;
	}
	tool_cap_init(&cap, TOOL_OUTPUT_MAX);
	tool_cap_add(&cap, clean.buf, clean.len);
	tool_cap_finish(&cap, &tc->result, NULL);
	tc->result.truncated = 1;
	tool_cap_release(&cap);
	buf_release(&clean);
}

void
tool_result_setf(struct tool_call *tc, int is_error, const char *fmt, ...)
{
	va_list	 ap;
	char	*s;

	va_start(ap, fmt);
	s = xvasprintf(fmt, ap);
	va_end(ap);
	tool_result_set(tc, s, strlen(s), is_error);
	free(s);
}

/*
 * Length of the well-formed UTF-8 sequence at p (RFC 3629, section 4: no
 * overlong forms, no surrogates, nothing above U+10FFFF), or 0.
 */
static size_t
tool_utf8_len(const unsigned char *p, size_t len)
{
	unsigned char	c = p[0];
	size_t		n, i;

	if (c < 0x80)
		return (c == 0 ? 0 : 1);
	if (c >= 0xc2 && c <= 0xdf)
		n = 2;
	else if (c >= 0xe0 && c <= 0xef)
		n = 3;
	else if (c >= 0xf0 && c <= 0xf4)
		n = 4;
	else
		return (0);
	if (len < n)
		return (0);
	for (i = 1; i < n; i++) {
		if ((p[i] & 0xc0) != 0x80)
			return (0);
	}
	if (c == 0xe0 && p[1] < 0xa0)
		return (0);
	if (c == 0xed && p[1] > 0x9f)
		return (0);
	if (c == 0xf0 && p[1] < 0x90)
		return (0);
	if (c == 0xf4 && p[1] > 0x8f)
		return (0);
	return (n);
}

void
tool_utf8_sanitize(struct buf *out, const char *data, size_t len)
{
	const unsigned char	*p = (const unsigned char *)data;
	size_t			 i = 0, start = 0, n;

	buf_grow(out, len);
	while (i < len) {
		if (p[i] >= 0x20 && p[i] < 0x80) {
			i++;
			continue;
		}
		if ((n = tool_utf8_len(p + i, len - i)) != 0) {
			i += n;
			continue;
		}
		buf_add(out, data + start, i - start);
		buf_adds(out, "\xef\xbf\xbd");	/* U+FFFD */
		start = ++i;
	}
	buf_add(out, data + start, len - start);
}

/*
 * Where to cut the first len bytes of p so that no UTF-8 character is
 * split: len, or the start of a character the cut would break.
 */
static size_t
tool_utf8_cut(const char *p, size_t len)
{
	const unsigned char	*u = (const unsigned char *)p;
	size_t			 k = len, need;

	while (k > 0 && len - k < 4 && (u[k - 1] & 0xc0) == 0x80)
		k--;
	if (k == 0 || u[k - 1] < 0xc0)
		return (len);
	k--;
	need = u[k] >= 0xf0 ? 4 : u[k] >= 0xe0 ? 3 : 2;
	return (k + need > len ? k : len);
}

/* Count newline characters. */
static uint64_t
tool_count_lines(const char *p, size_t len)
{
	const char	*end = p + len;
	uint64_t	 n = 0;

	while (p < end && (p = memchr(p, '\n', end - p)) != NULL) {
		n++;
		p++;
	}
	return (n);
}

void
tool_cap_init(struct tool_cap *cap, size_t max)
{
	memset(cap, 0, sizeof *cap);
	if (max < 4 * TOOL_CAP_MARKER)
		max = 4 * TOOL_CAP_MARKER;
	cap->max = max;
	cap->limit = max;
	buf_init(&cap->head, (max - TOOL_CAP_MARKER) / 2);
	cap->ringsize = max - cap->head.max;
	cap->ring = xmalloc(cap->ringsize);
}

void
tool_cap_add(struct tool_cap *cap, const char *data, size_t len)
{
	size_t	n, at;

	cap->total += len;
	if (cap->head.len < cap->head.max) {
		n = cap->head.max - cap->head.len;
		if (n > len)
			n = len;
		buf_add(&cap->head, data, n);
		data += n;
		len -= n;
	}
	if (len == 0)
		return;
	/* More than the ring holds: only the last ringsize bytes stay. */
	if (len >= cap->ringsize) {
		cap->dropped += cap->ringlen + len - cap->ringsize;
		cap->dropped_lines += tool_count_lines(cap->ring,
		    cap->ringlen) + tool_count_lines(data,
		    len - cap->ringsize);
		data += len - cap->ringsize;
		len = cap->ringsize;
		cap->ringlen = cap->ringpos = 0;
	}
	while (len > 0) {
		at = cap->ringpos;
		n = cap->ringsize - at;
		if (n > len)
			n = len;
		if (cap->ringlen == cap->ringsize) {
			cap->dropped += n;
			cap->dropped_lines += tool_count_lines(cap->ring + at,
			    n);
		} else if (cap->ringlen + n > cap->ringsize)
			fatalx("tool_cap_add: ring overflow");
		else
			cap->ringlen += n;
		memcpy(cap->ring + at, data, n);
		cap->ringpos = (at + n) % cap->ringsize;
		data += n;
		len -= n;
	}
}

void
tool_cap_finish(struct tool_cap *cap, struct buf *out, uint64_t *omitted)
{
	char		*tail = xmalloc(cap->ringsize + 1);
	size_t		 start, h, t, budget, i;
	uint64_t	 bytes, lines, all;

	/* The ring in order: it starts at ringpos once it has wrapped. */
	start = cap->ringlen == cap->ringsize ? cap->ringpos : 0;
	for (i = 0; i < cap->ringlen; i++)
		tail[i] = cap->ring[(start + i) % cap->ringsize];

	if (cap->total <= cap->max) {
		buf_add(out, cap->head.buf, cap->head.len);
		buf_add(out, tail, cap->ringlen);
		if (omitted != NULL)
			*omitted = 0;
		free(tail);
		return;
	}

	/* Cut the head after its last newline if that is in its second half;
	   otherwise before a UTF-8 character. */
	h = cap->head.len;
	for (i = h; i > h / 2; i--) {
		if (cap->head.buf[i - 1] == '\n')
			break;
	}
	if (i > h / 2)
		h = i;
	else
		h = tool_utf8_cut(cap->head.buf, h);

	/* The tail: what fits, starting after a newline when one is near. */
	budget = cap->max - TOOL_CAP_MARKER - h;
	t = cap->ringlen > budget ? cap->ringlen - budget : 0;
	for (i = t; i < cap->ringlen && i < t + (cap->ringlen - t) / 2; i++) {
		if (tail[i] == '\n')
			break;
	}
	if (i < cap->ringlen && tail[i] == '\n' &&
	    i < t + (cap->ringlen - t) / 2)
		t = i + 1;
	else {
		while (t < cap->ringlen && ((unsigned char)tail[t] & 0xc0) ==
		    0x80)
			t++;
	}

	bytes = (cap->head.len - h) + cap->dropped + t;
	lines = tool_count_lines(cap->head.buf + h, cap->head.len - h) +
	    cap->dropped_lines + tool_count_lines(tail, t);
	buf_add(out, cap->head.buf, h);
	if (h > 0 && cap->head.buf[h - 1] != '\n')
		buf_addch(out, '\n');
	all = tool_count_lines(cap->head.buf, cap->head.len) +
	    cap->dropped_lines + tool_count_lines(tail, cap->ringlen);
	buf_addf(out, "[... %" PRIu64 " bytes (%" PRIu64 " lines) omitted; "
	    "output capped at %zu bytes; %" PRIu64 " bytes (%" PRIu64
	    " lines) in all ...]\n", bytes, lines, cap->limit, cap->total,
	    all);
	buf_add(out, tail + t, cap->ringlen - t);
	if (omitted != NULL)
		*omitted = bytes;
	free(tail);
}

void
tool_cap_release(struct tool_cap *cap)
{
	buf_release(&cap->head);
	free(cap->ring);
	cap->ring = NULL;
	cap->ringlen = cap->ringpos = 0;
}

/* Write the character c (n bytes) at *pos in the line, overwriting one. */
static void
tool_term_put(struct buf *out, size_t *pos, const char *c, size_t n)
{
	size_t	old = 0;

	if (*pos < out->len) {
		/* Overwrite the character there, as a terminal does. */
		old = 1;
		while (*pos + old < out->len &&
		    ((unsigned char)out->buf[*pos + old] & 0xc0) == 0x80)
			old++;
	}
	if (n > old)
		buf_grow(out, n - old);
	/* The NUL after the text moves too. */
	memmove(out->buf + *pos + n, out->buf + *pos + old,
	    out->len - *pos - old + 1);
	memcpy(out->buf + *pos, c, n);
	out->len = out->len + n - old;
	*pos += n;
}

void
tool_term_plain(struct buf *out, const char *s, size_t len)
{
	size_t	i = 0, pos = out->len, line = out->len, n;

	while (i < len) {
		unsigned char	c = s[i];

		if (c == 0x1b) {
			i++;
			if (i < len && s[i] == '[') {
				/* CSI: parameters, then a final byte. */
				for (i++; i < len && ((unsigned char)s[i] <
				    0x40 || (unsigned char)s[i] > 0x7e); i++)
					;
				i++;
			} else if (i < len && s[i] == ']') {
				/* OSC: to BEL or ESC backslash. */
				for (i++; i < len && s[i] != '\a' &&
				    s[i] != 0x1b; i++)
					;
				i += i < len && s[i] == 0x1b ? 2 : 1;
			} else
				i++;
			continue;
		}
		if (c == '\r') {
			if (i + 1 < len && s[i + 1] == '\n') {
				i++;
				continue;
			}
			pos = line;
			i++;
			continue;
		}
		if (c == '\n') {
			/* What a CR did not overwrite stays on the line. */
			pos = out->len;
			buf_addch(out, '\n');
			pos = line = out->len;
			i++;
			continue;
		}
		if (c == '\b') {
			if (pos > line) {
				pos--;
				while (pos > line && ((unsigned char)
				    out->buf[pos] & 0xc0) == 0x80)
					pos--;
			}
			i++;
			continue;
		}
		n = 1;
		if (c >= 0xc0)
			while (i + n < len && ((unsigned char)s[i + n] &
			    0xc0) == 0x80 && n < 4)
				n++;
		tool_term_put(out, &pos, s + i, n);
		i += n;
	}
}
