#include "arch_x86.h"

uint64_t probe_memory_block_size(uint64_t boot_mem_end, bool is_vm)
{
	const uint64_t min = 128 * MiB, max = 2 * GiB;
	uint64_t size;

	if (boot_mem_end < 64 * GiB)
		return min;
	if (!is_vm)
		return max;
	/* The loop gives up at the minimum without testing it. */
	for (size = max; size > min; size >>= 1)
		if (boot_mem_end % size == 0)
			break;
	return size;
}
