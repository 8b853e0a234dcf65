/* memhp online / offline: chmem's selection (a size, an address range or
 * block numbers) and exit codes, with the zone chosen by --zone, by an
 * online policy decided here from the live numbers (--policy), or by the
 * kernel's own `online`. Every block is re-read after its write. */
#ifndef MEMHP_CHMEM_H
#define MEMHP_CHMEM_H

#include <stdint.h>

#include "tool.h"

int tool_online_main(struct tool_ctx *t, int argc, char **argv);
int tool_offline_main(struct tool_ctx *t, int argc, char **argv);

/* chmem's size argument (util-linux strtosize(): K, KiB = 1024, KB =
 * 1000, ..., E; a bare number means MiB). 0 or -EINVAL / -ERANGE. */
int chmem_parse_size(const char *s, uint64_t *bytes);

#endif
