/* memhp ls: the memory blocks of a /sys tree as util-linux's lsmem 2.38.1
 * lists them (sys-utils/lsmem.c, its behaviour re-implemented): the same
 * columns, ranges, splitting, formats and summary, byte for byte. */
#ifndef MEMHP_LSMEM_H
#define MEMHP_LSMEM_H

#include <stddef.h>
#include <stdio.h>

#include "memhp/memhp.h"

struct vfs;

/* lsmem's column of a name (case-insensitive), or -1. */
int lsmem_column_id(const char *name, size_t len);

/* Prints fs's memory blocks (memhp_ls() on a tree). */
int lsmem_print(const struct vfs *fs, const struct memhp_ls_options *o, FILE *out, char *err,
		size_t errlen);


#endif
