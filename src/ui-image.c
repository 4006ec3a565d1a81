/*
 * ui-image.c: images in the prompt.  A pasted image path, or an image from
 * the clipboard, shows as one placeholder unit ("[image 1: foo.png 120 KB
 * 800x600]") that expands to the path when the message is sent; the agent
 * then attaches the file (image_attach()), as it does for typed paths.
 */
#include <sys/stat.h>

#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "agentos.h"
#include "ui.h"
#include "image.h"
#include "banned.h"

/* The clipboard read under way (one at a time). */
struct ui_clip {
	struct ui	*ui;
	struct job	*job;
	const char	*tool;
	struct buf	 out;
	int		 over;		/* more than IMAGE_MAX_BYTES */
};
static struct ui_clip	*ui_clip;

/* The next image number of the prompt: one more than those in it. */
static int
ui_image_next(struct ui *ui)
{
	const char	*s = editor_buffer(ui->editor, NULL);
	int		 n = 1;

	while ((s = strstr(s, "[image ")) != NULL) {
		n++;
		s++;
	}
	return (n);
}

/* Put a placeholder for img, which stands for path, into the prompt. */
static void
ui_image_insert(struct ui *ui, const struct image *img, const char *path)
{
	char	*desc, *tag, *text;

	desc = image_describe(img);
	tag = xasprintf("[image %d: %s]", ui_image_next(ui), desc);
	if (strpbrk(path, " \t\n'\"") == NULL)
		text = xstrdup(path);
	else if (strchr(path, '\'') == NULL)
		text = xasprintf("'%s'", path);
	else
		text = xasprintf("\"%s\"", path);
	editor_paste_tag(ui->editor, tag, text);
	free(text);
	free(tag);
	free(desc);
}

int
ui_image_paste(struct ui *ui, const char *s, size_t len)
{
	struct image_word	*w;
	struct image		 img;
	char			*text, *cause = NULL;
	size_t			 n, i, k, last = 0;
	int			 only = 1;

	if (len == 0 || len > 8192 || memchr(s, '\0', len) != NULL)
		return (0);
	text = xstrndup(s, len);
	for (k = 0; k < len; k++)
		if (text[k] == '\r')
			text[k] = '\n';
	image_words(ui->cwd, text, &w, &n);
	/* Only paths, nothing else: other text is pasted as it is. */
	for (i = 0; i < n && only; i++) {
		if (strspn(text + last, " \t\n") < w[i].start - last)
			only = 0;
		last = w[i].end;
	}
	if (n == 0 || !only || text[last + strspn(text + last, " \t\n")] !=
	    '\0') {
		image_words_free(w, n);
		free(text);
		return (0);
	}
	for (i = 0; i < n; i++) {
		if (i > 0)
			editor_insert(ui->editor, " ", 1);
		memset(&img, 0, sizeof img);
		if (image_from_file(&img, w[i].path, &cause) != 0) {
			view_transcript_notice(ui, TE_ERROR, "%s", cause);
			free(cause);
			cause = NULL;
			editor_insert(ui->editor, text + w[i].start,
			    w[i].end - w[i].start);
			continue;
		}
		ui_image_insert(ui, &img, w[i].path);
		image_release(&img);
	}
	image_words_free(w, n);
	free(text);
	ui_redraw(ui);
	return (1);
}

/* Whether name is an executable in PATH. */
static int
ui_image_have(const char *name)
{
	const char	*path = getenv("PATH"), *p, *e;
	char		*f;
	int		 ok = 0;

	if (path == NULL)
		path = "/usr/bin:/bin";
	for (p = path; !ok && *p != '\0'; p = *e == ':' ? e + 1 : e) {
		e = p + strcspn(p, ":");
		f = xasprintf("%.*s/%s", (int)(e - p), e == p ? "." : p, name);
		ok = access(f, X_OK) == 0;
		free(f);
	}
	return (ok);
}

/* Bytes of the clipboard tool's output. */
static void
ui_image_clip_output(void *arg, const char *data, size_t len)
{
	struct ui_clip	*c = arg;

	if (c->over)
		return;
	if (c->out.len + len > IMAGE_MAX_BYTES) {
		c->over = 1;
		return;
	}
	buf_add(&c->out, data, len);
}

/* The clipboard tool ended: its output is the image, or there is none. */
static void
ui_image_clip_exited(void *arg, int status, int timed_out)
{
	struct ui_clip	*c = arg;
	struct ui	*ui = c->ui;
	struct image	 img;
	char		*dir = NULL, *cause = NULL, *path;

	ui_clip = NULL;
	memset(&img, 0, sizeof img);
	if (c->over) {
		view_transcript_notice(ui, TE_ERROR, "The clipboard's image is "
		    "over %d KB (5 MB as base64, the API's limit): not "
		    "attached.", IMAGE_MAX_BYTES / 1024);
	} else if (timed_out || status != 0 || c->out.len == 0) {
		view_transcript_notice(ui, TE_ERROR, "The clipboard holds no "
		    "image (%s found no image/png).", c->tool);
	} else if (image_from_bytes(&img, c->out.buf, c->out.len,
	    "clipboard", &cause) != 0 ||
	    (dir = image_store_dir(ui->root, &cause)) == NULL ||
	    image_store_put(dir, &img, &cause) != 0) {
		view_transcript_notice(ui, TE_ERROR, "Clipboard: %s", cause);
		free(cause);
	} else {
		path = xasprintf("%s/%s", dir, img.sha256);
		ui_image_insert(ui, &img, path);
		free(path);
	}
	image_release(&img);
	free(dir);
	buf_release(&c->out);
	free(c);
	ui_redraw(ui);
}

void
ui_image_clipboard(struct ui *ui)
{
	static const struct job_cb	 cb = {
		.output = ui_image_clip_output,
		.exited = ui_image_clip_exited,
	};
	struct ui_clip			*c;
	const char			*cmd, *tool;
	char				*cause = NULL;

	if (ui_clip != NULL)
		return;	/* one read at a time */
	if (getenv("WAYLAND_DISPLAY") != NULL && ui_image_have("wl-paste")) {
		tool = "wl-paste";
		cmd = "exec wl-paste --no-newline --type image/png 2>/dev/null";
	} else if (ui_image_have("xclip")) {
		tool = "xclip";
		cmd = "exec xclip -selection clipboard -t image/png -o "
		    "2>/dev/null";
	} else if (ui_image_have("wl-paste")) {
		tool = "wl-paste";
		cmd = "exec wl-paste --no-newline --type image/png 2>/dev/null";
	} else {
		view_transcript_notice(ui, TE_ERROR, "No clipboard tool: "
		    "install wl-clipboard (Wayland) or xclip (X11) to paste "
		    "images, or paste the image file's path.");
		ui_redraw(ui);
		return;
	}
	c = xcalloc(1, sizeof *c);
	c->ui = ui;
	c->tool = tool;
	buf_init(&c->out, 0);
	ui_clip = c;
	if ((c->job = job_start(cmd, ui->cwd, 10000, &cb, c, &cause)) ==
	    NULL) {
		ui_clip = NULL;
		view_transcript_notice(ui, TE_ERROR, "%s: %s", tool, cause);
		free(cause);
		buf_release(&c->out);
		free(c);
		ui_redraw(ui);
	}
}
