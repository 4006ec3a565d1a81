/* tool-grep.c: the grep tool: PCRE2 over the repository's files. */
#include <sys/stat.h>

#include <stdlib.h>
#include <string.h>

#define PCRE2_CODE_UNIT_WIDTH 8
#include <pcre2.h>

#include "agentos.h"
#include "banned.h"

/* Most matching lines shown. */
#define TOOL_GREP_MAX_MATCHES	500
/* Text of a matching line shown (bytes). */
#define TOOL_GREP_LINE_MAX	400
/* Files larger than this are skipped (bytes). */
#define TOOL_GREP_FILE_MAX	(32 * 1024 * 1024)
/* Work done per loop iteration before yielding (bytes read). */
#define TOOL_GREP_SLICE		(4 * 1024 * 1024)
/* Room kept for the closing note (bytes). */
#define TOOL_GREP_NOTE		256
/*
 * PCRE2's limits for one line: backtracking steps and depth (the
 * defaults, 10 million each, let one catastrophic pattern run for
 * minutes), and the time of one call across all files (ms).
 */
#define TOOL_GREP_MATCH_LIMIT	1000000
#define TOOL_GREP_DEPTH_LIMIT	100000
#define TOOL_GREP_TIME_MS	10000
/* Lines between looks at the clock (a line costs at most the limits). */
#define TOOL_GREP_CLOCK_LINES	16

struct tool_grep {
	struct tool_call	*tc;
	pcre2_code		*code;
	pcre2_match_data	*md;
	pcre2_match_context	*mctx;
	char			**files;
	size_t			 nfiles, next;
	struct buf		 out;
	uint64_t		 matches, shown;
	size_t			 searched, with_matches;
	size_t			 binary, big;
	int			 full;
	struct loop_timer	*timer;
	uint64_t		 deadline_ms;	/* loop_now_ms() */
	int			 timed_out;
	size_t			 limit_files;	/* PCRE2 gave up */
	char			*limit_first;	/* "file:line: why" */
};

static void	tool_grep_file(struct tool_grep *, const char *, const char *,
		    size_t);
static int	tool_grep_slice(struct tool_grep *);
static void	tool_grep_done(struct tool_grep *);
static void	tool_grep_free(struct tool_grep *);
static void	tool_grep_tick(void *);
static int	tool_grep_run(struct tool_call *);
static void	tool_grep_cancel(struct tool_call *);
static void	tool_grep_effects(json_t *, struct tool_effects *);

const struct tool_entry tool_grep = {
	.name = "grep",
	.description = "Search file contents with a PCRE2 regex, line by "
	    "line; prints path:line:text (at most 500 lines). path: a file "
	    "or directory; glob filters files (*.c matches any depth). "
	    "Honours .gitignore, skips binary files.",
	.schema = "{\"type\":\"object\",\"properties\":{"
	    "\"pattern\":{\"type\":\"string\"},"
	    "\"path\":{\"type\":\"string\"},"
	    "\"glob\":{\"type\":\"string\"},"
	    "\"ignore_case\":{\"type\":\"boolean\"}},"
	    "\"required\":[\"pattern\"]}",
	.flags = TOOL_READONLY,
	.effects = tool_grep_effects,
	.run = tool_grep_run,
	.cancel = tool_grep_cancel,
};

/* Reads the files under its path (the whole repository by default). */
static void
tool_grep_effects(json_t *input, struct tool_effects *fx)
{
	const char	*path = conv_json_str(input, "path");

	tool_effects_scope(fx, path != NULL ? path : ".");
}

/* Search one file's text (rel for the output). */
static void
tool_grep_file(struct tool_grep *g, const char *rel, const char *text,
    size_t len)
{
	const char	*p = text, *end = text + len, *nl;
	size_t		 n, show, line = 0;
	int		 hit = 0, rc;

	while (p < end) {
		line++;
		if (line % TOOL_GREP_CLOCK_LINES == 0 &&
		    loop_now_ms() >= g->deadline_ms) {
			g->timed_out = 1;
			break;
		}
		nl = memchr(p, '\n', end - p);
		n = (nl != NULL ? nl : end) - p;
		if (n > 0 && p[n - 1] == '\r')
			n--;
		rc = pcre2_match(g->code, (PCRE2_SPTR)p, n, 0, 0, g->md,
		    g->mctx);
		if (rc < 0 && rc != PCRE2_ERROR_NOMATCH) {
			/*
			 * The match or depth limit (or another error): this
			 * file cannot be said not to match.  Name it.
			 */
			if (g->limit_files++ == 0) {
				PCRE2_UCHAR	msg[128];

				pcre2_get_error_message(rc, msg, sizeof msg);
				g->limit_first = xasprintf("%s:%zu: %s", rel,
				    line, (char *)msg);
			}
			break;
		}
		if (rc >= 0) {
			hit = 1;
			g->matches++;
			if (!g->full && (g->shown >= TOOL_GREP_MAX_MATCHES ||
			    g->out.len + strlen(rel) + TOOL_GREP_LINE_MAX +
			    64 > TOOL_OUTPUT_MAX - TOOL_GREP_NOTE))
				g->full = 1;
			if (!g->full) {
				show = n;
				if (show > TOOL_GREP_LINE_MAX) {
					show = TOOL_GREP_LINE_MAX;
					while (show > 0 && ((unsigned char)
					    p[show] & 0xc0) == 0x80)
						show--;
				}
				buf_addf(&g->out, "%s:%zu:", rel, line);
				tool_utf8_sanitize(&g->out, p, show);
				if (show < n)
					buf_addf(&g->out, " [... %zu more "
					    "bytes]", n - show);
				buf_addch(&g->out, '\n');
				g->shown++;
			}
		}
		if (nl == NULL)
			break;
		p = nl + 1;
	}
	if (hit)
		g->with_matches++;
}

/* Search files until a slice of work is done; 1 when all are done. */
static int
tool_grep_slice(struct tool_grep *g)
{
	struct buf	 text = BUF_INIT, full = BUF_INIT;
	size_t		 done = 0, sniff;
	char		*cause;
	int		 exists;

	while (g->next < g->nfiles && done < TOOL_GREP_SLICE &&
	    !g->timed_out) {
		const char	*rel = g->files[g->next++];

		if (loop_now_ms() >= g->deadline_ms) {
			g->next--;
			g->timed_out = 1;
			break;
		}

		buf_reset(&full);
		buf_addf(&full, "%s/%s", g->tc->ctx->root, rel);
		buf_reset(&text);
		cause = NULL;
		if (tool_read_whole(full.buf, TOOL_GREP_FILE_MAX, &text,
		    &exists, &cause) != 0) {
			/* Too big, or gone meanwhile. */
			free(cause);
			g->big++;
			continue;
		}
		if (!exists)
			continue;
		done += text.len + 512;
		g->searched++;
		sniff = text.len < 8192 ? text.len : 8192;
		if (memchr(text.buf, '\0', sniff) != NULL) {
			g->binary++;
			continue;
		}
		tool_grep_file(g, rel, text.buf, text.len);
	}
	buf_release(&text);
	buf_release(&full);
	return (g->next >= g->nfiles || g->timed_out);
}

/* Set the result from what was found. */
static void
tool_grep_done(struct tool_grep *g)
{
	struct tool_call	*tc = g->tc;
	const char		*pattern;

	pattern = json_string_value(json_object_get(tc->input, "pattern"));
	if (g->limit_files != 0 && g->matches == 0) {
		/* Not "No matches": PCRE2 gave up, the answer is unknown. */
		buf_addf(&g->out, "grep /%s/ failed: PCRE2 gave up on %zu "
		    "file%s (first %s): the pattern backtracks too much. "
		    "Make it simpler (no nested quantifiers such as (a+)+, "
		    "anchor it, use literal text).", pattern, g->limit_files,
		    g->limit_files == 1 ? "" : "s", g->limit_first);
		if (g->timed_out)
			buf_addf(&g->out, "\n[stopped after %d s with %zu of "
			    "%zu files searched]", TOOL_GREP_TIME_MS / 1000,
			    g->next, g->nfiles);
		tool_result_set(tc, g->out.buf, g->out.len, 1);
		return;
	}
	if (g->timed_out && g->matches == 0) {
		buf_addf(&g->out, "grep /%s/ stopped after %d s with %zu of "
		    "%zu files searched and no match so far: narrow the path "
		    "or glob, or simplify the pattern", pattern,
		    TOOL_GREP_TIME_MS / 1000, g->next, g->nfiles);
		tool_result_set(tc, g->out.buf, g->out.len, 1);
		return;
	}
	if (g->matches == 0)
		buf_addf(&g->out, "No matches for /%s/ in %zu files",
		    pattern, g->searched);
	else if (g->shown < g->matches)
		buf_addf(&g->out, "[showing %ju of %ju matching lines in %zu "
		    "files; narrow the pattern, path or glob]",
		    (uintmax_t)g->shown, (uintmax_t)g->matches,
		    g->with_matches);
	/* Binary files only matter when they may explain no match. */
	if (g->matches == 0 && g->binary != 0)
		buf_addf(&g->out, "\n[skipped %zu binary files]", g->binary);
	if (g->big != 0) {
		if (g->out.len > 0 && g->out.buf[g->out.len - 1] != '\n')
			buf_addch(&g->out, '\n');
		buf_addf(&g->out, "[skipped %zu files over %d MiB or "
		    "unreadable]", g->big, TOOL_GREP_FILE_MAX / (1024 * 1024));
	}
	/* Matches found, but the search is incomplete: say where. */
	if (g->limit_files != 0) {
		if (g->out.len > 0 && g->out.buf[g->out.len - 1] != '\n')
			buf_addch(&g->out, '\n');
		buf_addf(&g->out, "[PCRE2 gave up on %zu file%s (first %s); "
		    "they may hold more matches]", g->limit_files,
		    g->limit_files == 1 ? "" : "s", g->limit_first);
	}
	if (g->timed_out) {
		if (g->out.len > 0 && g->out.buf[g->out.len - 1] != '\n')
			buf_addch(&g->out, '\n');
		buf_addf(&g->out, "[stopped after %d s with %zu of %zu files "
		    "searched]", TOOL_GREP_TIME_MS / 1000, g->next,
		    g->nfiles);
	}
	tool_result_set(tc, g->out.buf, g->out.len, 0);
}

/* Free the search state. */
static void
tool_grep_free(struct tool_grep *g)
{
	if (g == NULL)
		return;
	if (g->timer != NULL)
		loop_timer_cancel(g->timer);
	g->tc->priv = NULL;
	pcre2_match_data_free(g->md);
	pcre2_match_context_free(g->mctx);
	pcre2_code_free(g->code);
	free(g->limit_first);
	tool_files_free(g->files, g->nfiles);
	buf_release(&g->out);
	free(g);
}

/* Continue the search from the loop. */
static void
tool_grep_tick(void *arg)
{
	struct tool_grep	*g = arg;
	struct tool_call	*tc = g->tc;

	g->timer = NULL;
	if (!tool_grep_slice(g)) {
		g->timer = loop_timer_add(0, tool_grep_tick, g);
		return;
	}
	tool_grep_done(g);
	tool_grep_free(g);
	tool_call_finish(tc);
}

/*
 * Compile the pattern (UTF mode that tolerates invalid UTF-8 in the
 * subject, PCRE2_MATCH_INVALID_UTF, so any file can be searched), list the
 * files, and search them a slice at a time so the loop keeps running.
 */
static int
tool_grep_run(struct tool_call *tc)
{
	struct tool_grep	*g = xcalloc(1, sizeof *g);
	PCRE2_UCHAR		 msg[256];
	PCRE2_SIZE		 erroff;
	struct stat		 sb;
	const char		*pattern, *path, *glob, *p;
	char			*full = NULL, *rel = NULL, *cause = NULL;
	char			**all = NULL;
	size_t			 nall = 0, i, plen;
	uint32_t		 opts = PCRE2_UTF | PCRE2_MATCH_INVALID_UTF;
	int			 err, isdir = 1;

	g->tc = tc;
	buf_init(&g->out, 0);
	pattern = json_string_value(json_object_get(tc->input, "pattern"));
	path = json_string_value(json_object_get(tc->input, "path"));
	glob = json_string_value(json_object_get(tc->input, "glob"));
	if (json_is_true(json_object_get(tc->input, "ignore_case")))
		opts |= PCRE2_CASELESS;
	if (glob != NULL && *glob == '\0')
		glob = NULL;

	g->code = pcre2_compile((PCRE2_SPTR)pattern, PCRE2_ZERO_TERMINATED,
	    opts, &err, &erroff, NULL);
	if (g->code == NULL) {
		pcre2_get_error_message(err, msg, sizeof msg);
		cause = xasprintf("invalid regex /%s/: %s at offset %zu",
		    pattern, (char *)msg, (size_t)erroff);
		goto fail;
	}
	pcre2_jit_compile(g->code, PCRE2_JIT_COMPLETE);	/* optional */
	g->md = pcre2_match_data_create_from_pattern(g->code, NULL);
	g->mctx = pcre2_match_context_create(NULL);
	pcre2_set_match_limit(g->mctx, TOOL_GREP_MATCH_LIMIT);
	pcre2_set_depth_limit(g->mctx, TOOL_GREP_DEPTH_LIMIT);
	g->deadline_ms = loop_now_ms() + TOOL_GREP_TIME_MS;

	if (path == NULL || *path == '\0')
		path = ".";
	if (path_resolve(tc->ctx->root, path, &full, &rel, &cause) != 0)
		goto fail;
	if (stat(full, &sb) != 0) {
		cause = xasprintf("%s does not exist", rel);
		goto fail;
	}
	isdir = S_ISDIR(sb.st_mode);
	if (!isdir) {
		/* One file, searched even if ignored. */
		g->files = xcalloc(1, sizeof *g->files);
		g->files[0] = xstrdup(rel);
		g->nfiles = 1;
	} else {
		if (tool_files(tc->ctx, &all, &nall, &cause) != 0)
			goto fail;
		plen = strcmp(rel, ".") == 0 ? 0 : strlen(rel);
		g->files = xcalloc(nall + 1, sizeof *g->files);
		for (i = 0; i < nall; i++) {
			p = all[i];
			if (plen != 0) {
				if (strncmp(p, rel, plen) != 0 ||
				    p[plen] != '/')
					continue;
				p += plen + 1;
			}
			if (glob != NULL) {
				if (strchr(glob, '/') == NULL &&
				    strrchr(p, '/') != NULL)
					p = strrchr(p, '/') + 1;
				if (!tool_glob_match(glob, p))
					continue;
			}
			g->files[g->nfiles++] = all[i];
			all[i] = NULL;
		}
	}
	free(full);
	free(rel);
	tool_files_free(all, nall);

	tc->priv = g;
	if (!tool_grep_slice(g)) {
		g->timer = loop_timer_add(0, tool_grep_tick, g);
		return (1);
	}
	tool_grep_done(g);
	tool_grep_free(g);
	return (0);
fail:
	tool_result_set(tc, cause, strlen(cause), 1);
	free(cause);
	free(full);
	free(rel);
	tool_files_free(all, nall);
	tool_grep_free(g);
	return (0);
}

/* Stop a search in progress. */
static void
tool_grep_cancel(struct tool_call *tc)
{
	struct tool_grep	*g = tc->priv;

	if (g == NULL)
		return;
	tool_grep_free(g);
	tool_result_setf(tc, 1, "grep cancelled by the user.");
	tool_call_finish(tc);
}
