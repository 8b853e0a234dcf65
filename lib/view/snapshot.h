/* Snapshots: the machine as the kernel shows it, as JSON and as a sysroot
 * directory tree that lsmem --sysroot and /sys scripts can read. */
#ifndef MEMHP_SNAPSHOT_H
#define MEMHP_SNAPSHOT_H

#include <stddef.h>
#include <stdint.h>

struct machine;
struct json_object;
struct scenario_step;
struct vfs;

/* The snapshot object of the run JSON (scenario-format.md) as user space
 * reads it from v: the model's /sys, a captured guest tree or a sysroot.
 * Takes the references to zoneinfo (NULL: parsed from v's /proc/zoneinfo)
 * and memory_devices. */
struct json_object *snapshot_from_vfs(const struct vfs *v, const char *label, int step,
				      struct json_object *zoneinfo,
				      struct json_object *memory_devices);

/* The model's snapshot: snapshot_from_vfs over its /sys, with the zones
 * from struct zone and QEMU's query-memory-devices. */
struct json_object *snapshot_capture(const struct machine *m, const char *label, int step);

/* /proc/zoneinfo text as the snapshot's "zoneinfo" array. */
struct json_object *zoneinfo_parse(const char *text);

/* One block of a snapshot as user space reads it from memoryN/. */
struct snapshot_block {
	uint64_t id;
	const char *state, *valid_zones; /* without newline; NULL if unreadable */
	int online, removable, node;	 /* node -1: no nodeK link */
	int64_t phys_index;
};
struct json_object *snapshot_block_json(const struct snapshot_block *b);

/* The memory_hotplug module parameters a snapshot records, NULL-terminated. */
extern const char *const snapshot_param_names[];
/* Their "params" object; read_param returns a malloc'd value without newline or
 * NULL when the file cannot be read. */
struct json_object *snapshot_params_json(char *(*read_param)(const void *ctx, const char *path),
					 const void *ctx);

/* A JSON string made from s, which is freed; JSON null for NULL. */
struct json_object *json_string_take(char *s);

/* A step object of the run JSON with index, lineno, line and kind. */
struct json_object *run_step_json(const struct scenario_step *st, int index);

/* Writes the model's DIR/sys/... and DIR/proc/... (sysroot_save). 0 or
 * -errno; err names the path. */
int sysroot_write(const struct machine *m, const char *dir, char *err, size_t errlen);

#endif
