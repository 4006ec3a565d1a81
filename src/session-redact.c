/* session-redact.c: keep API keys and other secrets out of the session log. */
#define PCRE2_CODE_UNIT_WIDTH 8

#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <pcre2.h>

#include "agentos.h"
#include "session.h"
#include "banned.h"

#define REDACT_MARK		"[REDACTED]"
#define REDACT_LITERAL_MIN	8
#define REDACT_SLACK		64

struct redact_pattern {
	pcre2_code		*code;
	pcre2_match_data	*md;
};

struct session_redact {
	int			 references;
	struct redact_pattern	*pats;
	size_t			 npats, apats;
	char			**lits;
	size_t			 nlits, alits;
};

/*
 * Built-in patterns, one alternation so a string is scanned once.  \K keeps
 * what precedes it (the word Bearer, the header name) in the log.
 */
static const char *redact_builtin =
	"sk-ant-[A-Za-z0-9_-]{8,}"
	"|sk-[A-Za-z0-9_-]{16,}"
	"|AKIA[0-9A-Z]{16}"
	"|\\bgh[pousr]_[A-Za-z0-9]{20,}"
	"|\\bBearer\\s+\\K[A-Za-z0-9._~+/=-]{8,}"
	"|(?i:x-api-key)[\"']?\\s*[:=]\\s*[\"']?\\K[^\\s\"',]{8,}";

/* Object members whose whole value is a credential (lower case). */
static const char *redact_keys[] = {
	"api_key", "apikey", "api-key", "x-api-key", "authorization",
	"proxy-authorization", "auth_token", "access_token", "password",
	"secret", "client_secret",
};

static int	redact_compile(struct session_redact *, const char *, char **);
static void	redact_apply(struct redact_pattern *, struct buf *, int *);
static void	redact_literal(const char *, struct buf *, int *);
static int	redact_key(const char *);

/* Compile and add one pattern (JIT when available). */
static int
redact_compile(struct session_redact *r, const char *pattern, char **cause)
{
	pcre2_code	*code;
	PCRE2_UCHAR	 msg[256];
	PCRE2_SIZE	 off;
	int		 err;
	struct redact_pattern *p;

	code = pcre2_compile((PCRE2_SPTR)pattern, PCRE2_ZERO_TERMINATED,
	    PCRE2_UTF | PCRE2_MATCH_INVALID_UTF, &err, &off, NULL);
	if (code == NULL) {
		pcre2_get_error_message(err, msg, sizeof msg);
		*cause = xasprintf("redact pattern \"%s\": %s at offset %zu",
		    pattern, (char *)msg, (size_t)off);
		return (-1);
	}
	(void)pcre2_jit_compile(code, PCRE2_JIT_COMPLETE);
	ALLOC_GROW(r->pats, r->npats + 1, r->apats);
	p = &r->pats[r->npats++];
	p->code = code;
	p->md = pcre2_match_data_create_from_pattern(code, NULL);
	return (0);
}

struct session_redact *
session_redact_create(void)
{
	struct session_redact	*r = xcalloc(1, sizeof *r);
	char			*cause;

	r->references = 1;
	if (redact_compile(r, redact_builtin, &cause) != 0)
		fatalx("built-in redact pattern: %s", cause);
	return (r);
}

void
session_redact_free(struct session_redact *r)
{
	size_t	i;

	if (r == NULL || --r->references > 0)
		return;
	for (i = 0; i < r->npats; i++) {
		pcre2_match_data_free(r->pats[i].md);
		pcre2_code_free(r->pats[i].code);
	}
	for (i = 0; i < r->nlits; i++)
		free(r->lits[i]);
	free(r->pats);
	free(r->lits);
	free(r);
}

struct session_redact *
session_redact_ref(struct session_redact *r)
{
	r->references++;
	return (r);
}

int
session_redact_add(struct session_redact *r, const char *pattern,
    char **cause)
{
	return (redact_compile(r, pattern, cause));
}

void
session_redact_add_literal(struct session_redact *r, const char *s)
{
	size_t	i;

	if (s == NULL || strlen(s) < REDACT_LITERAL_MIN)
		return;
	for (i = 0; i < r->nlits; i++) {
		if (strcmp(r->lits[i], s) == 0)
			return;
	}
	ALLOC_GROW(r->lits, r->nlits + 1, r->alits);
	r->lits[r->nlits++] = xstrdup(s);
}

/* Replace every match of p in b by the mark; count them in *n. */
static void
redact_apply(struct redact_pattern *p, struct buf *b, int *n)
{
	struct buf	 out = BUF_INIT;
	PCRE2_SIZE	*ov, start = 0, from, to;
	int		 rc, changed = 0;

	/*
	 * The JIT's vector loads may read a few bytes past the subject
	 * (never past a page): give them zeroed bytes of our own to read.
	 */
	buf_grow(b, REDACT_SLACK);
	memset(b->buf + b->len, 0, REDACT_SLACK);
	while (start <= b->len) {
		rc = pcre2_match(p->code, (PCRE2_SPTR)b->buf, b->len, start, 0,
		    p->md, NULL);
		if (rc < 0)
			break;
		ov = pcre2_get_ovector_pointer(p->md);
		from = ov[0];
		to = ov[1];
		if (to <= from || from < start) {
			/* Empty match or \K oddity: step past it. */
			if (to < start + 1)
				to = start + 1;
			if (to > b->len)
				break;
			buf_add(&out, b->buf + start, to - start);
			start = to;
			continue;
		}
		buf_add(&out, b->buf + start, from - start);
		buf_adds(&out, REDACT_MARK);
		start = to;
		changed = 1;
		(*n)++;
	}
	if (!changed) {
		buf_release(&out);
		return;
	}
	if (start < b->len)
		buf_add(&out, b->buf + start, b->len - start);
	buf_release(b);
	*b = out;
}

/* Replace every occurrence of the literal s in b by the mark. */
static void
redact_literal(const char *s, struct buf *b, int *n)
{
	struct buf	 out = BUF_INIT;
	size_t		 slen = strlen(s), start = 0;
	char		*hit;

	while ((hit = memmem(b->buf + start, b->len - start, s, slen)) !=
	    NULL) {
		buf_add(&out, b->buf + start, hit - (b->buf + start));
		buf_adds(&out, REDACT_MARK);
		start = (hit - b->buf) + slen;
		(*n)++;
	}
	if (start == 0) {
		buf_release(&out);
		return;
	}
	buf_add(&out, b->buf + start, b->len - start);
	buf_release(b);
	*b = out;
}

char *
session_redact_string(struct session_redact *r, const char *s, size_t len,
    size_t *outlen)
{
	struct buf	b = BUF_INIT;
	size_t		i;
	int		n = 0;

	buf_add(&b, s, len);
	for (i = 0; i < r->nlits; i++)
		redact_literal(r->lits[i], &b, &n);
	for (i = 0; i < r->npats; i++)
		redact_apply(&r->pats[i], &b, &n);
	if (n == 0) {
		buf_release(&b);
		return (NULL);
	}
	return (buf_detach(&b, outlen));
}

/* Nonzero if an object member called name holds a credential. */
static int
redact_key(const char *name)
{
	size_t	i;

	for (i = 0; i < sizeof redact_keys / sizeof *redact_keys; i++) {
		if (strcasecmp(name, redact_keys[i]) == 0)
			return (1);
	}
	return (0);
}

int
session_redact_json(struct session_redact *r, json_t *j)
{
	const char	*key;
	json_t		*v;
	char		*red;
	size_t		 i, len;
	int		 n = 0;

	switch (json_typeof(j)) {
	case JSON_OBJECT:
		json_object_foreach(j, key, v) {
			if (redact_key(key) && json_is_string(v) &&
			    strcmp(json_string_value(v), REDACT_MARK) != 0) {
				json_string_set(v, REDACT_MARK);
				n++;
			} else
				n += session_redact_json(r, v);
		}
		break;
	case JSON_ARRAY:
		json_array_foreach(j, i, v)
			n += session_redact_json(r, v);
		break;
	case JSON_STRING:
		red = session_redact_string(r, json_string_value(j),
		    json_string_length(j), &len);
		if (red != NULL) {
			json_string_setn(j, red, len);
			free(red);
			n++;
		}
		break;
	default:
		break;
	}
	return (n);
}
