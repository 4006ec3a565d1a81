/* cli-replay.c: agentos replay: re-drive a recorded session offline. */
#include <sys/stat.h>

#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <git2.h>

#include "agentos.h"
#include "options.h"
#include "session.h"
#include "snapshot.h"
#include "banned.h"

/*
 * The recorded "response" events stand in for the model: the agent loop,
 * the permission policy and the tools run as they did, in a scratch
 * repository checked out from the session's first snapshot, and each tool
 * result is compared with the recorded one.  Responses are served turn by
 * turn (between two "user" events), so a recorded turn that ended in an
 * error ends in an error again instead of borrowing the next turn's answer.
 */
struct replay {
	struct event		*evs;
	size_t			 nev;
	size_t			 pos;		/* next event to serve from */
	size_t			 turn_end;	/* index of the next user event */
	size_t			 next_user;	/* next user event to submit */
	char			*root;		/* the recorded repository */
	char			*scratch;
	struct agent		*agent;
	struct config		*cfg;

	/* The model call in flight. */
	const struct model_call_cb *cb;
	void			*cb_arg;
	struct loop_timer	*timer;
	struct response		 resp;
	char			*error;

	struct tool_call	*asking;	/* approval to answer */
	struct loop_timer	*step;

	int			 compared;
	int			 diverged;
	int			 failed;
	struct buf		 report;
};

int	cli_session_replay(int, char **, const char *, struct config *);

static size_t	 replay_find(struct replay *, enum event_type, const char *,
		     size_t);
static int	 replay_checkout(const char *, const char *, const char *,
		     char **);
static void	 replay_finish(struct replay *, int);
static void	 replay_submit(void *);
static void	 replay_model_done(void *);
static struct model_call *replay_start(const struct config *,
		     const struct model_request *, const struct model_call_cb *,
		     void *, char **);
static void	 replay_cancel(struct model_call *);
static const char *replay_body(struct model_call *);
static char	*replay_normalise(struct replay *, const char *);
static char	*replay_snapshot_commit(const char *, const char *,
		     const char *, char **);

/* One replay at a time: the model hooks carry no argument of their own. */
static struct replay *replay_current;

/* Index of the event of type whose data id is id, from start; or nev. */
static size_t
replay_find(struct replay *r, enum event_type type, const char *id,
    size_t start)
{
	const char	*s;
	size_t		 i;

	for (i = start; i < r->nev; i++) {
		if (r->evs[i].type != type)
			continue;
		s = json_string_value(json_object_get(r->evs[i].data, "id"));
		if (id == NULL || (s != NULL && strcmp(s, id) == 0))
			return (i);
	}
	return (r->nev);
}

/*
 * Make dir a repository whose worktree, index and detached HEAD are commit
 * of the repository at root (whose objects it borrows as alternates).
 */
static int
replay_checkout(const char *root, const char *commit, const char *dir,
    char **cause)
{
	git_repository		*src = NULL, *dst = NULL;
	git_object		*obj = NULL;
	git_commit		*c = NULL, *dc = NULL;
	git_tree		*tree = NULL, *dtree = NULL;
	git_index		*index = NULL;
	git_checkout_options	 co;
	char			*alt = NULL;
	FILE			*f;
	int			 rc = -1;

	if (git_repository_open(&src, root) != 0 ||
	    git_revparse_single(&obj, src, commit) != 0 ||
	    git_object_peel((git_object **)&c, obj, GIT_OBJECT_COMMIT) != 0 ||
	    git_commit_tree(&tree, c) != 0)
		goto giterr;
	if (git_repository_init(&dst, dir, 0) != 0)
		goto giterr;
	alt = xasprintf("%s/objects/info/alternates",
	    git_repository_path(dst));
	if ((f = fopen(alt, "w")) == NULL) {
		*cause = xasprintf("%s: %m", alt);
		goto out;
	}
	fprintf(f, "%sobjects\n", git_repository_commondir(src));
	fclose(f);
	git_repository_free(dst);
	/* The same commit, seen through dst's odb. */
	if (git_repository_open(&dst, dir) != 0 ||
	    git_commit_lookup(&dc, dst, git_object_id(obj)) != 0 ||
	    git_commit_tree(&dtree, dc) != 0)
		goto giterr;
	git_checkout_options_init(&co, GIT_CHECKOUT_OPTIONS_VERSION);
	co.checkout_strategy = GIT_CHECKOUT_FORCE;
	if (git_checkout_tree(dst, (git_object *)dtree, &co) != 0 ||
	    git_repository_index(&index, dst) != 0 ||
	    git_index_read_tree(index, dtree) != 0 ||
	    git_index_write(index) != 0 ||
	    git_repository_set_head_detached(dst, git_commit_id(dc)) != 0)
		goto giterr;
	rc = 0;
	goto out;
giterr:
	*cause = xasprintf("checkout of %s: %s", commit,
	    git_error_last() != NULL ? git_error_last()->message : "failed");
out:
	free(alt);
	git_index_free(index);
	git_tree_free(dtree);
	git_commit_free(dc);
	git_tree_free(tree);
	git_commit_free(c);
	git_object_free(obj);
	git_repository_free(dst);
	git_repository_free(src);
	return (rc);
}

/*
 * The commit of snapshot id of session sid, looked up as agentos snapshots
 * does (the "manual" store, no watcher); caller frees.  NULL with cause.
 */
static char *
replay_snapshot_commit(const char *root, const char *sid, const char *id,
    char **cause)
{
	struct snapshot_options	 opts;
	struct snapshot_store	*st;
	struct snapshot_info	*v = NULL;
	size_t			 n = 0, i;
	char			*commit = NULL;

	snapshot_options_init(&opts, NULL);
	opts.flags = 0;
	if ((st = snapshot_open_opts(root, "manual", &opts, cause)) == NULL)
		return (NULL);
	if (snapshot_list_session(st, sid, &v, &n, cause) != 0)
		goto out;
	for (i = 0; i < n; i++) {
		if (commit == NULL && strcmp(v[i].id, id) == 0)
			commit = xstrdup(v[i].commit);
		snapshot_info_release(&v[i]);
	}
	if (commit == NULL)
		*cause = xasprintf("snapshot %s of session %s is gone (agentos "
		    "gc?)", id, sid);
out:
	free(v);
	snapshot_close(st);
	return (commit);
}

/* The scratch path in s replaced by the recorded root; caller frees. */
static char *
replay_normalise(struct replay *r, const char *s)
{
	struct buf	 b = BUF_INIT;
	const char	*p;
	size_t		 n = strlen(r->scratch);

	while ((p = strstr(s, r->scratch)) != NULL) {
		buf_add(&b, s, p - s);
		buf_adds(&b, r->root);
		s = p + n;
	}
	buf_adds(&b, s);
	return (buf_detach(&b, NULL));
}

/* Stop the replay: the loop exits after the current callbacks. */
static void
replay_finish(struct replay *r, int diverged)
{
	if (diverged)
		r->diverged = 1;
	loop_exit();
}

/* Serve the recorded response (or the recorded failure) to the agent. */
static void
replay_model_done(void *arg)
{
	struct replay	*r = arg;
	char		*error = r->error;

	r->timer = NULL;
	r->error = NULL;
	r->cb->done(r->cb_arg, error != NULL ? NULL : &r->resp, error);
	message_release(&r->resp.msg);
	free(error);
}

/* The model hook: the next recorded response of this turn. */
static struct model_call *
replay_start(const struct config *cfg, const struct model_request *req,
    const struct model_call_cb *cb, void *arg, char **cause)
{
	struct replay	*r = replay_current;
	json_t		*d, *u;
	size_t		 i;
	char		*why;

	r->cb = cb;
	r->cb_arg = arg;
	memset(&r->resp, 0, sizeof r->resp);
	message_init(&r->resp.msg, ROLE_ASSISTANT);
	if (req->no_tool_calls) {
		/*
		 * A summary request (context-compact.c): answered by the
		 * summary the recorded compaction event holds.
		 */
		for (i = r->pos; i < r->turn_end; i++) {
			if (r->evs[i].type == EV_COMPACTION &&
			    json_is_string(json_object_get(r->evs[i].data,
			    "summary")))
				break;
		}
		if (i >= r->turn_end)
			r->error = xstrdup("replay: the recording has no "
			    "summary here");
		else {
			message_add_text(&r->resp.msg, json_string_value(
			    json_object_get(r->evs[i].data, "summary")));
			r->resp.stop = STOP_END_TURN;
			r->resp.complete = 1;
			r->pos = i + 1;
		}
		r->timer = loop_timer_add(0, replay_model_done, r);
		return ((struct model_call *)r);
	}
	i = replay_find(r, EV_RESPONSE, NULL, r->pos);
	if (i >= r->turn_end) {
		r->error = xstrdup("replay: the recording has no model "
		    "response here (the recorded turn ended without one)");
		r->pos = r->turn_end;
	} else {
		d = r->evs[i].data;
		if (conv_message_from_json(json_object_get(d, "message"),
		    &r->resp.msg, &why) != 0) {
			r->error = xasprintf("replay: event %lld: %s",
			    (long long)r->evs[i].seq, why);
			free(why);
			message_init(&r->resp.msg, ROLE_ASSISTANT);
		}
		r->resp.msg.role = ROLE_ASSISTANT;
		r->resp.stop = stop_reason_from_name(json_string_value(
		    json_object_get(d, "stop_reason")));
		r->resp.complete = 1;
		u = json_object_get(d, "usage");
		r->resp.usage.input_tokens = json_integer_value(
		    json_object_get(u, "input_tokens"));
		r->resp.usage.output_tokens = json_integer_value(
		    json_object_get(u, "output_tokens"));
		r->resp.usage.cache_read_tokens = json_integer_value(
		    json_object_get(u, "cache_read_tokens"));
		r->resp.usage.cache_write_tokens = json_integer_value(
		    json_object_get(u, "cache_write_tokens"));
		r->pos = i + 1;
	}
	r->timer = loop_timer_add(0, replay_model_done, r);
	return ((struct model_call *)r);
}

static void
replay_cancel(struct model_call *mc)
{
	struct replay	*r = (struct replay *)mc;

	loop_timer_cancel(r->timer);
	r->timer = NULL;
	message_release(&r->resp.msg);
	free(r->error);
	r->error = NULL;
}

static const char *
replay_body(struct model_call *mc)
{
	return ("{}");
}

/* Submit the next recorded prompt, or end the replay. */
static void
replay_submit(void *arg)
{
	struct replay	*r = arg;
	const char	*text;
	char		*cause;
	size_t		 i;

	r->step = NULL;
	i = replay_find(r, EV_USER, NULL, r->next_user);
	if (i == r->nev) {
		replay_finish(r, 0);
		return;
	}
	r->pos = i + 1;
	r->turn_end = replay_find(r, EV_USER, NULL, i + 1);
	r->next_user = r->turn_end;
	text = json_string_value(json_object_get(r->evs[i].data, "text"));
	printf("turn at event %lld: %.60s\n", (long long)r->evs[i].seq,
	    text != NULL ? text : "");
	if (agent_submit(r->agent, text != NULL ? text : "", &cause) != 0) {
		buf_addf(&r->report, "replay: %s\n", cause);
		free(cause);
		r->failed = 1;
		replay_finish(r, 0);
	}
}

/* Answer an approval as the recording did. */
static void
replay_decide(void *arg)
{
	struct replay		*r = arg;
	struct tool_call	*tc = r->asking;
	const char		*d = NULL, *note = NULL;
	size_t			 i;

	r->step = NULL;
	r->asking = NULL;
	/* The answer, past the policy's "ask" (a rule, a protected path). */
	for (i = replay_find(r, EV_APPROVAL, tc->id, 0); i < r->nev;
	    i = replay_find(r, EV_APPROVAL, tc->id, i + 1)) {
		d = json_string_value(json_object_get(r->evs[i].data,
		    "decision"));
		if (d == NULL || strcmp(d, "ask") != 0)
			break;
	}
	if (i < r->nev) {
		d = json_string_value(json_object_get(r->evs[i].data,
		    "decision"));
		note = json_string_value(json_object_get(r->evs[i].data,
		    "note"));
	}
	if (d != NULL && (strcmp(d, "allow") == 0 ||
	    strcmp(d, "approve_once") == 0 ||
	    strcmp(d, "approve_always") == 0))
		agent_decide(r->agent, tc, APPROVE_ONCE, NULL);
	else
		agent_decide(r->agent, tc, APPROVE_REJECT, note);
}

static void
ui_text(void *arg, const char *text, size_t len)
{
}

static void
ui_message(void *arg, const struct message *m, const struct usage *u)
{
}

static void
ui_approval(void *arg, struct tool_call *tc, const char *preview)
{
	struct replay	*r = arg;

	r->asking = tc;
	r->step = loop_timer_add(0, replay_decide, r);
}

static void
ui_notice(void *arg, const char *text)
{
}

static void
ui_turn_done(void *arg, enum stop_reason stop, const char *error)
{
	struct replay	*r = arg;

	if (error != NULL)
		log_debug("replay: the turn ended: %s", error);
	if (!r->diverged && !r->failed && r->step == NULL)
		r->step = loop_timer_add(0, replay_submit, r);
}

/* Every event of the replayed agent: compare tool results. */
static void
ui_event(void *arg, enum event_type type, json_t *data)
{
	struct replay	*r = arg;
	const char	*id, *rec, *got;
	char		*norm;
	size_t		 i, j;
	int		 ran, rec_err, got_err;

	if (r->diverged || type != EV_TOOL_RESULT)
		return;
	id = json_string_value(json_object_get(data, "id"));
	if (id == NULL)
		return;
	i = replay_find(r, EV_TOOL_RESULT, id, 0);
	j = replay_find(r, EV_TOOL_START, id, 0);
	ran = j < r->nev;
	if (i == r->nev) {
		if (!ran)
			return;
		buf_addf(&r->report, "event %lld: tool call %s started but "
		    "has no recorded result (interrupted); the replay stops "
		    "here\n", (long long)r->evs[j].seq, id);
		replay_finish(r, 0);
		return;
	}
	if (!ran)
		return;		/* not run when recorded: a policy message */
	rec = json_string_value(json_object_get(r->evs[i].data, "content"));
	rec_err = json_is_true(json_object_get(r->evs[i].data, "is_error"));
	got = json_string_value(json_object_get(data, "content"));
	got_err = json_is_true(json_object_get(data, "is_error"));
	norm = replay_normalise(r, got != NULL ? got : "");
	r->compared++;
	if (rec_err != got_err || strcmp(norm, rec != NULL ? rec : "") != 0) {
		buf_addf(&r->report, "divergence at event %lld: the result "
		    "of tool call %s differs from the recording%s\n"
		    "--- recorded\n%s\n--- replayed\n%s\n",
		    (long long)r->evs[i].seq, id, rec_err != got_err ?
		    " (error status)" : "", rec != NULL ? rec : "", norm);
		free(norm);
		replay_finish(r, 1);
		return;
	}
	printf("  event %lld: %s: same result\n", (long long)r->evs[i].seq,
	    id);
	free(norm);
}

static const struct agent_ui replay_ui = {
	.text_delta = ui_text,
	.assistant_done = ui_message,
	.approval = ui_approval,
	.notice = ui_notice,
	.event = ui_event,
	.turn_done = ui_turn_done,
};

int
cli_session_replay(int argc, char **argv, const char *root,
    struct config *cfg)
{
	struct replay	 r;
	struct session	*s = NULL;
	struct config	 own;
	const char	*commit = NULL, *snap;
	char		*cause = NULL, tmpl[] = "/tmp/agentos-replay.XXXXXX";
	char		*found = NULL;
	char		*rm;
	size_t		 i;
	int		 ch, keep = 0, rc = 1, own_cfg = 0;

	optind = 0;	/* glibc: a full re-initialisation */
	while ((ch = getopt(argc, argv, "k")) != -1) {
		switch (ch) {
		case 'k':
			keep = 1;
			break;
		default:
			goto usage;
		}
	}
	if (argc - optind != 1)
		goto usage;
	memset(&r, 0, sizeof r);
	buf_init(&r.report, 0);
	if ((s = session_open(root, argv[optind], &cause)) == NULL)
		goto fail;
	if (session_read(s, 0, &r.evs, &r.nev, &cause) != 0)
		goto fail;
	r.root = realpath(root, NULL);
	if (r.root == NULL)
		r.root = xstrdup(root);

	/* The worktree as it was before the session's first change. */
	i = replay_find(&r, EV_SNAPSHOT, NULL, 0);
	if (i < r.nev) {
		commit = json_string_value(json_object_get(r.evs[i].data,
		    "commit"));
		snap = json_string_value(json_object_get(r.evs[i].data, "id"));
		if ((commit == NULL || *commit == '\0') && snap != NULL) {
			found = replay_snapshot_commit(root, session_id(s),
			    snap, &cause);
			if (found == NULL)
				goto fail;
			commit = found;
		}
	}
	if (commit == NULL) {
		printf("no snapshot in session %s: replaying from HEAD\n",
		    session_id(s));
		commit = "HEAD";
	}
	if (mkdtemp(tmpl) == NULL) {
		cause = xasprintf("%s: %m", tmpl);
		goto fail;
	}
	r.scratch = xstrdup(tmpl);
	git_libgit2_init();
	if (replay_checkout(root, commit, r.scratch, &cause) != 0)
		goto fail;
	printf("replaying session %s (%zu events) from %s in %s\n",
	    session_id(s), r.nev, commit, r.scratch);

	if (cfg == NULL) {
		if (config_load(&own, r.scratch, &cause) != 0)
			goto fail;
		cfg = &own;
		own_cfg = 1;
	}
	cfg->perm_mode = PERM_ASK;
	cfg->resume = NULL;
	/* No request leaves: any URL makes the provider "configured". */
	if (!config_provider_configured(cfg) &&
	    config_set(cfg, "base_url", "http://replay.invalid", &cause) != 0)
		goto fail;
	/*
	 * The recorded responses come in order whatever the conversation
	 * holds: no summary of the replayed agent's own (one it asks for
	 * after an overflow is the recorded one, see replay_start()).
	 */
	if (cfg->opts != NULL) {
		cfg->opts->context.compact_at = 100;
		cfg->opts->context.reserve_compact = 0;
	}
	if (loop_base == NULL)
		loop_init();
	r.cfg = cfg;
	r.agent = agent_create(r.scratch, r.scratch, cfg, 0, &replay_ui, &r,
	    &cause);
	if (r.agent == NULL)
		goto fail;
	replay_current = &r;
	agent_set_model_hooks(r.agent, replay_start, replay_cancel,
	    replay_body);
	r.step = loop_timer_add(0, replay_submit, &r);
	loop_run();
	agent_free(r.agent);
	loop_timer_cancel(r.step);
	loop_timer_cancel(r.timer);
	replay_current = NULL;
	fputs(r.report.buf, stdout);
	if (r.diverged || r.failed)
		rc = 1;
	else {
		printf("replay matched: %d tool result%s identical to the "
		    "recording\n", r.compared, r.compared == 1 ? "" : "s");
		rc = 0;
	}
	goto out;
fail:
	fprintf(stderr, "agentos: %s\n", cause != NULL ? cause : "replay "
	    "failed");
	free(cause);
out:
	if (r.scratch != NULL && !keep) {
		rm = xasprintf("rm -rf '%s'", r.scratch);
		if (system(rm) != 0)
			fprintf(stderr, "agentos: could not remove %s\n",
			    r.scratch);
		free(rm);
	} else if (r.scratch != NULL)
		printf("scratch worktree kept: %s\n", r.scratch);
	if (r.scratch != NULL)
		git_libgit2_shutdown();
	if (own_cfg)
		config_release(&own);
	buf_release(&r.report);
	session_events_free(r.evs, r.nev);
	free(found);
	free(r.scratch);
	free(r.root);
	session_close(s);
	return (rc);
usage:
	fprintf(stderr, "usage: agentos replay [-k] ID\n");
	return (2);
}
