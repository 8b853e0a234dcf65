/* QEMU's half of ACPI memory hotplug (hw/acpi/memory_hotplug.c): the slot
 * registers the guest's firmware reads and writes, the notifications it
 * raises, and the ACPI_DEVICE_OST and DEVICE_DELETED events. */
#ifndef MEMHP_QEMU_ACPI_MEMORY_HOTPLUG_H
#define MEMHP_QEMU_ACPI_MEMORY_HOTPLUG_H

#include "acpi_memory_slot.h"

struct pc_dimm;
struct qemu_vm;

/* acpi_memory_plug_cb(): a hot-plugged DIMM raises "device check" for its
 * slot (a cold-plugged one is found by the guest's boot scan). 0 or the
 * hook's negative errno. */
int acpi_memory_plug_cb(struct qemu_vm *vm, struct pc_dimm *d);
/* acpi_memory_unplug_request_cb(): "eject request" for its slot. */
int acpi_memory_unplug_request_cb(struct qemu_vm *vm, struct pc_dimm *d);

/* The firmware view the guest reads and the methods it calls, for the
 * machine to hand to the guest's driver. */
void acpi_memory_firmware_init(struct qemu_vm *vm, struct acpi_memory_firmware *fw);

#endif
