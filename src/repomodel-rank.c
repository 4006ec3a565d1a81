/* repomodel-rank.c: the file graph, personalised PageRank and the map. */
#include <ctype.h>
#include <fnmatch.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "agentos.h"
#include "repomodel.h"
#include "repomodel-private.h"
#include "banned.h"

/*
 * The graph, after Aider's repository map (aider/repomap.py): an edge r -> d
 * for each name file r references and file d defines, weighted by the name
 * (x10 for a long descriptive one: 8 bytes or more, snake_case or
 * camelCase; x0.1 for _private ones, names under 3 bytes and names defined
 * in more than RANK_MANY_DEFINERS files; names defined in more than
 * RANK_MAX_DEFINERS files say nothing and are left out), by the definition
 * (x0.1 when it is static or private to its file, none for shell variable
 * assignments) and by sqrt(lines using the name in r); only between files
 * of one language family (a C local named like a shell variable is no
 * dependency).  Resolved imports add RANK_IMPORT_W, files changed together
 * in history RANK_COCHANGE_W * sqrt(commits) both ways.
 *
 * Personalised PageRank (damping 0.85) ranks the files toward those in the
 * conversation, those defining mentioned identifiers and recently changed
 * ones (tests and vendored code get a tenth of the background weight).  A
 * definition's score is the rank flowing into it along the edges of its
 * name (rank[r] * weight / out-weight of r, summed), x10 when mentioned,
 * lower for tests, vendored code and variables, higher for files many
 * other non-test files depend on.  Local variables and shell variables are
 * never map entries.
 */
#define RANK_MAX_DEFINERS	16
#define RANK_MANY_DEFINERS	5
#define RANK_IMPORT_W		2.0
#define RANK_COCHANGE_W		0.3
#define RANK_DAMPING		0.85
#define RANK_ITERATIONS		40
#define RANK_EPSILON		1e-7
#define RANK_CANDIDATES		300	/* files whose definitions compete */
#define RANK_LOW		0.1	/* tests, vendored code */
#define RANK_DECAY		0.93	/* a file's next definition */
#define MENTION_DECAY		0.7
#define MENTION_MAX		64

/* Language families: references cross no other boundary. */
enum rank_family {
	FAM_C, FAM_PYTHON, FAM_JS, FAM_GO, FAM_RUST, FAM_JAVA, FAM_SHELL,
	FAM_NONE
};

/* A scored definition for the map. */
struct map_item {
	uint32_t	file;
	uint32_t	def;
	uint32_t	name;		/* names index (rm->names) */
	uint8_t		kindpref;	/* lower: shown when a name repeats */
	double		score;
};


static float	 def_weight(const struct rm_file *, uint8_t,
		    const struct rm_def *);
static uint8_t	 file_family(const struct rm_file *);
static int	 path_has_dir(const char *, const char *const *);
static void	 add_import(struct repomodel *, uint32_t, const char *,
		    struct hashmap *, uint32_t *);
static uint32_t	 find_suffix(struct repomodel *, const char *,
		    struct hashmap *, uint32_t *);
static void	 pagerank(struct repomodel *, const double *, double *);
static int	 item_cmp(const void *, const void *);
static int	 item_name_cmp(const void *, const void *);
static int	 item_file_cmp(const void *, const void *);
static const double *item_rank;

float
rm_rank_name_weight(const char *name)
{
	size_t	len = strlen(name), i;
	float	w = 1.0;
	int	under = 0, upper = 0, lower = 0;

	for (i = 0; i < len; i++) {
		if (name[i] == '_' && i > 0)
			under = 1;
		else if (isupper((unsigned char)name[i]))
			upper = 1;
		else if (islower((unsigned char)name[i]))
			lower = 1;
	}
	if (name[0] == '_')
		w *= 0.1;
	else if (len >= 8 && (under || (upper && lower)))
		w *= 10;
	if (len < 3)
		w *= 0.1;
	return (w);
}

/*
 * How much definition d of f (of language family fam) can be what another
 * file means by its name:
 * 0 for what is never a map entry (shell variable assignments), 0.1 for
 * static (outside headers) and private definitions.
 */
static float
def_weight(const struct rm_file *f, uint8_t fam, const struct rm_def *d)
{
	if (d->kind == DEF_VARIABLE && fam == FAM_SHELL)
		return (0);
	if ((d->flags & TAG_DEF_STATIC) && !(f->fclass & RM_FILE_HEADER))
		return (0.1f);
	if (d->flags & TAG_DEF_PRIVATE)
		return (0.1f);
	return (1);
}

/* The language family of f. */
static uint8_t
file_family(const struct rm_file *f)
{
	static const struct {
		const char	*name;
		uint8_t		 fam;
	} fams[] = {
		{ "c", FAM_C }, { "cpp", FAM_C }, { "python", FAM_PYTHON },
		{ "javascript", FAM_JS }, { "typescript", FAM_JS },
		{ "tsx", FAM_JS }, { "go", FAM_GO }, { "rust", FAM_RUST },
		{ "java", FAM_JAVA }, { "bash", FAM_SHELL },
	};
	const char	*name;
	size_t		 i;

	if (f->g == NULL)
		return (FAM_NONE);
	name = grammar_name(f->g);
	for (i = 0; i < sizeof fams / sizeof fams[0]; i++) {
		if (strcmp(fams[i].name, name) == 0)
			return (fams[i].fam);
	}
	return (FAM_NONE);
}

/* Is one of the directories of path (not its base name) in dirs? */
static int
path_has_dir(const char *path, const char *const *dirs)
{
	const char	*p, *slash;
	size_t		 i, len;

	for (p = path; (slash = strchr(p, '/')) != NULL; p = slash + 1) {
		len = slash - p;
		for (i = 0; dirs[i] != NULL; i++) {
			if (strlen(dirs[i]) == len &&
			    strncasecmp(p, dirs[i], len) == 0)
				return (1);
		}
	}
	return (0);
}

uint8_t
rm_rank_classify(const char *path)
{
	static const char *const test_dirs[] = { "t", "test", "tests",
	    "testing", "testdata", "testsuite", "spec", "specs", "__tests__",
	    "__mocks__", "fixtures", "e2e", NULL };
	static const char *const vendor_dirs[] = { "vendor", "vendored",
	    "third_party", "third-party", "thirdparty", "external", "extern",
	    "deps", "node_modules", "bower_components", "compat", "contrib",
	    "generated", NULL };
	static const char *const test_names[] = { "test_*", "*_test.*",
	    "*_tests.*", "*.test.*", "*.spec.*", "*Test.java",
	    "*Tests.java", "conftest.py", NULL };
	static const char *const gen_names[] = { "*.pb.go", "*.pb.h",
	    "*.pb.cc", "*.pb.c", "*_pb2.py", "*_pb2_grpc.py", "*.generated.*",
	    "*_generated.*", "*.gen.go", "zz_generated*", "*.min.js", NULL };
	const char	*base = strrchr(path, '/'), *dot;
	uint8_t		 c = 0;
	size_t		 i;

	base = base == NULL ? path : base + 1;
	if (path_has_dir(path, test_dirs))
		c |= RM_FILE_TEST;
	for (i = 0; test_names[i] != NULL; i++) {
		if (fnmatch(test_names[i], base, 0) == 0)
			c |= RM_FILE_TEST;
	}
	if (path_has_dir(path, vendor_dirs))
		c |= RM_FILE_VENDOR;
	for (i = 0; gen_names[i] != NULL; i++) {
		if (fnmatch(gen_names[i], base, 0) == 0)
			c |= RM_FILE_VENDOR;
	}
	dot = strrchr(base, '.');
	if (dot != NULL && (strcmp(dot, ".h") == 0 || strcmp(dot, ".hh") == 0 ||
	    strcmp(dot, ".hpp") == 0 || strcmp(dot, ".hxx") == 0 ||
	    strcmp(dot, ".h++") == 0))
		c |= RM_FILE_HEADER;
	return (c);
}

/*
 * The file whose path is cand or ends with "/cand"; UINT32_MAX if none or
 * only ambiguous ones (then the first is taken: includes are usually
 * unique by suffix).
 */
static uint32_t
find_suffix(struct repomodel *rm, const char *cand, struct hashmap *base,
    uint32_t *next)
{
	const char	*b = strrchr(cand, '/');
	uint32_t	 i;
	size_t		 len = strlen(cand), plen;
	struct rm_file	*f;

	if ((i = rm_file_index(rm, cand)) != UINT32_MAX)
		return (i);
	b = b == NULL ? cand : b + 1;
	for (i = hashmap_get(base, b); i != UINT32_MAX; i = next[i]) {
		f = rm->files[i];
		plen = strlen(f->path);
		if (plen > len && f->path[plen - len - 1] == '/' &&
		    strcmp(f->path + plen - len, cand) == 0)
			return (i);
	}
	return (UINT32_MAX);
}

/* Resolve import imp of file fi to a file, if it names one here. */
static void
add_import(struct repomodel *rm, uint32_t fi, const char *imp,
    struct hashmap *base, uint32_t *next)
{
	struct rm_file	*f = rm->files[fi];
	const char	*lang = grammar_name(f->g), *p;
	struct buf	 mod = BUF_INIT, c = BUF_INIT;
	char		 dir[1024];
	const char	*slash;
	static const char *jsext[] = { "", ".js", ".ts", ".tsx", ".jsx",
	    ".mjs", "/index.js", "/index.ts", "/index.tsx", NULL };
	uint32_t	 t = UINT32_MAX;
	size_t		 i, dots;

	slash = strrchr(f->path, '/');
	if (slash == NULL || (size_t)(slash - f->path) >= sizeof dir)
		dir[0] = '\0';
	else {
		memcpy(dir, f->path, slash - f->path);
		dir[slash - f->path] = '\0';
	}
	if (strcmp(lang, "c") == 0 || strcmp(lang, "cpp") == 0 ||
	    strcmp(lang, "bash") == 0) {
		buf_addf(&c, "%s%s%s", dir, *dir ? "/" : "", imp);
		if ((t = rm_file_index(rm, c.buf)) == UINT32_MAX)
			t = find_suffix(rm, imp, base, next);
	} else if (strcmp(lang, "python") == 0) {
		for (dots = 0; imp[dots] == '.'; dots++)
			/* nothing */;
		for (p = imp + dots; *p != '\0' && *p != ' '; p++)
			buf_addch(&mod, *p == '.' ? '/' : *p);
		if (dots > 0) {
			buf_addf(&c, "%s%s%s.py", dir, *dir ? "/" : "",
			    mod.buf);
			t = rm_file_index(rm, c.buf);
		} else if (mod.len > 0) {
			buf_addf(&c, "%s.py", mod.buf);
			if ((t = find_suffix(rm, c.buf, base, next)) ==
			    UINT32_MAX) {
				buf_reset(&c);
				buf_addf(&c, "%s/__init__.py", mod.buf);
				t = find_suffix(rm, c.buf, base, next);
			}
		}
	} else if (strcmp(lang, "javascript") == 0 ||
	    strcmp(lang, "typescript") == 0 || strcmp(lang, "tsx") == 0) {
		if (imp[0] != '.')
			goto out;
		/* Normalise dir/imp. */
		buf_adds(&mod, dir);
		p = imp;
		while (*p != '\0') {
			if (strncmp(p, "./", 2) == 0)
				p += 2;
			else if (strncmp(p, "../", 3) == 0) {
				slash = strrchr(mod.buf, '/');
				buf_setlen(&mod, slash == NULL ? 0 :
				    (size_t)(slash - mod.buf));
				p += 3;
			} else
				break;
		}
		for (i = 0; jsext[i] != NULL && t == UINT32_MAX; i++) {
			buf_reset(&c);
			buf_addf(&c, "%s%s%s%s", mod.buf, mod.len ? "/" : "",
			    p, jsext[i]);
			t = rm_file_index(rm, c.buf);
		}
	} else if (strcmp(lang, "java") == 0) {
		for (p = imp; *p != '\0'; p++)
			buf_addch(&c, *p == '.' ? '/' : *p);
		buf_adds(&c, ".java");
		t = find_suffix(rm, c.buf, base, next);
	} else if (strcmp(lang, "rust") == 0) {
		p = imp;
		if (strncmp(p, "crate::", 7) == 0)
			p += 7;
		else if (strncmp(p, "super::", 7) == 0)
			p += 7;
		for (; *p != '\0' && *p != '{' && *p != ' '; p++)
			buf_addch(&mod, *p == ':' ? '/' : *p);
		while (mod.len > 0 && mod.buf[mod.len - 1] == '/')
			buf_setlen(&mod, mod.len - 1);
		/* a::b::C: try a/b/C.rs, a/b.rs, a.rs. */
		while (mod.len > 0 && t == UINT32_MAX) {
			buf_reset(&c);
			buf_addf(&c, "%s.rs", mod.buf);
			if ((t = find_suffix(rm, c.buf, base, next)) !=
			    UINT32_MAX)
				break;
			buf_reset(&c);
			buf_addf(&c, "%s/mod.rs", mod.buf);
			if ((t = find_suffix(rm, c.buf, base, next)) !=
			    UINT32_MAX)
				break;
			slash = strrchr(mod.buf, '/');
			buf_setlen(&mod, slash == NULL ? 0 :
			    (size_t)(slash - mod.buf));
		}
	} else if (strcmp(lang, "go") == 0) {
		/* A package: link to its files (by directory suffix). */
		size_t len = strlen(imp), plen, n = 0;

		for (i = 0; i < rm->nfiles && n < 8; i++) {
			struct rm_file *g = rm->files[i];

			if (g == NULL || g->g != f->g || i == fi)
				continue;
			slash = strrchr(g->path, '/');
			plen = slash == NULL ? 0 : (size_t)(slash - g->path);
			if (plen == 0 || plen > len ||
			    memcmp(g->path, imp + len - plen, plen) != 0 ||
			    (plen < len && imp[len - plen - 1] != '/'))
				continue;
			f->imports = xreallocarray(f->imports,
			    f->nimports + 1, sizeof *f->imports);
			f->imports[f->nimports++] = i;
			n++;
		}
		goto out;
	}
	if (t != UINT32_MAX && t != fi) {
		f->imports = xreallocarray(f->imports, f->nimports + 1,
		    sizeof *f->imports);
		f->imports[f->nimports++] = t;
	}
out:
	buf_release(&mod);
	buf_release(&c);
}

/* Resolve every file's imports to files (when the file set changed). */
void
rm_rank_imports(struct repomodel *rm)
{
	struct hashmap	 base;
	uint32_t	*next;
	struct rm_file	*f;
	const char	*b;
	size_t		 i, k;
	uint32_t	 prev;

	if (!rm->imports_dirty && !rm->imports_some)
		return;
	hashmap_init(&base);
	next = xcalloc(rm->nfiles + 1, sizeof *next);
	for (i = 0; i < rm->nfiles; i++) {
		if ((f = rm->files[i]) == NULL)
			continue;
		b = strrchr(f->path, '/');
		b = b == NULL ? f->path : b + 1;
		prev = hashmap_get(&base, b);
		next[i] = prev;
		hashmap_set(&base, (char *)b, i);
	}
	for (i = 0; i < rm->nfiles; i++) {
		if ((f = rm->files[i]) == NULL ||
		    (!rm->imports_dirty && !f->imports_stale))
			continue;
		f->imports_stale = 0;
		free(f->imports);
		f->imports = NULL;
		f->nimports = 0;
		if (f->g == NULL)
			continue;
		for (k = 0; k < f->tags.nimports; k++)
			add_import(rm, i, TAGS_STR(&f->tags,
			    f->tags.imports[k]), &base, next);
	}
	hashmap_release(&base);
	free(next);
	rm->imports_dirty = rm->imports_some = 0;
	rm->graph_dirty = 1;
}

/* Rebuild the weighted file graph (CSR by source) when it is dirty. */
void
rm_rank_graph(struct repomodel *rm)
{
	struct rm_file	*f, *g;
	struct rm_name	*n;
	double		*acc, w0;
	float		 t, best;
	uint32_t	*touched, *off, *dst, *by, ni, d;
	uint32_t	*poff, *pother, *pn, o;
	float		*ew;
	uint8_t		*fam, fi;
	size_t		 ntouched, i, k, m, e, nedges = 0, aedges = 0;

	if (rm->imports_dirty || rm->imports_some)
		rm_rank_imports(rm);
	if (!rm->graph_dirty)
		return;
	acc = xcalloc(rm->nfiles + 1, sizeof *acc);
	touched = xcalloc(rm->nfiles + 1, sizeof *touched);
	off = xcalloc(rm->nfiles + 2, sizeof *off);
	by = xcalloc(rm->nfiles + 1, sizeof *by);
	fam = xcalloc(rm->nfiles + 1, sizeof *fam);
	free(rm->indeg);
	rm->indeg = xcalloc(rm->nfiles + 1, sizeof *rm->indeg);
	dst = NULL;
	ew = NULL;

	for (i = 0; i < rm->nfiles; i++) {
		fam[i] = rm->files[i] == NULL ? FAM_NONE :
		    file_family(rm->files[i]);
		by[i] = UINT32_MAX;
	}
	/* Names: distinct definers (a file's definitions are together). */
	for (i = 0; i < rm->nnames; i++) {
		n = rm->names[i];
		n->ndfiles = 0;
		for (k = 0; k < n->ndefs; k++) {
			if (k == 0 || n->defs[k].file != n->defs[k - 1].file)
				n->ndfiles++;
		}
		n->w = n->ndefs == 0 ? 0 : n->bw *
		    (n->ndfiles > RANK_MANY_DEFINERS ? 0.1f : 1);
	}

	/* Co-change pairs by file (both ways). */
	poff = xcalloc(rm->nfiles + 2, sizeof *poff);
	pother = xcalloc(2 * rm->npairs + 1, sizeof *pother);
	pn = xcalloc(2 * rm->npairs + 1, sizeof *pn);
	for (k = 0; k < rm->npairs; k++) {
		poff[rm->pairs[k].a + 1]++;
		poff[rm->pairs[k].b + 1]++;
	}
	for (i = 0; i < rm->nfiles; i++)
		poff[i + 1] += poff[i];
	for (k = 0; k < rm->npairs; k++) {
		uint32_t a = rm->pairs[k].a, b = rm->pairs[k].b;

		pother[poff[a]] = b;
		pn[poff[a]++] = rm->pairs[k].n;
		pother[poff[b]] = a;
		pn[poff[b]++] = rm->pairs[k].n;
	}
	for (i = rm->nfiles; i > 0; i--)
		poff[i] = poff[i - 1];
	poff[0] = 0;

	for (i = 0; i < rm->nfiles; i++) {
		off[i] = nedges;
		if ((f = rm->files[i]) == NULL)
			continue;
		fi = fam[i];
		ntouched = 0;
		/* The names this file references, with their counts. */
		for (k = 0; k < f->nrnames; k++) {
			ni = f->rnames[k].file;
			n = rm->names[ni];
			if (n->ndefs == 0 || n->ndfiles > RANK_MAX_DEFINERS ||
			    n->w == 0)
				continue;
			w0 = n->w * sqrt(f->rnames[k].n);
			/* Each defining file once, by its best definition. */
			for (m = 0; m < n->ndefs; m = e) {
				d = n->defs[m].file;
				g = rm->files[d];
				best = 0;
				for (e = m; e < n->ndefs &&
				    n->defs[e].file == d; e++) {
					t = def_weight(g, fam[d],
					    &g->defs[n->defs[e].n]);
					if (t > best)
						best = t;
				}
				if (d == i || fam[d] != fi || best == 0)
					continue;
				if (acc[d] == 0)
					touched[ntouched++] = d;
				acc[d] += w0 * best;
				if (by[d] != i && !(f->fclass &
				    (RM_FILE_TEST | RM_FILE_VENDOR))) {
					by[d] = i;
					rm->indeg[d]++;
				}
			}
		}
		for (k = 0; k < f->nimports; k++) {
			d = f->imports[k];
			if (d == i || rm->files[d] == NULL)
				continue;
			if (acc[d] == 0)
				touched[ntouched++] = d;
			acc[d] += RANK_IMPORT_W;
			if (by[d] != i && !(f->fclass &
			    (RM_FILE_TEST | RM_FILE_VENDOR))) {
				by[d] = i;
				rm->indeg[d]++;
			}
		}
		for (k = poff[i]; k < poff[i + 1]; k++) {
			o = pother[k];
			if (o == i || rm->files[o] == NULL)
				continue;
			if (acc[o] == 0)
				touched[ntouched++] = o;
			acc[o] += RANK_COCHANGE_W * sqrt(pn[k]);
		}
		ALLOC_GROW(dst, nedges + ntouched + 1, aedges);
		ew = xreallocarray(ew, aedges, sizeof *ew);
		for (k = 0; k < ntouched; k++) {
			dst[nedges] = touched[k];
			ew[nedges] = acc[touched[k]];
			acc[touched[k]] = 0;
			nedges++;
		}
	}
	off[rm->nfiles] = nedges;
	free(rm->edge_off);
	free(rm->edge_dst);
	free(rm->edge_w);
	free(rm->out_w);
	free(rm->fam);
	rm->edge_off = off;
	rm->edge_dst = dst;
	rm->edge_w = ew;
	rm->nedges = nedges;
	rm->fam = fam;
	rm->out_w = xcalloc(rm->nfiles + 1, sizeof *rm->out_w);
	for (i = 0; i < rm->nfiles; i++) {
		for (k = off[i]; k < off[i + 1]; k++)
			rm->out_w[i] += ew[k];
	}
	free(acc);
	free(touched);
	free(by);
	free(poff);
	free(pother);
	free(pn);
	rm->graph_dirty = 0;
}

/* Personalised PageRank of the files into rank, from p (sums to 1). */
static void
pagerank(struct repomodel *rm, const double *p, double *rank)
{
	double		*next, dangling, delta;
	size_t		 i, k, it, n = rm->nfiles;

	next = xcalloc(n + 1, sizeof *next);
	for (i = 0; i < n; i++)
		rank[i] = p[i];
	for (it = 0; it < RANK_ITERATIONS; it++) {
		dangling = 0;
		for (i = 0; i < n; i++)
			next[i] = 0;
		for (i = 0; i < n; i++) {
			if (rank[i] == 0)
				continue;
			if (rm->out_w[i] == 0) {
				dangling += rank[i];
				continue;
			}
			for (k = rm->edge_off[i]; k < rm->edge_off[i + 1]; k++)
				next[rm->edge_dst[k]] += rank[i] *
				    rm->edge_w[k] / rm->out_w[i];
		}
		delta = 0;
		for (i = 0; i < n; i++) {
			next[i] = RANK_DAMPING * (next[i] + dangling * p[i]) +
			    (1 - RANK_DAMPING) * p[i];
			delta += fabs(next[i] - rank[i]);
		}
		memcpy(rank, next, n * sizeof *rank);
		if (delta < RANK_EPSILON)
			break;
	}
	free(next);
}

void
repomodel_note_mentions(struct repomodel *rm, const char *text)
{
	const char	*p, *s;
	struct rm_name	*n;
	struct rm_file	*f;
	size_t		 i, len;
	uint32_t	 ni;

	pthread_mutex_lock(&rm->lock);
	/* Older mentions count less. */
	for (i = 0; i < rm->nnames; i++) {
		if (rm->names[i]->mention > 0) {
			rm->names[i]->mention *= MENTION_DECAY;
			if (rm->names[i]->mention < 0.01)
				rm->names[i]->mention = 0;
		}
	}
	for (i = 0; i < rm->nfiles; i++) {
		if ((f = rm->files[i]) != NULL && f->mention > 0) {
			f->mention *= MENTION_DECAY;
			if (f->mention < 0.01)
				f->mention = 0;
		}
	}
	for (p = text; *p != '\0';) {
		if (!isalnum((unsigned char)*p) && *p != '_' && *p != '.' &&
		    *p != '/') {
			p++;
			continue;
		}
		for (s = p; isalnum((unsigned char)*p) || *p == '_' ||
		    *p == '.' || *p == '/' || *p == '-'; p++)
			/* nothing */;
		len = p - s;
		while (len > 0 && (s[len - 1] == '.' || s[len - 1] == '/'))
			len--;
		if (len < 3 || len > 512)
			continue;
		/* A path of the model? */
		{
			char	*w = xstrndup(s, len);
			char	*q = w;

			while (q[0] == '.' && q[1] == '/')
				q += 2;
			if ((ni = hashmap_get(&rm->paths, q)) != UINT32_MAX)
				rm->files[ni]->mention = 1.0;
			free(w);
		}
		/* Identifiers inside the token (a.b.c, foo::bar). */
		for (i = 0; i < len;) {
			size_t	j = i;

			while (j < len && (isalnum((unsigned char)s[j]) ||
			    s[j] == '_'))
				j++;
			if (j - i >= 3 && !isdigit((unsigned char)s[i]) &&
			    (ni = hashmap_getn(&rm->name_map, s + i, j - i)) !=
			    UINT32_MAX) {
				n = rm->names[ni];
				if (n->ndefs > 0)
					n->mention = 1.0;
			}
			i = j + 1;
		}
	}
	pthread_mutex_unlock(&rm->lock);
}

static int
item_cmp(const void *a, const void *b)
{
	const struct map_item	*x = a, *y = b;

	if (x->score != y->score)
		return (x->score > y->score ? -1 : 1);
	if (x->file != y->file)
		return (x->file < y->file ? -1 : 1);
	return (x->def < y->def ? -1 : x->def > y->def);
}

/* Order one file's items by name, then preference, then line. */
static int
item_name_cmp(const void *a, const void *b)
{
	const struct map_item	*x = a, *y = b;

	if (x->name != y->name)
		return (x->name < y->name ? -1 : 1);
	if (x->kindpref != y->kindpref)
		return (x->kindpref < y->kindpref ? -1 : 1);
	return (x->def < y->def ? -1 : x->def > y->def);
}

/* Order chosen items by file score, then line. */
static int
item_file_cmp(const void *a, const void *b)
{
	const struct map_item	*x = a, *y = b;

	if (x->file != y->file) {
		if (item_rank[x->file] != item_rank[y->file])
			return (item_rank[x->file] > item_rank[y->file] ?
			    -1 : 1);
		return (x->file < y->file ? -1 : 1);
	}
	return (x->def < y->def ? -1 : x->def > y->def);
}

char *
repomodel_map(struct repomodel *rm, int budget_tokens,
    const char *const *focus, size_t nfocus)
{
	static pthread_mutex_t	 sort_lock = PTHREAD_MUTEX_INITIALIZER;
	struct buf		 out = BUF_INIT;
	struct rm_file		*f;
	struct rm_name		*n;
	struct map_item		*items = NULL, *chosen = NULL, *it;
	size_t			 nitems = 0, aitems = 0, nchosen = 0, i, k, m;
	size_t			 budget, used, *order = NULL, first;
	size_t			 ncand, maxcand, skipped = 0;
	double			*p, *bg, *rank, *q, *fscore, *fmul, sum = 0;
	double			 in;
	double			 mass, kindw, t;
	uint64_t		 now = rm_now_ms();
	int64_t			 newest = 0;
	uint32_t		 fi, last, r;
	const struct rm_def	*d;
	const char		*qs;
	uint8_t			*onmap;
	struct rm_sigs		 sigs;

	if (budget_tokens <= 0)
		budget_tokens = rm->cfg.map_tokens;
	budget = (size_t)budget_tokens * 4;	/* ~4 bytes a token */

	rm_sigs_init(&sigs);
	pthread_mutex_lock(&rm->lock);
	rm_rank_graph(rm);
	p = xcalloc(rm->nfiles + 1, sizeof *p);
	bg = xcalloc(rm->nfiles + 1, sizeof *bg);
	rank = xcalloc(rm->nfiles + 1, sizeof *rank);
	q = xcalloc(rm->nfiles + 1, sizeof *q);
	fscore = xcalloc(rm->nfiles + 1, sizeof *fscore);
	fmul = xcalloc(rm->nfiles + 1, sizeof *fmul);
	onmap = xcalloc(rm->nfiles + 1, 1);

	/* Personalisation: focus and mentions (p), recent changes (bg). */
	for (i = 0; i < nfocus; i++) {
		qs = focus[i];
		while (qs[0] == '.' && qs[1] == '/')
			qs += 2;
		if ((fi = rm_file_index(rm, qs)) != UINT32_MAX)
			p[fi] += 10;
		else if ((n = rm_name_get(rm, qs)) != NULL) {
			n->mention = n->mention > 2 ? n->mention : 2;
		} else {
			/* A directory: its files share the weight. */
			size_t len = strlen(qs), nin = 0, pass;

			while (len > 0 && qs[len - 1] == '/')
				len--;
			for (pass = 0; pass < 2; pass++) {
				for (k = 0; k < rm->nfiles; k++) {
					f = rm->files[k];
					if (f == NULL || len == 0 ||
					    strncmp(f->path, qs, len) != 0 ||
					    f->path[len] != '/')
						continue;
					if (pass == 0)
						nin++;
					else
						p[k] += 10.0 / nin;
				}
			}
		}
	}
	for (i = 0; i < rm->nnames; i++) {
		n = rm->names[i];
		if (n->mention <= 0 || n->ndefs == 0)
			continue;
		for (k = 0; k < n->ndefs; k++)
			p[n->defs[k].file] += 10 * n->mention / n->ndefs;
	}
	for (i = 0; i < rm->nfiles; i++) {
		if ((f = rm->files[i]) == NULL)
			continue;
		if (f->mention > 0)	/* mentioned in the conversation */
			p[i] += 10 * f->mention;
		if (f->changed_ms != 0 && now - f->changed_ms < 3600 * 1000)
			bg[i] += 3;
		if (f->last_commit > newest)
			newest = f->last_commit;
	}
	/* Files committed in the last two weeks of history. */
	for (i = 0; i < rm->nfiles; i++) {
		if ((f = rm->files[i]) == NULL || f->last_commit == 0)
			continue;
		if (newest - f->last_commit < 14 * 86400)
			bg[i] += 0.2 + 0.05 * (f->churn > 10 ? 10 : f->churn);
	}
	for (i = 0; i < rm->nfiles; i++)
		sum += bg[i];
	if (sum == 0) {
		for (i = 0; i < rm->nfiles; i++) {
			if (rm->files[i] != NULL &&
			    rm->files[i]->ndefs > 0)
				bg[i] = 1;
		}
	}
	/* Tests and vendored code weigh less, unless in the conversation. */
	sum = 0;
	for (i = 0; i < rm->nfiles; i++) {
		if ((f = rm->files[i]) != NULL && p[i] == 0 &&
		    (f->fclass & (RM_FILE_TEST | RM_FILE_VENDOR)))
			bg[i] *= RANK_LOW;
		sum += p[i] + bg[i];
	}
	if (sum == 0)
		goto render;
	for (i = 0; i < rm->nfiles; i++) {
		bg[i] = (p[i] + bg[i]) / sum;
		p[i] /= sum;
	}
	pagerank(rm, bg, rank);
	/*
	 * Rank flows away from a focused file along its edges (damping);
	 * what the conversation is about should stay on top, so half of
	 * the personalisation is added back.
	 */
	for (i = 0; i < rm->nfiles; i++)
		rank[i] += 0.5 * bg[i];
	for (i = 0; i < rm->nfiles; i++) {
		if ((f = rm->files[i]) == NULL)
			continue;
		f->rank = rank[i];
		if (rm->out_w[i] > 0)
			q[i] = rank[i] / rm->out_w[i];
		/*
		 * The order of files: rank, more for files many others
		 * depend on, less for tests and vendored code.
		 */
		fmul[i] = 1 + 0.1 * log2(1 + rm->indeg[i]);
		if (p[i] == 0 && (f->fclass & (RM_FILE_TEST | RM_FILE_VENDOR)))
			fmul[i] *= RANK_LOW;
		fscore[i] = (rank[i] + 10 * p[i]) * fmul[i];
	}

	/* Candidate files: the best scored with definitions. */
	order = xcalloc(rm->nfiles + 1, sizeof *order);
	for (i = ncand = 0; i < rm->nfiles; i++) {
		if ((f = rm->files[i]) != NULL && f->ndefs > 0)
			order[ncand++] = i;
	}
	/*
	 * Partial selection of the best files: enough for the budget (a
	 * map line is 40 bytes or more), at most RANK_CANDIDATES.
	 */
	maxcand = budget / 40;
	if (maxcand < 50)
		maxcand = 50;
	if (maxcand > RANK_CANDIDATES)
		maxcand = RANK_CANDIDATES;
	for (i = 0; i < ncand && i < maxcand; i++) {
		size_t best = i;

		for (k = i + 1; k < ncand; k++) {
			if (fscore[order[k]] > fscore[order[best]])
				best = k;
		}
		m = order[i];
		order[i] = order[best];
		order[best] = m;
	}
	if (ncand > maxcand)
		ncand = maxcand;

	/* Score their definitions by the rank flowing to them. */
	for (i = 0; i < ncand; i++) {
		fi = order[i];
		f = rm->files[fi];
		first = nitems;
		for (k = 0; k < f->ndefs; k++) {
			d = &f->defs[k];
			if ((t = def_weight(f, rm->fam[fi], d)) == 0)
				continue;	/* never on the map */
			n = f->dnames != NULL ? rm->names[f->dnames[k]] : NULL;
			in = 0;
			if (n != NULL && n->ndfiles <= RANK_MAX_DEFINERS) {
				for (m = 0; m < n->nrefs; m++) {
					r = n->refs[m].file;
					if (r == fi || q[r] == 0 ||
					    rm->fam[r] != rm->fam[fi])
						continue;
					in += q[r] * sqrt(n->refs[m].n);
				}
				in *= n->w;
			}
			switch (d->kind) {
			case DEF_CONSTANT:
			case DEF_VARIABLE:
				kindw = 0.5;
				break;
			default:
				kindw = 1;
				break;
			}
			/*
			 * What the conversation is about is shown even when
			 * nothing refers to it (p: focus and mentions).
			 */
			mass = (in * t + rank[fi] * 0.001 + p[fi] * 10) *
			    kindw * fmul[fi];
			if (n != NULL && n->mention > 0)
				mass *= 1 + 9 * (n->mention > 1 ? 1 :
				    n->mention);
			ALLOC_GROW(items, nitems + 1, aitems);
			it = &items[nitems++];
			it->file = fi;
			it->def = k;
			it->name = f->dnames != NULL ? f->dnames[k] : k;
			it->kindpref = d->kind == DEF_PROTOTYPE ? 1 : 0;
			it->score = mass;
		}
		/* A name defined twice in a file (#ifdef, prototype): once. */
		if (nitems - first > 1) {
			qsort(items + first, nitems - first, sizeof *items,
			    item_name_cmp);
			for (k = m = first; k < nitems; k++) {
				if (m > first && items[m - 1].name ==
				    items[k].name)
					continue;
				items[m++] = items[k];
			}
			nitems = m;
		}
		/* Each further definition of a file counts a little less. */
		qsort(items + first, nitems - first, sizeof *items, item_cmp);
		for (k = first, mass = 1; k < nitems; k++, mass *= RANK_DECAY)
			items[k].score *= mass;
	}
	if (nitems > 0)
		qsort(items, nitems, sizeof *items, item_cmp);
	used = 0;
	chosen = xcalloc(nitems + 1, sizeof *chosen);
	for (i = 0; i < nitems && used + 16 < budget; i++) {
		size_t cost;

		f = rm->files[items[i].file];
		cost = f->defs[items[i].def].siglen + 8;
		if (!onmap[items[i].file])
			cost += strlen(f->path) + 2;
		if (used + cost > budget)
			continue;
		used += cost;
		onmap[items[i].file] = 1;
		chosen[nchosen++] = items[i];
	}

render:
	if (nchosen > 0) {
		pthread_mutex_lock(&sort_lock);
		item_rank = fscore;
		qsort(chosen, nchosen, sizeof *chosen, item_file_cmp);
		pthread_mutex_unlock(&sort_lock);
	}
	last = UINT32_MAX;
	for (i = 0; i < nchosen; i++) {
		f = rm->files[chosen[i].file];
		if (chosen[i].file != last) {
			buf_addf(&out, "%s:\n", f->path);
			last = chosen[i].file;
		}
		d = &f->defs[chosen[i].def];
		buf_addf(&out, "%5u: %s\n", d->line, rm_def_sig(rm, &sigs, f,
		    chosen[i].def));
	}
	for (i = 0; i < rm->nfiles; i++) {
		if ((f = rm->files[i]) != NULL && f->skip != SKIP_NONE &&
		    f->skip != SKIP_LANGUAGE && f->skip != SKIP_NOTFILE)
			skipped++;
	}
	if (skipped > 0) {
		size_t cnt[SKIP_COUNT];

		memset(cnt, 0, sizeof cnt);
		for (i = 0; i < rm->nfiles; i++) {
			if ((f = rm->files[i]) != NULL)
				cnt[f->skip]++;
		}
		buf_adds(&out, "(not indexed:");
		for (i = SKIP_BINARY; i < SKIP_COUNT; i++) {
			if (cnt[i] > 0 && i != SKIP_NOTFILE)
				buf_addf(&out, " %zu %s", cnt[i],
				    repomodel_skip_name(i));
		}
		buf_adds(&out, ")\n");
	}
	pthread_mutex_unlock(&rm->lock);
	rm_sigs_release(&sigs);
	free(p);
	free(bg);
	free(q);
	free(fscore);
	free(fmul);
	free(rank);
	free(onmap);
	free(order);
	free(items);
	free(chosen);
	return (buf_detach(&out, NULL));
}
