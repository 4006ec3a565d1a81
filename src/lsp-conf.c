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
#include "lsp.h"
#include "options.h"
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
static void	lsp_conf_strv_free(char **, size_t);
static void	lsp_conf_strv_copy(const struct option_strv *, char ***,
		    size_t *);
static int	lsp_conf_server(const struct lsp_server_option *,
		    struct lsp_server_conf *, char **);

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

/* Replace *v with a copy of the option's list when it was given. */
static void
lsp_conf_strv_copy(const struct option_strv *sv, char ***v, size_t *n)
{
	size_t	i;

	if (sv->v == NULL)
		return;
	lsp_conf_strv_free(*v, *n);
	*v = xcalloc(sv->n + 1, sizeof **v);
	for (i = 0; i < sv->n; i++)
		(*v)[i] = xstrdup(sv->v[i]);
	*n = sv->n;
}

/* Lay the fields given in "lsp.servers" entry so over server conf c. */
static int
lsp_conf_server(const struct lsp_server_option *so,
    struct lsp_server_conf *c, char **cause)
{
	lsp_conf_strv_copy(&so->command, &c->argv, &c->argc);
	lsp_conf_strv_copy(&so->extensions, &c->extensions, &c->nextensions);
	lsp_conf_strv_copy(&so->root_markers, &c->markers, &c->nmarkers);
	if (so->initialization_options != NULL) {
		json_decref(c->init_options);
		c->init_options = json_incref(so->initialization_options);
	}
	if (so->settings != NULL) {
		json_decref(c->settings);
		c->settings = json_incref(so->settings);
	}
	if (so->disabled != -1)
		c->disabled = so->disabled;
	if (c->argc == 0) {
		*cause = xasprintf("lsp.servers.%s.command: empty", so->name);
		return (-1);
	}
	return (0);
}

int
lsp_conf_load(const struct config *cfg, struct lsp_server_conf **list,
    size_t *n, struct lsp_options *opts, char **cause)
{
	const struct lsp_builtin	*b;
	const struct options		*o = options_get(cfg);
	const struct lsp_server_option	*so;
	struct lsp_server_conf		*v = NULL, *c;
	size_t				 i, j, k, nv = 0, alloc = 0;
	json_error_t			 jerr;

	/* The "lsp.*" rows of options_table (options.c). */
	*opts = o->lsp;

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

	for (k = 0; k < o->nlsp_servers; k++) {
		so = &o->lsp_servers[k];
		c = NULL;
		for (i = 0; i < nv; i++) {
			if (strcmp(v[i].name, so->name) == 0)
				c = &v[i];
		}
		if (c == NULL) {
			if (so->command.v == NULL ||
			    so->extensions.v == NULL) {
				*cause = xasprintf("lsp.servers.%s: a new "
				    "server needs command and extensions",
				    so->name);
				goto fail;
			}
			ALLOC_GROW(v, nv + 1, alloc);
			c = &v[nv++];
			memset(c, 0, sizeof *c);
			c->name = xstrdup(so->name);
		}
		if (lsp_conf_server(so, c, cause) != 0)
			goto fail;
	}
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

int
lsp_conf_is_builtin(const char *name)
{
	size_t	i;

	for (i = 0; i < nitems(lsp_builtin_table); i++) {
		if (strcmp(lsp_builtin_table[i].name, name) == 0)
			return (1);
	}
	return (0);
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
