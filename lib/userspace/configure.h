/* memhp configure and memhp doctor: the tools of tool.h that set up and
 * check who onlines hot-added memory (configure.c, doctor.c). */
#ifndef MEMHP_CONFIGURE_H
#define MEMHP_CONFIGURE_H

#include "tool.h"

/* memhp configure [--config FILE] [--set KEY=VALUE]... [--dry-run] [--yes]
 * [--sysroot DIR]: 0, 1 (nothing written on a config or check error), 2
 * usage, 64 some blocks failed to online. */
int tool_configure_main(struct tool_ctx *t, int argc, char **argv);

/* memhp doctor [--sysroot DIR]: read only; 0 no findings, 3 warnings, 1
 * error, 2 usage. */
int tool_doctor_main(struct tool_ctx *t, int argc, char **argv);

#endif
