/* memhp explain (issue 4): the zone decision of a block, as JSON and as
 * text. The numbers are the spec's (zones-and-policies.md §6.5): K =
 * 1 048 446 early kernel pages on a q35 4 GiB VM, limit = 301 * K / 100 =
 * 3 155 822, 4 GiB DIMMs of 1 048 576 pages at blocks 48 + 32(d-1). */
#include <unistd.h>

#include "memhp/memhp.h"
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

static char scn_path[64];

static int write_scenario(void **state)
{
	int fd;

	(void)state;
	snprintf(scn_path, sizeof(scn_path), "/tmp/memhp-explain-XXXXXX");
	fd = mkstemp(scn_path);
	assert_true(fd >= 0);
	assert_int_equal(write(fd, six_dimms, sizeof(six_dimms) - 1),
			 (ssize_t)sizeof(six_dimms) - 1);
	close(fd);
	return 0;
}

static int remove_scenario(void **state)
{
	(void)state;
	unlink(scn_path);
	return 0;
}

static struct json_object *explain(uint64_t block, const char *at)
{
	struct memhp_explain_options o = {
	    .kernel = MEMHP_KERNEL_6_12, .block = block, .at_label = at};
	struct json_object *e = NULL;
	char err[512] = "";
	int ret = memhp_explain_file(scn_path, &o, &e, err, sizeof(err));

	if (ret)
		fail_msg("explain %llu: %d %s", (unsigned long long)block, ret, err);
	return e;
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

static void assert_text_has(struct json_object *e, const char *needle)
{
	char *text = memhp_explain_text(e);

	assert_non_null(text);
	if (!strstr(text, needle))
		fail_msg("missing \"%s\" in:\n%s", needle, text);
	free(text);
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

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_online_block_decision),
	    cmocka_unit_test(test_offline_block_would_choose),
	    cmocka_unit_test(test_once_kernel_explained),
	    cmocka_unit_test(test_boot_block),
	    cmocka_unit_test(test_errors),
	};

	return cmocka_run_group_tests(tests, write_scenario, remove_scenario);
}
