/* The memory tools' table and what they share (tool.h). */
#include "tool.h"

#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "chmem.h"
#include "configure.h"

const struct tool tools[] = {
    {"online", tool_online_main, "online memory blocks (chmem -e, with the kernel's policies)"},
    {"offline", tool_offline_main, "offline memory blocks (chmem -d)"},
    {"configure", tool_configure_main,
     "set the online policy from /etc/memhp.conf and online the offline blocks"},
    {"doctor", tool_doctor_main, "who onlines hot-added memory, and do they conflict"},
    {NULL, NULL, NULL},
};

const struct tool *tool_find(const char *name)
{
	for (const struct tool *t = tools; t->name; t++)
		if (!strcmp(t->name, name))
			return t;
	return NULL;
}

int tool_use_sysroot(struct tool_ctx *t, const char *prog, const char *dir)
{
	if (tool_host_path_ok(t, dir)) {
		strbuf_addf(t->err, "%s: --sysroot is not available here\n", prog);
		return -EPERM;
	}
	t->sysroot.prefix = dir;
	sysroot_vfs_rw(&t->sysroot, &t->sysroot_fs);
	t->fs = &t->sysroot_fs;
	t->live = false;
	return 0;
}

int tool_host_path_ok(struct tool_ctx *t, const char *path)
{
	(void)path;
	if (!t->host_paths_forbidden)
		return 0;
	t->host_path_refused = true;
	return -EPERM;
}

int tool_may_write(struct tool_ctx *t, const char *prog, bool yes)
{
	if (!t->live)
		return 0;
	if (t->root && yes)
		return 0;
	strbuf_addf(t->err,
		    "%s: refusing to change this machine's memory: %s\n"
		    "%s: use --dry-run to see what would be done, or --sysroot DIR for a copy\n",
		    prog, t->root ? "run with --yes to confirm" : "it needs root", prog);
	return -EPERM;
}

int tool_read_attr(const struct vfs *fs, const char *path, char *buf, size_t len)
{
	char *s, *e;
	int ret = vfs_read(fs, path, &s);

	if (ret)
		return ret;
	e = s + strlen(s);
	while (e > s && (e[-1] == '\n' || e[-1] == ' ' || e[-1] == '\t'))
		*--e = '\0';
	snprintf(buf, len, "%s", s);
	free(s);
	return 0;
}

void tool_getopt_reset(void)
{
	optind = 0;
	opterr = 0;
}
