/* Address assignment and bookkeeping common to all memory devices,
 * mirroring hw/mem/memory-device.c. */
#include "memory_device.h"

#include <inttypes.h>
#include <stdlib.h>
#include <string.h>

#include <json-c/json.h>

#include "array.h"
#include "qemu_error.h"
#include "qemu.h"
#include "units.h"

static uint64_t md_start(const struct memory_device *md)
{
	return md->ops->get_addr(md);
}

/* A plugged device's end: it lies inside the device-memory area. */
static uint64_t md_end(const struct memory_device *md)
{
	return md->ops->get_addr(md) + md->ops->get_region_size(md);
}

/* Whether [a, a + alen) and [b, b + blen) meet (QEMU's ranges_overlap()),
 * without a sum that could wrap. */
static bool ranges_overlap(uint64_t a, uint64_t alen, uint64_t b, uint64_t blen)
{
	return a <= b ? b - a < alen : a - b < blen;
}

/* Whether [addr, addr + size) lies in the device-memory area; addr + size
 * may be past 2^64 (QEMU's range_init() refuses such a range and gives
 * the same message as for one outside the area). */
static bool in_device_memory(const struct qemu_vm *vm, uint64_t addr, uint64_t size)
{
	uint64_t base = vm->device_memory_base, end = base + vm->device_memory_size;

	return addr >= base && addr <= end && size <= end - addr;
}

/* First fit from the start of the device-memory area, in address order
 * (memory_device_get_free_addr()). */
static int find_free_addr(const struct qemu_vm *vm, uint64_t size, uint64_t align, uint64_t *addr)
{
	uint64_t candidate = align_up(vm->device_memory_base, align);
	bool moved;

	do {
		moved = false;
		for (size_t i = 0; i < vm->nr_memory_devices; i++) {
			const struct memory_device *md = vm->memory_devices[i];

			if (ranges_overlap(candidate, size, md_start(md),
					   md->ops->get_region_size(md))) {
				candidate = align_up(md_end(md), align);
				moved = true;
			}
		}
	} while (moved);
	if (!in_device_memory(vm, candidate, size))
		return -ENOSPC;
	*addr = candidate;
	return 0;
}

/* The device-memory area in use (QEMU's used_region_size). */
static uint64_t used_region_size(const struct qemu_vm *vm)
{
	uint64_t used = 0;

	for (size_t i = 0; i < vm->nr_memory_devices; i++)
		used += vm->memory_devices[i]->ops->get_region_size(vm->memory_devices[i]);
	return used;
}

static int check_fixed_addr(const struct qemu_vm *vm, uint64_t addr, uint64_t size, char *err,
			    size_t errlen)
{
	if (!in_device_memory(vm, addr, size))
		return error_setg(err, errlen,
				  "can't add memory device [0x%" PRIx64 ":0x%" PRIx64
				  "], usable range for memory devices [0x%" PRIx64 ":0x%" PRIx64
				  "]",
				  addr, size, vm->device_memory_base, vm->device_memory_size);
	for (size_t i = 0; i < vm->nr_memory_devices; i++) {
		const struct memory_device *o = vm->memory_devices[i];

		if (ranges_overlap(addr, size, md_start(o), o->ops->get_region_size(o)))
			return error_setg(err, errlen,
					  "address range conflicts with memory device id='%s'",
					  o->id ? o->id : "(unnamed)");
	}
	return 0;
}

int memory_device_pre_plug(const struct qemu_vm *vm, uint64_t size, uint64_t align, uint64_t *addr,
			   char *err, size_t errlen)
{
	uint64_t total = vm->maxmem - vm->ram_size, used = used_region_size(vm);

	/* memory_device_get_free_addr(): pc machines always have the area,
	 * of size 0 without maxmem (a DIMM's slot check refuses first). */
	if (!vm->device_memory_size)
		return error_setg(
		    err, errlen,
		    "memory devices (e.g. for memory hotplug) are not enabled, please "
		    "specify the maxmem option");
	/* size alone may be near 2^64: used + size could wrap */
	if (size > total - used)
		return error_setg(err, errlen,
				  "not enough space, currently 0x%" PRIx64
				  " in use of total space for memory devices 0x%" PRIx64,
				  used, total);
	if (*addr % align)
		return error_setg(err, errlen, "address must be aligned to 0x%" PRIx64 " bytes",
				  align);
	if (size % align)
		return error_setg(err, errlen, "backend memory size must be multiple of 0x%" PRIx64,
				  align);
	if (*addr)
		return check_fixed_addr(vm, *addr, size, err, errlen);
	if (find_free_addr(vm, size, align, addr))
		return error_setg(
		    err, errlen,
		    "could not find position in guest address space for memory device - "
		    "memory fragmented due to alignments");
	return 0;
}

int memory_device_plug(struct qemu_vm *vm, struct memory_device *md)
{
	if (array_grow(&vm->memory_devices, &vm->memory_devices_cap, vm->nr_memory_devices + 1,
		       sizeof(*vm->memory_devices)))
		return -ENOMEM;
	/* qdev names an anonymous device when it is added to the tree. */
	if (!md->id)
		md->anon_index = vm->nr_anon_devices++;
	vm->memory_devices[vm->nr_memory_devices++] = md;
	return 0;
}

void memory_device_unplug(struct qemu_vm *vm, struct memory_device *md)
{
	for (size_t i = 0; i < vm->nr_memory_devices; i++) {
		if (vm->memory_devices[i] != md)
			continue;
		memmove(&vm->memory_devices[i], &vm->memory_devices[i + 1],
			(vm->nr_memory_devices - i - 1) * sizeof(*vm->memory_devices));
		vm->nr_memory_devices--;
		return;
	}
}

struct memory_device *memory_device_find(const struct qemu_vm *vm, const char *id)
{
	for (size_t i = 0; i < vm->nr_memory_devices; i++)
		if (vm->memory_devices[i]->id && !strcmp(vm->memory_devices[i]->id, id))
			return vm->memory_devices[i];
	return NULL;
}

const struct memory_device *memory_device_at(const struct qemu_vm *vm, uint64_t addr)
{
	for (size_t i = 0; i < vm->nr_memory_devices; i++) {
		const struct memory_device *md = vm->memory_devices[i];

		if (addr >= md_start(md) && addr - md_start(md) < md->ops->get_region_size(md))
			return md;
	}
	return NULL;
}

void memory_device_path(const struct memory_device *md, char *buf, size_t len)
{
	if (md->id)
		snprintf(buf, len, "/machine/peripheral/%s", md->id);
	else
		snprintf(buf, len, "/machine/peripheral-anon/device[%u]", md->anon_index);
}

static int by_addr(const void *a, const void *b)
{
	uint64_t x = md_start(*(const struct memory_device *const *)a);
	uint64_t y = md_start(*(const struct memory_device *const *)b);

	return x < y ? -1 : x > y;
}

/* qmp_memory_device_list(): the devices in address order. */
struct json_object *memory_device_query_list(const struct qemu_vm *vm)
{
	size_t n = vm->nr_memory_devices;
	const struct memory_device **sorted = calloc(n ? n : 1, sizeof(*sorted));
	struct json_object *list = json_object_new_array();

	if (!sorted || !list) {
		free(sorted);
		json_object_put(list);
		return NULL;
	}
	if (n)
		memcpy(sorted, vm->memory_devices, n * sizeof(*sorted));
	qsort(sorted, n, sizeof(*sorted), by_addr);
	for (size_t i = 0; i < n; i++)
		json_object_array_add(list, sorted[i]->ops->fill_info(sorted[i]));
	free(sorted);
	return list;
}

uint64_t memory_device_plugged_size(const struct qemu_vm *vm)
{
	uint64_t plugged = 0;

	for (size_t i = 0; i < vm->nr_memory_devices; i++)
		plugged += vm->memory_devices[i]->ops->get_plugged_size(vm->memory_devices[i]);
	return plugged;
}
