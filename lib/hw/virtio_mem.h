/* A virtio-mem device as the guest meets it on the PCI bus: the virtio
 * device id, feature bits, the config space, and the request/response
 * pair on its one virtqueue (include/uapi/linux/virtio_mem.h; values are
 * the ABI's). This is all the host's device and the guest's driver share;
 * the transport below stands for virtio-pci. */
#ifndef MEMHP_HW_VIRTIO_MEM_H
#define MEMHP_HW_VIRTIO_MEM_H

#include <stdint.h>

#define VIRTIO_ID_MEM 24

/* Feature bits */
#define VIRTIO_MEM_F_ACPI_PXM		    0
#define VIRTIO_MEM_F_UNPLUGGED_INACCESSIBLE 1
#define VIRTIO_MEM_F_PERSISTENT_SUSPEND	    2

/* Request types */
#define VIRTIO_MEM_REQ_PLUG	  0
#define VIRTIO_MEM_REQ_UNPLUG	  1
#define VIRTIO_MEM_REQ_UNPLUG_ALL 2
#define VIRTIO_MEM_REQ_STATE	  3

/* Response types */
#define VIRTIO_MEM_RESP_ACK   0
#define VIRTIO_MEM_RESP_NACK  1
#define VIRTIO_MEM_RESP_BUSY  2
#define VIRTIO_MEM_RESP_ERROR 3

/* STATE answers */
#define VIRTIO_MEM_STATE_PLUGGED   0
#define VIRTIO_MEM_STATE_UNPLUGGED 1
#define VIRTIO_MEM_STATE_MIXED	   2

/* The config space, field by field (56 bytes little-endian on the wire). */
struct virtio_mem_config {
	uint64_t block_size;
	uint16_t node_id;
	uint64_t addr;
	uint64_t region_size;
	uint64_t usable_region_size;
	uint64_t plugged_size;
	uint64_t requested_size;
};

struct virtio_mem_req {
	uint16_t type;
	uint64_t addr;	    /* PLUG, UNPLUG, STATE */
	uint16_t nb_blocks; /* PLUG, UNPLUG, STATE */
};

struct virtio_mem_resp {
	uint16_t type;
	uint16_t state; /* STATE only */
};

/* What the host raises for a virtio device (the PCI hotplug notification
 * and the config-change interrupt), as the `event` of a notification. */
#define VIRTIO_EVENT_DEVICE_ADDED   1
#define VIRTIO_EVENT_CONFIG_CHANGED 2

/* virtio-pci as a virtio-mem driver uses it; `dev` names one device for
 * as long as it exists (the host never reuses it). ctx is the host's. */
struct virtio_mem_transport {
	/* The first virtio-mem device with index >= *dev: 0 with *dev set,
	 * or -ENODEV when there is none (the bus scan). */
	int (*next_device)(void *ctx, unsigned int *dev);
	/* The feature bits the device offers. */
	uint64_t (*get_features)(void *ctx, unsigned int dev);
	/* The driver's accepted bits: 0, or -ENODEV when the device refuses
	 * them (FEATURES_OK not set). */
	int (*finalize_features)(void *ctx, unsigned int dev, uint64_t features);
	void (*get_config)(void *ctx, unsigned int dev, struct virtio_mem_config *cfg);
	/* One request on the guest-request queue and the device's answer. */
	void (*request)(void *ctx, unsigned int dev, const struct virtio_mem_req *req,
			struct virtio_mem_resp *resp);
	void *ctx;
};

#endif
