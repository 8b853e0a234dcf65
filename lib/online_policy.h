/* Online policies: which zone `online` picks for a block. Pure functions of
 * the statistics they read, so the same code can decide for the model and
 * for a live machine (whose numbers come from /proc/zoneinfo). */
#ifndef MEMHP_ONLINE_POLICY_H
#define MEMHP_ONLINE_POLICY_H

#include "mm_types.h"

/* The spans of one node's zones. */
struct node_zone_spans {
	struct {
		uint64_t start_pfn;
		uint64_t spanned_pages;
	} zone[MAX_NR_ZONES];
};

bool span_intersects(const struct node_zone_spans *spans, enum zone_type z, uint64_t start_pfn,
		     uint64_t nr_pages);

/* The lowest kernel zone below Normal that the range touches, else Normal. */
enum zone_type default_kernel_zone_for_pfn(const struct node_zone_spans *spans, uint64_t start_pfn,
					   uint64_t nr_pages);

/* contig-zones: stay inside the one zone whose span the range touches;
 * when it touches neither or both, Movable with movable_node, else kernel. */
enum zone_type contig_zones_zone_for_pfn(const struct node_zone_spans *spans, bool movable_node,
					 uint64_t start_pfn, uint64_t nr_pages);

#endif
