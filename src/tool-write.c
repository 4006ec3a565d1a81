/* tool-write.c: the write_file tool and atomic file writes. */
#include <sys/stat.h>

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "agentos.h"
#include "banned.h"

/* Largest existing file read for the diff (bytes). */
#define TOOL_WRITE_DIFF_MAX	(16 * 1024 * 1024)

static int	tool_write_mkdirs(const char *, char **);
static int	tool_write_preview(struct tool_ctx *, json_t *, struct buf *,
		    char **);
static int	tool_write_run(struct tool_call *);
static int	tool_write_prepare(struct tool_ctx *, json_t *, char **,
		    char **, struct buf *, int *, char **);
static void	tool_write_effects(json_t *, struct tool_effects *);

const struct tool_entry tool_write_file = {
	.name = "write_file",
	.description = "Create or overwrite a file with content (whole "
	    "file; parent directories are created). Prefer edit_file to "
	    "change part of an existing file; read it first.",
	.schema = "{\"type\":\"object\",\"properties\":{"
	    "\"path\":{\"type\":\"string\"},"
	    "\"content\":{\"type\":\"string\"}},"
	    "\"required\":[\"path\",\"content\"]}",
	.flags = TOOL_EDIT,
	.effects = tool_write_effects,
	.preview = tool_write_preview,
	.run = tool_write_run,
};

/* Writes the file it names, as its preview diff shows. */
static void
tool_write_effects(json_t *input, struct tool_effects *fx)
{
	fx->flags = EFFECT_MUTATES | EFFECT_EDIT;
	tool_effects_write(fx, conv_json_str(input, "path"));
}

/* Create the missing parent directories of path (mkdir -p of dirname). */
static int
tool_write_mkdirs(const char *path, char **cause)
{
	char		*dir = xstrdup(path), *p;
	struct stat	 sb;
	char		 save;
	int		 rc = -1;

	if ((p = strrchr(dir, '/')) == NULL || p == dir) {
		rc = 0;
		goto out;
	}
	*p = '\0';
	if (stat(dir, &sb) == 0) {
		if (!S_ISDIR(sb.st_mode)) {
			*cause = xasprintf("%s is not a directory", dir);
			goto out;
		}
		rc = 0;
		goto out;
	}
	for (p = dir + 1; ; p++) {
		if (*p != '/' && *p != '\0')
			continue;
		save = *p;
		*p = '\0';
		if (mkdir(dir, 0777) != 0 && errno != EEXIST) {
			*cause = xasprintf("mkdir %s: %s", dir,
			    strerror(errno));
			goto out;
		}
		*p = save;
		if (save == '\0')
			break;
	}
	rc = 0;
out:
	free(dir);
	return (rc);
}

int
tool_write_atomic(const char *path, const char *data, size_t len,
    char **cause)
{
	struct stat	 sb;
	char		*tmp = NULL, *dir = NULL, *slash;
	mode_t		 mode, mask;
	ssize_t		 n;
	size_t		 off = 0;
	int		 fd = -1, dfd, rc = -1;

	if (tool_write_mkdirs(path, cause) != 0)
		goto out;
	if (stat(path, &sb) == 0) {
		if (!S_ISREG(sb.st_mode)) {
			*cause = xasprintf("%s is not a regular file", path);
			goto out;
		}
		mode = sb.st_mode & 07777;
	} else {
		mask = umask(0);
		umask(mask);
		mode = 0666 & ~mask;
	}
	tmp = xasprintf("%s.agentos-XXXXXX", path);
	if ((fd = mkstemp(tmp)) == -1) {
		*cause = xasprintf("create %s: %s", tmp, strerror(errno));
		free(tmp);
		tmp = NULL;
		goto out;
	}
	if (fchmod(fd, mode) != 0) {
		*cause = xasprintf("chmod %s: %s", tmp, strerror(errno));
		goto out;
	}
	while (off < len) {
		n = write(fd, data + off, len - off);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0) {
			*cause = xasprintf("write %s: %s", path,
			    strerror(errno));
			goto out;
		}
		off += n;
	}
	if (fsync(fd) != 0) {
		*cause = xasprintf("fsync %s: %s", path, strerror(errno));
		goto out;
	}
	if (close(fd) != 0) {
		fd = -1;
		*cause = xasprintf("close %s: %s", path, strerror(errno));
		goto out;
	}
	fd = -1;
	if (rename(tmp, path) != 0) {
		*cause = xasprintf("rename to %s: %s", path, strerror(errno));
		goto out;
	}
	free(tmp);
	tmp = NULL;
	/* Make the rename itself durable. */
	dir = xstrdup(path);
	if ((slash = strrchr(dir, '/')) != NULL)
		*(slash == dir ? slash + 1 : slash) = '\0';
	if ((dfd = open(dir, O_RDONLY|O_DIRECTORY|O_CLOEXEC)) != -1) {
		fsync(dfd);
		close(dfd);
	}
	rc = 0;
out:
	if (fd != -1)
		close(fd);
	if (tmp != NULL) {
		unlink(tmp);
		free(tmp);
	}
	free(dir);
	return (rc);
}

int
tool_read_whole(const char *path, size_t max, struct buf *out, int *exists,
    char **cause)
{
	struct stat	sb;
	char		chunk[65536];
	ssize_t		n;
	int		fd, rc = -1;

	*exists = 0;
	if ((fd = open(path, O_RDONLY|O_CLOEXEC)) == -1) {
		if (errno == ENOENT)
			return (0);
		*cause = xasprintf("%s: %s", path, strerror(errno));
		return (-1);
	}
	if (fstat(fd, &sb) != 0) {
		*cause = xasprintf("%s: %s", path, strerror(errno));
		goto out;
	}
	if (S_ISDIR(sb.st_mode)) {
		*cause = xasprintf("%s is a directory", path);
		goto out;
	}
	if (!S_ISREG(sb.st_mode)) {
		*cause = xasprintf("%s is not a regular file", path);
		goto out;
	}
	if (max != 0 && (uint64_t)sb.st_size > max) {
		*cause = xasprintf("%s is %jd bytes; the limit is %zu bytes",
		    path, (intmax_t)sb.st_size, max);
		goto out;
	}
	*exists = 1;
	buf_grow(out, sb.st_size);
	for (;;) {
		n = read(fd, chunk, sizeof chunk);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0) {
			*cause = xasprintf("%s: %s", path, strerror(errno));
			goto out;
		}
		if (n == 0)
			break;
		if (max != 0 && out->len + n > max) {
			*cause = xasprintf("%s grew past %zu bytes", path,
			    max);
			goto out;
		}
		buf_add(out, chunk, n);
	}
	rc = 0;
out:
	close(fd);
	return (rc);
}

/* Resolve the path and read what is there now. */
static int
tool_write_prepare(struct tool_ctx *ctx, json_t *input, char **out,
    char **rel, struct buf *old, int *exists, char **cause)
{
	const char	*path;

	path = json_string_value(json_object_get(input, "path"));
	if (path_resolve_write(ctx->root, path, out, rel, cause) != 0)
		return (-1);
	if (tool_read_whole(*out, TOOL_WRITE_DIFF_MAX, old, exists,
	    cause) != 0) {
		free(*out);
		free(*rel);
		*out = *rel = NULL;
		return (-1);
	}
	return (0);
}

/* The preview: a unified diff of the file now against content. */
static int
tool_write_preview(struct tool_ctx *ctx, json_t *input, struct buf *preview,
    char **cause)
{
	json_t		*v = json_object_get(input, "content");
	const char	*content;
	struct buf	 old = BUF_INIT;
	char		*full = NULL, *rel = NULL;
	size_t		 len;
	int		 exists, rc = -1;

	if ((content = json_string_value(v)) == NULL) {
		*cause = xstrdup("write_file needs a string content");
		return (-1);
	}
	len = json_string_length(v);
	if (tool_write_prepare(ctx, input, &full, &rel, &old, &exists,
	    cause) != 0)
		goto out;
	if (exists && old.len == len &&
	    memcmp(old.buf, content, old.len) == 0) {
		buf_addf(preview, "%s: no change\n", rel);
		rc = 0;
		goto out;
	}
	rc = diff_buffers(rel, exists ? old.buf : NULL, old.len, content,
	    len, preview, NULL, NULL, cause);
out:
	buf_release(&old);
	free(full);
	free(rel);
	return (rc);
}

/* Write the file and say what changed. */
static int
tool_write_run(struct tool_call *tc)
{
	const char	*content;
	struct buf	 old = BUF_INIT, diff = BUF_INIT;
	char		*full = NULL, *rel = NULL, *cause = NULL;
	size_t		 len;
	int		 exists, added = 0, removed = 0;

	content = json_string_value(json_object_get(tc->input, "content"));
	len = json_string_length(json_object_get(tc->input, "content"));
	if (tool_write_prepare(tc->ctx, tc->input, &full, &rel, &old,
	    &exists, &cause) != 0)
		goto fail;
	if (diff_buffers(rel, exists ? old.buf : NULL, old.len, content, len,
	    &diff, &added, &removed, &cause) != 0)
		goto fail;
	if (tool_write_atomic(full, content, len, &cause) != 0)
		goto fail;
	tool_call_add_path(tc, rel);
	if (exists)
		tool_result_setf(tc, 0, "Wrote %s: %zu bytes (+%d -%d lines)",
		    rel, len, added, removed);
	else
		tool_result_setf(tc, 0, "Created %s: %zu bytes, %d lines",
		    rel, len, added);
	goto out;
fail:
	tool_result_set(tc, cause, strlen(cause), 1);
	free(cause);
out:
	buf_release(&old);
	buf_release(&diff);
	free(full);
	free(rel);
	return (0);
}
