/* repo.c: finding the repository a directory belongs to. */
#include <stdlib.h>
#include <string.h>

#include <git2.h>

#include "agentos.h"
#include "banned.h"

char *
agentos_repo_root(const char *dir, char **cause)
{
	git_buf		 gb = { 0 };
	git_repository	*repo = NULL;
	const char	*wd;
	const git_error	*e;
	char		*root = NULL;
	size_t		 len;

	git_libgit2_init();
	if (git_repository_discover(&gb, dir, 0, NULL) != 0 ||
	    git_repository_open(&repo, gb.ptr) != 0) {
		e = git_error_last();
		*cause = xasprintf("%s: not inside a git worktree%s%s", dir,
		    e != NULL ? ": " : "", e != NULL ? e->message : "");
		goto out;
	}
	if ((wd = git_repository_workdir(repo)) == NULL) {
		*cause = xasprintf("%s: a bare repository has no worktree",
		    dir);
		goto out;
	}
	root = xstrdup(wd);
	len = strlen(root);
	while (len > 1 && root[len - 1] == '/')
		root[--len] = '\0';
out:
	git_repository_free(repo);
	git_buf_dispose(&gb);
	git_libgit2_shutdown();
	return (root);
}
