/* A machine's memory as user space sees it: memory blocks, nodes, zones,
 * memory devices and hotplug parameters, read from /sys and /proc through
 * a vfs (this host, a sysroot, the model's tree, a real guest) into plain
 * arrays. The zone `online` would pick is then decided by the pure policy
 * functions of online_policy.h, the code the model's kernel decides with.
 *
 * What /sys and /proc do not show is estimated, and said so:
 * - KERNEL_EARLY (present_early of kernel zones) is the kernel zones'
 *   present pages minus those of online blocks that belong to a memory
 *   device (hot-added, so never early). Boot memory removed and re-added
 *   would be counted as early.
 * - Memory groups: a static group per ACPI memory device (the blocks'
 *   firmware_node), a dynamic one per virtio-mem device (its region in
 *   /proc/iomem), with one memory block as the unit (virtio-mem's
 *   sub-block mode; big-block mode is not visible from user space).
 * - CMA: the zone's "cma" line of /proc/zoneinfo when it has one. */
#ifndef MEMHP_LIVE_H
#define MEMHP_LIVE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "memory_group.h"
#include "mm_types.h"
#include "online_policy.h"

struct vfs;

struct live_zone {
	uint64_t start_pfn, spanned, present, managed, cma;
	uint64_t device_pages; /* of online blocks of memory devices: not early */
};

struct live_node {
	bool online; /* listed in /proc/zoneinfo */
	struct live_zone zones[MAX_NR_ZONES];
};

enum live_device_kind {
	LIVE_DEVICE_ACPI, /* an ACPI memory device (pc-dimm): a static group */
	LIVE_DEVICE_VIRTIO_MEM,
};

struct live_device {
	enum live_device_kind kind;
	char name[64];	     /* "PNP0C80:00", "virtio0" */
	char fwnode[256];    /* ACPI: the firmware_node link's target */
	uint64_t start, end; /* bytes, end exclusive: blocks seen (ACPI), region (virtio) */
	uint64_t nr_blocks;  /* memory blocks present */
	struct memory_group_stats stats; /* id: index in devices[] */
};

struct live_block {
	uint64_t id;
	enum memory_block_state state; /* 0: unreadable */
	int nid;		       /* NUMA_NO_NODE: no node link */
	int zone;		       /* online: enum zone_type; else -1 */
	int device;		       /* index in devices[], or -1 */
	bool removable;
};

struct live_params {
	bool has_online_policy; /* 5.16 and later */
	enum online_policy online_policy;
	unsigned int auto_movable_ratio;
	bool auto_movable_numa_aware;
	char memmap_on_memory[16]; /* as read, newline dropped; "" if absent */
	bool has_auto_online;
	enum mmop auto_online_blocks;
};

struct live_memory {
	uint64_t block_size, pages_per_block;
	struct live_block *blocks; /* ascending id */
	size_t nr_blocks;
	struct live_device *devices;
	size_t nr_devices;
	bool has_zoneinfo;
	int nr_node_ids; /* highest node seen + 1 */
	struct live_node nodes[MAX_NUMNODES];
	struct live_params params;
	char *cmdline; /* /proc/cmdline, "" if absent */
	bool movable_node;
	const struct memory_group_stats *dynamic[MAX_NUMNODES * 4]; /* virtio-mem groups */
	size_t nr_dynamic;
};

/* Reads everything. 0, or -errno with err saying which file failed (no
 * memory directory, no block_size_bytes). Missing optional files (zoneinfo,
 * iomem, cmdline, parameters) leave their parts empty. */
int live_read(const struct vfs *fs, struct live_memory *lm, char *err, size_t errlen);
void live_release(struct live_memory *lm);

struct live_block *live_find_block(const struct live_memory *lm, uint64_t id);

/* The ratio's two sides per node, from the live numbers. */
void live_auto_movable_stats(const struct live_memory *lm,
			     struct auto_movable_stats stats[MAX_NUMNODES]);

/* The zone a write of `type` to block id's state would give now, under the
 * machine's own policy parameters or those in `p` (may be NULL). An online
 * block is judged as if it were offline: its pages are taken out of the
 * numbers first. -ENOENT: no such block; -ENODATA: no /proc/zoneinfo or
 * no node for the block. */
int live_zone_for_block(const struct live_memory *lm, uint64_t id, enum mmop type,
			const struct live_params *p, struct zone_decision *d);

/* After a write changed a block: accounts it as online in zone (or offline
 * with zone -1), as the kernel's counters would change. */
void live_account_block(struct live_memory *lm, struct live_block *b, enum memory_block_state state,
			int zone);

/* Re-reads one block's state and zone (after a write). 0 or -errno. */
int live_reread_block(const struct vfs *fs, const struct live_memory *lm, uint64_t id,
		      enum memory_block_state *state, int *zone);

/* "DMA", "Normal", ... to enum zone_type, or -1. */
int live_zone_from_name(const char *name, size_t len);

#endif
