/* Memory block devices (the kernel's drivers/base/memory.c): the state
 * machine of memoryN behind its sysfs files, the memory notifier chain,
 * and the observers told what was decided. The pages themselves are
 * onlined and offlined by memory_hotplug.c. */
#include "memory.h"

#include <errno.h>
#include <stdlib.h>

#include "array.h"
#include "kernel.h"
#include "linux_errno.h"
#include "memory_hotplug.h"
#include "strparse.h"

int register_memory_notifier(struct kernel *k, const struct memory_notifier *nb)
{
	size_t i;
	int ret;

	ret = array_grow(&k->notifiers, &k->notifiers_cap, k->nr_notifiers + 1,
			 sizeof(*k->notifiers));
	if (ret)
		return ret;
	/* Descending priority; equal priorities keep registration order. */
	for (i = k->nr_notifiers; i > 0 && k->notifiers[i - 1].priority < nb->priority; i--)
		k->notifiers[i] = k->notifiers[i - 1];
	k->notifiers[i] = *nb;
	k->nr_notifiers++;
	return 0;
}

/* Drops every entry of a chain (notifiers, observers) registered with
 * data, keeping the order of the rest. */
#define chain_remove(v, n, d)                                                                      \
	do {                                                                                       \
		size_t kept_ = 0;                                                                  \
		for (size_t i_ = 0; i_ < (n); i_++)                                                \
			if ((v)[i_].data != (d))                                                   \
				(v)[kept_++] = (v)[i_];                                            \
		(n) = kept_;                                                                       \
	} while (0)

void unregister_memory_notifier(struct kernel *k, void *data)
{
	chain_remove(k->notifiers, k->nr_notifiers, data);
}

int register_memory_observer(struct kernel *k, const struct memory_observer *o)
{
	int ret = array_grow(&k->observers, &k->observers_cap, k->nr_observers + 1,
			     sizeof(*k->observers));

	if (ret)
		return ret;
	k->observers[k->nr_observers++] = *o;
	return 0;
}

void unregister_memory_observer(struct kernel *k, void *data)
{
	chain_remove(k->observers, k->nr_observers, data);
}

static void publish_online(const struct kernel *k, const struct memory_block *b,
			   const struct zone_decision *d)
{
	for (size_t i = 0; i < k->nr_observers; i++) {
		const struct memory_observer *o = &k->observers[i];

		if (o->zone_decided)
			o->zone_decided(o->data, b, d);
		if (o->state_changed)
			o->state_changed(o->data, b, MEM_OFFLINE);
	}
}

static void publish_offline(const struct kernel *k, const struct memory_block *b)
{
	for (size_t i = 0; i < k->nr_observers; i++)
		if (k->observers[i].state_changed)
			k->observers[i].state_changed(k->observers[i].data, b, MEM_ONLINE);
}

/* PREPARE_ONLINE / FINISH_OFFLINE describe the whole block: the pages
 * being on/offlined and, separately, its memmap (altmap) pages. */
static struct memory_notify block_notify_arg(const struct kernel *k, const struct memory_block *b)
{
	uint64_t start = block_start_pfn(k, b), v = b->nr_vmemmap_pages;

	return (struct memory_notify){
	    .start_pfn = start + v,
	    .nr_pages = k->pages_per_block - v,
	    .status_change_nid = NUMA_NO_NODE,
	    .status_change_nid_normal = NUMA_NO_NODE,
	    .altmap_start_pfn = start,
	    .altmap_nr_pages = v,
	};
}

/* memory_block_online(): the zone is chosen here, then the block's pages
 * go online; its own memmap pages become present but never managed. On
 * error nothing changed. */
static int memory_block_online(struct kernel *k, struct memory_block *b, struct zone_decision *d)
{
	uint64_t start = block_start_pfn(k, b), v = b->nr_vmemmap_pages;
	struct memory_notify prep = block_notify_arg(k, b);
	struct zone *z;
	int ret;

	if (k->version == MEMHP_KERNEL_6_12 && b->nr_hwpoison)
		return -EHWPOISON;
	/* The policy only reads the kernel; the zone it names is changed here. */
	zone_for_pfn_range_explained(k, b->online_type, b->nid, b->group, start, k->pages_per_block,
				     d);
	z = &k->nodes[b->nid].zones[d->zone];
	if (k->version == MEMHP_KERNEL_6_12) {
		ret = memory_notify(k, MEM_PREPARE_ONLINE, &prep);
		if (ret)
			return ret;
	}
	ret = online_pages(k, b, z, start + v, k->pages_per_block - v);
	if (ret) {
		if (k->version == MEMHP_KERNEL_6_12)
			memory_notify(k, MEM_FINISH_OFFLINE, &prep);
		return ret;
	}
	if (v)
		adjust_present_page_count(k, b, z, (int64_t)v);
	b->zone = z;
	return 0;
}

/* memory_block_offline(): on error nothing changed. */
static int memory_block_offline(struct kernel *k, struct memory_block *b)
{
	uint64_t start = block_start_pfn(k, b), v = b->nr_vmemmap_pages;
	struct memory_notify fin = block_notify_arg(k, b);
	struct zone *z = b->zone;
	int ret;

	if (!z)
		return -EINVAL;
	/* The memmap pages leave first, so an emptied zone is torn down. */
	if (v)
		adjust_present_page_count(k, b, z, -(int64_t)v);
	ret = offline_pages(k, b, z, start + v, k->pages_per_block - v);
	if (ret) {
		if (v)
			adjust_present_page_count(k, b, z, (int64_t)v);
		return ret;
	}
	b->zone = NULL;
	if (k->version == MEMHP_KERNEL_6_12)
		memory_notify(k, MEM_FINISH_OFFLINE, &fin);
	return 0;
}

int device_online(struct kernel *k, struct memory_block *b)
{
	struct zone_decision d;
	int ret;

	if (b->state != MEM_OFFLINE)
		return 1;
	/* An online without a type of its own (the online file, ACPI
	 * rollback) uses whatever type is stored, normally `online`. */
	if (b->online_type == MMOP_OFFLINE)
		b->online_type = MMOP_ONLINE;
	ret = memory_block_online(k, b, &d);
	if (!ret)
		b->state = MEM_ONLINE;
	b->online_type = MMOP_OFFLINE;
	if (!ret)
		publish_online(k, b, &d);
	return ret;
}

int device_offline(struct kernel *k, struct memory_block *b)
{
	int ret;

	if (b->state == MEM_OFFLINE)
		return 1;
	if (b->state != MEM_ONLINE)
		return -EINVAL;
	b->state = MEM_GOING_OFFLINE;
	ret = memory_block_offline(k, b);
	b->state = ret ? MEM_ONLINE : MEM_OFFLINE;
	if (!ret)
		publish_offline(k, b);
	return ret;
}

int memory_block_state_store(struct kernel *k, struct memory_block *b, const char *buf)
{
	enum mmop type;
	int ret;

	if (mmop_from_str(buf, &type))
		return -EINVAL;
	if (type == MMOP_OFFLINE) {
		ret = device_offline(k, b);
	} else {
		/* Stored before the device core looks at the state: a refused
		 * write to an online block leaves this type behind. */
		b->online_type = type;
		ret = device_online(k, b);
	}
	if (ret < 0)
		return ret;
	return ret > 0 ? -EINVAL : 0;
}

int memory_block_online_store(struct kernel *k, struct memory_block *b, const char *buf)
{
	bool val;
	int ret;

	if (kstrtobool(buf, &val))
		return -EINVAL;
	ret = val ? device_online(k, b) : device_offline(k, b);
	return ret < 0 ? ret : 0;
}

void remove_memory_block_device(struct kernel *k, struct memory_block *b)
{
	if (b->group)
		memory_group_remove_block(b->group, b);
	if (b->nid != NUMA_NO_NODE)
		k->nodes[b->nid].nr_memory_blocks--;
	/* arch_remove_memory() frees the memmap the add allocated. */
	memmap_free(k, b);
	block_pages_release(k, b);
	idtree_erase(&k->blocks, b->id);
	free(b);
}

int create_memory_block_devices(struct kernel *k, uint64_t start, uint64_t size, int nid,
				struct memory_group *group, uint64_t nr_vmemmap_pages)
{
	uint64_t first = start / k->block_size, nr = size / k->block_size;

	for (uint64_t id = first; id < first + nr; id++) {
		struct memory_block *b = calloc(1, sizeof(*b));
		int ret;

		if (!b)
			ret = -ENOMEM;
		else
			ret = idtree_store(&k->blocks, id, b);
		if (ret) {
			free(b);
			while (id-- > first)
				remove_memory_block_device(k, find_memory_block(k, id));
			return ret;
		}
		b->id = id;
		b->memmap_pfn = NO_MEMMAP_PFN;
		b->state = MEM_OFFLINE;
		b->online_type = MMOP_OFFLINE;
		b->ram_pages = k->pages_per_block;
		b->nr_vmemmap_pages = nr_vmemmap_pages;
		b->nid = nid;
		b->node_links = 1ULL << nid;
		k->nodes[nid].nr_memory_blocks++;
		if (group)
			memory_group_add_block(group, b);
	}
	return 0;
}
