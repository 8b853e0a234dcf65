#include "online_policy.h"

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
