/* Memory block devices, /sys/devices/system/memory/memoryN, as the
 * kernel's drivers/base/memory.c keeps them: their state changes, the
 * memory notifier chain, and observers of what was decided. */
#ifndef MEMHP_MEMORY_H
#define MEMHP_MEMORY_H

#include <stddef.h>

#include "mm_types.h"
#include "page_alloc.h"

struct kernel;
struct zone;
struct memory_group;
struct zone_decision;

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
	uint64_t ram_end_pfn;    /* boot blocks: the end of their last RAM page */
	struct block_pages pages; /* what its pages hold while online */
	/* Where its memmap lives when the kernel allocated it (hot-added
	 * memory without memmap_on_memory), else NO_MEMMAP_PFN. */
	uint64_t memmap_pfn;
	struct memory_block *group_next; /* the group's member list */
	struct memory_block *group_prev;
};

#define NO_MEMMAP_PFN UINT64_MAX

struct memory_notify {
	uint64_t start_pfn;
	uint64_t nr_pages;
	int status_change_nid_normal;
	int status_change_nid;
	uint64_t altmap_start_pfn; /* 6.12, PREPARE/FINISH only */
	uint64_t altmap_nr_pages;
};

struct memory_notifier {
	/* Returns 0, or a negative errno to veto (GOING_* and PREPARE_ONLINE). */
	int (*call)(void *data, enum memory_block_state action, const struct memory_notify *arg);
	void *data;
	int priority;
};

/* Called after the fact by the memory-block core, for whoever wants to
 * know (memhp explain, the runner, later pictures and a QMP server).
 * Observers cannot veto (memory notifiers can) and must not change the
 * kernel. Either callback may be NULL. */
struct memory_observer {
	/* b went online into the zone d chose, for the reasons d records. */
	void (*zone_decided)(void *data, const struct memory_block *b, const struct zone_decision *d);
	/* b went from state old to b->state (MEM_ONLINE or MEM_OFFLINE). */
	void (*state_changed)(void *data, const struct memory_block *b, enum memory_block_state old);
	void *data;
};

/* The notifier chain: descending priority, equal priorities in the order
 * they registered. 0, or -ENOMEM with the chain unchanged. */
int register_memory_notifier(struct kernel *k, const struct memory_notifier *nb);
/* Removes every notifier registered with data; cannot fail. */
void unregister_memory_notifier(struct kernel *k, void *data);
/* memory_notify(), which sends an action down the chain, is inline in
 * kernel.h, where the chain lives. */

/* 0, or -ENOMEM with nothing registered. */
int register_memory_observer(struct kernel *k, const struct memory_observer *o);
/* Removes every observer registered with data; cannot fail. */
void unregister_memory_observer(struct kernel *k, void *data);

/* Device-core semantics: 1 if the block already is in the asked state,
 * 0 when it changed, or a negative errno with the block as it was. */
int device_online(struct kernel *k, struct memory_block *b);
int device_offline(struct kernel *k, struct memory_block *b);

/* The sysfs attribute writes of memoryN/state and memoryN/online: 0 or a
 * negative errno (the errno a write(2) returns). */
int memory_block_state_store(struct kernel *k, struct memory_block *b, const char *buf);
int memory_block_online_store(struct kernel *k, struct memory_block *b, const char *buf);

/* One offline block device per block of [start, start + size), each with
 * nr_vmemmap_pages of its own memmap at its start, in group (or none).
 * 0, or -ENOMEM/-EEXIST with no block created. */
int create_memory_block_devices(struct kernel *k, uint64_t start, uint64_t size, int nid,
				struct memory_group *group, uint64_t nr_vmemmap_pages);
/* Unlinks b from its group and node and frees it; cannot fail. */
void remove_memory_block_device(struct kernel *k, struct memory_block *b);

/* Every present block with first <= id < end, ascending (the kernel's
 * walk_memory_blocks() over a physical range). */
#define for_each_memory_block_in_range(k, b, id, first, end)                                        \
	for ((b) = idtree_find_next(&(k)->blocks, (first), &(id)); (b) && (id) < (end);             \
	     (b) = idtree_find_next(&(k)->blocks, (id) + 1, &(id)))

#endif
