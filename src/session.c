/* session.c: the session log: events in SQLite (WAL) under .git/agentos/. */
#include <sys/random.h>
#include <sys/stat.h>
#include <sys/types.h>

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <git2.h>
#include <sqlite3.h>

#include "agentos.h"
#include "session.h"
#include "options.h"
#include "snapshot.h"
#include "image.h"
#include "banned.h"

/*
 * Why synchronous=NORMAL: in WAL mode a commit appends to the WAL file
 * without fsync; the data is in the OS page cache the moment the commit
 * returns, so a kill -9 of agentos loses nothing committed (only a power
 * loss or kernel crash may lose the last transactions, never corrupt the
 * database).  A crash of the process is the failure the log must survive,
 * and FULL would cost an fsync (milliseconds) per event.
 */
#define SESSION_BUSY_MS		5000
/* Request bodies are stored as a suffix of the previous one when they
   share at least this long a prefix, up to this deep a chain. */
#define SESSION_BODY_MIN_PREFIX	1024
#define SESSION_BODY_MAX_DEPTH	32

struct session {
	sqlite3			*db;
	char			*id;
	char			*root;
	char			*parent;
	int64_t			 parent_seq;
	int			 exists;	/* its sessions row is written */
	int			 log_bodies;
	struct session_redact	*redact;
	char			*failed;
	sqlite3_stmt		*st_insert;
	sqlite3_stmt		*st_body_put;
	sqlite3_stmt		*st_body_get;
	void			(*tap)(void *, const char *,
				    const struct event *);
	void			*tap_arg;
	int64_t			 body_counter;
	/* The last request body stored, for prefix-delta storage. */
	char			*body_last;
	size_t			 body_last_len;
	char			*body_last_key;
	int			 body_last_depth;
	/* The last body read back, to shortcut chains when reading. */
	char			*body_cache;
	size_t			 body_cache_len;
	char			*body_cache_key;
};

/*
 * Schema migrations: entry i takes user_version i to i + 1.  Version 1 was
 * the first layout (no fork links, no worktree, request bodies inline);
 * version 2 adds forks, the worktree a session ran in (linked worktrees
 * share one database) and the bodies table.
 */
static const char *session_migrations[] = {
	/* 0 -> 1 */
	"CREATE TABLE sessions (id TEXT PRIMARY KEY, created INTEGER NOT NULL);"
	"CREATE TABLE events (session TEXT NOT NULL, seq INTEGER NOT NULL,"
	" time INTEGER NOT NULL, type TEXT NOT NULL, data TEXT NOT NULL,"
	" PRIMARY KEY (session, seq)) WITHOUT ROWID;",
	/* 1 -> 2 */
	"ALTER TABLE sessions RENAME COLUMN created TO created_ms;"
	"ALTER TABLE sessions ADD COLUMN parent TEXT;"
	"ALTER TABLE sessions ADD COLUMN parent_seq INTEGER;"
	"ALTER TABLE sessions ADD COLUMN worktree TEXT;"
	"ALTER TABLE events RENAME COLUMN time TO time_ms;"
	"CREATE TABLE bodies (key TEXT PRIMARY KEY, base TEXT,"
	" prefix INTEGER NOT NULL DEFAULT 0, depth INTEGER NOT NULL DEFAULT 0,"
	" data BLOB NOT NULL) WITHOUT ROWID;",
};

/* A walk over a session's events (session_iter_open()). */
struct session_iter {
	struct session	*s;
	sqlite3_stmt	*st;
	int		 flags;
	int		 done;
	struct event	 ev;		/* the current one, owned */
};

static int	 session_db_open(const char *, sqlite3 **, char **);
static int	 session_migrate(sqlite3 *, const char *, char **);
static int	 session_exec(sqlite3 *, const char *, char **);
static char	*session_new_id(sqlite3 *);
static int	 session_find(struct session *, const char *, char **);
static int	 session_prepare(struct session *, char **);
static int	 session_body_put(struct session *, const char *, const char *,
		     size_t);
static char	*session_body_get(struct session *, const char *, size_t *,
		     int);
static char	*session_kinds_sql(int);
static char	*session_strdup_col(sqlite3_stmt *, int);
static json_t	*session_columns(sqlite3_stmt *);
static void	 session_list_snapshots(const char *,
		     struct session_summary *, size_t);

char *
session_db_path(const char *root, char **cause)
{
	git_repository	*repo = NULL;
	const char	*common;
	char		*path = NULL;
	int		 error;

	git_libgit2_init();
	error = git_repository_open(&repo, root);
	if (error != 0) {
		*cause = xasprintf("%s: not a git repository: %s", root,
		    git_error_last() != NULL ? git_error_last()->message :
		    "unknown error");
		goto out;
	}
	common = git_repository_commondir(repo);
	path = xasprintf("%s%s%s/%s", common,
	    common[strlen(common) - 1] == '/' ? "" : "/", SESSION_DB_DIR,
	    SESSION_DB_NAME);
out:
	git_repository_free(repo);
	git_libgit2_shutdown();
	return (path);
}

/* Run sql (one or more statements); 0 or -1 with cause. */
static int
session_exec(sqlite3 *db, const char *sql, char **cause)
{
	char	*err = NULL;

	if (sqlite3_exec(db, sql, NULL, NULL, &err) != SQLITE_OK) {
		*cause = xasprintf("session log: %s",
		    err != NULL ? err : sqlite3_errmsg(db));
		sqlite3_free(err);
		return (-1);
	}
	return (0);
}

/* Bring the schema up to SESSION_SCHEMA_VERSION, one step a transaction. */
static int
session_migrate(sqlite3 *db, const char *path, char **cause)
{
	sqlite3_stmt	*st = NULL;
	int		 version, rc = -1, tx = 0;
	char		*sql, *why;

	for (;;) {
		if (sqlite3_prepare_v2(db, "PRAGMA user_version", -1, &st,
		    NULL) != SQLITE_OK || sqlite3_step(st) != SQLITE_ROW) {
			*cause = xasprintf("%s: %s", path, sqlite3_errmsg(db));
			goto out;
		}
		version = sqlite3_column_int(st, 0);
		sqlite3_finalize(st);
		st = NULL;
		if (version == SESSION_SCHEMA_VERSION) {
			rc = 0;
			goto out;
		}
		if (version < 0 || version > SESSION_SCHEMA_VERSION) {
			*cause = xasprintf("%s: schema version %d is newer "
			    "than this agentos knows (%d)", path, version,
			    SESSION_SCHEMA_VERSION);
			goto out;
		}
		if (!tx) {
			/* Read the version again under the write lock. */
			if (session_exec(db, "BEGIN IMMEDIATE", cause) != 0)
				goto out;
			tx = 1;
			continue;
		}
		log_debug("session: migrating %s from version %d", path,
		    version);
		if (session_exec(db, session_migrations[version], cause) != 0)
			goto out;
		sql = xasprintf("PRAGMA user_version = %d", version + 1);
		rc = session_exec(db, sql, cause);
		free(sql);
		if (rc != 0)
			goto out;
		rc = -1;
	}
out:
	sqlite3_finalize(st);
	if (tx && rc == 0 && session_exec(db, "COMMIT", cause) != 0)
		rc = -1;
	if (tx && rc != 0 && session_exec(db, "ROLLBACK", &why) != 0)
		free(why);
	return (rc);
}

/* Open (creating) the database of the repository at root, migrated. */
static int
session_db_open(const char *root, sqlite3 **dbp, char **cause)
{
	sqlite3	*db = NULL;
	char	*path, *dir, *slash;
	int	 rc = -1;

	*dbp = NULL;
	if ((path = session_db_path(root, cause)) == NULL)
		return (-1);
	dir = xstrdup(path);
	if ((slash = strrchr(dir, '/')) != NULL)
		*slash = '\0';
	/* It holds what the model read: private, -wal and -shm too. */
	if (path_private_dir(dir, cause) != 0 ||
	    path_private_file(path, 1, cause) != 0)
		goto out;
	if (sqlite3_open_v2(path, &db, SQLITE_OPEN_READWRITE |
	    SQLITE_OPEN_CREATE, NULL) != SQLITE_OK) {
		*cause = xasprintf("%s: %s", path, db != NULL ?
		    sqlite3_errmsg(db) : "cannot open");
		goto out;
	}
	sqlite3_busy_timeout(db, SESSION_BUSY_MS);
	if (session_exec(db, "PRAGMA journal_mode = WAL;"
	    "PRAGMA synchronous = NORMAL;", cause) != 0)
		goto out;
	if (session_migrate(db, path, cause) != 0)
		goto out;
	*dbp = db;
	db = NULL;
	rc = 0;
out:
	sqlite3_close(db);
	free(dir);
	free(path);
	return (rc);
}

/* A new id: UTC time to the second and 4 random hex digits, unused. */
static char *
session_new_id(sqlite3 *db)
{
	sqlite3_stmt	*st = NULL;
	struct tm	 tm;
	time_t		 t = time(NULL);
	unsigned short	 r;
	char		 stamp[32], *id = NULL;
	int		 tries;

	gmtime_r(&t, &tm);
	strftime(stamp, sizeof stamp, "%Y%m%d-%H%M%S", &tm);
	sqlite3_prepare_v2(db, "SELECT 1 FROM sessions WHERE id = ?", -1,
	    &st, NULL);
	for (tries = 0; tries < 100; tries++) {
		if (getrandom(&r, sizeof r, 0) != sizeof r)
			r = (unsigned short)(getpid() * 31 + tries + t);
		free(id);
		id = xasprintf("%s-%04x", stamp, r);
		if (st == NULL)
			break;
		sqlite3_reset(st);
		sqlite3_bind_text(st, 1, id, -1, SQLITE_STATIC);
		if (sqlite3_step(st) != SQLITE_ROW)
			break;
	}
	sqlite3_finalize(st);
	return (id);
}

/* A text column as an allocated string, or NULL. */
static char *
session_strdup_col(sqlite3_stmt *st, int col)
{
	const unsigned char	*s = sqlite3_column_text(st, col);

	return (s != NULL ? xstrdup((const char *)s) : NULL);
}

/* Resolve want ("" or an id prefix) to a session and load its row. */
static int
session_find(struct session *s, const char *want, char **cause)
{
	sqlite3_stmt	*st = NULL;
	int		 rc = -1, n = 0;

	if (*want == '\0') {
		/* The latest of this worktree (or of unknown worktree). */
		sqlite3_prepare_v2(s->db, "SELECT id, parent, parent_seq "
		    "FROM sessions WHERE (worktree IS NULL OR worktree = ?1) "
		    "AND EXISTS (SELECT 1 FROM events WHERE session = "
		    "sessions.id) ORDER BY max(coalesce(created_ms, 0), "
		    "(SELECT time_ms FROM events WHERE "
		    "session = sessions.id ORDER BY seq DESC LIMIT 1)) DESC, "
		    "id DESC LIMIT 1", -1, &st, NULL);
		if (st != NULL)
			sqlite3_bind_text(st, 1, s->root, -1, SQLITE_STATIC);
	} else {
		sqlite3_prepare_v2(s->db, "SELECT id, parent, parent_seq "
		    "FROM sessions WHERE substr(id, 1, length(?1)) = ?1 "
		    "ORDER BY id = ?1 DESC, id LIMIT 2", -1, &st, NULL);
		if (st != NULL)
			sqlite3_bind_text(st, 1, want, -1, SQLITE_STATIC);
	}
	if (st == NULL) {
		*cause = xasprintf("session log: %s", sqlite3_errmsg(s->db));
		return (-1);
	}
	while (sqlite3_step(st) == SQLITE_ROW) {
		if (n++ == 0) {
			s->id = session_strdup_col(st, 0);
			s->parent = session_strdup_col(st, 1);
			s->parent_seq = sqlite3_column_int64(st, 2);
			if (strcmp(s->id, want) == 0)
				break;
		} else {
			*cause = xasprintf("session id prefix %s is "
			    "ambiguous", want);
			goto out;
		}
	}
	if (n == 0) {
		if (*want == '\0')
			*cause = xstrdup("no session to continue in this "
			    "repository");
		else
			*cause = xasprintf("no session %s in this "
			    "repository", want);
		goto out;
	}
	s->exists = 1;
	rc = 0;
out:
	sqlite3_finalize(st);
	return (rc);
}

/* Prepare the statements every append uses. */
static int
session_prepare(struct session *s, char **cause)
{
	if (sqlite3_prepare_v3(s->db, "INSERT INTO events (session, seq, "
	    "time_ms, type, data) SELECT ?1, coalesce(max(seq), 0) + 1, ?2, "
	    "?3, ?4 FROM events WHERE session = ?1 RETURNING seq", -1,
	    SQLITE_PREPARE_PERSISTENT, &s->st_insert, NULL) != SQLITE_OK ||
	    sqlite3_prepare_v3(s->db, "INSERT OR IGNORE INTO bodies (key, "
	    "base, prefix, depth, data) VALUES (?, ?, ?, ?, ?)", -1,
	    SQLITE_PREPARE_PERSISTENT, &s->st_body_put, NULL) != SQLITE_OK ||
	    sqlite3_prepare_v3(s->db, "SELECT base, prefix, data FROM bodies "
	    "WHERE key = ?", -1, SQLITE_PREPARE_PERSISTENT, &s->st_body_get,
	    NULL) != SQLITE_OK) {
		*cause = xasprintf("session log: %s", sqlite3_errmsg(s->db));
		return (-1);
	}
	return (0);
}

/* Make a session object on an open database. */
static struct session *
session_create(sqlite3 *db, const char *root)
{
	struct session	*s = xcalloc(1, sizeof *s);
	const char	*env[] = { "ANTHROPIC_API_KEY", "OPENAI_API_KEY",
			    "ANTHROPIC_AUTH_TOKEN" };
	size_t		 i;

	s->db = db;
	if ((s->root = realpath(root, NULL)) == NULL)
		s->root = xstrdup(root);
	s->log_bodies = 1;
	s->redact = session_redact_create();
	for (i = 0; i < sizeof env / sizeof *env; i++)
		session_redact_add_literal(s->redact, getenv(env[i]));
	return (s);
}

struct session *
session_open(const char *root, const char *id, char **cause)
{
	struct session	*s;
	sqlite3		*db;

	if (session_db_open(root, &db, cause) != 0)
		return (NULL);
	s = session_create(db, root);
	if (id == NULL)
		s->id = session_new_id(db);
	else if (session_find(s, id, cause) != 0)
		goto fail;
	if (session_prepare(s, cause) != 0)
		goto fail;
	log_debug("session: %s %s", id == NULL ? "new" : "resumed", s->id);
	return (s);
fail:
	session_close(s);
	return (NULL);
}

int
session_configure(struct session *s, const struct config *cfg,
    char **cause)
{
	const struct session_options	*o;
	size_t				 i;
	char				*why;
	struct buf			 errs = BUF_INIT;

	if (cfg == NULL)
		return (0);
	o = &options_get(cfg)->session;
	session_redact_add_literal(s->redact, cfg->api_key);
	if (!o->log_bodies)
		s->log_bodies = 0;
	for (i = 0; i < o->redact.n; i++) {
		if (session_redact_add(s->redact, o->redact.v[i],
		    &why) != 0) {
			buf_addf(&errs, "%s%s", errs.len ? "; " : "", why);
			free(why);
		}
	}
	if (errs.len != 0) {
		*cause = buf_detach(&errs, NULL);
		return (-1);
	}
	buf_release(&errs);
	return (0);
}

struct session *
session_fork(struct session *from, int64_t at_event, char **cause)
{
	struct session	*s;
	sqlite3		*db;
	sqlite3_stmt	*st = NULL;
	char		*why;

	if (session_db_open(from->root, &db, cause) != 0)
		return (NULL);
	s = session_create(db, from->root);
	session_redact_free(s->redact);
	s->redact = session_redact_ref(from->redact);
	s->log_bodies = from->log_bodies;
	s->id = session_new_id(db);
	if (at_event < 0)
		at_event = INT64_MAX;
	s->parent = xstrdup(from->id);
	if (session_exec(db, "BEGIN IMMEDIATE", cause) != 0)
		goto fail;
	if (sqlite3_prepare_v2(db, "INSERT INTO sessions (id, created_ms, "
	    "parent, parent_seq, worktree) VALUES (?1, ?2, ?3, "
	    "(SELECT coalesce(max(seq), 0) FROM events WHERE session = ?3 "
	    "AND seq <= ?4), ?5)", -1, &st, NULL) != SQLITE_OK)
		goto dberr;
	sqlite3_bind_text(st, 5, s->root, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 1, s->id, -1, SQLITE_STATIC);
	sqlite3_bind_int64(st, 2, (sqlite3_int64)loop_wall_ms());
	sqlite3_bind_text(st, 3, from->id, -1, SQLITE_STATIC);
	sqlite3_bind_int64(st, 4, at_event);
	if (sqlite3_step(st) != SQLITE_DONE)
		goto dberr;
	sqlite3_finalize(st);
	if (sqlite3_prepare_v2(db, "INSERT INTO events (session, seq, time_ms, "
	    "type, data) SELECT ?1, seq, time_ms, type, data FROM events "
	    "WHERE session = ?2 AND seq <= ?3", -1, &st, NULL) != SQLITE_OK)
		goto dberr;
	sqlite3_bind_text(st, 1, s->id, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 2, from->id, -1, SQLITE_STATIC);
	sqlite3_bind_int64(st, 3, at_event);
	if (sqlite3_step(st) != SQLITE_DONE)
		goto dberr;
	sqlite3_finalize(st);
	st = NULL;
	if (session_exec(db, "COMMIT", cause) != 0)
		goto rollback;
	s->exists = 1;
	s->parent_seq = at_event == INT64_MAX ? session_last_seq(from) :
	    at_event;
	if (s->parent_seq > session_last_seq(from))
		s->parent_seq = session_last_seq(from);
	if (session_prepare(s, cause) != 0)
		goto fail;
	log_debug("session: forked %s from %s at %lld", s->id, from->id,
	    (long long)s->parent_seq);
	return (s);
dberr:
	*cause = xasprintf("session log: %s", sqlite3_errmsg(db));
rollback:
	sqlite3_finalize(st);
	if (session_exec(db, "ROLLBACK", &why) != 0)
		free(why);
fail:
	session_close(s);
	return (NULL);
}

const char *
session_id(struct session *s)
{
	return (s->id);
}

const char *
session_parent(struct session *s, int64_t *at_event)
{
	if (at_event != NULL)
		*at_event = s->parent_seq;
	return (s->parent);
}

int64_t
session_last_seq(struct session *s)
{
	sqlite3_stmt	*st;
	int64_t		 seq = 0;

	if (sqlite3_prepare_v2(s->db, "SELECT max(seq) FROM events WHERE "
	    "session = ?", -1, &st, NULL) != SQLITE_OK)
		return (0);
	sqlite3_bind_text(st, 1, s->id, -1, SQLITE_STATIC);
	if (sqlite3_step(st) == SQLITE_ROW)
		seq = sqlite3_column_int64(st, 0);
	sqlite3_finalize(st);
	return (seq);
}

const char *
session_failed(struct session *s)
{
	return (s->failed);
}

void
session_set_tap(struct session *s,
    void (*cb)(void *, const char *, const struct event *), void *arg)
{
	s->tap = cb;
	s->tap_arg = arg;
}

/*
 * Store a request body under key.  Successive bodies of one conversation
 * share most of their text (the whole history, then one more turn), so a
 * body that extends the previous one is stored as (base, prefix length,
 * suffix): the log grows with the conversation, not with its square.
 */
static int
session_body_put(struct session *s, const char *key, const char *body,
    size_t len)
{
	sqlite3_stmt	*st = s->st_body_put;
	size_t		 p = 0;
	int		 depth = 0, rc;

	if (s->body_last != NULL && s->body_last_depth <
	    SESSION_BODY_MAX_DEPTH) {
		while (p < len && p < s->body_last_len &&
		    body[p] == s->body_last[p])
			p++;
		if (p < SESSION_BODY_MIN_PREFIX)
			p = 0;
		else
			depth = s->body_last_depth + 1;
	}
	sqlite3_bind_text(st, 1, key, -1, SQLITE_STATIC);
	if (p != 0)
		sqlite3_bind_text(st, 2, s->body_last_key, -1, SQLITE_STATIC);
	else
		sqlite3_bind_null(st, 2);
	sqlite3_bind_int64(st, 3, (sqlite3_int64)p);
	sqlite3_bind_int(st, 4, depth);
	sqlite3_bind_blob64(st, 5, body + p, len - p, SQLITE_STATIC);
	rc = sqlite3_step(st);
	sqlite3_reset(st);
	sqlite3_clear_bindings(st);
	if (rc != SQLITE_DONE)
		return (-1);
	if (sqlite3_changes(s->db) == 0)
		return (0);	/* the same body again (a retry) */
	free(s->body_last);
	free(s->body_last_key);
	s->body_last = xstrndup(body, len);
	s->body_last_len = len;
	s->body_last_key = xstrdup(key);
	s->body_last_depth = depth;
	return (0);
}

/* Read the body stored under key (caller frees); NULL if missing. */
static char *
session_body_get(struct session *s, const char *key, size_t *len,
    int depth)
{
	sqlite3_stmt	*st = s->st_body_get;
	struct buf	 b = BUF_INIT;
	char		*base_key = NULL, *base;
	size_t		 prefix, base_len;
	const void	*data;
	int		 n;

	if (s->body_cache_key != NULL && strcmp(s->body_cache_key, key) == 0) {
		*len = s->body_cache_len;
		return (xstrndup(s->body_cache, s->body_cache_len));
	}
	if (depth > SESSION_BODY_MAX_DEPTH + 1)
		return (NULL);
	sqlite3_bind_text(st, 1, key, -1, SQLITE_TRANSIENT);
	if (sqlite3_step(st) != SQLITE_ROW) {
		sqlite3_reset(st);
		return (NULL);
	}
	base_key = session_strdup_col(st, 0);
	prefix = (size_t)sqlite3_column_int64(st, 1);
	data = sqlite3_column_blob(st, 2);
	n = sqlite3_column_bytes(st, 2);
	buf_add(&b, data, n);
	sqlite3_reset(st);
	if (base_key != NULL) {
		base = session_body_get(s, base_key, &base_len, depth + 1);
		free(base_key);
		if (base == NULL || base_len < prefix) {
			free(base);
			buf_release(&b);
			return (NULL);
		}
		/* Put the base's prefix in front of the stored suffix. */
		buf_grow(&b, prefix);
		memmove(b.buf + prefix, b.buf, b.len + 1);
		memcpy(b.buf, base, prefix);
		b.len += prefix;
		free(base);
	}
	free(s->body_cache);
	free(s->body_cache_key);
	s->body_cache = xstrndup(b.buf, b.len);
	s->body_cache_len = b.len;
	s->body_cache_key = xstrdup(key);
	return (buf_detach(&b, len));
}

int64_t
session_append(struct session *s, enum event_type type, json_t *data)
{
	json_t		*copy, *body;
	const char	*sha, *name = event_name(type);
	char		*text = NULL, *key = NULL, *why = NULL;
	int64_t		 seq = -1, now = (int64_t)loop_wall_ms();
	int		 tx = 0, rc;
	sqlite3_stmt	*st = NULL;
	struct event	 e;

	if (*name == '\0')
		fatalx("session_append: event type %d has no name", (int)type);
	copy = data != NULL ? json_deep_copy(data) : json_object();
	if (!json_is_object(copy)) {
		json_decref(copy);
		copy = json_pack("{s:O}", "value", data);
	}
	session_redact_json(s->redact, copy);
	body = json_object_get(copy, "body");
	if (type == EV_REQUEST && json_is_string(body)) {
		if (!s->log_bodies) {
			json_object_del(copy, "body");
			body = NULL;
		} else {
			json_incref(body);
			json_object_del(copy, "body");
			sha = json_string_value(json_object_get(copy,
			    "body_sha256"));
			if (sha != NULL && *sha != '\0')
				key = xstrdup(sha);
			else
				key = xasprintf("%s/%lld/%lld", s->id,
				    (long long)now, (long long)
				    ++s->body_counter);
			json_object_set_new(copy, "body_ref",
			    json_string(key));
		}
	} else
		body = NULL;
	text = json_dumps(copy, JSON_COMPACT);

	if (!s->exists || body != NULL) {
		if (session_exec(s->db, "BEGIN IMMEDIATE", &why) != 0)
			goto out;
		tx = 1;
	}
	if (!s->exists) {
		if (sqlite3_prepare_v2(s->db, "INSERT INTO sessions (id, "
		    "created_ms, worktree) VALUES (?, ?, ?)", -1, &st,
		    NULL) != SQLITE_OK)
			goto dberr;
		sqlite3_bind_text(st, 1, s->id, -1, SQLITE_STATIC);
		sqlite3_bind_int64(st, 2, now);
		sqlite3_bind_text(st, 3, s->root, -1, SQLITE_STATIC);
		if (sqlite3_step(st) != SQLITE_DONE)
			goto dberr;
	}
	if (body != NULL && session_body_put(s, key, json_string_value(body),
	    json_string_length(body)) != 0)
		goto dberr;
	sqlite3_bind_text(s->st_insert, 1, s->id, -1, SQLITE_STATIC);
	sqlite3_bind_int64(s->st_insert, 2, now);
	sqlite3_bind_text(s->st_insert, 3, name, -1, SQLITE_STATIC);
	sqlite3_bind_text(s->st_insert, 4, text, -1, SQLITE_STATIC);
	rc = sqlite3_step(s->st_insert);
	if (rc == SQLITE_ROW) {
		seq = sqlite3_column_int64(s->st_insert, 0);
		rc = sqlite3_step(s->st_insert);
	}
	sqlite3_reset(s->st_insert);
	sqlite3_clear_bindings(s->st_insert);
	if (rc != SQLITE_DONE) {
		seq = -1;
		goto dberr;
	}
	if (tx) {
		if (session_exec(s->db, "COMMIT", &why) != 0) {
			seq = -1;
			goto out;
		}
		tx = 0;
	}
	s->exists = 1;
	if (s->tap != NULL) {
		/* As a reader sees it: no body, no body_ref. */
		memset(&e, 0, sizeof e);
		e.type = type;
		e.name = (char *)name;
		e.seq = seq;
		e.time_ms = now;
		json_object_del(copy, "body_ref");
		e.data = copy;
		s->tap(s->tap_arg, s->id, &e);
	}
	goto out;
dberr:
	why = xasprintf("session log: %s", sqlite3_errmsg(s->db));
out:
	sqlite3_finalize(st);
	if (tx) {
		char	*why2;

		if (session_exec(s->db, "ROLLBACK", &why2) != 0)
			free(why2);
	}
	if (seq < 0) {
		log_debug("session: append %s failed: %s", name,
		    why != NULL ? why : "?");
		if (s->failed == NULL)
			s->failed = why != NULL ? why : xstrdup("unknown");
		else
			free(why);
	} else
		free(why);
	json_decref(body);
	json_decref(copy);
	free(text);
	free(key);
	return (seq);
}

/* The members session_load needs, from columns 4 to 8 of its query. */
static json_t *
session_columns(sqlite3_stmt *st)
{
	static const char *names[] = { "id", "text", "content", "is_error",
	    "tool_use_id" };
	json_t		*o = json_object();
	size_t		 i;
	int		 col;

	for (i = 0; i < sizeof names / sizeof *names; i++) {
		col = 4 + (int)i;
		if (sqlite3_column_type(st, col) == SQLITE_NULL)
			continue;
		if (strcmp(names[i], "is_error") == 0)
			json_object_set_new(o, names[i], json_boolean(
			    sqlite3_column_int(st, col)));
		else
			json_object_set_new(o, names[i], json_stringn(
			    (const char *)sqlite3_column_text(st, col),
			    sqlite3_column_bytes(st, col)));
	}
	return (o);
}

/* The names of the event kinds with all of flags, as an SQL list. */
static char *
session_kinds_sql(int flags)
{
	struct buf	b = BUF_INIT;
	int		i;

	for (i = 1; i < EV__COUNT; i++) {
		if ((event_table[i].flags & flags) == flags)
			buf_addf(&b, "%s'%s'", b.len ? ", " : "",
			    event_table[i].name);
	}
	if (b.len == 0)
		buf_adds(&b, "NULL");
	return (buf_detach(&b, NULL));
}

struct session_iter *
session_iter_open(struct session *s, int64_t after, int flags,
    char **cause)
{
	struct session_iter	*it;
	sqlite3_stmt		*st = NULL;
	char			*load, *whole, *sql;
	int			 rc;

	/*
	 * A resume needs no requests, approvals, retries or errors, and of
	 * most events only a few members: SQLite extracts them (its JSON
	 * parser is several times faster than building jansson objects), so
	 * only the kinds marked EVK_LOAD_WHOLE (responses, compactions) are
	 * parsed whole.
	 */
	if (flags & SESSION_ITER_LOAD) {
		load = session_kinds_sql(EVK_LOAD);
		whole = session_kinds_sql(EVK_LOAD | EVK_LOAD_WHOLE);
		sql = xasprintf("SELECT seq, time_ms, type, CASE WHEN type "
		    "IN (%s) OR NOT json_valid(data) THEN data END, "
		    "CASE WHEN json_valid(data) THEN json_extract(data, "
		    "'$.id') END, CASE WHEN json_valid(data) THEN "
		    "json_extract(data, '$.text') END, CASE WHEN "
		    "json_valid(data) THEN json_extract(data, '$.content') "
		    "END, CASE WHEN json_valid(data) THEN json_extract(data, "
		    "'$.is_error') END, CASE WHEN json_valid(data) THEN "
		    "json_extract(data, '$.tool_use_id') END FROM events "
		    "WHERE session = ? AND seq > ? AND type IN (%s) "
		    "ORDER BY seq", whole, load);
		free(load);
		free(whole);
	} else
		sql = xstrdup("SELECT seq, time_ms, type, data FROM events "
		    "WHERE session = ? AND seq > ? ORDER BY seq");
	rc = sqlite3_prepare_v2(s->db, sql, -1, &st, NULL);
	free(sql);
	if (rc != SQLITE_OK) {
		*cause = xasprintf("session log: %s", sqlite3_errmsg(s->db));
		return (NULL);
	}
	sqlite3_bind_text(st, 1, s->id, -1, SQLITE_STATIC);
	sqlite3_bind_int64(st, 2, after);
	it = xcalloc(1, sizeof *it);
	it->s = s;
	it->st = st;
	it->flags = flags;
	return (it);
}

int
session_iter_next(struct session_iter *it, const struct event **evp,
    char **cause)
{
	struct session	*s = it->s;
	sqlite3_stmt	*st = it->st;
	json_error_t	 jerr;
	json_t		*data;
	const char	*ref, *why = NULL;
	char		*body;
	size_t		 len;
	int		 step, partial;

	*evp = NULL;
	event_release(&it->ev);
	if (it->done)
		return (0);
	if ((step = sqlite3_step(st)) != SQLITE_ROW) {
		it->done = 1;
		if (step == SQLITE_DONE)
			return (0);
		*cause = xasprintf("session log: %s", sqlite3_errmsg(s->db));
		return (-1);
	}
	partial = (it->flags & SESSION_ITER_LOAD) &&
	    sqlite3_column_type(st, 3) == SQLITE_NULL;
	if (partial)
		data = session_columns(st);
	else {
		data = json_loadb((const char *)sqlite3_column_blob(st, 3),
		    sqlite3_column_bytes(st, 3), 0, &jerr);
		if (data == NULL) {
			/* Never lose the rest for one bad row. */
			log_debug("session: %s event %lld: %s", s->id,
			    (long long)sqlite3_column_int64(st, 0),
			    jerr.text);
			why = jerr.text;
		}
	}
	if (data != NULL &&
	    (ref = json_string_value(json_object_get(data, "body_ref"))) !=
	    NULL) {
		if ((it->flags & SESSION_ITER_BODIES) &&
		    (body = session_body_get(s, ref, &len, 0)) != NULL) {
			json_object_set_new(data, "body",
			    json_stringn(body, len));
			free(body);
		}
		json_object_del(data, "body_ref");
	}
	event_init(&it->ev, (const char *)sqlite3_column_text(st, 2),
	    sqlite3_column_int64(st, 0), sqlite3_column_int64(st, 1), data,
	    why);
	if (partial) {
		/* A few members only, by design: nothing to check. */
		free(it->ev.invalid);
		it->ev.invalid = NULL;
	}
	*evp = &it->ev;
	return (1);
}

void
session_iter_close(struct session_iter *it)
{
	if (it == NULL)
		return;
	event_release(&it->ev);
	sqlite3_finalize(it->st);
	free(it);
}

int
session_read(struct session *s, int64_t after, struct event **evs,
    size_t *n, char **cause)
{
	struct session_iter	*it;
	const struct event	*ev;
	struct event		*v = NULL;
	size_t			 nr = 0, alloc = 0;
	int			 rc;

	*evs = NULL;
	*n = 0;
	it = session_iter_open(s, after, SESSION_ITER_BODIES, cause);
	if (it == NULL)
		return (-1);
	while ((rc = session_iter_next(it, &ev, cause)) == 1) {
		ALLOC_GROW(v, nr + 1, alloc);
		event_copy(&v[nr++], ev);
	}
	session_iter_close(it);
	if (rc != 0) {
		session_events_free(v, nr);
		return (-1);
	}
	*evs = v;
	*n = nr;
	return (0);
}

void
session_events_free(struct event *evs, size_t n)
{
	size_t	i;

	for (i = 0; i < n; i++)
		event_release(&evs[i]);
	free(evs);
}

/* A tool use of the last assistant message, waiting for its result. */
struct load_call {
	char		*id;
	int		 started;
	int		 done;
	char		*content;
	int		 is_error;
	char		*snapshot;
};

struct load_ctx {
	struct conv		*conv;
	struct session_state	*st;
	struct load_call	*calls;
	size_t			 ncalls, acalls;
	int			 turn_ended;
	char			*cause;
};

/* The pending call with id, or NULL. */
static struct load_call *
load_call_find(struct load_ctx *ctx, const char *id)
{
	size_t	i;

	if (id == NULL)
		return (NULL);
	for (i = 0; i < ctx->ncalls; i++) {
		if (strcmp(ctx->calls[i].id, id) == 0)
			return (&ctx->calls[i]);
	}
	return (NULL);
}

/* Add a pending call. */
static struct load_call *
load_call_add(struct load_ctx *ctx, const char *id)
{
	struct load_call	*c;

	ALLOC_GROW(ctx->calls, ctx->ncalls + 1, ctx->acalls);
	c = &ctx->calls[ctx->ncalls++];
	memset(c, 0, sizeof *c);
	c->id = xstrdup(id);
	return (c);
}

/*
 * The results of the last assistant message's tool uses go in one user
 * message; a use without a result (agentos stopped first) gets an error
 * result saying so, so the model knows and nothing runs twice.
 */
static void
load_flush(struct load_ctx *ctx)
{
	struct message		*m;
	struct load_call	*c;
	char			*text;
	size_t			 i;

	if (ctx->ncalls == 0)
		return;
	m = conv_add(ctx->conv, ROLE_USER);
	for (i = 0; i < ctx->ncalls; i++) {
		c = &ctx->calls[i];
		if (c->done)
			message_add_tool_result(m, c->id, c->content,
			    c->is_error);
		else {
			if (c->started && c->snapshot != NULL)
				text = xasprintf("interrupted: agentos stopped "
				    "before this tool call finished; it was "
				    "not re-run. The worktree may be restored "
				    "to snapshot %s.", c->snapshot);
			else if (c->started)
				text = xstrdup("interrupted: agentos stopped "
				    "before this tool call finished; it was "
				    "not re-run.");
			else
				text = xstrdup("interrupted: agentos stopped "
				    "before this tool call ran; it was not "
				    "run.");
			message_add_tool_result(m, c->id, text, 1);
			free(text);
			if (ctx->st != NULL)
				ctx->st->interrupted_tools++;
		}
		free(c->id);
		free(c->content);
		free(c->snapshot);
	}
	ctx->ncalls = 0;
}

/* An int64 member of o, or 0. */
static int64_t
load_int(json_t *o, const char *key)
{
	return (json_integer_value(json_object_get(o, key)));
}

/* One event into the conversation being rebuilt. */
static void
session_load_event(struct load_ctx *ctx, const struct event *ev)
{
	struct session_state	*st = ctx->st;
	struct load_call	*c;
	struct message		 m, *dst;
	json_t			*j, *u, *msgs;
	const char		*s, *id = NULL, *note, *shown;
	struct block		*b;
	char			*why, *all;
	size_t			 i;

	if (ev->invalid != NULL)
		log_debug("session: event %lld: %s", (long long)ev->seq,
		    ev->invalid);
	id = json_string_value(json_object_get(ev->data, "id"));
	switch (ev->type) {
	case EV_USER:
		load_flush(ctx);
		s = json_string_value(json_object_get(ev->data, "text"));
		if (s == NULL)
			s = "";
		/*
		 * As the agent does: after a turn that ended on a user
		 * message (cancelled, failed), the text joins that message
		 * so roles keep alternating.
		 */
		if (ctx->conv->nr > 0 &&
		    ctx->conv->msgs[ctx->conv->nr - 1].role == ROLE_USER)
			dst = &ctx->conv->msgs[ctx->conv->nr - 1];
		else
			dst = conv_add(ctx->conv, ROLE_USER);
		note = json_string_value(json_object_get(ev->data, "note"));
		if (note != NULL)
			message_add_text(dst, note);
		/* The bytes come from the image store after the walk. */
		json_array_foreach(json_object_get(ev->data, "images"), i, u)
			message_add_image(dst, conv_json_str(u, "media_type"),
			    conv_json_str(u, "sha256"), conv_json_str(u,
			    "name"), (int)json_integer_value(json_object_get(u,
			    "width")), (int)json_integer_value(
			    json_object_get(u, "height")), NULL);
		b = message_add_text(dst, s);
		if ((shown = json_string_value(json_object_get(ev->data,
		    "shown"))) != NULL)
			b->label = xstrdup(shown);
		if (st != NULL) {
			free(st->rewind_note);
			st->rewind_note = NULL;
			ALLOC_GROW(st->user_seqs, st->nuser_seqs + 1,
			    st->auser_seqs);
			st->user_seqs[st->nuser_seqs++] = ev->seq;
			st->turns++;
			if (st->first_prompt == NULL)
				st->first_prompt = xstrdup(s);
		}
		ctx->turn_ended = 0;
		break;
	case EV_RESPONSE:
		j = json_object_get(ev->data, "message");
		if (conv_message_from_json(j, &m, &why) != 0) {
			log_debug("session: event %lld: %s",
			    (long long)ev->seq, why);
			free(why);
			return;
		}
		load_flush(ctx);
		if (m.nr == 0) {
			/* The agent keeps empty answers out (APIs refuse). */
			message_release(&m);
			goto usage;
		}
		dst = conv_add(ctx->conv, ROLE_ASSISTANT);
		message_move_blocks(dst, &m);
		message_release(&m);
		/* Esc cut it: the transcript marks it as the live one did. */
		s = json_string_value(json_object_get(ev->data,
		    "stop_reason"));
		for (i = dst->nr; s != NULL && strcmp(s, "interrupted") == 0 &&
		    i > 0; i--) {
			b = &dst->blocks[i - 1];
			if (b->type == BLOCK_TEXT && b->text != NULL) {
				free(b->label);
				b->label = xasprintf("%s\n\n[interrupted]",
				    b->text);
				break;
			}
		}
		for (i = 0; i < dst->nr; i++) {
			if (dst->blocks[i].type == BLOCK_TOOL_USE &&
			    load_call_find(ctx, dst->blocks[i].id) == NULL)
				load_call_add(ctx, dst->blocks[i].id);
		}
	usage:
		if (st != NULL) {
			st->requests++;
			u = json_object_get(ev->data, "usage");
			st->usage.input_tokens += load_int(u, "input_tokens");
			st->usage.output_tokens += load_int(u,
			    "output_tokens");
			st->usage.cache_read_tokens += load_int(u,
			    "cache_read_tokens");
			st->usage.cache_write_tokens += load_int(u,
			    "cache_write_tokens");
			j = json_object_get(ev->data, "cost_usd");
			if (json_is_number(j))
				st->cost_usd += json_number_value(j);
			else
				st->cost_unknown++;
		}
		ctx->turn_ended = 0;
		break;
	case EV_TOOL_START:
		if ((c = load_call_find(ctx, id)) != NULL)
			c->started = 1;
		break;
	case EV_ATTACHMENT:
		/*
		 * What the @SERVER:URI words of the user message before it
		 * attached (agent_mcp_attached()): the same bytes join it.
		 */
		s = json_string_value(json_object_get(ev->data, "text"));
		if (s != NULL && *s != '\0' && ctx->conv->nr > 0 &&
		    ctx->conv->msgs[ctx->conv->nr - 1].role == ROLE_USER)
			message_add_text(&ctx->conv->msgs[ctx->conv->nr - 1],
			    s);
		break;
	case EV_USER_SHELL:
		/*
		 * The user's !command before the next message: its note
		 * waits with the rewind notes (the user event clears them).
		 */
		if (st != NULL) {
			s = json_string_value(json_object_get(ev->data,
			    "command"));
			all = agent_shell_note_text(s, json_is_true(
			    json_object_get(ev->data, "cancelled")),
			    json_string_value(json_object_get(ev->data,
			    "output")));
			if (st->rewind_note != NULL) {
				char	*both = xasprintf("%s\n\n%s",
				    st->rewind_note, all);

				free(all);
				all = both;
				free(st->rewind_note);
			}
			st->rewind_note = all;
		}
		break;
	case EV_REWIND:
		s = json_string_value(json_object_get(ev->data, "note"));
		if (st != NULL && s != NULL) {
			if (st->rewind_note == NULL)
				st->rewind_note = xstrdup(s);
			else {
				all = xasprintf("%s\n%s", st->rewind_note, s);
				free(st->rewind_note);
				st->rewind_note = all;
			}
		}
		break;
	case EV_SNAPSHOT:
		s = json_string_value(json_object_get(ev->data,
		    "tool_use_id"));
		if ((c = load_call_find(ctx, s)) != NULL && id != NULL) {
			free(c->snapshot);
			c->snapshot = xstrdup(id);
		}
		if (st != NULL && id != NULL) {
			ALLOC_GROW(st->snapshots, st->nsnapshots + 1,
			    st->asnapshots);
			st->snapshots[st->nsnapshots++] = xstrdup(id);
		}
		break;
	case EV_TOOL_RESULT:
		if ((c = load_call_find(ctx, id)) == NULL && id != NULL)
			c = load_call_add(ctx, id);
		if (c != NULL && !c->done) {
			s = json_string_value(json_object_get(ev->data,
			    "content"));
			c->content = xstrdup(s != NULL ? s : "");
			c->is_error = json_is_true(json_object_get(ev->data,
			    "is_error"));
			c->done = 1;
		}
		ctx->turn_ended = 0;
		break;
	case EV_COMPACTION:
		msgs = json_object_get(ev->data, "messages");
		if (json_is_array(msgs)) {
			load_flush(ctx);
			conv_truncate(ctx->conv, 0);
			json_array_foreach(msgs, i, j) {
				if (conv_message_from_json(j, &m, &why) != 0) {
					log_debug("session: event %lld: %s",
					    (long long)ev->seq, why);
					free(why);
					continue;
				}
				dst = conv_add(ctx->conv, m.role);
				message_move_blocks(dst, &m);
				message_release(&m);
			}
		}
		msgs = json_object_get(ev->data, "cleared");
		if (json_is_array(msgs)) {
			load_flush(ctx);
			context_replay(ctx->conv, msgs);
		}
		break;
	case EV_TURN_END:
		ctx->turn_ended = 1;
		break;
	default:
		/* Not needed to resume (or unknown): nothing to rebuild. */
		break;
	}
	if (st != NULL)
		st->last_seq = ev->seq;
}

int
session_load(struct session *s, struct conv *conv, struct session_state *st,
    char **cause)
{
	struct load_ctx		 ctx;
	struct session_iter	*it;
	const struct event	*ev;
	int			 rc;

	memset(&ctx, 0, sizeof ctx);
	ctx.conv = conv;
	ctx.st = st;
	if (st != NULL)
		memset(st, 0, sizeof *st);
	if ((it = session_iter_open(s, 0, SESSION_ITER_LOAD, cause)) == NULL)
		return (-1);
	while ((rc = session_iter_next(it, &ev, cause)) == 1)
		session_load_event(&ctx, ev);
	session_iter_close(it);
	load_flush(&ctx);
	free(ctx.calls);
	if (rc != 0)
		return (-1);
	image_conv_load(s->root, conv);
	if (st != NULL)
		st->last_seq = session_last_seq(s);
	if (st != NULL && conv->nr != 0 &&
	    conv->msgs[conv->nr - 1].role == ROLE_USER && !ctx.turn_ended)
		st->interrupted = 1;
	return (0);
}

void
session_state_release(struct session_state *st)
{
	size_t	i;

	for (i = 0; i < st->nsnapshots; i++)
		free(st->snapshots[i]);
	free(st->snapshots);
	free(st->first_prompt);
	free(st->user_seqs);
	free(st->rewind_note);
	memset(st, 0, sizeof *st);
}

int
session_list(const char *root, struct session_summary **list, size_t *n,
    char **cause)
{
	sqlite3			*db;
	sqlite3_stmt		*st = NULL;
	struct session_summary	*v = NULL, *ss;
	size_t			 nr = 0, alloc = 0;
	int			 rc = -1, step;

	*list = NULL;
	*n = 0;
	if (session_db_open(root, &db, cause) != 0)
		return (-1);
	if (sqlite3_prepare_v2(db, "SELECT id, parent, parent_seq, "
	    "coalesce(s.created_ms, (SELECT min(time_ms) FROM events "
	    " WHERE session = s.id)), "
	    "max(coalesce(s.created_ms, 0), (SELECT time_ms FROM events "
	    " WHERE session = s.id ORDER BY seq DESC LIMIT 1)) AS updated, "
	    "(SELECT count(*) FROM events WHERE session = s.id), "
	    "(SELECT json_extract(data, '$.text') FROM events "
	    " WHERE session = s.id AND type = 'user' ORDER BY seq LIMIT 1), "
	    "(SELECT count(*) FROM events WHERE session = s.id "
	    " AND type = 'user'), "
	    "(SELECT sum(coalesce(json_extract(data, "
	    "'$.usage.input_tokens'), 0) + coalesce(json_extract(data, "
	    "'$.usage.cache_read_tokens'), 0) + coalesce(json_extract(data, "
	    "'$.usage.cache_write_tokens'), 0)) FROM events "
	    " WHERE session = s.id AND type = 'response'), "
	    "(SELECT sum(json_extract(data, '$.usage.output_tokens')) "
	    " FROM events WHERE session = s.id AND type = 'response'), "
	    "(SELECT count(*) FROM events WHERE session = s.id "
	    " AND type = 'snapshot') "
	    "FROM sessions s WHERE EXISTS (SELECT 1 FROM events "
	    "WHERE session = s.id) ORDER BY updated DESC, id DESC", -1, &st,
	    NULL) != SQLITE_OK) {
		*cause = xasprintf("session log: %s", sqlite3_errmsg(db));
		goto out;
	}
	while ((step = sqlite3_step(st)) == SQLITE_ROW) {
		ALLOC_GROW(v, nr + 1, alloc);
		ss = &v[nr++];
		memset(ss, 0, sizeof *ss);
		ss->id = session_strdup_col(st, 0);
		ss->parent = session_strdup_col(st, 1);
		ss->parent_seq = sqlite3_column_int64(st, 2);
		ss->created_ms = sqlite3_column_int64(st, 3);
		ss->updated_ms = sqlite3_column_int64(st, 4);
		ss->events = sqlite3_column_int64(st, 5);
		ss->first_prompt = session_strdup_col(st, 6);
		ss->turns = sqlite3_column_int(st, 7);
		ss->input_tokens = sqlite3_column_int64(st, 8);
		ss->output_tokens = sqlite3_column_int64(st, 9);
		ss->snapshots = sqlite3_column_int(st, 10);
	}
	if (step != SQLITE_DONE) {
		*cause = xasprintf("session log: %s", sqlite3_errmsg(db));
		goto out;
	}
	session_list_snapshots(root, v, nr);
	*list = v;
	*n = nr;
	v = NULL;
	nr = 0;
	rc = 0;
out:
	while (nr > 0)
		session_summary_release(&v[--nr]);
	free(v);
	sqlite3_finalize(st);
	sqlite3_close(db);
	return (rc);
}

/*
 * The snapshot count of each session is its snapshot chain's, the one
 * definition (snapshot_count()), not the log's snapshot events: those miss
 * a restore's own snapshot and a fork's inherited ones.
 */
static void
session_list_snapshots(const char *root, struct session_summary *v,
    size_t n)
{
	const char	**ids;
	int		 *counts;
	size_t		  i;

	if (n == 0)
		return;
	ids = xcalloc(n, sizeof *ids);
	counts = xcalloc(n, sizeof *counts);
	for (i = 0; i < n; i++)
		ids[i] = v[i].id != NULL ? v[i].id : "";
	snapshot_counts(root, ids, counts, n);
	for (i = 0; i < n; i++)
		v[i].snapshots = counts[i];
	free(counts);
	free(ids);
}

void
session_summary_release(struct session_summary *ss)
{
	free(ss->id);
	free(ss->first_prompt);
	free(ss->parent);
	memset(ss, 0, sizeof *ss);
}

void
session_close(struct session *s)
{
	if (s == NULL)
		return;
	sqlite3_finalize(s->st_insert);
	sqlite3_finalize(s->st_body_put);
	sqlite3_finalize(s->st_body_get);
	sqlite3_close(s->db);
	session_redact_free(s->redact);
	free(s->id);
	free(s->root);
	free(s->parent);
	free(s->failed);
	free(s->body_last);
	free(s->body_last_key);
	free(s->body_cache);
	free(s->body_cache_key);
	free(s);
}
