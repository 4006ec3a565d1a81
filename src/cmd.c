/* cmd.c: the table of command-line subcommands (agentos COMMAND ...). */
#include <string.h>

#include "agentos.h"
#include "banned.h"

/*
 * Each subsystem adds its rows in its own block; the exec functions live in
 * cmd-<name>.c files.  Keep the blocks: they let work merge cleanly.
 */
/* --- snapshots: prototypes */
/* --- end snapshots: prototypes */
/* --- session log: prototypes */
int	cmd_session_list(int, char **, const char *, struct config *);
int	cmd_session_export(int, char **, const char *, struct config *);
int	cmd_session_trace(int, char **, const char *, struct config *);
/* --- end session log: prototypes */
/* --- repository model: prototypes */
/* --- end repository model: prototypes */
/* --- lsp: prototypes */
/* --- end lsp: prototypes */

const struct cmd_entry cmd_table[] = {
	/* --- snapshots */
	/* --- end snapshots */
	/* --- session log */
	{ .name = "sessions", .usage = "sessions",
	  .exec = cmd_session_list },
	{ .name = "export", .usage = "export [ID] [--format markdown|jsonl] "
	  "[-o FILE]", .exec = cmd_session_export },
	{ .name = "trace", .usage = "trace [ID]", .exec = cmd_session_trace },
	/* --- end session log */
	/* --- repository model */
	/* --- end repository model */
	/* --- lsp */
	/* --- end lsp */
	{ .name = NULL }
};

const struct cmd_entry *
cmd_find(const char *name)
{
	const struct cmd_entry	*c;

	for (c = cmd_table; c->name != NULL; c++) {
		if (strcmp(c->name, name) == 0)
			return (c);
	}
	return (NULL);
}
