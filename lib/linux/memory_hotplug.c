#include "memory_hotplug.h"

#include <errno.h>
#include <stdlib.h>

#include "memmap_on_memory.h"
#include "strparse.h"

#ifndef EHWPOISON
#define EHWPOISON 133
#endif

void node_zone_spans(const struct node *n, struct node_zone_spans *spans)
{
	for (int t = 0; t < MAX_NR_ZONES; t++) {
		spans->zone[t].start_pfn = n->zones[t].start_pfn;
		spans->zone[t].spanned_pages = n->zones[t].spanned_pages;
	}
}

static void auto_movable_node_stats(const struct kernel *k, struct auto_movable_stats *stats)
{
	for (int n = 0; n < k->nr_node_ids; n++) {
		stats[n] = (struct auto_movable_stats){0};
		for (int t = 0; t < MAX_NR_ZONES; t++) {
			const struct zone *z = &k->nodes[n].zones[t];

			auto_movable_stats_account_zone(&stats[n], z->type, z->present_pages,
							z->present_early_pages, z->cma_pages);
		}
	}
}

/* The online sections of the unit around start_pfn, as the policy scans
 * them: hot-added blocks are homogeneous, so a block is its sections. */
static struct auto_movable_unit scan_unit(const struct kernel *k, const struct memory_group *g,
					  uint64_t start_pfn)
{
	uint64_t first = align_down(start_pfn, g->stats.unit_pages) / k->pages_per_block;
	uint64_t end = first + g->stats.unit_pages / k->pages_per_block, id;
	struct auto_movable_unit u = {0};
	const struct memory_block *b;

	for (b = idtree_find_next(&k->blocks, first, &id); b && id < end;
	     b = idtree_find_next(&k->blocks, id + 1, &id)) {
		if (b->state == MEM_OFFLINE)
			continue;
		if (!b->zone || b->zone->type != ZONE_MOVABLE) {
			u.has_kernel = true;
			u.first_kernel_pfn = id * k->pages_per_block;
			break;
		}
		u.movable_online_pages += k->pages_per_block;
	}
	return u;
}

static enum zone_type auto_movable_zone(const struct kernel *k, int nid,
					const struct memory_group *group,
					const struct node_zone_spans *spans, uint64_t start_pfn,
					uint64_t nr_pages, struct auto_movable_decision *d)
{
	struct auto_movable_stats stats[MAX_NUMNODES];
	struct auto_movable_input in = {
	    .ratio = k->auto_movable_ratio,
	    .numa_aware = k->auto_movable_numa_aware,
	    .nid = nid,
	    .nr_node_ids = k->nr_node_ids,
	    .node_stats = stats,
	    .group = group ? &group->stats : NULL,
	    .dynamic_groups = k->groups.dynamic,
	    .nr_dynamic_groups = k->groups.nr_dynamic,
	    .spans = spans,
	    .start_pfn = start_pfn,
	    .nr_pages = nr_pages,
	};

	auto_movable_node_stats(k, stats);
	if (group && group->stats.is_dynamic && group->stats.unit_pages != nr_pages)
		in.unit = scan_unit(k, group, start_pfn);
	return auto_movable_zone_for_pfn(&in, d);
}

struct zone *zone_for_pfn_range_explained(const struct kernel *k, enum mmop type, int nid,
					  const struct memory_group *group, uint64_t start_pfn,
					  uint64_t nr_pages, struct zone_decision *d)
{
	const struct node *n = &k->nodes[nid];
	struct node_zone_spans spans;

	node_zone_spans(n, &spans);
	*d = (struct zone_decision){
	    .online_type = type,
	    .policy = k->online_policy,
	    .movable_node = k->cmdline.movable_node,
	    .kernel_zone = default_kernel_zone_for_pfn(&spans, start_pfn, nr_pages),
	};
	d->in_kernel_span = span_intersects(&spans, d->kernel_zone, start_pfn, nr_pages);
	d->in_movable_span = span_intersects(&spans, ZONE_MOVABLE, start_pfn, nr_pages);
	if (type == MMOP_ONLINE_KERNEL)
		d->zone = d->kernel_zone;
	else if (type == MMOP_ONLINE_MOVABLE)
		d->zone = ZONE_MOVABLE;
	else if (k->online_policy == ONLINE_POLICY_AUTO_MOVABLE)
		d->zone =
		    auto_movable_zone(k, nid, group, &spans, start_pfn, nr_pages, &d->auto_movable);
	else
		d->zone = contig_zones_zone_for_pfn(&spans, d->movable_node, start_pfn, nr_pages);
	return (struct zone *)&n->zones[d->zone];
}

struct zone *zone_for_pfn_range(const struct kernel *k, enum mmop type, int nid,
				const struct memory_group *group, uint64_t start_pfn,
				uint64_t nr_pages)
{
	struct zone_decision d;

	return zone_for_pfn_range_explained(k, type, nid, group, start_pfn, nr_pages, &d);
}

/* Sends `action` down the chain; stops at the first veto and returns it. */
static int memory_notify(struct kernel *k, enum memory_block_state action,
			 const struct memory_notify *arg)
{
	for (unsigned int i = 0; i < k->nr_notifiers; i++) {
		int r = k->notifiers[i].call(k->notifiers[i].data, action, arg);

		if (r < 0)
			return r;
	}
	return 0;
}

static void adjust_present_page_count(struct kernel *k, struct memory_block *b, struct zone *z,
				      int64_t nr)
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

static void adjust_managed_page_count(struct kernel *k, struct zone *z, int64_t nr)
{
	z->managed_pages += (uint64_t)nr;
	k->totalram_pages += (uint64_t)nr;
}

static int online_pages(struct kernel *k, struct memory_block *b, struct zone *z, uint64_t start_pfn,
			uint64_t nr_pages)
{
	struct node *n = &k->nodes[z->nid];
	uint64_t block_pfn = block_start_pfn(k, b);
	struct memory_notify arg = {
		.start_pfn = start_pfn,
		.nr_pages = nr_pages,
		.status_change_nid = NUMA_NO_NODE,
		.status_change_nid_normal = NUMA_NO_NODE,
	};
	int ret;

	if (!n->n_memory)
		arg.status_change_nid = n->id;
	if (z->type <= ZONE_NORMAL && !n->n_normal_memory)
		arg.status_change_nid_normal = n->id;

	/* The span covers the block (its vmemmap pages too) before anyone is
	 * told, so notifiers see the final zone layout. */
	zone_grow_span(z, n, block_pfn, k->pages_per_block);
	ret = memory_notify(k, MEM_GOING_ONLINE, &arg);
	if (ret) {
		memory_notify(k, MEM_CANCEL_ONLINE, &arg);
		zone_shrink_span(z, n, k->pages_per_block, block_pfn, block_pfn + k->pages_per_block);
		return ret;
	}
	ret = idtree_store(&z->online_blocks, b->id, b);
	if (ret) {
		memory_notify(k, MEM_CANCEL_ONLINE, &arg);
		zone_shrink_span(z, n, k->pages_per_block, block_pfn, block_pfn + k->pages_per_block);
		return ret;
	}
	adjust_managed_page_count(k, z, (int64_t)nr_pages);
	adjust_present_page_count(k, b, z, (int64_t)nr_pages);
	if (arg.status_change_nid >= 0)
		n->n_memory = true;
	if (arg.status_change_nid_normal >= 0)
		n->n_normal_memory = true;
	memory_notify(k, MEM_ONLINE, &arg);
	return 0;
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

static int memory_block_online(struct kernel *k, struct memory_block *b)
{
	uint64_t start = block_start_pfn(k, b), v = b->nr_vmemmap_pages;
	struct memory_notify prep = block_notify_arg(k, b);
	struct zone_decision decision;
	struct zone *z;
	int ret;

	if (k->version == MEMHP_KERNEL_6_12 && b->nr_hwpoison)
		return -EHWPOISON;
	z = zone_for_pfn_range_explained(k, b->online_type, b->nid, b->group, start,
					 k->pages_per_block, &decision);
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
	/* The block's own memmap pages are present (never managed). */
	if (v)
		adjust_present_page_count(k, b, z, (int64_t)v);
	b->zone = z;
	if (k->trace.enabled && k->trace.block == b->id) {
		k->trace.decision = decision;
		k->trace.nr_onlines++;
	}
	return 0;
}

/* Node memory states that this offline would clear (present values from
 * before the offline). */
static void offline_status_change(const struct node *n, const struct zone *z, uint64_t nr_pages,
				  struct memory_notify *arg)
{
	uint64_t low = 0;

	for (int t = 0; t <= ZONE_NORMAL; t++)
		low += n->zones[t].present_pages;
	if (z->type <= ZONE_NORMAL && nr_pages >= low)
		arg->status_change_nid_normal = n->id;
	if (nr_pages >= low + n->zones[ZONE_MOVABLE].present_pages)
		arg->status_change_nid = n->id;
}

/* Isolation: would any pageblock of the block refuse MIGRATE_ISOLATE? */
static bool has_unmovable_pages(const struct memory_block *b, const struct zone *z)
{
	if (b->contents.reserved_pages)
		return true;
	return z->type != ZONE_MOVABLE && b->contents.unmovable_pages;
}

static int offline_pages(struct kernel *k, struct memory_block *b, struct zone *z, uint64_t start_pfn,
			 uint64_t nr_pages)
{
	struct node *n = &k->nodes[z->nid];
	uint64_t block_pfn = block_start_pfn(k, b);
	struct memory_notify arg = {
		.start_pfn = start_pfn,
		.nr_pages = nr_pages,
		.status_change_nid = NUMA_NO_NODE,
		.status_change_nid_normal = NUMA_NO_NODE,
	};
	int ret;

	/* Holes: only boot memory has them. */
	if (b->ram_pages != k->pages_per_block)
		return -EINVAL;
	if (has_unmovable_pages(b, z))
		return -EBUSY;
	offline_status_change(n, z, nr_pages, &arg);
	ret = memory_notify(k, MEM_GOING_OFFLINE, &arg);
	if (ret) {
		memory_notify(k, MEM_CANCEL_OFFLINE, &arg);
		return ret;
	}
	adjust_managed_page_count(k, z, -(int64_t)nr_pages);
	adjust_present_page_count(k, b, z, -(int64_t)nr_pages);
	if (arg.status_change_nid_normal >= 0)
		n->n_normal_memory = false;
	if (arg.status_change_nid >= 0)
		n->n_memory = false;
	memory_notify(k, MEM_OFFLINE, &arg);
	idtree_erase(&z->online_blocks, b->id);
	zone_shrink_span(z, n, k->pages_per_block, block_pfn, block_pfn + k->pages_per_block);
	return 0;
}

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
	int ret;

	if (b->state != MEM_OFFLINE)
		return 1;
	/* An online without a type of its own (the online file, ACPI
	 * rollback) uses whatever type is stored, normally `online`. */
	if (b->online_type == MMOP_OFFLINE)
		b->online_type = MMOP_ONLINE;
	ret = memory_block_online(k, b);
	if (!ret)
		b->state = MEM_ONLINE;
	b->online_type = MMOP_OFFLINE;
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

static bool range_has_blocks(const struct kernel *k, uint64_t start, uint64_t size)
{
	uint64_t first = start / k->block_size, last = (start + size - 1) / k->block_size, id;

	return idtree_find_next(&k->blocks, first, &id) && id <= last;
}

static void unlink_and_free_block(struct kernel *k, struct memory_block *b)
{
	if (b->group)
		memory_group_remove_block(b->group, b);
	if (b->nid != NUMA_NO_NODE)
		k->nodes[b->nid].nr_memory_blocks--;
	idtree_erase(&k->blocks, b->id);
	free(b);
}

/* Every block gets nr_vmemmap_pages of its own memmap at its start. */
static int create_memory_block_devices(struct kernel *k, uint64_t start, uint64_t size, int nid,
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
				unlink_and_free_block(k, find_memory_block(k, id));
			return ret;
		}
		b->id = id;
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

/* Vmemmap pages for each block of an add whose caller asked for
 * memmap-on-memory and passed the support test. 6.1 allows a single block
 * only and has one altmap for it; 6.12 builds one altmap per block. */
static uint64_t add_memory_vmemmap_pages(const struct kernel *k, uint64_t size,
					 unsigned int mhp_flags)
{
	struct memmap_geometry g = kernel_memmap_geometry(k);

	if (!(mhp_flags & MHP_MEMMAP_ON_MEMORY) || !mhp_supports_memmap_on_memory(k, size))
		return 0;
	return memory_block_memmap_on_memory_pages(&g, k->memmap_on_memory, k->version);
}

int add_memory(struct kernel *k, int nid, uint64_t start, uint64_t size, unsigned int mhp_flags)
{
	struct memory_group *group = NULL;
	uint64_t end = start + size;
	int ret;

	if (size && end > start && range_has_blocks(k, start, size))
		return -EEXIST;
	if (!size || start % k->block_size || size % k->block_size || end < start)
		return -EINVAL;
	if (mhp_flags & MHP_NID_IS_MGID) {
		group = memory_group_find_by_id(&k->groups, nid);
		if (!group)
			return -EINVAL;
		nid = group->stats.nid;
	}
	if (nid < 0 || nid >= MAX_NUMNODES || !k->nodes[nid].possible)
		return -EINVAL;
	/* 6.1 treats an unsatisfiable request as the caller's error; 6.12
	 * quietly adds the memory with a normal memmap instead. */
	if ((mhp_flags & MHP_MEMMAP_ON_MEMORY) && k->version == MEMHP_KERNEL_6_1 &&
	    !mhp_supports_memmap_on_memory(k, size))
		return -EINVAL;
	if (end > (1ULL << MAX_PHYSMEM_BITS))
		return -E2BIG;
	ret = create_memory_block_devices(k, start, size, nid, group,
					  add_memory_vmemmap_pages(k, size, mhp_flags));
	if (ret)
		return ret;
	k->nodes[nid].online = true;
	if (k->auto_online_type != MMOP_OFFLINE) {
		/* Failures leave the block offline; the add still succeeds. */
		for (uint64_t id = start / k->block_size; id < end / k->block_size; id++) {
			struct memory_block *b = find_memory_block(k, id);

			b->online_type = k->auto_online_type;
			device_online(k, b);
		}
	}
	return 0;
}

static void try_offline_node(struct kernel *k, int nid)
{
	struct node *n = &k->nodes[nid];

	if (n->spanned_pages || n->nr_memory_blocks || n->nr_cpus)
		return;
	n->online = false;
}

/* A block's memmap lives on the block, so removal must tear down each
 * altmap exactly as it was built: 6.1 built one for a single-block add,
 * 6.12 one per block of an add. */
static int check_vmemmap_removal(const struct kernel *k, uint64_t first, uint64_t last)
{
	uint64_t nr_altmaps = 0, id;
	struct memory_block *b;

	if (k->memmap_on_memory == MEMMAP_ON_MEMORY_DISABLE)
		return 0;
	for (b = idtree_find_next(&k->blocks, first, &id); b && id < last;
	     b = idtree_find_next(&k->blocks, id + 1, &id))
		if (b->nr_vmemmap_pages)
			nr_altmaps++;
	if (!nr_altmaps)
		return 0;
	if (k->version == MEMHP_KERNEL_6_1)
		return last - first == 1 ? 0 : -EINVAL;
	/* 6.12 compares with the blocks the range spans, present or not. */
	return nr_altmaps == last - first ? 0 : -EINVAL;
}

int remove_memory(struct kernel *k, uint64_t start, uint64_t size)
{
	uint64_t first = start / k->block_size, last, id;
	struct memory_block *b;
	int nid = NUMA_NO_NODE;
	int ret;

	if (!size || start % k->block_size || size % k->block_size)
		return -EINVAL;
	last = first + size / k->block_size;
	for (b = idtree_find_next(&k->blocks, first, &id); b && id < last;
	     b = idtree_find_next(&k->blocks, id + 1, &id))
		if (b->state != MEM_OFFLINE)
			return -EBUSY;
	ret = check_vmemmap_removal(k, first, last);
	if (ret)
		return ret;
	while ((b = idtree_find_next(&k->blocks, first, &id)) && id < last) {
		nid = b->nid;
		unlink_and_free_block(k, b);
	}
	if (nid != NUMA_NO_NODE)
		try_offline_node(k, nid);
	return 0;
}

int offline_and_remove_memory(struct kernel *k, uint64_t start, uint64_t size)
{
	uint64_t first = start / k->block_size, nr = size / k->block_size;
	enum mmop *reonline;
	int ret = 0;

	if (!size || start % k->block_size || size % k->block_size)
		return -EINVAL;
	reonline = calloc(nr, sizeof(*reonline));
	if (!reonline)
		return -ENOMEM;
	for (uint64_t i = 0; i < nr; i++) {
		struct memory_block *b = find_memory_block(k, first + i);
		enum mmop type;
		int r;

		if (!b)
			continue;
		type = b->zone && b->zone->type == ZONE_MOVABLE ? MMOP_ONLINE_MOVABLE
								: MMOP_ONLINE_KERNEL;
		r = device_offline(k, b);
		if (r < 0) {
			ret = r;
			break;
		}
		if (r == 0)
			reonline[i] = type;
	}
	if (!ret)
		ret = remove_memory(k, start, size);
	if (ret) {
		for (uint64_t i = 0; i < nr; i++) {
			struct memory_block *b = find_memory_block(k, first + i);

			if (!b || reonline[i] == MMOP_OFFLINE)
				continue;
			b->online_type = reonline[i];
			device_online(k, b);
		}
	}
	free(reonline);
	return ret;
}
