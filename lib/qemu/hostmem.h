/* Memory backends (backends/hostmem.c): the host memory behind guest RAM
 * and memory devices, created with -object or object-add. */
#ifndef MEMHP_QEMU_HOSTMEM_H
#define MEMHP_QEMU_HOSTMEM_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct qemu_vm;

struct memory_backend {
	char *id;
	char *qom_type;
	uint64_t size;
	bool in_use; /* a memory device or NUMA node holds it */
};

struct memory_backend *host_memory_backend_find(const struct qemu_vm *vm, const char *id);

/* Whether QEMU knows qom_type as a memory backend memhp models. */
bool host_memory_backend_type_valid(const char *qom_type);

/* object-add of a memory backend. -EINVAL with QEMU's message in err, or
 * -ENOMEM; the VM is unchanged on error. */
int host_memory_backend_add(struct qemu_vm *vm, const char *qom_type, const char *id, uint64_t size,
			    char *err, size_t errlen);

/* object-del. -EINVAL with QEMU's message; the VM is unchanged on error. */
int host_memory_backend_del(struct qemu_vm *vm, const char *id, char *err, size_t errlen);

/* The alignment of the backend's host mapping, which memory devices
 * inherit (qemu_ram_pagesize()). */
uint64_t host_memory_backend_alignment(const struct memory_backend *b);

void host_memory_backends_free(struct qemu_vm *vm);

#endif
