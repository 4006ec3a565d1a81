/*
 * secret.h: known secret values kept out of what the model is sent
 * (issue 12).  The session log has its own patterns (session-redact.c);
 * this is about the conversation: a tool result that prints the provider
 * key (`echo $ANTHROPIC_API_KEY` in an unscrubbed shell, a file that holds
 * it) or a value of the repository's .env files has each such value
 * replaced by "[redacted NAME]" before the result enters the
 * conversation, the log and the screen.
 *
 * Include after agentos.h.
 */
#ifndef SECRET_H
#define SECRET_H

#include <stddef.h>

struct buf;
struct config;

/* Values shorter than this are not redacted (too many false hits). */
#define SECRET_MIN_LEN	8

struct secret {
	char	*name;		/* "ANTHROPIC_API_KEY", ".env DB_PASS" */
	char	*value;
};
/* One form a value may appear in: as it is, or encoded. */
struct secret_form {
	char	*text;		/* what to look for */
	size_t	 len;		/* bytes */
	char	*label;		/* "NAME" or "NAME, base64" */
};
struct secrets {
	struct secret		*v;	/* longest value first (collect) */
	size_t			 n, alloc;
	struct secret_form	*forms;	/* longest text first, always */
	size_t			 nforms, aforms;
};

/*
 * Collect the known secrets: cfg's api_key (named by the provider's key
 * variable), the values of agentos's environment variables whose names
 * look secret (KEY, SECRET, TOKEN, PASSWORD, CREDENTIAL, PASSWD; not those
 * sandbox.keep_env gives to commands on purpose), and the
 * KEY=VALUE lines of root's .env* files (regular files, 256 KiB each,
 * "export " and quotes stripped).  Values under SECRET_MIN_LEN bytes are
 * left out.  cfg and root may be NULL.  Release with secrets_release().
 */
void	 secrets_collect(struct secrets *s, const struct config *cfg,
	    const char *root);
void	 secrets_release(struct secrets *s);
/*
 * Add one secret (copied); a value under SECRET_MIN_LEN is ignored.  Its
 * forms are computed once here: the value itself; base64 in the standard
 * and the URL-safe alphabets (RFC 4648 sections 4 and 5) at each of the
 * three byte alignments the value can have inside a longer encoded stream
 * (only the characters that depend on the value's bytes alone); hex in
 * lower and upper case; and percent-encoding (RFC 3986 section 2.1, both
 * cases of hex digit) when the value has bytes outside the unreserved set.
 */
void	 secrets_add(struct secrets *s, const char *name, const char *value);
/*
 * Replace every occurrence in b of each form of each value of s by
 * "[redacted NAME]" (an encoded form by "[redacted NAME, base64]" and so
 * on; one or two characters of a base64 neighbour may stay, each holding
 * a few bits of the value).
 * b keeps its cap and truncated flag (the replacement may be longer; it is
 * not cut).  Returns how many were replaced.
 */
size_t	 secrets_redact(const struct secrets *s, struct buf *b);

#endif /* SECRET_H */
