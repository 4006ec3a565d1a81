/*
 * ui.c: the screen manager of the TUI: curses set-up and teardown, input
 * read from the terminal on the loop, SIGWINCH, redraw scheduling, the view
 * stack, the main key bindings and the agent's callbacks.
 *
 * curses only draws: agentos reads fd 0 itself (key.c), so input is one
 * more event on the libevent loop and nothing ever blocks in getch().  All
 * drawing happens in ui_frame(), run from a timer so that a burst of
 * streamed deltas becomes one frame; curses then sends only the cells that
 * changed (wnoutrefresh + doupdate), which is what keeps streaming free of
 * flicker.
 */
#include <sys/ioctl.h>
#include <sys/types.h>
#include <sys/wait.h>

#include <errno.h>
#include <fcntl.h>
#include <langinfo.h>
#include <locale.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <termios.h>
#include <unistd.h>

#include <curses.h>
#include <event2/event.h>

#include "agentos.h"
#include "ui.h"
#include "lsp.h"
#include "session.h"
#include "trust.h"
#include "snapshot.h"
#include "options.h"
#include "workspace.h"
#include "mcp.h"
#include "cmd-custom.h"
#include "banned.h"

#define UI_FRAME_MS	16	/* at most ~60 frames a second */
#define UI_ESC_MS	25	/* a lone ESC is Escape after this */
#define UI_SPIN_MS	100
#define UI_PROMPT_MAX	10	/* rows of the input editor */

/* Terminal modes agentos turns on, and off again at exit. */
/*
 * Bracketed paste, and xterm's modifyOtherKeys level 1 so that terminals
 * which can tell Shift-Enter from Enter say so (CSI 27;2;13~); level 1
 * leaves every key that has a usual encoding as it was.
 */
#define TERM_PASTE_ON	"\033[?2004h\033[>4;1m"
#define TERM_PASTE_OFF	"\033[>4m\033[?2004l"
#define TERM_MOUSE_ON	"\033[?1000h\033[?1006h"
#define TERM_MOUSE_OFF	"\033[?1006l\033[?1000l"

struct ui_restore;

static struct ui	*ui_current;	/* for the fatal hook */

static struct event	*ui_ev_input, *ui_ev_winch, *ui_ev_term, *ui_ev_hup,
			*ui_ev_cont;
static struct loop_timer *ui_frame_timer, *ui_esc_timer, *ui_spin_timer;
static uint64_t		 ui_last_frame;

static void	ui_term_start(struct ui *);
static void	ui_term_stop(struct ui *);
static void	ui_write(const char *);
static void	ui_frame(void *);
static void	ui_input(evutil_socket_t, short, void *);
static void	ui_esc_timeout(void *);
static void	ui_spin(void *);
static void	ui_signal(evutil_socket_t, short, void *);
static void	ui_resize(struct ui *);
static void	ui_key(void *, const struct key_event *);
static int	ui_key_main(struct ui *, const struct key_event *);
static int	ui_key_global(struct ui *, const struct key_event *);
static void	ui_cancel(struct ui *);
static void	ui_suspend(struct ui *);
static void	ui_exit_line(struct ui *);
static void	ui_busy_changed(struct ui *);
static void	ui_restore_run(struct ui *, struct ui_restore *, int);
static void	ui_restore_free(void *);
static void	ui_rewind_force(struct ui *, void *);
static void	ui_fork_ext(struct ui *, int, const char *);
static void	ui_mode_approval(struct ui *, struct view *);
static void	ui_resumed(struct ui *);
static void	ui_start_agent(struct ui *);
static void	ui_pick_done(struct ui *, const char *);
static void	ui_begin(struct ui *, int);
static void	ui_ask_trust(struct ui *, int);
static void	ui_trust_answer(struct ui *, int, void *);
static void	ui_trust_release(void *);
static void	ui_history_save(struct ui *, const char *);
static void	ui_shell(struct ui *, const char *, const char *);
static void	ui_external_edit(struct ui *);
static void	ui_print_transcript(struct ui *);
static void	ui_history_load(struct ui *);

static void	ui_cb_text(void *, const char *, size_t);
static void	ui_cb_thinking(void *, const char *, size_t);
static void	ui_cb_assistant_done(void *, const struct message *,
		    const struct usage *);
static void	ui_cb_approval(void *, struct tool_call *, const char *);
static void	ui_cb_tool_started(void *, struct tool_call *);
static void	ui_tool_diff(struct tentry *, struct tool_call *);
static void	ui_rewind_failed(struct ui *, struct ui_restore *,
		    const char *);
static void	ui_cb_tool_output(void *, struct tool_call *, const char *,
		    size_t);
static void	ui_cb_tool_finished(void *, struct tool_call *);
static void	ui_cb_tool_args(void *, const char *, const char *,
		    const char *, size_t);
static void	ui_tool_args_clear(struct ui *);
static void	ui_cb_snapshot(void *, const char *, const char *);
static void	ui_cb_notice(void *, const char *);
static void	ui_cb_compacted(void *, const char *, const char *);
static void	ui_cb_stream_reset(void *);
static void	ui_cb_progress(void *, const char *, size_t, size_t);
static void	ui_cb_hook(void *, const char *, const char *);
static void	ui_tool_diagnostics(struct ui *, struct tentry *,
		    struct tool_call *);
static void	ui_cb_lsp_changed(void *);
static void	ui_ask_snapshots(struct ui *);
static void	ui_snapshots_yes(struct ui *, void *);
static void	ui_cb_turn_done(void *, enum stop_reason, const char *);
static void	ui_cb_budget_ask(void *, const char *);
static void	ui_budget_answer(struct ui *, int, void *);
static void	ui_budget_release(void *);
static void	ui_cb_rerun_ask(void *, struct tool_call *, const char *);
static void	ui_rerun_answer(struct ui *, int, void *);
static void	ui_rerun_release(void *);
/* The rerun question while it shows: closed when the turn is over. */
static struct view	*ui_rerun_view;

static const struct agent_ui ui_agent_cb = {
	.text_delta = ui_cb_text,
	.thinking_delta = ui_cb_thinking,
	.assistant_done = ui_cb_assistant_done,
	.approval = ui_cb_approval,
	.rerun_ask = ui_cb_rerun_ask,
	.tool_started = ui_cb_tool_started,
	.tool_output = ui_cb_tool_output,
	.tool_args = ui_cb_tool_args,
	.tool_finished = ui_cb_tool_finished,
	.snapshot = ui_cb_snapshot,
	.notice = ui_cb_notice,
	.stream_reset = ui_cb_stream_reset,
	.progress = ui_cb_progress,
	.hook = ui_cb_hook,
	.turn_done = ui_cb_turn_done,
	.budget_ask = ui_cb_budget_ask,
	.compacted = ui_cb_compacted,
};

/* Write terminal control bytes straight to the terminal. */
static void
ui_write(const char *s)
{
	size_t	len = strlen(s);
	ssize_t	n;

	fflush(stdout);
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

/* Put the terminal in the modes the TUI runs in. */
static void
ui_term_start(struct ui *ui)
{
	raw();
	noecho();
	nonl();		/* Enter is \r, C-j is \n */
	intrflush(stdscr, FALSE);
	ui_write(TERM_PASTE_ON);
	if (ui->mouse)
		ui_write(TERM_MOUSE_ON);
}

/* Undo ui_term_start() and leave curses. */
static void
ui_term_stop(struct ui *ui)
{
	if (ui->mouse)
		ui_write(TERM_MOUSE_OFF);
	ui_write(TERM_PASTE_OFF);
	endwin();
}

void
ui_suspend_for_fatal(void)
{
	struct ui	*ui = ui_current;

	if (ui == NULL || !ui->started)
		return;
	ui->started = 0;
	ui_term_stop(ui);
}

/* fatalx() ends curses before it prints. */
static void
ui_fatal_hook(void)
{
	ui_suspend_for_fatal();
}

void
ui_redraw(struct ui *ui)
{
	uint64_t	now, wait = 0;

	if (ui_frame_timer != NULL || !ui->started)
		return;
	now = loop_now_ms();
	if (now - ui_last_frame < UI_FRAME_MS)
		wait = UI_FRAME_MS - (now - ui_last_frame);
	ui_frame_timer = loop_timer_add(wait, ui_frame, ui);
}

void
ui_cursor(struct ui *ui, int y, int x)
{
	ui->cursor_y = y;
	ui->cursor_x = x;
	ui->cursor_on = 1;
}

void
ui_draw_sline(int y, int x, int width, const struct sline *l,
    unsigned int extra)
{
	const struct span	*sp;
	const char		*s;
	uint32_t		 wc;
	size_t			 i, off, n;
	int			 col = 0, w;

	for (i = 0; i < l->nspans; i++) {
		sp = &l->spans[i];
		attrset(theme_attr_fg(sp->elem, sp->attr, sp->fg) | extra);
		s = l->text.buf + sp->off;
		if (l->width <= width) {
			mvaddnstr(y, x + col, s, sp->len);
			col += utf8_strwidth(s, sp->len);
			continue;
		}
		for (off = 0; off < sp->len; off += n) {
			n = utf8_decode(s + off, sp->len - off, &wc);
			w = utf8_width(wc);
			if (col + w > width)
				goto out;
			mvaddnstr(y, x + col, s + off, n);
			col += w;
		}
	}
out:
	attrset(A_NORMAL);
}

int
ui_draw_text(int y, int x, int width, const char *s, int elem, int sa)
{
	struct sline	l;
	int		w;

	memset(&l, 0, sizeof l);
	buf_init(&l.text, 0);
	sline_add(&l, s, strlen(s), elem, sa);
	ui_draw_sline(y, x, width, &l, 0);
	w = l.width < width ? l.width : width;
	buf_release(&l.text);
	free(l.spans);
	return (w);
}

void
ui_push(struct ui *ui, struct view *v)
{
	v->ui = ui;
	ALLOC_GROW(ui->views, ui->nviews + 1, ui->aviews);
	ui->views[ui->nviews++] = v;
	ui_redraw(ui);
}

void
ui_pop(struct ui *ui)
{
	struct view	*v;

	if (ui->nviews == 0)
		return;
	v = ui->views[--ui->nviews];
	v->ops->free(v);
	ui_redraw(ui);
}

void
ui_remove(struct ui *ui, struct view *v)
{
	size_t	i;

	for (i = 0; i < ui->nviews; i++) {
		if (ui->views[i] == v) {
			memmove(ui->views + i, ui->views + i + 1,
			    (ui->nviews - i - 1) * sizeof *ui->views);
			ui->nviews--;
			v->ops->free(v);
			break;
		}
	}
	ui_redraw(ui);
}

void
ui_close_views(struct ui *ui, const struct view_ops *ops)
{
	size_t	i = 0;

	while (i < ui->nviews) {
		if (ui->views[i]->ops == ops) {
			ui->views[i]->ops->free(ui->views[i]);
			memmove(ui->views + i, ui->views + i + 1,
			    (ui->nviews - i - 1) * sizeof *ui->views);
			ui->nviews--;
		} else
			i++;
	}
	ui_redraw(ui);
}

void
ui_quit(struct ui *ui)
{
	ui->quit = 1;
	loop_exit();
}

/* Draw one frame: transcript, status bar, prompt or views. */
static void
ui_frame(void *arg)
{
	struct ui		*ui = arg;
	struct view		*top = ui->nviews > 0 ?
				    ui->views[ui->nviews - 1] : NULL;
	struct editor_layout	 l;
	size_t			 i, first;
	int			 h, y, status_y, rows = ui->rows, cols = ui->cols;
	int			 q, mh, th;

	ui_frame_timer = NULL;
	ui_last_frame = loop_now_ms();
	if (!ui->started)
		return;
	ui_inline_flush(ui);
	erase();
	ui->cursor_on = 0;
	if (rows < 3 || cols < 10) {
		mvaddnstr(0, 0, "agentos: terminal too small", cols);
		goto out;
	}
	if (top != NULL && top->ops->fullscreen) {
		top->ops->draw(top, 0, rows - 1, cols);
		status_draw(ui, rows - 1, cols);
		goto out;
	}
	if (top != NULL) {
		h = top->ops->height(top, rows, cols);
		if (h > rows - 3)
			h = rows - 3;
		status_y = rows - h - 1;
		q = ui_queue_height(ui);
		if (q > status_y - 1)
			q = 0;
		th = view_todo_height(ui);
		if (th > status_y - q - 3)
			th = 0;
		view_transcript_draw(ui, 0, status_y - q - th, cols);
		view_todo_draw(ui, status_y - q - th, th, cols);
		ui_queue_draw(ui, status_y - q, q, cols);
		status_draw(ui, status_y, cols);
		top->ops->draw(top, status_y + 1, h, cols);
		goto out;
	}

	/* The input editor, as many rows as it needs up to a limit. */
	memset(&l, 0, sizeof l);
	editor_layout(ui->editor, cols - 2, &l);
	h = l.nrows > UI_PROMPT_MAX ? UI_PROMPT_MAX : (int)l.nrows;
	if (h > rows - 3)
		h = rows - 3;
	first = 0;
	if (l.cursor_row >= (size_t)h)
		first = l.cursor_row - h + 1;
	status_y = rows - h - 1;
	q = ui_queue_height(ui);
	if (q > status_y - 1)
		q = 0;
	mh = ui_mention_height(ui);
	if (mh > status_y - q - 1)
		mh = 0;
	th = view_todo_height(ui);
	if (th > status_y - q - mh - 3)
		th = 0;
	view_transcript_draw(ui, 0, status_y - q - mh - th, cols);
	view_todo_draw(ui, status_y - q - mh - th, th, cols);
	ui_queue_draw(ui, status_y - q - mh, q, cols);
	ui_mention_draw(ui, status_y - mh, mh, cols);
	status_draw(ui, status_y, cols);
	for (i = 0; i < (size_t)h && first + i < l.nrows; i++) {
		const char	*buf = editor_buffer(ui->editor, NULL);
		struct sline	 sl;

		y = status_y + 1 + i;
		ui_draw_text(y, 0, 2, first + i == 0 ? "> " : "  ", EL_PROMPT,
		    SA_BOLD);
		memset(&sl, 0, sizeof sl);
		buf_init(&sl.text, 0);
		sline_add(&sl, buf + l.rows[first + i].off,
		    l.rows[first + i].len, EL_PROMPT, 0);
		ui_draw_sline(y, 2, cols - 2, &sl, 0);
		buf_release(&sl.text);
		free(sl.spans);
	}
	if (editor_empty(ui->editor)) {
		char	*hint, *k1, *k2;

		if (ui->agent != NULL && agent_busy(ui->agent)) {
			k1 = ui_key_hint(ui, KEYM_EDITOR, KA_ED_STOP);
			k2 = ui_key_hint(ui, KEYM_EDITOR, KA_ED_SEND);
			hint = xasprintf("%s to stop; type ahead, %s queues "
			    "it for when the turn ends", k1, k2);
			free(k2);
			free(k1);
		} else {
			k1 = ui_key_hint(ui, KEYM_EDITOR, KA_ED_SEND);
			k2 = ui_key_hint(ui, KEYM_EDITOR, KA_ED_NEWLINE);
			hint = xasprintf("%s to send, %s for a new line, "
			    "/help for help", k1, k2);
			free(k1);
			free(k2);
		}
		ui_draw_text(status_y + 1, 2, cols - 2, hint, EL_NOTICE,
		    SA_DIM);
		free(hint);
	}
	ui_cursor(ui, status_y + 1 + (int)(l.cursor_row - first),
	    2 + l.cursor_col);
	editor_layout_release(&l);
out:
	if (ui->cursor_on) {
		move(ui->cursor_y, ui->cursor_x);
		curs_set(1);
	} else {
		curs_set(0);
		move(rows - 1, cols - 1);
	}
	wnoutrefresh(stdscr);
	doupdate();
}

/* The terminal size changed: tell curses, re-render at the new width. */
static void
ui_resize(struct ui *ui)
{
	struct winsize	ws;

	if (ioctl(STDOUT_FILENO, TIOCGWINSZ, &ws) == 0 && ws.ws_row > 0 &&
	    ws.ws_col > 0)
		resizeterm(ws.ws_row, ws.ws_col);
	ui->rows = LINES;
	ui->cols = COLS;
	view_transcript_invalidate(ui);
	/* Redraw everything: the terminal may have reflowed the screen. */
	ui_inline_repaint(ui);
	ui_redraw(ui);
}

static void
ui_signal(evutil_socket_t sig, short what, void *arg)
{
	struct ui	*ui = arg;

	switch (sig) {
	case SIGWINCH:
		ui_resize(ui);
		break;
	case SIGCONT:
		if (!ui->started) {
			ui->started = 1;
			refresh();
			ui_term_start(ui);
			ui_resize(ui);
		}
		break;
	default:
		ui_quit(ui);
		break;
	}
}

/* C-z: give the terminal back and stop, as a shell job. */
static void
ui_suspend(struct ui *ui)
{
	ui->started = 0;
	ui_term_stop(ui);
	kill(getpid(), SIGTSTP);
}

/*
 * C-g: edit the prompt in $VISUAL or $EDITOR (vi when neither is set).
 * The terminal is given to the editor, as for C-z, and taken back when it
 * exits; the loop waits meanwhile.  What the file holds then (less one
 * final newline) becomes the prompt; a failed editor leaves it as it was.
 */
static void
ui_external_edit(struct ui *ui)
{
	const char	*ed = getenv("VISUAL"), *tmpdir = getenv("TMPDIR");
	struct buf	 b = BUF_INIT;
	char		*path, *text, *cmd, tmp[4096];
	ssize_t		 n;
	pid_t		 pid;
	int		 fd, status = -1;

	if (ed == NULL || *ed == '\0')
		ed = getenv("EDITOR");
	if (ed == NULL || *ed == '\0')
		ed = "vi";
	path = xasprintf("%s/agentos-prompt-XXXXXX.md", tmpdir != NULL &&
	    *tmpdir == '/' ? tmpdir : "/tmp");
	if ((fd = mkstemps(path, 3)) == -1) {
		view_transcript_notice(ui, TE_ERROR, "editor: %s: %s", path,
		    strerror(errno));
		free(path);
		return;
	}
	/* A text file ends with a newline, as editors expect. */
	text = editor_text(ui->editor);
	buf_adds(&b, text);
	if (b.len > 0 && b.buf[b.len - 1] != '\n')
		buf_addch(&b, '\n');
	n = write(fd, b.buf, b.len);
	if (n != (ssize_t)b.len) {
		view_transcript_notice(ui, TE_ERROR, "editor: cannot write "
		    "%s", path);
		goto out;
	}
	close(fd);
	fd = -1;
	cmd = xasprintf("%s \"$1\"", ed);
	ui->started = 0;
	ui_term_stop(ui);
	if ((pid = fork()) == 0) {
		execl("/bin/sh", "sh", "-c", cmd, "sh", path, (char *)NULL);
		_exit(127);
	}
	while (pid > 0 && waitpid(pid, &status, 0) == -1 && errno == EINTR)
		;
	free(cmd);
	ui->started = 1;
	refresh();
	ui_term_start(ui);
	ui_resize(ui);
	if (pid == -1 || !WIFEXITED(status) || WEXITSTATUS(status) != 0) {
		view_transcript_notice(ui, TE_ERROR, "editor: %s %s %d; the "
		    "prompt is unchanged", ed,
		    pid != -1 && WIFSIGNALED(status) ?
		    "was killed by signal" : "exited", pid == -1 ? -1 :
		    WIFSIGNALED(status) ? WTERMSIG(status) :
		    WEXITSTATUS(status));
		goto out;
	}
	if ((fd = open(path, O_RDONLY | O_NOFOLLOW | O_CLOEXEC)) == -1)
		goto out;
	buf_reset(&b);
	while ((n = read(fd, tmp, sizeof tmp)) > 0 && b.len < 1024 * 1024)
		buf_add(&b, tmp, n);
	if (b.len > 0 && b.buf[b.len - 1] == '\n')
		buf_setlen(&b, b.len - 1);
	editor_set(ui->editor, b.buf);
out:
	if (fd != -1)
		close(fd);
	unlink(path);
	free(path);
	free(text);
	buf_release(&b);
	ui_redraw(ui);
}

/* Terminal input: feed the key parser; a lone ESC waits a moment. */
static void
ui_input(evutil_socket_t fd, short what, void *arg)
{
	struct ui	*ui = arg;
	char		 in[4096];
	ssize_t		 n;

	n = read(fd, in, sizeof in);
	if (n == -1 && (errno == EINTR || errno == EAGAIN))
		return;
	if (n <= 0) {
		/* The terminal went away. */
		ui_quit(ui);
		return;
	}
	loop_timer_cancel(ui_esc_timer);
	ui_esc_timer = NULL;
	if (key_parser_feed(ui->kp, in, n, ui_key, ui))
		ui_esc_timer = loop_timer_add(UI_ESC_MS, ui_esc_timeout, ui);
}

static void
ui_esc_timeout(void *arg)
{
	struct ui	*ui = arg;

	ui_esc_timer = NULL;
	key_parser_flush(ui->kp, ui_key, ui);
}

/* Animate the busy indicator while a turn runs. */
static void
ui_spin(void *arg)
{
	struct ui	*ui = arg;

	ui_spin_timer = NULL;
	if (ui->agent == NULL || !agent_busy(ui->agent))
		return;
	ui->spin++;
	ui_redraw(ui);
	ui_spin_timer = loop_timer_add(UI_SPIN_MS, ui_spin, ui);
}

/* Start the spinner if a turn runs and it is not going yet. */
static void
ui_busy_changed(struct ui *ui)
{
	if (ui_spin_timer == NULL && ui->agent != NULL &&
	    agent_busy(ui->agent))
		ui_spin_timer = loop_timer_add(UI_SPIN_MS, ui_spin, ui);
}

/* Stop the turn: the request, the tool, or the approval. */
static void
ui_cancel(struct ui *ui)
{
	size_t	i;

	if (ui->agent == NULL || !agent_busy(ui->agent))
		return;
	/* What was streamed stays on the screen: the user saw it. */
	for (i = 0; i < ui->nentries; i++)
		ui->entries[i]->provisional = 0;
	agent_cancel(ui->agent);
	ui_close_views(ui, &view_approval_ops);
	ui_redraw(ui);
}

/* What a restore puts back, carried through a question. */
struct ui_restore {
	char	*id;		/* NULL: before the last agent change */
	int	 turn;		/* the prompt the snapshot belongs to */
	int	 what;		/* UI_RESTORE_* */
};

static void
ui_restore_free(void *arg)
{
	struct ui_restore	*r = arg;

	if (r == NULL)
		return;
	free(r->id);
	free(r);
}

/*
 * Restore the files, then (or only) the conversation; on a refusal over
 * hand edits, ask and force.  Takes r.
 */
static void
ui_restore_run(struct ui *ui, struct ui_restore *r, int flags)
{
	char	*msg = NULL, *cause = NULL, *q;
	int	 ok = 1;

	if (ui->agent == NULL) {
		view_transcript_notice(ui, TE_ERROR, "nothing to rewind");
		ui_restore_free(r);
		return;
	}
	if (r->what & UI_RESTORE_FILES) {
		if (agent_rewind(ui->agent, r->id, flags, &msg, &cause) == 0)
			ui_snapshots_changed(ui);
		else if (!(flags & SNAPSHOT_RESTORE_FORCE) && cause != NULL &&
		    strstr(cause, "hand edits would be lost") != NULL) {
			q = xasprintf("%s; y to %s anyway (the present "
			    "state is snapshotted first, so this can be "
			    "undone too).", cause, r->id != NULL ?
			    "restore" : "rewind");
			ui_push(ui, view_confirm_create(ui, q, ui_rewind_force,
			    ui_restore_free, r));
			free(q);
			free(cause);
			return;
		} else {
			ui_rewind_failed(ui, r, cause);
			ok = 0;
		}
		free(cause);
	}
	if (ok && (r->what & UI_RESTORE_CONV))
		ui_fork_ext(ui, r->turn, msg);
	else if (msg != NULL)
		view_transcript_notice(ui, TE_NOTICE, "%s", msg);
	free(msg);
	ui_restore_free(r);
	status_update_branch(ui);
	ui->scroll = 0;
	ui_redraw(ui);
}

/*
 * A rewind failed.  Right after /clear the new session has no snapshot of
 * its own: say that the previous session's changes are one /resume away.
 */
static void
ui_rewind_failed(struct ui *ui, struct ui_restore *r, const char *cause)
{
	const char	*sid = agent_session_id(ui->agent);
	char		*key;

	if (r->id != NULL || ui->nsnapshots != 0 || ui->cleared_from == NULL ||
	    (sid != NULL && strcmp(sid, ui->cleared_from) == 0)) {
		view_transcript_notice(ui, TE_ERROR, "rewind: %s", cause);
		return;
	}
	key = ui_key_hint(ui, KEYM_MAIN, KA_REWIND);
	view_transcript_notice(ui, TE_ERROR, "rewind: %s: this conversation "
	    "(after /clear) has made no change yet. The changes of the "
	    "previous session are reached with /resume %s, then %s.", cause,
	    ui->cleared_from, key);
	free(key);
}

/* The user confirmed overwriting hand edits. */
static void
ui_rewind_force(struct ui *ui, void *arg)
{
	ui_restore_run(ui, arg, SNAPSHOT_RESTORE_FORCE);
}

void
ui_restore(struct ui *ui, const char *id, int turn, int what)
{
	struct ui_restore	*r = xcalloc(1, sizeof *r);

	r->id = id != NULL ? xstrdup(id) : NULL;
	r->turn = turn;
	r->what = what;
	ui_restore_run(ui, r, 0);
}

void
ui_rewind(struct ui *ui, const char *id)
{
	ui_restore(ui, id, 0, UI_RESTORE_FILES);
}

void
ui_rewind_last(struct ui *ui)
{
	ui_restore(ui, NULL, 0, UI_RESTORE_FILES);
}

void
ui_snapshots_changed(struct ui *ui)
{
	struct snapshot_store	*st;

	ui->nsnapshots = 0;
	if (ui->agent == NULL ||
	    (st = workspace_snapshots(agent_workspace(ui->agent))) == NULL)
		return;
	ui->nsnapshots = (size_t)snapshot_count(st, NULL);
	ui_redraw(ui);
}

/*
 * Fork (turn 0: keep everything; k: before the k-th prompt) and say so;
 * before (may be NULL) is what a files restore did just before.
 */
static void
ui_fork_ext(struct ui *ui, int turn, const char *before)
{
	char	*parent, *cause = NULL, *prompt;

	if (ui->agent == NULL) {
		view_transcript_notice(ui, TE_ERROR, "fork: the agent did not "
		    "start");
		return;
	}
	parent = xstrdup(agent_session_id(ui->agent));
	prompt = turn > 0 ? agent_prompt_text(ui->agent, turn) : NULL;
	if (agent_fork(ui->agent, turn, &cause) != 0) {
		if (before != NULL)
			view_transcript_notice(ui, TE_NOTICE, "%s", before);
		view_transcript_notice(ui, TE_ERROR, "%s: %s", turn == 0 ?
		    "fork" : "conversation rewind", cause);
		free(cause);
		free(parent);
		free(prompt);
		return;
	}
	if (turn == 0) {
		view_transcript_notice(ui, TE_NOTICE, "Forked: the "
		    "conversation goes on in new session %s; its parent %s "
		    "stays as it was (/resume goes back to it).",
		    agent_session_id(ui->agent), parent);
	} else {
		view_transcript_clear(ui);
		view_transcript_load(ui, agent_conv(ui->agent));
		view_todo_load(ui, agent_conv(ui->agent));
		if (before != NULL)
			view_transcript_notice(ui, TE_NOTICE, "%s", before);
		view_transcript_notice(ui, TE_NOTICE, "Rewound the "
		    "conversation to before prompt %d: it goes on in new "
		    "session %s, forked from %s, which stays as it was "
		    "(/resume goes back to it).", turn,
		    agent_session_id(ui->agent), parent);
		/* The prompt rewound goes back in the input, to edit. */
		if (prompt != NULL && editor_empty(ui->editor)) {
			editor_set(ui->editor, prompt);
			view_transcript_notice(ui, TE_NOTICE, "Prompt %d is "
			    "back in the input: edit it and send it again.",
			    turn);
		}
	}
	free(prompt);
	free(parent);
	ui_snapshots_changed(ui);
	ui->scroll = 0;
	ui_redraw(ui);
}

void
ui_fork(struct ui *ui, int turn)
{
	ui_fork_ext(ui, turn, NULL);
}

/*
 * Say that a session was resumed; an interrupted turn goes on at once (a
 * tool call cut short was reported to the model as interrupted).
 */
static void
ui_resumed(struct ui *ui)
{
	const struct agent_stats	*st = agent_stats(ui->agent);
	char				*cause = NULL, *stop;
	int				 interrupted = 0;

	agent_resumed(ui->agent, &interrupted);
	view_todo_load(ui, agent_conv(ui->agent));
	view_transcript_notice(ui, TE_NOTICE, "Resumed session %s: %d "
	    "prompt%s.", agent_session_id(ui->agent), st->turns,
	    st->turns == 1 ? "" : "s");
	ui_snapshots_changed(ui);
	if (!interrupted)
		return;
	stop = ui_key_hint(ui, KEYM_EDITOR, KA_ED_STOP);
	view_transcript_notice(ui, TE_NOTICE, "The last turn was cut short; "
	    "continuing it (%s stops).", stop);
	free(stop);
	if (agent_continue(ui->agent, &cause) != 0) {
		view_transcript_notice(ui, TE_ERROR, "continue: %s", cause);
		free(cause);
	}
	ui_busy_changed(ui);
}

void
ui_resume(struct ui *ui, const char *id)
{
	char	*cause = NULL;

	if (ui->agent == NULL) {
		view_transcript_notice(ui, TE_ERROR, "resume: the agent did "
		    "not start");
		return;
	}
	if (agent_switch(ui->agent, id, &cause) != 0) {
		view_transcript_notice(ui, TE_ERROR, "resume: %s", cause);
		free(cause);
		return;
	}
	view_transcript_clear(ui);
	clearok(curscr, TRUE);
	view_transcript_load(ui, agent_conv(ui->agent));
	ui_resumed(ui);
	ui_redraw(ui);
}

void
ui_clear(struct ui *ui)
{
	char	*old, *cause = NULL;

	if (ui->agent != NULL && agent_busy(ui->agent)) {
		old = ui_key_hint(ui, KEYM_EDITOR, KA_ED_STOP);
		view_transcript_notice(ui, TE_ERROR, "clear: a turn is "
		    "running; %s stops it first", old);
		free(old);
		return;
	}
	clearok(curscr, TRUE);
	if (ui->agent == NULL || agent_conv(ui->agent)->nr == 0) {
		view_transcript_clear(ui);
		view_transcript_notice(ui, TE_NOTICE, "Cleared the screen.");
		return;
	}
	old = xstrdup(agent_session_id(ui->agent));
	if (agent_switch(ui->agent, NULL, &cause) != 0) {
		view_transcript_notice(ui, TE_ERROR, "clear: %s", cause);
		free(cause);
		free(old);
		return;
	}
	view_transcript_clear(ui);
	view_todo_release(ui);
	view_transcript_notice(ui, TE_NOTICE, "Cleared: a new conversation "
	    "starts (session %s). The previous one, %s, can be resumed with "
	    "/resume.", agent_session_id(ui->agent), old);
	free(ui->cleared_from);
	ui->cleared_from = old;
	ui_snapshots_changed(ui);
}

/* The user agreed to snapshot a home directory or a huge tree. */
static void
ui_snapshots_yes(struct ui *ui, void *arg)
{
	char	*cause = NULL;

	if (workspace_confirm_snapshots(agent_workspace(ui->agent),
	    &cause) != 0) {
		view_transcript_notice(ui, TE_ERROR, "snapshots are still "
		    "off: %s", cause);
		free(cause);
		return;
	}
	view_transcript_add(ui, TE_NOTICE, "Snapshots are on: every change "
	    "the agent makes can be rewound.");
	ui_snapshots_changed(ui);
}

/*
 * Snapshots wait for a confirmation: ask once at start.  Saying no leaves
 * them off, and with them every change to files (fail closed).
 */
static void
ui_ask_snapshots(struct ui *ui)
{
	const char	*why;
	char		*q;

	if ((why = workspace_snapshots_unconfirmed(
	    agent_workspace(ui->agent))) == NULL)
		return;
	q = xasprintf("Snapshots are off, %s. Snapshot it anyway? Without "
	    "snapshots the agent changes no file (it could not be undone).",
	    why);
	ui_push(ui, view_confirm_create(ui, q, ui_snapshots_yes, NULL,
	    NULL));
	free(q);
}

/* --- mcp: an MCP server asks the user for input: show its form. */
static void
ui_cb_mcp_elicit(void *arg, struct mcp_elicit *e)
{
	struct ui	*ui = arg;

	ui_push(ui, view_elicit_create(ui, e));
	ui_redraw(ui);
}
/* --- end mcp */

/* Create the agent (cfg->resume: resuming) and show what it resumed. */
static void
ui_start_agent(struct ui *ui)
{
	char	*cause = NULL;

	ui->agent = agent_create(ui->root, ui->cwd, ui->cfg, 0, &ui_agent_cb,
	    ui, &cause);
	if (ui->agent == NULL && ui->cfg->resume != NULL) {
		view_transcript_notice(ui, TE_ERROR, "cannot resume: %s; "
		    "starting a new session", cause);
		free(cause);
		cause = NULL;
		ui->cfg->resume = NULL;
		ui->agent = agent_create(ui->root, ui->cwd, ui->cfg, 0,
		    &ui_agent_cb, ui, &cause);
	}
	if (ui->agent == NULL) {
		view_transcript_notice(ui, TE_ERROR, "the agent could not "
		    "start: %s", cause != NULL ? cause : "unknown error");
		free(cause);
		return;
	}
	if (workspace_lsp(agent_workspace(ui->agent)) != NULL)
		lsp_set_change_cb(workspace_lsp(agent_workspace(ui->agent)),
		    ui_cb_lsp_changed, ui);
	/* --- mcp: a server's elicitation is a form (view-elicit.c) */
	if (workspace_mcp(agent_workspace(ui->agent)) != NULL)
		mcp_set_elicit_cb(workspace_mcp(agent_workspace(ui->agent)),
		    ui_cb_mcp_elicit, ui);
	/* --- end mcp */
	ui_ask_snapshots(ui);
	if (agent_resumed(ui->agent, NULL)) {
		view_transcript_load(ui, agent_conv(ui->agent));
		ui_resumed(ui);
	} else
		ui_snapshots_changed(ui);
	ui_redraw(ui);
}

/* The start-up picker closed: resume id, or a new session (NULL). */
static void
ui_pick_done(struct ui *ui, const char *id)
{
	free(ui->resume_id);
	ui->resume_id = id != NULL ? xstrdup(id) : NULL;
	ui->cfg->resume = ui->resume_id;
	ui_start_agent(ui);
	if (!config_provider_configured(ui->cfg))
		view_transcript_add(ui, TE_ERROR, config_provider_help());
}

/*
 * The mode changed while view v is up: an approval whose call the new mode
 * allows (an edit in accept-edits, anything in bypass) is approved.
 */
static void
ui_mode_approval(struct ui *ui, struct view *v)
{
	struct tool_call	*tc;
	enum perm_mode		 mode;
	char			*why = NULL;
	int			 allow;

	if ((tc = view_approval_call(v)) == NULL)
		return;
	mode = perm_get_mode(agent_perm(ui->agent));
	allow = perm_check(agent_perm(ui->agent), tc->name, &tc->effects,
	    &why) == PERM_ALLOW;
	free(why);
	/* An unsandboxed command is asked about in every mode but bypass. */
	if (allow && (tc->effects.flags & EFFECT_EXEC) && mode != PERM_BYPASS &&
	    !workspace_sandboxed(agent_workspace(ui->agent)))
		allow = 0;
	if (!allow)
		return;
	view_transcript_notice(ui, TE_NOTICE, "Mode %s: the %s call on "
	    "screen is approved.", perm_mode_name(mode), tc->name);
	view_approval_accept(v);
}

void
ui_mode_next(struct ui *ui)
{
	enum perm_mode	m;

	if (ui->agent == NULL) {
		ui->cfg->perm_mode = perm_next_mode(ui->cfg->perm_mode);
		ui_redraw(ui);
		return;
	}
	m = perm_next_mode(perm_get_mode(agent_perm(ui->agent)));
	agent_set_mode(ui->agent, m);
	ui->cfg->perm_mode = m;
	/* The mode applies to the call waiting on screen too. */
	if (ui->nviews > 0)
		ui_mode_approval(ui, ui->views[ui->nviews - 1]);
	ui_redraw(ui);
}

void
ui_submit(struct ui *ui, const char *text)
{
	ui_submit_shown(ui, text, text);
}

void
ui_submit_shown(struct ui *ui, const char *text, const char *shown)
{
	if (text[0] == '/' && text[1] != '/' && text[1] != '\0' &&
	    strchr(text, '\n') == NULL) {
		if (slash_run(ui, text) != 0) {
			view_transcript_notice(ui, TE_ERROR, "unknown command "
			    "%.*s: /help lists them (start with // to send a "
			    "slash)", (int)strcspn(text, " "), text);
		}
		ui_redraw(ui);
		return;
	}
	if (text[0] == '!' && text[strspn(text + 1, " \t") + 1] != '\0') {
		ui_shell(ui, text + 1 + strspn(text + 1, " \t"), shown);
		return;
	}
	/* --- memory notes (issue 11): "# note" saves, sends nothing */
	if (text[0] == '#' && text[1] != '#' && strchr(text, '\n') == NULL &&
	    text[1 + strspn(text + 1, " \t")] != '\0') {
		char	*saved = NULL, *cause = NULL;

		if (memory_note_add(ui->root, text + 1, &saved, &cause) != 0) {
			view_transcript_notice(ui, TE_ERROR, "note not "
			    "saved: %s", cause);
			free(cause);
		} else {
			view_transcript_notice(ui, TE_NOTICE, "Saved to %s: "
			    "%s", saved, text + 1 + strspn(text + 1, " \t"));
			free(saved);
		}
		ui_redraw(ui);
		return;
	}
	/* --- end memory notes */
	if (text[0] == '/' && text[1] == '/')
		text++;
	ui_submit_message(ui, text, shown);
}

void
ui_submit_message(struct ui *ui, const char *text, const char *shown)
{
	char	*cause = NULL;

	if (ui->agent != NULL && agent_busy(ui->agent)) {
		ui_queue_add(ui, text, shown);
		return;
	}
	ui->scroll = 0;
	if (!config_provider_configured(ui->cfg)) {
		view_transcript_add(ui, TE_USER, shown);
		view_transcript_notice(ui, TE_ERROR, "%s",
		    config_provider_help());
		return;
	}
	if (ui->agent == NULL) {
		view_transcript_notice(ui, TE_ERROR, "the agent could not "
		    "start; see the message above");
		return;
	}
	if (agent_submit_shown(ui->agent, text, shown, &cause) != 0) {
		view_transcript_notice(ui, TE_ERROR, "%s", cause);
		free(cause);
		return;
	}
	view_transcript_prompt(ui, text, shown);
	ui_busy_changed(ui);
	ui_redraw(ui);
}

/*
 * !command: run it in the shell as the agent's commands run (agent_shell():
 * sandbox, snapshot); its output goes to the model with the next message.
 */
static void
ui_shell(struct ui *ui, const char *command, const char *shown)
{
	char	*cause = NULL;

	ui->scroll = 0;
	if (ui->agent == NULL) {
		view_transcript_notice(ui, TE_ERROR, "the agent could not "
		    "start; see the message above");
		return;
	}
	view_transcript_add(ui, TE_USER, shown);
	if (agent_shell(ui->agent, command, &cause) != 0) {
		view_transcript_notice(ui, TE_ERROR, "!: %s", cause);
		free(cause);
		return;
	}
	ui_busy_changed(ui);
	ui_redraw(ui);
}

/* Keep a sent text in the history file; a failure is said once. */
static void
ui_history_save(struct ui *ui, const char *text)
{
	static int	 warned;
	char		*cause = NULL;

	if (ui->history == NULL)
		return;
	if (editor_history_save(ui->editor, ui->history, text, &cause) != 0) {
		if (!warned)
			view_transcript_notice(ui, TE_ERROR, "history: %s",
			    cause);
		warned = 1;
		free(cause);
	}
}

/* The history file: .git/agentos/history beside the session log. */
static void
ui_history_load(struct ui *ui)
{
	char	*db, *slash, *cause = NULL;

	if ((db = session_db_path(ui->root, &cause)) == NULL) {
		log_debug("history: %s", cause);
		free(cause);
		return;
	}
	if ((slash = strrchr(db, '/')) != NULL)
		*slash = '\0';
	ui->history = xasprintf("%s/history", db);
	free(db);
	if (editor_history_load(ui->editor, ui->history, &cause) != 0) {
		view_transcript_notice(ui, TE_ERROR, "history: %s", cause);
		free(cause);
	}
}

char *
ui_key_hint(struct ui *ui, enum key_mode mode, enum key_action action)
{
	return (key_hint(&options_get(ui->cfg)->ui, mode, action));
}

void
ui_key_hints(struct ui *ui, enum key_mode mode, const struct ui_hint *hints,
    struct buf *b)
{
	const struct ui_hint	*h;
	char			*k1, *k2;
	int			 u1, u2;

	for (h = hints; h->action != KA_NONE; h++) {
		k1 = ui_key_hint(ui, mode, h->action);
		k2 = h->action2 != KA_NONE ?
		    ui_key_hint(ui, mode, h->action2) : xstrdup("none");
		u1 = strcmp(k1, "none") != 0;
		u2 = strcmp(k2, "none") != 0;
		if (u1 || u2) {
			if (b->len > 0)
				buf_adds(b, "   ");
			if (u1)
				buf_adds(b, k1);
			/* Arrows read as a pair; names need a slash. */
			if (u1 && u2 && utf8_strwidth(k1, strlen(k1)) +
			    utf8_strwidth(k2, strlen(k2)) > 2)
				buf_adds(b, "/");
			if (u2)
				buf_adds(b, k2);
			if (*h->label != '\0')
				buf_addf(b, " %s", h->label);
		}
		free(k1);
		free(k2);
	}
}

enum key_action
ui_key_action(struct ui *ui, enum key_mode mode, key_code key)
{
	return (key_lookup(&options_get(ui->cfg)->ui, mode, key));
}

/* Keys that work whatever view is on top (the global mode). */
static int
ui_key_global(struct ui *ui, const struct key_event *ev)
{
	const struct ui_options	*keys = &options_get(ui->cfg)->ui;

	if (ev->key == KEYC_MOUSE) {
		if (ev->mouse_b == 64)
			view_transcript_scroll(ui, 3);
		else if (ev->mouse_b == 65)
			view_transcript_scroll(ui, -3);
		return (VIEW_HANDLED);
	}
	switch (key_lookup(keys, KEYM_GLOBAL, ev->key)) {
	case KA_MODE_NEXT:
		ui_mode_next(ui);
		return (VIEW_HANDLED);
	case KA_MOUSE:
		ui->mouse = !ui->mouse;
		ui_write(ui->mouse ? TERM_MOUSE_ON : TERM_MOUSE_OFF);
		view_transcript_notice(ui, TE_NOTICE, "Mouse reporting %s%s",
		    ui->mouse ? "on: the wheel scrolls the transcript" : "off",
		    ui->mouse ? " (hold Shift to select text)" :
		    ": the terminal selects text again");
		return (VIEW_HANDLED);
	case KA_REDRAW:
		ui_inline_repaint(ui);
		ui_redraw(ui);
		return (VIEW_HANDLED);
	case KA_CANCEL:
		/* On the main screen the editor's binding decides. */
		if (ui->nviews == 0)
			break;
		if (ui->agent != NULL && agent_busy(ui->agent))
			ui_cancel(ui);
		return (VIEW_HANDLED);
	default:
		break;
	}
	return (0);
}

/* Keys of the transcript on the main screen (the main mode). */
static int
ui_key_transcript(struct ui *ui, enum key_action action)
{
	switch (action) {
	case KA_REWIND:
		ui_rewind_last(ui);
		break;
	case KA_TOGGLE_TOOL:
		view_transcript_toggle_tool(ui);
		break;
	case KA_TOOL_PREV:
		view_transcript_select_tool(ui, -1);
		break;
	case KA_TOOL_NEXT:
		view_transcript_select_tool(ui, 1);
		break;
	case KA_SCROLL_UP:
		view_transcript_scroll(ui, ui->page > 2 ? ui->page - 2 : 1);
		break;
	case KA_SCROLL_DOWN:
		view_transcript_scroll(ui, -(ui->page > 2 ? ui->page - 2 : 1));
		break;
	case KA_SCROLL_TOP:
		view_transcript_scroll(ui, 1 << 30);
		break;
	case KA_SCROLL_BOTTOM:
		ui->scroll = 0;
		break;
	case KA_TIMELINE:
		ui_push(ui, view_snapshots_create(ui));
		break;
	default:
		return (0);
	}
	return (VIEW_HANDLED);
}

/* Send the editor's text, unless a turn runs: then it waits there. */
static void
ui_key_send(struct ui *ui)
{
	struct editor	*p = ui->editor;
	char		*text, *shown, *att;
	size_t		 len;

	text = editor_text(p);
	if (*text != '\0' && (*text != '/' || text[1] == '/') &&
	    *text != '!' && *text != '#' && ui->agent != NULL &&
	    agent_busy(ui->agent)) {
		/* Typed ahead: queued, sent when the turn ends. */
		editor_history_add(p, text);
		ui_history_save(ui, text);
		editor_buffer(p, &len);
		shown = xstrndup(editor_buffer(p, NULL), len);
		editor_clear(p);
		/* "//x" sends "/x", as when idle. */
		att = ui_mention_attach(ui, text[0] == '/' ? text + 1 : text);
		ui_queue_add(ui, att, shown[0] == '/' ? shown + 1 : shown);
		free(att);
		free(shown);
	} else if (*text == '\0' && ui->nqueued > 0 && ui->agent != NULL &&
	    !agent_busy(ui->agent)) {
		/* The queue a stopped turn kept. */
		ui_queue_flush(ui);
	} else if (*text != '\0') {
		editor_history_add(p, text);
		ui_history_save(ui, text);
		/* The transcript shows placeholders, not whole pastes. */
		editor_buffer(p, &len);
		shown = xstrndup(editor_buffer(p, NULL), len);
		editor_clear(p);
		att = (text[0] == '/' && text[1] != '/') || text[0] == '!' ||
		    text[0] == '#' ?
		    xstrdup(text) : ui_mention_attach(ui, text);
		ui_submit_shown(ui, att, shown[0] == '/' && shown[1] == '/' ?
		    shown + 1 : shown);
		free(att);
		free(shown);
	}
	free(text);
}

/*
 * Keys of the main screen: the transcript's bindings, then the input
 * editor's; typed text and pastes go into the editor.
 */
/* A server's completion/complete answered (mcp_prompt_complete()). */
static void
ui_mcp_completed(void *arg, const char *line, const char *done,
    const char *note)
{
	struct ui	*ui = arg;

	/* Typed on meanwhile: the answer is for a line no longer there. */
	if (strcmp(editor_buffer(ui->editor, NULL), line) != 0)
		return;
	if (done != NULL)
		editor_set(ui->editor, done);
	if (note != NULL)
		view_transcript_notice(ui, TE_NOTICE, "%s", note);
	ui_redraw(ui);
}

/*
 * Tab on "/mcp__...": a prompt's name, or its argument (the server's
 * completion/complete when it offers one).  0 when the line is not such
 * a command, for slash_complete().
 */
static int
ui_mcp_complete(struct ui *ui)
{
	struct mcp_manager	*m;
	char			*done, *note;
	int			 r;

	if (ui->agent == NULL ||
	    (m = workspace_mcp(agent_workspace(ui->agent))) == NULL)
		return (0);
	r = mcp_prompt_complete(m, editor_buffer(ui->editor, NULL),
	    ui_mcp_completed, ui, &done, &note);
	if (r < 0)
		return (0);
	if (done != NULL)
		editor_set(ui->editor, done);
	if (note != NULL)
		view_transcript_notice(ui, TE_NOTICE, "%s", note);
	free(done);
	free(note);
	return (1);
}

static int
ui_key_main(struct ui *ui, const struct key_event *ev)
{
	struct editor		*p = ui->editor;
	const struct ui_options	*keys = &options_get(ui->cfg)->ui;
	key_code		 k = ev->key;
	char			*c, *quit;
	struct buf		 cands;
	key_code		 prev = ui->last_key;
	int			 width = ui->cols - 2, ctrl_c = ui->ctrl_c;
	char			 enc[4];

	ui->ctrl_c = 0;
	ui->last_key = k;
	if (ui->ctrl_c_notice != NULL) {
		/* "Press C-c again to quit" holds for one key only. */
		view_transcript_remove(ui, ui->ctrl_c_notice);
		ui->ctrl_c_notice = NULL;
	}
	if (ui_key_transcript(ui, key_lookup(keys, KEYM_MAIN, k)))
		return (VIEW_HANDLED);
	if (ui_mention_key(ui, ev))
		return (VIEW_HANDLED);
	if (k == KEYC_PASTE) {
		if (!ui_image_paste(ui, ev->paste, ev->paste_len))
			editor_paste(p, ev->paste, ev->paste_len);
		ui_mention_update(ui);
		return (VIEW_HANDLED);
	}

	switch (key_lookup(keys, KEYM_EDITOR, k)) {
	case KA_ED_SEND:
		ui_key_send(ui);
		break;
	case KA_ED_NEWLINE:
		editor_insert(p, "\n", 1);
		break;
	case KA_ED_INTERRUPT:
		if (ui->agent != NULL && agent_busy(ui->agent))
			ui_cancel(ui);
		else if (!editor_empty(p))
			editor_clear(p);
		else if (ctrl_c)
			ui_quit(ui);
		else {
			ui->ctrl_c = 1;
			quit = ui_key_hint(ui, KEYM_EDITOR, KA_ED_INTERRUPT);
			view_transcript_notice(ui, TE_NOTICE,
			    "Press %s again to quit", quit);
			ui->ctrl_c_notice = ui->entries[ui->nentries - 1];
			free(quit);
		}
		break;
	case KA_ED_QUIT:
		if (editor_empty(p))
			ui_quit(ui);
		else
			editor_delete(p);
		break;
	case KA_ED_STOP:
		/*
		 * A press that stops a turn or opens a view starts no pair;
		 * the same key twice on an empty prompt opens the timeline.
		 */
		if (ui->agent != NULL && agent_busy(ui->agent)) {
			ui_cancel(ui);
			ui->last_key = 0;
		} else if (prev == k && editor_empty(p)) {
			ui_push(ui, view_snapshots_create(ui));
			ui->last_key = 0;
		}
		break;
	case KA_ED_SUSPEND:
		ui_suspend(ui);
		break;
	case KA_ED_COMPLETE:
		if (ui_mcp_complete(ui))
			break;
		slash_custom_scan(ui);
		buf_init(&cands, 0);
		if ((c = slash_complete(editor_buffer(p, NULL), &cands)) !=
		    NULL) {
			editor_set(p, c);
			free(c);
		}
		if (cands.len > 0)
			view_transcript_notice(ui, TE_NOTICE, "%s", cands.buf);
		buf_release(&cands);
		break;
	case KA_ED_BACKSPACE:
		if (editor_backspace(p) == 1)
			view_transcript_notice(ui, TE_NOTICE, "Removed a "
			    "pasted text from the prompt");
		break;
	case KA_ED_DELETE:
		if (editor_delete(p) == 1)
			view_transcript_notice(ui, TE_NOTICE, "Removed a "
			    "pasted text from the prompt");
		break;
	case KA_ED_LEFT:
		editor_left(p);
		break;
	case KA_ED_RIGHT:
		editor_right(p);
		break;
	case KA_ED_WORD_LEFT:
		editor_word_left(p);
		break;
	case KA_ED_WORD_RIGHT:
		editor_word_right(p);
		break;
	case KA_ED_HOME:
		editor_home(p);
		break;
	case KA_ED_END:
		editor_end(p);
		break;
	case KA_ED_KILL_LINE:
		editor_kill_line(p);
		break;
	case KA_ED_KILL_START:
		editor_kill_start(p);
		break;
	case KA_ED_KILL_WORD:
		editor_kill_word(p);
		break;
	case KA_ED_UP:
		if (editor_empty(p) && ui_queue_edit_last(ui) == 0)
			break;
		if (editor_up(p, width) != 0)
			editor_history_prev(p);
		break;
	case KA_ED_DOWN:
		if (editor_down(p, width) != 0)
			editor_history_next(p);
		break;
	case KA_ED_SEARCH:
		ui_mention_search(ui);
		return (VIEW_HANDLED);
	case KA_ED_EXTERNAL:
		ui_external_edit(ui);
		break;
	case KA_ED_PASTE_IMAGE:
		ui_image_clipboard(ui);
		break;
	default:
		/* Typed text. */
		if ((k & KEYC_MASK_MOD) == 0 && k >= 0x20 && k < 0x110000 &&
		    k != 0x7f)
			editor_insert(p, enc, utf8_encode(k, enc));
		break;
	}
	ui_mention_update(ui);
	return (VIEW_HANDLED);
}

/* One key from the parser: the top view, then global, then main keys. */
static void
ui_key(void *arg, const struct key_event *ev)
{
	struct ui	*ui = arg;
	struct view	*top;
	int		 flags = 0;

	if (ev->key == KEYC_UNKNOWN || ev->key == KEYC_FOCUS_IN ||
	    ev->key == KEYC_FOCUS_OUT)
		return;
	if (ui->nviews > 0) {
		top = ui->views[ui->nviews - 1];
		flags = top->ops->key(top, ev);
		/*
		 * A view that acts after closing (an approval, whose answer
		 * may bring the next one) removes itself with ui_remove()
		 * first and never returns VIEW_CLOSE.
		 */
		if (flags & VIEW_CLOSE)
			ui_remove(ui, top);
		if (!(flags & VIEW_HANDLED))
			ui_key_global(ui, ev);
		ui->last_key = 0;
	} else if (ui_key_global(ui, ev))
		ui->last_key = 0;
	else
		ui_key_main(ui, ev);
	ui_busy_changed(ui);
	ui_redraw(ui);
}

/* The agent's callbacks: each updates the transcript and asks a frame. */

static void
ui_cb_text(void *arg, const char *text, size_t len)
{
	struct ui	*ui = arg;

	if (ui->streaming == NULL) {
		ui->streaming = view_transcript_add(ui, TE_ASSISTANT, NULL);
		ui->streaming->provisional = 1;
		ui->thinking = NULL;
	}
	buf_add(&ui->streaming->text, text, len);
	ui->streaming->lines_width = 0;
	ui_redraw(ui);
}

static void
ui_cb_thinking(void *arg, const char *text, size_t len)
{
	struct ui	*ui = arg;

	if (ui->thinking == NULL) {
		ui->thinking = view_transcript_add(ui, TE_THINKING, NULL);
		ui->thinking->provisional = 1;
		ui->streaming = NULL;
	}
	buf_add(&ui->thinking->text, text, len);
	ui->thinking->lines_width = 0;
	ui_redraw(ui);
}

/*
 * The value of string member key in json, a call's input still arriving
 * (incomplete JSON); NULL until its closing quote came.  Caller frees.
 */
static char *
ui_args_member(const char *json, size_t len, const char *key)
{
	struct buf	 b = BUF_INIT;
	char		*pat, *p, *end = (char *)json + len;

	pat = xasprintf("\"%s\"", key);
	p = memmem(json, len, pat, strlen(pat));
	if (p == NULL) {
		free(pat);
		return (NULL);
	}
	p += strlen(pat);
	free(pat);
	while (p < end && (*p == ' ' || *p == ':' || *p == '\n' ||
	    *p == '\t' || *p == '\r'))
		p++;
	if (p >= end || *p++ != '"')
		return (NULL);
	for (; p < end && *p != '"'; p++) {
		if (*p == '\\' && p + 1 < end)
			p++;
		if ((unsigned char)*p >= 0x20)
			buf_addch(&b, *p);
		if (b.len > 200)
			break;
	}
	if (p >= end) {
		buf_release(&b);
		return (NULL);
	}
	return (buf_detach(&b, NULL));
}

/*
 * A call's input streams (a long write's content): one provisional line
 * says which call, on which path, and how much has come, until the call
 * is complete.
 */
static void
ui_cb_tool_args(void *arg, const char *id, const char *name,
    const char *json, size_t len)
{
	struct ui	*ui = arg;
	struct tentry	*e = NULL;
	char		*what;
	size_t		 i, n;

	for (i = ui->nentries; i > 0; i--) {
		if (ui->entries[i - 1]->type == TE_NOTICE &&
		    ui->entries[i - 1]->tool_id != NULL &&
		    strcmp(ui->entries[i - 1]->tool_id, id) == 0) {
			e = ui->entries[i - 1];
			break;
		}
	}
	/*
	 * Redraw each KB, not for every delta, once the path is known
	 * (expanded marks it); look for it in the first 4 KB only.
	 */
	if (e != NULL && (int)(len / 1024) == e->exit_status &&
	    (e->expanded || len > 4096))
		return;
	n = len < 4096 ? len : 4096;
	if ((what = ui_args_member(json, n, "path")) == NULL &&
	    (what = ui_args_member(json, n, "file_path")) == NULL)
		what = ui_args_member(json, n, "command");
	if (e == NULL) {
		e = view_transcript_add(ui, TE_NOTICE, NULL);
		e->provisional = 1;
		e->tool_id = xstrdup(id);
		ui->streaming = NULL;
		ui->thinking = NULL;
	}
	e->exit_status = (int)(len / 1024);
	e->expanded = what != NULL;
	buf_reset(&e->text);
	buf_addf(&e->text, "Receiving %s%s%s: ", name, what != NULL ? " " :
	    "", what != NULL ? what : "");
	if (len < 1024)
		buf_addf(&e->text, "%zu bytes so far", len);
	else if (len < 1024 * 1024)
		buf_addf(&e->text, "%.1f KB so far", len / 1024.0);
	else
		buf_addf(&e->text, "%.1f MB so far", len / 1048576.0);
	free(what);
	e->lines_width = 0;
	ui_redraw(ui);
}

/* The calls' inputs are complete: their "Receiving" lines go. */
static void
ui_tool_args_clear(struct ui *ui)
{
	size_t	i;

	for (i = ui->nentries; i > 0; i--) {
		if (ui->entries[i - 1]->type == TE_NOTICE &&
		    ui->entries[i - 1]->tool_id != NULL)
			view_transcript_remove(ui, ui->entries[i - 1]);
	}
}

static void
ui_cb_assistant_done(void *arg, const struct message *m,
    const struct usage *u)
{
	struct ui	*ui = arg;
	size_t		 i;

	ui_tool_args_clear(ui);
	for (i = 0; i < ui->nentries; i++)
		ui->entries[i]->provisional = 0;
	ui->streaming = NULL;
	ui->thinking = NULL;
	ui_redraw(ui);
}

static void
ui_cb_stream_reset(void *arg)
{
	struct ui	*ui = arg;

	ui_tool_args_clear(ui);
	view_transcript_reset_stream(ui);
	ui->streaming = NULL;
	ui->thinking = NULL;
	ui_redraw(ui);
}

static void
ui_cb_approval(void *arg, struct tool_call *tc, const char *preview)
{
	struct ui	*ui = arg;

	ui->streaming = NULL;
	ui->thinking = NULL;
	ui->scroll = 0;
	ui_push(ui, view_approval_create(ui, tc, preview));
}

/* The rerun question's call (the one in the pipeline). */
struct ui_rerun {
	struct ui		*ui;
	struct tool_call	*tc;
};

/*
 * The sandbox may have refused a command: offer to run it once more
 * outside the sandbox or with the network (issue 12; never remembered).
 */
static void
ui_cb_rerun_ask(void *arg, struct tool_call *tc, const char *why)
{
	struct ui	*ui = arg;
	struct ui_rerun	*r = xcalloc(1, sizeof *r);
	const char	*cmd;
	char		*q;

	r->ui = ui;
	r->tc = tc;
	cmd = json_string_value(json_object_get(tc->input, "command"));
	q = xasprintf("The sandbox may have refused this command:\n  $ %s\n"
	    "%s\n\nRun it once more outside the sandbox, or in it with the "
	    "network? This once only: nothing is remembered.",
	    cmd != NULL ? cmd : tc->name, why);
	ui->streaming = NULL;
	ui->thinking = NULL;
	ui_rerun_view = view_choice_create(ui, "Run it again? ", q, "own",
	    "o outside the sandbox   w with the network   n or Esc keep the "
	    "result", ui_rerun_answer, ui_rerun_release, r);
	ui_push(ui, ui_rerun_view);
	free(q);
	ui_redraw(ui);
}

static void
ui_rerun_answer(struct ui *ui, int key, void *arg)
{
	struct ui_rerun	*r = arg;

	ui_rerun_view = NULL;
	if (ui->agent != NULL)
		agent_rerun(ui->agent, r->tc, key == 'o' ? RERUN_OUTSIDE :
		    key == 'w' ? RERUN_NETWORK : RERUN_NO);
	free(r);
	ui_redraw(ui);
}

/* Esc, or the panel closed: keep the result (not at exit). */
static void
ui_rerun_release(void *arg)
{
	struct ui_rerun	*r = arg;

	ui_rerun_view = NULL;
	if (!r->ui->quit && r->ui->agent != NULL)
		agent_rerun(r->ui->agent, r->tc, RERUN_NO);
	free(r);
}

static void
ui_cb_tool_started(void *arg, struct tool_call *tc)
{
	struct ui	*ui = arg;
	struct tentry	*e;
	char		*summary;

	ui->streaming = NULL;
	ui->thinking = NULL;
	if ((e = view_transcript_find_tool(ui, tc->id)) == NULL) {
		summary = tool_call_summary(tc);
		e = view_transcript_add(ui, TE_TOOL, summary);
		free(summary);
		e->tool_id = xstrdup(tc->id);
	}
	e->state = TS_RUNNING;
	e->lines_width = 0;
	ui_tool_diff(e, tc);
	ui_redraw(ui);
}

/*
 * An edit about to run: keep the diff it applies, for the expanded entry
 * (in accept-edits and bypass no approval showed it).  The tool's preview
 * reads the files as they are now, just before it runs.
 */
static void
ui_tool_diff(struct tentry *e, struct tool_call *tc)
{
	char	*why = NULL;

	buf_reset(&e->diff);
	e->diff.truncated = 0;
	/* Not a rename: its preview asks a language server again. */
	if ((tc->effects.flags & EFFECT_EDIT) == 0 ||
	    (tc->effects.flags & EFFECT_LSP) != 0 || tc->tool == NULL ||
	    tc->tool->preview == NULL)
		return;
	if (tc->tool->preview(tc->ctx, tc->input, &e->diff, &why) != 0)
		buf_reset(&e->diff);
	free(why);
}

static void
ui_cb_tool_output(void *arg, struct tool_call *tc, const char *data,
    size_t len)
{
	struct ui	*ui = arg;
	struct tentry	*e;

	if ((e = view_transcript_find_tool(ui, tc->id)) == NULL)
		return;
	buf_add(&e->output, data, len);
	e->term = 1;
	/* Keep the tail of long output for display. */
	if (e->output.len > 256 * 1024)
		buf_remove_head(&e->output, e->output.len - 192 * 1024);
	e->lines_width = 0;
	ui_redraw(ui);
}

static void
ui_cb_tool_finished(void *arg, struct tool_call *tc)
{
	struct ui	*ui = arg;
	struct tentry	*e;
	char		*summary;

	if ((e = view_transcript_find_tool(ui, tc->id)) == NULL) {
		/* Rejected or refused: it never started. */
		summary = tool_call_summary(tc);
		e = view_transcript_add(ui, TE_TOOL, summary);
		free(summary);
		e->tool_id = xstrdup(tc->id);
	}
	e->state = tc->is_error ? TS_ERROR : TS_OK;
	if (tc->is_error)
		buf_reset(&e->diff);	/* it applied nothing */
	e->exit_status = tc->exit_status;
	ui_tool_diagnostics(ui, e, tc);
	e->duration_ms = tc->duration_ms;
	buf_reset(&e->output);
	/* Colours and CR as the terminal had them; the model got text. */
	e->term = tc->display.len > 0;
	if (e->term)
		buf_add(&e->output, tc->display.buf, tc->display.len);
	else
		buf_add(&e->output, tc->result.buf, tc->result.len);
	e->lines_width = 0;
	ui_close_views(ui, &view_approval_ops);
	if (!tc->is_error && strcmp(tc->name, "todo_write") == 0)
		view_todo_set(ui, tc->input);
	if (strncmp(tc->id, "user-shell-", 11) == 0) {
		e->expanded = 1;
		view_transcript_notice(ui, TE_NOTICE, "The command and its "
		    "output go to the model with your next message.");
	}
	ui_redraw(ui);
}

/* After an edit: the edited file's errors and warnings, as the server
   reports them now. */
static void
ui_tool_diagnostics(struct ui *ui, struct tentry *e, struct tool_call *tc)
{
	struct lsp_manager	*m;
	char			*abs = NULL, *rel = NULL, *cause = NULL;
	int			 errors, warnings;

	if (ui->agent == NULL ||
	    (m = workspace_lsp(agent_workspace(ui->agent))) == NULL ||
	    (tc->effects.flags & EFFECT_EDIT) == 0 ||
	    tc->effects.nwrites == 0)
		return;
	if (path_resolve(ui->root, tc->effects.writes[0], &abs, &rel,
	    &cause) == 0 &&
	    lsp_diagnostic_counts(m, abs, &errors, &warnings) == 0) {
		e->diag_errors = errors;
		e->diag_warnings = warnings;
	}
	free(cause);
	free(abs);
	free(rel);
}

/* Background work: shown in the status bar while it runs. */
static void
ui_cb_progress(void *arg, const char *what, size_t done, size_t total)
{
	struct ui	*ui = arg;

	free(ui->progress);
	ui->progress = total == 0 ? NULL : xasprintf("%s %zu%%", what,
	    done * 100 / total);
	ui_redraw(ui);
}

/* A hook runs (hook.h): the status bar says which, until it is over. */
static void
ui_cb_hook(void *arg, const char *event, const char *command)
{
	struct ui	*ui = arg;
	const char	*name, *end;
	size_t		 n;

	free(ui->hook_line);
	ui->hook_line = NULL;
	if (event != NULL) {
		/* The command's first word, without its directory. */
		end = command + strcspn(command, " \t\n");
		for (name = end; name > command && name[-1] != '/'; name--)
			/* nothing */;
		n = end - name;
		if (n == 0) {
			name = command;
			n = strlen(command);
		}
		ui->hook_line = xasprintf("hook %s: %.*s%s", event,
		    (int)(n > 24 ? 24 : n), name, n > 24 ? "\xe2\x80\xa6" : "");
	}
	ui_redraw(ui);
}

/* A language server changed state or published diagnostics. */
static void
ui_cb_lsp_changed(void *arg)
{
	ui_redraw(arg);
}

static void
ui_cb_snapshot(void *arg, const char *id, const char *action)
{
	struct ui	*ui = arg;

	ui_snapshots_changed(ui);
}

static void
ui_cb_notice(void *arg, const char *text)
{
	struct ui	*ui = arg;

	view_transcript_add(ui, TE_NOTICE, text);
	ui_redraw(ui);
}

/* A summary replaced the conversation: one line, C-o shows the summary. */
static void
ui_cb_compacted(void *arg, const char *line, const char *summary)
{
	struct ui	*ui = arg;
	struct tentry	*e;

	e = view_transcript_add(ui, TE_TOOL, line);
	e->tool_id = xstrdup("");
	e->state = TS_OK;
	buf_adds(&e->output, summary);
	ui_redraw(ui);
}

static void
ui_cb_turn_done(void *arg, enum stop_reason stop, const char *error)
{
	struct ui	*ui = arg;
	struct view	*v;

	ui->streaming = NULL;
	ui->thinking = NULL;
	ui_close_views(ui, &view_approval_ops);
	/* A question at a limit is moot once the turn is over (C-c). */
	if ((v = ui->budget_view) != NULL) {
		ui->budget_view = NULL;
		ui_remove(ui, v);
	}
	/* So is a rerun question (its call is over). */
	if ((v = ui_rerun_view) != NULL)
		ui_remove(ui, v);
	if (error != NULL) {
		if (strstr(error, "cancelled") != NULL)
			view_transcript_add(ui, TE_NOTICE, "Stopped.");
		else
			view_transcript_add(ui, TE_ERROR, error);
	} else if (stop == STOP_REFUSAL)
		view_transcript_add(ui, TE_NOTICE, "The model declined.");
	ui_queue_turn_done(ui, error);
	status_update_branch(ui);
	ui_redraw(ui);
}

/* A limit of the run is reached: ask whether to go on (budget.h). */
static void
ui_cb_budget_ask(void *arg, const char *question)
{
	struct ui	*ui = arg;

	view_transcript_add(ui, TE_NOTICE, question);
	ui->budget_view = view_choice_create(ui, "Limit reached ", question,
	    "yn", "y go on (raise the limit)   n or Esc stop the turn",
	    ui_budget_answer, ui_budget_release, ui);
	ui_push(ui, ui->budget_view);
	ui_redraw(ui);
}

static void
ui_budget_answer(struct ui *ui, int key, void *arg)
{
	ui->budget_view = NULL;
	if (ui->agent != NULL)
		agent_budget_answer(ui->agent, key == 'y');
	ui_redraw(ui);
}

/* Esc, or the panel closed: stop (not at exit: the agent is going). */
static void
ui_budget_release(void *arg)
{
	struct ui	*ui = arg;

	ui->budget_view = NULL;
	if (ui->agent != NULL && !ui->quit)
		agent_budget_answer(ui->agent, 0);
}

/*
 * On quit, the transcript as plain text on the normal screen (the TUI
 * drew on the alternate one), so the terminal's own scrollback and search
 * keep the conversation, as after any other program.
 */
static void
ui_print_transcript(struct ui *ui)
{
	const struct slines	*sl;
	struct tentry		*e;
	size_t			 i, j;
	int			 width = ui->cols > 10 ? ui->cols : 80;

	if (!isatty(STDOUT_FILENO) || ui->nentries == 0)
		return;
	for (i = 0; i < ui->nentries; i++) {
		e = ui->entries[i];
		/* Blank lines as on the screen: none between tool calls. */
		if (i > 0 && !(e->type == TE_TOOL &&
		    ui->entries[i - 1]->type == TE_TOOL))
			fputc('\n', stdout);
		sl = view_transcript_lines(ui, e, width);
		for (j = 0; j < sl->nr; j++) {
			fwrite(sl->v[j].text.buf, 1, sl->v[j].text.len,
			    stdout);
			fputc('\n', stdout);
		}
	}
	fflush(stdout);
}

/* The line printed after the terminal is restored. */
static void
ui_exit_line(struct ui *ui)
{
	const char *const	*ids;
	struct snapshot_store	*st;
	size_t			 n;
	int			 count;

	if (ui->agent == NULL)
		return;
	ids = workspace_snapshot_ids(agent_workspace(ui->agent), &n);
	if (n == 0)
		return;
	/* The session's count, as the bar and agentos sessions say. */
	st = workspace_snapshots(agent_workspace(ui->agent));
	count = st != NULL ? snapshot_count(st, NULL) : (int)n;
	fprintf(stderr, "agentos: %d snapshot%s in session %s; undo this run "
	    "with: agentos rewind %s --session %s  (list: agentos snapshots "
	    "--session %s)\n", count, count == 1 ? "" : "s",
	    agent_session_id(ui->agent), ids[0], agent_session_id(ui->agent),
	    agent_session_id(ui->agent));
}

/* Start: the session picker (-r without an id), or the agent. */
static void
ui_begin(struct ui *ui, int flags)
{
	struct view	*v;
	char		*cause = NULL;

	if (flags & UI_PICK_SESSION) {
		/* -r without an id: the agent starts once one is picked. */
		ui->cfg->resume = NULL;
		if ((v = view_sessions_create(ui, 1, ui_pick_done,
		    &cause)) != NULL)
			ui_push(ui, v);
		else {
			view_transcript_notice(ui, TE_NOTICE, "Nothing to "
			    "resume (%s): a new session starts.", cause);
			free(cause);
			ui_pick_done(ui, NULL);
		}
	} else {
		ui_start_agent(ui);
		if (!config_provider_configured(ui->cfg))
			view_transcript_add(ui, TE_ERROR,
			    config_provider_help());
	}
}

/* The trust question's state: the start flags, the files it covers. */
struct ui_trust {
	struct ui		*ui;
	int			 flags;
	struct trust_files	 tf;
};

/*
 * The trust question's answer: "t" trusts (applied and recorded), "d"
 * records never to ask, "n" leaves it for this session; then start.
 */
static void
ui_trust_answer(struct ui *ui, int key, void *arg)
{
	struct ui_trust		*t = arg;
	struct trust_files	 now;
	char			*cause = NULL;
	int			 flags = t->flags;

	if (key == 'd') {
		if (trust_record_never(ui->root, &cause) != 0) {
			view_transcript_notice(ui, TE_ERROR, "trust: %s",
			    cause);
			free(cause);
		} else
			view_transcript_notice(ui, TE_NOTICE, "Not trusted, "
			    "and not asked about again: the project settings "
			    "that grant anything stay unapplied (agentos trust "
			    "yes trusts it).");
	} else if (key == 't') {
		trust_apply(ui->cfg);
		/*
		 * Recorded only as shown: files changed while the question
		 * was open would otherwise be trusted unseen next time.
		 */
		trust_scan(ui->root, &now);
		if (now.fingerprint == NULL || strcmp(now.fingerprint,
		    t->tf.fingerprint) != 0)
			cause = xstrdup("the files changed while you were "
			    "asked; you will be asked again");
		trust_files_release(&now);
		if (cause != NULL || trust_record(ui->root, &t->tf,
		    &cause) != 0) {
			view_transcript_notice(ui, TE_ERROR, "trusted for "
			    "this session only: %s", cause);
			free(cause);
		} else
			view_transcript_notice(ui, TE_NOTICE, "Trusted %s: "
			    "its project settings apply.", ui->root);
	} else
		view_transcript_notice(ui, TE_NOTICE, "Not trusted: the "
		    "project settings that grant anything are not applied "
		    "this session.");
	trust_files_release(&t->tf);
	free(t);
	ui_begin(ui, flags);
	ui_redraw(ui);
}

/* Esc or "n": not now (the session only); nothing at exit. */
static void
ui_trust_release(void *arg)
{
	struct ui_trust	*t = arg;

	if (t->ui->quit) {
		trust_files_release(&t->tf);
		free(t);
		return;
	}
	ui_trust_answer(t->ui, 'n', t);
}

/*
 * Ask whether to trust the repository when its files would grant anything
 * and it is not trusted as they are (trust.h); then start.
 */
static void
ui_ask_trust(struct ui *ui, int flags)
{
	struct ui_trust		*t;
	enum trust_state	 st;
	char			*cause = NULL, *what, *q;

	if (ui->cfg->project_trusted) {
		ui_begin(ui, flags);
		return;
	}
	t = xcalloc(1, sizeof *t);
	t->ui = ui;
	t->flags = flags;
	trust_scan(ui->root, &t->tf);
	st = trust_check(ui->root, &t->tf, &cause);
	if (cause != NULL) {
		view_transcript_notice(ui, TE_ERROR, "trust: %s", cause);
		free(cause);
	}
	if (st == TRUST_NEVER && trust_wanted(ui->cfg, &t->tf))
		view_transcript_notice(ui, TE_NOTICE, "Project settings not "
		    "applied: you chose not to be asked about this repository "
		    "(agentos trust yes trusts it).");
	if (st == TRUST_NONE || st == TRUST_NEVER ||
	    !trust_wanted(ui->cfg, &t->tf)) {
		trust_files_release(&t->tf);
		free(t);
		ui_begin(ui, flags);
		return;
	}
	what = trust_summary(ui->cfg, ui->root, &t->tf, 24);
	q = xasprintf("%s\n%s\n\nTrust lets them apply, now and in later "
	    "sessions until these files change.",
	    st == TRUST_CHANGED ? "This repository's settings changed since "
	    "you trusted it." : "This repository's own files would change "
	    "what agentos does.", what);
	ui_push(ui, view_choice_create(ui, "Trust this repository? ", q,
	    "tnd", "t trust   n or Esc not now (this session)   d do not ask "
	    "again",
	    ui_trust_answer, ui_trust_release, t));
	free(q);
	free(what);
	ui_redraw(ui);
}

int
ui_run(const char *root, const char *cwd, struct config *cfg, int flags)
{
	struct ui	 ui;
	SCREEN		*scr;
	char		*cause = NULL, *undo;
	size_t		 i;
	int		 rc = 0;

	if (!isatty(STDIN_FILENO) || !isatty(STDOUT_FILENO)) {
		fprintf(stderr, "agentos: the interactive mode needs a "
		    "terminal; use -p PROMPT to run headless\n");
		return (1);
	}
	setlocale(LC_ALL, "");
	if (strcmp(nl_langinfo(CODESET), "UTF-8") != 0 &&
	    setlocale(LC_CTYPE, "C.UTF-8") == NULL)
		setlocale(LC_CTYPE, "en_US.UTF-8");

	memset(&ui, 0, sizeof ui);
	ui.root = root;
	ui.cwd = cwd;
	ui.cfg = cfg;
	ui.selected = -1;
	ui.editor = editor_create();
	ui.kp = key_parser_create();
	ui.mouse = options_get(cfg)->ui.mouse;
	ui_current = &ui;
	fatal_hook = ui_fatal_hook;

	loop_init();

	if ((scr = newterm(NULL, stdout, stdin)) == NULL) {
		fprintf(stderr, "agentos: cannot start the terminal (TERM=%s)"
		    "\n", getenv("TERM") != NULL ? getenv("TERM") : "");
		rc = 1;
		goto out;
	}
	set_term(scr);
	ui.started = 1;
	ui_term_start(&ui);
	if (!options_get(cfg)->ui.alt_screen)
		ui_inline_start(&ui);
	ui.rows = LINES;
	ui.cols = COLS;
	{
		char			*why = NULL;
		const char * const	*pv;
		size_t			 np, pi;

		if (theme_load(cfg->theme, &why) != 0) {
			view_transcript_notice(&ui, TE_ERROR, "theme: %s",
			    why);
			free(why);
		}
		/* Unknown keys and bad values, once (options.c). */
		np = options_problems(cfg, &pv);
		for (pi = 0; pi < np; pi++)
			view_transcript_notice(&ui, TE_ERROR, "config: %s",
			    pv[pi]);
	}
	status_update_branch(&ui);

	undo = ui_key_hint(&ui, KEYM_MAIN, KA_REWIND);
	view_transcript_notice(&ui, TE_NOTICE, "agentos %s in %s. /help for "
	    "keys and commands; %s undoes the agent's last change.",
	    PACKAGE_VERSION, root, undo);
	free(undo);

	/*
	 * Show the screen before the agent reads the repository (project
	 * instructions, snapshot store), so start-up feels immediate.
	 */
	loop_timer_cancel(ui_frame_timer);
	ui_frame(&ui);
	ui_history_load(&ui);
	/* Folder trust first: what it grants must be there for the agent. */
	ui_ask_trust(&ui, flags);

	ui_ev_input = event_new(loop_base, STDIN_FILENO, EV_READ | EV_PERSIST,
	    ui_input, &ui);
	ui_ev_winch = evsignal_new(loop_base, SIGWINCH, ui_signal, &ui);
	ui_ev_term = evsignal_new(loop_base, SIGTERM, ui_signal, &ui);
	ui_ev_hup = evsignal_new(loop_base, SIGHUP, ui_signal, &ui);
	ui_ev_cont = evsignal_new(loop_base, SIGCONT, ui_signal, &ui);
	event_add(ui_ev_input, NULL);
	event_add(ui_ev_winch, NULL);
	event_add(ui_ev_term, NULL);
	event_add(ui_ev_hup, NULL);
	event_add(ui_ev_cont, NULL);

	ui_redraw(&ui);
	while (!ui.quit) {
		if (loop_run() != 0) {
			rc = 1;
			break;
		}
	}

	event_free(ui_ev_input);
	event_free(ui_ev_winch);
	event_free(ui_ev_term);
	event_free(ui_ev_hup);
	event_free(ui_ev_cont);
	loop_timer_cancel(ui_frame_timer);
	loop_timer_cancel(ui_esc_timer);
	loop_timer_cancel(ui_spin_timer);
	ui_frame_timer = ui_esc_timer = ui_spin_timer = NULL;
	while (ui.nviews > 0)
		ui_pop(&ui);
	if (ui.started) {
		ui.started = 0;
		ui_term_stop(&ui);
	}
	delscreen(scr);
	if (ui.inline_mode)
		ui_inline_quit(&ui);
	else
		ui_print_transcript(&ui);
	ui_exit_line(&ui);
	ui_queue_release(&ui);
	ui_mention_release(&ui);
	view_todo_release(&ui);
	cmd_custom_free_all();
out:
	fatal_hook = NULL;
	ui_current = NULL;
	if (ui.agent != NULL)
		agent_free(ui.agent);
	if (cfg->resume == ui.resume_id)
		cfg->resume = NULL;
	free(ui.resume_id);
	free(ui.cleared_from);
	free(ui.history);
	free(ui.progress);
	free(ui.hook_line);
	for (i = 0; i < ui.nentries; i++)
		tentry_free(ui.entries[i]);
	free(ui.entries);
	free(ui.views);
	free(ui.branch);
	free(cause);
	editor_free(ui.editor);
	key_parser_free(ui.kp);
	return (rc);
}
