/* memhp plan against hand derivations, on the corpus's two seed layouts
 * under a workload (both recorded on the real kernels): what each device
 * could give back, what holds the rest, and the ratio's headroom. Each
 * expectation is derived in its comment from the scenario and the page
 * model's rules (offlining.md §3.6, zones-and-policies.md §4), not read
 * from memhp's output. */
#include "test_util.h"

#include <unistd.h>

#include "memhp/memhp.h"

static struct json_object *plan_at(const char *file, const char *label)
{
	struct memhp_plan_options po = {.kernel = MEMHP_KERNEL_6_12, .at_label = label};
	char path[512], err[512] = "";
	struct json_object *p = NULL;

	snprintf(path, sizeof(path), "%s/%s", CORPUS_DIR, file);
	assert_int_equal(memhp_plan_file(path, &po, &p, err, sizeof(err)), 0);
	return p;
}

static struct json_object *member(struct json_object *o, const char *key)
{
	struct json_object *v = NULL;

	assert_true(json_object_object_get_ex(o, key, &v));
	return v;
}

static uint64_t u64(struct json_object *o, const char *key)
{
	return json_object_get_uint64(member(o, key));
}

static struct json_object *device(struct json_object *plan, const char *id)
{
	struct json_object *devs = member(plan, "devices");

	for (size_t i = 0; i < json_object_array_length(devs); i++) {
		struct json_object *d = json_object_array_get_idx(devs, i);

		if (!strcmp(json_object_get_string(member(d, "id")), id))
			return d;
	}
	fail_msg("no device %s in the plan", id);
	return NULL;
}

/* load-six-dimms at "loaded": DIMMs 1-3 were onlined Movable, 4-6 Normal;
 * 5 and 6 were offlined; 2 GiB of files went to ZONE_MOVABLE first
 * (DIMM 1), 3 GiB of pipes to Normal (boot Normal holds under 2 GiB, so
 * the rest lands in DIMM 4, lowest address first: from block 144). DIMM 1
 * was ejected: its files migrated to the next Movable memory, DIMM 2. */
static void test_six_dimms_loaded(void **state)
{
	struct json_object *p = plan_at("load-six-dimms.scn", "loaded"), *u, *held;

	(void)state;
	assert_int_equal(json_object_array_length(member(p, "devices")), 5);
	/* DIMM 2 holds the 2 GiB of files: not now, but once they migrate
	 * (DIMM 3's 4 GiB alone is room for them). */
	u = member(device(p, "dimm2"), "unplug");
	assert_int_equal(u64(u, "now"), 0);
	assert_int_equal(u64(u, "migrate_bytes"), 2 * GiB);
	assert_int_equal(u64(u, "with_migration"), 4 * GiB);
	assert_true(u64(u, "room_bytes") >= 4 * GiB);
	/* DIMM 3: nothing in it. */
	u = member(device(p, "dimm3"), "unplug");
	assert_int_equal(u64(u, "now"), 4 * GiB);
	/* DIMM 4: the pipes (over 1 GiB of them) from its first block on:
	 * unmovable pages in a kernel zone never leave. */
	u = member(device(p, "dimm4"), "unplug");
	held = member(u, "held");
	assert_int_equal(u64(u, "now"), 0);
	assert_int_equal(u64(u, "with_migration"), 0);
	assert_int_equal(u64(json_object_array_get_idx(held, 0), "block"), 144);
	assert_string_equal(json_object_get_string(member(json_object_array_get_idx(held, 0), "by")),
			    "unmovable");
	assert_true(json_object_array_length(held) >= 8);
	/* DIMMs 5 and 6 are offline: they go now. */
	assert_int_equal(u64(member(device(p, "dimm5"), "unplug"), "now"), 4 * GiB);
	assert_int_equal(u64(member(device(p, "dimm6"), "unplug"), "now"), 4 * GiB);
	/* ZONE_MOVABLE: DIMMs 2 and 3 (8 GiB) less the 2 GiB of files. */
	assert_int_equal(
	    u64(member(json_object_array_get_idx(member(p, "nodes"), 0), "free"), "Movable"),
	    6 * GiB);
	json_object_put(p);
}

/* load-vmem-example-b at "shrunk": the 16 GiB device is at 15 GiB (eight
 * free Movable blocks went). Its 1 GiB of files sit in its first Movable
 * blocks (ZONE_MOVABLE first, lowest address first), the pipes beyond the
 * boot Normal zone (2.5 GiB - under 2 GiB) in its Normal blocks 144, 148,
 * ... lowest first. Everything plugged is either free, files, or held. */
static void test_vmem_example_b_shrunk(void **state)
{
	struct json_object *p = plan_at("load-vmem-example-b.scn", "shrunk"), *d, *u, *held;
	uint64_t held_bytes = 0;

	(void)state;
	d = device(p, "vm0");
	u = member(d, "unplug");
	held = member(u, "held");
	assert_int_equal(u64(d, "size"), 15 * GiB);
	assert_int_equal(u64(u, "granularity"), 2 * MiB);
	assert_int_equal(u64(u, "migrate_bytes"), 1 * GiB);
	for (size_t i = 0; i < json_object_array_length(held); i++) {
		struct json_object *h = json_object_array_get_idx(held, i);

		assert_string_equal(json_object_get_string(member(h, "by")), "unmovable");
		/* Only the Normal blocks: 144, 148, ..., 172. */
		assert_int_equal(u64(h, "block") % 4, 0);
		assert_true(u64(h, "block") >= 144 && u64(h, "block") <= 172);
		held_bytes += u64(h, "bytes");
	}
	assert_int_equal(u64(json_object_array_get_idx(held, 0), "block"), 144);
	assert_true(held_bytes >= 512 * MiB);
	/* Sub-blocks are free, files (whole 2 MiB sub-blocks: the 1 GiB
	 * starts block-aligned) or held: they add up to the size. */
	assert_int_equal(u64(u, "now") + 1 * GiB + held_bytes, 15 * GiB);
	assert_int_equal(u64(u, "with_migration"), u64(u, "now") + 1 * GiB);
	/* Plug: 1 GiB of the region is left. */
	assert_int_equal(u64(member(d, "plug"), "more"), 1 * GiB);
	json_object_put(p);
}

/* The auto-movable headroom of a node with no dynamic group in the way:
 * ratio% of its early kernel pages, less its Movable pages (zones §4). At
 * load-vmem-example-b's "kernel-left" the device kept only its Normal
 * blocks, so ZONE_MOVABLE is empty. */
static void test_headroom_formula(void **state)
{
	struct json_object *p = plan_at("load-vmem-example-b.scn", "kernel-left");
	struct json_object *n = json_object_array_get_idx(member(p, "nodes"), 0);
	uint64_t early = u64(n, "kernel_early") / PAGE_SIZE;

	(void)state;
	assert_int_equal(u64(n, "movable"), 0);
	assert_int_equal(u64(p, "auto_movable_ratio"), 301);
	/* No group: only the node's own numbers (the device's dynamic group
	 * is another group with no movable memory left: no shortfall). */
	assert_int_equal(u64(n, "movable_headroom"), 301 * early / 100 * PAGE_SIZE);
	json_object_put(p);
}

/* An unmovable demand larger than all kernel memory (4 GiB of RAM less
 * what boot keeps) fails whole: one out-of-memory event, kernel zones
 * only, with the 2 GiB Movable DIMM untouched beside the kernel zones:
 * zone imbalance, visible. */
static void test_oom_event(void **state)
{
	static const char scn[] = "qemu: -M q35 -m 4G,slots=2,maxmem=8G\n"
				  "kernel-cmdline: memhp_default_state=online_movable\n"
				  "qemu: -object memory-backend-ram,id=m1,size=2G\n"
				  "qemu: -device pc-dimm,id=d1,memdev=m1\n"
				  "guest: load unmovable u 4G\n";
	struct memhp_plan_options po = {.kernel = MEMHP_KERNEL_6_12};
	char path[] = "/tmp/memhp-plan-oom-XXXXXX", err[256] = "";
	struct json_object *p = NULL, *oom, *last, *n0;
	int fd = mkstemp(path);

	(void)state;
	assert_true(fd >= 0);
	assert_int_equal(write(fd, scn, sizeof(scn) - 1), (ssize_t)(sizeof(scn) - 1));
	close(fd);
	assert_int_equal(memhp_plan_file(path, &po, &p, err, sizeof(err)), 0);
	unlink(path);
	oom = member(p, "oom");
	last = member(oom, "last");
	assert_int_equal(u64(oom, "events"), 1);
	assert_int_equal(u64(last, "bytes"), 4 * GiB);
	assert_true(json_object_get_boolean(member(last, "kernel_only")));
	n0 = json_object_array_get_idx(member(last, "free"), 0);
	assert_int_equal(u64(n0, "Movable"), 2 * GiB);
	/* Nothing of it stayed allocated: the DIMM goes now. */
	assert_int_equal(u64(member(device(p, "d1"), "unplug"), "now"), 2 * GiB);
	json_object_put(p);
}

/* Room for movable pages that is short outside a virtio-mem device is
 * found in free sub-blocks the device keeps: the example's 1 GiB of files
 * sit in the device (ZONE_MOVABLE first), the pipes filled the kernel
 * zones, so what is free outside is less than 1 GiB; the device can give
 * back everything but the shortfall. */
static void test_vmem_room_short(void **state)
{
	struct memhp_plan_options po = {.kernel = MEMHP_KERNEL_6_12, .at_label = "loaded"};
	struct json_object *p = NULL, *u, *held;
	uint64_t need, room;
	char err[256] = "";

	(void)state;
	assert_int_equal(
	    memhp_plan_file(EXAMPLES_DIR "/q35-workload.scn", &po, &p, err, sizeof(err)), 0);
	u = member(device(p, "vm0"), "unplug");
	held = member(u, "held");
	need = u64(u, "migrate_bytes");
	room = u64(u, "room_bytes");
	assert_int_equal(need, 1 * GiB);
	assert_true(room < need);
	/* 4 GiB plugged: 3 GiB free now, 1 GiB of files. */
	assert_int_equal(u64(u, "now"), 3 * GiB);
	assert_int_equal(u64(u, "with_migration"), 4 * GiB - (need - room));
	assert_int_equal(json_object_array_length(held), 1);
	assert_string_equal(json_object_get_string(member(json_object_array_get_idx(held, 0), "by")),
			    "no-room");
	assert_int_equal(u64(json_object_array_get_idx(held, 0), "bytes"), need - room);
	json_object_put(p);
}

/* Text for a person: the numbers of the JSON, in words. */
static void test_text(void **state)
{
	struct json_object *p = plan_at("load-pin-vmem-kernel.scn", "pinned");
	char *text = memhp_plan_text(p);

	(void)state;
	assert_non_null(text);
	assert_non_null(strstr(text, "device vm0 (virtio-mem-pci, node 0, at 0x100000000): 1 GiB "
				     "plugged, requested 0\n"));
	assert_non_null(strstr(text, "  unplug now: 0; once movable pages migrate: 0"));
	assert_non_null(strstr(text, "memory33 128 MiB (pinned)"));
	free(text);
	json_object_put(p);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_six_dimms_loaded),
	    cmocka_unit_test(test_vmem_example_b_shrunk),
	    cmocka_unit_test(test_headroom_formula),
	    cmocka_unit_test(test_oom_event),
	    cmocka_unit_test(test_vmem_room_short),
	    cmocka_unit_test(test_text),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
