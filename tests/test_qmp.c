/* QMP replies and QEMU placement, against what QEMU 7.2.22 (Debian 12)
 * was observed to answer (research notes of issue 2, qemu72-memory.md). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include "array.h"
#include "hostmem.h"
#include "test_util.h"
#include "units.h"

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

/* ---- what QEMU refuses: sizes, integer properties, address ranges ----
 * Every text below is what qemu-system-x86_64 7.2.22 (Debian 12,
 * 1:7.2+dfsg-7+deb12u18) printed for the same options after "-M q35",
 * without its "-m ...: " location prefix, or answered over QMP (issue 10). */

struct refusal {
	const char *args; /* after -M q35 */
	const char *error;
};

#define DIMM_VM "-m 4G,slots=4,maxmem=16G -object memory-backend-ram,id=m1,size="

static const struct refusal cmdline_refusals[] = {
    /* -m: checked as bytes first (1e3 is "1 EiB, then 3"; 0x1p3 "1 PiB, then 3") */
    {"-m 1e3", "Parameter 'size' expects a non-negative number below 2^64"},
    {"-m 0x1p3", "Parameter 'size' expects a non-negative number below 2^64"},
    {"-m 1.5", "Parameter 'size' expects a non-negative number below 2^64"},
    {"-m 1.5e0G", "Parameter 'size' expects a non-negative number below 2^64"},
    {"-m .5G", "Parameter 'size' expects a non-negative number below 2^64"},
    {"-m 4GB", "Parameter 'size' expects a non-negative number below 2^64"},
    {"-m -1", "Parameter 'size' expects a non-negative number below 2^64"},
    {"-m inf", "Parameter 'size' expects a non-negative number below 2^64"},
    {"-m 0x1.8G", "Parameter 'size' expects a non-negative number below 2^64"},
    {"-m 17179869184T", "Value '17179869184T' is out of range for parameter 'size'"},
    /* ... then, ending in a digit, as MiB */
    {"-m 18446744073709551615", "Parameter 'memory.size' expects size"},
    {"-m 4096T", "cannot set up guest memory 'pc.ram': Cannot allocate memory"},
    {"-m 4G,slots=4,maxmem=1e3", "Parameter 'maxmem' expects a non-negative number below 2^64"},
    {"-m 4G,slots=4,maxmem=16G1", "Parameter 'maxmem' expects a non-negative number below 2^64"},
    {"-m 4G,slots=1,maxmem=16E", "Value '16E' is out of range for parameter 'maxmem'"},
    {"-m 4G,slots=1e1,maxmem=16G", "Parameter 'slots' expects a number"},
    {"-m 4G,slots=18446744073709551616,maxmem=16G",
     "Value '18446744073709551616' is too large for parameter 'slots'"},
    /* slots * 1 GiB of device memory, modulo 2^64 as QEMU computes it */
    {"-m 4G,slots=-1,maxmem=16G", "unsupported amount of memory slots: 18446744073709551615"},
    {"-m 4G,slots=4294967300,maxmem=16G",
     "Address space limit 0xffffffffff < 0x4000010c7fffffff phys-bits too low (40)"},
    {"-m 4G,slots=1,maxmem=17179869183G",
     "unsupported amount of maximum memory: ffffffffc0000000"},
    {DIMM_VM "1e3", "Parameter 'size' expects a size value"},
    {DIMM_VM "1.5", "Parameter 'size' expects a size value"},
    {DIMM_VM "16E", "Parameter 'size' expects a size value"},
    {DIMM_VM "-1", "Parameter 'size' expects a size value"},
    {DIMM_VM "0x1.0", "Parameter 'size' expects a size value"},
    {DIMM_VM "15.5E", "cannot set up guest memory 'm1': Cannot allocate memory"},
    /* addr + size past 2^64 */
    {DIMM_VM "1G -device pc-dimm,id=d1,memdev=m1,addr=0xffffffffc0000000",
     "can't add memory device [0xffffffffc0000000:0x40000000], usable range for memory "
     "devices [0x180000000:0x400000000]"},
    {DIMM_VM "4G -device pc-dimm,id=d1,memdev=m1,addr=0xffffffffc0000000",
     "can't add memory device [0xffffffffc0000000:0x100000000], usable range for memory "
     "devices [0x180000000:0x400000000]"},
    /* slot is an int32, node a uint32: 2^32 is refused, not truncated */
    {DIMM_VM "1G -device pc-dimm,id=d1,memdev=m1,slot=4294967296",
     "Parameter 'slot' expects int32_t"},
    {DIMM_VM "1G -device pc-dimm,id=d1,memdev=m1,node=4294967296",
     "Parameter 'node' expects uint32_t"},
    {DIMM_VM "1G -device pc-dimm,id=d1,memdev=m1,slot=-2",
     "invalid slot number -2, valid range is [0-3]"},
    /* the properties' order: memdev, addr, slot, node */
    {DIMM_VM "1G -device pc-dimm,id=e1,slot=abc,addr=abc", "Parameter 'addr' expects integer"},
    {DIMM_VM "1G -device pc-dimm,id=e1,node=abc,slot=abc", "Parameter 'slot' expects integer"},
    {DIMM_VM "1G -device pc-dimm,id=e1,node=abc,memdev=nosuch", "Device 'nosuch' not found"},
    /* -device ids are checked as the command line is read, before any
     * device exists (QemuOpts) */
    {DIMM_VM "1G -object memory-backend-ram,id=m2,size=1G -device pc-dimm,id=d1,memdev=m1 "
	     "-device pc-dimm,id=d1,memdev=m2",
     "Duplicate ID 'd1' for device"},
    {DIMM_VM "1G -device pc-dimm,id=d1,memdev=nosuch -device pc-dimm,id=1d,memdev=m1",
     "Parameter 'id' expects an identifier"},
};

static void test_cmdline_refusals(void **state)
{
	(void)state;
	for (size_t i = 0; i < ARRAY_SIZE(cmdline_refusals); i++) {
		const struct refusal *r = &cmdline_refusals[i];
		char args[512], why[1024], want[512];
		struct machine *m;
		int ret = 0;

		snprintf(args, sizeof(args), "-M q35 %s", r->args);
		m = tu_boot_why(args, NULL, MEMHP_KERNEL_6_12, &ret, why, sizeof(why));
		if (m) {
			machine_free(m);
			fail_msg("%s: booted; QEMU says \"%s\"", args, r->error);
		}
		/* why ends "(arg N: ERROR)" */
		snprintf(want, sizeof(want), ": %s)", r->error);
		if (ret != -EINVAL || strlen(why) < strlen(want) ||
		    strcmp(why + strlen(why) - strlen(want), want))
			fail_msg("%s: %d, %s; QEMU says \"%s\"", args, ret, why, r->error);
	}
}

/* Sizes QEMU takes, and the bytes it made of them (query-memory-size-summary
 * and qom-get of the backend's size). */
static void test_cmdline_sizes(void **state)
{
	static const struct {
		const char *args;
		uint64_t ram, backend;
	} c[] = {
	    {"-m 1.5G", 1610612736, 0},
	    {"-m 0x10", 16 * MiB, 0}, /* "0x10M" once an M is added */
	    {"-m 0x100M", 256 * MiB, 0},
	    {"-m 1.", 8192, 0}, /* 1 byte, no M: it does not end in a digit */
	    {"-m 1.k", 8192, 0},
	    {"-m 010", 10 * MiB, 0},
	    {"-m 2.0", 2 * MiB, 0},
	    {"-m +4G", 4 * GiB, 0},
	    {"-m 4g", 4 * GiB, 0},
	    {"-m 4096k", 4 * MiB, 0},
	    {"-m 0", 128 * MiB, 0},
	    {"-m 4G,slots=4,maxmem=0x400000000", 4 * GiB, 0},
	    {"-m 4G,slots=0x4,maxmem=16G", 4 * GiB, 0},
	    {DIMM_VM "1.5k", 4 * GiB, 1536},
	    {DIMM_VM "0x10k", 4 * GiB, 16384},
	    {DIMM_VM "010k", 4 * GiB, 10240},
	    {DIMM_VM "1B", 4 * GiB, 1},
	    {DIMM_VM "1.0", 4 * GiB, 1},
	    {DIMM_VM "2.0k", 4 * GiB, 2048},
	    {DIMM_VM "3.000000000000000000000000000001M", 4 * GiB, 3 * MiB},
	    {DIMM_VM "1.99999999999999999999G", 4 * GiB, GiB},
	};

	(void)state;
	for (size_t i = 0; i < ARRAY_SIZE(c); i++) {
		char args[256];
		struct machine *m;

		snprintf(args, sizeof(args), "-M q35 %s", c[i].args);
		m = tu_boot(args, NULL, MEMHP_KERNEL_6_12);
		if (m->vm->ram_size != c[i].ram)
			fail_msg("%s: RAM %" PRIu64 ", QEMU %" PRIu64, args, m->vm->ram_size, c[i].ram);
		if (c[i].backend && host_memory_backend_find(m->vm, "m1")->size != c[i].backend)
			fail_msg("%s: backend %" PRIu64 ", QEMU %" PRIu64, args,
				 host_memory_backend_find(m->vm, "m1")->size, c[i].backend);
		machine_free(m);
	}
}

/* device_add turns its arguments into -device option strings first:
 * numbers printed, true "on", "07" octal, " 2" with its blank; other JSON
 * values are dropped. object-add reads size as a JSON uint64. */
static void test_qmp_refusals(void **state)
{
	static const struct {
		const char *args;
		const char *desc;
	} c[] = {
	    {"\"id\":\"d1\",\"memdev\":\"m1\",\"addr\":18446744072635809792",
	     "can't add memory device [0xffffffffc0000000:0x40000000], usable range for memory "
	     "devices [0x180000000:0x400000000]"},
	    {"\"id\":\"d1\",\"memdev\":\"m1\",\"addr\":\"0xffffffffc0000000\"",
	     "can't add memory device [0xffffffffc0000000:0x40000000], usable range for memory "
	     "devices [0x180000000:0x400000000]"},
	    {"\"id\":\"d1\",\"memdev\":\"m1\",\"slot\":4294967296", "Parameter 'slot' expects int32_t"},
	    {"\"id\":\"d1\",\"memdev\":\"m1\",\"slot\":\"4294967296\"",
	     "Parameter 'slot' expects int32_t"},
	    {"\"id\":\"d1\",\"memdev\":\"m1\",\"slot\":2147483648", "Parameter 'slot' expects int32_t"},
	    {"\"id\":\"d1\",\"memdev\":\"m1\",\"slot\":\"-2147483649\"",
	     "Parameter 'slot' expects int32_t"},
	    {"\"id\":\"d1\",\"memdev\":\"m1\",\"node\":4294967296", "Parameter 'node' expects uint32_t"},
	    {"\"id\":\"d1\",\"memdev\":\"m1\",\"node\":\"4294967296\"",
	     "Parameter 'node' expects uint32_t"},
	    {"\"id\":\"d1\",\"memdev\":\"m1\",\"node\":-1", "Parameter 'node' expects uint32_t"},
	    {"\"id\":\"d1\",\"memdev\":\"m1\",\"node\":\"4294967295\"",
	     "'DIMM property node has value 4294967295' which exceeds the number of numa nodes: 1"},
	    {"\"id\":\"d1\",\"memdev\":\"m1\",\"slot\":-2", "invalid slot number -2, valid range is [0-3]"},
	    {"\"id\":\"d1\",\"memdev\":\"m1\",\"slot\":\"07\"",
	     "invalid slot number 7, valid range is [0-3]"},
	    {"\"id\":\"d1\",\"memdev\":\"m1\",\"addr\":-1", "address must be aligned to 0x200000 bytes"},
	    {"\"id\":\"d1\",\"memdev\":\"m1\",\"addr\":1e10", "address must be aligned to 0x200000 bytes"},
	    {"\"id\":\"d1\",\"memdev\":\"m1\",\"addr\":\"abc\"", "Parameter 'addr' expects integer"},
	    {"\"id\":\"d1\",\"memdev\":\"m1\",\"addr\":true", "Parameter 'addr' expects integer"},
	    {"\"id\":\"d1\",\"memdev\":\"m1\",\"addr\":\"18446744073709551616\"",
	     "Parameter 'addr' expects integer"},
	    {"\"id\":\"d1\",\"memdev\":\"m1\",\"node\":0.5", "Parameter 'node' expects integer"},
	    {"\"id\":\"d1\",\"memdev\":\"m1\",\"slot\":\"2 \"", "Parameter 'slot' expects integer"},
	    {"\"id\":\"e1\",\"slot\":\"abc\",\"node\":\"abc\",\"addr\":\"abc\"",
	     "Parameter 'addr' expects integer"},
	    {"\"id\":\"e1\",\"node\":\"abc\",\"slot\":\"abc\"", "Parameter 'slot' expects integer"},
	};
	struct machine *m = tu_boot("-M q35 -m 4G,slots=4,maxmem=16G", NULL, MEMHP_KERNEL_6_12);
	char cmd[512];

	(void)state;
	tu_qmp_ok(m, "{\"execute\":\"object-add\",\"arguments\":{\"qom-type\":\"memory-backend-ram\",\"id\":\"m1\",\"size\":1073741824}}");
	tu_qmp_ok(m, "{\"execute\":\"object-add\",\"arguments\":{\"qom-type\":\"memory-backend-ram\",\"id\":\"m2\",\"size\":1073741824}}");
	for (size_t i = 0; i < ARRAY_SIZE(c); i++) {
		snprintf(cmd, sizeof(cmd),
			 "{\"execute\":\"device_add\",\"arguments\":{\"driver\":\"pc-dimm\",%s}}",
			 c[i].args);
		expect_error(m, cmd, "GenericError", c[i].desc);
	}
	expect_error(m, "{\"execute\":\"device_add\",\"arguments\":{\"driver\":\"pc-dimm\",\"id\":\"e1\",\"memdev\":\"nosuch\",\"slot\":\"abc\"}}",
		     "DeviceNotFound", "Device 'nosuch' not found");
	expect_error(m, "{\"execute\":\"object-add\",\"arguments\":{\"qom-type\":\"memory-backend-ram\",\"id\":\"m3\",\"size\":\"1073741824\"}}",
		     "GenericError", "Parameter 'size' expects uint64");
	expect_error(m, "{\"execute\":\"object-add\",\"arguments\":{\"qom-type\":\"memory-backend-ram\",\"id\":\"m3\",\"size\":1e3}}",
		     "GenericError", "Parameter 'size' expects uint64");
	expect_error(m, "{\"execute\":\"object-add\",\"arguments\":{\"qom-type\":\"memory-backend-ram\",\"id\":\"m3\",\"size\":9223372036854775808}}",
		     "GenericError", "cannot set up guest memory 'm3': Cannot allocate memory");
	assert_int_equal(m->vm->nr_memory_devices, 0);
	/* taken: slot " 2", an array slot (dropped: automatic), slot -1 */
	tu_qmp_ok(m, "{\"execute\":\"device_add\",\"arguments\":{\"driver\":\"pc-dimm\",\"id\":\"d1\",\"memdev\":\"m1\",\"slot\":\" 2\"}}");
	tu_qmp_ok(m, "{\"execute\":\"device_add\",\"arguments\":{\"driver\":\"pc-dimm\",\"id\":\"d2\",\"memdev\":\"m2\",\"slot\":[1],\"node\":\"-0\"}}");
	assert_int_equal(to_pc_dimm(memory_device_find(m->vm, "d1"))->slot, 2);
	assert_int_equal(to_pc_dimm(memory_device_find(m->vm, "d2"))->slot, 0);
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
		cmocka_unit_test(test_cmdline_refusals),
		cmocka_unit_test(test_cmdline_sizes),
		cmocka_unit_test(test_qmp_refusals),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
