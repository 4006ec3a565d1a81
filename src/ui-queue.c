/*
 * ui-queue.c: messages typed while a turn runs.  Enter queues them (shown
 * below the transcript as "queued"); when the turn ends they go to the
 * model as the next user message, joined in the order typed, as Claude
 * Code does.  A turn stopped by the user (Esc) or ended by an error keeps
 * the queue: Enter on an empty prompt sends it, Up takes the last one back
 * into the prompt to edit.
 */
#include <stdlib.h>
#include <string.h>

#include "agentos.h"
#include "ui.h"
#include "banned.h"

#define UI_QUEUE_ROWS	3	/* rows shown; more say "+N more" */

struct ui_queued {
	char	*text;		/* sent to the model, pastes expanded */
	char	*shown;		/* what the transcript shows */
};

static void	ui_queue_send(void *);

void
ui_queue_add(struct ui *ui, const char *text, const char *shown)
{
	struct ui_queued	*q;

	ALLOC_GROW(ui->queued, ui->nqueued + 1, ui->aqueued);
	q = &ui->queued[ui->nqueued++];
	q->text = xstrdup(text);
	q->shown = xstrdup(shown);
	ui_redraw(ui);
}

int
ui_queue_edit_last(struct ui *ui)
{
	struct ui_queued	*q;

	if (ui->nqueued == 0)
		return (-1);
	q = &ui->queued[--ui->nqueued];
	editor_set(ui->editor, q->text);
	free(q->text);
	free(q->shown);
	ui_redraw(ui);
	return (0);
}

/* Send the whole queue as one user message (from the loop). */
static void
ui_queue_send(void *arg)
{
	struct ui	*ui = arg;
	struct buf	 text = BUF_INIT, shown = BUF_INIT;
	size_t		 i;

	ui->queue_timer = NULL;
	if (ui->nqueued == 0 || ui->agent == NULL || agent_busy(ui->agent))
		return;
	for (i = 0; i < ui->nqueued; i++) {
		if (i > 0) {
			buf_adds(&text, "\n\n");
			buf_adds(&shown, "\n\n");
		}
		buf_adds(&text, ui->queued[i].text);
		buf_adds(&shown, ui->queued[i].shown);
		free(ui->queued[i].text);
		free(ui->queued[i].shown);
	}
	ui->nqueued = 0;
	/* Messages, never commands: a queued text went through them. */
	ui_submit_message(ui, text.buf, shown.buf);
	buf_release(&text);
	buf_release(&shown);
	ui_redraw(ui);
}

void
ui_queue_flush(struct ui *ui)
{
	if (ui->nqueued == 0 || ui->queue_timer != NULL)
		return;
	ui->queue_timer = loop_timer_add(0, ui_queue_send, ui);
}

void
ui_queue_turn_done(struct ui *ui, const char *error)
{
	char	*send, *up;

	if (ui->nqueued == 0)
		return;
	if (error == NULL) {
		ui_queue_flush(ui);
		return;
	}
	/* The keys as bound (the key table and "keys.*"). */
	send = ui_key_hint(ui, KEYM_EDITOR, KA_ED_SEND);
	up = ui_key_hint(ui, KEYM_EDITOR, KA_ED_UP);
	view_transcript_notice(ui, TE_NOTICE, "%zu queued message%s wait%s: "
	    "%s on an empty prompt sends %s, %s takes the last back to edit",
	    ui->nqueued, ui->nqueued == 1 ? "" : "s",
	    ui->nqueued == 1 ? "s" : "", send,
	    ui->nqueued == 1 ? "it" : "them", up);
	free(send);
	free(up);
}

int
ui_queue_height(struct ui *ui)
{
	if (ui->nqueued == 0)
		return (0);
	if (ui->nqueued > UI_QUEUE_ROWS)
		return (UI_QUEUE_ROWS + 1);
	return ((int)ui->nqueued);
}

void
ui_queue_draw(struct ui *ui, int y, int rows, int cols)
{
	struct buf	 b = BUF_INIT;
	size_t		 i, first = 0, n;
	const char	*s;
	int		 row = 0;

	if (ui->nqueued > UI_QUEUE_ROWS)
		first = ui->nqueued - UI_QUEUE_ROWS;
	if (first > 0 && row < rows) {
		buf_addf(&b, "  +%zu more queued", first);
		ui_draw_text(y + row++, 0, cols, b.buf, EL_NOTICE, SA_DIM);
	}
	for (i = first; i < ui->nqueued && row < rows; i++) {
		buf_reset(&b);
		s = ui->queued[i].shown;
		n = strcspn(s, "\n");
		buf_adds(&b, "  queued: ");
		buf_add(&b, s, n);
		if (s[n] != '\0')
			buf_adds(&b, " ...");
		ui_draw_text(y + row++, 0, cols, b.buf, EL_NOTICE, SA_DIM);
	}
	buf_release(&b);
}

void
ui_queue_release(struct ui *ui)
{
	size_t	i;

	loop_timer_cancel(ui->queue_timer);
	ui->queue_timer = NULL;
	for (i = 0; i < ui->nqueued; i++) {
		free(ui->queued[i].text);
		free(ui->queued[i].shown);
	}
	free(ui->queued);
	ui->queued = NULL;
	ui->nqueued = ui->aqueued = 0;
}
