/*
 * lsp-conf.c: the language server table, its "lsp" configuration, and the
 * small conversions (URIs, columns, language ids) the client needs.
 */
#include <sys/stat.h>

#include <ctype.h>
#include <limits.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "agentos.h"
#include "banned.h"

#ifndef nitems
#define nitems(a) (sizeof (a) / sizeof (a)[0])
#endif

/*
 * The built-in servers.  Only binaries found on $PATH are started; nothing
 * is ever downloaded.  Extensions and markers are space-separated.
 */
struct lsp_builtin {
	const char	*name;
	const char	*argv[6];
	const char	*extensions;
	const char	*markers;
	const char	*init_options;	/* JSON text or NULL */
};

static const struct lsp_builtin lsp_builtin_table[] = {
	{ .name = "clangd",
	  .argv = { "clangd", "--log=error", NULL },
	  .extensions = "c h cc cpp cxx c++ hh hpp hxx h++ m mm",
	  .markers = "compile_commands.json compile_flags.txt .clangd" },
	{ .name = "pyright",
	  .argv = { "pyright-langserver", "--stdio", NULL },
	  .extensions = "py pyi",
	  .markers = "pyproject.toml setup.py setup.cfg pyrightconfig.json "
	      "requirements.txt Pipfile" },
	{ .name = "typescript-language-server",
	  .argv = { "typescript-language-server", "--stdio", NULL },
	  .extensions = "ts tsx js jsx mjs cjs mts cts",
	  .markers = "tsconfig.json jsconfig.json package.json" },
	{ .name = "gopls",
	  .argv = { "gopls", NULL },
	  .extensions = "go",
	  .markers = "go.work go.mod" },
	{ .name = "rust-analyzer",
	  .argv = { "rust-analyzer", NULL },
	  .extensions = "rs",
	  .markers = "Cargo.toml rust-project.json" },
	{ .name = "bash-language-server",
	  .argv = { "bash-language-server", "start", NULL },
	  .extensions = "sh bash",
	  .markers = "" },
	{ .name = "jdtls",
	  .argv = { "jdtls", NULL },
	  .extensions = "java",
	  .markers = "pom.xml build.gradle build.gradle.kts settings.gradle "
	      ".project" },
	{ .name = "lua-language-server",
	  .argv = { "lua-language-server", NULL },
	  .extensions = "lua",
	  .markers = ".luarc.json .luarc.jsonc" },
};

/* Extension to LSP languageId (specification: "Text Document Item"). */
static const struct {
	const char	*ext;
	const char	*id;
} lsp_language_table[] = {
	{ "c", "c" }, { "h", "c" },
	{ "cc", "cpp" }, { "cpp", "cpp" }, { "cxx", "cpp" }, { "c++", "cpp" },
	{ "hh", "cpp" }, { "hpp", "cpp" }, { "hxx", "cpp" }, { "h++", "cpp" },
	{ "m", "objective-c" }, { "mm", "objective-cpp" },
	{ "py", "python" }, { "pyi", "python" },
	{ "ts", "typescript" }, { "mts", "typescript" },
	{ "cts", "typescript" }, { "tsx", "typescriptreact" },
	{ "js", "javascript" }, { "mjs", "javascript" },
	{ "cjs", "javascript" }, { "jsx", "javascriptreact" },
	{ "go", "go" }, { "rs", "rust" }, { "java", "java" },
	{ "sh", "shellscript" }, { "bash", "shellscript" },
	{ "lua", "lua" }, { "rb", "ruby" }, { "zig", "zig" },
};

static void	lsp_conf_words(const char *, char ***, size_t *);
static int	lsp_conf_strings(json_t *, const char *, const char *,
		    char ***, size_t *, char **);
static void	lsp_conf_strv_free(char **, size_t);
static int	lsp_conf_server(json_t *, const char *,
		    struct lsp_server_conf *, char **);
static int	lsp_conf_uint(json_t *, const char *, unsigned int *,
		    char **);

/* Split space-separated words into an allocated vector. */
static void
lsp_conf_words(const char *s, char ***v, size_t *n)
{
	const char	*p = s, *e;
	size_t		 alloc = 0;

	*v = NULL;
	*n = 0;
	while (*p != '\0') {
		while (*p == ' ')
			p++;
		if (*p == '\0')
			break;
		for (e = p; *e != '\0' && *e != ' '; e++)
			;
		ALLOC_GROW(*v, *n + 1, alloc);
		(*v)[(*n)++] = xstrndup(p, e - p);
		p = e;
	}
}

/* Free a string vector. */
static void
lsp_conf_strv_free(char **v, size_t n)
{
	size_t	i;

	for (i = 0; i < n; i++)
		free(v[i]);
	free(v);
}

/* Read key of o, an array of strings, into *v (replacing it). */
static int
lsp_conf_strings(json_t *o, const char *server, const char *key, char ***v,
    size_t *n, char **cause)
{
	json_t	*a = json_object_get(o, key), *e;
	size_t	 i, alloc = 0, nn = 0;
	char	**nv = NULL;

	if (a == NULL)
		return (0);
	if (!json_is_array(a)) {
		*cause = xasprintf("lsp.servers.%s.%s: not an array of "
		    "strings", server, key);
		return (-1);
	}
	json_array_foreach(a, i, e) {
		if (!json_is_string(e)) {
			lsp_conf_strv_free(nv, nn);
			*cause = xasprintf("lsp.servers.%s.%s: not an array "
			    "of strings", server, key);
			return (-1);
		}
		ALLOC_GROW(nv, nn + 1, alloc);
		nv[nn++] = xstrdup(json_string_value(e));
	}
	lsp_conf_strv_free(*v, *n);
	*v = nv;
	*n = nn;
	return (0);
}

/* Apply the JSON object o to server conf c. */
static int
lsp_conf_server(json_t *o, const char *name, struct lsp_server_conf *c,
    char **cause)
{
	json_t	*v;

	if (!json_is_object(o)) {
		*cause = xasprintf("lsp.servers.%s: not an object", name);
		return (-1);
	}
	if (lsp_conf_strings(o, name, "command", &c->argv, &c->argc,
	    cause) != 0 ||
	    lsp_conf_strings(o, name, "extensions", &c->extensions,
	    &c->nextensions, cause) != 0 ||
	    lsp_conf_strings(o, name, "root_markers", &c->markers,
	    &c->nmarkers, cause) != 0)
		return (-1);
	if ((v = json_object_get(o, "initialization_options")) != NULL) {
		json_decref(c->init_options);
		c->init_options = json_incref(v);
	}
	if ((v = json_object_get(o, "settings")) != NULL) {
		json_decref(c->settings);
		c->settings = json_incref(v);
	}
	if ((v = json_object_get(o, "disabled")) != NULL) {
		if (!json_is_boolean(v)) {
			*cause = xasprintf("lsp.servers.%s.disabled: not a "
			    "boolean", name);
			return (-1);
		}
		c->disabled = json_is_true(v);
	}
	return (0);
}

/* Read an unsigned option of the "lsp" object. */
static int
lsp_conf_uint(json_t *o, const char *key, unsigned int *out, char **cause)
{
	json_t	*v = json_object_get(o, key);

	if (v == NULL)
		return (0);
	if (!json_is_integer(v) || json_integer_value(v) < 0 ||
	    json_integer_value(v) > INT_MAX) {
		*cause = xasprintf("lsp.%s: not a non-negative integer", key);
		return (-1);
	}
	*out = (unsigned int)json_integer_value(v);
	return (0);
}

int
lsp_conf_load(const struct config *cfg, struct lsp_server_conf **list,
    size_t *n, struct lsp_options *opts, char **cause)
{
	const struct lsp_builtin	*b;
	struct lsp_server_conf		*v = NULL, *c;
	size_t				 i, j, nv = 0, alloc = 0;
	json_t				*lsp = NULL, *servers, *o, *e;
	const char			*key;
	unsigned int			 u;
	json_error_t			 jerr;

	memset(opts, 0, sizeof *opts);
	opts->enabled = 1;
	opts->diagnostics_timeout_ms = 4000;
	opts->diagnostics_settle_ms = 300;
	opts->request_timeout_ms = 10000;
	opts->init_timeout_ms = 30000;
	opts->shutdown_grace_ms = 1000;
	opts->max_diagnostics = 20;
	opts->max_restarts = 3;
	opts->max_message = 16 * 1024 * 1024;
	opts->max_queued = 16 * 1024 * 1024;

	for (i = 0; i < nitems(lsp_builtin_table); i++) {
		b = &lsp_builtin_table[i];
		ALLOC_GROW(v, nv + 1, alloc);
		c = &v[nv++];
		memset(c, 0, sizeof *c);
		c->name = xstrdup(b->name);
		for (j = 0; b->argv[j] != NULL; j++)
			;
		c->argc = j;
		c->argv = xcalloc(j + 1, sizeof *c->argv);
		for (j = 0; b->argv[j] != NULL; j++)
			c->argv[j] = xstrdup(b->argv[j]);
		lsp_conf_words(b->extensions, &c->extensions,
		    &c->nextensions);
		lsp_conf_words(b->markers, &c->markers, &c->nmarkers);
		if (b->init_options != NULL)
			c->init_options = json_loads(b->init_options, 0, &jerr);
	}

	if (cfg != NULL && cfg->raw != NULL)
		lsp = json_object_get(cfg->raw, "lsp");
	if (lsp == NULL)
		goto done;
	if (json_is_boolean(lsp)) {
		opts->enabled = json_is_true(lsp);
		goto done;
	}
	if (!json_is_object(lsp)) {
		*cause = xasprintf("lsp: not an object");
		goto fail;
	}
	if ((e = json_object_get(lsp, "enabled")) != NULL) {
		if (!json_is_boolean(e)) {
			*cause = xasprintf("lsp.enabled: not a boolean");
			goto fail;
		}
		opts->enabled = json_is_true(e);
	}
	if (lsp_conf_uint(lsp, "diagnostics_timeout_ms",
	    &opts->diagnostics_timeout_ms, cause) != 0 ||
	    lsp_conf_uint(lsp, "diagnostics_settle_ms",
	    &opts->diagnostics_settle_ms, cause) != 0 ||
	    lsp_conf_uint(lsp, "request_timeout_ms",
	    &opts->request_timeout_ms, cause) != 0 ||
	    lsp_conf_uint(lsp, "init_timeout_ms", &opts->init_timeout_ms,
	    cause) != 0 ||
	    lsp_conf_uint(lsp, "shutdown_grace_ms", &opts->shutdown_grace_ms,
	    cause) != 0)
		goto fail;
	u = (unsigned int)opts->max_diagnostics;
	if (lsp_conf_uint(lsp, "max_diagnostics", &u, cause) != 0)
		goto fail;
	opts->max_diagnostics = (int)u;
	u = (unsigned int)opts->max_restarts;
	if (lsp_conf_uint(lsp, "max_restarts", &u, cause) != 0)
		goto fail;
	opts->max_restarts = (int)u;
	u = (unsigned int)(opts->max_message >> 10);
	if (lsp_conf_uint(lsp, "max_message_kib", &u, cause) != 0)
		goto fail;
	opts->max_message = (size_t)u << 10;

	servers = json_object_get(lsp, "servers");
	if (servers == NULL)
		goto done;
	if (!json_is_object(servers)) {
		*cause = xasprintf("lsp.servers: not an object");
		goto fail;
	}
	json_object_foreach(servers, key, o) {
		c = NULL;
		for (i = 0; i < nv; i++) {
			if (strcmp(v[i].name, key) == 0)
				c = &v[i];
		}
		if (c == NULL) {
			if (json_object_get(o, "command") == NULL ||
			    json_object_get(o, "extensions") == NULL) {
				*cause = xasprintf("lsp.servers.%s: a new "
				    "server needs command and extensions",
				    key);
				goto fail;
			}
			ALLOC_GROW(v, nv + 1, alloc);
			c = &v[nv++];
			memset(c, 0, sizeof *c);
			c->name = xstrdup(key);
		}
		if (lsp_conf_server(o, key, c, cause) != 0)
			goto fail;
		if (c->argc == 0) {
			*cause = xasprintf("lsp.servers.%s.command: empty",
			    key);
			goto fail;
		}
		/* Keep argv NULL-terminated for execvp(). */
		c->argv = xreallocarray(c->argv, c->argc + 1,
		    sizeof *c->argv);
		c->argv[c->argc] = NULL;
	}
done:
	*list = v;
	*n = nv;
	return (0);
fail:
	lsp_conf_release(v, nv);
	*list = NULL;
	*n = 0;
	return (-1);
}

void
lsp_conf_release(struct lsp_server_conf *list, size_t n)
{
	size_t	i;

	for (i = 0; i < n; i++) {
		free(list[i].name);
		lsp_conf_strv_free(list[i].argv, list[i].argc);
		lsp_conf_strv_free(list[i].extensions, list[i].nextensions);
		lsp_conf_strv_free(list[i].markers, list[i].nmarkers);
		json_decref(list[i].init_options);
		json_decref(list[i].settings);
	}
	free(list);
}

char *
lsp_which(const char *name)
{
	const char	*path, *p, *e;
	char		*try;
	struct stat	 sb;

	if (name == NULL || *name == '\0')
		return (NULL);
	if (strchr(name, '/') != NULL) {
		if (access(name, X_OK) == 0 && stat(name, &sb) == 0 &&
		    S_ISREG(sb.st_mode))
			return (xstrdup(name));
		return (NULL);
	}
	if ((path = getenv("PATH")) == NULL)
		path = "/usr/local/bin:/usr/bin:/bin";
	for (p = path;; p = e + 1) {
		e = strchr(p, ':');
		if (e == NULL)
			e = p + strlen(p);
		if (e == p)
			try = xasprintf("./%s", name);
		else
			try = xasprintf("%.*s/%s", (int)(e - p), p, name);
		if (access(try, X_OK) == 0 && stat(try, &sb) == 0 &&
		    S_ISREG(sb.st_mode))
			return (try);
		free(try);
		if (*e == '\0')
			break;
	}
	return (NULL);
}

const char *
lsp_language_id(const char *path)
{
	const char	*dot, *slash;
	size_t		 i;

	dot = strrchr(path, '.');
	slash = strrchr(path, '/');
	if (dot == NULL || (slash != NULL && dot < slash))
		return ("plaintext");
	for (i = 0; i < nitems(lsp_language_table); i++) {
		if (strcasecmp(dot + 1, lsp_language_table[i].ext) == 0)
			return (lsp_language_table[i].id);
	}
	return ("plaintext");
}

char *
lsp_uri_from_path(const char *path)
{
	struct buf		 b = BUF_INIT;
	const unsigned char	*p;

	buf_adds(&b, "file://");
	for (p = (const unsigned char *)path; *p != '\0'; p++) {
		if (isalnum(*p) || strchr("/-._~!$&'()*+,;=:@", *p) != NULL)
			buf_addch(&b, *p);
		else
			buf_addf(&b, "%%%02X", *p);
	}
	return (buf_detach(&b, NULL));
}

char *
lsp_path_from_uri(const char *uri)
{
	struct buf	 b = BUF_INIT;
	const char	*p;
	int		 hi, lo;

	if (strncmp(uri, "file://", 7) != 0)
		return (NULL);
	p = uri + 7;
	/* "file://localhost/x" names the local host too (RFC 8089). */
	if (strncmp(p, "localhost/", 10) == 0)
		p += 9;
	if (*p != '/')
		return (NULL);
	for (; *p != '\0'; p++) {
		if (*p == '%' && isxdigit((unsigned char)p[1]) &&
		    isxdigit((unsigned char)p[2])) {
			hi = isdigit((unsigned char)p[1]) ? p[1] - '0' :
			    (tolower((unsigned char)p[1]) - 'a' + 10);
			lo = isdigit((unsigned char)p[2]) ? p[2] - '0' :
			    (tolower((unsigned char)p[2]) - 'a' + 10);
			if (hi * 16 + lo == 0)
				break;
			buf_addch(&b, hi * 16 + lo);
			p += 2;
		} else if (*p == '?' || *p == '#')
			break;
		else
			buf_addch(&b, *p);
	}
	return (buf_detach(&b, NULL));
}

/* The length in bytes of the UTF-8 sequence starting with byte c. */
static size_t
lsp_utf8_len(unsigned char c)
{
	if (c < 0x80)
		return (1);
	if ((c & 0xe0) == 0xc0)
		return (2);
	if ((c & 0xf0) == 0xe0)
		return (3);
	if ((c & 0xf8) == 0xf0)
		return (4);
	return (1);		/* invalid: count the byte alone */
}

unsigned int
lsp_col_to_server(const char *line, size_t len, size_t col, int utf8)
{
	size_t		i = 0, l;
	unsigned int	ch = 0;

	if (utf8)
		return ((unsigned int)(col < len ? col : len));
	while (i < col && i < len && line[i] != '\n') {
		l = lsp_utf8_len((unsigned char)line[i]);
		ch += (l == 4) ? 2 : 1;	/* surrogate pair in UTF-16 */
		i += l;
	}
	return (ch);
}

size_t
lsp_col_from_server(const char *line, size_t len, unsigned int ch, int utf8)
{
	size_t		i = 0, l;
	unsigned int	n = 0;

	if (utf8)
		return (ch < len ? ch : len);
	while (n < ch && i < len && line[i] != '\n' && line[i] != '\r') {
		l = lsp_utf8_len((unsigned char)line[i]);
		n += (l == 4) ? 2 : 1;
		i += l;
	}
	return (i > len ? len : i);
}
