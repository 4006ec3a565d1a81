/*
 * test-mcp-http.c: MCP Streamable HTTP (and the 2024-11-05 fallback)
 * against tests/fake-mcp-http.py: initialize, tools/list, tools/call over
 * mcp_http_open() in the loop, then the server's request log checked.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/wait.h>

#include <netinet/in.h>

#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "agentos.h"
#include "jsonrpc.h"
#include "mcp-http.h"

#define SECRET	"Bearer sekrit-token-123"

struct client {
	struct jsonrpc	*rpc;
	int		 done;
	int		 closed;
	char		*closed_why;
	char		*version;
	size_t		 ntools;
	char		*text;
	int		 code;
	char		*message;
	int		 pings;
	int		 progress;	/* notifications/progress */
	int		 has_echo;
	char		*first_tool;	/* conformance */
	int		 waits;
};

struct server {
	pid_t	 pid;
	int	 port;
	char	 dir[64];
	char	 log[128];
};

static const struct jsonrpc_options opts = { 1 << 20, 1 << 20, NULL };
static struct server *current;	/* killed by the teardown */
static struct client *current_c;	/* its endpoint freed by it */

static void	on_request(struct jsonrpc *, const char *, json_t *, json_t *,
		    void *);
static void	on_closed(struct jsonrpc *, const char *, void *);

static void	on_cancelled(struct jsonrpc *, json_int_t, void *);
static void	on_note(struct jsonrpc *, const char *, json_t *, void *);

static const struct jsonrpc_handlers handlers = {
	.request = on_request,
	.notification = on_note,
	.cancelled = on_cancelled,
	.closed = on_closed,
};

static void
on_note(struct jsonrpc *rpc, const char *method, json_t *params, void *arg)
{
	struct client	*c = arg;

	if (strcmp(method, "notifications/progress") == 0)
		c->progress++;
}

/* As an MCP client does: tell the server. */
static void
on_cancelled(struct jsonrpc *rpc, json_int_t id, void *arg)
{
	jsonrpc_notify(rpc, "notifications/cancelled", json_pack("{s:I,s:s}",
	    "requestId", (json_int_t)id, "reason", "timed out"));
}

static void
on_request(struct jsonrpc *rpc, const char *method, json_t *id,
    json_t *params, void *arg)
{
	struct client	*c = arg;

	if (strcmp(method, "ping") == 0) {
		c->pings++;
		jsonrpc_reply(rpc, id, json_object(), 0, NULL);
	} else
		jsonrpc_reply(rpc, id, NULL, JSONRPC_METHOD_NOT_FOUND, "no");
}

static void
on_closed(struct jsonrpc *rpc, const char *why, void *arg)
{
	struct client	*c = arg;

	c->closed++;
	free(c->closed_why);
	c->closed_why = xstrdup(why);
}

/* Record an error answer and stop. */
static int
client_error(struct client *c, json_t *error)
{
	if (error == NULL)
		return (0);
	c->code = (int)json_integer_value(json_object_get(error, "code"));
	c->message = xstrdup(json_string_value(json_object_get(error,
	    "message")));
	c->done = 1;
	return (1);
}

static void
on_call(void *arg, json_t *result, json_t *error)
{
	struct client	*c = arg;
	json_t		*t;

	if (client_error(c, error))
		return;
	t = json_object_get(json_array_get(json_object_get(result, "content"),
	    0), "text");
	c->text = xstrdup(json_is_string(t) ? json_string_value(t) : "?");
	c->done = 1;
}

static const char	*tool = "echo";	/* what on_list calls */
static const char	*call_params;	/* or these params (JSON) */
static int		 conformance;	/* or the first tool listed */
static unsigned int	 call_ms = 20000;

/*
 * Call the first tool, but not before the GET stream is answered:
 * sse-retry's server takes any GET for the resumption of the call's
 * stream, so the two must not cross.
 */
static void
conformance_call(void *arg)
{
	struct client	*c = arg;

	if (!mcp_http_listening(c->rpc) && c->waits++ < 300) {
		loop_timer_add(10, conformance_call, c);
		return;
	}
	jsonrpc_call(c->rpc, "tools/call", json_pack("{s:s,s:o}", "name",
	    c->first_tool, "arguments", strcmp(c->first_tool,
	    "add_numbers") == 0 ? json_pack("{s:i,s:i}", "a", 2, "b", 3) :
	    json_object()), call_ms, on_call, c);
}

static void
on_list(void *arg, json_t *result, json_t *error)
{
	struct client	*c = arg;
	json_t		*t;
	size_t		 i;

	if (client_error(c, error))
		return;
	c->ntools = json_array_size(json_object_get(result, "tools"));
	json_array_foreach(json_object_get(result, "tools"), i, t) {
		if (json_is_string(json_object_get(t, "name")) &&
		    strcmp(json_string_value(json_object_get(t, "name")),
		    "echo") == 0)
			c->has_echo = 1;
	}
	if (conformance) {
		/* The first tool offered; none: done. */
		t = json_array_get(json_object_get(result, "tools"), 0);
		if (!json_is_string(json_object_get(t, "name"))) {
			c->done = 1;
			return;
		}
		c->first_tool = xstrdup(json_string_value(json_object_get(t,
		    "name")));
		conformance_call(c);
	} else if (call_params != NULL)
		jsonrpc_call(c->rpc, "tools/call", json_loads(call_params, 0,
		    NULL), call_ms, on_call, c);
	else
		jsonrpc_call(c->rpc, "tools/call", json_pack("{s:s,s:{s:s}}",
		    "name", tool, "arguments", "text", "hello over http"),
		    call_ms, on_call, c);
}

static void
on_init(void *arg, json_t *result, json_t *error)
{
	struct client	*c = arg;
	const char	*v;

	if (client_error(c, error))
		return;
	v = json_string_value(json_object_get(result, "protocolVersion"));
	c->version = xstrdup(v != NULL ? v : "?");
	jsonrpc_notify(c->rpc, "notifications/initialized", NULL);
	jsonrpc_call(c->rpc, "tools/list", NULL, 20000, on_list, c);
}

static void
tick(void *arg)
{
	int	*fired = arg;

	*fired = 1;
	loop_exit();
}

static void
run_ms(unsigned int ms)
{
	int	fired = 0;

	loop_timer_add(ms, tick, &fired);
	while (!fired)
		loop_run();
}

/* Start the fake server with its flags (NULL-terminated). */
static void
server_start(struct server *s, ...)
{
	const char	*srcdir = getenv("top_srcdir"), *argv[20], *a;
	char		 script[512], portfile[128];
	FILE		*f;
	va_list		 ap;
	int		 n = 0, i;

	if (srcdir == NULL)
		srcdir = ".";
	snprintf(script, sizeof script, "%s/tests/fake-mcp-http.py", srcdir);
	if (access(script, R_OK) != 0 || system("python3 -c '' 2>/dev/null"))
		skip();
	snprintf(s->dir, sizeof s->dir, "/tmp/test-mcp-http.XXXXXX");
	assert_non_null(mkdtemp(s->dir));
	snprintf(s->log, sizeof s->log, "%s/requests.jsonl", s->dir);
	snprintf(portfile, sizeof portfile, "%s/port", s->dir);
	argv[n++] = "python3";
	argv[n++] = script;
	argv[n++] = "--port-file";
	argv[n++] = portfile;
	argv[n++] = "--log";
	argv[n++] = s->log;
	argv[n++] = "--expect-auth";
	argv[n++] = SECRET;
	va_start(ap, s);
	while ((a = va_arg(ap, const char *)) != NULL && n < 18)
		argv[n++] = a;
	va_end(ap);
	argv[n] = NULL;
	s->pid = fork();
	assert_true(s->pid != -1);
	if (s->pid == 0) {
		execvp("python3", (char *const *)argv);
		_exit(127);
	}
	current = s;
	/* Generous: python3 on a busy machine. */
	for (i = 0; i < 600; i++) {
		if ((f = fopen(portfile, "r")) != NULL) {
			if (fscanf(f, "%d", &s->port) == 1) {
				fclose(f);
				return;
			}
			fclose(f);
		}
		usleep(50000);
	}
	fail_msg("fake-mcp-http.py did not start");
}

static void
server_stop(struct server *s)
{
	char	path[160];

	current = NULL;
	kill(s->pid, SIGTERM);
	waitpid(s->pid, NULL, 0);
	unlink(s->log);
	snprintf(path, sizeof path, "%s/port", s->dir);
	unlink(path);
	rmdir(s->dir);
}

/* The server's log: an array of the requests. */
static json_t *
server_log(struct server *s)
{
	json_t	*v = json_array(), *j;
	char	 line[65536];
	FILE	*f;

	if ((f = fopen(s->log, "r")) == NULL)
		return (v);
	while (fgets(line, sizeof line, f) != NULL) {
		if ((j = json_loads(line, 0, NULL)) != NULL)
			json_array_append_new(v, j);
	}
	fclose(f);
	return (v);
}

/* The n-th (0-based) request whose method and JSON-RPC method match. */
static json_t *
find(json_t *log, const char *method, const char *rpc, int n)
{
	json_t		*e, *b;
	size_t		 i;
	const char	*m;

	json_array_foreach(log, i, e) {
		if (!json_is_string(json_object_get(e, "method")) ||
		    strcmp(json_string_value(json_object_get(e, "method")),
		    method) != 0)
			continue;
		if (rpc != NULL) {
			b = json_object_get(e, "body");
			m = json_string_value(json_object_get(b, "method"));
			if (m == NULL || strcmp(m, rpc) != 0)
				continue;
		}
		if (n-- == 0)
			return (e);
	}
	return (NULL);
}

/* A request header as logged (lower-case name), or NULL. */
static const char *
hdr(json_t *e, const char *name)
{
	return (json_string_value(json_object_get(json_object_get(e,
	    "headers"), name)));
}

static int
count(json_t *log, const char *method)
{
	json_t	*e;
	size_t	 i;
	int	 n = 0;

	json_array_foreach(log, i, e) {
		if (json_is_string(json_object_get(e, "method")) &&
		    strcmp(json_string_value(json_object_get(e, "method")),
		    method) == 0)
			n++;
	}
	return (n);
}

/* initialize -> tools/list -> tools/call against url; then close. */
static int	 legacy_first;	/* client_run: "type": "sse" */

static void
client_run(struct client *c, const char *url, int close)
{
	const char	*headers[] = { "Authorization: " SECRET, "X-Extra: 1" };
	char		*cause = NULL;
	int		 i;

	memset(c, 0, sizeof *c);
	current_c = c;
	assert_int_equal(mcp_http_open("remote", url, headers, 2, &opts,
	    &handlers, c, &c->rpc, &cause), 0);
	if (legacy_first)
		assert_int_equal(mcp_http_use_legacy(c->rpc), 0);
	jsonrpc_call(c->rpc, "initialize", json_pack("{s:s,s:{},s:{s:s,s:s}}",
	    "protocolVersion", "2025-11-25", "capabilities", "clientInfo",
	    "name", "test", "version", "1"), 20000, on_init, c);
	for (i = 0; i < 3000 && !c->done && !c->closed; i++)
		run_ms(10);
	if (close) {
		mcp_http_close(c->rpc);
		mcp_http_drain(5000);
		assert_int_equal(mcp_http_closing(), 0);
		c->rpc = NULL;
	}
}

/* Run the loop until the client's call is answered. */
static void
wait_done(struct client *c)
{
	int	i;

	for (i = 0; i < 3000 && !c->done; i++)
		run_ms(10);
	assert_true(c->done);
}

/*
 * Wait until the GET stream was answered (a busy machine may not have
 * sent it yet when the calls are done), then close as client_run() does.
 */
static void
wait_listening_close(struct client *c)
{
	int	i;

	for (i = 0; i < 1000 && !mcp_http_listening(c->rpc); i++)
		run_ms(10);
	assert_true(mcp_http_listening(c->rpc));
	mcp_http_close(c->rpc);
	c->rpc = NULL;
	mcp_http_drain(5000);
	assert_int_equal(mcp_http_closing(), 0);
}

static void
client_clear(struct client *c)
{
	if (current_c == c)
		current_c = NULL;
	free(c->closed_why);
	free(c->first_tool);
	free(c->version);
	free(c->text);
	free(c->message);
}

static char *
url_of(struct server *s, const char *path)
{
	return (xasprintf("http://127.0.0.1:%d%s", s->port, path));
}

/* JSON responses: headers, session, version, GET stream, DELETE. */
static void
test_json(void **state)
{
	struct server	 s;
	struct client	 c;
	json_t		*log, *e;
	char		*url;

	server_start(&s, "--mode", "json", NULL);
	url = url_of(&s, "/mcp");
	client_run(&c, url, 0);
	wait_listening_close(&c);
	assert_null(c.message);
	assert_string_equal(c.version, "2025-11-25");
	assert_int_equal(c.ntools, 1);
	assert_string_equal(c.text, "hello over http");
	assert_int_equal(c.closed, 0);

	log = server_log(&s);
	e = find(log, "POST", "initialize", 0);
	assert_non_null(e);
	assert_string_equal(hdr(e, "accept"),
	    "application/json, text/event-stream");
	assert_string_equal(hdr(e, "content-type"), "application/json");
	assert_null(hdr(e, "mcp-session-id"));
	assert_null(hdr(e, "mcp-protocol-version"));
	assert_string_equal(hdr(e, "authorization"), "<redacted>");
	assert_true(json_is_true(json_object_get(e, "auth_ok")));
	assert_string_equal(hdr(e, "x-extra"), "1");
	e = find(log, "POST", "notifications/initialized", 0);
	assert_non_null(e);
	assert_string_equal(hdr(e, "mcp-session-id"), "sess-1");
	assert_string_equal(hdr(e, "mcp-protocol-version"), "2025-11-25");
	e = find(log, "POST", "tools/call", 0);
	assert_non_null(e);
	assert_string_equal(hdr(e, "mcp-session-id"), "sess-1");
	assert_string_equal(hdr(e, "mcp-protocol-version"), "2025-11-25");
	assert_true(json_is_true(json_object_get(e, "auth_ok")));
	/* The GET stream for server messages, with the session. */
	e = find(log, "GET", NULL, 0);
	assert_non_null(e);
	assert_string_equal(hdr(e, "accept"), "text/event-stream");
	assert_string_equal(hdr(e, "mcp-session-id"), "sess-1");
	/* DELETE at close. */
	e = find(log, "DELETE", NULL, 0);
	assert_non_null(e);
	assert_string_equal(hdr(e, "mcp-session-id"), "sess-1");
	assert_true(json_is_true(json_object_get(e, "auth_ok")));
	json_decref(log);
	client_clear(&c);
	free(url);
	server_stop(&s);
}

/* SSE responses with a server request inside; 405 on GET. */
static void
test_sse_request(void **state)
{
	struct server	 s;
	struct client	 c;
	json_t		*log, *e, *b;
	size_t		 i;
	int		 answered = 0;
	char		*url;

	server_start(&s, "--mode", "sse", "--server-request", "--no-get",
	    NULL);
	url = url_of(&s, "/mcp");
	client_run(&c, url, 0);
	wait_listening_close(&c);
	assert_null(c.message);
	assert_string_equal(c.text, "hello over http");
	assert_int_equal(c.pings, 1);
	log = server_log(&s);
	/* The ping was answered by POST, with the session. */
	json_array_foreach(log, i, e) {
		b = json_object_get(e, "body");
		if (json_is_object(b) && json_object_get(b, "result") != NULL &&
		    strncmp(json_string_value(json_object_get(b, "id")),
		    "srv-", 4) == 0) {
			assert_string_equal(hdr(e, "mcp-session-id"), "sess-1");
			answered++;
		}
	}
	assert_int_equal(answered, 1);
	/* 405: one GET, never again. */
	assert_int_equal(count(log, "GET"), 1);
	json_decref(log);
	client_clear(&c);
	free(url);
	server_stop(&s);
}

/* A dropped stream resumed by GET with Last-Event-ID after retry. */
static void
test_resume(void **state)
{
	struct server	 s;
	struct client	 c;
	json_t		*log, *e, *call;
	char		*url;

	server_start(&s, "--mode", "sse", "--drop", "--retry", "400",
	    "--no-get", NULL);
	url = url_of(&s, "/mcp");
	client_run(&c, url, 1);
	assert_null(c.message);
	assert_string_equal(c.text, "hello over http");
	log = server_log(&s);
	call = find(log, "POST", "tools/call", 0);
	assert_non_null(call);
	e = find(log, "GET", NULL, 1);	/* the first is the 405 one */
	if (e == NULL || hdr(e, "last-event-id") == NULL)
		e = find(log, "GET", NULL, 0);
	assert_non_null(e);
	assert_non_null(hdr(e, "last-event-id"));
	assert_int_equal(strncmp(hdr(e, "last-event-id"), "s", 1), 0);
	assert_non_null(strstr(hdr(e, "last-event-id"), "-2"));
	assert_string_equal(hdr(e, "mcp-session-id"), "sess-1");
	/* Not before the server's retry (400 ms): a lower bound only. */
	assert_true(json_real_value(json_object_get(e, "t")) -
	    json_real_value(json_object_get(call, "t")) >= 0.35);
	json_decref(log);
	client_clear(&c);
	free(url);
	server_stop(&s);
}

/* 404 on a request with the session: a new session, the call re-sent. */
static void
test_expire(void **state)
{
	struct server	 s;
	struct client	 c;
	json_t		*log, *e;
	char		*url;

	server_start(&s, "--mode", "json", "--expire", "--no-get", NULL);
	url = url_of(&s, "/mcp");
	client_run(&c, url, 0);
	assert_null(c.message);
	assert_string_equal(c.text, "hello over http");
	assert_string_equal(mcp_http_session(c.rpc), "sess-2");
	mcp_http_close(c.rpc);
	c.rpc = NULL;
	while (mcp_http_closing() > 0)
		run_ms(10);
	log = server_log(&s);
	e = find(log, "POST", "tools/call", 0);
	assert_string_equal(hdr(e, "mcp-session-id"), "sess-1");
	e = find(log, "POST", "initialize", 1);
	assert_non_null(e);
	assert_null(hdr(e, "mcp-session-id"));
	e = find(log, "POST", "notifications/initialized", 1);
	assert_non_null(e);
	assert_string_equal(hdr(e, "mcp-session-id"), "sess-2");
	e = find(log, "POST", "tools/call", 1);
	assert_non_null(e);
	assert_string_equal(hdr(e, "mcp-session-id"), "sess-2");
	assert_string_equal(hdr(e, "mcp-protocol-version"), "2025-11-25");
	e = find(log, "DELETE", NULL, 0);
	assert_string_equal(hdr(e, "mcp-session-id"), "sess-2");
	json_decref(log);
	client_clear(&c);
	free(url);
	server_stop(&s);
}

/* A session that expires again: the call fails with JSONRPC_E_SESSION. */
static void
test_expire_again(void **state)
{
	struct server	 s;
	struct client	 c;
	char		*url;

	server_start(&s, "--mode", "json", "--expire-always", "--no-get",
	    NULL);
	url = url_of(&s, "/mcp");
	client_run(&c, url, 1);
	assert_int_equal(c.code, JSONRPC_E_SESSION);
	assert_non_null(strstr(c.message, "server remote"));
	client_clear(&c);
	free(url);
	server_stop(&s);
}

/* A call that times out: notifications/cancelled, and its stream closed. */
static void
test_cancel(void **state)
{
	struct server	 s;
	struct client	 c;
	json_t		*log, *e;
	size_t		 i;
	int		 j, closed = 0;
	char		*url;

	server_start(&s, "--mode", "sse", "--no-get", NULL);
	url = url_of(&s, "/mcp");
	tool = "hang";
	call_ms = 500;
	client_run(&c, url, 0);
	tool = "echo";
	call_ms = 20000;
	assert_int_equal(c.code, JSONRPC_E_TIMEOUT);
	/* The server sees the stream go (generous: a busy machine). */
	for (j = 0; j < 500 && !closed; j++) {
		run_ms(20);
		log = server_log(&s);
		json_array_foreach(log, i, e) {
			if (json_object_get(e, "event") != NULL)
				closed = 1;
		}
		json_decref(log);
	}
	assert_true(closed);
	log = server_log(&s);
	e = find(log, "POST", "notifications/cancelled", 0);
	assert_non_null(e);
	assert_string_equal(hdr(e, "mcp-session-id"), "sess-1");
	json_decref(log);
	mcp_http_close(c.rpc);
	c.rpc = NULL;
	client_clear(&c);
	free(url);
	server_stop(&s);
}

/* Bodies over the limit and bad JSON fail the call; the session goes on. */
static void
test_bad_bodies(void **state)
{
	static const char	*modes[] = { "json", "sse" };
	struct server		 s;
	struct client		 c;
	char			*url;
	size_t			 m;

	for (m = 0; m < 2; m++) {
		server_start(&s, "--mode", modes[m], "--no-get", NULL);
		url = url_of(&s, "/mcp");
		tool = "big";
		client_run(&c, url, 0);
		tool = "echo";
		assert_int_equal(c.code, JSONRPC_INTERNAL_ERROR);
		assert_non_null(strstr(c.message, "over 1048576 bytes"));
		assert_false(jsonrpc_closed(c.rpc));
		if (m == 0) {
			c.done = 0;
			free(c.message);
			c.message = NULL;
			jsonrpc_call(c.rpc, "tools/call", json_pack(
			    "{s:s,s:{}}", "name", "garbage", "arguments"),
			    20000, on_call, &c);
			wait_done(&c);
			assert_int_equal(c.code, JSONRPC_E_CLOSED);
			assert_non_null(strstr(c.message, "without a response"));
		}
		/* Still usable. */
		c.done = 0;
		jsonrpc_call(c.rpc, "tools/call", json_pack("{s:s,s:{s:s}}",
		    "name", "echo", "arguments", "text", "after"), 20000,
		    on_call, &c);
		wait_done(&c);
		assert_string_equal(c.text, "after");
		mcp_http_close(c.rpc);
		c.rpc = NULL;
		client_clear(&c);
		free(url);
		server_stop(&s);
	}
}

/* POST refused: the 2024-11-05 HTTP+SSE transport. */
static void
test_legacy(void **state)
{
	struct server	 s;
	struct client	 c;
	json_t		*log, *e;
	char		*url;

	server_start(&s, "--legacy", NULL);
	url = url_of(&s, "/mcp");
	client_run(&c, url, 0);
	assert_null(c.message);
	assert_string_equal(c.text, "hello over http");
	assert_int_equal(c.ntools, 1);
	assert_true(mcp_http_legacy(c.rpc));
	mcp_http_close(c.rpc);
	c.rpc = NULL;
	run_ms(10);
	log = server_log(&s);
	e = find(log, "POST", "initialize", 0);
	assert_string_equal(json_string_value(json_object_get(e, "path")),
	    "/mcp");
	e = find(log, "GET", NULL, 0);
	assert_non_null(e);
	assert_string_equal(hdr(e, "accept"), "text/event-stream");
	e = find(log, "POST", "tools/call", 0);
	assert_non_null(e);
	assert_string_equal(json_string_value(json_object_get(e, "path")),
	    "/messages?sessionId=L1");
	assert_true(json_is_true(json_object_get(e, "auth_ok")));
	assert_int_equal(count(log, "DELETE"), 0);
	json_decref(log);
	client_clear(&c);
	free(url);
	server_stop(&s);
}

/* "type": "sse": the 2024-11-05 transport from the start. */
static void
test_legacy_direct(void **state)
{
	struct server	 s;
	struct client	 c;
	json_t		*log, *e;
	size_t		 i;
	char		*url;

	server_start(&s, "--legacy", NULL);
	url = url_of(&s, "/mcp");
	legacy_first = 1;
	client_run(&c, url, 1);
	legacy_first = 0;
	assert_null(c.message);
	assert_string_equal(c.text, "hello over http");
	log = server_log(&s);
	/* Never a POST to the SSE URL itself. */
	json_array_foreach(log, i, e) {
		if (strcmp(json_string_value(json_object_get(e, "method")),
		    "POST") == 0)
			assert_string_not_equal(json_string_value(
			    json_object_get(e, "path")), "/mcp");
	}
	assert_int_equal(count(log, "GET"), 1);
	json_decref(log);
	client_clear(&c);
	free(url);
	server_stop(&s);
}

/* A free loopback port (bound and released: a race we accept). */
static int
free_port(void)
{
	struct sockaddr_in	sin;
	socklen_t		len = sizeof sin;
	int			fd, port;

	fd = socket(AF_INET, SOCK_STREAM, 0);
	memset(&sin, 0, sizeof sin);
	sin.sin_family = AF_INET;
	sin.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	assert_int_equal(bind(fd, (struct sockaddr *)&sin, sizeof sin), 0);
	assert_int_equal(getsockname(fd, (struct sockaddr *)&sin, &len), 0);
	port = ntohs(sin.sin_port);
	close(fd);
	return (port);
}

/* Start server-everything (transport: streamableHttp or sse). */
static void
everything_start(struct server *s, const char *transport)
{
	const char		*dir = getenv("MCP_EVERYTHING");
	char			 script[512], port[16];
	struct sockaddr_in	 sin;
	int			 fd, i;

	if (dir == NULL)
		skip();		/* tests/e2e/1021 sets it */
	snprintf(script, sizeof script, "%s/node_modules/@modelcontextprotocol/"
	    "server-everything/dist/index.js", dir);
	assert_int_equal(access(script, R_OK), 0);
	memset(s, 0, sizeof *s);
	s->port = free_port();
	snprintf(port, sizeof port, "%d", s->port);
	snprintf(s->dir, sizeof s->dir, "/tmp/test-mcp-http.XXXXXX");
	assert_non_null(mkdtemp(s->dir));
	snprintf(s->log, sizeof s->log, "%s/server.out", s->dir);
	s->pid = fork();
	assert_true(s->pid != -1);
	if (s->pid == 0) {
		/* Its chatter to a file, not the test's output. */
		if ((fd = open(s->log, O_WRONLY | O_CREAT | O_TRUNC,
		    0600)) != -1) {
			dup2(fd, 1);
			dup2(fd, 2);
		}
		setenv("PORT", port, 1);
		execlp("node", "node", script, transport, (char *)NULL);
		_exit(127);
	}
	current = s;
	for (i = 0; i < 600; i++) {
		fd = socket(AF_INET, SOCK_STREAM, 0);
		memset(&sin, 0, sizeof sin);
		sin.sin_family = AF_INET;
		sin.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
		sin.sin_port = htons(s->port);
		if (connect(fd, (struct sockaddr *)&sin, sizeof sin) == 0) {
			close(fd);
			return;
		}
		close(fd);
		usleep(50000);
	}
	fail_msg("server-everything did not start");
}

/* The real @modelcontextprotocol/server-everything, both transports. */
static void
test_everything(void **state)
{
	struct server	 s;
	struct client	 c;
	char		*url;

	everything_start(&s, "streamableHttp");
	url = url_of(&s, "/mcp");
	call_params = "{\"name\":\"echo\",\"arguments\":{\"message\":"
	    "\"hello everything\"}}";
	client_run(&c, url, 0);
	assert_null(c.message);
	assert_true(c.has_echo);
	assert_string_equal(c.text, "Echo: hello everything");
	assert_non_null(mcp_http_session(c.rpc));
	assert_false(mcp_http_legacy(c.rpc));
	/* Progress notifications inside the call's SSE stream. */
	c.done = 0;
	jsonrpc_call(c.rpc, "tools/call", json_loads("{\"name\":"
	    "\"trigger-long-running-operation\",\"arguments\":{\"duration\":"
	    "1,\"steps\":3},\"_meta\":{\"progressToken\":9}}", 0, NULL),
	    20000, on_call, &c);
	wait_done(&c);
	assert_null(c.message);
	assert_int_equal(c.progress, 3);
	mcp_http_close(c.rpc);
	c.rpc = NULL;
	mcp_http_drain(5000);
	assert_int_equal(mcp_http_closing(), 0);
	client_clear(&c);
	free(url);
	server_stop(&s);

	/* Its 2024-11-05 SSE transport, found by the fallback. */
	everything_start(&s, "sse");
	url = url_of(&s, "/sse");
	client_run(&c, url, 1);
	call_params = NULL;
	assert_null(c.message);
	assert_string_equal(c.text, "Echo: hello everything");
	client_clear(&c);
	free(url);
	server_stop(&s);
}

/* 401: a clear message naming the server; no OAuth attempted. */
static void
test_auth(void **state)
{
	struct server	 s;
	struct client	 c;
	char		*url;

	server_start(&s, "--auth", NULL);
	url = url_of(&s, "/mcp");
	client_run(&c, url, 1);
	assert_int_equal(c.code, JSONRPC_E_CLOSED);
	assert_non_null(strstr(c.message,
	    "server remote needs OAuth: HTTP 401"));
	assert_non_null(strstr(c.message, "WWW-Authenticate: Bearer"));
	assert_int_equal(c.closed, 1);
	client_clear(&c);
	free(url);
	server_stop(&s);
}

/* Nothing listening, a bad URL: errors, no crash; no secret in the log. */
static void
test_errors(void **state)
{
	struct client	 c;
	struct jsonrpc	*rpc;
	char		*cause = NULL, path[] = "/tmp/test-mcp-http-log.XXXXXX";
	char		 buf[65536];
	ssize_t		 n;
	int		 fd;

	assert_int_equal(mcp_http_open("bad", "ftp://x/", NULL, 0, &opts,
	    &handlers, &c, &rpc, &cause), -1);
	assert_non_null(strstr(cause, "server bad"));
	free(cause);
	assert_int_equal(mcp_http_open("bad", "not a url", NULL, 0, &opts,
	    &handlers, &c, &rpc, &cause), -1);
	free(cause);

	assert_true((fd = mkstemp(path)) != -1);
	log_open(path);
	/* Port 9 (discard) on loopback: nothing there on a test machine. */
	client_run(&c, "http://127.0.0.1:9/mcp", 1);
	log_close();
	assert_int_equal(c.code, JSONRPC_E_CLOSED);
	assert_non_null(strstr(c.message, "server remote"));
	n = read(fd, buf, sizeof buf - 1);
	assert_true(n > 0);
	buf[n] = '\0';
	assert_null(strstr(buf, "sekrit"));
	close(fd);
	unlink(path);
	client_clear(&c);
}

/*
 * As the command of the official conformance suite's client scenarios
 * (tests/e2e/1022): initialize, tools/list, then a call of the first tool
 * (add_numbers gets its numbers); 0 when every answer came.
 */
static int
conformance_client(const char *url)
{
	const char	*headers[] = { NULL };
	struct client	 c;
	char		*cause = NULL;
	int		 i;

	memset(&c, 0, sizeof c);
	if (mcp_http_open("conformance", url, headers, 0, &opts, &handlers,
	    &c, &c.rpc, &cause) != 0) {
		fprintf(stderr, "%s\n", cause);
		return (1);
	}
	conformance = 1;
	jsonrpc_call(c.rpc, "initialize", json_pack("{s:s,s:{},s:{s:s,s:s}}",
	    "protocolVersion", "2025-11-25", "capabilities", "clientInfo",
	    "name", "agentos-test-mcp-http", "version", "1"), 20000, on_init,
	    &c);
	for (i = 0; i < 3000 && !c.done && !c.closed; i++)
		run_ms(10);
	if (c.message != NULL)
		fprintf(stderr, "error %d: %s\n", c.code, c.message);
	else if (c.text != NULL)
		printf("%s\n", c.text);
	mcp_http_close(c.rpc);
	mcp_http_drain(2000);
	return (c.done && c.message == NULL ? 0 : 1);
}

/* A failed test leaves its server: stop it. */
static int
teardown(void **state)
{
	if (current_c != NULL && current_c->rpc != NULL)
		jsonrpc_free(current_c->rpc);
	current_c = NULL;
	call_params = NULL;
	tool = "echo";
	call_ms = 20000;
	legacy_first = 0;
	if (current != NULL)
		server_stop(current);
	run_ms(1);
	return (0);
}

int
main(int argc, char **argv)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_teardown(test_json, teardown),
		cmocka_unit_test_teardown(test_sse_request, teardown),
		cmocka_unit_test_teardown(test_resume, teardown),
		cmocka_unit_test_teardown(test_expire, teardown),
		cmocka_unit_test_teardown(test_expire_again, teardown),
		cmocka_unit_test_teardown(test_cancel, teardown),
		cmocka_unit_test_teardown(test_bad_bodies, teardown),
		cmocka_unit_test_teardown(test_legacy, teardown),
		cmocka_unit_test_teardown(test_legacy_direct, teardown),
		cmocka_unit_test_teardown(test_auth, teardown),
		cmocka_unit_test_teardown(test_everything, teardown),
		cmocka_unit_test_teardown(test_errors, teardown),
	};

	signal(SIGPIPE, SIG_IGN);
	loop_init();
	/* TEST_LOG=FILE: agentos's debug log, for a failure. */
	if (getenv("TEST_LOG") != NULL)
		log_open(getenv("TEST_LOG"));
	/* The conformance suite appends the server's URL. */
	if (argc > 1 && strncmp(argv[argc - 1], "http", 4) == 0)
		return (conformance_client(argv[argc - 1]));
	if (getenv("TEST_FILTER") != NULL)
		cmocka_set_test_filter(getenv("TEST_FILTER"));
	return (cmocka_run_group_tests(tests, NULL, NULL));
}
