/* The auto-movable online policy (zones-and-policies.md §6, memory-groups.md
 * §8, conformance-checklist.md F 51-60). The first half drives the pure
 * policy function with hand-made statistics; the second half runs the same
 * rules through the machine model (DIMMs over QMP, groups, sysfs).
 *
 * Every expected number is worked out in a comment from the spec's formula:
 *   limit = ratio * kernel_pages / 100            (integer division)
 *   fits  = movable_before + need <= limit
 * with K = 1 048 446 early kernel pages, the value observed on q35 and pc
 * 4 GiB VMs under QEMU 7.2 (spec §6.5), and 32 768 pages per 128 MiB block. */
#include "test_util.h"

#define K_4G	   1048446ULL
#define BLOCK	   32768ULL
#define DIMM_4G	   1048576ULL
#define NO_ZONE	   ((enum zone_type)MAX_NR_ZONES)

/* ------------------------------------------------------------------ */
/* The pure function                                                  */
/* ------------------------------------------------------------------ */

/* A single-node machine whose Normal zone spans 4-6 GiB (q35 4 GiB) and
 * DMA32 16 MiB-2 GiB, with the given statistics. */
struct policy_case {
	struct auto_movable_stats stats[2];
	struct node_zone_spans spans;
	struct memory_group_stats group;
	const struct memory_group_stats *dynamic[4];
	struct auto_movable_input in;
};

static void policy_case_init(struct policy_case *c, uint64_t kernel_early, uint64_t movable)
{
	memset(c, 0, sizeof(*c));
	c->stats[0].kernel_early_pages = kernel_early;
	c->stats[0].movable_pages = movable;
	c->spans.zone[ZONE_DMA].start_pfn = 1;
	c->spans.zone[ZONE_DMA].spanned_pages = 4095;
	c->spans.zone[ZONE_DMA32].start_pfn = 4096;
	c->spans.zone[ZONE_DMA32].spanned_pages = 524288 - 4096;
	c->spans.zone[ZONE_NORMAL].start_pfn = 1048576;
	c->spans.zone[ZONE_NORMAL].spanned_pages = 524288;
	c->in = (struct auto_movable_input){
	    .ratio = 301,
	    .numa_aware = true,
	    .nid = 0,
	    .nr_node_ids = 1,
	    .node_stats = c->stats,
	    .dynamic_groups = c->dynamic,
	    .spans = &c->spans,
	    .start_pfn = PFN_OF_BLOCK(48),
	    .nr_pages = BLOCK,
	};
}

static void use_static_group(struct policy_case *c, uint64_t max_pages, uint64_t kern, uint64_t mov)
{
	c->group = (struct memory_group_stats){.id = 0,
					 .max_pages = max_pages,
					 .present_kernel_pages = kern,
					 .present_movable_pages = mov};
	c->in.group = &c->group;
}

/* A dynamic group of the block's own, registered first. */
static void use_dynamic_group(struct policy_case *c, uint64_t unit, uint64_t kern, uint64_t mov)
{
	c->group = (struct memory_group_stats){.id = 0,
					 .is_dynamic = true,
					 .unit_pages = unit,
					 .present_kernel_pages = kern,
					 .present_movable_pages = mov};
	c->in.group = &c->group;
	c->dynamic[c->in.nr_dynamic_groups++] = &c->group;
}

/* checklist 52, first block of DIMM 3: movable before = 2 DIMMs =
 * 2 097 152; need = 1 048 576; 3 145 728 <= 301 * 1 048 446 / 100 =
 * 315 582 246 / 100 = 3 155 822 -> Movable; the node test is the same. */
static void test_f52_static_dimm3_fits(void **state)
{
	struct policy_case c;
	struct auto_movable_decision d;

	(void)state;
	policy_case_init(&c, K_4G, 2 * DIMM_4G);
	use_static_group(&c, DIMM_4G, 0, 0);
	c.in.start_pfn = PFN_OF_BLOCK(112);
	assert_int_equal(auto_movable_zone_for_pfn(&c.in, &d), ZONE_MOVABLE);
	assert_int_equal(d.reason, AUTO_MOVABLE_FITS);
	assert_int_equal(d.scope, AUTO_MOVABLE_STATIC);
	assert_int_equal(d.need, 1048576);
	assert_int_equal(d.nr_checks, 2);
	assert_int_equal(d.checks[0].nid, NUMA_NO_NODE);
	assert_int_equal(d.checks[0].movable_after, 3145728);
	assert_int_equal(d.checks[0].limit, 3155822);
	assert_int_equal(d.checks[1].nid, 0);
	assert_true(d.checks[1].fits);
}

/* checklist 52, DIMM 4: 3 145 728 + 1 048 576 = 4 194 304 > 3 155 822
 * -> the kernel zone of [pfn(144), +1 048 576): above DMA32 -> Normal. */
static void test_f52_static_dimm4_too_big(void **state)
{
	struct policy_case c;
	struct auto_movable_decision d;

	(void)state;
	policy_case_init(&c, K_4G, 3 * DIMM_4G);
	use_static_group(&c, DIMM_4G, 0, 0);
	c.in.start_pfn = PFN_OF_BLOCK(144);
	assert_int_equal(auto_movable_zone_for_pfn(&c.in, &d), ZONE_NORMAL);
	assert_int_equal(d.reason, AUTO_MOVABLE_EXCEEDS_GLOBAL);
	assert_int_equal(d.nr_checks, 1);
	assert_int_equal(d.checks[0].movable_after, 4194304);
	assert_false(d.checks[0].fits);
	assert_int_equal(d.kernel_start_pfn, PFN_OF_BLOCK(144));
	assert_int_equal(d.kernel_nr_pages, 1048576);
}

/* checklist 53: ratio 300 -> limit 300 * 1 048 446 / 100 = 3 145 338 <
 * 3 145 728, so DIMM 3 no longer fits. */
static void test_f53_ratio_300(void **state)
{
	struct policy_case c;
	struct auto_movable_decision d;

	(void)state;
	policy_case_init(&c, K_4G, 2 * DIMM_4G);
	use_static_group(&c, DIMM_4G, 0, 0);
	c.in.ratio = 300;
	assert_int_equal(auto_movable_zone_for_pfn(&c.in, &d), ZONE_NORMAL);
	assert_int_equal(d.checks[0].limit, 3145338);
	assert_int_equal(d.checks[0].movable_after, 3145728);
}

/* Later blocks of a Movable DIMM: after 5 blocks online = 163 840,
 * movable = 2 097 152 + 163 840 = 2 260 992, need = 1 048 576 - 163 840
 * = 884 736; sum 3 145 728 again -> still Movable. */
static void test_static_later_block_same_sum(void **state)
{
	struct policy_case c;
	struct auto_movable_decision d;

	(void)state;
	policy_case_init(&c, K_4G, 2 * DIMM_4G + 5 * BLOCK);
	use_static_group(&c, DIMM_4G, 0, 5 * BLOCK);
	assert_int_equal(auto_movable_zone_for_pfn(&c.in, &d), ZONE_MOVABLE);
	assert_int_equal(d.online_pages, 163840);
	assert_int_equal(d.need, 884736);
	assert_int_equal(d.checks[0].movable_after, 3145728);
}

/* checklist 55: a static group with any kernel pages -> kernel, without
 * arithmetic, even with no movable memory at all; the fallback looks at
 * the block itself. */
static void test_f55_static_once_kernel_all_kernel(void **state)
{
	struct policy_case c;
	struct auto_movable_decision d;

	(void)state;
	policy_case_init(&c, K_4G, 0);
	use_static_group(&c, DIMM_4G, BLOCK, 0);
	c.in.start_pfn = PFN_OF_BLOCK(150);
	assert_int_equal(auto_movable_zone_for_pfn(&c.in, &d), ZONE_NORMAL);
	assert_int_equal(d.reason, AUTO_MOVABLE_GROUP_HAS_KERNEL);
	assert_int_equal(d.nr_checks, 0);
	assert_int_equal(d.kernel_start_pfn, PFN_OF_BLOCK(150));
	assert_int_equal(d.kernel_nr_pages, BLOCK);
}

/* checklist 51: ratio 0 -> kernel zone, no tests. */
static void test_f51_ratio_zero(void **state)
{
	struct policy_case c;
	struct auto_movable_decision d;

	(void)state;
	policy_case_init(&c, K_4G, 0);
	c.in.ratio = 0;
	assert_int_equal(auto_movable_zone_for_pfn(&c.in, &d), ZONE_NORMAL);
	assert_int_equal(d.reason, AUTO_MOVABLE_RATIO_ZERO);
	assert_int_equal(d.nr_checks, 0);
}

/* Example (b), block 145: the group has 1 kernel block and 96 movable
 * blocks (3 145 728, all of the system's movable memory). kernel pages
 * = 1 048 446 + 32 768 = 1 081 214; limit = 301 * 1 081 214 / 100 =
 * 325 445 414 / 100 = 3 254 454; 3 145 728 + 32 768 = 3 178 496 fits. */
static void test_f54_dynamic_own_kernel_counts(void **state)
{
	struct policy_case c;
	struct auto_movable_decision d;

	(void)state;
	policy_case_init(&c, K_4G, 96 * BLOCK);
	use_dynamic_group(&c, BLOCK, BLOCK, 96 * BLOCK);
	c.in.start_pfn = PFN_OF_BLOCK(145);
	assert_int_equal(auto_movable_zone_for_pfn(&c.in, &d), ZONE_MOVABLE);
	assert_int_equal(d.scope, AUTO_MOVABLE_DYNAMIC_UNIT);
	assert_int_equal(d.need, BLOCK);
	assert_int_equal(d.checks[0].own_kernel_pages, 32768);
	assert_int_equal(d.checks[0].nr_other_groups, 0);
	assert_int_equal(d.checks[0].kernel_pages, 1081214);
	assert_int_equal(d.checks[0].limit, 3254454);
	assert_int_equal(d.checks[0].movable_after, 3178496);
}

/* Example (b), block 148: 99 movable blocks + 1 = 100 * 32 768 =
 * 3 276 800 > 3 254 454 -> Normal. Block 173: 8 kernel blocks, 117
 * movable: limit = 301 * (1 048 446 + 262 144) / 100 = 394 487 590 / 100
 * = 3 944 875 >= 118 * 32 768 = 3 866 624 -> Movable. */
static void test_f54_dynamic_rows_148_173(void **state)
{
	struct policy_case c;
	struct auto_movable_decision d;

	(void)state;
	policy_case_init(&c, K_4G, 99 * BLOCK);
	use_dynamic_group(&c, BLOCK, BLOCK, 99 * BLOCK);
	assert_int_equal(auto_movable_zone_for_pfn(&c.in, &d), ZONE_NORMAL);
	assert_int_equal(d.checks[0].movable_after, 3276800);
	assert_int_equal(d.checks[0].limit, 3254454);

	policy_case_init(&c, K_4G, 117 * BLOCK);
	use_dynamic_group(&c, BLOCK, 8 * BLOCK, 117 * BLOCK);
	assert_int_equal(auto_movable_zone_for_pfn(&c.in, &d), ZONE_MOVABLE);
	assert_int_equal(d.checks[0].limit, 3944875);
	assert_int_equal(d.checks[0].movable_after, 3866624);
}

/* Static groups never get the bonus: the same numbers as block 145 with
 * a static group of one block -> kernel pages stay 1 048 446, limit
 * 3 155 822 < 3 178 496 -> Normal. (A group-less block likewise.) */
static void test_static_and_no_group_get_no_bonus(void **state)
{
	struct policy_case c;
	struct auto_movable_decision d;

	(void)state;
	policy_case_init(&c, K_4G, 96 * BLOCK);
	assert_int_equal(auto_movable_zone_for_pfn(&c.in, &d), ZONE_NORMAL);
	assert_int_equal(d.scope, AUTO_MOVABLE_NO_GROUP);
	assert_int_equal(d.checks[0].kernel_pages, 1048446);
	assert_int_equal(d.checks[0].limit, 3155822);
	assert_int_equal(d.checks[0].movable_after, 3178496);
}

/* checklist 60: another dynamic group B with 32 768 movable, 0 kernel
 * pages. Its shortfall 32 768 * 100 / 301 = 3 276 800 / 301 = 10 886
 * (301 * 10 886 = 3 276 686) is charged to the early kernel pages:
 * 1 048 446 - 10 886 = 1 037 560; its movable pages leave the movable
 * side: 32 768 - 32 768 = 0. limit = 301 * 1 037 560 / 100 = 3 123 055. */
static void test_f60_other_group_shortfall(void **state)
{
	struct memory_group_stats b = {
	    .id = 1, .is_dynamic = true, .unit_pages = BLOCK, .present_movable_pages = BLOCK};
	struct policy_case c;
	struct auto_movable_ratio_check chk;

	(void)state;
	policy_case_init(&c, K_4G, BLOCK);
	use_dynamic_group(&c, BLOCK, 0, 0);
	c.dynamic[c.in.nr_dynamic_groups++] = &b;
	assert_true(auto_movable_can_online_movable(&c.in, NUMA_NO_NODE, BLOCK, &chk));
	assert_int_equal(chk.nr_other_groups, 1);
	assert_int_equal(chk.other_groups_shortfall, 10886);
	assert_int_equal(chk.other_groups_movable, 32768);
	assert_int_equal(chk.kernel_pages, 1037560);
	assert_int_equal(chk.movable_before, 0);
	assert_int_equal(chk.limit, 3123055);

	/* B carrying itself (20 000 kernel pages >= 10 886): no shortfall,
	 * but its movable pages still leave the balance. */
	b.present_kernel_pages = 20000;
	assert_true(auto_movable_can_online_movable(&c.in, NUMA_NO_NODE, BLOCK, &chk));
	assert_int_equal(chk.other_groups_shortfall, 0);
	assert_int_equal(chk.kernel_pages, 1048446);
	assert_int_equal(chk.movable_before, 0);
}

/* A shortfall as large as the early kernel pages fails outright: with
 * K = 10 000 and B short of 10 886 pages, 10 000 <= 10 886. */
static void test_shortfall_exhausts_kernel(void **state)
{
	struct memory_group_stats b = {
	    .id = 1, .is_dynamic = true, .unit_pages = BLOCK, .present_movable_pages = BLOCK};
	struct policy_case c;
	struct auto_movable_ratio_check chk;

	(void)state;
	policy_case_init(&c, 10000, BLOCK);
	c.dynamic[c.in.nr_dynamic_groups++] = &b;
	assert_false(auto_movable_can_online_movable(&c.in, NUMA_NO_NODE, 1, &chk));
	assert_true(chk.shortfall_exhausts_kernel);
	assert_int_equal(chk.other_groups_shortfall, 10886);
}

/* The kernel reads the ratio as a signed int when weighing other groups:
 * 4 294 967 295 becomes -1, i.e. a divisor of 2^64 - 1, so B's shortfall
 * is 3 276 800 / (2^64 - 1) - 100 < 0 -> 0. */
static void test_ratio_above_int_max(void **state)
{
	struct memory_group_stats b = {.id = 1,
				 .is_dynamic = true,
				 .unit_pages = BLOCK,
				 .present_kernel_pages = 100,
				 .present_movable_pages = BLOCK};
	struct policy_case c;
	struct auto_movable_ratio_check chk;

	(void)state;
	policy_case_init(&c, K_4G, BLOCK);
	c.in.ratio = 4294967295u;
	c.dynamic[c.in.nr_dynamic_groups++] = &b;
	assert_true(auto_movable_can_online_movable(&c.in, NUMA_NO_NODE, BLOCK, &chk));
	assert_int_equal(chk.other_groups_shortfall, 0);
	assert_int_equal(chk.other_groups_movable, 32768);
}

/* checklist 58: node 1 has no early memory. A 1 GiB DIMM on node 1:
 * globally 262 144 <= 3 155 822, but node 1's kernel_early 0 <= shortfall
 * 0 fails the node test -> Normal of node 1. Without NUMA awareness only
 * the global test counts -> Movable. */
static void test_f58_numa_aware(void **state)
{
	struct policy_case c;
	struct auto_movable_decision d;

	(void)state;
	policy_case_init(&c, K_4G, 0);
	c.in.nr_node_ids = 2;
	c.in.nid = 1;
	use_static_group(&c, 262144, 0, 0);
	c.group.nid = 1;
	assert_int_equal(auto_movable_zone_for_pfn(&c.in, &d), ZONE_NORMAL);
	assert_int_equal(d.reason, AUTO_MOVABLE_EXCEEDS_NODE);
	assert_int_equal(d.nr_checks, 2);
	assert_true(d.checks[0].fits);
	assert_int_equal(d.checks[1].nid, 1);
	assert_true(d.checks[1].shortfall_exhausts_kernel);

	c.in.numa_aware = false;
	assert_int_equal(auto_movable_zone_for_pfn(&c.in, &d), ZONE_MOVABLE);
	assert_int_equal(d.nr_checks, 1);
}

/* Per-node statistics: node 0 K0 = 524 288 with 1 048 576 movable, node
 * 1 K1 = 524 288 with nothing movable. A 4 GiB DIMM on node 0: globally
 * 1 048 576 + 1 048 576 = 2 097 152 <= 301 * 1 048 576 / 100 = 3 156 213;
 * node 0 limit 301 * 524 288 / 100 = 1 578 106 < 2 097 152 -> Normal. */
static void test_numa_per_node_limit(void **state)
{
	struct policy_case c;
	struct auto_movable_decision d;

	(void)state;
	policy_case_init(&c, 524288, DIMM_4G);
	c.stats[1].kernel_early_pages = 524288;
	c.in.nr_node_ids = 2;
	use_static_group(&c, DIMM_4G, 0, 0);
	assert_int_equal(auto_movable_zone_for_pfn(&c.in, &d), ZONE_NORMAL);
	assert_int_equal(d.checks[0].limit, 3156213);
	assert_true(d.checks[0].fits);
	assert_int_equal(d.checks[1].limit, 1578106);
	assert_int_equal(d.checks[1].movable_after, 2097152);
	assert_int_equal(d.reason, AUTO_MOVABLE_EXCEEDS_NODE);
}

/* Other nodes' dynamic groups are not weighed in a node test. */
static void test_numa_groups_of_other_nodes_skipped(void **state)
{
	struct memory_group_stats b = {.id = 1,
				 .nid = 1,
				 .is_dynamic = true,
				 .unit_pages = BLOCK,
				 .present_movable_pages = BLOCK};
	struct policy_case c;
	struct auto_movable_ratio_check chk;

	(void)state;
	policy_case_init(&c, K_4G, 0);
	c.in.nr_node_ids = 2;
	c.stats[1].movable_pages = BLOCK;
	c.dynamic[c.in.nr_dynamic_groups++] = &b;
	auto_movable_can_online_movable(&c.in, 0, BLOCK, &chk);
	assert_int_equal(chk.nr_other_groups, 0);
	auto_movable_can_online_movable(&c.in, NUMA_NO_NODE, BLOCK, &chk);
	assert_int_equal(chk.nr_other_groups, 1);
}

/* checklist 57: a Normal zone of 1 000 000 early pages with 65 536 CMA
 * pages gives kernel_early 934 464 and movable 65 536; a Movable zone of
 * 32 768 adds to movable (98 304); hot-added Normal pages (present 2 000
 * 000, early 1 000 000) count only as their early part; an unpopulated
 * zone counts nowhere. */
static void test_f57_cma_and_zone_accounting(void **state)
{
	struct auto_movable_stats s = {0};

	(void)state;
	auto_movable_stats_account_zone(&s, ZONE_NORMAL, 1000000, 1000000, 65536);
	assert_int_equal(s.kernel_early_pages, 934464);
	assert_int_equal(s.movable_pages, 65536);
	auto_movable_stats_account_zone(&s, ZONE_MOVABLE, 32768, 0, 0);
	assert_int_equal(s.movable_pages, 98304);
	s = (struct auto_movable_stats){0};
	auto_movable_stats_account_zone(&s, ZONE_NORMAL, 2000000, 1000000, 0);
	assert_int_equal(s.kernel_early_pages, 1000000);
	auto_movable_stats_account_zone(&s, ZONE_DMA32, 0, 5, 0);
	assert_int_equal(s.kernel_early_pages, 1000000);
}

/* Unit larger than a block (virtio-mem big blocks): unit 131 072 pages
 * = blocks 144-147. Two of them online Movable -> need = 131 072 - 65 536
 * = 65 536 for block 146; one online in Normal -> kernel at once, the
 * fallback looking at that section's PFN. */
static void test_dynamic_unit_larger_than_block(void **state)
{
	struct policy_case c;
	struct auto_movable_decision d;

	(void)state;
	policy_case_init(&c, K_4G, 2 * BLOCK);
	use_dynamic_group(&c, 4 * BLOCK, 0, 2 * BLOCK);
	c.in.start_pfn = PFN_OF_BLOCK(146);
	c.in.unit.movable_online_pages = 2 * BLOCK;
	assert_int_equal(auto_movable_zone_for_pfn(&c.in, &d), ZONE_MOVABLE);
	assert_int_equal(d.max_pages, 131072);
	assert_int_equal(d.online_pages, 65536);
	assert_int_equal(d.need, 65536);

	c.in.unit =
	    (struct auto_movable_unit){.has_kernel = true, .first_kernel_pfn = PFN_OF_BLOCK(145)};
	assert_int_equal(auto_movable_zone_for_pfn(&c.in, &d), ZONE_NORMAL);
	assert_int_equal(d.reason, AUTO_MOVABLE_UNIT_HAS_KERNEL);
	assert_int_equal(d.kernel_start_pfn, PFN_OF_BLOCK(145));
	assert_int_equal(d.kernel_nr_pages, BLOCK);
}

/* The fallback quirk (spec §6.4): block 30 (pfn 983 040) lies in DMA32
 * (which here spans to pfn 1 048 576). Alone, a failed ratio test looks
 * at [983 040, +32 768) -> DMA32. In a dynamic group with a 2-block unit
 * [983 040, 1 048 576), the kernel looks at [unit end 1 048 576, +need
 * 65 536) instead, which misses DMA32 -> Normal. */
static void test_kernel_fallback_range_quirk(void **state)
{
	struct policy_case c;
	struct auto_movable_decision d;

	(void)state;
	policy_case_init(&c, 1000, 0);
	c.spans.zone[ZONE_DMA32].spanned_pages = 1048576 - 4096;
	c.in.start_pfn = PFN_OF_BLOCK(30);
	assert_int_equal(auto_movable_zone_for_pfn(&c.in, &d), ZONE_DMA32);
	assert_int_equal(d.kernel_start_pfn, 983040);

	use_dynamic_group(&c, 2 * BLOCK, 0, 0);
	assert_int_equal(auto_movable_zone_for_pfn(&c.in, &d), ZONE_NORMAL);
	assert_int_equal(d.kernel_start_pfn, 1048576);
	assert_int_equal(d.kernel_nr_pages, 65536);
}

/* ------------------------------------------------------------------ */
/* Through the machine model                                          */
/* ------------------------------------------------------------------ */

static void add_dimm(struct machine *m, int n, uint64_t size, int node)
{
	char mem_id[16], dev_id[16];

	snprintf(mem_id, sizeof(mem_id), "mem%d", n);
	snprintf(dev_id, sizeof(dev_id), "dimm%d", n);
	tu_plug_dimm(m, mem_id, dev_id, size, node);
	machine_run_pending(m);
}

static void del_dimm(struct machine *m, int n)
{
	char dev_id[16];

	snprintf(dev_id, sizeof(dev_id), "dimm%d", n);
	tu_unplug_dimm(m, dev_id);
	machine_run_pending(m);
}

/* The zone of an online block, NO_ZONE if offline or missing. */
static enum zone_type block_zone(const struct machine *m, uint64_t id)
{
	const struct memory_block *b = find_memory_block(m->kernel, id);

	return b && b->state == MEM_ONLINE && b->zone ? b->zone->type : NO_ZONE;
}

static void assert_blocks_in(const struct machine *m, uint64_t first, uint64_t last,
			     enum zone_type z)
{
	for (uint64_t id = first; id <= last; id++)
		if (block_zone(m, id) != z)
			fail_msg("memory%llu: zone %s, expected %s", (unsigned long long)id,
				 zone_name(block_zone(m, id)), zone_name(z));
}

static uint64_t kernel_early_pages(const struct machine *m)
{
	struct auto_movable_stats s = {0};

	for (int n = 0; n < m->kernel->nr_node_ids; n++)
		for (int t = 0; t < MAX_NR_ZONES; t++) {
			const struct zone *z = &m->kernel->nodes[n].zones[t];

			auto_movable_stats_account_zone(&s, z->type, z->present_pages,
							z->present_early_pages, z->cma_pages);
		}
	return s.kernel_early_pages;
}

#define AUTO_MOVABLE "memhp_default_state=online memory_hotplug.online_policy=auto-movable"

/* checklist 52 / spec §6.5 on q35: DIMMs at blocks 48 + 32(d-1); 1-3
 * Movable, 4-6 Normal. The model's boot memory gives the observed K. */
static void test_f52_q35_six_dimms(void **state)
{
	struct machine *m = tu_boot("-M q35 -m 4G,slots=6,maxmem=28G", AUTO_MOVABLE, MEMHP_KERNEL_6_12);

	(void)state;
	assert_int_equal(kernel_early_pages(m), K_4G);
	for (int d = 1; d <= 6; d++)
		add_dimm(m, d, 4 * GiB, -1);
	assert_blocks_in(m, 48, 143, ZONE_MOVABLE);
	assert_blocks_in(m, 144, 239, ZONE_NORMAL);
	machine_free(m);
}

/* The same on pc: device memory from 5 GiB, blocks shifted by -8. */
static void test_f52_pc_six_dimms(void **state)
{
	struct machine *m = tu_boot("-M pc -m 4G,slots=6,maxmem=28G", AUTO_MOVABLE, MEMHP_KERNEL_6_1);

	(void)state;
	assert_int_equal(kernel_early_pages(m), K_4G);
	for (int d = 1; d <= 6; d++)
		add_dimm(m, d, 4 * GiB, -1);
	assert_blocks_in(m, 40, 135, ZONE_MOVABLE);
	assert_blocks_in(m, 136, 231, ZONE_NORMAL);
	machine_free(m);
}

/* checklist 53 with the ratio written at run time through sysfs. */
static void test_f53_ratio_300_machine(void **state)
{
	struct machine *m = tu_boot("-M q35 -m 4G,slots=3,maxmem=16G", AUTO_MOVABLE, MEMHP_KERNEL_6_12);

	(void)state;
	assert_int_equal(
	    vfs_write(TU_VFS(m), "/sys/module/memory_hotplug/parameters/auto_movable_ratio", "300\n"), 0);
	for (int d = 1; d <= 3; d++)
		add_dimm(m, d, 4 * GiB, -1);
	assert_blocks_in(m, 48, 111, ZONE_MOVABLE);
	assert_blocks_in(m, 112, 143, ZONE_NORMAL);
	machine_free(m);
}

/* checklist 55: after DIMM 1 (Movable) is ejected, DIMM 4 (Normal) stays
 * Normal block by block: offlining block 150 and onlining it with
 * `online` finds its group with 31 kernel blocks -> Normal. A new 4 GiB
 * DIMM fits again (2 DIMMs + 1 048 576 = 3 145 728 <= 3 155 822): it
 * lands in the freed slot's address range, blocks 48-79, Movable. */
static void test_f55_once_kernel_after_removal(void **state)
{
	struct machine *m = tu_boot("-M q35 -m 4G,slots=6,maxmem=28G", AUTO_MOVABLE, MEMHP_KERNEL_6_12);

	(void)state;
	for (int d = 1; d <= 4; d++)
		add_dimm(m, d, 4 * GiB, -1);
	del_dimm(m, 1);
	assert_false(tu_block_exists(m, 48));
	assert_int_equal(tu_blk_write(m, 150, "state", "offline"), 0);
	assert_string_equal(tu_blk(m, 150, "valid_zones"), "Normal Movable\n");
	assert_int_equal(tu_blk_write(m, 150, "state", "online"), 0);
	assert_int_equal(block_zone(m, 150), ZONE_NORMAL);
	add_dimm(m, 7, 4 * GiB, -1);
	assert_blocks_in(m, 48, 79, ZONE_MOVABLE);
	machine_free(m);
}

/* checklist 56: 90 blocks (2 949 120 pages) Movable. A 1 GiB DIMM needs
 * 2 949 120 + 262 144 = 3 211 264 > 3 155 822 -> all 8 blocks Normal.
 * The same 1 GiB without a group, block by block: blocks 1-6 fit
 * (2 949 120 + 6 * 32 768 = 3 145 728), block 7 does not (3 178 496). */
static void test_f56_static_group_judged_whole(void **state)
{
	struct machine *m = tu_boot("-M q35 -m 4G,slots=2,maxmem=32G",
				    "memhp_default_state=online_movable", MEMHP_KERNEL_6_12);
	struct kernel *k = m->kernel;
	int mgid;

	(void)state;
	assert_int_equal(add_memory(k, 0, 6 * GiB, 90 * 128 * MiB, 0), 0);
	assert_int_equal(vfs_write(TU_VFS(m), MEM "/auto_online_blocks", "online"), 0);
	assert_int_equal(kernel_param_set(k, "online_policy", "auto-movable"), 0);

	mgid = memory_group_register_static(&k->groups, k->nodes, 0, 262144);
	assert_true(mgid >= 0);
	assert_int_equal(add_memory(k, mgid, 20 * GiB, 1 * GiB, MHP_NID_IS_MGID), 0);
	assert_blocks_in(m, 160, 167, ZONE_NORMAL);

	assert_int_equal(add_memory(k, 0, 24 * GiB, 1 * GiB, 0), 0);
	assert_blocks_in(m, 192, 197, ZONE_MOVABLE);
	assert_blocks_in(m, 198, 199, ZONE_NORMAL);
	machine_free(m);
}

/* Example (b) with a dynamic group of unit = block, one add per block in
 * ascending order (what virtio-mem's SBM does): 48-143 Movable, then
 * every fourth block Normal: 144, 148, ..., 172; 173-175 Movable. */
static void test_f54_dynamic_group_pattern(void **state)
{
	struct machine *m = tu_boot("-M q35 -m 4G,maxmem=32G", AUTO_MOVABLE, MEMHP_KERNEL_6_12);
	struct kernel *k = m->kernel;
	int mgid = memory_group_register_dynamic(&k->groups, k->nodes, 0, BLOCK, BLOCK);

	(void)state;
	assert_true(mgid >= 0);
	for (uint64_t id = 48; id <= 175; id++)
		assert_int_equal(add_memory(k, mgid, id * 128 * MiB, 128 * MiB, MHP_NID_IS_MGID),
				 0);
	assert_blocks_in(m, 48, 143, ZONE_MOVABLE);
	for (uint64_t id = 144; id <= 175; id++)
		assert_int_equal(block_zone(m, id), (id - 144) % 4 ? ZONE_MOVABLE : ZONE_NORMAL);
	assert_int_equal(memory_group_find_by_id(&k->groups, mgid)->stats.present_kernel_pages,
			 8 * BLOCK);
	assert_int_equal(memory_group_find_by_id(&k->groups, mgid)->stats.present_movable_pages,
			 120 * BLOCK);
	machine_free(m);
}

/* checklist 59: valid_zones follows the policy. Offline DIMM of 4 GiB:
 * fits -> "Movable Normal". Once three DIMMs are Movable, a fourth
 * offline one no longer fits -> "Normal Movable". */
static void test_f59_valid_zones_follow_policy(void **state)
{
	struct machine *m = tu_boot(
	    "-M q35 -m 4G,slots=4,maxmem=28G",
	    "memhp_default_state=offline memory_hotplug.online_policy=auto-movable", MEMHP_KERNEL_6_12);

	(void)state;
	add_dimm(m, 1, 4 * GiB, -1);
	assert_string_equal(tu_blk(m, 48, "valid_zones"), "Movable Normal\n");
	assert_string_equal(tu_blk(m, 79, "valid_zones"), "Movable Normal\n");
	tu_blk_write_range(m, 48, 79, "state", "online");
	assert_blocks_in(m, 48, 79, ZONE_MOVABLE);
	assert_int_equal(vfs_write(TU_VFS(m), MEM "/auto_online_blocks", "online"), 0);
	add_dimm(m, 2, 4 * GiB, -1);
	add_dimm(m, 3, 4 * GiB, -1);
	assert_int_equal(vfs_write(TU_VFS(m), MEM "/auto_online_blocks", "offline"), 0);
	add_dimm(m, 4, 4 * GiB, -1);
	assert_string_equal(tu_blk(m, 144, "valid_zones"), "Normal Movable\n");
	machine_free(m);
}

/* A static group whose first block was onlined online_kernel: the rest
 * follows to Normal although the ratio would allow Movable. */
static void test_static_first_block_kernel(void **state)
{
	struct machine *m = tu_boot(
	    "-M q35 -m 4G,slots=1,maxmem=8G",
	    "memhp_default_state=offline memory_hotplug.online_policy=auto-movable", MEMHP_KERNEL_6_12);

	(void)state;
	add_dimm(m, 1, 1 * GiB, -1);
	assert_int_equal(tu_blk_write(m, 48, "state", "online_kernel"), 0);
	assert_string_equal(tu_blk(m, 49, "valid_zones"), "Normal Movable\n");
	tu_blk_write_range(m, 49, 55, "state", "online");
	assert_blocks_in(m, 48, 55, ZONE_NORMAL);
	machine_free(m);
}

/* Spec §6.2: boot memory offlined counts nowhere; onlined again with
 * `online` it is judged like a group-less block. q35 4 GiB with 11 GiB
 * (2 883 584 pages) of DIMMs Movable. Offline boot block 45: K = 1 048 446
 * - 32 768 = 1 015 678, limit 301 * 1 015 678 / 100 = 3 057 190. An
 * offline 1 GiB DIMM now needs 2 883 584 + 262 144 = 3 145 728 > limit ->
 * "Normal Movable". Re-online block 45 with `online`: 2 883 584 + 32 768
 * = 2 916 352 <= 3 057 190 -> Movable, and it stays out of K. */
static void test_boot_block_reonline_goes_movable(void **state)
{
	struct machine *m = tu_boot("-M q35 -m 4G,slots=5,maxmem=32G", AUTO_MOVABLE, MEMHP_KERNEL_6_12);

	(void)state;
	add_dimm(m, 1, 4 * GiB, -1);
	add_dimm(m, 2, 4 * GiB, -1);
	add_dimm(m, 3, 2 * GiB, -1);
	add_dimm(m, 4, 1 * GiB, -1);
	assert_blocks_in(m, 48, 135, ZONE_MOVABLE);
	assert_int_equal(vfs_write(TU_VFS(m), MEM "/auto_online_blocks", "offline"), 0);
	add_dimm(m, 5, 1 * GiB, -1);
	/* 2 883 584 + 262 144 = 3 145 728 <= 3 155 822: fits while 45 is online */
	assert_string_equal(tu_blk(m, 136, "valid_zones"), "Movable Normal\n");
	assert_int_equal(tu_blk_write(m, 45, "state", "offline"), 0);
	assert_int_equal(kernel_early_pages(m), 1015678);
	assert_string_equal(tu_blk(m, 136, "valid_zones"), "Normal Movable\n");
	assert_int_equal(tu_blk_write(m, 45, "state", "online"), 0);
	assert_int_equal(block_zone(m, 45), ZONE_MOVABLE);
	assert_int_equal(kernel_early_pages(m), 1015678);
	assert_string_equal(tu_blk(m, 136, "valid_zones"), "Normal Movable\n");
	machine_free(m);
}

/* Groups are registered, found and kept in the dynamic list in id order
 * (memory-groups.md §3, §6): the policy walks exactly the dynamic ones. */
static void test_dynamic_group_list(void **state)
{
	struct machine *m = tu_boot("-M q35 -m 4G", NULL, MEMHP_KERNEL_6_12);
	struct memory_group_registry *r = &m->kernel->groups;
	int a, b, c;

	(void)state;
	a = memory_group_register_dynamic(r, m->kernel->nodes, 0, BLOCK, BLOCK);
	b = memory_group_register_static(r, m->kernel->nodes, 0, BLOCK);
	c = memory_group_register_dynamic(r, m->kernel->nodes, 0, 2 * BLOCK, BLOCK);
	assert_int_equal(a, 0);
	assert_int_equal(b, 1);
	assert_int_equal(c, 2);
	assert_int_equal(r->nr_dynamic, 2);
	assert_int_equal(r->dynamic[0]->id, 0);
	assert_int_equal(r->dynamic[1]->id, 2);
	assert_int_equal(memory_group_unregister(r, 0), 0);
	assert_int_equal(r->nr_dynamic, 1);
	/* lowest free id again, and the list stays sorted */
	assert_int_equal(memory_group_register_dynamic(r, m->kernel->nodes, 0, BLOCK, BLOCK), 0);
	assert_int_equal(r->dynamic[0]->id, 0);
	assert_int_equal(r->dynamic[1]->id, 2);
	machine_free(m);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_f52_static_dimm3_fits),
	    cmocka_unit_test(test_f52_static_dimm4_too_big),
	    cmocka_unit_test(test_f53_ratio_300),
	    cmocka_unit_test(test_static_later_block_same_sum),
	    cmocka_unit_test(test_f55_static_once_kernel_all_kernel),
	    cmocka_unit_test(test_f51_ratio_zero),
	    cmocka_unit_test(test_f54_dynamic_own_kernel_counts),
	    cmocka_unit_test(test_f54_dynamic_rows_148_173),
	    cmocka_unit_test(test_static_and_no_group_get_no_bonus),
	    cmocka_unit_test(test_f60_other_group_shortfall),
	    cmocka_unit_test(test_shortfall_exhausts_kernel),
	    cmocka_unit_test(test_ratio_above_int_max),
	    cmocka_unit_test(test_f58_numa_aware),
	    cmocka_unit_test(test_numa_per_node_limit),
	    cmocka_unit_test(test_numa_groups_of_other_nodes_skipped),
	    cmocka_unit_test(test_f57_cma_and_zone_accounting),
	    cmocka_unit_test(test_dynamic_unit_larger_than_block),
	    cmocka_unit_test(test_kernel_fallback_range_quirk),
	    cmocka_unit_test(test_f52_q35_six_dimms),
	    cmocka_unit_test(test_f52_pc_six_dimms),
	    cmocka_unit_test(test_f53_ratio_300_machine),
	    cmocka_unit_test(test_f55_once_kernel_after_removal),
	    cmocka_unit_test(test_f56_static_group_judged_whole),
	    cmocka_unit_test(test_f54_dynamic_group_pattern),
	    cmocka_unit_test(test_f59_valid_zones_follow_policy),
	    cmocka_unit_test(test_static_first_block_kernel),
	    cmocka_unit_test(test_boot_block_reonline_goes_movable),
	    cmocka_unit_test(test_dynamic_group_list),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
