/*
 * complete.h: @path mentions in the prompt: the fuzzy completion of files
 * and folders from the repository's file list (repo.h's lister), and the
 * attachment of the mentioned files to the message on submit.
 */
#ifndef COMPLETE_H
#define COMPLETE_H

#include <stddef.h>

#include "buf.h"

struct repo;
struct repomodel;

#define COMPLETE_MAX		8	/* matches shown */
/* Bytes of one attached file, and of all of one message's together. */
#define COMPLETE_ATTACH_MAX	(256 * 1024)
/* Entries of an attached folder's listing. */
#define COMPLETE_LIST_MAX	200

/*
 * The mention being typed at caret (a byte offset into text): a word that
 * starts with '@' at the start of text or after white space and runs to
 * the caret.  Returns the word after the '@' (possibly empty; caller
 * frees) with *start at the '@', or NULL when the caret is not in one.
 */
char	*complete_word_at(const char *text, size_t caret, size_t *start);

/*
 * The candidates of a completion: the n files (relative to the root, as
 * repo_list() gives them) and the folders they are in, named with a
 * trailing '/', sorted.  *out is an array of *nout allocated strings, the
 * caller's (complete_free()).
 */
void	 complete_candidates(char *const *files, size_t n, char ***out,
	    size_t *nout);
/*
 * The candidates for query among paths (n of them, complete_candidates()):
 * a case-insensitive subsequence match, scored so that
 * consecutive characters, characters at the start of a path component and
 * matches in the last component count more and shorter paths win ties;
 * best first, at most max.  *out is an array of *nout allocated strings
 * (the caller's, freed with complete_free()).  An empty query lists the
 * shortest paths.
 */
void	 complete_match(char *const *paths, size_t n, const char *query,
	    size_t max, char ***out, size_t *nout);
/*
 * As complete_match(), for symbol candidates "PATH#NAME": only NAME is
 * scored (the path breaks ties by length), and an empty query matches
 * none.
 */
void	 complete_match_symbols(char *const *syms, size_t n,
	    const char *query, size_t max, char ***out, size_t *nout);
/*
 * The same matching, fast enough to run on every key over 100,000 paths
 * (bench/bench-mention): an index made once per popup holds each path's
 * lowercase form, the offset of its last component and a bit mask of the
 * characters it has, so a path that lacks one of the query's characters
 * is passed over at once; a query that extends the previous one (another
 * key typed) only looks at the paths the previous one matched; and only
 * the best max are kept while scanning (no sort of every match).  The
 * results are complete_match()'s.  paths (n of them) are borrowed and
 * must outlive the index.
 */
struct complete_index;
struct complete_index *complete_index_create(char *const *paths, size_t n);
void	 complete_index_free(struct complete_index *ix);
/* As complete_match() over the index's paths; *out is the caller's. */
void	 complete_index_match(struct complete_index *ix, const char *query,
	    size_t max, char ***out, size_t *nout);
/* Free what complete_match() returned. */
void	 complete_free(char **v, size_t n);
/*
 * The score of query against path (higher is better), or -1 when query is
 * not a subsequence of path.  For tests.
 */
int	 complete_score(const char *path, const char *query);

/*
 * Attach the files text mentions (each "@path" word, a trailing ',', '.',
 * ':', ';', ')' or '?' not part of it) to out: text first, then for each
 * file the repository lists (rp, root absolute) its contents in an
 * <attached file="PATH"> block, each at most COMPLETE_ATTACH_MAX bytes and
 * all of them together too; a folder (a directory inside the root holding
 * listed files) attaches a listing of its entries (COMPLETE_LIST_MAX at
 * most).  Binary files (a NUL byte in the first 8 KB) and files over the
 * cap are named, not attached; paths outside the root, not listed
 * (ignored, .git) or missing are left as text, and so are images (PNG,
 * JPEG, GIF, WebP by their bytes), which the agent attaches as images.  "@path#name" attaches
 * only the lines of the definition of name in path that the repository
 * model rm knows (the whole file when rm is NULL or does not know it).
 * notes gets one line per mention saying what was done ("Attached src/a.c
 * (1.2 KB)").  Returns how many mentions were attached or named; 0 leaves
 * out empty (text not copied).
 */
int	 complete_attach(struct repo *rp, struct repomodel *rm,
	    const char *root, const char *text, struct buf *out,
	    struct buf *notes);

#endif
