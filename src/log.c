/* log.c: timestamped debug lines to a file. */
#include <stdarg.h>
#include <stdio.h>
#include <sys/time.h>
#include <time.h>

#include "log.h"
#include "banned.h"

static FILE *log_file;

int
log_open(const char *path)
{
	log_close();
	if (path == NULL)
		return (0);
	if ((log_file = fopen(path, "a")) == NULL)
		return (-1);
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
