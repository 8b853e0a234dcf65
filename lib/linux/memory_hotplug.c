#include "memory_hotplug.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "memmap_on_memory.h"

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

	for_each_memory_block_in_range(k, b, id, first, end) {
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

/* What the policy reads for memory of node nid in group (may be NULL),
 * with stats as its per-node numbers. */
static struct auto_movable_input auto_movable_input(const struct kernel *k, int nid,
						    const struct memory_group *group,
						    struct auto_movable_stats *stats)
{
	auto_movable_node_stats(k, stats);
	return (struct auto_movable_input){
	    .ratio = k->auto_movable_ratio,
	    .numa_aware = k->auto_movable_numa_aware,
	    .nid = nid,
	    .nr_node_ids = k->nr_node_ids,
	    .node_stats = stats,
	    .group = group ? &group->stats : NULL,
	    .dynamic_groups = k->groups.dynamic,
	    .nr_dynamic_groups = k->groups.nr_dynamic,
	};
}

/* The room left on one side of the ratio: 0 when it does not fit. */
static uint64_t ratio_room(const struct auto_movable_input *in, int nid)
{
	struct auto_movable_ratio_check c;

	auto_movable_can_online_movable(in, nid, 0, &c);
	if (c.shortfall_exhausts_kernel || !c.fits)
		return 0;
	return c.limit - c.movable_after;
}

uint64_t auto_movable_headroom(const struct kernel *k, int nid, const struct memory_group *group)
{
	struct auto_movable_stats stats[MAX_NUMNODES];
	struct auto_movable_input in = auto_movable_input(k, nid, group, stats);
	uint64_t room = ratio_room(&in, NUMA_NO_NODE);

	if (k->auto_movable_numa_aware) {
		uint64_t node = ratio_room(&in, nid);

		room = node < room ? node : room;
	}
	return room;
}

const struct zone *zone_for_pfn_range_explained(const struct kernel *k, enum mmop type, int nid,
					  const struct memory_group *group, uint64_t start_pfn,
					  uint64_t nr_pages, struct zone_decision *d)
{
	const struct node *n = &k->nodes[nid];
	struct auto_movable_stats stats[MAX_NUMNODES];
	struct auto_movable_input in = {0};
	struct node_zone_spans spans;

	node_zone_spans(n, &spans);
	/* Statistics are gathered only when the policy will read them. */
	if (type == MMOP_ONLINE && k->online_policy == ONLINE_POLICY_AUTO_MOVABLE) {
		in = auto_movable_input(k, nid, group, stats);
		if (group && group->stats.is_dynamic && group->stats.unit_pages != nr_pages)
			in.unit = scan_unit(k, group, start_pfn);
	}
	in.spans = &spans;
	in.start_pfn = start_pfn;
	in.nr_pages = nr_pages;
	zone_for_online_type(type, k->online_policy, k->cmdline.movable_node, &in, d);
	return &n->zones[d->zone];
}

const struct zone *zone_for_pfn_range(const struct kernel *k, enum mmop type, int nid,
				const struct memory_group *group, uint64_t start_pfn,
				uint64_t nr_pages)
{
	struct zone_decision d;

	return zone_for_pfn_range_explained(k, type, nid, group, start_pfn, nr_pages, &d);
}

void adjust_managed_page_count(struct kernel *k, struct zone *z, int64_t nr)
{
	z->managed_pages += (uint64_t)nr;
	k->totalram_pages += (uint64_t)nr;
}

static uint64_t online_pages_range(struct kernel *k, uint64_t start_pfn, uint64_t nr_pages)
{
	const struct online_page_callback *cb = &k->online_page_cb;

	return cb->online ? cb->online(cb->data, start_pfn, nr_pages) : nr_pages;
}

int set_online_page_callback(struct kernel *k, const struct online_page_callback *cb)
{
	if (k->online_page_cb.online)
		return -EBUSY;
	k->online_page_cb = *cb;
	return 0;
}

void restore_online_page_callback(struct kernel *k, const void *data)
{
	if (k->online_page_cb.data == data)
		k->online_page_cb = (struct online_page_callback){0};
}

/* What notifiers are told of [start_pfn, +nr_pages): no node changes
 * state until the caller says so. */
static struct memory_notify pages_notify_arg(uint64_t start_pfn, uint64_t nr_pages)
{
	return (struct memory_notify){
	    .start_pfn = start_pfn,
	    .nr_pages = nr_pages,
	    .status_change_nid = NUMA_NO_NODE,
	    .status_change_nid_normal = NUMA_NO_NODE,
	};
}

/* An online that fails after GOING_ONLINE: CANCEL_ONLINE, and the span
 * shrinks back. Returns ret. */
static int cancel_online(struct kernel *k, struct zone *z, uint64_t block_pfn,
			 const struct memory_notify *arg, int ret)
{
	memory_notify(k, MEM_CANCEL_ONLINE, arg);
	zone_shrink_span(z, &k->nodes[z->nid], k->pages_per_block, block_pfn,
			 block_pfn + k->pages_per_block);
	return ret;
}

int online_pages(struct kernel *k, struct memory_block *b, struct zone *z, uint64_t start_pfn,
		 uint64_t nr_pages)
{
	struct node *n = &k->nodes[z->nid];
	uint64_t block_pfn = block_start_pfn(k, b);
	struct memory_notify arg = pages_notify_arg(start_pfn, nr_pages);
	int ret;

	if (!n->n_memory)
		arg.status_change_nid = n->id;
	if (z->type <= ZONE_NORMAL && !n->n_normal_memory)
		arg.status_change_nid_normal = n->id;

	/* The span covers the block (its vmemmap pages too) before anyone is
	 * told, so notifiers see the final zone layout. */
	zone_grow_span(z, n, block_pfn, k->pages_per_block);
	ret = memory_notify(k, MEM_GOING_ONLINE, &arg);
	if (!ret)
		ret = idtree_store(&z->online_blocks, b->id, b);
	if (ret)
		return cancel_online(k, z, block_pfn, &arg, ret);
	/* Onlined pages go to the tail of the free lists: allocation finds
	 * them after what was free before, but finds them. */
	zone_alloc_hint_lower(z, b->id);
	/* online_pages_range(): the online-page callback may keep pages
	 * from the buddy; those are present but not managed. */
	adjust_managed_page_count(k, z, (int64_t)online_pages_range(k, start_pfn, nr_pages));
	adjust_present_page_count(k, b, z, (int64_t)nr_pages);
	if (arg.status_change_nid >= 0)
		n->n_memory = true;
	if (arg.status_change_nid_normal >= 0)
		n->n_normal_memory = true;
	memory_notify(k, MEM_ONLINE, &arg);
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

enum isolate_blocker memory_block_isolate_blocker(const struct kernel *k,
						  const struct memory_block *b,
						  const struct zone *z)
{
	switch (range_unmovable_kind(k, b, z, block_start_pfn(k, b), k->pages_per_block)) {
	case NR_PAGE_KINDS:
		return ISOLATE_OK;
	case PAGE_RESERVED:
		return ISOLATE_RESERVED;
	default:
		return ISOLATE_UNMOVABLE;
	}
}

/* start_isolate_page_range() of [pfn, +nr) inside block b: EBUSY when a
 * pageblock holds an unmovable page, or another isolation is under way. */
static int isolate_range(struct kernel *k, struct memory_block *b, uint64_t pfn, uint64_t nr)
{
	uint64_t base = block_start_pfn(k, b);

	if (b->pages.iso_end ||
	    range_unmovable_kind(k, b, b->zone, pfn, nr) != NR_PAGE_KINDS)
		return -EBUSY;
	b->pages.iso_start = (uint32_t)(pfn - base);
	b->pages.iso_end = (uint32_t)(pfn - base + nr);
	return 0;
}

static void undo_isolate_range(struct memory_block *b)
{
	b->pages.iso_start = b->pages.iso_end = 0;
}

int alloc_contig_range(struct kernel *k, uint64_t start_pfn, uint64_t nr_pages)
{
	uint64_t ppb = k->pages_per_block, end = start_pfn + nr_pages;
	int ret = 0;

	for (uint64_t pfn = start_pfn; pfn < end && !ret;) {
		struct memory_block *b = find_memory_block(k, pfn / ppb);
		uint64_t stop = align_down(pfn, ppb) + ppb < end ? align_down(pfn, ppb) + ppb : end;

		if (!b || b->state != MEM_ONLINE || !b->zone)
			ret = -EBUSY;
		else
			ret = isolate_range(k, b, pfn, stop - pfn);
		if (ret)
			break;
		/* Migration failures are retried a few times, then the
		 * range is busy; what moved stays moved. */
		ret = migrate_range(k, b, pfn, stop - pfn);
		undo_isolate_range(b);
		if (!ret)
			ret = set_page_offline(k, pfn, stop - pfn);
		if (ret) {
			clear_page_offline(k, start_pfn, pfn - start_pfn);
			ret = ret == -EINTR ? -EBUSY : ret;
		}
		pfn = stop;
	}
	return ret;
}

void free_contig_range(struct kernel *k, uint64_t start_pfn, uint64_t nr_pages)
{
	clear_page_offline(k, start_pfn, nr_pages);
}

int offline_pages(struct kernel *k, struct memory_block *b, struct zone *z, uint64_t start_pfn,
		  uint64_t nr_pages)
{
	struct node *n = &k->nodes[z->nid];
	uint64_t block_pfn = block_start_pfn(k, b);
	struct memory_notify arg = pages_notify_arg(start_pfn, nr_pages);
	int ret;

	/* Holes: only boot memory has them. */
	if (b->ram_pages != k->pages_per_block)
		return -EINVAL;
	ret = isolate_range(k, b, start_pfn, nr_pages);
	if (ret)
		return ret;
	offline_status_change(n, z, nr_pages, &arg);
	ret = memory_notify(k, MEM_GOING_OFFLINE, &arg);
	/* The migration loop: only a signal ends it while something cannot
	 * move (EINTR). */
	if (!ret)
		ret = migrate_range(k, b, start_pfn, nr_pages);
	undo_isolate_range(b);
	if (ret) {
		memory_notify(k, MEM_CANCEL_OFFLINE, &arg);
		return ret;
	}
	/* PageOffline pages whose owner let go in GOING_OFFLINE were never
	 * managed (6.12 skips them; 6.1's virtio-mem adds them to managed
	 * first, which comes to the same). */
	adjust_managed_page_count(k, z,
				  -(int64_t)(nr_pages - nr_page_offline(k, start_pfn, nr_pages)));
	adjust_present_page_count(k, b, z, -(int64_t)nr_pages);
	block_pages_release(k, b);
	if (arg.status_change_nid_normal >= 0)
		n->n_normal_memory = false;
	if (arg.status_change_nid >= 0)
		n->n_memory = false;
	memory_notify(k, MEM_OFFLINE, &arg);
	idtree_erase(&z->online_blocks, b->id);
	zone_shrink_span(z, n, k->pages_per_block, block_pfn, block_pfn + k->pages_per_block);
	return 0;
}

static bool range_has_blocks(const struct kernel *k, uint64_t start, uint64_t size)
{
	uint64_t first = start / k->block_size, last = (start + size - 1) / k->block_size, id;

	return idtree_find_next(&k->blocks, first, &id) && id <= last;
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

/* arch_add_memory()'s vmemmap_populate() for each new block: the struct
 * pages come from kernel memory. 0, or -ENOMEM with the blocks removed
 * again (the kernel fails before it creates them). */
static int add_memory_memmap(struct kernel *k, uint64_t start, uint64_t size)
{
	uint64_t first = start / k->block_size, last = first + size / k->block_size, id;
	struct memory_block *b;
	int ret = 0;

	for_each_memory_block_in_range(k, b, id, first, last) {
		ret = memmap_alloc(k, b);
		if (ret)
			break;
	}
	if (!ret)
		return 0;
	while ((b = idtree_find_next(&k->blocks, first, &id)) && id < last)
		remove_memory_block_device(k, b);
	return ret;
}

/* add_memory_resource() with register_memory_resource()'s resource:
 * named res_name, below a driver's non-busy region when one holds it. */
static int add_memory_named(struct kernel *k, int nid, uint64_t start, uint64_t size,
			    const char *res_name, unsigned int mhp_flags)
{
	struct memory_group *group = NULL;
	uint64_t end = start + size, vmemmap_pages;
	struct resource *res;
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
	/* A range another resource holds: "System RAM resource ... cannot be
	 * added". */
	if (request_mem_region(&k->iomem, start, size, res_name, true, &res))
		return -EEXIST;
	vmemmap_pages = add_memory_vmemmap_pages(k, size, mhp_flags);
	ret = create_memory_block_devices(k, start, size, nid, group, vmemmap_pages);
	if (!ret && !vmemmap_pages)
		ret = add_memory_memmap(k, start, size);
	if (ret) {
		release_mem_resource(res);
		return ret;
	}
	if (mhp_flags & MHP_MERGE_RESOURCE)
		merge_system_ram_resource(res);
	k->nodes[nid].online = true;
	if (k->auto_online_type != MMOP_OFFLINE) {
		struct memory_block *b;
		uint64_t id;

		/* walk_memory_blocks(..., online_memory_block): failures leave
		 * the block offline; the add still succeeds. */
		for_each_memory_block_in_range(k, b, id, start / k->block_size, end / k->block_size) {
			b->online_type = k->auto_online_type;
			device_online(k, b);
		}
	}
	return 0;
}

int add_memory(struct kernel *k, int nid, uint64_t start, uint64_t size, unsigned int mhp_flags)
{
	return add_memory_named(k, nid, start, size, "System RAM", mhp_flags);
}

int add_memory_driver_managed(struct kernel *k, int nid, uint64_t start, uint64_t size,
			      const char *res_name, unsigned int mhp_flags)
{
	size_t n = res_name ? strlen(res_name) : 0;

	/* Only "System RAM (...)" names: kexec tools tell them apart. */
	if (!n || strncmp(res_name, "System RAM (", 12) || res_name[n - 1] != ')')
		return -EINVAL;
	return add_memory_named(k, nid, start, size, res_name, mhp_flags);
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
	for_each_memory_block_in_range(k, b, id, first, last)
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
	for_each_memory_block_in_range(k, b, id, first, last)
		if (b->state != MEM_OFFLINE)
			return -EBUSY;
	ret = check_vmemmap_removal(k, first, last);
	if (ret)
		return ret;
	/* try_remove_memory(): the blocks go, then the range leaves its
	 * resource (a virtio-mem resource of merged blocks is cut). */
	if (release_mem_region_adjustable(&k->iomem, start, size))
		return -ENOMEM;
	while ((b = idtree_find_next(&k->blocks, first, &id)) && id < last) {
		nid = b->nid;
		remove_memory_block_device(k, b);
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
