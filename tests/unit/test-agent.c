/* test-agent.c: the turn state machine with a scripted fake model. */
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

/*
 * The fake model: each call takes the next scripted response.  A response
 * is text and at most a few tool uses (JSON input), or an error.
 */
struct fake_turn {
	const char	*text;
	const char	*tool_name[3];
	const char	*tool_input[3];
	const char	*error;
	int		 hang;		/* never answers (for cancel) */
};

static struct {
	const struct fake_turn	*turns;
	size_t			 nturns, next;
	int			 calls, cancelled;
	struct conv		 seen;		/* the last request's conv */
	const struct model_call_cb *cb;
	void			*cbarg;
	struct loop_timer	*timer;
} fake;

static struct {
	int			 done;
	enum stop_reason	 stop;
	char			*error;
	struct tool_call	*approval;
	char			*preview;
	int			 snapshots;
	struct buf		 text;
} ui;

static struct agent *agent;
static char repo[256];
static struct config cfg;

/* Deliver the scripted response from the loop. */
static void
fake_deliver(void *arg)
{
	const struct fake_turn	*t = &fake.turns[fake.next++];
	struct response		 r;
	json_error_t		 err;
	json_t			*input;
	char			 id[32];
	int			 i;

	fake.timer = NULL;
	response_init(&r);
	if (t->error != NULL) {
		fake.cb->done(fake.cbarg, &r, t->error);
		response_release(&r);
		return;
	}
	if (t->text != NULL) {
		fake.cb->stream.text_delta(fake.cbarg, t->text,
		    strlen(t->text));
		message_add_text(&r.msg, t->text);
	}
	r.stop = STOP_END_TURN;
	for (i = 0; i < 3 && t->tool_name[i] != NULL; i++) {
		input = json_loads(t->tool_input[i], 0, &err);
		assert_non_null(input);
		snprintf(id, sizeof id, "toolu_%zu_%d", fake.next, i);
		message_add_tool_use(&r.msg, id, t->tool_name[i], input);
		json_decref(input);
		r.stop = STOP_TOOL_USE;
	}
	r.usage.input_tokens = 10;
	r.usage.output_tokens = 5;
	r.complete = 1;
	fake.cb->done(fake.cbarg, &r, NULL);
	response_release(&r);
}

static struct model_call *
fake_start(const struct config *c, const struct model_request *req,
    const struct model_call_cb *cb, void *arg, char **cause)
{
	size_t	i;

	assert_true(fake.next < fake.nturns);
	fake.calls++;
	conv_release(&fake.seen);
	for (i = 0; i < req->conv->nr; i++) {
		struct message	*m = conv_add(&fake.seen,
		    req->conv->msgs[i].role);
		size_t		 j;

		for (j = 0; j < req->conv->msgs[i].nr; j++)
			message_add_copy(m, &req->conv->msgs[i].blocks[j]);
	}
	fake.cb = cb;
	fake.cbarg = arg;
	if (!fake.turns[fake.next].hang)
		fake.timer = loop_timer_add(0, fake_deliver, NULL);
	else
		fake.next++;
	return ((struct model_call *)&fake);
}

static void
fake_cancel(struct model_call *mc)
{
	fake.cancelled++;
	loop_timer_cancel(fake.timer);
	fake.timer = NULL;
}

static const char *
fake_body(struct model_call *mc)
{
	return ("{}");
}

static void
ui_text(void *arg, const char *text, size_t len)
{
	buf_add(&ui.text, text, len);
}

static void
ui_assistant_done(void *arg, const struct message *m, const struct usage *u)
{
}

static void
ui_approval(void *arg, struct tool_call *tc, const char *preview)
{
	ui.approval = tc;
	free(ui.preview);
	ui.preview = xstrdup(preview);
	loop_exit();
}

static void
ui_notice(void *arg, const char *text)
{
	fprintf(stderr, "notice: %s\n", text);
}

static void
ui_snapshot(void *arg, const char *id, const char *action)
{
	ui.snapshots++;
}

static void
ui_turn_done(void *arg, enum stop_reason stop, const char *error)
{
	ui.done = 1;
	ui.stop = stop;
	free(ui.error);
	ui.error = error != NULL ? xstrdup(error) : NULL;
	loop_exit();
}

static const struct agent_ui test_ui = {
	.text_delta = ui_text,
	.assistant_done = ui_assistant_done,
	.approval = ui_approval,
	.notice = ui_notice,
	.snapshot = ui_snapshot,
	.turn_done = ui_turn_done,
};

/* Read a file of the test repository (static buffer). */
static const char *
get(const char *rel)
{
	static char	 text[4096];
	char		 path[512];
	FILE		*f;
	size_t		 n;

	snprintf(path, sizeof path, "%s/%s", repo, rel);
	if ((f = fopen(path, "r")) == NULL)
		return (NULL);
	n = fread(text, 1, sizeof text - 1, f);
	text[n] = '\0';
	fclose(f);
	return (text);
}

/* A fresh repository, config and agent for each test. */
static int
setup(void **state)
{
	char	cmd[600], *cause = NULL;

	snprintf(repo, sizeof repo, "/tmp/agentos-test-agent.XXXXXX");
	assert_non_null(mkdtemp(repo));
	snprintf(cmd, sizeof cmd, "cd %s && git init -q -b main . && "
	    "git config user.email t@t && git config user.name t && "
	    "printf 'one\\ntwo\\n' > a.txt && git add -A && "
	    "git commit -qm init", repo);
	assert_int_equal(system(cmd), 0);
	memset(&fake, 0, sizeof fake);
	memset(&ui, 0, sizeof ui);
	buf_init(&ui.text, 0);
	/* Not the repository: agentos refuses to snapshot a home directory. */
	setenv("HOME", "/nonexistent", 1);
	unsetenv("XDG_CONFIG_HOME");
	assert_int_equal(config_load(&cfg, repo, &cause), 0);
	assert_int_equal(config_set(&cfg, "base_url", "http://127.0.0.1:9",
	    &cause), 0);
	config_finish(&cfg);
	loop_init();
	agent = agent_create(repo, repo, &cfg, 0, &test_ui, NULL, &cause);
	assert_non_null(agent);
	agent_set_model_hooks(agent, fake_start, fake_cancel, fake_body);
	return (0);
}

static int
teardown(void **state)
{
	char	cmd[300];

	agent_free(agent);
	config_release(&cfg);
	conv_release(&fake.seen);
	buf_release(&ui.text);
	free(ui.error);
	free(ui.preview);
	snprintf(cmd, sizeof cmd, "rm -rf %s", repo);
	assert_int_equal(system(cmd), 0);
	return (0);
}

/* Run the loop until the UI stops it (turn done or approval asked). */
static void
run(void)
{
	ui.approval = NULL;
	loop_run();
}

/* Script the fake model, send prompt, and run until the UI stops. */
#define play(a, turns, prompt) play_n((a), (turns),			\
	    sizeof (turns) / sizeof *(turns), (prompt))
static void
play_n(struct agent *a, const struct fake_turn *turns, size_t n,
    const char *prompt)
{
	char	*cause = NULL;

	fake.turns = turns;
	fake.nturns = n;
	assert_int_equal(agent_submit(a, prompt, &cause), 0);
	run();
}

/* The first block of the last message the fake model was sent. */
static const struct block *
last_sent(void)
{
	const struct message	*m = &fake.seen.msgs[fake.seen.nr - 1];

	assert_true(m->nr > 0);
	return (&m->blocks[0]);
}

static void
test_text_turn(void **state)
{
	static const struct fake_turn turns[] = { { .text = "Hello." } };

	play(agent, turns, "hi");
	assert_true(ui.done);
	assert_int_equal(ui.stop, STOP_END_TURN);
	assert_null(ui.error);
	assert_string_equal(ui.text.buf, "Hello.");
	assert_int_equal(agent_conv(agent)->nr, 2);
	assert_false(agent_busy(agent));
}

static void
test_readonly_tool_runs_without_asking(void **state)
{
	static const struct fake_turn turns[] = {
		{ .tool_name = { "read_file" },
		  .tool_input = { "{\"path\": \"a.txt\"}" } },
		{ .text = "It has two lines." },
	};
	const struct message	*m;

	play(agent, turns, "read a.txt");
	assert_true(ui.done);
	assert_null(ui.approval);
	assert_int_equal(fake.calls, 2);
	/* The second request carried the tool result. */
	m = &fake.seen.msgs[fake.seen.nr - 1];
	assert_int_equal(m->role, ROLE_USER);
	assert_int_equal(m->blocks[0].type, BLOCK_TOOL_RESULT);
	assert_false(m->blocks[0].is_error);
	assert_non_null(strstr(m->blocks[0].text, "two"));
	assert_int_equal(ui.snapshots, 0);
}

static void
test_edit_approved_then_rewound(void **state)
{
	static const struct fake_turn turns[] = {
		{ .text = "Editing.", .tool_name = { "edit_file" },
		  .tool_input = { "{\"path\": \"a.txt\", \"old_string\": "
		  "\"two\", \"new_string\": \"2\"}" } },
		{ .text = "Done." },
	};
	char	*cause = NULL, *msg = NULL;

	play(agent, turns, "edit");
	assert_non_null(ui.approval);
	assert_non_null(strstr(ui.preview, "-two"));
	assert_non_null(strstr(ui.preview, "+2"));
	assert_string_equal(get("a.txt"), "one\ntwo\n");
	agent_decide(agent, ui.approval, APPROVE_ONCE, NULL);
	run();
	assert_true(ui.done);
	assert_int_equal(ui.snapshots, 1);
	assert_string_equal(get("a.txt"), "one\n2\n");

	assert_int_equal(agent_rewind_last(agent, &msg, &cause), 0);
	free(msg);
	assert_string_equal(get("a.txt"), "one\ntwo\n");
	/* Nothing further back. */
	assert_int_equal(agent_rewind_last(agent, &msg, &cause), -1);
	free(cause);
}

static void
test_reject_with_note(void **state)
{
	static const struct fake_turn turns[] = {
		{ .tool_name = { "write_file" },
		  .tool_input = { "{\"path\": \"b.txt\", \"content\": "
		  "\"x\\n\"}" } },
		{ .text = "OK, I will not." },
	};

	play(agent, turns, "write b");
	assert_non_null(ui.approval);
	agent_decide(agent, ui.approval, APPROVE_REJECT, "use c.txt instead");
	run();
	assert_true(ui.done);
	assert_null(get("b.txt"));
	assert_true(last_sent()->is_error);
	assert_non_null(strstr(last_sent()->text, "use c.txt instead"));
}

static void
test_cancel_during_approval_answers_every_call(void **state)
{
	static const struct fake_turn turns[] = {
		{ .tool_name = { "bash", "bash" },
		  .tool_input = { "{\"command\": \"echo one\"}",
		  "{\"command\": \"echo two\"}" } },
		{ .text = "after" },
	};
	const struct conv	*c;
	const struct message	*m;
	char			*cause = NULL;

	play(agent, turns, "run");
	assert_non_null(ui.approval);
	agent_cancel(agent);
	run();
	assert_true(ui.done);
	assert_non_null(ui.error);
	c = agent_conv(agent);
	m = &c->msgs[c->nr - 1];
	assert_int_equal(m->role, ROLE_USER);
	assert_int_equal(m->nr, 2);
	assert_int_equal(m->blocks[0].type, BLOCK_TOOL_RESULT);
	assert_int_equal(m->blocks[1].type, BLOCK_TOOL_RESULT);
	assert_int_equal(fake.calls, 1);
	/* The next message is added to the user message: roles alternate. */
	ui.done = 0;
	assert_int_equal(agent_submit(agent, "go on", &cause), 0);
	run();
	assert_true(ui.done);
	assert_int_equal(fake.seen.msgs[fake.seen.nr - 1].role, ROLE_USER);
	assert_int_equal(fake.seen.msgs[fake.seen.nr - 2].role,
	    ROLE_ASSISTANT);
}

static void
test_cancel_in_flight_request(void **state)
{
	static const struct fake_turn turns[] = { { .hang = 1 } };
	char	*cause = NULL;

	fake.turns = turns;
	fake.nturns = 1;
	assert_int_equal(agent_submit(agent, "slow", &cause), 0);
	assert_true(agent_busy(agent));
	agent_cancel(agent);
	assert_true(ui.done);
	assert_int_equal(fake.cancelled, 1);
	assert_false(agent_busy(agent));
	assert_int_equal(agent_conv(agent)->nr, 1);
}

static void
test_unknown_tool_and_provider_error(void **state)
{
	static const struct fake_turn turns[] = {
		{ .tool_name = { "no_such_tool" }, .tool_input = { "{}" } },
		{ .error = "overloaded_error: Overloaded (HTTP 529)" },
	};

	play(agent, turns, "x");
	assert_true(ui.done);
	assert_non_null(ui.error);
	assert_non_null(strstr(ui.error, "Overloaded"));
	assert_true(last_sent()->is_error);
	assert_non_null(strstr(last_sent()->text, "read_file"));
}

static void
test_invalid_json_arguments(void **state)
{
	static const struct fake_turn turns[] = {
		{ .tool_name = { "write_file" },
		  .tool_input = { "{\"__invalid_json\": \"{\\\"path\\\": \\\"b.t\"}" } },
		{ .text = "Retrying." },
	};

	play(agent, turns, "x");
	assert_true(ui.done);
	assert_null(ui.approval);
	assert_true(last_sent()->is_error);
	assert_non_null(strstr(last_sent()->text, "not a valid JSON object"));
	assert_int_equal(ui.snapshots, 0);
}

static void
test_headless_refuses_what_would_ask(void **state)
{
	static const struct fake_turn turns[] = {
		{ .tool_name = { "bash" },
		  .tool_input = { "{\"command\": \"touch x\"}" } },
		{ .text = "I could not." },
	};
	struct agent		*h;
	char			*cause = NULL;

	h = agent_create(repo, repo, &cfg, 1, &test_ui, NULL, &cause);
	assert_non_null(h);
	agent_set_model_hooks(h, fake_start, fake_cancel, fake_body);
	play(h, turns, "touch");
	assert_true(ui.done);
	assert_null(ui.approval);
	assert_null(get("x"));
	assert_true(last_sent()->is_error);
	assert_non_null(strstr(last_sent()->text, "headless"));
	agent_free(h);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_text_turn, setup,
		    teardown),
		cmocka_unit_test_setup_teardown(
		    test_readonly_tool_runs_without_asking, setup, teardown),
		cmocka_unit_test_setup_teardown(
		    test_edit_approved_then_rewound, setup, teardown),
		cmocka_unit_test_setup_teardown(test_reject_with_note, setup,
		    teardown),
		cmocka_unit_test_setup_teardown(
		    test_cancel_during_approval_answers_every_call, setup,
		    teardown),
		cmocka_unit_test_setup_teardown(test_cancel_in_flight_request,
		    setup, teardown),
		cmocka_unit_test_setup_teardown(
		    test_unknown_tool_and_provider_error, setup, teardown),
		cmocka_unit_test_setup_teardown(
		    test_headless_refuses_what_would_ask, setup, teardown),
		cmocka_unit_test_setup_teardown(test_invalid_json_arguments,
		    setup, teardown),
	};

	return (cmocka_run_group_tests(tests, NULL, NULL));
}
