/* The e820 memory map SeaBIOS hands to the guest. */
#ifndef MEMHP_QEMU_SEABIOS_E820_H
#define MEMHP_QEMU_SEABIOS_E820_H

#include <stdint.h>

struct qemu_vm;

enum e820_type {
	E820_RAM = 1,
	E820_RESERVED = 2,
};

struct e820_entry {
	uint64_t addr, size;
	enum e820_type type;
};

/* Builds vm->e820 from the RAM layout. 0 or -ENOMEM. */
int seabios_build_e820(struct qemu_vm *vm);

#endif
