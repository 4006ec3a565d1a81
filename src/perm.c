/* perm.c: the approval policy: modes and "always" answers. */
#include <ctype.h>
#include <stdlib.h>
#include <string.h>

#include "agentos.h"
#include "banned.h"

struct perm_list {
	char	**v;
	size_t	  nr, alloc;
};

struct perm {
	enum perm_mode		mode;
	struct perm_list	tools;		/* edit tools allowed always */
	struct perm_list	prefixes;	/* command prefixes */
	struct perm_list	commands;	/* whole compound commands */
};

static int	perm_list_has(struct perm_list *, const char *);
static void	perm_list_add(struct perm_list *, const char *);
static void	perm_list_free(struct perm_list *);
static int	perm_compound(const char *);
static int	perm_subcommand(const char *, size_t);
static char	*perm_trim(const char *);

/* Is s in the list? */
static int
perm_list_has(struct perm_list *l, const char *s)
{
	size_t	i;

	for (i = 0; i < l->nr; i++) {
		if (strcmp(l->v[i], s) == 0)
			return (1);
	}
	return (0);
}

/* Add a copy of s to the list once. */
static void
perm_list_add(struct perm_list *l, const char *s)
{
	if (perm_list_has(l, s))
		return;
	ALLOC_GROW(l->v, l->nr + 1, l->alloc);
	l->v[l->nr++] = xstrdup(s);
}

/* Free the list's strings and array. */
static void
perm_list_free(struct perm_list *l)
{
	size_t	i;

	for (i = 0; i < l->nr; i++)
		free(l->v[i]);
	free(l->v);
}

/*
 * A command whose effect a prefix cannot describe: several commands
 * (; && || & | newline), substitutions ($( and backticks), redirections
 * (< >), subshells and groups, or a leading VAR=value assignment.
 */
static int
perm_compound(const char *cmd)
{
	const char	*p;

	if (strpbrk(cmd, ";&|`<>(){}\n") != NULL || strstr(cmd, "$(") != NULL)
		return (1);
	for (p = cmd; *p != '\0' && !isspace((unsigned char)*p); p++) {
		if (*p == '=')
			return (1);
	}
	return (0);
}

/* Does the word (len bytes) look like a subcommand ("status", "run")? */
static int
perm_subcommand(const char *w, size_t len)
{
	size_t	i;

	if (len == 0 || !islower((unsigned char)w[0]))
		return (0);
	for (i = 0; i < len; i++) {
		if (!islower((unsigned char)w[i]) &&
		    !isdigit((unsigned char)w[i]) && strchr("-_:", w[i]) ==
		    NULL)
			return (0);
	}
	return (1);
}

/* The command without leading and trailing white space; caller frees. */
static char *
perm_trim(const char *s)
{
	const char	*e;

	while (isspace((unsigned char)*s))
		s++;
	e = s + strlen(s);
	while (e > s && isspace((unsigned char)e[-1]))
		e--;
	return (xstrndup(s, e - s));
}

struct perm *
perm_create(enum perm_mode mode)
{
	struct perm	*p = xcalloc(1, sizeof *p);

	p->mode = mode;
	return (p);
}

void
perm_free(struct perm *p)
{
	if (p == NULL)
		return;
	perm_list_free(&p->tools);
	perm_list_free(&p->prefixes);
	perm_list_free(&p->commands);
	free(p);
}

enum perm_mode
perm_get_mode(struct perm *p)
{
	return (p->mode);
}

void
perm_set_mode(struct perm *p, enum perm_mode mode)
{
	p->mode = mode;
}

/*
 * Shift-Tab cycles ask -> accept-edits -> plan -> ask, as Claude Code
 * cycles default -> acceptEdits -> plan.  Bypass is never reached by the
 * key (it is chosen on purpose, with --permission-mode bypass); from bypass
 * the key goes back to ask.
 */
enum perm_mode
perm_next_mode(enum perm_mode mode)
{
	switch (mode) {
	case PERM_ASK:
		return (PERM_ACCEPT_EDITS);
	case PERM_ACCEPT_EDITS:
		return (PERM_PLAN);
	case PERM_PLAN:
	case PERM_BYPASS:
		return (PERM_ASK);
	}
	return (PERM_ASK);
}

/*
 * The first word, and the second too when it looks like a subcommand (a
 * lower-case word of letters, digits, - _ :, as in "git status", "npm run",
 * "cargo test"); options, paths and file names are not part of it.  A
 * compound command (see perm_compound) is its own prefix: "always" then
 * approves exactly that command.
 */
char *
perm_command_prefix(const char *command)
{
	char		*cmd = perm_trim(command), *prefix;
	const char	*w2, *e2;
	size_t		 n1;

	if (perm_compound(cmd) || *cmd == '\0')
		return (cmd);
	n1 = strcspn(cmd, " \t");
	w2 = cmd + n1;
	while (*w2 == ' ' || *w2 == '\t')
		w2++;
	e2 = w2 + strcspn(w2, " \t");
	if (perm_subcommand(w2, e2 - w2))
		prefix = xasprintf("%.*s %.*s", (int)n1, cmd, (int)(e2 - w2),
		    w2);
	else
		prefix = xstrndup(cmd, n1);
	free(cmd);
	return (prefix);
}

int
perm_command_exact(const char *command)
{
	char	*cmd = perm_trim(command);
	int	 exact = perm_compound(cmd);

	free(cmd);
	return (exact);
}

enum perm_decision
perm_check(struct perm *p, const char *name, const struct tool_effects *fx,
    char **why)
{
	char			*cmd;
	size_t			 i, len;
	enum perm_decision	 d = PERM_ASK_USER;

	if (why != NULL)
		*why = NULL;
	if (!tool_effects_mutates(fx))
		return (PERM_ALLOW);
	switch (p->mode) {
	case PERM_BYPASS:
		return (PERM_ALLOW);
	case PERM_PLAN:
		if (why != NULL)
			*why = xasprintf("plan mode: only read-only tools run; "
			    "%s was not run. Finish the plan and present it; "
			    "the user switches modes to carry it out.", name);
		return (PERM_DENY);
	case PERM_ACCEPT_EDITS:
		if ((fx->flags & (EFFECT_EXEC | EFFECT_UNKNOWN)) == 0 &&
		    (fx->flags & EFFECT_EDIT))
			return (PERM_ALLOW);
		break;
	case PERM_ASK:
		break;
	}
	if ((fx->flags & EFFECT_EXEC) == 0)
		return (perm_list_has(&p->tools, name) ? PERM_ALLOW :
		    PERM_ASK_USER);

	if (fx->command == NULL)
		return (PERM_ASK_USER);
	cmd = perm_trim(fx->command);
	if (perm_list_has(&p->commands, cmd))
		d = PERM_ALLOW;
	else if (!perm_compound(cmd)) {
		/* An approved prefix followed by nothing or a blank. */
		for (i = 0; i < p->prefixes.nr; i++) {
			len = strlen(p->prefixes.v[i]);
			if (strncmp(cmd, p->prefixes.v[i], len) == 0 &&
			    (cmd[len] == '\0' || cmd[len] == ' ' ||
			    cmd[len] == '\t')) {
				d = PERM_ALLOW;
				break;
			}
		}
	}
	free(cmd);
	return (d);
}

void
perm_allow_always(struct perm *p, const char *name,
    const struct tool_effects *fx)
{
	char	*cmd;

	if ((fx->flags & EFFECT_EXEC) == 0) {
		perm_list_add(&p->tools, name);
		return;
	}
	if (fx->command == NULL)
		return;
	cmd = perm_trim(fx->command);
	if (perm_compound(cmd))
		perm_list_add(&p->commands, cmd);
	else {
		free(cmd);
		cmd = perm_command_prefix(fx->command);
		perm_list_add(&p->prefixes, cmd);
	}
	free(cmd);
}
