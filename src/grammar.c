/* grammar.c: tree-sitter grammars, tags queries, and tags from a parse. */
#include <ctype.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>

#define PCRE2_CODE_UNIT_WIDTH 8
#include <pcre2.h>
#include <tree_sitter/api.h>

#include "agentos.h"
#include "hashmap.h"
#include "repomodel.h"
#include "banned.h"

/* The grammars' entry points (grammars/build/<package>/.../parser.c). */
const TSLanguage *tree_sitter_c(void);
const TSLanguage *tree_sitter_cpp(void);
const TSLanguage *tree_sitter_python(void);
const TSLanguage *tree_sitter_javascript(void);
const TSLanguage *tree_sitter_typescript(void);
const TSLanguage *tree_sitter_tsx(void);
const TSLanguage *tree_sitter_go(void);
const TSLanguage *tree_sitter_rust(void);
const TSLanguage *tree_sitter_java(void);
const TSLanguage *tree_sitter_bash(void);

/* The queries (grammars/<lang>/tags.scm, embedded by embed-tags.sh). */
extern const char grammar_tags_c[], grammar_tags_cpp[];
extern const char grammar_tags_python[], grammar_tags_javascript[];
extern const char grammar_tags_typescript[], grammar_tags_tsx[];
extern const char grammar_tags_go[], grammar_tags_rust[];
extern const char grammar_tags_java[], grammar_tags_bash[];

/* What a capture name means. */
enum capture_role {
	CAP_NONE,			/* @_x: only for predicates */
	CAP_DEF,
	CAP_REF,
	CAP_NAME,
	CAP_DECLARATOR,
	CAP_IMPORT,
	CAP_LOCAL,			/* a parameter or local variable */
};

enum pred_op {
	PRED_EQ,
	PRED_NOT_EQ,
	PRED_MATCH,
	PRED_NOT_MATCH,
};

/* A #eq?/#match? predicate of one pattern. */
struct pred {
	enum pred_op	 op;
	uint32_t	 capture;
	int		 other_is_capture;
	uint32_t	 other;		/* capture id */
	char		*str;
	pcre2_code	*re;
};

/* A compiled query and what its captures and predicates mean. */
struct grammar_query {
	TSQuery		*query;
	uint8_t		*role;		/* per capture id */
	uint8_t		*kind;		/* per capture id: def or ref kind */
	struct pred	**preds;	/* per pattern */
	size_t		*npreds;
	char		*error;
	int		 loaded;
};

struct grammar {
	const char		*name;
	const TSLanguage	*(*language)(void);
	const char		*query1, *query2;	/* query2 is appended */
	const char		*exts;		/* " .c .h " */
	const char		*interps;	/* " sh bash " (#! lines) */
	const char		*locals;	/* " compound_statement " */
	int			 declarators;	/* C-like declarators */
	int			 privacy;	/* enum grammar_privacy */
	size_t			 index;
};

/* How a language marks a definition as private (TAG_DEF_*). */
enum grammar_privacy {
	PRIVACY_NONE,
	PRIVACY_STATIC,			/* C, C++: storage class static */
	PRIVACY_JAVA,			/* a private modifier */
	PRIVACY_RUST,			/* no visibility modifier (pub) */
};

#define G(n, fn, q1, q2, e, i, l, d, pv, x) {			\
	.name = n, .language = fn, .query1 = q1, .query2 = q2,		\
	.exts = e, .interps = i, .locals = l, .declarators = d,		\
	.privacy = pv, .index = x }
static const struct grammar grammar_table[] = {
	G("c", tree_sitter_c, grammar_tags_c, NULL, " .c .h ", NULL,
	    " compound_statement parameter_list ", 1, PRIVACY_STATIC, 0),
	G("cpp", tree_sitter_cpp, grammar_tags_cpp, NULL,
	    " .cc .cpp .cxx .c++ .hh .hpp .hxx .h++ .ipp .tcc ", NULL,
	    " compound_statement parameter_list ", 1, PRIVACY_STATIC, 1),
	G("python", tree_sitter_python, grammar_tags_python, NULL,
	    " .py .pyi .pyw ", " python python2 python3 ", NULL, 0,
	    PRIVACY_NONE, 2),
	G("javascript", tree_sitter_javascript, grammar_tags_javascript, NULL,
	    " .js .mjs .cjs .jsx ", " node nodejs ", NULL, 0, PRIVACY_NONE, 3),
	G("typescript", tree_sitter_typescript, grammar_tags_typescript, NULL,
	    " .ts .mts .cts ", " ts-node deno ", NULL, 0, PRIVACY_NONE, 4),
	G("tsx", tree_sitter_tsx, grammar_tags_typescript, grammar_tags_tsx,
	    " .tsx ", NULL, NULL, 0, PRIVACY_NONE, 5),
	G("go", tree_sitter_go, grammar_tags_go, NULL, " .go ", NULL,
	    " block ", 0, PRIVACY_NONE, 6),
	G("rust", tree_sitter_rust, grammar_tags_rust, NULL, " .rs ", NULL,
	    " block ", 0, PRIVACY_RUST, 7),
	G("java", tree_sitter_java, grammar_tags_java, NULL, " .java ", NULL,
	    NULL, 0, PRIVACY_JAVA, 8),
	G("bash", tree_sitter_bash, grammar_tags_bash, NULL,
	    " .sh .bash .bats .ksh ", " sh bash dash ksh zsh ", NULL, 0,
	    PRIVACY_NONE, 9),
};
#undef G
#define GRAMMAR_COUNT (sizeof grammar_table / sizeof grammar_table[0])

static struct grammar_query	grammar_queries[GRAMMAR_COUNT];
static pthread_mutex_t		grammar_lock = PTHREAD_MUTEX_INITIALIZER;

struct grammar_parser {
	TSParser	*parser;
	TSQueryCursor	*cursor;
	pcre2_match_data *md;
	uint64_t	 timeout_us;
};

static const char *def_kind_names[DEF_KIND_COUNT] = {
	"function", "method", "class", "struct", "union", "enum",
	"interface", "type", "module", "macro", "constant", "variable",
	"prototype"
};
static const char *ref_kind_names[REF_KIND_COUNT] = {
	"call", "type", "macro", "identifier"
};

static int	 word_in(const char *list, const char *w, size_t len);
static int	 grammar_compile(const struct grammar *, struct grammar_query *);
static int	 grammar_preds(const struct grammar *, struct grammar_query *,
		    uint32_t);
static int	 grammar_preds_ok(struct grammar_parser *,
		    const struct grammar_query *, const TSQueryMatch *,
		    const char *);
static TSNode	 grammar_declarator(TSNode, int *, int *);
static int	 grammar_is_local(const struct grammar *, TSNode);
static TSPoint	 grammar_point(TSPoint, const char *, size_t, size_t);
static uint32_t	 grammar_sig(struct buf *, TSNode, uint32_t, int,
		    const char *, size_t);
static uint8_t	 grammar_def_flags(const struct grammar *, TSNode, int,
		    const char *);
static int	 def_cmp(const void *, const void *);
struct intern;
struct line_table;
static void	 line_table_init(struct line_table *, const char *, size_t);
static uint32_t	 line_of(const struct line_table *, uint32_t);
static uint32_t	 grammar_intern(struct intern *, struct tags *, const char *,
		    size_t);
static int	 def_line_cmp(const void *, const void *);
static int	 u32_cmp(const void *, const void *);
static int	 ref_cmp(const void *, const void *);

void
tags_init(struct tags *t)
{
	memset(t, 0, sizeof *t);
	buf_init(&t->strs, 0);
}

void
tags_release(struct tags *t)
{
	buf_release(&t->strs);
	free(t->defs);
	free(t->refs);
	free(t->imports);
	free(t->uses);
	tags_init(t);
}

uint32_t
tags_add_str(struct tags *t, const char *s, size_t len)
{
	uint32_t	off = t->strs.len;

	buf_add(&t->strs, s, len);
	buf_addch(&t->strs, '\0');
	return (off);
}

const char *
def_kind_name(enum def_kind k)
{
	if ((unsigned)k >= DEF_KIND_COUNT)
		return ("?");
	return (def_kind_names[k]);
}

int
def_kind_from_name(const char *name)
{
	int	i;

	for (i = 0; i < DEF_KIND_COUNT; i++) {
		if (strcmp(def_kind_names[i], name) == 0)
			return (i);
	}
	return (-1);
}

const char *
ref_kind_name(enum ref_kind k)
{
	if ((unsigned)k >= REF_KIND_COUNT)
		return ("?");
	return (ref_kind_names[k]);
}

/* Is w (len bytes) one of the space-separated words of list? */
static int
word_in(const char *list, const char *w, size_t len)
{
	const char	*p, *e;

	if (list == NULL || len == 0)
		return (0);
	for (p = list; *p != '\0'; p = e) {
		while (*p == ' ')
			p++;
		for (e = p; *e != '\0' && *e != ' '; e++)
			/* nothing */;
		if ((size_t)(e - p) == len && memcmp(p, w, len) == 0)
			return (1);
	}
	return (0);
}

const struct grammar *
grammar_find(const char *name)
{
	size_t	i;

	for (i = 0; i < GRAMMAR_COUNT; i++) {
		if (strcmp(grammar_table[i].name, name) == 0)
			return (&grammar_table[i]);
	}
	return (NULL);
}

uint32_t
grammar_tags_hash(void)
{
	const struct grammar	*g;
	const char		*q;
	uint32_t		 h = HASHMAP_FNV_BASIS;
	size_t			 i;

	for (i = 0; i < GRAMMAR_COUNT; i++) {
		g = &grammar_table[i];
		q = g->query1;
		h = hashmap_fnv1a(h, q, strlen(q));
		if ((q = g->query2) != NULL)
			h = hashmap_fnv1a(h, q, strlen(q));
	}
	return (h);
}

const struct grammar *
grammar_at(size_t i)
{
	return (i < GRAMMAR_COUNT ? &grammar_table[i] : NULL);
}

const char *
grammar_name(const struct grammar *g)
{
	return (g->name);
}

const struct grammar *
grammar_detect(const char *path, const char *head, size_t len)
{
	const char	*base, *dot, *p, *end, *w;
	char		 ext[16], word[32];
	size_t		 i, n;

	base = strrchr(path, '/');
	base = base == NULL ? path : base + 1;
	dot = strrchr(base, '.');
	if (dot != NULL && dot != base && strlen(dot) < sizeof ext - 1) {
		for (i = 0; dot[i] != '\0'; i++)
			ext[i] = tolower((unsigned char)dot[i]);
		ext[i] = '\0';
		for (i = 0; i < GRAMMAR_COUNT; i++) {
			if (word_in(grammar_table[i].exts, ext, strlen(ext)))
				return (&grammar_table[i]);
		}
	}
	if (head == NULL || len < 3 || head[0] != '#' || head[1] != '!')
		return (NULL);
	end = memchr(head, '\n', len);
	if (end == NULL)
		end = head + len;
	/* The interpreter's basename, or the word after env. */
	p = head + 2;
	for (;;) {
		while (p < end && (*p == ' ' || *p == '\t'))
			p++;
		w = p;
		while (p < end && *p != ' ' && *p != '\t' && *p != '\r')
			p++;
		if (w == p)
			return (NULL);
		for (i = p - w; i > 0 && w[i - 1] != '/'; i--)
			/* nothing */;
		n = (p - w) - i;
		if (n == 0 || n >= sizeof word)
			return (NULL);
		memcpy(word, w + i, n);
		word[n] = '\0';
		if (strcmp(word, "env") != 0)
			break;
		/* env -S and options */
		while (p < end && p[0] != '\0') {
			while (p < end && (*p == ' ' || *p == '\t'))
				p++;
			if (p < end && *p == '-') {
				while (p < end && *p != ' ' && *p != '\t')
					p++;
				continue;
			}
			break;
		}
	}
	/* python3.11 counts as python3. */
	n = strlen(word);
	while (n > 0 && (isdigit((unsigned char)word[n - 1]) ||
	    word[n - 1] == '.'))
		n--;
	for (i = 0; i < GRAMMAR_COUNT; i++) {
		if (word_in(grammar_table[i].interps, word, strlen(word)) ||
		    (n > 0 && n < strlen(word) &&
		    word_in(grammar_table[i].interps, word, n)))
			return (&grammar_table[i]);
	}
	return (NULL);
}

/* Parse the predicates of pattern p into q->preds[p]. */
static int
grammar_preds(const struct grammar *g, struct grammar_query *q, uint32_t p)
{
	const TSQueryPredicateStep	*s;
	uint32_t			 n, i, j, len;
	const char			*op;
	struct pred			*pr;
	size_t				 alloc = 0;
	int				 errcode;
	PCRE2_SIZE			 erroff;

	s = ts_query_predicates_for_pattern(q->query, p, &n);
	for (i = 0; i < n; i = j + 1) {
		for (j = i; j < n && s[j].type != TSQueryPredicateStepTypeDone;
		    j++)
			/* nothing */;
		if (j - i != 3 || s[i].type != TSQueryPredicateStepTypeString ||
		    s[i + 1].type != TSQueryPredicateStepTypeCapture)
			goto bad;
		op = ts_query_string_value_for_id(q->query, s[i].value_id, &len);
		ALLOC_GROW(q->preds[p], q->npreds[p] + 1, alloc);
		pr = &q->preds[p][q->npreds[p]];
		memset(pr, 0, sizeof *pr);
		if (strcmp(op, "eq?") == 0)
			pr->op = PRED_EQ;
		else if (strcmp(op, "not-eq?") == 0)
			pr->op = PRED_NOT_EQ;
		else if (strcmp(op, "match?") == 0)
			pr->op = PRED_MATCH;
		else if (strcmp(op, "not-match?") == 0)
			pr->op = PRED_NOT_MATCH;
		else
			goto bad;
		pr->capture = s[i + 1].value_id;
		if (s[i + 2].type == TSQueryPredicateStepTypeCapture) {
			if (pr->op == PRED_MATCH || pr->op == PRED_NOT_MATCH)
				goto bad;
			pr->other_is_capture = 1;
			pr->other = s[i + 2].value_id;
		} else {
			pr->str = xstrdup(ts_query_string_value_for_id(q->query,
			    s[i + 2].value_id, &len));
			if (pr->op == PRED_MATCH || pr->op == PRED_NOT_MATCH) {
				pr->re = pcre2_compile((PCRE2_SPTR)pr->str,
				    PCRE2_ZERO_TERMINATED, 0, &errcode, &erroff,
				    NULL);
				if (pr->re == NULL)
					goto bad;
				pcre2_jit_compile(pr->re, PCRE2_JIT_COMPLETE);
			}
		}
		q->npreds[p]++;
	}
	return (0);

bad:
	q->error = xasprintf("%s tags query: pattern %u: unsupported "
	    "predicate", g->name, p);
	return (-1);
}

/* Compile g's query into q (with grammar_lock held). */
static int
grammar_compile(const struct grammar *g, struct grammar_query *q)
{
	struct buf	 src = BUF_INIT;
	uint32_t	 i, n, len, off;
	TSQueryError	 err;
	const char	*name;
	int		 k;

	buf_adds(&src, g->query1);
	if (g->query2 != NULL)
		buf_adds(&src, g->query2);
	q->query = ts_query_new(g->language(), src.buf, src.len, &off, &err);
	if (q->query == NULL) {
		q->error = xasprintf("%s tags query: error %d at byte %u",
		    g->name, (int)err, off);
		goto out;
	}
	n = ts_query_capture_count(q->query);
	q->role = xcalloc(n + 1, 1);
	q->kind = xcalloc(n + 1, 1);
	for (i = 0; i < n; i++) {
		name = ts_query_capture_name_for_id(q->query, i, &len);
		if (strncmp(name, "definition.", 11) == 0) {
			if ((k = def_kind_from_name(name + 11)) == -1)
				goto badcap;
			q->role[i] = CAP_DEF;
			q->kind[i] = k;
		} else if (strncmp(name, "reference.", 10) == 0) {
			for (k = 0; k < REF_KIND_COUNT; k++) {
				if (strcmp(ref_kind_names[k], name + 10) == 0)
					break;
			}
			if (k == REF_KIND_COUNT)
				goto badcap;
			q->role[i] = CAP_REF;
			q->kind[i] = k;
		} else if (strcmp(name, "name") == 0)
			q->role[i] = CAP_NAME;
		else if (strcmp(name, "declarator") == 0)
			q->role[i] = CAP_DECLARATOR;
		else if (strcmp(name, "import") == 0)
			q->role[i] = CAP_IMPORT;
		else if (strcmp(name, "local") == 0)
			q->role[i] = CAP_LOCAL;
		else if (name[0] == '_')
			q->role[i] = CAP_NONE;
		else
			goto badcap;
	}
	n = ts_query_pattern_count(q->query);
	q->preds = xcalloc(n + 1, sizeof *q->preds);
	q->npreds = xcalloc(n + 1, sizeof *q->npreds);
	for (i = 0; i < n; i++) {
		if (grammar_preds(g, q, i) != 0)
			goto out;
	}
	goto out;

badcap:
	q->error = xasprintf("%s tags query: unknown capture @%s", g->name,
	    name);
out:
	buf_release(&src);
	q->loaded = 1;
	return (q->error == NULL ? 0 : -1);
}

int
grammar_load(const struct grammar *g, char **cause)
{
	struct grammar_query	*q = &grammar_queries[g->index];
	int			 rc;

	pthread_mutex_lock(&grammar_lock);
	if (!q->loaded)
		grammar_compile(g, q);
	rc = q->error == NULL ? 0 : -1;
	if (rc != 0 && cause != NULL)
		*cause = xstrdup(q->error);
	pthread_mutex_unlock(&grammar_lock);
	return (rc);
}

struct grammar_parser *
grammar_parser_create(unsigned int timeout_ms)
{
	struct grammar_parser	*gp = xcalloc(1, sizeof *gp);

	if ((gp->parser = ts_parser_new()) == NULL)
		fatalx("ts_parser_new failed");
	if ((gp->cursor = ts_query_cursor_new()) == NULL)
		fatalx("ts_query_cursor_new failed");
	if ((gp->md = pcre2_match_data_create(4, NULL)) == NULL)
		fatalx("pcre2_match_data_create failed");
	gp->timeout_us = (uint64_t)timeout_ms * 1000;
	return (gp);
}

void
grammar_parser_free(struct grammar_parser *gp)
{
	if (gp == NULL)
		return;
	ts_query_cursor_delete(gp->cursor);
	ts_parser_delete(gp->parser);
	pcre2_match_data_free(gp->md);
	free(gp);
}

/* Do the predicates of match m hold? */
static int
grammar_preds_ok(struct grammar_parser *gp, const struct grammar_query *q,
    const TSQueryMatch *m, const char *text)
{
	const struct pred	*pr;
	TSNode			 a, b;
	uint32_t		 i, j, alen, blen;
	int			 found, eq, rc;

	for (i = 0; i < q->npreds[m->pattern_index]; i++) {
		pr = &q->preds[m->pattern_index][i];
		found = 0;
		memset(&a, 0, sizeof a);
		memset(&b, 0, sizeof b);
		for (j = 0; j < m->capture_count; j++) {
			if (m->captures[j].index == pr->capture) {
				a = m->captures[j].node;
				found |= 1;
			}
			if (pr->other_is_capture &&
			    m->captures[j].index == pr->other) {
				b = m->captures[j].node;
				found |= 2;
			}
		}
		if (!(found & 1))
			return (0);
		alen = ts_node_end_byte(a) - ts_node_start_byte(a);
		switch (pr->op) {
		case PRED_EQ:
		case PRED_NOT_EQ:
			if (pr->other_is_capture) {
				if (!(found & 2))
					return (0);
				blen = ts_node_end_byte(b) -
				    ts_node_start_byte(b);
				eq = alen == blen && memcmp(text +
				    ts_node_start_byte(a), text +
				    ts_node_start_byte(b), alen) == 0;
			} else {
				eq = alen == strlen(pr->str) && memcmp(text +
				    ts_node_start_byte(a), pr->str, alen) == 0;
			}
			if (eq != (pr->op == PRED_EQ))
				return (0);
			break;
		case PRED_MATCH:
		case PRED_NOT_MATCH:
			rc = pcre2_match(pr->re, (PCRE2_SPTR)(text +
			    ts_node_start_byte(a)), alen, 0, 0, gp->md, NULL);
			if ((rc >= 0) != (pr->op == PRED_MATCH))
				return (0);
			break;
		}
	}
	return (1);
}

/*
 * Walk a C/C++ declarator down to the name it declares.  *proto is set when
 * the name is directly a function's (foo(...)), *scoped when it is
 * qualified (Class::foo).  A null node if there is none.
 */
static TSNode
grammar_declarator(TSNode n, int *proto, int *scoped)
{
	TSNode		 c, null;
	const char	*type;
	int		 depth;

	memset(&null, 0, sizeof null);
	for (depth = 0; depth < 32 && !ts_node_is_null(n); depth++) {
		type = ts_node_type(n);
		if (strcmp(type, "identifier") == 0 ||
		    strcmp(type, "field_identifier") == 0 ||
		    strcmp(type, "type_identifier") == 0 ||
		    strcmp(type, "destructor_name") == 0 ||
		    strcmp(type, "operator_name") == 0 ||
		    strcmp(type, "primitive_type") == 0)
			return (n);
		if (strcmp(type, "qualified_identifier") == 0 ||
		    strcmp(type, "template_function") == 0) {
			if (type[0] == 'q')
				*scoped = 1;
			n = ts_node_child_by_field_name(n, "name", 4);
			continue;
		}
		c = ts_node_child_by_field_name(n, "declarator", 10);
		if (strcmp(type, "function_declarator") == 0 &&
		    !ts_node_is_null(c) &&
		    strcmp(ts_node_type(c), "identifier") == 0)
			*proto = 1;
		if (ts_node_is_null(c) && ts_node_named_child_count(n) > 0)
			c = ts_node_named_child(n, 0);
		n = c;
	}
	return (null);
}

/* Is n inside a local scope of g (a function body, a block)? */
static int
grammar_is_local(const struct grammar *g, TSNode n)
{
	const char	*type;

	if (g->locals == NULL)
		return (0);
	for (n = ts_node_parent(n); !ts_node_is_null(n);
	    n = ts_node_parent(n)) {
		type = ts_node_type(n);
		if (word_in(g->locals, type, strlen(type)))
			return (1);
	}
	return (0);
}

/*
 * The TAG_DEF_* flags of definition n (of kind): is it static (C, C++) or
 * private (Java, Rust)?
 */
static uint8_t
grammar_def_flags(const struct grammar *g, TSNode n, int kind,
    const char *text)
{
	TSNode		 c;
	uint32_t	 i, cnt, s, e;
	const char	*type;

	switch (g->privacy) {
	case PRIVACY_STATIC:
		/* Specifiers come first: look at the first few children. */
		cnt = ts_node_named_child_count(n);
		for (i = 0; i < cnt && i < 6; i++) {
			c = ts_node_named_child(n, i);
			type = ts_node_type(c);
			if (strcmp(type, "storage_class_specifier") != 0)
				continue;
			s = ts_node_start_byte(c);
			e = ts_node_end_byte(c);
			if (e - s == 6 && memcmp(text + s, "static", 6) == 0)
				return (TAG_DEF_STATIC);
		}
		break;
	case PRIVACY_JAVA:
		if (ts_node_named_child_count(n) == 0)
			break;
		c = ts_node_named_child(n, 0);
		if (strcmp(ts_node_type(c), "modifiers") != 0)
			break;
		s = ts_node_start_byte(c);
		e = ts_node_end_byte(c);
		for (i = s; i + 7 <= e; i++) {
			if (memcmp(text + i, "private", 7) != 0)
				continue;
			if ((i == s || !isalnum((unsigned char)text[i - 1])) &&
			    (i + 7 == e ||
			    !isalnum((unsigned char)text[i + 7])))
				return (TAG_DEF_PRIVATE);
		}
		break;
	case PRIVACY_RUST:
		/* Methods of trait impls have no pub and are public. */
		if (kind == DEF_METHOD || kind == DEF_MACRO)
			break;
		if (ts_node_named_child_count(n) == 0)
			break;
		type = ts_node_type(ts_node_named_child(n, 0));
		if (strcmp(type, "visibility_modifier") != 0)
			return (TAG_DEF_PRIVATE);
		break;
	}
	return (0);
}

/*
 * The signature of definition n (of kind, its name at byte name): from the
 * start of its first line to its body (when the body starts within a few
 * lines), else to the end of the line holding its name (a prototype: to
 * its end, within a few lines); white space collapsed, at most 200 bytes.
 */
static uint32_t
grammar_sig(struct buf *strs, TSNode n, uint32_t name, int kind,
    const char *text, size_t len)
{
	TSNode		 body;
	size_t		 start, end, lim, i, out;
	char		 sig[208];
	int		 lines, space;
	uint32_t	 off;

	/*
	 * From the start of the line, unless the definition is an item of a
	 * list there (an enumerator, a field): then from itself.
	 */
	start = ts_node_start_byte(n);
	for (i = start; i > 0 && text[i - 1] != '\n'; i--) {
		if (text[i - 1] == '{' || text[i - 1] == ',' ||
		    text[i - 1] == '(' || text[i - 1] == ';')
			break;
	}
	if (i == 0 || text[i - 1] == '\n')
		start = i;
	while (start < len && (text[start] == ' ' || text[start] == '\t'))
		start++;
	lim = ts_node_end_byte(n);
	body = ts_node_child_by_field_name(n, "body", 4);
	end = start;
	while (end < lim && text[end] != '\n')
		end++;
	/* A name below the first line (attributes, a return type). */
	if (name > end && name < lim && name - start < 400) {
		end = name;
		while (end < lim && text[end] != '\n')
			end++;
	}
	if (kind == DEF_PROTOTYPE && lim > end && lim - start < 400) {
		lines = 0;
		for (i = start; i < lim; i++) {
			if (text[i] == '\n')
				lines++;
		}
		if (lines <= 8)
			end = lim;
	}
	if (!ts_node_is_null(body) && ts_node_start_byte(body) > start) {
		lines = 0;
		for (i = start; i < ts_node_start_byte(body); i++) {
			if (text[i] == '\n')
				lines++;
		}
		if (lines <= 8)
			end = ts_node_start_byte(body);
	}
	out = 0;
	space = 0;
	for (i = start; i < end && out < 200; i++) {
		if (isspace((unsigned char)text[i])) {
			space = 1;
			continue;
		}
		if (space && out > 0)
			sig[out++] = ' ';
		space = 0;
		sig[out++] = text[i];
	}
	while (out > 0 && (sig[out - 1] == '{' || sig[out - 1] == ' '))
		out--;
	off = strs->len;
	buf_add(strs, sig, out);
	buf_addch(strs, '\0');
	return (off);
}

/* Where the lines of a text start, to turn byte offsets into lines. */
struct line_table {
	uint32_t	*start;
	size_t		 n;
};

static void
line_table_init(struct line_table *lt, const char *text, size_t len)
{
	size_t	i, alloc = 0;

	lt->start = NULL;
	lt->n = 0;
	ALLOC_GROW(lt->start, 1, alloc);
	lt->start[lt->n++] = 0;
	for (i = 0; i < len; i++) {
		if (text[i] == '\n') {
			ALLOC_GROW(lt->start, lt->n + 1, alloc);
			lt->start[lt->n++] = i + 1;
		}
	}
}

/* The 1-based line holding byte off. */
static uint32_t
line_of(const struct line_table *lt, uint32_t off)
{
	size_t	lo = 0, hi = lt->n, mid;

	while (hi - lo > 1) {
		mid = (lo + hi) / 2;
		if (lt->start[mid] <= off)
			lo = mid;
		else
			hi = mid;
	}
	return (lo + 1);
}

/* Names of one file, each stored once in tags.strs. */
struct intern {
	uint32_t	*offs;		/* offset + 1; 0: empty */
	size_t		 size, nr;
};

/* The offset of name (len bytes) in t->strs, adding it if new. */
static uint32_t
grammar_intern(struct intern *in, struct tags *t, const char *name,
    size_t len)
{
	uint32_t	 h, off, *old;
	size_t		 i, k, oldsize;
	const char	*s;

	if ((in->nr + 1) * 2 >= in->size) {
		old = in->offs;
		oldsize = in->size;
		in->size = oldsize == 0 ? 256 : oldsize * 2;
		in->offs = xcalloc(in->size, sizeof *in->offs);
		for (k = 0; k < oldsize; k++) {
			if (old[k] == 0)
				continue;
			h = hashmap_hash_str(t->strs.buf + old[k] - 1);
			for (i = h & (in->size - 1); in->offs[i] != 0;
			    i = (i + 1) & (in->size - 1))
				/* nothing */;
			in->offs[i] = old[k];
		}
		free(old);
	}
	h = hashmap_fnv1a(HASHMAP_FNV_BASIS, name, len);
	for (i = h & (in->size - 1); in->offs[i] != 0;
	    i = (i + 1) & (in->size - 1)) {
		s = t->strs.buf + in->offs[i] - 1;
		if (strncmp(s, name, len) == 0 && s[len] == '\0')
			return (in->offs[i] - 1);
	}
	off = tags_add_str(t, name, len);
	in->offs[i] = off + 1;
	in->nr++;
	return (off);
}

/*
 * What the query found in a file, by byte: kept with the file's tree so
 * that the next incremental parse re-runs the query over the changed part
 * only (grammar_tags), then turned into tags (found_finish).
 */
struct found_def {
	uint32_t	name_byte;	/* the key */
	uint32_t	start, end;	/* the definition's node */
	uint32_t	pattern;
	uint32_t	name, sig;	/* offsets into strs */
	uint8_t		kind, flags;
};

struct found_ref {
	uint32_t	byte;		/* the key */
	uint32_t	end;
	uint32_t	name;		/* offset into strs */
	uint8_t		kind;
};

/* A local name or an import. */
struct found_str {
	uint32_t	byte;		/* the key */
	uint32_t	end;
	uint32_t	str;		/* offset into strs */
};

struct grammar_found {
	struct buf		 strs;
	struct found_def	*defs;
	size_t			 ndefs, adefs;
	struct found_ref	*refs;
	size_t			 nrefs, arefs;
	struct found_str	*locals;
	size_t			 nlocals, alocals;
	struct found_str	*imports;
	size_t			 nimports, aimports;
	/* The edit since (grammar_tree_edit), new-text bytes. */
	int			 edited;
	uint32_t		 edit_start, edit_old_end, edit_new_end;
};

/* A definition on its way to the tags. */
struct def_tmp {
	struct tag_def	def;
	uint32_t	name_byte;
	uint32_t	pattern;
};

/* Order definitions by name position, then pattern (earlier wins). */
static int
def_cmp(const void *a, const void *b)
{
	const struct found_def	*x = a, *y = b;

	if (x->name_byte != y->name_byte)
		return (x->name_byte < y->name_byte ? -1 : 1);
	if (x->pattern != y->pattern)
		return (x->pattern < y->pattern ? -1 : 1);
	return (0);
}

/* Order definitions by line, then name position. */
static int
def_line_cmp(const void *a, const void *b)
{
	const struct def_tmp	*x = a, *y = b;

	if (x->def.line != y->def.line)
		return (x->def.line < y->def.line ? -1 : 1);
	return (x->name_byte < y->name_byte ? -1 :
	    x->name_byte > y->name_byte);
}

static int
u32_cmp(const void *a, const void *b)
{
	uint32_t	x = *(const uint32_t *)a, y = *(const uint32_t *)b;

	return (x < y ? -1 : x > y);
}

/* Order references by line, name (interned: by offset), then kind. */
static int
ref_cmp(const void *a, const void *b)
{
	const struct tag_ref	*x = a, *y = b;

	if (x->line != y->line)
		return (x->line < y->line ? -1 : 1);
	if (x->name != y->name)
		return (x->name < y->name ? -1 : 1);
	return ((int)x->kind - (int)y->kind);
}

/* Order found references by byte, then kind. */
static int
found_ref_cmp(const void *a, const void *b)
{
	const struct found_ref	*x = a, *y = b;

	if (x->byte != y->byte)
		return (x->byte < y->byte ? -1 : 1);
	return ((int)x->kind - (int)y->kind);
}

/* Order locals and imports by byte. */
static int
found_str_cmp(const void *a, const void *b)
{
	const struct found_str	*x = a, *y = b;

	if (x->byte != y->byte)
		return (x->byte < y->byte ? -1 : 1);
	return (x->str < y->str ? -1 : x->str > y->str);
}

void
grammar_found_free(struct grammar_found *fd)
{
	if (fd == NULL)
		return;
	buf_release(&fd->strs);
	free(fd->defs);
	free(fd->refs);
	free(fd->locals);
	free(fd->imports);
	free(fd);
}

/* Empty fd for a full run. */
static void
found_reset(struct grammar_found *fd)
{
	buf_reset(&fd->strs);
	fd->ndefs = fd->nrefs = fd->nlocals = fd->nimports = 0;
	fd->edited = 0;
}

/* Append len bytes of s to fd's strings; returns the offset. */
static uint32_t
found_str(struct grammar_found *fd, const char *s, size_t len)
{
	uint32_t	off = fd->strs.len;

	buf_add(&fd->strs, s, len);
	buf_addch(&fd->strs, '\0');
	return (off);
}

/*
 * Keep what lies before lo and at or after hi (old-text bytes; shifted by
 * delta), drop the rest: it is found again.
 */
static void
found_keep(struct grammar_found *fd, uint32_t lo, uint32_t hi,
    int64_t delta)
{
	size_t	i, j;

#define SHIFT(b)	((b) >= hi ? (uint32_t)((int64_t)(b) + delta) : (b))
#define GONE(b)		((b) >= lo && (b) < hi)
	for (i = j = 0; i < fd->ndefs; i++) {
		if (GONE(fd->defs[i].name_byte))
			continue;
		fd->defs[j] = fd->defs[i];
		fd->defs[j].name_byte = SHIFT(fd->defs[j].name_byte);
		fd->defs[j].start = SHIFT(fd->defs[j].start);
		fd->defs[j].end = SHIFT(fd->defs[j].end);
		j++;
	}
	fd->ndefs = j;
	for (i = j = 0; i < fd->nrefs; i++) {
		if (GONE(fd->refs[i].byte))
			continue;
		fd->refs[j] = fd->refs[i];
		fd->refs[j].byte = SHIFT(fd->refs[j].byte);
		fd->refs[j].end = SHIFT(fd->refs[j].end);
		j++;
	}
	fd->nrefs = j;
	for (i = j = 0; i < fd->nlocals; i++) {
		if (GONE(fd->locals[i].byte))
			continue;
		fd->locals[j] = fd->locals[i];
		fd->locals[j].byte = SHIFT(fd->locals[j].byte);
		fd->locals[j].end = SHIFT(fd->locals[j].end);
		j++;
	}
	fd->nlocals = j;
	for (i = j = 0; i < fd->nimports; i++) {
		if (GONE(fd->imports[i].byte))
			continue;
		fd->imports[j] = fd->imports[i];
		fd->imports[j].byte = SHIFT(fd->imports[j].byte);
		fd->imports[j].end = SHIFT(fd->imports[j].end);
		j++;
	}
	fd->nimports = j;
#undef SHIFT
#undef GONE
}

/*
 * Grow [*lo, *hi) (old-text bytes) to hold whatever found in the old text
 * overlaps it (the old tree may have split the text otherwise); 1 if it
 * grew.
 */
static int
found_overlaps(const struct grammar_found *fd, uint32_t *lo, uint32_t *hi)
{
	size_t	i;
	int	grew = 0;

#define OVER(s, e) do {							\
	if ((s) < *hi && (e) > *lo) {					\
		if ((s) < *lo) {					\
			*lo = (s);					\
			grew = 1;					\
		}							\
		if ((e) > *hi) {					\
			*hi = (e);					\
			grew = 1;					\
		}							\
	}								\
} while (0)
	for (i = 0; i < fd->ndefs; i++)
		OVER(fd->defs[i].start, fd->defs[i].end);
	for (i = 0; i < fd->nrefs; i++)
		OVER(fd->refs[i].byte, fd->refs[i].end);
	for (i = 0; i < fd->nlocals; i++)
		OVER(fd->locals[i].byte, fd->locals[i].end);
	for (i = 0; i < fd->nimports; i++)
		OVER(fd->imports[i].byte, fd->imports[i].end);
#undef OVER
	return (grew);
}

/* A child of the root, as the old and the new tree are compared. */
struct top_node {
	uint32_t	start, end;
	uint16_t	symbol;
	uint8_t		error;
};

static int
top_cmp(const void *a, const void *b)
{
	const struct top_node	*x = a, *y = b;

	if (x->start != y->start)
		return (x->start < y->start ? -1 : 1);
	if (x->end != y->end)
		return (x->end < y->end ? -1 : 1);
	if (x->symbol != y->symbol)
		return (x->symbol < y->symbol ? -1 : 1);
	return ((int)x->error - (int)y->error);
}

/* The children of root into *v (*n of them). */
static void
top_nodes(TSNode root, struct top_node **v, size_t *n)
{
	TSTreeCursor	 c;
	TSNode		 ch;
	size_t		 alloc = 0;

	*v = NULL;
	*n = 0;
	c = ts_tree_cursor_new(root);
	if (ts_tree_cursor_goto_first_child(&c)) {
		do {
			ch = ts_tree_cursor_current_node(&c);
			ALLOC_GROW(*v, *n + 1, alloc);
			(*v)[*n].start = ts_node_start_byte(ch);
			(*v)[*n].end = ts_node_end_byte(ch);
			(*v)[*n].symbol = ts_node_symbol(ch);
			(*v)[*n].error = ts_node_has_error(ch);
			(*n)++;
		} while (ts_tree_cursor_goto_next_sibling(&c));
	}
	ts_tree_cursor_delete(&c);
}

/*
 * Widen [*lo, *hi) (new-text bytes: the edit) to whole children of the
 * new tree's root that are not the same (bytes, type, errors) in the old
 * tree (edited: in new bytes too) and the reverse, then two neighbours
 * each side (patterns anchor on siblings; a token next to an edit may
 * have grown into it).  Goes down through C preprocessor conditionals that
 * hold it all (include guards).  1 if a child in the range has a syntax
 * error: error recovery may have changed the tree in ways the top level
 * does not show, so the caller queries it all.
 */
static int
found_widen(const struct grammar *g, TSNode oldroot, TSNode root,
    uint32_t *lo, uint32_t *hi, int neighbours)
{
	struct top_node	*on = NULL, *nn = NULL, *ns = NULL;
	size_t		 non = 0, nnn = 0, i, first, last, count, only = 0;
	int		 depth, rc = 0;
	TSNode		 a, b;

	for (depth = 0; depth < 8; depth++) {
		free(on);
		free(nn);
		free(ns);
		top_nodes(oldroot, &on, &non);	/* in order: sorted */
		top_nodes(root, &nn, &nnn);
		ns = xreallocarray(NULL, nnn + 1, sizeof *ns);
		memcpy(ns, nn, nnn * sizeof *ns);
		qsort(on, non, sizeof *on, top_cmp);
		qsort(ns, nnn, sizeof *ns, top_cmp);
		/* New children not in the old tree, and the reverse. */
		for (i = 0; i < nnn; i++) {
			if (bsearch(&nn[i], on, non, sizeof *on,
			    top_cmp) != NULL)
				continue;
			if (nn[i].start < *lo)
				*lo = nn[i].start;
			if (nn[i].end > *hi)
				*hi = nn[i].end;
		}
		for (i = 0; i < non; i++) {
			if (bsearch(&on[i], ns, nnn, sizeof *ns,
			    top_cmp) != NULL)
				continue;
			if (on[i].start < *lo)
				*lo = on[i].start;
			if (on[i].end > *hi)
				*hi = on[i].end;
		}
		count = 0;
		for (i = 0; i < nnn; i++) {
			if (nn[i].end > *lo && nn[i].start < *hi) {
				count++;
				only = i;
			}
		}
		/* One conditional around it all, in both: look inside. */
		if (count != 1 || !g->declarators || nn[only].start >= *lo ||
		    nn[only].end <= *hi)
			break;
		a = ts_node_descendant_for_byte_range(root, nn[only].start,
		    nn[only].end);
		b = ts_node_descendant_for_byte_range(oldroot, nn[only].start,
		    nn[only].end);
		if (ts_node_is_null(a) || ts_node_is_null(b) ||
		    ts_node_start_byte(a) != nn[only].start ||
		    ts_node_end_byte(a) != nn[only].end ||
		    ts_node_start_byte(b) != nn[only].start ||
		    strcmp(ts_node_type(a), ts_node_type(b)) != 0 ||
		    strncmp(ts_node_type(a), "preproc_if", 10) != 0)
			break;
		root = a;
		oldroot = b;
	}
	if (nnn == 0)
		goto out;
	/* The first child ending after lo, the last starting before hi. */
	for (first = 0; first < nnn && nn[first].end <= *lo; first++)
		/* nothing */;
	for (last = nnn; last > 0 && nn[last - 1].start >= *hi; last--)
		/* nothing */;
	/* And neighbours (first may be past last: a gap). */
	if (neighbours) {
		first = first > 2 ? first - 2 : 0;
		last = last + 1 < nnn ? last + 1 : nnn - 1;
	} else {
		if (first >= nnn || last == 0 || first > last - 1)
			goto errors;
		last--;
	}
	for (i = first; i <= last; i++) {
		if (nn[i].error)
			rc = 1;
	}
	if (nn[first].start < *lo)
		*lo = nn[first].start;
	if (nn[last].end > *hi)
		*hi = nn[last].end;
errors:
	for (i = 0; i < non; i++) {
		if (on[i].end > *lo && on[i].start < *hi && on[i].error)
			rc = 1;
	}
out:
	free(on);
	free(nn);
	free(ns);
	return (rc);
}

/*
 * Run q over root, within [lo, hi) (bytes of text), adding what has its
 * name there to fd.
 */
static void
found_collect(struct grammar_parser *gp, const struct grammar *g,
    const struct grammar_query *q, TSNode root, const char *text, size_t len,
    uint32_t lo, uint32_t hi, struct grammar_found *fd)
{
	TSQueryMatch		 m;
	TSNode			 node, name, defnode;
	struct found_def	*fdd;
	size_t			 i;
	uint32_t		 s, e, k;
	int			 role, proto, scoped, kind, refkind;
	int			 haveref, havedef, havelocal;

	ts_query_cursor_set_byte_range(gp->cursor, lo, hi);
	ts_query_cursor_exec(gp->cursor, q->query, root);
	while (ts_query_cursor_next_match(gp->cursor, &m)) {
		if (q->npreds[m.pattern_index] != 0 &&
		    !grammar_preds_ok(gp, q, &m, text))
			continue;
		havedef = haveref = havelocal = 0;
		kind = refkind = 0;
		memset(&name, 0, sizeof name);
		memset(&defnode, 0, sizeof defnode);
		proto = scoped = 0;
		for (i = 0; i < m.capture_count; i++) {
			node = m.captures[i].node;
			k = m.captures[i].index;
			role = q->role[k];
			switch (role) {
			case CAP_DEF:
				havedef = 1;
				defnode = node;
				kind = q->kind[k];
				break;
			case CAP_REF:
				haveref = 1;
				defnode = node;
				refkind = q->kind[k];
				break;
			case CAP_NAME:
				name = node;
				break;
			case CAP_DECLARATOR:
				name = grammar_declarator(node, &proto,
				    &scoped);
				break;
			case CAP_LOCAL:
				havelocal = 1;
				name = g->declarators ? grammar_declarator(node,
				    &proto, &scoped) : node;
				break;
			case CAP_IMPORT:
				s = ts_node_start_byte(node);
				e = ts_node_end_byte(node);
				if (s < lo || s >= hi)
					break;
				k = s;
				while (s < e && strchr("\"'<` \t", text[s]))
					s++;
				while (e > s && strchr("\"'>` \t",
				    text[e - 1]))
					e--;
				if (e > s && e - s < 512) {
					ALLOC_GROW(fd->imports,
					    fd->nimports + 1, fd->aimports);
					fd->imports[fd->nimports].byte = k;
					fd->imports[fd->nimports].end =
					    ts_node_end_byte(node);
					fd->imports[fd->nimports++].str =
					    found_str(fd, text + s, e - s);
				}
				break;
			}
		}
		if (!havedef && !haveref && !havelocal)
			continue;
		if (ts_node_is_null(name))
			name = defnode;
		if (ts_node_is_null(name))
			continue;
		s = ts_node_start_byte(name);
		e = ts_node_end_byte(name);
		if (s < lo || s >= hi)
			continue;	/* kept from before */
		if (e <= s || e - s > 200 || memchr(text + s, '\n', e - s))
			continue;
		if (havelocal) {
			ALLOC_GROW(fd->locals, fd->nlocals + 1, fd->alocals);
			fd->locals[fd->nlocals].end = e;
			fd->locals[fd->nlocals].byte = s;
			fd->locals[fd->nlocals++].str = found_str(fd, text + s,
			    e - s);
			continue;
		}
		if (havedef) {
			if (g->declarators) {
				if (kind == DEF_VARIABLE && proto)
					continue;
				if (kind == DEF_PROTOTYPE && !proto)
					continue;
				if (kind == DEF_FUNCTION && scoped)
					kind = DEF_METHOD;
			}
			if ((kind == DEF_VARIABLE || kind == DEF_CONSTANT ||
			    kind == DEF_PROTOTYPE) &&
			    grammar_is_local(g, defnode)) {
				if (kind == DEF_PROTOTYPE)
					continue;
				ALLOC_GROW(fd->locals, fd->nlocals + 1,
				    fd->alocals);
				fd->locals[fd->nlocals].end = e;
				fd->locals[fd->nlocals].byte = s;
				fd->locals[fd->nlocals++].str = found_str(fd,
				    text + s, e - s);
				continue;
			}
			ALLOC_GROW(fd->defs, fd->ndefs + 1, fd->adefs);
			fdd = &fd->defs[fd->ndefs++];
			memset(fdd, 0, sizeof *fdd);
			fdd->kind = kind;
			fdd->flags = grammar_def_flags(g, defnode, kind, text);
			fdd->name_byte = s;
			fdd->start = ts_node_start_byte(defnode);
			fdd->end = ts_node_end_byte(defnode);
			fdd->pattern = m.pattern_index;
			fdd->name = found_str(fd, text + s, e - s);
			fdd->sig = grammar_sig(&fd->strs, defnode, s, kind,
			    text, len);
			continue;
		}
		ALLOC_GROW(fd->refs, fd->nrefs + 1, fd->arefs);
		fd->refs[fd->nrefs].byte = s;
		fd->refs[fd->nrefs].end = e;
		fd->refs[fd->nrefs].kind = refkind;
		fd->refs[fd->nrefs++].name = found_str(fd, text + s, e - s);
	}
}

/* Turn what was found in text into tags (out, empty). */
static void
found_finish(struct grammar_found *fd, const char *text, size_t len,
    struct tags *out)
{
	struct def_tmp		*tmp = NULL;
	struct found_def	*fdd;
	struct intern		 in = { NULL, 0, 0 };
	struct line_table	 lines = { NULL, 0 };
	uint32_t		*namebytes = NULL, *refbytes = NULL, *locals;
	uint32_t		*defnames = NULL, e, name;
	size_t			 ntmp = 0, nnb = 0, nlocals = 0, i, j;
	const char		*s;

	line_table_init(&lines, text, len);

	/* One definition per name node: the earliest pattern wins. */
	if (fd->ndefs > 1)
		qsort(fd->defs, fd->ndefs, sizeof *fd->defs, def_cmp);
	tmp = xreallocarray(NULL, fd->ndefs + 1, sizeof *tmp);
	namebytes = xreallocarray(NULL, fd->ndefs + 1, sizeof *namebytes);
	for (i = 0; i < fd->ndefs; i++) {
		fdd = &fd->defs[i];
		if (ntmp > 0 && fdd->name_byte == tmp[ntmp - 1].name_byte)
			continue;
		memset(&tmp[ntmp], 0, sizeof tmp[ntmp]);
		tmp[ntmp].def.kind = fdd->kind;
		tmp[ntmp].def.flags = fdd->flags;
		s = fd->strs.buf + fdd->name;
		tmp[ntmp].def.name = grammar_intern(&in, out, s, strlen(s));
		s = fd->strs.buf + fdd->sig;
		tmp[ntmp].def.sig = tags_add_str(out, s, strlen(s));
		tmp[ntmp].def.line = line_of(&lines, fdd->start);
		/* A node ending with its newline ends on its line. */
		e = fdd->end;
		tmp[ntmp].def.end_line = line_of(&lines, e);
		if (e > 0 && text[e - 1] == '\n' &&
		    tmp[ntmp].def.end_line > tmp[ntmp].def.line)
			tmp[ntmp].def.end_line--;
		tmp[ntmp].name_byte = fdd->name_byte;
		tmp[ntmp].pattern = fdd->pattern;
		namebytes[nnb++] = fdd->name_byte;
		ntmp++;
	}
	if (ntmp > 1)
		qsort(tmp, ntmp, sizeof *tmp, def_line_cmp);
	ALLOC_GROW(out->defs, ntmp, out->adefs);
	for (i = 0; i < ntmp; i++)	/* memcpy: the padding too */
		memcpy(&out->defs[i], &tmp[i].def, sizeof out->defs[i]);
	out->ndefs = ntmp;

	/* References, in the order of the text. */
	if (fd->nrefs > 1)
		qsort(fd->refs, fd->nrefs, sizeof *fd->refs, found_ref_cmp);
	out->refs = xreallocarray(out->refs, fd->nrefs + 1, sizeof *out->refs);
	out->arefs = fd->nrefs + 1;
	refbytes = xreallocarray(NULL, fd->nrefs + 1, sizeof *refbytes);
	for (i = 0; i < fd->nrefs; i++) {
		memset(&out->refs[i], 0, sizeof out->refs[i]);
		s = fd->strs.buf + fd->refs[i].name;
		out->refs[i].kind = fd->refs[i].kind;
		out->refs[i].name = grammar_intern(&in, out, s, strlen(s));
		out->refs[i].line = line_of(&lines, fd->refs[i].byte);
		refbytes[i] = fd->refs[i].byte;
	}
	out->nrefs = fd->nrefs;

	/*
	 * Names declared locally (parameters, local variables) and not
	 * defined at file level: their plain uses are the locals, not
	 * another file's definitions of the name.
	 */
	if (fd->nlocals > 1)
		qsort(fd->locals, fd->nlocals, sizeof *fd->locals,
		    found_str_cmp);
	locals = xreallocarray(NULL, fd->nlocals + 1, sizeof *locals);
	if (fd->nlocals > 0) {
		defnames = xreallocarray(NULL, ntmp + 1, sizeof *defnames);
		for (i = 0; i < ntmp; i++)
			defnames[i] = out->defs[i].name;
		qsort(defnames, ntmp, sizeof *defnames, u32_cmp);
		for (i = 0; i < fd->nlocals; i++) {
			s = fd->strs.buf + fd->locals[i].str;
			name = grammar_intern(&in, out, s, strlen(s));
			if (bsearch(&name, defnames, ntmp, sizeof *defnames,
			    u32_cmp) == NULL)
				locals[nlocals++] = name;
		}
		qsort(locals, nlocals, sizeof *locals, u32_cmp);
	}
	/* Drop references that are definitions' own names, or locals. */
	for (i = j = 0; i < out->nrefs; i++) {
		if (nnb > 0 && bsearch(&refbytes[i], namebytes, nnb,
		    sizeof *namebytes, u32_cmp) != NULL)
			continue;
		if (nlocals > 0 && out->refs[i].kind == REF_IDENT &&
		    bsearch(&out->refs[i].name, locals, nlocals,
		    sizeof *locals, u32_cmp) != NULL)
			continue;
		out->refs[j++] = out->refs[i];
	}
	out->nrefs = j;
	/* One reference per name and line, of the most specific kind. */
	if (out->nrefs > 1)
		qsort(out->refs, out->nrefs, sizeof *out->refs, ref_cmp);
	for (i = j = 0; i < out->nrefs; i++) {
		if (j > 0 && out->refs[i].line == out->refs[j - 1].line &&
		    out->refs[i].name == out->refs[j - 1].name)
			continue;
		out->refs[j++] = out->refs[i];
	}
	out->nrefs = j;
	/* Each referenced name once, with its count (names are interned). */
	for (i = 0; i < out->nrefs; i++)
		refbytes[i] = out->refs[i].name;
	if (out->nrefs > 1)
		qsort(refbytes, out->nrefs, sizeof *refbytes, u32_cmp);
	out->uses = xreallocarray(NULL, out->nrefs + 1, sizeof *out->uses);
	for (i = 0; i < out->nrefs; i = j) {
		for (j = i + 1; j < out->nrefs && refbytes[j] == refbytes[i];
		    j++)
			/* nothing */;
		out->uses[out->nuses].name = refbytes[i];
		out->uses[out->nuses].count = j - i;
		out->nuses++;
	}

	/* Imports, in the order of the text. */
	if (fd->nimports > 1)
		qsort(fd->imports, fd->nimports, sizeof *fd->imports,
		    found_str_cmp);
	for (i = 0; i < fd->nimports; i++) {
		s = fd->strs.buf + fd->imports[i].str;
		ALLOC_GROW(out->imports, out->nimports + 1, out->aimports);
		out->imports[out->nimports++] = tags_add_str(out, s,
		    strlen(s));
	}

	free(tmp);
	free(namebytes);
	free(refbytes);
	free(locals);
	free(defnames);
	free(in.offs);
	free(lines.start);
}

/* Copy what fd keeps to fresh strings, dropping the dead ones. */
static void
found_compact(struct grammar_found *fd)
{
	struct buf	 b = BUF_INIT;
	size_t		 i;
	const char	*s;

#define MOVE(off)	do {						\
	s = fd->strs.buf + (off);					\
	(off) = b.len;							\
	buf_add(&b, s, strlen(s) + 1);					\
} while (0)
	for (i = 0; i < fd->ndefs; i++) {
		MOVE(fd->defs[i].name);
		MOVE(fd->defs[i].sig);
	}
	for (i = 0; i < fd->nrefs; i++)
		MOVE(fd->refs[i].name);
	for (i = 0; i < fd->nlocals; i++)
		MOVE(fd->locals[i].str);
	for (i = 0; i < fd->nimports; i++)
		MOVE(fd->imports[i].str);
#undef MOVE
	buf_release(&fd->strs);
	fd->strs = b;
}

int
grammar_tags(struct grammar_parser *gp, const struct grammar *g,
    const char *text, size_t len, struct TSTree **tree,
    struct grammar_found **found, struct tags *out, char **cause)
{
	struct grammar_query	*q = &grammar_queries[g->index];
	TSTree			*old = tree != NULL ? *tree : NULL, *t = NULL;
	TSNode			 root;
	struct grammar_found	*fd;
	uint32_t		 lo, hi, hi_old, plo, phi;
	int			 k;
	int64_t			 delta;
	size_t			 before;
	int			 rc = -1;

	fd = found != NULL ? *found : NULL;
	if (found != NULL)
		*found = NULL;
	if (grammar_load(g, cause) != 0)
		goto out;
	if (len > UINT32_MAX / 2) {
		*cause = xstrdup("file too large to parse");
		goto out;
	}
	ts_parser_set_language(gp->parser, g->language());
	ts_parser_set_timeout_micros(gp->parser, gp->timeout_us);
	t = ts_parser_parse_string(gp->parser, old, text, len);
	if (t == NULL) {
		ts_parser_reset(gp->parser);
		*cause = xstrdup("parse timed out");
		goto out;
	}
	root = ts_tree_root_node(t);
	out->errors = ts_node_has_error(root);

	/* A file that is all one error is queried whole. */
	if (fd != NULL && fd->edited == 1 && old != NULL && len > 0 &&
	    strcmp(ts_node_type(root), "ERROR") != 0 &&
	    strcmp(ts_node_type(ts_tree_root_node(old)), "ERROR") != 0) {
		/* Again over what changed only: the edit and its syntax. */
		lo = fd->edit_start;
		hi = fd->edit_new_end;
		/* A byte each side: a token next to the edit may change. */
		lo = lo > 0 ? lo - 1 : 0;
		hi = hi + 1 < len ? hi + 1 : len;
		delta = (int64_t)fd->edit_new_end - fd->edit_old_end;
		/*
		 * Whole top-level nodes that changed (the old tree, edited,
		 * counts in new bytes), their neighbours, and whatever found
		 * before (old bytes) overlaps them; none broken.
		 */
		for (k = 0; k < 3; k++) {
			do {
				plo = lo;
				phi = hi;
				if (found_widen(g, ts_tree_root_node(old), root,
				    &lo, &hi, k == 1) && k == 2)
					goto whole;
				hi_old = (uint32_t)(hi - delta);
				found_overlaps(fd, &lo, &hi_old);
				hi = (uint32_t)(hi_old + delta);
			} while (k != 1 && (lo != plo || hi != phi));
		}
		found_keep(fd, lo, hi_old, delta);
		before = fd->strs.len;
		found_collect(gp, g, q, root, text, len, lo, hi, fd);
		if (fd->strs.len > 2 * (before + 65536))
			found_compact(fd);
	} else {
whole:
		if (fd == NULL) {
			fd = xcalloc(1, sizeof *fd);
			buf_init(&fd->strs, 0);
		}
		found_reset(fd);
		found_collect(gp, g, q, root, text, len, 0, UINT32_MAX, fd);
	}
	fd->edited = 0;
	found_finish(fd, text, len, out);
	rc = 0;
out:
	if (old != NULL) {
		/* The new tree shares what it reused; the old one goes. */
		ts_tree_delete(old);
		if (tree != NULL)
			*tree = NULL;
	}
	if (rc == 0 && found != NULL)
		*found = fd;
	else
		grammar_found_free(fd);
	if (tree != NULL)
		*tree = t;
	else if (t != NULL)
		ts_tree_delete(t);
	return (rc);
}

/* Advance p (the point of text[from]) to the point of text[to]. */
static TSPoint
grammar_point(TSPoint p, const char *text, size_t from, size_t to)
{
	const char	*nl;

	while (from < to && (nl = memchr(text + from, '\n', to - from)) !=
	    NULL) {
		p.row++;
		p.column = 0;
		from = nl - text + 1;
	}
	p.column += to - from;
	return (p);
}

void
grammar_tree_edit(struct TSTree *tree, struct grammar_found *found,
    const char *old, size_t oldlen, const char *new, size_t newlen)
{
	TSInputEdit	e;
	TSPoint		zero = { 0, 0 };
	size_t		pre = 0, suf = 0, min;

	min = oldlen < newlen ? oldlen : newlen;
	while (pre < min && old[pre] == new[pre])
		pre++;
	while (suf < min - pre && old[oldlen - 1 - suf] == new[newlen - 1 - suf])
		suf++;
	e.start_byte = pre;
	e.old_end_byte = oldlen - suf;
	e.new_end_byte = newlen - suf;
	e.start_point = grammar_point(zero, old, 0, pre);
	e.old_end_point = grammar_point(e.start_point, old, pre, oldlen - suf);
	e.new_end_point = grammar_point(e.start_point, new, pre, newlen - suf);
	ts_tree_edit(tree, &e);
	if (found != NULL) {
		/* A second edit before a parse: the next run is a full one. */
		found->edited = found->edited ? 2 : 1;
		found->edit_start = e.start_byte;
		found->edit_old_end = e.old_end_byte;
		found->edit_new_end = e.new_end_byte;
	}
}

void
grammar_tree_free(struct TSTree *tree)
{
	if (tree != NULL)
		ts_tree_delete(tree);
}

