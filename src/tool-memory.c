/*
 * tool-memory.c: the memory tool (issue 11), with the commands, arguments
 * and result texts of Anthropic's memory tool (memory_20250818; see
 * https://docs.claude.com/en/docs/agents-and-tools/tool-use/memory-tool):
 * view, create, str_replace, insert, delete and rename on files under
 * /memories, offered on every provider as a plain function tool.
 *
 * /memories/project/... is the repository's .agentos/memory/ and
 * /memories/user/... is $XDG_DATA_HOME/agentos/memory/ (by default
 * ~/.local/share/agentos/memory/).  A path is refused unless every
 * component is a plain name (no "..", ".", empty or hidden component) and
 * nothing on the way is a symbolic link; files are regular and at most
 * MEMORY_FILE_MAX bytes.
 */
#include <sys/stat.h>

#include <dirent.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "agentos.h"
#include "banned.h"

/* Largest memory file (bytes), and most entries a view lists. */
#define MEMORY_FILE_MAX		(256 * 1024)
#define MEMORY_VIEW_MAX		500
/* Where a "#" note goes. */
#define MEMORY_NOTES		"/memories/project/notes.md"
/* Most files the system prompt's index names, and bytes of a first line. */
#define MEMORY_INDEX_MAX	50
#define MEMORY_INDEX_LINE	120

static void	tool_memory_effects(json_t *, struct tool_effects *);
static int	tool_memory_run(struct tool_call *);

const struct tool_entry tool_memory = {
	.name = "memory",
	.description = "Your memory across sessions: files under /memories "
	    "(/memories/project for this repository, /memories/user for the "
	    "user's, in every repository). Commands: view {path, "
	    "view_range?}, create {path, file_text}, str_replace {path, "
	    "old_str, new_str}, insert {path, insert_line, insert_text}, "
	    "delete {path}, rename {old_path, new_path}. View /memories "
	    "before a task; record what a later session should know.",
	.schema = "{\"type\":\"object\",\"properties\":{"
	    "\"command\":{\"type\":\"string\",\"enum\":[\"view\",\"create\","
	    "\"str_replace\",\"insert\",\"delete\",\"rename\"]},"
	    "\"path\":{\"type\":\"string\"},"
	    "\"view_range\":{\"type\":\"array\",\"items\":"
	    "{\"type\":\"integer\"}},"
	    "\"file_text\":{\"type\":\"string\"},"
	    "\"old_str\":{\"type\":\"string\"},"
	    "\"new_str\":{\"type\":\"string\"},"
	    "\"insert_line\":{\"type\":\"integer\"},"
	    "\"insert_text\":{\"type\":\"string\"},"
	    "\"old_path\":{\"type\":\"string\"},"
	    "\"new_path\":{\"type\":\"string\"}},"
	    "\"required\":[\"command\"]}",
	.flags = TOOL_EDIT,
	.effects = tool_memory_effects,
	.run = tool_memory_run,
};

char *
memory_user_dir(void)
{
	const char	*xdg, *home;

	if ((xdg = getenv("XDG_DATA_HOME")) != NULL && *xdg == '/')
		return (xasprintf("%s/agentos/memory", xdg));
	if ((home = getenv("HOME")) != NULL && *home == '/')
		return (xasprintf("%s/.local/share/agentos/memory", home));
	return (NULL);
}

char *
memory_project_dir(const char *root)
{
	return (xasprintf("%s/.agentos/memory", root));
}

/* Nonzero when name is a plain file or folder name of a memory path. */
static int
memory_name_ok(const char *name, size_t len)
{
	size_t	i;

	if (len == 0 || name[0] == '.' || len > 255)
		return (0);
	for (i = 0; i < len; i++) {
		if ((unsigned char)name[i] < 0x20 || name[i] == '\\')
			return (0);
	}
	return (1);
}

int
memory_resolve(const char *root, const char *path, char **out,
    char **cause)
{
	const char	*rest, *p, *e;
	char		*base;
	struct buf	 b = BUF_INIT;
	struct stat	 sb;

	*out = NULL;
	if (path == NULL || *path == '\0') {
		*cause = xstrdup("memory needs a path under /memories");
		return (-1);
	}
	if (strncmp(path, "/memories", 9) != 0 ||
	    (path[9] != '/' && path[9] != '\0')) {
		*cause = xasprintf("%s is not under /memories (use "
		    "/memories/project/... or /memories/user/...)", path);
		return (-1);
	}
	rest = path + 9;
	while (*rest == '/')
		rest++;
	if (*rest == '\0') {
		*out = xstrdup("");	/* /memories itself */
		return (0);
	}
	if (strncmp(rest, "project", 7) == 0 &&
	    (rest[7] == '/' || rest[7] == '\0')) {
		base = root != NULL ? memory_project_dir(root) : NULL;
		rest += 7;
	} else if (strncmp(rest, "user", 4) == 0 &&
	    (rest[4] == '/' || rest[4] == '\0')) {
		base = memory_user_dir();
		rest += 4;
	} else {
		*cause = xasprintf("%s: memory paths are under "
		    "/memories/project or /memories/user", path);
		return (-1);
	}
	if (base == NULL) {
		*cause = xstrdup("no memory directory (HOME is not set)");
		return (-1);
	}
	buf_adds(&b, base);
	free(base);
	for (p = rest; *p != '\0'; p = e) {
		while (*p == '/')
			p++;
		if (*p == '\0')
			break;
		if ((e = strchr(p, '/')) == NULL)
			e = p + strlen(p);
		if (!memory_name_ok(p, e - p)) {
			*cause = xasprintf("%s: a memory path has plain "
			    "names only (no \"..\", \".\" or hidden names)",
			    path);
			buf_release(&b);
			return (-1);
		}
		buf_addch(&b, '/');
		buf_add(&b, p, e - p);
		if (lstat(b.buf, &sb) == 0 && S_ISLNK(sb.st_mode)) {
			*cause = xasprintf("%s: symbolic links are not "
			    "followed in memory", path);
			buf_release(&b);
			return (-1);
		}
	}
	*out = buf_detach(&b, NULL);
	return (0);
}

/* Add to b a line per file of dir: its /memories name and first line. */
static void
memory_index_dir(struct buf *b, const char *dir, const char *shown,
    int depth, size_t *n)
{
	DIR		*d;
	struct dirent	*de;
	struct stat	 sb;
	struct buf	 text = BUF_INIT;
	char		*full, *name, *cause = NULL;
	size_t		 i;
	int		 exists;

	if ((d = opendir(dir)) == NULL)
		return;
	while ((de = readdir(d)) != NULL && *n < MEMORY_INDEX_MAX) {
		if (de->d_name[0] == '.')
			continue;
		full = xasprintf("%s/%s", dir, de->d_name);
		name = xasprintf("%s/%s", shown, de->d_name);
		if (lstat(full, &sb) == 0 && S_ISDIR(sb.st_mode) && depth > 1)
			memory_index_dir(b, full, name, depth - 1, n);
		else if (lstat(full, &sb) == 0 && S_ISREG(sb.st_mode)) {
			(*n)++;
			buf_reset(&text);
			buf_addf(b, "- %s", name);
			if (tool_read_whole(full, MEMORY_FILE_MAX, &text,
			    &exists, &cause) != 0) {
				free(cause);
				cause = NULL;
			}
			for (i = 0; i < text.len && text.buf[i] != '\n' &&
			    i < MEMORY_INDEX_LINE; i++) {
				if (i == 0)
					buf_adds(b, ": ");
				buf_addch(b, (unsigned char)text.buf[i] < 0x20 ?
				    ' ' : text.buf[i]);
			}
			buf_addch(b, '\n');
		}
		free(full);
		free(name);
	}
	closedir(d);
	buf_release(&text);
}

const char *
memory_index(const char *root)
{
	static char	*index;
	struct buf	 b = BUF_INIT;
	char		*d;
	size_t		 n = 0;

	if (index != NULL)
		return (index);
	if (root != NULL) {
		d = memory_project_dir(root);
		memory_index_dir(&b, d, "/memories/project", 3, &n);
		free(d);
	}
	if ((d = memory_user_dir()) != NULL) {
		memory_index_dir(&b, d, "/memories/user", 3, &n);
		free(d);
	}
	if (b.len == 0) {
		index = xstrdup("");
		buf_release(&b);
	} else {
		buf_addch(&b, '\0');
		index = xasprintf("\nYour memory (the memory tool; files as "
		    "they were when this session started, with their first "
		    "lines; view one to read it):\n%s", b.buf);
		buf_release(&b);
	}
	return (index);
}

int
memory_note_add(const char *root, const char *note, char **saved,
    char **cause)
{
	struct buf	 text = BUF_INIT;
	char		*full = NULL;
	int		 exists, rc = -1;

	*saved = NULL;
	while (*note == ' ' || *note == '\t')
		note++;
	if (*note == '\0') {
		*cause = xstrdup("an empty note");
		return (-1);
	}
	if (memory_resolve(root, MEMORY_NOTES, &full, cause) != 0)
		return (-1);
	if (tool_read_whole(full, MEMORY_FILE_MAX, &text, &exists,
	    cause) != 0)
		goto out;
	if (text.len > 0 && text.buf[text.len - 1] != '\n')
		buf_addch(&text, '\n');
	buf_addf(&text, "- %s\n", note);
	if (text.len > MEMORY_FILE_MAX) {
		*cause = xasprintf("%s is full (%d bytes)", MEMORY_NOTES,
		    MEMORY_FILE_MAX);
		goto out;
	}
	if (tool_write_atomic(full, text.buf, text.len, cause) != 0)
		goto out;
	*saved = xstrdup(MEMORY_NOTES);
	rc = 0;
out:
	buf_release(&text);
	free(full);
	return (rc);
}

/* Nonzero when path (resolved already) names something in a folder. */
static int
memory_names_file(const char *path)
{
	const char	*p = path + 9;

	while (*p == '/')
		p++;
	while (*p != '/' && *p != '\0')
		p++;
	while (*p == '/')
		p++;
	return (*p != '\0');
}

/* Declares the files it writes; view is read-only. */
static void
tool_memory_effects(json_t *input, struct tool_effects *fx)
{
	const char	*cmd = conv_json_str(input, "command");
	char		*full, *cause = NULL;
	const char	*keys[2] = { "path", NULL };
	size_t		 i;

	if (cmd == NULL || strcmp(cmd, "view") == 0)
		return;
	fx->flags = EFFECT_MUTATES | EFFECT_EDIT;
	if (strcmp(cmd, "rename") == 0) {
		keys[0] = "old_path";
		keys[1] = "new_path";
	}
	for (i = 0; i < 2 && keys[i] != NULL; i++) {
		/*
		 * The paths as the model named them: policy sees the mapped
		 * file through the tool_ctx root at run time; here the
		 * project's are declared relative to the root.
		 */
		full = NULL;
		if (memory_resolve(".", conv_json_str(input, keys[i]), &full,
		    &cause) != 0) {
			free(cause);
			cause = NULL;
			continue;
		}
		if (*full != '\0')
			tool_effects_write(fx, full);
		free(full);
	}
}

/* Add the listing of dir (two levels) with sizes to b. */
static void
memory_list(struct buf *b, const char *dir, const char *shown, int depth,
    size_t *n)
{
	DIR		*d;
	struct dirent	*de;
	struct stat	 sb;
	char		*full, *name;

	if ((d = opendir(dir)) == NULL)
		return;
	while ((de = readdir(d)) != NULL && *n < MEMORY_VIEW_MAX) {
		if (de->d_name[0] == '.')
			continue;
		full = xasprintf("%s/%s", dir, de->d_name);
		name = xasprintf("%s/%s", shown, de->d_name);
		if (lstat(full, &sb) == 0 && (S_ISREG(sb.st_mode) ||
		    S_ISDIR(sb.st_mode))) {
			(*n)++;
			buf_addf(b, "%jdK\t%s%s\n",
			    (intmax_t)(sb.st_size + 1023) / 1024, name,
			    S_ISDIR(sb.st_mode) ? "/" : "");
			if (S_ISDIR(sb.st_mode) && depth > 1)
				memory_list(b, full, name, depth - 1, n);
		}
		free(full);
		free(name);
	}
	closedir(d);
}

/* view: a folder's listing or a file with line numbers. */
static void
memory_view(struct tool_call *tc, const char *path, const char *full)
{
	json_t		*range = json_object_get(tc->input, "view_range");
	struct buf	 b = BUF_INIT, text = BUF_INIT;
	struct stat	 sb;
	char		*cause = NULL, *d;
	const char	*p, *e;
	long		 from = 1, to = -1, line = 1;
	size_t		 n = 0;
	int		 exists;

	if (*full == '\0') {
		buf_addf(&b, "Here're the files and directories up to 2 "
		    "levels deep in %s, excluding hidden items and "
		    "node_modules:\n", path);
		buf_adds(&b, "0K\t/memories/project/\n");
		if (tc->ctx != NULL && tc->ctx->root != NULL) {
			d = memory_project_dir(tc->ctx->root);
			memory_list(&b, d, "/memories/project", 1, &n);
			free(d);
		}
		buf_adds(&b, "0K\t/memories/user/\n");
		if ((d = memory_user_dir()) != NULL) {
			memory_list(&b, d, "/memories/user", 1, &n);
			free(d);
		}
		tool_result_set(tc, b.buf, b.len, 0);
		buf_release(&b);
		return;
	}
	if (stat(full, &sb) != 0) {
		if (strcmp(path, "/memories/project") == 0 ||
		    strcmp(path, "/memories/user") == 0) {
			tool_result_setf(tc, 0, "Here're the files and "
			    "directories up to 2 levels deep in %s, excluding "
			    "hidden items and node_modules:\n0K\t%s/\n", path,
			    path);
			return;
		}
		tool_result_setf(tc, 1, "The path %s does not exist. Please "
		    "provide a valid path.", path);
		return;
	}
	if (S_ISDIR(sb.st_mode)) {
		buf_addf(&b, "Here're the files and directories up to 2 "
		    "levels deep in %s, excluding hidden items and "
		    "node_modules:\n0K\t%s/\n", path, path);
		memory_list(&b, full, path, 2, &n);
		tool_result_set(tc, b.buf, b.len, 0);
		buf_release(&b);
		return;
	}
	if (tool_read_whole(full, MEMORY_FILE_MAX, &text, &exists,
	    &cause) != 0) {
		tool_result_setf(tc, 1, "%s", cause);
		free(cause);
		return;
	}
	if (json_is_array(range) && json_array_size(range) == 2) {
		from = (long)json_integer_value(json_array_get(range, 0));
		to = (long)json_integer_value(json_array_get(range, 1));
	}
	buf_addf(&b, "Here's the content of %s with line numbers:\n", path);
	buf_addch(&text, '\0');
	for (p = text.buf; p < text.buf + text.len - 1; p = e, line++) {
		if ((e = strchr(p, '\n')) == NULL)
			e = text.buf + text.len - 1;
		else
			e++;
		if (line < from || (to != -1 && line > to))
			continue;
		buf_addf(&b, "%6ld\t", line);
		buf_add(&b, p, e - p);
		if (e[-1] != '\n')
			buf_addch(&b, '\n');
	}
	tool_result_set(tc, b.buf, b.len, 0);
	buf_release(&b);
	buf_release(&text);
}

/* Read the existing regular file full into text, or set an error. */
static int
memory_load(struct tool_call *tc, const char *path, const char *full,
    struct buf *text)
{
	char	*cause = NULL;
	int	 exists;

	if (tool_read_whole(full, MEMORY_FILE_MAX, text, &exists,
	    &cause) != 0) {
		tool_result_setf(tc, 1, "%s", cause);
		free(cause);
		return (-1);
	}
	if (!exists) {
		tool_result_setf(tc, 1, "The path %s does not exist. Please "
		    "provide a valid path.", path);
		return (-1);
	}
	return (0);
}

/* Write text to full (capped) or set an error. */
static int
memory_store(struct tool_call *tc, const char *full, const char *data,
    size_t len)
{
	char	*cause = NULL;

	if (len > MEMORY_FILE_MAX) {
		tool_result_setf(tc, 1, "a memory file holds at most %d "
		    "bytes", MEMORY_FILE_MAX);
		return (-1);
	}
	if (tool_write_atomic(full, data, len, &cause) != 0) {
		tool_result_setf(tc, 1, "%s", cause);
		free(cause);
		return (-1);
	}
	return (0);
}

/* Record a project memory file in the call's changed paths. */
static void
memory_changed(struct tool_call *tc, const char *full)
{
	size_t	len;

	if (tc->ctx == NULL || tc->ctx->root == NULL)
		return;
	len = strlen(tc->ctx->root);
	if (strncmp(full, tc->ctx->root, len) == 0 && full[len] == '/')
		tool_call_add_path(tc, full + len + 1);
}

static int
tool_memory_run(struct tool_call *tc)
{
	const char	*cmd, *path, *s, *old_s, *new_s, *np;
	const char	*root = tc->ctx != NULL ? tc->ctx->root : NULL;
	char		*full = NULL, *full2 = NULL, *cause = NULL, *res;
	struct buf	 text = BUF_INIT, out = BUF_INIT;
	struct stat	 sb;
	size_t		 newlen, off;
	long		 at, line;

	cmd = conv_json_str(tc->input, "command");
	path = conv_json_str(tc->input, strcmp(cmd != NULL ? cmd : "",
	    "rename") == 0 ? "old_path" : "path");
	if (cmd == NULL) {
		tool_result_setf(tc, 1, "memory needs a command");
		return (0);
	}
	if (memory_resolve(root, path, &full, &cause) != 0) {
		tool_result_setf(tc, 1, "%s", cause);
		free(cause);
		return (0);
	}
	if (strcmp(cmd, "view") == 0) {
		memory_view(tc, path, full);
		goto out;
	}
	if (!memory_names_file(path)) {
		tool_result_setf(tc, 1, "%s: name a file under "
		    "/memories/project/ or /memories/user/", path);
		goto out;
	}
	if (strcmp(cmd, "create") == 0) {
		if ((s = conv_json_str(tc->input, "file_text")) == NULL) {
			tool_result_setf(tc, 1, "create needs file_text");
			goto out;
		}
		if (lstat(full, &sb) == 0) {
			tool_result_setf(tc, 1, "Error: File %s already "
			    "exists", path);
			goto out;
		}
		if (memory_store(tc, full, s, strlen(s)) != 0)
			goto out;
		memory_changed(tc, full);
		tool_result_setf(tc, 0, "File created successfully at: %s",
		    path);
	} else if (strcmp(cmd, "str_replace") == 0) {
		old_s = conv_json_str(tc->input, "old_str");
		new_s = conv_json_str(tc->input, "new_str");
		if (old_s == NULL || *old_s == '\0' || new_s == NULL) {
			tool_result_setf(tc, 1, "str_replace needs old_str "
			    "and new_str");
			goto out;
		}
		if (memory_load(tc, path, full, &text) != 0)
			goto out;
		buf_addch(&text, '\0');
		if ((res = tool_edit_apply(text.buf, text.len - 1, old_s,
		    new_s, 0, &newlen, &cause)) == NULL) {
			if (strstr(text.buf, old_s) == NULL)
				tool_result_setf(tc, 1, "No replacement was "
				    "performed, old_str `%s` did not appear "
				    "verbatim in %s.", old_s, path);
			else
				tool_result_setf(tc, 1, "No replacement was "
				    "performed. Multiple occurrences of "
				    "old_str `%s`. Please ensure it is "
				    "unique", old_s);
			free(cause);
			goto out;
		}
		if (memory_store(tc, full, res, newlen) != 0) {
			free(res);
			goto out;
		}
		free(res);
		memory_changed(tc, full);
		tool_result_setf(tc, 0, "The memory file has been edited.");
	} else if (strcmp(cmd, "insert") == 0) {
		s = conv_json_str(tc->input, "insert_text");
		at = (long)json_integer_value(json_object_get(tc->input,
		    "insert_line"));
		if (s == NULL || !json_is_integer(json_object_get(tc->input,
		    "insert_line"))) {
			tool_result_setf(tc, 1, "insert needs insert_line and "
			    "insert_text");
			goto out;
		}
		if (memory_load(tc, path, full, &text) != 0)
			goto out;
		for (off = 0, line = 0; off < text.len && line < at; off++) {
			if (text.buf[off] == '\n')
				line++;
		}
		if (at < 0 || line < at) {
			if (at < 0 || line + (text.len > 0 &&
			    text.buf[text.len - 1] != '\n') < at) {
				tool_result_setf(tc, 1, "Error: Invalid "
				    "`insert_line` parameter: %ld. It should "
				    "be within the range of lines of the "
				    "file: [0, %ld]", at, line +
				    (text.len > 0 &&
				    text.buf[text.len - 1] != '\n'));
				goto out;
			}
		}
		buf_add(&out, text.buf, off);
		if (off > 0 && text.buf[off - 1] != '\n')
			buf_addch(&out, '\n');
		buf_adds(&out, s);
		if (*s == '\0' || s[strlen(s) - 1] != '\n')
			buf_addch(&out, '\n');
		buf_add(&out, text.buf + off, text.len - off);
		if (memory_store(tc, full, out.buf, out.len) != 0)
			goto out;
		memory_changed(tc, full);
		tool_result_setf(tc, 0, "The file %s has been edited.", path);
	} else if (strcmp(cmd, "delete") == 0) {
		if (lstat(full, &sb) != 0) {
			tool_result_setf(tc, 1, "The path %s does not exist",
			    path);
			goto out;
		}
		if (!S_ISREG(sb.st_mode) ? rmdir(full) != 0 :
		    unlink(full) != 0) {
			tool_result_setf(tc, 1, "delete %s: %s", path,
			    strerror(errno));
			goto out;
		}
		memory_changed(tc, full);
		tool_result_setf(tc, 0, "Successfully deleted %s", path);
	} else if (strcmp(cmd, "rename") == 0) {
		np = conv_json_str(tc->input, "new_path");
		if (memory_resolve(root, np, &full2, &cause) != 0) {
			tool_result_setf(tc, 1, "%s", cause);
			free(cause);
			goto out;
		}
		if (lstat(full, &sb) != 0 || !S_ISREG(sb.st_mode)) {
			tool_result_setf(tc, 1, "The path %s does not exist",
			    path);
			goto out;
		}
		if (!memory_names_file(np)) {
			tool_result_setf(tc, 1, "%s: name a file under "
			    "/memories/project/ or /memories/user/", np);
			goto out;
		}
		if (lstat(full2, &sb) == 0) {
			tool_result_setf(tc, 1, "Error: The destination %s "
			    "already exists", np);
			goto out;
		}
		/* Across the two folders rename(2) may fail: copy. */
		if (memory_load(tc, path, full, &text) != 0 ||
		    memory_store(tc, full2, text.buf, text.len) != 0)
			goto out;
		if (unlink(full) != 0) {
			tool_result_setf(tc, 1, "rename %s: %s", path,
			    strerror(errno));
			goto out;
		}
		memory_changed(tc, full);
		memory_changed(tc, full2);
		tool_result_setf(tc, 0, "Successfully renamed %s to %s",
		    path, np);
	} else
		tool_result_setf(tc, 1, "unknown memory command %s (view, "
		    "create, str_replace, insert, delete, rename)", cmd);
out:
	buf_release(&text);
	buf_release(&out);
	free(full);
	free(full2);
	return (0);
}
