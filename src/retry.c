/*
 * retry.c: the backoff schedule of model requests (see retry.h).
 */
#include <stdint.h>

#include "retry.h"
#include "banned.h"

void
retry_jitter_seed(struct retry_jitter *j, uint64_t seed)
{
	j->state = seed;
}

/* splitmix64 (Steele, Lea and Flood, "Fast splittable PRNGs", 2014). */
uint64_t
retry_jitter_next(struct retry_jitter *j)
{
	uint64_t	z;

	z = (j->state += 0x9e3779b97f4a7c15ULL);
	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
	z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
	return (z ^ (z >> 31));
}

long
retry_wait(int attempt, long waited_ms, long budget_ms, long server_ms,
    struct retry_jitter *j)
{
	long	ceiling, left, wait;
	int	i;

	if (budget_ms <= 0 || attempt < 0 || waited_ms < 0)
		return (-1);
	left = budget_ms - waited_ms;
	if (left <= 0)
		return (-1);
	if (server_ms >= 0)
		return (server_ms <= left ? server_ms : -1);
	ceiling = RETRY_BASE_MS;
	for (i = 0; i < attempt && ceiling < RETRY_CAP_MS; i++)
		ceiling *= RETRY_FACTOR;
	if (ceiling > RETRY_CAP_MS)
		ceiling = RETRY_CAP_MS;
	wait = (long)(retry_jitter_next(j) % (uint64_t)(ceiling + 1));
	if (wait > left)
		wait = left;
	return (wait);
}
