/* xmalloc.h: allocation that never returns NULL; out of memory aborts. */
#ifndef XMALLOC_H
#define XMALLOC_H

#include <stdarg.h>
#include <stddef.h>

/*
 * Each allocates like its libc namesake and aborts the process with a message
 * on failure, so callers never check for NULL.  The result is the caller's to
 * free().  xstrndup copies at most n bytes and always NUL-terminates.
 */
void	*xmalloc(size_t size);
void	*xcalloc(size_t nmemb, size_t size);
void	*xrealloc(void *ptr, size_t size);
void	*xreallocarray(void *ptr, size_t nmemb, size_t size);
char	*xstrdup(const char *s);
char	*xstrndup(const char *s, size_t n);
/* Formatted allocation; the result is the caller's to free. */
char	*xasprintf(const char *fmt, ...)
	    __attribute__((format(printf, 1, 2)));
char	*xvasprintf(const char *fmt, va_list ap)
	    __attribute__((format(printf, 1, 0)));
/* snprintf that aborts on truncation: for fixed buffers known to fit. */
int	 xsnprintf(char *buf, size_t len, const char *fmt, ...)
	    __attribute__((format(printf, 3, 4)));

/*
 * Grow an array v of nr used and alloc allocated elements so that it holds at
 * least n elements (git's ALLOC_GROW).  Amortised O(1) per element.
 */
#define ALLOC_GROW(v, n, alloc) do {					\
	if ((n) > (alloc)) {						\
		size_t ag_new_ = (alloc) < 8 ? 8 : (alloc) * 3 / 2;	\
		if (ag_new_ < (n))					\
			ag_new_ = (n);					\
		(v) = xreallocarray((v), ag_new_, sizeof *(v));		\
		(alloc) = ag_new_;					\
	}								\
} while (0)

/*
 * Called first by fatalx() when set: the TUI ends curses here so the
 * message reaches a restored terminal.
 */
extern void (*fatal_hook)(void);

/* Abort with a message: a broken invariant, never bad input. */
void	 fatalx(const char *fmt, ...)
	    __attribute__((format(printf, 1, 2), noreturn));

#endif
