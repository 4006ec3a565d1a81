/*
 * test-trust.c: folder trust: which files are covered and their
 * fingerprint (a change, a fifo, commands in order), the record (0600 in a
 * 0700 directory, per root, forgotten), and what the question lists
 * (secrets redacted, controls replaced, .mcp.json commands).
 */
#include <sys/stat.h>

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
#include "options.h"
#include "trust.h"

static char	tmp[] = "/tmp/agentos-trust-XXXXXX";
static char	*repo;

/* Write text to repo/rel, making its directory. */
static void
put(const char *rel, const char *text)
{
	char	*path, *cmd;
	FILE	*f;

	path = xasprintf("%s/%s", repo, rel);
	cmd = xasprintf("mkdir -p \"$(dirname '%s')\"", path);
	assert_int_equal(system(cmd), 0);
	free(cmd);
	assert_non_null(f = fopen(path, "w"));
	fputs(text, f);
	fclose(f);
	free(path);
}

static int
setup(void **state)
{
	char	*s;

	(void)state;
	assert_non_null(mkdtemp(tmp));
	repo = xasprintf("%s/repo", tmp);
	assert_int_equal(mkdir(repo, 0755), 0);
	s = xasprintf("%s/state", tmp);
	setenv("XDG_STATE_HOME", s, 1);
	free(s);
	s = xasprintf("%s/config", tmp);
	setenv("XDG_CONFIG_HOME", s, 1);
	free(s);
	return (0);
}

static int
teardown(void **state)
{
	char	*cmd;

	(void)state;
	cmd = xasprintf("rm -rf '%s'", tmp);
	assert_int_equal(system(cmd), 0);
	free(cmd);
	free(repo);
	return (0);
}

static void
test_scan(void **state)
{
	struct trust_files	 tf;
	char			*fp, *path;

	(void)state;
	trust_scan(repo, &tf);
	assert_int_equal(tf.n, 0);
	assert_null(tf.fingerprint);
	trust_files_release(&tf);

	put(".agentos/config.json", "{\"theme\": \"light\"}");
	put(".agentos/commands/zeta.md", "z");
	put(".agentos/commands/sub/alpha.md", "a");
	put("AGENTS.md", "not covered");
	path = xasprintf("%s/.mcp.json", repo);
	assert_int_equal(mkfifo(path, 0600), 0);	/* must not hang */
	trust_scan(repo, &tf);
	assert_int_equal(tf.n, 4);
	assert_string_equal(tf.v[0], ".agentos/config.json");
	assert_string_equal(tf.v[1], ".mcp.json");
	assert_string_equal(tf.v[2], ".agentos/commands/sub/alpha.md");
	assert_string_equal(tf.v[3], ".agentos/commands/zeta.md");
	assert_int_equal(strlen(tf.fingerprint), 64);
	fp = xstrdup(tf.fingerprint);
	trust_files_release(&tf);
	assert_int_equal(unlink(path), 0);
	free(path);

	/* Same files, same fingerprint; one byte more, another. */
	put(".mcp.json", "{}");
	trust_scan(repo, &tf);
	assert_string_not_equal(tf.fingerprint, fp);
	free(fp);
	fp = xstrdup(tf.fingerprint);
	trust_files_release(&tf);
	trust_scan(repo, &tf);
	assert_string_equal(tf.fingerprint, fp);
	trust_files_release(&tf);
	put(".agentos/commands/zeta.md", "zz");
	trust_scan(repo, &tf);
	assert_string_not_equal(tf.fingerprint, fp);
	trust_files_release(&tf);
	put("AGENTS.md", "still not covered");
	free(fp);
}

static void
test_record(void **state)
{
	struct trust_files	 tf;
	struct stat		 sb;
	char			*cause = NULL, *path, *dir;

	(void)state;
	put(".agentos/config.json", "{\"permission_mode\": \"bypass\"}");
	trust_scan(repo, &tf);
	assert_int_equal(trust_check(repo, &tf, &cause), TRUST_UNKNOWN);
	assert_null(cause);
	assert_int_equal(trust_record(repo, &tf, &cause), 0);
	assert_int_equal(trust_check(repo, &tf, &cause), TRUST_YES);
	path = trust_state_path();
	assert_int_equal(stat(path, &sb), 0);
	assert_int_equal(sb.st_mode & 07777, 0600);
	dir = xstrdup(path);
	*strrchr(dir, '/') = '\0';
	assert_int_equal(stat(dir, &sb), 0);
	assert_int_equal(sb.st_mode & 07777, 0700);
	free(dir);
	/* Another root is not trusted by it. */
	assert_int_equal(trust_check("/elsewhere", &tf, &cause),
	    TRUST_UNKNOWN);
	trust_files_release(&tf);

	put(".agentos/config.json", "{\"permission_mode\": \"plan\"}");
	trust_scan(repo, &tf);
	assert_int_equal(trust_check(repo, &tf, &cause), TRUST_CHANGED);
	assert_int_equal(trust_forget(repo, &cause), 0);
	assert_int_equal(trust_check(repo, &tf, &cause), TRUST_UNKNOWN);
	assert_int_equal(trust_forget(repo, &cause), 0);

	/* A broken record is said, and not overwritten. */
	put("../state/agentos/trust.json", "{broken");
	assert_int_equal(trust_check(repo, &tf, &cause), TRUST_UNKNOWN);
	assert_non_null(cause);
	free(cause);
	cause = NULL;
	assert_int_equal(trust_record(repo, &tf, &cause), -1);
	assert_non_null(strstr(cause, "trust.json"));
	free(cause);
	unlink(path);
	free(path);
	trust_files_release(&tf);
}

static void
test_summary(void **state)
{
	struct trust_files	 tf;
	struct config		 cfg;
	char			*cause = NULL, *s;

	(void)state;
	put(".agentos/config.json", "{\"permission_mode\": \"bypass\", "
	    "\"api_key\": \"sk-very-secret\", \"theme\": \"light\", "
	    "\"base_url\": \"http://a\\u001b[2Jb\"}");
	put(".mcp.json", "{\"mcpServers\": {\"gh\": {\"command\": \"npx\", "
	    "\"args\": [\"-y\", \"server\"]}, \"web\": {\"url\": "
	    "\"https://example.com/mcp\"}}}");
	assert_int_equal(config_load(&cfg, repo, &cause), 0);
	assert_int_equal(trust_start(&cfg, repo, 0, &tf), TRUST_UNKNOWN);
	assert_false(cfg.project_trusted);
	assert_true(trust_wanted(&cfg, &tf));
	s = trust_keys(&cfg, &tf);
	/* test_scan left custom commands. */
	assert_string_equal(s, "permission_mode, api_key, base_url, "
	    ".mcp.json servers, .agentos/commands/");
	free(s);
	s = trust_summary(&cfg, repo, &tf, 0);
	assert_non_null(strstr(s, "permission_mode = \"bypass\""));
	assert_non_null(strstr(s, "api_key = [redacted]"));
	assert_null(strstr(s, "sk-very-secret"));
	assert_null(strstr(s, "theme"));
	assert_null(strchr(s, '\033'));
	assert_non_null(strstr(s, "server gh: runs npx -y server"));
	assert_non_null(strstr(s, "server web: connects to "
	    "https://example.com/mcp"));
	assert_non_null(strstr(s, "  .agentos/commands/zeta.md"));
	free(s);
	s = trust_summary(&cfg, repo, &tf, 2);
	assert_non_null(strstr(s, "permission_mode"));
	assert_null(strstr(s, "base_url"));
	assert_non_null(strstr(s, "more (agentos trust status lists them "
	    "all)"));
	free(s);
	trust_files_release(&tf);
	config_release(&cfg);

	/* Forced (--trust-project): applied, not recorded. */
	assert_int_equal(config_load(&cfg, repo, &cause), 0);
	trust_start(&cfg, repo, 1, &tf);
	assert_true(cfg.project_trusted);
	assert_int_equal(cfg.perm_mode, PERM_BYPASS);
	assert_int_equal(trust_check(repo, &tf, &cause), TRUST_UNKNOWN);
	trust_files_release(&tf);
	config_release(&cfg);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_scan),
		cmocka_unit_test(test_record),
		cmocka_unit_test(test_summary),
	};

	unsetenv("ANTHROPIC_API_KEY");
	return (cmocka_run_group_tests(tests, setup, teardown));
}
