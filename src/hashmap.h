/*
 * hashmap.h: one open-addressing hash table from strings to 32-bit values,
 * and the string hash it uses (FNV-1a, 32 bits).
 *
 * Standalone: needs only xmalloc.h, never agentos.h, so it is unit-tested
 * alone.  Keys are borrowed (the map stores the pointer; the caller keeps
 * the string alive until it is deleted or the map released).  Linear
 * probing over a power-of-two table kept below 3/4 full, deletion by
 * tombstone (dropped when the table grows).
 */
#ifndef HASHMAP_H
#define HASHMAP_H

#include <stddef.h>
#include <stdint.h>

/* FNV-1a offset basis and prime, 32 bits (draft-eastlake-fnv, section 5). */
#define HASHMAP_FNV_BASIS	2166136261u
#define HASHMAP_FNV_PRIME	16777619u

/*
 * FNV-1a of len bytes of data, continuing from h (HASHMAP_FNV_BASIS to
 * start): hash a string in pieces by feeding the result back in.
 */
static inline uint32_t
hashmap_fnv1a(uint32_t h, const void *data, size_t len)
{
	const unsigned char	*p = data;
	size_t			 i;

	for (i = 0; i < len; i++)
		h = (h ^ p[i]) * HASHMAP_FNV_PRIME;
	return (h);
}

/* FNV-1a of a NUL-terminated string, from the offset basis. */
uint32_t	 hashmap_hash_str(const char *s);

/* Returned by a lookup that finds nothing. */
#define HASHMAP_NONE	UINT32_MAX

struct hashmap {
	char		**keys;		/* borrowed; NULL empty, 1 tombstone */
	uint32_t	*vals;
	size_t		 nr, size;	/* size: a power of two */
};

/* Initialise m empty (no memory until the first set). */
void		 hashmap_init(struct hashmap *m);
/* Free m's table (not the keys) and leave it empty and reusable. */
void		 hashmap_release(struct hashmap *m);
/* The value of key (len bytes, no NUL needed), or HASHMAP_NONE. */
uint32_t	 hashmap_getn(const struct hashmap *m, const char *key,
		    size_t len);
/* The value of the NUL-terminated key, or HASHMAP_NONE. */
uint32_t	 hashmap_get(const struct hashmap *m, const char *key);
/*
 * Set key to val (replacing its value if present).  key is borrowed: it
 * must outlive the map or be deleted first.  val must not be HASHMAP_NONE.
 */
void		 hashmap_set(struct hashmap *m, char *key, uint32_t val);
/* Remove key if present. */
void		 hashmap_del(struct hashmap *m, const char *key);
/* Keys in m. */
size_t		 hashmap_count(const struct hashmap *m);

#endif
