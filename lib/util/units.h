/* Binary units and alignment, shared by the host and the guest models. */
#ifndef MEMHP_UNITS_H
#define MEMHP_UNITS_H

#include <stdint.h>

#define KiB (1ULL << 10)
#define MiB (1ULL << 20)
#define GiB (1ULL << 30)
#define TiB (1ULL << 40)

static inline uint64_t align_down(uint64_t x, uint64_t a)
{
	return x - x % a;
}

static inline uint64_t align_up(uint64_t x, uint64_t a)
{
	return align_down(x + a - 1, a);
}

/* DIV_ROUND_UP() without the sum that could wrap. */
static inline uint64_t div_round_up(uint64_t x, uint64_t d)
{
	return x / d + (x % d != 0);
}

static inline int is_power_of_2(uint64_t v)
{
	return v && !(v & (v - 1));
}

#endif
