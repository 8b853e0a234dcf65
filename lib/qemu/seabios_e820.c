/* SeaBIOS's e820 map as observed under QEMU 7.2 (src/memmap.c and the
 * fw_cfg etc/e820 table QEMU passes it). */
#include "seabios_e820.h"

#include "array.h"
#include "pc.h"
#include "qemu.h"
#include "units.h"

static int e820_add(struct qemu_vm *vm, uint64_t addr, uint64_t size, enum e820_type type)
{
	if (array_grow(&vm->e820, &vm->e820_cap, vm->nr_e820 + 1, sizeof(*vm->e820)))
		return -ENOMEM;
	vm->e820[vm->nr_e820++] = (struct e820_entry){addr, size, type};
	return 0;
}

/* The map SeaBIOS hands over (observed with QEMU 7.2): low RAM minus the
 * EBDA and BIOS areas, a reserved tail below the end of low RAM for its
 * tables, the MMCONFIG window on q35, the BIOS flash, high RAM. */
int seabios_build_e820(struct qemu_vm *vm)
{
	/* 32 pages on every observed map up to 64 GiB; 33 at 65 GiB, where the
	 * firmware's tables grew by a page. Larger sizes are unobserved. */
	uint64_t tail = (vm->ram_size > 64 * GiB ? 33 : 32) * TARGET_PAGE_SIZE;
	int r = 0;

	r |= e820_add(vm, 0, 0x9fc00, E820_RAM);
	r |= e820_add(vm, 0x9fc00, 0x400, E820_RESERVED);
	r |= e820_add(vm, 0xf0000, 0x10000, E820_RESERVED);
	if (vm->below_4g > 0x100000 + tail) {
		r |= e820_add(vm, 0x100000, vm->below_4g - tail - 0x100000, E820_RAM);
		r |= e820_add(vm, vm->below_4g - tail, tail, E820_RESERVED);
	}
	if (vm->type == QEMU_MACHINE_Q35) {
		r |= e820_add(vm, 0xb0000000, 0x10000000, E820_RESERVED);
		r |= e820_add(vm, 0xfed1c000, 0x4000, E820_RESERVED);
	}
	r |= e820_add(vm, 0xfffc0000, 0x40000, E820_RESERVED);
	if (vm->above_4g)
		r |= e820_add(vm, vm->above_4g_start, vm->above_4g, E820_RAM);
	if (vm->amd_cpu && vm->phys_bits >= 40)
		r |= e820_add(vm, AMD_HT_START, AMD_HT_END - AMD_HT_START + 1, E820_RESERVED);
	return r ? -ENOMEM : 0;
}
