/* The memory hotplug core: adding and removing memory, onlining and
 * offlining memory blocks, zone selection. */
#ifndef MEMHP_MEMORY_HOTPLUG_H
#define MEMHP_MEMORY_HOTPLUG_H

#include "kernel.h"
#include "online_policy.h"

/* add_memory() flags */
#define MHP_NID_IS_MGID      (1u << 0) /* the nid argument is a memory group id */
#define MHP_MEMMAP_ON_MEMORY (1u << 1)

void node_zone_spans(const struct node *n, struct node_zone_spans *spans);

/* The zone an online of [start_pfn, start_pfn + nr_pages) with `type`
 * would use now. */
struct zone *zone_for_pfn_range(const struct kernel *k, enum mmop type, int nid,
				const struct memory_group *group, uint64_t start_pfn,
				uint64_t nr_pages);
/* The same, and how it was decided. */
struct zone *zone_for_pfn_range_explained(const struct kernel *k, enum mmop type, int nid,
					  const struct memory_group *group, uint64_t start_pfn,
					  uint64_t nr_pages, struct zone_decision *d);

/* Device-core semantics: 1 if the block already is in the asked state. */
int device_online(struct kernel *k, struct memory_block *b);
int device_offline(struct kernel *k, struct memory_block *b);

/* The sysfs attribute writes of memoryN/state and memoryN/online. */
int memory_block_state_store(struct kernel *k, struct memory_block *b, const char *buf);
int memory_block_online_store(struct kernel *k, struct memory_block *b, const char *buf);

int add_memory(struct kernel *k, int nid, uint64_t start, uint64_t size, unsigned int mhp_flags);
int remove_memory(struct kernel *k, uint64_t start, uint64_t size);
int offline_and_remove_memory(struct kernel *k, uint64_t start, uint64_t size);

#endif
