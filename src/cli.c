/* cli.c: the table of command-line subcommands (agentos COMMAND ...). */
#include <string.h>

#include "agentos.h"
#include "lsp.h"
#include "mcp.h"
#include "repomodel.h"
#include "banned.h"

/*
 * Each subsystem adds its rows in its own block; the exec functions live in
 * cli-<name>.c files.  Keep the blocks: they let work merge cleanly.
 */
/* --- snapshots: prototypes */
int	cli_snapshot_exec(int, char **, const char *, struct config *);
int	cli_snapshots_exec(int, char **, const char *, struct config *);
int	cli_diff_exec(int, char **, const char *, struct config *);
int	cli_rewind_exec(int, char **, const char *, struct config *);
int	cli_gc_exec(int, char **, const char *, struct config *);
/* --- end snapshots: prototypes */
/* --- session log: prototypes */
int	cli_session_list(int, char **, const char *, struct config *);
int	cli_session_export(int, char **, const char *, struct config *);
int	cli_session_trace(int, char **, const char *, struct config *);
int	cli_session_replay(int, char **, const char *, struct config *);
/* --- end session log: prototypes */
/* --- repository model: prototypes */
/* --- end repository model: prototypes */
/* --- options: prototypes */
int	cli_config_exec(int, char **, const char *, struct config *);
int	cli_sandbox_exec(int, char **, const char *, struct config *);
/* --- end options: prototypes */
/* --- mcp: prototypes */
/* cli_mcp_exec is declared in mcp.h (cli-mcp.c). */
/* --- end mcp: prototypes */
/* --- lsp: prototypes */
/* cli_lsp_exec is declared in agentos.h (cli-lsp.c). */
/* --- end lsp: prototypes */
/* --- trust: prototypes */
int	cli_trust_exec(int, char **, const char *, struct config *);
/* --- end trust: prototypes */

const struct cli_entry cli_table[] = {
	/* --- snapshots */
	{ .name = "snapshot", .usage = "snapshot [-m MESSAGE] [--yes]",
	  .exec = cli_snapshot_exec },
	{ .name = "snapshots",
	  .usage = "snapshots [--session ID] [--all] [--stat]",
	  .exec = cli_snapshots_exec },
	{ .name = "diff", .usage = "diff SNAPSHOT [SNAPSHOT] [--session ID]",
	  .exec = cli_diff_exec },
	{ .name = "rewind", .usage = "rewind SNAPSHOT [--yes] [--dry-run] "
	  "[--session ID] | --continue | --abort", .exec = cli_rewind_exec },
	{ .name = "gc", .usage = "gc", .exec = cli_gc_exec },
	/* --- end snapshots */
	/* --- session log */
	{ .name = "sessions", .usage = "sessions",
	  .exec = cli_session_list },
	{ .name = "export", .usage = "export [ID] [--format markdown|jsonl] "
	  "[-o FILE]", .exec = cli_session_export },
	{ .name = "trace", .usage = "trace [--otlp [URL]] [ID]", .exec = cli_session_trace },
	{ .name = "replay", .usage = "replay [-k] ID",
	  .exec = cli_session_replay },
	/* --- end session log */
	/* --- repository model */
	{ .name = "index", .usage = "index [--stat]",
	  .exec = cli_index_exec },
	{ .name = "map", .usage = "map [--budget N] [--focus PATH|SYMBOL]...",
	  .exec = cli_map_exec },
	{ .name = "symbols", .usage = "symbols [--json] [PATH]...",
	  .exec = cli_symbols_exec },
	/* --- end repository model */
	/* --- options */
	{ .name = "config", .usage = "config [--keys | KEY]",
	  .exec = cli_config_exec },
	/* --- end options */
	/* --- lsp */
	{ .name = "lsp",
	  .usage = "lsp status | lsp diagnostics FILE...",
	  .exec = cli_lsp_exec },
	/* --- end lsp */
	/* --- mcp */
	{ .name = "mcp", .usage = "mcp list | get NAME | add NAME [--scope "
	  "user|project] [-e K=V]... -- COMMAND [ARG]... | add NAME "
	  "--transport http URL | remove NAME | call NAME TOOL [JSON]",
	  .exec = cli_mcp_exec },
	/* --- end mcp */
	/* --- sandbox */
	{ .name = "sandbox",
	  .usage = "sandbox status [-p PROFILE] | sandbox run [-p PROFILE] "
	  "[-n] -- COMMAND...", .exec = cli_sandbox_exec },
	/* --- end sandbox */
	/* --- trust */
	{ .name = "trust", .usage = "trust [status|yes|no]",
	  .exec = cli_trust_exec },
	/* --- end trust */
	{ .name = NULL }
};

const struct cli_entry *
cli_find(const char *name)
{
	const struct cli_entry	*c;

	for (c = cli_table; c->name != NULL; c++) {
		if (strcmp(c->name, name) == 0)
			return (c);
	}
	return (NULL);
}
