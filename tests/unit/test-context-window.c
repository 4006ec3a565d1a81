/*
 * test-context-window.c: the context window a local server names
 * (context-window.c): vLLM's /v1/models (the model's entry, else the
 * first), llama.cpp's /props, Ollama's /api/show (num_ctx over the trained
 * context_length), and what is not believed: junk, no number, windows
 * under 512 or over 100000000 tokens; the model table's known models.
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

static int64_t
parse(enum context_server kind, const char *s, const char *model)
{
	return (context_window_parse(kind, s, strlen(s), model));
}

static void
test_vllm(void **state)
{
	const char	*s = "{\"object\":\"list\",\"data\":["
	    "{\"id\":\"a\",\"max_model_len\":8192},"
	    "{\"id\":\"qwen\",\"max_model_len\":32768}]}";

	assert_int_equal(parse(CONTEXT_SERVER_VLLM, s, "qwen"), 32768);
	assert_int_equal(parse(CONTEXT_SERVER_VLLM, s, "other"), 8192);
	assert_int_equal(parse(CONTEXT_SERVER_VLLM, s, NULL), 8192);
	/* llama.cpp's and Ollama's /v1/models have no max_model_len. */
	assert_int_equal(parse(CONTEXT_SERVER_VLLM,
	    "{\"data\":[{\"id\":\"m\",\"meta\":{\"n_ctx_train\":4096}}]}",
	    "m"), 0);
	assert_int_equal(parse(CONTEXT_SERVER_VLLM, "{\"data\":7}", "m"), 0);
}

static void
test_llamacpp(void **state)
{
	assert_int_equal(parse(CONTEXT_SERVER_LLAMACPP,
	    "{\"default_generation_settings\":{\"n_ctx\":32768}}", NULL),
	    32768);
	assert_int_equal(parse(CONTEXT_SERVER_LLAMACPP, "{\"n_ctx\":4096}",
	    NULL), 4096);
	assert_int_equal(parse(CONTEXT_SERVER_LLAMACPP,
	    "{\"default_generation_settings\":{\"n_ctx\":\"big\"}}", NULL),
	    0);
}

static void
test_ollama(void **state)
{
	assert_int_equal(parse(CONTEXT_SERVER_OLLAMA,
	    "{\"model_info\":{\"general.architecture\":\"qwen2\","
	    "\"qwen2.context_length\":131072}}", "q"), 131072);
	/* What the server runs with wins. */
	assert_int_equal(parse(CONTEXT_SERVER_OLLAMA,
	    "{\"parameters\":\"stop x\\nnum_ctx 16384\\n\",\"model_info\":"
	    "{\"qwen2.context_length\":131072}}", "q"), 16384);
	assert_int_equal(parse(CONTEXT_SERVER_OLLAMA,
	    "{\"parameters\":\"xnum_ctx 9\",\"model_info\":{}}", "q"), 0);
}

static void
test_untrusted(void **state)
{
	assert_int_equal(parse(CONTEXT_SERVER_LLAMACPP, "not json", NULL), 0);
	assert_int_equal(parse(CONTEXT_SERVER_LLAMACPP, "", NULL), 0);
	assert_int_equal(parse(CONTEXT_SERVER_LLAMACPP, "[1,2]", NULL), 0);
	assert_int_equal(parse(CONTEXT_SERVER_LLAMACPP, "{\"n_ctx\":100}",
	    NULL), 0);
	assert_int_equal(parse(CONTEXT_SERVER_LLAMACPP,
	    "{\"n_ctx\":1000000000000}", NULL), 0);
	assert_int_equal(parse(CONTEXT_SERVER_LLAMACPP, "{\"n_ctx\":-5}",
	    NULL), 0);
	assert_int_equal(context_window_parse(CONTEXT_SERVER_VLLM, NULL, 0,
	    NULL), 0);
	assert_string_equal(context_server_name(CONTEXT_SERVER_OLLAMA),
	    "Ollama /api/show");
}

static void
test_known(void **state)
{
	assert_true(context_model_known("claude-sonnet-4-5"));
	assert_true(context_model_known("gpt-4o-mini"));
	assert_false(context_model_known("qwen2.5-coder:32b"));
	assert_false(context_model_known(NULL));
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_vllm),
		cmocka_unit_test(test_llamacpp),
		cmocka_unit_test(test_ollama),
		cmocka_unit_test(test_untrusted),
		cmocka_unit_test(test_known),
	};

	return (cmocka_run_group_tests(tests, NULL, NULL));
}
