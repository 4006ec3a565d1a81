/* repomodel-rank.c: the file graph, personalised PageRank and the map. */
#include <ctype.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "agentos.h"
#include "repomodel-private.h"
#include "banned.h"

/*
 * The graph: an edge r -> d for each name file r references and file d
 * defines (weight sqrt(uses) / number of files defining the name, less for
 * _private and very short names, more for long descriptive ones; names
 * defined in more than RANK_MAX_DEFINERS files say nothing and are left
 * out), an edge for each resolved import (RANK_IMPORT_W), and both ways
 * for files changed together in history (RANK_COCHANGE_W * sqrt(commits)).
 * Personalised PageRank (damping 0.85) ranks the files toward those in the
 * conversation, those defining mentioned identifiers, and recently changed
 * ones; a definition's importance is the rank flowing to it along the
 * edges of its name.
 */
#define RANK_MAX_DEFINERS	16
#define RANK_IMPORT_W		2.0
#define RANK_COCHANGE_W		0.3
#define RANK_DAMPING		0.85
#define RANK_ITERATIONS		40
#define RANK_EPSILON		1e-7
#define RANK_CANDIDATES		300	/* files whose definitions compete */
#define MENTION_DECAY		0.7
#define MENTION_MAX		64

/* A scored definition for the map. */
struct map_item {
	uint32_t	file;
	uint32_t	def;
	double		score;
	size_t		cost;		/* bytes of its line */
};

static double	 name_weight(const char *);
static void	 add_import(struct repomodel *, uint32_t, const char *,
		    struct rm_map *, uint32_t *);
static uint32_t	 find_suffix(struct repomodel *, const char *,
		    struct rm_map *, uint32_t *);
static void	 pagerank(struct repomodel *, const double *, double *);
static int	 item_cmp(const void *, const void *);
static int	 item_file_cmp(const void *, const void *);
static const double *item_rank;

/* How much a name says about a dependency. */
static double
name_weight(const char *name)
{
	size_t	len = strlen(name);
	double	w = 1.0;
	int	under = strchr(name, '_') != NULL, upper = 0, lower = 0;
	size_t	i;

	for (i = 0; i < len; i++) {
		if (isupper((unsigned char)name[i]))
			upper = 1;
		else if (islower((unsigned char)name[i]))
			lower = 1;
	}
	if (name[0] == '_')
		w *= 0.1;
	if (len < 3)
		w *= 0.1;
	else if (len >= 8 && (under || (upper && lower)))
		w *= 2.0;
	return (w);
}

/*
 * The file whose path is cand or ends with "/cand"; UINT32_MAX if none or
 * only ambiguous ones (then the first is taken: includes are usually
 * unique by suffix).
 */
static uint32_t
find_suffix(struct repomodel *rm, const char *cand, struct rm_map *base,
    uint32_t *next)
{
	const char	*b = strrchr(cand, '/');
	uint32_t	 i;
	size_t		 len = strlen(cand), plen;
	struct rm_file	*f;

	if ((i = rm_file_index(rm, cand)) != UINT32_MAX)
		return (i);
	b = b == NULL ? cand : b + 1;
	for (i = rm_map_get(base, b); i != UINT32_MAX; i = next[i]) {
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
    struct rm_map *base, uint32_t *next)
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
	struct rm_map	 base;
	uint32_t	*next;
	struct rm_file	*f;
	const char	*b;
	size_t		 i, k;
	uint32_t	 prev;

	if (!rm->imports_dirty)
		return;
	rm_map_init(&base);
	next = xcalloc(rm->nfiles + 1, sizeof *next);
	for (i = 0; i < rm->nfiles; i++) {
		if ((f = rm->files[i]) == NULL)
			continue;
		b = strrchr(f->path, '/');
		b = b == NULL ? f->path : b + 1;
		prev = rm_map_get(&base, b);
		next[i] = prev;
		rm_map_set(&base, (char *)b, i);
	}
	for (i = 0; i < rm->nfiles; i++) {
		if ((f = rm->files[i]) == NULL)
			continue;
		free(f->imports);
		f->imports = NULL;
		f->nimports = 0;
		if (f->g == NULL)
			continue;
		for (k = 0; k < f->tags.nimports; k++)
			add_import(rm, i, TAGS_STR(&f->tags,
			    f->tags.imports[k]), &base, next);
	}
	rm_map_release(&base);
	free(next);
	rm->imports_dirty = 0;
	rm->graph_dirty = 1;
}

/* Rebuild the weighted file graph (CSR by source) when it is dirty. */
void
rm_rank_graph(struct repomodel *rm)
{
	struct rm_file	*f;
	struct rm_name	*n;
	double		*acc, w;
	uint32_t	*touched, *dfiles, *off, *dst, ni;
	uint32_t	*poff, *pother, *pn, d, o;
	float		*ew;
	size_t		 ntouched, i, k, m, nd, nedges = 0, aedges = 0;

	if (rm->imports_dirty)
		rm_rank_imports(rm);
	if (!rm->graph_dirty)
		return;
	acc = xcalloc(rm->nfiles + 1, sizeof *acc);
	touched = xcalloc(rm->nfiles + 1, sizeof *touched);
	dfiles = xcalloc(RANK_MAX_DEFINERS + 2, sizeof *dfiles);
	off = xcalloc(rm->nfiles + 2, sizeof *off);
	dst = NULL;
	ew = NULL;

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
		ntouched = 0;
		/* The names this file references, with their counts. */
		for (k = 0; k < f->nrnames; k++) {
			ni = f->rnames[k].file;
			n = rm->names[ni];
			if (n->ndefs == 0)
				continue;
			nd = 0;
			for (m = 0; m < n->ndefs && nd <= RANK_MAX_DEFINERS;
			    m++) {
				d = n->defs[m].file;
				if (nd > 0 && dfiles[nd - 1] == d)
					continue;
				dfiles[nd++] = d;
			}
			if (nd == 0 || nd > RANK_MAX_DEFINERS)
				continue;
			w = name_weight(n->name) * sqrt(f->rnames[k].n) / nd;
			for (m = 0; m < nd; m++) {
				if (dfiles[m] == i)
					continue;
				if (acc[dfiles[m]] == 0)
					touched[ntouched++] = dfiles[m];
				acc[dfiles[m]] += w;
			}
		}
		for (k = 0; k < f->nimports; k++) {
			d = f->imports[k];
			if (d == i || rm->files[d] == NULL)
				continue;
			if (acc[d] == 0)
				touched[ntouched++] = d;
			acc[d] += RANK_IMPORT_W;
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
	rm->edge_off = off;
	rm->edge_dst = dst;
	rm->edge_w = ew;
	rm->nedges = nedges;
	rm->out_w = xcalloc(rm->nfiles + 1, sizeof *rm->out_w);
	for (i = 0; i < rm->nfiles; i++) {
		for (k = off[i]; k < off[i + 1]; k++)
			rm->out_w[i] += ew[k];
	}
	free(acc);
	free(touched);
	free(dfiles);
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
			if ((ni = rm_map_get(&rm->paths, q)) != UINT32_MAX)
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
			    (ni = rm_map_getn(&rm->name_map, s + i, j - i)) !=
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

/* Order chosen items by file rank, then line. */
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
	struct map_item		*items = NULL, *chosen = NULL;
	size_t			 nitems = 0, aitems = 0, nchosen = 0, i, k, m;
	size_t			 budget, used, nlive = 0, *order = NULL;
	size_t			 ncand, skipped = 0;
	double			*p, *rank, sum = 0, in, mass;
	uint64_t		 now = rm_now_ms();
	int64_t			 newest = 0;
	uint32_t		 fi, last;
	const struct tag_def	*d;
	const char		*q;
	int			 kindw;
	uint8_t			*onmap;

	if (budget_tokens <= 0)
		budget_tokens = rm->cfg.map_tokens;
	budget = (size_t)budget_tokens * 4;	/* ~4 bytes a token */

	pthread_mutex_lock(&rm->lock);
	rm_rank_graph(rm);
	p = xcalloc(rm->nfiles + 1, sizeof *p);
	rank = xcalloc(rm->nfiles + 1, sizeof *rank);
	onmap = xcalloc(rm->nfiles + 1, 1);

	/* Personalisation: focus, mentions, recent changes. */
	for (i = 0; i < nfocus; i++) {
		q = focus[i];
		while (q[0] == '.' && q[1] == '/')
			q += 2;
		if ((fi = rm_file_index(rm, q)) != UINT32_MAX)
			p[fi] += 10;
		else if ((n = rm_name_get(rm, q)) != NULL) {
			n->mention = n->mention > 2 ? n->mention : 2;
			for (k = 0; k < n->ndefs; k++)
				p[n->defs[k].file] += 10.0 / n->ndefs;
		} else {
			/* A directory: its files share the weight. */
			size_t len = strlen(q), nin = 0, pass;

			while (len > 0 && q[len - 1] == '/')
				len--;
			for (pass = 0; pass < 2; pass++) {
				for (k = 0; k < rm->nfiles; k++) {
					f = rm->files[k];
					if (f == NULL || len == 0 ||
					    strncmp(f->path, q, len) != 0 ||
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
		nlive++;
		if (f->mention > 0)	/* mentioned in the conversation */
			p[i] += 10 * f->mention;
		if (f->changed_ms != 0 && now - f->changed_ms < 3600 * 1000)
			p[i] += 3;
		if (f->last_commit > newest)
			newest = f->last_commit;
	}
	/* Files committed in the last two weeks of history. */
	for (i = 0; i < rm->nfiles; i++) {
		if ((f = rm->files[i]) == NULL || f->last_commit == 0)
			continue;
		if (newest - f->last_commit < 14 * 86400)
			p[i] += 0.2 + 0.05 * (f->churn > 10 ? 10 : f->churn);
	}
	for (i = 0; i < rm->nfiles; i++)
		sum += p[i];
	if (sum == 0) {
		for (i = 0; i < rm->nfiles; i++) {
			if (rm->files[i] != NULL &&
			    rm->files[i]->tags.ndefs > 0)
				p[i] = 1;
			sum += p[i];
		}
	}
	if (sum == 0)
		goto render;
	for (i = 0; i < rm->nfiles; i++)
		p[i] /= sum;
	pagerank(rm, p, rank);
	/*
	 * Rank flows away from a focused file along its edges (damping);
	 * what the conversation is about should stay on top, so half of
	 * the personalisation is added back.
	 */
	for (i = 0; i < rm->nfiles; i++)
		rank[i] += 0.5 * p[i];
	for (i = 0; i < rm->nfiles; i++) {
		if ((f = rm->files[i]) != NULL)
			f->rank = rank[i];
	}

	/* Candidate files: the best ranked with definitions. */
	order = xcalloc(rm->nfiles + 1, sizeof *order);
	for (i = ncand = 0; i < rm->nfiles; i++) {
		if ((f = rm->files[i]) != NULL && f->tags.ndefs > 0)
			order[ncand++] = i;
	}
	/* Partial selection of the top RANK_CANDIDATES by rank. */
	for (i = 0; i < ncand && i < RANK_CANDIDATES; i++) {
		size_t best = i;

		for (k = i + 1; k < ncand; k++) {
			if (rank[order[k]] > rank[order[best]])
				best = k;
		}
		m = order[i];
		order[i] = order[best];
		order[best] = m;
	}
	if (ncand > RANK_CANDIDATES)
		ncand = RANK_CANDIDATES;

	/* Score their definitions by the rank flowing to them. */
	for (i = 0; i < ncand; i++) {
		fi = order[i];
		f = rm->files[fi];
		for (k = 0; k < f->tags.ndefs; k++) {
			d = &f->tags.defs[k];
			n = rm_name_get(rm, TAGS_STR(&f->tags, d->name));
			in = 0;
			if (n != NULL && n->ndefs <= RANK_MAX_DEFINERS) {
				for (m = 0; m < n->nrefs; m++) {
					uint32_t r = n->refs[m].file;

					if (r == fi || rm->out_w[r] == 0)
						continue;
					in += rank[r] * sqrt(n->refs[m].n) /
					    n->ndefs;
				}
			}
			switch (d->kind) {
			case DEF_FUNCTION: case DEF_METHOD: case DEF_CLASS:
			case DEF_STRUCT: case DEF_INTERFACE: case DEF_ENUM:
			case DEF_TYPE: case DEF_UNION: case DEF_MODULE:
				kindw = 3;
				break;
			case DEF_MACRO: case DEF_PROTOTYPE:
				kindw = 2;
				break;
			default:
				kindw = 1;
				break;
			}
			mass = (in + rank[fi] * 0.05) * kindw;
			if (n != NULL && n->mention > 0)
				mass *= 1 + 10 * n->mention;
			ALLOC_GROW(items, nitems + 1, aitems);
			items[nitems].file = fi;
			items[nitems].def = k;
			items[nitems].score = mass;
			items[nitems].cost = strlen(TAGS_STR(&f->tags,
			    d->sig)) + 8;
			nitems++;
		}
	}
	if (nitems > 0)
		qsort(items, nitems, sizeof *items, item_cmp);
	used = 0;
	chosen = xcalloc(nitems + 1, sizeof *chosen);
	for (i = 0; i < nitems; i++) {
		size_t cost = items[i].cost;

		if (!onmap[items[i].file])
			cost += strlen(rm->files[items[i].file]->path) + 2;
		if (used + cost > budget)
			continue;
		used += cost;
		onmap[items[i].file] = 1;
		chosen[nchosen++] = items[i];
	}

render:
	if (nchosen > 0) {
		pthread_mutex_lock(&sort_lock);
		item_rank = rank;
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
		d = &f->tags.defs[chosen[i].def];
		buf_addf(&out, "%5u: %s\n", d->line, TAGS_STR(&f->tags,
		    d->sig));
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
	(void)nlive;
	pthread_mutex_unlock(&rm->lock);
	free(p);
	free(rank);
	free(onmap);
	free(order);
	free(items);
	free(chosen);
	return (buf_detach(&out, NULL));
}
