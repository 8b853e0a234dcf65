/* Linux's virtio-mem driver (drivers/virtio/virtio_mem.c), 6.1 and 6.12:
 * one instance per device found on the virtio bus, in Sub Block Mode or
 * Big Block Mode, plugging and unplugging toward the size the device
 * requests from its work item. It meets the device only through the
 * virtio transport (hw/virtio_mem.h). Its state is its own, as in the
 * kernel: per-block states and sub-block bitmaps, nothing in struct
 * memory_block. */
#ifndef MEMHP_VIRTIO_MEM_DRIVER_H
#define MEMHP_VIRTIO_MEM_DRIVER_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "virtio_mem.h"

struct kernel;
struct virtio_mem_driver;

/* Memory block states in Sub Block Mode (enum virtio_mem_sbm_mb_state):
 * each online state is followed by its _PARTIAL twin. */
enum virtio_mem_sbm_mb_state {
	VIRTIO_MEM_SBM_MB_UNUSED,
	VIRTIO_MEM_SBM_MB_PLUGGED,
	VIRTIO_MEM_SBM_MB_OFFLINE,
	VIRTIO_MEM_SBM_MB_OFFLINE_PARTIAL,
	VIRTIO_MEM_SBM_MB_KERNEL,
	VIRTIO_MEM_SBM_MB_KERNEL_PARTIAL,
	VIRTIO_MEM_SBM_MB_MOVABLE,
	VIRTIO_MEM_SBM_MB_MOVABLE_PARTIAL,
	VIRTIO_MEM_SBM_MB_COUNT
};

/* Big block states in Big Block Mode (enum virtio_mem_bbm_bb_state). */
enum virtio_mem_bbm_bb_state {
	VIRTIO_MEM_BBM_BB_UNUSED,
	VIRTIO_MEM_BBM_BB_PLUGGED,
	VIRTIO_MEM_BBM_BB_ADDED,
	VIRTIO_MEM_BBM_BB_FAKE_OFFLINE,
	VIRTIO_MEM_BBM_BB_COUNT
};

/* Why the driver's last work left plugged_size short of (or above) the
 * requested size: what it waits for. */
enum virtio_mem_wait {
	VIRTIO_MEM_WAIT_NONE,	     /* at the request, or a run is queued */
	VIRTIO_MEM_WAIT_GRANULARITY, /* the rest is less than a sub-block/big block */
	VIRTIO_MEM_WAIT_USABLE,	     /* ENOSPC: no usable block left in the region */
	VIRTIO_MEM_WAIT_THRESHOLD,   /* ENOSPC: too much added memory is offline */
	VIRTIO_MEM_WAIT_OFFLINE_ONLY, /* unplug_online=N and no offline memory left */
	VIRTIO_MEM_WAIT_TIMER,	     /* EBUSY/ETXTBSY/ENOMEM: the retry timer */
	VIRTIO_MEM_WAIT_BROKEN,	     /* the device answered ERROR: driver gave up */
};

/* One device as the driver sees it, for settle, explain and the checks. */
struct virtio_mem_info {
	unsigned int dev;
	bool sbm;
	int nid, mgid;
	uint64_t addr, region_size, device_block_size;
	uint64_t sb_size; /* SBM: sub-block; BBM: big block */
	uint64_t unit_pages;
	uint64_t first_id, next_id, limit_id; /* blocks (SBM) or big blocks (BBM); limit exclusive */
	uint64_t plugged_size, requested_size;
	uint64_t offline_size, offline_threshold;
	enum virtio_mem_wait wait;
	int last_rc;	  /* of the last run of the work: 0 or -errno */
	bool timer_armed; /* retry at timer_expires (ns) */
	uint64_t timer_expires, retry_interval;
};

/* Loads the module on kernel k (its parameters from k's command line) and
 * keeps a copy of the transport. 0 or -ENOMEM. */
int virtio_mem_driver_create(struct kernel *k, const struct virtio_mem_transport *t,
			     struct virtio_mem_driver **out);
/* Frees the driver's state (the kernel is torn down separately). */
void virtio_mem_driver_free(struct virtio_mem_driver *drv);

/* The boot-time bus scan: probes every device there. 0 or -ENOMEM; a
 * device whose probe fails stays unbound, as on a real guest. */
int virtio_mem_scan(struct virtio_mem_driver *drv);
/* VIRTIO_EVENT_DEVICE_ADDED (probe) or _CONFIG_CHANGED (queue the work)
 * for device dev. 0 or -ENOMEM. */
int virtio_mem_notify(struct virtio_mem_driver *drv, unsigned int dev, int event);

/* The module parameters (/sys/module/virtio_mem/parameters): read in
 * sysfs format; write (only unplug_online is writable): 0, -EINVAL,
 * -EPERM for a read-only one, -ENOENT for an unknown one. */
int virtio_mem_param_get(const struct virtio_mem_driver *drv, const char *name, char *buf,
			 size_t len);
int virtio_mem_param_set(struct virtio_mem_driver *drv, const char *name, const char *val);
/* The parameter names, NULL-terminated, for the kernel's version. */
const char *const *virtio_mem_param_names(const struct virtio_mem_driver *drv);

/* Device dev: 0 with *out filled, or -ENODEV when the driver has not
 * bound it. */
int virtio_mem_get_info(const struct virtio_mem_driver *drv, unsigned int dev,
			struct virtio_mem_info *out);
/* SBM: memory block mb_id's state and plugged sub-blocks; BBM: its big
 * block's state (*nr_plugged: sub-blocks, or 1/0). -ENODEV (no such
 * device) or -ERANGE (block outside what the driver prepared). */
int virtio_mem_block_state(const struct virtio_mem_driver *drv, unsigned int dev, uint64_t mb_id,
			   int *state, uint64_t *nr_plugged);
const char *virtio_mem_sbm_state_name(int state);
const char *virtio_mem_bbm_state_name(int state);
/* "none", "granularity", "usable", "threshold", "offline-only", "timer",
 * "broken". */
const char *virtio_mem_wait_name(enum virtio_mem_wait wait);

/* The driver's invariants: block states agree with the kernel's blocks,
 * state counts and plugged sizes with the bitmaps, offline_size with the
 * offline blocks. 0, or -EUCLEAN with "invariant NAME: ..." in msg. */
int virtio_mem_check(const struct virtio_mem_driver *drv, char *msg, size_t len);

#endif
