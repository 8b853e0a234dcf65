/* memmap on memory: a hot-added memory block whose own first pages hold
 * its memmap (the "vmemmap pages", backed by an altmap), instead of memory
 * that is already online. The rules are pure functions of the block
 * geometry, the parameter's mode and the kernel version
 * (memmap-on-memory.md §4). */
#ifndef MEMHP_MEMMAP_ON_MEMORY_H
#define MEMHP_MEMMAP_ON_MEMORY_H

#include <stdbool.h>
#include <stdint.h>

#include "kernel.h"

/* What the rules depend on besides mode and version. */
struct memmap_geometry {
	uint64_t block_size;	   /* bytes per memory block */
	uint64_t pageblock_pages;  /* pageblock_nr_pages */
	uint64_t struct_page_size; /* sizeof(struct page) */
};

/* The running kernel's geometry. */
struct memmap_geometry kernel_memmap_geometry(const struct kernel *k);

/* Bytes of memmap describing one memory block. */
uint64_t memory_block_memmap_size(const struct memmap_geometry *g);

/* Pages at the start of a block that hold its memmap, should the block get
 * one (whether it may is the support test's business); 0 when disabled. */
uint64_t memory_block_memmap_on_memory_pages(const struct memmap_geometry *g,
					     enum memmap_on_memory_mode mode,
					     enum memhp_kernel version);

/* x86_64: the memmap is mapped with PMD-sized pages taken from the altmap,
 * so it must consist of whole PMDs. */
bool arch_supports_memmap_on_memory(uint64_t memmap_size);

/* 6.1: may an add of `size` bytes place its memmap on itself? Only a
 * single-block add can. */
bool mhp_supports_memmap_on_memory_6_1(const struct memmap_geometry *g,
				       enum memmap_on_memory_mode mode, uint64_t size);

/* 6.12: may every block of an add place its memmap on itself? The answer
 * does not depend on the size of the add. */
bool mhp_supports_memmap_on_memory_6_12(const struct memmap_geometry *g,
					enum memmap_on_memory_mode mode);

/* The version's support test for an add of `size` bytes to kernel k. */
bool mhp_supports_memmap_on_memory(const struct kernel *k, uint64_t size);

#endif
