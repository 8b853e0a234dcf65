/* The guest's /bin/memhp: the library's memory tools (online, offline,
 * configure, doctor) built static for the initramfs of real-kernel runs,
 * where the model's guest shell runs the same code on the model's tree.
 * The guest is the machine itself: /sys and /proc are live. */
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "tool.h"

int main(int argc, char **argv)
{
	struct sysroot root = {.prefix = "/"};
	struct strbuf out = {0}, err = {0};
	struct tool_ctx t = {.out = &out, .err = &err, .live = true, .root = geteuid() == 0};
	const struct tool *tool = argc > 1 ? tool_find(argv[1]) : NULL;
	struct vfs fs;
	int rc;

	if (!tool) {
		fprintf(stderr, "Usage: memhp TOOL [options]\nTools:\n");
		for (const struct tool *x = tools; x->name; x++)
			fprintf(stderr, "  %-10s %s\n", x->name, x->summary);
		return 2;
	}
	sysroot_vfs_rw(&root, &fs);
	t.fs = &fs;
	rc = tool->main(&t, argc - 1, argv + 1);
	fputs(out.buf ? out.buf : "", stdout);
	fputs(err.buf ? err.buf : "", stderr);
	strbuf_release(&out);
	strbuf_release(&err);
	return rc;
}
