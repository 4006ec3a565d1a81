/* test-jsonrpc.c: the JSON-RPC endpoint, over both framings. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <sys/socket.h>

#include <errno.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "agentos.h"
#include "jsonrpc.h"

struct answer {
	int	 done;
	int	 calls;
	json_t	*result;
	int	 code;
};

struct peer {
	const struct jsonrpc_framing	*fr;
	int				 fd;		/* the test's end */
	struct jsonrpc			*rpc;
	void				*fstate;
	int				 closed, cancelled_id, cancels;
	int				 notes;
};

static const struct jsonrpc_options opts = { 4096, 1 << 20, NULL };

static void	on_request(struct jsonrpc *, const char *, json_t *, json_t *,
		    void *);
static void	on_note(struct jsonrpc *, const char *, json_t *, void *);
static void	on_cancel(struct jsonrpc *, json_int_t, void *);
static void	on_closed(struct jsonrpc *, const char *, void *);

static const struct jsonrpc_handlers handlers = {
	on_request, on_note, on_cancel, on_closed
};

/* Answer "ping" with "pong", anything else with an error. */
static void
on_request(struct jsonrpc *rpc, const char *method, json_t *id,
    json_t *params, void *arg)
{
	if (strcmp(method, "ping") == 0)
		jsonrpc_reply(rpc, id, json_string("pong"), 0, NULL);
	else
		jsonrpc_reply(rpc, id, NULL, JSONRPC_METHOD_NOT_FOUND,
		    "no such method");
}

static void
on_note(struct jsonrpc *rpc, const char *method, json_t *params, void *arg)
{
	struct peer	*p = arg;

	p->notes++;
}

static void
on_cancel(struct jsonrpc *rpc, json_int_t id, void *arg)
{
	struct peer	*p = arg;

	p->cancels++;
	p->cancelled_id = (int)id;
}

static void
on_closed(struct jsonrpc *rpc, const char *why, void *arg)
{
	struct peer	*p = arg;

	p->closed++;
}

static void
on_answer(void *arg, json_t *result, json_t *error)
{
	struct answer	*a = arg;

	a->done = 1;
	a->calls++;
	if (result != NULL)
		a->result = json_incref(result);
	if (error != NULL)
		a->code = (int)json_integer_value(json_object_get(error,
		    "code"));
}

static void
tick(void *arg)
{
	int	*fired = arg;

	*fired = 1;
	loop_exit();
}

/* Run the loop for ms. */
static void
run_ms(unsigned int ms)
{
	int	fired = 0;

	loop_timer_add(ms, tick, &fired);
	while (!fired)
		loop_run();
}

/* Run the loop until *flag, 5 s at most. */
static void
run_until(int *flag)
{
	int	i;

	for (i = 0; i < 500 && !*flag; i++)
		run_ms(10);
	assert_true(*flag);
}

static void
peer_open(struct peer *p, const struct jsonrpc_framing *fr,
    const struct jsonrpc_options *o)
{
	int	sv[2];

	memset(p, 0, sizeof *p);
	assert_int_equal(socketpair(AF_UNIX, SOCK_STREAM, 0, sv), 0);
	p->fr = fr;
	p->fd = sv[1];
	p->fstate = fr->create(1 << 20);
	p->rpc = jsonrpc_create(sv[0], sv[0], fr, o, &handlers, p);
}

static void
peer_close(struct peer *p)
{
	jsonrpc_free(p->rpc);
	if (p->fd != -1)
		close(p->fd);
	p->fr->free(p->fstate);
	run_ms(1);
}

/* Write raw bytes to the endpoint, n at a time, running the loop. */
static void
peer_raw(struct peer *p, const char *data, size_t len, size_t n)
{
	size_t	off, k;

	for (off = 0; off < len; off += k) {
		k = len - off < n ? len - off : n;
		assert_int_equal(write(p->fd, data + off, k), (ssize_t)k);
		if (n < len)
			run_ms(1);
	}
}

/* Frame and write one message (text), n bytes at a time. */
static void
peer_send(struct peer *p, const char *text, size_t n)
{
	struct buf	b = BUF_INIT;

	p->fr->encode(&b, text, strlen(text));
	peer_raw(p, b.buf, b.len, n);
	buf_release(&b);
}

/* Read one message the endpoint wrote (running the loop meanwhile). */
static json_t *
peer_recv(struct peer *p)
{
	char		 tmp[4096], *cause = NULL;
	const char	*msg;
	size_t		 len;
	ssize_t		 n;
	int		 i, rc;

	for (i = 0; i < 500; i++) {
		rc = p->fr->next(p->fstate, &msg, &len, &cause);
		if (rc == JSONRPC_FRAME_MESSAGE)
			return (json_loadb(msg, len, 0, NULL));
		assert_int_equal(rc, JSONRPC_FRAME_MORE);
		run_ms(5);
		n = recv(p->fd, tmp, sizeof tmp, MSG_DONTWAIT);
		if (n > 0)
			p->fr->feed(p->fstate, tmp, n);
	}
	fail_msg("no message from the endpoint");
	return (NULL);
}

static const struct jsonrpc_framing *framings[] = {
	&jsonrpc_framing_lsp, &jsonrpc_framing_ndjson
};

/* A call and its answer, the answer one byte per read. */
static void
test_call_split(void **state)
{
	struct peer	 p;
	struct answer	 a;
	json_t		*m;
	size_t		 f;

	for (f = 0; f < 2; f++) {
		memset(&a, 0, sizeof a);
		peer_open(&p, framings[f], &opts);
		assert_non_null(jsonrpc_call(p.rpc, "sum", json_pack("[i,i]",
		    1, 2), 0, on_answer, &a));
		assert_int_equal(jsonrpc_pending(p.rpc), 1);
		m = peer_recv(&p);
		assert_string_equal(json_string_value(json_object_get(m,
		    "jsonrpc")), "2.0");
		assert_string_equal(json_string_value(json_object_get(m,
		    "method")), "sum");
		assert_int_equal(json_integer_value(json_object_get(m, "id")),
		    1);
		json_decref(m);
		peer_send(&p, "{\"jsonrpc\":\"2.0\",\"id\":1,\"result\":3}", 1);
		run_until(&a.done);
		assert_int_equal(json_integer_value(a.result), 3);
		assert_int_equal(jsonrpc_pending(p.rpc), 0);
		json_decref(a.result);
		peer_close(&p);
	}
}

/* Answers out of order, and an error object, all in one read. */
static void
test_out_of_order(void **state)
{
	struct peer	 p;
	struct answer	 a[3];
	struct buf	 b = BUF_INIT;
	const char	*r[3] = {
		"{\"jsonrpc\":\"2.0\",\"id\":3,\"result\":\"c\"}",
		"{\"jsonrpc\":\"2.0\",\"id\":1,\"error\":{\"code\":-32602,"
		    "\"message\":\"bad\"}}",
		"{\"jsonrpc\":\"2.0\",\"id\":2,\"result\":\"b\"}",
	};
	size_t		 f;
	int		 i;

	for (f = 0; f < 2; f++) {
		memset(a, 0, sizeof a);
		peer_open(&p, framings[f], &opts);
		for (i = 0; i < 3; i++)
			jsonrpc_call(p.rpc, "m", NULL, 0, on_answer, &a[i]);
		for (i = 0; i < 3; i++)
			json_decref(peer_recv(&p));
		buf_reset(&b);
		for (i = 0; i < 3; i++)
			p.fr->encode(&b, r[i], strlen(r[i]));
		peer_raw(&p, b.buf, b.len, b.len);
		run_until(&a[1].done);
		run_until(&a[2].done);
		assert_int_equal(a[0].code, JSONRPC_INVALID_PARAMS);
		assert_null(a[0].result);
		assert_string_equal(json_string_value(a[1].result), "b");
		assert_string_equal(json_string_value(a[2].result), "c");
		for (i = 0; i < 3; i++) {
			assert_int_equal(a[i].calls, 1);
			json_decref(a[i].result);
		}
		peer_close(&p);
	}
	buf_release(&b);
}

/* A timeout fails the call and runs the cancel hook; late answers drop. */
static void
test_timeout_cancel(void **state)
{
	struct peer		 p;
	struct answer		 a, c;
	struct jsonrpc_call	*call;

	memset(&a, 0, sizeof a);
	memset(&c, 0, sizeof c);
	peer_open(&p, &jsonrpc_framing_lsp, &opts);
	jsonrpc_call(p.rpc, "slow", NULL, 50, on_answer, &a);
	run_until(&a.done);
	assert_int_equal(a.code, JSONRPC_E_TIMEOUT);
	assert_int_equal(p.cancels, 1);
	assert_int_equal(p.cancelled_id, 1);

	call = jsonrpc_call(p.rpc, "other", NULL, 0, on_answer, &c);
	assert_int_equal(jsonrpc_call_id(call), 2);
	jsonrpc_call_cancel(call);
	assert_int_equal(p.cancels, 2);
	assert_int_equal(p.cancelled_id, 2);
	assert_int_equal(jsonrpc_pending(p.rpc), 0);

	peer_send(&p, "{\"jsonrpc\":\"2.0\",\"id\":1,\"result\":1}", 64);
	peer_send(&p, "{\"jsonrpc\":\"2.0\",\"id\":2,\"result\":2}", 64);
	run_ms(20);
	assert_int_equal(a.calls, 1);
	assert_int_equal(c.calls, 0);
	peer_close(&p);
}

/* The peer dies: each pending call fails once, closed runs once. */
static void
test_peer_death(void **state)
{
	struct peer	 p;
	struct answer	 a[2];
	size_t		 f;

	for (f = 0; f < 2; f++) {
		memset(a, 0, sizeof a);
		peer_open(&p, framings[f], &opts);
		jsonrpc_call(p.rpc, "x", NULL, 0, on_answer, &a[0]);
		jsonrpc_call(p.rpc, "y", NULL, 0, on_answer, &a[1]);
		close(p.fd);
		p.fd = -1;
		run_until(&a[1].done);
		assert_int_equal(a[0].calls, 1);
		assert_int_equal(a[1].calls, 1);
		assert_int_equal(a[0].code, JSONRPC_E_CLOSED);
		assert_int_equal(p.closed, 1);
		assert_true(jsonrpc_closed(p.rpc));
		assert_null(jsonrpc_call(p.rpc, "z", NULL, 0, on_answer,
		    &a[0]));
		assert_int_equal(jsonrpc_notify(p.rpc, "n", NULL), -1);
		run_ms(5);
		assert_int_equal(p.closed, 1);
		peer_close(&p);
	}
}

/* An oversized message is skipped; the stream goes on. */
static void
test_oversized(void **state)
{
	static const struct jsonrpc_options small = { 64, 1 << 20, NULL };
	struct peer	 p;
	struct answer	 a;
	struct buf	 big = BUF_INIT;
	size_t		 f;
	int		 i;

	buf_adds(&big, "{\"jsonrpc\":\"2.0\",\"method\":\"note\",\"params\":\"");
	for (i = 0; i < 300; i++)
		buf_addch(&big, 'x');
	buf_adds(&big, "\"}");
	for (f = 0; f < 2; f++) {
		memset(&a, 0, sizeof a);
		peer_open(&p, framings[f], &small);
		jsonrpc_call(p.rpc, "m", NULL, 0, on_answer, &a);
		peer_send(&p, big.buf, 7);
		peer_send(&p, "{\"jsonrpc\":\"2.0\",\"method\":\"n\"}", 100);
		peer_send(&p, "{\"jsonrpc\":\"2.0\",\"id\":1,\"result\":5}", 100);
		run_until(&a.done);
		assert_int_equal(json_integer_value(a.result), 5);
		assert_int_equal(p.notes, 1);	/* only the small one */
		assert_int_equal(p.closed, 0);
		json_decref(a.result);
		peer_close(&p);
	}
	buf_release(&big);
}

/* Requests from the peer are answered through the handler. */
static void
test_server_request(void **state)
{
	struct peer	 p;
	json_t		*m;
	size_t		 f;

	for (f = 0; f < 2; f++) {
		peer_open(&p, framings[f], &opts);
		peer_send(&p, "{\"jsonrpc\":\"2.0\",\"id\":\"q1\","
		    "\"method\":\"ping\"}", 5);
		m = peer_recv(&p);
		assert_string_equal(json_string_value(json_object_get(m,
		    "id")), "q1");
		assert_string_equal(json_string_value(json_object_get(m,
		    "result")), "pong");
		json_decref(m);
		peer_send(&p, "{\"jsonrpc\":\"2.0\",\"id\":7,"
		    "\"method\":\"nope\"}", 100);
		m = peer_recv(&p);
		assert_int_equal(json_integer_value(json_object_get(m, "id")),
		    7);
		assert_int_equal(json_integer_value(json_object_get(
		    json_object_get(m, "error"), "code")),
		    JSONRPC_METHOD_NOT_FOUND);
		json_decref(m);
		peer_close(&p);
	}
}

/* Output over the bound kills the endpoint, once. */
static void
test_max_queued(void **state)
{
	static const struct jsonrpc_options tiny = { 4096, 100, NULL };
	struct peer	 p;
	struct answer	 a;
	char		 big[201];

	memset(&a, 0, sizeof a);
	memset(big, 'y', sizeof big - 1);
	big[sizeof big - 1] = '\0';
	peer_open(&p, &jsonrpc_framing_ndjson, &tiny);
	jsonrpc_call(p.rpc, "m", NULL, 0, on_answer, &a);
	assert_int_equal(jsonrpc_notify(p.rpc, "n", json_string(big)), -1);
	assert_int_equal(a.code, JSONRPC_E_CLOSED);
	assert_int_equal(p.closed, 1);
	peer_close(&p);
}

/* close_output: the peer sees end of file after the queued messages. */
static void
test_close_output(void **state)
{
	struct peer	 p;
	int		 in[2], out[2];
	char		 buf[256];
	ssize_t		 n;
	size_t		 len = 0;

	memset(&p, 0, sizeof p);
	assert_int_equal(pipe(in), 0);
	assert_int_equal(pipe(out), 0);
	p.fr = &jsonrpc_framing_ndjson;
	p.fstate = p.fr->create(4096);
	p.fd = -1;
	p.rpc = jsonrpc_create(in[0], out[1], p.fr, &opts, &handlers, &p);
	assert_int_equal(jsonrpc_notify(p.rpc, "exit", NULL), 0);
	jsonrpc_close_output(p.rpc);
	assert_int_equal(jsonrpc_fd(p.rpc, 1), -1);
	assert_int_equal(jsonrpc_notify(p.rpc, "late", NULL), -1);
	while ((n = read(out[0], buf + len, sizeof buf - 1 - len)) > 0)
		len += n;
	buf[len] = '\0';
	assert_string_equal(buf, "{\"method\":\"exit\",\"jsonrpc\":\"2.0\"}\n");
	close(out[0]);
	close(in[1]);
	peer_close(&p);
}

/* ndjson: one line per message, CRLF and blank lines tolerated. */
static void
test_ndjson_lines(void **state)
{
	const struct jsonrpc_framing	*fr = &jsonrpc_framing_ndjson;
	void				*st = fr->create(100);
	struct buf			 b = BUF_INIT;
	const char			*msg;
	char				*cause = NULL;
	size_t				 len;

	fr->encode(&b, "{\"a\":\"x\\ny\"}", 12);
	assert_string_equal(b.buf, "{\"a\":\"x\\ny\"}\n");
	fr->feed(st, "\n{\"a\":1}\r\n{\"b\"", 14);
	assert_int_equal(fr->next(st, &msg, &len, &cause),
	    JSONRPC_FRAME_MESSAGE);
	assert_int_equal(len, 7);
	assert_memory_equal(msg, "{\"a\":1}", 7);
	assert_int_equal(fr->next(st, &msg, &len, &cause), JSONRPC_FRAME_MORE);
	fr->feed(st, ":2}\n", 4);
	assert_int_equal(fr->next(st, &msg, &len, &cause),
	    JSONRPC_FRAME_MESSAGE);
	assert_memory_equal(msg, "{\"b\":2}", 7);
	fr->free(st);
	buf_release(&b);
}

/* A message-level transport that records what is sent. */
struct mock {
	json_t	*sent;		/* array of the bodies */
	int	 fail;		/* the next send fails */
	int	 freed;
};

static int
mock_send(void *targ, const char *body, size_t len, char **cause)
{
	struct mock	*m = targ;

	if (m->fail) {
		*cause = xstrdup("mock refused");
		return (-1);
	}
	json_array_append_new(m->sent, json_loadb(body, len, 0, NULL));
	return (0);
}

static void
mock_free(void *targ)
{
	struct mock	*m = targ;

	m->freed++;
}

static const struct jsonrpc_transport mock_transport = {
	"mock", mock_send, mock_free
};

static struct jsonrpc *
mock_open(struct mock *m, struct peer *p, const struct jsonrpc_options *o)
{
	memset(m, 0, sizeof *m);
	memset(p, 0, sizeof *p);
	m->sent = json_array();
	p->fd = -1;
	p->rpc = jsonrpc_create_transport(&mock_transport, m, o, &handlers, p);
	return (p->rpc);
}

static void
mock_close(struct mock *m, struct peer *p)
{
	jsonrpc_free(p->rpc);
	assert_int_equal(m->freed, 1);
	json_decref(m->sent);
	run_ms(1);
}

/* Calls, answers (one a batch), and a peer's request over a transport. */
static void
test_transport_calls(void **state)
{
	struct mock	 m;
	struct peer	 p;
	struct answer	 a[3];
	json_t		*s;
	const char	*batch = "[{\"jsonrpc\":\"2.0\",\"id\":3,\"result\":"
	    "\"c\"},{\"jsonrpc\":\"2.0\",\"id\":2,\"result\":\"b\"}]";
	const char	*req = "{\"jsonrpc\":\"2.0\",\"id\":\"s1\","
	    "\"method\":\"ping\"}";
	int		 i;

	memset(a, 0, sizeof a);
	mock_open(&m, &p, &opts);
	assert_ptr_equal(jsonrpc_transport_arg(p.rpc), &m);
	for (i = 0; i < 3; i++)
		assert_non_null(jsonrpc_call(p.rpc, "m", json_pack("{s:i}",
		    "n", i), 0, on_answer, &a[i]));
	assert_int_equal(json_array_size(m.sent), 3);
	s = json_array_get(m.sent, 0);
	assert_int_equal(json_integer_value(json_object_get(s, "id")), 1);
	assert_string_equal(json_string_value(json_object_get(s,
	    "jsonrpc")), "2.0");
	assert_string_equal(json_string_value(json_object_get(s, "method")),
	    "m");
	jsonrpc_input(p.rpc, "{\"jsonrpc\":\"2.0\",\"id\":1,\"result\":7}",
	    35);
	assert_int_equal(a[0].calls, 1);
	assert_int_equal(json_integer_value(a[0].result), 7);
	jsonrpc_input(p.rpc, batch, strlen(batch));
	assert_string_equal(json_string_value(a[1].result), "b");
	assert_string_equal(json_string_value(a[2].result), "c");
	assert_int_equal(jsonrpc_pending(p.rpc), 0);
	jsonrpc_input(p.rpc, "not json", 8);
	jsonrpc_input(p.rpc, req, strlen(req));
	assert_int_equal(json_array_size(m.sent), 4);
	s = json_array_get(m.sent, 3);
	assert_string_equal(json_string_value(json_object_get(s, "id")), "s1");
	assert_string_equal(json_string_value(json_object_get(s, "result")),
	    "pong");
	assert_int_equal(jsonrpc_notify(p.rpc, "n", NULL), 0);
	assert_int_equal(json_array_size(m.sent), 5);
	for (i = 0; i < 3; i++)
		json_decref(a[i].result);
	assert_int_equal(p.closed, 0);
	mock_close(&m, &p);
}

/* Timeouts, cancellation, limits and the transport's death. */
static void
test_transport_death(void **state)
{
	static const struct jsonrpc_options small = { 64, 1 << 20, NULL };
	struct mock		 m;
	struct peer		 p;
	struct answer		 a[3];
	struct jsonrpc_call	*c;
	struct buf		 big = BUF_INIT;
	int			 i;

	memset(a, 0, sizeof a);
	mock_open(&m, &p, &small);
	jsonrpc_call(p.rpc, "slow", NULL, 30, on_answer, &a[0]);
	run_until(&a[0].done);
	assert_int_equal(a[0].code, JSONRPC_E_TIMEOUT);
	assert_int_equal(p.cancels, 1);
	c = jsonrpc_call(p.rpc, "x", NULL, 0, on_answer, &a[1]);
	jsonrpc_call_cancel(c);
	assert_int_equal(p.cancels, 2);
	assert_int_equal(p.cancelled_id, 2);
	jsonrpc_call(p.rpc, "y", NULL, 0, on_answer, &a[2]);
	/* Over max_message: dropped. */
	buf_adds(&big, "{\"jsonrpc\":\"2.0\",\"id\":3,\"result\":\"");
	for (i = 0; i < 100; i++)
		buf_addch(&big, 'x');
	buf_adds(&big, "\"}");
	jsonrpc_input(p.rpc, big.buf, big.len);
	assert_int_equal(a[2].calls, 0);
	jsonrpc_transport_closed(p.rpc, "gone");
	assert_int_equal(a[2].calls, 1);
	assert_int_equal(a[2].code, JSONRPC_E_CLOSED);
	assert_int_equal(p.closed, 1);
	jsonrpc_transport_closed(p.rpc, "again");
	assert_int_equal(p.closed, 1);
	assert_null(jsonrpc_call(p.rpc, "z", NULL, 0, on_answer, &a[0]));
	mock_close(&m, &p);
	buf_release(&big);

	/* A send the transport refuses kills the endpoint. */
	memset(a, 0, sizeof a);
	mock_open(&m, &p, &opts);
	jsonrpc_call(p.rpc, "y", NULL, 0, on_answer, &a[0]);
	m.fail = 1;
	assert_int_equal(jsonrpc_notify(p.rpc, "n", NULL), -1);
	assert_int_equal(a[0].code, JSONRPC_E_CLOSED);
	assert_int_equal(p.closed, 1);
	mock_close(&m, &p);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_ndjson_lines),
		cmocka_unit_test(test_call_split),
		cmocka_unit_test(test_out_of_order),
		cmocka_unit_test(test_timeout_cancel),
		cmocka_unit_test(test_peer_death),
		cmocka_unit_test(test_oversized),
		cmocka_unit_test(test_server_request),
		cmocka_unit_test(test_max_queued),
		cmocka_unit_test(test_close_output),
		cmocka_unit_test(test_transport_calls),
		cmocka_unit_test(test_transport_death),
	};

	signal(SIGPIPE, SIG_IGN);
	loop_init();
	if (getenv("TEST_FILTER") != NULL)
		cmocka_set_test_filter(getenv("TEST_FILTER"));
	return (cmocka_run_group_tests(tests, NULL, NULL));
}
