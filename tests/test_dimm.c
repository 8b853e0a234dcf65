/* ACPI DIMM hot(un)plug through QMP (dimm-acpi.md; checklist L items
 * 125-130 where they apply; qemu-x86-e820.md device memory base). */
#include "test_util.h"

static void add_dimm(struct machine *m, const char *mem_id, const char *dev_id, uint64_t size)
{
	tu_plug_dimm(m, mem_id, dev_id, size, -1);
}

static void del_dimm(struct machine *m, const char *dev_id)
{
	tu_unplug_dimm(m, dev_id);
}

/* device_del of a DIMM whose eject succeeds (dimm-acpi.md §1.4): its
 * first block is gone and QEMU reports DEVICE_DELETED once. */
static void eject_dimm(struct machine *m, const char *dev_id, uint64_t first_block)
{
	del_dimm(m, dev_id);
	machine_run_pending(m);
	assert_false(tu_block_exists(m, first_block));
	assert_int_equal(tu_count_events(m, "DEVICE_DELETED", dev_id), 1);
}

/* query-memory-devices as a list (caller puts the returned reply) */
static struct json_object *query_devices(struct machine *m, struct json_object **list)
{
	struct json_object *reply = tu_qmp(m, "{\"execute\": \"query-memory-devices\"}");

	assert_true(json_object_object_get_ex(reply, "return", list));
	assert_true(json_object_is_type(*list, json_type_array));
	return reply;
}

static struct json_object *dev_data(struct json_object *list, size_t i)
{
	struct json_object *e = json_object_array_get_idx(list, i), *v, *data;

	assert_non_null(e);
	assert_true(json_object_object_get_ex(e, "type", &v));
	assert_string_equal(json_object_get_string(v), "dimm");
	assert_true(json_object_object_get_ex(e, "data", &data));
	return data;
}

static const char *data_str(struct json_object *data, const char *key)
{
	struct json_object *v;

	assert_true(json_object_object_get_ex(data, key, &v));
	return json_object_get_string(v);
}

static uint64_t data_u64(struct json_object *data, const char *key)
{
	struct json_object *v;

	assert_true(json_object_object_get_ex(data, key, &v));
	return json_object_get_uint64(v);
}

static bool data_bool(struct json_object *data, const char *key)
{
	struct json_object *v;

	assert_true(json_object_object_get_ex(data, key, &v));
	return json_object_get_boolean(v);
}

/* The "data.info" of the n-th ACPI_DEVICE_OST event (NULL if none). */
static struct json_object *ost_info(const struct machine *m, int source, int nth)
{
	size_t n = json_object_array_length(m->events);

	for (size_t i = 0; i < n; i++) {
		struct json_object *ev = json_object_array_get_idx(m->events, i), *v, *data, *info;

		if (!json_object_object_get_ex(ev, "event", &v) ||
		    strcmp(json_object_get_string(v), "ACPI_DEVICE_OST"))
			continue;
		if (!json_object_object_get_ex(ev, "data", &data) ||
		    !json_object_object_get_ex(data, "info", &info) ||
		    !json_object_object_get_ex(info, "source", &v) || json_object_get_int(v) != source)
			continue;
		if (nth-- == 0)
			return info;
	}
	return NULL;
}

/* The nth ACPI_DEVICE_OST event of source exists and reports status;
 * returns its "data.info". */
static struct json_object *expect_ost(const struct machine *m, int source, int nth, int status)
{
	struct json_object *info = ost_info(m, source, nth), *v;

	if (!info)
		fail_msg("no ACPI_DEVICE_OST #%d for source %d", nth, source);
	if (!json_object_object_get_ex(info, "status", &v) || json_object_get_int(v) != status)
		fail_msg("ACPI_DEVICE_OST #%d for source %d: %s, expected status %d", nth, source,
			 json_object_to_json_string(info), status);
	return info;
}

/* info's string member key is want. */
static void assert_info_str(struct json_object *info, const char *key, const char *want)
{
	struct json_object *v;

	if (!json_object_object_get_ex(info, key, &v) || strcmp(json_object_get_string(v), want))
		fail_msg("%s: expected \"%s\": \"%s\"", json_object_to_json_string(info), key, want);
}

/* ------------------------------------------------------------------ */

/* dimm-acpi.md §1.1/§1.2 and the example: -M pc -m 4G,slots=6,
 * maxmem=28G with memhp_default_state=online, six 4 GiB DIMMs hot-added one
 * by one. Device memory starts at 5 GiB = block 40 (i440fx 4 GiB: high RAM
 * 4-5 GiB). A 4 GiB DIMM is 32 blocks: DIMM d covers blocks
 * 40 + 32(d-1) ... 40 + 32d - 1 (d1 40-71, ..., d6 200-231). With contig-zones
 * and no movable_node each DIMM goes to Normal: block 40 is adjacent to the
 * Normal span (not inside), neither zone intersects -> kernel zone; the later
 * blocks are inside the grown Normal span. */
static void test_dimm_six_4g_dimms_pc(void **state)
{
	struct machine *m = tu_boot("-M pc -m 4G,slots=6,maxmem=28G", "memhp_default_state=online",
				    MEMHP_KERNEL_6_1);
	const struct zone *nz = tu_zone(m, 0, ZONE_NORMAL);
	struct json_object *reply, *list;

	(void)state;
	for (int d = 1; d <= 6; d++) {
		char mem_id[16], dev_id[16];
		uint64_t first = 40 + 32 * (uint64_t)(d - 1), last = 40 + 32 * (uint64_t)d - 1;

		snprintf(mem_id, sizeof(mem_id), "m%d", d);
		snprintf(dev_id, sizeof(dev_id), "d%d", d);
		add_dimm(m, mem_id, dev_id, 4 * GiB);
		machine_run_pending(m);
		for (uint64_t id = first; id <= last; id++) {
			if (strcmp(tu_blk(m, id, "state"), "online\n") ||
			    strcmp(tu_blk(m, id, "valid_zones"), "Normal\n"))
				fail_msg("DIMM %d: memory%llu is '%s' '%s', expected online Normal", d,
					 (unsigned long long)id, tu_blk(m, id, "state"),
					 tu_blk(m, id, "valid_zones"));
		}
		assert_false(tu_block_exists(m, last + 1));
	}
	assert_false(tu_block_exists(m, 232));
	assert_int_equal(tu_zone(m, 0, ZONE_MOVABLE)->spanned_pages, 0);
	/* Normal: 262144 boot + 6 * 1048576 = 6553600 present; span from
	 * 1048576 to 232 * 32768 = 7602176 -> 6553600 */
	assert_int_equal(nz->present_pages, 6553600);
	assert_int_equal(nz->start_pfn, 1048576);
	assert_int_equal(nz->spanned_pages, 6553600);
	assert_int_equal(nz->present_early_pages, 262144);

	/* query-memory-devices: first fit from the area base 5 GiB, lowest free slot */
	reply = query_devices(m, &list);
	assert_int_equal(json_object_array_length(list), 6);
	for (size_t i = 0; i < 6; i++) {
		struct json_object *data = dev_data(list, i);
		char dev_id[16], memdev[32];

		snprintf(dev_id, sizeof(dev_id), "d%zu", i + 1);
		snprintf(memdev, sizeof(memdev), "/objects/m%zu", i + 1);
		assert_string_equal(data_str(data, "id"), dev_id);
		assert_int_equal(data_u64(data, "addr"), 5 * GiB + 4 * GiB * i);
		assert_int_equal(data_u64(data, "size"), 4294967296ULL);
		assert_int_equal(data_u64(data, "slot"), i);
		assert_int_equal(data_u64(data, "node"), 0);
		assert_string_equal(data_str(data, "memdev"), memdev);
		assert_true(data_bool(data, "hotplugged"));
		assert_true(data_bool(data, "hotpluggable"));
	}
	json_object_put(reply);

	/* device_del d3 (blocks 104-135): eject succeeds -> blocks gone,
	 * DEVICE_DELETED, 5 DIMMs left. */
	del_dimm(m, "d3");
	machine_run_pending(m);
	for (uint64_t id = 104; id <= 135; id++)
		assert_int_equal(tu_lookupf(m, MEM "/memory%llu", (unsigned long long)id), VFS_NONE);
	assert_true(tu_block_exists(m, 103));
	assert_true(tu_block_exists(m, 136));
	assert_int_equal(tu_count_events(m, "DEVICE_DELETED", "d3"), 1);
	assert_int_equal(tu_count_events(m, "DEVICE_DELETED", NULL), 1);
	reply = query_devices(m, &list);
	assert_int_equal(json_object_array_length(list), 5);
	for (size_t i = 0; i < 5; i++)
		assert_string_not_equal(data_str(dev_data(list, i), "id"), "d3");
	json_object_put(reply);
	/* an interior hole: Normal span unchanged, present 6553600 - 1048576 */
	assert_int_equal(nz->spanned_pages, 6553600);
	assert_int_equal(nz->present_pages, 5505024);

	/* dimm-acpi.md §1.4: after DEVICE_DELETED the backend can be deleted */
	tu_qmp_ok(m, "{\"execute\": \"object-del\", \"arguments\": {\"id\": \"m3\"}}");
	machine_free(m);
}

/* The last DIMM of the six (blocks 200-231) removed: Normal shrinks to the end
 * of DIMM 5 (block 199): 200 * 32768 - 1048576 = 6553600 - 1048576 = 5505024. */
static void test_dimm_remove_last_shrinks_normal(void **state)
{
	struct machine *m = tu_boot("-M pc -m 4G,slots=6,maxmem=28G", "memhp_default_state=online",
				    MEMHP_KERNEL_6_12);
	const struct zone *nz = tu_zone(m, 0, ZONE_NORMAL);

	(void)state;
	for (int d = 1; d <= 6; d++) {
		char mem_id[16], dev_id[16];

		snprintf(mem_id, sizeof(mem_id), "m%d", d);
		snprintf(dev_id, sizeof(dev_id), "d%d", d);
		add_dimm(m, mem_id, dev_id, 4 * GiB);
		machine_run_pending(m);
	}
	for (uint64_t id = 40; id <= 231; id++)
		assert_string_equal(tu_blk(m, id, "valid_zones"), "Normal\n");
	del_dimm(m, "d6");
	machine_run_pending(m);
	assert_int_equal(tu_count_events(m, "DEVICE_DELETED", "d6"), 1);
	assert_false(tu_block_exists(m, 200));
	assert_false(tu_block_exists(m, 231));
	assert_true(tu_block_exists(m, 199));
	TU_ASSERT_SPAN(nz, 1048576, 5505024, 5505024);
	machine_free(m);
}

/* dimm-acpi.md §6: q35, -m 4G,slots=4,maxmem=12G, memhp_default_state=
 * online_movable; a 1 GiB DIMM -> slot 0, addr 0x180000000 (6 GiB); static
 * group 0 with max_pages 262144 (checklist 125); blocks 48-55 online to
 * Movable; Movable spans 6-7 GiB (start 1572864, spanned 262144), present
 * +262144. device_del -> all blocks offline and removed, group 0
 * unregistered, DEVICE_DELETED. */
static void test_dimm_worked_example_q35(void **state)
{
	struct machine *m = tu_boot("-M q35 -m 4G,slots=4,maxmem=12G",
				    "memhp_default_state=online_movable", MEMHP_KERNEL_6_1);
	const struct zone *mz = tu_zone(m, 0, ZONE_MOVABLE);
	const struct memory_group *g;
	struct json_object *reply, *list, *data;

	(void)state;
	add_dimm(m, "m1", "d1", 1 * GiB);
	machine_run_pending(m);
	reply = query_devices(m, &list);
	assert_int_equal(json_object_array_length(list), 1);
	data = dev_data(list, 0);
	assert_int_equal(data_u64(data, "addr"), 0x180000000ULL);
	assert_int_equal(data_u64(data, "slot"), 0);
	assert_int_equal(data_u64(data, "size"), 1 * GiB);
	json_object_put(reply);

	for (uint64_t id = 48; id <= 55; id++) {
		assert_string_equal(tu_blk(m, id, "state"), "online\n");
		assert_string_equal(tu_blk(m, id, "valid_zones"), "Movable\n");
	}
	assert_false(tu_block_exists(m, 56));
	assert_string_equal(tu_blk(m, 47, "valid_zones"), "Normal\n");
	TU_ASSERT_SPAN(mz, 1572864, 262144, 262144);
	g = memory_group_find_by_id(&m->kernel->groups, 0);
	assert_non_null(g);
	assert_false(g->stats.is_dynamic);
	assert_int_equal(g->stats.max_pages, 262144);
	assert_int_equal(g->stats.nid, 0);
	/* checklist 89-style group counter: all 8 blocks Movable */
	assert_int_equal(g->stats.present_movable_pages, 262144);
	assert_int_equal(g->stats.present_kernel_pages, 0);

	del_dimm(m, "d1");
	machine_run_pending(m);
	for (uint64_t id = 48; id <= 55; id++)
		assert_false(tu_block_exists(m, id));
	assert_int_equal(tu_count_events(m, "DEVICE_DELETED", "d1"), 1);
	assert_null(memory_group_find_by_id(&m->kernel->groups, 0));
	/* checklist 44: Movable empty again */
	TU_ASSERT_SPAN(mz, 0, 0, 0);
	reply = query_devices(m, &list);
	assert_int_equal(json_object_array_length(list), 0);
	json_object_put(reply);
	/* the slot is free again: the same DIMM comes back at 6 GiB, group id 0 */
	tu_qmp_ok(m, "{\"execute\": \"device_add\", \"arguments\": {\"driver\": \"pc-dimm\", "
		     "\"id\": \"d1\", \"memdev\": \"m1\"}}");
	machine_run_pending(m);
	assert_string_equal(tu_blk(m, 48, "valid_zones"), "Movable\n");
	assert_non_null(memory_group_find_by_id(&m->kernel->groups, 0));
	machine_free(m);
}

/* dimm-acpi.md §6 with the 6.1 default (auto_online_blocks offline):
 * q35 4 GiB + one 1 GiB DIMM -> blocks 48-55, offline, Normal Movable. */
static void test_dimm_q35_1g_offline_default(void **state)
{
	struct machine *m = tu_boot("-M q35 -m 4G,slots=4,maxmem=12G", NULL, MEMHP_KERNEL_6_1);

	(void)state;
	add_dimm(m, "m1", "d1", 1 * GiB);
	machine_run_pending(m);
	for (uint64_t id = 48; id <= 55; id++) {
		assert_string_equal(tu_blk(m, id, "state"), "offline\n");
		assert_string_equal(tu_blk(m, id, "valid_zones"), "Normal Movable\n");
		assert_int_equal(tu_lookupf(m, MEM "/memory%llu/node0", (unsigned long long)id), VFS_LINK);
	}
	assert_false(tu_block_exists(m, 47 + 9));
	/* eject of an all-offline DIMM: nothing to offline, removed */
	eject_dimm(m, "d1", 48);
	machine_free(m);
}

/* dimm-acpi.md §3 "Rollback zone example" / checklist 128: a DIMM onlined
 * entirely with online_movable is the only Movable memory; one block (51)
 * cannot be offlined (PG_reserved page -> EBUSY). Pass 1 offlines 48-50 and
 * 52-55, pass 2 fails on 51; the offlined blocks are onlined again with
 * `online` (policy): Movable now spans only block 51, so 48-50 and 52-55 are
 * outside it and go to Normal -> the DIMM is mixed. QEMU gets _OST source 3,
 * status 0x82 = 130 (ACPI_DEVICE_OST) and keeps the DIMM; no DEVICE_DELETED. */
static void test_dimm_eject_failure_rollback(void **state)
{
	struct machine *m = tu_boot("-M q35 -m 4G,slots=4,maxmem=12G",
				    "memhp_default_state=online_movable", MEMHP_KERNEL_6_1);
	struct json_object *reply, *list, *info;

	(void)state;
	add_dimm(m, "m1", "d1", 1 * GiB);
	machine_run_pending(m);
	for (uint64_t id = 48; id <= 55; id++)
		assert_string_equal(tu_blk(m, id, "valid_zones"), "Movable\n");
	assert_int_equal(page_alloc_range(m->kernel, 51 * 32768 + 7, 1, PAGE_RESERVED, TAG_BOOT_UNMOVABLE), 0);
	del_dimm(m, "d1");
	machine_run_pending(m);
	for (uint64_t id = 48; id <= 55; id++) {
		assert_true(tu_block_exists(m, id));
		assert_string_equal(tu_blk(m, id, "state"), "online\n");
		assert_string_equal(tu_blk(m, id, "valid_zones"), id == 51 ? "Movable\n" : "Normal\n");
	}
	assert_int_equal(tu_count_events(m, "DEVICE_DELETED", NULL), 0);
	/* Linux first answers "eject in progress" (0x84, observed on 6.1 and
	 * 6.12 under QEMU 7.2), then the failure. */
	expect_ost(m, 3, 0, 0x84);
	info = expect_ost(m, 3, 1, 130);
	assert_info_str(info, "slot-type", "DIMM");
	assert_info_str(info, "device", "d1");
	reply = query_devices(m, &list);
	assert_int_equal(json_object_array_length(list), 1);
	json_object_put(reply);

	/* dimm-acpi.md §1.4: device_del can be retried; with the page gone it works */
	free_pages_range(m->kernel, 51 * 32768 + 7, 1);
	eject_dimm(m, "d1", 48);
	machine_free(m);
}

/* The events of a successful eject, as QEMU 7.2 reported them with the
 * 6.1 and 6.12 kernels (tests/conformance/dimm-eject-online): _OST "eject
 * in progress" naming the DIMM, DEVICE_DELETED, then _OST success that
 * names only the slot, because the DIMM is gone by then. */
static void test_dimm_eject_event_order(void **state)
{
	struct machine *m = tu_boot("-M pc -m 4G,slots=2,maxmem=8G",
				    "memhp_default_state=online_movable", MEMHP_KERNEL_6_12);
	struct json_object *ev, *v, *data, *info;
	static const char *const names[] = {"ACPI_DEVICE_OST", "DEVICE_DELETED",
					    "ACPI_DEVICE_OST"};

	(void)state;
	add_dimm(m, "m1", "d1", 1 * GiB);
	machine_run_pending(m);
	json_object_put(m->events);
	m->events = json_object_new_array();
	del_dimm(m, "d1");
	machine_run_pending(m);
	assert_int_equal(json_object_array_length(m->events), 3);
	for (size_t i = 0; i < 3; i++) {
		ev = json_object_array_get_idx(m->events, i);
		assert_true(json_object_object_get_ex(ev, "event", &v));
		assert_string_equal(json_object_get_string(v), names[i]);
	}
	info = expect_ost(m, 3, 0, 0x84);
	assert_info_str(info, "device", "d1");
	info = expect_ost(m, 3, 1, 0);
	assert_false(json_object_object_get_ex(info, "device", NULL));
	assert_info_str(info, "slot", "0");
	ev = json_object_array_get_idx(m->events, 1);
	assert_true(json_object_object_get_ex(ev, "data", &data));
	assert_true(json_object_object_get_ex(data, "device", &v));
	assert_string_equal(json_object_get_string(v), "d1");
	machine_free(m);
}

/* dimm-acpi.md §1.3 / checklist 130: a cold-plugged 1 GiB -device pc-dimm on
 * q35 4 GiB is placed at 6 GiB ("hotplugged": false), absent from e820; its
 * blocks 48-55 exist after boot, offline with memhp_default_state=offline. */
static void test_dimm_cold_plugged_offline(void **state)
{
	static const enum memhp_kernel versions[] = {MEMHP_KERNEL_6_1, MEMHP_KERNEL_6_12};

	(void)state;
	for (size_t v = 0; v < 2; v++) {
		struct machine *m = tu_boot_cold_dimm("-M q35 -m 4G,slots=4,maxmem=12G", "1G",
						      "memhp_default_state=offline", versions[v]);
		struct json_object *reply, *list, *data;

		for (uint64_t id = 48; id <= 55; id++) {
			assert_string_equal(tu_blk(m, id, "state"), "offline\n");
			assert_string_equal(tu_blk(m, id, "valid_zones"), "Normal Movable\n");
		}
		assert_false(tu_block_exists(m, 56));
		/* not early memory: boot zones unchanged (qemu-x86-e820.md q35 4 GiB) */
		assert_int_equal(tu_zone(m, 0, ZONE_NORMAL)->present_pages, 524288);
		assert_int_equal(tu_zone(m, 0, ZONE_NORMAL)->spanned_pages, 524288);
		reply = query_devices(m, &list);
		assert_int_equal(json_object_array_length(list), 1);
		data = dev_data(list, 0);
		assert_string_equal(data_str(data, "id"), "d1");
		assert_int_equal(data_u64(data, "addr"), 6442450944ULL);
		assert_false(data_bool(data, "hotplugged"));
		json_object_put(reply);
		/* checklist 130: its blocks belong to a static group (max 262144 pages) */
		assert_non_null(find_memory_block(m->kernel, 48)->group);
		assert_int_equal(find_memory_block(m->kernel, 48)->group->stats.max_pages, 262144);
		assert_false(find_memory_block(m->kernel, 48)->group->stats.is_dynamic);
		/* onlining it afterwards: not early -> present_early unchanged */
		assert_int_equal(tu_blk_write(m, 48, "state", "online\n"), 0);
		assert_int_equal(tu_zone(m, 0, ZONE_NORMAL)->present_early_pages, 524288);
		machine_free(m);
	}
}

/* checklist 130: cold-plugged DIMM blocks follow auto_online_blocks: on 6.12
 * without a command line (online) they are online after boot. */
static void test_dimm_cold_plugged_follows_auto_online(void **state)
{
	struct machine *m =
	    tu_boot_cold_dimm("-M q35 -m 4G,slots=4,maxmem=12G", "1G", NULL, MEMHP_KERNEL_6_12);

	(void)state;
	for (uint64_t id = 48; id <= 55; id++) {
		assert_string_equal(tu_blk(m, id, "state"), "online\n");
		assert_string_equal(tu_blk(m, id, "valid_zones"), "Normal\n");
	}
	machine_free(m);
}

/* memory-blocks.md §6 (observed): per block there is additionally a
 * firmware_node link for blocks of an ACPI memory device (DIMM);
 * dimm-acpi.md §1.3: the cold-plugged DIMM's blocks have a firmware_node link
 * to PNP0C80:00; §4: memoryN/firmware_node is how user space sees which
 * blocks form a DIMM. Boot blocks have none. */
static int setup_cold_dimm(void **state)
{
	*state = tu_boot_cold_dimm("-M q35 -m 4G,slots=4,maxmem=12G", "1G",
				   "memhp_default_state=offline", MEMHP_KERNEL_6_1);
	return 0;
}

static void test_dimm_firmware_node_link(void **state)
{
	struct machine *m = *state;

	assert_int_equal(vfs_lookup(TU_VFS(m), MEM "/memory32/firmware_node", NULL), VFS_NONE);
	assert_int_equal(vfs_lookup(TU_VFS(m), MEM "/memory48/firmware_node", NULL), VFS_LINK);
	assert_int_equal(vfs_lookup(TU_VFS(m), MEM "/memory55/firmware_node", NULL), VFS_LINK);
	/* The target a real 6.12 guest on QEMU 7.2 showed for this DIMM
	 * (tests/conformance/dimm-cold-plugged, --sysroot-out). */
	assert_string_equal(tu_readlink(m, MEM "/memory48/firmware_node"),
			    "../../../LNXSYSTM:00/LNXSYBUS:00/PNP0A06:04/PNP0C80:00");
}

/* checklist 126 / dimm-acpi.md §1.4: a 64 MiB DIMM (not a multiple of the
 * 128 MiB block size) is accepted by QEMU but Linux fails the add (EINVAL):
 * no memoryN appears, the device stays listed; insertion _OST status 0. */
static void test_dimm_misaligned_64m(void **state)
{
	struct machine *m = tu_boot("-M q35 -m 4G,slots=4,maxmem=12G", NULL, MEMHP_KERNEL_6_1);
	struct json_object *reply, *list, *info, *v;

	(void)state;
	add_dimm(m, "m1", "d1", 64 * MiB);
	machine_run_pending(m);
	assert_false(tu_block_exists(m, 48));
	reply = query_devices(m, &list);
	assert_int_equal(json_object_array_length(list), 1);
	assert_int_equal(data_u64(dev_data(list, 0), "addr"), 6 * GiB);
	json_object_put(reply);
	/* no group left behind (checklist 126: group unregistered) */
	assert_null(memory_group_find_by_id(&m->kernel->groups, 0));
	info = ost_info(m, 1, 0);
	if (info) {
		assert_true(json_object_object_get_ex(info, "status", &v));
		assert_int_equal(json_object_get_int(v), 0);
	}
	/* dimm-acpi.md §1.2: a DIMM placed after it (at 6 GiB + 64 MiB) is rejected too */
	add_dimm(m, "m2", "d2", 128 * MiB);
	machine_run_pending(m);
	assert_false(tu_block_exists(m, 48));
	assert_false(tu_block_exists(m, 49));
	machine_free(m);
}

/* QMP errors: device_del of an unknown id -> DeviceNotFound,
 * "Device 'nope' not found". */
static void test_qmp_device_del_unknown(void **state)
{
	struct machine *m = tu_boot("-M q35 -m 4G,slots=4,maxmem=12G", NULL, MEMHP_KERNEL_6_1);
	struct json_object *reply = tu_qmp(m, "{\"execute\": \"device_del\", \"arguments\": {\"id\": \"nope\"}}");
	struct json_object *err, *v;

	(void)state;
	assert_false(json_object_object_get_ex(reply, "return", NULL));
	assert_true(json_object_object_get_ex(reply, "error", &err));
	assert_true(json_object_object_get_ex(err, "class", &v));
	assert_string_equal(json_object_get_string(v), "DeviceNotFound");
	assert_true(json_object_object_get_ex(err, "desc", &v));
	assert_string_equal(json_object_get_string(v), "Device 'nope' not found");
	json_object_put(reply);
	/* nothing queued, nothing emitted */
	assert_int_equal(machine_run_pending(m), 0);
	assert_int_equal(json_object_array_length(m->events), 0);
	machine_free(m);
}

/* Something onlines block `reonline` again while the eject offlines the
 * DIMM's last block: a MEM_OFFLINE listener standing in for a user-space
 * onliner racing with the eject. */
struct reonline_race {
	struct kernel *k;
	uint64_t trigger_pfn; /* offlining from this pfn on fires it */
	uint64_t reonline;
	bool armed;
	int fired;
};

static int reonline_call(void *data, enum memory_block_state action,
			 const struct memory_notify *arg)
{
	struct reonline_race *r = data;

	if (!r->armed || action != MEM_OFFLINE || arg->start_pfn < r->trigger_pfn)
		return 0;
	r->armed = false;
	r->fired++;
	assert_int_equal(device_online(r->k, find_memory_block(r->k, r->reonline)), 0);
	return 0;
}

/* remove_memory() failing after the DIMM's blocks were offlined. The
 * kernel's try_remove_memory() refuses (-EBUSY) while a block of the range
 * is online, and __remove_memory() then BUG()s: the driver has already
 * let the device go. The model keeps the device bound with its blocks
 * (they still point at its firmware node) and answers as
 * acpi_device_hotplug() maps -EBUSY: _OST ACPI_OST_SC_DEVICE_BUSY (0x82).
 * QEMU keeps the DIMM; a later eject succeeds. */
static void test_dimm_remove_failure_keeps_device(void **state)
{
	struct machine *m = tu_boot("-M pc -m 4G,slots=2,maxmem=8G",
				    "memhp_default_state=online_movable", MEMHP_KERNEL_6_12);
	struct reonline_race race = {.reonline = 40, .armed = true};
	struct memory_notifier nb = {.call = reonline_call, .data = &race};
	struct json_object *reply, *list, *info;

	(void)state;
	race.k = m->kernel;
	race.trigger_pfn = 41 * m->kernel->pages_per_block;
	/* pc 4 GiB: device memory at 5 GiB = block 40; 256 MiB = blocks 40-41 */
	add_dimm(m, "m1", "d1", 256 * MiB);
	assert_true(machine_run_pending(m) >= 0);
	assert_true(tu_block_exists(m, 40) && tu_block_exists(m, 41));
	assert_int_equal(register_memory_notifier(m->kernel, &nb), 0);
	json_object_put(m->events);
	m->events = json_object_new_array();

	del_dimm(m, "d1");
	assert_true(machine_run_pending(m) >= 0);
	assert_int_equal(race.fired, 1);
	expect_ost(m, 3, 0, 0x84);
	info = expect_ost(m, 3, 1, 0x82);
	assert_info_str(info, "device", "d1");
	assert_null(ost_info(m, 3, 2));
	assert_int_equal(tu_count_events(m, "DEVICE_DELETED", NULL), 0);
	/* still plugged on the host, still bound in the guest */
	reply = query_devices(m, &list);
	assert_int_equal(json_object_array_length(list), 1);
	assert_string_equal(data_str(dev_data(list, 0), "id"), "d1");
	json_object_put(reply);
	assert_true(tu_block_exists(m, 40) && tu_block_exists(m, 41));
	assert_string_equal(tu_readlink(m, MEM "/memory40/firmware_node"),
			    "../../../LNXSYSTM:00/LNXSYBUS:00/PNP0A06:04/PNP0C80:00");
	assert_string_equal(tu_readlink(m, MEM "/memory41/firmware_node"),
			    "../../../LNXSYSTM:00/LNXSYBUS:00/PNP0A06:04/PNP0C80:00");
	assert_non_null(memory_group_find_by_id(&m->kernel->groups, 0));

	/* Without the race the device goes, group and all. */
	del_dimm(m, "d1");
	assert_true(machine_run_pending(m) >= 0);
	assert_int_equal(tu_count_events(m, "DEVICE_DELETED", "d1"), 1);
	assert_false(tu_block_exists(m, 40) || tu_block_exists(m, 41));
	assert_null(memory_group_find_by_id(&m->kernel->groups, 0));
	unregister_memory_notifier(m->kernel, &race);
	machine_free(m);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_dimm_six_4g_dimms_pc),
		cmocka_unit_test(test_dimm_remove_last_shrinks_normal),
		cmocka_unit_test(test_dimm_worked_example_q35),
		cmocka_unit_test(test_dimm_q35_1g_offline_default),
		cmocka_unit_test(test_dimm_eject_failure_rollback),
		cmocka_unit_test(test_dimm_eject_event_order),
		cmocka_unit_test(test_dimm_cold_plugged_offline),
		cmocka_unit_test(test_dimm_cold_plugged_follows_auto_online),
		cmocka_unit_test_setup_teardown(test_dimm_firmware_node_link, setup_cold_dimm,
						tu_teardown_machine),
		cmocka_unit_test(test_dimm_misaligned_64m),
		cmocka_unit_test(test_qmp_device_del_unknown),
		cmocka_unit_test(test_dimm_remove_failure_keeps_device),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
