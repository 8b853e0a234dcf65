/* Boot: from the firmware memory map to nodes, zones and boot memory blocks. */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "arch_x86.h"
#include "kernel.h"
#include "memblock.h"


struct pfn_range {
	uint64_t start, end;
};

static uint64_t ram_pages_in(const struct kernel *k, int nid, uint64_t s, uint64_t e)
{
	uint64_t n = 0;

	for (size_t i = 0; i < k->nr_ram; i++) {
		const struct firmware_range *r = &k->ram[i];
		uint64_t rs = r->start >> PAGE_SHIFT, re = r->end >> PAGE_SHIFT;

		if (nid != NUMA_NO_NODE && r->nid != nid)
			continue;
		if (re <= s || rs >= e)
			continue;
		n += (re < e ? re : e) - (rs > s ? rs : s);
	}
	return n;
}

static void node_pfn_range(const struct kernel *k, int nid, uint64_t *start, uint64_t *end)
{
	*start = 0;
	*end = 0;
	for (size_t i = 0; i < k->nr_ram; i++) {
		const struct firmware_range *r = &k->ram[i];

		if (r->nid != nid)
			continue;
		if (*end == 0 || (r->start >> PAGE_SHIFT) < *start)
			*start = r->start >> PAGE_SHIFT;
		if ((r->end >> PAGE_SHIFT) > *end)
			*end = r->end >> PAGE_SHIFT;
	}
}

/* Firmware ranges become page-aligned memblock regions; the first page is
 * firmware-owned on x86 and never RAM. */
static int copy_ram(struct kernel *k, const struct boot_info *bi)
{
	k->ram = calloc(bi->nr_ram ? bi->nr_ram : 1, sizeof(*k->ram));
	if (!k->ram)
		return -ENOMEM;
	for (size_t i = 0; i < bi->nr_ram; i++) {
		struct firmware_range r = bi->ram[i];
		uint64_t s = PFN_UP(r.start), e = PFN_DOWN(r.end);

		if (s == 0)
			s = 1;
		if (e <= s)
			continue;
		if (r.nid < 0 || r.nid >= bi->nr_nodes)
			return -EINVAL;
		r.start = PFN_PHYS(s);
		r.end = PFN_PHYS(e);
		k->ram[k->nr_ram++] = r;
		if (e > k->max_pfn)
			k->max_pfn = e;
	}
	if (!k->nr_ram)
		return -EINVAL;
	if (bi->nr_hotplug) {
		k->hotplug = calloc(bi->nr_hotplug, sizeof(*k->hotplug));
		if (!k->hotplug)
			return -ENOMEM;
		memcpy(k->hotplug, bi->hotplug, bi->nr_hotplug * sizeof(*k->hotplug));
		k->nr_hotplug = bi->nr_hotplug;
	}
	return 0;
}

static void arch_zone_ranges(const struct kernel *k, struct pfn_range possible[MAX_NR_ZONES])
{
	uint64_t limit[ZONE_MOVABLE] = {
		[ZONE_DMA] = MAX_DMA_PFN < k->max_pfn ? MAX_DMA_PFN : k->max_pfn,
		[ZONE_DMA32] = MAX_DMA32_PFN < k->max_pfn ? MAX_DMA32_PFN : k->max_pfn,
		[ZONE_NORMAL] = k->max_pfn,
	};
	uint64_t start = UINT64_MAX;

	for (size_t i = 0; i < k->nr_ram; i++)
		if ((k->ram[i].start >> PAGE_SHIFT) < start)
			start = k->ram[i].start >> PAGE_SHIFT;
	for (int z = 0; z < ZONE_MOVABLE; z++) {
		uint64_t end = limit[z] > start ? limit[z] : start;

		possible[z].start = start;
		possible[z].end = end;
		start = end;
	}
	possible[ZONE_MOVABLE].start = possible[ZONE_MOVABLE].end = 0;
}

static enum zone_type movable_zone_of(const struct pfn_range possible[MAX_NR_ZONES])
{
	for (int z = ZONE_NORMAL; z > ZONE_DMA; z--)
		if (possible[z].end > possible[z].start)
			return (enum zone_type)z;
	return ZONE_DMA;
}

static uint64_t core_pages(enum core_kind kind, uint64_t v, uint64_t total)
{
	return kind == CORE_PERCENT ? total * v / 100 : v;
}

/* kernelcore=/movablecore=: spread the kernel memory evenly over the nodes;
 * everything above it on each node becomes ZONE_MOVABLE. Mirrors the
 * spreading loop of find_zone_movable_pfns_for_nodes() (mm/mm_init.c in
 * 6.12, mm/page_alloc.c in 6.1): each pass gives every node with memory
 * left an equal share, and repeats with the remainder while nodes remain. */
static void spread_kernelcore(const struct kernel *k, uint64_t usable_start, uint64_t zmp[])
{
	const struct kernel_cmdline *c = &k->cmdline;
	uint64_t total = ram_pages_in(k, NUMA_NO_NODE, 0, UINT64_MAX);
	uint64_t kc = 0, mc;
	int nodes = 0;

	if (c->kernelcore_kind == CORE_PAGES || c->kernelcore_kind == CORE_PERCENT)
		kc = core_pages(c->kernelcore_kind, c->kernelcore, total);
	if (c->movablecore_kind == CORE_PAGES || c->movablecore_kind == CORE_PERCENT) {
		mc = core_pages(c->movablecore_kind, c->movablecore, total);
		mc = align_up(mc, MAX_ORDER_NR_PAGES);
		if (mc > total)
			mc = total;
		if (total - mc > kc)
			kc = total - mc;
	}
	if (kc == 0 || kc >= total)
		return;
	for (int nid = 0; nid < k->nr_node_ids; nid++)
		if (ram_pages_in(k, nid, 0, UINT64_MAX))
			nodes++;
	do {
		uint64_t per_node = kc / (uint64_t)nodes;

		for (int nid = 0; nid < k->nr_node_ids; nid++) {
			uint64_t remaining;

			if (!ram_pages_in(k, nid, 0, UINT64_MAX))
				continue;
			if (kc < per_node)
				per_node = kc / (uint64_t)nodes;
			remaining = per_node;
			for (size_t i = 0; i < k->nr_ram; i++) {
				uint64_t s = k->ram[i].start >> PAGE_SHIFT, e = k->ram[i].end >> PAGE_SHIFT;
				uint64_t take;

				if (k->ram[i].nid != nid)
					continue;
				if (s < zmp[nid])
					s = zmp[nid];
				if (s >= e)
					continue;
				if (s < usable_start) {
					uint64_t below = (e < usable_start ? e : usable_start) - s;

					remaining -= below < remaining ? below : remaining;
					kc -= below < kc ? below : kc;
					if (e <= usable_start) {
						zmp[nid] = e;
						continue;
					}
					s = usable_start;
				}
				take = e - s < remaining ? e - s : remaining;
				zmp[nid] = s + take;
				kc -= take < kc ? take : kc;
				remaining -= take;
				if (!remaining)
					break;
			}
		}
		nodes--;
	} while (nodes > 0 && kc > (uint64_t)nodes);
}

static void find_zone_movable_pfns(const struct kernel *k, const struct pfn_range possible[],
				   uint64_t zmp[])
{
	enum zone_type mz = movable_zone_of(possible);

	memset(zmp, 0, sizeof(uint64_t) * MAX_NUMNODES);
	if (k->cmdline.movable_node) {
		/* Boot RAM that the firmware calls hot-pluggable. QEMU flags only
		 * the device-memory area, so a QEMU guest gets nothing here. */
		for (size_t i = 0; i < k->nr_ram; i++) {
			for (size_t j = 0; j < k->nr_hotplug; j++) {
				uint64_t s = k->ram[i].start, e = k->ram[i].end;
				uint64_t hs = k->hotplug[j].start, he = k->hotplug[j].end;
				int nid = k->ram[i].nid;

				if (e <= hs || s >= he)
					continue;
				s = (s > hs ? s : hs) >> PAGE_SHIFT;
				if (!zmp[nid] || s < zmp[nid])
					zmp[nid] = s;
			}
		}
	} else if (k->cmdline.kernelcore_kind == CORE_MIRROR) {
		/* No mirrored memory on a QEMU guest: 6.12 ignores the option.
		 * 6.1 would treat all memory above 4 GiB as movable; not modelled. */
	} else {
		spread_kernelcore(k, possible[mz].start, zmp);
	}
	for (int nid = 0; nid < k->nr_node_ids; nid++) {
		uint64_t s, e;

		zmp[nid] = align_up(zmp[nid], MAX_ORDER_NR_PAGES);
		node_pfn_range(k, nid, &s, &e);
		if (zmp[nid] >= e)
			zmp[nid] = 0;
	}
}

static void init_node_zones(struct kernel *k, struct node *n, const struct pfn_range possible[],
			    enum zone_type mz, uint64_t zmp)
{
	uint64_t node_start, node_end;

	node_pfn_range(k, n->id, &node_start, &node_end);
	for (int t = 0; t < MAX_NR_ZONES; t++) {
		struct zone *z = &n->zones[t];
		uint64_t s, e;

		if (t == ZONE_MOVABLE) {
			if (!zmp)
				continue;
			s = zmp;
			e = node_end < possible[mz].end ? node_end : possible[mz].end;
		} else {
			s = node_start < possible[t].start ? possible[t].start
			    : node_start > possible[t].end ? possible[t].end
							   : node_start;
			e = node_end < possible[t].start ? possible[t].start
			    : node_end > possible[t].end ? possible[t].end
							 : node_end;
			if (zmp && s < zmp && e > zmp)
				e = zmp;
			else if (zmp && s >= zmp)
				s = e;
		}
		if (e < node_start || s > node_end || node_end == 0)
			continue;
		s = s > node_start ? s : node_start;
		e = e < node_end ? e : node_end;
		if (e <= s)
			continue;
		z->start_pfn = z->boot_start_pfn = s;
		z->spanned_pages = z->boot_spanned_pages = e - s;
		z->present_pages = ram_pages_in(k, n->id, s, e);
		z->present_early_pages = z->present_pages;
		/* Boot reservations (kernel image, memmap, swiotlb...) are not
		 * modelled: managed starts equal to present. */
		z->managed_pages = z->present_pages;
		k->totalram_pages += z->managed_pages;
		n->present_pages += z->present_pages;
		if (z->present_pages && t != ZONE_MOVABLE)
			n->n_normal_memory = true;
	}
	n->start_pfn = node_start;
	n->spanned_pages = node_end - node_start;
	n->n_memory = n->present_pages != 0;
	n->online = n->n_memory || n->nr_cpus;
}

static int link_boot_block(struct kernel *k, struct memory_block *b, int nid, bool *first)
{
	struct node *n = &k->nodes[nid];
	uint64_t s = block_start_pfn(k, b), nr = k->pages_per_block;
	struct zone *only = NULL;
	int hits = 0;

	b->node_links |= 1ULL << nid;
	for (int t = 0; t < MAX_NR_ZONES; t++) {
		struct zone *z = &n->zones[t];

		if (!populated_zone(z) || !zone_intersects(z, s, nr))
			continue;
		hits++;
		only = z;
		if (idtree_store(&z->online_blocks, b->id, b))
			return -ENOMEM;
	}
	b->zone = *first && hits == 1 ? only : NULL;
	*first = false;
	if (b->nid != NUMA_NO_NODE)
		k->nodes[b->nid].nr_memory_blocks--;
	b->nid = nid;
	n->nr_memory_blocks++;
	return 0;
}

/* The boot blocks: one memory block device per block that holds any
 * boot RAM, online, with holes and mixed zones as the early sections have
 * them (memory_dev_init() in drivers/base/memory.c, which creates one
 * device per block with present sections). */
static int create_boot_blocks(struct kernel *k)
{
	uint64_t ppb = k->pages_per_block;

	for (size_t i = 0; i < k->nr_ram; i++) {
		uint64_t s = k->ram[i].start >> PAGE_SHIFT, e = k->ram[i].end >> PAGE_SHIFT;

		for (uint64_t id = s / ppb; id * ppb < e; id++) {
			struct memory_block *b = find_memory_block(k, id);
			uint64_t bs = id * ppb, be = bs + ppb;
			int ret;

			if (!b) {
				b = calloc(1, sizeof(*b));
				if (!b)
					return -ENOMEM;
				b->id = id;
				b->memmap_pfn = NO_MEMMAP_PFN;
				b->state = MEM_ONLINE;
				b->online_type = MMOP_OFFLINE;
				b->nid = NUMA_NO_NODE;
				b->early = true;
				ret = idtree_store(&k->blocks, id, b);
				if (ret) {
					free(b);
					return ret;
				}
			}
			b->ram_pages += (e < be ? e : be) - (s > bs ? s : bs);
			if ((e < be ? e : be) > b->ram_end_pfn)
				b->ram_end_pfn = e < be ? e : be;
		}
	}
	/* Node registration links each block to every node with RAM in it. */
	for (int nid = 0; nid < k->nr_node_ids; nid++) {
		struct memory_block *b;
		uint64_t id;

		idtree_for_each(&k->blocks, id, b)
		{
			bool first = b->node_links == 0;
			int ret;

			if (!ram_pages_in(k, nid, id * ppb, (id + 1) * ppb))
				continue;
			ret = link_boot_block(k, b, nid, &first);
			if (ret)
				return ret;
		}
	}
	return 0;
}

/* memmap_init() initialises the pages after the last RAM range, up to
 * the end of its section, as pages of the highest populated zone of that
 * range's node; those of them in the 2 MiB subsection where the RAM ends
 * are valid and online, so a span shrink scanning down finds them. */
static void set_boot_tail(struct kernel *k)
{
	uint64_t end = 0, tail = align_up(k->max_pfn, PAGES_PER_SUBSECTION);
	int nid = NUMA_NO_NODE;

	for (size_t i = 0; i < k->nr_ram; i++) {
		if (PFN_DOWN(k->ram[i].end) >= end) {
			end = PFN_DOWN(k->ram[i].end);
			nid = k->ram[i].nid;
		}
	}
	if (nid == NUMA_NO_NODE)
		return;
	for (int t = MAX_NR_ZONES - 1; t >= 0; t--) {
		struct zone *z = &k->nodes[nid].zones[t];

		if (populated_zone(z)) {
			z->boot_tail_end_pfn = tail;
			return;
		}
	}
}

/* e820__reserve_resources(): a "System RAM" resource per usable e820
 * entry. The firmware ranges come cut at node boundaries; the e820 entries
 * they came from are whole again here (SeaBIOS never lists two adjacent
 * RAM entries). x86's setup_arch() makes the first page reserved before. */
static int reserve_ram_resources(struct kernel *k, const struct boot_info *bi)
{
	for (size_t i = 0; i < bi->nr_ram;) {
		uint64_t start = bi->ram[i].start, end = bi->ram[i].end;
		int ret;

		for (i++; i < bi->nr_ram && bi->ram[i].start == end; i++)
			end = bi->ram[i].end;
		if (start < PAGE_SIZE)
			start = PAGE_SIZE;
		if (end <= start)
			continue;
		ret = request_mem_region(&k->iomem, start, end - start, "System RAM", true, NULL);
		if (ret)
			return ret;
	}
	return 0;
}

int kernel_boot(const struct boot_info *bi, struct kernel **out)
{
	struct pfn_range possible[MAX_NR_ZONES];
	uint64_t zmp[MAX_NUMNODES];
	struct kernel *k;
	int ret;

	if (bi->nr_nodes < 1 || bi->nr_nodes > MAX_NUMNODES)
		return -EINVAL;
	k = calloc(1, sizeof(*k));
	if (!k)
		return -ENOMEM;
	iomem_init(&k->iomem);
	k->version = bi->version;
	k->is_vm = bi->is_vm;
	/* Debian's 6.12 cloud kernel is built to online hot-added memory by
	 * default, its 6.1 kernel is not. */
	k->auto_online_type = bi->version == MEMHP_KERNEL_6_12 ? MMOP_ONLINE : MMOP_OFFLINE;
	k->online_policy = ONLINE_POLICY_CONTIG_ZONES;
	k->auto_movable_ratio = 301;
	k->auto_movable_numa_aware = true;
	k->memmap_on_memory = MEMMAP_ON_MEMORY_DISABLE;
	k->pageblock_pages = PAGEBLOCK_NR_PAGES;
	idtree_init(&k->blocks);
	memory_group_registry_init(&k->groups);
	k->nr_node_ids = bi->nr_nodes;
	for (int nid = 0; nid < MAX_NUMNODES; nid++) {
		node_init(&k->nodes[nid], nid);
		k->nodes[nid].possible = nid < bi->nr_nodes;
		k->nodes[nid].nr_cpus = bi->cpus_per_node[nid];
	}
	ret = kernel_parse_cmdline(k, bi->cmdline);
	if (ret)
		goto fail;
	if (k->cmdline.has_default_online_type)
		k->auto_online_type = k->cmdline.default_online_type;

	ret = copy_ram(k, bi);
	if (!ret)
		ret = reserve_ram_resources(k, bi);
	if (ret)
		goto fail;
	k->block_size = probe_memory_block_size(PFN_PHYS(k->max_pfn), k->is_vm);
	k->pages_per_block = k->block_size >> PAGE_SHIFT;

	arch_zone_ranges(k, possible);
	find_zone_movable_pfns(k, possible, zmp);
	for (int nid = 0; nid < k->nr_node_ids; nid++)
		init_node_zones(k, &k->nodes[nid], possible, movable_zone_of(possible), zmp[nid]);
	set_boot_tail(k);
	ret = create_boot_blocks(k);
	if (!ret)
		ret = memblock_reserve_boot(k);
	if (ret)
		goto fail;
	*out = k;
	return 0;
fail:
	kernel_free(k);
	return ret;
}

void kernel_free(struct kernel *k)
{
	struct memory_block *b;
	uint64_t id;

	if (!k)
		return;
	iomem_release_all(&k->iomem);
	idtree_for_each(&k->blocks, id, b)
	{
		free(b->pages.ext);
		free(b);
	}
	idtree_destroy(&k->blocks);
	page_alloc_destroy(&k->page_alloc);
	memory_group_registry_destroy(&k->groups);
	for (int nid = 0; nid < MAX_NUMNODES; nid++)
		node_destroy(&k->nodes[nid]);
	free(k->notifiers);
	free(k->observers);
	free(k->ram);
	free(k->hotplug);
	free(k->saved_command_line);
	free(k);
}

int kernel_phys_to_nid(const struct kernel *k, uint64_t addr)
{
	for (size_t i = 0; i < k->nr_ram; i++)
		if (addr >= k->ram[i].start && addr < k->ram[i].end)
			return k->ram[i].nid;
	for (size_t i = 0; i < k->nr_hotplug; i++)
		if (addr >= k->hotplug[i].start && addr < k->hotplug[i].end)
			return k->hotplug[i].nid;
	for (int nid = 0; nid < k->nr_node_ids; nid++)
		if (k->nodes[nid].online)
			return nid;
	return 0;
}
