/*
 * mcp-oauth.h: OAuth 2.1 authorization for remote MCP servers.
 *
 * Spec: modelcontextprotocol.io, specification 2025-11-25, Basic /
 * Authorization, and what it builds on:
 * - "Protected Resource Metadata Discovery Requirements" (RFC 9728 §3,
 *   §5.1): the resource_metadata URL of a 401's WWW-Authenticate, else
 *   /.well-known/oauth-protected-resource with the MCP endpoint's path
 *   inserted, then at the origin's root.
 * - "Authorization Server Metadata Discovery" (RFC 8414 §3.1, OpenID
 *   Connect Discovery 1.0 §4): for an issuer with a path,
 *   /.well-known/oauth-authorization-server/PATH, then
 *   /.well-known/openid-configuration/PATH, then
 *   PATH/.well-known/openid-configuration; without a path the first two
 *   at the root.  Specification 2025-03-26 "Fallbacks for Servers without
 *   Metadata Discovery": with no metadata at all, /authorize, /token and
 *   /register at the server's origin.
 * - "Client Registration Approaches": a client id from the user's config
 *   first, then a Client ID Metadata Document (when the server says
 *   client_id_metadata_document_supported and mcp.oauth_client_metadata_url
 *   names one), then Dynamic Client Registration (RFC 7591 §3).
 * - "Authorization Code Protection": PKCE with S256 (RFC 7636 §4); a
 *   server whose metadata lacks S256 is refused.  "Resource Parameter
 *   Implementation": resource (RFC 8707 §2) on authorization and token
 *   requests.  state (OAuth 2.1 §4.1.1) checked on the redirect, which
 *   comes to a loopback listener on 127.0.0.1 and a random port (RFC 8252
 *   §7.3).
 * - "Scope Selection Strategy": the scope of the WWW-Authenticate
 *   challenge, else the resource's scopes_supported, else none; "Scope
 *   Challenge Handling": a 403 with error="insufficient_scope" asks again
 *   with the union of the scopes.
 * - "Token Handling": the access token as Authorization: Bearer on every
 *   request; the refresh token (OAuth 2.1 §4.3) when the access token
 *   expired or was refused.
 *
 * Tokens and client registrations are kept in
 * $XDG_STATE_HOME/agentos/mcp-oauth.json (0600, in a 0700 directory),
 * keyed by the server's URL.  Tokens and secrets are never logged.
 */
#ifndef MCP_OAUTH_H
#define MCP_OAUTH_H

#include <stddef.h>

#include <jansson.h>

/* A server entry's "oauth": {"client_id", "client_secret", "scopes"}. */
struct mcp_oauth_conf {
	char	*client_id;		/* NULL: register or CIMD */
	char	*client_secret;		/* NULL: a public client */
	char	*scopes;		/* space-separated, or NULL */
	char	*private_key;		/* PEM file: private_key_jwt */
};

struct mcp_oauth_flow;

struct mcp_oauth_cb {
	/*
	 * The authorization URL (borrowed) for the user's browser, once
	 * known; may be NULL.  Not called when the flow needs no user (a
	 * refresh) or follows the URL itself (mcp_oauth_auto).
	 */
	void	(*url)(void *arg, const char *url);
	/*
	 * The flow ended (from the loop, never inside mcp_oauth_start()):
	 * token is the access token (borrowed, a secret), or NULL with
	 * error (borrowed) saying why.  The flow is freed after this.
	 */
	void	(*done)(void *arg, const char *token, const char *error);
};

/*
 * For tests only (agentos mcp call --oauth-auto, or AGENTOS_MCP_OAUTH_AUTO
 * set to 1): the flow GETs the authorization URL itself and follows its
 * redirects to the loopback listener, as a browser whose user consents at
 * once would.  Never set otherwise: it consents without asking.
 */
extern int	 mcp_oauth_auto;
/*
 * mcp.oauth_client_metadata_url: the https URL of this client's Client ID
 * Metadata Document, used as client_id by servers that support it; NULL
 * (default) never.  Borrowed; set once at start.
 */
extern const char *mcp_oauth_cimd_url;
/*
 * Nonzero without the TUI (headless, agentos mcp): a URL the user must
 * open is printed to stderr.
 */
extern int	 mcp_oauth_print;
/*
 * Nonzero when the user asked to log in (agentos mcp login, the /mcp
 * view's key): a URL the user must open is opened with xdg-open too.
 */
extern int	 mcp_oauth_open;
/*
 * Open url in the user's browser (xdg-open, in the background, its output
 * discarded).  0, or -1 when it could not be started.
 */
int	 mcp_oauth_browse(const char *url);

/*
 * Parse a server entry's "oauth" object (j may be NULL: *confp = NULL).
 * 0, or -1 with *why allocated.  *confp is freed with mcp_oauth_conf_free().
 */
int	 mcp_oauth_conf_parse(json_t *j, struct mcp_oauth_conf **confp,
	    char **why);
/* Free a conf (NULL is fine); the secret is cleared first. */
void	 mcp_oauth_conf_free(struct mcp_oauth_conf *conf);
/* A copy of conf (NULL gives NULL). */
struct mcp_oauth_conf *mcp_oauth_conf_copy(const struct mcp_oauth_conf *conf);

/*
 * The stored access token for the MCP server at url, unless it expired
 * (or expires within 30 seconds); NULL otherwise.  The caller frees it
 * (a secret: explicit_bzero first).
 */
char	*mcp_oauth_token(const char *url);

/*
 * Start authorizing for the server name at url after it answered status
 * (401, or 403 with insufficient_scope) with the WWW-Authenticate value
 * www (may be NULL).  conf (may be NULL) is copied.  A 401 tries the
 * stored refresh token first.  cb and arg must outlive the flow.  Never
 * NULL; the outcome comes through cb->done.  Needs loop_base.
 */
struct mcp_oauth_flow *mcp_oauth_start(const char *name, const char *url,
	    long status, const char *www, const struct mcp_oauth_conf *conf,
	    const struct mcp_oauth_cb *cb, void *arg);
/* Stop a flow whose done has not run yet; no callback after this. */
void	 mcp_oauth_cancel(struct mcp_oauth_flow *flow);
/* The authorization URL of a flow waiting for the user, or NULL. */
const char *mcp_oauth_flow_url(struct mcp_oauth_flow *flow);

/*
 * Forget the tokens and client registration stored for url.  1 when
 * something was forgotten, 0 when nothing was stored, -1 with cause.
 */
int	 mcp_oauth_logout(const char *url, char **cause);
/* Whether tokens are stored for url (1) or not (0). */
int	 mcp_oauth_logged_in(const char *url);
/* The token file's path (allocated), or NULL without HOME. */
char	*mcp_oauth_store_path(void);

/*
 * The value of auth-param name in the Bearer challenge of a
 * WWW-Authenticate value (RFC 9110 §11.6.1, quoted-string unquoted);
 * allocated, or NULL when absent.
 */
char	*mcp_oauth_www_param(const char *www, const char *name);
/*
 * The metadata URLs to try, in order, for an authorization server issuer
 * (kind 0) or for the protected resource at an MCP URL (kind 1).  *v is
 * allocated (each string too); *n is set.  0, or -1 for a bad URL.
 */
int	 mcp_oauth_well_known(const char *url, int kind, char ***v,
	    size_t *n);
/* The S256 code_challenge of verifier (RFC 7636 §4.2), allocated. */
char	*mcp_oauth_s256(const char *verifier);
/* application/x-www-form-urlencoded encoding of s, allocated. */
char	*mcp_oauth_form_escape(const char *s);

#endif /* MCP_OAUTH_H */
