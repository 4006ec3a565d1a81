/* context-calib.c: the estimator's bytes per token, learned from usage. */
#include <stdlib.h>
#include <string.h>

#include "agentos.h"
#include "context.h"
#include "event.h"
#include "session.h"
#include "banned.h"

/* The weight, in tokens, of the default ratio before the first sample. */
#define CONTEXT_CALIB_PRIOR	2000
/* The most weight the past keeps, so the ratio follows the content. */
#define CONTEXT_CALIB_MEMORY	50000
/* The smallest growth (tokens and bytes) a sample is taken from. */
#define CONTEXT_CALIB_MIN	100
/* A ratio outside these is not believed. */
#define CONTEXT_CALIB_LOW	1.0
#define CONTEXT_CALIB_HIGH	10.0

void
context_calib_init(struct context_calib *k)
{
	memset(k, 0, sizeof *k);
	k->bpt = CONTEXT_BYTES_PER_TOKEN;
	k->weight = CONTEXT_CALIB_PRIOR;
}

void
context_calib_set(struct context_calib *k, double bpt)
{
	if (bpt < CONTEXT_CALIB_LOW || bpt > CONTEXT_CALIB_HIGH)
		return;
	k->bpt = bpt;
	/* Learned before: worth more than the default. */
	k->weight = CONTEXT_CALIB_MEMORY / 5;
}

int
context_calib_add(struct context_calib *k, int64_t tokens, size_t bytes)
{
	int64_t	dt;
	size_t	db;
	double	s, w;
	int	took = 0;

	if (tokens <= 0)
		return (0);
	if (k->have_prev && tokens > k->prev_tokens && bytes > k->prev_bytes) {
		dt = tokens - k->prev_tokens;
		db = bytes - k->prev_bytes;
		if (dt >= CONTEXT_CALIB_MIN && db >= CONTEXT_CALIB_MIN) {
			s = (double)db / (double)dt;
			if (s >= CONTEXT_CALIB_LOW && s <= CONTEXT_CALIB_HIGH) {
				w = k->weight;
				k->bpt = (k->bpt * w + s * (double)dt) /
				    (w + (double)dt);
				k->weight = w + (double)dt;
				if (k->weight > CONTEXT_CALIB_MEMORY)
					k->weight = CONTEXT_CALIB_MEMORY;
				k->samples++;
				took = 1;
			}
		}
	}
	k->prev_tokens = tokens;
	k->prev_bytes = bytes;
	k->have_prev = 1;
	return (took);
}

void
context_calib_break(struct context_calib *k)
{
	k->have_prev = 0;
}

int64_t
context_estimate_bpt(int64_t base_tokens, size_t base_bytes,
    size_t fixed_bytes, size_t conv_bytes, double bpt)
{
	int64_t	est;

	if (bpt < CONTEXT_CALIB_LOW || bpt > CONTEXT_CALIB_HIGH)
		bpt = CONTEXT_BYTES_PER_TOKEN;
	if (base_tokens <= 0)
		return ((int64_t)((double)(fixed_bytes + conv_bytes) / bpt));
	if (conv_bytes >= base_bytes)
		est = base_tokens + (int64_t)((double)(conv_bytes -
		    base_bytes) / bpt);
	else
		est = base_tokens - (int64_t)((double)(base_bytes -
		    conv_bytes) / bpt);
	return (est < 0 ? 0 : est);
}

double
context_calib_from_log(struct session *s, const char *model)
{
	struct session_iter	*it;
	const struct event	*ev;
	const char		*m;
	char			*cause = NULL;
	double			 bpt = 0;
	json_t			*v;

	if (s == NULL || model == NULL)
		return (0);
	if ((it = session_iter_open(s, 0, 0, &cause)) == NULL) {
		log_debug("context: calibration: %s", cause);
		free(cause);
		return (0);
	}
	while (session_iter_next(it, &ev, &cause) == 1) {
		if (ev->type != EV_RESPONSE || ev->invalid != NULL)
			continue;
		m = json_string_value(json_object_get(ev->data, "model"));
		v = json_object_get(ev->data, "bytes_per_token");
		if (m != NULL && strcmp(m, model) == 0 && json_is_number(v))
			bpt = json_number_value(v);
	}
	free(cause);
	session_iter_close(it);
	if (bpt < CONTEXT_CALIB_LOW || bpt > CONTEXT_CALIB_HIGH)
		return (0);
	return (bpt);
}
