/* test-session.c: the session log: round trip, crash states, forks,
   migration and redaction. */
#include <sys/stat.h>

#include <fcntl.h>
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <cmocka.h>

#include <git2.h>
#include <sqlite3.h>

#include "agentos.h"
#include "session.h"

static char *repo;

/* A fresh git repository in a temporary directory for each test. */
static int
setup(void **state)
{
	char		 tmpl[] = "/tmp/test-session.XXXXXX";
	git_repository	*r;

	if (mkdtemp(tmpl) == NULL)
		return (-1);
	repo = xstrdup(tmpl);
	git_libgit2_init();
	if (git_repository_init(&r, repo, 0) != 0)
		return (-1);
	git_repository_free(r);
	return (0);
}

static int
teardown(void **state)
{
	char	*cmd = xasprintf("rm -rf '%s'", repo);

	if (system(cmd) != 0)
		fprintf(stderr, "cleanup of %s failed\n", repo);
	free(cmd);
	free(repo);
	git_libgit2_shutdown();
	return (0);
}

/* Append an event made by json_pack-like fmt; returns its seq. */
static int64_t
ev(struct session *s, enum event_type type, json_t *data)
{
	int64_t	seq;

	assert_non_null(data);
	seq = session_append(s, type, data);
	json_decref(data);
	assert_true(seq > 0);
	return (seq);
}

/* A response event carrying an assistant message. */
static int64_t
ev_response(struct session *s, const char *text, const char *tool_id,
    const char *tool, const char *stop)
{
	struct message	 m;
	json_t		*input;

	message_init(&m, ROLE_ASSISTANT);
	if (text != NULL)
		message_add_text(&m, text);
	if (tool_id != NULL) {
		input = json_pack("{s:s}", "command", "echo hi >> log");
		message_add_tool_use(&m, tool_id, tool, input);
		json_decref(input);
	}
	ev(s, EV_RESPONSE, json_pack("{s:o,s:s,s:{s:i,s:i,s:i,s:i},s:i,s:i}",
	    "message", conv_message_to_json(&m), "stop_reason", stop,
	    "usage", "input_tokens", 100, "output_tokens", 20,
	    "cache_read_tokens", 5, "cache_write_tokens", 7,
	    "first_token_ms", 300, "total_ms", 900));
	message_release(&m);
	return (session_last_seq(s));
}

/* One full scripted turn with one tool call. */
static void
script_turn(struct session *s, int n)
{
	char	id[32], *text;

	text = xasprintf("prompt %d", n);
	xsnprintf(id, sizeof id, "toolu_%d", n);
	ev(s, EV_USER, json_pack("{s:s}", "text", text));
	ev(s, EV_REQUEST, json_pack("{s:s,s:s,s:i,s:s,s:s}", "provider",
	    "anthropic", "model", "m", "max_tokens", 1000, "body_sha256",
	    "", "body", "{\"messages\":[]}"));
	ev_response(s, "working", id, "bash", "tool_use");
	ev(s, EV_TOOL_CALL, json_pack("{s:s,s:s,s:{s:s}}", "id", id, "name",
	    "bash", "input", "command", "echo hi >> log"));
	ev(s, EV_APPROVAL, json_pack("{s:s,s:s,s:s}", "id", id, "decision",
	    "allow", "by", "mode:bypass"));
	ev(s, EV_TOOL_START, json_pack("{s:s}", "id", id));
	ev(s, EV_TOOL_RESULT, json_pack("{s:s,s:s,s:b,s:i,s:i,s:i,s:b}",
	    "id", id, "content", "ok", "is_error", 0, "exit_status", 0,
	    "duration_ms", 3, "bytes", 2, "truncated", 0));
	ev(s, EV_REQUEST, json_pack("{s:s,s:s,s:i,s:s}", "provider",
	    "anthropic", "model", "m", "max_tokens", 1000, "body_sha256", ""));
	ev_response(s, "done", NULL, NULL, "end_turn");
	ev(s, EV_TURN_END, json_pack("{s:s}", "stop_reason", "end_turn"));
	free(text);
}

static void
test_round_trip(void **state)
{
	struct session		*s, *r;
	struct conv		 c;
	struct session_state	 st;
	struct event		*evs;
	size_t			 n;
	char			*cause = NULL, *id;

	s = session_open(repo, NULL, &cause);
	assert_non_null(s);
	id = xstrdup(session_id(s));
	assert_int_equal(strlen(id), strlen("20261122-221459-ab12"));
	script_turn(s, 1);
	assert_int_equal(session_last_seq(s), 10);
	session_close(s);

	/* By "" (the most recent), by prefix and by id. */
	r = session_open(repo, "", &cause);
	assert_non_null(r);
	assert_string_equal(session_id(r), id);
	session_close(r);
	id[12] = '\0';
	r = session_open(repo, id, &cause);
	assert_non_null(r);
	conv_init(&c);
	assert_int_equal(session_load(r, &c, &st, &cause), 0);
	assert_int_equal(c.nr, 4);
	assert_int_equal(c.msgs[0].role, ROLE_USER);
	assert_string_equal(c.msgs[0].blocks[0].text, "prompt 1");
	assert_int_equal(c.msgs[1].role, ROLE_ASSISTANT);
	assert_int_equal(c.msgs[1].blocks[1].type, BLOCK_TOOL_USE);
	assert_string_equal(c.msgs[1].blocks[1].id, "toolu_1");
	assert_int_equal(c.msgs[2].role, ROLE_USER);
	assert_int_equal(c.msgs[2].blocks[0].type, BLOCK_TOOL_RESULT);
	assert_string_equal(c.msgs[2].blocks[0].text, "ok");
	assert_false(c.msgs[2].blocks[0].is_error);
	assert_int_equal(c.msgs[3].role, ROLE_ASSISTANT);
	assert_int_equal(st.turns, 1);
	assert_int_equal(st.requests, 2);
	assert_int_equal(st.usage.input_tokens, 200);
	assert_int_equal(st.usage.cache_write_tokens, 14);
	assert_false(st.interrupted);
	assert_int_equal(st.interrupted_tools, 0);
	assert_string_equal(st.first_prompt, "prompt 1");
	assert_int_equal(st.last_seq, 10);
	session_state_release(&st);
	conv_release(&c);

	/* Raw events, with the request body put back. */
	assert_int_equal(session_read(r, 0, &evs, &n, &cause), 0);
	assert_int_equal(n, 10);
	assert_int_equal(evs[1].type, EV_REQUEST);
	assert_string_equal(evs[1].name, "request");
	assert_null(evs[1].invalid);
	assert_string_equal(json_string_value(json_object_get(evs[1].data,
	    "body")), "{\"messages\":[]}");
	assert_null(json_object_get(evs[1].data, "body_ref"));
	assert_int_equal(evs[9].seq, 10);
	session_events_free(evs, n);
	session_close(r);
	free(id);

	r = session_open(repo, "nosuch", &cause);
	assert_null(r);
	assert_non_null(strstr(cause, "no session"));
	free(cause);
}

static void
test_interrupted_tool(void **state)
{
	struct session		*s;
	struct conv		 c;
	struct session_state	 st;
	struct message		*m;
	char			*cause;

	s = session_open(repo, NULL, &cause);
	assert_non_null(s);
	ev(s, EV_USER, json_pack("{s:s}", "text", "append a line"));
	ev(s, EV_REQUEST, json_pack("{s:s}", "model", "m"));
	ev_response(s, NULL, "toolu_a", "bash", "tool_use");
	ev(s, EV_TOOL_CALL, json_pack("{s:s,s:s,s:{}}", "id", "toolu_a",
	    "name", "bash", "input"));
	ev(s, EV_SNAPSHOT, json_pack("{s:s,s:s,s:s,s:s}", "id", "snap7",
	    "commit", "0123abcd", "action", "bash", "tool_use_id", "toolu_a"));
	ev(s, EV_TOOL_START, json_pack("{s:s}", "id", "toolu_a"));
	/* killed here: no tool_result */
	conv_init(&c);
	assert_int_equal(session_load(s, &c, &st, &cause), 0);
	assert_int_equal(c.nr, 3);
	m = &c.msgs[2];
	assert_int_equal(m->role, ROLE_USER);
	assert_int_equal(m->nr, 1);
	assert_int_equal(m->blocks[0].type, BLOCK_TOOL_RESULT);
	assert_string_equal(m->blocks[0].id, "toolu_a");
	assert_true(m->blocks[0].is_error);
	assert_non_null(strstr(m->blocks[0].text, "interrupted"));
	assert_non_null(strstr(m->blocks[0].text, "not re-run"));
	assert_non_null(strstr(m->blocks[0].text, "snapshot snap7"));
	assert_true(st.interrupted);
	assert_int_equal(st.interrupted_tools, 1);
	assert_int_equal(st.nsnapshots, 1);
	assert_string_equal(st.snapshots[0], "snap7");
	session_state_release(&st);
	conv_release(&c);
	session_close(s);
}

static void
test_half_response_discarded(void **state)
{
	struct session		*s;
	struct conv		 c;
	struct session_state	 st;
	char			*cause;

	s = session_open(repo, NULL, &cause);
	assert_non_null(s);
	script_turn(s, 1);
	ev(s, EV_USER, json_pack("{s:s}", "text", "second"));
	ev(s, EV_REQUEST, json_pack("{s:s}", "model", "m"));
	/* killed while streaming: no response */
	conv_init(&c);
	assert_int_equal(session_load(s, &c, &st, &cause), 0);
	assert_int_equal(c.nr, 5);
	assert_int_equal(c.msgs[4].role, ROLE_USER);
	assert_string_equal(c.msgs[4].blocks[0].text, "second");
	assert_true(st.interrupted);
	assert_int_equal(st.turns, 2);
	session_state_release(&st);
	conv_release(&c);

	/* A response asking for a tool, killed before the call was logged. */
	ev_response(s, NULL, "toolu_b", "bash", "tool_use");
	conv_init(&c);
	assert_int_equal(session_load(s, &c, &st, &cause), 0);
	assert_int_equal(c.nr, 7);
	assert_true(c.msgs[6].blocks[0].is_error);
	assert_non_null(strstr(c.msgs[6].blocks[0].text, "it was not run"));
	assert_true(st.interrupted);
	session_state_release(&st);
	conv_release(&c);

	/* The turn ended (with an error): nothing to retry. */
	ev(s, EV_ERROR, json_pack("{s:s}", "message", "overloaded"));
	ev(s, EV_TURN_END, json_pack("{s:s}", "stop_reason", "error"));
	conv_init(&c);
	assert_int_equal(session_load(s, &c, &st, &cause), 0);
	assert_false(st.interrupted);
	session_state_release(&st);
	conv_release(&c);

	/* The next prompt joins that user message, as the agent does. */
	ev(s, EV_USER, json_pack("{s:s}", "text", "try again"));
	ev(s, EV_REQUEST, json_pack("{s:s}", "model", "m"));
	ev(s, EV_RESPONSE, json_pack("{s:{s:s,s:[]},s:s}", "message", "role",
	    "assistant", "content", "stop_reason", "end_turn"));
	conv_init(&c);
	assert_int_equal(session_load(s, &c, &st, &cause), 0);
	assert_int_equal(c.nr, 7);
	assert_int_equal(c.msgs[6].nr, 2);
	assert_int_equal(c.msgs[6].blocks[1].type, BLOCK_TEXT);
	assert_string_equal(c.msgs[6].blocks[1].text, "try again");
	/* The empty answer is kept out of the conversation. */
	assert_int_equal(c.msgs[6].role, ROLE_USER);
	assert_int_equal(st.requests, 4);
	session_state_release(&st);
	conv_release(&c);
	session_close(s);
}

static void
test_fork(void **state)
{
	struct session		*s, *f, *again;
	struct conv		 c;
	struct event		*evs;
	size_t			 n;
	int64_t			 at;
	char			*cause, *orig;

	s = session_open(repo, NULL, &cause);
	assert_non_null(s);
	script_turn(s, 1);
	script_turn(s, 2);
	assert_int_equal(session_last_seq(s), 20);
	orig = xstrdup(session_id(s));

	/* Rewind to before the second prompt (event 11). */
	f = session_fork(s, 10, &cause);
	assert_non_null(f);
	assert_string_not_equal(session_id(f), orig);
	assert_string_equal(session_parent(f, &at), orig);
	assert_int_equal(at, 10);
	assert_int_equal(session_last_seq(f), 10);
	assert_int_equal(ev(f, EV_USER, json_pack("{s:s}", "text",
	    "other way")), 11);
	conv_init(&c);
	assert_int_equal(session_load(f, &c, NULL, &cause), 0);
	assert_int_equal(c.nr, 5);
	assert_string_equal(c.msgs[4].blocks[0].text, "other way");
	conv_release(&c);

	/* The original is intact. */
	again = session_open(repo, orig, &cause);
	assert_non_null(again);
	assert_int_equal(session_read(again, 0, &evs, &n, &cause), 0);
	assert_int_equal(n, 20);
	assert_string_equal(json_string_value(json_object_get(evs[10].data,
	    "text")), "prompt 2");
	session_events_free(evs, n);
	session_close(again);
	session_close(f);
	session_close(s);
	free(orig);
}

/* The v1 layout (times in a "time" column, no forks, no bodies table). */
static void
test_migration(void **state)
{
	struct session		*s;
	struct conv		 c;
	struct session_state	 st;
	sqlite3			*db;
	sqlite3_stmt		*q;
	char			*path, *cause, *dir;

	path = session_db_path(repo, &cause);
	assert_non_null(path);
	dir = xasprintf("%s/.git/agentos", repo);
	assert_int_equal(mkdir(dir, 0700), 0);
	assert_int_equal(sqlite3_open(path, &db), SQLITE_OK);
	assert_int_equal(sqlite3_exec(db,
	    "CREATE TABLE sessions (id TEXT PRIMARY KEY, "
	    " created INTEGER NOT NULL);"
	    "CREATE TABLE events (session TEXT NOT NULL, seq INTEGER NOT NULL,"
	    " time INTEGER NOT NULL, type TEXT NOT NULL, data TEXT NOT NULL,"
	    " PRIMARY KEY (session, seq)) WITHOUT ROWID;"
	    "INSERT INTO sessions VALUES ('20250101-000000-0001', 1);"
	    "INSERT INTO events VALUES ('20250101-000000-0001', 1, 1000,"
	    " 'user', '{\"text\":\"old prompt\"}');"
	    "INSERT INTO events VALUES ('20250101-000000-0001', 2, 2000,"
	    " 'response', '{\"message\":{\"role\":\"assistant\",\"content\":"
	    "[{\"type\":\"text\",\"text\":\"old answer\"}]},"
	    "\"stop_reason\":\"end_turn\",\"usage\":{\"input_tokens\":3,"
	    "\"output_tokens\":4}}');"
	    "PRAGMA user_version = 1;", NULL, NULL, NULL), SQLITE_OK);
	sqlite3_close(db);

	s = session_open(repo, "20250101", &cause);
	assert_non_null(s);
	conv_init(&c);
	assert_int_equal(session_load(s, &c, &st, &cause), 0);
	assert_int_equal(c.nr, 2);
	assert_string_equal(c.msgs[1].blocks[0].text, "old answer");
	assert_int_equal(st.usage.output_tokens, 4);
	session_state_release(&st);
	conv_release(&c);
	/* New events go on after the migrated ones. */
	assert_int_equal(ev(s, EV_USER, json_pack("{s:s}", "text", "new")), 3);
	session_close(s);

	assert_int_equal(sqlite3_open(path, &db), SQLITE_OK);
	assert_int_equal(sqlite3_prepare_v2(db, "PRAGMA user_version", -1, &q,
	    NULL), SQLITE_OK);
	assert_int_equal(sqlite3_step(q), SQLITE_ROW);
	assert_int_equal(sqlite3_column_int(q, 0), SESSION_SCHEMA_VERSION);
	sqlite3_finalize(q);
	/* A newer schema than we know is refused, not damaged. */
	assert_int_equal(sqlite3_exec(db, "PRAGMA user_version = 99", NULL,
	    NULL, NULL), SQLITE_OK);
	sqlite3_close(db);
	s = session_open(repo, "", &cause);
	assert_null(s);
	assert_non_null(strstr(cause, "newer"));
	free(cause);
	free(dir);
	free(path);
}

/* Nonzero if needle occurs anywhere in the file at path. */
static int
file_contains(const char *path, const char *needle)
{
	FILE	*f = fopen(path, "rb");
	char	*data;
	long	 len;
	int	 found;

	if (f == NULL)
		return (0);
	fseek(f, 0, SEEK_END);
	len = ftell(f);
	rewind(f);
	data = xmalloc(len + 1);
	len = (long)fread(data, 1, len, f);
	fclose(f);
	found = memmem(data, len, needle, strlen(needle)) != NULL;
	free(data);
	return (found);
}

static void
test_redaction(void **state)
{
	static const char *secrets[] = {
		"sk-ant-api03-SECRETSECRETSECRET",
		"sk-proj-SECRETSECRETSECRET12",
		"AKIAABCDEFGHIJKLMNOP",
		"ghp_SECRETSECRETSECRETSECRET1234",
		"bearertokenSECRET123",
		"env-key-SECRET-99",
		"config-key-SECRET-42",
		"custom-SECRET-777",
		"headerSECRETvalue",
	};
	struct session		*s;
	struct config		 cfg;
	struct event		*evs;
	size_t			 n, i;
	char			*cause, *path, *wal, *text;

	setenv("OPENAI_API_KEY", "env-key-SECRET-99", 1);
	s = session_open(repo, NULL, &cause);
	unsetenv("OPENAI_API_KEY");
	assert_non_null(s);
	assert_int_equal(config_load_string(&cfg, "{\"api_key\": "
	    "\"config-key-SECRET-42\", \"redact\": "
	    "[\"custom-[A-Z]+-[0-9]+\"]}", &cause), 0);
	assert_int_equal(session_configure(s, &cfg, &cause), 0);
	config_release(&cfg);

	text = xasprintf("keys: %s %s %s %s Authorization: Bearer %s %s %s "
	    "%s", secrets[0], secrets[1], secrets[2], secrets[3], secrets[4],
	    secrets[5], secrets[6], secrets[7]);
	ev(s, EV_USER, json_pack("{s:s}", "text", text));
	ev(s, EV_REQUEST, json_pack("{s:s,s:s,s:{s:s}}", "model", "m", "body",
	    text, "headers", "x-api-key", secrets[8]));
	free(text);
	ev(s, EV_TOOL_RESULT, json_pack("{s:s,s:s}", "id", "t", "content",
	    "export ANTHROPIC_API_KEY=sk-ant-api03-SECRETSECRETSECRET"));
	assert_int_equal(session_read(s, 0, &evs, &n, &cause), 0);
	assert_int_equal(n, 3);
	text = json_dumps(evs[0].data, 0);
	assert_non_null(strstr(text, "keys: [REDACTED]"));
	assert_non_null(strstr(text, "Bearer [REDACTED]"));
	free(text);
	session_events_free(evs, n);
	session_close(s);

	path = session_db_path(repo, &cause);
	wal = xasprintf("%s-wal", path);
	for (i = 0; i < sizeof secrets / sizeof *secrets; i++) {
		assert_false(file_contains(path, secrets[i]));
		assert_false(file_contains(wal, secrets[i]));
	}
	assert_true(file_contains(wal, "[REDACTED]") ||
	    file_contains(path, "[REDACTED]"));
	free(wal);
	free(path);

	/* A bad pattern is reported; the others still apply. */
	s = session_open(repo, NULL, &cause);
	assert_int_equal(config_load_string(&cfg, "{\"redact\": [\"(\", "
	    "\"x{3}\"], \"session\": {\"log_bodies\": false}}", &cause), 0);
	assert_int_equal(session_configure(s, &cfg, &cause), -1);
	assert_non_null(strstr(cause, "offset"));
	free(cause);
	config_release(&cfg);
	ev(s, EV_REQUEST, json_pack("{s:s,s:s}", "model", "m", "body",
	    "xxx body text"));
	assert_int_equal(session_read(s, 0, &evs, &n, &cause), 0);
	assert_null(json_object_get(evs[0].data, "body"));
	session_events_free(evs, n);
	session_close(s);
}

static void
test_request_bodies(void **state)
{
	struct session		*s;
	struct event		*evs;
	struct buf		 b = BUF_INIT;
	size_t			 n, i;
	char			*cause, *sha;

	/* Growing bodies (each extends the last) come back exactly. */
	s = session_open(repo, NULL, &cause);
	assert_non_null(s);
	buf_adds(&b, "{\"messages\":[");
	for (i = 0; i < 80; i++) {
		buf_addf(&b, "{\"role\":\"user\",\"content\":\"turn %zu %0600d"
		    "\"},", i, 0);
		sha = xasprintf("sha%zu", i % 70);	/* some repeat */
		ev(s, EV_REQUEST, json_pack("{s:s,s:s%}", "body_sha256", sha,
		    "body", b.buf, b.len));
		free(sha);
	}
	assert_int_equal(session_read(s, 0, &evs, &n, &cause), 0);
	assert_int_equal(n, 80);
	buf_reset(&b);
	buf_adds(&b, "{\"messages\":[");
	for (i = 0; i < 80; i++) {
		buf_addf(&b, "{\"role\":\"user\",\"content\":\"turn %zu %0600d"
		    "\"},", i, 0);
		if (i < 70)
			assert_string_equal(json_string_value(
			    json_object_get(evs[i].data, "body")), b.buf);
	}
	/* Same sha: the first body stored under it is kept. */
	assert_int_equal(json_string_length(json_object_get(evs[75].data,
	    "body")), json_string_length(json_object_get(evs[5].data,
	    "body")));
	session_events_free(evs, n);
	session_close(s);
	buf_release(&b);
}

static void
test_list(void **state)
{
	struct session		*a, *b, *empty;
	struct session_summary	*list;
	size_t			 n, i;
	char			*cause;

	a = session_open(repo, NULL, &cause);
	script_turn(a, 1);
	ev(a, EV_SNAPSHOT, json_pack("{s:s}", "id", "s1"));
	b = session_open(repo, NULL, &cause);
	script_turn(b, 1);
	script_turn(b, 2);
	empty = session_open(repo, NULL, &cause);
	assert_int_equal(session_list(repo, &list, &n, &cause), 0);
	assert_int_equal(n, 2);
	for (i = 0; i < n; i++) {
		if (strcmp(list[i].id, session_id(b)) == 0) {
			assert_int_equal(list[i].turns, 2);
			assert_int_equal(list[i].events, 20);
			assert_int_equal(list[i].output_tokens, 80);
			assert_int_equal(list[i].input_tokens, 4 * 112);
			assert_string_equal(list[i].first_prompt,
			    "prompt 1");
		} else {
			assert_string_equal(list[i].id, session_id(a));
			/* Counted from its snapshot chain: none here. */
			assert_int_equal(list[i].snapshots, 0);
		}
		session_summary_release(&list[i]);
	}
	free(list);
	session_close(a);
	session_close(b);
	session_close(empty);
}

/* The tap sees each committed event in the JSONL form, without bodies. */
static void
tap_cb(void *arg, const char *session, const struct event *ev)
{
	json_t	*seen = arg;

	json_array_append_new(seen, event_json(session, ev));
}

static void
test_tap_and_fork_all(void **state)
{
	struct session	*s, *f;
	json_t		*seen = json_array(), *e;
	char		*cause;

	s = session_open(repo, NULL, &cause);
	assert_non_null(s);
	session_set_tap(s, tap_cb, seen);
	script_turn(s, 1);
	session_set_tap(s, NULL, NULL);
	ev(s, EV_USER, json_pack("{s:s}", "text", "untapped"));
	assert_int_equal(json_array_size(seen), 10);
	e = json_array_get(seen, 1);
	assert_string_equal(json_string_value(json_object_get(e, "session")),
	    session_id(s));
	assert_int_equal(json_integer_value(json_object_get(e, "seq")), 2);
	assert_string_equal(json_string_value(json_object_get(e, "type")),
	    "request");
	assert_true(json_integer_value(json_object_get(e, "time_ms")) > 0);
	assert_null(json_object_get(json_object_get(e, "data"), "body"));
	assert_null(json_object_get(json_object_get(e, "data"), "body_ref"));
	assert_string_equal(json_string_value(json_object_get(
	    json_object_get(e, "data"), "model")), "m");
	json_decref(seen);

	/* Fork at -1: everything, and the fork of a fork. */
	f = session_fork(s, -1, &cause);
	assert_non_null(f);
	assert_int_equal(session_last_seq(f), 11);
	session_close(s);
	s = session_fork(f, 5, &cause);
	assert_non_null(s);
	assert_int_equal(session_last_seq(s), 5);
	assert_string_equal(session_parent(s, NULL), session_id(f));
	session_close(s);
	session_close(f);
}

/*
 * Rows a newer agentos (an unknown kind) or a broken writer (members
 * missing, unreadable JSON) left: the iterator passes them through,
 * flagged, and a resume skips what it cannot use instead of crashing.
 */
static void
test_unknown_and_malformed(void **state)
{
	struct session		*s;
	struct session_iter	*it;
	const struct event	*e;
	struct conv		 c;
	struct session_state	 st;
	sqlite3			*db;
	char			*path, *cause = NULL, *id, *sql;
	int			 n = 0;

	s = session_open(repo, NULL, &cause);
	assert_non_null(s);
	script_turn(s, 1);
	id = xstrdup(session_id(s));
	session_close(s);
	path = session_db_path(repo, &cause);
	assert_int_equal(sqlite3_open(path, &db), SQLITE_OK);
	sql = xasprintf("INSERT INTO events VALUES ('%s', 11, 5000, "
	    "'budget_decision', '{\"spent\":3}');"
	    "INSERT INTO events VALUES ('%s', 12, 5001, 'user', "
	    "'{\"txt\":1}');"
	    "INSERT INTO events VALUES ('%s', 13, 5002, 'tool_result', "
	    "'{\"id\":');", id, id, id);
	assert_int_equal(sqlite3_exec(db, sql, NULL, NULL, NULL), SQLITE_OK);
	free(sql);
	sqlite3_close(db);
	free(path);

	s = session_open(repo, id, &cause);
	assert_non_null(s);
	it = session_iter_open(s, 10, 0, &cause);
	assert_non_null(it);
	while (session_iter_next(it, &e, &cause) == 1) {
		switch (n++) {
		case 0:
			assert_int_equal(e->seq, 11);
			assert_int_equal(e->type, EV_UNKNOWN);
			assert_string_equal(e->name, "budget_decision");
			assert_null(e->invalid);
			assert_int_equal(json_integer_value(json_object_get(
			    e->data, "spent")), 3);
			break;
		case 1:
			assert_int_equal(e->type, EV_USER);
			assert_non_null(e->invalid);
			assert_non_null(strstr(e->invalid, "text"));
			break;
		case 2:
			assert_int_equal(e->type, EV_TOOL_RESULT);
			assert_non_null(e->invalid);
			assert_non_null(json_object_get(e->data,
			    "unreadable"));
			break;
		}
	}
	session_iter_close(it);
	assert_int_equal(n, 3);

	conv_init(&c);
	assert_int_equal(session_load(s, &c, &st, &cause), 0);
	assert_int_equal(st.turns, 2);
	assert_int_equal(st.last_seq, 13);
	session_state_release(&st);
	conv_release(&c);
	session_close(s);
	free(id);
}

/* The mode bits of .git/agentos/name, or -1 when it is missing. */
static int
mode_of(const char *name)
{
	struct stat	 sb;
	char		*p = xasprintf("%s/.git/agentos/%s", repo, name);
	int		 m = -1;

	if (stat(p, &sb) == 0)
		m = sb.st_mode & 07777;
	free(p);
	return (m);
}

static void
test_private_files(void **state)
{
	struct session	*s;
	char		*cause = NULL, *dir, *db;
	mode_t		 old;
	int		 fd;

	(void)state;
	/* An older agentos left them world-readable; no umask helps. */
	old = umask(0);
	dir = xasprintf("%s/.git/agentos", repo);
	assert_int_equal(mkdir(dir, 0755), 0);
	db = xasprintf("%s/sessions.db", dir);
	fd = open(db, O_WRONLY | O_CREAT, 0644);
	assert_true(fd != -1);
	close(fd);
	s = session_open(repo, NULL, &cause);
	assert_non_null(s);
	ev(s, EV_USER, json_pack("{s:s}", "text", "secret"));
	assert_int_equal(mode_of(""), 0700);
	assert_int_equal(mode_of("sessions.db"), 0600);
	assert_int_equal(mode_of("sessions.db-wal"), 0600);
	assert_int_equal(mode_of("sessions.db-shm"), 0600);
	session_close(s);
	umask(old);
	free(db);
	free(dir);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_round_trip, setup,
		    teardown),
		cmocka_unit_test_setup_teardown(test_interrupted_tool, setup,
		    teardown),
		cmocka_unit_test_setup_teardown(test_half_response_discarded,
		    setup, teardown),
		cmocka_unit_test_setup_teardown(test_fork, setup, teardown),
		cmocka_unit_test_setup_teardown(test_migration, setup,
		    teardown),
		cmocka_unit_test_setup_teardown(test_redaction, setup,
		    teardown),
		cmocka_unit_test_setup_teardown(test_request_bodies, setup,
		    teardown),
		cmocka_unit_test_setup_teardown(test_list, setup, teardown),
		cmocka_unit_test_setup_teardown(test_unknown_and_malformed,
		    setup, teardown),
		cmocka_unit_test_setup_teardown(test_private_files, setup,
		    teardown),
		cmocka_unit_test_setup_teardown(test_tap_and_fork_all, setup,
		    teardown),
	};

	return (cmocka_run_group_tests(tests, NULL, NULL));
}
