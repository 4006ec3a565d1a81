/* repomodel-history.c: recency, churn and co-change pairs from history. */
#include <stdlib.h>
#include <string.h>

#include <git2.h>

#include "agentos.h"
#include "repomodel-private.h"
#include "banned.h"

/* Commits touching more files than this are not co-change evidence. */
#define HISTORY_PAIR_MAX_FILES	16

static int	 pair_cmp(const void *, const void *);

static int
pair_cmp(const void *a, const void *b)
{
	const struct rm_pair	*x = a, *y = b;

	if (x->a != y->a)
		return (x->a < y->a ? -1 : 1);
	return (x->b < y->b ? -1 : x->b > y->b);
}

/*
 * Walk at most cfg.history_commits commits from HEAD (first parents' diffs
 * by name only, no content), if HEAD moved since the last walk: per file
 * the time of its last commit and how many commits touched it, and pairs
 * of files changed together.  Takes the model lock to store the result.
 */
int
rm_history_walk(struct repomodel *rm, struct git_repository *repo,
    char **cause)
{
	git_revwalk		*walk = NULL;
	git_oid			 oid, head;
	git_commit		*c = NULL, *parent = NULL;
	git_tree		*t = NULL, *pt = NULL;
	git_diff		*diff = NULL;
	git_diff_options	 opts;
	const git_diff_delta	*d;
	char			 hex[GIT_OID_HEXSZ + 1];
	uint32_t		*touched = NULL, fi, *last = NULL, *churn;
	int64_t			*when = NULL;
	size_t			 ntouched, atouched = 0, i, k, n, nd;
	struct rm_pair		*pairs = NULL;
	size_t			 npairs = 0, apairs = 0, commits = 0, nfiles;
	int			 rc = -1;

	if (git_reference_name_to_id(&head, repo, "HEAD") != 0)
		return (0);	/* unborn */
	git_oid_tostr(hex, sizeof hex, &head);
	pthread_mutex_lock(&rm->lock);
	if (strcmp(hex, rm->head) == 0) {
		pthread_mutex_unlock(&rm->lock);
		return (0);
	}
	nfiles = rm->nfiles;
	pthread_mutex_unlock(&rm->lock);

	/* Paths are resolved to files under the lock, per commit. */
	when = xcalloc(nfiles + 1, sizeof *when);
	last = xcalloc(nfiles + 1, sizeof *last);
	churn = last;
	git_diff_options_init(&opts, GIT_DIFF_OPTIONS_VERSION);
	opts.flags = GIT_DIFF_SKIP_BINARY_CHECK;
	if (git_revwalk_new(&walk, repo) != 0 ||
	    git_revwalk_push(walk, &head) != 0)
		goto fail;
	git_revwalk_sorting(walk, GIT_SORT_TIME);
	git_revwalk_simplify_first_parent(walk);
	while (commits < (size_t)rm->cfg.history_commits &&
	    git_revwalk_next(&oid, walk) == 0) {
		if (git_commit_lookup(&c, repo, &oid) != 0)
			goto fail;
		if (git_commit_tree(&t, c) != 0)
			goto fail;
		if (git_commit_parentcount(c) > 0 &&
		    git_commit_parent(&parent, c, 0) == 0)
			git_commit_tree(&pt, parent);
		if (git_diff_tree_to_tree(&diff, repo, pt, t, &opts) != 0)
			goto fail;
		nd = git_diff_num_deltas(diff);
		ntouched = 0;
		pthread_mutex_lock(&rm->lock);
		for (i = 0; i < nd; i++) {
			d = git_diff_get_delta(diff, i);
			fi = rm_file_index(rm, d->new_file.path);
			if (fi == UINT32_MAX || fi >= nfiles)
				continue;
			if (when[fi] == 0)
				when[fi] = git_commit_time(c);
			churn[fi]++;
			ALLOC_GROW(touched, ntouched + 1, atouched);
			touched[ntouched++] = fi;
		}
		pthread_mutex_unlock(&rm->lock);
		if (ntouched > 1 && ntouched <= HISTORY_PAIR_MAX_FILES) {
			for (i = 0; i < ntouched; i++) {
				for (k = i + 1; k < ntouched; k++) {
					ALLOC_GROW(pairs, npairs + 1, apairs);
					pairs[npairs].a = touched[i] <
					    touched[k] ? touched[i] : touched[k];
					pairs[npairs].b = touched[i] <
					    touched[k] ? touched[k] : touched[i];
					pairs[npairs].n = 1;
					npairs++;
				}
			}
		}
		git_diff_free(diff);
		diff = NULL;
		git_tree_free(pt);
		pt = NULL;
		git_tree_free(t);
		t = NULL;
		git_commit_free(parent);
		parent = NULL;
		git_commit_free(c);
		c = NULL;
		commits++;
	}
	/* Merge duplicate pairs. */
	if (npairs > 0)
		qsort(pairs, npairs, sizeof *pairs, pair_cmp);
	for (i = n = 0; i < npairs; i++) {
		if (n > 0 && pairs[n - 1].a == pairs[i].a &&
		    pairs[n - 1].b == pairs[i].b)
			pairs[n - 1].n++;
		else
			pairs[n++] = pairs[i];
	}
	npairs = n;

	pthread_mutex_lock(&rm->lock);
	for (i = 0; i < nfiles && i < rm->nfiles; i++) {
		if (rm->files[i] == NULL)
			continue;
		rm->files[i]->last_commit = when[i];
		rm->files[i]->churn = churn[i];
	}
	free(rm->pairs);
	rm->pairs = pairs;
	rm->npairs = rm->apairs = npairs;
	pairs = NULL;
	rm->commits = commits;
	memcpy(rm->head, hex, sizeof hex);
	rm->graph_dirty = 1;
	rm_store_put_history(rm);
	rm_store_meta_set(rm, "head", hex);
	xsnprintf(hex, sizeof hex, "%zu", commits);
	rm_store_meta_set(rm, "commits", hex);
	pthread_mutex_unlock(&rm->lock);
	rc = 0;
	goto out;

fail:
	if (cause != NULL)
		*cause = xstrdup(git_error_last() != NULL ?
		    git_error_last()->message : "history walk failed");
out:
	git_diff_free(diff);
	git_tree_free(pt);
	git_tree_free(t);
	git_commit_free(parent);
	git_commit_free(c);
	git_revwalk_free(walk);
	free(touched);
	free(pairs);
	free(when);
	free(last);
	return (rc);
}
