/* tool.c: the tool table and the life of a tool call. */
#include <string.h>

#include "agentos.h"
#include "banned.h"

/*
 * The tools offered to the model, in the order the model sees them.  Each
 * subsystem adds its rows in its own block.
 */
const struct tool_entry *tool_table[] = {
	/* --- tools: files, search, commands */
	/* --- end tools */
	/* --- repository model tools */
	/* --- end repository model tools */
	/* --- lsp tools */
	&tool_lsp_definition,
	&tool_lsp_references,
	&tool_lsp_hover,
	&tool_lsp_document_symbols,
	&tool_lsp_workspace_symbols,
	&tool_lsp_rename,
	/* --- end lsp tools */
	NULL
};

const struct tool_entry *
tool_find(const char *name)
{
	size_t	i;

	for (i = 0; tool_table[i] != NULL; i++) {
		if (strcmp(tool_table[i]->name, name) == 0)
			return (tool_table[i]);
	}
	return (NULL);
}
