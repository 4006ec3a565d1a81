/* test-tools.h: helpers shared by the tools subsystem's unit tests. */
#ifndef TEST_TOOLS_H
#define TEST_TOOLS_H

#include <sys/stat.h>

#include <ftw.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

/* Remove one entry (nftw callback). */
static inline int
tt_rm(const char *path, const struct stat *sb, int flag, struct FTW *ftw)
{
	(void)sb;
	(void)flag;
	(void)ftw;
	return (remove(path));
}

/* Remove a directory tree. */
static inline void
tt_rmtree(const char *dir)
{
	nftw(dir, tt_rm, 16, FTW_DEPTH | FTW_PHYS);
}

/* A new empty directory under TMPDIR; the caller frees. */
static inline char *
tt_tmpdir(void)
{
	const char	*t = getenv("TMPDIR");
	char		*d = xasprintf("%s/agentos-test.XXXXXX",
			    t != NULL ? t : "/tmp");

	if (mkdtemp(d) == NULL)
		fatalx("mkdtemp failed");
	return (d);
}

/* Write a file under dir, creating nothing else. */
static inline void
tt_write(const char *dir, const char *name, const char *data, size_t len)
{
	char	*p = xasprintf("%s/%s", dir, name);
	FILE	*f = fopen(p, "w");

	if (f == NULL || fwrite(data, 1, len, f) != len || fclose(f) != 0)
		fatalx("cannot write %s", p);
	free(p);
}

/* The contents of a file under dir (NUL-terminated); the caller frees. */
static inline char *
tt_read(const char *dir, const char *name, size_t *len)
{
	struct buf	 b = BUF_INIT;
	char		*p = xasprintf("%s/%s", dir, name);
	char		 chunk[4096];
	size_t		 n;
	FILE		*f = fopen(p, "r");

	free(p);
	if (f == NULL)
		return (NULL);
	while ((n = fread(chunk, 1, sizeof chunk, f)) > 0)
		buf_add(&b, chunk, n);
	fclose(f);
	return (buf_detach(&b, len));
}

/* Does the tool call's result contain s? */
#define assert_result_has(tc, s) do {					\
	if (strstr((tc)->result.buf, (s)) == NULL)			\
		fail_msg("result lacks \"%s\": %s", (s),		\
		    (tc)->result.buf);					\
} while (0)

#endif
