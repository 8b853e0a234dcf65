/* memhp online / offline (lib/userspace/chmem.c) and the live reader
 * under them (live.c), on the model's /sys and /proc and on sysroot trees.
 *
 * The seeds' target usage: a 4 GiB q35 VM booted with
 * memhp_default_state=offline gets six 4 GiB DIMMs (blocks 48-239), left
 * offline. With online_policy=auto-movable and ratio 301 on its command
 * line the real 6.1 and 6.12 kernels put blocks 48-143 in Movable and
 * 144-239 in Normal (recorded: tests/conformance/am-q35-six-dimms.scn).
 * The same must come out whether the kernel decides (`online`) or memhp
 * decides from the live numbers (--policy) and writes the zone. */
#include "test_util.h"

#include "chmem.h"
#include "guest_shell.h"
#include "live.h"
#include "array.h"
#include "tool.h"

#define GIB (1ULL << 30)

static struct machine *six_offline_dimms_on(enum memhp_kernel version)
{
	struct machine *m = tu_boot_seeds_offline(version);

	assert_string_equal(tu_blk(m, 48, "state"), "offline\n");
	assert_string_equal(tu_blk(m, 239, "state"), "offline\n");
	return m;
}

static struct machine *six_offline_dimms(void)
{
	return six_offline_dimms_on(MEMHP_KERNEL_6_12);
}

struct run {
	int rc;
	struct strbuf out, err;
};

/* Runs a tool on fs with argv given as a NULL-terminated list. */
static struct run run_on(const struct vfs *fs, bool live, const char *name, ...)
{
	struct run r = {0};
	char *argv[32];
	int argc = 0;
	va_list ap;
	struct tool_ctx t = {.fs = fs, .out = &r.out, .err = &r.err, .live = live, .root = true};

	argv[argc++] = (char *)name;
	va_start(ap, name);
	for (char *a; (a = va_arg(ap, char *));)
		argv[argc++] = a;
	va_end(ap);
	argv[argc] = NULL;
	r.rc = tool_find(name)->main(&t, argc, argv);
	return r;
}

static void run_release(struct run *r)
{
	strbuf_release(&r->out);
	strbuf_release(&r->err);
}

static void assert_zones(struct machine *m, uint64_t first, uint64_t last, const char *zone)
{
	char want[32];

	snprintf(want, sizeof(want), "%s\n", zone);
	for (uint64_t id = first; id <= last; id++) {
		assert_string_equal(tu_blk(m, id, "state"), "online\n");
		if (strcmp(tu_blk(m, id, "valid_zones"), want))
			fail_msg("memory%llu: %s, expected %s", (unsigned long long)id,
				 tu_blk(m, id, "valid_zones"), zone);
	}
}

/* The kernel decides: auto-movable set through sysfs, then `online`. */
static void test_target_usage_kernel_decides_on(enum memhp_kernel version)
{
	struct machine *m = six_offline_dimms_on(version);
	struct run r;

	assert_int_equal(vfs_write(TU_VFS(m), PARAMS_DIR "/online_policy", "auto-movable\n"), 0);
	r = run_on(TU_VFS(m), false, "online", "24G", NULL);
	assert_int_equal(r.rc, 0);
	assert_string_equal(r.err.buf ? r.err.buf : "", "");
	assert_zones(m, 48, 143, "Movable");
	assert_zones(m, 144, 239, "Normal");
	run_release(&r);
	tu_teardown_machine((void **)&m);
}

static void test_target_usage_kernel_decides(void **state)
{
	(void)state;
	test_target_usage_kernel_decides_on(MEMHP_KERNEL_6_1);
	test_target_usage_kernel_decides_on(MEMHP_KERNEL_6_12);
}

/* memhp decides with the policy's code from the live numbers while the
 * kernel stays at contig-zones, and writes online_movable/online_kernel. */
static void test_target_usage_policy_here_on(enum memhp_kernel version)
{
	struct machine *m = six_offline_dimms_on(version);
	struct run r;

	assert_string_equal(tu_readf(m, PARAMS_DIR "/online_policy"), "contig-zones\n");
	r = run_on(TU_VFS(m), false, "online", "-b", "--policy", "auto-movable", "--ratio", "301",
		   "48-239", NULL);
	assert_int_equal(r.rc, 0);
	assert_string_equal(r.err.buf ? r.err.buf : "", "");
	assert_zones(m, 48, 143, "Movable");
	assert_zones(m, 144, 239, "Normal");
	run_release(&r);
	tu_teardown_machine((void **)&m);
}

static void test_target_usage_policy_here(void **state)
{
	(void)state;
	test_target_usage_policy_here_on(MEMHP_KERNEL_6_1);
	test_target_usage_policy_here_on(MEMHP_KERNEL_6_12);
}

/* A dry run predicts and changes nothing; its prediction is the kernel's. */
static void test_dry_run(void **state)
{
	struct machine *m = six_offline_dimms();
	struct run r;

	(void)state;
	assert_int_equal(vfs_write(TU_VFS(m), PARAMS_DIR "/online_policy", "auto-movable\n"), 0);
	r = run_on(TU_VFS(m), true, "online", "-n", "-b", "48-239", NULL);
	assert_int_equal(r.rc, 0);
	/* Each predicted block counts for the next: 143 is DIMM 3's last
	 * block, and DIMMs 1-3 (12 GiB) fit 301% of the early kernel
	 * memory; DIMM 4 then would not. */
	assert_non_null(strstr(r.out.buf, "would write online: Memory Block 143 "
					  "(0x0000000478000000-0x000000047fffffff) -> Movable"));
	assert_non_null(strstr(r.out.buf, "Memory Block 144 "
					  "(0x0000000480000000-0x0000000487ffffff) -> Normal"));
	assert_string_equal(tu_blk(m, 143, "state"), "offline\n");
	run_release(&r);
	tu_teardown_machine((void **)&m);
}

/* chmem's order: a size onlines ascending and offlines descending,
 * skipping blocks already there; 64 when only part was done. */
static void test_size_order_and_partial(void **state)
{
	struct machine *m = six_offline_dimms();
	struct run r;

	(void)state;
	r = run_on(TU_VFS(m), false, "online", "-z", "Movable", "256M", NULL);
	assert_int_equal(r.rc, 0);
	assert_zones(m, 48, 49, "Movable");
	assert_string_equal(tu_blk(m, 50, "state"), "offline\n");
	run_release(&r);
	/* Offline by size: the highest online blocks first (49, then 48). */
	r = run_on(TU_VFS(m), false, "offline", "128M", NULL);
	assert_int_equal(r.rc, 0);
	assert_string_equal(tu_blk(m, 49, "state"), "offline\n");
	assert_string_equal(tu_blk(m, 48, "state"), "online\n");
	run_release(&r);
	/* Blocks 238-240: 240 does not exist, two of three are done. */
	r = run_on(TU_VFS(m), false, "online", "-b", "238-240", NULL);
	assert_int_equal(r.rc, TOOL_EXIT_PARTIAL);
	run_release(&r);
	/* More than there is: chmem's message with what was done. */
	r = run_on(TU_VFS(m), false, "offline", "-z", "Movable", "1G", NULL);
	assert_int_equal(r.rc, TOOL_EXIT_PARTIAL);
	assert_string_equal(r.err.buf, "memhp offline: Could only disable 128M of memory\n");
	run_release(&r);
	tu_teardown_machine((void **)&m);
}

/* The kernel's refusal reaches the user with its errno text, per block. */
static void test_write_error(void **state)
{
	struct machine *m = six_offline_dimms();
	struct run r;

	(void)state;
	/* Block 0 spans DMA and DMA32: the kernel refuses to offline a block
	 * of more than one zone. */
	r = run_on(TU_VFS(m), false, "offline", "-b", "0", NULL);
	assert_int_equal(r.rc, 1);
	assert_non_null(strstr(r.err.buf, "Memory Block 0 (0x0000000000000000-0x0000000007ffffff)"
					  " disable failed: "));
	assert_string_equal(tu_blk(m, 0, "state"), "online\n");
	run_release(&r);
	tu_teardown_machine((void **)&m);
}

/* On this machine's /sys, writing needs root and --yes. The handle here is
 * the model's, marked live, so nothing real is touched. */
static void test_live_refusal(void **state)
{
	struct machine *m = six_offline_dimms();
	struct run r;

	(void)state;
	r = run_on(TU_VFS(m), true, "online", "-b", "48", NULL);
	assert_int_equal(r.rc, 1);
	assert_non_null(
	    strstr(r.err.buf, "memhp online: refusing to change this machine's memory"));
	assert_string_equal(tu_blk(m, 48, "state"), "offline\n");
	run_release(&r);
	r = run_on(TU_VFS(m), true, "online", "--yes", "-b", "48", NULL);
	assert_int_equal(r.rc, 0);
	assert_string_equal(tu_blk(m, 48, "state"), "online\n");
	run_release(&r);
	tu_teardown_machine((void **)&m);
}

static void test_bad_arguments(void **state)
{
	struct machine *m = six_offline_dimms();
	static const struct {
		const char *a, *b, *msg;
	} cases[] = {
	    {"100M", NULL, "memhp online: Size must be aligned to memory block size (128M)\n"},
	    {"1x", NULL, "memhp online: Failed to parse size: '1x'\n"},
	    {"0x1000-0x2000", NULL,
	     "memhp online: Start address and (end address + 1) must be aligned to memory "
	     "block size (128M)\n"},
	    {"-z", "Highmem",
	     "memhp online: unknown zone 'Highmem' (expected DMA, DMA32, Normal "
	     "or Movable)\n"},
	    {"--ratio", "5", "memhp online: --ratio and --numa-aware need --policy\n"},
	};

	(void)state;
	for (size_t i = 0; i < ARRAY_SIZE(cases); i++) {
		struct run r = cases[i].b ? run_on(TU_VFS(m), false, "online", cases[i].a,
						   cases[i].b, "1G", NULL)
					  : run_on(TU_VFS(m), false, "online", cases[i].a, NULL);

		assert_true(r.rc == 1 || r.rc == TOOL_EXIT_USAGE);
		assert_string_equal(r.err.buf, cases[i].msg);
		run_release(&r);
	}
	assert_string_equal(tu_blk(m, 48, "state"), "offline\n");
	tu_teardown_machine((void **)&m);
}

/* util-linux strtosize(): K = KiB = 1024, KB = 1000; chmem: bare = MiB. */
static void test_parse_size(void **state)
{
	uint64_t v;

	(void)state;
	assert_int_equal(chmem_parse_size("1G", &v), 0);
	assert_int_equal(v, GIB);
	assert_int_equal(chmem_parse_size("1GiB", &v), 0);
	assert_int_equal(v, GIB);
	assert_int_equal(chmem_parse_size("1GB", &v), 0);
	assert_int_equal(v, 1000000000ULL);
	assert_int_equal(chmem_parse_size("1.5g", &v), 0);
	assert_int_equal(v, 3 * GIB / 2);
	assert_int_equal(chmem_parse_size("128", &v), 0);
	assert_int_equal(v, 128ULL << 20);
	assert_int_equal(chmem_parse_size("G", &v), -EINVAL);
	assert_int_equal(chmem_parse_size("1Q", &v), -EINVAL);
	assert_int_equal(chmem_parse_size("1Gx", &v), -EINVAL);
	assert_int_equal(chmem_parse_size("99999999999999999999", &v), -ERANGE);
	assert_int_equal(chmem_parse_size("20E", &v), -ERANGE);
}

/* The live reader on the model: blocks, nodes, DIMMs as static groups and
 * KERNEL_EARLY from /proc/zoneinfo. */
static void test_live_read(void **state)
{
	struct machine *m = six_offline_dimms();
	struct auto_movable_stats stats[MAX_NUMNODES];
	struct live_memory lm;
	char err[128];

	(void)state;
	assert_int_equal(live_read(TU_VFS(m), &lm, err, sizeof(err)), 0);
	assert_int_equal(lm.block_size, 128ULL << 20);
	/* 0-15 and 32-47 boot (the q35 hole is 2-4 GiB), 48-239 DIMMs. */
	assert_int_equal(lm.nr_blocks, 16 + 16 + 192);
	assert_int_equal(lm.nr_devices, 6);
	for (size_t i = 0; i < lm.nr_devices; i++) {
		assert_int_equal(lm.devices[i].kind, LIVE_DEVICE_ACPI);
		assert_int_equal(lm.devices[i].nr_blocks, 32);
		assert_int_equal(lm.devices[i].start, (6 + 4 * i) * GIB);
		assert_int_equal(lm.devices[i].stats.max_pages, 32 * 32768);
	}
	assert_int_equal(live_find_block(&lm, 0)->zone, -1); /* DMA and DMA32: none */
	assert_int_equal(live_find_block(&lm, 40)->zone, ZONE_NORMAL);
	assert_int_equal(live_find_block(&lm, 40)->device, -1);
	assert_int_equal(live_find_block(&lm, 48)->device, 0);
	/* Nothing hot-added is online: KERNEL_EARLY is every present page. */
	live_auto_movable_stats(&lm, stats);
	assert_int_equal(stats[0].movable_pages, 0);
	assert_int_equal(stats[0].kernel_early_pages, lm.nodes[0].zones[ZONE_DMA].present +
							  lm.nodes[0].zones[ZONE_DMA32].present +
							  lm.nodes[0].zones[ZONE_NORMAL].present);
	live_release(&lm);
	tu_teardown_machine((void **)&m);
}

/* `memhp TOOL` in the model's guest shell: the same tools on the model's
 * tree; the guest is live to them (root, --yes to write), and a host path
 * is never opened for it. */
static void test_guest_shell(void **state)
{
	struct machine *m = six_offline_dimms();
	struct guest_result res;

	(void)state;
	assert_int_equal(guest_shell_run(TU_VFS(m), "memhp online -b 48", &res), 0);
	assert_int_equal(res.rc, 1);
	assert_non_null(strstr(res.err, "run with --yes to confirm"));
	guest_result_free(&res);
	assert_int_equal(guest_shell_run(TU_VFS(m), "memhp online --yes -b 48", &res), 0);
	assert_int_equal(res.rc, 0);
	assert_string_equal(tu_blk(m, 48, "state"), "online\n");
	guest_result_free(&res);
	assert_int_equal(guest_shell_run(TU_VFS(m), "memhp online --yes --sysroot /tmp 1G", &res),
			 -EOPNOTSUPP);
	assert_non_null(strstr(res.err, "the model does not have"));
	guest_result_free(&res);
	assert_int_equal(guest_shell_run(TU_VFS(m), "memhp frobnicate", &res), -EOPNOTSUPP);
	guest_result_free(&res);
	assert_string_equal(tu_blk(m, 49, "state"), "offline\n");
	tu_teardown_machine((void **)&m);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_target_usage_kernel_decides),
	    cmocka_unit_test(test_target_usage_policy_here),
	    cmocka_unit_test(test_dry_run),
	    cmocka_unit_test(test_size_order_and_partial),
	    cmocka_unit_test(test_write_error),
	    cmocka_unit_test(test_live_refusal),
	    cmocka_unit_test(test_bad_arguments),
	    cmocka_unit_test(test_parse_size),
	    cmocka_unit_test(test_live_read),
	    cmocka_unit_test(test_guest_shell),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
