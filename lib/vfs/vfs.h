/* One access layer for /sys and /proc trees, in the manner of util-linux's
 * path context (include/path.h) with pluggable I/O (include/vfs.h,
 * ul_vfs_ops): the model's guest (linux/sysfs.c), a tree captured from a
 * real guest (backend/sysfs_capture.c), a sysroot directory and the live
 * /sys of this host (sysroot.c) all answer the same calls with the same
 * errno values, so user space (the guest shell), snapshots and the sysroot
 * writer work on any of them. */
#ifndef MEMHP_VFS_H
#define MEMHP_VFS_H

#include <stdbool.h>
#include <stddef.h>

#define MEMORY_DIR "/sys/devices/system/memory"
#define NODE_DIR   "/sys/devices/system/node"
#define PARAMS_DIR "/sys/module/memory_hotplug/parameters"

enum vfs_type {
	VFS_NONE,
	VFS_FILE,
	VFS_DIR,
	VFS_LINK,
};

/* An implementation; see the vfs_* wrappers below for the contracts. Reads
 * get the handle's ctx, writes its wctx. */
struct vfs_ops {
	enum vfs_type (*lookup)(const void *ctx, const char *path, unsigned int *mode);
	int (*read)(const void *ctx, const char *path, char **out);
	int (*write)(void *wctx, const char *path, const char *buf);
	int (*list)(const void *ctx, const char *path, char ***names);
	int (*readlink)(const void *ctx, const char *path, char **target);
};

/* A handle: small, passed by pointer, built by the implementation's
 * constructor. Whether it may write is decided when it is built, as with
 * a file opened read-only: wctx NULL makes every write -EROFS, so a view
 * given a read-only handle cannot change what it shows. */
struct vfs {
	const struct vfs_ops *ops;
	const void *ctx; /* what lookups and reads see */
	void *wctx;	 /* what writes change; NULL: read-only */
};

/* Paths go through symlinks as the kernel's path walk takes them: a link
 * among the directories on the way is followed (targets relative to the
 * link's directory, or absolute within the tree), and so is the last
 * component for read, write and list; lookup and readlink report the last
 * one itself, as lstat() and readlink() do. More than 40 links in one
 * path: -ELOOP (VFS_NONE from lookup). An implementation answers
 * link-free paths; the wrappers walk the links it stops at. */

/* What is at `path` (absolute, e.g. "/sys/devices/system/memory/memory32/state").
 * For VFS_FILE, *mode gets its permission bits (0444, 0644, 0200). */
enum vfs_type vfs_lookup(const struct vfs *v, const char *path, unsigned int *mode);

/* Reads a file into a newly allocated string (caller frees).
 * -ENOENT: no such file; -EISDIR: a directory; -EACCES: write-only file. */
int vfs_read(const struct vfs *v, const char *path, char **out);

/* Writes buf (as `echo` would: usually with a trailing newline).
 * -ENOENT: no such file or directory; -EACCES: read-only file; -EROFS: a
 * read-only handle; otherwise the attribute's own errno (-EINVAL, -EBUSY, ...). */
int vfs_write(const struct vfs *v, const char *path, const char *buf);

/* Entries of a directory, sorted, NULL-terminated; free with vfs_free_list.
 * Symlink targets through vfs_readlink (-EINVAL: not a symlink). */
int vfs_list(const struct vfs *v, const char *path, char ***names);
int vfs_readlink(const struct vfs *v, const char *path, char **target);
void vfs_free_list(char **names);

/* For implementations of list: a name list under construction. */
struct vfs_names {
	char **v;
	size_t n, cap;
	int err; /* the first failure, reported by vfs_names_done */
};
void vfs_names_add(struct vfs_names *l, const char *name);
/* Sorts, NULL-terminates and hands the list over (an empty one too).
 * 0, or the first error with the list freed and *names unchanged. */
int vfs_names_done(struct vfs_names *l, char ***names);

/* ---- sysroot directories (sysroot.c, sysroot_save.c) ---- */

/* DIR/sys/..., DIR/proc/...: a tree written by sysroot_save, one copied
 * from a machine (util-linux's lsmem --sysroot), or with prefix "/" the
 * live /sys and /proc of this host. Symlinks are reported, not followed,
 * as lstat() sees them; modes are the files' own. */
struct sysroot {
	const char *prefix; /* not copied: must outlive the handles */
};

/* A read-only handle over sr. */
void sysroot_vfs(const struct sysroot *sr, struct vfs *out);
/* A handle that also writes (live use: the host's /sys). */
void sysroot_vfs_rw(struct sysroot *sr, struct vfs *out);

/* Writes everything v shows under "/" as the tree DIR/NAME/sys/...,
 * DIR/NAME/proc/...: directories 0755, files with the mode v reports and
 * the content it reads (empty if v refuses the read with -EACCES: a
 * write-only attribute or one the capture could not read), symlinks with
 * their targets. DIR/NAME then holds exactly that: the tree is built under
 * a temporary name in DIR and renamed into place, replacing whatever was
 * at DIR/NAME (an earlier run's tree, a file, a symlink: the link itself,
 * never what it points to). Nothing is written outside DIR. NAME must be
 * one path component (-EINVAL). 0 or -errno; on error err names the path
 * and DIR/NAME is unchanged, except when only removing the replaced tree
 * failed: then DIR/NAME is the new tree and err names what is left. */
int sysroot_save(const struct vfs *v, const char *dir, const char *name, char *err, size_t errlen);

/* The trees one run writes into one DIR, one per snapshot: what the last
 * tree holds (per path: type, mode, content) and a handle on its root, so
 * that the next tree shares its unchanged entries instead of writing them
 * again. Most of sysfs does not change between two snapshots. */
struct sysroot_entry;
struct sysroot_trees {
	int fd;				     /* the last tree's root, or -1 */
	unsigned long long dir_dev, dir_ino; /* the DIR it was written into */
	struct sysroot_entry *tab;	     /* what it holds, by path hash */
	size_t cap, count;
	int umask; /* this process's, or -1 not known yet */
	/* Set by tests after sysroot_trees_init, -1 the defaults: the
	 * threads that create a tree's entries (one per online CPU, at most
	 * 4), and the directory handles kept from one tree to link the next
	 * from (an eighth of RLIMIT_NOFILE, at most 16384). */
	int threads;
	long dir_budget;
};

void sysroot_trees_init(struct sysroot_trees *t);
/* Forgets the last tree (it stays on disk). */
void sysroot_trees_release(struct sysroot_trees *t);

/* sysroot_save, the same result and guarantees, for the next tree of the
 * run t remembers: a file or symlink with the same path, mode and content
 * as in t's last tree (same DIR) becomes a hard link to that tree's entry.
 * The two trees then share the inode: a later change to one of them by
 * anyone (write, chmod) shows in the other; and memhp trusts what it
 * wrote not to be changed while the run goes on. The last tree is known
 * by its handle, not by name: a tree of another run, or one that replaced
 * it at DIR/LABEL, is never linked into. Where linking fails, the entry is
 * written as sysroot_save does. t then remembers the new tree (on error,
 * still the last one, with fewer of its directory handles kept: they are
 * opened again when needed). t may be NULL: sysroot_save. */
int sysroot_save_next(struct sysroot_trees *t, const struct vfs *v, const char *dir,
		      const char *name, char *err, size_t errlen);

/* Makes DIR ready for sysroot_save: an existing directory we may write
 * into (DIR may be a symlink to one), or created 0755 when its parent
 * exists. 0, or -errno with why (len bytes) saying what was expected:
 * -ENOENT for an empty name or a missing parent, -ENOTDIR for a file. */
int sysroot_dir_prepare(const char *dir, char *why, size_t len);

#endif
