/* The virtio-mem driver on the modelled device (virtio-mem.md Part B;
 * conformance-checklist.md section K, items 105-124 where the model can
 * reach them; zones-and-policies.md §6.6). Every expected layout is
 * derived from the spec's rules in a comment next to it.
 *
 * The machine throughout, unless a test says otherwise: q35, 4 GiB (RAM
 * above 4 GiB ends at 6 GiB, so device memory starts at 6 GiB = block 48,
 * qemu-x86-e820.md), one 16 GiB virtio-mem device vm0 with QEMU's default
 * 2 MiB block size: SBM, 64 sub-blocks of 2 MiB per 128 MiB block, blocks
 * 48-175. */
#include "test_util.h"

#include "array.h"
#include "virtio_mem_driver.h"
#include "virtio_mem_pci.h"

#define VMEM_Q35                                                                                   \
	"-M q35 -m 4G,maxmem=36G -object memory-backend-ram,id=mem0,size=16G "                     \
	"-device virtio-mem-pci,id=vm0,memdev=mem0"
#define AUTO_MOVABLE_301                                                                           \
	"memhp_default_state=online memory_hotplug.online_policy=auto-movable "                    \
	"memory_hotplug.auto_movable_ratio=301"

static const enum memhp_kernel kernels[] = {MEMHP_KERNEL_6_1, MEMHP_KERNEL_6_12};

static void resize(struct machine *m, uint64_t bytes)
{
	char cmd[256];

	snprintf(cmd, sizeof(cmd),
		 "{\"execute\": \"qom-set\", \"arguments\": {\"path\": \"/machine/peripheral/vm0\", "
		 "\"property\": \"requested-size\", \"value\": %" PRIu64 "}}",
		 bytes);
	tu_qmp_ok(m, cmd);
	assert_int_equal(machine_settle(m), 0);
}

static struct virtio_mem_info info(const struct machine *m, unsigned int dev)
{
	struct virtio_mem_info vi;

	assert_int_equal(
	    virtio_mem_get_info(m->bindings[QEMU_HOTPLUG_VIRTIO_PCI].drv, dev, &vi), 0);
	return vi;
}

static const struct virtio_mem_pci *device(const struct machine *m, const char *id)
{
	const struct virtio_mem_pci *v = to_virtio_mem_pci_const(memory_device_find(m->vm, id));

	assert_non_null(v);
	return v;
}

static int block_state(const struct machine *m, uint64_t mb_id, uint64_t *plugged)
{
	int state;

	assert_int_equal(virtio_mem_block_state(m->bindings[QEMU_HOTPLUG_VIRTIO_PCI].drv, 0,
						mb_id, &state, plugged),
			 0);
	return state;
}

static void check(const struct machine *m)
{
	char msg[512] = "";

	if (machine_check(m, msg, sizeof(msg)))
		fail_msg("%s", msg);
}

/* Zone of an online block as valid_zones shows it, or "offline"/"absent". */
static const char *zone_of(const struct machine *m, uint64_t id)
{
	const struct memory_block *b = find_memory_block(m->kernel, id);

	if (!b)
		return "absent";
	if (b->state != MEM_ONLINE)
		return "offline";
	return zone_name(b->zone->type);
}

/* Example (b), zones-and-policies.md §6.6: with K early kernel pages,
 * block 48 + j (j = 0..127) goes Movable iff
 *   group.mov + 32768 <= floor(301 (K + group.kern) / 100)
 * which puts blocks 48-143 Movable, then every fourth block from 144 on
 * (144, 148, ..., 172) Normal and the three after each Movable. */
static bool example_b_normal(uint64_t id)
{
	return id >= 144 && (id - 144) % 4 == 0;
}

static void assert_example_b(const struct machine *m, uint64_t first, uint64_t last)
{
	for (uint64_t id = first; id <= last; id++)
		assert_string_equal(zone_of(m, id), example_b_normal(id) ? "Normal" : "Movable");
}

static void grow_to_16g_example_b(void **state)
{
	(void)state;
	for (size_t i = 0; i < ARRAY_SIZE(kernels); i++) {
		struct machine *m = tu_boot(VMEM_Q35, AUTO_MOVABLE_301, kernels[i]);

		resize(m, 16 * GiB);
		assert_example_b(m, 48, 175);
		assert_false(tu_block_exists(m, 176));
		assert_int_equal(device(m, "vm0")->size, 16 * GiB);
		check(m);
		machine_free(m);
	}
}

/* Checklist 108 and §18: the driver plugs one block at a time, low to
 * high (one PLUG of 64 device blocks each), so a 1 GiB request ends with
 * blocks 48-55 online and nothing above. */
static void grow_1g_blocks_48_to_55(void **state)
{
	struct machine *m = tu_boot(VMEM_Q35, "memhp_default_state=online_movable",
				    MEMHP_KERNEL_6_12);

	(void)state;
	resize(m, 1 * GiB);
	for (uint64_t id = 48; id <= 55; id++)
		assert_string_equal(zone_of(m, id), "Movable");
	assert_false(tu_block_exists(m, 56));
	assert_int_equal(device(m, "vm0")->size, 1 * GiB);
	check(m);
	machine_free(m);
}

/* Checklist 112, §18: from example (b), 15 GiB unplugs 512 sub-blocks =
 * 8 blocks. No partial or offline blocks, so MOVABLE blocks go first,
 * highest first: 175, 174, 173, 171, 170, 169, 167, 166 (172 and 168 are
 * Normal). Growing back re-uses exactly those blocks. */
static void shrink_15g_removes_movable_from_the_top(void **state)
{
	static const uint64_t gone[] = {175, 174, 173, 171, 170, 169, 167, 166};

	(void)state;
	for (size_t i = 0; i < ARRAY_SIZE(kernels); i++) {
		struct machine *m = tu_boot(VMEM_Q35, AUTO_MOVABLE_301, kernels[i]);

		resize(m, 16 * GiB);
		resize(m, 15 * GiB);
		for (size_t g = 0; g < ARRAY_SIZE(gone); g++)
			assert_false(tu_block_exists(m, gone[g]));
		assert_string_equal(zone_of(m, 172), "Normal");
		assert_string_equal(zone_of(m, 168), "Normal");
		assert_example_b(m, 48, 165);
		assert_int_equal(device(m, "vm0")->size, 15 * GiB);
		check(m);
		resize(m, 16 * GiB);
		for (size_t g = 0; g < ARRAY_SIZE(gone); g++)
			assert_true(tu_block_exists(m, gone[g]));
		assert_false(tu_block_exists(m, 176));
		check(m);
		machine_free(m);
	}
}

/* The seeds' trace 0 -> 12 -> 14 -> 16 -> 8 -> 2 GiB under auto-movable 301
 * (§6.6 for growing, §11 for shrinking):
 *  12 GiB: blocks 48-143, all Movable (block 143: 3 145 728 <= 3 155 822);
 *  14 GiB: 144-159 added in order: 144, 148, 152, 156 Normal, the rest
 *          Movable (example b's rule, block by block);
 *  16 GiB: example (b);
 *   8 GiB: 64 blocks go, MOVABLE before KERNEL, highest first: the 24
 *          Movable blocks of 145-175, then 143 down to 104: left 48-103
 *          Movable and the eight Normal blocks 144, 148, ..., 172;
 *   2 GiB: 48 more Movable blocks, 103 down to 56: left 48-55 Movable and
 *          the same eight Normal blocks (kernel memory goes last). */
static void seeds_trace(void **state)
{
	(void)state;
	for (size_t i = 0; i < ARRAY_SIZE(kernels); i++) {
		struct machine *m = tu_boot(VMEM_Q35, AUTO_MOVABLE_301, kernels[i]);

		resize(m, 12 * GiB);
		assert_example_b(m, 48, 143);
		assert_false(tu_block_exists(m, 144));
		resize(m, 14 * GiB);
		assert_example_b(m, 48, 159);
		assert_false(tu_block_exists(m, 160));
		resize(m, 16 * GiB);
		assert_example_b(m, 48, 175);
		resize(m, 8 * GiB);
		for (uint64_t id = 48; id <= 175; id++)
			assert_string_equal(zone_of(m, id), example_b_normal(id) ? "Normal"
							    : id <= 103		 ? "Movable"
										 : "absent");
		resize(m, 2 * GiB);
		for (uint64_t id = 48; id <= 175; id++)
			assert_string_equal(zone_of(m, id), example_b_normal(id) ? "Normal"
							    : id <= 55		 ? "Movable"
										 : "absent");
		assert_int_equal(device(m, "vm0")->size, 2 * GiB);
		check(m);
		machine_free(m);
	}
}

/* Checklist 113: an offline block is unplugged first (no fake-offline),
 * then the Movable ones from the top: 100, then 175, 174, 173, 171, 170,
 * 169, 167. */
static void shrink_takes_offline_block_first(void **state)
{
	static const uint64_t gone[] = {100, 175, 174, 173, 171, 170, 169, 167};
	struct machine *m = tu_boot(VMEM_Q35, AUTO_MOVABLE_301, MEMHP_KERNEL_6_1);

	(void)state;
	resize(m, 16 * GiB);
	assert_int_equal(tu_blk_write(m, 100, "state", "offline"), 0);
	resize(m, 15 * GiB);
	for (size_t g = 0; g < ARRAY_SIZE(gone); g++)
		assert_false(tu_block_exists(m, gone[g]));
	assert_string_equal(zone_of(m, 166), "Movable");
	check(m);
	machine_free(m);
}

/* Checklists 110 and 111: 1 GiB + 64 MiB plugs blocks 48-55 and
 * sub-blocks 0-31 of block 56. Online block 56 is fully present but only
 * its 32 plugged sub-blocks (16384 pages) are managed. Another 64 MiB
 * fills block 56 (its sub-blocks 32-63) without a new block. */
static void partial_block_present_and_managed(void **state)
{
	(void)state;
	for (size_t i = 0; i < ARRAY_SIZE(kernels); i++) {
		struct machine *m = tu_boot(VMEM_Q35, "memhp_default_state=online_movable",
					    kernels[i]);
		struct zone *z = tu_zone(m, 0, ZONE_MOVABLE);
		uint64_t plugged;

		resize(m, 1 * GiB + 64 * MiB);
		assert_int_equal(block_state(m, 56, &plugged), VIRTIO_MEM_SBM_MB_MOVABLE_PARTIAL);
		assert_int_equal(plugged, 32);
		assert_int_equal(z->present_pages, 9 * 32768);
		assert_int_equal(z->managed_pages, 8 * 32768 + 16384);
		assert_false(tu_block_exists(m, 57));
		check(m);

		resize(m, 1 * GiB + 128 * MiB);
		assert_int_equal(block_state(m, 56, &plugged), VIRTIO_MEM_SBM_MB_MOVABLE);
		assert_int_equal(plugged, 64);
		assert_int_equal(z->managed_pages, 9 * 32768);
		assert_false(tu_block_exists(m, 57));
		check(m);

		/* Offlining the partial block leaves no managed pages behind. */
		resize(m, 1 * GiB + 64 * MiB);
		assert_int_equal(tu_blk_write(m, 48, "state", "offline"), 0);
		assert_int_equal(z->managed_pages, 7 * 32768 + 16384);
		check(m);
		machine_free(m);
	}
}

/* Checklist 105: mode, sub-block or big block, group unit. */
static void mode_selection(void **state)
{
	static const struct {
		const char *block_size, *cmdline;
		bool sbm;
		uint64_t sb_size, unit_pages;
	} cases[] = {
	    {"2M", NULL, true, 2 * MiB, 32768},
	    {"64M", NULL, true, 64 * MiB, 32768},
	    {"128M", NULL, false, 128 * MiB, 32768},
	    {"1G", NULL, false, 1 * GiB, 262144},
	    {"2M", "virtio_mem.force_bbm=1", false, 128 * MiB, 32768},
	};

	(void)state;
	for (size_t i = 0; i < ARRAY_SIZE(cases); i++) {
		char args[512];
		struct machine *m;
		struct virtio_mem_info vi;

		snprintf(args, sizeof(args),
			 "-M q35 -m 4G,maxmem=36G -object memory-backend-ram,id=mem0,size=16G "
			 "-device virtio-mem-pci,id=vm0,memdev=mem0,block-size=%s",
			 cases[i].block_size);
		m = tu_boot(args, cases[i].cmdline, MEMHP_KERNEL_6_12);
		vi = info(m, 0);
		assert_int_equal(vi.sbm, cases[i].sbm);
		assert_int_equal(vi.sb_size, cases[i].sb_size);
		assert_int_equal(vi.unit_pages, cases[i].unit_pages);
		assert_int_equal(vi.first_id, cases[i].sbm ? 48 : 6 * GiB / cases[i].sb_size);
		machine_free(m);
	}
}

/* Checklists 106 and 107: a device at 6 GiB + 64 MiB starts at block 49
 * (rounded up); a request of 1 GiB + 64 MiB makes the usable region
 * 1 GiB + 64 MiB + 256 MiB, which ends inside block 58 of a device at
 * 6 GiB: blocks 48-57 are usable. */
static void first_and_last_usable_block(void **state)
{
	struct machine *m = tu_boot("-M q35 -m 4G,maxmem=36G -object "
				    "memory-backend-ram,id=mem0,size=16G -device "
				    "virtio-mem-pci,id=vm0,memdev=mem0,memaddr=0x184000000",
				    NULL, MEMHP_KERNEL_6_1);

	(void)state;
	assert_int_equal(info(m, 0).first_id, 49);
	machine_free(m);

	m = tu_boot(VMEM_Q35, NULL, MEMHP_KERNEL_6_1);
	resize(m, 1 * GiB + 64 * MiB);
	assert_int_equal(info(m, 0).limit_id, 58);
	machine_free(m);
}

/* Checklist 109, §15: without auto-onlining the driver adds 8 blocks
 * (1 GiB offline = the threshold), then waits (ENOSPC, no timer).
 * Onlining 4 of them leaves 512 MiB offline, half the threshold, which
 * queues the work: 4 more blocks, and it stops again. */
static void offline_threshold(void **state)
{
	struct machine *m = tu_boot(VMEM_Q35, "memhp_default_state=offline", MEMHP_KERNEL_6_1);
	struct virtio_mem_info vi;

	(void)state;
	resize(m, 2 * GiB);
	assert_true(tu_block_exists(m, 55));
	assert_false(tu_block_exists(m, 56));
	vi = info(m, 0);
	assert_int_equal(vi.plugged_size, 1 * GiB);
	assert_int_equal(vi.wait, VIRTIO_MEM_WAIT_THRESHOLD);
	assert_false(vi.timer_armed);
	tu_blk_write_range(m, 48, 51, "state", "online_movable");
	assert_int_equal(machine_run_pending(m) >= 0, 1);
	assert_true(tu_block_exists(m, 59));
	assert_false(tu_block_exists(m, 60));
	assert_int_equal(info(m, 0).plugged_size, 1 * GiB + 512 * MiB);
	check(m);
	machine_free(m);
}

/* Checklist 114: with unplug_online=N only offline memory is unplugged;
 * with none the work ends without a timer, and offlining a block by hand
 * queues it again. */
static void unplug_online_n(void **state)
{
	struct machine *m = tu_boot(VMEM_Q35, "memhp_default_state=online_movable",
				    MEMHP_KERNEL_6_12);
	struct vfs v;
	struct virtio_mem_info vi;

	(void)state;
	resize(m, 1 * GiB);
	kernel_sysfs(m->kernel, &v);
	assert_int_equal(vfs_write(&v, "/sys/module/virtio_mem/parameters/unplug_online", "0"), 0);
	resize(m, 512 * MiB);
	vi = info(m, 0);
	assert_int_equal(vi.plugged_size, 1 * GiB);
	assert_int_equal(vi.wait, VIRTIO_MEM_WAIT_OFFLINE_ONLY);
	assert_false(vi.timer_armed);
	assert_int_equal(tu_blk_write(m, 50, "state", "offline"), 0);
	assert_true(machine_run_pending(m) >= 0);
	assert_false(tu_block_exists(m, 50));
	assert_int_equal(info(m, 0).plugged_size, 1 * GiB - 128 * MiB);
	check(m);
	machine_free(m);
}

/* §8.2 step 3, §9, §13: the driver plugs requested - plugged rounded down
 * to its granule and stops; the rest waits for the next request, no work
 * queued. force_bbm: 128 MiB big blocks, 1 GiB + 64 MiB plugs 8 of them;
 * a 1 MiB device block: 2 MiB sub-blocks (the pageblock), 1 GiB + 1 MiB
 * plugs 512 of them. Either way the first run plugs all it can, so the
 * driver must say so itself (it once said "work queued"). */
static void plug_rest_below_granule_waits(void **state)
{
	static const struct {
		const char *block_size, *cmdline;
		uint64_t request;
	} cases[] = {
	    {"2M", "memhp_default_state=online_movable virtio_mem.force_bbm=1", 1 * GiB + 64 * MiB},
	    {"1M", "memhp_default_state=online_movable", 1 * GiB + 1 * MiB},
	};

	(void)state;
	for (size_t i = 0; i < ARRAY_SIZE(cases); i++) {
		char args[512];
		struct machine *m;
		struct virtio_mem_info vi;

		snprintf(args, sizeof(args),
			 "-M q35 -m 4G,maxmem=36G -object memory-backend-ram,id=mem0,size=16G "
			 "-device virtio-mem-pci,id=vm0,memdev=mem0,block-size=%s",
			 cases[i].block_size);
		m = tu_boot(args, cases[i].cmdline, MEMHP_KERNEL_6_12);
		resize(m, cases[i].request);
		vi = info(m, 0);
		assert_int_equal(vi.plugged_size, 1 * GiB);
		assert_int_equal(vi.last_rc, 0);
		assert_int_equal(vi.wait, VIRTIO_MEM_WAIT_GRANULARITY);
		assert_false(vi.timer_armed);
		machine_free(m);
	}
}

/* Checklist 116, §8: unplugging that keeps failing (every block in a
 * kernel zone holds unmovable pages, so fake-offlining fails) retries after
 * 50 s, then 100, 200, 300, 300 s. */
static void retry_timer_doubles_to_300s(void **state)
{
	static const uint64_t at[] = {50, 150, 350, 650, 950};
	struct machine *m = tu_boot(VMEM_Q35, "memhp_default_state=online_kernel",
				    MEMHP_KERNEL_6_12);
	struct memory_block *b;
	uint64_t id, t0;

	(void)state;
	resize(m, 512 * MiB);
	for_each_memory_block_in_range(m->kernel, b, id, 48, 52)
		tu_scatter_pages(m, id, PAGE_UNMOVABLE);
	/* The failing run happens at once (nothing changes size, so no
	 * event holds the clock back): the delays count from here. */
	t0 = m->kernel->wq.now;
	resize(m, 256 * MiB);
	for (size_t i = 0; i < ARRAY_SIZE(at); i++) {
		struct virtio_mem_info vi = info(m, 0);

		assert_true(vi.timer_armed);
		assert_int_equal(vi.wait, VIRTIO_MEM_WAIT_TIMER);
		assert_int_equal(vi.timer_expires, t0 + at[i] * NSEC_PER_SEC);
		assert_int_equal(machine_advance(m, vi.timer_expires - m->kernel->wq.now), 0);
	}
	assert_int_equal(info(m, 0).plugged_size, 512 * MiB);
	check(m);
	machine_free(m);
}

/* Checklist 122, §13: three 1 GiB big blocks, one offline, one Movable, one
 * Normal. Unplugging one takes the offline one; two more take the Movable
 * one next (pass 1), and the Normal one last. */
static void bbm_unplug_passes(void **state)
{
	struct machine *m = tu_boot("-M q35 -m 4G,maxmem=36G -object "
				    "memory-backend-ram,id=mem0,size=16G -device "
				    "virtio-mem-pci,id=vm0,memdev=mem0,block-size=1G",
				    "memhp_default_state=offline", MEMHP_KERNEL_6_12);

	(void)state;
	/* Big blocks 6, 7, 8 = blocks 48-55, 56-63, 64-71; 3 GiB is above
	 * the 2 GiB threshold for 1 GiB big blocks, so online as we go. */
	resize(m, 2 * GiB);
	tu_blk_write_range(m, 48, 55, "state", "online_kernel");
	resize(m, 3 * GiB);
	tu_blk_write_range(m, 56, 63, "state", "online_movable");
	/* big block 6 Normal, 7 Movable, 8 offline */
	resize(m, 2 * GiB);
	assert_false(tu_block_exists(m, 64));
	assert_string_equal(zone_of(m, 56), "Movable");
	resize(m, 1 * GiB);
	assert_false(tu_block_exists(m, 56));
	assert_string_equal(zone_of(m, 48), "Normal");
	resize(m, 0);
	assert_false(tu_block_exists(m, 48));
	check(m);
	machine_free(m);
}

/* §5: growing plugs 128 blocks within no model time: QEMU sends the first
 * size change at once and holds the rest back for a second; settle waits
 * for it, so the last event carries the final size. */
static void size_change_events_coalesce(void **state)
{
	struct machine *m = tu_boot(VMEM_Q35, "memhp_default_state=online_movable",
				    MEMHP_KERNEL_6_1);

	(void)state;
	resize(m, 16 * GiB);
	assert_int_equal(tu_count_events(m, "MEMORY_DEVICE_SIZE_CHANGE", NULL), 2);
	machine_free(m);
}

/* §6: the module's parameters in sysfs, per version; only unplug_online
 * is writable. */
static void module_parameters(void **state)
{
	struct machine *m = tu_boot(VMEM_Q35, "virtio_mem.bbm_block_size=0x40000000",
				    MEMHP_KERNEL_6_1);

	(void)state;
	assert_string_equal(tu_readf(m, "/sys/module/virtio_mem/parameters/unplug_online"), "Y\n");
	assert_string_equal(tu_readf(m, "/sys/module/virtio_mem/parameters/bbm_safe_unplug"),
			    "Y\n");
	assert_string_equal(tu_readf(m, "/sys/module/virtio_mem/parameters/bbm_block_size"),
			    "1073741824\n");
	{
		struct vfs v;

		kernel_sysfs(m->kernel, &v);
		assert_int_equal(vfs_write(&v, "/sys/module/virtio_mem/parameters/force_bbm", "1"),
				 -EACCES);
		assert_int_equal(
		    vfs_write(&v, "/sys/module/virtio_mem/parameters/unplug_online", "x"), -EINVAL);
		/* kstrtobool(): echo's newline and "off" are fine. */
		assert_int_equal(
		    vfs_write(&v, "/sys/module/virtio_mem/parameters/unplug_online", "0\n"), 0);
		assert_string_equal(tu_readf(m, "/sys/module/virtio_mem/parameters/unplug_online"),
				    "N\n");
		assert_int_equal(
		    vfs_write(&v, "/sys/module/virtio_mem/parameters/unplug_online", "on"), 0);
		assert_string_equal(tu_readf(m, "/sys/module/virtio_mem/parameters/unplug_online"),
				    "Y\n");
	}
	machine_free(m);
	m = tu_boot(VMEM_Q35, NULL, MEMHP_KERNEL_6_12);
	assert_int_equal(tu_lookupf(m, "/sys/module/virtio_mem/parameters/bbm_safe_unplug"),
			 VFS_NONE);
	machine_free(m);
}

/* ---- the driver against a device that answers otherwise ----
 *
 * QEMU's device never answers NACK to a request the driver just checked,
 * BUSY without a migration, or ERROR to a well-formed request, and never
 * has memory plugged when the guest boots without a reboot. These paths of
 * the driver (checklist 116-119) are driven here by a transport wrapped
 * around the real one: it passes everything through, except the next
 * answers it is told to give. The machine's driver is replaced by one on
 * the wrapped transport before it has added any memory. */
struct scripted {
	struct virtio_mem_transport real;
	uint16_t answers[8]; /* given instead of the device's, in order */
	size_t nr_answers, next_answer;
	uint16_t types[512]; /* every request type the driver sent */
	size_t nr_types;
};

static int sc_next_device(void *ctx, unsigned int *dev)
{
	struct scripted *s = ctx;

	return s->real.next_device(s->real.ctx, dev);
}

static uint64_t sc_get_features(void *ctx, unsigned int dev)
{
	struct scripted *s = ctx;

	return s->real.get_features(s->real.ctx, dev);
}

static int sc_finalize_features(void *ctx, unsigned int dev, uint64_t features)
{
	struct scripted *s = ctx;

	return s->real.finalize_features(s->real.ctx, dev, features);
}

static void sc_get_config(void *ctx, unsigned int dev, struct virtio_mem_config *cfg)
{
	struct scripted *s = ctx;

	s->real.get_config(s->real.ctx, dev, cfg);
}

static void sc_request(void *ctx, unsigned int dev, const struct virtio_mem_req *req,
		       struct virtio_mem_resp *resp)
{
	struct scripted *s = ctx;

	if (s->nr_types < ARRAY_SIZE(s->types))
		s->types[s->nr_types++] = req->type;
	if (s->next_answer < s->nr_answers) {
		*resp = (struct virtio_mem_resp){.type = s->answers[s->next_answer++]};
		return;
	}
	s->real.request(s->real.ctx, dev, req, resp);
}

/* The machine's virtio_mem driver unloaded and loaded again on s. */
static void rebind_scripted(struct machine *m, struct scripted *s)
{
	struct virtio_mem_transport t = {
	    .next_device = sc_next_device,
	    .get_features = sc_get_features,
	    .finalize_features = sc_finalize_features,
	    .get_config = sc_get_config,
	    .request = sc_request,
	    .ctx = s,
	};
	struct virtio_mem_driver *drv;

	virtio_mem_transport_init(m->vm, &s->real);
	virtio_mem_driver_free(m->bindings[QEMU_HOTPLUG_VIRTIO_PCI].drv);
	assert_int_equal(virtio_mem_driver_create(m->kernel, &t, &drv), 0);
	m->bindings[QEMU_HOTPLUG_VIRTIO_PCI].drv = drv;
	assert_int_equal(virtio_mem_scan(drv), 0);
	assert_true(machine_run_pending(m) >= 0);
}

/* Checklist 117, §8: a PLUG answered NACK (the host lowered its request
 * meanwhile) is EAGAIN: the driver re-reads the config and goes on at
 * once, no timer. Here the request did not change, so the same 1 GiB is
 * plugged: 1 NACKed PLUG, then 8 good ones. */
static void nack_retries_at_once(void **state)
{
	struct machine *m =
	    tu_boot(VMEM_Q35, "memhp_default_state=online_movable", MEMHP_KERNEL_6_12);
	struct scripted s = {.answers = {VIRTIO_MEM_RESP_NACK}, .nr_answers = 1};
	struct virtio_mem_info vi;

	(void)state;
	rebind_scripted(m, &s);
	resize(m, 1 * GiB);
	vi = info(m, 0);
	assert_int_equal(vi.plugged_size, 1 * GiB);
	assert_false(vi.timer_armed);
	assert_int_equal(s.nr_types, 9);
	for (size_t i = 0; i < s.nr_types; i++)
		assert_int_equal(s.types[i], VIRTIO_MEM_REQ_PLUG);
	check(m);
	machine_free(m);
}

/* Checklist 116 with BUSY, §8: BUSY is ETXTBSY, retried on the timer after
 * 50 s; the retry plugs everything and the interval is 50 s again. */
static void busy_retries_on_the_timer(void **state)
{
	struct machine *m =
	    tu_boot(VMEM_Q35, "memhp_default_state=online_movable", MEMHP_KERNEL_6_1);
	struct scripted s = {.answers = {VIRTIO_MEM_RESP_BUSY}, .nr_answers = 1};
	struct virtio_mem_info vi;
	uint64_t t0;

	(void)state;
	rebind_scripted(m, &s);
	t0 = m->kernel->wq.now;
	resize(m, 1 * GiB);
	vi = info(m, 0);
	assert_int_equal(vi.plugged_size, 0);
	assert_int_equal(vi.last_rc, -ETXTBSY);
	assert_int_equal(vi.wait, VIRTIO_MEM_WAIT_TIMER);
	assert_true(vi.timer_armed);
	assert_int_equal(vi.timer_expires, t0 + 50 * NSEC_PER_SEC);
	assert_int_equal(machine_advance(m, 50 * NSEC_PER_SEC), 0);
	vi = info(m, 0);
	assert_int_equal(vi.plugged_size, 1 * GiB);
	assert_false(vi.timer_armed);
	assert_int_equal(vi.retry_interval, 50 * NSEC_PER_SEC);
	check(m);
	machine_free(m);
}

/* Checklist 118, §8: ERROR is EINVAL, which marks the device broken: no
 * work after it, whatever the host asks. */
static void error_marks_the_device_broken(void **state)
{
	struct machine *m =
	    tu_boot(VMEM_Q35, "memhp_default_state=online_movable", MEMHP_KERNEL_6_12);
	struct scripted s = {.answers = {VIRTIO_MEM_RESP_ERROR}, .nr_answers = 1};
	struct virtio_mem_info vi;

	(void)state;
	rebind_scripted(m, &s);
	resize(m, 1 * GiB);
	vi = info(m, 0);
	assert_int_equal(vi.last_rc, -EINVAL);
	assert_int_equal(vi.wait, VIRTIO_MEM_WAIT_BROKEN);
	resize(m, 2 * GiB);
	assert_int_equal(s.nr_types, 1);
	assert_int_equal(info(m, 0).plugged_size, 0);
	assert_false(tu_block_exists(m, 48));
	check(m);
	machine_free(m);
}

/* Checklist 119, §7 step 9: memory left plugged when the driver starts
 * (after a reboot the host could not reset the device) is dropped with
 * UNPLUG_ALL first; then the driver plugs toward the request. */
static void leftover_plugged_memory_is_unplugged_first(void **state)
{
	struct machine *m =
	    tu_boot(VMEM_Q35, "memhp_default_state=online_movable", MEMHP_KERNEL_6_1);
	struct scripted s = {0};
	struct virtio_mem_transport real;
	struct virtio_mem_req plug = {
	    .type = VIRTIO_MEM_REQ_PLUG, .addr = 6 * GiB, .nb_blocks = 64};
	struct virtio_mem_resp resp;

	(void)state;
	/* The device holds 128 MiB the new driver did not plug. */
	tu_qmp_ok(m, "{\"execute\": \"qom-set\", \"arguments\": {\"path\": "
		     "\"/machine/peripheral/vm0\", \"property\": \"requested-size\", \"value\": "
		     "134217728}}");
	virtio_mem_transport_init(m->vm, &real);
	real.request(real.ctx, 0, &plug, &resp);
	assert_int_equal(resp.type, VIRTIO_MEM_RESP_ACK);
	assert_int_equal(device(m, "vm0")->size, 128 * MiB);
	/* Nothing of it was added to Linux: drop the notification the
	 * qom-set queued for the old driver before rebinding. */
	m->nr_work = 0;
	rebind_scripted(m, &s);
	assert_true(s.nr_types >= 2);
	assert_int_equal(s.types[0], VIRTIO_MEM_REQ_UNPLUG_ALL);
	assert_int_equal(s.types[1], VIRTIO_MEM_REQ_PLUG);
	assert_int_equal(info(m, 0).plugged_size, 128 * MiB);
	assert_string_equal(zone_of(m, 48), "Movable");
	check(m);
	machine_free(m);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(grow_to_16g_example_b),
	    cmocka_unit_test(grow_1g_blocks_48_to_55),
	    cmocka_unit_test(shrink_15g_removes_movable_from_the_top),
	    cmocka_unit_test(seeds_trace),
	    cmocka_unit_test(shrink_takes_offline_block_first),
	    cmocka_unit_test(partial_block_present_and_managed),
	    cmocka_unit_test(mode_selection),
	    cmocka_unit_test(first_and_last_usable_block),
	    cmocka_unit_test(offline_threshold),
	    cmocka_unit_test(unplug_online_n),
	    cmocka_unit_test(plug_rest_below_granule_waits),
	    cmocka_unit_test(retry_timer_doubles_to_300s),
	    cmocka_unit_test(bbm_unplug_passes),
	    cmocka_unit_test(size_change_events_coalesce),
	    cmocka_unit_test(module_parameters),
	    cmocka_unit_test(nack_retries_at_once),
	    cmocka_unit_test(busy_retries_on_the_timer),
	    cmocka_unit_test(error_marks_the_device_broken),
	    cmocka_unit_test(leftover_plugged_memory_is_unplugged_first),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
