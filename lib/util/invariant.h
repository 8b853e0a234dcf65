/* Invariant checks (memhp_check()): each layer recomputes what it keeps
 * incrementally and compares. A check returns 0, or -EUCLEAN (the state
 * needs cleaning) with the first broken invariant in its message buffer as
 * "invariant NAME: details", NAME a short stable word that tests and
 * scripts can match. */
#ifndef MEMHP_INVARIANT_H
#define MEMHP_INVARIANT_H

#include <errno.h>
#include <stddef.h>

/* Writes "invariant NAME: details" into msg (len bytes; may be 0) and
 * returns -EUCLEAN. */
__attribute__((format(printf, 4, 5))) int invariant_failed(char *msg, size_t len, const char *name,
							   const char *fmt, ...);

#endif
