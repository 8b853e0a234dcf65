/* Memory devices (hw/mem/memory-device.c): devices that put memory into
 * the device-memory area above RAM. Each kind (pc-dimm, virtio-mem-pci)
 * implements struct memory_device_ops, as QEMU's MemoryDeviceClass;
 * address assignment and the QMP summaries work on all of them. */
#ifndef MEMHP_QEMU_MEMORY_DEVICE_H
#define MEMHP_QEMU_MEMORY_DEVICE_H

#include <stddef.h>
#include <stdint.h>

struct json_object;
struct memory_device;
struct qemu_vm;

struct memory_device_ops {
	const char *qom_type; /* "pc-dimm" */
	uint64_t (*get_addr)(const struct memory_device *md);
	/* The size of its region in guest-physical space. */
	uint64_t (*get_region_size)(const struct memory_device *md);
	/* How much of the region is plugged (a DIMM: all of it). */
	uint64_t (*get_plugged_size)(const struct memory_device *md);
	/* Its query-memory-devices entry ({"type", "data"}), keys in QEMU
	 * 7.2's wire order. NULL when out of memory. */
	struct json_object *(*fill_info)(const struct memory_device *md);
	/* device_del: ask the guest to let it go. 0, -ENOMEM, or -EINVAL
	 * with QEMU's refusal (GenericError) in err. */
	int (*unplug_request)(struct qemu_vm *vm, struct memory_device *md, char *err,
			      size_t errlen);
	/* Unplugs and frees the device, releasing its backend (the VM goes). */
	void (*destroy)(struct qemu_vm *vm, struct memory_device *md);
};

/* The qdev part every memory device has. */
struct memory_device {
	const struct memory_device_ops *ops;
	char *id;		 /* may be NULL */
	unsigned int anon_index; /* device[N] of /machine/peripheral-anon when id is NULL */
};

/* memory_device_pre_plug: the device-memory area, the space check,
 * alignment and address (*addr 0: first fit). -EINVAL with QEMU's
 * message; nothing changes. */
int memory_device_pre_plug(const struct qemu_vm *vm, uint64_t size, uint64_t align, uint64_t *addr,
			   char *err, size_t errlen);

/* Adds a realized device to the VM's list (and gives an anonymous one its
 * device[N] name). 0 or -ENOMEM, list unchanged on error. */
int memory_device_plug(struct qemu_vm *vm, struct memory_device *md);
/* Removes it from the list; the caller frees it. */
void memory_device_unplug(struct qemu_vm *vm, struct memory_device *md);

/* The device with qdev id `id`, or NULL. */
struct memory_device *memory_device_find(const struct qemu_vm *vm, const char *id);
/* The device whose region holds guest-physical address addr, or NULL. */
const struct memory_device *memory_device_at(const struct qemu_vm *vm, uint64_t addr);

/* Its QOM path: /machine/peripheral/ID or /machine/peripheral-anon/device[N]. */
void memory_device_path(const struct memory_device *md, char *buf, size_t len);

/* query-memory-devices: every device's info, sorted by address. NULL when
 * out of memory. */
struct json_object *memory_device_query_list(const struct qemu_vm *vm);
/* query-memory-size-summary's plugged-memory. */
uint64_t memory_device_plugged_size(const struct qemu_vm *vm);

#endif
