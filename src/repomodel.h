/*
 * repomodel.h: the live repository model: tree-sitter grammars (grammar.c), the
 * model itself (repomodel*.c), its tools and its subcommands.
 */
#ifndef REPOMODEL_H
#define REPOMODEL_H

#include "agentos.h"

/* repomodel.c, grammar.c: the live repository model */

/*
 * grammar.c: the tree-sitter grammars compiled into agentos (fetched from npm
 * at build time, pinned in grammars/grammars.lock) and their tags queries
 * (grammars/<lang>/tags.scm, embedded at build time).
 */
struct grammar;
struct grammar_parser;
struct TSTree;

enum def_kind {
	DEF_FUNCTION,
	DEF_METHOD,
	DEF_CLASS,
	DEF_STRUCT,
	DEF_UNION,
	DEF_ENUM,
	DEF_INTERFACE,
	DEF_TYPE,
	DEF_MODULE,
	DEF_MACRO,
	DEF_CONSTANT,
	DEF_VARIABLE,
	DEF_PROTOTYPE,			/* a C/C++ function declaration */
};
#define DEF_KIND_COUNT 13

enum ref_kind {				/* most specific first */
	REF_CALL,
	REF_TYPE,
	REF_MACRO,
	REF_IDENT,
};
#define REF_KIND_COUNT 4

/* One definition; name and sig are offsets into tags.strs. */
struct tag_def {
	uint8_t		kind;		/* enum def_kind */
	uint8_t		flags;		/* TAG_DEF_* */
	uint32_t	name;
	uint32_t	sig;		/* signature: whitespace collapsed */
	uint32_t	line, end_line;	/* 1-based, inclusive */
};

/*
 * TAG_DEF_STATIC: a C/C++ definition with the static storage class (local
 * to its file unless the file is a header); TAG_DEF_PRIVATE: private to
 * its file or class (Java private, a Rust item without pub).
 */
#define TAG_DEF_STATIC		0x01
#define TAG_DEF_PRIVATE		0x02

/* One reference (deduplicated per name and line). */
struct tag_ref {
	uint8_t		kind;		/* enum ref_kind */
	uint32_t	name;		/* offset into tags.strs */
	uint32_t	line;		/* 1-based */
};

/* A name referenced by a file and how many times (lines). */
struct tag_use {
	uint32_t	name;		/* offset into tags.strs */
	uint32_t	count;
};

/* What a file defines, references and imports. */
struct tags {
	struct buf	 strs;		/* NUL-separated strings */
	struct tag_def	*defs;		/* in line order */
	size_t		 ndefs, adefs;
	struct tag_ref	*refs;		/* in line order */
	size_t		 nrefs, arefs;
	uint32_t	*imports;	/* offsets into strs, as written */
	size_t		 nimports, aimports;
	struct tag_use	*uses;		/* each referenced name once */
	size_t		 nuses;
	int		 errors;	/* the tree had ERROR nodes */
};
void	 tags_init(struct tags *t);
void	 tags_release(struct tags *t);
/* The string at offset off of t (borrowed). */
#define TAGS_STR(t, off)	((t)->strs.buf + (off))
/* Append a NUL-terminated string of len bytes; returns its offset. */
uint32_t tags_add_str(struct tags *t, const char *s, size_t len);

const char *def_kind_name(enum def_kind k);
/* The kind named name ("function", ...); -1 if none. */
int	 def_kind_from_name(const char *name);
const char *ref_kind_name(enum ref_kind k);

/* Find a grammar by name ("c", "python", "tsx", ...); NULL if none. */
const struct grammar *grammar_find(const char *name);
/*
 * The grammar for path, by extension, else by the #! line in head (the
 * first len bytes of the file; may be NULL); NULL if none.
 */
const struct grammar *grammar_detect(const char *path, const char *head,
	    size_t len);
const char *grammar_name(const struct grammar *g);
/*
 * A hash of every tags query: what was stored with other queries is
 * re-parsed.
 */
uint32_t grammar_tags_hash(void);
/* All grammars, for listings: the i-th, NULL past the end. */
const struct grammar *grammar_at(size_t i);
/*
 * Compile g's tags query now (it is compiled on first use otherwise);
 * 0 or -1 with cause naming the offset of a query error.  Thread-safe.
 */
int	 grammar_load(const struct grammar *g, char **cause);

/*
 * A parser for one thread (tree-sitter parsers and query cursors are not
 * shared between threads; grammars and queries are).  timeout_ms bounds
 * one parse (0: none).
 */
struct grammar_parser *grammar_parser_create(unsigned int timeout_ms);
void	 grammar_parser_free(struct grammar_parser *gp);
/*
 * What the tags query found in a file, kept with its tree so that the next
 * incremental parse re-runs the query over the changed part only.
 */
struct grammar_found;
void	 grammar_found_free(struct grammar_found *found);
/*
 * Parse text (len bytes) with g and fill out (initialised by the caller)
 * with its definitions, references and imports.  tree: when not NULL, *tree
 * may hold the previous tree of this file already edited with
 * grammar_tree_edit() (incremental parse); on return *tree is the new tree
 * (the caller frees it with grammar_tree_free()).  found: when not NULL,
 * *found may hold what the query found with that previous tree (then the
 * query runs again only where the edit changed the syntax, and the tags are
 * the same as a full run's); on return *found is what was found in text
 * (NULL on failure; the caller frees it with grammar_found_free()).  Parse
 * errors are not failures (out->errors is set); -1 with cause on a timeout
 * or when the query cannot be compiled.
 */
int	 grammar_tags(struct grammar_parser *gp, const struct grammar *g,
	    const char *text, size_t len, struct TSTree **tree,
	    struct grammar_found **found, struct tags *out, char **cause);
/*
 * Tell tree that old (oldlen bytes) became new (newlen bytes), and found
 * (may be NULL) where the edit is.
 */
void	 grammar_tree_edit(struct TSTree *tree, struct grammar_found *found,
	    const char *old, size_t oldlen, const char *new, size_t newlen);
void	 grammar_tree_free(struct TSTree *tree);

/*
 * repomodel.c: the model of the repository: every file git would track
 * (tracked, plus untracked files not ignored by .gitignore files,
 * .git/info/exclude, core.excludesFile or .agentosignore), its definitions,
 * references and imports, a weighted file graph, and history from the
 * last commits.  Persisted in .git/agentos/repomodel.db (SQLite, WAL),
 * keyed by path, size, mtime and content hash.  Thread-safe: lookups may
 * run while an asynchronous build works.
 */
struct repomodel_config {
	size_t		max_file_size;	/* bytes; larger files are skipped */
	size_t		max_line_len;	/* bytes; a longer line: minified */
	unsigned int	parse_timeout_ms; /* per file */
	int		threads;	/* parser threads (default 2) */
	int		history_commits; /* commits walked (default 1000) */
	int		map_tokens;	/* default map budget (tokens) */
	int		no_store;	/* 1: keep nothing on disk (tests) */
};
/* Fill cfg with the defaults (1 MiB, 4000 bytes, 2000 ms, 2, 1000, 2048). */
void	 repomodel_config_default(struct repomodel_config *cfg);

/* Why a file has no tags. */
enum repomodel_skip {
	SKIP_NONE,
	SKIP_LANGUAGE,			/* no grammar for it */
	SKIP_BINARY,			/* a NUL byte in the first 8 KiB */
	SKIP_LARGE,			/* over max_file_size */
	SKIP_MINIFIED,			/* a line over max_line_len */
	SKIP_UNREADABLE,		/* open or read failed */
	SKIP_TIMEOUT,			/* the parser timed out */
	SKIP_NOTFILE,			/* not a regular file (symlink, ...) */
};
#define SKIP_COUNT 8
const char *repomodel_skip_name(enum repomodel_skip s);

/* What a build or refresh did. */
struct repomodel_stats {
	size_t		files;		/* in the model */
	size_t		parsed;		/* parsed by this build */
	size_t		reused;		/* unchanged since the stored model */
	size_t		removed;	/* gone since the stored model */
	size_t		skipped[SKIP_COUNT]; /* files by reason */
	size_t		defs, refs, imports;
	size_t		edges;		/* file graph edges */
	size_t		commits;	/* history commits walked */
	uint64_t	ms;		/* wall time */
};

/*
 * Open the model of the repository at root (absolute; the top of a
 * worktree), loading the stored model if there is one.  Nothing is read
 * from the worktree until a build.  cfg is copied; NULL for the defaults.
 * NULL with cause if root is not a git repository or the store cannot be
 * opened.
 */
struct repomodel *repomodel_open(const char *root,
	    const struct repomodel_config *cfg, char **cause);
/* Close the model; waits for an asynchronous build to stop first. */
void	 repomodel_close(struct repomodel *rm);
/*
 * Build or refresh the model now: list the files, re-parse those whose
 * size, mtime or content hash changed (in cfg.threads threads), store them,
 * walk the history if HEAD moved.  stats may be NULL.  0 or -1 with cause.
 */
int	 repomodel_build(struct repomodel *rm, struct repomodel_stats *stats,
	    char **cause);
/*
 * The same in a worker thread, off the event loop: progress(arg, done,
 * total) is called from the loop as files are parsed (at most every
 * 100 ms), done(arg, stats, error) once from the loop at the end (error
 * NULL on success).  Lookups answer from the model as it stands meanwhile.
 * -1 with cause if a build is already running.
 */
int	 repomodel_build_async(struct repomodel *rm,
	    void (*progress)(void *, size_t, size_t),
	    void (*done)(void *, const struct repomodel_stats *, const char *),
	    void *arg, char **cause);
/* Nonzero while an asynchronous build runs; its counters in *done, *total
   (files; may be NULL).  Safe from any thread. */
int	 repomodel_busy(struct repomodel *rm, size_t *done, size_t *total);
/*
 * relpath (relative to root) changed, was created or was removed: re-parse
 * it now (incrementally when its previous tree is at hand) and store it.
 * While an asynchronous build runs, the path is queued and done after it.
 * 0 or -1 with cause.
 */
int	 repomodel_file_changed(struct repomodel *rm, const char *relpath,
	    char **cause);
/*
 * For watch_subscribe(w, repomodel_watch_changed, rm): note that relpath
 * changed in the worktree.  Never blocks: noted paths are re-parsed from
 * the loop 100 ms after the last note, or, when more than 64 piled up (a
 * checkout, a build), by an asynchronous refresh.  Needs loop_base.
 */
void	 repomodel_watch_changed(void *rm, const char *relpath);
/* Re-list the files and re-parse what changed (repomodel_build). */
int	 repomodel_refresh(struct repomodel *rm, struct repomodel_stats *stats,
	    char **cause);
/* The statistics of the model as it stands (files, skips, defs, ...). */
void	 repomodel_stats(struct repomodel *rm, struct repomodel_stats *stats);
/*
 * Note text from the conversation: paths of known files and identifiers
 * that name definitions personalise the next maps.  Mentions decay: the
 * most recent count most.
 */
void	 repomodel_note_mentions(struct repomodel *rm, const char *text);
/*
 * The repository map: files ranked by personalised PageRank over the file
 * graph, each with its most important definitions' signature lines, within
 * budget_tokens (tokens estimated as bytes / 4; <= 0: the configured
 * default).  focus (nfocus entries, may be 0) names files or identifiers
 * to rank toward, on top of the noted mentions and recently changed
 * files.  Caller frees.
 */
char	*repomodel_map(struct repomodel *rm, int budget_tokens,
	    const char *const *focus, size_t nfocus);

/* A definition or reference found by a lookup (all strings allocated). */
struct repomodel_hit {
	char		*path;
	char		*name;
	char		*sig;		/* definitions: signature; references:
					   the enclosing definition or NULL */
	int		 kind;		/* enum def_kind or enum ref_kind */
	unsigned int	 line, end_line;
};
void	 repomodel_hits_free(struct repomodel_hit *hits, size_t n);
/* All definitions of name; *hits (n entries) is the caller's.  Returns n. */
size_t	 repomodel_find_definition(struct repomodel *rm, const char *name,
	    struct repomodel_hit **hits);
/* All references to name, with their enclosing definitions. */
size_t	 repomodel_find_references(struct repomodel *rm, const char *name,
	    struct repomodel_hit **hits);
/*
 * The definitions in path (relative to root) in line order; -1 with cause
 * when the model has no such file, or it was skipped (cause says why).
 */
int	 repomodel_file_outline(struct repomodel *rm, const char *path,
	    struct repomodel_hit **hits, size_t *n, char **cause);
/*
 * The definitions in the files at or under the given paths (relative to
 * root; npaths 0: all files), by path then line.  Returns n.
 */
size_t	 repomodel_symbols(struct repomodel *rm, const char *const *paths,
	    size_t npaths, struct repomodel_hit **hits);
/*
 * The files not indexed for a reason other than having no grammar
 * (binary, large, minified, unreadable, timeout, not a regular file), by
 * path; kind is the enum repomodel_skip, name its name.  Returns n.
 */
size_t	 repomodel_skipped(struct repomodel *rm, struct repomodel_hit **hits);
/* The root the model was opened at (borrowed). */
const char *repomodel_root(struct repomodel *rm);

/* tool-repomodel.c: find_definition, find_references, file_outline,
   repo_map */
extern const struct tool_entry tool_find_definition;
extern const struct tool_entry tool_find_references;
extern const struct tool_entry tool_file_outline;
extern const struct tool_entry tool_repo_map;

/* cli-repomodel.c: agentos map, agentos symbols, agentos index */
int	 cli_map_exec(int, char **, const char *, struct config *);
int	 cli_symbols_exec(int, char **, const char *, struct config *);
int	 cli_index_exec(int, char **, const char *, struct config *);

#endif
