/* The emulated /sys and /proc of the guest: the kernel's view of the
 * machine model, with the kernel's file formats and errno values.
 * Reads never change state; writes go through the model's entry points. */
#ifndef MEMHP_SYSFS_H
#define MEMHP_SYSFS_H

#include <stdbool.h>
#include <stddef.h>

struct machine;

enum vfs_type {
	VFS_NONE,
	VFS_FILE,
	VFS_DIR,
	VFS_LINK,
};

/* What is at `path` (absolute, e.g. "/sys/devices/system/memory/memory32/state").
 * For VFS_FILE, *mode gets its permission bits (0444, 0644, 0200). */
enum vfs_type vfs_lookup(const struct machine *m, const char *path, unsigned int *mode);

/* Reads a file into a newly allocated string (caller frees).
 * -ENOENT: no such file; -EISDIR: a directory; -EACCES: write-only file. */
int vfs_read(const struct machine *m, const char *path, char **out);

/* Writes buf (as `echo` would: usually with a trailing newline).
 * -ENOENT: no such file or directory; -EACCES: read-only file;
 * otherwise the attribute's own errno (-EINVAL, -EBUSY, ...). */
int vfs_write(struct machine *m, const char *path, const char *buf);

/* Entries of a directory, sorted, NULL-terminated; free with vfs_free_list.
 * Symlink targets through vfs_readlink. */
int vfs_list(const struct machine *m, const char *path, char ***names);
int vfs_readlink(const struct machine *m, const char *path, char **target);
void vfs_free_list(char **names);

#endif
