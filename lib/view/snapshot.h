/* Snapshots: the machine as the kernel shows it, as JSON and as a sysroot
 * directory tree that lsmem --sysroot and /sys scripts can read. */
#ifndef MEMHP_SNAPSHOT_H
#define MEMHP_SNAPSHOT_H

#include <stddef.h>
#include <stdio.h>

struct machine;
struct json_object;
struct json_out;
struct vfs;

/* The snapshot object of the run JSON (scenario-format.md) as user space
 * reads it from v: the model's /sys, a captured guest tree or a sysroot.
 * Takes the references to zoneinfo (NULL: parsed from v's /proc/zoneinfo)
 * and memory_devices. */
struct json_object *snapshot_from_vfs(const struct vfs *v, const char *label, int step,
				      struct json_object *zoneinfo,
				      struct json_object *memory_devices);

/* The model's snapshot: what snapshot_from_vfs gives over its /sys, read
 * from the kernel's structures, with the zones from struct zone and QEMU's
 * query-memory-devices. Shares nothing with the machine. */
struct json_object *snapshot_capture(const struct machine *m, const char *label, int step);
/* The same through snapshot_from_vfs over the model's /sys (tests compare
 * the two). */
struct json_object *snapshot_capture_vfs(const struct machine *m, const char *label, int step);
/* snapshot_capture()'s object written to f as the run JSON's pretty
 * printer writes it at nesting level (json_out.h), without building it.
 * 0 or -EIO (an earlier write of f failed). */
int snapshot_write(const struct machine *m, const char *label, int step, struct json_out *f,
		   int level);

/* /proc/zoneinfo text as the snapshot's "zoneinfo" array. */
struct json_object *zoneinfo_parse(const char *text);

/* Writes the model's DIR/LABEL/sys/... and DIR/LABEL/proc/...
 * (sysroot_save: replaces an earlier DIR/LABEL, unchanged on error). 0 or
 * -errno; err names the path. */
int sysroot_write(const struct machine *m, const char *dir, const char *label, char *err,
		  size_t errlen);

#endif
