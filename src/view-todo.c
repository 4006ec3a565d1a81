/*
 * view-todo.c: the model's todo list (todo_write, todo.h) above the status
 * bar, a few rows: the item in progress and those around it, done items
 * struck through in dim, the rest counted; "todo 2/5" in the status bar.
 * /todo hides or shows it.  The list is the last successful todo_write of
 * the conversation, so a resume, a fork or /clear shows the right one.
 */
#include <stdlib.h>
#include <string.h>

#include "agentos.h"
#include "ui.h"
#include "todo.h"
#include "banned.h"

#define TODO_ROWS	5	/* items shown at most */

void
view_todo_set(struct ui *ui, json_t *input)
{
	struct todo_list	 l;
	char			*cause = NULL;

	memset(&l, 0, sizeof l);
	if (todo_parse(input, &l, &cause) != 0) {
		free(cause);
		return;
	}
	if (ui->todo == NULL)
		ui->todo = xcalloc(1, sizeof *ui->todo);
	todo_list_release(ui->todo);
	*ui->todo = l;
	ui_redraw(ui);
}

void
view_todo_release(struct ui *ui)
{
	if (ui->todo == NULL)
		return;
	todo_list_release(ui->todo);
	free(ui->todo);
	ui->todo = NULL;
}

/* Whether the result of call id in conv (after message i) is an error. */
static int
view_todo_failed(const struct conv *conv, size_t i, const char *id)
{
	const struct block	*b;
	size_t			 j;

	for (; i < conv->nr; i++) {
		for (j = 0; j < conv->msgs[i].nr; j++) {
			b = &conv->msgs[i].blocks[j];
			if (b->type == BLOCK_TOOL_RESULT && b->id != NULL &&
			    strcmp(b->id, id) == 0)
				return (b->is_error);
		}
	}
	return (1);	/* never answered: it did not run */
}

void
view_todo_load(struct ui *ui, const struct conv *conv)
{
	const struct block	*b;
	size_t			 i, j;

	view_todo_release(ui);
	if (conv == NULL)
		return;
	for (i = conv->nr; i > 0; i--) {
		for (j = conv->msgs[i - 1].nr; j > 0; j--) {
			b = &conv->msgs[i - 1].blocks[j - 1];
			if (b->type != BLOCK_TOOL_USE || b->name == NULL ||
			    strcmp(b->name, "todo_write") != 0 ||
			    b->id == NULL || view_todo_failed(conv, i, b->id))
				continue;
			view_todo_set(ui, b->input);
			return;
		}
	}
}

int
view_todo_height(struct ui *ui)
{
	struct todo_list	*l = ui->todo;

	if (l == NULL || l->n == 0 || ui->todo_hidden)
		return (0);
	if (todo_count(l, TODO_COMPLETED) == l->n)
		return (1);	/* all done: the header only */
	return (1 + (int)(l->n < TODO_ROWS ? l->n : TODO_ROWS));
}

void
view_todo_draw(struct ui *ui, int y, int rows, int cols)
{
	struct todo_list	*l = ui->todo;
	struct todo_item	*t;
	struct buf		 b = BUF_INIT;
	size_t			 i, first = 0, last, done;
	int			 row = 0, sa, elem;

	if (l == NULL || rows <= 0)
		return;
	done = todo_count(l, TODO_COMPLETED);
	buf_addf(&b, "  Todo %zu/%zu%s", done, l->n, done == l->n ?
	    ": all done" : "");
	ui_draw_text(y + row++, 0, cols, b.buf, EL_HEADING, SA_BOLD);
	if (done == l->n)
		goto out;
	/* A window around the first item not done. */
	for (i = 0; i < l->n; i++)
		if (l->v[i].status != TODO_COMPLETED)
			break;
	first = i > 0 ? i - 1 : 0;
	if (first + TODO_ROWS > l->n)
		first = l->n > TODO_ROWS ? l->n - TODO_ROWS : 0;
	last = first + TODO_ROWS < l->n ? first + TODO_ROWS : l->n;
	for (i = first; i < last && row < rows; i++) {
		t = &l->v[i];
		buf_reset(&b);
		sa = 0;
		elem = EL_TEXT;
		switch (t->status) {
		case TODO_COMPLETED:
			buf_addf(&b, "  \xe2\x9c\x94 %s", t->content);
			sa = SA_DIM;
			elem = EL_NOTICE;
			break;
		case TODO_IN_PROGRESS:
			buf_addf(&b, "  \xe2\x96\xb6 %s", t->active_form !=
			    NULL ? t->active_form : t->content);
			sa = SA_BOLD;
			break;
		default:
			buf_addf(&b, "  \xe2\x98\x90 %s", t->content);
			break;
		}
		if (i + 1 == last && last < l->n)
			buf_addf(&b, "   (+%zu more)", l->n - last);
		/* One row each: the first line of the text. */
		b.buf[strcspn(b.buf, "\n")] = '\0';
		ui_draw_text(y + row++, 0, cols, b.buf, elem, sa);
	}
out:
	buf_release(&b);
}

void
view_todo_status(struct ui *ui, struct buf *b)
{
	struct todo_list	*l = ui->todo;

	if (l == NULL || l->n == 0)
		return;
	buf_addf(b, " \xe2\x94\x82 todo %zu/%zu", todo_count(l, TODO_COMPLETED),
	    l->n);
}
