#include "page_alloc.h"

#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "array.h"
#include "kernel.h"

/* ---- one block's extents ---- */

static uint32_t ext_end(const struct page_extent *e)
{
	return e->start + e->nr;
}

static int ext_grow(struct block_pages *bp, uint32_t more)
{
	uint32_t cap = bp->cap ? bp->cap : 4;
	struct page_extent *ext;

	if (bp->nr + more <= bp->cap)
		return 0;
	while (cap < bp->nr + more)
		cap *= 2;
	ext = realloc(bp->ext, cap * sizeof(*ext));
	if (!ext)
		return -ENOMEM;
	bp->ext = ext;
	bp->cap = cap;
	return 0;
}

/* Index of the first extent that ends after page off. */
static uint32_t ext_find(const struct block_pages *bp, uint32_t off)
{
	uint32_t lo = 0, hi = bp->nr;

	while (lo < hi) {
		uint32_t mid = lo + (hi - lo) / 2;

		if (ext_end(&bp->ext[mid]) <= off)
			lo = mid + 1;
		else
			hi = mid;
	}
	return lo;
}

static bool ext_same(const struct page_extent *e, enum page_kind kind, uint32_t tag)
{
	return e->kind == kind && e->tag == tag;
}

/* Puts [off, +nr) (free pages) into the block as kind/tag, merged with
 * equal neighbours. 0 or -ENOMEM with nothing changed. */
static int ext_insert(struct kernel *k, struct memory_block *b, uint32_t off, uint32_t nr,
		      enum page_kind kind, uint32_t tag)
{
	struct block_pages *bp = &b->pages;
	uint32_t i = ext_find(bp, off);
	bool left = i > 0 && ext_end(&bp->ext[i - 1]) == off && ext_same(&bp->ext[i - 1], kind, tag);
	bool right = i < bp->nr && bp->ext[i].start == off + nr && ext_same(&bp->ext[i], kind, tag);

	if (left && right) {
		bp->ext[i - 1].nr += nr + bp->ext[i].nr;
		memmove(&bp->ext[i], &bp->ext[i + 1], (bp->nr - i - 1) * sizeof(*bp->ext));
		bp->nr--;
	} else if (left) {
		bp->ext[i - 1].nr += nr;
	} else if (right) {
		bp->ext[i].start = off;
		bp->ext[i].nr += nr;
	} else {
		if (ext_grow(bp, 1))
			return -ENOMEM;
		memmove(&bp->ext[i + 1], &bp->ext[i], (bp->nr - i) * sizeof(*bp->ext));
		bp->ext[i] = (struct page_extent){.start = off, .nr = nr, .tag = tag, .kind = kind};
		bp->nr++;
	}
	bp->used += nr;
	k->page_alloc.nr_pages[kind] += nr;
	return 0;
}

void zone_alloc_hint_lower(struct zone *z, uint64_t id)
{
	if (z && id < z->alloc_hint)
		z->alloc_hint = id;
	if (z && id < z->alloc_hint_aligned)
		z->alloc_hint_aligned = id;
	if (z && id < z->alloc_hint_contig)
		z->alloc_hint_contig = id;
}

/* Frees the pages of extent i that lie in [off, +nr): it shrinks, goes,
 * or splits in two. 0 or -ENOMEM (a split without room) with nothing
 * changed. */
static int ext_cut(struct kernel *k, struct memory_block *b, uint32_t i, uint32_t off, uint32_t nr)
{
	struct block_pages *bp = &b->pages;
	struct page_extent e = bp->ext[i];
	uint32_t s = off > e.start ? off : e.start;
	uint32_t t = off + nr < ext_end(&e) ? off + nr : ext_end(&e);

	if (s >= t)
		return 0;
	if (s > e.start && t < ext_end(&e)) {
		if (ext_grow(bp, 1))
			return -ENOMEM;
		memmove(&bp->ext[i + 1], &bp->ext[i], (bp->nr - i) * sizeof(*bp->ext));
		bp->nr++;
		bp->ext[i].nr = s - e.start;
		bp->ext[i + 1].start = t;
		bp->ext[i + 1].nr = ext_end(&e) - t;
	} else if (s == e.start && t == ext_end(&e)) {
		memmove(&bp->ext[i], &bp->ext[i + 1], (bp->nr - i - 1) * sizeof(*bp->ext));
		bp->nr--;
	} else if (s == e.start) {
		bp->ext[i].start = t;
		bp->ext[i].nr -= t - s;
	} else {
		bp->ext[i].nr -= t - s;
	}
	bp->used -= t - s;
	k->page_alloc.nr_pages[e.kind] -= t - s;
	zone_alloc_hint_lower(b->zone, b->id);
	if (s < bp->free_hint)
		bp->free_hint = s;
	if (!bp->nr) {
		free(bp->ext);
		bp->ext = NULL;
		bp->cap = 0;
	}
	return 0;
}

/* Frees what extents matching (kind, tag) hold in [off, +nr) of b; kind
 * NR_PAGE_KINDS and tag TAG_NONE match anything. 0 or -ENOMEM (a split
 * without room; extents before it are freed). */
static int block_free(struct kernel *k, struct memory_block *b, uint32_t off, uint32_t nr,
		      enum page_kind kind, uint32_t tag)
{
	struct block_pages *bp = &b->pages;
	uint32_t i = ext_find(bp, off);

	while (i < bp->nr && bp->ext[i].start < off + nr) {
		const struct page_extent *e = &bp->ext[i];
		uint32_t before = bp->nr;
		int ret;

		if ((kind != NR_PAGE_KINDS && e->kind != kind) || (tag != TAG_NONE && e->tag != tag)) {
			i++;
			continue;
		}
		ret = ext_cut(k, b, i, off, nr);
		if (ret)
			return ret;
		/* A split keeps the left part at i; a cut front or back
		 * leaves nothing of the range in it. */
		if (bp->nr >= before)
			i++;
	}
	return 0;
}

uint64_t block_nr_pages(const struct memory_block *b, enum page_kind kind)
{
	uint64_t n = 0;

	for (uint32_t i = 0; i < b->pages.nr; i++)
		if (b->pages.ext[i].kind == kind)
			n += b->pages.ext[i].nr;
	return n;
}

/* Walks [pfn, end) a block at a time: p.b (NULL where no block is),
 * p.off and p.n, relative to the block. */
struct piece {
	uint64_t pfn, end;
	struct memory_block *b;
	uint32_t off, n;
};

static bool piece_next(const struct kernel *k, struct piece *p)
{
	uint64_t next;

	if (p->pfn >= p->end)
		return false;
	next = align_down(p->pfn, k->pages_per_block) + k->pages_per_block;
	if (next > p->end)
		next = p->end;
	p->b = find_memory_block(k, p->pfn / k->pages_per_block);
	p->off = (uint32_t)(p->pfn % k->pages_per_block);
	p->n = (uint32_t)(next - p->pfn);
	p->pfn = next;
	return true;
}

#define PIECES(start, nr) {.pfn = (start), .end = (start) + (nr)}

static uint64_t range_count(const struct kernel *k, uint64_t start_pfn, uint64_t nr_pages,
			    enum page_kind kind, uint32_t tag)
{
	struct piece p = PIECES(start_pfn, nr_pages);
	uint64_t total = 0;

	while (piece_next(k, &p)) {
		const struct block_pages *bp = p.b ? &p.b->pages : NULL;

		for (uint32_t i = bp ? ext_find(bp, p.off) : 0; bp && i < bp->nr; i++) {
			const struct page_extent *e = &bp->ext[i];
			uint32_t s = e->start > p.off ? e->start : p.off;
			uint32_t t = ext_end(e) < p.off + p.n ? ext_end(e) : p.off + p.n;

			if (e->start >= p.off + p.n)
				break;

			if ((kind == NR_PAGE_KINDS || e->kind == kind) &&
			    (tag == TAG_NONE || e->tag == tag))
				total += t - s;
		}
	}
	return total;
}

uint64_t range_nr_pages(const struct kernel *k, uint64_t start_pfn, uint64_t nr_pages,
			enum page_kind kind)
{
	return range_count(k, start_pfn, nr_pages, kind, TAG_NONE);
}

uint64_t range_nr_tag_pages(const struct kernel *k, uint64_t start_pfn, uint64_t nr_pages,
			    uint32_t tag)
{
	return range_count(k, start_pfn, nr_pages, NR_PAGE_KINDS, tag);
}

void block_pages_release(struct kernel *k, struct memory_block *b)
{
	struct block_pages *bp = &b->pages;

	for (uint32_t i = 0; i < bp->nr; i++)
		k->page_alloc.nr_pages[bp->ext[i].kind] -= bp->ext[i].nr;
	free(bp->ext);
	*bp = (struct block_pages){0};
}

/* Whether [off, +nr) of b is free and not isolated. */
static bool block_range_free(const struct memory_block *b, uint32_t off, uint32_t nr)
{
	const struct block_pages *bp = &b->pages;
	uint32_t i = ext_find(bp, off);

	if (bp->iso_end > off && bp->iso_start < off + nr)
		return false;
	return i == bp->nr || bp->ext[i].start >= off + nr;
}

int page_alloc_range(struct kernel *k, uint64_t start_pfn, uint64_t nr_pages, enum page_kind kind,
		     uint32_t tag)
{
	struct piece p = PIECES(start_pfn, nr_pages);
	int ret;

	while (piece_next(k, &p)) {
		if (!p.b)
			return -ENOENT;
		if (!block_range_free(p.b, p.off, p.n) || p.off < p.b->nr_vmemmap_pages)
			return -EBUSY;
	}
	p = (struct piece)PIECES(start_pfn, nr_pages);
	while (piece_next(k, &p)) {
		ret = ext_insert(k, p.b, p.off, p.n, kind, tag);
		if (ret) {
			free_pages_range(k, start_pfn, p.pfn - p.n - start_pfn);
			return ret;
		}
	}
	return 0;
}

void free_pages_range(struct kernel *k, uint64_t start_pfn, uint64_t nr_pages)
{
	struct piece p = PIECES(start_pfn, nr_pages);

	while (piece_next(k, &p))
		if (p.b)
			block_free(k, p.b, p.off, p.n, NR_PAGE_KINDS, TAG_NONE);
}

/* ---- allocation ---- */

static const enum zone_type kernel_zonelist[] = {ZONE_NORMAL, ZONE_DMA32, MAX_NR_ZONES};
static const enum zone_type movable_zonelist[] = {ZONE_MOVABLE, ZONE_NORMAL, ZONE_DMA32,
						  MAX_NR_ZONES};

/* Where one allocation may go, and what it got so far. */
struct alloc_req {
	uint64_t want, got;
	uint64_t align;
	enum page_kind kind;
	uint32_t tag;
	bool contiguous;
	uint64_t first_pfn; /* contiguous: where it went */
	/* Chunks taken, for an all-or-nothing undo: the first ones inline,
	 * since most requests take one (a memmap, a huge page). */
	struct req_chunk {
		uint64_t pfn, nr;
	} *chunks, inline_chunks[4];
	size_t nr_chunks, cap_chunks;
};

static int req_note(struct alloc_req *r, uint64_t pfn, uint64_t nr)
{
	if (!r->chunks) {
		r->chunks = r->inline_chunks;
		r->cap_chunks = ARRAY_SIZE(r->inline_chunks);
	}
	if (r->nr_chunks == r->cap_chunks) {
		size_t cap = 2 * r->cap_chunks;
		struct req_chunk *c =
		    r->chunks == r->inline_chunks ? malloc(cap * sizeof(*c))
						  : realloc(r->chunks, cap * sizeof(*c));

		if (!c)
			return -ENOMEM;
		if (r->chunks == r->inline_chunks)
			memcpy(c, r->inline_chunks, sizeof(r->inline_chunks));
		r->chunks = c;
		r->cap_chunks = cap;
	}
	r->chunks[r->nr_chunks].pfn = pfn;
	r->chunks[r->nr_chunks++].nr = nr;
	return 0;
}

/* The first free aligned run of b at or after page `from` that fits the
 * request (all of what is left when contiguous, else at least one chunk):
 * its start and usable length, or false. */
static bool block_next_gap(const struct kernel *k, const struct memory_block *b,
			   const struct alloc_req *r, uint32_t *from, uint32_t *len)
{
	const struct block_pages *bp = &b->pages;
	uint64_t ppb = k->pages_per_block, need = r->contiguous ? r->want - r->got : r->align;
	uint64_t pos = *from > b->nr_vmemmap_pages ? *from : b->nr_vmemmap_pages;
	uint32_t i = ext_find(bp, (uint32_t)pos);

	for (;;) {
		uint64_t end = i < bp->nr ? bp->ext[i].start : ppb, s = align_up(pos, r->align), e;

		if (s < end) {
			e = s + align_down(end - s, r->align);
			/* Skip the isolated range. */
			if (bp->iso_end > s && bp->iso_start < e) {
				if (bp->iso_start >= s + need) {
					e = s + align_down(bp->iso_start - s, r->align);
				} else {
					pos = bp->iso_end;
					i = ext_find(bp, (uint32_t)pos);
					continue;
				}
			}
			if (e - s >= need) {
				*from = (uint32_t)s;
				*len = (uint32_t)(e - s);
				return true;
			}
		}
		if (i >= bp->nr)
			return false;
		if (ext_end(&bp->ext[i]) > pos)
			pos = ext_end(&bp->ext[i]);
		i++;
		if (pos >= ppb)
			return false;
	}
}

static void req_release(struct alloc_req *r)
{
	if (r->chunks != r->inline_chunks)
		free(r->chunks);
	r->chunks = NULL;
}

/* Moves b's free hint past the extents that start at it. */
static uint32_t block_first_free(struct memory_block *b)
{
	struct block_pages *bp = &b->pages;
	uint32_t i = ext_find(bp, bp->free_hint);

	while (i < bp->nr && bp->ext[i].start <= bp->free_hint)
		bp->free_hint = ext_end(&bp->ext[i++]);
	return bp->free_hint;
}

/* Takes what b can give r, lowest first. 0 or -ENOMEM. */
static int block_alloc(struct kernel *k, struct memory_block *b, struct alloc_req *r)
{
	uint32_t from = block_first_free(b), len;

	while (r->got < r->want && block_next_gap(k, b, r, &from, &len)) {
		uint64_t take = r->want - r->got < len ? r->want - r->got : len;
		int ret;

		take = align_down(take, r->align);
		ret = req_note(r, b->id * k->pages_per_block + from, take);
		if (ret)
			return ret;
		ret = ext_insert(k, b, from, (uint32_t)take, r->kind, r->tag);
		if (ret) {
			r->nr_chunks--; /* the chunk just noted was not taken */
			return ret;
		}
		if (r->contiguous)
			r->first_pfn = b->id * k->pages_per_block + from;
		r->got += take;
		from += (uint32_t)take;
	}
	return 0;
}

static bool block_usable(const struct memory_block *b, const struct zone *z)
{
	return b->state == MEM_ONLINE && b->zone == z;
}

/* Takes from zone z, walking its online blocks from the hint up. */
static int zone_alloc(struct kernel *k, struct zone *z, struct alloc_req *r)
{
	uint64_t *hint = r->contiguous && r->want > r->align ? &z->alloc_hint_contig
			 : r->align > 1 || r->contiguous	   ? &z->alloc_hint_aligned
							   : &z->alloc_hint;
	bool advancing = true;
	struct memory_block *b;
	uint64_t id;

	for (b = idtree_find_next(&z->online_blocks, *hint, &id); b && r->got < r->want;
	     b = id == UINT64_MAX ? NULL : idtree_find_next(&z->online_blocks, id + 1, &id)) {
		uint64_t before = r->got;
		int ret;

		if (!block_usable(b, z))
			continue;
		ret = block_alloc(k, b, r);
		if (ret)
			return ret;
		/* A block that gave nothing without being isolated is full
		 * for this kind of request: later walks start past it. */
		if (advancing && r->got == before && !b->pages.iso_end)
			*hint = id + 1;
		else
			advancing = false;
	}
	return 0;
}

/* Tries the zones of cls on each node of nodes[] in turn. */
static int zonelist_alloc(struct kernel *k, const int *nodes, int nr_nodes, enum alloc_class cls,
			  struct alloc_req *r)
{
	const enum zone_type *zl = cls == ALLOC_KERNEL ? kernel_zonelist : movable_zonelist;

	for (int i = 0; i < nr_nodes && r->got < r->want; i++)
		for (const enum zone_type *t = zl; *t != MAX_NR_ZONES && r->got < r->want; t++) {
			int ret = zone_alloc(k, &k->nodes[nodes[i]].zones[*t], r);

			if (ret)
				return ret;
		}
	return 0;
}

/* nid first, then the other online nodes in order (equal distances). */
static int node_order(const struct kernel *k, int nid, bool bind, int *nodes)
{
	int n = 0;

	if (nid >= 0 && nid < k->nr_node_ids)
		nodes[n++] = nid;
	if (bind && n)
		return n;
	for (int i = 0; i < k->nr_node_ids; i++)
		if (i != nid && k->nodes[i].online)
			nodes[n++] = i;
	return n;
}

static void req_undo(struct kernel *k, struct alloc_req *r)
{
	for (size_t i = 0; i < r->nr_chunks; i++)
		free_pages_range(k, r->chunks[i].pfn, r->chunks[i].nr);
	r->nr_chunks = 0;
	r->got = 0;
}

int alloc_pages_node(struct kernel *k, int nid, bool bind, enum alloc_class cls, uint64_t nr_pages,
		     uint64_t align, enum page_kind kind, uint32_t tag, bool contiguous,
		     uint64_t *pfn)
{
	struct alloc_req r = {
	    .want = nr_pages, .align = align ? align : 1, .kind = kind, .tag = tag,
	    .contiguous = contiguous};
	int nodes[MAX_NUMNODES], n = node_order(k, nid, bind, nodes);
	int ret = zonelist_alloc(k, nodes, n, cls, &r);

	if (!ret && r.got < r.want)
		ret = -ENOMEM;
	if (ret)
		req_undo(k, &r);
	else if (pfn)
		*pfn = r.first_pfn;
	req_release(&r);
	return ret;
}

/* ---- the memmap of hot-added memory ---- */

int memmap_alloc(struct kernel *k, struct memory_block *b)
{
	uint64_t nr = memmap_pages(k), pfn;
	int ret;

	/* vmemmap_populate() maps struct pages with 2 MiB pages taken from
	 * the node's kernel memory (GFP_KERNEL | __GFP_RETRY_MAYFAIL: no
	 * OOM killer, the add fails instead). One extent per block is the
	 * model's simplification of its PMD-sized pieces. */
	ret = alloc_pages_node(k, b->nid, false, ALLOC_KERNEL, nr, HPAGE_PMD_NR, PAGE_MEMMAP,
			       TAG_MEMMAP(b->id), true, &pfn);
	if (ret) {
		if (ret == -ENOMEM)
			oom_event_record(k, nr, b->nid, true, "memmap");
		return ret;
	}
	b->memmap_pfn = pfn;
	return 0;
}

void memmap_free(struct kernel *k, struct memory_block *b)
{
	if (b->memmap_pfn == NO_MEMMAP_PFN)
		return;
	free_pages_range(k, b->memmap_pfn, memmap_pages(k));
	b->memmap_pfn = NO_MEMMAP_PFN;
}

/* ---- isolation ---- */

enum page_kind range_unmovable_kind(const struct kernel *k, const struct memory_block *b,
				    const struct zone *z, uint64_t start_pfn, uint64_t nr_pages)
{
	const struct block_pages *bp = &b->pages;
	uint32_t off = (uint32_t)(start_pfn - b->id * k->pages_per_block);

	for (uint32_t i = ext_find(bp, off); i < bp->nr && bp->ext[i].start < off + nr_pages; i++) {
		enum page_kind kind = bp->ext[i].kind;

		/* has_unmovable_pages(): reserved pages in any zone; in
		 * ZONE_MOVABLE every other page passes; elsewhere what is
		 * neither free, on the LRU, hugetlb nor PageOffline. */
		if (kind == PAGE_RESERVED)
			return kind;
		if (z->type != ZONE_MOVABLE && (kind == PAGE_UNMOVABLE || kind == PAGE_MEMMAP))
			return kind;
	}
	return NR_PAGE_KINDS;
}

/* ---- migration ---- */

int migration_nodes(const struct kernel *k, int nid, int *nodes)
{
	int n = 0;

	for (int i = 0; i < k->nr_node_ids; i++)
		if (i != nid && k->nodes[i].n_memory)
			nodes[n++] = i;
	if (!n)
		nodes[n++] = nid;
	return n;
}

static void hstate_account(struct kernel *k, int nid, int64_t total, int64_t free_)
{
	struct hstate *h = &k->page_alloc.hstate;

	h->nr_huge_pages += (uint64_t)total;
	h->free_huge_pages += (uint64_t)free_;
	if (nid >= 0 && nid < 64) {
		h->nr_huge_pages_node[nid] += (uint64_t)total;
		h->free_huge_pages_node[nid] += (uint64_t)free_;
	}
}

static int pfn_nid(const struct kernel *k, uint64_t pfn)
{
	const struct memory_block *b = find_memory_block(k, pfn / k->pages_per_block);

	return b ? b->nid : 0;
}

/* A free pool page on nodes[] outside the isolated ranges: its pfn. */
static bool find_free_huge_page(const struct kernel *k, const int *nodes, int nr_nodes,
				uint64_t *pfn)
{
	for (int i = 0; i < nr_nodes; i++) {
		if (!k->page_alloc.hstate.free_huge_pages_node[nodes[i]])
			continue;
		for (int t = 0; t < MAX_NR_ZONES; t++) {
			const struct zone *z = &k->nodes[nodes[i]].zones[t];
			const struct memory_block *b;
			uint64_t id;

			idtree_for_each(&z->online_blocks, id, b)
			{
				const struct block_pages *bp = &b->pages;

				if (!block_usable(b, z))
					continue;
				for (uint32_t j = 0; j < bp->nr; j++) {
					const struct page_extent *e = &bp->ext[j];

					if (e->kind != PAGE_HUGETLB_FREE ||
					    (bp->iso_end > e->start && bp->iso_start < ext_end(e)))
						continue;
					*pfn = id * k->pages_per_block + e->start;
					return true;
				}
			}
		}
	}
	return false;
}

/* Turns the extent piece [pfn, +nr) from one kind/tag into another. */
static int retag(struct kernel *k, uint64_t pfn, uint64_t nr, enum page_kind kind, uint32_t tag)
{
	struct memory_block *b = find_memory_block(k, pfn / k->pages_per_block);
	uint32_t off = (uint32_t)(pfn % k->pages_per_block);
	uint32_t i = ext_find(&b->pages, off);
	int ret = ext_cut(k, b, i, off, (uint32_t)nr);

	return ret ? ret : ext_insert(k, b, off, (uint32_t)nr, kind, tag);
}

/* Moves one in-use huge page at pfn: onto a free pool page elsewhere
 * (the old one returns to the pool and is dissolved with the range), or
 * onto a fresh 2 MiB of the buddy (the pool keeps its size). 0, or
 * -EAGAIN when there is no room. */
static int migrate_huge_page(struct kernel *k, const int *nodes, int nr_nodes, uint64_t pfn,
			     uint32_t tag)
{
	struct alloc_req r = {.want = HPAGE_PMD_NR, .align = HPAGE_PMD_NR, .kind = PAGE_HUGETLB,
			      .tag = tag};
	uint64_t target;
	int ret;

	if (find_free_huge_page(k, nodes, nr_nodes, &target)) {
		ret = retag(k, target, HPAGE_PMD_NR, PAGE_HUGETLB, tag);
		if (!ret)
			ret = retag(k, pfn, HPAGE_PMD_NR, PAGE_HUGETLB_FREE, TAG_HUGETLB_POOL);
		if (!ret) {
			hstate_account(k, pfn_nid(k, target), 0, -1);
			hstate_account(k, pfn_nid(k, pfn), 0, 1);
		}
		return ret;
	}
	ret = zonelist_alloc(k, nodes, nr_nodes, ALLOC_MOVABLE, &r);
	if (!ret && r.got < r.want)
		ret = -EAGAIN;
	if (ret) {
		req_undo(k, &r);
	} else {
		free_pages_range(k, pfn, HPAGE_PMD_NR);
		hstate_account(k, pfn_nid(k, pfn), -1, 0);
		hstate_account(k, pfn_nid(k, r.chunks[0].pfn), 1, 0);
	}
	req_release(&r);
	return ret;
}

/* Moves what it can of movable extent [pfn, +nr): a partial move leaves
 * the rest in place. 0 when all moved, -EAGAIN when some stayed. */
static int migrate_movable(struct kernel *k, const int *nodes, int nr_nodes, uint64_t pfn,
			   uint64_t nr, uint32_t tag)
{
	struct alloc_req r = {.want = nr, .align = 1, .kind = PAGE_MOVABLE, .tag = tag};
	int ret = zonelist_alloc(k, nodes, nr_nodes, ALLOC_MOVABLE, &r);

	if (ret) {
		req_undo(k, &r);
		req_release(&r);
		return ret;
	}
	free_pages_range(k, pfn, r.got);
	req_release(&r);
	return r.got == nr ? 0 : -EAGAIN;
}

/* Dissolves the free huge page at pfn (dissolve_free_hugetlb_folio()). */
static void dissolve_free_huge_page(struct kernel *k, uint64_t pfn)
{
	hstate_account(k, pfn_nid(k, pfn), -1, -1);
	free_pages_range(k, pfn, HPAGE_PMD_NR);
}

int migrate_range(struct kernel *k, struct memory_block *b, uint64_t start_pfn, uint64_t nr_pages)
{
	uint64_t base = b->id * k->pages_per_block;
	uint32_t off = (uint32_t)(start_pfn - base), end = off + (uint32_t)nr_pages;
	int nodes[MAX_NUMNODES], nr_nodes = migration_nodes(k, b->nid, nodes);
	bool stuck = false;
	uint32_t i = ext_find(&b->pages, off);
	/* A used huge page moves to the head of its node's free list, and
	 * the pool's dequeue does not skip isolated pages: with a free huge
	 * page in the range, the page and the one it left swap places for
	 * ever (seen on 6.1 and 6.12: such offlines never end). */
	bool huge_pingpong = range_nr_pages(k, start_pfn, nr_pages, PAGE_HUGETLB_FREE) != 0;

	while (i < b->pages.nr && b->pages.ext[i].start < end) {
		struct page_extent e = b->pages.ext[i];
		uint32_t s = e.start > off ? e.start : off, t = ext_end(&e) < end ? ext_end(&e) : end;
		int ret = 0;

		switch (e.kind) {
		case PAGE_MOVABLE:
			ret = migrate_movable(k, nodes, nr_nodes, base + s, t - s, e.tag);
			break;
		case PAGE_HUGETLB:
			ret = huge_pingpong ? -EAGAIN
					    : migrate_huge_page(k, nodes, nr_nodes, base + s, e.tag);
			break;
		case PAGE_OFFLINE:	    /* the owner let go in MEM_GOING_OFFLINE */
		case PAGE_HUGETLB_FREE: /* dissolved below */
			i++;
			continue;
		default:
			/* Pinned pages fail every migration; unmovable ones in
			 * ZONE_MOVABLE never become free. */
			ret = -EAGAIN;
			break;
		}
		if (ret == -EAGAIN) {
			stuck = true;
		} else if (ret) {
			return ret;
		}
		/* Moving changed the array: on from what was left behind,
		 * past the rest of an extent that stays. */
		i = ext_find(&b->pages, ret ? t - 1 : s);
		if (ret && i < b->pages.nr && b->pages.ext[i].start < t)
			i++;
	}
	/* The kernel gets to dissolving only once nothing is left to move. */
	if (stuck)
		return -EINTR;
	/* Then every free huge page of the range is dissolved. */
	for (i = ext_find(&b->pages, off); i < b->pages.nr && b->pages.ext[i].start < end;) {
		struct page_extent e = b->pages.ext[i];

		if (e.kind != PAGE_HUGETLB_FREE) {
			i++;
			continue;
		}
		dissolve_free_huge_page(k, base + e.start);
		i = ext_find(&b->pages, e.start);
	}
	return 0;
}

/* ---- PageOffline ---- */

int set_page_offline(struct kernel *k, uint64_t start_pfn, uint64_t nr_pages)
{
	return page_alloc_range(k, start_pfn, nr_pages, PAGE_OFFLINE, TAG_PAGE_OFFLINE);
}

void clear_page_offline(struct kernel *k, uint64_t start_pfn, uint64_t nr_pages)
{
	struct piece p = PIECES(start_pfn, nr_pages);

	while (piece_next(k, &p))
		if (p.b)
			block_free(k, p.b, p.off, p.n, PAGE_OFFLINE, TAG_PAGE_OFFLINE);
}

/* ---- the hugetlb pool ---- */

/* alloc_pool_huge_folio(): one page on node nid only (__GFP_THISNODE). */
static int alloc_pool_huge_page(struct kernel *k, int nid)
{
	uint64_t pfn;
	int ret = alloc_pages_node(k, nid, true, ALLOC_MOVABLE, HPAGE_PMD_NR, HPAGE_PMD_NR,
				   PAGE_HUGETLB_FREE, TAG_HUGETLB_POOL, true, &pfn);

	if (!ret)
		hstate_account(k, nid, 1, 1);
	return ret;
}

/* The highest free pool page of node nid, or false. */
static bool last_free_huge_page(const struct kernel *k, int nid, uint64_t *pfn)
{
	for (int t = MAX_NR_ZONES - 1; t >= 0; t--) {
		const struct zone *z = &k->nodes[nid].zones[t];
		const struct memory_block *b;
		uint64_t id = UINT64_MAX;

		while ((b = idtree_find_prev(&z->online_blocks, id, &id))) {
			for (uint32_t j = b->pages.nr; b->zone == z && j-- > 0;) {
				const struct page_extent *e = &b->pages.ext[j];

				if (e->kind == PAGE_HUGETLB_FREE) {
					*pfn = id * k->pages_per_block + ext_end(e) - HPAGE_PMD_NR;
					return true;
				}
			}
			if (!id)
				break;
			id--;
		}
	}
	return false;
}

int set_max_huge_pages(struct kernel *k, uint64_t count)
{
	struct hstate *h = &k->page_alloc.hstate;
	int nid = 0, failed = 0;

	/* Grow node by node in turn (for_each_node_mask_to_alloc()) until
	 * every node with memory failed once in a row. */
	while (h->nr_huge_pages < count && failed < k->nr_node_ids) {
		int ret = k->nodes[nid].n_memory ? alloc_pool_huge_page(k, nid) : -ENOMEM;

		if (ret && ret != -ENOMEM)
			return ret;
		failed = ret ? failed + 1 : 0;
		nid = (nid + 1) % k->nr_node_ids;
	}
	/* Shrink by free pages only, nodes in turn. */
	failed = 0;
	while (h->nr_huge_pages > count && h->free_huge_pages && failed < k->nr_node_ids) {
		uint64_t pfn;

		if (h->free_huge_pages_node[nid] && last_free_huge_page(k, nid, &pfn)) {
			dissolve_free_huge_page(k, pfn);
			failed = 0;
		} else {
			failed++;
		}
		nid = (nid + 1) % k->nr_node_ids;
	}
	return 0;
}

/* ---- user memory ---- */

static struct user_mem *user_mem_find(struct kernel *k, const char *name)
{
	for (size_t i = 0; i < k->page_alloc.nr_user; i++)
		if (k->page_alloc.user[i].tag && !strcmp(k->page_alloc.user[i].name, name))
			return &k->page_alloc.user[i];
	return NULL;
}

static struct user_mem *user_mem_slot(struct kernel *k)
{
	struct page_alloc *pa = &k->page_alloc;

	for (size_t i = 0; i < pa->nr_user; i++)
		if (!pa->user[i].tag)
			return &pa->user[i];
	if (pa->nr_user == pa->user_cap) {
		size_t cap = pa->user_cap ? 2 * pa->user_cap : 8;
		struct user_mem *u = realloc(pa->user, cap * sizeof(*u));

		if (!u)
			return NULL;
		pa->user = u;
		pa->user_cap = cap;
	}
	pa->user[pa->nr_user] = (struct user_mem){0};
	return &pa->user[pa->nr_user++];
}

/* Takes nr free pool pages of nodes[] for tag (a mapping faulting in its
 * huge pages). All or nothing: 0 or -ENOMEM. */
static int take_huge_pages(struct kernel *k, int nid, bool bind, uint64_t count, uint32_t tag)
{
	int nodes[MAX_NUMNODES], n = node_order(k, nid, bind, nodes);
	uint64_t avail = 0, pfn;
	int ret = 0;

	for (int i = 0; i < n; i++)
		avail += k->page_alloc.hstate.free_huge_pages_node[nodes[i]];
	if (avail < count)
		return -ENOMEM;
	for (uint64_t i = 0; i < count && !ret; i++) {
		if (!find_free_huge_page(k, nodes, n, &pfn))
			return -ENOMEM;
		ret = retag(k, pfn, HPAGE_PMD_NR, PAGE_HUGETLB, tag);
		if (!ret)
			hstate_account(k, pfn_nid(k, pfn), 0, -1);
	}
	return ret;
}

static void free_tag(struct kernel *k, uint32_t tag)
{
	struct memory_block *b;
	uint64_t id;

	idtree_for_each(&k->blocks, id, b)
	{
		for (uint32_t i = 0; i < b->pages.nr;) {
			struct page_extent e = b->pages.ext[i];

			if (e.tag != tag) {
				i++;
				continue;
			}
			if (e.kind == PAGE_HUGETLB) {
				/* Unmapped huge pages go back to the pool. */
				if (retag(k, id * k->pages_per_block + e.start, e.nr,
					  PAGE_HUGETLB_FREE, TAG_HUGETLB_POOL))
					return;
				hstate_account(k, b->nid, 0, (int64_t)(e.nr / HPAGE_PMD_NR));
				i = ext_find(&b->pages, ext_end(&e));
				continue;
			}
			block_free(k, b, e.start, e.nr, e.kind, tag);
		}
	}
}

int user_mem_alloc(struct kernel *k, const char *name, enum user_mem_type type, uint64_t nr_pages,
		   int nid)
{
	static const enum page_kind kinds[] = {PAGE_MOVABLE, PAGE_UNMOVABLE, PAGE_PINNED,
					       PAGE_HUGETLB};
	struct page_alloc *pa = &k->page_alloc;
	bool bind = nid != NUMA_NO_NODE;
	struct user_mem *u;
	int ret;

	if (strlen(name) >= sizeof(u->name) || !nr_pages || (bind && (nid < 0 || nid >= k->nr_node_ids)))
		return -EINVAL;
	if (user_mem_find(k, name))
		return -EEXIST;
	u = user_mem_slot(k);
	if (!u)
		return -ENOMEM;
	if (!pa->next_user_tag)
		pa->next_user_tag = TAG_USER;
	*u = (struct user_mem){.type = type, .nid = nid, .nr_pages = nr_pages,
			       .tag = pa->next_user_tag};
	snprintf(u->name, sizeof(u->name), "%s", name);
	if (type == USER_MEM_HUGETLB)
		ret = take_huge_pages(k, bind ? nid : 0, bind, nr_pages / HPAGE_PMD_NR, u->tag);
	else
		/* A long-term pin moves pages out of ZONE_MOVABLE first
		 * (check_and_migrate_movable_pages()): they end in kernel
		 * zones, like unmovable ones. */
		ret = alloc_pages_node(k, bind ? nid : 0, bind,
				       type == USER_MEM_MOVABLE ? ALLOC_MOVABLE : ALLOC_KERNEL,
				       nr_pages, 1, kinds[type], u->tag, false, NULL);
	if (ret) {
		free_tag(k, u->tag);
		u->tag = 0;
		if (ret == -ENOMEM)
			oom_event_record(k, nr_pages, nid, type != USER_MEM_MOVABLE, "user");
		return ret;
	}
	pa->next_user_tag++;
	return 0;
}

int user_mem_free(struct kernel *k, const char *name)
{
	struct user_mem *u = user_mem_find(k, name);

	if (!u)
		return -ENOENT;
	free_tag(k, u->tag);
	u->tag = 0;
	return 0;
}

void oom_event_record(struct kernel *k, uint64_t nr_pages, int nid, bool kernel_only,
		      const char *what)
{
	struct oom_event *e = &k->page_alloc.last_oom;

	k->page_alloc.nr_oom_events++;
	*e = (struct oom_event){
	    .nr_pages = nr_pages, .nid = nid, .kernel_only = kernel_only, .what = what};
	for (int n = 0; n < k->nr_node_ids && n < 64; n++)
		for (int t = 0; t < MAX_NR_ZONES; t++)
			e->zone_free[n][t] = zone_nr_free_pages(k, &k->nodes[n].zones[t]);
}

uint64_t zone_nr_free_pages(const struct kernel *k, const struct zone *z)
{
	const struct memory_block *b;
	uint64_t id, n = 0;

	idtree_for_each(&z->online_blocks, id, b)
		if (block_usable(b, z))
			n += k->pages_per_block - b->pages.used - b->nr_vmemmap_pages;
	return n;
}

void page_alloc_destroy(struct page_alloc *pa)
{
	free(pa->user);
	*pa = (struct page_alloc){0};
}

/* ---- invariants ---- */

#define BROKEN(...) (snprintf(msg, len, __VA_ARGS__), -EUCLEAN)

static int check_block_extents(const struct kernel *k, const struct memory_block *b, char *msg,
			       size_t len)
{
	const struct block_pages *bp = &b->pages;
	uint64_t used = 0, prev_end = b->nr_vmemmap_pages;

	if (bp->nr && b->state != MEM_ONLINE)
		return BROKEN("invariant pages-online: offline block %" PRIu64 " holds %u extents",
			      b->id, bp->nr);
	for (uint32_t i = 0; i < bp->nr; i++) {
		const struct page_extent *e = &bp->ext[i];

		if (!e->nr || e->start < prev_end || ext_end(e) > k->pages_per_block ||
		    e->kind >= NR_PAGE_KINDS)
			return BROKEN("invariant pages-extents: block %" PRIu64
				      " extent %u [%u, +%u) kind %u out of order or range",
				      b->id, i, e->start, e->nr, e->kind);
		if ((e->tag & TAG_MEMMAP_BIT) &&
		    (e->kind != PAGE_MEMMAP || e->nr != memmap_pages(k)))
			return BROKEN("invariant pages-memmap: block %" PRIu64
				      " holds a piece of memmap %" PRIu32,
				      b->id, e->tag & ~TAG_MEMMAP_BIT);
		if (e->tag & TAG_MEMMAP_BIT) {
			const struct memory_block *owner =
			    find_memory_block(k, e->tag & ~TAG_MEMMAP_BIT);

			if (!owner || owner->memmap_pfn != b->id * k->pages_per_block + e->start)
				return BROKEN("invariant pages-memmap: memmap of block %" PRIu32
					      " in block %" PRIu64 " has no owner",
					      e->tag & ~TAG_MEMMAP_BIT, b->id);
		}
		prev_end = ext_end(e);
		used += e->nr;
	}
	if (used != bp->used)
		return BROKEN("invariant pages-used: block %" PRIu64 " counts %u pages, holds %" PRIu64,
			      b->id, bp->used, used);
	return 0;
}

/* Adds block b's extents to the per-kind, per-tag and per-node sums. */
static void sum_block(const struct kernel *k, const struct memory_block *b, uint64_t *kinds,
		      uint64_t *user, uint64_t *huge_node, uint64_t *free_huge_node)
{
	const struct page_alloc *pa = &k->page_alloc;

	for (uint32_t i = 0; i < b->pages.nr; i++) {
		const struct page_extent *e = &b->pages.ext[i];

		kinds[e->kind] += e->nr;
		if (e->kind == PAGE_HUGETLB || e->kind == PAGE_HUGETLB_FREE)
			huge_node[b->nid] += e->nr;
		if (e->kind == PAGE_HUGETLB_FREE)
			free_huge_node[b->nid] += e->nr;
		for (size_t u = 0; u < pa->nr_user && e->tag >= TAG_USER; u++)
			if (pa->user[u].tag == e->tag)
				user[u] += e->nr;
	}
}

int page_alloc_check(const struct kernel *k, char *msg, size_t len)
{
	const struct page_alloc *pa = &k->page_alloc;
	uint64_t kinds[NR_PAGE_KINDS] = {0}, huge[MAX_NUMNODES] = {0}, free_huge[MAX_NUMNODES] = {0};
	uint64_t *user = calloc(pa->nr_user + 1, sizeof(*user));
	const struct memory_block *b;
	uint64_t id;
	int ret = 0;

	if (!user)
		return -ENOMEM;
	idtree_for_each(&k->blocks, id, b)
	{
		ret = check_block_extents(k, b, msg, len);
		if (ret)
			goto out;
		sum_block(k, b, kinds, user, huge, free_huge);
		if (b->memmap_pfn != NO_MEMMAP_PFN &&
		    range_nr_pages(k, b->memmap_pfn, memmap_pages(k), PAGE_MEMMAP) != memmap_pages(k)) {
			ret = BROKEN("invariant pages-memmap: the memmap of block %" PRIu64 " is gone",
				     id);
			goto out;
		}
	}
	for (int t = 0; t < NR_PAGE_KINDS; t++)
		if (kinds[t] != pa->nr_pages[t]) {
			ret = BROKEN("invariant pages-kinds: kind %d: blocks hold %" PRIu64
				     ", counted %" PRIu64,
				     t, kinds[t], pa->nr_pages[t]);
			goto out;
		}
	for (size_t u = 0; u < pa->nr_user; u++) {
		const struct user_mem *m = &pa->user[u];

		if (m->tag && user[u] != m->nr_pages) {
			ret = BROKEN("invariant pages-tag: %s holds %" PRIu64 " pages of %" PRIu64,
				     m->name, user[u], m->nr_pages);
			goto out;
		}
	}
	for (int nid = 0; nid < k->nr_node_ids; nid++)
		if (huge[nid] != pa->hstate.nr_huge_pages_node[nid] * HPAGE_PMD_NR ||
		    free_huge[nid] != pa->hstate.free_huge_pages_node[nid] * HPAGE_PMD_NR) {
			ret = BROKEN("invariant pages-hugetlb: node %d holds %" PRIu64 "/%" PRIu64
				     " huge pages (free), the pool counts %" PRIu64 "/%" PRIu64,
				     nid, huge[nid] / HPAGE_PMD_NR, free_huge[nid] / HPAGE_PMD_NR,
				     pa->hstate.nr_huge_pages_node[nid],
				     pa->hstate.free_huge_pages_node[nid]);
			goto out;
		}
out:
	free(user);
	return ret;
}

uint64_t block_nr_free_chunks(const struct kernel *k, const struct memory_block *b,
			      uint64_t chunk)
{
	struct alloc_req r = {.want = UINT64_MAX, .align = chunk, .kind = PAGE_MEMMAP};
	uint32_t from = 0, len;
	uint64_t n = 0;

	while (block_next_gap(k, b, &r, &from, &len)) {
		n += len / chunk;
		from += len;
		if (from >= k->pages_per_block)
			break;
	}
	return n;
}

/* ---- placement at a given range (boot) ---- */

/* Takes up to want free pages of [lo, hi) of b, highest first (top_down)
 * or lowest first. The count taken, or -ENOMEM. */
static int64_t block_take(struct kernel *k, struct memory_block *b, uint32_t lo, uint32_t hi,
			  uint64_t want, bool top_down, enum page_kind kind, uint32_t tag)
{
	uint64_t got = 0;

	while (got < want && lo < hi) {
		const struct block_pages *bp = &b->pages;
		uint32_t i = ext_find(bp, top_down ? hi - 1 : lo), s, e;
		int ret;

		if (top_down) {
			/* The gap that ends at hi. */
			if (i < bp->nr && bp->ext[i].start < hi) {
				hi = bp->ext[i].start > lo ? bp->ext[i].start : lo;
				continue;
			}
			e = hi;
			s = i > 0 && ext_end(&bp->ext[i - 1]) > lo ? ext_end(&bp->ext[i - 1]) : lo;
			if (e - s > want - got)
				s = e - (uint32_t)(want - got);
			hi = s;
		} else {
			if (i < bp->nr && bp->ext[i].start <= lo) {
				lo = ext_end(&bp->ext[i]);
				continue;
			}
			s = lo;
			e = i < bp->nr && bp->ext[i].start < hi ? bp->ext[i].start : hi;
			if (e - s > want - got)
				e = s + (uint32_t)(want - got);
			lo = e;
		}
		ret = ext_insert(k, b, s, e - s, kind, tag);
		if (ret)
			return ret;
		got += e - s;
	}
	return (int64_t)got;
}

int64_t page_alloc_place(struct kernel *k, uint64_t lo_pfn, uint64_t hi_pfn, uint64_t nr_pages,
			 bool top_down, enum page_kind kind, uint32_t tag)
{
	uint64_t ppb = k->pages_per_block, got = 0;

	while (got < nr_pages && lo_pfn < hi_pfn) {
		uint64_t pfn = top_down ? hi_pfn - 1 : lo_pfn;
		uint64_t bs = align_down(pfn, ppb);
		uint64_t s = lo_pfn > bs ? lo_pfn : bs, e = hi_pfn < bs + ppb ? hi_pfn : bs + ppb;
		struct memory_block *b = find_memory_block(k, pfn / ppb);
		int64_t n = 0;

		if (b)
			n = block_take(k, b, (uint32_t)(s - bs), (uint32_t)(e - bs), nr_pages - got,
				       top_down, kind, tag);
		if (n < 0)
			return n;
		got += (uint64_t)n;
		if (top_down)
			hi_pfn = s;
		else
			lo_pfn = e;
	}
	return (int64_t)got;
}
