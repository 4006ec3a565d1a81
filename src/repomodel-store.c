/* repomodel-store.c: the model persisted in .git/agentos/repomodel.db. */
#include <sys/stat.h>

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include <git2.h>
#include <sqlite3.h>

#include "agentos.h"
#include "repomodel.h"
#include "repomodel-private.h"
#include "banned.h"

/*
 * One row per file, keyed by path, with size, mtime and content hash; the
 * tags are one blob per file (a header of counts, then the definitions,
 * references and imports as fixed records, then the strings), so a warm
 * start reads a few thousand rows rather than millions.  The blob format
 * is native-endian: the store is a cache of this machine's worktree, and
 * STORE_VERSION changes drop it.
 */
#define STORE_VERSION	"5"

static const char *store_schema =
	"PRAGMA journal_mode=WAL;"
	"PRAGMA synchronous=NORMAL;"
	"CREATE TABLE IF NOT EXISTS meta (key TEXT PRIMARY KEY, value TEXT);"
	"CREATE TABLE IF NOT EXISTS files (path TEXT PRIMARY KEY,"
	" size INTEGER, mtime INTEGER, hash BLOB, lang TEXT, skip INTEGER,"
	" tags BLOB);"
	"CREATE TABLE IF NOT EXISTS history (path TEXT PRIMARY KEY,"
	" last_commit INTEGER, churn INTEGER);"
	"CREATE TABLE IF NOT EXISTS cochange (a TEXT, b TEXT, n INTEGER);";

struct blob_head {
	uint32_t	ndefs, nrefs, nimports, nuses, nstrs;
	uint32_t	errors;
};

static int	 store_exec(struct repomodel *, const char *, char **);
static void	 store_blob(const struct tags *, struct buf *);
static int	 store_unblob(const void *, size_t, struct tags *);

/* Run sql; 0 or -1 with cause (when cause is not NULL). */
static int
store_exec(struct repomodel *rm, const char *sql, char **cause)
{
	char	*msg = NULL;

	if (sqlite3_exec(rm->db, sql, NULL, NULL, &msg) != SQLITE_OK) {
		if (cause != NULL)
			*cause = xasprintf("repomodel.db: %s",
			    msg != NULL ? msg : "error");
		sqlite3_free(msg);
		return (-1);
	}
	return (0);
}

int
rm_store_open(struct repomodel *rm, char **cause)
{
	git_repository	*repo = NULL;
	char		*dir = NULL, *path = NULL, *v = NULL, *version = NULL;
	int		 rc = -1;

	if (rm->cfg.no_store)
		path = xstrdup(":memory:");
	else {
		if (git_repository_open(&repo, rm->root) != 0) {
			*cause = xasprintf("%s: not a git repository",
			    rm->root);
			goto out;
		}
		/* The common dir: worktrees share one model store. */
		dir = xasprintf("%sagentos", git_repository_commondir(repo));
		path = xasprintf("%s/repomodel.db", dir);
		if (path_private_dir(dir, cause) != 0 ||
		    path_private_file(path, 1, cause) != 0)
			goto out;
	}
	if (sqlite3_open_v2(path, &rm->db, SQLITE_OPEN_READWRITE |
	    SQLITE_OPEN_CREATE | SQLITE_OPEN_FULLMUTEX, NULL) != SQLITE_OK) {
		*cause = xasprintf("%s: %s", path, rm->db != NULL ?
		    sqlite3_errmsg(rm->db) : "cannot open");
		goto out;
	}
	sqlite3_busy_timeout(rm->db, 2000);
	if (store_exec(rm, store_schema, cause) != 0)
		goto out;
	/* The format's version and the queries' hash. */
	version = xasprintf("%s-%08x", STORE_VERSION, grammar_tags_hash());
	if (rm_store_meta_get(rm, "version", &v) == 0 &&
	    strcmp(v, version) != 0) {
		if (store_exec(rm, "DELETE FROM files; DELETE FROM history;"
		    "DELETE FROM cochange; DELETE FROM meta;", cause) != 0)
			goto out;
	}
	if (rm_store_meta_set(rm, "version", version) != 0) {
		*cause = xasprintf("%s: %s", path, sqlite3_errmsg(rm->db));
		goto out;
	}
	rc = 0;
out:
	if (rc != 0 && rm->db != NULL) {
		sqlite3_close(rm->db);
		rm->db = NULL;
	}
	free(v);
	free(version);
	free(dir);
	free(path);
	git_repository_free(repo);
	return (rc);
}

void
rm_store_close(struct repomodel *rm)
{
	sqlite3_finalize(rm->st_put);
	sqlite3_finalize(rm->st_delete);
	sqlite3_finalize(rm->st_get);
	sqlite3_finalize(rm->st_touch);
	rm->st_put = rm->st_delete = rm->st_get = rm->st_touch = NULL;
	if (rm->db != NULL)
		sqlite3_close(rm->db);
	rm->db = NULL;
}

int
rm_store_meta_get(struct repomodel *rm, const char *key, char **value)
{
	sqlite3_stmt	*st;
	int		 rc = -1;

	*value = NULL;
	if (sqlite3_prepare_v2(rm->db, "SELECT value FROM meta WHERE key=?",
	    -1, &st, NULL) != SQLITE_OK)
		return (-1);
	sqlite3_bind_text(st, 1, key, -1, SQLITE_STATIC);
	if (sqlite3_step(st) == SQLITE_ROW &&
	    sqlite3_column_text(st, 0) != NULL) {
		*value = xstrdup((const char *)sqlite3_column_text(st, 0));
		rc = 0;
	}
	sqlite3_finalize(st);
	return (rc);
}

int
rm_store_meta_set(struct repomodel *rm, const char *key, const char *value)
{
	sqlite3_stmt	*st;
	int		 rc;

	if (sqlite3_prepare_v2(rm->db, "INSERT OR REPLACE INTO meta "
	    "(key, value) VALUES (?, ?)", -1, &st, NULL) != SQLITE_OK)
		return (-1);
	sqlite3_bind_text(st, 1, key, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 2, value, -1, SQLITE_STATIC);
	rc = sqlite3_step(st) == SQLITE_DONE ? 0 : -1;
	sqlite3_finalize(st);
	return (rc);
}

int
rm_store_begin(struct repomodel *rm)
{
	return (store_exec(rm, "BEGIN IMMEDIATE", NULL));
}

int
rm_store_commit(struct repomodel *rm)
{
	return (store_exec(rm, "COMMIT", NULL));
}

/* Serialise t into b. */
static void
store_blob(const struct tags *t, struct buf *b)
{
	struct blob_head	h;

	h.ndefs = t->ndefs;
	h.nrefs = t->nrefs;
	h.nimports = t->nimports;
	h.nuses = t->nuses;
	h.nstrs = t->strs.len;
	h.errors = t->errors;
	buf_add(b, &h, sizeof h);
	buf_add(b, t->defs, t->ndefs * sizeof *t->defs);
	buf_add(b, t->refs, t->nrefs * sizeof *t->refs);
	buf_add(b, t->imports, t->nimports * sizeof *t->imports);
	buf_add(b, t->uses, t->nuses * sizeof *t->uses);
	buf_add(b, t->strs.buf, t->strs.len);
}

/* Deserialise a blob into t (empty); -1 if it is malformed. */
static int
store_unblob(const void *data, size_t len, struct tags *t)
{
	struct blob_head	 h;
	const char		*p = data;
	size_t			 need, i;

	if (len < sizeof h)
		return (-1);
	memcpy(&h, p, sizeof h);
	need = sizeof h + (size_t)h.ndefs * sizeof *t->defs +
	    (size_t)h.nrefs * sizeof *t->refs +
	    (size_t)h.nimports * sizeof *t->imports +
	    (size_t)h.nuses * sizeof *t->uses + h.nstrs;
	if (need != len || (h.nstrs > 0 && p[len - 1] != '\0'))
		return (-1);
	p += sizeof h;
	t->defs = xmalloc(h.ndefs * sizeof *t->defs + 1);
	memcpy(t->defs, p, h.ndefs * sizeof *t->defs);
	t->ndefs = t->adefs = h.ndefs;
	p += h.ndefs * sizeof *t->defs;
	t->refs = xmalloc(h.nrefs * sizeof *t->refs + 1);
	memcpy(t->refs, p, h.nrefs * sizeof *t->refs);
	t->nrefs = t->arefs = h.nrefs;
	p += h.nrefs * sizeof *t->refs;
	t->imports = xmalloc(h.nimports * sizeof *t->imports + 1);
	memcpy(t->imports, p, h.nimports * sizeof *t->imports);
	t->nimports = t->aimports = h.nimports;
	p += h.nimports * sizeof *t->imports;
	t->uses = xmalloc(h.nuses * sizeof *t->uses + 1);
	memcpy(t->uses, p, h.nuses * sizeof *t->uses);
	t->nuses = h.nuses;
	p += h.nuses * sizeof *t->uses;
	buf_add(&t->strs, p, h.nstrs);
	t->errors = h.errors;
	/* Every offset must point inside the strings. */
	for (i = 0; i < t->ndefs; i++) {
		if (t->defs[i].name >= h.nstrs || t->defs[i].sig >= h.nstrs)
			return (-1);
	}
	for (i = 0; i < t->nrefs; i++) {
		if (t->refs[i].name >= h.nstrs)
			return (-1);
	}
	for (i = 0; i < t->nimports; i++) {
		if (t->imports[i] >= h.nstrs)
			return (-1);
	}
	for (i = 0; i < t->nuses; i++) {
		if (t->uses[i].name >= h.nstrs)
			return (-1);
	}
	return (0);
}

int
rm_store_put(struct repomodel *rm, const struct rm_file *f)
{
	sqlite3_stmt	*st;
	int		 rc;

	/* Prepared once; the blob buffer is reused too. */
	if (rm->st_put == NULL && sqlite3_prepare_v3(rm->db, "INSERT OR "
	    "REPLACE INTO files (path, size, mtime, hash, lang, skip, tags) "
	    "VALUES (?, ?, ?, ?, ?, ?, ?)", -1, SQLITE_PREPARE_PERSISTENT,
	    &rm->st_put, NULL) != SQLITE_OK)
		return (-1);
	st = rm->st_put;
	buf_reset(&rm->blob);
	store_blob(&f->tags, &rm->blob);
	sqlite3_bind_text(st, 1, f->path, -1, SQLITE_STATIC);
	sqlite3_bind_int64(st, 2, f->size);
	sqlite3_bind_int64(st, 3, f->mtime);
	sqlite3_bind_blob(st, 4, f->hash, sizeof f->hash, SQLITE_STATIC);
	if (f->g != NULL)
		sqlite3_bind_text(st, 5, grammar_name(f->g), -1,
		    SQLITE_STATIC);
	else
		sqlite3_bind_null(st, 5);
	sqlite3_bind_int(st, 6, f->skip);
	sqlite3_bind_blob(st, 7, rm->blob.buf, rm->blob.len, SQLITE_STATIC);
	rc = sqlite3_step(st) == SQLITE_DONE ? 0 : -1;
	sqlite3_reset(st);
	sqlite3_clear_bindings(st);
	if (rm->blob.alloc > 1024 * 1024)
		buf_release(&rm->blob);
	return (rc);
}

int
rm_store_touch(struct repomodel *rm, const struct rm_file *f)
{
	sqlite3_stmt	*st;
	int		 rc;

	if (rm->st_touch == NULL && sqlite3_prepare_v3(rm->db, "UPDATE files "
	    "SET size=?, mtime=? WHERE path=?", -1, SQLITE_PREPARE_PERSISTENT,
	    &rm->st_touch, NULL) != SQLITE_OK)
		return (-1);
	st = rm->st_touch;
	sqlite3_bind_int64(st, 1, f->size);
	sqlite3_bind_int64(st, 2, f->mtime);
	sqlite3_bind_text(st, 3, f->path, -1, SQLITE_STATIC);
	rc = sqlite3_step(st) == SQLITE_DONE ? 0 : -1;
	sqlite3_reset(st);
	sqlite3_clear_bindings(st);
	return (rc);
}

int
rm_store_get(struct repomodel *rm, const char *path, struct tags *t)
{
	sqlite3_stmt	*st;
	const void	*blob;
	int		 rc = -1;

	if (rm->st_get == NULL && sqlite3_prepare_v3(rm->db, "SELECT tags "
	    "FROM files WHERE path=?", -1, SQLITE_PREPARE_PERSISTENT,
	    &rm->st_get, NULL) != SQLITE_OK)
		return (-1);
	st = rm->st_get;
	sqlite3_bind_text(st, 1, path, -1, SQLITE_STATIC);
	if (sqlite3_step(st) == SQLITE_ROW &&
	    (blob = sqlite3_column_blob(st, 0)) != NULL) {
		rc = store_unblob(blob, sqlite3_column_bytes(st, 0), t);
		if (rc != 0)
			tags_release(t);
	}
	sqlite3_reset(st);
	sqlite3_clear_bindings(st);
	return (rc);
}

int
rm_store_delete(struct repomodel *rm, const char *path)
{
	sqlite3_stmt	*st;
	int		 rc;

	if (rm->st_delete == NULL && sqlite3_prepare_v3(rm->db, "DELETE FROM "
	    "files WHERE path=?", -1, SQLITE_PREPARE_PERSISTENT,
	    &rm->st_delete, NULL) != SQLITE_OK)
		return (-1);
	st = rm->st_delete;
	sqlite3_bind_text(st, 1, path, -1, SQLITE_STATIC);
	rc = sqlite3_step(st) == SQLITE_DONE ? 0 : -1;
	sqlite3_reset(st);
	sqlite3_clear_bindings(st);
	return (rc);
}

int
rm_store_load(struct repomodel *rm, char **cause)
{
	sqlite3_stmt	*st;
	struct rm_file	*f;
	const char	*path, *lang;
	const void	*blob;
	int		 r;

	if (sqlite3_prepare_v2(rm->db, "SELECT path, size, mtime, hash, lang,"
	    " skip, tags FROM files", -1, &st, NULL) != SQLITE_OK)
		goto fail;
	while ((r = sqlite3_step(st)) == SQLITE_ROW) {
		path = (const char *)sqlite3_column_text(st, 0);
		if (path == NULL || *path == '\0')
			continue;
		f = rm_file_add(rm, path);
		f->size = sqlite3_column_int64(st, 1);
		f->mtime = sqlite3_column_int64(st, 2);
		if (sqlite3_column_bytes(st, 3) == sizeof f->hash)
			memcpy(f->hash, sqlite3_column_blob(st, 3),
			    sizeof f->hash);
		lang = (const char *)sqlite3_column_text(st, 4);
		f->g = lang != NULL ? grammar_find(lang) : NULL;
		f->skip = sqlite3_column_int(st, 5);
		if (f->skip >= SKIP_COUNT)
			f->skip = SKIP_NONE;
		blob = sqlite3_column_blob(st, 6);
		if (blob == NULL || store_unblob(blob,
		    sqlite3_column_bytes(st, 6), &f->tags) != 0) {
			/* Unusable: re-parse it (mtime 0 never matches). */
			tags_release(&f->tags);
			f->mtime = 0;
		}
		/* Index it and keep only what stays in memory now. */
		rm_index_add(rm, rm_file_index(rm, f->path));
		rm_file_slim(f);
	}
	sqlite3_finalize(st);
	if (r != SQLITE_DONE)
		goto fail;

	if (sqlite3_prepare_v2(rm->db, "SELECT path, last_commit, churn FROM"
	    " history", -1, &st, NULL) != SQLITE_OK)
		goto fail;
	while (sqlite3_step(st) == SQLITE_ROW) {
		path = (const char *)sqlite3_column_text(st, 0);
		if (path == NULL || (f = rm_file_get(rm, path)) == NULL)
			continue;
		f->last_commit = sqlite3_column_int64(st, 1);
		f->churn = sqlite3_column_int(st, 2);
	}
	sqlite3_finalize(st);
	if (sqlite3_prepare_v2(rm->db, "SELECT a, b, n FROM cochange", -1,
	    &st, NULL) != SQLITE_OK)
		goto fail;
	while (sqlite3_step(st) == SQLITE_ROW) {
		uint32_t	a, b;

		a = rm_file_index(rm, (const char *)sqlite3_column_text(st, 0));
		b = rm_file_index(rm, (const char *)sqlite3_column_text(st, 1));
		if (a == UINT32_MAX || b == UINT32_MAX)
			continue;
		ALLOC_GROW(rm->pairs, rm->npairs + 1, rm->apairs);
		rm->pairs[rm->npairs].a = a;
		rm->pairs[rm->npairs].b = b;
		rm->pairs[rm->npairs].n = sqlite3_column_int(st, 2);
		rm->npairs++;
	}
	sqlite3_finalize(st);
	return (0);

fail:
	*cause = xasprintf("repomodel.db: %s", sqlite3_errmsg(rm->db));
	return (-1);
}

int
rm_store_put_history(struct repomodel *rm)
{
	sqlite3_stmt	*st = NULL;
	struct rm_file	*f;
	size_t		 i;
	int		 rc = -1;

	if (store_exec(rm, "DELETE FROM history; DELETE FROM cochange;",
	    NULL) != 0)
		return (-1);
	if (sqlite3_prepare_v2(rm->db, "INSERT INTO history (path,"
	    " last_commit, churn) VALUES (?, ?, ?)", -1, &st, NULL) !=
	    SQLITE_OK)
		goto out;
	for (i = 0; i < rm->nfiles; i++) {
		if ((f = rm->files[i]) == NULL || f->churn == 0)
			continue;
		sqlite3_reset(st);
		sqlite3_bind_text(st, 1, f->path, -1, SQLITE_STATIC);
		sqlite3_bind_int64(st, 2, f->last_commit);
		sqlite3_bind_int(st, 3, f->churn);
		if (sqlite3_step(st) != SQLITE_DONE)
			goto out;
	}
	sqlite3_finalize(st);
	st = NULL;
	if (sqlite3_prepare_v2(rm->db, "INSERT INTO cochange (a, b, n)"
	    " VALUES (?, ?, ?)", -1, &st, NULL) != SQLITE_OK)
		goto out;
	for (i = 0; i < rm->npairs; i++) {
		if (rm->files[rm->pairs[i].a] == NULL ||
		    rm->files[rm->pairs[i].b] == NULL)
			continue;
		sqlite3_reset(st);
		sqlite3_bind_text(st, 1, rm->files[rm->pairs[i].a]->path, -1,
		    SQLITE_STATIC);
		sqlite3_bind_text(st, 2, rm->files[rm->pairs[i].b]->path, -1,
		    SQLITE_STATIC);
		sqlite3_bind_int(st, 3, rm->pairs[i].n);
		if (sqlite3_step(st) != SQLITE_DONE)
			goto out;
	}
	rc = 0;
out:
	sqlite3_finalize(st);
	return (rc);
}
