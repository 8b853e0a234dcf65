/* The memory hotplug core: adding and removing memory, onlining and
 * offlining memory blocks, zone selection. */
#ifndef MEMHP_MEMORY_HOTPLUG_H
#define MEMHP_MEMORY_HOTPLUG_H

#include "kernel.h"
#include "memory.h"
#include "online_policy.h"

/* add_memory() flags */
#define MHP_NID_IS_MGID      (1u << 0) /* the nid argument is a memory group id */
#define MHP_MEMMAP_ON_MEMORY (1u << 1)
#define MHP_MERGE_RESOURCE   (1u << 2) /* merge with adjacent resources of the same name */

void node_zone_spans(const struct node *n, struct node_zone_spans *spans);

/* The zone an online of [start_pfn, start_pfn + nr_pages) with `type`
 * would use now. */
const struct zone *zone_for_pfn_range(const struct kernel *k, enum mmop type, int nid,
				const struct memory_group *group, uint64_t start_pfn,
				uint64_t nr_pages);
/* The same, and how it was decided. */
const struct zone *zone_for_pfn_range_explained(const struct kernel *k, enum mmop type, int nid,
					  const struct memory_group *group, uint64_t start_pfn,
					  uint64_t nr_pages, struct zone_decision *d);

/* The pages the auto-movable policy would still put into ZONE_MOVABLE
 * for memory of node nid in group (may be NULL) before the ratio sends
 * it to a kernel zone: the smaller room of the global check and, when
 * NUMA-aware, the node's. Reads only. */
uint64_t auto_movable_headroom(const struct kernel *k, int nid, const struct memory_group *group);

/* online_pages()/offline_pages() of block b's [start_pfn, +nr_pages) in
 * zone z: spans, counters, node states and the notifier chain. 0, or a
 * negative errno with the block as it was (offline: EINVAL for holes,
 * EBUSY when isolation fails, a notifier's veto, or EINTR when pages
 * cannot be migrated and the kernel would retry until signalled; pages
 * migrated before that stay where they went). */
int online_pages(struct kernel *k, struct memory_block *b, struct zone *z, uint64_t start_pfn,
		 uint64_t nr_pages);
int offline_pages(struct kernel *k, struct memory_block *b, struct zone *z, uint64_t start_pfn,
		  uint64_t nr_pages);
/* Present pages of zone z, its node and b's group grow by nr (or shrink).
 * Inline: it runs on every online and offline, from memory.c too. */
static inline void adjust_present_page_count(struct kernel *k, struct memory_block *b,
					     struct zone *z, int64_t nr)
{
	if (b->early)
		z->present_early_pages += (uint64_t)nr;
	z->present_pages += (uint64_t)nr;
	k->nodes[z->nid].present_pages += (uint64_t)nr;
	if (b->group) {
		if (z->type == ZONE_MOVABLE)
			b->group->stats.present_movable_pages += (uint64_t)nr;
		else
			b->group->stats.present_kernel_pages += (uint64_t)nr;
	}
}

/* The managed pages of zone z (and totalram) grow by nr, or shrink: pages
 * handed to or taken from the buddy outside onlining (virtio-mem's
 * fake-online and fake-offline). */
void adjust_managed_page_count(struct kernel *k, struct zone *z, int64_t nr);

/* What keeps a block's pages in zone z from being isolated
 * (has_unmovable_pages()), so that offlining and alloc_contig_range() of
 * any range in it fail with EBUSY: PG_reserved pages in any zone, or
 * unmovable pages (slab, page tables) in a kernel zone. Reads only. */
enum isolate_blocker {
	ISOLATE_OK,
	ISOLATE_RESERVED,
	ISOLATE_UNMOVABLE,
};
enum isolate_blocker memory_block_isolate_blocker(const struct kernel *k,
						  const struct memory_block *b,
						  const struct zone *z);

/* alloc_contig_range(MIGRATE_MOVABLE) of online pages for a driver that
 * keeps them PageOffline (virtio-mem's fake-offline): isolation, then
 * migration of what is movable. 0 with the range the caller's, or -EBUSY
 * (unmovable or pinned pages, no room to migrate to) with nothing taken;
 * pages moved before a failure stay moved, as in the kernel. The caller
 * accounts managed pages. */
int alloc_contig_range(struct kernel *k, uint64_t start_pfn, uint64_t nr_pages);
/* free_contig_range(): the caller's pages go back to the buddy. */
void free_contig_range(struct kernel *k, uint64_t start_pfn, uint64_t nr_pages);

/* set_online_page_callback(): 0, or -EBUSY when another is installed. */
int set_online_page_callback(struct kernel *k, const struct online_page_callback *cb);
/* Back to the generic callback, if cb with this data is the one installed. */
void restore_online_page_callback(struct kernel *k, const void *data);

/* add_memory(): the blocks of [start, start + size) on node nid (or in
 * memory group nid with MHP_NID_IS_MGID), onlined if auto_online_blocks
 * says so. 0 (failed auto-onlines leave blocks offline), or -EINVAL,
 * -EEXIST, -E2BIG, -ENOMEM with nothing added. */
int add_memory(struct kernel *k, int nid, uint64_t start, uint64_t size, unsigned int mhp_flags);
/* add_memory_driver_managed(): the same, the range's resource named
 * res_name, which must be "System RAM (...)" (-EINVAL otherwise). */
int add_memory_driver_managed(struct kernel *k, int nid, uint64_t start, uint64_t size,
			      const char *res_name, unsigned int mhp_flags);
/* remove_memory(): every block of the range must be offline. 0, or
 * -EINVAL/-EBUSY/-ENOMEM with nothing removed. */
int remove_memory(struct kernel *k, uint64_t start, uint64_t size);
/* offline_and_remove_memory(): 0, or a negative errno with every block it
 * had offlined onlined again into a zone of the same kind. */
int offline_and_remove_memory(struct kernel *k, uint64_t start, uint64_t size);

#endif
