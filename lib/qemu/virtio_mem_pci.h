/* virtio-mem-pci (hw/virtio/virtio-mem.c, hw/virtio/virtio-mem-pci.c) as
 * QEMU 7.2 has it: a memory device whose region the guest's driver plugs
 * and unplugs block by block through requests, towards a requested size
 * the host sets. QEMU's device is a PCI proxy (virtio-mem-pci) around the
 * virtio device (its child virtio-backend, type virtio-mem) that holds the
 * properties; both are one struct here. */
#ifndef MEMHP_QEMU_VIRTIO_MEM_PCI_H
#define MEMHP_QEMU_VIRTIO_MEM_PCI_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "memory_device.h"

struct json_object;
struct memory_backend;
struct qemu_vm;
struct virtio_mem_transport;

/* VIRTIO_MEM_USABLE_EXTENT on x86 targets: the usable region reaches this
 * far past the requested size, so that whole Linux memory blocks fit. */
#define VIRTIO_MEM_USABLE_EXTENT ((uint64_t)256 << 20)
/* VIRTIO_MEM_MIN_BLOCK_SIZE */
#define VIRTIO_MEM_MIN_BLOCK_SIZE ((uint64_t)1 << 20)
/* The default block size: the THP size of an x86_64 host
 * (virtio_mem_default_block_size()). */
#define VIRTIO_MEM_DEFAULT_BLOCK_SIZE ((uint64_t)2 << 20)

struct virtio_mem_pci {
	struct memory_device md;       /* first: a virtio-mem-pci is a memory device */
	struct memory_backend *memdev; /* its size is the region size */
	unsigned int index;	       /* stable for its life: the transport's dev */
	uint64_t addr;		       /* memaddr */
	uint64_t block_size;
	uint32_t node;
	uint64_t requested_size;
	uint64_t size; /* plugged */
	uint64_t usable_region_size;
	bool unplugged_inaccessible; /* "auto" resolved at realize */
	bool prealloc;
	bool hotplugged;
	/* The driver's accepted features passed (FEATURES_OK): the device
	 * sends config changes from then on (QEMU: only with DRIVER_OK). */
	bool features_ok;
	uint64_t guest_features;
	/* A virtio protocol violation (an unknown request type) marked the
	 * device NEEDS_RESET: it answers no request any more. */
	bool broken;
	/* One bit per device block, set when plugged; words below
	 * dirty_lo and from dirty_hi on are all zero. */
	uint64_t *bitmap;
	uint64_t nr_blocks;
	uint64_t dirty_lo, dirty_hi;
};

/* The virtio-mem-pci behind a memory device, or NULL if it is of another
 * kind. */
struct virtio_mem_pci *to_virtio_mem_pci(struct memory_device *md);
const struct virtio_mem_pci *to_virtio_mem_pci_const(const struct memory_device *md);

/* The device with that index, or NULL. */
struct virtio_mem_pci *virtio_mem_pci_by_index(const struct qemu_vm *vm, unsigned int index);

/* The region: the memdev's size (QEMU's max-size). */
uint64_t virtio_mem_region_size(const struct virtio_mem_pci *v);

/* -device virtio-mem-pci,... or device_add: the properties as the strings
 * QEMU's option parser hands them to the device (NULL: not given). */
struct virtio_mem_pci_opts {
	const char *id; /* NULL: anonymous */
	const char *memdev;
	const char *memaddr;		    /* uint64; 0 (the default): automatic */
	const char *addr;		    /* the PCI slot[.function]; not where the memory goes */
	const char *node;		    /* uint32; default 0 */
	const char *block_size;		    /* size; default VIRTIO_MEM_DEFAULT_BLOCK_SIZE */
	const char *requested_size;	    /* size; default 0 */
	const char *size;		    /* read-only: refused when given */
	const char *unplugged_inaccessible; /* on, off, auto (the default) */
	const char *prealloc;		    /* bool */
	bool hotplugged;
};

/* qdev_device_add() of a virtio-mem-pci: the bus, the id, the properties,
 * pre-plug (address), realize and plug, in QEMU 7.2's order of checks,
 * then for a hot-plugged device the guest's notification. -ENOENT: memdev
 * names no object (QMP class DeviceNotFound); -EINVAL: anything else
 * (GenericError), with QEMU's message in err; -ENOMEM. The VM is
 * unchanged on error, except that a notification that could not be
 * queued (-ENOMEM) leaves the device plugged (*out set). */
int virtio_mem_pci_plug(struct qemu_vm *vm, const struct virtio_mem_pci_opts *o,
			struct virtio_mem_pci **out, char *err, size_t errlen);

/* qom-get of prop on the proxy (virtio-mem-pci) or, with backend set, on
 * its virtio-backend child (virtio-mem): the value, or NULL when memhp
 * does not know the property. */
struct json_object *virtio_mem_qom_get(const struct virtio_mem_pci *v, bool backend,
				       const char *prop);
/* qom-set of prop except memdev and realized (the caller's, as for any
 * device): 0, 1 when memhp does not know prop (the caller answers), or
 * -EINVAL with QEMU's message. A valid requested-size grows the usable
 * region if needed and tells the driver even when unchanged (-ENOMEM when
 * that notification could not be queued: the value is set); nothing
 * changes on error. */
int virtio_mem_qom_set(struct qemu_vm *vm, struct virtio_mem_pci *v, bool backend, const char *prop,
		       struct json_object *value, char *err, size_t errlen);

/* The transport a guest's virtio-mem driver uses, on this VM's devices
 * (ctx is the VM; dev is a device's index). Config changes are told
 * through vm->hooks.device_notify (QEMU_HOTPLUG_VIRTIO_PCI, the index,
 * VIRTIO_EVENT_CONFIG_CHANGED), and only to a driver whose features
 * passed finalize_features(): QEMU's virtio_notify_config() is silent
 * before DRIVER_OK, which the transport does not tell apart. */
void virtio_mem_transport_init(struct qemu_vm *vm, struct virtio_mem_transport *t);

/* The device's invariants (vm_check.c): 0, or -EUCLEAN. */
int virtio_mem_pci_check(const struct virtio_mem_pci *v, char *msg, size_t len);

#endif
