/* hashmap.c: open-addressing string -> uint32 hash table (see hashmap.h). */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "hashmap.h"
#include "xmalloc.h"
#include "banned.h"

#define HASHMAP_TOMB	((char *)1)

static void	hashmap_grow(struct hashmap *);

uint32_t
hashmap_hash_str(const char *s)
{
	return (hashmap_fnv1a(HASHMAP_FNV_BASIS, s, strlen(s)));
}

void
hashmap_init(struct hashmap *m)
{
	memset(m, 0, sizeof *m);
}

void
hashmap_release(struct hashmap *m)
{
	free(m->keys);
	free(m->vals);
	hashmap_init(m);
}

uint32_t
hashmap_getn(const struct hashmap *m, const char *key, size_t len)
{
	size_t	i;

	if (m->size == 0)
		return (HASHMAP_NONE);
	for (i = hashmap_fnv1a(HASHMAP_FNV_BASIS, key, len) & (m->size - 1);
	    m->keys[i] != NULL; i = (i + 1) & (m->size - 1)) {
		if (m->keys[i] != HASHMAP_TOMB &&
		    strncmp(m->keys[i], key, len) == 0 &&
		    m->keys[i][len] == '\0')
			return (m->vals[i]);
	}
	return (HASHMAP_NONE);
}

uint32_t
hashmap_get(const struct hashmap *m, const char *key)
{
	return (hashmap_getn(m, key, strlen(key)));
}

/* Double the table (or make the first one), dropping tombstones. */
static void
hashmap_grow(struct hashmap *m)
{
	struct hashmap	n;
	size_t		i;

	n.size = m->size == 0 ? 64 : m->size * 2;
	n.nr = 0;
	n.keys = xcalloc(n.size, sizeof *n.keys);
	n.vals = xcalloc(n.size, sizeof *n.vals);
	for (i = 0; i < m->size; i++) {
		if (m->keys[i] != NULL && m->keys[i] != HASHMAP_TOMB)
			hashmap_set(&n, m->keys[i], m->vals[i]);
	}
	free(m->keys);
	free(m->vals);
	*m = n;
}

/*
 * Tombstones count towards the load (nr is only lowered by a grow), so
 * a probe always meets an empty slot.
 */
void
hashmap_set(struct hashmap *m, char *key, uint32_t val)
{
	size_t	i, len = strlen(key), tomb = SIZE_MAX;

	if ((m->nr + 1) * 4 >= m->size * 3)
		hashmap_grow(m);
	for (i = hashmap_fnv1a(HASHMAP_FNV_BASIS, key, len) & (m->size - 1);
	    m->keys[i] != NULL; i = (i + 1) & (m->size - 1)) {
		if (m->keys[i] == HASHMAP_TOMB) {
			if (tomb == SIZE_MAX)
				tomb = i;
			continue;
		}
		if (strcmp(m->keys[i], key) == 0) {
			m->vals[i] = val;
			return;
		}
	}
	if (tomb != SIZE_MAX) {
		m->keys[tomb] = key;	/* reuse: nr already counts it */
		m->vals[tomb] = val;
		return;
	}
	m->keys[i] = key;
	m->vals[i] = val;
	m->nr++;
}

void
hashmap_del(struct hashmap *m, const char *key)
{
	size_t	i, len = strlen(key);

	if (m->size == 0)
		return;
	for (i = hashmap_fnv1a(HASHMAP_FNV_BASIS, key, len) & (m->size - 1);
	    m->keys[i] != NULL; i = (i + 1) & (m->size - 1)) {
		if (m->keys[i] != HASHMAP_TOMB && strcmp(m->keys[i], key) == 0) {
			/* A tombstone keeps later probes working. */
			m->keys[i] = HASHMAP_TOMB;
			return;
		}
	}
}

size_t
hashmap_count(const struct hashmap *m)
{
	size_t	i, n = 0;

	for (i = 0; i < m->size; i++)
		n += m->keys[i] != NULL && m->keys[i] != HASHMAP_TOMB;
	return (n);
}
