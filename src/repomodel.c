/* repomodel.c: the live repository model: files, tags, builds, lookups. */
#include <sys/stat.h>
#include <sys/types.h>

#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <event2/event.h>
#include <git2.h>

#include "agentos.h"
#include "repomodel.h"
#include "repomodel-private.h"
#include "banned.h"

/* More watcher changes than this at once: refresh everything instead. */
#define RM_NOTED_MAX	64

/*
 * A build commits the store every RM_BATCH_FILES files or RM_BATCH_MS ms,
 * whichever comes first, so that a build interrupted (quit, killed) keeps
 * what it parsed and the next one parses only the rest.
 */
#define RM_BATCH_FILES	500
#define RM_BATCH_MS	500

#ifndef nitems
#define nitems(a)	(sizeof (a) / sizeof (a)[0])
#endif

/* One file to look at in a build. */
struct rm_job {
	char			*path;
	/* What the model had (copied before the workers start). */
	int			 known;
	int64_t			 old_size, old_mtime;
	uint8_t			 old_hash[20];
	uint8_t			 old_skip;
	/* What the worker found. */
	int			 unchanged;	/* same size and mtime */
	int			 same_content;	/* same hash: keep tags */
	const struct grammar	*g;
	int64_t			 size, mtime;
	uint8_t			 hash[20];
	uint8_t			 skip;
	struct tags		 tags;
};

/* The shared state of one build's workers. */
struct rm_work {
	struct repomodel	*rm;
	struct rm_job		*jobs;
	size_t			 njobs;
	size_t			 next;		/* atomic */
	pthread_mutex_t		 lock;
	pthread_cond_t		 cond;
	size_t			*done;		/* finished job indexes */
	size_t			 ndone;
};

static const char *skip_names[SKIP_COUNT] = {
	"none", "language", "binary", "large", "minified", "unreadable",
	"timeout", "notfile"
};

static void	*rm_pool_alloc(struct repomodel *, size_t);
static void	 rm_loc_grow(struct rm_loc **, uint32_t *, struct rm_loc *);
static void	 rm_file_free(struct rm_file *);
static void	 rm_file_remove(struct repomodel *, uint32_t);
static int	 rm_read(const char *, const char *, size_t, char **,
		    size_t *, int *);
static void	 rm_scan(struct repomodel *, struct grammar_parser *,
		    struct rm_job *, struct TSTree **, struct grammar_found **,
		    char **, size_t *);
static void	*rm_worker(void *);
static void	 rm_merge(struct repomodel *, struct rm_job *, int);
static int	 rm_build_run(struct repomodel *, struct repomodel_stats *,
		    int (*)(struct repomodel *), char **);
static void	 rm_count(struct repomodel *, struct repomodel_stats *);
static void	*rm_async_main(void *);
static void	 rm_async_event(evutil_socket_t, short, void *);
static int	 rm_async_notify(struct repomodel *);
static int	 rm_changed_one(struct repomodel *, const char *, char **);
static void	 rm_hit_def(struct repomodel *, struct rm_sigs *,
		    struct repomodel_hit *, const struct rm_file *, size_t);
static int	 hit_cmp(const void *, const void *);
static void	 rm_noted_run(void *);

const char *
repomodel_skip_name(enum repomodel_skip s)
{
	if ((unsigned)s >= SKIP_COUNT)
		return ("?");
	return (skip_names[s]);
}

void
repomodel_config_default(struct repomodel_config *cfg)
{
	memset(cfg, 0, sizeof *cfg);
	cfg->max_file_size = 1024 * 1024;
	cfg->max_line_len = 4000;
	cfg->parse_timeout_ms = 2000;
	cfg->threads = 2;
	cfg->history_commits = 1000;
	cfg->map_tokens = 2048;
}

uint64_t
rm_now_ms(void)
{
	struct timespec	ts;

	clock_gettime(CLOCK_REALTIME, &ts);
	return ((uint64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000);
}

struct rm_file *
rm_file_get(struct repomodel *rm, const char *path)
{
	uint32_t	i = hashmap_get(&rm->paths, path);

	return (i == UINT32_MAX ? NULL : rm->files[i]);
}

uint32_t
rm_file_index(struct repomodel *rm, const char *path)
{
	if (path == NULL)
		return (UINT32_MAX);
	return (hashmap_get(&rm->paths, path));
}

struct rm_file *
rm_file_add(struct repomodel *rm, const char *path)
{
	struct rm_file	*f;
	uint32_t	 i;

	if ((f = rm_file_get(rm, path)) != NULL)
		return (f);
	f = xcalloc(1, sizeof *f);
	f->path = xstrdup(path);
	f->fclass = rm_rank_classify(path);
	tags_init(&f->tags);
	if (rm->nfree > 0)
		i = rm->free_slots[--rm->nfree];
	else {
		ALLOC_GROW(rm->files, rm->nfiles + 1, rm->afiles);
		i = rm->nfiles++;
	}
	rm->files[i] = f;
	hashmap_set(&rm->paths, f->path, i);
	rm->imports_dirty = 1;
	rm->graph_dirty = 1;
	return (f);
}

static void
rm_file_free(struct rm_file *f)
{
	tags_release(&f->tags);
	free(f->defs);
	free(f->rnames);
	free(f->dnames);
	free(f->imports);
	free(f->path);
	free(f);
}

/* Remove file fi from the model (lock held). */
static void
rm_file_remove(struct repomodel *rm, uint32_t fi)
{
	struct rm_file	*f = rm->files[fi];
	size_t		 i, j;

	rm_index_remove(rm, fi);
	hashmap_del(&rm->paths, f->path);
	rm->files[fi] = NULL;
	ALLOC_GROW(rm->free_slots, rm->nfree + 1, rm->afree);
	rm->free_slots[rm->nfree++] = fi;
	for (i = j = 0; i < rm->npairs; i++) {
		if (rm->pairs[i].a != fi && rm->pairs[i].b != fi)
			rm->pairs[j++] = rm->pairs[i];
	}
	rm->npairs = j;
	rm_file_free(f);
	rm->imports_dirty = 1;
	rm->graph_dirty = 1;
}

struct rm_name *
rm_name_get(struct repomodel *rm, const char *name)
{
	uint32_t	i = hashmap_get(&rm->name_map, name);

	return (i == UINT32_MAX ? NULL : rm->names[i]);
}

/*
 * size bytes (zeroed, aligned for any field) from the model's pool: freed
 * only with the model.  Hundreds of thousands of names cost no malloc
 * header each.
 */
static void *
rm_pool_alloc(struct repomodel *rm, size_t size)
{
	size_t	 chunk = 256 * 1024;
	char	*p;

	size = (size + 7) & ~(size_t)7;
	if (rm->npool == 0 || rm->pool_used + size > rm->pool_size) {
		if (size > chunk)
			chunk = size;
		ALLOC_GROW(rm->pool, rm->npool + 1, rm->apool);
		rm->pool[rm->npool++] = xcalloc(1, chunk);
		rm->pool_used = 0;
		rm->pool_size = chunk;
	}
	p = rm->pool[rm->npool - 1] + rm->pool_used;
	rm->pool_used += size;
	return (p);
}

/*
 * Make room for one more in a name's locations: the first in one (inside
 * the name), then doubling on the heap (most names have one or two).
 */
static void
rm_loc_grow(struct rm_loc **v, uint32_t *alloc, struct rm_loc *one)
{
	struct rm_loc	*n;

	if (*alloc == 0) {
		*v = one;
		*alloc = 1;
		return;
	}
	if (*v == one) {
		n = xreallocarray(NULL, 2, sizeof *n);
		n[0] = *one;
		*v = n;
		*alloc = 2;
		return;
	}
	*alloc *= 2;
	*v = xreallocarray(*v, *alloc, sizeof **v);
}

/* The name's index entry, made if needed. */
static uint32_t
rm_name_intern(struct repomodel *rm, const char *name)
{
	struct rm_name	*n;
	uint32_t	 i = hashmap_get(&rm->name_map, name);
	size_t		 len;

	if (i != UINT32_MAX)
		return (i);
	len = strlen(name);
	n = rm_pool_alloc(rm, sizeof *n + len + 1);
	memcpy(n->name, name, len + 1);
	n->bw = rm_rank_name_weight(name);
	ALLOC_GROW(rm->names, rm->nnames + 1, rm->anames);
	i = rm->nnames++;
	rm->names[i] = n;
	hashmap_set(&rm->name_map, n->name, i);
	return (i);
}

void
rm_index_add(struct repomodel *rm, uint32_t fi)
{
	struct rm_file	*f = rm->files[fi];
	struct tags	*t = &f->tags;
	struct rm_name	*n;
	uint32_t	 ni;
	size_t		 i, nr = 0;

	free(f->dnames);
	f->dnames = xreallocarray(NULL, t->ndefs + 1, sizeof *f->dnames);
	for (i = 0; i < t->ndefs; i++) {
		ni = rm_name_intern(rm, TAGS_STR(t, t->defs[i].name));
		f->dnames[i] = ni;
		n = rm->names[ni];
		if (n->ndefs == n->adefs)
			rm_loc_grow(&n->defs, &n->adefs, &n->def1);
		n->defs[n->ndefs].file = fi;
		n->defs[n->ndefs].n = i;
		n->ndefs++;
	}
	/* Each distinct name once (counted by grammar_tags). */
	free(f->rnames);
	f->rnames = xreallocarray(NULL, t->nuses + 1, sizeof *f->rnames);
	for (i = 0; i < t->nuses; i++) {
		ni = rm_name_intern(rm, TAGS_STR(t, t->uses[i].name));
		n = rm->names[ni];
		if (n->nrefs == n->arefs)
			rm_loc_grow(&n->refs, &n->arefs, &n->ref1);
		n->refs[n->nrefs].file = fi;
		n->refs[n->nrefs].n = t->uses[i].count;
		n->nrefs++;
		f->rnames[nr].file = ni;
		f->rnames[nr].n = t->uses[i].count;
		nr++;
	}
	f->nrnames = nr;
	rm->graph_dirty = 1;
	/* Only this file's imports need resolving again. */
	f->imports_stale = 1;
	rm->imports_some = 1;
}

void
rm_file_slim(struct rm_file *f)
{
	struct tags	*t = &f->tags, n;
	size_t		 i, len;

	f->nrefs = t->nrefs;
	free(f->defs);
	f->defs = xreallocarray(NULL, t->ndefs + 1, sizeof *f->defs);
	f->ndefs = t->ndefs;
	for (i = 0; i < t->ndefs; i++) {
		len = strlen(TAGS_STR(t, t->defs[i].sig));
		f->defs[i].line = t->defs[i].line;
		f->defs[i].end_line = t->defs[i].end_line;
		f->defs[i].siglen = len > UINT16_MAX ? UINT16_MAX : len;
		f->defs[i].kind = t->defs[i].kind;
		f->defs[i].flags = t->defs[i].flags;
	}
	tags_init(&n);
	n.errors = t->errors;
	n.imports = xreallocarray(NULL, t->nimports + 1, sizeof *n.imports);
	n.nimports = n.aimports = t->nimports;
	for (i = 0; i < t->nimports; i++)
		n.imports[i] = tags_add_str(&n, TAGS_STR(t, t->imports[i]),
		    strlen(TAGS_STR(t, t->imports[i])));
	/* Exactly the bytes needed. */
	if (n.strs.alloc > n.strs.len + 1) {
		n.strs.buf = xrealloc(n.strs.buf, n.strs.len + 1);
		n.strs.alloc = n.strs.len + 1;
	}
	tags_release(t);
	*t = n;
}

const char *
rm_def_name(struct repomodel *rm, const struct rm_file *f, size_t k)
{
	if (f->dnames == NULL || k >= f->ndefs)
		return ("");
	return (rm->names[f->dnames[k]]->name);
}

void
rm_sigs_init(struct rm_sigs *s)
{
	s->f = NULL;
	s->ok = 0;
	tags_init(&s->t);
}

void
rm_sigs_release(struct rm_sigs *s)
{
	tags_release(&s->t);
	rm_sigs_init(s);
}

const char *
rm_def_sig(struct repomodel *rm, struct rm_sigs *s, const struct rm_file *f,
    size_t k)
{
	const struct tag_def	*d;

	if (s->f != f) {
		tags_release(&s->t);
		s->f = f;
		s->ok = rm_store_get(rm, f->path, &s->t) == 0 &&
		    s->t.ndefs == f->ndefs;
	}
	if (s->ok && k < s->t.ndefs) {
		d = &s->t.defs[k];
		if (d->line == f->defs[k].line)
			return (TAGS_STR(&s->t, d->sig));
	}
	return (rm_def_name(rm, f, k));
}

void
rm_index_remove(struct repomodel *rm, uint32_t fi)
{
	struct rm_file	*f = rm->files[fi];
	struct rm_name	*n;
	size_t		 i, j, k;

	for (i = 0; i < f->ndefs && f->dnames != NULL; i++) {
		n = rm->names[f->dnames[i]];
		for (j = k = 0; j < n->ndefs; j++) {
			if (n->defs[j].file != fi)
				n->defs[k++] = n->defs[j];
		}
		n->ndefs = k;
	}
	for (i = 0; i < f->nrnames; i++) {
		n = rm->names[f->rnames[i].file];
		for (j = k = 0; j < n->nrefs; j++) {
			if (n->refs[j].file != fi)
				n->refs[k++] = n->refs[j];
		}
		n->nrefs = k;
	}
	free(f->rnames);
	f->rnames = NULL;
	f->nrnames = 0;
	free(f->dnames);
	f->dnames = NULL;
	rm->graph_dirty = 1;
}

struct repomodel *
repomodel_open(const char *root, const struct repomodel_config *cfg,
    char **cause)
{
	struct repomodel	*rm;
	char			*head = NULL;
	uint64_t		 start;

	git_libgit2_init();
	rm = xcalloc(1, sizeof *rm);
	buf_init(&rm->blob, 0);
	rm->root = xstrdup(root);
	if (cfg != NULL)
		rm->cfg = *cfg;
	else
		repomodel_config_default(&rm->cfg);
	if (rm->cfg.threads < 1)
		rm->cfg.threads = 1;
	if (rm->cfg.threads > 16)
		rm->cfg.threads = 16;
	if (rm->cfg.map_tokens <= 0)
		rm->cfg.map_tokens = 2048;
	pthread_mutex_init(&rm->lock, NULL);
	pthread_mutex_init(&rm->db_lock, NULL);
	rm->pipe[0] = rm->pipe[1] = -1;
	rm->graph_dirty = rm->imports_dirty = 1;
	if (rm_store_open(rm, cause) != 0)
		goto fail;
	start = rm_now_ms();
	pthread_mutex_lock(&rm->lock);
	if (rm_store_load(rm, cause) != 0) {
		pthread_mutex_unlock(&rm->lock);
		goto fail;
	}
	log_debug("repomodel: %zu files loaded in %llu ms", rm->nfiles,
	    (unsigned long long)(rm_now_ms() - start));
	log_debug("repomodel: indexed at %llu ms",
	    (unsigned long long)(rm_now_ms() - start));
	if (rm_store_meta_get(rm, "head", &head) == 0 && strlen(head) < 41)
		memcpy(rm->head, head, strlen(head) + 1);
	free(head);
	if (rm_store_meta_get(rm, "commits", &head) == 0)
		rm->commits = strtoul(head, NULL, 10);
	free(head);
	pthread_mutex_unlock(&rm->lock);
	return (rm);

fail:
	repomodel_close(rm);
	return (NULL);
}

void
repomodel_close(struct repomodel *rm)
{
	size_t	i;

	if (rm == NULL)
		return;
	if (rm->busy || rm->thread != 0) {
		/* The build stops at the next file; what it did is kept. */
		__atomic_store_n(&rm->cancel, 1, __ATOMIC_RELEASE);
		pthread_join(rm->thread, NULL);
		rm->thread = 0;
	}
	if (rm->ev != NULL)
		event_free(rm->ev);
	if (rm->pipe[0] != -1) {
		close(rm->pipe[0]);
		close(rm->pipe[1]);
	}
	rm_store_close(rm);
	buf_release(&rm->blob);
	for (i = 0; i < rm->nfiles; i++) {
		if (rm->files[i] != NULL)
			rm_file_free(rm->files[i]);
	}
	free(rm->files);
	free(rm->free_slots);
	for (i = 0; i < rm->nnames; i++) {
		if (rm->names[i]->defs != &rm->names[i]->def1)
			free(rm->names[i]->defs);
		if (rm->names[i]->refs != &rm->names[i]->ref1)
			free(rm->names[i]->refs);
	}
	for (i = 0; i < rm->npool; i++)
		free(rm->pool[i]);
	free(rm->pool);
	free(rm->names);
	hashmap_release(&rm->paths);
	hashmap_release(&rm->name_map);
	free(rm->pairs);
	free(rm->edge_off);
	free(rm->edge_dst);
	free(rm->edge_w);
	free(rm->out_w);
	free(rm->fam);
	free(rm->indeg);
	for (i = 0; i < rm->nqueued; i++)
		free(rm->queued[i]);
	free(rm->queued);
	loop_timer_cancel(rm->noted_timer);
	for (i = 0; i < rm->nnoted; i++)
		free(rm->noted[i]);
	free(rm->noted);
	for (i = 0; i < nitems(rm->trees); i++) {
		free(rm->trees[i].path);
		free(rm->trees[i].text);
		grammar_tree_free(rm->trees[i].tree);
		grammar_found_free(rm->trees[i].found);
	}
	free(rm->async_error);
	pthread_mutex_destroy(&rm->lock);
	pthread_mutex_destroy(&rm->db_lock);
	free(rm->root);
	free(rm);
	git_libgit2_shutdown();
}

const char *
repomodel_root(struct repomodel *rm)
{
	return (rm->root);
}

/*
 * Read up to max bytes of root/path into *text (NUL-terminated; caller
 * frees).  *eof is set when the whole file was read.  0 or -1 (errno).
 */
static int
rm_read(const char *root, const char *path, size_t max, char **text,
    size_t *len, int *eof)
{
	char	*full, *buf;
	size_t	 n = 0, alloc;
	ssize_t	 r;
	int	 fd;

	full = xasprintf("%s/%s", root, path);
	fd = open(full, O_RDONLY | O_NOFOLLOW | O_NONBLOCK | O_CLOEXEC);
	free(full);
	if (fd == -1)
		return (-1);
	alloc = max < 65536 ? max + 1 : 65536;
	buf = xmalloc(alloc + 1);
	*eof = 0;
	while (n < max) {
		if (n == alloc) {
			alloc = alloc * 2 > max + 1 ? max + 1 : alloc * 2;
			buf = xrealloc(buf, alloc + 1);
		}
		r = read(fd, buf + n, (alloc > max ? max : alloc) - n);
		if (r == -1 && errno == EINTR)
			continue;
		if (r == -1) {
			free(buf);
			close(fd);
			return (-1);
		}
		if (r == 0) {
			*eof = 1;
			break;
		}
		n += r;
	}
	close(fd);
	buf[n] = '\0';
	*text = buf;
	*len = n;
	return (0);
}

/*
 * Look at one file: stat it, and unless size and mtime say it is unchanged,
 * read, hash and parse it.  tree (may be NULL) is the file's previous tree,
 * already edited, for an incremental parse, and found what the query found
 * with it (see grammar_tags); keep (may be NULL) receives the text when the
 * caller wants to keep it with the tree.
 */
static void
rm_scan(struct repomodel *rm, struct grammar_parser *gp, struct rm_job *j,
    struct TSTree **tree, struct grammar_found **found, char **keep,
    size_t *keeplen)
{
	struct stat	 sb;
	char		*full, *text = NULL, *cause = NULL;
	const char	*p, *nl;
	size_t		 len, line;
	git_oid		 oid;
	int		 eof;

	full = xasprintf("%s/%s", rm->root, j->path);
	if (lstat(full, &sb) != 0) {
		free(full);
		j->skip = SKIP_UNREADABLE;
		return;
	}
	free(full);
	j->size = sb.st_size;
	j->mtime = (int64_t)sb.st_mtim.tv_sec * 1000000000 +
	    sb.st_mtim.tv_nsec;
	if (j->known && j->old_size == j->size && j->old_mtime == j->mtime &&
	    keep == NULL && (S_ISREG(sb.st_mode) ||
	    j->old_skip == SKIP_NOTFILE)) {
		j->unchanged = 1;
		return;
	}
	if (!S_ISREG(sb.st_mode)) {
		j->skip = SKIP_NOTFILE;
		return;
	}
	j->g = grammar_detect(j->path, NULL, 0);
	if ((uint64_t)j->size > rm->cfg.max_file_size) {
		j->skip = SKIP_LARGE;
		return;
	}
	if (j->g == NULL) {
		/* Only a #! line could give it a grammar. */
		if (rm_read(rm->root, j->path, 256, &text, &len, &eof) != 0) {
			j->skip = SKIP_UNREADABLE;
			return;
		}
		j->g = grammar_detect(j->path, text, len);
		free(text);
		text = NULL;
		if (j->g == NULL) {
			j->skip = SKIP_LANGUAGE;
			return;
		}
	}
	if (rm_read(rm->root, j->path, rm->cfg.max_file_size + 1, &text, &len,
	    &eof) != 0) {
		j->skip = SKIP_UNREADABLE;
		return;
	}
	j->size = len;
	if (len > rm->cfg.max_file_size) {
		j->skip = SKIP_LARGE;
		goto out;
	}
	git_odb_hash(&oid, text, len, GIT_OBJECT_BLOB);
	memcpy(j->hash, oid.id, sizeof j->hash);
	if (memchr(text, '\0', len < 8192 ? len : 8192) != NULL) {
		j->skip = SKIP_BINARY;
		goto out;
	}
	for (p = text; p < text + len; p = nl + 1) {
		nl = memchr(p, '\n', text + len - p);
		if (nl == NULL)
			nl = text + len;
		line = nl - p;
		if (line > rm->cfg.max_line_len) {
			j->skip = SKIP_MINIFIED;
			goto out;
		}
	}
	if (j->known && j->old_skip == SKIP_NONE && keep == NULL &&
	    memcmp(j->hash, j->old_hash, sizeof j->hash) == 0) {
		j->same_content = 1;
		goto out;
	}
	if (grammar_tags(gp, j->g, text, len, tree, found, &j->tags,
	    &cause) != 0) {
		log_debug("repomodel: %s: %s", j->path, cause);
		free(cause);
		tags_release(&j->tags);
		j->skip = SKIP_TIMEOUT;
		goto out;
	}
	if (keep != NULL) {
		*keep = text;
		*keeplen = len;
		text = NULL;
	}
out:
	free(text);
}

/* A parser thread: take jobs until none is left. */
static void *
rm_worker(void *arg)
{
	struct rm_work		*w = arg;
	struct grammar_parser	*gp;
	size_t			 i;

	gp = grammar_parser_create(w->rm->cfg.parse_timeout_ms);
	for (;;) {
		i = __atomic_fetch_add(&w->next, 1, __ATOMIC_RELAXED);
		if (i >= w->njobs)
			break;
		/* Closing: count the rest as done, unchanged. */
		if (__atomic_load_n(&w->rm->cancel, __ATOMIC_ACQUIRE))
			w->jobs[i].unchanged = 1;
		else
			rm_scan(w->rm, gp, &w->jobs[i], NULL, NULL, NULL,
			    NULL);
		pthread_mutex_lock(&w->lock);
		w->done[w->ndone++] = i;
		pthread_cond_signal(&w->cond);
		pthread_mutex_unlock(&w->lock);
	}
	grammar_parser_free(gp);
	return (NULL);
}

/*
 * Put what a job found into the model and the store (lock held).  live:
 * the change happened now (it counts as recently changed).
 */
static void
rm_merge(struct repomodel *rm, struct rm_job *j, int live)
{
	struct rm_file	*f;
	uint32_t	 fi;

	f = rm_file_add(rm, j->path);
	fi = rm_file_index(rm, j->path);
	f->seen = 1;
	if (j->unchanged)
		return;
	f->size = j->size;
	f->mtime = j->mtime;
	if (j->same_content) {
		/* The stored tags are the same (and f's are slim). */
		rm_store_touch(rm, f);
		return;
	}
	rm_index_remove(rm, fi);
	tags_release(&f->tags);
	f->tags = j->tags;
	tags_init(&j->tags);
	f->g = j->g;
	f->skip = j->skip;
	memcpy(f->hash, j->hash, sizeof f->hash);
	rm_index_add(rm, fi);
	if (live)
		f->changed_ms = rm_now_ms();
	rm_store_put(rm, f);
	rm_file_slim(f);
}

/* Count what the model holds into st. */
static void
rm_count(struct repomodel *rm, struct repomodel_stats *st)
{
	struct rm_file	*f;
	size_t		 i;

	st->files = st->defs = st->refs = st->imports = 0;
	memset(st->skipped, 0, sizeof st->skipped);
	for (i = 0; i < rm->nfiles; i++) {
		if ((f = rm->files[i]) == NULL)
			continue;
		st->files++;
		st->skipped[f->skip]++;
		st->defs += f->ndefs;
		st->refs += f->nrefs;
		st->imports += f->tags.nimports;
	}
	st->edges = rm->nedges;
	st->commits = rm->commits;
}

/*
 * A build: list, scan in threads, merge and store as results come, drop
 * files gone, walk history if HEAD moved.  notify (may be NULL) is called
 * for progress with the lock not held.
 */
static int
rm_build_run(struct repomodel *rm, struct repomodel_stats *st,
    int (*notify)(struct repomodel *), char **cause)
{
	struct rm_work	 w;
	struct rm_file	*f;
	pthread_t	 th[16];
	char		**paths = NULL;
	size_t		 npaths = 0, i, consumed = 0, n;
	uint64_t	 start = rm_now_ms(), last = 0, committed;
	size_t		 batch = 0;
	int		 nth, rc = -1, first;
	git_repository	*repo = NULL;

	memset(st, 0, sizeof *st);
	memset(&w, 0, sizeof w);
	if (rm_files_list(rm->root, &paths, &npaths, cause) != 0)
		return (-1);
	log_debug("repomodel: %zu paths listed in %llu ms", npaths,
	    (unsigned long long)(rm_now_ms() - start));
	w.rm = rm;
	w.jobs = xcalloc(npaths + 1, sizeof *w.jobs);
	w.done = xcalloc(npaths + 1, sizeof *w.done);
	w.njobs = npaths;
	pthread_mutex_init(&w.lock, NULL);
	pthread_cond_init(&w.cond, NULL);

	pthread_mutex_lock(&rm->lock);
	first = rm->nfiles == 0;
	for (i = 0; i < rm->nfiles; i++) {
		if (rm->files[i] != NULL)
			rm->files[i]->seen = 0;
	}
	for (i = 0; i < npaths; i++) {
		w.jobs[i].path = paths[i];
		tags_init(&w.jobs[i].tags);
		if ((f = rm_file_get(rm, paths[i])) != NULL) {
			w.jobs[i].known = 1;
			w.jobs[i].old_size = f->size;
			w.jobs[i].old_mtime = f->mtime;
			w.jobs[i].old_skip = f->skip;
			memcpy(w.jobs[i].old_hash, f->hash, sizeof f->hash);
		}
	}
	rm->prog_done = 0;
	rm->prog_total = npaths;
	pthread_mutex_unlock(&rm->lock);

	nth = rm->cfg.threads;
	if ((size_t)nth > npaths)
		nth = npaths > 0 ? npaths : 1;
	for (i = 0; i < (size_t)nth; i++) {
		if (pthread_create(&th[i], NULL, rm_worker, &w) != 0)
			fatalx("pthread_create failed");
	}
	rm_store_begin(rm);
	committed = rm_now_ms();
	while (consumed < npaths) {
		pthread_mutex_lock(&w.lock);
		while (w.ndone == consumed)
			pthread_cond_wait(&w.cond, &w.lock);
		n = w.ndone;
		pthread_mutex_unlock(&w.lock);
		pthread_mutex_lock(&rm->lock);
		for (; consumed < n; consumed++) {
			struct rm_job *j = &w.jobs[w.done[consumed]];

			if (j->unchanged)
				st->reused++;
			else {
				if (!j->same_content)
					st->parsed++;
				batch++;
			}
			rm_merge(rm, j, !first);
		}
		rm->prog_done = consumed;
		pthread_mutex_unlock(&rm->lock);
		/*
		 * Keep what is done so far (only this thread writes; the
		 * lock keeps lookups' reads of the store out).
		 */
		if (batch > 0 && (batch >= RM_BATCH_FILES ||
		    rm_now_ms() - committed >= RM_BATCH_MS)) {
			pthread_mutex_lock(&rm->lock);
			if (rm_store_commit(rm) != 0 ||
			    rm_store_begin(rm) != 0)
				log_debug("repomodel: batch commit failed");
			pthread_mutex_unlock(&rm->lock);
			batch = 0;
			committed = rm_now_ms();
		}
		if (notify != NULL && rm_now_ms() - last >= 100) {
			last = rm_now_ms();
			notify(rm);
		}
	}
	for (i = 0; i < (size_t)nth; i++)
		pthread_join(th[i], NULL);
	log_debug("repomodel: %zu files scanned in %llu ms", npaths,
	    (unsigned long long)(rm_now_ms() - start));

	pthread_mutex_lock(&rm->lock);
	for (i = 0; i < rm->nfiles; i++) {
		if ((f = rm->files[i]) != NULL && !f->seen) {
			rm_store_delete(rm, f->path);
			rm_file_remove(rm, i);
			st->removed++;
		}
	}
	pthread_mutex_unlock(&rm->lock);

	/* History, when HEAD moved (an unborn HEAD has none). */
	if (rm->cfg.history_commits > 0 &&
	    !__atomic_load_n(&rm->cancel, __ATOMIC_ACQUIRE) &&
	    git_repository_open(&repo, rm->root) == 0)
		rm_history_walk(rm, repo, NULL);
	git_repository_free(repo);
	log_debug("repomodel: history done at %llu ms",
	    (unsigned long long)(rm_now_ms() - start));
	pthread_mutex_lock(&rm->lock);
	n = rm_store_commit(rm);
	pthread_mutex_unlock(&rm->lock);
	if (n != 0) {
		*cause = xstrdup("repomodel.db: commit failed");
		goto out;
	}

	log_debug("repomodel: stored at %llu ms",
	    (unsigned long long)(rm_now_ms() - start));
	pthread_mutex_lock(&rm->lock);
	/* Closing: the graph is not needed. */
	if (!__atomic_load_n(&rm->cancel, __ATOMIC_ACQUIRE)) {
		rm_rank_imports(rm);
		rm_rank_graph(rm);
	}
	log_debug("repomodel: graph at %llu ms",
	    (unsigned long long)(rm_now_ms() - start));
	n = st->parsed;
	i = st->reused;
	rc = st->removed;
	rm_count(rm, st);
	st->parsed = n;
	st->reused = i;
	st->removed = rc;
	st->ms = rm_now_ms() - start;
	rm->last = *st;
	pthread_mutex_unlock(&rm->lock);
	rc = 0;
out:
	for (i = 0; i < npaths; i++) {
		tags_release(&w.jobs[i].tags);
		free(paths[i]);
	}
	free(paths);
	free(w.jobs);
	free(w.done);
	pthread_mutex_destroy(&w.lock);
	pthread_cond_destroy(&w.cond);
	return (rc);
}

int
repomodel_build(struct repomodel *rm, struct repomodel_stats *stats,
    char **cause)
{
	struct repomodel_stats	st;
	int			rc;
	size_t			i;

	if (__atomic_load_n(&rm->busy, __ATOMIC_ACQUIRE)) {
		*cause = xstrdup("a build is already running");
		return (-1);
	}
	rc = rm_build_run(rm, &st, NULL, cause);
	if (rc == 0 && stats != NULL)
		*stats = st;
	/* Changes noted meanwhile (none in a synchronous build). */
	for (i = 0; i < rm->nqueued; i++)
		free(rm->queued[i]);
	rm->nqueued = 0;
	return (rc);
}

int
repomodel_refresh(struct repomodel *rm, struct repomodel_stats *stats,
    char **cause)
{
	return (repomodel_build(rm, stats, cause));
}

/* Tell the loop about progress; from the build thread. */
static int
rm_async_notify(struct repomodel *rm)
{
	char	c = 'p';

	if (write(rm->pipe[1], &c, 1) == -1 && errno != EAGAIN)
		return (-1);
	return (0);
}

/* The asynchronous build's thread. */
static void *
rm_async_main(void *arg)
{
	struct repomodel	*rm = arg;
	char			*cause = NULL, c = 'd';

	if (rm_build_run(rm, &rm->async_stats, rm_async_notify, &cause) != 0)
		rm->async_error = cause;
	/* The done byte must arrive: the pipe is never full for long. */
	while (write(rm->pipe[1], &c, 1) == -1 && errno == EINTR)
		/* nothing */;
	return (NULL);
}

/* The loop's side of the pipe: progress and the end of a build. */
static void
rm_async_event(evutil_socket_t fd, short what, void *arg)
{
	struct repomodel	*rm = arg;
	char			 buf[64], *err, *cause = NULL;
	ssize_t			 n, i;
	int			 done = 0;
	size_t			 d, t, k;

	while ((n = read(fd, buf, sizeof buf)) > 0) {
		for (i = 0; i < n; i++) {
			if (buf[i] == 'd')
				done = 1;
		}
	}
	if (!done) {
		if (rm->progress_cb != NULL) {
			repomodel_busy(rm, &d, &t);
			rm->progress_cb(rm->cb_arg, d, t);
		}
		return;
	}
	pthread_join(rm->thread, NULL);
	rm->thread = 0;
	__atomic_store_n(&rm->busy, 0, __ATOMIC_RELEASE);
	/* Changes noted during the build. */
	for (k = 0; k < rm->nqueued; k++) {
		if (rm_changed_one(rm, rm->queued[k], &cause) != 0) {
			log_debug("repomodel: %s", cause);
			free(cause);
			cause = NULL;
		}
		free(rm->queued[k]);
	}
	rm->nqueued = 0;
	err = rm->async_error;
	rm->async_error = NULL;
	if (rm->done_cb != NULL)
		rm->done_cb(rm->cb_arg, &rm->async_stats, err);
	free(err);
}

int
repomodel_build_async(struct repomodel *rm,
    void (*progress)(void *, size_t, size_t),
    void (*done)(void *, const struct repomodel_stats *, const char *),
    void *arg, char **cause)
{
	int	fl, i;

	if (__atomic_load_n(&rm->busy, __ATOMIC_ACQUIRE)) {
		*cause = xstrdup("a build is already running");
		return (-1);
	}
	if (loop_base == NULL) {
		*cause = xstrdup("no event loop");
		return (-1);
	}
	if (rm->pipe[0] == -1) {
		if (pipe(rm->pipe) != 0) {
			*cause = xasprintf("pipe: %s", strerror(errno));
			return (-1);
		}
		for (i = 0; i < 2; i++) {
			fl = fcntl(rm->pipe[i], F_GETFL);
			fcntl(rm->pipe[i], F_SETFL, fl | O_NONBLOCK);
			fcntl(rm->pipe[i], F_SETFD, FD_CLOEXEC);
		}
		rm->ev = event_new(loop_base, rm->pipe[0], EV_READ | EV_PERSIST,
		    rm_async_event, rm);
		if (rm->ev == NULL)
			fatalx("event_new failed");
		event_add(rm->ev, NULL);
	}
	rm->progress_cb = progress;
	rm->done_cb = done;
	rm->cb_arg = arg;
	__atomic_store_n(&rm->busy, 1, __ATOMIC_RELEASE);
	if (pthread_create(&rm->thread, NULL, rm_async_main, rm) != 0) {
		__atomic_store_n(&rm->busy, 0, __ATOMIC_RELEASE);
		*cause = xstrdup("pthread_create failed");
		return (-1);
	}
	return (0);
}

int
repomodel_busy(struct repomodel *rm, size_t *done, size_t *total)
{
	pthread_mutex_lock(&rm->lock);
	if (done != NULL)
		*done = rm->prog_done;
	if (total != NULL)
		*total = rm->prog_total;
	pthread_mutex_unlock(&rm->lock);
	return (__atomic_load_n(&rm->busy, __ATOMIC_ACQUIRE));
}

/* Re-scan one path now, incrementally when its old tree is cached. */
static int
rm_changed_one(struct repomodel *rm, const char *relpath, char **cause)
{
	struct rm_job		 j;
	struct rm_file		*f;
	struct grammar_parser	*gp;
	struct rm_tree		*slot = NULL, *lru;
	struct TSTree		*tree = NULL;
	struct grammar_found	*found = NULL;
	char			*text = NULL, *newtext, *norm;
	size_t			 len = 0, newlen, i;
	uint32_t		 fi;
	int			 eof, ignored, listed;

	/* Normalise: no leading ./ or /, no trailing /. */
	while (relpath[0] == '.' && relpath[1] == '/')
		relpath += 2;
	while (*relpath == '/')
		relpath++;
	norm = xstrdup(relpath);
	while ((len = strlen(norm)) > 0 && norm[len - 1] == '/')
		norm[len - 1] = '\0';
	len = 0;
	if (*norm == '\0' || strncmp(norm, ".git/", 5) == 0 ||
	    strcmp(norm, ".git") == 0) {
		free(norm);
		return (0);
	}

	memset(&j, 0, sizeof j);
	tags_init(&j.tags);
	j.path = norm;
	pthread_mutex_lock(&rm->lock);
	if ((f = rm_file_get(rm, norm)) != NULL) {
		j.known = 1;
		j.old_size = f->size;
		j.old_mtime = f->mtime;
		j.old_skip = f->skip;
		memcpy(j.old_hash, f->hash, sizeof f->hash);
	}
	for (i = 0; i < nitems(rm->trees); i++) {
		if (rm->trees[i].path != NULL &&
		    strcmp(rm->trees[i].path, norm) == 0)
			slot = &rm->trees[i];
	}
	pthread_mutex_unlock(&rm->lock);

	/* Is it (still) a file git would track? */
	ignored = 0;
	{
		struct stat	 sb;
		char		*full = xasprintf("%s/%s", rm->root, norm);

		if (lstat(full, &sb) != 0)
			ignored = 1;	/* gone */
		else if (!j.known) {
			/* New: only if the listing would have it. */
			if (rm_file_listed(rm->root, norm, &listed,
			    cause) != 0) {
				free(full);
				free(norm);
				return (-1);
			}
			ignored = !listed;
		}
		free(full);
	}
	if (ignored) {
		pthread_mutex_lock(&rm->lock);
		if ((fi = rm_file_index(rm, norm)) != UINT32_MAX) {
			rm_store_delete(rm, norm);
			rm_file_remove(rm, fi);
		}
		/* A directory gone: the files that were under it. */
		len = strlen(norm);
		for (i = 0; i < rm->nfiles; i++) {
			f = rm->files[i];
			if (f != NULL && strncmp(f->path, norm, len) == 0 &&
			    f->path[len] == '/') {
				rm_store_delete(rm, f->path);
				rm_file_remove(rm, i);
			}
		}
		pthread_mutex_unlock(&rm->lock);
		free(norm);
		return (0);
	}

	/* Edit the cached tree to the new text for an incremental parse. */
	if (slot != NULL && rm_read(rm->root, norm, rm->cfg.max_file_size,
	    &newtext, &newlen, &eof) == 0) {
		if (eof) {
			tree = slot->tree;
			slot->tree = NULL;
			found = slot->found;
			slot->found = NULL;
			grammar_tree_edit(tree, found, slot->text, slot->len,
			    newtext, newlen);
		}
		free(newtext);
	}
	gp = grammar_parser_create(rm->cfg.parse_timeout_ms);
	rm_scan(rm, gp, &j, &tree, &found, &text, &len);
	grammar_parser_free(gp);

	pthread_mutex_lock(&rm->lock);
	rm_merge(rm, &j, 1);
	/* Keep the new tree and text for the next change of this file. */
	if (tree != NULL && text != NULL) {
		if (slot == NULL) {
			lru = &rm->trees[0];
			for (i = 0; i < nitems(rm->trees); i++) {
				if (rm->trees[i].used < lru->used)
					lru = &rm->trees[i];
			}
			slot = lru;
		}
		free(slot->path);
		free(slot->text);
		grammar_tree_free(slot->tree);
		grammar_found_free(slot->found);
		slot->path = xstrdup(norm);
		slot->text = text;
		slot->len = len;
		slot->tree = tree;
		slot->found = found;
		slot->used = ++rm->tree_tick;
		text = NULL;
		tree = NULL;
		found = NULL;
	} else if (slot != NULL) {
		free(slot->path);
		free(slot->text);
		grammar_tree_free(slot->tree);
		grammar_found_free(slot->found);
		memset(slot, 0, sizeof *slot);
	}
	pthread_mutex_unlock(&rm->lock);
	grammar_tree_free(tree);
	grammar_found_free(found);
	free(text);
	tags_release(&j.tags);
	free(norm);
	return (0);
}

int
repomodel_file_changed(struct repomodel *rm, const char *relpath,
    char **cause)
{
	if (__atomic_load_n(&rm->busy, __ATOMIC_ACQUIRE)) {
		ALLOC_GROW(rm->queued, rm->nqueued + 1, rm->aqueued);
		rm->queued[rm->nqueued++] = xstrdup(relpath);
		return (0);
	}
	return (rm_changed_one(rm, relpath, cause));
}

void
repomodel_stats(struct repomodel *rm, struct repomodel_stats *stats)
{
	pthread_mutex_lock(&rm->lock);
	*stats = rm->last;
	rm_count(rm, stats);
	pthread_mutex_unlock(&rm->lock);
}

/* Fill hit from definition k of f (lock held). */
static void
rm_hit_def(struct repomodel *rm, struct rm_sigs *sigs,
    struct repomodel_hit *h, const struct rm_file *f, size_t k)
{
	const struct rm_def	*d = &f->defs[k];

	h->path = xstrdup(f->path);
	h->name = xstrdup(rm_def_name(rm, f, k));
	h->sig = xstrdup(rm_def_sig(rm, sigs, f, k));
	h->kind = d->kind;
	h->line = d->line;
	h->end_line = d->end_line;
}

void
repomodel_hits_free(struct repomodel_hit *hits, size_t n)
{
	size_t	i;

	for (i = 0; i < n; i++) {
		free(hits[i].path);
		free(hits[i].name);
		free(hits[i].sig);
	}
	free(hits);
}

/* Order hits by path, then line. */
static int
hit_cmp(const void *a, const void *b)
{
	const struct repomodel_hit	*x = a, *y = b;
	int				 c;

	if ((c = strcmp(x->path, y->path)) != 0)
		return (c);
	if (x->line != y->line)
		return (x->line < y->line ? -1 : 1);
	return (strcmp(x->name, y->name));
}

size_t
repomodel_find_definition(struct repomodel *rm, const char *name,
    struct repomodel_hit **hits)
{
	struct rm_sigs	 sigs;
	struct rm_name	*n;
	struct rm_file	*f;
	size_t		 i, nh = 0;

	*hits = NULL;
	rm_sigs_init(&sigs);
	pthread_mutex_lock(&rm->lock);
	if ((n = rm_name_get(rm, name)) != NULL && n->ndefs > 0) {
		*hits = xcalloc(n->ndefs, sizeof **hits);
		for (i = 0; i < n->ndefs; i++) {
			f = rm->files[n->defs[i].file];
			rm_hit_def(rm, &sigs, &(*hits)[nh++], f,
			    n->defs[i].n);
		}
	}
	pthread_mutex_unlock(&rm->lock);
	rm_sigs_release(&sigs);
	if (nh > 1)
		qsort(*hits, nh, sizeof **hits, hit_cmp);
	return (nh);
}

size_t
repomodel_find_references(struct repomodel *rm, const char *name,
    struct repomodel_hit **hits)
{
	struct rm_name		*n;
	struct rm_file		*f;
	const struct tag_def	*d, *best;
	const struct tag_ref	*r;
	size_t			 i, k, m, nh = 0, ah = 0;
	struct repomodel_hit	*h;
	struct tags		 t;

	*hits = NULL;
	tags_init(&t);
	pthread_mutex_lock(&rm->lock);
	if ((n = rm_name_get(rm, name)) == NULL)
		goto out;
	for (i = 0; i < n->nrefs; i++) {
		f = rm->files[n->refs[i].file];
		/* The references are in the store only. */
		tags_release(&t);
		if (rm_store_get(rm, f->path, &t) != 0) {
			log_debug("repomodel: %s: no stored tags", f->path);
			continue;
		}
		for (k = 0; k < t.nrefs; k++) {
			r = &t.refs[k];
			if (strcmp(TAGS_STR(&t, r->name), name) != 0)
				continue;
			ALLOC_GROW(*hits, nh + 1, ah);
			h = &(*hits)[nh++];
			memset(h, 0, sizeof *h);
			h->path = xstrdup(f->path);
			h->name = xstrdup(name);
			h->kind = r->kind;
			h->line = h->end_line = r->line;
			/* The innermost definition around it. */
			best = NULL;
			for (m = 0; m < t.ndefs; m++) {
				d = &t.defs[m];
				if (d->line <= r->line &&
				    d->end_line >= r->line && (best == NULL ||
				    d->end_line - d->line <
				    best->end_line - best->line))
					best = d;
			}
			if (best != NULL)
				h->sig = xstrdup(TAGS_STR(&t, best->name));
		}
	}
out:
	pthread_mutex_unlock(&rm->lock);
	tags_release(&t);
	if (nh > 1)
		qsort(*hits, nh, sizeof **hits, hit_cmp);
	return (nh);
}

int
repomodel_file_outline(struct repomodel *rm, const char *path,
    struct repomodel_hit **hits, size_t *n, char **cause)
{
	struct rm_sigs	 sigs;
	struct rm_file	*f;
	size_t		 i;
	int		 rc = -1;

	*hits = NULL;
	*n = 0;
	while (path[0] == '.' && path[1] == '/')
		path += 2;
	rm_sigs_init(&sigs);
	pthread_mutex_lock(&rm->lock);
	if ((f = rm_file_get(rm, path)) == NULL) {
		*cause = xasprintf("%s: not in the repository model (not a "
		    "file git would track, or not indexed yet)", path);
		goto out;
	}
	if (f->skip != SKIP_NONE) {
		*cause = xasprintf("%s: not parsed (%s)", path,
		    repomodel_skip_name(f->skip));
		goto out;
	}
	*hits = xcalloc(f->ndefs + 1, sizeof **hits);
	for (i = 0; i < f->ndefs; i++)
		rm_hit_def(rm, &sigs, &(*hits)[i], f, i);
	*n = f->ndefs;
	rc = 0;
out:
	pthread_mutex_unlock(&rm->lock);
	rm_sigs_release(&sigs);
	return (rc);
}

size_t
repomodel_symbols(struct repomodel *rm, const char *const *paths,
    size_t npaths, struct repomodel_hit **hits)
{
	struct rm_sigs	 sigs;
	struct rm_file	*f;
	size_t		 i, k, m, nh = 0, ah = 0, len;
	const char	*p;
	int		 want;

	*hits = NULL;
	rm_sigs_init(&sigs);
	pthread_mutex_lock(&rm->lock);
	for (i = 0; i < rm->nfiles; i++) {
		if ((f = rm->files[i]) == NULL || f->ndefs == 0)
			continue;
		want = npaths == 0;
		for (k = 0; k < npaths && !want; k++) {
			p = paths[k];
			while (p[0] == '.' && p[1] == '/')
				p += 2;
			len = strlen(p);
			while (len > 0 && p[len - 1] == '/')
				len--;
			if (len == 0 || (len == 1 && p[0] == '.') ||
			    (strncmp(f->path, p, len) == 0 &&
			    (f->path[len] == '\0' || f->path[len] == '/')))
				want = 1;
		}
		if (!want)
			continue;
		ALLOC_GROW(*hits, nh + f->ndefs, ah);
		for (m = 0; m < f->ndefs; m++)
			rm_hit_def(rm, &sigs, &(*hits)[nh++], f, m);
	}
	pthread_mutex_unlock(&rm->lock);
	rm_sigs_release(&sigs);
	if (nh > 1)
		qsort(*hits, nh, sizeof **hits, hit_cmp);
	return (nh);
}

size_t
repomodel_skipped(struct repomodel *rm, struct repomodel_hit **hits)
{
	struct rm_file	*f;
	size_t		 i, nh = 0, ah = 0;

	*hits = NULL;
	pthread_mutex_lock(&rm->lock);
	for (i = 0; i < rm->nfiles; i++) {
		if ((f = rm->files[i]) == NULL || f->skip == SKIP_NONE ||
		    f->skip == SKIP_LANGUAGE)
			continue;
		ALLOC_GROW(*hits, nh + 1, ah);
		memset(&(*hits)[nh], 0, sizeof **hits);
		(*hits)[nh].path = xstrdup(f->path);
		(*hits)[nh].name = xstrdup(repomodel_skip_name(f->skip));
		(*hits)[nh].kind = f->skip;
		nh++;
	}
	pthread_mutex_unlock(&rm->lock);
	if (nh > 1)
		qsort(*hits, nh, sizeof **hits, hit_cmp);
	return (nh);
}

/* The watcher's changes, 100 ms after the last: re-parse or refresh. */
static void
rm_noted_run(void *arg)
{
	struct repomodel	*rm = arg;
	char			*cause = NULL;
	size_t			 i;

	rm->noted_timer = NULL;
	if (__atomic_load_n(&rm->busy, __ATOMIC_ACQUIRE)) {
		/* Done after the build. */
		for (i = 0; i < rm->nnoted; i++) {
			ALLOC_GROW(rm->queued, rm->nqueued + 1, rm->aqueued);
			rm->queued[rm->nqueued++] = rm->noted[i];
		}
		rm->nnoted = 0;
		return;
	}
	if (rm->nnoted > RM_NOTED_MAX) {
		for (i = 0; i < rm->nnoted; i++)
			free(rm->noted[i]);
		rm->nnoted = 0;
		if (repomodel_build_async(rm, NULL, NULL, NULL, &cause) != 0) {
			log_debug("repomodel: %s", cause);
			free(cause);
		}
		return;
	}
	for (i = 0; i < rm->nnoted; i++) {
		if (rm_changed_one(rm, rm->noted[i], &cause) != 0) {
			log_debug("repomodel: %s: %s", rm->noted[i], cause);
			free(cause);
			cause = NULL;
		}
		free(rm->noted[i]);
	}
	rm->nnoted = 0;
}

void
repomodel_watch_changed(void *arg, const char *relpath)
{
	struct repomodel	*rm = arg;
	size_t			 i;

	if (strncmp(relpath, ".git/", 5) == 0 || strcmp(relpath, ".git") == 0)
		return;
	for (i = 0; i < rm->nnoted; i++) {
		if (strcmp(rm->noted[i], relpath) == 0)
			break;
	}
	if (i == rm->nnoted && rm->nnoted <= RM_NOTED_MAX) {
		ALLOC_GROW(rm->noted, rm->nnoted + 1, rm->anoted);
		rm->noted[rm->nnoted++] = xstrdup(relpath);
	}
	if (loop_base == NULL)
		return;
	loop_timer_cancel(rm->noted_timer);
	rm->noted_timer = loop_timer_add(100, rm_noted_run, rm);
}
