/* A struct boot_info for kernel_boot without QEMU, shared by the unit tests
 * and bench/bench_scale.c: what the firmware would hand the kernel (e820
 * usable ranges with their node, possible nodes), without hot-pluggable
 * SRAT ranges. Only the kernel's header: the bench links no cmocka. */
#ifndef MEMHP_TEST_BOOT_INFO_H
#define MEMHP_TEST_BOOT_INFO_H

#include <stdbool.h>
#include <stddef.h>

#include "kernel.h"

/* ram must outlive the returned value (it is not copied); no CPUs on any
 * node unless the caller fills cpus_per_node. */
static inline struct boot_info tu_boot_info(enum memhp_kernel version, bool is_vm,
					    const char *cmdline, struct firmware_range *ram,
					    size_t nr_ram, int nr_nodes)
{
	struct boot_info bi = {.version = version, .is_vm = is_vm, .cmdline = cmdline};

	bi.ram = ram;
	bi.nr_ram = nr_ram;
	bi.nr_nodes = nr_nodes;
	return bi;
}

#endif
