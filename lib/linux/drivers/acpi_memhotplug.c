/* Linux's ACPI memory device driver on a QEMU pc-dimm slot: one static
 * memory group per device, added with add_memory(); eject offlines all
 * blocks in two passes and removes them, or rolls back and removes
 * nothing (acpi_memory_device_add/remove, and acpi_scan_hot_remove() of
 * drivers/acpi/scan.c for the eject request). */
#include "acpi_memhotplug.h"

#include <errno.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>

#include "acpi_ost.h"
#include "invariant.h"
#include "kernel.h"
#include "memmap_on_memory.h"
#include "memory_group.h"
#include "memory_hotplug.h"

/* The driver's binding of one ACPI memory device (PNP0C80). */
struct acpi_memory_device {
	struct acpi_memory_slot res; /* _CRS and _PXM when it appeared */
	unsigned int instance;	     /* N of its ACPI name PNP0C80:NN */
	struct fwnode_handle fwnode; /* what its blocks' firmware_node points at */
	bool bound;		     /* acpi_memhotplug driver attached */
	int group_id;		     /* its static memory group while bound */
};

struct acpi_memhotplug {
	struct kernel *k;
	struct acpi_memory_firmware fw;
	struct acpi_memory_device *devices[ACPI_MAX_RAM_SLOTS]; /* by slot */
};

int acpi_memhotplug_create(struct kernel *k, const struct acpi_memory_firmware *fw,
			   struct acpi_memhotplug **out)
{
	struct acpi_memhotplug *drv = calloc(1, sizeof(*drv));

	if (!drv)
		return -ENOMEM;
	drv->k = k;
	drv->fw = *fw;
	*out = drv;
	return 0;
}

void acpi_memhotplug_free(struct acpi_memhotplug *drv)
{
	if (!drv)
		return;
	for (unsigned int i = 0; i < ACPI_MAX_RAM_SLOTS; i++)
		free(drv->devices[i]);
	free(drv);
}

static void ost(struct acpi_memhotplug *drv, unsigned int slot, int source, int status)
{
	drv->fw.ost(drv->fw.ctx, slot, source, status);
}

/* acpi_get_node() falls back to memory_add_physaddr_to_nid() when the
 * device has no _PXM. */
static int device_nid(const struct acpi_memhotplug *drv, const struct acpi_memory_device *dev)
{
	if (dev->res.has_pxm)
		return dev->res.pxm;
	return kernel_phys_to_nid(drv->k, dev->res.addr);
}

static void for_each_block(struct acpi_memhotplug *drv, struct acpi_memory_device *dev,
			   void (*fn)(struct kernel *k, struct memory_block *b, void *arg),
			   void *arg)
{
	struct kernel *k = drv->k;
	struct memory_block *b;
	uint64_t id;

	for_each_memory_block_in_range(k, b, id, dev->res.addr / k->block_size,
				       (dev->res.addr + dev->res.size) / k->block_size)
		if (b->fwnode == &dev->fwnode)
			fn(k, b, arg);
}

/* acpi_bind_memory_blocks(): every block of the range gets the device as
 * its firmware node. */
static void bind_blocks(struct acpi_memhotplug *drv, struct acpi_memory_device *dev)
{
	struct kernel *k = drv->k;
	struct memory_block *b;
	uint64_t id;

	for_each_memory_block_in_range(k, b, id, dev->res.addr / k->block_size,
				       (dev->res.addr + dev->res.size) / k->block_size)
		b->fwnode = &dev->fwnode;
}

/* acpi_memory_enable_device(). */
static int enable_device(struct acpi_memhotplug *drv, struct acpi_memory_device *dev)
{
	struct kernel *k = drv->k;
	unsigned int flags = MHP_NID_IS_MGID;
	int mgid, ret;

	mgid = memory_group_register_static(&k->groups, k->nodes, device_nid(drv, dev),
					    PFN_UP(dev->res.size));
	if (mgid < 0)
		return mgid;
	/* 6.12 always asks for memmap-on-memory and lets the core decide per
	 * block; 6.1's core would refuse the whole add, so it asks only for a
	 * range that passes the test (a single block). */
	if (k->version == MEMHP_KERNEL_6_12 || mhp_supports_memmap_on_memory(k, dev->res.size))
		flags |= MHP_MEMMAP_ON_MEMORY;
	ret = add_memory(k, mgid, dev->res.addr, dev->res.size, flags);
	if (ret && ret != -EEXIST) {
		memory_group_unregister(&k->groups, mgid);
		return -EINVAL;
	}
	bind_blocks(drv, dev);
	dev->group_id = mgid;
	dev->bound = true;
	return 0;
}

/* ACPI device names take the lowest instance number free for their _HID
 * when the device appears, so a DIMM's name depends on plug order. */
static unsigned int free_instance(const struct acpi_memhotplug *drv)
{
	unsigned int n = 0;

	for (bool taken = true; taken; n += taken) {
		taken = false;
		for (unsigned int i = 0; i < ACPI_MAX_RAM_SLOTS; i++)
			if (drv->devices[i] && drv->devices[i]->instance == n)
				taken = true;
	}
	return n;
}

/* The ACPI scan found the device in slot: create it and bind the driver
 * (acpi_memory_device_add). -ENODEV when the slot is empty. */
static int device_add(struct acpi_memhotplug *drv, unsigned int slot)
{
	struct acpi_memory_device *dev;
	struct acpi_memory_slot res;
	int ret = drv->fw.get_slot(drv->fw.ctx, slot, &res);

	if (ret)
		return ret;
	dev = calloc(1, sizeof(*dev));
	if (!dev)
		return -ENOMEM;
	dev->instance = free_instance(drv);
	/* QEMU 7.2 puts the memory slots in a PNP0A06 container, the fifth
	 * one Linux enumerates (PNP0A06:04, observed on pc and q35 with 6.1
	 * and 6.12). */
	snprintf(dev->fwnode.path, sizeof(dev->fwnode.path),
		 "LNXSYSTM:00/LNXSYBUS:00/PNP0A06:04/PNP0C80:%02x", dev->instance);
	dev->res = res;
	dev->group_id = -1;
	drv->devices[slot] = dev;
	/* A failed add leaves the device unbound; the firmware still sees a
	 * successful insertion (_OST status 0). */
	enable_device(drv, dev);
	return 0;
}

int acpi_memhotplug_scan(struct acpi_memhotplug *drv)
{
	for (unsigned int slot = 0; slot < ACPI_MAX_RAM_SLOTS; slot++) {
		int ret = device_add(drv, slot);

		if (ret && ret != -ENODEV)
			return ret;
	}
	return 0;
}

struct offline_pass {
	bool second;
	int error;
	uint64_t *offlined; /* blocks this attempt offlined, to re-online */
	size_t nr_offlined;
};

static void offline_one(struct kernel *k, struct memory_block *b, void *arg)
{
	struct offline_pass *p = arg;
	int r;

	if (p->second && p->error)
		return; /* the second pass stops at its first failure */
	if (b->state == MEM_OFFLINE)
		return;
	r = device_offline(k, b);
	if (r < 0) {
		if (!p->error)
			p->error = r;
		return;
	}
	if (r == 0)
		p->offlined[p->nr_offlined++] = b->id;
}

/* acpi_scan_try_to_offline(): two passes, then roll back. -EBUSY when a
 * block stays online (everything re-onlined), -ENOMEM. */
static int try_to_offline(struct acpi_memhotplug *drv, struct acpi_memory_device *dev)
{
	uint64_t nr = dev->res.size / drv->k->block_size + 1;
	struct offline_pass p = {.offlined = calloc(nr, sizeof(uint64_t))};
	int ret;

	if (!p.offlined)
		return -ENOMEM;
	for_each_block(drv, dev, offline_one, &p);
	if (p.error) {
		p.second = true;
		p.error = 0;
		for_each_block(drv, dev, offline_one, &p);
	}
	ret = p.error;
	if (ret) {
		/* Roll back: the policy, not the old zone, decides now. */
		for (size_t i = 0; i < p.nr_offlined; i++) {
			struct memory_block *b = find_memory_block(drv->k, p.offlined[i]);

			if (b)
				device_online(drv->k, b);
		}
		ret = -EBUSY;
	}
	free(p.offlined);
	return ret;
}

/* acpi_memory_remove_memory(). The kernel's __remove_memory() BUG()s when
 * removal fails here; the model keeps the device bound instead (the blocks
 * still point at it) and reports the failure. State is unchanged on
 * error. */
static int remove_device_memory(struct acpi_memhotplug *drv, struct acpi_memory_device *dev)
{
	int ret = remove_memory(drv->k, dev->res.addr, dev->res.size);

	if (ret)
		return ret;
	ret = memory_group_unregister(&drv->k->groups, dev->group_id);
	if (ret)
		return ret;
	dev->group_id = -1;
	dev->bound = false;
	return 0;
}

/* acpi_device_hotplug()'s mapping of the outcome to the _OST status. */
static int ost_status(int err)
{
	return err == -EBUSY ? ACPI_OST_SC_DEVICE_BUSY : ACPI_OST_SC_NON_SPECIFIC_FAILURE;
}

/* The eject request (acpi_scan_hot_remove): offline, remove, _EJ0, _OST. */
static int device_eject(struct acpi_memhotplug *drv, unsigned int slot)
{
	struct acpi_memory_device *dev = drv->devices[slot];
	int ret;

	/* Linux acknowledges the request before it starts offlining. */
	ost(drv, slot, ACPI_NOTIFY_EJECT_REQUEST, ACPI_OST_SC_EJECT_IN_PROGRESS);
	if (dev && dev->bound) {
		ret = try_to_offline(drv, dev);
		if (!ret)
			ret = remove_device_memory(drv, dev);
		if (ret) {
			ost(drv, slot, ACPI_NOTIFY_EJECT_REQUEST, ost_status(ret));
			return ret == -ENOMEM ? ret : 0;
		}
	}
	drv->devices[slot] = NULL;
	free(dev);
	drv->fw.eject(drv->fw.ctx, slot);
	ost(drv, slot, ACPI_NOTIFY_EJECT_REQUEST, ACPI_OST_SC_SUCCESS);
	return 0;
}

int acpi_memhotplug_notify(struct acpi_memhotplug *drv, unsigned int slot, int event)
{
	int ret;

	if (slot >= ACPI_MAX_RAM_SLOTS)
		return -EINVAL;
	if (event == ACPI_NOTIFY_EJECT_REQUEST)
		return device_eject(drv, slot);
	if (event != ACPI_NOTIFY_DEVICE_CHECK)
		return -EINVAL;
	/* A device already there has nothing new to enumerate. */
	ret = drv->devices[slot] ? 0 : device_add(drv, slot);
	if (ret == -ENOMEM)
		return ret;
	ost(drv, slot, ACPI_NOTIFY_DEVICE_CHECK, ACPI_OST_SC_SUCCESS);
	return 0;
}

bool acpi_memhotplug_bound(const struct acpi_memhotplug *drv, unsigned int slot,
			   struct acpi_memory_slot *res, const struct fwnode_handle **fwnode)
{
	const struct acpi_memory_device *dev =
	    slot < ACPI_MAX_RAM_SLOTS ? drv->devices[slot] : NULL;

	if (!dev || !dev->bound)
		return false;
	*res = dev->res;
	*fwnode = &dev->fwnode;
	return true;
}

/* The blocks of dev's range: all there, bound to it and in its group
 * while it is bound; none pointing at it otherwise. */
static int check_device_blocks(const struct acpi_memhotplug *drv, unsigned int slot,
			       const struct acpi_memory_device *dev, char *msg, size_t len)
{
	const struct kernel *k = drv->k;
	uint64_t first = dev->res.addr / k->block_size, nr = dev->res.size / k->block_size, n = 0;
	const struct memory_group *g =
	    dev->bound ? memory_group_find_by_id(&k->groups, dev->group_id) : NULL;
	const struct memory_block *b;
	uint64_t id;

	if (dev->bound && (!g || g->stats.is_dynamic))
		return invariant_failed(msg, len, "device-group",
					"slot %u is bound with memory group %d, which is %s", slot,
					dev->group_id, g ? "dynamic" : "not registered");
	if (!dev->bound && dev->group_id != -1)
		return invariant_failed(msg, len, "device-group",
					"unbound slot %u still holds memory group %d", slot,
					dev->group_id);
	for_each_memory_block_in_range(k, b, id, first, first + nr) {
		if (!dev->bound && b->fwnode == &dev->fwnode)
			return invariant_failed(msg, len, "device-blocks",
						"memory%llu points at unbound slot %u",
						(unsigned long long)id, slot);
		if (!dev->bound)
			continue;
		if (b->fwnode != &dev->fwnode || b->group != g)
			return invariant_failed(msg, len, "device-blocks",
						"memory%llu in slot %u's range is not bound to it",
						(unsigned long long)id, slot);
		n++;
	}
	if (dev->bound && (n != nr || g->nr_blocks != nr))
		return invariant_failed(
		    msg, len, "device-blocks",
		    "slot %u (%s): %llu of its %llu blocks present, its group has %u", slot,
		    dev->fwnode.path, (unsigned long long)n, (unsigned long long)nr, g->nr_blocks);
	return 0;
}

int acpi_memhotplug_check(const struct acpi_memhotplug *drv, char *msg, size_t len)
{
	uint64_t instances[ACPI_MAX_RAM_SLOTS / 64] = {0};

	for (unsigned int slot = 0; slot < ACPI_MAX_RAM_SLOTS; slot++) {
		const struct acpi_memory_device *dev = drv->devices[slot];
		int ret;

		if (!dev)
			continue;
		/* At most one device per slot: the names fit the slots. */
		if (dev->instance >= ACPI_MAX_RAM_SLOTS ||
		    instances[dev->instance / 64] & (1ULL << (dev->instance % 64)))
			return invariant_failed(msg, len, "device-instance",
						"slot %u's name PNP0C80:%02x is taken twice or out "
						"of range",
						slot, dev->instance);
		instances[dev->instance / 64] |= 1ULL << (dev->instance % 64);
		ret = check_device_blocks(drv, slot, dev, msg, len);
		if (ret)
			return ret;
	}
	return 0;
}
