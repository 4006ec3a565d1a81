/*
 * bench-session.c: what the session log costs.
 *
 *   append: mean and p99 time to append and commit one event (WAL,
 *	synchronous=NORMAL), for small events and for requests with bodies;
 *   open: opening a 10,000-event session, rebuilding the conversation
 *	(session_load) and rendering every event (as agentos export does);
 *   size: database bytes per 100 scripted turns, with and without request
 *	bodies.
 *
 * Usage: bench-session [DIR]  (a scratch git repository is made in DIR,
 * default /tmp; use a real disk, not tmpfs, for honest numbers).
 */
#include <sys/stat.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <git2.h>

#include "agentos.h"
#include "session.h"

#define BENCH_RUNS 9

static char	*bench_repo(const char *);
static double	 bench_now_us(void);
static int	 bench_cmp(const void *, const void *);
static void	 bench_turn(struct session *, int, struct buf *, double *,
		    size_t *);
static long long bench_db_size(const char *);
int	cli_session_export(int, char **, const char *, struct config *);

/* Microseconds on the monotonic clock. */
static double
bench_now_us(void)
{
	struct timespec	ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (ts.tv_sec * 1e6 + ts.tv_nsec / 1e3);
}

static int
bench_cmp(const void *a, const void *b)
{
	double	x = *(const double *)a, y = *(const double *)b;

	return (x < y ? -1 : x > y);
}

/* A fresh repository under dir; caller frees the path. */
static char *
bench_repo(const char *dir)
{
	git_repository	*r;
	char		*path = xasprintf("%s/bench-session.XXXXXX", dir);

	if (mkdtemp(path) == NULL || git_repository_init(&r, path, 0) != 0) {
		fprintf(stderr, "cannot make a repository in %s\n", dir);
		exit(1);
	}
	git_repository_free(r);
	return (path);
}

/* The database and WAL size of the repository at root, in bytes. */
static long long
bench_db_size(const char *root)
{
	struct stat	 sb;
	char		*path, *cause, *wal;
	long long	 n = 0;

	if ((path = session_db_path(root, &cause)) == NULL)
		return (-1);
	wal = xasprintf("%s-wal", path);
	if (stat(path, &sb) == 0)
		n += sb.st_size;
	if (stat(wal, &sb) == 0)
		n += sb.st_size;
	free(wal);
	free(path);
	return (n);
}

/*
 * One scripted turn as the agent logs it: a prompt, two model calls, two
 * tool calls with 2 KB of output each.  body is the growing request body
 * (NULL: no bodies); each append's time goes into times[*n].
 */
static void
bench_turn(struct session *s, int turn, struct buf *body, double *times,
    size_t *n)
{
	struct message	 m;
	json_t		*ev[16], *in;
	char		 id[2][32], out[2048];
	enum event_type	 type[16];
	size_t		 k = 0, i;
	int		 call;
	double		 t0;

	memset(out, 'x', sizeof out - 1);
	out[sizeof out - 1] = '\0';
	type[k] = EV_USER;
	ev[k++] = json_pack("{s:s}", "text", "Please fix the failing test in "
	    "src/parse.c and run make check afterwards.");
	for (call = 0; call < 2; call++) {
		xsnprintf(id[call], sizeof id[call], "toolu_%d_%d", turn, call);
		if (body != NULL)
			buf_addf(body, "{\"role\":\"user\",\"content\":\"%.*s"
			    "\"},", 1500, out);
		type[k] = EV_REQUEST;
		ev[k++] = json_pack("{s:s,s:s,s:i,s:s,s:s}", "provider",
		    "anthropic", "model", "claude-sonnet-4-5", "max_tokens",
		    8192, "body_sha256", "", "body", body != NULL ? body->buf :
		    "");
		if (body == NULL)
			json_object_del(ev[k - 1], "body");
		message_init(&m, ROLE_ASSISTANT);
		message_add_text(&m, "I will look at the test first.");
		in = json_pack("{s:s}", "command", "make check 2>&1 | tail");
		message_add_tool_use(&m, id[call], "bash", in);
		json_decref(in);
		type[k] = EV_RESPONSE;
		ev[k++] = json_pack("{s:o,s:s,s:{s:i,s:i,s:i,s:i},s:i,s:i}",
		    "message", conv_message_to_json(&m), "stop_reason",
		    "tool_use", "usage", "input_tokens", 1200, "output_tokens",
		    80, "cache_read_tokens", 9000, "cache_write_tokens", 300,
		    "first_token_ms", 700, "total_ms", 2100);
		message_release(&m);
		type[k] = EV_TOOL_CALL;
		ev[k++] = json_pack("{s:s,s:s,s:{s:s}}", "id", id[call],
		    "name", "bash", "input", "command",
		    "make check 2>&1 | tail");
		type[k] = EV_APPROVAL;
		ev[k++] = json_pack("{s:s,s:s,s:s}", "id", id[call],
		    "decision", "allow", "by", "mode:bypass");
		type[k] = EV_SNAPSHOT;
		ev[k++] = json_pack("{s:s,s:s,s:s,s:s}", "id", "a1b2c3d",
		    "commit", "a1b2c3d4e5f60718293a4b5c6d7e8f9012345678",
		    "action", "bash make check", "tool_use_id", id[call]);
		type[k] = EV_TOOL_START;
		ev[k++] = json_pack("{s:s}", "id", id[call]);
		type[k] = EV_TOOL_RESULT;
		ev[k++] = json_pack("{s:s,s:s,s:b,s:i,s:i,s:i,s:b}", "id",
		    id[call], "content", out, "is_error", 0, "exit_status", 0,
		    "duration_ms", 1500, "bytes", 2047, "truncated", 0);
	}
	type[k] = EV_TURN_END;
	ev[k++] = json_pack("{s:s}", "stop_reason", "end_turn");
	for (i = 0; i < k; i++) {
		t0 = bench_now_us();
		if (session_append(s, type[i], ev[i]) < 0) {
			fprintf(stderr, "append failed: %s\n",
			    session_failed(s));
			exit(1);
		}
		if (times != NULL)
			times[*n] = bench_now_us() - t0;
		if (n != NULL)
			(*n)++;
		json_decref(ev[i]);
	}
}

int
main(int argc, char **argv)
{
	const char		*dir = argc > 1 ? argv[1] : "/tmp";
	struct session		*s;
	struct session_state	 st;
	struct conv		 conv;
	struct buf		 body = BUF_INIT;
	char			*repo, *cause, *id, *cmd;
	char			*args[6] = { NULL };
	double			*times, t0, sum;
	double			 load[BENCH_RUNS], export[BENCH_RUNS];
	size_t			 n = 0, nev = 0, nmsg = 0, i;
	long long		 size_plain, size_bodies;
	json_t			*small;
	int			 turn;

	git_libgit2_init();
	setvbuf(stdout, NULL, _IOLBF, 0);

	/* Append cost: 10,000 small events. */
	repo = bench_repo(dir);
	s = session_open(repo, NULL, &cause);
	if (s == NULL) {
		fprintf(stderr, "%s\n", cause);
		return (1);
	}
	times = xcalloc(10000, sizeof *times);
	small = json_pack("{s:s,s:s,s:{s:s}}", "id", "toolu_01ABC", "name",
	    "read_file", "input", "path", "src/session.c");
	for (i = 0; i < 10000; i++) {
		t0 = bench_now_us();
		if (session_append(s, EV_TOOL_CALL, small) < 0)
			return (1);
		times[n++] = bench_now_us() - t0;
	}
	json_decref(small);
	qsort(times, n, sizeof *times, bench_cmp);
	for (sum = 0, i = 0; i < n; i++)
		sum += times[i];
	printf("append small event (tool_call, %zu events): mean %.1f us, "
	    "p50 %.1f us, p99 %.1f us\n", n, sum / n, times[n / 2],
	    times[n * 99 / 100]);
	session_close(s);
	free(repo);

	/* A 10,000-event session of scripted turns (16 events a turn). */
	repo = bench_repo(dir);
	s = session_open(repo, NULL, &cause);
	id = xstrdup(session_id(s));
	n = 0;
	for (turn = 0; n + 16 <= 10000; turn++)
		bench_turn(s, turn, NULL, times, &n);
	qsort(times, n, sizeof *times, bench_cmp);
	for (sum = 0, i = 0; i < n; i++)
		sum += times[i];
	printf("append agent events (mixed, %zu events): mean %.1f us, "
	    "p50 %.1f us, p99 %.1f us\n", n, sum / n, times[n / 2],
	    times[n * 99 / 100]);
	session_close(s);

	/* Best and median of 9 runs: the machine is shared. */
	for (i = 0; i < BENCH_RUNS; i++) {
		t0 = bench_now_us();
		s = session_open(repo, id, &cause);
		conv_init(&conv);
		if (s == NULL || session_load(s, &conv, &st, &cause) != 0) {
			fprintf(stderr, "%s\n", cause);
			return (1);
		}
		load[i] = (bench_now_us() - t0) / 1000;
		nev = (size_t)st.last_seq;
		nmsg = conv.nr;
		session_close(s);
		session_state_release(&st);
		conv_release(&conv);
		/* getopt permutes argv: set it up again each time. */
		args[0] = (char *)"export";
		args[1] = id;
		args[2] = (char *)"--format";
		args[3] = (char *)"markdown";
		args[4] = (char *)"--output=/dev/null";
		t0 = bench_now_us();
		if (cli_session_export(5, args, repo, NULL) != 0)
			return (1);
		export[i] = (bench_now_us() - t0) / 1000;
	}
	qsort(load, BENCH_RUNS, sizeof *load, bench_cmp);
	qsort(export, BENCH_RUNS, sizeof *export, bench_cmp);
	printf("open + load a %zu-event session (%zu messages): best %.1f ms, "
	    "median %.1f ms; agentos export --format markdown of it: best "
	    "%.1f ms, median %.1f ms\n", nev, nmsg, load[0],
	    load[BENCH_RUNS / 2], export[0], export[BENCH_RUNS / 2]);
	free(id);
	free(repo);

	/* Size per 100 turns, without and with request bodies. */
	repo = bench_repo(dir);
	s = session_open(repo, NULL, &cause);
	for (turn = 0; turn < 100; turn++)
		bench_turn(s, turn, NULL, NULL, NULL);
	session_close(s);
	size_plain = bench_db_size(repo);
	free(repo);
	repo = bench_repo(dir);
	s = session_open(repo, NULL, &cause);
	buf_adds(&body, "{\"model\":\"claude-sonnet-4-5\",\"messages\":[");
	n = 0;
	t0 = bench_now_us();
	for (turn = 0; turn < 100; turn++)
		bench_turn(s, turn, &body, NULL, NULL);
	session_close(s);
	size_bodies = bench_db_size(repo);
	printf("size of 100 turns (1600 events, 4 KB tool output a turn): "
	    "%.1f KB without bodies, %.1f KB with bodies (the last body "
	    "%.1f KB; %.1f MB if each were stored whole)\n",
	    size_plain / 1024.0, size_bodies / 1024.0, body.len / 1024.0,
	    body.len / 1024.0 / 1024.0 * 200 / 2);
	buf_release(&body);
	free(repo);
	free(times);
	cmd = xasprintf("rm -rf '%s'/bench-session.??????", dir);
	if (system(cmd) != 0)
		fprintf(stderr, "could not remove the scratch repositories\n");
	free(cmd);
	git_libgit2_shutdown();
	return (0);
}
