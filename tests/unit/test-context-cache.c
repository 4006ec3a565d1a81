/*
 * test-context-cache.c: the prompt cache breakpoints the context manager
 * chooses (context-cache.c) and the Anthropic encoder applies: at most 4,
 * the 1 hour TTL first, the repository map after the system breakpoint,
 * and two consecutive requests whose bytes are the same up to each
 * breakpoint of the first (a new user turn's map included).
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "agentos.h"
#include "context.h"

#define TTL1H	"\"cache_control\":{\"type\":\"ephemeral\",\"ttl\":\"1h\"}"
#define SYSTEM	"You are agentos.\nAGENTS.md: be brief.\n"
#define MAP1	"\nRepository map (files ranked by relevance):\nsrc/a.c\n"
#define MAP2	"\nRepository map (files ranked by relevance):\nsrc/b.c\n"

/* Add round i: the model's read_file call and its result. */
static void
add_round(struct conv *c, int i)
{
	struct message	*m;
	char		 id[32], text[64];

	snprintf(id, sizeof id, "toolu_%d", i);
	m = conv_add(c, ROLE_ASSISTANT);
	message_add_text(m, "Reading.");
	message_add_tool_use(m, id, "read_file", json_pack("{s:s}", "path",
	    "src/a.c"));
	json_decref(m->blocks[1].input);
	snprintf(text, sizeof text, "the text of read %d", i);
	message_add_tool_result(conv_add(c, ROLE_USER), id, text, 0);
}

/* The request body of system and c with the planned breakpoints. */
static char *
body_of(const char *system, const struct conv *c, int long_ttl)
{
	struct config		cfg;
	struct model_request	req;
	struct context_cache	cp;
	json_t			*tools, *body;
	char			*s;

	memset(&cfg, 0, sizeof cfg);
	memset(&req, 0, sizeof req);
	tools = json_pack("[{s:s,s:s,s:{s:s}},{s:s,s:s,s:{s:s}}]",
	    "name", "read_file", "description", "Read a file.",
	    "input_schema", "type", "object",
	    "name", "bash", "description", "Run a command.",
	    "input_schema", "type", "object");
	context_cache_plan(system, c, long_ttl, &cp);
	req.model = "claude-sonnet-4-5";
	req.max_tokens = 1000;
	req.system = system;
	req.conv = c;
	req.tools = tools;
	req.cache = &cp;
	body = provider_anthropic_body(&cfg, &req);
	s = json_dumps(body, JSON_COMPACT);
	json_decref(body);
	json_decref(tools);
	return (s);
}

/* How many times needle occurs in s. */
static size_t
count(const char *s, const char *needle)
{
	size_t	n = 0;

	while ((s = strstr(s, needle)) != NULL) {
		n++;
		s += strlen(needle);
	}
	return (n);
}

/*
 * s without its breakpoint markers (the cache keys on the content, not on
 * where the markers are); the stripped offset of each marker in at[] (*n of
 * them, at most 8).
 */
static char *
strip(const char *s, size_t *at, size_t *n)
{
	static const char	 mark[] = ",\"cache_control\":{";
	char			*out = xmalloc(strlen(s) + 1), *o = out;
	const char		*p;

	*n = 0;
	while ((p = strstr(s, mark)) != NULL) {
		memcpy(o, s, (size_t)(p - s));
		o += p - s;
		if (*n < 8)
			at[(*n)++] = (size_t)(o - out);
		s = strchr(p + sizeof mark - 1, '}');
		assert_non_null(s);
		s++;
	}
	memcpy(o, s, strlen(s) + 1);
	return (out);
}

/* Every breakpoint of a: b has the same content bytes up to it. */
static void
assert_prefixes(const char *a, const char *b)
{
	size_t	 at[8], bt[8], n, m, i;
	char	*sa = strip(a, at, &n), *sb = strip(b, bt, &m);

	assert_true(n > 0);
	for (i = 0; i < n; i++) {
		if (strncmp(sa, sb, at[i]) != 0) {
			print_error("differs before breakpoint %zu at byte "
			    "%zu\n%s\n%s\n", i, at[i], sa, sb);
			fail();
		}
	}
	free(sa);
	free(sb);
}

static void
test_plan(void **state)
{
	struct context_cache	cp;
	struct conv		c;
	char			*s;
	int			i;

	conv_init(&c);
	context_cache_plan(SYSTEM MAP1, NULL, 0, &cp);
	assert_int_equal(cp.system_split, strlen(SYSTEM));
	assert_int_equal(cp.nmsgs, 0);
	context_cache_plan(SYSTEM, &c, 1, &cp);
	assert_int_equal(cp.system_split, 0);
	assert_true(cp.long_ttl);

	message_add_text(conv_add(&c, ROLE_USER), "the task");
	context_cache_plan(SYSTEM, &c, 0, &cp);
	assert_int_equal(cp.nmsgs, 1);
	assert_int_equal(cp.msgs[0], 0);
	for (i = 0; i < 3; i++)
		add_round(&c, i);
	/* 7 messages: the previous request's newest (4), the newest (6). */
	context_cache_plan(SYSTEM, &c, 0, &cp);
	assert_int_equal(cp.nmsgs, 2);
	assert_int_equal(cp.msgs[0], 4);
	assert_int_equal(cp.msgs[1], 6);
	conv_release(&c);

	/* A summary first: it gets one too, first. */
	conv_init(&c);
	s = xasprintf("%s\nSUMMARY", CONTEXT_SUMMARY_PREFIX);
	message_add_text(conv_add(&c, ROLE_USER), s);
	free(s);
	for (i = 0; i < 3; i++)
		add_round(&c, i);
	context_cache_plan(SYSTEM, &c, 0, &cp);
	assert_int_equal(cp.nmsgs, 3);
	assert_int_equal(cp.msgs[0], 0);
	assert_int_equal(cp.msgs[1], 4);
	assert_int_equal(cp.msgs[2], 6);
	conv_release(&c);
}

static void
test_body(void **state)
{
	struct conv	 c;
	char		*s, *p;
	int		 i;

	conv_init(&c);
	message_add_text(conv_add(&c, ROLE_USER), "the task");
	for (i = 0; i < 3; i++)
		add_round(&c, i);
	s = body_of(SYSTEM MAP1, &c, 1);
	/* At most 4: system, and the two planned messages. */
	assert_int_equal(count(s, "\"cache_control\""), 3);
	assert_int_equal(count(s, "\"ttl\":\"1h\""), 1);
	/* The 1 hour one first. */
	p = strstr(s, "\"cache_control\"");
	assert_non_null(p);
	assert_true(strncmp(p, TTL1H, strlen(TTL1H)) == 0);
	/* The map in a block of its own, after the breakpoint. */
	assert_non_null(strstr(s, "be brief.\\n\",\"cache_control\""));
	assert_non_null(strstr(s, "{\"type\":\"text\",\"text\":\"\\nRepository "
	    "map"));
	/* No breakpoint on the tools: the system one covers them. */
	assert_null(strstr(s, "\"object\"},\"cache_control\""));
	free(s);
	conv_release(&c);
}

static void
test_stable(void **state)
{
	struct conv	 c;
	char		*a, *b;
	int		 i;

	conv_init(&c);
	message_add_text(conv_add(&c, ROLE_USER), "the task");
	for (i = 0; i < 3; i++) {
		add_round(&c, i);
		a = body_of(SYSTEM MAP1, &c, 0);
		add_round(&c, i + 100);
		b = body_of(SYSTEM MAP1, &c, 0);
		/* The tool loop: the same bytes up to each breakpoint. */
		assert_prefixes(a, b);
		free(a);
		free(b);
	}
	/*
	 * A new user turn re-ranks the map: the system breakpoint holds
	 * (tools, base prompt, AGENTS.md), only what follows changes.
	 */
	a = body_of(SYSTEM MAP1, &c, 0);
	message_add_text(conv_add(&c, ROLE_ASSISTANT), "Done.");
	message_add_text(conv_add(&c, ROLE_USER), "next");
	b = body_of(SYSTEM MAP2, &c, 0);
	assert_int_equal(strncmp(a, b, (size_t)(strstr(a,
	    ",\"cache_control\"") - a)), 0);
	assert_int_not_equal(strcmp(a, b), 0);
	free(a);
	free(b);
	conv_release(&c);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_plan),
		cmocka_unit_test(test_body),
		cmocka_unit_test(test_stable),
	};

	return (cmocka_run_group_tests(tests, NULL, NULL));
}
