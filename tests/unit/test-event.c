/* test-event.c: the table of event kinds: names, checks, pass-through. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "event.h"
#include "xmalloc.h"

/* A value of the type a field asks for. */
static json_t *
sample(enum event_ftype t)
{
	switch (t) {
	case EVF_STRING:
		return (json_string("x"));
	case EVF_INTEGER:
		return (json_integer(7));
	case EVF_BOOLEAN:
		return (json_true());
	case EVF_OBJECT:
		return (json_object());
	case EVF_ARRAY:
		return (json_array());
	case EVF_ANY:
		return (json_null());
	case EVF_NUMBER:
		return (json_real(0.5));
	}
	return (NULL);
}

/* A value of another type than t (NULL: every value fits). */
static json_t *
wrong(enum event_ftype t)
{
	if (t == EVF_ANY)
		return (NULL);
	return (t == EVF_STRING ? json_integer(1) : json_string("x"));
}

/* The data of a full event of type: every field of its row. */
static json_t *
full(enum event_type type)
{
	const struct event_field	*f;
	json_t				*o = json_object();

	for (f = event_table[type].fields; f->name != NULL; f++)
		json_object_set_new(o, f->name, sample(f->type));
	return (o);
}

static void
test_names(void **state)
{
	int	i, j;

	assert_string_equal(event_name(EV_UNKNOWN), "");
	assert_string_equal(event_name(EV__COUNT), "");
	assert_string_equal(event_name((enum event_type)-1), "");
	assert_int_equal(event_type_from_name(NULL), EV_UNKNOWN);
	assert_int_equal(event_type_from_name(""), EV_UNKNOWN);
	assert_int_equal(event_type_from_name("span_from_the_future"),
	    EV_UNKNOWN);
	for (i = 1; i < EV__COUNT; i++) {
		assert_non_null(event_table[i].name);
		assert_non_null(event_table[i].fields);
		assert_true(*event_table[i].name != '\0');
		assert_int_equal(event_type_from_name(event_name(i)), i);
		for (j = 1; j < i; j++)
			assert_string_not_equal(event_table[i].name,
			    event_table[j].name);
	}
	/* The public names (agentos(1), Event schema) never change. */
	assert_int_equal(event_type_from_name("user"), EV_USER);
	assert_int_equal(event_type_from_name("request"), EV_REQUEST);
	assert_int_equal(event_type_from_name("response"), EV_RESPONSE);
	assert_int_equal(event_type_from_name("tool_call"), EV_TOOL_CALL);
	assert_int_equal(event_type_from_name("approval"), EV_APPROVAL);
	assert_int_equal(event_type_from_name("snapshot"), EV_SNAPSHOT);
	assert_int_equal(event_type_from_name("tool_start"), EV_TOOL_START);
	assert_int_equal(event_type_from_name("tool_result"), EV_TOOL_RESULT);
	assert_int_equal(event_type_from_name("error"), EV_ERROR);
	assert_int_equal(event_type_from_name("retry"), EV_RETRY);
	assert_int_equal(event_type_from_name("compaction"), EV_COMPACTION);
	assert_int_equal(event_type_from_name("rewind"), EV_REWIND);
	assert_int_equal(event_type_from_name("turn_end"), EV_TURN_END);
}

/* Every row: a full event checks, packs, reads back and prints. */
static void
test_every_row_round_trips(void **state)
{
	struct event	 ev;
	json_t		*d, *j;
	char		*cause = NULL, *text;
	int		 i;

	for (i = 1; i < EV__COUNT; i++) {
		d = full(i);
		assert_int_equal(event_check(i, d, 1, &cause), 0);
		text = json_dumps(d, JSON_COMPACT);
		assert_non_null(text);
		event_init(&ev, event_name(i), i, 1000 + i,
		    json_loads(text, 0, NULL), NULL);
		free(text);
		assert_int_equal(ev.type, i);
		assert_string_equal(ev.name, event_name(i));
		assert_null(ev.invalid);
		assert_true(json_equal(ev.data, d));
		j = event_json("s1", &ev);
		assert_string_equal(json_string_value(json_object_get(j,
		    "session")), "s1");
		assert_int_equal(json_integer_value(json_object_get(j, "seq")),
		    i);
		assert_int_equal(json_integer_value(json_object_get(j,
		    "time_ms")), 1000 + i);
		assert_string_equal(json_string_value(json_object_get(j,
		    "type")), event_name(i));
		assert_true(json_equal(json_object_get(j, "data"), d));
		assert_int_equal(json_object_size(j), 5);
		json_decref(j);
		event_release(&ev);
		json_decref(d);
	}
}

/* A missing required member or a wrong type is caught, with its name. */
static void
test_malformed_rejected(void **state)
{
	const struct event_field	*f;
	struct event			 ev;
	json_t				*d, *w;
	char				*cause;
	int				 i;

	for (i = 1; i < EV__COUNT; i++) {
		for (f = event_table[i].fields; f->name != NULL; f++) {
			d = full(i);
			json_object_del(d, f->name);
			cause = NULL;
			if (f->flags & EVF_OPTIONAL)
				assert_int_equal(event_check(i, d, 1, &cause),
				    0);
			else {
				assert_int_equal(event_check(i, d, 0, &cause),
				    -1);
				assert_non_null(strstr(cause, f->name));
				free(cause);
			}
			if ((w = wrong(f->type)) != NULL) {
				json_object_set_new(d, f->name, w);
				assert_int_equal(event_check(i, d, 0, &cause),
				    -1);
				assert_non_null(strstr(cause, f->name));
				assert_non_null(strstr(cause,
				    event_table[i].name));
				free(cause);
			}
			json_decref(d);
		}
		/* Not an object at all. */
		d = json_string("user");
		assert_int_equal(event_check(i, d, 0, &cause), -1);
		free(cause);
		json_decref(d);
	}

	/* Readers flag the event, keep its data and go on. */
	event_init(&ev, "user", 3, 5, json_pack("{s:i}", "text", 1), NULL);
	assert_int_equal(ev.type, EV_USER);
	assert_non_null(ev.invalid);
	assert_non_null(strstr(ev.invalid, "text"));
	assert_int_equal(json_integer_value(json_object_get(ev.data, "text")),
	    1);
	event_release(&ev);

	/* Unreadable JSON: the reason stands in for the data. */
	event_init(&ev, "response", 4, 5, NULL, "end of file");
	assert_int_equal(ev.type, EV_RESPONSE);
	assert_non_null(ev.invalid);
	assert_string_equal(json_string_value(json_object_get(ev.data,
	    "unreadable")), "end of file");
	event_release(&ev);

	/* Nullable and optional members. */
	d = json_pack("{s:s,s:n,s:s,s:s}", "id", "1", "commit", "action", "a",
	    "tool_use_id", "t");
	assert_int_equal(event_check(EV_SNAPSHOT, d, 1, &cause), 0);
	json_decref(d);
	d = json_pack("{s:s,s:n}", "id", "1", "text");
	assert_int_equal(event_check(EV_USER, d, 0, &cause), -1);
	free(cause);
	json_decref(d);
}

/* Writers are strict about members a row lacks; readers are not. */
static void
test_extra_members(void **state)
{
	json_t	*d;
	char	*cause = NULL;

	d = json_pack("{s:s,s:i}", "text", "hi", "tokens", 3);
	assert_int_equal(event_check(EV_USER, d, 0, &cause), 0);
	assert_int_equal(event_check(EV_USER, d, 1, &cause), -1);
	assert_non_null(strstr(cause, "tokens"));
	free(cause);
	json_decref(d);

	d = event_pack(EV_TURN_END, "{s:s,s:s}", "stop_reason", "error",
	    "error", "overloaded");
	assert_string_equal(json_string_value(json_object_get(d, "error")),
	    "overloaded");
	json_decref(d);
	d = event_pack(EV_REWIND, "{s:s,s:s?}", "snapshot", "3", "before",
	    NULL);
	assert_true(json_is_null(json_object_get(d, "before")));
	json_decref(d);
}

/* A kind from a newer agentos: kept with its name, never rejected. */
static void
test_unknown_passes_through(void **state)
{
	struct event	 ev, copy;
	json_t		*j;

	event_init(&ev, "budget_decision", 9, 99, json_pack("{s:i,s:s}",
	    "spent", 12, "verdict", "go"), NULL);
	assert_int_equal(ev.type, EV_UNKNOWN);
	assert_string_equal(ev.name, "budget_decision");
	assert_null(ev.invalid);
	event_copy(&copy, &ev);
	event_release(&ev);
	j = event_json("s2", &copy);
	assert_string_equal(json_string_value(json_object_get(j, "type")),
	    "budget_decision");
	assert_int_equal(json_integer_value(json_object_get(json_object_get(
	    j, "data"), "spent")), 12);
	json_decref(j);
	event_release(&copy);

	/* No name at all. */
	event_init(&ev, NULL, 1, 1, json_object(), NULL);
	assert_int_equal(ev.type, EV_UNKNOWN);
	assert_string_equal(ev.name, "");
	event_release(&ev);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_names),
		cmocka_unit_test(test_every_row_round_trips),
		cmocka_unit_test(test_malformed_rejected),
		cmocka_unit_test(test_extra_members),
		cmocka_unit_test(test_unknown_passes_through),
	};

	return (cmocka_run_group_tests(tests, NULL, NULL));
}
