/* Linux errno texts, independent of the host's C library, so that the
 * messages the model prints are the same everywhere. The texts are those of
 * glibc on Linux (what a busybox built against glibc prints); a musl-based
 * guest prints different texts for some of them (e.g. "Resource busy"). */
#ifndef MEMHP_LINUX_ERRNO_H
#define MEMHP_LINUX_ERRNO_H

#include <errno.h>
#include <stdbool.h>

#ifndef EHWPOISON
#define EHWPOISON 133
#endif

/* The text for errno `err` (either sign: 22 and -22 give "Invalid argument").
 * Never NULL: an unknown errno gives "Unknown error" (glibc appends the
 * number; see linux_errno_known()). */
const char *linux_strerror(int err);

/* Whether linux_strerror() has a text of its own for `err` (either sign). */
bool linux_errno_known(int err);

#endif
