/* snapshot-list.c: list, diff, sessions, gc and stat of the snapshots. */
#include <sys/types.h>
#include <sys/stat.h>

#include <dirent.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <git2.h>

#include "agentos.h"
#include "snapshot.h"
#include "snapshot-private.h"
#include "banned.h"

static int	 snap_info_fill(struct snapshot_store *, git_commit *,
		    const char *, struct snapshot_info *);
static int	 snap_list_ref(struct snapshot_store *, const char *,
		    struct snapshot_info **, size_t *, char **);

void
snapshot_info_release(struct snapshot_info *si)
{
	free(si->id);
	free(si->commit);
	free(si->action);
	free(si->tool);
	free(si->session);
	memset(si, 0, sizeof *si);
}

/* Fill si from commit c of session. */
static int
snap_info_fill(struct snapshot_store *st, git_commit *c, const char *session,
    struct snapshot_info *si)
{
	git_commit	*parent = NULL;
	git_tree	*a = NULL, *b = NULL;
	git_diff	*diff = NULL;
	git_diff_stats	*stats = NULL;
	const char	*msg = git_commit_message(c), *nl;
	char		 hex[GIT_OID_HEXSZ + 1], *s;

	memset(si, 0, sizeof *si);
	git_oid_tostr(hex, sizeof hex, git_commit_id(c));
	si->commit = xstrdup(hex);
	si->session = xstrdup(session);
	nl = strchr(msg, '\n');
	si->action = nl != NULL ? xstrndup(msg, nl - msg) : xstrdup(msg);
	si->tool = snap_trailer(msg, "tool");
	if (si->tool == NULL)
		si->tool = xstrdup("");
	s = snap_trailer(msg, "turn");
	si->turn = s != NULL ? atoi(s) : 0;
	free(s);
	s = snap_trailer(msg, "seq");
	si->id = s != NULL ? s : xstrdup(hex);
	s = snap_trailer(msg, "skipped-count");
	si->skipped = s != NULL ? atoi(s) : 0;
	free(s);
	si->time = (int64_t)git_commit_time(c);
	if (git_commit_parentcount(c) > 0 &&
	    git_commit_parent(&parent, c, 0) == 0 &&
	    git_commit_tree(&a, parent) == 0 && git_commit_tree(&b, c) == 0 &&
	    git_diff_tree_to_tree(&diff, st->repo, a, b, NULL) == 0 &&
	    git_diff_get_stats(&stats, diff) == 0) {
		si->files = (int)git_diff_stats_files_changed(stats);
		si->added = (int)git_diff_stats_insertions(stats);
		si->removed = (int)git_diff_stats_deletions(stats);
	}
	git_error_clear();
	git_diff_stats_free(stats);
	git_diff_free(diff);
	git_tree_free(a);
	git_tree_free(b);
	git_commit_free(parent);
	return (0);
}

/* The chain of session, oldest first. */
static int
snap_list_ref(struct snapshot_store *st, const char *session,
    struct snapshot_info **list, size_t *n, char **cause)
{
	git_commit		*c = NULL, *next;
	git_oid			 oid;
	struct snapshot_info	*v = NULL, tmp;
	size_t			 nr = 0, alloc = 0, i;
	char			*ref = xasprintf(SNAP_REF_PREFIX "%s", session);

	*list = NULL;
	*n = 0;
	if (git_reference_name_to_id(&oid, st->repo, ref) != 0) {
		git_error_clear();
		free(ref);
		return (0);
	}
	free(ref);
	if (git_commit_lookup(&c, st->repo, &oid) != 0)
		return (snap_gerr(cause, "session %s", session));
	for (;;) {
		ALLOC_GROW(v, nr + 1, alloc);
		snap_info_fill(st, c, session, &v[nr++]);
		if (git_commit_parentcount(c) == 0 ||
		    git_commit_parent(&next, c, 0) != 0)
			break;
		git_commit_free(c);
		c = next;
	}
	git_commit_free(c);
	git_error_clear();
	for (i = 0; i < nr / 2; i++) {
		tmp = v[i];
		v[i] = v[nr - 1 - i];
		v[nr - 1 - i] = tmp;
	}
	*list = v;
	*n = nr;
	return (0);
}

int
snapshot_list(struct snapshot_store *st, struct snapshot_info **list,
    size_t *n, char **cause)
{
	return (snap_list_ref(st, st->session, list, n, cause));
}

int
snapshot_list_session(struct snapshot_store *st, const char *session,
    struct snapshot_info **list, size_t *n, char **cause)
{
	if (!snap_valid_session(session)) {
		*cause = xasprintf("bad session id: %s", session);
		return (-1);
	}
	return (snap_list_ref(st, session, list, n, cause));
}

int
snapshot_diff(struct snapshot_store *st, const char *id, struct buf *out,
    char **cause)
{
	return (snapshot_diff_ext(st, id, NULL, out, NULL, NULL, NULL, cause));
}

int
snapshot_diff_ext(struct snapshot_store *st, const char *a, const char *b,
    struct buf *out, int *files, int *added, int *removed, char **cause)
{
	git_oid		 ca, ta, cb, tb;
	git_tree	*x = NULL, *y = NULL;
	git_diff	*diff = NULL;
	git_diff_stats	*stats = NULL;
	git_buf		 gb = { 0 };
	int		 rc = -1;

	if (snap_tree_of(st, a, &ca, &ta, cause) != 0)
		return (-1);
	if (b != NULL) {
		if (snap_tree_of(st, b, &cb, &tb, cause) != 0)
			return (-1);
	} else {
		if (snap_lock(st, cause) != 0)
			return (-1);
		rc = snap_update(st, NULL, 0, &tb, cause);
		snap_unlock(st);
		if (rc != 0)
			return (-1);
		rc = -1;
	}
	if (git_tree_lookup(&x, st->repo, &ta) != 0 ||
	    git_tree_lookup(&y, st->repo, &tb) != 0 ||
	    git_diff_tree_to_tree(&diff, st->repo, x, y, NULL) != 0 ||
	    git_diff_get_stats(&stats, diff) != 0) {
		snap_gerr(cause, "diff");
		goto out;
	}
	if (files != NULL)
		*files = (int)git_diff_stats_files_changed(stats);
	if (added != NULL)
		*added = (int)git_diff_stats_insertions(stats);
	if (removed != NULL)
		*removed = (int)git_diff_stats_deletions(stats);
	if (out != NULL) {
		if (git_diff_to_buf(&gb, diff, GIT_DIFF_FORMAT_PATCH) != 0) {
			snap_gerr(cause, "diff");
			goto out;
		}
		buf_add(out, gb.ptr, gb.size);
	}
	rc = 0;
out:
	git_buf_dispose(&gb);
	git_diff_stats_free(stats);
	git_diff_free(diff);
	git_tree_free(x);
	git_tree_free(y);
	return (rc);
}

struct snap_sessions_arg {
	struct snapshot_store	*st;
	struct snapshot_session	*v;
	size_t			 nr, alloc;
};

/* git_reference_foreach_glob callback: one session. */
static int
snap_sessions_cb(const char *name, void *arg)
{
	struct snap_sessions_arg	*a = arg;
	struct snapshot_session		*s;
	git_commit			*c;
	git_oid				 oid;
	char				 hex[GIT_OID_HEXSZ + 1], *seq;

	if (git_reference_name_to_id(&oid, a->st->repo, name) != 0 ||
	    git_commit_lookup(&c, a->st->repo, &oid) != 0) {
		git_error_clear();
		return (0);
	}
	ALLOC_GROW(a->v, a->nr + 1, a->alloc);
	s = &a->v[a->nr++];
	s->name = xstrdup(name + strlen(SNAP_REF_PREFIX));
	git_oid_tostr(hex, sizeof hex, &oid);
	s->commit = xstrdup(hex);
	s->time = (int64_t)git_commit_time(c);
	seq = snap_trailer(git_commit_message(c), "seq");
	s->count = seq != NULL ? atoi(seq) : 1;
	free(seq);
	git_commit_free(c);
	return (0);
}

/* Newest first. */
static int
snap_session_cmp(const void *a, const void *b)
{
	const struct snapshot_session	*x = a, *y = b;

	if (x->time != y->time)
		return (x->time < y->time ? 1 : -1);
	return (strcmp(x->name, y->name));
}

int
snapshot_sessions(struct snapshot_store *st, struct snapshot_session **list,
    size_t *n, char **cause)
{
	struct snap_sessions_arg	a = { .st = st };
	int				error;

	error = git_reference_foreach_glob(st->repo, SNAP_REF_PREFIX "*",
	    snap_sessions_cb, &a);
	if (error != 0 && error != GIT_ENOTFOUND) {
		snapshot_sessions_free(a.v, a.nr);
		return (snap_gerr(cause, "sessions"));
	}
	git_error_clear();
	if (a.nr > 0)
		qsort(a.v, a.nr, sizeof *a.v, snap_session_cmp);
	*list = a.v;
	*n = a.nr;
	return (0);
}

void
snapshot_sessions_free(struct snapshot_session *list, size_t n)
{
	size_t	i;

	for (i = 0; i < n; i++) {
		free(list[i].name);
		free(list[i].commit);
	}
	free(list);
}

int
snapshot_gc(struct snapshot_store *st, struct buf *report, char **cause)
{
	struct snapshot_session	*v;
	git_reference		*ref;
	size_t			 n, i, kept = 0, pruned = 0;
	int64_t			 cutoff;
	char			*name, *path;

	if (snapshot_sessions(st, &v, &n, cause) != 0)
		return (-1);
	cutoff = (int64_t)time(NULL) - (int64_t)st->opts.keep_days * 86400;
	for (i = 0; i < n; i++) {
		if (strcmp(v[i].name, st->session) == 0 ||
		    (int)kept < st->opts.keep_sessions || v[i].time >= cutoff) {
			kept++;
			continue;
		}
		name = xasprintf(SNAP_REF_PREFIX "%s", v[i].name);
		if (git_reference_lookup(&ref, st->repo, name) == 0) {
			if (git_reference_delete(ref) != 0) {
				git_reference_free(ref);
				snap_gerr(cause, "delete %s", name);
				free(name);
				snapshot_sessions_free(v, n);
				return (-1);
			}
			git_reference_free(ref);
		}
		git_error_clear();
		free(name);
		path = xasprintf("%s/index-%s", st->dir, v[i].name);
		unlink(path);
		free(path);
		path = xasprintf("%s/settled-%s", st->dir, v[i].name);
		unlink(path);
		free(path);
		path = xasprintf("%s/session-%s.lock", st->dir, v[i].name);
		unlink(path);
		free(path);
		buf_addf(report, "pruned session %s (%d snapshots)\n",
		    v[i].name, v[i].count);
		pruned++;
	}
	buf_addf(report, "%zu session%s kept, %zu pruned (keep_sessions %d, "
	    "keep_days %d); git gc frees their objects\n", kept,
	    kept == 1 ? "" : "s", pruned, st->opts.keep_sessions,
	    st->opts.keep_days);
	snapshot_sessions_free(v, n);
	return (0);
}

/* A set of object ids (open addressing). */
struct snap_oidset {
	git_oid		*v;
	unsigned char	*used;
	size_t		 nr, size;
};

/* Insert oid; 1 if new, 0 if present. */
static int
snap_oidset_add(struct snap_oidset *s, const git_oid *oid)
{
	size_t	i, j, old;

	if (s->nr * 2 >= s->size) {
		struct snap_oidset	n = { 0 };

		n.size = s->size == 0 ? 1024 : s->size * 2;
		n.v = xcalloc(n.size, sizeof *n.v);
		n.used = xcalloc(n.size, 1);
		for (old = 0; old < s->size; old++) {
			if (s->used[old])
				snap_oidset_add(&n, &s->v[old]);
		}
		free(s->v);
		free(s->used);
		*s = n;
	}
	memcpy(&i, oid->id, sizeof i);
	for (j = i % s->size; s->used[j]; j = (j + 1) % s->size) {
		if (git_oid_equal(&s->v[j], oid))
			return (0);
	}
	git_oid_cpy(&s->v[j], oid);
	s->used[j] = 1;
	s->nr++;
	return (1);
}

static int
snap_oidset_has(struct snap_oidset *s, const git_oid *oid)
{
	size_t	i, j;

	if (s->size == 0)
		return (0);
	memcpy(&i, oid->id, sizeof i);
	for (j = i % s->size; s->used[j]; j = (j + 1) % s->size) {
		if (git_oid_equal(&s->v[j], oid))
			return (1);
	}
	return (0);
}

/* Add a tree and everything in it to set (unless already there). */
static void
snap_walk_tree(git_repository *repo, const git_oid *oid,
    struct snap_oidset *set)
{
	git_tree		*t;
	const git_tree_entry	*e;
	size_t			 i, n;

	if (!snap_oidset_add(set, oid) ||
	    git_tree_lookup(&t, repo, oid) != 0) {
		git_error_clear();
		return;
	}
	n = git_tree_entrycount(t);
	for (i = 0; i < n; i++) {
		e = git_tree_entry_byindex(t, i);
		if (git_tree_entry_type(e) == GIT_OBJECT_TREE)
			snap_walk_tree(repo, git_tree_entry_id(e), set);
		else if (git_tree_entry_type(e) == GIT_OBJECT_BLOB)
			snap_oidset_add(set, git_tree_entry_id(e));
	}
	git_tree_free(t);
}

struct snap_stat_arg {
	struct snapshot_store	*st;
	struct snap_oidset	*user;
};

/* Every ref outside refs/agentos/: its tip's tree is the user's. */
static int
snap_stat_user_cb(const char *name, void *arg)
{
	struct snap_stat_arg	*a = arg;
	git_object		*obj;
	git_commit		*c;

	if (strncmp(name, "refs/agentos/", 13) == 0)
		return (0);
	if (git_revparse_single(&obj, a->st->repo, name) != 0) {
		git_error_clear();
		return (0);
	}
	if (git_object_peel((git_object **)&c, obj, GIT_OBJECT_COMMIT) == 0) {
		snap_walk_tree(a->st->repo, git_commit_tree_id(c), a->user);
		git_commit_free(c);
	}
	git_error_clear();
	git_object_free(obj);
	return (0);
}

int
snapshot_stat(struct snapshot_store *st, struct buf *out, char **cause)
{
	struct snapshot_session	*v;
	struct snap_oidset	 user = { 0 }, ours = { 0 };
	struct snap_stat_arg	 a = { st, &user };
	git_commit		*c, *next;
	git_oid			 oid;
	git_object_t		 type;
	size_t			 n, i, j, objects = 0, len, commits = 0;
	uint64_t		 raw = 0, loose = 0, index = 0;
	char			 hex[GIT_OID_HEXSZ + 1], *path;
	struct stat		 sb;
	DIR			*d;
	struct dirent		*de;

	if (snapshot_sessions(st, &v, &n, cause) != 0)
		return (-1);
	git_reference_foreach_name(st->repo, snap_stat_user_cb, &a);
	git_error_clear();
	for (i = 0; i < n; i++) {
		if (git_oid_fromstr(&oid, v[i].commit) != 0 ||
		    git_commit_lookup(&c, st->repo, &oid) != 0)
			continue;
		for (;;) {
			commits++;
			snap_oidset_add(&ours, git_commit_id(c));
			snap_walk_tree(st->repo, git_commit_tree_id(c), &ours);
			if (git_commit_parentcount(c) == 0 ||
			    git_commit_parent(&next, c, 0) != 0)
				break;
			git_commit_free(c);
			c = next;
		}
		git_commit_free(c);
	}
	git_error_clear();
	for (j = 0; j < ours.size; j++) {
		if (!ours.used[j] || snap_oidset_has(&user, &ours.v[j]))
			continue;
		objects++;
		if (git_odb_read_header(&len, &type, st->odb, &ours.v[j]) == 0)
			raw += len;
		git_oid_tostr(hex, sizeof hex, &ours.v[j]);
		path = xasprintf("%sobjects/%.2s/%s",
		    git_repository_commondir(st->repo), hex, hex + 2);
		if (stat(path, &sb) == 0)
			loose += (uint64_t)sb.st_size;
		free(path);
	}
	git_error_clear();
	if ((d = opendir(st->dir)) != NULL) {
		while ((de = readdir(d)) != NULL) {
			if (strncmp(de->d_name, "index-", 6) != 0)
				continue;
			path = xasprintf("%s/%s", st->dir, de->d_name);
			if (stat(path, &sb) == 0)
				index += (uint64_t)sb.st_size;
			free(path);
		}
		closedir(d);
	}
	buf_addf(out, "sessions: %zu\nsnapshots: %zu\n", n, commits);
	buf_addf(out, "objects only in snapshots: %zu (%llu bytes "
	    "uncompressed, %llu bytes in loose files)\n", objects,
	    (unsigned long long)raw, (unsigned long long)loose);
	buf_addf(out, "private indexes (%s/index-*): %llu bytes\n", st->dir,
	    (unsigned long long)index);
	free(user.v);
	free(user.used);
	free(ours.v);
	free(ours.used);
	snapshot_sessions_free(v, n);
	return (0);
}

/*
 * The one count of a session's snapshots: the commits of its chain, which
 * is the sequence number of the newest (each commit is its parent's plus
 * one, and a fork's chain starts with its parent's).  0 without a chain.
 */
static int
snap_chain_count(git_repository *repo, const char *session)
{
	git_commit	*c;
	git_oid		 oid;
	char		*ref, *seq;
	int		 n = 0;

	if (!snap_valid_session(session))
		return (0);
	ref = xasprintf(SNAP_REF_PREFIX "%s", session);
	if (git_reference_name_to_id(&oid, repo, ref) == 0 &&
	    git_commit_lookup(&c, repo, &oid) == 0) {
		seq = snap_trailer(git_commit_message(c), "seq");
		n = seq != NULL ? atoi(seq) : 1;
		free(seq);
		git_commit_free(c);
	}
	git_error_clear();
	free(ref);
	return (n < 0 ? 0 : n);
}

int
snapshot_count(struct snapshot_store *st, const char *session)
{
	return (snap_chain_count(st->repo, session != NULL ? session :
	    st->session));
}

void
snapshot_counts(const char *root, const char *const *sessions, int *counts,
    size_t n)
{
	git_repository	*repo;
	size_t		 i;

	for (i = 0; i < n; i++)
		counts[i] = 0;
	git_libgit2_init();
	if (git_repository_open(&repo, root) != 0) {
		git_error_clear();
		git_libgit2_shutdown();
		return;
	}
	for (i = 0; i < n; i++)
		counts[i] = snap_chain_count(repo, sessions[i]);
	git_repository_free(repo);
	git_libgit2_shutdown();
}

int
snapshot_fork(struct snapshot_store *st, const char *from, const char *id,
    char **cause)
{
	git_reference	*ref = NULL;
	git_commit	*c = NULL;
	git_oid		 oid;
	char		*hex, *path, *msg, *seq;
	int		 rc = -1;

	if (st->have_tip) {
		*cause = xasprintf("session %s has snapshots already",
		    st->session);
		return (-1);
	}
	if (!snap_valid_session(from)) {
		*cause = xasprintf("bad session id: %s", from);
		return (-1);
	}
	if (id == NULL) {
		/* Its newest snapshot, or nothing to share. */
		if (snap_chain_count(st->repo, from) == 0)
			return (0);
		seq = xasprintf("%d", snap_chain_count(st->repo, from));
		hex = snapshot_resolve(st, from, seq, cause);
		free(seq);
	} else
		hex = snapshot_resolve(st, from, id, cause);
	if (hex == NULL)
		return (-1);
	if (snap_lock(st, cause) != 0) {
		free(hex);
		return (-1);
	}
	if (git_oid_fromstr(&oid, hex) != 0 ||
	    git_commit_lookup(&c, st->repo, &oid) != 0) {
		snap_gerr(cause, "snapshot %s", hex);
		goto out;
	}
	if (git_reference_create_matching(&ref, st->repo, st->ref, &oid, 0,
	    NULL, "agentos fork") != 0) {
		snap_gerr(cause, "update %s", st->ref);
		goto out;
	}
	git_oid_cpy(&st->tip, &oid);
	st->have_tip = 1;
	seq = snap_trailer(git_commit_message(c), "seq");
	st->seq = seq != NULL ? atoi(seq) : 1;
	free(seq);
	/* The files are as the parent's agent left them. */
	path = xasprintf("%s/settled-%s", st->dir, from);
	if ((msg = snap_read_small(path)) != NULL) {
		if (git_oid_fromstrn(&st->settled, msg, GIT_OID_HEXSZ) == 0) {
			st->have_settled = 1;
			snap_save_settled(st);
		}
		git_error_clear();
		free(msg);
	}
	free(path);
	rc = 0;
out:
	snap_unlock(st);
	git_reference_free(ref);
	git_commit_free(c);
	free(hex);
	return (rc);
}

void
snapshot_list_changes(struct snapshot_store *st, struct snapshot_info *v,
    size_t n, int last_to_worktree)
{
	char	*cause = NULL;
	size_t	 i;

	for (i = 0; i < n; i++) {
		v[i].files = v[i].added = v[i].removed = 0;
		if (i + 1 == n && !last_to_worktree) {
			v[i].files = -1;
			continue;
		}
		if (snapshot_diff_ext(st, v[i].commit, i + 1 < n ?
		    v[i + 1].commit : NULL, NULL, &v[i].files, &v[i].added,
		    &v[i].removed, &cause) != 0) {
			log_debug("snapshot diff %s: %s", v[i].id, cause);
			free(cause);
			cause = NULL;
			v[i].files = -1;
		}
	}
}
