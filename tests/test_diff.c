/* Unit tests for run_diff: comparing two run JSON objects on the fields
 * scenario-format.md compares with the real kernel.
 *
 * The JSON texts below use ' for " to stay readable; every expected count
 * follows from the comparison rules (one difference per differing field,
 * step, block, zone, event or snapshot). */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>
#include <json-c/json.h>

#include "run_diff.h"
#include "run_json.h"
#include "strbuf.h"

#define A "model"
#define B "6.12 kernel"

/* A run with the given steps and snapshots (JSON array contents). */
#define RUN(steps, snaps)                                                                          \
	"{'scenario': 't', 'kernel': '6.12', 'status': 'ok', 'steps': [" steps                     \
	"], 'snapshots': [" snaps "]}"

#define HOST_STEP(idx, line, resp)                                                                 \
	"{'index': " #idx ", 'lineno': " #line ", 'line': 'host: x', 'kind': 'host', "             \
	"'response': " resp "}"
#define GUEST_STEP(idx, line, rc, out, err)                                                        \
	"{'index': " #idx ", 'lineno': " #line ", 'line': 'guest: x', 'kind': 'guest', "           \
	"'rc': " #rc ", 'stdout': '" out "', 'stderr': '" err "'}"
#define SETTLE_STEP(idx, line, notes)                                                              \
	"{'index': " #idx ", 'lineno': " #line ", 'line': 'settle', 'kind': 'settle', "            \
	"'settled': true, 'notes': [" notes "]}"
#define SNAP_STEP(idx, line, label)                                                                \
	"{'index': " #idx ", 'lineno': " #line ", 'line': 'snapshot " label "', "                  \
	"'kind': 'snapshot', 'label': '" label "'}"

#define BLOCK(id, state, zones)                                                                    \
	"{'id': " #id ", 'state': '" state "', 'online': 0, 'phys_index': " #id                    \
	", 'removable': 1, 'node': 0, 'valid_zones': '" zones "', 'zone': null}"
#define ZONE(node, zone, start, spanned, present, managed)                                         \
	"{'node': " #node ", 'zone': '" zone "', 'start_pfn': " #start ", 'spanned': " #spanned    \
	", 'present': " #present ", 'managed': " #managed "}"
#define SNAP(label, blocks, zones)                                                                 \
	"{'label': '" label "', 'step': 3, 'block_size_bytes': 134217728, "                        \
	"'auto_online_blocks': 'offline', 'params': {'online_policy': 'contig-zones', "            \
	"'auto_movable_ratio': '301', 'auto_movable_numa_aware': 'Y', "                            \
	"'memmap_on_memory': 'N'}, 'blocks': [" blocks "], 'zoneinfo': [" zones "], "              \
	"'memory_devices': []}"

#define EVENT(name, data, ts)                                                                      \
	"'event {\\'event\\': \\'" name "\\', \\'data\\': " data                                   \
	", \\'timestamp\\': {\\'seconds\\': " #ts ", \\'microseconds\\': 0}}'"

/* A complete run using every step kind. */
#define FULL_HOST   HOST_STEP(0, 10, "{'return': {}}")
#define FULL_GUEST  GUEST_STEP(1, 11, 0, "memory40 offline\\nmemory41 offline\\n", "")
#define FULL_EVENT  EVENT("ACPI_DEVICE_OST", "{\\'info\\': {\\'slot\\': \\'0\\'}}", 1)
#define FULL_SETTLE SETTLE_STEP(2, 12, FULL_EVENT ",'note'")
#define FULL_STEPS  FULL_HOST "," FULL_GUEST "," FULL_SETTLE "," SNAP_STEP(3, 13, "after-add")
#define FULL_SNAP                                                                                  \
	SNAP("after-add",                                                                          \
	     BLOCK(40, "offline", "Normal Movable") "," BLOCK(41, "offline", "Movable"),           \
	     ZONE(0, "DMA", 1, 4095, 3998, 3840) "," ZONE(0, "Normal", 1048576, 262144, 262144,    \
							  null))
#define FULL RUN(FULL_STEPS, FULL_SNAP)

static struct json_object *parse(const char *text)
{
	char *s = strdup(text);
	struct json_object *o;

	assert_non_null(s);
	for (char *p = s; *p; p++)
		if (*p == '\'')
			*p = '"';
	o = json_tokener_parse(s);
	if (!o)
		fail_msg("test JSON does not parse: %s", s);
	free(s);
	return o;
}

/* run_diff on two texts; the output in *out (caller frees). */
static int diff_out(const char *ta, const char *tb, char **out)
{
	struct json_object *a = parse(ta), *b = parse(tb);
	struct strbuf sb = {0};
	int ret = run_diff(a, b, A, B, &sb);

	assert_int_equal(strbuf_detach(&sb, out), 0);
	json_object_put(a);
	json_object_put(b);
	return ret;
}

static size_t count_lines(const char *s)
{
	size_t n = 0;

	for (; *s; s++)
		n += *s == '\n';
	return n;
}

/* Every difference is one line. */
static void expect(const char *ta, const char *tb, int n)
{
	char *out;
	int ret = diff_out(ta, tb, &out);

	if (ret != n)
		fail_msg("expected %d differences, got %d:\n%s", n, ret, out);
	assert_int_equal(count_lines(out), n);
	free(out);
}

/* As expect(), and the output contains each of the NULL-terminated strings. */
static void expect_with(const char *ta, const char *tb, int n, ...)
{
	char *out;
	int ret = diff_out(ta, tb, &out);
	va_list ap;
	const char *want;

	if (ret != n)
		fail_msg("expected %d differences, got %d:\n%s", n, ret, out);
	assert_int_equal(count_lines(out), n);
	va_start(ap, n);
	while ((want = va_arg(ap, const char *)))
		if (!strstr(out, want))
			fail_msg("output lacks '%s':\n%s", want, out);
	va_end(ap);
	free(out);
}

static void test_identical(void **state)
{
	struct json_object *full = parse(FULL);
	char *out;

	(void)state;
	/* The fixture is what it claims to be: four steps, one snapshot. */
	assert_int_equal(json_object_array_length(json_object_object_get(full, "steps")), 4);
	assert_int_equal(json_object_array_length(json_object_object_get(full, "snapshots")), 1);
	json_object_put(full);
	assert_int_equal(diff_out(FULL, FULL, &out), 0);
	assert_string_equal(out, "");
	free(out);
}

static void test_top_level(void **state)
{
	(void)state;
	/* Only scenario and status are compared at the top level. */
	expect("{'scenario': 't', 'status': 'ok', 'kernel': '6.1', 'backend': 'model'}",
	       "{'scenario': 't', 'status': 'ok', 'kernel': '6.12', 'kernel_release': '6.12.9', "
	       "'error': 'x', 'console': 'boot log'}",
	       0);
	expect_with("{'scenario': 'one', 'status': 'ok'}", "{'scenario': 'two', 'status': 'ok'}", 1,
		    "scenario: \"one\" (" A ") != \"two\" (" B ")", NULL);
	/* A differing name does not stop the comparison of the rest. */
	expect("{'scenario': 'one', 'status': 'ok'}", "{'scenario': 'two', 'status': 'error'}", 2);
}

static void test_not_a_run(void **state)
{
	struct json_object *run = parse(FULL);
	const char *bad[] = {"[]",
			     "42",
			     "'ok'",
			     "{}",
			     "{'scenario': 't'}",
			     "{'status': 'ok', 'steps': {}}",
			     "{'status': 'ok', 'snapshots': 1}",
			     "{'status': 1}"};
	struct strbuf sb = {0};

	(void)state;
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		struct json_object *o = parse(bad[i]);

		assert_int_equal(run_diff(run, o, A, B, &sb), -EINVAL);
		assert_int_equal(run_diff(o, run, A, B, &sb), -EINVAL);
		json_object_put(o);
	}
	assert_int_equal(run_diff(NULL, run, A, B, &sb), -EINVAL);
	assert_int_equal(run_diff(run, NULL, A, B, &sb), -EINVAL);
	assert_int_equal(sb.len, 0);
	strbuf_release(&sb);
	json_object_put(run);
}

static void test_guest_stderr_ignored(void **state)
{
	(void)state;
	expect(RUN(GUEST_STEP(0, 5, 1, "", "sh: write error: Invalid argument\\n"), ""),
	       RUN(GUEST_STEP(0, 5, 1, "", "sh: write error: Device or resource busy\\n"), ""), 0);
}

static void test_guest_stdout(void **state)
{
	(void)state;
	/* Lines 1 and 3 agree, line 2 differs: only line 2 is named. */
	expect_with(RUN(GUEST_STEP(4, 17, 0, "memory40 offline\\nmemory41 offline\\nx\\n", ""), ""),
		    RUN(GUEST_STEP(4, 17, 0, "memory40 offline\\nmemory41 online\\nx\\n", ""), ""),
		    1, "step 4 (line 17, guest): stdout line 2: ", "\"memory41 offline\" (" A ")",
		    "\"memory41 online\" (" B ")", NULL);
	/* One side has an extra line. */
	expect_with(RUN(GUEST_STEP(0, 3, 0, "a\\nb\\n", ""), ""),
		    RUN(GUEST_STEP(0, 3, 0, "a\\nb\\nc\\n", ""), ""), 1,
		    "stdout line 3: ", "\"c\" (" B ")", NULL);
	/* Only the final newline differs. */
	expect_with(RUN(GUEST_STEP(0, 3, 0, "a\\nb", ""), ""),
		    RUN(GUEST_STEP(0, 3, 0, "a\\nb\\n", ""), ""), 1, "stdout line 2: ", NULL);
	/* rc and stdout are two differences. */
	expect_with(RUN(GUEST_STEP(0, 3, 0, "a\\n", ""), ""),
		    RUN(GUEST_STEP(0, 3, 1, "b\\n", ""), ""), 2, "rc: 0 (" A ") != 1 (" B ")",
		    NULL);
}

static void test_steps_matched_by_index(void **state)
{
	(void)state;
	/* The same steps in another array order are equal. */
	expect(RUN(GUEST_STEP(0, 3, 0, "a", "") "," GUEST_STEP(1, 4, 0, "b", ""), ""),
	       RUN(GUEST_STEP(1, 4, 0, "b", "") "," GUEST_STEP(0, 3, 0, "a", ""), ""), 0);
	/* A step on one side only, on either side. */
	expect_with(RUN(GUEST_STEP(0, 3, 0, "a", "") "," GUEST_STEP(7, 20, 0, "b", ""), ""),
		    RUN(GUEST_STEP(0, 3, 0, "a", ""), ""), 1,
		    "step 7 (line 20): missing in " B "\n", NULL);
	expect_with(RUN(GUEST_STEP(0, 3, 0, "a", ""), ""),
		    RUN(GUEST_STEP(0, 3, 0, "a", "") "," GUEST_STEP(7, 20, 0, "b", ""), ""), 1,
		    "step 7 (line 20): missing in " A "\n", NULL);
	/* Kinds must agree. */
	expect_with(RUN(GUEST_STEP(2, 9, 0, "a", ""), ""),
		    RUN(HOST_STEP(2, 9, "{'return': {}}"), ""), 1,
		    "step 2 (line 9): kind: \"guest\" (" A ") != \"host\" (" B ")", NULL);
}

static void test_host_response(void **state)
{
	(void)state;
	/* Member order does not matter. */
	expect(RUN(HOST_STEP(3, 12, "{'error': {'class': 'GenericError', 'desc': 'foo'}}"), ""),
	       RUN(HOST_STEP(3, 12, "{'error': {'desc': 'foo', 'class': 'GenericError'}}"), ""), 0);
	expect_with(
	    RUN(HOST_STEP(3, 12, "{'error': {'class': 'GenericError', 'desc': 'foo'}}"), ""),
	    RUN(HOST_STEP(3, 12, "{'error': {'desc': 'bar', 'class': 'GenericError'}}"), ""), 1,
	    "step 3 (line 12, host): response.error.desc: \"foo\" (" A ") != \"bar\" (" B ")",
	    NULL);
	/* Array order does. */
	expect_with(RUN(HOST_STEP(0, 1, "{'return': [{'a': 1}, {'a': 2}]}"), ""),
		    RUN(HOST_STEP(0, 1, "{'return': [{'a': 2}, {'a': 1}]}"), ""), 1,
		    "response.return[0].a: 1 (" A ") != 2 (" B ")", NULL);
	/* A member on one side only. */
	expect_with(RUN(HOST_STEP(0, 1, "{'return': {}}"), ""),
		    RUN(HOST_STEP(0, 1, "{'error': {'class': 'GenericError', 'desc': 'x'}}"), ""),
		    1, "step 0 (line 1, host): response.", NULL);
}

static void test_numbers_by_value(void **state)
{
	struct json_object *a = parse(RUN(HOST_STEP(0, 1, "{'return': {'size': 0}}"), ""));
	struct json_object *b = parse(RUN(HOST_STEP(0, 1, "{'return': {'size': 0}}"), ""));
	struct json_object *ra, *rb;
	struct strbuf sb = {0};

	(void)state;
	ra = json_object_object_get(
	    json_object_object_get(json_object_array_get_idx(json_object_object_get(a, "steps"), 0),
				   "response"),
	    "return");
	rb = json_object_object_get(
	    json_object_object_get(json_object_array_get_idx(json_object_object_get(b, "steps"), 0),
				   "response"),
	    "return");
	/* The same value as int64 and as uint64. */
	json_object_object_add(ra, "size", json_object_new_int64(1073741824));
	json_object_object_add(rb, "size", json_object_new_uint64(1073741824));
	assert_int_equal(run_diff(a, b, A, B, &sb), 0);
	/* A uint64 beyond INT64_MAX is not INT64_MAX. */
	json_object_object_add(ra, "size", json_object_new_int64(INT64_MAX));
	json_object_object_add(rb, "size", json_object_new_uint64((uint64_t)INT64_MAX + 1));
	assert_int_equal(run_diff(a, b, A, B, &sb), 1);
	json_object_object_add(ra, "size", json_object_new_uint64(UINT64_MAX));
	json_object_object_add(rb, "size", json_object_new_uint64(UINT64_MAX));
	assert_int_equal(run_diff(a, b, A, B, &sb), 0);
	/* -1 is not UINT64_MAX. */
	json_object_object_add(ra, "size", json_object_new_int64(-1));
	assert_int_equal(run_diff(a, b, A, B, &sb), 1);
	strbuf_release(&sb);
	json_object_put(a);
	json_object_put(b);
}

static void test_settle_events(void **state)
{
	(void)state;
	/* Timestamps and notes other than events are not compared. */
	expect(
	    RUN(SETTLE_STEP(2, 8,
			    EVENT("DEVICE_DELETED", "{\\'device\\': \\'d1\\'}", 5) ",'eject done'"),
		""),
	    RUN(SETTLE_STEP(2, 8, EVENT("DEVICE_DELETED", "{\\'device\\': \\'d1\\'}", 17)), ""), 0);
	/* Data differs. */
	expect_with(
	    RUN(SETTLE_STEP(2, 8, EVENT("DEVICE_DELETED", "{\\'device\\': \\'d1\\'}", 5)), ""),
	    RUN(SETTLE_STEP(2, 8, EVENT("DEVICE_DELETED", "{\\'device\\': \\'d2\\'}", 5)), ""), 1,
	    "step 2 (line 8, settle): event 1: DEVICE_DELETED {\"device\":\"d1\"} (" A
	    ") != DEVICE_DELETED {\"device\":\"d2\"} (" B ")",
	    NULL);
	/* One event missing in the middle: only that one is a difference. */
	expect_with(
	    RUN(SETTLE_STEP(2, 8,
			    EVENT("E1", "{}", 1) "," EVENT("E2", "{}", 2) "," EVENT("E3", "{}", 3)),
		""),
	    RUN(SETTLE_STEP(2, 8, EVENT("E1", "{}", 1) "," EVENT("E3", "{}", 3)), ""), 1, "E2",
	    "missing in " B, NULL);
	/* Unmatched events with the same name are paired as one difference,
	 * the others are missing on the other side. */
	expect_with(RUN(SETTLE_STEP(2, 8,
				    EVENT("DEVICE_DELETED", "{\\'device\\': \\'d1\\'}",
					  1) "," EVENT("E2", "{}", 2)),
			""),
		    RUN(SETTLE_STEP(2, 8,
				    EVENT("E0", "{}", 1) "," EVENT("DEVICE_DELETED",
								   "{\\'device\\': \\'d2\\'}", 2)),
			""),
		    3, "DEVICE_DELETED {\"device\":\"d1\"} (" A ") != DEVICE_DELETED",
		    "E2 {} (" A "): missing in " B, "E0 {} (" B "): missing in " A, NULL);
	/* Multiset: a repeated event counts twice. */
	expect(RUN(SETTLE_STEP(2, 8, EVENT("E1", "{}", 1) "," EVENT("E1", "{}", 2)), ""),
	       RUN(SETTLE_STEP(2, 8, ""), ""), 2);
	/* Order matters. */
	expect(RUN(SETTLE_STEP(2, 8, EVENT("E1", "{}", 1) "," EVENT("E2", "{}", 2)), ""),
	       RUN(SETTLE_STEP(2, 8, EVENT("E2", "{}", 1) "," EVENT("E1", "{}", 2)), ""), 2);
	/* settled is compared. */
	expect_with(RUN(SETTLE_STEP(2, 8, ""), ""),
		    "{'scenario': 't', 'status': 'ok', 'steps': [{'index': 2, 'lineno': 8, 'kind': "
		    "'settle', 'settled': false, 'notes': []}]}",
		    1, "settled: true (" A ") != false (" B ")", NULL);
}

/* A MEMORY_DEVICE_SIZE_CHANGE event of a device /machine/peripheral/ID. */
#define SIZE_EVENT(id, size, ts)                                                                   \
	EVENT("MEMORY_DEVICE_SIZE_CHANGE",                                                         \
	      "{\\'id\\': \\'" id "\\', \\'size\\': " #size                                        \
	      ", \\'qom-path\\': \\'/machine/peripheral/" id "\\'}",                               \
	      ts)

/* A settle step with these notes and virtio-mem devices. */
#define VMEM_SETTLE(notes, devices)                                                                \
	"{'index': 2, 'lineno': 8, 'line': 'settle', 'kind': 'settle', 'settled': true, "          \
	"'notes': [" notes "], 'devices': [" devices "]}"
#define DEVICE(id, size, req, why)                                                                 \
	"{'id': '" id "', 'size': " #size ", 'requested-size': " #req why "}"

static void test_size_change_events(void **state)
{
	(void)state;
	/* virtio-mem.md §5: growing 0 -> 16 GiB gave 128 MiB, 13.5 GiB and
	 * 16 GiB under QEMU's rate limit; a run that saw only the final size
	 * agrees, since only the last event per qom-path counts. */
	expect(RUN(VMEM_SETTLE(SIZE_EVENT("vm0", 134217728, 1) "," SIZE_EVENT(
				   "vm0", 14495514624, 2) "," SIZE_EVENT("vm0", 17179869184, 3),
			       ""),
		   ""),
	       RUN(VMEM_SETTLE(SIZE_EVENT("vm0", 17179869184, 1), ""), ""), 0);
	/* The final sizes differ (checklist 112: 15 GiB after shrinking). */
	expect_with(
	    RUN(VMEM_SETTLE(SIZE_EVENT("vm0", 17045651456, 1) "," SIZE_EVENT("vm0", 16106127360, 2),
			    ""),
		""),
	    RUN(VMEM_SETTLE(SIZE_EVENT("vm0", 17179869184, 1), ""), ""), 1,
	    "event 2 in " A ", 1 in " B ": MEMORY_DEVICE_SIZE_CHANGE", "16106127360", NULL);
	/* Per qom-path: two devices' events interleave; the last of each is
	 * kept, in the order they came. */
	expect(RUN(VMEM_SETTLE(SIZE_EVENT("vm0", 134217728, 1) "," SIZE_EVENT(
				   "vm1", 134217728,
				   1) "," SIZE_EVENT("vm0", 8589934592,
						     2) "," SIZE_EVENT("vm1", 4294967296, 2),
			       ""),
		   ""),
	       RUN(VMEM_SETTLE(
		       SIZE_EVENT("vm0", 8589934592, 1) "," SIZE_EVENT("vm1", 4294967296, 2), ""),
		   ""),
	       0);
	/* A device whose size changed on one side only. */
	expect_with(RUN(VMEM_SETTLE(SIZE_EVENT("vm0", 134217728, 1) "," SIZE_EVENT(
					"vm1", 134217728, 1) "," SIZE_EVENT("vm1", 1073741824, 2),
				    ""),
			""),
		    RUN(VMEM_SETTLE(SIZE_EVENT("vm1", 1073741824, 1), ""), ""), 1,
		    "event 1: MEMORY_DEVICE_SIZE_CHANGE", "missing in " B, NULL);
	/* Other events are still compared one by one. */
	expect(RUN(VMEM_SETTLE(EVENT("E1", "{}", 1) "," SIZE_EVENT("vm0", 134217728, 1) "," EVENT(
				   "E1", "{}", 2) "," SIZE_EVENT("vm0", 1073741824, 2),
			       ""),
		   ""),
	       RUN(VMEM_SETTLE(EVENT("E1", "{}", 1) "," SIZE_EVENT("vm0", 1073741824, 2), ""), ""),
	       1);
}

static void test_settle_devices(void **state)
{
	(void)state;
	/* Equal, whatever each side says about why a device is short of its
	 * request (checklist 109: 1 GiB of 2 GiB, the offline threshold). */
	expect(RUN(VMEM_SETTLE("", DEVICE("vm0", 1073741824, 2147483648,
					  ", 'why': 'no size change for 3 s'")),
		   ""),
	       RUN(VMEM_SETTLE("", DEVICE("vm0", 1073741824, 2147483648,
					  ", 'why': 'offline threshold: 1 GiB offline'")),
		   ""),
	       0);
	/* size, requested-size and id are compared. */
	expect_with(RUN(VMEM_SETTLE("", DEVICE("vm0", 1073741824, 2147483648, "")), ""),
		    RUN(VMEM_SETTLE("", DEVICE("vm0", 1610612736, 2147483648, "")), ""), 1,
		    "step 2 (line 8, settle): devices[0].size: 1073741824 (" A ") != 1610612736 (" B
		    ")",
		    NULL);
	expect_with(RUN(VMEM_SETTLE("", DEVICE("vm0", 1140850688, 1140850688, "")), ""),
		    RUN(VMEM_SETTLE("", DEVICE("vm0", 1140850688, 1207959552, "")), ""), 1,
		    "devices[0].requested-size", NULL);
	expect_with(RUN(VMEM_SETTLE("", DEVICE("vm0", 0, 0, "") "," DEVICE("vm1", 0, 0, "")), ""),
		    RUN(VMEM_SETTLE("", DEVICE("vm1", 0, 0, "") "," DEVICE("vm0", 0, 0, "")), ""),
		    2, "devices[0].id: \"vm0\" (" A ") != \"vm1\" (" B ")", NULL);
	/* A device on one side only. */
	expect_with(RUN(VMEM_SETTLE("", DEVICE("vm0", 0, 0, "") "," DEVICE("vm1", 0, 0, "")), ""),
		    RUN(VMEM_SETTLE("", DEVICE("vm0", 0, 0, "")), ""), 1,
		    "devices[1]: {\"id\":\"vm1\",\"size\":0,\"requested-size\":0} (" A
		    ") != missing (" B ")",
		    NULL);
	/* No "devices" (a machine without virtio-mem) equals none. */
	expect(RUN(SETTLE_STEP(2, 8, ""), ""), RUN(VMEM_SETTLE("", ""), ""), 0);
}

static void test_snapshot_step_label(void **state)
{
	(void)state;
	expect_with(RUN(SNAP_STEP(3, 13, "one"), ""), RUN(SNAP_STEP(3, 13, "two"), ""), 1,
		    "step 3 (line 13, snapshot): label: ", NULL);
}

static void test_block_differences(void **state)
{
	(void)state;
	expect_with(
	    RUN("",
		SNAP("s", BLOCK(40, "offline", "Movable") "," BLOCK(41, "offline", "Movable"), "")),
	    RUN("",
		SNAP("s", BLOCK(40, "offline", "Movable") "," BLOCK(41, "online", "Movable"), "")),
	    1, "snapshot s: block 41: state: \"offline\" (" A ") != \"online\" (" B ")", NULL);
	expect_with(RUN("", SNAP("after-add", BLOCK(40, "offline", "Movable"), "")),
		    RUN("", SNAP("after-add", BLOCK(40, "offline", "Normal Movable"), "")), 1,
		    "snapshot after-add: block 40: valid_zones: \"Movable\" (" A
		    ") != \"Normal Movable\" (" B ")",
		    NULL);
	/* Two fields of one block, and a block on one side only. */
	expect_with(
	    RUN("",
		SNAP("s", BLOCK(40, "offline", "Movable") "," BLOCK(42, "offline", "Movable"), "")),
	    RUN("", SNAP("s", BLOCK(40, "online", "Normal"), "")), 3,
	    "snapshot s: block 42: missing in " B, NULL);
	/* Blocks are matched by id, not by position. */
	expect(RUN("", SNAP("s", BLOCK(40, "offline", "Movable") "," BLOCK(41, "online", "Normal"),
			    "")),
	       RUN("", SNAP("s", BLOCK(41, "online", "Normal") "," BLOCK(40, "offline", "Movable"),
			    "")),
	       0);
}

static void test_output_cap(void **state)
{
	struct strbuf ta = {0}, tb = {0};
	char *out;
	const char *last;
	int n = RUN_DIFF_MAX_LINES + 50;

	(void)state;
	strbuf_add(&ta,
		   "{'scenario': 't', 'status': 'ok', 'snapshots': [{'label': 's', 'blocks': [");
	strbuf_add(&tb, ta.buf);
	for (int i = 0; i < n; i++) {
		strbuf_addf(&ta, "%s{'id': %d, 'state': 'offline'}", i ? "," : "", i);
		strbuf_addf(&tb, "%s{'id': %d, 'state': 'online'}", i ? "," : "", i);
	}
	strbuf_add(&ta, "]}]}");
	strbuf_add(&tb, "]}]}");
	assert_false(ta.oom || tb.oom);
	/* Every difference is counted, RUN_DIFF_MAX_LINES are shown. */
	assert_int_equal(diff_out(ta.buf, tb.buf, &out), n);
	assert_int_equal(count_lines(out), RUN_DIFF_MAX_LINES + 1);
	last = strrchr(out, '\n');
	while (last > out && last[-1] != '\n')
		last--;
	assert_string_equal(last, "... 50 more differences\n");
	free(out);
	strbuf_release(&ta);
	strbuf_release(&tb);
}

static void test_zones(void **state)
{
	(void)state;
	/* An empty zone listed on one side only is not a difference. */
	expect(RUN("", SNAP("s", "", ZONE(0, "Normal", 1048576, 262144, 262144, 250000))),
	       RUN("", SNAP("s", "",
			    ZONE(0, "Normal", 1048576, 262144, 262144,
				 250000) "," ZONE(0, "Device", 0, 0, 0, 0))),
	       0);
	/* A non-empty one is. */
	expect_with(RUN("", SNAP("s", "", ZONE(0, "Normal", 1048576, 262144, 262144, 250000))),
		    RUN("", SNAP("s", "",
				 ZONE(0, "Normal", 1048576, 262144, 262144, 250000) "," ZONE(
				     0, "Movable", 1310720, 32768, 32768, 32768))),
		    1, "snapshot s: node 0 zone Movable: missing in " A, NULL);
	/* spanned without present still counts. */
	expect(RUN("", SNAP("s", "", ZONE(1, "Movable", 1310720, 32768, 0, 0))),
	       RUN("", SNAP("s", "", "")), 1);
	/* managed: compared only when both are numbers. */
	expect(RUN("", SNAP("s", "", ZONE(0, "Normal", 1048576, 262144, 262144, null))),
	       RUN("", SNAP("s", "", ZONE(0, "Normal", 1048576, 262144, 262144, 250000))), 0);
	expect_with(RUN("", SNAP("s", "", ZONE(0, "Normal", 1048576, 262144, 262144, 250001))),
		    RUN("", SNAP("s", "", ZONE(0, "Normal", 1048576, 262144, 262144, 250000))), 1,
		    "snapshot s: node 0 zone Normal: managed: 250001 (" A ") != 250000 (" B ")",
		    NULL);
	/* start_pfn, spanned and present each. */
	expect(RUN("", SNAP("s", "", ZONE(0, "Normal", 1048576, 262144, 262144, 1))),
	       RUN("", SNAP("s", "", ZONE(0, "Normal", 1048575, 262145, 262143, 1))), 3);
	/* Matched by (node, zone), not by position. */
	expect(RUN("", SNAP("s", "", ZONE(0, "DMA", 1, 2, 3, 4) "," ZONE(1, "DMA", 5, 6, 7, 8))),
	       RUN("", SNAP("s", "", ZONE(1, "DMA", 5, 6, 7, 8) "," ZONE(0, "DMA", 1, 2, 3, 4))),
	       0);
}

static void test_snapshot_fields(void **state)
{
	(void)state;
	expect_with("{'status': 'ok', 'snapshots': [{'label': 's', 'block_size_bytes': 134217728, "
		    "'auto_online_blocks': 'offline'}]}",
		    "{'status': 'ok', 'snapshots': [{'label': 's', 'block_size_bytes': 268435456, "
		    "'auto_online_blocks': 'online'}]}",
		    2, "snapshot s: block_size_bytes: 134217728 (" A ") != 268435456 (" B ")",
		    "snapshot s: auto_online_blocks: ", NULL);
	/* params: null and missing are equal; a value and missing are not. */
	expect("{'status': 'ok', 'snapshots': [{'label': 's', 'params': {'a': null}}]}",
	       "{'status': 'ok', 'snapshots': [{'label': 's', 'params': {'b': null}}]}", 0);
	expect_with(
	    "{'status': 'ok', 'snapshots': [{'label': 's', 'params': {'a': 'Y'}}]}",
	    "{'status': 'ok', 'snapshots': [{'label': 's', 'params': {'a': 'Y', 'b': '1'}}]}", 1,
	    "snapshot s: params.b: missing (" A ") != \"1\" (" B ")", NULL);
	expect("{'status': 'ok', 'snapshots': [{'label': 's', 'params': {'a': 'Y', 'b': 'N'}}]}",
	       "{'status': 'ok', 'snapshots': [{'label': 's', 'params': {'a': 'N', 'b': 'Y'}}]}",
	       2);
	/* memory_devices: deep equality, member order ignored. */
	expect("{'status': 'ok', 'snapshots': [{'label': 's', 'memory_devices': "
	       "[{'type': 'dimm', 'data': {'id': 'd1', 'size': 134217728}}]}]}",
	       "{'status': 'ok', 'snapshots': [{'label': 's', 'memory_devices': "
	       "[{'data': {'size': 134217728, 'id': 'd1'}, 'type': 'dimm'}]}]}",
	       0);
	expect_with(
	    "{'status': 'ok', 'snapshots': [{'label': 's', 'memory_devices': "
	    "[{'type': 'dimm', 'data': {'id': 'd1', 'size': 134217728}}]}]}",
	    "{'status': 'ok', 'snapshots': [{'label': 's', 'memory_devices': "
	    "[{'type': 'dimm', 'data': {'id': 'd1', 'size': 268435456}}]}]}",
	    1, "snapshot s: memory_devices[0].data.size: 134217728 (" A ") != 268435456 (" B ")",
	    NULL);
}

static void test_snapshot_labels(void **state)
{
	(void)state;
	/* A snapshot on one side only. */
	expect_with(RUN("", SNAP("boot", "", "") "," SNAP("after-add", "", "")),
		    RUN("", SNAP("boot", "", "")), 1, "snapshot after-add: missing in " B "\n",
		    NULL);
	expect_with(RUN("", SNAP("boot", "", "")),
		    RUN("", SNAP("boot", "", "") "," SNAP("after-add", "", "")), 1,
		    "snapshot after-add: missing in " A "\n", NULL);
	/* Matched by label, not by position. */
	expect(RUN("", SNAP("boot", BLOCK(0, "online", "Normal"), "") "," SNAP("x", "", "")),
	       RUN("", SNAP("x", "", "") "," SNAP("boot", BLOCK(0, "online", "Normal"), "")), 0);
}

/* One JSON document per file: what follows it, a truncated or malformed
 * document, and NUL bytes are reported at FILE:LINE:COLUMN (memhp diff used
 * to accept trailing text and gave no position for a truncated file). */
static void test_json_document(void **state)
{
	static const struct {
		const char *text;
		size_t len;	 /* 0: strlen(text) */
		const char *msg; /* NULL: parses */
	} cases[] = {
	    {"{\"a\": 1}", 0, NULL},
	    {" \n{\"a\": [1, 2]}\n\t\r\n", 0, NULL},
	    {"{\"a\": 1}\nx\n", 0,
	     "t.json:2:1: expected the end of the file after the JSON document, got 'x'"},
	    {"{\"a\": 1} {\"b\": 2}", 0,
	     "t.json:1:10: expected the end of the file after the JSON document, got '{\"b\": 2}'"},
	    {"[1]\n  ]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]\n", 0,
	     "t.json:2:3: expected the end of the file after the JSON document, got "
	     "']]]]]]]]]]]]]]]]]]]]'"},
	    {"{\"a\":\n  [1, 2", 0,
	     "t.json:2:8: the JSON document is cut short; expected the rest of it"},
	    {"{\"a\": \"b", 0,
	     "t.json:1:9: the JSON document is cut short; expected the rest of it"},
	    {"", 0, "t.json:1:1: expected a JSON document, got an empty file"},
	    {"\n \n", 0, "t.json:3:1: expected a JSON document, got an empty file"},
	    {"{\"a\": 1,\n \"b\": ]}", 0, "t.json:2:7: expected JSON (unexpected character)"},
	    {"{\"a\": \"x\0y\"}", 12, "t.json:1:9: a NUL byte; expected JSON text"},
	    {"{\"a\": 1}\0", 9, "t.json:1:9: a NUL byte; expected JSON text"},
	    {"\nnull\n", 0, "t.json:2:1: expected a JSON document other than null"},
	};

	(void)state;
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		size_t len = cases[i].len ? cases[i].len : strlen(cases[i].text);
		struct json_object *o = (struct json_object *)1;
		char err[256] = "";
		int ret = json_document_parse("t.json", cases[i].text, len, &o, err, sizeof(err));

		if (!cases[i].msg) {
			if (ret || !o)
				fail_msg("case %zu: %d %s", i, ret, err);
			json_object_put(o);
			continue;
		}
		assert_int_equal(ret, -EINVAL);
		assert_null(o);
		assert_string_equal(err, cases[i].msg);
	}
}

/* The file reader gives the same messages with the file's name. */
static void test_json_document_load(void **state)
{
	char path[] = "/tmp/memhp-test-diff-XXXXXX", err[512] = "", want[600];
	struct json_object *o = NULL;
	FILE *f;
	int fd = mkstemp(path);

	(void)state;
	assert_true(fd >= 0);
	f = fdopen(fd, "w");
	assert_non_null(f);
	fputs("{\"status\": \"ok\"}\n{\"status\": \"ok\"}\n", f);
	assert_int_equal(fclose(f), 0);
	assert_int_equal(json_document_load(path, &o, err, sizeof(err)), -EINVAL);
	assert_null(o);
	snprintf(want, sizeof(want),
		 "%s:2:1: expected the end of the file after the JSON document, got "
		 "'{\"status\": \"ok\"}'",
		 path);
	assert_string_equal(err, want);
	unlink(path);
	assert_int_equal(json_document_load(path, &o, err, sizeof(err)), -ENOENT);
	snprintf(want, sizeof(want), "%s: %s", path, strerror(ENOENT));
	assert_string_equal(err, want);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_identical),
	    cmocka_unit_test(test_top_level),
	    cmocka_unit_test(test_not_a_run),
	    cmocka_unit_test(test_guest_stderr_ignored),
	    cmocka_unit_test(test_guest_stdout),
	    cmocka_unit_test(test_steps_matched_by_index),
	    cmocka_unit_test(test_host_response),
	    cmocka_unit_test(test_numbers_by_value),
	    cmocka_unit_test(test_settle_events),
	    cmocka_unit_test(test_size_change_events),
	    cmocka_unit_test(test_settle_devices),
	    cmocka_unit_test(test_snapshot_step_label),
	    cmocka_unit_test(test_block_differences),
	    cmocka_unit_test(test_output_cap),
	    cmocka_unit_test(test_zones),
	    cmocka_unit_test(test_snapshot_fields),
	    cmocka_unit_test(test_snapshot_labels),
	    cmocka_unit_test(test_json_document),
	    cmocka_unit_test(test_json_document_load),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
