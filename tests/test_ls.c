/* memhp ls beyond lsmem (issue 13 item 5): the ZONE and DEVICE columns and
 * --ratio. lsmem's own output is checked against lsmem itself by
 * tests/lsmem/ls.sh.
 *
 * The seeds' target usage (zones-and-policies.md §6.5): a 4 GiB q35 VM
 * with six 4 GiB DIMMs, DIMM d at blocks 48 + 32(d-1) .. 48 + 32d - 1, the
 * ACPI memory devices PNP0C80:00-05 in plug order (dimm-acpi.md); with
 * auto-movable and ratio 301, DIMMs 1-3 go Movable and 4-6 Normal. Early
 * kernel memory K = 1 048 446 pages, limit = 301 * K / 100 = 3 155 822;
 * three Movable DIMMs are 3 145 728 pages, 10 094 below it. */
#include <sys/stat.h>
#include <unistd.h>

#include "lsmem.h"
#include "test_util.h"

static struct machine *six_dimms(void)
{
	struct machine *m = tu_boot_seeds_offline(MEMHP_KERNEL_6_12);

	assert_int_equal(vfs_write(TU_VFS(m), PARAMS_DIR "/online_policy", "auto-movable\n"), 0);
	return m;
}

/* lsmem_print's output for o on fs (malloc'd); fails the test on error. */
static char *ls(const struct vfs *fs, const struct memhp_ls_options *o)
{
	char *buf = NULL, err[256] = "";
	size_t len = 0;
	FILE *f = open_memstream(&buf, &len);
	int ret;

	assert_non_null(f);
	ret = lsmem_print(fs, o, f, err, sizeof(err));
	fclose(f);
	if (ret)
		fail_msg("lsmem_print: %d %s", ret, err);
	return buf;
}

static void set_columns(struct memhp_ls_options *o, const char *list)
{
	char bad[32];

	assert_int_equal(memhp_ls_columns(list, o->columns, 2 * MEMHP_LS_NR_LSMEM_COLUMNS,
					  &o->nr_columns, bad, sizeof(bad)),
			 0);
}

#define assert_has(s, want)                                                                        \
	do {                                                                                       \
		if (!strstr(s, want))                                                              \
			fail_msg("no \"%s\" in:\n%s", want, s);                                    \
	} while (0)

/* DIMMs 1-5 onlined, 6 left offline: ranges split by zone and device. */
static void test_zone_device_columns(void **state)
{
	struct machine *m = six_dimms();
	struct memhp_ls_options o = {.format = MEMHP_LS_RAW, .want_table = true};
	char *out;

	(void)state;
	tu_blk_write_range(m, 48, 207, "state", "online");
	set_columns(&o, "BLOCK,ZONE,DEVICE");
	out = ls(TU_VFS(m), &o);
	assert_has(out, "BLOCK ZONE DEVICE\n");
	assert_has(out, "\n32-47 Normal \n");
	assert_has(out, "\n48-79 Movable PNP0C80:00\n");
	assert_has(out, "\n80-111 Movable PNP0C80:01\n");
	assert_has(out, "\n112-143 Movable PNP0C80:02\n");
	assert_has(out, "\n144-175 Normal PNP0C80:03\n");
	assert_has(out, "\n176-207 Normal PNP0C80:04\n");
	/* Offline: no zone, as lsmem leaves a missing value empty. */
	assert_has(out, "\n208-239  PNP0C80:05\n");
	free(out);

	/* -S ZONE alone: the Movable DIMMs make one range, the Normal ones
	 * another, the offline one a third. */
	o.nr_columns = 0;
	set_columns(&o, "BLOCK,ZONE");
	o.split_set = true;
	o.nr_split = 0;
	assert_int_equal(memhp_ls_columns("ZONE", o.split, MEMHP_LS_NR_LSMEM_COLUMNS, &o.nr_split,
					  (char[32]){0}, 32),
			 0);
	out = ls(TU_VFS(m), &o);
	assert_has(out, "\n48-143 Movable\n");
	assert_has(out, "\n144-207 Normal\n");
	assert_has(out, "\n208-239 \n");
	free(out);

	/* -S DEVICE: one range per DIMM whatever the zone. */
	o.nr_split = 0;
	assert_int_equal(memhp_ls_columns("DEVICE", o.split, MEMHP_LS_NR_LSMEM_COLUMNS, &o.nr_split,
					  (char[32]){0}, 32),
			 0);
	out = ls(TU_VFS(m), &o);
	assert_has(out, "\n48-79 Movable\n");
	assert_has(out, "\n80-111 Movable\n");
	assert_has(out, "\n208-239 \n");
	free(out);
	machine_free(m);
}

/* JSON: missing values are null, as lsmem prints them. */
static void test_json(void **state)
{
	struct machine *m = six_dimms();
	struct memhp_ls_options o = {.format = MEMHP_LS_JSON, .want_table = true};
	char *out;

	(void)state;
	tu_blk_write_range(m, 48, 79, "state", "online");
	set_columns(&o, "BLOCK,ZONE,DEVICE");
	out = ls(TU_VFS(m), &o);
	assert_has(out, "\"block\": \"48-79\",\n         \"zone\": \"Movable\",\n"
			"         \"device\": \"PNP0C80:00\"");
	assert_has(out, "\"block\": \"80-111\",\n         \"zone\": null,\n"
			"         \"device\": \"PNP0C80:01\"");
	assert_has(out, "\"block\": \"32-47\",\n         \"zone\": \"Normal\",\n"
			"         \"device\": null");
	free(out);
	machine_free(m);
}

/* --output-all stays lsmem's seven columns. */
static void test_output_all_unchanged(void **state)
{
	(void)state;
	assert_int_equal(MEMHP_LS_NR_LSMEM_COLUMNS, 7);
	assert_int_equal(lsmem_column_id("ZONE", 4), MEMHP_LS_ZONE);
	assert_int_equal(lsmem_column_id("device", 6), MEMHP_LS_DEVICE);
	assert_true(MEMHP_LS_ZONE >= MEMHP_LS_NR_LSMEM_COLUMNS);
}

/* --ratio before and after DIMMs 1-3 went Movable. */
static void test_ratio(void **state)
{
	struct machine *m = six_dimms();
	struct memhp_ls_options o = {.format = MEMHP_LS_RAW, .want_table = true, .ratio = true};
	char *out;

	(void)state;
	out = ls(TU_VFS(m), &o);
	assert_string_equal(out, "NODE KERNEL_EARLY MOVABLE RATIO LIMIT ROOM\n"
				 "0 1048446 0 301 3155822 3155822\n"
				 "all 1048446 0 301 3155822 3155822\n");
	free(out);
	tu_blk_write_range(m, 48, 143, "state", "online");
	out = ls(TU_VFS(m), &o);
	assert_string_equal(out, "NODE KERNEL_EARLY MOVABLE RATIO LIMIT ROOM\n"
				 "0 1048446 3145728 301 3155822 10094\n"
				 "all 1048446 3145728 301 3155822 10094\n");
	free(out);
	/* DIMM 4 in Normal is hot-added kernel memory: on neither side. */
	tu_blk_write_range(m, 144, 175, "state", "online");
	out = ls(TU_VFS(m), &o);
	assert_has(out, "\nall 1048446 3145728 301 3155822 10094\n");
	free(out);
	machine_free(m);
}

/* Two nodes (pc, 2 GiB each, as am-numa-aware.scn): each node's own early memory and limit. */
static void test_ratio_numa(void **state)
{
	struct machine *m = tu_boot("-M pc -m 4G,slots=4,maxmem=20G -smp 2 "
				    "-object memory-backend-ram,id=m0,size=2G "
				    "-numa node,nodeid=0,memdev=m0 "
				    "-object memory-backend-ram,id=m1,size=2G "
				    "-numa node,nodeid=1,memdev=m1",
				    "memhp_default_state=offline", MEMHP_KERNEL_6_12);
	struct memhp_ls_options o = {.format = MEMHP_LS_RAW, .want_table = true, .ratio = true};
	struct zone *z;
	uint64_t early[2] = {0};
	char *out, want[256];

	(void)state;
	for (int n = 0; n < 2; n++)
		for (int t = 0; t < MAX_NR_ZONES; t++)
			if (t != ZONE_MOVABLE && (z = tu_zone(m, n, t)))
				early[n] += z->present_early_pages;
	out = ls(TU_VFS(m), &o);
	snprintf(want, sizeof(want),
		 "0 %llu 0 301 %llu %llu\n1 %llu 0 301 %llu %llu\nall %llu 0 301 %llu %llu\n",
		 (unsigned long long)early[0], (unsigned long long)(301 * early[0] / 100),
		 (unsigned long long)(301 * early[0] / 100), (unsigned long long)early[1],
		 (unsigned long long)(301 * early[1] / 100),
		 (unsigned long long)(301 * early[1] / 100),
		 (unsigned long long)(early[0] + early[1]),
		 (unsigned long long)(301 * (early[0] + early[1]) / 100),
		 (unsigned long long)(301 * (early[0] + early[1]) / 100));
	assert_has(out, want);
	free(out);
	machine_free(m);
}

static void put(const char *root, const char *path, const char *text)
{
	char full[512], dir[512], *slash;
	FILE *f;

	snprintf(full, sizeof(full), "%s%s", root, path);
	snprintf(dir, sizeof(dir), "%s", full);
	for (slash = dir + strlen(root) + 1; (slash = strchr(slash, '/')); slash++) {
		*slash = '\0';
		mkdir(dir, 0755);
		*slash = '/';
	}
	f = fopen(full, "w");
	assert_non_null(f);
	fputs(text, f);
	fclose(f);
}

/* A virtio-mem device is named by /proc/iomem (virtio_mem_probe()'s
 * "virtioN" resource around its "System RAM (virtio_mem)"): a hand-made
 * tree of a 4 GiB q35 VM whose device region starts at 6 GiB (block 48),
 * 256 MiB of it added. */
static void test_virtio_mem_device(void **state)
{
	char dir[] = "/tmp/memhp-test-ls-XXXXXX", path[128];
	struct memhp_ls_options o = {.format = MEMHP_LS_RAW, .want_table = true};
	struct sysroot sr = {.prefix = dir};
	struct vfs fs;
	char *out;

	(void)state;
	assert_non_null(mkdtemp(dir));
	put(dir, MEM "/block_size_bytes", "8000000\n");
	/* lsmem looks for valid_zones in memory0 only. */
	put(dir, MEM "/memory0/valid_zones", "none\n");
	put(dir, MEM "/memory0/state", "online\n");
	for (int id = 46; id <= 49; id++) {
		snprintf(path, sizeof(path), MEM "/memory%d/state", id);
		put(dir, path, id < 49 ? "online\n" : "offline\n");
		snprintf(path, sizeof(path), MEM "/memory%d/valid_zones", id);
		put(dir, path, id < 48 ? "Normal\n" : id == 48 ? "Movable\n" : "Normal Movable\n");
		snprintf(path, sizeof(path), MEM "/memory%d/removable", id);
		put(dir, path, "1\n");
	}
	put(dir, "/proc/iomem",
	    "00000000-00000fff : Reserved\n"
	    "100000000-17fffffff : System RAM\n"
	    "180000000-57fffffff : virtio0\n"
	    "  180000000-18fffffff : System RAM (virtio_mem)\n");
	sysroot_vfs(&sr, &fs);
	set_columns(&o, "BLOCK,STATE,ZONE,DEVICE");
	out = ls(&fs, &o);
	assert_string_equal(out, "BLOCK STATE ZONE DEVICE\n"
				 "0 online None \n"
				 "46-47 online Normal \n"
				 "48 online Movable virtio0\n"
				 "49 offline  virtio0\n");
	free(out);
	tu_rm_rf(dir);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_zone_device_columns),	 cmocka_unit_test(test_json),
	    cmocka_unit_test(test_output_all_unchanged), cmocka_unit_test(test_ratio),
	    cmocka_unit_test(test_ratio_numa),		 cmocka_unit_test(test_virtio_mem_device),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
