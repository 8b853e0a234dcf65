/* The model's /sys and /proc served as a live FUSE filesystem: every
 * read renders the kernel's state now, every write goes to the kernel's
 * store (kernel_sysfs()), its errno back to the writer, and the machine
 * then does the work the write queued. One thread: the model is not
 * thread-safe. */
#ifndef MEMHP_MODEL_FUSE_H
#define MEMHP_MODEL_FUSE_H

#include <stdbool.h>
#include <stddef.h>
#include <sys/types.h>

struct machine;
struct model_fuse;

/* A server for m (which must outlive it), not mounted yet. check: run
 * machine_check() after every write and report a violation on stderr. */
int model_fuse_new(struct machine *m, bool check, struct model_fuse **out);
void model_fuse_free(struct model_fuse *fs);

/* Mounts it at dir (an existing directory). With exit_on_signal,
 * SIGINT/SIGTERM/SIGHUP end model_fuse_serve() from now on (libfuse's
 * handlers, removed at unmount). 0, or -errno with err. */
int model_fuse_mount(struct model_fuse *fs, const char *dir, bool exit_on_signal, char *err,
		     size_t errlen);
/* Unmounts, if mounted. */
void model_fuse_unmount(struct model_fuse *fs);

/* Serves requests until the filesystem is unmounted (fusermount3 -u),
 * a signal (see model_fuse_mount) or, with child > 0, until that child
 * exits: then *wstatus gets its wait status. 0, or -errno (a failure of
 * the FUSE channel). */
int model_fuse_serve(struct model_fuse *fs, pid_t child, int *wstatus);

#endif
