/* Arrays: the element count of a fixed array, and checked growth of a
 * heap array (the one place that multiplies a capacity by an element size). */
#ifndef MEMHP_ARRAY_H
#define MEMHP_ARRAY_H

#include <errno.h>
#include <stddef.h>
#include <stdlib.h>

#define ARRAY_SIZE(a) (sizeof(a) / sizeof((a)[0]))

/* p reallocated for at least `need` elements of `size` bytes, doubling
 * from *cap (at least 8), with *cap updated; NULL (also on overflow) with
 * p and *cap untouched. */
static inline void *array_realloc(void *p, size_t *cap, size_t need, size_t size)
{
	size_t n = *cap ? *cap : 8;
	void *v;

	while (n < need) {
		if (n > (size_t)-1 / 2)
			return NULL;
		n *= 2;
	}
	v = reallocarray(p, n, size);
	if (v)
		*cap = n;
	return v;
}

/* Makes room for at least `need` elements in *arr (a T **), whose capacity
 * is *cap. 0, or -ENOMEM with *arr and *cap unchanged. */
#define array_grow(arr, cap, need, size)                                                           \
	__extension__({                                                                            \
		int array_ret_ = 0;                                                                \
		if ((need) > *(cap)) {                                                             \
			void *array_p_ = array_realloc(*(arr), (cap), (need), (size));             \
			if (array_p_)                                                              \
				*(arr) = array_p_;                                                 \
			else                                                                       \
				array_ret_ = -ENOMEM;                                              \
		}                                                                                  \
		array_ret_;                                                                        \
	})

#endif
