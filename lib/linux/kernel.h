/* The guest kernel's memory-hotplug state: parameters, nodes and zones,
 * memory blocks, memory groups and memory notifiers. */
#ifndef MEMHP_KERNEL_H
#define MEMHP_KERNEL_H

#include <stddef.h>

#include "idtree.h"
#include "memory_block.h"
#include "memory_group.h"
#include "mm_types.h"
#include "online_policy.h"
#include "zone.h"

enum core_kind {
	CORE_UNSET,
	CORE_PAGES,
	CORE_PERCENT,
	CORE_MIRROR,
};

enum memmap_on_memory_mode {
	MEMMAP_ON_MEMORY_DISABLE,
	MEMMAP_ON_MEMORY_ENABLE,
	MEMMAP_ON_MEMORY_FORCE, /* 6.12 */
};

/* Boot parameters as the kernel command line sets them. */
struct kernel_cmdline {
	bool has_default_online_type;
	enum mmop default_online_type; /* memhp_default_state= */
	bool movable_node;
	enum core_kind kernelcore_kind, movablecore_kind;
	uint64_t kernelcore, movablecore; /* pages, or percent */
	unsigned int nr_unknown;          /* handed on to init, no effect */
};

/* What the firmware tells the kernel at boot. */
struct firmware_range {
	uint64_t start, end; /* bytes, [start, end) */
	int nid;
	bool hotpluggable; /* SRAT: device-memory ranges */
};

struct boot_info {
	enum memhp_kernel version;
	bool is_vm;                 /* CPUID hypervisor bit */
	const char *cmdline;        /* may be NULL */
	struct firmware_range *ram; /* usable e820 ranges with their node, ascending */
	size_t nr_ram;
	struct firmware_range *hotplug; /* SRAT hot-pluggable ranges */
	size_t nr_hotplug;
	int nr_nodes;               /* possible nodes 0..nr_nodes-1 */
	unsigned int cpus_per_node[MAX_NUMNODES];
};

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

#define MAX_MEMORY_NOTIFIERS 16

/* For `memhp explain`: how the watched block was last onlined. */
struct zone_trace {
	bool enabled;
	uint64_t block;
	unsigned int nr_onlines;
	struct zone_decision decision;
};

struct kernel {
	enum memhp_kernel version;
	bool is_vm;
	struct kernel_cmdline cmdline;

	/* Run-time parameters (/sys/module/memory_hotplug/parameters, root files). */
	enum mmop auto_online_type; /* auto_online_blocks */
	enum online_policy online_policy;
	unsigned int auto_movable_ratio;
	bool auto_movable_numa_aware;
	enum memmap_on_memory_mode memmap_on_memory;
	uint64_t pageblock_pages; /* 512, or 1024 for a kernel without hugetlb and THP */

	uint64_t block_size;
	uint64_t pages_per_block;
	uint64_t max_pfn;
	uint64_t totalram_pages;

	int nr_node_ids;
	struct node nodes[MAX_NUMNODES];
	struct firmware_range *ram; /* boot RAM, for hole checks and node lookup */
	size_t nr_ram;
	struct firmware_range *hotplug;
	size_t nr_hotplug;

	struct idtree blocks; /* block id -> struct memory_block */
	struct memory_group_registry groups;
	struct memory_notifier notifiers[MAX_MEMORY_NOTIFIERS];
	unsigned int nr_notifiers;
	struct zone_trace trace;
};

/* Boots the kernel on the firmware's memory map. 0 or -errno. */
int kernel_boot(const struct boot_info *bi, struct kernel **out);
void kernel_free(struct kernel *k);

static inline struct memory_block *find_memory_block(const struct kernel *k, uint64_t id)
{
	return idtree_load(&k->blocks, id);
}

static inline uint64_t block_start_pfn(const struct kernel *k, const struct memory_block *b)
{
	return b->id * k->pages_per_block;
}

/* Firmware node of a physical address (SRAT), first node as fallback. */
int kernel_phys_to_nid(const struct kernel *k, uint64_t addr);

/* Parses a kernel command line into cmdline and the run-time parameters. */
void kernel_parse_cmdline(struct kernel *k, const char *cmdline);

/* Module parameters: read in sysfs format (no newline), write with the
 * kernel's parser. Unknown name: -ENOENT. */
int kernel_param_get(const struct kernel *k, const char *name, char *buf, size_t len);
int kernel_param_set(struct kernel *k, const char *name, const char *val);

/* x86_64 memory block size from the end of boot RAM. */
uint64_t probe_memory_block_size(uint64_t boot_mem_end, bool is_vm);

int register_memory_notifier(struct kernel *k, const struct memory_notifier *nb);
void unregister_memory_notifier(struct kernel *k, void *data);

#endif
