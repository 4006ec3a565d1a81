/* tool-glob.c: the glob tool, and the file set glob and grep search. */
#include <sys/stat.h>

#include <fnmatch.h>
#include <stdlib.h>
#include <string.h>


#include "agentos.h"
#include "repo.h"
#include "banned.h"

/* Most paths glob lists. */
#define TOOL_GLOB_MAX	200

struct tool_glob_hit {
	char		*path;
	struct timespec	 mtime;
};

static int	tool_glob_cmp_mtime(const void *, const void *);
static int	tool_glob_segments(const char *, const char *);
static int	tool_glob_braces(const char *, const char *);
static int	tool_glob_run(struct tool_call *);
static void	tool_glob_effects(json_t *, struct tool_effects *);

const struct tool_entry tool_glob = {
	.name = "glob",
	.description = "List files matching a glob pattern, newest first "
	    "(at most 200). * and ? stay within a directory, ** spans "
	    "directories, {a,b} alternatives; e.g. **/*.c. Patterns match "
	    "from path (default: repository root). Honours .gitignore.",
	.schema = "{\"type\":\"object\",\"properties\":{"
	    "\"pattern\":{\"type\":\"string\"},"
	    "\"path\":{\"type\":\"string\"}},"
	    "\"required\":[\"pattern\"]}",
	.flags = TOOL_READONLY,
	.effects = tool_glob_effects,
	.run = tool_glob_run,
};

/* Lists the files under its path (the whole repository by default). */
static void
tool_glob_effects(json_t *input, struct tool_effects *fx)
{
	const char	*path = conv_json_str(input, "path");

	tool_effects_scope(fx, path != NULL ? path : ".");
}

/* qsort by mtime, newest first, then by path. */
static int
tool_glob_cmp_mtime(const void *a, const void *b)
{
	const struct tool_glob_hit	*x = a, *y = b;

	if (x->mtime.tv_sec != y->mtime.tv_sec)
		return (x->mtime.tv_sec < y->mtime.tv_sec ? 1 : -1);
	if (x->mtime.tv_nsec != y->mtime.tv_nsec)
		return (x->mtime.tv_nsec < y->mtime.tv_nsec ? 1 : -1);
	return (strcmp(x->path, y->path));
}

/* The listing of a repository opened for this call only. */
int
tool_files_list(const char *root, char ***files, size_t *n, char **cause)
{
	struct repo	*rp;
	int		 rc;

	*files = NULL;
	*n = 0;
	if (repo_open(&rp, root, cause) != 0)
		return (-1);
	rc = repo_list(rp, REPO_LIST_REGULAR, files, n, cause);
	repo_free(rp);
	return (rc);
}

int
tool_files(struct tool_ctx *ctx, char ***files, size_t *n, char **cause)
{
	if (ctx->repo == NULL)
		return (tool_files_list(ctx->root, files, n, cause));
	return (repo_list(ctx->repo, REPO_LIST_REGULAR, files, n, cause));
}

void
tool_files_free(char **files, size_t n)
{
	size_t	i;

	if (files == NULL)
		return;
	for (i = 0; i < n; i++)
		free(files[i]);
	free(files);
}

/* Match pattern to path, '/'-separated component by component. */
static int
tool_glob_segments(const char *pat, const char *path)
{
	const char	*pend, *slash;
	char		*ps, *ns;
	int		 m;

	if (*pat == '\0')
		return (*path == '\0');
	pend = strchr(pat, '/');
	if (strncmp(pat, "**", 2) == 0 && (pat[2] == '/' || pat[2] == '\0')) {
		if (pend == NULL)
			return (1);
		/* Zero components, then one more each time. */
		for (;;) {
			if (tool_glob_segments(pend + 1, path))
				return (1);
			if ((slash = strchr(path, '/')) == NULL)
				return (0);
			path = slash + 1;
		}
	}
	if (*path == '\0')
		return (0);
	slash = strchr(path, '/');
	ps = pend != NULL ? xstrndup(pat, pend - pat) : xstrdup(pat);
	ns = slash != NULL ? xstrndup(path, slash - path) : xstrdup(path);
	m = fnmatch(ps, ns, 0) == 0;
	free(ps);
	free(ns);
	if (!m)
		return (0);
	if (pend == NULL || slash == NULL)
		return (pend == NULL && slash == NULL);
	return (tool_glob_segments(pend + 1, slash + 1));
}

/* Expand the first {a,b,...} group of pat and match each alternative. */
static int
tool_glob_braces(const char *pat, const char *path)
{
	const char	*open, *close = NULL, *p, *alt;
	struct buf	 b = BUF_INIT;
	int		 depth = 0, m = 0;

	for (open = pat; *open != '\0'; open++) {
		if (*open == '\\' && open[1] != '\0')
			open++;
		else if (*open == '{')
			break;
	}
	if (*open == '{') {
		for (p = open; *p != '\0'; p++) {
			if (*p == '\\' && p[1] != '\0')
				p++;
			else if (*p == '{')
				depth++;
			else if (*p == '}' && --depth == 0) {
				close = p;
				break;
			}
		}
	}
	if (close == NULL)
		return (tool_glob_segments(pat, path));

	alt = open + 1;
	depth = 0;
	for (p = open + 1; p <= close && !m; p++) {
		if (*p == '\\' && p < close - 1) {
			p++;
			continue;
		}
		if (*p == '{')
			depth++;
		else if (*p == '}' && p != close)
			depth--;
		else if ((*p == ',' && depth == 0) || p == close) {
			buf_reset(&b);
			buf_add(&b, pat, open - pat);
			buf_add(&b, alt, p - alt);
			buf_adds(&b, close + 1);
			m = tool_glob_braces(b.buf, path);
			alt = p + 1;
		}
	}
	buf_release(&b);
	return (m);
}

int
tool_glob_match(const char *pattern, const char *path)
{
	return (tool_glob_braces(pattern, path));
}

/* List the matching files, newest first. */
static int
tool_glob_run(struct tool_call *tc)
{
	struct tool_glob_hit	*hits = NULL;
	struct buf		 out = BUF_INIT, full = BUF_INIT;
	struct stat		 sb;
	const char		*pattern, *dir, *p;
	char			**files = NULL, *dfull = NULL, *drel = NULL;
	char			*cause = NULL;
	size_t			 nfiles = 0, nhits = 0, ahits = 0, i, plen;

	pattern = json_string_value(json_object_get(tc->input, "pattern"));
	dir = json_string_value(json_object_get(tc->input, "path"));
	if (dir == NULL || *dir == '\0')
		dir = ".";
	if (path_resolve(tc->ctx->root, dir, &dfull, &drel, &cause) != 0)
		goto fail;
	if (stat(dfull, &sb) != 0 || !S_ISDIR(sb.st_mode)) {
		cause = xasprintf("%s is not a directory", drel);
		goto fail;
	}
	/* An absolute pattern inside the root is taken as relative. */
	plen = strlen(dfull);
	if (strncmp(pattern, dfull, plen) == 0 && pattern[plen] == '/')
		pattern += plen + 1;
	while (strncmp(pattern, "./", 2) == 0)
		pattern += 2;
	if (tool_files(tc->ctx, &files, &nfiles, &cause) != 0)
		goto fail;

	plen = strcmp(drel, ".") == 0 ? 0 : strlen(drel);
	for (i = 0; i < nfiles; i++) {
		p = files[i];
		if (plen != 0) {
			if (strncmp(p, drel, plen) != 0 || p[plen] != '/')
				continue;
			p += plen + 1;
		}
		if (!tool_glob_match(pattern, p))
			continue;
		buf_reset(&full);
		buf_addf(&full, "%s/%s", tc->ctx->root, files[i]);
		ALLOC_GROW(hits, nhits + 1, ahits);
		hits[nhits].path = files[i];
		memset(&hits[nhits].mtime, 0, sizeof hits[nhits].mtime);
		if (stat(full.buf, &sb) == 0)
			hits[nhits].mtime = sb.st_mtim;
		nhits++;
	}
	if (nhits == 0) {
		buf_addf(&out, "No files match \"%s\"", pattern);
		if (plen != 0)
			buf_addf(&out, " in %s", drel);
		if (strchr(pattern, '/') == NULL)
			buf_addf(&out, " (patterns match from the directory; "
			    "**/%s matches at any depth)", pattern);
		buf_addch(&out, '\n');
	} else {
		qsort(hits, nhits, sizeof *hits, tool_glob_cmp_mtime);
		for (i = 0; i < nhits && i < TOOL_GLOB_MAX; i++)
			buf_addf(&out, "%s\n", hits[i].path);
		if (nhits > TOOL_GLOB_MAX)
			buf_addf(&out, "[showing the %d newest of %zu "
			    "matching files; narrow the pattern or path]\n",
			    TOOL_GLOB_MAX, nhits);
	}
	tool_result_set(tc, out.buf, out.len, 0);
	goto out;
fail:
	tool_result_set(tc, cause, strlen(cause), 1);
out:
	free(cause);
	free(hits);
	tool_files_free(files, nfiles);
	free(dfull);
	free(drel);
	buf_release(&out);
	buf_release(&full);
	return (0);
}
