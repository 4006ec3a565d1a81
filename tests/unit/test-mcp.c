/* test-mcp.c: MCP configuration, ${VAR} expansion, names, results. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdlib.h>
#include <string.h>

#include "agentos.h"
#include "mcp.h"

/* ${VAR}, ${VAR:-default}, a lone $, unset and unclosed. */
static void
test_expand(void **state)
{
	char	*s, *cause = NULL;

	(void)state;
	setenv("MCP_T_A", "alpha", 1);
	setenv("MCP_T_EMPTY", "", 1);
	unsetenv("MCP_T_UNSET");
	s = mcp_expand("x${MCP_T_A}y", &cause);
	assert_string_equal(s, "xalphay");
	free(s);
	s = mcp_expand("${MCP_T_UNSET:-dflt}/${MCP_T_A:-no}", &cause);
	assert_string_equal(s, "dflt/alpha");
	free(s);
	/* As the shell's :-, an empty value takes the default. */
	s = mcp_expand("${MCP_T_EMPTY:-d}", &cause);
	assert_string_equal(s, "d");
	free(s);
	s = mcp_expand("$HOME_not ${MCP_T_UNSET:-}$", &cause);
	assert_string_equal(s, "$HOME_not $");
	free(s);
	assert_null(mcp_expand("a ${MCP_T_UNSET} b", &cause));
	assert_non_null(strstr(cause, "MCP_T_UNSET"));
	free(cause);
	cause = NULL;
	assert_null(mcp_expand("${MCP_T_A", &cause));
	assert_non_null(cause);
	free(cause);
}

/* Claude Code's format, expansion in every field, bad entries. */
static void
test_conf(void **state)
{
	struct mcp_conf	 c;
	json_t		*j;
	size_t		 i;

	(void)state;
	setenv("MCP_T_TOKEN", "s3cret", 1);
	unsetenv("MCP_T_UNSET");
	j = json_loads("{"
	    "\"gh\": {\"command\": \"gh-${MCP_T_A}\", \"args\": [\"--x\","
	    " \"${MCP_T_UNSET:-def}\"], \"env\": {\"TOKEN\": "
	    "\"${MCP_T_TOKEN}\"}},"
	    "\"web\": {\"type\": \"http\", \"url\": \"https://h/${MCP_T_A}\","
	    " \"headers\": {\"Authorization\": \"Bearer ${MCP_T_TOKEN}\"}},"
	    "\"noval\": {\"command\": \"x\", \"env\": {\"K\": "
	    "\"${MCP_T_UNSET}\"}},"
	    "\"badargs\": {\"command\": \"x\", \"args\": \"nope\"},"
	    "\"nocmd\": {\"args\": []},"
	    "\"badtype\": {\"type\": \"carrier-pigeon\"},"
	    "\"num\": 3"
	    "}", 0, NULL);
	assert_non_null(j);
	mcp_conf_init(&c);
	mcp_conf_add(&c, j, "/r/.mcp.json", 1);
	assert_int_equal(c.n, 3);
	assert_string_equal(c.v[0].name, "gh");
	assert_string_equal(c.v[0].command, "gh-alpha");
	assert_int_equal(c.v[0].nargs, 2);
	assert_string_equal(c.v[0].args[1], "def");
	assert_null(c.v[0].args[2]);
	assert_string_equal(c.v[0].env[0], "TOKEN=s3cret");
	assert_int_equal(c.v[0].project, 1);
	assert_null(c.v[0].error);
	assert_int_equal(c.v[1].http, 1);
	assert_string_equal(c.v[1].url, "https://h/alpha");
	assert_string_equal(c.v[1].headers[0], "Authorization: Bearer s3cret");
	/* Kept, but failed with the reason. */
	assert_string_equal(c.v[2].name, "noval");
	assert_non_null(c.v[2].error);
	assert_non_null(strstr(c.v[2].error, "MCP_T_UNSET"));
	/* noval, badargs, nocmd, badtype, num: each names file and server. */
	assert_int_equal(c.nproblems, 5);
	for (i = 0; i < c.nproblems; i++)
		assert_non_null(strstr(c.problems[i], "/r/.mcp.json: MCP "
		    "server "));
	/* A later file's server of the same name replaces it. */
	json_decref(j);
	j = json_loads("{\"gh\": {\"command\": \"other\"}}", 0, NULL);
	mcp_conf_add(&c, j, "user", 0);
	assert_int_equal(c.n, 3);
	assert_string_equal(c.v[0].command, "other");
	assert_int_equal(c.v[0].project, 0);
	json_decref(j);
	/* Not an object at all. */
	j = json_loads("[1]", 0, NULL);
	mcp_conf_add(&c, j, "f", 0);
	assert_int_equal(c.nproblems, 6);
	json_decref(j);
	mcp_conf_release(&c);
}

/* mcp__SERVER__TOOL, mangled and cut at 64 bytes. */
static void
test_names(void **state)
{
	char	*s;
	char	 longname[200];

	(void)state;
	s = mcp_tool_name("fake", "echo");
	assert_string_equal(s, "mcp__fake__echo");
	free(s);
	s = mcp_tool_name("my server.io", "get/issue-2\xc3\xa9");
	assert_string_equal(s, "mcp__my_server_io__get_issue-2__");
	free(s);
	memset(longname, 'a', sizeof longname - 1);
	longname[sizeof longname - 1] = '\0';
	s = mcp_tool_name("srv", longname);
	assert_int_equal(strlen(s), MCP_NAME_MAX);
	assert_memory_equal(s, "mcp__srv__aaa", 13);
	free(s);
}

/* Convert a result given as JSON text. */
static char *
convert(const char *text, int *is_error)
{
	struct buf	 b = BUF_INIT;
	json_t		*j = json_loads(text, 0, NULL);

	assert_non_null(j);
	mcp_result_text(j, &b, is_error);
	json_decref(j);
	return (buf_detach(&b, NULL));
}

/* Every content type of Server / Tools, isError, structuredContent. */
static void
test_results(void **state)
{
	char	*s;
	int	 err;

	(void)state;
	s = convert("{\"content\": [{\"type\": \"text\", \"text\": \"a\"},"
	    "{\"type\": \"text\", \"text\": \"b\"}]}", &err);
	assert_string_equal(s, "a\nb");
	assert_int_equal(err, 0);
	free(s);
	s = convert("{\"content\": [{\"type\": \"image\", \"data\": "
	    "\"iVBORw==\", \"mimeType\": \"image/png\"}, {\"type\": "
	    "\"audio\", \"data\": \"AAAA\", \"mimeType\": \"audio/wav\"}]}",
	    &err);
	assert_string_equal(s, "[image/png, 4 bytes]\n[audio/wav, 3 bytes]");
	free(s);
	s = convert("{\"content\": [{\"type\": \"resource\", \"resource\": "
	    "{\"uri\": \"file:///a.txt\", \"text\": \"body\"}},"
	    "{\"type\": \"resource_link\", \"uri\": \"file:///b\", "
	    "\"name\": \"b\"}]}", &err);
	assert_string_equal(s, "[resource file:///a.txt]\nbody\n"
	    "[resource link file:///b (b)]");
	free(s);
	s = convert("{\"content\": [], \"structuredContent\": {\"n\": 1}}",
	    &err);
	assert_string_equal(s, "{\"n\":1}");
	free(s);
	/* Text wins over structuredContent. */
	s = convert("{\"content\": [{\"type\": \"text\", \"text\": \"t\"}], "
	    "\"structuredContent\": {\"n\": 1}, \"isError\": true}", &err);
	assert_string_equal(s, "t");
	assert_int_equal(err, 1);
	free(s);
	/* Garbage: no crash, a sentence. */
	s = convert("{\"content\": [{\"type\": 3}, 7, {\"type\": \"video\"}],"
	    " \"isError\": \"yes\"}", &err);
	assert_string_equal(s, "[video content]");
	assert_int_equal(err, 0);
	free(s);
	s = convert("{}", &err);
	assert_non_null(strstr(s, "no content"));
	free(s);
}

/* Elicitation forms: typed, checked values; defaults; bad schemas. */
static void
test_elicit(void **state)
{
	json_t	*schema, *v, *prop;
	char	*cause = NULL;

	(void)state;
	schema = json_loads("{\"type\": \"object\", \"properties\": {"
	    "\"name\": {\"type\": \"string\", \"default\": \"Ada\","
	    " \"minLength\": 2},"
	    "\"age\": {\"type\": \"integer\", \"minimum\": 0},"
	    "\"score\": {\"type\": \"number\", \"default\": 95.5},"
	    "\"c\": {\"type\": \"string\", \"enum\": [\"a\", \"b\"],"
	    " \"default\": \"b\"},"
	    "\"ok\": {\"type\": \"boolean\", \"default\": true},"
	    "\"mail\": {\"type\": \"string\", \"format\": \"email\"}},"
	    "\"required\": [\"name\"]}", 0, NULL);
	assert_non_null(schema);
	assert_int_equal(mcp_elicit_check(schema, &cause), 0);
	prop = json_object_get(json_object_get(schema, "properties"), "age");
	assert_null(mcp_elicit_value(prop, "abc", &cause));
	assert_string_equal(cause, "not an integer");
	free(cause);
	cause = NULL;
	assert_null(mcp_elicit_value(prop, "-1", &cause));
	free(cause);
	cause = NULL;
	v = mcp_elicit_value(prop, "42", &cause);
	assert_int_equal(json_integer_value(v), 42);
	json_decref(v);
	prop = json_object_get(json_object_get(schema, "properties"), "name");
	assert_null(mcp_elicit_value(prop, "A", &cause));
	free(cause);
	cause = NULL;
	prop = json_object_get(json_object_get(schema, "properties"), "c");
	assert_int_equal(mcp_field_type(prop), MCP_FIELD_ENUM);
	assert_null(mcp_elicit_value(prop, "z", &cause));
	free(cause);
	cause = NULL;
	prop = json_object_get(json_object_get(schema, "properties"), "mail");
	assert_null(mcp_elicit_value(prop, "nope", &cause));
	free(cause);
	cause = NULL;
	v = mcp_elicit_value(prop, "a@b.org", &cause);
	assert_non_null(v);
	json_decref(v);
	/* Defaults: every one, typed; age (no default) is left out. */
	v = mcp_elicit_defaults(schema, &cause);
	assert_non_null(v);
	assert_string_equal(json_string_value(json_object_get(v, "name")),
	    "Ada");
	assert_true(json_is_real(json_object_get(v, "score")));
	assert_true(json_is_true(json_object_get(v, "ok")));
	assert_string_equal(json_string_value(json_object_get(v, "c")), "b");
	assert_null(json_object_get(v, "age"));
	json_decref(v);
	/* A required field without a default: no defaults answer. */
	json_array_append_new(json_object_get(schema, "required"),
	    json_string("age"));
	assert_null(mcp_elicit_defaults(schema, &cause));
	free(cause);
	cause = NULL;
	json_decref(schema);
	/* Nested objects, a missing required field, not an object. */
	schema = json_loads("{\"properties\": {\"x\": {\"type\": "
	    "\"object\"}}}", 0, NULL);
	assert_int_equal(mcp_elicit_check(schema, &cause), -1);
	free(cause);
	cause = NULL;
	json_decref(schema);
	schema = json_loads("{\"properties\": {}, \"required\": [\"q\"]}",
	    0, NULL);
	assert_int_equal(mcp_elicit_check(schema, &cause), -1);
	free(cause);
	cause = NULL;
	json_decref(schema);
	assert_int_equal(mcp_elicit_check(NULL, &cause), -1);
	free(cause);
}

/* Two names whose tools would be named alike: the second is refused. */
static void
test_conf_clash(void **state)
{
	struct mcp_conf	 c;
	json_t		*j;

	(void)state;
	mcp_conf_init(&c);
	j = json_loads("{\"a.b\": {\"command\": \"x\"}}", 0, NULL);
	mcp_conf_add(&c, j, "/home/u/config.json", 0);
	json_decref(j);
	j = json_loads("{\"a_b\": {\"command\": \"y\"}, \"a.b\": "
	    "{\"command\": \"z\"}}", 0, NULL);
	mcp_conf_add(&c, j, "/r/.mcp.json", 1);
	json_decref(j);
	/* a.b is replaced (same name); a_b is refused, naming a.b. */
	assert_int_equal(c.n, 1);
	assert_string_equal(c.v[0].name, "a.b");
	assert_string_equal(c.v[0].command, "z");
	assert_int_equal(c.nproblems, 1);
	assert_non_null(strstr(c.problems[0], "a_b"));
	assert_non_null(strstr(c.problems[0], "\"a.b\""));
	assert_non_null(strstr(c.problems[0], "mcp__a_b__*"));
	mcp_conf_release(&c);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_expand),
		cmocka_unit_test(test_conf),
		cmocka_unit_test(test_names),
		cmocka_unit_test(test_results),
		cmocka_unit_test(test_elicit),
		cmocka_unit_test(test_conf_clash),
	};

	return (cmocka_run_group_tests(tests, NULL, NULL));
}
