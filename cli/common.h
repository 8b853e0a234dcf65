/* What the memhp subcommands share: exit codes, the usage text, the
 * --kernel option, progress messages and writing a run's JSON. */
#ifndef MEMHP_CLI_COMMON_H
#define MEMHP_CLI_COMMON_H

#include <stdio.h>

#include "memhp/kernel_version.h"

struct json_object;

#define EXIT_DIFFER   1
#define EXIT_USAGE    2
#define EXIT_REAL_RUN 3

/* "6.1|6.12" in a usage text: a printf piece (positional, so it may repeat)
 * and its arguments, from the library's table of kernel names. */
#define KERNEL_CHOICES "%1$s|%2$s"
#define KERNEL_NAMES   memhp_kernel_name(MEMHP_KERNEL_6_1), memhp_kernel_name(MEMHP_KERNEL_6_12)

void print_usage(FILE *f);

/* --kernel ARG of `memhp CMD`: 0, or -EINVAL after telling stderr what
 * was expected. */
int parse_kernel_option(const char *cmd, const char *arg, enum memhp_kernel *out);

/* scripts/guest-kernel.sh, or $MEMHP_GUEST_KERNEL. */
const char *kernel_script(void);

/* The QEMU backend's progress on stderr; ctx is unused. */
void print_progress(void *ctx, const char *msg);

/* Writes the run JSON to path (atomically); 0 or -EIO after saying why. */
int write_json(struct json_object *result, const char *path);
struct memhp_run;
/* The same for a run (memhp_run_write_json()). */
int write_run_json(const struct memhp_run *run, const char *path);

/* Writes text to path (through path.tmp, renamed); 0 or -EIO after
 * saying why. */
int write_text(const char *text, const char *path);

#endif
