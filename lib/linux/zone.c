#include "zone.h"

#include <string.h>

#include "memory.h"

void node_init(struct node *n, int nid)
{
	memset(n, 0, sizeof(*n));
	n->id = nid;
	for (int z = 0; z < MAX_NR_ZONES; z++) {
		n->zones[z].type = (enum zone_type)z;
		n->zones[z].nid = nid;
		idtree_init(&n->zones[z].online_blocks);
	}
}

void node_destroy(struct node *n)
{
	for (int z = 0; z < MAX_NR_ZONES; z++)
		idtree_destroy(&n->zones[z].online_blocks);
}

static void node_recompute_span(struct node *n)
{
	uint64_t start = UINT64_MAX, end = 0;

	for (int i = 0; i < MAX_NR_ZONES; i++) {
		const struct zone *z = &n->zones[i];

		if (zone_is_empty(z))
			continue;
		if (z->start_pfn < start)
			start = z->start_pfn;
		if (zone_end_pfn(z) > end)
			end = zone_end_pfn(z);
	}
	if (end == 0) {
		n->start_pfn = 0;
		n->spanned_pages = 0;
	} else {
		n->start_pfn = start;
		n->spanned_pages = end - start;
	}
}

void zone_grow_span(struct zone *z, struct node *n, uint64_t start_pfn, uint64_t nr_pages)
{
	uint64_t end = start_pfn + nr_pages;
	uint64_t old_end;

	old_end = zone_end_pfn(z);
	if (zone_is_empty(z) || start_pfn < z->start_pfn)
		z->start_pfn = start_pfn;
	z->spanned_pages = (end > old_end ? end : old_end) - z->start_pfn;

	old_end = n->start_pfn + n->spanned_pages;
	if (n->spanned_pages == 0 || start_pfn < n->start_pfn)
		n->start_pfn = start_pfn;
	n->spanned_pages = (end > old_end ? end : old_end) - n->start_pfn;
}

/* Where a boot block's pages that z has end: with its RAM, or, in the
 * zone that took the hole after the last RAM range, with the 2 MiB
 * subsection the RAM ends in (later pfns are not valid). Other holes go
 * to the next range's zone, whose scans never come down this far. */
static uint64_t boot_block_end(const struct memory_block *b, const struct zone *z)
{
	if (z->boot_tail_end_pfn &&
	    align_up(b->ram_end_pfn, PAGES_PER_SUBSECTION) == z->boot_tail_end_pfn)
		return z->boot_tail_end_pfn;
	return b->ram_end_pfn;
}

bool block_extent_in_zone(const struct memory_block *b, const struct zone *z, uint64_t pages_per_block,
			  uint64_t *start_pfn, uint64_t *end_pfn)
{
	uint64_t s = b->id * pages_per_block, e = s + pages_per_block;

	if (b->zone) {
		if (b->zone != z)
			return false;
	} else {
		uint64_t zs = z->boot_start_pfn, ze = zs + z->boot_spanned_pages;

		if (z->boot_tail_end_pfn > ze)
			ze = z->boot_tail_end_pfn;
		if (z->boot_spanned_pages == 0 || e <= zs || s >= ze)
			return false;
		s = s > zs ? s : zs;
		e = e < ze ? e : ze;
	}
	if (b->early && boot_block_end(b, z) < e)
		e = boot_block_end(b, z);
	if (e <= s)
		return false;
	*start_pfn = s;
	*end_pfn = e;
	return true;
}

/* The kernel walks PFNs from `from` in 2 MiB steps; the first step that
 * lands inside [s, e) is the answer. */
static bool first_step_in(uint64_t from, uint64_t s, uint64_t e, uint64_t *pfn)
{
	uint64_t p = from;

	if (p < s)
		p += align_up(s - p, PAGES_PER_SUBSECTION);
	if (p >= e)
		return false;
	*pfn = p;
	return true;
}

static bool last_step_in(uint64_t from, uint64_t s, uint64_t e, uint64_t *pfn)
{
	uint64_t p = from;

	if (p >= e)
		p -= align_up(p - (e - 1), PAGES_PER_SUBSECTION);
	if (p < s || p > from)
		return false;
	*pfn = p;
	return true;
}

/* shrink_zone_span() and update_pgdat_span() (mm/memory_hotplug.c), as
 * remove_pfn_range_from_zone() calls them after an offline. */
void zone_shrink_span(struct zone *z, struct node *n, uint64_t ppb, uint64_t start_pfn,
		      uint64_t end_pfn)
{
	uint64_t zend = zone_end_pfn(z);
	struct memory_block *b;
	uint64_t id, s, e, p;

	if (zone_is_empty(z))
		goto out;
	if (z->start_pfn == start_pfn) {
		bool found = false;

		for (b = idtree_find_next(&z->online_blocks, end_pfn / ppb, &id); b;
		     b = idtree_find_next(&z->online_blocks, id + 1, &id)) {
			if (!block_extent_in_zone(b, z, ppb, &s, &e) || e <= end_pfn)
				continue;
			if (s >= zend)
				break;
			if (first_step_in(end_pfn, s > end_pfn ? s : end_pfn, e < zend ? e : zend, &p)) {
				found = true;
				break;
			}
		}
		if (found) {
			z->spanned_pages = zend - p;
			z->start_pfn = p;
		} else {
			z->start_pfn = 0;
			z->spanned_pages = 0;
		}
	} else if (zend == end_pfn) {
		bool found = false;
		uint64_t from = start_pfn - 1;

		for (b = start_pfn ? idtree_find_prev(&z->online_blocks, from / ppb, &id) : NULL; b;
		     b = id ? idtree_find_prev(&z->online_blocks, id - 1, &id) : NULL) {
			if (!block_extent_in_zone(b, z, ppb, &s, &e) || s > from)
				continue;
			if (e <= z->start_pfn)
				break;
			if (last_step_in(from, s > z->start_pfn ? s : z->start_pfn, e, &p)) {
				found = true;
				break;
			}
		}
		if (found) {
			z->spanned_pages = p - z->start_pfn + 1;
		} else {
			z->start_pfn = 0;
			z->spanned_pages = 0;
		}
	}
out:
	node_recompute_span(n);
}
