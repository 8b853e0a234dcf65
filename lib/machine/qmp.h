/* QMP: the host's commands to QEMU, with QEMU's replies and error classes. */
#ifndef MEMHP_QMP_H
#define MEMHP_QMP_H

struct machine;
struct json_object;

/* Executes one command object; returns the reply ({"return": ...} or
 * {"error": {"class", "desc"}}), owned by the caller. Never NULL unless
 * out of memory. */
struct json_object *qmp_execute(struct machine *m, struct json_object *cmd);

/* The list query-memory-devices returns (for snapshots too). */
struct json_object *qmp_query_memory_devices(const struct machine *m);

#endif
