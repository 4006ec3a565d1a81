/*
 * image.h: images attached to a prompt (issue 10): a path to a PNG, JPEG,
 * GIF or WebP file in the prompt, or an image from the clipboard.
 *
 * The type comes from the file's first bytes, never from its name.  The
 * size is capped so that the base64 form stays within Anthropic's limit
 * of 5 MB per image ("Maximum 5MB per image" for the API,
 * https://docs.anthropic.com/en/docs/build-with-claude/vision): raw bytes
 * at most IMAGE_MAX_BYTES.  The bytes are stored once, content-addressed,
 * in <git common dir>/agentos/images/<sha256> (mode 0600), so a resumed
 * or forked session sends them again; the session log names them by
 * digest.  The context estimate counts an image as width * height / 750
 * tokens (Anthropic's vision page, "Calculate image costs").
 */
#ifndef IMAGE_H
#define IMAGE_H

#include <stddef.h>

#include <jansson.h>

#include "buf.h"

/* Raw bytes of one image: 5 MB as base64 (5 * 1024 * 1024 * 3 / 4). */
#define IMAGE_MAX_BYTES		(5 * 1024 * 1024 / 4 * 3)
/* Images of one message. */
#define IMAGE_MAX_COUNT		20

struct image {
	const char	*media_type;	/* "image/png", ...: static */
	char		*sha256;	/* hex digest of the bytes */
	char		*name;		/* as shown: "foo.png", "clipboard" */
	unsigned char	*data;		/* the bytes (NULL: not loaded) */
	size_t		 len;
	int		 width, height;	/* pixels; 0 when unknown */
};

/*
 * The media type of the bytes by their magic numbers (PNG, JPEG, GIF87a/
 * GIF89a, RIFF WEBP), or NULL when they are none of these.
 */
const char *image_sniff(const unsigned char *p, size_t len);
/*
 * The pixel size of an image of media type (image_sniff()) from its
 * header (PNG IHDR, JPEG SOFn, GIF screen descriptor, WebP VP8/VP8L/VP8X).
 * 0, or -1 when the header is truncated or malformed (*w, *h 0).
 */
int	 image_dimensions(const char *type, const unsigned char *p,
	    size_t len, int *w, int *h);
/*
 * Make img (zeroed by the caller) from len bytes of data (copied), shown
 * as name.  0, or -1 with cause: not an image by its first bytes, or over
 * IMAGE_MAX_BYTES.
 */
int	 image_from_bytes(struct image *img, const void *data, size_t len,
	    const char *name, char **cause);
/*
 * Read the file at path (a regular file, at most IMAGE_MAX_BYTES) into
 * img, named by the path's last component.  0, or -1 with cause.
 */
int	 image_from_file(struct image *img, const char *path, char **cause);
void	 image_release(struct image *img);
/* The estimated input tokens of img: width * height / 750, at least 1. */
long	 image_tokens(int width, int height);
/* The bytes as base64 (RFC 4648, no line breaks); the caller frees. */
char	*image_base64(const unsigned char *p, size_t len);
/* "foo.png 120 KB 800x600" (the placeholder's text); the caller frees. */
char	*image_describe(const struct image *img);

/*
 * The store of image bytes of the repository at root (its git common
 * dir's agentos/images); the caller frees.  NULL with cause when root is
 * not a git repository.
 */
char	*image_store_dir(const char *root, char **cause);
/*
 * Keep img's bytes in dir (created 0700) as <sha256>, mode 0600, written
 * to a temporary file and renamed; a digest already there is kept.  0, or
 * -1 with cause.
 */
int	 image_store_put(const char *dir, const struct image *img,
	    char **cause);
/*
 * Load img->data from dir by img->sha256 (checked against the bytes and
 * the cap; the media type is sniffed again).  0, or -1 with cause.
 */
int	 image_store_get(const char *dir, struct image *img, char **cause);

/*
 * The image paths in text: each word (white space around it) that, with
 * a leading '@', surrounding quotes or a file:// prefix taken off and a
 * leading ~/ made $HOME, ends in .png, .jpg, .jpeg, .gif or .webp (any
 * case) and names a regular file (relative to cwd).  For each, its byte
 * offsets [start, end) in text and the path (allocated) are appended;
 * *n counts them (at most IMAGE_MAX_COUNT).  The caller frees with
 * image_words_free().
 */
struct image_word {
	size_t	 start, end;
	char	*path;
};
void	 image_words(const char *cwd, const char *text,
	    struct image_word **words, size_t *n);
void	 image_words_free(struct image_word *words, size_t n);

/*
 * The images text names (image_words(), paths relative to cwd) become
 * image blocks of m (after what m holds), their bytes kept in root's
 * store.  Each attached word is replaced in *out (allocated; NULL when
 * none was attached) by "[image N: PATH]" ("clipboard" for a file of the
 * store), and described in *logged (a new JSON array for the session
 * log's user event: sha256, media_type, name, width, height, bytes; NULL
 * when none).  notes gets a line per image: attached, or why not (not an
 * image by its bytes, too large).  Returns how many were attached.
 */
struct message;
struct conv;
int	 image_attach(const char *root, const char *cwd, const char *text,
	    struct message *m, char **out, json_t **logged,
	    struct buf *notes);
/*
 * Fill the image blocks of c that have no bytes (read from a log) from
 * root's store; a missing or altered file leaves the block without bytes
 * (the encoders send a note instead).
 */
void	 image_conv_load(const char *root, struct conv *c);

#endif
