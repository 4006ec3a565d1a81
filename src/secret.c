/* secret.c: known secret values, redacted from tool results. */
#include <sys/stat.h>

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <openssl/evp.h>

#include "agentos.h"
#include "options.h"
#include "secret.h"
#include "banned.h"

#define SECRET_FILE_MAX		(256 * 1024)
#define SECRET_FILES_MAX	32

extern char	**environ;

/* Words in a variable name that say its value is a secret. */
static const char *const secret_words[] = {
	"KEY", "SECRET", "TOKEN", "PASSWORD", "PASSWD", "CREDENTIAL", NULL
};

static int	secret_name_looks_secret(const char *, size_t);
static void	secret_env_file(struct secrets *, const char *, const char *);
static void	secret_env_line(struct secrets *, const char *, char *);
static int	secret_cmp(const void *, const void *);
static int	secret_kept(const struct config *, const char *);
static int	secret_tame(const char *, size_t);
static void	secret_form_add(struct secrets *, const char *, const char *,
		    char *);
static void	secret_forms(struct secrets *, const char *, const char *);

/* Whether sandbox.keep_env gives the variable name to commands. */
static int
secret_kept(const struct config *cfg, const char *name)
{
	const struct option_strv	*keep;
	size_t				 i;

	if (cfg == NULL)
		return (0);
	keep = &options_get(cfg)->sandbox.keep_env;
	for (i = 0; i < keep->n; i++) {
		if (strcmp(keep->v[i], name) == 0)
			return (1);
	}
	return (0);
}

void
secrets_add(struct secrets *s, const char *name, const char *value)
{
	size_t	i;

	if (value == NULL || strlen(value) < SECRET_MIN_LEN)
		return;
	for (i = 0; i < s->n; i++) {
		if (strcmp(s->v[i].value, value) == 0)
			return;
	}
	ALLOC_GROW(s->v, s->n + 1, s->alloc);
	s->v[s->n].name = xstrdup(name);
	s->v[s->n].value = xstrdup(value);
	s->n++;
	secret_forms(s, name, value);
}

/*
 * Add text (taken) as a form labelled name[, how], kept in order, longest
 * first, so that a form inside another is replaced second; a text already
 * there is dropped.
 */
static void
secret_form_add(struct secrets *s, const char *name, const char *how,
    char *text)
{
	size_t	i, len = strlen(text);

	for (i = 0; i < s->nforms; i++) {
		if (s->forms[i].len == len &&
		    memcmp(s->forms[i].text, text, len) == 0) {
			free(text);
			return;
		}
	}
	for (i = 0; i < s->nforms && s->forms[i].len >= len; i++)
		;
	ALLOC_GROW(s->forms, s->nforms + 1, s->aforms);
	memmove(s->forms + i + 1, s->forms + i,
	    (s->nforms - i) * sizeof *s->forms);
	s->forms[i].text = text;
	s->forms[i].len = len;
	s->forms[i].label = how != NULL ? xasprintf("%s, %s", name, how) :
	    xstrdup(name);
	s->nforms++;
}

/*
 * The forms of value (see secret.h).  For base64 at alignment a (the
 * value's first byte at offset a mod 3 of the stream), the output
 * characters that depend on the value's bits only are those from
 * ceil(8a / 6) to floor(8 (a + len) / 6): encode a zero bytes and the
 * value, and keep that run.
 */
static void
secret_forms(struct secrets *s, const char *name, const char *value)
{
	static const char	 hexl[] = "0123456789abcdef";
	static const char	 hexu[] = "0123456789ABCDEF";
	const unsigned char	*v = (const unsigned char *)value;
	size_t			 len = strlen(value), a, k0, k1, i, j;
	unsigned char		*in;
	char			*enc, *t, *lo, *up;
	int			 reserved = 0;

	secret_form_add(s, name, NULL, xstrdup(value));

	in = xmalloc(len + 2);
	enc = xmalloc((len + 4) / 3 * 4 + 1);
	for (a = 0; a < 3; a++) {
		memset(in, 0, a);
		memcpy(in + a, v, len);
		EVP_EncodeBlock((unsigned char *)enc, in, (int)(a + len));
		k0 = (8 * a + 5) / 6;
		k1 = 8 * (a + len) / 6;
		t = xstrndup(enc + k0, k1 - k0);
		secret_form_add(s, name, "base64", t);
		t = xstrndup(enc + k0, k1 - k0);
		for (i = 0; t[i] != '\0'; i++) {
			if (t[i] == '+')
				t[i] = '-';
			else if (t[i] == '/')
				t[i] = '_';
		}
		secret_form_add(s, name, "base64url", t);
	}
	free(enc);
	free(in);

	lo = xmalloc(2 * len + 1);
	up = xmalloc(2 * len + 1);
	for (i = 0; i < len; i++) {
		lo[2 * i] = hexl[v[i] >> 4];
		lo[2 * i + 1] = hexl[v[i] & 15];
		up[2 * i] = hexu[v[i] >> 4];
		up[2 * i + 1] = hexu[v[i] & 15];
	}
	lo[2 * len] = up[2 * len] = '\0';
	secret_form_add(s, name, "hex", lo);
	secret_form_add(s, name, "hex", up);

	for (i = 0; i < len; i++) {
		if (!((v[i] >= 'a' && v[i] <= 'z') || (v[i] >= 'A' &&
		    v[i] <= 'Z') || (v[i] >= '0' && v[i] <= '9') ||
		    strchr("-._~", v[i]) != NULL))
			reserved = 1;
	}
	if (!reserved)
		return;
	lo = xmalloc(3 * len + 1);
	up = xmalloc(3 * len + 1);
	for (i = j = 0; i < len; i++) {
		if ((v[i] >= 'a' && v[i] <= 'z') || (v[i] >= 'A' &&
		    v[i] <= 'Z') || (v[i] >= '0' && v[i] <= '9') ||
		    strchr("-._~", v[i]) != NULL) {
			lo[j] = up[j] = (char)v[i];
			j++;
			continue;
		}
		lo[j] = up[j] = '%';
		lo[j + 1] = hexl[v[i] >> 4];
		up[j + 1] = hexu[v[i] >> 4];
		lo[j + 2] = hexl[v[i] & 15];
		up[j + 2] = hexu[v[i] & 15];
		j += 3;
	}
	lo[j] = up[j] = '\0';
	secret_form_add(s, name, "percent-encoded", lo);
	secret_form_add(s, name, "percent-encoded", up);
}

void
secrets_release(struct secrets *s)
{
	size_t	i;

	for (i = 0; i < s->n; i++) {
		free(s->v[i].name);
		free(s->v[i].value);
	}
	free(s->v);
	for (i = 0; i < s->nforms; i++) {
		free(s->forms[i].text);
		free(s->forms[i].label);
	}
	free(s->forms);
	memset(s, 0, sizeof *s);
}

/* Whether the len-byte variable name holds a secret word (any case). */
static int
secret_name_looks_secret(const char *name, size_t len)
{
	char	*up;
	size_t	 i;
	int	 yes = 0;

	up = xstrndup(name, len);
	for (i = 0; up[i] != '\0'; i++) {
		if (up[i] >= 'a' && up[i] <= 'z')
			up[i] -= 'a' - 'A';
	}
	for (i = 0; secret_words[i] != NULL; i++) {
		if (strstr(up, secret_words[i]) != NULL)
			yes = 1;
	}
	free(up);
	return (yes);
}

/* One line of a .env file: [export ]NAME=VALUE, VALUE maybe quoted. */
static void
secret_env_line(struct secrets *s, const char *file, char *line)
{
	char	*eq, *name, *value, *end, *label;
	size_t	 len;

	line += strspn(line, " \t");
	if (*line == '#' || *line == '\0')
		return;
	if (strncmp(line, "export ", 7) == 0)
		line += 7 + strspn(line + 7, " \t");
	if ((eq = strchr(line, '=')) == NULL || eq == line)
		return;
	name = line;
	len = eq - line;
	while (len > 0 && (name[len - 1] == ' ' || name[len - 1] == '\t'))
		len--;
	if (len == 0 || strcspn(name, " \t") < len)
		return;
	value = eq + 1;
	value += strspn(value, " \t");
	end = value + strlen(value);
	while (end > value && (end[-1] == ' ' || end[-1] == '\t' ||
	    end[-1] == '\r'))
		end--;
	*end = '\0';
	if ((*value == '"' || *value == '\'') && end - value >= 2 &&
	    end[-1] == *value) {
		end[-1] = '\0';
		value++;
	} else if ((end = strstr(value, " #")) != NULL) {
		*end = '\0';
		while (end > value && (end[-1] == ' ' || end[-1] == '\t'))
			*--end = '\0';
	}
	/* The label goes into results: only a tame name and file. */
	label = xasprintf("%s %.*s", secret_tame(file, strlen(file)) ? file :
	    ".env", secret_tame(name, len) ? (int)len : 5,
	    secret_tame(name, len) ? name : "value");
	secrets_add(s, label, value);
	free(label);
}

/* Whether the len bytes are letters, digits, '_', '.' and '-' only. */
static int
secret_tame(const char *s, size_t len)
{
	size_t	i;

	if (len == 0 || len > 64)
		return (0);
	for (i = 0; i < len; i++) {
		if (!((s[i] >= 'a' && s[i] <= 'z') || (s[i] >= 'A' &&
		    s[i] <= 'Z') || (s[i] >= '0' && s[i] <= '9') ||
		    s[i] == '_' || s[i] == '.' || s[i] == '-'))
			return (0);
	}
	return (1);
}

/* The KEY=VALUE lines of root/file (a regular file, capped). */
static void
secret_env_file(struct secrets *s, const char *root, const char *file)
{
	struct buf	 b;
	struct stat	 sb;
	char		*path, chunk[8192], *line, *nl;
	ssize_t		 n;
	int		 fd;

	path = xasprintf("%s/%s", root, file);
	fd = open(path, O_RDONLY|O_NONBLOCK|O_CLOEXEC|O_NOCTTY);
	free(path);
	if (fd == -1)
		return;
	if (fstat(fd, &sb) != 0 || !S_ISREG(sb.st_mode)) {
		close(fd);
		return;
	}
	buf_init(&b, SECRET_FILE_MAX);
	for (;;) {
		n = read(fd, chunk, sizeof chunk);
		if (n == -1 && errno == EINTR)
			continue;
		if (n <= 0 || buf_add(&b, chunk, n) != 0)
			break;
	}
	close(fd);
	for (line = b.buf; line != NULL && *line != '\0'; line = nl) {
		if ((nl = strchr(line, '\n')) != NULL)
			*nl++ = '\0';
		secret_env_line(s, file, line);
	}
	buf_release(&b);
}

/* qsort: longer values first, so a value inside another goes second. */
static int
secret_cmp(const void *a, const void *b)
{
	size_t	la = strlen(((const struct secret *)a)->value);
	size_t	lb = strlen(((const struct secret *)b)->value);

	return (la < lb ? 1 : la > lb ? -1 : 0);
}

void
secrets_collect(struct secrets *s, const struct config *cfg,
    const char *root)
{
	const struct provider_entry	*p;
	struct dirent			*de;
	DIR				*d;
	char				**e, *eq, *name;
	int				 nfiles = 0;

	memset(s, 0, sizeof *s);
	if (cfg != NULL && cfg->api_key != NULL) {
		p = cfg->provider != NULL ? provider_find(cfg->provider) : NULL;
		secrets_add(s, p != NULL ? p->key_env : "api_key",
		    cfg->api_key);
	}
	for (e = environ; e != NULL && *e != NULL; e++) {
		if ((eq = strchr(*e, '=')) == NULL ||
		    !secret_name_looks_secret(*e, eq - *e))
			continue;
		name = xstrndup(*e, eq - *e);
		if (!secret_kept(cfg, name))
			secrets_add(s, name, eq + 1);
		free(name);
	}
	if (root != NULL && (d = opendir(root)) != NULL) {
		while ((de = readdir(d)) != NULL && nfiles < SECRET_FILES_MAX) {
			if (strncmp(de->d_name, ".env", 4) != 0)
				continue;
			nfiles++;
			secret_env_file(s, root, de->d_name);
		}
		closedir(d);
	}
	if (s->n > 1)
		qsort(s->v, s->n, sizeof *s->v, secret_cmp);
}

size_t
secrets_redact(const struct secrets *s, struct buf *b)
{
	const struct secret_form	*f;
	struct buf			 out;
	const char			*p, *hit;
	size_t				 i, n = 0;
	int				 truncated = b->truncated;

	for (i = 0; i < s->nforms; i++) {
		f = &s->forms[i];
		if (b->len < f->len || memmem(b->buf, b->len, f->text,
		    f->len) == NULL)
			continue;
		buf_init(&out, 0);
		p = b->buf;
		while ((hit = memmem(p, b->len - (p - b->buf), f->text,
		    f->len)) != NULL) {
			buf_add(&out, p, hit - p);
			buf_addf(&out, "[redacted %s]", f->label);
			p = hit + f->len;
			n++;
		}
		buf_add(&out, p, b->len - (p - b->buf));
		out.max = b->max > 0 && out.len > b->max ? 0 : b->max;
		buf_release(b);
		*b = out;
		b->truncated = truncated;
	}
	return (n);
}
