#include "online_policy.h"

#include "array.h"

bool span_intersects(const struct node_zone_spans *spans, enum zone_type z, uint64_t start_pfn,
		     uint64_t nr_pages)
{
	uint64_t zs = spans->zone[z].start_pfn, n = spans->zone[z].spanned_pages;

	if (!n)
		return false;
	return start_pfn < zs + n && start_pfn + nr_pages > zs;
}

enum zone_type default_kernel_zone_for_pfn(const struct node_zone_spans *spans, uint64_t start_pfn,
					   uint64_t nr_pages)
{
	for (enum zone_type z = ZONE_DMA; z < ZONE_NORMAL; z++)
		if (span_intersects(spans, z, start_pfn, nr_pages))
			return z;
	return ZONE_NORMAL;
}

enum zone_type contig_zones_zone_for_pfn(const struct node_zone_spans *spans, bool movable_node,
					 uint64_t start_pfn, uint64_t nr_pages)
{
	enum zone_type kernel = default_kernel_zone_for_pfn(spans, start_pfn, nr_pages);
	bool in_kernel = span_intersects(spans, kernel, start_pfn, nr_pages);
	bool in_movable = span_intersects(spans, ZONE_MOVABLE, start_pfn, nr_pages);

	if (in_kernel && !in_movable)
		return kernel;
	if (in_movable && !in_kernel)
		return ZONE_MOVABLE;
	return movable_node ? ZONE_MOVABLE : kernel;
}

void auto_movable_stats_account_zone(struct auto_movable_stats *s, enum zone_type type,
				     uint64_t present_pages, uint64_t present_early_pages,
				     uint64_t cma_pages)
{
	if (!present_pages)
		return;
	if (type == ZONE_MOVABLE) {
		s->movable_pages += present_pages;
		return;
	}
	/* CMA pageblocks sit in a kernel zone but serve only movable
	 * allocations: they belong on the movable side. */
	s->kernel_early_pages += present_early_pages - cma_pages;
	s->movable_pages += cma_pages;
}

/* The kernel reads the ratio into a signed int here, so a ratio above
 * INT_MAX divides by a huge unsigned number (and yields 0). */
static uint64_t ratio_divisor(unsigned int ratio)
{
	return (uint64_t)(int64_t)(int32_t)ratio;
}

/* Another dynamic group is balanced on its own kernel pages; only what it
 * lacks for its movable pages is charged to the early kernel pages. */
static void account_other_group(const struct auto_movable_input *in, const struct memory_group_stats *g,
				struct auto_movable_ratio_check *c)
{
	int64_t shortfall;

	if (!in->ratio)
		return;
	shortfall = (int64_t)(g->present_movable_pages * 100 / ratio_divisor(in->ratio)) -
		    (int64_t)g->present_kernel_pages;
	if (shortfall > 0)
		c->other_groups_shortfall += (uint64_t)shortfall;
	c->other_groups_movable += g->present_movable_pages;
	c->nr_other_groups++;
}

static void sum_stats(const struct auto_movable_input *in, int nid, struct auto_movable_stats *s)
{
	*s = (struct auto_movable_stats){0};
	for (int n = 0; n < in->nr_node_ids; n++) {
		if (nid != NUMA_NO_NODE && n != nid)
			continue;
		s->kernel_early_pages += in->node_stats[n].kernel_early_pages;
		s->movable_pages += in->node_stats[n].movable_pages;
	}
}

bool auto_movable_can_online_movable(const struct auto_movable_input *in, int nid,
				     uint64_t nr_pages, struct auto_movable_ratio_check *check)
{
	struct auto_movable_ratio_check c = {.nid = nid, .nr_pages = nr_pages};

	sum_stats(in, nid, &c.stats);
	for (size_t i = 0; i < in->nr_dynamic_groups; i++) {
		const struct memory_group_stats *g = in->dynamic_groups[i];

		if (g == in->group || (nid != NUMA_NO_NODE && g->nid != nid))
			continue;
		account_other_group(in, g, &c);
	}
	if (c.stats.kernel_early_pages <= c.other_groups_shortfall) {
		c.shortfall_exhausts_kernel = true;
	} else {
		c.kernel_pages = c.stats.kernel_early_pages - c.other_groups_shortfall;
		if (in->group && in->group->is_dynamic) {
			c.own_kernel_pages = in->group->present_kernel_pages;
			c.kernel_pages += c.own_kernel_pages;
		}
		/* Unsigned arithmetic throughout, wrapping like the kernel's. */
		c.movable_before = c.stats.movable_pages - c.other_groups_movable;
		c.movable_after = c.movable_before + nr_pages;
		c.limit = (uint64_t)in->ratio * c.kernel_pages / 100;
		c.fits = c.movable_after <= c.limit;
	}
	if (check)
		*check = c;
	return c.fits;
}

/* Sets what must fit Movable for the block to go there; false if the
 * group or unit already decided for a kernel zone. */
static bool remaining_pages(const struct auto_movable_input *in, struct auto_movable_decision *d)
{
	const struct memory_group_stats *g = in->group;

	if (g && !g->is_dynamic) {
		d->scope = AUTO_MOVABLE_STATIC;
		d->max_pages = g->max_pages;
		d->online_pages = g->present_movable_pages;
		if (g->present_kernel_pages) {
			d->reason = AUTO_MOVABLE_GROUP_HAS_KERNEL;
			return false;
		}
	} else if (!g || g->unit_pages == in->nr_pages) {
		d->scope = g ? AUTO_MOVABLE_DYNAMIC_UNIT : AUTO_MOVABLE_NO_GROUP;
		d->max_pages = in->nr_pages;
	} else {
		d->scope = AUTO_MOVABLE_DYNAMIC_UNIT;
		d->max_pages = g->unit_pages;
		if (in->unit.has_kernel) {
			d->reason = AUTO_MOVABLE_UNIT_HAS_KERNEL;
			d->kernel_start_pfn = in->unit.first_kernel_pfn;
			return false;
		}
		d->online_pages = in->unit.movable_online_pages;
		/* The kernel's scan leaves its cursor at the unit's end. */
		d->kernel_start_pfn = align_down(in->start_pfn, g->unit_pages) + g->unit_pages;
	}
	return true;
}

enum zone_type auto_movable_zone_for_pfn(const struct auto_movable_input *in,
					 struct auto_movable_decision *out)
{
	struct auto_movable_decision d = {
	    .ratio = in->ratio,
	    .numa_aware = in->numa_aware,
	    .kernel_start_pfn = in->start_pfn,
	    .kernel_nr_pages = in->nr_pages,
	    .zone = ZONE_MOVABLE,
	    .reason = AUTO_MOVABLE_FITS,
	};

	if (!in->ratio) {
		d.reason = AUTO_MOVABLE_RATIO_ZERO;
	} else if (remaining_pages(in, &d)) {
		d.need = d.max_pages - d.online_pages;
		d.kernel_nr_pages = d.need;
		if (!auto_movable_can_online_movable(in, NUMA_NO_NODE, d.need,
						     &d.checks[d.nr_checks++]))
			d.reason = AUTO_MOVABLE_EXCEEDS_GLOBAL;
		else if (in->numa_aware && !auto_movable_can_online_movable(
					       in, in->nid, d.need, &d.checks[d.nr_checks++]))
			d.reason = AUTO_MOVABLE_EXCEEDS_NODE;
	}
	if (d.reason != AUTO_MOVABLE_FITS)
		d.zone =
		    default_kernel_zone_for_pfn(in->spans, d.kernel_start_pfn, d.kernel_nr_pages);
	if (out)
		*out = d;
	return d.zone;
}

enum zone_type zone_for_online_type(enum mmop type, enum online_policy policy, bool movable_node,
				    const struct auto_movable_input *in, struct zone_decision *d)
{
	*d = (struct zone_decision){
	    .online_type = type,
	    .policy = policy,
	    .movable_node = movable_node,
	    .kernel_zone = default_kernel_zone_for_pfn(in->spans, in->start_pfn, in->nr_pages),
	};
	d->in_kernel_span = span_intersects(in->spans, d->kernel_zone, in->start_pfn, in->nr_pages);
	d->in_movable_span = span_intersects(in->spans, ZONE_MOVABLE, in->start_pfn, in->nr_pages);
	if (type == MMOP_ONLINE_KERNEL)
		d->zone = d->kernel_zone;
	else if (type == MMOP_ONLINE_MOVABLE)
		d->zone = ZONE_MOVABLE;
	else if (policy == ONLINE_POLICY_AUTO_MOVABLE)
		d->zone = auto_movable_zone_for_pfn(in, &d->auto_movable);
	else
		d->zone = contig_zones_zone_for_pfn(in->spans, movable_node, in->start_pfn,
						    in->nr_pages);
	return d->zone;
}

static const char *const reason_names[] = {
	[AUTO_MOVABLE_RATIO_ZERO] = "ratio-zero",
	[AUTO_MOVABLE_GROUP_HAS_KERNEL] = "group-has-kernel",
	[AUTO_MOVABLE_UNIT_HAS_KERNEL] = "unit-has-kernel",
	[AUTO_MOVABLE_EXCEEDS_GLOBAL] = "exceeds-global-ratio",
	[AUTO_MOVABLE_EXCEEDS_NODE] = "exceeds-node-ratio",
	[AUTO_MOVABLE_FITS] = "fits",
};

static const char *const scope_names[] = {
	[AUTO_MOVABLE_NO_GROUP] = "block",
	[AUTO_MOVABLE_STATIC] = "static-group",
	[AUTO_MOVABLE_DYNAMIC_UNIT] = "dynamic-unit",
};

const char *auto_movable_reason_name(enum auto_movable_reason r)
{
	return (size_t)r < ARRAY_SIZE(reason_names) ? reason_names[r] : "?";
}

const char *auto_movable_scope_name(enum auto_movable_scope s)
{
	return (size_t)s < ARRAY_SIZE(scope_names) ? scope_names[s] : "?";
}
