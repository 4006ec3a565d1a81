/* image.c: images attached to prompts: sniffing, sizes, the byte store. */
#include <sys/stat.h>

#include <errno.h>
#include <fcntl.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <unistd.h>

#include <openssl/evp.h>

#include "agentos.h"
#include "session.h"
#include "image.h"
#include "banned.h"

static unsigned int
image_be16(const unsigned char *p)
{
	return ((unsigned int)p[0] << 8 | p[1]);
}

static unsigned long
image_be32(const unsigned char *p)
{
	return ((unsigned long)p[0] << 24 | (unsigned long)p[1] << 16 |
	    (unsigned long)p[2] << 8 | p[3]);
}

static unsigned long
image_le24(const unsigned char *p)
{
	return ((unsigned long)p[2] << 16 | (unsigned long)p[1] << 8 | p[0]);
}

const char *
image_sniff(const unsigned char *p, size_t len)
{
	if (len >= 8 && memcmp(p, "\x89PNG\r\n\x1a\n", 8) == 0)
		return ("image/png");
	if (len >= 3 && p[0] == 0xff && p[1] == 0xd8 && p[2] == 0xff)
		return ("image/jpeg");
	if (len >= 6 && (memcmp(p, "GIF87a", 6) == 0 ||
	    memcmp(p, "GIF89a", 6) == 0))
		return ("image/gif");
	if (len >= 12 && memcmp(p, "RIFF", 4) == 0 &&
	    memcmp(p + 8, "WEBP", 4) == 0)
		return ("image/webp");
	return (NULL);
}

/* A JPEG's size from its first SOFn segment. */
static int
image_jpeg_size(const unsigned char *p, size_t len, int *w, int *h)
{
	size_t		off = 2, seg;
	unsigned char	m;

	while (off + 4 <= len) {
		if (p[off] != 0xff)
			return (-1);
		m = p[off + 1];
		if (m == 0xff) {	/* fill byte */
			off++;
			continue;
		}
		if (m == 0x01 || (m >= 0xd0 && m <= 0xd7)) {
			off += 2;
			continue;
		}
		if (m == 0xd9 || m == 0xda)
			return (-1);	/* image data before any frame */
		seg = image_be16(p + off + 2);
		if (seg < 2)
			return (-1);
		if (m >= 0xc0 && m <= 0xcf && m != 0xc4 && m != 0xc8 &&
		    m != 0xcc) {
			if (off + 9 > len)
				return (-1);
			*h = (int)image_be16(p + off + 5);
			*w = (int)image_be16(p + off + 7);
			return (0);
		}
		off += 2 + seg;
	}
	return (-1);
}

/* A WebP's size from its first chunk (lossy, lossless or extended). */
static int
image_webp_size(const unsigned char *p, size_t len, int *w, int *h)
{
	unsigned long	v;

	if (len < 30)
		return (-1);
	if (memcmp(p + 12, "VP8 ", 4) == 0) {
		if (p[23] != 0x9d || p[24] != 0x01 || p[25] != 0x2a)
			return (-1);
		*w = (int)((p[26] | p[27] << 8) & 0x3fff);
		*h = (int)((p[28] | p[29] << 8) & 0x3fff);
		return (0);
	}
	if (memcmp(p + 12, "VP8L", 4) == 0) {
		if (p[20] != 0x2f)
			return (-1);
		v = (unsigned long)p[21] | (unsigned long)p[22] << 8 |
		    (unsigned long)p[23] << 16 | (unsigned long)p[24] << 24;
		*w = (int)(v & 0x3fff) + 1;
		*h = (int)((v >> 14) & 0x3fff) + 1;
		return (0);
	}
	if (memcmp(p + 12, "VP8X", 4) == 0) {
		*w = (int)image_le24(p + 24) + 1;
		*h = (int)image_le24(p + 27) + 1;
		return (0);
	}
	return (-1);
}

int
image_dimensions(const char *type, const unsigned char *p, size_t len,
    int *w, int *h)
{
	unsigned long	pw, ph;
	int		rc = -1;

	*w = *h = 0;
	if (type == NULL)
		return (-1);
	if (strcmp(type, "image/png") == 0) {
		if (len >= 24 && memcmp(p + 12, "IHDR", 4) == 0) {
			pw = image_be32(p + 16);
			ph = image_be32(p + 20);
			if (pw > 0 && ph > 0 && pw <= INT32_MAX &&
			    ph <= INT32_MAX) {
				*w = (int)pw;
				*h = (int)ph;
				rc = 0;
			}
		}
	} else if (strcmp(type, "image/gif") == 0) {
		if (len >= 10) {
			*w = p[6] | p[7] << 8;
			*h = p[8] | p[9] << 8;
			rc = 0;
		}
	} else if (strcmp(type, "image/jpeg") == 0)
		rc = image_jpeg_size(p, len, w, h);
	else if (strcmp(type, "image/webp") == 0)
		rc = image_webp_size(p, len, w, h);
	if (rc != 0)
		*w = *h = 0;
	return (rc);
}

int
image_from_bytes(struct image *img, const void *data, size_t len,
    const char *name, char **cause)
{
	const char	*type;

	if (len > IMAGE_MAX_BYTES) {
		*cause = xasprintf("%s is %zu KB: images over %d KB (5 MB as "
		    "base64, the API's limit) are not sent", name,
		    (len + 1023) / 1024, IMAGE_MAX_BYTES / 1024);
		return (-1);
	}
	if ((type = image_sniff(data, len)) == NULL) {
		*cause = xasprintf("%s is not a PNG, JPEG, GIF or WebP image "
		    "(by its first bytes): not attached", name);
		return (-1);
	}
	memset(img, 0, sizeof *img);
	img->media_type = type;
	img->data = xmalloc(len > 0 ? len : 1);
	memcpy(img->data, data, len);
	img->len = len;
	img->name = xstrdup(name);
	img->sha256 = hash_sha256_hex(data, len);
	image_dimensions(type, data, len, &img->width, &img->height);
	return (0);
}

/* Read at most max + 1 bytes of the regular file at path. */
static int
image_read(const char *path, const char *name, struct buf *b, char **cause)
{
	struct stat	 sb;
	char		 tmp[65536];
	ssize_t		 n;
	int		 fd, rc = -1;

	if ((fd = open(path, O_RDONLY | O_CLOEXEC | O_NONBLOCK)) == -1) {
		*cause = xasprintf("%s: %s", name, strerror(errno));
		return (-1);
	}
	if (fstat(fd, &sb) != 0 || !S_ISREG(sb.st_mode)) {
		*cause = xasprintf("%s: not a regular file", name);
		goto out;
	}
	if (sb.st_size > IMAGE_MAX_BYTES) {
		*cause = xasprintf("%s is %lld KB: images over %d KB (5 MB "
		    "as base64, the API's limit) are not sent", name,
		    (long long)(sb.st_size + 1023) / 1024,
		    IMAGE_MAX_BYTES / 1024);
		goto out;
	}
	while ((n = read(fd, tmp, sizeof tmp)) > 0) {
		buf_add(b, tmp, n);
		if (b->len > IMAGE_MAX_BYTES)
			break;
	}
	if (n < 0) {
		*cause = xasprintf("%s: %s", name, strerror(errno));
		goto out;
	}
	rc = 0;
out:
	close(fd);
	return (rc);
}

int
image_from_file(struct image *img, const char *path, char **cause)
{
	struct buf	 b = BUF_INIT;
	const char	*name = strrchr(path, '/');
	int		 rc;

	name = name != NULL && name[1] != '\0' ? name + 1 : path;
	if (image_read(path, name, &b, cause) != 0) {
		buf_release(&b);
		return (-1);
	}
	rc = image_from_bytes(img, b.buf, b.len, name, cause);
	buf_release(&b);
	return (rc);
}

void
image_release(struct image *img)
{
	free(img->sha256);
	free(img->name);
	free(img->data);
	memset(img, 0, sizeof *img);
}

long
image_tokens(int width, int height)
{
	long	t;

	if (width <= 0 || height <= 0)
		return (1600);	/* unknown: about a 1092x1092 image */
	t = (long)width * height / 750;
	return (t > 0 ? t : 1);
}

char *
image_base64(const unsigned char *p, size_t len)
{
	char	*out;
	size_t	 off = 0, chunk, n = 0;

	out = xmalloc((len + 2) / 3 * 4 + 1);
	/* EVP_EncodeBlock() takes an int length: go in whole triples. */
	while (off < len) {
		chunk = len - off;
		if (chunk > (size_t)3 * 1024 * 1024)
			chunk = (size_t)3 * 1024 * 1024;
		n += EVP_EncodeBlock((unsigned char *)out + n, p + off,
		    (int)chunk);
		off += chunk;
	}
	out[n] = '\0';
	return (out);
}

char *
image_describe(const struct image *img)
{
	struct buf	b = BUF_INIT;

	buf_addf(&b, "%s ", img->name);
	if (img->len >= 1024 * 1024)
		buf_addf(&b, "%.1f MB", (double)img->len / (1024 * 1024));
	else
		buf_addf(&b, "%zu KB", (img->len + 1023) / 1024);
	if (img->width > 0 && img->height > 0)
		buf_addf(&b, " %dx%d", img->width, img->height);
	return (buf_detach(&b, NULL));
}

char *
image_store_dir(const char *root, char **cause)
{
	char	*db, *slash, *dir;

	if ((db = session_db_path(root, cause)) == NULL)
		return (NULL);
	if ((slash = strrchr(db, '/')) != NULL)
		*slash = '\0';
	dir = xasprintf("%s/images", db);
	free(db);
	return (dir);
}

/* Whether s is a lowercase hex SHA-256 (it names a file). */
static int
image_digest_ok(const char *s)
{
	size_t	i;

	for (i = 0; s[i] != '\0'; i++)
		if (!((s[i] >= '0' && s[i] <= '9') ||
		    (s[i] >= 'a' && s[i] <= 'f')))
			return (0);
	return (i == 64);
}

int
image_store_put(const char *dir, const struct image *img, char **cause)
{
	struct stat	 sb;
	char		*path = NULL, *tmp = NULL, *parent, *slash;
	ssize_t		 n;
	size_t		 off = 0;
	int		 fd = -1, rc = -1;

	if (img->data == NULL || !image_digest_ok(img->sha256)) {
		*cause = xstrdup("image store: no bytes to keep");
		return (-1);
	}
	parent = xstrdup(dir);
	if ((slash = strrchr(parent, '/')) != NULL)
		*slash = '\0';
	if (path_private_dir(parent, cause) != 0 ||
	    path_private_dir(dir, cause) != 0) {
		free(parent);
		return (-1);
	}
	free(parent);
	path = xasprintf("%s/%s", dir, img->sha256);
	if (lstat(path, &sb) == 0 && S_ISREG(sb.st_mode) &&
	    (size_t)sb.st_size == img->len) {
		rc = 0;
		goto out;
	}
	tmp = xasprintf("%s/.tmp-%s-%ld", dir, img->sha256, (long)getpid());
	fd = open(tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC | O_NOFOLLOW,
	    0600);
	if (fd == -1) {
		*cause = xasprintf("%s: %s", tmp, strerror(errno));
		goto out;
	}
	while (off < img->len) {
		if ((n = write(fd, img->data + off, img->len - off)) < 0) {
			if (errno == EINTR)
				continue;
			*cause = xasprintf("%s: %s", tmp, strerror(errno));
			goto out;
		}
		off += n;
	}
	if (close(fd) != 0) {
		fd = -1;
		*cause = xasprintf("%s: %s", tmp, strerror(errno));
		goto out;
	}
	fd = -1;
	if (rename(tmp, path) != 0) {
		*cause = xasprintf("%s: %s", path, strerror(errno));
		goto out;
	}
	rc = 0;
out:
	if (fd != -1)
		close(fd);
	if (rc != 0 && tmp != NULL)
		unlink(tmp);
	free(tmp);
	free(path);
	return (rc);
}

int
image_store_get(const char *dir, struct image *img, char **cause)
{
	struct buf	 b = BUF_INIT;
	char		*path, *digest;
	int		 rc = -1;

	if (img->sha256 == NULL || !image_digest_ok(img->sha256)) {
		*cause = xstrdup("image store: a malformed digest");
		return (-1);
	}
	path = xasprintf("%s/%s", dir, img->sha256);
	if (image_read(path, img->name != NULL ? img->name : "image", &b,
	    cause) != 0)
		goto out;
	digest = hash_sha256_hex(b.buf, b.len);
	if (strcmp(digest, img->sha256) != 0 || b.len > IMAGE_MAX_BYTES ||
	    (img->media_type = image_sniff((unsigned char *)b.buf,
	    b.len)) == NULL) {
		free(digest);
		*cause = xasprintf("%s: the stored image does not match its "
		    "digest", img->name != NULL ? img->name : "image");
		goto out;
	}
	free(digest);
	free(img->data);
	img->len = b.len;
	img->data = (unsigned char *)buf_detach(&b, NULL);
	image_dimensions(img->media_type, img->data, img->len, &img->width,
	    &img->height);
	rc = 0;
out:
	buf_release(&b);
	free(path);
	return (rc);
}

/* Whether name ends in an image extension. */
static int
image_has_ext(const char *s, size_t len)
{
	static const char	*exts[] = { ".png", ".jpg", ".jpeg", ".gif",
				    ".webp" };
	size_t			 i, n;

	for (i = 0; i < sizeof exts / sizeof *exts; i++) {
		n = strlen(exts[i]);
		if (len > n && strncasecmp(s + len - n, exts[i], n) == 0)
			return (1);
	}
	return (0);
}

/* Whether a path names a file of an image store (".../images/<sha256>"). */
static int
image_is_stored(const char *s, size_t len)
{
	char	*d;
	int	 ok;

	if (len < 72 || strncmp(s + len - 72, "/images/", 8) != 0)
		return (0);
	d = xstrndup(s + len - 64, 64);
	ok = image_digest_ok(d);
	free(d);
	return (ok);
}

/* The path a word names: @, quotes, file:// and ~/ taken care of. */
static char *
image_word_path(const char *cwd, const char *w, size_t len)
{
	const char	*home;
	char		*word, *path;

	if (len > 0 && *w == '@') {
		w++;
		len--;
	}
	if (len >= 2 && (*w == '\'' || *w == '"') && w[len - 1] == *w) {
		w++;
		len -= 2;
	}
	if (len > 7 && strncmp(w, "file://", 7) == 0) {
		w += 7;
		len -= 7;
	}
	if (len == 0 || memchr(w, '\0', len) != NULL ||
	    (!image_has_ext(w, len) && !image_is_stored(w, len)))
		return (NULL);
	word = xstrndup(w, len);
	if (word[0] == '~' && word[1] == '/' &&
	    (home = getenv("HOME")) != NULL)
		path = xasprintf("%s%s", home, word + 1);
	else if (word[0] == '/' || cwd == NULL)
		path = xstrdup(word);
	else
		path = xasprintf("%s/%s", cwd, word);
	free(word);
	return (path);
}

void
image_words(const char *cwd, const char *text, struct image_word **words,
    size_t *n)
{
	struct stat	 sb;
	const char	*p = text, *s;
	char		*path;
	size_t		 a = 0, len;

	*words = NULL;
	*n = 0;
	while (*p != '\0' && *n < IMAGE_MAX_COUNT) {
		p += strspn(p, " \t\n");
		if (*p == '\0')
			break;
		s = p;
		if (*p == '\'' || *p == '"' ||
		    (*p == '@' && (p[1] == '\'' || p[1] == '"'))) {
			/* A quoted path (what file managers paste). */
			const char *q = strchr(p + (*p == '@' ? 2 : 1),
			    *p == '@' ? p[1] : *p);

			p = q != NULL ? q + 1 : p + strcspn(p, " \t\n");
		} else
			p += strcspn(p, " \t\n");
		len = p - s;
		/* A sentence's full stop or comma is not part of it. */
		while (len > 1 && strchr(",;:)?!", s[len - 1]) != NULL)
			len--;
		if ((path = image_word_path(cwd, s, len)) == NULL)
			continue;
		if (stat(path, &sb) != 0 || !S_ISREG(sb.st_mode)) {
			free(path);
			continue;
		}
		ALLOC_GROW(*words, *n + 1, a);
		(*words)[*n].start = s - text;
		(*words)[*n].end = s - text + len;
		(*words)[*n].path = path;
		(*n)++;
	}
}

void
image_words_free(struct image_word *words, size_t n)
{
	size_t	i;

	for (i = 0; i < n; i++)
		free(words[i].path);
	free(words);
}

/* What a word shows as: the path as typed, or "clipboard" from the store. */
static char *
image_label(const char *text, const struct image_word *w, const char *dir,
    const char *cwd)
{
	const char	*s = text + w->start;
	size_t		 len = w->end - w->start, n;

	if (dir != NULL && (n = strlen(dir)) != 0 &&
	    strncmp(w->path, dir, n) == 0 && w->path[n] == '/')
		return (xstrdup("clipboard"));
	/* A pasted absolute path under the working directory: relative. */
	if (cwd != NULL && (n = strlen(cwd)) != 0 &&
	    strncmp(w->path, cwd, n) == 0 && w->path[n] == '/' &&
	    w->path[n + 1] != '\0' && strstr(w->path + n, "/../") == NULL)
		return (xstrdup(w->path + n + 1));
	if (len > 0 && *s == '@') {
		s++;
		len--;
	}
	if (len >= 2 && (*s == '\'' || *s == '"') && s[len - 1] == *s) {
		s++;
		len -= 2;
	}
	return (xstrndup(s, len));
}

int
image_attach(const char *root, const char *cwd, const char *text,
    struct message *m, char **out, json_t **logged, struct buf *notes)
{
	struct image_word	*words;
	struct image		 img;
	struct buf		 b = BUF_INIT;
	char			*dir, *cause = NULL, *label, *b64, *desc;
	size_t			 n, i, last = 0;
	int			 count = 0;

	*out = NULL;
	*logged = NULL;
	image_words(cwd, text, &words, &n);
	if (n == 0)
		return (0);
	if ((dir = image_store_dir(root, &cause)) == NULL) {
		buf_addf(notes, "Images not attached: %s\n", cause);
		free(cause);
		image_words_free(words, n);
		return (0);
	}
	for (i = 0; i < n; i++) {
		label = image_label(text, &words[i], dir, cwd);
		memset(&img, 0, sizeof img);
		if (image_from_file(&img, words[i].path, &cause) != 0 ||
		    image_store_put(dir, &img, &cause) != 0) {
			buf_addf(notes, "%s\n", cause);
			free(cause);
			cause = NULL;
			image_release(&img);
			free(label);
			continue;
		}
		count++;
		buf_add(&b, text + last, words[i].start - last);
		buf_addf(&b, "[image %d: %s]", count, label);
		last = words[i].end;
		b64 = image_base64(img.data, img.len);
		message_add_image(m, img.media_type, img.sha256, label,
		    img.width, img.height, b64);
		free(b64);
		if (*logged == NULL)
			*logged = json_array();
		json_array_append_new(*logged, json_pack("{s:s,s:s,s:s,s:i,"
		    "s:i,s:I}", "sha256", img.sha256, "media_type",
		    img.media_type, "name", label, "width", img.width,
		    "height", img.height, "bytes", (json_int_t)img.len));
		desc = image_describe(&img);
		buf_addf(notes, "Attached image %d: %s%s (about %ld tokens)\n",
		    count, strcmp(label, "clipboard") == 0 ? "from the "
		    "clipboard, " : "", desc, image_tokens(img.width,
		    img.height));
		free(desc);
		image_release(&img);
		free(label);
	}
	if (count > 0) {
		buf_adds(&b, text + last);
		*out = buf_detach(&b, NULL);
	}
	buf_release(&b);
	free(dir);
	image_words_free(words, n);
	return (count);
}

void
image_conv_load(const char *root, struct conv *c)
{
	struct image	 img;
	struct block	*b;
	char		*dir = NULL, *cause = NULL;
	size_t		 i, j;

	for (i = 0; i < c->nr; i++) {
		for (j = 0; j < c->msgs[i].nr; j++) {
			b = &c->msgs[i].blocks[j];
			if (b->type != BLOCK_IMAGE || b->text != NULL)
				continue;
			if (dir == NULL &&
			    (dir = image_store_dir(root, &cause)) == NULL) {
				log_debug("image: %s", cause);
				free(cause);
				return;
			}
			memset(&img, 0, sizeof img);
			img.sha256 = xstrdup(b->id != NULL ? b->id : "");
			img.name = xstrdup(b->label != NULL ? b->label :
			    "image");
			if (image_store_get(dir, &img, &cause) != 0) {
				log_debug("image: %s", cause);
				free(cause);
				cause = NULL;
			} else {
				b->text = image_base64(img.data, img.len);
				free(b->name);
				b->name = xstrdup(img.media_type);
				b->width = img.width;
				b->height = img.height;
			}
			image_release(&img);
		}
	}
	free(dir);
}
