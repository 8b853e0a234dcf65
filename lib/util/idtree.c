#include "idtree.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>

#define IDTREE_BITS  6
#define IDTREE_SLOTS (1u << IDTREE_BITS)
#define IDTREE_MASK  (IDTREE_SLOTS - 1)

struct idtree_node {
	uint64_t occupied; /* bit i: slot i holds a value or a non-empty child */
	void *slot[IDTREE_SLOTS];
};

void idtree_init(struct idtree *t)
{
	t->root = NULL;
	t->height = 0;
	t->count = 0;
}

static void free_node(struct idtree_node *n, unsigned int level)
{
	if (!n)
		return;
	if (level > 0)
		for (unsigned int i = 0; i < IDTREE_SLOTS; i++)
			free_node(n->slot[i], level - 1);
	free(n);
}

void idtree_destroy(struct idtree *t)
{
	free_node(t->root, t->height);
	idtree_init(t);
}

static unsigned int slot_of(uint64_t id, unsigned int level)
{
	unsigned int shift = level * IDTREE_BITS;

	return shift >= 64 ? 0 : (unsigned int)((id >> shift) & IDTREE_MASK);
}

static uint64_t capacity_bits(unsigned int height)
{
	return (uint64_t)(height + 1) * IDTREE_BITS;
}

static bool fits(const struct idtree *t, uint64_t id)
{
	uint64_t bits = capacity_bits(t->height);

	return bits >= 64 || (id >> bits) == 0;
}

void *idtree_load(const struct idtree *t, uint64_t id)
{
	struct idtree_node *n = t->root;

	if (!n || !fits(t, id))
		return NULL;
	for (unsigned int level = t->height; level > 0; level--) {
		n = n->slot[slot_of(id, level)];
		if (!n)
			return NULL;
	}
	return n->slot[slot_of(id, 0)];
}

/* -ENOMEM from idtree_store(): the ids stored are unchanged; a tree left
 * without any gives back the nodes allocated on the way. */
static int store_failed(struct idtree *t)
{
	if (!t->count)
		idtree_destroy(t);
	return -ENOMEM;
}

int idtree_store(struct idtree *t, uint64_t id, void *ptr)
{
	struct idtree_node *n;

	if (!ptr)
		return -EINVAL;
	if (!t->root) {
		t->root = calloc(1, sizeof(*t->root));
		if (!t->root)
			return -ENOMEM;
	}
	while (!fits(t, id)) {
		struct idtree_node *top = calloc(1, sizeof(*top));

		if (!top)
			return store_failed(t);
		/* An empty root holds nothing worth keeping below the new one:
		 * hung in slot 0 unmarked, no erase would ever reach it (an
		 * empty xarray grows without nodes too, xas_expand()). */
		if (t->root->occupied) {
			top->slot[0] = t->root;
			top->occupied = 1;
		} else {
			free_node(t->root, t->height);
		}
		t->root = top;
		t->height++;
	}
	n = t->root;
	for (unsigned int level = t->height; level > 0; level--) {
		unsigned int s = slot_of(id, level);

		if (!n->slot[s]) {
			n->slot[s] = calloc(1, sizeof(struct idtree_node));
			if (!n->slot[s])
				return store_failed(t);
		}
		n = n->slot[s];
	}
	if (n->slot[slot_of(id, 0)])
		return -EEXIST;
	n->slot[slot_of(id, 0)] = ptr;
	/* Mark the path occupied now that a value is below it. */
	n = t->root;
	for (unsigned int level = t->height;; level--) {
		unsigned int s = slot_of(id, level);

		n->occupied |= 1ULL << s;
		if (level == 0)
			break;
		n = n->slot[s];
	}
	t->count++;
	return 0;
}

static void *erase_at(struct idtree_node *n, unsigned int level, uint64_t id, bool *emptied)
{
	unsigned int s = slot_of(id, level);
	void *old;

	if (level == 0) {
		old = n->slot[s];
		n->slot[s] = NULL;
		n->occupied &= ~(1ULL << s);
	} else {
		bool child_empty = false;
		struct idtree_node *c = n->slot[s];

		if (!c)
			return NULL;
		old = erase_at(c, level - 1, id, &child_empty);
		if (child_empty) {
			/* Unmarked nodes below it (an old root a taller tree
			 * wrapped, a failed store's path) go with it. */
			free_node(c, level - 1);
			n->slot[s] = NULL;
			n->occupied &= ~(1ULL << s);
		}
	}
	*emptied = n->occupied == 0;
	return old;
}

void *idtree_erase(struct idtree *t, uint64_t id)
{
	bool emptied = false;
	void *old;

	if (!t->root || !fits(t, id))
		return NULL;
	old = erase_at(t->root, t->height, id, &emptied);
	if (old)
		t->count--;
	if (emptied)
		idtree_destroy(t);
	return old;
}

size_t idtree_count(const struct idtree *t)
{
	return t->count;
}

static size_t count_nodes(const struct idtree_node *n, unsigned int level)
{
	size_t nodes = 1;

	if (level > 0)
		for (unsigned int i = 0; i < IDTREE_SLOTS; i++)
			if (n->slot[i])
				nodes += count_nodes(n->slot[i], level - 1);
	return nodes;
}

size_t idtree_nodes(const struct idtree *t)
{
	return t->root ? count_nodes(t->root, t->height) : 0;
}

/* Search within node n (covering ids with the given prefix) for the
 * smallest id >= from whose slot path is occupied. */
static void *next_in(struct idtree_node *n, unsigned int level, uint64_t from, bool bounded,
		     uint64_t prefix, uint64_t *id)
{
	unsigned int s0 = bounded ? slot_of(from, level) : 0;
	uint64_t mask = s0 >= 64 ? 0 : n->occupied & (~0ULL << s0);

	while (mask) {
		unsigned int s = (unsigned int)__builtin_ctzll(mask);
		uint64_t p = prefix | ((uint64_t)s << (level * IDTREE_BITS));
		void *r;

		mask &= mask - 1;
		if (level == 0) {
			*id = p;
			return n->slot[s];
		}
		r = next_in(n->slot[s], level - 1, from, bounded && s == s0, p, id);
		if (r)
			return r;
	}
	return NULL;
}

static void *prev_in(struct idtree_node *n, unsigned int level, uint64_t from, bool bounded,
		     uint64_t prefix, uint64_t *id)
{
	unsigned int s0 = bounded ? slot_of(from, level) : IDTREE_MASK;
	uint64_t mask = n->occupied & (s0 == 63 ? ~0ULL : ((1ULL << (s0 + 1)) - 1));

	while (mask) {
		unsigned int s = 63u - (unsigned int)__builtin_clzll(mask);
		uint64_t p = prefix | ((uint64_t)s << (level * IDTREE_BITS));
		void *r;

		mask &= ~(1ULL << s);
		if (level == 0) {
			*id = p;
			return n->slot[s];
		}
		r = prev_in(n->slot[s], level - 1, from, bounded && s == s0, p, id);
		if (r)
			return r;
	}
	return NULL;
}

void *idtree_find_next(const struct idtree *t, uint64_t from, uint64_t *id)
{
	uint64_t dummy;

	if (!t->root || !fits(t, from))
		return NULL;
	return next_in(t->root, t->height, from, true, 0, id ? id : &dummy);
}

void *idtree_find_prev(const struct idtree *t, uint64_t from, uint64_t *id)
{
	uint64_t dummy;

	if (!t->root)
		return NULL;
	return prev_in(t->root, t->height, from, fits(t, from), 0, id ? id : &dummy);
}

/* Values stored below n, or -1 after describing a broken slot in msg. A
 * node left behind by a failed store (nothing marked in it) is harmless:
 * lookups never enter it. */
static long long check_node(const struct idtree_node *n, unsigned int level, char *msg, size_t len)
{
	long long values = 0;

	for (unsigned int s = 0; s < IDTREE_SLOTS; s++) {
		bool marked = n->occupied & (1ULL << s);
		const struct idtree_node *c = n->slot[s];
		long long below;

		if (level == 0) {
			if (marked != (c != NULL)) {
				snprintf(msg, len, "leaf slot %u is %s but %s", s,
					 marked ? "marked occupied" : "not marked",
					 c ? "holds a value" : "empty");
				return -1;
			}
			values += marked;
			continue;
		}
		if (!marked)
			continue;
		if (!c || !c->occupied) {
			snprintf(msg, len, "slot %u of a level-%u node is marked occupied but %s",
				 s, level, c ? "its node is empty" : "holds no node");
			return -1;
		}
		below = check_node(c, level - 1, msg, len);
		if (below < 0)
			return -1;
		values += below;
	}
	return values;
}

int idtree_check(const struct idtree *t, char *msg, size_t len)
{
	long long values = t->root ? check_node(t->root, t->height, msg, len) : 0;

	if (values < 0)
		return -EUCLEAN;
	if ((size_t)values != t->count) {
		snprintf(msg, len, "count %zu != %lld values stored", t->count, values);
		return -EUCLEAN;
	}
	return 0;
}
