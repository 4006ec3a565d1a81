/*
 * ui.h: the terminal front end: the screen manager and its views (ui.c,
 * view-*.c), the input editor (editor.c), keys and the key table (key.c),
 * the status bar, slash commands, themes and the markdown renderer.
 */
#ifndef UI_H
#define UI_H

#include "agentos.h"

/* ui.c, view-*.c, editor.c, status.c, theme.c, render-md.c: the TUI */

/*
 * Run the interactive TUI until the user quits; returns the exit status.
 * Owns the terminal while it runs (curses on stdout, input read from fd 0
 * on the loop); on return the terminal is restored and one line on stderr
 * names the session's snapshots and how to rewind them.  With cfg->resume
 * set the resumed conversation is shown first (an interrupted turn goes
 * on); with UI_PICK_SESSION in flags (-r without an id) a session picker
 * comes first, whose Esc starts a new session.
 */
#define UI_PICK_SESSION	0x1
int	 ui_run(const char *root, const char *cwd, struct config *cfg,
	    int flags);
/*
 * End curses at once if it owns the terminal (safe to call any time, also
 * from the fatal path): after it, stdout and stderr may be written.
 */
void	 ui_suspend_for_fatal(void);

/* utf8.c (utf8.h): UTF-8 for the views */
#include "utf8.h"

/* render-md.c: styled lines, and markdown rendered into them (md4c) */

/* Theme elements: a line's spans name one each (see themes/ *.theme). */
enum elem {
	EL_TEXT, EL_USER, EL_ASSISTANT, EL_THINKING, EL_TOOL, EL_TOOL_ERROR,
	EL_DIFF_ADD, EL_DIFF_DEL, EL_DIFF_HUNK, EL_DIFF_META, EL_STATUS,
	EL_STATUS_MODE, EL_NOTICE, EL_ERROR, EL_CODE, EL_HEADING, EL_PROMPT,
	EL_SELECTION, EL_LINE_NUMBER, EL_LINK, EL_QUOTE, EL_BORDER,
	EL_COUNT
};

/* Attributes added to an element's own (span attr bits). */
#define SA_BOLD		0x01
#define SA_ITALIC	0x02
#define SA_UNDERLINE	0x04
#define SA_DIM		0x08
#define SA_REVERSE	0x10

/* A run of bytes of a line drawn as one element with extra attributes. */
struct span {
	uint32_t	off, len;	/* bytes into the line's text */
	uint8_t		elem;		/* enum elem */
	uint8_t		attr;		/* SA_* */
	uint16_t	fg;		/* 0: the element's colour; else 1 +
					   a terminal colour 0-255 (SGR) */
};

/*
 * One screen line: UTF-8 text with no control characters (tabs expanded),
 * covered by spans in order, width columns wide.
 */
struct sline {
	struct buf	 text;
	struct span	*spans;
	size_t		 nspans, aspans;
	int		 width;		/* columns */
};

struct slines {
	struct sline	*v;
	size_t		 nr, alloc;
};

void	 slines_init(struct slines *sl);
void	 slines_release(struct slines *sl);
/* Append an empty line; the pointer is valid until the next add. */
struct sline *slines_add(struct slines *sl);
/*
 * Append len bytes of s to line l drawn as elem with attr (control
 * characters become U+2400 pictures, tabs spaces to the next multiple of 8).
 */
void	 sline_add(struct sline *l, const char *s, size_t len, int elem,
	    int attr);
/*
 * As sline_add() in terminal colour fg (1 + a colour 0-255 of the
 * xterm-256 palette; 0: the element's own), for command output.
 */
void	 sline_add_fg(struct sline *l, const char *s, size_t len, int elem,
	    int attr, int fg);
/*
 * Wrap plain text (len bytes) into lines at most width columns wide,
 * breaking at spaces where possible (anywhere in a word longer than a
 * line, and after wide characters), one or more lines per '\n'-separated
 * line, each starting with prefix (may be NULL) drawn as prefix_elem.
 */
void	 render_plain(struct slines *out, const char *s, size_t len, int width,
	    int elem, int attr, const char *prefix, int prefix_elem);
/*
 * render-term.c: render command output (len bytes, raw) as a terminal
 * shows it, into lines at most width columns wide (cut as a terminal
 * wraps), the first starting with prefix (may be NULL) drawn as
 * prefix_elem, the others with as many spaces.  SGR sequences (ECMA-48 8.3.117: 8 and 16 colours, 256 colours 38;5;N,
 * direct colour 38;2;R;G;B taken to the 6x6x6 cube, bold, dim, italic,
 * underline, reverse and their resets) colour the text (span fg and attr
 * over elem and attr); a lone CR goes back to the start of the line so
 * what follows overwrites it (a progress bar ends as its last state), BS
 * one character back, CSI K erases to the end; every other escape sequence
 * (CSI, OSC, DCS, charset) and control character is dropped.  Tabs go to
 * the next multiple of 8.  The model is sent tool_term_plain()'s text.
 */
void	 render_term(struct slines *out, const char *s, size_t len, int width,
	    int elem, int attr, const char *prefix, int prefix_elem);
/*
 * Render markdown (CommonMark with GitHub tables and strikethrough) into
 * lines at most width (at least 2) columns wide, but for prefixes of deep
 * nesting at tiny widths: headings, emphasis, inline code, code blocks,
 * block quotes, nested lists, rules, links and tables.  base_elem colours
 * plain text.  Incomplete markdown (a reply still streaming)
 * renders as far as it goes.
 */
void	 render_md(struct slines *out, const char *md, size_t len, int width,
	    int base_elem);
/*
 * Render a unified diff (len bytes) with old/new line numbers in a gutter,
 * additions and deletions coloured; long lines wrap at width.
 */
void	 render_diff(struct slines *out, const char *diff, size_t len,
	    int width);

/* editor.c: the input editor (a model without curses, for tests) */

struct editor;
/* A wrapped row of the editor: bytes [off, off + len) of the text. */
struct editor_row {
	size_t	off, len;
};
struct editor_layout {
	struct editor_row	*rows;
	size_t			 nrows, arows;
	size_t			 cursor_row;	/* row of the caret */
	int			 cursor_col;	/* column of the caret */
};

struct editor *editor_create(void);
void	 editor_free(struct editor *p);
/* The raw text being edited (placeholders unexpanded); borrowed. */
const char *editor_buffer(struct editor *p, size_t *len);
/* The caret as a byte offset into editor_buffer(). */
size_t	 editor_caret(struct editor *p);
int	 editor_empty(struct editor *p);
/* Replace the text (caret at the end) and forget pastes. */
void	 editor_set(struct editor *p, const char *text);
void	 editor_clear(struct editor *p);
/* Insert len bytes of UTF-8 at the caret (invalid bytes become U+FFFD). */
void	 editor_insert(struct editor *p, const char *s, size_t len);
/*
 * Insert a bracketed paste: short pastes go in as typed; pastes of more
 * than EDITOR_PASTE_LINES lines or EDITOR_PASTE_BYTES bytes show as a
 * placeholder "[pasted N lines]" that editor_text() expands.
 */
#define EDITOR_PASTE_LINES	5
#define EDITOR_PASTE_BYTES	1000
void	 editor_paste(struct editor *p, const char *s, size_t len);
/*
 * The text to send: the buffer with paste placeholders expanded.  The caret
 * moves over a placeholder as one unit, so it is whole or gone.  Caller
 * frees.
 */
char	*editor_text(struct editor *p);
/*
 * Editing at the caret; each returns 0, or -1 when nothing changed;
 * editor_backspace() and editor_delete() return 1 when they removed a
 * whole paste placeholder.
 */
int	 editor_backspace(struct editor *p);
int	 editor_delete(struct editor *p);
int	 editor_left(struct editor *p);
int	 editor_right(struct editor *p);
int	 editor_word_left(struct editor *p);
int	 editor_word_right(struct editor *p);
int	 editor_home(struct editor *p);		/* start of the line */
int	 editor_end(struct editor *p);		/* end of the line */
int	 editor_kill_line(struct editor *p);	/* C-k: to end of line */
int	 editor_kill_start(struct editor *p);	/* C-u: to start of line */
int	 editor_kill_word(struct editor *p);	/* C-w: word before caret */
/*
 * Move up or down one row of the layout at width columns, keeping the
 * column; -1 on the first (last) row, where the caller goes to history.
 */
int	 editor_up(struct editor *p, int width);
int	 editor_down(struct editor *p, int width);
/*
 * Wrap the text at width columns into l (rows of whole characters; a '\n'
 * ends a row) and find the caret's row and column.
 */
void	 editor_layout(struct editor *p, int width, struct editor_layout *l);
void	 editor_layout_release(struct editor_layout *l);
/* History: add a sent text (copied); browse with prev/next (-1: none). */
void	 editor_history_add(struct editor *p, const char *text);
/*
 * The history file: one entry a line, a newline written as \n and a
 * backslash as \\.  editor_history_load() adds the entries of path (a
 * missing file is empty) to the history, the newest EDITOR_HISTORY_MAX;
 * editor_history_save() appends text to path (created mode 0600, its
 * directory too), and rewrites it with the history in memory once it holds
 * more than twice EDITOR_HISTORY_MAX entries (so add text to the history
 * first).  Each 0 or -1 with cause.
 */
#define EDITOR_HISTORY_MAX	1000
int	 editor_history_load(struct editor *p, const char *path,
	    char **cause);
int	 editor_history_save(struct editor *p, const char *path,
	    const char *text, char **cause);
/* Escape text as one line of the history file; caller frees. */
char	*editor_history_escape(const char *text);
/* The entry of one line of the history file (len bytes); caller frees. */
char	*editor_history_unescape(const char *line, size_t len);
int	 editor_history_prev(struct editor *p);
int	 editor_history_next(struct editor *p);
/* The history's entries, oldest first: how many, and entry i (borrowed). */
size_t	 editor_history_count(struct editor *p);
const char *editor_history_get(struct editor *p, size_t i);
/*
 * Replace bytes [from, to) of the buffer with text (the caret ends after
 * it); nothing when the range is not in the buffer.  For completions.
 */
void	 editor_replace(struct editor *p, size_t from, size_t to,
	    const char *text);

/* key.c: terminal input bytes to keys, key names, and the key table */

/*
 * A key is a Unicode code point (control keys as their C0 code: C-a is 1,
 * Enter 13, C-j 10, Tab 9, Backspace 127) or a KEYC_* value, or'd with
 * modifier bits.
 */
typedef uint32_t key_code;
#define KEYC_META	0x01000000u
#define KEYC_CTRL	0x02000000u
#define KEYC_SHIFT	0x04000000u
#define KEYC_MASK_MOD	0x0f000000u
#define KEYC_MASK_KEY	0x00ffffffu
enum {
	KEYC_BASE = 0x00200000,
	KEYC_UP, KEYC_DOWN, KEYC_LEFT, KEYC_RIGHT, KEYC_HOME, KEYC_END,
	KEYC_IC, KEYC_DC, KEYC_PPAGE, KEYC_NPAGE, KEYC_BTAB,
	KEYC_F1, KEYC_F2, KEYC_F3, KEYC_F4, KEYC_F5, KEYC_F6, KEYC_F7,
	KEYC_F8, KEYC_F9, KEYC_F10, KEYC_F11, KEYC_F12,
	KEYC_PASTE,		/* a bracketed paste (text in the event) */
	KEYC_MOUSE,		/* an SGR mouse report */
	KEYC_FOCUS_IN, KEYC_FOCUS_OUT,
	KEYC_UNKNOWN,		/* a sequence not understood: ignored */
};
#define KEYC_ESCAPE	0x1b

struct key_event {
	key_code	 key;
	/* KEYC_PASTE: the pasted bytes (borrowed until the next feed). */
	const char	*paste;
	size_t		 paste_len;
	/* KEYC_MOUSE: SGR button code (64/65 wheel), 0-based cell, press. */
	int		 mouse_b, mouse_x, mouse_y, mouse_press;
};

struct key_parser;
struct key_parser *key_parser_create(void);
void	 key_parser_free(struct key_parser *kp);
/*
 * Feed len input bytes; cb is called once per complete key, in order.
 * A lone ESC or an incomplete sequence stays pending: the caller calls
 * key_parser_flush() when no more bytes came within a short delay (ESC
 * alone is then the Escape key).  Returns nonzero while bytes are pending.
 */
int	 key_parser_feed(struct key_parser *kp, const char *data, size_t len,
	    void (*cb)(void *, const struct key_event *), void *arg);
void	 key_parser_flush(struct key_parser *kp,
	    void (*cb)(void *, const struct key_event *), void *arg);
/*
 * Parse a key name as in the config file: "M-z", "C-r", "S-Tab", "Enter",
 * "Escape", "PageUp", "F1", "a".  KEYC_UNKNOWN when not a key.
 */
key_code key_from_string(const char *s);
/* The name of key, as key_from_string() reads it; caller frees. */
char	*key_to_string(key_code key);

/*
 * Where a binding applies, like tmux's key tables: the main screen looks in
 * KEYM_GLOBAL, KEYM_MAIN, then KEYM_EDITOR; a view in its own mode, then
 * KEYM_GLOBAL.
 */
enum key_mode {
	KEYM_GLOBAL,		/* whatever view is on top */
	KEYM_MAIN,		/* the transcript of the main screen */
	KEYM_EDITOR,		/* the input editor of the main screen */
	KEYM_APPROVAL,		/* the approval panel */
	KEYM_NOTE,		/* the approval panel's rejection note */
	KEYM_TIMELINE,		/* the snapshot timeline */
	KEYM_PAGER,		/* a pager (diff, /help) */
	KEYM_PICKER,		/* the session picker */
	KEYM_COUNT
};
/* What a binding does; one action may be bound in several modes. */
enum key_action {
	KA_NONE,
	/* global */
	KA_MODE_NEXT, KA_MOUSE, KA_REDRAW, KA_CANCEL,
	/* main */
	KA_REWIND, KA_TOGGLE_TOOL, KA_TOOL_PREV, KA_TOOL_NEXT, KA_TIMELINE,
	KA_SCROLL_UP, KA_SCROLL_DOWN, KA_SCROLL_TOP, KA_SCROLL_BOTTOM,
	/* editors (the input editor, the approval note) */
	KA_ED_SEND, KA_ED_NEWLINE, KA_ED_INTERRUPT, KA_ED_QUIT, KA_ED_STOP,
	KA_ED_SUSPEND, KA_ED_COMPLETE, KA_ED_BACKSPACE, KA_ED_DELETE,
	KA_ED_LEFT, KA_ED_RIGHT, KA_ED_WORD_LEFT, KA_ED_WORD_RIGHT,
	KA_ED_HOME, KA_ED_END, KA_ED_KILL_LINE, KA_ED_KILL_START,
	KA_ED_KILL_WORD, KA_ED_UP, KA_ED_DOWN, KA_ED_SEARCH, KA_ED_EXTERNAL,
	/* approval */
	KA_AP_YES, KA_AP_ALWAYS, KA_AP_NOTE, KA_AP_REJECT, KA_NOTE_BACK,
	/* lists and pagers */
	KA_LINE_UP, KA_LINE_DOWN, KA_PAGE_UP, KA_PAGE_DOWN, KA_TOP, KA_BOTTOM,
	KA_CLOSE, KA_SELECT, KA_DIFF, KA_RELOAD,
};
/* The most keys one binding holds (its defaults or "keys.NAME"). */
#define KEY_BIND_MAX	4
struct key_entry {
	enum key_mode	 mode;
	const char	*name;		/* config "keys.NAME", unique */
	const char	*key;		/* default keys, space separated */
	enum key_action	 action;
	const char	*help;		/* one line: /help, the man page */
};
/* Every binding, grouped by mode, ending with a NULL name. */
extern const struct key_entry key_table[];
/* The name of mode ("editor", "pager", ...); borrowed. */
const char *key_mode_name(enum key_mode mode);
/*
 * Parse s, key names separated by spaces ("Left C-b"), into keys (room for
 * KEY_BIND_MAX).  Returns how many, 0 for "none" or an empty string, or -1
 * when a name is not a key or there are more than KEY_BIND_MAX.
 */
int	 key_parse_list(const char *s, key_code *keys);
/*
 * The names of the n keys (KEYC_UNKNOWN ones skipped), space separated as
 * key_parse_list() reads them, or "none"; caller frees.
 */
char	*key_list_string(const key_code *keys, size_t n);
/*
 * The action bound to key in mode by ui's bindings (the "keys.*" options,
 * indexed as key_table; options.h), or by key_table's defaults when ui is
 * NULL.  KA_NONE when key is bound to nothing there.
 */
struct ui_options;
enum key_action key_lookup(const struct ui_options *ui, enum key_mode mode,
	    key_code key);
/*
 * The key bound first to action in mode, named for a hint ("Esc", "PgUp",
 * arrows for Up and Down), or "none" when unbound; caller frees.
 */
char	*key_hint(const struct ui_options *ui, enum key_mode mode,
	    enum key_action action);
/* The name of key for a hint, as key_hint() spells it; caller frees. */
char	*key_hint_name(key_code key);

/*
 * ui.c: the screen manager.  The screen is the transcript, the status bar
 * and the input editor, with views stacked over them (approval, snapshot
 * timeline, pager).  Views are vtables: a key handler returns VIEW_* flags
 * and the manager decides when to draw; all drawing happens from the loop,
 * coalesced into one frame (wnoutrefresh + doupdate).
 */
#define VIEW_HANDLED	0x1	/* the key was used */
#define VIEW_REDRAW	0x2	/* the screen must be drawn again */
#define VIEW_CLOSE	0x4	/* pop this view */

struct ui;
struct view;
struct view_ops {
	const char	*name;
	int		 fullscreen;	/* covers the transcript and prompt */
	void		(*free)(struct view *);
	int		(*key)(struct view *, const struct key_event *);
	/* Draw rows x cols at row y; a caret via ui_cursor(). */
	void		(*draw)(struct view *, int y, int rows, int cols);
	/* Rows wanted at the bottom of the screen (not fullscreen). */
	int		(*height)(struct view *, int rows, int cols);
};
struct view {
	const struct view_ops	*ops;
	struct ui		*ui;
	void			*data;
};

enum tentry_type {
	TE_USER, TE_ASSISTANT, TE_THINKING, TE_TOOL, TE_NOTICE, TE_ERROR,
};
enum tentry_state {
	TS_NONE, TS_RUNNING, TS_OK, TS_ERROR,
};

/* One entry of the transcript, and its lines at the last width. */
#define TENTRY_DIFF_MAX	(256 * 1024)	/* bytes of an edit's diff kept */
struct tentry {
	enum tentry_type	 type;
	struct buf		 text;		/* message, markdown, summary */
	struct buf		 output;	/* tool: output, then result */
	struct buf		 diff;		/* edit: the diff it applies
						   (shown expanded); or empty */
	enum tentry_state	 state;
	char			*tool_id;	/* tool: the call id */
	int			 exit_status;	/* tool: -1 if none */
	uint64_t		 duration_ms;
	int			 expanded;
	int			 provisional;	/* streamed, may be reset */
	struct slines		 lines;
	int			 lines_width;	/* 0: render again */
	int			 diag_errors;	/* edits: what the language */
	int			 diag_warnings;	/* server reports now */
	int			 term;		/* tool: output is a terminal's
						   (render_term()) */
};

struct todo_list;
struct ui_mention;
struct ui_queued;
struct ui {
	const char		*root, *cwd;
	struct config		*cfg;
	struct agent		*agent;		/* NULL if it failed */
	struct editor		*editor;
	struct key_parser	*kp;
	struct view		**views;
	size_t			 nviews, aviews;

	struct tentry		**entries;
	size_t			 nentries, aentries;
	struct tentry		*streaming;	/* assistant text arriving */
	struct tentry		*thinking;
	int			 scroll;	/* lines above the bottom */
	int			 page;		/* transcript rows drawn */
	long			 selected;	/* tool entry index; -1 last */

	int			 rows, cols;
	int			 mouse;		/* mouse reporting on */
	int			 quit;
	int			 ctrl_c;	/* C-c once on an empty prompt */
	struct tentry		*ctrl_c_notice;	/* its "again to quit" */
	key_code		 last_key;
	int			 cursor_y, cursor_x, cursor_on;
	char			*branch;
	unsigned int		 spin;
	size_t			 nsnapshots;	/* in this session */
	int			 started;	/* curses is up */
	char			*resume_id;	/* picked at start-up:
						   cfg->resume points here */
	char			*cleared_from;	/* session before /clear */
	char			*history;	/* prompt history file */
	char			*progress;	/* background work, or NULL */
	char			*hook_line;	/* a hook running, or NULL */
	struct view		*budget_view;	/* the ask at a limit, or NULL */
	struct ui_queued	*queued;	/* typed while a turn ran */
	size_t			 nqueued, aqueued;
	struct loop_timer	*queue_timer;	/* sending them, or NULL */
	struct ui_mention	*mention;	/* the @path popup, or NULL */
	struct todo_list	*todo;		/* the model's, or NULL */
	int			 todo_hidden;	/* /todo hid it */
};

/* Schedule a redraw (coalesced; at most one frame per ~16 ms). */
void	 ui_redraw(struct ui *ui);
/* Put the terminal cursor at (y, x) in this frame. */
void	 ui_cursor(struct ui *ui, int y, int x);
/* Draw line l at (y, x) clipped to width columns, or'ing in extra. */
void	 ui_draw_sline(int y, int x, int width, const struct sline *l,
	    unsigned int extra);
/* Draw s (UTF-8) at (y, x) clipped to width in elem; returns columns. */
int	 ui_draw_text(int y, int x, int width, const char *s, int elem,
	    int sa);
/* Push a view (the ui takes it) or pop and free the top one. */
void	 ui_push(struct ui *ui, struct view *v);
void	 ui_pop(struct ui *ui);
/* Remove view v from the stack wherever it is, and free it. */
void	 ui_remove(struct ui *ui, struct view *v);
/* Free every view with these ops (e.g. approvals when a turn ends). */
void	 ui_close_views(struct ui *ui, const struct view_ops *ops);
/* Quit after this iteration. */
void	 ui_quit(struct ui *ui);
/* Submit text as from the prompt: a slash command or a user message. */
void	 ui_submit(struct ui *ui, const char *text);
/*
 * As ui_submit(), but the transcript shows shown (the prompt with paste
 * placeholders unexpanded) while text (borrowed) goes to the model.
 */
void	 ui_submit_shown(struct ui *ui, const char *text, const char *shown);
/*
 * Send text (borrowed) to the model as the user's message, the transcript
 * showing shown: no slash command, no !command; queued while a turn runs.
 */
void	 ui_submit_message(struct ui *ui, const char *text, const char *shown);
/*
 * Rewind the files to snapshot id, or with id NULL to before the agent's
 * last change (Alt-z), saying what happened in the transcript; when files
 * changed by hand would be overwritten, ask first and force on yes.
 */
void	 ui_rewind(struct ui *ui, const char *id);
void	 ui_rewind_last(struct ui *ui);
/*
 * Restore from snapshot id of the timeline: with UI_RESTORE_FILES the files
 * (as ui_rewind()), with UI_RESTORE_CONV the conversation to before prompt
 * turn (ui_fork()), files first; the transcript then shows the fork.
 */
#define UI_RESTORE_FILES	0x1
#define UI_RESTORE_CONV		0x2
void	 ui_restore(struct ui *ui, const char *id, int turn, int what);
/*
 * Go on in a session forked from this one (agent_fork()): turn 0 keeps the
 * whole conversation (/fork) and the transcript; turn k > 0 goes back to
 * before the k-th prompt and shows that conversation.  A notice names the
 * new session and its parent, which stays as it was.
 */
void	 ui_fork(struct ui *ui, int turn);
/* Switch to session id (/resume) and show its conversation. */
void	 ui_resume(struct ui *ui, const char *id);
/* Start a new, empty conversation (/clear) and clear the screen. */
void	 ui_clear(struct ui *ui);
/* Count this session's snapshots again (for the status bar). */
void	 ui_snapshots_changed(struct ui *ui);
/* Cycle the permission mode (Shift-Tab). */
void	 ui_mode_next(struct ui *ui);
/*
 * The key bound to action in mode by the configuration, named for a hint
 * (key_hint()); caller frees.
 */
char	*ui_key_hint(struct ui *ui, enum key_mode mode, enum key_action action);
/*
 * One item of a hint line: the keys of action (and of action2 unless
 * KA_NONE, joined: "\xe2\x86\x91\xe2\x86\x93", "k/j") and what they do.
 */
struct ui_hint {
	enum key_action	 action, action2;
	const char	*label;
};
/*
 * Append the hints (ending with a KA_NONE action) to b as "KEYS label",
 * three spaces apart, with the keys the configuration binds in mode; an
 * item whose keys are all unbound is left out.
 */
void	 ui_key_hints(struct ui *ui, enum key_mode mode,
	    const struct ui_hint *hints, struct buf *b);
/* The action bound to key in mode by the configuration (key_lookup()). */
enum key_action ui_key_action(struct ui *ui, enum key_mode mode,
	    key_code key);

/* ui-queue.c: messages typed while a turn runs, sent when it ends */

/* Queue a message: text goes to the model, shown to the transcript. */
void	 ui_queue_add(struct ui *ui, const char *text, const char *shown);
/* Take the last queued message back into the editor; -1 if none. */
int	 ui_queue_edit_last(struct ui *ui);
/* Send the queue (joined, in order) from the loop as the next message. */
void	 ui_queue_flush(struct ui *ui);
/*
 * The turn ended (error NULL: normally): send the queue; after an error or
 * a stop it stays, and a notice says how to send or edit it.
 */
void	 ui_queue_turn_done(struct ui *ui, const char *error);
/* Rows the queue takes below the transcript (0 when empty). */
int	 ui_queue_height(struct ui *ui);
/* Draw the queue in rows x cols at row y. */
void	 ui_queue_draw(struct ui *ui, int y, int rows, int cols);
/* Free the queue (at exit). */
void	 ui_queue_release(struct ui *ui);

/* ui-mention.c: the @path completion popup and attachments */

/*
 * A key on the main screen while the popup is shown: Tab and Enter insert
 * the selected path, Up and Down select, Esc closes it.  Returns nonzero
 * when the key was used.
 */
int	 ui_mention_key(struct ui *ui, const struct key_event *ev);
/* The prompt changed: open, update or close the popup. */
void	 ui_mention_update(struct ui *ui);
/* Rows the popup takes above the status bar (0: closed). */
int	 ui_mention_height(struct ui *ui);
void	 ui_mention_draw(struct ui *ui, int y, int rows, int cols);
/*
 * The text to send with the files its @path words mention attached
 * (complete_attach()), each attachment noted in the transcript; caller
 * frees.
 */
char	*ui_mention_attach(struct ui *ui, const char *text);
void	 ui_mention_release(struct ui *ui);
/* C-r: open the history search (what the prompt holds starts it). */
void	 ui_mention_search(struct ui *ui);

/* view-todo.c: the model's todo list above the status bar (todo.h) */

/* Show the list of a successful todo_write call's input (borrowed). */
void	 view_todo_set(struct ui *ui, json_t *input);
/* Show the last successful todo_write of conv, or none (a resume). */
void	 view_todo_load(struct ui *ui, const struct conv *conv);
void	 view_todo_release(struct ui *ui);
/* Rows the list takes (0: none or hidden), and draw it there. */
int	 view_todo_height(struct ui *ui);
void	 view_todo_draw(struct ui *ui, int y, int rows, int cols);
/* Append " | todo DONE/ALL" for the status bar to b, when there is one. */
void	 view_todo_status(struct ui *ui, struct buf *b);

/* view-transcript.c: the transcript entries and their drawing */

/* Append an entry of type with text (may be NULL); owned by ui. */
struct tentry *view_transcript_add(struct ui *ui, enum tentry_type type,
	    const char *text);
/* Add a formatted notice or error line. */
void	 view_transcript_notice(struct ui *ui, enum tentry_type type,
	    const char *fmt, ...) __attribute__((format(printf, 3, 4)));
/* Remove entry e (if it is still there) and free it. */
void	 view_transcript_remove(struct ui *ui, struct tentry *e);
/*
 * Add a prompt sent: shown (the placeholders of pastes) on screen, text
 * (what was sent, copied) kept to expand when it differs.
 */
void	 view_transcript_prompt(struct ui *ui, const char *text,
	    const char *shown);
/* Remove provisional entries (a retried attempt's streamed text). */
void	 view_transcript_reset_stream(struct ui *ui);
/* Remove every entry (the screen only; the conversation stays). */
void	 view_transcript_clear(struct ui *ui);
/*
 * Append entries for the conversation conv (borrowed, read now): user
 * prompts, the assistant's text as markdown, thinking collapsed, tool calls
 * one line each with their results collapsed (a resume, a fork).
 */
void	 view_transcript_load(struct ui *ui, const struct conv *conv);
/* The tool entry of call id, or NULL. */
struct tentry *view_transcript_find_tool(struct ui *ui, const char *id);
/* Render entry e for width (cached) and return its lines. */
const struct slines *view_transcript_lines(struct ui *ui, struct tentry *e,
	    int width);
/* Mark every entry for rendering again (width or theme change). */
void	 view_transcript_invalidate(struct ui *ui);
/* Draw the transcript in rows x cols at row y, honouring ui->scroll. */
void	 view_transcript_draw(struct ui *ui, int y, int rows, int cols);
/* Scroll by n lines (positive: back in time); clamps. */
void	 view_transcript_scroll(struct ui *ui, int n);
/* Select the previous or next tool entry (dir -1 or 1), or toggle it. */
void	 view_transcript_select_tool(struct ui *ui, int dir);
void	 view_transcript_toggle_tool(struct ui *ui);
void	 tentry_free(struct tentry *e);

/* view-approval.c: approve, always approve or reject a tool call */

/* Ask about tc (borrowed until answered) showing preview (copied). */
struct view *view_approval_create(struct ui *ui, struct tool_call *tc,
	    const char *preview);
extern const struct view_ops view_approval_ops;
/*
 * The call of approval panel v (borrowed), or NULL when v is another view
 * or the panel is taking a note.  view_approval_accept() approves it once,
 * as y does, and frees v.
 */
struct tool_call *view_approval_call(struct view *v);
void	 view_approval_accept(struct view *v);
/*
 * Ask a yes/no question (copied) in the same panel: y calls yes(ui, arg),
 * which then owns arg; n or Esc closes and calls release(arg) (may be NULL).
 */
struct view *view_confirm_create(struct ui *ui, const char *question,
	    void (*yes)(struct ui *, void *), void (*release)(void *),
	    void *arg);
extern const struct view_ops view_confirm_ops;

/*
 * Ask a question with one-key answers in the same panel: a key in keys
 * (lower case, e.g. "fcb") calls answer(ui, key, arg), which then owns
 * arg; Esc closes and calls release(arg) (may be NULL).  title heads the
 * panel, hint names the keys on its last line; both are copied.
 */
struct view *view_choice_create(struct ui *ui, const char *title,
	    const char *question, const char *keys, const char *hint,
	    void (*answer)(struct ui *, int, void *), void (*release)(void *),
	    void *arg);

/* view-sessions.c: the session picker (agentos -r, /resume) */

/*
 * List the repository's sessions (session_list()), most recent first: id,
 * start time, prompts, tokens, snapshots and the first prompt.  Enter
 * calls done(ui, id), Esc done(ui, NULL) (id borrowed for the call; the
 * view is gone by then).  startup labels Esc "new session".  NULL with
 * cause when there is no session to pick or the log cannot be read.
 */
struct view *view_sessions_create(struct ui *ui, int startup,
	    void (*done)(struct ui *, const char *), char **cause);
extern const struct view_ops view_sessions_ops;

/* view-snapshots.c: the snapshot timeline, and the pager for diffs */

struct view *view_snapshots_create(struct ui *ui);
extern const struct view_ops view_snapshots_ops;
/* How the pager renders its text. */
enum pager_kind {
	PAGER_PLAIN,
	PAGER_DIFF,			/* unified diff, line numbers */
	PAGER_MARKDOWN,
};
/* A scrolling full-screen view of text (copied) under a title. */
struct view *view_pager_create(struct ui *ui, const char *title,
	    const char *text, enum pager_kind kind);
/* A pager of the unified diff between snapshot id and the worktree. */
void	 view_pager_diff(struct ui *ui, const char *id);

/* status.c: the status bar */

/* Draw the status bar at row y, cols wide. */
void	 status_draw(struct ui *ui, int y, int cols);
/* Read the current branch name again (libgit2) into ui->branch. */
void	 status_update_branch(struct ui *ui);
/* Append a token count to b as 950, 12.3k or 1.2M. */
void	 status_tokens(struct buf *b, int64_t n);

/* slash.c: slash commands typed at the prompt */

struct slash_entry {
	const char	*name;		/* without the slash */
	const char	*args;		/* usage of the arguments */
	const char	*help;
	/* Run with args (after the name, trimmed; "" if none). */
	void		(*exec)(struct ui *ui, const char *args);
};
extern const struct slash_entry slash_table[];
/*
 * Run line ("/name args") if it names a slash command; 0 if it did, -1 if
 * there is no such command (the caller says so).
 */
int	 slash_run(struct ui *ui, const char *line);
/*
 * Complete a command name prefix in line: a unique one to "/name ", an
 * ambiguous one to the prefix all candidates share (NULL when that adds
 * nothing).  When candidates is not NULL and more than one command matches,
 * "/a  /b ..." is appended to it (empty otherwise).  Caller frees.
 */
char	*slash_complete(const char *line, struct buf *candidates);
/*
 * Read the custom commands again (cmd-custom.h: the user's, and the
 * project's when it is trusted), for slash_complete() and /help.
 */
void	 slash_custom_scan(struct ui *ui);

/* theme.c: colours and attributes of the elements */

/* Element names as in theme files ("diff-add"); NULL when out of range. */
const char *theme_elem_name(int elem);
/*
 * Load theme name (a file path when it contains '/', else NAME.theme in
 * $AGENTOS_THEME_DIR, AGENTOS_DATADIR/themes, or the themes/ directory of
 * the source tree next to the binary), falling back to built-in colours.
 * Must be called after curses started.  0, or -1 with cause (the built-in
 * colours are then in use).
 */
int	 theme_load(const char *name, char **cause);
/*
 * Parse theme text into fg, bg (-1: default) and attr (A_* curses bits)
 * per element; unknown elements are errors naming the line.  For tests.
 */
int	 theme_parse(const char *text, short *fg, short *bg,
	    unsigned int *attr, char **cause);
/* The curses attribute (pair and attributes) of elem plus SA_* bits. */
unsigned int theme_attr(int elem, int sa);
/*
 * As theme_attr() in terminal colour fg (a span's fg: 0 is the element's
 * colour, else 1 + a colour 0-255, fitted to the terminal's colours) on the
 * default background; its colour pair is made on first use (the element's
 * own colour when the terminal has no pair to spare).
 */
unsigned int theme_attr_fg(int elem, int sa, int fg);

#endif
