/* ui-none.c: placeholder until the TUI lands (removed by that merge). */
#include <stdio.h>

#include "agentos.h"
#include "banned.h"

int
ui_run(const char *root, const char *cwd, struct config *cfg)
{
	fprintf(stderr, "agentos: the terminal UI is not built in; "
	    "use -p PROMPT\n");
	return (1);
}
