/*
 * policy.c: the approval policy: permission modes, permission rules
 * (allow, ask, deny; see policy.h), protected paths and the "always"
 * answers of the approval panel.  Grown from perm.c: the perm_* functions
 * of agentos.h live here.
 */
#include <sys/stat.h>

#include <ctype.h>
#include <errno.h>
#include <fnmatch.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "agentos.h"
#include "options.h"
#include "policy.h"
#include "banned.h"

#define POLICY_NITEMS(a) (sizeof (a) / sizeof (a)[0])
/* Symlinks followed in one path. */
#define POLICY_MAX_LINKS 40

/* What a rule is about. */
enum rule_class {
	RULE_NAME,			/* a tool by name (Grep, mcp__x__y) */
	RULE_BASH,			/* Bash(command): commands */
	RULE_READ,			/* Read(path): files read or searched */
	RULE_WRITE,			/* Edit(path), Write(path): files
					   written */
};

struct policy_rule {
	enum policy_kind	 kind;
	char			*text;		/* as written, trimmed */
	char			*origin;
	int			 session;
	enum rule_class		 cls;
	char			*tool;		/* RULE_NAME: the tool name, or
						   the prefix when prefix */
	int			 prefix;	/* RULE_NAME: mcp__server__;
						   RULE_BASH: a :* rule */
	char			**words;	/* RULE_BASH; none: any
						   command */
	size_t			 nwords;
	char			*path;		/* RULE_READ, RULE_WRITE: the
						   pattern; NULL: any path */
};

struct perm {
	enum perm_mode		 mode;
	char			*root;		/* canonical */
	struct policy_rule	*rules;
	size_t			 nrules, arules;
};

/* Claude Code's tool names and ours, and what their rules are about. */
static const struct {
	const char		*name;
	enum rule_class		 cls;
	const char		*tool;		/* RULE_NAME: our name */
} policy_names[] = {
	{ "Bash", RULE_BASH, NULL },
	{ "bash", RULE_BASH, NULL },
	{ "Read", RULE_READ, NULL },
	{ "read_file", RULE_READ, NULL },
	{ "Edit", RULE_WRITE, NULL },
	{ "MultiEdit", RULE_WRITE, NULL },
	{ "Write", RULE_WRITE, NULL },
	{ "edit_file", RULE_WRITE, NULL },
	{ "write_file", RULE_WRITE, NULL },
	{ "Grep", RULE_NAME, "grep" },
	{ "Glob", RULE_NAME, "glob" },
	{ "LS", RULE_NAME, "glob" },
};

static const char *const policy_kind_names[] = {
	[POLICY_ALLOW] = "allow",
	[POLICY_ASK] = "ask",
	[POLICY_DENY] = "deny",
};

static void	policy_rule_release(struct policy_rule *);
static int	policy_rule_parse(const char *, struct policy_rule *,
		    char **);
static char	*policy_pattern(const struct perm *, const char *);
static int	policy_glob(const char *, const char *);

const char *
policy_kind_name(enum policy_kind k)
{
	return (policy_kind_names[k]);
}

int
policy_kind_from_name(const char *s, enum policy_kind *k)
{
	int	i;

	for (i = 0; i < POLICY_KIND_COUNT; i++) {
		if (strcmp(s, policy_kind_names[i]) == 0) {
			*k = i;
			return (0);
		}
	}
	return (-1);
}

/* Free what a parsed rule holds. */
static void
policy_rule_release(struct policy_rule *r)
{
	size_t	i;

	free(r->text);
	free(r->origin);
	free(r->tool);
	for (i = 0; i < r->nwords; i++)
		free(r->words[i]);
	free(r->words);
	free(r->path);
	memset(r, 0, sizeof *r);
}

/*
 * Take the words of c (the one command the rule's text runs, wrappers
 * unwrapped as for the commands checked: Bash(timeout 60 make) is about
 * make) as r's, when none has an expansion; 0 otherwise, r unchanged.
 */
static int
policy_rule_words(struct policy_rule *r, const struct policy_cmd *c,
    size_t *walloc)
{
	size_t	i;

	if (c->open || c->n == 0)
		return (0);
	/* A rule's * is a wildcard (policy_match_words), not an expansion;
	 * a word with $ or ` in it is. */
	for (i = 0; i < c->n; i++) {
		if (c->w[i].dyn && strpbrk(c->w[i].s, "$`") != NULL)
			return (0);
	}
	for (i = 0; i < c->n; i++) {
		ALLOC_GROW(r->words, r->nwords + 1, *walloc);
		r->words[r->nwords++] = xstrdup(c->w[i].s);
	}
	return (1);
}

/*
 * Parse text ("Name" or "Name(specifier)") into r (zeroed; only the
 * parsed fields are set).  0, or -1 with cause.
 */
static int
policy_rule_parse(const char *text, struct policy_rule *r, char **cause)
{
	const char	*s = text, *e, *open;
	char		*name = NULL, *spec = NULL, *w, *save, *p;
	struct policy_cmdline cl;
	size_t		 i, len, walloc = 0;
	int		 rc = -1;

	while (isspace((unsigned char)*s))
		s++;
	e = s + strlen(s);
	while (e > s && isspace((unsigned char)e[-1]))
		e--;
	if (e == s) {
		*cause = xstrdup("an empty rule");
		goto out;
	}
	open = memchr(s, '(', e - s);
	if (open != NULL) {
		if (e[-1] != ')') {
			*cause = xasprintf("\"%.*s\": no closing parenthesis",
			    (int)(e - s), s);
			goto out;
		}
		name = xstrndup(s, open - s);
		spec = xstrndup(open + 1, e - open - 2);
	} else
		name = xstrndup(s, e - s);
	len = strlen(name);
	for (i = 0; i < len; i++) {
		if (!isalnum((unsigned char)name[i]) && name[i] != '_' &&
		    name[i] != '-' && !(name[i] == '*' && i == len - 1))
			break;
	}
	if (len == 0 || i != len) {
		*cause = xasprintf("\"%.*s\": a rule is a tool name, with a "
		    "specifier in parentheses: Bash(git status), "
		    "Edit(src/**), mcp__server__tool", (int)(e - s), s);
		goto out;
	}
	r->cls = RULE_NAME;
	for (i = 0; i < POLICY_NITEMS(policy_names); i++) {
		if (strcmp(name, policy_names[i].name) == 0) {
			r->cls = policy_names[i].cls;
			if (policy_names[i].tool != NULL) {
				free(name);
				name = xstrdup(policy_names[i].tool);
			}
			break;
		}
	}
	switch (r->cls) {
	case RULE_NAME:
		if (spec != NULL) {
			*cause = xasprintf("\"%.*s\": only Bash, Read, Edit "
			    "and Write rules take a specifier", (int)(e - s),
			    s);
			goto out;
		}
		len = strlen(name);
		if (len > 3 && strcmp(name + len - 3, "__*") == 0) {
			name[len - 1] = '\0';
			r->prefix = 1;
		} else if (name[len - 1] == '*') {
			*cause = xasprintf("\"%s\": only a whole MCP server "
			    "(mcp__server__*) takes a *", name);
			goto out;
		} else if (strncmp(name, "mcp__", 5) == 0 &&
		    strstr(name + 5, "__") == NULL) {
			/* mcp__server: every tool of the server. */
			p = xasprintf("%s__", name);
			free(name);
			name = p;
			r->prefix = 1;
		}
		r->tool = name;
		name = NULL;
		break;
	case RULE_BASH:
		if (spec == NULL || strcmp(spec, "*") == 0 ||
		    strcmp(spec, ":*") == 0 || *spec == '\0')
			break;
		len = strlen(spec);
		if (len > 2 && strcmp(spec + len - 2, ":*") == 0) {
			spec[len - 2] = '\0';
			r->prefix = 1;
		} else if (len > 2 && strcmp(spec + len - 2, " *") == 0) {
			spec[len - 2] = '\0';
			r->prefix = 1;
		}
		/*
		 * The words as the shell splits them, quotes removed
		 * (Bash(git commit -m "a b")), when the rule is one plain
		 * command; else split at blanks.
		 */
		memset(&cl, 0, sizeof cl);
		policy_bash_parse(spec, NULL, &cl);
		if (cl.opaque == NULL && cl.n == 1 && cl.nwrites == 0 &&
		    policy_rule_words(r, &cl.v[0], &walloc))
			;
		else {
			for (w = strtok_r(spec, " \t", &save); w != NULL;
			    w = strtok_r(NULL, " \t", &save)) {
				ALLOC_GROW(r->words, r->nwords + 1, walloc);
				r->words[r->nwords++] = xstrdup(w);
			}
		}
		policy_cmdline_release(&cl);
		if (r->nwords == 0) {
			*cause = xasprintf("\"%.*s\": no command",
			    (int)(e - s), s);
			goto out;
		}
		break;
	case RULE_READ:
	case RULE_WRITE:
		if (spec == NULL || *spec == '\0' || strcmp(spec, "**") == 0 ||
		    strcmp(spec, "*") == 0)
			break;
		r->path = spec;
		spec = NULL;
		break;
	}
	rc = 0;
out:
	free(name);
	free(spec);
	return (rc);
}

int
policy_rule_check(const char *text, char **cause)
{
	struct policy_rule	r;
	int			rc;

	memset(&r, 0, sizeof r);
	rc = policy_rule_parse(text, &r, cause);
	policy_rule_release(&r);
	return (rc);
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
	size_t	i;

	if (p == NULL)
		return;
	for (i = 0; i < p->nrules; i++)
		policy_rule_release(&p->rules[i]);
	free(p->rules);
	free(p->root);
	free(p);
}

void
perm_set_root(struct perm *p, const char *root)
{
	char	*r;

	free(p->root);
	if (root == NULL)
		root = ".";
	if ((r = realpath(root, NULL)) == NULL)
		r = xstrdup(root);
	p->root = r;
}

/* The root, or the current directory when none was set. */
static const char *
perm_root(struct perm *p)
{
	if (p->root == NULL)
		perm_set_root(p, NULL);
	return (p->root);
}

int
perm_add_rule(struct perm *p, enum policy_kind kind, const char *text,
    const char *origin, int session, char **cause)
{
	struct policy_rule	r;
	size_t			i;

	memset(&r, 0, sizeof r);
	if (policy_rule_parse(text, &r, cause) != 0) {
		policy_rule_release(&r);
		return (-1);
	}
	r.kind = kind;
	r.text = xstrdup(text);
	r.origin = xstrdup(origin != NULL ? origin : "session");
	r.session = session;
	for (i = 0; i < p->nrules; i++) {
		if (p->rules[i].kind == kind &&
		    strcmp(p->rules[i].text, r.text) == 0) {
			policy_rule_release(&r);
			return (0);
		}
	}
	ALLOC_GROW(p->rules, p->nrules + 1, p->arules);
	p->rules[p->nrules++] = r;
	return (0);
}

void
perm_load_config(struct perm *p, const struct config *cfg)
{
	static const struct {
		const char		*key;
		enum policy_kind	 kind;
	} rows[] = {
		{ "permissions.allow", POLICY_ALLOW },
		{ "permissions.ask", POLICY_ASK },
		{ "permissions.deny", POLICY_DENY },
	};
	const struct options		*o = options_get(cfg);
	const struct option_strv	*sv;
	const struct option_source	*src;
	char				*where, *cause = NULL;
	size_t				 i, j;

	for (i = 0; i < POLICY_NITEMS(rows); i++) {
		sv = &o->permissions.rules[rows[i].kind];
		src = options_source(cfg, rows[i].key);
		for (j = 0; j < sv->n; j++) {
			if (sv->from != NULL && sv->from[j] != NULL)
				where = xstrdup(sv->from[j]);
			else if (src != NULL)
				where = options_source_text(src);
			else
				where = xstrdup("config");
			if (perm_add_rule(p, rows[i].kind, sv->v[j], where, 0,
			    &cause) != 0) {
				/* Reported as an options problem. */
				log_debug("%s: %s", rows[i].key, cause);
				free(cause);
				cause = NULL;
			}
			free(where);
		}
	}
}

size_t
perm_rules(struct perm *p)
{
	return (p->nrules);
}

int
perm_rule_at(struct perm *p, size_t i, enum policy_kind *kind,
    const char **text, const char **origin, int *session)
{
	if (i >= p->nrules)
		return (-1);
	if (kind != NULL)
		*kind = p->rules[i].kind;
	if (text != NULL)
		*text = p->rules[i].text;
	if (origin != NULL)
		*origin = p->rules[i].origin;
	if (session != NULL)
		*session = p->rules[i].session;
	return (0);
}

int
perm_remove_rule(struct perm *p, size_t i, char **cause)
{
	if (i >= p->nrules) {
		*cause = xasprintf("no rule %zu (there are %zu)", i + 1,
		    p->nrules);
		return (-1);
	}
	if (!p->rules[i].session) {
		*cause = xasprintf("rule %zu (%s) comes from %s: edit that "
		    "file to remove it", i + 1, p->rules[i].text,
		    p->rules[i].origin);
		return (-1);
	}
	policy_rule_release(&p->rules[i]);
	memmove(p->rules + i, p->rules + i + 1, (p->nrules - i - 1) *
	    sizeof *p->rules);
	p->nrules--;
	return (0);
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

char *
policy_abspath(const char *root, const char *path)
{
	struct buf	 cur = BUF_INIT;
	char		*rest, *next, *comp, target[PATH_MAX];
	const char	*home;
	struct stat	 sb;
	ssize_t		 n;
	size_t		 len;
	int		 links = 0;

	home = getenv("HOME");
	if ((strcmp(path, "~") == 0 || strncmp(path, "~/", 2) == 0) &&
	    home != NULL)
		rest = xasprintf("%s/%s", home, path + 1);
	else if (*path == '/')
		rest = xstrdup(path);
	else
		rest = xasprintf("%s/%s", root != NULL ? root : ".", path);
	if (*rest != '/') {
		/* A relative root: from the current directory. */
		if (getcwd(target, sizeof target) != NULL) {
			next = xasprintf("%s/%s", target, rest);
			free(rest);
			rest = next;
		}
	}
	/*
	 * Component by component: "." is skipped, ".." pops, a symlink's
	 * target replaces it (an absolute one from /), as the kernel does.
	 */
	comp = rest;
	while (comp != NULL && *comp != '\0') {
		next = strchr(comp, '/');
		len = next != NULL ? (size_t)(next - comp) : strlen(comp);
		if (len == 0 || (len == 1 && comp[0] == '.'))
			goto skip;
		if (len == 2 && comp[0] == '.' && comp[1] == '.') {
			while (cur.len > 0 && cur.buf[cur.len - 1] != '/')
				cur.len--;
			if (cur.len > 0)
				cur.len--;
			buf_setlen(&cur, cur.len);
			goto skip;
		}
		buf_addch(&cur, '/');
		buf_add(&cur, comp, len);
		if (links < POLICY_MAX_LINKS && lstat(cur.buf, &sb) == 0 &&
		    S_ISLNK(sb.st_mode) &&
		    (n = readlink(cur.buf, target, sizeof target - 1)) > 0) {
			target[n] = '\0';
			links++;
			while (cur.len > 0 && cur.buf[cur.len - 1] != '/')
				cur.len--;
			if (cur.len > 0)
				cur.len--;
			buf_setlen(&cur, cur.len);
			if (target[0] == '/')
				buf_setlen(&cur, 0);
			next = xasprintf("%s%s", target, next != NULL ? next :
			    "");
			free(rest);
			rest = comp = next;
			continue;
		}
	skip:
		comp = next != NULL ? next + 1 : NULL;
	}
	free(rest);
	if (cur.len == 0)
		buf_adds(&cur, "/");
	return (buf_detach(&cur, NULL));
}

/* Files and folders of a repository that grant or run (folded case). */
static const char *const policy_protected_top[] = {
	".agentos", ".mcp.json", ".gitmodules", ".husky", ".githooks",
	".claude", NULL
};
static const char *const policy_protected_any[] = {
	".git", "agents.md", "claude.md", NULL
};

char *
policy_protected(const char *root, const char *abs)
{
	size_t	 len = strlen(root), i;
	char	*low, *c, *save;
	int	 first = 1, hit = 0;

	if (strcmp(root, "/") == 0)
		len = 0;
	else if (strncmp(abs, root, len) != 0 || (abs[len] != '/' &&
	    abs[len] != '\0'))
		return (NULL);
	if (abs[len] == '\0')
		return (NULL);
	abs += len + 1;
	/* Fold case: .GIT/config is .git/config on a folding file system. */
	low = xstrdup(abs);
	for (c = low; *c != '\0'; c++)
		*c = tolower((unsigned char)*c);
	for (c = strtok_r(low, "/", &save); c != NULL && !hit;
	    c = strtok_r(NULL, "/", &save), first = 0) {
		for (i = 0; policy_protected_any[i] != NULL; i++) {
			if (strcmp(c, policy_protected_any[i]) == 0)
				hit = 1;
		}
		for (i = 0; first && policy_protected_top[i] != NULL; i++) {
			if (strcmp(c, policy_protected_top[i]) == 0)
				hit = 1;
		}
	}
	free(low);
	return (hit ? xstrdup(abs) : NULL);
}

/*
 * abs itself when it is in the folder of the user's config file (which
 * holds permissions.allow and the provider keys: a command that rewrites
 * it grants itself anything), else NULL.  Caller frees.
 */
static char *
policy_user_config(const char *abs)
{
	char	*path, *dir, *slash;
	size_t	 len;
	int	 in = 0;

	if ((path = config_user_path()) == NULL)
		return (NULL);
	if ((slash = strrchr(path, '/')) != NULL)
		*slash = '\0';
	dir = policy_abspath(NULL, path);
	len = strlen(dir);
	in = len > 1 && strncmp(abs, dir, len) == 0 &&
	    (abs[len] == '/' || abs[len] == '\0');
	free(dir);
	free(path);
	return (in ? xstrdup(abs) : NULL);
}

/*
 * The absolute pattern of a rule's path: "//x" is /x, "~/x" is in the
 * home directory, "/x" and "./x" are relative to the repository root, and
 * a pattern without a slash matches at any depth below it (gitignore).
 * A trailing slash means everything below.  Caller frees.
 */
static char *
policy_pattern(const struct perm *p, const char *pat)
{
	const char	*home = getenv("HOME");
	const char	*root = p->root != NULL ? p->root : ".";
	char		*s, *t;
	size_t		 len;

	if (strncmp(pat, "//", 2) == 0)
		s = xstrdup(pat + 1);
	else if (strncmp(pat, "~/", 2) == 0)
		s = xasprintf("%s/%s", home != NULL ? home : "", pat + 2);
	else if (*pat == '/')
		s = xasprintf("%s%s", root, pat);
	else if (strncmp(pat, "./", 2) == 0)
		s = xasprintf("%s/%s", root, pat + 2);
	else {
		len = strlen(pat);
		t = xstrndup(pat, len > 0 && pat[len - 1] == '/' ? len - 1 :
		    len);
		if (strchr(t, '/') == NULL)
			s = xasprintf("%s/**/%s", root, t);
		else
			s = xasprintf("%s/%s", root, t);
		free(t);
		return (s);
	}
	len = strlen(s);
	if (len > 1 && s[len - 1] == '/')
		s[len - 1] = '\0';
	return (s);
}

/*
 * Does the absolute pattern pat (segments with fnmatch(3) wildcards, and
 * "**" for any number of folders) match path, or a folder path is in?
 */
static int
policy_glob(const char *pat, const char *path)
{
	const char	*ps, *pe, *s, *e;
	char		*seg, *name;
	int		 m;

	for (;;) {
		while (*pat == '/')
			pat++;
		while (*path == '/')
			path++;
		if (*pat == '\0')
			return (1);	/* path is in the folder matched */
		pe = strchr(pat, '/');
		if (pe == NULL)
			pe = pat + strlen(pat);
		if (pe - pat == 2 && pat[0] == '*' && pat[1] == '*') {
			if (*pe == '\0')
				return (1);
			for (s = path; ; s = e + 1) {
				if (policy_glob(pe, s))
					return (1);
				if ((e = strchr(s, '/')) == NULL)
					return (0);
			}
		}
		if (*path == '\0')
			return (0);
		ps = strchr(path, '/');
		if (ps == NULL)
			ps = path + strlen(path);
		seg = xstrndup(pat, pe - pat);
		name = xstrndup(path, ps - path);
		m = fnmatch(seg, name, 0) == 0;
		free(seg);
		free(name);
		if (!m)
			return (0);
		pat = pe;
		path = ps;
	}
}

/* The declared paths of fx, absolute: reads and scopes, or writes. */
static void
policy_paths(struct perm *p, const struct tool_effects *fx, int writes,
    char ***out, size_t *n)
{
	size_t	i, a = 0;

	*out = NULL;
	*n = 0;
	if (writes) {
		for (i = 0; i < fx->nwrites; i++) {
			ALLOC_GROW(*out, *n + 1, a);
			(*out)[(*n)++] = policy_abspath(perm_root(p),
			    fx->writes[i]);
		}
		return;
	}
	for (i = 0; i < fx->nreads; i++) {
		ALLOC_GROW(*out, *n + 1, a);
		(*out)[(*n)++] = policy_abspath(perm_root(p), fx->reads[i]);
	}
	for (i = 0; i < fx->nscopes; i++) {
		ALLOC_GROW(*out, *n + 1, a);
		(*out)[(*n)++] = policy_abspath(perm_root(p), fx->scopes[i]);
	}
}

static void
policy_paths_free(char **v, size_t n)
{
	size_t	i;

	for (i = 0; i < n; i++)
		free(v[i]);
	free(v);
}

/*
 * Do the rule's words from i on match c's words from j on?  A word "*"
 * stands for one or more whole words (never across ;, &&, || or a pipe:
 * c is one simple command); a word with a * inside matches one word by
 * fnmatch(3) (Bash(make -j*)); any other word must be equal, and a
 * literal never matches a word with expansions.  The first word of a deny
 * or ask rule also matches the command by its path (Bash(rm:*) matches
 * /bin/rm): what restricts may match more, what allows never does.  After
 * the last word a prefix rule (:* or a trailing " *") takes any rest; an
 * exact one needs the command to end there.
 */
static int
policy_match_words(const struct policy_rule *r, size_t i,
    const struct policy_cmd *c, size_t j)
{
	const char	*w, *rw, *slash;
	size_t		 k;

	if (i == r->nwords)
		return (r->prefix || (j == c->n && !c->open));
	rw = r->words[i];
	if (strcmp(rw, "*") == 0) {
		for (k = j + 1; k <= c->n; k++) {
			if (policy_match_words(r, i + 1, c, k))
				return (1);
		}
		return (0);
	}
	if (j >= c->n || c->w[j].dyn)
		return (0);
	w = c->w[j].s;
	if (i == 0 && r->kind != POLICY_ALLOW && strchr(rw, '/') == NULL &&
	    (slash = strrchr(w, '/')) != NULL)
		w = slash + 1;
	if (strchr(rw, '*') != NULL ? fnmatch(rw, w, 0) != 0 :
	    strcmp(w, rw) != 0)
		return (0);
	return (policy_match_words(r, i + 1, c, j + 1));
}

/* Does Bash rule r match simple command c? */
static int
policy_match_cmd(const struct policy_rule *r, const struct policy_cmd *c)
{
	if (r->nwords == 0)
		return (1);
	return (policy_match_words(r, 0, c, 0));
}

/* Does path rule r match the absolute path abs? */
static int
policy_match_path(struct perm *p, const struct policy_rule *r,
    const char *abs)
{
	char	*pat;
	int	 m;

	if (r->path == NULL)
		return (1);
	pat = policy_pattern(p, r->path);
	m = policy_glob(pat, abs);
	free(pat);
	return (m);
}

/* What a call is, for the rules. */
struct policy_call {
	const char			*name;
	const struct tool_effects	*fx;
	struct policy_cmdline		 cl;	/* EFFECT_EXEC */
	int				 exec;
	char				**reads;
	size_t				 nreads;
	char				**writes; /* declared and redirected */
	size_t				 nwrites;
};

/*
 * The memory tool (tool-memory.c) writing a file under the repository's
 * .agentos/memory/: the one exception to the protected .agentos/ (memory
 * files grant nothing and run nothing), for that tool only.
 */
static int
policy_memory_write(struct perm *p, const struct policy_call *pc,
    const char *abs)
{
	const char	*root = perm_root(p);
	size_t		 len = strcmp(root, "/") == 0 ? 0 : strlen(root);

	if (strcmp(pc->name, "memory") != 0 || strncmp(abs, root, len) != 0)
		return (0);
	return (strncmp(abs + len, "/.agentos/memory/", 17) == 0 &&
	    abs[len + 17] != '\0');
}

/* Does rule r match any part of the call (for deny and ask)? */
static int
policy_match_any(struct perm *p, const struct policy_rule *r,
    const struct policy_call *pc)
{
	size_t	i;

	switch (r->cls) {
	case RULE_NAME:
		if (r->prefix)
			return (strncmp(pc->name, r->tool,
			    strlen(r->tool)) == 0);
		return (strcmp(pc->name, r->tool) == 0);
	case RULE_BASH:
		if (!pc->exec)
			return (0);
		if (r->nwords == 0)
			return (1);
		for (i = 0; i < pc->cl.n; i++) {
			if (policy_match_cmd(r, &pc->cl.v[i]))
				return (1);
		}
		return (0);
	case RULE_READ:
		for (i = 0; i < pc->nreads; i++) {
			if (policy_match_path(p, r, pc->reads[i]))
				return (1);
		}
		return (0);
	case RULE_WRITE:
		for (i = 0; i < pc->nwrites; i++) {
			if (policy_match_path(p, r, pc->writes[i]))
				return (1);
		}
		return (0);
	}
	return (0);
}

/* The first rule of kind matching any part of the call, or NULL. */
static const struct policy_rule *
policy_find(struct perm *p, enum policy_kind kind,
    const struct policy_call *pc)
{
	size_t	i;

	for (i = 0; i < p->nrules; i++) {
		if (p->rules[i].kind == kind &&
		    policy_match_any(p, &p->rules[i], pc))
			return (&p->rules[i]);
	}
	return (NULL);
}

/*
 * A deny Bash rule with words, when the command line pc runs cannot be
 * checked against it (opaque, or a command named by an expansion); NULL
 * otherwise.
 */
static const struct policy_rule *
policy_unchecked(struct perm *p, const struct policy_call *pc)
{
	size_t	i;
	int	dyn = pc->cl.opaque != NULL;

	for (i = 0; i < pc->cl.n && !dyn; i++)
		dyn = pc->cl.v[i].n > 0 && pc->cl.v[i].w[0].dyn;
	if (!dyn)
		return (NULL);
	for (i = 0; i < p->nrules; i++) {
		if (p->rules[i].kind == POLICY_DENY &&
		    p->rules[i].cls == RULE_BASH && p->rules[i].nwords > 0)
			return (&p->rules[i]);
	}
	return (NULL);
}

/* The allow rule allowing simple command c, or NULL. */
static const struct policy_rule *
policy_allow_cmd(struct perm *p, const struct policy_cmd *c)
{
	size_t	i;

	for (i = 0; i < p->nrules; i++) {
		if (p->rules[i].kind == POLICY_ALLOW &&
		    p->rules[i].cls == RULE_BASH &&
		    policy_match_cmd(&p->rules[i], c))
			return (&p->rules[i]);
	}
	return (NULL);
}

/* The allow rule allowing path abs for class cls, or NULL. */
static const struct policy_rule *
policy_allow_path(struct perm *p, enum rule_class cls, const char *abs)
{
	size_t	i;

	for (i = 0; i < p->nrules; i++) {
		if (p->rules[i].kind == POLICY_ALLOW &&
		    p->rules[i].cls == cls &&
		    policy_match_path(p, &p->rules[i], abs))
			return (&p->rules[i]);
	}
	return (NULL);
}

/* Is abs inside the root? */
static int
policy_inside(struct perm *p, const char *abs)
{
	const char	*root = perm_root(p);
	size_t		 len = strlen(root);

	return (strcmp(root, "/") == 0 || (strncmp(abs, root, len) == 0 &&
	    (abs[len] == '/' || abs[len] == '\0')));
}

/* Fill pc for a call of name with fx. */
static void
policy_call_init(struct perm *p, struct policy_call *pc, const char *name,
    const struct tool_effects *fx)
{
	const struct policy_word	*w;
	size_t				 i, k, a;

	memset(pc, 0, sizeof *pc);
	pc->name = name != NULL ? name : "";
	pc->fx = fx;
	pc->exec = (fx->flags & EFFECT_EXEC) != 0;
	if (pc->exec)
		policy_bash_parse(fx->command, perm_root(p), &pc->cl);
	policy_paths(p, fx, 0, &pc->reads, &pc->nreads);
	policy_paths(p, fx, 1, &pc->writes, &pc->nwrites);
	/*
	 * A command's words that name paths (with a slash, or ~) count as
	 * reads for deny and ask rules: Read(~/.ssh/...) refuses
	 * cat ~/.ssh/id_rsa too.  Allow rules never look at them.
	 */
	a = pc->nreads;
	for (i = 0; i < pc->cl.n; i++) {
		for (k = 1; k < pc->cl.v[i].n; k++) {
			w = &pc->cl.v[i].w[k];
			if (w->dyn || (strchr(w->s, '/') == NULL &&
			    w->s[0] != '~') || w->s[0] == '-')
				continue;
			ALLOC_GROW(pc->reads, pc->nreads + 1, a);
			pc->reads[pc->nreads++] = policy_abspath(perm_root(p),
			    w->s);
		}
	}
	a = pc->nwrites;
	for (i = 0; i < pc->cl.nwrites; i++) {
		ALLOC_GROW(pc->writes, pc->nwrites + 1, a);
		pc->writes[pc->nwrites++] = xstrdup(pc->cl.writes[i]);
	}
}

static void
policy_call_release(struct policy_call *pc)
{
	policy_cmdline_release(&pc->cl);
	policy_paths_free(pc->reads, pc->nreads);
	policy_paths_free(pc->writes, pc->nwrites);
}

/* Set v's rule and origin from r. */
static void
policy_by(struct perm_verdict *v, const struct policy_rule *r)
{
	free(v->rule);
	free(v->origin);
	v->rule = xasprintf("%s %s", policy_kind_name(r->kind), r->text);
	v->origin = xstrdup(r->origin);
}

/*
 * Are all the parts of the call allowed by allow rules?  1 with v's rule
 * set; 0 with v->why saying what no rule allows (when known).
 */
static int
policy_allowed(struct perm *p, const struct policy_call *pc,
    struct perm_verdict *v)
{
	const struct policy_rule	*r = NULL;
	size_t				 i;
	char				*t;

	for (i = 0; i < p->nrules; i++) {
		if (p->rules[i].kind != POLICY_ALLOW)
			continue;
		if (p->rules[i].cls == RULE_NAME &&
		    policy_match_any(p, &p->rules[i], pc))
			goto yes;
		/* Bare Bash: every command, whatever it is. */
		if (pc->exec && p->rules[i].cls == RULE_BASH &&
		    p->rules[i].nwords == 0) {
			r = &p->rules[i];
			goto found;
		}
	}
	if (pc->exec) {
		if (pc->cl.opaque != NULL) {
			v->why = xasprintf("no rule can allow it: %s",
			    pc->cl.opaque);
			return (0);
		}
		if (pc->cl.n == 0)
			return (0);
		for (i = 0; i < pc->cl.nwrites; i++) {
			if (!policy_inside(p, pc->cl.writes[i])) {
				v->why = xasprintf("a redirection writes "
				    "outside the worktree: %s",
				    pc->cl.writes[i]);
				return (0);
			}
		}
		for (i = 0; i < pc->cl.n; i++) {
			if ((r = policy_allow_cmd(p, &pc->cl.v[i])) == NULL) {
				t = policy_cmd_text(&pc->cl.v[i]);
				if (pc->cl.n > 1)
					v->why = xasprintf("no rule allows "
					    "\"%s\"", t);
				free(t);
				return (0);
			}
		}
		goto found;
	}
	if ((pc->fx->flags & EFFECT_EDIT) && pc->nwrites > 0) {
		for (i = 0; i < pc->nwrites; i++) {
			if ((r = policy_allow_path(p, RULE_WRITE,
			    pc->writes[i])) == NULL)
				return (0);
		}
		goto found;
	}
	return (0);
yes:
	r = &p->rules[i];
found:
	policy_by(v, r);
	return (1);
}

void
perm_decide(struct perm *p, const char *name, const struct tool_effects *fx,
    struct perm_verdict *v)
{
	const struct policy_rule	*r;
	struct policy_call		 pc;
	char				*prot;
	size_t				 i;
	int				 mutates = tool_effects_mutates(fx);

	memset(v, 0, sizeof *v);
	v->d = PERM_ASK_USER;
	policy_call_init(p, &pc, name, fx);

	/* Deny rules, in every mode (bypass too, as Claude Code does). */
	if ((r = policy_find(p, POLICY_DENY, &pc)) != NULL) {
		policy_by(v, r);
		v->d = PERM_DENY;
		v->why = xasprintf("the permission rule \"%s\" (from %s) "
		    "refuses this %s call. Do not try to get around it: do "
		    "the task another way, or tell the user what you "
		    "need.", r->text, r->origin, pc.name);
		goto out;
	}
	if (mutates && p->mode == PERM_PLAN) {
		v->d = PERM_DENY;
		v->why = xasprintf("plan mode: only read-only tools run; "
		    "%s was not run. Finish the plan and present it; the "
		    "user switches modes to carry it out.", pc.name);
		goto out;
	}
	/*
	 * Deny rules hold only if the command can be checked against them:
	 * one the parser cannot see through, or whose name is known only at
	 * run time ($(echo rm) -rf /), is asked about, in bypass too.
	 */
	if (pc.exec && (r = policy_unchecked(p, &pc)) != NULL) {
		policy_by(v, r);
		v->why = xasprintf("the deny rule \"%s\" (from %s) cannot be "
		    "checked against this command: %s", r->text, r->origin,
		    pc.cl.opaque != NULL ? pc.cl.opaque : "a command's name "
		    "is known only at run time");
		goto out;
	}
	if (p->mode == PERM_BYPASS) {
		v->d = PERM_ALLOW;
		goto out;
	}
	if ((r = policy_find(p, POLICY_ASK, &pc)) != NULL) {
		policy_by(v, r);
		v->why = xasprintf("the permission rule \"%s\" (from %s) "
		    "asks", r->text, r->origin);
		goto out;
	}
	if (!mutates) {
		v->d = PERM_ALLOW;
		goto out;
	}
	/* Protected paths: asked, naming the path, whatever allows it. */
	for (i = 0; i < pc.nwrites; i++) {
		if (policy_memory_write(p, &pc, pc.writes[i]))
			continue;
		if ((prot = policy_protected(perm_root(p),
		    pc.writes[i])) != NULL ||
		    (prot = policy_user_config(pc.writes[i])) != NULL) {
			v->protect = prot;
			v->why = xasprintf("it writes %s, a protected path "
			    "(git internals, agentos and MCP config, "
			    "instruction files and hooks)", prot);
			goto out;
		}
	}
	if (policy_allowed(p, &pc, v)) {
		v->d = PERM_ALLOW;
		goto out;
	}
	if (p->mode == PERM_ACCEPT_EDITS &&
	    (fx->flags & (EFFECT_EXEC | EFFECT_UNKNOWN)) == 0 &&
	    (fx->flags & EFFECT_EDIT)) {
		free(v->why);
		v->why = NULL;
		v->d = PERM_ALLOW;
		goto out;
	}
out:
	policy_call_release(&pc);
}

void
perm_verdict_release(struct perm_verdict *v)
{
	free(v->rule);
	free(v->origin);
	free(v->protect);
	free(v->why);
	memset(v, 0, sizeof *v);
}

enum perm_decision
perm_check(struct perm *p, const char *name, const struct tool_effects *fx,
    char **why)
{
	struct perm_verdict	v;
	enum perm_decision	d;

	perm_decide(p, name, fx, &v);
	d = v.d;
	if (why != NULL) {
		*why = d == PERM_DENY ? v.why : NULL;
		if (d == PERM_DENY)
			v.why = NULL;
	}
	perm_verdict_release(&v);
	return (d);
}

/* Does the word look like a subcommand ("status", "run", "test:unit")? */
static int
policy_subcommand(const struct policy_word *w)
{
	const char	*s = w->s;

	if (w->dyn || !islower((unsigned char)*s))
		return (0);
	for (; *s != '\0'; s++) {
		if (!islower((unsigned char)*s) &&
		    !isdigit((unsigned char)*s) && strchr("-_:", *s) == NULL)
			return (0);
	}
	return (1);
}

/*
 * Can word w be written in a rule?  0: no (an expansion, a * or a
 * newline); 1: as it is; 2: in single quotes (blanks, quotes, other
 * characters the shell would take apart).
 */
static int
policy_plain(const struct policy_word *w)
{
	if (w->dyn || strpbrk(w->s, "*\n") != NULL)
		return (0);
	if (*w->s != '\0' && strpbrk(w->s, " \t\"'\\$`;&|<>(){}#~!?[") ==
	    NULL)
		return (1);
	return (strchr(w->s, '\'') == NULL ? 2 : 0);
}

/*
 * The exact (prefix 0) or subcommand prefix (1) rule for c, or NULL when
 * c has none.  Caller frees.
 */
static char *
policy_cmd_rule(const struct policy_cmd *c, int prefix)
{
	struct buf	b = BUF_INIT;
	size_t		i, n = c->n;
	int		q;

	if (prefix) {
		for (n = 1; n < c->n && n < 3 &&
		    policy_subcommand(&c->w[n]); n++)
			;
		if (n < 2 || policy_plain(&c->w[0]) != 1)
			return (NULL);
	} else if (c->open)
		return (NULL);
	for (i = 0; i < n; i++) {
		if ((q = policy_plain(&c->w[i])) == 0) {
			buf_release(&b);
			return (NULL);
		}
		buf_addf(&b, "%s%s%s%s", i == 0 ? "Bash(" : " ",
		    q == 2 ? "'" : "", c->w[i].s, q == 2 ? "'" : "");
	}
	buf_adds(&b, prefix ? ":*)" : ")");
	return (buf_detach(&b, NULL));
}

/* Add choice s to *out (n so far) unless it is there; s is taken. */
static void
policy_choice_add(char ***out, size_t *n, char *s)
{
	size_t	i;

	if (s == NULL)
		return;
	for (i = 0; i < *n; i++) {
		if (strcmp((*out)[i], s) == 0) {
			free(s);
			return;
		}
	}
	*out = xreallocarray(*out, *n + 1, sizeof **out);
	(*out)[(*n)++] = s;
}

/* The rule for the relative path rel, or its folder (dir). */
static char *
policy_path_rule(struct perm *p, const char *abs, int dir)
{
	const char	*root = perm_root(p), *rel, *slash;

	if (!policy_inside(p, abs) || strcmp(abs, root) == 0 ||
	    strpbrk(abs, "()*?[") != NULL)
		return (NULL);
	rel = abs + (strcmp(root, "/") == 0 ? 1 : strlen(root) + 1);
	if (!dir)
		return (xasprintf("Edit(./%s)", rel));
	if ((slash = strrchr(rel, '/')) == NULL)
		return (NULL);
	return (xasprintf("Edit(./%.*s/**)", (int)(slash - rel), rel));
}

size_t
perm_always_choices(struct perm *p, const char *name,
    const struct tool_effects *fx, char ***out)
{
	struct policy_call	 pc;
	struct buf		 b[2] = { BUF_INIT, BUF_INIT };
	char			*s, *prot;
	size_t			 n = 0, i, k;
	int			 ok[2] = { 1, 1 }, pending = 0;

	*out = NULL;
	policy_call_init(p, &pc, name, fx);
	/* An ask rule matches: no allow rule would change that. */
	if (policy_find(p, POLICY_ASK, &pc) != NULL)
		goto out;
	for (i = 0; i < pc.nwrites; i++) {
		if (policy_memory_write(p, &pc, pc.writes[i]))
			continue;
		if ((prot = policy_protected(perm_root(p),
		    pc.writes[i])) != NULL ||
		    (prot = policy_user_config(pc.writes[i])) != NULL) {
			/* Each write there is its own decision. */
			free(prot);
			goto out;
		}
	}
	if (pc.exec) {
		if (pc.cl.opaque != NULL || pc.cl.n == 0)
			goto out;
		for (i = 0; i < pc.cl.n; i++) {
			if (policy_allow_cmd(p, &pc.cl.v[i]) != NULL)
				continue;
			pending++;
			for (k = 0; k < 2; k++) {
				s = policy_cmd_rule(&pc.cl.v[i], (int)k);
				if (s == NULL && k == 1)
					s = policy_cmd_rule(&pc.cl.v[i], 0);
				if (s == NULL) {
					ok[k] = 0;
					continue;
				}
				buf_addf(&b[k], "%s%s", b[k].len > 0 ? "\n" :
				    "", s);
				free(s);
			}
		}
		for (k = 0; k < 2 && pending > 0; k++) {
			if (ok[k])
				policy_choice_add(out, &n,
				    buf_detach(&b[k], NULL));
		}
		goto out;
	}
	if ((fx->flags & EFFECT_EDIT) && pc.nwrites > 0) {
		for (k = 0; k < 2; k++) {
			for (i = 0; i < pc.nwrites && ok[k]; i++) {
				s = policy_path_rule(p, pc.writes[i], (int)k);
				if (s == NULL) {
					ok[k] = 0;
					break;
				}
				if (strstr(b[k].buf, s) == NULL)
					buf_addf(&b[k], "%s%s", b[k].len > 0 ?
					    "\n" : "", s);
				free(s);
			}
			if (ok[k])
				policy_choice_add(out, &n,
				    buf_detach(&b[k], NULL));
		}
		goto out;
	}
	if (*pc.name != '\0' && strpbrk(pc.name, "()* ") == NULL)
		policy_choice_add(out, &n, xstrdup(pc.name));
out:
	buf_release(&b[0]);
	buf_release(&b[1]);
	policy_call_release(&pc);
	return (n);
}

void
perm_allow_choice(struct perm *p, const char *choice)
{
	char	*copy = xstrdup(choice), *r, *save, *cause = NULL;

	for (r = strtok_r(copy, "\n", &save); r != NULL;
	    r = strtok_r(NULL, "\n", &save)) {
		if (perm_add_rule(p, POLICY_ALLOW, r, "session", 1,
		    &cause) != 0) {
			log_debug("always: %s", cause);
			free(cause);
			cause = NULL;
		}
	}
	free(copy);
}

void
perm_allow_always(struct perm *p, const char *name,
    const struct tool_effects *fx)
{
	char	**v;
	size_t	  n, i;

	n = perm_always_choices(p, name, fx, &v);
	if (n > 0)
		perm_allow_choice(p, v[0]);
	for (i = 0; i < n; i++)
		free(v[i]);
	free(v);
}

int
policy_save_user_rules(const char *path, const char *choice, char **cause)
{
	json_t		*root = NULL, *perms, *allow;
	json_error_t	 err;
	struct stat	 sb;
	char		*copy = NULL, *r, *save, *tmp = NULL, *dir = NULL, *sl;
	size_t		 i;
	int		 rc = -1, have;

	if (stat(path, &sb) == 0) {
		if ((root = json_load_file(path, 0, &err)) == NULL ||
		    !json_is_object(root)) {
			*cause = xasprintf("%s: not a JSON object (%s, line "
			    "%d)", path, err.text, err.line);
			goto out;
		}
	} else if (errno == ENOENT) {
		root = json_object();
		/* Its folders, as mkdir -p (~/.config may not exist). */
		dir = xstrdup(path);
		if ((sl = strrchr(dir, '/')) != NULL && sl != dir)
			*sl = '\0';
		for (sl = dir + 1; sl != NULL && *dir == '/'; ) {
			sl = strchr(sl, '/');
			if (sl != NULL)
				*sl = '\0';
			if (mkdir(dir, 0700) != 0 && errno != EEXIST) {
				*cause = xasprintf("%s: %s", dir,
				    strerror(errno));
				goto out;
			}
			if (sl != NULL)
				*sl++ = '/';
		}
	} else {
		*cause = xasprintf("%s: %s", path, strerror(errno));
		goto out;
	}
	/* Flat ("permissions.allow") or nested, as the file has it. */
	if ((allow = json_object_get(root, "permissions.allow")) == NULL) {
		perms = json_object_get(root, "permissions");
		if (perms == NULL) {
			perms = json_object();
			json_object_set_new(root, "permissions", perms);
		}
		if (!json_is_object(perms)) {
			*cause = xasprintf("%s: permissions is not an object",
			    path);
			goto out;
		}
		if ((allow = json_object_get(perms, "allow")) == NULL) {
			allow = json_array();
			json_object_set_new(perms, "allow", allow);
		}
	}
	if (!json_is_array(allow)) {
		*cause = xasprintf("%s: permissions.allow is not an array",
		    path);
		goto out;
	}
	copy = xstrdup(choice);
	for (r = strtok_r(copy, "\n", &save); r != NULL;
	    r = strtok_r(NULL, "\n", &save)) {
		have = 0;
		for (i = 0; i < json_array_size(allow); i++) {
			if (json_is_string(json_array_get(allow, i)) &&
			    strcmp(json_string_value(json_array_get(allow, i)),
			    r) == 0)
				have = 1;
		}
		if (!have)
			json_array_append_new(allow, json_string(r));
	}
	tmp = xasprintf("%s.tmp%ld", path, (long)getpid());
	if (json_dump_file(root, tmp, JSON_INDENT(2)) != 0) {
		*cause = xasprintf("%s: cannot write", tmp);
		unlink(tmp);
		goto out;
	}
	chmod(tmp, 0600);
	if (rename(tmp, path) != 0) {
		*cause = xasprintf("%s: %s", path, strerror(errno));
		unlink(tmp);
		goto out;
	}
	rc = 0;
out:
	json_decref(root);
	free(copy);
	free(tmp);
	free(dir);
	return (rc);
}
