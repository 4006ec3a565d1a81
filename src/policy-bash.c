/*
 * policy-bash.c: what a shell command line runs, for the permission rules:
 * the tree-sitter bash grammar parses it, every simple command is listed
 * (pipelines, lists, subshells, command substitutions, loop bodies), the
 * wrappers that run another command are unwrapped, and the files that
 * redirections write are collected.  What the parser cannot see through
 * (eval, source, a heredoc with expansions, a function definition, a parse
 * error) makes the line opaque: no rule can allow it, it is asked about.
 */
#include <stdlib.h>
#include <string.h>

#include <tree_sitter/api.h>

#include "agentos.h"
#include "policy.h"
#include "banned.h"

const TSLanguage *tree_sitter_bash(void);

/* Longer command lines are not parsed: asked about. */
#define PB_MAX_BYTES	(64 * 1024)
/* sh -c inside sh -c, eval, find -exec ... */
#define PB_MAX_DEPTH	4
/* Nodes inside nodes (the walk recurses): deeper is asked about. */
#define PB_MAX_NEST	256

struct pb {
	const char		*src;
	const char		*root;
	struct policy_cmdline	*cl;
	int			 depth;		/* sh -c, eval */
	int			 nest;		/* pb_stmt, pb_subst */
};

static void	pb_line(struct pb *, const char *, size_t);
static void	pb_stmt(struct pb *, TSNode);
static void	pb_stmt1(struct pb *, TSNode);
static void	pb_subst(struct pb *, TSNode);
static void	pb_subst1(struct pb *, TSNode);
static int	pb_word(struct pb *, TSNode, struct buf *);
static void	pb_command(struct pb *, TSNode);
static void	pb_redirect(struct pb *, TSNode);
static void	pb_add(struct pb *, struct policy_cmd *);
static void	pb_opaque(struct pb *, const char *);
static int	pb_eval(struct pb *, struct policy_cmd *);
static int	pb_danger_var(const char *, size_t);

/* Node types that only group statements: walk their children. */
static const char *const pb_groups[] = {
	"program", "list", "pipeline", "subshell", "compound_statement",
	"negated_command", "do_group", "if_statement", "elif_clause",
	"else_clause", "while_statement", "case_statement", "case_item",
	"for_statement", "c_style_for_statement", "test_command",
	"binary_expression", "unary_expression", "parenthesized_expression",
	"ternary_expression", "postfix_expression", "unset_command", NULL
};

/* Variables that change what a later command runs or loads. */
static const char *const pb_danger_vars[] = {
	"PATH", "BASH_ENV", "ENV", "IFS", "SHELLOPTS", "BASHOPTS", "PS4",
	"PROMPT_COMMAND", "PYTHONPATH", "PYTHONSTARTUP", "PYTHONHOME",
	"PERL5LIB", "PERL5OPT", "RUBYOPT", "RUBYLIB", "NODE_OPTIONS",
	"NODE_PATH", "CDPATH", "HOME", NULL
};

/* Is the name (len bytes) a variable that changes what runs? */
static int
pb_danger_var(const char *s, size_t len)
{
	size_t	i;

	if ((len > 3 && strncmp(s, "LD_", 3) == 0) ||
	    (len > 5 && strncmp(s, "DYLD_", 5) == 0) ||
	    (len > 4 && strncmp(s, "GIT_", 4) == 0))
		return (1);
	for (i = 0; pb_danger_vars[i] != NULL; i++) {
		if (strlen(pb_danger_vars[i]) == len &&
		    strncmp(pb_danger_vars[i], s, len) == 0)
			return (1);
	}
	return (0);
}

/* Note the first reason the line cannot be decided by rules. */
static void
pb_opaque(struct pb *pb, const char *why)
{
	if (pb->cl->opaque == NULL)
		pb->cl->opaque = xstrdup(why);
}

/* Is node's type t? */
static int
pb_is(TSNode n, const char *t)
{
	return (strcmp(ts_node_type(n), t) == 0);
}

/* Append node's source text to b. */
static void
pb_text(struct pb *pb, TSNode n, struct buf *b)
{
	uint32_t	s = ts_node_start_byte(n), e = ts_node_end_byte(n);

	buf_add(b, pb->src + s, e - s);
}

/* The children of a node, with their field names. */
struct pb_kids {
	TSNode		*v;
	const char	**f;
	uint32_t	 n;
};

/*
 * Fill k with the children of n (named only: named), walking a tree
 * cursor: ts_node_child(n, i) costs i steps, so a loop over it is
 * quadratic in a long command's words, and ts_node_field_name_for_child()
 * of tree-sitter 0.20 (Debian 12) gives wrong names past the first
 * children.
 */
static void
pb_kids(TSNode n, int named, struct pb_kids *k)
{
	TSTreeCursor	c = ts_tree_cursor_new(n);
	TSNode		ch;
	uint32_t	max = ts_node_child_count(n);

	k->v = xcalloc(max + 1, sizeof *k->v);
	k->f = xcalloc(max + 1, sizeof *k->f);
	k->n = 0;
	if (ts_tree_cursor_goto_first_child(&c)) {
		do {
			ch = ts_tree_cursor_current_node(&c);
			if ((named && !ts_node_is_named(ch)) || k->n >= max)
				continue;
			k->f[k->n] = ts_tree_cursor_current_field_name(&c);
			k->v[k->n++] = ch;
		} while (ts_tree_cursor_goto_next_sibling(&c));
	}
	ts_tree_cursor_delete(&c);
}

static void
pb_kids_free(struct pb_kids *k)
{
	free(k->v);
	free(k->f);
}

/* Walk the command substitutions inside node (a word, an expansion). */
static void
pb_subst(struct pb *pb, TSNode n)
{
	if (pb->nest >= PB_MAX_NEST) {
		pb_opaque(pb, "the command is nested too deep to check");
		return;
	}
	pb->nest++;
	pb_subst1(pb, n);
	pb->nest--;
}

static void
pb_subst1(struct pb *pb, TSNode n)
{
	struct pb_kids	k;
	uint32_t	i;

	if (pb_is(n, "command_substitution") ||
	    pb_is(n, "process_substitution")) {
		pb_kids(n, 1, &k);
		for (i = 0; i < k.n; i++)
			pb_stmt(pb, k.v[i]);
		pb_kids_free(&k);
		return;
	}
	if (pb_is(n, "ERROR") || ts_node_is_missing(n))
		pb_opaque(pb, "the command does not parse");
	pb_kids(n, 1, &k);
	for (i = 0; i < k.n; i++)
		pb_subst(pb, k.v[i]);
	pb_kids_free(&k);
}

/*
 * Append what the shell makes of word node n to b, unquoted; 1 when it
 * has expansions (a variable, a substitution, a glob): what runs is then
 * known only at run time.  The substitutions in it are walked.
 */
static int
pb_word(struct pb *pb, TSNode n, struct buf *b)
{
	const char	*t = ts_node_type(n), *p, *e;
	struct pb_kids	 k;
	uint32_t	 i, s, end;
	int		 dyn = 0;

	s = ts_node_start_byte(n);
	end = ts_node_end_byte(n);
	if (strcmp(t, "word") == 0 || strcmp(t, "number") == 0) {
		for (p = pb->src + s, e = pb->src + end; p < e; p++) {
			if (*p == '\\' && p + 1 < e) {
				p++;
				buf_add(b, p, 1);
				continue;
			}
			if (strchr("*?[", *p) != NULL)
				dyn = 1;
			buf_add(b, p, 1);
		}
		return (dyn);
	}
	if (strcmp(t, "raw_string") == 0) {
		if (end - s >= 2)
			buf_add(b, pb->src + s + 1, end - s - 2);
		return (0);
	}
	if (strcmp(t, "string") == 0) {
		pb_kids(n, 1, &k);
		for (i = 0; i < k.n; i++) {
			if (!pb_is(k.v[i], "string_content")) {
				dyn = 1;
				pb_subst(pb, k.v[i]);
			}
		}
		pb_kids_free(&k);
		if (dyn || end - s < 2) {
			pb_text(pb, n, b);
			return (1);
		}
		for (p = pb->src + s + 1, e = pb->src + end - 1; p < e; p++) {
			if (*p == '\\' && p + 1 < e &&
			    strchr("\"\\$`\n", p[1]) != NULL) {
				p++;
				if (*p != '\n')
					buf_add(b, p, 1);
				continue;
			}
			buf_add(b, p, 1);
		}
		return (0);
	}
	if (strcmp(t, "concatenation") == 0) {
		pb_kids(n, 1, &k);
		for (i = 0; i < k.n; i++)
			dyn |= pb_word(pb, k.v[i], b);
		pb_kids_free(&k);
		return (dyn);
	}
	/* Expansions, substitutions, $'...', brace expressions. */
	pb_subst(pb, n);
	pb_text(pb, n, b);
	return (1);
}

/* Walk a statement (or anything holding statements). */
static void
pb_stmt(struct pb *pb, TSNode n)
{
	if (pb->nest >= PB_MAX_NEST) {
		pb_opaque(pb, "the command is nested too deep to check");
		return;
	}
	pb->nest++;
	pb_stmt1(pb, n);
	pb->nest--;
}

static void
pb_stmt1(struct pb *pb, TSNode n)
{
	const char	*t = ts_node_type(n), *f;
	struct pb_kids	 k;
	uint32_t	 i;
	TSNode		 v;
	size_t		 g;

	if (ts_node_is_missing(n) || strcmp(t, "ERROR") == 0) {
		pb_opaque(pb, "the command does not parse");
		return;
	}
	if (strcmp(t, "comment") == 0)
		return;
	if (strcmp(t, "command") == 0) {
		pb_command(pb, n);
		return;
	}
	if (strcmp(t, "redirected_statement") == 0) {
		pb_kids(n, 1, &k);
		for (i = 0; i < k.n; i++) {
			f = k.f[i];
			if (f != NULL && strcmp(f, "body") == 0)
				pb_stmt(pb, k.v[i]);
			else
				pb_redirect(pb, k.v[i]);
		}
		pb_kids_free(&k);
		return;
	}
	if (strcmp(t, "function_definition") == 0) {
		pb_opaque(pb, "it defines a shell function");
		return;
	}
	if (strcmp(t, "declaration_command") == 0) {
		pb_opaque(pb, "it sets shell variables (export, declare, "
		    "local)");
		pb_subst(pb, n);
		return;
	}
	if (strcmp(t, "variable_assignment") == 0) {
		v = ts_node_child_by_field_name(n, "name", 4);
		if (!ts_node_is_null(v) && pb_danger_var(pb->src +
		    ts_node_start_byte(v), ts_node_end_byte(v) -
		    ts_node_start_byte(v)))
			pb_opaque(pb, "it sets a variable that changes what "
			    "runs (PATH, LD_*, ...)");
		pb_subst(pb, n);
		return;
	}
	for (g = 0; pb_groups[g] != NULL; g++) {
		if (strcmp(t, pb_groups[g]) == 0)
			break;
	}
	if (pb_groups[g] == NULL && strcmp(t, "variable_assignments") != 0) {
		pb_subst(pb, n);
		return;
	}
	pb_kids(n, 1, &k);
	for (i = 0; i < k.n; i++)
		pb_stmt(pb, k.v[i]);
	pb_kids_free(&k);
}

/* Is b (a heredoc body) free of expansions? */
static int
pb_heredoc_plain(TSNode body)
{
	struct pb_kids	k;
	uint32_t	i;
	int		plain = 1;

	pb_kids(body, 1, &k);
	for (i = 0; i < k.n; i++) {
		if (!pb_is(k.v[i], "heredoc_content"))
			plain = 0;
	}
	pb_kids_free(&k);
	return (plain);
}

/* A redirection: note the file it writes. */
static void
pb_redirect(struct pb *pb, TSNode n)
{
	struct buf	 dest = BUF_INIT, op = BUF_INIT;
	struct pb_kids	 k;
	const char	*f;
	uint32_t	 i;
	TSNode		 c;
	int		 dyn = 0, have = 0;
	char		*abs;

	if (pb_is(n, "heredoc_redirect")) {
		pb_kids(n, 1, &k);
		for (i = 0; i < k.n; i++) {
			c = k.v[i];
			f = k.f[i];
			if (pb_is(c, "heredoc_body")) {
				if (!pb_heredoc_plain(c))
					pb_opaque(pb, "a heredoc has "
					    "expansions");
			} else if (f != NULL && strcmp(f, "right") == 0)
				pb_stmt(pb, c);
			else if (pb_is(c, "file_redirect") ||
			    pb_is(c, "heredoc_redirect"))
				pb_redirect(pb, c);
			else
				pb_subst(pb, c);
		}
		pb_kids_free(&k);
		return;
	}
	if (!pb_is(n, "file_redirect")) {
		pb_subst(pb, n);
		return;
	}
	pb_kids(n, 0, &k);
	for (i = 0; i < k.n; i++) {
		c = k.v[i];
		f = k.f[i];
		if (!ts_node_is_named(c))
			pb_text(pb, c, &op);
		else if (f != NULL && strcmp(f, "destination") == 0) {
			if (have)
				buf_adds(&dest, " ");
			dyn |= pb_word(pb, c, &dest);
			have = 1;
		}
	}
	pb_kids_free(&k);
	if (strchr(op.buf, '>') == NULL || !have)
		goto out;		/* reads */
	if ((strcmp(op.buf, ">&") == 0 || strcmp(op.buf, "<&") == 0) &&
	    !dyn && (strspn(dest.buf, "0123456789") == dest.len ||
	    strcmp(dest.buf, "-") == 0))
		goto out;		/* 2>&1 */
	if (dyn) {
		pb_opaque(pb, "a redirection writes to a file named at run "
		    "time");
		goto out;
	}
	if (strcmp(dest.buf, "/dev/null") == 0 ||
	    strcmp(dest.buf, "/dev/stdout") == 0 ||
	    strcmp(dest.buf, "/dev/stderr") == 0 ||
	    strcmp(dest.buf, "/dev/tty") == 0)
		goto out;
	abs = policy_abspath(pb->root, dest.buf);
	ALLOC_GROW(pb->cl->writes, pb->cl->nwrites + 1, pb->cl->awrites);
	pb->cl->writes[pb->cl->nwrites++] = abs;
out:
	buf_release(&dest);
	buf_release(&op);
}

/* A simple command: its words, assignments and redirections. */
static void
pb_command(struct pb *pb, TSNode n)
{
	struct policy_cmd	 c;
	struct buf		 w;
	struct pb_kids		 k;
	const char		*f;
	uint32_t		 i;
	TSNode			 ch;
	int			 dyn;

	memset(&c, 0, sizeof c);
	pb_kids(n, 1, &k);
	for (i = 0; i < k.n; i++) {
		ch = k.v[i];
		f = k.f[i];
		if (pb_is(ch, "variable_assignment")) {
			pb_stmt(pb, ch);
			continue;
		}
		if (pb_is(ch, "file_redirect") ||
		    pb_is(ch, "herestring_redirect") ||
		    pb_is(ch, "heredoc_redirect")) {
			pb_redirect(pb, ch);
			continue;
		}
		if (pb_is(ch, "subshell")) {
			pb_stmt(pb, ch);
			continue;
		}
		if (f == NULL || (strcmp(f, "name") != 0 &&
		    strcmp(f, "argument") != 0)) {
			pb_subst(pb, ch);
			continue;
		}
		if (pb_is(ch, "command_name") &&
		    ts_node_named_child_count(ch) > 0)
			ch = ts_node_named_child(ch, 0);
		buf_init(&w, 0);
		dyn = pb_word(pb, ch, &w);
		ALLOC_GROW(c.w, c.n + 1, c.alloc);
		c.w[c.n].dyn = dyn;
		c.w[c.n++].s = buf_detach(&w, NULL);
	}
	pb_kids_free(&k);
	pb_add(pb, &c);
}

/* Free the words of c. */
static void
pb_cmd_free(struct policy_cmd *c)
{
	size_t	i;

	for (i = 0; i < c->n; i++)
		free(c->w[i].s);
	free(c->w);
	memset(c, 0, sizeof *c);
}

/* Drop the first k words of c. */
static void
pb_shift(struct policy_cmd *c, size_t k)
{
	size_t	i;

	if (k > c->n)
		k = c->n;
	for (i = 0; i < k; i++)
		free(c->w[i].s);
	memmove(c->w, c->w + k, (c->n - k) * sizeof *c->w);
	c->n -= k;
}

/* Is word i of c the static text s? */
static int
pb_w(const struct policy_cmd *c, size_t i, const char *s)
{
	return (i < c->n && !c->w[i].dyn && strcmp(c->w[i].s, s) == 0);
}

/* Is word i of c a static option (starting with -)? */
static int
pb_opt(const struct policy_cmd *c, size_t i)
{
	return (i < c->n && !c->w[i].dyn && c->w[i].s[0] == '-');
}

/*
 * Where the command a wrapper runs starts in c (the wrapper is word 0 and
 * named base), or 0 when c is not a wrapper (or one with options this
 * does not know: then it is checked as it is).
 */
static size_t
pb_wrapped(struct pb *pb, struct policy_cmd *c, const char *base)
{
	const char	*s;
	size_t		 i = 1;

	if (strcmp(base, "env") == 0) {
		for (; i < c->n && !c->w[i].dyn; i++) {
			s = c->w[i].s;
			if (strcmp(s, "-i") == 0 || strcmp(s, "-") == 0 ||
			    strcmp(s, "--ignore-environment") == 0 ||
			    strncmp(s, "--unset=", 8) == 0)
				continue;
			if (strcmp(s, "-u") == 0) {
				i++;
				continue;
			}
			if (strcmp(s, "--") == 0) {
				i++;
				break;
			}
			if (*s == '-')
				return (0);
			if (strchr(s, '=') == NULL)
				break;
			if (pb_danger_var(s, strcspn(s, "=")))
				pb_opaque(pb, "it sets a variable that changes "
				    "what runs (PATH, LD_*, ...)");
		}
		return (i < c->n ? i : 0);
	}
	if (strcmp(base, "timeout") == 0) {
		for (; pb_opt(c, i); i++) {
			s = c->w[i].s;
			if (strcmp(s, "-s") == 0 || strcmp(s, "-k") == 0)
				i++;
			else if (strncmp(s, "--signal=", 9) != 0 &&
			    strncmp(s, "--kill-after=", 13) != 0 &&
			    strcmp(s, "--preserve-status") != 0 &&
			    strcmp(s, "--foreground") != 0 &&
			    strcmp(s, "-v") != 0 && strcmp(s, "--verbose") != 0)
				return (0);
		}
		i++;			/* the duration */
		return (i < c->n ? i : 0);
	}
	if (strcmp(base, "nice") == 0) {
		for (; pb_opt(c, i); i++) {
			s = c->w[i].s;
			if (strcmp(s, "-n") == 0)
				i++;
			else if (strspn(s + 1, "0123456789") != strlen(s + 1) &&
			    strncmp(s, "-n", 2) != 0 &&
			    strncmp(s, "--adjustment=", 13) != 0)
				return (0);
		}
		return (i < c->n ? i : 0);
	}
	if (strcmp(base, "nohup") == 0 || strcmp(base, "time") == 0 ||
	    strcmp(base, "command") == 0 || strcmp(base, "exec") == 0 ||
	    strcmp(base, "builtin") == 0) {
		for (; pb_opt(c, i); i++) {
			s = c->w[i].s;
			if (strcmp(s, "--") == 0) {
				i++;
				break;
			}
			if (strcmp(base, "exec") == 0 && strcmp(s, "-a") == 0)
				i++;
			else if (strcmp(s, "-p") != 0 && strcmp(s, "-c") != 0 &&
			    strcmp(s, "-l") != 0)
				return (0);	/* command -v: a lookup */
		}
		return (i < c->n ? i : 0);
	}
	if (strcmp(base, "xargs") == 0) {
		for (; pb_opt(c, i); i++) {
			s = c->w[i].s;
			if (strcmp(s, "--") == 0) {
				i++;
				break;
			}
			if (s[1] != '\0' && s[2] == '\0' &&
			    strchr("adEILnPs", s[1]) != NULL)
				i++;
			else if (s[1] != '\0' && strchr("adEILnPsie", s[1]) !=
			    NULL)
				continue;	/* -n1, -I{} */
			else if (strcmp(s, "-0") != 0 && strcmp(s, "-r") != 0 &&
			    strcmp(s, "-t") != 0 && strcmp(s, "-p") != 0 &&
			    strcmp(s, "-x") != 0 && strncmp(s, "--", 2) != 0)
				return (0);
		}
		c->open = 1;
		if (i >= c->n) {
			/* Plain xargs runs echo. */
			pb_shift(c, c->n);
			ALLOC_GROW(c->w, 1, c->alloc);
			c->w[0].s = xstrdup("echo");
			c->w[0].dyn = 0;
			c->n = 1;
			return (0);
		}
		return (i);
	}
	return (0);
}

/* Parse the script of sh -c (word i of c) as commands of their own. */
static int
pb_shell_c(struct pb *pb, struct policy_cmd *c)
{
	size_t	i, j;
	int	dash_c = 0;

	for (i = 1; pb_opt(c, i); i++) {
		if (strcmp(c->w[i].s, "--") == 0) {
			i++;
			break;
		}
		if (c->w[i].s[1] != '-' && strchr(c->w[i].s, 'c') != NULL)
			dash_c = 1;
		if (c->w[i].s[1] != '-' && (strchr(c->w[i].s, 'o') != NULL ||
		    strchr(c->w[i].s, 'O') != NULL))
			i++;		/* -o OPTION */
	}
	if (!dash_c)
		return (0);
	if (i >= c->n) {
		pb_opaque(pb, "sh -c without a command");
		return (1);
	}
	if (c->w[i].dyn) {
		pb_opaque(pb, "sh -c runs a command known only at run time");
		return (1);
	}
	if (pb->depth >= PB_MAX_DEPTH) {
		pb_opaque(pb, "sh -c is nested too deep");
		return (1);
	}
	j = i;
	pb->depth++;
	pb_line(pb, c->w[j].s, strlen(c->w[j].s));
	pb->depth--;
	return (1);
}

/*
 * eval with words known now: the script is the words joined by spaces, as
 * eval does, parsed as commands of their own.  0 when a word has an
 * expansion (then eval is opaque).
 */
static int
pb_eval(struct pb *pb, struct policy_cmd *c)
{
	struct buf	b = BUF_INIT;
	size_t		i;

	for (i = 1; i < c->n; i++) {
		if (c->w[i].dyn) {
			buf_release(&b);
			return (0);
		}
		buf_addf(&b, "%s%s", i == 1 ? "" : " ", c->w[i].s);
	}
	if (pb->depth >= PB_MAX_DEPTH)
		pb_opaque(pb, "eval is nested too deep");
	else {
		pb->depth++;
		pb_line(pb, b.buf, b.len);
		pb->depth--;
	}
	buf_release(&b);
	return (1);
}

/* find -exec CMD ; and -execdir, -ok, -okdir: list CMD on its own. */
static void
pb_find_exec(struct pb *pb, struct policy_cmd *c)
{
	struct policy_cmd	 in;
	size_t			 i, j, k;

	for (i = 1; i < c->n; i++) {
		if (!pb_w(c, i, "-exec") && !pb_w(c, i, "-execdir") &&
		    !pb_w(c, i, "-ok") && !pb_w(c, i, "-okdir"))
			continue;
		memset(&in, 0, sizeof in);
		for (j = i + 1; j < c->n; j++) {
			if (pb_w(c, j, ";") || pb_w(c, j, "+"))
				break;
			ALLOC_GROW(in.w, in.n + 1, in.alloc);
			in.w[in.n].s = xstrdup(c->w[j].s);
			in.w[in.n++].dyn = c->w[j].dyn ||
			    strstr(c->w[j].s, "{}") != NULL;
		}
		in.open = 1;
		if (pb->depth >= PB_MAX_DEPTH) {
			pb_opaque(pb, "find -exec is nested too deep");
			pb_cmd_free(&in);
		} else {
			pb->depth++;
			pb_add(pb, &in);
			pb->depth--;
		}
		/* The find itself without this part. */
		k = j < c->n ? j + 1 : j;
		for (j = i; j < k; j++)
			free(c->w[j].s);
		memmove(c->w + i, c->w + k, (c->n - k) * sizeof *c->w);
		c->n -= k - i;
		i--;
	}
}

/* List simple command c (taken), unwrapping what it runs. */
static void
pb_add(struct pb *pb, struct policy_cmd *c)
{
	struct policy_cmdline	*cl = pb->cl;
	const char		*base;
	size_t			 i;

	while (c->n > 0 && !c->w[0].dyn) {
		base = strrchr(c->w[0].s, '/');
		base = base != NULL ? base + 1 : c->w[0].s;
		if (strcmp(base, "sh") == 0 || strcmp(base, "bash") == 0 ||
		    strcmp(base, "dash") == 0 || strcmp(base, "zsh") == 0 ||
		    strcmp(base, "ksh") == 0) {
			if (pb_shell_c(pb, c)) {
				pb_cmd_free(c);
				return;
			}
			break;
		}
		if (strcmp(base, "eval") == 0 && pb_eval(pb, c)) {
			pb_cmd_free(c);
			return;
		}
		if (strcmp(base, "eval") == 0 || strcmp(base, "source") == 0 ||
		    strcmp(base, ".") == 0) {
			pb_opaque(pb, "eval and source run code the parser "
			    "cannot see");
			break;
		}
		if (strcmp(base, "find") == 0) {
			pb_find_exec(pb, c);
			break;
		}
		if ((i = pb_wrapped(pb, c, base)) == 0)
			break;
		pb_shift(c, i);
	}
	if (c->n == 0) {
		pb_cmd_free(c);
		return;
	}
	ALLOC_GROW(cl->v, cl->n + 1, cl->alloc);
	cl->v[cl->n++] = *c;
	memset(c, 0, sizeof *c);
}

/* Parse one command line (the top one, or an sh -c script). */
static void
pb_line(struct pb *pb, const char *s, size_t len)
{
	TSParser	*parser;
	TSTree		*tree;
	const char	*saved = pb->src;

	if (len > PB_MAX_BYTES) {
		pb_opaque(pb, "the command is too long to check");
		return;
	}
	parser = ts_parser_new();
	if (!ts_parser_set_language(parser, tree_sitter_bash())) {
		ts_parser_delete(parser);
		pb_opaque(pb, "the bash grammar does not load");
		return;
	}
	ts_parser_set_timeout_micros(parser, 200 * 1000);
	tree = ts_parser_parse_string(parser, NULL, s, (uint32_t)len);
	if (tree == NULL) {
		pb_opaque(pb, "the command takes too long to parse");
		ts_parser_delete(parser);
		return;
	}
	pb->src = s;
	if (ts_node_has_error(ts_tree_root_node(tree)))
		pb_opaque(pb, "the command does not parse");
	pb_stmt(pb, ts_tree_root_node(tree));
	pb->src = saved;
	ts_tree_delete(tree);
	ts_parser_delete(parser);
}

void
policy_bash_parse(const char *command, const char *root,
    struct policy_cmdline *cl)
{
	struct pb	pb;

	memset(&pb, 0, sizeof pb);
	pb.root = root;
	pb.cl = cl;
	if (command == NULL) {
		pb_opaque(&pb, "no command");
		return;
	}
	pb_line(&pb, command, strlen(command));
}

void
policy_cmdline_release(struct policy_cmdline *cl)
{
	size_t	i;

	for (i = 0; i < cl->n; i++)
		pb_cmd_free(&cl->v[i]);
	free(cl->v);
	for (i = 0; i < cl->nwrites; i++)
		free(cl->writes[i]);
	free(cl->writes);
	free(cl->opaque);
	memset(cl, 0, sizeof *cl);
}

char *
policy_cmd_text(const struct policy_cmd *c)
{
	struct buf	b = BUF_INIT;
	size_t		i;

	for (i = 0; i < c->n; i++)
		buf_addf(&b, "%s%s", i == 0 ? "" : " ", c->w[i].s);
	return (buf_detach(&b, NULL));
}
