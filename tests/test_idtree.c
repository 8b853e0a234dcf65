/* lib/util/idtree.c: the id map behind memory blocks, zones' online blocks
 * and memory groups. Run under LeakSanitizer (./test.sh), a node left
 * behind by an erase fails the program; the node counts catch it in the
 * plain build too. */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include "idtree.h"

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
	    cmocka_unit_test(test_grow_empty_then_erase),
	    cmocka_unit_test(test_grow_occupied_then_erase_all),
	    cmocka_unit_test(test_count_follows_store_and_erase),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
