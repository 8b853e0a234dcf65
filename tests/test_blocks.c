/* Conformance checklist A (memory block size and ids) and B (boot-time
 * blocks): the kernel's values from conformance-checklist.md items 1-14,
 * memory-blocks.md §2, §4.1, §5, §6 and qemu-x86-e820.md. */
#include "test_util.h"

/* ------------------------------------------------------------------ */
/* A. probe_memory_block_size() (memory-blocks.md §2.2)               */
/* ------------------------------------------------------------------ */

/* checklist 1: boot_mem_end = 6 GiB (< 64 GiB), VM -> 128 MiB */
static void test_a1_probe_small_vm(void **state)
{
	(void)state;
	assert_int_equal(probe_memory_block_size(6 * GiB, true), 128 * MiB);
	/* i440fx 8 GiB: end 9 GiB -> 128 MiB (memory-blocks.md §2.2 table) */
	assert_int_equal(probe_memory_block_size(9 * GiB, true), 128 * MiB);
	/* just below the threshold: 64 GiB - 128 MiB < 64 GiB -> 128 MiB */
	assert_int_equal(probe_memory_block_size(64 * GiB - 128 * MiB, true), 128 * MiB);
	/* the "< 64 GiB" rule comes before the bare-metal rule */
	assert_int_equal(probe_memory_block_size(6 * GiB, false), 128 * MiB);
}

/* checklist 2: boot_mem_end = exactly 64 GiB -> 2 GiB (no "< 64 GiB" shortcut) */
static void test_a2_probe_exactly_64g(void **state)
{
	(void)state;
	assert_int_equal(probe_memory_block_size(64 * GiB, true), 2 * GiB);
	/* q35 64 GiB: end 66 GiB, 66 % 2 == 0 -> 2 GiB */
	assert_int_equal(probe_memory_block_size(66 * GiB, true), 2 * GiB);
}

/* checklist 3: boot_mem_end = 67 GiB: 67 GiB % 2 GiB != 0, % 1 GiB == 0 -> 1 GiB */
static void test_a3_probe_largest_aligned(void **state)
{
	(void)state;
	assert_int_equal(probe_memory_block_size(67 * GiB, true), 1 * GiB);
	/* i440fx 64 GiB: end 65 GiB -> 1 GiB */
	assert_int_equal(probe_memory_block_size(65 * GiB, true), 1 * GiB);
	/* 64 GiB + 256 MiB: 2G, 1G, 512M do not divide, 256M does -> 256 MiB */
	assert_int_equal(probe_memory_block_size(64 * GiB + 256 * MiB, true), 256 * MiB);
}

/* checklist 4: boot_mem_end = 64 GiB + 128 MiB -> loop stops at 128 MiB */
static void test_a4_probe_no_alignment(void **state)
{
	(void)state;
	assert_int_equal(probe_memory_block_size(64 * GiB + 128 * MiB, true), 128 * MiB);
	/* 64 GiB + 4 KiB: nothing >= 128 MiB divides -> still 128 MiB */
	assert_int_equal(probe_memory_block_size(64 * GiB + 4 * KiB, true), 128 * MiB);
}

/* checklist 5: bare metal (no hypervisor bit), end 67 GiB -> 2 GiB */
static void test_a5_probe_bare_metal(void **state)
{
	(void)state;
	assert_int_equal(probe_memory_block_size(67 * GiB, false), 2 * GiB);
	assert_int_equal(probe_memory_block_size(64 * GiB + 128 * MiB, false), 2 * GiB);
}

/* ------------------------------------------------------------------ */
/* A. block_size_bytes on booted machines (memory-blocks.md §2.2 table) */
/* ------------------------------------------------------------------ */

static void expect_block_size(const char *qemu, const char *want)
{
	struct machine *m = tu_boot(qemu, NULL, MEMHP_KERNEL_6_1);

	assert_string_equal(tu_readf(m, MEM "/block_size_bytes"), want);
	machine_free(m);
	m = tu_boot(qemu, NULL, MEMHP_KERNEL_6_12);
	assert_string_equal(tu_readf(m, MEM "/block_size_bytes"), want);
	machine_free(m);
}

/* checklist 1: q35 4 GiB, end 6 GiB -> 128 MiB = 0x8000000 */
static void test_a1_booted_q35_4g(void **state)
{
	(void)state;
	expect_block_size("-M q35 -m 4G", "8000000\n");
}

/* checklist 2: q35 62 GiB: 2 GiB low + 60 GiB from 4 GiB -> end 64 GiB -> 2 GiB */
static void test_a2_booted_q35_62g(void **state)
{
	(void)state;
	expect_block_size("-M q35 -m 62G", "80000000\n");
}

/* memory-blocks.md §2.2 table: q35 64 GiB -> end 2 + 62 + 2 = 66 GiB -> 2 GiB */
static void test_a2_booted_q35_64g(void **state)
{
	(void)state;
	expect_block_size("-M q35 -m 64G", "80000000\n");
}

/* checklist 3: q35 65 GiB -> end 4 + 63 = 67 GiB -> 1 GiB = 0x40000000 */
static void test_a3_booted_q35_65g(void **state)
{
	(void)state;
	expect_block_size("-M q35 -m 65G", "40000000\n");
}

/* memory-blocks.md §2.2 table: i440fx 64 GiB -> 3 GiB low + 61 GiB at 4 GiB,
 * end 65 GiB -> 1 GiB */
static void test_a3_booted_pc_64g(void **state)
{
	(void)state;
	expect_block_size("-M pc -m 64G", "40000000\n");
}

/* checklist 4: q35 -m 63616M = 62 GiB + 128 MiB: high RAM 63616 - 2048 = 61568 MiB
 * from 4 GiB -> end 4096 + 61568 = 65664 MiB = 64 GiB + 128 MiB -> 128 MiB */
static void test_a4_booted_q35_63616m(void **state)
{
	(void)state;
	expect_block_size("-M q35 -m 63616M", "8000000\n");
}

/* checklist 5: -cpu qemu64,-hypervisor, q35 65 GiB (end 67 GiB) -> 2 GiB */
static void test_a5_booted_bare_metal(void **state)
{
	(void)state;
	expect_block_size("-M q35 -m 65G -cpu qemu64,-hypervisor", "80000000\n");
}

/* memory-blocks.md §2.2: with 2 GiB blocks on q35 62 GiB, block 0 (0-2 GiB,
 * DMA + DMA32) is mixed, block 1 (2-4 GiB hole) does not exist, blocks 2...
 * are Normal; end 64 GiB -> last block 64/2 - 1 = 31. */
static void test_a2_large_blocks_layout_q35_62g(void **state)
{
	struct machine *m = tu_boot("-M q35 -m 62G", NULL, MEMHP_KERNEL_6_1);

	(void)state;
	assert_string_equal(tu_blk(m, 0, "valid_zones"), "none\n");
	assert_false(tu_block_exists(m, 1));
	assert_string_equal(tu_blk(m, 2, "valid_zones"), "Normal\n");
	assert_string_equal(tu_blk(m, 31, "valid_zones"), "Normal\n");
	assert_false(tu_block_exists(m, 32));
	machine_free(m);
}

/* memory-blocks.md §2.2: 1 GiB blocks on q35 65 GiB -> block 0 mixed, block 1
 * DMA32, blocks 2-3 absent, blocks 4-66 Normal (end 67 GiB -> last 66). */
static void test_a3_large_blocks_layout_q35_65g(void **state)
{
	struct machine *m = tu_boot("-M q35 -m 65G", NULL, MEMHP_KERNEL_6_1);

	(void)state;
	assert_string_equal(tu_blk(m, 0, "valid_zones"), "none\n");
	assert_string_equal(tu_blk(m, 1, "valid_zones"), "DMA32\n");
	assert_false(tu_block_exists(m, 2));
	assert_false(tu_block_exists(m, 3));
	for (uint64_t id = 4; id <= 66; id++)
		assert_string_equal(tu_blk(m, id, "valid_zones"), "Normal\n");
	assert_false(tu_block_exists(m, 67));
	machine_free(m);
}

/* checklist 6: hot-adding memory that raises the end of RAM never changes
 * block_size_bytes. q35 4 GiB (128 MiB blocks) + 2 GiB at 62 GiB: the end of
 * RAM becomes 64 GiB (which at boot would give 2 GiB blocks). */
static void test_a6_block_size_fixed_after_add(void **state)
{
	struct machine *m = tu_boot("-M q35 -m 4G", NULL, MEMHP_KERNEL_6_1);

	(void)state;
	assert_int_equal(add_memory(m->kernel, 0, 62 * GiB, 2 * GiB, 0), 0);
	/* 62 GiB / 128 MiB = block 496; 64 GiB / 128 MiB - 1 = 511 */
	assert_true(tu_block_exists(m, 496));
	assert_true(tu_block_exists(m, 511));
	assert_string_equal(tu_readf(m, MEM "/block_size_bytes"), "8000000\n");
	machine_free(m);
}

/* checklist 6 / memory-blocks.md §2.2: a 2 GiB DIMM hot-added at 64 GiB on the
 * q35 62 GiB VM became block 32 (64 GiB / 2 GiB) and block_size_bytes stayed
 * 80000000. Device memory base = align_up(64 GiB, 1 GiB) = 64 GiB. */
static void test_a6_dimm_on_62g_vm(void **state)
{
	struct machine *m = tu_boot("-M q35 -m 62G,slots=1,maxmem=64G", NULL, MEMHP_KERNEL_6_1);

	(void)state;
	tu_qmp_ok(m, "{\"execute\": \"object-add\", \"arguments\": {\"qom-type\": "
		     "\"memory-backend-ram\", \"id\": \"m1\", \"size\": 2147483648}}");
	tu_qmp_ok(m, "{\"execute\": \"device_add\", \"arguments\": {\"driver\": \"pc-dimm\", "
		     "\"id\": \"d1\", \"memdev\": \"m1\"}}");
	machine_run_pending(m);
	assert_true(tu_block_exists(m, 32));
	assert_false(tu_block_exists(m, 33));
	assert_string_equal(tu_blk(m, 32, "phys_index"), "00000020\n");
	assert_string_equal(tu_readf(m, MEM "/block_size_bytes"), "80000000\n");
	machine_free(m);
}

/* checklist 8: phys_index is "%08lx\n": memory0 -> 00000000, memory48 -> 00000030
 * (48 = 0x30), memory300 -> 0000012c (300 = 0x12c). Block 300 = 37.5 GiB lies
 * in a 32 GiB DIMM at 6 GiB (6..38 GiB = blocks 48..303) on
 * q35 -m 4G,slots=2,maxmem=40G (device area 36 GiB + 2 GiB). */
static void test_a8_phys_index_format(void **state)
{
	struct machine *m =
	    tu_boot_cold_dimm("-M q35 -m 4G,slots=2,maxmem=40G", "32G", NULL, MEMHP_KERNEL_6_1);

	(void)state;
	assert_string_equal(tu_blk(m, 0, "phys_index"), "00000000\n");
	assert_string_equal(tu_blk(m, 32, "phys_index"), "00000020\n");
	assert_string_equal(tu_blk(m, 48, "phys_index"), "00000030\n");
	assert_string_equal(tu_blk(m, 300, "phys_index"), "0000012c\n");
	/* 6 GiB + 32 GiB = 38 GiB -> last block 38 * 8 - 1 = 303 */
	assert_string_equal(tu_blk(m, 303, "phys_index"), "0000012f\n");
	assert_false(tu_block_exists(m, 304));
	machine_free(m);
}

/* checklist 9: every block: removable -> 1, phys_device -> 0 (boot, holed,
 * mixed and hot-added blocks alike); memory-blocks.md §5 modes. */
static void test_a9_static_files(void **state)
{
	struct machine *m = tu_boot("-M q35 -m 4G", NULL, MEMHP_KERNEL_6_1);
	static const uint64_t ids[] = {0, 1, 15, 32, 47, 48, 55};
	unsigned int mode = 0;

	(void)state;
	assert_int_equal(add_memory(m->kernel, 0, 6 * GiB, 1 * GiB, 0), 0);
	for (size_t i = 0; i < sizeof(ids) / sizeof(ids[0]); i++) {
		assert_string_equal(tu_blk(m, ids[i], "removable"), "1\n");
		assert_string_equal(tu_blk(m, ids[i], "phys_device"), "0\n");
	}
	/* modes: phys_index/phys_device/removable/valid_zones 0444, state/online 0644 */
	assert_int_equal(vfs_lookup(TU_VFS(m), MEM "/memory48/phys_index", &mode), VFS_FILE);
	assert_int_equal(mode, 0444);
	assert_int_equal(vfs_lookup(TU_VFS(m), MEM "/memory48/removable", &mode), VFS_FILE);
	assert_int_equal(mode, 0444);
	assert_int_equal(vfs_lookup(TU_VFS(m), MEM "/memory48/phys_device", &mode), VFS_FILE);
	assert_int_equal(mode, 0444);
	assert_int_equal(vfs_lookup(TU_VFS(m), MEM "/memory48/valid_zones", &mode), VFS_FILE);
	assert_int_equal(mode, 0444);
	assert_int_equal(vfs_lookup(TU_VFS(m), MEM "/memory48/state", &mode), VFS_FILE);
	assert_int_equal(mode, 0644);
	assert_int_equal(vfs_lookup(TU_VFS(m), MEM "/memory48/online", &mode), VFS_FILE);
	assert_int_equal(mode, 0644);
	/* memory-blocks.md §6: block_size_bytes 0444, auto_online_blocks 0644 */
	assert_int_equal(vfs_lookup(TU_VFS(m), MEM "/block_size_bytes", &mode), VFS_FILE);
	assert_int_equal(mode, 0444);
	assert_int_equal(vfs_lookup(TU_VFS(m), MEM "/auto_online_blocks", &mode), VFS_FILE);
	assert_int_equal(mode, 0644);
	/* a read-only file refuses writes */
	assert_int_equal(vfs_write(TU_VFS(m), MEM "/memory48/removable", "0\n"), -EACCES);
	machine_free(m);
}

/* ------------------------------------------------------------------ */
/* B. Boot-time blocks                                                 */
/* ------------------------------------------------------------------ */

/* checklist 10: q35 4 GiB: memory0-15 and memory32-47 exist, 16-31 do not
 * (2-4 GiB PCI hole), nothing from 48 (device memory, nothing plugged). */
static void test_b10_blocks_exist_q35_4g(void **state)
{
	struct machine *m = tu_boot("-M q35 -m 4G", NULL, MEMHP_KERNEL_6_1);

	(void)state;
	for (uint64_t id = 0; id <= 15; id++)
		assert_true(tu_block_exists(m, id));
	for (uint64_t id = 16; id <= 31; id++)
		assert_false(tu_block_exists(m, id));
	for (uint64_t id = 32; id <= 47; id++)
		assert_true(tu_block_exists(m, id));
	assert_false(tu_block_exists(m, 48));
	machine_free(m);
}

/* checklist 10 / qemu-x86-e820.md: pc 4 GiB: low RAM 3 GiB -> blocks 0-23,
 * 24-31 absent, high RAM 4-5 GiB -> blocks 32-39. */
static void test_b10_blocks_exist_pc_4g(void **state)
{
	struct machine *m = tu_boot("-M pc -m 4G", NULL, MEMHP_KERNEL_6_1);

	(void)state;
	for (uint64_t id = 0; id <= 23; id++)
		assert_true(tu_block_exists(m, id));
	for (uint64_t id = 24; id <= 31; id++)
		assert_false(tu_block_exists(m, id));
	for (uint64_t id = 32; id <= 39; id++)
		assert_true(tu_block_exists(m, id));
	assert_false(tu_block_exists(m, 40));
	machine_free(m);
}

/* checklist 11: every boot block: state -> online, online -> 1 */
static void test_b11_boot_blocks_online(void **state)
{
	struct machine *m = tu_boot("-M q35 -m 4G", NULL, MEMHP_KERNEL_6_1);

	(void)state;
	for (uint64_t id = 0; id <= 47; id++) {
		if (id >= 16 && id <= 31)
			continue;
		assert_string_equal(tu_blk(m, id, "state"), "online\n");
		assert_string_equal(tu_blk(m, id, "online"), "1\n");
	}
	machine_free(m);
	m = tu_boot("-M pc -m 4G", NULL, MEMHP_KERNEL_6_12);
	for (uint64_t id = 0; id <= 39; id++) {
		if (id >= 24 && id <= 31)
			continue;
		assert_string_equal(tu_blk(m, id, "state"), "online\n");
		assert_string_equal(tu_blk(m, id, "online"), "1\n");
	}
	machine_free(m);
}

/* checklist 12: memory0 (DMA + DMA32): valid_zones -> none;
 * echo offline > state -> EINVAL, state stays online. */
static void test_b12_memory0_mixed(void **state)
{
	static const char *const machines[] = {"-M q35 -m 4G", "-M pc -m 4G"};

	(void)state;
	for (size_t i = 0; i < 2; i++) {
		struct machine *m = tu_boot(machines[i], NULL, MEMHP_KERNEL_6_1);

		assert_string_equal(tu_blk(m, 0, "valid_zones"), "none\n");
		assert_int_equal(tu_blk_write(m, 0, "state", "offline\n"), -EINVAL);
		assert_string_equal(tu_blk(m, 0, "state"), "online\n");
		/* memory-blocks.md §5.2: the online file returns the operation's error */
		assert_int_equal(tu_blk_write(m, 0, "online", "0\n"), -EINVAL);
		assert_string_equal(tu_blk(m, 0, "state"), "online\n");
		assert_string_equal(tu_blk(m, 0, "online"), "1\n");
		machine_free(m);
	}
}

/* checklist 13: memory1 -> DMA32, memory32 -> Normal; memory-blocks.md §4.1:
 * q35 memory1...memory15 DMA32, memory32...memory47 Normal. */
static void test_b13_single_zone_boot_blocks_q35(void **state)
{
	struct machine *m = tu_boot("-M q35 -m 4G", NULL, MEMHP_KERNEL_6_1);

	(void)state;
	assert_string_equal(tu_blk(m, 1, "valid_zones"), "DMA32\n");
	assert_string_equal(tu_blk(m, 32, "valid_zones"), "Normal\n");
	for (uint64_t id = 1; id <= 15; id++)
		assert_string_equal(tu_blk(m, id, "valid_zones"), "DMA32\n");
	for (uint64_t id = 32; id <= 47; id++)
		assert_string_equal(tu_blk(m, id, "valid_zones"), "Normal\n");
	machine_free(m);
}

/* checklist 13 on pc 4 GiB: DMA32 below 3 GiB (blocks 1-23), Normal 4-5 GiB (32-39) */
static void test_b13_single_zone_boot_blocks_pc(void **state)
{
	struct machine *m = tu_boot("-M pc -m 4G", NULL, MEMHP_KERNEL_6_1);

	(void)state;
	for (uint64_t id = 1; id <= 23; id++)
		assert_string_equal(tu_blk(m, id, "valid_zones"), "DMA32\n");
	for (uint64_t id = 32; id <= 39; id++)
		assert_string_equal(tu_blk(m, id, "valid_zones"), "Normal\n");
	machine_free(m);
}

/* checklist 14: the block holding the firmware-reserved tail below the end of
 * low RAM refuses offlining with EINVAL and no MEM_GOING_OFFLINE is sent:
 * q35 4 GiB: usable ends at 0x7ffdffff -> block 0x7ffdffff / 128 MiB = 15;
 * pc 4 GiB: usable ends at 0xbffdffff -> block 23. */
static void expect_holed_block(const char *qemu, uint64_t id)
{
	struct machine *m = tu_boot(qemu, NULL, MEMHP_KERNEL_6_1);
	struct tu_veto seen = {.action = MEM_GOING_OFFLINE, .err = 0};

	tu_register_veto(m->kernel, &seen);
	assert_int_equal(tu_blk_write(m, id, "state", "offline\n"), -EINVAL);
	assert_int_equal(seen.nr_calls[MEM_GOING_OFFLINE], 0);
	assert_int_equal(seen.nr_calls[MEM_OFFLINE], 0);
	assert_string_equal(tu_blk(m, id, "state"), "online\n");
	assert_string_equal(tu_blk(m, id, "online"), "1\n");
	machine_free(m);
}

static void test_b14_holed_block_q35(void **state)
{
	(void)state;
	expect_holed_block("-M q35 -m 4G", 15);
}

static void test_b14_holed_block_pc(void **state)
{
	(void)state;
	expect_holed_block("-M pc -m 4G", 23);
}

/* memory-blocks.md §6: block_size_bytes on the default machines */
static void test_b_block_size_bytes(void **state)
{
	(void)state;
	expect_block_size("-M pc -m 4G", "8000000\n");
	expect_block_size("-M pc -m 2G", "8000000\n");
}

/* qemu-x86-e820.md "Present pages per zone" (observed):
 * DMA: starts at PFN 1 (PFN 0 is not RAM), spans 4095 pages (1..4095), present
 *      3998 = (0x9f - 1) + (4096 - 0x100) = 158 + 3840.
 * DMA32 starts at 4096. */
static void expect_dma(const struct machine *m)
{
	const struct zone *dma = tu_zone(m, 0, ZONE_DMA);

	TU_ASSERT_SPAN(dma, 1, 4095, 3998);
	assert_int_equal(dma->present_early_pages, 3998);
}

/* qemu-x86-e820.md: q35 -m 4G: DMA32 present 520160, spanned 1044480 from 4096;
 * Normal present 524288 spanned 524288 from 1048576; Movable empty. */
static void test_b_zones_q35_4g(void **state)
{
	struct machine *m = tu_boot("-M q35 -m 4G", NULL, MEMHP_KERNEL_6_1);
	const struct zone *dma32 = tu_zone(m, 0, ZONE_DMA32), *normal = tu_zone(m, 0, ZONE_NORMAL);
	const struct zone *movable = tu_zone(m, 0, ZONE_MOVABLE);

	(void)state;
	expect_dma(m);
	/* DMA32: usable 0x100000-0x7ffdffff: PFNs 4096..0x7ffe0 = 524256 - 4096 = 520160;
	 * span [4096, 1048576) = 1044480 pages */
	TU_ASSERT_SPAN(dma32, 4096, 1044480, 520160);
	assert_int_equal(dma32->present_early_pages, 520160);
	/* Normal: 4-6 GiB = PFN 1048576..1572864 = 524288 pages */
	TU_ASSERT_SPAN(normal, 1048576, 524288, 524288);
	assert_int_equal(normal->present_early_pages, 524288);
	assert_int_equal(movable->spanned_pages, 0);
	assert_int_equal(movable->present_pages, 0);
	/* node: 3998 + 520160 + 524288 = 1048446 (the K of the auto-movable examples) */
	assert_int_equal(m->kernel->nodes[0].present_pages, 1048446);
	assert_int_equal(m->kernel->nodes[0].start_pfn, 1);
	machine_free(m);
}

/* qemu-x86-e820.md: pc -m 4G: DMA32 782304 (spanned 1044480) / Normal 262144 */
static void test_b_zones_pc_4g(void **state)
{
	struct machine *m = tu_boot("-M pc -m 4G", NULL, MEMHP_KERNEL_6_1);
	const struct zone *dma32 = tu_zone(m, 0, ZONE_DMA32), *normal = tu_zone(m, 0, ZONE_NORMAL);

	(void)state;
	expect_dma(m);
	/* usable up to 0xbffdffff: 0xbffe0 = 786400 - 4096 = 782304 */
	TU_ASSERT_SPAN(dma32, 4096, 1044480, 782304);
	/* Normal 4-5 GiB: 1 GiB = 262144 pages from PFN 1048576 */
	TU_ASSERT_SPAN(normal, 1048576, 262144, 262144);
	assert_int_equal(tu_zone(m, 0, ZONE_MOVABLE)->spanned_pages, 0);
	/* 3998 + 782304 + 262144 = 1048446, same total as q35 */
	assert_int_equal(m->kernel->nodes[0].present_pages, 1048446);
	machine_free(m);
}

/* qemu-x86-e820.md: pc -m 2G: usable 0x100000-0x7ffdffff, no high RAM:
 * DMA32 present 520160, spanned 520160 (4096..524256), no Normal; blocks 0-15. */
static void test_b_zones_pc_2g(void **state)
{
	struct machine *m = tu_boot("-M pc -m 2G", NULL, MEMHP_KERNEL_6_1);
	const struct zone *dma32 = tu_zone(m, 0, ZONE_DMA32), *normal = tu_zone(m, 0, ZONE_NORMAL);

	(void)state;
	expect_dma(m);
	/* 0x7ffe0 = 524256; 524256 - 4096 = 520160 */
	TU_ASSERT_SPAN(dma32, 4096, 520160, 520160);
	assert_int_equal(normal->spanned_pages, 0);
	assert_int_equal(normal->present_pages, 0);
	/* 3998 + 520160 = 524158 */
	assert_int_equal(m->kernel->nodes[0].present_pages, 524158);
	for (uint64_t id = 0; id <= 15; id++)
		assert_true(tu_block_exists(m, id));
	assert_false(tu_block_exists(m, 16));
	/* the holed last block of low RAM (0x7ffdffff -> block 15) */
	assert_int_equal(tu_blk_write(m, 15, "state", "offline\n"), -EINVAL);
	machine_free(m);
}

/* qemu-x86-e820.md large q35 table: at 65 GiB SeaBIOS reserves one more page,
 * low usable RAM ends at 0x7ffdefff -> DMA32 present 0x7ffdf - 4096 =
 * 524255 - 4096 = 520159 (at 62 GiB it ends at 0x7ffdffff -> 520160).
 * High RAM 0x100000000-0x10bfffffff = 63 GiB = 63 * 262144 = 16515072 pages. */
static void test_b_e820_q35_65g_extra_reserved_page(void **state)
{
	struct machine *m = tu_boot("-M q35 -m 65G", NULL, MEMHP_KERNEL_6_1);

	(void)state;
	assert_int_equal(tu_zone(m, 0, ZONE_DMA32)->present_pages, 520159);
	assert_int_equal(tu_zone(m, 0, ZONE_NORMAL)->start_pfn, 1048576);
	assert_int_equal(tu_zone(m, 0, ZONE_NORMAL)->present_pages, 16515072);
	machine_free(m);
	m = tu_boot("-M q35 -m 62G", NULL, MEMHP_KERNEL_6_1);
	assert_int_equal(tu_zone(m, 0, ZONE_DMA32)->present_pages, 520160);
	machine_free(m);
}

static bool list_has(char **names, const char *name)
{
	for (char **p = names; p && *p; p++)
		if (!strcmp(*p, name))
			return true;
	return false;
}

/* memory-blocks.md §6 (observed root directory contents): 6.1 has
 * auto_online_blocks and block_size_bytes but no soft_offline_page /
 * hard_offline_page (no CONFIG_MEMORY_FAILURE) and no crash_hotplug; 6.12
 * additionally has crash_hotplug, hard_offline_page, soft_offline_page
 * (0444, 0200, 0200). Neither has probe. The listing holds memory0..15 and
 * memory32..47 (checklist 10). */
static void test_b_root_files_per_version(void **state)
{
	struct machine *m = tu_boot("-M q35 -m 4G", NULL, MEMHP_KERNEL_6_1);
	unsigned int mode = 0;
	char **names = NULL;

	(void)state;
	assert_int_equal(vfs_list(TU_VFS(m), MEM, &names), 0);
	assert_true(list_has(names, "auto_online_blocks"));
	assert_true(list_has(names, "block_size_bytes"));
	assert_false(list_has(names, "crash_hotplug"));
	assert_false(list_has(names, "hard_offline_page"));
	assert_false(list_has(names, "soft_offline_page"));
	assert_false(list_has(names, "probe"));
	assert_true(list_has(names, "memory0"));
	assert_true(list_has(names, "memory15"));
	assert_false(list_has(names, "memory16"));
	assert_false(list_has(names, "memory31"));
	assert_true(list_has(names, "memory32"));
	assert_true(list_has(names, "memory47"));
	assert_false(list_has(names, "memory48"));
	vfs_free_list(names);
	machine_free(m);

	m = tu_boot("-M q35 -m 4G", NULL, MEMHP_KERNEL_6_12);
	assert_int_equal(vfs_list(TU_VFS(m), MEM, &names), 0);
	assert_true(list_has(names, "auto_online_blocks"));
	assert_true(list_has(names, "block_size_bytes"));
	assert_true(list_has(names, "crash_hotplug"));
	assert_true(list_has(names, "hard_offline_page"));
	assert_true(list_has(names, "soft_offline_page"));
	assert_false(list_has(names, "probe"));
	vfs_free_list(names);
	assert_int_equal(vfs_lookup(TU_VFS(m), MEM "/crash_hotplug", &mode), VFS_FILE);
	assert_int_equal(mode, 0444);
	assert_int_equal(vfs_lookup(TU_VFS(m), MEM "/hard_offline_page", &mode), VFS_FILE);
	assert_int_equal(mode, 0200);
	assert_int_equal(vfs_lookup(TU_VFS(m), MEM "/soft_offline_page", &mode), VFS_FILE);
	assert_int_equal(mode, 0200);
	machine_free(m);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_a1_probe_small_vm),
		cmocka_unit_test(test_a2_probe_exactly_64g),
		cmocka_unit_test(test_a3_probe_largest_aligned),
		cmocka_unit_test(test_a4_probe_no_alignment),
		cmocka_unit_test(test_a5_probe_bare_metal),
		cmocka_unit_test(test_a1_booted_q35_4g),
		cmocka_unit_test(test_a2_booted_q35_62g),
		cmocka_unit_test(test_a2_booted_q35_64g),
		cmocka_unit_test(test_a3_booted_q35_65g),
		cmocka_unit_test(test_a3_booted_pc_64g),
		cmocka_unit_test(test_a4_booted_q35_63616m),
		cmocka_unit_test(test_a5_booted_bare_metal),
		cmocka_unit_test(test_a2_large_blocks_layout_q35_62g),
		cmocka_unit_test(test_a3_large_blocks_layout_q35_65g),
		cmocka_unit_test(test_a6_block_size_fixed_after_add),
		cmocka_unit_test(test_a6_dimm_on_62g_vm),
		cmocka_unit_test(test_a8_phys_index_format),
		cmocka_unit_test(test_a9_static_files),
		cmocka_unit_test(test_b10_blocks_exist_q35_4g),
		cmocka_unit_test(test_b10_blocks_exist_pc_4g),
		cmocka_unit_test(test_b11_boot_blocks_online),
		cmocka_unit_test(test_b12_memory0_mixed),
		cmocka_unit_test(test_b13_single_zone_boot_blocks_q35),
		cmocka_unit_test(test_b13_single_zone_boot_blocks_pc),
		cmocka_unit_test(test_b14_holed_block_q35),
		cmocka_unit_test(test_b14_holed_block_pc),
		cmocka_unit_test(test_b_block_size_bytes),
		cmocka_unit_test(test_b_zones_q35_4g),
		cmocka_unit_test(test_b_zones_pc_4g),
		cmocka_unit_test(test_b_zones_pc_2g),
		cmocka_unit_test(test_b_e820_q35_65g_extra_reserved_page),
		cmocka_unit_test(test_b_root_files_per_version),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
