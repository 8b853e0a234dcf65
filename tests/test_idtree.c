/* util/idtree.c: the radix tree behind blocks, zones' online blocks and
 * memory groups. calloc and free are wrapped (-Wl,--wrap) to count the
 * tree's live nodes: a tree emptied by erases holds no memory. */
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

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_erase_to_empty_frees_all),
	    cmocka_unit_test(test_find_next_prev),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
