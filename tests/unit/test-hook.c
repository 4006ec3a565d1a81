/* test-hook.c: hooks (hook.c): matching, exit codes, JSON answers. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "agentos.h"
#include "hook.h"
#include "options.h"

/* What the last run said (copied: the result is freed after done). */
static int	 got, got_block, got_perm, got_ran, got_cancelled;
static char	*got_reason, *got_context, *got_errors, *got_records;

static void
done_cb(const struct hook_result *r, void *arg)
{
	got = 1;
	got_block = r->block;
	got_perm = r->perm;
	got_ran = r->ran;
	got_cancelled = r->cancelled;
	free(got_reason);
	free(got_context);
	free(got_errors);
	free(got_records);
	got_reason = xstrdup(r->reason.buf);
	got_context = xstrdup(r->context.buf);
	got_errors = xstrdup(r->errors.buf);
	got_records = json_dumps(r->records, JSON_COMPACT);
	loop_exit();
}

static void
guard_cb(void *arg)
{
	loop_exit();
}

/* Run the hooks of text (a "hooks" object) for ev and match; 1 if any. */
static int
run(const char *text, enum hook_event ev, const char *match)
{
	struct hook_spec	 spec;
	struct hook_run		*r;
	struct loop_timer	*guard;
	json_t			*hooks = json_loads(text, 0, NULL);
	json_t			*in = json_pack("{s:s}", "tool_name", "bash");

	assert_non_null(hooks);
	memset(&spec, 0, sizeof spec);
	spec.hooks = hooks;
	spec.root = "/tmp";
	spec.event = ev;
	spec.match = match;
	spec.session_id = "s1";
	spec.input = in;
	got = 0;
	r = hook_run(&spec, done_cb, NULL);
	json_decref(hooks);
	json_decref(in);
	if (r == NULL)
		return (0);
	assert_int_equal(got, 0);	/* never from inside hook_run */
	guard = loop_timer_add(20000, guard_cb, NULL);
	loop_run();
	loop_timer_cancel(guard);
	assert_int_equal(got, 1);
	return (1);
}

#define PRE(m, c) "{\"PreToolUse\": [{\"matcher\": \"" m "\", \"hooks\": " \
	"[{\"type\": \"command\", \"command\": \"" c "\"}]}]}"

static void
test_match(void **state)
{
	json_t	*h = json_loads(PRE("Bash|Edit", "true"), 0, NULL);

	assert_true(hook_any(h, HOOK_PRE_TOOL_USE, "bash"));
	assert_true(hook_any(h, HOOK_PRE_TOOL_USE, "edit_file"));
	assert_true(hook_any(h, HOOK_PRE_TOOL_USE, "Bash"));
	assert_false(hook_any(h, HOOK_PRE_TOOL_USE, "read_file"));
	assert_false(hook_any(h, HOOK_PRE_TOOL_USE, "Bashful"));
	assert_false(hook_any(h, HOOK_POST_TOOL_USE, "bash"));
	json_decref(h);
	h = json_loads(PRE("mcp__gh__.*", "true"), 0, NULL);
	assert_true(hook_any(h, HOOK_PRE_TOOL_USE, "mcp__gh__issues"));
	assert_false(hook_any(h, HOOK_PRE_TOOL_USE, "mcp__other__x"));
	json_decref(h);
	h = json_loads(PRE("(", "true"), 0, NULL);	/* bad: nothing */
	assert_false(hook_any(h, HOOK_PRE_TOOL_USE, "bash"));
	json_decref(h);
	h = json_loads(PRE("*", "true"), 0, NULL);
	assert_true(hook_any(h, HOOK_PRE_TOOL_USE, "anything"));
	json_decref(h);
	/* Junk never crashes. */
	h = json_loads("{\"PreToolUse\": [1, {\"hooks\": 3}, {\"hooks\": "
	    "[null, {\"type\": \"prompt\", \"command\": \"x\"}]}]}", 0, NULL);
	assert_false(hook_any(h, HOOK_PRE_TOOL_USE, "bash"));
	json_decref(h);
	assert_false(hook_any(NULL, HOOK_STOP, NULL));
	assert_string_equal(hook_event_name(HOOK_USER_PROMPT_SUBMIT),
	    "UserPromptSubmit");
}

static void
test_exit_codes(void **state)
{
	assert_false(run(PRE("Edit", "exit 2"), HOOK_PRE_TOOL_USE, "bash"));
	assert_true(run(PRE("", "cat >/dev/null; exit 0"),
	    HOOK_PRE_TOOL_USE, "bash"));
	assert_int_equal(got_block, 0);
	assert_int_equal(got_perm, HOOK_PERM_NONE);
	assert_int_equal(got_ran, 1);

	assert_true(run(PRE("", "echo no rm please >&2; exit 2"),
	    HOOK_PRE_TOOL_USE, "bash"));
	assert_int_equal(got_block, 1);
	assert_int_equal(got_perm, HOOK_PERM_DENY);
	assert_string_equal(got_reason, "no rm please");
	assert_non_null(strstr(got_records, "\"exit_status\":2"));

	assert_true(run(PRE("", "echo oops >&2; exit 3"), HOOK_PRE_TOOL_USE,
	    "bash"));
	assert_int_equal(got_block, 0);
	assert_non_null(strstr(got_errors, "exit status 3: oops"));
}

static void
test_stdin_json(void **state)
{
	/* The hook sees the event's JSON; it answers with JSON. */
	assert_true(run(PRE("", "in=$(cat); case $in in *session_id*"
	    "hook_event_name*PreToolUse*) echo "
	    "'{\\\"hookSpecificOutput\\\": {\\\"permissionDecision\\\": "
	    "\\\"ask\\\", \\\"permissionDecisionReason\\\": \\\"why\\\"}}';; "
	    "esac"),
	    HOOK_PRE_TOOL_USE, "bash"));
	assert_int_equal(got_perm, HOOK_PERM_ASK);
	assert_string_equal(got_reason, "why");

	/* Plain stdout is context for UserPromptSubmit. */
	assert_true(run("{\"UserPromptSubmit\": [{\"hooks\": [{\"type\": "
	    "\"command\", \"command\": \"echo it is Tuesday\"}]}]}",
	    HOOK_USER_PROMPT_SUBMIT, NULL));
	assert_string_equal(got_context, "it is Tuesday");

	/* "continue": false blocks, with stopReason. */
	assert_true(run(PRE("", "echo '{\\\"continue\\\": false, "
	    "\\\"stopReason\\\": \\\"halt here\\\"}'"), HOOK_PRE_TOOL_USE,
	    "bash"));
	assert_int_equal(got_block, 1);
	assert_string_equal(got_reason, "halt here");

	/* A deny stops the hooks after it. */
	assert_true(run("{\"PreToolUse\": [{\"hooks\": ["
	    "{\"type\": \"command\", \"command\": \"exit 2\"},"
	    "{\"type\": \"command\", \"command\": \"exit 5\"}]}]}",
	    HOOK_PRE_TOOL_USE, "x"));
	assert_int_equal(got_ran, 1);
	assert_string_equal(got_errors, "");
}

static void
test_timeout(void **state)
{
	assert_true(run("{\"Stop\": [{\"hooks\": [{\"type\": \"command\", "
	    "\"command\": \"sleep 30\", \"timeout\": 0.3}]}]}", HOOK_STOP,
	    NULL));
	assert_int_equal(got_block, 0);
	assert_non_null(strstr(got_errors, "time limit"));
	assert_non_null(strstr(got_records, "timeout"));
}

static void
test_list(void **state)
{
	json_t	*h = json_loads("{\"PreToolUse\": [{\"matcher\": \"Bash\", "
	    "\"source\": \"/u/config.json\", \"hooks\": [{\"type\": "
	    "\"command\", \"command\": \"check.sh\", \"timeout\": 5}]}]}", 0,
	    NULL);
	char	*s = hook_list_text(h);

	assert_non_null(strstr(s, "PreToolUse [Bash]: check.sh (timeout 5s) "
	    "from /u/config.json"));
	free(s);
	json_decref(h);
	h = json_loads("{\"PreTooluse\": []}", 0, NULL);
	s = hook_list_text(h);
	assert_non_null(strstr(s, "Unknown event PreTooluse: never runs"));
	free(s);
	json_decref(h);
	s = hook_list_text(NULL);
	assert_non_null(strstr(s, "No hooks"));
	free(s);
}

/* The option: files merge, each group remembers its file; junk is a
   problem and changes nothing. */
static void
test_option_merge(void **state)
{
	struct config	 cfg;
	const json_t	*h, *stop;
	char		*cause = NULL, *text;

	assert_int_equal(config_load_string(&cfg, "{\"hooks\": {\"Stop\": "
	    "[{\"hooks\": [{\"type\": \"command\", \"command\": "
	    "\"first-cmd\"}]}]}}", &cause), 0);
	assert_int_equal(options_load_string(&cfg, "{\"hooks\": {\"Stop\": "
	    "[{\"hooks\": [{\"type\": \"command\", \"command\": "
	    "\"second-cmd\"}]}], \"PreToolUse\": []}}", "second.json",
	    &cause), 0);
	h = options_get(&cfg)->hooks;
	assert_non_null(h);
	stop = json_object_get(h, "Stop");
	assert_int_equal(json_array_size(stop), 2);
	assert_string_equal(json_string_value(json_object_get(
	    json_array_get(stop, 1), "source")), "second.json");
	text = hook_list_text(h);
	assert_non_null(strstr(text, "Stop: first-cmd"));
	assert_non_null(strstr(text, "Stop: second-cmd (timeout 60s) from "
	    "second.json"));
	free(text);
	assert_int_equal(options_load_string(&cfg, "{\"hooks\": 3}",
	    "bad.json", &cause), 0);
	assert_int_equal(options_load_string(&cfg, "{\"hooks\": {\"Stop\": "
	    "{}}}", "bad2.json", &cause), 0);
	assert_true(options_problems(&cfg, &(const char * const *){0}) >= 2);
	assert_int_equal(json_array_size(json_object_get(
	    options_get(&cfg)->hooks, "Stop")), 2);
	config_release(&cfg);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_match),
		cmocka_unit_test(test_exit_codes),
		cmocka_unit_test(test_stdin_json),
		cmocka_unit_test(test_timeout),
		cmocka_unit_test(test_list),
		cmocka_unit_test(test_option_merge),
	};

	signal(SIGPIPE, SIG_IGN);
	loop_init();
	return (cmocka_run_group_tests(tests, NULL, NULL));
}
