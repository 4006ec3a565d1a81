/*
 * test-toolrun.c: the tool-call pipeline and the workspace it works in:
 * the order of the stages, what a denial unwinds, approval and cancel,
 * declared effects, and two workspaces in one process.
 */
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
#include "snapshot.h"
#include "toolrun.h"
#include "workspace.h"

/* What the pipeline told us. */
static struct {
	struct buf		 events;	/* "type type ..." */
	int			 finished;
	struct tool_call	*approval;
	char			*preview;
	int			 snapshots;
} seen;

static void
cb_event(void *arg, enum event_type type, json_t *data)
{
	char	*cause = NULL;

	/* What the pipeline writes fits the event's row. */
	if (event_check(type, data, 1, &cause) != 0)
		fail_msg("%s", cause);
	buf_addf(&seen.events, "%s%s", seen.events.len > 0 ? " " : "",
	    event_name(type));
	json_decref(data);
}

static void
cb_finished(void *arg, struct tool_call *tc)
{
	seen.finished++;
	loop_exit();
}

static const struct toolrun_cb test_cb = {
	.event = cb_event,
	.finished = cb_finished,
};

static void
ui_approval(void *arg, struct tool_call *tc, const char *preview)
{
	seen.approval = tc;
	free(seen.preview);
	seen.preview = xstrdup(preview);
	loop_exit();
}

static void
ui_snapshot(void *arg, const char *id, const char *action)
{
	seen.snapshots++;
}

static void
ui_notice(void *arg, const char *text)
{
}

static const struct agent_ui test_ui = {
	.approval = ui_approval,
	.snapshot = ui_snapshot,
	.notice = ui_notice,
};

struct fixture {
	char			 repo[64];
	struct config		 cfg;
	struct workspace	*ws;
	struct perm		*perm;
	struct toolrun		*tr;
};

/* A repository with a.txt committed, and a workspace on it. */
static void
fixture_open(struct fixture *f, enum perm_mode mode, int headless)
{
	char	cmd[300], *cause = NULL;

	snprintf(f->repo, sizeof f->repo, "/tmp/agentos-test-toolrun.XXXXXX");
	assert_non_null(mkdtemp(f->repo));
	snprintf(cmd, sizeof cmd, "cd %s && git init -q -b main . && "
	    "git config user.email t@t && git config user.name t && "
	    "printf 'one\\ntwo\\n' > a.txt && git add -A && "
	    "git commit -qm init", f->repo);
	assert_int_equal(system(cmd), 0);
	assert_int_equal(config_load(&f->cfg, f->repo, &cause), 0);
	config_finish(&f->cfg);
	f->ws = workspace_open(f->repo, &f->cfg, WORKSPACE_NO_MODEL |
	    WORKSPACE_NO_LSP, NULL, NULL, &cause);
	assert_non_null(f->ws);
	f->perm = perm_create(mode);
	f->tr = toolrun_create(f->ws, f->perm, headless, &test_cb, NULL);
	toolrun_set_ui(f->tr, &test_ui, NULL);
}

static void
fixture_close(struct fixture *f)
{
	char	cmd[128];

	toolrun_free(f->tr);
	perm_free(f->perm);
	workspace_close(f->ws);
	config_release(&f->cfg);
	snprintf(cmd, sizeof cmd, "rm -rf %s", f->repo);
	assert_int_equal(system(cmd), 0);
}

static int
setup(void **state)
{
	memset(&seen, 0, sizeof seen);
	buf_init(&seen.events, 0);
	setenv("HOME", "/nonexistent", 1);
	unsetenv("XDG_CONFIG_HOME");
	loop_init();
	return (0);
}

static int
teardown(void **state)
{
	buf_release(&seen.events);
	free(seen.preview);
	loop_free();
	return (0);
}

/* Make a call of name with input (JSON text) in f's workspace. */
static struct tool_call *
call(struct fixture *f, const char *name, const char *input)
{
	json_error_t		 err;
	json_t			*j = json_loads(input, 0, &err);
	struct tool_call	*tc;

	assert_non_null(j);
	tc = tool_call_create("toolu_1", name, j, workspace_tool_ctx(f->ws));
	json_decref(j);
	return (tc);
}

/* Run the loop while the pipeline works without asking the user. */
static void
wait_done(struct fixture *f)
{
	while (toolrun_busy(f->tr) && seen.approval == NULL)
		loop_run();
}

/* Run tc through the pipeline until it is over or asks. */
static void
run(struct fixture *f, struct tool_call *tc)
{
	seen.approval = NULL;
	toolrun_start(f->tr, tc, 1);
	wait_done(f);
}

/* The contents of rel in f's repository (static buffer). */
static const char *
get(struct fixture *f, const char *rel)
{
	static char	 text[256];
	char		 path[128];
	FILE		*fp;
	size_t		 n;

	snprintf(path, sizeof path, "%s/%s", f->repo, rel);
	if ((fp = fopen(path, "r")) == NULL)
		return (NULL);
	n = fread(text, 1, sizeof text - 1, fp);
	text[n] = '\0';
	fclose(fp);
	return (text);
}

static void
test_effects_declared(void **state)
{
	struct fixture		 f;
	struct tool_call	*tc;

	fixture_open(&f, PERM_ASK, 0);
	tc = call(&f, "bash", "{\"command\": \"make check\"}");
	assert_int_equal(tc->effects.flags, EFFECT_MUTATES | EFFECT_EXEC |
	    EFFECT_NETWORK);
	assert_string_equal(tc->effects.command, "make check");
	tool_call_free(tc);

	tc = call(&f, "edit_file", "{\"path\": \"a.txt\"}");
	assert_true(tc->effects.flags & EFFECT_EDIT);
	assert_true(tc->effects.flags & EFFECT_MUTATES);
	assert_int_equal(tc->effects.nwrites, 1);
	assert_string_equal(tc->effects.writes[0], "a.txt");
	tool_call_free(tc);

	tc = call(&f, "read_file", "{\"path\": \"a.txt\"}");
	assert_int_equal(tc->effects.flags, 0);
	assert_false(tool_effects_mutates(&tc->effects));
	assert_int_equal(tc->effects.nreads, 1);
	tool_call_free(tc);

	tc = call(&f, "grep", "{\"pattern\": \"x\"}");
	assert_int_equal(tc->effects.nscopes, 1);
	assert_string_equal(tc->effects.scopes[0], ".");
	tool_call_free(tc);

	/* A tool nobody declared (an MCP tool): mutating and networked. */
	tc = call(&f, "mcp__github__create_issue", "{\"title\": \"x\"}");
	assert_int_equal(tc->effects.flags, EFFECT_UNKNOWN | EFFECT_MUTATES |
	    EFFECT_NETWORK);
	tool_call_free(tc);
	fixture_close(&f);
}

static void
test_edit_goes_through_every_stage(void **state)
{
	struct fixture		 f;
	struct tool_call	*tc;

	fixture_open(&f, PERM_BYPASS, 0);
	tc = call(&f, "write_file", "{\"path\": \"a.txt\", \"content\": "
	    "\"new\\n\"}");
	run(&f, tc);
	assert_int_equal(seen.finished, 1);
	assert_false(toolrun_busy(f.tr));
	assert_string_equal(seen.events.buf,
	    "approval snapshot tool_start tool_result");
	assert_false(tc->is_error);
	assert_non_null(tc->snapshot_id);
	assert_int_equal(seen.snapshots, 1);
	assert_string_equal(get(&f, "a.txt"), "new\n");
	tool_call_free(tc);
	fixture_close(&f);
}

static void
test_denied_call_unwinds(void **state)
{
	struct fixture		 f;
	struct tool_call	*tc;

	fixture_open(&f, PERM_PLAN, 0);
	tc = call(&f, "write_file", "{\"path\": \"a.txt\", \"content\": "
	    "\"new\\n\"}");
	run(&f, tc);
	assert_int_equal(seen.finished, 1);
	/* Recorded, never snapshotted nor started. */
	assert_string_equal(seen.events.buf, "approval tool_result");
	assert_true(tc->is_error);
	assert_non_null(strstr(tc->result.buf, "plan mode"));
	assert_null(tc->snapshot_id);
	assert_string_equal(get(&f, "a.txt"), "one\ntwo\n");
	tool_call_free(tc);
	fixture_close(&f);
}

static void
test_invalid_calls_are_not_asked_about(void **state)
{
	struct fixture		 f;
	struct tool_call	*tc;

	fixture_open(&f, PERM_ASK, 0);
	/* A required field missing: no question, no snapshot. */
	tc = call(&f, "edit_file", "{\"path\": \"a.txt\"}");
	run(&f, tc);
	assert_int_equal(seen.finished, 1);
	assert_null(seen.approval);
	assert_string_equal(seen.events.buf, "tool_result");
	assert_non_null(strstr(tc->result.buf, "missing required field"));
	tool_call_free(tc);

	/* An unknown tool: the result names the tools there are. */
	buf_reset(&seen.events);
	tc = call(&f, "no_such_tool", "{}");
	run(&f, tc);
	assert_int_equal(seen.finished, 2);
	assert_string_equal(seen.events.buf, "tool_result");
	assert_non_null(strstr(tc->result.buf, "unknown tool"));
	assert_non_null(strstr(tc->result.buf, "read_file"));
	tool_call_free(tc);

	/* Arguments that were not JSON at all. */
	buf_reset(&seen.events);
	tc = call(&f, "write_file", "{\"__invalid_json\": \"{\\\"pa\"}");
	run(&f, tc);
	assert_int_equal(seen.finished, 3);
	assert_non_null(strstr(tc->result.buf, "not a valid JSON object"));
	tool_call_free(tc);
	assert_int_equal(seen.snapshots, 0);
	fixture_close(&f);
}

static void
test_approval_then_decide(void **state)
{
	struct fixture		 f;
	struct tool_call	*tc;

	fixture_open(&f, PERM_ASK, 0);
	tc = call(&f, "edit_file", "{\"path\": \"a.txt\", \"old_string\": "
	    "\"two\", \"new_string\": \"2\"}");
	run(&f, tc);
	/* Waiting for the user, with the diff. */
	assert_ptr_equal(seen.approval, tc);
	assert_true(toolrun_busy(f.tr));
	assert_non_null(strstr(seen.preview, "+2"));
	assert_int_equal(seen.finished, 0);
	/* Another call's answer is ignored. */
	toolrun_decide(f.tr, NULL, APPROVE_ONCE, NULL);
	assert_true(toolrun_busy(f.tr));
	toolrun_decide(f.tr, tc, APPROVE_ONCE, NULL);
	seen.approval = NULL;
	wait_done(&f);
	assert_int_equal(seen.finished, 1);
	assert_string_equal(seen.events.buf,
	    "approval snapshot tool_start tool_result");
	assert_string_equal(get(&f, "a.txt"), "one\n2\n");
	tool_call_free(tc);

	/* Rejected with a note: the note reaches the model. */
	buf_reset(&seen.events);
	tc = call(&f, "edit_file", "{\"path\": \"a.txt\", \"old_string\": "
	    "\"one\", \"new_string\": \"1\"}");
	run(&f, tc);
	toolrun_decide(f.tr, tc, APPROVE_REJECT, "not that line");
	assert_int_equal(seen.finished, 2);
	assert_string_equal(seen.events.buf, "approval tool_result");
	assert_non_null(strstr(tc->result.buf, "not that line"));
	assert_string_equal(get(&f, "a.txt"), "one\n2\n");
	tool_call_free(tc);
	fixture_close(&f);
}

static void
test_cancel_while_asking(void **state)
{
	struct fixture		 f;
	struct tool_call	*tc;

	fixture_open(&f, PERM_ASK, 0);
	tc = call(&f, "bash", "{\"command\": \"touch b.txt\"}");
	run(&f, tc);
	assert_ptr_equal(seen.approval, tc);
	toolrun_cancel(f.tr);
	assert_int_equal(seen.finished, 1);
	assert_false(toolrun_busy(f.tr));
	assert_non_null(strstr(tc->result.buf, "instead of answering"));
	assert_null(get(&f, "b.txt"));
	tool_call_free(tc);
	fixture_close(&f);
}

static void
test_cancel_running_command(void **state)
{
	struct fixture		 f;
	struct tool_call	*tc;

	fixture_open(&f, PERM_BYPASS, 0);
	tc = call(&f, "bash", "{\"command\": \"sleep 30\"}");
	toolrun_start(f.tr, tc, 1);
	assert_true(toolrun_busy(f.tr));
	toolrun_cancel(f.tr);
	wait_done(&f);
	assert_int_equal(seen.finished, 1);
	assert_true(tc->cancelled);
	assert_string_equal(seen.events.buf,
	    "approval snapshot tool_start tool_result");
	tool_call_free(tc);
	fixture_close(&f);
}

static void
test_headless_refuses_what_would_ask(void **state)
{
	struct fixture		 f;
	struct tool_call	*tc;

	fixture_open(&f, PERM_ASK, 1);
	tc = call(&f, "bash", "{\"command\": \"touch b.txt\"}");
	run(&f, tc);
	assert_null(seen.approval);
	assert_int_equal(seen.finished, 1);
	assert_non_null(strstr(tc->result.buf, "headless"));
	assert_null(get(&f, "b.txt"));
	tool_call_free(tc);
	fixture_close(&f);
}

static void
test_no_snapshots_no_change(void **state)
{
	struct fixture		 f;
	struct tool_call	*tc;
	char			*cause = NULL;

	/* agentos will not snapshot a home directory unasked. */
	fixture_open(&f, PERM_BYPASS, 0);
	setenv("HOME", f.repo, 1);
	workspace_set_session(f.ws, NULL);	/* reopens the store */
	assert_null(workspace_snapshots(f.ws));
	assert_non_null(workspace_snapshots_unconfirmed(f.ws));
	tc = call(&f, "write_file", "{\"path\": \"a.txt\", \"content\": "
	    "\"new\\n\"}");
	run(&f, tc);
	assert_true(tc->is_error);
	assert_non_null(strstr(tc->result.buf, "cannot take snapshots"));
	assert_string_equal(get(&f, "a.txt"), "one\ntwo\n");
	tool_call_free(tc);
	/* Confirmed, it goes through. */
	assert_int_equal(workspace_confirm_snapshots(f.ws, &cause), 0);
	tc = call(&f, "write_file", "{\"path\": \"a.txt\", \"content\": "
	    "\"new\\n\"}");
	run(&f, tc);
	assert_false(tc->is_error);
	assert_string_equal(get(&f, "a.txt"), "new\n");
	tool_call_free(tc);
	setenv("HOME", "/nonexistent", 1);
	fixture_close(&f);
}

static void
test_two_workspaces(void **state)
{
	struct fixture		 f1, f2;
	struct tool_call	*t1, *t2;
	const char *const	*ids;
	size_t			 n;
	char			 cmd[300];

	fixture_open(&f1, PERM_BYPASS, 0);
	fixture_open(&f2, PERM_BYPASS, 0);
	assert_string_not_equal(workspace_session_id(f1.ws),
	    workspace_session_id(f2.ws));
	t1 = call(&f1, "write_file", "{\"path\": \"a.txt\", \"content\": "
	    "\"first\\n\"}");
	t2 = call(&f2, "write_file", "{\"path\": \"a.txt\", \"content\": "
	    "\"second\\n\"}");
	run(&f1, t1);
	run(&f2, t2);
	assert_int_equal(seen.finished, 2);
	assert_string_equal(get(&f1, "a.txt"), "first\n");
	assert_string_equal(get(&f2, "a.txt"), "second\n");
	/* Each snapshot is in its own repository, under its own session. */
	ids = workspace_snapshot_ids(f1.ws, &n);
	assert_int_equal(n, 1);
	ids = workspace_snapshot_ids(f2.ws, &n);
	assert_int_equal(n, 1);
	(void)ids;
	snprintf(cmd, sizeof cmd, "cd %s && git rev-parse -q --verify "
	    "refs/agentos/sessions/%s >/dev/null && git show "
	    "refs/agentos/sessions/%s:a.txt | grep -qx one", f1.repo,
	    workspace_session_id(f1.ws), workspace_session_id(f1.ws));
	assert_int_equal(system(cmd), 0);
	snprintf(cmd, sizeof cmd, "cd %s && ! git rev-parse -q --verify "
	    "refs/agentos/sessions/%s >/dev/null", f2.repo,
	    workspace_session_id(f1.ws));
	assert_int_equal(system(cmd), 0);
	/* A rewind in one leaves the other alone. */
	assert_int_equal(snapshot_restore(workspace_snapshots(f1.ws),
	    t1->snapshot_id, NULL), 0);
	assert_string_equal(get(&f1, "a.txt"), "one\ntwo\n");
	assert_string_equal(get(&f2, "a.txt"), "second\n");
	tool_call_free(t1);
	tool_call_free(t2);
	fixture_close(&f1);
	fixture_close(&f2);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_effects_declared, setup,
		    teardown),
		cmocka_unit_test_setup_teardown(
		    test_edit_goes_through_every_stage, setup, teardown),
		cmocka_unit_test_setup_teardown(test_denied_call_unwinds,
		    setup, teardown),
		cmocka_unit_test_setup_teardown(
		    test_invalid_calls_are_not_asked_about, setup, teardown),
		cmocka_unit_test_setup_teardown(test_approval_then_decide,
		    setup, teardown),
		cmocka_unit_test_setup_teardown(test_cancel_while_asking,
		    setup, teardown),
		cmocka_unit_test_setup_teardown(test_cancel_running_command,
		    setup, teardown),
		cmocka_unit_test_setup_teardown(
		    test_headless_refuses_what_would_ask, setup, teardown),
		cmocka_unit_test_setup_teardown(test_no_snapshots_no_change,
		    setup, teardown),
		cmocka_unit_test_setup_teardown(test_two_workspaces, setup,
		    teardown),
	};

	return (cmocka_run_group_tests(tests, NULL, NULL));
}
