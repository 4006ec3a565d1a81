/* cmd-custom.c: custom slash commands from Markdown files (cmd-custom.h). */
#include <sys/stat.h>

#include <ctype.h>
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "agentos.h"
#include "cmd-custom.h"
#include "banned.h"

static struct cmd_custom	*cc_v;
static size_t			 cc_n, cc_a;

static char	*cmd_custom_value(const char *, size_t);
static int	 cmd_custom_cmp(const void *, const void *);
static void	 cmd_custom_dir(const char *, int,
		    int (*)(const char *));

void
cmd_custom_release(struct cmd_custom *c)
{
	free(c->name);
	free(c->description);
	free(c->argument_hint);
	free(c->allowed_tools);
	free(c->body);
	free(c->path);
	memset(c, 0, sizeof *c);
}

/* A front matter value: trimmed, one pair of quotes removed. */
static char *
cmd_custom_value(const char *s, size_t len)
{
	while (len > 0 && isspace((unsigned char)*s)) {
		s++;
		len--;
	}
	while (len > 0 && isspace((unsigned char)s[len - 1]))
		len--;
	if (len >= 2 && (s[0] == '"' || s[0] == '\'') && s[len - 1] == s[0]) {
		s++;
		len -= 2;
	}
	return (xstrndup(s, len));
}

int
cmd_custom_parse(const char *name, const char *text, struct cmd_custom *c,
    char **cause)
{
	const char	*p = text, *end, *line, *nl, *colon;
	char		*key, **dst, *all;
	size_t		 n;

	memset(c, 0, sizeof *c);
	c->name = xstrdup(name);
	if (strncmp(p, "---\n", 4) == 0 || strncmp(p, "---\r\n", 5) == 0) {
		p = strchr(p, '\n') + 1;
		end = NULL;
		for (line = p; *line != '\0'; line = nl + 1) {
			if (strncmp(line, "---", 3) == 0 && (line[3] == '\n' ||
			    line[3] == '\r' || line[3] == '\0')) {
				end = line;
				break;
			}
			if ((nl = strchr(line, '\n')) == NULL)
				break;
		}
		if (end == NULL) {
			*cause = xstrdup("the front matter has no closing "
			    "---");
			cmd_custom_release(c);
			return (-1);
		}
		dst = NULL;
		for (line = p; line < end; line = nl + 1) {
			nl = memchr(line, '\n', end - line);
			n = nl - line;
			if (n > 0 && line[n - 1] == '\r')
				n--;
			/* A YAML list item goes on the key above. */
			if (dst != NULL && n > 2 && (line[0] == ' ' ||
			    line[0] == '\t')) {
				key = cmd_custom_value(line, n);
				if (key[0] == '-') {
					all = xasprintf("%s%s%s", *dst != NULL ?
					    *dst : "", *dst != NULL && **dst !=
					    '\0' ? ", " : "", key + 1 +
					    strspn(key + 1, " "));
					free(*dst);
					*dst = all;
				}
				free(key);
				continue;
			}
			dst = NULL;
			if ((colon = memchr(line, ':', n)) == NULL)
				continue;
			key = cmd_custom_value(line, colon - line);
			if (strcmp(key, "description") == 0)
				dst = &c->description;
			else if (strcmp(key, "argument-hint") == 0)
				dst = &c->argument_hint;
			else if (strcmp(key, "allowed-tools") == 0)
				dst = &c->allowed_tools;
			free(key);
			if (dst == NULL)
				continue;
			free(*dst);
			*dst = cmd_custom_value(colon + 1, line + n - colon -
			    1);
		}
		p = end + 3;
		p += strspn(p, "\r");
		if (*p == '\n')
			p++;
	}
	c->body = xstrdup(p);
	if (c->description == NULL || *c->description == '\0') {
		free(c->description);
		p = c->body + strspn(c->body, " \t\r\n#");
		c->description = xstrndup(p, strcspn(p, "\r\n"));
	}
	if (strlen(c->description) > 200)
		c->description[200] = '\0';
	return (0);
}

char *
cmd_custom_expand(const struct cmd_custom *c, const char *args)
{
	struct buf	 out = BUF_INIT;
	char		*words[9];
	const char	*p = args, *s;
	size_t		 nw = 0, i;
	int		 used = 0;

	/* The words of args; "..." keeps spaces. */
	memset(words, 0, sizeof words);
	while (*p != '\0' && nw < 9) {
		p += strspn(p, " \t");
		if (*p == '\0')
			break;
		if (*p == '"' && (s = strchr(p + 1, '"')) != NULL) {
			words[nw++] = xstrndup(p + 1, s - p - 1);
			p = s + 1;
		} else {
			words[nw++] = xstrndup(p, strcspn(p, " \t"));
			p += strcspn(p, " \t");
		}
	}
	for (s = c->body; *s != '\0'; s++) {
		if (*s == '$' && strncmp(s + 1, "ARGUMENTS", 9) == 0) {
			buf_adds(&out, args);
			s += 9;
			used = 1;
		} else if (*s == '$' && s[1] >= '1' && s[1] <= '9') {
			i = s[1] - '1';
			if (i < nw)
				buf_adds(&out, words[i]);
			s++;
			used = 1;
		} else
			buf_addch(&out, *s);
	}
	if (!used && *args != '\0') {
		buf_rtrim(&out);
		buf_addf(&out, "\n\nARGUMENTS: %s", args);
	}
	for (i = 0; i < nw; i++)
		free(words[i]);
	return (buf_detach(&out, NULL));
}

/* By name, for the sorted list. */
static int
cmd_custom_cmp(const void *a, const void *b)
{
	const struct cmd_custom	*x = a, *y = b;

	return (strcmp(x->name, y->name));
}

/* Read the NAME.md files of dir (project: from the repository). */
static void
cmd_custom_dir(const char *dir, int project, int (*is_builtin)(const char *))
{
	DIR			*d;
	struct dirent		*de;
	struct stat		 sb;
	struct cmd_custom	 c;
	struct buf		 text = BUF_INIT;
	char			*name, *path, *cause = NULL, tmp[4096];
	size_t			 len, i, k;
	ssize_t			 r;
	int			 fd, ok;

	if ((d = opendir(dir)) == NULL)
		return;
	while ((de = readdir(d)) != NULL && cc_n < CMD_CUSTOM_MAX) {
		len = strlen(de->d_name);
		if (len < 4 || strcmp(de->d_name + len - 3, ".md") != 0)
			continue;
		name = xstrndup(de->d_name, len - 3);
		for (ok = 1, k = 0; name[k] != '\0'; k++)
			if (!isalnum((unsigned char)name[k]) &&
			    name[k] != '-' && name[k] != '_')
				ok = 0;
		if (!ok || (is_builtin != NULL && is_builtin(name))) {
			free(name);
			continue;
		}
		path = xasprintf("%s/%s", dir, de->d_name);
		buf_reset(&text);
		fd = open(path, O_RDONLY | O_NOFOLLOW | O_NONBLOCK | O_CLOEXEC);
		if (fd == -1 || fstat(fd, &sb) != 0 || !S_ISREG(sb.st_mode) ||
		    sb.st_size > CMD_CUSTOM_FILE_MAX)
			ok = 0;
		while (ok && (r = read(fd, tmp, sizeof tmp)) > 0 &&
		    text.len <= CMD_CUSTOM_FILE_MAX)
			buf_add(&text, tmp, r);
		if (fd != -1)
			close(fd);
		if (!ok || text.len > CMD_CUSTOM_FILE_MAX ||
		    memchr(text.buf, '\0', text.len) != NULL ||
		    cmd_custom_parse(name, text.buf, &c, &cause) != 0) {
			if (cause != NULL)
				log_debug("command %s: %s", path, cause);
			free(cause);
			cause = NULL;
			free(name);
			free(path);
			continue;
		}
		c.path = path;
		c.project = project;
		/* The project's replaces the user's of the same name. */
		for (i = 0; i < cc_n; i++)
			if (strcmp(cc_v[i].name, name) == 0)
				break;
		if (i < cc_n)
			cmd_custom_release(&cc_v[i]);
		else {
			ALLOC_GROW(cc_v, cc_n + 1, cc_a);
			i = cc_n++;
		}
		cc_v[i] = c;
		free(name);
	}
	closedir(d);
	buf_release(&text);
}

void
cmd_custom_free_all(void)
{
	size_t	i;

	for (i = 0; i < cc_n; i++)
		cmd_custom_release(&cc_v[i]);
	free(cc_v);
	cc_v = NULL;
	cc_n = cc_a = 0;
}

void
cmd_custom_scan(const char *root, const struct config *cfg,
    int (*is_builtin)(const char *))
{
	const char	*xdg = getenv("XDG_CONFIG_HOME"), *home;
	char		*dir;

	cmd_custom_free_all();
	if (xdg != NULL && *xdg == '/')
		dir = xasprintf("%s/agentos/commands", xdg);
	else if ((home = getenv("HOME")) != NULL && *home != '\0')
		dir = xasprintf("%s/.config/agentos/commands", home);
	else
		dir = NULL;
	if (dir != NULL)
		cmd_custom_dir(dir, 0, is_builtin);
	free(dir);
	if (root != NULL && cfg != NULL && cfg->project_trusted) {
		dir = xasprintf("%s/.agentos/commands", root);
		cmd_custom_dir(dir, 1, is_builtin);
		free(dir);
	}
	if (cc_n > 0)
		qsort(cc_v, cc_n, sizeof *cc_v, cmd_custom_cmp);
}

size_t
cmd_custom_count(void)
{
	return (cc_n);
}

const struct cmd_custom *
cmd_custom_get(size_t i)
{
	return (i < cc_n ? &cc_v[i] : NULL);
}

const struct cmd_custom *
cmd_custom_find(const char *name, size_t len)
{
	size_t	i;

	for (i = 0; i < cc_n; i++)
		if (strlen(cc_v[i].name) == len &&
		    strncmp(cc_v[i].name, name, len) == 0)
			return (&cc_v[i]);
	return (NULL);
}
