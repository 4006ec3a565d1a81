/* context-system.c: the system prompt: how to work, project notes, map. */
#include <sys/stat.h>
#include <sys/utsname.h>

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "agentos.h"
#include "repomodel.h"
#include "banned.h"

/* Project instruction files are capped: they go into every request. */
#define CONTEXT_INSTRUCTIONS_MAX	(32 * 1024)

/*
 * Kept short on purpose: every byte here is sent with every request.  The
 * tool descriptions carry each tool's own limits.
 */
static const char prompt_base[] =
"You are agentos, a coding agent in a terminal. You work in the git "
"repository at %s with the user, who reads your messages and approves your "
"edits and commands.\n"
"\n"
"How to work:\n"
"- Read before you change: find code with glob, grep and read_file; read a "
"file before editing it.\n"
"- Change files with edit_file (old_string must match the file exactly, "
"once) or write_file (new files, full rewrites). Keep changes minimal and in "
"the style of the code around them.\n"
"- Use bash for builds, tests and git; check your change the way the project "
"checks its own (its tests, its build) when it has them.\n"
"- Paths are relative to the repository root. Tools cannot reach outside it.\n"
"- Every change is snapshotted and the user can undo it. A rejected call "
"comes back with the user's note: follow it.\n"
"- Be brief. Say what you changed and what you checked; do not paste whole "
"files back.\n";

/*
 * Append rel's contents under a heading, capped; nothing (-1) if it is
 * missing or unreadable.  The repository chose these files, so they are
 * read as read_file reads: confined to the repository (no symlink out of
 * it), regular files only, opened O_NONBLOCK so a fifo cannot hang the
 * start.  A file refused for those reasons is said in the debug log and
 * counts as present (no CLAUDE.md fallback).
 */
static int
context_add_file(struct buf *b, const char *root, const char *rel)
{
	struct buf	 file;
	struct stat	 sb;
	char		*path = NULL, *crel = NULL, *cause = NULL;
	char		 chunk[8192];
	ssize_t		 n;
	int		 fd;

	if (path_resolve(root, rel, &path, &crel, &cause) != 0) {
		log_debug("instructions: %s", cause);
		free(cause);
		return (0);
	}
	fd = open(path, O_RDONLY|O_NONBLOCK|O_CLOEXEC);
	free(path);
	free(crel);
	if (fd == -1)
		return (errno == ENOENT ? -1 : 0);
	if (fstat(fd, &sb) != 0 || !S_ISREG(sb.st_mode)) {
		log_debug("instructions: %s is not a regular file", rel);
		close(fd);
		return (0);
	}
	buf_init(&file, CONTEXT_INSTRUCTIONS_MAX);
	while ((n = read(fd, chunk, sizeof chunk)) != 0) {
		if (n == -1 && errno == EINTR)
			continue;
		if (n == -1 || buf_add(&file, chunk, n) != 0)
			break;
	}
	close(fd);
	buf_rtrim(&file);
	buf_addf(b, "\nInstructions from %s:\n%s\n", rel, file.buf);
	if (file.truncated)
		buf_addf(b, "[%s cut at %d bytes]\n", rel,
		    CONTEXT_INSTRUCTIONS_MAX);
	buf_release(&file);
	return (0);
}

char *
context_system(const char *root, const char *cwd, struct repomodel *rm,
    const struct config *cfg)
{
	struct buf	 b = BUF_INIT;
	struct utsname	 u;
	const char	*rest, *slash;
	char		*dir, *rel, *map;
	char		 date[32];
	time_t		 now = time(NULL);
	struct tm	 tm;
	size_t		 rootlen = strlen(root);

	buf_addf(&b, prompt_base, root);
	localtime_r(&now, &tm);
	strftime(date, sizeof date, "%Y-%m-%d", &tm);
	if (uname(&u) == 0)
		buf_addf(&b, "\nToday is %s. The system is %s %s.\n", date,
		    u.sysname, u.machine);

	/*
	 * AGENTS.md, or CLAUDE.md where a directory has none, from the root
	 * down to the working directory: nearer files come later and win.
	 */
	rest = "";
	if (strncmp(cwd, root, rootlen) == 0 && cwd[rootlen] == '/')
		rest = cwd + rootlen + 1;
	dir = xstrdup("");
	for (;;) {
		rel = xasprintf("%s%sAGENTS.md", dir, *dir ? "/" : "");
		if (context_add_file(&b, root, rel) != 0) {
			free(rel);
			rel = xasprintf("%s%sCLAUDE.md", dir, *dir ? "/" : "");
			context_add_file(&b, root, rel);
		}
		free(rel);
		if (*rest == '\0')
			break;
		slash = strchr(rest, '/');
		free(dir);
		dir = xstrndup(cwd + rootlen + 1, (slash != NULL ? slash :
		    rest + strlen(rest)) - (cwd + rootlen + 1));
		rest = slash != NULL ? slash + 1 : "";
	}
	free(dir);
	/* The memory index (issue 11): as it was at session start. */
	buf_adds(&b, memory_index(root));

	/* The map waits until the model is built: no half-ranked map. */
	if (rm != NULL && cfg->map_tokens > 0 && !repomodel_busy(rm, NULL,
	    NULL) && (map = repomodel_map(rm, cfg->map_tokens, NULL, 0)) !=
	    NULL) {
		if (*map != '\0')
			buf_addf(&b, "\nRepository map (files ranked by "
			    "relevance, with their main definitions; use "
			    "find_definition, file_outline and read_file for "
			    "more):\n%s", map);
		free(map);
	}
	return (buf_detach(&b, NULL));
}
