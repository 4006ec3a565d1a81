/*
 * mcp-http.h: MCP's Streamable HTTP transport under the one JSON-RPC
 * endpoint (jsonrpc.h, jsonrpc_create_transport()), with the 2024-11-05
 * HTTP+SSE transport as a fallback.
 *
 * Spec: modelcontextprotocol.io, specification 2025-11-25, Basic /
 * Transports / Streamable HTTP:
 * - "Sending Messages to the Server": every message is one POST to the MCP
 *   endpoint with Accept: application/json, text/event-stream; a
 *   notification or response is answered 202 Accepted; a request is
 *   answered by one JSON body or an SSE stream whose events carry JSON-RPC
 *   messages (the server's requests and notifications, then the response).
 *   The server's requests inside a stream are answered by POST.
 * - "Listening for Messages from the Server": a GET with Accept:
 *   text/event-stream opens a stream for server-initiated messages; 405
 *   means the server offers none.
 * - "Resumability and Redelivery": a stream that drops after an event id
 *   is resumed by a GET carrying Last-Event-ID, after the reconnection time
 *   of the stream's last "retry" field; disconnection is not cancellation.
 * - "Session Management": the Mcp-Session-Id of the initialize response
 *   goes on every later request; 404 to a request carrying it means the
 *   session is gone and a new initialize (without it) starts another one;
 *   DELETE with it ends the session.
 * - "Protocol Version Header": MCP-Protocol-Version with the negotiated
 *   version on every request after initialization.
 * - "Backwards Compatibility": when POST answers 4xx, GET the URL and
 *   expect the 2024-11-05 transport (specification 2024-11-05, Basic /
 *   Transports / HTTP with SSE): an SSE stream whose first "endpoint"
 *   event gives the URL to POST to; every message comes back on that
 *   stream.
 *
 * Headers (the user's, e.g. Authorization) are secrets: they are never
 * logged.  Everything the server sends is bounded: opts->max_message caps
 * one JSON body or SSE event, opts->max_queued the bytes of messages in
 * flight; time limits are jsonrpc's (per call).
 */
#ifndef MCP_HTTP_H
#define MCP_HTTP_H

#include <stddef.h>

struct jsonrpc;
struct jsonrpc_handlers;
struct jsonrpc_options;

/*
 * A JSON-RPC endpoint (*rpcp) speaking to the MCP server at url (http or
 * https).  name names the server in messages ("server NAME: ...").
 * headers are nheaders "Name: value" strings sent on every request
 * (copied).  opts, handlers and arg are as jsonrpc_create_transport() and
 * must outlive the endpoint.  Nothing is sent before the caller's first
 * message (initialize).  Returns 0, or -1 with an allocated cause (a bad
 * URL).  Needs loop_base.
 *
 * What goes wrong is told through the endpoint: a request the server
 * could not answer fails with the server's HTTP status in the error
 * message; when the session expired (404) the transport sends initialize
 * again (the caller's, as first sent), then notifications/initialized,
 * and re-sends the request once; if that fails too the request fails
 * with JSONRPC_E_SESSION.  A 401 closes the endpoint with "server NAME
 * needs OAuth" unless mcp_http_set_oauth() enabled it.
 */
int	 mcp_http_open(const char *name, const char *url,
	    const char *const *headers, size_t nheaders,
	    const struct jsonrpc_options *opts,
	    const struct jsonrpc_handlers *handlers, void *arg,
	    struct jsonrpc **rpcp, char **cause);
/*
 * Authorize with OAuth (mcp-oauth.h) when the server asks: a 401, or a
 * 403 with error="insufficient_scope", parks the request (and those sent
 * meanwhile), runs the flow, and sends them again with Authorization:
 * Bearer; a stored token is sent from the first request on.  conf (may
 * be NULL) is copied.  login_cb (may be NULL) is called with the
 * authorization URL for the user (borrowed) while the flow waits for the
 * browser, and with NULL when the flow ended.  Not enabled when the
 * user's headers carry an Authorization of their own.  Without this a
 * 401 closes the endpoint with "server NAME needs OAuth".  0, or -1 when
 * rpc is not HTTP.
 */
struct mcp_oauth_conf;
int	 mcp_http_set_oauth(struct jsonrpc *rpc,
	    const struct mcp_oauth_conf *conf,
	    void (*login_cb)(void *, const char *), void *arg);
/* The authorization URL while a flow waits for the user (borrowed). */
const char *mcp_http_login_url(struct jsonrpc *rpc);
/*
 * End the session (a DELETE with its id, in the background) and free rpc,
 * as jsonrpc_free(); jsonrpc_free() alone does the same.  NULL is fine.
 */
void	 mcp_http_close(struct jsonrpc *rpc);
/*
 * The negotiated protocol version (copied), sent as MCP-Protocol-Version
 * from now on.  The transport also takes it from the initialize response
 * by itself.  0, or -1 when rpc is not an HTTP endpoint or the version is
 * not a short printable string.
 */
int	 mcp_http_set_protocol_version(struct jsonrpc *rpc,
	    const char *version);
/* The session id (borrowed), or NULL (none yet, or not HTTP). */
const char *mcp_http_session(struct jsonrpc *rpc);
/*
 * Speak the 2024-11-05 HTTP+SSE transport from the start (a server
 * configured with "type": "sse", whose url is its SSE stream), before any
 * message is sent.  0, or -1 (not HTTP, or too late).
 */
int	 mcp_http_use_legacy(struct jsonrpc *rpc);
/*
 * Nonzero once the GET stream of server messages was answered (open, or
 * refused: the server has none), or with the 2024-11-05 transport.  For
 * tests that must order the server's streams.
 */
int	 mcp_http_listening(struct jsonrpc *rpc);
/* Nonzero when rpc fell back to the 2024-11-05 HTTP+SSE transport. */
int	 mcp_http_legacy(struct jsonrpc *rpc);
/*
 * DELETEs of closed sessions still in flight: a caller about to exit may
 * run the loop until 0 (or its own limit).
 */
size_t	 mcp_http_closing(void);
/*
 * At exit, after loop_run() returned (never inside the loop): run the
 * loop until those DELETEs are done, ms milliseconds at most.
 */
void	 mcp_http_drain(unsigned int ms);

#endif /* MCP_HTTP_H */
