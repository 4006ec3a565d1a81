/* cli-snapshot.c: agentos snapshot, snapshots, diff, rewind and gc. */
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "agentos.h"
#include "session.h"
#include "snapshot.h"
#include "banned.h"

/*
 * The commands write into session "manual" (snapshots taken by hand, and
 * the snapshot a rewind takes first), so they never move the ref of an
 * agent session that may be running.  Numeric ids are looked up in the
 * most recent session unless --session names another.
 */

int	cli_snapshot_exec(int, char **, const char *, struct config *);
int	cli_snapshots_exec(int, char **, const char *, struct config *);
int	cli_diff_exec(int, char **, const char *, struct config *);
int	cli_rewind_exec(int, char **, const char *, struct config *);
int	cli_gc_exec(int, char **, const char *, struct config *);

static struct snapshot_store *cli_snapshot_open(const char *,
		    struct config *, int);
static char	*cli_snapshot_latest(struct snapshot_store *);
static void	 cli_snapshot_print(const struct snapshot_info *, size_t);
static void	 cli_snapshot_pending(struct snapshot_store *);
static void	 cli_snapshot_paths(const char *, char **, size_t, size_t);

/* Open the manual session's store (no watcher: one-shot commands). */
static struct snapshot_store *
cli_snapshot_open(const char *root, struct config *cfg, int confirmed)
{
	struct snapshot_options	 opts;
	struct snapshot_store	*st;
	char			*cause = NULL;

	snapshot_options_init(&opts, cfg);
	opts.flags &= ~SNAPSHOT_WATCH;
	if (confirmed)
		opts.flags |= SNAPSHOT_CONFIRMED;
	if ((st = snapshot_open_opts(root, "manual", &opts, &cause)) == NULL) {
		fprintf(stderr, "agentos: %s\n", cause);
		free(cause);
	}
	return (st);
}

/* The most recent session's name (caller frees), or NULL if none. */
static char *
cli_snapshot_latest(struct snapshot_store *st)
{
	struct snapshot_session	*v;
	size_t			 n;
	char			*cause = NULL, *name = NULL;

	if (snapshot_sessions(st, &v, &n, &cause) != 0) {
		fprintf(stderr, "agentos: %s\n", cause);
		free(cause);
		return (NULL);
	}
	if (n > 0)
		name = xstrdup(v[0].name);
	snapshot_sessions_free(v, n);
	return (name);
}

/*
 * The session --session names: a name, or a unique prefix of one (as -r
 * takes); a name no session has stays as given.  Frees id; the result is
 * the caller's, or NULL with cause when the prefix is ambiguous.
 */
static char *
cli_snapshot_expand(struct snapshot_store *st, char *id, char **cause)
{
	struct snapshot_session	*v;
	size_t			 n, i, len, hit = 0, nhit = 0;
	char			*name;

	if (id == NULL)
		return (cli_snapshot_latest(st));
	if (snapshot_sessions(st, &v, &n, cause) != 0) {
		free(id);
		return (NULL);
	}
	len = strlen(id);
	for (i = 0; i < n; i++) {
		if (strcmp(v[i].name, id) == 0) {
			nhit = 1;
			hit = i;
			break;
		}
		if (len > 0 && strncmp(v[i].name, id, len) == 0) {
			nhit++;
			hit = i;
		}
	}
	if (nhit > 1) {
		*cause = xasprintf("session %s is ambiguous: %zu sessions "
		    "start with it", id, nhit);
		name = NULL;
	} else
		name = xstrdup(nhit == 1 ? v[hit].name : id);
	snapshot_sessions_free(v, n);
	free(id);
	return (name);
}

/* Print a session's snapshots as a table. */
static void
cli_snapshot_print(const struct snapshot_info *v, size_t n)
{
	char		 when[32], plusminus[32];
	struct tm	 tm;
	time_t		 t;
	size_t		 i;

	printf("%4s  %-8s  %-19s  %5s  %13s  %s\n", "ID", "COMMIT", "TIME",
	    "FILES", "+/-", "ACTION");
	for (i = 0; i < n; i++) {
		t = (time_t)v[i].time;
		localtime_r(&t, &tm);
		strftime(when, sizeof when, "%Y-%m-%d %H:%M:%S", &tm);
		if (v[i].files < 0)
			snprintf(plusminus, sizeof plusminus, "?");
		else
			snprintf(plusminus, sizeof plusminus, "+%d/-%d",
			    v[i].added, v[i].removed);
		if (v[i].files < 0)
			printf("%4s  %.8s  %s  %5s  %13s  %s", v[i].id,
			    v[i].commit, when, "?", plusminus, v[i].action);
		else
			printf("%4s  %.8s  %s  %5d  %13s  %s", v[i].id,
			    v[i].commit, when, v[i].files, plusminus,
			    v[i].action);
		if (v[i].skipped > 0)
			printf(" (%d large path%s skipped)", v[i].skipped,
			    v[i].skipped == 1 ? "" : "s");
		printf("\n");
	}
}

/* Tell about an interrupted rewind. */
static void
cli_snapshot_pending(struct snapshot_store *st)
{
	char	*desc = NULL;

	if (snapshot_pending(st, &desc)) {
		fprintf(stderr, "agentos: %s: finish it with 'agentos rewind "
		    "--continue' or roll it back with 'agentos rewind "
		    "--abort'\n", desc);
		free(desc);
	}
}

/* Print up to max paths of a list under a heading. */
static void
cli_snapshot_paths(const char *what, char **v, size_t n, size_t max)
{
	size_t	i;

	if (n == 0)
		return;
	printf("%s (%zu):\n", what, n);
	for (i = 0; i < n && i < max; i++)
		printf("  %s\n", v[i]);
	if (n > max)
		printf("  ... and %zu more\n", n - max);
}

/* agentos snapshot [-m MESSAGE] [--yes] */
int
cli_snapshot_exec(int argc, char **argv, const char *root, struct config *cfg)
{
	static const struct option longopts[] = {
		{ "message", required_argument, NULL, 'm' },
		{ "yes", no_argument, NULL, 'y' },
		{ NULL, 0, NULL, 0 }
	};
	struct snapshot_store	*st;
	const char		*message = "snapshot by hand";
	char			*id = NULL, *cause = NULL, *hex;
	size_t			 nskipped, i;
	const char *const	*skipped;
	int			 ch, yes = 0, rc = 1;

	optind = 0;
	while ((ch = getopt_long(argc, argv, "m:y", longopts, NULL)) != -1) {
		switch (ch) {
		case 'm':
			message = optarg;
			break;
		case 'y':
			yes = 1;
			break;
		default:
			fprintf(stderr, "usage: agentos snapshot [-m MESSAGE] "
			    "[--yes]\n");
			return (2);
		}
	}
	if ((st = cli_snapshot_open(root, cfg, yes)) == NULL)
		return (1);
	if (snapshot_take(st, message, "manual", 0, NULL, 0, &id,
	    &cause) != 0) {
		cli_snapshot_pending(st);
		fprintf(stderr, "agentos: %s\n", cause);
		goto out;
	}
	hex = snapshot_resolve(st, NULL, id, &cause);
	printf("snapshot manual:%s %.8s\n", id, hex != NULL ? hex : "?");
	free(hex);
	skipped = snapshot_skipped(st, &nskipped);
	for (i = 0; i < nskipped; i++)
		printf("skipped (too large): %s\n", skipped[i]);
	rc = 0;
out:
	free(id);
	free(cause);
	snapshot_close(st);
	return (rc);
}

/* agentos snapshots [--session ID] [--all] [--stat] */
int
cli_snapshots_exec(int argc, char **argv, const char *root,
    struct config *cfg)
{
	static const struct option longopts[] = {
		{ "session", required_argument, NULL, 's' },
		{ "all", no_argument, NULL, 'a' },
		{ "stat", no_argument, NULL, 'S' },
		{ NULL, 0, NULL, 0 }
	};
	struct snapshot_store	*st;
	struct snapshot_info	*v = NULL;
	struct snapshot_session	*sv = NULL;
	struct buf		 out = BUF_INIT;
	char			*session = NULL, *cause = NULL, when[32];
	size_t			 n = 0, ns = 0, i;
	struct tm		 tm;
	time_t			 t;
	int			 ch, all = 0, stat = 0, rc = 1;

	optind = 0;
	while ((ch = getopt_long(argc, argv, "s:aS", longopts, NULL)) != -1) {
		switch (ch) {
		case 's':
			free(session);
			session = xstrdup(optarg);
			break;
		case 'a':
			all = 1;
			break;
		case 'S':
			stat = 1;
			break;
		default:
			fprintf(stderr, "usage: agentos snapshots [--session "
			    "ID] [--all] [--stat]\n");
			free(session);
			return (2);
		}
	}
	if ((st = cli_snapshot_open(root, cfg, 1)) == NULL) {
		free(session);
		return (1);
	}
	cli_snapshot_pending(st);
	if (stat) {
		if (snapshot_stat(st, &out, &cause) != 0)
			goto fail;
		fputs(out.buf, stdout);
		rc = 0;
		goto out;
	}
	if (session != NULL && (session = cli_snapshot_expand(st, session,
	    &cause)) == NULL)
		goto fail;
	if (snapshot_sessions(st, &sv, &ns, &cause) != 0)
		goto fail;
	if (all) {
		printf("%-40s  %5s  %-8s  %s\n", "SESSION", "COUNT", "COMMIT",
		    "LAST");
		for (i = 0; i < ns; i++) {
			t = (time_t)sv[i].time;
			localtime_r(&t, &tm);
			strftime(when, sizeof when, "%Y-%m-%d %H:%M:%S", &tm);
			printf("%-40s  %5d  %.8s  %s\n", sv[i].name,
			    sv[i].count, sv[i].commit, when);
		}
		rc = 0;
		goto out;
	}
	if (session == NULL) {
		if (ns == 0) {
			printf("no snapshots\n");
			rc = 0;
			goto out;
		}
		session = xstrdup(sv[0].name);
	}
	if (snapshot_list_session(st, session, &v, &n, &cause) != 0)
		goto fail;
	printf("session %s: %zu snapshot%s\n", session, n, n == 1 ? "" : "s");
	/*
	 * Each row: what its action changed (to the next snapshot), not what
	 * the action before it did; the last to the worktree unless another
	 * session took a snapshot since (then it is unknown).
	 */
	snapshot_list_changes(st, v, n, n > 0 && (ns == 0 ||
	    sv[0].time <= v[n - 1].time));
	cli_snapshot_print(v, n);
	for (i = 0; i < ns; i++) {
		if (strcmp(sv[i].name, session) == 0)
			continue;
		if (i == 0 || (i == 1 && strcmp(sv[0].name, session) == 0))
			printf("other sessions (agentos snapshots --session "
			    "ID):\n");
		printf("  %s (%d)\n", sv[i].name, sv[i].count);
	}
	rc = 0;
	goto out;
fail:
	fprintf(stderr, "agentos: %s\n", cause);
out:
	for (i = 0; i < n; i++)
		snapshot_info_release(&v[i]);
	free(v);
	snapshot_sessions_free(sv, ns);
	buf_release(&out);
	free(cause);
	free(session);
	snapshot_close(st);
	return (rc);
}

/* agentos diff SNAPSHOT [SNAPSHOT] [--session ID] */
int
cli_diff_exec(int argc, char **argv, const char *root, struct config *cfg)
{
	static const struct option longopts[] = {
		{ "session", required_argument, NULL, 's' },
		{ NULL, 0, NULL, 0 }
	};
	struct snapshot_store	*st;
	struct buf		 out = BUF_INIT;
	char			*session = NULL, *cause = NULL;
	char			*a = NULL, *b = NULL;
	int			 ch, rc = 1, files, added, removed;

	optind = 0;
	while ((ch = getopt_long(argc, argv, "s:", longopts, NULL)) != -1) {
		switch (ch) {
		case 's':
			free(session);
			session = xstrdup(optarg);
			break;
		default:
			goto usage;
		}
	}
	if (argc - optind < 1 || argc - optind > 2)
		goto usage;
	if ((st = cli_snapshot_open(root, cfg, 1)) == NULL) {
		free(session);
		return (1);
	}
	if ((session = cli_snapshot_expand(st, session, &cause)) == NULL &&
	    cause != NULL)
		goto fail;
	if ((a = snapshot_resolve(st, session, argv[optind], &cause)) == NULL)
		goto fail;
	if (argc - optind == 2 && (b = snapshot_resolve(st, session,
	    argv[optind + 1], &cause)) == NULL)
		goto fail;
	if (snapshot_diff_ext(st, a, b, &out, &files, &added, &removed,
	    &cause) != 0)
		goto fail;
	fwrite(out.buf, 1, out.len, stdout);
	fprintf(stderr, "%d file%s changed, +%d -%d\n", files,
	    files == 1 ? "" : "s", added, removed);
	rc = 0;
	goto out;
fail:
	fprintf(stderr, "agentos: %s\n", cause);
out:
	free(a);
	free(b);
	free(cause);
	free(session);
	buf_release(&out);
	snapshot_close(st);
	return (rc);
usage:
	free(session);
	fprintf(stderr, "usage: agentos diff SNAPSHOT [SNAPSHOT] "
	    "[--session ID]\n");
	return (2);
}

/*
 * Record the rewind in the agent session it belongs to (--session, else
 * the most recent one, which -c continues), so that the next prompt there
 * tells the model which files went back.  Without such a session, nothing.
 */
static void
cli_rewind_note(const char *root, const char *session, const char *id,
    const char *hex, const struct snapshot_plan *plan)
{
	struct session	*s;
	char		*cause = NULL, *note;

	if (session == NULL || strcmp(session, "manual") == 0)
		session = "";
	if ((s = session_open(root, session, &cause)) == NULL) {
		free(cause);
		return;
	}
	if (session_last_seq(s) > 0) {
		note = agent_rewind_note_text(id, plan);
		session_append(s, EV_REWIND, event_pack(EV_REWIND,
		    "{s:s,s:s?,s:s}", "snapshot", hex, "before", plan->before,
		    "note", note));
		free(note);
	}
	session_close(s);
}

/* agentos rewind SNAPSHOT [--yes] [--dry-run] [--session ID] | --continue
   | --abort */
int
cli_rewind_exec(int argc, char **argv, const char *root, struct config *cfg)
{
	static const struct option longopts[] = {
		{ "session", required_argument, NULL, 's' },
		{ "yes", no_argument, NULL, 'y' },
		{ "dry-run", no_argument, NULL, 'n' },
		{ "continue", no_argument, NULL, 'c' },
		{ "abort", no_argument, NULL, 'A' },
		{ NULL, 0, NULL, 0 }
	};
	struct snapshot_store	*st;
	struct snapshot_plan	 plan;
	char			*session = NULL, *cause = NULL, *hex = NULL;
	int			 ch, rc = 1, flags = 0, recover = -1;

	memset(&plan, 0, sizeof plan);
	optind = 0;
	while ((ch = getopt_long(argc, argv, "s:yn", longopts, NULL)) != -1) {
		switch (ch) {
		case 's':
			free(session);
			session = xstrdup(optarg);
			break;
		case 'y':
			flags |= SNAPSHOT_RESTORE_FORCE;
			break;
		case 'n':
			flags |= SNAPSHOT_RESTORE_DRY_RUN;
			break;
		case 'c':
			recover = 1;
			break;
		case 'A':
			recover = 0;
			break;
		default:
			goto usage;
		}
	}
	if ((recover == -1 && argc - optind != 1) ||
	    (recover != -1 && argc - optind != 0))
		goto usage;
	if ((st = cli_snapshot_open(root, cfg, 1)) == NULL) {
		free(session);
		return (1);
	}
	if (recover != -1) {
		if (snapshot_recover(st, recover, &cause) != 0)
			goto fail;
		printf("interrupted rewind %s\n", recover ? "finished" :
		    "rolled back");
		rc = 0;
		goto out;
	}
	cli_snapshot_pending(st);
	if ((session = cli_snapshot_expand(st, session, &cause)) == NULL &&
	    cause != NULL)
		goto fail;
	if ((hex = snapshot_resolve(st, session, argv[optind], &cause)) ==
	    NULL)
		goto fail;
	if (snapshot_restore_ext(st, hex, flags, &plan, &cause) != 0) {
		if (plan.need_confirm) {
			cli_snapshot_paths("changed by hand since the last "
			    "snapshot (would be overwritten)", plan.hand,
			    plan.nhand, 50);
			fprintf(stderr, "agentos: not rewound: run again with "
			    "--yes to overwrite (the present state is kept as "
			    "a snapshot first)\n");
			rc = 1;
			goto out;
		}
		goto fail;
	}
	if (flags & SNAPSHOT_RESTORE_DRY_RUN)
		printf("would rewind to %.8s:\n", hex);
	else {
		printf("rewound to %.8s; the state before is snapshot "
		    "manual:%s (undo: agentos rewind %s --session manual)\n",
		    hex, plan.before, plan.before);
		cli_rewind_note(root, session, argv[optind], hex, &plan);
	}
	cli_snapshot_paths("written", plan.write, plan.nwrite, 50);
	cli_snapshot_paths("removed", plan.remove, plan.nremove, 50);
	cli_snapshot_paths("left alone (large untracked, never captured)",
	    plan.blocked, plan.nblocked, 50);
	rc = 0;
	goto out;
fail:
	fprintf(stderr, "agentos: %s\n", cause);
out:
	snapshot_plan_release(&plan);
	free(hex);
	free(cause);
	free(session);
	snapshot_close(st);
	return (rc);
usage:
	free(session);
	fprintf(stderr, "usage: agentos rewind SNAPSHOT [--yes] [--dry-run] "
	    "[--session ID]\n       agentos rewind --continue | --abort\n");
	return (2);
}

/* agentos gc */
int
cli_gc_exec(int argc, char **argv, const char *root, struct config *cfg)
{
	struct snapshot_store	*st;
	struct buf		 out = BUF_INIT;
	char			*cause = NULL;
	int			 rc = 1;

	if (argc != 1) {
		fprintf(stderr, "usage: agentos gc\n");
		return (2);
	}
	if ((st = cli_snapshot_open(root, cfg, 1)) == NULL)
		return (1);
	if (snapshot_gc(st, &out, &cause) != 0) {
		fprintf(stderr, "agentos: %s\n", cause);
		free(cause);
	} else {
		fputs(out.buf, stdout);
		rc = 0;
	}
	buf_release(&out);
	snapshot_close(st);
	return (rc);
}
