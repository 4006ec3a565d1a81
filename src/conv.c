/* conv.c: messages made of content blocks, and their JSON form. */
#include <stdlib.h>
#include <string.h>

#include "agentos.h"
#include "utf8.h"
#include "banned.h"

static const char *stop_reason_names[] = {
	[STOP_NONE] = "none",
	[STOP_END_TURN] = "end_turn",
	[STOP_MAX_TOKENS] = "max_tokens",
	[STOP_STOP_SEQUENCE] = "stop_sequence",
	[STOP_TOOL_USE] = "tool_use",
	[STOP_PAUSE_TURN] = "pause_turn",
	[STOP_REFUSAL] = "refusal",
	[STOP_CONTEXT_WINDOW] = "model_context_window_exceeded",
	[STOP_OTHER] = "other",
};

static const char *block_type_names[] = {
	[BLOCK_TEXT] = "text",
	[BLOCK_THINKING] = "thinking",
	[BLOCK_REDACTED_THINKING] = "redacted_thinking",
	[BLOCK_TOOL_USE] = "tool_use",
	[BLOCK_TOOL_RESULT] = "tool_result",
	[BLOCK_REASONING] = "reasoning",
};

void
conv_init(struct conv *c)
{
	c->msgs = NULL;
	c->nr = c->alloc = 0;
}

void
conv_release(struct conv *c)
{
	conv_truncate(c, 0);
	free(c->msgs);
	conv_init(c);
}

struct message *
conv_add(struct conv *c, enum role role)
{
	ALLOC_GROW(c->msgs, c->nr + 1, c->alloc);
	message_init(&c->msgs[c->nr], role);
	return (&c->msgs[c->nr++]);
}

void
conv_truncate(struct conv *c, size_t n)
{
	while (c->nr > n)
		message_release(&c->msgs[--c->nr]);
}

void
message_init(struct message *m, enum role role)
{
	m->role = role;
	m->blocks = NULL;
	m->nr = m->alloc = 0;
}

void
message_release(struct message *m)
{
	size_t	i;

	for (i = 0; i < m->nr; i++)
		block_release(&m->blocks[i]);
	free(m->blocks);
	message_init(m, m->role);
}

void
block_release(struct block *b)
{
	free(b->text);
	free(b->signature);
	free(b->id);
	free(b->name);
	if (b->input != NULL)
		json_decref(b->input);
	memset(b, 0, sizeof *b);
}

/* Append a zeroed block of type. */
static struct block *
message_add_block(struct message *m, enum block_type type)
{
	struct block	*b;

	ALLOC_GROW(m->blocks, m->nr + 1, m->alloc);
	b = &m->blocks[m->nr++];
	memset(b, 0, sizeof *b);
	b->type = type;
	return (b);
}

struct block *
message_add_text(struct message *m, const char *text)
{
	struct block	*b = message_add_block(m, BLOCK_TEXT);

	b->text = xstrdup(text);
	return (b);
}

struct block *
message_add_tool_use(struct message *m, const char *id, const char *name,
    json_t *input)
{
	struct block	*b = message_add_block(m, BLOCK_TOOL_USE);

	b->id = xstrdup(id);
	b->name = xstrdup(name);
	b->input = input != NULL ? json_incref(input) : json_object();
	return (b);
}

struct block *
message_add_tool_result(struct message *m, const char *id,
    const char *content, int is_error)
{
	struct block	*b = message_add_block(m, BLOCK_TOOL_RESULT);

	b->id = xstrdup(id);
	b->text = xstrdup(content);
	b->is_error = is_error;
	return (b);
}

struct block *
message_add_copy(struct message *m, const struct block *src)
{
	struct block	*b = message_add_block(m, src->type);

	b->text = src->text != NULL ? xstrdup(src->text) : NULL;
	b->signature = src->signature != NULL ? xstrdup(src->signature) : NULL;
	b->id = src->id != NULL ? xstrdup(src->id) : NULL;
	b->name = src->name != NULL ? xstrdup(src->name) : NULL;
	b->input = src->input != NULL ? json_deep_copy(src->input) : NULL;
	b->is_error = src->is_error;
	return (b);
}

void
message_move_blocks(struct message *dst, struct message *src)
{
	size_t	i;

	for (i = 0; i < src->nr; i++) {
		ALLOC_GROW(dst->blocks, dst->nr + 1, dst->alloc);
		dst->blocks[dst->nr++] = src->blocks[i];
	}
	free(src->blocks);
	src->blocks = NULL;
	src->nr = src->alloc = 0;
}

char *
message_text(const struct message *m)
{
	struct buf	b = BUF_INIT;
	size_t		i;

	for (i = 0; i < m->nr; i++) {
		if (m->blocks[i].type != BLOCK_TEXT)
			continue;
		if (b.len != 0)
			buf_addch(&b, '\n');
		buf_adds(&b, m->blocks[i].text);
	}
	return (buf_detach(&b, NULL));
}

const char *
stop_reason_name(enum stop_reason r)
{
	if ((size_t)r >= sizeof stop_reason_names / sizeof *stop_reason_names)
		return ("other");
	return (stop_reason_names[r]);
}

enum stop_reason
stop_reason_from_name(const char *name)
{
	size_t	i;

	if (name == NULL)
		return (STOP_NONE);
	for (i = 0; i < sizeof stop_reason_names / sizeof *stop_reason_names;
	    i++) {
		if (strcmp(stop_reason_names[i], name) == 0)
			return (i);
	}
	/* OpenAI finish_reason words. */
	if (strcmp(name, "stop") == 0)
		return (STOP_END_TURN);
	if (strcmp(name, "length") == 0)
		return (STOP_MAX_TOKENS);
	if (strcmp(name, "tool_calls") == 0 ||
	    strcmp(name, "function_call") == 0)
		return (STOP_TOOL_USE);
	if (strcmp(name, "content_filter") == 0)
		return (STOP_REFUSAL);
	return (STOP_OTHER);
}

const char *
conv_json_str(json_t *o, const char *key)
{
	return (json_string_value(json_object_get(o, key)));
}

json_t *
conv_json_loadb(const char *s, size_t len)
{
	json_t	*j;
	char	*fix;
	size_t	 n, fixed;

	if ((j = json_loadb(s, len, 0, NULL)) != NULL)
		return (j);
	if (len > (SIZE_MAX - 1) / 3)
		return (NULL);
	fix = xmalloc(3 * len + 1);
	n = utf8_json_repair(s, len, fix, &fixed);
	if (fixed != 0)
		j = json_loadb(fix, n, 0, NULL);
	free(fix);
	return (j);
}

json_t *
conv_message_to_json(const struct message *m)
{
	json_t		*blocks = json_array(), *jb;
	const struct block *b;
	size_t		 i;

	for (i = 0; i < m->nr; i++) {
		b = &m->blocks[i];
		jb = json_pack("{s:s}", "type", block_type_names[b->type]);
		switch (b->type) {
		case BLOCK_TEXT:
			json_object_set_new(jb, "text", json_string(b->text));
			break;
		case BLOCK_THINKING:
			json_object_set_new(jb, "thinking",
			    json_string(b->text));
			json_object_set_new(jb, "signature",
			    json_string(b->signature != NULL ?
			    b->signature : ""));
			break;
		case BLOCK_REDACTED_THINKING:
			json_object_set_new(jb, "data", json_string(b->text));
			break;
		case BLOCK_TOOL_USE:
			json_object_set_new(jb, "id", json_string(b->id));
			json_object_set_new(jb, "name", json_string(b->name));
			json_object_set(jb, "input", b->input);
			break;
		case BLOCK_TOOL_RESULT:
			json_object_set_new(jb, "tool_use_id",
			    json_string(b->id));
			json_object_set_new(jb, "content",
			    json_string(b->text));
			if (b->is_error)
				json_object_set_new(jb, "is_error",
				    json_true());
			break;
		case BLOCK_REASONING:
			/* The item, so resume and fork send it again. */
			if (b->text != NULL && *b->text != '\0')
				json_object_set_new(jb, "summary",
				    json_string(b->text));
			json_object_set(jb, "item", b->input != NULL ?
			    b->input : json_object());
			break;
		}
		json_array_append_new(blocks, jb);
	}
	return (json_pack("{s:s,s:o}", "role",
	    m->role == ROLE_USER ? "user" : "assistant", "content", blocks));
}

int
conv_message_from_json(json_t *j, struct message *m, char **cause)
{
	const char	*role = conv_json_str(j, "role"), *type, *s;
	json_t		*content = json_object_get(j, "content"), *jb;
	struct block	*b;
	size_t		 i;

	if (role == NULL || !json_is_array(content)) {
		*cause = xstrdup("message without role or content");
		return (-1);
	}
	message_init(m, strcmp(role, "user") == 0 ? ROLE_USER :
	    ROLE_ASSISTANT);
	json_array_foreach(content, i, jb) {
		if ((type = conv_json_str(jb, "type")) == NULL)
			goto bad;
		if (strcmp(type, "text") == 0)
			message_add_text(m, conv_json_str(jb, "text") ?
			    conv_json_str(jb, "text") : "");
		else if (strcmp(type, "thinking") == 0) {
			b = message_add_block(m, BLOCK_THINKING);
			b->text = xstrdup(conv_json_str(jb, "thinking") ?
			    conv_json_str(jb, "thinking") : "");
			b->signature = xstrdup(conv_json_str(jb, "signature") ?
			    conv_json_str(jb, "signature") : "");
		} else if (strcmp(type, "redacted_thinking") == 0) {
			b = message_add_block(m, BLOCK_REDACTED_THINKING);
			b->text = xstrdup(conv_json_str(jb, "data") ?
			    conv_json_str(jb, "data") : "");
		} else if (strcmp(type, "tool_use") == 0) {
			if (conv_json_str(jb, "id") == NULL ||
			    conv_json_str(jb, "name") == NULL)
				goto bad;
			message_add_tool_use(m, conv_json_str(jb, "id"),
			    conv_json_str(jb, "name"),
			    json_object_get(jb, "input"));
		} else if (strcmp(type, "tool_result") == 0) {
			if (conv_json_str(jb, "tool_use_id") == NULL)
				goto bad;
			s = conv_json_str(jb, "content");
			message_add_tool_result(m,
			    conv_json_str(jb, "tool_use_id"),
			    s != NULL ? s : "",
			    json_is_true(json_object_get(jb, "is_error")));
		} else if (strcmp(type, "reasoning") == 0) {
			if (!json_is_object(json_object_get(jb, "item")))
				goto bad;
			b = message_add_block(m, BLOCK_REASONING);
			s = conv_json_str(jb, "summary");
			b->text = xstrdup(s != NULL ? s : "");
			b->input = json_deep_copy(json_object_get(jb, "item"));
		} else
			goto bad;
	}
	return (0);
bad:
	message_release(m);
	*cause = xstrdup("malformed content block in message");
	return (-1);
}
