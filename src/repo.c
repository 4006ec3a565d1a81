/* repo.c: finding the repository the user runs agentos in. */
#include <stdlib.h>
#include <string.h>

#include <git2.h>

#include "agentos.h"
#include "banned.h"

char *
agentos_repo_root(const char *dir, char **cause)
{
	git_buf		 path = GIT_BUF_INIT_CONST(NULL, 0);
	git_repository	*repo = NULL;
	const git_error	*e;
	const char	*wd;
	char		*root = NULL;
	size_t		 len;

	git_libgit2_init();
	if (git_repository_discover(&path, dir, 0, NULL) != 0) {
		*cause = xasprintf("%s is not inside a git repository "
		    "(agentos works in a git worktree: run 'git init' first)",
		    dir);
		goto out;
	}
	if (git_repository_open(&repo, path.ptr) != 0) {
		e = git_error_last();
		*cause = xasprintf("cannot open repository %s: %s", path.ptr,
		    e != NULL ? e->message : "unknown error");
		goto out;
	}
	if ((wd = git_repository_workdir(repo)) == NULL) {
		*cause = xasprintf("%s is a bare repository", path.ptr);
		goto out;
	}
	root = xstrdup(wd);
	len = strlen(root);
	if (len > 1 && root[len - 1] == '/')
		root[len - 1] = '\0';
out:
	git_repository_free(repo);
	git_buf_dispose(&path);
	return (root);
}
