/* Conformance checklist E (zones, spans, counters under contig-zones,
 * items 37-47): the kernel's values from conformance-checklist.md and
 * zones-and-policies.md §2-5. pfn(N) = N * 32768. */
#include "test_boot_info.h"
#include "test_util.h"

/* Writes val to memoryN/state, which must succeed; then node 0's Movable
 * zone has that start_pfn, spanned and present pages. A macro, so that a
 * failure names the test's line. */
#define MOVABLE_AFTER(m, block, val, start, spanned, present)                                      \
	do {                                                                                       \
		assert_int_equal(tu_blk_write((m), (block), "state", (val)), 0);                   \
		TU_ASSERT_SPAN(tu_zone((m), 0, ZONE_MOVABLE), (start), (spanned), (present));      \
	} while (0)

/* Node 0's span: it starts at pfn 1, as the boot span [1, 1572864) of the
 * q35 4 GiB machine does, and spans `spanned` pages. */
static void assert_node0_span(const struct machine *m, uint64_t spanned)
{
	assert_int_equal(m->kernel->nodes[0].start_pfn, 1);
	assert_int_equal(m->kernel->nodes[0].spanned_pages, spanned);
}

/* The E tests that only write and read block files: each test's steps,
 * under the reason for them. */
static const struct tu_blk_step e_steps[] = {
    /* checklist 37: offline memory48 -> Normal Movable; echo online > state -> Normal
     * (neither zone intersects block 48, no movable_node -> kernel zone). */
    TU_TEST("e37_default_zone_above_existing"),
    TU_CAT(48, "valid_zones", "Normal Movable\n"),
    TU_ECHO(48, "state", "online\n", 0),
    TU_CAT(48, "valid_zones", "Normal\n"),
    /* block 49 is now adjacent to Normal (not inside): still Normal by default */
    TU_CAT(49, "valid_zones", "Normal Movable\n"),
    /* checklist 39: memory48 online_movable (Movable empty before) -> offline
     * memory49 shows Normal Movable (adjacency does not inherit). */
    TU_TEST("e39_adjacency_does_not_inherit"),
    TU_ECHO(48, "state", "online_movable\n", 0),
    TU_CAT(49, "valid_zones", "Normal Movable\n"),
    /* so onlining 49 with the policy gives Normal */
    TU_ECHO(49, "state", "online\n", 0),
    TU_CAT(49, "valid_zones", "Normal\n"),
    /* checklist 40: 48 and 50 online_movable -> offline 49 shows Movable Normal;
     * echo online > memory49/state -> Movable. */
    TU_TEST("e40_inside_span_inherits"),
    TU_ECHO(48, "state", "online_movable\n", 0),
    TU_ECHO(50, "state", "online_movable\n", 0),
    TU_CAT(49, "valid_zones", "Movable Normal\n"),
    TU_ECHO(49, "state", "online\n", 0),
    TU_CAT(49, "valid_zones", "Movable\n"),
};

TU_STEPS_TEST(e_steps, e37_default_zone_above_existing)
TU_STEPS_TEST(e_steps, e39_adjacency_does_not_inherit)
TU_STEPS_TEST(e_steps, e40_inside_span_inherits)

/* checklist 38: with movable_node -> Movable Normal; online -> Movable */
static void test_e38_movable_node(void **state)
{
	struct machine *m = tu_boot_q35_plus_1g("movable_node");

	(void)state;
	assert_string_equal(tu_blk(m, 48, "valid_zones"), "Movable Normal\n");
	assert_int_equal(tu_blk_write(m, 48, "state", "online\n"), 0);
	assert_string_equal(tu_blk(m, 48, "valid_zones"), "Movable\n");
	/* online_kernel still gives Normal */
	assert_int_equal(tu_blk_write(m, 50, "state", "online_kernel\n"), 0);
	assert_string_equal(tu_blk(m, 50, "valid_zones"), "Normal\n");
	/* boot blocks keep their zones (QEMU flags no boot RAM hot-pluggable) */
	assert_string_equal(tu_blk(m, 32, "valid_zones"), "Normal\n");
	assert_int_equal(tu_zone(m, 0, ZONE_NORMAL)->present_early_pages, 524288);
	machine_free(m);
}

/* zones-and-policies.md §4.2 table: block 48 Normal, block 55 Normal; now
 * block 50 -> Normal (inside Normal span) -> Normal Movable. */
static void test_e40_inside_normal_span(void **state)
{
	struct machine *m = *state;

	assert_int_equal(tu_blk_write(m, 48, "state", "online_kernel\n"), 0);
	assert_int_equal(tu_blk_write(m, 55, "state", "online_kernel\n"), 0);
	assert_string_equal(tu_blk(m, 50, "valid_zones"), "Normal Movable\n");
	/* Normal now spans 4 GiB .. 7 GiB: 1048576 .. 56 * 32768 = 1835008 */
	assert_int_equal(tu_zone(m, 0, ZONE_NORMAL)->start_pfn, 1048576);
	assert_int_equal(tu_zone(m, 0, ZONE_NORMAL)->spanned_pages, 1835008 - 1048576);
}

/* zones-and-policies.md §4.2 table: both spans intersect -> Normal (or
 * Movable with movable_node). Normal over blocks 32..52, Movable over 50..54:
 * block 51 lies in both. */
static void test_e40_both_intersect(void **state)
{
	struct machine *m = *state;

	assert_int_equal(tu_blk_write(m, 52, "state", "online_kernel\n"), 0); /* Normal 32..52 */
	assert_int_equal(tu_blk_write(m, 50, "state", "online_movable\n"), 0);
	assert_int_equal(tu_blk_write(m, 54, "state", "online_movable\n"), 0); /* Movable 50..54 */
	assert_string_equal(tu_blk(m, 51, "valid_zones"), "Normal Movable\n");
	assert_int_equal(tu_blk_write(m, 51, "state", "online\n"), 0);
	assert_string_equal(tu_blk(m, 51, "valid_zones"), "Normal\n");
}

/* checklist 41: Movable empty; online memory50 movable -> start = 50 * 32768 =
 * 1638400, spanned 32768; then memory48 movable -> start 48 * 32768 = 1572864,
 * spanned = 51 * 32768 - 1572864 = 1671168 - 1572864 = 98304. */
static void test_e41_span_growth(void **state)
{
	struct machine *m = *state;
	const struct zone *mz = tu_zone(m, 0, ZONE_MOVABLE);

	assert_int_equal(mz->spanned_pages, 0);
	MOVABLE_AFTER(m, 50, "online_movable\n", 1638400, 32768, 32768);
	MOVABLE_AFTER(m, 48, "online_movable\n", 1572864, 98304, 65536);
	/* node span grows the same way: [1, 1671168) -> 1671167 pages */
	assert_node0_span(m, 1671167);
}

/* checklist 42: Movable = blocks 48-50 all online; offline memory49 -> start
 * 1572864, spanned 98304 unchanged; present 98304 - 32768 = 65536. */
static void test_e42_interior_offline_keeps_span(void **state)
{
	struct machine *m = *state;
	const struct zone *mz = tu_zone(m, 0, ZONE_MOVABLE);

	tu_blk_write_range(m, 48, 50, "state", "online_movable\n");
	TU_ASSERT_SPAN(mz, 1572864, 98304, 98304);
	MOVABLE_AFTER(m, 49, "offline\n", 1572864, 98304, 65536);
	/* checklist 40: 49 is inside the Movable span -> Movable Normal */
	assert_string_equal(tu_blk(m, 49, "valid_zones"), "Movable Normal\n");
}

/* checklist 43: Movable spans 48-50 with 49 offline; offline memory50 ->
 * start 1572864, spanned 32768 (shrinks to the next online block, 48).
 * checklist 44: then offlining memory48, the only Movable block -> start 0,
 * spanned 0, present 0. */
static void test_e43_e44_edge_offline_shrinks(void **state)
{
	struct machine *m = *state;

	tu_blk_write_range(m, 48, 50, "state", "online_movable\n");
	assert_int_equal(tu_blk_write(m, 49, "state", "offline\n"), 0);
	/* checklist 43 */
	MOVABLE_AFTER(m, 50, "offline\n", 1572864, 32768, 32768);
	/* checklist 44 */
	MOVABLE_AFTER(m, 48, "offline\n", 0, 0, 0);
	/* node span back to the boot span [1, 1572864) = 1572863 pages */
	assert_node0_span(m, 1572863);
}

/* zones-and-policies.md §3.2: offlining the lowest block of a span moves the
 * start up to the next online block: 48, 49, 50 Movable, offline 48 ->
 * start 49 * 32768 = 1605632, spanned 2 * 32768 = 65536. */
static void test_e43_low_edge_offline_shrinks(void **state)
{
	struct machine *m = *state;
	const struct zone *mz = tu_zone(m, 0, ZONE_MOVABLE);

	tu_blk_write_range(m, 48, 50, "state", "online_movable\n");
	assert_int_equal(tu_blk_write(m, 48, "state", "offline\n"), 0);
	assert_int_equal(mz->start_pfn, 1605632);
	assert_int_equal(mz->spanned_pages, 65536);
	/* 48 is outside the span now: default Normal again */
	assert_string_equal(tu_blk(m, 48, "valid_zones"), "Normal Movable\n");
}

/* checklist 45: onlining a hot-added block into Normal: Normal present
 * +32768 (524288 -> 557056), node present +32768 (1048446 -> 1081214),
 * managed +32768, present_early unchanged (524288). Span 524288 -> 557056. */
static void test_e45_counters_on_online(void **state)
{
	struct machine *m = *state;
	const struct zone *nz = tu_zone(m, 0, ZONE_NORMAL);
	const struct node *n = &m->kernel->nodes[0];
	uint64_t managed = nz->managed_pages;

	assert_int_equal(nz->present_pages, 524288);
	assert_int_equal(n->present_pages, 1048446);
	assert_int_equal(tu_blk_write(m, 48, "state", "online\n"), 0);
	assert_int_equal(nz->present_pages, 557056);
	assert_int_equal(n->present_pages, 1081214);
	assert_int_equal(nz->managed_pages, managed + 32768);
	assert_int_equal(nz->present_early_pages, 524288);
	assert_int_equal(nz->start_pfn, 1048576);
	assert_int_equal(nz->spanned_pages, 557056);
	/* and back on offline (checklist 43: edge -> shrinks to block 47) */
	assert_int_equal(tu_blk_write(m, 48, "state", "offline\n"), 0);
	assert_int_equal(nz->present_pages, 524288);
	assert_int_equal(n->present_pages, 1048446);
	assert_int_equal(nz->managed_pages, managed);
	assert_int_equal(nz->spanned_pages, 524288);
}

/* checklist 46: offlining a boot block in Normal (memory40, q35 4 GiB) lowers
 * present and present_early of Normal by 32768 (524288 - 32768 = 491520);
 * re-onlining restores both. memory40 is interior: span unchanged. */
static void test_e46_early_pages(void **state)
{
	struct machine *m = *state;
	const struct zone *nz = tu_zone(m, 0, ZONE_NORMAL);

	assert_int_equal(tu_blk_write(m, 40, "state", "offline\n"), 0);
	assert_int_equal(nz->present_pages, 491520);
	assert_int_equal(nz->present_early_pages, 491520);
	assert_int_equal(m->kernel->nodes[0].present_pages, 1048446 - 32768);
	assert_int_equal(nz->start_pfn, 1048576);
	assert_int_equal(nz->spanned_pages, 524288);
	/* inside the Normal span -> Normal Movable, online -> Normal */
	assert_string_equal(tu_blk(m, 40, "valid_zones"), "Normal Movable\n");
	assert_int_equal(tu_blk_write(m, 40, "state", "online\n"), 0);
	assert_string_equal(tu_blk(m, 40, "valid_zones"), "Normal\n");
	assert_int_equal(nz->present_pages, 524288);
	assert_int_equal(nz->present_early_pages, 524288);
}

/* checklist 46 with the block re-onlined Movable: early pages follow the
 * block's sections, so Movable's present_early grows by 32768. */
static void test_e46_early_pages_movable(void **state)
{
	struct machine *m = *state;
	const struct zone *nz = tu_zone(m, 0, ZONE_NORMAL), *mz = tu_zone(m, 0, ZONE_MOVABLE);

	assert_int_equal(tu_blk_write(m, 40, "state", "offline\n"), 0);
	assert_int_equal(tu_blk_write(m, 40, "state", "online_movable\n"), 0);
	assert_int_equal(nz->present_early_pages, 491520);
	assert_int_equal(mz->present_pages, 32768);
	assert_int_equal(mz->present_early_pages, 32768);
	/* Movable span = block 40: start 40 * 32768 = 1310720 */
	assert_int_equal(mz->start_pfn, 1310720);
	assert_int_equal(mz->spanned_pages, 32768);
}

/* ---- checklist 47: node states ---- */

static void expect_node_states_47(struct machine *m)
{
	const struct node *n1 = &m->kernel->nodes[1];

	assert_false(n1->n_memory);
	assert_string_equal(tu_readf(m, NODE "/possible"), "0-1\n");
	assert_string_equal(tu_readf(m, NODE "/has_memory"), "0\n");
	assert_string_equal(tu_readf(m, NODE "/has_normal_memory"), "0\n");
	/* 1 GiB at 6 GiB on node 1 (blocks 48-55) */
	assert_int_equal(add_memory(m->kernel, 1, 6 * GiB, 1 * GiB, 0), 0);
	assert_int_equal(tu_lookupf(m, MEM "/memory48/node1"), VFS_LINK);
	assert_int_equal(tu_lookupf(m, NODE "/node1/memory48"), VFS_LINK);
	/* first block onlined to Movable: N_MEMORY but not N_NORMAL_MEMORY */
	assert_int_equal(tu_blk_write(m, 48, "state", "online_movable\n"), 0);
	assert_true(n1->n_memory);
	assert_false(n1->n_normal_memory);
	assert_string_equal(tu_readf(m, NODE "/has_memory"), "0-1\n");
	assert_string_equal(tu_readf(m, NODE "/has_normal_memory"), "0\n");
	/* zones-and-policies.md §3.4: node 1 present 32768 */
	assert_int_equal(n1->present_pages, 32768);
	/* offlining that block clears N_MEMORY */
	assert_int_equal(tu_blk_write(m, 48, "state", "offline\n"), 0);
	assert_false(n1->n_memory);
	assert_string_equal(tu_readf(m, NODE "/has_memory"), "0\n");
	/* zones-and-policies.md §3.4: a kernel-zone online sets both states;
	 * offlining the last kernel pages clears both */
	assert_int_equal(tu_blk_write(m, 49, "state", "online_kernel\n"), 0);
	assert_true(n1->n_memory);
	assert_true(n1->n_normal_memory);
	assert_string_equal(tu_readf(m, NODE "/has_memory"), "0-1\n");
	assert_string_equal(tu_readf(m, NODE "/has_normal_memory"), "0-1\n");
	/* a Movable block next to it: offlining the Normal one clears only
	 * N_NORMAL_MEMORY (32768 >= low 32768, but < low + Movable 32768) */
	assert_int_equal(tu_blk_write(m, 52, "state", "online_movable\n"), 0);
	assert_int_equal(tu_blk_write(m, 49, "state", "offline\n"), 0);
	assert_true(n1->n_memory);
	assert_false(n1->n_normal_memory);
	assert_string_equal(tu_readf(m, NODE "/has_normal_memory"), "0\n");
	assert_int_equal(tu_blk_write(m, 52, "state", "offline\n"), 0);
	assert_false(n1->n_memory);
	/* node 0 is never affected */
	assert_true(m->kernel->nodes[0].n_memory);
	assert_true(m->kernel->nodes[0].n_normal_memory);
}

/* checklist 47 on a machine with a memoryless NUMA node: node 0 gets all
 * RAM from a backend, node 1 none (QEMU 7.2 machine types take memdev=). */
static void test_e47_node_states_machine(void **state)
{
	int ret = 0;
	struct machine *m = tu_try_boot("-M q35 -m 4G -object memory-backend-ram,id=r0,size=4G "
					"-numa node,nodeid=0,memdev=r0 -numa node,nodeid=1",
					NULL, MEMHP_KERNEL_6_1, &ret);

	(void)state;
	assert_non_null(m);
	expect_node_states_47(m);
	machine_free(m);
}

/* A plain -smp 2 is one socket of two cores on QEMU 7.2 machine types, and
 * QEMU puts whole sockets on nodes: node 1 gets no CPU and, without
 * memory, stays offline (observed on 6.1 and 6.12: node/online "0",
 * tests/conformance/am-numa-memoryless.scn). A topology that does not
 * divide is refused. */
static void test_smp_sockets_and_nodes(void **state)
{
	int ret = 0;
	struct machine *m = tu_boot("-M pc -m 4G -smp 2 -object memory-backend-ram,id=r0,size=4G "
				    "-numa node,nodeid=0,memdev=r0 -numa node,nodeid=1",
				    NULL, MEMHP_KERNEL_6_12);

	(void)state;
	assert_string_equal(tu_readf(m, NODE "/possible"), "0-1\n");
	assert_string_equal(tu_readf(m, NODE "/online"), "0\n");
	assert_int_equal(m->kernel->nodes[0].nr_cpus, 2);
	machine_free(m);
	assert_null(tu_try_boot("-M pc -m 4G -smp 3,sockets=2", NULL, MEMHP_KERNEL_6_12, &ret));
	assert_int_equal(ret, -EINVAL);
}

/* QEMU research (qemu 7.2): -numa node,mem= is refused on 7.2 machine types. */
static void test_numa_mem_refused(void **state)
{
	int ret = 0;
	struct machine *m = tu_try_boot("-M q35 -m 4G -numa node,nodeid=0,mem=4G", NULL, MEMHP_KERNEL_6_1,
					&ret);

	(void)state;
	assert_null(m);
	assert_int_equal(ret, -EINVAL);
}

/* checklist 47 via kernel_boot: two possible nodes, all RAM (the q35 4 GiB
 * e820 usable ranges) on node 0. */
static void test_e47_node_states_kernel_boot(void **state)
{
	struct firmware_range ram[] = {
		{.start = 0, .end = 0x9fc00, .nid = 0},
		{.start = 0x100000, .end = 0x7ffe0000, .nid = 0},
		{.start = 0x100000000, .end = 0x180000000, .nid = 0},
	};
	struct boot_info bi = tu_boot_info(MEMHP_KERNEL_6_1, true, NULL, ram, 3, 2);
	struct kernel *k = NULL;
	struct machine fake;

	(void)state;
	bi.cpus_per_node[0] = 1; /* node 1: no CPUs, no memory */
	assert_int_equal(kernel_boot(&bi, &k), 0);
	tu_wrap_kernel(&fake, k);
	/* the same zones as the q35 4 GiB machine (qemu-x86-e820.md) */
	assert_int_equal(k->nodes[0].present_pages, 1048446);
	assert_int_equal(k->nodes[0].zones[ZONE_DMA32].present_pages, 520160);
	assert_int_equal(k->nodes[1].present_pages, 0);
	assert_string_equal(tu_readf(&fake, MEM "/block_size_bytes"), "8000000\n");
	expect_node_states_47(&fake);
	kernel_free(k);
}

/* Found by memhp fuzz; movable-tail-shrink.scn has the real kernels' run.
 * pc 1 GiB: boot RAM ends at pfn 262112 (SeaBIOS keeps the top 128 KiB),
 * movablecore=10% puts ZONE_MOVABLE at pfns 235520-262111 (26592 pages).
 * memmap_init() gives the hole pages up to the section end to the highest
 * zone of the last node, and the 2 MiB subsection holding the RAM's end is
 * valid: offlining a hot-added Movable block again shrinks the span down
 * to pfn 262143, 26624 pages (6.1 and 6.12 alike). */
static void test_movable_tail_hole_shrink(void **state)
{
	struct machine *m =
	    tu_boot("-M pc -m 1G,slots=2,maxmem=2G", "movablecore=10%", MEMHP_KERNEL_6_1);
	const struct zone *mz = tu_zone(m, 0, ZONE_MOVABLE);

	(void)state;
	TU_ASSERT_SPAN(mz, 235520, 26592, 26592);
	assert_int_equal(add_memory(m->kernel, 0, 33 * 128 * MiB, 128 * MiB, 0), 0);
	assert_int_equal(tu_blk_write(m, 33, "state", "online_movable\n"), 0);
	TU_ASSERT_SPAN(mz, 235520, 34 * 32768 - 235520, 26592 + 32768);
	assert_int_equal(tu_blk_write(m, 33, "state", "offline\n"), 0);
	TU_ASSERT_SPAN(mz, 235520, 26624, 26592);
	machine_free(m);
}

/* normal-tail-shrink.scn has the real kernels' run. pc 4000M: RAM above
 * 4 GiB ends at 5024 MiB, 32 MiB into block 39, so Normal spans pfns
 * 1048576-1286143 (237568 pages). Only the 2 MiB subsections holding RAM
 * are valid: after block 40 is onlined Normal and offlined again, the
 * shrink scanning down from pfn 1310719 stops at pfn 1286143, and Normal
 * spans 237568 pages again (6.1 and 6.12 alike), not all of block 39. */
static void test_normal_tail_hole_shrink(void **state)
{
	struct machine *m = tu_boot("-M pc -m 4000M,slots=2,maxmem=8G",
				    "memhp_default_state=offline", MEMHP_KERNEL_6_12);
	const struct zone *nz = tu_zone(m, 0, ZONE_NORMAL);

	(void)state;
	TU_ASSERT_SPAN(nz, 1048576, 237568, 237568);
	assert_int_equal(add_memory(m->kernel, 0, 40 * 128 * MiB, 128 * MiB, 0), 0);
	assert_int_equal(tu_blk_write(m, 40, "state", "online_kernel\n"), 0);
	TU_ASSERT_SPAN(nz, 1048576, 41 * 32768 - 1048576, 237568 + 32768);
	assert_int_equal(tu_blk_write(m, 40, "state", "offline\n"), 0);
	TU_ASSERT_SPAN(nz, 1048576, 237568, 237568);
	machine_free(m);
}

#define T(f) cmocka_unit_test_setup_teardown(f, tu_setup_q35_plus_1g, tu_teardown_machine)

int main(void)
{
	const struct CMUnitTest tests[] = {
		T(test_e37_default_zone_above_existing),
		cmocka_unit_test(test_e38_movable_node),
		T(test_e39_adjacency_does_not_inherit),
		T(test_e40_inside_span_inherits),
		T(test_e40_inside_normal_span),
		T(test_e40_both_intersect),
		T(test_e41_span_growth),
		T(test_e42_interior_offline_keeps_span),
		T(test_e43_e44_edge_offline_shrinks),
		T(test_e43_low_edge_offline_shrinks),
		T(test_e45_counters_on_online),
		T(test_e46_early_pages),
		T(test_e46_early_pages_movable),
		cmocka_unit_test(test_e47_node_states_machine),
		cmocka_unit_test(test_numa_mem_refused),
		cmocka_unit_test(test_smp_sockets_and_nodes),
		cmocka_unit_test(test_e47_node_states_kernel_boot),
		cmocka_unit_test(test_movable_tail_hole_shrink),
		cmocka_unit_test(test_normal_tail_hole_shrink),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
