/* test-editor.c: the input editor: editing, UTF-8, layout, history, pastes. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <locale.h>
#include <stdint.h>
#include <stdlib.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>
#include <cmocka.h>

#include "agentos.h"
#include "ui.h"

static const char *
text(struct editor *p)
{
	return (editor_buffer(p, NULL));
}

static void
test_insert_and_edit(void **state)
{
	struct editor	*p = editor_create();

	assert_true(editor_empty(p));
	editor_insert(p, "hello world", 11);
	assert_int_equal(editor_caret(p), 11);
	assert_int_equal(editor_word_left(p), 0);
	assert_int_equal(editor_caret(p), 6);
	editor_insert(p, "big ", 4);
	assert_string_equal(text(p), "hello big world");
	assert_int_equal(editor_home(p), 0);
	assert_int_equal(editor_caret(p), 0);
	assert_int_equal(editor_left(p), -1);
	assert_int_equal(editor_backspace(p), -1);
	assert_int_equal(editor_delete(p), 0);
	assert_string_equal(text(p), "ello big world");
	assert_int_equal(editor_word_right(p), 0);
	assert_int_equal(editor_caret(p), 4);
	assert_int_equal(editor_kill_line(p), 0);
	assert_string_equal(text(p), "ello");
	assert_int_equal(editor_kill_word(p), 0);
	assert_string_equal(text(p), "");
	assert_int_equal(editor_kill_word(p), -1);

	/* C-u kills to the start of the line only. */
	editor_set(p, "one\ntwo three");
	assert_int_equal(editor_kill_start(p), 0);
	assert_string_equal(text(p), "one\n");
	assert_int_equal(editor_backspace(p), 0);
	assert_string_equal(text(p), "one");
	editor_free(p);
}

static void
test_utf8_and_combining(void **state)
{
	struct editor	*p = editor_create();

	/* "é" precomposed, then "e" + combining acute, then a CJK char. */
	editor_insert(p, "\xc3\xa9" "e\xcc\x81" "\xe6\x97\xa5", 8);
	assert_int_equal(editor_caret(p), 8);
	assert_int_equal(editor_left(p), 0);
	assert_int_equal(editor_caret(p), 5);
	assert_int_equal(editor_left(p), 0);
	assert_int_equal(editor_caret(p), 2);	/* before e + mark */
	assert_int_equal(editor_delete(p), 0);	/* removes both */
	assert_string_equal(text(p), "\xc3\xa9\xe6\x97\xa5");
	assert_int_equal(editor_backspace(p), 0);
	assert_string_equal(text(p), "\xe6\x97\xa5");

	/* Invalid bytes and control characters are not let in. */
	editor_clear(p);
	editor_insert(p, "a\xff" "b\x01" "c\r\nd", 8);
	assert_string_equal(text(p), "a\xef\xbf\xbd" "bc\nd");
	editor_free(p);
}

static void
test_layout_cursor_column(void **state)
{
	struct editor		*p = editor_create();
	struct editor_layout	 l;

	memset(&l, 0, sizeof l);
	/* Wide characters: 2 columns each; 5 in width 6 gives 3 rows. */
	editor_insert(p, "\xe6\x97\xa5\xe6\x97\xa5\xe6\x97\xa5\xe6\x97\xa5"
	    "\xe6\x97\xa5", 15);
	editor_layout(p, 6, &l);
	assert_int_equal(l.nrows, 2);
	assert_int_equal(l.rows[0].len, 9);
	assert_int_equal(l.cursor_row, 1);
	assert_int_equal(l.cursor_col, 4);

	/* A wide character never straddles the edge: width 5. */
	editor_layout(p, 5, &l);
	assert_int_equal(l.nrows, 3);
	assert_int_equal(l.rows[0].len, 6);
	assert_int_equal(l.cursor_row, 2);
	assert_int_equal(l.cursor_col, 2);

	/* Full last row: the caret goes to a new row. */
	editor_set(p, "abcd");
	editor_layout(p, 4, &l);
	assert_int_equal(l.nrows, 2);
	assert_int_equal(l.cursor_row, 1);
	assert_int_equal(l.cursor_col, 0);

	/* Newlines end rows; the caret is found in the middle. */
	editor_set(p, "ab\n\ncd");
	editor_left(p);
	editor_layout(p, 10, &l);
	assert_int_equal(l.nrows, 3);
	assert_int_equal(l.cursor_row, 2);
	assert_int_equal(l.cursor_col, 1);
	assert_int_equal(l.rows[1].len, 0);

	/* Up and down keep the column; -1 at the edges. */
	assert_int_equal(editor_down(p, 10), -1);
	assert_int_equal(editor_up(p, 10), 0);
	assert_int_equal(editor_caret(p), 3);
	assert_int_equal(editor_up(p, 10), 0);
	assert_int_equal(editor_caret(p), 0);
	assert_int_equal(editor_up(p, 10), -1);
	editor_end(p);
	assert_int_equal(editor_caret(p), 2);
	assert_int_equal(editor_down(p, 10), 0);
	assert_int_equal(editor_caret(p), 3);	/* the empty row */
	assert_int_equal(editor_down(p, 10), 0);
	assert_int_equal(editor_caret(p), 4);
	editor_layout_release(&l);
	editor_free(p);
}

static void
test_history(void **state)
{
	struct editor	*p = editor_create();

	assert_int_equal(editor_history_prev(p), -1);
	editor_history_add(p, "first");
	editor_history_add(p, "second");
	editor_history_add(p, "second");
	editor_set(p, "draft");
	assert_int_equal(editor_history_prev(p), 0);
	assert_string_equal(text(p), "second");
	assert_int_equal(editor_history_prev(p), 0);
	assert_string_equal(text(p), "first");
	assert_int_equal(editor_history_prev(p), -1);
	assert_int_equal(editor_history_next(p), 0);
	assert_string_equal(text(p), "second");
	assert_int_equal(editor_history_next(p), 0);
	assert_string_equal(text(p), "draft");
	assert_int_equal(editor_history_next(p), -1);
	editor_free(p);
}

static void
test_paste_placeholder(void **state)
{
	struct editor	*p = editor_create();
	struct buf	 big = BUF_INIT;
	char		*s, *want;
	int		 i;

	/* Small pastes go in as typed. */
	editor_paste(p, "a\nb", 3);
	assert_string_equal(text(p), "a\nb");
	editor_clear(p);

	for (i = 0; i < 120; i++)
		buf_addf(&big, "line %d\n", i);
	editor_insert(p, "see ", 4);
	editor_paste(p, big.buf, big.len);
	editor_insert(p, " and ", 5);
	editor_paste(p, big.buf, big.len);
	assert_string_equal(text(p), "see [pasted 120 lines] and "
	    "[pasted 120 lines #2]");
	s = editor_text(p);
	want = xasprintf("see %s and %s", big.buf, big.buf);
	assert_string_equal(s, want);
	free(s);
	free(want);

	/* Deleting a tag drops its paste. */
	editor_set(p, "nothing");
	s = editor_text(p);
	assert_string_equal(s, "nothing");
	free(s);
	buf_release(&big);
	editor_free(p);
}

static void
test_history_file(void **state)
{
	static const char *odd[] = { "plain", "two\nlines", "back\\slash",
	    "\\n not a newline", "trailing\\" };
	struct editor	*p = editor_create(), *q;
	char		 dir[] = "/tmp/test-editor.XXXXXX", *path, *e, *u, *cause;
	size_t		 i;
	FILE		*f;
	int		 n;

	for (i = 0; i < sizeof odd / sizeof odd[0]; i++) {
		e = editor_history_escape(odd[i]);
		assert_null(strchr(e, '\n'));
		u = editor_history_unescape(e, strlen(e));
		assert_string_equal(u, odd[i]);
		free(e);
		free(u);
	}
	e = editor_history_escape("cr\r");
	assert_string_equal(e, "cr\\r");
	u = editor_history_unescape(e, strlen(e));
	assert_string_equal(u, "cr\r");
	free(e);
	free(u);
	assert_non_null(mkdtemp(dir));
	path = xasprintf("%s/sub/history", dir);
	/* A missing file is an empty history. */
	assert_int_equal(editor_history_load(p, path, &cause), 0);
	assert_int_equal(editor_history_prev(p), -1);
	for (i = 0; i < sizeof odd / sizeof odd[0]; i++) {
		editor_history_add(p, odd[i]);
		assert_int_equal(editor_history_save(p, path, odd[i], &cause),
		    0);
	}
	q = editor_create();
	assert_int_equal(editor_history_load(q, path, &cause), 0);
	for (i = sizeof odd / sizeof odd[0]; i > 0; i--) {
		assert_int_equal(editor_history_prev(q), 0);
		assert_string_equal(editor_buffer(q, NULL), odd[i - 1]);
	}
	assert_int_equal(editor_history_prev(q), -1);
	editor_free(q);

	/* Past twice the cap, the file is rewritten with the newest. */
	for (i = 0; i < 2 * EDITOR_HISTORY_MAX; i++) {
		e = xasprintf("entry %zu", i);
		editor_history_add(p, e);
		assert_int_equal(editor_history_save(p, path, e, &cause), 0);
		free(e);
	}
	assert_non_null(f = fopen(path, "r"));
	for (n = 0; (i = fgetc(f)) != (size_t)EOF; )
		n += i == '\n';
	fclose(f);
	assert_true(n <= 2 * EDITOR_HISTORY_MAX);
	assert_true(n >= EDITOR_HISTORY_MAX);
	q = editor_create();
	assert_int_equal(editor_history_load(q, path, &cause), 0);
	assert_int_equal(editor_history_prev(q), 0);
	e = xasprintf("entry %d", 2 * EDITOR_HISTORY_MAX - 1);
	assert_string_equal(editor_buffer(q, NULL), e);
	free(e);
	editor_free(q);
	editor_free(p);
	unlink(path);
	free(path);
	path = xasprintf("%s/sub", dir);
	rmdir(path);
	free(path);
	rmdir(dir);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_insert_and_edit),
		cmocka_unit_test(test_utf8_and_combining),
		cmocka_unit_test(test_layout_cursor_column),
		cmocka_unit_test(test_history),
		cmocka_unit_test(test_history_file),
		cmocka_unit_test(test_paste_placeholder),
	};

	if (setlocale(LC_CTYPE, "C.UTF-8") == NULL)
		return (77);
	return (cmocka_run_group_tests(tests, NULL, NULL));
}
