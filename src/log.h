/*
 * log.h: debug log to a file (never to the terminal, which curses may own).
 * Enabled by -v or AGENTOS_LOG=FILE; off by default and then nearly free.
 */
#ifndef LOG_H
#define LOG_H

/*
 * Open the log at path (appending; a new or regular file is made 0600,
 * whatever the umask); NULL turns logging off.  0 or -1.
 */
int	 log_open(const char *path);
void	 log_close(void);
/* Nonzero when a log file is open. */
int	 log_enabled(void);
/* Write one timestamped line (a trailing newline is added). */
void	 log_debug(const char *fmt, ...)
	    __attribute__((format(printf, 1, 2)));

#endif
