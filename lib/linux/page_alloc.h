/* What is in memory: the pages of online memory blocks as extents of one
 * kind and one owner, the part of mm/page_alloc.c, mm/page_isolation.c,
 * mm/migrate.c and mm/hugetlb.c that decides whether memory can leave.
 *
 * Free pages are not stored: a block's pages are free unless an extent
 * covers them, so an idle block costs nothing and a machine of tens of
 * TiB costs what it holds. Every allocated extent carries a tag (its
 * owner), so migration can be checked to lose and duplicate nothing.
 * Placement is deterministic: lowest free address first along the zone
 * fallback list, the order in which the buddy allocator hands out memory
 * freed at boot (free lists sorted by address, hot-added memory at the
 * tail). */
#ifndef MEMHP_PAGE_ALLOC_H
#define MEMHP_PAGE_ALLOC_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "mm_types.h"

struct kernel;
struct memory_block;
struct zone;

enum page_kind {
	PAGE_RESERVED,	   /* PG_reserved: memblock allocations, holes in early sections */
	PAGE_UNMOVABLE,	   /* slab, page tables, pipe buffers: not on the LRU */
	PAGE_MEMMAP,	   /* struct pages of hot-added memory (vmemmap_populate()) */
	PAGE_MOVABLE,	   /* anonymous and page-cache pages on the LRU */
	PAGE_PINNED,	   /* LRU pages under a long-term pin (FOLL_LONGTERM) */
	PAGE_HUGETLB_FREE, /* a free 2 MiB page of the hugetlb pool */
	PAGE_HUGETLB,	   /* a 2 MiB hugetlb page in use */
	PAGE_OFFLINE,	   /* PageOffline: a driver's (virtio-mem's unplugged memory) */
	NR_PAGE_KINDS,
};

/* Owners. Tags from TAG_USER up are user allocations (struct user_mem);
 * TAG_MEMMAP(id) is the memmap of hot-added block id. */
enum {
	TAG_NONE,
	TAG_BOOT_RESERVED,  /* memblock: kernel image, boot memmap, swiotlb... */
	TAG_BOOT_UNMOVABLE, /* the kernel's own allocations during boot */
	TAG_HUGETLB_POOL,   /* free huge pages */
	TAG_PAGE_OFFLINE,   /* set_page_offline() */
	TAG_HOLE,	    /* no RAM: reserved pages of early sections */
	TAG_USER = 16,
};
#define TAG_MEMMAP_BIT 0x80000000u
#define TAG_MEMMAP(id) (TAG_MEMMAP_BIT | (uint32_t)(id))

struct page_extent {
	uint32_t start; /* first page, relative to its block */
	uint32_t nr;
	uint32_t tag;
	uint8_t kind; /* enum page_kind */
};

/* One block's allocated pages, sorted by start, never overlapping. */
struct block_pages {
	struct page_extent *ext;
	uint32_t nr, cap;
	uint32_t used;	    /* pages in extents */
	uint32_t free_hint; /* no free page below it */
	/* [iso_start, iso_end): pageblocks set MIGRATE_ISOLATE by an offline
	 * or alloc_contig_range() under way; nothing is allocated there. */
	uint32_t iso_start, iso_end;
};

#define HPAGE_PMD_NR ((uint64_t)512) /* 2 MiB huge pages, and the vmemmap's PMD chunks */

/* The 2 MiB hstate (/proc/sys/vm/nr_hugepages). */
struct hstate {
	uint64_t nr_huge_pages, free_huge_pages;
	uint64_t nr_huge_pages_node[64], free_huge_pages_node[64];
};

/* A user allocation made by the guest's `load` command. */
enum user_mem_type {
	USER_MEM_MOVABLE,   /* tmpfs file */
	USER_MEM_UNMOVABLE, /* pipe buffers */
	USER_MEM_PIN,	    /* io_uring fixed buffers */
	USER_MEM_HUGETLB,   /* mapped huge pages */
};

struct user_mem {
	char name[33];
	enum user_mem_type type;
	int nid; /* MPOL_BIND node, or NUMA_NO_NODE */
	uint64_t nr_pages;
	uint32_t tag; /* 0: slot unused */
};

/* An allocation the kernel could not satisfy: an out-of-memory event
 * (unmovable demand, user memory) or a failed memmap of an add. */
struct oom_event {
	uint64_t nr_pages;
	int nid;
	bool kernel_only; /* could only use kernel zones */
	const char *what; /* "memmap", "user" */
	/* Free pages of each zone of every node when it happened: kernel
	 * zones full beside a roomy ZONE_MOVABLE is the zone imbalance. */
	uint64_t zone_free[64][4];
};

struct page_alloc {
	uint64_t nr_pages[NR_PAGE_KINDS]; /* over all blocks */
	struct hstate hstate;
	struct user_mem *user;
	size_t nr_user, user_cap;
	uint32_t next_user_tag;
	uint64_t nr_oom_events;
	struct oom_event last_oom;
};

/* Which zones an allocation may use, in the kernel's fallback order. */
enum alloc_class {
	ALLOC_KERNEL,  /* GFP_KERNEL: Normal, DMA32 */
	ALLOC_MOVABLE, /* GFP_HIGHUSER_MOVABLE: Movable, Normal, DMA32 */
};

/* ---- per block ---- */

/* Pages of kind in block b (0 for a block without extents). */
uint64_t block_nr_pages(const struct memory_block *b, enum page_kind kind);
/* Pages of [start_pfn, +nr) covered by an extent of kind. */
uint64_t range_nr_pages(const struct kernel *k, uint64_t start_pfn, uint64_t nr_pages,
			enum page_kind kind);
/* Pages of [start_pfn, +nr) owned by tag. */
uint64_t range_nr_tag_pages(const struct kernel *k, uint64_t start_pfn, uint64_t nr_pages,
			    uint32_t tag);
/* Drops every extent of block b (it went offline or away). */
void block_pages_release(struct kernel *k, struct memory_block *b);

/* Marks [start_pfn, +nr) as kind/tag at exactly that place: boot
 * reservations and tests. Every page must be free and in a block.
 * 0, or -EBUSY/-ENOENT/-ENOMEM with nothing changed. */
int page_alloc_range(struct kernel *k, uint64_t start_pfn, uint64_t nr_pages, enum page_kind kind,
		     uint32_t tag);

/* ---- allocation with the zone fallback ---- */

/* Allocates nr_pages of kind/tag on node nid first (bind: only there),
 * lowest free address first, in chunks aligned to align pages (1, or
 * HPAGE_PMD_NR for huge pages). All or nothing: 0, or -ENOMEM with
 * nothing allocated. contiguous: one extent (the memmap of a block); then
 * *pfn gets its first page. */
int alloc_pages_node(struct kernel *k, int nid, bool bind, enum alloc_class cls, uint64_t nr_pages,
		     uint64_t align, enum page_kind kind, uint32_t tag, bool contiguous,
		     uint64_t *pfn);
/* Boot placement: up to nr_pages free pages of [lo_pfn, hi_pfn) become
 * kind/tag, highest first (memblock's top-down) or lowest first. The
 * number taken, or -ENOMEM. */
int64_t page_alloc_place(struct kernel *k, uint64_t lo_pfn, uint64_t hi_pfn, uint64_t nr_pages,
			 bool top_down, enum page_kind kind, uint32_t tag);
/* Block id got free pages (or went online) in zone z: allocation walks
 * must look at it again. */
void zone_alloc_hint_lower(struct zone *z, uint64_t id);
/* Frees [start_pfn, +nr_pages), whatever it holds. */
void free_pages_range(struct kernel *k, uint64_t start_pfn, uint64_t nr_pages);

/* ---- hot-added memory's memmap ---- */

/* The struct pages of one memory block: 1/64 of it. */
#define memmap_pages(k) ((k)->pages_per_block * STRUCT_PAGE_SIZE / PAGE_SIZE)

/* vmemmap_populate() of block b's struct pages from kernel memory of
 * its node (others as fallback): 0, or -ENOMEM (nothing allocated). */
int memmap_alloc(struct kernel *k, struct memory_block *b);
void memmap_free(struct kernel *k, struct memory_block *b);

/* ---- isolation and migration (offline_pages(), alloc_contig_range()) ---- */

/* The nodes a page of node nid migrates to, into nodes[]: every other
 * node with memory, or nid itself when it is the only one
 * (do_migrate_range()). Returns how many. */
int migration_nodes(const struct kernel *k, int nid, int *nodes);

/* has_unmovable_pages() over [start_pfn, +nr) of block b in zone z: the
 * first page kind that refuses isolation, or NR_PAGE_KINDS if none. */
enum page_kind range_unmovable_kind(const struct kernel *k, const struct memory_block *b,
				    const struct zone *z, uint64_t start_pfn, uint64_t nr_pages);

/* The migration loop of offline_pages() over [start_pfn, +nr) of b, which
 * must be isolated: movable pages and in-use huge pages move to other
 * memory (another node first), free huge pages are dissolved. 0 when only
 * free and PageOffline pages remain, or -EINTR when something can never
 * leave (a pinned page, an unmovable page in ZONE_MOVABLE, no room): the
 * kernel retries until the writer is signalled; pages moved so far stay
 * moved. */
int migrate_range(struct kernel *k, struct memory_block *b, uint64_t start_pfn, uint64_t nr_pages);

/* ---- PageOffline (set_online_page_callback() users) ---- */

/* [start_pfn, +nr) of an online block becomes the driver's: free pages
 * only. 0 or -EBUSY/-ENOMEM, nothing changed on error. */
int set_page_offline(struct kernel *k, uint64_t start_pfn, uint64_t nr_pages);
/* And back to the buddy. */
void clear_page_offline(struct kernel *k, uint64_t start_pfn, uint64_t nr_pages);

/* ---- the hugetlb pool ---- */

/* set_max_huge_pages(): grows the pool (2 MiB pages from movable memory,
 * nodes in turn) as far as memory allows, or shrinks it by its free pages.
 * 0 or -ENOMEM (bookkeeping only; a short pool is not an error). */
int set_max_huge_pages(struct kernel *k, uint64_t count);

/* ---- user memory: the guest's `load` ---- */

/* 0, or -EEXIST (name in use), -ENOMEM (no room: an OOM event is recorded,
 * nothing allocated), -EINVAL. */
int user_mem_alloc(struct kernel *k, const char *name, enum user_mem_type type, uint64_t nr_pages,
		   int nid);
/* 0 or -ENOENT. */
int user_mem_free(struct kernel *k, const char *name);

/* Free aligned runs of chunk pages in block b (not isolated): how many
 * more chunk-sized allocations it could take. Reads only. */
uint64_t block_nr_free_chunks(const struct kernel *k, const struct memory_block *b,
			      uint64_t chunk);
/* Records an allocation that did not fit (an OOM event), with every
 * zone's free pages. */
void oom_event_record(struct kernel *k, uint64_t nr_pages, int nid, bool kernel_only,
		      const char *what);
/* Free pages of zone z an allocation can use: those of its single-zone
 * online blocks that no extent covers (mixed boot blocks are left out,
 * as the allocator leaves them). Reads only. */
uint64_t zone_nr_free_pages(const struct kernel *k, const struct zone *z);

/* Page accounting invariants: extents sorted and inside their block, only
 * in online blocks, kind counts and every tag's total add up. 0, or
 * -EUCLEAN with "invariant NAME: ..." in msg. */
int page_alloc_check(const struct kernel *k, char *msg, size_t len);

void page_alloc_destroy(struct page_alloc *pa);

#endif
