/* The memory layout as a table, lsmem style: consecutive blocks with the
 * same state, zone and node form one range. */
#ifndef MEMHP_CLI_LAYOUT_H
#define MEMHP_CLI_LAYOUT_H

#include <stdio.h>

struct memhp_run;

int print_layout(const struct memhp_run *run, FILE *out);

#endif
