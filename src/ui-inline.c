/*
 * ui-inline.c: the TUI without the alternate screen (ui.alt_screen false,
 * --no-alt-screen).  curses draws on the normal screen (smcup and rmcup are
 * never sent), and each finished transcript entry is printed into the
 * terminal's scrollback as it completes: the lines are written from the
 * top of the screen and scrolled off it by line feeds at the bottom row,
 * with the whole screen as the scroll region, so the terminal (tmux too)
 * keeps exactly them in its history; then curses repaints every line
 * (redrawwin(), never a clear, which tmux's scroll-on-clear would push
 * into the history as well).  At quit what was not printed yet follows.
 */
#include <curses.h>

#include <errno.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "agentos.h"
#include "ui.h"
/* After ui.h: term.h defines "lines" and other capability names. */
#include <term.h>
#include "banned.h"

/* Write len bytes of s to the terminal. */
static void
ui_inline_write(const char *s, size_t len)
{
	ssize_t	n;

	while (len > 0) {
		n = write(STDOUT_FILENO, s, len);
		if (n == -1 && errno == EINTR)
			continue;
		if (n <= 0)
			break;
		s += n;
		len -= n;
	}
}

/*
 * The cursor's row (1-based) from the terminal's answer to DSR 6, or 0
 * when none came within a moment (the tty is raw by now).
 */
static int
ui_inline_cursor_row(void)
{
	struct pollfd	 pfd = { .fd = STDIN_FILENO, .events = POLLIN };
	char		 b[32], *semi;
	size_t		 n = 0;
	ssize_t		 r;

	ui_inline_write("\033[6n", 4);
	while (n < sizeof b - 1 && poll(&pfd, 1, 300) == 1) {
		if ((r = read(STDIN_FILENO, b + n, 1)) != 1)
			break;
		if (b[n++] == 'R')
			break;
	}
	b[n] = '\0';
	if (n < 6 || b[0] != '\033' || b[1] != '[' || b[n - 1] != 'R' ||
	    (semi = strchr(b, ';')) == NULL)
		return (0);
	return (atoi(b + 2));
}

void
ui_inline_start(struct ui *ui)
{
	const char	*rmcup = exit_ca_mode;
	char		 seq[32];
	int		 row, i;

	ui->inline_mode = 1;
	/*
	 * newterm() has queued smcup in curses' own output buffer: send it
	 * (a refresh), then rmcup straight after, and drop both so that
	 * endwin() and a resume after C-z send neither.
	 */
	enter_ca_mode = NULL;
	exit_ca_mode = NULL;
	refresh();
	if (rmcup != NULL)
		ui_inline_write(rmcup, strlen(rmcup));
	/*
	 * What the shell left above the cursor goes to the scrollback
	 * first, so the screen curses takes over holds nothing of it.
	 */
	if ((row = ui_inline_cursor_row()) > 0 && row <= LINES) {
		xsnprintf(seq, sizeof seq, "\033[%d;1H", LINES);
		ui_inline_write(seq, strlen(seq));
		for (i = 0; i < row; i++)
			ui_inline_write("\n", 1);
	}
	redrawwin(stdscr);
}

/* Whether e is done changing (so it may go to the scrollback). */
static int
ui_inline_finished(struct ui *ui, struct tentry *e)
{
	if (e == ui->streaming || e == ui->thinking || e->provisional)
		return (0);
	if (e->type == TE_TOOL && (e->state == TS_NONE ||
	    e->state == TS_RUNNING))
		return (0);
	return (1);
}

/* Append the lines of the entries to print to b; how many lines. */
static int
ui_inline_lines(struct ui *ui, struct buf *b, int all, int width)
{
	const struct slines	*sl;
	struct tentry		*e;
	size_t			 i, j;
	int			 n = 0;

	for (i = 0; i < ui->nentries; i++) {
		e = ui->entries[i];
		if (e->inline_printed)
			continue;
		if (!all && !ui_inline_finished(ui, e))
			break;
		e->inline_printed = 1;
		sl = view_transcript_lines(ui, e, width);
		if (sl->nr == 0)
			continue;	/* an empty answer before a tool call */
		/* Blank lines as on the screen: none between tool calls. */
		if (ui->inline_any && !(e->type == TE_TOOL &&
		    ui->inline_last == TE_TOOL)) {
			buf_add(b, "\r\n", 2);
			n++;
		}
		ui->inline_any = 1;
		ui->inline_last = e->type;
		for (j = 0; j < sl->nr; j++) {
			buf_add(b, sl->v[j].text.buf, sl->v[j].text.len);
			buf_add(b, "\r\n", 2);
			n++;
		}
	}
	return (n);
}

void
ui_inline_flush(struct ui *ui)
{
	struct buf	 lb = BUF_INIT, out = BUF_INIT;
	int		 n, rows = ui->rows, push, i;

	if (!ui->inline_mode || !ui->started || rows < 2)
		return;
	if ((n = ui_inline_lines(ui, &lb, 0, ui->cols)) == 0) {
		buf_release(&lb);
		return;
	}
	/*
	 * Save the cursor, the whole screen as the scroll region, the lines
	 * from the top (erasing the old rows), then as many line feeds on
	 * the bottom row as printed lines are still on the screen.
	 */
	buf_adds(&out, "\0337\033[r\033[H");
	for (i = 0; i < (int)lb.len; i++) {
		if (i == 0 || lb.buf[i - 1] == '\n')
			buf_adds(&out, "\033[2K");
		buf_addch(&out, lb.buf[i]);
	}
	push = n < rows - 1 ? n : rows - 1;
	buf_addf(&out, "\033[%d;1H", rows);
	for (i = 0; i < push; i++)
		buf_addch(&out, '\n');
	buf_adds(&out, "\0338");
	ui_inline_write(out.buf, out.len);
	buf_release(&out);
	buf_release(&lb);
	/* Every row is stale now: repaint them all, without a clear. */
	redrawwin(stdscr);
}

void
ui_inline_repaint(struct ui *ui)
{
	if (ui->inline_mode)
		redrawwin(stdscr);
	else
		clearok(curscr, TRUE);
}

void
ui_inline_quit(struct ui *ui)
{
	struct buf	 lb = BUF_INIT, out = BUF_INIT;
	int		 i, width = ui->cols > 10 ? ui->cols : 80;

	if (!ui->inline_mode)
		return;
	/* The screen still shows the last frame: erase it row by row. */
	buf_adds(&out, "\033[r\033[H");
	for (i = 0; i < ui->rows; i++)
		buf_addf(&out, "\033[%d;1H\033[2K", i + 1);
	buf_adds(&out, "\033[H");
	ui_inline_lines(ui, &lb, 1, width);
	buf_add(&out, lb.buf, lb.len);
	ui_inline_write(out.buf, out.len);
	buf_release(&out);
	buf_release(&lb);
}
