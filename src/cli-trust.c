/* cli-trust.c: `agentos trust [status|yes|no]`: folder trust by hand. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "agentos.h"
#include "options.h"
#include "trust.h"
#include "banned.h"

int	cli_trust_exec(int, char **, const char *, struct config *);

/* The words for a state. */
static const char *const cli_trust_words[] = {
	"nothing to trust (no .agentos/config.json, .mcp.json or "
	    ".agentos/commands/)",
	"not trusted",
	"not trusted: the files changed since it was trusted",
	"trusted",
	"not trusted, and not asked about (agentos trust yes trusts it)",
};

/* agentos trust [status|yes|no]: show, record or forget root's trust. */
int
cli_trust_exec(int argc, char **argv, const char *root, struct config *cfg)
{
	struct trust_files	 tf;
	enum trust_state	 st;
	const char		*verb = argc > 1 ? argv[1] : "status";
	char			*cause = NULL, *s, *path;
	size_t			 i;
	int			 rc = 1;

	if (argc > 2 || (strcmp(verb, "status") != 0 &&
	    strcmp(verb, "yes") != 0 && strcmp(verb, "no") != 0)) {
		fprintf(stderr, "usage: agentos trust [status|yes|no]\n");
		return (2);
	}
	trust_scan(root, &tf);
	if (strcmp(verb, "yes") == 0) {
		if (trust_record(root, &tf, &cause) != 0)
			goto fail;
		printf("trusted %s (%s)\n", root, tf.fingerprint);
		rc = 0;
		goto out;
	}
	if (strcmp(verb, "no") == 0) {
		if (trust_forget(root, &cause) != 0)
			goto fail;
		printf("%s is no longer trusted\n", root);
		rc = 0;
		goto out;
	}
	st = trust_check(root, &tf, &cause);
	if (cause != NULL) {
		fprintf(stderr, "agentos: %s\n", cause);
		free(cause);
		cause = NULL;
	}
	printf("%s: %s%s\n", root, cli_trust_words[st],
	    st != TRUST_YES && cfg->project_trusted ? " (trusted for this "
	    "run by --trust-project)" : "");
	for (i = 0; i < tf.n; i++)
		printf("  file %s\n", tf.v[i]);
	if (tf.fingerprint != NULL)
		printf("  fingerprint %s\n", tf.fingerprint);
	if ((path = trust_state_path()) != NULL)
		printf("  record %s\n", path);
	free(path);
	if (!cfg->project_trusted && trust_wanted(cfg, &tf)) {
		s = trust_summary(cfg, root, &tf, 0);
		printf("Not applied until trusted (agentos trust yes):\n%s\n",
		    s);
		free(s);
	}
	rc = 0;
	goto out;
fail:
	fprintf(stderr, "agentos: trust: %s\n", cause);
	free(cause);
out:
	trust_files_release(&tf);
	return (rc);
}
