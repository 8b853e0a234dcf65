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

/* Whether this process may use FUSE: its device (/dev/fuse, or
 * $MEMHP_DEV_FUSE, which tests point elsewhere to see the refusal) can
 * be opened for reading and writing. 0, or -ENODEV with
 * "DEVICE: why (FUSE is not available here)" in err. */
int model_fuse_available(char *err, size_t errlen);

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

/* The same for a child (> 0), until deadline (CLOCK_MONOTONIC
 * milliseconds; negative: none): -ETIMEDOUT when it passes with the child
 * still running (it is not reaped then). The requests the child's exit
 * queued are served without waiting for more. */
int model_fuse_serve_until(struct model_fuse *fs, pid_t child, long long deadline_ms, int *wstatus);

/* In a child of model_fuse_run_child(): never returns. It execs (the
 * report pipe is close-on-exec) or writes why it failed, as text, to
 * report and _exits. */
typedef void (*model_fuse_child_fn)(void *arg, int report);

/* Forks a child that runs child(arg, report) and serves fs until it exits:
 * with drain, as model_fuse_serve() (the requests that trickle in after
 * the exit, a command's RELEASEs, are waited for), else as
 * model_fuse_serve_until() without a deadline. 0 with *wstatus; -errno
 * when pipe2() or fork() fails; -report_errno with the child's text in
 * err when it wrote one; -errno with "FUSE: why" in err when the channel
 * failed (the child is then killed and reaped). */
int model_fuse_run_child(struct model_fuse *fs, model_fuse_child_fn child, void *arg, bool drain,
			 int report_errno, int *wstatus, char *err, size_t errlen);

/* A write the kernel would retry until signalled (the store answered
 * -EINTR: an offline whose pages cannot move) sends SIGINT to process
 * group pgrp before the writer gets EINTR, as the guest's step time-out
 * would once it expired (guest/timeout.c); the guest's work takes no
 * time in the model. 0: no signal, the writer just gets EINTR. */
void model_fuse_interrupt_group(struct model_fuse *fs, pid_t pgrp);

#endif
