/* A sysfs/procfs tree captured from a real guest (guest/memhp-snapshot):
 * turned back into a sysroot directory and into the snapshot JSON of
 * scenario-format.md, the same shapes the model produces. */
#ifndef MEMHP_SYSFS_CAPTURE_H
#define MEMHP_SYSFS_CAPTURE_H

#include <stdbool.h>
#include <stddef.h>

struct json_object;
struct vfs;

struct sysfs_entry {
	char *path;
	char *content; /* a readable file */
	char *target;  /* a symlink */
	bool unreadable;
};

struct sysfs_capture {
	struct sysfs_entry *entries; /* sorted by path */
	size_t nr_entries, cap;
};

/* Parses the stream memhp-snapshot prints. 0, -EPROTO or -ENOMEM. */
int sysfs_capture_parse(const char *stream, struct sysfs_capture *cap);
const struct sysfs_entry *sysfs_capture_find(const struct sysfs_capture *cap, const char *path);

/* The capture as a read-only vfs (valid while cap lives): files 0444, a
 * file the guest could not read -EACCES, directories implied by the paths. */
void sysfs_capture_vfs(const struct sysfs_capture *cap, struct vfs *out);

/* Writes the tree as DIR/LABEL (sysroot_save: replaces an earlier
 * DIR/LABEL, unchanged on error). 0 or -errno; err names the path. */
int sysfs_capture_write(const struct sysfs_capture *cap, const char *dir, const char *label,
			char *err, size_t errlen);

/* The snapshot JSON object (snapshot_from_vfs, zones parsed from
 * /proc/zoneinfo); takes the reference to memory_devices. */
struct json_object *sysfs_capture_snapshot(const struct sysfs_capture *cap, const char *label,
					   int step, struct json_object *memory_devices);

void sysfs_capture_release(struct sysfs_capture *cap);

#endif
