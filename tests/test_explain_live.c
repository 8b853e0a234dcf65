/* memhp explain --live (issue 13 item 1): the explanation of explain.c
 * from a live machine's /sys and /proc, on the model's tree, on a sysroot
 * written by `memhp run --sysroot-out` and on this machine.
 *
 * The seeds' target usage (zones-and-policies.md §6.5): a 4 GiB q35 VM
 * with six 4 GiB DIMMs at blocks 48 + 32(d-1), each a static group of
 * max_pages 1 048 576, early kernel memory K = 1 048 446 pages, limit =
 * 301 * K / 100 = 3 155 822. With ratio 301 the real 6.1 and 6.12 kernels
 * put DIMMs 1-3 (blocks 48-143) in Movable: 3 * 1 048 576 = 3 145 728 <=
 * 3 155 822, and DIMM 4 onwards in Normal: 3 145 728 + 1 048 576 =
 * 4 194 304 > 3 155 822. */
#include <dirent.h>
#include <unistd.h>

#include "explain.h"
#include "memhp/memhp.h"
#include "scenario.h"
#include "strbuf.h"
#include "test_util.h"

#define K_EARLY	  1048446ULL
#define LIMIT_301 3155822ULL
#define DIMM	  1048576ULL /* pages of a 4 GiB DIMM */
#define BLOCK	  32768ULL   /* pages of a 128 MiB block */

/* The target usage before onlining: six offline DIMMs, auto-movable. */
static struct machine *six_offline_dimms(void)
{
	struct machine *m = tu_boot_seeds_offline(MEMHP_KERNEL_6_12);

	assert_int_equal(vfs_write(TU_VFS(m), PARAMS_DIR "/online_policy", "auto-movable\n"), 0);
	return m;
}

/* A JSON path like "would_choose.auto_movable.checks.0.limit". */
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

#define assert_path_u64(e, path, v)  assert_int_equal(json_object_get_uint64(jpath(e, path)), v)
#define assert_path_str(e, path, v)  assert_string_equal(json_object_get_string(jpath(e, path)), v)
#define assert_path_bool(e, path, v) assert_int_equal(json_object_get_boolean(jpath(e, path)), v)

static struct json_object *live(struct machine *m, uint64_t block)
{
	char err[512] = "";
	int ret;
	struct json_object *e =
	    explain_live_block(TU_VFS(m), "live", block, &ret, err, sizeof(err));

	if (!e)
		fail_msg("explain_live_block(%llu) = %d: %s", (unsigned long long)block, ret, err);
	return e;
}

static char *text_of(struct json_object *e)
{
	struct strbuf sb = {0};
	char *s = NULL;

	explain_format_text(e, &sb);
	assert_false(sb.oom);
	assert_int_equal(strbuf_detach(&sb, &s), 0);
	return s;
}

/* The lines from "  auto-movable:" to the "  =>" line, inclusive. */
static char *arithmetic(const char *text)
{
	const char *from = strstr(text, "  auto-movable:"), *to;
	char *s;

	assert_non_null(from);
	to = strstr(from, "  =>");
	assert_non_null(to);
	to += strcspn(to, "\n");
	s = strndup(from, (size_t)(to - from));
	assert_non_null(s);
	return s;
}

/* One ratio check with the spec's operands. */
static void assert_check(struct json_object *e, int i, uint64_t movable, uint64_t need, bool fits)
{
	char p[96];

	snprintf(p, sizeof(p), "would_choose.auto_movable.checks.%d", i);
	assert_int_equal(json_object_get_uint64(jpath(jpath(e, p), "kernel_early_pages")), K_EARLY);
	assert_int_equal(json_object_get_uint64(jpath(jpath(e, p), "movable_pages")), movable);
	assert_int_equal(json_object_get_uint64(jpath(jpath(e, p), "kernel_pages")), K_EARLY);
	assert_int_equal(json_object_get_uint64(jpath(jpath(e, p), "need")), need);
	assert_int_equal(json_object_get_uint64(jpath(jpath(e, p), "movable_after")),
			 movable + need);
	assert_int_equal(json_object_get_uint64(jpath(jpath(e, p), "limit")), LIMIT_301);
	assert_int_equal(json_object_get_boolean(jpath(jpath(e, p), "fits")), fits);
}

/* Before onlining: DIMM 1 fits as a whole, so block 48 would go Movable. */
static void test_before_onlining(void **state)
{
	struct machine *m = six_offline_dimms();
	struct json_object *e = live(m, 48);
	char *text = text_of(e);

	(void)state;
	assert_path_bool(e, "live", true);
	assert_path_str(e, "state", "offline");
	assert_null(json_object_object_get(e, "onlined_by"));
	assert_null(json_object_object_get(e, "matches_zone_now"));
	assert_path_str(e, "params.online_policy", "auto-movable");
	assert_path_u64(e, "params.auto_movable_ratio", 301);
	/* The first DIMM: PNP0C80:00, a static group of its 32 blocks. */
	assert_path_str(e, "device", "PNP0C80:00");
	assert_path_str(e, "group.kind", "static");
	assert_path_u64(e, "group.max_pages", DIMM);
	assert_path_u64(e, "group.nr_blocks", 32);
	assert_path_str(e, "would_choose.zone", "Movable");
	assert_path_str(e, "would_choose.auto_movable.reason", "fits");
	assert_path_str(e, "would_choose.auto_movable.scope", "static-group");
	assert_path_u64(e, "would_choose.auto_movable.max_pages", DIMM);
	assert_path_u64(e, "would_choose.auto_movable.need", DIMM);
	/* NUMA-aware with one node: all nodes, then node 0, the same sums. */
	assert_int_equal(json_object_array_length(jpath(e, "would_choose.auto_movable.checks")), 2);
	assert_check(e, 0, 0, DIMM, true);
	assert_check(e, 1, 0, DIMM, true);
	assert_non_null(strstr(text, "`online` would choose Movable now:"));
	assert_non_null(strstr(text, "need = max_pages 1048576 - already Movable 0 = 1048576"));
	assert_non_null(strstr(text, "limit = 301 * 1048446 / 100 = 3155822"));
	assert_non_null(strstr(text, "movable + need = 0 + 1048576 = 1048576 <= 3155822: fits"));
	assert_non_null(strstr(text, "static (ACPI memory device PNP0C80:00)"));
	assert_non_null(strstr(text, "present_early is estimated"));
	free(text);
	json_object_put(e);
	machine_free(m);
}

/* After DIMMs 1-3 went Movable, block 144 (DIMM 4) exceeds the ratio: the
 * live explanation's arithmetic is the model's own, line for line. */
static void test_after_three_dimms_matches_model(void **state)
{
	struct machine *m = six_offline_dimms();
	struct scenario *sc = NULL;
	struct json_object *e, *model;
	char err[256], *text, *model_text, *a, *b;
	int ret;

	(void)state;
	tu_blk_write_range(m, 48, 143, "state", "online");
	for (uint64_t id = 48; id <= 143; id++)
		assert_string_equal(tu_blk(m, id, "valid_zones"), "Movable\n");
	e = live(m, 144);
	assert_path_str(e, "would_choose.zone", "Normal");
	assert_path_str(e, "would_choose.auto_movable.reason", "exceeds-global-ratio");
	assert_path_str(e, "device", "PNP0C80:03");
	assert_check(e, 0, 3 * DIMM, DIMM, false);

	assert_int_equal(scenario_parse_string("six.scn", "", &sc, err, sizeof(err)), 0);
	model = explain_block(
	    &(struct explain_input){
		.sc = sc, .m = m, .block = 144, .onlined_step = SCENARIO_STEP_NONE},
	    &ret);
	assert_int_equal(ret, 0);
	assert_true(json_object_equal(jpath(e, "would_choose"), jpath(model, "would_choose")));
	text = text_of(e);
	model_text = text_of(model);
	a = arithmetic(text);
	b = arithmetic(model_text);
	assert_string_equal(a, b);
	assert_non_null(strstr(a, "movable + need = 3145728 + 1048576 = 4194304 > 3155822: does "
				  "not fit"));
	assert_non_null(strstr(a, "  => Normal: the kernel zone for pfn 4718592 + 1048576 pages"));
	free(a);
	free(b);
	free(text);
	free(model_text);
	json_object_put(model);
	json_object_put(e);
	scenario_free(sc);
	machine_free(m);
}

/* An online block is judged as if it were offline: block 48 of the Movable
 * DIMM 1 needs only itself (the other 31 blocks are Movable already), and
 * the answer is its zone. */
static void test_online_block_matches(void **state)
{
	struct machine *m = six_offline_dimms();
	struct json_object *e;
	char *text;

	(void)state;
	tu_blk_write_range(m, 48, 143, "state", "online");
	e = live(m, 48);
	assert_path_str(e, "state", "online");
	assert_path_str(e, "zone", "Movable");
	assert_path_str(e, "would_choose.zone", "Movable");
	assert_path_bool(e, "matches_zone_now", true);
	assert_path_u64(e, "would_choose.auto_movable.online_pages", DIMM - BLOCK);
	assert_path_u64(e, "would_choose.auto_movable.need", BLOCK);
	assert_check(e, 0, 3 * DIMM - BLOCK, BLOCK, true);
	text = text_of(e);
	assert_non_null(strstr(text, "Online in Movable; how it was onlined is not recorded"));
	assert_non_null(strstr(text, "That matches its zone now (Movable)."));
	free(text);
	json_object_put(e);
	machine_free(m);
}

/* Block 144 onlined with online_movable past the ratio: `online` would
 * have chosen Normal, and the explanation says why they may differ. */
static void test_online_block_differs(void **state)
{
	struct machine *m = six_offline_dimms();
	struct json_object *e;
	char *text;

	(void)state;
	tu_blk_write_range(m, 48, 143, "state", "online");
	tu_blk_write_range(m, 144, 144, "state", "online_movable");
	e = live(m, 144);
	assert_path_str(e, "zone", "Movable");
	assert_path_str(e, "would_choose.zone", "Normal");
	assert_path_bool(e, "matches_zone_now", false);
	/* Without block 144 the DIMM has nothing online: all of it is needed
	 * on top of DIMMs 1-3. */
	assert_check(e, 0, 3 * DIMM, DIMM, false);
	text = text_of(e);
	assert_non_null(strstr(text, "That differs from its zone now (Movable)"));
	assert_non_null(strstr(text, "online_kernel or online_movable"));
	free(text);
	json_object_put(e);
	machine_free(m);
}

/* The recorded corpus scenario written out by memhp run --sysroot-out: at
 * all-six, DIMMs 1-3 are Movable and 4-6 Normal, each as `online` would
 * put it again (DIMM 4 onwards: once kernel, all kernel). */
static void test_sysroot_out(void **state)
{
	char dir[] = "/tmp/memhp-test-explain-live-XXXXXX", root[128], err[512] = "";
	struct memhp_run_options ro = {.kernel = MEMHP_KERNEL_6_12};
	struct memhp_run *run = NULL;
	struct json_object *e = NULL;

	(void)state;
	assert_non_null(mkdtemp(dir));
	ro.sysroot_out = dir;
	assert_int_equal(
	    memhp_run_file(CORPUS_DIR "/am-q35-six-dimms.scn", &ro, &run, err, sizeof(err)), 0);
	memhp_run_free(run);
	snprintf(root, sizeof(root), "%s/all-six", dir);
	assert_int_equal(memhp_explain_live(root, 48, &e, err, sizeof(err)), 0);
	assert_path_str(e, "scenario", root);
	assert_path_str(e, "zone", "Movable");
	assert_path_str(e, "would_choose.zone", "Movable");
	assert_path_bool(e, "matches_zone_now", true);
	json_object_put(e);
	assert_int_equal(memhp_explain_live(root, 150, &e, err, sizeof(err)), 0);
	assert_path_str(e, "zone", "Normal");
	assert_path_str(e, "would_choose.zone", "Normal");
	assert_path_str(e, "would_choose.auto_movable.reason", "group-has-kernel");
	assert_path_bool(e, "matches_zone_now", true);
	json_object_put(e);
	tu_rm_rf(dir);
}

/* This machine's /sys, read only: an explanation, or a clear reason. */
static void test_this_machine(void **state)
{
	struct json_object *e = NULL;
	char err[512] = "";
	uint64_t first = UINT64_MAX;
	struct dirent *d;
	DIR *dir = opendir(MEM);
	int ret;

	(void)state;
	if (!dir) {
		assert_int_equal(memhp_explain_live(NULL, 0, &e, err, sizeof(err)), -ENOENT);
		assert_non_null(strstr(err, MEM));
		return;
	}
	while ((d = readdir(dir)))
		if (!strncmp(d->d_name, "memory", 6) && d->d_name[6] >= '0' &&
		    d->d_name[6] <= '9' && strtoull(d->d_name + 6, NULL, 10) < first)
			first = strtoull(d->d_name + 6, NULL, 10);
	closedir(dir);
	if (first == UINT64_MAX)
		skip();
	ret = memhp_explain_live(NULL, first, &e, err, sizeof(err));
	if (ret) {
		assert_int_equal(ret, -ENODATA);
		assert_non_null(strstr(err, "this machine: "));
		return;
	}
	assert_path_str(e, "scenario", "live");
	assert_path_u64(e, "block", first);
	json_object_put(e);
}

static void test_errors(void **state)
{
	struct machine *m = six_offline_dimms();
	char dir[] = "/tmp/memhp-test-explain-live-XXXXXX", err[512] = "";
	struct json_object *e = NULL;
	int ret;

	(void)state;
	e = explain_live_block(TU_VFS(m), "live", 240, &ret, err, sizeof(err));
	assert_null(e);
	assert_int_equal(ret, -ENOENT);
	assert_string_equal(err, "there is no memory240");
	/* A directory that is no sysroot. */
	assert_non_null(mkdtemp(dir));
	assert_int_equal(memhp_explain_live(dir, 48, &e, err, sizeof(err)), -ENOENT);
	assert_null(e);
	assert_non_null(strstr(err, dir));
	assert_non_null(strstr(err, MEM ": no such directory"));
	rmdir(dir);
	machine_free(m);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_before_onlining),
	    cmocka_unit_test(test_after_three_dimms_matches_model),
	    cmocka_unit_test(test_online_block_matches),
	    cmocka_unit_test(test_online_block_differs),
	    cmocka_unit_test(test_sysroot_out),
	    cmocka_unit_test(test_this_machine),
	    cmocka_unit_test(test_errors),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
