/* qom-get and qom-set (qom/qom-qmp-cmds.c) on the objects memhp models:
 * pc-dimm and virtio-mem-pci devices (/machine/peripheral/ID,
 * /machine/peripheral-anon/device[N]; a virtio-mem-pci's child
 * .../virtio-backend) and memory backends (/objects/ID). */
#ifndef MEMHP_QEMU_QOM_H
#define MEMHP_QEMU_QOM_H

#include <stddef.h>

struct json_object;
struct qemu_vm;

/* The property's value in *out (caller puts). -ENOENT: no object at path
 * (DeviceNotFound); -EINVAL: QEMU's GenericError in err; -ENOMEM. */
int qom_get(const struct qemu_vm *vm, const char *path, const char *property,
	    struct json_object **out, char *err, size_t errlen);

/* Sets the property to value. Errors as qom_get(); nothing changes on
 * error. */
int qom_set(struct qemu_vm *vm, const char *path, const char *property, struct json_object *value,
	    char *err, size_t errlen);

#endif
