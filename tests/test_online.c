/* Conformance checklist C (state / online writes, items 15-24) and D
 * (auto_online_blocks, add and remove, items 25-36): the kernel's values
 * from conformance-checklist.md, memory-blocks.md §4.2-4.4, §5.1-5.3, §6. */
#include "test_util.h"

/* ------------------------------------------------------------------ */
/* C. state / online writes                                           */
/* ------------------------------------------------------------------ */

/* The C tests that only write and read block files: each test's steps,
 * under the reason for them. */
static const struct tu_blk_step c_steps[] = {
    /* checklist 15: echo online > memory32/state -> EINVAL (device_online returns 1) */
    TU_TEST("c15_online_an_online_block"),
    TU_ECHO(32, "state", "online\n", -EINVAL),
    TU_ECHO(32, "state", "online_kernel\n", -EINVAL),
    TU_ECHO(32, "state", "online_movable\n", -EINVAL),
    TU_CAT(32, "state", "online\n"),
    TU_CAT(32, "valid_zones", "Normal\n"),
    /* checklist 16: echo offline > state of an offline hot-added block -> EINVAL */
    TU_TEST("c16_offline_an_offline_block"),
    TU_ECHO(48, "state", "offline\n", -EINVAL),
    TU_CAT(48, "state", "offline\n"),
    TU_CAT(48, "online", "0\n"),
    /* checklist 17: the online file is idempotent */
    TU_TEST("c17_online_file_idempotent"),
    TU_ECHO(32, "online", "1\n", 0),
    TU_CAT(32, "state", "online\n"),
    TU_CAT(32, "valid_zones", "Normal\n"),
    TU_ECHO(48, "online", "0\n", 0),
    TU_CAT(48, "state", "offline\n"),
    TU_CAT(48, "valid_zones", "Normal Movable\n"),
    /* checklist 18: sysfs_streq matching: case-sensitive, no leading/other
     * whitespace, at most one trailing newline. */
    TU_TEST("c18_string_matching"),
    TU_ECHO(48, "state", "Online\n", -EINVAL),
    TU_ECHO(48, "state", " online\n", -EINVAL),
    TU_ECHO(48, "state", "online \n", -EINVAL),
    TU_ECHO(48, "state", "online\n\n", -EINVAL),
    TU_ECHO(48, "state", "ONLINE_MOVABLE\n", -EINVAL),
    TU_ECHO(48, "state", "\n", -EINVAL),
    TU_CAT(48, "state", "offline\n"),
    /* printf 'online\n' > state -> accepted */
    TU_ECHO(48, "state", "online\n", 0),
    TU_CAT(48, "state", "online\n"),
    /* online_movable\n -> accepted */
    TU_ECHO(49, "state", "online_movable\n", 0),
    TU_CAT(49, "state", "online\n"),
    /* no newline at all (echo -n) is accepted too */
    TU_ECHO(50, "state", "online_kernel", 0),
    TU_CAT(50, "state", "online\n"),
    TU_ECHO(50, "state", "offline", 0),
    TU_CAT(50, "state", "offline\n"),
    /* checklist 19: kstrtobool on the online file */
    TU_TEST("c19_kstrtobool"),
    /* echo yes > online onlines it with the policy zone (Normal, checklist 37) */
    TU_ECHO(48, "online", "yes\n", 0),
    TU_CAT(48, "state", "online\n"),
    TU_CAT(48, "valid_zones", "Normal\n"),
    /* echo on > online onlines */
    TU_ECHO(49, "online", "on\n", 0),
    TU_CAT(49, "state", "online\n"),
    /* echo off > online offlines an online block */
    TU_ECHO(49, "online", "off\n", 0),
    TU_CAT(49, "state", "offline\n"),
    /* echo maybe > online -> EINVAL, nothing changes */
    TU_ECHO(48, "online", "maybe\n", -EINVAL),
    TU_ECHO(49, "online", "maybe\n", -EINVAL),
    TU_CAT(48, "state", "online\n"),
    TU_CAT(49, "state", "offline\n"),
    /* checklist 20: echo online_movable > memory48/state -> online, valid_zones Movable */
    TU_TEST("c20_online_movable"),
    TU_ECHO(48, "state", "online_movable\n", 0),
    TU_CAT(48, "state", "online\n"),
    TU_CAT(48, "online", "1\n"),
    TU_CAT(48, "valid_zones", "Movable\n"),
    /* checklist 21: echo online_kernel > memory48/state -> Normal */
    TU_TEST("c21_online_kernel_above_4g"),
    TU_ECHO(48, "state", "online_kernel\n", 0),
    TU_CAT(48, "state", "online\n"),
    TU_CAT(48, "valid_zones", "Normal\n"),
    /* checklist 22: an offlined boot block inside DMA32 (memory10: all RAM, pages
     * free): valid_zones DMA32 Movable; online_kernel (or online) -> DMA32. */
    TU_TEST("c22_online_kernel_inside_dma32"),
    TU_ECHO(10, "state", "offline\n", 0),
    TU_CAT(10, "state", "offline\n"),
    TU_CAT(10, "valid_zones", "DMA32 Movable\n"),
    TU_ECHO(10, "state", "online_kernel\n", 0),
    TU_CAT(10, "valid_zones", "DMA32\n"),
    TU_ECHO(10, "state", "offline\n", 0),
    TU_ECHO(10, "state", "online\n", 0),
    TU_CAT(10, "valid_zones", "DMA32\n"),
    /* checklist 23: online_movable of a block inside the Normal span succeeds */
    TU_TEST("c23_no_positional_refusal"),
    /* a boot block in the middle of Normal (blocks 32-47) */
    TU_ECHO(40, "state", "offline\n", 0),
    TU_ECHO(40, "state", "online_movable\n", 0),
    TU_CAT(40, "valid_zones", "Movable\n"),
    /* hot-added: 48 and 50 Normal, then 49 (inside the Normal span) Movable */
    TU_ECHO(48, "state", "online_kernel\n", 0),
    TU_ECHO(50, "state", "online_kernel\n", 0),
    TU_ECHO(49, "state", "online_movable\n", 0),
    TU_CAT(49, "valid_zones", "Movable\n"),
    /* and the other way round: online_kernel inside the Movable span */
    TU_ECHO(52, "state", "online_movable\n", 0),
    TU_ECHO(54, "state", "online_movable\n", 0),
    TU_ECHO(53, "state", "online_kernel\n", 0),
    TU_CAT(53, "valid_zones", "Normal\n"),
    /* checklist 24 / memory-blocks.md §5.1 (observed): block 52 onlined with
     * online_kernel, echo online_movable > state (EINVAL), offline, echo 1 >
     * online -> Movable (stale type); offline again, echo 1 > online -> Normal. */
    TU_TEST("c24_stale_online_type"),
    TU_ECHO(52, "state", "online_kernel\n", 0),
    TU_CAT(52, "valid_zones", "Normal\n"),
    TU_ECHO(52, "state", "online_movable\n", -EINVAL),
    TU_CAT(52, "valid_zones", "Normal\n"),
    TU_ECHO(52, "state", "offline\n", 0),
    TU_ECHO(52, "online", "1\n", 0),
    TU_CAT(52, "valid_zones", "Movable\n"),
    TU_ECHO(52, "state", "offline\n", 0),
    TU_ECHO(52, "online", "1\n", 0),
    TU_CAT(52, "valid_zones", "Normal\n"),
    /* checklist 24: a successful online of an offline block resets the type:
     * online_movable, offline, echo 1 > online -> policy (Normal). */
    TU_TEST("c24_type_reset_after_success"),
    TU_ECHO(52, "state", "online_movable\n", 0),
    TU_CAT(52, "valid_zones", "Movable\n"),
    TU_ECHO(52, "state", "offline\n", 0),
    TU_ECHO(52, "online", "1\n", 0),
    TU_CAT(52, "valid_zones", "Normal\n"),
};

TU_STEPS_TEST(c_steps, c15_online_an_online_block)
TU_STEPS_TEST(c_steps, c16_offline_an_offline_block)
TU_STEPS_TEST(c_steps, c17_online_file_idempotent)
TU_STEPS_TEST(c_steps, c18_string_matching)
TU_STEPS_TEST(c_steps, c19_kstrtobool)
TU_STEPS_TEST(c_steps, c20_online_movable)
TU_STEPS_TEST(c_steps, c21_online_kernel_above_4g)
TU_STEPS_TEST(c_steps, c22_online_kernel_inside_dma32)
TU_STEPS_TEST(c_steps, c23_no_positional_refusal)
TU_STEPS_TEST(c_steps, c24_stale_online_type)
TU_STEPS_TEST(c_steps, c24_type_reset_after_success)

/* memory-blocks.md §5.2 (observed): yes, on, ON, true, Y online; off, oF, n,
 * false, 0x1, nonsense offline; maybe, o, 2, -1 and an empty line -> EINVAL. */
static void test_c19_kstrtobool_observed_list(void **state)
{
	struct machine *m = *state;
	static const char *const on[] = {"yes\n", "on\n", "ON\n", "true\n", "Y\n", "1\n", "t", "T\n"};
	static const char *const off[] = {"off\n", "oF\n", "n\n", "false\n", "0x1\n", "nonsense\n",
					  "0\n", "N"};
	static const char *const bad[] = {"maybe\n", "o\n", "2\n", "-1\n", "\n", "", "o"};

	for (size_t i = 0; i < sizeof(on) / sizeof(on[0]); i++) {
		assert_string_equal(tu_blk(m, 48, "state"), "offline\n");
		if (tu_blk_write(m, 48, "online", on[i]) != 0)
			fail_msg("'%s' > online: expected success", on[i]);
		if (strcmp(tu_blk(m, 48, "state"), "online\n"))
			fail_msg("'%s' > online: expected the block online", on[i]);
		/* take it down again with the state file */
		assert_int_equal(tu_blk_write(m, 48, "state", "offline\n"), 0);
	}
	assert_int_equal(tu_blk_write(m, 48, "state", "online\n"), 0);
	for (size_t i = 0; i < sizeof(off) / sizeof(off[0]); i++) {
		assert_string_equal(tu_blk(m, 48, "state"), "online\n");
		if (tu_blk_write(m, 48, "online", off[i]) != 0)
			fail_msg("'%s' > online: expected success", off[i]);
		if (strcmp(tu_blk(m, 48, "state"), "offline\n"))
			fail_msg("'%s' > online: expected the block offline", off[i]);
		assert_int_equal(tu_blk_write(m, 48, "state", "online\n"), 0);
	}
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		if (tu_blk_write(m, 48, "online", bad[i]) != -EINVAL)
			fail_msg("'%s' > online (online block): expected EINVAL", bad[i]);
		if (tu_blk_write(m, 49, "online", bad[i]) != -EINVAL)
			fail_msg("'%s' > online (offline block): expected EINVAL", bad[i]);
	}
	assert_string_equal(tu_blk(m, 48, "state"), "online\n");
	assert_string_equal(tu_blk(m, 49, "state"), "offline\n");
}

/* checklist 24 / memory-blocks.md §5.1 (observed with notifier error
 * injection): vetoed online_movable, then echo 1 > online -> Normal.
 * checklist 82: after the veto the block is offline and the zone span is
 * restored (Movable was empty -> empty again). */
static void test_c24_type_reset_after_veto(void **state)
{
	struct machine *m = *state;
	struct tu_veto veto = {.action = MEM_GOING_ONLINE, .start_pfn = PFN_OF_BLOCK(52), .err = -EPERM};

	tu_register_veto(m->kernel, &veto);
	assert_int_equal(tu_blk_write(m, 52, "state", "online_movable\n"), -EPERM);
	assert_string_equal(tu_blk(m, 52, "state"), "offline\n");
	assert_int_equal(veto.nr_calls[MEM_CANCEL_ONLINE], 1);
	assert_int_equal(tu_zone(m, 0, ZONE_MOVABLE)->spanned_pages, 0);
	assert_int_equal(tu_zone(m, 0, ZONE_MOVABLE)->present_pages, 0);
	unregister_memory_notifier(m->kernel, &veto);
	assert_int_equal(tu_blk_write(m, 52, "online", "1\n"), 0);
	assert_string_equal(tu_blk(m, 52, "valid_zones"), "Normal\n");
}

/* ------------------------------------------------------------------ */
/* D. auto_online_blocks and add/remove                               */
/* ------------------------------------------------------------------ */

/* checklist 25: 6.1 cloud kernel reads offline, 6.12 cloud kernel reads online */
static void test_d25_auto_online_defaults(void **state)
{
	struct machine *m = tu_boot("-M q35 -m 4G", NULL, MEMHP_KERNEL_6_1);

	(void)state;
	assert_string_equal(tu_readf(m, MEM "/auto_online_blocks"), "offline\n");
	machine_free(m);
	m = tu_boot("-M q35 -m 4G", NULL, MEMHP_KERNEL_6_12);
	assert_string_equal(tu_readf(m, MEM "/auto_online_blocks"), "online\n");
	/* 6.12: a hot-added block is onlined at once, by the policy (Normal) */
	assert_int_equal(add_memory(m->kernel, 0, 6 * GiB, 128 * MiB, 0), 0);
	assert_string_equal(tu_blk(m, 48, "state"), "online\n");
	assert_string_equal(tu_blk(m, 48, "valid_zones"), "Normal\n");
	machine_free(m);
}

/* checklist 26: memhp_default_state=online_movable -> online_movable (both);
 * memhp_default_state=bogus -> config default unchanged (6.1 offline, 6.12
 * online); online_kernel works on both (memory-blocks.md §6.1). */
static void test_d26_cmdline(void **state)
{
	static const struct {
		const char *cmdline;
		enum memhp_kernel v;
		const char *want;
	} cases[] = {
		{"memhp_default_state=online_movable", MEMHP_KERNEL_6_1, "online_movable\n"},
		{"memhp_default_state=online_movable", MEMHP_KERNEL_6_12, "online_movable\n"},
		{"memhp_default_state=online_kernel", MEMHP_KERNEL_6_1, "online_kernel\n"},
		{"memhp_default_state=online_kernel", MEMHP_KERNEL_6_12, "online_kernel\n"},
		{"memhp_default_state=bogus", MEMHP_KERNEL_6_1, "offline\n"},
		{"memhp_default_state=bogus", MEMHP_KERNEL_6_12, "online\n"},
		{"memhp_default_state=offline", MEMHP_KERNEL_6_12, "offline\n"},
		{"memhp_default_state=online", MEMHP_KERNEL_6_1, "online\n"},
	};

	(void)state;
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		struct machine *m = tu_boot("-M q35 -m 4G", cases[i].cmdline, cases[i].v);
		const char *got = tu_readf(m, MEM "/auto_online_blocks");

		if (strcmp(got, cases[i].want))
			fail_msg("%s on %s: auto_online_blocks '%s', expected '%s'", cases[i].cmdline,
				 memhp_kernel_name(cases[i].v), got, cases[i].want);
		machine_free(m);
	}
}

/* checklist 27: echo online_kernel > auto_online_blocks -> reads online_kernel;
 * the next hot-added block is onlined to Normal; existing offline blocks are
 * unaffected; echo auto > auto_online_blocks -> EINVAL. */
static void test_d27_sysfs_write(void **state)
{
	struct machine *m = *state;

	assert_int_equal(vfs_write(TU_VFS(m), MEM "/auto_online_blocks", "online_kernel\n"), 0);
	assert_string_equal(tu_readf(m, MEM "/auto_online_blocks"), "online_kernel\n");
	for (uint64_t id = 48; id <= 55; id++)
		assert_string_equal(tu_blk(m, id, "state"), "offline\n");
	/* 7 GiB = block 56 */
	assert_int_equal(add_memory(m->kernel, 0, 7 * GiB, 128 * MiB, 0), 0);
	assert_string_equal(tu_blk(m, 56, "state"), "online\n");
	assert_string_equal(tu_blk(m, 56, "valid_zones"), "Normal\n");
	assert_string_equal(tu_blk(m, 48, "state"), "offline\n");
	assert_int_equal(vfs_write(TU_VFS(m), MEM "/auto_online_blocks", "auto\n"), -EINVAL);
	assert_int_equal(vfs_write(TU_VFS(m), MEM "/auto_online_blocks", "Online\n"), -EINVAL);
	assert_string_equal(tu_readf(m, MEM "/auto_online_blocks"), "online_kernel\n");
	/* any of the four strings is accepted (memory-blocks.md §6.2) */
	assert_int_equal(vfs_write(TU_VFS(m), MEM "/auto_online_blocks", "online_movable"), 0);
	assert_string_equal(tu_readf(m, MEM "/auto_online_blocks"), "online_movable\n");
	assert_int_equal(vfs_write(TU_VFS(m), MEM "/auto_online_blocks", "offline\n"), 0);
	assert_string_equal(tu_readf(m, MEM "/auto_online_blocks"), "offline\n");
}

/* checklist 28: auto-online failure is ignored: the add returns 0; the vetoed
 * block stays offline, the others are online. */
static void test_d28_auto_online_failure_ignored(void **state)
{
	struct machine *m = tu_boot("-M q35 -m 4G", "memhp_default_state=online", MEMHP_KERNEL_6_1);
	struct tu_veto veto = {.action = MEM_GOING_ONLINE, .start_pfn = PFN_OF_BLOCK(49), .err = -EPERM};

	(void)state;
	tu_register_veto(m->kernel, &veto);
	/* 6 GiB, 384 MiB = blocks 48, 49, 50 */
	assert_int_equal(add_memory(m->kernel, 0, 6 * GiB, 384 * MiB, 0), 0);
	assert_string_equal(tu_blk(m, 48, "state"), "online\n");
	assert_string_equal(tu_blk(m, 49, "state"), "offline\n");
	assert_string_equal(tu_blk(m, 50, "state"), "online\n");
	machine_free(m);
}

/* checklist 29 / memory-blocks.md §4.2 step 2: size 0 or start/size not a
 * multiple of the block size -> EINVAL. */
static void test_d29_unaligned_add(void **state)
{
	/* the checklist's machine: nothing hot-added yet, 6 GiB + 64 MiB is free */
	struct machine *m = tu_boot("-M q35 -m 4G", NULL, MEMHP_KERNEL_6_1);

	(void)state;
	assert_int_equal(add_memory(m->kernel, 0, 6 * GiB + 64 * MiB, 128 * MiB, 0), -EINVAL);
	assert_false(tu_block_exists(m, 48));
	assert_false(tu_block_exists(m, 49));
	assert_int_equal(add_memory(m->kernel, 0, 8 * GiB + 64 * MiB, 128 * MiB, 0), -EINVAL);
	assert_int_equal(add_memory(m->kernel, 0, 8 * GiB, 64 * MiB, 0), -EINVAL);
	assert_int_equal(add_memory(m->kernel, 0, 8 * GiB, 192 * MiB, 0), -EINVAL);
	assert_int_equal(add_memory(m->kernel, 0, 8 * GiB, 0, 0), -EINVAL);
	/* 8 GiB = block 64: nothing was created */
	assert_false(tu_block_exists(m, 64));
	assert_false(tu_block_exists(m, 65));
	machine_free(m);
}

/* checklist 30 / memory-blocks.md §4.2 step 1 (before the alignment check):
 * a range overlapping existing RAM -> EEXIST. */
static void test_d30_overlapping_add(void **state)
{
	struct machine *m = *state;

	/* boot RAM at 4 GiB (block 32) */
	assert_int_equal(add_memory(m->kernel, 0, 4 * GiB, 128 * MiB, 0), -EEXIST);
	/* 5.5 GiB + 1 GiB overlaps boot blocks 44-47 and hot-added 48-51 */
	assert_int_equal(add_memory(m->kernel, 0, 5 * GiB + 512 * MiB, 1 * GiB, 0), -EEXIST);
	/* the range added by the fixture, again */
	assert_int_equal(add_memory(m->kernel, 0, 6 * GiB, 1 * GiB, 0), -EEXIST);
	/* overlap is checked before alignment: unaligned but overlapping -> EEXIST */
	assert_int_equal(add_memory(m->kernel, 0, 6 * GiB + 64 * MiB, 128 * MiB, 0), -EEXIST);
	/* nothing changed */
	for (uint64_t id = 48; id <= 55; id++)
		assert_string_equal(tu_blk(m, id, "state"), "offline\n");
	assert_false(tu_block_exists(m, 56));
}

/* checklist 31 / memory-blocks.md §6: the probe file exists only with
 * CONFIG_ARCH_MEMORY_PROBE, which Debian's 6.1 and 6.12 cloud kernels lack. */
static void test_d31_no_probe_file(void **state)
{
	struct machine *m = *state;

	assert_int_equal(vfs_lookup(TU_VFS(m), MEM "/probe", NULL), VFS_NONE);
	assert_int_equal(vfs_write(TU_VFS(m), MEM "/probe", "0x200000000\n"), -ENOENT);
}

/* checklist 32: after adding 1 GiB at 6 GiB: memory48-55 exist, offline,
 * valid_zones Normal Movable, links memory48/node0 and node0/memory48. */
static void test_d32_new_blocks(void **state)
{
	struct machine *m = *state;
	char *target = NULL;

	for (uint64_t id = 48; id <= 55; id++) {
		assert_true(tu_block_exists(m, id));
		assert_string_equal(tu_blk(m, id, "state"), "offline\n");
		assert_string_equal(tu_blk(m, id, "online"), "0\n");
		assert_string_equal(tu_blk(m, id, "valid_zones"), "Normal Movable\n");
		assert_int_equal(tu_lookupf(m, MEM "/memory%llu/node0", (unsigned long long)id), VFS_LINK);
		assert_int_equal(tu_lookupf(m, NODE "/node0/memory%llu", (unsigned long long)id), VFS_LINK);
	}
	/* 6 GiB + 1 GiB = 7 GiB = block 56: not part of the range */
	assert_false(tu_block_exists(m, 56));
	/* memory-blocks.md §5: node<K> -> ../../node/node<K>; §5.4: the reverse link */
	assert_int_equal(vfs_readlink(TU_VFS(m), MEM "/memory48/node0", &target), 0);
	assert_string_equal(target, "../../node/node0");
	free(target);
	assert_int_equal(vfs_readlink(TU_VFS(m), NODE "/node0/memory48", &target), 0);
	assert_string_equal(target, "../../memory/memory48");
	free(target);
	/* hot-added blocks get exactly one node */
	assert_int_equal(vfs_lookup(TU_VFS(m), MEM "/memory48/node1", NULL), VFS_NONE);
}

/* checklist 33: remove_memory(6 GiB, 1 GiB) while memory50 is online -> EBUSY,
 * no block removed. */
static void test_d33_remove_with_online_block(void **state)
{
	struct machine *m = *state;

	assert_int_equal(tu_blk_write(m, 50, "state", "online\n"), 0);
	assert_int_equal(remove_memory(m->kernel, 6 * GiB, 1 * GiB), -EBUSY);
	for (uint64_t id = 48; id <= 55; id++)
		assert_true(tu_block_exists(m, id));
	assert_string_equal(tu_blk(m, 50, "state"), "online\n");
	assert_int_equal(vfs_lookup(TU_VFS(m), NODE "/node0/memory48", NULL), VFS_LINK);
}

/* checklist 34: all eight offline -> 0; directories and node links gone. */
static void test_d34_remove_success(void **state)
{
	struct machine *m = *state;

	/* online and offline one, so that its zone was touched */
	assert_int_equal(tu_blk_write(m, 50, "state", "online\n"), 0);
	assert_int_equal(tu_blk_write(m, 50, "state", "offline\n"), 0);
	assert_int_equal(remove_memory(m->kernel, 6 * GiB, 1 * GiB), 0);
	for (uint64_t id = 48; id <= 55; id++) {
		assert_false(tu_block_exists(m, id));
		assert_int_equal(tu_lookupf(m, NODE "/node0/memory%llu", (unsigned long long)id),
				 VFS_NONE);
	}
	assert_int_equal(vfs_lookup(TU_VFS(m), MEM "/memory48/state", NULL), VFS_NONE);
	assert_int_equal(tu_blk_write(m, 48, "state", "online\n"), -ENOENT);
	/* boot blocks are untouched */
	assert_string_equal(tu_blk(m, 47, "state"), "online\n");
	assert_int_equal(vfs_lookup(TU_VFS(m), NODE "/node0/memory47", NULL), VFS_LINK);
	/* the range can be added again */
	assert_int_equal(add_memory(m->kernel, 0, 6 * GiB, 1 * GiB, 0), 0);
	assert_string_equal(tu_blk(m, 48, "state"), "offline\n");
}

/* checklist 35: blocks 48-51 online Movable; block 50 fails to offline with
 * EBUSY -> result EBUSY; 48 and 49 online again in Movable; 51 never touched;
 * nothing removed. */
static void test_d35_offline_and_remove_rollback(void **state)
{
	struct machine *m = tu_boot("-M q35 -m 4G", NULL, MEMHP_KERNEL_6_1);
	/* pfn(50) = 50 * 32768 = 1638400 */
	struct tu_veto veto = {.action = MEM_GOING_OFFLINE, .start_pfn = 1638400, .err = -EBUSY};
	const struct zone *mz = tu_zone(m, 0, ZONE_MOVABLE);

	(void)state;
	/* 6 GiB + 512 MiB = blocks 48-51 */
	assert_int_equal(add_memory(m->kernel, 0, 6 * GiB, 512 * MiB, 0), 0);
	tu_blk_write_range(m, 48, 51, "state", "online_movable\n");
	tu_register_veto(m->kernel, &veto);
	assert_int_equal(offline_and_remove_memory(m->kernel, 6 * GiB, 512 * MiB), -EBUSY);
	for (uint64_t id = 48; id <= 51; id++) {
		assert_true(tu_block_exists(m, id));
		assert_string_equal(tu_blk(m, id, "state"), "online\n");
		assert_string_equal(tu_blk(m, id, "valid_zones"), "Movable\n");
	}
	/* GOING_OFFLINE was sent for 48, 49 and 50 only (51 never touched) */
	assert_int_equal(veto.nr_seen, 3);
	assert_int_equal(veto.seen_pfn[0], PFN_OF_BLOCK(48));
	assert_int_equal(veto.seen_pfn[1], PFN_OF_BLOCK(49));
	assert_int_equal(veto.seen_pfn[2], PFN_OF_BLOCK(50));
	/* Movable back to blocks 48-51: start 1572864, spanned 4 * 32768 = 131072 */
	TU_ASSERT_SPAN(mz, 1572864, 131072, 131072);
	machine_free(m);
}

/* checklist 35 variant: block 50 holds a PG_reserved page (EBUSY at isolation) */
static void test_d35_offline_and_remove_rollback_reserved(void **state)
{
	struct machine *m = tu_boot("-M q35 -m 4G", NULL, MEMHP_KERNEL_6_1);

	(void)state;
	assert_int_equal(add_memory(m->kernel, 0, 6 * GiB, 512 * MiB, 0), 0);
	tu_blk_write_range(m, 48, 51, "state", "online_movable\n");
	assert_int_equal(page_alloc_range(m->kernel, 50 * 32768 + 7, 1, PAGE_RESERVED, TAG_BOOT_UNMOVABLE), 0);
	assert_int_equal(offline_and_remove_memory(m->kernel, 6 * GiB, 512 * MiB), -EBUSY);
	for (uint64_t id = 48; id <= 51; id++) {
		assert_string_equal(tu_blk(m, id, "state"), "online\n");
		assert_string_equal(tu_blk(m, id, "valid_zones"), "Movable\n");
	}
	machine_free(m);
}

/* memory-blocks.md §4.4: success offlines everything and removes the range;
 * blocks that were already offline are fine. */
static void test_d35_offline_and_remove_success(void **state)
{
	struct machine *m = *state;

	assert_int_equal(tu_blk_write(m, 48, "state", "online_movable\n"), 0);
	assert_int_equal(tu_blk_write(m, 49, "state", "online_kernel\n"), 0);
	assert_int_equal(offline_and_remove_memory(m->kernel, 6 * GiB, 1 * GiB), 0);
	for (uint64_t id = 48; id <= 55; id++)
		assert_false(tu_block_exists(m, id));
	/* checklist 44: the only Movable block went away -> Movable empty */
	assert_int_equal(tu_zone(m, 0, ZONE_MOVABLE)->spanned_pages, 0);
	assert_int_equal(tu_zone(m, 0, ZONE_MOVABLE)->present_pages, 0);
}

/* checklist 36: offline_and_remove_memory with size 0 or unaligned -> EINVAL */
static void test_d36_offline_and_remove_alignment(void **state)
{
	struct machine *m = *state;

	assert_int_equal(tu_blk_write(m, 48, "state", "online_movable\n"), 0);
	assert_int_equal(offline_and_remove_memory(m->kernel, 6 * GiB, 0), -EINVAL);
	assert_int_equal(offline_and_remove_memory(m->kernel, 6 * GiB, 64 * MiB), -EINVAL);
	assert_int_equal(offline_and_remove_memory(m->kernel, 6 * GiB + 64 * MiB, 128 * MiB), -EINVAL);
	assert_int_equal(offline_and_remove_memory(m->kernel, 6 * GiB, 1 * GiB + 64 * MiB), -EINVAL);
	/* nothing was offlined or removed */
	assert_string_equal(tu_blk(m, 48, "state"), "online\n");
	for (uint64_t id = 48; id <= 55; id++)
		assert_true(tu_block_exists(m, id));
}

/* Issue 10: online_movable then offline of memory79 (the last block of a 4
 * GiB DIMM at 6 GiB on q35 -m 4G) in an empty Movable zone, twice. The
 * zone's online-block map must come back empty each time; under ./test.sh's
 * LeakSanitizer the map's nodes must all have been freed. */
static void test_online_offline_cycle_leaves_no_nodes(void **state)
{
	struct machine *m = tu_boot("-M q35 -m 4G,slots=4,maxmem=16G", NULL, MEMHP_KERNEL_6_1);
	struct zone *movable = tu_zone(m, 0, ZONE_MOVABLE);

	(void)state;
	tu_plug_dimm(m, "mem1", "dimm1", 4 * GiB, -1);
	machine_run_pending(m);
	assert_string_equal(tu_blk(m, 79, "state"), "offline\n");
	for (int i = 0; i < 2; i++) {
		assert_int_equal(tu_blk_write(m, 79, "state", "online_movable\n"), 0);
		assert_string_equal(tu_blk(m, 79, "valid_zones"), "Movable\n");
		assert_int_equal(idtree_count(&movable->online_blocks), 1);
		assert_int_equal(tu_blk_write(m, 79, "state", "offline\n"), 0);
		assert_int_equal(idtree_count(&movable->online_blocks), 0);
		assert_int_equal(idtree_nodes(&movable->online_blocks), 0);
	}
	machine_free(m);
}

#define T(f) cmocka_unit_test_setup_teardown(f, tu_setup_q35_plus_1g, tu_teardown_machine)

int main(void)
{
	const struct CMUnitTest tests[] = {
		T(test_c15_online_an_online_block),
		T(test_c16_offline_an_offline_block),
		T(test_c17_online_file_idempotent),
		T(test_c18_string_matching),
		T(test_c19_kstrtobool),
		T(test_c19_kstrtobool_observed_list),
		T(test_c20_online_movable),
		T(test_c21_online_kernel_above_4g),
		T(test_c22_online_kernel_inside_dma32),
		T(test_c23_no_positional_refusal),
		T(test_c24_stale_online_type),
		T(test_c24_type_reset_after_success),
		T(test_c24_type_reset_after_veto),
		cmocka_unit_test(test_d25_auto_online_defaults),
		cmocka_unit_test(test_d26_cmdline),
		T(test_d27_sysfs_write),
		cmocka_unit_test(test_d28_auto_online_failure_ignored),
		cmocka_unit_test(test_d29_unaligned_add),
		T(test_d30_overlapping_add),
		T(test_d31_no_probe_file),
		T(test_d32_new_blocks),
		T(test_d33_remove_with_online_block),
		T(test_d34_remove_success),
		cmocka_unit_test(test_d35_offline_and_remove_rollback),
		cmocka_unit_test(test_d35_offline_and_remove_rollback_reserved),
		T(test_d35_offline_and_remove_success),
		T(test_d36_offline_and_remove_alignment),
		cmocka_unit_test(test_online_offline_cycle_leaves_no_nodes),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
