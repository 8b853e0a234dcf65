/* The host side: a QEMU x86 pc/q35 machine as configured on its command
 * line, its RAM layout and firmware (SeaBIOS) memory map, memory backends,
 * the device-memory area and pc-dimm devices. */
#ifndef MEMHP_QEMU_VM_H
#define MEMHP_QEMU_VM_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

enum qemu_machine_type {
	QEMU_MACHINE_PC,  /* i440fx */
	QEMU_MACHINE_Q35,
};

enum e820_type {
	E820_RAM = 1,
	E820_RESERVED = 2,
};

struct e820_entry {
	uint64_t addr, size;
	enum e820_type type;
};

struct memory_backend {
	char *id;
	char *qom_type;
	uint64_t size;
	bool in_use;
};

struct pc_dimm {
	char *id; /* may be NULL */
	unsigned int anon_index; /* device[N] of /machine/peripheral-anon without an id */
	struct memory_backend *memdev;
	int slot;
	uint64_t addr;
	int node;
	bool hotplugged;
	bool unplug_requested;
};

struct numa_node_opt {
	int nodeid;
	uint64_t mem;
	struct memory_backend *memdev;
};

struct qemu_vm {
	enum qemu_machine_type type;
	bool hypervisor_bit;
	bool amd_cpu;            /* qemu64, the default under TCG, is AuthenticAMD */
	unsigned int phys_bits;  /* 40 unless -cpu ...,phys-bits=N */
	unsigned int nr_anon_devices;
	unsigned int smp;
	unsigned int sockets; /* -smp sockets=; 7.2 machine types prefer cores: 1 */
	uint64_t ram_size;
	uint64_t maxmem;
	unsigned int slots;
	uint64_t below_4g, above_4g;
	uint64_t above_4g_start;
	uint64_t device_memory_base, device_memory_size; /* size 0: none */

	struct memory_backend **backends;
	size_t nr_backends;
	struct pc_dimm **dimms; /* in plug order */
	size_t nr_dimms;
	struct numa_node_opt numa[64];
	int nr_numa;

	struct e820_entry *e820;
	size_t nr_e820;
};

/* Builds the machine from QEMU arguments. On a bad option returns -EINVAL
 * with *bad_arg set to the offending argument index and err explaining. */
int qemu_vm_create(char *const *argv, size_t argc, struct qemu_vm **out, size_t *bad_arg, char *err,
		   size_t errlen);
void qemu_vm_free(struct qemu_vm *vm);

struct memory_backend *qemu_vm_find_backend(const struct qemu_vm *vm, const char *id);
struct pc_dimm *qemu_vm_find_dimm(const struct qemu_vm *vm, const char *id);

/* object-add of a memory backend. err gets QEMU's message. */
int qemu_vm_object_add(struct qemu_vm *vm, const char *qom_type, const char *id, uint64_t size,
		       char *err, size_t errlen);
int qemu_vm_object_del(struct qemu_vm *vm, const char *id, char *err, size_t errlen);

/* Pre-plug, realize and plug of a pc-dimm: slot and address assignment,
 * in QEMU's order of checks. node < 0 means the default (0); addr 0 and
 * slot < 0 mean automatic. -ENOENT: memdev names no object (QMP class
 * DeviceNotFound); -EINVAL: anything else (GenericError). */
int qemu_vm_dimm_plug(struct qemu_vm *vm, const char *id, const char *memdev, int node,
		      uint64_t addr, int slot, bool hotplugged, struct pc_dimm **out, char *err,
		      size_t errlen);
void qemu_vm_dimm_unplug(struct qemu_vm *vm, struct pc_dimm *d);

/* Node of boot RAM at addr per the NUMA options (SRAT). */
int qemu_vm_ram_node(const struct qemu_vm *vm, uint64_t addr);

#endif
