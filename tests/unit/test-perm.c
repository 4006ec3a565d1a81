/* test-perm.c: the approval policy, table-driven. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include "agentos.h"
#include "test-tools.h"

#define A PERM_ALLOW
#define D PERM_DENY
#define Q PERM_ASK_USER

/* A tool of no capability class, to show such tools are asked for. */
static const struct tool_entry tool_other = {
	.name = "other", .description = "", .schema = "{}", .flags = 0,
};

/* perm_check() on the effects tool te declares for input. */
static enum perm_decision
check(struct perm *p, const struct tool_entry *te, json_t *in, char **why)
{
	struct tool_effects	fx;
	enum perm_decision	d;

	tool_effects_declare(te, in, &fx);
	d = perm_check(p, te != NULL ? te->name : "unknown", &fx, why);
	tool_effects_release(&fx);
	return (d);
}

/* perm_allow_always() on the effects tool te declares for input. */
static void
allow_always(struct perm *p, const struct tool_entry *te, json_t *in)
{
	struct tool_effects	fx;

	tool_effects_declare(te, in, &fx);
	perm_allow_always(p, te->name, &fx);
	tool_effects_release(&fx);
}

static void
test_modes(void **state)
{
	static const struct {
		const struct tool_entry	*tool;
		enum perm_decision	 want[PERM_MODE_COUNT];
	} table[] = {
		/*			    ask accept plan bypass */
		{ &tool_read_file,	  { A, A, A, A } },
		{ &tool_glob,		  { A, A, A, A } },
		{ &tool_grep,		  { A, A, A, A } },
		{ &tool_edit_file,	  { Q, A, D, A } },
		{ &tool_write_file,	  { Q, A, D, A } },
		{ &tool_bash,		  { Q, Q, D, A } },
		{ &tool_other,		  { Q, Q, D, A } },
		/* Undeclared effects count as mutating: asked. */
		{ NULL,			  { Q, Q, D, A } },
	};
	struct perm	*p = perm_create(PERM_ASK);
	json_t		*in = json_pack("{s:s, s:s}", "command", "ls",
			    "path", "a.c");
	char		*why;
	size_t		 i;
	int		 m;

	for (i = 0; i < sizeof table / sizeof table[0]; i++) {
		for (m = 0; m < PERM_MODE_COUNT; m++) {
			perm_set_mode(p, m);
			assert_int_equal(perm_get_mode(p), m);
			if (check(p, table[i].tool, in, &why) !=
			    table[i].want[m])
				fail_msg("%s in mode %d", table[i].tool ?
				    table[i].tool->name : "(unknown)", m);
			if (table[i].want[m] == D) {
				assert_non_null(why);
				assert_non_null(strstr(why, "plan mode: only "
				    "read-only tools run"));
				free(why);
			} else
				assert_null(why);
		}
	}
	json_decref(in);
	perm_free(p);
}

static void
test_allow_always(void **state)
{
	static const struct {
		const char		*approve;	/* NULL: none */
		const char		*command;
		enum perm_decision	 want;
	} table[] = {
		{ NULL, "git status", Q },
		/* "a" saves this exact command (policy.c), not a prefix. */
		{ "git status", "git status", A },
		{ "git status", "git status --short", Q },
		{ "git status", "git statusx", Q },
		{ "git status", "git push", Q },
		{ "git status", "git status; rm -rf /", Q },
		{ "git status", "git status && rm -rf /", Q },
		{ "git status", "git status | sh", Q },
		{ "git status", "git status `rm x`", Q },
		{ "git status", "git status $(rm x)", Q },
		{ "git status", "git status > /etc/x", Q },
		{ "git status", "git status > x", A },
		{ "npm run test -- x", "npm run build", Q },
		{ "ls -la", "ls src", Q },
		/* A compound command: each of its commands. */
		{ "make && make check", "make && make check", A },
		{ "make && make check", "  make && make check ", A },
		{ "make && make check", "make check; make", A },
		{ "make && make check", "make && make check && rm x", Q },
	};
	struct perm	*p;
	json_t		*in;
	size_t		 i;

	for (i = 0; i < sizeof table / sizeof table[0]; i++) {
		p = perm_create(PERM_ASK);
		if (table[i].approve != NULL) {
			in = json_pack("{s:s}", "command", table[i].approve);
			allow_always(p, &tool_bash, in);
			json_decref(in);
		}
		in = json_pack("{s:s}", "command", table[i].command);
		if (check(p, &tool_bash, in, NULL) != table[i].want)
			fail_msg("approve \"%s\", run \"%s\"",
			    table[i].approve ? table[i].approve : "",
			    table[i].command);
		/* Accept-edits asks for commands the same way. */
		perm_set_mode(p, PERM_ACCEPT_EDITS);
		assert_int_equal(check(p, &tool_bash, in, NULL),
		    table[i].want);
		/* Plan mode denies even approved commands. */
		perm_set_mode(p, PERM_PLAN);
		assert_int_equal(check(p, &tool_bash, in, NULL), D);
		json_decref(in);
		perm_free(p);
	}
}

static void
test_allow_always_edits(void **state)
{
	struct perm	*p = perm_create(PERM_ASK);
	json_t		*in = json_pack("{s:s}", "path", "a.c");

	assert_int_equal(check(p, &tool_edit_file, in, NULL), Q);
	allow_always(p, &tool_edit_file, in);
	assert_int_equal(check(p, &tool_edit_file, in, NULL), A);
	/* Edit(./a.c) covers every tool writing a.c, and only it. */
	assert_int_equal(check(p, &tool_write_file, in, NULL), A);
	json_decref(in);
	in = json_pack("{s:s}", "path", "b.c");
	assert_int_equal(check(p, &tool_write_file, in, NULL), Q);
	json_decref(in);
	perm_free(p);
}

static void
test_next_mode(void **state)
{
	assert_int_equal(perm_next_mode(PERM_ASK), PERM_ACCEPT_EDITS);
	assert_int_equal(perm_next_mode(PERM_ACCEPT_EDITS), PERM_PLAN);
	assert_int_equal(perm_next_mode(PERM_PLAN), PERM_ASK);
	assert_int_equal(perm_next_mode(PERM_BYPASS), PERM_ASK);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_modes),
		cmocka_unit_test(test_allow_always),
		cmocka_unit_test(test_allow_always_edits),
		cmocka_unit_test(test_next_mode),
	};

	return (cmocka_run_group_tests(tests, NULL, NULL));
}
