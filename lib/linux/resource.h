/* The kernel's tree of physical address resources (kernel/resource.c's
 * iomem_resource), as far as memory hotplug shapes it: boot RAM from the
 * e820 map, each hot-added range, and the region a driver claims for the
 * memory it adds (virtio-mem's "virtioN"). /proc/iomem prints it. */
#ifndef MEMHP_RESOURCE_H
#define MEMHP_RESOURCE_H

#include <stdbool.h>
#include <stdint.h>

#include "strbuf.h"

#define RESOURCE_NAME_MAX 32

struct resource {
	uint64_t start, end; /* inclusive, as the kernel keeps them */
	char name[RESOURCE_NAME_MAX];
	bool busy; /* IORESOURCE_BUSY: nothing nests below it */
	struct resource *parent, *sibling, *child;
};

/* The root: all of physical memory, named "PCI mem" as the kernel's. */
void iomem_init(struct resource *root);
/* Frees every resource below root. */
void iomem_release_all(struct resource *root);

/* __request_region(): [start, start + size) named name below the
 * deepest non-busy resource that holds it whole. 0 with *out (may be
 * NULL), -EBUSY when it overlaps a busy resource or straddles one's edge,
 * -EINVAL for an empty or wrapping range, -ENOMEM; the tree is unchanged
 * on error. */
int request_mem_region(struct resource *root, uint64_t start, uint64_t size, const char *name,
		       bool busy, struct resource **out);

/* release_resource() and free: r must have no children (the caller's
 * own, e.g. a driver's region once its memory is gone). */
void release_mem_resource(struct resource *r);

/* merge_system_ram_resource(): r merges with a sibling just before or
 * after it of the same name and kind (MHP_MERGE_RESOURCE, virtio-mem's
 * blocks). Never fails; r may be freed. */
void merge_system_ram_resource(struct resource *r);

/* release_mem_region_adjustable(): takes [start, start + size) out of the
 * busy resource that holds it, trimming or splitting it. A range no
 * busy resource holds whole is left alone, as the kernel (which warns)
 * does. 0, or -ENOMEM for a split (tree unchanged). */
int release_mem_region_adjustable(struct resource *root, uint64_t start, uint64_t size);

/* /proc/iomem as r_show() prints it: "%0*llx-%0*llx : NAME", children
 * indented by two spaces per level. */
void iomem_show(const struct resource *root, struct strbuf *sb);

#endif
