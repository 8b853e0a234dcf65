/* kernel/resource.c's tree, for memory: see resource.h. */
#include "resource.h"

#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

void iomem_init(struct resource *root)
{
	*root = (struct resource){.start = 0, .end = UINT64_MAX, .name = "PCI mem"};
}

static void free_children(struct resource *r)
{
	struct resource *c = r->child, *next;

	for (; c; c = next) {
		next = c->sibling;
		free_children(c);
		free(c);
	}
	r->child = NULL;
}

void iomem_release_all(struct resource *root)
{
	free_children(root);
}

static struct resource *new_resource(uint64_t start, uint64_t end, const char *name, bool busy)
{
	struct resource *r = calloc(1, sizeof(*r));

	if (!r)
		return NULL;
	r->start = start;
	r->end = end;
	r->busy = busy;
	snprintf(r->name, sizeof(r->name), "%s", name);
	return r;
}

/* Links r into parent's sorted child list before *pos. */
static void link_before(struct resource *parent, struct resource **pos, struct resource *r)
{
	r->parent = parent;
	r->sibling = *pos;
	*pos = r;
}

int request_mem_region(struct resource *root, uint64_t start, uint64_t size, const char *name,
		       bool busy, struct resource **out)
{
	uint64_t end = start + size - 1;
	struct resource *parent = root, **pos;
	struct resource *r;

	if (!size || end < start)
		return -EINVAL;
	/* __request_region(): descend into a non-busy holder, stop at a
	 * conflict, insert where nothing overlaps. */
	for (;;) {
		struct resource *c;

		for (pos = &parent->child; (c = *pos) && c->end < start; pos = &c->sibling)
			;
		if (!c || c->start > end)
			break;
		if (c->busy || c->start > start || c->end < end)
			return -EBUSY;
		parent = c;
	}
	r = new_resource(start, end, name, busy);
	if (!r)
		return -ENOMEM;
	link_before(parent, pos, r);
	if (out)
		*out = r;
	return 0;
}

static struct resource **link_of(struct resource *r)
{
	struct resource **p = &r->parent->child;

	while (*p != r)
		p = &(*p)->sibling;
	return p;
}

void release_mem_resource(struct resource *r)
{
	if (!r)
		return;
	*link_of(r) = r->sibling;
	free_children(r);
	free(r);
}

static bool same_kind(const struct resource *a, const struct resource *b)
{
	return a->busy == b->busy && !a->child && !b->child && !strcmp(a->name, b->name);
}

void merge_system_ram_resource(struct resource *r)
{
	struct resource **p = &r->parent->child, *prev = NULL, *next = r->sibling;

	for (; *p != r; p = &(*p)->sibling)
		prev = *p;
	if (next && next->start == r->end + 1 && same_kind(r, next)) {
		r->end = next->end;
		r->sibling = next->sibling;
		free(next);
	}
	if (prev && prev->end + 1 == r->start && same_kind(prev, r)) {
		prev->end = r->end;
		prev->sibling = r->sibling;
		free(r);
	}
}

int release_mem_region_adjustable(struct resource *root, uint64_t start, uint64_t size)
{
	uint64_t end = start + size - 1;
	struct resource *parent = root, **p = &root->child, *res, *tail;

	while ((res = *p)) {
		if (res->start > end)
			return 0;
		if (res->start > start || res->end < end) {
			p = &res->sibling;
			continue;
		}
		if (!res->busy) {
			parent = res;
			p = &res->child;
			continue;
		}
		break;
	}
	if (!res || res->child)
		return 0;
	if (res->start == start && res->end == end) {
		*p = res->sibling;
		free(res);
	} else if (res->start == start) {
		res->start = end + 1;
	} else if (res->end == end) {
		res->end = start - 1;
	} else {
		tail = new_resource(end + 1, res->end, res->name, res->busy);
		if (!tail)
			return -ENOMEM;
		res->end = start - 1;
		link_before(parent, &res->sibling, tail);
	}
	return 0;
}

static void show_level(const struct resource *r, int depth, int width, struct strbuf *sb)
{
	for (; r; r = r->sibling) {
		strbuf_addf(sb, "%*s%0*" PRIx64 "-%0*" PRIx64 " : %s\n", depth * 2, "", width,
			    r->start, width, r->end, r->name);
		show_level(r->child, depth + 1, width, sb);
	}
}

void iomem_show(const struct resource *root, struct strbuf *sb)
{
	/* r_show(): four digits for an I/O port space, eight for memory. */
	show_level(root->child, 0, root->end < 0x10000 ? 4 : 8, sb);
}
