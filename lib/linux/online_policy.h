/* Online policies: which zone `online` picks for a block. Pure functions of
 * the statistics they read, so the same code can decide for the model and
 * for a live machine (whose numbers come from /proc/zoneinfo). Every
 * decision can be returned with the numbers it was made from, for
 * `memhp explain`. */
#ifndef MEMHP_ONLINE_POLICY_H
#define MEMHP_ONLINE_POLICY_H

#include <stddef.h>

#include "memory_group.h"
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

/* ---- auto-movable ---------------------------------------------------- */

/* The two sides of the MOVABLE : KERNEL_EARLY ratio for one node. Kernel
 * memory hot-added later is on neither side: it may be unplugged again. */
struct auto_movable_stats {
	uint64_t kernel_early_pages; /* present_early of kernel zones, minus CMA */
	uint64_t movable_pages;	     /* present of ZONE_MOVABLE, plus CMA */
};

/* Adds one zone to s; unpopulated zones (present 0) count nowhere. */
void auto_movable_stats_account_zone(struct auto_movable_stats *s, enum zone_type type,
				     uint64_t present_pages, uint64_t present_early_pages,
				     uint64_t cma_pages);

/* The online sections of a dynamic group's unit (unit larger than the
 * block), scanned in ascending order up to the first non-Movable one. */
struct auto_movable_unit {
	uint64_t movable_online_pages;
	bool has_kernel;
	uint64_t first_kernel_pfn;
};

/* Everything the policy reads. */
struct auto_movable_input {
	unsigned int ratio; /* auto_movable_ratio, in percent */
	bool numa_aware;    /* auto_movable_numa_aware */
	int nid;	    /* the block's node */
	int nr_node_ids;
	const struct auto_movable_stats *node_stats; /* [nr_node_ids] */
	const struct memory_group_stats *group; /* the block's group, or NULL */
	/* Every registered dynamic group (the block's own included). */
	const struct memory_group_stats *const *dynamic_groups;
	size_t nr_dynamic_groups;
	const struct node_zone_spans *spans; /* node nid: the kernel-zone fallback */
	uint64_t start_pfn, nr_pages;	     /* the whole block */
	struct auto_movable_unit unit;
};

/* One "would need more pages fit MOVABLE" test, with its arithmetic. */
struct auto_movable_ratio_check {
	int nid; /* NUMA_NO_NODE: all nodes */
	struct auto_movable_stats stats;
	unsigned int nr_other_groups;	 /* dynamic groups weighed, own excluded */
	uint64_t other_groups_shortfall; /* early kernel pages they need for their own movable */
	uint64_t other_groups_movable;	 /* their movable pages, taken off the movable side */
	bool shortfall_exhausts_kernel;	 /* kernel_early <= shortfall: fails outright */
	uint64_t own_kernel_pages;	 /* a dynamic group's own kernel pages count */
	uint64_t kernel_pages;		 /* kernel_early - shortfall + own kernel */
	uint64_t movable_before;	 /* movable - other groups' movable */
	uint64_t nr_pages;		 /* the pages asked for */
	uint64_t movable_after;		 /* movable_before + nr_pages */
	uint64_t limit;			 /* ratio * kernel_pages / 100 */
	bool fits;			 /* movable_after <= limit */
};

enum auto_movable_reason {
	AUTO_MOVABLE_RATIO_ZERO,       /* ratio 0: never Movable */
	AUTO_MOVABLE_GROUP_HAS_KERNEL, /* static group already has kernel pages */
	AUTO_MOVABLE_UNIT_HAS_KERNEL,  /* an online section of the unit is not Movable */
	AUTO_MOVABLE_EXCEEDS_GLOBAL,   /* would break the ratio over all nodes */
	AUTO_MOVABLE_EXCEEDS_NODE,     /* would break the ratio of the block's node */
	AUTO_MOVABLE_FITS,	       /* all remaining pages fit: Movable */
};

enum auto_movable_scope {
	AUTO_MOVABLE_NO_GROUP,	  /* judged alone */
	AUTO_MOVABLE_STATIC,	  /* the whole static group (DIMM) */
	AUTO_MOVABLE_DYNAMIC_UNIT /* the remaining unit of a dynamic group */
};

struct auto_movable_decision {
	unsigned int ratio; /* the parameters it was made with */
	bool numa_aware;
	enum auto_movable_reason reason;
	enum auto_movable_scope scope;
	enum zone_type zone;
	uint64_t max_pages;    /* what must fit: device, unit or block */
	uint64_t online_pages; /* of it already online in ZONE_MOVABLE */
	uint64_t need;	       /* max_pages - online_pages */
	/* The range the kernel-zone fallback looked at: the kernel reuses its
	 * variables, so it is not always the block itself. */
	uint64_t kernel_start_pfn, kernel_nr_pages;
	unsigned int nr_checks;
	struct auto_movable_ratio_check checks[2]; /* all nodes, then the node */
};

/* Could nr_pages more go to ZONE_MOVABLE of nid (NUMA_NO_NODE: all nodes)
 * and keep MOVABLE <= ratio% of KERNEL_EARLY? check may be NULL. */
bool auto_movable_can_online_movable(const struct auto_movable_input *in, int nid,
				     uint64_t nr_pages, struct auto_movable_ratio_check *check);

/* The auto-movable zone of the block; d may be NULL. */
enum zone_type auto_movable_zone_for_pfn(const struct auto_movable_input *in,
					 struct auto_movable_decision *d);

/* Names for JSON: "fits", "exceeds-node-ratio", ...; "static-group", ... */
const char *auto_movable_reason_name(enum auto_movable_reason r);
const char *auto_movable_scope_name(enum auto_movable_scope s);

/* ---- any online type, any policy ------------------------------------- */

/* How zone_for_pfn_range() got its answer. */
struct zone_decision {
	enum mmop online_type;
	enum online_policy policy;
	bool movable_node;
	enum zone_type zone;
	/* online_kernel and contig-zones: the default kernel zone, and whose
	 * spans the block touches. */
	enum zone_type kernel_zone;
	bool in_kernel_span, in_movable_span;
	struct auto_movable_decision auto_movable; /* online + auto-movable */
};

/* zone_for_pfn_range() without the kernel around it: which zone a write of
 * `type` to the state of in's block gives, under `policy`. in->spans,
 * start_pfn and nr_pages are always read, the rest only for auto-movable.
 * The model's kernel and a live machine's statistics both decide here. */
enum zone_type zone_for_online_type(enum mmop type, enum online_policy policy, bool movable_node,
				    const struct auto_movable_input *in, struct zone_decision *d);

#endif
