/*
 * test-model-call.c: model_call_start() end to end over real HTTP (http.c on
 * the libevent loop) against tests/fake-provider.py: success, retries,
 * giving up, mid-stream errors, cut streams, stalls and cancellation.
 * Skips (77) when python3 is missing.
 *
 * test-timeout: 600 (s, for tests/run-test: 135 s on a loaded machine)
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <signal.h>
#include <spawn.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <cmocka.h>

#include "wire.h"

extern char **environ;

static char	 tmpdir[] = "/tmp/agentos-test-mc.XXXXXX";
static pid_t	 server_pid = -1;
static int	 server_port;

/* Start the fake provider with script (JSON text). */
static void
server_start(const char *script)
{
	const char	*src = getenv("top_srcdir");
	char		*path, *sfile, *pfile, *lfile, *argv[9];
	FILE		*f;
	int		 i;

	if (src == NULL)
		src = ".";
	path = xasprintf("%s/tests/fake-provider.py", src);
	sfile = xasprintf("%s/script.json", tmpdir);
	pfile = xasprintf("%s/port", tmpdir);
	lfile = xasprintf("%s/log.jsonl", tmpdir);
	unlink(pfile);
	unlink(lfile);
	f = fopen(sfile, "w");
	assert_non_null(f);
	fputs(script, f);
	fclose(f);
	argv[0] = (char *)"python3";
	argv[1] = path;
	argv[2] = (char *)"--script";
	argv[3] = sfile;
	argv[4] = (char *)"--port-file";
	argv[5] = pfile;
	argv[6] = (char *)"--log";
	argv[7] = lfile;
	argv[8] = NULL;
	assert_int_equal(posix_spawnp(&server_pid, "python3", NULL, NULL,
	    argv, environ), 0);
	server_port = 0;
	for (i = 0; i < 200 && server_port == 0; i++) {
		if ((f = fopen(pfile, "r")) != NULL) {
			if (fscanf(f, "%d", &server_port) != 1)
				server_port = 0;
			fclose(f);
		}
		if (server_port == 0)
			usleep(50 * 1000);
	}
	assert_int_not_equal(server_port, 0);
	free(path);
	free(sfile);
	free(pfile);
	free(lfile);
}

static void
server_stop(void)
{
	if (server_pid > 0) {
		kill(server_pid, SIGTERM);
		waitpid(server_pid, NULL, 0);
	}
	server_pid = -1;
}

/* Lines in the request log. */
static int
server_requests(char **first)
{
	char	*lfile = xasprintf("%s/log.jsonl", tmpdir), line[65536];
	FILE	*f;
	int	 n = 0;

	if (first != NULL)
		*first = NULL;
	if ((f = fopen(lfile, "r")) != NULL) {
		while (fgets(line, sizeof line, f) != NULL) {
			if (n++ == 0 && first != NULL)
				*first = xstrdup(line);
		}
		fclose(f);
	}
	free(lfile);
	return (n);
}

struct run {
	struct model_call	*mc;
	int			 done;
	char			*error;
	char			*dump;
	struct buf		 text;
	int			 retries;
	int			 cancel_on_text;
	int			 cancelled;
	int			 timed_out;
	struct loop_timer	*watchdog;
	char			*retry_reason;
};

static void	run_exit(void *);

static void
run_text(void *arg, const char *s, size_t len)
{
	struct run	*r = arg;

	buf_add(&r->text, s, len);
	if (r->cancel_on_text && !r->cancelled) {
		r->cancelled = 1;
		model_call_cancel(r->mc);	/* inside a curl callback */
		/* Then give a late callback the time to show up. */
		loop_timer_add(300, run_exit, NULL);
	}
}

static void
run_retry(void *arg, int attempt, long delay, const char *reason)
{
	struct run	*r = arg;

	r->retries++;
	free(r->retry_reason);
	r->retry_reason = xstrdup(reason);
	buf_reset(&r->text);		/* as the UI clears partial text */
}

static void
run_done(void *arg, struct response *resp, const char *error)
{
	struct run	*r = arg;
	struct buf	 b = BUF_INIT;

	r->done++;
	r->error = error != NULL ? xstrdup(error) : NULL;
	wire_dump(resp, &b);
	r->dump = buf_detach(&b, NULL);
	loop_exit();
}

static void
run_watchdog(void *arg)
{
	struct run	*r = arg;

	r->watchdog = NULL;
	r->timed_out = 1;
	loop_exit();
}

static void
run_exit(void *arg)
{
	loop_exit();
}

static void
run_cancel(void *arg)
{
	struct run	*r = arg;

	r->cancelled = 1;
	model_call_cancel(r->mc);
	loop_timer_add(100, run_exit, NULL);
}

/* Run one call against the server with provider and max_retries. */
static void
run_call(struct run *r, const char *provider, int max_retries, int port)
{
	static const struct model_call_cb cb = {
		{ run_text, NULL, NULL, NULL }, run_retry, run_done
	};
	struct config		 cfg;
	struct model_request	 req;
	struct conv		 c;
	char			*cause = NULL, *url;

	memset(&cfg, 0, sizeof cfg);
	memset(&req, 0, sizeof req);
	url = xasprintf("http://127.0.0.1:%d%s", port,
	    strcmp(provider, "openai") == 0 ? "/v1" : "");
	cfg.provider = (char *)provider;
	cfg.base_url = url;
	cfg.api_key = (char *)"test-key";
	cfg.max_retries = max_retries;
	cfg.retry_seconds = 60;
	conv_init(&c);
	message_add_text(conv_add(&c, ROLE_USER), "hi");
	req.model = "fake";
	req.conv = &c;
	req.max_tokens = 100;
	buf_init(&r->text, 0);
	r->mc = model_call_start(&cfg, &req, &cb, r, &cause);
	assert_non_null(r->mc);
	conv_release(&c);		/* read before model_call_start returns */
	free(url);
	assert_non_null(strstr(model_call_body(r->mc), "\"stream\":true"));
	r->watchdog = loop_timer_add(30000, run_watchdog, r);
	loop_run();
	if (r->watchdog != NULL)
		loop_timer_cancel(r->watchdog);
	assert_false(r->timed_out);
}

static void
run_release(struct run *r)
{
	free(r->error);
	free(r->dump);
	free(r->retry_reason);
	buf_release(&r->text);
	memset(r, 0, sizeof *r);
}

static void
test_anthropic_ok(void **state)
{
	struct run	r;

	memset(&r, 0, sizeof r);
	server_start("[{\"thinking\": \"let me see\", \"text\": \"Editing "
	    "now.\", \"tool_calls\": [{\"name\": \"edit_file\", \"input\": "
	    "{\"path\": \"a.c\", \"new\": \"x\\ny\"}}], \"usage\": "
	    "{\"input_tokens\": 10, \"output_tokens\": 5, "
	    "\"cache_read_input_tokens\": 90, "
	    "\"cache_creation_input_tokens\": 7}}]");
	run_call(&r, "anthropic", 2, server_port);
	assert_int_equal(r.done, 1);
	assert_null(r.error);
	assert_contains(r.dump, "complete=1 stop=tool_use raw=tool_use "
	    "id=msg_fake_0 model=fake\nusage in=10 out=5 cache_read=90 "
	    "cache_write=7\nthinking [let me see] sig=[fake-sig-0]\n"
	    "text [Editing now.]\ntool_use toolu_fake_0_0 edit_file "
	    "{\"new\":\"x\\ny\",\"path\":\"a.c\"}\n");
	assert_string_equal(r.text.buf, "Editing now.");
	assert_int_equal(r.retries, 0);
	server_stop();
	run_release(&r);
}

static void
test_openai_random_chunks(void **state)
{
	struct run	 r;
	char		*first;

	memset(&r, 0, sizeof r);
	server_start("[{\"chunk\": \"random\", \"text\": \"Two calls.\", "
	    "\"tool_calls\": [{\"name\": \"glob\", \"input\": {\"pattern\": "
	    "\"**/*.c\"}}, {\"name\": \"grep\", \"input\": {\"pattern\": "
	    "\"\\u00e9t\\u00e9\"}}], \"usage\": {\"input_tokens\": 100, "
	    "\"cache_read_input_tokens\": 1000, \"output_tokens\": 3}}]");
	run_call(&r, "openai", 2, server_port);
	assert_null(r.error);
	assert_contains(r.dump, "complete=1 stop=tool_use raw=tool_calls "
	    "id=chatcmpl-fake0 model=fake\nusage in=100 out=3 cache_read=1000 "
	    "cache_write=0\ntext [Two calls.]\ntool_use call_fake_0_0 glob "
	    "{\"pattern\":\"**/*.c\"}\ntool_use call_fake_0_1 grep "
	    "{\"pattern\":\"\xc3\xa9t\xc3\xa9\"}\n");
	assert_int_equal(server_requests(&first), 1);
	assert_non_null(strstr(first, "\"stream_options\""));
	free(first);
	server_stop();
	run_release(&r);
}

static void
test_retry_then_ok(void **state)
{
	struct run	r;

	memset(&r, 0, sizeof r);
	server_start("[{\"status\": 429, \"headers\": {\"retry-after-ms\": "
	    "\"10\"}}, {\"text\": \"fine\"}]");
	run_call(&r, "anthropic", 2, server_port);
	assert_null(r.error);
	assert_int_equal(r.retries, 1);
	assert_contains(r.retry_reason, "rate limited (429): This request "
	    "would exceed");
	assert_contains(r.dump, "text [fine]");
	assert_int_equal(server_requests(NULL), 2);
	server_stop();
	run_release(&r);
}

static void
test_gave_up(void **state)
{
	struct run	r;

	memset(&r, 0, sizeof r);
	server_start("[{\"status\": 529, \"headers\": {\"retry-after-ms\": "
	    "\"5\"}}, {\"status\": 529, \"headers\": {\"retry-after-ms\": "
	    "\"5\"}}, {\"status\": 529}, {\"text\": \"never\"}]");
	run_call(&r, "anthropic", 2, server_port);
	assert_string_equal(r.error, "overloaded_error: Overloaded "
	    "(HTTP 529, gave up after 3 attempts in 0 s)");
	assert_int_equal(r.retries, 2);
	assert_contains(r.dump, "complete=0");
	assert_not_contains(r.dump, "text [");
	assert_int_equal(server_requests(NULL), 3);
	server_stop();
	run_release(&r);
}

static void
test_quota_not_retried(void **state)
{
	struct run	r;

	memset(&r, 0, sizeof r);
	server_start("[{\"status\": 429, \"error_type\": "
	    "\"insufficient_quota\", \"error_message\": \"You exceeded your "
	    "current quota\"}, {\"text\": \"never\"}]");
	run_call(&r, "openai", 2, server_port);
	assert_string_equal(r.error, "insufficient_quota: You exceeded your "
	    "current quota (HTTP 429)");
	assert_int_equal(r.retries, 0);
	server_stop();
	run_release(&r);
}

static void
test_midstream_error_retried(void **state)
{
	struct run	r;

	memset(&r, 0, sizeof r);
	server_start("[{\"error_midstream\": \"overloaded_error\", \"text\": "
	    "\"partial\", \"tool_calls\": [{\"name\": \"x\"}]}, "
	    "{\"text\": \"full answer\"}]");
	run_call(&r, "anthropic", 2, server_port);
	assert_null(r.error);
	assert_int_equal(r.retries, 1);
	assert_string_equal(r.retry_reason, "overloaded_error: Overloaded");
	assert_string_equal(r.text.buf, "full answer");
	assert_not_contains(r.dump, "partial");
	server_stop();
	run_release(&r);
}

static void
test_midstream_error_gives_up(void **state)
{
	struct run	r;

	memset(&r, 0, sizeof r);
	server_start("[{\"error_midstream\": \"server_error\", \"text\": "
	    "\"a\"}, {\"error_midstream\": \"server_error\", \"text\": "
	    "\"b\"}]");
	run_call(&r, "openai", 1, server_port);
	assert_contains(r.error, "server_error: server_error "
	    "(gave up after 2 attempts in ");
	assert_contains(r.dump, "complete=0");
	assert_not_contains(r.dump, "text [");
	server_stop();
	run_release(&r);
}

static void
test_truncated_retried(void **state)
{
	struct run	r;

	memset(&r, 0, sizeof r);
	server_start("[{\"text\": \"first try\", \"tool_calls\": [{\"name\": "
	    "\"edit_file\", \"input\": {\"path\": \"long/path/name.c\"}}], "
	    "\"truncate_after_bytes\": 900}, {\"text\": \"second\", "
	    "\"chunk\": \"bytewise\"}]");
	run_call(&r, "anthropic", 2, server_port);
	assert_null(r.error);
	assert_int_equal(r.retries, 1);
	assert_contains(r.retry_reason, "connection failed");
	assert_contains(r.dump, "text [second]");
	assert_not_contains(r.dump, "tool_use");
	server_stop();
	run_release(&r);
}

static void
test_replay_error_fragment(void **state)
{
	struct run	r;

	/* A real mid-stream error capture, then the stream ends. */
	wire_require("anthropic-error-fragment-1.sse");
	memset(&r, 0, sizeof r);
	server_start("[{\"replay\": \"anthropic-error-fragment-1.sse\"}, "
	    "{\"text\": \"ok\"}]");
	run_call(&r, "anthropic", 0, server_port);
	assert_string_equal(r.error, "api_error: Internal server error");
	server_stop();
	run_release(&r);
}

static void
test_replay_bytewise(void **state)
{
	struct run	r;

	wire_require("anthropic-tooluse-2.sse");
	memset(&r, 0, sizeof r);
	server_start("[{\"replay\": \"anthropic-tooluse-2.sse\", \"chunk\": "
	    "\"bytewise\"}]");
	run_call(&r, "anthropic", 0, server_port);
	assert_null(r.error);
	assert_contains(r.dump, "tool_use toolu_01NRLabsLyVHZPKxbKvkfSMn "
	    "get_weather {\"location\":\"Paris\"}\n");
	server_stop();
	run_release(&r);
}

static void
test_cancel_inside_callback(void **state)
{
	struct run	r;

	memset(&r, 0, sizeof r);
	server_start("[{\"text\": \"hello world\", \"hang\": true}]");
	r.cancel_on_text = 1;
	run_call(&r, "anthropic", 2, server_port);
	assert_int_equal(r.cancelled, 1);
	assert_int_equal(r.done, 0);
	assert_int_equal(r.retries, 0);
	server_stop();
	run_release(&r);
}

static void
test_cancel_from_loop(void **state)
{
	struct run	r;

	memset(&r, 0, sizeof r);
	server_start("[{\"text\": \"hello world\", \"hang\": true}]");
	loop_timer_add(300, run_cancel, &r);
	run_call(&r, "openai", 2, server_port);
	assert_int_equal(r.cancelled, 1);
	assert_int_equal(r.done, 0);
	server_stop();
	run_release(&r);
}

static void
test_stall_fails(void **state)
{
	struct run	r;

	/* AGENTOS_HTTP_STALL_SECONDS=1 (set in main) */
	memset(&r, 0, sizeof r);
	server_start("[{\"text\": \"hello\", \"hang\": true}]");
	run_call(&r, "anthropic", 0, server_port);
	assert_non_null(r.error);
	assert_contains(r.error, "connection failed: ");
	server_stop();
	run_release(&r);
}

static void
test_connection_refused(void **state)
{
	struct run		r;
	struct sockaddr_in	sin;
	socklen_t		len = sizeof sin;
	int			fd;

	/* A port nobody listens on. */
	fd = socket(AF_INET, SOCK_STREAM, 0);
	memset(&sin, 0, sizeof sin);
	sin.sin_family = AF_INET;
	sin.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	assert_int_equal(bind(fd, (struct sockaddr *)&sin, sizeof sin), 0);
	assert_int_equal(getsockname(fd, (struct sockaddr *)&sin, &len), 0);
	close(fd);
	memset(&r, 0, sizeof r);
	run_call(&r, "anthropic", 1, ntohs(sin.sin_port));
	assert_contains(r.error, "connection failed: ");
	assert_contains(r.error, "(gave up after 2 attempts in ");
	assert_int_equal(r.retries, 1);
	run_release(&r);
}

static void
test_expect(void **state)
{
	struct run	r;

	memset(&r, 0, sizeof r);
	server_start("[{\"expect\": {\"contains\": \"\\\"stream\\\":true\"}, "
	    "\"text\": \"ok\"}, {\"expect\": {\"contains\": \"no-such\"}}]");
	run_call(&r, "anthropic", 0, server_port);
	assert_null(r.error);
	run_release(&r);
	run_call(&r, "anthropic", 0, server_port);
	assert_contains(r.error, "invalid_request_error: fake-provider: "
	    "request does not contain 'no-such' (HTTP 400)");
	run_release(&r);
	/* Exhausted script. */
	run_call(&r, "openai", 0, server_port);
	assert_null(r.error);
	assert_contains(r.dump, "text [(script exhausted)]");
	server_stop();
	run_release(&r);
}

static int
teardown(void **state)
{
	server_stop();
	return (0);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_teardown(test_anthropic_ok, teardown),
		cmocka_unit_test_teardown(test_openai_random_chunks, teardown),
		cmocka_unit_test_teardown(test_retry_then_ok, teardown),
		cmocka_unit_test_teardown(test_gave_up, teardown),
		cmocka_unit_test_teardown(test_quota_not_retried, teardown),
		cmocka_unit_test_teardown(test_midstream_error_retried,
		    teardown),
		cmocka_unit_test_teardown(test_midstream_error_gives_up,
		    teardown),
		cmocka_unit_test_teardown(test_truncated_retried, teardown),
		cmocka_unit_test_teardown(test_replay_error_fragment, teardown),
		cmocka_unit_test_teardown(test_replay_bytewise, teardown),
		cmocka_unit_test_teardown(test_cancel_inside_callback,
		    teardown),
		cmocka_unit_test_teardown(test_cancel_from_loop, teardown),
		cmocka_unit_test_teardown(test_stall_fails, teardown),
		cmocka_unit_test_teardown(test_connection_refused, teardown),
		cmocka_unit_test_teardown(test_expect, teardown),
	};
	char	*cmd;
	int	 rc;

	if (system("python3 -c 'import http.server' >/dev/null 2>&1") != 0) {
		fprintf(stderr, "python3 not found: skipped\n");
		return (77);
	}
	if (mkdtemp(tmpdir) == NULL)
		return (99);
	setenv("AGENTOS_HTTP_STALL_SECONDS", "1", 1);
	signal(SIGPIPE, SIG_IGN);
	loop_init();
	http_global_init();
	rc = cmocka_run_group_tests(tests, NULL, NULL);
	http_global_free();
	loop_free();
	cmd = xasprintf("rm -rf '%s'", tmpdir);
	if (system(cmd) != 0)
		rc = 99;
	free(cmd);
	return (wire_status(rc));
}
