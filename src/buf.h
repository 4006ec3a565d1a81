/*
 * buf.h: growable byte buffers (git's strbuf invariants plus curl's cap).
 *
 * Invariants: buf is never NULL and always NUL-terminated at buf[len], so
 * buf.buf can be passed to any C string function; buf_detach() is the only
 * way to take the memory.  With max set (tool output, HTTP bodies, file
 * reads), an append that would pass max bytes appends what fits, sets
 * truncated and returns -1, so the caller can say the cap was hit.
 */
#ifndef BUF_H
#define BUF_H

#include <stdarg.h>
#include <stddef.h>

struct buf {
	char	*buf;
	size_t	 len;		/* bytes used, excluding the NUL */
	size_t	 alloc;		/* bytes allocated; 0 while buf is the slopbuf */
	size_t	 max;		/* cap on len in bytes; 0 means none */
	int	 truncated;	/* an append was cut at max */
};

extern char buf_slopbuf[];
#define BUF_INIT { buf_slopbuf, 0, 0, 0, 0 }

/* Initialise b empty, with a cap of max bytes (0: none). */
void	 buf_init(struct buf *b, size_t max);
/* Free b's memory and leave it empty (reusable, cap kept). */
void	 buf_release(struct buf *b);
/* Empty b without freeing its memory. */
void	 buf_reset(struct buf *b);
/* Make room for extra more bytes beyond len. */
void	 buf_grow(struct buf *b, size_t extra);
/*
 * Append len bytes of data.  Returns 0, or -1 when the cap cut the append
 * (what fits was appended and truncated is set).
 */
int	 buf_add(struct buf *b, const void *data, size_t len);
/* Append a C string; as buf_add. */
int	 buf_adds(struct buf *b, const char *s);
/* Append one byte; as buf_add. */
int	 buf_addch(struct buf *b, int c);
/* Append formatted text; as buf_add. */
int	 buf_addf(struct buf *b, const char *fmt, ...)
	    __attribute__((format(printf, 2, 3)));
int	 buf_vaddf(struct buf *b, const char *fmt, va_list ap)
	    __attribute__((format(printf, 2, 0)));
/* Set len to n (n <= len), keeping the NUL invariant. */
void	 buf_setlen(struct buf *b, size_t n);
/* Remove the first n bytes (n <= len). */
void	 buf_remove_head(struct buf *b, size_t n);
/*
 * Take b's memory: the result (NUL-terminated, length in *len if len is not
 * NULL) is the caller's to free; b is left empty and reusable.
 */
char	*buf_detach(struct buf *b, size_t *len);
/* Strip trailing white space. */
void	 buf_rtrim(struct buf *b);
/*
 * Keep the last max bytes of a stream in a fixed array: append n bytes of
 * data to tail (room for at least max bytes, *len of them in use), dropping
 * the oldest bytes that no longer fit.  For a child's stderr, whose last
 * lines explain why it died.  Never NUL-terminates.
 */
void	 buf_tail_add(char *tail, size_t max, size_t *len, const void *data,
	    size_t n);

#endif
