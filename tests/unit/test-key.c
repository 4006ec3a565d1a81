/* test-key.c: input bytes to keys (xterm sequences, paste, mouse), names. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "agentos.h"
#include "ui.h"
#include "options.h"

struct got {
	key_code	keys[64];
	size_t		n;
	struct buf	paste;
	int		mb, mx, my, mpress;
};

static void
collect(void *arg, const struct key_event *ev)
{
	struct got	*g = arg;

	if (g->n < 64)
		g->keys[g->n++] = ev->key;
	if (ev->key == KEYC_PASTE)
		buf_add(&g->paste, ev->paste, ev->paste_len);
	if (ev->key == KEYC_MOUSE) {
		g->mb = ev->mouse_b;
		g->mx = ev->mouse_x;
		g->my = ev->mouse_y;
		g->mpress = ev->mouse_press;
	}
}

/* Feed s one byte at a time (the hardest split) or all at once. */
static void
feed(struct got *g, const char *s, size_t len, int bytewise)
{
	struct key_parser	*kp = key_parser_create();
	size_t			 i;

	memset(g, 0, sizeof *g);
	buf_init(&g->paste, 0);
	if (bytewise) {
		for (i = 0; i < len; i++)
			key_parser_feed(kp, s + i, 1, collect, g);
	} else
		key_parser_feed(kp, s, len, collect, g);
	key_parser_flush(kp, collect, g);
	key_parser_free(kp);
}

static void
test_sequences(void **state)
{
	static const char in[] =
	    "a\xc3\xa9\xe6\x97\xa5"		/* a é 日 */
	    "\033[A\033OB\033[1;5C\033[3~\033[5~\033[6~\033[Z"
	    "\r\n\033\r"			/* Enter, C-j, M-Enter */
	    "\033[13;2u\033[27;2;13~"		/* S-Enter two ways */
	    "\033z\033[1;3A\x7f\x03";		/* M-z, M-Up, BSpace, C-c */
	static const key_code want[] = {
		'a', 0xe9, 0x65e5, KEYC_UP, KEYC_DOWN,
		KEYC_RIGHT | KEYC_CTRL, KEYC_DC, KEYC_PPAGE, KEYC_NPAGE,
		KEYC_BTAB, '\r', '\n', '\r' | KEYC_META,
		'\r' | KEYC_SHIFT, '\r' | KEYC_SHIFT, 'z' | KEYC_META,
		KEYC_UP | KEYC_META, 0x7f, 3,
	};
	struct got	g;
	size_t		i;
	int		bytewise;

	for (bytewise = 0; bytewise < 2; bytewise++) {
		feed(&g, in, sizeof in - 1, bytewise);
		assert_int_equal(g.n, sizeof want / sizeof want[0]);
		for (i = 0; i < g.n; i++)
			assert_int_equal(g.keys[i], want[i]);
		buf_release(&g.paste);
	}
}

static void
test_escape_alone_and_twice(void **state)
{
	struct got	g;

	feed(&g, "\033", 1, 0);
	assert_int_equal(g.n, 1);
	assert_int_equal(g.keys[0], KEYC_ESCAPE);
	feed(&g, "\033\033", 2, 0);
	assert_int_equal(g.n, 2);
	assert_int_equal(g.keys[0], KEYC_ESCAPE);
	assert_int_equal(g.keys[1], KEYC_ESCAPE);
	buf_release(&g.paste);
}

static void
test_paste_and_mouse(void **state)
{
	static const char in[] = "x\033[200~line1\n\033[Aline2\033[201~y"
	    "\033[<64;10;5M\033[<0;3;4m";
	struct got	g;
	int		bytewise;

	for (bytewise = 0; bytewise < 2; bytewise++) {
		feed(&g, in, sizeof in - 1, bytewise);
		assert_int_equal(g.n, 5);
		assert_int_equal(g.keys[0], 'x');
		assert_int_equal(g.keys[1], KEYC_PASTE);
		assert_int_equal(g.keys[2], 'y');
		assert_int_equal(g.keys[3], KEYC_MOUSE);
		assert_int_equal(g.keys[4], KEYC_MOUSE);
		/* Sequences inside a paste are text, not keys. */
		assert_string_equal(g.paste.buf, "line1\n\033[Aline2");
		assert_int_equal(g.mb, 0);
		assert_int_equal(g.mx, 2);
		assert_int_equal(g.my, 3);
		assert_int_equal(g.mpress, 0);
		buf_release(&g.paste);
	}
}

static void
test_garbage_makes_progress(void **state)
{
	char		 junk[300];
	struct got	 g;
	size_t		 i;

	for (i = 0; i < sizeof junk; i++)
		junk[i] = (char)(i % 7 == 0 ? 0x1b : i * 13);
	feed(&g, junk, sizeof junk, 1);
	assert_true(g.n > 0);
	buf_release(&g.paste);
	/* An unterminated CSI longer than any real one is dropped. */
	memset(junk, '1', sizeof junk);
	junk[0] = '\033';
	junk[1] = '[';
	feed(&g, junk, sizeof junk, 0);
	assert_true(g.n >= 1);
	buf_release(&g.paste);
}

static void
test_names(void **state)
{
	char	*s;

	assert_int_equal(key_from_string("M-z"), 'z' | KEYC_META);
	assert_int_equal(key_from_string("C-r"), 0x12);
	assert_int_equal(key_from_string("S-Tab"), KEYC_BTAB);
	assert_int_equal(key_from_string("Enter"), '\r');
	assert_int_equal(key_from_string("S-Enter"), '\r' | KEYC_SHIFT);
	assert_int_equal(key_from_string("PageUp"), KEYC_PPAGE);
	assert_int_equal(key_from_string("M-Up"), KEYC_UP | KEYC_META);
	assert_int_equal(key_from_string("F5"), KEYC_F5);
	assert_int_equal(key_from_string("Q-x"), KEYC_UNKNOWN);
	assert_int_equal(key_from_string("xy"), KEYC_UNKNOWN);
	assert_int_equal(key_from_string(""), KEYC_UNKNOWN);
	s = key_to_string('z' | KEYC_META);
	assert_string_equal(s, "M-z");
	free(s);
	s = key_to_string(0x0f);
	assert_string_equal(s, "C-o");
	free(s);
	s = key_to_string(KEYC_BTAB);
	assert_string_equal(s, "S-Tab");
	free(s);
}

/* Every row parses, names are unique, and a mode's keys do not clash. */
static void
test_key_table_rows(void **state)
{
	const struct key_entry	*k, *o;
	key_code		 a[KEY_BIND_MAX], b[KEY_BIND_MAX];
	int			 na, nb, i, j;

	for (k = key_table; k->name != NULL; k++) {
		na = key_parse_list(k->key, a);
		if (na < 1)
			fail_msg("%s: default keys '%s'", k->name, k->key);
		assert_true((unsigned)k->mode < KEYM_COUNT);
		assert_true(k->action != KA_NONE);
		assert_non_null(k->help);
		assert_true(strlen(k->help) > 0);
		for (o = key_table; o < k; o++) {
			if (strcmp(o->name, k->name) == 0)
				fail_msg("%s: two rows", k->name);
			/*
			 * The main screen tries global, main and editor in
			 * turn: one key must not be in two of them either.
			 */
			if (o->mode != k->mode && !(o->mode <= KEYM_EDITOR &&
			    k->mode <= KEYM_EDITOR))
				continue;
			nb = key_parse_list(o->key, b);
			for (i = 0; i < na; i++) {
				for (j = 0; j < nb; j++) {
					/* Global C-c acts over views only. */
					if (a[i] == 3 && k->action ==
					    KA_ED_INTERRUPT &&
					    o->action == KA_CANCEL)
						continue;
					if (a[i] == b[j])
						fail_msg("%s and %s share %s",
						    o->name, k->name, k->key);
				}
			}
		}
	}
}

/* Lists of keys: parsing, printing, and what is not a list. */
static void
test_key_lists(void **state)
{
	key_code	 k[KEY_BIND_MAX];
	char		*s;

	assert_int_equal(key_parse_list("Left C-b", k), 2);
	assert_int_equal(k[0], KEYC_LEFT);
	assert_int_equal(k[1], 2);
	assert_int_equal(key_parse_list("none", k), 0);
	assert_int_equal(key_parse_list("", k), 0);
	assert_int_equal(key_parse_list("Left C-nokey", k), -1);
	assert_int_equal(key_parse_list("a b c d e", k), -1);
	k[0] = KEYC_HOME;
	k[1] = KEYC_UNKNOWN;
	k[2] = 1;
	s = key_list_string(k, 3);
	assert_string_equal(s, "Home C-a");
	free(s);
	k[0] = KEYC_UNKNOWN;
	s = key_list_string(k, 1);
	assert_string_equal(s, "none");
	free(s);
	s = key_hint_name(KEYC_ESCAPE);
	assert_string_equal(s, "Esc");
	free(s);
	s = key_hint(NULL, KEYM_PAGER, KA_PAGE_DOWN);
	assert_string_equal(s, "PgDn");
	free(s);
}

/* The defaults, every mode, and rebinding through the config. */
static void
test_key_table(void **state)
{
	const struct ui_options	*keys;
	struct config		 cfg;
	char			*cause = NULL, *s;

	assert_int_equal(key_lookup(NULL, KEYM_MAIN, 'z' | KEYC_META),
	    KA_REWIND);
	assert_int_equal(key_lookup(NULL, KEYM_GLOBAL, KEYC_BTAB),
	    KA_MODE_NEXT);
	assert_int_equal(key_lookup(NULL, KEYM_MAIN, 'q'), KA_NONE);
	assert_int_equal(key_lookup(NULL, KEYM_EDITOR, 'q'), KA_NONE);
	assert_int_equal(key_lookup(NULL, KEYM_EDITOR, '\r'), KA_ED_SEND);
	assert_int_equal(key_lookup(NULL, KEYM_EDITOR, '\n'), KA_ED_NEWLINE);
	assert_int_equal(key_lookup(NULL, KEYM_EDITOR, '\r' | KEYC_META),
	    KA_ED_NEWLINE);
	assert_int_equal(key_lookup(NULL, KEYM_EDITOR, '\r' | KEYC_SHIFT),
	    KA_ED_NEWLINE);
	assert_int_equal(key_lookup(NULL, KEYM_EDITOR, KEYC_LEFT), KA_ED_LEFT);
	assert_int_equal(key_lookup(NULL, KEYM_EDITOR, 2), KA_ED_LEFT);
	assert_int_equal(key_lookup(NULL, KEYM_EDITOR, 'b' | KEYC_META),
	    KA_ED_WORD_LEFT);
	assert_int_equal(key_lookup(NULL, KEYM_EDITOR, 0x7f | KEYC_META),
	    KA_ED_KILL_WORD);
	assert_int_equal(key_lookup(NULL, KEYM_EDITOR, 8), KA_ED_BACKSPACE);
	assert_int_equal(key_lookup(NULL, KEYM_EDITOR, KEYC_ESCAPE),
	    KA_ED_STOP);
	assert_int_equal(key_lookup(NULL, KEYM_APPROVAL, 'Y'), KA_AP_YES);
	assert_int_equal(key_lookup(NULL, KEYM_APPROVAL, ' '), KA_PAGE_DOWN);
	/* The note has Left but not C-b, as before the table. */
	assert_int_equal(key_lookup(NULL, KEYM_NOTE, 2), KA_NONE);
	assert_int_equal(key_lookup(NULL, KEYM_NOTE, '\r'), KA_ED_SEND);
	assert_int_equal(key_lookup(NULL, KEYM_TIMELINE, 'd'), KA_DIFF);
	assert_int_equal(key_lookup(NULL, KEYM_PAGER, '\r'), KA_LINE_DOWN);
	assert_int_equal(key_lookup(NULL, KEYM_PAGER, 'G'), KA_BOTTOM);
	assert_int_equal(key_lookup(NULL, KEYM_PICKER, 16), KA_LINE_UP);
	assert_int_equal(key_lookup(NULL, KEYM_PICKER, 'd'), KA_NONE);

	assert_int_equal(config_load_string(&cfg, "{\"keys\": {\"rewind\": "
	    "\"C-r\", \"editor-home\": \"C-x M-a\", \"pager-close\": \"x\", "
	    "\"approval-yes\": \"none\"}}", &cause), 0);
	keys = &options_get(&cfg)->ui;
	assert_int_equal(key_lookup(keys, KEYM_MAIN, 0x12), KA_REWIND);
	assert_int_equal(key_lookup(keys, KEYM_MAIN, 'z' | KEYC_META),
	    KA_NONE);
	assert_int_equal(key_lookup(keys, KEYM_EDITOR, 0x18), KA_ED_HOME);
	assert_int_equal(key_lookup(keys, KEYM_EDITOR, 'a' | KEYC_META),
	    KA_ED_HOME);
	assert_int_equal(key_lookup(keys, KEYM_EDITOR, KEYC_HOME), KA_NONE);
	assert_int_equal(key_lookup(keys, KEYM_EDITOR, 1), KA_NONE);
	assert_int_equal(key_lookup(keys, KEYM_PAGER, 'x'), KA_CLOSE);
	assert_int_equal(key_lookup(keys, KEYM_PAGER, 'q'), KA_NONE);
	/* The same key elsewhere keeps its own binding. */
	assert_int_equal(key_lookup(keys, KEYM_TIMELINE, 'q'), KA_CLOSE);
	assert_int_equal(key_lookup(keys, KEYM_APPROVAL, 'y'), KA_NONE);
	/* Hints follow the bindings. */
	s = key_hint(keys, KEYM_MAIN, KA_REWIND);
	assert_string_equal(s, "C-r");
	free(s);
	s = key_hint(keys, KEYM_PAGER, KA_CLOSE);
	assert_string_equal(s, "x");
	free(s);
	s = key_hint(keys, KEYM_APPROVAL, KA_AP_YES);
	assert_string_equal(s, "none");
	free(s);
	config_release(&cfg);

	/* A list with a bad name unbinds the row and is reported. */
	assert_int_equal(config_load_string(&cfg, "{\"keys\": "
	    "{\"editor-left\": \"Left C-nokey\"}}", &cause), 0);
	keys = &options_get(&cfg)->ui;
	assert_int_equal(key_lookup(keys, KEYM_EDITOR, KEYC_LEFT), KA_NONE);
	config_release(&cfg);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_sequences),
		cmocka_unit_test(test_escape_alone_and_twice),
		cmocka_unit_test(test_paste_and_mouse),
		cmocka_unit_test(test_garbage_makes_progress),
		cmocka_unit_test(test_names),
		cmocka_unit_test(test_key_table_rows),
		cmocka_unit_test(test_key_lists),
		cmocka_unit_test(test_key_table),
	};

	return (cmocka_run_group_tests(tests, NULL, NULL));
}
