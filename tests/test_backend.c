/* The real-kernel backend without a real kernel: the snapshot stream of
 * guest/memhp-snapshot, /proc/zoneinfo as Linux 6.x prints it, and the two
 * sockets QEMU offers (the guest/init command channel, QMP) served by fake
 * peers in forked children, and qemu_backend_run with a fake guest-kernel.sh
 * and a QEMU that is missing or refuses to start.
 *
 * Expected values come from the wire formats (guest/init,
 * guest/memhp-snapshot, the QMP protocol) and scenario-format.md, never
 * from a run of the code under test. */
#include <errno.h>
#include <ftw.h>
#include <poll.h>
#include <setjmp.h>
#include <signal.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <cmocka.h>
#include <json-c/json.h>

#include "guest_channel.h"
#include "qemu_backend.h"
#include "qmp_client.h"
#include "scenario.h"
#include "snapshot.h"
#include "strbuf.h"
#include "sysfs_capture.h"
#include "test_helpers.h"
#include "unix_io.h"

#define MEM  "/sys/devices/system/memory"
#define NODE "/sys/devices/system/node"
#define PARM "/sys/module/memory_hotplug/parameters"

/* The records of memhp-snapshot: file (cat, then "@@EOF" on a line of its
 * own after a newline-terminated content), link, unreadable file. */
#define F(path, content) "@@F " path "\n" content "@@EOF\n"
#define L(path, target)	 "@@L " path " " target "\n"
#define X(path)		 "@@F " path "\n@@X " path "\n@@EOF\n"

static double now(void)
{
	return monotonic_seconds();
}

static void sleep_ms(int ms)
{
	struct timespec ts = {.tv_sec = 0, .tv_nsec = (long)ms * 1000000L};

	while (nanosleep(&ts, &ts) && errno == EINTR)
		;
}

static struct json_object *jget(struct json_object *o, const char *key)
{
	struct json_object *v = NULL;

	assert_non_null(o);
	if (!json_object_object_get_ex(o, key, &v))
		fail_msg("key \"%s\" missing in %s", key, json_object_to_json_string(o));
	return v;
}

static void assert_jstr(struct json_object *o, const char *key, const char *want)
{
	struct json_object *v = jget(o, key);

	if (!want) {
		assert_null(v);
		return;
	}
	assert_true(json_object_is_type(v, json_type_string));
	assert_string_equal(json_object_get_string(v), want);
}

static void assert_jint(struct json_object *o, const char *key, int64_t want)
{
	struct json_object *v = jget(o, key);

	assert_non_null(v);
	assert_true(json_object_is_type(v, json_type_int));
	assert_int_equal(json_object_get_int64(v), want);
}

/* ---- 1. the capture stream ---- */

/* Out of order on purpose: the parser sorts. */
/* clang-format off */
static const char capture_stream[] =
	F(MEM "/memory8/state", "online\n")
	L(MEM "/memory8/node0", "../../node/node0")
	F(MEM "/block_size_bytes", "8000000\n")
	X(MEM "/memory8/phys_device")
	F(MEM "/memory8/removable", "")
	F("/proc/meminfo", "MemTotal:        4028208 kB\nMemFree:         3809460 kB\n")
	F(NODE "/online", "0") /* no trailing newline: "@@EOF" follows on the same line */
	L(MEM "/memory8/firmware_node", "../../../LNXSYSTM:00/LNXSYBUS:00/PNP0A06:00");
/* clang-format on */

static void test_capture_parse(void **state)
{
	struct sysfs_capture cap;
	const struct sysfs_entry *e;

	(void)state;
	assert_int_equal(sysfs_capture_parse(capture_stream, &cap), 0);
	assert_int_equal(cap.nr_entries, 8);
	for (size_t i = 1; i < cap.nr_entries; i++)
		assert_true(strcmp(cap.entries[i - 1].path, cap.entries[i].path) < 0);
	assert_string_equal(cap.entries[0].path, "/proc/meminfo");
	assert_string_equal(cap.entries[7].path, NODE "/online");

	e = sysfs_capture_find(&cap, MEM "/memory8/state");
	assert_non_null(e);
	assert_string_equal(e->content, "online\n");
	assert_null(e->target);
	assert_false(e->unreadable);

	e = sysfs_capture_find(&cap, MEM "/block_size_bytes");
	assert_non_null(e);
	assert_string_equal(e->content, "8000000\n");

	e = sysfs_capture_find(&cap, "/proc/meminfo");
	assert_non_null(e);
	assert_string_equal(e->content,
			    "MemTotal:        4028208 kB\nMemFree:         3809460 kB\n");

	e = sysfs_capture_find(&cap, MEM "/memory8/removable");
	assert_non_null(e);
	assert_string_equal(e->content, "");
	assert_false(e->unreadable);

	e = sysfs_capture_find(&cap, NODE "/online");
	assert_non_null(e);
	assert_string_equal(e->content, "0");

	e = sysfs_capture_find(&cap, MEM "/memory8/node0");
	assert_non_null(e);
	assert_string_equal(e->target, "../../node/node0");
	assert_null(e->content);
	assert_false(e->unreadable);

	e = sysfs_capture_find(&cap, MEM "/memory8/firmware_node");
	assert_non_null(e);
	assert_string_equal(e->target, "../../../LNXSYSTM:00/LNXSYBUS:00/PNP0A06:00");

	e = sysfs_capture_find(&cap, MEM "/memory8/phys_device");
	assert_non_null(e);
	assert_true(e->unreadable);
	assert_null(e->content);
	assert_null(e->target);

	assert_null(sysfs_capture_find(&cap, MEM "/memory8/valid_zones"));
	assert_null(sysfs_capture_find(&cap, MEM "/memory9/state"));
	assert_null(sysfs_capture_find(&cap, MEM "/memory8"));
	assert_null(sysfs_capture_find(&cap, MEM));
	assert_null(sysfs_capture_find(&cap, "/proc/zoneinfo"));
	sysfs_capture_release(&cap);
	assert_int_equal(cap.nr_entries, 0);
	assert_null(cap.entries);
}

static void test_capture_parse_empty(void **state)
{
	struct sysfs_capture cap;

	(void)state;
	assert_int_equal(sysfs_capture_parse("", &cap), 0);
	assert_int_equal(cap.nr_entries, 0);
	assert_null(sysfs_capture_find(&cap, MEM "/block_size_bytes"));
	sysfs_capture_release(&cap);
}

/* A malformed stream is refused whole; the entries parsed before the error
 * are freed (the sanitizer build checks for leaks). */
static void test_capture_parse_malformed(void **state)
{
	/* clang-format off */
	static const char *const bad[] = {
		/* a file without its end tag */
		F(MEM "/memory0/state", "online\n") "@@F " MEM "/memory0/online\n1\n",
		/* garbage between records */
		F(MEM "/memory0/state", "online\n") "online\n" F(MEM "/memory0/online", "1\n"),
		/* a link without a target */
		F(MEM "/memory0/state", "online\n") "@@L " MEM "/memory0/node0\n",
		/* a header cut short */
		F(MEM "/memory0/state", "online\n") "@@F " MEM "/memory0/online",
		L(MEM "/memory0/node0", "../../node/node0") "@@L " MEM "/memory0/node1 ../..",
		/* not a stream at all */
		"sh: memhp-snapshot: not found\n",
	};
	/* clang-format on */

	(void)state;
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		struct sysfs_capture cap;

		assert_int_equal(sysfs_capture_parse(bad[i], &cap), -EPROTO);
		assert_int_equal(cap.nr_entries, 0);
		assert_null(cap.entries);
		sysfs_capture_release(&cap);
	}
}

/* ---- 2. the snapshot JSON of a captured tree ---- */

#define BLOCK(n, state, online, phys, zones, node)                                                 \
	F(MEM "/memory" n "/state", state "\n")                                                    \
	F(MEM "/memory" n "/online", online "\n")                                                  \
	F(MEM "/memory" n "/phys_index", phys "\n")                                                \
	F(MEM "/memory" n "/phys_device", "0\n")                                                   \
	F(MEM "/memory" n "/removable", "1\n")                                                     \
	F(MEM "/memory" n "/valid_zones", zones "\n")                                              \
	L(MEM "/memory" n "/" node, "../../node/" node)

#define SNAPSHOT_ZONEINFO                                                                          \
	"Node 0, zone   Normal\n"                                                                  \
	"  pages free     200000\n"                                                                \
	"        spanned  262144\n"                                                                \
	"        present  262144\n"                                                                \
	"        managed  255000\n"                                                                \
	"        protection: (0, 0, 0, 0)\n"                                                       \
	"  node_unreclaimable:  0\n"                                                               \
	"  start_pfn:           1048576\n"                                                         \
	"Node 0, zone  Movable\n"                                                                  \
	"  pages free     0\n"                                                                     \
	"        spanned  0\n"                                                                     \
	"        present  0\n"                                                                     \
	"        managed  0\n"                                                                     \
	"        protection: (0, 0, 0, 0)\n"

/* In the order memhp-snapshot prints them: the glob sorts memory100 before
 * memory32 and memory4 before memory40. */
/* clang-format off */
static const char snapshot_stream[] =
	F(MEM "/block_size_bytes", "8000000\n")
	F(MEM "/auto_online_blocks", "offline\n")
	BLOCK("0", "online", "1", "00000000", "none", "node0")
	BLOCK("100", "online", "1", "00000064", "Movable", "node1")
	BLOCK("32", "online", "1", "00000020", "Normal", "node0")
	BLOCK("4", "online", "1", "00000004", "DMA32", "node0")
	BLOCK("40", "offline", "0", "00000028", "Normal Movable", "node1")
	L(MEM "/memory40/firmware_node", "../../../LNXSYSTM:00/LNXSYBUS:00/PNP0A06:04/PNP0C80:00")
	F(NODE "/possible", "0-1\n")
	F(NODE "/online", "0-1\n")
	F(NODE "/has_memory", "0-1\n")
	F(NODE "/has_normal_memory", "0\n")
	L(NODE "/node0/memory0", "../../memory/memory0")
	L(NODE "/node0/memory32", "../../memory/memory32")
	L(NODE "/node0/memory4", "../../memory/memory4")
	L(NODE "/node1/memory100", "../../memory/memory100")
	L(NODE "/node1/memory40", "../../memory/memory40")
	F(PARM "/auto_movable_numa_aware", "Y\n")
	F(PARM "/auto_movable_ratio", "301\n")
	F(PARM "/memmap_on_memory", "N\n")
	F(PARM "/online_policy", "contig-zones\n")
	F("/proc/zoneinfo", SNAPSHOT_ZONEINFO);
/* clang-format on */

static void assert_block(struct json_object *b, int64_t id, const char *state, int online,
			 int64_t phys_index, int node, const char *valid_zones, const char *zone)
{
	assert_jint(b, "id", id);
	assert_jstr(b, "state", state);
	assert_jint(b, "online", online);
	assert_jint(b, "phys_index", phys_index);
	assert_jint(b, "removable", 1);
	assert_jint(b, "node", node);
	assert_jstr(b, "valid_zones", valid_zones);
	assert_jstr(b, "zone", zone);
}

static void test_capture_snapshot(void **state)
{
	struct sysfs_capture cap;
	struct json_object *snap, *devs, *blocks, *params, *zi;

	(void)state;
	assert_int_equal(sysfs_capture_parse(snapshot_stream, &cap), 0);

	devs = json_tokener_parse("[{\"type\": \"dimm\", \"data\": {\"memdev\": \"/objects/m1\", "
				  "\"hotplugged\": true, \"addr\": 5368709120, \"hotpluggable\": "
				  "true, \"size\": 134217728, \"slot\": 0, \"node\": 1, \"id\": "
				  "\"d1\"}}]");
	assert_non_null(devs);
	json_object_get(devs); /* one reference for the snapshot, one to check */
	snap = sysfs_capture_snapshot(&cap, "after-add", 7, devs);
	sysfs_capture_release(&cap);
	assert_non_null(snap);

	assert_jstr(snap, "label", "after-add");
	assert_jint(snap, "step", 7);
	assert_jint(snap, "block_size_bytes", 134217728); /* 0x8000000 */
	assert_jstr(snap, "auto_online_blocks", "offline");

	params = jget(snap, "params");
	assert_jstr(params, "online_policy", "contig-zones");
	assert_jstr(params, "auto_movable_ratio", "301");
	assert_jstr(params, "auto_movable_numa_aware", "Y");
	assert_jstr(params, "memmap_on_memory", "N");

	blocks = jget(snap, "blocks");
	assert_true(json_object_is_type(blocks, json_type_array));
	assert_int_equal(json_object_array_length(blocks), 5);
	/* ascending block ids; "zone" only for an online block with one zone */
	assert_block(json_object_array_get_idx(blocks, 0), 0, "online", 1, 0, 0, "none", NULL);
	assert_block(json_object_array_get_idx(blocks, 1), 4, "online", 1, 4, 0, "DMA32", "DMA32");
	assert_block(json_object_array_get_idx(blocks, 2), 32, "online", 1, 32, 0, "Normal",
		     "Normal");
	assert_block(json_object_array_get_idx(blocks, 3), 40, "offline", 0, 40, 1,
		     "Normal Movable", NULL);
	assert_block(json_object_array_get_idx(blocks, 4), 100, "online", 1, 100, 1, "Movable",
		     "Movable");

	zi = jget(snap, "zoneinfo");
	assert_int_equal(json_object_array_length(zi), 2);
	assert_jstr(json_object_array_get_idx(zi, 0), "zone", "Normal");
	assert_jint(json_object_array_get_idx(zi, 0), "start_pfn", 1048576);
	assert_jint(json_object_array_get_idx(zi, 0), "managed", 255000);
	assert_jstr(json_object_array_get_idx(zi, 1), "zone", "Movable");
	assert_null(jget(json_object_array_get_idx(zi, 1), "start_pfn"));

	/* passed through, the reference taken over */
	assert_ptr_equal(jget(snap, "memory_devices"), devs);
	json_object_put(snap);
	assert_int_equal(
	    json_object_get_int64(jget(jget(json_object_array_get_idx(devs, 0), "data"), "addr")),
	    5368709120LL);
	json_object_put(devs);
}

/* Nothing captured: the values user space could not read are null. */
static void test_capture_snapshot_empty(void **state)
{
	struct sysfs_capture cap;
	struct json_object *snap, *params;

	(void)state;
	assert_int_equal(sysfs_capture_parse("", &cap), 0);
	snap = sysfs_capture_snapshot(&cap, "empty", 0, json_object_new_array());
	assert_null(jget(snap, "block_size_bytes"));
	assert_null(jget(snap, "auto_online_blocks"));
	params = jget(snap, "params");
	assert_null(jget(params, "online_policy"));
	assert_null(jget(params, "auto_movable_ratio"));
	assert_null(jget(params, "auto_movable_numa_aware"));
	assert_null(jget(params, "memmap_on_memory"));
	assert_int_equal(json_object_array_length(jget(snap, "blocks")), 0);
	assert_int_equal(json_object_array_length(jget(snap, "zoneinfo")), 0);
	assert_int_equal(json_object_array_length(jget(snap, "memory_devices")), 0);
	json_object_put(snap);
	sysfs_capture_release(&cap);
}

/* ---- 3. /proc/zoneinfo ---- */

/* An unpopulated zone as zoneinfo_show_print prints it: watermarks, page
 * counts and protection, all zero, and nothing else. */
#define ZONEINFO_UNPOPULATED                                                                       \
	"  pages free     0\n"                                                                     \
	"        boost    0\n"                                                                     \
	"        min      0\n"                                                                     \
	"        low      0\n"                                                                     \
	"        high     0\n"                                                                     \
	"        promo    0\n"                                                                     \
	"        spanned  0\n"                                                                     \
	"        present  0\n"                                                                     \
	"        managed  0\n"                                                                     \
	"        cma      0\n"                                                                     \
	"        protection: (0, 0, 0, 0, 0)\n"

/* As mm/vmstat.c zoneinfo_show_print() of Linux 6.x prints it: "Node %d,
 * zone %8s", per-node stats under the node's first populated zone, and for
 * an unpopulated zone only the watermarks, the page counts and protection
 * ("If unpopulated, no other information is useful"): no start_pfn. */
/* clang-format off */
static const char zoneinfo_text[] = "Node 0, zone      DMA\n"
				    "  per-node stats\n"
				    "      nr_inactive_anon 12032\n"
				    "      nr_active_anon 1187\n"
				    "      nr_inactive_file 23120\n"
				    "      nr_file_pages 24850\n"
				    "      nr_kernel_stack 1936\n"
				    "  pages free     3840\n"
				    "        boost    0\n"
				    "        min      33\n"
				    "        low      41\n"
				    "        high     49\n"
				    "        promo    57\n"
				    "        spanned  4095\n"
				    "        present  3998\n"
				    "        managed  3840\n"
				    "        cma      0\n"
				    "        protection: (0, 1945, 7899, 7899, 7899)\n"
				    "      nr_free_pages 3840\n"
				    "      nr_zone_inactive_anon 0\n"
				    "      nr_zone_active_file 0\n"
				    "      nr_mlock     0\n"
				    "      numa_hit     3\n"
				    "      numa_local   3\n"
				    "  pagesets\n"
				    "    cpu: 0\n"
				    "              count: 0\n"
				    "              high:  0\n"
				    "              batch: 1\n"
				    "  vm stats threshold: 4\n"
				    "  node_unreclaimable:  0\n"
				    "  start_pfn:           1\n"
				    "Node 0, zone    DMA32\n"
				    "  pages free     490125\n"
				    "        boost    0\n"
				    "        min      8213\n"
				    "        low      10266\n"
				    "        high     12319\n"
				    "        promo    14372\n"
				    "        spanned  1044480\n"
				    "        present  520160\n"
				    "        managed  503810\n"
				    "        cma      0\n"
				    "        protection: (0, 0, 5954, 5954, 5954)\n"
				    "      nr_free_pages 490125\n"
				    "  pagesets\n"
				    "    cpu: 0\n"
				    "              count: 250\n"
				    "              high:  1424\n"
				    "              batch: 63\n"
				    "  vm stats threshold: 24\n"
				    "  node_unreclaimable:  0\n"
				    "  start_pfn:           4096\n"
				    "Node 0, zone   Normal\n"
				    "  pages free     1500000\n"
				    "        boost    0\n"
				    "        min      25000\n"
				    "        low      31250\n"
				    "        high     37500\n"
				    "        promo    43750\n"
				    "        spanned  1572864\n"
				    "        present  1572864\n"
				    "        managed  1524218\n"
				    "        cma      0\n"
				    "        protection: (0, 0, 0, 0, 0)\n"
				    "      nr_free_pages 1500000\n"
				    "  pagesets\n"
				    "    cpu: 0\n"
				    "              count: 1\n"
				    "              high:  1424\n"
				    "              batch: 63\n"
				    "  vm stats threshold: 40\n"
				    "  node_unreclaimable:  0\n"
				    "  start_pfn:           1048576\n"
				    "Node 0, zone  Movable\n"
				    ZONEINFO_UNPOPULATED
				    "Node 1, zone   Normal\n"
				    ZONEINFO_UNPOPULATED
				    "Node 1, zone  Movable\n"
				    "  per-node stats\n"
				    "      nr_inactive_anon 0\n"
				    "      nr_file_pages 0\n"
				    "  pages free     32000\n"
				    "        boost    0\n"
				    "        min      128\n"
				    "        low      160\n"
				    "        high     192\n"
				    "        promo    224\n"
				    "        spanned  65536\n"
				    "        present  32768\n"
				    "        managed  32256\n"
				    "        cma      0\n"
				    "        protection: (0, 0, 0, 0, 0)\n"
				    "      nr_free_pages 32000\n"
				    "  pagesets\n"
				    "    cpu: 0\n"
				    "              count: 0\n"
				    "              high:  0\n"
				    "              batch: 1\n"
				    "  vm stats threshold: 8\n"
				    "  node_unreclaimable:  0\n"
				    "  start_pfn:           1343488\n";
/* clang-format on */

static void assert_zone(struct json_object *z, int node, const char *zone, int64_t spanned,
			int64_t present, int64_t managed, int64_t start_pfn)
{
	assert_jint(z, "node", node);
	assert_jstr(z, "zone", zone);
	assert_jint(z, "spanned", spanned);
	assert_jint(z, "present", present);
	assert_jint(z, "managed", managed);
	if (start_pfn < 0)
		assert_null(jget(z, "start_pfn"));
	else
		assert_jint(z, "start_pfn", start_pfn);
}

static void test_zoneinfo_parse(void **state)
{
	struct json_object *zi = zoneinfo_parse(zoneinfo_text);

	(void)state;
	assert_true(json_object_is_type(zi, json_type_array));
	assert_int_equal(json_object_array_length(zi), 6);
	assert_zone(json_object_array_get_idx(zi, 0), 0, "DMA", 4095, 3998, 3840, 1);
	assert_zone(json_object_array_get_idx(zi, 1), 0, "DMA32", 1044480, 520160, 503810, 4096);
	assert_zone(json_object_array_get_idx(zi, 2), 0, "Normal", 1572864, 1572864, 1524218,
		    1048576);
	assert_zone(json_object_array_get_idx(zi, 3), 0, "Movable", 0, 0, 0, -1);
	assert_zone(json_object_array_get_idx(zi, 4), 1, "Normal", 0, 0, 0, -1);
	assert_zone(json_object_array_get_idx(zi, 5), 1, "Movable", 65536, 32768, 32256, 1343488);
	json_object_put(zi);

	zi = zoneinfo_parse("");
	assert_int_equal(json_object_array_length(zi), 0);
	json_object_put(zi);
}

/* ---- 4. the capture as a sysroot ---- */

/* clang-format off */
static const char write_stream[] =
	F(MEM "/block_size_bytes", "8000000\n")
	F(MEM "/memory40/state", "offline\n")
	F(MEM "/memory40/valid_zones", "Normal Movable\n")
	L(MEM "/memory40/node1", "../../node/node1")
	L(NODE "/node1/memory40", "../../memory/memory40")
	F(NODE "/online", "0-1\n")
	X(MEM "/memory40/phys_device")
	F("/proc/zoneinfo", "Node 1, zone  Movable\n  pages free     0\n");
/* clang-format on */

static char *slurp(const char *path)
{
	FILE *f = fopen(path, "r");
	char buf[4096];
	size_t n;

	if (!f)
		return NULL;
	n = fread(buf, 1, sizeof(buf) - 1, f);
	fclose(f);
	buf[n] = '\0';
	return strdup(buf);
}

static void assert_file(const char *root, const char *path, const char *want)
{
	char full[512], *got;

	snprintf(full, sizeof(full), "%s%s", root, path);
	got = slurp(full);
	if (!got)
		fail_msg("%s: %s", full, strerror(errno));
	assert_string_equal(got, want);
	free(got);
}

static void assert_link(const char *root, const char *path, const char *target)
{
	char full[512], buf[512];
	struct stat st;
	ssize_t n;

	snprintf(full, sizeof(full), "%s%s", root, path);
	assert_int_equal(lstat(full, &st), 0);
	assert_true(S_ISLNK(st.st_mode));
	n = readlink(full, buf, sizeof(buf) - 1);
	assert_true(n > 0);
	buf[n] = '\0';
	assert_string_equal(buf, target);
}

static void test_capture_write(void **state)
{
	char top[] = "/tmp/memhp-test-backend-XXXXXX", dir[64], full[512], err[512] = "";
	struct sysfs_capture cap;
	struct stat st;

	(void)state;
	assert_non_null(mkdtemp(top));
	snprintf(dir, sizeof(dir), "%s/snap", top);
	assert_int_equal(sysfs_capture_parse(write_stream, &cap), 0);
	assert_int_equal(sysfs_capture_write(&cap, top, "snap", err, sizeof(err)), 0);

	assert_file(dir, MEM "/block_size_bytes", "8000000\n");
	assert_file(dir, MEM "/memory40/state", "offline\n");
	assert_file(dir, MEM "/memory40/valid_zones", "Normal Movable\n");
	assert_file(dir, NODE "/online", "0-1\n");
	assert_file(dir, "/proc/zoneinfo", "Node 1, zone  Movable\n  pages free     0\n");
	assert_link(dir, MEM "/memory40/node1", "../../node/node1");
	assert_link(dir, NODE "/node1/memory40", "../../memory/memory40");
	/* the links resolve inside the tree, as in /sys */
	assert_file(dir, MEM "/memory40/node1/memory40/state", "offline\n");
	snprintf(full, sizeof(full), "%s%s", dir, MEM "/memory40/phys_device");
	assert_int_equal(lstat(full, &st), 0);
	assert_true(S_ISREG(st.st_mode));

	sysfs_capture_release(&cap);
	tu_rm_rf(top);
	assert_int_equal(stat(top, &st), -1);
}

/* A re-run with the same --sysroot-out writes over the previous tree.
 * Files are left read-only (0444); a second write must still replace them,
 * also without root. */
static void test_capture_write_twice(void **state)
{
	char top[] = "/tmp/memhp-test-backend-XXXXXX", dir[64], err[512] = "";
	struct sysfs_capture cap;
	int ret;

	(void)state;
	assert_non_null(mkdtemp(top));
	snprintf(dir, sizeof(dir), "%s/snap", top);
	assert_int_equal(sysfs_capture_parse(write_stream, &cap), 0);
	assert_int_equal(sysfs_capture_write(&cap, top, "snap", err, sizeof(err)), 0);
	ret = sysfs_capture_write(&cap, top, "snap", err, sizeof(err));
	sysfs_capture_release(&cap);
	if (ret)
		tu_rm_rf(top);
	assert_int_equal(ret, 0);
	assert_file(dir, MEM "/memory40/state", "offline\n");
	assert_link(dir, MEM "/memory40/node1", "../../node/node1");
	tu_rm_rf(top);
}

static void test_capture_write_error(void **state)
{
	char dir[] = "/tmp/memhp-test-backend-XXXXXX", file[512], err[512] = "";
	struct sysfs_capture cap;

	(void)state;
	assert_non_null(mkdtemp(dir));
	tu_write_file(file, sizeof(file), dir, "plain", "");
	assert_int_equal(sysfs_capture_parse(write_stream, &cap), 0);
	/* DIR is a regular file: nothing can be created under it */
	assert_int_equal(sysfs_capture_write(&cap, file, "snap", err, sizeof(err)), -ENOTDIR);
	assert_non_null(strstr(err, file));
	sysfs_capture_release(&cap);
	tu_rm_rf(dir);
}

/* ---- fake peers: a listening socket served by a forked child ---- */

struct fake_peer {
	char dir[64];
	char path[128];
	pid_t pid;
};

static struct fake_peer peer;

/* The child's side: returns its exit status (0 when the exchange went as
 * the protocol says, a step number otherwise). */
typedef int (*serve_fn)(int fd);

static void fake_start(serve_fn serve)
{
	struct sockaddr_un addr = {.sun_family = AF_UNIX};
	int lfd;

	strcpy(peer.dir, "/tmp/memhp-test-backend-XXXXXX");
	assert_non_null(mkdtemp(peer.dir));
	snprintf(peer.path, sizeof(peer.path), "%s/sock", peer.dir);
	strcpy(addr.sun_path, peer.path);
	lfd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
	assert_true(lfd >= 0);
	assert_int_equal(bind(lfd, (struct sockaddr *)&addr, sizeof(addr)), 0);
	assert_int_equal(listen(lfd, 1), 0);
	fflush(NULL);
	peer.pid = fork();
	assert_true(peer.pid >= 0);
	if (!peer.pid) {
		int fd;

		alarm(5); /* never outlive a failed test for long */
		signal(SIGPIPE, SIG_IGN);
		fd = accept(lfd, NULL, NULL);
		close(lfd);
		_exit(fd < 0 ? 100 : serve(fd));
	}
	close(lfd);
}

/* Waits for the child; its exit status. */
static int fake_finish(void)
{
	int status = 0;

	if (peer.pid > 0) {
		assert_int_equal(waitpid(peer.pid, &status, 0), peer.pid);
		peer.pid = 0;
	}
	unlink(peer.path);
	rmdir(peer.dir);
	return WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
}

static int fake_teardown(void **state)
{
	(void)state;
	if (peer.pid > 0) {
		kill(peer.pid, SIGKILL);
		waitpid(peer.pid, NULL, 0);
		peer.pid = 0;
	}
	if (peer.dir[0]) {
		unlink(peer.path);
		rmdir(peer.dir);
		peer.dir[0] = '\0';
	}
	return 0;
}

static int peer_write(int fd, const char *buf, size_t len)
{
	while (len) {
		ssize_t n = write(fd, buf, len);

		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			return -1;
		buf += n;
		len -= (size_t)n;
	}
	return 0;
}

static int peer_puts(int fd, const char *s)
{
	return peer_write(fd, s, strlen(s));
}

/* One line without its newline; -1 at end of file. */
static int peer_read_line(int fd, char *buf, size_t size)
{
	size_t len = 0;

	for (;;) {
		char c;
		ssize_t n = read(fd, &c, 1);

		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			return -1;
		if (c == '\n')
			break;
		if (len + 1 < size)
			buf[len++] = c;
	}
	buf[len] = '\0';
	return (int)len;
}

static bool peer_expect_line(int fd, const char *want)
{
	char line[512];

	return peer_read_line(fd, line, sizeof(line)) >= 0 && !strcmp(line, want);
}

/* Writes the pieces with a pause after each, as a slow peer does. */
static int peer_pieces(int fd, const char *const *pieces, size_t n, int pause_ms)
{
	for (size_t i = 0; i < n; i++) {
		if (peer_puts(fd, pieces[i]))
			return -1;
		sleep_ms(pause_ms);
	}
	return 0;
}

/* True once the host closed its end. */
static bool peer_at_eof(int fd)
{
	char c;

	return read(fd, &c, 1) == 0;
}

/* ---- 5. the guest command channel (guest/init) ---- */

/* What guest/init prints for one command. */
static int guest_result(int fd, int rc, const char *out, size_t outlen, const char *err,
			size_t errlen)
{
	struct strbuf sb = {0};
	int ret;

	strbuf_addf(&sb, "@@MEMHP RC %d %zu %zu\n", rc, outlen, errlen);
	strbuf_addn(&sb, out, outlen);
	strbuf_addn(&sb, err, errlen);
	strbuf_add(&sb, "@@MEMHP END\n");
	ret = sb.oom ? -1 : peer_write(fd, sb.buf, sb.len);
	strbuf_release(&sb);
	return ret;
}

/* Output with control bytes, high bytes, CR and what looks like the
 * protocol's own tags: the lengths frame it, not its content. */
static const char binary_out[] = "first line\n\x01\x02\x1b[0m\x7f\x80\xfe\xff\tx\r\n"
				 "@@MEMHP END\n@@MEMHP RC 1 2 3\nlast line without newline";
static const char binary_err[] = "warning: one\nwarning: two\n";
static const char write_error[] = "sh: write error: Invalid argument\n";

static int serve_guest(int fd)
{
	static const char *const split[] = {"@@MEMHP R",     "C 0 1",  "2 0\nhello",
					    " world\n@@MEM", "HP END", "\n"};

	if (peer_puts(fd, "@@MEMHP READY 6.12.0-test\n"))
		return 1;
	/* binary-ish output and stderr */
	if (!peer_expect_line(fd, "cat /tmp/blob"))
		return 2;
	if (guest_result(fd, 0, binary_out, sizeof(binary_out) - 1, binary_err,
			 sizeof(binary_err) - 1))
		return 2;
	/* noise before the result */
	if (!peer_expect_line(fd, "echo 1 > /sys/devices/system/memory/memory0/online"))
		return 3;
	if (peer_puts(fd, "\r\n\x1b[0mnoise @@MEMHP ## \n") ||
	    guest_result(fd, 1, "", 0, write_error, sizeof(write_error) - 1))
		return 3;
	/* a result in pieces */
	if (!peer_expect_line(fd, "echo hello world"))
		return 4;
	if (peer_pieces(fd, split, sizeof(split) / sizeof(split[0]), 20))
		return 4;
	/* a result after the host's deadline */
	if (!peer_expect_line(fd, "sleep 1; echo late"))
		return 5;
	sleep_ms(150);
	if (guest_result(fd, 7, "late\n", 5, "", 0))
		return 5;
	if (!peer_expect_line(fd, "echo fresh"))
		return 6;
	if (guest_result(fd, 0, "fresh\n", 6, "", 0))
		return 6;
	/* the guest goes away in the middle of a command */
	if (!peer_expect_line(fd, "poweroff -f"))
		return 7;
	close(fd);
	return 0;
}

/* A fake guest serving serve, connected and past its greeting. */
static void start_fake_guest(int (*serve)(int fd), struct guest_channel *gc)
{
	fake_start(serve);
	assert_int_equal(guest_channel_open(gc, peer.path, now() + 2), 0);
	assert_int_equal(guest_channel_wait_ready(gc, now() + 2), 0);
}

/* Runs cmd on the guest within 2 s; it must succeed with this exit code,
 * stdout and stderr. */
static void expect_guest_run(struct guest_channel *gc, const char *cmd, int rc, const char *out,
			     const char *err)
{
	struct guest_reply r;
	int ret = guest_channel_run(gc, cmd, now() + 2, &r);

	if (ret)
		fail_msg("`%s` returned %d", cmd, ret);
	assert_non_null(r.out);
	assert_non_null(r.err);
	if (r.rc != rc || strcmp(r.out, out) || strcmp(r.err, err))
		fail_msg("`%s`: rc %d stdout \"%s\" stderr \"%s\"; expected rc %d stdout \"%s\" "
			 "stderr \"%s\"",
			 cmd, r.rc, r.out, r.err, rc, out, err);
	guest_reply_free(&r);
}

static void test_guest_channel(void **state)
{
	struct guest_channel gc;
	struct guest_reply r;

	(void)state;
	start_fake_guest(serve_guest, &gc);
	assert_string_equal(gc.release, "6.12.0-test");

	assert_int_equal(guest_channel_run(&gc, "cat /tmp/blob", now() + 2, &r), 0);
	assert_int_equal(r.rc, 0);
	assert_non_null(r.out);
	assert_int_equal(strlen(r.out), sizeof(binary_out) - 1);
	assert_memory_equal(r.out, binary_out, sizeof(binary_out) - 1);
	assert_string_equal(r.err, binary_err);
	guest_reply_free(&r);

	expect_guest_run(&gc, "echo 1 > /sys/devices/system/memory/memory0/online", 1, "",
			 write_error);

	expect_guest_run(&gc, "echo hello world", 0, "hello world\n", "");

	/* The guest answers 150 ms later than the host waits. */
	assert_int_equal(guest_channel_run(&gc, "sleep 1; echo late", now() + 0.05, &r),
			 -ETIMEDOUT);
	assert_null(r.out);
	assert_null(r.err);
	/* The late result is dropped, the next one is this command's. */
	expect_guest_run(&gc, "echo fresh", 0, "fresh\n", "");

	/* one command line per line */
	assert_int_equal(guest_channel_run(&gc, "echo a\necho b", now() + 2, &r), -EINVAL);

	assert_int_equal(guest_channel_run(&gc, "poweroff -f", now() + 2, &r), -ECONNRESET);
	assert_null(r.out);
	guest_channel_close(&gc);
	assert_int_equal(gc.fd, -1);
	assert_int_equal(fake_finish(), 0);
}

/* The greeting after boot noise; no greeting at all ends with -ECONNRESET
 * when QEMU goes away, -ETIMEDOUT when the guest just does not come up. */
static int serve_guest_boot_noise(int fd)
{
	if (peer_puts(fd, "\r\n[    0.000000] Linux version 6.12.0\r\n@@MEMHP RE") ||
	    peer_puts(fd, "ADY 6.1.0-28-amd64\n"))
		return 1;
	if (!peer_expect_line(fd, "true"))
		return 2;
	if (guest_result(fd, 0, "", 0, "", 0))
		return 2;
	return peer_at_eof(fd) ? 0 : 3;
}

static int serve_silent_then_close(int fd)
{
	sleep_ms(100);
	close(fd);
	return 0;
}

static void test_guest_channel_ready(void **state)
{
	struct guest_channel gc;

	(void)state;
	start_fake_guest(serve_guest_boot_noise, &gc);
	assert_string_equal(gc.release, "6.1.0-28-amd64");
	expect_guest_run(&gc, "true", 0, "", "");
	guest_channel_close(&gc);
	assert_int_equal(fake_finish(), 0);

	fake_start(serve_silent_then_close);
	assert_int_equal(guest_channel_open(&gc, peer.path, now() + 2), 0);
	assert_int_equal(guest_channel_wait_ready(&gc, now() + 0.03), -ETIMEDOUT);
	assert_int_equal(guest_channel_wait_ready(&gc, now() + 2), -ECONNRESET);
	guest_channel_close(&gc);
	assert_int_equal(fake_finish(), 0);
}

/* A UART glitch or break reads as NUL bytes: noise that contains them is
 * still only noise before the result tag.
 * The skip to the tag must not stop at the first NUL. */
static int serve_guest_nul_noise(int fd)
{
	static const char noise[] = "\xff\0\0garbage\0";

	if (peer_puts(fd, "@@MEMHP READY 6.12.0-test\n"))
		return 1;
	if (!peer_expect_line(fd, "echo ok"))
		return 2;
	if (peer_write(fd, noise, sizeof(noise) - 1) || guest_result(fd, 0, "ok\n", 3, "", 0))
		return 2;
	return peer_at_eof(fd) ? 0 : 3;
}

static void test_guest_channel_nul_noise(void **state)
{
	struct guest_channel gc;
	struct guest_reply r;
	int ret;

	(void)state;
	start_fake_guest(serve_guest_nul_noise, &gc);
	ret = guest_channel_run(&gc, "echo ok", now() + 0.3, &r);
	guest_channel_close(&gc);
	assert_int_equal(fake_finish(), 0);
	assert_int_equal(ret, 0);
	assert_int_equal(r.rc, 0);
	assert_string_equal(r.out, "ok\n");
	guest_reply_free(&r);
}

/* Runs fn in a child with the default SIGPIPE disposition, as in memhp
 * itself; returns its wait status. */
static int in_child(int (*fn)(void))
{
	int status;
	pid_t pid;

	fflush(NULL);
	pid = fork();
	assert_true(pid >= 0);
	if (!pid) {
		signal(SIGPIPE, SIG_DFL);
		alarm(5);
		_exit(fn());
	}
	assert_int_equal(waitpid(pid, &status, 0), pid);
	return status;
}

static void assert_exited_zero(int status, const char *what)
{
	if (WIFSIGNALED(status))
		fail_msg("%s: killed by signal %d (%s)", what, WTERMSIG(status),
			 strsignal(WTERMSIG(status)));
	assert_true(WIFEXITED(status));
	if (WEXITSTATUS(status))
		fail_msg("%s: exit status %d", what, WEXITSTATUS(status));
}

static struct guest_channel dead_gc;

static int run_on_dead_guest(void)
{
	struct guest_reply r;
	int ret = guest_channel_run(&dead_gc, "echo hi", now() + 1, &r);

	return ret == -ECONNRESET || ret == -EPIPE ? 0 : 1;
}

static int serve_guest_then_quit(int fd)
{
	if (peer_puts(fd, "@@MEMHP READY 6.12.0-test\n"))
		return 1;
	close(fd);
	return 0;
}

/* QEMU exited (guest panic with -no-reboot, a crash): the next command
 * reports it instead of killing memhp with SIGPIPE. */
static void test_guest_channel_dead_peer(void **state)
{
	(void)state;
	start_fake_guest(serve_guest_then_quit, &dead_gc);
	assert_int_equal(fake_finish(), 0);
	assert_exited_zero(in_child(run_on_dead_guest), "guest_channel_run on a closed socket");
	guest_channel_close(&dead_gc);
}

/* ---- 6. QMP ---- */

static const char qmp_greeting[] =
    "{\"QMP\": {\"version\": {\"qemu\": {\"micro\": 22, \"minor\": 2, \"major\": 7}, "
    "\"package\": \"Debian 1:7.2+dfsg-7+deb12u13\"}, \"capabilities\": [\"oob\"]}}\r\n";

static const char ev_size1[] = "{\"timestamp\": {\"seconds\": 1700000000, \"microseconds\": 100}, "
			       "\"event\": \"MEMORY_DEVICE_SIZE_CHANGE\", \"data\": {\"id\": "
			       "\"vmem0\", \"size\": 1073741824, \"qom-path\": "
			       "\"/machine/peripheral/vmem0\"}}\r\n";
static const char ev_size2[] = "{\"timestamp\": {\"seconds\": 1700000000, \"microseconds\": 200}, "
			       "\"event\": \"MEMORY_DEVICE_SIZE_CHANGE\", \"data\": {\"id\": "
			       "\"vmem0\", \"size\": 2147483648, \"qom-path\": "
			       "\"/machine/peripheral/vmem0\"}}\r\n";
static const char devices_reply[] =
    "{\"return\": [{\"type\": \"virtio-mem\", \"data\": {\"memaddr\": 5368709120, "
    "\"node\": 0, \"requested-size\": 2147483648, \"size\": 2147483648, \"max-size\": "
    "4294967296, \"block-size\": 2097152, \"memdev\": \"/objects/mem0\", \"id\": "
    "\"vmem0\"}}]}\r\n";
static const char ev_ost[] = "{\"timestamp\": {\"seconds\": 1700000001, \"microseconds\": 5}, "
			     "\"event\": \"ACPI_DEVICE_OST\", \"data\": {\"info\": {\"device\": "
			     "\"d1\", \"source\": 3, \"status\": 0, \"slot\": \"0\", "
			     "\"slot-type\": \"DIMM\"}}}\r\n";
static const char ev_deleted[] =
    "{\"timestamp\": {\"seconds\": 1700000001, \"microseconds\": "
    "9}, \"event\": \"DEVICE_DELETED\", \"data\": {\"device\": \"d1\", "
    "\"path\": \"/machine/peripheral/d1\"}}\r\n";

/* The "execute" of the next command line, checked. */
/* The "id" of the last command the fake QEMU read, as JSON text: QEMU
 * echoes it in the reply, and the client matches replies on it. */
static char qmp_last_id[128];

/* reply with the last command's id added, as QEMU sends it back */
static const char *with_id(const char *reply)
{
	static char buf[4096];

	if (!qmp_last_id[0])
		return reply;
	snprintf(buf, sizeof(buf), "{\"id\": %s, %s", qmp_last_id, reply + 1);
	return buf;
}

static bool peer_expect_execute(int fd, const char *execute, const char *id)
{
	char line[1024];
	struct json_object *cmd, *v, *args;
	bool ok;

	if (peer_read_line(fd, line, sizeof(line)) < 0)
		return false;
	cmd = json_tokener_parse(line);
	qmp_last_id[0] = '\0';
	if (cmd && json_object_object_get_ex(cmd, "id", &v))
		snprintf(qmp_last_id, sizeof(qmp_last_id), "%s", json_object_to_json_string(v));
	ok = cmd && json_object_object_get_ex(cmd, "execute", &v) &&
	     !strcmp(json_object_get_string(v), execute);
	if (ok && id)
		ok = json_object_object_get_ex(cmd, "arguments", &args) &&
		     json_object_object_get_ex(args, "id", &v) &&
		     !strcmp(json_object_get_string(v), id);
	json_object_put(cmd);
	return ok;
}

static int qmp_handshake(int fd)
{
	if (peer_puts(fd, qmp_greeting))
		return -1;
	if (!peer_expect_execute(fd, "qmp_capabilities", NULL))
		return -1;
	return peer_puts(fd, with_id("{\"return\": {}}\r\n"));
}

static int serve_qmp(int fd)
{
	struct strbuf sb = {0};
	const char *full;
	int ret;

	if (qmp_handshake(fd))
		return 1;
	/* two events, then the reply, all in one write */
	if (!peer_expect_execute(fd, "query-memory-devices", NULL))
		return 2;
	strbuf_add(&sb, ev_size1);
	strbuf_add(&sb, ev_size2);
	strbuf_add(&sb, with_id(devices_reply));
	ret = peer_write(fd, sb.buf, sb.len);
	strbuf_release(&sb);
	if (ret)
		return 2;
	/* a reply in pieces, then events the host pumps */
	if (!peer_expect_execute(fd, "device_del", "d1"))
		return 3;
	full = with_id("{\"return\": {}}\r\n");
	if (peer_write(fd, full, 5) || (sleep_ms(20), peer_write(fd, full + 5, 12)) ||
	    (sleep_ms(20), peer_puts(fd, full + 17)))
		return 3;
	sleep_ms(30);
	if (peer_write(fd, ev_ost, 40))
		return 4;
	sleep_ms(10);
	if (peer_puts(fd, ev_ost + 40))
		return 4;
	sleep_ms(20);
	if (peer_puts(fd, ev_deleted))
		return 4;
	/* an error reply */
	if (!peer_expect_execute(fd, "device_del", "nope"))
		return 5;
	/* a late reply to an earlier command that timed out comes first */
	if (peer_puts(fd, "{\"return\": {}, \"id\": \"memhp-stale\"}\r\n"))
		return 5;
	if (peer_puts(fd, with_id("{\"error\": {\"class\": \"DeviceNotFound\", \"desc\": "
				  "\"Device 'nope' not found\"}}\r\n")))
		return 5;
	/* QEMU dies while a command runs */
	if (!peer_expect_execute(fd, "query-status", NULL))
		return 6;
	close(fd);
	return 0;
}

static void assert_size_event(struct json_object *ev, int64_t usec, int64_t size)
{
	assert_jstr(ev, "event", "MEMORY_DEVICE_SIZE_CHANGE");
	assert_jint(jget(ev, "timestamp"), "seconds", 1700000000);
	assert_jint(jget(ev, "timestamp"), "microseconds", usec);
	assert_jstr(jget(ev, "data"), "id", "vmem0");
	assert_jint(jget(ev, "data"), "size", size);
}

static void test_qmp_client(void **state)
{
	struct qmp_client c;
	struct json_object *reply, *events, *ret, *dev, *err;
	char errbuf[256] = "";

	(void)state;
	fake_start(serve_qmp);
	assert_int_equal(qmp_client_open(&c, peer.path, now() + 2, errbuf, sizeof(errbuf)), 0);
	events = qmp_client_take_events(&c);
	assert_int_equal(json_object_array_length(events), 0);
	json_object_put(events);

	assert_int_equal(
	    qmp_client_execute(&c, "{\"execute\": \"query-memory-devices\"}", now() + 2, &reply),
	    0);
	ret = jget(reply, "return");
	assert_true(json_object_is_type(ret, json_type_array));
	assert_int_equal(json_object_array_length(ret), 1);
	dev = json_object_array_get_idx(ret, 0);
	assert_jstr(dev, "type", "virtio-mem");
	assert_jstr(jget(dev, "data"), "id", "vmem0");
	assert_jint(jget(dev, "data"), "size", 2147483648LL);
	assert_jint(jget(dev, "data"), "memaddr", 5368709120LL);
	json_object_put(reply);

	events = qmp_client_take_events(&c);
	assert_int_equal(json_object_array_length(events), 2);
	assert_size_event(json_object_array_get_idx(events, 0), 100, 1073741824);
	assert_size_event(json_object_array_get_idx(events, 1), 200, 2147483648LL);
	json_object_put(events);
	events = qmp_client_take_events(&c);
	assert_int_equal(json_object_array_length(events), 0);
	json_object_put(events);

	assert_int_equal(qmp_client_execute(&c,
					    "{\"execute\": \"device_del\", \"arguments\": "
					    "{\"id\": \"d1\"}}",
					    now() + 2, &reply),
			 0);
	ret = jget(reply, "return");
	assert_true(json_object_is_type(ret, json_type_object));
	assert_int_equal(json_object_object_length(ret), 0);
	json_object_put(reply);

	/* The events come 30-60 ms after the reply. */
	assert_int_equal(qmp_client_pump(&c, now() + 0.2), 0);
	events = qmp_client_take_events(&c);
	assert_int_equal(json_object_array_length(events), 2);
	assert_jstr(json_object_array_get_idx(events, 0), "event", "ACPI_DEVICE_OST");
	assert_jstr(jget(jget(json_object_array_get_idx(events, 0), "data"), "info"), "device",
		    "d1");
	assert_jstr(json_object_array_get_idx(events, 1), "event", "DEVICE_DELETED");
	assert_jstr(jget(json_object_array_get_idx(events, 1), "data"), "device", "d1");
	json_object_put(events);

	assert_int_equal(qmp_client_execute(&c,
					    "{\"execute\": \"device_del\", \"arguments\": "
					    "{\"id\": \"nope\"}}",
					    now() + 2, &reply),
			 0);
	err = jget(reply, "error");
	assert_jstr(err, "class", "DeviceNotFound");
	assert_jstr(err, "desc", "Device 'nope' not found");
	json_object_put(reply);

	assert_int_equal(
	    qmp_client_execute(&c, "{\"execute\": \"query-status\"}", now() + 2, &reply),
	    -ECONNRESET);
	assert_null(reply);
	qmp_client_close(&c);
	assert_int_equal(c.fd, -1);
	assert_int_equal(fake_finish(), 0);
}

/* Events that arrive while the host only waits, and a peer that goes away
 * while the host pumps. */
static int serve_qmp_events_then_quit(int fd)
{
	if (qmp_handshake(fd))
		return 1;
	sleep_ms(30);
	if (peer_puts(fd, ev_size1))
		return 2;
	sleep_ms(100);
	if (peer_puts(fd, ev_size2))
		return 2;
	close(fd);
	return 0;
}

static void test_qmp_client_pump(void **state)
{
	struct qmp_client c;
	struct json_object *events;
	char errbuf[256] = "";

	(void)state;
	fake_start(serve_qmp_events_then_quit);
	assert_int_equal(qmp_client_open(&c, peer.path, now() + 2, errbuf, sizeof(errbuf)), 0);
	/* the deadline passes after the first event, before the second */
	assert_int_equal(qmp_client_pump(&c, now() + 0.08), 0);
	events = qmp_client_take_events(&c);
	assert_int_equal(json_object_array_length(events), 1);
	assert_size_event(json_object_array_get_idx(events, 0), 100, 1073741824);
	json_object_put(events);
	/* the second event, then the end of the connection */
	assert_int_equal(qmp_client_pump(&c, now() + 2), -ECONNRESET);
	events = qmp_client_take_events(&c);
	assert_int_equal(json_object_array_length(events), 1);
	assert_size_event(json_object_array_get_idx(events, 0), 200, 2147483648LL);
	json_object_put(events);
	qmp_client_close(&c);
	assert_int_equal(fake_finish(), 0);
}

static int serve_not_qmp(int fd)
{
	if (peer_puts(fd, "{\"return\": {}}\r\n"))
		return 1;
	return peer_at_eof(fd) ? 0 : 2;
}

static void test_qmp_client_not_qmp(void **state)
{
	struct qmp_client c;
	char errbuf[256] = "";

	(void)state;
	fake_start(serve_not_qmp);
	assert_int_equal(qmp_client_open(&c, peer.path, now() + 2, errbuf, sizeof(errbuf)),
			 -EPROTO);
	assert_non_null(strstr(errbuf, peer.path));
	qmp_client_close(&c);
	assert_int_equal(fake_finish(), 0);
}

static struct qmp_client dead_qmp;

static int execute_on_dead_qmp(void)
{
	struct json_object *reply;
	int ret = qmp_client_execute(&dead_qmp, "{\"execute\": \"quit\"}", now() + 1, &reply);

	return ret == -ECONNRESET || ret == -EPIPE ? 0 : 1;
}

static int serve_qmp_then_quit(int fd)
{
	if (qmp_handshake(fd))
		return 1;
	close(fd);
	return 0;
}

/* QEMU has exited (stop_qemu's "quit" races with its exit, a step after a
 * guest panic): execute reports it instead of killing memhp with SIGPIPE. */
static void test_qmp_client_dead_peer(void **state)
{
	char errbuf[256] = "";

	(void)state;
	fake_start(serve_qmp_then_quit);
	assert_int_equal(qmp_client_open(&dead_qmp, peer.path, now() + 2, errbuf, sizeof(errbuf)),
			 0);
	assert_int_equal(fake_finish(), 0);
	assert_exited_zero(in_child(execute_on_dead_qmp), "qmp_client_execute on a closed socket");
	qmp_client_close(&dead_qmp);
}

/* ---- unix_io ---- */

/* QEMU creates and listens on the socket a little after it starts. */
static void test_unix_connect_and_read(void **state)
{
	char dir[] = "/tmp/memhp-test-backend-XXXXXX", path[128];
	struct strbuf sb = {0};
	pid_t pid;
	int fd, status;

	(void)state;
	assert_non_null(mkdtemp(dir));
	snprintf(path, sizeof(path), "%s/sock", dir);
	/* nobody there */
	assert_int_equal(unix_connect(path, now() + 0.05), -ETIMEDOUT);

	fflush(NULL);
	pid = fork();
	assert_true(pid >= 0);
	if (!pid) {
		struct sockaddr_un addr = {.sun_family = AF_UNIX};
		int lfd = socket(AF_UNIX, SOCK_STREAM, 0), cfd;

		alarm(5);
		sleep_ms(60);
		strcpy(addr.sun_path, path);
		if (lfd < 0 || bind(lfd, (struct sockaddr *)&addr, sizeof(addr)) || listen(lfd, 1))
			_exit(1);
		cfd = accept(lfd, NULL, NULL);
		if (cfd < 0)
			_exit(2);
		sleep_ms(60);
		if (peer_puts(cfd, "hi\n"))
			_exit(3);
		_exit(0);
	}
	fd = unix_connect(path, now() + 2);
	assert_true(fd >= 0);
	assert_int_equal(read_some(fd, &sb, now() + 0.02), -ETIMEDOUT);
	assert_int_equal(sb.len, 0);
	assert_int_equal(read_some(fd, &sb, now() + 2), 3);
	assert_string_equal(sb.buf, "hi\n");
	assert_int_equal(read_some(fd, &sb, now() + 2), 0);
	assert_int_equal(sb.len, 3);
	close(fd);
	strbuf_release(&sb);
	assert_int_equal(waitpid(pid, &status, 0), pid);
	assert_true(WIFEXITED(status) && WEXITSTATUS(status) == 0);
	unlink(path);
	rmdir(dir);
}

/* ---- 7. qemu_backend: runs that end before the guest is up ---- */

/* An executable shell script dir/name with body; path receives it. */
static void write_script(const char *dir, const char *name, const char *body, char *path,
			 size_t len)
{
	FILE *f;

	snprintf(path, len, "%s/%s", dir, name);
	f = fopen(path, "w");
	assert_non_null(f);
	fprintf(f, "#!/bin/sh\n%s", body);
	assert_int_equal(fclose(f), 0);
	assert_int_equal(chmod(path, 0755), 0);
}

/* Runs a one-step scenario with a fake guest-kernel.sh and the given QEMU. */
static struct json_object *qemu_run_until_boot(const char *qemu, char *err, size_t errlen,
					       int *ret)
{
	char dir[] = "/tmp/memhp-test-qemu-XXXXXX", script[128];
	struct qemu_backend_options opts = {.version = MEMHP_KERNEL_6_1,
					    .kernel_script = script};
	struct json_object *result = NULL;
	struct scenario *sc;

	assert_non_null(mkdtemp(dir));
	write_script(dir, "guest-kernel.sh",
		     "echo KERNEL=/nonexistent/vmlinuz\necho INITRD=/nonexistent/initrd\n"
		     "echo RELEASE=6.1.0-test\necho PACKAGE=linux-image-test\n",
		     script, sizeof(script));
	opts.qemu = qemu;
	assert_int_equal(
	    scenario_parse_string("t.scn", "guest: cat /proc/meminfo\n", &sc, err, errlen), 0);
	*ret = qemu_backend_run(sc, &opts, &result, err, errlen);
	scenario_free(sc);
	tu_rm_rf(dir);
	assert_non_null(result);
	return result;
}

/* No QEMU: status "error" with the reason, the kernel the script named. */
static void test_qemu_backend_no_qemu(void **state)
{
	struct json_object *r;
	char err[1024];
	int ret;

	(void)state;
	r = qemu_run_until_boot("/nonexistent/qemu-system-x86_64", err, sizeof(err), &ret);
	assert_int_equal(ret, -ENOENT);
	tu_assert_keys(r, "scenario kernel backend kernel_release kernel_package status error "
			  "steps snapshots");
	assert_jstr(r, "kernel", "6.1");
	assert_jstr(r, "backend", "qemu");
	assert_jstr(r, "kernel_release", "6.1.0-test");
	assert_jstr(r, "kernel_package", "linux-image-test");
	assert_jstr(r, "status", "error");
	assert_jstr(r, "error",
		    "/nonexistent/qemu-system-x86_64 not found (Debian package qemu-system-x86)");
	assert_string_equal(err, json_object_get_string(jget(r, "error")));
	assert_int_equal(json_object_array_length(jget(r, "steps")), 0);
	json_object_put(r);
}

/* A QEMU that refuses its options: its message ends the run. */
static void test_qemu_backend_qemu_exits(void **state)
{
	char dir[] = "/tmp/memhp-test-qemu-XXXXXX", qemu[128], err[1024];
	struct json_object *r;
	int ret;

	(void)state;
	assert_non_null(mkdtemp(dir));
	write_script(dir, "qemu", "echo 'qemu: bad option' >&2\nexit 1\n", qemu, sizeof(qemu));
	r = qemu_run_until_boot(qemu, err, sizeof(err), &ret);
	tu_rm_rf(dir);
	assert_int_equal(ret, -EIO);
	assert_jstr(r, "status", "error");
	assert_jstr(r, "error", "starting QEMU: QEMU exited with status 1: qemu: bad option\n");
	json_object_put(r);
}

#define T(f)  cmocka_unit_test(f)
#define TP(f) cmocka_unit_test_teardown(f, fake_teardown)

int main(void)
{
	const struct CMUnitTest tests[] = {
	    T(test_capture_parse),
	    T(test_capture_parse_empty),
	    T(test_capture_parse_malformed),
	    T(test_capture_snapshot),
	    T(test_capture_snapshot_empty),
	    T(test_zoneinfo_parse),
	    T(test_capture_write),
	    T(test_capture_write_twice),
	    T(test_capture_write_error),
	    T(test_unix_connect_and_read),
	    TP(test_guest_channel),
	    TP(test_guest_channel_ready),
	    TP(test_guest_channel_nul_noise),
	    TP(test_guest_channel_dead_peer),
	    TP(test_qmp_client),
	    TP(test_qmp_client_pump),
	    TP(test_qmp_client_not_qmp),
	    TP(test_qmp_client_dead_peer),
	    T(test_qemu_backend_no_qemu),
	    T(test_qemu_backend_qemu_exits),
	};

	/* cmocka's own process is the test runner: a SIGPIPE must not end it
	 * (the dead-peer tests run the code in a child with SIGPIPE default). */
	signal(SIGPIPE, SIG_IGN);
	return cmocka_run_group_tests(tests, NULL, NULL);
}
