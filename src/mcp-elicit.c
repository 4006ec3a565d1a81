/*
 * mcp-elicit.c: the forms of MCP elicitation (Client / Elicitation,
 * revision 2025-11-25, "Requested Schema"): a flat object of primitive
 * properties (string with minLength, maxLength and format; number and
 * integer with minimum and maximum; boolean; enum, as "enum" or "oneOf"
 * of {const, title}), each with an optional "default" (SEP-1034).  Pure
 * functions: what the user typed becomes a typed, checked value.
 */
#include <ctype.h>
#include <errno.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "agentos.h"
#include "mcp.h"
#include "utf8.h"
#include "banned.h"

/* The string values an enum property allows, or NULL; borrowed. */
static int
mcp_enum_has(json_t *prop, const char *v)
{
	json_t	*e, *x;
	size_t	 i;

	if ((e = json_object_get(prop, "enum")) != NULL &&
	    json_is_array(e)) {
		json_array_foreach(e, i, x) {
			if (json_is_string(x) &&
			    strcmp(json_string_value(x), v) == 0)
				return (1);
		}
		return (0);
	}
	e = json_object_get(prop, "oneOf");
	if (e == NULL)
		e = json_object_get(prop, "anyOf");
	json_array_foreach(e, i, x) {
		x = json_object_get(x, "const");
		if (json_is_string(x) && strcmp(json_string_value(x), v) == 0)
			return (1);
	}
	return (0);
}

int
mcp_field_type(json_t *prop)
{
	const char	*t;
	json_t		*e;

	if (!json_is_object(prop))
		return (-1);
	if (json_is_array(json_object_get(prop, "enum")) ||
	    json_is_array(json_object_get(prop, "oneOf")))
		return (MCP_FIELD_ENUM);
	e = json_object_get(prop, "type");
	t = json_is_string(e) ? json_string_value(e) : "";
	if (strcmp(t, "string") == 0)
		return (MCP_FIELD_STRING);
	if (strcmp(t, "number") == 0)
		return (MCP_FIELD_NUMBER);
	if (strcmp(t, "integer") == 0)
		return (MCP_FIELD_INTEGER);
	if (strcmp(t, "boolean") == 0)
		return (MCP_FIELD_BOOLEAN);
	return (-1);
}

int
mcp_elicit_check(json_t *schema, char **cause)
{
	json_t		*props, *p, *req, *r;
	const char	*k;
	size_t		 i;

	props = json_object_get(schema, "properties");
	if (!json_is_object(schema) || !json_is_object(props)) {
		*cause = xstrdup("the requested schema has no properties");
		return (-1);
	}
	if (json_object_size(props) > 64) {
		*cause = xstrdup("the requested schema has more than 64 "
		    "fields");
		return (-1);
	}
	json_object_foreach(props, k, p) {
		if (mcp_field_type(p) == -1) {
			*cause = xasprintf("field %.60s is not a string, "
			    "number, integer, boolean or enum", k);
			return (-1);
		}
	}
	req = json_object_get(schema, "required");
	json_array_foreach(req, i, r) {
		if (!json_is_string(r) || json_object_get(props,
		    json_string_value(r)) == NULL) {
			*cause = xstrdup("the requested schema requires a "
			    "field it does not have");
			return (-1);
		}
	}
	return (0);
}

/* A light check of the string formats the spec names. */
static int
mcp_format_ok(const char *format, const char *v)
{
	const char	*at;
	size_t		 i;

	if (strcmp(format, "email") == 0) {
		at = strchr(v, '@');
		return (at != NULL && at != v && at[1] != '\0' &&
		    strchr(at + 1, '.') != NULL && strchr(v, ' ') == NULL);
	}
	if (strcmp(format, "uri") == 0) {
		for (i = 0; isalpha((unsigned char)v[i]) || (i > 0 &&
		    strchr("+-.", v[i]) != NULL) ||
		    (i > 0 && isdigit((unsigned char)v[i])); i++)
			;
		return (i > 0 && v[i] == ':' && strchr(v, ' ') == NULL);
	}
	if (strcmp(format, "date") == 0 || strcmp(format, "date-time") == 0) {
		/* YYYY-MM-DD, then for date-time "T" and a time. */
		for (i = 0; i < 10; i++) {
			if (i == 4 || i == 7) {
				if (v[i] != '-')
					return (0);
			} else if (!isdigit((unsigned char)v[i]))
				return (0);
		}
		if (strcmp(format, "date") == 0)
			return (v[10] == '\0');
		return ((v[10] == 'T' || v[10] == 't' || v[10] == ' ') &&
		    isdigit((unsigned char)v[11]));
	}
	return (1);
}

/* Characters (code points) of UTF-8 s. */
static size_t
mcp_chars(const char *s)
{
	size_t	n = 0, off = 0, len = strlen(s);

	while (off < len) {
		off = utf8_next(s, len, off);
		n++;
	}
	return (n);
}

/* Check number d against prop's minimum and maximum. */
static int
mcp_range_ok(json_t *prop, double d, char **cause)
{
	json_t	*lo = json_object_get(prop, "minimum");
	json_t	*hi = json_object_get(prop, "maximum");

	if (json_is_number(lo) && d < json_number_value(lo)) {
		*cause = xasprintf("at least %g", json_number_value(lo));
		return (0);
	}
	if (json_is_number(hi) && d > json_number_value(hi)) {
		*cause = xasprintf("at most %g", json_number_value(hi));
		return (0);
	}
	return (1);
}

json_t *
mcp_elicit_value(json_t *prop, const char *text, char **cause)
{
	const char	*format;
	json_t		*lo, *hi;
	char		*end;
	double		 d;
	long long	 ll;
	size_t		 len;

	switch (mcp_field_type(prop)) {
	case MCP_FIELD_STRING:
		len = mcp_chars(text);
		lo = json_object_get(prop, "minLength");
		hi = json_object_get(prop, "maxLength");
		if (json_is_integer(lo) && (json_int_t)len <
		    json_integer_value(lo)) {
			*cause = xasprintf("at least %lld characters",
			    (long long)json_integer_value(lo));
			return (NULL);
		}
		if (json_is_integer(hi) && (json_int_t)len >
		    json_integer_value(hi)) {
			*cause = xasprintf("at most %lld characters",
			    (long long)json_integer_value(hi));
			return (NULL);
		}
		format = conv_json_str(prop, "format");
		if (format != NULL && *text != '\0' &&
		    !mcp_format_ok(format, text)) {
			*cause = xasprintf("not a valid %.20s", format);
			return (NULL);
		}
		return (json_string(text));
	case MCP_FIELD_NUMBER:
		errno = 0;
		d = strtod(text, &end);
		if (*text == '\0' || *end != '\0' || errno != 0 ||
		    !isfinite(d)) {
			*cause = xstrdup("not a number");
			return (NULL);
		}
		if (!mcp_range_ok(prop, d, cause))
			return (NULL);
		return (json_real(d));
	case MCP_FIELD_INTEGER:
		errno = 0;
		ll = strtoll(text, &end, 10);
		if (*text == '\0' || *end != '\0' || errno != 0) {
			*cause = xstrdup("not an integer");
			return (NULL);
		}
		if (!mcp_range_ok(prop, (double)ll, cause))
			return (NULL);
		return (json_integer(ll));
	case MCP_FIELD_BOOLEAN:
		if (strcasecmp(text, "y") == 0 || strcasecmp(text, "yes") ==
		    0 || strcasecmp(text, "true") == 0 ||
		    strcmp(text, "1") == 0)
			return (json_true());
		if (strcasecmp(text, "n") == 0 || strcasecmp(text, "no") ==
		    0 || strcasecmp(text, "false") == 0 ||
		    strcmp(text, "0") == 0)
			return (json_false());
		*cause = xstrdup("not yes or no");
		return (NULL);
	case MCP_FIELD_ENUM:
		if (!mcp_enum_has(prop, text)) {
			*cause = xstrdup("not one of the choices");
			return (NULL);
		}
		return (json_string(text));
	}
	*cause = xstrdup("a field of an unknown type");
	return (NULL);
}

char *
mcp_elicit_default_text(json_t *prop)
{
	json_t	*d = json_object_get(prop, "default");

	if (json_is_string(d))
		return (xstrdup(json_string_value(d)));
	if (json_is_boolean(d))
		return (xstrdup(json_is_true(d) ? "yes" : "no"));
	if (json_is_integer(d))
		return (xasprintf("%lld", (long long)json_integer_value(d)));
	if (json_is_real(d))
		return (xasprintf("%.17g", json_real_value(d)));
	return (xstrdup(""));
}

json_t *
mcp_elicit_defaults(json_t *schema, char **cause)
{
	json_t		*props, *p, *out, *v, *req, *r;
	const char	*k;
	char		*text, *why = NULL;
	size_t		 i;

	if (mcp_elicit_check(schema, cause) != 0)
		return (NULL);
	props = json_object_get(schema, "properties");
	out = json_object();
	json_object_foreach(props, k, p) {
		if (json_object_get(p, "default") == NULL)
			continue;
		text = mcp_elicit_default_text(p);
		v = mcp_elicit_value(p, text, &why);
		free(text);
		if (v == NULL) {
			*cause = xasprintf("the default of %.60s is %s", k,
			    why);
			free(why);
			json_decref(out);
			return (NULL);
		}
		json_object_set_new(out, k, v);
	}
	req = json_object_get(schema, "required");
	json_array_foreach(req, i, r) {
		if (json_object_get(out, json_string_value(r)) == NULL) {
			*cause = xasprintf("required field %.60s has no "
			    "default", json_string_value(r));
			json_decref(out);
			return (NULL);
		}
	}
	return (out);
}
