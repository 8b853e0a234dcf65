/* The emulated /sys and /proc of the guest: the kernel's view of its own
 * state, with the kernel's file formats and errno values, as a vfs.
 * Reads never change state; writes go through the kernel's entry points
 * (memory_block_state_store, kernel_param_set, ...). */
#ifndef MEMHP_SYSFS_H
#define MEMHP_SYSFS_H

#include "kernel.h"
#include "vfs.h"

/* A handle that reads and writes k; valid while k lives. */
void kernel_sysfs(struct kernel *k, struct vfs *out);
/* A read-only handle (views): writes are -EROFS. */
void kernel_sysfs_ro(const struct kernel *k, struct vfs *out);

struct strbuf;
/* memoryN/valid_zones without its newline, appended to sb: what a read
 * shows, without resolving a path (snapshots of the model). */
void memory_block_valid_zones(const struct kernel *k, const struct memory_block *b,
			      struct strbuf *sb);

#endif
