/* diff.c: unified diffs computed by libgit2. */
#include <string.h>

#include <git2.h>

#include "agentos.h"
#include "banned.h"

static void	diff_init_libgit2(void);

/* libgit2 counts its users; the one reference taken here is never given
   back, as agentos uses libgit2 until it exits. */
static void
diff_init_libgit2(void)
{
	static int	done;

	if (!done) {
		git_libgit2_init();
		done = 1;
	}
}

/*
 * git_patch_from_buffers (libgit2 docs, "patch"): a NULL buffer with a NULL
 * path is the missing side, giving the /dev/null header git uses for new
 * and deleted files.  libgit2 decides binary-ness the way git does (a NUL
 * in the first 8000 bytes).
 */
int
diff_buffers(const char *path, const char *old, size_t oldlen,
    const char *new, size_t newlen, struct buf *out, int *added,
    int *removed, char **cause)
{
	git_diff_options	 opts;
	git_patch		*patch = NULL;
	git_buf			 gb = { NULL, 0, 0 };
	const git_diff_delta	*delta;
	const git_error		*e;
	const char		*hdr, *end, *nl;
	size_t			 ctx, add = 0, del = 0;
	int			 rc = -1;

	diff_init_libgit2();
	git_diff_options_init(&opts, GIT_DIFF_OPTIONS_VERSION);
	if (added != NULL)
		*added = 0;
	if (removed != NULL)
		*removed = 0;
	opts.context_lines = 3;
	if (git_patch_from_buffers(&patch, old, oldlen,
	    old != NULL ? path : NULL, new, newlen,
	    new != NULL ? path : NULL, &opts) != 0)
		goto fail;
	if (patch == NULL) {
		rc = 0;
		goto out;
	}
	delta = git_patch_get_delta(patch);
	if (delta->flags & GIT_DIFF_FLAG_BINARY) {
		buf_addf(out, "Binary files %s%s and %s%s differ\n",
		    old != NULL ? "a/" : "", old != NULL ? path : "/dev/null",
		    new != NULL ? "b/" : "", new != NULL ? path : "/dev/null");
		rc = 0;
		goto out;
	}
	if (git_patch_to_buf(&gb, patch) != 0)
		goto fail;
	/* The header without its "index <hash>..<hash>" line, which means
	   nothing for buffers that are not blobs. */
	hdr = gb.ptr;
	end = gb.ptr + gb.size;
	while (hdr < end && strncmp(hdr, "@@", 2) != 0) {
		nl = memchr(hdr, '\n', end - hdr);
		nl = nl != NULL ? nl + 1 : end;
		if (strncmp(hdr, "index ", 6) != 0)
			buf_add(out, hdr, nl - hdr);
		hdr = nl;
	}
	buf_add(out, hdr, end - hdr);
	if (git_patch_line_stats(&ctx, &add, &del, patch) != 0)
		goto fail;
	if (added != NULL)
		*added = (int)add;
	if (removed != NULL)
		*removed = (int)del;
	rc = 0;
	goto out;
fail:
	e = git_error_last();
	*cause = xasprintf("diff of %s: %s", path,
	    e != NULL && e->message != NULL ? e->message : "libgit2 failed");
out:
	git_buf_dispose(&gb);
	git_patch_free(patch);
	return (rc);
}
