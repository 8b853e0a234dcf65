/* util/idtree.c: the radix tree behind blocks, zones' online blocks and
 * memory groups. calloc and free are wrapped (-Wl,--wrap) to count the
 * tree's live nodes: a tree emptied by erases holds no memory; the node
 * counts (idtree_nodes) say the same from the tree's side. */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>

#include <cmocka.h>

#include "idtree.h"

void *__real_calloc(size_t n, size_t size);
void __real_free(void *p);
void *__wrap_calloc(size_t n, size_t size);
void __wrap_free(void *p);

static long live; /* idtree's allocations not freed yet */

void *__wrap_calloc(size_t n, size_t size)
{
	void *p = __real_calloc(n, size);

	if (p)
		live++;
	return p;
}

void __wrap_free(void *p)
{
	if (p)
		live--;
	__real_free(p);
}

/* Found by memhp fuzz under LeakSanitizer: a store that needs a taller
 * tree wraps the old root under a new one; when erases empty the tree,
 * everything below the top must go too, not only the top. */
static void test_erase_to_empty_frees_all(void **state)
{
	struct idtree t;
	int v;

	(void)state;
	idtree_init(&t);
	live = 0;
	assert_int_equal(idtree_store(&t, 70, &v), 0);
	assert_ptr_equal(idtree_erase(&t, 70), &v);
	assert_null(t.root);
	assert_int_equal(live, 0);

	/* Ids that need three levels, erased in another order. */
	for (uint64_t id = 0; id < 300000; id += 4099)
		assert_int_equal(idtree_store(&t, id, &v), 0);
	for (uint64_t id = 0; id < 300000; id += 4099)
		assert_ptr_equal(idtree_erase(&t, (300000 / 4099) * 4099 - id), &v);
	assert_int_equal(t.count, 0);
	assert_int_equal(live, 0);
	idtree_destroy(&t);
}

/* Ordered search and the count, through growth and shrinking. */
static void test_find_next_prev(void **state)
{
	struct idtree t;
	uint64_t id = 0;
	char msg[128];
	int v;

	(void)state;
	idtree_init(&t);
	live = 0;
	assert_int_equal(idtree_store(&t, 5, &v), 0);
	assert_int_equal(idtree_store(&t, 4096, &v), 0);
	assert_int_equal(idtree_store(&t, 4096, &v), -EEXIST);
	assert_ptr_equal(idtree_find_next(&t, 6, &id), &v);
	assert_int_equal(id, 4096);
	assert_ptr_equal(idtree_find_prev(&t, 4095, &id), &v);
	assert_int_equal(id, 5);
	assert_int_equal(idtree_check(&t, msg, sizeof(msg)), 0);
	assert_ptr_equal(idtree_erase(&t, 4096), &v);
	assert_null(idtree_find_next(&t, 6, &id));
	assert_int_equal(t.count, 1);
	assert_int_equal(idtree_check(&t, msg, sizeof(msg)), 0);
	idtree_destroy(&t);
	assert_int_equal(live, 0);
}

static int values[8];

/* An id past 63 in an empty tree: one root over 0..4095 and one leaf, not
 * the empty first root hung under a new one (issue 10: each online/offline
 * of memory79 in an empty Movable zone leaked that 520-byte node). */
static void test_grow_empty_then_erase(void **state)
{
	struct idtree t;

	(void)state;
	idtree_init(&t);
	assert_int_equal(idtree_store(&t, 79, &values[0]), 0);
	assert_int_equal(idtree_count(&t), 1);
	assert_int_equal(idtree_nodes(&t), 2);
	assert_ptr_equal(idtree_load(&t, 79), &values[0]);
	assert_ptr_equal(idtree_erase(&t, 79), &values[0]);
	assert_int_equal(idtree_count(&t), 0);
	assert_int_equal(idtree_nodes(&t), 0);
	assert_null(idtree_find_next(&t, 0, NULL));
	/* again: the cycle the issue repeats */
	assert_int_equal(idtree_store(&t, 79, &values[1]), 0);
	assert_int_equal(idtree_nodes(&t), 2);
	assert_ptr_equal(idtree_erase(&t, 79), &values[1]);
	assert_int_equal(idtree_nodes(&t), 0);
	idtree_destroy(&t);
}

/* Growing over stored ids keeps them; erasing everything, in either order,
 * frees every node. 0 and 4096 = 64^2 need two levels below the root. */
static void test_grow_occupied_then_erase_all(void **state)
{
	static const uint64_t ids[] = {0, 4096};
	struct idtree t;

	(void)state;
	for (int first = 0; first < 2; first++) {
		idtree_init(&t);
		assert_int_equal(idtree_store(&t, 0, &values[0]), 0);
		assert_int_equal(idtree_nodes(&t), 1);
		assert_int_equal(idtree_store(&t, 4096, &values[1]), 0);
		/* root, and a node and a leaf under each of its slots 0 and 1 */
		assert_int_equal(idtree_nodes(&t), 5);
		assert_int_equal(idtree_count(&t), 2);
		assert_ptr_equal(idtree_load(&t, 0), &values[0]);
		assert_ptr_equal(idtree_load(&t, 4096), &values[1]);
		assert_non_null(idtree_erase(&t, ids[first]));
		assert_int_equal(idtree_nodes(&t), 3);
		assert_non_null(idtree_erase(&t, ids[1 - first]));
		assert_int_equal(idtree_count(&t), 0);
		assert_int_equal(idtree_nodes(&t), 0);
		idtree_destroy(&t);
	}
}

/* Erasing an id that is not there changes nothing, stored ids survive an
 * erase of their neighbours, and the count follows stores and erases. */
static void test_count_follows_store_and_erase(void **state)
{
	struct idtree t;
	uint64_t id = 0;

	(void)state;
	idtree_init(&t);
	assert_null(idtree_erase(&t, 5));
	assert_int_equal(idtree_store(&t, 5, &values[0]), 0);
	assert_int_equal(idtree_store(&t, 5, &values[1]), -EEXIST);
	assert_int_equal(idtree_store(&t, 300000, &values[2]), 0);
	assert_int_equal(idtree_store(&t, UINT64_MAX, &values[3]), 0);
	assert_int_equal(idtree_count(&t), 3);
	assert_null(idtree_erase(&t, 6));
	assert_null(idtree_erase(&t, 300001));
	assert_int_equal(idtree_count(&t), 3);
	assert_ptr_equal(idtree_erase(&t, 300000), &values[2]);
	assert_ptr_equal(idtree_find_next(&t, 6, &id), &values[3]);
	assert_true(id == UINT64_MAX);
	assert_ptr_equal(idtree_find_prev(&t, UINT64_MAX - 1, &id), &values[0]);
	assert_true(id == 5);
	assert_ptr_equal(idtree_erase(&t, UINT64_MAX), &values[3]);
	assert_ptr_equal(idtree_erase(&t, 5), &values[0]);
	assert_int_equal(idtree_count(&t), 0);
	assert_int_equal(idtree_nodes(&t), 0);
	idtree_destroy(&t);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_erase_to_empty_frees_all),
	    cmocka_unit_test(test_find_next_prev),
	    cmocka_unit_test(test_grow_empty_then_erase),
	    cmocka_unit_test(test_grow_occupied_then_erase_all),
	    cmocka_unit_test(test_count_follows_store_and_erase),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
