/* context-cache.c: where a request's prompt cache breakpoints go. */
#include <stdlib.h>
#include <string.h>

#include "agentos.h"
#include "context.h"
#include "banned.h"

/* What the repository map in the system prompt begins with. */
#define CONTEXT_MAP_MARK	"\nRepository map ("

/* Whether message m has a block that may carry a breakpoint. */
static int
context_cacheable(const struct message *m)
{
	size_t	i;

	for (i = 0; i < m->nr; i++) {
		switch (m->blocks[i].type) {
		case BLOCK_TEXT:
			if (m->blocks[i].text != NULL &&
			    *m->blocks[i].text != '\0')
				return (1);
			break;
		case BLOCK_TOOL_USE:
		case BLOCK_TOOL_RESULT:
			return (1);
		default:
			break;
		}
	}
	return (0);
}

/* Add message index i to the plan, once, in order. */
static void
context_cache_add(struct context_cache *cp, size_t i)
{
	size_t	k;

	for (k = 0; k < cp->nmsgs; k++) {
		if (cp->msgs[k] == i)
			return;
	}
	if (cp->nmsgs == CONTEXT_CACHE_MSGS)
		return;
	cp->msgs[cp->nmsgs++] = i;
	/* Ascending. */
	for (k = cp->nmsgs - 1; k > 0 && cp->msgs[k - 1] > cp->msgs[k]; k--) {
		i = cp->msgs[k];
		cp->msgs[k] = cp->msgs[k - 1];
		cp->msgs[k - 1] = i;
	}
}

void
context_cache_plan(const char *system, const struct conv *c, int long_ttl,
    struct context_cache *cp)
{
	const char	*p;
	size_t		 i, n;

	memset(cp, 0, sizeof *cp);
	cp->long_ttl = long_ttl;
	if (system != NULL && (p = strstr(system, CONTEXT_MAP_MARK)) != NULL &&
	    p != system)
		cp->system_split = (size_t)(p - system);
	if (c == NULL || c->nr == 0)
		return;
	/* The latest summary: the same until the next compaction. */
	for (i = 0; i < c->nr; i++) {
		if (c->msgs[i].role != ROLE_USER || c->msgs[i].nr == 0 ||
		    c->msgs[i].blocks[0].type != BLOCK_TEXT ||
		    c->msgs[i].blocks[0].text == NULL ||
		    strncmp(c->msgs[i].blocks[0].text, CONTEXT_SUMMARY_PREFIX,
		    strlen(CONTEXT_SUMMARY_PREFIX)) != 0)
			continue;
		if (i + 1 < c->nr)
			context_cache_add(cp, i);
		break;
	}
	/*
	 * The previous request's newest message (the user message before the
	 * newest): what that request wrote to the cache, read back here
	 * whatever the number of blocks added since.
	 */
	n = c->nr - 1;
	for (i = n; i > 0; i--) {
		if (c->msgs[i - 1].role == ROLE_USER &&
		    context_cacheable(&c->msgs[i - 1])) {
			context_cache_add(cp, i - 1);
			break;
		}
	}
	/* The newest message: what the next request reads. */
	for (i = c->nr; i > 0; i--) {
		if (context_cacheable(&c->msgs[i - 1])) {
			context_cache_add(cp, i - 1);
			break;
		}
	}
}
