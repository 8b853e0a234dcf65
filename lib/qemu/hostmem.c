/* Memory backends, mirroring backends/hostmem.c and the object-add /
 * object-del checks of qom/object_interfaces.c. */
#include "hostmem.h"

#include <stdlib.h>
#include <string.h>

#include "array.h"
#include "qemu_error.h"
#include "qemu.h"
#include "units.h"

struct memory_backend *host_memory_backend_find(const struct qemu_vm *vm, const char *id)
{
	for (size_t i = 0; i < vm->nr_backends; i++)
		if (!strcmp(vm->backends[i]->id, id))
			return vm->backends[i];
	return NULL;
}

bool host_memory_backend_type_valid(const char *type)
{
	return !strcmp(type, "memory-backend-ram") || !strcmp(type, "memory-backend-memfd") ||
	       !strcmp(type, "memory-backend-file");
}

static void backend_free(struct memory_backend *b)
{
	free(b->id);
	free(b->qom_type);
	free(b);
}

int host_memory_backend_add(struct qemu_vm *vm, const char *qom_type, const char *id, uint64_t size,
			    char *err, size_t errlen)
{
	struct memory_backend *b;

	if (!host_memory_backend_type_valid(qom_type))
		return error_setg(err, errlen, "Parameter 'qom-type' does not accept value '%s'",
				  qom_type);
	if (!id_wellformed(id))
		return error_setg(err, errlen, "Parameter 'id' expects an identifier");
	if (!size)
		return error_setg(err, errlen, "property 'size' of %s doesn't take value '0'",
				  qom_type);
	if (host_memory_backend_find(vm, id) || !strcmp(id, "pc.ram"))
		return error_setg(
		    err, errlen,
		    "attempt to add duplicate property '%s' to object (type 'container')", id);
	/* host_memory_backend_memory_complete(): the host maps the RAM now.
	 * What no guest of the model could address (4 PiB and up) no host
	 * maps either; smaller sizes depend on the host and are taken. */
	if (size >= 1ULL << 52)
		return error_setg(err, errlen,
				  "cannot set up guest memory '%s': Cannot allocate memory", id);
	if (array_grow(&vm->backends, &vm->backends_cap, vm->nr_backends + 1,
		       sizeof(*vm->backends)))
		return -ENOMEM;
	b = calloc(1, sizeof(*b));
	if (!b)
		return -ENOMEM;
	b->id = strdup(id);
	b->qom_type = strdup(qom_type);
	if (!b->id || !b->qom_type) {
		backend_free(b);
		return -ENOMEM;
	}
	b->size = size;
	vm->backends[vm->nr_backends++] = b;
	return 0;
}

int host_memory_backend_del(struct qemu_vm *vm, const char *id, char *err, size_t errlen)
{
	for (size_t i = 0; i < vm->nr_backends; i++) {
		struct memory_backend *b = vm->backends[i];

		if (strcmp(b->id, id))
			continue;
		if (b->in_use)
			return error_setg(err, errlen, "object '%s' is in use, can not be deleted",
					  id);
		backend_free(b);
		memmove(&vm->backends[i], &vm->backends[i + 1],
			(vm->nr_backends - i - 1) * sizeof(*vm->backends));
		vm->nr_backends--;
		return 0;
	}
	return error_setg(err, errlen, "object '%s' not found", id);
}

/* QEMU aligns anonymous RAM to 2 MiB on an x86_64 Linux host; memfd and
 * file backends on tmpfs only to their 4 KiB pages. */
uint64_t host_memory_backend_alignment(const struct memory_backend *b)
{
	return strcmp(b->qom_type, "memory-backend-ram") ? TARGET_PAGE_SIZE : 2 * MiB;
}

void host_memory_backends_free(struct qemu_vm *vm)
{
	for (size_t i = 0; i < vm->nr_backends; i++)
		backend_free(vm->backends[i]);
	free(vm->backends);
	vm->backends = NULL;
	vm->nr_backends = vm->backends_cap = 0;
}
