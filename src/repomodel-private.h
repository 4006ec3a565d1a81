/*
 * repomodel-private.h: the repository model's insides, shared by
 * repomodel.c (the model, builds, lookups), repomodel-files.c (listing),
 * repomodel-store.c (SQLite), repomodel-rank.c (graph, PageRank, map) and
 * repomodel-history.c (libgit2 history).  Nothing else includes it.
 */
#ifndef REPOMODEL_PRIVATE_H
#define REPOMODEL_PRIVATE_H

#include <pthread.h>

#include "hashmap.h"
#include "repomodel.h"

struct sqlite3;
struct sqlite3_stmt;
struct git_repository;

/* Where a name is defined or referenced. */
struct rm_loc {
	uint32_t	file;
	uint32_t	n;		/* def: index in tags.defs; ref: count */
};

/* A definition as the model keeps it (its name: rm_file.dnames). */
struct rm_def {
	uint32_t	line, end_line;	/* 1-based, inclusive */
	uint16_t	siglen;		/* signature bytes (in the store) */
	uint8_t		kind;		/* enum def_kind */
	uint8_t		flags;		/* TAG_DEF_* */
};

/* One file of the model. */
struct rm_file {
	char			*path;		/* relative to the root */
	const struct grammar	*g;		/* NULL: no grammar */
	int64_t			 size;		/* bytes */
	int64_t			 mtime;		/* ns since the epoch */
	uint8_t			 hash[20];	/* git blob id of the content */
	uint8_t			 skip;		/* enum repomodel_skip */
	uint8_t			 seen;		/* in the current listing */
	uint8_t			 fclass;	/* RM_FILE_* (from the path) */
	uint8_t			 imports_stale;	/* resolve its imports again */
	/*
	 * Imports only once indexed (rm_file_slim): the definitions are
	 * in defs, the references and signatures in the store, read back
	 * when needed (rm_def_sig, repomodel_find_references).
	 */
	struct tags		 tags;
	struct rm_def		*defs;		/* in line order */
	size_t			 ndefs;
	size_t			 nrefs;		/* references in the store */
	struct rm_loc		*rnames;	/* names referenced: name
						   index and count */
	size_t			 nrnames;
	uint32_t		*dnames;	/* name index of each def */
	uint32_t		*imports;	/* resolved: file indexes */
	size_t			 nimports;
	/* History (repomodel-history.c). */
	int64_t			 last_commit;	/* seconds since the epoch */
	uint32_t		 churn;		/* commits that touched it */
	uint64_t		 changed_ms;	/* changed live (loop_wall_ms) */
	/* Rank (repomodel-rank.c). */
	double			 rank;
	double			 mention;	/* named in the conversation */
};


/* What a path says about a file (rm_rank_classify). */
#define RM_FILE_TEST	0x01		/* a test, fixture or test helper */
#define RM_FILE_VENDOR	0x02		/* vendored, generated, compat shim */
#define RM_FILE_HEADER	0x04		/* a C/C++ header */

/* One name of the index (in rm->pool, with its name: never freed). */
struct rm_name {
	struct rm_loc	*defs;		/* a file's definitions together */
	uint32_t	 ndefs, adefs;
	struct rm_loc	*refs;		/* one per referencing file */
	uint32_t	 nrefs, arefs;
	/* A single definition or reference lives here, not malloc'd. */
	struct rm_loc	 def1, ref1;
	double		 mention;	/* personalisation weight */
	/* Rank (repomodel-rank.c, with the graph). */
	float		 bw;		/* rm_rank_name_weight() */
	float		 w;		/* weight of a reference edge */
	uint32_t	 ndfiles;	/* distinct files defining it */
	char		 name[];	/* NUL-terminated */
};


/* A co-change pair from history. */
struct rm_pair {
	uint32_t	a, b;		/* file indexes */
	uint32_t	n;		/* commits touching both */
};

struct repomodel {
	char			*root;
	struct repomodel_config	 cfg;
	pthread_mutex_t		 lock;	/* everything below */

	struct rm_file		**files;	/* NULL slots: removed */
	size_t			 nfiles, afiles;
	struct hashmap		 paths;		/* path -> file index */
	uint32_t		*free_slots;
	size_t			 nfree, afree;

	struct rm_name		**names;
	size_t			 nnames, anames;
	struct hashmap		 name_map;	/* name -> names index */
	/* Names and their strings, in chunks (rm_pool_alloc). */
	char			**pool;
	size_t			 npool, apool;
	size_t			 pool_used, pool_size;

	/* History. */
	char			 head[41];	/* HEAD when walked */
	struct rm_pair		*pairs;
	size_t			 npairs, apairs;
	size_t			 commits;

	/* Graph (rebuilt when dirty). */
	int			 graph_dirty;
	int			 imports_dirty;	/* the file set changed */
	int			 imports_some;	/* some files' changed */
	uint32_t		*edge_off;	/* CSR by source file */
	uint32_t		*edge_dst;
	float			*edge_w;
	double			*out_w;
	size_t			 nedges;
	uint8_t			*fam;		/* language family by file */
	uint32_t		*indeg;		/* distinct referencing files */

	/* Personalisation. */
	uint64_t		 mention_tick;

	/* Store. */
	struct sqlite3		*db;
	struct sqlite3_stmt	*st_put;	/* prepared once */
	struct sqlite3_stmt	*st_delete;
	struct sqlite3_stmt	*st_get;
	struct sqlite3_stmt	*st_touch;
	struct buf		 blob;		/* rm_store_put's */
	pthread_mutex_t		 db_lock;

	/* Asynchronous build. */
	pthread_t		 thread;
	int			 busy;
	int			 cancel;	/* closing: stop the build */
	size_t			 prog_done, prog_total;
	int			 pipe[2];
	struct event		*ev;
	void			(*progress_cb)(void *, size_t, size_t);
	void			(*done_cb)(void *,
				    const struct repomodel_stats *,
				    const char *);
	void			*cb_arg;
	struct repomodel_stats	 async_stats;
	char			*async_error;
	char			**queued;	/* changed during a build */
	size_t			 nqueued, aqueued;
	char			**noted;	/* from the watcher */
	size_t			 nnoted, anoted;
	struct loop_timer	*noted_timer;

	/* Trees of recently changed files, for incremental parses. */
	struct rm_tree {
		char		*path;
		char		*text;
		size_t		 len;
		struct TSTree	*tree;
		struct grammar_found *found;	/* what the query found */
		uint64_t	 used;
	}			 trees[8];
	uint64_t		 tree_tick;

	struct repomodel_stats	 last;		/* of the last build */
};

/* repomodel.c */
struct rm_file	*rm_file_get(struct repomodel *rm, const char *path);
/* Add a file (or return the one there); lock held. */
struct rm_file	*rm_file_add(struct repomodel *rm, const char *path);
uint32_t	 rm_file_index(struct repomodel *rm, const char *path);
/* Remove f's entries from the name index, or add them; lock held. */
void		 rm_index_remove(struct repomodel *rm, uint32_t fi);
void		 rm_index_add(struct repomodel *rm, uint32_t fi);
/* Signatures read back from the store, one file at a time. */
struct rm_sigs {
	const struct rm_file	*f;	/* whose tags t holds */
	struct tags		 t;
	int			 ok;
};
void		 rm_sigs_init(struct rm_sigs *s);
void		 rm_sigs_release(struct rm_sigs *s);
/*
 * The signature of definition k of f (lock held), read from the store
 * into s (borrowed: valid until the next call or rm_sigs_release); the
 * name when the store does not have it.
 */
const char	*rm_def_sig(struct repomodel *rm, struct rm_sigs *s,
		    const struct rm_file *f, size_t k);
/* The name of definition k of f (borrowed; lock held). */
const char	*rm_def_name(struct repomodel *rm, const struct rm_file *f,
		    size_t k);
/*
 * Keep only what stays in memory of f's tags (indexed and stored before):
 * its definitions as rm_defs, its imports; see struct rm_file.
 */
void		 rm_file_slim(struct rm_file *f);
struct rm_name	*rm_name_get(struct repomodel *rm, const char *name);
uint64_t	 rm_now_ms(void);

/*
 * repomodel-files.c: the paths git would track (repo_list with symlinks,
 * see repo.h), and whether one path is among them (repo_listed).  0 or -1
 * with cause.
 */
int		 rm_files_list(const char *root, char ***paths, size_t *n,
		    char **cause);
int		 rm_file_listed(const char *root, const char *rel, int *listed,
		    char **cause);

/* repomodel-store.c: the SQLite store. */
int		 rm_store_open(struct repomodel *rm, char **cause);
void		 rm_store_close(struct repomodel *rm);
/* Load and index every stored file (lock held; see rm_file_slim). */
int		 rm_store_load(struct repomodel *rm, char **cause);
int		 rm_store_begin(struct repomodel *rm);
int		 rm_store_commit(struct repomodel *rm);
int		 rm_store_put(struct repomodel *rm, const struct rm_file *f);
int		 rm_store_delete(struct repomodel *rm, const char *path);
/* Update only f's size and mtime (its tags are unchanged). */
int		 rm_store_touch(struct repomodel *rm, const struct rm_file *f);
/* Read path's stored tags into t (empty; caller releases); 0 or -1. */
int		 rm_store_get(struct repomodel *rm, const char *path,
		    struct tags *t);
int		 rm_store_put_history(struct repomodel *rm);
int		 rm_store_meta_get(struct repomodel *rm, const char *key,
		    char **value);
int		 rm_store_meta_set(struct repomodel *rm, const char *key,
		    const char *value);

/* repomodel-history.c: recency, churn and co-change from libgit2. */
int		 rm_history_walk(struct repomodel *rm, struct git_repository *,
		    char **cause);

/* repomodel-rank.c */
void		 rm_rank_imports(struct repomodel *rm);
void		 rm_rank_graph(struct repomodel *rm);
/*
 * How much a reference to name says about a dependency (before counting
 * the files defining it): x10 long descriptive, x0.1 _private or short.
 */
float		 rm_rank_name_weight(const char *name);
/* The RM_FILE_* class of a path (relative to the root). */
uint8_t		 rm_rank_classify(const char *path);

#endif
