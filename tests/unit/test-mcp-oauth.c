/* test-mcp-oauth.c: the parts of OAuth that need no server. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <sys/stat.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <jansson.h>

#include "agentos.h"
#include "mcp-oauth.h"

/* RFC 7636 Appendix B: the verifier and challenge of the example. */
static void
test_s256(void **state)
{
	char	*s;

	(void)state;
	s = mcp_oauth_s256("dBjftJeZ4CVP-mB92K27uhbUJU1p1r_wW1gFWFOEjXk");
	assert_string_equal(s, "E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM");
	free(s);
}

/* WWW-Authenticate: quoted and bare values, other schemes, absence. */
static void
test_www_param(void **state)
{
	const char	*www = "Basic realm=\"x\", Bearer error=\"insufficient_"
			    "scope\", scope=\"a b\", resource_metadata="
			    "\"http://h/.well-known/oauth-protected-resource\","
			    " x=bare, q=\"a\\\"b\"";
	char		*s;

	(void)state;
	s = mcp_oauth_www_param(www, "scope");
	assert_string_equal(s, "a b");
	free(s);
	s = mcp_oauth_www_param(www, "ERROR");
	assert_string_equal(s, "insufficient_scope");
	free(s);
	s = mcp_oauth_www_param(www, "resource_metadata");
	assert_string_equal(s, "http://h/.well-known/oauth-protected-resource");
	free(s);
	s = mcp_oauth_www_param(www, "x");
	assert_string_equal(s, "bare");
	free(s);
	s = mcp_oauth_www_param(www, "q");
	assert_string_equal(s, "a\"b");
	free(s);
	/* realm belongs to Basic, not Bearer. */
	assert_null(mcp_oauth_www_param(www, "realm"));
	assert_null(mcp_oauth_www_param("Bearer", "scope"));
	assert_null(mcp_oauth_www_param(NULL, "scope"));
	assert_null(mcp_oauth_www_param("Bearer scope=\"unterminated",
	    "nothing"));
	s = mcp_oauth_www_param("Bearer scope=\"unterminated", "scope");
	assert_string_equal(s, "unterminated");
	free(s);
}

/* The discovery orders of the specification, with and without a path. */
static void
test_well_known(void **state)
{
	char	**v;
	size_t	  n, i;

	(void)state;
	assert_int_equal(mcp_oauth_well_known("https://a.example:8443/x/mcp/",
	    1, &v, &n), 0);
	assert_int_equal(n, 2);
	assert_string_equal(v[0], "https://a.example:8443/.well-known/"
	    "oauth-protected-resource/x/mcp");
	assert_string_equal(v[1], "https://a.example:8443/.well-known/"
	    "oauth-protected-resource");
	for (i = 0; i < n; i++)
		free(v[i]);
	free(v);
	assert_int_equal(mcp_oauth_well_known("https://as.example/tenant1", 0,
	    &v, &n), 0);
	assert_int_equal(n, 3);
	assert_string_equal(v[0], "https://as.example/.well-known/"
	    "oauth-authorization-server/tenant1");
	assert_string_equal(v[1], "https://as.example/.well-known/"
	    "openid-configuration/tenant1");
	assert_string_equal(v[2], "https://as.example/tenant1/.well-known/"
	    "openid-configuration");
	for (i = 0; i < n; i++)
		free(v[i]);
	free(v);
	assert_int_equal(mcp_oauth_well_known("https://as.example", 0, &v,
	    &n), 0);
	assert_int_equal(n, 2);
	assert_string_equal(v[0], "https://as.example/.well-known/"
	    "oauth-authorization-server");
	assert_string_equal(v[1], "https://as.example/.well-known/"
	    "openid-configuration");
	for (i = 0; i < n; i++)
		free(v[i]);
	free(v);
	assert_int_equal(mcp_oauth_well_known("file:///etc/passwd", 0, &v,
	    &n), -1);
	assert_int_equal(mcp_oauth_well_known("not a url", 1, &v, &n), -1);
}

/* Form encoding keeps only the unreserved characters. */
static void
test_form_escape(void **state)
{
	char	*s;

	(void)state;
	s = mcp_oauth_form_escape("a b&c=d/é~-._");
	assert_string_equal(s, "a%20b%26c%3Dd%2F%C3%A9~-._");
	free(s);
}

/* "oauth" in a server entry: good, and each kind of bad. */
static void
test_conf(void **state)
{
	struct mcp_oauth_conf	*c, *d;
	json_t			*j;
	char			*why = NULL;

	(void)state;
	assert_int_equal(mcp_oauth_conf_parse(NULL, &c, &why), 0);
	assert_null(c);
	j = json_loads("{\"client_id\": \"id\", \"client_secret\": \"s\", "
	    "\"scopes\": [\"a\", \"b\"]}", 0, NULL);
	assert_int_equal(mcp_oauth_conf_parse(j, &c, &why), 0);
	assert_string_equal(c->client_id, "id");
	assert_string_equal(c->client_secret, "s");
	assert_string_equal(c->scopes, "a b");
	d = mcp_oauth_conf_copy(c);
	assert_string_equal(d->scopes, "a b");
	mcp_oauth_conf_free(c);
	mcp_oauth_conf_free(d);
	json_decref(j);
	j = json_loads("{\"scopes\": \"x y\"}", 0, NULL);
	assert_int_equal(mcp_oauth_conf_parse(j, &c, &why), 0);
	assert_null(c->client_id);
	assert_string_equal(c->scopes, "x y");
	mcp_oauth_conf_free(c);
	json_decref(j);
	j = json_loads("[1]", 0, NULL);
	assert_int_equal(mcp_oauth_conf_parse(j, &c, &why), -1);
	assert_non_null(why);
	free(why);
	why = NULL;
	json_decref(j);
	j = json_loads("{\"client_id\": \"a\\nb\"}", 0, NULL);
	assert_int_equal(mcp_oauth_conf_parse(j, &c, &why), -1);
	assert_non_null(strstr(why, "client_id"));
	free(why);
	why = NULL;
	json_decref(j);
	j = json_loads("{\"scopes\": [1]}", 0, NULL);
	assert_int_equal(mcp_oauth_conf_parse(j, &c, &why), -1);
	free(why);
	json_decref(j);
}

/* The token file: nothing, a valid token, an expired one, logout. */
static void
test_store(void **state)
{
	char	 dir[] = "/tmp/test-mcp-oauth.XXXXXX", *path, *t, *cause = NULL;
	FILE	*f;

	(void)state;
	assert_non_null(mkdtemp(dir));
	setenv("XDG_STATE_HOME", dir, 1);
	path = mcp_oauth_store_path();
	assert_non_null(strstr(path, "/agentos/mcp-oauth.json"));
	assert_null(mcp_oauth_token("http://h/mcp"));
	assert_int_equal(mcp_oauth_logout("http://h/mcp", &cause), 0);
	t = xasprintf("%s/agentos", dir);
	assert_int_equal(mkdir(t, 0700), 0);
	free(t);
	f = fopen(path, "w");
	assert_non_null(f);
	fprintf(f, "{\"servers\": {\"http://h/mcp\": {\"token\": "
	    "{\"access_token\": \"tok\", \"expires_at\": 99999999999}}, "
	    "\"http://old/mcp\": {\"token\": {\"access_token\": \"old\", "
	    "\"expires_at\": 1}}, \"http://bad/mcp\": {\"token\": "
	    "{\"access_token\": \"a\\r\\nX-Evil: 1\"}}}}");
	fclose(f);
	t = mcp_oauth_token("http://h/mcp");
	assert_string_equal(t, "tok");
	free(t);
	assert_null(mcp_oauth_token("http://old/mcp"));
	assert_null(mcp_oauth_token("http://bad/mcp"));
	assert_int_equal(mcp_oauth_logged_in("http://h/mcp"), 1);
	assert_int_equal(mcp_oauth_logout("http://h/mcp", &cause), 1);
	assert_int_equal(mcp_oauth_logged_in("http://h/mcp"), 0);
	assert_null(mcp_oauth_token("http://h/mcp"));
	unlink(path);
	free(path);
	path = xasprintf("%s/agentos", dir);
	rmdir(path);
	free(path);
	rmdir(dir);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_s256),
		cmocka_unit_test(test_www_param),
		cmocka_unit_test(test_well_known),
		cmocka_unit_test(test_form_escape),
		cmocka_unit_test(test_conf),
		cmocka_unit_test(test_store),
	};

	return (cmocka_run_group_tests(tests, NULL, NULL));
}
