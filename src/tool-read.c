/* tool-read.c: the read_file tool: numbered lines, paged. */
#include <sys/stat.h>

#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "agentos.h"
#include "banned.h"

/* What is looked at to tell a binary file (bytes). */
#define TOOL_READ_SNIFF		8192
/* Room kept below TOOL_OUTPUT_MAX for the closing note (bytes). */
#define TOOL_READ_NOTE		256

struct tool_read_state {
	uint64_t	 line;		/* number of the current line */
	uint64_t	 first, last;	/* the window asked for */
	uint64_t	 shown;		/* last line shown, 0: none */
	int		 full;		/* output cap reached */
	struct buf	 cur;		/* the current line, up to the cut */
	uint64_t	 cut;		/* bytes of it past TOOL_LINE_MAX */
	struct buf	*out;
};

static int	tool_read_binary(const unsigned char *, size_t);
static void	tool_read_line_end(struct tool_read_state *);
static void	tool_read_scan(struct tool_read_state *, const char *, size_t);
static int	tool_read_run(struct tool_call *);
static void	tool_read_effects(json_t *, struct tool_effects *);

const struct tool_entry tool_read_file = {
	.name = "read_file",
	.description = "Read a text file, numbered like cat -n. Reads up to "
	    "2000 lines from offset (1-based line); lines over 2000 bytes "
	    "are cut. Use offset and limit to page through big files.",
	.schema = "{\"type\":\"object\",\"properties\":{"
	    "\"path\":{\"type\":\"string\"},"
	    "\"offset\":{\"type\":\"integer\"},"
	    "\"limit\":{\"type\":\"integer\"}},"
	    "\"required\":[\"path\"]}",
	.flags = TOOL_READONLY,
	.effects = tool_read_effects,
	.run = tool_read_run,
};

/* Reads the file it names. */
static void
tool_read_effects(json_t *input, struct tool_effects *fx)
{
	tool_effects_read(fx, conv_json_str(input, "path"));
}

/*
 * A file is binary when its first bytes hold a NUL (git's test) or when
 * more than a tenth of them (and at least 8 bytes) are not valid UTF-8
 * (UTF-16, compressed data); text in a legacy 8-bit encoding has fewer,
 * and is shown with U+FFFD in their place.
 */
static int
tool_read_binary(const unsigned char *p, size_t len)
{
	struct buf	 clean = BUF_INIT;
	size_t		 i, bad = 0;

	if (memchr(p, '\0', len) != NULL)
		return (1);
	/* A sequence cut at the end of the sniffed part is not counted. */
	i = len;
	while (i > 0 && len - i < 3 && (p[i - 1] & 0xc0) == 0x80)
		i--;
	if (i > 0 && p[i - 1] >= 0xc0)
		len = i - 1;
	tool_utf8_sanitize(&clean, (const char *)p, len);
	/* Each bad byte became 3 bytes of U+FFFD. */
	bad = (clean.len - len) / 2;
	buf_release(&clean);
	return (bad >= 8 && bad * 10 > len);
}

/* A line is complete: show it if it is in the window and fits. */
static void
tool_read_line_end(struct tool_read_state *rs)
{
	struct buf	*out = rs->out;
	size_t		 len = rs->cur.len;

	if (rs->line >= rs->first && rs->line <= rs->last && !rs->full) {
		if (rs->cut == 0 && len > 0 && rs->cur.buf[len - 1] == '\r')
			len--;
		if (out->len + len + 64 > TOOL_OUTPUT_MAX - TOOL_READ_NOTE)
			rs->full = 1;
		else {
			buf_addf(out, "%6ju\t", (uintmax_t)rs->line);
			tool_utf8_sanitize(out, rs->cur.buf, len);
			if (rs->cut != 0)
				buf_addf(out, " [... line cut: %ju more "
				    "bytes]", (uintmax_t)rs->cut);
			buf_addch(out, '\n');
			rs->shown = rs->line;
		}
	}
	rs->line++;
	buf_reset(&rs->cur);
	rs->cut = 0;
}

/* Feed file bytes: collect the lines of the window, count all lines. */
static void
tool_read_scan(struct tool_read_state *rs, const char *p, size_t len)
{
	const char	*end = p + len, *nl;
	size_t		 n, room;

	while (p < end) {
		nl = memchr(p, '\n', end - p);
		n = (nl != NULL ? nl : end) - p;
		if (rs->line >= rs->first && rs->line <= rs->last &&
		    !rs->full) {
			room = TOOL_LINE_MAX - rs->cur.len;
			if (rs->cut != 0)
				rs->cut += n;
			else if (n <= room)
				buf_add(&rs->cur, p, n);
			else {
				/* Cut before a UTF-8 character. */
				while (room > 0 && ((unsigned char)p[room] &
				    0xc0) == 0x80)
					room--;
				buf_add(&rs->cur, p, room);
				rs->cut += n - room;
			}
		}
		if (nl == NULL)
			break;
		tool_read_line_end(rs);
		p = nl + 1;
	}
}

/* Show the window of lines asked for, and what there is beyond it. */
static int
tool_read_run(struct tool_call *tc)
{
	struct tool_read_state	 rs;
	struct buf		 out = BUF_INIT;
	struct stat		 sb;
	const char		*path;
	char			*full = NULL, *rel = NULL, *cause = NULL;
	char			 chunk[65536];
	json_int_t		 offset, limit;
	uint64_t		 total;
	ssize_t			 n;
	int			 fd = -1, first = 1, partial = 0;

	memset(&rs, 0, sizeof rs);
	buf_init(&rs.cur, 0);
	path = json_string_value(json_object_get(tc->input, "path"));
	offset = json_integer_value(json_object_get(tc->input, "offset"));
	limit = json_integer_value(json_object_get(tc->input, "limit"));
	if (offset < 1)
		offset = 1;
	if (limit < 1)
		limit = TOOL_READ_MAX_LINES;
	if (path_resolve(tc->ctx->root, path, &full, &rel, &cause) != 0)
		goto fail;
	/* O_NONBLOCK: a fifo must not hang the open; fstat refuses it. */
	if ((fd = open(full, O_RDONLY|O_NONBLOCK|O_CLOEXEC)) == -1 ||
	    fstat(fd, &sb) != 0) {
		cause = xasprintf("%s: %s", rel, strerror(errno));
		goto fail;
	}
	if (S_ISDIR(sb.st_mode)) {
		cause = xasprintf("%s is a directory; use glob to list its "
		    "files", rel);
		goto fail;
	}
	if (!S_ISREG(sb.st_mode)) {
		cause = xasprintf("%s is not a regular file", rel);
		goto fail;
	}

	rs.first = offset;
	rs.last = offset + limit - 1;
	rs.line = 1;
	rs.out = &out;
	for (;;) {
		n = read(fd, chunk, sizeof chunk);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0) {
			cause = xasprintf("%s: %s", rel, strerror(errno));
			goto fail;
		}
		if (n == 0)
			break;
		if (first && tool_read_binary((unsigned char *)chunk,
		    (size_t)n < TOOL_READ_SNIFF ? (size_t)n :
		    TOOL_READ_SNIFF)) {
			cause = xasprintf("%s is a binary file (%jd bytes); "
			    "read_file shows text only", rel,
			    (intmax_t)sb.st_size);
			goto fail;
		}
		first = 0;
		tool_read_scan(&rs, chunk, n);
		partial = chunk[n - 1] != '\n';
	}
	if (partial)
		tool_read_line_end(&rs);
	total = rs.line - 1;

	if (total == 0) {
		tool_result_setf(tc, 0, "%s is empty", rel);
		goto out;
	}
	if ((uint64_t)offset > total) {
		cause = xasprintf("offset %jd is past the end of %s, which "
		    "has %ju lines", (intmax_t)offset, rel, (uintmax_t)total);
		goto fail;
	}
	if (rs.full)
		buf_addf(&out, "[%s has %ju lines; showing %jd-%ju (output "
		    "capped at %d bytes); use offset=%ju to read more]\n",
		    rel, (uintmax_t)total, (intmax_t)offset,
		    (uintmax_t)rs.shown, TOOL_OUTPUT_MAX,
		    (uintmax_t)rs.shown + 1);
	else if ((uint64_t)offset > 1 || rs.shown < total)
		buf_addf(&out, "[%s has %ju lines; showing %jd-%ju%s]\n",
		    rel, (uintmax_t)total, (intmax_t)offset,
		    (uintmax_t)rs.shown, rs.shown < total ?
		    "; use offset to read more" : "");
	tool_result_set(tc, out.buf, out.len, 0);
	goto out;
fail:
	tool_result_set(tc, cause, strlen(cause), 1);
out:
	if (fd != -1)
		close(fd);
	free(cause);
	free(full);
	free(rel);
	buf_release(&out);
	buf_release(&rs.cur);
	return (0);
}
