/* Linux's ACPI memory device driver (drivers/acpi/acpi_memhotplug.c) with
 * the part of the ACPI core's hotplug work it needs (drivers/acpi/scan.c:
 * the eject request). It sees a DIMM only as firmware describes it
 * (struct acpi_memory_slot) and answers through the firmware's methods. */
#ifndef MEMHP_ACPI_MEMHOTPLUG_H
#define MEMHP_ACPI_MEMHOTPLUG_H

#include "acpi_memory_slot.h"

#include <stdbool.h>
#include <stddef.h>

struct acpi_memhotplug;
struct fwnode_handle;
struct kernel;

/* The driver bound to the machine's memory hotplug device; fw is copied. */
int acpi_memhotplug_create(struct kernel *k, const struct acpi_memory_firmware *fw,
			   struct acpi_memhotplug **out);
/* Forgets the bindings (the kernel is torn down separately). */
void acpi_memhotplug_free(struct acpi_memhotplug *drv);

/* The boot-time scan: binds every present slot in slot order, without
 * _OST. 0 or -ENOMEM. */
int acpi_memhotplug_scan(struct acpi_memhotplug *drv);

/* A notification about slot (ACPI_NOTIFY_DEVICE_CHECK or
 * ACPI_NOTIFY_EJECT_REQUEST); the outcome goes to the firmware as _OST.
 * 0, or -ENOMEM when the driver could not do its work. */
int acpi_memhotplug_notify(struct acpi_memhotplug *drv, unsigned int slot, int event);

/* The device bound in slot: its _CRS and _PXM as the driver read them and
 * the firmware node its blocks point at. false when nothing is bound. */
bool acpi_memhotplug_bound(const struct acpi_memhotplug *drv, unsigned int slot,
			   struct acpi_memory_slot *res, const struct fwnode_handle **fwnode);

/* The driver's invariants: each bound device has all the blocks of its
 * range, pointing at it and in its memory group, and nothing else;
 * instance names are unique. 0, or -EUCLEAN with "invariant NAME: ..." in
 * msg. Reads only. */
int acpi_memhotplug_check(const struct acpi_memhotplug *drv, char *msg, size_t len);

#endif
