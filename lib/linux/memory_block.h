/* Memory block devices: /sys/devices/system/memory/memoryN. */
#ifndef MEMHP_MEMORY_BLOCK_H
#define MEMHP_MEMORY_BLOCK_H

#include "mm_types.h"

struct zone;
struct memory_group;

/* What occupies a block's pages, as far as offlining cares. Page-level
 * contents come with the offlining model; until then a block is described
 * by counts of the page classes that decide the outcome. */
struct block_contents {
	uint64_t reserved_pages;  /* PG_reserved: EBUSY at isolation in any zone */
	uint64_t unmovable_pages; /* slab, page tables...: EBUSY in kernel zones */
};

/* The firmware node a driver bound a block to (the kernel's companion
 * device): its path under /sys/devices, owned by the driver. */
struct fwnode_handle {
	char path[96];
};

struct memory_block {
	uint64_t id;
	enum memory_block_state state;
	enum mmop online_type; /* type asked for by the pending/last state write */
	int nid;               /* NUMA_NO_NODE until linked to a node */
	uint64_t node_links;   /* bit K: nodeK <-> memoryN links exist */
	struct zone *zone;     /* the single zone of all its pages, or NULL */
	struct memory_group *group;
	const struct fwnode_handle *fwnode; /* set by the driver that bound it, or NULL */
	uint64_t nr_vmemmap_pages;
	uint64_t nr_hwpoison;
	bool early;              /* boot memory (its sections carry the early flag) */
	uint64_t ram_pages;      /* System RAM pages inside the block (holes excluded) */
	struct block_contents contents;
	struct memory_block *group_next; /* the group's member list */
	struct memory_block *group_prev;
};

static inline uint64_t memory_block_start_pfn(const struct memory_block *b, uint64_t pages_per_block)
{
	return b->id * pages_per_block;
}

#endif
