/* Memory groups: the blocks of one memory device (DIMM: static, virtio-mem:
 * dynamic). Invisible in sysfs; they feed the auto-movable policy. */
#ifndef MEMHP_MEMORY_GROUP_H
#define MEMHP_MEMORY_GROUP_H

#include <stddef.h>

#include "idtree.h"
#include "mm_types.h"

struct memory_block;

/* A group as plain values: all the auto-movable policy reads of it, and
 * what a tool on a live machine can fill in from what it knows. */
struct memory_group_stats {
	int id;
	int nid;
	bool is_dynamic;
	uint64_t max_pages;  /* static */
	uint64_t unit_pages; /* dynamic */
	uint64_t present_kernel_pages;
	uint64_t present_movable_pages;
};

struct memory_group {
	struct memory_group_stats stats;
	struct memory_block *blocks; /* newest first */
	unsigned int nr_blocks;
};

struct memory_group_registry {
	struct idtree groups; /* id -> group */
	/* The dynamic ones in ascending id order: the auto-movable policy
	 * weighs each of them on every decision. */
	const struct memory_group_stats **dynamic;
	size_t nr_dynamic, dynamic_cap;
};

struct node;

void memory_group_registry_init(struct memory_group_registry *r);
void memory_group_registry_destroy(struct memory_group_registry *r);
/* Both return the new id (>= 0) or -EINVAL / -ENOMEM / -EBUSY. */
int memory_group_register_static(struct memory_group_registry *r, const struct node *nodes,
				 int nid, uint64_t max_pages);
int memory_group_register_dynamic(struct memory_group_registry *r, const struct node *nodes,
				  int nid, uint64_t unit_pages, uint64_t pages_per_block);
int memory_group_unregister(struct memory_group_registry *r, int id);
struct memory_group *memory_group_find_by_id(const struct memory_group_registry *r, int id);

void memory_group_add_block(struct memory_group *g, struct memory_block *b);
void memory_group_remove_block(struct memory_group *g, struct memory_block *b);

#endif
