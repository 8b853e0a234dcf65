/* QMP replies and QEMU placement, against what QEMU 7.2.22 (Debian 12)
 * was observed to answer (research notes of issue 2, qemu72-memory.md). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include "test_util.h"

static const char *reply_text(struct json_object *r)
{
	return json_object_to_json_string_ext(r, JSON_C_TO_STRING_PLAIN | JSON_C_TO_STRING_NOSLASHESCAPE);
}

/* Observed: keys come out as memdev, hotplugged, addr, hotpluggable, size,
 * slot, node, id; memory-backend-ram is placed 2 MiB aligned, first fit. */
static void test_query_memory_devices_wire_format(void **state)
{
	struct machine *m = tu_boot("-M pc -m 1G,slots=4,maxmem=8G", NULL, MEMHP_KERNEL_6_12);
	struct json_object *r;

	(void)state;
	tu_qmp_ok(m, "{\"execute\":\"object-add\",\"arguments\":{\"qom-type\":\"memory-backend-ram\",\"id\":\"m1\",\"size\":1073741824}}");
	tu_qmp_ok(m, "{\"execute\":\"device_add\",\"arguments\":{\"driver\":\"pc-dimm\",\"id\":\"d1\",\"memdev\":\"m1\"}}");
	r = tu_qmp(m, "{\"execute\":\"query-memory-devices\"}");
	/* pc -m 1G: no RAM above 4 GiB, so device memory starts at 4 GiB. */
	assert_string_equal(reply_text(r),
			    "{\"return\":[{\"type\":\"dimm\",\"data\":{\"memdev\":\"/objects/m1\","
			    "\"hotplugged\":true,\"addr\":4294967296,\"hotpluggable\":true,"
			    "\"size\":1073741824,\"slot\":0,\"node\":0,\"id\":\"d1\"}}]}");
	json_object_put(r);
	r = tu_qmp(m, "{\"execute\":\"query-memory-size-summary\"}");
	assert_string_equal(reply_text(r),
			    "{\"return\":{\"base-memory\":1073741824,\"plugged-memory\":1073741824}}");
	json_object_put(r);
	machine_free(m);
}

static void expect_error(struct machine *m, const char *cmd, const char *cls, const char *desc)
{
	struct json_object *r = tu_qmp(m, cmd), *e, *v;

	assert_true(json_object_object_get_ex(r, "error", &e));
	assert_true(json_object_object_get_ex(e, "class", &v));
	assert_string_equal(json_object_get_string(v), cls);
	assert_true(json_object_object_get_ex(e, "desc", &v));
	assert_string_equal(json_object_get_string(v), desc);
	json_object_put(r);
}

static void test_qmp_errors(void **state)
{
	struct machine *m = tu_boot("-M q35 -m 4G,slots=2,maxmem=8G", NULL, MEMHP_KERNEL_6_12);

	(void)state;
	expect_error(m, "{\"execute\":\"object-add\",\"arguments\":{\"qom-type\":\"memory-backend-ram\",\"id\":\"z\",\"size\":0}}",
		     "GenericError", "property 'size' of memory-backend-ram doesn't take value '0'");
	expect_error(m, "{\"execute\":\"object-add\",\"arguments\":{\"qom-type\":\"memory-backend-foo\",\"id\":\"z\",\"size\":1}}",
		     "GenericError", "Parameter 'qom-type' does not accept value 'memory-backend-foo'");
	expect_error(m, "{\"execute\":\"device_add\",\"arguments\":{\"driver\":\"pc-dimm\",\"id\":\"d1\",\"memdev\":\"nosuch\"}}",
		     "DeviceNotFound", "Device 'nosuch' not found");
	expect_error(m, "{\"execute\":\"device_add\",\"arguments\":{\"driver\":\"foo\"}}", "GenericError",
		     "'foo' is not a valid device model name");
	tu_qmp_ok(m, "{\"execute\":\"object-add\",\"arguments\":{\"qom-type\":\"memory-backend-ram\",\"id\":\"m1\",\"size\":3221225472}}");
	tu_qmp_ok(m, "{\"execute\":\"object-add\",\"arguments\":{\"qom-type\":\"memory-backend-ram\",\"id\":\"m2\",\"size\":2147483648}}");
	tu_qmp_ok(m, "{\"execute\":\"device_add\",\"arguments\":{\"driver\":\"pc-dimm\",\"id\":\"d1\",\"memdev\":\"m1\"}}");
	/* maxmem - ram = 4 GiB, 3 GiB in use */
	expect_error(m, "{\"execute\":\"device_add\",\"arguments\":{\"driver\":\"pc-dimm\",\"id\":\"d2\",\"memdev\":\"m2\"}}",
		     "GenericError",
		     "not enough space, currently 0xc0000000 in use of total space for memory devices 0x100000000");
	expect_error(m, "{\"execute\":\"device_add\",\"arguments\":{\"driver\":\"pc-dimm\",\"id\":\"d3\",\"memdev\":\"m2\",\"slot\":4}}",
		     "GenericError", "invalid slot number 4, valid range is [0-1]");
	expect_error(m, "{\"execute\":\"object-del\",\"arguments\":{\"id\":\"m1\"}}", "GenericError",
		     "object 'm1' is in use, can not be deleted");
	machine_free(m);
}

/* Observed: a second device_del while the eject is pending returns {} and
 * re-sends the request; the DIMM still goes away once. */
static void test_device_del_twice(void **state)
{
	struct machine *m = tu_boot("-M q35 -m 4G,slots=2,maxmem=8G", "memhp_default_state=online_movable",
				    MEMHP_KERNEL_6_12);

	(void)state;
	tu_qmp_ok(m, "{\"execute\":\"object-add\",\"arguments\":{\"qom-type\":\"memory-backend-ram\",\"id\":\"m1\",\"size\":1073741824}}");
	tu_qmp_ok(m, "{\"execute\":\"device_add\",\"arguments\":{\"driver\":\"pc-dimm\",\"id\":\"d1\",\"memdev\":\"m1\"}}");
	machine_run_pending(m);
	tu_qmp_ok(m, "{\"execute\":\"device_del\",\"arguments\":{\"id\":\"d1\"}}");
	tu_qmp_ok(m, "{\"execute\":\"device_del\",\"arguments\":{\"id\":\"d1\"}}");
	machine_run_pending(m);
	assert_int_equal(tu_count_events(m, "DEVICE_DELETED", "d1"), 1);
	assert_false(tu_block_exists(m, 48));
	expect_error(m, "{\"execute\":\"device_del\",\"arguments\":{\"id\":\"d1\"}}", "DeviceNotFound",
		     "Device 'd1' not found");
	machine_free(m);
}

/* QEMU 7.2 source: with the default AMD qemu64 CPU, RAM above 4 GiB moves
 * to 1 TiB when the end of the 64-bit PCI hole reaches 0xfd00000000;
 * observed: -cpu qemu64,phys-bits=48 -m 1G,slots=1,maxmem=1011G puts the
 * DIMM at 0x10000000000, and with vendor=GenuineIntel at 0x100000000. */
static void test_amd_1tb_relocation(void **state)
{
	struct machine *amd = tu_boot("-M pc -cpu qemu64,phys-bits=48 -m 1G,slots=1,maxmem=1011G",
				      NULL, MEMHP_KERNEL_6_12);
	struct machine *intel = tu_boot("-M pc -cpu qemu64,phys-bits=48,vendor=GenuineIntel "
					"-m 1G,slots=1,maxmem=1011G",
					NULL, MEMHP_KERNEL_6_12);
	int ret = 0;

	(void)state;
	assert_int_equal(amd->vm->device_memory_base, 0x10000000000ULL);
	assert_int_equal(intel->vm->device_memory_base, 0x100000000ULL);
	machine_free(amd);
	machine_free(intel);
	/* observed: phys-bits 40 cannot address that */
	assert_null(tu_try_boot("-M pc -m 1G,slots=1,maxmem=1011G", NULL, MEMHP_KERNEL_6_12, &ret));
	assert_int_equal(ret, -EINVAL);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_query_memory_devices_wire_format),
		cmocka_unit_test(test_qmp_errors),
		cmocka_unit_test(test_device_del_twice),
		cmocka_unit_test(test_amd_1tb_relocation),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
