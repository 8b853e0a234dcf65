/* The ACPI memory hotplug device as firmware describes it to the guest:
 * one PNP0C80 device per slot with its _CRS (address, size) and, when the
 * machine has a SRAT, its _PXM; the guest answers with _OST and removes a
 * device with _EJ0. This is all host and guest share about DIMMs. */
#ifndef MEMHP_ACPI_MEMORY_SLOT_H
#define MEMHP_ACPI_MEMORY_SLOT_H

#include <stdbool.h>
#include <stdint.h>

/* Slots of QEMU's memory hotplug controller (ACPI_MAX_RAM_SLOTS). */
#define ACPI_MAX_RAM_SLOTS 256

struct acpi_memory_slot {
	unsigned int slot;
	uint64_t addr, size; /* _CRS */
	bool has_pxm;	     /* _PXM is there only with NUMA nodes (a SRAT) */
	int pxm;
};

/* The firmware methods a guest driver evaluates; ctx is the firmware's. */
struct acpi_memory_firmware {
	/* _STA and _CRS/_PXM of slot: 0, or -ENODEV when the slot is empty. */
	int (*get_slot)(void *ctx, unsigned int slot, struct acpi_memory_slot *out);
	/* _OST: the guest's answer to notification `source` about slot. */
	void (*ost)(void *ctx, unsigned int slot, int source, int status);
	/* _EJ0: the guest let the device in slot go. */
	void (*eject)(void *ctx, unsigned int slot);
	void *ctx;
};

#endif
