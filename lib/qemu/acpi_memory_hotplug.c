/* QEMU's ACPI memory hotplug controller, mirroring hw/acpi/memory_hotplug.c:
 * what the guest's AML reads per slot, the GPE notifications, and what
 * its _OST and _EJ0 writes do on the host. */
#include "acpi_memory_hotplug.h"

#include <errno.h>
#include <stdio.h>

#include <json-c/json.h>

#include "acpi_ost.h"
#include "qemu.h"

int acpi_memory_plug_cb(struct qemu_vm *vm, struct pc_dimm *d)
{
	if (!d->hotplugged || !vm->hooks.device_notify)
		return 0;
	return vm->hooks.device_notify(vm->hooks.ctx, QEMU_HOTPLUG_ACPI_MEMORY,
				       (unsigned int)d->slot, ACPI_NOTIFY_DEVICE_CHECK);
}

int acpi_memory_unplug_request_cb(struct qemu_vm *vm, struct pc_dimm *d)
{
	/* QEMU sends the eject request again for a DIMM already asked to go. */
	d->unplug_requested = true;
	if (!vm->hooks.device_notify)
		return 0;
	return vm->hooks.device_notify(vm->hooks.ctx, QEMU_HOTPLUG_ACPI_MEMORY,
				       (unsigned int)d->slot, ACPI_NOTIFY_EJECT_REQUEST);
}

static int fw_get_slot(void *ctx, unsigned int slot, struct acpi_memory_slot *out)
{
	const struct qemu_vm *vm = ctx;
	const struct pc_dimm *d = pc_dimm_in_slot(vm, (int)slot);

	if (!d)
		return -ENODEV;
	/* QEMU's AML has _PXM from the DIMM's node; Linux finds it only in a
	 * SRAT, which QEMU builds only with NUMA nodes. */
	*out = (struct acpi_memory_slot){
	    .slot = slot,
	    .addr = d->addr,
	    .size = d->memdev->size,
	    .has_pxm = vm->nr_numa > 0,
	    .pxm = d->node,
	};
	return 0;
}

/* acpi_memory_device_status(): the DIMM is named only while it still
 * exists, so the final _OST of an eject carries just the slot. */
static void fw_ost(void *ctx, unsigned int slot, int source, int status)
{
	struct qemu_vm *vm = ctx;
	struct pc_dimm *d = pc_dimm_in_slot(vm, (int)slot);
	struct json_object *info = json_object_new_object(), *data = json_object_new_object();
	char slot_name[16];

	/* A failed eject leaves the DIMM plugged and no longer on its way out. */
	if (d && source == ACPI_NOTIFY_EJECT_REQUEST && status != ACPI_OST_SC_EJECT_IN_PROGRESS &&
	    status != ACPI_OST_SC_SUCCESS)
		d->unplug_requested = false;
	snprintf(slot_name, sizeof(slot_name), "%u", slot);
	/* QEMU 7.2's key order on the wire. */
	if (d && d->md.id)
		json_object_object_add(info, "device", json_object_new_string(d->md.id));
	json_object_object_add(info, "source", json_object_new_int(source));
	json_object_object_add(info, "status", json_object_new_int(status));
	json_object_object_add(info, "slot", json_object_new_string(slot_name));
	json_object_object_add(info, "slot-type", json_object_new_string("DIMM"));
	json_object_object_add(data, "info", info);
	qemu_vm_event(vm, "ACPI_DEVICE_OST", data);
}

/* _EJ0 (acpi_memory_eject_cb -> pc_dimm_unplug): the DIMM goes and QMP
 * hears DEVICE_DELETED. */
static void fw_eject(void *ctx, unsigned int slot)
{
	struct qemu_vm *vm = ctx;
	struct pc_dimm *d = pc_dimm_in_slot(vm, (int)slot);
	struct json_object *data;
	char path[300];

	if (!d)
		return;
	data = json_object_new_object();
	if (d->md.id)
		json_object_object_add(data, "device", json_object_new_string(d->md.id));
	memory_device_path(&d->md, path, sizeof(path));
	json_object_object_add(data, "path", json_object_new_string(path));
	pc_dimm_unplug(vm, d);
	qemu_vm_event(vm, "DEVICE_DELETED", data);
}

void acpi_memory_firmware_init(struct qemu_vm *vm, struct acpi_memory_firmware *fw)
{
	*fw = (struct acpi_memory_firmware){
	    .get_slot = fw_get_slot,
	    .ost = fw_ost,
	    .eject = fw_eject,
	    .ctx = vm,
	};
}
