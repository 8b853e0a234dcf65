/* One modelled machine: the QEMU host, the guest kernel, and the
 * asynchronous work between them (ACPI notifications, QMP events). */
#ifndef MEMHP_MACHINE_H
#define MEMHP_MACHINE_H

#include <stddef.h>

#include "kernel.h"
#include "qemu_vm.h"

struct json_object;

/* Linux's binding of one ACPI memory device (PNP0C80), per DIMM slot. */
struct acpi_memory_device {
	unsigned int slot;
	unsigned int instance; /* N of its ACPI name PNP0C80:NN */
	struct fwnode_handle fwnode; /* what its blocks' firmware_node points at */
	struct pc_dimm *dimm;
	bool bound;   /* acpi_memhotplug driver attached */
	int group_id; /* its static memory group while bound */
	uint64_t start, size;
};

enum acpi_work_kind {
	ACPI_WORK_INSERT,
	ACPI_WORK_EJECT,
};

struct acpi_work {
	enum acpi_work_kind kind;
	struct pc_dimm *dimm;
};

struct machine {
	struct qemu_vm *vm;
	struct kernel *kernel;
	struct acpi_memory_device *acpi_devices[256]; /* by slot */
	struct acpi_work *work;
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

/* Runs queued asynchronous work to quiescence. Returns the number of work
 * items run, or a negative errno. */
int machine_run_pending(struct machine *m);

/* The id of the host memory device that holds guest-physical address
 * addr, or NULL (no device, or one without an id). */
const char *machine_memory_device_id(const struct machine *m, uint64_t addr);

/* Records a QMP event (takes ownership of data). */
void machine_emit_event(struct machine *m, const char *name, struct json_object *data);

int machine_queue_work(struct machine *m, enum acpi_work_kind kind, struct pc_dimm *dimm);

/* ACPI memory device driver (acpi_memhotplug.c). */
int acpi_memory_device_add(struct machine *m, struct pc_dimm *dimm);
/* The eject request: 0, or the errno whose _OST status QEMU sees. */
int acpi_memory_device_eject(struct machine *m, struct pc_dimm *dimm);
/* The _OST Linux sends once _EJ0 removed the DIMM from slot. */
void acpi_memory_device_ejected(struct machine *m, int slot);

#endif
