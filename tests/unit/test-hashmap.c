/* test-hashmap.c: the shared hash table, linked alone (hashmap.c). */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "hashmap.h"
#include "xmalloc.h"

/* Published FNV-1a 32-bit test vectors. */
static void
test_fnv1a(void **state)
{
	assert_int_equal(hashmap_hash_str(""), 0x811c9dc5u);
	assert_int_equal(hashmap_hash_str("a"), 0xe40c292cu);
	assert_int_equal(hashmap_hash_str("foobar"), 0xbf9cf968u);
	/* In pieces: the same as at once. */
	assert_int_equal(hashmap_fnv1a(hashmap_fnv1a(HASHMAP_FNV_BASIS,
	    "foo", 3), "bar", 3), 0xbf9cf968u);
}

static void
test_basic(void **state)
{
	struct hashmap	m;
	char		a[] = "alpha", b[] = "beta";

	hashmap_init(&m);
	assert_int_equal(hashmap_get(&m, "alpha"), HASHMAP_NONE);
	hashmap_del(&m, "alpha");
	hashmap_set(&m, a, 1);
	hashmap_set(&m, b, 2);
	assert_int_equal(hashmap_get(&m, "alpha"), 1);
	assert_int_equal(hashmap_get(&m, "beta"), 2);
	assert_int_equal(hashmap_getn(&m, "alphabet", 5), 1);
	assert_int_equal(hashmap_getn(&m, "alp", 3), HASHMAP_NONE);
	hashmap_set(&m, a, 3);
	assert_int_equal(hashmap_get(&m, "alpha"), 3);
	assert_int_equal(hashmap_count(&m), 2);
	hashmap_del(&m, "alpha");
	assert_int_equal(hashmap_get(&m, "alpha"), HASHMAP_NONE);
	assert_int_equal(hashmap_get(&m, "beta"), 2);
	assert_int_equal(hashmap_count(&m), 1);
	hashmap_release(&m);
	assert_int_equal(hashmap_get(&m, "beta"), HASHMAP_NONE);
}

/* Many keys, growth, deletes and re-sets across tombstones. */
static void
test_many(void **state)
{
	struct hashmap	  m;
	char		**k;
	size_t		  i, n = 20000;

	k = xcalloc(n, sizeof *k);
	hashmap_init(&m);
	for (i = 0; i < n; i++) {
		k[i] = xasprintf("key-%zu", i);
		hashmap_set(&m, k[i], (uint32_t)i);
	}
	assert_int_equal(hashmap_count(&m), n);
	for (i = 0; i < n; i += 2)
		hashmap_del(&m, k[i]);
	for (i = 0; i < n; i++)
		assert_int_equal(hashmap_get(&m, k[i]),
		    i % 2 ? (uint32_t)i : HASHMAP_NONE);
	/* Setting a live key after a tombstone in its chain: no twin. */
	for (i = 1; i < n; i += 2)
		hashmap_set(&m, k[i], (uint32_t)(i + 1));
	for (i = 0; i < n; i += 2)
		hashmap_set(&m, k[i], (uint32_t)(i + 7));
	assert_int_equal(hashmap_count(&m), n);
	for (i = 1; i < n; i += 2) {
		hashmap_del(&m, k[i]);
		assert_int_equal(hashmap_get(&m, k[i]), HASHMAP_NONE);
	}
	for (i = 0; i < n; i += 2)
		assert_int_equal(hashmap_get(&m, k[i]), (uint32_t)(i + 7));
	assert_true(m.size >= n / 2 * 4 / 3);
	hashmap_release(&m);
	for (i = 0; i < n; i++)
		free(k[i]);
	free(k);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_fnv1a),
		cmocka_unit_test(test_basic),
		cmocka_unit_test(test_many),
	};

	return (cmocka_run_group_tests(tests, NULL, NULL));
}
