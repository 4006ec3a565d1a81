/*
 * complete.c: @path mentions: fuzzy completion over the repository's file
 * list and the attachment of mentioned files to a message (complete.h).
 */
#include <sys/stat.h>

#include <ctype.h>
#include <errno.h>
#include <fcntl.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "agentos.h"
#include "complete.h"
#include "image.h"
#include "repo.h"
#include "repomodel.h"
#include "banned.h"

struct complete_scored {
	const char	*path;
	int		 score;
	size_t		 len;
};

static int	complete_cmp_str(const void *, const void *);
static int	complete_cmp_scored(const void *, const void *);
static int	complete_boundary(const char *, size_t);
static int	complete_score_from(const char *, size_t, const char *,
		    size_t);
static void	complete_size(struct buf *, size_t);
static void	complete_best(struct complete_scored *, size_t, size_t,
		    char ***, size_t *);

char *
complete_word_at(const char *text, size_t caret, size_t *start)
{
	size_t	s = caret, len = strlen(text);

	if (caret > len)
		return (NULL);
	while (s > 0 && text[s - 1] != ' ' && text[s - 1] != '\t' &&
	    text[s - 1] != '\n')
		s--;
	if (text[s] != '@' || s == caret)
		return (NULL);
	*start = s;
	return (xstrndup(text + s + 1, caret - s - 1));
}

/* qsort(3) of strings by strcmp(3). */
static int
complete_cmp_str(const void *a, const void *b)
{
	return (strcmp(*(char *const *)a, *(char *const *)b));
}

void
complete_candidates(char *const *files, size_t n, char ***out, size_t *nout)
{
	char	**v = NULL, *slash;
	size_t	  nv = 0, av = 0, i, j;

	for (i = 0; i < n; i++) {
		ALLOC_GROW(v, nv + 1, av);
		v[nv++] = xstrdup(files[i]);
		for (slash = strchr(files[i], '/'); slash != NULL;
		    slash = strchr(slash + 1, '/')) {
			ALLOC_GROW(v, nv + 1, av);
			v[nv++] = xstrndup(files[i], slash - files[i] + 1);
		}
	}
	if (nv > 0)
		qsort(v, nv, sizeof *v, complete_cmp_str);
	for (i = j = 0; i < nv; i++) {
		if (j > 0 && strcmp(v[j - 1], v[i]) == 0)
			free(v[i]);
		else
			v[j++] = v[i];
	}
	*out = v;
	*nout = j;
}

void
complete_free(char **v, size_t n)
{
	size_t	i;

	for (i = 0; i < n; i++)
		free(v[i]);
	free(v);
}

/* Whether the character at off starts a component of path. */
static int
complete_boundary(const char *path, size_t off)
{
	char	c;

	if (off == 0)
		return (1);
	c = path[off - 1];
	return (c == '/' || c == '_' || c == '-' || c == '.' || c == ' ');
}

/*
 * Score query against path with its first character matched at off, the
 * rest matched greedily (the nearest next occurrence); -1 if it does not
 * match.
 */
static int
complete_score_from(const char *path, size_t off, const char *query,
    size_t base)
{
	size_t	i = off, q = 0, last = (size_t)-1;
	int	score = 0;

	for (; path[i] != '\0' && query[q] != '\0'; i++) {
		if (tolower((unsigned char)path[i]) !=
		    tolower((unsigned char)query[q]))
			continue;
		score += 1;
		if (last != (size_t)-1 && last + 1 == i)
			score += 5;
		if (complete_boundary(path, i))
			score += 8;
		if (i >= base)
			score += 3;
		last = i;
		q++;
	}
	if (query[q] != '\0')
		return (-1);
	return (score);
}

int
complete_score(const char *path, const char *query)
{
	const char	*slash;
	size_t		 i, base, len = strlen(path);
	int		 best = -1, s;

	if (*query == '\0')
		return (0);
	/* The last component: a folder's is before its trailing '/'. */
	base = 0;
	for (i = 0; i + 1 < len; i++)
		if (path[i] == '/')
			base = i + 1;
	for (i = 0; path[i] != '\0'; i++) {
		if (tolower((unsigned char)path[i]) !=
		    tolower((unsigned char)query[0]))
			continue;
		if ((s = complete_score_from(path, i, query, base)) > best)
			best = s;
	}
	/* The last component starting with the query counts most. */
	if (best >= 0 && strncasecmp(path + base, query, strlen(query)) == 0)
		best += 20;
	slash = strchr(query, '/');
	if (best >= 0 && slash != NULL &&
	    strncasecmp(path, query, strlen(query)) == 0)
		best += 20;
	return (best);
}

/* Best score first, then the shorter path, then by name. */
static int
complete_cmp_scored(const void *a, const void *b)
{
	const struct complete_scored	*x = a, *y = b;

	if (x->score != y->score)
		return (x->score > y->score ? -1 : 1);
	if (x->len != y->len)
		return (x->len < y->len ? -1 : 1);
	return (strcmp(x->path, y->path));
}


/* Sort the nv scored candidates of v (freed), best first; keep max. */
static void
complete_best(struct complete_scored *v, size_t nv, size_t max, char ***out,
    size_t *nout)
{
	size_t	i;

	if (nv > 0)
		qsort(v, nv, sizeof *v, complete_cmp_scored);
	if (nv > max)
		nv = max;
	if (nv > 0) {
		*out = xcalloc(nv, sizeof **out);
		for (i = 0; i < nv; i++)
			(*out)[i] = xstrdup(v[i].path);
	}
	*nout = nv;
	free(v);
}

void
complete_match(char *const *paths, size_t n, const char *query, size_t max,
    char ***out, size_t *nout)
{
	struct complete_scored	*v;
	size_t			 nv = 0, i;
	int			 s;

	*out = NULL;
	*nout = 0;
	if (n == 0 || max == 0)
		return;
	v = xcalloc(n, sizeof *v);
	for (i = 0; i < n; i++) {
		if ((s = complete_score(paths[i], query)) < 0)
			continue;
		v[nv].path = paths[i];
		v[nv].score = s;
		v[nv].len = strlen(paths[i]);
		nv++;
	}
	complete_best(v, nv, max, out, nout);
}

void
complete_match_symbols(char *const *syms, size_t n, const char *query,
    size_t max, char ***out, size_t *nout)
{
	struct complete_scored	*v;
	const char		*hash;
	size_t			 nv = 0, i;
	int			 s;

	*out = NULL;
	*nout = 0;
	if (n == 0 || max == 0 || *query == '\0')
		return;
	v = xcalloc(n, sizeof *v);
	for (i = 0; i < n; i++) {
		if ((hash = strrchr(syms[i], '#')) == NULL ||
		    (s = complete_score(hash + 1, query)) < 0)
			continue;
		v[nv].path = syms[i];
		v[nv].score = s;
		v[nv].len = strlen(syms[i]);
		nv++;
	}
	complete_best(v, nv, max, out, nout);
}

struct complete_entry {
	char		*lower;		/* the path in lowercase */
	int		 owned;		/* lower is a copy (else the path) */
	uint64_t	 mask;		/* complete_mask() of it */
	size_t		 len;
	size_t		 base;		/* offset of the last component */
};

struct complete_index {
	char *const		*paths;
	struct complete_entry	*v;
	size_t			 n;
	char			*prev;		/* the last query (lowercase) */
	size_t			*hits;		/* the entries it matched */
	size_t			 nhits;
	int			 hits_all;	/* hits not kept: all */
};

/* A bit for each character class a query needs: a-z, 0-9, the rest. */
static uint64_t
complete_mask(const char *s)
{
	uint64_t	m = 0;
	unsigned char	c;

	for (; *s != '\0'; s++) {
		c = (unsigned char)*s;
		if (c >= 'a' && c <= 'z')
			m |= (uint64_t)1 << (c - 'a');
		else if (c >= '0' && c <= '9')
			m |= (uint64_t)1 << (26 + c - '0');
		else
			m |= (uint64_t)1 << (36 + c % 28);
	}
	return (m);
}

/* A lowercase copy of s. */
static char *
complete_lower(const char *s)
{
	char	*l = xstrdup(s), *p;

	for (p = l; *p != '\0'; p++)
		*p = (char)tolower((unsigned char)*p);
	return (l);
}

struct complete_index *
complete_index_create(char *const *paths, size_t n)
{
	struct complete_index	*ix = xcalloc(1, sizeof *ix);
	struct complete_entry	*e;
	size_t			 i, j;

	ix->paths = paths;
	ix->n = n;
	ix->v = xcalloc(n > 0 ? n : 1, sizeof *ix->v);
	for (i = 0; i < n; i++) {
		e = &ix->v[i];
		e->len = strlen(paths[i]);
		/* Most paths are lowercase already: no copy of those. */
		for (j = 0; j < e->len; j++) {
			if (paths[i][j] >= 'A' && paths[i][j] <= 'Z')
				break;
			/* As complete_score(): a folder's is before '/'. */
			if (paths[i][j] == '/' && j + 1 < e->len)
				e->base = j + 1;
		}
		if (j < e->len) {
			e->lower = complete_lower(paths[i]);
			e->owned = 1;
			for (; j + 1 < e->len; j++)
				if (paths[i][j] == '/')
					e->base = j + 1;
		} else
			e->lower = paths[i];
		e->mask = complete_mask(e->lower);
	}
	ix->hits_all = 1;
	return (ix);
}

void
complete_index_free(struct complete_index *ix)
{
	size_t	i;

	if (ix == NULL)
		return;
	for (i = 0; i < ix->n; i++)
		if (ix->v[i].owned)
			free(ix->v[i].lower);
	free(ix->v);
	free(ix->hits);
	free(ix->prev);
	free(ix);
}

/*
 * complete_score() of entry e (path its original form) against the
 * lowercase query q of qlen bytes: the same loops on lowercase text.
 */
static int
complete_index_score(const struct complete_entry *e, const char *path,
    const char *q, size_t qlen)
{
	const char	*l = e->lower;
	size_t		 i, k, qi, last;
	int		 best = -1, s;

	if (qlen == 0)
		return (0);
	for (i = 0; l[i] != '\0'; i++) {
		if (l[i] != q[0])
			continue;
		s = 0;
		qi = 0;
		last = (size_t)-1;
		for (k = i; l[k] != '\0' && qi < qlen; k++) {
			if (l[k] != q[qi])
				continue;
			s += 1;
			if (last != (size_t)-1 && last + 1 == k)
				s += 5;
			if (complete_boundary(path, k))
				s += 8;
			if (k >= e->base)
				s += 3;
			last = k;
			qi++;
		}
		/* No later start can match when this one ran out. */
		if (qi < qlen)
			break;
		if (s > best)
			best = s;
	}
	if (best >= 0 && strncmp(l + e->base, q, qlen) == 0)
		best += 20;
	if (best >= 0 && memchr(q, '/', qlen) != NULL &&
	    strncmp(l, q, qlen) == 0)
		best += 20;
	return (best);
}

/* Keep the best max of the scored: insert s in order (v holds *nv). */
static void
complete_keep(struct complete_scored *v, size_t *nv, size_t max,
    const struct complete_scored *s)
{
	size_t	i = *nv;

	if (i == max && complete_cmp_scored(s, &v[max - 1]) >= 0)
		return;
	if (i == max)
		i--;
	while (i > 0 && complete_cmp_scored(s, &v[i - 1]) < 0) {
		v[i] = v[i - 1];
		i--;
	}
	v[i] = *s;
	if (*nv < max)
		(*nv)++;
}

void
complete_index_match(struct complete_index *ix, const char *query,
    size_t max, char ***out, size_t *nout)
{
	struct complete_scored	*best, s;
	const struct complete_entry *e;
	size_t			*hits, nhits = 0, nbest = 0, i, k, n, qlen;
	uint64_t		 qmask;
	char			*q;
	int			 narrow;

	*out = NULL;
	*nout = 0;
	if (ix->n == 0 || max == 0)
		return;
	q = complete_lower(query);
	qlen = strlen(q);
	qmask = complete_mask(q);
	/* Another key typed: only what the shorter query matched. */
	narrow = !ix->hits_all && ix->prev != NULL &&
	    strncmp(q, ix->prev, strlen(ix->prev)) == 0;
	n = narrow ? ix->nhits : ix->n;
	hits = xcalloc(n > 0 ? n : 1, sizeof *hits);
	best = xcalloc(max, sizeof *best);
	for (k = 0; k < n; k++) {
		i = narrow ? ix->hits[k] : k;
		e = &ix->v[i];
		if ((e->mask & qmask) != qmask)
			continue;
		if ((s.score = complete_index_score(e, ix->paths[i], q,
		    qlen)) < 0)
			continue;
		hits[nhits++] = i;
		s.path = ix->paths[i];
		s.len = e->len;
		complete_keep(best, &nbest, max, &s);
	}
	free(ix->hits);
	ix->hits = hits;
	ix->nhits = nhits;
	ix->hits_all = 0;
	free(ix->prev);
	ix->prev = q;
	if (nbest > 0) {
		*out = xcalloc(nbest, sizeof **out);
		for (i = 0; i < nbest; i++)
			(*out)[i] = xstrdup(best[i].path);
	}
	*nout = nbest;
	free(best);
}

/* Append a size in bytes as 950 B, 1.2 KB or 3.4 MB. */
static void
complete_size(struct buf *b, size_t n)
{
	if (n < 1024)
		buf_addf(b, "%zu B", n);
	else if (n < 1024 * 1024)
		buf_addf(b, "%.1f KB", n / 1024.0);
	else
		buf_addf(b, "%.1f MB", n / (1024.0 * 1024.0));
}

/* Attach the listing of folder rel (no trailing '/') to out. */
static int
complete_attach_folder(struct repo *rp, const char *rel, struct buf *out,
    struct buf *notes)
{
	char	**files = NULL, *cause = NULL, *last = NULL;
	size_t	  n = 0, i, plen = strlen(rel), entries = 0, more = 0, e;
	struct buf list = BUF_INIT;
	int	  rc = 0;

	if (repo_list(rp, REPO_LIST_ALL, &files, &n, &cause) != 0) {
		free(cause);
		return (0);
	}
	for (i = 0; i < n; i++) {
		const char	*p = files[i];

		if (plen > 0 && (strncmp(p, rel, plen) != 0 || p[plen] != '/'))
			continue;
		p += plen > 0 ? plen + 1 : 0;
		e = strcspn(p, "/");
		if (last != NULL && strlen(last) == e + (p[e] == '/') &&
		    strncmp(last, p, e) == 0)
			continue;
		free(last);
		last = xstrndup(p, e + (p[e] == '/'));
		if (entries++ >= COMPLETE_LIST_MAX) {
			more++;
			continue;
		}
		buf_addf(&list, "%s\n", last);
	}
	free(last);
	repo_list_free(files, n);
	if (entries == 0)
		goto out;
	buf_addf(out, "\n\n<attached folder=\"%s/\">\n%s", plen > 0 ? rel : ".",
	    list.buf);
	if (more > 0)
		buf_addf(out, "(%zu more entries)\n", more);
	buf_adds(out, "</attached>");
	buf_addf(notes, "Attached the listing of %s/ (%zu entr%s)\n",
	    plen > 0 ? rel : ".", entries, entries == 1 ? "y" : "ies");
	rc = 1;
out:
	buf_release(&list);
	return (rc);
}

/*
 * Keep lines [first, last] (1-based, inclusive) of data; 0 when the file
 * has fewer lines.
 */
static int
complete_lines(struct buf *data, unsigned int first, unsigned int last)
{
	const char	*s = data->buf, *e = data->buf + data->len;
	const char	*from = NULL, *to = e;
	unsigned int	 line = 1;

	for (; s <= e; s++) {
		if (line == first && from == NULL)
			from = s;
		if (s == e)
			break;
		if (*s == '\n' && line++ == last) {
			to = s + 1;
			break;
		}
	}
	if (from == NULL)
		return (0);
	memmove(data->buf, from, to - from);
	buf_setlen(data, to - from);
	return (1);
}

/* The lines of the definition of sym in rel that rm knows, or 0. */
static int
complete_symbol_lines(struct repomodel *rm, const char *rel, const char *sym,
    unsigned int *first, unsigned int *last)
{
	struct repomodel_hit	*hits = NULL;
	size_t			 n, i;
	int			 found = 0;

	if (rm == NULL)
		return (0);
	n = repomodel_find_definition(rm, sym, &hits);
	for (i = 0; i < n && !found; i++) {
		if (strcmp(hits[i].path, rel) != 0)
			continue;
		*first = hits[i].line;
		*last = hits[i].end_line >= hits[i].line ? hits[i].end_line :
		    hits[i].line;
		found = 1;
	}
	repomodel_hits_free(hits, n);
	return (found);
}

/*
 * Attach file rel (absolute abs) to out, within *left bytes; with sym, only
 * the lines of its definition (when rm knows it).
 */
static int
complete_attach_file(struct repo *rp, struct repomodel *rm, const char *abs,
    const char *rel, const char *sym, size_t *left, struct buf *out,
    struct buf *notes)
{
	unsigned int	 first = 0, last = 0;
	int		 lines = 0;
	struct stat	 sb;
	struct buf	 data = BUF_INIT, why = BUF_INIT;
	char		*cause = NULL, tmp[8192];
	ssize_t		 r;
	int		 fd = -1, listed = 0, rc = 0;

	if (repo_listed(rp, rel, &listed, &cause) != 0 || !listed) {
		buf_addf(notes, "Not attached: %s is not in the repository's "
		    "file list (ignored or untracked by policy)\n", rel);
		free(cause);
		return (0);
	}
	if ((fd = open(abs, O_RDONLY | O_NOFOLLOW | O_NONBLOCK | O_CLOEXEC)) ==
	    -1 || fstat(fd, &sb) != 0 || !S_ISREG(sb.st_mode))
		goto out;
	/* An image goes to the model as an image (image_attach()). */
	if (sym == NULL && pread(fd, tmp, 12, 0) == 12 &&
	    image_sniff((unsigned char *)tmp, 12) != NULL)
		goto out;
	if (sym != NULL)
		lines = complete_symbol_lines(rm, rel, sym, &first, &last);
	if (!lines && ((size_t)sb.st_size > COMPLETE_ATTACH_MAX ||
	    (size_t)sb.st_size > *left)) {
		complete_size(&why, sb.st_size);
		buf_addf(&why, ", over the %s cap",
		    *left < COMPLETE_ATTACH_MAX ? "message's" : "256 KB");
		goto named;
	}
	while ((r = read(fd, tmp, sizeof tmp)) > 0) {
		buf_add(&data, tmp, r);
		if (!lines && data.len > COMPLETE_ATTACH_MAX)
			break;
		if (data.len > 64 * 1024 * 1024)
			break;
	}
	if (lines && r >= 0 && !complete_lines(&data, first, last))
		lines = 0;
	if (r < 0 || data.len > COMPLETE_ATTACH_MAX || data.len > *left) {
		buf_adds(&why, "unreadable or grew past the cap");
		goto named;
	}
	if (memchr(data.buf, '\0', data.len < 8192 ? data.len : 8192) !=
	    NULL) {
		buf_adds(&why, "binary, ");
		complete_size(&why, data.len);
		goto named;
	}
	*left -= data.len;
	if (lines) {
		buf_addf(out, "\n\n<attached file=\"%s\" symbol=\"%s\" "
		    "lines=\"%u-%u\">\n", rel, sym, first, last);
		buf_add(out, data.buf, data.len);
		if (data.len > 0 && data.buf[data.len - 1] != '\n')
			buf_addch(out, '\n');
		buf_adds(out, "</attached>");
		buf_addf(notes, "Attached %s of %s (lines %u-%u)\n", sym, rel,
		    first, last);
		rc = 1;
		goto out;
	}
	buf_addf(out, "\n\n<attached file=\"%s\">\n", rel);
	buf_add(out, data.buf, data.len);
	if (data.len > 0 && data.buf[data.len - 1] != '\n')
		buf_addch(out, '\n');
	buf_adds(out, "</attached>");
	buf_addf(notes, "Attached %s (", rel);
	complete_size(notes, data.len);
	buf_adds(notes, ")\n");
	rc = 1;
	goto out;
named:
	buf_addf(out, "\n\n<attached file=\"%s\" note=\"not attached: %s; "
	    "read_file can read it\"/>", rel, why.buf);
	buf_addf(notes, "Named, not attached: %s (%s)\n", rel, why.buf);
	rc = 1;
out:
	if (fd != -1)
		close(fd);
	buf_release(&data);
	buf_release(&why);
	return (rc);
}

int
complete_attach(struct repo *rp, struct repomodel *rm, const char *root,
    const char *text, struct buf *out, struct buf *notes)
{
	struct buf	 att = BUF_INIT, seen = BUF_INIT;
	struct stat	 sb;
	const char	*s = text;
	char		*word, *abs, *rel, *cause, *key, *sym;
	size_t		 n, left = COMPLETE_ATTACH_MAX;
	int		 count = 0;

	if (rp == NULL)
		return (0);
	buf_addch(&seen, '\n');
	while (*s != '\0') {
		n = strcspn(s, " \t\n");
		if (n < 2 || *s != '@' || (s != text && s[-1] != ' ' &&
		    s[-1] != '\t' && s[-1] != '\n'))
			goto next;
		word = xstrndup(s + 1, n - 1);
		while (*word != '\0' && strchr(",.:;)?!\"'",
		    word[strlen(word) - 1]) != NULL)
			word[strlen(word) - 1] = '\0';
		key = xasprintf("\n%s\n", word);
		abs = rel = cause = NULL;
		/* @path#name: one definition of the file. */
		if ((sym = strrchr(word, '#')) != NULL && sym != word &&
		    sym[1] != '\0')
			*sym++ = '\0';
		else
			sym = NULL;
		if (*word == '\0' || strstr(seen.buf, key) != NULL)
			;
		else if (path_resolve(root, word, &abs, &rel, &cause) != 0) {
			if (lstat(word, &sb) == 0 || strchr(word, '/') != NULL)
				buf_addf(notes, "Not attached: %s is outside "
				    "the repository\n", word);
		} else if (lstat(abs, &sb) != 0)
			;
		else if (S_ISDIR(sb.st_mode)) {
			size_t	l = strlen(rel);

			while (l > 0 && rel[l - 1] == '/')
				rel[--l] = '\0';
			if (strcmp(rel, ".") == 0)
				rel[0] = '\0';
			count += complete_attach_folder(rp, rel, &att, notes);
		} else
			count += complete_attach_file(rp, rm, abs, rel, sym,
			    &left, &att, notes);
		if (sym != NULL)
			sym[-1] = '#';
		buf_addf(&seen, "%s\n", word);
		free(key);
		free(cause);
		free(abs);
		free(rel);
		free(word);
next:
		s += n;
		while (*s == ' ' || *s == '\t' || *s == '\n')
			s++;
	}
	if (count > 0) {
		buf_adds(out, text);
		buf_add(out, att.buf, att.len);
	}
	buf_release(&att);
	buf_release(&seen);
	return (count);
}
