/* The guest kernel's memory-hotplug state: parameters, nodes and zones,
 * memory blocks, memory groups and memory notifiers. */
#ifndef MEMHP_KERNEL_H
#define MEMHP_KERNEL_H

#include <errno.h>
#include <stddef.h>

#include "idtree.h"
#include "memory.h"
#include "memory_group.h"
#include "resource.h"
#include "mm_types.h"
#include "workqueue.h"
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

/* The online-page callback (set_online_page_callback()): a driver that
 * keeps some pages of the memory it adds away from the buddy (virtio-mem's
 * unplugged sub-blocks) sees every range that goes online. Its pages stay
 * present but are not managed: they are PageOffline. */
struct online_page_callback {
	/* [start_pfn, +nr_pages) goes online: how many of its pages go to
	 * the buddy (become managed); the callback marks the others
	 * PageOffline (set_page_offline()). */
	uint64_t (*online)(void *data, uint64_t start_pfn, uint64_t nr_pages);
	void *data;
};

/* A loaded module's parameters, /sys/module/NAME/parameters/PARAM. */
struct kernel_module {
	const char *name;
	/* Its parameter names, NULL-terminated. */
	const char *const *(*param_names)(const void *data);
	/* Read in sysfs format without the newline: length, or -ENOENT. */
	int (*param_get)(const void *data, const char *param, char *buf, size_t len);
	/* Write: 0 or -errno. */
	int (*param_set)(void *data, const char *param, const char *val);
	/* Mode 0644 (true) or 0444. */
	bool (*param_writable)(const void *data, const char *param);
	void *data;
};

#define MAX_KERNEL_MODULES 4

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

	struct resource iomem; /* /proc/iomem: RAM and memory devices' regions */
	struct idtree blocks; /* block id -> struct memory_block */
	struct memory_group_registry groups;
	struct memory_notifier *notifiers; /* the chain, in call order */
	size_t nr_notifiers, notifiers_cap;
	struct memory_observer *observers;
	size_t nr_observers, observers_cap;
	struct online_page_callback online_page_cb; /* .online NULL: generic */
	struct workqueue wq;
	struct page_alloc page_alloc; /* user memory, the hugetlb pool, totals */
	struct kernel_module modules[MAX_KERNEL_MODULES];
	size_t nr_modules;
	/* The command line as booted (/proc/cmdline): module loading takes
	 * its MODULE.PARAM=VALUE words, as modprobe does. */
	char *saved_command_line;
};

/* Lists a loaded module's parameters in sysfs: 0, or -ENOSPC. */
static inline int kernel_register_module(struct kernel *k, const struct kernel_module *m)
{
	if (k->nr_modules == MAX_KERNEL_MODULES)
		return -ENOSPC;
	k->modules[k->nr_modules++] = *m;
	return 0;
}

/* The module with data goes (rmmod): its parameters leave sysfs. */
static inline void kernel_unregister_module(struct kernel *k, const void *data)
{
	for (size_t i = 0; i < k->nr_modules; i++) {
		if (k->modules[i].data != data)
			continue;
		for (k->nr_modules--; i < k->nr_modules; i++)
			k->modules[i] = k->modules[i + 1];
		return;
	}
}

/* The PageOffline pages of [start_pfn, +nr_pages): an offline skips
 * them, so they leave no managed pages behind. */
static inline uint64_t nr_page_offline(const struct kernel *k, uint64_t start_pfn,
				       uint64_t nr_pages)
{
	return range_nr_pages(k, start_pfn, nr_pages, PAGE_OFFLINE);
}

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

/* The kernel's invariants after any operation: zone, node and memory
 * group page counters equal the sums over their blocks, online blocks lie
 * in their zone's span and in its online-block index, block and group
 * lists agree (kernel_check.c). 0, or -EUCLEAN with "invariant NAME: ..."
 * in msg. Reads only. */
int kernel_check(const struct kernel *k, char *msg, size_t len);

/* Firmware node of a physical address (SRAT), first node as fallback. */
int kernel_phys_to_nid(const struct kernel *k, uint64_t addr);

/* Parses a kernel command line into cmdline and the run-time parameters. */
/* 0, or -ENOMEM with no parameter applied (a kernel that cannot read its
 * command line must not boot as if it had none). */
int kernel_parse_cmdline(struct kernel *k, const char *cmdline);

/* Module parameters: read in sysfs format (no newline), write with the
 * kernel's parser. Unknown name: -ENOENT. */
int kernel_param_get(const struct kernel *k, const char *name, char *buf, size_t len);
int kernel_param_set(struct kernel *k, const char *name, const char *val);

/* Sends action down the notifier chain; stops at the first veto and
 * returns it. Inline: every online and offline calls it several times. */
static inline int memory_notify(struct kernel *k, enum memory_block_state action,
				const struct memory_notify *arg)
{
	for (size_t i = 0; i < k->nr_notifiers; i++) {
		int r = k->notifiers[i].call(k->notifiers[i].data, action, arg);

		if (r < 0)
			return r;
	}
	return 0;
}

#endif
