/* log.c: timestamped debug lines to a file. */
#include <sys/stat.h>
#include <sys/time.h>

#include <fcntl.h>
#include <stdarg.h>
#include <stdio.h>
#include <time.h>
#include <unistd.h>

#include "log.h"
#include "banned.h"

static FILE *log_file;

int
log_open(const char *path)
{
	struct stat	sb;
	int		fd;

	log_close();
	if (path == NULL)
		return (0);
	/* The log holds prompts and tool output: 0600, whatever the umask. */
	if ((fd = open(path, O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC,
	    0600)) == -1)
		return (-1);
	if (fstat(fd, &sb) == 0 && S_ISREG(sb.st_mode))
		(void)fchmod(fd, 0600);
	if ((log_file = fdopen(fd, "a")) == NULL) {
		close(fd);
		return (-1);
	}
	setvbuf(log_file, NULL, _IOLBF, 0);
	return (0);
}

void
log_close(void)
{
	if (log_file != NULL)
		fclose(log_file);
	log_file = NULL;
}

int
log_enabled(void)
{
	return (log_file != NULL);
}

void
log_debug(const char *fmt, ...)
{
	struct timeval	tv;
	struct tm	tm;
	char		ts[32];
	va_list		ap;

	if (log_file == NULL)
		return;
	gettimeofday(&tv, NULL);
	localtime_r(&tv.tv_sec, &tm);
	strftime(ts, sizeof ts, "%H:%M:%S", &tm);
	fprintf(log_file, "%s.%06ld ", ts, (long)tv.tv_usec);
	va_start(ap, fmt);
	vfprintf(log_file, fmt, ap);
	va_end(ap);
	fputc('\n', log_file);
}
