/* The host side: a QEMU x86 pc/q35 machine as configured on its command
 * line. One concept per file: cmdline.c (options), pc.c (RAM layout),
 * seabios_e820.c, hostmem.c (backends), memory_device.c, pc_dimm.c,
 * virtio_mem_pci.c, acpi_memory_hotplug.c, monitor.c (events and the clock),
 * qmp.c and qom.c. */
#ifndef MEMHP_QEMU_H
#define MEMHP_QEMU_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "hostmem.h"
#include "memory_device.h"
#include "pc_dimm.h"
#include "virtio_mem_pci.h"
#include "seabios_e820.h"

#define TARGET_PAGE_SIZE 4096ULL /* x86: qemu_target_page_size() */
#define MAX_NODES	 64	 /* QEMU's MAX_NODES */

struct json_object;
struct monitor_event_state;

enum qemu_machine_type {
	QEMU_MACHINE_PC, /* i440fx */
	QEMU_MACHINE_Q35,
};

struct numa_node_opt {
	int nodeid;
	uint64_t mem;
	struct memory_backend *memdev;
};

/* A hotplug controller's signal to the guest. */
enum qemu_hotplug_bus {
	QEMU_HOTPLUG_ACPI_MEMORY, /* id: the memory slot; event: ACPI_NOTIFY_* */
	QEMU_HOTPLUG_VIRTIO_PCI,  /* id: the virtio-mem device; event: VIRTIO_EVENT_* */
};

/* What the machine that runs this QEMU installs to hear from it: device
 * notifications for the guest (the ACPI GPE and its notify value) and QMP
 * events. The QEMU side never sees who listens. */
struct qemu_vm_hooks {
	/* 0, or a negative errno when the notification could not be queued. */
	int (*device_notify)(void *ctx, enum qemu_hotplug_bus bus, unsigned int id, int event);
	/* A QMP event; takes ownership of data (may be NULL). */
	void (*event)(void *ctx, const char *name, struct json_object *data);
	void *ctx;
};

struct qemu_vm {
	enum qemu_machine_type type;
	char machine_name[40]; /* the versioned machine type, e.g. pc-i440fx-7.2 */
	bool hypervisor_bit;
	bool amd_cpu;		/* qemu64, the default under TCG, is AuthenticAMD */
	unsigned int phys_bits; /* 40 unless -cpu ...,phys-bits=N */
	unsigned int nr_anon_devices;
	unsigned int smp;
	unsigned int sockets; /* -smp sockets=; 7.2 machine types prefer cores: 1 */
	uint64_t ram_size;
	uint64_t maxmem;
	uint64_t slots;
	uint64_t below_4g, above_4g;
	uint64_t above_4g_start;
	uint64_t device_memory_base, device_memory_size; /* size 0: none */

	struct memory_backend **backends;
	size_t nr_backends, backends_cap;
	struct memory_device **memory_devices; /* in plug order */
	size_t nr_memory_devices, memory_devices_cap;
	struct numa_node_opt numa[MAX_NODES];
	int nr_numa;

	struct e820_entry *e820;
	size_t nr_e820, e820_cap;

	unsigned int nr_virtio_mem; /* the next virtio-mem device's index; never reused */

	/* Virtual time in ns, from 0 at creation; only qemu_vm_clock_advance()
	 * moves it. QMP event rate limits run on it (monitor.c). */
	uint64_t clock_ns;
	struct monitor_event_state *event_states; /* rate limit windows open */
	size_t nr_event_states, event_states_cap;

	struct qemu_vm_hooks hooks;
};

/* Builds the machine from QEMU arguments. On a bad option returns -EINVAL
 * with *bad_arg set to the offending argument index and err explaining. */
int qemu_vm_create(char *const *argv, size_t argc, struct qemu_vm **out, size_t *bad_arg, char *err,
		   size_t errlen);
void qemu_vm_free(struct qemu_vm *vm);

/* The host's invariants: memory devices inside the device-memory area
 * and apart, DIMM slots unique, backends in use exactly while held
 * (vm_check.c). 0, or -EUCLEAN with "invariant NAME: ..." in msg. */
int qemu_vm_check(const struct qemu_vm *vm, char *msg, size_t len);

/* Sends a QMP event through the installed hook (or drops it), at once or,
 * for an event QEMU rate-limits, when its window allows (monitor.c, QEMU's
 * monitor_qapi_event_queue()). Takes ownership of data (may be NULL). */
void qemu_vm_event(struct qemu_vm *vm, const char *name, struct json_object *data);

/* The same for an event whose data is costly to build and whose source
 * stays: key is the instance (for MEMORY_DEVICE_SIZE_CHANGE its qom-path),
 * build(ctx) makes the data as of the moment it goes out. Equal to
 * qemu_vm_event(vm, name, build(ctx)) as long as every change of what
 * build reads raises the event again (the latest held back replaces the
 * others), and builds the data only for events that go out. */
void qemu_vm_event_lazy(struct qemu_vm *vm, const char *name, const char *key,
			struct json_object *(*build)(const void *ctx), const void *ctx);

/* 1 with *when_ns set to the earliest time a held-back event is due, or 0
 * when none is held back. */
int qemu_vm_next_deadline(const struct qemu_vm *vm, uint64_t *when_ns);

/* Moves the clock forward to now_ns (never back) and delivers, in time
 * order, every held-back event whose window ended by then; the clock reads
 * each one's time while it is delivered. */
void qemu_vm_clock_advance(struct qemu_vm *vm, uint64_t now_ns);

/* Drops the events still held back (qemu_vm_free()). */
void monitor_events_free(struct qemu_vm *vm);

#endif
