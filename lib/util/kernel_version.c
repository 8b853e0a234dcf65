/* The one table of kernel profile names. */
#include <errno.h>
#include <string.h>

#include "array.h"
#include "memhp/kernel_version.h"

static const char *const kernel_names[] = {
	[MEMHP_KERNEL_6_1] = "6.1",
	[MEMHP_KERNEL_6_12] = "6.12",
};

int memhp_kernel_from_string(const char *s, enum memhp_kernel *out)
{
	for (size_t i = 0; i < ARRAY_SIZE(kernel_names); i++) {
		if (!strcmp(s, kernel_names[i])) {
			*out = (enum memhp_kernel)i;
			return 0;
		}
	}
	return -EINVAL;
}

const char *memhp_kernel_name(enum memhp_kernel k)
{
	return (size_t)k < ARRAY_SIZE(kernel_names) ? kernel_names[k] : "?";
}
