/*
 * mcp.c: the MCP client: configuration, servers and their state machine,
 * the stdio transport through proc.c, the lifecycle and the tool lists
 * (spec: mcp.h).
 */
#include <sys/types.h>
#include <sys/wait.h>

#include <ctype.h>
#include <stdarg.h>
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <event2/event.h>

#include "agentos.h"
#include "jsonrpc.h"
#include "mcp.h"
#include "mcp-http.h"
#include "mcp-oauth.h"
#include "options.h"
#include "proc.h"
#include "sandbox.h"
#include "banned.h"

extern char **environ;

/* The provider key variables, whatever they are named. */
static const char *const mcp_drop_env[] = {
	"ANTHROPIC_API_KEY", "OPENAI_API_KEY", NULL
};

#define MCP_ERRTAIL		4096	/* bytes of stderr kept */
#define MCP_MAX_MESSAGE		(32 * 1024 * 1024)
#define MCP_MAX_QUEUED		(16 * 1024 * 1024)
#define MCP_MAX_PAGES		100	/* tools/list pages per listing */
#define MCP_MAX_TOOLS		4096	/* per server */
#define MCP_GUARD_GRACE_MS	1000
#define MCP_MAX_LOGS		1000	/* log messages per connection */
#define MCP_START_DELAY_MS	50	/* spawn after the first frame */

struct mcp_server {
	struct mcp_manager	*m;
	struct mcp_server_conf	*conf;		/* in m->conf */
	enum mcp_state		 state;
	char			*reason;	/* why failed or not ready */
	struct proc		*proc;
	struct jsonrpc		*rpc;
	int			 err_fd;
	struct event		*ev_err;
	char			 errtail[MCP_ERRTAIL];
	size_t			 errlen;
	json_int_t		 init_id;	/* never cancelled (Lifecycle) */
	struct jsonrpc_call	*init_call;
	struct jsonrpc_call	*list_call;
	json_t			*listing;	/* pages so far */
	int			 pages;
	int			 relist;	/* list_changed while listing */
	struct mcp_tool		**tools;
	size_t			 ntools, atools;
	json_t			*prompts;	/* prompts/list, all pages */
	json_t			*prompt_pages;	/* the listing under way */
	struct jsonrpc_call	*prompt_call;
	int			 has_prompts;
	int			 has_completions; /* capabilities.completions */
	int			 has_logging;	/* capabilities.logging */
	int			 has_resources;	/* capabilities.resources */
	json_t			*res[2];	/* resources/list and
						   resources/templates/list,
						   all pages */
	json_t			*res_pages[2];	/* the listing under way */
	struct jsonrpc_call	*res_call[2];
	char			*version;	/* negotiated */
	char			*info;		/* serverInfo name version */
	char			*instructions;
	char			*cancel_reason;
	int			 dying;		/* failing: add stderr */
	unsigned int		 logs;		/* log messages recorded */
	char			*closed_why;	/* the pipe closed: why */
	char			*login_url;	/* OAuth waits for the user */
	int			 open_login;	/* the user asked: browse */
	struct loop_timer	*close_timer;	/* waiting for the exit */
};

struct mcp_manager {
	char			*root;
	const struct config	*cfg;
	struct mcp_conf		 conf;
	struct mcp_server	**v;
	size_t			 n;
	struct mcp_tool		**retired;	/* tools a call may still hold */
	size_t			 nretired, aretired;
	unsigned int		 generation;
	void			(*cb)(void *);
	void			*cb_arg;
	void			(*ev_cb)(void *, json_t *);
	void			*ev_arg;
	void			(*wait_cb)(void *);
	void			*wait_arg;
	struct loop_timer	*wait_timer;
	struct loop_timer	*wait_fire;
	struct jsonrpc_options	 rpc_opts;
	struct jsonrpc_stats	 stats;		/* of every connection */
	struct loop_timer	*start_timer;	/* spawns after the first
						   screen */
	struct mcp_fetch	*fetch;		/* @SERVER:URI reads */
	struct mcp_complete	*comp;		/* a completion/complete */
	void			(*el_cb)(void *, struct mcp_elicit *);
	void			*el_arg;
	struct mcp_elicit	**elicits;	/* asked, not answered */
	size_t			 nelicits, aelicits;
};

/* A completion/complete in flight (one at a time, m->comp). */
struct mcp_complete {
	struct mcp_manager	*m;
	struct mcp_server	*srv;
	struct jsonrpc_call	*call;
	char			*line;		/* as typed */
	size_t			 start;		/* of the value in line */
	int			 last;		/* the last argument */
	void			(*cb)(void *, const char *, const char *,
				    const char *);
	void			*arg;
};

/* An elicitation/create waiting for its answer (mcp.h). */
struct mcp_elicit {
	struct mcp_manager	*m;		/* NULL: freed */
	struct mcp_server	*srv;		/* NULL: disconnected */
	json_t			*id;
	char			*server;
	char			*message;
	char			*url;		/* URL mode */
	json_t			*schema;	/* form mode */
};

static void	mcp_server_start(struct mcp_server *);
static void	mcp_server_stop(struct mcp_server *);
static void	mcp_server_fail(struct mcp_server *, const char *, ...)
		    __attribute__((format(printf, 2, 3)));
static void	mcp_changed(struct mcp_manager *);
static void	mcp_rpc_request(struct jsonrpc *, const char *, json_t *,
		    json_t *, void *);
static void	mcp_rpc_notification(struct jsonrpc *, const char *,
		    json_t *, void *);
static void	mcp_rpc_cancelled(struct jsonrpc *, json_int_t, void *);
static void	mcp_rpc_closed(struct jsonrpc *, const char *, void *);
static void	mcp_initialize_done(void *, json_t *, json_t *);
static void	mcp_list(struct mcp_server *, const char *);
static void	mcp_list_done(void *, json_t *, json_t *);
static void	mcp_err_cb(evutil_socket_t, short, void *);
static void	mcp_proc_exited(struct proc *, int, void *);
static void	mcp_wait_check(struct mcp_manager *);
static void	mcp_server_closing(struct mcp_server *, const char *);
static void	mcp_log_message(struct mcp_server *, json_t *);
static void	mcp_start_all(void *);
static void	mcp_prompts_gone(struct mcp_server *);
static void	mcp_prompts_forget(struct mcp_manager *);
static void	mcp_event(struct mcp_manager *, json_t *);
static void	mcp_prompts_list(struct mcp_server *, const char *);
static void	mcp_res_list(struct mcp_server *, int, const char *);
static void	mcp_elicit_request(struct mcp_server *, json_t *, json_t *);
static void	mcp_elicit_detach(struct mcp_manager *, struct mcp_server *);
static void	mcp_login_url_cb(void *, const char *);

static const struct jsonrpc_handlers mcp_rpc_handlers = {
	.request = mcp_rpc_request,
	.notification = mcp_rpc_notification,
	.cancelled = mcp_rpc_cancelled,
	.closed = mcp_rpc_closed,
};

/* Versions we speak (Lifecycle, "Version Negotiation"), newest first. */
static const char *const mcp_versions[] = {
	MCP_PROTOCOL_VERSION, "2025-06-18", "2025-03-26", NULL
};

static const char *const mcp_state_names[] = {
	[MCP_STARTING] = "starting",
	[MCP_READY] = "ready",
	[MCP_FAILED] = "failed",
	[MCP_DISABLED] = "disabled",
	[MCP_UNTRUSTED] = "not trusted",
};

const char *
mcp_state_name(enum mcp_state st)
{
	return (mcp_state_names[st]);
}

/* ------------------------------------------------------------------------ */
/* Configuration */

void
mcp_conf_init(struct mcp_conf *c)
{
	memset(c, 0, sizeof *c);
}

/* Free a NULL-terminated vector of n strings. */
static void
mcp_strv_free(char **v, size_t n)
{
	size_t	i;

	for (i = 0; i < n; i++)
		free(v[i]);
	free(v);
}

static void
mcp_server_conf_release(struct mcp_server_conf *s)
{
	free(s->name);
	free(s->where);
	free(s->type);
	free(s->command);
	mcp_strv_free(s->args, s->nargs);
	mcp_strv_free(s->env, s->nenv);
	free(s->url);
	mcp_strv_free(s->headers, s->nheaders);
	mcp_oauth_conf_free(s->oauth);
	free(s->error);
	memset(s, 0, sizeof *s);
}

void
mcp_conf_release(struct mcp_conf *c)
{
	size_t	i;

	for (i = 0; i < c->n; i++)
		mcp_server_conf_release(&c->v[i]);
	free(c->v);
	mcp_strv_free(c->problems, c->nproblems);
	mcp_conf_init(c);
}

/* The server part of its tools' names (mcp_tool_name()); caller frees. */
static char *
mcp_server_mangled(const char *name)
{
	char	*m = xstrdup(name), *p;

	for (p = m; *p != '\0'; p++) {
		if (!isalnum((unsigned char)*p) && *p != '_' && *p != '-')
			*p = '_';
	}
	return (m);
}

/* Add a problem "where: server name: why". */
static void
mcp_conf_problem(struct mcp_conf *c, const char *where, const char *name,
    const char *why)
{
	ALLOC_GROW(c->problems, c->nproblems + 1, c->aproblems);
	if (name != NULL)
		c->problems[c->nproblems++] = xasprintf("%s: MCP server %s: %s",
		    where, name, why);
	else
		c->problems[c->nproblems++] = xasprintf("%s: %s", where, why);
}

char *
mcp_expand(const char *s, char **cause)
{
	struct buf	 b = BUF_INIT;
	const char	*p, *end, *colon, *v;
	char		*name;
	size_t		 nlen;

	for (p = s; *p != '\0'; p++) {
		if (p[0] != '$' || p[1] != '{') {
			buf_addch(&b, *p);
			continue;
		}
		if ((end = strchr(p + 2, '}')) == NULL) {
			*cause = xasprintf("\"${\" without \"}\" in \"%s\"", s);
			buf_release(&b);
			return (NULL);
		}
		colon = memchr(p + 2, ':', end - (p + 2));
		if (colon != NULL && colon[1] != '-')
			colon = NULL;
		nlen = (colon != NULL ? colon : end) - (p + 2);
		name = xmalloc(nlen + 1);
		memcpy(name, p + 2, nlen);
		name[nlen] = '\0';
		v = nlen > 0 ? getenv(name) : NULL;
		if (v != NULL && (colon == NULL || *v != '\0'))
			buf_adds(&b, v);
		else if (colon != NULL)
			buf_add(&b, colon + 2, end - (colon + 2));
		else {
			*cause = xasprintf("${%s} is not set and has no "
			    "default (write ${%s:-default})", name, name);
			free(name);
			buf_release(&b);
			return (NULL);
		}
		free(name);
		p = end;
	}
	return (buf_detach(&b, NULL));
}

/* Append the expansion of s to the vector; on failure set *err once. */
static void
mcp_conf_push(char ***v, size_t *n, const char *s, char **err)
{
	char	*x, *cause = NULL;

	if ((x = mcp_expand(s, &cause)) == NULL) {
		if (*err == NULL)
			*err = cause;
		else
			free(cause);
		x = xstrdup(s);
	}
	*v = xreallocarray(*v, *n + 2, sizeof **v);
	(*v)[(*n)++] = x;
	(*v)[*n] = NULL;
}

/* One entry of mcpServers into s; -1 with *why when it is unusable. */
static int
mcp_conf_entry(struct mcp_server_conf *s, json_t *e, char **why)
{
	const char	*type, *key, *str;
	json_t		*v, *it;
	size_t		 i;
	char		*hdr, *err = NULL;

	if (!json_is_object(e)) {
		*why = xstrdup("not an object");
		return (-1);
	}
	type = conv_json_str(e, "type");
	if (type == NULL)
		type = json_object_get(e, "url") != NULL &&
		    json_object_get(e, "command") == NULL ? "http" : "stdio";
	if (strcmp(type, "stdio") != 0 && strcmp(type, "http") != 0 &&
	    strcmp(type, "sse") != 0 && strcmp(type, "streamable-http") != 0) {
		*why = xasprintf("unknown type \"%s\" (stdio, http or sse)",
		    type);
		return (-1);
	}
	s->type = xstrdup(type);
	s->http = strcmp(type, "stdio") != 0;
	if (!s->http) {
		if ((str = conv_json_str(e, "command")) == NULL ||
		    *str == '\0') {
			*why = xstrdup("\"command\" must be a non-empty "
			    "string");
			return (-1);
		}
		if ((s->command = mcp_expand(str, &err)) == NULL)
			s->command = xstrdup(str);
		v = json_object_get(e, "args");
		if (v != NULL && !json_is_array(v)) {
			*why = xstrdup("\"args\" must be an array of strings");
			free(err);
			return (-1);
		}
		for (i = 0; i < json_array_size(v); i++) {
			if ((str = json_string_value(json_array_get(v,
			    i))) == NULL) {
				*why = xasprintf("\"args\"[%zu] is not a "
				    "string", i);
				free(err);
				return (-1);
			}
			mcp_conf_push(&s->args, &s->nargs, str, &err);
		}
	} else {
		if ((str = conv_json_str(e, "url")) == NULL || *str == '\0') {
			*why = xstrdup("\"url\" must be a non-empty string");
			return (-1);
		}
		if ((s->url = mcp_expand(str, &err)) == NULL)
			s->url = xstrdup(str);
	}
	v = json_object_get(e, "env");
	if (v != NULL && !json_is_object(v)) {
		*why = xstrdup("\"env\" must be an object of strings");
		free(err);
		return (-1);
	}
	json_object_foreach(v, key, it) {
		if ((str = json_string_value(it)) == NULL || *key == '\0' ||
		    strchr(key, '=') != NULL) {
			*why = xasprintf("\"env\".%s is not a string", key);
			free(err);
			return (-1);
		}
		hdr = xasprintf("%s=%s", key, str);
		mcp_conf_push(&s->env, &s->nenv, hdr, &err);
		free(hdr);
	}
	v = json_object_get(e, "headers");
	if (v != NULL && !json_is_object(v)) {
		*why = xstrdup("\"headers\" must be an object of strings");
		free(err);
		return (-1);
	}
	json_object_foreach(v, key, it) {
		if ((str = json_string_value(it)) == NULL ||
		    strpbrk(key, ": \r\n") != NULL ||
		    strpbrk(str, "\r\n") != NULL) {
			*why = xasprintf("\"headers\".%s is not a one-line "
			    "string", key);
			free(err);
			return (-1);
		}
		hdr = xasprintf("%s: %s", key, str);
		mcp_conf_push(&s->headers, &s->nheaders, hdr, &err);
		free(hdr);
	}
	/* OAuth (mcp-oauth.h): a pre-registered client, scopes. */
	if (mcp_oauth_conf_parse(json_object_get(e, "oauth"), &s->oauth,
	    why) != 0) {
		free(err);
		return (-1);
	}
	s->error = err;
	return (0);
}

void
mcp_conf_add(struct mcp_conf *c, json_t *servers, const char *where,
    int project)
{
	struct mcp_server_conf	 s;
	const char		*name;
	json_t			*e;
	char			*why, *mangled, *other;
	size_t			 i, j;
	int			 clash;

	if (servers == NULL || json_is_null(servers))
		return;
	if (!json_is_object(servers)) {
		mcp_conf_problem(c, where, NULL, "MCP servers: not an object "
		    "of NAME to {command, args, env} or {type, url}");
		return;
	}
	json_object_foreach(servers, name, e) {
		memset(&s, 0, sizeof s);
		why = NULL;
		if (*name == '\0') {
			mcp_conf_problem(c, where, "\"\"", "empty name");
			continue;
		}
		if (mcp_conf_entry(&s, e, &why) != 0) {
			mcp_conf_problem(c, where, name, why);
			free(why);
			mcp_server_conf_release(&s);
			continue;
		}
		if (s.error != NULL)
			mcp_conf_problem(c, where, name, s.error);
		s.name = xstrdup(name);
		s.where = xstrdup(where);
		s.project = project;
		for (i = 0; i < c->n; i++) {
			if (strcmp(c->v[i].name, name) == 0)
				break;
		}
		if (i < c->n) {
			mcp_server_conf_release(&c->v[i]);
			c->v[i] = s;
			continue;
		}
		/*
		 * Another name that mangles the same ("a.b" and "a_b" both
		 * give mcp__a_b__*): the second is refused, never shadows.
		 */
		mangled = mcp_server_mangled(name);
		for (j = 0; j < c->n; j++) {
			other = mcp_server_mangled(c->v[j].name);
			clash = strcmp(other, mangled) == 0;
			free(other);
			if (clash)
				break;
		}
		if (j < c->n) {
			why = xasprintf("its tools would be named as those of "
			    "server \"%s\" (%s: mcp__%s__*); rename one",
			    c->v[j].name, c->v[j].where, mangled);
			mcp_conf_problem(c, where, name, why);
			free(why);
			free(mangled);
			mcp_server_conf_release(&s);
			continue;
		}
		free(mangled);
		ALLOC_GROW(c->v, c->n + 1, c->alloc);
		c->v[c->n++] = s;
	}
}

/*
 * The JSON object in the file at path, or NULL (a problem when it exists
 * but cannot be parsed).
 */
static json_t *
mcp_conf_file(struct mcp_conf *c, const char *path)
{
	json_error_t	 err;
	json_t		*j;
	char		*why;

	if (access(path, F_OK) != 0)
		return (NULL);
	j = json_load_file(path, 0, &err);
	if (j == NULL) {
		why = xasprintf("line %d: %s", err.line, err.text);
		mcp_conf_problem(c, path, NULL, why);
		free(why);
		return (NULL);
	}
	if (!json_is_object(j)) {
		mcp_conf_problem(c, path, NULL, "not a JSON object");
		json_decref(j);
		return (NULL);
	}
	return (j);
}

/* The mcp.servers of a config.json: flat "mcp.servers" or nested. */
static json_t *
mcp_conf_servers(json_t *j)
{
	json_t	*v;

	if ((v = json_object_get(j, "mcp.servers")) != NULL)
		return (v);
	return (json_object_get(json_object_get(j, "mcp"), "servers"));
}

/*
 * Each file is read here rather than through the option's one value,
 * because the option's JSON value is replaced by a later file while the
 * servers of both files count, and each server must remember whether the
 * repository brought it (folder trust).
 */
void
mcp_conf_load(struct mcp_conf *c, const struct config *cfg,
    const char *root)
{
	const struct options		*o = options_get(cfg);
	const struct option_source	*src;
	json_t				*j;
	char				*path;

	if ((path = config_user_path()) != NULL) {
		if ((j = mcp_conf_file(c, path)) != NULL)
			mcp_conf_add(c, mcp_conf_servers(j), path, 0);
		json_decref(j);
		free(path);
	}
	if (root != NULL) {
		path = xasprintf("%s/.agentos/config.json", root);
		if ((j = mcp_conf_file(c, path)) != NULL)
			mcp_conf_add(c, mcp_conf_servers(j), path, 1);
		json_decref(j);
		free(path);
	}
	/* Set some other way (the command line, a test): the user's. */
	src = cfg != NULL ? options_source(cfg, "mcp.servers") : NULL;
	if (o->mcp.servers != NULL && (src == NULL ||
	    (src->origin != OPTION_USER && src->origin != OPTION_PROJECT)))
		mcp_conf_add(c, o->mcp.servers, "mcp.servers", 0);
	if (root == NULL)
		return;
	path = xasprintf("%s/.mcp.json", root);
	if ((j = mcp_conf_file(c, path)) != NULL)
		mcp_conf_add(c, json_object_get(j, "mcpServers"), path, 1);
	json_decref(j);
	free(path);
}

char *
mcp_tool_name(const char *server, const char *tool)
{
	struct buf	 b = BUF_INIT;
	const char	*parts[2] = { server, tool };
	size_t		 i;
	const char	*p;

	buf_adds(&b, "mcp__");
	for (i = 0; i < 2; i++) {
		if (i == 1)
			buf_adds(&b, "__");
		for (p = parts[i]; *p != '\0'; p++) {
			if (isalnum((unsigned char)*p) || *p == '_' ||
			    *p == '-')
				buf_addch(&b, *p);
			else
				buf_addch(&b, '_');
		}
	}
	if (b.len > MCP_NAME_MAX)
		buf_setlen(&b, MCP_NAME_MAX);
	return (buf_detach(&b, NULL));
}

/* The size of base64 text s once decoded (bytes). */
static size_t
mcp_b64_size(const char *s)
{
	size_t	n = strlen(s), pad = 0;

	while (n > 0 && (s[n - 1] == '=' || isspace((unsigned char)s[n - 1]))) {
		if (s[n - 1] == '=')
			pad++;
		n--;
	}
	n += pad;
	return (n / 4 * 3 - (pad > 2 ? 2 : pad));
}

void
mcp_result_text(json_t *result, struct buf *out, int *is_error)
{
	json_t		*content, *c, *r, *sc;
	const char	*type, *s, *uri, *mime;
	size_t		 i, start = out->len;
	char		*js;

	*is_error = json_is_true(json_object_get(result, "isError"));
	content = json_object_get(result, "content");
	json_array_foreach(content, i, c) {
		if ((type = conv_json_str(c, "type")) == NULL)
			continue;
		if (out->len > start)
			buf_addch(out, '\n');
		mime = conv_json_str(c, "mimeType");
		if (strcmp(type, "text") == 0) {
			if ((s = conv_json_str(c, "text")) != NULL)
				buf_adds(out, s);
		} else if (strcmp(type, "image") == 0 ||
		    strcmp(type, "audio") == 0) {
			s = conv_json_str(c, "data");
			buf_addf(out, "[%s, %zu bytes]", mime != NULL ? mime :
			    type, s != NULL ? mcp_b64_size(s) : (size_t)0);
		} else if (strcmp(type, "resource") == 0) {
			r = json_object_get(c, "resource");
			uri = conv_json_str(r, "uri");
			mime = conv_json_str(r, "mimeType");
			buf_addf(out, "[resource %s]\n", uri != NULL ? uri :
			    "(no uri)");
			if ((s = conv_json_str(r, "text")) != NULL)
				buf_adds(out, s);
			else if ((s = conv_json_str(r, "blob")) != NULL)
				buf_addf(out, "[%s, %zu bytes]", mime != NULL ?
				    mime : "binary", mcp_b64_size(s));
		} else if (strcmp(type, "resource_link") == 0) {
			uri = conv_json_str(c, "uri");
			s = conv_json_str(c, "name");
			buf_addf(out, "[resource link %s%s%s%s]",
			    uri != NULL ? uri : "(no uri)", s != NULL ? " (" :
			    "", s != NULL ? s : "", s != NULL ? ")" : "");
			if ((s = conv_json_str(c, "description")) != NULL)
				buf_addf(out, " %s", s);
		} else
			buf_addf(out, "[%s content]", type);
	}
	sc = json_object_get(result, "structuredContent");
	if (out->len == start && sc != NULL) {
		js = json_dumps(sc, JSON_COMPACT | JSON_ENCODE_ANY);
		if (js != NULL)
			buf_adds(out, js);
		free(js);
	}
	if (out->len == start)
		buf_adds(out, *is_error ? "(the MCP tool failed without a "
		    "message)" : "(the MCP tool returned no content)");
}

/* ------------------------------------------------------------------------ */
/* The manager */

struct mcp_manager *
mcp_manager_create(const char *root, const struct config *cfg)
{
	struct mcp_manager	*m = xcalloc(1, sizeof *m);
	struct mcp_server	*s;
	size_t			 i;

	if (getenv("AGENTOS_MCP_OAUTH_AUTO") != NULL &&
	    strcmp(getenv("AGENTOS_MCP_OAUTH_AUTO"), "1") == 0)
		mcp_oauth_auto = 1;	/* tests only (mcp-oauth.h) */
	mcp_oauth_cimd_url = options_get(cfg)->mcp.oauth_client_metadata_url;
	m->root = xstrdup(root);
	m->cfg = cfg;
	m->rpc_opts.max_message = MCP_MAX_MESSAGE;
	m->rpc_opts.max_queued = MCP_MAX_QUEUED;
	m->rpc_opts.stats = &m->stats;
	mcp_conf_init(&m->conf);
	mcp_conf_load(&m->conf, cfg, root);
	for (i = 0; i < m->conf.nproblems; i++)
		log_debug("mcp: %s", m->conf.problems[i]);
	m->v = xcalloc(m->conf.n + 1, sizeof *m->v);
	for (i = 0; i < m->conf.n; i++) {
		s = xcalloc(1, sizeof *s);
		s->m = m;
		s->conf = &m->conf.v[i];
		s->err_fd = -1;
		m->v[m->n++] = s;
		if (s->conf->project && (cfg == NULL ||
		    !cfg->project_trusted)) {
			s->state = MCP_UNTRUSTED;
			s->reason = xstrdup("the folder is not trusted; "
			    "agentos trust yes or --trust-project starts it");
			continue;
		}
		/* Spawned from the loop: the first screen comes first. */
		s->state = MCP_STARTING;
	}
	if (mcp_count(m, MCP_STARTING) > 0)
		m->start_timer = loop_timer_add(MCP_START_DELAY_MS,
		    mcp_start_all, m);
	return (m);
}

/* Start every server that waits to (from the loop). */
static void
mcp_start_all(void *arg)
{
	struct mcp_manager	*m = arg;
	size_t			 i;

	m->start_timer = NULL;
	for (i = 0; i < m->n; i++) {
		if (m->v[i]->state == MCP_STARTING && m->v[i]->rpc == NULL &&
		    m->v[i]->proc == NULL)
			mcp_server_start(m->v[i]);
	}
	mcp_changed(m);
}

void
mcp_manager_free(struct mcp_manager *m)
{
	struct proc	**live;
	size_t		  i, n = 0;

	if (m == NULL)
		return;
	/* What agentos itself spent on the protocol (bench/bench-mcp.sh). */
	if (m->stats.messages > 0)
		log_debug("mcp: stats: %llu messages in, %llu out; %llu us "
		    "encoding and %llu us decoding in all",
		    (unsigned long long)m->stats.messages,
		    (unsigned long long)m->stats.sends,
		    (unsigned long long)(m->stats.send_ns / 1000),
		    (unsigned long long)(m->stats.recv_ns / 1000));
	m->cb = NULL;
	mcp_wait_cancel(m);
	mcp_resources_cancel(m);
	mcp_prompt_complete_cancel(m);
	if (m->start_timer != NULL)
		loop_timer_cancel(m->start_timer);
	m->start_timer = NULL;
	live = xcalloc(m->n + 1, sizeof *live);
	for (i = 0; i < m->n; i++) {
		if (m->v[i]->proc != NULL && !proc_exited(m->v[i]->proc,
		    NULL)) {
			live[n++] = m->v[i]->proc;
			m->v[i]->proc = NULL;
		}
	}
	for (i = 0; i < m->n; i++)
		mcp_server_stop(m->v[i]);
	/* What ignores the end of its input and TERM is killed. */
	if (n > 0)
		proc_stop_sync(live, n, MCP_GUARD_GRACE_MS);
	free(live);
	mcp_prompts_forget(m);
	/* Forms still open belong to their views: they answer nothing. */
	for (i = 0; i < m->nelicits; i++) {
		m->elicits[i]->m = NULL;
		m->elicits[i]->srv = NULL;
	}
	free(m->elicits);
	for (i = 0; i < m->n; i++) {
		free(m->v[i]->reason);
		free(m->v[i]->tools);
		free(m->v[i]);
	}
	for (i = 0; i < m->nretired; i++)
		tool_mcp_free(m->retired[i]);
	free(m->retired);
	free(m->v);
	mcp_conf_release(&m->conf);
	free(m->root);
	free(m);
}

void
mcp_set_change_cb(struct mcp_manager *m, void (*cb)(void *), void *arg)
{
	m->cb = cb;
	m->cb_arg = arg;
}

void
mcp_set_event_cb(struct mcp_manager *m, void (*cb)(void *, json_t *),
    void *arg)
{
	size_t	i;

	m->ev_cb = cb;
	m->ev_arg = arg;
	/* Those that failed at once (a bad entry, no transport). */
	for (i = 0; cb != NULL && i < m->n; i++) {
		if (m->v[i]->state == MCP_FAILED)
			mcp_event(m, json_pack("{s:s,s:s,s:s}", "server",
			    m->v[i]->conf->name, "what", "failed", "reason",
			    m->v[i]->reason));
	}
}

/* Hand an event's data (stolen) to the owner's log. */
static void
mcp_event(struct mcp_manager *m, json_t *data)
{
	if (m->ev_cb != NULL && data != NULL)
		m->ev_cb(m->ev_arg, data);
	json_decref(data);
}

unsigned int
mcp_generation(struct mcp_manager *m)
{
	return (m->generation);
}

/* Something changed: tell the owner, and a waiting first request. */
static void
mcp_changed(struct mcp_manager *m)
{
	m->generation++;
	if (m->cb != NULL)
		m->cb(m->cb_arg);
	mcp_wait_check(m);
}

size_t
mcp_problems(struct mcp_manager *m, const char *const **v)
{
	if (m == NULL) {
		*v = NULL;
		return (0);
	}
	*v = (const char *const *)m->conf.problems;
	return (m->conf.nproblems);
}

size_t
mcp_count(struct mcp_manager *m, int st)
{
	size_t	i, n = 0;

	if (m == NULL)
		return (0);
	for (i = 0; i < m->n; i++) {
		if (st == -1 || (int)m->v[i]->state == st)
			n++;
	}
	return (n);
}

void
mcp_tool_definitions(struct mcp_manager *m, json_t *defs, int deferred)
{
	struct mcp_server	*s;
	const struct tool_entry	*te;
	json_t			*schema;
	size_t			 i, j, n = 0;
	struct buf		 names = BUF_INIT;
	char			*desc;

	if (deferred) {
		for (i = 0; i < m->n; i++) {
			if (m->v[i]->state != MCP_READY ||
			    m->v[i]->ntools == 0)
				continue;
			n += m->v[i]->ntools;
			buf_addf(&names, "%s%s", names.len > 0 ? ", " : "",
			    m->v[i]->conf->name);
		}
		if (n > 0) {
			desc = xasprintf("%s The servers connected (%s) have "
			    "%zu tools.", tool_mcp_search.description,
			    names.buf, n);
			json_array_append_new(defs, json_pack("{s:s,s:s,s:o}",
			    "name", tool_mcp_search.name, "description", desc,
			    "input_schema", json_loads(tool_mcp_search.schema,
			    0, NULL)));
			free(desc);
		}
		buf_release(&names);
	}
	for (i = 0; i < m->n; i++) {
		s = m->v[i];
		if (s->state != MCP_READY)
			continue;
		for (j = 0; j < s->ntools; j++) {
			if (deferred && !s->tools[j]->loaded)
				continue;
			te = s->tools[j]->te;
			schema = json_loads(te->schema, 0, NULL);
			if (schema == NULL)
				continue;
			json_array_append_new(defs, json_pack("{s:s,s:s,s:o}",
			    "name", te->name, "description", te->description,
			    "input_schema", schema));
		}
	}
}

size_t
mcp_tool_definitions_size(struct mcp_manager *m)
{
	const struct tool_entry	*te;
	size_t			 i, j, n = 0;

	for (i = 0; m != NULL && i < m->n; i++) {
		if (m->v[i]->state != MCP_READY)
			continue;
		for (j = 0; j < m->v[i]->ntools; j++) {
			te = m->v[i]->tools[j]->te;
			/* As sent: {"name":..,"description":..,
			   "input_schema":..}. */
			n += strlen(te->name) + strlen(te->description) +
			    strlen(te->schema) + 48;
		}
	}
	return (n);
}

/* A tool's score for the words of query (lower case, NUL-separated). */
static int
mcp_search_score(const struct tool_entry *te, char **words, size_t nw)
{
	size_t	i;
	int	score = 0;

	for (i = 0; i < nw; i++) {
		if (strcasestr(te->name, words[i]) != NULL)
			score += 2;
		else if (strcasestr(te->description, words[i]) != NULL)
			score += 1;
	}
	return (score);
}

size_t
mcp_tool_search(struct mcp_manager *m, const char *query, size_t max,
    struct buf *out)
{
	struct mcp_tool		**hits = NULL, *mt;
	int			 *scores = NULL, sc;
	char			**words = NULL, *q, *w, *save = NULL;
	size_t			  nw = 0, aw = 0, nh = 0, ah = 0, as = 0;
	size_t			  i, j, k;

	q = xstrdup(query);
	for (w = strtok_r(q, " \t\n,;", &save); w != NULL;
	    w = strtok_r(NULL, " \t\n,;", &save)) {
		ALLOC_GROW(words, nw + 1, aw);
		words[nw++] = w;
	}
	for (i = 0; m != NULL && i < m->n; i++) {
		if (m->v[i]->state != MCP_READY)
			continue;
		for (j = 0; j < m->v[i]->ntools; j++) {
			mt = m->v[i]->tools[j];
			if (nw == 0) {
				buf_addf(out, "%s: %.100s\n", mt->te->name,
				    mt->te->description);
				nh++;
				continue;
			}
			if ((sc = mcp_search_score(mt->te, words, nw)) == 0)
				continue;
			/* Keep hits ordered by score, best first. */
			ALLOC_GROW(hits, nh + 1, ah);
			ALLOC_GROW(scores, nh + 1, as);
			for (k = nh; k > 0 && scores[k - 1] < sc; k--) {
				hits[k] = hits[k - 1];
				scores[k] = scores[k - 1];
			}
			hits[k] = mt;
			scores[k] = sc;
			nh++;
		}
	}
	if (nw > 0 && nh > max)
		nh = max;
	for (i = 0; nw > 0 && i < nh; i++) {
		hits[i]->loaded = 1;
		buf_addf(out, "%s: %s\ninput schema: %s\n\n",
		    hits[i]->te->name, hits[i]->te->description,
		    hits[i]->te->schema);
	}
	if (nw > 0 && nh > 0) {
		buf_adds(out, "These tools can be called now, by these "
		    "names.\n");
		m->generation++;
	}
	free(hits);
	free(scores);
	free(words);
	free(q);
	return (nh);
}

const struct tool_entry *
mcp_tool_find(struct mcp_manager *m, const char *name)
{
	size_t	i, j;

	if (m != NULL && strcmp(name, tool_mcp_search.name) == 0)
		return (&tool_mcp_search);
	if (m == NULL || strncmp(name, "mcp__", 5) != 0)
		return (NULL);
	for (i = 0; i < m->n; i++) {
		for (j = 0; j < m->v[i]->ntools; j++) {
			if (strcmp(m->v[i]->tools[j]->te->name, name) == 0)
				return (m->v[i]->tools[j]->te);
		}
	}
	/*
	 * A tool of a server that failed or was disabled since: its call
	 * says the server is not connected, not that the tool is unknown.
	 */
	for (i = m->nretired; i > 0; i--) {
		if (strcmp(m->retired[i - 1]->te->name, name) == 0)
			return (m->retired[i - 1]->te);
	}
	return (NULL);
}

/* The waiting first request goes on (from the loop). */
static void
mcp_wait_go(void *arg)
{
	struct mcp_manager	*m = arg;
	void			(*cb)(void *) = m->wait_cb;

	m->wait_fire = NULL;
	if (m->wait_timer != NULL)
		loop_timer_cancel(m->wait_timer);
	m->wait_timer = NULL;
	m->wait_cb = NULL;
	if (cb != NULL)
		cb(m->wait_arg);
}

/* The start timeout for the first request. */
static void
mcp_wait_timeout(void *arg)
{
	struct mcp_manager	*m = arg;

	m->wait_timer = NULL;
	/* A release already queued would fire after m is gone. */
	if (m->wait_fire != NULL)
		loop_timer_cancel(m->wait_fire);
	m->wait_fire = NULL;
	log_debug("mcp: the first request stops waiting for servers");
	mcp_wait_go(m);
}

/* Release the first request when no server is starting any more. */
static void
mcp_wait_check(struct mcp_manager *m)
{
	if (m->wait_cb == NULL || m->wait_fire != NULL)
		return;
	if (mcp_count(m, MCP_STARTING) == 0)
		m->wait_fire = loop_timer_add(0, mcp_wait_go, m);
}

int
mcp_wait(struct mcp_manager *m, void (*cb)(void *), void *arg)
{
	if (m == NULL || mcp_count(m, MCP_STARTING) == 0)
		return (0);
	mcp_wait_cancel(m);
	m->wait_cb = cb;
	m->wait_arg = arg;
	m->wait_timer = loop_timer_add(options_get(m->cfg)->mcp.
	    start_timeout_ms + 100, mcp_wait_timeout, m);
	return (1);
}

void
mcp_wait_cancel(struct mcp_manager *m)
{
	if (m == NULL)
		return;
	m->wait_cb = NULL;
	if (m->wait_timer != NULL)
		loop_timer_cancel(m->wait_timer);
	m->wait_timer = NULL;
	if (m->wait_fire != NULL)
		loop_timer_cancel(m->wait_fire);
	m->wait_fire = NULL;
}

char *
mcp_untrusted_line(struct mcp_manager *m)
{
	struct buf	b = BUF_INIT;
	size_t		i, n = 0;

	if (m == NULL)
		return (NULL);
	for (i = 0; i < m->n; i++) {
		if (m->v[i]->state != MCP_UNTRUSTED)
			continue;
		buf_addf(&b, "%s%s", n++ == 0 ? "" : ", ", m->v[i]->conf->name);
	}
	if (n == 0) {
		buf_release(&b);
		return (NULL);
	}
	buf_addf(&b, ": project MCP server%s not started: not trusted "
	    "(agentos trust yes, or --trust-project, starts %s)",
	    n == 1 ? "" : "s", n == 1 ? "it" : "them");
	return (buf_detach(&b, NULL));
}

void
mcp_status(struct mcp_manager *m, struct buf *out)
{
	struct mcp_server	*s;
	size_t			 i, j;
	const char		*p, *rn;
	char			*pn;
	json_t			*r;
	int			 k;

	if (m == NULL || m->n == 0) {
		buf_adds(out, "No MCP servers configured (.mcp.json, "
		    "mcp.servers, agentos mcp add).\n");
		if (m != NULL) {
			for (i = 0; i < m->conf.nproblems; i++)
				buf_addf(out, "  problem: %s\n",
				    m->conf.problems[i]);
		}
		return;
	}
	for (i = 0; i < m->n; i++) {
		s = m->v[i];
		buf_addf(out, "%s: %s", s->conf->name,
		    mcp_state_name(s->state));
		if (s->state == MCP_READY)
			buf_addf(out, ", %zu tool%s, protocol %s%s%s",
			    s->ntools, s->ntools == 1 ? "" : "s", s->version,
			    s->info != NULL ? ", " : "", s->info != NULL ?
			    s->info : "");
		if (s->reason != NULL && s->state != MCP_READY)
			buf_addf(out, " (%s)", s->reason);
		if (s->login_url != NULL)
			buf_addf(out, ", needs login (/mcp login %s, or agentos "
			    "mcp login %s)\n  login: open %s", s->conf->name,
			    s->conf->name, s->login_url);
		buf_addf(out, "\n  %s %s%s\n", s->conf->type, s->conf->http ?
		    s->conf->url : s->conf->command, s->conf->project ?
		    " [project]" : "");
		for (j = 0; j < s->ntools; j++)
			buf_addf(out, "  - %s%s\n", s->tools[j]->te->name,
			    s->tools[j]->readonly ? " (says read-only)" : "");
		for (j = 0; j < json_array_size(s->prompts); j++) {
			pn = mcp_tool_name(s->conf->name, conv_json_str(
			    json_array_get(s->prompts, j), "name"));
			buf_addf(out, "  - /%s (prompt)\n", pn);
			free(pn);
		}
		for (k = 0; k < 2; k++) {
			for (j = 0; j < json_array_size(s->res[k]); j++) {
				if (j == 20) {
					buf_addf(out, "  (+%zu more)\n",
					    json_array_size(s->res[k]) - j);
					break;
				}
				r = json_array_get(s->res[k], j);
				rn = conv_json_str(r, "name");
				buf_addf(out, "  - %s%s%s%.200s%s%.60s (%s)\n",
				    k == 0 ? "@" : "", k == 0 ? s->conf->name :
				    "", k == 0 ? ":" : "", conv_json_str(r, k ==
				    0 ? "uri" : "uriTemplate"), rn != NULL ?
				    " " : "", rn != NULL ? rn : "", k == 0 ?
				    "resource" : "resource template");
			}
		}
		if (s->has_logging)
			buf_addf(out, "  logging: level %s (mcp.log_level), "
			    "%u message%s in the session log\n",
			    mcp_log_levels[options_get(m->cfg)->mcp.log_level],
			    s->logs, s->logs == 1 ? "" : "s");
		if (s->instructions != NULL)
			buf_addf(out, "  instructions from the server (not "
			    "given to the model): %.300s\n", s->instructions);
		if (s->errlen > 0) {
			p = s->errtail;
			buf_adds(out, "  stderr:\n");
			buf_adds(out, "    ");
			for (j = 0; j < s->errlen; j++) {
				buf_addch(out, p[j] == '\t' || (unsigned char)
				    p[j] >= 0x20 || p[j] == '\n' ? p[j] : '?');
				if (p[j] == '\n' && j + 1 < s->errlen)
					buf_adds(out, "    ");
			}
			if (p[s->errlen - 1] != '\n')
				buf_addch(out, '\n');
		}
	}
	for (i = 0; i < m->conf.nproblems; i++)
		buf_addf(out, "problem: %s\n", m->conf.problems[i]);
}

/* The server called name, or NULL with cause. */
static struct mcp_server *
mcp_server_find(struct mcp_manager *m, const char *name, char **cause)
{
	size_t	i;

	for (i = 0; m != NULL && i < m->n; i++) {
		if (strcmp(m->v[i]->conf->name, name) == 0)
			return (m->v[i]);
	}
	*cause = xasprintf("no MCP server \"%s\"", name);
	return (NULL);
}

int
mcp_reconnect(struct mcp_manager *m, const char *name, char **cause)
{
	struct mcp_server	*s;

	if ((s = mcp_server_find(m, name, cause)) == NULL)
		return (-1);
	if (s->state == MCP_UNTRUSTED) {
		*cause = xasprintf("MCP server %s is not trusted: trust the "
		    "folder (agentos trust yes) or restart agentos with "
		    "--trust-project", name);
		return (-1);
	}
	free(s->reason);
	s->reason = xstrdup("reconnecting");
	mcp_server_stop(s);
	mcp_server_start(s);
	mcp_changed(m);
	return (0);
}

int
mcp_login(struct mcp_manager *m, const char *name, int login, char **cause)
{
	struct mcp_server	*s;

	if ((s = mcp_server_find(m, name, cause)) == NULL)
		return (-1);
	if (!s->conf->http) {
		*cause = xasprintf("MCP server %s is not an HTTP server: no "
		    "OAuth", name);
		return (-1);
	}
	if (login && s->login_url != NULL) {
		/* A flow waits for the browser: open it. */
		s->open_login = 1;
		if (mcp_oauth_browse(s->login_url) != 0) {
			*cause = xasprintf("xdg-open could not be started: "
			    "open %s", s->login_url);
			return (-1);
		}
		return (0);
	}
	if (mcp_oauth_logout(s->conf->url, cause) < 0)
		return (-1);
	if (!login)
		return (mcp_disable(m, name, cause) != 0 ? -1 : 0);
	/* A new login: the flow's URL is opened once it is known. */
	s->open_login = 1;
	return (mcp_reconnect(m, name, cause));
}

int
mcp_disable(struct mcp_manager *m, const char *name, char **cause)
{
	struct mcp_server	*s;

	if ((s = mcp_server_find(m, name, cause)) == NULL)
		return (-1);
	free(s->reason);
	s->reason = xstrdup("disabled for this session");
	mcp_server_stop(s);
	s->state = MCP_DISABLED;
	mcp_changed(m);
	return (0);
}

/* ------------------------------------------------------------------------ */
/* One server */

const char *
mcp_server_name(struct mcp_server *s)
{
	return (s->conf->name);
}

unsigned int
mcp_call_timeout(struct mcp_server *s)
{
	return (options_get(s->m->cfg)->mcp.call_timeout_ms);
}

struct jsonrpc *
mcp_server_rpc(struct mcp_server *s, const char **why)
{
	if (s->state == MCP_READY && s->rpc != NULL &&
	    !jsonrpc_closed(s->rpc))
		return (s->rpc);
	if (s->closed_why != NULL)
		*why = s->closed_why;	/* its exit is not reaped yet */
	else
		*why = s->reason != NULL ? s->reason :
		    mcp_state_name(s->state);
	return (NULL);
}

void
mcp_server_cancel_reason(struct mcp_server *s, const char *reason)
{
	free(s->cancel_reason);
	s->cancel_reason = xstrdup(reason);
}

int
mcp_connect_http(const struct mcp_server_conf *conf,
    const struct jsonrpc_handlers *handlers, void *arg,
    struct jsonrpc **rpc, char **cause)
{
	/* The bounds of stdio servers (m->rpc_opts), for every http one. */
	static const struct jsonrpc_options	opts = {
		.max_message = MCP_MAX_MESSAGE,
		.max_queued = MCP_MAX_QUEUED,
	};

	if (mcp_http_open(conf->name, conf->url,
	    (const char *const *)conf->headers, conf->nheaders, &opts,
	    handlers, arg, rpc, cause) != 0)
		return (-1);
	/* Claude Code's "sse": the 2024-11-05 transport, url its stream. */
	if (strcmp(conf->type, "sse") == 0)
		mcp_http_use_legacy(*rpc);
	return (0);
}

/*
 * OAuth waits for the user's browser (url), or no longer (NULL): the
 * /mcp view and "agentos mcp list" show it; without the TUI it is
 * printed (mcp_oauth_print).
 */
static void
mcp_login_url_cb(void *arg, const char *url)
{
	struct mcp_server	*s = arg;

	free(s->login_url);
	s->login_url = url != NULL ? xstrdup(url) : NULL;
	if (url != NULL && mcp_oauth_print)
		fprintf(stderr, "agentos: server %s needs login: open %s\n",
		    s->conf->name, url);
	if (url != NULL && (mcp_oauth_open || s->open_login) &&
	    mcp_oauth_browse(url) != 0 && mcp_oauth_print)
		fprintf(stderr, "agentos: xdg-open could not be started\n");
	mcp_changed(s->m);
}

const char *
mcp_login_url(struct mcp_manager *m, const char *name)
{
	size_t	i;

	for (i = 0; m != NULL && i < m->n; i++) {
		if (strcmp(m->v[i]->conf->name, name) == 0)
			return (m->v[i]->login_url);
	}
	return (NULL);
}

/* Move s's tools to the retired list (a running call may hold one). */
static void
mcp_server_retire_tools(struct mcp_server *s)
{
	struct mcp_manager	*m = s->m;
	size_t			 i;

	for (i = 0; i < s->ntools; i++) {
		ALLOC_GROW(m->retired, m->nretired + 1, m->aretired);
		m->retired[m->nretired++] = s->tools[i];
	}
	s->ntools = 0;
}

/* Spawn s's process (or connect) and send initialize. */
static void
mcp_server_start(struct mcp_server *s)
{
	struct mcp_manager	*m = s->m;
	struct mcp_server_conf	*c = s->conf;
	const struct options	*o = options_get(m->cfg);
	struct proc_spec	 spec;
	const char		**argv;
	char			**base, *cause = NULL, *root_env;
	const char		**env;
	json_t			*params;
	size_t			 i;

	s->state = MCP_STARTING;
	free(s->reason);
	s->reason = NULL;
	s->errlen = 0;
	s->logs = 0;
	if (c->error != NULL) {
		mcp_server_fail(s, "%s: %s", c->where, c->error);
		return;
	}
	if (c->http) {
		if (mcp_connect_http(c, &mcp_rpc_handlers, s, &s->rpc,
		    &cause) != 0) {
			mcp_server_fail(s, "%s", cause);
			free(cause);
			return;
		}
		mcp_http_set_oauth(s->rpc, c->oauth, mcp_login_url_cb, s);
	} else {
		argv = xcalloc(c->nargs + 2, sizeof *argv);
		argv[0] = c->command;
		for (i = 0; i < c->nargs; i++)
			argv[i + 1] = c->args[i];
		/* AGENTOS_MCP marks the processes as ours (tests count). */
		env = xcalloc(c->nenv + 2, sizeof *env);
		root_env = xasprintf("AGENTOS_MCP=%ld:%s", (long)getpid(),
		    c->name);
		env[0] = root_env;
		for (i = 0; i < c->nenv; i++)
			env[i + 1] = c->env[i];
		/* The scrubbed environment of commands: no keys. */
		base = sandbox_environ((const char *const *)environ,
		    (const char *const *)o->sandbox.keep_env.v, mcp_drop_env);
		memset(&spec, 0, sizeof spec);
		spec.argv = argv;
		spec.cwd = m->root;
		spec.env = env;
		spec.base_env = (const char *const *)base;
		spec.in = spec.out = spec.err = PROC_PIPE;
		spec.flags = PROC_GUARD;
		spec.grace_ms = MCP_GUARD_GRACE_MS;
		s->proc = proc_spawn(&spec, mcp_proc_exited, s, &cause);
		free(argv);
		free(env);
		free(root_env);
		sandbox_argv_free(base);
		if (s->proc == NULL) {
			mcp_server_fail(s, "cannot start %s: %s", c->command,
			    cause);
			free(cause);
			return;
		}
		s->rpc = jsonrpc_create(proc_take_fd(s->proc, 1),
		    proc_take_fd(s->proc, 0), &jsonrpc_framing_ndjson,
		    &m->rpc_opts, &mcp_rpc_handlers, s);
		s->err_fd = proc_take_fd(s->proc, 2);
		s->ev_err = event_new(loop_base, s->err_fd,
		    EV_READ | EV_PERSIST, mcp_err_cb, s);
		if (s->ev_err == NULL)
			fatalx("event_new failed");
		event_add(s->ev_err, NULL);
		log_debug("mcp: started %s (guard %ld): %s", c->name,
		    (long)proc_pid(s->proc), c->command);
	}
	/* Lifecycle, "Initialization". */
	/* Client / Elicitation: both modes ("form" and "url"). */
	params = json_pack("{s:s,s:{s:{},s:{s:{},s:{}}},s:{s:s,s:s}}",
	    "protocolVersion", MCP_PROTOCOL_VERSION, "capabilities", "roots",
	    "elicitation", "form", "url", "clientInfo", "name", AGENTOS_NAME,
	    "version", PACKAGE_VERSION);
	s->init_call = jsonrpc_call(s->rpc, "initialize", params,
	    o->mcp.start_timeout_ms, mcp_initialize_done, s);
	if (s->init_call == NULL) {
		mcp_server_fail(s, "the connection closed before "
		    "initialize");
		return;
	}
	s->init_id = jsonrpc_call_id(s->init_call);
}

/* Close s's connection and stop its process; its tools retire. */
static void
mcp_server_stop(struct mcp_server *s)
{
	int	k;

	if (s->init_call != NULL)
		jsonrpc_call_cancel(s->init_call);
	s->init_call = NULL;
	if (s->list_call != NULL)
		jsonrpc_call_cancel(s->list_call);
	s->list_call = NULL;
	json_decref(s->listing);
	s->listing = NULL;
	if (s->prompt_call != NULL)
		jsonrpc_call_cancel(s->prompt_call);
	s->prompt_call = NULL;
	json_decref(s->prompts);
	s->prompts = NULL;
	json_decref(s->prompt_pages);
	s->prompt_pages = NULL;
	for (k = 0; k < 2; k++) {
		if (s->res_call[k] != NULL)
			jsonrpc_call_cancel(s->res_call[k]);
		s->res_call[k] = NULL;
		json_decref(s->res[k]);
		json_decref(s->res_pages[k]);
		s->res[k] = s->res_pages[k] = NULL;
	}
	mcp_elicit_detach(s->m, s);
	if (s->rpc != NULL) {
		tool_mcp_server_gone(s, s->reason != NULL ? s->reason :
		    "stopped");
		mcp_prompts_gone(s);
		if (s->m->comp != NULL && s->m->comp->srv == s)
			mcp_prompt_complete_cancel(s->m);
		jsonrpc_free(s->rpc);
	}
	s->rpc = NULL;
	if (s->ev_err != NULL)
		event_free(s->ev_err);
	s->ev_err = NULL;
	if (s->err_fd != -1)
		close(s->err_fd);
	s->err_fd = -1;
	if (s->proc != NULL) {
		/* The guard TERMs the group, then KILLs it. */
		if (!proc_exited(s->proc, NULL))
			proc_kill(s->proc, MCP_GUARD_GRACE_MS + 1000);
		else
			proc_signal(s->proc, SIGKILL);
		proc_free(s->proc);
	}
	s->proc = NULL;
	mcp_server_retire_tools(s);
	free(s->version);
	s->version = NULL;
	free(s->info);
	s->info = NULL;
	free(s->instructions);
	s->instructions = NULL;
	free(s->cancel_reason);
	s->cancel_reason = NULL;
	if (s->close_timer != NULL)
		loop_timer_cancel(s->close_timer);
	s->close_timer = NULL;
	free(s->closed_why);
	s->closed_why = NULL;
	free(s->login_url);
	s->login_url = NULL;
}

/* The last line of s's stderr, or NULL (borrowed). */
static const char *
mcp_server_last_err(struct mcp_server *s, size_t *len)
{
	size_t	end = s->errlen, start;

	while (end > 0 && (s->errtail[end - 1] == '\n' ||
	    s->errtail[end - 1] == '\r'))
		end--;
	if (end == 0)
		return (NULL);
	start = end;
	while (start > 0 && s->errtail[start - 1] != '\n')
		start--;
	*len = end - start;
	return (s->errtail + start);
}

/* s failed: say why and stop it. */
static void
mcp_server_fail(struct mcp_server *s, const char *fmt, ...)
{
	struct buf	 b = BUF_INIT;
	const char	*last;
	size_t		 len = 0;
	va_list		 ap;

	if (s->state == MCP_FAILED || s->state == MCP_DISABLED)
		return;
	va_start(ap, fmt);
	buf_vaddf(&b, fmt, ap);
	va_end(ap);
	if (s->err_fd != -1) {
		/* What it said last, before the pipe closes. */
		mcp_err_cb(s->err_fd, EV_READ, s);
	}
	/* A death is explained best by the last line on stderr. */
	if (s->dying && (last = mcp_server_last_err(s, &len)) != NULL)
		buf_addf(&b, " (stderr: %.*s)", (int)(len > 200 ? 200 : len),
		    last);
	s->dying = 0;
	if (s->close_timer != NULL)
		loop_timer_cancel(s->close_timer);
	s->close_timer = NULL;
	free(s->closed_why);
	s->closed_why = NULL;
	s->state = MCP_FAILED;
	free(s->reason);
	s->reason = buf_detach(&b, NULL);
	log_debug("mcp: %s failed: %s", s->conf->name, s->reason);
	mcp_event(s->m, json_pack("{s:s,s:s,s:s}", "server", s->conf->name,
	    "what", "failed", "reason", s->reason));
	mcp_server_stop(s);
	mcp_changed(s->m);
}

/* Server stderr readable: keep its tail, log its lines. */
static void
mcp_err_cb(evutil_socket_t fd, short what, void *arg)
{
	struct mcp_server	*s = arg;
	char			 tmp[4096];
	ssize_t			 n;

	(void)what;
	for (;;) {
		n = read(fd, tmp, sizeof tmp);
		if (n <= 0) {
			if (n == 0 && s->ev_err != NULL)
				event_del(s->ev_err);
			return;
		}
		log_debug("mcp: %s stderr: %.*s", s->conf->name, (int)n, tmp);
		buf_tail_add(s->errtail, sizeof s->errtail, &s->errlen, tmp,
		    n);
	}
}

/* The pipe closed but the process did not exit: fail anyway. */
static void
mcp_close_timeout(void *arg)
{
	struct mcp_server	*s = arg;

	s->close_timer = NULL;
	s->dying = 1;
	mcp_server_fail(s, "%s", s->closed_why != NULL ? s->closed_why :
	    "the connection closed");
}

/*
 * The connection died (why): the exit status says more, so wait a
 * little for it before failing with why.
 */
static void
mcp_server_closing(struct mcp_server *s, const char *why)
{
	if (s->state == MCP_FAILED || s->state == MCP_DISABLED)
		return;
	if (s->proc == NULL || proc_exited(s->proc, NULL)) {
		s->dying = 1;
		mcp_server_fail(s, "%s", why);
		return;
	}
	if (s->closed_why == NULL)
		s->closed_why = xstrdup(why);
	if (s->close_timer == NULL)
		s->close_timer = loop_timer_add(2000, mcp_close_timeout, s);
}

/* The server's process was reaped. */
static void
mcp_proc_exited(struct proc *p, int status, void *arg)
{
	struct mcp_server	*s = arg;

	(void)p;
	s->dying = 1;
	if (WIFEXITED(status))
		mcp_server_fail(s, "the server exited with status %d",
		    WEXITSTATUS(status));
	else
		mcp_server_fail(s, "the server was killed by signal %d",
		    WIFSIGNALED(status) ? WTERMSIG(status) : 0);
}

/* A file:// URI for an absolute path (RFC 8089), percent-encoded. */
static char *
mcp_file_uri(const char *path)
{
	struct buf	 b = BUF_INIT;
	const char	*p;

	buf_adds(&b, "file://");
	for (p = path; *p != '\0'; p++) {
		if (isalnum((unsigned char)*p) || strchr("/-._~", *p) != NULL)
			buf_addch(&b, *p);
		else
			buf_addf(&b, "%%%02X", (unsigned char)*p);
	}
	return (buf_detach(&b, NULL));
}

/* A request from the server: ping, roots/list, elicitation/create. */
static void
mcp_rpc_request(struct jsonrpc *rpc, const char *method, json_t *id,
    json_t *params, void *arg)
{
	struct mcp_server	*s = arg;
	const char		*base;
	char			*uri;

	(void)params;
	if (strcmp(method, "ping") == 0) {
		/* Utilities / Ping: "promptly with an empty response". */
		jsonrpc_reply(rpc, id, json_object(), 0, NULL);
		return;
	}
	if (strcmp(method, "roots/list") == 0) {
		uri = mcp_file_uri(s->m->root);
		base = strrchr(s->m->root, '/');
		base = base != NULL && base[1] != '\0' ? base + 1 :
		    s->m->root;
		jsonrpc_reply(rpc, id, json_pack("{s:[{s:s,s:s}]}", "roots",
		    "uri", uri, "name", base), 0, NULL);
		free(uri);
		return;
	}
	if (strcmp(method, "elicitation/create") == 0) {
		mcp_elicit_request(s, id, params);
		return;
	}
	log_debug("mcp: %s asked for %s: not supported", s->conf->name,
	    method);
	jsonrpc_reply(rpc, id, NULL, JSONRPC_METHOD_NOT_FOUND,
	    "method not supported by this client");
}

/* A notification from the server. */
static void
mcp_rpc_notification(struct jsonrpc *rpc, const char *method,
    json_t *params, void *arg)
{
	struct mcp_server	*s = arg;
	char			*js;

	(void)rpc;
	if (strcmp(method, "notifications/tools/list_changed") == 0) {
		if (s->state != MCP_READY)
			return;
		if (s->list_call != NULL)
			s->relist = 1;
		else
			mcp_list(s, NULL);
		return;
	}
	if (strcmp(method, "notifications/progress") == 0)
		tool_mcp_progress(s, params);
	if (strcmp(method, "notifications/message") == 0)
		mcp_log_message(s, params);
	if (strcmp(method, "notifications/message") == 0 ||
	    strcmp(method, "notifications/progress") == 0) {
		js = params != NULL ? json_dumps(params, JSON_COMPACT) : NULL;
		log_debug("mcp: %s %s %.500s", s->conf->name, method,
		    js != NULL ? js : "");
		free(js);
		return;
	}
	log_debug("mcp: %s sent %s (ignored)", s->conf->name, method);
}

/*
 * Server / Utilities / Logging: a notifications/message goes to the
 * session log (at most MCP_MAX_LOGS per connection, 4 KiB each).
 */
static void
mcp_log_message(struct mcp_server *s, json_t *params)
{
	const char	*level, *logger;
	json_t		*data;
	char		*text;

	if (s->logs >= MCP_MAX_LOGS)
		return;
	if (++s->logs == MCP_MAX_LOGS) {
		mcp_event(s->m, json_pack("{s:s,s:s,s:s,s:s}", "server",
		    s->conf->name, "what", "log", "level", "warning",
		    "message", "(more log messages of this server are not "
		    "recorded)"));
		return;
	}
	level = conv_json_str(params, "level");
	logger = conv_json_str(params, "logger");
	data = json_object_get(params, "data");
	if (json_is_string(data))
		text = xstrndup(json_string_value(data), 4096);
	else if (data != NULL) {
		text = json_dumps(data, JSON_COMPACT | JSON_ENCODE_ANY);
		if (text != NULL && strlen(text) > 4096)
			text[4096] = '\0';
	} else
		text = NULL;
	mcp_event(s->m, json_pack("{s:s,s:s,s:s,s:s*,s:s}", "server",
	    s->conf->name, "what", "log", "level", level != NULL ? level :
	    "info", "logger", logger, "message", text != NULL ? text : ""));
	free(text);
}

/* Basic / Utilities / Cancellation: tell the server we gave up on id. */
static void
mcp_rpc_cancelled(struct jsonrpc *rpc, json_int_t id, void *arg)
{
	struct mcp_server	*s = arg;
	const char		*reason;

	/* "The initialize request MUST NOT be cancelled by clients." */
	if (id == s->init_id)
		return;
	reason = s->cancel_reason != NULL ? s->cancel_reason :
	    "the request timed out";
	jsonrpc_notify(rpc, "notifications/cancelled", json_pack("{s:I,s:s}",
	    "requestId", (json_int_t)id, "reason", reason));
	free(s->cancel_reason);
	s->cancel_reason = NULL;
}

/* The connection died. */
static void
mcp_rpc_closed(struct jsonrpc *rpc, const char *why, void *arg)
{
	struct mcp_server	*s = arg;

	char			*t;

	(void)rpc;
	t = xasprintf("the connection closed: %s", why);
	mcp_server_closing(s, t);
	free(t);
}

/* A JSON-RPC error as text; the caller frees. */
static char *
mcp_error_text(json_t *error)
{
	const char	*msg = conv_json_str(error, "message");

	return (xasprintf("error %lld: %.300s", (long long)json_integer_value(
	    json_object_get(error, "code")), msg != NULL ? msg : "(none)"));
}

/* The answer to logging/setLevel: an error is only logged. */
static void
mcp_setlevel_done(void *arg, json_t *result, json_t *error)
{
	struct mcp_server	*s = arg;
	char			*e;

	(void)result;
	if (error == NULL)
		return;
	e = mcp_error_text(error);
	log_debug("mcp: %s: logging/setLevel: %s", s->conf->name, e);
	free(e);
}

/* The answer to initialize. */
static void
mcp_initialize_done(void *arg, json_t *result, json_t *error)
{
	struct mcp_server	*s = arg;
	const char		*v, *name, *ver, *ins;
	json_t			*info;
	char			*e;
	size_t			 i;
	int			 lvl;

	s->init_call = NULL;
	if (error != NULL) {
		if (json_integer_value(json_object_get(error, "code")) ==
		    JSONRPC_E_TIMEOUT)
			mcp_server_fail(s, "no answer to initialize within "
			    "%u ms (mcp.start_timeout)",
			    options_get(s->m->cfg)->mcp.start_timeout_ms);
		else if (json_integer_value(json_object_get(error,
		    "code")) == JSONRPC_E_CLOSED)
			/* Over HTTP the message says why (401, refused). */
			mcp_server_closing(s, s->conf->http &&
			    conv_json_str(error, "message") != NULL ?
			    conv_json_str(error, "message") : "the server "
			    "closed the connection during initialize");
		else {
			e = mcp_error_text(error);
			mcp_server_fail(s, "initialize failed: %s", e);
			free(e);
		}
		return;
	}
	v = conv_json_str(result, "protocolVersion");
	for (i = 0; v != NULL && mcp_versions[i] != NULL; i++) {
		if (strcmp(v, mcp_versions[i]) == 0)
			break;
	}
	if (v == NULL || mcp_versions[i] == NULL) {
		mcp_server_fail(s, "the server speaks protocol version "
		    "%.40s; agentos speaks 2025-11-25, 2025-06-18 and "
		    "2025-03-26", v != NULL ? v : "(none)");
		return;
	}
	s->version = xstrdup(v);
	info = json_object_get(result, "serverInfo");
	name = conv_json_str(info, "name");
	ver = conv_json_str(info, "version");
	if (name != NULL)
		s->info = xasprintf("%.60s %.30s", name, ver != NULL ? ver :
		    "");
	if ((ins = conv_json_str(result, "instructions")) != NULL)
		s->instructions = xstrndup(ins, 4096);
	log_debug("mcp: %s initialized: protocol %s, %s", s->conf->name, v,
	    s->info != NULL ? s->info : "(no serverInfo)");
	jsonrpc_notify(s->rpc, "notifications/initialized", NULL);
	/* Server / Utilities / Logging: the level configured, if any. */
	s->has_logging = json_object_get(json_object_get(result,
	    "capabilities"), "logging") != NULL;
	lvl = options_get(s->m->cfg)->mcp.log_level;
	if (s->has_logging && lvl > 0 && mcp_log_levels[lvl] != NULL)
		jsonrpc_call(s->rpc, "logging/setLevel", json_pack("{s:s}",
		    "level", mcp_log_levels[lvl]), options_get(s->m->cfg)->
		    mcp.start_timeout_ms, mcp_setlevel_done, s);
	s->has_prompts = json_object_get(json_object_get(result,
	    "capabilities"), "prompts") != NULL;
	s->has_resources = json_object_get(json_object_get(result,
	    "capabilities"), "resources") != NULL;
	/* Server / Utilities / Completion (2025-06-18): "completions". */
	s->has_completions = json_object_get(json_object_get(result,
	    "capabilities"), "completions") != NULL;
	if (json_object_get(json_object_get(result, "capabilities"),
	    "tools") == NULL) {
		/* No tools: ready with none. */
		s->state = MCP_READY;
		mcp_changed(s->m);
		if (s->has_prompts)
			mcp_prompts_list(s, NULL);
		if (s->has_resources) {
			mcp_res_list(s, 0, NULL);
			mcp_res_list(s, 1, NULL);
		}
		return;
	}
	mcp_list(s, NULL);
}

/* Ask for a page of tools (Server / Tools, "Listing Tools"). */
static void
mcp_list(struct mcp_server *s, const char *cursor)
{
	json_t	*params = NULL;

	if (cursor == NULL) {
		json_decref(s->listing);
		s->listing = json_array();
		s->pages = 0;
	} else
		params = json_pack("{s:s}", "cursor", cursor);
	s->pages++;
	s->list_call = jsonrpc_call(s->rpc, "tools/list", params,
	    options_get(s->m->cfg)->mcp.start_timeout_ms, mcp_list_done, s);
	if (s->list_call == NULL)
		mcp_server_fail(s, "the connection closed during tools/list");
}

/* Replace s's tools by those of the finished listing. */
static void
mcp_list_install(struct mcp_server *s)
{
	struct mcp_tool	*mt, **old = s->tools;
	json_t		*t;
	const char	*tname;
	char		*name;
	size_t		 i, j, nold = s->ntools;

	/*
	 * A tool that did not change keeps its entry (a call may hold it);
	 * only changed and removed ones retire, so a server announcing
	 * list changes again and again does not grow memory.
	 */
	s->tools = NULL;
	s->ntools = s->atools = 0;
	json_array_foreach(s->listing, i, t) {
		if ((tname = conv_json_str(t, "name")) == NULL)
			continue;
		if (s->ntools >= MCP_MAX_TOOLS)
			break;
		name = mcp_tool_name(s->conf->name, tname);
		for (j = 0; j < s->ntools; j++) {
			if (strcmp(s->tools[j]->te->name, name) == 0)
				break;
		}
		if (j < s->ntools ||
		    (mt = tool_mcp_create(s, name, t)) == NULL) {
			log_debug("mcp: %s: tool %.100s left out (a duplicate "
			    "name or a bad schema)", s->conf->name, tname);
			free(name);
			continue;
		}
		free(name);
		for (j = 0; j < nold; j++) {
			if (old[j] != NULL &&
			    strcmp(old[j]->te->name, mt->te->name) == 0 &&
			    strcmp(old[j]->te->description,
			    mt->te->description) == 0 &&
			    strcmp(old[j]->te->schema, mt->te->schema) == 0 &&
			    old[j]->readonly == mt->readonly &&
			    (old[j]->claims == NULL) == (mt->claims == NULL) &&
			    (mt->claims == NULL ||
			    strcmp(old[j]->claims, mt->claims) == 0))
				break;
		}
		if (j < nold) {
			tool_mcp_free(mt);
			mt = old[j];
			old[j] = NULL;
		}
		ALLOC_GROW(s->tools, s->ntools + 1, s->atools);
		s->tools[s->ntools++] = mt;
	}
	for (j = 0; j < nold; j++) {
		if (old[j] == NULL)
			continue;
		ALLOC_GROW(s->m->retired, s->m->nretired + 1,
		    s->m->aretired);
		s->m->retired[s->m->nretired++] = old[j];
	}
	free(old);
	json_decref(s->listing);
	s->listing = NULL;
}

/* A page of tools/list. */
static void
mcp_list_done(void *arg, json_t *result, json_t *error)
{
	struct mcp_server	*s = arg;
	json_t			*tools, *t;
	const char		*next;
	char			*e;
	size_t			 i;

	s->list_call = NULL;
	if (error != NULL && json_integer_value(json_object_get(error,
	    "code")) == JSONRPC_E_CLOSED) {
		mcp_server_closing(s, s->conf->http && conv_json_str(error,
		    "message") != NULL ? conv_json_str(error, "message") :
		    "the server closed the connection during tools/list");
		return;
	}
	if (error != NULL) {
		e = mcp_error_text(error);
		mcp_server_fail(s, "tools/list failed: %s", e);
		free(e);
		return;
	}
	tools = json_object_get(result, "tools");
	json_array_foreach(tools, i, t)
		json_array_append(s->listing, t);
	next = conv_json_str(result, "nextCursor");
	if (next != NULL && *next != '\0' && s->pages < MCP_MAX_PAGES &&
	    json_array_size(s->listing) < MCP_MAX_TOOLS) {
		mcp_list(s, next);
		return;
	}
	if (s->relist) {
		s->relist = 0;
		mcp_list(s, NULL);
		return;
	}
	mcp_list_install(s);
	s->state = MCP_READY;
	log_debug("mcp: %s ready with %zu tools", s->conf->name, s->ntools);
	mcp_event(s->m, json_pack("{s:s,s:s,s:I}", "server", s->conf->name,
	    "what", "ready", "tools", (json_int_t)s->ntools));
	if (s->has_prompts && s->prompts == NULL && s->prompt_call == NULL)
		mcp_prompts_list(s, NULL);
	if (s->has_resources && s->res[0] == NULL && s->res_call[0] == NULL) {
		mcp_res_list(s, 0, NULL);
		mcp_res_list(s, 1, NULL);
	}
	mcp_changed(s->m);
}

/* ------------------------------------------------------------------------ */
/* Prompts (Server / Prompts) */

/* A page of prompts/list. */
static void
mcp_prompts_done(void *arg, json_t *result, json_t *error)
{
	struct mcp_server	*s = arg;
	json_t			*v, *p;
	const char		*next;
	size_t			 i;

	s->prompt_call = NULL;
	if (error != NULL) {
		log_debug("mcp: %s: prompts/list failed", s->conf->name);
		json_decref(s->prompt_pages);
		s->prompt_pages = NULL;
		return;
	}
	v = json_object_get(result, "prompts");
	json_array_foreach(v, i, p) {
		if (conv_json_str(p, "name") != NULL &&
		    json_array_size(s->prompt_pages) < MCP_MAX_TOOLS)
			json_array_append(s->prompt_pages, p);
	}
	next = conv_json_str(result, "nextCursor");
	if (next != NULL && *next != '\0' &&
	    json_array_size(s->prompt_pages) < MCP_MAX_TOOLS) {
		mcp_prompts_list(s, next);
		return;
	}
	json_decref(s->prompts);
	s->prompts = s->prompt_pages;
	s->prompt_pages = NULL;
	log_debug("mcp: %s has %zu prompts", s->conf->name,
	    json_array_size(s->prompts));
	mcp_changed(s->m);
}

/* A page of resources/list (k 0) or resources/templates/list (k 1). */
static void
mcp_res_done(struct mcp_server *s, int k, json_t *result, json_t *error)
{
	json_t		*v, *r;
	const char	*next;
	size_t		 i;

	s->res_call[k] = NULL;
	if (error != NULL) {
		log_debug("mcp: %s: %s failed", s->conf->name, k == 0 ?
		    "resources/list" : "resources/templates/list");
		json_decref(s->res_pages[k]);
		s->res_pages[k] = NULL;
		return;
	}
	v = json_object_get(result, k == 0 ? "resources" :
	    "resourceTemplates");
	json_array_foreach(v, i, r) {
		if (conv_json_str(r, k == 0 ? "uri" : "uriTemplate") != NULL &&
		    json_array_size(s->res_pages[k]) < MCP_MAX_TOOLS)
			json_array_append(s->res_pages[k], r);
	}
	next = conv_json_str(result, "nextCursor");
	if (next != NULL && *next != '\0' &&
	    json_array_size(s->res_pages[k]) < MCP_MAX_TOOLS) {
		mcp_res_list(s, k, next);
		return;
	}
	json_decref(s->res[k]);
	s->res[k] = s->res_pages[k];
	s->res_pages[k] = NULL;
	mcp_changed(s->m);
}

static void
mcp_res_done0(void *arg, json_t *result, json_t *error)
{
	mcp_res_done(arg, 0, result, error);
}

static void
mcp_res_done1(void *arg, json_t *result, json_t *error)
{
	mcp_res_done(arg, 1, result, error);
}

/* Ask for a page of resources (k 0) or resource templates (k 1). */
static void
mcp_res_list(struct mcp_server *s, int k, const char *cursor)
{
	json_t	*params = NULL;

	if (cursor == NULL) {
		json_decref(s->res_pages[k]);
		s->res_pages[k] = json_array();
	} else
		params = json_pack("{s:s}", "cursor", cursor);
	s->res_call[k] = jsonrpc_call(s->rpc, k == 0 ? "resources/list" :
	    "resources/templates/list", params,
	    options_get(s->m->cfg)->mcp.start_timeout_ms, k == 0 ?
	    mcp_res_done0 : mcp_res_done1, s);
}

/* Ask for a page of prompts. */
static void
mcp_prompts_list(struct mcp_server *s, const char *cursor)
{
	json_t	*params = NULL;

	if (cursor == NULL) {
		json_decref(s->prompt_pages);
		s->prompt_pages = json_array();
	} else
		params = json_pack("{s:s}", "cursor", cursor);
	s->prompt_call = jsonrpc_call(s->rpc, "prompts/list", params,
	    options_get(s->m->cfg)->mcp.start_timeout_ms, mcp_prompts_done,
	    s);
}

/* The prompt of model name name ("mcp__S__P"), and its server. */
static json_t *
mcp_prompt_find(struct mcp_manager *m, const char *name,
    struct mcp_server **sp)
{
	struct mcp_server	*s;
	json_t			*p;
	size_t			 i, j;
	char			*mangled;
	int			 same;

	for (i = 0; m != NULL && i < m->n; i++) {
		s = m->v[i];
		json_array_foreach(s->prompts, j, p) {
			mangled = mcp_tool_name(s->conf->name,
			    conv_json_str(p, "name"));
			same = strcmp(mangled, name) == 0;
			free(mangled);
			if (same) {
				*sp = s;
				return (p);
			}
		}
	}
	return (NULL);
}

/* --- completion of a prompt's arguments (Server / Utilities / Completion) */

static void
mcp_complete_free(struct mcp_complete *c)
{
	free(c->line);
	free(c);
}

void
mcp_prompt_complete_cancel(struct mcp_manager *m)
{
	struct mcp_complete	*c;

	if (m == NULL || (c = m->comp) == NULL)
		return;
	m->comp = NULL;
	if (c->call != NULL)
		jsonrpc_call_cancel(c->call);
	mcp_complete_free(c);
}

/*
 * What Tab makes of line, the word being completed starting at start and
 * the n candidates v (each borrowed): the one candidate in place of the
 * word (and a space unless last), or the prefix all share when longer
 * than the word; NULL when that adds nothing.
 */
static char *
mcp_complete_line(const char *line, size_t start, int last, const char **v,
    size_t n)
{
	size_t	i, k, common, have = strlen(line) - start;

	if (n == 0)
		return (NULL);
	common = strlen(v[0]);
	for (i = 1; i < n; i++) {
		for (k = 0; k < common && v[i][k] == v[0][k]; k++)
			;
		common = k;
	}
	if (n == 1)
		return (xasprintf("%.*s%s%s", (int)start, line, v[0],
		    last ? "" : " "));
	if (common <= have || strncmp(v[0], line + start, have) != 0)
		return (NULL);
	return (xasprintf("%.*s%.*s", (int)start, line, (int)common, v[0]));
}

/* The candidates as a note: "a  b  c" (+ N more), each after pfx. */
static char *
mcp_complete_note(const char *pfx, const char **v, size_t n,
    json_int_t total, int more)
{
	struct buf	b = BUF_INIT;
	size_t		i;
	char		*s;

	for (i = 0; i < n && i < 20; i++)
		buf_addf(&b, "%s%s%.80s", i > 0 ? "  " : "", pfx, v[i]);
	if (total > (json_int_t)i)
		buf_addf(&b, "  (%lld in all)", (long long)total);
	else if (more || i < n)
		buf_adds(&b, "  (and more)");
	s = xstrdup(b.buf != NULL ? b.buf : "");
	buf_release(&b);
	return (s);
}

/* The answer to completion/complete: {completion: {values, total, hasMore}}. */
static void
mcp_complete_got(void *arg, json_t *result, json_t *error)
{
	struct mcp_complete	*c = arg;
	json_t			*comp, *vals, *v;
	const char		**sv;
	char			*done = NULL, *note = NULL, *e;
	size_t			 i, n = 0;

	c->call = NULL;
	if (c->m != NULL && c->m->comp == c)
		c->m->comp = NULL;
	if (error != NULL) {
		e = mcp_error_text(error);
		note = xasprintf("MCP server %s: completion/complete failed: "
		    "%s", c->srv->conf->name, e);
		free(e);
	} else {
		comp = json_object_get(result, "completion");
		vals = json_object_get(comp, "values");
		/* The spec caps values at 100 items. */
		sv = xcalloc(json_array_size(vals) + 1, sizeof *sv);
		json_array_foreach(vals, i, v) {
			if (json_is_string(v) && n < 100 &&
			    strchr(json_string_value(v), '\n') == NULL)
				sv[n++] = json_string_value(v);
		}
		if (n == 0)
			note = xasprintf("MCP server %s has no completion for "
			    "this argument", c->srv->conf->name);
		else {
			done = mcp_complete_line(c->line, c->start, c->last,
			    sv, n);
			if (n > 1)
				note = mcp_complete_note("", sv, n,
				    json_integer_value(json_object_get(comp,
				    "total")), json_is_true(json_object_get(comp,
				    "hasMore")));
		}
		free(sv);
	}
	c->cb(c->arg, c->line, done, note);
	free(done);
	free(note);
	mcp_complete_free(c);
}

/* "who* style": a prompt's declared arguments, required ones marked. */
static void
mcp_prompt_args_text(json_t *p, size_t cur, struct buf *b)
{
	json_t		*decl = json_object_get(p, "arguments"), *a;
	const char	*an, *d;
	size_t		 i;

	buf_adds(b, "arguments:");
	json_array_foreach(decl, i, a) {
		if ((an = conv_json_str(a, "name")) == NULL)
			continue;
		buf_addf(b, " %s%.40s%s%s", i == cur ? "[" : "", an,
		    json_is_true(json_object_get(a, "required")) ? "*" : "",
		    i == cur ? "]" : "");
	}
	if ((a = json_array_get(decl, cur)) != NULL &&
	    (d = conv_json_str(a, "description")) != NULL)
		buf_addf(b, "; %.40s: %.200s", conv_json_str(a, "name"), d);
}

int
mcp_prompt_complete(struct mcp_manager *m, const char *line,
    void (*cb)(void *, const char *, const char *, const char *), void *arg,
    char **done, char **note)
{
	struct mcp_server	*s = NULL;
	struct mcp_complete	*c;
	struct buf		 b = BUF_INIT;
	json_t			*p, *decl, *ctxargs, *params, *q;
	const char		*w, *an, *why = NULL, **names;
	char			*cmd, *mangled;
	size_t			 i, j, n, len, nn = 0, cmdlen;

	*done = *note = NULL;
	if (m == NULL || strncmp(line, "/mcp__", 6) != 0)
		return (-1);
	cmdlen = strcspn(line + 1, " \t");
	if (line[1 + cmdlen] == '\0') {
		/* The prompt's name: those of every server with prompts. */
		names = NULL;
		for (i = 0; i < m->n; i++) {
			json_array_foreach(m->v[i]->prompts, j, q) {
				mangled = mcp_tool_name(m->v[i]->conf->name,
				    conv_json_str(q, "name"));
				if (strncmp(mangled, line + 1, cmdlen) == 0) {
					names = xreallocarray(names, nn + 1,
					    sizeof *names);
					names[nn++] = mangled;
				} else
					free(mangled);
			}
		}
		if (nn == 0)
			return (-1);
		*done = mcp_complete_line(line, 1, 0, names, nn);
		if (nn > 1)
			*note = mcp_complete_note("/", names, nn, 0, 0);
		for (i = 0; i < nn; i++)
			free((char *)names[i]);
		free(names);
		return (0);
	}
	cmd = xstrndup(line + 1, cmdlen);
	p = mcp_prompt_find(m, cmd, &s);
	free(cmd);
	if (p == NULL)
		return (-1);
	/*
	 * The argument being typed, as mcp_prompt_get() splits the line:
	 * a word each, the last declared argument the rest of the line.
	 */
	decl = json_object_get(p, "arguments");
	n = json_array_size(decl);
	ctxargs = json_object();
	w = line + 1 + cmdlen;
	for (i = 0; i < n; i++) {
		w += strspn(w, " \t");
		len = i + 1 == n ? strlen(w) : strcspn(w, " \t");
		if (w[len] == '\0')
			break;
		if ((an = conv_json_str(json_array_get(decl, i), "name")) !=
		    NULL)
			json_object_set_new(ctxargs, an, json_stringn(w, len));
		w += len;
	}
	if (i >= n) {
		json_decref(ctxargs);
		*note = xasprintf("/%.*s takes %s arguments", (int)cmdlen,
		    line + 1, n == 0 ? "no" : "no more");
		return (0);
	}
	an = conv_json_str(json_array_get(decl, i), "name");
	if (!s->has_completions || mcp_server_rpc(s, &why) == NULL ||
	    an == NULL) {
		/* No completions: the declared arguments, this one marked. */
		json_decref(ctxargs);
		mcp_prompt_args_text(p, i, &b);
		*note = xstrdup(b.buf);
		buf_release(&b);
		return (0);
	}
	/*
	 * completion/complete: ref/prompt, the argument and what it holds;
	 * the earlier arguments as context.arguments from 2025-06-18 on.
	 */
	params = json_pack("{s:{s:s,s:s},s:{s:s,s:s}}", "ref", "type",
	    "ref/prompt", "name", conv_json_str(p, "name"), "argument",
	    "name", an, "value", w);
	if (s->version != NULL && strcmp(s->version, "2025-06-18") >= 0 &&
	    json_object_size(ctxargs) > 0)
		json_object_set_new(params, "context", json_pack("{s:O}",
		    "arguments", ctxargs));
	json_decref(ctxargs);
	mcp_prompt_complete_cancel(m);
	c = xcalloc(1, sizeof *c);
	c->m = m;
	c->srv = s;
	c->line = xstrdup(line);
	c->start = (size_t)(w - line);
	c->last = i + 1 == n;
	c->cb = cb;
	c->arg = arg;
	c->call = jsonrpc_call(s->rpc, "completion/complete", params,
	    mcp_call_timeout(s), mcp_complete_got, c);
	if (c->call == NULL) {
		mcp_complete_free(c);
		*note = xasprintf("MCP server %s closed the connection",
		    s->conf->name);
		return (0);
	}
	m->comp = c;
	return (1);
}

/* What a prompts/get is waiting for, in the list of those in flight. */
struct mcp_prompt_req {
	void			(*cb)(void *, const char *, const char *);
	void			*arg;
	char			*server;
	struct mcp_server	*srv;
	struct loop_timer	*gone;		/* the server stopped */
	struct mcp_prompt_req	*next;
};
static struct mcp_prompt_req *mcp_prompt_reqs;

/* Take r out of the list of prompts in flight. */
static void
mcp_prompt_unlink(struct mcp_prompt_req *r)
{
	struct mcp_prompt_req	**pp;

	for (pp = &mcp_prompt_reqs; *pp != NULL; pp = &(*pp)->next) {
		if (*pp == r) {
			*pp = r->next;
			return;
		}
	}
}

/* The server of r stopped before answering: say so, from the loop. */
static void
mcp_prompt_gone_fire(void *arg)
{
	struct mcp_prompt_req	*r = arg;
	char			*why;

	mcp_prompt_unlink(r);
	why = xasprintf("MCP server %s stopped before it sent the prompt",
	    r->server);
	r->cb(r->arg, NULL, why);
	free(why);
	free(r->server);
	free(r);
}

/* At exit: the prompts of m's servers are forgotten, unanswered. */
static void
mcp_prompts_forget(struct mcp_manager *m)
{
	struct mcp_prompt_req	*r, **pp = &mcp_prompt_reqs;

	while ((r = *pp) != NULL) {
		if (r->srv->m != m) {
			pp = &r->next;
			continue;
		}
		*pp = r->next;
		if (r->gone != NULL)
			loop_timer_cancel(r->gone);
		free(r->server);
		free(r);
	}
}

/* s's connection goes away: its prompts in flight will never answer. */
static void
mcp_prompts_gone(struct mcp_server *s)
{
	struct mcp_prompt_req	*r;

	for (r = mcp_prompt_reqs; r != NULL; r = r->next) {
		if (r->srv == s && r->gone == NULL)
			r->gone = loop_timer_add(0, mcp_prompt_gone_fire, r);
	}
}

/* The answer to prompts/get: its messages' text joined. */
static void
mcp_prompt_got(void *arg, json_t *result, json_t *error)
{
	struct mcp_prompt_req	*r = arg;
	struct buf		 b = BUF_INIT, clean = BUF_INIT;
	json_t			*msgs, *msg, *c;
	const char		*t, *uri;
	size_t			 i;
	char			*e;

	mcp_prompt_unlink(r);
	if (error != NULL) {
		e = mcp_error_text(error);
		buf_addf(&b, "MCP server %s: prompts/get failed: %s",
		    r->server, e);
		free(e);
		r->cb(r->arg, NULL, b.buf);
		goto out;
	}
	msgs = json_object_get(result, "messages");
	json_array_foreach(msgs, i, msg) {
		c = json_object_get(msg, "content");
		t = conv_json_str(c, "type");
		if (t == NULL)
			continue;
		if (b.len > 0)
			buf_adds(&b, "\n\n");
		if (strcmp(t, "text") == 0 && conv_json_str(c, "text") != NULL)
			buf_adds(&b, conv_json_str(c, "text"));
		else if (strcmp(t, "resource") == 0) {
			uri = conv_json_str(json_object_get(c, "resource"),
			    "uri");
			buf_addf(&b, "[resource %s]\n%s", uri != NULL ? uri :
			    "(no uri)", conv_json_str(json_object_get(c,
			    "resource"), "text") != NULL ? conv_json_str(
			    json_object_get(c, "resource"), "text") : "");
		} else
			buf_addf(&b, "[%s content]", t);
	}
	if (b.len == 0) {
		buf_addf(&b, "MCP server %s: the prompt has no text",
		    r->server);
		r->cb(r->arg, NULL, b.buf);
		goto out;
	}
	tool_utf8_sanitize(&clean, b.buf, b.len);
	r->cb(r->arg, clean.buf, NULL);
out:
	buf_release(&clean);
	buf_release(&b);
	free(r->server);
	free(r);
}

int
mcp_prompt_get(struct mcp_manager *m, const char *name, const char *args,
    void (*cb)(void *, const char *, const char *), void *arg, char **cause)
{
	struct mcp_server	*s = NULL;
	struct mcp_prompt_req	*r;
	json_t			*p, *decl, *a, *params;
	const char		*an, *w = args, *why = NULL;
	size_t			 i, n, len;

	if ((p = mcp_prompt_find(m, name, &s)) == NULL) {
		*cause = xasprintf("no MCP prompt /%s (/mcp lists them)",
		    name);
		return (-1);
	}
	if (mcp_server_rpc(s, &why) == NULL) {
		*cause = xasprintf("MCP server %s is not connected (%s)",
		    s->conf->name, why);
		return (-1);
	}
	a = json_object();
	decl = json_object_get(p, "arguments");
	n = json_array_size(decl);
	for (i = 0; i < n; i++) {
		an = conv_json_str(json_array_get(decl, i), "name");
		w += strspn(w, " \t");
		if (an == NULL || *w == '\0')
			break;
		/* The last argument takes the rest of the line. */
		len = i + 1 == n ? strlen(w) : strcspn(w, " \t");
		json_object_set_new(a, an, json_stringn(w, len));
		w += len;
	}
	for (; i < n; i++) {
		decl = json_object_get(p, "arguments");
		if (json_is_true(json_object_get(json_array_get(decl, i),
		    "required"))) {
			*cause = xasprintf("/%s needs the argument %s", name,
			    conv_json_str(json_array_get(decl, i), "name"));
			json_decref(a);
			return (-1);
		}
	}
	params = json_pack("{s:s,s:o}", "name", conv_json_str(p, "name"),
	    "arguments", a);
	r = xcalloc(1, sizeof *r);
	r->cb = cb;
	r->arg = arg;
	r->server = xstrdup(s->conf->name);
	r->srv = s;
	if (jsonrpc_call(s->rpc, "prompts/get", params,
	    mcp_call_timeout(s), mcp_prompt_got, r) == NULL) {
		free(r->server);
		free(r);
		*cause = xasprintf("MCP server %s closed the connection",
		    s->conf->name);
		return (-1);
	}
	r->next = mcp_prompt_reqs;
	mcp_prompt_reqs = r;
	return (0);
}

/* ------------------------------------------------------------------------ */
/* Resources (Server / Resources) */

/*
 * The reads of one prompt.  It lives until every call answered and the
 * owner was told (or let go): a call forgotten with its endpoint (a
 * server stopped) only keeps it, so the timer is what ends the wait.
 */
struct mcp_fetch {
	struct mcp_manager	*m;		/* NULL once let go */
	void			(*cb)(void *, const char *);
	void			*arg;
	struct buf		 out[MCP_MAX_REFS];
	size_t			 n, pending;
	struct loop_timer	*timer;
};

/* One call of a fetch. */
struct mcp_fetch_ref {
	struct mcp_fetch	*f;
	size_t			 i;
};

/* Tell the owner what was read (once), and let go of the fetch. */
static void
mcp_fetch_finish(struct mcp_fetch *f)
{
	struct buf	 all = BUF_INIT;
	size_t		 i;

	if (f->timer != NULL)
		loop_timer_cancel(f->timer);
	f->timer = NULL;
	if (f->m != NULL && f->cb != NULL) {
		for (i = 0; i < f->n; i++) {
			if (i > 0)
				buf_adds(&all, "\n\n");
			buf_add(&all, f->out[i].buf, f->out[i].len);
		}
		f->m->fetch = NULL;
		f->m = NULL;
		f->cb(f->arg, all.buf);
	}
	if (f->m != NULL)
		f->m->fetch = NULL;
	f->m = NULL;
	f->cb = NULL;
	buf_release(&all);
	if (f->pending == 0) {
		for (i = 0; i < f->n; i++)
			buf_release(&f->out[i]);
		free(f);
	}
}

/* The time limit of the whole fetch. */
static void
mcp_fetch_timeout(void *arg)
{
	struct mcp_fetch	*f = arg;
	size_t			 i;

	f->timer = NULL;
	for (i = 0; i < f->n; i++) {
		/* Unanswered: say so in its place. */
		if (strchr(f->out[i].buf, '\n') == NULL)
			buf_adds(&f->out[i], "\n(no answer in time)");
	}
	mcp_fetch_finish(f);
}

/* The answer to one resources/read. */
static void
mcp_fetch_done(void *arg, json_t *result, json_t *error)
{
	struct mcp_fetch_ref	*r = arg;
	struct mcp_fetch	*f = r->f;
	struct buf		*b = &f->out[r->i], clean = BUF_INIT;
	json_t			*c;
	const char		*s, *mime;
	size_t			 i, len;
	char			*e;

	free(r);
	f->pending--;
	if (f->cb == NULL) {
		/* Already told (timeout) or let go: just free at the end. */
		if (f->pending == 0 && f->m == NULL)
			mcp_fetch_finish(f);
		return;
	}
	if (error != NULL) {
		e = mcp_error_text(error);
		buf_addf(b, "\n(resources/read failed: %s)", e);
		free(e);
	}
	json_array_foreach(json_object_get(result, "contents"), i, c) {
		mime = conv_json_str(c, "mimeType");
		if ((s = conv_json_str(c, "text")) != NULL) {
			len = strlen(s);
			buf_addch(b, '\n');
			tool_utf8_sanitize(&clean, s, len > TOOL_OUTPUT_MAX ?
			    TOOL_OUTPUT_MAX : len);
			buf_add(b, clean.buf, clean.len);
			buf_reset(&clean);
			if (len > TOOL_OUTPUT_MAX)
				buf_addf(b, "\n[... cut at %d of %zu bytes]",
				    TOOL_OUTPUT_MAX, len);
		} else if ((s = conv_json_str(c, "blob")) != NULL)
			buf_addf(b, "\n[%s, %zu bytes]", mime != NULL ? mime :
			    "binary", mcp_b64_size(s));
	}
	if (strchr(b->buf, '\n') == NULL)
		buf_adds(b, "\n(empty)");
	buf_release(&clean);
	if (f->pending == 0)
		mcp_fetch_finish(f);
}

int
mcp_resources_fetch(struct mcp_manager *m, const char *prompt,
    void (*cb)(void *, const char *), void *arg)
{
	struct mcp_fetch	*f;
	struct mcp_fetch_ref	*r;
	struct mcp_server	*s;
	const char		*p, *colon, *end, *why;
	char			*name, *uri;
	size_t			 i;

	if (m == NULL || m->fetch != NULL)
		return (0);
	f = xcalloc(1, sizeof *f);
	f->m = m;
	f->cb = cb;
	f->arg = arg;
	for (p = prompt; (p = strchr(p, '@')) != NULL && f->n < MCP_MAX_REFS;
	    p++) {
		if (p > prompt && !isspace((unsigned char)p[-1]))
			continue;
		end = p + 1 + strcspn(p + 1, " \t\r\n");
		if ((colon = memchr(p + 1, ':', end - p - 1)) == NULL ||
		    colon == p + 1 || colon + 1 == end)
			continue;
		/* A sentence's full stop or comma is not the URI's. */
		while (end > colon + 1 && strchr(".,;:!?)\"'", end[-1]) != NULL)
			end--;
		name = xstrndup(p + 1, colon - p - 1);
		s = NULL;
		for (i = 0; i < m->n; i++) {
			if (strcmp(m->v[i]->conf->name, name) == 0)
				s = m->v[i];
		}
		free(name);
		if (s == NULL || mcp_server_rpc(s, &why) == NULL)
			continue;
		uri = xstrndup(colon + 1, end - colon - 1);
		buf_init(&f->out[f->n], 0);
		buf_addf(&f->out[f->n], "[resource @%s:%s]", s->conf->name,
		    uri);
		r = xcalloc(1, sizeof *r);
		r->f = f;
		r->i = f->n++;
		if (jsonrpc_call(s->rpc, "resources/read", json_pack("{s:s}",
		    "uri", uri), mcp_call_timeout(s), mcp_fetch_done,
		    r) == NULL) {
			buf_adds(&f->out[r->i], "\n(the server closed the "
			    "connection)");
			free(r);
		} else
			f->pending++;
		free(uri);
	}
	if (f->n == 0) {
		free(f);
		return (0);
	}
	m->fetch = f;
	f->timer = loop_timer_add(options_get(m->cfg)->mcp.call_timeout_ms +
	    1000, mcp_fetch_timeout, f);
	if (f->pending == 0) {
		/* Nothing on the wire: tell the owner from the loop. */
		loop_timer_cancel(f->timer);
		f->timer = loop_timer_add(0, mcp_fetch_timeout, f);
	}
	return (1);
}

void
mcp_resources_cancel(struct mcp_manager *m)
{
	struct mcp_fetch	*f;

	if (m == NULL || (f = m->fetch) == NULL)
		return;
	m->fetch = NULL;
	f->m = NULL;
	f->cb = NULL;
	mcp_fetch_finish(f);
}


/* --- elicitation (Client / Elicitation) */

void
mcp_set_elicit_cb(struct mcp_manager *m,
    void (*cb)(void *, struct mcp_elicit *), void *arg)
{
	m->el_cb = cb;
	m->el_arg = arg;
}

/* Server s stopped: the forms it asked for can answer nothing now. */
static void
mcp_elicit_detach(struct mcp_manager *m, struct mcp_server *s)
{
	size_t	i;

	for (i = 0; i < m->nelicits; i++) {
		if (m->elicits[i]->srv == s)
			m->elicits[i]->srv = NULL;
	}
}

static const char *const mcp_elicit_actions[] = {
	[MCP_ELICIT_ACCEPT] = "accept",
	[MCP_ELICIT_DECLINE] = "decline",
	[MCP_ELICIT_CANCEL] = "cancel",
};

/* An elicitation/create from s (Client / Elicitation, "Creating..."). */
static void
mcp_elicit_request(struct mcp_server *s, json_t *id, json_t *params)
{
	struct mcp_manager	*m = s->m;
	struct mcp_elicit	*e;
	const char		*mode, *msg, *url;
	json_t			*schema, *content;
	char			*cause = NULL;

	mode = conv_json_str(params, "mode");
	msg = conv_json_str(params, "message");
	url = conv_json_str(params, "url");
	schema = json_object_get(params, "requestedSchema");
	if (mode == NULL)
		mode = "form";
	if (strcmp(mode, "url") == 0 ? url == NULL :
	    strcmp(mode, "form") != 0 || mcp_elicit_check(schema, &cause)
	    != 0) {
		log_debug("mcp: %s: bad elicitation/create: %s",
		    s->conf->name, cause != NULL ? cause : "mode or url");
		jsonrpc_reply(s->rpc, id, NULL, JSONRPC_INVALID_PARAMS,
		    cause != NULL ? cause : "unsupported mode or no url");
		free(cause);
		return;
	}
	e = xcalloc(1, sizeof *e);
	e->m = m;
	e->srv = s;
	e->id = json_incref(id);
	e->server = xstrdup(s->conf->name);
	e->message = xstrndup(msg != NULL ? msg : "", 4096);
	if (strcmp(mode, "url") == 0)
		e->url = xstrndup(url, 4096);
	else
		e->schema = json_deep_copy(schema);
	if (m->nelicits == m->aelicits)
		m->elicits = xreallocarray(m->elicits,
		    m->aelicits = m->aelicits * 2 + 4, sizeof *m->elicits);
	m->elicits[m->nelicits++] = e;
	if (m->el_cb != NULL) {
		m->el_cb(m->el_arg, e);
		return;
	}
	/* Headless: nobody to ask. */
	content = NULL;
	if (e->schema != NULL && options_get(m->cfg)->mcp.elicitation == 1)
		content = mcp_elicit_defaults(e->schema, &cause);
	if (content == NULL) {
		log_debug("mcp: %s: elicitation declined (headless%s%s)",
		    e->server, cause != NULL ? ": " : "",
		    cause != NULL ? cause : "");
		free(cause);
		mcp_elicit_answer(e, MCP_ELICIT_DECLINE, NULL);
	} else
		mcp_elicit_answer(e, MCP_ELICIT_ACCEPT, content);
}

const char *
mcp_elicit_server(struct mcp_elicit *e)
{
	return (e->server);
}

const char *
mcp_elicit_message(struct mcp_elicit *e)
{
	return (e->message);
}

const char *
mcp_elicit_url(struct mcp_elicit *e)
{
	return (e->url);
}

json_t *
mcp_elicit_schema(struct mcp_elicit *e)
{
	return (e->schema);
}

int
mcp_elicit_live(struct mcp_elicit *e)
{
	return (e->srv != NULL && e->srv->rpc != NULL);
}

void
mcp_elicit_answer(struct mcp_elicit *e, enum mcp_elicit_action action,
    json_t *content)
{
	struct mcp_manager	*m = e->m;
	json_t			*result;
	size_t			 i;

	if ((unsigned int)action > MCP_ELICIT_CANCEL)
		action = MCP_ELICIT_CANCEL;
	if (mcp_elicit_live(e)) {
		result = json_pack("{s:s}", "action",
		    mcp_elicit_actions[action]);
		if (action == MCP_ELICIT_ACCEPT && e->url == NULL &&
		    content != NULL)
			json_object_set(result, "content", content);
		jsonrpc_reply(e->srv->rpc, e->id, result, 0, NULL);
	}
	if (m != NULL) {
		mcp_event(m, json_pack("{s:s,s:s,s:s,s:s,s:s}", "server",
		    e->server, "what", "elicitation", "mode", e->url != NULL ?
		    "url" : "form", "message", e->message, "action",
		    mcp_elicit_live(e) ? mcp_elicit_actions[action] :
		    "(server gone)"));
		for (i = 0; i < m->nelicits; i++) {
			if (m->elicits[i] == e) {
				m->elicits[i] = m->elicits[--m->nelicits];
				break;
			}
		}
	}
	json_decref(content);
	json_decref(e->id);
	json_decref(e->schema);
	free(e->server);
	free(e->message);
	free(e->url);
	free(e);
}
/* --- end elicitation */
