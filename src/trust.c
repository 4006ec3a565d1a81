/* trust.c: folder trust: which project files grant, their record. */
#include <sys/stat.h>

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <jansson.h>

#include "agentos.h"
#include "options.h"
#include "trust.h"
#include "banned.h"

#define TRUST_FILE_MAX		(1024 * 1024)	/* bytes hashed per file */
#define TRUST_FILES_MAX		256		/* custom command files */
#define TRUST_DEPTH_MAX		4
#define TRUST_LINE_MAX		200

/* The single files trust covers. */
static const char *const trust_single[] = {
	".agentos/config.json",
	".mcp.json",
	NULL
};
#define TRUST_COMMANDS	".agentos/commands"

static void	trust_add(struct trust_files *, const char *);
static void	trust_walk(struct trust_files *, const char *, const char *,
		    int);
static int	trust_cmp(const void *, const void *);
static void	trust_hash_file(struct buf *, const char *, const char *);
static json_t	*trust_load(const char *, char **);
static void	trust_clean(struct buf *, const char *, size_t);
static void	trust_line(struct buf *, const char *, const char *);
static int	trust_has(const struct trust_files *, const char *);

/* Add rel to the list. */
static void
trust_add(struct trust_files *tf, const char *rel)
{
	tf->v = xreallocarray(tf->v, tf->n + 2, sizeof *tf->v);
	tf->v[tf->n++] = xstrdup(rel);
	tf->v[tf->n] = NULL;
}

/* Add the entries under rel (a directory of root), depth-limited. */
static void
trust_walk(struct trust_files *tf, const char *root, const char *rel,
    int depth)
{
	struct dirent	*de;
	struct stat	 sb;
	DIR		*d;
	char		*path, *sub;

	path = xasprintf("%s/%s", root, rel);
	if (lstat(path, &sb) != 0 || !S_ISDIR(sb.st_mode) ||
	    (d = opendir(path)) == NULL) {
		free(path);
		return;
	}
	while ((de = readdir(d)) != NULL && tf->n < TRUST_FILES_MAX) {
		if (strcmp(de->d_name, ".") == 0 ||
		    strcmp(de->d_name, "..") == 0)
			continue;
		sub = xasprintf("%s/%s", rel, de->d_name);
		if (fstatat(dirfd(d), de->d_name, &sb,
		    AT_SYMLINK_NOFOLLOW) == 0 && S_ISDIR(sb.st_mode)) {
			if (depth < TRUST_DEPTH_MAX)
				trust_walk(tf, root, sub, depth + 1);
		} else
			trust_add(tf, sub);
		free(sub);
	}
	closedir(d);
	free(path);
}

/* qsort: paths in byte order. */
static int
trust_cmp(const void *a, const void *b)
{
	return (strcmp(*(char *const *)a, *(char *const *)b));
}

/*
 * Append rel's name and what its loader would see: the contents of a
 * regular file (through a symlink, as the loaders follow them), capped;
 * the type of anything else.
 */
static void
trust_hash_file(struct buf *b, const char *root, const char *rel)
{
	struct stat	 sb;
	char		*path, chunk[8192];
	ssize_t		 n;
	size_t		 got = 0;
	int		 fd;

	buf_addf(b, "%s", rel);
	buf_add(b, "", 1);
	path = xasprintf("%s/%s", root, rel);
	fd = open(path, O_RDONLY|O_NONBLOCK|O_CLOEXEC|O_NOCTTY);
	free(path);
	if (fd == -1) {
		buf_addf(b, "error %d", errno);
		goto out;
	}
	if (fstat(fd, &sb) != 0 || !S_ISREG(sb.st_mode)) {
		buf_addf(b, "mode %o", (unsigned)sb.st_mode);
		close(fd);
		goto out;
	}
	buf_addf(b, "size %lld", (long long)sb.st_size);
	buf_add(b, "", 1);
	while (got < TRUST_FILE_MAX) {
		n = read(fd, chunk, sizeof chunk);
		if (n == -1 && errno == EINTR)
			continue;
		if (n <= 0)
			break;
		if ((size_t)n > TRUST_FILE_MAX - got)
			n = TRUST_FILE_MAX - got;
		buf_add(b, chunk, n);
		got += n;
	}
	close(fd);
out:
	buf_add(b, "", 1);
}

void
trust_scan(const char *root, struct trust_files *tf)
{
	struct buf	 b = BUF_INIT;
	struct stat	 sb;
	char		*path;
	size_t		 i, first;

	memset(tf, 0, sizeof *tf);
	for (i = 0; trust_single[i] != NULL; i++) {
		path = xasprintf("%s/%s", root, trust_single[i]);
		if (lstat(path, &sb) == 0)
			trust_add(tf, trust_single[i]);
		free(path);
	}
	first = tf->n;
	trust_walk(tf, root, TRUST_COMMANDS, 0);
	if (tf->n - first > 1)
		qsort(tf->v + first, tf->n - first, sizeof *tf->v, trust_cmp);
	if (tf->n == 0)
		return;
	buf_adds(&b, "agentos trust 1");
	buf_add(&b, "", 1);
	for (i = 0; i < tf->n; i++)
		trust_hash_file(&b, root, tf->v[i]);
	tf->fingerprint = hash_sha256_hex(b.buf, b.len);
	buf_release(&b);
}

void
trust_files_release(struct trust_files *tf)
{
	size_t	i;

	for (i = 0; i < tf->n; i++)
		free(tf->v[i]);
	free(tf->v);
	free(tf->fingerprint);
	memset(tf, 0, sizeof *tf);
}

/* Whether tf holds rel, or (a directory prefix ending in /) under it. */
static int
trust_has(const struct trust_files *tf, const char *rel)
{
	size_t	i, len = strlen(rel);

	for (i = 0; i < tf->n; i++) {
		if (rel[len - 1] == '/' ? strncmp(tf->v[i], rel, len) == 0 :
		    strcmp(tf->v[i], rel) == 0)
			return (1);
	}
	return (0);
}

char *
trust_state_path(void)
{
	return (path_state_file("trust.json"));
}

/* The record at path: an object (new when missing), or NULL with cause. */
static json_t *
trust_load(const char *path, char **cause)
{
	json_error_t	 err;
	json_t		*j, *repos;

	if ((j = json_load_file(path, 0, &err)) == NULL) {
		if (access(path, F_OK) != 0 && errno == ENOENT)
			return (json_pack("{s{}}", "repos"));
		*cause = xasprintf("%s:%d: %s", path, err.line, err.text);
		return (NULL);
	}
	if (!json_is_object(j)) {
		json_decref(j);
		*cause = xasprintf("%s: not a JSON object", path);
		return (NULL);
	}
	repos = json_object_get(j, "repos");
	if (!json_is_object(repos))
		json_object_set_new(j, "repos", json_object());
	return (j);
}

enum trust_state
trust_check(const char *root, const struct trust_files *tf, char **cause)
{
	enum trust_state	 st = TRUST_UNKNOWN;
	json_t			*j, *e;
	const char		*fp;
	char			*path;

	if (tf->n == 0)
		return (TRUST_NONE);
	if ((path = trust_state_path()) == NULL)
		return (TRUST_UNKNOWN);
	if ((j = trust_load(path, cause)) == NULL) {
		free(path);
		return (TRUST_UNKNOWN);
	}
	e = json_object_get(json_object_get(j, "repos"), root);
	if (json_is_true(json_object_get(e, "never")))
		st = TRUST_NEVER;
	else if (json_is_object(e) && (fp = json_string_value(
	    json_object_get(e, "fingerprint"))) != NULL)
		st = strcmp(fp, tf->fingerprint) == 0 ? TRUST_YES :
		    TRUST_CHANGED;
	json_decref(j);
	free(path);
	return (st);
}

int
trust_record(const char *root, const struct trust_files *tf, char **cause)
{
	json_t		*j, *e, *files;
	char		*path, when[32];
	time_t		 now = time(NULL);
	struct tm	 tm;
	size_t		 i;
	int		 rc = -1;

	if (tf->n == 0 || tf->fingerprint == NULL) {
		*cause = xstrdup("nothing to trust: no .agentos/config.json, "
		    ".mcp.json or .agentos/commands/");
		return (-1);
	}
	if ((path = trust_state_path()) == NULL) {
		*cause = xstrdup("no state directory ($XDG_STATE_HOME or "
		    "$HOME)");
		return (-1);
	}
	if ((j = trust_load(path, cause)) == NULL)
		goto out;
	gmtime_r(&now, &tm);
	strftime(when, sizeof when, "%Y-%m-%dT%H:%M:%SZ", &tm);
	files = json_array();
	for (i = 0; i < tf->n; i++)
		json_array_append_new(files, json_string(tf->v[i]));
	e = json_pack("{sssssO}", "fingerprint", tf->fingerprint,
	    "trusted_at", when, "files", files);
	json_decref(files);
	json_object_set_new(json_object_get(j, "repos"), root, e);
	rc = path_save_json_private(path, j, cause);
	json_decref(j);
out:
	free(path);
	return (rc);
}

int
trust_record_never(const char *root, char **cause)
{
	json_t		*j;
	char		*path, when[32];
	time_t		 now = time(NULL);
	struct tm	 tm;
	int		 rc = -1;

	if ((path = trust_state_path()) == NULL) {
		*cause = xstrdup("no state directory ($XDG_STATE_HOME or "
		    "$HOME)");
		return (-1);
	}
	if ((j = trust_load(path, cause)) == NULL)
		goto out;
	gmtime_r(&now, &tm);
	strftime(when, sizeof when, "%Y-%m-%dT%H:%M:%SZ", &tm);
	json_object_set_new(json_object_get(j, "repos"), root,
	    json_pack("{sbss}", "never", 1, "decided_at", when));
	rc = path_save_json_private(path, j, cause);
	json_decref(j);
out:
	free(path);
	return (rc);
}

int
trust_forget(const char *root, char **cause)
{
	json_t	*j, *repos;
	char	*path;
	int	 rc = -1;

	if ((path = trust_state_path()) == NULL)
		return (0);
	if ((j = trust_load(path, cause)) == NULL)
		goto out;
	repos = json_object_get(j, "repos");
	if (json_object_get(repos, root) == NULL) {
		rc = 0;
		json_decref(j);
		goto out;
	}
	json_object_del(repos, root);
	rc = path_save_json_private(path, j, cause);
	json_decref(j);
out:
	free(path);
	return (rc);
}

int
trust_wanted(const struct config *cfg, const struct trust_files *tf)
{
	return (options_held(cfg, NULL) != NULL || trust_has(tf, ".mcp.json") ||
	    trust_has(tf, TRUST_COMMANDS "/"));
}

/* Append s (len bytes) with control characters as '?'. */
static void
trust_clean(struct buf *b, const char *s, size_t len)
{
	size_t	i;

	for (i = 0; i < len; i++) {
		if ((unsigned char)s[i] < 0x20 || s[i] == 0x7f)
			buf_add(b, "?", 1);
		else
			buf_add(b, s + i, 1);
	}
}

/* Append "  KEY = VALUE" cleaned and cut, and a newline. */
static void
trust_line(struct buf *b, const char *key, const char *value)
{
	struct buf	 l = BUF_INIT;
	size_t		 n;

	buf_adds(&l, "  ");
	trust_clean(&l, key, strlen(key));
	if (value != NULL) {
		buf_adds(&l, " = ");
		trust_clean(&l, value, strlen(value));
	}
	if (l.len > TRUST_LINE_MAX) {
		/* Cut on a character boundary. */
		n = TRUST_LINE_MAX;
		while (n > 0 && ((unsigned char)l.buf[n] & 0xc0) == 0x80)
			n--;
		l.len = n;
		l.buf[n] = '\0';
		buf_adds(&l, "...");
	}
	buf_add(b, l.buf, l.len);
	buf_add(b, "\n", 1);
	buf_release(&l);
}

/* The commands of a held "hooks" object: "hooks.EVENT = COMMAND" lines. */
static void
trust_hooks(struct buf *b, json_t *hooks)
{
	const char	*ev, *cmd;
	json_t		*groups, *g, *h;
	char		*key;
	size_t		 i, j;

	json_object_foreach(hooks, ev, groups) {
		key = xasprintf("hooks.%s", ev);
		json_array_foreach(groups, i, g) {
			json_array_foreach(json_object_get(g, "hooks"), j, h) {
				cmd = json_string_value(json_object_get(h,
				    "command"));
				trust_line(b, key, cmd != NULL ? cmd : "?");
			}
		}
		free(key);
	}
}

char *
trust_keys(const struct config *cfg, const struct trust_files *tf)
{
	struct buf	 b = BUF_INIT;
	const json_t	*held = options_held(cfg, NULL);
	const char	*k;
	json_t		*v;

	json_object_foreach((json_t *)held, k, v) {
		if (b.len > 0)
			buf_adds(&b, ", ");
		trust_clean(&b, k, strlen(k));
	}
	if (trust_has(tf, ".mcp.json"))
		buf_addf(&b, "%s.mcp.json servers", b.len > 0 ? ", " : "");
	if (trust_has(tf, TRUST_COMMANDS "/"))
		buf_addf(&b, "%s" TRUST_COMMANDS "/", b.len > 0 ? ", " : "");
	return (buf_detach(&b, NULL));
}

char *
trust_summary(const struct config *cfg, const char *root,
    const struct trust_files *tf, size_t max_lines)
{
	struct buf		 b = BUF_INIT, cmd;
	const json_t		*held;
	const struct option_entry *e;
	const char		*k, *name;
	json_t			*v, *mcp, *servers, *s, *a;
	json_error_t		 err;
	char			*text, *path, *key, *p, *nl;
	size_t			 i, ai, more;

	held = options_held(cfg, NULL);
	if (held != NULL)
		buf_adds(&b, ".agentos/config.json would set:\n");
	json_object_foreach((json_t *)held, k, v) {
		e = options_find(k);
		if (e != NULL && (e->flags & OPTION_SECRET)) {
			trust_line(&b, k, "[redacted]");
			continue;
		}
		if (e != NULL && e->type == OPTION_SERVERS &&
		    json_is_object(v)) {
			json_object_foreach(v, name, s) {
				key = xasprintf("%s.%s", k, name);
				text = json_dumps(s, JSON_COMPACT |
				    JSON_ENCODE_ANY);
				trust_line(&b, key, text);
				free(text);
				free(key);
			}
			continue;
		}
		if (strcmp(k, "hooks") == 0 && json_is_object(v)) {
			/* Hooks: each command that would run, by event. */
			trust_hooks(&b, v);
			continue;
		}
		text = json_dumps(v, JSON_COMPACT | JSON_ENCODE_ANY);
		trust_line(&b, k, text != NULL ? text : "?");
		free(text);
	}
	if (trust_has(tf, ".mcp.json")) {
		buf_adds(&b, ".mcp.json would start:\n");
		path = xasprintf("%s/.mcp.json", root);
		mcp = json_load_file(path, JSON_DECODE_ANY, &err);
		free(path);
		servers = json_object_get(mcp, "mcpServers");
		if (!json_is_object(servers))
			servers = json_object_get(mcp, "servers");
		if (!json_is_object(servers))
			trust_line(&b, "(no servers read)", NULL);
		json_object_foreach(servers, name, s) {
			buf_init(&cmd, 0);
			if ((k = json_string_value(json_object_get(s,
			    "command"))) != NULL) {
				buf_addf(&cmd, "runs %s", k);
				a = json_object_get(s, "args");
				for (ai = 0; ai < json_array_size(a); ai++) {
					k = json_string_value(
					    json_array_get(a, ai));
					buf_addf(&cmd, " %s", k != NULL ? k :
					    "?");
				}
			} else if ((k = json_string_value(json_object_get(s,
			    "url"))) != NULL)
				buf_addf(&cmd, "connects to %s", k);
			else
				buf_adds(&cmd, "(no command)");
			key = xasprintf("server %s: %s", name, cmd.buf);
			trust_line(&b, key, NULL);
			free(key);
			buf_release(&cmd);
		}
		json_decref(mcp);
	}
	if (trust_has(tf, TRUST_COMMANDS "/")) {
		buf_adds(&b, "custom commands:\n");
		for (i = 0; i < tf->n; i++) {
			if (strncmp(tf->v[i], TRUST_COMMANDS "/",
			    strlen(TRUST_COMMANDS "/")) == 0)
				trust_line(&b, tf->v[i], NULL);
		}
	}
	buf_rtrim(&b);
	if (max_lines > 0) {
		for (i = 0, p = b.buf; p != NULL && i < max_lines; i++) {
			if ((p = strchr(p, '\n')) != NULL)
				p++;
		}
		if (p != NULL && *p != '\0') {
			for (more = 1, nl = p; (nl = strchr(nl, '\n')) != NULL;
			    nl++)
				more++;
			b.len = p - b.buf;
			b.buf[b.len] = '\0';
			buf_addf(&b, "  ... %zu more (agentos trust status "
			    "lists them all)", more);
		}
	}
	return (buf_detach(&b, NULL));
}

void
trust_apply(struct config *cfg)
{
	cfg->project_trusted = 1;
	options_apply_held(cfg);
}

enum trust_state
trust_start(struct config *cfg, const char *root, int forced,
    struct trust_files *tf)
{
	enum trust_state	 st;
	char			*cause = NULL;

	trust_scan(root, tf);
	st = trust_check(root, tf, &cause);
	if (cause != NULL) {
		log_debug("trust: %s", cause);
		free(cause);
	}
	if (forced || st == TRUST_YES)
		trust_apply(cfg);
	return (st);
}
