/* test-session-agent.c: the agent and its session log: what a turn
   records, resume (cfg->resume), an interrupted turn continued, forks. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <cmocka.h>

#include "agentos.h"
#include "session.h"

/* A model that answers every call with "answer N", or a tool use. */
static struct {
	const struct model_call_cb	*cb;
	void				*cbarg;
	struct loop_timer		*timer;
	int				 calls;
	const char			*tool_input;	/* next call: write */
	struct conv			 seen;		/* last request */
} fake;

static char		 repo[256];
static struct config	 cfg;
static int		 done;

static void
fake_deliver(void *arg)
{
	struct response	 r;
	json_t		*input;
	char		*text;

	fake.timer = NULL;
	response_init(&r);
	text = xasprintf("answer %d", fake.calls);
	message_add_text(&r.msg, text);
	free(text);
	r.stop = STOP_END_TURN;
	if (fake.tool_input != NULL) {
		input = json_loads(fake.tool_input, 0, NULL);
		message_add_tool_use(&r.msg, "toolu_w", "write_file", input);
		json_decref(input);
		fake.tool_input = NULL;
		r.stop = STOP_TOOL_USE;
	}
	r.usage.input_tokens = 100;
	r.usage.output_tokens = 7;
	r.complete = 1;
	fake.cb->done(fake.cbarg, &r, NULL);
	response_release(&r);
}

static struct model_call *
fake_start(const struct config *c, const struct model_request *req,
    const struct model_call_cb *cb, void *arg, char **cause)
{
	size_t	i, j;

	fake.calls++;
	conv_release(&fake.seen);
	for (i = 0; i < req->conv->nr; i++) {
		struct message	*m = conv_add(&fake.seen,
		    req->conv->msgs[i].role);

		for (j = 0; j < req->conv->msgs[i].nr; j++)
			message_add_copy(m, &req->conv->msgs[i].blocks[j]);
	}
	fake.cb = cb;
	fake.cbarg = arg;
	fake.timer = loop_timer_add(0, fake_deliver, NULL);
	return ((struct model_call *)&fake);
}

static void
fake_cancel(struct model_call *mc)
{
	loop_timer_cancel(fake.timer);
	fake.timer = NULL;
}

static const char *
fake_body(struct model_call *mc)
{
	return ("{\"messages\":[]}");
}

static void
ui_text(void *arg, const char *text, size_t len)
{
}

static void
ui_assistant_done(void *arg, const struct message *m, const struct usage *u)
{
}

static void
ui_approval(void *arg, struct tool_call *tc, const char *preview)
{
	fail_msg("no approval expected in bypass mode");
}

static void
ui_notice(void *arg, const char *text)
{
	fprintf(stderr, "notice: %s\n", text);
}

static void
ui_turn_done(void *arg, enum stop_reason stop, const char *error)
{
	done = 1;
	loop_exit();
}

static const struct agent_ui test_ui = {
	.text_delta = ui_text,
	.assistant_done = ui_assistant_done,
	.approval = ui_approval,
	.notice = ui_notice,
	.turn_done = ui_turn_done,
};

/* A new agent on the test repository (resuming cfg.resume if set). */
static struct agent *
new_agent(void)
{
	struct agent	*a;
	char		*cause = NULL;

	a = agent_create(repo, repo, &cfg, 0, &test_ui, NULL, &cause);
	if (a == NULL)
		fail_msg("agent_create: %s", cause);
	agent_set_model_hooks(a, fake_start, fake_cancel, fake_body);
	return (a);
}

/* Submit text and run the turn to its end. */
static void
turn(struct agent *a, const char *text)
{
	char	*cause = NULL;

	done = 0;
	if (agent_submit(a, text, &cause) != 0)
		fail_msg("agent_submit: %s", cause);
	loop_run();
	assert_true(done);
}

static int
setup(void **state)
{
	char	cmd[600], *cause = NULL;

	snprintf(repo, sizeof repo, "/tmp/agentos-test-session-agent.XXXXXX");
	assert_non_null(mkdtemp(repo));
	snprintf(cmd, sizeof cmd, "cd %s && git init -q -b main . && "
	    "git config user.email t@t && git config user.name t && "
	    "printf 'one\\n' > a.txt && git add -A && git commit -qm init",
	    repo);
	assert_int_equal(system(cmd), 0);
	memset(&fake, 0, sizeof fake);
	setenv("HOME", "/nonexistent", 1);
	unsetenv("XDG_CONFIG_HOME");
	assert_int_equal(config_load(&cfg, repo, &cause), 0);
	assert_int_equal(config_set(&cfg, "base_url", "http://127.0.0.1:9",
	    &cause), 0);
	assert_int_equal(config_set(&cfg, "permission_mode", "bypass",
	    &cause), 0);
	config_finish(&cfg);
	loop_init();
	return (0);
}

static int
teardown(void **state)
{
	char	cmd[300];

	config_release(&cfg);
	conv_release(&fake.seen);
	snprintf(cmd, sizeof cmd, "rm -rf %s", repo);
	assert_int_equal(system(cmd), 0);
	return (0);
}

/* The types of a session's events, space-separated (caller frees). */
static char *
types(const char *id)
{
	struct session		*s;
	struct event		*evs;
	struct buf		 b = BUF_INIT;
	size_t			 n, i;
	char			*cause;

	s = session_open(repo, id, &cause);
	assert_non_null(s);
	assert_int_equal(session_read(s, 0, &evs, &n, &cause), 0);
	for (i = 0; i < n; i++)
		buf_addf(&b, "%s%s", i ? " " : "", evs[i].name);
	session_events_free(evs, n);
	session_close(s);
	return (buf_detach(&b, NULL));
}

static void
test_turn_is_recorded(void **state)
{
	struct agent	*a = new_agent();
	char		*t, *id;

	fake.tool_input = "{\"path\": \"b.txt\", \"content\": \"new\\n\"}";
	turn(a, "write b");
	id = xstrdup(agent_session_id(a));
	assert_non_null(agent_session(a));
	assert_string_equal(session_id(agent_session(a)), id);
	agent_free(a);
	t = types(id);
	assert_string_equal(t, "user request response tool_call approval "
	    "snapshot tool_start tool_result request response turn_end");
	free(t);
	free(id);
}

static void
test_resume_and_continue(void **state)
{
	struct agent	*a = new_agent();
	struct session	*s;
	json_t		*j;
	char		*id, *cause = NULL;
	int		 interrupted;

	turn(a, "first");
	id = xstrdup(agent_session_id(a));
	agent_free(a);

	/* -c: the conversation comes back, nothing to retry. */
	cfg.resume = "";
	a = new_agent();
	assert_string_equal(agent_session_id(a), id);
	assert_true(agent_resumed(a, &interrupted));
	assert_false(interrupted);
	assert_int_equal(agent_conv(a)->nr, 2);
	assert_int_equal(agent_stats(a)->turns, 1);
	assert_int_equal(agent_stats(a)->usage.output_tokens, 7);
	assert_int_equal(agent_continue(a, &cause), -1);
	free(cause);
	agent_free(a);

	/* Killed after the prompt was logged: resume calls the model. */
	s = session_open(repo, id, &cause);
	j = json_pack("{s:s}", "text", "second");
	assert_true(session_append(s, EV_USER, j) > 0);
	json_decref(j);
	session_close(s);
	cfg.resume = id;
	a = new_agent();
	assert_true(agent_resumed(a, &interrupted));
	assert_true(interrupted);
	done = 0;
	assert_int_equal(agent_continue(a, &cause), 0);
	loop_run();
	assert_true(done);
	assert_int_equal(fake.seen.nr, 3);
	assert_string_equal(fake.seen.msgs[2].blocks[0].text, "second");
	assert_int_equal(agent_conv(a)->nr, 4);
	agent_free(a);
	cfg.resume = NULL;

	/* A session that is not there is an error, not a new session. */
	cfg.resume = "19990101";
	assert_null(agent_create(repo, repo, &cfg, 0, &test_ui, NULL,
	    &cause));
	assert_non_null(strstr(cause, "no session"));
	free(cause);
	cfg.resume = NULL;
	free(id);
}

static void
test_fork(void **state)
{
	struct agent	*a = new_agent();
	struct session	*s;
	struct conv	 c;
	char		*orig, *t, *cause = NULL;
	int64_t		 at;

	turn(a, "one");
	turn(a, "two");
	orig = xstrdup(agent_session_id(a));
	assert_int_equal(agent_fork(a, 3, &cause), -1);
	free(cause);

	/* Rewind the conversation to before "two". */
	assert_int_equal(agent_fork(a, 2, &cause), 0);
	assert_string_not_equal(agent_session_id(a), orig);
	assert_string_equal(session_parent(agent_session(a), &at), orig);
	assert_int_equal(at, 4);	/* after the first turn's turn_end */
	assert_int_equal(agent_conv(a)->nr, 2);
	turn(a, "three");
	assert_int_equal(fake.seen.nr, 3);
	assert_string_equal(fake.seen.msgs[2].blocks[0].text, "three");
	t = types(agent_session_id(a));
	assert_string_equal(t, "user request response turn_end user request "
	    "response turn_end");
	free(t);

	/* /fork keeps everything. */
	assert_int_equal(agent_fork(a, 0, &cause), 0);
	assert_int_equal(agent_conv(a)->nr, 4);
	agent_free(a);

	/* The original is intact. */
	s = session_open(repo, orig, &cause);
	assert_non_null(s);
	conv_init(&c);
	assert_int_equal(session_load(s, &c, NULL, &cause), 0);
	assert_int_equal(c.nr, 4);
	assert_string_equal(c.msgs[2].blocks[0].text, "two");
	conv_release(&c);
	session_close(s);
	free(orig);
}

static void
test_switch(void **state)
{
	struct agent	*a = new_agent();
	char		*first, *second, *cause = NULL;
	int		 interrupted;

	turn(a, "one");
	first = xstrdup(agent_session_id(a));
	assert_int_equal(agent_switch(a, first, &cause), -1);
	assert_non_null(strstr(cause, "already"));
	free(cause);

	/* /clear: a new, empty session. */
	assert_int_equal(agent_switch(a, NULL, &cause), 0);
	second = xstrdup(agent_session_id(a));
	assert_string_not_equal(second, first);
	assert_int_equal(agent_conv(a)->nr, 0);
	assert_int_equal(agent_stats(a)->turns, 0);
	assert_false(agent_resumed(a, NULL));
	turn(a, "two");
	assert_int_equal(fake.seen.nr, 1);

	/* /resume: back to the first, its conversation rebuilt. */
	assert_int_equal(agent_switch(a, first, &cause), 0);
	assert_string_equal(agent_session_id(a), first);
	assert_true(agent_resumed(a, &interrupted));
	assert_false(interrupted);
	assert_int_equal(agent_conv(a)->nr, 2);
	assert_int_equal(agent_stats(a)->turns, 1);
	turn(a, "three");
	assert_int_equal(fake.seen.nr, 3);
	assert_string_equal(fake.seen.msgs[0].blocks[0].text, "one");

	/* A session that is not there: the agent goes on as it was. */
	assert_int_equal(agent_switch(a, "19990101", &cause), -1);
	free(cause);
	assert_string_equal(agent_session_id(a), first);
	assert_int_equal(agent_conv(a)->nr, 4);
	agent_free(a);
	free(first);
	free(second);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_turn_is_recorded, setup,
		    teardown),
		cmocka_unit_test_setup_teardown(test_resume_and_continue,
		    setup, teardown),
		cmocka_unit_test_setup_teardown(test_fork, setup, teardown),
		cmocka_unit_test_setup_teardown(test_switch, setup, teardown),
	};

	return (cmocka_run_group_tests(tests, NULL, NULL));
}
