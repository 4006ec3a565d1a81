/*
 * tool-mcp.c: a tool of an MCP server as a tool_entry: tools/call, its
 * result, its time limit and its cancellation (Server / Tools, "Calling
 * Tools"; Basic / Utilities / Cancellation; Progress).
 */
#include <stdlib.h>
#include <string.h>

#include "agentos.h"
#include "jsonrpc.h"
#include "mcp.h"
#include "utf8.h"
#include "banned.h"

/* An entry with what its calls need; te first, so entries cast back. */
struct tool_mcp {
	struct tool_entry	 te;
	struct mcp_tool		 mt;
	char			*name;
	char			*description;
	char			*schema;
};

/* One call on the wire, in the list of calls in flight. */
struct tool_mcp_call {
	struct tool_call	*tc;
	struct jsonrpc_call	*call;
	struct mcp_server	*srv;
	struct tool_mcp_call	*next;
	struct loop_timer	*gone;		/* the server stopped */
	char			*why;
};
static struct tool_mcp_call *tool_mcp_calls;

/* Take c out of the list of calls in flight. */
static void
tool_mcp_unlink(struct tool_mcp_call *c)
{
	struct tool_mcp_call	**pp;

	for (pp = &tool_mcp_calls; *pp != NULL; pp = &(*pp)->next) {
		if (*pp == c) {
			*pp = c->next;
			return;
		}
	}
}

/* The server of c stopped: its call finishes (from the loop). */
static void
tool_mcp_gone_fire(void *arg)
{
	struct tool_mcp_call	*c = arg;
	struct tool_call	*tc = c->tc;

	c->gone = NULL;
	tool_mcp_unlink(c);
	tc->priv = NULL;
	tool_result_set(tc, c->why, strlen(c->why), 1);
	free(c->why);
	free(c);
	tool_call_finish(tc);
}

void
tool_mcp_server_gone(struct mcp_server *srv, const char *why)
{
	struct tool_mcp_call	*c;

	for (c = tool_mcp_calls; c != NULL; c = c->next) {
		if (c->srv != srv || c->gone != NULL)
			continue;
		/* Forgotten with the endpoint: its callback never runs. */
		c->call = NULL;
		c->why = xasprintf("The MCP server %s stopped during the "
		    "call (%s).", mcp_server_name(srv), why);
		c->gone = loop_timer_add(0, tool_mcp_gone_fire, c);
	}
}

void
tool_mcp_progress(struct mcp_server *srv, json_t *params)
{
	struct tool_mcp_call	*c;
	struct buf		 b = BUF_INIT;
	const char		*token, *msg, *p;
	json_t			*total;

	if ((token = conv_json_str(params, "progressToken")) == NULL)
		return;
	for (c = tool_mcp_calls; c != NULL; c = c->next) {
		if (c->srv == srv && strcmp(c->tc->id, token) == 0)
			break;
	}
	if (c == NULL || c->tc->output == NULL)
		return;
	buf_adds(&b, "[progress ");
	buf_addf(&b, "%g", json_number_value(json_object_get(params,
	    "progress")));
	if ((total = json_object_get(params, "total")) != NULL &&
	    json_is_number(total))
		buf_addf(&b, "/%g", json_number_value(total));
	buf_adds(&b, "]");
	if ((msg = conv_json_str(params, "message")) != NULL) {
		buf_addch(&b, ' ');
		/* One line, no control characters: it is the server's. */
		for (p = msg; *p != '\0' && p - msg < 200; p++)
			buf_addch(&b, (unsigned char)*p < 0x20 ? ' ' : *p);
	}
	buf_addch(&b, '\n');
	c->tc->output(c->tc, b.buf, b.len, c->tc->output_arg);
	buf_release(&b);
}

static int	tool_mcp_run(struct tool_call *);
static void	tool_mcp_cancel(struct tool_call *);

/*
 * Server / Tools, "Tool Annotations": title and the four hints, as the
 * server claims them ("clients MUST consider tool annotations to be
 * untrusted unless they come from trusted servers"): shown to the user,
 * never used to skip approval or the snapshot.  NULL when none.
 */
static char *
tool_mcp_claims(const char *server, json_t *t, json_t *ann)
{
	static const char *const hints[] = {
		"readOnlyHint", "destructiveHint", "idempotentHint",
		"openWorldHint", NULL
	};
	struct buf	 b = BUF_INIT;
	const char	*title;
	json_t		*h;
	char		*clean;
	size_t		 i, n = 0, len;

	title = conv_json_str(ann, "title");
	if (title == NULL)
		title = conv_json_str(t, "title");
	if (title != NULL) {
		len = strnlen(title, 80);
		clean = xmalloc(3 * len + 1);
		clean[utf8_strip_controls(title, len, clean)] = '\0';
		clean[strcspn(clean, "\n\t")] = '\0';
		buf_addf(&b, " title \"%s\"", clean);
		free(clean);
		n++;
	}
	for (i = 0; hints[i] != NULL; i++) {
		h = json_object_get(ann, hints[i]);
		if (!json_is_boolean(h))
			continue;
		buf_addf(&b, "%s %s=%s", n > 0 ? "," : "", hints[i],
		    json_is_true(h) ? "true" : "false");
		n++;
	}
	if (n == 0) {
		buf_release(&b);
		return (NULL);
	}
	clean = xasprintf("Annotations claimed by %s (not trusted: asked "
	    "and snapshotted all the same):\n %s", server, b.buf);
	buf_release(&b);
	return (clean);
}

struct mcp_tool *
tool_mcp_create(struct mcp_server *srv, const char *name, json_t *t)
{
	struct tool_mcp	*e;
	json_t		*schema, *ann;
	const char	*desc;

	schema = json_object_get(t, "inputSchema");
	if (schema != NULL && !json_is_object(schema))
		return (NULL);
	e = xcalloc(1, sizeof *e);
	e->name = xstrdup(name);
	desc = conv_json_str(t, "description");
	e->description = xstrdup(desc != NULL ? desc : "");
	if (schema != NULL)
		e->schema = json_dumps(schema, JSON_COMPACT);
	else
		e->schema = xstrdup("{\"type\":\"object\"}");
	if (e->schema == NULL) {
		free(e->name);
		free(e->description);
		free(e);
		return (NULL);
	}
	e->te.name = e->name;
	e->te.description = e->description;
	e->te.schema = e->schema;
	/*
	 * No effects function and no TOOL_READONLY: EFFECT_UNKNOWN, so
	 * mutating and networked; a server's readOnlyHint is shown but
	 * never trusted to skip approval or the snapshot.
	 */
	e->te.flags = 0;
	e->te.run = tool_mcp_run;
	e->te.cancel = tool_mcp_cancel;
	e->mt.te = &e->te;
	e->mt.srv = srv;
	e->mt.tool = xstrdup(conv_json_str(t, "name"));
	ann = json_object_get(t, "annotations");
	e->mt.readonly = json_is_true(json_object_get(ann, "readOnlyHint"));
	e->mt.claims = tool_mcp_claims(mcp_server_name(srv), t, ann);
	return (&e->mt);
}

void
tool_mcp_free(struct mcp_tool *mt)
{
	struct tool_mcp	*e;

	if (mt == NULL)
		return;
	e = (struct tool_mcp *)mt->te;
	free(e->mt.tool);
	free(e->mt.claims);
	free(e->name);
	free(e->description);
	free(e->schema);
	free(e);
}

struct mcp_tool *
mcp_tool_of(const struct tool_entry *te)
{
	if (te == NULL || te->run != tool_mcp_run)
		return (NULL);
	return (&((struct tool_mcp *)te)->mt);
}

/* The answer to tools/call. */
static void
tool_mcp_done(void *arg, json_t *result, json_t *error)
{
	struct tool_mcp_call	*c = arg;
	struct tool_call	*tc = c->tc;
	struct mcp_tool		*mt = mcp_tool_of(tc->tool);
	const char		*srv = mcp_server_name(c->srv), *msg;
	struct buf		 b = BUF_INIT;
	json_int_t		 code;
	int			 is_error = 0;

	tc->priv = NULL;
	tool_mcp_unlink(c);
	free(c);
	if (error != NULL) {
		code = json_integer_value(json_object_get(error, "code"));
		msg = conv_json_str(error, "message");
		if (code == JSONRPC_E_TIMEOUT)
			tool_result_setf(tc, 1, "The MCP server %s did not "
			    "answer %s within %u ms (mcp.call_timeout); the "
			    "call was cancelled.", srv, mt->tool,
			    mcp_call_timeout(mt->srv));
		else if (code == JSONRPC_E_CLOSED)
			tool_result_setf(tc, 1, "The MCP server %s closed the "
			    "connection during the call of %s; it may have "
			    "crashed (%.300s).", srv, mt->tool,
			    msg != NULL ? msg : "no reason");
		else
			tool_result_setf(tc, 1, "The MCP server %s answered "
			    "%s with error %lld: %.1000s", srv, mt->tool,
			    (long long)code, msg != NULL ? msg : "(none)");
		tool_call_finish(tc);
		return;
	}
	/*
	 * Server / Tools: the result of tools/call is a CallToolResult, an
	 * object; JSON-RPC 2.0 section 5 requires "result" on success.  A
	 * response without one (jsonrpc.c passes null) or with another type
	 * is the server's fault, said as such rather than "no content".
	 */
	if (!json_is_object(result)) {
		tool_result_setf(tc, 1, "The MCP server %s sent an invalid "
		    "answer to the call of %s: %s, not a CallToolResult "
		    "object.", srv, mt->tool, result == NULL ||
		    json_is_null(result) ? "no result" : json_is_string(result) ?
		    "a string" : json_is_array(result) ? "an array" :
		    "a scalar");
		tool_call_finish(tc);
		return;
	}
	mcp_result_text(result, &b, &is_error);
	/* Capped as every tool result, the cap stated (tool_result_set). */
	tool_result_set(tc, b.buf, b.len, is_error);
	buf_release(&b);
	tool_call_finish(tc);
}

/* Send tools/call for tc. */
static int
tool_mcp_run(struct tool_call *tc)
{
	struct mcp_tool		*mt = mcp_tool_of(tc->tool);
	struct tool_mcp_call	*c;
	struct jsonrpc		*rpc;
	const char		*why = NULL;
	json_t			*params;

	if ((rpc = mcp_server_rpc(mt->srv, &why)) == NULL) {
		tool_result_setf(tc, 1, "The MCP server %s is not connected "
		    "(%s); %s was not called.", mcp_server_name(mt->srv), why,
		    tc->name);
		return (0);
	}
	/* Progress: "_meta": {"progressToken"} asks for notifications. */
	params = json_pack("{s:s,s:O,s:{s:s}}", "name", mt->tool,
	    "arguments", tc->input, "_meta", "progressToken", tc->id);
	c = xcalloc(1, sizeof *c);
	c->tc = tc;
	c->srv = mt->srv;
	c->call = jsonrpc_call(rpc, "tools/call", params,
	    mcp_call_timeout(mt->srv), tool_mcp_done, c);
	if (c->call == NULL) {
		free(c);
		tool_result_setf(tc, 1, "The MCP server %s closed the "
		    "connection; %s was not called.",
		    mcp_server_name(mt->srv), tc->name);
		return (0);
	}
	tc->priv = c;
	c->next = tool_mcp_calls;
	tool_mcp_calls = c;
	return (1);
}

/* Esc: abandon the call; the server hears notifications/cancelled. */
static void
tool_mcp_cancel(struct tool_call *tc)
{
	struct tool_mcp_call	*c = tc->priv;
	struct mcp_server	*srv;

	if (c == NULL)
		return;
	tc->priv = NULL;
	srv = c->srv;
	if (c->gone != NULL)
		loop_timer_cancel(c->gone);
	else {
		mcp_server_cancel_reason(srv, "cancelled by the user");
		jsonrpc_call_cancel(c->call);
	}
	tool_mcp_unlink(c);
	free(c->why);
	free(c);
	tool_result_setf(tc, 1, "Cancelled by the user; the MCP server %s "
	    "was told (notifications/cancelled).", mcp_server_name(srv));
	tool_call_finish(tc);
}

/* mcp_tool_search: find server tools by keywords and load them. */
static int
tool_mcp_search_run(struct tool_call *tc)
{
	struct buf	 b = BUF_INIT;
	const char	*q = conv_json_str(tc->input, "query");
	size_t		 n;

	n = mcp_tool_search(tc->ctx != NULL ? tc->ctx->mcp : NULL,
	    q != NULL ? q : "", 10, &b);
	if (n == 0)
		tool_result_setf(tc, 0, "No MCP tool matches \"%s\"; an empty "
		    "query lists them all.", q != NULL ? q : "");
	else
		tool_result_set(tc, b.buf, b.len, 0);
	buf_release(&b);
	return (0);
}

const struct tool_entry tool_mcp_search = {
	.name = "mcp_tool_search",
	.description = "Find tools of the connected MCP servers by keywords "
	    "(words of what the tool does or of its name); returns the "
	    "definitions of the best matches (at most 10), which can then be "
	    "called by name. An empty query lists every tool's name.",
	.schema = "{\"type\":\"object\",\"properties\":{\"query\":{"
	    "\"type\":\"string\",\"description\":\"keywords\"}},"
	    "\"required\":[\"query\"]}",
	.flags = TOOL_READONLY,
	.run = tool_mcp_search_run,
};
