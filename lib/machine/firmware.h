/* What the firmware tells the guest kernel at boot: the e820 map cut at
 * the NUMA boundaries of the SRAT, the hot-pluggable range, CPUs per node. */
#ifndef MEMHP_MACHINE_FIRMWARE_H
#define MEMHP_MACHINE_FIRMWARE_H

#include "memhp/kernel_version.h"

struct kernel;
struct qemu_vm;

/* Boots the guest kernel on vm's firmware tables. 0 or -errno. */
int firmware_boot_kernel(const struct qemu_vm *vm, enum memhp_kernel version, const char *cmdline,
			 struct kernel **out);

#endif
