/*
 * todo.h: the todo list the model keeps with the todo_write tool (Claude
 * Code's TodoWrite semantics: each call sends the whole list; items have
 * content, a status pending, in_progress or completed, and an optional
 * activeForm shown while the item is in progress; at most one item is in
 * progress).  tool-todo.c parses and checks it; view-todo.c shows it.
 */
#ifndef TODO_H
#define TODO_H

#include <stddef.h>

#include <jansson.h>

#define TODO_ITEMS_MAX		100	/* items of one list */
#define TODO_CONTENT_MAX	1000	/* bytes of one item's text */

enum todo_status {
	TODO_PENDING,
	TODO_IN_PROGRESS,
	TODO_COMPLETED,
};

struct todo_item {
	char			*content;
	char			*active_form;	/* or NULL */
	enum todo_status	 status;
};

struct todo_list {
	struct todo_item	*v;
	size_t			 n, alloc;
};

/*
 * Parse input, a todo_write call's arguments ({"todos": [...]}), into l
 * (empty, initialised to zeros; the caller releases it).  0, or -1 with
 * cause saying what is wrong, for the model: not an array, an item without
 * content or with an unknown status, more than one in progress, more than
 * TODO_ITEMS_MAX items or an item over TODO_CONTENT_MAX bytes.
 */
int	 todo_parse(json_t *input, struct todo_list *l, char **cause);
/* Free the items of l and empty it. */
void	 todo_list_release(struct todo_list *l);
/* How many items of l have status. */
size_t	 todo_count(const struct todo_list *l, enum todo_status status);
/* The name of status as the tool spells it ("in_progress"). */
const char *todo_status_name(enum todo_status status);

#endif
