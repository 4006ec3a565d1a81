/*
 * trust.h: folder trust (issue 12).  A repository's own files can grant
 * capabilities: .agentos/config.json (the keys with OPTION_GRANTS:
 * permission_mode, base_url, api_key, lsp.servers, sandbox.*, ...),
 * .mcp.json (servers to start) and .agentos/commands/.  Until the user
 * trusts the repository those grants do not apply (options.c holds them).
 * Trust is recorded per repository, as its root path and a SHA-256
 * fingerprint of those files' contents, in
 * $XDG_STATE_HOME/agentos/trust.json (~/.local/state/agentos/trust.json;
 * directory 0700, file 0600); a change to the files asks again.
 *
 * AGENTS.md and CLAUDE.md are not part of it: they grant nothing (the model
 * they steer still goes through approvals and the sandbox) and any file the
 * model reads could carry the same words, so they are read, confined, in
 * every repository.
 *
 * Include after agentos.h.
 */
#ifndef TRUST_H
#define TRUST_H

#include <stddef.h>

struct config;

/* The project files trust covers, found in a repository. */
struct trust_files {
	char		**v;		/* relative paths, sorted */
	size_t		  n;
	char		 *fingerprint;	/* SHA-256 hex of names and contents;
					   NULL when n is 0 */
};

enum trust_state {
	TRUST_NONE,			/* none of the files: nothing to ask */
	TRUST_UNKNOWN,			/* never trusted */
	TRUST_CHANGED,			/* trusted, but the files changed */
	TRUST_YES,			/* trusted as the files are */
	TRUST_NEVER,			/* the user said: never ask */
};

/*
 * Find the files of root that trust covers and fingerprint them (each
 * regular file read up to 1 MiB, opened non-blocking so a fifo cannot
 * hang; a non-regular file counts by its type).  Release with
 * trust_files_release().
 */
void	 trust_scan(const char *root, struct trust_files *tf);
void	 trust_files_release(struct trust_files *tf);

/* The trust record's path (caller frees), or NULL without $HOME. */
char	*trust_state_path(void);

/*
 * What the record says of root with the files tf.  An unreadable record is
 * TRUST_UNKNOWN (cause set when it exists but cannot be read; the caller
 * frees it).
 */
enum trust_state trust_check(const char *root, const struct trust_files *tf,
	    char **cause);
/*
 * Record that root is trusted with the files tf as they are now (replaces
 * an older entry), or forget root's entry.  0 or -1 with cause.
 */
int	 trust_record(const char *root, const struct trust_files *tf,
	    char **cause);
int	 trust_forget(const char *root, char **cause);
/*
 * Record that the user does not want to be asked about root again (its
 * settings stay unapplied until `agentos trust yes`).  0 or -1 with cause.
 */
int	 trust_record_never(const char *root, char **cause);

/*
 * Whether trusting root would change anything: held config keys
 * (options_held()), a .mcp.json or custom commands.
 */
int	 trust_wanted(const struct config *cfg, const struct trust_files *tf);
/*
 * The short list of what is not applied: held keys and files, "KEY, KEY,
 * .mcp.json" (caller frees); control characters replaced.
 */
char	*trust_keys(const struct config *cfg, const struct trust_files *tf);
/*
 * What trusting would change, one line per item ("permission_mode =
 * \"bypass\"", "lsp.servers.x.command = [...]", ".mcp.json: server s
 * runs: cmd args"), secrets redacted, control characters replaced, each
 * line cut at 200 columns; with max_lines (not 0) at most that many lines
 * and a last one saying how many more (caller frees).
 */
char	*trust_summary(const struct config *cfg, const char *root,
	    const struct trust_files *tf, size_t max_lines);
/* Trust root for this run: cfg->project_trusted and the held keys. */
void	 trust_apply(struct config *cfg);
/*
 * At start (main): set cfg->project_trusted when forced (--trust-project)
 * or recorded, and apply the held keys then.  Returns the state; tf is
 * filled (release it).
 */
enum trust_state trust_start(struct config *cfg, const char *root,
	    int forced, struct trust_files *tf);

#endif /* TRUST_H */
