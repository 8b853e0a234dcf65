/* One modelled machine: the QEMU host, the guest kernel and its drivers,
 * and the asynchronous work between them (device notifications from the
 * host, handled by the guest driver bound to them; QMP events back). */
#ifndef MEMHP_MACHINE_H
#define MEMHP_MACHINE_H

#include <stdbool.h>
#include <stddef.h>

#include "acpi_memory_slot.h"
#include "kernel.h"
#include "qemu.h"

struct json_object;
struct virtio_mem_driver;

/* A guest driver as the machine drives it: one instance per binding (the
 * ACPI memory driver for all memory slots; next, one virtio-mem driver
 * per device). */
struct guest_driver_ops {
	/* The boot-time scan: binds the devices already there. 0 or -errno. */
	int (*probe)(void *drv);
	/* The host's notification `event` about device `id` (a slot). 0, or
	 * a negative errno that stops machine_run_pending(). */
	int (*notify)(void *drv, unsigned int id, int event);
	/* Unbinds and frees the driver instance. */
	void (*release)(void *drv);
	/* Optional: the driver's invariants (memhp_check()); 0, or -EUCLEAN
	 * with "invariant NAME: ..." in msg. */
	int (*check)(const void *drv, char *msg, size_t len);
};

struct guest_binding {
	const struct guest_driver_ops *ops;
	void *drv; /* NULL: nothing bound */
};

#define MACHINE_NR_BINDINGS (QEMU_HOTPLUG_VIRTIO_PCI + 1)

/* Queued work: the notification, by stable ids (never a host pointer). */
struct machine_work {
	enum qemu_hotplug_bus bus; /* which binding handles it */
	unsigned int id;	   /* the device on that bus: a slot */
	int event;
	bool cancelled; /* the device went away before it ran */
};

struct machine {
	struct qemu_vm *vm;
	struct kernel *kernel;
	struct guest_binding bindings[MACHINE_NR_BINDINGS]; /* by bus */
	struct acpi_memory_firmware acpi_fw;		    /* QEMU's, wrapped for the guest */
	struct machine_work *work;			    /* FIFO */
	size_t nr_work, work_cap;
	struct json_object *events; /* QMP events not yet reported (array) */
};

struct machine_config {
	enum memhp_kernel version;
	char *const *qemu_argv;
	size_t qemu_argc;
	const char *kernel_cmdline;
	/* Told of every zone decision and block state change from boot on
	 * (memhp explain, the runner), or NULL. */
	const struct memory_observer *observer;
};

/* Boots the machine. On a bad QEMU option returns -EINVAL with *bad_arg
 * naming the argument and err the reason. */
int machine_create(const struct machine_config *cfg, struct machine **out, size_t *bad_arg,
		   char *err, size_t errlen);
void machine_free(struct machine *m);

/* Runs queued work, and the work it queues, in order until none is left.
 * Returns the number of items run, or a negative errno: a driver's failure
 * (-ENOMEM) or -ELOOP when work keeps queueing work past a bound. Work not
 * run is dropped either way. */
int machine_run_pending(struct machine *m);

/* The machine's invariants after any step: the host's, the kernel's and
 * each driver's own, and where they meet: every hot-added block lies in a
 * memory device the host still has and is bound to that device's driver
 * binding, and every device the guest holds is still on the host. 0, or
 * -EUCLEAN with "invariant NAME: ..." in msg. Reads only. */
int machine_check(const struct machine *m, char *msg, size_t len);

/* Lets ns of time pass (a scenario's sleep): kernel timers fire and QEMU
 * delivers held-back events, each at its moment, with the work they set
 * off run in between. 0 or machine_run_pending()'s error. */
int machine_advance(struct machine *m, uint64_t ns);
/* Runs pending work, then lets time pass until QEMU holds back no event
 * (at most its one-second rate limit). 0 or a negative errno. */
int machine_settle(struct machine *m);

/* A virtio-mem device at a settle: the host's size and request, and when
 * they differ, what the guest's driver waits for. */
struct machine_vmem_status {
	const struct memory_device *md;
	unsigned int index; /* the device's index on the virtio bus */
	uint64_t size, requested_size;
	const char *why; /* static text; NULL when size == requested_size */
};
/* Every virtio-mem device in plug order. 0 or -ENOMEM; free *out. */
int machine_virtio_mem_status(const struct machine *m, struct machine_vmem_status **out,
			      size_t *nr);

/* The guest's virtio-mem driver (its binding on the virtio bus), for
 * reading with virtio_mem_driver.h's accessors; NULL when not loaded. */
const struct virtio_mem_driver *machine_virtio_mem_driver(const struct machine *m);

/* The id of the host memory device that holds guest-physical address
 * addr, or NULL (no device, or one without an id). */
const char *machine_memory_device_id(const struct machine *m, uint64_t addr);

/* query-memory-devices of the host (for snapshots). NULL when out of
 * memory; owned by the caller. */
struct json_object *machine_memory_devices_json(const struct machine *m);

#endif
