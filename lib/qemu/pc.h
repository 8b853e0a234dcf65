/* The pc and q35 boards' memory layout (hw/i386/pc.c, pc_piix.c, pc_q35.c). */
#ifndef MEMHP_QEMU_PC_H
#define MEMHP_QEMU_PC_H

#include <stdint.h>

struct qemu_vm;

/* AMD's HyperTransport window below 1 TiB, which guest RAM avoids. */
#define AMD_HT_START  0xfd00000000ULL
#define AMD_HT_END    0xffffffffffULL
#define AMD_ABOVE_1TB 0x10000000000ULL

/* Splits RAM below/above 4 GiB and places the device-memory area
 * (pc_memory_init()). */
void pc_memory_init(struct qemu_vm *vm);

/* The highest guest-physical address QEMU uses: the end of the 64-bit PCI
 * hole above device memory (pc_max_used_gpa()). */
uint64_t pc_max_used_gpa(const struct qemu_vm *vm);

#endif
