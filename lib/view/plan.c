/* memhp plan (plan.h). Every number is a sum over memory blocks or
 * sub-blocks a person can redo by hand from the page model's rules
 * (offlining.md §3.6): a range can go now when it holds only free,
 * PageOffline or free huge pages; once migrated when it also holds
 * movable or used huge pages and the rest of memory has room for them;
 * never while it holds reserved, unmovable, memmap or pinned pages, or a
 * used huge page beside a free one. */
#include "plan.h"

#include <inttypes.h>
#include <string.h>

#include "explain_internal.h"
#include "machine.h"
#include "memory_device.h"
#include "memory_hotplug.h"
#include "pc_dimm.h"
#include "strbuf.h"
#include "virtio_mem_driver.h"
#include "virtio_mem_pci.h"

enum hold {
	HOLD_FREE,
	HOLD_MIGRATE,
	HOLD_RESERVED,
	HOLD_UNMOVABLE,
	HOLD_MEMMAP,
	HOLD_PINNED,
	HOLD_HUGETLB,
	HOLD_UNPLUG_ONLINE,
	HOLD_NO_ROOM,
};

static const char *const hold_names[] = {
    [HOLD_FREE] = "free",	      [HOLD_MIGRATE] = "movable",
    [HOLD_RESERVED] = "reserved",     [HOLD_UNMOVABLE] = "unmovable",
    [HOLD_MEMMAP] = "memmap",	      [HOLD_PINNED] = "pinned",
    [HOLD_HUGETLB] = "hugetlb-swap", [HOLD_UNPLUG_ONLINE] = "unplug_online=N",
    [HOLD_NO_ROOM] = "no-room",
};

/* What one device's ranges add up to. */
struct tally {
	uint64_t now, migrate, migrate_pages, held;
	struct json_object *holders; /* [{block, by, bytes}] */
};

/* What keeps [pfn, +nr) of online block b from leaving, and how many of
 * its pages would have to move. */
static enum hold range_hold(const struct kernel *k, uint64_t pfn, uint64_t nr, uint64_t *migrate)
{
	uint64_t used_huge = range_nr_pages(k, pfn, nr, PAGE_HUGETLB);

	*migrate = 0;
	if (range_nr_pages(k, pfn, nr, PAGE_RESERVED))
		return HOLD_RESERVED;
	if (range_nr_pages(k, pfn, nr, PAGE_UNMOVABLE))
		return HOLD_UNMOVABLE;
	if (range_nr_pages(k, pfn, nr, PAGE_MEMMAP))
		return HOLD_MEMMAP;
	if (range_nr_pages(k, pfn, nr, PAGE_PINNED))
		return HOLD_PINNED;
	if (used_huge && range_nr_pages(k, pfn, nr, PAGE_HUGETLB_FREE))
		return HOLD_HUGETLB;
	*migrate = range_nr_pages(k, pfn, nr, PAGE_MOVABLE) + used_huge;
	return *migrate ? HOLD_MIGRATE : HOLD_FREE;
}

/* Adds a held range to the block's entry (the last one, blocks come in
 * ascending order). */
static void add_holder(struct tally *t, uint64_t id, enum hold h, uint64_t bytes)
{
	size_t n = json_object_array_length(t->holders);
	struct json_object *last = n ? json_object_array_get_idx(t->holders, n - 1) : NULL;

	t->held += bytes;
	if (last && get_u64(last, "block") == id && !strcmp(get_str(last, "by"), hold_names[h])) {
		add_u64(last, "bytes", get_u64(last, "bytes") + bytes);
		return;
	}
	last = json_object_new_object();
	add_u64(last, "block", id);
	add_str(last, "by", hold_names[h]);
	add_u64(last, "bytes", bytes);
	json_object_array_add(t->holders, last);
}

static void tally_range(struct tally *t, uint64_t id, enum hold h, uint64_t bytes,
			uint64_t migrate_pages)
{
	if (h == HOLD_FREE) {
		t->now += bytes;
	} else if (h == HOLD_MIGRATE) {
		t->migrate += bytes;
		t->migrate_pages += migrate_pages;
	} else {
		add_holder(t, id, h, bytes);
	}
}

/* Free pages migration could use outside [first, end) blocks: on the
 * nodes a page of node nid migrates to, in DMA32, Normal and Movable. */
static uint64_t migration_room(const struct kernel *k, int nid, uint64_t first, uint64_t end)
{
	int nodes[MAX_NUMNODES], n = migration_nodes(k, nid, nodes);
	uint64_t room = 0;

	for (int i = 0; i < n; i++)
		for (int t = ZONE_DMA32; t < MAX_NR_ZONES; t++)
			room += zone_nr_free_pages(k, &k->nodes[nodes[i]].zones[t]);
	/* Less what the device's own blocks have free. */
	for (uint64_t id = first; id < end; id++) {
		const struct memory_block *b = find_memory_block(k, id);

		if (b && b->state == MEM_ONLINE && b->zone && b->zone->type != ZONE_DMA)
			for (int i = 0; i < n; i++)
				if (b->nid == nodes[i])
					room -= k->pages_per_block - b->pages.used -
						b->nr_vmemmap_pages;
	}
	return room;
}

/* What lack of room keeps: not per block, so no block. */
static void add_no_room(struct tally *t, uint64_t bytes)
{
	struct json_object *h = json_object_new_object();

	t->held += bytes;
	add_str(h, "block", NULL);
	add_str(h, "by", hold_names[HOLD_NO_ROOM]);
	add_u64(h, "bytes", bytes);
	json_object_array_add(t->holders, h);
}

/* all_or_nothing (a DIMM): the movable pages must all fit elsewhere.
 * Else (virtio-mem) free ranges the device keeps are room too: what does
 * not fit outside, short, stays behind in kept free ranges, so short
 * fewer bytes go (none of the movable ones when short exceeds them). */
static struct json_object *unplug_json(const struct kernel *k, struct tally *t, int nid,
				       uint64_t first, uint64_t end, bool all_or_nothing,
				       uint64_t size, uint64_t unit)
{
	struct json_object *o = json_object_new_object();
	uint64_t room = migration_room(k, nid, first, end) * PAGE_SIZE;
	uint64_t need = t->migrate_pages * PAGE_SIZE, short_ = need > room ? need - room : 0;

	if (all_or_nothing) {
		if (t->migrate && short_)
			add_no_room(t, t->migrate);
		add_u64(o, "now", !t->migrate && !t->held ? size : 0);
		add_u64(o, "with_migration", !t->held ? size : 0);
	} else {
		if (t->migrate && short_)
			add_no_room(t, short_ < t->now + t->migrate ? short_ : t->now + t->migrate);
		add_u64(o, "now", t->now);
		add_u64(o, "with_migration",
			short_ > t->now ? t->now : t->now + t->migrate - short_);
	}
	add_u64(o, "granularity", unit);
	add_u64(o, "migrate_bytes", need);
	add_u64(o, "room_bytes", room);
	json_object_object_add(o, "held", t->holders);
	return o;
}

/* A DIMM: ejected whole or not at all (its static group). */
static struct json_object *plan_dimm(const struct kernel *k, const struct pc_dimm *d,
				     struct json_object *o)
{
	uint64_t size = d->md.ops->get_region_size(&d->md), ppb = k->pages_per_block;
	uint64_t first = d->addr / k->block_size, end = (d->addr + size) / k->block_size, id;
	struct tally t = {.holders = json_object_new_array()};
	const struct memory_block *b;

	for_each_memory_block_in_range(k, b, id, first, end) {
		uint64_t pfn = id * ppb + b->nr_vmemmap_pages, migrate;
		enum hold h = HOLD_FREE;

		if (b->state == MEM_ONLINE)
			h = range_hold(k, pfn, ppb - b->nr_vmemmap_pages, &migrate);
		tally_range(&t, id, h, k->block_size, h == HOLD_MIGRATE ? migrate : 0);
	}
	add_u64(o, "size", size);
	json_object_object_add(o, "unplug",
			       unplug_json(k, &t, d->node, first, end, true, size, size));
	return o;
}

/* Online pages of [pfn, +nr) that are plugged (not PageOffline). */
static uint64_t online_plugged_pages(const struct kernel *k, uint64_t pfn, uint64_t nr)
{
	uint64_t ppb = k->pages_per_block, pages = 0;

	for (uint64_t p = pfn; p < pfn + nr; p = align_down(p, ppb) + ppb) {
		const struct memory_block *b = find_memory_block(k, p / ppb);
		uint64_t end = align_down(p, ppb) + ppb < pfn + nr ? align_down(p, ppb) + ppb
								 : pfn + nr;

		if (b && b->state == MEM_ONLINE)
			pages += end - p - range_nr_pages(k, p, end - p, PAGE_OFFLINE);
	}
	return pages;
}

/* The online ranges of a virtio-mem device in its unplug steps: a
 * sub-block (SBM) or a big block (BBM, its memory blocks go together).
 * A step counts with its online plugged pages; offline ones are counted
 * apart (they go without fake-offlining). */
static void tally_vmem_online(const struct kernel *k, const struct virtio_mem_info *vi,
			      bool unplug_online, uint64_t first, uint64_t end, struct tally *t)
{
	uint64_t unit = vi->sb_size >> PAGE_SHIFT, ppb = k->pages_per_block;

	for (uint64_t pfn = first * ppb; pfn < end * ppb; pfn += unit) {
		uint64_t plugged = online_plugged_pages(k, pfn, unit), migrate;
		enum hold h;

		if (!plugged)
			continue;
		h = range_hold(k, pfn, unit, &migrate);
		if (!unplug_online && (h == HOLD_FREE || h == HOLD_MIGRATE))
			h = HOLD_UNPLUG_ONLINE;
		tally_range(t, pfn / ppb, h, plugged * PAGE_SIZE, migrate);
	}
}

static const struct memory_group *vmem_group(const struct kernel *k, uint64_t first, uint64_t end)
{
	const struct memory_block *b;
	uint64_t id;

	for_each_memory_block_in_range(k, b, id, first, end)
		if (b->group)
			return b->group;
	return NULL;
}

static struct json_object *plan_vmem(const struct machine *m, const struct virtio_mem_pci *v,
				     struct json_object *o)
{
	const struct virtio_mem_driver *drv = machine_virtio_mem_driver(m);
	const struct kernel *k = m->kernel;
	uint64_t region = virtio_mem_region_size(v);
	uint64_t first = v->addr / k->block_size, end = (v->addr + region) / k->block_size;
	struct tally t = {.holders = json_object_new_array()};
	struct virtio_mem_info vi = {0};
	struct json_object *plug = json_object_new_object();
	char buf[8] = "Y";
	uint64_t offline;

	add_u64(o, "size", v->size);
	add_u64(o, "requested_size", v->requested_size);
	add_u64(o, "max_size", region);
	if (!drv || virtio_mem_get_info(drv, v->index, &vi)) {
		add_str(o, "driver", "not bound");
		json_object_put(t.holders);
		json_object_put(plug);
		return o;
	}
	virtio_mem_param_get(drv, "unplug_online", buf, sizeof(buf));
	tally_vmem_online(k, &vi, buf[0] == 'Y', first, end, &t);
	/* Plugged memory of offline blocks goes without fake-offlining. */
	offline = v->size - online_plugged_pages(k, first * k->pages_per_block,
						 (end - first) * k->pages_per_block) *
				PAGE_SIZE;
	t.now += offline;
	json_object_object_add(o, "unplug", unplug_json(k, &t, v->node, first, end, false, v->size,
							vi.sb_size));
	add_u64(plug, "more", region - v->size);
	if (k->online_policy == ONLINE_POLICY_AUTO_MOVABLE)
		add_u64(plug, "movable_headroom",
			auto_movable_headroom(k, v->node, vmem_group(k, first, end)) * PAGE_SIZE);
	else
		add_str(plug, "movable_headroom", NULL);
	json_object_object_add(o, "plug", plug);
	return o;
}

static struct json_object *plan_devices(const struct machine *m)
{
	struct json_object *list = json_object_new_array();

	for (size_t i = 0; i < m->vm->nr_memory_devices; i++) {
		const struct memory_device *md = m->vm->memory_devices[i];
		struct json_object *o = json_object_new_object();
		bool dimm = !strcmp(md->ops->qom_type, "pc-dimm");

		add_str(o, "id", md->id);
		add_str(o, "type", md->ops->qom_type);
		add_u64(o, "addr", md->ops->get_addr(md));
		if (dimm) {
			add_u64(o, "node", (uint64_t)to_pc_dimm_const(md)->node);
			plan_dimm(m->kernel, to_pc_dimm_const(md), o);
		} else {
			add_u64(o, "node", to_virtio_mem_pci_const(md)->node);
			plan_vmem(m, to_virtio_mem_pci_const(md), o);
		}
		json_object_array_add(list, o);
	}
	return list;
}

static struct json_object *plan_nodes(const struct kernel *k)
{
	struct json_object *list = json_object_new_array();

	for (int nid = 0; nid < k->nr_node_ids; nid++) {
		const struct node *n = &k->nodes[nid];
		struct json_object *o, *free_ = json_object_new_object();
		uint64_t early = 0, movable = n->zones[ZONE_MOVABLE].present_pages;

		if (!n->n_memory) {
			json_object_put(free_);
			continue;
		}
		o = json_object_new_object();
		add_u64(o, "node", (uint64_t)nid);
		for (int t = ZONE_DMA32; t < MAX_NR_ZONES; t++)
			if (populated_zone(&n->zones[t]))
				add_u64(free_, zone_name((enum zone_type)t),
					zone_nr_free_pages(k, &n->zones[t]) * PAGE_SIZE);
		for (int t = 0; t < ZONE_MOVABLE; t++)
			early += n->zones[t].present_early_pages;
		json_object_object_add(o, "free", free_);
		add_u64(o, "kernel_early", early * PAGE_SIZE);
		add_u64(o, "movable", movable * PAGE_SIZE);
		if (k->online_policy == ONLINE_POLICY_AUTO_MOVABLE)
			add_u64(o, "movable_headroom", auto_movable_headroom(k, nid, NULL) * PAGE_SIZE);
		else
			add_str(o, "movable_headroom", NULL);
		json_object_array_add(list, o);
	}
	return list;
}

/* Memory that can still be hot-added: one memmap (1/64 of a block, 2 MiB
 * aligned) per block, from free kernel memory of any node. */
static struct json_object *plan_hotadd(const struct kernel *k)
{
	struct json_object *o = json_object_new_object();
	uint64_t chunk = memmap_pages(k), blocks = 0;
	const struct memory_block *b;
	uint64_t id;

	if (chunk < HPAGE_PMD_NR)
		chunk = HPAGE_PMD_NR;
	idtree_for_each(&k->blocks, id, b)
		if (b->state == MEM_ONLINE && b->zone &&
		    (b->zone->type == ZONE_NORMAL || b->zone->type == ZONE_DMA32))
			blocks += block_nr_free_chunks(k, b, chunk);
	add_u64(o, "memmap_bytes", chunk * PAGE_SIZE);
	add_u64(o, "bytes", blocks * k->block_size);
	return o;
}

/* Allocations that did not fit, the last with every zone's free memory
 * then: full kernel zones beside free Movable memory is zone imbalance. */
static struct json_object *plan_oom(const struct kernel *k)
{
	const struct page_alloc *pa = &k->page_alloc;
	const struct oom_event *e = &pa->last_oom;
	struct json_object *o = json_object_new_object(), *last, *free_;

	add_u64(o, "events", pa->nr_oom_events);
	if (!pa->nr_oom_events) {
		add_str(o, "last", NULL);
		return o;
	}
	last = json_object_new_object();
	free_ = json_object_new_array();
	add_str(last, "what", e->what);
	add_u64(last, "bytes", e->nr_pages * PAGE_SIZE);
	add_bool(last, "kernel_only", e->kernel_only);
	for (int nid = 0; nid < k->nr_node_ids && nid < 64; nid++) {
		struct json_object *n = json_object_new_object();

		if (!k->nodes[nid].n_memory) {
			json_object_put(n);
			continue;
		}
		add_u64(n, "node", (uint64_t)nid);
		for (int t = ZONE_DMA32; t < MAX_NR_ZONES; t++)
			if (populated_zone(&k->nodes[nid].zones[t]))
				add_u64(n, zone_name((enum zone_type)t),
					e->zone_free[nid][t] * PAGE_SIZE);
		json_object_array_add(free_, n);
	}
	json_object_object_add(last, "free", free_);
	json_object_object_add(o, "last", last);
	return o;
}

struct json_object *plan_machine(const struct machine *m)
{
	const struct kernel *k = m->kernel;
	struct json_object *o = json_object_new_object();

	if (!o)
		return NULL;
	add_u64(o, "block_size", k->block_size);
	add_str(o, "online_policy", online_policy_name(k->online_policy));
	add_u64(o, "auto_movable_ratio", k->auto_movable_ratio);
	json_object_object_add(o, "devices", plan_devices(m));
	json_object_object_add(o, "nodes", plan_nodes(k));
	json_object_object_add(o, "hotadd", plan_hotadd(k));
	json_object_object_add(o, "oom", plan_oom(k));
	return o;
}

/* ---- text ---- */

/* Exact in the largest unit that divides v, else to a tenth of the
 * largest unit below it ("~11.4 GiB"): a person checks the sums. */
static const char *bytes_str(uint64_t v, char *buf, size_t len)
{
	static const struct {
		uint64_t unit;
		const char *name;
	} units[] = {{TiB, "TiB"}, {GiB, "GiB"}, {MiB, "MiB"}};

	for (size_t i = 0; i < ARRAY_SIZE(units); i++)
		if (v >= units[i].unit && v % units[i].unit) {
			snprintf(buf, len, "~%.1f %s", (double)v / (double)units[i].unit,
				 units[i].name);
			return buf;
		} else if (v >= units[i].unit) {
			break;
		}
	return size_str(v, buf, len);
}

static void text_holders(struct json_object *held, struct strbuf *sb)
{
	size_t n = json_object_array_length(held);
	char a[32];

	if (!n) {
		strbuf_add(sb, "  held back: nothing\n");
		return;
	}
	strbuf_add(sb, "  held back:");
	for (size_t i = 0; i < n; i++) {
		struct json_object *h = json_object_array_get_idx(held, i);

		if (!get_obj(h, "block"))
			strbuf_addf(sb, "%s %s without room to migrate to", i ? "," : "",
				    bytes_str(get_u64(h, "bytes"), a, sizeof(a)));
		else
			strbuf_addf(sb, "%s memory%" PRIu64 " %s (%s)", i ? "," : "",
				    get_u64(h, "block"), bytes_str(get_u64(h, "bytes"), a, sizeof(a)),
				    get_str(h, "by"));
	}
	strbuf_add(sb, "\n");
}

static void text_device(struct json_object *d, struct strbuf *sb)
{
	struct json_object *u = get_obj(d, "unplug"), *p = get_obj(d, "plug");
	char a[32], b[32], c[32];

	strbuf_addf(sb, "device %s (%s, node %" PRIu64 ", at 0x%" PRIx64 "): %s plugged",
		    get_str(d, "id") ? get_str(d, "id") : "(no id)", get_str(d, "type"),
		    get_u64(d, "node"), get_u64(d, "addr"), bytes_str(get_u64(d, "size"), a, sizeof(a)));
	if (get_obj(d, "requested_size"))
		strbuf_addf(sb, ", requested %s",
			    bytes_str(get_u64(d, "requested_size"), a, sizeof(a)));
	strbuf_add(sb, "\n");
	if (!u) {
		strbuf_add(sb, "  no driver bound: nothing to plan\n");
		return;
	}
	strbuf_addf(sb, "  unplug now: %s; once movable pages migrate: %s (in steps of %s)\n",
		    bytes_str(get_u64(u, "now"), a, sizeof(a)),
		    bytes_str(get_u64(u, "with_migration"), b, sizeof(b)),
		    bytes_str(get_u64(u, "granularity"), c, sizeof(c)));
	strbuf_addf(sb, "  to migrate: %s; room elsewhere: %s\n",
		    bytes_str(get_u64(u, "migrate_bytes"), a, sizeof(a)),
		    bytes_str(get_u64(u, "room_bytes"), b, sizeof(b)));
	text_holders(get_obj(u, "held"), sb);
	if (p) {
		strbuf_addf(sb, "  plug: up to %s more", bytes_str(get_u64(p, "more"), a, sizeof(a)));
		if (get_obj(p, "movable_headroom"))
			strbuf_addf(sb, "; %s of it to ZONE_MOVABLE before the ratio sends new "
					"memory to a kernel zone",
				    bytes_str(get_u64(p, "movable_headroom"), a, sizeof(a)));
		strbuf_add(sb, "\n");
	}
}

static void text_node(struct json_object *n, struct strbuf *sb)
{
	struct json_object *f = get_obj(n, "free");
	char a[32], b[32];

	strbuf_addf(sb, "node %" PRIu64 ": free", get_u64(n, "node"));
	json_object_object_foreach(f, zone, v)
		strbuf_addf(sb, " %s %s", zone, bytes_str(json_object_get_uint64(v), a, sizeof(a)));
	strbuf_addf(sb, "; kernel (boot) %s, movable %s",
		    bytes_str(get_u64(n, "kernel_early"), a, sizeof(a)),
		    bytes_str(get_u64(n, "movable"), b, sizeof(b)));
	if (get_obj(n, "movable_headroom"))
		strbuf_addf(sb, "; movable headroom %s",
			    bytes_str(get_u64(n, "movable_headroom"), a, sizeof(a)));
	strbuf_add(sb, "\n");
}

static void text_oom(struct json_object *oom, struct strbuf *sb)
{
	struct json_object *last = get_obj(oom, "last"), *free_;
	char a[32];

	if (!last)
		return;
	strbuf_addf(sb, "out of memory: %" PRIu64 " allocation(s) did not fit; the last, %s of %s%s, "
			"left free:",
		    get_u64(oom, "events"), bytes_str(get_u64(last, "bytes"), a, sizeof(a)),
		    get_str(last, "what"), get_bool(last, "kernel_only") ? " (kernel zones only)" : "");
	free_ = get_obj(last, "free");
	for (size_t i = 0; i < json_object_array_length(free_); i++) {
		struct json_object *n = json_object_array_get_idx(free_, i);

		strbuf_addf(sb, " node %" PRIu64, get_u64(n, "node"));
		json_object_object_foreach(n, zone, v)
			if (strcmp(zone, "node"))
				strbuf_addf(sb, " %s %s", zone,
					    bytes_str(json_object_get_uint64(v), a, sizeof(a)));
	}
	strbuf_add(sb, "\n");
}

void plan_format_text(struct json_object *plan, struct strbuf *sb)
{
	struct json_object *devs = get_obj(plan, "devices"), *nodes = get_obj(plan, "nodes");
	struct json_object *h = get_obj(plan, "hotadd");
	char a[32], b[32];

	strbuf_addf(sb, "blocks of %s, online policy %s (ratio %" PRIu64 "%%)\n",
		    bytes_str(get_u64(plan, "block_size"), a, sizeof(a)),
		    get_str(plan, "online_policy"), get_u64(plan, "auto_movable_ratio"));
	for (size_t i = 0; i < json_object_array_length(devs); i++)
		text_device(json_object_array_get_idx(devs, i), sb);
	for (size_t i = 0; i < json_object_array_length(nodes); i++)
		text_node(json_object_array_get_idx(nodes, i), sb);
	strbuf_addf(sb, "hot-add: free kernel memory holds the memmaps (%s per block) of %s more\n",
		    bytes_str(get_u64(h, "memmap_bytes"), a, sizeof(a)),
		    bytes_str(get_u64(h, "bytes"), b, sizeof(b)));
	text_oom(get_obj(plan, "oom"), sb);
}
