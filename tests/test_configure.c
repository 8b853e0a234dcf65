/* memhp configure (lib/userspace/configure.c) and its config parser
 * (memhp_conf.c): on sysroot trees made here, and on the model's /sys for
 * the seeds' target usage. Expected values come from the kernel's parsers
 * (kstrtobool, kstrtouint, sysfs_streq), from what the fixtures hold, and
 * for the model from the real kernels' zones (issue 13's recorded fact:
 * blocks 48-143 Movable, 144 and up Normal). */
#include "test_util.h"
#include "test_tool_util.h"

#include "configure.h"
#include "memhp_conf.h"
#include "readfile.h"

/* ---- the parser alone ---- */

static int parse(struct memhp_conf *c, const char *text, struct strbuf *err)
{
	memset(c, 0, sizeof(*c));
	return conf_parse(c, "f.conf", text, strlen(text), err);
}

static void test_conf_values(void **state)
{
	struct memhp_conf c;
	struct strbuf err = {0};

	(void)state;
	assert_int_equal(parse(&c,
			       "# seeds\n\n  online_policy\t=  auto-movable  \n"
			       "auto_movable_ratio=0x12d # 301, kstrtouint base 0\n"
			       "auto_movable_numa_aware = on\r\n"
			       "auto_online_blocks = online_movable\n"
			       "memmap_on_memory = force",
			       &err),
			 0);
	assert_string_equal(c.v[CONF_ONLINE_POLICY].value, "auto-movable");
	assert_string_equal(c.v[CONF_ONLINE_POLICY].origin, "f.conf:3");
	assert_string_equal(c.v[CONF_AUTO_MOVABLE_RATIO].value, "301");
	assert_string_equal(c.v[CONF_AUTO_MOVABLE_NUMA_AWARE].value, "Y");
	assert_string_equal(c.v[CONF_AUTO_ONLINE_BLOCKS].value, "online_movable");
	assert_string_equal(c.v[CONF_MEMMAP_ON_MEMORY].value, "force");
	/* kstrtobool: decided by the first characters: "0ff" is 0, "true" t. */
	assert_int_equal(parse(&c, "auto_movable_numa_aware=true\nmemmap_on_memory=0ff\n", &err),
			 0);
	assert_string_equal(c.v[CONF_AUTO_MOVABLE_NUMA_AWARE].value, "Y");
	assert_string_equal(c.v[CONF_MEMMAP_ON_MEMORY].value, "N");
	assert_null(err.buf);
	/* --set overrides the file, once. */
	assert_int_equal(conf_set_arg(&c, "auto_movable_numa_aware=n", &err), 0);
	assert_string_equal(c.v[CONF_AUTO_MOVABLE_NUMA_AWARE].value, "N");
	assert_string_equal(c.v[CONF_AUTO_MOVABLE_NUMA_AWARE].origin,
			    "--set auto_movable_numa_aware=n");
	assert_int_equal(conf_set_arg(&c, "auto_movable_numa_aware=y", &err), -EINVAL);
	tt_has(err.buf, "--set auto_movable_numa_aware=y: duplicate key auto_movable_numa_aware "
			"(first set at --set auto_movable_numa_aware=n)");
	strbuf_release(&err);
}

struct bad {
	const char *text, *msg;
};

static void test_conf_errors(void **state)
{
	static const struct bad bad[] = {
	    {"\nfoo = 1\n", "f.conf:2: unknown key 'foo'; expected one of online_policy, "
			    "auto_movable_ratio, auto_movable_numa_aware, auto_online_blocks, "
			    "memmap_on_memory\n"},
	    {"online_policy = movable\n",
	     "f.conf:1: expected contig-zones or auto-movable for online_policy, not 'movable'\n"},
	    {"auto_movable_ratio = -1\n", "f.conf:1: expected an unsigned integer"},
	    /* kstrtouint: more than UINT_MAX is -ERANGE */
	    {"auto_movable_ratio = 4294967296\n", "f.conf:1: expected an unsigned integer"},
	    {"auto_movable_ratio = 301%\n", "f.conf:1: expected an unsigned integer"},
	    {"auto_movable_numa_aware = maybe\n", "f.conf:1: expected a boolean"},
	    {"auto_movable_numa_aware =\n", "f.conf:1: expected a boolean"},
	    {"auto_online_blocks = online-movable\n",
	     "f.conf:1: expected offline, online, online_kernel or online_movable for "
	     "auto_online_blocks, not 'online-movable'\n"},
	    {"memmap_on_memory = sometimes\n", "f.conf:1: expected a boolean (y, n, 1, 0, on, off, "
					       "true, false) or force (6.12) for memmap_on_memory"},
	    {"online_policy = auto-movable\n# again\nonline_policy = contig-zones\n",
	     "f.conf:3: duplicate key online_policy (first set at f.conf:1)\n"},
	    {"online_policy auto-movable\n", "f.conf:1: expected KEY = VALUE (no '=')\n"},
	    {"= 1\n", "f.conf:1: unknown key ''"},
	};
	struct memhp_conf c;

	(void)state;
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		struct strbuf err = {0};

		assert_int_equal(parse(&c, bad[i].text, &err), -EINVAL);
		tt_has(err.buf, bad[i].msg);
		strbuf_release(&err);
	}
	{
		struct strbuf err = {0};

		memset(&c, 0, sizeof(c));
		assert_int_equal(conf_parse(&c, "f.conf", "a\0b", 3, &err), -EINVAL);
		tt_has(err.buf, "f.conf: contains a NUL byte");
		assert_int_equal(conf_set_arg(&c, "online_policy", &err), -EINVAL);
		tt_has(err.buf, "--set online_policy: expected KEY = VALUE (no '=')");
		strbuf_release(&err);
	}
}

/* ---- on a sysroot tree ---- */

#define MEMD  "sys/devices/system/memory"
#define PARAM "sys/module/memory_hotplug/parameters"

/* A 6.12-like tree: blocks 0 (online), 9, 10, 100 (offline), 11
 * (online_movable earlier: online), contig-zones, ratio 301. */
static char *tree(void)
{
	char *root = tt_mkdtemp();

	tt_put(root, MEMD "/block_size_bytes", "8000000\n", 0444);
	tt_put(root, MEMD "/auto_online_blocks", "offline\n", 0644);
	tt_put(root, MEMD "/memory0/state", "online\n", 0644);
	tt_put(root, MEMD "/memory0/valid_zones", "DMA32\n", 0444);
	tt_put(root, MEMD "/memory11/state", "online\n", 0644);
	tt_put(root, MEMD "/memory11/valid_zones", "Movable\n", 0444);
	tt_put(root, MEMD "/memory9/state", "offline\n", 0644);
	tt_put(root, MEMD "/memory9/valid_zones", "Movable\n", 0444);
	tt_put(root, MEMD "/memory10/state", "offline\n", 0644);
	tt_put(root, MEMD "/memory10/valid_zones", "Movable\n", 0444);
	tt_put(root, MEMD "/memory100/state", "offline\n", 0644);
	tt_put(root, MEMD "/memory100/valid_zones", "Normal\n", 0444);
	tt_put(root, PARAM "/online_policy", "contig-zones\n", 0644);
	tt_put(root, PARAM "/auto_movable_ratio", "301\n", 0644);
	tt_put(root, PARAM "/auto_movable_numa_aware", "Y\n", 0644);
	tt_put(root, PARAM "/memmap_on_memory", "N\n", 0444);
	tt_put(root, "proc/cmdline", "BOOT_IMAGE=/vmlinuz memhp_default_state=offline\n", 0444);
	return root;
}

static const char seeds_conf[] = "# the seeds\n"
				 "online_policy = auto-movable\n"
				 "auto_movable_ratio = 301\n"
				 "auto_movable_numa_aware = y\n"
				 "auto_online_blocks = online\n";

/* Everything configure could write still reads as tree() made it. */
static void assert_untouched(const char *root)
{
	const char *policy = tt_get(root, PARAM "/online_policy");

	/* (one test removes it: a kernel without online_policy) */
	if (strcmp(policy, "<missing>"))
		assert_string_equal(policy, "contig-zones\n");
	assert_string_equal(tt_get(root, MEMD "/auto_online_blocks"), "offline\n");
	assert_string_equal(tt_get(root, MEMD "/memory9/state"), "offline\n");
	assert_string_equal(tt_get(root, MEMD "/memory10/state"), "offline\n");
	assert_string_equal(tt_get(root, MEMD "/memory100/state"), "offline\n");
}

static void run_on(struct tt_run *r, const char *root, const char *const *args)
{
	const char *argv[24] = {"configure", "--sysroot", root};
	size_t n = 3;

	for (; *args && n < 23; args++)
		argv[n++] = *args;
	argv[n] = NULL;
	tt_run(r, tool_configure_main, NULL, false, argv);
}

static void test_configure_sysroot(void **state)
{
	char *root = tree(), conf[PATH_MAX];
	struct tt_run r;

	(void)state;
	snprintf(conf, sizeof(conf), "%s/memhp.conf", root);
	tt_put(root, "memhp.conf", seeds_conf, 0644);
	run_on(&r, root, (const char *[]){"--config", conf, NULL});
	assert_int_equal(r.rc, 0);
	/* What the tree holds now: the writes, one line each as echo gives. */
	assert_string_equal(tt_get(root, PARAM "/online_policy"), "auto-movable\n");
	assert_string_equal(tt_get(root, PARAM "/auto_movable_ratio"), "301\n");
	assert_string_equal(tt_get(root, PARAM "/auto_movable_numa_aware"), "Y\n");
	assert_string_equal(tt_get(root, MEMD "/auto_online_blocks"), "online\n");
	assert_string_equal(tt_get(root, MEMD "/memory9/state"), "online\n");
	assert_string_equal(tt_get(root, MEMD "/memory10/state"), "online\n");
	assert_string_equal(tt_get(root, MEMD "/memory100/state"), "online\n");
	{
		char want[PATH_MAX + 256];

		snprintf(want, sizeof(want),
			 "online_policy: contig-zones -> auto-movable (from %s:2)\n", conf);
		tt_has(r.out.buf, want);
		snprintf(want, sizeof(want), "auto_online_blocks: offline -> online (from %s:5)\n",
			 conf);
		tt_has(r.out.buf, want);
		snprintf(want, sizeof(want), "auto_movable_ratio: 301, unchanged (from %s:3)\n",
			 conf);
		tt_has(r.out.buf, want);
	}
	/* Ascending block order, the zone from valid_zones. */
	tt_has(r.out.buf, "memory9: online, zone Movable\nmemory10: online, zone Movable\n"
			  "memory100: online, zone Normal\n");
	tt_has(r.out.buf, "configure: 2 settings changed, 3 of 3 offline blocks onlined "
			  "(Movable 2, Normal 1)\n");
	tt_lacks(r.out.buf, "memory11");
	tt_release(&r);

	/* Again: nothing left to do. */
	run_on(&r, root, (const char *[]){"--config", conf, NULL});
	assert_int_equal(r.rc, 0);
	tt_has(r.out.buf, "configure: 0 settings changed, 0 of 0 offline blocks onlined\n");
	/* The kernel onlines hot-added memory itself now: said. */
	tt_has(r.err.buf, "warning: the kernel already onlines hot-added memory itself "
			  "(auto_online_blocks is online)");
	tt_release(&r);
	tu_rm_rf(root);
}

static void test_configure_dry_run(void **state)
{
	char *root = tree();
	struct tt_run r;

	(void)state;
	run_on(&r, root,
	       (const char *[]){"--config", "/dev/null", "--set", "online_policy=auto-movable",
				"--dry-run", NULL});
	assert_int_equal(r.rc, 0);
	assert_untouched(root);
	tt_has(r.out.buf, "online_policy: would change contig-zones -> auto-movable (from --set "
			  "online_policy=auto-movable)\n");
	tt_has(r.out.buf, "memory9: would be onlined\nmemory10: would be onlined\n"
			  "memory100: would be onlined\n");
	tt_has(r.out.buf, "would change 1 setting and online 3 offline blocks; nothing written");
	tt_release(&r);
	tu_rm_rf(root);
}

/* Each error: exit 1, the message, nothing written. */
static void expect_error(const char *root, const char *conf_text, const char *const *args,
			 const char *msg)
{
	char conf[PATH_MAX];
	const char *argv[16] = {"--config", conf};
	size_t n = 2;
	struct tt_run r;

	snprintf(conf, sizeof(conf), "%s/memhp.conf", root);
	if (conf_text)
		tt_put(root, "memhp.conf", conf_text, 0644);
	else
		unlink(conf);
	for (; *args; args++)
		argv[n++] = *args;
	argv[n] = NULL;
	run_on(&r, root, argv);
	assert_int_equal(r.rc, 1);
	if (!strstr(r.err.buf, msg) && !(msg[0] == ':' && strstr(r.err.buf, conf)))
		fail_msg("missing '%s' in:\n%s", msg, r.err.buf);
	assert_string_equal(r.out.buf, "");
	assert_untouched(root);
	tt_release(&r);
}

static void test_configure_errors(void **state)
{
	char *root = tree(), *big = malloc(MEMHP_CONF_MAX + 2), conf[PATH_MAX];

	(void)state;
	assert_non_null(big);
	snprintf(conf, sizeof(conf), "%s/memhp.conf", root);
	expect_error(root, "online_policy = auto-movable\nratio = 3\n", (const char *[]){NULL},
		     ":2: unknown key 'ratio'");
	expect_error(root, "online_policy = auto-movable\nonline_policy = auto-movable\n",
		     (const char *[]){NULL}, ":2: duplicate key online_policy");
	expect_error(root, "online_policy auto-movable\n", (const char *[]){NULL},
		     ":1: expected KEY = VALUE (no '=')");
	expect_error(root, "auto_online_blocks = yes\n", (const char *[]){NULL},
		     ":1: expected offline, online, online_kernel or online_movable");
	/* A good file, a bad --set: nothing written either. */
	expect_error(root, seeds_conf, (const char *[]){"--set", "auto_movable_ratio=lots", NULL},
		     "--set auto_movable_ratio=lots: expected an unsigned integer");
	/* A named file that does not exist. */
	expect_error(root, NULL, (const char *[]){"--set", "online_policy=auto-movable", NULL},
		     "memhp.conf: No such file or directory");
	/* Larger than 64 KiB (comments only, so only its size is wrong). */
	memset(big, '#', MEMHP_CONF_MAX + 1);
	big[MEMHP_CONF_MAX + 1] = '\0';
	expect_error(root, big, (const char *[]){NULL}, "memhp.conf: larger than 65536 bytes");
	free(big);
	/* The running kernel: memmap_on_memory is fixed at boot. */
	expect_error(root, "online_policy = auto-movable\nmemmap_on_memory = y\n",
		     (const char *[]){NULL}, "memmap_on_memory is N on this kernel, ");
	/* A kernel without online_policy (before 5.16): named. */
	unlink(strcat(strcpy(conf, root), "/" PARAM "/online_policy"));
	expect_error(root, seeds_conf, (const char *[]){NULL}, "online_policy (from ");
	expect_error(root, seeds_conf, (const char *[]){NULL},
		     "this kernel has no online_policy (/sys/module/memory_hotplug/parameters/"
		     "online_policy not found)");
	tt_put(root, PARAM "/online_policy", "contig-zones\n", 0444);
	expect_error(root, seeds_conf, (const char *[]){NULL},
		     "/sys/module/memory_hotplug/parameters/online_policy is read-only on this "
		     "kernel");
	tu_rm_rf(root);
}

static void test_configure_default_missing(void **state)
{
	char *root = tree();
	struct tt_run r;

	(void)state;
	if (!access(MEMHP_CONF_DEFAULT, F_OK))
		skip(); /* this host has one: the case cannot be made here */
	/* Without --set: the missing default file is an error. */
	run_on(&r, root, (const char *[]){NULL});
	assert_int_equal(r.rc, 1);
	tt_has(r.err.buf, "/etc/memhp.conf: No such file or directory");
	tt_release(&r);
	assert_untouched(root);
	/* With --set: the values given. */
	run_on(&r, root, (const char *[]){"--set", "online_policy = auto-movable", NULL});
	assert_int_equal(r.rc, 0);
	assert_string_equal(tt_get(root, PARAM "/online_policy"), "auto-movable\n");
	assert_string_equal(tt_get(root, MEMD "/auto_online_blocks"), "offline\n");
	tt_release(&r);
	tu_rm_rf(root);
}

/* The live machine: a tool_ctx marked live (over a scratch tree, so
 * nothing real is touched) refuses to write without --yes. */
static void test_configure_live_refuses(void **state)
{
	char *root = tree();
	struct sysroot sr = {.prefix = root};
	struct vfs fs;
	struct tt_run r;

	(void)state;
	sysroot_vfs_rw(&sr, &fs);
	tt_run(&r, tool_configure_main, &fs, true,
	       (const char *[]){"configure", "--config", "/dev/null", "--set",
				"online_policy=auto-movable", NULL});
	assert_int_equal(r.rc, 1);
	tt_has(r.err.buf, "refusing");
	assert_untouched(root);
	tt_release(&r);
	/* --dry-run works there. */
	tt_run(&r, tool_configure_main, &fs, true,
	       (const char *[]){"configure", "--config", "/dev/null", "--set",
				"online_policy=auto-movable", "--dry-run", NULL});
	assert_int_equal(r.rc, 0);
	assert_untouched(root);
	tt_release(&r);
	tu_rm_rf(root);
}

/* Onlining errors: per block with the kernel's text; 64 when some worked. */
static void test_configure_partial(void **state)
{
	char *root = tree();
	struct tt_run r;

	(void)state;
	/* memory10's state cannot be written (as a busy or removed block). */
	chmod(strcat(strcpy((char[PATH_MAX]){0}, root), "/" MEMD "/memory10/state"), 0444);
	run_on(&r, root, (const char *[]){"--config", "/dev/null", NULL});
	assert_int_equal(r.rc, TOOL_EXIT_PARTIAL);
	tt_has(r.err.buf, "memory10: online: Permission denied\n");
	tt_has(r.out.buf, "2 of 3 offline blocks onlined");
	tt_release(&r);
	tu_rm_rf(root);
}

static void test_configure_usage(void **state)
{
	struct tt_run r;

	(void)state;
	tt_run(&r, tool_configure_main, NULL, false,
	       (const char *[]){"configure", "--bogus", NULL});
	assert_int_equal(r.rc, TOOL_EXIT_USAGE);
	tt_has(r.err.buf, "usage: memhp configure");
	tt_release(&r);
	tt_run(&r, tool_configure_main, NULL, false, (const char *[]){"configure", "extra", NULL});
	assert_int_equal(r.rc, TOOL_EXIT_USAGE);
	tt_release(&r);
}

/* The shipped example is the seeds' configuration, and valid. */
static void test_configure_example(void **state)
{
	struct memhp_conf c = {0};
	struct strbuf err = {0};
	char *text = NULL, why[256];
	size_t len = 0;

	(void)state;
	assert_int_equal(read_file_max(EXAMPLES_DIR "/memhp.conf", MEMHP_CONF_MAX, &text, &len, why,
				       sizeof(why)),
			 0);
	assert_int_equal(conf_parse(&c, "memhp.conf", text, len, &err), 0);
	assert_string_equal(c.v[CONF_ONLINE_POLICY].value, "auto-movable");
	assert_string_equal(c.v[CONF_AUTO_MOVABLE_RATIO].value, "301");
	assert_string_equal(c.v[CONF_AUTO_MOVABLE_NUMA_AWARE].value, "Y");
	assert_string_equal(c.v[CONF_AUTO_ONLINE_BLOCKS].value, "online");
	assert_false(c.v[CONF_MEMMAP_ON_MEMORY].set);
	free(text);
	strbuf_release(&err);
}

/* ---- the seeds' target usage on the model ---- */

/* A 4 GiB q35 VM booted with memhp_default_state=offline gets six 4 GiB
 * DIMMs while offline; configure with auto-movable and ratio 301 onlines
 * them in ascending order: blocks 48-143 Movable, 144-239 Normal, as the
 * real 6.1 and 6.12 kernels place them with those parameters. */
static void seeds_on(enum memhp_kernel version)
{
	struct machine *m = tu_boot_seeds_offline(version);
	struct tt_run r;

	assert_string_equal(tu_blk(m, 48, "state"), "offline\n");
	assert_string_equal(tu_blk(m, 239, "state"), "offline\n");
	tt_run(&r, tool_configure_main, TU_VFS(m), false,
	       (const char *[]){"configure", "--config", "/dev/null", "--set",
				"online_policy=auto-movable", "--set", "auto_movable_ratio=301",
				"--set", "auto_online_blocks=online", NULL});
	assert_int_equal(r.rc, 0);
	for (uint64_t b = 48; b <= 239; b++) {
		assert_string_equal(tu_blk(m, b, "state"), "online\n");
		assert_string_equal(tu_blk(m, b, "valid_zones"),
				    b <= 143 ? "Movable\n" : "Normal\n");
	}
	tt_has(r.out.buf, "online_policy: contig-zones -> auto-movable (from --set "
			  "online_policy=auto-movable)\n");
	tt_has(r.out.buf, "memory143: online, zone Movable\nmemory144: online, zone Normal\n");
	tt_has(r.out.buf, "192 of 192 offline blocks onlined (Movable 96, Normal 96)");
	assert_string_equal(tu_readf(m, MEM "/auto_online_blocks"), "online\n");
	tt_release(&r);
	machine_free(m);
}

static void test_configure_seeds_6_1(void **state)
{
	(void)state;
	seeds_on(MEMHP_KERNEL_6_1);
}

static void test_configure_seeds_6_12(void **state)
{
	(void)state;
	seeds_on(MEMHP_KERNEL_6_12);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_conf_values),
	    cmocka_unit_test(test_conf_errors),
	    cmocka_unit_test(test_configure_sysroot),
	    cmocka_unit_test(test_configure_dry_run),
	    cmocka_unit_test(test_configure_errors),
	    cmocka_unit_test(test_configure_default_missing),
	    cmocka_unit_test(test_configure_live_refuses),
	    cmocka_unit_test(test_configure_partial),
	    cmocka_unit_test(test_configure_usage),
	    cmocka_unit_test(test_configure_example),
	    cmocka_unit_test(test_configure_seeds_6_1),
	    cmocka_unit_test(test_configure_seeds_6_12),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
