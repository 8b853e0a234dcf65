/* ACPI _OST (OSPM status indication) codes as QEMU reports them in
 * ACPI_DEVICE_OST events: the notification being answered ("source") and
 * the outcome ("status"). Names follow the kernel's include/linux/acpi.h. */
#ifndef MEMHP_ACPI_OST_H
#define MEMHP_ACPI_OST_H

/* source: the notify value being answered */
#define ACPI_NOTIFY_DEVICE_CHECK  1 /* insertion */
#define ACPI_NOTIFY_EJECT_REQUEST 3

/* status */
#define ACPI_OST_SC_SUCCESS		 0x00
#define ACPI_OST_SC_NON_SPECIFIC_FAILURE 0x01
#define ACPI_OST_SC_EJECT_NOT_SUPPORTED	 0x80
#define ACPI_OST_SC_DEVICE_BUSY		 0x82
#define ACPI_OST_SC_EJECT_IN_PROGRESS	 0x84

#endif
