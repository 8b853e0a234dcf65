/* The page model (page_alloc.c, memblock.c) against offlining.md: what a
 * block holds decides whether it can go offline. One machine, one
 * workload and one expectation per test, as in tools/testing/memblock.
 *
 * The machine: q35, 4 GiB, one 1 GiB DIMM onlined movable (blocks 48-55).
 *
 *   0      16       32        47 48      55
 *   [boot DMA32]    [boot Normal][DIMM Movable]
 */
#include "test_util.h"

#define Q35_DIMM "-M q35 -m 4G,slots=2,maxmem=8G -object memory-backend-ram,id=m1,size=1G "     \
		 "-device pc-dimm,id=d1,memdev=m1"
#define PPB 32768ULL

static struct machine *boot_dimm(void)
{
	struct machine *m = tu_boot(Q35_DIMM, "memhp_default_state=online_movable", MEMHP_KERNEL_6_12);

	assert_non_null(m);
	return m;
}

static void assert_sound(struct machine *m)
{
	char msg[512] = "";

	assert_int_equal(page_alloc_check(m->kernel, msg, sizeof(msg)), 0);
}

/* What the allocator can hand out: free pages of single-zone online
 * blocks of DMA32, Normal and Movable (it leaves ZONE_DMA and mixed boot
 * blocks alone). */
static uint64_t allocatable_pages(struct machine *m)
{
	const struct memory_block *b;
	uint64_t id, n = 0;

	idtree_for_each(&m->kernel->blocks, id, b)
	{
		if (b->state != MEM_ONLINE || !b->zone || b->zone->type == ZONE_DMA)
			continue;
		n += PPB - b->pages.used - b->nr_vmemmap_pages;
	}
	return n;
}

static uint64_t user_pages_in(struct machine *m, uint64_t first, uint64_t end, enum page_kind kind)
{
	return range_nr_pages(m->kernel, first * PPB, (end - first) * PPB, kind);
}

/* offlining.md §3.3: movable pages in ZONE_MOVABLE migrate to other
 * memory; the offline succeeds and nothing is lost. */
static void test_movable_migrates(void **state)
{
	struct machine *m = boot_dimm();

	(void)state;
	/* ZONE_MOVABLE first: the DIMM takes the 256 MiB. */
	assert_int_equal(user_mem_alloc(m->kernel, "a", USER_MEM_MOVABLE, 65536, NUMA_NO_NODE), 0);
	assert_int_equal(user_pages_in(m, 48, 56, PAGE_MOVABLE), 65536);
	assert_int_equal(tu_blk_write(m, 48, "state", "offline"), 0);
	assert_int_equal(tu_blk_write(m, 49, "state", "offline"), 0);
	assert_int_equal(user_pages_in(m, 48, 50, PAGE_MOVABLE), 0);
	assert_int_equal(m->kernel->page_alloc.nr_pages[PAGE_MOVABLE], 65536);
	assert_sound(m);
	machine_free(m);
}

/* §3.6: an unmovable page in a kernel zone fails isolation: EBUSY. */
static void test_unmovable_in_normal_is_busy(void **state)
{
	struct machine *m = tu_boot("-M q35 -m 4G", NULL, MEMHP_KERNEL_6_12);

	(void)state;
	assert_int_equal(page_alloc_range(m->kernel, 40 * PPB + 123, 1, PAGE_UNMOVABLE,
					  TAG_BOOT_UNMOVABLE),
			 0);
	assert_int_equal(tu_blk_write(m, 40, "state", "offline"), -EBUSY);
	assert_string_equal(tu_blk(m, 40, "state"), "online\n");
	assert_int_equal(tu_blk_write(m, 41, "state", "offline"), 0);
	machine_free(m);
}

/* §3.6: a pinned page passes isolation and fails every migration: the
 * kernel retries until the writer is signalled (EINTR); the block is
 * online again, in its zone. */
static void test_pinned_never_leaves(void **state)
{
	struct machine *m = tu_boot("-M q35 -m 4G", NULL, MEMHP_KERNEL_6_12);

	(void)state;
	assert_int_equal(page_alloc_range(m->kernel, 40 * PPB, 512, PAGE_PINNED, TAG_BOOT_UNMOVABLE),
			 0);
	assert_int_equal(tu_blk_write(m, 40, "state", "offline"), -EINTR);
	assert_string_equal(tu_blk(m, 40, "state"), "online\n");
	assert_string_equal(tu_blk(m, 40, "valid_zones"), "Normal\n");
	assert_sound(m);
	machine_free(m);
}

/* §3.6: reserved pages refuse isolation even in ZONE_MOVABLE. */
static void test_reserved_busy_in_movable(void **state)
{
	struct machine *m = boot_dimm();

	(void)state;
	assert_int_equal(page_alloc_range(m->kernel, 50 * PPB + 9, 1, PAGE_RESERVED,
					  TAG_BOOT_UNMOVABLE),
			 0);
	assert_int_equal(tu_blk_write(m, 50, "state", "offline"), -EBUSY);
	machine_free(m);
}

/* §3.6: an unmovable page that slipped into ZONE_MOVABLE passes isolation
 * and never becomes free: retried until signalled. */
static void test_unmovable_in_movable_never_leaves(void **state)
{
	struct machine *m = boot_dimm();

	(void)state;
	assert_int_equal(page_alloc_range(m->kernel, 50 * PPB + 9, 1, PAGE_UNMOVABLE,
					  TAG_BOOT_UNMOVABLE),
			 0);
	assert_int_equal(tu_blk_write(m, 50, "state", "offline"), -EINTR);
	machine_free(m);
}

/* §3.4: free huge pages of the range are dissolved: the pool shrinks by
 * them. 100 pages fill ZONE_MOVABLE first (hugepage_movable_supported()),
 * 64 per block. */
static void test_free_huge_pages_dissolve(void **state)
{
	struct machine *m = boot_dimm();
	const struct hstate *h = &m->kernel->page_alloc.hstate;

	(void)state;
	assert_int_equal(set_max_huge_pages(m->kernel, 100), 0);
	assert_int_equal(h->nr_huge_pages, 100);
	assert_int_equal(user_pages_in(m, 48, 50, PAGE_HUGETLB_FREE), 100 * 512);
	assert_int_equal(tu_blk_write(m, 48, "state", "offline"), 0);
	assert_int_equal(h->nr_huge_pages, 100 - 64);
	assert_int_equal(h->free_huge_pages, 100 - 64);
	assert_sound(m);
	machine_free(m);
}

/* §3.4, in use, with a free huge page in the range: the pool's dequeue
 * hands the used page a free page of the range itself, and the one it
 * left is next: they swap for ever (observed on 6.1 and 6.12 with 256
 * pages, 128 in use: the offline never ended). */
static void test_used_huge_page_pingpong(void **state)
{
	struct machine *m = boot_dimm();

	(void)state;
	assert_int_equal(set_max_huge_pages(m->kernel, 100), 0);
	assert_int_equal(user_mem_alloc(m->kernel, "h", USER_MEM_HUGETLB, 512, NUMA_NO_NODE), 0);
	assert_int_equal(user_pages_in(m, 48, 49, PAGE_HUGETLB), 512);
	assert_int_equal(tu_blk_write(m, 48, "state", "offline"), -EINTR);
	assert_int_equal(m->kernel->page_alloc.hstate.nr_huge_pages, 100);
	assert_sound(m);
	machine_free(m);
}

/* §3.4, in use, no free page in the range: each used page takes a free
 * pool page elsewhere (its own returns to the pool and is dissolved), or
 * a fresh 2 MiB when the pool has none left (the pool keeps its size).
 * 100 pages: 64 in block 48, all used, 36 free in block 49. */
static void test_used_huge_pages_migrate(void **state)
{
	struct machine *m = boot_dimm();
	const struct hstate *h = &m->kernel->page_alloc.hstate;

	(void)state;
	assert_int_equal(set_max_huge_pages(m->kernel, 100), 0);
	assert_int_equal(user_mem_alloc(m->kernel, "h", USER_MEM_HUGETLB, 64 * 512, NUMA_NO_NODE),
			 0);
	assert_int_equal(user_pages_in(m, 48, 49, PAGE_HUGETLB), 64 * 512);
	assert_int_equal(tu_blk_write(m, 48, "state", "offline"), 0);
	assert_int_equal(h->nr_huge_pages, 64);
	assert_int_equal(h->free_huge_pages, 0);
	assert_int_equal(m->kernel->page_alloc.nr_pages[PAGE_HUGETLB], 64 * 512);
	assert_sound(m);
	machine_free(m);
}

/* Movable pages with nowhere to go: the offline retries until signalled,
 * and what moved stays moved. 3.5 GiB of movable memory leaves less than
 * a block free outside block 48. */
static void test_no_room_is_eintr(void **state)
{
	struct machine *m = boot_dimm();
	struct kernel *k = m->kernel;
	uint64_t free_pages = allocatable_pages(m);

	(void)state;
	assert_int_equal(user_mem_alloc(k, "fill", USER_MEM_MOVABLE, free_pages - 1000, NUMA_NO_NODE),
			 0);
	assert_int_equal(tu_blk_write(m, 48, "state", "offline"), -EINTR);
	assert_string_equal(tu_blk(m, 48, "state"), "online\n");
	assert_int_equal(k->page_alloc.nr_pages[PAGE_MOVABLE], free_pages - 1000);
	assert_sound(m);
	machine_free(m);
}

/* The memmap of hot-added memory comes from kernel memory (1/64 of it):
 * with kernel zones full the add fails with ENOMEM and nothing is added.
 * 6.1 leaves added memory offline, so the add brings no free pages. */
static void test_memmap_needs_kernel_memory(void **state)
{
	struct machine *m = tu_boot("-M q35 -m 4G", NULL, MEMHP_KERNEL_6_1);
	struct kernel *k = m->kernel;
	uint64_t free_pages = allocatable_pages(m);

	(void)state;
	assert_int_equal(add_memory(k, 0, 6 * GiB, 128 * MiB, 0), 0);
	assert_int_equal(k->page_alloc.nr_pages[PAGE_MEMMAP], 512);
	assert_int_equal(user_mem_alloc(k, "fill", USER_MEM_UNMOVABLE, free_pages - 512 - 100,
					NUMA_NO_NODE),
			 0);
	assert_int_equal(add_memory(k, 0, 7 * GiB, 128 * MiB, 0), -ENOMEM);
	assert_false(tu_block_exists(m, 56));
	assert_int_equal(k->page_alloc.nr_oom_events, 1);
	assert_int_equal(user_mem_free(k, "fill"), 0);
	assert_int_equal(add_memory(k, 0, 7 * GiB, 128 * MiB, 0), 0);
	assert_sound(m);
	machine_free(m);
}

/* An extent reaching past the range being taken, that cannot move:
 * alloc_contig_range() gives up with EBUSY (it used to walk the same
 * extent for ever). */
static void test_stuck_extent_past_range(void **state)
{
	struct machine *m = tu_boot("-M q35 -m 4G", NULL, MEMHP_KERNEL_6_12);
	struct kernel *k = m->kernel;

	(void)state;
	assert_int_equal(page_alloc_range(k, 40 * PPB + 256, 1024, PAGE_PINNED, TAG_BOOT_UNMOVABLE),
			 0);
	assert_int_equal(alloc_contig_range(k, 40 * PPB + 512, 512), -EBUSY);
	assert_int_equal(range_nr_pages(k, 40 * PPB, PPB, PAGE_OFFLINE), 0);
	assert_sound(m);
	machine_free(m);
}

/* Partial frees split extents; the books still balance. */
static void test_split_and_merge(void **state)
{
	struct machine *m = tu_boot("-M q35 -m 4G", NULL, MEMHP_KERNEL_6_12);
	struct kernel *k = m->kernel;

	(void)state;
	assert_int_equal(page_alloc_range(k, 40 * PPB, 100, PAGE_UNMOVABLE, TAG_BOOT_UNMOVABLE), 0);
	assert_int_equal(page_alloc_range(k, 40 * PPB + 100, 100, PAGE_UNMOVABLE, TAG_BOOT_UNMOVABLE),
			 0);
	assert_int_equal(find_memory_block(k, 40)->pages.nr, 1);
	free_pages_range(k, 40 * PPB + 50, 20);
	assert_int_equal(find_memory_block(k, 40)->pages.nr, 2);
	assert_int_equal(block_nr_pages(find_memory_block(k, 40), PAGE_UNMOVABLE), 180);
	assert_int_equal(page_alloc_range(k, 40 * PPB + 60, 1, PAGE_MOVABLE, TAG_BOOT_UNMOVABLE), 0);
	assert_int_equal(page_alloc_range(k, 40 * PPB + 60, 1, PAGE_MOVABLE, TAG_BOOT_UNMOVABLE),
			 -EBUSY);
	assert_sound(m);
	machine_free(m);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_movable_migrates),
	    cmocka_unit_test(test_unmovable_in_normal_is_busy),
	    cmocka_unit_test(test_pinned_never_leaves),
	    cmocka_unit_test(test_reserved_busy_in_movable),
	    cmocka_unit_test(test_unmovable_in_movable_never_leaves),
	    cmocka_unit_test(test_free_huge_pages_dissolve),
	    cmocka_unit_test(test_used_huge_page_pingpong),
	    cmocka_unit_test(test_used_huge_pages_migrate),
	    cmocka_unit_test(test_no_room_is_eintr),
	    cmocka_unit_test(test_memmap_needs_kernel_memory),
	    cmocka_unit_test(test_stuck_extent_past_range),
	    cmocka_unit_test(test_split_and_merge),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
