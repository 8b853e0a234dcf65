/* /proc/iomem of the model against what real guests printed.
 *
 * The expected lines are the RAM-related lines of `cat /proc/iomem` on
 * Debian's 6.1.0-57 and 6.12.117+deb12 cloud kernels under QEMU 7.2
 * (memhp run --backend qemu, the scenarios below; both kernels printed
 * the same lines). Left out there, as the model has none of them: PCI
 * windows and BARs, ACPI tables, ROMs, reserved ranges and the kernel
 * image's children (Kernel code, rodata, data, bss) of the low System RAM
 * resource. */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "test_util.h"

#include "machine.h"
#include "resource.h"
#include "scenario.h"
#include "scenario_run.h"
#include "sysfs.h"

/* Runs text on the model and returns /proc/iomem at its end (caller
 * frees). */
static char *iomem_after(const char *text, enum memhp_kernel v)
{
	struct scenario_run_options opts = {.version = v};
	struct scenario_run run;
	struct scenario *sc;
	char err[1024] = "", *out = NULL;
	struct vfs fs;

	if (scenario_parse_string("iomem.scn", text, &sc, err, sizeof(err)))
		fail_msg("parse: %s", err);
	if (scenario_run(sc, &opts, &run, err, sizeof(err)))
		fail_msg("run: %s", err);
	kernel_sysfs_ro(run.machine->kernel, &fs);
	assert_int_equal(vfs_read(&fs, "/proc/iomem", &out), 0);
	scenario_run_release(&run);
	scenario_free(sc);
	return out;
}

#define DIMM_BOOT                                                                                  \
	"qemu: -M pc -m 4G,slots=4,maxmem=16G\n"                                                   \
	"kernel-cmdline: memhp_default_state=online\n"
#define DIMM_ADD(id, mem, size)                                                                    \
	"host: {\"execute\": \"object-add\", \"arguments\": {\"qom-type\": "                       \
	"\"memory-backend-ram\", \"id\": \"" mem "\", \"size\": " size "}}\n"                      \
	"host: {\"execute\": \"device_add\", \"arguments\": {\"driver\": \"pc-dimm\", "            \
	"\"id\": \"" id "\", \"memdev\": \"" mem "\"}}\n"

/* pc, 4 GiB: e820's RAM as the kernel lists it (the first page reserved,
 * SeaBIOS's 128 KiB below 3 GiB not RAM). */
static const char pc_boot[] = "00001000-0009fbff : System RAM\n"
			      "00100000-bffdffff : System RAM\n"
			      "100000000-13fffffff : System RAM\n";

static void test_iomem_boot(void **state)
{
	(void)state;
	for (int v = 0; v < 2; v++) {
		char *s = iomem_after(DIMM_BOOT, v ? MEMHP_KERNEL_6_12 : MEMHP_KERNEL_6_1);

		assert_string_equal(s, pc_boot);
		free(s);
	}
}

/* Two DIMMs (1 GiB, 512 MiB): one top-level "System RAM" each, not merged
 * with boot RAM or each other although adjacent. */
static void test_iomem_dimms(void **state)
{
	char *s = iomem_after(DIMM_BOOT DIMM_ADD("dimm1", "mem1", "1073741824")
				  DIMM_ADD("dimm2", "mem2", "536870912") "settle\n",
			      MEMHP_KERNEL_6_12);

	(void)state;
	assert_string_equal(s, "00001000-0009fbff : System RAM\n"
			       "00100000-bffdffff : System RAM\n"
			       "100000000-13fffffff : System RAM\n"
			       "140000000-17fffffff : System RAM\n"
			       "180000000-19fffffff : System RAM\n");
	free(s);
}

#define VMEM_SET(id, size)                                                                         \
	"host: {\"execute\": \"qom-set\", \"arguments\": {\"path\": \"/machine/peripheral/" id     \
	"\", \"property\": \"requested-size\", \"value\": " size "}}\n"

static const char vmem_two[] = "qemu: -M q35 -m 4G,maxmem=20G\n"
			       "qemu: -object memory-backend-ram,id=mem0,size=2G\n"
			       "qemu: -device virtio-mem-pci,id=vm0,memdev=mem0,requested-size=0\n"
			       "qemu: -object memory-backend-ram,id=mem1,size=1G\n"
			       "qemu: -device virtio-mem-pci,id=vm1,memdev=mem1,requested-size=0\n"
			       "kernel-cmdline: memhp_default_state=online\n";

/* Each virtio-mem device's region is "virtioN" from probe on, the memory
 * its driver added a child "System RAM (virtio_mem)", its blocks merged
 * (400 MiB plugged: four 128 MiB blocks added). */
static void test_iomem_virtio_mem(void **state)
{
	char text[4096];
	char *s;

	(void)state;
	for (int v = 0; v < 2; v++) {
		s = iomem_after(vmem_two, v ? MEMHP_KERNEL_6_12 : MEMHP_KERNEL_6_1);
		assert_string_equal(s, "00001000-0009fbff : System RAM\n"
				       "00100000-7ffdffff : System RAM\n"
				       "100000000-17fffffff : System RAM\n"
				       "180000000-1ffffffff : virtio0\n"
				       "200000000-23fffffff : virtio1\n");
		free(s);
		snprintf(text, sizeof(text), "%s%s%ssettle\n", vmem_two,
			 VMEM_SET("vm0", "419430400"), VMEM_SET("vm1", "268435456"));
		s = iomem_after(text, v ? MEMHP_KERNEL_6_12 : MEMHP_KERNEL_6_1);
		assert_string_equal(s, "00001000-0009fbff : System RAM\n"
				       "00100000-7ffdffff : System RAM\n"
				       "100000000-17fffffff : System RAM\n"
				       "180000000-1ffffffff : virtio0\n"
				       "  180000000-19fffffff : System RAM (virtio_mem)\n"
				       "200000000-23fffffff : virtio1\n"
				       "  200000000-20fffffff : System RAM (virtio_mem)\n");
		free(s);
	}
}

/* A DIMM ejected leaves no resource; a virtio-mem device shrunk from 768
 * to 256 MiB cuts its merged resource (release_mem_region_adjustable()).
 * Recorded on 6.12. */
static void test_iomem_remove(void **state)
{
	static const char boot[] =
	    "qemu: -M pc -m 4G,slots=4,maxmem=16G\n"
	    "qemu: -object memory-backend-ram,id=mem0,size=1G\n"
	    "qemu: -device virtio-mem-pci,id=vm0,memdev=mem0,requested-size=0\n"
	    "kernel-cmdline: memhp_default_state=online_movable\n" DIMM_ADD(
		"dimm1", "mem1", "1073741824") VMEM_SET("vm0", "805306368") "settle\n";
	char text[4096];
	char *s = iomem_after(boot, MEMHP_KERNEL_6_12);

	(void)state;
	assert_string_equal(s, "00001000-0009fbff : System RAM\n"
			       "00100000-bffdffff : System RAM\n"
			       "100000000-13fffffff : System RAM\n"
			       "140000000-17fffffff : virtio0\n"
			       "  140000000-16fffffff : System RAM (virtio_mem)\n"
			       "180000000-1bfffffff : System RAM\n");
	free(s);
	snprintf(text, sizeof(text),
		 "%shost: {\"execute\": \"device_del\", \"arguments\": {\"id\": \"dimm1\"}}\n%s"
		 "settle\n",
		 boot, VMEM_SET("vm0", "268435456"));
	s = iomem_after(text, MEMHP_KERNEL_6_12);
	assert_string_equal(s, "00001000-0009fbff : System RAM\n"
			       "00100000-bffdffff : System RAM\n"
			       "100000000-13fffffff : System RAM\n"
			       "140000000-17fffffff : virtio0\n"
			       "  140000000-14fffffff : System RAM (virtio_mem)\n");
	free(s);
}

/* The tree itself: a range inside a driver's region nests below it,
 * adjacent equal ones merge, a release from the middle splits one in two,
 * and an overlap is refused with nothing changed. */
static void test_iomem_tree(void **state)
{
	struct resource root, *parent, *r;
	struct strbuf sb = {0};

	(void)state;
	iomem_init(&root);
	assert_int_equal(request_mem_region(&root, 0x1000, 0x1000, "System RAM", true, NULL), 0);
	assert_int_equal(request_mem_region(&root, 0x10000, 0x10000, "virtio0", false, &parent), 0);
	for (uint64_t a = 0x10000; a < 0x14000; a += 0x1000) {
		assert_int_equal(request_mem_region(&root, a, 0x1000, "System RAM (x)", true, &r),
				 0);
		assert_ptr_equal(r->parent, parent);
		merge_system_ram_resource(r);
	}
	assert_int_equal(request_mem_region(&root, 0x1800, 0x1000, "System RAM", true, NULL),
			 -EBUSY);
	assert_int_equal(request_mem_region(&root, 0x1f000, 0x2000, "System RAM", true, NULL),
			 -EBUSY);
	assert_int_equal(release_mem_region_adjustable(&root, 0x11000, 0x1000), 0);
	iomem_show(&root, &sb);
	assert_string_equal(sb.buf, "00001000-00001fff : System RAM\n"
				    "00010000-0001ffff : virtio0\n"
				    "  00010000-00010fff : System RAM (x)\n"
				    "  00012000-00013fff : System RAM (x)\n");
	strbuf_release(&sb);
	iomem_release_all(&root);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_iomem_tree),	 cmocka_unit_test(test_iomem_boot),
	    cmocka_unit_test(test_iomem_dimms),	 cmocka_unit_test(test_iomem_virtio_mem),
	    cmocka_unit_test(test_iomem_remove),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
