/*
 * policy.h: permission rules (issue 12).  Include after agentos.h.
 *
 * The approval policy (policy.c; the perm_* functions of agentos.h) decides
 * each tool call from the permission mode and from rules in the form Claude
 * Code users know: "Bash(npm run test:*)", "Bash(git status)",
 * "Edit(src/...)", "Read(~/.ssh/...)", "Grep", "mcp__github__*".  Rules come
 * from the options permissions.allow, permissions.ask and permissions.deny
 * (the user's config and a trusted project's, merged) and from the session
 * (the approval panel's "always", /permissions).  Deny wins over ask, ask
 * over allow, then the mode decides; deny applies in every mode, bypass
 * included.  Commands are parsed with the tree-sitter bash grammar
 * (policy-bash.c): a compound command is allowed by rules only when every
 * simple command in it is.  Writes to protected paths (.git/, .agentos/,
 * .mcp.json, instruction files, hooks) need an explicit approval naming the
 * path in every mode but bypass.
 */
#ifndef POLICY_H
#define POLICY_H

#include <stddef.h>

enum policy_kind {
	POLICY_ALLOW,
	POLICY_ASK,
	POLICY_DENY,
};
#define POLICY_KIND_COUNT 3

/* "allow", "ask" or "deny". */
const char *policy_kind_name(enum policy_kind k);
/* The kind named s; 0, or -1 when s is none of them. */
int	 policy_kind_from_name(const char *s, enum policy_kind *k);

/*
 * Check the syntax of one rule text (for the options rows: a bad rule is
 * an options problem, reported and then ignored).  0, or -1 with cause.
 */
int	 policy_rule_check(const char *text, char **cause);

/*
 * The repository root that relative rule paths and declared effects are
 * resolved against (copied).  Without one, the current directory.
 */
void	 perm_set_root(struct perm *p, const char *root);
/*
 * Add the rules of cfg's options permissions.allow, .ask and .deny (the
 * origin is the options' source: the user's or the project's config, the
 * command line).  Rules that do not parse are skipped (they were reported
 * as options problems).
 */
void	 perm_load_config(struct perm *p, const struct config *cfg);
/*
 * Add a rule of kind from text, from origin ("session", a config file's
 * path; copied).  session: /permissions rm may remove it.  A rule already
 * there is not added twice.  0, or -1 with cause when text does not parse.
 */
int	 perm_add_rule(struct perm *p, enum policy_kind kind, const char *text,
	    const char *origin, int session, char **cause);
/* The number of rules, and the i-th one (borrowed strings); -1 past it. */
size_t	 perm_rules(struct perm *p);
int	 perm_rule_at(struct perm *p, size_t i, enum policy_kind *kind,
	    const char **text, const char **origin, int *session);
/* Remove rule i when it is a session rule; 0, or -1 with cause. */
int	 perm_remove_rule(struct perm *p, size_t i, char **cause);

/* What perm_decide() found. */
struct perm_verdict {
	enum perm_decision	 d;
	char			*rule;		/* "deny Bash(rm:*)": the rule
						   that decided, or NULL (the
						   mode did) */
	char			*origin;	/* where that rule came from */
	char			*protect;	/* a protected path the call
						   writes (relative to the
						   root): asked, naming it */
	char			*why;		/* PERM_DENY: for the model;
						   PERM_ASK_USER: why asked
						   (may be NULL) */
};
/*
 * Decide a call of tool name with effects fx (both borrowed) into v
 * (released by perm_verdict_release()).  Deny rules in every mode; then
 * ask rules (not in bypass); protected paths (not in bypass: ask, naming
 * the path); the modes bypass and plan; allow rules; then the mode.
 */
void	 perm_decide(struct perm *p, const char *name,
	    const struct tool_effects *fx, struct perm_verdict *v);
void	 perm_verdict_release(struct perm_verdict *v);

/*
 * The "always" choices for a call: each is one or more rule texts
 * separated by newlines (for a compound command, one rule per simple
 * command not yet allowed), narrowest first: this exact command, then its
 * own subcommand prefix ("git status:*") when it has one; for edits the
 * file, then its directory; else the tool's name.  Returns the number of
 * choices (up to 4) in *out, an array the caller frees with its strings;
 * 0 when nothing can be saved (an opaque command).
 */
size_t	 perm_always_choices(struct perm *p, const char *name,
	    const struct tool_effects *fx, char ***out);
/*
 * Add every rule of choice (rule texts separated by newlines) as a session
 * allow rule.
 */
void	 perm_allow_choice(struct perm *p, const char *choice);
/*
 * Append the rules of choice to permissions.allow of the user's config
 * file at path (config_user_path()), creating it, keeping its other keys;
 * written atomically (a temporary file renamed).  0, or -1 with cause.
 */
int	 policy_save_user_rules(const char *path, const char *choice,
	    char **cause);

/*
 * The path (relative to the root) when abs (an absolute, normalised path)
 * is a protected path of the repository at root, else NULL; case is folded.
 * Caller frees.
 */
char	*policy_protected(const char *root, const char *abs);
/*
 * The absolute form of path (relative to root, absolute, or "~/"),
 * normalised ("." and ".." removed) with the symlinks of its existing
 * components resolved.  Caller frees.
 */
char	*policy_abspath(const char *root, const char *path);

/* policy-bash.c: what a shell command line runs */

struct policy_word {
	char		*s;		/* the word as the shell would see it
					   (quotes removed) */
	int		 dyn;		/* it has expansions: the text is not
					   what runs */
};
struct policy_cmd {
	struct policy_word	*w;
	size_t			 n, alloc;
	int			 open;	/* more arguments come at run time
					   (xargs, find -exec): exact rules
					   do not match */
};
struct policy_cmdline {
	struct policy_cmd	*v;	/* every simple command, wrappers
					   unwrapped */
	size_t			 n, alloc;
	char			*opaque; /* why no rule can allow it (eval,
					   a heredoc with expansions, a
					   parse error), or NULL */
	char			**writes; /* absolute paths redirections
					   write */
	size_t			 nwrites, awrites;
};
/*
 * Parse command (a bash command line) into cl (zeroed by the caller): its
 * simple commands, with env, timeout, nice, nohup, time, command, exec,
 * xargs, sh -c and bash -c, find -exec unwrapped (the inner command is the
 * one listed), and the files its redirections write (resolved against
 * root).  What it cannot understand sets cl->opaque.  Never fails.
 */
void	 policy_bash_parse(const char *command, const char *root,
	    struct policy_cmdline *cl);
void	 policy_cmdline_release(struct policy_cmdline *cl);
/* The words of c joined by spaces (for messages and rules); caller frees. */
char	*policy_cmd_text(const struct policy_cmd *c);

#endif /* POLICY_H */
