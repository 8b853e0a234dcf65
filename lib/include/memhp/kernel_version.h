/* The kernel behaviour profiles memhp knows: Debian's 6.1 and 6.12 cloud
 * kernels. One enum for the public API and every layer of the library. */
#ifndef MEMHP_KERNEL_VERSION_H
#define MEMHP_KERNEL_VERSION_H

#ifdef __cplusplus
extern "C" {
#endif

enum memhp_kernel {
	MEMHP_KERNEL_6_1,
	MEMHP_KERNEL_6_12,
};

/* "6.1" or "6.12" -> profile; -EINVAL otherwise. */
int memhp_kernel_from_string(const char *s, enum memhp_kernel *out);
/* The profile's name as the run JSON and the command line spell it. */
const char *memhp_kernel_name(enum memhp_kernel k);

#ifdef __cplusplus
}
#endif

#endif
