/*
 * key.c: terminal input bytes to keys, key names, and the key table.
 *
 * agentos reads the terminal itself rather than through curses' getch(), so
 * input is one more event on the loop and the sequences curses does not know
 * (bracketed paste, SGR mouse, CSI u and xterm modifyOtherKeys for
 * Shift-Enter) are understood.  The sequences are xterm's, as documented in
 * "XTerm Control Sequences" (invisible-island.net/xterm/ctlseqs), which
 * every current terminal emulator follows for these keys.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "agentos.h"
#include "ui.h"
#include "options.h"
#include "banned.h"

#define KEY_SEQ_MAX	64	/* longer "sequences" are garbage */

static const char paste_end[] = "\033[201~";

struct key_parser {
	struct buf	in;		/* bytes not yet parsed */
	int		in_paste;
	struct buf	paste;
};

typedef void (*key_cb)(void *, const struct key_event *);

/* Names of the special keys, for the config file and help. */
static const struct {
	const char	*name;
	key_code	 key;
} key_names[] = {
	{ "Up", KEYC_UP }, { "Down", KEYC_DOWN }, { "Left", KEYC_LEFT },
	{ "Right", KEYC_RIGHT }, { "Home", KEYC_HOME }, { "End", KEYC_END },
	{ "IC", KEYC_IC }, { "Insert", KEYC_IC }, { "DC", KEYC_DC },
	{ "Delete", KEYC_DC }, { "PageUp", KEYC_PPAGE },
	{ "PPage", KEYC_PPAGE }, { "PageDown", KEYC_NPAGE },
	{ "NPage", KEYC_NPAGE }, { "BTab", KEYC_BTAB }, { "F1", KEYC_F1 },
	{ "F2", KEYC_F2 }, { "F3", KEYC_F3 }, { "F4", KEYC_F4 },
	{ "F5", KEYC_F5 }, { "F6", KEYC_F6 }, { "F7", KEYC_F7 },
	{ "F8", KEYC_F8 }, { "F9", KEYC_F9 }, { "F10", KEYC_F10 },
	{ "F11", KEYC_F11 }, { "F12", KEYC_F12 }, { "Enter", '\r' },
	{ "Escape", KEYC_ESCAPE }, { "Esc", KEYC_ESCAPE }, { "Tab", '\t' },
	{ "Space", ' ' }, { "BSpace", 0x7f }, { "Backspace", 0x7f },
};

/*
 * The key table: every binding a user can press, one row each, grouped by
 * the mode (tmux's key tables) where it applies.  A row names its default
 * keys (several, space separated); "keys.NAME" in the config replaces them.
 * The main screen looks in the global, main and editor modes in that order;
 * a view in its own mode, then the global one.  Typed text and pastes are
 * not bindings.
 */
const struct key_entry key_table[] = {
	/* global */
	{ .mode = KEYM_GLOBAL, .name = "mode", .key = "S-Tab",
	  .action = KA_MODE_NEXT, .help = "cycle the permission mode" },
	{ .mode = KEYM_GLOBAL, .name = "mouse", .key = "M-m",
	  .action = KA_MOUSE,
	  .help = "toggle mouse reporting (wheel scrolling)" },
	{ .mode = KEYM_GLOBAL, .name = "redraw", .key = "C-l",
	  .action = KA_REDRAW, .help = "redraw the screen" },
	{ .mode = KEYM_GLOBAL, .name = "cancel", .key = "C-c",
	  .action = KA_CANCEL,
	  .help = "over a panel or view: stop the running turn" },
	/* main */
	{ .mode = KEYM_MAIN, .name = "rewind", .key = "M-z",
	  .action = KA_REWIND,
	  .help = "rewind the files to before the agent's last change" },
	{ .mode = KEYM_MAIN, .name = "expand", .key = "C-o",
	  .action = KA_TOGGLE_TOOL,
	  .help = "show or hide the full result of the selected tool call" },
	{ .mode = KEYM_MAIN, .name = "tool-prev", .key = "M-Up",
	  .action = KA_TOOL_PREV, .help = "select the previous tool call" },
	{ .mode = KEYM_MAIN, .name = "tool-next", .key = "M-Down",
	  .action = KA_TOOL_NEXT, .help = "select the next tool call" },
	{ .mode = KEYM_MAIN, .name = "snapshots", .key = "M-s",
	  .action = KA_TIMELINE,
	  .help = "open the snapshot timeline (also Esc Esc)" },
	{ .mode = KEYM_MAIN, .name = "scroll-up", .key = "PageUp",
	  .action = KA_SCROLL_UP, .help = "scroll the transcript up a page" },
	{ .mode = KEYM_MAIN, .name = "scroll-down", .key = "PageDown",
	  .action = KA_SCROLL_DOWN,
	  .help = "scroll the transcript down a page" },
	{ .mode = KEYM_MAIN, .name = "scroll-top", .key = "M-<",
	  .action = KA_SCROLL_TOP,
	  .help = "scroll to the start of the transcript" },
	{ .mode = KEYM_MAIN, .name = "scroll-bottom", .key = "M->",
	  .action = KA_SCROLL_BOTTOM,
	  .help = "scroll to the end and follow new output" },
	/* editor */
	{ .mode = KEYM_EDITOR, .name = "editor-send", .key = "Enter",
	  .action = KA_ED_SEND,
	  .help = "send the message (or run the /command)" },
	{ .mode = KEYM_EDITOR, .name = "editor-newline",
	  .key = "M-Enter C-j S-Enter",
	  .action = KA_ED_NEWLINE, .help = "insert a new line" },
	{ .mode = KEYM_EDITOR, .name = "editor-interrupt", .key = "C-c",
	  .action = KA_ED_INTERRUPT,
	  .help = "stop if busy, else clear the prompt; twice to quit" },
	{ .mode = KEYM_EDITOR, .name = "editor-quit", .key = "C-d",
	  .action = KA_ED_QUIT,
	  .help = "on an empty prompt: quit; else delete the character under "
	    "the caret" },
	{ .mode = KEYM_EDITOR, .name = "editor-stop", .key = "Escape",
	  .action = KA_ED_STOP,
	  .help = "stop the request or running tool at once; twice on an "
	    "empty prompt: the snapshot timeline" },
	{ .mode = KEYM_EDITOR, .name = "editor-suspend", .key = "C-z",
	  .action = KA_ED_SUSPEND, .help = "suspend (fg resumes)" },
	{ .mode = KEYM_EDITOR, .name = "editor-complete", .key = "Tab",
	  .action = KA_ED_COMPLETE, .help = "complete a /command" },
	{ .mode = KEYM_EDITOR, .name = "editor-backspace", .key = "BSpace C-h",
	  .action = KA_ED_BACKSPACE,
	  .help = "delete the character before the caret" },
	{ .mode = KEYM_EDITOR, .name = "editor-delete", .key = "Delete",
	  .action = KA_ED_DELETE,
	  .help = "delete the character under the caret" },
	{ .mode = KEYM_EDITOR, .name = "editor-left", .key = "Left C-b",
	  .action = KA_ED_LEFT, .help = "move the caret left" },
	{ .mode = KEYM_EDITOR, .name = "editor-right", .key = "Right C-f",
	  .action = KA_ED_RIGHT, .help = "move the caret right" },
	{ .mode = KEYM_EDITOR, .name = "editor-word-left",
	  .key = "C-Left M-Left M-b",
	  .action = KA_ED_WORD_LEFT, .help = "move a word left" },
	{ .mode = KEYM_EDITOR, .name = "editor-word-right",
	  .key = "C-Right M-Right M-f",
	  .action = KA_ED_WORD_RIGHT, .help = "move a word right" },
	{ .mode = KEYM_EDITOR, .name = "editor-home", .key = "Home C-a",
	  .action = KA_ED_HOME, .help = "go to the start of the line" },
	{ .mode = KEYM_EDITOR, .name = "editor-end", .key = "End C-e",
	  .action = KA_ED_END, .help = "go to the end of the line" },
	{ .mode = KEYM_EDITOR, .name = "editor-kill-line", .key = "C-k",
	  .action = KA_ED_KILL_LINE, .help = "delete to the end of the line" },
	{ .mode = KEYM_EDITOR, .name = "editor-kill-start", .key = "C-u",
	  .action = KA_ED_KILL_START,
	  .help = "delete to the start of the line" },
	{ .mode = KEYM_EDITOR, .name = "editor-kill-word",
	  .key = "C-w M-BSpace",
	  .action = KA_ED_KILL_WORD,
	  .help = "delete the word before the caret" },
	{ .mode = KEYM_EDITOR, .name = "editor-up", .key = "Up C-p",
	  .action = KA_ED_UP,
	  .help = "move up a line; on the first, back in the history" },
	{ .mode = KEYM_EDITOR, .name = "editor-down", .key = "Down C-n",
	  .action = KA_ED_DOWN,
	  .help = "move down a line; on the last, forward in the history" },
	{ .mode = KEYM_EDITOR, .name = "editor-search", .key = "C-r",
	  .action = KA_ED_SEARCH,
	  .help = "search the history of sent messages (again: older)" },
	{ .mode = KEYM_EDITOR, .name = "editor-external", .key = "C-g",
	  .action = KA_ED_EXTERNAL,
	  .help = "edit the prompt in $VISUAL or $EDITOR" },
	{ .mode = KEYM_EDITOR, .name = "editor-paste-image", .key = "C-v",
	  .action = KA_ED_PASTE_IMAGE,
	  .help = "attach the image on the clipboard (wl-paste or xclip)" },
	/* approval */
	{ .mode = KEYM_APPROVAL, .name = "approval-yes", .key = "y Y",
	  .action = KA_AP_YES, .help = "run it, once" },
	{ .mode = KEYM_APPROVAL, .name = "approval-always", .key = "a A",
	  .action = KA_AP_ALWAYS,
	  .help = "run it, and save an allow rule (this exact command, its "
	    "subcommand prefix, this file, its folder) for the session" },
	{ .mode = KEYM_APPROVAL, .name = "approval-note", .key = "n N",
	  .action = KA_AP_NOTE, .help = "reject, with a note for the model" },
	{ .mode = KEYM_APPROVAL, .name = "approval-reject", .key = "Escape",
	  .action = KA_AP_REJECT, .help = "reject without a note" },
	{ .mode = KEYM_APPROVAL, .name = "approval-up", .key = "Up k",
	  .action = KA_LINE_UP, .help = "scroll the preview up a line" },
	{ .mode = KEYM_APPROVAL, .name = "approval-down", .key = "Down j",
	  .action = KA_LINE_DOWN, .help = "scroll the preview down a line" },
	{ .mode = KEYM_APPROVAL, .name = "approval-page-up", .key = "PageUp",
	  .action = KA_PAGE_UP, .help = "scroll the preview up a page" },
	{ .mode = KEYM_APPROVAL, .name = "approval-page-down",
	  .key = "PageDown Space",
	  .action = KA_PAGE_DOWN, .help = "scroll the preview down a page" },
	{ .mode = KEYM_APPROVAL, .name = "approval-top", .key = "Home",
	  .action = KA_TOP, .help = "go to the start of the preview" },
	{ .mode = KEYM_APPROVAL, .name = "approval-bottom", .key = "End",
	  .action = KA_BOTTOM, .help = "go to the end of the preview" },
	/* note */
	{ .mode = KEYM_NOTE, .name = "note-send", .key = "Enter",
	  .action = KA_ED_SEND, .help = "reject with the note typed" },
	{ .mode = KEYM_NOTE, .name = "note-back", .key = "Escape",
	  .action = KA_NOTE_BACK,
	  .help = "drop the note, back to the choices" },
	{ .mode = KEYM_NOTE, .name = "note-backspace", .key = "BSpace C-h",
	  .action = KA_ED_BACKSPACE,
	  .help = "delete the character before the caret" },
	{ .mode = KEYM_NOTE, .name = "note-delete", .key = "Delete",
	  .action = KA_ED_DELETE,
	  .help = "delete the character under the caret" },
	{ .mode = KEYM_NOTE, .name = "note-left", .key = "Left",
	  .action = KA_ED_LEFT, .help = "move the caret left" },
	{ .mode = KEYM_NOTE, .name = "note-right", .key = "Right",
	  .action = KA_ED_RIGHT, .help = "move the caret right" },
	{ .mode = KEYM_NOTE, .name = "note-home", .key = "Home C-a",
	  .action = KA_ED_HOME, .help = "go to the start of the note" },
	{ .mode = KEYM_NOTE, .name = "note-end", .key = "End C-e",
	  .action = KA_ED_END, .help = "go to the end of the note" },
	{ .mode = KEYM_NOTE, .name = "note-kill-start", .key = "C-u",
	  .action = KA_ED_KILL_START,
	  .help = "delete to the start of the note" },
	{ .mode = KEYM_NOTE, .name = "note-kill-word", .key = "C-w",
	  .action = KA_ED_KILL_WORD,
	  .help = "delete the word before the caret" },
	/* timeline */
	{ .mode = KEYM_TIMELINE, .name = "timeline-close", .key = "Escape q",
	  .action = KA_CLOSE, .help = "close the timeline" },
	{ .mode = KEYM_TIMELINE, .name = "timeline-up", .key = "Up k",
	  .action = KA_LINE_UP, .help = "select the previous snapshot" },
	{ .mode = KEYM_TIMELINE, .name = "timeline-down", .key = "Down j",
	  .action = KA_LINE_DOWN, .help = "select the next snapshot" },
	{ .mode = KEYM_TIMELINE, .name = "timeline-top", .key = "Home",
	  .action = KA_TOP, .help = "select the first snapshot" },
	{ .mode = KEYM_TIMELINE, .name = "timeline-bottom", .key = "End",
	  .action = KA_BOTTOM, .help = "select the last snapshot" },
	{ .mode = KEYM_TIMELINE, .name = "timeline-restore", .key = "Enter",
	  .action = KA_SELECT,
	  .help = "restore this point (files, conversation or both)" },
	{ .mode = KEYM_TIMELINE, .name = "timeline-diff", .key = "d",
	  .action = KA_DIFF,
	  .help = "show the diff from this snapshot to now" },
	{ .mode = KEYM_TIMELINE, .name = "timeline-reload", .key = "r",
	  .action = KA_RELOAD, .help = "reload the list" },
	/* pager */
	{ .mode = KEYM_PAGER, .name = "pager-close", .key = "Escape q",
	  .action = KA_CLOSE, .help = "close the pager" },
	{ .mode = KEYM_PAGER, .name = "pager-up", .key = "Up k",
	  .action = KA_LINE_UP, .help = "scroll up a line" },
	{ .mode = KEYM_PAGER, .name = "pager-down", .key = "Down j Enter",
	  .action = KA_LINE_DOWN, .help = "scroll down a line" },
	{ .mode = KEYM_PAGER, .name = "pager-page-up", .key = "PageUp b",
	  .action = KA_PAGE_UP, .help = "scroll up a page" },
	{ .mode = KEYM_PAGER, .name = "pager-page-down",
	  .key = "PageDown Space",
	  .action = KA_PAGE_DOWN, .help = "scroll down a page" },
	{ .mode = KEYM_PAGER, .name = "pager-top", .key = "Home g",
	  .action = KA_TOP, .help = "go to the start" },
	{ .mode = KEYM_PAGER, .name = "pager-bottom", .key = "End G",
	  .action = KA_BOTTOM, .help = "go to the end" },
	/* picker */
	{ .mode = KEYM_PICKER, .name = "picker-close", .key = "Escape q",
	  .action = KA_CLOSE,
	  .help = "close the picker (at start: a new session)" },
	{ .mode = KEYM_PICKER, .name = "picker-select", .key = "Enter",
	  .action = KA_SELECT, .help = "resume the selected session" },
	{ .mode = KEYM_PICKER, .name = "picker-up", .key = "Up k C-p",
	  .action = KA_LINE_UP, .help = "select the previous session" },
	{ .mode = KEYM_PICKER, .name = "picker-down", .key = "Down j C-n",
	  .action = KA_LINE_DOWN, .help = "select the next session" },
	{ .mode = KEYM_PICKER, .name = "picker-top", .key = "Home",
	  .action = KA_TOP, .help = "select the first session" },
	{ .mode = KEYM_PICKER, .name = "picker-bottom", .key = "End",
	  .action = KA_BOTTOM, .help = "select the last session" },
	{ .mode = KEYM_PICKER, .name = "picker-page-up", .key = "PageUp",
	  .action = KA_PAGE_UP, .help = "select ten sessions up" },
	{ .mode = KEYM_PICKER, .name = "picker-page-down", .key = "PageDown",
	  .action = KA_PAGE_DOWN, .help = "select ten sessions down" },
	{ .name = NULL }
};

static void	key_emit(key_cb, void *, key_code);
static size_t	key_parse_csi(struct key_parser *, const char *, size_t,
		    key_cb, void *);
static key_code	key_modifiers(key_code, int);

struct key_parser *
key_parser_create(void)
{
	struct key_parser	*kp = xcalloc(1, sizeof *kp);

	buf_init(&kp->in, 0);
	buf_init(&kp->paste, 0);
	return (kp);
}

void
key_parser_free(struct key_parser *kp)
{
	if (kp == NULL)
		return;
	buf_release(&kp->in);
	buf_release(&kp->paste);
	free(kp);
}

static void
key_emit(key_cb cb, void *arg, key_code key)
{
	struct key_event	ev;

	memset(&ev, 0, sizeof ev);
	ev.key = key;
	cb(arg, &ev);
}

/* Add xterm's modifier parameter (1 + shift 1, alt 2, ctrl 4) to key. */
static key_code
key_modifiers(key_code key, int m)
{
	if (m < 2)
		return (key);
	m--;
	if (m & 1)
		key |= KEYC_SHIFT;
	if (m & 2)
		key |= KEYC_META;
	if (m & 4) {
		/* Control letters are their C0 codes, as a terminal sends. */
		if ((key & KEYC_MASK_KEY) >= 'a' &&
		    (key & KEYC_MASK_KEY) <= 'z')
			key = (key & ~KEYC_MASK_KEY) | ((key & 0x1f));
		else
			key |= KEYC_CTRL;
	}
	return (key);
}

/*
 * Parse the CSI sequence at s (len bytes, s[0] ESC, s[1] '[').  Returns the
 * bytes used, or 0 when the sequence is incomplete.
 */
static size_t
key_parse_csi(struct key_parser *kp, const char *s, size_t len, key_cb cb,
    void *arg)
{
	struct key_event	 ev;
	long			 p[4] = { 0, 0, 0, 0 };
	size_t			 i, np = 0;
	int			 private = 0;
	key_code		 key = KEYC_UNKNOWN;
	char			 f;

	i = 2;
	if (i < len && (s[i] == '<' || s[i] == '?' || s[i] == '>'))
		private = s[i++];
	for (; i < len; i++) {
		if (s[i] >= '0' && s[i] <= '9') {
			if (np == 0)
				np = 1;
			if (np <= 4 && p[np - 1] < 100000)
				p[np - 1] = p[np - 1] * 10 + (s[i] - '0');
		} else if (s[i] == ';' || s[i] == ':') {
			if (np == 0)
				np = 1;
			np++;
		} else
			break;
	}
	while (i < len && s[i] >= 0x20 && s[i] <= 0x2f)
		i++;
	if (i >= len) {
		if (len < KEY_SEQ_MAX)
			return (0);
		key_emit(cb, arg, KEYC_UNKNOWN);
		return (len);
	}
	f = s[i++];
	if ((unsigned char)f < 0x40 || (unsigned char)f > 0x7e) {
		key_emit(cb, arg, KEYC_UNKNOWN);
		return (i);
	}
	if (private == '<' && (f == 'M' || f == 'm')) {
		memset(&ev, 0, sizeof ev);
		ev.key = KEYC_MOUSE;
		ev.mouse_b = p[0];
		ev.mouse_x = p[1] > 0 ? p[1] - 1 : 0;
		ev.mouse_y = p[2] > 0 ? p[2] - 1 : 0;
		ev.mouse_press = f == 'M';
		cb(arg, &ev);
		return (i);
	}
	if (private != 0) {
		key_emit(cb, arg, KEYC_UNKNOWN);
		return (i);
	}
	switch (f) {
	case 'A': key = KEYC_UP; break;
	case 'B': key = KEYC_DOWN; break;
	case 'C': key = KEYC_RIGHT; break;
	case 'D': key = KEYC_LEFT; break;
	case 'H': key = KEYC_HOME; break;
	case 'F': key = KEYC_END; break;
	case 'P': key = KEYC_F1; break;
	case 'Q': key = KEYC_F2; break;
	case 'S': key = KEYC_F4; break;
	case 'Z': key = KEYC_BTAB; break;
	case 'I': key = KEYC_FOCUS_IN; break;
	case 'O': key = KEYC_FOCUS_OUT; break;
	case 'u':
		/* CSI code ; mods u (fixterms / kitty). */
		key = p[0] > 0 && p[0] < 0x110000 ? (key_code)p[0] :
		    KEYC_UNKNOWN;
		if (key == 27)
			key = KEYC_ESCAPE;
		break;
	case '~':
		switch (p[0]) {
		case 1: case 7: key = KEYC_HOME; break;
		case 2: key = KEYC_IC; break;
		case 3: key = KEYC_DC; break;
		case 4: case 8: key = KEYC_END; break;
		case 5: key = KEYC_PPAGE; break;
		case 6: key = KEYC_NPAGE; break;
		case 11: key = KEYC_F1; break;
		case 12: key = KEYC_F2; break;
		case 13: key = KEYC_F3; break;
		case 14: key = KEYC_F4; break;
		case 15: key = KEYC_F5; break;
		case 17: key = KEYC_F6; break;
		case 18: key = KEYC_F7; break;
		case 19: key = KEYC_F8; break;
		case 20: key = KEYC_F9; break;
		case 21: key = KEYC_F10; break;
		case 23: key = KEYC_F11; break;
		case 24: key = KEYC_F12; break;
		case 27:
			/* xterm modifyOtherKeys: CSI 27 ; mods ; code ~ */
			if (p[2] > 0 && p[2] < 0x110000) {
				key = key_modifiers(p[2], p[1]);
				key_emit(cb, arg, key);
				return (i);
			}
			break;
		case 200:
			kp->in_paste = 1;
			buf_reset(&kp->paste);
			return (i);
		case 201:
			return (i);	/* a stray end of paste */
		}
		if (key != KEYC_UNKNOWN)
			key = key_modifiers(key, p[1]);
		key_emit(cb, arg, key);
		return (i);
	}
	if (key != KEYC_UNKNOWN && np >= 2)
		key = key_modifiers(key, p[1]);
	key_emit(cb, arg, key);
	return (i);
}

int
key_parser_feed(struct key_parser *kp, const char *data, size_t len,
    key_cb cb, void *arg)
{
	struct key_event	 ev;
	const char		*s, *end;
	size_t			 n, used;
	uint32_t		 wc;

	buf_add(&kp->in, data, len);
	for (;;) {
		s = kp->in.buf;
		n = kp->in.len;
		if (n == 0)
			break;
		if (kp->in_paste) {
			end = memmem(s, n, paste_end, sizeof paste_end - 1);
			if (end == NULL) {
				/* Keep what could be the start of the end. */
				used = n > sizeof paste_end ? n -
				    sizeof paste_end : 0;
				buf_add(&kp->paste, s, used);
				buf_remove_head(&kp->in, used);
				break;
			}
			buf_add(&kp->paste, s, end - s);
			buf_remove_head(&kp->in, end - s +
			    sizeof paste_end - 1);
			kp->in_paste = 0;
			memset(&ev, 0, sizeof ev);
			ev.key = KEYC_PASTE;
			ev.paste = kp->paste.buf;
			ev.paste_len = kp->paste.len;
			cb(arg, &ev);
			continue;
		}
		if (s[0] == '\033') {
			if (n == 1)
				break;
			if (s[1] == '[') {
				if ((used = key_parse_csi(kp, s, n, cb,
				    arg)) == 0)
					break;
				buf_remove_head(&kp->in, used);
				continue;
			}
			if (s[1] == 'O') {
				static const char ss3[] = "ABCDHFPQRS";
				static const key_code ss3k[] = {
					KEYC_UP, KEYC_DOWN, KEYC_RIGHT,
					KEYC_LEFT, KEYC_HOME, KEYC_END,
					KEYC_F1, KEYC_F2, KEYC_F3, KEYC_F4
				};
				const char *c;

				if (n < 3)
					break;
				if (s[2] != '\0' &&
				    (c = strchr(ss3, s[2])) != NULL)
					key_emit(cb, arg, ss3k[c - ss3]);
				else if (s[2] == 'M')
					key_emit(cb, arg, '\r');
				else
					key_emit(cb, arg, KEYC_UNKNOWN);
				buf_remove_head(&kp->in, 3);
				continue;
			}
			if (s[1] == '\033') {
				/* Esc Esc: two presses, not Alt-Esc. */
				key_emit(cb, arg, KEYC_ESCAPE);
				buf_remove_head(&kp->in, 1);
				continue;
			}
			/* ESC then a character: Alt (Meta) and that key. */
			if ((unsigned char)s[1] >= 0x80) {
				used = utf8_decode(s + 1, n - 1, &wc);
				if (wc == 0xfffd && n - 1 < 4 &&
				    ((unsigned char)s[1] & 0xc0) == 0xc0)
					break;
			} else {
				used = 1;
				wc = (unsigned char)s[1];
			}
			key_emit(cb, arg, wc | KEYC_META);
			buf_remove_head(&kp->in, 1 + used);
			continue;
		}
		used = utf8_decode(s, n, &wc);
		if (wc == 0xfffd && used == 1 && n < 4 &&
		    ((unsigned char)s[0] & 0xc0) == 0xc0) {
			/* Maybe a character split across reads. */
			size_t need = ((unsigned char)s[0] >= 0xf0) ? 4 :
			    ((unsigned char)s[0] >= 0xe0) ? 3 : 2, i;
			int ok = 1;

			for (i = 1; i < n; i++)
				ok &= ((unsigned char)s[i] & 0xc0) == 0x80;
			if (ok && n < need)
				break;
		}
		key_emit(cb, arg, wc);
		buf_remove_head(&kp->in, used);
	}
	return (kp->in.len != 0 || kp->in_paste);
}

void
key_parser_flush(struct key_parser *kp, key_cb cb, void *arg)
{
	const char	*s = kp->in.buf;
	size_t		 n = kp->in.len;

	if (kp->in_paste || n == 0)
		return;
	if (s[0] == '\033') {
		if (n == 1)
			key_emit(cb, arg, KEYC_ESCAPE);
		else if (n == 2)
			key_emit(cb, arg, (unsigned char)s[1] | KEYC_META);
		else
			key_emit(cb, arg, KEYC_UNKNOWN);
	} else
		key_emit(cb, arg, 0xfffd);
	buf_reset(&kp->in);
}

key_code
key_from_string(const char *s)
{
	key_code	 mods = 0, key;
	uint32_t	 wc;
	size_t		 i, n;

	for (;;) {
		if (s[0] != '\0' && s[1] == '-' && s[2] != '\0') {
			if (s[0] == 'M' || s[0] == 'm')
				mods |= KEYC_META;
			else if (s[0] == 'C' || s[0] == 'c')
				mods |= KEYC_CTRL;
			else if (s[0] == 'S' || s[0] == 's')
				mods |= KEYC_SHIFT;
			else
				return (KEYC_UNKNOWN);
			s += 2;
			continue;
		}
		break;
	}
	if (*s == '\0')
		return (KEYC_UNKNOWN);
	key = KEYC_UNKNOWN;
	for (i = 0; i < sizeof key_names / sizeof key_names[0]; i++) {
		if (strcasecmp(key_names[i].name, s) == 0) {
			key = key_names[i].key;
			break;
		}
	}
	if (key == KEYC_UNKNOWN) {
		n = utf8_decode(s, strlen(s), &wc);
		if (s[n] != '\0' || wc == 0xfffd)
			return (KEYC_UNKNOWN);
		key = wc;
	}
	if ((mods & KEYC_SHIFT) && key == '\t') {
		key = KEYC_BTAB;
		mods &= ~KEYC_SHIFT;
	}
	if (mods & KEYC_CTRL) {
		if (key >= 'a' && key <= 'z') {
			key &= 0x1f;
			mods &= ~KEYC_CTRL;
		} else if (key == ' ' || key == '@') {
			key = 0;
			mods &= ~KEYC_CTRL;
		}
	}
	return (key | mods);
}

char *
key_to_string(key_code key)
{
	struct buf	b = BUF_INIT;
	key_code	k = key & KEYC_MASK_KEY;
	size_t		i;
	char		enc[4];

	if (key == KEYC_BTAB)
		return (xstrdup("S-Tab"));
	if (key & KEYC_CTRL)
		buf_adds(&b, "C-");
	if (key & KEYC_META)
		buf_adds(&b, "M-");
	if (key & KEYC_SHIFT)
		buf_adds(&b, "S-");
	for (i = 0; i < sizeof key_names / sizeof key_names[0]; i++) {
		if (key_names[i].key == k) {
			buf_adds(&b, key_names[i].name);
			return (buf_detach(&b, NULL));
		}
	}
	if (k < 0x20)
		buf_addf(&b, "C-%c", (char)(k + 'a' - 1));
	else if (k < 0x110000)
		buf_add(&b, enc, utf8_encode(k, enc));
	else
		buf_adds(&b, "Unknown");
	return (buf_detach(&b, NULL));
}

static const char *const key_mode_names[KEYM_COUNT] = {
	[KEYM_GLOBAL] = "global", [KEYM_MAIN] = "main",
	[KEYM_EDITOR] = "editor", [KEYM_APPROVAL] = "approval",
	[KEYM_NOTE] = "note", [KEYM_TIMELINE] = "timeline",
	[KEYM_PAGER] = "pager", [KEYM_PICKER] = "picker",
};

const char *
key_mode_name(enum key_mode mode)
{
	if ((unsigned)mode >= KEYM_COUNT)
		return ("?");
	return (key_mode_names[mode]);
}

int
key_parse_list(const char *s, key_code *keys)
{
	char		*copy, *p, *w;
	key_code	 k;
	int		 n = 0;

	if (strcmp(s, "none") == 0)
		return (0);
	copy = p = xstrdup(s);
	while ((w = strsep(&p, " ")) != NULL) {
		if (*w == '\0')
			continue;
		if (n == KEY_BIND_MAX ||
		    (k = key_from_string(w)) == KEYC_UNKNOWN) {
			n = -1;
			break;
		}
		keys[n++] = k;
	}
	free(copy);
	return (n);
}

char *
key_list_string(const key_code *keys, size_t n)
{
	struct buf	 b = BUF_INIT;
	char		*name;
	size_t		 i;

	for (i = 0; i < n; i++) {
		if (keys[i] == KEYC_UNKNOWN)
			continue;
		name = key_to_string(keys[i]);
		buf_addf(&b, "%s%s", b.len > 0 ? " " : "", name);
		free(name);
	}
	if (b.len == 0)
		buf_adds(&b, "none");
	return (buf_detach(&b, NULL));
}

enum key_action
key_lookup(const struct ui_options *ui, enum key_mode mode, key_code key)
{
	size_t	i, j;

	if (ui == NULL)
		ui = &options_default()->ui;
	if (key == KEYC_UNKNOWN)
		return (KA_NONE);
	for (i = 0; key_table[i].name != NULL; i++) {
		if (key_table[i].mode != mode)
			continue;
		for (j = 0; j < KEY_BIND_MAX; j++) {
			if (ui->keys[i][j] == key)
				return (key_table[i].action);
		}
	}
	return (KA_NONE);
}

char *
key_hint_name(key_code key)
{
	char	*s;

	switch (key) {
	case KEYC_ESCAPE:
		return (xstrdup("Esc"));
	case KEYC_PPAGE:
		return (xstrdup("PgUp"));
	case KEYC_NPAGE:
		return (xstrdup("PgDn"));
	case KEYC_UP:
		return (xstrdup("\xe2\x86\x91"));
	case KEYC_DOWN:
		return (xstrdup("\xe2\x86\x93"));
	}
	s = key_to_string(key);
	return (s);
}

char *
key_hint(const struct ui_options *ui, enum key_mode mode,
    enum key_action action)
{
	size_t	i, j;

	if (ui == NULL)
		ui = &options_default()->ui;
	for (i = 0; key_table[i].name != NULL; i++) {
		if (key_table[i].mode != mode || key_table[i].action != action)
			continue;
		for (j = 0; j < KEY_BIND_MAX; j++) {
			if (ui->keys[i][j] != KEYC_UNKNOWN)
				return (key_hint_name(ui->keys[i][j]));
		}
	}
	return (xstrdup("none"));
}
