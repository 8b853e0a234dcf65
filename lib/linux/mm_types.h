/* Units and enumerations shared by the whole machine model (x86_64 guest). */
#ifndef MEMHP_MM_TYPES_H
#define MEMHP_MM_TYPES_H

#include <stdbool.h>
#include <stdint.h>

#include "memhp/kernel_version.h"
#include "units.h"

#define PAGE_SHIFT          12
#define PAGE_SIZE           (1ULL << PAGE_SHIFT)
#define SECTION_SIZE_BITS   27
#define PAGES_PER_SECTION   (1ULL << (SECTION_SIZE_BITS - PAGE_SHIFT))
#define PAGES_PER_SUBSECTION 512ULL /* 2 MiB: the step of the zone-shrink scan */
#define PAGEBLOCK_NR_PAGES  512ULL /* with hugetlb/THP; the kernel's value is k->pageblock_pages */
#define PMD_SIZE            (2ULL << 20) /* the vmemmap's huge mappings */
#define STRUCT_PAGE_SIZE    64ULL /* sizeof(struct page) in a distribution build */
#define MAX_ORDER_NR_PAGES  1024ULL /* 4 MiB: ZONE_MOVABLE start rounding */
#define MAX_PHYSMEM_BITS    46 /* 4-level paging: what a QEMU qemu64 guest has */
#define NUMA_NO_NODE        (-1)
#define MAX_NUMNODES        64

#define PFN_DOWN(x) ((x) >> PAGE_SHIFT)
#define PFN_UP(x)   (((x) + PAGE_SIZE - 1) >> PAGE_SHIFT)
#define PFN_PHYS(x) ((uint64_t)(x) << PAGE_SHIFT)

enum zone_type {
	ZONE_DMA,
	ZONE_DMA32,
	ZONE_NORMAL,
	ZONE_MOVABLE,
	MAX_NR_ZONES,
};

/* Online types, in the kernel's order (MMOP_*). */
enum mmop {
	MMOP_OFFLINE,
	MMOP_ONLINE,
	MMOP_ONLINE_KERNEL,
	MMOP_ONLINE_MOVABLE,
};

/* Block states and memory-notifier actions share one number space, as in
 * the kernel; a block's state is one of the first three. */
enum memory_block_state {
	MEM_ONLINE = 1,
	MEM_GOING_OFFLINE = 2,
	MEM_OFFLINE = 4,
	MEM_GOING_ONLINE = 8,
	MEM_CANCEL_ONLINE = 16,
	MEM_CANCEL_OFFLINE = 32,
	MEM_PREPARE_ONLINE = 64,  /* 6.12 */
	MEM_FINISH_OFFLINE = 128, /* 6.12 */
};

enum online_policy {
	ONLINE_POLICY_CONTIG_ZONES,
	ONLINE_POLICY_AUTO_MOVABLE,
};

const char *zone_name(enum zone_type z);
const char *mmop_name(enum mmop t);
/* Parses one of the four online-type strings with sysfs_streq(); -EINVAL. */
int mmop_from_str(const char *s, enum mmop *t);
const char *memory_block_state_name(enum memory_block_state s);
const char *online_policy_name(enum online_policy p);

#endif
