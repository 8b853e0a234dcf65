#include "memory_group.h"

#include <errno.h>
#include <stdlib.h>

#include "array.h"
#include "memory.h"
#include "zone.h"

void memory_group_registry_init(struct memory_group_registry *r)
{
	idtree_init(&r->groups);
	r->dynamic = NULL;
	r->nr_dynamic = r->dynamic_cap = 0;
}

void memory_group_registry_destroy(struct memory_group_registry *r)
{
	struct memory_group *g;
	uint64_t id;

	idtree_for_each(&r->groups, id, g)
		free(g);
	idtree_destroy(&r->groups);
	free(r->dynamic);
	r->dynamic = NULL;
	r->nr_dynamic = r->dynamic_cap = 0;
}

/* Registration is rare and devices are few: a sorted array is enough. */
static int dynamic_insert(struct memory_group_registry *r, struct memory_group *g)
{
	size_t i;

	if (array_grow(&r->dynamic, &r->dynamic_cap, r->nr_dynamic + 1, sizeof(*r->dynamic)))
		return -ENOMEM;
	for (i = r->nr_dynamic; i > 0 && r->dynamic[i - 1]->id > g->stats.id; i--)
		r->dynamic[i] = r->dynamic[i - 1];
	r->dynamic[i] = &g->stats;
	r->nr_dynamic++;
	return 0;
}

static void dynamic_remove(struct memory_group_registry *r, const struct memory_group *g)
{
	size_t i = 0;

	while (i < r->nr_dynamic && r->dynamic[i] != &g->stats)
		i++;
	if (i == r->nr_dynamic)
		return;
	for (r->nr_dynamic--; i < r->nr_dynamic; i++)
		r->dynamic[i] = r->dynamic[i + 1];
}

static bool node_possible(const struct node *nodes, int nid)
{
	return nid >= 0 && nid < MAX_NUMNODES && nodes[nid].possible;
}

static int memory_group_register(struct memory_group_registry *r, const struct node *nodes,
				 const struct memory_group *desc)
{
	struct memory_group *g;
	uint64_t id = 0, found;
	int ret;

	if (!node_possible(nodes, desc->stats.nid))
		return -EINVAL;
	/* Lowest free id: walk the dense prefix of taken ids. */
	while (idtree_find_next(&r->groups, id, &found) && found == id)
		id++;
	if (id > INT32_MAX)
		return -EBUSY;
	g = malloc(sizeof(*g));
	if (!g)
		return -ENOMEM;
	*g = *desc;
	g->stats.id = (int)id;
	ret = idtree_store(&r->groups, id, g);
	if (!ret && g->stats.is_dynamic) {
		ret = dynamic_insert(r, g);
		if (ret)
			idtree_erase(&r->groups, id);
	}
	if (ret) {
		free(g);
		return ret;
	}
	return g->stats.id;
}

int memory_group_register_static(struct memory_group_registry *r, const struct node *nodes,
				 int nid, uint64_t max_pages)
{
	struct memory_group desc = {.stats = {.nid = nid, .max_pages = max_pages}};

	if (!max_pages)
		return -EINVAL;
	return memory_group_register(r, nodes, &desc);
}

int memory_group_register_dynamic(struct memory_group_registry *r, const struct node *nodes,
				  int nid, uint64_t unit_pages, uint64_t pages_per_block)
{
	struct memory_group desc = {
	    .stats = {.nid = nid, .is_dynamic = true, .unit_pages = unit_pages}};

	if (!unit_pages || (unit_pages & (unit_pages - 1)) || unit_pages < pages_per_block)
		return -EINVAL;
	return memory_group_register(r, nodes, &desc);
}

int memory_group_unregister(struct memory_group_registry *r, int id)
{
	struct memory_group *g;

	if (id < 0)
		return -EINVAL;
	g = idtree_load(&r->groups, (uint64_t)id);
	if (!g)
		return -EINVAL;
	if (g->nr_blocks)
		return -EBUSY;
	idtree_erase(&r->groups, (uint64_t)id);
	if (g->stats.is_dynamic)
		dynamic_remove(r, g);
	free(g);
	return 0;
}

struct memory_group *memory_group_find_by_id(const struct memory_group_registry *r, int id)
{
	return id < 0 ? NULL : idtree_load(&r->groups, (uint64_t)id);
}

void memory_group_add_block(struct memory_group *g, struct memory_block *b)
{
	b->group = g;
	b->group_prev = NULL;
	b->group_next = g->blocks;
	if (g->blocks)
		g->blocks->group_prev = b;
	g->blocks = b;
	g->nr_blocks++;
}

void memory_group_remove_block(struct memory_group *g, struct memory_block *b)
{
	if (b->group_prev)
		b->group_prev->group_next = b->group_next;
	else
		g->blocks = b->group_next;
	if (b->group_next)
		b->group_next->group_prev = b->group_prev;
	g->nr_blocks--;
	b->group = NULL;
	b->group_next = NULL;
	b->group_prev = NULL;
}
