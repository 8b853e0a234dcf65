/* pc-dimm (hw/mem/pc-dimm.c): a DIMM in one of the machine's memory slots,
 * backed by a memory backend; a memory device. */
#ifndef MEMHP_QEMU_PC_DIMM_H
#define MEMHP_QEMU_PC_DIMM_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "memory_device.h"

struct memory_backend;
struct qemu_vm;

struct pc_dimm {
	struct memory_device md; /* first: a pc_dimm is a memory device */
	struct memory_backend *memdev;
	int slot;
	uint64_t addr;
	int node;
	bool hotplugged;
	bool unplug_requested; /* device_del asked, the guest has not answered no */
};

/* The pc-dimm behind a memory device, or NULL if it is of another kind. */
struct pc_dimm *to_pc_dimm(struct memory_device *md);
const struct pc_dimm *to_pc_dimm_const(const struct memory_device *md);

/* The DIMM in slot, or NULL. */
struct pc_dimm *pc_dimm_in_slot(const struct qemu_vm *vm, int slot);

/* -device pc-dimm,... or device_add: the properties as the strings QEMU's
 * option parser hands them to the device (NULL: not given). */
struct pc_dimm_opts {
	const char *id;	    /* NULL: anonymous */
	const char *memdev; /* backend id */
	const char *addr;   /* uint64; 0 (the default): automatic */
	const char *slot;   /* int32; -1 (the default): automatic */
	const char *node;   /* uint32; default 0 */
	bool hotplugged;
};

/* Pre-plug, realize and plug of a pc-dimm: the properties, slot and
 * address assignment, in QEMU's order of checks. -ENOENT: memdev names no
 * object (QMP class DeviceNotFound); -EINVAL: anything else
 * (GenericError), with QEMU's message in err; -ENOMEM. The VM is
 * unchanged on error. */
int pc_dimm_plug(struct qemu_vm *vm, const struct pc_dimm_opts *o, struct pc_dimm **out, char *err,
		 size_t errlen);
/* Unplugs and frees the DIMM, releasing its backend. */
void pc_dimm_unplug(struct qemu_vm *vm, struct pc_dimm *d);

#endif
