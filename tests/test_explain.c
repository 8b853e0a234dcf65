/* memhp explain (issue 4): the zone decision of a block, as JSON and as
 * text. The numbers are the spec's (zones-and-policies.md §6.5): K =
 * 1 048 446 early kernel pages on a q35 4 GiB VM, limit = 301 * K / 100 =
 * 3 155 822, 4 GiB DIMMs of 1 048 576 pages at blocks 48 + 32(d-1).
 *
 * virtio-mem (issue 11): the q35 4 GiB VM puts device memory at 6 GiB =
 * block 48 (qemu-x86-e820.md); a 16 GiB device with QEMU's default 2 MiB
 * block size runs in Sub Block Mode with 64 sub-blocks of 2 MiB per
 * 128 MiB block and a dynamic group of unit 32768 pages (virtio-mem.md §7),
 * blocks 48-175. */
#include <unistd.h>

#include "explain.h"
#include "memhp/memhp.h"
#include "scenario.h"
#include "strbuf.h"
#include "test_util.h"

static const char six_dimms[] =
    "qemu: -M q35 -m 4G,slots=4,maxmem=28G\n"
    "kernel-cmdline: memhp_default_state=online memory_hotplug.online_policy=auto-movable\n"
    "host: {\"execute\": \"object-add\", \"arguments\": {\"qom-type\": \"memory-backend-ram\", "
    "\"id\": \"m1\", \"size\": 4294967296}}\n"
    "host: {\"execute\": \"device_add\", \"arguments\": {\"driver\": \"pc-dimm\", \"id\": \"d1\", "
    "\"memdev\": \"m1\"}}\n"
    "host: {\"execute\": \"object-add\", \"arguments\": {\"qom-type\": \"memory-backend-ram\", "
    "\"id\": \"m2\", \"size\": 4294967296}}\n"
    "host: {\"execute\": \"device_add\", \"arguments\": {\"driver\": \"pc-dimm\", \"id\": \"d2\", "
    "\"memdev\": \"m2\"}}\n"
    "host: {\"execute\": \"object-add\", \"arguments\": {\"qom-type\": \"memory-backend-ram\", "
    "\"id\": \"m3\", \"size\": 4294967296}}\n"
    "host: {\"execute\": \"device_add\", \"arguments\": {\"driver\": \"pc-dimm\", \"id\": \"d3\", "
    "\"memdev\": \"m3\"}}\n"
    "settle\n"
    "snapshot three\n"
    "guest: echo offline > /sys/devices/system/memory/auto_online_blocks\n"
    "host: {\"execute\": \"object-add\", \"arguments\": {\"qom-type\": \"memory-backend-ram\", "
    "\"id\": \"m4\", \"size\": 4294967296}}\n"
    "host: {\"execute\": \"device_add\", \"arguments\": {\"driver\": \"pc-dimm\", \"id\": \"d4\", "
    "\"memdev\": \"m4\"}}\n"
    "settle\n"
    "snapshot four-offline\n"
    "guest: setstate online 144\n"
    "snapshot end\n";

/* Example (b), zones-and-policies.md §6.6: grown to 16 GiB in one step. */
static const char vmem_b[] =
    "qemu: -M q35 -m 4G,maxmem=20G\n"
    "qemu: -object memory-backend-ram,id=mem0,size=16G\n"
    "qemu: -device virtio-mem-pci,id=vm0,memdev=mem0,requested-size=0\n"
    "kernel-cmdline: memhp_default_state=online memory_hotplug.online_policy=auto-movable\n"
    "kernel-cmdline: memory_hotplug.auto_movable_ratio=301\n"
    "host: {\"execute\": \"qom-set\", \"arguments\": {\"path\": \"/machine/peripheral/vm0\", "
    "\"property\": \"requested-size\", \"value\": 17179869184}}\n"
    "settle\n"
    "snapshot grown\n";

/* Checklist 110: 1 GiB + 64 MiB online_movable. */
static const char vmem_partial[] =
    "qemu: -M q35 -m 4G,maxmem=20G\n"
    "qemu: -object memory-backend-ram,id=mem0,size=16G\n"
    "qemu: -device virtio-mem-pci,id=vm0,memdev=mem0,requested-size=0\n"
    "kernel-cmdline: memhp_default_state=online_movable\n"
    "host: {\"execute\": \"qom-set\", \"arguments\": {\"path\": \"/machine/peripheral/vm0\", "
    "\"property\": \"requested-size\", \"value\": 1140850688}}\n"
    "settle\n"
    "snapshot half\n";

/* Checklist 109: no auto-onlining, 2 GiB requested. */
static const char vmem_threshold[] =
    "qemu: -M q35 -m 4G,maxmem=20G\n"
    "qemu: -object memory-backend-ram,id=mem0,size=16G\n"
    "qemu: -device virtio-mem-pci,id=vm0,memdev=mem0,requested-size=0\n"
    "kernel-cmdline: memhp_default_state=offline\n"
    "host: {\"execute\": \"qom-set\", \"arguments\": {\"path\": \"/machine/peripheral/vm0\", "
    "\"property\": \"requested-size\", \"value\": 2147483648}}\n"
    "settle\n";

/* Checklist 114: unplug_online=N, 1 GiB shrunk to 768 MiB. */
static const char vmem_unplug_online_n[] =
    "qemu: -M q35 -m 4G,maxmem=20G\n"
    "qemu: -object memory-backend-ram,id=mem0,size=16G\n"
    "qemu: -device virtio-mem-pci,id=vm0,memdev=mem0,requested-size=0\n"
    "kernel-cmdline: memhp_default_state=online_movable\n"
    "guest: echo 0 > /sys/module/virtio_mem/parameters/unplug_online\n"
    "host: {\"execute\": \"qom-set\", \"arguments\": {\"path\": \"/machine/peripheral/vm0\", "
    "\"property\": \"requested-size\", \"value\": 1073741824}}\n"
    "settle\n"
    "host: {\"execute\": \"qom-set\", \"arguments\": {\"path\": \"/machine/peripheral/vm0\", "
    "\"property\": \"requested-size\", \"value\": 805306368}}\n"
    "settle\n";

/* Big Block Mode with 1 GiB device blocks, no auto-onlining, 3 GiB. */
static const char vmem_bbm[] =
    "qemu: -M q35 -m 4G,maxmem=20G\n"
    "qemu: -object memory-backend-ram,id=mem0,size=16G\n"
    "qemu: -device virtio-mem-pci,id=vm0,memdev=mem0,block-size=1G,requested-size=0\n"
    "kernel-cmdline: memhp_default_state=offline\n"
    "host: {\"execute\": \"qom-set\", \"arguments\": {\"path\": \"/machine/peripheral/vm0\", "
    "\"property\": \"requested-size\", \"value\": 3221225472}}\n"
    "settle\n";

/* vmem-pc-hotplug.scn's vbig: requested-size above the memdev's size. */
static const char vmem_above_max[] =
    "qemu: -M pc -m 4G,maxmem=16G\n"
    "kernel-cmdline: memhp_default_state=online_movable\n"
    "host: {\"execute\": \"object-add\", \"arguments\": {\"qom-type\": \"memory-backend-ram\", "
    "\"id\": \"mem1\", \"size\": 4294967296}}\n"
    "host: {\"execute\": \"device_add\", \"arguments\": {\"driver\": \"virtio-mem-pci\", \"id\": "
    "\"vbig\", \"memdev\": \"mem1\", \"requested-size\": 5368709120}}\n"
    "settle\n";

enum scn {
	SIX_DIMMS,
	VMEM_B,
	VMEM_PARTIAL,
	VMEM_THRESHOLD,
	VMEM_UNPLUG_N,
	VMEM_BBM,
	VMEM_ABOVE_MAX,
	NR_SCN
};

static const char *const scn_text[NR_SCN] = {
    six_dimms, vmem_b, vmem_partial, vmem_threshold, vmem_unplug_online_n, vmem_bbm, vmem_above_max,
};
static char scn_paths[NR_SCN][64];
#define scn_path scn_paths[SIX_DIMMS]

static int write_scenario(void **state)
{
	(void)state;
	for (int i = 0; i < NR_SCN; i++) {
		size_t len = strlen(scn_text[i]);
		int fd;

		snprintf(scn_paths[i], sizeof(scn_paths[i]), "/tmp/memhp-explain-XXXXXX");
		fd = mkstemp(scn_paths[i]);
		assert_true(fd >= 0);
		assert_int_equal(write(fd, scn_text[i], len), (ssize_t)len);
		close(fd);
	}
	return 0;
}

static int remove_scenario(void **state)
{
	(void)state;
	for (int i = 0; i < NR_SCN; i++)
		unlink(scn_paths[i]);
	return 0;
}

static struct json_object *explain_in(enum scn f, uint64_t block, const char *device,
				      const char *at)
{
	struct memhp_explain_options o = {
	    .kernel = MEMHP_KERNEL_6_12, .block = block, .device = device, .at_label = at};
	struct json_object *e = NULL;
	char err[512] = "";
	int ret = memhp_explain_file(scn_paths[f], &o, &e, err, sizeof(err));

	if (ret)
		fail_msg("explain %llu/%s: %d %s", (unsigned long long)block, device ? device : "",
			 ret, err);
	return e;
}

static struct json_object *explain(uint64_t block, const char *at)
{
	return explain_in(SIX_DIMMS, block, NULL, at);
}

/* A JSON path like "decision.auto_movable.checks.0.limit". */
static struct json_object *jpath(struct json_object *o, const char *path)
{
	char buf[256], *save = NULL;

	snprintf(buf, sizeof(buf), "%s", path);
	for (char *t = strtok_r(buf, ".", &save); t && o; t = strtok_r(NULL, ".", &save)) {
		if (json_object_is_type(o, json_type_array))
			o = json_object_array_get_idx(o, (size_t)atoi(t));
		else if (!json_object_object_get_ex(o, t, &o))
			o = NULL;
	}
	if (!o)
		fail_msg("no %s", path);
	return o;
}

#define assert_path_u64(e, path, v) assert_int_equal(json_object_get_uint64(jpath(e, path)), v)
#define assert_path_str(e, path, v) assert_string_equal(json_object_get_string(jpath(e, path)), v)
#define assert_path_bool(e, path, v) assert_int_equal(json_object_get_boolean(jpath(e, path)), v)
#define assert_path_null(e, path)    assert_null(jpath_or_null(e, path))

static struct json_object *jpath_or_null(struct json_object *o, const char *path)
{
	char buf[256], *save = NULL;

	snprintf(buf, sizeof(buf), "%s", path);
	for (char *t = strtok_r(buf, ".", &save); t && o; t = strtok_r(NULL, ".", &save)) {
		if (json_object_is_type(o, json_type_array))
			o = json_object_array_get_idx(o, (size_t)atoi(t));
		else if (!json_object_object_get_ex(o, t, &o))
			o = NULL;
	}
	return o;
}

static void assert_text_has(struct json_object *e, const char *needle)
{
	char *text = memhp_explain_text(e);

	assert_non_null(text);
	if (!strstr(text, needle))
		fail_msg("missing \"%s\" in:\n%s", needle, text);
	free(text);
}

static void assert_text_lacks(struct json_object *e, const char *needle)
{
	char *text = memhp_explain_text(e);

	assert_non_null(text);
	if (strstr(text, needle))
		fail_msg("unexpected \"%s\" in:\n%s", needle, text);
	free(text);
}

/* Row i of a virtio-mem table: ids first-last, driver state, zone and
 * plugged sub-blocks (-1: not SBM). */
static void assert_row(struct json_object *rows, size_t i, uint64_t first, uint64_t last,
		       const char *state, const char *zone, int64_t plugged)
{
	struct json_object *r = json_object_array_get_idx(rows, i);

	if (!r)
		fail_msg("no row %zu", i);
	assert_int_equal(json_object_get_uint64(jpath(r, "first")), first);
	assert_int_equal(json_object_get_uint64(jpath(r, "last")), last);
	assert_string_equal(json_object_get_string(jpath(r, "state")), state);
	assert_string_equal(json_object_get_string(jpath(r, "zone")), zone);
	if (plugged < 0)
		assert_null(jpath_or_null(r, "plugged_sub_blocks"));
	else
		assert_int_equal(json_object_get_uint64(jpath(r, "plugged_sub_blocks")), plugged);
}

/* DIMM 3's first block, as it was onlined: movable before = 2 097 152,
 * need = 1 048 576, 3 145 728 <= 3 155 822 on all nodes and node 0. */
static void test_online_block_decision(void **state)
{
	struct json_object *e = explain(112, "three");

	(void)state;
	assert_path_str(e, "state", "online");
	assert_path_str(e, "zone", "Movable");
	assert_path_str(e, "device", "d3");
	assert_path_u64(e, "onlined_by.lineno", 9);
	assert_path_str(e, "decision.online_type", "online");
	assert_path_str(e, "decision.auto_movable.reason", "fits");
	assert_path_str(e, "decision.auto_movable.scope", "static-group");
	assert_path_u64(e, "decision.auto_movable.need", 1048576);
	assert_path_u64(e, "decision.auto_movable.checks.0.kernel_early_pages", 1048446);
	assert_path_u64(e, "decision.auto_movable.checks.0.movable_before", 2097152);
	assert_path_u64(e, "decision.auto_movable.checks.0.limit", 3155822);
	assert_path_u64(e, "decision.auto_movable.checks.1.node", 0);
	assert_text_has(e, "limit = 301 * 1048446 / 100 = 3155822");
	assert_text_has(e, "movable + need = 2097152 + 1048576 = 3145728 <= 3155822: fits");
	json_object_put(e);
}

/* DIMM 4 offline: what `online` would choose now: 3 145 728 + 1 048 576
 * = 4 194 304 > 3 155 822 -> Normal; valid_zones says the same. */
static void test_offline_block_would_choose(void **state)
{
	struct json_object *e = explain(144, "four-offline");

	(void)state;
	assert_path_str(e, "state", "offline");
	assert_path_str(e, "valid_zones", "Normal Movable");
	assert_path_str(e, "would_choose.zone", "Normal");
	assert_path_str(e, "would_choose.auto_movable.reason", "exceeds-global-ratio");
	assert_path_u64(e, "would_choose.auto_movable.checks.0.movable_after", 4194304);
	assert_path_u64(e, "would_choose.auto_movable.kernel_nr_pages", 1048576);
	assert_text_has(e, "`online` would choose Normal now");
	assert_text_has(e, "movable + need = 3145728 + 1048576 = 4194304 > 3155822: does not fit");
	json_object_put(e);
}

/* At the end, block 144 was onlined by the setstate line; block 145 is
 * still offline and its group now has kernel pages: kernel at once. */
static void test_once_kernel_explained(void **state)
{
	struct json_object *e = explain(144, NULL), *f = explain(145, NULL);

	(void)state;
	assert_path_str(e, "zone", "Normal");
	assert_path_u64(e, "onlined_by.lineno", 16);
	assert_path_str(e, "onlined_by.line", "guest: setstate online 144");
	assert_path_str(f, "would_choose.auto_movable.reason", "group-has-kernel");
	assert_path_u64(f, "group.present_kernel_pages", 32768);
	assert_text_has(f, "once kernel, all kernel");
	json_object_put(e);
	json_object_put(f);
}

/* Boot memory: no decision, the boot layout. */
static void test_boot_block(void **state)
{
	struct json_object *e = explain(40, NULL);

	(void)state;
	assert_true(json_object_get_boolean(jpath(e, "boot_memory")));
	assert_false(json_object_object_get_ex(e, "decision", NULL));
	assert_text_has(e, "Online since boot");
	json_object_put(e);
}

static void test_errors(void **state)
{
	struct memhp_explain_options o = {
	    .kernel = MEMHP_KERNEL_6_12, .block = 144, .at_label = "three"};
	struct json_object *e = NULL;
	char err[512] = "";

	(void)state;
	/* DIMM 4 does not exist yet at "three" */
	assert_int_equal(memhp_explain_file(scn_path, &o, &e, err, sizeof(err)), -ENOENT);
	assert_null(e);
	assert_non_null(strstr(err, "no memory144 at snapshot three"));
	o.at_label = "nope";
	assert_int_equal(memhp_explain_file(scn_path, &o, &e, err, sizeof(err)), -EINVAL);
	assert_non_null(strstr(err, "no 'snapshot nope'"));
	assert_non_null(strstr(err, "three four-offline end"));
}

/* Example (b), zones-and-policies.md §6.6, block 172: before it the group
 * has 7 Normal blocks (144, 148, ..., 168) and 117 Movable ones (48-143,
 * then three after each Normal one up to 171), so with K = 1 048 446:
 *   own kernel = 7 * 32768 = 229 376; kernel = K + 229 376 = 1 277 822
 *   limit = floor(301 * 1 277 822 / 100) = 3 846 244 (the table's row 172)
 *   movable + need = 117 * 32768 + 32768 = 3 866 624 > limit: Normal.
 * The driver has it fully plugged (kernel, 64 of 64 sub-blocks). At the
 * end of the growth the group holds 8 Normal blocks (262 144 kernel pages)
 * and 120 Movable ones (3 932 160 pages). */
static void test_vmem_block_group_bonus(void **state)
{
	struct json_object *e = explain_in(VMEM_B, 172, NULL, "grown");

	(void)state;
	assert_path_str(e, "zone", "Normal");
	assert_path_str(e, "decision.auto_movable.scope", "dynamic-unit");
	assert_path_u64(e, "decision.auto_movable.checks.0.own_kernel_pages", 229376);
	assert_path_u64(e, "decision.auto_movable.checks.0.kernel_pages", 1277822);
	assert_path_u64(e, "decision.auto_movable.checks.0.limit", 3846244);
	assert_path_u64(e, "decision.auto_movable.checks.0.movable_before", 3833856);
	assert_path_u64(e, "decision.auto_movable.checks.0.movable_after", 3866624);
	assert_path_str(e, "virtio_mem.device", "vm0");
	assert_path_str(e, "virtio_mem.mode", "SBM");
	assert_path_u64(e, "virtio_mem.sub_block_size", 2 * MiB);
	assert_path_u64(e, "virtio_mem.sub_blocks_per_block", 64);
	assert_path_u64(e, "virtio_mem.group.id", 0);
	assert_path_u64(e, "virtio_mem.group.unit_pages", 32768);
	assert_path_u64(e, "virtio_mem.group.present_kernel_pages", 262144);
	assert_path_u64(e, "virtio_mem.group.present_movable_pages", 3932160);
	assert_path_str(e, "virtio_mem.block_state", "kernel");
	assert_path_u64(e, "virtio_mem.plugged_sub_blocks", 64);
	assert_text_has(e, "kernel  = 1048446 - shortfall 0 + own kernel 229376 = 1277822");
	assert_text_has(e, "the dynamic group bonus: the device's own 229376 kernel pages count "
			   "as kernel memory for its movable memory");
	assert_text_has(e, "the driver has memory172 as kernel, 64 of 64 sub-blocks plugged");
	json_object_put(e);
}

/* Block 173 right after: own kernel = 8 * 32768 = 262 144, limit =
 * floor(301 * 1 310 590 / 100) = 3 944 875 (row 173), movable + need =
 * 3 866 624 fits: Movable. Block 48, the first: no own kernel pages, no
 * bonus to speak of. */
static void test_vmem_block_movable(void **state)
{
	struct json_object *e = explain_in(VMEM_B, 173, NULL, "grown");
	struct json_object *f = explain_in(VMEM_B, 48, NULL, "grown");

	(void)state;
	assert_path_str(e, "zone", "Movable");
	assert_path_u64(e, "decision.auto_movable.checks.0.own_kernel_pages", 262144);
	assert_path_u64(e, "decision.auto_movable.checks.0.limit", 3944875);
	assert_path_str(e, "virtio_mem.block_state", "movable");
	assert_text_has(e, "the device's own 262144 kernel pages count as kernel memory");
	assert_path_u64(f, "decision.auto_movable.checks.0.own_kernel_pages", 0);
	assert_text_lacks(f, "dynamic group bonus");
	json_object_put(e);
	json_object_put(f);
}

/* The device of example (b): the driver prepared blocks 48-175, their
 * zones as §6.6's result says: 48-143 Movable, then 144 + 4k Normal
 * (k = 0..7) and the three after each Movable: 1 + 8 * 2 = 17 rows. The
 * usable region is min(16 GiB, 16 GiB + 256 MiB) = 16 GiB: limit 176. */
static void test_vmem_device_example_b(void **state)
{
	struct json_object *e = explain_in(VMEM_B, 0, "vm0", "grown");
	struct json_object *rows = jpath(e, "blocks");

	(void)state;
	assert_path_u64(e, "host.size", 16 * GiB);
	assert_path_u64(e, "host.usable_region_size", 16 * GiB);
	assert_path_u64(e, "driver.first_id", 48);
	assert_path_u64(e, "driver.next_id", 176);
	assert_path_u64(e, "driver.limit_id", 176);
	assert_path_str(e, "difference.direction", "none");
	assert_null(jpath_or_null(e, "plug_next"));
	assert_int_equal(json_object_array_length(rows), 17);
	assert_row(rows, 0, 48, 143, "movable", "Movable", 64);
	assert_row(rows, 1, 144, 144, "kernel", "Normal", 64);
	assert_row(rows, 2, 145, 147, "movable", "Movable", 64);
	assert_row(rows, 15, 172, 172, "kernel", "Normal", 64);
	assert_row(rows, 16, 173, 175, "movable", "Movable", 64);
	assert_text_has(e, "48-143       movable          64/64     Movable");
	json_object_put(e);
}

/* Checklist 110, §18: 1 GiB + 64 MiB plugs blocks 48-55 and sub-blocks
 * 0-31 of block 56 (movable_partial, 32 of 64). The usable region is
 * 1 GiB + 64 MiB + 256 MiB, ending inside block 58 (§8.1's example):
 * limit 58. The next plug fills block 56 first (§9 step 1). */
static void test_vmem_partial_block(void **state)
{
	struct json_object *b = explain_in(VMEM_PARTIAL, 56, NULL, "half");
	struct json_object *e = explain_in(VMEM_PARTIAL, 0, "vm0", "half");
	struct json_object *rows = jpath(e, "blocks");

	(void)state;
	assert_path_str(b, "virtio_mem.block_state", "movable_partial");
	assert_path_u64(b, "virtio_mem.plugged_sub_blocks", 32);
	assert_text_has(b, "memory56 as movable_partial, 32 of 64 sub-blocks plugged");
	assert_path_u64(e, "host.size", 1 * GiB + 64 * MiB);
	assert_path_u64(e, "driver.next_id", 57);
	assert_path_u64(e, "driver.limit_id", 58);
	assert_int_equal(json_object_array_length(rows), 2);
	assert_row(rows, 0, 48, 55, "movable", "Movable", 64);
	assert_row(rows, 1, 56, 56, "movable_partial", "Movable", 32);
	assert_path_u64(e, "plug_next.id", 56);
	assert_path_str(e, "plug_next.step", "partial");
	assert_text_has(e, "Next: memory56 (movable_partial), a partially plugged block");
	json_object_put(b);
	json_object_put(e);
}

/* Checklist 109, §15: without auto-onlining the driver adds 8 blocks,
 * offline_size = 1 GiB = offline_threshold, and the ninth would need
 * 1 GiB + 128 MiB > 1 GiB: ENOSPC, no timer; 1 GiB of the 2 GiB is
 * missing. The next plug would add a new block 56; the usable region is
 * 2 GiB + 256 MiB from 6 GiB, so limit 8.25 GiB / 128 MiB = 66. */
static void test_vmem_device_threshold(void **state)
{
	struct json_object *e = explain_in(VMEM_THRESHOLD, 0, "vm0", NULL);

	(void)state;
	assert_path_str(e, "difference.direction", "plug");
	assert_path_u64(e, "difference.bytes", 1 * GiB);
	assert_path_str(e, "difference.reason", "threshold");
	assert_path_u64(e, "difference.offline_size", 1 * GiB);
	assert_path_u64(e, "difference.add_size", 128 * MiB);
	assert_path_u64(e, "difference.offline_threshold", 1 * GiB);
	assert_path_str(e, "driver.wait", "threshold");
	assert_path_str(e, "driver.last_rc_name", "ENOSPC");
	assert_path_bool(e, "driver.retry_timer.armed", false);
	assert_path_u64(e, "driver.limit_id", 66);
	assert_path_u64(e, "plug_next.id", 56);
	assert_path_str(e, "plug_next.step", "new");
	assert_row(jpath(e, "blocks"), 0, 48, 55, "offline", "offline", 64);
	assert_text_has(e, "Why size 1 GiB < requested-size 2 GiB (1 GiB still to plug)");
	assert_text_has(e, "but 1 GiB + 128 MiB > 1 GiB: the driver waits (ENOSPC, no timer)");
	json_object_put(e);
}

/* Checklist 114, §11: with unplug_online=N, shrinking 1 GiB (blocks 48-55
 * online Movable) to 768 MiB unplugs nothing: 256 MiB too much, every
 * block held because it is online; the driver waits without a timer. */
static void test_vmem_device_unplug_online_n(void **state)
{
	struct json_object *e = explain_in(VMEM_UNPLUG_N, 0, "vm0", NULL);
	struct json_object *holding = jpath(e, "difference.holding");

	(void)state;
	assert_path_str(e, "difference.direction", "unplug");
	assert_path_u64(e, "difference.bytes", 256 * MiB);
	assert_path_str(e, "difference.reason", "offline-only");
	assert_path_bool(e, "driver.unplug_online", false);
	assert_path_bool(e, "driver.retry_timer.armed", false);
	assert_int_equal(json_object_array_length(holding), 1);
	assert_row(holding, 0, 48, 55, "movable", "Movable", 64);
	assert_path_str(e, "difference.holding.0.hold", "unplug-online-n");
	assert_text_has(e, "unplug_online=N: online blocks are not unplugged");
	json_object_put(e);
}

/* §7, §13, §15 in Big Block Mode: 1 GiB device blocks make 1 GiB big
 * blocks (ids 6 = 6 GiB / 1 GiB on), threshold max(2 * 1 GiB, 1 GiB) =
 * 2 GiB. Without auto-onlining two big blocks (6, 7 = memory48-63) are
 * added and the third would need 2 GiB + 1 GiB > 2 GiB. */
static void test_vmem_device_bbm(void **state)
{
	struct json_object *e = explain_in(VMEM_BBM, 0, "vm0", NULL);

	(void)state;
	assert_path_str(e, "driver.mode", "BBM");
	assert_path_u64(e, "driver.big_block_size", 1 * GiB);
	assert_path_null(e, "driver.sub_block_size");
	assert_path_u64(e, "driver.group.unit_pages", 262144);
	assert_path_u64(e, "driver.first_id", 6);
	assert_path_u64(e, "driver.next_id", 8);
	assert_path_str(e, "difference.reason", "threshold");
	assert_path_u64(e, "difference.offline_size", 2 * GiB);
	assert_path_u64(e, "difference.add_size", 1 * GiB);
	assert_path_u64(e, "difference.offline_threshold", 2 * GiB);
	assert_row(jpath(e, "blocks"), 0, 6, 7, "added", "offline", -1);
	assert_text_has(e, "but 2 GiB + 1 GiB > 2 GiB");
	assert_text_has(e, "6-7        48-63        added");
	json_object_put(e);
}

/* vmem-pc-hotplug.scn's vbig: pc with 4 GiB puts device memory at 5 GiB
 * (block 40); the 4 GiB region is blocks 40-71. QEMU 7.2 takes a
 * requested-size of 5 GiB at device_add; the usable region is then
 * min(4 GiB, 5 GiB + 256 MiB) = the whole region, ending at 9 GiB =
 * 0x240000000, where the next block (72) would start: ENOSPC. */
static void test_vmem_device_no_usable_block(void **state)
{
	struct json_object *e = explain_in(VMEM_ABOVE_MAX, 0, "vbig", NULL);

	(void)state;
	assert_path_u64(e, "host.size", 4 * GiB);
	assert_path_u64(e, "host.requested_size", 5 * GiB);
	assert_path_str(e, "difference.reason", "usable");
	assert_path_u64(e, "difference.next_id", 72);
	assert_path_u64(e, "difference.next_start", 9 * GiB);
	assert_path_u64(e, "difference.usable_end", 9 * GiB);
	assert_path_bool(e, "difference.requested_above_max_size", true);
	assert_null(jpath_or_null(e, "plug_next"));
	assert_text_has(e, "the next block, memory72 [0x240000000, 0x248000000),");
	assert_text_has(e, "requested-size 5 GiB is above the device's max-size 4 GiB");
	json_object_put(e);
}

/* Checklist 116, §11, §12: 512 MiB online_kernel (blocks 48-51 in
 * ZONE_NORMAL), every block holding unmovable pages, shrunk to 256 MiB:
 * no partial or offline blocks, so KERNEL blocks from the top; each
 * fake-offline (alloc_contig_range) fails, so size stays 512 MiB and the
 * driver retries after 50 s. No scenario line makes pages unmovable, so
 * this one is built by hand and explained directly. */
static void test_vmem_device_unmovable(void **state)
{
	struct machine *m = tu_boot("-M q35 -m 4G,maxmem=36G -object "
				    "memory-backend-ram,id=mem0,size=16G -device "
				    "virtio-mem-pci,id=vm0,memdev=mem0",
				    "memhp_default_state=online_kernel", MEMHP_KERNEL_6_12);
	struct scenario *sc = NULL;
	struct json_object *e, *holding;
	struct memory_block *b;
	struct strbuf sb = {0};
	char err[256];
	uint64_t id;
	int ret;

	(void)state;
	assert_int_equal(scenario_parse_string("unmovable.scn", "", &sc, err, sizeof(err)), 0);
	tu_qmp_ok(m, "{\"execute\": \"qom-set\", \"arguments\": {\"path\": "
		     "\"/machine/peripheral/vm0\", \"property\": \"requested-size\", \"value\": "
		     "536870912}}");
	assert_int_equal(machine_settle(m), 0);
	for_each_memory_block_in_range(m->kernel, b, id, 48, 52) tu_scatter_pages(m, id, PAGE_UNMOVABLE);
	tu_qmp_ok(m, "{\"execute\": \"qom-set\", \"arguments\": {\"path\": "
		     "\"/machine/peripheral/vm0\", \"property\": \"requested-size\", \"value\": "
		     "268435456}}");
	assert_int_equal(machine_settle(m), 0);
	e = explain_device(&(struct explain_input){.sc = sc, .m = m}, "vm0", &ret);
	assert_int_equal(ret, 0);
	holding = jpath(e, "difference.holding");
	assert_path_u64(e, "host.size", 512 * MiB);
	assert_path_str(e, "difference.direction", "unplug");
	assert_path_u64(e, "difference.bytes", 256 * MiB);
	assert_path_str(e, "difference.reason", "timer");
	assert_path_str(e, "driver.last_rc_name", "EBUSY");
	assert_path_bool(e, "driver.retry_timer.armed", true);
	assert_path_u64(e, "driver.retry_timer.expires_in_ns", 50 * NSEC_PER_SEC);
	assert_path_u64(e, "driver.retry_timer.interval_ns", 50 * NSEC_PER_SEC);
	assert_int_equal(json_object_array_length(holding), 1);
	assert_row(holding, 0, 48, 51, "kernel", "Normal", 64);
	assert_path_str(e, "difference.holding.0.hold", "unmovable-pages");
	explain_format_text(e, &sb);
	assert_false(sb.oom);
	assert_non_null(strstr(sb.buf, "48-51        kernel           64/64     Normal: online in "
				       "ZONE_NORMAL with unmovable pages: fake-offline "
				       "(alloc_contig_range) fails"));
	assert_non_null(strstr(sb.buf, "retry timer armed: expires in 50 s"));
	strbuf_release(&sb);
	json_object_put(e);
	scenario_free(sc);
	machine_free(m);
}

/* --device names a virtio-mem device that exists where asked: a DIMM's id
 * or an unknown one is -ENOENT. */
static void test_vmem_device_errors(void **state)
{
	struct memhp_explain_options o = {
	    .kernel = MEMHP_KERNEL_6_12, .device = "d1", .at_label = "three"};
	struct json_object *e = NULL;
	char err[512] = "";

	(void)state;
	assert_int_equal(memhp_explain_file(scn_path, &o, &e, err, sizeof(err)), -ENOENT);
	assert_null(e);
	assert_non_null(strstr(err, "there is no virtio-mem device d1 at snapshot three"));
	o = (struct memhp_explain_options){.kernel = MEMHP_KERNEL_6_12, .device = "nope"};
	assert_int_equal(memhp_explain_file(scn_paths[VMEM_B], &o, &e, err, sizeof(err)), -ENOENT);
	assert_non_null(strstr(err, "there is no virtio-mem device nope at the end"));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_online_block_decision),
	    cmocka_unit_test(test_offline_block_would_choose),
	    cmocka_unit_test(test_once_kernel_explained),
	    cmocka_unit_test(test_boot_block),
	    cmocka_unit_test(test_errors),
	    cmocka_unit_test(test_vmem_block_group_bonus),
	    cmocka_unit_test(test_vmem_block_movable),
	    cmocka_unit_test(test_vmem_device_example_b),
	    cmocka_unit_test(test_vmem_partial_block),
	    cmocka_unit_test(test_vmem_device_threshold),
	    cmocka_unit_test(test_vmem_device_unplug_online_n),
	    cmocka_unit_test(test_vmem_device_bbm),
	    cmocka_unit_test(test_vmem_device_no_usable_block),
	    cmocka_unit_test(test_vmem_device_unmovable),
	    cmocka_unit_test(test_vmem_device_errors),
	};

	return cmocka_run_group_tests(tests, write_scenario, remove_scenario);
}
