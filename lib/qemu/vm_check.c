/* The host model's invariants (memhp_check()): memory devices inside the
 * device-memory area without overlaps, DIMM slots unique, each virtio-mem
 * device's plug state consistent (virtio_mem_pci_check()), and a backend
 * marked in use exactly while a memory device or a NUMA node holds it
 * (what makes object-del refuse it). O(devices^2) plus one pass over each
 * virtio-mem bitmap. */
#include <inttypes.h>
#include <string.h>

#include "invariant.h"
#include "qemu.h"

static uint64_t md_start(const struct memory_device *md)
{
	return md->ops->get_addr(md);
}

static uint64_t md_end(const struct memory_device *md)
{
	return md_start(md) + md->ops->get_region_size(md);
}

static const char *md_name(const struct memory_device *md)
{
	return md->id ? md->id : "(unnamed)";
}

/* A virtio-mem device: its memdev in use, its index below the counter and
 * unique, its plug state (virtio_mem_pci_check()). */
static int check_virtio_mem(const struct qemu_vm *vm, const struct memory_device *md, char *msg,
			    size_t len)
{
	const struct virtio_mem_pci *v = to_virtio_mem_pci_const(md);

	if (!v)
		return 0;
	if (!v->memdev->in_use || host_memory_backend_find(vm, v->memdev->id) != v->memdev)
		return invariant_failed(msg, len, "qemu-backend-use",
					"virtio-mem %s's memdev is not a backend in use",
					md_name(md));
	if (v->index >= vm->nr_virtio_mem || virtio_mem_pci_by_index(vm, v->index) != v)
		return invariant_failed(msg, len, "qemu-virtio-mem-index",
					"virtio-mem %s has index %u of %u, or shares it",
					md_name(md), v->index, vm->nr_virtio_mem);
	return virtio_mem_pci_check(v, msg, len);
}

static int check_device(const struct qemu_vm *vm, size_t i, char *msg, size_t len)
{
	const struct memory_device *md = vm->memory_devices[i];
	const struct pc_dimm *d = to_pc_dimm_const(md);

	if (md_start(md) < vm->device_memory_base || md_end(md) < md_start(md) ||
	    md_end(md) > vm->device_memory_base + vm->device_memory_size)
		return invariant_failed(msg, len, "qemu-device-range",
					"memory device %s [0x%" PRIx64 ", 0x%" PRIx64
					") is outside the device-memory area",
					md_name(md), md_start(md), md_end(md));
	for (size_t j = 0; j < i; j++) {
		const struct memory_device *o = vm->memory_devices[j];
		const struct pc_dimm *od = to_pc_dimm_const(o);

		if (md_start(md) < md_end(o) && md_end(md) > md_start(o))
			return invariant_failed(msg, len, "qemu-device-overlap",
						"memory devices %s and %s overlap", md_name(md),
						md_name(o));
		if (md->id && o->id && !strcmp(md->id, o->id))
			return invariant_failed(msg, len, "qemu-device-id",
						"two memory devices are called %s", md->id);
		if (d && od && d->slot == od->slot)
			return invariant_failed(msg, len, "qemu-dimm-slot",
						"DIMMs %s and %s share slot %d", md_name(md),
						md_name(o), d->slot);
	}
	if (d && (d->slot < 0 || (uint64_t)d->slot >= vm->slots))
		return invariant_failed(msg, len, "qemu-dimm-slot",
					"DIMM %s is in slot %d of %" PRIu64, md_name(md), d->slot,
					vm->slots);
	if (d && (!d->memdev || !d->memdev->in_use ||
		  host_memory_backend_find(vm, d->memdev->id) != d->memdev))
		return invariant_failed(msg, len, "qemu-backend-use",
					"DIMM %s's memdev is not a backend in use", md_name(md));
	return check_virtio_mem(vm, md, msg, len);
}

/* Whether a memory device or a NUMA node holds backend b. */
static bool backend_held(const struct qemu_vm *vm, const struct memory_backend *b)
{
	for (size_t i = 0; i < vm->nr_memory_devices; i++) {
		const struct pc_dimm *d = to_pc_dimm_const(vm->memory_devices[i]);
		const struct virtio_mem_pci *v = to_virtio_mem_pci_const(vm->memory_devices[i]);

		if ((d && d->memdev == b) || (v && v->memdev == b))
			return true;
	}
	for (int i = 0; i < vm->nr_numa; i++)
		if (vm->numa[i].memdev == b)
			return true;
	return false;
}

int qemu_vm_check(const struct qemu_vm *vm, char *msg, size_t len)
{
	uint64_t used = 0;
	int ret;

	for (size_t i = 0; i < vm->nr_memory_devices; i++) {
		ret = check_device(vm, i, msg, len);
		if (ret)
			return ret;
		used += vm->memory_devices[i]->ops->get_region_size(vm->memory_devices[i]);
	}
	if (used > vm->maxmem - vm->ram_size)
		return invariant_failed(msg, len, "qemu-device-space",
					"memory devices use 0x%" PRIx64 " of 0x%" PRIx64, used,
					vm->maxmem - vm->ram_size);
	for (size_t i = 0; i < vm->nr_backends; i++) {
		const struct memory_backend *b = vm->backends[i];

		if (b->in_use != backend_held(vm, b))
			return invariant_failed(
			    msg, len, "qemu-backend-use", "backend %s is %s but %s", b->id,
			    b->in_use ? "in use" : "free",
			    b->in_use ? "nothing holds it" : "a device holds it");
		if (host_memory_backend_find(vm, b->id) != b)
			return invariant_failed(msg, len, "qemu-backend-id",
						"two backends are called %s", b->id);
	}
	return 0;
}
