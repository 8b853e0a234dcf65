/* What boot leaves in memory (mm/memblock.c, mm/mm_init.c,
 * arch/x86/kernel/setup.c, kernel/dma/swiotlb.c): reserved pages the
 * buddy never gets, and the kernel's own early allocations. They decide
 * which boot blocks refuse to go offline.
 *
 * Calibrated on Debian's 6.1 and 6.12 cloud kernels under QEMU 7.2 (pc
 * and q35, 2-16 GiB, one and two nodes), where `echo offline` fails with
 * EBUSY on exactly these blocks: the last block(s) of every node, where
 * memblock puts the node's memmap top-down, and the first block of every
 * kernel zone of every node, where the buddy hands out the first
 * unmovable pages; the amounts come from /proc/zoneinfo (managed and free
 * pages of the blocks left online). */
#include "memblock.h"

#include <errno.h>

#include "kernel.h"
#include "page_alloc.h"

#define KERNEL_IMAGE_START_PFN (16ULL << (20 - PAGE_SHIFT)) /* nokaslr: 16 MiB */
#define KERNEL_IMAGE_PAGES     8192ULL			    /* text to bss, after init frees */
#define SWIOTLB_PAGES	       (64ULL << (20 - PAGE_SHIFT))
#define DMA32_END_PFN	       (1ULL << (32 - PAGE_SHIFT))
/* Per present section beyond its memmap: page tables, mem_section and
 * friends (zoneinfo: 1,848 reserved pages at 4 GiB, 3,389 at 8 GiB, 6,458
 * at 16 GiB beyond the memmap). */
#define MEMBLOCK_PAGES_PER_SECTION 48ULL
#define MEMBLOCK_PAGES_BASE	   300ULL
/* The first unmovable pages of a zone: the boot node's highest kernel
 * zone gets most (pc/q35 at 2-16 GiB: 7,000-9,000 pages in use after
 * boot), other nodes' less (q35 with two nodes: 3,013), lower zones a few
 * (128 pages of DMA32 when a Normal zone exists). */
#define EARLY_UNMOVABLE_BOOT_NODE 7000ULL
#define EARLY_UNMOVABLE_NODE	  3000ULL
#define EARLY_UNMOVABLE_LOW_ZONE  128ULL

static int reserve_holes(struct kernel *k)
{
	struct memory_block *b;
	uint64_t id, ppb = k->pages_per_block;

	idtree_for_each(&k->blocks, id, b)
	{
		uint64_t pos = id * ppb, end = pos + ppb;

		if (b->ram_pages == ppb)
			continue;
		for (size_t i = 0; i <= k->nr_ram && pos < end; i++) {
			uint64_t s = i < k->nr_ram ? PFN_DOWN(k->ram[i].start) : end;
			uint64_t e = i < k->nr_ram ? PFN_DOWN(k->ram[i].end) : end;
			int64_t n;

			if (e <= pos)
				continue;
			if (s > pos) {
				uint64_t to = s < end ? s : end;

				n = page_alloc_place(k, pos, to, to - pos, false, PAGE_RESERVED,
						     TAG_HOLE);
				if (n < 0)
					return (int)n;
			}
			pos = e > pos ? e : pos;
		}
	}
	return 0;
}

/* memblock_alloc() on node nid below limit, top-down over its RAM. */
static int memblock_alloc_top_down(struct kernel *k, int nid, uint64_t limit, uint64_t nr)
{
	for (size_t i = k->nr_ram; i-- > 0 && nr;) {
		const struct firmware_range *r = &k->ram[i];
		uint64_t s = PFN_DOWN(r->start), e = PFN_DOWN(r->end);
		int64_t n;

		if ((nid != NUMA_NO_NODE && r->nid != nid) || s >= limit)
			continue;
		n = page_alloc_place(k, s, e < limit ? e : limit, nr, true, PAGE_RESERVED,
				     TAG_BOOT_RESERVED);
		if (n < 0)
			return (int)n;
		nr -= (uint64_t)n;
	}
	return 0;
}

static uint64_t node_present_sections(const struct kernel *k, int nid)
{
	uint64_t n = 0, last = UINT64_MAX;

	for (size_t i = 0; i < k->nr_ram; i++) {
		uint64_t s = PFN_DOWN(k->ram[i].start) / PAGES_PER_SECTION;
		uint64_t e = div_round_up(PFN_DOWN(k->ram[i].end), PAGES_PER_SECTION);

		if (k->ram[i].nid != nid)
			continue;
		if (last != UINT64_MAX && s < last)
			s = last;
		if (e > s)
			n += e - s;
		last = e;
	}
	return n;
}

/* The first free pages of zone z become the kernel's. */
static int early_unmovable(struct kernel *k, const struct zone *z, uint64_t nr)
{
	int64_t n = page_alloc_place(k, z->start_pfn, zone_end_pfn(z), nr, false, PAGE_UNMOVABLE,
				     TAG_BOOT_UNMOVABLE);

	return n < 0 ? (int)n : 0;
}

static int node_early_unmovable(struct kernel *k, int nid)
{
	const struct node *n = &k->nodes[nid];
	bool highest = true;

	for (int t = ZONE_NORMAL; t >= ZONE_DMA32; t--) {
		const struct zone *z = &n->zones[t];
		uint64_t nr;
		int ret;

		if (!populated_zone(z))
			continue;
		nr = !highest ? EARLY_UNMOVABLE_LOW_ZONE
		     : nid == 0 ? EARLY_UNMOVABLE_BOOT_NODE
				: EARLY_UNMOVABLE_NODE;
		highest = false;
		ret = early_unmovable(k, z, nr);
		if (ret)
			return ret;
	}
	return 0;
}

/* managed = present - reserved RAM pages, zone by zone. */
static void account_reserved(struct kernel *k)
{
	for (int nid = 0; nid < k->nr_node_ids; nid++)
		for (int t = 0; t < MAX_NR_ZONES; t++) {
			struct zone *z = &k->nodes[nid].zones[t];
			struct memory_block *b;
			uint64_t id, reserved = 0;

			if (!populated_zone(z))
				continue;
			idtree_for_each(&z->online_blocks, id, b)
			{
				for (uint32_t i = 0; i < b->pages.nr; i++) {
					const struct page_extent *e = &b->pages.ext[i];
					uint64_t s = id * k->pages_per_block + e->start;
					uint64_t end = s + e->nr;

					if (e->tag != TAG_BOOT_RESERVED)
						continue;
					s = s > z->start_pfn ? s : z->start_pfn;
					end = end < zone_end_pfn(z) ? end : zone_end_pfn(z);
					if (end > s)
						reserved += end - s;
				}
			}
			z->managed_pages -= reserved;
			k->totalram_pages -= reserved;
		}
}

int memblock_reserve_boot(struct kernel *k)
{
	int ret = reserve_holes(k);

	if (!ret)
		ret = (int)page_alloc_place(k, KERNEL_IMAGE_START_PFN,
					    KERNEL_IMAGE_START_PFN + KERNEL_IMAGE_PAGES,
					    KERNEL_IMAGE_PAGES, false, PAGE_RESERVED,
					    TAG_BOOT_RESERVED);
	for (int nid = 0; ret >= 0 && nid < k->nr_node_ids; nid++) {
		uint64_t sections = node_present_sections(k, nid);

		if (!sections)
			continue;
		/* sparse_init(): the node's memmap in one piece at its top. */
		ret = memblock_alloc_top_down(
		    k, nid, UINT64_MAX,
		    sections * (PAGES_PER_SECTION * STRUCT_PAGE_SIZE / PAGE_SIZE +
				MEMBLOCK_PAGES_PER_SECTION) +
			MEMBLOCK_PAGES_BASE);
	}
	/* swiotlb bounce buffers when memory reaches past 4 GiB. */
	if (ret >= 0 && k->max_pfn > DMA32_END_PFN)
		ret = memblock_alloc_top_down(k, NUMA_NO_NODE, DMA32_END_PFN, SWIOTLB_PAGES);
	if (ret < 0)
		return ret;
	account_reserved(k);
	for (int nid = 0; nid < k->nr_node_ids; nid++) {
		ret = node_early_unmovable(k, nid);
		if (ret)
			return ret;
	}
	return 0;
}
