/* Zones and nodes: spans and page counters, as the kernel keeps them in
 * struct zone and pg_data_t. */
#ifndef MEMHP_ZONE_H
#define MEMHP_ZONE_H

#include "idtree.h"
#include "mm_types.h"

struct memory_block;

struct zone {
	enum zone_type type;
	int nid;
	uint64_t start_pfn;
	uint64_t spanned_pages;
	uint64_t present_pages;
	uint64_t present_early_pages;
	uint64_t managed_pages;
	uint64_t cma_pages;
	/* The span the zone got at boot: pages of a mixed boot block belong
	 * to the zone whose boot span holds them, for as long as it lives. */
	uint64_t boot_start_pfn;
	uint64_t boot_spanned_pages;
	/* The end of the hole pages after the last boot RAM range that
	 * belong to this zone and are online, maybe past its span:
	 * memmap_init() gives the rest of the last section to the highest
	 * zone of the last node, and the 2 MiB subsection the RAM ends in is
	 * valid. 0: another zone has them. */
	uint64_t boot_tail_end_pfn;
	/* Memory blocks with online pages in this zone, by block id: lets the
	 * span shrink find the nearest online neighbour in O(log n). */
	struct idtree online_blocks;
	/* Allocation starts its walk here: blocks below have no free page
	 * (alloc_hint), no free aligned 2 MiB (alloc_hint_aligned), or no
	 * room for a memmap larger than that (alloc_hint_contig: 2 GiB
	 * blocks). Any free or online below lowers them (page_alloc.c). */
	uint64_t alloc_hint, alloc_hint_aligned, alloc_hint_contig;
};

struct node {
	int id;
	bool possible;
	bool online;          /* has its node device (sysfs nodeN) */
	bool n_memory;        /* N_MEMORY */
	bool n_normal_memory; /* N_NORMAL_MEMORY */
	unsigned int nr_cpus;
	uint64_t nr_memory_blocks; /* blocks whose nid is this node */
	uint64_t start_pfn;
	uint64_t spanned_pages;
	uint64_t present_pages;
	struct zone zones[MAX_NR_ZONES];
};

static inline uint64_t zone_end_pfn(const struct zone *z)
{
	return z->start_pfn + z->spanned_pages;
}

static inline bool zone_is_empty(const struct zone *z)
{
	return z->spanned_pages == 0;
}

static inline bool populated_zone(const struct zone *z)
{
	return z->present_pages != 0;
}

static inline bool zone_intersects(const struct zone *z, uint64_t start_pfn, uint64_t nr_pages)
{
	if (zone_is_empty(z))
		return false;
	return start_pfn < zone_end_pfn(z) && start_pfn + nr_pages > z->start_pfn;
}

void node_init(struct node *n, int nid);
void node_destroy(struct node *n);

/* Grows zone and node spans to cover [start_pfn, start_pfn + nr). */
void zone_grow_span(struct zone *z, struct node *n, uint64_t start_pfn, uint64_t nr_pages);

/* After [start_pfn, end_pfn) of block `gone` stopped being online in z:
 * trims the zone span at its edges to the nearest remaining online page of
 * the zone (in 2 MiB steps), then recomputes the node span. The caller has
 * already removed `gone` from z->online_blocks. */
void zone_shrink_span(struct zone *z, struct node *n, uint64_t pages_per_block, uint64_t start_pfn,
		      uint64_t end_pfn);

/* The part of block b whose pages a span shrink finds online in z: all
 * of it for hot-added memory; for boot memory, its RAM in z (a mixed
 * block's in z's boot span) and the hole pages after it that z has.
 * Returns false if none. */
bool block_extent_in_zone(const struct memory_block *b, const struct zone *z, uint64_t pages_per_block,
			  uint64_t *start_pfn, uint64_t *end_pfn);

#endif
