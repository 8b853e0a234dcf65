/* Snapshots: the machine as the kernel shows it, as JSON and as a sysroot
 * directory tree that lsmem --sysroot and /sys scripts can read. */
#ifndef MEMHP_SNAPSHOT_H
#define MEMHP_SNAPSHOT_H

#include <stddef.h>

struct machine;
struct json_object;

/* The snapshot object of the run JSON (scenario-format.md). */
struct json_object *snapshot_capture(const struct machine *m, const char *label, int step);

/* Writes DIR/sys/... and DIR/proc/... 0 or -errno; err names the path. */
int sysroot_write(const struct machine *m, const char *dir, char *err, size_t errlen);

/* mkdir -p; path is restored before returning. 0 or -errno. */
int sysroot_mkdir_p(char *path);
/* Creates or truncates path with content, then sets mode. 0 or -errno. */
int sysroot_write_file(const char *path, const char *content, unsigned int mode);

#endif
