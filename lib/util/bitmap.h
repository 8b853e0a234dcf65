/* Bit ranges in arrays of 64-bit words, a word at a time (the kernel's
 * lib/bitmap.c, reduced to what virtio-mem needs on both sides: QEMU's
 * plug bitmap of device blocks and the driver's of sub-blocks). Bit i
 * is bit i % 64 of word i / 64. An empty range is all of anything. */
#ifndef MEMHP_BITMAP_H
#define MEMHP_BITMAP_H

#include <stdbool.h>
#include <stdint.h>

/* The bits of word w that lie in [first, end). */
static inline uint64_t bitmap_word_mask(uint64_t w, uint64_t first, uint64_t end)
{
	uint64_t lo = w * 64, m = ~0ULL;

	if (first > lo)
		m &= ~0ULL << (first - lo);
	if (end < lo + 64)
		m &= ~0ULL >> (lo + 64 - end);
	return m;
}

/* Whether every bit of [first, first + n) is val (bitmap_full/_empty of
 * a range). */
static inline bool bitmap_range_is(const uint64_t *map, uint64_t first, uint64_t n, bool val)
{
	uint64_t end = first + n;

	for (uint64_t w = first / 64; n && w <= (end - 1) / 64; w++) {
		uint64_t m = bitmap_word_mask(w, first, end), bits = map[w] & m;

		if (val ? bits != m : bits != 0)
			return false;
	}
	return true;
}

/* bitmap_set()/bitmap_clear() of [first, first + n). */
static inline void bitmap_assign(uint64_t *map, uint64_t first, uint64_t n, bool val)
{
	uint64_t end = first + n;

	for (uint64_t w = first / 64; n && w <= (end - 1) / 64; w++) {
		if (val)
			map[w] |= bitmap_word_mask(w, first, end);
		else
			map[w] &= ~bitmap_word_mask(w, first, end);
	}
}

/* The set bits of [first, first + n) (bitmap_weight of a range). */
static inline uint64_t bitmap_weight_range(const uint64_t *map, uint64_t first, uint64_t n)
{
	uint64_t end = first + n, c = 0;

	for (uint64_t w = first / 64; n && w <= (end - 1) / 64; w++)
		c += (uint64_t)__builtin_popcountll(map[w] & bitmap_word_mask(w, first, end));
	return c;
}

#endif
