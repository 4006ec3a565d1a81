/*
 * tool-todo.c: the todo_write tool.  The model sends its whole task list
 * each time (Claude Code's TodoWrite); agentos checks it, and the front end
 * shows it above the prompt and counts it in the status bar.  It changes
 * nothing on disk, so it runs without approval in every mode.
 */
#include <stdlib.h>
#include <string.h>

#include "agentos.h"
#include "todo.h"
#include "banned.h"

static int	tool_todo_run(struct tool_call *);

static const char *const todo_status_names[] = {
	[TODO_PENDING] = "pending",
	[TODO_IN_PROGRESS] = "in_progress",
	[TODO_COMPLETED] = "completed",
};

const struct tool_entry tool_todo_write = {
	.name = "todo_write",
	.description = "Keep a todo list for the current task, shown to the "
	    "user. Send the whole list every time (it replaces the previous "
	    "one). Use it for tasks of three steps or more: add the steps, "
	    "mark one in_progress before starting it (at most one at a time) "
	    "and completed as soon as it is done. Each item: content (what to "
	    "do, imperative), status (pending, in_progress or completed), "
	    "activeForm (optional: the same in the present continuous, shown "
	    "while it is in progress).",
	.schema = "{\"type\":\"object\",\"properties\":{"
	    "\"todos\":{\"type\":\"array\",\"items\":{\"type\":\"object\","
	    "\"properties\":{"
	    "\"content\":{\"type\":\"string\"},"
	    "\"status\":{\"type\":\"string\",\"enum\":[\"pending\","
	    "\"in_progress\",\"completed\"]},"
	    "\"activeForm\":{\"type\":\"string\"}},"
	    "\"required\":[\"content\",\"status\"]}}},"
	    "\"required\":[\"todos\"]}",
	.flags = TOOL_READONLY,
	.run = tool_todo_run,
};

const char *
todo_status_name(enum todo_status status)
{
	if ((int)status < 0 || status > TODO_COMPLETED)
		return ("");
	return (todo_status_names[status]);
}

void
todo_list_release(struct todo_list *l)
{
	size_t	i;

	for (i = 0; i < l->n; i++) {
		free(l->v[i].content);
		free(l->v[i].active_form);
	}
	free(l->v);
	memset(l, 0, sizeof *l);
}

size_t
todo_count(const struct todo_list *l, enum todo_status status)
{
	size_t	i, n = 0;

	for (i = 0; i < l->n; i++)
		if (l->v[i].status == status)
			n++;
	return (n);
}

int
todo_parse(json_t *input, struct todo_list *l, char **cause)
{
	json_t			*todos, *item;
	const char		*content, *status, *active;
	struct todo_item	*t;
	size_t			 i, k, running = 0;

	todos = json_is_object(input) ? json_object_get(input, "todos") : NULL;
	if (!json_is_array(todos)) {
		*cause = xstrdup("todos must be an array of {content, status, "
		    "activeForm?}");
		return (-1);
	}
	if (json_array_size(todos) > TODO_ITEMS_MAX) {
		*cause = xasprintf("%zu todos: at most %d", json_array_size(
		    todos), TODO_ITEMS_MAX);
		return (-1);
	}
	json_array_foreach(todos, i, item) {
		content = conv_json_str(item, "content");
		status = conv_json_str(item, "status");
		active = conv_json_str(item, "activeForm");
		if (content == NULL || *content == '\0') {
			*cause = xasprintf("todo %zu has no content", i + 1);
			goto fail;
		}
		if (strlen(content) > TODO_CONTENT_MAX ||
		    (active != NULL && strlen(active) > TODO_CONTENT_MAX)) {
			*cause = xasprintf("todo %zu is over %d bytes", i + 1,
			    TODO_CONTENT_MAX);
			goto fail;
		}
		for (k = 0; k <= TODO_COMPLETED; k++)
			if (status != NULL &&
			    strcmp(status, todo_status_names[k]) == 0)
				break;
		if (k > TODO_COMPLETED) {
			*cause = xasprintf("todo %zu: status must be pending, "
			    "in_progress or completed", i + 1);
			goto fail;
		}
		if (k == TODO_IN_PROGRESS && ++running > 1) {
			*cause = xstrdup("more than one todo is in_progress: "
			    "work on one at a time");
			goto fail;
		}
		ALLOC_GROW(l->v, l->n + 1, l->alloc);
		t = &l->v[l->n++];
		t->content = xstrdup(content);
		t->active_form = active != NULL && *active != '\0' ?
		    xstrdup(active) : NULL;
		t->status = k;
	}
	return (0);
fail:
	todo_list_release(l);
	return (-1);
}

static int
tool_todo_run(struct tool_call *tc)
{
	struct todo_list	 l;
	char			*cause = NULL;

	memset(&l, 0, sizeof l);
	if (todo_parse(tc->input, &l, &cause) != 0) {
		tool_result_setf(tc, 1, "The todo list was not changed: %s.",
		    cause);
		free(cause);
		return (0);
	}
	tool_result_setf(tc, 0, "The todo list is updated (%zu of %zu "
	    "completed) and shown to the user. Keep it current: mark an item "
	    "in_progress before you start it and completed as soon as it is "
	    "done.", todo_count(&l, TODO_COMPLETED), l.n);
	todo_list_release(&l);
	return (0);
}
