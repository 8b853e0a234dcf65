/* QMP replies and QEMU placement, against what QEMU 7.2.22 (Debian 12)
 * was observed to answer (research notes of issue 2, qemu72-memory.md). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include "array.h"
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

/* qom-get and qom-set, against what Debian 12's QEMU 7.2.22
 * (1:7.2+dfsg-7+deb12u18) answered on this very command line:
 *   qemu-system-x86_64 -M pc -m 1G,slots=2,maxmem=4G -accel tcg -nodefaults
 *     -display none -S -qmp stdio <the -object/-device options below>
 * Every expected value and text here is copied from its replies. */
static const char qom_vm[] = "-M pc -m 1G,slots=2,maxmem=4G "
			     "-object memory-backend-ram,id=m1,size=1G "
			     "-object memory-backend-memfd,id=m2,size=512M "
			     "-object memory-backend-ram,id=m3,size=256M "
			     "-device pc-dimm,id=d1,memdev=m1 -device pc-dimm,memdev=m3";

struct qom_case {
	const char *args; /* the "arguments" object */
	const char *reply; /* the whole reply as QEMU printed it, without spaces */
};

static const struct qom_case qom_get_cases[] = {
	{"{\"path\":\"/machine/peripheral/d1\",\"property\":\"addr\"}", "{\"return\":4294967296}"},
	{"{\"path\":\"/machine/peripheral/d1\",\"property\":\"slot\"}", "{\"return\":0}"},
	{"{\"path\":\"/machine/peripheral/d1\",\"property\":\"node\"}", "{\"return\":0}"},
	{"{\"path\":\"/machine/peripheral/d1\",\"property\":\"size\"}", "{\"return\":1073741824}"},
	{"{\"path\":\"/machine/peripheral/d1\",\"property\":\"memdev\"}", "{\"return\":\"/objects/m1\"}"},
	{"{\"path\":\"/machine/peripheral/d1\",\"property\":\"realized\"}", "{\"return\":true}"},
	{"{\"path\":\"/machine/peripheral/d1\",\"property\":\"hotplugged\"}", "{\"return\":false}"},
	{"{\"path\":\"/machine/peripheral/d1\",\"property\":\"hotpluggable\"}", "{\"return\":true}"},
	{"{\"path\":\"/machine/peripheral/d1\",\"property\":\"type\"}", "{\"return\":\"pc-dimm\"}"},
	{"{\"path\":\"/machine/peripheral/d1\",\"property\":\"nope\"}",
	 "{\"error\":{\"class\":\"GenericError\",\"desc\":\"Property 'pc-dimm.nope' not found\"}}"},
	{"{\"path\":\"/machine/peripheral/d1\",\"property\":\"id\"}",
	 "{\"error\":{\"class\":\"GenericError\",\"desc\":\"Property 'pc-dimm.id' not found\"}}"},
	{"{\"path\":\"/machine/peripheral/zz\",\"property\":\"addr\"}",
	 "{\"error\":{\"class\":\"DeviceNotFound\",\"desc\":\"Device '/machine/peripheral/zz' not found\"}}"},
	{"{\"path\":\"/machine/peripheral-anon/device[0]\",\"property\":\"addr\"}", "{\"return\":5368709120}"},
	{"{\"path\":\"/machine/peripheral-anon/device[0]\",\"property\":\"slot\"}", "{\"return\":1}"},
	{"{\"path\":\"/machine/peripheral-anon/device[1]\",\"property\":\"slot\"}",
	 "{\"error\":{\"class\":\"DeviceNotFound\",\"desc\":\"Device '/machine/peripheral-anon/device[1]' not found\"}}"},
	{"{\"path\":\"/machine/peripheral-anon/device[00]\",\"property\":\"addr\"}",
	 "{\"error\":{\"class\":\"DeviceNotFound\",\"desc\":\"Device '/machine/peripheral-anon/device[00]' not found\"}}"},
	{"{\"path\":\"/objects/m1\",\"property\":\"size\"}", "{\"return\":1073741824}"},
	{"{\"path\":\"/objects/m1\",\"property\":\"type\"}", "{\"return\":\"memory-backend-ram\"}"},
	{"{\"path\":\"/objects/m2\",\"property\":\"type\"}", "{\"return\":\"memory-backend-memfd\"}"},
	{"{\"path\":\"/objects/m2\",\"property\":\"size\"}", "{\"return\":536870912}"},
	{"{\"path\":\"/objects/m1\",\"property\":\"nope\"}",
	 "{\"error\":{\"class\":\"GenericError\",\"desc\":\"Property 'memory-backend-ram.nope' not found\"}}"},
	{"{\"path\":\"/objects/zz\",\"property\":\"size\"}",
	 "{\"error\":{\"class\":\"DeviceNotFound\",\"desc\":\"Device '/objects/zz' not found\"}}"},
	/* partial paths, empty components, the memdev link */
	{"{\"path\":\"d1\",\"property\":\"addr\"}", "{\"return\":4294967296}"},
	{"{\"path\":\"m1\",\"property\":\"size\"}", "{\"return\":1073741824}"},
	{"{\"path\":\"/machine/peripheral/d1/\",\"property\":\"addr\"}", "{\"return\":4294967296}"},
	{"{\"path\":\"//machine/peripheral//d1\",\"property\":\"addr\"}", "{\"return\":4294967296}"},
	{"{\"path\":\"/machine/peripheral/d1/memdev\",\"property\":\"size\"}", "{\"return\":1073741824}"},
	{"{\"path\":\"device[0]\",\"property\":\"addr\"}",
	 "{\"error\":{\"class\":\"DeviceNotFound\",\"desc\":\"Device 'device[0]' not found\"}}"},
	{"{\"path\":\"nope\",\"property\":\"addr\"}",
	 "{\"error\":{\"class\":\"DeviceNotFound\",\"desc\":\"Device 'nope' not found\"}}"},
	{"{\"path\":\"\",\"property\":\"addr\"}",
	 "{\"error\":{\"class\":\"DeviceNotFound\",\"desc\":\"Device '' not found\"}}"},
	/* the machine and the containers */
	{"{\"path\":\"/\",\"property\":\"type\"}", "{\"return\":\"container\"}"},
	{"{\"path\":\"/machine/peripheral\",\"property\":\"type\"}", "{\"return\":\"container\"}"},
	{"{\"path\":\"/objects\",\"property\":\"type\"}", "{\"return\":\"container\"}"},
	{"{\"path\":\"/machine\",\"property\":\"type\"}", "{\"return\":\"pc-i440fx-7.2-machine\"}"},
	{"{\"path\":\"/machine\",\"property\":\"x\"}",
	 "{\"error\":{\"class\":\"GenericError\",\"desc\":\"Property 'pc-i440fx-7.2-machine.x' not found\"}}"},
	{"{\"path\":\"machine\",\"property\":\"x\"}",
	 "{\"error\":{\"class\":\"GenericError\",\"desc\":\"Property 'pc-i440fx-7.2-machine.x' not found\"}}"},
	{"{\"path\":\"/objects\",\"property\":\"x\"}",
	 "{\"error\":{\"class\":\"GenericError\",\"desc\":\"Property 'container.x' not found\"}}"},
	/* argument checks */
	{"{\"path\":\"/machine/peripheral/d1\"}",
	 "{\"error\":{\"class\":\"GenericError\",\"desc\":\"Parameter 'property' is missing\"}}"},
	{"{\"property\":\"addr\"}",
	 "{\"error\":{\"class\":\"GenericError\",\"desc\":\"Parameter 'path' is missing\"}}"},
	{"{\"path\":\"/machine/peripheral/d1\",\"property\":5}",
	 "{\"error\":{\"class\":\"GenericError\",\"desc\":\"Invalid parameter type for 'property', expected: string\"}}"},
	{"{\"path\":5,\"property\":\"x\"}",
	 "{\"error\":{\"class\":\"GenericError\",\"desc\":\"Invalid parameter type for 'path', expected: string\"}}"},
	{"{\"path\":\"/machine/peripheral/d1\",\"property\":\"realized\",\"extra\":1}",
	 "{\"error\":{\"class\":\"GenericError\",\"desc\":\"Parameter 'extra' is unexpected\"}}"},
};

static const struct qom_case qom_set_cases[] = {
	{"{\"path\":\"/machine/peripheral/d1\",\"property\":\"addr\",\"value\":0}",
	 "{\"error\":{\"class\":\"GenericError\",\"desc\":\"Attempt to set property 'addr' on device 'd1' (type 'pc-dimm') after it was realized\"}}"},
	{"{\"path\":\"/machine/peripheral/d1\",\"property\":\"slot\",\"value\":1}",
	 "{\"error\":{\"class\":\"GenericError\",\"desc\":\"Attempt to set property 'slot' on device 'd1' (type 'pc-dimm') after it was realized\"}}"},
	{"{\"path\":\"/machine/peripheral/d1\",\"property\":\"node\",\"value\":0}",
	 "{\"error\":{\"class\":\"GenericError\",\"desc\":\"Attempt to set property 'node' on device 'd1' (type 'pc-dimm') after it was realized\"}}"},
	{"{\"path\":\"/machine/peripheral/d1\",\"property\":\"addr\",\"value\":\"x\"}",
	 "{\"error\":{\"class\":\"GenericError\",\"desc\":\"Attempt to set property 'addr' on device 'd1' (type 'pc-dimm') after it was realized\"}}"},
	{"{\"path\":\"/machine/peripheral-anon/device[0]\",\"property\":\"addr\",\"value\":1}",
	 "{\"error\":{\"class\":\"GenericError\",\"desc\":\"Attempt to set property 'addr' on anonymous device (type 'pc-dimm') after it was realized\"}}"},
	{"{\"path\":\"/machine/peripheral/d1\",\"property\":\"memdev\",\"value\":\"m2\"}",
	 "{\"error\":{\"class\":\"GenericError\",\"desc\":\"Attempt to set link property 'memdev' on device 'd1' (type 'pc-dimm') after it was realized\"}}"},
	{"{\"path\":\"/machine/peripheral/d1\",\"property\":\"memdev\",\"value\":\"/objects/m2\"}",
	 "{\"error\":{\"class\":\"GenericError\",\"desc\":\"Attempt to set link property 'memdev' on device 'd1' (type 'pc-dimm') after it was realized\"}}"},
	{"{\"path\":\"/machine/peripheral-anon/device[0]\",\"property\":\"memdev\",\"value\":\"m2\"}",
	 "{\"error\":{\"class\":\"GenericError\",\"desc\":\"Attempt to set link property 'memdev' on device '(null)' (type 'pc-dimm') after it was realized\"}}"},
	{"{\"path\":\"/machine/peripheral/d1\",\"property\":\"memdev\",\"value\":\"zz\"}",
	 "{\"error\":{\"class\":\"DeviceNotFound\",\"desc\":\"Device 'zz' not found\"}}"},
	{"{\"path\":\"/machine/peripheral/d1\",\"property\":\"memdev\",\"value\":1}",
	 "{\"error\":{\"class\":\"GenericError\",\"desc\":\"Invalid parameter type for 'memdev', expected: string\"}}"},
	{"{\"path\":\"/machine/peripheral/d1\",\"property\":\"memdev\",\"value\":\"/machine/peripheral/d1\"}",
	 "{\"error\":{\"class\":\"GenericError\",\"desc\":\"Invalid parameter type for 'memdev', expected: memory-backend\"}}"},
	{"{\"path\":\"/machine/peripheral/d1\",\"property\":\"size\",\"value\":1}",
	 "{\"error\":{\"class\":\"GenericError\",\"desc\":\"Property 'pc-dimm.size' is not writable\"}}"},
	{"{\"path\":\"/machine/peripheral/d1\",\"property\":\"hotplugged\",\"value\":true}",
	 "{\"error\":{\"class\":\"GenericError\",\"desc\":\"Property 'pc-dimm.hotplugged' is not writable\"}}"},
	{"{\"path\":\"/machine/peripheral/d1\",\"property\":\"hotpluggable\",\"value\":true}",
	 "{\"error\":{\"class\":\"GenericError\",\"desc\":\"Property 'pc-dimm.hotpluggable' is not writable\"}}"},
	{"{\"path\":\"/machine/peripheral/d1\",\"property\":\"type\",\"value\":\"x\"}",
	 "{\"error\":{\"class\":\"GenericError\",\"desc\":\"Property 'pc-dimm.type' is not writable\"}}"},
	{"{\"path\":\"/machine/peripheral/d1\",\"property\":\"nope\",\"value\":1}",
	 "{\"error\":{\"class\":\"GenericError\",\"desc\":\"Property 'pc-dimm.nope' not found\"}}"},
	{"{\"path\":\"/machine/peripheral/d1\",\"property\":\"realized\",\"value\":true}", "{\"return\":{}}"},
	{"{\"path\":\"/machine/peripheral/zz\",\"property\":\"addr\",\"value\":1}",
	 "{\"error\":{\"class\":\"DeviceNotFound\",\"desc\":\"Device '/machine/peripheral/zz' not found\"}}"},
	{"{\"path\":\"/objects/m1\",\"property\":\"size\",\"value\":1}",
	 "{\"error\":{\"class\":\"GenericError\",\"desc\":\"cannot change property size of memory-backend-ram \"}}"},
	{"{\"path\":\"/objects/m2\",\"property\":\"size\",\"value\":\"x\"}",
	 "{\"error\":{\"class\":\"GenericError\",\"desc\":\"cannot change property size of memory-backend-memfd \"}}"},
	{"{\"path\":\"/objects/m1\",\"property\":\"type\",\"value\":\"x\"}",
	 "{\"error\":{\"class\":\"GenericError\",\"desc\":\"Property 'memory-backend-ram.type' is not writable\"}}"},
	{"{\"path\":\"/objects/m1\",\"property\":\"nope\",\"value\":1}",
	 "{\"error\":{\"class\":\"GenericError\",\"desc\":\"Property 'memory-backend-ram.nope' not found\"}}"},
	{"{\"path\":\"/machine\",\"property\":\"x\",\"value\":1}",
	 "{\"error\":{\"class\":\"GenericError\",\"desc\":\"Property 'pc-i440fx-7.2-machine.x' not found\"}}"},
	{"{\"path\":\"/objects/m1\",\"property\":\"size\"}",
	 "{\"error\":{\"class\":\"GenericError\",\"desc\":\"Parameter 'value' is missing\"}}"},
	{"{\"path\":\"/machine/peripheral/d1\",\"property\":\"slot\",\"value\":1,\"x\":2}",
	 "{\"error\":{\"class\":\"GenericError\",\"desc\":\"Parameter 'x' is unexpected\"}}"},
};

static void run_qom_cases(struct machine *m, const char *cmd, const struct qom_case *c, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		char json[1024];
		struct json_object *r;

		snprintf(json, sizeof(json), "{\"execute\":\"%s\",\"arguments\":%s}", cmd, c[i].args);
		r = tu_qmp(m, json);
		if (strcmp(reply_text(r), c[i].reply))
			fail_msg("%s %s:\n  got  %s\n  want %s", cmd, c[i].args, reply_text(r), c[i].reply);
		json_object_put(r);
	}
}

static void test_qom_get(void **state)
{
	struct machine *m = tu_boot(qom_vm, NULL, MEMHP_KERNEL_6_12);

	(void)state;
	run_qom_cases(m, "qom-get", qom_get_cases, ARRAY_SIZE(qom_get_cases));
	machine_free(m);
}

static void test_qom_set(void **state)
{
	struct machine *m = tu_boot(qom_vm, NULL, MEMHP_KERNEL_6_12);

	(void)state;
	run_qom_cases(m, "qom-set", qom_set_cases, ARRAY_SIZE(qom_set_cases));
	/* nothing changed */
	run_qom_cases(m, "qom-get", qom_get_cases, 4);
	machine_free(m);
}

/* Observed with -M q35: the machine object's type names its version. */
static void test_qom_machine_type(void **state)
{
	struct machine *m = tu_boot("-M q35 -m 1G", NULL, MEMHP_KERNEL_6_12);
	static const struct qom_case c[] = {
		{"{\"path\":\"/machine\",\"property\":\"x\"}",
		 "{\"error\":{\"class\":\"GenericError\",\"desc\":\"Property 'pc-q35-7.2-machine.x' not found\"}}"},
		{"{\"path\":\"/machine\",\"property\":\"type\"}", "{\"return\":\"pc-q35-7.2-machine\"}"},
	};

	(void)state;
	run_qom_cases(m, "qom-get", c, ARRAY_SIZE(c));
	machine_free(m);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_query_memory_devices_wire_format),
		cmocka_unit_test(test_qmp_errors),
		cmocka_unit_test(test_device_del_twice),
		cmocka_unit_test(test_amd_1tb_relocation),
		cmocka_unit_test(test_qom_get),
		cmocka_unit_test(test_qom_set),
		cmocka_unit_test(test_qom_machine_type),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
