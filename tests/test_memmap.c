/* memmap on memory (memmap-on-memory.md; conformance-checklist.md G, items
 * 61-69): vmemmap pages of hot-added blocks, the support test of 6.1 and
 * 6.12, removal granularity, notifier ranges and the accounting.
 *
 * The machine is the checklist's q35 with 4 GiB: 128 MiB blocks (B = 32768
 * pages), hot-plugged DIMMs start at 6 GiB = block 48, pfn(48) = 1572864.
 * x86_64: 64-byte struct page, 2 MiB PMD, pageblock 512 pages, so a 128 MiB
 * block's memmap is 32768 * 64 B = 2 MiB = 512 pages (spec §4 table). */
#include "test_util.h"

#include "memmap_on_memory.h"

#define Q35_ARGS     "-M q35 -m 4G,slots=4,maxmem=16G"
#define DIMM_BLOCK   48ULL
#define DIMM_PFN     1572864ULL /* 48 * 32768 */
#define DIMM_ADDR    (6 * GiB)
#define BLOCK_PAGES  32768ULL /* 128 MiB / 4 KiB */
#define VMEMMAP_128M 512ULL   /* 2 MiB memmap / 4 KiB */

static void add_dimm(struct machine *m, const char *mem_id, const char *dev_id, uint64_t size)
{
	tu_plug_dimm(m, mem_id, dev_id, size, -1);
	machine_run_pending(m);
}

static void del_dimm(struct machine *m, const char *dev_id)
{
	tu_unplug_dimm(m, dev_id);
	machine_run_pending(m);
}

/* MemTotal of /proc/meminfo in kB. */
static uint64_t memtotal_kb(const struct machine *m)
{
	const char *s = tu_readf(m, "/proc/meminfo");
	unsigned long long kb;

	if (sscanf(s, "MemTotal: %llu kB", &kb) != 1)
		fail_msg("/proc/meminfo: '%s'", s);
	return kb;
}

static uint64_t vmemmap_of(const struct machine *m, uint64_t id)
{
	const struct memory_block *b = find_memory_block(m->kernel, id);

	assert_non_null(b);
	return b->nr_vmemmap_pages;
}

static struct machine *boot(const char *cmdline, enum memhp_kernel v)
{
	return tu_boot(Q35_ARGS, cmdline, v);
}

/* ------------------------------------------------------------------ */
/* The pure rules (spec §4)                                           */
/* ------------------------------------------------------------------ */

/* The spec's x86_64 table: enabled 6.12, v = block memmap / 4 KiB, and the
 * test passes for every listed block size. */
static void test_rules_x86_table(void **state)
{
	static const struct {
		uint64_t block_size, v;
	} rows[] = {
	    {128 * MiB, 512},  /* 32768 * 64 B = 2 MiB */
	    {256 * MiB, 1024}, /* 65536 * 64 B = 4 MiB */
	    {1 * GiB, 4096},   /* 262144 * 64 B = 16 MiB */
	    {2 * GiB, 8192},   /* 524288 * 64 B = 32 MiB */
	};

	(void)state;
	for (size_t i = 0; i < sizeof(rows) / sizeof(rows[0]); i++) {
		struct memmap_geometry g = {rows[i].block_size, 512, 64};

		assert_int_equal(memory_block_memmap_size(&g), rows[i].v * 4096);
		assert_int_equal(
		    memory_block_memmap_on_memory_pages(&g, MEMMAP_ON_MEMORY_ENABLE, MEMHP_KERNEL_6_12),
		    rows[i].v);
		assert_true(mhp_supports_memmap_on_memory_6_12(&g, MEMMAP_ON_MEMORY_ENABLE));
		/* disabled: never */
		assert_false(mhp_supports_memmap_on_memory_6_12(&g, MEMMAP_ON_MEMORY_DISABLE));
		/* 6.1: a one-block add passes (memmap whole PMDs, rest a multiple
		 * of 2 MiB), a two-block add never does */
		assert_true(mhp_supports_memmap_on_memory_6_1(&g, MEMMAP_ON_MEMORY_ENABLE,
							      rows[i].block_size));
		assert_int_equal(
		    memory_block_memmap_on_memory_pages(&g, MEMMAP_ON_MEMORY_ENABLE, MEMHP_KERNEL_6_1),
		    rows[i].v);
		assert_false(mhp_supports_memmap_on_memory_6_1(&g, MEMMAP_ON_MEMORY_ENABLE,
							       2 * rows[i].block_size));
		assert_false(mhp_supports_memmap_on_memory_6_1(&g, MEMMAP_ON_MEMORY_DISABLE,
							       rows[i].block_size));
	}
}

/* checklist 65 (the rule): pageblock 1024 pages (4 MiB), 128 MiB block.
 * enabled: v = 512, 512 % 1024 != 0 -> unsupported; force: v rounded up to
 * 1024, memmap still 2 MiB (PMD aligned) -> supported; 6.1: remaining
 * 126 MiB is not a multiple of 4 MiB -> unsupported. */
static void test_rules_force_4m_pageblock(void **state)
{
	struct memmap_geometry g = {128 * MiB, 1024, 64};

	(void)state;
	assert_int_equal(
	    memory_block_memmap_on_memory_pages(&g, MEMMAP_ON_MEMORY_ENABLE, MEMHP_KERNEL_6_12), 512);
	assert_false(mhp_supports_memmap_on_memory_6_12(&g, MEMMAP_ON_MEMORY_ENABLE));
	assert_int_equal(
	    memory_block_memmap_on_memory_pages(&g, MEMMAP_ON_MEMORY_FORCE, MEMHP_KERNEL_6_12), 1024);
	assert_true(mhp_supports_memmap_on_memory_6_12(&g, MEMMAP_ON_MEMORY_FORCE));
	assert_false(mhp_supports_memmap_on_memory_6_1(&g, MEMMAP_ON_MEMORY_ENABLE, 128 * MiB));
	/* force with 2 MiB pageblocks wastes nothing: 512 is already aligned */
	g.pageblock_pages = 512;
	assert_int_equal(
	    memory_block_memmap_on_memory_pages(&g, MEMMAP_ON_MEMORY_FORCE, MEMHP_KERNEL_6_12), 512);
	assert_true(mhp_supports_memmap_on_memory_6_12(&g, MEMMAP_ON_MEMORY_FORCE));
}

/* 6.12's other conditions: the memmap must be whole pages, whole PMDs, and
 * must not fill the entire block. */
static void test_rules_6_12_edges(void **state)
{
	/* 64 MiB block: memmap 16384 * 64 B = 1 MiB, v = 256 pages: 256 is
	 * not a multiple of 512 -> unsupported */
	struct memmap_geometry small = {64 * MiB, 512, 64};
	/* 128 MiB block with a 56-byte struct page: memmap 32768 * 56 B =
	 * 1835008 B = 448 pages exactly (page aligned), force rounds to 512
	 * (pageblock aligned) but 1.75 MiB is not PMD aligned -> unsupported */
	struct memmap_geometry odd = {128 * MiB, 512, 56};
	/* 128 MiB block with pageblocks of a whole block (32768 pages): force
	 * rounds v up to 32768 = B -> nothing left to online -> unsupported */
	struct memmap_geometry whole = {128 * MiB, 32768, 64};

	(void)state;
	assert_false(mhp_supports_memmap_on_memory_6_12(&small, MEMMAP_ON_MEMORY_ENABLE));
	assert_int_equal(
	    memory_block_memmap_on_memory_pages(&odd, MEMMAP_ON_MEMORY_FORCE, MEMHP_KERNEL_6_12), 512);
	assert_false(mhp_supports_memmap_on_memory_6_12(&odd, MEMMAP_ON_MEMORY_FORCE));
	assert_false(arch_supports_memmap_on_memory(1835008));
	assert_true(arch_supports_memmap_on_memory(2 * MiB));
	assert_int_equal(
	    memory_block_memmap_on_memory_pages(&whole, MEMMAP_ON_MEMORY_FORCE, MEMHP_KERNEL_6_12),
	    32768);
	assert_false(mhp_supports_memmap_on_memory_6_12(&whole, MEMMAP_ON_MEMORY_FORCE));
}

/* ------------------------------------------------------------------ */
/* G. ACPI DIMMs                                                      */
/* ------------------------------------------------------------------ */

/* checklist 61: [6.1] =1, 128 MiB DIMM -> one block (48) with 512 vmemmap
 * pages; online_movable: Movable present +32768, managed +32256, group
 * present_movable +32768; MemTotal +126 MiB. The eject removes exactly one
 * block, which the 6.1 granularity rule allows. */
static void test_g61_6_1_single_block_dimm(void **state)
{
	struct machine *m = boot("memory_hotplug.memmap_on_memory=1 "
				 "memhp_default_state=online_movable",
				 MEMHP_KERNEL_6_1);
	const struct zone *mz = tu_zone(m, 0, ZONE_MOVABLE);
	uint64_t memtotal = memtotal_kb(m);
	const struct memory_block *b;

	(void)state;
	assert_int_equal(mz->present_pages, 0);
	add_dimm(m, "m1", "d1", 128 * MiB);
	assert_true(tu_block_exists(m, DIMM_BLOCK));
	assert_false(tu_block_exists(m, DIMM_BLOCK + 1));
	assert_int_equal(vmemmap_of(m, DIMM_BLOCK), VMEMMAP_128M); /* 2 MiB / 4 KiB */
	assert_string_equal(tu_blk(m, DIMM_BLOCK, "state"), "online\n");
	assert_string_equal(tu_blk(m, DIMM_BLOCK, "valid_zones"), "Movable\n");
	/* spanned and present count the whole block: 512 + 32256 */
	TU_ASSERT_SPAN(mz, DIMM_PFN, 32768, 32768);
	assert_int_equal(mz->managed_pages, 32256); /* 32768 - 512 vmemmap pages */
	b = find_memory_block(m->kernel, DIMM_BLOCK);
	assert_non_null(b->group);
	assert_int_equal(b->group->stats.present_movable_pages, 32768); /* memory-groups.md §5 */
	assert_int_equal(b->group->stats.present_kernel_pages, 0);
	/* 126 MiB = 129024 kB */
	assert_int_equal(memtotal_kb(m), memtotal + 129024);
	/* zoneinfo shows the same counters */
	assert_non_null(strstr(tu_readf(m, "/proc/zoneinfo"), "Node 0, zone  Movable\n"
							      "        spanned  32768\n"
							      "        present  32768\n"
							      "        managed  32256\n"));

	del_dimm(m, "d1");
	assert_int_equal(tu_count_events(m, "DEVICE_DELETED", "d1"), 1);
	assert_false(tu_block_exists(m, DIMM_BLOCK));
	assert_int_equal(mz->present_pages, 0);
	assert_int_equal(mz->managed_pages, 0);
	assert_int_equal(memtotal_kb(m), memtotal);
	machine_free(m);
}

/* checklist 62: [6.1] =1, 1 GiB DIMM: the ACPI driver does not ask (the
 * range is 8 blocks) -> no vmemmap pages; managed +262144 (1 GiB) after
 * onlining; eject still works (no block has vmemmap pages). */
static void test_g62_6_1_larger_dimm(void **state)
{
	struct machine *m = boot("memory_hotplug.memmap_on_memory=1 "
				 "memhp_default_state=online_movable",
				 MEMHP_KERNEL_6_1);
	const struct zone *mz = tu_zone(m, 0, ZONE_MOVABLE);
	uint64_t memtotal = memtotal_kb(m);

	(void)state;
	add_dimm(m, "m1", "d1", 1 * GiB);
	for (uint64_t id = DIMM_BLOCK; id < DIMM_BLOCK + 8; id++) {
		assert_int_equal(vmemmap_of(m, id), 0);
		assert_string_equal(tu_blk(m, id, "state"), "online\n");
	}
	assert_false(tu_block_exists(m, DIMM_BLOCK + 8));
	assert_int_equal(mz->present_pages, 262144);	      /* 8 * 32768 */
	assert_int_equal(mz->managed_pages, 262144);	      /* no vmemmap pages */
	assert_int_equal(memtotal_kb(m), memtotal + 1048576); /* 1 GiB in kB */
	del_dimm(m, "d1");
	assert_int_equal(tu_count_events(m, "DEVICE_DELETED", "d1"), 1);
	assert_false(tu_block_exists(m, DIMM_BLOCK));
	machine_free(m);
}

/* checklist 63: [6.12] =1, 1 GiB DIMM -> each of the 8 blocks has 512
 * vmemmap pages; present +262144, managed +258048; MemTotal grows by
 * 8 * 126 MiB. Eject: all 8 blocks have an altmap -> removal succeeds. */
static void test_g63_6_12_larger_dimm_and_eject(void **state)
{
	struct machine *m = boot("memory_hotplug.memmap_on_memory=1 "
				 "memhp_default_state=online_movable",
				 MEMHP_KERNEL_6_12);
	const struct zone *mz = tu_zone(m, 0, ZONE_MOVABLE);
	uint64_t memtotal = memtotal_kb(m);
	const struct memory_block *b;

	(void)state;
	add_dimm(m, "m1", "d1", 1 * GiB);
	for (uint64_t id = DIMM_BLOCK; id < DIMM_BLOCK + 8; id++) {
		assert_int_equal(vmemmap_of(m, id), VMEMMAP_128M); /* per block: 2 MiB / 4 KiB */
		assert_string_equal(tu_blk(m, id, "state"), "online\n");
		assert_string_equal(tu_blk(m, id, "valid_zones"), "Movable\n");
	}
	assert_int_equal(mz->spanned_pages, 262144); /* 8 * 32768 */
	assert_int_equal(mz->present_pages, 262144); /* 8 * (512 + 32256) */
	assert_int_equal(mz->managed_pages, 258048); /* 8 * 32256 */
	b = find_memory_block(m->kernel, DIMM_BLOCK);
	assert_int_equal(b->group->stats.present_movable_pages, 262144); /* vmemmap pages count */
	/* 8 * 126 MiB = 1008 MiB = 1032192 kB */
	assert_int_equal(memtotal_kb(m), memtotal + 1032192);

	del_dimm(m, "d1");
	assert_int_equal(tu_count_events(m, "DEVICE_DELETED", "d1"), 1);
	for (uint64_t id = DIMM_BLOCK; id < DIMM_BLOCK + 8; id++)
		assert_false(tu_block_exists(m, id));
	assert_int_equal(mz->spanned_pages, 0);
	assert_int_equal(mz->present_pages, 0);
	assert_int_equal(mz->managed_pages, 0);
	assert_int_equal(memtotal_kb(m), memtotal);
	machine_free(m);
}

/* checklist 65: [6.12] a kernel with 4 MiB pageblocks (1024 pages) and
 * 128 MiB blocks. =1 -> unsupported, the DIMM gets a normal memmap; =force
 * -> 1024 vmemmap pages per block, managed 32768 - 1024 = 31744. */
static void test_g65_6_12_enabled_vs_force_4m_pageblocks(void **state)
{
	struct machine *m = boot("memory_hotplug.memmap_on_memory=1 "
				 "memhp_default_state=online_movable",
				 MEMHP_KERNEL_6_12);
	const struct zone *mz;
	uint64_t memtotal;

	(void)state;
	m->kernel->pageblock_pages = 1024;
	add_dimm(m, "m1", "d1", 128 * MiB);
	assert_int_equal(vmemmap_of(m, DIMM_BLOCK), 0); /* 512 % 1024 != 0 */
	assert_int_equal(tu_zone(m, 0, ZONE_MOVABLE)->managed_pages, 32768);
	machine_free(m);

	m = boot("memory_hotplug.memmap_on_memory=force memhp_default_state=online_movable",
		 MEMHP_KERNEL_6_12);
	mz = tu_zone(m, 0, ZONE_MOVABLE);
	memtotal = memtotal_kb(m);
	assert_string_equal(tu_readf(m, "/sys/module/memory_hotplug/parameters/memmap_on_memory"),
			    "force\n");
	m->kernel->pageblock_pages = 1024;
	add_dimm(m, "m1", "d1", 256 * MiB);
	/* 512 rounded up to the 1024-page pageblock, in both blocks */
	assert_int_equal(vmemmap_of(m, DIMM_BLOCK), 1024);
	assert_int_equal(vmemmap_of(m, DIMM_BLOCK + 1), 1024);
	assert_int_equal(mz->present_pages, 65536);	     /* 2 * 32768 */
	assert_int_equal(mz->managed_pages, 63488);	     /* 2 * (32768 - 1024) */
	assert_int_equal(memtotal_kb(m), memtotal + 253952); /* 63488 pages * 4 kB */
	machine_free(m);
}

/* spec §2: force on x86_64 with 2 MiB pageblocks wastes nothing: a 128 MiB
 * DIMM gets 512 vmemmap pages, as in enabled mode. */
static void test_force_2m_pageblocks(void **state)
{
	struct machine *m = boot("memory_hotplug.memmap_on_memory=force "
				 "memhp_default_state=online_movable",
				 MEMHP_KERNEL_6_12);

	(void)state;
	add_dimm(m, "m1", "d1", 128 * MiB);
	assert_int_equal(vmemmap_of(m, DIMM_BLOCK), VMEMMAP_128M);
	assert_int_equal(tu_zone(m, 0, ZONE_MOVABLE)->managed_pages, 32256); /* 32768 - 512 */
	machine_free(m);
}

/* ------------------------------------------------------------------ */
/* G. the core: add_memory() / remove_memory()                        */
/* ------------------------------------------------------------------ */

/* checklist 66: [6.1] two adjacent single-block adds with vmemmap pages
 * (blocks 48 and 49, offline: 6.1's default auto-online is offline), then
 * remove_memory() of both in one call -> EINVAL and nothing removed;
 * each block separately -> 0. */
static void test_g66_6_1_removal_granularity(void **state)
{
	struct machine *m = boot("memory_hotplug.memmap_on_memory=1", MEMHP_KERNEL_6_1);
	struct kernel *k = m->kernel;

	(void)state;
	assert_int_equal(add_memory(k, 0, DIMM_ADDR, 128 * MiB, MHP_MEMMAP_ON_MEMORY), 0);
	assert_int_equal(add_memory(k, 0, DIMM_ADDR + 128 * MiB, 128 * MiB, MHP_MEMMAP_ON_MEMORY),
			 0);
	assert_int_equal(vmemmap_of(m, DIMM_BLOCK), VMEMMAP_128M);
	assert_int_equal(vmemmap_of(m, DIMM_BLOCK + 1), VMEMMAP_128M);
	assert_string_equal(tu_blk(m, DIMM_BLOCK, "state"), "offline\n");

	assert_int_equal(remove_memory(k, DIMM_ADDR, 256 * MiB), -EINVAL);
	assert_true(tu_block_exists(m, DIMM_BLOCK));
	assert_true(tu_block_exists(m, DIMM_BLOCK + 1));

	assert_int_equal(remove_memory(k, DIMM_ADDR + 128 * MiB, 128 * MiB), 0);
	assert_false(tu_block_exists(m, DIMM_BLOCK + 1));
	assert_int_equal(remove_memory(k, DIMM_ADDR, 128 * MiB), 0);
	assert_false(tu_block_exists(m, DIMM_BLOCK));
	machine_free(m);
}

/* checklist 67: [6.12] block 48 added with an altmap, block 49 without
 * (no flag): removing both together -> EINVAL; all-altmap (50-51, one
 * add) and no-altmap ranges remove fine. */
static void test_g67_6_12_mixed_altmaps(void **state)
{
	struct machine *m =
	    boot("memory_hotplug.memmap_on_memory=1 memhp_default_state=offline", MEMHP_KERNEL_6_12);
	struct kernel *k = m->kernel;

	(void)state;
	assert_int_equal(add_memory(k, 0, DIMM_ADDR, 128 * MiB, MHP_MEMMAP_ON_MEMORY), 0);
	assert_int_equal(add_memory(k, 0, DIMM_ADDR + 128 * MiB, 128 * MiB, 0), 0);
	assert_int_equal(add_memory(k, 0, DIMM_ADDR + 256 * MiB, 256 * MiB, MHP_MEMMAP_ON_MEMORY),
			 0);
	assert_int_equal(vmemmap_of(m, DIMM_BLOCK), VMEMMAP_128M);
	assert_int_equal(vmemmap_of(m, DIMM_BLOCK + 1), 0);
	assert_int_equal(vmemmap_of(m, DIMM_BLOCK + 2), VMEMMAP_128M);
	assert_int_equal(vmemmap_of(m, DIMM_BLOCK + 3), VMEMMAP_128M);

	/* 48-49: one of two blocks has an altmap */
	assert_int_equal(remove_memory(k, DIMM_ADDR, 256 * MiB), -EINVAL);
	assert_true(tu_block_exists(m, DIMM_BLOCK));
	assert_true(tu_block_exists(m, DIMM_BLOCK + 1));
	/* 49-50: same, the other way round */
	assert_int_equal(remove_memory(k, DIMM_ADDR + 128 * MiB, 256 * MiB), -EINVAL);
	/* 50-51: all have altmaps */
	assert_int_equal(remove_memory(k, DIMM_ADDR + 256 * MiB, 256 * MiB), 0);
	assert_false(tu_block_exists(m, DIMM_BLOCK + 2));
	assert_false(tu_block_exists(m, DIMM_BLOCK + 3));
	/* 49 alone: none has one */
	assert_int_equal(remove_memory(k, DIMM_ADDR + 128 * MiB, 128 * MiB), 0);
	assert_int_equal(remove_memory(k, DIMM_ADDR, 128 * MiB), 0);
	assert_false(tu_block_exists(m, DIMM_BLOCK));
	machine_free(m);
}

/* A notifier that records the last call of each action. */
struct seen {
	unsigned int nr[256];
	struct memory_notify last[256];
};

static int seen_call(void *data, enum memory_block_state action, const struct memory_notify *arg)
{
	struct seen *s = data;

	if ((unsigned int)action < 256) {
		s->nr[action]++;
		s->last[action] = *arg;
	}
	return 0;
}

static void register_seen(struct kernel *k, struct seen *s)
{
	struct memory_notifier nb = {.call = seen_call, .data = s};

	assert_int_equal(register_memory_notifier(k, &nb), 0);
}

/* checklist 68: with 512 vmemmap pages, GOING_ONLINE and ONLINE (and the
 * offline notifications) cover pfn(48) + 512 = 1573376 for 32256 pages.
 * [6.12] PREPARE_ONLINE / FINISH_OFFLINE also name the altmap: pfn(48),
 * 512 pages. */
static void check_notifier_range(enum memhp_kernel v)
{
	struct machine *m =
	    boot("memory_hotplug.memmap_on_memory=1 memhp_default_state=offline", v);
	struct seen s;

	memset(&s, 0, sizeof(s));
	assert_int_equal(add_memory(m->kernel, 0, DIMM_ADDR, 128 * MiB, MHP_MEMMAP_ON_MEMORY), 0);
	register_seen(m->kernel, &s);
	assert_int_equal(tu_blk_write(m, DIMM_BLOCK, "state", "online_movable\n"), 0);
	assert_int_equal(s.nr[MEM_GOING_ONLINE], 1);
	assert_int_equal(s.nr[MEM_ONLINE], 1);
	assert_int_equal(s.last[MEM_GOING_ONLINE].start_pfn, 1573376); /* 1572864 + 512 */
	assert_int_equal(s.last[MEM_GOING_ONLINE].nr_pages, 32256);    /* 32768 - 512 */
	assert_int_equal(s.last[MEM_ONLINE].start_pfn, 1573376);
	assert_int_equal(s.last[MEM_ONLINE].nr_pages, 32256);
	if (v == MEMHP_KERNEL_6_12) {
		assert_int_equal(s.nr[MEM_PREPARE_ONLINE], 1);
		assert_int_equal(s.last[MEM_PREPARE_ONLINE].start_pfn, 1573376);
		assert_int_equal(s.last[MEM_PREPARE_ONLINE].nr_pages, 32256);
		assert_int_equal(s.last[MEM_PREPARE_ONLINE].altmap_start_pfn, DIMM_PFN);
		assert_int_equal(s.last[MEM_PREPARE_ONLINE].altmap_nr_pages, 512);
	} else {
		assert_int_equal(s.nr[MEM_PREPARE_ONLINE], 0);
	}

	assert_int_equal(tu_blk_write(m, DIMM_BLOCK, "state", "offline\n"), 0);
	assert_int_equal(s.last[MEM_GOING_OFFLINE].start_pfn, 1573376);
	assert_int_equal(s.last[MEM_GOING_OFFLINE].nr_pages, 32256);
	assert_int_equal(s.last[MEM_OFFLINE].start_pfn, 1573376);
	assert_int_equal(s.last[MEM_OFFLINE].nr_pages, 32256);
	if (v == MEMHP_KERNEL_6_12) {
		assert_int_equal(s.nr[MEM_FINISH_OFFLINE], 1);
		assert_int_equal(s.last[MEM_FINISH_OFFLINE].altmap_start_pfn, DIMM_PFN);
		assert_int_equal(s.last[MEM_FINISH_OFFLINE].altmap_nr_pages, 512);
	}
	machine_free(m);
}

static void test_g68_notifier_range_6_1(void **state)
{
	(void)state;
	check_notifier_range(MEMHP_KERNEL_6_1);
}

static void test_g68_notifier_range_6_12(void **state)
{
	(void)state;
	check_notifier_range(MEMHP_KERNEL_6_12);
}

/* checklist 69: the flag is passed but the test fails. [6.12] the add
 * succeeds without vmemmap pages; [6.1] EINVAL and nothing is added. */
static void test_g69_unsupported_request(void **state)
{
	struct machine *m;
	struct kernel *k;

	(void)state;
	/* 6.12, parameter disabled */
	m = boot("memhp_default_state=offline", MEMHP_KERNEL_6_12);
	assert_int_equal(add_memory(m->kernel, 0, DIMM_ADDR, 128 * MiB, MHP_MEMMAP_ON_MEMORY), 0);
	assert_int_equal(vmemmap_of(m, DIMM_BLOCK), 0);
	machine_free(m);

	/* 6.12, enabled but 4 MiB pageblocks (512 % 1024 != 0) */
	m = boot("memory_hotplug.memmap_on_memory=1 memhp_default_state=offline", MEMHP_KERNEL_6_12);
	m->kernel->pageblock_pages = 1024;
	assert_int_equal(add_memory(m->kernel, 0, DIMM_ADDR, 256 * MiB, MHP_MEMMAP_ON_MEMORY), 0);
	assert_int_equal(vmemmap_of(m, DIMM_BLOCK), 0);
	assert_int_equal(vmemmap_of(m, DIMM_BLOCK + 1), 0);
	machine_free(m);

	/* 6.1: a two-block add is never eligible */
	m = boot("memory_hotplug.memmap_on_memory=1", MEMHP_KERNEL_6_1);
	k = m->kernel;
	assert_int_equal(add_memory(k, 0, DIMM_ADDR, 256 * MiB, MHP_MEMMAP_ON_MEMORY), -EINVAL);
	assert_false(tu_block_exists(m, DIMM_BLOCK));
	assert_false(tu_block_exists(m, DIMM_BLOCK + 1));
	/* 6.1: one block, but 126 MiB left is not a multiple of 4 MiB */
	k->pageblock_pages = 1024;
	assert_int_equal(add_memory(k, 0, DIMM_ADDR, 128 * MiB, MHP_MEMMAP_ON_MEMORY), -EINVAL);
	assert_false(tu_block_exists(m, DIMM_BLOCK));
	/* without the flag the same adds succeed */
	assert_int_equal(add_memory(k, 0, DIMM_ADDR, 256 * MiB, 0), 0);
	assert_int_equal(vmemmap_of(m, DIMM_BLOCK), 0);
	machine_free(m);

	/* 6.1, parameter disabled */
	m = boot(NULL, MEMHP_KERNEL_6_1);
	assert_int_equal(add_memory(m->kernel, 0, DIMM_ADDR, 128 * MiB, MHP_MEMMAP_ON_MEMORY),
			 -EINVAL);
	assert_false(tu_block_exists(m, DIMM_BLOCK));
	machine_free(m);
}

/* spec §10: re-onlining a vmemmap block into the other zone keeps its 512
 * pages. Block 48 online_movable, offline, then online_kernel: it lands in
 * Normal (Movable is empty again, and Normal ends at 6 GiB right below it);
 * Normal present +32768 and managed +32256 against before, Movable back to
 * 0. MemTotal is back to +126 MiB. */
static void test_reonline_other_zone_keeps_vmemmap(void **state)
{
	struct machine *m = boot("memory_hotplug.memmap_on_memory=1 "
				 "memhp_default_state=online_movable",
				 MEMHP_KERNEL_6_12);
	const struct zone *mz = tu_zone(m, 0, ZONE_MOVABLE), *nz = tu_zone(m, 0, ZONE_NORMAL);
	uint64_t memtotal = memtotal_kb(m);
	uint64_t n_present = nz->present_pages, n_managed = nz->managed_pages;

	(void)state;
	add_dimm(m, "m1", "d1", 128 * MiB);
	assert_int_equal(mz->managed_pages, 32256); /* 32768 - 512 vmemmap pages */
	assert_int_equal(tu_blk_write(m, DIMM_BLOCK, "state", "offline\n"), 0);
	assert_int_equal(mz->present_pages, 0);
	assert_int_equal(mz->managed_pages, 0);
	assert_int_equal(mz->spanned_pages, 0);
	assert_int_equal(memtotal_kb(m), memtotal);
	assert_int_equal(vmemmap_of(m, DIMM_BLOCK), VMEMMAP_128M);

	assert_int_equal(tu_blk_write(m, DIMM_BLOCK, "state", "online_kernel\n"), 0);
	assert_string_equal(tu_blk(m, DIMM_BLOCK, "valid_zones"), "Normal\n");
	assert_int_equal(vmemmap_of(m, DIMM_BLOCK), VMEMMAP_128M);
	assert_int_equal(nz->present_pages, n_present + 32768); /* 512 + 32256 */
	assert_int_equal(nz->managed_pages, n_managed + 32256); /* 32768 - 512 */
	assert_int_equal(mz->present_pages, 0);
	assert_int_equal(find_memory_block(m->kernel, DIMM_BLOCK)->group->stats.present_kernel_pages,
			 32768);
	assert_int_equal(memtotal_kb(m), memtotal + 129024); /* 126 MiB */
	machine_free(m);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_rules_x86_table),
	    cmocka_unit_test(test_rules_force_4m_pageblock),
	    cmocka_unit_test(test_rules_6_12_edges),
	    cmocka_unit_test(test_g61_6_1_single_block_dimm),
	    cmocka_unit_test(test_g62_6_1_larger_dimm),
	    cmocka_unit_test(test_g63_6_12_larger_dimm_and_eject),
	    cmocka_unit_test(test_g65_6_12_enabled_vs_force_4m_pageblocks),
	    cmocka_unit_test(test_force_2m_pageblocks),
	    cmocka_unit_test(test_g66_6_1_removal_granularity),
	    cmocka_unit_test(test_g67_6_12_mixed_altmaps),
	    cmocka_unit_test(test_g68_notifier_range_6_1),
	    cmocka_unit_test(test_g68_notifier_range_6_12),
	    cmocka_unit_test(test_g69_unsupported_request),
	    cmocka_unit_test(test_reonline_other_zone_keeps_vmemmap),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
