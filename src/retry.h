/*
 * retry.h: the wait schedule of a model request that failed with a
 * retryable error (429, 5xx, 529, a cut connection).
 *
 * Exponential backoff with full jitter (the "Exponential Backoff And
 * Jitter" scheme of the AWS Architecture Blog, 2015): the ceiling of the
 * n-th wait (n from 0) is min(RETRY_CAP_MS, RETRY_BASE_MS * 2^n) and the
 * wait is drawn uniformly from [0, ceiling].  A wait the server asks for
 * (Retry-After, retry-after-ms) replaces the drawn one.  All waits of one
 * request together stay within a budget, the retry_seconds option.
 */
#ifndef RETRY_H
#define RETRY_H

#include <stdint.h>

#define RETRY_BASE_MS	1000		/* ceiling of the first wait */
#define RETRY_FACTOR	2		/* ceiling growth per attempt */
#define RETRY_CAP_MS	20000		/* ceiling of any drawn wait */

/* A small seeded pseudo-random source (splitmix64); not for secrets. */
struct retry_jitter {
	uint64_t	state;
};

/* Start j from seed; the same seed gives the same sequence. */
void		retry_jitter_seed(struct retry_jitter *j, uint64_t seed);
/* The next 64 random bits of j. */
uint64_t	retry_jitter_next(struct retry_jitter *j);

/*
 * The wait in ms before the next attempt, or -1 to give up.  attempt is the
 * number of retries already made (0 after the first failure); waited_ms is
 * the total already waited for this request and budget_ms the most it may
 * wait in all (0: never retry); server_ms is the wait the server asked for
 * in ms, or -1 for none.  A server wait that does not fit in what is left
 * of the budget gives up (retrying sooner would fail again); a drawn wait
 * is cut to what is left.  Pure apart from advancing j.
 */
long		retry_wait(int attempt, long waited_ms, long budget_ms,
		    long server_ms, struct retry_jitter *j);

#endif /* RETRY_H */
