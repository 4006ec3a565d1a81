/* mcp-oauth.c: OAuth 2.1 for remote MCP servers (see mcp-oauth.h). */
#include <sys/types.h>
#include <sys/queue.h>
#include <sys/socket.h>
#include <sys/stat.h>

#include <netinet/in.h>

#include <ctype.h>
#include <errno.h>
#include <stdio.h>
#include <fcntl.h>
#include <spawn.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>
#include <unistd.h>

#include <curl/curl.h>
#include <event2/buffer.h>
#include <event2/event.h>
#include <event2/http.h>
#include <event2/keyvalq_struct.h>
#include <event2/listener.h>
#include <jansson.h>
#include <openssl/bn.h>
#include <openssl/ec.h>
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/rand.h>
#include <openssl/sha.h>

#include "agentos.h"
#include "mcp-oauth.h"
#include "banned.h"

#ifndef nitems
#define nitems(a)		(sizeof (a) / sizeof (a)[0])
#endif

#define MCP_OAUTH_MAX_BODY	(256 * 1024)	/* one metadata or token body */
#define MCP_OAUTH_MAX_HOPS	8		/* redirects followed (auto) */
#define MCP_OAUTH_SLACK_S	30		/* expiring this soon: expired */
#define MCP_OAUTH_TIMEOUT_MS	30000		/* one HTTP exchange */

int		 mcp_oauth_auto;
const char	*mcp_oauth_cimd_url;
int		 mcp_oauth_print;
int		 mcp_oauth_open;

extern char	**environ;

int
mcp_oauth_browse(const char *url)
{
	posix_spawn_file_actions_t	 fa;
	char				*argv[3];
	pid_t				 pid;
	int				 rc;

	/* Only a URL of ours reaches here; never an option to xdg-open. */
	if (strncasecmp(url, "http", 4) != 0)
		return (-1);
	argv[0] = (char *)"xdg-open";
	argv[1] = (char *)url;
	argv[2] = NULL;
	posix_spawn_file_actions_init(&fa);
	posix_spawn_file_actions_addopen(&fa, 0, "/dev/null", O_RDONLY, 0);
	posix_spawn_file_actions_addopen(&fa, 1, "/dev/null", O_WRONLY, 0);
	posix_spawn_file_actions_addopen(&fa, 2, "/dev/null", O_WRONLY, 0);
	rc = posix_spawnp(&pid, "xdg-open", &fa, NULL, argv, environ);
	posix_spawn_file_actions_destroy(&fa);
	return (rc == 0 ? 0 : -1);
}

enum mcp_oauth_step {
	MCP_OAUTH_REFRESH,
	MCP_OAUTH_PRM,
	MCP_OAUTH_ASMETA,
	MCP_OAUTH_REGISTER,
	MCP_OAUTH_AUTHORIZE,
	MCP_OAUTH_TOKEN,
};

struct mcp_oauth_flow {
	char			*name;
	char			*url;		/* the MCP endpoint */
	long			 status;	/* 401 or 403 */
	char			*www;
	struct mcp_oauth_conf	*conf;
	const struct mcp_oauth_cb *cb;
	void			*arg;

	enum mcp_oauth_step	 step;
	struct http_req		*req;
	struct buf		 in;
	long			 rstatus;
	char			**cand;		/* metadata URLs to try */
	size_t			 ncand, icand;

	char			*resource;	/* RFC 8707 */
	char			*as;		/* the issuer */
	json_t			*prm;
	json_t			*meta;
	char			*authorize_ep;
	char			*token_ep;
	char			*register_ep;
	char			*scope;
	char			*client_id;
	char			*client_secret;
	char			*auth_method;	/* token endpoint */
	char			*verifier;
	char			*state;
	char			*redirect;
	char			*auth_url;
	struct evhttp		*listener;
	struct http_req		*follow;	/* mcp_oauth_auto */
	int			 hops;
	char			*code;
	int			 finished;
	int			 sent;		/* the token request is out */
	int			 cc;		/* client_credentials grant */
	int			 registered;	/* client_id from the file */
	int			 answered;	/* the listener sent a page */
	char			*old_redirect;	/* its redirect_uri */
	struct loop_timer	*timer;
};

static void	mcp_oauth_next(struct mcp_oauth_flow *);
static void	mcp_oauth_finish(struct mcp_oauth_flow *, const char *,
		    const char *);
static void	mcp_oauth_prm(struct mcp_oauth_flow *);
static void	mcp_oauth_asmeta(struct mcp_oauth_flow *);
static void	mcp_oauth_register(struct mcp_oauth_flow *);
static void	mcp_oauth_authorize(struct mcp_oauth_flow *);
static void	mcp_oauth_token_request(struct mcp_oauth_flow *);
static void	mcp_oauth_free(struct mcp_oauth_flow *);
static void	mcp_oauth_discover(struct mcp_oauth_flow *);
static void	mcp_oauth_cand_clear(struct mcp_oauth_flow *);
static void	mcp_oauth_follow_done(void *,
		    const struct http_response_info *);

static const struct http_cb mcp_oauth_follow_cbs = {
	.done = mcp_oauth_follow_done,
};

/* Clear and free a secret. */
static void
mcp_oauth_wipe(char *s)
{
	if (s != NULL) {
		explicit_bzero(s, strlen(s));
		free(s);
	}
}

/* -------------------------------------------------------------------- */
/* Configuration */

/* A non-empty one-line string member of j, copied; NULL when absent. */
static int
mcp_oauth_conf_str(json_t *j, const char *key, char **out, char **why)
{
	json_t		*v = json_object_get(j, key);
	const char	*s;

	*out = NULL;
	if (v == NULL || json_is_null(v))
		return (0);
	if (!json_is_string(v) || *(s = json_string_value(v)) == '\0' ||
	    strpbrk(s, "\r\n") != NULL) {
		*why = xasprintf("\"oauth\".%s must be a one-line string", key);
		return (-1);
	}
	*out = xstrdup(s);
	return (0);
}

int
mcp_oauth_conf_parse(json_t *j, struct mcp_oauth_conf **confp, char **why)
{
	struct mcp_oauth_conf	*c;
	json_t			*v, *e;
	struct buf		 b = BUF_INIT;
	size_t			 i;

	*confp = NULL;
	if (j == NULL || json_is_null(j))
		return (0);
	if (!json_is_object(j)) {
		*why = xstrdup("\"oauth\" must be an object");
		return (-1);
	}
	c = xcalloc(1, sizeof *c);
	if (mcp_oauth_conf_str(j, "client_id", &c->client_id, why) != 0 ||
	    mcp_oauth_conf_str(j, "client_secret", &c->client_secret,
	    why) != 0 || mcp_oauth_conf_str(j, "private_key_file",
	    &c->private_key, why) != 0)
		goto fail;
	v = json_object_get(j, "scopes");
	if (json_is_string(v))
		buf_adds(&b, json_string_value(v));
	else if (json_is_array(v)) {
		json_array_foreach(v, i, e) {
			if (!json_is_string(e)) {
				*why = xstrdup("\"oauth\".scopes must be "
				    "strings");
				goto fail;
			}
			if (b.len > 0)
				buf_addch(&b, ' ');
			buf_adds(&b, json_string_value(e));
		}
	} else if (v != NULL && !json_is_null(v)) {
		*why = xstrdup("\"oauth\".scopes must be a string or an array");
		goto fail;
	}
	if (strpbrk(b.buf, "\r\n\"") != NULL) {
		*why = xstrdup("\"oauth\".scopes: a bad character");
		goto fail;
	}
	if (b.len > 0)
		c->scopes = buf_detach(&b, NULL);
	buf_release(&b);
	*confp = c;
	return (0);
fail:
	buf_release(&b);
	mcp_oauth_conf_free(c);
	return (-1);
}

void
mcp_oauth_conf_free(struct mcp_oauth_conf *c)
{
	if (c == NULL)
		return;
	free(c->client_id);
	mcp_oauth_wipe(c->client_secret);
	free(c->scopes);
	free(c->private_key);
	free(c);
}

struct mcp_oauth_conf *
mcp_oauth_conf_copy(const struct mcp_oauth_conf *c)
{
	struct mcp_oauth_conf	*n;

	if (c == NULL)
		return (NULL);
	n = xcalloc(1, sizeof *n);
	n->client_id = c->client_id ? xstrdup(c->client_id) : NULL;
	n->client_secret = c->client_secret ? xstrdup(c->client_secret) : NULL;
	n->scopes = c->scopes ? xstrdup(c->scopes) : NULL;
	n->private_key = c->private_key ? xstrdup(c->private_key) : NULL;
	return (n);
}

/* -------------------------------------------------------------------- */
/* Small encodings */

char *
mcp_oauth_form_escape(const char *s)
{
	static const char	 hex[] = "0123456789ABCDEF";
	struct buf		 b = BUF_INIT;
	unsigned char		 c;

	for (; *s != '\0'; s++) {
		c = (unsigned char)*s;
		/* RFC 3986 §2.3 unreserved characters stay as they are. */
		if (isalnum(c) || c == '-' || c == '.' || c == '_' || c == '~')
			buf_addch(&b, c);
		else {
			buf_addch(&b, '%');
			buf_addch(&b, hex[c >> 4]);
			buf_addch(&b, hex[c & 15]);
		}
	}
	return (buf_detach(&b, NULL));
}

/* base64url without padding (RFC 7636 Appendix A) of len bytes. */
static char *
mcp_oauth_b64url(const unsigned char *p, size_t len)
{
	char	*s = xmalloc(4 * ((len + 2) / 3) + 1);
	size_t	 i, n;

	n = (size_t)EVP_EncodeBlock((unsigned char *)s, p, (int)len);
	while (n > 0 && s[n - 1] == '=')
		n--;
	s[n] = '\0';
	for (i = 0; i < n; i++) {
		if (s[i] == '+')
			s[i] = '-';
		else if (s[i] == '/')
			s[i] = '_';
	}
	return (s);
}

/* Standard base64 of s, for HTTP Basic credentials. */
static char *
mcp_oauth_b64(const char *str)
{
	size_t	 len = strlen(str);
	char	*s = xmalloc(4 * ((len + 2) / 3) + 1);

	EVP_EncodeBlock((unsigned char *)s, (const unsigned char *)str,
	    (int)len);
	return (s);
}

/* nbytes random bytes as base64url. */
static char *
mcp_oauth_random(size_t nbytes)
{
	unsigned char	 r[64];

	if (nbytes > sizeof r || RAND_bytes(r, (int)nbytes) != 1)
		fatalx("RAND_bytes failed");
	return (mcp_oauth_b64url(r, nbytes));
}

char *
mcp_oauth_s256(const char *verifier)
{
	unsigned char	 md[SHA256_DIGEST_LENGTH];

	SHA256((const unsigned char *)verifier, strlen(verifier), md);
	return (mcp_oauth_b64url(md, sizeof md));
}

/* Nonzero when a and b are equal, in time that does not depend on where. */
static int
mcp_oauth_same_secret(const char *a, const char *b)
{
	size_t		 la = strlen(a), lb = strlen(b), i;
	unsigned char	 d = 0;

	if (la != lb)
		return (0);
	for (i = 0; i < la; i++)
		d |= (unsigned char)a[i] ^ (unsigned char)b[i];
	return (d == 0);
}

char *
mcp_oauth_www_param(const char *www, const char *name)
{
	const char	*p = www, *s;
	struct buf	 b = BUF_INIT;
	size_t		 n;
	int		 bearer = 0, match;

	if (www == NULL)
		return (NULL);
	while (*p != '\0') {
		while (*p == ' ' || *p == '\t' || *p == ',')
			p++;
		s = p;
		while (*p != '\0' && strchr(" \t,=", *p) == NULL)
			p++;
		n = p - s;
		if (n == 0)
			break;
		while (*p == ' ' || *p == '\t')
			p++;
		if (*p != '=') {
			/* An auth-scheme: the start of a challenge. */
			if (bearer)
				break;
			bearer = n == 6 && strncasecmp(s, "Bearer", 6) == 0;
			continue;
		}
		p++;
		while (*p == ' ' || *p == '\t')
			p++;
		match = bearer && strlen(name) == n &&
		    strncasecmp(s, name, n) == 0;
		buf_reset(&b);
		if (*p == '"') {
			for (p++; *p != '\0' && *p != '"'; p++) {
				if (*p == '\\' && p[1] != '\0')
					p++;
				buf_addch(&b, *p);
			}
			if (*p == '"')
				p++;
		} else {
			while (*p != '\0' && strchr(" \t,", *p) == NULL)
				buf_addch(&b, *p++);
		}
		if (match)
			return (buf_detach(&b, NULL));
	}
	buf_release(&b);
	return (NULL);
}

/* Scheme, host and port of url ("http://h:1"), and its path; -1 if bad. */
static int
mcp_oauth_split(const char *url, char **origin, char **path)
{
	CURLU	*u = curl_url();
	char	*scheme = NULL, *host = NULL, *port = NULL, *p = NULL;
	size_t	 n;
	int	 rc = -1;

	if (u == NULL)
		fatalx("curl_url failed");
	if (curl_url_set(u, CURLUPART_URL, url, 0) != CURLUE_OK ||
	    curl_url_get(u, CURLUPART_SCHEME, &scheme, 0) != CURLUE_OK ||
	    curl_url_get(u, CURLUPART_HOST, &host, 0) != CURLUE_OK ||
	    curl_url_get(u, CURLUPART_PATH, &p, 0) != CURLUE_OK)
		goto out;
	if (strcasecmp(scheme, "http") != 0 && strcasecmp(scheme, "https") != 0)
		goto out;
	curl_url_get(u, CURLUPART_PORT, &port, 0);
	*origin = port != NULL ? xasprintf("%s://%s:%s", scheme, host, port) :
	    xasprintf("%s://%s", scheme, host);
	/* No trailing slash: "/" is the empty path. */
	n = strlen(p);
	while (n > 0 && p[n - 1] == '/')
		n--;
	*path = xstrndup(p, n);
	rc = 0;
out:
	curl_free(scheme);
	curl_free(host);
	curl_free(port);
	curl_free(p);
	curl_url_cleanup(u);
	return (rc);
}

int
mcp_oauth_well_known(const char *url, int kind, char ***vp, size_t *np)
{
	char	*origin, *path, **v;
	size_t	 n = 0;

	if (mcp_oauth_split(url, &origin, &path) != 0)
		return (-1);
	v = xcalloc(4, sizeof *v);
	if (kind == 1) {
		/* RFC 9728 §3.1; MCP "Protected Resource Metadata ...". */
		if (*path != '\0')
			v[n++] = xasprintf("%s/.well-known/"
			    "oauth-protected-resource%s", origin, path);
		v[n++] = xasprintf("%s/.well-known/oauth-protected-resource",
		    origin);
	} else if (*path != '\0') {
		/* MCP "Authorization Server Metadata Discovery", with path. */
		v[n++] = xasprintf("%s/.well-known/oauth-authorization-server%s",
		    origin, path);
		v[n++] = xasprintf("%s/.well-known/openid-configuration%s",
		    origin, path);
		v[n++] = xasprintf("%s%s/.well-known/openid-configuration",
		    origin, path);
	} else {
		v[n++] = xasprintf("%s/.well-known/oauth-authorization-server",
		    origin);
		v[n++] = xasprintf("%s/.well-known/openid-configuration",
		    origin);
	}
	free(origin);
	free(path);
	*vp = v;
	*np = n;
	return (0);
}

/* -------------------------------------------------------------------- */
/* The token file */

char *
mcp_oauth_store_path(void)
{
	return (path_state_file("mcp-oauth.json"));
}

/* The whole file ({"servers": {URL: {...}}}); a new one when missing. */
static json_t *
mcp_oauth_load(void)
{
	char	*path = mcp_oauth_store_path();
	json_t	*j = NULL;

	if (path != NULL)
		j = json_load_file(path, 0, NULL);
	free(path);
	if (!json_is_object(j) ||
	    !json_is_object(json_object_get(j, "servers"))) {
		json_decref(j);
		j = json_pack("{s{}}", "servers");
	}
	return (j);
}

/* Write j to the token file: 0600 in a 0700 directory, atomically. */
static int
mcp_oauth_save(json_t *j, char **cause)
{
	char	*path;
	int	 rc;

	if ((path = mcp_oauth_store_path()) == NULL) {
		*cause = xstrdup("no state directory ($XDG_STATE_HOME or "
		    "$HOME)");
		return (-1);
	}
	rc = path_save_json_private(path, j, cause);
	free(path);
	return (rc);
}

/* The entry of url (borrowed from j), created when create is set. */
static json_t *
mcp_oauth_entry(json_t *j, const char *url, int create)
{
	json_t	*servers = json_object_get(j, "servers"), *e;

	e = json_object_get(servers, url);
	if (!json_is_object(e) && create) {
		e = json_object();
		json_object_set_new(servers, url, e);
	}
	return (json_is_object(e) ? e : NULL);
}

/* A string member of the entry's member what, or NULL (borrowed). */
static const char *
mcp_oauth_get(json_t *e, const char *what, const char *key)
{
	return (json_string_value(json_object_get(json_object_get(e, what),
	    key)));
}

char *
mcp_oauth_token(const char *url)
{
	json_t		*j = mcp_oauth_load(), *e, *t;
	const char	*tok;
	json_int_t	 exp;
	char		*s = NULL;

	e = mcp_oauth_entry(j, url, 0);
	t = json_object_get(e, "token");
	tok = json_string_value(json_object_get(t, "access_token"));
	exp = json_integer_value(json_object_get(t, "expires_at"));
	if (tok != NULL && *tok != '\0' && strpbrk(tok, "\r\n") == NULL &&
	    (exp == 0 || exp > (json_int_t)time(NULL) + MCP_OAUTH_SLACK_S))
		s = xstrdup(tok);
	json_decref(j);
	return (s);
}

int
mcp_oauth_logged_in(const char *url)
{
	json_t	*j = mcp_oauth_load();
	int	 in;

	in = json_object_get(mcp_oauth_entry(j, url, 0), "token") != NULL;
	json_decref(j);
	return (in);
}

int
mcp_oauth_logout(const char *url, char **cause)
{
	json_t	*j = mcp_oauth_load();
	int	 rc = 0;

	if (mcp_oauth_entry(j, url, 0) != NULL) {
		json_object_del(json_object_get(j, "servers"), url);
		rc = mcp_oauth_save(j, cause) == 0 ? 1 : -1;
	}
	json_decref(j);
	return (rc);
}

/* Keep what the flow learned: the client, and the token response tr. */
static void
mcp_oauth_store(struct mcp_oauth_flow *f, json_t *tr)
{
	json_t		*j = mcp_oauth_load(), *e, *c, *t;
	json_int_t	 in;
	const char	*rt;
	char		*cause = NULL;

	e = mcp_oauth_entry(j, f->url, 1);
	c = json_pack("{ss}", "client_id", f->client_id);
	if (f->client_secret != NULL && (f->conf == NULL ||
	    f->conf->client_secret == NULL))
		json_object_set_new(c, "client_secret",
		    json_string(f->client_secret));
	if (f->auth_method != NULL)
		json_object_set_new(c, "auth_method",
		    json_string(f->auth_method));
	if (f->redirect != NULL)
		json_object_set_new(c, "redirect_uri",
		    json_string(f->redirect));
	json_object_set_new(e, "client", c);
	if (tr != NULL) {
		/* A refresh answer may omit a new refresh token: keep ours. */
		rt = json_string_value(json_object_get(tr, "refresh_token"));
		if (rt == NULL)
			rt = mcp_oauth_get(e, "token", "refresh_token");
		t = json_pack("{ss}", "access_token", json_string_value(
		    json_object_get(tr, "access_token")));
		if (rt != NULL)
			json_object_set_new(t, "refresh_token",
			    json_string(rt));
		in = json_integer_value(json_object_get(tr, "expires_in"));
		if (in > 0)
			json_object_set_new(t, "expires_at",
			    json_integer((json_int_t)time(NULL) + in));
		json_object_set_new(t, "token_endpoint",
		    json_string(f->token_ep));
		if (f->resource != NULL)
			json_object_set_new(t, "resource",
			    json_string(f->resource));
		if (f->scope != NULL)
			json_object_set_new(t, "scope",
			    json_string(f->scope));
		json_object_set_new(e, "token", t);
	}
	if (mcp_oauth_save(j, &cause) != 0) {
		log_debug("mcp-oauth: %s: not stored: %s", f->name, cause);
		free(cause);
	}
	json_decref(j);
}

/* -------------------------------------------------------------------- */
/* One HTTP exchange at a time */

static void
mcp_oauth_http_done(void *arg, const struct http_response_info *info)
{
	struct mcp_oauth_flow	*f = arg;

	f->req = NULL;
	f->rstatus = info->status;
	log_debug("mcp-oauth: %s: HTTP %ld", f->name, info->status);
	mcp_oauth_next(f);
}

static int
mcp_oauth_http_data(void *arg, const char *data, size_t len)
{
	struct mcp_oauth_flow	*f = arg;

	if (buf_add(&f->in, data, len) != 0 || f->in.truncated)
		return (-1);
	return (0);
}

static const struct http_cb mcp_oauth_http_cbs = {
	.data = mcp_oauth_http_data,
	.done = mcp_oauth_http_done,
};

/* GET url (body NULL) or POST a form body; then mcp_oauth_next(). */
static int
mcp_oauth_http(struct mcp_oauth_flow *f, const char *url, const char *body,
    const char *basic)
{
	const char	*v[4];
	char		*auth = NULL, *cause = NULL;
	size_t		 n = 0;

	v[n++] = "Accept: application/json";
	if (body != NULL)
		v[n++] = body[0] == '{' ? "Content-Type: application/json" :
		    "Content-Type: application/x-www-form-urlencoded";
	if (basic != NULL) {
		auth = xasprintf("Authorization: Basic %s", basic);
		v[n++] = auth;
	}
	buf_reset(&f->in);
	f->in.truncated = 0;
	f->rstatus = 0;
	log_debug("mcp-oauth: %s: %s %s", f->name, body ? "POST" : "GET",
	    url);
	if (body != NULL)
		f->req = http_request("POST", url, v, n, body, strlen(body),
		    &mcp_oauth_http_cbs, f, &cause);
	else
		f->req = http_get(url, v, n, MCP_OAUTH_TIMEOUT_MS,
		    &mcp_oauth_http_cbs, f, &cause);
	mcp_oauth_wipe(auth);
	if (f->req == NULL) {
		mcp_oauth_finish(f, NULL, cause);
		free(cause);
		return (-1);
	}
	return (0);
}

/* The body as a JSON object, when the exchange gave 2xx; else NULL. */
static json_t *
mcp_oauth_json(struct mcp_oauth_flow *f)
{
	json_t	*j;

	if (f->rstatus < 200 || f->rstatus > 299 || f->in.truncated)
		return (NULL);
	j = json_loadb(f->in.buf, f->in.len, 0, NULL);
	if (!json_is_object(j)) {
		json_decref(j);
		return (NULL);
	}
	return (j);
}

/* The OAuth error of a failed exchange, printable, for a message. */
static char *
mcp_oauth_errtext(struct mcp_oauth_flow *f)
{
	json_t		*j = json_loadb(f->in.buf, f->in.len, 0, NULL);
	const char	*e, *d;
	char		*s, *p;

	e = json_string_value(json_object_get(j, "error"));
	d = json_string_value(json_object_get(j, "error_description"));
	if (e != NULL)
		s = xasprintf("HTTP %ld, %s%s%.200s", f->rstatus, e,
		    d != NULL ? ": " : "", d != NULL ? d : "");
	else
		s = xasprintf("HTTP %ld", f->rstatus);
	json_decref(j);
	for (p = s; *p != '\0'; p++) {
		if ((unsigned char)*p < 0x20)
			*p = ' ';
	}
	return (s);
}

/* -------------------------------------------------------------------- */
/* The flow */

/*
 * Start discovery (RFC 9728 §5.1): the challenge's resource_metadata
 * first, then the well-known URLs of the MCP endpoint.
 */
static void
mcp_oauth_discover(struct mcp_oauth_flow *f)
{
	char	*s, **v;
	size_t	 n, i;

	mcp_oauth_cand_clear(f);
	f->step = MCP_OAUTH_PRM;
	f->rstatus = 0;
	f->cand = xcalloc(4, sizeof *f->cand);
	s = mcp_oauth_www_param(f->www, "resource_metadata");
	if (s != NULL && strpbrk(s, "\r\n ") == NULL &&
	    strncasecmp(s, "http", 4) == 0)
		f->cand[f->ncand++] = s;
	else
		free(s);
	if (mcp_oauth_well_known(f->url, 1, &v, &n) == 0) {
		for (i = 0; i < n; i++) {
			if (f->ncand < 4)
				f->cand[f->ncand++] = v[i];
			else
				free(v[i]);
		}
		free(v);
	}
	mcp_oauth_prm(f);
}

struct mcp_oauth_flow *
mcp_oauth_start(const char *name, const char *url, long status,
    const char *www, const struct mcp_oauth_conf *conf,
    const struct mcp_oauth_cb *cb, void *arg)
{
	struct mcp_oauth_flow	*f = xcalloc(1, sizeof *f);
	json_t			*j, *e;
	const char		*rt, *s;

	f->name = xstrdup(name);
	f->url = xstrdup(url);
	f->status = status;
	f->www = www != NULL ? xstrdup(www) : NULL;
	f->conf = mcp_oauth_conf_copy(conf);
	f->cb = cb;
	f->arg = arg;
	buf_init(&f->in, MCP_OAUTH_MAX_BODY);

	/* The client registered before, unless the user names one. */
	j = mcp_oauth_load();
	e = mcp_oauth_entry(j, url, 0);
	if (conf != NULL && conf->client_id != NULL) {
		f->client_id = xstrdup(conf->client_id);
		if (conf->client_secret != NULL)
			f->client_secret = xstrdup(conf->client_secret);
	} else if ((s = mcp_oauth_get(e, "client", "client_id")) != NULL) {
		f->client_id = xstrdup(s);
		if ((s = mcp_oauth_get(e, "client", "client_secret")) != NULL)
			f->client_secret = xstrdup(s);
		if ((s = mcp_oauth_get(e, "client", "auth_method")) != NULL)
			f->auth_method = xstrdup(s);
		if ((s = mcp_oauth_get(e, "client", "redirect_uri")) != NULL)
			f->old_redirect = xstrdup(s);
		f->registered = 1;
	}
	rt = mcp_oauth_get(e, "token", "refresh_token");
	s = mcp_oauth_get(e, "token", "token_endpoint");
	if (status == 401 && rt != NULL && s != NULL && f->client_id != NULL) {
		f->step = MCP_OAUTH_REFRESH;
		f->token_ep = xstrdup(s);
		if ((s = mcp_oauth_get(e, "token", "resource")) != NULL)
			f->resource = xstrdup(s);
		if ((s = mcp_oauth_get(e, "token", "scope")) != NULL)
			f->scope = xstrdup(s);
		f->code = xstrdup(rt);		/* the grant, a secret */
		json_decref(j);
		mcp_oauth_token_request(f);
		return (f);
	}
	json_decref(j);
	mcp_oauth_discover(f);
	return (f);
}

const char *
mcp_oauth_flow_url(struct mcp_oauth_flow *f)
{
	if (f == NULL || f->step != MCP_OAUTH_AUTHORIZE)
		return (NULL);
	return (f->auth_url);
}

/* The flow's end: tell the caller once, from the loop, then free. */
static void
mcp_oauth_done_cb(void *arg)
{
	struct mcp_oauth_flow	*f = arg;
	const struct mcp_oauth_cb *cb = f->cb;
	void			*cbarg = f->arg;
	char			*tok = f->code, *err = f->auth_url;

	f->timer = NULL;
	f->code = NULL;
	f->auth_url = NULL;
	mcp_oauth_free(f);
	cb->done(cbarg, tok, err);
	mcp_oauth_wipe(tok);
	free(err);
}

/* Finish with token or error: stop everything, report from the loop. */
static void
mcp_oauth_finish(struct mcp_oauth_flow *f, const char *token,
    const char *error)
{
	if (f->finished)
		return;
	f->finished = 1;
	http_cancel(f->req);
	f->req = NULL;
	http_cancel(f->follow);
	f->follow = NULL;
	/* code and auth_url carry the outcome to mcp_oauth_done_cb(). */
	mcp_oauth_wipe(f->code);
	f->code = token != NULL ? xstrdup(token) : NULL;
	free(f->auth_url);
	f->auth_url = token == NULL ? xasprintf("server %s: OAuth: %s",
	    f->name, error != NULL ? error : "failed") : NULL;
	log_debug("mcp-oauth: %s: %s", f->name, token != NULL ?
	    "authorized" : f->auth_url);
	f->timer = loop_timer_add(0, mcp_oauth_done_cb, f);
}

void
mcp_oauth_cancel(struct mcp_oauth_flow *f)
{
	if (f == NULL)
		return;
	loop_timer_cancel(f->timer);
	f->timer = NULL;
	mcp_oauth_free(f);
}

/* The listener is freed from the loop: it may be inside its callback. */
static void
mcp_oauth_listener_free_cb(void *arg)
{
	evhttp_free(arg);
}

static void
mcp_oauth_free(struct mcp_oauth_flow *f)
{
	size_t	i;

	http_cancel(f->req);
	http_cancel(f->follow);
	if (f->listener != NULL && f->answered) {
		/* Nothing may reach f any more; the page is still sent. */
		evhttp_del_cb(f->listener, "/callback");
		loop_timer_add(100, mcp_oauth_listener_free_cb, f->listener);
	} else if (f->listener != NULL)
		evhttp_free(f->listener);
	for (i = 0; i < f->ncand; i++)
		free(f->cand[i]);
	free(f->cand);
	buf_release(&f->in);
	free(f->name);
	free(f->url);
	free(f->www);
	mcp_oauth_conf_free(f->conf);
	free(f->resource);
	free(f->as);
	json_decref(f->prm);
	json_decref(f->meta);
	free(f->authorize_ep);
	free(f->token_ep);
	free(f->register_ep);
	free(f->scope);
	free(f->client_id);
	mcp_oauth_wipe(f->client_secret);
	free(f->auth_method);
	mcp_oauth_wipe(f->verifier);
	free(f->state);
	free(f->redirect);
	free(f->old_redirect);
	free(f->auth_url);
	mcp_oauth_wipe(f->code);
	free(f);
}

/* An exchange ended: go on with the step it belonged to. */
static void
mcp_oauth_next(struct mcp_oauth_flow *f)
{
	switch (f->step) {
	case MCP_OAUTH_PRM:
		mcp_oauth_prm(f);
		break;
	case MCP_OAUTH_ASMETA:
		mcp_oauth_asmeta(f);
		break;
	case MCP_OAUTH_REGISTER:
		mcp_oauth_register(f);
		break;
	case MCP_OAUTH_REFRESH:
	case MCP_OAUTH_TOKEN:
		mcp_oauth_token_request(f);
		break;
	case MCP_OAUTH_AUTHORIZE:
		break;
	}
}

/* Nonzero when resource (from metadata) may stand for the MCP url. */
static int
mcp_oauth_resource_ok(const char *url, const char *resource)
{
	char	*o1, *p1, *o2, *p2;
	int	 ok = 0;

	if (mcp_oauth_split(url, &o1, &p1) != 0)
		return (0);
	if (mcp_oauth_split(resource, &o2, &p2) == 0) {
		/* Same origin, and the resource's path a prefix of ours. */
		ok = strcasecmp(o1, o2) == 0 &&
		    strncmp(p1, p2, strlen(p2)) == 0 &&
		    (p1[strlen(p2)] == '\0' || p1[strlen(p2)] == '/');
		free(o2);
		free(p2);
	}
	free(o1);
	free(p1);
	return (ok);
}

/* Clear the candidate list. */
static void
mcp_oauth_cand_clear(struct mcp_oauth_flow *f)
{
	size_t	i;

	for (i = 0; i < f->ncand; i++)
		free(f->cand[i]);
	free(f->cand);
	f->cand = NULL;
	f->ncand = f->icand = 0;
}

/* Protected resource metadata: try the next URL, or take an answer. */
static void
mcp_oauth_prm(struct mcp_oauth_flow *f)
{
	json_t		*j, *as;
	const char	*res, *s;
	char		*origin, *path, **v;
	size_t		 n;

	if (f->icand > 0 && (j = mcp_oauth_json(f)) != NULL) {
		as = json_object_get(j, "authorization_servers");
		s = json_string_value(json_array_get(as, 0));
		res = json_string_value(json_object_get(j, "resource"));
		if (s != NULL && strncasecmp(s, "http", 4) == 0) {
			/* RFC 9728 §3.3: metadata for another resource. */
			if (res != NULL && !mcp_oauth_resource_ok(f->url,
			    res)) {
				json_decref(j);
				mcp_oauth_finish(f, NULL, "the protected "
				    "resource metadata is for another "
				    "resource");
				return;
			}
			f->prm = j;
			f->as = xstrdup(s);
			f->resource = xstrdup(res != NULL ? res : f->url);
			goto found;
		}
		json_decref(j);
	}
	if (f->icand < f->ncand) {
		mcp_oauth_http(f, f->cand[f->icand++], NULL, NULL);
		return;
	}
	/*
	 * Specification 2025-03-26: no protected resource metadata; the
	 * authorization server is the MCP server's origin.
	 */
	if (mcp_oauth_split(f->url, &origin, &path) != 0) {
		mcp_oauth_finish(f, NULL, "bad URL");
		return;
	}
	free(path);
	f->as = origin;
	f->resource = xstrdup(f->url);
	log_debug("mcp-oauth: %s: no resource metadata", f->name);
found:
	mcp_oauth_cand_clear(f);
	if (mcp_oauth_well_known(f->as, 0, &v, &n) != 0) {
		mcp_oauth_finish(f, NULL, "bad authorization server URL");
		return;
	}
	f->cand = v;
	f->ncand = n;
	f->step = MCP_OAUTH_ASMETA;
	mcp_oauth_asmeta(f);
}

/*
 * Nonzero when url may carry codes and tokens: https, or http to this
 * machine (OAuth 2.1 §1.5, RFC 8252 §8.3).
 */
static int
mcp_oauth_url_ok(const char *url)
{
	CURLU	*u = curl_url();
	char	*scheme = NULL, *host = NULL;
	int	 ok = 0;

	if (u == NULL)
		fatalx("curl_url failed");
	if (curl_url_set(u, CURLUPART_URL, url, 0) == CURLUE_OK &&
	    curl_url_get(u, CURLUPART_SCHEME, &scheme, 0) == CURLUE_OK &&
	    curl_url_get(u, CURLUPART_HOST, &host, 0) == CURLUE_OK) {
		ok = strcasecmp(scheme, "https") == 0 ||
		    (strcasecmp(scheme, "http") == 0 &&
		    (strcasecmp(host, "localhost") == 0 ||
		    strncmp(host, "127.", 4) == 0 ||
		    strcmp(host, "[::1]") == 0));
	}
	curl_free(scheme);
	curl_free(host);
	curl_url_cleanup(u);
	return (ok);
}

/* A string member of the metadata that is an http(s) URL, copied. */
static char *
mcp_oauth_meta_url(json_t *meta, const char *key)
{
	const char	*s = json_string_value(json_object_get(meta, key));

	if (s == NULL || strncasecmp(s, "http", 4) != 0 ||
	    strpbrk(s, "\r\n ") != NULL)
		return (NULL);
	return (xstrdup(s));
}

/* Nonzero when the metadata's array key holds the string want. */
static int
mcp_oauth_meta_has(json_t *meta, const char *key, const char *want)
{
	json_t	*a = json_object_get(meta, key), *e;
	size_t	 i;

	json_array_foreach(a, i, e) {
		if (json_is_string(e) && strcmp(json_string_value(e),
		    want) == 0)
			return (1);
	}
	return (0);
}

/* A loopback listener got the redirect (RFC 8252 §7.3). */
static void
mcp_oauth_callback(struct evhttp_request *req, void *arg)
{
	struct mcp_oauth_flow	*f = arg;
	struct evkeyvalq	 q;
	struct evbuffer		*out;
	const char		*uri, *code, *state, *err, *query;
	char			*why = NULL;
	int			 ok = 0;

	uri = evhttp_request_get_uri(req);
	query = strchr(uri, '?');
	TAILQ_INIT(&q);
	if (f->step != MCP_OAUTH_AUTHORIZE || f->finished ||
	    query == NULL || evhttp_parse_query_str(query + 1, &q) != 0) {
		evhttp_send_error(req, 400, "Bad Request");
		evhttp_clear_headers(&q);
		return;
	}
	code = evhttp_find_header(&q, "code");
	state = evhttp_find_header(&q, "state");
	err = evhttp_find_header(&q, "error");
	if (state == NULL || !mcp_oauth_same_secret(state, f->state))
		why = xstrdup("the redirect's state does not match: refused "
		    "(a forged or stale login)");
	else if (err != NULL)
		why = xasprintf("the authorization server said %.100s", err);
	else if (code == NULL || *code == '\0')
		why = xstrdup("the redirect carries no code");
	else
		ok = 1;
	out = evbuffer_new();
	evbuffer_add_printf(out, "<!doctype html><title>agentos</title>"
	    "<p>%s</p>\n", ok ? "agentos is authorized; you can close this "
	    "page." : "agentos was not authorized.");
	evhttp_add_header(evhttp_request_get_output_headers(req),
	    "Content-Type", "text/html; charset=utf-8");
	evhttp_send_reply(req, ok ? 200 : 400, ok ? "OK" : "Bad Request", out);
	evbuffer_free(out);
	f->answered = 1;
	if (ok) {
		f->code = xstrdup(code);
		f->step = MCP_OAUTH_TOKEN;
		mcp_oauth_token_request(f);
	} else
		mcp_oauth_finish(f, NULL, why);
	free(why);
	evhttp_clear_headers(&q);
}

/* Open the loopback listener; sets f->redirect.  -1 on failure. */
static int
mcp_oauth_listen(struct mcp_oauth_flow *f)
{
	struct evhttp_bound_socket	*bs;
	struct sockaddr_in		 sin;
	socklen_t			 len = sizeof sin;
	evutil_socket_t			 fd;
	unsigned int			 port = 0;

	if (f->listener != NULL)
		return (0);
	if ((f->listener = evhttp_new(loop_base)) == NULL)
		return (-1);
	/*
	 * The port the client was registered with, when free: servers that
	 * match redirect URIs exactly (against RFC 8252 §7.3) still take it.
	 */
	bs = NULL;
	if (f->old_redirect != NULL && sscanf(f->old_redirect,
	    "http://127.0.0.1:%u/callback", &port) == 1 && port > 0 &&
	    port < 65536)
		bs = evhttp_bind_socket_with_handle(f->listener, "127.0.0.1",
		    (ev_uint16_t)port);
	if (bs == NULL)
		bs = evhttp_bind_socket_with_handle(f->listener, "127.0.0.1",
		    0);
	if (bs == NULL) {
		evhttp_free(f->listener);
		f->listener = NULL;
		return (-1);
	}
	fd = evhttp_bound_socket_get_fd(bs);
	if (getsockname(fd, (struct sockaddr *)&sin, &len) != 0) {
		evhttp_free(f->listener);
		f->listener = NULL;
		return (-1);
	}
	evhttp_set_allowed_methods(f->listener, EVHTTP_REQ_GET);
	evhttp_set_cb(f->listener, "/callback", mcp_oauth_callback, f);
	f->redirect = xasprintf("http://127.0.0.1:%u/callback",
	    (unsigned int)ntohs(sin.sin_port));
	return (0);
}

/* Authorization server metadata: the next URL, or the endpoints. */
static void
mcp_oauth_asmeta(struct mcp_oauth_flow *f)
{
	json_t		*j;
	char		*origin, *path;

	if (f->icand > 0 && (j = mcp_oauth_json(f)) != NULL) {
		/*
		 * RFC 8414 §3.3 wants issuer to equal the URL it was asked
		 * for; servers that put a tenant in the path often do not,
		 * and the endpoints below are what is used, so a mismatch
		 * is logged only.
		 */
		f->meta = j;
	} else if (f->icand < f->ncand) {
		mcp_oauth_http(f, f->cand[f->icand++], NULL, NULL);
		return;
	}
	mcp_oauth_cand_clear(f);
	if (f->meta != NULL) {
		f->authorize_ep = mcp_oauth_meta_url(f->meta,
		    "authorization_endpoint");
		f->token_ep = mcp_oauth_meta_url(f->meta, "token_endpoint");
		f->register_ep = mcp_oauth_meta_url(f->meta,
		    "registration_endpoint");
		if (f->authorize_ep == NULL || f->token_ep == NULL) {
			mcp_oauth_finish(f, NULL, "the authorization server "
			    "metadata has no authorization or token endpoint");
			return;
		}
		/* "Authorization Code Protection": no S256, no flow. */
		if (!mcp_oauth_meta_has(f->meta,
		    "code_challenge_methods_supported", "S256")) {
			mcp_oauth_finish(f, NULL, "the authorization server "
			    "does not support PKCE with S256: refused");
			return;
		}
	} else {
		/* 2025-03-26 "Fallbacks ...": default endpoints. */
		if (mcp_oauth_split(f->as, &origin, &path) != 0) {
			mcp_oauth_finish(f, NULL, "bad URL");
			return;
		}
		free(path);
		f->authorize_ep = xasprintf("%s/authorize", origin);
		f->token_ep = xasprintf("%s/token", origin);
		f->register_ep = xasprintf("%s/register", origin);
		free(origin);
		log_debug("mcp-oauth: %s: no server metadata: default "
		    "endpoints", f->name);
	}
	if (!mcp_oauth_url_ok(f->authorize_ep) ||
	    !mcp_oauth_url_ok(f->token_ep) || (f->register_ep != NULL &&
	    !mcp_oauth_url_ok(f->register_ep))) {
		mcp_oauth_finish(f, NULL, "an authorization server endpoint "
		    "is neither https nor on this machine: refused");
		return;
	}
	/* "Scope Selection Strategy". */
	free(f->scope);
	f->scope = mcp_oauth_www_param(f->www, "scope");
	if (f->scope == NULL && f->conf != NULL && f->conf->scopes != NULL)
		f->scope = xstrdup(f->conf->scopes);
	if (f->scope == NULL) {
		json_t		*a = json_object_get(f->prm,
				    "scopes_supported"), *e;
		struct buf	 b = BUF_INIT;
		size_t		 i;

		json_array_foreach(a, i, e) {
			if (!json_is_string(e))
				continue;
			if (b.len > 0)
				buf_addch(&b, ' ');
			buf_adds(&b, json_string_value(e));
		}
		f->scope = b.len > 0 ? buf_detach(&b, NULL) : NULL;
		buf_release(&b);
	}
	/*
	 * OAuth 2.1 §4.2 (and the MCP extension SEP-1046): a server that
	 * grants client_credentials only, to a client the user configured,
	 * needs no browser.
	 */
	if (f->meta != NULL && f->conf != NULL && f->conf->client_id != NULL &&
	    (f->conf->client_secret != NULL || f->conf->private_key != NULL) &&
	    mcp_oauth_meta_has(f->meta, "grant_types_supported",
	    "client_credentials") && !mcp_oauth_meta_has(f->meta,
	    "grant_types_supported", "authorization_code")) {
		f->cc = 1;
		f->step = MCP_OAUTH_TOKEN;
		mcp_oauth_token_request(f);
		return;
	}
	if (mcp_oauth_listen(f) != 0) {
		mcp_oauth_finish(f, NULL, "cannot listen on 127.0.0.1 for "
		    "the redirect");
		return;
	}
	f->step = MCP_OAUTH_REGISTER;
	f->rstatus = 0;
	mcp_oauth_register(f);
}

/* "Client Registration Approaches": a client id, then authorize. */
static void
mcp_oauth_register(struct mcp_oauth_flow *f)
{
	json_t		*j;
	const char	*s;
	char		*body, *e;

	if (f->rstatus != 0) {
		/* RFC 7591 §3.2.1: the registration's answer. */
		if ((j = mcp_oauth_json(f)) == NULL ||
		    (s = json_string_value(json_object_get(j,
		    "client_id"))) == NULL || *s == '\0') {
			e = mcp_oauth_errtext(f);
			body = xasprintf("dynamic client registration "
			    "failed: %s", e);
			mcp_oauth_finish(f, NULL, body);
			free(body);
			free(e);
			json_decref(j);
			return;
		}
		f->client_id = xstrdup(s);
		if ((s = json_string_value(json_object_get(j,
		    "client_secret"))) != NULL)
			f->client_secret = xstrdup(s);
		if ((s = json_string_value(json_object_get(j,
		    "token_endpoint_auth_method"))) != NULL)
			f->auth_method = xstrdup(s);
		json_decref(j);
		mcp_oauth_store(f, NULL);
		mcp_oauth_authorize(f);
		return;
	}
	if (f->client_id != NULL && f->registered && f->old_redirect != NULL &&
	    strcmp(f->old_redirect, f->redirect) != 0) {
		/* Registered for another redirect URI: register again. */
		log_debug("mcp-oauth: %s: new redirect URI: registering "
		    "again", f->name);
		free(f->client_id);
		f->client_id = NULL;
		mcp_oauth_wipe(f->client_secret);
		f->client_secret = NULL;
		free(f->auth_method);
		f->auth_method = NULL;
	}
	if (f->client_id != NULL) {
		mcp_oauth_authorize(f);
		return;
	}
	if (mcp_oauth_cimd_url != NULL && *mcp_oauth_cimd_url != '\0' &&
	    json_is_true(json_object_get(f->meta,
	    "client_id_metadata_document_supported"))) {
		/* The URL of our metadata document is the client id. */
		f->client_id = xstrdup(mcp_oauth_cimd_url);
		f->auth_method = xstrdup("none");
		mcp_oauth_authorize(f);
		return;
	}
	if (f->register_ep == NULL) {
		mcp_oauth_finish(f, NULL, "the authorization server offers no "
		    "registration: set \"oauth\": {\"client_id\": ...} in the "
		    "server's entry");
		return;
	}
	j = json_pack("{ss s[s] s[ss] s[s] ss}", "client_name", "agentos",
	    "redirect_uris", f->redirect, "grant_types", "authorization_code",
	    "refresh_token", "response_types", "code",
	    "token_endpoint_auth_method", "none");
	if (f->scope != NULL)
		json_object_set_new(j, "scope", json_string(f->scope));
	body = json_dumps(j, JSON_COMPACT);
	json_decref(j);
	mcp_oauth_http(f, f->register_ep, body, NULL);
	free(body);
}

/* Append "&key=value" (value escaped) to b. */
static void
mcp_oauth_param(struct buf *b, const char *key, const char *value)
{
	char	*v;

	if (value == NULL)
		return;
	v = mcp_oauth_form_escape(value);
	buf_addf(b, "%s%s=%s", b->len > 0 ? "&" : "", key, v);
	mcp_oauth_wipe(v);
}

/* The redirect chain of the authorization URL (mcp_oauth_auto). */
static void
mcp_oauth_follow_done(void *arg, const struct http_response_info *info)
{
	struct mcp_oauth_flow	*f = arg;
	const char		*loc = http_header_get(info, "location");
	CURLU			*u;
	char			*next = NULL, *cause = NULL;

	f->follow = NULL;
	if (f->step != MCP_OAUTH_AUTHORIZE || f->finished)
		return;
	if (info->status < 300 || info->status > 399 || loc == NULL ||
	    ++f->hops > MCP_OAUTH_MAX_HOPS) {
		cause = xasprintf("following the authorization URL: HTTP %ld "
		    "without a redirect to agentos", info->status);
		mcp_oauth_finish(f, NULL, cause);
		free(cause);
		return;
	}
	if ((u = curl_url()) == NULL)
		fatalx("curl_url failed");
	if (curl_url_set(u, CURLUPART_URL, f->auth_url, 0) != CURLUE_OK ||
	    curl_url_set(u, CURLUPART_URL, loc, 0) != CURLUE_OK ||
	    curl_url_get(u, CURLUPART_URL, &next, 0) != CURLUE_OK) {
		curl_url_cleanup(u);
		mcp_oauth_finish(f, NULL, "a bad redirect");
		return;
	}
	curl_url_cleanup(u);
	free(f->auth_url);
	f->auth_url = xstrdup(next);
	curl_free(next);
	f->follow = http_get(f->auth_url, NULL, 0, MCP_OAUTH_TIMEOUT_MS,
	    &mcp_oauth_follow_cbs, f, &cause);
	if (f->follow == NULL) {
		mcp_oauth_finish(f, NULL, cause);
		free(cause);
	}
}

/* Build the authorization request (OAuth 2.1 §4.1.1) and wait for it. */
static void
mcp_oauth_authorize(struct mcp_oauth_flow *f)
{
	struct buf	 b = BUF_INIT;
	char		*challenge, *cause = NULL;

	f->step = MCP_OAUTH_AUTHORIZE;
	f->verifier = mcp_oauth_random(32);
	f->state = mcp_oauth_random(24);
	challenge = mcp_oauth_s256(f->verifier);
	mcp_oauth_param(&b, "response_type", "code");
	mcp_oauth_param(&b, "client_id", f->client_id);
	mcp_oauth_param(&b, "redirect_uri", f->redirect);
	mcp_oauth_param(&b, "code_challenge", challenge);
	mcp_oauth_param(&b, "code_challenge_method", "S256");
	mcp_oauth_param(&b, "state", f->state);
	mcp_oauth_param(&b, "resource", f->resource);
	mcp_oauth_param(&b, "scope", f->scope);
	free(challenge);
	f->auth_url = xasprintf("%s%c%s", f->authorize_ep,
	    strchr(f->authorize_ep, '?') != NULL ? '&' : '?', b.buf);
	buf_release(&b);
	log_debug("mcp-oauth: %s: authorization URL ready", f->name);
	if (mcp_oauth_auto) {
		f->follow = http_get(f->auth_url, NULL, 0,
		    MCP_OAUTH_TIMEOUT_MS, &mcp_oauth_follow_cbs, f, &cause);
		if (f->follow == NULL) {
			mcp_oauth_finish(f, NULL, cause);
			free(cause);
		}
		return;
	}
	if (f->cb->url != NULL)
		f->cb->url(f->arg, f->auth_url);
}

/* base64url of a JSON object. */
static char *
mcp_oauth_b64json(json_t *j)
{
	char	*s = json_dumps(j, JSON_COMPACT), *r;

	r = mcp_oauth_b64url((const unsigned char *)s, strlen(s));
	free(s);
	return (r);
}

/*
 * A client assertion (RFC 7523 §3) signed with the configured key (ES256,
 * RFC 7518 §3.4: r and s of 32 bytes each; or RS256): iss and sub the
 * client id, aud the issuer.  Allocated, or NULL with *cause.
 */
static char *
mcp_oauth_jwt(struct mcp_oauth_flow *f, char **cause)
{
	EVP_PKEY	*key = NULL;
	EVP_MD_CTX	*md = NULL;
	ECDSA_SIG	*es = NULL;
	const BIGNUM	*r, *s;
	FILE		*fp;
	json_t		*hj, *pj;
	unsigned char	*der = NULL, raw[64];
	const unsigned char *p;
	char		*h, *pl, *in = NULL, *sig = NULL, *out = NULL, *jti;
	size_t		 len = 0;
	time_t		 now = time(NULL);
	int		 ec;

	if ((fp = fopen(f->conf->private_key, "r")) == NULL) {
		*cause = xasprintf("%s: %s", f->conf->private_key,
		    strerror(errno));
		return (NULL);
	}
	key = PEM_read_PrivateKey(fp, NULL, NULL, NULL);
	fclose(fp);
	if (key == NULL) {
		*cause = xasprintf("%s: not a PEM private key",
		    f->conf->private_key);
		return (NULL);
	}
	ec = EVP_PKEY_base_id(key) == EVP_PKEY_EC;
	jti = mcp_oauth_random(16);
	hj = json_pack("{ssss}", "alg", ec ? "ES256" : "RS256", "typ", "JWT");
	pj = json_pack("{sssssssIsIss}", "iss", f->conf->client_id, "sub",
	    f->conf->client_id, "aud", f->as != NULL ? f->as : f->token_ep,
	    "iat", (json_int_t)now, "exp", (json_int_t)now + 300, "jti", jti);
	free(jti);
	h = mcp_oauth_b64json(hj);
	pl = mcp_oauth_b64json(pj);
	json_decref(hj);
	json_decref(pj);
	in = xasprintf("%s.%s", h, pl);
	free(h);
	free(pl);
	if ((md = EVP_MD_CTX_new()) == NULL ||
	    EVP_DigestSignInit(md, NULL, EVP_sha256(), NULL, key) != 1 ||
	    EVP_DigestSign(md, NULL, &len, (unsigned char *)in,
	    strlen(in)) != 1) {
		*cause = xstrdup("cannot sign");
		goto out;
	}
	der = xmalloc(len);
	if (EVP_DigestSign(md, der, &len, (unsigned char *)in,
	    strlen(in)) != 1) {
		*cause = xstrdup("cannot sign");
		goto out;
	}
	if (ec) {
		p = der;
		if ((es = d2i_ECDSA_SIG(NULL, &p, (long)len)) == NULL) {
			*cause = xstrdup("a bad signature");
			goto out;
		}
		ECDSA_SIG_get0(es, &r, &s);
		if (BN_bn2binpad(r, raw, 32) != 32 ||
		    BN_bn2binpad(s, raw + 32, 32) != 32) {
			*cause = xstrdup("ES256 needs a P-256 key");
			goto out;
		}
		sig = mcp_oauth_b64url(raw, sizeof raw);
	} else
		sig = mcp_oauth_b64url(der, len);
	out = xasprintf("%s.%s", in, sig);
out:
	ECDSA_SIG_free(es);
	EVP_MD_CTX_free(md);
	EVP_PKEY_free(key);
	free(der);
	free(in);
	free(sig);
	return (out);
}

/* The token request (code or refresh), or its answer. */
static void
mcp_oauth_token_request(struct mcp_oauth_flow *f)
{
	struct buf	 b = BUF_INIT;
	json_t		*j;
	const char	*tok, *type, *s;
	char		*creds = NULL, *basic = NULL, *e, *msg, *id, *sec;
	char		*jwt;
	int		 use_basic = 0;

	if (f->sent) {
		f->sent = 0;
		j = mcp_oauth_json(f);
		tok = json_string_value(json_object_get(j, "access_token"));
		type = json_string_value(json_object_get(j, "token_type"));
		if (tok == NULL || *tok == '\0' || strpbrk(tok, "\r\n") ||
		    (type != NULL && strcasecmp(type, "Bearer") != 0)) {
			json_decref(j);
			if (f->step == MCP_OAUTH_REFRESH) {
				/* A refused refresh: log in again. */
				log_debug("mcp-oauth: %s: refresh refused",
				    f->name);
				mcp_oauth_wipe(f->code);
				f->code = NULL;
				free(f->token_ep);
				f->token_ep = NULL;
				free(f->resource);
				f->resource = NULL;
				free(f->scope);
				f->scope = NULL;
				f->rstatus = 0;
				mcp_oauth_discover(f);
				return;
			}
			e = mcp_oauth_errtext(f);
			msg = xasprintf("the token request failed: %s", e);
			mcp_oauth_finish(f, NULL, msg);
			free(msg);
			free(e);
			return;
		}
		if ((s = json_string_value(json_object_get(j, "scope"))) !=
		    NULL) {
			free(f->scope);
			f->scope = xstrdup(s);
		}
		mcp_oauth_store(f, j);
		mcp_oauth_finish(f, tok, NULL);
		json_decref(j);
		return;
	}
	/*
	 * Client authentication (OAuth 2.1 §2.4.1): what registration
	 * said, else Basic when the server allows it (RFC 8414 §2: the
	 * default), else the secret in the body.
	 */
	if (f->client_secret != NULL) {
		if (f->auth_method != NULL)
			use_basic = strcmp(f->auth_method,
			    "client_secret_basic") == 0;
		else
			use_basic = json_object_get(f->meta,
			    "token_endpoint_auth_methods_supported") == NULL ||
			    mcp_oauth_meta_has(f->meta,
			    "token_endpoint_auth_methods_supported",
			    "client_secret_basic");
	}
	if (f->step == MCP_OAUTH_REFRESH) {
		mcp_oauth_param(&b, "grant_type", "refresh_token");
		mcp_oauth_param(&b, "refresh_token", f->code);
	} else if (f->cc) {
		mcp_oauth_param(&b, "grant_type", "client_credentials");
		mcp_oauth_param(&b, "scope", f->scope);
	} else {
		mcp_oauth_param(&b, "grant_type", "authorization_code");
		mcp_oauth_param(&b, "code", f->code);
		mcp_oauth_param(&b, "redirect_uri", f->redirect);
		mcp_oauth_param(&b, "code_verifier", f->verifier);
	}
	mcp_oauth_param(&b, "resource", f->resource);
	if (f->conf != NULL && f->conf->private_key != NULL &&
	    f->conf->client_id != NULL && f->client_secret == NULL) {
		/* RFC 7523 §2.2: a signed assertion instead of a secret. */
		e = NULL;
		if ((jwt = mcp_oauth_jwt(f, &e)) == NULL) {
			msg = xasprintf("private_key_jwt: %s", e);
			mcp_oauth_finish(f, NULL, msg);
			free(msg);
			free(e);
			buf_release(&b);
			return;
		}
		mcp_oauth_param(&b, "client_id", f->client_id);
		mcp_oauth_param(&b, "client_assertion_type",
		    "urn:ietf:params:oauth:client-assertion-type:jwt-bearer");
		mcp_oauth_param(&b, "client_assertion", jwt);
		mcp_oauth_wipe(jwt);
	} else if (use_basic) {
		/* RFC 6749 §2.3.1: each part form-encoded first. */
		id = mcp_oauth_form_escape(f->client_id);
		sec = mcp_oauth_form_escape(f->client_secret);
		creds = xasprintf("%s:%s", id, sec);
		basic = mcp_oauth_b64(creds);
		free(id);
		mcp_oauth_wipe(sec);
		mcp_oauth_wipe(creds);
	} else {
		mcp_oauth_param(&b, "client_id", f->client_id);
		if (f->client_secret != NULL && (f->auth_method == NULL ||
		    strcmp(f->auth_method, "none") != 0))
			mcp_oauth_param(&b, "client_secret", f->client_secret);
	}
	f->sent = 1;
	mcp_oauth_http(f, f->token_ep, b.buf, basic);
	explicit_bzero(b.buf, b.len);
	buf_release(&b);
	mcp_oauth_wipe(basic);
}
