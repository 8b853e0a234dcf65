/* What differs by architecture, for x86_64 (arch/x86): the DMA zone
 * limits and the memory block size probe. */
#ifndef MEMHP_ARCH_X86_H
#define MEMHP_ARCH_X86_H

#include <stdbool.h>
#include <stdint.h>

#include "mm_types.h"

#define MAX_DMA_PFN   (16 * MiB >> PAGE_SHIFT)
#define MAX_DMA32_PFN (4 * GiB >> PAGE_SHIFT)

/* arch/x86/mm/init_64.c: probe_memory_block_size(): the memory block size
 * from the end of boot RAM and whether a hypervisor is present. */
uint64_t probe_memory_block_size(uint64_t boot_mem_end, bool is_vm);

#endif
