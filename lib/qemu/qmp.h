/* QMP: the host's commands to QEMU, with QEMU's replies and error classes. */
#ifndef MEMHP_QMP_H
#define MEMHP_QMP_H

struct json_object;
struct qemu_vm;

/* Executes one command object; returns the reply ({"return": ...} or
 * {"error": {"class", "desc"}}), owned by the caller. Never NULL unless
 * out of memory. Events go to vm->hooks. */
struct json_object *qmp_execute(struct qemu_vm *vm, struct json_object *cmd);

#endif
