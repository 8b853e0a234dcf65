#include "memmap_on_memory.h"

struct memmap_geometry kernel_memmap_geometry(const struct kernel *k)
{
	return (struct memmap_geometry){
	    .block_size = k->block_size,
	    .pageblock_pages = k->pageblock_pages,
	    .struct_page_size = STRUCT_PAGE_SIZE,
	};
}

uint64_t memory_block_memmap_size(const struct memmap_geometry *g)
{
	return g->block_size / PAGE_SIZE * g->struct_page_size;
}

uint64_t memory_block_memmap_on_memory_pages(const struct memmap_geometry *g,
					     enum memmap_on_memory_mode mode,
					     enum memhp_kernel version)
{
	uint64_t pages = PFN_UP(memory_block_memmap_size(g));

	if (mode == MEMMAP_ON_MEMORY_DISABLE)
		return 0;
	/* 6.1 counts what x86_64 consumed from the altmap: whole PMDs, which
	 * equals the rounded-up memmap whenever its support test passes. 6.12
	 * in force mode wastes pages so that the real pages start on a
	 * pageblock boundary. */
	if (version == MEMHP_KERNEL_6_12 && mode == MEMMAP_ON_MEMORY_FORCE)
		pages = align_up(pages, g->pageblock_pages);
	return pages;
}

bool arch_supports_memmap_on_memory(uint64_t memmap_size)
{
	return memmap_size % PMD_SIZE == 0;
}

bool mhp_supports_memmap_on_memory_6_1(const struct memmap_geometry *g,
				       enum memmap_on_memory_mode mode, uint64_t size)
{
	uint64_t memmap = size / PAGE_SIZE * g->struct_page_size;

	/* The memmap must map with whole PMDs and leave the rest of the range
	 * pageblock aligned. 6.1 keeps one altmap per add and rebuilds it at
	 * removal from a single block's count, so only a one-block add
	 * qualifies. */
	return mode != MEMMAP_ON_MEMORY_DISABLE && size == g->block_size &&
	       arch_supports_memmap_on_memory(memmap) &&
	       (size - memmap) % (g->pageblock_pages * PAGE_SIZE) == 0;
}

bool mhp_supports_memmap_on_memory_6_12(const struct memmap_geometry *g,
					enum memmap_on_memory_mode mode)
{
	uint64_t memmap = memory_block_memmap_size(g);
	uint64_t pages = memory_block_memmap_on_memory_pages(g, mode, MEMHP_KERNEL_6_12);

	if (mode == MEMMAP_ON_MEMORY_DISABLE)
		return false;
	if (memmap % PAGE_SIZE)
		return false;
	/* The block's real pages must start on a pageblock boundary. */
	if (pages % g->pageblock_pages)
		return false;
	/* A block that is all memmap would have nothing left to online. */
	if (pages == g->block_size / PAGE_SIZE)
		return false;
	return arch_supports_memmap_on_memory(memmap);
}

bool mhp_supports_memmap_on_memory(const struct kernel *k, uint64_t size)
{
	struct memmap_geometry g = kernel_memmap_geometry(k);

	if (k->version == MEMHP_KERNEL_6_1)
		return mhp_supports_memmap_on_memory_6_1(&g, k->memmap_on_memory, size);
	return mhp_supports_memmap_on_memory_6_12(&g, k->memmap_on_memory);
}
