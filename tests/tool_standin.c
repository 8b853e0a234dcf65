/* Stand-in for lib/userspace/tool.c's shared helpers until it lands on
 * main (the lead writes it): the same contracts as tool.h says, for the
 * configure and doctor tests only. Delete once tool.c is in the library. */
#include <errno.h>
#include <getopt.h>
#include <unistd.h>

#include "tool.h"

void tool_use_sysroot(struct tool_ctx *t, const char *dir)
{
	t->sysroot.prefix = dir;
	sysroot_vfs_rw(&t->sysroot, &t->sysroot_fs);
	t->fs = &t->sysroot_fs;
	t->live = false;
}

int tool_may_write(struct tool_ctx *t, const char *prog, bool yes)
{
	if (!t->live || (geteuid() == 0 && yes))
		return 0;
	strbuf_addf(t->err, "%s: refusing to change this machine's memory without %s\n", prog,
		    geteuid() ? "root" : "--yes");
	return -EPERM;
}

void tool_getopt_reset(void)
{
	optind = 0;
	opterr = 0;
}
