/*
 * theme.c: the colours and attributes of the theme elements, read from
 * themes/NAME.theme ("element fg bg [attr...]" per line, '#' comments).
 */
#include <sys/stat.h>

#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <unistd.h>

#include <curses.h>

#include "agentos.h"
#include "ui.h"
#include "banned.h"

static const char *elem_names[EL_COUNT] = {
	[EL_TEXT] = "text",
	[EL_USER] = "user",
	[EL_ASSISTANT] = "assistant",
	[EL_THINKING] = "thinking",
	[EL_TOOL] = "tool",
	[EL_TOOL_ERROR] = "tool-error",
	[EL_DIFF_ADD] = "diff-add",
	[EL_DIFF_DEL] = "diff-del",
	[EL_DIFF_HUNK] = "diff-hunk",
	[EL_DIFF_META] = "diff-meta",
	[EL_STATUS] = "status",
	[EL_STATUS_MODE] = "status-mode",
	[EL_NOTICE] = "notice",
	[EL_ERROR] = "error",
	[EL_CODE] = "code",
	[EL_HEADING] = "heading",
	[EL_PROMPT] = "prompt",
	[EL_SELECTION] = "selection",
	[EL_LINE_NUMBER] = "line-number",
	[EL_LINK] = "link",
	[EL_QUOTE] = "quote",
	[EL_BORDER] = "border",
};

/* The dark theme, used when no theme file can be read. */
static const char theme_builtin[] =
	"text default default\n"
	"user cyan default bold\n"
	"assistant default default\n"
	"thinking 245 default dim\n"
	"tool yellow default\n"
	"tool-error red default bold\n"
	"diff-add green default\n"
	"diff-del red default\n"
	"diff-hunk cyan default\n"
	"diff-meta 245 default bold\n"
	"status white 236\n"
	"status-mode black yellow bold\n"
	"notice 245 default\n"
	"error red default bold\n"
	"code 151 default\n"
	"heading default default bold\n"
	"prompt default default\n"
	"selection black cyan\n"
	"line-number 245 default\n"
	"link 75 default underline\n"
	"quote 245 default\n"
	"border 245 default\n";

static const struct {
	const char	*name;
	short		 colour;
} colour_names[] = {
	{ "default", -1 }, { "black", COLOR_BLACK }, { "red", COLOR_RED },
	{ "green", COLOR_GREEN }, { "yellow", COLOR_YELLOW },
	{ "blue", COLOR_BLUE }, { "magenta", COLOR_MAGENTA },
	{ "cyan", COLOR_CYAN }, { "white", COLOR_WHITE },
};

static const struct {
	const char	*name;
	unsigned int	 attr;
} attr_names[] = {
	{ "bold", A_BOLD }, { "dim", A_DIM }, { "underline", A_UNDERLINE },
	{ "reverse", A_REVERSE }, { "italic", A_ITALIC },
	{ "blink", A_BLINK }, { "standout", A_STANDOUT },
};

static unsigned int	theme_attrs[EL_COUNT];

static int	theme_colour(const char *, short *);
static short	theme_fit(short);
static char	*theme_find(const char *);

const char *
theme_elem_name(int elem)
{
	if (elem < 0 || elem >= EL_COUNT)
		return (NULL);
	return (elem_names[elem]);
}

/* Parse a colour name or number; -1 is the terminal's default. */
static int
theme_colour(const char *s, short *c)
{
	size_t	 i;
	char	*end;
	long	 n;

	for (i = 0; i < sizeof colour_names / sizeof colour_names[0]; i++) {
		if (strcasecmp(s, colour_names[i].name) == 0) {
			*c = colour_names[i].colour;
			return (0);
		}
	}
	n = strtol(s, &end, 10);
	if (*s == '\0' || *end != '\0' || n < 0 || n > 255)
		return (-1);
	*c = n;
	return (0);
}

int
theme_parse(const char *text, short *fg, short *bg, unsigned int *attr,
    char **cause)
{
	char		*copy, *line, *next, *w[8], *save;
	int		 lineno = 0, nw, e, rc = -1;
	size_t		 i;
	unsigned int	 a;

	copy = xstrdup(text);
	for (line = copy; line != NULL; line = next) {
		lineno++;
		if ((next = strchr(line, '\n')) != NULL)
			*next++ = '\0';
		if ((save = strchr(line, '#')) != NULL)
			*save = '\0';
		nw = 0;
		for (save = line; nw < 8; ) {
			save += strspn(save, " \t\r");
			if (*save == '\0')
				break;
			w[nw++] = save;
			save += strcspn(save, " \t\r");
			if (*save != '\0')
				*save++ = '\0';
		}
		if (nw == 0)
			continue;
		if (nw < 3) {
			*cause = xasprintf("line %d: want \"element fg bg "
			    "[attr...]\"", lineno);
			goto out;
		}
		for (e = 0; e < EL_COUNT; e++) {
			if (strcmp(w[0], elem_names[e]) == 0)
				break;
		}
		if (e == EL_COUNT) {
			*cause = xasprintf("line %d: unknown element \"%s\"",
			    lineno, w[0]);
			goto out;
		}
		if (theme_colour(w[1], &fg[e]) != 0 ||
		    theme_colour(w[2], &bg[e]) != 0) {
			*cause = xasprintf("line %d: bad colour (a name or "
			    "0-255)", lineno);
			goto out;
		}
		a = 0;
		for (i = 3; i < (size_t)nw; i++) {
			size_t	k;

			for (k = 0; k < sizeof attr_names /
			    sizeof attr_names[0]; k++) {
				if (strcasecmp(w[i], attr_names[k].name) == 0)
					break;
			}
			if (k == sizeof attr_names / sizeof attr_names[0]) {
				*cause = xasprintf("line %d: unknown "
				    "attribute \"%s\"", lineno, w[i]);
				goto out;
			}
			a |= attr_names[k].attr;
		}
		attr[e] = a;
	}
	rc = 0;
out:
	free(copy);
	return (rc);
}

/* Map a 256-colour number onto what the terminal has. */
static short
theme_fit(short c)
{
	int	r, g, b, v;

	if (c < COLORS)
		return (c);
	if (c < 16)
		return (c % 8);
	if (c >= 232)
		return (c >= 244 ? COLOR_WHITE : COLOR_BLACK);
	v = c - 16;
	r = v / 36 >= 3;
	g = (v / 6) % 6 >= 3;
	b = v % 6 >= 3;
	return ((r ? COLOR_RED : 0) | (g ? COLOR_GREEN : 0) |
	    (b ? COLOR_BLUE : 0));
}

/* Find the theme file for name; NULL if there is none. */
static char *
theme_find(const char *name)
{
	struct stat	 sb;
	char		 exe[PATH_MAX], *dirs[4], *path, *slash;
	const char	*env;
	ssize_t		 n;
	size_t		 i, nd = 0;

	if (strchr(name, '/') != NULL)
		return (stat(name, &sb) == 0 ? xstrdup(name) : NULL);
	if ((env = getenv("AGENTOS_THEME_DIR")) != NULL && *env != '\0')
		dirs[nd++] = xstrdup(env);
	dirs[nd++] = xstrdup(AGENTOS_DATADIR "/themes");
	/* Uninstalled: the source tree's themes/ next to the binary. */
	if ((n = readlink("/proc/self/exe", exe, sizeof exe - 1)) > 0) {
		exe[n] = '\0';
		if ((slash = strrchr(exe, '/')) != NULL)
			*slash = '\0';
		dirs[nd++] = xasprintf("%s/themes", exe);
		dirs[nd++] = xasprintf("%s/../themes", exe);
	}
	path = NULL;
	for (i = 0; i < nd; i++) {
		if (path == NULL) {
			path = xasprintf("%s/%s.theme", dirs[i], name);
			if (stat(path, &sb) != 0) {
				free(path);
				path = NULL;
			}
		}
		free(dirs[i]);
	}
	return (path);
}

int
theme_load(const char *name, char **cause)
{
	short		 fg[EL_COUNT], bg[EL_COUNT];
	unsigned int	 attr[EL_COUNT];
	struct buf	 text = BUF_INIT;
	char		*path = NULL, *why = NULL, rd[4096];
	FILE		*f = NULL;
	size_t		 n;
	int		 e, rc = -1;

	for (e = 0; e < EL_COUNT; e++) {
		fg[e] = bg[e] = -1;
		attr[e] = 0;
	}
	if (theme_parse(theme_builtin, fg, bg, attr, &why) != 0)
		fatalx("built-in theme: %s", why);
	if (name == NULL || *name == '\0')
		name = "dark";
	if ((path = theme_find(name)) == NULL) {
		*cause = xasprintf("theme \"%s\" not found (looked in "
		    "$AGENTOS_THEME_DIR and %s/themes); using the built-in "
		    "colours", name, AGENTOS_DATADIR);
		goto apply;
	}
	if ((f = fopen(path, "r")) == NULL) {
		*cause = xasprintf("%s: %s", path, strerror(errno));
		goto apply;
	}
	while ((n = fread(rd, 1, sizeof rd, f)) > 0 && text.len < 65536)
		buf_add(&text, rd, n);
	if (theme_parse(text.buf, fg, bg, attr, &why) != 0) {
		*cause = xasprintf("%s: %s", path, why);
		free(why);
		theme_parse(theme_builtin, fg, bg, attr, &why);
		goto apply;
	}
	rc = 0;
apply:
	if (has_colors()) {
		start_color();
		use_default_colors();
	}
	for (e = 0; e < EL_COUNT; e++) {
		theme_attrs[e] = attr[e];
		if (has_colors() && e + 1 < COLOR_PAIRS) {
			init_pair(e + 1, fg[e] < 0 ? -1 : theme_fit(fg[e]),
			    bg[e] < 0 ? -1 : theme_fit(bg[e]));
			theme_attrs[e] |= COLOR_PAIR(e + 1);
		}
	}
	if (f != NULL)
		fclose(f);
	buf_release(&text);
	free(path);
	return (rc);
}

unsigned int
theme_attr_fg(int elem, int sa, int fg)
{
	static unsigned char	 made[256];
	unsigned int		 a = theme_attr(elem, sa);
	int			 c, pair;

	if (fg <= 0 || fg > 256 || !has_colors())
		return (a);
	c = fg - 1;
	/* The theme's pairs are 1 to EL_COUNT; terminal colours follow. */
	pair = EL_COUNT + 1 + c;
	if (pair >= COLOR_PAIRS)
		return (a);
	if (!made[c]) {
		if (init_pair(pair, theme_fit(c), -1) == ERR)
			return (a);
		made[c] = 1;
	}
	return ((a & ~A_COLOR) | COLOR_PAIR(pair));
}

unsigned int
theme_attr(int elem, int sa)
{
	unsigned int	a;

	if (elem < 0 || elem >= EL_COUNT)
		elem = EL_TEXT;
	a = theme_attrs[elem];
	if (sa & SA_BOLD)
		a |= A_BOLD;
	if (sa & SA_ITALIC)
		a |= A_ITALIC;
	if (sa & SA_UNDERLINE)
		a |= A_UNDERLINE;
	if (sa & SA_DIM)
		a |= A_DIM;
	if (sa & SA_REVERSE)
		a |= A_REVERSE;
	return (a);
}
