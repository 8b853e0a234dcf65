/* Arrays: the element count of a fixed array, and checked growth of a
 * heap array (the one place that multiplies a capacity by an element size). */
#ifndef MEMHP_ARRAY_H
#define MEMHP_ARRAY_H

#include <errno.h>
#include <stddef.h>
#include <stdlib.h>

#define ARRAY_SIZE(a) (sizeof(a) / sizeof((a)[0]))

/* Makes room for at least `need` elements of `size` bytes in *arr, whose
 * capacity is *cap, doubling (at least 8). 0, or -ENOMEM (also on overflow)
 * with *arr and *cap unchanged. */
static inline int array_grow(void *arr, size_t *cap, size_t need, size_t size)
{
	void **p = (void **)arr;
	size_t n = *cap ? *cap : 8;
	void *v;

	if (need <= *cap)
		return 0;
	while (n < need) {
		if (n > (size_t)-1 / 2)
			return -ENOMEM;
		n *= 2;
	}
	v = reallocarray(*p, n, size);
	if (!v)
		return -ENOMEM;
	*p = v;
	*cap = n;
	return 0;
}

#endif
