/* RAM below and above 4 GiB, device memory and the AMD HyperTransport
 * window, mirroring hw/i386/pc.c (pc_memory_init, pc_max_used_gpa). */
#include "pc.h"

#include "qemu.h"
#include "units.h"

uint64_t pc_max_used_gpa(const struct qemu_vm *vm)
{
	uint64_t end = vm->device_memory_size ? vm->device_memory_base + vm->device_memory_size
					      : vm->above_4g_start + vm->above_4g;
	uint64_t hole64 = vm->type == QEMU_MACHINE_Q35 ? 32 * GiB : 2 * GiB;

	return align_up(end, GiB) + hole64 - 1;
}

/* The low-memory end: pc_init1() and pc_q35_init() cut RAM at 3.5 (pc) or
 * 2.75 GiB (q35) when it would not fit below the PCI hole. */
static uint64_t lowmem_end(const struct qemu_vm *vm)
{
	if (vm->type == QEMU_MACHINE_Q35)
		return vm->ram_size >= 0xb0000000ULL ? 0x80000000ULL : 0xb0000000ULL;
	return vm->ram_size >= 0xe0000000ULL ? 0xc0000000ULL : 0xe0000000ULL;
}

void pc_memory_init(struct qemu_vm *vm)
{
	uint64_t lowmem = lowmem_end(vm);

	if (vm->ram_size >= lowmem) {
		vm->below_4g = lowmem;
		vm->above_4g = vm->ram_size - lowmem;
	} else {
		vm->below_4g = vm->ram_size;
		vm->above_4g = 0;
	}
	vm->above_4g_start = 4 * GiB;
	if (vm->maxmem > vm->ram_size)
		vm->device_memory_size = vm->maxmem - vm->ram_size + (uint64_t)vm->slots * GiB;
	vm->device_memory_base = align_up(vm->above_4g_start + vm->above_4g, GiB);
	/* AMD CPUs keep guest memory out of the HyperTransport window below
	 * 1 TiB: when the highest address QEMU would use (the end of the 64-bit
	 * PCI hole) reaches it, everything above 4 GiB moves to 1 TiB. */
	if (vm->amd_cpu && pc_max_used_gpa(vm) >= AMD_HT_START) {
		vm->above_4g_start = AMD_ABOVE_1TB;
		vm->device_memory_base = align_up(vm->above_4g_start + vm->above_4g, GiB);
	}
	if (!vm->device_memory_size)
		vm->device_memory_base = 0;
}
