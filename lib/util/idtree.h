/* A sparse map from 64-bit ids to pointers: a radix tree with 64-way nodes
 * and occupancy bitmaps, in the spirit of the kernel's xarray. Lookup,
 * insert, erase and ordered neighbour search cost O(log64 n); memory grows
 * with the number of stored ids, not with the size of the id space. */
#ifndef MEMHP_IDTREE_H
#define MEMHP_IDTREE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct idtree_node;

struct idtree {
	struct idtree_node *root;
	unsigned int height; /* levels below the root; ids < 64^(height+1) */
	size_t count;
};

void idtree_init(struct idtree *t);
void idtree_destroy(struct idtree *t);
void *idtree_load(const struct idtree *t, uint64_t id);
/* -ENOMEM on allocation failure, -EEXIST if the id is taken. */
int idtree_store(struct idtree *t, uint64_t id, void *ptr);
void *idtree_erase(struct idtree *t, uint64_t id);
/* How many ids are stored, and how many nodes hold them (0 for an empty
 * tree: erasing the last id frees every node), for invariant checks. */
size_t idtree_count(const struct idtree *t);
size_t idtree_nodes(const struct idtree *t);
/* Smallest stored id >= from (resp. largest <= from); NULL if none. */
void *idtree_find_next(const struct idtree *t, uint64_t from, uint64_t *id);
void *idtree_find_prev(const struct idtree *t, uint64_t from, uint64_t *id);

/* The tree's own invariants: every slot marked occupied holds a value or
 * a node with something below it, and count is the number of values
 * stored. 0, or -EUCLEAN with what is wrong in msg (len bytes). */
int idtree_check(const struct idtree *t, char *msg, size_t len);

#define idtree_for_each(t, id, ptr)                                                                \
	for ((id) = 0, (ptr) = idtree_find_next((t), 0, &(id)); (ptr);                             \
	     (ptr) = ((id) == UINT64_MAX ? NULL : idtree_find_next((t), (id) + 1, &(id))))

#endif
