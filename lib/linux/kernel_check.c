/* The kernel model's invariants (memhp_check()): every counter that
 * online_pages()/offline_pages() and the memory-block core keep
 * incrementally must equal the sum over the memory blocks it counts,
 * recomputed here from scratch, and every index (the block tree, each
 * zone's online blocks, the memory groups) must agree with the blocks.
 * One pass over the blocks, one over the zones, one over the groups:
 * O(blocks). */
#include <stdio.h>

#include "invariant.h"
#include "kernel.h"
#include "memory_hotplug.h"

/* A zone's pages as its blocks add them up. */
struct zone_sums {
	uint64_t present, managed, early;
};

struct check {
	const struct kernel *k;
	char *msg;
	size_t len;
	struct zone_sums zones[MAX_NUMNODES][MAX_NR_ZONES];
	uint64_t node_blocks[MAX_NUMNODES]; /* blocks whose nid is the node */
	uint64_t grouped_blocks;	    /* blocks with a memory group */
};

#define FAIL(c, name, ...) invariant_failed((c)->msg, (c)->len, name, __VA_ARGS__)

static unsigned long long ull(uint64_t v)
{
	return (unsigned long long)v;
}

/* Boot RAM of node nid in [s, e) (pfns): what a boot block holds there. */
static uint64_t node_ram_in(const struct kernel *k, int nid, uint64_t s, uint64_t e)
{
	uint64_t n = 0;

	for (size_t i = 0; i < k->nr_ram; i++) {
		uint64_t rs = PFN_DOWN(k->ram[i].start), re = PFN_DOWN(k->ram[i].end);

		if (k->ram[i].nid != nid || re <= s || rs >= e)
			continue;
		n += (re < e ? re : e) - (rs > s ? rs : s);
	}
	return n;
}

static bool zone_in_kernel(const struct kernel *k, const struct zone *z)
{
	return z->nid >= 0 && z->nid < k->nr_node_ids && (unsigned int)z->type < MAX_NR_ZONES &&
	       &k->nodes[z->nid].zones[z->type] == z;
}

/* An online block with one zone: all its pages (its memmap's too) are
 * present there, all but the memmap managed. */
static int account_zoned(struct check *c, const struct memory_block *b)
{
	const struct kernel *k = c->k;
	const struct zone *z = b->zone;
	uint64_t s = block_start_pfn(k, b), e = s + k->pages_per_block;
	struct zone_sums *sum;
	bool inside;

	if (!zone_in_kernel(k, z) || z->nid != b->nid)
		return FAIL(c, "block-zone", "online memory%llu of node %d is in a zone of node %d",
			    ull(b->id), b->nid, zone_in_kernel(k, z) ? z->nid : -1);
	/* A boot block with holes is spanned only where it has RAM. */
	inside = b->ram_pages == k->pages_per_block ? s >= z->start_pfn && e <= zone_end_pfn(z)
						    : zone_intersects(z, s, k->pages_per_block);
	if (!inside)
		return FAIL(
		    c, "zone-span",
		    "online memory%llu [pfn %llu, %llu) lies outside zone %s node %d's span "
		    "[%llu, %llu)",
		    ull(b->id), ull(s), ull(e), zone_name(z->type), z->nid, ull(z->start_pfn),
		    ull(zone_end_pfn(z)));
	if (idtree_load(&z->online_blocks, b->id) != b)
		return FAIL(c, "zone-online-blocks",
			    "online memory%llu is missing from zone %s node %d's online blocks",
			    ull(b->id), zone_name(z->type), z->nid);
	sum = &c->zones[z->nid][z->type];
	sum->present += b->ram_pages;
	/* Boot reservations were never managed. */
	sum->managed += b->ram_pages - b->nr_vmemmap_pages -
			nr_page_offline(k, s, k->pages_per_block) -
			range_nr_tag_pages(k, s, k->pages_per_block, TAG_BOOT_RESERVED);
	if (b->early)
		sum->early += b->ram_pages;
	return 0;
}

/* A boot block with pages in several zones or nodes (never offlined):
 * each zone holds the RAM of the block inside the span it got at boot. */
static int account_mixed(struct check *c, const struct memory_block *b)
{
	const struct kernel *k = c->k;
	uint64_t s = block_start_pfn(k, b), e = s + k->pages_per_block;

	if (!b->early)
		return FAIL(c, "block-zone", "online hot-added memory%llu has no zone", ull(b->id));
	for (int nid = 0; nid < k->nr_node_ids; nid++) {
		if (!(b->node_links & (1ULL << nid)))
			continue;
		for (int t = 0; t < MAX_NR_ZONES; t++) {
			const struct zone *z = &k->nodes[nid].zones[t];
			uint64_t zs = z->boot_start_pfn, ze = zs + z->boot_spanned_pages, pages;

			if (!z->boot_spanned_pages || ze <= s || zs >= e)
				continue;
			pages = node_ram_in(k, nid, s > zs ? s : zs, e < ze ? e : ze);
			if (!pages)
				continue;
			if (!zone_intersects(z, s > zs ? s : zs,
					     (e < ze ? e : ze) - (s > zs ? s : zs)))
				return FAIL(c, "zone-span",
					    "online boot memory%llu has pages outside zone %s node "
					    "%d's span [%llu, %llu)",
					    ull(b->id), zone_name(z->type), nid, ull(z->start_pfn),
					    ull(zone_end_pfn(z)));
			if (idtree_load(&z->online_blocks, b->id) != b)
				return FAIL(c, "zone-online-blocks",
					    "online boot memory%llu is missing from zone %s node "
					    "%d's online blocks",
					    ull(b->id), zone_name(z->type), nid);
			c->zones[nid][t].present += pages;
			c->zones[nid][t].managed +=
			    pages - range_nr_tag_pages(k, s > zs ? s : zs,
						       (e < ze ? e : ze) - (s > zs ? s : zs),
						       TAG_BOOT_RESERVED);
			c->zones[nid][t].early += pages;
		}
	}
	return 0;
}

static int check_block(struct check *c, uint64_t id, const struct memory_block *b)
{
	const struct kernel *k = c->k;

	if (b->id != id)
		return FAIL(c, "block-id", "memory%llu is stored under id %llu", ull(b->id),
			    ull(id));
	/* going-offline lasts only inside one offline. */
	if (b->state != MEM_ONLINE && b->state != MEM_OFFLINE)
		return FAIL(c, "block-state", "memory%llu is %s between steps", ull(id),
			    memory_block_state_name(b->state));
	if (b->nid < 0 || b->nid >= k->nr_node_ids || !k->nodes[b->nid].possible ||
	    !(b->node_links & (1ULL << b->nid)))
		return FAIL(c, "block-node", "memory%llu is on node %d, links 0x%llx", ull(id),
			    b->nid, ull(b->node_links));
	c->node_blocks[b->nid]++;
	if (!b->ram_pages || b->ram_pages > k->pages_per_block ||
	    (!b->early && b->ram_pages != k->pages_per_block) ||
	    b->nr_vmemmap_pages >= b->ram_pages)
		return FAIL(
		    c, "block-pages",
		    "memory%llu: %llu RAM pages, %llu of them its memmap, in a block of %llu",
		    ull(id), ull(b->ram_pages), ull(b->nr_vmemmap_pages), ull(k->pages_per_block));
	if (b->group)
		c->grouped_blocks++;
	if (b->state == MEM_OFFLINE) {
		if (b->zone)
			return FAIL(c, "block-zone", "offline memory%llu still has zone %s",
				    ull(id), zone_name(b->zone->type));
		return 0;
	}
	return b->zone ? account_zoned(c, b) : account_mixed(c, b);
}

/* Everything z->online_blocks lists is an online block with pages in z. */
static int check_online_blocks(struct check *c, const struct zone *z)
{
	const struct kernel *k = c->k;
	const struct memory_block *b;
	uint64_t id, s, e;
	char why[160];

	if (idtree_check(&z->online_blocks, why, sizeof(why)))
		return FAIL(c, "idtree-count", "zone %s node %d online blocks: %s",
			    zone_name(z->type), z->nid, why);
	idtree_for_each(&z->online_blocks, id, b)
	{
		if (find_memory_block(k, id) != b || b->state != MEM_ONLINE ||
		    !block_extent_in_zone(b, z, k->pages_per_block, &s, &e))
			return FAIL(c, "zone-online-blocks",
				    "zone %s node %d lists memory%llu, which is %s",
				    zone_name(z->type), z->nid, ull(id),
				    find_memory_block(k, id) != b ? "not that block"
				    : b->state != MEM_ONLINE	  ? "not online"
								  : "in another zone");
	}
	return 0;
}

static int check_zone(struct check *c, const struct zone *z, const struct zone_sums *sum)
{
	const char *name = zone_name(z->type);

	if (z->present_pages != sum->present)
		return FAIL(c, "zone-present",
			    "zone %s node %d: present_pages %llu != sum over blocks %llu", name,
			    z->nid, ull(z->present_pages), ull(sum->present));
	if (z->managed_pages != sum->managed)
		return FAIL(c, "zone-managed",
			    "zone %s node %d: managed_pages %llu != sum over blocks %llu", name,
			    z->nid, ull(z->managed_pages), ull(sum->managed));
	if (z->present_early_pages != sum->early)
		return FAIL(
		    c, "zone-present-early",
		    "zone %s node %d: present_early_pages %llu != sum over boot blocks %llu", name,
		    z->nid, ull(z->present_early_pages), ull(sum->early));
	if (z->present_pages > z->spanned_pages)
		return FAIL(c, "zone-span", "zone %s node %d: present_pages %llu > spanned %llu",
			    name, z->nid, ull(z->present_pages), ull(z->spanned_pages));
	return check_online_blocks(c, z);
}

/* The node's span is the hull of its zones' spans (update_pgdat_span()). */
static int check_node_span(struct check *c, const struct node *n)
{
	uint64_t start = UINT64_MAX, end = 0;

	for (int t = 0; t < MAX_NR_ZONES; t++) {
		const struct zone *z = &n->zones[t];

		if (zone_is_empty(z))
			continue;
		start = z->start_pfn < start ? z->start_pfn : start;
		end = zone_end_pfn(z) > end ? zone_end_pfn(z) : end;
	}
	if (!end && !n->spanned_pages)
		return 0;
	if (n->start_pfn != start || n->start_pfn + n->spanned_pages != end)
		return FAIL(c, "node-span", "node %d spans [%llu, %llu), its zones [%llu, %llu)",
			    n->id, ull(n->start_pfn), ull(n->start_pfn + n->spanned_pages),
			    ull(end ? start : 0), ull(end));
	return 0;
}

static int check_node(struct check *c, const struct node *n, uint64_t *managed)
{
	uint64_t kernel = 0, movable = c->zones[n->id][ZONE_MOVABLE].present;
	int ret;

	for (int t = 0; t < MAX_NR_ZONES; t++) {
		ret = check_zone(c, &n->zones[t], &c->zones[n->id][t]);
		if (ret)
			return ret;
		if (t != ZONE_MOVABLE)
			kernel += c->zones[n->id][t].present;
		*managed += n->zones[t].managed_pages;
	}
	if (n->present_pages != kernel + movable)
		return FAIL(c, "node-present",
			    "node %d: present_pages %llu != sum over blocks %llu (kernel %llu + "
			    "movable %llu)",
			    n->id, ull(n->present_pages), ull(kernel + movable), ull(kernel),
			    ull(movable));
	if (n->n_memory != (kernel + movable > 0) || n->n_normal_memory != (kernel > 0))
		return FAIL(c, "node-state",
			    "node %d: N_MEMORY %d, N_NORMAL_MEMORY %d with kernel pages %llu and "
			    "movable pages %llu",
			    n->id, n->n_memory, n->n_normal_memory, ull(kernel), ull(movable));
	if (!n->online && (n->present_pages || n->nr_memory_blocks))
		return FAIL(c, "node-state",
			    "node %d is offline with %llu present pages, %llu blocks", n->id,
			    ull(n->present_pages), ull(n->nr_memory_blocks));
	if (n->nr_memory_blocks != c->node_blocks[n->id])
		return FAIL(c, "node-blocks", "node %d: nr_memory_blocks %llu != %llu blocks on it",
			    n->id, ull(n->nr_memory_blocks), ull(c->node_blocks[n->id]));
	return check_node_span(c, n);
}

/* A group's list, its blocks' back pointers and its present pages. */
static int check_group(struct check *c, uint64_t id, const struct memory_group *g, uint64_t *listed)
{
	const struct kernel *k = c->k;
	uint64_t kernel = 0, movable = 0, n = 0;
	const struct memory_block *prev = NULL;
	const char *kind = g->stats.is_dynamic ? "dynamic" : "static";

	if ((uint64_t)g->stats.id != id || g->stats.nid < 0 || g->stats.nid >= k->nr_node_ids)
		return FAIL(c, "group-blocks", "memory group %llu has id %d, node %d", ull(id),
			    g->stats.id, g->stats.nid);
	for (const struct memory_block *b = g->blocks; b; prev = b, b = b->group_next) {
		if (++n > g->nr_blocks || b->group != g || b->group_prev != prev ||
		    find_memory_block(k, b->id) != b || b->nid != g->stats.nid)
			return FAIL(c, "group-blocks",
				    "memory group %d (%s, node %d) lists memory%llu, which is not "
				    "its member (%u blocks counted)",
				    g->stats.id, kind, g->stats.nid, ull(b->id), g->nr_blocks);
		if (b->state != MEM_ONLINE || !b->zone)
			continue;
		if (b->zone->type == ZONE_MOVABLE)
			movable += b->ram_pages;
		else
			kernel += b->ram_pages;
	}
	if (n != g->nr_blocks)
		return FAIL(c, "group-blocks", "memory group %d: nr_blocks %u != %llu listed",
			    g->stats.id, g->nr_blocks, ull(n));
	if (g->stats.present_kernel_pages != kernel)
		return FAIL(c, "group-kernel-pages",
			    "memory group %d (%s, node %d): present_kernel_pages %llu != sum over "
			    "its blocks %llu",
			    g->stats.id, kind, g->stats.nid, ull(g->stats.present_kernel_pages),
			    ull(kernel));
	if (g->stats.present_movable_pages != movable)
		return FAIL(c, "group-movable-pages",
			    "memory group %d (%s, node %d): present_movable_pages %llu != sum over "
			    "its blocks %llu",
			    g->stats.id, kind, g->stats.nid, ull(g->stats.present_movable_pages),
			    ull(movable));
	if (!g->stats.is_dynamic && n * k->pages_per_block > g->stats.max_pages)
		return FAIL(c, "group-blocks",
			    "static memory group %d: %llu blocks > max_pages %llu", g->stats.id,
			    ull(n), ull(g->stats.max_pages));
	*listed += n;
	return 0;
}

/* The policy's list of dynamic groups: every dynamic group once, by id. */
static int check_dynamic_list(struct check *c, size_t nr_dynamic)
{
	const struct memory_group_registry *r = &c->k->groups;

	if (r->nr_dynamic != nr_dynamic)
		return FAIL(c, "group-dynamic-list", "%zu dynamic groups listed, %zu registered",
			    r->nr_dynamic, nr_dynamic);
	for (size_t i = 0; i < r->nr_dynamic; i++) {
		const struct memory_group *g = memory_group_find_by_id(r, r->dynamic[i]->id);

		if (!g || &g->stats != r->dynamic[i] || !g->stats.is_dynamic ||
		    (i && r->dynamic[i - 1]->id >= r->dynamic[i]->id))
			return FAIL(
			    c, "group-dynamic-list",
			    "entry %zu (group %d) is not a registered dynamic group in order", i,
			    r->dynamic[i]->id);
	}
	return 0;
}

static int check_groups(struct check *c)
{
	const struct memory_group_registry *r = &c->k->groups;
	const struct memory_group *g;
	uint64_t id, listed = 0;
	size_t nr_dynamic = 0;
	char why[160];
	int ret;

	if (idtree_check(&r->groups, why, sizeof(why)))
		return FAIL(c, "idtree-count", "memory groups: %s", why);
	idtree_for_each(&r->groups, id, g)
	{
		ret = check_group(c, id, g, &listed);
		if (ret)
			return ret;
		nr_dynamic += g->stats.is_dynamic;
	}
	if (listed != c->grouped_blocks)
		return FAIL(c, "group-blocks", "%llu blocks have a memory group, groups list %llu",
			    ull(c->grouped_blocks), ull(listed));
	return check_dynamic_list(c, nr_dynamic);
}

static int check_params(struct check *c)
{
	const struct kernel *k = c->k;

	if ((unsigned int)k->auto_online_type > MMOP_ONLINE_MOVABLE ||
	    (unsigned int)k->online_policy > ONLINE_POLICY_AUTO_MOVABLE ||
	    (unsigned int)k->memmap_on_memory > MEMMAP_ON_MEMORY_FORCE)
		return FAIL(c, "params", "auto_online_blocks %d, online_policy %d, memmap %d",
			    k->auto_online_type, k->online_policy, k->memmap_on_memory);
	return 0;
}

int kernel_check(const struct kernel *k, char *msg, size_t len)
{
	struct check check = {.k = k, .msg = msg, .len = len}, *c = &check;
	const struct memory_block *b;
	uint64_t id, managed = 0;
	char why[160];
	int ret = 0;

	if (idtree_check(&k->blocks, why, sizeof(why)))
		ret = FAIL(c, "idtree-count", "memory blocks: %s", why);
	idtree_for_each(&k->blocks, id, b)
	{
		if (ret)
			break;
		ret = check_block(c, id, b);
	}
	for (int nid = 0; !ret && nid < k->nr_node_ids; nid++)
		ret = check_node(c, &k->nodes[nid], &managed);
	if (!ret && k->totalram_pages != managed)
		ret = FAIL(c, "totalram", "totalram_pages %llu != sum of managed pages %llu",
			   ull(k->totalram_pages), ull(managed));
	if (!ret)
		ret = check_groups(c);
	if (!ret)
		ret = check_params(c);
	if (!ret)
		ret = page_alloc_check(k, msg, len);
	return ret;
}
