/*
 * lsp.h: the language server client: LSP framing (lsp-framing.c), the
 * configuration (lsp-conf.c), the manager and requests (lsp.c), the tools
 * (tool-lsp.c), WorkspaceEdit application (lsp-edit.c) and "agentos lsp"
 * (cli-lsp.c).
 *
 * Processes go through proc.h; JSON-RPC 2.0 messages over
 * the LSP base protocol framing below.
 */
#ifndef LSP_H
#define LSP_H

#include "agentos.h"

/* lsp-framing.c: LSP base protocol framing (Content-Length headers) */

/*
 * An incremental, bounded parser for the LSP base protocol
 * (microsoft.github.io/language-server-protocol, 3.17, "Base Protocol").
 * Feed bytes as they arrive in any split, then call lsp_framing_next()
 * until it returns LSP_FRAME_MORE.
 */
struct lsp_framing {
	struct buf	 in;		/* unparsed bytes from pos on */
	size_t		 pos;
	long long	 need;		/* body length once the header is read;
					   -1 while reading a header */
	size_t		 skip;		/* bytes of an oversized body still to
					   drop as they arrive */
	size_t		 max;		/* largest body kept (bytes); 0: none */
};
#define LSP_FRAME_MORE		0	/* need more bytes */
#define LSP_FRAME_MESSAGE	1	/* *msg, *len: one body */
#define LSP_FRAME_SKIPPED	2	/* a body over max was dropped; the
					   stream goes on; *cause says so */
#define LSP_FRAME_ERROR		(-1)	/* garbage header: the stream cannot
					   be resynchronised; *cause says why */
/* Initialise f; bodies longer than max_message bytes are skipped. */
void	 lsp_framing_init(struct lsp_framing *f, size_t max_message);
void	 lsp_framing_release(struct lsp_framing *f);
/* Append len bytes read from the server; always 0. */
int	 lsp_framing_feed(struct lsp_framing *f, const char *data, size_t len);
/*
 * The next complete message: LSP_FRAME_MESSAGE with *msg (borrowed, valid
 * until the next feed; not NUL-terminated) and *len, or one of the other
 * LSP_FRAME_* values.  *cause (allocated) is set with SKIPPED and ERROR.
 */
int	 lsp_framing_next(struct lsp_framing *f, const char **msg,
	    size_t *len, char **cause);
/* Append body (len bytes) to out with its header. */
void	 lsp_framing_encode(struct buf *out, const char *body, size_t len);

/* lsp.c: the language server client and manager */

/*
 * Servers are described by a built-in table (clangd, pyright, ...) merged
 * with the "lsp" key of the configuration (see agentos(1), LANGUAGE
 * SERVERS).  A server is started lazily, for a file of its language, once
 * per (root, server) pair; root is the nearest directory holding one of the
 * server's root markers, else the repository root.  Everything runs in the
 * loop; nothing here blocks it except lsp_rename_prepare_sync(), bounded.
 */
enum lsp_state {
	LSP_STARTING,			/* spawned, initialize pending */
	LSP_READY,
	LSP_INDEXING,			/* ready, $/progress under way */
	LSP_RESTARTING,			/* crashed; restart scheduled */
	LSP_BROKEN,			/* failed too often: not restarted */
	LSP_STOPPED,
};

/* One server as configured (built-in row, possibly overridden). */
struct lsp_server_conf {
	char		*name;		/* "clangd" */
	char		**argv;		/* argv[0] looked up on PATH */
	size_t		 argc;
	char		**extensions;	/* without the dot: "c", "h" */
	size_t		 nextensions;
	char		**markers;	/* root marker file names */
	size_t		 nmarkers;
	json_t		*init_options;	/* initializationOptions or NULL */
	json_t		*settings;	/* for workspace/configuration */
	int		 disabled;
};

/* Tunables (ms unless said); defaults in parentheses. */
struct lsp_options {
	int		enabled;		/* (1) */
	unsigned int	diagnostics_timeout_ms;	/* (4000) wait after edit */
	unsigned int	diagnostics_settle_ms;	/* (300) quiet period */
	unsigned int	request_timeout_ms;	/* (10000) */
	unsigned int	init_timeout_ms;	/* (30000) initialize */
	unsigned int	shutdown_grace_ms;	/* (1000) before SIGTERM */
	int		max_diagnostics;	/* (20) per file in a result */
	int		max_restarts;		/* (3) failures before broken */
	size_t		max_message;		/* (16 MiB) incoming message */
	size_t		max_queued;		/* (16 MiB) unsent output */
};

/*
 * The servers configured for cfg (built-ins with the "lsp.servers" option
 * laid over them), and the "lsp.*" options; cfg NULL: the defaults.  0, or
 * -1 with cause when a new server lacks command or extensions, or a
 * command is empty.  Release with lsp_conf_release().
 */
int	 lsp_conf_load(const struct config *cfg, struct lsp_server_conf **list,
	    size_t *n, struct lsp_options *opts, char **cause);
void	 lsp_conf_release(struct lsp_server_conf *list, size_t n);
/* Nonzero if name is a server of the built-in table ("clangd"). */
int	 lsp_conf_is_builtin(const char *name);
/* The absolute path of name found on $PATH (or name itself when it
   contains a slash and is executable); NULL if none.  Caller frees. */
char	*lsp_which(const char *name);
/* The LSP languageId for a file name ("c", "python", ...); never NULL. */
const char *lsp_language_id(const char *path);

/* A server's state for the UI and "agentos lsp status". */
struct lsp_status {
	char		*name;
	char		*root;		/* absolute */
	enum lsp_state	 state;
	char		*progress;	/* "indexing 40%" or NULL */
	char		*error;		/* why it is broken, or NULL */
	pid_t		 pid;		/* 0 when not running */
	int		 restarts;
	int		 open_files;
};
const char *lsp_state_name(enum lsp_state s);

/*
 * Create the manager for the repository at root (copied) with cfg
 * (borrowed; read now).  Never fails: with no server usable it simply
 * answers that none is available.
 */
struct lsp_manager *lsp_manager_create(const char *root,
	    const struct config *cfg);
/*
 * Ask every server to shut down (shutdown request, exit notification,
 * close of stdin, then SIGTERM and SIGKILL to its process group after the
 * grace period) and call done(arg) from the loop once all are reaped.
 */
void	 lsp_manager_shutdown(struct lsp_manager *m, void (*done)(void *),
	    void *arg);
/*
 * Free the manager.  Servers still running get SIGTERM, then SIGKILL
 * after at most 200 ms of waiting, and are reaped: this is for exit and
 * may wait that long.
 */
void	 lsp_manager_free(struct lsp_manager *m);
/* The options in effect (borrowed). */
const struct lsp_options *lsp_manager_options(struct lsp_manager *m);
/* Set a callback run (from the loop) when a server's state, progress or
   a file's diagnostics change. */
void	 lsp_set_change_cb(struct lsp_manager *m, void (*cb)(void *),
	    void *arg);
/* The servers known to m (running or failed); free with lsp_status_free. */
void	 lsp_status_list(struct lsp_manager *m, struct lsp_status **list,
	    size_t *n);
void	 lsp_status_free(struct lsp_status *list, size_t n);
/*
 * What the client itself spends (for bench/bench-lsp): time encoding and
 * writing messages, and time from read() returning to the end of handling
 * what it read (framing, JSON, dispatch, callbacks); nanoseconds.
 */
struct lsp_stats {
	uint64_t	send_ns, sends;
	uint64_t	recv_ns, recv_max_ns, reads, messages;
};
void	 lsp_manager_stats(struct lsp_manager *m, struct lsp_stats *st);
/* Errors and warnings last published for abs_path; 0, or -1 if none. */
int	 lsp_diagnostic_counts(struct lsp_manager *m, const char *abs_path,
	    int *errors, int *warnings);
/*
 * The name of the server that handles abs_path ("clangd"), or NULL when
 * none is configured, found on PATH and not broken.  Borrowed.
 */
const char *lsp_server_for(struct lsp_manager *m, const char *abs_path);

/*
 * Tell the server of abs_path that the agent read it (didOpen with
 * content, len bytes); starts the server if needed.  No-op without one.
 */
void	 lsp_file_read(struct lsp_manager *m, const char *abs_path,
	    const char *content, size_t len);
/*
 * The agent wrote abs_path with content (len bytes, copied): send
 * didOpen or didChange and didSave, then wait (from the loop) for fresh
 * diagnostics of that file: diagnostics_settle_ms after the last ones,
 * at most diagnostics_timeout_ms.  done(arg, text) is then called once,
 * always from the loop, with text (borrowed) listing the errors and
 * warnings ("path:line:col: error: message", at most max_diagnostics,
 * ending with a newline), or NULL when there is nothing to report (no
 * server, no problems).  The returned handle cancels the wait with
 * lsp_wait_cancel() (done is then not called); it is invalid after done.
 */
struct lsp_wait;
struct lsp_wait *lsp_after_edit(struct lsp_manager *m, const char *abs_path,
	    const char *content, size_t len,
	    void (*done)(void *arg, const char *diagnostics_text), void *arg);
void	 lsp_wait_cancel(struct lsp_wait *w);

/*
 * A request about a file.  method is an LSP method
 * ("textDocument/definition"); line and col are 1-based, col counting
 * bytes (0 and 0: no position, e.g. documentSymbol); extra (may be NULL,
 * borrowed) is merged into params.  The file is opened from disk when
 * the server has not seen it.  cb runs once from the loop with the
 * result (borrowed; JSON null when the server had nothing) or error
 * set; utf8 tells how the result's "character" fields count (1: bytes,
 * 0: UTF-16 code units).  NULL with cause when no server handles the
 * file.
 */
struct lsp_req;
typedef void (*lsp_req_cb)(void *arg, json_t *result, int utf8,
	    const char *error);
struct lsp_req *lsp_file_request(struct lsp_manager *m, const char *abs_path,
	    const char *method, int line, int col, json_t *extra,
	    lsp_req_cb cb, void *arg, char **cause);
/*
 * A workspace request (workspace/symbol) to the running servers: the
 * first ready one, or one started for the repository root when none
 * runs.  As lsp_file_request().
 */
struct lsp_req *lsp_workspace_request(struct lsp_manager *m,
	    const char *method, json_t *params, lsp_req_cb cb, void *arg,
	    char **cause);
/* Cancel a pending request ($/cancelRequest); cb is not called. */
void	 lsp_req_cancel(struct lsp_req *r);
/*
 * textDocument/rename done synchronously for an approval preview: the
 * server's pipe (only) is polled for at most timeout_ms.  Returns the
 * WorkspaceEdit (caller owns the reference) or NULL with cause.
 */
json_t	*lsp_rename_sync(struct lsp_manager *m, const char *abs_path,
	    int line, int col, const char *new_name, unsigned int timeout_ms,
	    int *utf8, char **cause);

/* Convert "file://" URIs and absolute paths (RFC 8089, percent-encoded
   bytes); caller frees; NULL if uri is not a file URI. */
char	*lsp_uri_from_path(const char *path);
char	*lsp_path_from_uri(const char *uri);
/*
 * Columns: the 0-based server "character" of 0-based byte column col in
 * line (len bytes), and back.  utf8 as above.
 */
unsigned int lsp_col_to_server(const char *line, size_t len, size_t col,
	    int utf8);
size_t	 lsp_col_from_server(const char *line, size_t len, unsigned int ch,
	    int utf8);

/* tool-lsp.c: lsp_definition, lsp_references, lsp_hover, lsp_rename, ...
   (tools), and lsp-edit.c: WorkspaceEdit application */
extern const struct tool_entry tool_lsp_definition;
extern const struct tool_entry tool_lsp_references;
extern const struct tool_entry tool_lsp_hover;
extern const struct tool_entry tool_lsp_document_symbols;
extern const struct tool_entry tool_lsp_workspace_symbols;
extern const struct tool_entry tool_lsp_rename;
/*
 * Apply a WorkspaceEdit (changes or documentChanges with TextDocumentEdit
 * entries) to the files under root: files is filled with each file's
 * path (absolute) and old and new contents, for a diff or for writing.
 * utf8 as for lsp_req_cb.  0, or -1 with cause (a file outside root,
 * overlapping edits, an unreadable file).
 */
struct lsp_file_edit {
	char	*path;
	char	*old, *new;
	size_t	 oldlen, newlen;
};
int	 lsp_edit_compute(const char *root, json_t *wedit, int utf8,
	    struct lsp_file_edit **files, size_t *n, char **cause);
void	 lsp_file_edits_free(struct lsp_file_edit *files, size_t n);

/* cli-lsp.c: agentos lsp status */
int	 cli_lsp_exec(int argc, char **argv, const char *root,
	    struct config *cfg);

#endif /* LSP_H */
