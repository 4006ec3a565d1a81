/* repomodel-files.c: the files the repository model holds (repo.c's lister). */
#include <stdlib.h>

#include "agentos.h"
#include "repo.h"
#include "repomodel-private.h"
#include "banned.h"

/*
 * The model holds what repo_list lists, symlinks included (they are kept as
 * "not a file": never followed, never parsed).  The model keeps no
 * repository handle of its own yet: it opens one per listing, a millisecond
 * against the listing itself.
 */
int
rm_files_list(const char *root, char ***paths, size_t *n, char **cause)
{
	struct repo	*rp;
	int		 rc;

	*paths = NULL;
	*n = 0;
	if (repo_open(&rp, root, cause) != 0)
		return (-1);
	rc = repo_list(rp, REPO_LIST_ALL, paths, n, cause);
	repo_free(rp);
	return (rc);
}

/* Would rm_files_list list rel?  One path only, for a change the watcher saw. */
int
rm_file_listed(const char *root, const char *rel, int *listed, char **cause)
{
	struct repo	*rp;
	int		 rc;

	*listed = 0;
	if (repo_open(&rp, root, cause) != 0)
		return (-1);
	rc = repo_listed(rp, rel, listed, cause);
	repo_free(rp);
	return (rc);
}
